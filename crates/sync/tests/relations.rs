//! Relation fields against the in-memory host: a batch reads each JumpCloud graph route once,
//! however many of its imports read the relation.

mod fake;

use fake::{FakeHost, GROUPS};
use serde_json::json;
use tributary_sync::{block_on, run, run_all, RunAllOptions, RunOptions, RunStatus};

fn id(i: usize) -> String {
    format!("{i:024x}")
}

/// `n` users, each in `g-all`, every third in `g-third`; the Group objects exist.
fn host(n: usize) -> FakeHost {
    let host = FakeHost::new();
    *host.users.borrow_mut() = (0..n)
        .map(|i| json!({"_id": id(i), "firstname": format!("F{i}"), "lastname": "L", "email": format!("u{i}@example.com")}))
        .collect();
    for (name, members) in [
        ("g-all", (0..n).collect::<Vec<_>>()),
        ("g-third", (0..n).step_by(3).collect()),
    ] {
        host.groups
            .borrow_mut()
            .push((name.to_string(), members.into_iter().map(id).collect()));
        host.add_object(GROUPS, &[("31", name)]);
    }
    host
}

fn import(import_id: &str, filter: &str) -> RunOptions {
    RunOptions {
        import_id: import_id.into(),
        mapping_text: format!(
            "key:_id=JumpCloud ID\nmap:${{firstname}} ${{lastname}}=Name\nmap:memberof=Groups|JumpCloud ID=${{memberof}}\nconfig:api=systemusers\nconfig:objectType=10\n{filter}"
        ),
        budget_ms: Some(600_000.0),
        ..Default::default()
    }
}

/// The graph member pages the host served.
fn member_calls(host: &FakeHost) -> usize {
    host.requests
        .borrow()
        .iter()
        .filter(|r| r.path.contains("/members"))
        .count()
}

#[test]
fn two_imports_of_a_batch_read_each_groups_members_once() {
    let host = host(120);
    // g-all has 120 members (2 pages), g-third 40 (1 page).
    let alone = block_on(run(&host, &import("users", "")));
    assert_eq!(alone.status, RunStatus::Succeeded, "{alone:#?}");
    assert_eq!(member_calls(&host), 3);

    host.requests.borrow_mut().clear();
    let batch = RunAllOptions {
        imports: vec![
            import("users", ""),
            import("first-users", "config:filter=firstname:$eq:F0\n"),
        ],
        ..Default::default()
    };
    let report = block_on(run_all(&host, &batch));
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(
        member_calls(&host),
        3,
        "the second import reuses the first's answers"
    );
    // Both imports got every membership: the batch wrote nothing new over the first run.
    assert!(report
        .imports
        .iter()
        .all(|r| r.counts.updated == 0 && r.counts.failed == 0));
    assert_eq!(report.imports[1].counts.unchanged, 1);
    // The second import still lists the groups itself (one page), but no members.
    assert_eq!(report.imports[1].api_calls.jumpcloud, 2);

    // Separate runs do not share: each reads the members again.
    host.requests.borrow_mut().clear();
    block_on(run(
        &host,
        &import("first-users", "config:filter=firstname:$eq:F0\n"),
    ));
    assert_eq!(member_calls(&host), 3);
}
