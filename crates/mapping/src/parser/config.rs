//! `config:` lines: the api, filters, target, missing-object policy, deletion limit and
//! page size.

use tributary_models::jumpcloud::Collection;

use super::{bad_arg, LineItem};
use crate::ast::*;
use crate::diagnostic::{did_you_mean, Code, Diagnostic, Span};
use crate::lexer::{unquote, Piece, Raw};

/// The `config:` names.
pub const CONFIG_NAMES: &[&str] = &[
    "api",
    "filter",
    "filterOr",
    "objectSchema",
    "objectType",
    "missing",
    "maxDeletions",
    "maxClears",
    "pageSize",
];

/// One `config:` setting.
#[derive(Debug, Clone)]
pub(crate) enum Setting {
    Api(&'static Collection),
    Filter(Filter),
    AnyFilter(Filter),
    ObjectSchema(NameOrId),
    ObjectType(NameOrId),
    Missing(MissingPolicy),
    MaxDeletions(Limit),
    MaxClears(Limit),
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
            Setting::MaxClears(_) => "maxClears",
            Setting::PageSize(_) => "pageSize",
        }
    }
}

pub(super) fn config(
    pieces: &[Piece<'_>],
    body: &str,
    body_start: usize,
    pos: Pos,
    diags: &mut Vec<Diagnostic>,
) -> LineItem {
    let first = pieces[0];
    let name = first.name;
    if name.text.eq_ignore_ascii_case("data_limit") {
        // OnLink's cap on the records one run reads. Tributary reads every matching record
        // (and resumes across invocations), so the line is kept but has no effect.
        diags.push(
            Diagnostic::new(
                Code::DataLimitIgnored,
                pos.span,
                "`config:data_limit` has no effect: every record the filters match is read, with no per-run cap",
                "no per-run cap",
            )
            .with_hint("read fewer records with `config:filter=...`; `config:maxDeletions` guards what a run may retire")
            .with_note("OnLink's setting is accepted so a copied mapping keeps working"),
        );
        return LineItem::Verbatim;
    }
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
        "api" => match Collection::by_name(&value_text) {
            Some(api) => Setting::Api(api),
            None => {
                let names: Vec<&str> = Collection::ALL.iter().map(|c| c.name).collect();
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
            let target = NameOrId::of(value_text);
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
        "maxDeletions" | "maxClears" => match limit(&value_text) {
            Some(l) if known == "maxDeletions" => Setting::MaxDeletions(l),
            Some(l) => Setting::MaxClears(l),
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
    use missing_action::{DELETE, IGNORE, MARK};
    let action = value.trim().to_ascii_lowercase();
    let policy = match action.as_str() {
        IGNORE | DELETE => {
            if let Some(piece) = extra.first() {
                diags.push(bad_arg(
                    piece.span,
                    format!("`config:missing={action}` takes no `|` options"),
                    "only `mark` sets attributes, e.g. `config:missing=mark|Status=Inactive`"
                        .into(),
                ));
                return None;
            }
            if action == IGNORE {
                MissingPolicy::Ignore
            } else {
                MissingPolicy::Delete
            }
        }
        MARK => {
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
                    format!("expected {IGNORE}, {MARK} or {DELETE}"),
                )
                .with_hint_opt(
                    did_you_mean(value, MISSING_ACTIONS).map(|a| format!("did you mean '{a}'?")),
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
        "maxClears" => "config:maxClears=20%",
        _ => "config:pageSize=100",
    }
}
