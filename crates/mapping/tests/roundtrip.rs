//! Property test: random mapping texts, well-formed or not, round-trip through the formatter.
//! `format` is idempotent and never changes what a text means.

use proptest::prelude::*;
use tributary_mapping::{format, Document};

/// Fragments that mapping lines are made of, including the troublesome ones.
const FRAGMENTS: &[&str] = &[
    "key:",
    "map:",
    "config:",
    "MAP :",
    "mpa:",
    "_id",
    "firstname",
    "addresses[type=work].locality",
    "a.0.b",
    "x.*.y",
    "phoneNumbers_where_type_eq_work.number",
    "jsonpath__a.*.b__where__a.*.c_eq_1",
    "${firstname}",
    "${",
    "{",
    "\r",
    "\u{feff}",
    "}",
    "\"",
    "\\",
    "=",
    "|",
    "[",
    "]",
    ".",
    ",",
    " ",
    "  ",
    "\t",
    "!",
    "#",
    "First Name",
    "Größe",
    "Job Title",
    "Name=${groups}",
    "arraySeparator=~",
    "lower",
    "upper",
    "trim",
    "replace=a,b",
    "replace=\" \",\"\"",
    "extract=(\\d+)",
    "split=\" \"",
    "join=\"\"",
    "parseDate=%d/%m/%Y",
    "formatDate=%Y",
    "number",
    "number=\",\"",
    "default=x",
    "first",
    "byKey",
    "when=state=ACTIVATED",
    "when=!manager",
    "when=a!=b",
    "api=systemusers",
    "filter=department:$eq:Finance",
    "filterOr=a:$eq:b",
    "missing=mark|Status=Inactive",
    "missing=delete",
    "maxDeletions=5%",
    "pageSize=50",
    "objectType=12",
    "objectSchema=HR",
    "\"JumpCloud\"",
    "\"a|b\"",
    "é",
    "日本",
    "0",
    "-1",
    "*",
];

/// How lines start: mostly directives, so that most lines get past the first check.
const STARTS: &[&str] = &[
    "key:", "map:", "map:", "map:", "config:", " MAP : ", "", "# ",
];

fn line() -> impl Strategy<Value = String> {
    (
        prop::sample::select(STARTS),
        prop::collection::vec(prop::sample::select(FRAGMENTS), 0..4),
        prop::sample::select(&["=", "=", "", "|"][..]),
        prop::collection::vec(prop::sample::select(FRAGMENTS), 0..5),
    )
        .prop_map(|(start, left, eq, right)| {
            format!("{start}{}{eq}{}", left.concat(), right.join("|"))
        })
}

fn text() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(line(), 0..8),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(lines, crlf, bom)| {
            let body = lines.join(if crlf { "\r\n" } else { "\n" });
            if bom {
                format!("\u{feff}{body}")
            } else {
                body
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn format_round_trips(text in text()) {
        let once = format(&text);
        prop_assert_eq!(&format(&once), &once, "not idempotent");
        prop_assert_eq!(Document::parse(&once).mapping, Document::parse(&text).mapping, "meaning changed:\n{}\n---\n{}", text, once);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC*") {
        let doc = Document::parse(&text);
        let _ = doc.render("x.map", &doc.diagnostics);
        let once = format(&text);
        prop_assert_eq!(format(&once), once.clone());
    }
}
