//! WebAssembly bindings of the Tributary core.
//!
//! The only crate that knows about JavaScript. Exports are stateless free functions: bulk
//! records cross as JSON text, small option and result objects as plain JS objects
//! (serde-wasm-bindgen, JSON-compatible), and host or programmer errors are thrown as real
//! `Error`s. Mapping problems are not errors: they come back as diagnostics data.

use serde::Serialize;
use wasm_bindgen::prelude::*;

mod mapping;
mod schedule;
mod sync;
mod transport;

pub use mapping::*;
pub use schedule::*;
pub use sync::*;

/// Converts a serialisable Rust value into a plain JS object (maps become objects).
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("could not convert a result for JavaScript: {e}")))
}

/// The version of the Tributary core, e.g. `"0.1.0"`.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The JumpCloud API base URL of a region: `US`, `EU` or `IN` (any case), e.g.
/// `"https://console.eu.jumpcloud.com"`. Throws an `Error` naming the allowed regions otherwise.
#[wasm_bindgen(js_name = jumpcloudBaseUrl)]
pub fn jumpcloud_base_url(
    #[wasm_bindgen(unchecked_param_type = "string")] region: JsValue,
) -> Result<String, JsError> {
    let region = mapping::text_arg(&region, "region")?;
    tributary_models::jumpcloud::Region::parse(&region)
        .map(|r| r.base_url().to_string())
        .ok_or_else(|| JsError::new(&format!("region must be US, EU or IN (got '{region}')")))
}
