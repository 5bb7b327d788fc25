//! The engine: reads JumpCloud and Assets through a [`SyncHost`], plans, writes, and keeps a
//! resumable run in storage.
//!
//! One invocation does as much as its time budget allows. The source is read page by page and
//! kept as compact [`DesiredObject`]s (stored in chunks between invocations); the write phase
//! always starts from a fresh read of Assets and a fresh plan, so an invocation that was killed
//! at any point (even between a create and the state save) is finished by the next one without
//! duplicates: the created object is found by its key value and is simply no longer planned.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tributary_models::assets::{
    aql_quote, AttributeIn, AttributeKind, AttributeValueIn, Object, ObjectIn, ObjectTypeAttribute,
};

use crate::client::{encode, request, ApiCalls, CallError, CallKind, Client, RetryPolicy};
use crate::host::{join_all, LogLevel, Service, SyncHost};
use crate::model::{
    AttrDef, Desired, DesiredObject, ExistingObject, LookupBy, MissingAction, RecordProblem,
};
use crate::plan::{
    plan, Change, Create, Level, LookupTable, Missing, Plan, PlanInput, Update, WriteValue,
};
use crate::report::{Guard, PlanView, RecordError, RunOptions, RunReport, RunStatus};
use crate::source::{Import, ImportSpec, MissingSpec, Target};

/// Objects per AQL page (Assets had an `isLast` bug at ≥ 1000).
pub const AQL_PAGE_SIZE: u32 = 500;
/// Values per `IN (...)` lookup query.
pub const LOOKUP_BATCH: usize = 40;
/// Stored values stay well under Forge's 240 KiB limit.
pub const CHUNK_BYTES: usize = 150 * 1024;
/// Default invocation budget.
pub const DEFAULT_BUDGET_MS: f64 = 50_000.0;

/// Storage key of the run lease of an import.
pub fn lease_key(import_id: &str) -> String {
    format!("tributary:lease:{import_id}")
}

/// Storage key of the resumable state of an import's current run.
pub fn state_key(import_id: &str) -> String {
    format!("tributary:state:{import_id}")
}

/// Storage key of one chunk of the stored source records of an import's current run.
pub fn chunk_key(import_id: &str, index: u32) -> String {
    format!("tributary:state:{import_id}:source:{index}")
}

/// Storage key of one chunk of the reference lookups resolved so far in an import's run.
pub fn lookup_chunk_key(import_id: &str, index: u32) -> String {
    format!("tributary:state:{import_id}:lookups:{index}")
}

/// Storage key of the Jira user cache index of an import (`{chunks}`), kept across runs.
pub fn user_cache_key(import_id: &str) -> String {
    format!("tributary:userCache:{import_id}")
}

/// How long a found accountId is trusted before the email is searched again.
pub const USER_FOUND_TTL_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;
/// How long "no Jira user for this email" is trusted (new accounts appear).
pub const USER_MISSING_TTL_MS: f64 = 24.0 * 3600.0 * 1000.0;

/// Storage key of a run record.
pub fn run_key(import_id: &str, run_id: &str) -> String {
    format!("tributary:run:{import_id}:{run_id}")
}

/// Storage key holding the id of an import's latest run.
pub fn last_run_key(import_id: &str) -> String {
    format!("tributary:lastRun:{import_id}")
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lease {
    run_id: String,
    expires_at: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Phase {
    ReadSource,
    Write,
}

/// What survives between invocations of one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunState {
    run_id: String,
    phase: Phase,
    /// Next JumpCloud offset to read.
    source_skip: u64,
    /// Stored source chunks.
    source_chunks: u32,
    /// Desired objects already stored in chunks.
    source_stored: u64,
    /// Stored chunks of the reference lookups resolved so far.
    #[serde(default)]
    lookup_chunks: u32,
    /// Whether the first plan's counts are in the report already.
    planned: bool,
    /// Keys whose write failed in this run: not tried again by later invocations.
    failed_keys: BTreeSet<String>,
    report: RunReport,
}

/// Why an invocation stopped early.
enum Stop {
    /// The budget ran out.
    Budget,
    /// A run-level failure.
    Fail(String),
}

impl From<CallError> for Stop {
    fn from(e: CallError) -> Self {
        match e {
            CallError::OutOfTime(_) => Stop::Budget,
            other => Stop::Fail(other.to_string()),
        }
    }
}

/// Runs (or continues, or previews) one import given by its mapping text.
pub async fn run<H: SyncHost>(host: &H, options: &RunOptions) -> RunReport {
    run_compiled(host, options, crate::compile_mapping(&options.mapping_text)).await
}

/// Runs a compiled import, or reports the mapping's errors as a failed run.
async fn run_compiled<H: SyncHost>(
    host: &H,
    options: &RunOptions,
    compiled: Result<Import, Vec<String>>,
) -> RunReport {
    match compiled {
        Ok(import) => run_import(host, options, import).await,
        Err(problems) => {
            let mut report = RunReport::new(
                options.run_id.as_deref().unwrap_or(""),
                &options.import_id,
                host.now_ms(),
            );
            report.status = RunStatus::Failed;
            report.message = Some(format!("the mapping has errors: {}", problems.join("; ")));
            report.invocations = 1;
            report
        }
    }
}

/// Runs (or continues, or previews) one compiled import.
pub async fn run_import<H: SyncHost>(host: &H, options: &RunOptions, import: Import) -> RunReport {
    let started = host.now_ms();
    let run_id = options
        .run_id
        .clone()
        .unwrap_or_else(|| format!("r{}", started as u64));
    let mut report = RunReport::new(&run_id, &options.import_id, started);
    report.invocations = 1;
    let fail = |mut report: RunReport, message: String| {
        report.status = RunStatus::Failed;
        report.message = Some(message);
        report
    };
    if !valid_id(&options.import_id) {
        return fail(
            report,
            format!(
                "importId {:?} must be 1-100 characters of A-Z a-z 0-9 . _ -",
                options.import_id
            ),
        );
    }
    if !valid_id(&run_id) {
        return fail(
            report,
            format!("runId {run_id:?} must be 1-100 characters of A-Z a-z 0-9 . _ -"),
        );
    }
    let engine = Engine::new(host, options, import, run_id.clone(), started);
    if !options.dry_run {
        if options.resume {
            // A repeated queue event of a finished run: answer with its record, do nothing.
            if let Some(done) = engine
                .load_json::<RunReport>(&run_key(&options.import_id, &run_id))
                .await
            {
                if done.finished_at.is_some() {
                    return done;
                }
            }
        }
        match engine.acquire_lease().await {
            Ok(true) => {}
            Ok(false) => {
                report.status = RunStatus::Busy;
                report.message = Some(format!(
                    "another run of import {} is in progress; this trigger did nothing",
                    options.import_id
                ));
                return report;
            }
            Err(e) => return fail(report, format!("storage failed: {e}")),
        }
    }
    engine.go().await
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
    /// Time this invocation may use, shared by the imports (default 50 000 ms).
    pub budget_ms: Option<f64>,
}

/// The report of a multi-import run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunAllReport {
    /// The batch run id.
    pub run_id: String,
    /// `continue` while an import is unfinished; else `failed` / `stopped` if any import was,
    /// else `succeeded`.
    pub status: RunStatus,
    /// Import ids in the order they run (referenced object types first).
    pub order: Vec<String>,
    /// The reports of the imports run so far, in that order.
    pub imports: Vec<RunReport>,
}

/// Options of [`sample`]: the mapping (its `config:api` and filters are used) and how many
/// records to fetch (1-100, default 5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SampleOptions {
    /// The mapping text.
    pub mapping_text: String,
    /// Records wanted.
    pub limit: Option<u32>,
}

/// What [`sample`] fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SampleReport {
    /// The raw JumpCloud records, every field the service returns by default.
    pub records: Vec<Value>,
    /// How many records match the import's filters, when JumpCloud says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// The request made (path and query, relative to the JumpCloud base URL).
    pub request: String,
    /// API calls made.
    pub api_calls: ApiCalls,
}

/// Fetches a few raw records the way an import reads them (its collection and filters, without
/// `fields=`, so every field shows): what *Fetch Sample* displays while writing a mapping.
pub async fn sample<H: SyncHost>(
    host: &H,
    options: &SampleOptions,
) -> Result<SampleReport, String> {
    let mut import = crate::compile_mapping(&options.mapping_text)
        .map_err(|problems| format!("the mapping has errors: {}", problems.join("; ")))?;
    import.spec.fields.clear();
    import.spec.page_size = options.limit.unwrap_or(5).clamp(1, 100);
    let run_options = RunOptions::default();
    let engine = Engine::new(
        host,
        &run_options,
        import,
        "sample".to_string(),
        host.now_ms(),
    );
    let request = engine.source_path(0);
    let (records, total_count) = engine
        .read_page(0)
        .await
        .map_err(|e| format!("JumpCloud: {e}"))?;
    Ok(SampleReport {
        records,
        total_count,
        request,
        api_calls: engine.client.calls(),
    })
}

/// One import of a batch: its options and its compiled mapping (or the mapping's errors).
type Compiled = (RunOptions, Result<Import, Vec<String>>);

/// Runs several imports in dependency order: an import whose references point at another
/// import's object type runs after it (users before the devices that name their owners).
/// Cycles keep the given order. Stops at the first import that needs another invocation.
pub async fn run_all<H: SyncHost>(host: &H, options: &RunAllOptions) -> RunAllReport {
    let started = host.now_ms();
    let run_id = options
        .run_id
        .clone()
        .unwrap_or_else(|| format!("b{}", started as u64));
    let mut compiled: Vec<Compiled> = options
        .imports
        .iter()
        .map(|o| {
            let opts = RunOptions {
                run_id: Some(format!("{run_id}-{}", o.import_id)),
                resume: options.resume,
                dry_run: options.dry_run,
                ..o.clone()
            };
            (opts, crate::compile_mapping(&o.mapping_text))
        })
        .collect();
    // Targets and referenced types, for the order (a failed resolution just orders nothing).
    let mut targets: Vec<Option<String>> = Vec::new();
    let mut references: Vec<BTreeSet<String>> = Vec::new();
    for (opts, import) in compiled.iter_mut() {
        let mut target_id = None;
        let mut refs = BTreeSet::new();
        if let Ok(taken) = std::mem::replace(import, Err(Vec::new())) {
            let engine = Engine::new(host, opts, taken, String::new(), started);
            if let Ok(target) = engine.resolve_target().await {
                for name in &engine.spec.reference_attributes {
                    if let Some(t) = target.attribute(name).and_then(|a| a.reference_target()) {
                        refs.insert(t.to_string());
                    }
                }
                target_id = Some(target.object_type_id);
            }
            *import = Ok(engine.import);
        }
        targets.push(target_id);
        references.push(refs);
    }
    let order = dependency_order(&targets, &references);
    let mut report = RunAllReport {
        run_id,
        status: RunStatus::Succeeded,
        order: order
            .iter()
            .map(|&i| compiled[i].0.import_id.clone())
            .collect(),
        imports: Vec::new(),
    };
    let budget = options
        .budget_ms
        .filter(|b| *b > 0.0)
        .unwrap_or(DEFAULT_BUDGET_MS);
    let mut slots: Vec<Option<Compiled>> = compiled.into_iter().map(Some).collect();
    for index in order {
        let (mut opts, import) = slots[index].take().expect("each import runs once");
        // What is left of the shared budget (at least a little, so every import moves on).
        opts.budget_ms = Some((budget - (host.now_ms() - started)).max(1.0));
        let one = run_compiled(host, &opts, import).await;
        let status = one.status;
        report.imports.push(one);
        match status {
            RunStatus::Continue => {
                report.status = RunStatus::Continue;
                return report;
            }
            RunStatus::Failed => report.status = RunStatus::Failed,
            RunStatus::Stopped | RunStatus::Busy if report.status == RunStatus::Succeeded => {
                report.status = status
            }
            _ => {}
        }
    }
    report
}

/// Kahn's order over imports: `i` after `j` when `i` references `j`'s object type.
fn dependency_order(targets: &[Option<String>], references: &[BTreeSet<String>]) -> Vec<usize> {
    let depends = |i: usize, j: usize| {
        i != j
            && targets[j]
                .as_ref()
                .is_some_and(|t| references[i].contains(t))
    };
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

struct Engine<'h, H: SyncHost> {
    host: &'h H,
    client: Client<'h, H>,
    options: &'h RunOptions,
    spec: ImportSpec,
    import: Import,
    run_id: String,
    started: f64,
    budget_ms: f64,
    concurrency: usize,
    workspace: RefCell<String>,
    /// Created in this invocation: source key → (object id, object key).
    created: RefCell<BTreeMap<String, (String, String)>>,
    /// Attributes of referenced object types, by type id.
    type_attributes: RefCell<BTreeMap<String, Vec<ObjectTypeAttribute>>>,
    /// Jira user searches (kept across invocations and runs): email → (accountId, when checked).
    users: RefCell<BTreeMap<String, (Option<String>, f64)>>,
    /// References to other object types resolved in this run (empty = not found); kept
    /// across invocations so a continuation does not query them again.
    found: RefCell<LookupTable>,
    /// Whether this invocation has done a unit of work yet.
    progressed: std::cell::Cell<bool>,
}

/// The outcome of one write.
enum Outcome {
    Created,
    Deferred,
    Updated,
    Marked,
    Deleted,
    Failed(String, RecordError),
    /// Not done within this invocation (rate-limited): the next invocation re-plans it.
    Postponed,
}

enum WriteOp<'p> {
    Create(&'p Create),
    Deferred(&'p Create),
    Update(&'p Update),
    Mark(&'p Missing),
    Delete(&'p Missing),
}

impl<'h, H: SyncHost> Engine<'h, H> {
    fn new(
        host: &'h H,
        options: &'h RunOptions,
        import: Import,
        run_id: String,
        started: f64,
    ) -> Self {
        let seed = run_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        let budget_ms = options
            .budget_ms
            .filter(|b| *b > 0.0)
            .unwrap_or(DEFAULT_BUDGET_MS);
        let client = Client::new(host, RetryPolicy::default(), seed);
        // Dry runs have no state to continue from: no deadline unless a budget was asked for.
        if !options.dry_run || options.budget_ms.is_some() {
            client.set_deadline(started + budget_ms);
        }
        Engine {
            host,
            client,
            options,
            spec: import.spec.clone(),
            import,
            run_id,
            started,
            budget_ms: options
                .budget_ms
                .filter(|b| *b > 0.0)
                .unwrap_or(DEFAULT_BUDGET_MS),
            concurrency: options.concurrency.unwrap_or(4).clamp(1, 16),
            workspace: RefCell::new(String::new()),
            created: RefCell::new(BTreeMap::new()),
            type_attributes: RefCell::new(BTreeMap::new()),
            users: RefCell::new(BTreeMap::new()),
            progressed: std::cell::Cell::new(false),
            found: RefCell::new(LookupTable::default()),
        }
    }

    fn import_id(&self) -> &str {
        &self.options.import_id
    }

    /// Whether the invocation should stop. Never before one unit of work (a page, a batch of
    /// user searches, a chunk of writes) is done, so every invocation moves the run forward
    /// even when the fixed reads alone take longer than the budget.
    fn over_budget(&self) -> bool {
        // Dry runs have no state to continue from: they stop only when a budget was asked for.
        let budgeted = !self.options.dry_run || self.options.budget_ms.is_some();
        budgeted && self.progressed.get() && self.host.now_ms() - self.started >= self.budget_ms
    }

    fn progress(&self) {
        self.progressed.set(true);
    }

    fn assets_path(&self, rest: &str) -> String {
        format!(
            "/jsm/assets/workspace/{}/v1/{rest}",
            self.workspace.borrow()
        )
    }

    async fn load_json<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Option<T> {
        let text = self.host.storage_get(key).await.ok()??;
        serde_json::from_str(&text).ok()
    }

    async fn save_json<T: Serialize>(&self, key: &str, value: &T) -> Result<(), String> {
        let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
        self.host.storage_set(key, &text).await
    }

    async fn acquire_lease(&self) -> Result<bool, String> {
        let key = lease_key(self.import_id());
        let now = self.host.now_ms();
        if let Some(lease) = self.load_json::<Lease>(&key).await {
            if lease.run_id != self.run_id && lease.expires_at > now {
                return Ok(false);
            }
        }
        let lease = Lease {
            run_id: self.run_id.clone(),
            expires_at: now + self.budget_ms + self.options.lease_ms.unwrap_or(120_000.0),
        };
        self.save_json(&key, &lease).await?;
        // Storage has no compare-and-set: read back so the later of two racing writers wins alone.
        Ok(self
            .load_json::<Lease>(&key)
            .await
            .is_some_and(|l| l.run_id == self.run_id))
    }

    async fn release_lease(&self) {
        let key = lease_key(self.import_id());
        if self
            .load_json::<Lease>(&key)
            .await
            .is_some_and(|l| l.run_id == self.run_id)
        {
            let _ = self.host.storage_delete(&key).await;
        }
    }

    async fn load_state(&self) -> Option<(RunState, Vec<DesiredObject>)> {
        let state: RunState = self.load_json(&state_key(self.import_id())).await?;
        if state.run_id != self.run_id {
            return None;
        }
        let desired: Vec<DesiredObject> = self
            .load_chunks(|i| chunk_key(self.import_id(), i), state.source_chunks)
            .await?;
        type Found = ((String, LookupBy, String), Vec<String>);
        let found: Vec<Found> = self
            .load_chunks(
                |i| lookup_chunk_key(self.import_id(), i),
                state.lookup_chunks,
            )
            .await?;
        self.found.borrow_mut().objects.extend(found);
        Some((state, desired))
    }

    async fn load_chunks<T: for<'de> Deserialize<'de>>(
        &self,
        key: impl Fn(u32) -> String,
        count: u32,
    ) -> Option<Vec<T>> {
        let mut out = Vec::new();
        for index in 0..count {
            let chunk: Vec<T> = self.load_json(&key(index)).await?;
            out.extend(chunk);
        }
        Some(out)
    }

    /// Loads the Jira user cache, dropping entries past their time to live.
    async fn load_user_cache(&self) {
        let Some(index) = self
            .load_json::<Value>(&user_cache_key(self.import_id()))
            .await
        else {
            return;
        };
        let count = index.get("chunks").and_then(Value::as_u64).unwrap_or(0) as u32;
        let base = user_cache_key(self.import_id());
        let entries: Vec<(String, Option<String>, f64)> = self
            .load_chunks(|i| format!("{base}:{i}"), count)
            .await
            .unwrap_or_default();
        let now = self.host.now_ms();
        let fresh = |account: &Option<String>, at: f64| {
            now - at
                < if account.is_some() {
                    USER_FOUND_TTL_MS
                } else {
                    USER_MISSING_TTL_MS
                }
        };
        self.users.borrow_mut().extend(
            entries
                .into_iter()
                .filter(|(_, account, at)| fresh(account, *at))
                .map(|(email, account, at)| (email, (account, at))),
        );
    }

    async fn save_user_cache(&self) -> Result<(), String> {
        let base = user_cache_key(self.import_id());
        let old = self
            .load_json::<Value>(&base)
            .await
            .and_then(|i| i.get("chunks").and_then(Value::as_u64))
            .unwrap_or(0) as u32;
        let entries: Vec<(String, Option<String>, f64)> = self
            .users
            .borrow()
            .iter()
            .map(|(email, (account, at))| (email.clone(), account.clone(), *at))
            .collect();
        let chunks = self
            .save_chunks(|i| format!("{base}:{i}"), 0, &entries)
            .await?;
        self.save_json(&base, &serde_json::json!({ "chunks": chunks }))
            .await?;
        for index in chunks..old {
            let _ = self.host.storage_delete(&format!("{base}:{index}")).await;
        }
        Ok(())
    }

    /// Stores items in chunks under the size limit, numbered from `first`; returns the next
    /// free chunk number.
    async fn save_chunks<T: Serialize>(
        &self,
        key: impl Fn(u32) -> String,
        first: u32,
        items: &[T],
    ) -> Result<u32, String> {
        let mut next = first;
        let mut pending: Vec<&T> = Vec::new();
        let mut size = 2;
        for item in items {
            let item_size = serde_json::to_string(item)
                .map(|s| s.len() + 1)
                .unwrap_or(0);
            if size + item_size > CHUNK_BYTES && !pending.is_empty() {
                self.save_json(&key(next), &pending).await?;
                next += 1;
                pending.clear();
                size = 2;
            }
            pending.push(item);
            size += item_size;
        }
        if !pending.is_empty() {
            self.save_json(&key(next), &pending).await?;
            next += 1;
        }
        Ok(next)
    }

    /// Stores the source not stored yet and the user cache, then the state and run record.
    async fn save_state(
        &self,
        state: &mut RunState,
        desired: &[DesiredObject],
    ) -> Result<(), String> {
        let first = state.source_chunks;
        state.source_chunks = self
            .save_chunks(
                |i| chunk_key(self.import_id(), i),
                first,
                &desired[state.source_stored as usize..],
            )
            .await?;
        state.source_stored = desired.len() as u64;
        self.save_user_cache().await?;
        let found: Vec<_> = self
            .found
            .borrow()
            .objects
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let chunks = self
            .save_chunks(|i| lookup_chunk_key(self.import_id(), i), 0, &found)
            .await?;
        for index in chunks..state.lookup_chunks {
            let _ = self
                .host
                .storage_delete(&lookup_chunk_key(self.import_id(), index))
                .await;
        }
        state.lookup_chunks = chunks;
        self.save_json(&state_key(self.import_id()), state).await?;
        self.save_record(&state.report).await
    }

    /// Stores the run record and points the import's latest run at it.
    async fn save_record(&self, report: &RunReport) -> Result<(), String> {
        self.save_json(&run_key(self.import_id(), &self.run_id), report)
            .await?;
        self.save_json(&last_run_key(self.import_id()), &self.run_id)
            .await
    }

    async fn clear_state(&self, state: &RunState) {
        for index in 0..state.source_chunks {
            let _ = self
                .host
                .storage_delete(&chunk_key(self.import_id(), index))
                .await;
        }
        for index in 0..state.lookup_chunks {
            let _ = self
                .host
                .storage_delete(&lookup_chunk_key(self.import_id(), index))
                .await;
        }
        let _ = self.host.storage_delete(&state_key(self.import_id())).await;
    }

    async fn go(&self) -> RunReport {
        let resumed = if self.options.resume && !self.options.dry_run {
            self.load_state().await
        } else {
            None
        };
        let fresh = resumed.is_none();
        let (mut state, mut desired) = resumed.unwrap_or_else(|| (self.fresh_state(), Vec::new()));
        state.report.invocations += 1;
        if fresh && !self.options.dry_run {
            // A run that died without finishing leaves its state behind: drop it, then show
            // the new run as in progress right away.
            if let Some(old) = self
                .load_json::<RunState>(&state_key(self.import_id()))
                .await
            {
                self.clear_state(&old).await;
            }
            let _ = self.save_record(&state.report).await;
        }
        self.load_user_cache().await;
        let outcome = self.work(&mut state, &mut desired).await;
        let report = &mut state.report;
        let mut calls = report.api_calls.clone();
        calls.add(&self.client.calls());
        report.api_calls = calls;
        report.duration_ms += self.host.now_ms() - self.started;
        match outcome {
            Ok(()) => {
                report.status = if report.guard.is_some() {
                    RunStatus::Stopped
                } else {
                    RunStatus::Succeeded
                };
                report.phase = "done".to_string();
                report.finished_at = Some(self.host.now_ms());
            }
            Err(Stop::Budget) if self.options.dry_run => {
                report.status = RunStatus::Continue;
                report.message = Some(format!(
                    "the preview did not finish within {} ms (it got to phase {}); a real run continues where a preview cannot",
                    self.budget_ms, report.phase
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
            Err(Stop::Fail(message)) => {
                self.host.log(
                    LogLevel::Error,
                    &format!("import {}: {message}", self.import_id()),
                );
                report.status = RunStatus::Failed;
                report.message = Some(message);
                report.finished_at = Some(self.host.now_ms());
            }
        }
        if self.options.dry_run {
            return state.report;
        }
        if state.report.status == RunStatus::Continue {
            if let Err(e) = self.save_state(&mut state, &desired).await {
                state.report.status = RunStatus::Failed;
                state.report.message = Some(format!("could not store the run state: {e}"));
                state.report.finished_at = Some(self.host.now_ms());
            } else {
                // Keep the lease for the continuation, which carries the same run id.
                let _ = self.acquire_lease().await;
                return state.report;
            }
        }
        let _ = self.save_record(&state.report).await;
        let _ = self.save_user_cache().await;
        self.clear_state(&state).await;
        self.release_lease().await;
        state.report
    }

    fn fresh_state(&self) -> RunState {
        let mut report = RunReport::new(&self.run_id, self.import_id(), self.started);
        report.invocations = 0;
        RunState {
            run_id: self.run_id.clone(),
            phase: Phase::ReadSource,
            source_skip: 0,
            source_chunks: 0,
            source_stored: 0,
            lookup_chunks: 0,
            planned: false,
            failed_keys: BTreeSet::new(),
            report,
        }
    }

    async fn work(
        &self,
        state: &mut RunState,
        desired: &mut Vec<DesiredObject>,
    ) -> Result<(), Stop> {
        state.report.phase = "target".to_string();
        let target = self.resolve_target().await?;
        state.report.object_type_id = Some(target.object_type_id.clone());
        self.import.transform.prepare(&target).map_err(|problems| {
            Stop::Fail(format!(
                "the mapping does not fit object type {}: {}",
                target.object_type_id,
                problems.join("; ")
            ))
        })?;
        if state.phase == Phase::ReadSource {
            state.report.phase = "readSource".to_string();
            self.read_source(state, desired, &target).await?;
            state.phase = Phase::Write;
        }
        state.report.phase = "readAssets".to_string();
        if self.over_budget() {
            return Err(Stop::Budget);
        }
        let defs: Vec<AttrDef> = target
            .attributes
            .iter()
            .map(AttrDef::from_attribute)
            .collect();
        let existing: Vec<ExistingObject> = self
            .aql_all(format!("objectTypeId = {}", target.object_type_id))
            .await?
            .iter()
            .map(|o| ExistingObject::from_object(o, &defs))
            .collect();
        let mut records = desired.clone();
        let statuses = self.status_ids(&target, &records).await?;
        apply_statuses(&mut records, &defs, &statuses);
        let lookups = self.resolve_lookups(&target, &records).await?;
        let missing = self.missing_action(&target, &statuses)?;
        let the_plan = plan(&PlanInput {
            object_type_id: &target.object_type_id,
            key_attribute: &defs[target.key_index],
            attributes: &defs,
            desired: &records,
            existing: &existing,
            lookups: &lookups,
            missing: &missing,
            limit: self.spec.limit,
            skip_keys: &state.failed_keys,
        });
        self.record_plan(state, &the_plan, &records);
        if self.options.dry_run {
            let mut view = PlanView::from(&the_plan);
            if let Some(limit) = self.options.plan_limit {
                view.truncate(limit);
            }
            state.report.plan = Some(view);
            return Ok(());
        }
        state.report.phase = "write".to_string();
        self.write(state, &the_plan, &target).await
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
        report.counts.failed += skipped_records(records, the_plan);
        let warned: BTreeSet<&str> = the_plan
            .problems
            .iter()
            .filter(|p| p.attribute.is_some() && !p.key.is_empty())
            .map(|p| p.key.as_str())
            .collect();
        report.counts.warnings = warned.len() as u64;
        report.progress = crate::report::Progress {
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

    // ----- target -----

    async fn get(&self, path: String) -> Result<Value, CallError> {
        self.client
            .json(CallKind::Read, request(Service::Jira, "GET", path, None))
            .await
    }

    async fn resolve_target(&self) -> Result<Target, Stop> {
        let workspace = match &self.options.workspace_id {
            Some(ws) => ws.clone(),
            None => {
                let body = self
                    .get("/rest/servicedeskapi/assets/workspace".to_string())
                    .await?;
                body.get("values")
                    .and_then(|v| v.get(0))
                    .and_then(|v| v.get("workspaceId"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| Stop::Fail("this Jira site has no Assets workspace (Assets needs JSM Premium or Enterprise)".to_string()))?
            }
        };
        *self.workspace.borrow_mut() = workspace;
        let type_ref = self.options.object_type.clone().or_else(|| self.spec.object_type.clone()).ok_or_else(|| {
            Stop::Fail("no target object type: add config:objectType=<name or id> to the mapping or pass objectType".to_string())
        })?;
        let schema_ref = self
            .options
            .object_schema
            .clone()
            .or_else(|| self.spec.object_schema.clone());
        let (type_id, schema_id) = if is_id(&type_ref) {
            let body = self
                .get(self.assets_path(&format!("objecttype/{type_ref}")))
                .await
                .map_err(|e| match e {
                    CallError::Status { status: 404, .. } => {
                        Stop::Fail(format!("there is no object type with id {type_ref}"))
                    }
                    other => other.into(),
                })?;
            (
                type_ref.clone(),
                body.get("objectSchemaId")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            )
        } else {
            self.find_type_by_name(&type_ref, schema_ref.as_deref())
                .await?
        };
        let attributes = self.type_attributes(&type_id).await?;
        let key_index = attributes
            .iter()
            .position(|a| a.name.eq_ignore_ascii_case(self.spec.key_attribute.trim()))
            .ok_or_else(|| {
                Stop::Fail(format!(
                    "object type {type_ref} has no attribute named {:?} (the key: line)",
                    self.spec.key_attribute
                ))
            })?;
        Ok(Target {
            object_type_id: type_id,
            object_schema_id: schema_id,
            attributes,
            key_index,
        })
    }

    async fn find_type_by_name(
        &self,
        name: &str,
        schema: Option<&str>,
    ) -> Result<(String, Option<String>), Stop> {
        let mut schemas: Vec<(String, String)> = Vec::new();
        let mut start = 0;
        loop {
            let body = self
                .get(self.assets_path(&format!("objectschema/list?startAt={start}&maxResults=50")))
                .await?;
            let values = body
                .get("values")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for schema in &values {
                let id = text_field(schema, "id");
                let schema_name = text_field(schema, "name");
                schemas.push((id, schema_name));
            }
            let last = is_true(body.get("isLast")) || is_true(body.get("last"));
            let total = body.get("total").and_then(Value::as_u64).unwrap_or(0);
            start += values.len();
            if last || values.is_empty() || start as u64 >= total {
                break;
            }
        }
        if let Some(wanted) = schema {
            schemas.retain(|(id, n)| id == wanted || n.eq_ignore_ascii_case(wanted.trim()));
            if schemas.is_empty() {
                return Err(Stop::Fail(format!("there is no object schema {wanted:?}")));
            }
        }
        let mut found = Vec::new();
        for (schema_id, schema_name) in &schemas {
            let body = self
                .get(self.assets_path(&format!("objectschema/{schema_id}/objecttypes/flat")))
                .await?;
            for object_type in body.as_array().into_iter().flatten() {
                if object_type
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name.trim()))
                {
                    let id = text_field(object_type, "id");
                    found.push((id, schema_id.clone(), schema_name.clone()));
                }
            }
        }
        match found.len() {
            0 => Err(Stop::Fail(match schema {
                Some(s) => format!("object schema {s:?} has no object type named {name:?}"),
                None => format!("no object schema has an object type named {name:?}"),
            })),
            1 => {
                let (id, schema_id, _) = found.remove(0);
                Ok((id, Some(schema_id)))
            }
            _ => Err(Stop::Fail(format!(
                "object type {name:?} exists in several schemas ({}); name one with config:objectSchema",
                found.iter().map(|f| f.2.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    async fn type_attributes(&self, type_id: &str) -> Result<Vec<ObjectTypeAttribute>, CallError> {
        if let Some(cached) = self.type_attributes.borrow().get(type_id) {
            return Ok(cached.clone());
        }
        let body = self
            .get(self.assets_path(&format!("objecttype/{type_id}/attributes")))
            .await?;
        let attributes: Vec<ObjectTypeAttribute> =
            serde_json::from_value(body).map_err(|e| CallError::Status {
                status: 200,
                message: format!("unreadable attribute list of object type {type_id}: {e}"),
            })?;
        self.type_attributes
            .borrow_mut()
            .insert(type_id.to_string(), attributes.clone());
        Ok(attributes)
    }

    // ----- source -----

    fn source_path(&self, skip: u64) -> String {
        let api = self.spec.api;
        let limit = self.spec.page_size.clamp(1, api.max_limit);
        let mut query = vec![format!("limit={limit}"), format!("skip={skip}")];
        if api.sort {
            // Stable paging while the directory changes.
            query.push(format!("sort={}", api.id_field));
        }
        if let Some(separator) = api
            .fields_separator
            .filter(|_| !self.spec.fields.is_empty())
        {
            query.push(format!(
                "fields={}",
                encode(&self.spec.fields.join(separator))
            ));
        }
        for filter in &self.spec.filters {
            query.push(format!("filter={}", encode(filter)));
        }
        for (i, filter) in self.spec.any_filters.iter().enumerate() {
            query.push(format!(
                "{}={}",
                encode(&format!("filter[or][{i}]")),
                encode(filter)
            ));
        }
        format!("{}?{}", api.path, query.join("&"))
    }

    async fn read_page(&self, skip: u64) -> Result<(Vec<Value>, Option<u64>), CallError> {
        let response = self
            .client
            .send(
                CallKind::JumpCloud,
                request(Service::JumpCloud, "GET", self.source_path(skip), None),
            )
            .await?;
        let body: Value = serde_json::from_str(&response.body).map_err(|e| CallError::Status {
            status: response.status,
            message: format!("JumpCloud answered with something that is not JSON ({e})"),
        })?;
        let header_total = response
            .header("x-total-count")
            .and_then(|t| t.trim().parse::<u64>().ok());
        match body {
            Value::Array(records) => Ok((records, header_total)),
            Value::Object(mut map) => {
                let total = map
                    .get("totalCount")
                    .and_then(Value::as_u64)
                    .or(header_total);
                let records = match map.remove("results") {
                    Some(Value::Array(records)) => records,
                    _ => Vec::new(),
                };
                Ok((records, total))
            }
            _ => Err(CallError::Status {
                status: response.status,
                message: "JumpCloud answered with an unexpected body".to_string(),
            }),
        }
    }

    /// Every item of a v2 list (bare arrays, paged with `limit`/`skip`).
    async fn v2_all(&self, path: &str) -> Result<Vec<Value>, CallError> {
        let mut out = Vec::new();
        loop {
            let page_path = format!("{path}?limit=100&skip={}", out.len());
            let body = self
                .client
                .json(
                    CallKind::JumpCloud,
                    request(Service::JumpCloud, "GET", page_path, None),
                )
                .await?;
            let page = body.as_array().cloned().unwrap_or_default();
            let full = page.len() == 100;
            out.extend(page);
            if !full {
                return Ok(out);
            }
        }
    }

    /// Group member ids (`{groups}/{id}/members`, every page).
    async fn members(&self, groups: &str, group_id: &str) -> Result<Vec<Value>, CallError> {
        let edges = self
            .v2_all(&format!("{groups}/{}/members", encode(group_id)))
            .await?;
        Ok(edges
            .iter()
            .filter_map(|edge| edge.get("to").and_then(|to| to.get("id")).cloned())
            .collect())
    }

    /// Member id → ids of the groups it is a direct member of, for a v2 group collection.
    async fn memberships(&self, groups: &str) -> Result<BTreeMap<String, Vec<Value>>, CallError> {
        let ids: Vec<String> = self
            .v2_all(groups)
            .await?
            .iter()
            .filter_map(|g| g.get("id").and_then(Value::as_str).map(str::to_string))
            .collect();
        let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for group in ids {
            for member in self.members(groups, &group).await? {
                if let Some(member) = member.as_str() {
                    out.entry(member.to_string())
                        .or_default()
                        .push(Value::String(group.clone()));
                }
            }
        }
        Ok(out)
    }

    async fn read_source(
        &self,
        state: &mut RunState,
        desired: &mut Vec<DesiredObject>,
        target: &Target,
    ) -> Result<(), Stop> {
        let memberships = match self.spec.memberof_groups {
            Some(groups) => Some(self.memberships(groups.path).await?),
            None => None,
        };
        loop {
            if self.over_budget() {
                return Err(Stop::Budget);
            }
            let (mut records, total) = self.read_page(state.source_skip).await?;
            for record in records.iter_mut() {
                let id = text_field(record, self.spec.api.id_field);
                let extra = if self.spec.expand_members && !id.is_empty() {
                    Some(("members", self.members(self.spec.api.path, &id).await?))
                } else {
                    memberships
                        .as_ref()
                        .map(|m| ("memberof", m.get(&id).cloned().unwrap_or_default()))
                };
                if let (Some((name, ids)), Some(map)) = (extra, record.as_object_mut()) {
                    map.insert(name.to_string(), Value::Array(ids));
                }
            }
            let count = records.len() as u64;
            for record in &records {
                desired.push(self.import.transform.transform(record, target));
            }
            state.source_skip += count;
            self.progress();
            state.report.counts.source = state.source_skip;
            state.report.progress = crate::report::Progress {
                done: state.source_skip,
                total: total.unwrap_or(state.source_skip),
            };
            let page_size = u64::from(self.spec.page_size.clamp(1, self.spec.api.max_limit));
            if count < page_size || total.is_some_and(|t| state.source_skip >= t) {
                return Ok(());
            }
        }
    }

    // ----- Assets reads -----

    async fn aql_all(&self, ql: String) -> Result<Vec<Object>, CallError> {
        let mut out = Vec::new();
        let mut start = 0u64;
        loop {
            let path = self.assets_path(&format!(
                "object/aql?startAt={start}&maxResults={AQL_PAGE_SIZE}&includeAttributes=true"
            ));
            let body = serde_json::json!({ "qlQuery": ql }).to_string();
            let page = self
                .client
                .json(
                    CallKind::Aql,
                    request(Service::Jira, "POST", path, Some(body)),
                )
                .await?;
            let values: Vec<Object> = match page.get("values") {
                Some(values) => {
                    serde_json::from_value(values.clone()).map_err(|e| CallError::Status {
                        status: 200,
                        message: format!("unreadable AQL result: {e}"),
                    })?
                }
                None => Vec::new(),
            };
            let count = values.len() as u64;
            out.extend(values);
            start += count;
            if is_true(page.get("isLast")) || count == 0 {
                return Ok(out);
            }
        }
    }

    /// Status ids by lower-cased name, fetched only when a status is given by name.
    async fn status_ids(
        &self,
        target: &Target,
        records: &[DesiredObject],
    ) -> Result<BTreeMap<String, String>, Stop> {
        let status_attrs: BTreeSet<&str> = target
            .attributes
            .iter()
            .filter(|a| a.kind == AttributeKind::Status)
            .map(|a| a.id.as_str())
            .collect();
        let by_name = |v: &String| !is_id(v);
        let mut needed = records.iter().flat_map(|r| &r.attributes).any(|(id, d)| {
            status_attrs.contains(id.as_str())
                && matches!(d, Desired::Values { values } if values.iter().any(by_name))
        });
        if let MissingSpec::Mark { set } = &self.spec.missing {
            needed |= set.iter().any(|(name, value)| {
                target
                    .attribute(name)
                    .is_some_and(|a| a.kind == AttributeKind::Status)
                    && by_name(value)
            });
        }
        if !needed {
            return Ok(BTreeMap::new());
        }
        let query = target
            .object_schema_id
            .as_ref()
            .map(|s| format!("?objectSchemaId={}", encode(s)))
            .unwrap_or_default();
        let body = self
            .get(self.assets_path(&format!("config/statustype{query}")))
            .await?;
        Ok(body
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| {
                Some((
                    s.get("name")?.as_str()?.to_lowercase(),
                    s.get("id")?.as_str()?.to_string(),
                ))
            })
            .collect())
    }

    fn missing_action(
        &self,
        target: &Target,
        statuses: &BTreeMap<String, String>,
    ) -> Result<MissingAction, Stop> {
        Ok(match &self.spec.missing {
            MissingSpec::Ignore => MissingAction::Ignore,
            MissingSpec::Delete => MissingAction::Delete,
            MissingSpec::Mark { set } => {
                let mut pairs = Vec::new();
                for (name, value) in set {
                    let attribute = target
                        .attribute(name)
                        .ok_or_else(|| Stop::Fail(format!("config:missing marks {name:?}, which is not an attribute of the object type")))?;
                    let def = AttrDef::from_attribute(attribute);
                    let value = if attribute.kind == AttributeKind::Status && !is_id(value) {
                        statuses
                            .get(&value.to_lowercase())
                            .cloned()
                            .ok_or_else(|| Stop::Fail(format!("config:missing sets {name} to {value:?}, which is not an Assets status")))?
                    } else {
                        def.normalise(value)
                    };
                    pairs.push((attribute.id.clone(), value));
                }
                MissingAction::Mark { set: pairs }
            }
        })
    }

    /// Resolves references to other object types (AQL, batched with `IN`) and Jira users.
    async fn resolve_lookups(
        &self,
        target: &Target,
        records: &[DesiredObject],
    ) -> Result<LookupTable, Stop> {
        let mut table = LookupTable::default();
        let mut wanted: BTreeMap<(String, LookupBy), BTreeSet<String>> = BTreeMap::new();
        let mut emails: BTreeSet<String> = BTreeSet::new();
        for (_, desired) in records.iter().flat_map(|r| &r.attributes) {
            match desired {
                Desired::Lookup {
                    target_type_id,
                    by,
                    values,
                } if *target_type_id != target.object_type_id => {
                    wanted
                        .entry((target_type_id.clone(), by.clone()))
                        .or_default()
                        .extend(values.iter().cloned());
                }
                Desired::JiraUser { emails: list } => emails.extend(
                    list.iter()
                        .filter(|e| e.contains('@'))
                        .map(|e| e.to_lowercase()),
                ),
                _ => {}
            }
        }
        for ((type_id, by), values) in wanted {
            let attributes = self.type_attributes(&type_id).await?;
            let name = match &by {
                LookupBy::Key => self.spec.key_attribute.clone(),
                LookupBy::Attribute(name) => name.clone(),
            };
            let Some(attribute) = attributes
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(name.trim()))
            else {
                // Every reference through it is then reported by the planner as not found.
                self.host.log(
                    LogLevel::Warn,
                    &format!(
                        "object type {type_id} has no attribute {name:?} to look references up by"
                    ),
                );
                continue;
            };
            let def = AttrDef::from_attribute(attribute);
            let known = |v: &String| {
                self.found.borrow().objects.contains_key(&(
                    type_id.clone(),
                    by.clone(),
                    v.to_lowercase(),
                ))
            };
            let values: Vec<String> = values.into_iter().filter(|v| !known(v)).collect();
            for batch in values.chunks(LOOKUP_BATCH) {
                if self.over_budget() {
                    return Err(Stop::Budget);
                }
                let list: Vec<String> = batch.iter().map(|v| aql_quote(v)).collect();
                let ql = format!(
                    "objectTypeId = {type_id} AND {} IN ({})",
                    aql_quote(&attribute.name),
                    list.join(", ")
                );
                let wanted_lower: BTreeSet<String> =
                    batch.iter().map(|v| v.to_lowercase()).collect();
                let objects = self.aql_all(ql).await?;
                let mut found = self.found.borrow_mut();
                for value in &wanted_lower {
                    // Recorded even when nothing matches, so it is not looked up again.
                    found
                        .objects
                        .entry((type_id.clone(), by.clone(), value.clone()))
                        .or_default();
                }
                for object in objects {
                    let compact = ExistingObject::from_object(&object, std::slice::from_ref(&def));
                    for value in compact.get(&def.id) {
                        if wanted_lower.contains(&value.to_lowercase()) {
                            found.insert_object(&type_id, &by, value, object.object_key.clone());
                        }
                    }
                }
                drop(found);
                self.progress();
            }
        }
        // Searches already done in this run are kept, so a continuation does not repeat them.
        let emails: Vec<String> = emails
            .into_iter()
            .filter(|e| !self.users.borrow().contains_key(e))
            .collect();
        for batch in emails.chunks(self.concurrency) {
            if self.over_budget() {
                return Err(Stop::Budget);
            }
            let found = join_all(batch.iter().map(|email| self.find_user(email)).collect()).await;
            let now = self.host.now_ms();
            for (email, account) in batch.iter().zip(found) {
                self.users
                    .borrow_mut()
                    .insert(email.clone(), (account?, now));
            }
            self.progress();
        }
        table.objects = self.found.borrow().objects.clone();
        table.users = self
            .users
            .borrow()
            .iter()
            .map(|(email, (account, _))| (email.clone(), account.clone()))
            .collect();
        Ok(table)
    }

    /// The accountId for an email: the user whose visible email matches, else the only
    /// Atlassian account the search returns (emails may be hidden by privacy settings).
    async fn find_user(&self, email: &str) -> Result<Option<String>, Stop> {
        let path = format!("/rest/api/3/user/search?query={}", encode(email));
        let body = match self
            .client
            .json(
                CallKind::UserSearch,
                request(Service::Jira, "GET", path, None),
            )
            .await
        {
            Ok(body) => body,
            Err(CallError::Status { status, message })
                if (400..500).contains(&status) && status != 429 =>
            {
                self.host.log(
                    LogLevel::Warn,
                    &format!("user search for an email failed: HTTP {status}: {message}"),
                );
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let users: Vec<&Value> = body.as_array().into_iter().flatten().collect();
        let account = |u: &Value| {
            u.get("accountId")
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        if let Some(user) = users.iter().find(|u| {
            u.get("emailAddress")
                .and_then(Value::as_str)
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        }) {
            return Ok(account(user));
        }
        let people: Vec<&&Value> = users
            .iter()
            .filter(|u| {
                u.get("accountType")
                    .and_then(Value::as_str)
                    .is_none_or(|t| t == "atlassian")
            })
            .filter(|u| u.get("emailAddress").is_none())
            .collect();
        Ok(if people.len() == 1 {
            account(people[0])
        } else {
            None
        })
    }

    // ----- writes -----

    async fn write(
        &self,
        state: &mut RunState,
        the_plan: &Plan,
        target: &Target,
    ) -> Result<(), Stop> {
        let mut ops: Vec<Vec<WriteOp<'_>>> = Vec::new();
        let max_level = the_plan.creates.iter().map(|c| c.level).max();
        for level in 0..=max_level.unwrap_or(0) {
            let batch: Vec<WriteOp<'_>> = the_plan
                .creates
                .iter()
                .filter(|c| c.level == level)
                .map(WriteOp::Create)
                .collect();
            if !batch.is_empty() {
                ops.push(batch);
            }
        }
        ops.push(the_plan.deferred().map(WriteOp::Deferred).collect());
        ops.push(the_plan.updates.iter().map(WriteOp::Update).collect());
        ops.push(the_plan.marks().map(WriteOp::Mark).collect());
        ops.push(the_plan.deletes().map(WriteOp::Delete).collect());
        for group in ops {
            for chunk in group.chunks(self.concurrency) {
                if self.over_budget() {
                    return Err(Stop::Budget);
                }
                let outcomes =
                    join_all(chunk.iter().map(|op| self.execute(op, target)).collect()).await;
                self.progress();
                let mut postponed = false;
                for outcome in outcomes {
                    let counts = &mut state.report.counts;
                    if !matches!(outcome, Outcome::Postponed) {
                        state.report.progress.done += 1;
                    }
                    match outcome {
                        Outcome::Postponed => postponed = true,
                        Outcome::Created => counts.created += 1,
                        Outcome::Deferred => {}
                        Outcome::Updated => counts.updated += 1,
                        Outcome::Marked => counts.marked += 1,
                        Outcome::Deleted => counts.deleted += 1,
                        Outcome::Failed(key, error) => {
                            counts.failed += 1;
                            state.failed_keys.insert(key);
                            state.report.add_error(error);
                        }
                    }
                }
                if postponed {
                    return Err(Stop::Budget);
                }
            }
        }
        Ok(())
    }

    async fn execute(&self, op: &WriteOp<'_>, target: &Target) -> Outcome {
        let failed = |key: &str, what: &str, e: CallError| {
            if let CallError::OutOfTime(_) = e {
                return Outcome::Postponed;
            }
            let message = match &e {
                CallError::Status { status, message } => {
                    format!("Assets refused the {what} (HTTP {status}): {message}")
                }
                other => format!("the {what} failed: {other}"),
            };
            Outcome::Failed(
                key.to_string(),
                RecordError {
                    key: key.to_string(),
                    attribute: None,
                    message,
                    level: Level::Error,
                },
            )
        };
        match op {
            WriteOp::Create(create) => match self.create(create, target).await {
                Ok(()) => Outcome::Created,
                Err(e) => failed(&create.key, "create", e),
            },
            WriteOp::Deferred(create) => {
                let Some((id, _)) = self.created.borrow().get(&create.key).cloned() else {
                    // Created by an earlier invocation: the re-plan sees it as an update instead.
                    return Outcome::Deferred;
                };
                match self.put(&create.key, &id, &create.deferred, target).await {
                    Ok(()) => Outcome::Deferred,
                    Err(e) => failed(&create.key, "reference update", e),
                }
            }
            WriteOp::Update(update) => match self
                .put(&update.key, &update.id, &update.changes, target)
                .await
            {
                Ok(()) => Outcome::Updated,
                Err(e) => failed(&update.key, "update", e),
            },
            WriteOp::Mark(missing) => match self
                .put(&missing.key, &missing.id, &missing.changes, target)
                .await
            {
                Ok(()) => Outcome::Marked,
                Err(e) => failed(&missing.key, "mark", e),
            },
            WriteOp::Delete(missing) => {
                let path = self.assets_path(&format!("object/{}", missing.id));
                match self
                    .client
                    .send(
                        CallKind::Delete,
                        request(Service::Jira, "DELETE", path, None),
                    )
                    .await
                {
                    // Already gone (e.g. deleted before a crash): the goal is reached.
                    Ok(_) | Err(CallError::Status { status: 404, .. }) => Outcome::Deleted,
                    Err(e) => failed(&missing.key, "delete", e),
                }
            }
        }
    }

    /// The write body of some changes; references to objects created in this run get their
    /// new object keys, and values whose object could not be created are left out.
    fn body(&self, changes: &[Change], target: &Target) -> (ObjectIn, Vec<String>) {
        let created = self.created.borrow();
        let mut lost = Vec::new();
        let attributes = changes
            .iter()
            .map(|change| AttributeIn {
                object_type_attribute_id: change.attribute_id.clone(),
                object_attribute_values: change
                    .new
                    .iter()
                    .filter_map(|v| match v {
                        WriteValue::Text(text) => Some(text.clone()),
                        WriteValue::Created { created: other } => {
                            let found =
                                created.get(other).map(|(_, object_key)| object_key.clone());
                            if found.is_none() {
                                lost.push(format!(
                                    "{}: the referenced object {other} was not created",
                                    change.attribute
                                ));
                            }
                            found
                        }
                    })
                    .map(|value| AttributeValueIn { value })
                    .collect(),
            })
            .collect();
        (
            ObjectIn {
                object_type_id: target.object_type_id.clone(),
                attributes,
            },
            lost,
        )
    }

    fn log_lost(&self, key: &str, lost: &[String]) {
        for message in lost {
            self.host.log(LogLevel::Warn, &format!("{key}: {message}"));
        }
    }

    async fn put(
        &self,
        key: &str,
        id: &str,
        changes: &[Change],
        target: &Target,
    ) -> Result<(), CallError> {
        let (body, lost) = self.body(changes, target);
        self.log_lost(key, &lost);
        let path = self.assets_path(&format!("object/{id}"));
        let text = serde_json::to_string(&body).expect("object bodies serialise");
        self.client
            .send(
                CallKind::Update,
                request(Service::Jira, "PUT", path, Some(text)),
            )
            .await
            .map(|_| ())
    }

    async fn create(&self, create: &Create, target: &Target) -> Result<(), CallError> {
        let (mut body, lost) = self.body(&create.changes, target);
        self.log_lost(&create.key, &lost);
        body.attributes
            .retain(|a| !a.object_attribute_values.is_empty());
        let text = serde_json::to_string(&body).expect("object bodies serialise");
        let mut rounds = 0;
        loop {
            let path = self.assets_path("object/create");
            match self
                .client
                .send(
                    CallKind::Create,
                    request(Service::Jira, "POST", path, Some(text.clone())),
                )
                .await
            {
                Ok(response) => {
                    let object: Value = serde_json::from_str(&response.body).unwrap_or(Value::Null);
                    let id = text_field(&object, "id");
                    let object_key = text_field(&object, "objectKey");
                    self.created
                        .borrow_mut()
                        .insert(create.key.clone(), (id, object_key));
                    return Ok(());
                }
                Err(CallError::Uncertain(message)) => {
                    // The create may have gone through: look for the key value before resending.
                    let key_name = &target.key_attribute().name;
                    let ql = format!(
                        "objectTypeId = {} AND {} = {}",
                        target.object_type_id,
                        aql_quote(key_name),
                        aql_quote(&create.key)
                    );
                    if let Some(object) = self.aql_all(ql).await?.into_iter().next() {
                        self.created
                            .borrow_mut()
                            .insert(create.key.clone(), (object.id, object.object_key));
                        return Ok(());
                    }
                    rounds += 1;
                    if rounds >= 4 {
                        return Err(CallError::Transport(message));
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Source records the plan leaves out entirely (no key, duplicate keys on either side).
fn skipped_records(records: &[DesiredObject], the_plan: &Plan) -> u64 {
    let record_level: BTreeSet<&str> = the_plan
        .problems
        .iter()
        .filter(|p| p.attribute.is_none() && p.level == Level::Error)
        .map(|p| p.key.as_str())
        .collect();
    records
        .iter()
        .filter(|r| record_level.contains(r.key.as_str()))
        .count() as u64
}

/// Replaces status names by status ids; unknown names become record problems.
fn apply_statuses(
    records: &mut [DesiredObject],
    defs: &[AttrDef],
    statuses: &BTreeMap<String, String>,
) {
    let status_attrs: BTreeMap<&str, &str> = defs
        .iter()
        .filter(|d| d.kind == AttributeKind::Status)
        .map(|d| (d.id.as_str(), d.name.as_str()))
        .collect();
    if status_attrs.is_empty() {
        return;
    }
    for record in records.iter_mut() {
        let mut problems = Vec::new();
        record.attributes.retain_mut(|(id, desired)| {
            let Some(name) = status_attrs.get(id.as_str()) else {
                return true;
            };
            let Desired::Values { values } = desired else {
                return true;
            };
            for value in values.iter_mut() {
                if is_id(value) {
                    continue;
                }
                match statuses.get(&value.to_lowercase()) {
                    Some(status_id) => *value = status_id.clone(),
                    None => {
                        problems.push(RecordProblem {
                            attribute: Some(name.to_string()),
                            message: format!("{value:?} is not an Assets status"),
                        });
                        return false;
                    }
                }
            }
            true
        });
        record.problems.extend(problems);
    }
}

fn is_id(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// A string field of a JSON object, empty when absent.
fn text_field(value: &Value, name: &str) -> String {
    value
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Assets sends `isLast` as a boolean, and its own examples as a string.
fn is_true(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}
