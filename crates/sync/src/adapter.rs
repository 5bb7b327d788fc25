//! The bridge from a mapping text to an [`Import`]: `tributary-mapping` parses it,
//! `tributary-transform` turns records into typed values, and this module reduces those to the
//! planner's [`DesiredObject`]s.

use std::cell::RefCell;

use tributary_mapping::{Diagnostic, Document};
use tributary_transform::{RecordValues, Transformer, UserRef, Value};

use crate::error::MappingError;
use crate::model::{Desired, DesiredLookup, DesiredObject, LookupBy, RecordProblem};
use crate::source::{spec_from_mapping, Import, RecordTransform, Target};

/// Parses a mapping text into an import; a text with errors gives its error diagnostics.
pub fn compile_mapping(text: &str) -> Result<Import, MappingError> {
    let document = Document::parse(text);
    if document.has_errors() {
        return Err(MappingError {
            diagnostics: errors_only(&document.diagnostics),
        });
    }
    let spec = spec_from_mapping(&document.mapping);
    Ok(Import {
        spec,
        transform: Box::new(MappingTransform {
            document,
            transformer: RefCell::new(None),
        }),
    })
}

/// A [`RecordTransform`] backed by the mapping's [`Transformer`], built once per target type.
struct MappingTransform {
    document: Document,
    transformer: RefCell<Option<(String, Transformer)>>,
}

fn errors_only(diagnostics: &[Diagnostic]) -> Vec<Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect()
}

impl MappingTransform {
    fn ensure(&self, target: &Target) -> Result<(), Vec<Diagnostic>> {
        if self
            .transformer
            .borrow()
            .as_ref()
            .is_some_and(|(id, _)| *id == target.object_type_id)
        {
            return Ok(());
        }
        let transformer = Transformer::new(&self.document, &target.attributes)
            .map_err(|diagnostics| errors_only(&diagnostics))?;
        *self.transformer.borrow_mut() = Some((target.object_type_id.clone(), transformer));
        Ok(())
    }
}

impl RecordTransform for MappingTransform {
    fn prepare(&self, target: &Target) -> Result<(), Vec<Diagnostic>> {
        self.ensure(target)
    }

    fn transform(&self, record: &serde_json::Value, target: &Target) -> DesiredObject {
        if let Err(diagnostics) = self.ensure(target) {
            let problems = diagnostics
                .into_iter()
                .map(|d| RecordProblem {
                    attribute: None,
                    message: format!("line {}, column {}: {}", d.line, d.column, d.message),
                })
                .collect();
            return DesiredObject::new(String::new(), Vec::<(String, Desired)>::new(), problems);
        }
        let guard = self.transformer.borrow();
        let (_, transformer) = guard.as_ref().expect("ensured above");
        desired_from_values(transformer.transform(record), target)
    }
}

/// Reduces a transformer result to the planner's input (the adapter's one real decision:
/// references by attribute become lookups, users by email become Jira user searches).
pub fn desired_from_values(values: RecordValues, target: &Target) -> DesiredObject {
    let key_id = &target.key_attribute().id;
    let problems = values
        .errors
        .into_iter()
        .map(|e| RecordProblem {
            attribute: Some(e.attribute),
            message: e.message,
        })
        .collect();
    let mut record = DesiredObject::builder(values.key.unwrap_or_default(), problems);
    for attribute in values
        .values
        .into_iter()
        .filter(|a| &a.attribute_id != key_id)
    {
        let id = attribute.attribute_id.as_str();
        let canonical = || attribute.values.iter().map(Value::canonical);
        match attribute.values.first() {
            Some(Value::Reference(first)) if first.copy.is_some() => {
                let copied = first.copy.as_deref().unwrap_or_default();
                let lookup = Desired::Lookup(Box::new(DesiredLookup {
                    target_type_id: target.object_type_id.clone(),
                    by: LookupBy::Key,
                    values: canonical().collect(),
                    copy: Some(
                        target
                            .attribute(copied)
                            .map(|a| a.id.clone())
                            .unwrap_or_else(|| copied.to_string()),
                    ),
                }));
                record.push(id, &lookup);
            }
            Some(Value::Reference(first)) if first.attribute.is_some() => {
                let target_type_id = first
                    .object_type_id
                    .clone()
                    .or_else(|| {
                        target
                            .attributes
                            .iter()
                            .find(|a| a.id == attribute.attribute_id)
                            .and_then(|a| a.reference_target().map(str::to_string))
                    })
                    .unwrap_or_default();
                let lookup = Desired::Lookup(Box::new(DesiredLookup {
                    target_type_id,
                    by: LookupBy::Attribute(first.attribute.clone().unwrap_or_default()),
                    values: canonical().collect(),
                    copy: None,
                }));
                record.push(id, &lookup);
            }
            Some(Value::User(_))
                if attribute
                    .values
                    .iter()
                    .any(|v| matches!(v, Value::User(UserRef::Email(_)))) =>
            {
                record.push_jira_users(id, canonical());
            }
            _ => record.push_values(id, canonical()),
        }
    }
    record.build()
}
