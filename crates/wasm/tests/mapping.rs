//! wasm-bindgen tests of the mapping exports, run under Node by `wasm-bindgen-test-runner`.

mod common;

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

const ATTRIBUTES: &str = r#"[
  {"id":"1","name":"Key","type":0,"defaultType":{"id":0,"name":"Text"},"system":true,"editable":false},
  {"id":"4","name":"JumpCloud ID","type":0,"defaultType":{"id":0,"name":"Text"}},
  {"id":"5","name":"Job Title","type":0,"defaultType":{"id":0,"name":"Text"}},
  {"id":"6","name":"Employee Number","type":0,"defaultType":{"id":1,"name":"Integer"}},
  {"id":"7","name":"Manager","type":1,"referenceObjectTypeId":"12"},
  {"id":"8","name":"Groups","type":1,"referenceObjectTypeId":"21","maximumCardinality":-1}
]"#;

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

fn string(value: &JsValue, key: &str) -> String {
    get(value, key)
        .as_string()
        .unwrap_or_else(|| panic!("{key} is not a string"))
}

fn number(value: &JsValue, key: &str) -> f64 {
    get(value, key)
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number"))
}

fn array(value: &JsValue, key: &str) -> Array {
    get(value, key).into()
}

#[wasm_bindgen_test]
fn validate_reports_every_problem_with_positions_and_hints() {
    let mapping = "key:_id=JumpCloud ID\nmap:jobTitle=Job Titel\nmap:email=Email|lowr\nconfig:api=systemusers\n";
    let out = common::validate(mapping, Some(ATTRIBUTES.to_string())).unwrap();
    let diagnostics = array(&out, "diagnostics");
    assert_eq!(
        diagnostics.length(),
        3,
        "unknown attribute, unknown option, unknown attribute Email"
    );
    let first = diagnostics.get(0);
    assert_eq!(text_of_code(&first), "E020");
    assert_eq!(string(&first, "severity"), "error");
    assert_eq!(number(&first, "line"), 2.0);
    assert_eq!(number(&first, "column"), 14.0);
    assert_eq!(number(&first, "endLine"), 2.0);
    assert_eq!(number(&first, "endColumn"), 23.0);
    assert_eq!(string(&first, "hint"), "did you mean 'Job Title'?");
    assert_eq!(string(&first, "label"), "unknown attribute");
    let span = get(&first, "span");
    assert_eq!((number(&span, "start"), number(&span, "end")), (34.0, 43.0));
    let utf16 = get(&first, "utf16Span");
    assert_eq!(
        (number(&utf16, "start"), number(&utf16, "end")),
        (34.0, 43.0)
    );
    assert!(Array::is_array(&get(&first, "notes")));
    let codes: Vec<String> = diagnostics.iter().map(|d| text_of_code(&d)).collect();
    assert_eq!(codes, ["E020", "E020", "E015"]);
}

fn text_of_code(diagnostic: &JsValue) -> String {
    string(diagnostic, "code")
}

#[wasm_bindgen_test]
fn validate_without_attributes_checks_syntax_only_and_never_throws() {
    let out = common::validate("map:\"unterminated=X\n", None).unwrap();
    let codes: Vec<String> = array(&out, "diagnostics")
        .iter()
        .map(|d| text_of_code(&d))
        .collect();
    assert_eq!(
        codes,
        ["E001", "W001", "W006", "E008"],
        "whole-text problems sort at the start"
    );
    let clean = common::validate(
        "key:_id=id\nmap:email=Email\nconfig:api=systemusers\n",
        None,
    )
    .unwrap();
    assert_eq!(array(&clean, "diagnostics").length(), 0);
    assert!(
        get(&clean, "diagnostics").is_object(),
        "a plain object, not a Map"
    );
}

#[wasm_bindgen_test]
fn bad_attributes_json_throws_a_real_error_naming_the_problem() {
    let error = common::validate("key:_id=id", Some("{not json".to_string())).unwrap_err();
    let error: JsValue = error.into();
    assert!(error.is_instance_of::<js_sys::Error>());
    let message: String = js_sys::Error::from(error).message().into();
    assert!(
        message.starts_with("attributesJson is not the body of GET objecttype/{id}/attributes"),
        "{message}"
    );
}

#[wasm_bindgen_test]
fn render_diagnostics_draws_a_caret_and_is_empty_when_clean() {
    let rendered = common::render_diagnostics(
        "key:_id=JumpCloud ID\nmap:jobTitle=Job Titel\nconfig:api=systemusers\n",
        "users.map",
        Some(ATTRIBUTES.to_string()),
    )
    .unwrap();
    assert!(
        rendered.contains("error[E020]: the object type has no attribute 'Job Titel'"),
        "{rendered}"
    );
    assert!(rendered.contains(" --> users.map:2:14"), "{rendered}");
    assert!(
        rendered
            .contains("2 | map:jobTitle=Job Titel\n  |              ^^^^^^^^^ unknown attribute"),
        "{rendered}"
    );
    assert!(rendered.ends_with("1 error, 0 warnings\n"), "{rendered}");
    let clean = common::render_diagnostics(
        "key:_id=id\nmap:email=Email\nconfig:api=systemusers\n",
        "x.map",
        None,
    )
    .unwrap();
    assert_eq!(clean, "");
}

#[wasm_bindgen_test]
fn format_is_canonical_and_idempotent() {
    let messy = "\u{feff}MAP: firstname = First Name  \r\n\r\n\r\nkey:_id=id\r\nnot a line\r\n";
    let once = common::format(messy);
    assert_eq!(once, "map:firstname=First Name\n\nkey:_id=id\nnot a line\n");
    assert_eq!(common::format(&once), once);
}

#[wasm_bindgen_test]
fn preview_types_values_and_reports_bad_ones_per_attribute() {
    let mapping = "key:_id=JumpCloud ID\nmap:jobTitle=Job Title|upper\nmap:employeeIdentifier=Employee Number\nmap:manager=Manager|byKey\nmap:memberof=Groups|Name=${memberof}\nconfig:api=systemusers\n";
    let record = r#"{"_id":"u1","jobTitle":"engineer","employeeIdentifier":"E-7","manager":"u0","memberof":["a","b"]}"#;
    let out = common::preview(mapping, record, ATTRIBUTES).unwrap();
    assert_eq!(text_of(&out, "key"), "u1");
    let values = array(&out, "values");
    let job = values
        .iter()
        .find(|v| string(v, "attribute") == "Job Title")
        .unwrap();
    let first = array(&job, "values").get(0);
    assert_eq!(
        (
            string(&first, "type"),
            string(&first, "value"),
            string(&first, "canonical")
        ),
        ("text".into(), "ENGINEER".into(), "ENGINEER".into())
    );
    let manager = values
        .iter()
        .find(|v| string(v, "attribute") == "Manager")
        .unwrap();
    let pending = get(&array(&manager, "values").get(0), "value");
    assert_eq!(
        (
            string(&pending, "objectTypeId"),
            string(&pending, "attribute"),
            string(&pending, "value")
        ),
        ("12".into(), "JumpCloud ID".into(), "u0".into())
    );
    let groups = values
        .iter()
        .find(|v| string(v, "attribute") == "Groups")
        .unwrap();
    assert_eq!(array(&groups, "values").length(), 2);
    let errors = array(&out, "errors");
    assert_eq!(errors.length(), 1);
    assert_eq!(string(&errors.get(0), "attribute"), "Employee Number");
    assert_eq!(
        string(&errors.get(0), "message"),
        "'E-7' is not a whole number"
    );
}

fn text_of(value: &JsValue, key: &str) -> String {
    string(value, key)
}

#[wasm_bindgen_test]
fn preview_of_a_broken_mapping_returns_diagnostics_and_bad_json_throws() {
    let out = common::preview("map:jobTitle=Job Titel\n", "{}", ATTRIBUTES).unwrap();
    assert!(get(&out, "key").is_null());
    let codes: Vec<String> = array(&out, "diagnostics")
        .iter()
        .map(|d| text_of_code(&d))
        .collect();
    assert!(
        codes.contains(&"E001".to_string()) && codes.contains(&"E020".to_string()),
        "{codes:?}"
    );
    let error: JsValue = common::preview("key:_id=id", "[1]", ATTRIBUTES)
        .unwrap_err()
        .into();
    let message: String = js_sys::Error::from(error).message().into();
    assert_eq!(
        message,
        "recordJson must be one JumpCloud record (a JSON object), not a list or a value"
    );
}

#[wasm_bindgen_test]
fn validate_caps_the_diagnostics_and_counts_the_rest() {
    // Every line is an unknown directive: far more than 200 diagnostics.
    let text = "key:_id=id\nmap:email=Email\n".to_string() + &"mpa:x=y\n".repeat(1000);
    let out = common::validate(&text, None).unwrap();
    assert_eq!(array(&out, "diagnostics").length(), 200);
    assert_eq!(
        number(&out, "omitted"),
        801.0,
        "1000 E003 and W001, less 200"
    );
    assert_eq!(number(&out, "errors"), 1000.0);
    assert_eq!(number(&out, "warnings"), 1.0);
    let rendered = common::render_diagnostics(&text, "big.map", None).unwrap();
    assert!(
        rendered.contains("... and 801 more not shown"),
        "{rendered}"
    );
    assert!(rendered.ends_with("1000 errors, 1 warning\n"));
}

#[wasm_bindgen_test]
fn fixes_are_data_with_utf16_spans_and_fix_mapping_applies_them() {
    let mapping = "# Jöb 😀\nkey:_id=id\nmap:jobTitle=Job Titel\nmap:manager=Manager\nconfig:api=systemusers\n";
    let out = common::validate(mapping, Some(ATTRIBUTES.to_string())).unwrap();
    let diagnostics = array(&out, "diagnostics");
    let key = diagnostics.get(0);
    assert_eq!(text_of_code(&key), "E020");
    let fix = array(&key, "fixes").get(0);
    assert_eq!(string(&fix, "replacement"), "JumpCloud ID");
    assert_eq!(string(&fix, "title"), "replace with 'JumpCloud ID'");
    let manager = diagnostics
        .iter()
        .find(|d| text_of_code(d) == "E027")
        .expect("a plain value into a reference is an error");
    let fix = array(&manager, "fixes").get(0);
    assert_eq!(string(&fix, "replacement"), "|byKey");
    // After ö (2 bytes, 1 unit) and 😀 (4 bytes, 2 units) the UTF-16 offsets are 3 less.
    let (bytes, units) = (get(&fix, "span"), get(&fix, "utf16Span"));
    assert_eq!(number(&bytes, "start") - number(&units, "start"), 3.0);
    let plain = common::validate("map:email=Email\n", None).unwrap();
    let first = array(&plain, "diagnostics").get(0);
    assert_eq!(text_of_code(&first), "E001");
    assert!(
        !Reflect::has(&first, &JsValue::from_str("fixes")).unwrap(),
        "no fixes key when there is none"
    );
    let fixed = common::fix_mapping(mapping, Some(ATTRIBUTES.to_string())).unwrap();
    assert_eq!(
        string(&fixed, "text"),
        "# Jöb 😀\nkey:_id=JumpCloud ID\nmap:jobTitle=Job Title\nmap:manager=Manager|byKey\nconfig:api=systemusers\n"
    );
    assert_eq!(number(&fixed, "applied"), 3.0);
}
