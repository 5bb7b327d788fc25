//! Golden tests: every `tests/golden/*.map` is parsed, checked against
//! `tests/golden/attributes.json` (with `referenced.json` for reference targets), rendered,
//! formatted and serialised; the result must equal the `.expected` file next to it.
//!
//! A `NAME.attributes.json` next to `NAME.map` replaces `attributes.json` for that file (for
//! checks that need another object type, such as required attributes). When the diagnostics
//! carry fixes, a `== fixed` section shows the text `tributary format --fix` makes.
//!
//! Re-bless after an intended change: `BLESS=1 cargo test -p tributary-mapping --test golden`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use tributary_mapping::{format, Code, Document, ReferencedAttributes};
use tributary_models::assets::ObjectTypeAttribute;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn load<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&fs::read_to_string(golden_dir().join(name)).unwrap()).unwrap()
}

/// The full expected output for one mapping text.
fn describe(
    file: &str,
    text: &str,
    attributes: &[ObjectTypeAttribute],
    referenced: &ReferencedAttributes,
) -> String {
    let doc = Document::parse(text);
    let diagnostics = doc.all_diagnostics(Some(attributes), Some(referenced));
    let rendered = doc.render(file, &diagnostics);
    let formatted = format(text);
    let fixed = if diagnostics.iter().any(|d| !d.fixes.is_empty()) {
        format!("== fixed\n{}\n", doc.fixed(&diagnostics))
    } else {
        String::new()
    };
    let mut json = doc.to_json();
    json.as_object_mut().unwrap().remove("diagnostics");
    format!(
        "== diagnostics\n{}\n== format\n{}\n{fixed}== json\n{}\n",
        if rendered.is_empty() {
            "(none)\n"
        } else {
            &rendered
        },
        formatted,
        serde_json::to_string_pretty(&json).unwrap()
    )
}

#[test]
fn golden_files() {
    let attributes: Vec<ObjectTypeAttribute> = load("attributes.json");
    let referenced: ReferencedAttributes = load("referenced.json");
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    let mut codes_seen = BTreeSet::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "map"))
        .collect();
    entries.sort();
    assert!(entries.len() > 30, "golden files are missing");
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = fs::read_to_string(&path).unwrap();
        let own = path.with_extension("attributes.json");
        let own: Option<Vec<ObjectTypeAttribute>> = own
            .exists()
            .then(|| serde_json::from_str(&fs::read_to_string(&own).unwrap()).unwrap());
        let attributes = own.as_deref().unwrap_or(&attributes);
        let actual = describe(&name, &text, attributes, &referenced);
        for diagnostic in
            Document::parse(&text).all_diagnostics(Some(attributes), Some(&referenced))
        {
            codes_seen.insert(diagnostic.code.as_str());
        }
        // Each E0xx/W0xx file must show the code it is named after.
        if let Some(code) = name.split('_').next().and_then(Code::parse) {
            assert!(
                actual.contains(&format!("[{}]", code.as_str())),
                "{name} does not produce {}",
                code.as_str()
            );
        }
        let expected_path = path.with_extension("expected");
        if bless {
            fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{name}: output differs from {}\n--- actual ---\n{actual}",
                expected_path.display()
            ));
        }
    }
    // Run failures (E1xx) come from runs, not from a mapping text alone.
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !c.is_run_failure())
        .map(|c| c.as_str())
        .filter(|c| !codes_seen.contains(c))
        .collect();
    assert!(missing.is_empty(), "no golden file produces {missing:?}");
    assert!(
        failures.is_empty(),
        "{}\n(re-bless with BLESS=1 if the change is intended)",
        failures.join("\n")
    );
}

#[test]
fn formatting_is_idempotent_and_keeps_meaning_for_every_golden_file() {
    for entry in fs::read_dir(golden_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "map") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let once = format(&text);
        assert_eq!(format(&once), once, "{} is not idempotent", path.display());
        assert_eq!(
            Document::parse(&once).mapping,
            Document::parse(&text).mapping,
            "{} changes meaning",
            path.display()
        );
    }
}

#[test]
fn every_code_is_documented() {
    let docs =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/mapping.md"))
            .unwrap();
    for code in Code::ALL {
        let row = format!(
            "| {} | {} |",
            code.as_str(),
            if code.severity() == tributary_mapping::Severity::Error {
                "error"
            } else {
                "warning"
            }
        );
        assert!(
            docs.contains(&row),
            "docs/mapping.md has no table row for {}",
            code.as_str()
        );
    }
}

#[test]
fn mapping_examples_in_the_docs_parse_cleanly() {
    let docs =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/mapping.md"))
            .unwrap();
    let blocks: Vec<&str> = docs
        .split("```")
        .skip(1)
        .step_by(2)
        .filter(|b| !b.contains("error["))
        .collect();
    assert!(blocks.len() >= 3);
    for block in blocks {
        let errors: Vec<String> = Document::parse(block)
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && d.code != Code::MissingKey)
            .map(|d| format!("{} {}:{} {}", d.code.as_str(), d.line, d.column, d.message))
            .collect();
        assert!(
            errors.is_empty(),
            "docs example does not parse:\n{block}\n{errors:?}"
        );
    }
}
