//! The typed Assets client: workspace, schemas, object types, attributes, AQL, statuses and
//! object writes, with the retries of [`Client`] and responses parsed into `models` types.
//! The settings page's pickers use it too (through the wasm exports), so they share the
//! retries, the 429 handling and the paging end with the engine.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use tributary_models::assets::{
    AqlPageView, AqlQuery, Object, ObjectIn, ObjectSchema, ObjectSchemaList, ObjectType,
    ObjectTypeAttribute, ObjectView, StatusType, WorkspaceList,
};

use crate::client::{encode, request, CallError, CallKind, Client};
use crate::error::RunError;
use crate::host::{Service, SyncHost};

/// Objects per AQL page (Assets had an `isLast` bug at ≥ 1000).
pub const AQL_PAGE_SIZE: u32 = 500;
/// Schemas per `objectschema/list` page.
pub const SCHEMA_PAGE_SIZE: u32 = 50;
/// The most schema list pages read (a guard against a paging end that never comes).
const MAX_SCHEMA_PAGES: usize = 100;

/// Assets calls for one workspace.
pub struct Assets<'c, 'h, H: SyncHost> {
    client: &'c Client<'h, H>,
    workspace: RefCell<String>,
    /// Attributes by object type id, read once per invocation.
    attributes: RefCell<BTreeMap<String, Vec<ObjectTypeAttribute>>>,
}

/// Parses a JSON body into a model, or says which answer was unreadable.
fn parse<'a, T: serde::Deserialize<'a>>(body: &'a str, what: &str) -> Result<T, CallError> {
    serde_json::from_str(body).map_err(|e| CallError::Status {
        status: 200,
        message: format!("unreadable {what}: {e}"),
    })
}

impl<'c, 'h, H: SyncHost> Assets<'c, 'h, H> {
    /// A client for `workspace` (empty: looked up by [`Assets::connect`]).
    pub fn new(client: &'c Client<'h, H>, workspace: Option<&str>) -> Self {
        Assets {
            client,
            workspace: RefCell::new(workspace.unwrap_or_default().to_string()),
            attributes: RefCell::new(BTreeMap::new()),
        }
    }

    /// The workspace id, looked up from Jira Service Management when not known yet.
    pub async fn connect(&self) -> Result<String, RunError> {
        if !self.workspace.borrow().is_empty() {
            return Ok(self.workspace.borrow().clone());
        }
        let response = self
            .client
            .send(
                CallKind::Read,
                request(
                    Service::Jira,
                    "GET",
                    "/rest/servicedeskapi/assets/workspace".to_string(),
                    None,
                ),
            )
            .await
            .map_err(RunError::assets)?;
        let list: WorkspaceList =
            parse(&response.body, "workspace list").map_err(RunError::assets)?;
        let id = list
            .values
            .into_iter()
            .next()
            .map(|w| w.workspace_id)
            .filter(|id| !id.is_empty())
            .ok_or(RunError::NoWorkspace)?;
        *self.workspace.borrow_mut() = id.clone();
        Ok(id)
    }

    /// Uses a workspace id known from elsewhere (an earlier invocation, the caller).
    pub fn set_workspace(&self, workspace_id: &str) {
        *self.workspace.borrow_mut() = workspace_id.to_string();
    }

    /// The path of an Assets resource in this workspace.
    pub fn path(&self, rest: &str) -> String {
        format!(
            "/jsm/assets/workspace/{}/v1/{rest}",
            self.workspace.borrow()
        )
    }

    async fn get<T: DeserializeOwned>(&self, rest: &str, what: &str) -> Result<T, CallError> {
        let response = self
            .client
            .send(
                CallKind::Read,
                request(Service::Assets, "GET", self.path(rest), None),
            )
            .await?;
        parse(&response.body, what)
    }

    /// Every object schema (all pages).
    pub async fn schemas(&self) -> Result<Vec<ObjectSchema>, RunError> {
        let mut out = Vec::new();
        for _ in 0..MAX_SCHEMA_PAGES {
            let page: ObjectSchemaList = self
                .get(
                    &format!(
                        "objectschema/list?startAt={}&maxResults={SCHEMA_PAGE_SIZE}",
                        out.len()
                    ),
                    "object schema list",
                )
                .await
                .map_err(RunError::assets)?;
            let count = page.values.len();
            out.extend(page.values);
            if page.is_last || page.last || count == 0 || out.len() as u64 >= page.total {
                break;
            }
        }
        Ok(out)
    }

    /// The object types of a schema.
    pub async fn object_types(&self, schema_id: &str) -> Result<Vec<ObjectType>, RunError> {
        if !is_id(schema_id) {
            return Err(RunError::TargetNotFound(format!(
                "{schema_id:?} is not an object schema id"
            )));
        }
        self.get(
            &format!("objectschema/{schema_id}/objecttypes/flat"),
            "object type list",
        )
        .await
        .map_err(RunError::assets)
    }

    /// One object type by id.
    pub async fn object_type(&self, type_id: &str) -> Result<ObjectType, RunError> {
        if !is_id(type_id) {
            return Err(RunError::TargetNotFound(format!(
                "{type_id:?} is not an object type id"
            )));
        }
        self.get(&format!("objecttype/{type_id}"), "object type")
            .await
            .map_err(|e| match e {
                CallError::Status { status: 404, .. } => {
                    RunError::TargetNotFound(format!("there is no object type with id {type_id}"))
                }
                other => RunError::assets(other),
            })
    }

    /// An object type's attributes (read once per client).
    pub async fn attributes(&self, type_id: &str) -> Result<Vec<ObjectTypeAttribute>, RunError> {
        if let Some(cached) = self.attributes.borrow().get(type_id) {
            return Ok(cached.clone());
        }
        if !is_id(type_id) {
            return Err(RunError::TargetNotFound(format!(
                "{type_id:?} is not an object type id"
            )));
        }
        let attributes: Vec<ObjectTypeAttribute> = self
            .get(
                &format!("objecttype/{type_id}/attributes"),
                &format!("attribute list of object type {type_id}"),
            )
            .await
            .map_err(RunError::assets)?;
        self.attributes
            .borrow_mut()
            .insert(type_id.to_string(), attributes.clone());
        Ok(attributes)
    }

    /// Finds an object type by name, in one schema (by id or name) or in all.
    pub async fn find_type(
        &self,
        name: &str,
        schema: Option<&str>,
    ) -> Result<(String, Option<String>), RunError> {
        let mut schemas = self.schemas().await?;
        if let Some(wanted) = schema {
            schemas.retain(|s| s.id == wanted || s.name.eq_ignore_ascii_case(wanted.trim()));
            if schemas.is_empty() {
                return Err(RunError::TargetNotFound(format!(
                    "there is no object schema {wanted:?}"
                )));
            }
        }
        let mut found = Vec::new();
        for schema in &schemas {
            for object_type in self.object_types(&schema.id).await? {
                if object_type.name.eq_ignore_ascii_case(name.trim()) {
                    found.push((object_type.id, schema.id.clone(), schema.name.clone()));
                }
            }
        }
        match found.len() {
            0 => Err(RunError::TargetNotFound(match schema {
                Some(s) => format!("object schema {s:?} has no object type named {name:?}"),
                None => format!("no object schema has an object type named {name:?}"),
            })),
            1 => {
                let (id, schema_id, _) = found.remove(0);
                Ok((id, Some(schema_id)))
            }
            _ => Err(RunError::TargetNotFound(format!(
                "object type {name:?} exists in several schemas ({}); name one with config:objectSchema",
                found.iter().map(|f| f.2.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// Hands every object an AQL query finds (all pages, attributes included) to `each`, page
    /// by page: each page is parsed into borrowed views of what a comparison reads and dropped
    /// before the next is fetched, so no run holds more than one page of Assets' answer.
    pub async fn aql_each(
        &self,
        ql: &str,
        mut each: impl FnMut(ObjectView<'_>),
    ) -> Result<(), CallError> {
        let mut read = 0usize;
        let body = serde_json::to_string(&AqlQuery {
            ql_query: ql.to_string(),
        })
        .expect("an AQL body serialises");
        loop {
            let path = self.path(&format!(
                "object/aql?startAt={read}&maxResults={AQL_PAGE_SIZE}&includeAttributes=true"
            ));
            let response = self
                .client
                .send(
                    CallKind::Aql,
                    request(Service::Assets, "POST", path, Some(body.clone())),
                )
                .await?;
            if response.body.trim().is_empty() {
                return Ok(());
            }
            let page: AqlPageView<'_> = parse(&response.body, "AQL result")?;
            let count = page.values.len();
            read += count;
            page.values.into_iter().for_each(&mut each);
            if page.is_last || count == 0 {
                return Ok(());
            }
        }
    }

    /// Status ids by lower-cased name (`config/statustype`, the schema's and global ones).
    pub async fn status_ids(
        &self,
        schema_id: Option<&str>,
    ) -> Result<BTreeMap<String, String>, RunError> {
        let query = schema_id
            .map(|s| format!("?objectSchemaId={}", encode(s)))
            .unwrap_or_default();
        let statuses: Vec<StatusType> = self
            .get(&format!("config/statustype{query}"), "status list")
            .await
            .map_err(RunError::assets)?;
        Ok(statuses
            .into_iter()
            .map(|s| (s.name.to_lowercase(), s.id))
            .collect())
    }

    /// Creates an object; returns `(id, object key)`. A 2xx whose body is cut or lacks them
    /// is [`CallError::Uncertain`]: the object probably exists, so the caller looks it up.
    pub async fn create(&self, body: &ObjectIn) -> Result<(String, String), CallError> {
        let text = serde_json::to_string(body).expect("object bodies serialise");
        let response = self
            .client
            .send(
                CallKind::Create,
                request(
                    Service::Assets,
                    "POST",
                    self.path("object/create"),
                    Some(text),
                ),
            )
            .await?;
        match serde_json::from_str::<Object>(&response.body) {
            Ok(object) if !object.id.is_empty() && !object.object_key.is_empty() => {
                Ok((object.id, object.object_key))
            }
            _ => Err(CallError::Uncertain(format!(
                "HTTP {} without a readable object in the answer",
                response.status
            ))),
        }
    }

    /// Updates an object's attributes.
    pub async fn update(&self, id: &str, body: &ObjectIn) -> Result<(), CallError> {
        let text = serde_json::to_string(body).expect("object bodies serialise");
        self.client
            .send(
                CallKind::Update,
                request(
                    Service::Assets,
                    "PUT",
                    self.path(&format!("object/{id}")),
                    Some(text),
                ),
            )
            .await
            .map(|_| ())
    }

    /// Deletes an object; one already gone counts as deleted.
    pub async fn delete(&self, id: &str) -> Result<(), CallError> {
        match self
            .client
            .send(
                CallKind::Delete,
                request(
                    Service::Assets,
                    "DELETE",
                    self.path(&format!("object/{id}")),
                    None,
                ),
            )
            .await
        {
            // Already gone (e.g. deleted before a crash): the goal is reached.
            Ok(_) | Err(CallError::Status { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Whether a text is a numeric Assets id.
pub fn is_id(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Options of the picker reads ([`list_schemas`], [`list_object_types`], [`list_attributes`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PickerOptions {
    /// The workspace id when the host knows it (else looked up).
    pub workspace_id: Option<String>,
    /// The object schema whose types are listed.
    pub schema_id: Option<String>,
    /// The object type whose attributes are listed.
    pub object_type_id: Option<String>,
}

/// An answer of the picker reads: the items and the workspace id (for the host to cache).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Picked<T> {
    /// The workspace the items were read from.
    pub workspace_id: String,
    /// What was listed.
    pub items: Vec<T>,
}

async fn pick<H: SyncHost, T>(
    host: &H,
    options: &PickerOptions,
    list: impl AsyncFnOnce(&Assets<'_, '_, H>) -> Result<Vec<T>, RunError>,
) -> Result<Picked<T>, RunError> {
    let client = Client::new(host, crate::client::RetryPolicy::default(), 1);
    let assets = Assets::new(&client, options.workspace_id.as_deref());
    let workspace_id = assets.connect().await?;
    let items = list(&assets).await?;
    Ok(Picked {
        workspace_id,
        items,
    })
}

/// Every object schema of the site's workspace.
pub async fn list_schemas<H: SyncHost>(
    host: &H,
    options: &PickerOptions,
) -> Result<Picked<ObjectSchema>, RunError> {
    pick(host, options, async |assets| assets.schemas().await).await
}

/// The object types of `options.schema_id`.
pub async fn list_object_types<H: SyncHost>(
    host: &H,
    options: &PickerOptions,
) -> Result<Picked<ObjectType>, RunError> {
    let schema = options.schema_id.clone().unwrap_or_default();
    pick(host, options, async |assets| {
        assets.object_types(&schema).await
    })
    .await
}

/// The attributes of `options.object_type_id`, as Assets returns them.
pub async fn list_attributes<H: SyncHost>(
    host: &H,
    options: &PickerOptions,
) -> Result<Picked<ObjectTypeAttribute>, RunError> {
    let type_id = options.object_type_id.clone().unwrap_or_default();
    pick(host, options, async |assets| {
        assets.attributes(&type_id).await
    })
    .await
}
