//! What one import reads and writes: the [`ImportSpec`] (collection, filters, fields, target,
//! key, missing policy, guard) and the [`RecordTransform`] that turns a JumpCloud record into a
//! [`DesiredObject`]. [`crate::compile_mapping`] builds both from a mapping text.

use serde::{Deserialize, Serialize};
use tributary_models::assets::ObjectTypeAttribute;

use tributary_mapping::{Diagnostic, Limit, MissingPolicy};

use crate::model::DesiredObject;

/// The JumpCloud collection an import reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceApi {
    /// Request path, e.g. `/api/systemusers` or `/api/v2/usergroups`.
    pub path: String,
    /// v2: bare-array answers, total in `x-total-count`, `field:op:value` filters, CSV fields.
    pub v2: bool,
    /// The record id field (`_id` for v1, `id` for v2 groups).
    pub id_field: String,
    /// Whether the endpoint takes `fields=` (System Insights tables do not project).
    pub projectable: bool,
    /// For group collections: whether each record gets a `members` array of member ids
    /// (when the mapping reads `members`), from `/api/v2/<groups>/{id}/members`.
    pub expand_members: bool,
    /// For users and systems: the v2 group collection whose memberships fill a `memberof`
    /// array of group ids on each record (when the mapping reads `memberof`). Built from the
    /// groups' member lists: a few calls per group instead of one per record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memberof_groups: Option<String>,
}

/// Everything about one import except how records are transformed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSpec {
    /// The JumpCloud collection.
    pub api: SourceApi,
    /// Filters that must all hold (`field:op:value`, sent as repeated `filter=`).
    pub filters: Vec<String>,
    /// Filters of which one must hold (v1 `filter[or][i]=`).
    pub any_filters: Vec<String>,
    /// Top-level fields read (sent as `fields=`); empty = the service's default set.
    pub fields: Vec<String>,
    /// Records per JumpCloud request (≤ 100).
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
    /// Names of the attributes whose values are looked up (references): what orders imports.
    #[serde(default)]
    pub reference_attributes: Vec<String>,
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

/// The source API description for a mapping `config:api`.
pub fn source_api(api: tributary_mapping::Api) -> SourceApi {
    use tributary_mapping::Api;
    SourceApi {
        path: api.path(),
        v2: api.is_v2(),
        id_field: if api.is_v2() {
            "id".to_string()
        } else {
            "_id".to_string()
        },
        projectable: !matches!(api, Api::SystemInfo | Api::OsVersion),
        expand_members: false,
        memberof_groups: None,
    }
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
    let mut api = source_api(config.api_or_default());
    let mut fields = mapping.source_fields();
    let reads = |name: &str| fields.iter().any(|f| f == name);
    use tributary_mapping::Api;
    match config.api_or_default() {
        Api::UserGroups | Api::SystemGroups => api.expand_members = reads("members"),
        Api::SystemUsers if reads("memberof") => api.memberof_groups = Some(Api::UserGroups.path()),
        Api::Systems if reads("memberof") => api.memberof_groups = Some(Api::SystemGroups.path()),
        _ => {}
    }
    if api.memberof_groups.is_some() {
        // Not a field of the v1 list: the engine fills it in.
        fields.retain(|f| f != "memberof");
    }
    if api.v2 {
        // v2 records carry `id`; `members` is filled in by the engine, not a JumpCloud field.
        fields.retain(|f| f != "_id" && f != "members");
        if !fields.iter().any(|f| f == "id") {
            fields.insert(0, "id".to_string());
        }
    }
    if !api.projectable {
        fields.clear();
    }
    ImportSpec {
        api,
        filters: config.filters.iter().map(|f| f.query_value()).collect(),
        any_filters: config.any_filters.iter().map(|f| f.query_value()).collect(),
        fields,
        page_size: config.page_size_or_default().clamp(1, 100),
        object_schema: config.object_schema.as_ref().map(|s| s.text().to_string()),
        object_type: config.object_type.as_ref().map(|s| s.text().to_string()),
        key_attribute,
        missing: config.missing.clone(),
        limit: config.max_deletions,
        reference_attributes: mapping
            .rows
            .iter()
            .filter(|r| r.lookup.is_some())
            .map(|r| r.attribute.clone())
            .collect(),
    }
}
