//! Sync exports: `runSync` and `previewSync`, driving the Rust engine over a JS host object
//! that supplies HTTP (with credentials), storage, a clock, sleeping and logs.

use js_sys::{Array, ArrayBuffer, Object, Promise, Reflect, Uint8Array};
use serde::Serialize;
use tributary_sync::engine::assets::{self, PickerOptions};
use tributary_sync::engine::schema::SchemaOptions;
use tributary_sync::{
    HttpRequest, HttpResponse, LogLevel, RunAllOptions, RunError, RunOptions, SampleOptions,
    StorageError, SyncHost, TransportError,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::to_js;

/// The TypeScript declarations of these exports' shapes (also checked by tests/contract.rs).
pub const SYNC_TYPES: &str = r#"
/** A request from the engine. `path` is relative to the service's base URL: `/api/...` for
 *  JumpCloud; `/rest/...` for Jira; `/jsm/assets/workspace/{ws}/v1/...` for Assets (Forge:
 *  requestJira; API-token clients: api.atlassian.com). The host adds authentication
 *  (x-api-key / x-org-id, Basic or Forge app auth). */
export interface SyncHttpRequest {
  service: 'jumpcloud' | 'jira' | 'assets';
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body: string | null;
}

/** The host's answer. Header names in any case. `body` is the response's bytes as they came
 *  (`new Uint8Array(await response.arrayBuffer())`, or the ArrayBuffer itself): the core reads
 *  them as UTF-8 the way `response.text()` would, with one copy and no decoding in JS; absent
 *  is an empty body. Reject the promise on a transport failure (connection dropped, DNS,
 *  timeout): the engine retries those. */
export interface SyncHttpResponse {
  status: number;
  headers?: Record<string, string> | [string, string][];
  body?: Uint8Array | ArrayBuffer | null;
}

/** What the engine needs from its host. Every method may return a value or a promise.
 *  Give `request` (the host's own transport, e.g. Forge's) or `credentials` (the core then
 *  sends its requests itself with the global `fetch`, e.g. the CLI on Node 22). A storage
 *  call the store refused for its rate limit (Forge KVS: 429 `RATE_LIMIT_EXCEEDED`) rejects
 *  with an error whose `throttled` is true: the engine waits and tries it again. */
export interface SyncHost {
  request?(request: SyncHttpRequest): Promise<SyncHttpResponse>;
  credentials?: SyncCredentials;
  storageGet(key: string): Promise<string | null | undefined>;
  storageSet(key: string, json: string): Promise<void>;
  storageDelete(key: string): Promise<void>;
  /** Stores `json`, to be removed by the store after `ttlMs` (run records). */
  storageSetExpiring(key: string, json: string, ttlMs: number): Promise<void>;
  /** Stores `json` only if nothing unexpired is stored under `key` (atomically); it expires
   *  after `ttlMs`. Resolves to whether it was stored. (The run lease.) */
  storageCreate(key: string, json: string, ttlMs: number): Promise<boolean>;
  /** Stores `json` (expiring after `ttlMs`) and resolves to the value it replaced, atomically. */
  storageSwap(key: string, json: string, ttlMs: number): Promise<string | null | undefined>;
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

/** The options of runSync / previewSync (see docs/sync.md). */
export interface SyncOptions {
  /** Storage keys derive from it: 1-100 of A-Z a-z 0-9 . _ - (see vocabulary().idRule). */
  importId: string;
  mappingText: string;
  workspaceId?: string;
  /** Name or id; overrides the mapping's config:objectSchema. */
  objectSchema?: string;
  /** Name or id; overrides the mapping's config:objectType. */
  objectType?: string;
  dryRun?: boolean;
  /** Default: what `deadlineMs` leaves less a margin for one slow request and the state save,
   *  else 50 000 (dry runs: unlimited unless given). */
  budgetMs?: number;
  runId?: string;
  resume?: boolean;
  /** Parallel requests, 1-16: relation reads and user searches (default 4), writes (default 16). */
  concurrency?: number;
  /** Most JumpCloud requests in any minute, default 100 (Forge's limit); 0: none. */
  jumpcloudPerMinute?: number;
  /** Whether requests wait for Assets' documented quotas, default true. */
  assetsQuotas?: boolean;
  /** Read and write units of 10 KB a minute the store allows, default 4,000 (Forge KVS's; a run
   *  takes three quarters); 0: none (the CLI's directory). */
  storagePerMinute?: number;
  /** How long the lease outlives the budget, default 120 000. */
  leaseMs?: number;
  /** Dry runs: list at most this many creates, updates and missing objects each. */
  planLimit?: number;
  /** The queue slice (0 for a run's first event, then 1, 2, ...; the run state keeps the
   *  number the next event carries): each runs once; a duplicated or stale event answers
   *  `busy` with `stale` and does nothing. A slice that answers `continue` keeps its claim
   *  until the host has queued slice + 1 and called finishSlice. */
  slice?: number;
  /** When the host stops this invocation (ms since the epoch); the slice's claim lasts until
   *  then, and without budgetMs the budget is derived from it. */
  deadlineMs?: number;
  /** The mass-clear guard: at most this many keyed objects (count, or percent of the keyed
   *  objects) may have one attribute cleared in a run. Default 10 % and never fewer than 10
   *  objects; a value given here has no such floor. */
  maxClears?: { unit: 'count' | 'percent'; value: number };
  /** In runSyncAll: run this import only when another import of the batch references its
   *  object type (a stale dependency a scheduled tick brings along). */
  onlyAsDependency?: boolean;
  /** Keep every per-record result beside the run's record (read with runResults); a dry run
   *  given this keeps a record too, apart from the run history (a background preview). */
  keepResults?: boolean;
}

/** What runResults is asked for. */
export interface ResultsQuery {
  importId: string;
  runId: string;
  offset?: number;
  /** At most 500 (the default). */
  limit?: number;
  kind?: ResultKind;
  /** Any case; matched in keys, object keys, attributes, messages and values. */
  query?: string;
}

export type ResultKind = 'create' | 'update' | 'retire' | 'error';

/** One per-record result of a run or preview. */
export interface ResultEntry {
  kind: ResultKind;
  key: string;
  label?: string;
  objectKey?: string;
  action?: RetireAction;
  changes?: SyncChange[];
  attribute?: string;
  message?: string;
  level?: 'error' | 'warning';
}

/** One page of runResults. */
export interface ResultsPage {
  total: number;
  offset: number;
  limit: number;
  entries: ResultEntry[];
  errorsOmitted: number;
}

/** oldLabels / newLabels: the labels of the objects the values name, parallel to old / new. */
export interface SyncChange { attribute: string; old: string[]; new: string[]; oldLabels?: string[]; newLabels?: string[] }

/** `label`: the record's readable name (its value for the type's label attribute). */
export interface SyncPlan {
  creates: { key: string; label?: string; changes: SyncChange[] }[];
  /** Only what a run would write: clears withheld by the mass-clear guard are left out. */
  updates: { key: string; label?: string; objectKey: string; changes: SyncChange[] }[];
  unchanged: number;
  missing: { key: string; label?: string; objectKey: string; action: RetireAction; changes?: SyncChange[] }[];
  /** Entries left out by planLimit. */
  omitted?: { creates: number; updates: number; missing: number };
}

/** succeeded: every record written whole, no guard; partial: some records failed or were
 *  written without some values (counts.failed, counts.incomplete); failed: nothing could be
 *  written (error says why); stopped: a guard withheld writes (guard.reason); cancelled: an
 *  admin cancelled it (cancelRun), what it wrote before stays. */
export type RunStatus = 'succeeded' | 'partial' | 'failed' | 'stopped' | 'cancelled' | 'continue' | 'busy';
export type RunPhase = 'config' | 'target' | 'readSource' | 'readAssets' | 'write' | 'done';
/** What a run did with a missing object: the policy's action, or `guarded` (a guard held it). */
export type RetireAction = 'ignore' | 'mark' | 'delete' | 'guarded';

/** A run failure as data: a code from the diagnostic registry (E1xx). */
export interface RunFailure {
  code: string;
  message: string;
  /** The mapping's diagnostics, when the mapping is the cause. */
  diagnostics?: Diagnostic[];
}

export interface ApiCalls {
  jumpcloud: number; aql: number; create: number; update: number; delete: number;
  read: number; userSearch: number; retries: number;
}

/** The run report (also the run record kept in storage under tributary:run:{importId}:{runId}). */
export interface SyncReport {
  runId: string;
  importId: string;
  status: RunStatus;
  phase: RunPhase;
  progress: { done: number; total: number };
  counts: { source: number; created: number; updated: number; unchanged: number; marked: number;
            deleted: number; failed: number; missing: number; warnings: number;
            /** Records written without some values by an error (also in warnings). */
            incomplete: number };
  /** A guard withheld writes: retirements, or clears of an attribute on many objects. */
  guard?: { reason: string };
  errors: { key: string; attribute?: string; message: string; level: 'error' | 'warning' }[];
  errorsOmitted: number;
  apiCalls: ApiCalls;
  durationMs: number;
  startedAt: number;
  finishedAt?: number;
  /** Invocations so far, stopped ones included. */
  invocations: number;
  /** Invocations stopped (killed at the time limit) before they finished their slice; their
   *  slices ran again. What they wrote first counts as `unchanged`. */
  interrupted?: number;
  message?: string;
  error?: RunFailure;
  /** With `busy`: the event's slice runs in another invocation; deliver the event again
   *  after `retryAfterMs`. */
  redeliver?: boolean;
  retryAfterMs?: number;
  /** With `busy`: the event is a duplicate or stale (its slice ran, its run is over or was
   *  replaced); acknowledge and drop it. */
  stale?: boolean;
  objectTypeId?: string;
  plan?: SyncPlan;
  /** Objects `|createMissing` lookups created (a preview: would create; no objectKey). */
  referencesCreated?: { objectTypeId: string; attribute: string; value: string; objectKey?: string }[];
  /** A dry run (preview): nothing was written. */
  dryRun?: boolean;
  /** Where the per-record results are (runs given keepResults); read them with runResults. */
  results?: { chunks: number; total: number; sizes?: number[] };
}

/** The options of sampleSource. */
export interface SampleOptions {
  mappingText: string;
  /** 1-100, default 5. */
  limit?: number;
}

export interface SampleReport {
  /** Raw JumpCloud records (every default field: no `fields=` is sent). */
  records: object[];
  totalCount?: number;
  /** The request made, relative to the JumpCloud base URL. */
  request: string;
  apiCalls: ApiCalls;
  /** Every field path the records hold, as a map: row reads it (`addresses.locality`, `attributes[name=costCenter].value`). */
  fields: string[];
}

/** The options of setupSchema: the mappings whose object types and attributes are set up. */
export interface SchemaOptions {
  /** `objectSchema` / `objectType` (name or id) win over the text's config: lines. */
  mappings: { name: string; text: string; objectSchema?: string; objectType?: string }[];
  /** Plan only: say what would be created, create nothing. */
  dryRun?: boolean;
  workspaceId?: string;
}

/** What an attribute set-up makes (`kind`: 0 default, 1 object reference, 2 Jira user). */
export interface AttributeShape { kind: number; references?: string; multi: boolean; unique: boolean }

/** A type (no `attribute`) or attribute created, or to be created on a dry run (no `id`). */
export interface SchemaCreated {
  objectSchema: string;
  objectType: string;
  attribute?: string;
  shape?: AttributeShape;
  /** The shape in words, e.g. `Email`, `reference to User (several)`, or `object type`. */
  description: string;
  mappings: string[];
  id?: string;
}

export interface SchemaProblem {
  objectSchema: string;
  objectType?: string;
  attribute?: string;
  message: string;
  mappings: string[];
}

export interface SchemaReport {
  /** `succeeded` only when nothing the mappings need is missing or in conflict. */
  status: 'succeeded' | 'partial' | 'failed';
  dryRun: boolean;
  created: SchemaCreated[];
  /** Types and attributes that were there already and fit. */
  present: number;
  /** New types no mapping writes Name into: this attribute is their label, and Name is optional. */
  labels?: { objectSchema: string; objectType: string; attribute: string }[];
  /** What could not be made; existing attributes of another type (never changed). */
  problems: SchemaProblem[];
  /** Why nothing could be done (a mapping with errors: `diagnostics`, and `mapping` names it). */
  error?: RunFailure;
  mapping?: string;
  workspaceId?: string;
}

/** The options of runSyncAll: several imports run in dependency order. */
export interface SyncAllOptions {
  imports: SyncOptions[];
  runId?: string;
  resume?: boolean;
  dryRun?: boolean;
  budgetMs?: number;
  /** The batch's queue slice and the invocation's deadline, as in SyncOptions. */
  slice?: number;
  deadlineMs?: number;
}

/** The options of finishSlice: the slice a host handed over, of one import or a batch. */
export interface FinishedSlice {
  importId?: string;
  importIds?: string[];
  runId: string;
  slice: number;
}

export interface SyncAllReport {
  runId: string;
  status: RunStatus;
  /** Import ids in run order (imports whose references point at another's object type run after it). */
  order: string[];
  /** Reports of the imports run so far, in order; each import's runId is `${runId}-${importId}`. */
  imports: SyncReport[];
  /** onlyAsDependency imports that no import of the batch referenced (not run). */
  notNeeded?: string[];
}

/** The options of listSchemas / listObjectTypes / listAttributes. */
export interface PickerOptions {
  /** The workspace id when known (else looked up). */
  workspaceId?: string;
  schemaId?: string;
  objectTypeId?: string;
}

/** What a picker read found, and the workspace it read (for the host to cache). */
export interface Picked<T> { workspaceId: string; items: T[] }
export interface ObjectSchema { id: string; name: string; objectSchemaKey: string }
export interface ObjectType { id: string; name: string; objectSchemaId?: string; parentObjectTypeId?: string }
/** An Assets object type attribute, as `GET objecttype/{id}/attributes` returns it. */
export type ObjectTypeAttribute = Record<string, unknown> & { id: string; name: string; type: number };

/**
 * An import's schedule: `every` one of `vocabulary().schedules`; daily and weekly runs may
 * name a time of day `at` (`HH:MM`, 24 h) in `timeZone` (IANA, UTC when absent), weekly runs
 * a `day` (`vocabulary().weekdays`). A frequency's name alone is read as `{every}`.
 */
export interface ScheduleSpec { every: string; at?: string; day?: string; timeZone?: string }

/** The names the hosts and the page take from the core instead of keeping copies. */
export interface Vocabulary {
  collections: string[];
  configKeys: string[];
  rowOptions: string[];
  /** Schedule frequencies (`ScheduleSpec.every`), in picker order. */
  schedules: string[];
  /** Days a weekly schedule can name, Monday first. */
  weekdays: string[];
  regions: { code: string; baseUrl: string }[];
  runStatuses: RunStatus[];
  runPhases: RunPhase[];
  /** `config:missing` actions, in picker order. */
  missingActions: string[];
  /** What a run did with a missing object (a report's retire entries' `action`). */
  retireActions: RetireAction[];
  idRule: { maxLength: number; pattern: string };
  storage: { prefix: string; runPrefix: string; resultsPrefix: string };
  codes: { code: string; severity: 'error' | 'warning'; summary: string }[];
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const SYNC_TYPES_SECTION: &str = SYNC_TYPES;

#[wasm_bindgen]
extern "C" {
    /// The JS host object (see the `SyncHost` interface).
    #[wasm_bindgen(typescript_type = "SyncHost")]
    pub type SyncHostJs;

    #[wasm_bindgen(method, catch, js_name = request)]
    fn js_request(this: &SyncHostJs, request: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = storageGet)]
    fn js_storage_get(this: &SyncHostJs, key: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = storageSet)]
    fn js_storage_set(this: &SyncHostJs, key: &str, json: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = storageDelete)]
    fn js_storage_delete(this: &SyncHostJs, key: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = storageSetExpiring)]
    fn js_storage_set_expiring(
        this: &SyncHostJs,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = storageCreate)]
    fn js_storage_create(
        this: &SyncHostJs,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = storageSwap)]
    fn js_storage_swap(
        this: &SyncHostJs,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = now)]
    fn js_now(this: &SyncHostJs) -> Result<f64, JsValue>;

    #[wasm_bindgen(method, catch, js_name = sleep)]
    fn js_sleep(this: &SyncHostJs, ms: f64) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = log)]
    fn js_log(this: &SyncHostJs, level: &str, message: &str) -> Result<JsValue, JsValue>;
}

/// Awaits a value that may or may not be a promise.
async fn settle(value: Result<JsValue, JsValue>) -> Result<JsValue, JsValue> {
    JsFuture::from(Promise::resolve(&value?)).await
}

/// The text of a thrown JS value (its `message` when it is an Error).
fn describe(error: &JsValue) -> String {
    Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

/// A storage call's rejection: `throttled` when the host says the store's rate limit refused
/// it (see `SyncHost` in the TypeScript declarations).
fn storage_error(error: &JsValue) -> StorageError {
    let throttled = Reflect::get(error, &JsValue::from_str("throttled"))
        .ok()
        .and_then(|t| t.as_bool())
        .unwrap_or(false);
    if throttled {
        StorageError::throttled(describe(error))
    } else {
        StorageError::new(describe(error))
    }
}

/// Adapts the JS host to the engine's [`SyncHost`].
struct JsHost(SyncHostJs);

#[derive(Serialize)]
struct JsRequest<'a> {
    service: tributary_sync::Service,
    method: &'a str,
    path: &'a str,
    headers: std::collections::BTreeMap<&'a str, &'a str>,
    body: Option<&'a str>,
}

fn read_headers(value: &JsValue) -> Vec<(String, String)> {
    if value.is_undefined() || value.is_null() {
        return Vec::new();
    }
    let entries: Array = if Array::is_array(value) {
        Array::from(value)
    } else {
        Object::entries(&Object::from(value.clone()))
    };
    entries
        .iter()
        .filter_map(|pair| {
            let pair = Array::from(&pair);
            Some((
                pair.get(0).as_string()?.to_ascii_lowercase(),
                pair.get(1).as_string()?,
            ))
        })
        .collect()
}

/// The bytes of a host response's `body`, copied into wasm memory in one piece: a `Uint8Array`
/// (a Node `Buffer` is one) or an `ArrayBuffer`; absent is empty. Anything else, a string
/// included, is a host that does not keep the contract, and the error says what it gave.
fn read_body(body: &JsValue) -> Result<Vec<u8>, TransportError> {
    if body.is_undefined() || body.is_null() {
        return Ok(Vec::new());
    }
    if let Some(bytes) = body.dyn_ref::<Uint8Array>() {
        return Ok(bytes.to_vec());
    }
    if let Some(buffer) = body.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(buffer).to_vec());
    }
    let given = match body.js_typeof().as_string().as_deref() {
        Some("object") => "an object of another kind".to_string(),
        Some(kind) => format!("a {kind}"),
        None => "something else".to_string(),
    };
    Err(TransportError(format!(
        "the host's response body must be the response's bytes (a Uint8Array or an ArrayBuffer, \
         as response.arrayBuffer() gives), not {given}"
    )))
}

impl SyncHost for JsHost {
    async fn request(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        // A host with `credentials` and no `request` of its own: the core's fetch transport.
        if let Some(fetch) = crate::transport::FetchTransport::of_host(&self.0)? {
            return fetch.send(request).await;
        }
        let js_request = JsRequest {
            service: request.service,
            method: &request.method,
            path: &request.path,
            headers: request
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            body: request.body.as_deref(),
        };
        let js_request =
            to_js(&js_request).map_err(|_| TransportError("could not build the request".into()))?;
        let response = settle(self.0.js_request(js_request))
            .await
            .map_err(|e| TransportError(describe(&e)))?;
        let field = |name: &str| {
            Reflect::get(&response, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
        };
        let status = field("status")
            .as_f64()
            .ok_or_else(|| TransportError("the host's response has no numeric status".into()))?;
        Ok(HttpResponse {
            status: status as u16,
            headers: read_headers(&field("headers")),
            body: crate::transport::body_text(read_body(&field("body"))?),
        })
    }

    async fn storage_get(&self, key: &str) -> Result<Option<String>, StorageError> {
        let value = settle(self.0.js_storage_get(key))
            .await
            .map_err(|e| storage_error(&e))?;
        Ok(value.as_string())
    }

    async fn storage_set(&self, key: &str, json: &str) -> Result<(), StorageError> {
        settle(self.0.js_storage_set(key, json))
            .await
            .map(|_| ())
            .map_err(|e| storage_error(&e))
    }

    async fn storage_delete(&self, key: &str) -> Result<(), StorageError> {
        settle(self.0.js_storage_delete(key))
            .await
            .map(|_| ())
            .map_err(|e| storage_error(&e))
    }

    async fn storage_set_expiring(
        &self,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<(), StorageError> {
        settle(self.0.js_storage_set_expiring(key, json, ttl_ms))
            .await
            .map(|_| ())
            .map_err(|e| storage_error(&e))
    }

    async fn storage_create(
        &self,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<bool, StorageError> {
        let created = settle(self.0.js_storage_create(key, json, ttl_ms))
            .await
            .map_err(|e| storage_error(&e))?;
        created.as_bool().ok_or_else(|| {
            StorageError::new("the host's storageCreate must resolve to true or false")
        })
    }

    async fn storage_swap(
        &self,
        key: &str,
        json: &str,
        ttl_ms: f64,
    ) -> Result<Option<String>, StorageError> {
        let previous = settle(self.0.js_storage_swap(key, json, ttl_ms))
            .await
            .map_err(|e| storage_error(&e))?;
        Ok(previous.as_string())
    }

    fn now_ms(&self) -> f64 {
        self.0.js_now().unwrap_or_else(|_| js_sys::Date::now())
    }

    async fn sleep(&self, ms: f64) {
        let _ = settle(self.0.js_sleep(ms)).await;
    }

    fn log(&self, level: LogLevel, message: &str) {
        let _ = self.0.js_log(level.name(), message);
    }
}

/// A JS `Error` for a run-level failure, with `code` and (when the mapping is the cause)
/// `diagnostics` properties, so hosts show the same diagnostics a run report carries.
fn run_error(error: &RunError) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    let failure = tributary_sync::RunFailure::from(error);
    let _ = Reflect::set(&js, &"code".into(), &failure.code.as_str().into());
    if let Ok(diagnostics) = to_js(&failure.diagnostics) {
        let _ = Reflect::set(&js, &"diagnostics".into(), &diagnostics);
    }
    js.into()
}

/// Reads an options object; `what` names the options in the error (`sync`, `sample`).
fn parse_options<T: serde::de::DeserializeOwned>(
    options: JsValue,
    what: &str,
) -> Result<T, JsError> {
    if !options.is_object() {
        return Err(JsError::new(&format!(
            "the {what} options must be an object (got {})",
            options.js_typeof().as_string().unwrap_or_default()
        )));
    }
    serde_wasm_bindgen::from_value(options)
        .map_err(|e| JsError::new(&format!("invalid {what} options: {e}")))
}

/// Runs one import (or continues it with `resume: true` and its `runId`) and resolves to the
/// run report. A report with `status: 'continue'` asks the host to call again (e.g. from a
/// queue event) with `{...options, resume: true, runId: report.runId}`. Throws only for
/// invalid options; every other problem is in the report (`error` when the run failed).
#[wasm_bindgen(js_name = runSync, unchecked_return_type = "SyncReport")]
pub async fn run_sync(
    host: SyncHostJs,
    #[wasm_bindgen(unchecked_param_type = "SyncOptions")] options: JsValue,
) -> Result<JsValue, JsError> {
    let options: RunOptions = parse_options(options, "sync")?;
    to_js(&tributary_sync::run(&JsHost(host), &options).await)
}

/// Plans one import without writing or storing anything and resolves to the report with
/// `plan` (creates, updates with old → new per attribute, missing objects with their action).
/// `dryRun` is forced on; the budget applies only when given.
#[wasm_bindgen(js_name = previewSync, unchecked_return_type = "SyncReport")]
pub async fn preview_sync(
    host: SyncHostJs,
    #[wasm_bindgen(unchecked_param_type = "SyncOptions")] options: JsValue,
) -> Result<JsValue, JsError> {
    let mut options: RunOptions = parse_options(options, "sync")?;
    options.dry_run = true;
    to_js(&tributary_sync::run(&JsHost(host), &options).await)
}

/// Runs several imports in dependency order (an import that references another import's object
/// type runs after it: users before devices). With `status: 'continue'`, call again with
/// `{...options, resume: true, runId: report.runId}`. Throws only for invalid options.
#[wasm_bindgen(js_name = runSyncAll, unchecked_return_type = "SyncAllReport")]
pub async fn run_sync_all(
    host: SyncHostJs,
    #[wasm_bindgen(unchecked_param_type = "SyncAllOptions")] options: JsValue,
) -> Result<JsValue, JsError> {
    let options: RunAllOptions = parse_options(options, "sync")?;
    to_js(&tributary_sync::run_all(&JsHost(host), &options).await)
}

/// Marks a queue slice that answered `continue` finished, once the host has queued the next
/// slice's event: later copies of its event then do nothing. Until it is called, a copy of the
/// event after the slice's deadline asks for the next slice again (an invocation stopped
/// between storing its state and queuing never stalls its run). Rejects with an `Error`.
#[wasm_bindgen(js_name = finishSlice)]
pub async fn finish_slice(
    host: SyncHostJs,
    #[wasm_bindgen(unchecked_param_type = "FinishedSlice")] options: JsValue,
) -> Result<(), JsValue> {
    let done: tributary_sync::engine::FinishedSlice = parse_options(options, "finishSlice")?;
    tributary_sync::engine::finish_slice(&JsHost(host), &done)
        .await
        .map_err(|e| run_error(&e))
}

/// When the import's objects were last refreshed (its last `succeeded` or `partial` run
/// finished), or `undefined` when never. Rejects with an `Error` for a bad id.
#[wasm_bindgen(js_name = lastRefreshedAt)]
pub async fn last_refreshed_at(
    host: SyncHostJs,
    import_id: String,
) -> Result<Option<f64>, JsValue> {
    tributary_sync::engine::last_refreshed(&JsHost(host), &import_id)
        .await
        .map_err(|e| run_error(&e))
}

/// Asks a run to stop: it ends `cancelled` at its next unit of work, keeping what it wrote;
/// a queued run ends before it starts. A finished run answers `{cancelled: false, status}`.
#[wasm_bindgen(js_name = cancelRun, unchecked_return_type = "{ cancelled: boolean; status?: RunStatus }")]
pub async fn cancel_run(
    host: SyncHostJs,
    #[wasm_bindgen(unchecked_param_type = "{ importId: string; runId: string }")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let query: tributary_sync::engine::results::ResultsQuery = parse_options(options, "cancelRun")?;
    let answer = tributary_sync::engine::cancel_run(&JsHost(host), &query.import_id, &query.run_id)
        .await
        .map_err(|e| run_error(&e))?;
    Ok(to_js(&answer)?)
}

/// The stored record of a run or of a background preview (`null` when there is none: never
/// stored, or expired). Rejects with an `Error` when the store cannot be read.
#[wasm_bindgen(js_name = runRecord, unchecked_return_type = "SyncReport | null")]
pub async fn run_record(
    host: SyncHostJs,
    #[wasm_bindgen(unchecked_param_type = "{ importId: string; runId: string }")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let query: tributary_sync::engine::results::ResultsQuery = parse_options(options, "runRecord")?;
    let record =
        tributary_sync::engine::results::run_record(&JsHost(host), &query.import_id, &query.run_id)
            .await
            .map_err(|e| run_error(&e))?;
    Ok(to_js(&record)?)
}

/// One page of a run's (or background preview's) per-record results: its planned creates,
/// updates and retirements, then the problems its record lists; filtered by `kind` and by
/// `query` (any case, in keys, attributes, messages and values). Rejects with an `Error` for
/// an unknown run or bad ids.
#[wasm_bindgen(js_name = runResults, unchecked_return_type = "ResultsPage")]
pub async fn run_results(
    host: SyncHostJs,
    #[wasm_bindgen(unchecked_param_type = "ResultsQuery")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let query: tributary_sync::engine::results::ResultsQuery =
        parse_options(options, "runResults")?;
    let page = tributary_sync::engine::results::run_results(&JsHost(host), &query)
        .await
        .map_err(|e| run_error(&e))?;
    Ok(to_js(&page)?)
}

/// Fetches a few raw JumpCloud records the way the mapping's import reads them (its
/// `config:api` and filters, every field). Rejects with an `Error` when the mapping has errors
/// or JumpCloud cannot be read: its message says which, its `code` is the run-failure code,
/// and `diagnostics` holds the mapping's diagnostics when the mapping is the cause.
#[wasm_bindgen(js_name = sampleSource, unchecked_return_type = "SampleReport")]
pub async fn sample_source(
    host: SyncHostJs,
    #[wasm_bindgen(unchecked_param_type = "SampleOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let options: SampleOptions = parse_options(options, "sample")?;
    let report = tributary_sync::sample(&JsHost(host), &options)
        .await
        .map_err(|e| run_error(&e))?;
    Ok(to_js(&report)?)
}

/// Creates the object types and attributes the mappings need in the object schemas they
/// name (types first; nothing that exists is changed). Resolves with the report; a mapping
/// with errors or an unreachable Assets is a `failed` report with `error`.
#[wasm_bindgen(js_name = setupSchema, unchecked_return_type = "SchemaReport")]
pub async fn setup_schema(
    host: SyncHostJs,
    #[wasm_bindgen(unchecked_param_type = "SchemaOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let options: SchemaOptions = parse_options(options, "setupSchema")?;
    let report = tributary_sync::engine::schema::setup_schema(&JsHost(host), &options).await;
    Ok(to_js(&report)?)
}

/// Runs a picker read with the options object and answers with its `Picked` result, or
/// rejects with a run-failure `Error`.
async fn picker<T: Serialize>(
    host: SyncHostJs,
    options: JsValue,
    read: impl AsyncFnOnce(&JsHost, &PickerOptions) -> Result<T, RunError>,
) -> Result<JsValue, JsValue> {
    let options: PickerOptions = parse_options(options, "picker")?;
    let picked = read(&JsHost(host), &options)
        .await
        .map_err(|e| run_error(&e))?;
    Ok(to_js(&picked)?)
}

/// The site's object schemas, through the core's Assets client (its retries and paging).
/// Rejects with an `Error` saying what failed.
#[wasm_bindgen(js_name = listSchemas, unchecked_return_type = "Picked<ObjectSchema>")]
pub async fn list_schemas(
    host: SyncHostJs,
    #[wasm_bindgen(unchecked_param_type = "PickerOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    picker(host, options, async |h, o| assets::list_schemas(h, o).await).await
}

/// The object types of `options.schemaId`. Rejects with an `Error` saying what failed.
#[wasm_bindgen(js_name = listObjectTypes, unchecked_return_type = "Picked<ObjectType>")]
pub async fn list_object_types(
    host: SyncHostJs,
    #[wasm_bindgen(unchecked_param_type = "PickerOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    picker(host, options, async |h, o| {
        assets::list_object_types(h, o).await
    })
    .await
}

/// The attributes of `options.objectTypeId`, as Assets returns them. Rejects with an `Error`
/// saying what failed.
#[wasm_bindgen(js_name = listAttributes, unchecked_return_type = "Picked<ObjectTypeAttribute>")]
pub async fn list_attributes(
    host: SyncHostJs,
    #[wasm_bindgen(unchecked_param_type = "PickerOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    picker(host, options, async |h, o| {
        assets::list_attributes(h, o).await
    })
    .await
}

/// The names the hosts and the settings page use (collections, config keys, row options,
/// schedules, regions, run statuses and phases, the id rule, storage key prefixes, codes),
/// each defined once in the core.
#[wasm_bindgen(unchecked_return_type = "Vocabulary")]
pub fn vocabulary() -> Result<JsValue, JsError> {
    to_js(&tributary_sync::vocabulary())
}
