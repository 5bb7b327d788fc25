//! Plain-text rendering of diagnostics for terminals: the line, a caret under the span, the
//! hint and the notes. The settings page gets the same diagnostics as data instead.

use crate::diagnostic::{Diagnostic, LineIndex, Severity};
use crate::MAX_DIAGNOSTICS;

/// Lines longer than this many characters are shown as a window around the span.
const MAX_LINE_CHARS: usize = 160;

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
    let all = diagnostics;
    let diagnostics = &all[..all.len().min(MAX_DIAGNOSTICS)];
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
        let full_line = index.line_text(d.line);
        let line_chars = full_line.chars().count();
        let end_column = if d.end_line == d.line {
            d.end_column
        } else {
            line_chars + 1
        };
        let (line, column, end_column) = window(full_line, line_chars, d.column, end_column);
        out.push_str(&format!("{pad} |\n"));
        out.push_str(&format!("{:>gutter$} | {line}\n", d.line));
        let lead: String = line
            .chars()
            .take(column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let width = end_column.saturating_sub(column).max(1);
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
        for fix in &d.fixes {
            out.push_str(&format!("{pad} = fix: {}\n", fix.title));
        }
        out.push('\n');
    }
    if all.len() > diagnostics.len() {
        out.push_str(&format!(
            "... and {} more not shown (the first {MAX_DIAGNOSTICS} are)\n",
            all.len() - diagnostics.len()
        ));
    }
    let errors = all.iter().filter(|d| d.is_error()).count();
    let warnings = all.len() - errors;
    out.push_str(&format!(
        "{} {}, {} {}\n",
        errors,
        plural(errors, "error"),
        warnings,
        plural(warnings, "warning")
    ));
    out
}

/// The part of a long line around columns `column..end_column` (1-based), with `…` where it
/// is cut, and the columns within that part.
fn window(line: &str, chars: usize, column: usize, end_column: usize) -> (String, usize, usize) {
    if chars <= MAX_LINE_CHARS {
        return (line.to_string(), column, end_column);
    }
    let from = column.saturating_sub(1).saturating_sub(MAX_LINE_CHARS / 4);
    let to = (from + MAX_LINE_CHARS).min(chars);
    let mut shown: String = line.chars().skip(from).take(to - from).collect();
    let mut shift = from;
    if from > 0 {
        shown.insert(0, '…');
        shift -= 1;
    }
    if to < chars {
        shown.push('…');
    }
    let end_column = end_column.min(to + 1);
    (shown, column - shift, end_column.saturating_sub(shift))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}
