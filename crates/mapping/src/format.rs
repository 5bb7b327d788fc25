//! The canonical text: lower-case directives, no stray spaces, one blank line at most, LF
//! endings, quotes only where needed. Lines with errors are kept exactly as written.

use crate::ast::*;
use crate::lexer::{lines, quote};
use crate::parser::{parse_lines, LineItem, Setting, ROW_OPTIONS};

/// The canonical form of a mapping text. Idempotent, and the result parses to the same
/// mapping as the input.
pub fn format(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut pending_blank = false;
    for (raw, parsed) in lines(text).into_iter().zip(parse_lines(text)) {
        let has_error = parsed.diagnostics.iter().any(|d| d.is_error());
        let line = match parsed.item {
            LineItem::Blank => {
                pending_blank = !out.is_empty();
                continue;
            }
            LineItem::Comment(comment) => comment,
            LineItem::Row(row) if !has_error => row_text(&row),
            LineItem::Config(setting, _) if !has_error => setting_text(&setting),
            _ => raw.text.to_string(),
        };
        if pending_blank {
            out.push(String::new());
            pending_blank = false;
        }
        out.push(line);
    }
    if out.is_empty() {
        return String::new();
    }
    out.join("\n") + "\n"
}

/// Whether `text` can be written without quotes in a value position.
pub(crate) fn bare_ok(text: &str) -> bool {
    !text.is_empty()
        && text.trim() == text
        && !text.contains(['|', '"', '[', ']', ',', '='])
        && !text.contains("${")
}

fn bare_or_quoted(text: &str) -> String {
    if bare_ok(text) {
        text.to_string()
    } else {
        quote(text)
    }
}

/// A template; bare when it cannot be misread, quoted otherwise. A bare constant would read
/// as a path on the source side, so `bare_constant` says whether that is allowed.
fn template_text(template: &Template, bare_constant: bool) -> String {
    let mut text = String::new();
    let mut literal_ok = true;
    for part in &template.parts {
        match part {
            Part::Text(t) => {
                literal_ok &= !t.contains(['|', '"', '[', ']', '=']) && !t.contains("${");
                text.push_str(t);
            }
            Part::Value(path) => {
                text.push_str("${");
                text.push_str(&path.text);
                text.push('}');
            }
        }
    }
    let has_value = template.paths().next().is_some();
    let bare = literal_ok
        && !text.is_empty()
        && text.trim() == text
        && (has_value || (bare_constant && bare_ok(&text)));
    if bare {
        text
    } else {
        quote(&text)
    }
}

fn row_text(row: &Row) -> String {
    let keyword = match row.kind {
        RowKind::Key => "key",
        RowKind::Map => "map",
    };
    let source = match &row.source {
        Source::Path { path } => path.text.clone(),
        Source::Template { template } => template_text(template, false),
    };
    let mut text = format!("{keyword}:{source}={}", attribute_text(&row.attribute));
    if let Some(separator) = &row.array_separator {
        text.push_str(&format!("|arraySeparator={}", bare_or_quoted(separator)));
    }
    match &row.lookup {
        Some(Lookup::ByAttribute {
            attribute, value, ..
        }) => {
            let name = if is_option_like(attribute) {
                quote(attribute)
            } else {
                attribute_text(attribute)
            };
            text.push_str(&format!("|{name}={}", template_text(value, true)));
        }
        Some(Lookup::ByKey { .. }) => text.push_str("|byKey"),
        None => {}
    }
    if row.create_missing.is_some() {
        text.push_str("|createMissing");
    }
    if let Some(copy) = &row.copy {
        text.push_str(&format!("|copy={}", bare_or_quoted(&copy.attribute)));
    }
    if let Some(object_type) = &row.object_type {
        text.push_str(&format!("|objectType={}", bare_or_quoted(object_type)));
    }
    if let Some(attribute_type) = row.attribute_type {
        text.push_str(&format!("|attributeType={}", attribute_type.name()));
    }
    for step in &row.transforms {
        text.push('|');
        text.push_str(step.transform.name());
        let args = step.transform.args();
        if !args.is_empty() {
            let args: Vec<String> = args.iter().map(|a| bare_or_quoted(a)).collect();
            text.push('=');
            text.push_str(&args.join(","));
        }
    }
    for condition in &row.conditions {
        text.push_str("|when=");
        text.push_str(&condition_text(condition));
    }
    text
}

pub(crate) fn attribute_text(name: &str) -> String {
    if bare_ok(name) && !name.starts_with('#') {
        name.to_string()
    } else {
        quote(name)
    }
}

/// Whether an unquoted lookup name could read as an option (or a misspelt one).
pub(crate) fn is_option_like(name: &str) -> bool {
    crate::diagnostic::closest(name, ROW_OPTIONS.iter().copied()).is_some()
}

fn condition_text(condition: &Condition) -> String {
    let path = &condition.path.text;
    match &condition.test {
        Test::Equals(v) => format!("{path}={}", bare_or_quoted_allow_empty(v)),
        Test::NotEquals(v) => format!("{path}!={}", bare_or_quoted_allow_empty(v)),
        Test::Present => path.clone(),
        Test::Absent => format!("!{path}"),
    }
}

fn bare_or_quoted_allow_empty(text: &str) -> String {
    if text.is_empty() {
        "\"\"".to_string()
    } else {
        bare_or_quoted(text)
    }
}

fn setting_text(setting: &Setting) -> String {
    let value = match setting {
        Setting::Api(api) => api.name.to_string(),
        Setting::Filter(f) | Setting::AnyFilter(f) => {
            let query = f.query_value();
            // A filter runs to the line end: only a leading quote or unbalanced text needs quotes.
            if query.trim() == query && !query.starts_with('"') && balanced(&query) {
                query
            } else {
                quote(&query)
            }
        }
        Setting::ObjectSchema(t) | Setting::ObjectType(t) => bare_or_quoted(t.text()),
        Setting::Missing(policy @ (MissingPolicy::Ignore | MissingPolicy::Delete)) => {
            policy.action().to_string()
        }
        Setting::Missing(policy @ MissingPolicy::Mark { set }) => {
            let mut text = policy.action().to_string();
            for (name, value) in set {
                text.push_str(&format!(
                    "|{}={}",
                    attribute_text(name),
                    bare_or_quoted_allow_empty(value)
                ));
            }
            text
        }
        Setting::MaxDeletions(limit) | Setting::MaxClears(limit) => limit.describe(),
        Setting::PageSize(n) => n.to_string(),
    };
    format!("config:{}={value}", setting.name())
}

fn balanced(text: &str) -> bool {
    crate::lexer::scan(text, |_, _, _| {}).is_ok() && !text.contains(']')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_text() {
        let text = "\u{feff}  MAP : firstname = First Name  \r\n\r\n\r\n# note\r\nkey:_id=id\r\nmap:${a} ${b}=\"Full|Name\"|Upper|default=\"x, y\"\r\nbroken line\r\n";
        let expected = "map:firstname=First Name\n\n# note\nkey:_id=id\nmap:${a} ${b}=\"Full|Name\"|upper|default=\"x, y\"\nbroken line\n";
        assert_eq!(format(text), expected);
        assert_eq!(format(expected), expected);
    }

    #[test]
    fn repeated_byte_order_marks_and_carriage_returns_are_all_dropped() {
        // Found by the parse fuzz target.
        assert_eq!(format("\u{feff}\u{feff}mp x ="), "mp x =\n");
        // Also found by it: stray carriage returns before a line end.
        assert_eq!(format("mp a\r\r\r\nb\r"), "mp a\nb\n");
    }

    #[test]
    fn unquoting_a_template_keeps_where_values_end() {
        // Found by the parse fuzz target: a `{` inside `${...}` once made the bare form unbalanced.
        let text = "key:_id=id\nmap:\"${a{b} (${c})\"=X\n";
        let once = format(text);
        assert_eq!(once, "key:_id=id\nmap:${a{b} (${c})=X\n");
        assert_eq!(
            crate::Document::parse(&once).mapping,
            crate::Document::parse(text).mapping
        );
    }
}
