//! What one import reads and writes: the [`ImportSpec`] (collection, filters, fields, target,
//! key, missing policy, guard) and the [`RecordTransform`] that turns a JumpCloud record into a
//! [`DesiredObject`]. [`crate::compile_mapping`] builds both from a mapping text.

use serde::{Deserialize, Serialize};
use tributary_models::assets::ObjectTypeAttribute;
use tributary_models::jumpcloud::{by_name, ApiVersion, Collection, DynamicField};

use tributary_mapping::{Diagnostic, Limit, MissingPolicy};

use crate::model::DesiredObject;

/// Records per JumpCloud request when the mapping does not say (`config:pageSize`).
pub const LARGEST_DEFAULT_PAGE: u32 = 1_000;

/// Everything about one import except how records are transformed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSpec {
    /// The JumpCloud collection (serialised as its name).
    #[serde(with = "by_name")]
    pub api: &'static Collection,
    /// The engine-added relation fields the mapping reads (`memberof`, `members`,
    /// `boundUsers`, `devices`, ...: the collection's [`DynamicField`]s with a route), in the
    /// collection's order. Only these are fetched; each costs graph calls (docs/relationships.md).
    #[serde(default)]
    pub related: Vec<String>,
    /// Filters that must all hold (`field:op:value`, sent as repeated `filter=`).
    pub filters: Vec<String>,
    /// Filters of which one must hold (v1 `filter[or][i]=`).
    pub any_filters: Vec<String>,
    /// Top-level fields read (sent as `fields=`); empty = the service's default set.
    pub fields: Vec<String>,
    /// Records per JumpCloud request (at most the collection's `max_limit`).
    pub page_size: u32,
    /// Target object schema, by name or id.
    pub object_schema: Option<String>,
    /// Target object type, by name or id.
    pub object_type: Option<String>,
    /// Name of the key attribute in Assets.
    pub key_attribute: String,
    /// Missing-object policy, by attribute name (resolved against the target at run time).
    pub missing: MissingPolicy,
    /// Retirement guard.
    pub limit: Option<Limit>,
    /// Mass-clear guard from the mapping (none yet: `config:maxClears` is still to be added
    /// to the mapping language; it goes here, and `RunOptions::max_clears` overrides it).
    #[serde(default)]
    pub max_clears: Option<Limit>,
    /// Names of the attributes whose values are looked up (references): what orders imports.
    #[serde(default)]
    pub reference_attributes: Vec<String>,
    /// Names of the reference attributes whose rows say `|createMissing`: a looked-up value
    /// no object holds yet gets one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub create_missing: Vec<String>,
}

/// The resolved Assets target the transformer writes to.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Object type id.
    pub object_type_id: String,
    /// Object schema id, when known.
    pub object_schema_id: Option<String>,
    /// The type's attributes.
    pub attributes: Vec<ObjectTypeAttribute>,
    /// Index of the key attribute in `attributes`.
    pub key_index: usize,
}

impl Target {
    /// The key attribute.
    pub fn key_attribute(&self) -> &ObjectTypeAttribute {
        &self.attributes[self.key_index]
    }

    /// An attribute by name (case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&ObjectTypeAttribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name.trim()))
    }
}

/// Turns one JumpCloud record into the desired object. Problems go into
/// [`DesiredObject::problems`]; an empty `key` means the record has no key value.
pub trait RecordTransform {
    /// Checks the transform against the resolved target before any record is read; the
    /// diagnostics say what does not fit (e.g. an attribute the object type lacks).
    fn prepare(&self, target: &Target) -> Result<(), Vec<Diagnostic>> {
        let _ = target;
        Ok(())
    }

    /// Transforms one record.
    fn transform(&self, record: &serde_json::Value, target: &Target) -> DesiredObject;
}

impl<F: Fn(&serde_json::Value, &Target) -> DesiredObject> RecordTransform for F {
    fn transform(&self, record: &serde_json::Value, target: &Target) -> DesiredObject {
        self(record, target)
    }
}

/// A compiled import: the spec and its transformer.
pub struct Import {
    /// What is read and written.
    pub spec: ImportSpec,
    /// How records become desired objects.
    pub transform: Box<dyn RecordTransform>,
}

/// The import spec a parsed mapping describes. A mapping without a `key:` line (which has an
/// E001 diagnostic, so it never runs) gets an empty key attribute name.
pub fn spec_from_mapping(mapping: &tributary_mapping::Mapping) -> ImportSpec {
    let config = &mapping.config;
    let key_attribute = mapping
        .key
        .as_ref()
        .map(|k| k.attribute.clone())
        .unwrap_or_default();
    let api = config.api_or_default();
    let mut fields = mapping.source_fields();
    let reads = |name: &str| fields.iter().any(|f| f == name);
    let related = api
        .dynamic_fields
        .iter()
        .filter(|d| d.added_by_engine() && reads(d.field.name))
        .map(|d| d.field.name.to_string())
        .collect();
    // Fields the engine fills in are not JumpCloud's: never ask for them with `fields=`.
    fields.retain(|f| {
        !api.dynamic_field(f)
            .is_some_and(DynamicField::added_by_engine)
    });
    if api.version == ApiVersion::V2 {
        // `source_fields` always adds the v1 `_id`; v2 records carry their own id field.
        fields.retain(|f| f != "_id");
        if !fields.iter().any(|f| f == api.id_field) {
            fields.insert(0, api.id_field.to_string());
        }
    }
    if !api.projectable() {
        fields.clear();
    }
    ImportSpec {
        api,
        related,
        filters: config.filters.iter().map(|f| f.query_value()).collect(),
        any_filters: config.any_filters.iter().map(|f| f.query_value()).collect(),
        fields,
        // Without config:pageSize, as many records a request as the collection allows (System
        // Insights: up to 10,000) but no more than LARGEST_DEFAULT_PAGE, so one page's JSON stays
        // small beside a run's compact state.
        page_size: config
            .page_size
            .unwrap_or(LARGEST_DEFAULT_PAGE)
            .clamp(1, api.max_limit),
        object_schema: config.object_schema.as_ref().map(|s| s.text().to_string()),
        object_type: config.object_type.as_ref().map(|s| s.text().to_string()),
        key_attribute,
        missing: config.missing.clone(),
        limit: config.max_deletions,
        // The engine applies `RunOptions::max_clears` first, then this, then the default.
        max_clears: config.max_clears,
        reference_attributes: mapping
            .rows
            .iter()
            .filter(|r| r.lookup.is_some())
            .map(|r| r.attribute.clone())
            .collect(),
        create_missing: mapping
            .rows
            .iter()
            .filter(|r| r.create_missing.is_some())
            .map(|r| r.attribute.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> ImportSpec {
        spec_from_mapping(&tributary_mapping::Document::parse(text).mapping)
    }

    #[test]
    fn the_collection_row_decides_fields_and_engine_additions() {
        let users = spec("key:_id=id\nmap:memberof=Groups\nmap:email=Email\n");
        assert_eq!(users.api.name, "systemusers");
        assert_eq!(users.related, ["memberof"]);
        assert_eq!(users.fields, ["_id", "email"]);
        let groups = spec("key:id=id\nmap:members=Members\nconfig:api=systemgroups\n");
        assert_eq!(groups.related, ["members"]);
        assert_eq!(groups.fields, ["id"]);
        let devices = spec("key:_id=id\nmap:boundUsers=Users\nmap:memberof=Groups\nmap:hostname=Host\nconfig:api=systems\n");
        assert_eq!(
            devices.related,
            ["memberof", "boundUsers"],
            "the collection's order"
        );
        assert_eq!(devices.fields, ["_id", "hostname"]);
        let plain = spec("key:_id=id\nmap:hostname=Host\nconfig:api=systems\n");
        assert!(plain.related.is_empty(), "nothing read, nothing fetched");
        let info =
            spec("key:system_id=id\nmap:hostname=Host\nconfig:api=systeminsights/system_info\n");
        assert!(
            info.fields.is_empty(),
            "System Insights tables take no fields="
        );
        assert_eq!(
            (users.page_size, groups.page_size, info.page_size),
            (100, 100, LARGEST_DEFAULT_PAGE),
            "the largest page each collection allows, up to LARGEST_DEFAULT_PAGE"
        );
        let paged =
            spec("key:system_id=id\nconfig:api=systeminsights/system_info\nconfig:pageSize=50\n");
        assert_eq!(paged.page_size, 50, "config:pageSize wins");
        let json = serde_json::to_value(&users).unwrap();
        assert_eq!(json["api"], "systemusers");
        assert_eq!(json["related"], serde_json::json!(["memberof"]));
        let back: ImportSpec = serde_json::from_value(json).unwrap();
        assert_eq!(back, users);
    }
}

/// Every field path in `records`, sorted, as mapping rows read them: nested objects with `.`,
/// arrays of objects by their element fields (`addresses.locality` reads every element), and
/// custom attributes (`[{name, value}]` lists) by name: `attributes[name=costCenter].value`.
pub fn field_paths(records: &[serde_json::Value]) -> Vec<String> {
    use serde_json::Value;
    fn walk(prefix: &str, value: &Value, out: &mut std::collections::BTreeSet<String>) {
        match value {
            Value::Object(fields) => {
                for (name, inner) in fields {
                    let path = if prefix.is_empty() {
                        name.clone()
                    } else {
                        format!("{prefix}.{name}")
                    };
                    walk(&path, inner, out);
                }
            }
            Value::Array(items) if items.iter().any(Value::is_object) => {
                for item in items {
                    let named = item.get("name").and_then(Value::as_str);
                    match named {
                        Some(name) if item.get("value").is_some() && !name.contains([']', '=']) => {
                            out.insert(format!("{prefix}[name={name}].value"));
                        }
                        _ => walk(prefix, item, out),
                    }
                }
            }
            _ => {
                if !prefix.is_empty() {
                    out.insert(prefix.to_string());
                }
            }
        }
    }
    let mut out = std::collections::BTreeSet::new();
    for record in records {
        walk("", record, &mut out);
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod field_path_tests {
    use super::field_paths;
    use serde_json::json;

    #[test]
    fn paths_read_nested_fields_array_elements_and_custom_attributes_by_name() {
        let records = [
            json!({"_id": "1", "addresses": [{"type": "work", "locality": "Oslo"}], "attributes": [{"name": "costCenter", "value": "42"}], "manager": null, "memberof": ["g1"]}),
            json!({"_id": "2", "mfa": {"configured": true}, "attributes": []}),
        ];
        assert_eq!(
            field_paths(&records),
            [
                "_id",
                "addresses.locality",
                "addresses.type",
                "attributes",
                "attributes[name=costCenter].value",
                "manager",
                "memberof",
                "mfa.configured",
            ]
        );
    }
}
