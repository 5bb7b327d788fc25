//! The transformer on realistic JumpCloud users, against the golden Employee object type.

use serde_json::{json, Value as Json};
use tributary_mapping::Document;
use tributary_models::assets::ObjectTypeAttribute;
use tributary_transform::{PendingReference, RecordValues, Transformer, UserRef, Value};

fn attributes() -> Vec<ObjectTypeAttribute> {
    serde_json::from_str(include_str!("../../mapping/tests/golden/attributes.json")).unwrap()
}

fn user() -> Json {
    json!({
        "_id": "5f1b2c3d4e5f6a7b8c9d0e1f",
        "username": "ada.l",
        "email": "Ada.Lovelace@Example.COM ",
        "firstname": "Ada",
        "lastname": "Lovelace",
        "displayname": "Ada King Lovelace",
        "jobTitle": "",
        "department": "Engineering",
        "costCenter": "1,204",
        "manager": "5f1b2c3d4e5f6a7b8c9d0000",
        "state": "ACTIVATED",
        "activated": true,
        "employeeIdentifier": "E-00042",
        "created": "2021-03-04T09:15:00.000Z",
        "startDate": "04/03/2021",
        "memberof": ["g-eng", "g-all", "g-eng"],
        "phoneNumbers": [{"type": "mobile", "number": "+44 7700 900123"}, {"type": "work", "number": "+44 20 7946 0000"}],
        "addresses": [{"type": "home", "locality": "Leeds"}, {"type": "work", "locality": "London", "country": "UK"}],
        "attributes": [{"name": "costCenter", "value": "CC-9"}, {"name": "contractor", "value": "false"}],
        "incomingJsonValues": "alpha~beta~ gamma ",
        "lastLogin": "2024-06-01 12:30:00+02:00",
        "ip": "2001:0db8:0000:0000:0000:0000:0000:0001",
        "site": "HTTPS://Intranet.Example.com/People/ada",
        "notes": "line one\r\nline two  "
    })
}

fn run(mapping: &str, record: &Json) -> RecordValues {
    let doc = Document::parse(mapping);
    let transformer = Transformer::new(&doc, &attributes())
        .unwrap_or_else(|d| panic!("{}", doc.render("test.map", &d)));
    transformer.transform(record)
}

fn values_of<'a>(out: &'a RecordValues, attribute: &str) -> &'a [Value] {
    &out.values
        .iter()
        .find(|v| v.attribute == attribute)
        .unwrap_or_else(|| panic!("no {attribute} in {out:#?}"))
        .values
}

fn texts_of(out: &RecordValues, attribute: &str) -> Vec<String> {
    values_of(out, attribute)
        .iter()
        .map(Value::canonical)
        .collect()
}

const HEAD: &str = "key:_id=id\nconfig:api=systemusers\n";

#[test]
fn every_assets_type_gets_a_typed_canonical_value() {
    let mapping = format!(
        "{HEAD}map:email=Email\nmap:costCenter=Employee Number|number\nmap:activated=Active\nmap:startDate=Start Date|parseDate=%d/%m/%Y\n\
         map:lastLogin=Last Login\nmap:site=Website\nmap:ip=IP\nmap:notes=Notes\nmap:\"1.50\"=Height\nmap:\"9:05\"=Lunch\n\
         map:\"b\"=Salary Band\nmap:email=Jira User\nmap:\"2\"=Status\nmap:firstname=First Name\n"
    );
    let out = run(&mapping, &user());
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    assert_eq!(out.key.as_deref(), Some("5f1b2c3d4e5f6a7b8c9d0e1f"));
    assert_eq!(
        values_of(&out, "Email"),
        [Value::Email("Ada.Lovelace@example.com".into())]
    );
    assert_eq!(values_of(&out, "Employee Number"), [Value::Integer(1204)]);
    assert_eq!(values_of(&out, "Active"), [Value::Boolean(true)]);
    assert_eq!(
        values_of(&out, "Start Date"),
        [Value::Date("2021-03-04".into())]
    );
    assert_eq!(
        values_of(&out, "Last Login"),
        [Value::DateTime("2024-06-01T10:30:00Z".into())]
    );
    assert_eq!(
        values_of(&out, "Website"),
        [Value::Url("https://intranet.example.com/People/ada".into())]
    );
    assert_eq!(
        values_of(&out, "IP"),
        [Value::IpAddress("2001:db8::1".into())]
    );
    assert_eq!(
        values_of(&out, "Notes"),
        [Value::Textarea("line one\nline two".into())]
    );
    assert_eq!(values_of(&out, "Height"), [Value::Double(1.5)]);
    assert_eq!(values_of(&out, "Lunch"), [Value::Time("09:05:00".into())]);
    assert_eq!(values_of(&out, "Salary Band"), [Value::Select("B".into())]);
    assert_eq!(
        values_of(&out, "Jira User"),
        [Value::User(UserRef::Email(
            "ada.lovelace@example.com".into()
        ))]
    );
    assert_eq!(values_of(&out, "Status"), [Value::Status("2".into())]);
    assert_eq!(
        out.values[0].attribute, "id",
        "the key attribute comes first"
    );
}

#[test]
fn a_bad_value_fails_its_attribute_only() {
    let mut record = user();
    record["costCenter"] = json!("n/a");
    record["site"] = json!("not a url");
    let out = run(&format!("{HEAD}map:costCenter=Employee Number|number\nmap:site=Website\nmap:firstname=First Name\n"), &record);
    let failed: Vec<(&str, &str)> = out
        .errors
        .iter()
        .map(|e| (e.attribute.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        failed,
        [
            ("Employee Number", "'n/a' is not a number"),
            (
                "Website",
                "'not a url' is not a URL (Assets takes http:// and https:// ones)"
            )
        ]
    );
    assert_eq!(texts_of(&out, "First Name"), ["Ada"]);
    assert_eq!(out.key.as_deref(), Some("5f1b2c3d4e5f6a7b8c9d0e1f"));
}

#[test]
fn missing_key_is_reported_and_the_rest_continues() {
    let mut record = user();
    record.as_object_mut().unwrap().remove("_id");
    let out = run(&format!("{HEAD}map:firstname=First Name\n"), &record);
    assert_eq!(out.key, None);
    assert_eq!(
        out.errors[0].message,
        "the record has no value for the key '_id'"
    );
    assert_eq!(texts_of(&out, "First Name"), ["Ada"]);
}

#[test]
fn templates_constants_and_transforms() {
    let mapping = format!(
        "{HEAD}map:${{firstname}} ${{lastname}}=Full Name\nmap:\"JumpCloud\"=Source\nmap:email=User Name|trim|lower|extract=^([^@]+)|replace=.,_|upper\n\
         map:displayname=Initials|split=\" \"|extract=^(.)|join=\"\"\nmap:jobTitle=Job Title|default=Unknown\n\
         map:created=Start Month|formatDate=\"%B %Y\"\nmap:employeeIdentifier=Employee No|extract=\"E-0*(\\d+)\"\n\
         map:\"${{lastname}}, ${{firstname}} (${{department}})\"=Display Name\n"
    );
    let out = run(&mapping, &user());
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    assert_eq!(texts_of(&out, "Full Name"), ["Ada Lovelace"]);
    assert_eq!(texts_of(&out, "Source"), ["JumpCloud"]);
    assert_eq!(texts_of(&out, "User Name"), ["ADA_LOVELACE"]);
    assert_eq!(texts_of(&out, "Initials"), ["AKL"]);
    assert_eq!(texts_of(&out, "Job Title"), ["Unknown"]);
    assert_eq!(texts_of(&out, "Start Month"), ["March 2021"]);
    assert_eq!(texts_of(&out, "Employee No"), ["42"]);
    assert_eq!(
        texts_of(&out, "Display Name"),
        ["Lovelace, Ada (Engineering)"]
    );
}

#[test]
fn predicates_onlink_forms_and_array_separator() {
    let mut record = user();
    record["workAssignments"] = json!([
        {"primaryIndicator": false, "assignedWorkLocations": [{"address": {"cityName": "Hull"}}]},
        {"primaryIndicator": true, "assignedWorkLocations": [{"address": {"cityName": "Bath"}}], "reportsTo": [{"positionID": "P-7"}]}
    ]);
    let mapping = format!(
        "{HEAD}map:addresses[type=work].locality=Work Location\nmap:attributes[name=costCenter].value=Cost Center\n\
         map:phoneNumbers_where_type_eq_mobile.number=Mobile\nmap:phoneNumbers.*.number=Phones\n\
         map:jsonpath__workAssignments.*.assignedWorkLocations.0.address.cityName__where__workAssignments.*.primaryIndicator_eq_true=City\n\
         map:workAssignments.1.reportsTo.0.positionID=Manager Position ID\nmap:incomingJsonValues=objAttr|arraySeparator=~\n\
         map:memberof=Notes|arraySeparator=\", \"\n"
    );
    let out = run(&mapping, &record);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    assert_eq!(texts_of(&out, "Work Location"), ["London"]);
    assert_eq!(texts_of(&out, "Cost Center"), ["CC-9"]);
    assert_eq!(texts_of(&out, "Mobile"), ["+44 7700 900123"]);
    assert_eq!(
        texts_of(&out, "Phones"),
        ["+44 7700 900123", "+44 20 7946 0000"]
    );
    assert_eq!(texts_of(&out, "City"), ["Bath"]);
    assert_eq!(texts_of(&out, "Manager Position ID"), ["P-7"]);
    assert_eq!(texts_of(&out, "objAttr"), ["alpha", "beta", "gamma"]);
    assert_eq!(texts_of(&out, "Notes"), ["g-eng, g-all, g-eng"]);
}

#[test]
fn conditional_rows_pick_the_first_that_applies() {
    let mapping = format!(
        "{HEAD}map:\"A\"=Salary Band|when=state=SUSPENDED\nmap:\"B\"=Salary Band|when=state!=SUSPENDED\n\
         map:jobTitle=Job Title|when=jobTitle\nmap:department=Notes|when=!manager\n\
         map:\"C\"=Source|when=attributes[name=contractor].value=false\n"
    );
    let out = run(&mapping, &user());
    assert_eq!(texts_of(&out, "Salary Band"), ["B"]);
    assert!(
        out.values
            .iter()
            .all(|v| v.attribute != "Job Title" && v.attribute != "Notes"),
        "rows whose condition fails leave the attribute alone"
    );
    assert_eq!(texts_of(&out, "Source"), ["C"]);
}

#[test]
fn references_are_pending_lookups() {
    let mapping = format!(
        "{HEAD}map:manager=Manager|byKey\nmap:department=Department|Name=${{department}}\nmap:memberof=Groups|Name=${{memberof}}\n"
    );
    let out = run(&mapping, &user());
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    let reference = |type_id: &str, attribute: &str, value: &str| {
        Value::Reference(PendingReference {
            object_type_id: Some(type_id.into()),
            attribute: Some(attribute.into()),
            value: value.into(),
        })
    };
    assert_eq!(
        values_of(&out, "Manager"),
        [reference("12", "id", "5f1b2c3d4e5f6a7b8c9d0000")]
    );
    assert_eq!(
        values_of(&out, "Department"),
        [reference("20", "Name", "Engineering")]
    );
    assert_eq!(
        values_of(&out, "Groups"),
        [
            reference("21", "Name", "g-eng"),
            reference("21", "Name", "g-all")
        ],
        "deduplicated"
    );
    assert!(values_of(&out, "Groups")[0].is_pending());
}

#[test]
fn several_values_into_a_single_valued_attribute_is_an_error_unless_first() {
    let out = run(
        &format!("{HEAD}map:phoneNumbers.*.number=Mobile\nmap:memberof=Notes|first\n"),
        &user(),
    );
    assert_eq!(out.errors[0].message, "2 values ('+44 7700 900123', '+44 20 7946 0000') for a single-valued attribute; add |first or |join=\", \"");
    assert_eq!(texts_of(&out, "Notes"), ["g-eng"]);
}

#[test]
fn missing_sources_clear_the_attribute() {
    let out = run(&format!("{HEAD}map:middlename=Full Name\n"), &user());
    assert_eq!(values_of(&out, "Full Name"), [] as [Value; 0]);
}

#[test]
fn a_mapping_with_errors_is_refused_with_all_diagnostics() {
    let doc = Document::parse("key:_id=id\nmap:jobTitle=Job Titel\nmap:email=Email|lowr\n");
    let diagnostics = Transformer::new(&doc, &attributes()).unwrap_err();
    let codes: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["E020", "E015"]);
}

#[test]
fn rerunning_on_the_canonical_values_changes_nothing() {
    let out = run(
        &format!("{HEAD}map:lastLogin=Last Login\nmap:ip=IP\nmap:costCenter=Height|number\n"),
        &user(),
    );
    let attrs = attributes();
    for values in &out.values {
        let attr = attrs.iter().find(|a| a.id == values.attribute_id).unwrap();
        for value in &values.values {
            let again = tributary_transform::type_value(attr, &value.canonical(), None).unwrap();
            assert_eq!(again, *value, "{} is not stable", values.attribute);
        }
    }
}

#[test]
fn the_everything_fixture_transforms_a_full_user_without_errors() {
    let mut record = user();
    record["w"] = json!([{"primary": true, "a": [{"city": "Bath"}]}]);
    let out = run(include_str!("fixtures/everything.map"), &record);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    assert_eq!(texts_of(&out, "City"), ["Bath"]);
    assert_eq!(texts_of(&out, "Initials"), ["AKL"]);
}

#[test]
fn key_attribute_and_valid_mark_values_for_the_planner() {
    // `config:missing=mark` values that can be typed (a status id, a boolean) are accepted;
    // the sync engine sets them by attribute name.
    let doc = Document::parse(&format!(
        "{HEAD}map:email=Email\nconfig:missing=mark|Status=2|Active=no\n"
    ));
    let transformer = Transformer::new(&doc, &attributes()).unwrap();
    assert_eq!(
        transformer.key_attribute().map(|a| a.name.as_str()),
        Some("id")
    );
}

#[test]
fn a_mark_status_that_is_not_allowed_is_refused_not_a_panic() {
    let doc = Document::parse(&format!(
        "{HEAD}map:email=Email\nconfig:missing=mark|Status=9\n"
    ));
    let diagnostics = Transformer::new(&doc, &attributes()).unwrap_err();
    assert_eq!(diagnostics[0].code.as_str(), "E021");
    assert_eq!(
        diagnostics[0].message,
        "`config:missing` cannot set 'Status': status id 9 is not allowed here; allowed: 1, 2"
    );
}

#[test]
fn a_default_with_values_is_filled_in_from_the_record() {
    // What examples/users.map writes: the display name, else the first and last names.
    let mapping = format!("{HEAD}map:displayname=Name|default=${{firstname}} ${{lastname}}\nmap:jobTitle=Job Title|default=\"${{department}} staff\"\nmap:middlename=Full Name|default=${{middlename}}\n");
    let out = run(&mapping, &user());
    assert_eq!(texts_of(&out, "Name"), ["Ada King Lovelace"]);
    assert_eq!(texts_of(&out, "Job Title"), ["Engineering staff"]);
    assert!(
        texts_of(&out, "Full Name").is_empty(),
        "a default whose values are all empty gives none"
    );
    let mut nameless = user();
    nameless["displayname"] = json!("");
    assert_eq!(
        texts_of(&run(&mapping, &nameless), "Name"),
        ["Ada Lovelace"]
    );
    // The fields a default reads are fetched and checked like any other.
    let doc = tributary_mapping::Document::parse(&mapping);
    assert!(doc
        .mapping
        .source_fields()
        .contains(&"lastname".to_string()));
    let typo = tributary_mapping::Document::parse(&format!(
        "{HEAD}map:displayname=Name|default=${{lastnme}}\n"
    ));
    assert!(
        typo.diagnostics.iter().any(|d| d.code.as_str() == "W008"),
        "{:?}",
        typo.diagnostics
    );
    let broken = tributary_mapping::Document::parse(&format!(
        "{HEAD}map:displayname=Name|default=${{lastname\n"
    ));
    assert!(broken.has_errors());
}

/// An object type whose attributes carry Assets' own value rules.
fn ruled_attributes() -> Vec<ObjectTypeAttribute> {
    serde_json::from_value(json!([
        {"id":"1","name":"id","type":0,"defaultType":{"id":0}},
        {"id":"2","name":"Name","type":0,"defaultType":{"id":0},"label":true,"minimumCardinality":1},
        {"id":"3","name":"Badge","type":0,"defaultType":{"id":0},"regexValidation":"^B-[0-9]{4}$"},
        {"id":"4","name":"Mail","type":0,"defaultType":{"id":8},"regexValidation":"@example\\.com$"},
        {"id":"5","name":"Home Page","type":0,"defaultType":{"id":7}},
        {"id":"6","name":"Bio","type":0,"defaultType":{"id":9}},
        {"id":"7","name":"Odd","type":0,"defaultType":{"id":0},"regexValidation":"(?<=a)b"}
    ]))
    .unwrap()
}

fn run_ruled(rows: &str, record: &Json) -> RecordValues {
    let doc = Document::parse(&format!("{HEAD}{rows}"));
    let transformer = Transformer::new(&doc, &ruled_attributes())
        .unwrap_or_else(|d| panic!("{}", doc.render("test.map", &d)));
    transformer.transform(record)
}

fn error_of<'a>(out: &'a RecordValues, attribute: &str) -> Option<&'a str> {
    out.errors
        .iter()
        .find(|e| e.attribute == attribute)
        .map(|e| e.message.as_str())
}

#[test]
fn values_assets_refuses_fail_their_attribute() {
    let long = "x".repeat(256);
    let record = json!({
        "_id": "u1", "badge": "B-12", "mail": "ann@example.org", "home": "ftp://files.example.com",
        "name": long, "bio": long, "twice": "a@b@example.com", "odd": "ab"
    });
    let out = run_ruled(
        "map:badge=Badge\nmap:mail=Mail\nmap:home=Home Page\nmap:name=Name\nmap:bio=Bio\nmap:odd=Odd\n",
        &record,
    );
    assert_eq!(
        error_of(&out, "Badge"),
        Some("'B-12' does not match the pattern ^B-[0-9]{4}$ that 'Badge' requires")
    );
    assert!(error_of(&out, "Mail").unwrap().contains("@example\\.com$"));
    assert!(error_of(&out, "Home Page")
        .unwrap()
        .contains("http:// and https://"));
    assert!(error_of(&out, "Name").unwrap().contains("256 characters"));
    assert_eq!(texts_of(&out, "Bio"), [long], "Textarea has no limit");
    assert_eq!(
        texts_of(&out, "Odd"),
        ["ab"],
        "a pattern this crate cannot read is left to Assets"
    );
    let good = json!({"_id": "u2", "badge": "B-1234", "mail": "Ann@Example.com", "home": "https://example.com"});
    let out = run_ruled(
        "map:badge=Badge\nmap:mail=Mail\nmap:home=Home Page\nmap:_id=Name\n",
        &good,
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let out = run_ruled("map:twice=Mail\nmap:_id=Name\n", &record);
    assert!(error_of(&out, "Mail")
        .unwrap()
        .contains("not an email address"));
}

#[test]
fn a_required_attribute_without_a_value_is_left_to_the_planner() {
    // Whether an empty required value is refused depends on create or update and on
    // lookups: the planner decides; the transform says what the record holds.
    let out = run_ruled("map:name=Name\n", &json!({"_id": "u1", "name": "  "}));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(values_of(&out, "Name").is_empty());
}
