//! Run options (what hosts pass in) and the run report / run record (what they get back and
//! what is kept in storage).

use serde::{Deserialize, Serialize};

use crate::client::ApiCalls;
use crate::error::{RunError, RunFailure};
use tributary_mapping::Limit;

use crate::plan::{Level, Plan, Problem, RetireAction};

/// Options of one invocation (the JSON the hosts pass).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RunOptions {
    /// The import's id: storage keys are derived from it (`[A-Za-z0-9._-]`, ≤ 100 chars).
    pub import_id: String,
    /// The mapping text.
    pub mapping_text: String,
    /// Assets workspace id; looked up when absent.
    pub workspace_id: Option<String>,
    /// Object schema (name or id); overrides the mapping's `config:objectSchema`.
    pub object_schema: Option<String>,
    /// Object type (name or id); overrides the mapping's `config:objectType`.
    pub object_type: Option<String>,
    /// Plan only: no writes, no storage, no lease.
    pub dry_run: bool,
    /// Time this invocation may use, in ms; past it the run saves its state and answers
    /// `continue`. Absent: derived from `deadlineMs` (see [`crate::engine::budget_before`]),
    /// else 50 000.
    pub budget_ms: Option<f64>,
    /// The run id; a new one is made when absent.
    pub run_id: Option<String>,
    /// Continue the stored run `runId` (a queue event of the same run).
    pub resume: bool,
    /// Parallel requests, at most 16: JumpCloud relation reads and Jira user searches
    /// (default 4), and the most writes in flight (default 16; fewer when their quota's rate
    /// times the answer time needs fewer).
    pub concurrency: Option<usize>,
    /// Most JumpCloud requests in any minute; absent: 100, Forge's limit on an invocation's
    /// external requests. 0 lifts it where no such limit applies (the CLI, benchmarks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jumpcloud_per_minute: Option<f64>,
    /// Whether requests wait for Assets' documented quotas (create 2,000 a minute, AQL 1,000,
    /// ...); absent: true. False only against an Assets without them (emulators, benchmarks);
    /// a 429 still pauses its requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assets_quotas: Option<bool>,
    /// Read units and write units (of 10 KB) a minute the store allows; absent: 4,000, Forge
    /// KVS's documented quota per installation (a run takes three quarters). 0 for a store
    /// without one (the CLI's state directory, benchmarks); a refusal for a rate limit is
    /// waited out either way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_per_minute: Option<f64>,
    /// How long the lease outlives the invocation's budget, in ms (default 120 000).
    pub lease_ms: Option<f64>,
    /// Dry runs: at most this many creates, updates and missing objects each in `plan` (all
    /// when absent); the rest are counted in `plan.omitted`. Keeps a large first sync's
    /// preview within what a host can return (Forge resolvers answer at most 5 MB).
    pub plan_limit: Option<usize>,
    /// The queue slice this invocation is (0 for a run's first event, then 1, 2, ...; the run
    /// state keeps the number its next event must carry). Each slice is claimed once: a
    /// duplicated event, or a stale one (of a slice already run, or of a run that is over),
    /// answers `busy` with `stale` and does nothing. A slice that continues leaves its claim
    /// open: the host queues the next slice, then calls `finishSlice`.
    pub slice: Option<u64>,
    /// When the host stops this invocation (ms since the epoch): until then its slice claim
    /// stands; a redelivered event after it takes the slice over. Without `budgetMs`, the
    /// budget is what is left before it, less a margin for one slow request.
    pub deadline_ms: Option<f64>,
    /// The mass-clear guard: at most this many keyed objects (a count, or a percentage of the
    /// keyed objects) may have one attribute cleared in a run, as JSON
    /// `{"unit": "count" | "percent", "value": n}` (the semantics of `config:maxDeletions`).
    /// Absent: [`crate::plan::DEFAULT_MAX_CLEARS`] with a floor of
    /// [`crate::plan::MIN_CLEARS_GUARDED`] objects. Overrides the mapping's own setting.
    pub max_clears: Option<Limit>,
    /// In a batch ([`crate::run_all`]): run this import only when another import the batch
    /// runs references its object type (a scheduled tick brings a stale dependency along
    /// this way: users refreshed before the devices that name their owners). Ignored alone.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub only_as_dependency: bool,
    /// Keep every per-record result (creates, updates, retirements as planned) beside the
    /// run's record, for paging and download (`runResults`). A dry run given this keeps a
    /// record too, apart from the run history (a background preview the host queued).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub keep_results: bool,
}

/// How the invocation ended. A finished run is `succeeded` only when every record reached
/// Assets whole and no guard fired; see [`RunStatus::of_finished`] for the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RunStatus {
    /// Done: every record was written whole (or already matched) and no guard fired. Warnings
    /// (an unmatched Jira user) do not count against it.
    Succeeded,
    /// Done, but some records failed (`counts.failed`) or were written without some of their
    /// values (`counts.incomplete`: a value Assets refused, a reference that found nothing),
    /// while others were written or already matched.
    Partial,
    /// Nothing could be written: a run-level failure (bad mapping, unknown object type,
    /// service unreachable; `error` says which), or every record was refused.
    Failed,
    /// Done, but a guard withheld writes (retirements, or mass clears of an attribute);
    /// `guard.reason` says why.
    Stopped,
    /// An admin cancelled the run: what it wrote before stays, nothing more was written.
    Cancelled,
    /// The time budget ran out; call again with `resume: true` and the same `runId`.
    Continue,
    /// Another run of this import holds the lease; nothing was done.
    Busy,
}

impl RunStatus {
    /// Every status, in the order a run's outcome is ranked by (worst last).
    pub const ALL: &'static [RunStatus] = &[
        RunStatus::Succeeded,
        RunStatus::Continue,
        RunStatus::Busy,
        RunStatus::Partial,
        RunStatus::Cancelled,
        RunStatus::Stopped,
        RunStatus::Failed,
    ];

    /// The name in reports, e.g. `succeeded`.
    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Stopped => "stopped",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Continue => "continue",
            RunStatus::Busy => "busy",
        }
    }

    /// The rank in [`RunStatus::ALL`]: a batch takes the worst of its imports.
    pub fn rank(self) -> usize {
        RunStatus::ALL
            .iter()
            .position(|s| *s == self)
            .expect("every status is ranked")
    }

    /// The verdict on a run that got to the end without a run-level failure, the worst that
    /// applies: `failed` when records had problems and none reached Assets (every one refused
    /// or skipped); else `stopped` when a guard fired; else `partial` when records had problems
    /// (`counts.failed`, `counts.incomplete`); else `succeeded`.
    pub fn of_finished(counts: &Counts, guarded: bool) -> RunStatus {
        let problems = counts.failed + counts.incomplete;
        let reached =
            counts.created + counts.updated + counts.unchanged + counts.marked + counts.deleted;
        if problems > 0 && reached == 0 {
            RunStatus::Failed
        } else if guarded {
            RunStatus::Stopped
        } else if problems > 0 {
            RunStatus::Partial
        } else {
            RunStatus::Succeeded
        }
    }
}

/// Where a run is (or where it stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RunPhase {
    /// Reading the options and the mapping.
    Config,
    /// Resolving the Assets workspace, object type and attributes.
    Target,
    /// Reading JumpCloud.
    ReadSource,
    /// Reading Assets and resolving references.
    ReadAssets,
    /// Writing to Assets.
    Write,
    /// Finished.
    Done,
}

impl RunPhase {
    /// Every phase, in run order.
    pub const ALL: &'static [RunPhase] = &[
        RunPhase::Config,
        RunPhase::Target,
        RunPhase::ReadSource,
        RunPhase::ReadAssets,
        RunPhase::Write,
        RunPhase::Done,
    ];

    /// The name in reports, e.g. `readSource`.
    pub fn name(self) -> &'static str {
        match self {
            RunPhase::Config => "config",
            RunPhase::Target => "target",
            RunPhase::ReadSource => "readSource",
            RunPhase::ReadAssets => "readAssets",
            RunPhase::Write => "write",
            RunPhase::Done => "done",
        }
    }
}

/// Done / total for the current phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Done so far.
    pub done: u64,
    /// Total (0 while unknown).
    pub total: u64,
}

/// Outcome counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Source records read.
    pub source: u64,
    /// Objects created.
    pub created: u64,
    /// Objects updated (including second-pass reference updates of created objects: no).
    pub updated: u64,
    /// Objects that already matched.
    pub unchanged: u64,
    /// Missing objects marked.
    pub marked: u64,
    /// Missing objects deleted.
    pub deleted: u64,
    /// Records not written: no key, duplicate keys, writes the plan knows Assets refuses (a
    /// required attribute left short, a unique value taken) and writes Assets refused.
    pub failed: u64,
    /// Objects in Assets with a key value that the source no longer has.
    pub missing: u64,
    /// Records written (or left as they are) with an attribute-level problem, errors and
    /// warnings (e.g. an unmatched Jira user); records not written are `failed` instead.
    pub warnings: u64,
    /// Of those, the records left without some of their values by an error (a reference that
    /// found nothing, a value Assets would refuse): they make the run `partial`.
    #[serde(default)]
    pub incomplete: u64,
}

/// Why a guard withheld writes (retirements, or the clears of an attribute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guard {
    /// The message; it names what was withheld and how many objects.
    pub reason: String,
}

/// A per-record problem in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordError {
    /// Source key value ("" when not tied to one record).
    pub key: String,
    /// Attribute name, when one is concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// What happened.
    pub message: String,
    /// `error` or `warning`.
    pub level: Level,
}

impl From<&Problem> for RecordError {
    fn from(p: &Problem) -> Self {
        RecordError {
            key: p.key.clone(),
            attribute: p.attribute.clone(),
            message: p.message.clone(),
            level: p.level,
        }
    }
}

/// The most per-record errors a report keeps.
pub const MAX_ERRORS: usize = 200;
/// The longest error message a report keeps (longer ones end with `…`).
pub const MAX_MESSAGE_CHARS: usize = 300;
/// The longest key or attribute name an error keeps.
pub const MAX_KEY_CHARS: usize = 200;

/// `text` cut to at most `max` characters, marked with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((end, _)) => {
            let cut = text[..end].char_indices().last().map_or(0, |(i, _)| i);
            format!("{}…", &text[..cut])
        }
    }
}

/// The run report, also stored as the run record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// Run id.
    pub run_id: String,
    /// Import id.
    pub import_id: String,
    /// How the invocation ended.
    pub status: RunStatus,
    /// Where the run is, or where it stopped.
    pub phase: RunPhase,
    /// Progress of the phase (records read while reading, writes while writing).
    pub progress: Progress,
    /// Counts.
    pub counts: Counts,
    /// Set when a guard withheld retirements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<Guard>,
    /// Per-record problems (at most [`MAX_ERRORS`]).
    pub errors: Vec<RecordError>,
    /// Problems not kept because the list was full.
    pub errors_omitted: u64,
    /// API calls by kind, over the whole run.
    pub api_calls: ApiCalls,
    /// Time spent, over all invocations of the run, in ms.
    pub duration_ms: f64,
    /// When the run started (ms since the epoch).
    pub started_at: f64,
    /// When the run finished (absent while it goes on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<f64>,
    /// Invocations so far (stopped ones included).
    pub invocations: u32,
    /// Invocations of this run stopped before they finished their slice (killed at the
    /// host's time limit), whose slices ran again from the last stored state. What they
    /// wrote before they stopped is counted as `unchanged` by the invocation after them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub interrupted: u32,
    /// Run-level failure or busy message, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The run-level failure as data (status `failed`): code, message, and the mapping's
    /// diagnostics when the mapping is the cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RunFailure>,
    /// Set with `busy` when the event's slice is running in another invocation: the host
    /// should have the event delivered again later (Forge: an `InvocationError`), after
    /// `retryAfterMs`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redeliver: bool,
    /// With `redeliver`: how long until the other invocation's claim on the slice lapses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<f64>,
    /// Set with `busy` when the event is a duplicate or stale (its slice already ran, or its
    /// run is over or was replaced): the host acknowledges it and drops it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    /// The target object type id, once resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type_id: Option<String>,
    /// The plan (dry runs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanView>,
    /// Objects created (or, in a preview, to be created) because a `|createMissing` lookup
    /// found none for a value: at most [`MAX_ERRORS`] listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references_created: Vec<ReferenceCreate>,
    /// A dry run (preview): nothing was written.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Where the per-record results are (runs given `keepResults`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<crate::engine::results::ResultsIndex>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl RunReport {
    /// An empty report for a run starting at `now`.
    pub fn new(run_id: &str, import_id: &str, now: f64) -> Self {
        RunReport {
            run_id: run_id.to_string(),
            import_id: import_id.to_string(),
            status: RunStatus::Continue,
            phase: RunPhase::Config,
            progress: Progress::default(),
            counts: Counts::default(),
            guard: None,
            errors: Vec::new(),
            errors_omitted: 0,
            api_calls: ApiCalls::default(),
            duration_ms: 0.0,
            started_at: now,
            finished_at: None,
            invocations: 0,
            interrupted: 0,
            message: None,
            error: None,
            redeliver: false,
            retry_after_ms: None,
            stale: false,
            object_type_id: None,
            plan: None,
            references_created: Vec::new(),
            dry_run: false,
            results: None,
        }
    }

    /// Marks the run failed with `error`, finished at `now`.
    pub fn fail(&mut self, error: &RunError, now: f64) {
        self.status = RunStatus::Failed;
        self.message = Some(error.to_string());
        self.error = Some(RunFailure::from(error));
        self.finished_at = Some(now);
    }

    /// Adds a problem unless the same one is already listed (re-plans report it again).
    pub fn add_error(&mut self, mut error: RecordError) {
        // Messages echo values from JumpCloud and Assets: bounded, so records stay small.
        error.key = shorten(&error.key, MAX_KEY_CHARS);
        error.message = shorten(&error.message, MAX_MESSAGE_CHARS);
        error.attribute = error.attribute.map(|a| shorten(&a, MAX_KEY_CHARS));
        if self.errors.contains(&error) {
            return;
        }
        if self.errors.len() >= MAX_ERRORS {
            self.errors_omitted += 1;
        } else {
            self.errors.push(error);
        }
    }
}

/// An object a `|createMissing` lookup created for a value no object held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferenceCreate {
    /// The referenced object type.
    pub object_type_id: String,
    /// The attribute set from the value (the one looked up by, e.g. `Name`).
    pub attribute: String,
    /// The value.
    pub value: String,
    /// The new object's key (absent in a preview, and when the create failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_key: Option<String>,
}

/// A change in a dry-run plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeView {
    /// Attribute name.
    pub attribute: String,
    /// Current values.
    pub old: Vec<String>,
    /// New values (`(new object <key>)` for objects the run would create first).
    pub new: Vec<String>,
    /// For values that name objects: their labels, parallel to `old` (a value whose object's
    /// label is unknown stands for itself). Absent when no label is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_labels: Option<Vec<String>>,
    /// The same for `new`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_labels: Option<Vec<String>>,
}

/// A create in a dry-run plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateView {
    /// Source key.
    pub key: String,
    /// The record's readable name (its value for the type's label attribute), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Attributes written.
    pub changes: Vec<ChangeView>,
}

/// An update in a dry-run plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateView {
    /// Source key.
    pub key: String,
    /// The record's readable name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Assets object key.
    pub object_key: String,
    /// Attributes that differ.
    pub changes: Vec<ChangeView>,
}

/// A missing object in a dry-run plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MissingView {
    /// Key value.
    pub key: String,
    /// The object's label in Assets, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Assets object key.
    pub object_key: String,
    /// `ignore`, `mark`, `delete` or `guarded`.
    pub action: RetireAction,
    /// For marks: what is set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ChangeView>,
}

/// The plan as dry runs show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    /// Objects that would be created (referenced ones first).
    pub creates: Vec<CreateView>,
    /// Objects that would be updated, with old → new per attribute (only what a run would
    /// write: clears withheld by the mass-clear guard are left out, `guard` names them).
    pub updates: Vec<UpdateView>,
    /// Objects that already match.
    pub unchanged: u64,
    /// Missing objects and their action.
    pub missing: Vec<MissingView>,
    /// How many entries of each list were left out by `planLimit`.
    #[serde(default, skip_serializing_if = "Omitted::is_empty")]
    pub omitted: Omitted,
}

/// Plan entries left out of a dry run's report (see [`RunOptions::plan_limit`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Omitted {
    /// Creates not listed.
    pub creates: u64,
    /// Updates not listed.
    pub updates: u64,
    /// Missing objects not listed.
    pub missing: u64,
}

impl Omitted {
    /// Whether nothing was left out.
    pub fn is_empty(&self) -> bool {
        self.creates == 0 && self.updates == 0 && self.missing == 0
    }
}

impl PlanView {
    /// Keeps at most `limit` entries of each list, counting the rest in `omitted`.
    pub fn truncate(&mut self, limit: usize) {
        fn cut<T>(list: &mut Vec<T>, limit: usize) -> u64 {
            let extra = list.len().saturating_sub(limit);
            list.truncate(limit);
            extra as u64
        }
        self.omitted.creates += cut(&mut self.creates, limit);
        self.omitted.updates += cut(&mut self.updates, limit);
        self.omitted.missing += cut(&mut self.missing, limit);
    }
}

impl ChangeView {
    fn of(change: &crate::plan::Change) -> Self {
        ChangeView {
            attribute: change.attribute.clone(),
            old: change.old.clone(),
            new: change.new.iter().map(|v| v.display()).collect(),
            old_labels: None,
            new_labels: None,
        }
    }
}

impl CreateView {
    /// A planned create as previews show it (its deferred references after its values).
    pub fn of(create: &crate::plan::Create) -> Self {
        CreateView {
            key: create.key.clone(),
            label: None,
            changes: create
                .changes
                .iter()
                .chain(&create.deferred)
                .map(ChangeView::of)
                .collect(),
        }
    }
}

impl UpdateView {
    /// A planned update as previews show it.
    pub fn of(update: &crate::plan::Update) -> Self {
        UpdateView {
            key: update.key.clone(),
            label: None,
            object_key: update.object_key.clone(),
            changes: update.changes.iter().map(ChangeView::of).collect(),
        }
    }
}

impl MissingView {
    /// A missing object and its action as previews show it.
    pub fn of(missing: &crate::plan::Missing) -> Self {
        MissingView {
            key: missing.key.clone(),
            label: None,
            object_key: missing.object_key.clone(),
            action: missing.action.clone(),
            changes: missing.changes.iter().map(ChangeView::of).collect(),
        }
    }
}

impl PlanView {
    /// The view of `plan` with at most `limit` entries of each list (all when `None`), the
    /// rest counted in `omitted`; entries beyond the limit are never built.
    pub fn of(plan: &Plan, limit: Option<usize>) -> Self {
        fn first<T, V>(list: &[T], limit: Option<usize>, view: fn(&T) -> V) -> (Vec<V>, u64) {
            let kept = limit.map_or(list.len(), |l| l.min(list.len()));
            (
                list[..kept].iter().map(view).collect(),
                (list.len() - kept) as u64,
            )
        }
        let (creates, omitted_creates) = first(&plan.creates, limit, CreateView::of);
        let (updates, omitted_updates) = first(&plan.updates, limit, UpdateView::of);
        let (missing, omitted_missing) = first(&plan.missing, limit, MissingView::of);
        PlanView {
            creates,
            updates,
            unchanged: plan.unchanged,
            missing,
            omitted: Omitted {
                creates: omitted_creates,
                updates: omitted_updates,
                missing: omitted_missing,
            },
        }
    }
}

impl From<&Plan> for PlanView {
    fn from(plan: &Plan) -> Self {
        PlanView::of(plan, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_bounded_in_length_and_number() {
        let mut report = RunReport::new("r", "i", 0.0);
        for i in 0..(MAX_ERRORS + 5) {
            report.add_error(RecordError {
                key: format!("{i}{}", "k".repeat(1_000)),
                attribute: None,
                message: "é".repeat(10_000),
                level: Level::Error,
            });
        }
        assert_eq!(report.errors.len(), MAX_ERRORS);
        assert_eq!(report.errors_omitted, 5);
        let first = &report.errors[0];
        assert_eq!(first.message.chars().count(), MAX_MESSAGE_CHARS);
        assert!(first.message.ends_with('…'));
        assert_eq!(first.key.chars().count(), MAX_KEY_CHARS);
        let size = serde_json::to_string(&report).unwrap().len();
        assert!(size < 240 * 1024, "{size} bytes");
    }

    #[test]
    fn the_verdict_is_the_worst_that_applies() {
        let counts = |created, failed, incomplete| Counts {
            created,
            failed,
            incomplete,
            ..Counts::default()
        };
        use RunStatus::*;
        for (c, guarded, want) in [
            (counts(3, 0, 0), false, Succeeded),
            (counts(0, 0, 0), false, Succeeded),
            (counts(3, 1, 0), false, Partial),
            (counts(3, 0, 1), false, Partial),
            (counts(0, 2, 0), false, Failed),
            (counts(3, 1, 0), true, Stopped),
            (counts(0, 0, 0), true, Stopped),
            (counts(0, 2, 0), true, Failed),
        ] {
            assert_eq!(RunStatus::of_finished(&c, guarded), want, "{c:?} {guarded}");
        }
        assert!(Failed.rank() > Stopped.rank() && Stopped.rank() > Partial.rank());
        assert!(Partial.rank() > Busy.rank() && Busy.rank() > Succeeded.rank());
    }

    #[test]
    fn truncate_keeps_the_first_entries_and_counts_the_rest() {
        let create = |key: &str| CreateView {
            key: key.to_string(),
            label: None,
            changes: Vec::new(),
        };
        let mut view = PlanView {
            creates: vec![create("a"), create("b"), create("c")],
            ..PlanView::default()
        };
        view.truncate(2);
        assert_eq!(
            view.creates
                .iter()
                .map(|c| c.key.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(
            view.omitted,
            Omitted {
                creates: 1,
                updates: 0,
                missing: 0
            }
        );
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["omitted"]["creates"], 1);
        view.omitted = Omitted::default();
        assert!(serde_json::to_value(&view)
            .unwrap()
            .get("omitted")
            .is_none());
    }
}
