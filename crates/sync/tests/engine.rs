//! The engine against an in-memory host: paging, references, retries, budgets, leases, guards.

mod fake;

use fake::{FakeHost, FaultKind, DEPARTMENTS, GROUPS, USERS};
use serde_json::{json, Value};
use tributary_sync::engine::{budget_before, finish_slice, FinishedSlice};
use tributary_sync::plan::Level;
use tributary_sync::{
    block_on, run, run_all, RunAllOptions, RunOptions, RunPhase, RunReport, RunStatus,
};

const MAPPING: &str = "key:_id=JumpCloud ID
map:${firstname} ${lastname}=Name
map:email=Email
map:manager=Manager|byKey
map:department=Department|Name=${department}
map:email=Jira User
config:api=systemusers
config:objectType=10
";

fn id(i: usize) -> String {
    format!("{i:024x}")
}

fn user(i: usize) -> Value {
    let mut u = json!({
        "_id": id(i), "firstname": format!("First{i}"), "lastname": format!("Last{i}"),
        "email": format!("user{i}@example.com"), "department": if i % 2 == 0 { "Finance" } else { "IT" },
        "jobTitle": "Engineer"
    });
    if i > 0 {
        u["manager"] = json!(id((i - 1) / 5));
    }
    u
}

/// A host with `n` JumpCloud users (a management tree), two departments and Jira accounts for
/// even-numbered users.
fn host(n: usize) -> FakeHost {
    let host = FakeHost::new();
    // Users listed in reverse: reports come before their managers in the source.
    *host.users.borrow_mut() = (0..n).rev().map(user).collect();
    host.add_object(DEPARTMENTS, &[("21", "Finance")]);
    host.add_object(DEPARTMENTS, &[("21", "IT")]);
    for i in (0..n).step_by(2) {
        host.accounts
            .borrow_mut()
            .insert(format!("user{i}@example.com"), format!("acc-{i}"));
    }
    host
}

fn options(mapping: &str) -> RunOptions {
    RunOptions {
        import_id: "users".into(),
        mapping_text: mapping.into(),
        workspace_id: None,
        budget_ms: Some(600_000.0),
        ..Default::default()
    }
}

fn sync(host: &FakeHost, opts: &RunOptions) -> RunReport {
    block_on(run(host, opts))
}

/// Runs and continues until the run is over; returns the last report and the invocations.
/// The options of the invocation that continues `report`'s run.
fn continuing(opts: &RunOptions, report: &RunReport) -> RunOptions {
    RunOptions {
        resume: true,
        run_id: Some(report.run_id.clone()),
        ..opts.clone()
    }
}

fn sync_to_end(host: &FakeHost, opts: &RunOptions) -> (RunReport, u32) {
    fake::run_to_end(opts, |o| sync(host, o))
}

fn assert_users_match(host: &FakeHost, n: usize) {
    let objects = host.user_objects();
    assert_eq!(objects.len(), n, "one object per user, no duplicates");
    let dept_key = |name: &str| {
        host.objects
            .borrow()
            .iter()
            .find(|o| o.type_id == DEPARTMENTS && o.get("21") == [name])
            .unwrap()
            .key()
    };
    for i in 0..n {
        let o = &objects[&id(i)];
        assert_eq!(o.get("2"), [format!("First{i} Last{i}")]);
        assert_eq!(o.get("9"), [format!("user{i}@example.com")]);
        let manager = if i == 0 {
            vec![]
        } else {
            vec![objects[&id((i - 1) / 5)].key()]
        };
        assert_eq!(o.get("3"), manager, "manager of {i}");
        assert_eq!(
            o.get("4"),
            [dept_key(if i % 2 == 0 { "Finance" } else { "IT" })]
        );
        let account = if i % 2 == 0 {
            vec![format!("acc-{i}")]
        } else {
            vec![]
        };
        assert_eq!(o.get("6"), account);
    }
}

#[test]
fn initial_import_then_a_second_run_writes_nothing() {
    let n = 620;
    let host = host(n);
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(report.counts.created, n as u64);
    assert_eq!(report.counts.source, n as u64);
    assert_eq!(report.counts.failed, 0);
    assert_users_match(&host, n);
    // Managers before reports: no deferred second pass was needed for a tree.
    assert_eq!(report.api_calls.update, 0);
    assert_eq!(report.api_calls.jumpcloud, 7, "620 users in pages of 100");
    // Odd users have no Jira account: a warning each, the rest written.
    assert_eq!(report.counts.warnings, (n / 2) as u64);
    assert!(report
        .errors
        .iter()
        .all(|e| e.attribute.as_deref() == Some("Jira User")));
    assert_eq!(report.phase, RunPhase::Done);
    assert!(report.finished_at.is_some());

    host.clear_requests();
    let again = sync(&host, &options(MAPPING));
    assert_eq!(again.status, RunStatus::Succeeded);
    assert_eq!(
        (
            again.counts.created,
            again.counts.updated,
            again.counts.deleted
        ),
        (0, 0, 0)
    );
    assert_eq!(again.counts.unchanged, n as u64);
    assert_eq!(
        again.api_calls.create + again.api_calls.update + again.api_calls.delete,
        0
    );
    assert_eq!(
        host.count("POST", "object/create") + host.count("PUT", "") + host.count("DELETE", ""),
        0
    );
    assert_eq!(
        again.api_calls.aql, 3,
        "620 objects in AQL pages of 500, one department lookup"
    );
    assert_eq!(
        again.api_calls.user_search, 0,
        "emails searched by the first run are cached"
    );

    // A day later the unmatched emails are searched again (new accounts appear), found ones not.
    host.now.set(host.now.get() + 25.0 * 3600.0 * 1000.0);
    let later = sync(&host, &options(MAPPING));
    assert_eq!(later.api_calls.user_search, (n / 2) as u64);
    assert_eq!(later.api_calls.update, 0);
}

#[test]
fn a_preview_with_a_budget_says_how_far_it_got() {
    let host = host(300);
    host.request_ms.set(100.0);
    let report = sync(
        &host,
        &RunOptions {
            dry_run: true,
            budget_ms: Some(500.0),
            ..options(MAPPING)
        },
    );
    assert_eq!(report.status, RunStatus::Continue);
    assert!(
        report
            .message
            .as_deref()
            .unwrap()
            .contains("did not finish"),
        "{:?}",
        report.message
    );
    assert!(report.plan.is_none());
    assert!(host.storage.borrow().is_empty());
    assert_eq!(host.count("POST", "object/create"), 0);
}

#[test]
fn jumpcloud_requests_use_fields_filters_and_sort() {
    let host = host(3);
    let mapping = format!("{MAPPING}config:filter=department:$eq:Finance\n");
    let report = sync(&host, &options(&mapping));
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(report.counts.created, 2, "users 0 and 2 are in Finance");
    let requests = host.requests.borrow();
    let list = requests
        .iter()
        .find(|r| r.path.starts_with("/api/systemusers"))
        .unwrap();
    let q = fake::query(&list.path);
    assert_eq!(
        q["fields"],
        ["_id department email firstname lastname manager"]
    );
    assert_eq!(q["filter"], ["department:$eq:Finance"]);
    assert_eq!(q["limit"], ["100"]);
    // AQL lookups escape their values.
    let lookups: Vec<String> = requests
        .iter()
        .filter(|r| r.path.contains("object/aql"))
        .map(|r| {
            serde_json::from_str::<Value>(r.body.as_deref().unwrap()).unwrap()["qlQuery"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        lookups.contains(&"objectTypeId = 20 AND \"Name\" IN (\"Finance\")".to_string()),
        "{lookups:?}"
    );
}

#[test]
fn rename_promotion_manager_change_new_hire_and_leaver_produce_exactly_their_writes() {
    let n = 30;
    let host = host(n);
    let mapping = format!("{MAPPING}config:missing=delete\n");
    assert_eq!(sync(&host, &options(&mapping)).status, RunStatus::Succeeded);
    {
        let mut users = host.users.borrow_mut();
        let find = |users: &mut Vec<Value>, i: usize| {
            users.iter().position(|u| u["_id"] == json!(id(i))).unwrap()
        };
        let a = find(&mut users, 7);
        users[a]["lastname"] = json!("Renamed");
        let b = find(&mut users, 12);
        users[b]["manager"] = json!(id(0));
        let c = find(&mut users, 29);
        users.remove(c);
        users.push(user(40));
    }
    host.clear_requests();
    let report = sync(&host, &options(&mapping));
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(
        (
            report.counts.created,
            report.counts.updated,
            report.counts.deleted
        ),
        (1, 2, 1)
    );
    assert_eq!(report.counts.missing, 1);
    assert_eq!(host.count("POST", "object/create"), 1);
    assert_eq!(host.count("PUT", "object/"), 2);
    assert_eq!(host.count("DELETE", "object/"), 1);
    // Only the changed attribute is sent.
    let requests = host.requests.borrow();
    for put in requests.iter().filter(|r| r.method == "PUT") {
        let body: Value = serde_json::from_str(put.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["attributes"].as_array().unwrap().len(), 1, "{body}");
        assert_eq!(body["objectTypeId"], "10");
    }
    let objects = host.user_objects();
    assert_eq!(objects[&id(7)].get("2"), ["First7 Renamed"]);
    assert_eq!(objects[&id(12)].get("3"), [objects[&id(0)].key()]);
    assert!(!objects.contains_key(&id(29)));
    assert_eq!(objects[&id(40)].get("3"), [objects[&id(7)].key()]);
}

#[test]
fn a_manager_cycle_is_written_with_a_second_pass() {
    let host = FakeHost::new();
    let mut a = user(1);
    a["manager"] = json!(id(2));
    let mut b = user(2);
    b["manager"] = json!(id(1));
    *host.users.borrow_mut() = vec![a, b];
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.counts.created, 2, "{report:#?}");
    let objects = host.user_objects();
    assert_eq!(objects[&id(1)].get("3"), [objects[&id(2)].key()]);
    assert_eq!(objects[&id(2)].get("3"), [objects[&id(1)].key()]);
    assert_eq!(host.count("PUT", "object/"), 1, "one second-pass update");
    // The department lookups found nothing (no departments here): reported, object still written.
    assert!(report
        .errors
        .iter()
        .any(|e| e.attribute.as_deref() == Some("Department") && e.message.contains("IT")));
    let again = sync(&host, &options(MAPPING));
    assert_eq!(again.api_calls.create + again.api_calls.update, 0);
}

#[test]
fn retries_honour_retry_after_and_back_off_on_5xx_and_dropped_connections() {
    let host = host(12);
    host.fault(
        "GET",
        "/api/systemusers",
        1,
        FaultKind::Status(429, vec![("Retry-After".into(), "3".into())]),
    );
    host.fault("POST", "object/aql", 2, FaultKind::Status(503, vec![]));
    host.fault("GET", "/rest/servicedeskapi", 1, FaultKind::Transport);
    host.fault("POST", "object/create", 1, FaultKind::Status(502, vec![]));
    host.fault("POST", "object/create", 1, FaultKind::CommitThenTransport);
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(report.counts.created, 12);
    assert_users_match(&host, 12);
    let sleeps = host.sleeps.borrow();
    assert!(
        sleeps.contains(&3000.0),
        "Retry-After: 3 waited 3 s: {sleeps:?}"
    );
    assert!(
        sleeps.iter().all(|s| *s >= 500.0 && *s <= 30_000.0),
        "{sleeps:?}"
    );
    assert_eq!(report.api_calls.retries, 6);
    // The dropped create had gone through: found by its key value, not created twice.
    assert_eq!(report.counts.failed, 0);
}

#[test]
fn a_create_that_hangs_after_going_through_times_out_and_is_not_created_twice() {
    let host = host(6);
    host.fault("POST", "object/create", 1, FaultKind::CommitThenHang);
    host.fault("POST", "object/aql", 1, FaultKind::Hang);
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(report.counts.created, 6);
    assert_eq!(report.counts.failed, 0);
    assert_users_match(&host, 6);
    assert_eq!(report.api_calls.retries, 2);
}

#[test]
fn validation_errors_are_reported_per_record_and_not_retried() {
    let host = host(4);
    host.reject_invalid.set(true);
    host.users.borrow_mut()[0]["firstname"] = json!("INVALID");
    host.users.borrow_mut()[0]["lastname"] = json!("");
    let bad_id = host.users.borrow()[0]["_id"].as_str().unwrap().to_string();
    let report = sync(&host, &options(MAPPING));
    assert_eq!(
        report.status,
        RunStatus::Partial,
        "three written, one refused"
    );
    assert_eq!(report.counts.failed, 1);
    assert_eq!(report.counts.created, 3);
    assert_eq!(report.api_calls.retries, 0);
    assert_eq!(
        report.api_calls.create, 4,
        "the refused create is sent once"
    );
    let error = report
        .errors
        .iter()
        .find(|e| e.key == bad_id && e.attribute.is_none())
        .unwrap();
    assert!(
        error.message.contains("HTTP 400")
            && error
                .message
                .contains("Name: The value INVALID is not allowed"),
        "{}",
        error.message
    );
}

#[test]
fn a_budget_splits_the_run_and_the_continuations_converge() {
    let n = 230;
    let (host, opts) = slow_host(n, 3_000.0);
    let (report, invocations) = sync_to_end(&host, &opts);
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert!(invocations > 5, "{invocations} invocations");
    assert_eq!(report.invocations, invocations);
    assert_eq!(report.counts.created, n as u64);
    assert_eq!(report.progress.done, report.progress.total);
    assert_users_match(&host, n);
    let department_lookups = host
        .requests
        .borrow()
        .iter()
        .filter(|r| {
            r.body
                .as_deref()
                .is_some_and(|b| b.contains("objectTypeId = 20"))
        })
        .count();
    assert_eq!(
        department_lookups, 1,
        "references resolved once per run, not per invocation"
    );
    assert_eq!(
        full_reads(&host, USERS),
        1,
        "the target is read once per run: later slices carry on with what is left of the plan"
    );
    assert_eq!(
        host.count("GET", "/objecttype/10/attributes"),
        1,
        "the type's attributes are read once per run"
    );
    // Finished runs leave only when they refreshed the import, the run record and the user
    // cache (no lease, no state).
    let keys: Vec<String> = host.storage.borrow().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "tributary:refreshed:users".to_string(),
            format!("tributary:run:users:{}", report.run_id),
            "tributary:userCache:users".into(),
            "tributary:userCache:users:0".into()
        ]
    );
    let stored: RunReport = serde_json::from_str(
        &host.storage.borrow()[&format!("tributary:run:users:{}", report.run_id)],
    )
    .unwrap();
    assert_eq!(stored, report);
    // A late duplicate queue event for the finished run does nothing.
    host.clear_requests();
    let again = sync(
        &host,
        &RunOptions {
            resume: true,
            run_id: Some(report.run_id.clone()),
            ..opts.clone()
        },
    );
    assert_eq!(again, report);
    assert!(host.requests.borrow().is_empty());
}

#[test]
fn a_run_killed_between_create_and_state_save_finishes_without_duplicates() {
    let n = 120;
    let (host, opts) = slow_host(n, 4_000.0);
    // Run until some objects exist, then lose the stored state (as if killed before saving).
    let mut report = sync(&host, &opts);
    while host.user_objects().is_empty() {
        report = sync(&host, &continuing(&opts, &report));
    }
    assert_eq!(report.status, RunStatus::Continue);
    let written = host.user_objects().len();
    assert!(written > 0 && written < n);
    host.storage
        .borrow_mut()
        .retain(|k, _| !k.starts_with("tributary:state:"));
    host.storage.borrow_mut().remove("tributary:lease:users");
    // A new trigger starts over and converges.
    let (report, _) = sync_to_end(&host, &opts);
    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(report.counts.created as usize, n - written);
    assert_eq!(report.counts.unchanged as usize, written);
    assert_users_match(&host, n);
}

/// A host of `n` users answering each request in 100 ms (virtual), and options whose budget
/// of `budget_ms` splits a run into slices.
fn slow_host(n: usize, budget_ms: f64) -> (FakeHost, RunOptions) {
    let host = host(n);
    host.request_ms.set(100.0);
    let opts = RunOptions {
        budget_ms: Some(budget_ms),
        ..options(MAPPING)
    };
    (host, opts)
}

/// How many AQL pages read the whole of object type `type_id`.
fn full_reads(host: &FakeHost, type_id: &str) -> usize {
    let query = format!("\"objectTypeId = {type_id}\"");
    host.requests
        .borrow()
        .iter()
        .filter(|r| r.body.as_deref().is_some_and(|b| b.contains(&query)))
        .count()
}

#[test]
fn a_slice_stopped_after_taking_the_stored_plan_leaves_the_next_to_read_and_plan_afresh() {
    let n = 120;
    let (host, opts) = slow_host(n, 4_000.0);
    let claim_key = "tributary:state:users:pending";
    // Run until a slice stops while writing and stores what is left of its plan.
    let mut report = sync(&host, &opts);
    let resume = |report: &RunReport| RunOptions {
        resume: true,
        run_id: Some(report.run_id.clone()),
        ..opts.clone()
    };
    while !host.storage.borrow().contains_key(claim_key) {
        assert_eq!(report.status, RunStatus::Continue, "{report:#?}");
        report = sync(&host, &resume(&report));
    }
    let claim: Value = serde_json::from_str(&host.storage.borrow()[claim_key]).unwrap();
    assert_eq!(claim["taken"], false);
    let before = host.storage.borrow().clone();
    let written = host.user_objects().len();
    assert!(written > 0 && written < n, "{written} written");
    // The next slice takes it, writes more, and is stopped before it stores anything: what
    // it leaves is the earlier state and a claim that says the plan was taken.
    let reads = full_reads(&host, USERS);
    let next = sync(&host, &resume(&report));
    assert_eq!(next.status, RunStatus::Continue);
    assert_eq!(
        full_reads(&host, USERS),
        reads,
        "carried on without reading"
    );
    assert!(host.user_objects().len() > written, "it wrote");
    let mut taken = claim.clone();
    taken["taken"] = json!(true);
    *host.storage.borrow_mut() = before;
    host.storage
        .borrow_mut()
        .insert(claim_key.into(), taken.to_string());
    // The run goes on from the stored state: it cannot trust the stored plan, so it reads
    // Assets again, and what the stopped slice created is not created twice.
    let (last, _) = sync_to_end(&host, &resume(&report));
    assert_eq!(last.status, RunStatus::Succeeded, "{last:#?}");
    assert_eq!(full_reads(&host, USERS), reads + 1, "one fresh read");
    assert_users_match(&host, n);
    assert!(
        !host
            .storage
            .borrow()
            .keys()
            .any(|k| k.starts_with("tributary:state:")),
        "no state is left behind"
    );
}

/// Stores a lease of run `run_id` as the store holds it (no time to live of its own).
fn put_lease(host: &FakeHost, run_id: &str, expires_at: f64) {
    host.storage.borrow_mut().insert(
        "tributary:lease:users".into(),
        json!({"runId": run_id, "expiresAt": expires_at}).to_string(),
    );
}

#[test]
fn the_lease_keeps_a_second_trigger_out() {
    let host = host(5);
    let now = host.now.get();
    put_lease(&host, "other", now + 60_000.0);
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Busy);
    assert!(report.message.as_deref().unwrap().contains("another run"));
    assert!(host.requests.borrow().is_empty());
    // An expired lease (a crashed run) does not block.
    host.now.set(now + 61_000.0);
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Succeeded);
    assert!(
        !host.storage.borrow().contains_key("tributary:lease:users"),
        "released at the end"
    );
}

#[test]
fn two_runs_taking_over_one_expired_lease_at_once_never_both_hold_it() {
    let host = host(5);
    let now = host.now.get();
    // A crashed run's lease, expired but not yet removed by the store.
    put_lease(&host, "crashed", now - 1.0);
    // Another run swaps its lease in between this run's read and its own swap.
    let rival = json!({"runId": "rival", "expiresAt": now + 60_000.0}).to_string();
    *host.racing_write.borrow_mut() = Some(("tributary:lease:users".into(), rival.clone()));
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Busy, "{report:#?}");
    assert!(host.requests.borrow().is_empty(), "the loser did nothing");
    assert_eq!(
        host.storage.borrow()["tributary:lease:users"],
        rival,
        "the rival's lease is given back"
    );
}

/// Delivers one queue event the way a queue host does: a slice that continues is finished
/// once the next slice's event is queued.
fn deliver(host: &FakeHost, opts: &RunOptions) -> RunReport {
    let report = sync(host, opts);
    if report.status == RunStatus::Continue {
        let done = FinishedSlice {
            import_id: Some(opts.import_id.clone()),
            run_id: report.run_id.clone(),
            slice: opts.slice.expect("a numbered event"),
            ..FinishedSlice::default()
        };
        block_on(finish_slice(host, &done)).expect("the claim is stored");
    }
    report
}

/// The event of slice `slice` of run `run_id`, with the options of `first`.
fn slice_event(first: &RunOptions, run_id: &str, slice: u64) -> RunOptions {
    RunOptions {
        resume: slice > 0,
        run_id: Some(run_id.to_string()),
        slice: Some(slice),
        ..first.clone()
    }
}

/// Delivers the events of run `run_id` from slice `from` until the run ends; returns the
/// last report and the last slice.
fn deliver_to_end(
    host: &FakeHost,
    first: &RunOptions,
    run_id: &str,
    from: u64,
) -> (RunReport, u64) {
    let mut slice = from;
    let mut last = deliver(host, &slice_event(first, run_id, slice));
    while last.status == RunStatus::Continue {
        slice += 1;
        last = deliver(host, &slice_event(first, run_id, slice));
        assert!(slice < 200, "the run never ends");
    }
    (last, slice)
}

/// A host with `n` users and a run whose first slice (1 s of budget, slow requests) was
/// delivered and continues: the host, the first event's options and the run id.
fn queued_run(n: usize) -> (FakeHost, RunOptions, String) {
    let host = host(n);
    host.request_ms.set(100.0);
    let first = RunOptions {
        budget_ms: Some(1_000.0),
        slice: Some(0),
        ..options(MAPPING)
    };
    let report = deliver(&host, &first);
    assert_eq!(report.status, RunStatus::Continue);
    (host, first, report.run_id)
}

#[test]
fn a_slice_stopped_three_times_in_a_row_fails_the_run_with_e112_and_frees_the_import() {
    let (host, first, run) = queued_run(40);
    let next = |slice: u64| slice_event(&first, &run, slice);
    let claim = format!("tributary:slice:users:{run}:1");
    let before = host.storage.borrow().clone();
    // Slice 1 runs and is killed before it stores its work: of what it stored only its claim
    // on the slice is left (what it wrote to Assets stays), and its deadline passes.
    let killed = |host: &FakeHost| {
        let report = sync(host, &next(1));
        let left = host.storage.borrow()[&claim].clone();
        *host.storage.borrow_mut() = before.clone();
        host.storage.borrow_mut().insert(claim.clone(), left);
        host.now.set(host.now.get() + 200_000.0);
        report
    };
    let first_try = killed(&host);
    assert_eq!(first_try.status, RunStatus::Continue);
    // Taken over after one stop, and after two: each goes on (and is killed in turn).
    for stopped in 1..=2 {
        let again = killed(&host);
        assert_eq!(again.status, RunStatus::Continue, "{again:#?}");
        assert_eq!(again.interrupted, stopped, "{again:#?}");
    }
    // After the third stop the run fails instead of trying the slice once more.
    let reads = host.requests.borrow().len();
    let failed = sync(&host, &next(1));
    assert_eq!(failed.status, RunStatus::Failed, "{failed:#?}");
    let error = failed.error.as_ref().expect("the failure as data");
    assert_eq!(error.code.as_str(), "E112");
    let message = failed.message.as_deref().unwrap_or_default();
    assert!(
        message.contains("slice 1 of this run was stopped 3 times"),
        "{message}"
    );
    assert_eq!(
        host.requests.borrow().len(),
        reads,
        "nothing read or written"
    );
    let record = block_on(tributary_sync::engine::results::run_record(
        &host, "users", &run,
    ))
    .unwrap()
    .expect("the run's record");
    assert_eq!(record.status, RunStatus::Failed);
    let storage = host.storage.borrow().clone();
    assert!(
        !storage.keys().any(|k| k.starts_with("tributary:state:")),
        "the run's state is dropped"
    );
    assert!(
        !storage.contains_key("tributary:lease:users"),
        "the import is free"
    );
    // The next trigger starts a fresh run, which ends with every user once.
    let (last, _) = sync_to_end(&host, &options(MAPPING));
    assert_eq!(last.status, RunStatus::Succeeded, "{last:#?}");
    assert_users_match(&host, 40);
}

#[test]
fn each_queue_slice_runs_once_a_duplicated_or_stale_event_does_nothing() {
    let (host, first, run) = queued_run(40);
    let next = |slice: u64| slice_event(&first, &run, slice);
    // The first event delivered again: dropped before anything is read or written.
    host.requests.borrow_mut().clear();
    let again = sync(&host, &next(0));
    assert_eq!(again.status, RunStatus::Busy, "{again:#?}");
    assert!(
        again.stale && !again.redeliver,
        "a slice that ran is a duplicate: dropped"
    );
    assert!(again.message.unwrap().contains("slice 0"));
    assert!(host.requests.borrow().is_empty());
    // A slice another invocation is running (its claim stands until its deadline): deliver
    // again when that claim lapses; once that invocation's deadline has passed, the event
    // takes the slice over.
    let claim = format!("tributary:slice:users:{run}:1");
    let now = host.now.get();
    host.storage.borrow_mut().insert(
        claim.clone(),
        json!({"state": "running", "until": now + 5_000.0}).to_string(),
    );
    let running = sync(&host, &next(1));
    assert_eq!(running.status, RunStatus::Busy);
    assert!(running.redeliver && !running.stale, "{running:#?}");
    // Its claim stands 2 s past that deadline (clocks of two machines may differ a little).
    assert_eq!(running.retry_after_ms, Some(7_000.0));
    host.now.set(now + 6_000.0);
    assert!(sync(&host, &next(1)).redeliver, "within the grace");
    assert!(host.requests.borrow().is_empty());
    host.now.set(now + 8_000.0);
    // Slice 1 runs, taken over from the stopped invocation (counted in the record); its
    // duplicate does nothing; the run still ends with every user once.
    let one = deliver(&host, &next(1));
    assert_eq!(one.status, RunStatus::Continue);
    assert_eq!((one.invocations, one.interrupted), (3, 1), "{one:#?}");
    let duplicate = sync(&host, &next(1));
    assert!(duplicate.status == RunStatus::Busy && duplicate.stale);
    let (last, slice) = deliver_to_end(&host, &first, &run, 2);
    assert_eq!(last.status, RunStatus::Succeeded, "{last:#?}");
    assert!(slice >= 3, "the run took several slices");
    assert_eq!(
        last.invocations as u64,
        slice + 2,
        "every slice and the stopped one"
    );
    assert_eq!(last.interrupted, 1);
    assert_users_match(&host, 40);
    // Stale events after the end: an old slice, and the first event once more. Nothing is
    // read or written, nothing stored.
    host.requests.borrow_mut().clear();
    let writes = host.storage_writes.get();
    for old in [0, 1, slice - 1] {
        let late = sync(&host, &next(old));
        assert!(late.status == RunStatus::Busy && late.stale, "{late:#?}");
    }
    assert!(host.requests.borrow().is_empty());
    assert_eq!(host.storage_writes.get(), writes);
}

#[test]
fn an_event_of_an_earlier_slice_is_stale_while_the_run_goes_on() {
    let (host, first, run) = queued_run(60);
    assert_eq!(
        deliver(&host, &slice_event(&first, &run, 1)).status,
        RunStatus::Continue
    );
    assert_eq!(
        deliver(&host, &slice_event(&first, &run, 2)).status,
        RunStatus::Continue
    );
    // Slice 3 is next: a late copy of slice 1 (its claim expired from the store) is stale by
    // the run state alone.
    host.storage
        .borrow_mut()
        .remove(&format!("tributary:slice:users:{run}:1"));
    host.requests.borrow_mut().clear();
    let late = sync(&host, &slice_event(&first, &run, 1));
    assert!(late.stale, "{late:#?}");
    assert!(late.message.unwrap().contains("the run is at slice 3"));
    assert!(host.requests.borrow().is_empty());
    // An event of a run another run replaced: stale too.
    let other = sync(&host, &slice_event(&first, "some-older-run", 4));
    assert!(other.stale && other.message.unwrap().contains("over"));
    let (last, _) = deliver_to_end(&host, &first, &run, 3);
    assert_eq!(last.status, RunStatus::Succeeded);
    assert_users_match(&host, 60);
}

#[test]
fn a_slice_stopped_after_storing_its_work_hands_over_without_redoing_it() {
    let host = host(60);
    host.request_ms.set(100.0);
    let first = RunOptions {
        budget_ms: Some(1_000.0),
        slice: Some(0),
        deadline_ms: Some(host.now.get() + 10_000.0),
        ..options(MAPPING)
    };
    let run = deliver(&host, &first).run_id;
    // Slice 1 stores its work, then its invocation is stopped before it queues slice 2 (no
    // finishSlice): the event comes again.
    let one = slice_event(&first, &run, 1);
    let stored = sync(&host, &one);
    assert_eq!(stored.status, RunStatus::Continue);
    // While that invocation may still be alive, the copy waits.
    let early = sync(&host, &one);
    assert!(early.redeliver, "{early:#?}");
    // After its deadline, the copy takes the slice over, finds its work stored and only
    // answers `continue`, so that slice 2 is queued now: nothing read, nothing written.
    host.now.set(host.now.get() + 20_000.0);
    host.requests.borrow_mut().clear();
    let handed = deliver(&host, &one);
    assert_eq!(handed.status, RunStatus::Continue, "{handed:#?}");
    assert!(host.requests.borrow().is_empty());
    assert_eq!(handed.counts, stored.counts);
    let (last, _) = deliver_to_end(&host, &first, &run, 2);
    assert_eq!(last.status, RunStatus::Succeeded);
    assert_users_match(&host, 60);
    assert_eq!(
        last.counts.created, 60,
        "every user created once: {last:#?}"
    );
}

#[test]
fn a_trigger_refused_by_the_lease_is_recorded_and_its_copy_is_stale() {
    let host = host(5);
    let now = host.now.get();
    put_lease(&host, "other", now + 60_000.0);
    let event = RunOptions {
        run_id: Some("second".into()),
        slice: Some(0),
        ..options(MAPPING)
    };
    let busy = sync(&host, &event);
    assert_eq!(busy.status, RunStatus::Busy);
    assert!(!busy.stale && !busy.redeliver);
    let record: Value =
        serde_json::from_str(&host.storage.borrow()["tributary:run:users:second"]).unwrap();
    assert_eq!(record["status"], "busy");
    assert!(record["finishedAt"].is_number());
    // The lease is free again, but a copy of the refused event does not start the run late.
    host.storage.borrow_mut().remove("tributary:lease:users");
    let copy = sync(&host, &event);
    assert!(copy.stale, "{copy:#?}");
    assert!(host.requests.borrow().is_empty());
}

#[test]
fn a_queue_event_the_store_cannot_claim_is_delivered_again_and_does_nothing() {
    let host = host(5);
    *host.failing_writes.borrow_mut() = Some("tributary:slice:".into());
    let event = RunOptions {
        run_id: Some("r1".into()),
        slice: Some(0),
        ..options(MAPPING)
    };
    let refused = sync(&host, &event);
    assert_eq!(refused.status, RunStatus::Busy, "{refused:#?}");
    assert!(refused.redeliver && refused.retry_after_ms.is_some());
    assert!(refused.message.unwrap().contains("the store refused"));
    assert!(host.requests.borrow().is_empty());
    assert!(!host.storage.borrow().contains_key("tributary:run:users:r1"));
    // The store recovers: the redelivered event runs the import.
    *host.failing_writes.borrow_mut() = None;
    assert_eq!(sync(&host, &event).status, RunStatus::Succeeded);
    assert_users_match(&host, 5);
}

#[test]
fn a_continuation_refused_by_the_lease_keeps_its_runs_record() {
    let (host, first, run) = queued_run(60);
    // Its lease lapsed and another run holds it now.
    put_lease(&host, "other", host.now.get() + 60_000.0);
    let refused = sync(&host, &slice_event(&first, &run, 1));
    assert_eq!(refused.status, RunStatus::Busy);
    let record: Value =
        serde_json::from_str(&host.storage.borrow()[&format!("tributary:run:users:{run}")])
            .unwrap();
    assert_eq!(
        record["status"], "continue",
        "what the run did so far stays: {record}"
    );
}

#[test]
fn the_budget_comes_from_the_deadline_less_one_slow_request() {
    // 900 s left: the margin is the request timeout (60 s) and the state save (15 s).
    assert_eq!(budget_before(900_000.0, 0.0), 825_000.0);
    // A short invocation keeps three quarters of its time.
    assert_eq!(budget_before(40_000.0, 0.0), 30_000.0);
    let host = host(40);
    host.request_ms.set(100.0);
    let now = host.now.get();
    let report = sync(
        &host,
        &RunOptions {
            budget_ms: None,
            slice: Some(0),
            deadline_ms: Some(now + 2_000.0),
            // The fake clock adds up requests in flight together: a few at a time.
            concurrency: Some(4),
            ..options(MAPPING)
        },
    );
    assert_eq!(report.status, RunStatus::Continue);
    assert!(
        host.now.get() - now < 2_000.0,
        "handed over before the deadline"
    );
}

#[test]
fn a_continuing_run_holds_the_lease_against_new_triggers() {
    let (host, opts) = slow_host(150, 2_000.0);
    let first = sync(&host, &opts);
    assert_eq!(first.status, RunStatus::Continue);
    let other = sync(&host, &options(MAPPING));
    assert_eq!(other.status, RunStatus::Busy);
    let (done, _) = sync_to_end(
        &host,
        &RunOptions {
            resume: true,
            run_id: Some(first.run_id.clone()),
            ..opts
        },
    );
    assert_eq!(done.status, RunStatus::Succeeded);
    assert_users_match(&host, 150);
}

/// Users sorted as JumpCloud pages them (`sort=_id`).
fn sorted_ids(host: &FakeHost) -> Vec<String> {
    let mut ids: Vec<String> = host
        .users
        .borrow()
        .iter()
        .map(|u| u["_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn a_directory_change_while_pages_are_read_never_retires_the_wrong_user() {
    let deleting = format!("{MAPPING}config:missing=delete\nconfig:pageSize=10\n");
    // Two leavers on page 1 (managers of no one) shift every later record two places to the
    // left, so the record at the page boundary is never listed where the next page looks.
    for (case, hires) in [
        ("two removals before the page boundary", 0),
        ("two removals and two additions (the count stays)", 2),
    ] {
        let host = host(30);
        let first = sync(&host, &options(&deleting));
        assert_eq!(first.status, RunStatus::Succeeded, "{case}: {first:#?}");
        let ids = sorted_ids(&host);
        let leavers = [ids[6].clone(), ids[7].clone()];
        let gone = leavers.clone();
        *host.change_after_page.borrow_mut() = Some((
            0,
            Box::new(move |users: &mut Vec<Value>| {
                users.retain(|u| !gone.iter().any(|g| u["_id"] == g.as_str()));
                for i in 0..hires {
                    let mut hire = user(900 + i);
                    hire["manager"] = Value::Null;
                    users.push(hire);
                }
            }),
        ));
        let second = sync(&host, &options(&deleting));
        assert_eq!(second.status, RunStatus::Stopped, "{case}: {second:#?}");
        assert_eq!(second.counts.deleted, 0, "{case}: nothing retired");
        assert!(
            second
                .guard
                .as_ref()
                .unwrap()
                .reason
                .contains("changed while it was read"),
            "{case}: {:?}",
            second.guard
        );
        let in_assets = host.user_objects();
        assert_eq!(
            in_assets.len(),
            30 + hires,
            "{case}: every user kept, the new ones created"
        );
        // With the directory still, the next run retires exactly the real leavers.
        let third = sync(&host, &options(&deleting));
        assert_eq!(third.status, RunStatus::Succeeded, "{case}: {third:#?}");
        assert_eq!(third.counts.deleted, 2, "{case}");
        let keys: Vec<String> = host.user_objects().into_keys().collect();
        assert_eq!(
            keys,
            sorted_ids(&host),
            "{case}: Assets holds exactly JumpCloud's users"
        );
        assert!(leavers.iter().all(|l| !keys.contains(l)));
    }
}

#[test]
fn a_removal_of_a_record_already_read_is_absorbed_by_the_overlap() {
    let deleting = format!("{MAPPING}config:missing=delete\nconfig:pageSize=10\n");
    let host = host(30);
    sync(&host, &options(&deleting));
    let leaver = sorted_ids(&host)[7].clone();
    let gone = leaver.clone();
    *host.change_after_page.borrow_mut() = Some((
        0,
        Box::new(move |users: &mut Vec<Value>| users.retain(|u| u["_id"] != gone.as_str())),
    ));
    // The leaver was read before it left: nothing is missing, nothing is retired, no one skipped.
    let second = sync(&host, &options(&deleting));
    assert_eq!(second.counts.source, 30, "{second:#?}");
    assert_eq!(second.counts.deleted, 0);
    assert_eq!(host.user_objects().len(), 30);
    let third = sync(&host, &options(&deleting));
    assert_eq!(third.counts.deleted, 1);
    assert!(!host.user_objects().contains_key(&leaver));
}

#[test]
fn an_unchanged_directory_read_in_overlapping_pages_reads_every_record_once() {
    let host = host(35);
    let report = sync(&host, &options(&format!("{MAPPING}config:pageSize=10\n")));
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(report.counts.source, 35);
    assert_eq!(report.counts.created, 35);
    assert_eq!(
        report.counts.failed, 0,
        "no duplicate keys from the overlap"
    );
}

#[test]
fn run_records_stay_small_whatever_the_errors_echo_and_expire() {
    let host = host(250);
    for u in host.users.borrow_mut().iter_mut() {
        u["email"] = json!(format!("not-an-email-{}", "x".repeat(5_000)));
    }
    let report = sync(&host, &options(MAPPING));
    assert!(report.errors.len() >= 200, "{}", report.errors.len());
    assert!(report
        .errors
        .iter()
        .all(|e| e.message.chars().count() <= 300));
    let key = format!("tributary:run:users:{}", report.run_id);
    let stored = host.storage.borrow()[&key].clone();
    assert!(stored.len() <= 120 * 1024, "{} bytes", stored.len());
    let record: RunReport = serde_json::from_str(&stored).unwrap();
    assert_eq!(
        record.errors.len() as u64 + record.errors_omitted,
        report.errors.len() as u64 + report.errors_omitted,
        "every error is kept or counted"
    );
    let expires = host.expiries.borrow()[&key];
    let days = (expires - host.now.get()) / 86_400_000.0;
    assert!((89.0..=90.0).contains(&days), "expires in {days} days");
}

#[test]
fn an_empty_source_never_deletes() {
    let host = host(10);
    let mapping = format!("{MAPPING}config:missing=delete\n");
    sync(&host, &options(&mapping));
    host.users.borrow_mut().clear();
    let report = sync(&host, &options(&mapping));
    assert_eq!(report.status, RunStatus::Stopped);
    assert!(report.guard.as_ref().unwrap().reason.contains("no records"));
    assert_eq!(report.counts.deleted, 0);
    assert_eq!(host.user_objects().len(), 10);
}

#[test]
fn more_deletions_than_the_threshold_stop_and_delete_nothing() {
    let host = host(10);
    let mapping = format!("{MAPPING}config:missing=delete\nconfig:maxDeletions=20%\n");
    sync(&host, &options(&mapping));
    host.users
        .borrow_mut()
        .retain(|u| u["_id"].as_str().unwrap() < id(7).as_str());
    let report = sync(&host, &options(&mapping));
    assert_eq!(report.status, RunStatus::Stopped, "{report:#?}");
    let reason = &report.guard.as_ref().unwrap().reason;
    assert!(
        reason.contains("3 object(s) would be deleted") && reason.contains("20%"),
        "{reason}"
    );
    assert_eq!(host.user_objects().len(), 10);
    assert_eq!(report.counts.missing, 3);
}

#[test]
fn leavers_are_marked_once_with_a_status_by_name() {
    let host = host(6);
    let mapping = format!("{MAPPING}config:missing=mark|Status=Inactive\n");
    sync(&host, &options(&mapping));
    host.users.borrow_mut().retain(|u| u["_id"] != json!(id(5)));
    let report = sync(&host, &options(&mapping));
    assert_eq!(report.counts.marked, 1, "{report:#?}");
    assert_eq!(
        host.user_objects()[&id(5)].get("7"),
        ["9"],
        "Inactive is status 9"
    );
    let again = sync(&host, &options(&mapping));
    assert_eq!(again.counts.marked, 0);
    assert_eq!(again.api_calls.update, 0, "already marked: nothing written");
    assert_eq!(again.counts.missing, 1);
}

#[test]
fn statuses_by_name_or_id_that_assets_lacks_are_left_out_before_writing() {
    let host = host(3);
    let mapping = format!("{MAPPING}map:phase=Status\n");
    for (user, phase) in host
        .users
        .borrow_mut()
        .iter_mut()
        .zip(["9", "42", "Retired"])
    {
        user["phase"] = json!(phase);
    }
    let report = sync(&host, &options(&mapping));
    assert_eq!(report.status, RunStatus::Partial, "{report:#?}");
    assert_eq!((report.counts.created, report.counts.incomplete), (3, 2));
    let problem = |key: String| {
        report
            .errors
            .iter()
            .find(|e| e.key == key && e.attribute.as_deref() == Some("Status"))
            .map(|e| e.message.clone())
    };
    // Users are listed in reverse: user 2 has "9", user 1 "42", user 0 "Retired".
    assert_eq!(problem(id(2)), None);
    assert_eq!(
        problem(id(1)).as_deref(),
        Some("status id 42 is not an Assets status")
    );
    assert_eq!(
        problem(id(0)).as_deref(),
        Some("\"Retired\" is not an Assets status")
    );
    let objects = host.user_objects();
    assert_eq!(objects[&id(2)].get("7"), ["9"]);
    assert!(objects[&id(1)].get("7").is_empty() && objects[&id(0)].get("7").is_empty());
}

#[test]
fn a_dry_run_plans_everything_and_writes_nothing() {
    let host = host(8);
    sync(&host, &options(MAPPING));
    host.users.borrow_mut()[0]["lastname"] = json!("Changed");
    // User 8's manager (user 1) exists: a clean plan (user 50's would not be found).
    host.users.borrow_mut().push(user(8));
    host.clear_requests();
    let writes_before = host.storage_writes.get();
    let report = sync(
        &host,
        &RunOptions {
            dry_run: true,
            ..options(MAPPING)
        },
    );
    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(
        host.count("POST", "object/create") + host.count("PUT", "") + host.count("DELETE", ""),
        0
    );
    assert_eq!(
        host.storage_writes.get(),
        writes_before,
        "dry runs store nothing"
    );
    let plan = report.plan.as_ref().unwrap();
    assert_eq!(plan.creates.len(), 1);
    assert_eq!(plan.updates.len(), 1);
    assert_eq!(plan.unchanged, 7);
    let change = &plan.updates[0].changes[0];
    assert_eq!(
        (
            change.attribute.as_str(),
            change.old.as_slice(),
            change.new.as_slice()
        ),
        (
            "Name",
            &["First7 Last7".to_string()][..],
            &["First7 Changed".to_string()][..]
        )
    );
    assert_eq!((report.counts.created, report.counts.updated), (1, 1));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["plan"]["updates"][0]["objectKey"],
        plan.updates[0].object_key
    );
    assert_eq!(json["status"], "succeeded");
}

#[test]
fn the_object_type_can_be_named_and_bad_targets_fail_clearly() {
    let host = host(2);
    let mapping = MAPPING.replace(
        "config:objectType=10",
        "config:objectSchema=HR\nconfig:objectType=Users",
    );
    let report = sync(&host, &options(&mapping));
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(report.object_type_id.as_deref(), Some(USERS));
    let mapping = MAPPING.replace("config:objectType=10", "config:objectType=Laptops");
    let report = sync(&host, &options(&mapping));
    assert_eq!(report.status, RunStatus::Failed);
    assert!(
        report.message.as_deref().unwrap().contains("\"Laptops\""),
        "{:?}",
        report.message
    );
    let error = report.error.expect("a failed run says why as data");
    assert_eq!(error.code.as_str(), "E106");
    assert!(error.diagnostics.is_empty(), "the mapping is not the cause");
}

#[test]
fn run_failures_carry_their_code_and_the_mappings_own_diagnostics() {
    let host = host(2);
    // An attribute the object type lacks: the run's own check against the type says so.
    let report = sync(
        &host,
        &options(&format!("{MAPPING}map:jobTitle=Job Titel\n")),
    );
    assert_eq!(report.status, RunStatus::Failed);
    let error = report.error.unwrap();
    assert_eq!(error.code.as_str(), "E102");
    assert_eq!(error.diagnostics.len(), 1, "{:?}", error.diagnostics);
    assert_eq!(error.diagnostics[0].code.as_str(), "E020");
    assert_eq!(error.diagnostics[0].line, 9, "located in the mapping text");
    assert!(
        host.objects.borrow().iter().all(|o| o.type_id != USERS),
        "nothing was written"
    );
    // A key attribute the type lacks, and an unknown mark attribute.
    let report = sync(
        &host,
        &options(&MAPPING.replace("key:_id=JumpCloud ID", "key:_id=Ident")),
    );
    assert_eq!(report.error.unwrap().code.as_str(), "E107");
    let report = sync(
        &host,
        &options(&format!("{MAPPING}config:missing=mark|Status=Vanished\n")),
    );
    assert_eq!(report.error.unwrap().code.as_str(), "E108");
    // The stored record carries the same failure.
    let stored: RunReport = serde_json::from_str(
        &host.storage.borrow()[&format!("tributary:run:users:{}", report.run_id)],
    )
    .unwrap();
    assert_eq!(stored.error.unwrap().code.as_str(), "E108");
    // A service that refuses: E109, naming the service.
    host.fault("GET", "/api/systemusers", 1, FaultKind::Status(401, vec![]));
    let report = sync(&host, &options(MAPPING));
    let error = report.error.unwrap();
    assert_eq!(error.code.as_str(), "E109");
    assert!(
        error.message.starts_with("JumpCloud: HTTP 401"),
        "{}",
        error.message
    );
}

#[test]
fn the_target_is_resolved_once_per_invocation_and_never_again_in_the_run() {
    let host = host(150);
    host.request_ms.set(100.0);
    let named = MAPPING.replace(
        "config:objectType=10",
        "config:objectSchema=HR\nconfig:objectType=Users",
    );
    let batch = users_and_departments(
        &named,
        "config:objectSchema=HR\nconfig:objectType=Departments",
    );
    let count = |host: &FakeHost, what: &str| {
        host.requests
            .borrow()
            .iter()
            .filter(|r| r.path.contains(what))
            .count()
    };
    let report = block_on(run_all(&host, &batch));
    assert_eq!(report.status, RunStatus::Continue);
    assert_eq!(report.order, ["departments", "users"]);
    assert_eq!(
        count(&host, "/rest/servicedeskapi/assets/workspace"),
        2,
        "once per import"
    );
    assert_eq!(
        count(&host, "objectschema/list"),
        2,
        "once per import, not again for the run"
    );
    let first_attribute_reads = count(&host, "objecttype/10/attributes");
    assert_eq!(first_attribute_reads, 1);
    let mut report = report;
    while report.status == RunStatus::Continue {
        host.requests.borrow_mut().clear();
        report = block_on(run_all(
            &host,
            &RunAllOptions {
                resume: true,
                run_id: Some(report.run_id.clone()),
                ..batch.clone()
            },
        ));
        assert_eq!(
            count(&host, "objectschema"),
            0,
            "later slices use the stored ids"
        );
        assert_eq!(count(&host, "/rest/servicedeskapi/assets/workspace"), 0);
    }
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_users_match(&host, 150);
}

#[test]
fn the_user_cache_is_written_only_when_it_changed() {
    let host = host(20);
    let first = sync(&host, &options(MAPPING));
    assert_eq!(first.status, RunStatus::Succeeded);
    let cache_writes = |host: &FakeHost| {
        host.written_keys
            .borrow()
            .iter()
            .filter(|k| k.starts_with("tributary:userCache:"))
            .count()
    };
    assert!(cache_writes(&host) > 0, "the first run fills the cache");
    host.written_keys.borrow_mut().clear();
    let second = sync(&host, &options(MAPPING));
    assert_eq!(second.status, RunStatus::Succeeded);
    assert_eq!(
        second.api_calls.user_search, 0,
        "every email came from the cache"
    );
    assert_eq!(
        cache_writes(&host),
        0,
        "an unchanged cache is not rewritten"
    );
}

#[test]
fn a_create_answered_with_a_cut_body_is_found_by_its_key_not_duplicated() {
    let host = host(6);
    host.fault("POST", "object/create", 1, FaultKind::CommitThenCutBody);
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(report.counts.failed, 0, "{:?}", report.errors);
    assert_eq!(report.counts.created, 6);
    // Every user exactly once, and the managers' references all resolve.
    assert_users_match(&host, 6);
}

#[test]
fn a_create_refused_because_it_went_through_already_counts_as_created() {
    // As when a killed invocation's create commits after the redelivered run read Assets.
    let host = host(6);
    host.fault("POST", "object/create", 1, FaultKind::CommitThenStatus(400));
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!((report.counts.created, report.counts.failed), (6, 0));
    assert_users_match(&host, 6);
}

#[test]
fn a_bad_mapping_fails_before_any_request() {
    let host = host(2);
    let report = sync(&host, &options("map:firstname=Name\n"));
    assert_eq!(report.status, RunStatus::Failed);
    assert!(
        report.message.as_deref().unwrap().contains("line"),
        "{:?}",
        report.message
    );
    assert!(host.requests.borrow().is_empty());
    // The run history says why the run never started (no lease was taken for it).
    let stored: RunReport = serde_json::from_str(
        &host.storage.borrow()[&format!("tributary:run:users:{}", report.run_id)],
    )
    .unwrap();
    assert_eq!(stored.status, RunStatus::Failed);
    assert_eq!(stored.error.unwrap().code.as_str(), "E101");
    assert!(stored.finished_at.is_some());
    assert!(!host.storage.borrow().contains_key("tributary:lease:users"));
    // A preview of it stores nothing; neither does a run whose ids are unusable as keys.
    let keys_before = host.storage.borrow().len();
    let preview = RunOptions {
        dry_run: true,
        ..options("map:firstname=Name\n")
    };
    assert_eq!(sync(&host, &preview).status, RunStatus::Failed);
    let bad_id = RunOptions {
        import_id: "bad/id".into(),
        ..options("map:firstname=Name\n")
    };
    assert_eq!(sync(&host, &bad_id).status, RunStatus::Failed);
    assert_eq!(host.storage.borrow().len(), keys_before);
    let report = sync(
        &host,
        &RunOptions {
            import_id: "bad/id".into(),
            ..options(MAPPING)
        },
    );
    assert_eq!(report.status, RunStatus::Failed);
    assert!(report.message.unwrap().contains("importId"));
}

#[test]
fn a_reference_that_finds_nothing_makes_the_run_partial() {
    let host = host(4);
    // User 3's manager is not in JumpCloud: user 3 is written without one.
    host.users.borrow_mut()[0]["manager"] = json!(id(99));
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Partial, "{report:#?}");
    assert_eq!(
        (
            report.counts.created,
            report.counts.failed,
            report.counts.incomplete
        ),
        (4, 0, 1)
    );
    assert!(report
        .errors
        .iter()
        .any(|e| e.key == id(3) && e.attribute.as_deref() == Some("Manager")));
    assert_eq!(serde_json::to_value(&report).unwrap()["status"], "partial");
    // An unmatched Jira user alone is a warning: odd users have no account, yet this succeeds.
    host.users.borrow_mut()[0]["manager"] = json!(id(0));
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert!(report.counts.warnings > 0);
    assert_eq!(report.counts.incomplete, 0);
}

#[test]
fn a_write_the_plan_knows_assets_refuses_fails_alike_in_preview_and_run_and_is_never_sent() {
    let host = host(12);
    // A hand-made object holds user 10's key value in capitals: JumpCloud ID is unique
    // (ignoring case), so Assets would refuse user 10's create.
    let taken = id(10).to_uppercase();
    host.add_object(USERS, &[("1", &taken), ("2", "Hand made")]);
    let preview = sync(
        &host,
        &RunOptions {
            dry_run: true,
            ..options(MAPPING)
        },
    );
    let run = sync(&host, &options(MAPPING));
    for report in [&preview, &run] {
        assert_eq!(report.status, RunStatus::Partial, "{report:#?}");
        let c = &report.counts;
        assert_eq!(
            (c.created, c.updated, c.failed, c.incomplete),
            (11, 0, 1, 0)
        );
        // Odd users have no Jira account: warnings, not errors.
        let errors: Vec<_> = report
            .errors
            .iter()
            .filter(|e| e.level == Level::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].key, id(10));
        assert_eq!(errors[0].attribute.as_deref(), Some("JumpCloud ID"));
    }
    // The fake does not check uniqueness: had the run sent the create, it would be there.
    let creates = host
        .requests
        .borrow()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("object/create"))
        .count();
    assert_eq!(creates, 11);
    assert!(!host.user_objects().contains_key(&id(10)));
    let again = sync(&host, &options(MAPPING));
    assert_eq!(
        (
            again.counts.unchanged,
            again.counts.failed,
            again.counts.created
        ),
        (11, 1, 0)
    );
}

#[test]
fn a_run_where_every_record_is_refused_fails() {
    let host = host(3);
    host.reject_invalid.set(true);
    for u in host.users.borrow_mut().iter_mut() {
        u["firstname"] = json!("INVALID");
        u["lastname"] = json!("");
    }
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Failed, "{report:#?}");
    assert_eq!((report.counts.created, report.counts.failed), (0, 3));
    assert_eq!(report.phase, RunPhase::Done);
    assert_eq!(report.error.as_ref().unwrap().code.as_str(), "E111");
    assert!(report.message.as_deref().unwrap().contains("none of the 3"));
    let stored: RunReport = serde_json::from_str(
        &host.storage.borrow()[&format!("tributary:run:users:{}", report.run_id)],
    )
    .unwrap();
    assert_eq!(stored.status, RunStatus::Failed);
}

#[test]
fn clearing_an_attribute_on_many_objects_stops_and_keeps_the_values() {
    let host = host(30);
    assert_eq!(sync(&host, &options(MAPPING)).status, RunStatus::Succeeded);
    // A source field gone on 12 of 30 users (say, renamed upstream), and one real rename.
    for u in host.users.borrow_mut().iter_mut().take(12) {
        u.as_object_mut().unwrap().remove("email");
    }
    host.users.borrow_mut()[0]["lastname"] = json!("Renamed");
    let renamed = host.users.borrow()[0]["_id"].as_str().unwrap().to_string();
    let preview = sync(
        &host,
        &RunOptions {
            dry_run: true,
            ..options(MAPPING)
        },
    );
    assert_eq!(preview.status, RunStatus::Stopped, "{preview:#?}");
    let reason = &preview.guard.as_ref().unwrap().reason;
    assert!(reason.contains("Email on 12 object(s)"), "{reason}");
    let plan = preview.plan.as_ref().unwrap();
    assert!(
        plan.updates
            .iter()
            .flat_map(|u| &u.changes)
            .all(|c| c.attribute != "Email"),
        "the preview lists only what a run would write: {:?}",
        plan.updates
    );
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Stopped);
    assert_eq!(report.guard, preview.guard);
    let objects = host.user_objects();
    for (i, o) in objects.values().enumerate() {
        assert_eq!(o.get("9").len(), 1, "Email kept on object {i}");
    }
    // The source lists users in reverse: the first is user 29.
    assert_eq!(
        objects[&renamed].get("2"),
        ["First29 Renamed"],
        "the other changes are written"
    );
    // A host limit of 50 % lets the same clears through.
    let report = sync(
        &host,
        &RunOptions {
            max_clears: Some(tributary_mapping::Limit::Percent(50.0)),
            ..options(MAPPING)
        },
    );
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    let cleared = host
        .user_objects()
        .values()
        .filter(|o| o.get("9").is_empty())
        .count();
    assert_eq!(cleared, 12);
}

#[test]
fn a_batch_is_as_bad_as_its_worst_import() {
    let host = host(4);
    host.users.borrow_mut()[0]["manager"] = json!(id(99));
    let mut batch = users_and_departments(MAPPING, "config:objectType=20");
    batch.budget_ms = None;
    let report = block_on(run_all(&host, &batch));
    let statuses: Vec<RunStatus> = report.imports.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [RunStatus::Succeeded, RunStatus::Partial]);
    assert_eq!(report.status, RunStatus::Partial);
}

#[test]
fn a_dependency_runs_only_when_an_import_of_the_batch_references_it() {
    // Departments marked as a dependency: the users import references them, so they run first.
    let host = host(4);
    let mut batch = users_and_departments(MAPPING, "config:objectType=20");
    batch.budget_ms = None;
    batch.imports[1].only_as_dependency = true;
    let report = block_on(run_all(&host, &batch));
    assert_eq!(report.order, ["departments", "users"]);
    assert!(report.not_needed.is_empty());
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");

    // Without the Department row nothing needs them: only users run, and no department is
    // read or written.
    let host = self::host(4);
    let departments = |host: &FakeHost| {
        host.objects
            .borrow()
            .iter()
            .filter(|o| o.type_id == "20")
            .count()
    };
    let departments_before = departments(&host);
    let without = MAPPING
        .lines()
        .filter(|l| !l.contains("Department"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut batch = users_and_departments(&without, "config:objectType=20");
    batch.budget_ms = None;
    batch.imports[1].only_as_dependency = true;
    let report = block_on(run_all(&host, &batch));
    assert_eq!(report.order, ["users"]);
    assert_eq!(report.not_needed, ["departments"]);
    assert_eq!(report.imports.len(), 1);
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(
        departments(&host),
        departments_before,
        "nothing written for departments"
    );
    assert_eq!(host.user_objects().len(), 4);

    // A dependency marked on an import that is itself needed by the other stays in.
    let host = self::host(4);
    let mut batch = users_and_departments(MAPPING, "config:objectType=20");
    batch.budget_ms = None;
    batch.imports[0].only_as_dependency = true;
    let report = block_on(run_all(&host, &batch));
    assert_eq!(report.order, ["departments"], "nothing references users");
    assert_eq!(report.not_needed, ["users"]);
}

/// A batch of the users import (`users_mapping`) and a departments import whose target is
/// named by `department_target`, listed users first, with a budget that needs several slices.
fn users_and_departments(users_mapping: &str, department_target: &str) -> RunAllOptions {
    let departments = RunOptions {
        import_id: "departments".into(),
        mapping_text: format!("key:department=Name\nconfig:api=systemusers\n{department_target}\nconfig:filter=firstname:$eq:First0\n"),
        ..Default::default()
    };
    let users = RunOptions {
        import_id: "users".into(),
        mapping_text: users_mapping.into(),
        ..Default::default()
    };
    RunAllOptions {
        imports: vec![users, departments],
        budget_ms: Some(2_000.0),
        ..Default::default()
    }
}

#[test]
fn several_imports_run_referenced_types_first_and_continue_together() {
    let host = host(150);
    host.request_ms.set(100.0);
    let batch = users_and_departments(MAPPING, "config:objectType=20");
    let mut report = block_on(run_all(&host, &batch));
    assert_eq!(
        report.order,
        ["departments", "users"],
        "users reference departments"
    );
    let mut invocations = 1;
    while report.status == RunStatus::Continue {
        report = block_on(run_all(
            &host,
            &RunAllOptions {
                resume: true,
                run_id: Some(report.run_id.clone()),
                ..batch.clone()
            },
        ));
        invocations += 1;
        assert!(invocations < 200);
    }
    assert!(invocations > 1);
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(report.imports.len(), 2);
    assert_eq!(
        report.imports[0].counts.unchanged, 1,
        "Finance already exists"
    );
    assert_eq!(report.imports[1].run_id, format!("{}-users", report.run_id));
    assert_users_match(&host, 150);
}

#[test]
fn a_batch_numbers_its_slices_and_a_duplicated_batch_event_stops_at_the_refused_import() {
    let host = host(150);
    host.request_ms.set(100.0);
    let batch = RunAllOptions {
        run_id: Some("b1".into()),
        slice: Some(0),
        ..users_and_departments(MAPPING, "config:objectType=20")
    };
    let event = |slice: u64| RunAllOptions {
        resume: slice > 0,
        slice: Some(slice),
        ..batch.clone()
    };
    let finish = |slice: u64| {
        let done = FinishedSlice {
            import_ids: vec!["users".into(), "departments".into()],
            run_id: "b1".into(),
            slice,
            ..FinishedSlice::default()
        };
        block_on(finish_slice(&host, &done)).unwrap();
    };
    let mut slice = 0;
    let mut report = block_on(run_all(&host, &event(slice)));
    while report.status == RunStatus::Continue {
        finish(slice);
        // Every event delivered twice: the copy does nothing and runs no later import.
        let writes = host.storage_writes.get();
        let objects = host.objects.borrow().clone();
        let copy = block_on(run_all(&host, &event(slice)));
        assert_eq!(copy.status, RunStatus::Busy, "{copy:#?}");
        assert!(copy.imports.last().unwrap().stale);
        assert_eq!(host.storage_writes.get(), writes, "nothing stored");
        assert_eq!(*host.objects.borrow(), objects, "nothing written to Assets");
        slice += 1;
        report = block_on(run_all(&host, &event(slice)));
        assert!(slice < 200);
    }
    assert!(slice > 0);
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_users_match(&host, 150);
}

#[test]
fn group_memberships_become_multi_valued_references() {
    let n = 120;
    let host = host(n);
    let groups = [
        ("g-all", (0..n).collect::<Vec<_>>()),
        ("g-third", (0..n).step_by(3).collect()),
        ("g-none", vec![]),
    ];
    for (name, members) in &groups {
        host.groups
            .borrow_mut()
            .push((name.to_string(), members.iter().map(|&i| id(i)).collect()));
        host.add_object(GROUPS, &[("31", name)]);
    }
    let group_key = |name: &str| {
        host.objects
            .borrow()
            .iter()
            .find(|o| o.type_id == GROUPS && o.get("31") == [name])
            .unwrap()
            .key()
    };
    let mapping = format!("{MAPPING}map:memberof=Groups|JumpCloud ID=${{memberof}}\n");
    let report = sync(&host, &options(&mapping));
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    // Memberships come from the groups' member lists: 1 group list + 4 member pages.
    assert_eq!(report.api_calls.jumpcloud, 2 + 5);
    let objects = host.user_objects();
    for i in 0..n {
        let mut expected = vec![group_key("g-all")];
        if i % 3 == 0 {
            expected.push(group_key("g-third"));
        }
        let mut actual = objects[&id(i)].get("12");
        actual.sort();
        expected.sort();
        assert_eq!(actual, expected, "groups of user {i}");
    }
    let list = host
        .requests
        .borrow()
        .iter()
        .find(|r| r.path.starts_with("/api/systemusers"))
        .unwrap()
        .clone();
    assert!(
        !fake::query(&list.path)["fields"][0].contains("memberof"),
        "memberof is not a v1 list field"
    );
    // A membership change is one update; an unchanged rerun writes nothing.
    host.groups.borrow_mut()[2].1.push(id(5));
    let again = sync(&host, &options(&mapping));
    assert_eq!((again.counts.updated, again.api_calls.create), (1, 0));
    let again = sync(&host, &options(&mapping));
    assert_eq!(again.api_calls.update + again.api_calls.create, 0);
}

#[test]
fn a_new_run_clears_what_an_abandoned_run_left_behind() {
    let (host, opts) = slow_host(150, 1_500.0);
    let abandoned = sync(&host, &opts);
    assert_eq!(abandoned.status, RunStatus::Continue);
    let stored: RunReport = serde_json::from_str(
        &host.storage.borrow()[&format!("tributary:run:users:{}", abandoned.run_id)],
    )
    .unwrap();
    assert_eq!(
        stored.status,
        RunStatus::Continue,
        "an unfinished run shows as in progress"
    );
    assert!(host
        .storage
        .borrow()
        .keys()
        .any(|k| k.starts_with("tributary:state:users:source:")));
    // Its queue event is lost; once the lease expires a new trigger starts a new run.
    host.now.set(host.now.get() + 3_600_000.0);
    let (report, _) = sync_to_end(&host, &opts);
    assert_eq!(report.status, RunStatus::Succeeded);
    assert_ne!(report.run_id, abandoned.run_id);
    let storage = host.storage.borrow();
    assert!(
        storage
            .keys()
            .all(|k| !k.starts_with("tributary:state:") && !k.starts_with("tributary:lease:")),
        "{:?}",
        storage.keys()
    );
    assert_users_match(&host, 150);
}

#[test]
fn a_sample_fetches_raw_records_with_the_imports_filters() {
    let host = host(12);
    let mapping = format!("{MAPPING}config:filter=department:$eq:IT\n");
    let sample = block_on(tributary_sync::sample(
        &host,
        &tributary_sync::SampleOptions {
            mapping_text: mapping,
            limit: Some(3),
        },
    ))
    .unwrap();
    assert_eq!(sample.records.len(), 3);
    assert_eq!(sample.total_count, Some(6));
    assert_eq!(
        sample.records[0]["jobTitle"], "Engineer",
        "every field, not only the mapped ones"
    );
    assert!(
        sample.request.contains("filter=department%3A%24eq%3AIT")
            && !sample.request.contains("fields="),
        "{}",
        sample.request
    );
    assert_eq!(sample.api_calls.jumpcloud, 1);
    let bad = block_on(tributary_sync::sample(
        &host,
        &tributary_sync::SampleOptions {
            mapping_text: "map:x=Name\n".into(),
            limit: None,
        },
    ));
    assert!(bad
        .unwrap_err()
        .to_string()
        .contains("the mapping has errors"));
}

#[test]
fn a_rate_limit_longer_than_the_budget_hands_over_instead_of_failing() {
    let host = host(20);
    let limited = || FaultKind::Status(429, vec![("Retry-After".into(), "100".into())]);
    host.fault("POST", "object/create", 3, limited());
    host.fault("POST", "object/aql", 1, limited());
    let opts = RunOptions {
        budget_ms: Some(30_000.0),
        ..options(MAPPING)
    };
    let (report, invocations) = sync_to_end(&host, &opts);
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(
        invocations, 5,
        "one hand-over per 429 that outlasts the budget"
    );
    assert_eq!((report.counts.created, report.counts.failed), (20, 0));
    assert!(
        report.errors.iter().all(|e| e.attribute.is_some()),
        "no record failed: {:?}",
        report.errors
    );
    // Each hand-over first waited out the rest of its budget rather than spinning.
    assert!(
        host.sleeps
            .borrow()
            .iter()
            .filter(|s| **s > 20_000.0)
            .count()
            >= 4,
        "{:?}",
        host.sleeps.borrow()
    );
    assert_users_match(&host, 20);
}

#[test]
fn config_max_clears_in_the_mapping_sets_the_clear_guard() {
    for (setting, want_status, kept) in [
        ("", RunStatus::Stopped, true),
        ("config:maxClears=50%\n", RunStatus::Succeeded, false),
        ("config:maxClears=11\n", RunStatus::Stopped, true),
    ] {
        let host = host(30);
        let mapping = format!("{MAPPING}{setting}");
        assert_eq!(sync(&host, &options(&mapping)).status, RunStatus::Succeeded);
        // Twelve emails vanish from JumpCloud at once.
        for u in host.users.borrow_mut().iter_mut().take(12) {
            u.as_object_mut().unwrap().remove("email");
        }
        let report = sync(&host, &options(&mapping));
        assert_eq!(
            report.status, want_status,
            "{setting:?}: {:?}",
            report.guard
        );
        let with_email = host
            .user_objects()
            .values()
            .filter(|o| !o.get("9").is_empty())
            .count();
        assert_eq!(with_email, if kept { 30 } else { 18 }, "{setting:?}");
    }
}

#[test]
fn a_store_that_refuses_writes_for_its_rate_limit_is_waited_out_slice_after_slice() {
    let n = 60;
    let (host, opts) = slow_host(n, 3_000.0);
    let resume = |report: &RunReport| RunOptions {
        resume: true,
        run_id: Some(report.run_id.clone()),
        ..opts.clone()
    };
    // Every slice finds the store refusing its first three writes for the rate limit.
    let mut slices = 0;
    host.throttled_writes.set(3);
    let mut report = sync(&host, &opts);
    while report.status == RunStatus::Continue {
        slices += 1;
        assert!(slices < 50, "the run moves on");
        host.throttled_writes.set(3);
        report = sync(&host, &resume(&report));
    }
    assert!(slices >= 2, "several slices ({slices})");
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(report.counts.created, n as u64);
    assert_users_match(&host, n);
    assert_eq!(host.throttled.get(), 3 * (slices + 1));
    let waits = host
        .logs
        .borrow()
        .iter()
        .filter(|(_, m)| m.contains("for its rate limit"))
        .count();
    assert_eq!(
        waits as u32,
        host.throttled.get(),
        "each refusal logged and waited out"
    );
    assert!(!host
        .storage
        .borrow()
        .keys()
        .any(|k| k.starts_with("tributary:state:")));
}

#[test]
fn on_a_slow_store_each_slice_stops_writing_in_time_to_store_what_it_leaves() {
    // 600 units a minute (a run takes 450): storing what a slice leaves (its source records
    // and the rest of its plan, dozens of units) takes several seconds, which the slice
    // keeps free at the end of its budget instead of running past it.
    let n = 2_000;
    let budget_ms = 15_000.0;
    let (host, opts) = slow_host(n, budget_ms);
    let opts = RunOptions {
        storage_per_minute: Some(600.0),
        ..opts
    };
    let resume = |report: &RunReport| RunOptions {
        resume: true,
        run_id: Some(report.run_id.clone()),
        ..opts.clone()
    };
    let mut longest: f64 = 0.0;
    let mut slices = 0;
    let mut report: Option<RunReport> = None;
    loop {
        let started = host.now.get();
        let next = sync(&host, &report.as_ref().map_or_else(|| opts.clone(), resume));
        longest = longest.max(host.now.get() - started);
        slices += 1;
        assert!(slices < 100, "the run moves on");
        let done = next.status != RunStatus::Continue;
        report = Some(next);
        if done {
            break;
        }
    }
    let report = report.unwrap();
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert!(slices >= 3, "several slices ({slices})");
    assert_users_match(&host, n);
    // The fixed part of a save (state, record, claims: a unit each) goes within the burst;
    // the rest was kept inside the budget (without that, slices here end nearly 7 s past it).
    assert!(
        longest <= budget_ms + 4_000.0,
        "a slice took {longest} ms against a budget of {budget_ms} ms"
    );
}

#[test]
fn a_slice_without_time_to_store_its_plan_and_results_leaves_planning_to_the_next() {
    use tributary_sync::engine::results::run_record;
    // A slow store (600 units a minute) and budgets around the read's time: where a slice
    // reads the source and then has no time to store the plan and its results, the next
    // slice plans; either way every slice keeps to its budget, the results are stored once
    // and each user is created once.
    let n = 400;
    let mut left_to_the_next = 0;
    for budget_s in [1.0, 2.0, 2.5, 3.0] {
        let budget_ms = budget_s * 1000.0;
        let (host, opts) = slow_host(n, budget_ms);
        let opts = RunOptions {
            storage_per_minute: Some(600.0),
            keep_results: true,
            ..opts
        };
        let mut report = sync(&host, &opts);
        let mut longest: f64 = 0.0;
        let mut slices = 1;
        while report.status == RunStatus::Continue {
            let started = host.now.get();
            report = sync(&host, &continuing(&opts, &report));
            longest = longest.max(host.now.get() - started);
            slices += 1;
            assert!(slices < 200, "the run moves on ({budget_s} s)");
        }
        assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
        assert_users_match(&host, n);
        assert_eq!(report.counts.created as usize, n);
        let record = block_on(run_record(&host, "users", &report.run_id))
            .unwrap()
            .unwrap();
        assert_eq!(
            record.results.map(|r| r.total),
            Some(n as u64),
            "{budget_s} s"
        );
        assert!(
            longest <= budget_ms + 4_000.0,
            "a slice took {longest} ms against {budget_ms} ms"
        );
        let left = host
            .logs
            .borrow()
            .iter()
            .filter(|(_, m)| m.contains("the next slice plans again"))
            .count();
        assert!(
            left <= 1,
            "once at most: the next slice has the time ({budget_s} s)"
        );
        left_to_the_next += left;
    }
    assert!(
        left_to_the_next > 0,
        "some budget ends between the read and the stores"
    );
}

#[test]
fn a_store_that_keeps_refusing_for_its_rate_limit_fails_the_run_with_e110() {
    let host = host(5);
    host.throttled_writes.set(u32::MAX);
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Failed, "{report:#?}");
    let error = report.error.unwrap();
    assert_eq!(error.code.as_str(), "E110");
    assert!(
        error.message.contains("RATE_LIMIT_EXCEEDED"),
        "{}",
        error.message
    );
    // Four waits (5 + 15 + 30 + 60 s) before the store's answer was taken as final.
    assert!(host.sleeps.borrow().iter().sum::<f64>() >= 110_000.0);
    let written = host.user_objects().len();
    host.throttled_writes.set(0);
    let again = sync(&host, &options(MAPPING));
    assert_eq!(again.status, RunStatus::Succeeded, "{again:#?}");
    assert_eq!(
        again.counts.created as usize,
        5 - written,
        "nothing written twice"
    );
    assert_users_match(&host, 5);
}

#[test]
fn a_run_whose_record_cannot_be_stored_says_so() {
    let host = host(5);
    *host.failing_writes.borrow_mut() = Some("tributary:run:".into());
    let report = sync(&host, &options(MAPPING));
    assert_eq!(report.status, RunStatus::Failed, "{report:#?}");
    let error = report.error.unwrap();
    assert_eq!(error.code.as_str(), "E110");
    assert!(error.message.contains("the run record could not be stored"));
    assert_eq!(report.counts.created, 5, "the writes themselves happened");
    assert!(host
        .logs
        .borrow()
        .iter()
        .any(|(level, m)| *level == tributary_sync::LogLevel::Error && m.contains("run record")));
    // And with a store that takes the record, the same run is a plain success.
    *host.failing_writes.borrow_mut() = None;
    assert_eq!(sync(&host, &options(MAPPING)).status, RunStatus::Succeeded);
}

/// Every value shape an AQL answer can carry reads to the same canonical text through the
/// borrowed page views the engine streams as through the full object model (what the engine
/// read before): strings with escapes, numbers, booleans, null values that fall back to the
/// display value, nested objects skipped, references, users and statuses.
#[test]
fn aql_page_views_read_the_same_canonical_values_as_the_full_object_model() {
    use tributary_models::assets::{AqlPage, AqlPageView, ObjectTypeAttribute};
    use tributary_sync::AttrDef;
    let defs: Vec<AttrDef> = serde_json::from_value::<Vec<ObjectTypeAttribute>>(json!([
        {"id": "1", "name": "Text", "type": 0, "defaultType": {"id": 0}},
        {"id": "2", "name": "Count", "type": 0, "defaultType": {"id": 1}},
        {"id": "3", "name": "Ratio", "type": 0, "defaultType": {"id": 3}},
        {"id": "4", "name": "Flag", "type": 0, "defaultType": {"id": 2}},
        {"id": "5", "name": "When", "type": 0, "defaultType": {"id": 6}},
        {"id": "6", "name": "Ref", "type": 1, "referenceObjectTypeId": "9", "maximumCardinality": -1},
        {"id": "7", "name": "User", "type": 2},
        {"id": "8", "name": "Status", "type": 7}
    ]))
    .unwrap()
    .iter()
    .map(AttrDef::from_attribute)
    .collect();
    let values =
        |id: &str, list: Value| json!({"objectTypeAttributeId": id, "objectAttributeValues": list});
    let page = json!({
        "startAt": 0, "maxResults": 500, "total": 1, "isLast": "true",
        "objectTypeAttributes": [{"id": "1", "deep": {"x": [1, 2, {"y": null}]}}],
        "values": [{
            "id": "42", "objectKey": "HR-42", "label": "x",
            "objectType": {"id": "10", "name": "User", "icon": {"url16": "u"}},
            "avatar": {"mediaClientConfig": {"clientId": "c"}},
            "attributes": [
                values("1", json!([{"value": "Zoë \"Z\" O'Brien\n\u{1F600}", "displayValue": "ignored"}])),
                values("2", json!([{"value": 7, "displayValue": "7"}])),
                values("3", json!([{"value": 1.5}, {"value": null, "displayValue": "2.25"}])),
                values("4", json!([{"value": true}])),
                values("5", json!([{"value": "2024-05-01T10:00:00.000Z", "displayValue": "01/May/24"}])),
                values("6", json!([
                    {"referencedObject": {"id": "5", "objectKey": "HR-5", "objectType": {"id": "9"}}, "displayValue": "A"},
                    {"referencedObject": {"id": "6", "objectKey": "HR-6", "attributes": [{"x": 1}]}}
                ])),
                values("7", json!([{"user": {"key": "acc-1", "displayName": "A B", "avatar": {}}, "displayValue": "A B"}])),
                values("8", json!([{"status": {"id": "3", "name": "Active", "category": 1}, "displayValue": "Active"}])),
                values("99", json!([{"value": "not compared"}])),
                values("1", json!([{"value": {"nested": "object"}, "displayValue": ""}]))
            ]
        }]
    })
    .to_string();
    let full: AqlPage = serde_json::from_str(&page).unwrap();
    let view: AqlPageView<'_> = serde_json::from_str(&page).unwrap();
    assert!(view.is_last);
    let streamed = tributary_sync::ExistingObject::from_view(&view.values[0], &defs);
    assert_eq!((streamed.id(), streamed.object_key()), ("42", "HR-42"));
    let object = &full.values[0];
    for def in &defs {
        let before: Vec<String> = object
            .attributes
            .iter()
            .filter(|a| a.object_type_attribute_id == def.id)
            .flat_map(|a| &a.object_attribute_values)
            .filter_map(|v| tributary_transform::stored_canonical(&def.attribute, v))
            .filter(|v| !v.is_empty())
            .collect();
        assert!(!before.is_empty(), "attribute {} has values", def.name);
        assert_eq!(
            streamed.get(&def.id).to_vec(),
            before,
            "attribute {}",
            def.name
        );
    }
    assert!(
        streamed.get("99").is_empty(),
        "attributes outside the type are not read"
    );
}

#[test]
fn a_long_slice_stores_its_run_record_as_it_goes_and_a_quick_one_does_not() {
    let record_writes = |request_ms: f64| {
        let host = host(120);
        host.request_ms.set(request_ms);
        let mut opts = options(MAPPING);
        opts.run_id = Some("live".into());
        opts.budget_ms = Some(10_000_000.0);
        let report = sync(&host, &opts);
        assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.message);
        let writes = host
            .written_keys
            .borrow()
            .iter()
            .filter(|k| k.as_str() == "tributary:run:users:live")
            .count();
        (writes, report)
    };
    // 5 ms a request: the whole run takes well under the save interval.
    let (quick, _) = record_writes(5.0);
    // 100 ms a request: about 150 requests, 15 s, so the record is stored every 3 s or so.
    let (slow, report) = record_writes(100.0);
    assert!(
        quick <= 3,
        "a quick run stores its record at start and end only ({quick})"
    );
    assert!(
        slow >= quick + 3,
        "a long run stores progress as it goes ({slow} vs {quick})"
    );
    assert_eq!(report.progress.done, report.progress.total);
}

#[test]
fn results_are_kept_beside_the_record_and_paged_by_kind_and_text() {
    use tributary_sync::engine::results::{run_record, run_results, ResultKind, ResultsQuery};
    let host = host(12);
    host.users.borrow_mut()[0]["manager"] = json!(id(99));
    let stored = |host: &FakeHost, prefix: &str| {
        host.storage
            .borrow()
            .keys()
            .filter(|k| k.starts_with(prefix))
            .count()
    };

    // A plain preview keeps nothing.
    let plain = sync(
        &host,
        &RunOptions {
            dry_run: true,
            ..options(MAPPING)
        },
    );
    assert_eq!(
        plain.status,
        RunStatus::Partial,
        "a manager is missing: {plain:#?}"
    );
    assert_eq!(stored(&host, "tributary:preview:"), 0);
    assert_eq!(stored(&host, "tributary:results:"), 0);

    // A background preview keeps a record apart from the run history, and every entry.
    let preview = sync(
        &host,
        &RunOptions {
            dry_run: true,
            keep_results: true,
            plan_limit: Some(0),
            run_id: Some("p1".into()),
            ..options(MAPPING)
        },
    );
    assert!(preview.dry_run);
    assert_eq!(stored(&host, "tributary:run:"), 0, "not in run history");
    let record = block_on(run_record(&host, "users", "p1")).unwrap().unwrap();
    assert_eq!(record.counts, preview.counts);
    assert!(record.dry_run);
    let index = record.results.expect("results index");
    assert_eq!(index.total, 12, "12 creates");
    // Stored deflated (a JSON string; the store's quota counts its size), read back the same.
    let chunk = host.storage.borrow()["tributary:results:users:p1:0"].clone();
    assert!(chunk.starts_with("\"deflate;base64:"), "{chunk}");
    assert!(
        record.plan.as_ref().is_some_and(|p| p.creates.is_empty()),
        "the record itself stays small"
    );
    let page = |query: ResultsQuery| block_on(run_results(&host, &query)).unwrap();
    let all = page(ResultsQuery {
        import_id: "users".into(),
        run_id: "p1".into(),
        ..Default::default()
    });
    assert_eq!(all.total, 12 + preview.errors.len());
    assert!(all.entries.iter().any(|e| e.kind == ResultKind::Error));
    let second = page(ResultsQuery {
        import_id: "users".into(),
        run_id: "p1".into(),
        offset: 5,
        limit: Some(5),
        kind: Some(ResultKind::Create),
        ..Default::default()
    });
    assert_eq!((second.total, second.entries.len()), (12, 5));
    assert_eq!(second.entries[0].key, all.entries[5].key);
    let found = page(ResultsQuery {
        import_id: "users".into(),
        run_id: "p1".into(),
        query: Some("FIRST3 ".into()),
        ..Default::default()
    });
    assert_eq!(found.total, 1, "{found:#?}");
    assert!(found.entries[0]
        .changes
        .iter()
        .any(|c| c.new.iter().any(|v| v == "First3 Last3")));
    assert_eq!(found.entries[0].label.as_deref(), Some("First3 Last3"));
    // A manager created in the same run is shown by its name, beside its key.
    let managed = all
        .entries
        .iter()
        .flat_map(|e| &e.changes)
        .find(|c| c.attribute == "Manager" && c.new.iter().any(|v| v.starts_with("(new object")))
        .expect("a manager reference to a new object");
    let labels = managed
        .new_labels
        .as_ref()
        .expect("labels beside the values");
    assert_eq!(labels.len(), managed.new.len());
    assert!(
        labels[0].starts_with("First") && labels[0].contains(" Last"),
        "{labels:?}"
    );

    // A real run keeps its results under its own id; the preview's stay as they were.
    let run = sync(
        &host,
        &RunOptions {
            keep_results: true,
            run_id: Some("r1".into()),
            ..options(MAPPING)
        },
    );
    assert_eq!(run.status, RunStatus::Partial, "{run:#?}");
    let kept = block_on(run_record(&host, "users", "r1")).unwrap().unwrap();
    assert!(!kept.dry_run);
    assert_eq!(kept.results.map(|r| r.total), Some(12));
    let errors = page(ResultsQuery {
        import_id: "users".into(),
        run_id: "r1".into(),
        kind: Some(ResultKind::Error),
        ..Default::default()
    });
    assert_eq!(errors.total, run.errors.len());
    assert!(errors.total > 0);

    // Unknown runs and bad ids are refused, naming them.
    let unknown = block_on(run_results(
        &host,
        &ResultsQuery {
            import_id: "users".into(),
            run_id: "nope".into(),
            ..Default::default()
        },
    ))
    .unwrap_err();
    assert!(
        unknown.to_string().contains("no run nope of import users"),
        "{unknown}"
    );
    assert!(block_on(run_results(
        &host,
        &ResultsQuery {
            import_id: "a:b".into(),
            run_id: "r1".into(),
            ..Default::default()
        },
    ))
    .is_err());
}

#[test]
fn create_missing_makes_each_missing_referenced_object_once_and_a_preview_only_lists_it() {
    let mapping = MAPPING.replace(
        "map:department=Department|Name=${department}",
        "map:department=Department|Name=${department}|createMissing",
    );
    let host = host(6);
    host.users.borrow_mut()[0]["department"] = json!("Legal");
    host.users.borrow_mut()[1]["department"] = json!("legal");
    let departments = |host: &FakeHost| -> Vec<String> {
        host.objects
            .borrow()
            .iter()
            .filter(|o| o.type_id == "20")
            .flat_map(|o| o.get("21"))
            .collect()
    };

    let preview = sync(
        &host,
        &RunOptions {
            dry_run: true,
            ..options(&mapping)
        },
    );
    assert_eq!(preview.status, RunStatus::Succeeded, "{preview:#?}");
    assert_eq!(
        preview.references_created.len(),
        1,
        "one object for Legal and legal"
    );
    assert!(preview.references_created[0]
        .value
        .eq_ignore_ascii_case("legal"));
    assert_eq!(preview.references_created[0].object_key, None);
    assert_eq!(
        departments(&host),
        ["Finance", "IT"],
        "a preview creates nothing"
    );
    let plan = preview.plan.as_ref().unwrap();
    assert!(plan
        .creates
        .iter()
        .flat_map(|c| &c.changes)
        .any(|c| c.attribute == "Department"
            && c.new.len() == 1
            && c.new[0].eq_ignore_ascii_case("(new object Legal)")));

    let run = sync(&host, &options(&mapping));
    assert_eq!(run.status, RunStatus::Succeeded, "{run:#?}");
    let named = departments(&host);
    assert_eq!(named.len(), 3, "{named:?}");
    assert!(named[2].eq_ignore_ascii_case("legal"));
    let legal = host
        .objects
        .borrow()
        .iter()
        .find(|o| o.type_id == "20" && o.get("21") == [named[2].clone()])
        .map(|o| o.key())
        .unwrap();
    assert_eq!(
        run.references_created[0].object_key.as_deref(),
        Some(legal.as_str())
    );
    let users = host.user_objects();
    for i in [5, 4] {
        // The source lists users in reverse: users 5 and 4 are the first two records.
        assert_eq!(
            users[&id(i)].get("4"),
            std::slice::from_ref(&legal),
            "user {i}"
        );
    }

    let again = sync(&host, &options(&mapping));
    assert_eq!(again.status, RunStatus::Succeeded);
    assert!(again.references_created.is_empty());
    assert_eq!(again.counts.created + again.counts.updated, 0);
    assert_eq!(departments(&host).len(), 3);
}

#[test]
fn without_create_missing_or_when_assets_refuses_the_create_the_reference_stays_unresolved() {
    let host = host(3);
    host.users.borrow_mut()[0]["department"] = json!("Legal");
    let plain = sync(&host, &options(MAPPING));
    assert_eq!(plain.status, RunStatus::Partial, "{plain:#?}");
    assert!(plain.references_created.is_empty());
    assert_eq!(
        host.objects
            .borrow()
            .iter()
            .filter(|o| o.type_id == "20")
            .count(),
        2
    );

    let host = self::host(3);
    host.users.borrow_mut()[0]["department"] = json!("Legal");
    host.fault(
        "POST",
        "object/create",
        1,
        FaultKind::Status(400, Vec::new()),
    );
    let mapping = MAPPING.replace(
        "map:department=Department|Name=${department}",
        "map:department=Department|Name=${department}|createMissing",
    );
    let refused = sync(&host, &options(&mapping));
    assert_eq!(refused.status, RunStatus::Partial, "{refused:#?}");
    assert!(refused.references_created.is_empty());
    assert!(
        refused.errors.iter().any(|e| e
            .message
            .contains("could not create the missing object \"Legal\"")),
        "{:#?}",
        refused.errors
    );
    assert_eq!(
        host.objects
            .borrow()
            .iter()
            .filter(|o| o.type_id == "20")
            .count(),
        2
    );
    assert_eq!(
        host.user_objects().len(),
        3,
        "the records themselves are written"
    );
}

#[test]
fn a_cancelled_run_stops_at_its_next_slice_keeps_its_writes_and_frees_the_import() {
    use tributary_sync::engine::cancel_run;
    let host = host(150);
    host.request_ms.set(100.0);
    let opts = RunOptions {
        budget_ms: Some(2_000.0),
        run_id: Some("run-1".into()),
        ..options(MAPPING)
    };
    let first = sync(&host, &opts);
    assert_eq!(first.status, RunStatus::Continue);
    let answer = block_on(cancel_run(&host, "users", "run-1")).unwrap();
    assert!(answer.cancelled);
    let written_before = host.user_objects().len();
    let next = sync(
        &host,
        &RunOptions {
            resume: true,
            ..opts.clone()
        },
    );
    assert_eq!(next.status, RunStatus::Cancelled, "{next:#?}");
    assert!(next.finished_at.is_some());
    assert!(next
        .message
        .as_deref()
        .unwrap_or("")
        .contains("cancelled by an admin"));
    assert_eq!(
        host.user_objects().len(),
        written_before,
        "nothing more is written"
    );
    assert!(
        !host.storage.borrow().contains_key("tributary:lease:users"),
        "the lease is freed"
    );
    assert!(
        !host.storage.borrow().contains_key("tributary:state:users"),
        "no state is left to resume"
    );
    let record = block_on(tributary_sync::engine::results::run_record(
        &host, "users", "run-1",
    ))
    .unwrap()
    .unwrap();
    assert_eq!(record.status, RunStatus::Cancelled);

    let refreshed =
        |host: &FakeHost| block_on(tributary_sync::engine::last_refreshed(host, "users")).unwrap();
    assert_eq!(
        refreshed(&host),
        None,
        "a cancelled run did not refresh the import"
    );
    // A finished run is left as it is; a new run of the import starts and finishes.
    let again = block_on(cancel_run(&host, "users", "run-1")).unwrap();
    assert!(!again.cancelled);
    assert_eq!(again.status, Some(RunStatus::Cancelled));
    let (done, _) = sync_to_end(
        &host,
        &RunOptions {
            run_id: Some("run-2".into()),
            ..opts.clone()
        },
    );
    assert_eq!(done.status, RunStatus::Succeeded, "{done:#?}");
    assert_users_match(&host, 150);
    assert_eq!(refreshed(&host), done.finished_at);

    // Cancelled while still queued: it ends before it reads or writes anything.
    block_on(cancel_run(&host, "users", "run-3")).unwrap();
    host.clear_requests();
    let queued = sync(
        &host,
        &RunOptions {
            run_id: Some("run-3".into()),
            ..opts
        },
    );
    assert_eq!(queued.status, RunStatus::Cancelled);
    assert_eq!(host.count("GET", "/api/systemusers"), 0);
    assert!(block_on(cancel_run(&host, "a:b", "run-3")).is_err());
}
