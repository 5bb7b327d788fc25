//! The engine: reads JumpCloud and Assets through a [`SyncHost`], plans, writes, and keeps a
//! resumable run in storage.
//!
//! One invocation does as much as its time budget allows. The source is read page by page and
//! kept as compact [`DesiredObject`]s (stored in chunks between invocations); the write phase
//! always starts from a fresh read of Assets and a fresh plan, so an invocation that was killed
//! at any point (even between a create and the state save) is finished by the next one without
//! duplicates: the created object is found by its key value and is simply no longer planned.
//!
//! The seams: [`store`] (keys, lease, state, record, caches), [`assets`] (the typed Assets
//! client), [`jumpcloud`] (paging), [`lookups`] (references, statuses, Jira users),
//! [`writes`] (creates, updates, marks, deletes); this module is the run loop.

pub mod assets;
mod chunks;
mod create_missing;
pub mod jumpcloud;
mod labels;
mod lookups;
mod pending;
pub mod results;
pub mod schema;
pub mod storage;
pub mod store;
mod writes;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::client::{CallError, Client, RetryPolicy};
use crate::error::{RunError, StorageError};
use crate::host::{LogLevel, SyncHost};
use crate::model::{AttrDef, DesiredObject, ExistingObject};
use crate::plan::{plan, Level, LookupTable, Plan, PlanInput, RetireAction};
use crate::report::{
    Guard, PlanView, Progress, RecordError, RunOptions, RunPhase, RunReport, RunStatus,
};
use crate::source::{Import, ImportSpec, RecordTransform, Target};

use assets::{is_id, Assets};
use storage::StorePacing;
use store::{valid_id, ResolvedIds, RunState, RunStore, SliceClaim, Stage};

pub use jumpcloud::{sample, SampleOptions, SampleReport};

/// Default invocation budget.
pub const DEFAULT_BUDGET_MS: f64 = 50_000.0;
/// Default parallel requests of JumpCloud relation reads and Jira user searches (writes: see
/// `writes::MOST_WRITES_IN_FLIGHT`).
pub const DEFAULT_CONCURRENCY: usize = 4;
/// How often a working slice stores its run record, so the page and the CLI show progress
/// (phase, done / total, counts so far) while it goes, not only between slices.
pub const PROGRESS_SAVE_MS: f64 = 3_000.0;
/// How long a lease outlives the invocation's budget by default.
pub const DEFAULT_LEASE_MS: f64 = 120_000.0;
/// Time kept after the budget for storing the run state (a few chunks and the record).
pub const STATE_SAVE_MS: f64 = 15_000.0;
/// When a queue event whose run the store could not claim is delivered again.
pub const STORE_RETRY_MS: f64 = 30_000.0;
/// How many invocations may be stopped one after another running the same slice of a run
/// before the next one fails the run instead of trying it again.
pub const MAX_SLICE_STOPS: u32 = 3;
/// What a first plan's per-record results are expected to take to store, per byte of the
/// source records' JSON (measured 1.2 for a directory's users: each value with its attribute's
/// name), with room to spare.
const RESULTS_PER_SOURCE_BYTE: f64 = 1.5;

/// Why an invocation stopped early.
enum Stop {
    /// The budget ran out.
    Budget,
    /// A run-level failure.
    Fail(RunError),
}

impl From<RunError> for Stop {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Service {
                error: CallError::OutOfTime(_),
                ..
            } => Stop::Budget,
            other => Stop::Fail(other),
        }
    }
}

/// Runs (or continues, or previews) one import given by its mapping text.
pub async fn run<H: SyncHost>(host: &H, options: &RunOptions) -> RunReport {
    run_compiled(
        host,
        options,
        crate::compile_mapping(&options.mapping_text).map_err(RunError::from),
        None,
    )
    .await
}

/// Runs (or continues, or previews) one compiled import.
pub async fn run_import<H: SyncHost>(host: &H, options: &RunOptions, import: Import) -> RunReport {
    run_compiled(host, options, Ok(import), None).await
}

/// The run id of an invocation: the given one, else one made from the start time.
fn run_id_of(options: &RunOptions, started: f64, prefix: char) -> String {
    options
        .run_id
        .clone()
        .unwrap_or_else(|| format!("{prefix}{}", started as u64))
}

/// The budget of an invocation the host stops at `deadline_ms`, starting at `now`: what is
/// left, less room for one request that runs into its timeout (the budget is only checked
/// between requests) and for storing the state. The margin takes at most a quarter of the
/// time left, so that a short invocation still moves the run on.
pub fn budget_before(deadline_ms: f64, now: f64) -> f64 {
    let left = deadline_ms - now;
    let margin = (RetryPolicy::default().timeout_ms + STATE_SAVE_MS).min(left / 4.0);
    (left - margin).max(1.0)
}

/// The invocation's budget: the one given, else the one its deadline leaves, else the default.
fn budget_of(budget_ms: Option<f64>, deadline_ms: Option<f64>, now: f64) -> f64 {
    budget_ms
        .filter(|b| *b > 0.0)
        .or_else(|| deadline_ms.map(|d| budget_before(d, now)))
        .unwrap_or(DEFAULT_BUDGET_MS)
}

/// The run id of one import of batch run `batch`.
fn batch_run_id(batch: &str, import_id: &str) -> String {
    format!("{batch}-{import_id}")
}

/// How a run's storage calls wait: by Forge KVS's quota unless `storagePerMinute` says
/// otherwise (0: not at all).
fn store_pacing(options: &RunOptions) -> StorePacing {
    match options.storage_per_minute {
        Some(per_minute) if per_minute > 0.0 => StorePacing::Quota { per_minute },
        Some(_) => StorePacing::Unpaced,
        None => StorePacing::default(),
    }
}

/// A client whose jitter is reproducible per run.
fn client_for<'h, H: SyncHost>(host: &'h H, run_id: &str) -> Client<'h, H> {
    let seed = run_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    Client::new(host, RetryPolicy::default(), seed)
}

/// Runs a compiled import (or reports why it cannot run), with its target when the caller
/// resolved it already.
async fn run_compiled<H: SyncHost>(
    host: &H,
    options: &RunOptions,
    compiled: Result<Import, RunError>,
    prepared: Option<(Client<'_, H>, Option<KnownTarget>)>,
) -> RunReport {
    let started = host.now_ms();
    let run_id = run_id_of(options, started, 'r');
    let mut report = RunReport::new(&run_id, &options.import_id, started);
    report.invocations = 1;
    report.dry_run = options.dry_run;
    let ids_valid = valid_id(&options.import_id) && valid_id(&run_id);
    let import = match compiled {
        Ok(import) => import,
        Err(error) => {
            report.fail(&error, host.now_ms());
            if ids_valid && !options.dry_run {
                // The run history must say why a scheduled run never started. No lease: this
                // writes only its own record, under its own run id.
                let store = RunStore::new(host, &options.import_id, &run_id);
                let _ = store.save_record(&report).await;
            }
            return report;
        }
    };
    for (name, what, value) in [
        (
            "jumpcloudPerMinute",
            "requests",
            options.jumpcloud_per_minute,
        ),
        ("storagePerMinute", "units", options.storage_per_minute),
    ] {
        if let Some(per_minute) = value.filter(|v| !(v.is_finite() && *v >= 0.0)) {
            let error = RunError::InvalidOptions(format!(
                "{name} must be 0 (no limit) or a number of {what} a minute above 0; got {per_minute}"
            ));
            report.fail(&error, host.now_ms());
            return report;
        }
    }
    for (what, id) in [("importId", &options.import_id), ("runId", &run_id)] {
        if !valid_id(id) {
            let error = RunError::InvalidOptions(format!(
                "{what} {id:?} must be 1-{} characters of A-Z a-z 0-9 {}",
                store::MAX_ID_LEN,
                store::ID_PUNCTUATION
                    .chars()
                    .map(String::from)
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
            report.fail(&error, host.now_ms());
            return report;
        }
    }
    let (client, target) = prepared.unwrap_or_else(|| (client_for(host, &run_id), None));
    let engine = Engine::new(host, &client, options, &import, run_id, started);
    if !options.dry_run {
        let busy = |mut report: RunReport, message: String| {
            report.status = RunStatus::Busy;
            report.message = Some(message);
            report
        };
        if options.resume {
            // A repeated call of a finished run answers with its record and does nothing; a
            // queue event of it is stale.
            if let Some(done) = engine.store.record().await {
                if done.finished_at.is_some() {
                    if options.slice.is_none() {
                        return done;
                    }
                    let mut report = busy(report, format!(
                        "the queue event of slice {} of run {} is stale (the run is over); it was dropped and did nothing",
                        options.slice.unwrap_or_default(),
                        engine.run_id
                    ));
                    report.stale = true;
                    return report;
                }
            }
        }
        // The store failed before anything started: a queue event is delivered again (nothing
        // was done, so a later copy may well succeed); a direct call fails.
        let unclaimed = |mut report: RunReport, e: StorageError| {
            if options.slice.is_some() {
                report.status = RunStatus::Busy;
                report.redeliver = true;
                report.retry_after_ms = Some(STORE_RETRY_MS);
                report.message = Some(format!(
                    "the run could not be claimed ({e}); nothing was done, deliver this event again later"
                ));
            } else {
                report.fail(&RunError::Storage(e), host.now_ms());
            }
            report
        };
        let run = &engine.run_id;
        if let Some(slice) = options.slice {
            if let Some(why) = engine.stale_slice(slice).await {
                let mut report = busy(report, format!(
                    "the queue event of slice {slice} of run {run} is stale ({why}); it was dropped and did nothing"
                ));
                report.stale = true;
                return report;
            }
            let until = options.deadline_ms.unwrap_or_else(|| engine.lease_until());
            match engine.store.claim_slice(slice, until).await {
                Ok(SliceClaim::Claimed) => {}
                Ok(SliceClaim::TakenOver { stopped }) => engine.stopped_before.set(stopped),
                Ok(SliceClaim::Done) => {
                    let mut report = busy(report, format!(
                        "slice {slice} of run {run} already ran; this copy of the queue event did nothing"
                    ));
                    report.stale = true;
                    return report;
                }
                Ok(SliceClaim::Running { until }) => {
                    let mut report = busy(report, format!(
                        "slice {slice} of run {run} is running in another invocation; deliver this event again later"
                    ));
                    report.redeliver = true;
                    report.retry_after_ms = Some((until - host.now_ms()).max(0.0));
                    return report;
                }
                Err(e) => return unclaimed(report, e),
            }
        }
        match engine.store.acquire_lease(engine.lease_until()).await {
            Ok(true) => {}
            Ok(false) => {
                // A trigger that could not start shows in the run history too (a continuation
                // keeps the record of what its run did), and its queue event is answered: a
                // copy of it later does not start the run after all.
                let mut report = busy(
                    report,
                    format!(
                        "another run of import {} is in progress; this trigger did nothing",
                        options.import_id
                    ),
                );
                report.finished_at = Some(host.now_ms());
                if !options.resume {
                    let _ = engine.store.save_record(&report).await;
                }
                engine.finish_slice().await;
                return report;
            }
            Err(e) => return unclaimed(report, e),
        }
        if let Some(report) = engine.handed_over().await {
            return report;
        }
    }
    engine.go(target).await
}

/// Options of a multi-import run: the imports (each as for [`run`]) and what they share.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RunAllOptions {
    /// The imports, in any order (they are run in dependency order).
    pub imports: Vec<RunOptions>,
    /// The batch run id (each import runs as `{runId}-{importId}`); made when absent.
    pub run_id: Option<String>,
    /// Continue the batch `runId`.
    pub resume: bool,
    /// Plan only.
    pub dry_run: bool,
    /// Time this invocation may use, shared by the imports (default: as for [`run`]).
    pub budget_ms: Option<f64>,
    /// The batch's queue slice, claimed by each import it reaches (see [`RunOptions::slice`]).
    pub slice: Option<u64>,
    /// When the host stops this invocation (see [`RunOptions::deadline_ms`]).
    pub deadline_ms: Option<f64>,
}

/// The report of a multi-import run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunAllReport {
    /// The batch run id.
    pub run_id: String,
    /// `continue` while an import is unfinished; else the worst of the imports' statuses
    /// (ranked as in [`RunStatus::ALL`]: `failed` > `stopped` > `partial` > `busy` >
    /// `succeeded`).
    pub status: RunStatus,
    /// Import ids in the order they run (referenced object types first).
    pub order: Vec<String>,
    /// The reports of the imports run so far, in that order.
    pub imports: Vec<RunReport>,
    /// Imports given [`RunOptions::only_as_dependency`] that no import of the batch needed
    /// (nothing run for them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_needed: Vec<String>,
}

/// A target resolved before the run: `(workspace id, target)`.
type KnownTarget = (String, Target);

/// One import of a batch, prepared: options, compiled mapping (or why not), its client and
/// the target resolved for the ordering (reused by the run, never resolved twice).
struct Prepared<'h, H: SyncHost> {
    options: RunOptions,
    import: Result<Import, RunError>,
    client: Client<'h, H>,
    target: Option<KnownTarget>,
    /// The record of an import finished in an earlier invocation of the batch.
    finished: Option<RunReport>,
}

/// Runs several imports in dependency order: an import whose references point at another
/// import's object type runs after it (users before the devices that name their owners).
/// Cycles keep the given order. Stops at the first import that needs another invocation.
pub async fn run_all<H: SyncHost>(host: &H, options: &RunAllOptions) -> RunAllReport {
    let started = host.now_ms();
    let run_id = run_id_of(
        &RunOptions {
            run_id: options.run_id.clone(),
            ..RunOptions::default()
        },
        started,
        'b',
    );
    let mut prepared: Vec<Prepared<'_, H>> = Vec::new();
    // A JumpCloud graph route two imports read is called once in this invocation.
    let graph = crate::client::GraphCache::default();
    // One schedule for the quotas too: they are the API key's, and Forge counts an
    // invocation's external requests, whichever import sends them.
    let pacer = crate::client::SharedPacer::default();
    for o in &options.imports {
        let opts = RunOptions {
            run_id: Some(batch_run_id(&run_id, &o.import_id)),
            resume: options.resume,
            dry_run: options.dry_run,
            slice: options.slice,
            deadline_ms: options.deadline_ms,
            ..o.clone()
        };
        let import = crate::compile_mapping(&o.mapping_text).map_err(RunError::from);
        let import_run = opts.run_id.clone().unwrap_or_default();
        let client = client_for(host, &import_run)
            .sharing_graph(&graph)
            .sharing_pacer(&pacer);
        let store = RunStore::new(host, &opts.import_id, &import_run);
        // An import this batch run already finished only answers with its record.
        let finished = if opts.resume && valid_id(&opts.import_id) {
            store.record().await.filter(|r| r.finished_at.is_some())
        } else {
            None
        };
        // A failed resolution just orders nothing: the import's own run reports why.
        let target = match &import {
            Ok(import) if valid_id(&opts.import_id) && finished.is_none() => {
                let known = if opts.resume {
                    store
                        .load_json::<RunState>(&store::keys::state(&opts.import_id))
                        .await
                        .filter(|s| s.run_id == import_run)
                        .and_then(|s| s.target)
                } else {
                    None
                };
                let assets = Assets::new(&client, opts.workspace_id.as_deref());
                match resolve_target(&assets, &opts, &import.spec, known.as_ref()).await {
                    Ok(target) => match assets.connect().await {
                        Ok(workspace) => Some((workspace, target)),
                        Err(_) => None,
                    },
                    Err(_) => None,
                }
            }
            _ => None,
        };
        prepared.push(Prepared {
            options: opts,
            import,
            client,
            target,
            finished,
        });
    }
    let targets: Vec<Option<String>> = prepared
        .iter()
        .map(|p| p.target.as_ref().map(|(_, t)| t.object_type_id.clone()))
        .collect();
    let references: Vec<BTreeSet<String>> = prepared
        .iter()
        .map(|p| match (&p.import, &p.target) {
            (Ok(import), Some((_, target))) => import
                .spec
                .reference_attributes
                .iter()
                .filter_map(|name| target.attribute(name).and_then(|a| a.reference_target()))
                .map(str::to_string)
                .collect(),
            _ => BTreeSet::new(),
        })
        .collect();
    let optional: Vec<bool> = prepared
        .iter()
        .map(|p| p.options.only_as_dependency)
        .collect();
    let needed = needed_imports(&targets, &references, &optional);
    // Finished imports ran first; the rest keep their dependency order.
    let (mut order, rest): (Vec<usize>, Vec<usize>) = dependency_order(&targets, &references)
        .into_iter()
        .filter(|&i| needed[i])
        .partition(|&i| prepared[i].finished.is_some());
    order.extend(rest);
    let mut report = RunAllReport {
        run_id,
        status: RunStatus::Succeeded,
        order: order
            .iter()
            .map(|&i| prepared[i].options.import_id.clone())
            .collect(),
        imports: Vec::new(),
        not_needed: (0..prepared.len())
            .filter(|&i| !needed[i])
            .map(|i| prepared[i].options.import_id.clone())
            .collect(),
    };
    let budget = budget_of(options.budget_ms, options.deadline_ms, started);
    let mut slots: Vec<Option<Prepared<'_, H>>> = prepared.into_iter().map(Some).collect();
    for index in order {
        let Prepared {
            mut options,
            import,
            client,
            target,
            finished,
        } = slots[index].take().expect("each import runs once");
        if let Some(done) = finished {
            report.status = worse(report.status, done.status);
            report.imports.push(done);
            continue;
        }
        // What is left of the shared budget (at least a little, so every import moves on).
        options.budget_ms = Some((budget - (host.now_ms() - started)).max(1.0));
        let one = run_compiled(host, &options, import, Some((client, target))).await;
        let status = one.status;
        // A stale or duplicated batch event stops at the first import that says so: the
        // imports after it belong to the invocation that runs (or ran) this slice.
        let refused = one.stale || one.redeliver;
        report.imports.push(one);
        if refused {
            report.status = RunStatus::Busy;
            return report;
        }
        if status == RunStatus::Continue {
            report.status = RunStatus::Continue;
            return report;
        }
        report.status = worse(report.status, status);
    }
    report
}

/// The worse of two statuses: a batch is as bad as its worst import.
fn worse(a: RunStatus, b: RunStatus) -> RunStatus {
    if b.rank() > a.rank() {
        b
    } else {
        a
    }
}

/// A queue slice a host has handed over: the next slice's event is queued, so later copies of
/// this slice's event do nothing. `importIds` (a batch) or `importId` (one import).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FinishedSlice {
    /// The import of a single-import run.
    pub import_id: Option<String>,
    /// The imports of a batch run.
    pub import_ids: Vec<String>,
    /// The run id (of the batch, for a batch).
    pub run_id: String,
    /// The slice that continued.
    pub slice: u64,
}

/// Marks a continuing slice finished once the host has queued the next one. Until then a
/// copy of its event, after the invocation's deadline, takes the slice over and (finding its
/// work stored) only asks for the next slice again: an invocation stopped between storing its
/// state and queuing the next event never stalls its run.
pub async fn finish_slice<H: SyncHost>(host: &H, done: &FinishedSlice) -> Result<(), RunError> {
    let runs: Vec<(String, String)> = match &done.import_id {
        Some(import_id) => vec![(import_id.clone(), done.run_id.clone())],
        None => done
            .import_ids
            .iter()
            .map(|i| (i.clone(), batch_run_id(&done.run_id, i)))
            .collect(),
    };
    for (import_id, run_id) in &runs {
        if !valid_id(import_id) || !valid_id(run_id) {
            return Err(RunError::InvalidOptions(format!(
                "finishSlice: import {import_id:?} / run {run_id:?} is not a valid id"
            )));
        }
        RunStore::new(host, import_id, run_id)
            .finish_slice(done.slice)
            .await
            .map_err(RunError::Storage)?;
    }
    Ok(())
}

/// Whether import `i` references import `j`'s object type.
fn depends_on(
    targets: &[Option<String>],
    references: &[BTreeSet<String>],
    i: usize,
    j: usize,
) -> bool {
    i != j
        && targets[j]
            .as_ref()
            .is_some_and(|t| references[i].contains(t))
}

/// Which imports a batch runs: every import not marked `optional`, and each optional one that
/// an import it runs references (directly or through another optional one).
fn needed_imports(
    targets: &[Option<String>],
    references: &[BTreeSet<String>],
    optional: &[bool],
) -> Vec<bool> {
    let mut needed: Vec<bool> = optional.iter().map(|o| !o).collect();
    loop {
        let newly = (0..needed.len()).find(|&j| {
            !needed[j]
                && (0..needed.len()).any(|i| needed[i] && depends_on(targets, references, i, j))
        });
        match newly {
            Some(j) => needed[j] = true,
            None => return needed,
        }
    }
}

/// When the import's objects were last refreshed (its last `succeeded` or `partial` run
/// finished), if ever: what tells a scheduled tick that a dependency is stale.
pub async fn last_refreshed<H: SyncHost>(
    host: &H,
    import_id: &str,
) -> Result<Option<f64>, RunError> {
    if !valid_id(import_id) {
        return Err(RunError::InvalidOptions(format!(
            "lastRefreshedAt: import {import_id:?} is not a valid id"
        )));
    }
    let text = host
        .storage_get(&store::keys::refreshed(import_id))
        .await
        .map_err(RunError::Storage)?;
    Ok(text.and_then(|t| t.trim().parse::<f64>().ok()))
}

/// What [`cancel_run`] answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelAnswer {
    /// Whether the run will stop (at its next unit of work, or before it starts when queued).
    pub cancelled: bool,
    /// A finished run's status (nothing to cancel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RunStatus>,
}

/// Asks a run to stop: it ends `cancelled` at its next unit of work (a page, a batch of
/// writes), within seconds, keeping what it wrote; a run still queued ends before it starts.
/// A finished run answers its status and is left as it is.
pub async fn cancel_run<H: SyncHost>(
    host: &H,
    import_id: &str,
    run_id: &str,
) -> Result<CancelAnswer, RunError> {
    if !valid_id(import_id) || !valid_id(run_id) {
        return Err(RunError::InvalidOptions(format!(
            "cancelRun: import {import_id:?} / run {run_id:?} is not a valid id"
        )));
    }
    let store = RunStore::new(host, import_id, run_id);
    if let Some(done) = store.record().await.filter(|r| r.finished_at.is_some()) {
        return Ok(CancelAnswer {
            cancelled: false,
            status: Some(done.status),
        });
    }
    host.storage_set_expiring(
        &store::keys::cancel(import_id, run_id),
        "true",
        store::SLICE_CLAIM_TTL_MS,
    )
    .await
    .map_err(RunError::Storage)?;
    Ok(CancelAnswer {
        cancelled: true,
        status: None,
    })
}

/// Kahn's order over imports: `i` after `j` when `i` references `j`'s object type.
fn dependency_order(targets: &[Option<String>], references: &[BTreeSet<String>]) -> Vec<usize> {
    let depends = |i: usize, j: usize| depends_on(targets, references, i, j);
    let mut remaining: Vec<usize> = (0..targets.len()).collect();
    let mut order = Vec::new();
    while !remaining.is_empty() {
        let ready = remaining
            .iter()
            .position(|&i| !remaining.iter().any(|&j| depends(i, j)))
            .unwrap_or(0);
        order.push(remaining.remove(ready));
    }
    order
}

/// Resolves an import's target: the workspace, the object type (by id, by name in a schema,
/// or from the ids an earlier invocation of the run stored), its attributes and key.
async fn resolve_target<H: SyncHost>(
    assets: &Assets<'_, '_, H>,
    options: &RunOptions,
    spec: &ImportSpec,
    known: Option<&ResolvedIds>,
) -> Result<Target, RunError> {
    let type_ref = options
        .object_type
        .clone()
        .or_else(|| spec.object_type.clone())
        .ok_or(RunError::NoTargetType)?;
    let (type_id, schema_id) = match known {
        Some(ids) => {
            assets.set_workspace(&ids.workspace_id);
            (ids.object_type_id.clone(), ids.object_schema_id.clone())
        }
        None => {
            assets.connect().await?;
            if is_id(&type_ref) {
                let object_type = assets.object_type(&type_ref).await?;
                (type_ref.clone(), object_type.object_schema_id)
            } else {
                let schema_ref = options
                    .object_schema
                    .clone()
                    .or_else(|| spec.object_schema.clone());
                assets.find_type(&type_ref, schema_ref.as_deref()).await?
            }
        }
    };
    let attributes = match known {
        Some(ids) if !ids.attributes.is_empty() => ids.attributes.clone(),
        _ => assets.attributes(&type_id).await?,
    };
    let key_index = attributes
        .iter()
        .position(|a| a.name.eq_ignore_ascii_case(spec.key_attribute.trim()))
        .ok_or_else(|| RunError::NoKeyAttribute {
            object_type: type_ref.clone(),
            attribute: spec.key_attribute.clone(),
        })?;
    Ok(Target {
        object_type_id: type_id,
        object_schema_id: schema_id,
        attributes,
        key_index,
    })
}

/// One invocation of one import's run.
pub(crate) struct Engine<'a, H: SyncHost> {
    host: &'a H,
    client: &'a Client<'a, H>,
    assets: Assets<'a, 'a, H>,
    store: RunStore<'a, H>,
    options: &'a RunOptions,
    spec: &'a ImportSpec,
    transform: &'a dyn RecordTransform,
    run_id: String,
    started: f64,
    budget_ms: f64,
    concurrency: usize,
    /// Created in this run: source key → (object id, object key); what this invocation
    /// created, and what the writes it continues refer to.
    created: RefCell<pending::CreatedObjects>,
    /// The writes this invocation sent (or gave up on).
    written: RefCell<pending::Written>,
    /// What an earlier slice left of the run's plan, when this slice carries on with it.
    resumed_plan: RefCell<Option<Vec<pending::PendingWrite>>>,
    /// Whether this slice stored what is left of the plan it wrote from (its budget ran out).
    left_saved: Cell<bool>,
    /// Jira user searches (kept across invocations and runs): email → (accountId, when checked).
    users: RefCell<BTreeMap<String, (Option<String>, f64)>>,
    /// Whether `users` gained entries since it was loaded (the cache is only rewritten then).
    users_changed: Cell<bool>,
    /// References to other object types resolved in this run (empty = not found); kept
    /// across invocations so a continuation does not query them again.
    found: RefCell<LookupTable>,
    /// Whether this invocation has done a unit of work yet.
    progressed: Cell<bool>,
    /// How many invocations, one after another, were stopped running this invocation's slice
    /// before they finished (it took the slice over from the last of them); 0 for most.
    stopped_before: Cell<u32>,
    /// An admin asked to cancel the run: it stops at the next unit of work.
    cancelled: Cell<bool>,
    /// When the run record was last stored by [`Engine::report_progress`].
    progress_saved_at: Cell<f64>,
    /// Bytes of the source records read in this slice and not stored yet.
    unstored_source_bytes: Cell<usize>,
    /// The plan being written, as stored if the slice stopped before its first write: (bytes,
    /// writes).
    plan_stored_size: Cell<(usize, usize)>,
}

impl<'a, H: SyncHost> Engine<'a, H> {
    fn new(
        host: &'a H,
        client: &'a Client<'a, H>,
        options: &'a RunOptions,
        import: &'a Import,
        run_id: String,
        started: f64,
    ) -> Self {
        let budget_ms = budget_of(options.budget_ms, options.deadline_ms, started);
        // Dry runs have no state to continue from: no deadline unless a budget was asked for.
        if !options.dry_run || options.budget_ms.is_some() {
            client.set_deadline(started + budget_ms);
        }
        client.limit_by(options);
        Engine {
            host,
            client,
            assets: Assets::new(client, options.workspace_id.as_deref()),
            store: if options.dry_run {
                RunStore::for_preview(host, &options.import_id, &run_id, store_pacing(options))
            } else {
                RunStore::paced(host, &options.import_id, &run_id, store_pacing(options))
            },
            options,
            spec: &import.spec,
            transform: import.transform.as_ref(),
            run_id,
            started,
            budget_ms,
            concurrency: options
                .concurrency
                .unwrap_or(DEFAULT_CONCURRENCY)
                .clamp(1, 16),
            created: RefCell::new(BTreeMap::new()),
            written: RefCell::new(pending::Written::new()),
            resumed_plan: RefCell::new(None),
            left_saved: Cell::new(false),
            users: RefCell::new(BTreeMap::new()),
            users_changed: Cell::new(false),
            found: RefCell::new(LookupTable::default()),
            progressed: Cell::new(false),
            stopped_before: Cell::new(0),
            progress_saved_at: Cell::new(started),
            cancelled: Cell::new(false),
            unstored_source_bytes: Cell::new(0),
            plan_stored_size: Cell::new((0, 0)),
        }
    }

    /// Whether what a stopping slice stores is sized up: only for a real run on a paced store.
    fn sizes_its_state(&self) -> bool {
        !self.options.dry_run && self.store.storage().write_units_per_minute().is_some()
    }

    /// Counts a source record read in this slice towards what a stop would store.
    fn read_record(&self, record: &DesiredObject) {
        if self.sizes_its_state() {
            let bytes = storage::json_len(record);
            self.unstored_source_bytes
                .set(self.unstored_source_bytes.get() + bytes);
        }
    }

    /// Learns from `records` how small their chunks are stored, unless that is known: the
    /// estimates of what storing takes count what is stored, not its JSON.
    fn sample_stored_share(&self, records: &[DesiredObject]) {
        if self.sizes_its_state() {
            chunks::sample(self.store.storage(), records.iter());
        }
    }

    /// How long storing what this slice would leave takes at the store's pace: the source
    /// records it read and what is left of the plan it writes (the rest of the state is
    /// small: [`STATE_SAVE_MS`] covers it). Estimated from the records' and the plan's JSON
    /// sizes and the share of that their chunks take stored.
    fn state_save_ms(&self) -> f64 {
        let (plan_bytes, plan_writes) = self.plan_stored_size.get();
        let written = self.written.try_borrow().map(|w| w.len()).unwrap_or(0);
        let plan_left = if plan_writes == 0 {
            0.0
        } else {
            plan_bytes as f64 * plan_writes.saturating_sub(written) as f64 / plan_writes as f64
        };
        self.storing_ms(self.unstored_source_bytes.get() as f64 + plan_left)
    }

    /// How long storing lists of `json_bytes` of JSON takes at the store's pace (0 unpaced):
    /// they are stored in chunks a share of that size ([`chunks`]).
    fn storing_ms(&self, json_bytes: f64) -> f64 {
        let storage = self.store.storage();
        match storage.write_units_per_minute() {
            Some(per_minute) => {
                json_bytes * storage.stored_share() / storage::STORE_UNIT_BYTES as f64 / per_minute
                    * 60_000.0
            }
            None => 0.0,
        }
    }

    fn import_id(&self) -> &str {
        &self.options.import_id
    }

    /// When this invocation's lease ends.
    fn lease_until(&self) -> f64 {
        self.host.now_ms() + self.budget_ms + self.options.lease_ms.unwrap_or(DEFAULT_LEASE_MS)
    }

    /// Whether the invocation should stop. Never before one unit of work (a page, a batch of
    /// user searches, a chunk of writes) is done, so every invocation moves the run forward
    /// even when the fixed reads alone take longer than the budget.
    fn over_budget(&self) -> bool {
        self.over_budget_before(0.0)
    }

    /// [`Self::over_budget`] for a step that takes `step_ms` and cannot stop midway.
    fn over_budget_before(&self, step_ms: f64) -> bool {
        // Dry runs have no state to continue from: they stop only when a budget was asked for.
        if self.cancelled.get() {
            return true;
        }
        let budgeted = !self.options.dry_run || self.options.budget_ms.is_some();
        budgeted
            && self.progressed.get()
            && self.host.now_ms() - self.started >= self.budget_ms - self.state_save_ms() - step_ms
    }

    fn progress(&self) {
        self.progressed.set(true);
    }

    /// Whether this run keeps a record: every real run, and dry runs kept as background
    /// previews.
    fn keeps_record(&self) -> bool {
        !self.options.dry_run || self.options.keep_results
    }

    /// Stores the run record when [`PROGRESS_SAVE_MS`] passed since it was last stored (not
    /// for plain dry runs, which keep no record). A refused save only delays the next view of
    /// it: the record is stored again at the end of the slice, where a refusal counts.
    async fn report_progress(&self, state: &RunState) {
        let now = self.host.now_ms();
        if !self.keeps_record() || now - self.progress_saved_at.get() < PROGRESS_SAVE_MS {
            return;
        }
        self.progress_saved_at.set(now);
        if !self.options.dry_run && self.store.cancel_requested().await {
            self.cancelled.set(true);
        }
        let mut report = state.report.clone();
        let mut calls = report.api_calls.clone();
        calls.add(&self.client.calls());
        report.api_calls = calls;
        report.duration_ms += now - self.started;
        let _ = self.store.save_record(&report).await;
    }

    async fn go(&self, target: Option<KnownTarget>) -> RunReport {
        let resumed = if self.options.resume && !self.options.dry_run {
            self.store.load_state().await
        } else {
            None
        };
        let fresh = resumed.is_none();
        let (mut state, mut desired) = match resumed {
            Some(loaded) => {
                self.found.borrow_mut().objects.extend(loaded.found);
                *self.resumed_plan.borrow_mut() = loaded.pending;
                (loaded.state, loaded.desired)
            }
            None => (self.fresh_state(), Vec::new()),
        };
        state.report.invocations += 1;
        let mut refused = None;
        if self.stopped_before.get() > 0 {
            self.count_interruption(&mut state.report, fresh).await;
            refused = self.refuse_a_slice_that_keeps_stopping().await;
        }
        if fresh && !self.options.dry_run {
            // A run that died without finishing leaves its state behind: drop it, then show
            // the new run as in progress right away.
            self.store.clear_stale_state().await;
            let _ = self.store.save_record(&state.report).await;
        } else if self.options.dry_run && self.keeps_record() {
            // A background preview shows as begun at once.
            let _ = self.store.save_record(&state.report).await;
        }
        let cached = self.store.load_user_cache().await;
        self.users.borrow_mut().extend(
            cached
                .into_iter()
                .map(|(email, account, at)| (email, (account, at))),
        );
        let outcome = if let Some(error) = refused {
            Err(Stop::Fail(error))
        } else if !self.options.dry_run && self.store.cancel_requested().await {
            self.cancelled.set(true);
            Err(Stop::Budget)
        } else {
            self.work(&mut state, &mut desired, target).await
        };
        let report = &mut state.report;
        let mut calls = report.api_calls.clone();
        calls.add(&self.client.calls());
        report.api_calls = calls;
        report.duration_ms += self.host.now_ms() - self.started;
        match outcome {
            Ok(()) => {
                report.status = RunStatus::of_finished(&report.counts, report.guard.is_some());
                report.phase = RunPhase::Done;
                report.finished_at = Some(self.host.now_ms());
                if report.status == RunStatus::Failed {
                    let error = RunError::NothingWritten {
                        failed: report.counts.failed,
                    };
                    report.fail(&error, self.host.now_ms());
                }
            }
            Err(Stop::Budget) if self.cancelled.get() => {
                report.status = RunStatus::Cancelled;
                report.finished_at = Some(self.host.now_ms());
                report.message = Some(format!(
                    "cancelled by an admin during phase {}; what was written before stays",
                    report.phase.name()
                ));
            }
            Err(Stop::Budget) if self.options.dry_run => {
                report.status = RunStatus::Continue;
                report.message = Some(format!(
                    "the preview did not finish within {} ms (it got to phase {}); a real run continues where a preview cannot",
                    self.budget_ms,
                    report.phase.name()
                ));
            }
            Err(Stop::Budget) => {
                report.status = RunStatus::Continue;
                self.host.log(
                    LogLevel::Info,
                    &format!(
                        "import {}: time budget used, continuing in the next invocation",
                        self.import_id()
                    ),
                );
            }
            Err(Stop::Fail(error)) => {
                self.host.log(
                    LogLevel::Error,
                    &format!("import {}: {error}", self.import_id()),
                );
                report.fail(&error, self.host.now_ms());
            }
        }
        if self.options.dry_run {
            if self.keeps_record() {
                if let Err(e) = self.store.save_record(&state.report).await {
                    state.report.fail(&RunError::Storage(e), self.host.now_ms());
                }
            }
            return state.report;
        }
        if state.report.status == RunStatus::Continue {
            let found: Vec<_> = self
                .found
                .borrow()
                .objects
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if let Some(slice) = self.options.slice {
                state.slice = slice + 1;
            }
            let saved = match self.save_user_cache().await {
                Ok(()) => {
                    self.store
                        .save_state(&mut state, &desired, &found, self.left_saved.get())
                        .await
                }
                Err(e) => Err(e),
            };
            if let Err(e) = saved {
                state.report.fail(&RunError::Storage(e), self.host.now_ms());
            } else {
                // Keep the lease for the continuation, which carries the same run id. The
                // slice stays claimed until the host has queued the next one (finish_slice).
                let _ = self.store.acquire_lease(self.lease_until()).await;
                return state.report;
            }
        }
        if let Err(e) = self.store.save_record(&state.report).await {
            // The run's work is done, but nobody will see its record: say so in the answer.
            let message = format!("the run record could not be stored: {e}");
            self.host.log(
                LogLevel::Error,
                &format!("import {}: {message}", self.import_id()),
            );
            state.report.fail(
                &RunError::Storage(StorageError::new(message)),
                self.host.now_ms(),
            );
        }
        if matches!(
            state.report.status,
            RunStatus::Succeeded | RunStatus::Partial
        ) {
            let at = state
                .report
                .finished_at
                .unwrap_or_else(|| self.host.now_ms());
            let _ = self.store.save_refreshed(at).await;
        }
        let _ = self.save_user_cache().await;
        self.store.clear_state(&state).await;
        self.store.release_lease().await;
        self.finish_slice().await;
        state.report
    }

    /// Counts the stopped invocations this one took over from. A run's first slice starts
    /// afresh, but the record the stopped invocation stored when it began still says when
    /// the run started and how many invocations it had.
    async fn count_interruption(&self, report: &mut RunReport, fresh: bool) {
        let earlier = if fresh {
            self.store
                .record()
                .await
                .filter(|r| r.finished_at.is_none())
        } else {
            None
        };
        match earlier {
            Some(earlier) => {
                report.started_at = earlier.started_at;
                report.invocations += earlier.invocations;
                report.interrupted = earlier.interrupted + 1;
            }
            None => {
                // The stored state is from before the stopped invocations: the claim counts them.
                let stopped = self.stopped_before.get();
                report.invocations += stopped;
                report.interrupted += stopped;
            }
        }
        self.host.log(
            LogLevel::Warn,
            &format!(
                "import {}: run {} continues from its last stored state after an invocation was stopped before it finished",
                self.import_id(),
                self.run_id
            ),
        );
    }

    /// The failure of a run whose slice was stopped [`MAX_SLICE_STOPS`] times in a row before
    /// it stored its work: each try ran out of the invocation's time at the same point, so
    /// another would too (a livelock that would hold the import's lease for good).
    async fn refuse_a_slice_that_keeps_stopping(&self) -> Option<RunError> {
        let stopped = self.stopped_before.get();
        if stopped < MAX_SLICE_STOPS {
            return None;
        }
        let phase = self
            .store
            .record()
            .await
            .map_or(RunPhase::Target, |record| record.phase);
        Some(RunError::SliceKeepsStopping {
            slice: self.options.slice.unwrap_or(0),
            stopped,
            phase: phase.name().to_string(),
        })
    }

    /// Why an event of queue slice `slice` is stale, if it is: the run state keeps the slice
    /// the next event carries, so an event of an earlier slice, or of a run that is over or
    /// was replaced by a newer one, has nothing left to do. (An event of the slice just before
    /// is not stale: its invocation may have stored its work and been stopped before it
    /// queued the next slice; see [`Self::handed_over`].)
    async fn stale_slice(&self, slice: u64) -> Option<String> {
        match self.store.saved_slice().await {
            Some(next) if next == slice || next == slice + 1 => None,
            Some(next) => Some(format!("the run is at slice {next}")),
            None if slice == 0 && !self.options.resume => self
                .store
                .record()
                .await
                .filter(|r| r.finished_at.is_some())
                .map(|_| "the run is over".to_string()),
            None => Some("the run is over, or a newer run replaced it".to_string()),
        }
    }

    /// The report of a slice whose work an earlier copy of its event stored, when that
    /// invocation was stopped before it queued the next slice: `continue`, with nothing done,
    /// so the host queues the next slice now.
    async fn handed_over(&self) -> Option<RunReport> {
        let slice = self.options.slice?;
        let state = self
            .store
            .load_json::<RunState>(&store::keys::state(self.import_id()))
            .await
            .filter(|s| s.run_id == self.run_id && s.slice == slice + 1)?;
        let mut report = state.report;
        report.status = RunStatus::Continue;
        self.host.log(
            LogLevel::Info,
            &format!(
                "import {}: slice {slice} of run {} was stored by an invocation stopped before it queued slice {}; queueing it now",
                self.import_id(),
                self.run_id,
                slice + 1
            ),
        );
        Some(report)
    }

    /// Marks this invocation's queue slice finished (its state is stored by now).
    async fn finish_slice(&self) {
        if let Some(slice) = self.options.slice {
            if let Err(e) = self.store.finish_slice(slice).await {
                self.host.log(
                    LogLevel::Warn,
                    &format!(
                        "import {}: could not mark slice {slice} finished: {e}",
                        self.import_id()
                    ),
                );
            }
        }
    }

    /// Rewrites the Jira user cache when this invocation searched new emails.
    async fn save_user_cache(&self) -> Result<(), crate::error::StorageError> {
        if !self.users_changed.get() {
            return Ok(());
        }
        let users = self.users.borrow().clone();
        self.store.save_user_cache(&users).await?;
        self.users_changed.set(false);
        Ok(())
    }

    fn fresh_state(&self) -> RunState {
        let mut report = RunReport::new(&self.run_id, self.import_id(), self.started);
        report.invocations = 0;
        report.dry_run = self.options.dry_run;
        RunState {
            run_id: self.run_id.clone(),
            slice: self.options.slice.unwrap_or(0),
            stage: Stage::ReadSource,
            source_skip: 0,
            source_last_ids: Vec::new(),
            source_total: None,
            source_changed: None,
            source_chunks: 0,
            source_stored: 0,
            lookup_chunks: 0,
            lookups_stored: 0,
            pending_chunks: 0,
            pending_generation: 0,
            target: None,
            planned: false,
            failed_keys: BTreeSet::new(),
            report,
        }
    }

    async fn work(
        &self,
        state: &mut RunState,
        desired: &mut Vec<DesiredObject>,
        target: Option<KnownTarget>,
    ) -> Result<(), Stop> {
        state.report.phase = RunPhase::Target;
        let target = match target {
            Some((workspace, target)) => {
                self.assets.set_workspace(&workspace);
                target
            }
            None => {
                resolve_target(&self.assets, self.options, self.spec, state.target.as_ref()).await?
            }
        };
        if state.target.is_none() {
            state.target = Some(ResolvedIds {
                workspace_id: self.assets.connect().await?,
                object_type_id: target.object_type_id.clone(),
                object_schema_id: target.object_schema_id.clone(),
                attributes: target.attributes.clone(),
            });
        }
        state.report.object_type_id = Some(target.object_type_id.clone());
        self.transform
            .prepare(&target)
            .map_err(|diagnostics| RunError::DoesNotFit {
                object_type_id: target.object_type_id.clone(),
                diagnostics,
            })?;
        if state.stage == Stage::ReadSource {
            state.report.phase = RunPhase::ReadSource;
            self.read_source(state, desired, &target).await?;
            state.stage = Stage::Write;
        }
        if let Some(left) = self.resumed_plan.take() {
            // An earlier slice stored what is left of the plan: no need to read Assets again.
            let (the_plan, created) = pending::resume(left, &target.attributes);
            self.created.borrow_mut().extend(created);
            if self.sizes_its_state() {
                self.size_plan(&the_plan);
            }
            state.report.phase = RunPhase::Write;
            return self.write_leaving_the_rest(state, &the_plan, &target).await;
        }
        state.report.phase = RunPhase::ReadAssets;
        self.report_progress(state).await;
        // The first plan's per-record results are stored at once after planning (measured a
        // little larger than the source records: RESULTS_PER_SOURCE_BYTE is generous): a slice
        // without time for that stops before it reads.
        self.sample_stored_share(desired);
        let results_ms = if self.options.keep_results
            && state.report.results.is_none()
            && self.sizes_its_state()
        {
            let source_bytes = desired.iter().map(storage::json_len).sum::<usize>() as f64;
            self.storing_ms(source_bytes * RESULTS_PER_SOURCE_BYTE)
        } else {
            0.0
        };
        if self.over_budget_before(results_ms) {
            return Err(Stop::Budget);
        }
        let defs: Vec<AttrDef> = target
            .attributes
            .iter()
            .map(AttrDef::from_attribute)
            .collect();
        let statuses = self.status_ids(&target, desired).await?;
        // Status names become ids in the records themselves, not in a copy of them all: that is
        // idempotent (ids stay ids, a refused status is a problem and its attribute is gone),
        // so records stored for a continuation plan the same again.
        lookups::apply_statuses(desired, &defs, &statuses);
        let records = desired.as_slice();
        let mut lookups = self.resolve_lookups(&target, records).await?;
        self.create_missing_references(&target, records, &mut lookups, &mut state.report)
            .await?;
        let missing = crate::policy::resolve_missing(&self.spec.missing, &target, &statuses)?;
        // Read last, after the lookups (Jira user searches may take slices of their own): a
        // slice that stops before it plans has read nothing it cannot use.
        let mut existing: Vec<ExistingObject> = Vec::new();
        self.assets
            .aql_each(&format!("objectTypeId = {}", target.object_type_id), |o| {
                existing.push(ExistingObject::from_view(&o, &defs))
            })
            .await
            .map_err(RunError::assets)?;
        let mut the_plan = plan(&PlanInput {
            object_type_id: &target.object_type_id,
            key_attribute: &defs[target.key_index],
            attributes: &defs,
            desired: records,
            existing: &existing,
            lookups: &lookups,
            missing: &missing,
            limit: self.spec.limit,
            max_clears: self.options.max_clears.or(self.spec.max_clears),
            skip_keys: &state.failed_keys,
        });
        if let Some(reason) = &state.source_changed {
            withhold_retirements(&mut the_plan, reason);
        }
        // The first plan of the run is what it set out to do; later slices re-plan only what
        // is left of it.
        let keep_results = self.options.keep_results && state.report.results.is_none();
        let labels = (keep_results || self.options.dry_run)
            .then(|| labels::Labels::new(&defs, records, &existing));
        if self
            .leaves_the_plan_to_the_next_slice(&the_plan, labels.as_ref().filter(|_| keep_results))
        {
            return Err(Stop::Budget);
        }
        self.record_plan(state, &the_plan, records);
        if let Some(labels) = labels {
            if keep_results {
                let index = results::save(
                    self.store.storage(),
                    self.import_id(),
                    &self.run_id,
                    results::plan_entries(&the_plan, &labels),
                )
                .await
                .map_err(|e| Stop::Fail(RunError::Storage(e)))?;
                state.report.results = Some(index);
            }
            if self.options.dry_run {
                let mut view = PlanView::of(&the_plan, self.options.plan_limit);
                labels.apply(&mut view);
                state.report.plan = Some(view);
                return Ok(());
            }
        }
        state.report.phase = RunPhase::Write;
        self.report_progress(state).await;
        self.write_leaving_the_rest(state, &the_plan, &target).await
    }

    /// Sizes up what storing `the_plan` takes (what is left of it when the slice stops) and,
    /// with `labels`, its per-record results. A slice that has no time left to store them
    /// leaves planning to the next one (which stores nothing of this plan, only the source
    /// records it read) — unless storing them would take half a slice or more: a later slice
    /// could not do better, so this one goes on.
    fn leaves_the_plan_to_the_next_slice(
        &self,
        the_plan: &Plan,
        labels: Option<&labels::Labels>,
    ) -> bool {
        if !self.sizes_its_state() {
            return false;
        }
        self.size_plan(the_plan);
        let results_bytes: usize = labels.map_or(0, |labels| {
            results::plan_entries(the_plan, labels)
                .map(|entry| storage::json_len(&entry) + 1)
                .sum()
        });
        let results_ms = self.storing_ms(results_bytes as f64);
        let storing_ms = results_ms + self.state_save_ms();
        let leaves = storing_ms < self.budget_ms / 2.0 && self.over_budget_before(results_ms);
        if leaves {
            self.host.log(
                LogLevel::Info,
                &format!(
                    "import {}: no time left in this invocation to store the plan ({} writes) and its results (about {:.1} s at the store's pace); the next slice plans again",
                    self.import_id(),
                    the_plan.write_count(),
                    storing_ms / 1000.0
                ),
            );
        }
        leaves
    }

    /// Notes the size of `the_plan` as a stopping slice would store it, all of it unwritten
    /// (for [`Self::state_save_ms`]): a plan carried on from an earlier slice when it is
    /// loaded, a new one when it is made ([`Self::leaves_the_plan_to_the_next_slice`]).
    fn size_plan(&self, the_plan: &Plan) {
        let nothing_done = (pending::Written::new(), pending::CreatedObjects::new());
        let bytes = pending::remaining(the_plan, &nothing_done.0, &nothing_done.1)
            .map(|item| storage::json_len(&item) + 1)
            .sum();
        self.plan_stored_size
            .set((bytes, the_plan.write_count() as usize));
    }

    /// Writes a plan; when the budget runs out first, keeps what is left of it for the state
    /// this slice stores.
    async fn write_leaving_the_rest(
        &self,
        state: &mut RunState,
        the_plan: &Plan,
        target: &Target,
    ) -> Result<(), Stop> {
        let outcome = self.write(state, the_plan, target).await;
        if matches!(outcome, Err(Stop::Budget)) && !self.cancelled.get() {
            // The slice stops writing here: what it wrote and created is only needed for this.
            let written = self.written.take();
            let created = self.created.take();
            let left = pending::remaining(the_plan, &written, &created);
            self.store
                .save_pending(state, left)
                .await
                .map_err(|e| Stop::Fail(RunError::Storage(e)))?;
            self.left_saved.set(true);
        }
        outcome
    }

    /// Puts a plan's problems and (for the first plan of the run) its counts in the report.
    fn record_plan(&self, state: &mut RunState, the_plan: &Plan, records: &[DesiredObject]) {
        let report = &mut state.report;
        for problem in &the_plan.problems {
            report.add_error(RecordError::from(problem));
        }
        if let Some(reason) = &the_plan.guard {
            report.guard = Some(Guard {
                reason: reason.clone(),
            });
        }
        if state.planned {
            return;
        }
        state.planned = true;
        report.counts.unchanged = the_plan.unchanged;
        report.counts.missing = the_plan.missing.len() as u64;
        report.counts.failed += the_plan.failed(records);
        report.counts.warnings = the_plan.written_with_problems(Level::Warning);
        report.counts.incomplete = the_plan.written_with_problems(Level::Error);
        // Later slices re-plan: what this plan refused stays unwritten, as it was counted.
        state.failed_keys.extend(the_plan.refused.iter().cloned());
        report.progress = Progress {
            done: 0,
            total: the_plan.write_count(),
        };
        if self.options.dry_run {
            report.counts.created = the_plan.creates.len() as u64;
            report.counts.updated = the_plan.updates.len() as u64;
            report.counts.marked = the_plan.marks().count() as u64;
            report.counts.deleted = the_plan.deletes().count() as u64;
        }
    }
}

/// Withholds every mark and delete of a plan made from a source read that changed while it
/// was read (records may have been skipped, so "missing" may be wrong).
fn withhold_retirements(the_plan: &mut Plan, reason: &str) {
    let mut withheld = 0;
    for missing in the_plan.missing.iter_mut() {
        if matches!(missing.action, RetireAction::Mark | RetireAction::Delete) {
            missing.action = RetireAction::Guarded;
            withheld += 1;
        }
    }
    if withheld > 0 && the_plan.guard.is_none() {
        the_plan.guard = Some(format!(
            "{reason}, so nothing was retired ({withheld} object(s) would have been); the next run retires what is really gone"
        ));
    }
}
