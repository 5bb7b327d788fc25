//! How much memory the planner's state takes per object, counted by the allocator (bytes, not
//! time: deterministic, so a bound can be asserted). The shape is the benchmark's: users with
//! a name, first and last name, email, user name, job title, location and a manager by key,
//! planned unchanged against the objects a sync wrote for them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use tributary_mapping::MissingPolicy;
use tributary_models::assets::ObjectTypeAttribute;
use tributary_sync::plan::{plan, LookupTable, PlanInput};
use tributary_sync::{AttrDef, Desired, DesiredLookup, DesiredObject, ExistingObject, LookupBy};

/// The system allocator, counting the bytes held now and the most held since the last reset.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(held, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const USER_TYPE: &str = "22";
const USERS: usize = 10_000;

fn attributes() -> Vec<AttrDef> {
    let json = r#"[
      {"id":"1","name":"JumpCloud ID","type":0,"defaultType":{"id":0},"uniqueAttribute":true},
      {"id":"2","name":"Name","type":0,"defaultType":{"id":0},"label":true},
      {"id":"3","name":"First Name","type":0,"defaultType":{"id":0}},
      {"id":"4","name":"Last Name","type":0,"defaultType":{"id":0}},
      {"id":"5","name":"Email","type":0,"defaultType":{"id":0}},
      {"id":"6","name":"User Name","type":0,"defaultType":{"id":0}},
      {"id":"7","name":"Job Title","type":0,"defaultType":{"id":0}},
      {"id":"8","name":"Manager","type":1,"referenceObjectTypeId":"22"},
      {"id":"9","name":"Location","type":0,"defaultType":{"id":0}}
    ]"#;
    let attrs: Vec<ObjectTypeAttribute> = serde_json::from_str(json).unwrap();
    attrs.iter().map(AttrDef::from_attribute).collect()
}

fn jumpcloud_id(i: usize) -> String {
    format!("5f{i:022x}")
}

/// `(attribute id, value)` of user `i`'s plain values.
fn plain(i: usize) -> [(&'static str, String); 6] {
    [
        ("2", format!("First{i} Last{i}")),
        ("3", format!("First{i}")),
        ("4", format!("Last{i}")),
        ("5", format!("user{i}@example.com")),
        ("6", format!("user{i}")),
        ("7", format!("Engineer {}", i % 40)),
    ]
}

fn desired(i: usize) -> DesiredObject {
    let mut attributes: Vec<(String, Desired)> = plain(i)
        .into_iter()
        .map(|(id, v)| (id.to_string(), Desired::values([v])))
        .collect();
    attributes.push((
        "8".into(),
        Desired::Lookup(Box::new(DesiredLookup {
            target_type_id: USER_TYPE.into(),
            by: LookupBy::Key,
            values: vec![jumpcloud_id(i / 10)],
            copy: None,
        })),
    ));
    attributes.push(("9".into(), Desired::values([format!("City {}", i % 7)])));
    DesiredObject::new(jumpcloud_id(i), attributes, Vec::new())
}

fn existing(i: usize) -> ExistingObject {
    let mut values: Vec<(String, Vec<String>)> = vec![("1".into(), vec![jumpcloud_id(i)])];
    values.extend(
        plain(i)
            .into_iter()
            .map(|(id, v)| (id.to_string(), vec![v])),
    );
    values.push(("8".into(), vec![format!("HR-{}", i / 10 + 1)]));
    values.push(("9".into(), vec![format!("City {}", i % 7)]));
    ExistingObject::new((i + 1000).to_string(), format!("HR-{}", i + 1), values)
}

/// Bytes held now; resets the peak to it.
fn held() -> usize {
    let now = HELD.load(Ordering::Relaxed);
    PEAK.store(now, Ordering::Relaxed);
    now
}

#[test]
fn the_planners_state_stays_small_per_object() {
    let attrs = attributes();
    let start = held();
    let desired: Vec<DesiredObject> = (0..USERS).map(desired).collect();
    let after_desired = held();
    let existing: Vec<ExistingObject> = (0..USERS).map(existing).collect();
    let after_existing = held();
    let lookups = LookupTable::default();
    let missing = MissingPolicy::Ignore;
    let skip = BTreeSet::new();
    let the_plan = plan(&PlanInput {
        object_type_id: USER_TYPE,
        key_attribute: &attrs[0],
        attributes: &attrs,
        desired: &desired,
        existing: &existing,
        lookups: &lookups,
        missing: &missing,
        limit: None,
        max_clears: None,
        skip_keys: &skip,
    });
    let planning = PEAK.load(Ordering::Relaxed) - after_existing;
    assert_eq!(the_plan.unchanged, USERS as u64, "{:?}", the_plan.problems);
    assert!(the_plan.creates.is_empty() && the_plan.updates.is_empty());
    let per = |bytes: usize| bytes / USERS;
    let (desired_bytes, existing_bytes, planning_bytes) = (
        per(after_desired - start),
        per(after_existing - after_desired),
        per(planning),
    );
    // Printed for docs/performance.md (`cargo test -p tributary-sync --test footprint --
    // --nocapture`); 64-bit sizes, so about a third above what the wasm32 core holds.
    println!(
        "per object: desired {desired_bytes} B, existing {existing_bytes} B, planning {planning_bytes} B"
    );
    assert!(
        existing_bytes <= 200,
        "existing: {existing_bytes} B per object"
    );
    assert!(
        desired_bytes <= 250,
        "desired: {desired_bytes} B per record"
    );
    assert!(
        planning_bytes <= 170,
        "planning: {planning_bytes} B per object"
    );

    // An initial sync: every record becomes a create, held by the plan while it is written.
    drop(the_plan);
    drop(existing);
    let before = held();
    let initial = plan(&PlanInput {
        object_type_id: USER_TYPE,
        key_attribute: &attrs[0],
        attributes: &attrs,
        desired: &desired,
        existing: &[],
        lookups: &lookups,
        missing: &missing,
        limit: None,
        max_clears: None,
        skip_keys: &skip,
    });
    let (create_bytes, creating_bytes) = (
        per(HELD.load(Ordering::Relaxed) - before),
        per(PEAK.load(Ordering::Relaxed) - before),
    );
    assert_eq!(initial.creates.len(), USERS, "{:?}", initial.problems);
    println!("per create: held {create_bytes} B, planning peak {creating_bytes} B");
    assert!(create_bytes <= 1_700, "create: {create_bytes} B per record");
}
