//! The recursive-descent parser: one directive a line, every problem collected, none fatal.
//!
//! [`parse_lines`] splits the text into lines and dispatches each to [`row`] (`key:` / `map:`
//! rows and their `|` options) or [`config`] (`config:` settings); both read sources, paths,
//! conditions and templates with [`path`].

// Diagnostics are large, but only built on the error path; boxing them would add noise for nothing.
#![allow(clippy::result_large_err)]

mod config;
mod path;
mod row;

use crate::ast::*;
use crate::diagnostic::{did_you_mean, Code, Diagnostic, Span};
use crate::lexer::{lines, pieces, Raw, RawLine};

pub(crate) use config::Setting;
pub use config::CONFIG_NAMES;
pub(crate) use path::template_at;
pub use row::ROW_OPTIONS;

const DIRECTIVES: &[&str] = &["key", "map", "config"];

/// What one line of the text holds.
#[derive(Debug, Clone)]
pub(crate) enum LineItem {
    Blank,
    Comment(String),
    /// Boxed: a row is much larger than the other lines.
    Row(Box<Row>),
    Config(Setting, Pos),
    /// A line that could not be read; the formatter keeps it as written.
    Verbatim,
}

/// A parsed line and the problems found on it.
pub(crate) struct LineParse {
    pub item: LineItem,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses every line of `text`.
pub(crate) fn parse_lines(text: &str) -> impl Iterator<Item = LineParse> + '_ {
    lines(text).into_iter().map(parse_line)
}

fn parse_line(line: RawLine<'_>) -> LineParse {
    let mut diagnostics = Vec::new();
    let item = line_item(line, &mut diagnostics);
    LineParse { item, diagnostics }
}

fn line_item(line: RawLine<'_>, diags: &mut Vec<Diagnostic>) -> LineItem {
    let whole = Raw::trimmed(line.text, line.start);
    if whole.text.is_empty() {
        return LineItem::Blank;
    }
    if whole.text.starts_with('#') || whole.text.starts_with("//") {
        return LineItem::Comment(whole.text.to_string());
    }
    let pos = Pos {
        line: line.number,
        span: whole.span,
    };
    let keyword_end = whole.text.find(':').filter(|&i| {
        let word = whole.text[..i].trim_end();
        !word.is_empty() && word.chars().all(|c| c.is_ascii_alphabetic())
    });
    let Some(colon) = keyword_end else {
        let first_word: String = whole
            .text
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        diags.push(
            Diagnostic::new(
                Code::UnknownDirective,
                whole.span,
                "a line must start with `key:`, `map:` or `config:`",
                "not a directive",
            )
            .with_hint_opt(
                did_you_mean(&first_word, DIRECTIVES.iter().copied())
                    .map(|d| format!("did you mean '{d}:'?")),
            )
            .with_note("comments start with `#`"),
        );
        return LineItem::Verbatim;
    };
    let keyword = whole.slice(0, colon);
    let body_start = whole.span.start + colon + 1;
    let body = &whole.text[colon + 1..];
    let directive = keyword.text.to_ascii_lowercase();
    if !DIRECTIVES.contains(&directive.as_str()) {
        diags.push(
            Diagnostic::new(
                Code::UnknownDirective,
                keyword.span,
                format!("unknown directive '{}:'", keyword.text),
                "expected key, map or config",
            )
            .with_hint_opt(
                did_you_mean(keyword.text, DIRECTIVES.iter().copied())
                    .map(|d| format!("did you mean '{d}:'?")),
            ),
        );
        return LineItem::Verbatim;
    }
    let pieces = match pieces(body, body_start) {
        Ok(p) => p,
        Err(d) => {
            diags.push(d);
            return LineItem::Verbatim;
        }
    };
    match directive.as_str() {
        "config" => config::config(&pieces, body, body_start, pos, diags),
        "key" => row::row(RowKind::Key, &pieces, pos, diags),
        _ => row::row(RowKind::Map, &pieces, pos, diags),
    }
}

pub(super) fn bad_arg(span: Span, message: String, hint: String) -> Diagnostic {
    Diagnostic::new(Code::BadTransformArgument, span, message, "bad argument").with_hint(hint)
}
