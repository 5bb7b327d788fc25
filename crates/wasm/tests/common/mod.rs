//! The text-taking exports called the way JavaScript calls them (strings as `JsValue`s), with
//! Rust arguments, so the tests read as before.

#![allow(dead_code)]

use wasm_bindgen::{JsError, JsValue};

fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

fn optional(value: Option<String>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, |v| JsValue::from_str(&v))
}

pub fn validate(mapping: &str, attributes: Option<String>) -> Result<JsValue, JsError> {
    tributary_wasm::validate(text(mapping), optional(attributes))
}

pub fn fix_mapping(mapping: &str, attributes: Option<String>) -> Result<JsValue, JsError> {
    tributary_wasm::fix_mapping(text(mapping), optional(attributes))
}

pub fn render_diagnostics(
    mapping: &str,
    file: &str,
    attributes: Option<String>,
) -> Result<String, JsError> {
    tributary_wasm::render_diagnostics(text(mapping), text(file), optional(attributes))
}

pub fn render_diagnostics_of(
    mapping: &str,
    file: &str,
    diagnostics: JsValue,
) -> Result<String, JsError> {
    tributary_wasm::render_diagnostics_of(text(mapping), text(file), diagnostics)
}

pub fn format(mapping: &str) -> String {
    tributary_wasm::format(text(mapping)).unwrap()
}

pub fn preview(mapping: &str, record: &str, attributes: &str) -> Result<JsValue, JsError> {
    tributary_wasm::preview(text(mapping), text(record), text(attributes))
}

pub fn jumpcloud_base_url(region: &str) -> Result<String, JsError> {
    tributary_wasm::jumpcloud_base_url(text(region))
}
