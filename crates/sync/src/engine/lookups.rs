//! What the plan needs beside the source and the target's own objects: status ids by name,
//! references to other object types (AQL `IN`, batched, every value escaped) and Jira users by
//! email (user search, cached across runs).

use std::collections::{BTreeMap, BTreeSet};

use tributary_mapping::MissingPolicy;
use tributary_models::assets::{aql_quote, AttributeKind};
use tributary_models::jira::User;

use super::assets::is_id;
use super::{Engine, Stop};
use crate::client::{encode, request, CallError, CallKind};
use crate::error::RunError;
use crate::host::{join_all, LogLevel, Service, SyncHost};
use crate::model::{
    AttrDef, Desired, DesiredObject, DesiredRef, ExistingObject, LookupBy, RecordProblem,
};
use crate::plan::LookupTable;
use crate::source::Target;

/// Values per `IN (...)` lookup query.
pub const LOOKUP_BATCH: usize = 40;

impl<H: SyncHost> Engine<'_, H> {
    /// Status ids by lower-cased name, fetched only when a status is given by name (in the
    /// records or in `config:missing`), or by id for an attribute that allows every status
    /// (whether the id exists is then known before writing, not from Assets' refusal).
    pub(super) async fn status_ids(
        &self,
        target: &Target,
        records: &[DesiredObject],
    ) -> Result<BTreeMap<String, String>, RunError> {
        // Status attribute id → whether it allows every status.
        let status_attrs: BTreeMap<&str, bool> = target
            .attributes
            .iter()
            .filter(|a| a.kind == AttributeKind::Status)
            .map(|a| (a.id.as_str(), a.type_value_multi.is_empty()))
            .collect();
        let by_name = |v: &str| !is_id(v);
        let mut needed = records
            .iter()
            .flat_map(DesiredObject::attributes)
            .any(|(id, d)| {
                let Some(open) = status_attrs.get(id) else {
                    return false;
                };
                matches!(d, DesiredRef::Values(values) if values.clone().any(|v| *open || by_name(v)))
            });
        if let MissingPolicy::Mark { set } = &self.spec.missing {
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
        self.assets
            .status_ids(target.object_schema_id.as_deref())
            .await
    }

    /// Resolves references to other object types (AQL, batched with `IN`) and Jira users.
    pub(super) async fn resolve_lookups(
        &self,
        target: &Target,
        records: &[DesiredObject],
    ) -> Result<LookupTable, Stop> {
        let mut table = LookupTable::default();
        let mut wanted: BTreeMap<(&str, LookupBy<&str>), BTreeSet<String>> = BTreeMap::new();
        let mut emails: BTreeSet<String> = BTreeSet::new();
        for (_, desired) in records.iter().flat_map(DesiredObject::attributes) {
            match desired {
                DesiredRef::Lookup(lookup) if lookup.target_type_id != target.object_type_id => {
                    wanted
                        .entry((lookup.target_type_id, lookup.by))
                        .or_default()
                        .extend(lookup.values.map(str::to_string));
                }
                DesiredRef::JiraUser(list) => {
                    emails.extend(list.filter(|e| e.contains('@')).map(|e| e.to_lowercase()))
                }
                _ => {}
            }
        }
        for ((type_id, by), values) in wanted {
            self.find_references(type_id, &by.to_owned(), values)
                .await?;
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
                self.users_changed.set(true);
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

    /// Looks up the objects of type `type_id` whose `by` attribute holds one of `values`
    /// (those not looked up earlier in the run), into `self.found`.
    async fn find_references(
        &self,
        type_id: &str,
        by: &LookupBy,
        values: BTreeSet<String>,
    ) -> Result<(), Stop> {
        let attributes = self.assets.attributes(type_id).await?;
        let name = match by {
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
            return Ok(());
        };
        let def = AttrDef::from_attribute(attribute);
        let known = |v: &String| {
            self.found.borrow().objects.contains_key(&(
                type_id.to_string(),
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
            let wanted: BTreeSet<String> = batch.iter().map(|v| v.to_lowercase()).collect();
            let mut matches: Vec<(String, String)> = Vec::new();
            self.assets
                .aql_each(&ql, |object| {
                    let compact = ExistingObject::from_view(&object, std::slice::from_ref(&def));
                    for value in compact.get(&def.id) {
                        if wanted.contains(&value.to_lowercase()) {
                            matches.push((value.to_string(), compact.object_key().to_string()));
                        }
                    }
                })
                .await
                .map_err(RunError::assets)?;
            let mut found = self.found.borrow_mut();
            for value in &wanted {
                // Recorded even when nothing matches, so it is not looked up again.
                found
                    .objects
                    .entry((type_id.to_string(), by.clone(), value.clone()))
                    .or_default();
            }
            for (value, object_key) in matches {
                found.insert_object(type_id, by, &value, object_key);
            }
            drop(found);
            self.progress();
        }
        Ok(())
    }

    /// The accountId for an email: the user whose visible email matches, else the only
    /// Atlassian account the search returns (emails may be hidden by privacy settings).
    async fn find_user(&self, email: &str) -> Result<Option<String>, Stop> {
        let path = format!("/rest/api/3/user/search?query={}", encode(email));
        let response = match self
            .client
            .send(
                CallKind::UserSearch,
                request(Service::Jira, "GET", path, None),
            )
            .await
        {
            Ok(response) => response,
            Err(CallError::Status { status, message })
                if (400..500).contains(&status) && status != 429 =>
            {
                self.host.log(
                    LogLevel::Warn,
                    &format!("user search for an email failed: HTTP {status}: {message}"),
                );
                return Ok(None);
            }
            Err(e) => return Err(RunError::assets(e).into()),
        };
        let users: Vec<User> = serde_json::from_str(&response.body).map_err(|e| {
            Stop::from(RunError::assets(CallError::Status {
                status: response.status,
                message: format!("unreadable user search answer: {e}"),
            }))
        })?;
        Ok(match_user(&users, email))
    }
}

/// The account of `users` that an email means: the one whose visible email matches, else the
/// only person among those whose email is hidden.
fn match_user(users: &[User], email: &str) -> Option<String> {
    if let Some(user) = users.iter().find(|u| {
        u.email_address
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(email))
    }) {
        return Some(user.account_id.clone());
    }
    let people: Vec<&User> = users
        .iter()
        .filter(|u| u.account_type.as_deref().is_none_or(|t| t == "atlassian"))
        .filter(|u| u.email_address.is_none())
        .collect();
    match people.as_slice() {
        [only] => Some(only.account_id.clone()),
        _ => None,
    }
}

/// Replaces status names by status ids; unknown names, and ids the fetched statuses lack,
/// become record problems (the attribute is left out).
pub(super) fn apply_statuses(
    records: &mut [DesiredObject],
    defs: &[AttrDef],
    statuses: &BTreeMap<String, String>,
) {
    let status_attrs: BTreeMap<&str, &str> = defs
        .iter()
        .filter(|d| d.kind == AttributeKind::Status)
        .map(|d| (d.id.as_str(), d.name.as_str()))
        .collect();
    let known_id = |id: &str| statuses.is_empty() || statuses.values().any(|s| s == id);
    if status_attrs.is_empty() {
        return;
    }
    for record in records.iter_mut() {
        if !record
            .attributes()
            .any(|(id, _)| status_attrs.contains_key(id))
        {
            continue;
        }
        let mut problems = Vec::new();
        record.edit_attributes(|id, desired| {
            let Some(name) = status_attrs.get(id) else {
                return true;
            };
            let Desired::Values { values } = desired else {
                return true;
            };
            for value in values.iter_mut() {
                if is_id(value) && known_id(value) {
                    continue;
                }
                if is_id(value) {
                    problems.push(RecordProblem {
                        attribute: Some(name.to_string()),
                        message: format!("status id {value} is not an Assets status"),
                    });
                    return false;
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
