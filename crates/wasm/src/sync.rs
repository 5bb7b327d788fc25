//! Sync exports: `runSync` and `previewSync`, driving the Rust engine over a JS host object
//! that supplies HTTP (with credentials), storage, a clock, sleeping and logs.

use js_sys::{Array, Object, Promise, Reflect};
use serde::Serialize;
use tributary_sync::{HttpRequest, HttpResponse, LogLevel, RunOptions, SyncHost, TransportError};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::to_js;

#[wasm_bindgen(typescript_custom_section)]
const SYNC_TYPES: &str = r#"
/** A request from the engine. `path` is relative to the service's base URL: `/api/...` for
 *  JumpCloud; `/rest/...` or `/jsm/assets/workspace/{ws}/v1/...` for Jira. The host adds
 *  authentication (x-api-key / x-org-id, Basic or Forge app auth). */
export interface SyncHttpRequest {
  service: 'jumpcloud' | 'jira';
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body: string | null;
}

/** The host's answer. Header names in any case. Reject the promise on a transport failure
 *  (connection dropped, DNS, timeout): the engine retries those. */
export interface SyncHttpResponse {
  status: number;
  headers?: Record<string, string> | [string, string][];
  body?: string;
}

/** What the engine needs from its host. Every method may return a value or a promise.
 *  Give `request` (the host's own transport, e.g. Forge's) or `credentials` (the core then
 *  sends its requests itself with the global `fetch`, e.g. the CLI on Node 22). */
export interface SyncHost {
  request?(request: SyncHttpRequest): Promise<SyncHttpResponse>;
  credentials?: SyncCredentials;
  storageGet(key: string): Promise<string | null | undefined>;
  storageSet(key: string, json: string): Promise<void>;
  storageDelete(key: string): Promise<void>;
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

/** The options JSON of runSync / previewSync. */
export interface SyncOptions {
  importId: string;
  mappingText: string;
  workspaceId?: string;
  objectSchema?: string;
  objectType?: string;
  dryRun?: boolean;
  budgetMs?: number;
  runId?: string;
  resume?: boolean;
  concurrency?: number;
  leaseMs?: number;
}

export interface SyncChange { attribute: string; old: string[]; new: string[] }

export interface SyncPlan {
  creates: { key: string; changes: SyncChange[] }[];
  updates: { key: string; objectKey: string; changes: SyncChange[] }[];
  unchanged: number;
  missing: { key: string; objectKey: string; action: 'ignore' | 'mark' | 'delete' | 'guarded'; changes?: SyncChange[] }[];
}

/** The run report (also the run record kept in storage under tributary:run:{importId}:{runId}). */
export interface SyncReport {
  runId: string;
  importId: string;
  status: 'succeeded' | 'failed' | 'stopped' | 'continue' | 'busy';
  phase: 'config' | 'target' | 'readSource' | 'readAssets' | 'write' | 'done';
  progress: { done: number; total: number };
  counts: { source: number; created: number; updated: number; unchanged: number; marked: number;
            deleted: number; failed: number; missing: number; warnings: number };
  guard?: { reason: string };
  errors: { key: string; attribute?: string; message: string; level: 'error' | 'warning' }[];
  errorsOmitted: number;
  apiCalls: { jumpcloud: number; aql: number; create: number; update: number; delete: number;
              read: number; userSearch: number; retries: number };
  durationMs: number;
  startedAt: number;
  finishedAt?: number;
  invocations: number;
  message?: string;
  objectTypeId?: string;
  plan?: SyncPlan;
}

/** The options JSON of sampleSource. */
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
  apiCalls: SyncReport['apiCalls'];
}

/** The options JSON of runSyncAll: several imports run in dependency order. */
export interface SyncAllOptions {
  imports: SyncOptions[];
  runId?: string;
  resume?: boolean;
  dryRun?: boolean;
  budgetMs?: number;
}

export interface SyncAllReport {
  runId: string;
  status: 'succeeded' | 'failed' | 'stopped' | 'continue' | 'busy';
  /** Import ids in run order (imports whose references point at another's object type run after it). */
  order: string[];
  /** Reports of the imports run so far, in order; each import's runId is `${runId}-${importId}`. */
  imports: SyncReport[];
}
"#;

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
            body: field("body").as_string().unwrap_or_default(),
        })
    }

    async fn storage_get(&self, key: &str) -> Result<Option<String>, String> {
        let value = settle(self.0.js_storage_get(key))
            .await
            .map_err(|e| describe(&e))?;
        Ok(value.as_string())
    }

    async fn storage_set(&self, key: &str, json: &str) -> Result<(), String> {
        settle(self.0.js_storage_set(key, json))
            .await
            .map(|_| ())
            .map_err(|e| describe(&e))
    }

    async fn storage_delete(&self, key: &str) -> Result<(), String> {
        settle(self.0.js_storage_delete(key))
            .await
            .map(|_| ())
            .map_err(|e| describe(&e))
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

/// Reads an options JSON text; `what` names the options in the error (`sync`, `sample`).
fn parse_options<T: serde::de::DeserializeOwned>(
    options_json: &str,
    what: &str,
) -> Result<T, JsError> {
    serde_json::from_str(options_json)
        .map_err(|e| JsError::new(&format!("invalid {what} options JSON: {e}")))
}

/// Runs one import (or continues it with `resume: true` and its `runId`) and resolves to the
/// run report (`SyncReport`). A report with `status: 'continue'` asks the host to call again
/// (e.g. from a queue event) with `{...options, resume: true, runId: report.runId}`.
/// Throws only for invalid options JSON; every other problem is in the report.
#[wasm_bindgen(js_name = runSync)]
pub async fn run_sync(host: SyncHostJs, options_json: String) -> Result<JsValue, JsError> {
    let options: RunOptions = parse_options(&options_json, "sync")?;
    let report = tributary_sync::run(&JsHost(host), &options).await;
    to_js(&report)
}

/// Plans one import without writing or storing anything and resolves to the report with
/// `plan` (creates, updates with old → new per attribute, missing objects with their action).
/// `dryRun` is forced on; the budget does not apply.
#[wasm_bindgen(js_name = previewSync)]
pub async fn preview_sync(host: SyncHostJs, options_json: String) -> Result<JsValue, JsError> {
    let mut options: RunOptions = parse_options(&options_json, "sync")?;
    options.dry_run = true;
    let report = tributary_sync::run(&JsHost(host), &options).await;
    to_js(&report)
}

/// Runs several imports in dependency order (an import that references another import's object
/// type runs after it: users before devices) and resolves to `SyncAllReport`. With
/// `status: 'continue'`, call again with `{...options, resume: true, runId: report.runId}`.
/// Throws only for invalid options JSON.
#[wasm_bindgen(js_name = runSyncAll)]
pub async fn run_sync_all(host: SyncHostJs, options_json: String) -> Result<JsValue, JsError> {
    let options: tributary_sync::RunAllOptions = parse_options(&options_json, "sync")?;
    let report = tributary_sync::run_all(&JsHost(host), &options).await;
    to_js(&report)
}

/// Fetches a few raw JumpCloud records the way the mapping's import reads them (its
/// `config:api` and filters, every field) and resolves to `SampleReport`. Rejects with an
/// `Error` when the mapping has errors or JumpCloud cannot be read (the message says which).
#[wasm_bindgen(js_name = sampleSource)]
pub async fn sample_source(host: SyncHostJs, options_json: String) -> Result<JsValue, JsError> {
    let options: tributary_sync::SampleOptions = parse_options(&options_json, "sample")?;
    let report = tributary_sync::sample(&JsHost(host), &options)
        .await
        .map_err(|e| JsError::new(&e))?;
    to_js(&report)
}

/// Whether a scheduled-trigger tick at `nowMs` should start an import whose schedule is
/// `schedule` (`manual`, `hourly`, `daily` or `weekly`) and which the scheduler last started at
/// `lastStartedMs` (absent: never). Throws for an unknown schedule name.
#[wasm_bindgen(js_name = isScheduleDue)]
pub fn is_schedule_due(
    schedule: &str,
    last_started_ms: Option<f64>,
    now_ms: f64,
) -> Result<bool, JsError> {
    let schedule = tributary_sync::Schedule::parse(schedule).ok_or_else(|| {
        JsError::new(&format!(
            "unknown schedule '{schedule}': expected manual, hourly, daily or weekly"
        ))
    })?;
    Ok(schedule.is_due(last_started_ms, now_ms))
}
