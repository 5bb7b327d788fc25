//! The run store: the storage key layout, the run lease, the resumable run state (in chunks
//! under the store's value limit), the run record, and the Jira user cache kept across runs.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::StorageError;
use crate::host::SyncHost;
use crate::model::{DesiredObject, LookupBy};
use tributary_models::assets::ObjectTypeAttribute;

use super::chunks;
use super::pending::PendingWrite;
use super::storage::{Storage, StorePacing};
use crate::report::RunReport;

/// Stored values stay well under Forge's 240 KiB limit.
pub const CHUNK_BYTES: usize = 150 * 1024;
/// The largest run record stored (errors beyond it are counted, not kept).
pub const RECORD_MAX_BYTES: usize = 120 * 1024;
/// How long a slice claim is kept: four days, longer than Forge keeps an undelivered event
/// (24 hours, extended by up to 72 while it is retried), so every late copy finds it.
pub const SLICE_CLAIM_TTL_MS: f64 = 4.0 * 24.0 * 3600.0 * 1000.0;
/// How long a slice claim stands past its invocation's deadline before another copy of the
/// event may take the slice over: the deadline is read on one machine's clock and compared on
/// another's (synchronised, but not to the millisecond).
pub const SLICE_CLAIM_GRACE_MS: f64 = 2_000.0;
/// How long run records are kept: 90 days.
pub const RECORD_TTL_MS: f64 = 90.0 * 24.0 * 3600.0 * 1000.0;
/// How long a found accountId is trusted before the email is searched again.
pub const USER_FOUND_TTL_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;
/// How long "no Jira user for this email" is trusted (new accounts appear).
pub const USER_MISSING_TTL_MS: f64 = 24.0 * 3600.0 * 1000.0;

/// The storage key layout: every key the engine reads or writes, in one place.
pub mod keys {
    /// Prefix shared by every key the engine writes.
    pub const PREFIX: &str = "tributary:";
    /// Prefix of the run records (`{RUN_PREFIX}{importId}:{runId}`): what run history lists.
    pub const RUN_PREFIX: &str = "tributary:run:";
    /// Prefix of the per-record results (`{RESULTS_PREFIX}{importId}:{runId}:{chunk}`).
    pub const RESULTS_PREFIX: &str = "tributary:results:";

    /// The run lease of an import: `{runId, expiresAt}`.
    pub fn lease(import_id: &str) -> String {
        format!("tributary:lease:{import_id}")
    }

    /// The resumable state of an import's unfinished run.
    pub fn state(import_id: &str) -> String {
        format!("tributary:state:{import_id}")
    }

    /// One chunk of the source records an unfinished run has read.
    pub fn source_chunk(import_id: &str, index: u32) -> String {
        format!("tributary:state:{import_id}:source:{index}")
    }

    /// One chunk of the reference lookups an unfinished run has resolved.
    pub fn lookup_chunk(import_id: &str, index: u32) -> String {
        format!("tributary:state:{import_id}:lookups:{index}")
    }

    /// One chunk of what is left of an unfinished run's plan (see [`super::pending`]).
    pub fn pending_chunk(import_id: &str, index: u32) -> String {
        format!("tributary:state:{import_id}:pending:{index}")
    }

    /// Whether the stored plan of an unfinished run was taken by a slice yet: `{generation,
    /// taken}`.
    pub fn pending_claim(import_id: &str) -> String {
        format!("tributary:state:{import_id}:pending")
    }

    /// A run record (the run report as last stored).
    pub fn run(import_id: &str, run_id: &str) -> String {
        format!("{RUN_PREFIX}{import_id}:{run_id}")
    }

    /// The record of a background preview (a dry run the host queued): kept apart from the
    /// run records, so run history never lists it.
    pub fn preview(import_id: &str, run_id: &str) -> String {
        format!("tributary:preview:{import_id}:{run_id}")
    }

    /// One chunk of the per-record results of a run or background preview.
    pub fn results_chunk(import_id: &str, run_id: &str, index: u32) -> String {
        format!("{RESULTS_PREFIX}{import_id}:{run_id}:{index}")
    }

    /// An admin's request to cancel a run (checked at each slice and progress save).
    pub fn cancel(import_id: &str, run_id: &str) -> String {
        format!("tributary:cancel:{import_id}:{run_id}")
    }

    /// The claim of one queue slice of a run (exactly one invocation runs each slice).
    pub fn slice(import_id: &str, run_id: &str, slice: u64) -> String {
        format!("tributary:slice:{import_id}:{run_id}:{slice}")
    }

    /// When the import's last run that refreshed its objects (`succeeded` or `partial`)
    /// finished: what a scheduled tick asks to tell a stale dependency.
    pub fn refreshed(import_id: &str) -> String {
        format!("tributary:refreshed:{import_id}")
    }

    /// The index of an import's Jira user cache (`{chunks}`), kept across runs.
    pub fn user_cache(import_id: &str) -> String {
        format!("tributary:userCache:{import_id}")
    }

    /// One chunk of an import's Jira user cache.
    pub fn user_cache_chunk(import_id: &str, index: u32) -> String {
        format!("tributary:userCache:{import_id}:{index}")
    }
}

/// The rule for import and run ids: they become parts of storage keys.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ID_PUNCTUATION.contains(c))
}

/// The longest import or run id.
pub const MAX_ID_LEN: usize = 100;
/// The characters besides ASCII letters and digits an id may hold.
pub const ID_PUNCTUATION: &str = "._-";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lease {
    run_id: String,
    expires_at: f64,
}

/// What a slice claim says.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
enum SliceState {
    /// An invocation runs it, and is stopped by `until` at the latest; `stopped` invocations
    /// before it were stopped while they ran it (absent in claims of older versions: none).
    Running {
        until: f64,
        #[serde(default, skip_serializing_if = "is_zero")]
        stopped: u32,
    },
    /// It ran to its end.
    Done,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The outcome of claiming a queue slice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SliceClaim {
    /// This invocation runs the slice.
    Claimed,
    /// This invocation runs the slice, which `stopped` invocations (one after another) were
    /// stopped running before they finished (the redelivered event of a killed invocation).
    TakenOver { stopped: u32 },
    /// Another invocation is running it until `until` at the latest: deliver the event again
    /// after that.
    Running { until: f64 },
    /// It already ran: the event is a duplicate (or stale) and does nothing.
    Done,
}

/// How far an unfinished run got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Stage {
    ReadSource,
    Write,
}

/// The target as resolved by the run's first invocation: later invocations skip the name
/// lookups (schema list, flat type lists) and the attribute read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResolvedIds {
    pub workspace_id: String,
    pub object_type_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_schema_id: Option<String>,
    /// The type's attributes as the first invocation read them (empty in states stored
    /// before they were kept: read again then).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<ObjectTypeAttribute>,
}

/// What survives between invocations of one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RunState {
    pub run_id: String,
    /// The queue slice the run's next event carries (hosts that number their events).
    #[serde(default)]
    pub slice: u64,
    #[serde(rename = "phase")]
    pub stage: Stage,
    /// Next JumpCloud offset to read.
    pub source_skip: u64,
    /// Ids of the records the last page read ended with: the next page starts one record
    /// early and must begin with the last of them, else the listing shifted.
    #[serde(default)]
    pub source_last_ids: Vec<String>,
    /// How many records JumpCloud said match, at the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_total: Option<u64>,
    /// Why the read may be incomplete (the listing changed while it was read), if it may.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_changed: Option<String>,
    /// Stored source chunks.
    pub source_chunks: u32,
    /// Desired objects already stored in chunks.
    pub source_stored: u64,
    /// Stored chunks of the reference lookups resolved so far.
    #[serde(default)]
    pub lookup_chunks: u32,
    /// How many resolved lookups the stored chunks hold (unchanged lookups are not rewritten).
    #[serde(default)]
    pub lookups_stored: u64,
    /// Stored chunks of what is left of the plan (0: none; the next slice plans afresh).
    #[serde(default)]
    pub pending_chunks: u32,
    /// Which stored plan the chunks hold: each slice that stores one counts it up, so a claim
    /// left by an earlier one never passes for it.
    #[serde(default)]
    pub pending_generation: u64,
    /// The resolved target, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<ResolvedIds>,
    /// Whether the first plan's counts are in the report already.
    pub planned: bool,
    /// Keys whose write failed in this run: not tried again by later invocations.
    pub failed_keys: BTreeSet<String>,
    pub report: RunReport,
}

/// The claim on a stored plan: a slice takes generation `generation` by swapping in `taken`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct PendingClaim {
    generation: u64,
    taken: bool,
}

/// What a continuing slice loads: see [`RunStore::load_state`].
pub(crate) struct LoadedState {
    pub state: RunState,
    /// The source records (none when `pending` is there).
    pub desired: Vec<DesiredObject>,
    pub found: Vec<FoundLookup>,
    pub pending: Option<Vec<PendingWrite>>,
}

/// A resolved reference lookup: `(type id, by, lower-cased value)` → object keys.
pub(crate) type FoundLookup = ((String, LookupBy, String), Vec<String>);
/// A cached Jira user search: `(email, accountId, when searched)`.
pub(crate) type CachedUser = (String, Option<String>, f64);

/// Storage access for one import's run.
pub(crate) struct RunStore<'h, H: SyncHost> {
    host: &'h H,
    /// The host's store, paced by its quota.
    storage: Storage<'h, H>,
    import_id: String,
    run_id: String,
    /// Whether this is a background preview's store: its record goes under
    /// [`keys::preview`], not among the run records.
    preview: bool,
}

impl<'h, H: SyncHost> RunStore<'h, H> {
    pub fn new(host: &'h H, import_id: &str, run_id: &str) -> Self {
        Self::paced(host, import_id, run_id, StorePacing::default())
    }

    /// A run's store, its calls paced as `pacing` says.
    pub fn paced(host: &'h H, import_id: &str, run_id: &str, pacing: StorePacing) -> Self {
        RunStore {
            host,
            storage: Storage::new(host, pacing),
            import_id: import_id.to_string(),
            run_id: run_id.to_string(),
            preview: false,
        }
    }

    /// The store of a background preview (a dry run that keeps a record).
    pub fn for_preview(host: &'h H, import_id: &str, run_id: &str, pacing: StorePacing) -> Self {
        RunStore {
            preview: true,
            ..Self::paced(host, import_id, run_id, pacing)
        }
    }

    /// The paced store, for what keeps its own keys (a run's results).
    pub fn storage(&self) -> &Storage<'h, H> {
        &self.storage
    }

    fn record_key(&self) -> String {
        if self.preview {
            keys::preview(&self.import_id, &self.run_id)
        } else {
            keys::run(&self.import_id, &self.run_id)
        }
    }

    pub async fn load_json<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Option<T> {
        let text = self.storage.get(key).await.ok()??;
        serde_json::from_str(&text).ok()
    }

    async fn save_json<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StorageError> {
        let text = serde_json::to_string(value).map_err(|e| StorageError::new(e.to_string()))?;
        self.storage.set(key, &text).await
    }

    /// Takes the import's lease for this run (or renews it) until `expires_at`; `false` when
    /// another unexpired run holds it. Taking a free lease is an atomic create; taking over an
    /// expired one (the store may remove it late) is an atomic swap that is undone when it
    /// turns out another run got there first. Only the holder renews it.
    pub async fn acquire_lease(&self, expires_at: f64) -> Result<bool, StorageError> {
        let key = keys::lease(&self.import_id);
        let mine = Lease {
            run_id: self.run_id.clone(),
            expires_at,
        };
        let text = serde_json::to_string(&mine).map_err(|e| StorageError::new(e.to_string()))?;
        let now = self.host.now_ms();
        let ttl_ms = (expires_at - now).max(1_000.0);
        if self.storage.create(&key, &text, ttl_ms).await? {
            return Ok(true);
        }
        let held = |lease: &Option<Lease>| {
            lease
                .as_ref()
                .is_some_and(|l| l.run_id != self.run_id && l.expires_at > now)
        };
        let current = self.load_json::<Lease>(&key).await;
        if held(&current) {
            return Ok(false);
        }
        if current.as_ref().is_some_and(|l| l.run_id == self.run_id) {
            // This run's own lease (a continuation): extend it, time to live included.
            self.storage.swap(&key, &text, ttl_ms).await?;
            return Ok(true);
        }
        // Expired (or just released): swap ours in, and look at what it replaced.
        let previous_text = self.storage.swap(&key, &text, ttl_ms).await?;
        let previous: Option<Lease> = previous_text
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok());
        if held(&previous) {
            // Another run took it over in between: give it back.
            let back = previous_text.unwrap_or_default();
            let left = previous.map_or(1_000.0, |l| (l.expires_at - now).max(1_000.0));
            self.storage.swap(&key, &back, left).await?;
            return Ok(false);
        }
        Ok(true)
    }

    /// Claims queue slice `slice` of this run until `until` (when the host stops this
    /// invocation). A slice another invocation finished is [`SliceClaim::Done`] (a duplicated
    /// or stale event); one it is still running is [`SliceClaim::Running`] (deliver again
    /// later); one whose invocation was stopped before it finished is taken over.
    pub async fn claim_slice(&self, slice: u64, until: f64) -> Result<SliceClaim, StorageError> {
        let key = keys::slice(&self.import_id, &self.run_id, slice);
        let claim = |stopped: u32| {
            serde_json::to_string(&SliceState::Running { until, stopped })
                .map_err(|e| StorageError::new(e.to_string()))
        };
        if self
            .storage
            .create(&key, &claim(0)?, SLICE_CLAIM_TTL_MS)
            .await?
        {
            return Ok(SliceClaim::Claimed);
        }
        let now = self.host.now_ms();
        let verdict = |state: Option<SliceState>| match state {
            Some(SliceState::Done) => Some(SliceClaim::Done),
            Some(SliceState::Running { until, .. }) if until + SLICE_CLAIM_GRACE_MS > now => {
                Some(SliceClaim::Running {
                    until: until + SLICE_CLAIM_GRACE_MS,
                })
            }
            _ => None,
        };
        let stored = self.load_json(&key).await;
        if let Some(claim) = verdict(stored) {
            return Ok(claim);
        }
        // Its invocation was stopped mid-way (the redelivered event): take it over, unless
        // another copy of the event just did; the claim counts the stopped invocations.
        let stopped = match stored {
            Some(SliceState::Running { stopped, .. }) => stopped + 1,
            _ => 0,
        };
        let previous = self
            .storage
            .swap(&key, &claim(stopped)?, SLICE_CLAIM_TTL_MS)
            .await?;
        let previous_state: Option<SliceState> = previous
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok());
        match verdict(previous_state) {
            Some(claim) => {
                if let Some(text) = previous {
                    self.storage.swap(&key, &text, SLICE_CLAIM_TTL_MS).await?;
                }
                Ok(claim)
            }
            None if matches!(previous_state, Some(SliceState::Running { .. })) => {
                Ok(SliceClaim::TakenOver {
                    stopped: stopped.max(1),
                })
            }
            None => Ok(SliceClaim::Claimed),
        }
    }

    /// The queue slice this run's next event carries, when the import's stored state is
    /// this run's.
    pub async fn saved_slice(&self) -> Option<u64> {
        self.load_json::<RunState>(&keys::state(&self.import_id))
            .await
            .filter(|s| s.run_id == self.run_id)
            .map(|s| s.slice)
    }

    /// Marks slice `slice` of this run as finished: later copies of its event do nothing.
    pub async fn finish_slice(&self, slice: u64) -> Result<(), StorageError> {
        let key = keys::slice(&self.import_id, &self.run_id, slice);
        let done = serde_json::to_string(&SliceState::Done)
            .map_err(|e| StorageError::new(e.to_string()))?;
        self.storage
            .set_expiring(&key, &done, SLICE_CLAIM_TTL_MS)
            .await
    }

    pub async fn release_lease(&self) {
        let key = keys::lease(&self.import_id);
        if self
            .load_json::<Lease>(&key)
            .await
            .is_some_and(|l| l.run_id == self.run_id)
        {
            let _ = self.storage.delete(&key).await;
        }
    }

    /// Notes that the import's objects were refreshed at `at` (its run ended `succeeded`
    /// or `partial`).
    pub async fn save_refreshed(&self, at: f64) -> Result<(), StorageError> {
        self.storage
            .set(&keys::refreshed(&self.import_id), &at.to_string())
            .await
    }

    /// Whether an admin asked to cancel this run.
    pub async fn cancel_requested(&self) -> bool {
        matches!(
            self.storage
                .get(&keys::cancel(&self.import_id, &self.run_id))
                .await,
            Ok(Some(_))
        )
    }

    /// The stored record of this run, if any.
    pub async fn record(&self) -> Option<RunReport> {
        self.load_json(&self.record_key()).await
    }

    /// The stored state of this run with its resolved lookups, and either what is left of its
    /// plan (taken: see [`Self::take_pending`]) or, when there is none to carry on with, its
    /// source records.
    pub async fn load_state(&self) -> Option<LoadedState> {
        let state: RunState = self.load_json(&keys::state(&self.import_id)).await?;
        if state.run_id != self.run_id {
            return None;
        }
        let pending = self.take_pending(&state).await;
        let desired = match pending {
            Some(_) => Vec::new(),
            None => {
                self.load_chunks(
                    |i| keys::source_chunk(&self.import_id, i),
                    state.source_chunks,
                )
                .await?
            }
        };
        let found = self
            .load_chunks(
                |i| keys::lookup_chunk(&self.import_id, i),
                state.lookup_chunks,
            )
            .await?;
        Some(LoadedState {
            state,
            desired,
            found,
            pending,
        })
    }

    /// Drops the state an earlier run of the import left behind (it died unfinished).
    pub async fn clear_stale_state(&self) {
        if let Some(old) = self
            .load_json::<RunState>(&keys::state(&self.import_id))
            .await
        {
            self.clear_state(&old).await;
        }
    }

    async fn load_chunks<T: for<'de> Deserialize<'de>>(
        &self,
        key: impl Fn(u32) -> String,
        count: u32,
    ) -> Option<Vec<T>> {
        let mut out = Vec::new();
        for index in 0..count {
            out.extend(
                chunks::load::<_, T>(&self.storage, &key(index))
                    .await
                    .ok()??,
            );
        }
        Some(out)
    }

    /// Stores items as they come, in chunks numbered from `first` (see [`chunks::save`]);
    /// returns the next free chunk number.
    async fn save_chunks<T: Serialize>(
        &self,
        key: impl Fn(u32) -> String,
        first: u32,
        items: impl Iterator<Item = T>,
    ) -> Result<u32, StorageError> {
        let sizes = chunks::save(&self.storage, key, first, None, items).await?;
        Ok(first + sizes.len() as u32)
    }

    /// Stores what is left of the run's plan as it comes (replacing what an earlier slice
    /// stored), for the next slice: see [`super::pending`]. It is offered to that slice once
    /// the state naming it is stored ([`Self::save_state`]).
    pub async fn save_pending(
        &self,
        state: &mut RunState,
        pending: impl Iterator<Item = PendingWrite>,
    ) -> Result<(), StorageError> {
        let old = state.pending_chunks;
        // Until the new chunks are all stored, no state names any: a stop in between leaves
        // the next slice to plan afresh.
        state.pending_chunks = 0;
        let chunks = self
            .save_chunks(|i| keys::pending_chunk(&self.import_id, i), 0, pending)
            .await?;
        self.delete_chunks(|i| keys::pending_chunk(&self.import_id, i), chunks, old)
            .await;
        state.pending_chunks = chunks;
        state.pending_generation += 1;
        Ok(())
    }

    async fn delete_chunks(&self, key: impl Fn(u32) -> String, from: u32, to: u32) {
        for index in from..to {
            let _ = self.storage.delete(&key(index)).await;
        }
    }

    /// The Jira user cache, without entries past their time to live.
    pub async fn load_user_cache(&self) -> Vec<CachedUser> {
        let Some(chunks) = self.user_cache_chunks().await else {
            return Vec::new();
        };
        let entries: Vec<CachedUser> = self
            .load_chunks(|i| keys::user_cache_chunk(&self.import_id, i), chunks)
            .await
            .unwrap_or_default();
        let now = self.host.now_ms();
        let fresh = |account: &Option<String>, at: f64| {
            let ttl = if account.is_some() {
                USER_FOUND_TTL_MS
            } else {
                USER_MISSING_TTL_MS
            };
            now - at < ttl
        };
        entries
            .into_iter()
            .filter(|(_, account, at)| fresh(account, *at))
            .collect()
    }

    async fn user_cache_chunks(&self) -> Option<u32> {
        #[derive(Deserialize)]
        struct Index {
            chunks: u32,
        }
        self.load_json::<Index>(&keys::user_cache(&self.import_id))
            .await
            .map(|i| i.chunks)
    }

    /// Replaces the Jira user cache.
    pub async fn save_user_cache(
        &self,
        users: &BTreeMap<String, (Option<String>, f64)>,
    ) -> Result<(), StorageError> {
        let old = self.user_cache_chunks().await.unwrap_or(0);
        let entries: Vec<CachedUser> = users
            .iter()
            .map(|(email, (account, at))| (email.clone(), account.clone(), *at))
            .collect();
        let chunks = self
            .save_chunks(
                |i| keys::user_cache_chunk(&self.import_id, i),
                0,
                entries.iter(),
            )
            .await?;
        self.save_json(
            &keys::user_cache(&self.import_id),
            &serde_json::json!({ "chunks": chunks }),
        )
        .await?;
        self.delete_chunks(|i| keys::user_cache_chunk(&self.import_id, i), chunks, old)
            .await;
        Ok(())
    }

    /// Stores the source records not stored yet, the lookups when they changed, then the
    /// state and the run record. `pending_saved`: this slice stored what is left of its plan
    /// ([`Self::save_pending`]); otherwise a plan stored earlier is dropped (it was taken, so
    /// the next slice plans afresh).
    pub async fn save_state(
        &self,
        state: &mut RunState,
        desired: &[DesiredObject],
        found: &[FoundLookup],
        pending_saved: bool,
    ) -> Result<(), StorageError> {
        // A slice that carried on with a stored plan did not load the source records (they
        // are all stored already): nothing new to store.
        if let Some(new) = desired.get(state.source_stored as usize..) {
            let first = state.source_chunks;
            state.source_chunks = self
                .save_chunks(
                    |i| keys::source_chunk(&self.import_id, i),
                    first,
                    new.iter(),
                )
                .await?;
            state.source_stored = state.source_stored.max(desired.len() as u64);
        }
        // Lookups only grow within a run: the same count means nothing new to store.
        if found.len() as u64 != state.lookups_stored {
            let chunks = self
                .save_chunks(|i| keys::lookup_chunk(&self.import_id, i), 0, found.iter())
                .await?;
            self.delete_chunks(
                |i| keys::lookup_chunk(&self.import_id, i),
                chunks,
                state.lookup_chunks,
            )
            .await;
            state.lookup_chunks = chunks;
            state.lookups_stored = found.len() as u64;
        }
        if !pending_saved && state.pending_chunks > 0 {
            self.delete_chunks(
                |i| keys::pending_chunk(&self.import_id, i),
                0,
                state.pending_chunks,
            )
            .await;
            state.pending_chunks = 0;
        }
        self.save_json(&keys::state(&self.import_id), state).await?;
        if state.pending_chunks > 0 {
            // Offered only once the state that names it is stored.
            let claim = PendingClaim {
                generation: state.pending_generation,
                taken: false,
            };
            self.save_json(&keys::pending_claim(&self.import_id), &claim)
                .await?;
        }
        self.save_record(&state.report).await
    }

    /// Takes what is left of the run's plan, if an earlier slice stored it and no slice took
    /// it since (one that did was stopped before it stored what it left in turn: its writes
    /// are unknown, so the plan is not used again).
    async fn take_pending(&self, state: &RunState) -> Option<Vec<PendingWrite>> {
        if state.pending_chunks == 0 {
            return None;
        }
        let taken = PendingClaim {
            generation: state.pending_generation,
            taken: true,
        };
        let text = serde_json::to_string(&taken).ok()?;
        let previous = self
            .storage
            .swap(
                &keys::pending_claim(&self.import_id),
                &text,
                SLICE_CLAIM_TTL_MS,
            )
            .await
            .ok()??;
        let offered = PendingClaim {
            taken: false,
            ..taken
        };
        if serde_json::from_str::<PendingClaim>(&previous).ok()? != offered {
            return None;
        }
        self.load_chunks(
            |i| keys::pending_chunk(&self.import_id, i),
            state.pending_chunks,
        )
        .await
    }

    /// Stores the run record.
    pub async fn save_record(&self, report: &RunReport) -> Result<(), StorageError> {
        let mut record = report.clone();
        let mut text =
            serde_json::to_string(&record).map_err(|e| StorageError::new(e.to_string()))?;
        // However long the messages, the record fits the store: the last errors go first.
        while text.len() > RECORD_MAX_BYTES && !record.errors.is_empty() {
            let drop = record.errors.len().div_ceil(4);
            record.errors.truncate(record.errors.len() - drop);
            record.errors_omitted += drop as u64;
            text = serde_json::to_string(&record).map_err(|e| StorageError::new(e.to_string()))?;
        }
        self.storage
            .set_expiring(&self.record_key(), &text, RECORD_TTL_MS)
            .await
    }

    pub async fn clear_state(&self, state: &RunState) {
        self.delete_chunks(
            |i| keys::source_chunk(&self.import_id, i),
            0,
            state.source_chunks,
        )
        .await;
        self.delete_chunks(
            |i| keys::lookup_chunk(&self.import_id, i),
            0,
            state.lookup_chunks,
        )
        .await;
        self.delete_chunks(
            |i| keys::pending_chunk(&self.import_id, i),
            0,
            state.pending_chunks,
        )
        .await;
        if state.pending_generation > 0 {
            let _ = self
                .storage
                .delete(&keys::pending_claim(&self.import_id))
                .await;
        }
        let _ = self.storage.delete(&keys::state(&self.import_id)).await;
    }
}
