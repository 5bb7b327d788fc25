//! `|createMissing`: a reference looked up by attribute (`|Name=${department}`) whose value no
//! object holds yet gets one, created in the referenced type with that attribute set to the
//! value, before the plan is made, so the records link to it in the same run. A preview
//! reports what it would create (`(new object <value>)` in the plan) and creates nothing.
//! Values are matched ignoring case, as lookups are: two records saying `Finance` and
//! `finance` make one object, named as one of them writes it.

use std::collections::{BTreeMap, BTreeSet};

use tributary_models::assets::{AttributeIn, AttributeValueIn, ObjectIn};

use super::{Engine, Stop};
use crate::client::CallError;
use crate::error::RunError;
use crate::host::{LogLevel, SyncHost};
use crate::model::{DesiredObject, DesiredRef, LookupBy, LookupRef, Values};
use crate::plan::{Level, LookupTable};
use crate::report::{RecordError, ReferenceCreate, RunReport, MAX_ERRORS};
use crate::source::Target;

impl<H: SyncHost> Engine<'_, H> {
    /// Creates the objects `|createMissing` rows need (none in a dry run, which lists them),
    /// into `lookups` and the run's found references; each creation in `report`.
    pub(super) async fn create_missing_references(
        &self,
        target: &Target,
        records: &[DesiredObject],
        lookups: &mut LookupTable,
        report: &mut RunReport,
    ) -> Result<(), Stop> {
        let creating: BTreeSet<&str> = self
            .spec
            .create_missing
            .iter()
            .filter_map(|name| target.attribute(name))
            .map(|a| a.id.as_str())
            .collect();
        if creating.is_empty() {
            return Ok(());
        }
        // (type id, attribute name) → lower-cased value → the value as first written.
        let mut missing: BTreeMap<(String, String), BTreeMap<String, String>> = BTreeMap::new();
        for (attribute_id, desired) in records.iter().flat_map(DesiredObject::attributes) {
            if !creating.contains(attribute_id) {
                continue;
            }
            let Some((type_id, LookupBy::Attribute(by), values)) = lookup_of(desired) else {
                continue;
            };
            if type_id == target.object_type_id {
                continue; // the import's own records are what it creates
            }
            for value in values.filter(|v| !v.trim().is_empty()) {
                let key = (
                    type_id.to_string(),
                    LookupBy::Attribute(by.to_string()),
                    value.to_lowercase(),
                );
                if lookups
                    .objects
                    .get(&key)
                    .is_some_and(|found| !found.is_empty())
                {
                    continue;
                }
                missing
                    .entry((type_id.to_string(), by.to_string()))
                    .or_default()
                    .entry(value.to_lowercase())
                    .or_insert_with(|| value.to_string());
            }
        }
        for ((type_id, by), values) in missing {
            let attributes = self.assets.attributes(&type_id).await?;
            let Some(attribute) = attributes
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(by.trim()))
            else {
                continue; // the lookup already warned; every reference is reported not found
            };
            let lookup_by = LookupBy::Attribute(by.clone());
            for value in values.into_values() {
                let mut created = ReferenceCreate {
                    object_type_id: type_id.clone(),
                    attribute: attribute.name.clone(),
                    value: value.clone(),
                    object_key: None,
                };
                if self.options.dry_run {
                    lookups.insert_object(
                        &type_id,
                        &lookup_by,
                        &value,
                        format!("(new object {value})"),
                    );
                } else {
                    if self.over_budget() {
                        return Err(Stop::Budget);
                    }
                    let body = ObjectIn {
                        object_type_id: type_id.clone(),
                        attributes: vec![AttributeIn {
                            object_type_attribute_id: attribute.id.clone(),
                            object_attribute_values: vec![AttributeValueIn {
                                value: value.clone(),
                            }],
                        }],
                    };
                    match self.assets.create(&body).await {
                        Ok((_, object_key)) => {
                            lookups.insert_object(&type_id, &lookup_by, &value, object_key.clone());
                            self.found.borrow_mut().insert_object(
                                &type_id,
                                &lookup_by,
                                &value,
                                object_key.clone(),
                            );
                            created.object_key = Some(object_key);
                        }
                        // Assets refused it (a required attribute the value cannot fill, a
                        // unique clash): the records keep the reference unresolved, and why.
                        Err(CallError::Status { status, message })
                            if (400..500).contains(&status) && status != 429 =>
                        {
                            report.add_error(RecordError {
                                key: value.clone(),
                                attribute: Some(attribute.name.clone()),
                                message: format!(
                                    "could not create the missing object {value:?} in object type {type_id} (createMissing): HTTP {status}: {message}"
                                ),
                                level: Level::Error,
                            });
                            continue;
                        }
                        // Unknown whether it was made: not listed as found, so the next run
                        // looks it up before creating again.
                        Err(CallError::Uncertain(why)) => {
                            self.host.log(
                                LogLevel::Warn,
                                &format!("creating {value:?} in object type {type_id}: {why}; it is looked up next run"),
                            );
                            continue;
                        }
                        Err(e) => return Err(RunError::assets(e).into()),
                    }
                    self.progress();
                }
                if report.references_created.len() < MAX_ERRORS {
                    report.references_created.push(created);
                }
            }
        }
        Ok(())
    }
}

/// A lookup's referenced type, how it is looked up and the values (`None` for other kinds).
fn lookup_of(desired: DesiredRef<'_>) -> Option<(&str, LookupBy<&str>, Values<'_>)> {
    match desired {
        DesiredRef::Lookup(LookupRef {
            target_type_id,
            by,
            values,
            copy: None,
        }) => Some((target_type_id, by, values)),
        _ => None,
    }
}
