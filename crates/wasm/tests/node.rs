//! wasm-bindgen tests of the exports, run under Node by `wasm-bindgen-test-runner`.

mod common;

use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    assert_eq!(tributary_wasm::core_version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn validate_returns_plain_diagnostics_object() {
    let out = common::validate("map:firstname=First Name", None).unwrap();
    let diagnostics = js_sys::Reflect::get(&out, &JsValue::from_str("diagnostics")).unwrap();
    let diagnostics: js_sys::Array = diagnostics.into();
    let code = js_sys::Reflect::get(&diagnostics.get(0), &JsValue::from_str("code")).unwrap();
    assert_eq!(code.as_string().as_deref(), Some("E001"));
}

#[wasm_bindgen_test]
fn jumpcloud_regions_come_from_the_core() {
    assert_eq!(
        common::jumpcloud_base_url("eu").unwrap(),
        "https://console.eu.jumpcloud.com"
    );
    assert!(common::jumpcloud_base_url("moon").is_err());
}

#[wasm_bindgen_test]
fn text_exports_refuse_what_is_not_text_naming_the_argument() {
    let object = js_sys::Object::new().into();
    let message = |e: wasm_bindgen::JsError| {
        let e: JsValue = e.into();
        js_sys::Reflect::get(&e, &JsValue::from_str("message"))
            .unwrap()
            .as_string()
            .unwrap()
    };
    let error = tributary_wasm::validate(object, JsValue::UNDEFINED).unwrap_err();
    assert_eq!(message(error), "text must be text, not object");
    let error =
        tributary_wasm::validate(JsValue::from_str("key:_id=id"), JsValue::from(7)).unwrap_err();
    assert_eq!(message(error), "attributesJson must be text, not number");
    let error = tributary_wasm::format(JsValue::from(42)).unwrap_err();
    assert_eq!(message(error), "text must be text, not number");
    let error =
        tributary_wasm::render_diagnostics(JsValue::NULL, JsValue::from_str("f"), JsValue::NULL)
            .unwrap_err();
    assert_eq!(message(error), "text must be text, not object");
    // The core still answers normally afterwards.
    assert!(tributary_wasm::validate(JsValue::from_str("key:_id=id"), JsValue::NULL).is_ok());
}
