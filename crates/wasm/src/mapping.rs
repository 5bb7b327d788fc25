//! Mapping-language exports: validate, format, preview.

use wasm_bindgen::prelude::*;

use crate::to_js;

/// Checks a mapping text and returns `{diagnostics: Diagnostic[]}`; never throws for a bad text.
#[wasm_bindgen]
pub fn validate(text: &str) -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct Out {
        diagnostics: Vec<tributary_mapping::Diagnostic>,
    }
    to_js(&Out { diagnostics: tributary_mapping::validate(text) })
}
