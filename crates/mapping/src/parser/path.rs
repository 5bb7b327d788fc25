//! Sources, paths (dotted, `[selectors]`, OnLink's `_where_` and `jsonpath__..__where__..`
//! forms), conditions and `${path}` templates.

use crate::ast::*;
use crate::diagnostic::{Code, Diagnostic, Fix, Span};
use crate::lexer::{top_level, unquote, Raw};

pub(super) fn source(raw: Raw<'_>) -> Result<Source, Diagnostic> {
    if raw.text.starts_with('"') || raw.text.contains("${") {
        return Ok(Source::Template {
            template: template_of(raw)?,
        });
    }
    Ok(Source::Path { path: path(raw)? })
}

/// A template from quoted or bare text.
pub(super) fn template_of(raw: Raw<'_>) -> Result<Template, Diagnostic> {
    match unquote(raw.text) {
        Some(content) => template(&content, raw.span.start + 1),
        None if raw.text.starts_with('"') => Err(Diagnostic::new(
            Code::UnterminatedQuote,
            raw.span,
            "text after the closing `\"`",
            "quote ends early",
        )
        .with_hint("put the whole value inside the quotes")),
        None => template(raw.text, raw.span.start),
    }
}

/// A template from unquoted text starting at byte `base` of the mapping text.
pub(crate) fn template_at(text: &str, base: usize) -> Result<Template, Diagnostic> {
    template(text, base)
}

fn template(text: &str, base: usize) -> Result<Template, Diagnostic> {
    let mut parts = Vec::new();
    let mut rest = 0;
    while let Some(found) = text[rest..].find("${") {
        let open = rest + found;
        if open > rest {
            parts.push(Part::Text(text[rest..open].to_string()));
        }
        let close = text[open..].find('}').map(|c| open + c).ok_or_else(|| {
            crate::lexer::LexError::Interpolation(0).diagnostic(base + open, text.len() - open)
        })?;
        if let Some(nested) = text[open + 2..close].find("${") {
            // `${a ${b}`: the first value is the one left open.
            return Err(
                crate::lexer::LexError::Interpolation(0).diagnostic(base + open, nested + 2)
            );
        }
        let inner = Raw::trimmed(&text[open + 2..close], base + open + 2);
        if inner.text.is_empty() {
            return Err(Diagnostic::new(
                Code::EmptySource,
                Span::new(base + open, base + close + 1),
                "`${}` names no field",
                "empty value",
            )
            .with_hint("write the JumpCloud field inside, e.g. `${firstname}`"));
        }
        parts.push(Part::Value(path(inner)?));
        rest = close + 1;
    }
    if rest < text.len() {
        parts.push(Part::Text(text[rest..].to_string()));
    }
    Ok(Template { parts })
}

fn bad_path(span: Span, message: impl Into<String>, hint: &str) -> Diagnostic {
    Diagnostic::new(Code::BadPath, span, message, "bad path").with_hint(hint.to_string())
}

/// Parses a source path, including OnLink's `_where_` and `jsonpath__..__where__..` forms.
pub(crate) fn path(raw: Raw<'_>) -> Result<Path, Diagnostic> {
    let text = raw.text;
    if text.is_empty() {
        return Err(Diagnostic::new(
            Code::EmptySource,
            raw.span,
            "the path is empty",
            "expected a field name",
        ));
    }
    if let Some(slash) = outside_brackets(text, '/') {
        // `workAssignments/0/reportsTo` reads as one field name that no record has.
        let dotted = slashes_to_dots(text);
        return Err(bad_path(
            Span::new(raw.span.start + slash, raw.span.start + slash + 1),
            format!("'{text}' uses `/` between fields"),
            &format!("paths are written with `.`: `{dotted}`"),
        )
        .with_fix(Fix::replace(raw.span, &dotted)));
    }
    let segments = if let Some(rest) = text.strip_prefix("jsonpath__") {
        jsonpath(raw, rest)?
    } else if let Some(at) = text.find("_where_") {
        where_form(raw, at)?
    } else {
        dotted(raw)?
    };
    Ok(Path {
        text: text.to_string(),
        segments,
    })
}

/// OnLink `<array>_where_<field>_eq_<value>[.<rest>]`.
fn where_form(raw: Raw<'_>, at: usize) -> Result<Vec<Segment>, Diagnostic> {
    let text = raw.text;
    let after = &text[at + "_where_".len()..];
    let eq = after.find("_eq_").ok_or_else(|| {
        bad_path(raw.span, "`_where_` needs `_eq_`", "write `<array>_where_<field>_eq_<value>`, e.g. `phoneNumbers_where_type_eq_work.number`")
    })?;
    let cond_start = at + "_where_".len();
    let value_start = cond_start + eq + "_eq_".len();
    reject_eq_any(raw, value_start)?;
    let value_end = text[value_start..]
        .find('.')
        .map_or(text.len(), |i| value_start + i);
    let mut segments = if at == 0 {
        Vec::new()
    } else {
        dotted(raw.slice(0, at))?
    };
    let cond_path = path(raw.slice(cond_start, cond_start + eq))?;
    segments.push(Segment::Filter(Box::new(Condition {
        path: cond_path,
        test: Test::Equals(text[value_start..value_end].to_string()),
    })));
    if value_end < text.len() {
        segments.extend(path(raw.slice(value_end + 1, text.len()))?.segments);
    }
    Ok(segments)
}

/// OnLink `jsonpath__<path with *>__where__<path with *>_eq_<value>`.
fn jsonpath(raw: Raw<'_>, rest: &str) -> Result<Vec<Segment>, Diagnostic> {
    let base = raw.text.len() - rest.len();
    let Some(where_at) = rest.find("__where__") else {
        return dotted(raw.slice(base, raw.text.len()));
    };
    let selected = dotted(raw.slice(base, base + where_at))?;
    let cond_start = base + where_at + "__where__".len();
    let eq = raw.text[cond_start..].find("_eq_").ok_or_else(|| {
        bad_path(
            raw.span,
            "`__where__` needs `_eq_`",
            "write `jsonpath__<path>__where__<path>_eq_<value>`",
        )
    })?;
    let condition = dotted(raw.slice(cond_start, cond_start + eq))?;
    reject_eq_any(raw, cond_start + eq + "_eq_".len())?;
    let value = raw.text[cond_start + eq + "_eq_".len()..].to_string();
    let star = condition
        .iter()
        .rposition(|s| *s == Segment::All)
        .ok_or_else(|| {
            bad_path(
                raw.span,
                "the `__where__` path has no `*`",
                "the condition path must go through the same `*` as the selected path",
            )
        })?;
    if selected.len() <= star || selected[..=star] != condition[..=star] {
        return Err(bad_path(
            raw.span,
            "the selected path and the `__where__` path do not share the part up to `*`",
            "e.g. `jsonpath__items.*.name__where__items.*.active_eq_true`",
        ));
    }
    let relative = condition[star + 1..].to_vec();
    let mut segments = selected[..star].to_vec();
    segments.push(Segment::Filter(Box::new(Condition {
        path: Path {
            text: segments_text(&relative),
            segments: relative,
        },
        test: Test::Equals(value),
    })));
    segments.extend_from_slice(&selected[star + 1..]);
    Ok(segments)
}

/// OnLink's `_eq_any_` (one of several values) would read as the value `any_...` and match
/// nothing, so it is an error that says what to write instead.
fn reject_eq_any(raw: Raw<'_>, value_start: usize) -> Result<(), Diagnostic> {
    if !raw.text[value_start..].starts_with("any_") {
        return Ok(());
    }
    Err(bad_path(
        Span::new(raw.span.start + value_start - "_eq_".len(), raw.span.start + value_start + 3),
        "`_eq_any_` (one of several values) is not supported",
        "match one value per row (`_eq_mobile`, or `[type=mobile]`), with `|when=` on rows that write the same attribute, or leave the condition out to read every element",
    ))
}

/// The byte offset of the first `wanted` outside `[...]` and quotes.
fn outside_brackets(text: &str, wanted: char) -> Option<usize> {
    let mut found = None;
    let _ = crate::lexer::scan(text, |at, ch, depth| {
        if ch == wanted && depth == 0 && found.is_none() {
            found = Some(at);
        }
    });
    found
}

/// `a/0/b` → `a.0.b`, leaving `/` inside `[...]` and quotes alone.
fn slashes_to_dots(text: &str) -> String {
    let mut out = text.to_string();
    while let Some(at) = outside_brackets(&out, '/') {
        out.replace_range(at..at + 1, ".");
    }
    out
}

fn segments_text(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| match s {
            Segment::Field(f) => f.clone(),
            Segment::Index(i) => i.to_string(),
            Segment::All => "*".to_string(),
            Segment::Filter(c) => format!("[{}]", c.path.text),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// `a.b[0].c[type=work].*`
fn dotted(raw: Raw<'_>) -> Result<Vec<Segment>, Diagnostic> {
    let dots =
        top_level(raw.text, '.').map_err(|e| e.diagnostic(raw.span.start, raw.text.len()))?;
    let mut segments = Vec::new();
    let mut start = 0;
    for end in dots.into_iter().chain([raw.text.len()]) {
        let part = raw.slice(start, end);
        if part.text.is_empty() {
            return Err(bad_path(
                raw.span,
                format!("'{}' has an empty segment", raw.text),
                "remove the extra `.`; write `a.b`, not `a..b` or `a.`",
            ));
        }
        segment(part, &mut segments)?;
        start = end + 1;
    }
    Ok(segments)
}

fn segment(raw: Raw<'_>, out: &mut Vec<Segment>) -> Result<(), Diagnostic> {
    let text = raw.text;
    let mut opens = Vec::new();
    let mut closes = Vec::new();
    crate::lexer::scan(text, |at, ch, depth| match (ch, depth) {
        ('[', 0) => opens.push(at),
        (']', 0) => closes.push(at),
        _ => {}
    })
    .map_err(|e| e.diagnostic(raw.span.start, text.len()))?;
    let name_end = opens.first().copied().unwrap_or(text.len());
    let name = &text[..name_end];
    match name {
        "" => {}
        "*" => out.push(Segment::All),
        n if n.bytes().all(|b| b.is_ascii_digit()) => {
            out.push(Segment::Index(n.parse().map_err(|_| {
                bad_path(
                    raw.span,
                    format!("index {n} is too large"),
                    "use a smaller index",
                )
            })?))
        }
        n if n.contains(']') => {
            return Err(bad_path(
                raw.span,
                format!("'{n}' has a `]` without `[`"),
                "remove the `]`",
            ))
        }
        n => out.push(Segment::Field(n.to_string())),
    }
    let mut expected = name_end;
    for (open, close) in opens.iter().zip(&closes) {
        if *open != expected {
            return Err(bad_path(
                raw.span,
                format!("unexpected '{}' between selectors", &text[expected..*open]),
                "write selectors back to back, e.g. `a[0][type=x]`",
            ));
        }
        let inner = raw.slice(open + 1, *close);
        match inner.text {
            "" => {
                return Err(bad_path(
                    inner.span,
                    "`[]` selects nothing",
                    "write `[0]`, `[*]` or `[field=value]`",
                ))
            }
            "*" => out.push(Segment::All),
            t if t
                .strip_prefix('-')
                .unwrap_or(t)
                .bytes()
                .all(|b| b.is_ascii_digit()) =>
            {
                out.push(Segment::Index(t.parse().map_err(|_| {
                    bad_path(inner.span, format!("bad index '{t}'"), "use a whole number")
                })?))
            }
            _ => out.push(Segment::Filter(Box::new(condition(inner)?))),
        }
        expected = close + 1;
    }
    if expected != text.len() {
        return Err(bad_path(
            raw.span,
            format!("unexpected '{}' after `]`", &text[expected..]),
            "continue the path with `.`, e.g. `addresses[type=work].locality`",
        ));
    }
    Ok(())
}

/// `path=value`, `path!=value`, `path` or `!path`.
pub(crate) fn condition(raw: Raw<'_>) -> Result<Condition, Diagnostic> {
    let text = raw.text;
    let eq = top_level(text, '=').map_err(|e| e.diagnostic(raw.span.start, text.len()))?;
    if let Some(&at) = eq.first() {
        let negated = text[..at].ends_with('!');
        let path_end = if negated { at - 1 } else { at };
        let value_raw = raw.slice(at + 1, text.len());
        let value = unquote(value_raw.text).unwrap_or_else(|| value_raw.text.to_string());
        let path = path(raw.slice(0, path_end))?;
        let test = if negated {
            Test::NotEquals(value)
        } else {
            Test::Equals(value)
        };
        return Ok(Condition { path, test });
    }
    match text.strip_prefix('!') {
        Some(_) => Ok(Condition {
            path: path(raw.slice(1, text.len()))?,
            test: Test::Absent,
        }),
        None => Ok(Condition {
            path: path(raw)?,
            test: Test::Present,
        }),
    }
}
