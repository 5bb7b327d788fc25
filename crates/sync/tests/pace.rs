//! Pacing by quota, against a host on a virtual clock where requests in flight overlap as they
//! do on a network (each takes the same latency; sleeps end when the clock gets there) and
//! Assets enforces its documented per-minute quotas over a sliding window, answering 429 with
//! `Retry-After` like the real service.

mod fake;

use fake::{FakeHost, FaultKind};
use serde_json::{json, Value};
use tributary_sync::client::{request, CallKind, Client};
use tributary_sync::pace::{most_in_any_minute, Quota};
use tributary_sync::{run, RunOptions, RunReport, RunStatus};
use tributary_sync::{CallError, RetryPolicy, Service};

const MINUTE: f64 = 60_000.0;

const MAPPING: &str = "key:_id=JumpCloud ID
map:${firstname} ${lastname}=Name
map:email=Email
map:manager=Manager|byKey
config:api=systemusers
config:objectType=10
";

/// A fake with `users` JumpCloud users behind a network with `latency_ms` and `quotas`.
fn network(users: usize, latency_ms: f64, quotas: Vec<(Quota, usize)>) -> FakeHost {
    let host = FakeHost::new();
    *host.users.borrow_mut() = (0..users).map(user).collect();
    host.network(latency_ms, quotas);
    host
}

fn sync(host: &FakeHost, options: &RunOptions) -> RunReport {
    host.drive(run(host, options))
}

/// The most requests of `quota` (answered, not refused) that arrived in any minute.
fn most_in_a_minute(host: &FakeHost, quota: Quota) -> usize {
    most_in_any_minute(&host.arrivals(quota))
}

fn id(i: usize) -> String {
    format!("{i:024x}")
}

fn user(i: usize) -> Value {
    let mut u = json!({
        "_id": id(i), "firstname": format!("First{i}"), "lastname": format!("Last{i}"),
        "email": format!("user{i}@example.com"),
    });
    if i > 0 {
        u["manager"] = json!(id((i - 1) / 5));
    }
    u
}

fn options() -> RunOptions {
    RunOptions {
        import_id: "users".into(),
        mapping_text: MAPPING.into(),
        budget_ms: Some(3_600_000.0),
        ..Default::default()
    }
}

/// Assets' documented quotas, as the fake service enforces them.
fn documented() -> Vec<(Quota, usize)> {
    [
        Quota::AssetsCreate,
        Quota::AssetsAql,
        Quota::AssetsGetObject,
    ]
    .into_iter()
    .map(|q| (q, q.per_minute().unwrap() as usize))
    .collect()
}

#[test]
fn more_creates_than_a_minutes_quota_go_through_without_a_429_at_the_quotas_pace() {
    let users = 2_500;
    let host = network(users, 80.0, documented());
    let started = host.now.get();
    let report = sync(&host, &options());
    let took = host.now.get() - started;
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(report.counts.created, users as u64);
    assert_eq!(host.user_objects().len(), users);
    assert!(host.refused().is_empty(), "{:?}", host.refused());
    assert_eq!(report.api_calls.retries, 0);
    assert!(most_in_a_minute(&host, Quota::AssetsCreate) <= 2_000);
    assert!(
        most_in_a_minute(&host, Quota::JumpCloud) <= 100,
        "Forge's egress limit: {}",
        most_in_a_minute(&host, Quota::JumpCloud)
    );
    // The floor the quotas set: the list pages at 100 a minute, then the creates at 2,000 a
    // minute (the plan needs the whole source first). Virtual time: no timing test.
    let pages = report.api_calls.jumpcloud as f64;
    let floor = pages / 100.0 * MINUTE + users as f64 / 2_000.0 * MINUTE;
    assert!(
        took <= floor * 1.15,
        "{took} ms against a floor of {floor} ms"
    );
    assert!(
        took >= users as f64 / 2_000.0 * MINUTE,
        "no faster than the create quota: {took} ms"
    );
}

#[test]
fn a_tighter_limit_than_documented_costs_a_few_429s_and_each_pauses_every_writer() {
    // The service allows half the documented creates: the first 429 halves the rate, and
    // every writer waits out the Retry-After before the next create goes.
    let users = 1_500;
    let host = network(users, 80.0, vec![(Quota::AssetsCreate, 1_000)]);
    let report = sync(&host, &options());
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(
        (report.counts.created, report.counts.failed),
        (users as u64, 0)
    );
    assert_eq!(host.user_objects().len(), users, "no duplicates");
    let refused = host.refused();
    assert!(!refused.is_empty(), "the tighter limit was hit");
    assert!(
        refused.len() <= 40,
        "the rate came down instead of hammering the limit: {} 429s",
        refused.len()
    );
    assert_eq!(report.api_calls.retries, refused.len() as u64);
    // A create sent after a 429 came back waits out its Retry-After: none arrives between
    // the answers already on their way (one latency) and the end of the pause.
    let creates: Vec<f64> = host
        .seen
        .borrow()
        .iter()
        .filter(|s| s.quota == Quota::AssetsCreate && s.status != 429)
        .map(|s| s.at)
        .collect();
    for limit in &refused {
        let pause = limit.at + host.request_ms.get()
            ..limit.at + limit.retry_after_ms + host.request_ms.get();
        let during = creates.iter().filter(|at| pause.contains(*at)).count();
        assert_eq!(
            during, 0,
            "creates during the pause after the 429 at {}",
            limit.at
        );
    }
}

#[test]
fn list_pages_are_read_ahead_without_a_request_past_the_end() {
    let users = 1_000;
    let host = network(users, 80.0, documented());
    let report = sync(&host, &options());
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert!(
        host.most_jumpcloud_in_flight.get() >= 2,
        "pages in flight together: {}",
        host.most_jumpcloud_in_flight.get()
    );
    // Every page after the first starts one record early: ceil(999 / 99) pages of 100.
    assert_eq!(report.api_calls.jumpcloud, 11);
    assert_eq!(report.counts.source, users as u64);
}

#[test]
fn a_listing_that_shifts_under_pages_read_ahead_is_still_noticed() {
    let host = network(35, 80.0, documented());
    let mapping = format!("{MAPPING}config:missing=delete\nconfig:pageSize=10\n");
    let opts = RunOptions {
        mapping_text: mapping,
        ..options()
    };
    assert_eq!(sync(&host, &opts).status, RunStatus::Succeeded);
    // Right after the second page is served, two users of the third page leave and two are
    // hired (the count stays): the fourth page, asked for after that, starts two records
    // further on, so one user is never listed. The third page was read ahead, before the
    // change, so the leavers were read.
    let leavers = [id(20), id(21)];
    *host.change_after_page.borrow_mut() = Some((
        9,
        Box::new(move |users: &mut Vec<Value>| {
            users.retain(|u| !leavers.iter().any(|l| u["_id"] == l.as_str()));
            users.extend([user(900), user(901)]);
        }),
    ));
    let second = sync(&host, &opts);
    assert_eq!(second.status, RunStatus::Stopped, "{second:#?}");
    assert!(second
        .guard
        .as_ref()
        .is_some_and(|g| g.reason.contains("changed while it was read")));
    assert_eq!(
        second.counts.deleted, 0,
        "the user never listed is not retired"
    );
    assert_eq!(
        host.user_objects().len(),
        37,
        "every user kept, the hires created"
    );
    // With the directory still, exactly the leavers go.
    let third = sync(&host, &opts);
    assert_eq!(third.counts.deleted, 2, "{third:#?}");
    let objects = host.user_objects();
    assert!(!objects.contains_key(&id(20)) && !objects.contains_key(&id(21)));
    assert_eq!(objects.len(), 35);
}

#[test]
fn faults_are_still_retried_under_pacing() {
    let host = network(300, 80.0, documented());
    host.fault(
        "GET",
        "/api/systemusers",
        1,
        FaultKind::Status(429, vec![("Retry-After".into(), "3".into())]),
    );
    host.fault("POST", "object/aql", 2, FaultKind::Status(503, vec![]));
    host.fault("POST", "object/create", 1, FaultKind::Status(502, vec![]));
    host.fault("POST", "object/create", 1, FaultKind::CommitThenTransport);
    host.fault("PUT", "/object/", 1, FaultKind::Transport);
    let report = sync(&host, &options());
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!((report.counts.created, report.counts.failed), (300, 0));
    assert_eq!(
        host.user_objects().len(),
        300,
        "the dropped create was found, not made twice"
    );
    assert!(report.api_calls.retries >= 5, "{:?}", report.api_calls);
    // The JumpCloud 429 paused the list for its 3 s: the next page went no sooner.
    let pages: Vec<f64> = host
        .seen
        .borrow()
        .iter()
        .filter(|s| s.quota == Quota::JumpCloud)
        .map(|s| s.at)
        .collect();
    assert!(pages[1] - pages[0] >= 3_000.0, "{pages:?}");
}

#[test]
fn a_slot_past_the_deadline_hands_the_work_over_instead_of_waiting() {
    let host = network(10, 80.0, documented());
    let client = Client::new(&host, RetryPolicy::default(), 3);
    let started = host.now.get();
    client.set_deadline(started + 30_000.0);
    let page = || {
        request(
            Service::JumpCloud,
            "GET",
            "/api/systemusers?limit=1&skip=0&sort=_id".into(),
            None,
        )
    };
    // A minute's 99 requests go at once; the next slot is a minute on, past the deadline.
    let outcomes: Vec<_> = (0..100)
        .map(|_| host.drive(client.send(CallKind::JumpCloud, page())))
        .collect();
    assert!(outcomes[..99].iter().all(Result::is_ok));
    assert!(
        matches!(&outcomes[99], Err(CallError::OutOfTime(m)) if m.contains("JumpCloud")),
        "{:?}",
        outcomes[99]
    );
    assert!(
        host.now.get() - started < 30_000.0,
        "the slot was not waited for"
    );
}

#[test]
fn options_lift_the_limits_where_none_apply() {
    let host = network(10, 80.0, Vec::new());
    let client = Client::new(&host, RetryPolicy::default(), 3);
    client.limit_by(&RunOptions {
        jumpcloud_per_minute: Some(0.0),
        assets_quotas: Some(false),
        ..RunOptions::default()
    });
    let pacer = client.pacer();
    for quota in Quota::ALL {
        assert_eq!(pacer.bucket(quota).rate(0.0), None, "{quota:?}");
    }
    drop(pacer);
    client.limit_by(&RunOptions {
        jumpcloud_per_minute: Some(30.0),
        ..RunOptions::default()
    });
    let rate = client.pacer().bucket(Quota::JumpCloud).rate(0.0).unwrap();
    assert_eq!(rate * MINUTE, 29.0, "30 a minute, 99 % of it");
}

#[test]
fn a_run_in_slices_reads_each_page_once_even_with_pages_asked_for_ahead() {
    let users = 1_000;
    let host = network(users, 80.0, documented());
    let opts = RunOptions {
        budget_ms: Some(300.0),
        ..options()
    };
    let (report, invocations) = fake::run_to_end(&opts, |o| sync(&host, o));
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert!(invocations > 3, "the read spanned slices: {invocations}");
    // The pages asked for ahead when a slice ran out of time were read, not dropped:
    // ceil(999 / 99) pages of 100, as in one invocation.
    assert_eq!(host.arrivals(Quota::JumpCloud).len(), 11);
    assert_eq!(host.user_objects().len(), users);
}

#[test]
fn the_imports_of_a_batch_share_one_jumpcloud_window_and_bad_limits_are_refused() {
    use tributary_sync::{run_all, RunAllOptions};
    // Two previews of 5,000 users in one invocation: 50 pages each, 100 together, one more
    // than a minute allows.
    let host = network(5_000, 80.0, documented());
    let import = |import_id: &str| RunOptions {
        import_id: import_id.into(),
        ..options()
    };
    let batch = RunAllOptions {
        imports: vec![import("users"), import("again")],
        budget_ms: Some(3_600_000.0),
        dry_run: true,
        ..RunAllOptions::default()
    };
    let report = host.drive(run_all(&host, &batch));
    assert!(
        report
            .imports
            .iter()
            .all(|r| r.status == RunStatus::Succeeded),
        "{report:#?}"
    );
    let pages = host.count("GET", "/api/systemusers");
    assert!(pages >= 100, "{pages} pages");
    assert!(
        most_in_a_minute(&host, Quota::JumpCloud) <= 99,
        "the window is the invocation's, not each import's"
    );

    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        let jumpcloud = RunOptions {
            jumpcloud_per_minute: Some(bad),
            ..options()
        };
        let storage = RunOptions {
            storage_per_minute: Some(bad),
            ..options()
        };
        for (name, options) in [
            ("jumpcloudPerMinute", jumpcloud),
            ("storagePerMinute", storage),
        ] {
            let report = sync(&host, &options);
            assert_eq!(report.status, RunStatus::Failed);
            let message = report.error.map(|e| e.message).unwrap_or_default();
            assert!(message.contains(name), "{message}");
        }
    }
}
