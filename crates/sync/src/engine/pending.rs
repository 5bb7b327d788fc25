//! What is left of a plan when a slice stops on its budget: stored with the run state, so the
//! next slice carries on writing without reading the whole target type again (a 100k-object
//! type costs 200 AQL pages a read; a run in five slices would otherwise read it five times).
//!
//! A stored plan is used once: the slice that continues from it takes it with an atomic swap
//! ([`super::store::RunStore::take_pending`]). If that slice is stopped before it stores what
//! is left in turn, the plan it took may be partly carried out, so the next slice does not
//! trust it and reads Assets and plans afresh, as every slice used to; a create whose object
//! is there already is then simply no longer planned.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::plan::{Change, Create, Missing, Plan, RetireAction, Update, WriteValue};
use tributary_models::assets::ObjectTypeAttribute;

/// The step of the write phase a write belongs to; with its source key it names one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Step {
    /// A create.
    Create,
    /// A create's second-pass reference update (reference cycles).
    Deferred,
    /// An update.
    Update,
    /// A mark or a delete of a missing object.
    Retire,
}

/// The writes of a slice that were carried out or failed (either way they are not tried
/// again), by step and source key.
pub(crate) type Written = BTreeSet<(Step, String)>;

/// Objects created in the run: source key → (object id, object key).
pub(crate) type CreatedObjects = BTreeMap<String, (String, String)>;

/// One attribute's values to write, as stored: `[attribute id, values]` (the name and the old
/// values only serve reports, which the first slice made; names come back from the target).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredChange(String, Vec<WriteValue>);

/// One stored item of what is left of a plan, in a compact form (arrays, one-letter tags): a
/// run of 100k creates stores about 100k of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum PendingWrite {
    /// A create not sent yet: `(source key, level, changes, deferred references)`.
    #[serde(rename = "c")]
    Create(String, usize, Vec<StoredChange>, Vec<StoredChange>),
    /// An update not sent yet, or the deferred references of an object already created:
    /// `(source key, object id, object key, changes)`.
    #[serde(rename = "u")]
    Update(String, String, String, Vec<StoredChange>),
    /// A mark (attributes set) or a delete not sent yet:
    /// `(source key, object id, object key, delete, changes)`.
    #[serde(rename = "r")]
    Retire(String, String, String, bool, Vec<StoredChange>),
    /// An object an earlier slice created that a pending write refers to:
    /// `(source key, object id, object key)`.
    #[serde(rename = "n")]
    Created(String, String, String),
}

fn stored(changes: &[Change]) -> Vec<StoredChange> {
    changes
        .iter()
        .map(|c| StoredChange(c.attribute_id.clone(), c.new.clone()))
        .collect()
}

fn update(key: &str, id: &str, object_key: &str, changes: &[Change]) -> PendingWrite {
    PendingWrite::Update(
        key.to_string(),
        id.to_string(),
        object_key.to_string(),
        stored(changes),
    )
}

/// What is left of `plan` after the writes in `written`, with the created objects the pending
/// writes refer to, as it comes (the stored form is written item by item, never held whole).
/// A create already made whose deferred references are pending becomes an update of the
/// object it made.
pub(crate) fn remaining<'a>(
    plan: &'a Plan,
    written: &'a Written,
    created: &'a CreatedObjects,
) -> impl Iterator<Item = PendingWrite> + 'a {
    let done = move |step: Step, key: &str| written.contains(&(step, key.to_string()));
    // Only the deferred references of a create that was made (it is in `created`; one that
    // failed has nothing to update).
    let deferred_left = move |create: &'a Create| {
        (done(Step::Create, &create.key)
            && !create.deferred.is_empty()
            && !done(Step::Deferred, &create.key))
        .then(|| created.get(&create.key))
        .flatten()
    };
    let mut referred = BTreeSet::new();
    for create in &plan.creates {
        if !done(Step::Create, &create.key) {
            referred.extend(created_refs(&create.changes).chain(created_refs(&create.deferred)));
        } else if deferred_left(create).is_some() {
            referred.extend(created_refs(&create.deferred));
        }
    }
    for u in plan.updates.iter().filter(|u| !done(Step::Update, &u.key)) {
        referred.extend(created_refs(&u.changes));
    }
    let creates = plan.creates.iter().filter_map(move |create| {
        if !done(Step::Create, &create.key) {
            Some(PendingWrite::Create(
                create.key.clone(),
                create.level,
                stored(&create.changes),
                stored(&create.deferred),
            ))
        } else {
            deferred_left(create)
                .map(|(id, object_key)| update(&create.key, id, object_key, &create.deferred))
        }
    });
    let updates = plan
        .updates
        .iter()
        .filter(move |u| !done(Step::Update, &u.key))
        .map(|u| update(&u.key, &u.id, &u.object_key, &u.changes));
    let retires = plan
        .marks()
        .chain(plan.deletes())
        .filter(move |m| !done(Step::Retire, &m.key))
        .map(|m| {
            PendingWrite::Retire(
                m.key.clone(),
                m.id.clone(),
                m.object_key.clone(),
                m.action == RetireAction::Delete,
                stored(&m.changes),
            )
        });
    let known = referred.into_iter().filter_map(move |key| {
        created
            .get(&key)
            .map(|(id, object_key)| PendingWrite::Created(key, id.clone(), object_key.clone()))
    });
    creates.chain(updates).chain(retires).chain(known)
}

/// The source keys of the run's new objects that some changes refer to.
fn created_refs(changes: &[Change]) -> impl Iterator<Item = String> + '_ {
    changes.iter().flat_map(|c| {
        c.new.iter().filter_map(|v| match v {
            WriteValue::Created { created } => Some(created.clone()),
            WriteValue::Text(_) => None,
        })
    })
}

/// The plan a slice carries on with, and the created objects it refers to, from what an
/// earlier slice stored; attribute names come from the target's `attributes`.
pub(crate) fn resume(
    pending: Vec<PendingWrite>,
    attributes: &[ObjectTypeAttribute],
) -> (Plan, CreatedObjects) {
    let changes = |stored: Vec<StoredChange>| -> Vec<Change> {
        stored
            .into_iter()
            .map(|StoredChange(attribute_id, new)| Change {
                attribute: attributes
                    .iter()
                    .find(|a| a.id == attribute_id)
                    .map_or_else(|| attribute_id.clone(), |a| a.name.clone()),
                attribute_id,
                old: Vec::new(),
                new,
            })
            .collect()
    };
    let mut plan = Plan::default();
    let mut created = CreatedObjects::new();
    for write in pending {
        match write {
            PendingWrite::Create(key, level, written, deferred) => plan.creates.push(Create {
                key,
                level,
                changes: changes(written),
                deferred: changes(deferred),
            }),
            PendingWrite::Update(key, id, object_key, written) => plan.updates.push(Update {
                key,
                id,
                object_key,
                changes: changes(written),
            }),
            PendingWrite::Retire(key, id, object_key, delete, written) => {
                plan.missing.push(Missing {
                    key,
                    id,
                    object_key,
                    action: if delete {
                        RetireAction::Delete
                    } else {
                        RetireAction::Mark
                    },
                    changes: changes(written),
                })
            }
            PendingWrite::Created(key, id, object_key) => {
                created.insert(key, (id, object_key));
            }
        }
    }
    (plan, created)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(values: Vec<WriteValue>) -> Change {
        Change {
            attribute_id: "2".into(),
            attribute: "2".into(),
            old: vec![],
            new: values,
        }
    }

    fn create(key: &str, level: usize, deferred: Vec<Change>) -> Create {
        Create {
            key: key.into(),
            level,
            changes: vec![],
            deferred,
        }
    }

    #[test]
    fn what_is_left_round_trips_and_keeps_the_created_objects_it_refers_to() {
        let created_ref = |k: &str| WriteValue::Created {
            created: k.to_string(),
        };
        let mut b = create("b", 1, vec![]);
        b.changes.push(change(vec![created_ref("a")]));
        let plan = Plan {
            creates: vec![
                create("a", 0, vec![change(vec![created_ref("c")])]),
                b,
                create("c", 0, vec![]),
                create("d", 0, vec![change(vec![created_ref("a")])]),
            ],
            updates: vec![Update {
                key: "u".into(),
                id: "7".into(),
                object_key: "OBJ-7".into(),
                changes: vec![],
            }],
            missing: vec![Missing {
                key: "gone".into(),
                id: "9".into(),
                object_key: "OBJ-9".into(),
                action: RetireAction::Delete,
                changes: vec![],
            }],
            ..Plan::default()
        };
        let written: Written = [
            (Step::Create, "a".to_string()),
            (Step::Create, "c".to_string()),
            // d failed: done, never created, its deferred update has nothing to update.
            (Step::Create, "d".to_string()),
        ]
        .into_iter()
        .collect();
        let created: CreatedObjects = [
            ("a".to_string(), ("1".to_string(), "OBJ-1".to_string())),
            ("c".to_string(), ("3".to_string(), "OBJ-3".to_string())),
        ]
        .into_iter()
        .collect();
        let pending: Vec<PendingWrite> = remaining(&plan, &written, &created).collect();
        let text = serde_json::to_string(&pending).unwrap();
        let back: Vec<PendingWrite> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, pending);
        let (left, known) = resume(back, &[]);
        assert_eq!(
            left.creates
                .iter()
                .map(|c| c.key.as_str())
                .collect::<Vec<_>>(),
            ["b"]
        );
        // a's deferred reference to c becomes an update of the object a became.
        assert_eq!(left.updates.len(), 2);
        assert_eq!(left.updates[0].id, "1");
        assert_eq!(left.updates[0].changes[0].new, vec![created_ref("c")]);
        assert_eq!(left.updates[1].key, "u");
        assert_eq!(left.deletes().count(), 1);
        // b refers to a, a's update to c: both known; nothing else is carried.
        assert_eq!(known, created);
        // Nothing left once everything is written.
        let all: Written = [
            (Step::Create, "a"),
            (Step::Create, "b"),
            (Step::Create, "c"),
            (Step::Create, "d"),
            (Step::Deferred, "a"),
            (Step::Update, "u"),
            (Step::Retire, "gone"),
        ]
        .into_iter()
        .map(|(s, k)| (s, k.to_string()))
        .collect();
        assert_eq!(remaining(&plan, &all, &created).count(), 0);
    }
}
