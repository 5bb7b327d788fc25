//! Tributary's sync: a pure **planner** and an async **engine** that makes an Assets object
//! type reflect a JumpCloud collection, over a host interface ([`SyncHost`]) that supplies
//! HTTP (with authentication), storage, a clock, sleeping and logs. No JS types here: the wasm
//! crate binds the host to JavaScript (`runSync`, `previewSync`, `runSyncAll`, `sampleSource`).
//!
//! # Flow
//! 1. [`compile_mapping`] parses the mapping text (`tributary-mapping`) into an [`Import`]: an
//!    [`ImportSpec`] (collection, filters, fields, target, key, missing policy, guard) and a
//!    [`RecordTransform`] backed by `tributary-transform` ([`desired_from_values`] reduces its
//!    output to the planner's [`DesiredObject`]). A text with errors is a [`MappingError`].
//! 2. [`run`] / [`run_import`], one invocation: resolve the target once
//!    ([`engine::assets`]; the ids are kept in the run state for later invocations), read
//!    JumpCloud page by page ([`engine::jumpcloud`]), read the type's objects by AQL, resolve
//!    statuses, references and Jira users ([`policy`] resolves `config:missing`), [`plan()`],
//!    then write ([`engine`]'s `writes`). Requests go through [`client::Client`]: 429 waits
//!    its `Retry-After`, 5xx and transport errors back off, other 4xx are reported per record.
//! 3. Out of budget, the run state is stored ([`engine::store`]) and the report says
//!    `continue`; the host calls again with `resume: true` and the same `runId`. The write
//!    phase always re-reads Assets and re-plans, so a killed invocation is finished by the next
//!    one without duplicates.
//! 4. [`run_all`]: several imports in dependency order (groups → users → devices).
//!
//! A run-level failure is a [`RunError`], stored in the report as data ([`RunFailure`]: a
//! code from the diagnostic registry, E1xx, with the mapping's diagnostics when the mapping is
//! the cause). The options, report and storage shapes are documented once, in `docs/sync.md`;
//! the names hosts and the page need (statuses, phases, schedules, keys) come from
//! [`vocabulary()`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod adapter;
pub mod client;
pub mod engine;
pub mod error;
pub mod host;
pub mod model;
pub mod pace;
pub mod plan;
pub mod policy;
pub mod report;
pub mod schedule;
pub mod schema;
pub mod source;
pub mod vocabulary;

pub use adapter::{compile_mapping, desired_from_values};
pub use client::{ApiCalls, CallError, RetryPolicy};
pub use engine::{
    run, run_all, run_import, sample, RunAllOptions, RunAllReport, SampleOptions, SampleReport,
};
pub use error::{MappingError, RunError, RunFailure, StorageError};
pub use host::{
    block_on, join_all, HttpRequest, HttpResponse, LogLevel, Service, SyncHost, TransportError,
};
pub use model::{
    AttrDef, AttributeId, Desired, DesiredBuilder, DesiredEntries, DesiredLookup, DesiredObject,
    DesiredRef, ExistingObject, LookupBy, LookupRef, RecordProblem, ResolvedMissing, Values,
};
pub use plan::{plan, LookupTable, Plan, PlanInput};
pub use report::{Counts, Progress, RecordError, RunOptions, RunPhase, RunReport, RunStatus};
pub use schedule::{Frequency, Schedule, TimeZones, UtcOnly, Weekday};
pub use source::{Import, ImportSpec, RecordTransform, Target};
pub use vocabulary::{vocabulary, Vocabulary};
