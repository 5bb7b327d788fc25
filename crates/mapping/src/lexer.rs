//! The lexer: splits the text into lines and a line's body into `|` pieces and `=` sides,

// Diagnostics are large, but only built on the error path; boxing them would add noise for nothing.
#![allow(clippy::result_large_err)]
//! honouring quotes, `${...}` and `[...]` so that `=` or `|` inside them never split.

use crate::diagnostic::{Code, Diagnostic, Span};

/// One line of the text, without its line ending.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawLine<'a> {
    /// 1-based line number.
    pub number: usize,
    /// Byte offset of the line in the whole text.
    pub start: usize,
    /// The line, without `\n`/`\r\n` (and without a leading BOM on line 1).
    pub text: &'a str,
}

/// Splits a text into lines, accepting LF and CRLF endings and a leading byte order mark.
pub(crate) fn lines(text: &str) -> Vec<RawLine<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (index, line) in text.split('\n').enumerate() {
        let mut offset = start;
        // Every trailing `\r`, not just the one of CRLF: a stray one kept by a verbatim line
        // would be read as part of the line ending next time.
        let mut body = line.trim_end_matches('\r');
        if index == 0 {
            // Every leading byte order mark: one left behind would start the formatted text
            // and be dropped on the next read, so formatting would not be idempotent.
            let rest = body.trim_start_matches('\u{feff}');
            offset += body.len() - rest.len();
            body = rest;
        }
        out.push(RawLine {
            number: index + 1,
            start: offset,
            text: body,
        });
        start += line.len() + 1;
    }
    // A final newline does not start another line.
    if text.ends_with('\n') {
        out.pop();
    }
    out
}

/// A trimmed piece of text with its place in the whole mapping.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Raw<'a> {
    /// The text, trimmed of surrounding whitespace.
    pub text: &'a str,
    /// Where the trimmed text is.
    pub span: Span,
}

impl<'a> Raw<'a> {
    /// Trims `text`, found at byte offset `base`.
    pub fn trimmed(text: &'a str, base: usize) -> Self {
        let lead = text.len() - text.trim_start().len();
        let inner = text.trim();
        Self {
            text: inner,
            span: Span::new(base + lead, base + lead + inner.len()),
        }
    }

    /// A sub-slice `range` of this piece (byte offsets into `self.text`), trimmed.
    pub fn slice(&self, from: usize, to: usize) -> Raw<'a> {
        Raw::trimmed(&self.text[from..to], self.span.start + from)
    }
}

/// One `|`-separated piece of a line body: `name` or `name=value`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Piece<'a> {
    /// Left of the first top-level `=` (or the whole piece).
    pub name: Raw<'a>,
    /// Right of the first top-level `=`, when there is one.
    pub value: Option<Raw<'a>>,
    /// The whole piece.
    pub span: Span,
}

/// Why a piece of text could not be scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LexError {
    /// A `"` at this byte offset is never closed.
    Quote(usize),
    /// A `${` at this byte offset is never closed.
    Interpolation(usize),
    /// A `[` at this byte offset is never closed.
    Bracket(usize),
}

impl LexError {
    /// The diagnostic for this error in a text found at `base`, whose length is `len`.
    pub fn diagnostic(self, base: usize, len: usize) -> Diagnostic {
        let (code, at, message, label, hint) = match self {
            LexError::Quote(at) => (
                Code::UnterminatedQuote,
                at,
                "this quoted text has no closing `\"`",
                "quote opened here",
                "add a `\"` where the text ends; write `\\\"` for a quote inside it",
            ),
            LexError::Interpolation(at) => (
                Code::UnbalancedInterpolation,
                at,
                "`${` has no closing `}`",
                "opened here",
                "close the value with `}`, e.g. `${firstname}`",
            ),
            LexError::Bracket(at) => (
                Code::BadPath,
                at,
                "`[` has no closing `]`",
                "opened here",
                "close the selector with `]`, e.g. `addresses[type=work]`",
            ),
        };
        Diagnostic::new(code, Span::new(base + at, base + len), message, label).with_hint(hint)
    }
}

/// Walks `text`, calling `visit(offset, char, depth)` for every character that is outside
/// quotes and `${...}` (which ends at the first `}`). `depth` is the `[...]` nesting: an
/// opening `[` is visited with the depth before it, a closing `]` with the depth after it, so
/// top-level brackets have depth 0.
pub(crate) fn scan(text: &str, mut visit: impl FnMut(usize, char, usize)) -> Result<(), LexError> {
    let mut chars = text.char_indices().peekable();
    let mut depth = 0usize;
    let mut bracket_open = 0usize;
    while let Some((at, ch)) = chars.next() {
        match ch {
            '"' => skip_quote(&mut chars, at)?,
            '$' if chars.peek().map(|&(_, c)| c) == Some('{') => {
                chars.next();
                // The first `}` closes a value, exactly as the template parser reads it, so
                // quoting a template never changes where its values end.
                if !chars.any(|(_, c)| c == '}') {
                    return Err(LexError::Interpolation(at));
                }
            }
            '[' => {
                if depth == 0 {
                    bracket_open = at;
                }
                visit(at, ch, depth);
                depth += 1;
            }
            ']' => {
                depth = depth.saturating_sub(1);
                visit(at, ch, depth);
            }
            _ => visit(at, ch, depth),
        }
    }
    if depth > 0 {
        return Err(LexError::Bracket(bracket_open));
    }
    Ok(())
}

fn skip_quote(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    at: usize,
) -> Result<(), LexError> {
    loop {
        match chars.next() {
            None => return Err(LexError::Quote(at)),
            Some((_, '\\')) => {
                chars.next();
            }
            Some((_, '"')) => return Ok(()),
            Some(_) => {}
        }
    }
}

/// Byte offsets of the top-level occurrences of `wanted` in `text`.
pub(crate) fn top_level(text: &str, wanted: char) -> Result<Vec<usize>, LexError> {
    let mut out = Vec::new();
    scan(text, |at, ch, depth| {
        if ch == wanted && depth == 0 {
            out.push(at);
        }
    })?;
    Ok(out)
}

/// Splits a line body (found at byte offset `base`) into `|` pieces, each split at its first
/// top-level `=`.
pub(crate) fn pieces(body: &str, base: usize) -> Result<Vec<Piece<'_>>, Diagnostic> {
    let mut cuts = Vec::new();
    let mut first_eq: Vec<Option<usize>> = vec![None];
    scan(body, |at, ch, depth| {
        if depth > 0 {
            return;
        }
        match ch {
            '|' => {
                cuts.push(at);
                first_eq.push(None);
            }
            '=' => {
                let slot = first_eq.last_mut().expect("one slot per piece");
                slot.get_or_insert(at);
            }
            _ => {}
        }
    })
    .map_err(|e| e.diagnostic(base, body.len()))?;
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for (index, end) in cuts.iter().copied().chain([body.len()]).enumerate() {
        let text = &body[start..end];
        let piece = match first_eq[index] {
            Some(eq) => Piece {
                name: Raw::trimmed(&body[start..eq], base + start),
                value: Some(Raw::trimmed(&body[eq + 1..end], base + eq + 1)),
                span: Span::new(base + start, base + end),
            },
            None => Piece {
                name: Raw::trimmed(text, base + start),
                value: None,
                span: Span::new(base + start, base + end),
            },
        };
        out.push(piece);
        start = end + 1;
    }
    Ok(out)
}

/// The content of a text that is one whole quoted string (`"..."`), with `\"` and `\\`
/// unescaped; any other backslash stays as written (so regexes read naturally).
pub(crate) fn unquote(text: &str) -> Option<String> {
    let rest = text.strip_prefix('"')?;
    let mut out = String::with_capacity(rest.len());
    let mut chars = rest.char_indices();
    while let Some((at, ch)) = chars.next() {
        match ch {
            '\\' => match chars.next() {
                Some((_, c @ ('"' | '\\'))) => out.push(c),
                Some((_, c)) => {
                    out.push('\\');
                    out.push(c);
                }
                None => return None,
            },
            '"' => return (at + 1 == rest.len()).then_some(out),
            c => out.push(c),
        }
    }
    None
}

/// The quoted form of `text`, the inverse of [`unquote`].
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let chars: Vec<char> = text.chars().collect();
    for (i, &ch) in chars.iter().enumerate() {
        match ch {
            '"' => out.push_str("\\\""),
            // A backslash needs escaping only where unquote would read it as an escape.
            '\\' if matches!(chars.get(i + 1), None | Some('"') | Some('\\')) => {
                out.push_str("\\\\")
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_handle_bom_crlf_and_final_newline() {
        let text = "\u{feff}key:_id=id\r\nmap:a=B\n";
        let lines = lines(text);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "key:_id=id");
        assert_eq!(lines[0].start, 3);
        assert_eq!(lines[1].text, "map:a=B");
        assert_eq!(&text[lines[1].start..lines[1].start + 7], "map:a=B");
    }

    #[test]
    fn separators_inside_quotes_templates_and_brackets_do_not_split() {
        let body = r#"addresses[type=work].locality=City|Name=${a|b}|default="x|y=z""#;
        let p = pieces(body, 0).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].name.text, "addresses[type=work].locality");
        assert_eq!(p[0].value.unwrap().text, "City");
        assert_eq!(p[1].value.unwrap().text, "${a|b}");
        assert_eq!(p[2].value.unwrap().text, r#""x|y=z""#);
    }

    #[test]
    fn quote_round_trips() {
        for s in ["", "a\"b", "a\\", "E-(\\d+)", "\\\\\"", "x|y"] {
            assert_eq!(unquote(&quote(s)).as_deref(), Some(s), "{s:?}");
        }
        assert_eq!(unquote(r#""E-(\d+)""#).as_deref(), Some(r"E-(\d+)"));
        assert_eq!(unquote(r#""a"b"#), None);
    }

    #[test]
    fn unclosed_things_are_errors() {
        assert_eq!(scan("${a", |_, _, _| {}), Err(LexError::Interpolation(0)));
        assert_eq!(scan("x\"a", |_, _, _| {}), Err(LexError::Quote(1)));
        assert_eq!(scan("a[b", |_, _, _| {}), Err(LexError::Bracket(1)));
    }
}
