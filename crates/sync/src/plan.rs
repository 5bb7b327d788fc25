//! The planner: a pure function from desired and existing objects to the writes that make Assets
//! match the source, with field-level diffs, ordering for references and the retirement guards.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use tributary_mapping::{Limit, MissingPolicy};

pub(crate) mod index;
mod rules;

use index::{Items, ValueIndex};

use crate::model::{
    same_values, AttrDef, DesiredObject, DesiredRef, ExistingObject, LookupBy, LookupRef,
    ResolvedMissing,
};

/// The default mass-clear guard: at most 10 % of the keyed existing objects may have one
/// attribute cleared (written empty over a value) in a run.
pub const DEFAULT_MAX_CLEARS: Limit = Limit::Percent(10.0);

/// Under the default guard, clearing fewer objects than this never fires it: a few values
/// gone in JumpCloud is a real change, even on a small type.
pub const MIN_CLEARS_GUARDED: u64 = 10;

/// Lookups the engine resolved before planning: references to objects of other types and Jira
/// users by email. Values are stored lower-cased (AQL `=` and emails are case-insensitive).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LookupTable {
    /// `(target type id, by, lower-cased value)` → object keys found (several = ambiguous).
    pub objects: BTreeMap<(String, LookupBy, String), Vec<String>>,
    /// Lower-cased email → accountId (`None`: searched, not found).
    pub users: BTreeMap<String, Option<String>>,
}

impl LookupTable {
    /// Records the objects found for one looked-up value.
    pub fn insert_object(
        &mut self,
        target_type_id: &str,
        by: &LookupBy,
        value: &str,
        object_key: String,
    ) {
        let entry = self
            .objects
            .entry((target_type_id.to_string(), by.clone(), value.to_lowercase()))
            .or_default();
        if !entry.contains(&object_key) {
            entry.push(object_key);
        }
    }
}

/// Everything the planner reads.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The target object type id.
    pub object_type_id: &'a str,
    /// The key attribute (upsert key).
    pub key_attribute: &'a AttrDef,
    /// All attributes of the target type.
    pub attributes: &'a [AttrDef],
    /// The transformed source records (the whole source, in source order).
    pub desired: &'a [DesiredObject],
    /// Every object of the target type (hand-made ones without a key value included).
    pub existing: &'a [ExistingObject],
    /// Resolved lookups on other types and Jira users.
    pub lookups: &'a LookupTable,
    /// Missing-object policy, resolved against the target.
    pub missing: &'a ResolvedMissing,
    /// The retirement guard, if any.
    pub limit: Option<Limit>,
    /// The mass-clear guard; `None` applies [`DEFAULT_MAX_CLEARS`] with its floor of
    /// [`MIN_CLEARS_GUARDED`] objects.
    pub max_clears: Option<Limit>,
    /// Source keys left alone (e.g. their write already failed earlier in this run).
    pub skip_keys: &'a BTreeSet<String>,
}

/// A value to write: literal text, or the object key of an object this run creates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WriteValue {
    /// Known text (object key for references, accountId for users).
    Text(String),
    /// The object key of the object created for this source key.
    Created {
        /// Source key of the object created earlier in the run.
        created: String,
    },
}

impl WriteValue {
    /// Display form for dry runs: `(new object <key>)` for objects not created yet.
    pub fn display(&self) -> String {
        match self {
            WriteValue::Text(t) => t.clone(),
            WriteValue::Created { created } => format!("(new object {created})"),
        }
    }
}

/// One attribute change: old and new values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Attribute id.
    pub attribute_id: String,
    /// Attribute name.
    pub attribute: String,
    /// What Assets holds now (canonical; empty on create).
    pub old: Vec<String>,
    /// What is written (empty clears the attribute).
    pub new: Vec<WriteValue>,
}

/// An object to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Create {
    /// Source key value.
    pub key: String,
    /// Dependency level: every object referenced is created at a lower level.
    pub level: usize,
    /// Attributes written by the create.
    pub changes: Vec<Change>,
    /// References written by a second pass after all creates (reference cycles).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deferred: Vec<Change>,
}

/// An existing object to update (only attributes that differ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    /// Source key value.
    pub key: String,
    /// Assets object id.
    pub id: String,
    /// Assets object key.
    pub object_key: String,
    /// The attributes that differ.
    pub changes: Vec<Change>,
}

/// What the run does with one missing object: the policy's verdict for it (an object already
/// marked is left alone; a guard withholds every mark and delete).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RetireAction {
    /// Left alone.
    Ignore,
    /// Attributes set (already marked objects get `Ignore`: nothing to write).
    Mark,
    /// Deleted.
    Delete,
    /// A guard stopped the run from touching it.
    Guarded,
}

impl RetireAction {
    /// Every verdict, in the order reports list them.
    pub const ALL: &'static [RetireAction] = &[
        RetireAction::Ignore,
        RetireAction::Mark,
        RetireAction::Delete,
        RetireAction::Guarded,
    ];

    /// The name in reports: the policy's action name, or `guarded`.
    pub fn name(&self) -> &'static str {
        use tributary_mapping::missing_action::{DELETE, IGNORE, MARK};
        match self {
            RetireAction::Ignore => IGNORE,
            RetireAction::Mark => MARK,
            RetireAction::Delete => DELETE,
            RetireAction::Guarded => "guarded",
        }
    }
}

/// An object in Assets (with a key value) that the source no longer has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Missing {
    /// Key value.
    pub key: String,
    /// Assets object id.
    pub id: String,
    /// Assets object key.
    pub object_key: String,
    /// What the run does with it.
    pub action: RetireAction,
    /// For marks: the attributes set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
}

/// How serious a reported problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Level {
    /// The record (or attribute) was not written.
    Error,
    /// Written, but something was left out (e.g. an unmatched Jira user).
    Warning,
}

/// A per-record (or per-attribute) problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Source key value (empty when the record had none).
    pub key: String,
    /// Attribute name, when one attribute is concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// What went wrong, in words.
    pub message: String,
    /// Error or warning.
    pub level: Level,
}

/// The planned writes and everything reported on the way.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Objects to create, ordered by `level` (referenced objects first).
    pub creates: Vec<Create>,
    /// Objects to update.
    pub updates: Vec<Update>,
    /// Source keys whose object already matches.
    pub unchanged: u64,
    /// Every missing object with its action.
    pub missing: Vec<Missing>,
    /// Problems found while planning.
    pub problems: Vec<Problem>,
    /// Source keys of the records the plan does not write, each with an error in `problems`:
    /// keys that are not one-to-one (duplicates in the source or in Assets) and records Assets
    /// would refuse as a whole (a required attribute left empty, a unique value already
    /// taken). A run sends no write for them, so preview and run count them alike.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub refused: BTreeSet<String>,
    /// Why writes were withheld (retirements, mass clears), when a guard fired; several
    /// reasons are joined with `; `.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<String>,
    /// Clears the mass-clear guard took out of `updates`: `(attribute name, objects)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld_clears: Vec<(String, u64)>,
}

impl Plan {
    /// Missing objects that will actually be marked.
    pub fn marks(&self) -> impl Iterator<Item = &Missing> {
        self.missing
            .iter()
            .filter(|m| m.action == RetireAction::Mark)
    }

    /// Missing objects that will actually be deleted.
    pub fn deletes(&self) -> impl Iterator<Item = &Missing> {
        self.missing
            .iter()
            .filter(|m| m.action == RetireAction::Delete)
    }

    /// Creates with a second-pass reference update.
    pub fn deferred(&self) -> impl Iterator<Item = &Create> {
        self.creates.iter().filter(|c| !c.deferred.is_empty())
    }

    /// Source records the plan does not write: those without a key value and those whose key
    /// is [`Plan::refused`] (a duplicated key counts once per record).
    pub fn failed(&self, desired: &[DesiredObject]) -> u64 {
        desired
            .iter()
            .filter(|r| r.key().is_empty() || self.refused.contains(r.key()))
            .count() as u64
    }

    /// Records written (or left as they are) with an attribute-level problem of `level` or
    /// worse: with `Level::Error` the records written without some of their values
    /// (`counts.incomplete`), with `Level::Warning` every record with such a problem
    /// (`counts.warnings`). Records not written at all are [`Plan::failed`] instead.
    pub fn written_with_problems(&self, level: Level) -> u64 {
        self.problems
            .iter()
            .filter(|p| p.attribute.is_some() && !p.key.is_empty())
            .filter(|p| level == Level::Warning || p.level == Level::Error)
            .filter(|p| !self.refused.contains(&p.key))
            .map(|p| p.key.as_str())
            .collect::<BTreeSet<&str>>()
            .len() as u64
    }

    /// The number of write requests the plan needs.
    pub fn write_count(&self) -> u64 {
        (self.creates.len()
            + self.deferred().count()
            + self.updates.len()
            + self.marks().count()
            + self.deletes().count()) as u64
    }
}

/// A record's write before the object-level rules (required, unique) have judged it.
struct Candidate<'a> {
    /// Source key.
    key: &'a str,
    /// The object it updates; `None` creates one.
    existing: Option<&'a ExistingObject>,
    /// What it writes (a create's key value first).
    changes: Vec<Change>,
}

impl Candidate<'_> {
    /// Whether a request is sent for it (an update with no change is none).
    fn writes(&self) -> bool {
        self.existing.is_none() || !self.changes.is_empty()
    }

    /// The values `attribute_id` holds once the write is made.
    fn after(&self, attribute_id: &str) -> Vec<WriteValue> {
        match self.changes.iter().find(|c| c.attribute_id == attribute_id) {
            Some(change) => change.new.clone(),
            None => self
                .existing
                .map(|o| {
                    o.get(attribute_id)
                        .map(|v| WriteValue::Text(v.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// Whether writing `new` over `old` changes anything: a create leaves out empty attributes,
/// references to objects not created yet always count as changes.
fn is_change<S: AsRef<str>>(def: &AttrDef, old: &[S], new: &[WriteValue], creating: bool) -> bool {
    if creating {
        return !new.is_empty();
    }
    let texts: Option<Vec<&str>> = new
        .iter()
        .map(|v| match v {
            WriteValue::Text(t) => Some(t.as_str()),
            WriteValue::Created { .. } => None,
        })
        .collect();
    !matches!(&texts, Some(texts) if same_values(def.multi, old, texts))
}

/// Drops repeated values (two looked-up values may find the same object): Assets refuses an
/// attribute that holds one value twice.
fn dedup(values: &mut Vec<WriteValue>) {
    let mut seen = BTreeSet::new();
    values.retain(|v| seen.insert(v.clone()));
}

/// Makes the plan. Pure: the same input always gives the same plan.
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let mut out = Plan::default();
    let key_id = input.key_attribute.id.as_str();

    // Source side: reject empty and duplicate keys, never guess between duplicates.
    let source_keys: ValueIndex<&str, ()> =
        ValueIndex::new(input.desired.iter().map(|r| (r.key(), ())));
    for record in input.desired.iter().filter(|r| r.key().is_empty()) {
        for p in &record.problems {
            out.problems.push(problem(
                "",
                p.attribute.clone(),
                p.message.clone(),
                Level::Error,
            ));
        }
    }
    // Keys of records never written because their key is not one-to-one.
    let mut duplicated: BTreeSet<String> = BTreeSet::new();
    for (key, records) in source_keys.groups() {
        let count = records.len();
        if key.is_empty() {
            out.problems.push(problem(
                "",
                None,
                format!("{count} source record(s) have no key value and were skipped"),
                Level::Error,
            ));
        } else if count > 1 {
            duplicated.insert(key.to_string());
            out.problems.push(problem(
                key,
                None,
                format!("{count} source records have this key value; none of them is written"),
                Level::Error,
            ));
        }
    }

    // Assets side: objects by key value; duplicates are reported and left alone.
    let by_key: ValueIndex<&str, &ExistingObject> = ValueIndex::new(
        input
            .existing
            .iter()
            .filter_map(|o| Some((o.get(key_id).first()?, o))),
    );
    let keyed = by_key.distinct() as u64;
    for (key, objects) in by_key.groups() {
        if objects.len() > 1 {
            if source_keys.contains(key) {
                duplicated.insert(key.to_string());
            }
            let keys: Vec<&str> = objects.iter().map(|o| o.object_key()).collect();
            out.problems.push(problem(
                key,
                None,
                format!("{} Assets objects ({}) have this key value; none is touched until the duplicates are removed by hand", objects.len(), keys.join(", ")),
                Level::Error,
            ));
        }
    }

    let attrs: BTreeMap<&str, &AttrDef> = input
        .attributes
        .iter()
        .map(|a| (a.id.as_str(), a))
        .collect();
    // Read twice rather than collected: one entry per record is what the planner saves on.
    let writable = || {
        input
            .desired
            .iter()
            .filter(|r| !r.key().is_empty() && source_keys.get(r.key()).len() == 1)
            .filter(|r| by_key.get(r.key()).len() <= 1)
            .filter(|r| !input.skip_keys.contains(r.key()))
    };
    let creating: BTreeSet<&str> = writable()
        .filter(|r| !by_key.contains(r.key()))
        .map(DesiredObject::key)
        .collect();
    let resolver = Resolver::new(input, &attrs, &creating);

    let mut unknown_attributes = BTreeSet::new();
    let mut candidates: Vec<Candidate<'_>> = Vec::new();
    for record in writable() {
        for p in &record.problems {
            out.problems.push(problem(
                record.key(),
                p.attribute.clone(),
                p.message.clone(),
                Level::Error,
            ));
        }
        let existing = by_key.get(record.key()).first().copied();
        let mut changes = Vec::new();
        if existing.is_none() {
            changes.push(Change {
                attribute_id: key_id.to_string(),
                attribute: input.key_attribute.name.clone(),
                old: Vec::new(),
                new: vec![WriteValue::Text(record.key().to_string())],
            });
        }
        for (attribute_id, desired) in record.attributes() {
            let Some(def) = attrs.get(attribute_id).filter(|def| def.writable) else {
                unknown_attributes.insert(attribute_id.to_string());
                continue;
            };
            let Some(mut new) = resolver.resolve(record.key(), def, desired, &mut out.problems)
            else {
                continue;
            };
            dedup(&mut new);
            if let Some(message) = rules::refused_values(def, &new) {
                out.problems.push(problem(
                    record.key(),
                    Some(def.name.clone()),
                    message,
                    Level::Error,
                ));
                continue;
            }
            // Compared borrowed; copied only for a change.
            let old: Vec<&str> = existing
                .map(|o| o.get(&def.id).collect())
                .unwrap_or_default();
            if is_change(def, &old, &new, existing.is_none()) {
                new.shrink_to_fit();
                changes.push(Change {
                    attribute_id: def.id.clone(),
                    attribute: def.name.clone(),
                    old: old.iter().map(|v| v.to_string()).collect(),
                    new,
                });
            }
        }
        if existing.is_some() && changes.is_empty() {
            // Sends nothing, so no rule below can refuse it or take anything from it.
            out.unchanged += 1;
            continue;
        }
        // Held until written (a 100k-record initial sync holds 100k of them): no spare room.
        changes.shrink_to_fit();
        candidates.push(Candidate {
            key: record.key(),
            existing,
            changes,
        });
    }
    out.refused = duplicated;
    rules::refuse(input, &attrs, &mut candidates, &mut out);
    for candidate in candidates {
        if out.refused.contains(candidate.key) {
            continue;
        }
        let key = candidate.key.to_string();
        match candidate.existing {
            Some(_) if candidate.changes.is_empty() => out.unchanged += 1,
            Some(object) => out.updates.push(Update {
                key,
                id: object.id().to_string(),
                object_key: object.object_key().to_string(),
                changes: candidate.changes,
            }),
            None => out.creates.push(Create {
                key,
                level: 0,
                changes: candidate.changes,
                deferred: Vec::new(),
            }),
        }
    }
    for attribute_id in unknown_attributes {
        out.problems.push(problem(
            "",
            Some(attribute_id.clone()),
            format!("attribute {attribute_id} is not a writable attribute of object type {}; it was skipped", input.object_type_id),
            Level::Error,
        ));
    }
    out.creates = order_creates(std::mem::take(&mut out.creates));
    guard_clears(input, keyed, &mut out);
    plan_missing(input, &by_key, keyed, &source_keys, &attrs, &mut out);
    out
}

/// The mass-clear guard: when more keyed objects than allowed would have the same attribute
/// cleared (a value written empty), those clears are taken out of the updates (the rest of
/// each update stays), and the guard says which attribute and how many. Usually the cause is
/// a source field renamed or dropped upstream, not that many real changes.
fn guard_clears(input: &PlanInput<'_>, keyed: u64, out: &mut Plan) {
    let is_clear = |c: &Change| c.new.is_empty() && !c.old.is_empty();
    let mut clears: BTreeMap<&str, (String, u64)> = BTreeMap::new();
    for change in out
        .updates
        .iter()
        .flat_map(|u| &u.changes)
        .filter(|c| is_clear(c))
    {
        clears
            .entry(change.attribute_id.as_str())
            .or_insert_with(|| (change.attribute.clone(), 0))
            .1 += 1;
    }
    let (limit, floor) = match input.max_clears {
        Some(limit) => (limit, 0),
        None => (DEFAULT_MAX_CLEARS, MIN_CLEARS_GUARDED),
    };
    let allowed = limit.allowed(keyed);
    let guarded: BTreeMap<String, (String, u64)> = clears
        .into_iter()
        .filter(|(_, (_, n))| *n > allowed && *n >= floor)
        .map(|(id, v)| (id.to_string(), v))
        .collect();
    if guarded.is_empty() {
        return;
    }
    for update in out.updates.iter_mut() {
        update
            .changes
            .retain(|c| !(is_clear(c) && guarded.contains_key(&c.attribute_id)));
    }
    // An update left with nothing to write is no write (the object is not in sync either,
    // so it is not counted unchanged).
    out.updates.retain(|u| !u.changes.is_empty());
    let what: Vec<String> = guarded
        .values()
        .map(|(name, n)| format!("{name} on {n} object(s)"))
        .collect();
    let reason = format!(
        "the run would clear {}, more than the limit of {} ({allowed} of {keyed} keyed objects), so those values were kept; check the mapping and the JumpCloud field, or raise the limit (maxClears) if this is intended",
        what.join(", "),
        limit.describe()
    );
    out.withheld_clears = guarded.into_values().collect();
    add_guard(out, reason);
}

/// Adds a guard reason to the plan's (one run can trip more than one guard).
fn add_guard(out: &mut Plan, reason: String) {
    out.guard = Some(match out.guard.take() {
        Some(earlier) => format!("{earlier}; {reason}"),
        None => reason,
    });
}

fn problem(key: &str, attribute: Option<String>, message: String, level: Level) -> Problem {
    Problem {
        key: key.to_string(),
        attribute,
        message,
        level,
    }
}

fn display(values: &[WriteValue]) -> Vec<String> {
    values.iter().map(WriteValue::display).collect()
}

/// Same-type lookups: by what, then lower-cased value → object keys (existing objects) or
/// source keys (objects this run creates). Borrowed from the planner's input: one entry per
/// object of the type, so it holds no copies of their texts.
type SameTypeIndex<'a> = BTreeMap<LookupBy<&'a str>, ValueIndex<Cow<'a, str>, &'a str>>;

/// The keys a same-type lookup finds for a lower-cased value.
fn same_type<'i, 'a>(
    index: &'i SameTypeIndex<'a>,
    by: LookupBy<&'a str>,
    lower: &str,
) -> Option<Items<'i, Cow<'a, str>, &'a str>> {
    Some(index.get(&by)?.get(lower)).filter(|keys| !keys.is_empty())
}

/// The lower-cased form of `value` (AQL `=` is case-insensitive), borrowed when it is
/// lower-case already (ids and keys usually are).
fn fold_case(value: &str) -> Cow<'_, str> {
    if value.is_ascii() && !value.bytes().any(|b| b.is_ascii_uppercase()) {
        return Cow::Borrowed(value);
    }
    let lower = value.to_lowercase();
    if lower == value {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(lower)
    }
}

/// Resolves desired values into what is written: literal text, object keys, accountIds.
struct Resolver<'a> {
    input: &'a PlanInput<'a>,
    /// Same-type lookups: `(by, lower-cased value)` → existing object keys.
    existing_index: SameTypeIndex<'a>,
    /// Same-type lookups: `(by, lower-cased value)` → source keys of objects this run creates.
    created_index: SameTypeIndex<'a>,
    /// For `|copy=` rows: source records and existing objects by lower-cased key value.
    copy_sources: BTreeMap<String, CopySource<'a>>,
}

/// Where a `|copy=` row reads the found object's values: its source record (what this run
/// writes, so a manager's change is copied in the same run) or, for an object the source no
/// longer has, what Assets holds.
#[derive(Default)]
struct CopySource<'a> {
    record: Option<&'a DesiredObject>,
    object: Option<&'a ExistingObject>,
}

impl<'a> Resolver<'a> {
    fn new(
        input: &'a PlanInput<'a>,
        attrs: &BTreeMap<&str, &AttrDef>,
        creating: &BTreeSet<&str>,
    ) -> Self {
        // Which same-type lookups are used, so only those attributes are indexed.
        let mut used: BTreeSet<LookupBy<&'a str>> = BTreeSet::new();
        for record in input.desired {
            for (_, desired) in record.attributes() {
                if let DesiredRef::Lookup(lookup) = desired {
                    if lookup.target_type_id == input.object_type_id {
                        used.insert(lookup.by);
                    }
                }
            }
        }
        let mut existing_index = SameTypeIndex::default();
        let mut created_index = SameTypeIndex::default();
        for by in used {
            let attribute_id = match by {
                LookupBy::Key => Some(input.key_attribute.id.as_str()),
                LookupBy::Attribute(name) => attrs
                    .values()
                    .find(|a| a.name.eq_ignore_ascii_case(name))
                    .map(|a| a.id.as_str()),
            };
            let Some(attribute_id) = attribute_id else {
                continue;
            };
            let existing = input.existing.iter().flat_map(|object| {
                object
                    .get(attribute_id)
                    .map(|value| (fold_case(value), object.object_key()))
            });
            existing_index.insert(by, ValueIndex::new(existing));
            let mut created = Vec::new();
            for record in input.desired.iter().filter(|r| creating.contains(r.key())) {
                let mut add = |value: &'a str| created.push((fold_case(value), record.key()));
                if attribute_id == input.key_attribute.id {
                    add(record.key());
                    continue;
                }
                for (_, desired) in record.attributes().filter(|(id, _)| *id == attribute_id) {
                    if let DesiredRef::Values(values) = desired {
                        values.for_each(&mut add);
                    }
                }
            }
            created_index.insert(by, ValueIndex::new(created));
        }
        let copies = input
            .desired
            .iter()
            .flat_map(DesiredObject::attributes)
            .any(|(_, d)| matches!(d, DesiredRef::Lookup(lookup) if lookup.copy.is_some()));
        let mut copy_sources: BTreeMap<String, CopySource<'a>> = BTreeMap::new();
        if copies {
            for record in input.desired.iter().filter(|r| !r.key().is_empty()) {
                copy_sources
                    .entry(record.key().to_lowercase())
                    .or_default()
                    .record = Some(record);
            }
            for object in input.existing {
                if let Some(key) = object.get(&input.key_attribute.id).first() {
                    copy_sources.entry(key.to_lowercase()).or_default().object = Some(object);
                }
            }
        }
        Resolver {
            input,
            existing_index,
            created_index,
            copy_sources,
        }
    }

    /// The values of attribute `copy` on the object whose key value is `key`: from its source
    /// record when that maps the attribute, else from Assets; `None` when no object has the key.
    fn copied(&self, key: &str, copy: &str) -> Option<Vec<WriteValue>> {
        let source = self.copy_sources.get(&key.to_lowercase())?;
        let mapped = source.record.and_then(|record| match record.get(copy)? {
            DesiredRef::Values(values) => Some(values.to_vec()),
            DesiredRef::JiraUser(emails) => Some(
                emails
                    .filter_map(|e| match e.contains('@') {
                        false => Some(e.to_string()),
                        true => self.input.lookups.users.get(&e.to_lowercase())?.clone(),
                    })
                    .collect(),
            ),
            // A reference on the found record resolves in its own row; Assets has it.
            DesiredRef::Lookup(_) => None,
        });
        match (mapped, source.object) {
            (Some(values), _) => Some(values.into_iter().map(WriteValue::Text).collect()),
            (None, Some(object)) => Some(
                object
                    .get(copy)
                    .map(|v| WriteValue::Text(v.to_string()))
                    .collect(),
            ),
            (None, None) if source.record.is_some() => Some(Vec::new()),
            (None, None) => None,
        }
    }

    /// The values to write, or `None` when the attribute must be left as it is (nothing
    /// could be resolved). Problems are reported for every value not found.
    fn resolve(
        &self,
        key: &str,
        def: &AttrDef,
        desired: DesiredRef<'a>,
        problems: &mut Vec<Problem>,
    ) -> Option<Vec<WriteValue>> {
        let mut report = |message: String, level: Level| {
            problems.push(problem(key, Some(def.name.clone()), message, level))
        };
        match desired {
            DesiredRef::Values(values) => {
                // References and users given as literals are already object keys / accountIds.
                Some(values.map(|v| WriteValue::Text(v.to_string())).collect())
            }
            DesiredRef::Lookup(LookupRef {
                values,
                copy: Some(copy),
                ..
            }) => {
                let mut out = Vec::new();
                let mut unresolved = 0;
                for value in values.filter(|v| !v.trim().is_empty()) {
                    match self.copied(value, copy) {
                        Some(found) => out.extend(found),
                        None => {
                            unresolved += 1;
                            report(format!("no object has the key value {value:?} to copy from; the attribute was left as it is"), Level::Error);
                        }
                    }
                }
                if unresolved > 0 && out.is_empty() {
                    return None;
                }
                // The same value from two found objects is written once.
                let mut unique = Vec::new();
                for value in out {
                    if !unique.contains(&value) {
                        unique.push(value);
                    }
                }
                Some(unique)
            }
            DesiredRef::Lookup(LookupRef {
                target_type_id,
                by,
                values,
                ..
            }) => {
                let mut out = Vec::new();
                let mut unresolved = 0;
                for value in values.filter(|v| !v.trim().is_empty()) {
                    let lower = value.to_lowercase();
                    let found: Vec<WriteValue> = if target_type_id == self.input.object_type_id {
                        match (
                            same_type(&self.existing_index, by, &lower),
                            same_type(&self.created_index, by, &lower),
                        ) {
                            (Some(keys), _) => keys
                                .iter()
                                .map(|k| WriteValue::Text(k.to_string()))
                                .collect(),
                            (None, Some(keys)) => keys
                                .iter()
                                .map(|k| WriteValue::Created {
                                    created: k.to_string(),
                                })
                                .collect(),
                            (None, None) => Vec::new(),
                        }
                    } else {
                        self.input
                            .lookups
                            .objects
                            .get(&(target_type_id.to_string(), by.to_owned(), lower))
                            .map(|keys| keys.iter().cloned().map(WriteValue::Text).collect())
                            .unwrap_or_default()
                    };
                    match found.len() {
                        0 => {
                            unresolved += 1;
                            report(format!("no object of type {target_type_id} has {} {value:?}; the reference was left out", describe_by(by)), Level::Error);
                        }
                        1 => out.extend(found),
                        n => {
                            unresolved += 1;
                            report(format!("{n} objects of type {target_type_id} have {} {value:?}; none was chosen", describe_by(by)), Level::Error);
                        }
                    }
                }
                if unresolved > 0 && out.is_empty() {
                    return None;
                }
                Some(out)
            }
            DesiredRef::JiraUser(emails) => {
                let mut out = Vec::new();
                let mut unresolved = 0;
                for email in emails {
                    if !email.contains('@') {
                        // Already an accountId.
                        out.push(WriteValue::Text(email.to_string()));
                        continue;
                    }
                    match self.input.lookups.users.get(&email.to_lowercase()) {
                        Some(Some(account_id)) => out.push(WriteValue::Text(account_id.clone())),
                        _ => {
                            unresolved += 1;
                            report(format!("no Jira user found for {email:?}; the attribute was left as it is"), Level::Warning);
                        }
                    }
                }
                if unresolved > 0 && out.is_empty() {
                    return None;
                }
                Some(out)
            }
        }
    }
}

fn describe_by(by: LookupBy<&str>) -> String {
    match by {
        LookupBy::Key => "the key value".to_string(),
        LookupBy::Attribute(name) => format!("{name} ="),
    }
}

/// Orders creates so that referenced objects come first (Kahn's algorithm by levels). When only
/// cycles remain, the first remaining create has its references to not-yet-placed creates moved
/// to a second pass, which breaks the cycle.
fn order_creates(mut creates: Vec<Create>) -> Vec<Create> {
    let index: BTreeMap<String, usize> = creates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.key.clone(), i))
        .collect();
    let deps = |c: &Create| -> BTreeSet<usize> {
        c.changes
            .iter()
            .flat_map(|ch| ch.new.iter())
            .filter_map(|v| match v {
                WriteValue::Created { created } => index.get(created).copied(),
                WriteValue::Text(_) => None,
            })
            .collect()
    };
    let mut placed: Vec<Option<usize>> = vec![None; creates.len()];
    let mut remaining: BTreeSet<usize> = (0..creates.len()).collect();
    let mut level = 0;
    while !remaining.is_empty() {
        let ready: Vec<usize> = remaining
            .iter()
            .copied()
            .filter(|&i| {
                deps(&creates[i])
                    .iter()
                    .all(|d| placed[*d].is_some_and(|l| l < level))
            })
            .collect();
        if ready.is_empty() {
            // A cycle (or a self reference): defer the first one's unplaced references.
            let first = *remaining.iter().next().expect("remaining is not empty");
            let unplaced = |v: &WriteValue| match v {
                WriteValue::Created { created } => index
                    .get(created)
                    .is_some_and(|d| placed[*d].is_none_or(|l| l >= level)),
                WriteValue::Text(_) => false,
            };
            let create = &mut creates[first];
            let (later, now): (Vec<Change>, Vec<Change>) = std::mem::take(&mut create.changes)
                .into_iter()
                .partition(|ch| ch.new.iter().any(unplaced));
            create.changes = now;
            create.deferred = later;
            continue;
        }
        for i in ready {
            placed[i] = Some(level);
            creates[i].level = level;
            remaining.remove(&i);
        }
        level += 1;
    }
    // Stable sort keeps source order inside a level.
    creates.sort_by_key(|c| c.level);
    creates
}

/// Decides what happens to keyed objects the source no longer has, applying the guards.
fn plan_missing(
    input: &PlanInput<'_>,
    by_key: &ValueIndex<&str, &ExistingObject>,
    keyed: u64,
    source: &ValueIndex<&str, ()>,
    attrs: &BTreeMap<&str, &AttrDef>,
    out: &mut Plan,
) {
    for (key, objects) in by_key.groups() {
        if objects.len() > 1 || source.contains(key) {
            continue;
        }
        let Some(&object) = objects.first() else {
            continue;
        };
        let (action, changes) = match input.missing {
            MissingPolicy::Ignore => (RetireAction::Ignore, Vec::new()),
            MissingPolicy::Delete => (RetireAction::Delete, Vec::new()),
            MissingPolicy::Mark { set } => {
                let changes: Vec<Change> = set
                    .iter()
                    .filter_map(|(attribute_id, value)| {
                        let def = attrs.get(attribute_id.0.as_str())?;
                        let old = object.get(&attribute_id.0).to_vec();
                        let new = vec![value.clone()];
                        (!same_values(def.multi, &old, &new)).then(|| Change {
                            attribute_id: attribute_id.0.clone(),
                            attribute: def.name.clone(),
                            old,
                            new: vec![WriteValue::Text(value.clone())],
                        })
                    })
                    .collect();
                // Already marked: nothing to write, so a re-run stays silent.
                let action = if changes.is_empty() {
                    RetireAction::Ignore
                } else {
                    RetireAction::Mark
                };
                (action, changes)
            }
        };
        out.missing.push(Missing {
            key: key.to_string(),
            id: object.id().to_string(),
            object_key: object.object_key().to_string(),
            action,
            changes,
        });
    }
    let retiring = out
        .missing
        .iter()
        .filter(|m| matches!(m.action, RetireAction::Mark | RetireAction::Delete))
        .count() as u64;
    if retiring == 0 {
        return;
    }
    let verb = if matches!(input.missing, MissingPolicy::Delete) {
        "deleted"
    } else {
        "marked"
    };
    let guard = if input.desired.is_empty() {
        Some(format!(
            "the source returned no records, so nothing was {verb} ({retiring} object(s) would have been); check the import's filters and the JumpCloud connection"
        ))
    } else if let Some(limit) = input.limit {
        let allowed = limit.allowed(keyed);
        (retiring > allowed).then(|| {
            format!(
                "{retiring} object(s) would be {verb}, more than the limit of {} ({allowed} of {keyed} keyed objects), so nothing was {verb}; raise config:maxDeletions if this is intended",
                limit.describe()
            )
        })
    } else {
        None
    };
    if let Some(reason) = guard {
        for m in out.missing.iter_mut() {
            if matches!(m.action, RetireAction::Mark | RetireAction::Delete) {
                m.action = RetireAction::Guarded;
            }
        }
        add_guard(out, reason);
    }
}
