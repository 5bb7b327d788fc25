//! Plain-text rendering of diagnostics for terminals: the line, a caret under the span, the
//! hint and the notes. The settings page gets the same diagnostics as data instead.

use crate::diagnostic::{Diagnostic, LineIndex, Severity};

/// Renders `diagnostics` found in `text`; the empty string when there are none.
pub fn render(text: &str, file_name: &str, diagnostics: &[Diagnostic]) -> String {
    render_with(&LineIndex::new(text), file_name, diagnostics)
}

pub(crate) fn render_with(
    index: &LineIndex,
    file_name: &str,
    diagnostics: &[Diagnostic],
) -> String {
    if diagnostics.is_empty() {
        return String::new();
    }
    let gutter = diagnostics
        .iter()
        .map(|d| d.line)
        .max()
        .unwrap_or(1)
        .to_string()
        .len();
    let pad = " ".repeat(gutter);
    let mut out = String::new();
    for d in diagnostics {
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("{severity}[{}]: {}\n", d.code.as_str(), d.message));
        out.push_str(&format!("{pad}--> {file_name}:{}:{}\n", d.line, d.column));
        let line = index.line_text(d.line);
        out.push_str(&format!("{pad} |\n"));
        out.push_str(&format!("{:>gutter$} | {line}\n", d.line));
        let lead: String = line
            .chars()
            .take(d.column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let end_column = if d.end_line == d.line {
            d.end_column
        } else {
            line.chars().count() + 1
        };
        let width = end_column.saturating_sub(d.column).max(1);
        out.push_str(&format!(
            "{pad} | {lead}{} {}\n",
            "^".repeat(width),
            d.label
        ));
        if let Some(hint) = &d.hint {
            out.push_str(&format!("{pad} = hint: {hint}\n"));
        }
        for note in &d.notes {
            out.push_str(&format!("{pad} = note: {note}\n"));
        }
        out.push('\n');
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    out.push_str(&format!(
        "{} {}, {} {}\n",
        errors,
        plural(errors, "error"),
        warnings,
        plural(warnings, "warning")
    ));
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}
