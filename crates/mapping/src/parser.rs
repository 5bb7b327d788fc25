//! The recursive-descent parser: one directive a line, every problem collected, none fatal.

// Diagnostics are large, but only built on the error path; boxing them would add noise for nothing.
#![allow(clippy::result_large_err)]

use crate::ast::*;
use crate::datetime::{Pattern, PATTERN_FIELDS};
use crate::diagnostic::{closest, did_you_mean, Code, Diagnostic, Span};
use crate::lexer::{lines, pieces, top_level, unquote, Piece, Raw, RawLine};

/// The options that may follow a row's attribute, as the text spells them.
pub const ROW_OPTIONS: &[&str] = &[
    "arraySeparator",
    "when",
    "byKey",
    "lower",
    "upper",
    "trim",
    "replace",
    "extract",
    "split",
    "join",
    "parseDate",
    "formatDate",
    "number",
    "default",
    "first",
];

/// The `config:` names.
pub const CONFIG_NAMES: &[&str] = &[
    "api",
    "filter",
    "filterOr",
    "objectSchema",
    "objectType",
    "missing",
    "maxDeletions",
    "pageSize",
];

const DIRECTIVES: &[&str] = &["key", "map", "config"];

/// What one line of the text holds.
#[derive(Debug, Clone)]
pub(crate) enum LineItem {
    Blank,
    Comment(String),
    Row(Row),
    Config(Setting, Pos),
    /// A line that could not be read; the formatter keeps it as written.
    Verbatim,
}

/// One `config:` setting.
#[derive(Debug, Clone)]
pub(crate) enum Setting {
    Api(Api),
    Filter(Filter),
    AnyFilter(Filter),
    ObjectSchema(NameOrId),
    ObjectType(NameOrId),
    Missing(MissingPolicy),
    MaxDeletions(Limit),
    PageSize(u32),
}

impl Setting {
    /// The canonical `config:` name.
    pub fn name(&self) -> &'static str {
        match self {
            Setting::Api(_) => "api",
            Setting::Filter(_) => "filter",
            Setting::AnyFilter(_) => "filterOr",
            Setting::ObjectSchema(_) => "objectSchema",
            Setting::ObjectType(_) => "objectType",
            Setting::Missing(_) => "missing",
            Setting::MaxDeletions(_) => "maxDeletions",
            Setting::PageSize(_) => "pageSize",
        }
    }
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
        "config" => config(&pieces, body, body_start, pos, diags),
        "key" => row(RowKind::Key, &pieces, pos, diags),
        _ => row(RowKind::Map, &pieces, pos, diags),
    }
}

fn row(kind: RowKind, pieces: &[Piece<'_>], pos: Pos, diags: &mut Vec<Diagnostic>) -> LineItem {
    let directive = if kind == RowKind::Key { "key" } else { "map" };
    let first = pieces[0];
    let Some(attribute_raw) = first.value else {
        diags.push(
            Diagnostic::new(
                Code::MissingEquals,
                first.span,
                format!("expected `source=Attribute` after `{directive}:`"),
                "no `=` here",
            )
            .with_hint(format!("write e.g. `{directive}:firstname=First Name`")),
        );
        return LineItem::Verbatim;
    };
    let source = if first.name.text.is_empty() {
        diags.push(
            Diagnostic::new(
                Code::EmptySource,
                first.name.span,
                "the source is empty",
                "expected a JumpCloud field",
            )
            .with_hint("name the JumpCloud field to read, e.g. `map:jobTitle=Job Title`"),
        );
        None
    } else {
        source(first.name).map_err(|d| diags.push(d)).ok()
    };
    let attribute =
        match unquote(attribute_raw.text).unwrap_or_else(|| attribute_raw.text.to_string()) {
            a if a.trim().is_empty() => {
                diags.push(
                    Diagnostic::new(
                        Code::EmptyAttribute,
                        Span::new(
                            attribute_raw.span.start,
                            attribute_raw.span.end.max(first.span.end),
                        ),
                        "the attribute name is empty",
                        "expected an Assets attribute name",
                    )
                    .with_hint("name the Assets attribute to write, e.g. `=Job Title`"),
                );
                None
            }
            a => Some(a),
        };
    let mut row_lookup: Option<Lookup> = None;
    let mut transforms = Vec::new();
    let mut conditions = Vec::new();
    let mut array_separator = None;
    for piece in &pieces[1..] {
        let piece_pos = Pos {
            line: pos.line,
            span: piece.span,
        };
        match option(piece, piece_pos) {
            Ok(RowOption::Transform(t)) => transforms.push(Step {
                transform: t,
                pos: piece_pos,
            }),
            Ok(RowOption::When(c)) => conditions.push(c),
            Ok(RowOption::Separator(s)) => {
                if array_separator.replace(s).is_some() {
                    diags.push(conflict(piece.span, "`arraySeparator` is given twice"));
                }
            }
            Ok(RowOption::Lookup(l)) => {
                if row_lookup.is_some() {
                    diags.push(
                        conflict(piece.span, "a row can look its reference up one way only")
                            .with_note(
                            "`|Name=${x}` and `|byKey` each name how to find the referenced object",
                        ),
                    );
                } else {
                    row_lookup = Some(l);
                }
            }
            Err(d) => diags.push(d),
        }
    }
    if kind == RowKind::Key && (row_lookup.is_some() || !conditions.is_empty()) {
        diags.push(
            Diagnostic::new(
                Code::BadKey,
                pos.span,
                "the `key:` row cannot have a lookup or a `when` condition",
                "key row",
            )
            .with_note("the key must identify every record the same way, as plain text"),
        );
    }
    match (source, attribute) {
        (Some(source), Some(attribute)) => LineItem::Row(Row {
            kind,
            pos,
            source,
            attribute,
            attribute_pos: Pos {
                line: pos.line,
                span: attribute_raw.span,
            },
            lookup: row_lookup,
            transforms,
            conditions,
            array_separator,
        }),
        _ => LineItem::Verbatim,
    }
}

fn conflict(span: Span, message: &str) -> Diagnostic {
    Diagnostic::new(
        Code::ConflictingOptions,
        span,
        message,
        "conflicts with an earlier option",
    )
}

enum RowOption {
    Transform(Transform),
    When(Condition),
    Separator(String),
    Lookup(Lookup),
}

fn option(piece: &Piece<'_>, pos: Pos) -> Result<RowOption, Diagnostic> {
    let name = piece.name;
    if let Some(quoted) = unquote(name.text) {
        // A quoted name is always an attribute on the referenced object type.
        return lookup(quoted, piece, pos);
    }
    let known = ROW_OPTIONS
        .iter()
        .copied()
        .find(|o| o.eq_ignore_ascii_case(name.text));
    let Some(known) = known else {
        // `|Name=Finance` is a lookup; `|defualt=x` is a typo. Only a near miss of an option
        // name counts as a typo, so lookup attributes such as `First Name` stay lookups.
        let typo = closest(name.text, ROW_OPTIONS.iter().copied()).is_some();
        let is_lookup =
            piece.value.is_some_and(|v| v.text.contains("${")) || (piece.value.is_some() && !typo);
        let suggestion = did_you_mean(name.text, ROW_OPTIONS.iter().copied());
        if is_lookup && !name.text.is_empty() {
            return lookup(name.text.to_string(), piece, pos);
        }
        return Err(Diagnostic::new(
            Code::UnknownTransform,
            name.span,
            format!("unknown option '{}'", name.text),
            "not a transform or option",
        )
        .with_hint_opt(suggestion.map(|s| format!("did you mean '{s}'?")))
        .with_note(format!("options: {}", ROW_OPTIONS.join(", ")))
        .with_note("a reference lookup is written `|Attribute=${source}`"));
    };
    let no_arg = |t: Transform| match piece.value {
        None => Ok(RowOption::Transform(t)),
        Some(v) => Err(bad_arg(
            v.span,
            format!("`{known}` takes no value"),
            format!("write just `|{known}`"),
        )),
    };
    match known {
        "lower" => no_arg(Transform::Lower),
        "upper" => no_arg(Transform::Upper),
        "trim" => no_arg(Transform::Trim),
        "first" => no_arg(Transform::First),
        "byKey" => match piece.value {
            None => Ok(RowOption::Lookup(Lookup::ByKey { pos })),
            Some(v) => Err(bad_arg(
                v.span,
                "`byKey` takes no value".into(),
                "write just `|byKey`".into(),
            )),
        },
        "arraySeparator" => {
            let (sep, _) = single_arg(piece, known, false)?;
            Ok(RowOption::Separator(sep))
        }
        "when" => {
            let value = required(piece, known, "a condition such as `state=ACTIVATED`")?;
            Ok(RowOption::When(condition(value)?))
        }
        "replace" => {
            let value = required(piece, known, "`from,to`")?;
            let args = split_args(value)?;
            match <[String; 2]>::try_from(args) {
                Ok([from, to]) if !from.is_empty() => {
                    Ok(RowOption::Transform(Transform::Replace(from, to)))
                }
                _ => Err(bad_arg(
                    value.span,
                    "`replace` takes two values, `from,to`, and `from` cannot be empty".into(),
                    "e.g. `|replace=\"-\",\"\"`".into(),
                )),
            }
        }
        "extract" => {
            let (pattern, span) = single_arg(piece, known, false)?;
            // Parsing (not compiling) is enough to find syntax errors and is much cheaper.
            regex_syntax::Parser::new().parse(&pattern).map_err(|e| {
                Diagnostic::bad_regex(span, "this regular expression does not compile", &e)
            })?;
            Ok(RowOption::Transform(Transform::Extract(pattern)))
        }
        "split" => Ok(RowOption::Transform(Transform::Split(
            single_arg(piece, known, false)?.0,
        ))),
        "join" => Ok(RowOption::Transform(Transform::Join(
            single_arg(piece, known, true)?.0,
        ))),
        "default" => Ok(RowOption::Transform(Transform::Default(
            single_arg(piece, known, false)?.0,
        ))),
        "parseDate" | "formatDate" => {
            let (pattern, span) = single_arg(piece, known, false)?;
            Pattern::parse(&pattern).map_err(|e| {
                Diagnostic::new(Code::BadDateFormat, span, e, "bad date pattern")
                    .with_note(format!("fields: {PATTERN_FIELDS}"))
            })?;
            Ok(RowOption::Transform(if known == "parseDate" {
                Transform::ParseDate(pattern)
            } else {
                Transform::FormatDate(pattern)
            }))
        }
        "number" => match piece.value {
            None => Ok(RowOption::Transform(Transform::Number(None))),
            Some(_) => {
                let (decimal, span) = single_arg(piece, known, false)?;
                if decimal == "," || decimal == "." {
                    Ok(RowOption::Transform(Transform::Number(Some(decimal))))
                } else {
                    Err(bad_arg(
                        span,
                        "`number` takes the decimal separator, `.` or `,`".into(),
                        "e.g. `|number=,` for 1.234,5".into(),
                    ))
                }
            }
        },
        other => unreachable!("option {other} listed but not handled"),
    }
}

fn lookup(attribute: String, piece: &Piece<'_>, pos: Pos) -> Result<RowOption, Diagnostic> {
    let Some(value) = piece.value else {
        return Err(bad_arg(
            piece.span,
            format!("the lookup '{attribute}' has no value"),
            format!("write `|{attribute}=${{source}}`"),
        ));
    };
    if attribute.trim().is_empty() {
        return Err(Diagnostic::new(
            Code::EmptyAttribute,
            piece.name.span,
            "the lookup attribute name is empty",
            "expected an attribute name",
        ));
    }
    let value = template_of(value)?;
    Ok(RowOption::Lookup(Lookup::ByAttribute {
        attribute,
        value,
        pos,
    }))
}

fn bad_arg(span: Span, message: String, hint: String) -> Diagnostic {
    Diagnostic::new(Code::BadTransformArgument, span, message, "bad argument").with_hint(hint)
}

fn required<'a>(piece: &Piece<'a>, name: &str, what: &str) -> Result<Raw<'a>, Diagnostic> {
    match piece.value {
        Some(v) if !v.text.is_empty() => Ok(v),
        _ => Err(bad_arg(
            piece.span,
            format!("`{name}` needs {what}"),
            format!("write `|{name}=...`"),
        )),
    }
}

/// The one argument of an option: quoted text, or the bare text as written.
fn single_arg(piece: &Piece<'_>, name: &str, empty_ok: bool) -> Result<(String, Span), Diagnostic> {
    let value = match piece.value {
        Some(v) => v,
        None if empty_ok => return Ok((String::new(), piece.span)),
        None => {
            return Err(bad_arg(
                piece.span,
                format!("`{name}` needs a value"),
                format!("write `|{name}=...`"),
            ))
        }
    };
    let arg = unquote(value.text).unwrap_or_else(|| value.text.to_string());
    if arg.is_empty() && !empty_ok {
        return Err(bad_arg(
            piece.span,
            format!("`{name}` needs a non-empty value"),
            format!("write `|{name}=...`"),
        ));
    }
    Ok((arg, value.span))
}

fn split_args(value: Raw<'_>) -> Result<Vec<String>, Diagnostic> {
    let commas =
        top_level(value.text, ',').map_err(|e| e.diagnostic(value.span.start, value.text.len()))?;
    let mut out = Vec::new();
    let mut start = 0;
    for end in commas.into_iter().chain([value.text.len()]) {
        let arg = value.slice(start, end).text;
        out.push(unquote(arg).unwrap_or_else(|| arg.to_string()));
        start = end + 1;
    }
    Ok(out)
}

fn source(raw: Raw<'_>) -> Result<Source, Diagnostic> {
    if raw.text.starts_with('"') || raw.text.contains("${") {
        return Ok(Source::Template {
            template: template_of(raw)?,
        });
    }
    Ok(Source::Path { path: path(raw)? })
}

/// A template from quoted or bare text.
fn template_of(raw: Raw<'_>) -> Result<Template, Diagnostic> {
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

fn config(
    pieces: &[Piece<'_>],
    body: &str,
    body_start: usize,
    pos: Pos,
    diags: &mut Vec<Diagnostic>,
) -> LineItem {
    let first = pieces[0];
    let name = first.name;
    let Some(known) = CONFIG_NAMES
        .iter()
        .copied()
        .find(|c| c.eq_ignore_ascii_case(name.text))
    else {
        diags.push(
            Diagnostic::new(
                Code::UnknownConfig,
                name.span,
                format!("unknown setting 'config:{}'", name.text),
                "unknown setting",
            )
            .with_hint_opt(
                did_you_mean(name.text, CONFIG_NAMES.iter().copied())
                    .map(|c| format!("did you mean '{c}'?")),
            )
            .with_note(format!("settings: {}", CONFIG_NAMES.join(", "))),
        );
        return LineItem::Verbatim;
    };
    let Some(value) = first.value else {
        diags.push(
            Diagnostic::new(
                Code::MissingEquals,
                first.span,
                format!("expected `config:{known}=value`"),
                "no `=` here",
            )
            .with_hint(format!("write e.g. `{}`", config_example(known))),
        );
        return LineItem::Verbatim;
    };
    let is_filter = known == "filter" || known == "filterOr";
    // A filter is JumpCloud's own syntax, where `|` separates `in` values: it runs to the line end.
    let (value, extra) = if is_filter {
        (
            Raw::trimmed(&body[value.span.start - body_start..], value.span.start),
            &pieces[..0],
        )
    } else {
        (value, &pieces[1..])
    };
    let value_text = unquote(value.text).unwrap_or_else(|| value.text.to_string());
    if known != "missing" {
        if let Some(piece) = extra.first() {
            diags.push(bad_arg(
                piece.span,
                format!("`config:{known}` takes no `|` options"),
                format!("write e.g. `{}`", config_example(known)),
            ));
            return LineItem::Verbatim;
        }
    }
    let bad_value = |message: String| {
        Diagnostic::new(
            Code::BadConfigValue,
            value.span,
            message,
            "not allowed here",
        )
        .with_hint(format!("e.g. `{}`", config_example(known)))
    };
    let setting = match known {
        "api" => match Api::parse(&value_text) {
            Some(api) => Setting::Api(api),
            None => {
                let names: Vec<&str> = Api::ALL.iter().map(|a| a.name()).collect();
                diags.push(
                    Diagnostic::new(
                        Code::BadConfigValue,
                        value.span,
                        format!("unknown api '{value_text}'"),
                        "not a JumpCloud collection",
                    )
                    .with_hint_opt(
                        did_you_mean(&value_text, names.iter().copied())
                            .map(|n| format!("did you mean '{n}'?")),
                    )
                    .with_note(format!("apis: {}", names.join(", "))),
                );
                return LineItem::Verbatim;
            }
        },
        "filter" | "filterOr" => {
            let parts: Vec<&str> = value_text.splitn(3, ':').collect();
            match parts.as_slice() {
                [field, operator, value_part]
                    if !field.trim().is_empty() && !operator.trim().is_empty() =>
                {
                    let filter = Filter {
                        field: field.trim().to_string(),
                        operator: operator.trim().to_string(),
                        value: value_part.to_string(),
                        pos: Pos {
                            line: pos.line,
                            span: value.span,
                        },
                    };
                    if known == "filter" {
                        Setting::Filter(filter)
                    } else {
                        Setting::AnyFilter(filter)
                    }
                }
                _ => {
                    diags.push(
                        Diagnostic::new(
                            Code::BadFilter,
                            value.span,
                            format!("'{value_text}' is not `field:operator:value`"),
                            "bad filter",
                        )
                        .with_hint("e.g. `department:$eq:Finance`"),
                    );
                    return LineItem::Verbatim;
                }
            }
        }
        "objectSchema" | "objectType" => {
            if value_text.trim().is_empty() {
                diags.push(bad_value(format!("`config:{known}` needs a name or an id")));
                return LineItem::Verbatim;
            }
            let target = if value_text.bytes().all(|b| b.is_ascii_digit()) {
                NameOrId::Id(value_text)
            } else {
                NameOrId::Name(value_text)
            };
            if known == "objectSchema" {
                Setting::ObjectSchema(target)
            } else {
                Setting::ObjectType(target)
            }
        }
        "missing" => match missing_policy(&value_text, extra, value.span, diags) {
            Some(policy) => Setting::Missing(policy),
            None => return LineItem::Verbatim,
        },
        "maxDeletions" => match limit(&value_text) {
            Some(l) => Setting::MaxDeletions(l),
            None => {
                diags.push(bad_value(format!(
                    "'{value_text}' is not a count or a percentage from 0% to 100%"
                )));
                return LineItem::Verbatim;
            }
        },
        "pageSize" => match value_text.trim().parse::<u32>() {
            Ok(n) if (1..=100).contains(&n) => Setting::PageSize(n),
            _ => {
                diags.push(
                    bad_value(format!(
                        "page size '{value_text}' is not a whole number from 1 to 100"
                    ))
                    .with_note("JumpCloud returns at most 100 records a page"),
                );
                return LineItem::Verbatim;
            }
        },
        other => unreachable!("config {other} listed but not handled"),
    };
    LineItem::Config(setting, pos)
}

fn missing_policy(
    value: &str,
    extra: &[Piece<'_>],
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<MissingPolicy> {
    let action = value.trim().to_ascii_lowercase();
    let policy = match action.as_str() {
        "ignore" | "delete" => {
            if let Some(piece) = extra.first() {
                diags.push(bad_arg(
                    piece.span,
                    format!("`config:missing={action}` takes no `|` options"),
                    "only `mark` sets attributes, e.g. `config:missing=mark|Status=Inactive`"
                        .into(),
                ));
                return None;
            }
            if action == "ignore" {
                MissingPolicy::Ignore
            } else {
                MissingPolicy::Delete
            }
        }
        "mark" => {
            let mut set = Vec::new();
            for piece in extra {
                match piece.value {
                    Some(v) if !piece.name.text.is_empty() => set.push((
                        unquote(piece.name.text).unwrap_or_else(|| piece.name.text.to_string()),
                        unquote(v.text).unwrap_or_else(|| v.text.to_string()),
                    )),
                    _ => {
                        diags.push(bad_arg(
                            piece.span,
                            "expected `Attribute=value` after `mark`".into(),
                            "e.g. `config:missing=mark|Status=Inactive`".into(),
                        ));
                        return None;
                    }
                }
            }
            if set.is_empty() {
                diags.push(bad_arg(
                    span,
                    "`mark` needs the attribute to set".into(),
                    "e.g. `config:missing=mark|Status=Inactive`".into(),
                ));
                return None;
            }
            MissingPolicy::Mark { set }
        }
        _ => {
            diags.push(
                Diagnostic::new(
                    Code::BadConfigValue,
                    span,
                    format!("unknown missing-object action '{value}'"),
                    "expected ignore, mark or delete",
                )
                .with_hint_opt(
                    did_you_mean(value, ["ignore", "mark", "delete"])
                        .map(|a| format!("did you mean '{a}'?")),
                ),
            );
            return None;
        }
    };
    Some(policy)
}

fn limit(text: &str) -> Option<Limit> {
    let text = text.trim();
    match text.strip_suffix('%') {
        Some(p) => p
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|p| (0.0..=100.0).contains(p))
            .map(Limit::Percent),
        None => text.parse::<u64>().ok().map(Limit::Count),
    }
}

fn config_example(name: &str) -> &'static str {
    match name {
        "api" => "config:api=systemusers",
        "filter" => "config:filter=department:$eq:Finance",
        "filterOr" => "config:filterOr=lastname:$eq:Smith",
        "objectSchema" => "config:objectSchema=HR",
        "objectType" => "config:objectType=Employee",
        "missing" => "config:missing=mark|Status=Inactive",
        "maxDeletions" => "config:maxDeletions=5%",
        _ => "config:pageSize=100",
    }
}
