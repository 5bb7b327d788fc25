//! Mapping-language exports: validate, renderDiagnostics, format, preview.
//!
//! A bad mapping is never an exception: it comes back as diagnostics. Only bad host input
//! (attributes or record JSON that does not parse) throws, with an `Error` naming what is wrong.

use serde::Serialize;
use tributary_mapping::{Diagnostic, Document, Validation};
use tributary_models::assets::ObjectTypeAttribute;
use tributary_transform::{AttributeValues, FieldError, Transformer, Value};
use wasm_bindgen::prelude::*;

use crate::to_js;

/// The TypeScript declarations of these exports' shapes (also checked by tests/contract.rs).
pub const MAPPING_TYPES: &str = r#"
/** One problem in a mapping text or a run failure's cause. Lines and columns are 1-based,
 *  columns count characters; `span` is in UTF-8 bytes, `utf16Span` in UTF-16 code units (the
 *  indexes of a JavaScript string). */
export interface Diagnostic {
  code: string;
  severity: 'error' | 'warning';
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  span: { start: number; end: number };
  utf16Span: { start: number; end: number };
  label: string;
  hint?: string;
  notes: string[];
  /** Edits that fix the problem, when the fix is clear; absent when there are none. */
  fixes?: Fix[];
}

/** One edit: replace `span` (`utf16Span` in a JavaScript string) with `replacement`; an empty
 *  span inserts. `title` says what it does, e.g. "replace with 'Job Title'". */
export interface Fix {
  span: { start: number; end: number };
  utf16Span: { start: number; end: number };
  replacement: string;
  title: string;
}

/** `validate`'s answer: the first 200 diagnostics (by position), how many more were left
 *  out, and the errors and warnings counted over all of them. */
export interface Validation { diagnostics: Diagnostic[]; omitted: number; errors: number; warnings: number }

/** `fixMapping`'s answer: the text with every fix applied, then formatted. */
export interface FixResult { text: string; applied: number }

/** One value the mapping makes of a record, typed for Assets. */
export type PreviewValue = { type: string; value?: unknown; canonical: string } & Record<string, unknown>;

/** What the mapping makes of one JumpCloud record. */
export interface RecordPreview {
  key: string | null;
  values: { attribute: string; attributeId: string; line: number; values: PreviewValue[] }[];
  errors: { attribute: string; attributeId: string; line: number; message: string }[];
  diagnostics: Diagnostic[];
}
"#;

/// A text argument, or an `Error` naming it: a non-string from JavaScript must not reach the
/// core (wasm-bindgen would read it as a string it is not).
pub(crate) fn text_arg(value: &JsValue, name: &str) -> Result<String, JsError> {
    value.as_string().ok_or_else(|| {
        JsError::new(&format!(
            "{name} must be text, not {}",
            value.js_typeof().as_string().unwrap_or_default()
        ))
    })
}

/// An optional text argument (`undefined` or `null`: absent), or an `Error` naming it.
pub(crate) fn optional_text_arg(value: &JsValue, name: &str) -> Result<Option<String>, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    text_arg(value, name).map(Some)
}

#[wasm_bindgen(typescript_custom_section)]
const MAPPING_TYPES_SECTION: &str = MAPPING_TYPES;

fn parse_attributes(json: &str) -> Result<Vec<ObjectTypeAttribute>, JsError> {
    serde_json::from_str(json).map_err(|e| {
        JsError::new(&format!(
            "attributesJson is not the body of GET objecttype/{{id}}/attributes (an array of ObjectTypeAttribute): {e}"
        ))
    })
}

/// The optional `attributesJson` argument, checked and parsed.
fn optional_attributes(
    attributes_json: &JsValue,
) -> Result<Option<Vec<ObjectTypeAttribute>>, JsError> {
    optional_text_arg(attributes_json, "attributesJson")?
        .as_deref()
        .map(parse_attributes)
        .transpose()
}

/// Checks a mapping text and returns `{diagnostics: Diagnostic[], omitted, errors, warnings}`:
/// the first 200 problems by position, how many more there are, and the error and warning
/// counts over all of them.
///
/// Each diagnostic is `{code, severity: "error"|"warning", message, line, column, endLine,
/// endColumn, span: {start, end}, utf16Span: {start, end}, label, hint?, notes, fixes?}`;
/// lines and columns are 1-based, columns count characters; `span` is in UTF-8 bytes,
/// `utf16Span` in UTF-16 code units (JavaScript string offsets). With `attributesJson` (the
/// body of Assets `GET objecttype/{id}/attributes`) the rows are also checked against the
/// object type. Never throws for a bad mapping; throws an `Error` when `attributesJson` does
/// not parse.
#[wasm_bindgen(unchecked_return_type = "Validation")]
pub fn validate(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | null | undefined")] attributes_json: JsValue,
) -> Result<JsValue, JsError> {
    let text = text_arg(&text, "text")?;
    let attributes = optional_attributes(&attributes_json)?;
    let diagnostics = tributary_mapping::validate(&text, attributes.as_deref());
    to_js(&Validation::capped(diagnostics))
}

#[derive(Serialize)]
struct FixResult {
    text: String,
    applied: usize,
}

/// The mapping text with every fix `validate` offers applied (back to front, overlapping ones
/// skipped), then formatted: `{text, applied}`. With `attributesJson` the fixes of the checks
/// against the object type are applied too. Throws an `Error` when `attributesJson` does not
/// parse.
#[wasm_bindgen(js_name = fixMapping, unchecked_return_type = "FixResult")]
pub fn fix_mapping(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | null | undefined")] attributes_json: JsValue,
) -> Result<JsValue, JsError> {
    let text = text_arg(&text, "text")?;
    let attributes = optional_attributes(&attributes_json)?;
    let document = Document::parse(&text);
    let diagnostics = document.all_diagnostics(attributes.as_deref(), None);
    let (fixed, applied) = tributary_mapping::apply_fixes(&text, &diagnostics);
    to_js(&FixResult {
        text: tributary_mapping::format(&fixed),
        applied,
    })
}

/// The plain-text rendering of `validate`'s diagnostics, with the offending line and a caret
/// under the problem, for terminals. `fileName` is shown in the `--> file:line:column`
/// lines. Returns `""` when there is nothing to report.
#[wasm_bindgen(js_name = renderDiagnostics)]
pub fn render_diagnostics(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] file_name: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | null | undefined")] attributes_json: JsValue,
) -> Result<String, JsError> {
    let (text, file_name) = (text_arg(&text, "text")?, text_arg(&file_name, "fileName")?);
    let attributes = optional_attributes(&attributes_json)?;
    let diagnostics = tributary_mapping::validate(&text, attributes.as_deref());
    Ok(tributary_mapping::render(&text, &file_name, &diagnostics))
}

/// The plain-text rendering of diagnostics a run reported (`report.error.diagnostics`, or an
/// `Error`'s `diagnostics`) for the mapping `text` they point into. Throws an `Error` when
/// `diagnostics` is not a list of diagnostics.
#[wasm_bindgen(js_name = renderDiagnosticsOf)]
pub fn render_diagnostics_of(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] file_name: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Diagnostic[]")] diagnostics: JsValue,
) -> Result<String, JsError> {
    let (text, file_name) = (text_arg(&text, "text")?, text_arg(&file_name, "fileName")?);
    let diagnostics: Vec<Diagnostic> = serde_wasm_bindgen::from_value(diagnostics)
        .map_err(|e| JsError::new(&format!("diagnostics must be a list of diagnostics: {e}")))?;
    Ok(Document::parse(&text).render(&file_name, &diagnostics))
}

/// The canonical form of a mapping text (LF line ends, no stray spaces, lower-case
/// directives). Idempotent; lines with errors are kept exactly as written. Throws an `Error`
/// when `text` is not text.
#[wasm_bindgen]
pub fn format(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
) -> Result<String, JsError> {
    Ok(tributary_mapping::format(&text_arg(&text, "text")?))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PreviewValue<'a> {
    #[serde(flatten)]
    value: &'a Value,
    canonical: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PreviewAttribute<'a> {
    attribute: &'a str,
    attribute_id: &'a str,
    line: usize,
    values: Vec<PreviewValue<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Preview<'a> {
    key: Option<&'a str>,
    values: Vec<PreviewAttribute<'a>>,
    errors: &'a [FieldError],
    diagnostics: Vec<Diagnostic>,
}

fn preview_attribute(values: &AttributeValues) -> PreviewAttribute<'_> {
    PreviewAttribute {
        attribute: &values.attribute,
        attribute_id: &values.attribute_id,
        line: values.line,
        values: values
            .values
            .iter()
            .map(|value| PreviewValue {
                value,
                canonical: value.canonical(),
            })
            .collect(),
    }
}

/// What the mapping makes of one JumpCloud record, without writing anything:
/// `{key, values: [{attribute, attributeId, line, values: [{type, value, canonical}]}],
/// errors: [{attribute, attributeId, line, message}], diagnostics}`.
///
/// `recordJson` is one record (an element of `results`); `attributesJson` is the body of
/// `GET objecttype/{id}/attributes`. References and users come back as pending lookups. When
/// the mapping has errors, `values` and `errors` are empty and `diagnostics` says why.
/// Throws an `Error` when either JSON argument does not parse or the record is not an object.
#[wasm_bindgen(unchecked_return_type = "RecordPreview")]
pub fn preview(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] record_json: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] attributes_json: JsValue,
) -> Result<JsValue, JsError> {
    let text = text_arg(&text, "text")?;
    let attributes = parse_attributes(&text_arg(&attributes_json, "attributesJson")?)?;
    let record: serde_json::Value = serde_json::from_str(&text_arg(&record_json, "recordJson")?)
        .map_err(|e| JsError::new(&format!("recordJson is not JSON: {e}")))?;
    if !record.is_object() {
        return Err(JsError::new(
            "recordJson must be one JumpCloud record (a JSON object), not a list or a value",
        ));
    }
    let document = Document::parse(&text);
    match Transformer::new(&document, &attributes) {
        Ok(transformer) => {
            let diagnostics = document.all_diagnostics(Some(&attributes), None);
            let out = transformer.transform(&record);
            to_js(&Preview {
                key: out.key.as_deref(),
                values: out.values.iter().map(preview_attribute).collect(),
                errors: &out.errors,
                diagnostics,
            })
        }
        Err(diagnostics) => to_js(&Preview {
            key: None,
            values: Vec::new(),
            errors: &[],
            diagnostics,
        }),
    }
}

/// The record fields a mapping can read from the JumpCloud collection `api` (the name after
/// `config:api=`): the vendor spec's fields and the engine's additions (`memberof`,
/// `attributes`), sorted by name, for the page's completion. Throws an `Error` naming the
/// collections when `api` is not one of them.
#[wasm_bindgen(js_name = sourceFields, unchecked_return_type = "string[]")]
pub fn source_fields(
    #[wasm_bindgen(unchecked_param_type = "string")] api: JsValue,
) -> Result<JsValue, JsError> {
    use tributary_models::jumpcloud::Collection;
    let name = text_arg(&api, "api")?;
    let collection = Collection::by_name(&name).ok_or_else(|| {
        let known: Vec<&str> = Collection::ALL.iter().map(|c| c.name).collect();
        JsError::new(&format!(
            "api: '{name}' is not a JumpCloud collection (one of {})",
            known.join(", ")
        ))
    })?;
    let mut names: Vec<&str> = collection
        .fields
        .iter()
        .map(|f| f.name)
        .chain(collection.dynamic_fields.iter().map(|d| d.field.name))
        .collect();
    names.sort_unstable();
    names.dedup();
    to_js(&names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    fn names(api: &str) -> Vec<String> {
        serde_wasm_bindgen::from_value(source_fields(JsValue::from_str(api)).unwrap()).unwrap()
    }

    #[wasm_bindgen_test]
    fn source_fields_lists_the_collections_spec_fields_and_the_engines_additions_sorted() {
        let users = names("systemusers");
        assert!(users.contains(&"jobTitle".to_string()));
        assert!(users.contains(&"memberof".to_string()));
        assert!(users.contains(&"attributes".to_string()));
        assert!(users.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
        assert!(names(" Systems ").contains(&"hostname".to_string()));
        assert!(!names("systems").contains(&"jobTitle".to_string()));
    }

    #[wasm_bindgen_test]
    fn source_fields_refuses_an_unknown_collection_or_a_non_text_argument() {
        let unknown = source_fields(JsValue::from_str("sytemusers")).unwrap_err();
        let message = String::from(js_sys::Error::from(JsValue::from(unknown)).message());
        assert!(
            message.contains("'sytemusers' is not a JumpCloud collection"),
            "{message}"
        );
        assert!(message.contains("systemusers"), "{message}");
        assert!(source_fields(JsValue::from_f64(1.0)).is_err());
    }
}
