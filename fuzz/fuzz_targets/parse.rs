//! Any text: parsing, rendering and formatting never panic; formatting is idempotent and
//! keeps the meaning.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_mapping::{format, Document};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let doc = Document::parse(text);
    let _ = doc.render("fuzz.map", &doc.diagnostics);
    let _ = doc.to_json();
    let once = format(text);
    assert_eq!(format(&once), once, "format is not idempotent");
    assert!(
        Document::parse(&once).mapping == doc.mapping,
        "format changed the meaning"
    );
});
