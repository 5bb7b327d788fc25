//! Every per-record result of a run or a background preview, kept beside its record: the run
//! record stays small (bounded errors, no plan), while the results, in chunks under the
//! store's value limit, hold each create, update and retirement the run planned, for paging,
//! searching and download. The record's problems are read with them as `error` entries.

use serde::{Deserialize, Serialize};

use super::chunks;
use super::labels::Labels;
use super::storage::{Storage, StorePacing};
use super::store::{keys, RECORD_TTL_MS};
use crate::error::{RunError, StorageError};
use crate::host::SyncHost;
use crate::plan::{Level, Plan, RetireAction};
use crate::report::{ChangeView, CreateView, MissingView, RunReport, UpdateView};

/// The most entries one page of results holds.
pub const MAX_PAGE: usize = 500;

/// What a result entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResultKind {
    /// An object created (or, in a preview, to be created).
    Create,
    /// An object updated: old → new per attribute.
    Update,
    /// An object whose record left JumpCloud: its action (`ignore`, `mark`, `delete`, `guarded`).
    Retire,
    /// A problem with a record (an error or a warning).
    Error,
}

/// One per-record result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultEntry {
    /// What happened to the record.
    pub kind: ResultKind,
    /// The record's key value (e.g. a JumpCloud id).
    pub key: String,
    /// The record's readable name (e.g. its Name), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The Assets object key, when the object exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_key: Option<String>,
    /// Retirements: what is done with the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<RetireAction>,
    /// Attributes written (creates), changed (updates) or set (marks).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ChangeView>,
    /// Problems: the attribute concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// Problems: what is wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Problems: error or warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
}

impl ResultEntry {
    fn new(kind: ResultKind, key: String) -> Self {
        ResultEntry {
            kind,
            key,
            label: None,
            object_key: None,
            action: None,
            changes: Vec::new(),
            attribute: None,
            message: None,
            level: None,
        }
    }

    /// Whether `needle` (lower case) is in the key, object key, attribute names, message or
    /// any value shown.
    fn matches(&self, needle: &str) -> bool {
        let has = |text: &str| text.to_lowercase().contains(needle);
        has(&self.key)
            || self.label.as_deref().is_some_and(has)
            || self.object_key.as_deref().is_some_and(has)
            || self.attribute.as_deref().is_some_and(has)
            || self.message.as_deref().is_some_and(has)
            || self.changes.iter().any(|c| {
                has(&c.attribute)
                    || [&c.old, &c.new]
                        .into_iter()
                        .chain(c.old_labels.iter())
                        .chain(c.new_labels.iter())
                        .any(|values| values.iter().any(|v| has(v)))
            })
    }
}

/// Where a run's results are: how many chunks, how many entries, and how many in each chunk
/// (so a page of all results reads only the chunks it shows).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsIndex {
    /// Stored chunks (`0..chunks`).
    pub chunks: u32,
    /// Entries in them.
    pub total: u64,
    /// Entries in each chunk, in order (absent in records of older versions: every chunk is
    /// then read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sizes: Vec<u32>,
}

/// The plan's entries, labelled, in the order a preview lists them: creates, updates,
/// retirements. Each is built as it is stored, so a large plan is never held twice.
pub(crate) fn plan_entries<'a>(
    plan: &'a Plan,
    labels: &'a Labels,
) -> impl Iterator<Item = ResultEntry> + 'a {
    let creates = plan.creates.iter().map(|c| {
        let mut view = CreateView::of(c);
        labels.create(&mut view);
        ResultEntry {
            label: view.label,
            changes: view.changes,
            ..ResultEntry::new(ResultKind::Create, view.key)
        }
    });
    let updates = plan.updates.iter().map(|u| {
        let mut view = UpdateView::of(u);
        labels.update(&mut view);
        ResultEntry {
            label: view.label,
            object_key: Some(view.object_key),
            changes: view.changes,
            ..ResultEntry::new(ResultKind::Update, view.key)
        }
    });
    let missing = plan.missing.iter().map(|m| {
        let mut view = MissingView::of(m);
        labels.missing(&mut view);
        ResultEntry {
            label: view.label,
            object_key: Some(view.object_key),
            action: Some(view.action),
            changes: view.changes,
            ..ResultEntry::new(ResultKind::Retire, view.key)
        }
    });
    creates.chain(updates).chain(missing)
}

/// Stores `entries` as the results of run `run_id` of `import_id`, in chunks under the store's
/// value limit, kept as long as run records.
pub(crate) async fn save<H: SyncHost>(
    storage: &Storage<'_, H>,
    import_id: &str,
    run_id: &str,
    entries: impl Iterator<Item = ResultEntry>,
) -> Result<ResultsIndex, StorageError> {
    let sizes = chunks::save(
        storage,
        |i| keys::results_chunk(import_id, run_id, i),
        0,
        Some(RECORD_TTL_MS),
        entries,
    )
    .await?;
    Ok(ResultsIndex {
        chunks: sizes.len() as u32,
        total: sizes.iter().map(|&n| u64::from(n)).sum(),
        sizes,
    })
}

/// What [`run_results`] is asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResultsQuery {
    /// The import.
    pub import_id: String,
    /// The run (or background preview).
    pub run_id: String,
    /// Entries to skip.
    pub offset: usize,
    /// Entries to return (default and most: [`MAX_PAGE`]).
    pub limit: Option<usize>,
    /// Only entries of this kind.
    pub kind: Option<ResultKind>,
    /// Only entries that contain this text (any case) in their key, object key, attribute,
    /// message or values.
    pub query: Option<String>,
}

/// One page of a run's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultsPage {
    /// Entries that match the kind and query.
    pub total: usize,
    /// Entries skipped.
    pub offset: usize,
    /// The page size used.
    pub limit: usize,
    /// The page.
    pub entries: Vec<ResultEntry>,
    /// Problems the record counted but no longer lists (see [`RunReport::errors_omitted`]).
    pub errors_omitted: u64,
}

/// The record of a run or of a background preview, by import and run id; `None` when neither
/// exists (never stored, or expired).
pub async fn run_record<H: SyncHost>(
    host: &H,
    import_id: &str,
    run_id: &str,
) -> Result<Option<RunReport>, RunError> {
    for key in [
        keys::run(import_id, run_id),
        keys::preview(import_id, run_id),
    ] {
        if let Some(text) = host.storage_get(&key).await.map_err(RunError::Storage)? {
            let record = serde_json::from_str(&text)
                .map_err(|e| RunError::Storage(StorageError::new(format!("{key}: {e}"))))?;
            return Ok(Some(record));
        }
    }
    Ok(None)
}

/// A page of a run's per-record results: its planned creates, updates and retirements, then
/// the problems its record lists, filtered by kind and text.
pub async fn run_results<H: SyncHost>(
    host: &H,
    query: &ResultsQuery,
) -> Result<ResultsPage, RunError> {
    for (what, id) in [("importId", &query.import_id), ("runId", &query.run_id)] {
        if !super::store::valid_id(id) {
            return Err(RunError::InvalidOptions(format!(
                "{what} {id:?} is not a valid id"
            )));
        }
    }
    let record = run_record(host, &query.import_id, &query.run_id)
        .await?
        .ok_or_else(|| {
            RunError::InvalidOptions(format!(
                "no run {} of import {} is stored (unknown, or older than 90 days)",
                query.run_id, query.import_id
            ))
        })?;
    let needle = query
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_lowercase);
    let limit = query.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
    let wanted = |e: &ResultEntry| {
        query.kind.is_none_or(|k| e.kind == k) && needle.as_deref().is_none_or(|n| e.matches(n))
    };
    // Matching entries are counted; those from `offset` on fill the page.
    let mut total = 0usize;
    let mut page: Vec<ResultEntry> = Vec::new();
    let take = |entry: ResultEntry, total: &mut usize, page: &mut Vec<ResultEntry>| {
        if wanted(&entry) {
            if *total >= query.offset && page.len() < limit {
                page.push(entry);
            }
            *total += 1;
        }
    };
    let index = record.results.clone().unwrap_or_default();
    // A page of results is an admin's read: not paced like a run's stores.
    let storage = Storage::new(host, StorePacing::Unpaced);
    let everything = query.kind.is_none() && needle.is_none();
    for chunk in 0..index.chunks {
        // Unfiltered, a chunk wholly before or after the page only adds its size.
        if let Some(&size) = index.sizes.get(chunk as usize).filter(|_| everything) {
            let size = size as usize;
            if total + size <= query.offset || page.len() == limit {
                total += size;
                continue;
            }
        }
        let key = keys::results_chunk(&query.import_id, &query.run_id, chunk);
        let Some(part) = chunks::load::<_, ResultEntry>(&storage, &key).await? else {
            return Err(RunError::Storage(StorageError::new(format!(
                "results chunk {chunk} of run {} is missing",
                query.run_id
            ))));
        };
        for entry in part {
            take(entry, &mut total, &mut page);
        }
    }
    for e in &record.errors {
        let entry = ResultEntry {
            attribute: e.attribute.clone(),
            message: Some(e.message.clone()),
            level: Some(e.level),
            ..ResultEntry::new(ResultKind::Error, e.key.clone())
        };
        take(entry, &mut total, &mut page);
    }
    Ok(ResultsPage {
        total,
        offset: query.offset,
        limit,
        entries: page,
        errors_omitted: record.errors_omitted,
    })
}
