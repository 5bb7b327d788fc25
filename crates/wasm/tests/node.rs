//! wasm-bindgen tests of the exports, run under Node by `wasm-bindgen-test-runner`.

use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    assert_eq!(tributary_wasm::core_version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn validate_returns_plain_diagnostics_object() {
    let out = tributary_wasm::validate("map:firstname=First Name", None).unwrap();
    let diagnostics = js_sys::Reflect::get(&out, &JsValue::from_str("diagnostics")).unwrap();
    let diagnostics: js_sys::Array = diagnostics.into();
    let code = js_sys::Reflect::get(&diagnostics.get(0), &JsValue::from_str("code")).unwrap();
    assert_eq!(code.as_string().as_deref(), Some("E001"));
}

#[wasm_bindgen_test]
fn jumpcloud_regions_come_from_the_core() {
    assert_eq!(
        tributary_wasm::jumpcloud_base_url("eu").unwrap(),
        "https://console.eu.jumpcloud.com"
    );
    assert!(tributary_wasm::jumpcloud_base_url("moon").is_err());
}
