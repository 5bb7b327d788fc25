//! `key:` and `map:` rows: the source, the attribute and the `|` options after it
//! (transforms, `when`, `arraySeparator`, lookups).

use super::path::{condition, source, template_at, template_of};
use super::{bad_arg, LineItem};
use crate::ast::*;
use crate::datetime::{Pattern, PATTERN_FIELDS};
use crate::diagnostic::{closest, did_you_mean, Code, Diagnostic, Span};
use crate::lexer::{top_level, unquote, Piece, Raw};

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
    "objectType",
    "attributeType",
    "copy",
    "createMissing",
];

pub(super) fn row(
    kind: RowKind,
    pieces: &[Piece<'_>],
    pos: Pos,
    diags: &mut Vec<Diagnostic>,
) -> LineItem {
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
    let mut object_type = None;
    let mut attribute_type = None;
    let mut copy: Option<CopyFrom> = None;
    let mut create_missing: Option<Pos> = None;
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
                set_once(&mut array_separator, s, "arraySeparator", piece.span, diags)
            }
            Ok(RowOption::ObjectType(name)) => {
                set_once(&mut object_type, name, "objectType", piece.span, diags)
            }
            Ok(RowOption::Copy(c)) => set_once(&mut copy, c, "copy", piece.span, diags),
            Ok(RowOption::CreateMissing) => set_once(
                &mut create_missing,
                piece_pos,
                "createMissing",
                piece.span,
                diags,
            ),
            Ok(RowOption::AttributeType(t)) => {
                set_once(&mut attribute_type, t, "attributeType", piece.span, diags)
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
    if let Some(c) = &copy {
        if !matches!(row_lookup, Some(Lookup::ByKey { .. })) {
            diags.push(
                Diagnostic::new(
                    Code::ConflictingOptions,
                    c.pos.span,
                    "`copy` goes with `|byKey`",
                    "copy from which object?",
                )
                .with_hint(format!(
                    "write e.g. `map:manager={}|byKey|copy={}`: the object whose key is the value",
                    attribute_raw.text, c.attribute
                )),
            );
        }
    }
    if let Some(at) = &create_missing {
        if !matches!(row_lookup, Some(Lookup::ByAttribute { .. })) {
            diags.push(
                Diagnostic::new(
                    Code::ConflictingOptions,
                    at.span,
                    "`createMissing` goes with a lookup by attribute",
                    "create what, named how?",
                )
                .with_hint(format!(
                    "look the object up by an attribute of the referenced type, e.g. `map:{source}={}|Name=${{{source}}}|createMissing`: a missing object is created with that Name",
                    attribute_raw.text,
                    source = first.name.text,
                ))
                .with_note("`|byKey` references records of the import itself, which the import creates"),
            );
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
        (Some(source), Some(attribute)) => LineItem::Row(Box::new(Row {
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
            object_type,
            attribute_type,
            copy,
            create_missing,
        })),
        _ => LineItem::Verbatim,
    }
}

/// Sets an option that takes one value; says so when it was given already (the later wins).
fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    name: &str,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) {
    if slot.replace(value).is_some() {
        diags.push(conflict(span, &format!("`{name}` is given twice")));
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
    ObjectType(String),
    AttributeType(AttributeType),
    Copy(CopyFrom),
    CreateMissing,
}

fn option(piece: &Piece<'_>, pos: Pos) -> Result<RowOption, Diagnostic> {
    let name = piece.name;
    if let Some(quoted) = unquote(name.text) {
        // A quoted name is always an attribute on the referenced object type.
        return lookup(quoted, piece, pos);
    }
    // `|objectType=${x}` reads a value, so it is a lookup on an attribute of that name.
    let reads_value = piece.value.is_some_and(|v| v.text.contains("${"));
    let known = ROW_OPTIONS
        .iter()
        .copied()
        .find(|o| o.eq_ignore_ascii_case(name.text))
        .filter(|o| !(reads_value && ["objectType", "attributeType", "copy"].contains(o)));
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
        "createMissing" => match piece.value {
            None => Ok(RowOption::CreateMissing),
            Some(v) => Err(bad_arg(
                v.span,
                "`createMissing` takes no value".into(),
                "write just `|createMissing`".into(),
            )),
        },
        "objectType" => Ok(RowOption::ObjectType(single_arg(piece, known, false)?.0)),
        "copy" => Ok(RowOption::Copy(CopyFrom {
            attribute: single_arg(piece, known, false)?.0,
            pos,
        })),
        "attributeType" => {
            let (name, span) = single_arg(piece, known, false)?;
            let names = || AttributeType::ALL.iter().map(|t| t.name());
            AttributeType::parse(&name)
                .map(RowOption::AttributeType)
                .ok_or_else(|| {
                    bad_arg(
                        span,
                        format!("unknown attribute type '{name}'"),
                        did_you_mean(&name, names())
                            .map(|s| format!("did you mean '{s}'?"))
                            .unwrap_or_else(|| {
                                format!("one of: {}", names().collect::<Vec<_>>().join(", "))
                            }),
                    )
                })
        }
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
        "default" => {
            let (text, span) = single_arg(piece, known, false)?;
            if text.contains("${") {
                // `${...}`s are filled in per record, so they must parse as a template does.
                let quoted = piece.value.is_some_and(|v| v.text.starts_with('"'));
                template_at(&text, span.start + usize::from(quoted))?;
            }
            Ok(RowOption::Transform(Transform::Default(text)))
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Document;

    /// `ROW_OPTIONS` is the one list of option names (the page and the hints read it); every
    /// transform in it parses to the transform of that name.
    #[test]
    fn every_transform_option_parses_to_the_transform_of_its_name() {
        let argument = |name: &str| match name {
            "replace" => "=a,b",
            "number" | "lower" | "upper" | "trim" | "first" => "",
            "parseDate" | "formatDate" => "=%Y",
            _ => "=x",
        };
        for name in ROW_OPTIONS {
            if [
                "arraySeparator",
                "when",
                "byKey",
                "objectType",
                "attributeType",
                "copy",
                "createMissing",
            ]
            .contains(name)
            {
                continue;
            }
            let text = format!("key:_id=id\nmap:firstname=Name|{name}{}\n", argument(name));
            let doc = Document::parse(&text);
            assert!(!doc.has_errors(), "{name}: {:?}", doc.diagnostics);
            let transforms = &doc.mapping.rows[0].transforms;
            assert_eq!(transforms.len(), 1, "{name}");
            assert_eq!(transforms[0].transform.name(), *name);
        }
    }

    #[test]
    fn create_missing_goes_with_a_lookup_by_attribute_and_takes_no_value() {
        let doc = Document::parse(
            "key:_id=id\nmap:department=Department|Name=${department}|createMissing\n",
        );
        assert!(!doc.has_errors(), "{:?}", doc.diagnostics);
        assert!(doc.mapping.rows[0].create_missing.is_some());
        for (text, wanted) in [
            (
                "map:manager=Manager|byKey|createMissing",
                "`createMissing` goes with a lookup by attribute",
            ),
            (
                "map:department=Department|createMissing",
                "`createMissing` goes with a lookup by attribute",
            ),
            (
                "map:department=Department|Name=${department}|createMissing=yes",
                "`createMissing` takes no value",
            ),
        ] {
            let doc = Document::parse(&format!("key:_id=id\n{text}\n"));
            assert!(
                doc.diagnostics.iter().any(|d| d.message == wanted),
                "{text}: {:?}",
                doc.diagnostics
            );
        }
    }
}
