//! Checks across lines (one key, no duplicate targets, filters that fit the api) and against an
//! Assets object type's attributes.

use std::collections::BTreeMap;

use tributary_models::assets::{AttributeKind, DefaultType, ObjectTypeAttribute};
use tributary_models::jumpcloud::{Collection, FieldType};

use crate::ast::*;
use crate::diagnostic::{closest, did_you_mean, Code, Diagnostic, Fix, Span};
use crate::format::{attribute_text, bare_ok, is_option_like};
use crate::lexer::quote;
use crate::parser::Setting;
use crate::{values, ReferencedAttributes};

/// Adds a parsed row to the mapping; a second `key:` line is reported, not added.
pub(crate) fn add_row(mapping: &mut Mapping, row: Row, diags: &mut Vec<Diagnostic>) {
    if row.kind == RowKind::Map {
        mapping.rows.push(row);
        return;
    }
    match &mapping.key {
        Some(first) => diags.push(
            Diagnostic::new(
                Code::DuplicateKey,
                row.pos.span,
                "a mapping has one `key:` line",
                "second key",
            )
            .with_note(format!("the first `key:` is on line {}", first.pos.line))
            .with_hint("turn this line into `map:` or remove it"),
        ),
        None => mapping.key = Some(row),
    }
}

/// Applies a `config:` setting; settings that may appear once are reported when repeated.
pub(crate) fn add_setting(
    config: &mut Config,
    setting: Setting,
    pos: Pos,
    seen: &mut BTreeMap<&'static str, usize>,
    diags: &mut Vec<Diagnostic>,
) {
    let name = setting.name();
    let repeatable = matches!(setting, Setting::Filter(_) | Setting::AnyFilter(_));
    if !repeatable {
        if let Some(first_line) = seen.get(name) {
            diags.push(
                Diagnostic::new(
                    Code::DuplicateConfig,
                    pos.span,
                    format!("`config:{name}` is set twice"),
                    "set again here",
                )
                .with_note(format!("first set on line {first_line}"))
                .with_hint("keep one of the two lines"),
            );
            return;
        }
        seen.insert(name, pos.line);
    }
    match setting {
        Setting::Api(api) => config.api = Some(api),
        Setting::Filter(f) => config.filters.push(f),
        Setting::AnyFilter(f) => config.any_filters.push(f),
        Setting::ObjectSchema(s) => config.object_schema = Some(s),
        Setting::ObjectType(t) => config.object_type = Some(t),
        Setting::Missing(m) => {
            config.missing = m;
            config.missing_pos = Some(pos);
        }
        Setting::MaxDeletions(l) => config.max_deletions = Some(l),
        Setting::MaxClears(l) => config.max_clears = Some(l),
        Setting::PageSize(n) => config.page_size = Some(n),
    }
}

/// Checks that need the whole text.
pub(crate) fn document(mapping: &Mapping, diags: &mut Vec<Diagnostic>) {
    if mapping.key.is_none() {
        diags.push(
            Diagnostic::new(
                Code::MissingKey,
                Span::new(0, 0),
                "the mapping has no `key:` line",
                "no key",
            )
            .with_hint("add e.g. `key:_id=JumpCloud ID`")
            .with_note("the key tells which Assets object each JumpCloud record updates"),
        );
    }
    if mapping.config.api.is_none() {
        diags.push(
            Diagnostic::new(
                Code::MissingApi,
                Span::new(0, 0),
                "no `config:api` line; the import reads `systemusers`",
                "no api",
            )
            .with_hint("add `config:api=systemusers` to make it explicit"),
        );
    }
    if mapping.rows.is_empty() {
        diags.push(
            Diagnostic::new(
                Code::NoRows,
                Span::new(0, 0),
                "the mapping has no `map:` lines",
                "nothing mapped",
            )
            .with_hint("add e.g. `map:email=Email`"),
        );
    }
    let mut targets: BTreeMap<String, &Row> = BTreeMap::new();
    for row in mapping.all_rows().filter(|r| r.conditions.is_empty()) {
        let name = row.attribute.to_lowercase();
        match targets.get(&name) {
            Some(first) => diags.push(
                Diagnostic::new(
                    Code::DuplicateTarget,
                    row.attribute_pos.span,
                    format!("'{}' is written by two rows", row.attribute),
                    "written again",
                )
                .with_note(format!("first written on line {}", first.pos.line))
                .with_hint("remove one row, or add `|when=...` to both so only one applies"),
            ),
            None => {
                targets.insert(name, row);
            }
        }
    }
    let api = mapping.config.api_or_default();
    let operators = api.filters.operators;
    for filter in mapping
        .config
        .filters
        .iter()
        .chain(&mapping.config.any_filters)
    {
        if !api.filters.accepts(&filter.operator) {
            let hint = did_you_mean(&filter.operator, operators.iter().copied())
                .map(|o| format!("did you mean '{o}'?"));
            diags.push(
                Diagnostic::new(
                    Code::BadFilter,
                    filter.pos.span,
                    format!(
                        "`{}` does not accept the operator '{}'",
                        api.name, filter.operator
                    ),
                    "bad operator",
                )
                .with_hint_opt(hint)
                .with_note(format!("operators: {}", operators.join(" "))),
            );
        }
    }
    if mapping.config.missing == MissingPolicy::Delete && mapping.config.max_deletions.is_none() {
        diags.push(
            Diagnostic::new(
                Code::UnguardedDeletion,
                mapping
                    .config
                    .missing_pos
                    .map(|p| p.span)
                    .unwrap_or_default(),
                "objects missing from JumpCloud are deleted with no limit",
                "no guard",
            )
            .with_hint(
                "add e.g. `config:maxDeletions=5%` so a bad filter cannot empty the object type",
            ),
        );
    }
    // Place the whole-text diagnostics on the line that matters most, when there is one.
    if let Some(line) = mapping.rows.first().map(|r| r.pos.span) {
        for diag in diags
            .iter_mut()
            .filter(|d| d.code == Code::MissingKey && d.span == Span::new(0, 0))
        {
            diag.span = Span::new(line.start, line.start);
        }
    }
}

/// Warns about every source path whose first field the collection's records do not have (the
/// vendor spec's fields plus the documented dynamic ones): a typo there silently blanks a column.
pub(crate) fn source_fields(mapping: &Mapping, text: &str, diags: &mut Vec<Diagnostic>) {
    let api = mapping.config.api_or_default();
    if api.fields.is_empty() {
        return;
    }
    let known: Vec<&str> = api
        .fields
        .iter()
        .map(|f| f.name)
        .chain(api.dynamic_fields.iter().map(|d| d.field.name))
        .collect();
    // Long mappings repeat the same unknown names: each is looked up once.
    let mut suggestions: BTreeMap<String, (Option<&str>, Option<&str>)> = BTreeMap::new();
    for row in mapping.all_rows() {
        let mut paths = Vec::new();
        row.read_paths(&mut paths);
        let defaults = row.default_fields();
        let mut reported: Vec<&str> = Vec::new();
        let roots = paths
            .iter()
            .filter_map(|p| p.root_field())
            .chain(defaults.iter().map(String::as_str));
        for root in roots {
            if api.field(root).is_some() || reported.contains(&root) {
                continue;
            }
            reported.push(root);
            // The field as written on the row's line (after the directive), else the line.
            let line = text
                .get(row.pos.span.start..row.pos.span.end)
                .unwrap_or_default();
            let after_directive = line.find(':').map_or(0, |i| i + 1);
            let at = |i: usize| {
                let start = row.pos.span.start + after_directive + i;
                Span::new(start, start + root.len())
            };
            let span = line[after_directive..]
                .find(root)
                .map(at)
                .unwrap_or(row.pos.span);
            let found = find_word(&line[after_directive..], root).map(at);
            let (suggestion, near) = *suggestions.entry(root.to_string()).or_insert_with(|| {
                (
                    did_you_mean(root, known.iter().copied()),
                    closest(root, known.iter().copied()),
                )
            });
            // Only a near miss (not a mere prefix) is fixed, and only where the field is found
            // as a whole name: a fix must replace exactly the field.
            let fix = found.zip(near).map(|(at, s)| Fix::replace(at, s));
            diags.push(
                Diagnostic::new(
                    Code::UnknownSourceField,
                    span,
                    format!(
                        "'{root}' is not a field of JumpCloud {} records, so this row would stay empty",
                        api.name
                    ),
                    "unknown field",
                )
                .with_hint_opt(suggestion.map(|s| format!("did you mean '{s}'?")))
                .with_note("field names are case-sensitive; custom attributes are read with `attributes[name=costCenter].value`")
                .with_fix_opt(fix),
            );
        }
    }
}

/// The offset of `word` in `text` where it is a whole name (not part of a longer one, as
/// `name` is in `lastname`), so a fix replaces exactly the field.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let name_char = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).map(|(i, _)| i).find(|&i| {
        !text[..i].chars().next_back().is_some_and(name_char)
            && !text[i + word.len()..].chars().next().is_some_and(name_char)
    })
}

/// JumpCloud fields that hold arrays: a row reading one of them whole yields several values.
const ARRAY_FIELDS: &[&str] = &[
    "addresses",
    "attributes",
    "phoneNumbers",
    "ssh_keys",
    "relationships",
    "memberof",
    "networkInterfaces",
    "userMetrics",
    "sshdParams",
    "restrictedFields",
    "connectionHistory",
    "builtInCommands",
    "groups",
];

/// JumpCloud fields that hold free text (never numbers, booleans or dates).
const TEXT_FIELDS: &[&str] = &[
    "_id",
    "username",
    "email",
    "alternateEmail",
    "firstname",
    "middlename",
    "lastname",
    "displayname",
    "jobTitle",
    "department",
    "company",
    "costCenter",
    "employeeType",
    "location",
    "description",
    "manager",
    "organization",
    "hostname",
    "displayName",
    "os",
    "arch",
    "serialNumber",
    "name",
];

/// Checks every row against the object type's attributes.
pub(crate) fn attributes(
    mapping: &Mapping,
    attributes: &[ObjectTypeAttribute],
    referenced: Option<&ReferencedAttributes>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let key_attribute = mapping.key.as_ref().map(|k| k.attribute.as_str());
    let api = mapping.config.api_or_default();
    for row in mapping.all_rows() {
        let context = RowContext { row, referenced };
        let Some(attr) = find(
            attributes,
            &row.attribute,
            row.attribute_pos.span,
            Some(context),
            &mut diags,
        ) else {
            continue;
        };
        check_row(row, attr, key_attribute, referenced, &mut diags);
        match &row.copy {
            // The value is another object's attribute: its type is that attribute's, not
            // the JumpCloud field's, and the lookup is on this type's own key.
            Some(copy) => {
                find(attributes, &copy.attribute, copy.pos.span, None, &mut diags);
            }
            None => check_field_type(row, attr, api, &mut diags),
        }
    }
    required_attributes(mapping, attributes, referenced, &mut diags);
    if let MissingPolicy::Mark { set } = &mapping.config.missing {
        // The `config:missing` line has no per-attribute positions; point at the whole setting.
        let span = mapping
            .config
            .missing_pos
            .map(|p| p.span)
            .unwrap_or_default();
        for (name, value) in set {
            if let Some(attr) = find(attributes, name, span, None, &mut diags) {
                check_constant(attr, value, span, &mut diags);
            }
        }
    }
    diags
}

/// The row an attribute name was written on, for fixes that rewrite it.
#[derive(Clone, Copy)]
struct RowContext<'a> {
    row: &'a Row,
    referenced: Option<&'a ReferencedAttributes>,
}

/// The attribute named `name`: exact, or ignoring case (with a warning), or a diagnostic.
/// With the row it is written on, the diagnostics carry a fix rewriting the name.
fn find<'a>(
    attributes: &'a [ObjectTypeAttribute],
    name: &str,
    span: Span,
    row: Option<RowContext<'_>>,
    diags: &mut Vec<Diagnostic>,
) -> Option<&'a ObjectTypeAttribute> {
    if let Some(attr) = attributes.iter().find(|a| a.name == name) {
        return Some(attr);
    }
    if let Some(attr) = attributes
        .iter()
        .find(|a| a.name.to_lowercase() == name.to_lowercase())
    {
        diags.push(
            Diagnostic::new(
                Code::CaseMismatch,
                span,
                format!(
                    "'{name}' matches the attribute '{}' only when case is ignored",
                    attr.name
                ),
                "case differs",
            )
            .with_hint(format!("write '{}'", attr.name))
            .with_fix_opt(row.map(|_| Fix::replace(span, &attribute_text(&attr.name)))),
        );
        return Some(attr);
    }
    let names: Vec<&str> = attributes.iter().map(|a| a.name.as_str()).collect();
    let intended = intended_attribute(attributes, name, row.map(|c| c.row.kind));
    let fix = row.zip(intended).map(|(context, attr)| {
        let mut replacement = attribute_text(&attr.name);
        if context.row.kind == RowKind::Map && context.row.lookup.is_none() {
            let source = source_text(context.row);
            replacement
                .push_str(&lookup_option(&source, attr, context.referenced).unwrap_or_default());
        }
        Fix::replace(span, &replacement)
    });
    diags.push(
        Diagnostic::new(
            Code::UnknownAttribute,
            span,
            format!("the object type has no attribute '{name}'"),
            "unknown attribute",
        )
        .with_hint_opt(intended.map(|a| format!("did you mean '{}'?", a.name)))
        .with_note(format!("attributes: {}", names.join(", ")))
        .with_fix_opt(fix),
    );
    None
}

/// The attribute a name that matches none most likely means. On the `key:` row that is the
/// one holding JumpCloud ids (OnLink's `key:_id=id` on a type whose attribute is `JumpCloud
/// ID`); otherwise the closest writable name.
fn intended_attribute<'a>(
    attributes: &'a [ObjectTypeAttribute],
    name: &str,
    kind: Option<RowKind>,
) -> Option<&'a ObjectTypeAttribute> {
    let writable = || attributes.iter().filter(|a| !a.system && a.editable);
    if kind == Some(RowKind::Key) {
        if let Some(attr) = writable().find(|a| squashed(&a.name) == "jumpcloudid") {
            return Some(attr);
        }
    }
    let names: Vec<&str> = writable().map(|a| a.name.as_str()).collect();
    let best = did_you_mean(name, names.iter().copied())?;
    writable().find(|a| a.name == best)
}

/// A name lower-cased without spaces or punctuation: `JumpCloud ID` → `jumpcloudid`.
fn squashed(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The lookup option a row into the reference `attr` needs: `|byKey` for JumpCloud's
/// `manager` (it holds the manager's `_id`), else a lookup on the referenced type's label
/// attribute when that type's attributes are known.
fn lookup_option(
    source: &str,
    attr: &ObjectTypeAttribute,
    referenced: Option<&ReferencedAttributes>,
) -> Option<String> {
    if attr.kind != AttributeKind::ObjectReference {
        return None;
    }
    if source == "manager" {
        return Some("|byKey".to_string());
    }
    let label = attr
        .reference_target()
        .and_then(|id| referenced?.get(id))?
        .iter()
        .find(|a| a.label)?;
    let name = if bare_ok(&label.name) && !is_option_like(&label.name) {
        label.name.clone()
    } else {
        quote(&label.name)
    };
    Some(format!("|{name}=${{{source}}}"))
}

/// Every required attribute (minimum cardinality 1 or more) that no row writes: creating an
/// object without it fails for every record.
fn required_attributes(
    mapping: &Mapping,
    attributes: &[ObjectTypeAttribute],
    referenced: Option<&ReferencedAttributes>,
    diags: &mut Vec<Diagnostic>,
) {
    let span = mapping.key.as_ref().map(|k| k.pos.span).unwrap_or_default();
    // A new row goes after the last row, so it lands among the others.
    let insert_at = mapping.all_rows().map(|r| r.pos.span.end).max();
    let api = mapping.config.api_or_default();
    for attr in attributes
        .iter()
        .filter(|a| a.minimum_cardinality >= 1 && !a.system && a.editable)
    {
        // A row whose unknown name's fix (E020) is this attribute writes it once fixed; a
        // row added here as well would write it twice.
        let writes = |r: &Row| {
            r.attribute.eq_ignore_ascii_case(&attr.name)
                || (!attributes
                    .iter()
                    .any(|a| a.name.eq_ignore_ascii_case(&r.attribute))
                    && intended_attribute(attributes, &r.attribute, Some(r.kind))
                        .is_some_and(|a| a.id == attr.id))
        };
        if mapping.all_rows().any(writes) {
            continue;
        }
        let row = suggested_row(api, attr, referenced);
        let fix = row.as_ref().map(|row| match insert_at {
            Some(end) => Fix::new(
                Span::new(end, end),
                format!("\n{row}"),
                format!("add the row `{row}`"),
            ),
            None => Fix::new(
                Span::new(0, 0),
                format!("{row}\n"),
                format!("add the row `{row}`"),
            ),
        });
        let example = row.unwrap_or_else(|| format!("map:<field>={}", attribute_text(&attr.name)));
        diags.push(
            Diagnostic::new(
                Code::RequiredAttributeMissing,
                span,
                format!(
                    "the object type requires '{}', but no row writes it, so every new object would be refused",
                    attr.name
                ),
                "required attribute not mapped",
            )
            .with_hint(format!("add a row that writes it, e.g. `{example}`"))
            .with_fix_opt(fix),
        );
    }
}

/// A row that fills the required `attr` from the collection's records, when one is clear: a
/// person's display name (else first and last name) for a label on `systemusers`, else a field
/// named like the attribute.
fn suggested_row(
    api: &Collection,
    attr: &ObjectTypeAttribute,
    referenced: Option<&ReferencedAttributes>,
) -> Option<String> {
    let target = attribute_text(&attr.name);
    let reference = attr.kind == AttributeKind::ObjectReference;
    if !reference
        && (attr.label || attr.name.eq_ignore_ascii_case("name"))
        && api.field("displayname").is_some()
        && api.field("firstname").is_some()
    {
        // The name JumpCloud shows, else the one every user has.
        return Some(format!(
            "map:displayname={target}|default=${{firstname}} ${{lastname}}"
        ));
    }
    let squashed = squashed(&attr.name);
    let plain = || {
        api.fields
            .iter()
            .filter(|f| !matches!(f.ty, FieldType::Object | FieldType::Array))
    };
    let field = plain()
        .find(|f| f.name.to_lowercase() == squashed)
        .map(|f| f.name)
        .or_else(|| did_you_mean(&attr.name, plain().map(|f| f.name)))?;
    // A reference row needs its lookup; without a known one there is no clear row.
    let lookup = if reference {
        lookup_option(field, attr, referenced)?
    } else {
        String::new()
    };
    Some(format!("map:{field}={target}{lookup}"))
}

/// A JumpCloud field read whole whose spec type can never be a value of the attribute's type
/// (an object, a boolean into a date, a date-time into a number): every record would fail.
fn check_field_type(
    row: &Row,
    attr: &ObjectTypeAttribute,
    api: &Collection,
    diags: &mut Vec<Diagnostic>,
) {
    let Source::Path { path } = &row.source else {
        return;
    };
    if path.segments.len() != 1 || !row.transforms.is_empty() || attr.system || !attr.editable {
        return;
    }
    let Some(field) = path.root_field().and_then(|f| api.field(f)) else {
        return;
    };
    let never_fits = match field.ty {
        FieldType::Object => true,
        FieldType::String | FieldType::Array => false,
        ty => match attr.default_kind() {
            Some(
                DefaultType::Text
                | DefaultType::Textarea
                | DefaultType::Select
                | DefaultType::Other(_),
            )
            | None => false,
            // What values of the field look like; none of them reads as the attribute's type.
            Some(kind) => samples(ty)
                .iter()
                .all(|sample| values::canonical(kind, sample).is_err()),
        },
    };
    if !never_fits {
        return;
    }
    let what = match field.ty {
        FieldType::Object => "an object".to_string(),
        ty => article(ty.name()),
    };
    diags.push(
        Diagnostic::new(
            Code::FieldTypeMismatch,
            row.attribute_pos.span,
            format!(
                "JumpCloud's '{}' is {what}, which '{}' ({}) cannot hold",
                field.name,
                attr.name,
                attr.type_description()
            ),
            "wrong type for the field",
        )
        .with_hint(match field.ty {
            FieldType::Object => format!("name a field inside it, e.g. `{}.<field>`", field.name),
            _ => "map it to a Text attribute, or map a field of the attribute's type".to_string(),
        })
        .with_note("every record would fail for this attribute"),
    );
}

/// Values a field of spec type `ty` takes, to test an attribute type against.
fn samples(ty: FieldType) -> &'static [&'static str] {
    match ty {
        FieldType::Boolean => &["true", "false"],
        FieldType::Integer => &["0", "1", "42"],
        FieldType::Number => &["0", "1", "1.5"],
        FieldType::DateTime => &["2024-03-01T08:30:00.000Z"],
        _ => &[],
    }
}

fn check_row(
    row: &Row,
    attr: &ObjectTypeAttribute,
    key_attribute: Option<&str>,
    referenced: Option<&ReferencedAttributes>,
    diags: &mut Vec<Diagnostic>,
) {
    let span = row.attribute_pos.span;
    if attr.system || !attr.editable {
        diags.push(
            Diagnostic::new(
                Code::ReadOnlyAttribute,
                span,
                format!("'{}' cannot be written", attr.name),
                "read-only attribute",
            )
            .with_note("Assets sets system attributes such as Key, Created and Updated itself"),
        );
        return;
    }
    if row.copy.is_some() {
        return;
    }
    let is_reference = attr.kind == AttributeKind::ObjectReference;
    match (&row.lookup, is_reference) {
        (Some(lookup), false) => {
            let at = match lookup {
                Lookup::ByAttribute { pos, .. } | Lookup::ByKey { pos } => pos.span,
            };
            diags.push(
                Diagnostic::new(Code::LookupOnNonReference, at, format!("'{}' is {} attribute, not an object reference, so it cannot look an object up", attr.name, article(&attr.type_description())), "lookup on a non-reference")
                    .with_hint("remove the lookup, or map to a reference attribute"),
            );
        }
        (None, true) if row.kind == RowKind::Map => {
            diags.push(reference_without_lookup(row, attr, referenced))
        }
        (Some(lookup), true) => check_lookup(row, lookup, attr, key_attribute, referenced, diags),
        _ => {}
    }
    if row.kind == RowKind::Key {
        if matches!(
            attr.kind,
            AttributeKind::ObjectReference | AttributeKind::User
        ) || yields_many(row)
        {
            diags.push(
                Diagnostic::new(
                    Code::BadKey,
                    span,
                    format!(
                        "the key attribute '{}' must hold one plain value",
                        attr.name
                    ),
                    "unsuitable key",
                )
                .with_hint("use a text attribute that holds the JumpCloud `_id`"),
            );
        }
    } else if !attr.is_multi_valued() && yields_many(row) {
        diags.push(
            Diagnostic::new(
                Code::MultiIntoSingle,
                span,
                format!(
                    "the source can give several values but '{}' holds one",
                    attr.name
                ),
                "single-valued",
            )
            .with_hint(
                "add `|first` to keep the first value, or `|join=\", \"` to keep them all as one",
            ),
        );
    }
    let Some(kind) = attr.default_kind() else {
        return;
    };
    let typed = !matches!(
        kind,
        DefaultType::Text | DefaultType::Textarea | DefaultType::Select | DefaultType::Other(_)
    );
    let reshaped = !row.transforms.is_empty();
    match &row.source {
        Source::Template { template } => {
            if let Some(constant) = template.constant() {
                if !reshaped {
                    check_constant(attr, &constant, row.pos.span, diags);
                }
            } else if typed
                && template.single_path().is_none()
                && !reshaped
                && !matches!(kind, DefaultType::Url | DefaultType::Email)
            {
                diags.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        row.pos.span,
                        format!(
                            "a template makes text, which '{}' ({}) cannot hold",
                            attr.name,
                            kind.name()
                        ),
                        "text into a typed attribute",
                    )
                    .with_hint("map a single field, or map to a Text attribute"),
                );
            }
        }
        Source::Path { path } => {
            let converts = row
                .transforms
                .iter()
                .any(|s| matches!(s.transform, Transform::Number(_) | Transform::ParseDate(_)));
            let numeric_or_date = matches!(
                kind,
                DefaultType::Integer
                    | DefaultType::Double
                    | DefaultType::Boolean
                    | DefaultType::Date
                    | DefaultType::Time
                    | DefaultType::DateTime
            );
            if numeric_or_date
                && !converts
                && path.segments.len() == 1
                && path.root_field().is_some_and(|f| TEXT_FIELDS.contains(&f))
            {
                diags.push(
                    Diagnostic::new(Code::TextIntoTyped, span, format!("JumpCloud's '{}' is text; '{}' is {}", path.text, attr.name, article(kind.name())), "probably the wrong attribute")
                        .with_note("records whose value does not read as that type will fail for this attribute"),
                );
            }
        }
    }
}

/// A row into an object reference without a lookup. A constant written as an object key
/// (`"ITSM-12"`) is taken as one, which may be meant (W004); anything else is a JumpCloud
/// value no object key equals, so every record would fail (E027).
fn reference_without_lookup(
    row: &Row,
    attr: &ObjectTypeAttribute,
    referenced: Option<&ReferencedAttributes>,
) -> Diagnostic {
    let span = row.attribute_pos.span;
    let constant = match &row.source {
        Source::Template { template } => template.constant(),
        Source::Path { .. } => None,
    };
    if constant.as_deref().is_some_and(looks_like_object_key) {
        return Diagnostic::new(
            Code::ReferenceWithoutLookup,
            span,
            format!(
                "'{}' is a reference; the constant is taken as an object key",
                attr.name
            ),
            "object key",
        )
        .with_hint("to find the object by name instead, write e.g. `|Name=\"Finance\"`");
    }
    let source = source_text(row);
    let option = lookup_option(&source, attr, referenced);
    let hint = match option.as_deref() {
        Some("|byKey") => "add `|byKey`: `manager` holds the manager's JumpCloud `_id`, and `byKey` finds the object whose key attribute holds it".to_string(),
        other => format!(
            "add a lookup: `{}` finds the object whose attribute equals the value, `|byKey` the object whose key attribute holds a JumpCloud id",
            other.map_or_else(|| format!("|Name=${{{source}}}"), str::to_string)
        ),
    };
    Diagnostic::new(
        Code::ReferenceNeedsLookup,
        span,
        format!(
            "'{}' is an object reference, so the row must say how to find the object",
            attr.name
        ),
        "plain value into a reference",
    )
    .with_hint(hint)
    .with_note("without one each value would be taken as an Assets object key (e.g. HR-12), which JumpCloud values never are")
    .with_fix_opt(option.map(|o| {
        Fix::new(Span::new(span.end, span.end), o.clone(), format!("add `{o}`"))
    }))
}

/// Whether a constant is written as an Assets object key: schema key, `-`, number (`HR-12`).
fn looks_like_object_key(text: &str) -> bool {
    let text = text.trim();
    text.split_once('-').is_some_and(|(schema, number)| {
        !schema.is_empty()
            && schema.chars().all(|c| c.is_ascii_alphanumeric())
            && schema.starts_with(|c: char| c.is_ascii_alphabetic())
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
    })
}

fn check_lookup(
    row: &Row,
    lookup: &Lookup,
    attr: &ObjectTypeAttribute,
    key_attribute: Option<&str>,
    referenced: Option<&ReferencedAttributes>,
    diags: &mut Vec<Diagnostic>,
) {
    let (name, span) = match lookup {
        Lookup::ByAttribute { attribute, pos, .. } => (attribute.as_str(), pos.span),
        Lookup::ByKey { pos } => match key_attribute {
            Some(k) => (k, pos.span),
            None => return,
        },
    };
    let Some(target_attrs) = attr.reference_target().and_then(|id| referenced?.get(id)) else {
        return;
    };
    if target_attrs
        .iter()
        .any(|a| a.name.eq_ignore_ascii_case(name))
    {
        return;
    }
    let target_name = attr
        .reference_object_type
        .as_ref()
        .map(|t| t.name.as_str())
        .filter(|n| !n.is_empty())
        .unwrap_or("the referenced object type");
    let names: Vec<&str> = target_attrs.iter().map(|a| a.name.as_str()).collect();
    diags.push(
        Diagnostic::new(
            Code::LookupAttributeMissing,
            span,
            format!(
                "{target_name} has no attribute '{name}' to look '{}' up by",
                row.attribute
            ),
            "not on the target type",
        )
        .with_hint_opt(
            did_you_mean(name, names.iter().copied()).map(|n| format!("did you mean '{n}'?")),
        )
        .with_note(format!("attributes of {target_name}: {}", names.join(", "))),
    );
}

fn check_constant(
    attr: &ObjectTypeAttribute,
    constant: &str,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(kind) = attr.default_kind() else {
        return;
    };
    let problem = if kind == DefaultType::Select {
        let options = attr.select_options();
        (!options
            .iter()
            .any(|o| o.eq_ignore_ascii_case(constant.trim())))
        .then(|| {
            format!(
                "'{}' is not one of the options of '{}': {}",
                constant.trim(),
                attr.name,
                options.join(", ")
            )
        })
    } else {
        values::canonical(kind, constant).err()
    };
    if let Some(problem) = problem {
        diags.push(Diagnostic::new(
            Code::TypeMismatch,
            span,
            format!(
                "the constant cannot be stored in '{}' ({}): {problem}",
                attr.name,
                kind.name()
            ),
            "wrong type for the attribute",
        ));
    }
}

/// Whether the row can give several values for one record by its shape.
fn yields_many(row: &Row) -> bool {
    let mut many = match &row.source {
        Source::Path { path } => {
            path.segments.contains(&Segment::All)
                || (path.segments.len() == 1
                    && path.root_field().is_some_and(|f| ARRAY_FIELDS.contains(&f)))
        }
        Source::Template { .. } => false,
    };
    if row.array_separator.is_some() {
        // On a single-valued attribute the separator joins the values into one.
        many = false;
    }
    for step in &row.transforms {
        match step.transform {
            Transform::Split(_) => many = true,
            Transform::Join(_) | Transform::First => many = false,
            _ => {}
        }
    }
    many
}

fn source_text(row: &Row) -> String {
    match &row.source {
        Source::Path { path } => path.text.clone(),
        Source::Template { .. } => "value".to_string(),
    }
}

fn article(noun: &str) -> String {
    let vowel = noun
        .chars()
        .next()
        .is_some_and(|c| "AEIOUaeiou".contains(c));
    format!("{} {noun}", if vowel { "an" } else { "a" })
}
