//! The client's per-request timeout, against a host whose request never answers.

mod fake;

use fake::{FakeHost, FaultKind};
use tributary_sync::client::{request, CallKind, Client};
use tributary_sync::{block_on, CallError, RetryPolicy, Service};

const WORKSPACE: &str = "/rest/servicedeskapi/assets/workspace";

fn workspace_request() -> tributary_sync::HttpRequest {
    request(Service::Jira, "GET", WORKSPACE.into(), None)
}

#[test]
fn an_unanswered_request_times_out_and_is_retried_with_backoff() {
    let host = FakeHost::new();
    host.fault("GET", WORKSPACE, 2, FaultKind::Hang);
    let client = Client::new(&host, RetryPolicy::default(), 7);
    let started = host.now.get();
    let response = block_on(client.send(CallKind::Read, workspace_request())).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(host.count("GET", WORKSPACE), 3);
    assert_eq!(client.calls().retries, 2);
    let warnings: Vec<_> = host.logs.borrow().iter().map(|(_, m)| m.clone()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings.iter().all(|m| m.contains("no answer within 60 s")),
        "{warnings:?}"
    );
    // Two full timeouts plus their backoffs (0.5–0.75 s, then 1–1.5 s) passed, nothing more.
    let waited = host.now.get() - started;
    assert!((121_500.0..=122_300.0).contains(&waited), "{waited}");
}

#[test]
fn the_timeout_is_the_policys_and_waited_in_short_slices() {
    let host = FakeHost::new();
    host.fault("GET", WORKSPACE, 1, FaultKind::Hang);
    let policy = RetryPolicy {
        timeout_ms: 1_100.0,
        ..RetryPolicy::default()
    };
    let client = Client::new(&host, policy, 7);
    block_on(client.send(CallKind::Read, workspace_request())).unwrap();
    let sleeps = host.sleeps.borrow();
    assert_eq!(
        sleeps[..5],
        [250.0, 250.0, 250.0, 250.0, 100.0],
        "{sleeps:?}"
    );
    assert_eq!(
        sleeps.len(),
        6,
        "the timeout slices, then one backoff: {sleeps:?}"
    );
}

#[test]
fn a_request_that_never_answers_fails_as_a_transport_error_after_every_attempt() {
    let host = FakeHost::new();
    host.fault("GET", WORKSPACE, u32::MAX, FaultKind::Hang);
    let client = Client::new(&host, RetryPolicy::default(), 7);
    let error = block_on(client.send(CallKind::Read, workspace_request())).unwrap_err();
    assert_eq!(error, CallError::Transport("no answer within 60 s".into()));
    assert_eq!(host.count("GET", WORKSPACE), 6);
}

#[test]
fn a_create_that_times_out_is_uncertain() {
    let host = FakeHost::new();
    host.fault("POST", "object/create", 1, FaultKind::Hang);
    let client = Client::new(&host, RetryPolicy::default(), 7);
    let create = request(
        Service::Jira,
        "POST",
        "/jsm/assets/workspace/ws/v1/object/create".into(),
        Some("{}".into()),
    );
    let error = block_on(client.send(CallKind::Create, create)).unwrap_err();
    assert_eq!(
        error,
        CallError::Uncertain("no response: no answer within 60 s".into())
    );
    assert_eq!(
        host.count("POST", "object/create"),
        1,
        "not sent again blindly"
    );
}

#[test]
fn an_answer_that_is_ready_at_once_starts_no_timer() {
    let host = FakeHost::new();
    let client = Client::new(&host, RetryPolicy::default(), 7);
    block_on(client.send(CallKind::Read, workspace_request())).unwrap();
    assert!(host.sleeps.borrow().is_empty());
}
