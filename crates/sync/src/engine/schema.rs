//! Schema set-up, carried out: reads the object schemas the mappings name, plans with
//! [`crate::schema::plan_schema`], then creates the missing object types and attributes
//! (types first, so references can point at them). Nothing that exists is changed, so a
//! second set-up creates nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use tributary_mapping::{Document, NameOrId};
use tributary_models::assets::{AttributeKind, ObjectSchema};

use crate::client::{request, CallError, CallKind, Client};
use crate::error::{MappingError, RunError, RunFailure};
use crate::host::{Service, SyncHost};
use crate::schema::{
    plan_schema, ExistingType, NamedMapping, SchemaCreate, SchemaLabel, SchemaProblem,
};

use super::assets::Assets;

/// One mapping text of the set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MappingText {
    /// The name the report uses, e.g. the file name.
    pub name: String,
    /// The mapping text.
    pub text: String,
    /// The object schema (name or id) when the host keeps it beside the text; wins over
    /// the text's `config:objectSchema`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_schema: Option<String>,
    /// The object type (name or id), likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
}

/// What [`setup_schema`] is asked to do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SchemaOptions {
    /// The mappings whose object types and attributes are set up.
    pub mappings: Vec<MappingText>,
    /// Plan only: report what would be created, create nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// The Assets workspace id when the host knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
}

/// How a set-up ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SchemaStatus {
    /// Everything the mappings need is there now (or would be, on a dry run).
    Succeeded,
    /// Some of it was made; some could not be (see `problems`).
    Partial,
    /// Nothing could be made, and something is missing or does not fit.
    Failed,
}

/// A type or attribute the set-up created (or would create, on a dry run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    /// What was planned.
    #[serde(flatten)]
    pub create: SchemaCreate,
    /// The new id (absent on a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// What a set-up did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaReport {
    /// The verdict: `succeeded` only when nothing is missing or in conflict.
    pub status: SchemaStatus,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Object types and attributes created, in the order they were made.
    pub created: Vec<Created>,
    /// Types and attributes that were there already and fit.
    pub present: u64,
    /// New types whose label is another attribute than `Name` (made optional), because no
    /// mapping writes `Name`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<SchemaLabel>,
    /// What could not be made, and existing attributes that do not fit (never changed).
    pub problems: Vec<SchemaProblem>,
    /// Why nothing could be done at all (a mapping with errors, Assets unreachable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RunFailure>,
    /// The mapping whose errors stopped the set-up, with `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    /// The workspace read (for the host to cache).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
}

impl SchemaReport {
    fn failed(error: &RunError, mapping: Option<String>) -> Self {
        SchemaReport {
            status: SchemaStatus::Failed,
            dry_run: false,
            created: Vec::new(),
            present: 0,
            labels: Vec::new(),
            problems: Vec::new(),
            error: Some(RunFailure::from(error)),
            mapping,
            workspace_id: None,
        }
    }
}

/// Sets up the object types and attributes `options.mappings` need. Never fails: a problem
/// is in the report.
pub async fn setup_schema<H: SyncHost>(host: &H, options: &SchemaOptions) -> SchemaReport {
    let mut documents = Vec::new();
    for mapping in &options.mappings {
        let mut document = Document::parse(&mapping.text);
        let config = &mut document.mapping.config;
        if let Some(schema) = &mapping.object_schema {
            config.object_schema = Some(NameOrId::of(schema.clone()));
        }
        if let Some(object_type) = &mapping.object_type {
            config.object_type = Some(NameOrId::of(object_type.clone()));
        }
        if document.has_errors() {
            let error = RunError::Mapping(MappingError {
                diagnostics: document
                    .diagnostics
                    .into_iter()
                    .filter(|d| d.is_error())
                    .collect(),
            });
            return SchemaReport::failed(&error, Some(mapping.name.clone()));
        }
        documents.push((mapping.name.as_str(), document));
    }
    let client = Client::new(host, crate::RetryPolicy::default(), 0x5eed);
    let assets = Assets::new(&client, options.workspace_id.as_deref());
    match set_up(&client, &assets, &documents, options.dry_run).await {
        Ok(mut report) => {
            report.workspace_id = assets.connect().await.ok();
            report
        }
        Err(error) => SchemaReport::failed(&error, None),
    }
}

async fn set_up<H: SyncHost>(
    client: &Client<'_, H>,
    assets: &Assets<'_, '_, H>,
    documents: &[(&str, Document)],
    dry_run: bool,
) -> Result<SchemaReport, RunError> {
    assets.connect().await?;
    let schemas = assets.schemas().await?;
    // Each schema as the mappings name it (by name or id) → the schema found.
    let mut named: BTreeMap<String, ObjectSchema> = BTreeMap::new();
    let mut existing: BTreeMap<String, Vec<ExistingType>> = BTreeMap::new();
    for (_, document) in documents {
        let Some(wanted) = document.mapping.config.object_schema.as_ref() else {
            continue;
        };
        let text = wanted.text().to_string();
        if named.contains_key(&text) {
            continue;
        }
        let Some(schema) = schemas
            .iter()
            .find(|s| s.id == text || s.name.eq_ignore_ascii_case(text.trim()))
        else {
            continue;
        };
        existing.insert(text.clone(), read_types(assets, &schema.id).await?);
        named.insert(text, schema.clone());
    }
    let mappings: Vec<NamedMapping<'_>> = documents
        .iter()
        .map(|(name, document)| NamedMapping {
            name,
            mapping: &document.mapping,
        })
        .collect();
    let plan = plan_schema(&mappings, &existing);
    let mut report = SchemaReport {
        status: SchemaStatus::Succeeded,
        dry_run,
        created: Vec::new(),
        present: plan.present,
        labels: Vec::new(),
        problems: plan.problems,
        error: None,
        mapping: None,
        workspace_id: None,
    };
    if dry_run {
        report.labels = plan.labels;
        report.created = plan
            .creates
            .into_iter()
            .map(|create| Created { create, id: None })
            .collect();
    } else {
        let mut maker = Maker {
            client,
            assets,
            icons: None,
            reference_types: BTreeMap::new(),
            type_ids: existing
                .iter()
                .flat_map(|(schema, types)| {
                    types
                        .iter()
                        .map(move |t| ((schema.clone(), t.name.to_lowercase()), t.id.clone()))
                })
                .collect(),
        };
        for create in plan.creates {
            let schema = &named[&create.object_schema];
            match maker.make(schema, &create).await {
                Ok(id) => report.created.push(Created {
                    create,
                    id: Some(id),
                }),
                Err(message) => report.problems.push(SchemaProblem {
                    object_schema: create.object_schema.clone(),
                    object_type: Some(create.object_type.clone()),
                    attribute: create.attribute.clone(),
                    message,
                    mappings: create.mappings.clone(),
                }),
            }
        }
        for label in plan.labels {
            match maker.relabel(&label).await {
                Ok(()) => report.labels.push(label),
                Err(message) => report.problems.push(SchemaProblem {
                    object_schema: label.object_schema.clone(),
                    object_type: Some(label.object_type.clone()),
                    attribute: Some("Name".into()),
                    message,
                    mappings: Vec::new(),
                }),
            }
        }
    }
    report.status = match (report.problems.is_empty(), report.created.is_empty()) {
        (true, _) => SchemaStatus::Succeeded,
        (false, false) => SchemaStatus::Partial,
        (false, true) => SchemaStatus::Failed,
    };
    Ok(report)
}

/// The object types of a schema with their attributes.
async fn read_types<H: SyncHost>(
    assets: &Assets<'_, '_, H>,
    schema_id: &str,
) -> Result<Vec<ExistingType>, RunError> {
    let mut out = Vec::new();
    for object_type in assets.object_types(schema_id).await? {
        let attributes = assets.attributes(&object_type.id).await?;
        out.push(ExistingType {
            id: object_type.id,
            name: object_type.name,
            attributes,
        });
    }
    Ok(out)
}

/// An icon or reference type as Assets lists them (only what the set-up picks by).
#[derive(Debug, Clone, Deserialize)]
struct Named {
    #[serde(deserialize_with = "tributary_models::assets::id_text")]
    id: String,
    #[serde(default)]
    name: String,
}

/// Makes the creates of a plan, remembering the ids of the types it made.
struct Maker<'a, 'c, 'h, H: SyncHost> {
    client: &'a Client<'h, H>,
    assets: &'a Assets<'c, 'h, H>,
    icons: Option<Vec<Named>>,
    /// Reference types by schema id.
    reference_types: BTreeMap<String, Vec<Named>>,
    /// `(schema as named, lower-cased type name)` → type id.
    type_ids: BTreeMap<(String, String), String>,
}

impl<H: SyncHost> Maker<'_, '_, '_, H> {
    async fn make(
        &mut self,
        schema: &ObjectSchema,
        create: &SchemaCreate,
    ) -> Result<String, String> {
        let type_key = (
            create.object_schema.clone(),
            create.object_type.to_lowercase(),
        );
        let Some(attribute) = &create.attribute else {
            let icon = self.icon_for(&create.object_type).await?;
            let body = json!({
                "name": create.object_type,
                "iconId": icon,
                "objectSchemaId": schema.id,
                "description": format!("Synced from JumpCloud by Tributary ({})", create.mappings.join(", ")),
            });
            let id = self.post("objecttype/create", body).await?;
            self.type_ids.insert(type_key, id.clone());
            return Ok(id);
        };
        let type_id = self.type_ids.get(&type_key).cloned().ok_or_else(|| {
            format!(
                "object type {} was not created, so its attributes were not either",
                create.object_type
            )
        })?;
        let shape = create
            .shape
            .as_ref()
            .expect("attribute creates carry their shape");
        let mut body = json!({
            "name": attribute,
            "type": shape.kind.code(),
            "description": format!("From JumpCloud ({})", create.mappings.join(", ")),
            "minimumCardinality": 0,
            "maximumCardinality": if shape.multi { -1 } else { 1 },
            "uniqueAttribute": shape.unique,
        });
        match shape.kind {
            AttributeKind::Default => {
                body["defaultTypeId"] = json!(shape.default_type.map(|t| t.id()).unwrap_or(0));
            }
            AttributeKind::ObjectReference => {
                let target = shape.references.as_deref().unwrap_or_default();
                let target_id = self
                    .type_ids
                    .get(&(create.object_schema.clone(), target.to_lowercase()))
                    .cloned()
                    .ok_or_else(|| format!("the referenced object type {target} does not exist"))?;
                body["typeValue"] = json!(target_id);
                body["additionalValue"] = json!(self.reference_type(&schema.id).await?);
            }
            _ => {}
        }
        self.post(&format!("objecttypeattribute/{type_id}"), body)
            .await
            .map_err(|e| format!("{attribute} could not be created: {e}"))
    }

    /// Makes `label.attribute` the new type's label and its `Name` optional (Assets makes
    /// `Name` required, and no mapping writes it).
    async fn relabel(&self, label: &SchemaLabel) -> Result<(), String> {
        let type_key = (
            label.object_schema.clone(),
            label.object_type.to_lowercase(),
        );
        let type_id = self
            .type_ids
            .get(&type_key)
            .ok_or_else(|| format!("object type {} was not created", label.object_type))?;
        // Read afresh, not through the client's per-invocation cache: the type was just made.
        let attributes: Vec<tributary_models::assets::ObjectTypeAttribute> = self
            .get(&format!("objecttype/{type_id}/attributes"))
            .await?;
        let id_of = |name: &str| {
            attributes
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(name))
                .map(|a| a.id.clone())
        };
        let not_made = |name: &str| {
            format!("{} has no attribute {name}, so {} could not be made its label and Name stays required; map a value into Name", label.object_type, label.attribute)
        };
        let label_id = id_of(&label.attribute).ok_or_else(|| not_made(&label.attribute))?;
        let name_id = id_of("Name").ok_or_else(|| not_made("Name"))?;
        self.send(
            "PUT",
            &format!("objecttypeattribute/{type_id}/{label_id}"),
            json!({"label": true}),
        )
        .await?;
        self.send(
            "PUT",
            &format!("objecttypeattribute/{type_id}/{name_id}"),
            json!({"minimumCardinality": 0}),
        )
        .await
        .map(|_| ())
        .map_err(|e| format!("Name could not be made optional: {e}"))
    }

    /// The icon for a new type: the global icon named like it, else the first one.
    async fn icon_for(&mut self, type_name: &str) -> Result<String, String> {
        if self.icons.is_none() {
            let icons: Vec<Named> = self.get("icon/global").await?;
            self.icons = Some(icons);
        }
        let icons = self.icons.as_deref().unwrap_or_default();
        icons
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(type_name))
            .or(icons.first())
            .map(|i| i.id.clone())
            .ok_or_else(|| "Assets lists no icons, and an object type needs one".to_string())
    }

    /// The reference type new references use: `Reference` when the schema has it, else the
    /// first one Assets lists.
    async fn reference_type(&mut self, schema_id: &str) -> Result<String, String> {
        if !self.reference_types.contains_key(schema_id) {
            let listed: Vec<Named> = self
                .get(&format!("config/referencetype?objectSchemaId={schema_id}"))
                .await?;
            self.reference_types.insert(schema_id.to_string(), listed);
        }
        let listed = &self.reference_types[schema_id];
        listed
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case("Reference"))
            .or(listed.first())
            .map(|r| r.id.clone())
            .ok_or_else(|| {
                "Assets lists no reference types, and a reference attribute needs one".to_string()
            })
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, rest: &str) -> Result<T, String> {
        let response = self
            .client
            .send(
                CallKind::Read,
                request(Service::Assets, "GET", self.assets.path(rest), None),
            )
            .await
            .map_err(|e| e.to_string())?;
        serde_json::from_str(&response.body)
            .map_err(|e| format!("unreadable answer to {rest}: {e}"))
    }

    /// Sends a write; answers the body.
    async fn send(
        &self,
        method: &str,
        rest: &str,
        body: serde_json::Value,
    ) -> Result<String, String> {
        let kind = if method == "POST" {
            CallKind::Create
        } else {
            CallKind::Update
        };
        let response = self
            .client
            .send(
                kind,
                request(
                    Service::Assets,
                    method,
                    self.assets.path(rest),
                    Some(body.to_string()),
                ),
            )
            .await
            .map_err(|e| match e {
                CallError::Uncertain(m) => {
                    format!("{m}; run the set-up again to check (it creates only what is missing)")
                }
                other => other.to_string(),
            })?;
        Ok(response.body)
    }

    /// Posts a create; returns the new id.
    async fn post(&self, rest: &str, body: serde_json::Value) -> Result<String, String> {
        let response = self.send("POST", rest, body).await?;
        let created: Named = serde_json::from_str(&response)
            .map_err(|_| "the answer did not say the new id; run the set-up again to check (it creates only what is missing)".to_string())?;
        Ok(created.id)
    }
}
