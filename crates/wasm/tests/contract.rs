//! The TypeScript contract: every key the core serialises in a report, an option it reads, or
//! a vocabulary it hands out is declared in the `.d.ts` text the exports carry.

use serde_json::{json, Value};
use tributary_mapping::Document;
use tributary_sync::plan::RetireAction;
use tributary_sync::report::{
    ChangeView, CreateView, Guard, MissingView, Omitted, PlanView, UpdateView,
};
use tributary_sync::{
    ApiCalls, Counts, Progress, RecordError, RunAllReport, RunError, RunFailure, RunOptions,
    RunPhase, RunReport, RunStatus,
};
use wasm_bindgen_test::*;

fn types() -> String {
    format!(
        "{}\n{}",
        tributary_wasm::SYNC_TYPES,
        tributary_wasm::MAPPING_TYPES
    )
}

/// The `{...}` body of `export interface NAME`, or of `export type NAME = ... & {...}`.
fn body<'a>(ts: &'a str, name: &str) -> Option<&'a str> {
    let start = ts
        .find(&format!("export interface {name} "))
        .or_else(|| ts.find(&format!("export interface {name}<")))
        .or_else(|| ts.find(&format!("export type {name} ")))?;
    let open = start + ts[start..].find('{')?;
    let mut depth = 0;
    for (i, c) in ts[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&ts[open..open + i + 1]);
                }
            }
            _ => {}
        }
    }
    None
}

/// The type text written after `key:` or `key?:` in `scope`, if the key is declared there.
fn declared<'a>(scope: &'a str, key: &str) -> Option<&'a str> {
    for pattern in [format!("{key}:"), format!("{key}?:")] {
        let mut from = 0;
        while let Some(at) = scope[from..].find(&pattern) {
            let at = from + at;
            let before = scope[..at].chars().next_back();
            if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                let rest = &scope[at + pattern.len()..];
                let end = rest.find([';', '\n']).unwrap_or(rest.len());
                return Some(rest[..end].trim());
            }
            from = at + pattern.len();
        }
    }
    None
}

/// Checks every key of `value` against the interface `name`, following named interfaces.
fn check(ts: &str, value: &Value, scope: &str, path: &str, missing: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let Some(kind) = declared(scope, key) else {
                    missing.push(format!("{path}.{key}"));
                    continue;
                };
                let named = kind
                    .split(['<', ' ', '|'])
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches("[]");
                let inner_scope = body(ts, named).unwrap_or(scope);
                check(ts, inner, inner_scope, &format!("{path}.{key}"), missing);
            }
        }
        Value::Array(items) => {
            for item in items {
                check(ts, item, scope, path, missing);
            }
        }
        _ => {}
    }
}

fn assert_declared(value: Value, interface: &str) {
    let ts = types();
    let scope = body(&ts, interface).unwrap_or_else(|| panic!("no interface {interface}"));
    let mut missing = Vec::new();
    check(&ts, &value, scope, interface, &mut missing);
    assert!(
        missing.is_empty(),
        "undeclared in the TypeScript: {missing:?}"
    );
}

fn full_report() -> RunReport {
    let diagnostics = Document::parse("map:firstname=Name\n").diagnostics;
    let change = ChangeView {
        attribute: "Name".into(),
        old: vec!["a".into()],
        new: vec!["b".into()],
        old_labels: Some(vec!["A".into()]),
        new_labels: Some(vec!["B".into()]),
    };
    RunReport {
        run_id: "r1".into(),
        import_id: "users".into(),
        status: RunStatus::Failed,
        phase: RunPhase::Write,
        progress: Progress { done: 1, total: 2 },
        counts: Counts::default(),
        guard: Some(Guard {
            reason: "too many".into(),
        }),
        errors: vec![RecordError {
            key: "k".into(),
            attribute: Some("Name".into()),
            message: "bad".into(),
            level: tributary_sync::plan::Level::Warning,
        }],
        errors_omitted: 3,
        api_calls: ApiCalls::default(),
        duration_ms: 1.0,
        started_at: 1.0,
        finished_at: Some(2.0),
        invocations: 1,
        interrupted: 1,
        message: Some("m".into()),
        error: Some(RunFailure::from(&RunError::Mapping(
            tributary_sync::MappingError { diagnostics },
        ))),
        redeliver: true,
        retry_after_ms: Some(1.0),
        stale: true,
        object_type_id: Some("10".into()),
        plan: Some(PlanView {
            creates: vec![CreateView {
                key: "k".into(),
                label: Some("K".into()),
                changes: vec![change.clone()],
            }],
            updates: vec![UpdateView {
                key: "k".into(),
                label: Some("K".into()),
                object_key: "K-1".into(),
                changes: vec![change.clone()],
            }],
            unchanged: 1,
            missing: vec![MissingView {
                key: "k".into(),
                label: Some("K".into()),
                object_key: "K-2".into(),
                action: RetireAction::Mark,
                changes: vec![change],
            }],
            omitted: Omitted {
                creates: 1,
                updates: 1,
                missing: 1,
            },
        }),
        references_created: vec![tributary_sync::report::ReferenceCreate {
            object_type_id: "20".into(),
            attribute: "Name".into(),
            value: "Legal".into(),
            object_key: Some("D-3".into()),
        }],
        dry_run: true,
        results: Some(tributary_sync::engine::results::ResultsIndex {
            chunks: 1,
            total: 3,
            sizes: vec![3],
        }),
    }
}

#[wasm_bindgen_test]
fn every_report_key_is_declared() {
    let report = full_report();
    assert_declared(serde_json::to_value(&report).unwrap(), "SyncReport");
    let all = RunAllReport {
        run_id: "b1".into(),
        status: RunStatus::Continue,
        order: vec!["users".into()],
        imports: vec![report],
        not_needed: vec!["groups".into()],
    };
    assert_declared(serde_json::to_value(&all).unwrap(), "SyncAllReport");
}

#[wasm_bindgen_test]
fn every_option_is_declared() {
    let options = RunOptions {
        import_id: "users".into(),
        mapping_text: "key:_id=id".into(),
        workspace_id: Some("ws".into()),
        object_schema: Some("1".into()),
        object_type: Some("10".into()),
        dry_run: true,
        budget_ms: Some(1.0),
        run_id: Some("r".into()),
        resume: true,
        concurrency: Some(2),
        jumpcloud_per_minute: Some(50.0),
        assets_quotas: Some(false),
        storage_per_minute: Some(0.0),
        lease_ms: Some(1.0),
        plan_limit: Some(5),
        slice: Some(3),
        deadline_ms: Some(9.0),
        max_clears: Some(tributary_mapping::Limit::Percent(10.0)),
        only_as_dependency: true,
        keep_results: true,
    };
    let value = serde_json::to_value(&options).unwrap();
    assert_eq!(
        value["maxClears"],
        json!({"unit": "percent", "value": 10.0})
    );
    assert_eq!(
        value.as_object().unwrap().len(),
        20,
        "a new option needs a line here and in SyncOptions"
    );
    assert_declared(value, "SyncOptions");
    let all = tributary_sync::RunAllOptions {
        imports: vec![],
        run_id: Some("b".into()),
        resume: true,
        dry_run: true,
        budget_ms: Some(1.0),
        slice: Some(2),
        deadline_ms: Some(9.0),
    };
    assert_declared(serde_json::to_value(&all).unwrap(), "SyncAllOptions");
    let finished = tributary_sync::engine::FinishedSlice {
        import_id: Some("users".into()),
        import_ids: vec!["users".into()],
        run_id: "r".into(),
        slice: 1,
    };
    assert_declared(serde_json::to_value(&finished).unwrap(), "FinishedSlice");
    assert_declared(
        serde_json::to_value(tributary_sync::SampleOptions {
            mapping_text: "x".into(),
            limit: Some(1),
        })
        .unwrap(),
        "SampleOptions",
    );
    assert_declared(
        serde_json::to_value(tributary_sync::engine::assets::PickerOptions {
            workspace_id: Some("ws".into()),
            schema_id: Some("1".into()),
            object_type_id: Some("2".into()),
        })
        .unwrap(),
        "PickerOptions",
    );
}

#[wasm_bindgen_test]
fn every_run_status_is_in_the_status_type() {
    let ts = types();
    let start = ts.find("export type RunStatus =").unwrap();
    let line = &ts[start..start + ts[start..].find(';').unwrap()];
    for status in RunStatus::ALL {
        assert!(line.contains(&format!("'{}'", status.name())), "{line}");
    }
}

#[wasm_bindgen_test]
fn the_vocabulary_and_diagnostics_are_declared() {
    assert_declared(
        serde_json::to_value(tributary_sync::vocabulary()).unwrap(),
        "Vocabulary",
    );
    let mut diagnostic = Document::parse("map:firstname=Name\n")
        .diagnostics
        .remove(0);
    diagnostic.hint = Some("h".into());
    diagnostic.notes.push("n".into());
    diagnostic
        .fixes
        .push(tributary_mapping::Fix::replace(diagnostic.span, "x"));
    assert_declared(serde_json::to_value(&diagnostic).unwrap(), "Diagnostic");
    let validation = tributary_mapping::Validation::capped(vec![diagnostic]);
    assert_declared(serde_json::to_value(&validation).unwrap(), "Validation");
}

#[wasm_bindgen_test]
fn every_schema_setup_key_is_declared() {
    use tributary_mapping::Document;
    use tributary_sync::engine::schema::{
        Created, MappingText, SchemaOptions, SchemaReport, SchemaStatus,
    };
    use tributary_sync::schema::{plan_schema, ExistingType, NamedMapping};

    let options = SchemaOptions {
        mappings: vec![MappingText {
            name: "users.map".into(),
            text: "key:_id=JumpCloud ID".into(),
            object_schema: Some("1".into()),
            object_type: Some("User".into()),
        }],
        dry_run: true,
        workspace_id: Some("ws".into()),
    };
    assert_declared(serde_json::to_value(&options).unwrap(), "SchemaOptions");

    let doc = Document::parse(
        "key:_id=JumpCloud ID\nmap:manager=Manager|byKey\nmap:department=Department|Name=${department}\nconfig:objectSchema=People\nconfig:objectType=User\n",
    );
    let existing =
        std::collections::BTreeMap::from([("People".to_string(), Vec::<ExistingType>::new())]);
    let plan = plan_schema(
        &[NamedMapping {
            name: "users.map",
            mapping: &doc.mapping,
        }],
        &existing,
    );
    assert!(!plan.creates.is_empty() && !plan.problems.is_empty());
    let report = SchemaReport {
        status: SchemaStatus::Partial,
        dry_run: false,
        created: plan
            .creates
            .into_iter()
            .map(|create| Created {
                create,
                id: Some("7".into()),
            })
            .collect(),
        present: 1,
        labels: vec![tributary_sync::schema::SchemaLabel {
            object_schema: "People".into(),
            object_type: "User".into(),
            attribute: "Email".into(),
        }],
        problems: plan.problems,
        error: Some(RunFailure::from(&RunError::NoTargetType)),
        mapping: Some("users.map".into()),
        workspace_id: Some("ws".into()),
    };
    assert_declared(serde_json::to_value(&report).unwrap(), "SchemaReport");
}
