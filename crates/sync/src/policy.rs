//! Resolving the missing-object policy against the target: the one pure step from the
//! mapping's [`MissingPolicy`] (attributes by name, values as written) to what the planner
//! applies (attribute ids, canonical values, status names replaced by status ids).

use std::collections::BTreeMap;

use tributary_mapping::MissingPolicy;
use tributary_models::assets::AttributeKind;

use crate::engine::assets::is_id;
use crate::error::RunError;
use crate::model::{AttrDef, AttributeId, ResolvedMissing};
use crate::source::Target;

/// Resolves `policy` against `target`; `statuses` maps lower-cased status names to ids.
pub fn resolve_missing(
    policy: &MissingPolicy,
    target: &Target,
    statuses: &BTreeMap<String, String>,
) -> Result<ResolvedMissing, RunError> {
    Ok(match policy {
        MissingPolicy::Ignore => MissingPolicy::Ignore,
        MissingPolicy::Delete => MissingPolicy::Delete,
        MissingPolicy::Mark { set } => {
            let mut pairs = Vec::new();
            for (name, value) in set {
                let attribute = target.attribute(name).ok_or_else(|| {
                    RunError::MissingPolicy(format!(
                        "config:missing marks {name:?}, which is not an attribute of the object type"
                    ))
                })?;
                let value = if attribute.kind == AttributeKind::Status && !is_id(value) {
                    let id = statuses.get(&value.to_lowercase()).ok_or_else(|| {
                        RunError::MissingPolicy(format!(
                            "config:missing sets {name} to {value:?}, which is not an Assets status"
                        ))
                    })?;
                    // Allowed statuses are checked on the id (Assets would refuse every mark).
                    tributary_transform::type_value(attribute, id, None).map_err(|e| {
                        RunError::MissingPolicy(format!(
                            "config:missing sets {name} to {value:?}: {e}"
                        ))
                    })?;
                    id.clone()
                } else {
                    AttrDef::from_attribute(attribute).normalise(value)
                };
                pairs.push((AttributeId(attribute.id.clone()), value));
            }
            MissingPolicy::Mark { set: pairs }
        }
    })
}
