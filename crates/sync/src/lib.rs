//! Tributary's sync: a pure **planner** and an async **engine** that makes an Assets object
//! type reflect a JumpCloud collection, over a host interface ([`SyncHost`]) that supplies
//! HTTP (with authentication), storage, a clock, sleeping and logs. No JS types here: the wasm
//! crate binds the host to JavaScript.
//!
//! # Flow
//! 1. [`compile_mapping`] parses the mapping text (`tributary-mapping`) into an [`Import`]:
//!    an [`ImportSpec`] plus a [`RecordTransform`] (backed by `tributary-transform`).
//! 2. [`run`] / [`run_import`]: resolve the target (workspace, schema, type, attributes), read
//!    JumpCloud page by page (`limit ≤ 100`, `skip`, `sort=_id`, `fields=`, filters), read the
//!    type's objects by AQL (`objectTypeId = N`, paged on `isLast`), resolve references (AQL
//!    `IN (...)` batches, values escaped with `aql_quote`) and Jira users
//!    (`/rest/api/3/user/search`), [`plan`], then write: creates (referenced objects first),
//!    second-pass reference updates (cycles only), updates (changed attributes only), marks,
//!    deletes — a few at a time, retried on 429 (`Retry-After`), 5xx and transport errors.
//! 3. When the time budget runs out the state is stored and the report says `continue`; the
//!    host calls again with `resume: true` and the same `runId`.
//!
//! # Options JSON ([`RunOptions`])
//! `{importId, mappingText, workspaceId?, objectSchema?, objectType?, dryRun?, budgetMs?,
//!   runId?, resume?, concurrency?, leaseMs?}`
//!
//! # Report JSON ([`RunReport`], also the stored run record)
//! ```text
//! { runId, importId,
//!   status: "succeeded" | "failed" | "stopped" | "continue" | "busy",
//!   phase: "config" | "target" | "readSource" | "readAssets" | "write" | "done",
//!   progress: {done, total},
//!   counts: {source, created, updated, unchanged, marked, deleted, failed, missing, warnings},
//!   guard?: {reason},
//!   errors: [{key, attribute?, message, level: "error" | "warning"}],   // ≤ 200
//!   errorsOmitted, apiCalls: {jumpcloud, aql, create, update, delete, read, userSearch, retries},
//!   durationMs, startedAt, finishedAt?, invocations, message?, objectTypeId?,
//!   plan?: { creates: [{key, changes: [{attribute, old: [], new: [..]}]}],
//!            updates: [{key, objectKey, changes: [{attribute, old: [..], new: [..]}]}],
//!            unchanged,
//!            missing: [{key, objectKey, action: "ignore"|"mark"|"delete"|"guarded", changes?}] } }
//! ```
//! `plan` is present on dry runs only; there `counts.created/updated/marked/deleted` are the
//! planned numbers. `stopped` = finished but a guard withheld retirements; `failed` = the run
//! itself could not go on (`message` says why); per-record failures leave the status
//! `succeeded` and show in `counts.failed` and `errors`. `busy` = another run holds the lease.
//!
//! # Storage keys (values are JSON text, each < 240 KiB)
//! `tributary:lease:{importId}`, `tributary:state:{importId}`,
//! `tributary:state:{importId}:source:{n}`, `tributary:run:{importId}:{runId}` (run record),
//! `tributary:lastRun:{importId}` (latest run id).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod adapter;
pub mod client;
pub mod engine;
pub mod host;
pub mod model;
pub mod plan;
pub mod report;
pub mod source;

pub use adapter::{compile_mapping, desired_from_values};
pub use client::{ApiCalls, CallError, RetryPolicy};
pub use engine::{run, run_import};
pub use host::{block_on, join_all, HttpRequest, HttpResponse, LogLevel, Service, SyncHost, TransportError};
pub use model::{AttrDef, Desired, DesiredObject, ExistingObject, LookupBy, MissingAction, RecordProblem, RetireLimit};
pub use plan::{plan, LookupTable, Plan, PlanInput};
pub use report::{Counts, Progress, RecordError, RunOptions, RunReport, RunStatus};
pub use source::{Import, ImportSpec, MissingSpec, RecordTransform, SourceApi, Target};
