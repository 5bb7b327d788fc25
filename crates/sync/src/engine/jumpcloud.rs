//! JumpCloud paging: the import's list request (`limit`, `skip`, `sort`, `fields`, filters),
//! v1 `{totalCount, results}` and v2 bare-array answers, and the group memberships the engine
//! adds to records (`members` on groups, `memberof` on users and systems).

use std::collections::BTreeMap;

use serde_json::Value;
use tributary_models::jumpcloud::{ApiVersion, GraphConnection, Identified, V1List};

use crate::client::{encode, request, CallError, CallKind, Client};
use crate::host::{Service, SyncHost};
use crate::source::ImportSpec;

/// Items per v2 list page the engine reads for memberships.
const V2_PAGE_SIZE: usize = 100;

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

    /// Every item of a v2 list (bare arrays, paged with `limit`/`skip`).
    async fn v2_all<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Vec<T>, CallError> {
        let mut out = Vec::new();
        loop {
            let page_path = format!("{path}?limit={V2_PAGE_SIZE}&skip={}", out.len());
            let response = self
                .client
                .send(
                    CallKind::JumpCloud,
                    request(Service::JumpCloud, "GET", page_path, None),
                )
                .await?;
            let page: Vec<T> =
                serde_json::from_str(&response.body).map_err(|e| CallError::Status {
                    status: response.status,
                    message: format!("JumpCloud answered {path} with an unexpected body ({e})"),
                })?;
            let full = page.len() == V2_PAGE_SIZE;
            out.extend(page);
            if !full {
                return Ok(out);
            }
        }
    }

    /// Member ids of one group (`{groups}/{id}/members`, every page).
    pub async fn members(&self, groups: &str, group_id: &str) -> Result<Vec<String>, CallError> {
        let edges: Vec<GraphConnection> = self
            .v2_all(&format!("{groups}/{}/members", encode(group_id)))
            .await?;
        Ok(edges.into_iter().map(|edge| edge.to.id).collect())
    }

    /// Member id → ids of the groups it is a direct member of, for a v2 group collection.
    pub async fn memberships(
        &self,
        groups: &str,
    ) -> Result<BTreeMap<String, Vec<String>>, CallError> {
        let ids: Vec<Identified> = self.v2_all(groups).await?;
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for group in ids {
            for member in self.members(groups, &group.id).await? {
                out.entry(member).or_default().push(group.id.clone());
            }
        }
        Ok(out)
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
/// `fields=`, so every field shows): what *Fetch Sample* displays while writing a mapping.
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
    let (records, total_count) = source.page(0).await.map_err(RunError::jumpcloud)?;
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
        let id_of = |record: &Value| {
            record
                .get(self.spec.api.id_field)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let memberships = match self.spec.memberof_groups {
            Some(groups) => Some(
                source
                    .memberships(groups.path)
                    .await
                    .map_err(RunError::jumpcloud)?,
            ),
            None => None,
        };
        loop {
            if self.over_budget() {
                return Err(super::Stop::Budget);
            }
            // A one-record page cannot overlap and still move on.
            let overlap = state.source_skip > 0
                && !state.source_last_ids.is_empty()
                && source.page_size() > 1;
            let from = state.source_skip - u64::from(overlap);
            let (mut records, total) = source.page(from).await.map_err(RunError::jumpcloud)?;
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
            for record in records.iter_mut() {
                let id = id_of(record);
                let extra = if self.spec.expand_members && !id.is_empty() {
                    let members = source
                        .members(self.spec.api.path, &id)
                        .await
                        .map_err(RunError::jumpcloud)?;
                    Some(("members", members))
                } else {
                    memberships
                        .as_ref()
                        .map(|m| ("memberof", m.get(&id).cloned().unwrap_or_default()))
                };
                if let (Some((name, ids)), Some(map)) = (extra, record.as_object_mut()) {
                    let ids = ids.into_iter().map(Value::String).collect();
                    map.insert(name.to_string(), Value::Array(ids));
                }
            }
            for record in &records {
                desired.push(self.transform.transform(record, target));
            }
            state.source_skip = from + fetched;
            self.progress();
            state.report.counts.source = desired.len() as u64;
            state.report.progress = crate::report::Progress {
                done: state.source_skip,
                total: total.unwrap_or(state.source_skip),
            };
            self.report_progress(state).await;
            if fetched < u64::from(source.page_size())
                || total.is_some_and(|t| state.source_skip >= t)
            {
                return Ok(());
            }
        }
    }
}
