//! Tributary's sync: a pure **planner** and an async **engine** that makes an Assets object
//! type reflect a JumpCloud collection, over a host interface ([`SyncHost`]) that supplies
//! HTTP (with authentication), storage, a clock, sleeping and logs. No JS types here: the wasm
//! crate binds the host to JavaScript (`runSync`, `previewSync`, `runSyncAll`, `sampleSource`).
//!
//! # Flow
//! 1. [`compile_mapping`] parses the mapping text (`tributary-mapping`) into an [`Import`]:
//!    an [`ImportSpec`] plus a [`RecordTransform`] backed by `tributary-transform`
//!    ([`desired_from_values`] is the adapter to the planner's [`DesiredObject`]).
//! 2. [`run`] / [`run_import`]: resolve the target (workspace via
//!    `/rest/servicedeskapi/assets/workspace` unless given; object type by id, or by name via
//!    `objectschema/list` + `objectschema/{id}/objecttypes/flat`; `objecttype/{id}/attributes`),
//!    read JumpCloud page by page (`limit ≤ 100`, `skip`, `sort=_id` on v1, `fields=` limited to
//!    what the mapping reads, `filter=` repeated for AND, `filter[or][i]=` for OR; v2 answers
//!    are bare arrays with `x-total-count`), read the type's objects by AQL
//!    (`objectTypeId = N`, `startAt`/`maxResults=500`, until `isLast`), resolve references to
//!    other types (AQL `objectTypeId = T AND "Attr" IN (...)`, 40 values a query, every value
//!    escaped with `aql_quote`) and Jira users (`/rest/api/3/user/search?query=<email>`,
//!    cached per import: found 7 days, not found 1 day), [`plan()`], then write: creates
//!    (referenced objects first, level by level), second-pass reference updates (cycles only),
//!    updates (changed attributes only), marks, deletes — `concurrency` at a time. A 429 is
//!    retried after its `Retry-After` (waited in full, at most 120 s a wait); 5xx and transport
//!    errors back off exponentially with jitter (0.5 s doubling, ≤ 30 s, 6 attempts); other
//!    4xx are never retried and are reported per record with Assets' `errorMessages`/`errors`.
//!    When a wait would outlast the invocation's budget, the invocation waits out what is left
//!    and hands over (`continue`): a rate-limit storm never fails a record. A create whose
//!    outcome is uncertain (5xx, dropped connection) is looked up by its key value before it
//!    is resent.
//! 3. When the time budget runs out the source read so far, the references resolved so far and
//!    the user cache are stored and
//!    the report says `continue`; the host calls again with `resume: true` and the same
//!    `runId`. The write phase always re-reads Assets and re-plans, so a killed invocation is
//!    finished by the next one without duplicates. Every invocation does at least one unit of
//!    work (a page, a batch of searches, a chunk of writes) before it checks the budget.
//! 4. [`run_all`]: several imports in dependency order (an import whose lookups point at
//!    another import's object type runs after it: groups → users → devices).
//!
//! [`sample`] fetches a few raw records the way an import reads them (no `fields=`): the
//! settings page's *Fetch Sample* and `tributary sample`. Its JSON: `{records: object[],
//! totalCount?, request, apiCalls}`.
//!
//! Group data: a `systemusers` (or `systems`) mapping that reads `memberof` gets each record's
//! direct user (system) group ids, built from `/api/v2/usergroups` (`systemgroups`) and each
//! group's `/members` — a few calls per group, not one per record. A `usergroups` /
//! `systemgroups` mapping that reads `members` gets each group's member ids.
//!
//! # Options JSON ([`RunOptions`])
//! `{importId, mappingText, workspaceId?, objectSchema?, objectType?, dryRun?, budgetMs?,
//!   runId?, resume?, concurrency?, leaseMs?, planLimit?}` — `importId` and `runId`: 1-100 of
//! `[A-Za-z0-9._-]`; `objectSchema`/`objectType` (name or id) override the mapping's
//! `config:`; `budgetMs` defaults to 50 000 (dry runs: unlimited unless given);
//! `concurrency` 4 (1-16); `leaseMs` 120 000 (how long the lease outlives the budget).
//! Multi-import ([`RunAllOptions`]): `{imports: RunOptions[], runId?, resume?, dryRun?,
//! budgetMs?}`; each import runs as `{runId}-{importId}`.
//!
//! # Report JSON ([`RunReport`], also the stored run record)
//! ```text
//! { runId, importId,
//!   status: "succeeded" | "failed" | "stopped" | "continue" | "busy",
//!   phase: "config" | "target" | "readSource" | "readAssets" | "write" | "done",
//!   progress: {done, total},        // records read while reading, writes while writing
//!   counts: {source, created, updated, unchanged, marked, deleted, failed, missing, warnings},
//!   guard?: {reason},
//!   errors: [{key, attribute?, message, level: "error" | "warning"}],   // ≤ 200, deduplicated
//!   errorsOmitted,
//!   apiCalls: {jumpcloud, aql, create, update, delete, read, userSearch, retries},
//!   durationMs, startedAt, finishedAt?, invocations, message?, objectTypeId?,
//!   plan?: { creates: [{key, changes: [{attribute, old: [], new: [..]}]}],
//!            updates: [{key, objectKey, changes: [{attribute, old: [..], new: [..]}]}],
//!            unchanged,
//!            missing: [{key, objectKey, action: "ignore"|"mark"|"delete"|"guarded", changes?}],
//!            omitted?: {creates, updates, missing} } }
//! ```
//! - `succeeded`: done; per-record failures (refused writes, duplicate or missing keys) are in
//!   `counts.failed` and `errors`, attribute-level problems (unresolved reference, unmatched
//!   Jira user, bad value) in `counts.warnings` and `errors`.
//! - `stopped`: done, but a guard withheld every mark/delete (`guard.reason` says why).
//! - `failed`: the run itself could not go on (`message`: bad mapping, unknown object type,
//!   service unreachable after retries, storage failure).
//! - `continue`: out of budget; call again with `resume: true` and `runId`. For dry runs: the
//!   preview did not finish within `budgetMs` (no plan; `message` says so).
//! - `busy`: another run of the import holds the lease; nothing was done.
//! - `plan` only on dry runs, where `counts.created/updated/marked/deleted` are planned numbers;
//!   a value written to a reference to an object the run would create shows as
//!   `(new object <key>)`.
//! - A stored record with `status: "continue"` is a run in progress.
//!
//! Multi-import report ([`RunAllReport`]): `{runId, status, order: [importId], imports:
//! [RunReport]}`.
//!
//! # Storage keys (values are JSON text, each < 240 KiB)
//! `tributary:lease:{importId}` (`{runId, expiresAt}`), `tributary:state:{importId}` and
//! `tributary:state:{importId}:source:{n}`, `tributary:state:{importId}:lookups:{n}` (an
//! unfinished run), `tributary:run:{importId}:{runId}`
//! (run record), `tributary:lastRun:{importId}` (latest run id, JSON string),
//! `tributary:userCache:{importId}` (`{chunks}`) and `tributary:userCache:{importId}:{n}`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod adapter;
pub mod client;
pub mod engine;
pub mod host;
pub mod model;
pub mod plan;
pub mod report;
pub mod schedule;
pub mod source;

pub use adapter::{compile_mapping, desired_from_values};
pub use client::{ApiCalls, CallError, RetryPolicy};
pub use engine::{
    run, run_all, run_import, sample, RunAllOptions, RunAllReport, SampleOptions, SampleReport,
};
pub use host::{
    block_on, join_all, HttpRequest, HttpResponse, LogLevel, Service, SyncHost, TransportError,
};
pub use model::{
    AttrDef, Desired, DesiredObject, ExistingObject, LookupBy, MissingAction, RecordProblem,
    RetireLimit,
};
pub use plan::{plan, LookupTable, Plan, PlanInput};
pub use report::{Counts, Progress, RecordError, RunOptions, RunReport, RunStatus};
pub use schedule::Schedule;
pub use source::{Import, ImportSpec, MissingSpec, RecordTransform, Target};
