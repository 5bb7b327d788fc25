//! The bridge from a mapping text to an [`Import`]: `tributary-mapping` parses it,
//! `tributary-transform` turns records into typed values, and this module reduces those to the
//! planner's [`DesiredObject`]s.

use std::cell::RefCell;

use tributary_mapping::Document;
use tributary_transform::{RecordValues, Transformer, UserRef, Value};

use crate::model::{Desired, DesiredObject, LookupBy, RecordProblem};
use crate::source::{spec_from_mapping, Import, RecordTransform, Target};

/// Parses a mapping text into an import. Errors are the mapping's error diagnostics, each as
/// `line L, column C: message`.
pub fn compile_mapping(text: &str) -> Result<Import, Vec<String>> {
    let document = Document::parse(text);
    if document.has_errors() {
        return Err(document
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("line {}, column {}: {}", d.line, d.column, d.message))
            .collect());
    }
    let spec = spec_from_mapping(&document.mapping).map_err(|e| vec![e])?;
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

impl MappingTransform {
    fn ensure(&self, target: &Target) -> Result<(), Vec<String>> {
        if self
            .transformer
            .borrow()
            .as_ref()
            .is_some_and(|(id, _)| *id == target.object_type_id)
        {
            return Ok(());
        }
        let transformer =
            Transformer::new(&self.document, &target.attributes).map_err(|diagnostics| {
                diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| format!("line {}, column {}: {}", d.line, d.column, d.message))
                    .collect::<Vec<_>>()
            })?;
        *self.transformer.borrow_mut() = Some((target.object_type_id.clone(), transformer));
        Ok(())
    }
}

impl RecordTransform for MappingTransform {
    fn prepare(&self, target: &Target) -> Result<(), Vec<String>> {
        self.ensure(target)
    }

    fn transform(&self, record: &serde_json::Value, target: &Target) -> DesiredObject {
        if let Err(messages) = self.ensure(target) {
            let problems = messages
                .into_iter()
                .map(|message| RecordProblem {
                    attribute: None,
                    message,
                })
                .collect();
            return DesiredObject {
                key: String::new(),
                attributes: Vec::new(),
                problems,
            };
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
    let mut attributes = Vec::new();
    for attribute in values
        .values
        .into_iter()
        .filter(|a| &a.attribute_id != key_id)
    {
        let desired = match attribute.values.first() {
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
                Desired::Lookup {
                    target_type_id,
                    by: LookupBy::Attribute(first.attribute.clone().unwrap_or_default()),
                    values: attribute.values.iter().map(Value::canonical).collect(),
                }
            }
            Some(Value::User(_))
                if attribute
                    .values
                    .iter()
                    .any(|v| matches!(v, Value::User(UserRef::Email(_)))) =>
            {
                Desired::JiraUser {
                    emails: attribute.values.iter().map(Value::canonical).collect(),
                }
            }
            _ => Desired::Values {
                values: attribute.values.iter().map(Value::canonical).collect(),
            },
        };
        attributes.push((attribute.attribute_id, desired));
    }
    let problems = values
        .errors
        .into_iter()
        .map(|e| RecordProblem {
            attribute: Some(e.attribute),
            message: e.message,
        })
        .collect();
    DesiredObject {
        key: values.key.unwrap_or_default(),
        attributes,
        problems,
    }
}
