//! The planner's rules, one test per rule.

use std::collections::BTreeSet;

use tributary_mapping::{Limit, MissingPolicy};
use tributary_models::assets::ObjectTypeAttribute;
use tributary_sync::plan::{plan, Level, LookupTable, Plan, PlanInput, RetireAction, WriteValue};
use tributary_sync::{
    AttrDef, AttributeId, Desired, DesiredLookup, DesiredObject, ExistingObject, LookupBy,
    ResolvedMissing,
};

const USER_TYPE: &str = "10";
const DEPT_TYPE: &str = "20";

fn attributes() -> Vec<AttrDef> {
    let json = r#"[
      {"id":"1","name":"JumpCloud ID","type":0,"defaultType":{"id":0}},
      {"id":"2","name":"Name","type":0,"defaultType":{"id":0},"label":true},
      {"id":"3","name":"Manager","type":1,"referenceObjectTypeId":"10"},
      {"id":"4","name":"Department","type":1,"referenceObjectTypeId":"20"},
      {"id":"5","name":"Groups","type":1,"referenceObjectTypeId":"30","maximumCardinality":-1},
      {"id":"6","name":"Jira User","type":2},
      {"id":"7","name":"Status","type":7},
      {"id":"8","name":"Key","type":0,"system":true,"editable":false}
    ]"#;
    let attrs: Vec<ObjectTypeAttribute> = serde_json::from_str(json).unwrap();
    attrs.iter().map(AttrDef::from_attribute).collect()
}

fn record(key: &str, attrs: &[(&str, Desired)]) -> DesiredObject {
    DesiredObject::new(key, attrs.iter().cloned(), Vec::new())
}

fn named(key: &str, name: &str) -> DesiredObject {
    record(key, &[("2", Desired::values([name]))])
}

fn object(id: &str, object_key: &str, values: &[(&str, &[&str])]) -> ExistingObject {
    ExistingObject::new(
        id,
        object_key,
        values
            .iter()
            .map(|(a, v)| (a.to_string(), v.iter().map(|s| s.to_string()).collect())),
    )
}

fn keyed(id: &str, key: &str, name: &str) -> ExistingObject {
    object(id, &format!("HR-{id}"), &[("1", &[key]), ("2", &[name])])
}

fn by_manager(key: &str, name: &str, manager: &str) -> DesiredObject {
    record(
        key,
        &[
            ("2", Desired::values([name])),
            (
                "3",
                Desired::Lookup(Box::new(DesiredLookup {
                    target_type_id: USER_TYPE.into(),
                    by: LookupBy::Key,
                    values: vec![manager.into()],
                    copy: None,
                })),
            ),
        ],
    )
}

struct Case {
    attrs: Vec<AttrDef>,
    desired: Vec<DesiredObject>,
    existing: Vec<ExistingObject>,
    lookups: LookupTable,
    missing: ResolvedMissing,
    limit: Option<Limit>,
    max_clears: Option<Limit>,
}

impl Case {
    fn new(desired: Vec<DesiredObject>, existing: Vec<ExistingObject>) -> Self {
        Case {
            attrs: attributes(),
            desired,
            existing,
            lookups: LookupTable::default(),
            missing: MissingPolicy::Ignore,
            limit: None,
            max_clears: None,
        }
    }

    /// The Department lookup of `name` finds `object_key`.
    fn finds_department(&mut self, name: &str, object_key: &str) {
        self.lookups.insert_object(
            DEPT_TYPE,
            &LookupBy::Attribute("Name".into()),
            name,
            object_key.into(),
        );
    }

    fn plan(&self) -> Plan {
        let skip = BTreeSet::new();
        plan(&PlanInput {
            object_type_id: USER_TYPE,
            key_attribute: &self.attrs[0],
            attributes: &self.attrs,
            desired: &self.desired,
            existing: &self.existing,
            lookups: &self.lookups,
            missing: &self.missing,
            limit: self.limit,
            max_clears: self.max_clears,
            skip_keys: &skip,
        })
    }
}

fn texts(values: &[WriteValue]) -> Vec<String> {
    values.iter().map(WriteValue::display).collect()
}

#[test]
fn upserts_by_key_and_updates_only_what_differs() {
    let case = Case::new(
        vec![named("a", "Ann"), named("b", "Bob Jones"), named("c", "Cy")],
        vec![keyed("1", "a", "Ann"), keyed("2", "b", "Bob")],
    );
    let p = case.plan();
    assert_eq!(p.unchanged, 1);
    assert_eq!(p.updates.len(), 1);
    let update = &p.updates[0];
    assert_eq!(
        (
            update.key.as_str(),
            update.id.as_str(),
            update.object_key.as_str()
        ),
        ("b", "2", "HR-2")
    );
    assert_eq!(update.changes.len(), 1, "only the changed attribute");
    assert_eq!(update.changes[0].attribute, "Name");
    assert_eq!(update.changes[0].old, ["Bob"]);
    assert_eq!(texts(&update.changes[0].new), ["Bob Jones"]);
    assert_eq!(p.creates.len(), 1);
    let create = &p.creates[0];
    assert_eq!(create.key, "c");
    assert_eq!(
        create.changes[0].attribute, "JumpCloud ID",
        "the key is written on create"
    );
    assert_eq!(texts(&create.changes[0].new), ["c"]);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
}

#[test]
fn a_second_run_with_nothing_changed_writes_nothing() {
    let case = Case::new(
        vec![named("a", "Ann"), named("b", "Bob")],
        vec![keyed("1", "a", "Ann"), keyed("2", "b", "Bob")],
    );
    let p = case.plan();
    assert_eq!(p.write_count(), 0);
    assert_eq!(p.unchanged, 2);
}

#[test]
fn emptying_a_value_clears_it_on_update_but_is_not_sent_on_create() {
    let case = Case::new(
        vec![
            record("a", &[("2", Desired::values(Vec::<String>::new()))]),
            record("n", &[("2", Desired::values(Vec::<String>::new()))]),
        ],
        vec![keyed("1", "a", "Ann")],
    );
    let p = case.plan();
    assert_eq!(p.updates[0].changes[0].old, ["Ann"]);
    assert!(p.updates[0].changes[0].new.is_empty());
    assert_eq!(p.creates[0].changes.len(), 1, "only the key");
}

#[test]
fn duplicate_source_keys_are_reported_and_never_written() {
    let case = Case::new(
        vec![named("a", "Ann"), named("a", "Ann 2"), named("b", "Bob")],
        vec![keyed("1", "a", "Old")],
    );
    let p = case.plan();
    assert!(p.updates.is_empty());
    assert_eq!(p.creates.len(), 1);
    let dup = p.problems.iter().find(|e| e.key == "a").expect("reported");
    assert!(dup.message.contains("2 source records"), "{}", dup.message);
    assert!(
        p.missing.is_empty(),
        "a duplicated key is still in the source, so never missing"
    );
}

#[test]
fn duplicate_assets_key_values_are_reported_and_left_alone() {
    let mut case = Case::new(
        vec![named("a", "Ann")],
        vec![
            keyed("1", "a", "X"),
            keyed("2", "a", "Y"),
            keyed("3", "gone", "Z"),
        ],
    );
    case.missing = MissingPolicy::Delete;
    let p = case.plan();
    assert!(p.creates.is_empty() && p.updates.is_empty());
    let dup = p.problems.iter().find(|e| e.key == "a").unwrap();
    assert!(dup.message.contains("HR-1, HR-2"), "{}", dup.message);
    assert_eq!(
        p.deletes().map(|m| m.key.as_str()).collect::<Vec<_>>(),
        ["gone"]
    );
}

#[test]
fn records_without_a_key_are_reported() {
    let case = Case::new(vec![named("", "Nobody"), named("b", "Bob")], vec![]);
    let p = case.plan();
    assert_eq!(p.creates.len(), 1);
    assert!(p
        .problems
        .iter()
        .any(|e| e.key.is_empty() && e.message.contains("no key value")));
}

#[test]
fn managers_resolve_to_existing_objects_and_new_managers_are_created_first() {
    let case = Case::new(
        vec![
            by_manager("rep", "Rep", "boss"),
            by_manager("boss", "Boss", "ceo"),
            by_manager("ceo", "Ceo", ""),
        ],
        vec![
            keyed("1", "old", "Old"),
            object("9", "HR-9", &[("1", &["ceo"]), ("2", &["Ceo"])]),
        ],
    );
    let p = case.plan();
    // "ceo" exists: boss references its object key; rep references boss, created in this run.
    let order: Vec<(&str, usize)> = p
        .creates
        .iter()
        .map(|c| (c.key.as_str(), c.level))
        .collect();
    assert_eq!(order, [("boss", 0), ("rep", 1)]);
    let boss = &p.creates[0];
    assert_eq!(
        texts(
            &boss
                .changes
                .iter()
                .find(|c| c.attribute == "Manager")
                .unwrap()
                .new
        ),
        ["HR-9"]
    );
    let rep = &p.creates[1];
    assert_eq!(
        rep.changes
            .iter()
            .find(|c| c.attribute == "Manager")
            .unwrap()
            .new,
        [WriteValue::Created {
            created: "boss".into()
        }]
    );
    // The ceo's empty manager lookup: nothing to resolve, nothing reported.
    assert!(
        p.problems.iter().all(|e| e.key != "ceo"),
        "{:?}",
        p.problems
    );
}

#[test]
fn reference_cycles_get_a_second_pass_only_where_needed() {
    let case = Case::new(
        vec![
            by_manager("x", "X", "y"),
            by_manager("y", "Y", "x"),
            by_manager("self", "S", "self"),
            by_manager("z", "Z", "x"),
        ],
        vec![],
    );
    let p = case.plan();
    let deferred: Vec<&str> = p.deferred().map(|c| c.key.as_str()).collect();
    assert_eq!(
        deferred,
        ["x", "self"],
        "one member of the cycle and the self reference"
    );
    let x = p.creates.iter().find(|c| c.key == "x").unwrap();
    assert!(x.changes.iter().all(|c| c.attribute != "Manager"));
    assert_eq!(x.deferred[0].attribute, "Manager");
    let level = |k: &str| p.creates.iter().find(|c| c.key == k).unwrap().level;
    assert!(level("y") > level("x"));
    assert!(level("z") > level("x"));
    assert_eq!(p.write_count(), 4 + 2);
}

#[test]
fn lookups_on_other_types_use_the_table_and_missing_ones_are_reported_while_the_rest_is_written() {
    let mut case = Case::new(
        vec![
            record(
                "a",
                &[
                    ("2", Desired::values(["Ann"])),
                    (
                        "4",
                        Desired::Lookup(Box::new(DesiredLookup {
                            target_type_id: DEPT_TYPE.into(),
                            by: LookupBy::Attribute("Name".into()),
                            values: vec!["Finance".into()],
                            copy: None,
                        })),
                    ),
                ],
            ),
            record(
                "b",
                &[
                    ("2", Desired::values(["Bob"])),
                    (
                        "4",
                        Desired::Lookup(Box::new(DesiredLookup {
                            target_type_id: DEPT_TYPE.into(),
                            by: LookupBy::Attribute("Name".into()),
                            values: vec!["Nowhere".into()],
                            copy: None,
                        })),
                    ),
                ],
            ),
        ],
        vec![],
    );
    case.finds_department("finance", "D-1");
    let p = case.plan();
    let a = p.creates.iter().find(|c| c.key == "a").unwrap();
    assert_eq!(
        texts(
            &a.changes
                .iter()
                .find(|c| c.attribute == "Department")
                .unwrap()
                .new
        ),
        ["D-1"]
    );
    let b = p.creates.iter().find(|c| c.key == "b").unwrap();
    assert!(
        b.changes.iter().any(|c| c.attribute == "Name"),
        "the rest of the object is still written"
    );
    assert!(b.changes.iter().all(|c| c.attribute != "Department"));
    let e = p.problems.iter().find(|e| e.key == "b").unwrap();
    assert_eq!(e.attribute.as_deref(), Some("Department"));
    assert!(e.message.contains("Nowhere"), "{}", e.message);
}

#[test]
fn ambiguous_lookups_are_reported_not_guessed() {
    let mut case = Case::new(vec![record("a", &[("4", departments(&["IT"]))])], vec![]);
    case.finds_department("IT", "D-1");
    case.finds_department("it", "D-2");
    let p = case.plan();
    assert!(
        p.problems[0].message.contains("2 objects"),
        "{}",
        p.problems[0].message
    );
    assert_eq!(p.creates[0].changes.len(), 1);
}

#[test]
fn multi_valued_references_compare_as_sets() {
    let groups = |values: &[&str]| Desired::values(values.iter().copied());
    let case = Case::new(
        vec![
            record("a", &[("5", groups(&["G-2", "G-1"]))]),
            record("b", &[("5", groups(&["G-1", "G-3"]))]),
        ],
        vec![
            object("1", "HR-1", &[("1", &["a"]), ("5", &["G-1", "G-2"])]),
            object("2", "HR-2", &[("1", &["b"]), ("5", &["G-1"])]),
        ],
    );
    let p = case.plan();
    assert_eq!(p.unchanged, 1);
    assert_eq!(p.updates.len(), 1);
    assert_eq!(texts(&p.updates[0].changes[0].new), ["G-1", "G-3"]);
}

#[test]
fn a_single_valued_attribute_with_several_values_is_reported() {
    let case = Case::new(
        vec![record("a", &[("2", Desired::values(["x", "y"]))])],
        vec![],
    );
    let p = case.plan();
    assert!(
        p.problems[0].message.contains("takes one value"),
        "{}",
        p.problems[0].message
    );
    assert_eq!(p.creates[0].changes.len(), 1);
}

#[test]
fn jira_users_come_from_email_lookups_and_unmatched_ones_are_warnings() {
    let mut case = Case::new(
        vec![
            record(
                "a",
                &[(
                    "6",
                    Desired::JiraUser {
                        emails: vec!["Ann@Example.com".into()],
                    },
                )],
            ),
            record(
                "b",
                &[(
                    "6",
                    Desired::JiraUser {
                        emails: vec!["ghost@example.com".into()],
                    },
                )],
            ),
            record(
                "c",
                &[(
                    "6",
                    Desired::JiraUser {
                        emails: vec!["557058:abc".into()],
                    },
                )],
            ),
        ],
        vec![object("1", "HR-1", &[("1", &["b"]), ("6", &["acc-old"])])],
    );
    case.lookups
        .users
        .insert("ann@example.com".into(), Some("acc-ann".into()));
    case.lookups.users.insert("ghost@example.com".into(), None);
    let p = case.plan();
    let a = p.creates.iter().find(|c| c.key == "a").unwrap();
    assert_eq!(texts(&a.changes[1].new), ["acc-ann"]);
    let c = p.creates.iter().find(|c| c.key == "c").unwrap();
    assert_eq!(
        texts(&c.changes[1].new),
        ["557058:abc"],
        "an accountId is written as it is"
    );
    let warning = p.problems.iter().find(|e| e.key == "b").unwrap();
    assert_eq!(warning.level, Level::Warning);
    assert_eq!(
        p.unchanged, 1,
        "an unmatched user leaves the attribute as it is"
    );
}

#[test]
fn missing_objects_are_ignored_by_default_and_hand_made_ones_never_touched() {
    let mut case = Case::new(
        vec![named("a", "Ann")],
        vec![
            keyed("1", "a", "Ann"),
            keyed("2", "gone", "G"),
            object("3", "HR-3", &[("2", &["Hand made"])]),
        ],
    );
    let p = case.plan();
    assert_eq!(p.missing.len(), 1);
    assert_eq!(p.missing[0].action, RetireAction::Ignore);
    assert_eq!(p.write_count(), 0);
    case.missing = MissingPolicy::Delete;
    let p = case.plan();
    assert_eq!(
        p.deletes().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["2"],
        "HR-3 has no key value"
    );
}

#[test]
fn marking_sets_the_attribute_once() {
    let mut case = Case::new(
        vec![named("a", "Ann")],
        vec![
            keyed("1", "a", "Ann"),
            object("2", "HR-2", &[("1", &["gone"]), ("7", &["1"])]),
            object("3", "HR-3", &[("1", &["left"]), ("7", &["9"])]),
        ],
    );
    case.missing = MissingPolicy::Mark {
        set: vec![(AttributeId("7".into()), "9".into())],
    };
    let p = case.plan();
    let marks: Vec<&str> = p.marks().map(|m| m.key.as_str()).collect();
    assert_eq!(marks, ["gone"], "HR-3 is already marked");
    let mark = p.marks().next().unwrap();
    assert_eq!(mark.changes[0].old, ["1"]);
    assert_eq!(texts(&mark.changes[0].new), ["9"]);
    assert_eq!(p.missing.len(), 2);
}

#[test]
fn an_empty_source_never_deletes_or_marks() {
    let mut case = Case::new(vec![], vec![keyed("1", "a", "Ann"), keyed("2", "b", "Bob")]);
    case.missing = MissingPolicy::Delete;
    let p = case.plan();
    assert_eq!(p.deletes().count(), 0);
    assert!(p.missing.iter().all(|m| m.action == RetireAction::Guarded));
    assert!(p.guard.as_deref().unwrap().contains("no records"));
}

#[test]
fn more_retirements_than_the_threshold_stop_all_of_them() {
    let existing: Vec<ExistingObject> = (0..10)
        .map(|i| keyed(&i.to_string(), &format!("k{i}"), "N"))
        .collect();
    let mut case = Case::new(
        vec![
            named("k0", "N"),
            named("k1", "N"),
            named("k2", "N"),
            named("k3", "N"),
            named("new", "N"),
        ],
        existing,
    );
    case.missing = MissingPolicy::Delete;
    case.limit = Some(Limit::Count(5));
    let p = case.plan();
    assert_eq!(p.deletes().count(), 0, "6 > 5: nothing deleted");
    assert!(
        p.guard
            .as_deref()
            .unwrap()
            .contains("6 object(s) would be deleted"),
        "{:?}",
        p.guard
    );
    assert_eq!(p.creates.len(), 1, "creates and updates still happen");
    case.limit = Some(Limit::Percent(60.0));
    assert_eq!(case.plan().deletes().count(), 6, "60% of 10 allows 6");
    case.limit = Some(Limit::Percent(50.0));
    let p = case.plan();
    assert_eq!(p.deletes().count(), 0);
    assert!(p.guard.unwrap().contains("50%"));
}

#[test]
fn the_plan_is_deterministic_and_serialises() {
    let case = Case::new(
        vec![
            by_manager("rep", "Rep", "boss"),
            by_manager("boss", "Boss", ""),
        ],
        vec![],
    );
    let a = case.plan();
    assert_eq!(a, case.plan());
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(
        json["creates"][1]["changes"][2]["new"][0]["created"],
        "boss"
    );
}

/// `n` keyed objects with a Name, of which the first `cleared` lose it in the source.
fn clears_case(n: usize, cleared: usize) -> Case {
    let desired = (0..n)
        .map(|i| {
            let name = if i < cleared {
                Vec::new()
            } else {
                vec![format!("N{i}")]
            };
            record(&format!("k{i}"), &[("2", Desired::Values { values: name })])
        })
        .collect();
    let existing = (0..n)
        .map(|i| keyed(&i.to_string(), &format!("k{i}"), &format!("N{i}")))
        .collect();
    Case::new(desired, existing)
}

#[test]
fn clearing_an_attribute_on_many_objects_is_withheld_by_the_default_guard() {
    // 10 of 50: more than 10 % (5) and at least 10 objects.
    let p = clears_case(50, 10).plan();
    let reason = p.guard.as_deref().expect("the guard fires");
    assert!(
        reason.contains("Name on 10 object(s)") && reason.contains("10%"),
        "{reason}"
    );
    assert!(p.updates.is_empty(), "no clear is planned: {:?}", p.updates);
    assert_eq!(p.withheld_clears, [("Name".to_string(), 10)]);
    assert_eq!(p.unchanged, 40);
}

#[test]
fn a_few_clears_are_real_changes_and_pass_the_default_guard() {
    for (n, cleared) in [(100, 9), (100, 10), (50, 9), (5, 5)] {
        let p = clears_case(n, cleared).plan();
        assert_eq!(p.guard, None, "{cleared} of {n}");
        assert_eq!(p.updates.len(), cleared, "{cleared} of {n}");
        assert!(p.updates.iter().all(|u| u.changes[0].new.is_empty()));
    }
    // 11 of 100 is more than 10 %.
    assert!(clears_case(100, 11).plan().guard.is_some());
}

#[test]
fn the_clear_guard_keeps_the_other_changes_of_the_objects() {
    let mut case = clears_case(20, 12);
    for (i, r) in case.desired.iter_mut().enumerate().take(12) {
        r.push("7", &Desired::values([format!("s{i}")]));
    }
    let p = case.plan();
    assert!(p.guard.is_some());
    assert_eq!(p.updates.len(), 12);
    for u in &p.updates {
        assert_eq!(u.changes.len(), 1, "only the status is written: {u:?}");
        assert_eq!(u.changes[0].attribute, "Status");
    }
}

#[test]
fn max_clears_sets_the_threshold_as_a_count_or_a_percentage_without_the_floor() {
    let mut case = clears_case(100, 3);
    case.max_clears = Some(Limit::Count(2));
    let p = case.plan();
    assert!(
        p.guard.as_deref().is_some_and(|r| r.contains("limit of 2")),
        "{p:?}"
    );
    case.max_clears = Some(Limit::Count(3));
    assert_eq!(case.plan().guard, None);
    case.max_clears = Some(Limit::Percent(50.0));
    let mut many = clears_case(100, 51);
    many.max_clears = case.max_clears;
    assert!(many.plan().guard.is_some());
    let mut half = clears_case(100, 50);
    half.max_clears = case.max_clears;
    assert_eq!(half.plan().guard, None);
}

#[test]
fn the_clear_guard_and_the_deletion_guard_both_give_their_reason() {
    let mut case = clears_case(40, 12);
    // Two keyed objects gone from the source, against a limit of one deletion.
    case.desired.truncate(38);
    case.missing = MissingPolicy::Delete;
    case.limit = Some(Limit::Count(1));
    let p = case.plan();
    let reason = p.guard.unwrap();
    assert!(
        reason.contains("Name on 12 object(s)") && reason.contains("would be deleted"),
        "{reason}"
    );
}

// ---------------------------------------------------------------------------------------------
// What Assets refuses, judged before writing (preview = run).

/// A type with Assets' rules: a required label, a required reference, a unique email, a
/// multi-valued attribute with bounds and a status that allows two statuses.
fn ruled() -> Vec<AttrDef> {
    let json = r#"[
      {"id":"1","name":"JumpCloud ID","type":0,"defaultType":{"id":0},"uniqueAttribute":true},
      {"id":"2","name":"Name","type":0,"defaultType":{"id":0},"label":true,"minimumCardinality":1},
      {"id":"3","name":"Manager","type":1,"referenceObjectTypeId":"10"},
      {"id":"4","name":"Department","type":1,"referenceObjectTypeId":"20","minimumCardinality":1},
      {"id":"5","name":"Aliases","type":0,"defaultType":{"id":8},"maximumCardinality":2},
      {"id":"6","name":"Email","type":0,"defaultType":{"id":8},"uniqueAttribute":true},
      {"id":"7","name":"Status","type":7,"typeValueMulti":["1","2"]},
      {"id":"8","name":"Title","type":0,"defaultType":{"id":0}},
      {"id":"9","name":"Key","type":0,"system":true,"editable":false,"minimumCardinality":1}
    ]"#;
    let attrs: Vec<ObjectTypeAttribute> = serde_json::from_str(json).unwrap();
    attrs.iter().map(AttrDef::from_attribute).collect()
}

/// A Department lookup by Name of `names`.
fn departments(names: &[&str]) -> Desired {
    Desired::Lookup(Box::new(DesiredLookup {
        target_type_id: DEPT_TYPE.into(),
        by: LookupBy::Attribute("Name".into()),
        values: names.iter().map(|n| n.to_string()).collect(),
        copy: None,
    }))
}

fn dept(name: &str) -> Desired {
    departments(&[name])
}

/// A valid user of the ruled type: Name, Department (Finance), Email.
fn person(key: &str, extra: &[(&str, Desired)]) -> DesiredObject {
    let mut attrs = vec![
        ("2", Desired::values([key.to_uppercase()])),
        ("4", dept("Finance")),
        ("6", Desired::values([format!("{key}@example.com")])),
    ];
    for (id, desired) in extra {
        attrs.retain(|(a, _)| a != id);
        attrs.push((id, desired.clone()));
    }
    record(key, &attrs)
}

/// An existing object of the ruled type matching `person(key, &[])`.
fn stored(id: &str, key: &str) -> ExistingObject {
    let upper = key.to_uppercase();
    let email = format!("{key}@example.com");
    object(
        id,
        &format!("HR-{id}"),
        &[
            ("1", &[key]),
            ("2", &[upper.as_str()]),
            ("4", &["D-1"]),
            ("6", &[email.as_str()]),
        ],
    )
}

fn ruled_case(desired: Vec<DesiredObject>, existing: Vec<ExistingObject>) -> Case {
    let mut case = Case::new(desired, existing);
    case.attrs = ruled();
    case.finds_department("Finance", "D-1");
    case
}

fn refusal<'p>(p: &'p Plan, key: &str) -> &'p tributary_sync::plan::Problem {
    assert!(
        p.refused.contains(key),
        "{key} not refused: {:?}",
        p.problems
    );
    p.problems
        .iter()
        .find(|e| e.key == key && e.message.contains("not written"))
        .unwrap_or_else(|| panic!("no refusal for {key}: {:?}", p.problems))
}

fn written(p: &Plan) -> Vec<&str> {
    let mut keys: Vec<&str> = p
        .creates
        .iter()
        .map(|c| c.key.as_str())
        .chain(p.updates.iter().map(|u| u.key.as_str()))
        .collect();
    keys.sort();
    keys
}

#[test]
fn a_create_without_a_required_value_is_refused_and_counted_failed() {
    let empty_name = person("a", &[("2", Desired::values(Vec::<String>::new()))]);
    let no_name = record("b", &[("4", dept("Finance"))]);
    let case = ruled_case(vec![empty_name, no_name, person("c", &[])], vec![]);
    let p = case.plan();
    assert_eq!(written(&p), ["c"]);
    for key in ["a", "b"] {
        let e = refusal(&p, key);
        assert_eq!(e.attribute.as_deref(), Some("Name"));
        assert_eq!(e.level, Level::Error);
        assert!(
            e.message
                .contains("Name is required (at least 1 value(s)) but the new object would have 0"),
            "{}",
            e.message
        );
    }
    assert_eq!(p.failed(&case.desired), 2);
    assert_eq!(
        p.written_with_problems(Level::Error),
        0,
        "a refused record is failed, not incomplete"
    );
}

#[test]
fn an_update_that_clears_a_required_value_is_refused_but_clearing_an_optional_one_is_fine() {
    let mut with_title = stored("2", "b");
    with_title.set("8", vec!["Boss".into()]);
    let case = ruled_case(
        vec![
            person("a", &[("2", Desired::values(Vec::<String>::new()))]),
            person("b", &[("8", Desired::values(Vec::<String>::new()))]),
        ],
        vec![stored("1", "a"), with_title],
    );
    let p = case.plan();
    assert!(refusal(&p, "a")
        .message
        .contains("HR-1 after the update would have 0"));
    assert_eq!(written(&p), ["b"]);
    let clear = &p.updates[0].changes[0];
    assert_eq!((clear.attribute.as_str(), clear.new.len()), ("Title", 0));
    assert_eq!(p.failed(&case.desired), 1);
}

#[test]
fn an_object_that_needs_no_write_is_never_refused() {
    // HR-1 lacks its required Department, but nothing is written to it: Assets is not asked.
    let mut lacking = stored("1", "a");
    lacking.set("4", Vec::new());
    let a = record(
        "a",
        &[
            ("2", Desired::values(["A"])),
            ("6", Desired::values(["a@example.com"])),
        ],
    );
    let case = ruled_case(vec![a], vec![lacking]);
    let p = case.plan();
    assert_eq!(p.unchanged, 1);
    assert!(
        p.refused.is_empty() && p.problems.is_empty(),
        "{:?}",
        p.problems
    );
}

#[test]
fn a_required_reference_that_finds_nothing_refuses_a_create_and_leaves_an_update_as_it_is() {
    let case = ruled_case(
        vec![
            person("new", &[("4", dept("Nowhere"))]),
            person(
                "old",
                &[("4", dept("Nowhere")), ("8", Desired::values(["Chief"]))],
            ),
        ],
        vec![stored("1", "old")],
    );
    let p = case.plan();
    assert!(refusal(&p, "new")
        .message
        .contains("Department is required"));
    assert_eq!(
        written(&p),
        ["old"],
        "the update keeps its Department and writes the rest"
    );
    assert_eq!(p.updates[0].changes.len(), 1);
    assert_eq!(p.updates[0].changes[0].attribute, "Title");
    assert_eq!(
        p.written_with_problems(Level::Error),
        1,
        "old is incomplete"
    );
    assert_eq!(p.failed(&case.desired), 1);
}

#[test]
fn references_to_a_refused_record_are_left_out_and_refuse_in_turn_where_required() {
    let manager = |m: &str| {
        Desired::Lookup(Box::new(DesiredLookup {
            target_type_id: USER_TYPE.into(),
            by: LookupBy::Key,
            values: vec![m.into()],
            copy: None,
        }))
    };
    let case = ruled_case(
        vec![
            // boss cannot be created (no Name): rep's Manager reference to it is left out.
            person("boss", &[("2", Desired::values(Vec::<String>::new()))]),
            person("rep", &[("3", manager("boss"))]),
        ],
        vec![],
    );
    let p = case.plan();
    refusal(&p, "boss");
    assert_eq!(written(&p), ["rep"]);
    assert!(p.creates[0]
        .changes
        .iter()
        .all(|c| c.attribute != "Manager"));
    let left_out = p
        .problems
        .iter()
        .find(|e| e.key == "rep" && e.attribute.as_deref() == Some("Manager"))
        .expect("reported");
    assert!(
        left_out
            .message
            .contains("(new object boss) cannot be referenced"),
        "{}",
        left_out.message
    );
    assert_eq!(p.written_with_problems(Level::Error), 1);
}

#[test]
fn unique_values_go_to_their_holder_then_to_the_first_record_in_source_order() {
    let email = |e: &str| ("6", Desired::values([e]));
    let case = ruled_case(
        vec![
            person("a", &[email("Shared@example.com")]),
            person("b", &[email("shared@example.com")]),
            person("c", &[email("held@example.com")]),
            // d keeps its own value: no clash with itself.
            person("d", &[("8", Desired::values(["New title"]))]),
            // e takes f's value; f gives it up in the same run, but held is held.
            person("e", &[email("f@example.com")]),
            person("f", &[email("f2@example.com")]),
        ],
        vec![
            object(
                "9",
                "HR-9",
                &[("2", &["Hand made"]), ("6", &["HELD@example.com"])],
            ),
            stored("4", "d"),
            stored("5", "e"),
            stored("6", "f"),
        ],
    );
    let p = case.plan();
    assert_eq!(written(&p), ["a", "d", "f"]);
    assert!(
        refusal(&p, "b")
            .message
            .contains("record a, earlier in the source, has"),
        "{:?}",
        p.problems
    );
    assert!(
        refusal(&p, "c").message.contains("HR-9 already has"),
        "{:?}",
        p.problems
    );
    assert!(
        refusal(&p, "e").message.contains("HR-6 already has"),
        "{:?}",
        p.problems
    );
    assert_eq!(refusal(&p, "b").attribute.as_deref(), Some("Email"));
    assert_eq!(p.failed(&case.desired), 3);
}

#[test]
fn a_refused_first_claimant_leaves_the_value_to_the_next() {
    let email = ("6", Desired::values(["same@example.com"]));
    let case = ruled_case(
        vec![
            person(
                "a",
                &[email.clone(), ("2", Desired::values(Vec::<String>::new()))],
            ),
            person("b", &[email]),
        ],
        vec![],
    );
    let p = case.plan();
    refusal(&p, "a");
    assert_eq!(written(&p), ["b"]);
}

#[test]
fn too_many_values_or_a_status_the_attribute_does_not_allow_leave_the_attribute_out() {
    let case = ruled_case(
        vec![
            person(
                "a",
                &[("5", Desired::values(["x@e.com", "y@e.com", "z@e.com"]))],
            ),
            person(
                "b",
                &[
                    ("5", Desired::values(["x@e.com", "y@e.com"])),
                    ("7", Desired::values(["3"])),
                ],
            ),
            person("c", &[("7", Desired::values(["2"]))]),
        ],
        vec![],
    );
    let p = case.plan();
    assert_eq!(written(&p), ["a", "b", "c"]);
    let attribute_error = |key: &str, attribute: &str| {
        p.problems
            .iter()
            .find(|e| e.key == key && e.attribute.as_deref() == Some(attribute))
            .map(|e| e.message.clone())
    };
    assert!(attribute_error("a", "Aliases")
        .unwrap()
        .contains("takes at most 2 values, got 3"));
    assert!(attribute_error("b", "Status")
        .unwrap()
        .contains("status id 3 is not allowed"));
    assert_eq!(attribute_error("c", "Status"), None);
    let changed = |key: &str| -> Vec<String> {
        p.creates
            .iter()
            .find(|c| c.key == key)
            .unwrap()
            .changes
            .iter()
            .map(|c| c.attribute.clone())
            .collect()
    };
    assert!(!changed("a").contains(&"Aliases".to_string()));
    assert!(changed("b").contains(&"Aliases".to_string()));
    assert!(!changed("b").contains(&"Status".to_string()));
    assert_eq!(p.written_with_problems(Level::Error), 2);
    assert_eq!(p.failed(&case.desired), 0);
}

#[test]
fn two_values_that_find_the_same_object_are_written_once() {
    let mut case = ruled_case(
        vec![person("a", &[("4", departments(&["Finance", "FIN"]))])],
        vec![],
    );
    case.attrs[3].multi = true;
    case.attrs[3].attribute.maximum_cardinality = -1;
    case.finds_department("FIN", "D-1");
    let p = case.plan();
    let department = p.creates[0]
        .changes
        .iter()
        .find(|c| c.attribute == "Department")
        .unwrap();
    assert_eq!(texts(&department.new), ["D-1"]);
}

/// `map:manager=Manager Jira User|byKey|copy=Jira User`: the manager's Jira account.
fn copies_manager_account(manager: &str) -> (&'static str, Desired) {
    (
        "9",
        Desired::Lookup(Box::new(DesiredLookup {
            target_type_id: USER_TYPE.into(),
            by: LookupBy::Key,
            values: vec![manager.into()],
            copy: Some("6".into()),
        })),
    )
}

fn with_manager_account(desired: Vec<DesiredObject>, existing: Vec<ExistingObject>) -> Case {
    let mut case = Case::new(desired, existing);
    let extra: ObjectTypeAttribute =
        serde_json::from_str(r#"{"id":"9","name":"Manager Jira User","type":2}"#).unwrap();
    case.attrs.push(AttrDef::from_attribute(&extra));
    case.lookups
        .users
        .insert("boss@example.com".into(), Some("acc-boss".into()));
    case
}

#[test]
fn copy_writes_the_found_objects_value_from_its_source_record_else_from_assets() {
    let boss = record(
        "boss",
        &[(
            "6",
            Desired::JiraUser {
                emails: vec!["Boss@Example.com".into()],
            },
        )],
    );
    let ann = record("ann", &[copies_manager_account("boss")]);
    // Bob's manager left the source; Assets still has her, with her account.
    let bob = record("bob", &[copies_manager_account("gone")]);
    let cat = record("cat", &[copies_manager_account("nobody")]);
    let gone = object("5", "HR-5", &[("1", &["gone"]), ("6", &["acc-gone"])]);
    let p = with_manager_account(vec![boss, ann, bob, cat], vec![gone]).plan();
    let written = |key: &str| {
        p.creates
            .iter()
            .find(|c| c.key == key)
            .and_then(|c| {
                c.changes
                    .iter()
                    .find(|ch| ch.attribute == "Manager Jira User")
            })
            .map(|ch| texts(&ch.new))
    };
    assert_eq!(written("ann"), Some(vec!["acc-boss".to_string()]));
    assert_eq!(written("bob"), Some(vec!["acc-gone".to_string()]));
    assert_eq!(written("cat"), None, "nothing to copy from");
    let missing = p.problems.iter().find(|e| e.key == "cat").unwrap();
    assert_eq!(missing.level, Level::Error);
    assert!(
        missing.message.contains("\"nobody\""),
        "{}",
        missing.message
    );
}

#[test]
fn a_copied_value_that_did_not_change_writes_nothing() {
    let boss = record(
        "boss",
        &[(
            "6",
            Desired::JiraUser {
                emails: vec!["boss@example.com".into()],
            },
        )],
    );
    let ann = record("ann", &[copies_manager_account("boss")]);
    let existing = vec![
        object("1", "HR-1", &[("1", &["boss"]), ("6", &["acc-boss"])]),
        object("2", "HR-2", &[("1", &["ann"]), ("9", &["acc-boss"])]),
    ];
    let p = with_manager_account(vec![boss, ann], existing).plan();
    assert!(p.updates.is_empty(), "{:?}", p.updates);
    assert_eq!(p.unchanged, 2);
}
