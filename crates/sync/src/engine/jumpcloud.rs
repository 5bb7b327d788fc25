//! JumpCloud paging: the import's list request (`limit`, `skip`, `sort`, `fields`, filters),
//! v1 `{totalCount, results}` and v2 bare-array answers, and the relation fields the engine
//! adds to records from the v2 graph routes (`members`, `memberof`, `boundUsers`, `devices`,
//! ...; see docs/relationships.md for what each costs).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde_json::Value;
use tributary_models::jumpcloud::{
    ApiVersion, Collection, DynamicField, DynamicSource, GraphEdge, V1List,
};

use crate::client::{encode, request, CallError, CallKind, Client};
use crate::host::{join_all, Service, SyncHost};
use crate::source::ImportSpec;

/// Items per page of the v2 graph routes and id lists the engine reads for relation fields
/// (their spec: "Limited to 100.").
const V2_PAGE_SIZE: usize = 100;

/// Related id → ids of the records that relate to it: the inverse of a relation field.
type Inverse = BTreeMap<String, Vec<String>>;

/// Pages of the import's list requested ahead of the one the read is at. More would only
/// wait for the JumpCloud rate limit's slots (pages cost the same time either way).
const READ_AHEAD: usize = 2;

/// A page requested ahead: the offset it starts at, the request, and its answer once in.
type Ahead<'a> = (
    u64,
    Pin<Box<dyn Future<Output = Result<Page, CallError>> + 'a>>,
    Option<Result<Page, CallError>>,
);

/// The list pages requested ahead of the read, so the next page is (mostly) in by the time the
/// current one is transformed and its relations are read. Single-threaded like the rest of the
/// engine: the requests make progress while [`ReadAhead::alongside`] or [`ReadAhead::take`]
/// is awaited.
struct ReadAhead<'a> {
    pages: Vec<Ahead<'a>>,
}

impl<'a> ReadAhead<'a> {
    fn poll_pages(&mut self, cx: &mut Context<'_>) {
        for (_, request, answer) in self.pages.iter_mut() {
            if answer.is_none() {
                if let Poll::Ready(page) = request.as_mut().poll(cx) {
                    *answer = Some(page);
                }
            }
        }
    }

    /// Runs `work` to its end while the pages ahead keep loading.
    async fn alongside<T>(&mut self, work: impl Future<Output = T>) -> T {
        let mut work = std::pin::pin!(work);
        std::future::poll_fn(|cx| {
            self.poll_pages(cx);
            work.as_mut().poll(cx)
        })
        .await
    }

    /// Where the last page requested ahead starts, if any.
    fn last(&self) -> Option<u64> {
        self.pages.last().map(|(from, _, _)| *from)
    }

    /// Whether the page at `from` was asked for ahead.
    fn has(&self, from: u64) -> bool {
        self.pages.iter().any(|(f, _, _)| *f == from)
    }

    /// Requests the page at `from` ahead.
    fn ask(&mut self, from: u64, request: impl Future<Output = Result<Page, CallError>> + 'a) {
        self.pages.push((from, Box::pin(request), None));
    }

    /// The page at `from`: the one requested ahead, else `request` now. Pages requested for
    /// other offsets are dropped: the read went elsewhere than predicted.
    async fn take(
        &mut self,
        from: u64,
        request: impl Future<Output = Result<Page, CallError>> + 'a,
    ) -> Result<Page, CallError> {
        let Some(at) = self.pages.iter().position(|(f, _, _)| *f == from) else {
            self.pages.clear();
            return self.alongside(request).await;
        };
        self.pages.drain(..at);
        let (_, pending, answer) = self.pages.remove(0);
        match answer {
            Some(page) => page,
            None => self.alongside(pending).await,
        }
    }
}

/// Reads one import's JumpCloud collection.
pub struct JumpCloud<'c, 'h, H: SyncHost> {
    client: &'c Client<'h, H>,
    spec: &'c ImportSpec,
}

/// One page of records and the total JumpCloud reports, when it does.
pub type Page = (Vec<Value>, Option<u64>);

impl<'c, 'h, H: SyncHost> JumpCloud<'c, 'h, H> {
    /// A reader for `spec`'s collection.
    pub fn new(client: &'c Client<'h, H>, spec: &'c ImportSpec) -> Self {
        JumpCloud { client, spec }
    }

    /// Records per page (the collection's limit caps it).
    pub fn page_size(&self) -> u32 {
        self.spec.page_size.clamp(1, self.spec.api.max_limit)
    }

    /// The list request for the page starting at `skip`.
    pub fn page_path(&self, skip: u64) -> String {
        let api = self.spec.api;
        let mut query = vec![
            format!("limit={}", self.page_size()),
            format!("skip={skip}"),
        ];
        if api.sort {
            // Stable paging while the directory changes.
            let sort = api.row_fields.join(api.sort_separator());
            query.push(format!("sort={}", encode(&sort)));
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

    /// The page starting at `skip`.
    pub async fn page(&self, skip: u64) -> Result<Page, CallError> {
        let response = self
            .client
            .send(
                CallKind::JumpCloud,
                request(Service::JumpCloud, "GET", self.page_path(skip), None),
            )
            .await?;
        let header_total = response
            .header("x-total-count")
            .and_then(|t| t.trim().parse::<u64>().ok());
        let unreadable = |e: serde_json::Error| CallError::Status {
            status: response.status,
            message: format!("JumpCloud answered with an unexpected body ({e})"),
        };
        if self.spec.api.version == ApiVersion::V2 {
            let records: Vec<Value> = serde_json::from_str(&response.body).map_err(unreadable)?;
            Ok((records, header_total))
        } else {
            let list: V1List = serde_json::from_str(&response.body).map_err(unreadable)?;
            Ok((list.results, list.total_count.or(header_total)))
        }
    }

    /// A `GET` whose answer is JSON of type `T`; `what` names the list in the error.
    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: String,
        what: &str,
    ) -> Result<T, CallError> {
        let response = self
            .client
            .send(
                CallKind::JumpCloud,
                request(Service::JumpCloud, "GET", path, None),
            )
            .await?;
        serde_json::from_str(&response.body).map_err(|e| CallError::Status {
            status: response.status,
            message: format!("JumpCloud answered {what} with an unexpected body ({e})"),
        })
    }

    /// Every item of a v2 list (bare arrays, paged with `limit`/`skip`).
    async fn v2_all<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Vec<T>, CallError> {
        let mut out = Vec::new();
        loop {
            let page_path = format!("{path}?limit={V2_PAGE_SIZE}&skip={}", out.len());
            let page: Vec<T> = self.get_json(page_path, path).await?;
            let full = page.len() == V2_PAGE_SIZE;
            out.extend(page);
            if !full {
                return Ok(out);
            }
        }
    }

    /// The ids a graph route lists for one object (`route` with `{id}`, every page). An object
    /// removed since it was listed (404) relates to nothing: its record is written without
    /// relations, and the next run finds it gone, rather than one deletion failing the run.
    /// An answer another import of the batch read in this invocation is reused.
    pub async fn related_ids(&self, route: &str, id: &str) -> Result<Vec<String>, CallError> {
        let path = route.replace("{id}", &encode(id));
        if let Some(known) = self.client.graph().borrow().get(&path) {
            return Ok(known.clone());
        }
        let ids = match self.v2_all::<GraphEdge>(&path).await {
            Ok(edges) => edges.into_iter().filter_map(GraphEdge::target_id).collect(),
            Err(CallError::Status { status: 404, .. }) => Vec::new(),
            Err(other) => return Err(other),
        };
        self.client.graph().borrow_mut().insert(path, ids.clone());
        Ok(ids)
    }

    /// Every record id of a collection (only its id field, sorted by it, 100 a page).
    pub async fn ids_of(&self, collection: &Collection) -> Result<Vec<String>, CallError> {
        let id = collection.id_field;
        let limit = collection.max_limit.min(V2_PAGE_SIZE as u32);
        let mut out = Vec::new();
        loop {
            let path = format!(
                "{}?limit={limit}&skip={}&sort={id}&fields={id}",
                collection.path,
                out.len()
            );
            let records = match collection.version {
                ApiVersion::V1 => {
                    self.get_json::<V1List>(path, collection.path)
                        .await?
                        .results
                }
                ApiVersion::V2 => self.get_json::<Vec<Value>>(path, collection.path).await?,
            };
            let fetched = records.len();
            out.extend(
                records
                    .iter()
                    .filter_map(|r| r.get(id).and_then(Value::as_str).map(str::to_string)),
            );
            if fetched < limit as usize {
                return Ok(out);
            }
        }
    }

    /// The inverse of `of`'s relation read from `route`: for each related id, the ids of `of`'s
    /// records whose route lists it. One id list, then one route call per record of `of`,
    /// `concurrency` at a time.
    pub async fn inverse(
        &self,
        of: &Collection,
        route: &str,
        concurrency: usize,
    ) -> Result<Inverse, CallError> {
        let ids = self.ids_of(of).await?;
        let mut out = Inverse::new();
        for chunk in ids.chunks(concurrency.max(1)) {
            let answers =
                join_all(chunk.iter().map(|id| self.related_ids(route, id)).collect()).await;
            for (id, related) in chunk.iter().zip(answers) {
                for target in related? {
                    out.entry(target).or_default().push(id.clone());
                }
            }
        }
        Ok(out)
    }

    /// The inverses of the import's `RelatedOf` fields (read once an invocation, before the
    /// first page), by field name.
    pub async fn inverses(
        &self,
        concurrency: usize,
    ) -> Result<BTreeMap<String, Inverse>, CallError> {
        let mut out = BTreeMap::new();
        for field in self.related_fields() {
            if let DynamicSource::RelatedOf(of, route) = field.source {
                out.insert(
                    field.field.name.to_string(),
                    self.inverse(of, route, concurrency).await?,
                );
            }
        }
        Ok(out)
    }

    /// The engine-added relation fields the import reads.
    fn related_fields(&self) -> impl Iterator<Item = &'static DynamicField> + '_ {
        self.spec
            .related
            .iter()
            .filter_map(|name| self.spec.api.dynamic_field(name))
    }

    /// Adds the relation fields to one page of records: per-record routes are called here
    /// (`concurrency` records at a time), inverse ones are looked up in `inverses`. A record
    /// without relations gets an empty array, so the mapping clears what it had.
    pub async fn add_related(
        &self,
        records: &mut [Value],
        inverses: &BTreeMap<String, Inverse>,
        concurrency: usize,
    ) -> Result<(), CallError> {
        let id_of = |record: &Value| {
            record
                .get(self.spec.api.id_field)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        for field in self.related_fields() {
            let name = field.field.name;
            let values: Vec<Vec<String>> = match field.source {
                DynamicSource::Related(route) => {
                    let mut values = Vec::with_capacity(records.len());
                    for chunk in records.chunks(concurrency.max(1)) {
                        let calls = chunk
                            .iter()
                            .map(|r| async move {
                                let id = id_of(r);
                                if id.is_empty() {
                                    Ok(Vec::new())
                                } else {
                                    self.related_ids(route, &id).await
                                }
                            })
                            .collect();
                        for answer in join_all(calls).await {
                            values.push(answer?);
                        }
                    }
                    values
                }
                _ => records
                    .iter()
                    .map(|r| {
                        inverses
                            .get(name)
                            .and_then(|m| m.get(&id_of(r)))
                            .cloned()
                            .unwrap_or_default()
                    })
                    .collect(),
            };
            for (record, ids) in records.iter_mut().zip(values) {
                if let Some(map) = record.as_object_mut() {
                    let ids = ids.into_iter().map(Value::String).collect();
                    map.insert(name.to_string(), Value::Array(ids));
                }
            }
        }
        Ok(())
    }

    /// What tells a record apart from the others: its [`Collection::row_fields`] values.
    pub fn row_id(&self, record: &Value) -> String {
        let parts: Vec<String> = self
            .spec
            .api
            .row_fields
            .iter()
            .map(|f| match record.get(*f) {
                Some(Value::String(text)) => text.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            })
            .collect();
        parts.join("\u{1f}")
    }
}

/// Options of [`sample`]: the mapping (its `config:api` and filters are used) and how many
/// records to fetch (1-100, default 5).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SampleOptions {
    /// The mapping text.
    pub mapping_text: String,
    /// Records wanted.
    pub limit: Option<u32>,
}

/// What [`sample`] fetched.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
    pub api_calls: crate::client::ApiCalls,
    /// Every field path the records hold, as a `map:` row would read it (for completion and
    /// click-to-map): `addresses.locality`, `attributes[name=costCenter].value`.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// Fetches a few raw records the way an import reads them (its collection and filters, without
/// `fields=`, so every field shows, and the relation fields the mapping reads): what *Fetch
/// Sample* displays while writing a mapping.
pub async fn sample<H: SyncHost>(
    host: &H,
    options: &SampleOptions,
) -> Result<SampleReport, crate::error::RunError> {
    use crate::error::RunError;
    let mut import = crate::compile_mapping(&options.mapping_text)?;
    import.spec.fields.clear();
    import.spec.page_size = options.limit.unwrap_or(5).clamp(1, 100);
    let client = Client::new(host, crate::client::RetryPolicy::default(), 1);
    let source = JumpCloud::new(&client, &import.spec);
    let request = source.page_path(0);
    let (mut records, total_count) = source.page(0).await.map_err(RunError::jumpcloud)?;
    // The relation fields the mapping reads show as a run would see them.
    let inverses = source
        .inverses(super::DEFAULT_CONCURRENCY)
        .await
        .map_err(RunError::jumpcloud)?;
    source
        .add_related(&mut records, &inverses, super::DEFAULT_CONCURRENCY)
        .await
        .map_err(RunError::jumpcloud)?;
    Ok(SampleReport {
        fields: crate::source::field_paths(&records),
        records,
        total_count,
        request,
        api_calls: client.calls(),
    })
}

impl<H: SyncHost> super::Engine<'_, H> {
    /// Reads the source from where the run got to, transforming each record. Every page after
    /// the first starts one record early: that record must be the one the previous page ended
    /// with, and the total must stay what the first page said; otherwise the listing changed
    /// under the read (records removed or added before a page boundary shift the offsets, so
    /// one may have been skipped) and the run retires nothing (`source_changed`).
    pub(super) async fn read_source(
        &self,
        state: &mut super::store::RunState,
        desired: &mut Vec<crate::model::DesiredObject>,
        target: &crate::source::Target,
    ) -> Result<(), super::Stop> {
        use crate::error::RunError;
        let source = JumpCloud::new(self.client, self.spec);
        let id_of = |record: &Value| source.row_id(record);
        let inverses = source
            .inverses(self.concurrency)
            .await
            .map_err(RunError::jumpcloud)?;
        let page_size = u64::from(source.page_size());
        // Where the page after a full one starts: one record early (the overlap below).
        let step = page_size - u64::from(page_size > 1);
        let mut ahead = ReadAhead { pages: Vec::new() };
        loop {
            // A one-record page cannot overlap and still move on.
            let overlap = state.source_skip > 0
                && !state.source_last_ids.is_empty()
                && source.page_size() > 1;
            let from = state.source_skip - u64::from(overlap);
            // Out of time, the pages already asked for are still read (they count against the
            // limits either way); nothing new is asked for.
            if self.over_budget() && !ahead.has(from) {
                return Err(super::Stop::Budget);
            }
            let (mut records, total) = ahead
                .take(from, source.page(from))
                .await
                .map_err(RunError::jumpcloud)?;
            // Ask for the next pages while this one is worked on, as far as the total says
            // the read goes (a listing without a total is read one page after another, so no
            // request is spent past its end).
            if let Some(total) = state.source_total.or(total) {
                while ahead.pages.len() < READ_AHEAD && !self.over_budget() {
                    let last = ahead.last().unwrap_or(from);
                    if last + page_size >= total {
                        break;
                    }
                    let next = last + step;
                    ahead.ask(next, source.page(next));
                }
            }
            let fetched = records.len() as u64;
            if overlap {
                let expected = state.source_last_ids.last().cloned().unwrap_or_default();
                if records.first().map(id_of) != Some(expected) {
                    state.source_changed.get_or_insert_with(|| {
                        "JumpCloud's list changed while it was read (a record before a page boundary was removed or added)".to_string()
                    });
                }
                // Records the previous page already read (the overlap, or a shift to the right).
                records.retain(|r| !state.source_last_ids.contains(&id_of(r)));
            }
            match (state.source_total, total) {
                (None, Some(t)) if from == 0 => state.source_total = Some(t),
                (Some(first), Some(now)) if first != now => {
                    state.source_changed.get_or_insert_with(|| {
                        format!("JumpCloud's count changed while it was read ({first} records at the start, {now} later)")
                    });
                }
                _ => {}
            }
            state.source_last_ids = records.iter().map(id_of).collect();
            ahead
                .alongside(source.add_related(&mut records, &inverses, self.concurrency))
                .await
                .map_err(RunError::jumpcloud)?;
            for record in &records {
                let record = self.transform.transform(record, target);
                self.read_record(&record);
                desired.push(record);
            }
            self.sample_stored_share(desired);
            state.source_skip = from + fetched;
            self.progress();
            state.report.counts.source = desired.len() as u64;
            state.report.progress = crate::report::Progress {
                done: state.source_skip,
                total: total.unwrap_or(state.source_skip),
            };
            ahead.alongside(self.report_progress(state)).await;
            if fetched < page_size || total.is_some_and(|t| state.source_skip >= t) {
                return Ok(());
            }
        }
    }
}
