//! The Tributary mapping language: one directive a line, OnLink's text accepted as written.
//!
//! ```text
//! key:_id=JumpCloud ID
//! map:${firstname} ${lastname}=Full Name
//! map:email=Email|lower
//! map:manager=Manager|byKey
//! config:api=systemusers
//! ```
//!
//! [`Document::parse`] reads a text into a [`Mapping`] and every [`Diagnostic`] at once;
//! [`Document::check_attributes`] checks it against an Assets object type; [`format()`] prints
//! the canonical text; [`render`] draws diagnostics with a caret for terminals. The language is
//! described in `docs/mapping.md`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ast;
mod check;
pub mod datetime;
pub mod diagnostic;
mod format;
mod lexer;
mod parser;
mod render;
pub mod values;

use std::collections::BTreeMap;

use serde::Serialize;
use tributary_models::assets::ObjectTypeAttribute;

pub use ast::*;
pub use diagnostic::{Code, Diagnostic, Fix, LineIndex, Severity, Span};
pub use format::format;
pub use parser::{CONFIG_NAMES, ROW_OPTIONS};
pub use render::render;

/// A parsed mapping text: the mapping, the problems in it, and the text they point into.
#[derive(Debug, Clone)]
pub struct Document {
    /// What the text means. Lines with errors contribute what could be read of them.
    pub mapping: Mapping,
    /// Every syntax and consistency problem, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    index: LineIndex,
}

/// Attributes of the object types that reference attributes point to, by object type id.
pub type ReferencedAttributes = BTreeMap<String, Vec<ObjectTypeAttribute>>;

impl Document {
    /// Parses a mapping text. Never fails: problems become diagnostics.
    pub fn parse(text: &str) -> Document {
        let index = LineIndex::new(text);
        let mut diagnostics = Vec::new();
        let mut mapping = Mapping::default();
        let mut config_lines: BTreeMap<&'static str, usize> = BTreeMap::new();
        for line in parser::parse_lines(text) {
            diagnostics.extend(line.diagnostics);
            match line.item {
                parser::LineItem::Row(row) => check::add_row(&mut mapping, *row, &mut diagnostics),
                parser::LineItem::Config(setting, pos) => check::add_setting(
                    &mut mapping.config,
                    setting,
                    pos,
                    &mut config_lines,
                    &mut diagnostics,
                ),
                _ => {}
            }
        }
        check::document(&mapping, &mut diagnostics);
        check::source_fields(&mapping, text, &mut diagnostics);
        Document {
            mapping,
            diagnostics: index.finish(diagnostics),
            index,
        }
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The text this document was parsed from.
    pub fn text(&self) -> &str {
        self.index.text()
    }

    /// Checks the mapping against the attributes of the target object type (the body of
    /// `GET objecttype/{id}/attributes`) and, when given, those of referenced object types.
    /// Returns only the new diagnostics, located and sorted.
    pub fn check_attributes(
        &self,
        attributes: &[ObjectTypeAttribute],
        referenced: Option<&ReferencedAttributes>,
    ) -> Vec<Diagnostic> {
        self.index
            .finish(check::attributes(&self.mapping, attributes, referenced))
    }

    /// Every diagnostic: syntax ones plus, when attributes are given, those against them.
    pub fn all_diagnostics(
        &self,
        attributes: Option<&[ObjectTypeAttribute]>,
        referenced: Option<&ReferencedAttributes>,
    ) -> Vec<Diagnostic> {
        let mut all = self.diagnostics.clone();
        if let Some(attributes) = attributes {
            all.extend(self.check_attributes(attributes, referenced));
            all.sort_by(|a, b| {
                (a.span.start, a.code.as_str()).cmp(&(b.span.start, b.code.as_str()))
            });
        }
        all
    }

    /// The plain-text rendering of `diagnostics` (which must come from this document): the
    /// first [`MAX_DIAGNOSTICS`], a line counting the rest, and totals over all of them.
    pub fn render(&self, file_name: &str, diagnostics: &[Diagnostic]) -> String {
        render::render_with(&self.index, file_name, diagnostics)
    }

    /// The text with every fix of `diagnostics` applied (see [`apply_fixes`]), then formatted.
    pub fn fixed(&self, diagnostics: &[Diagnostic]) -> String {
        format(&apply_fixes(self.text(), diagnostics).0)
    }

    /// The JSON form for the settings page: the mapping, the JumpCloud fields it reads, and
    /// the diagnostics.
    pub fn to_json(&self) -> serde_json::Value {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Json<'a> {
            mapping: &'a Mapping,
            fields: Vec<String>,
            diagnostics: &'a [Diagnostic],
        }
        serde_json::to_value(Json {
            mapping: &self.mapping,
            fields: self.mapping.source_fields(),
            diagnostics: &self.diagnostics,
        })
        .expect("the mapping always serialises")
    }
}

/// The most diagnostics the hosts are given at once (`validate`, the CLI, the page); the rest
/// are counted. A mapping that is mostly not a mapping (a pasted binary, a 5 MB log) would
/// otherwise make tens of megabytes of output, and the first ones are the ones to fix.
pub const MAX_DIAGNOSTICS: usize = 200;

/// What `validate` hands the hosts: the first [`MAX_DIAGNOSTICS`] diagnostics, how many more
/// there are, and the totals over all of them (so "has errors" is right even when the errors
/// are among the omitted ones).
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    /// The first diagnostics, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// How many diagnostics after these were left out.
    pub omitted: usize,
    /// Errors in all diagnostics, shown or not.
    pub errors: usize,
    /// Warnings in all diagnostics, shown or not.
    pub warnings: usize,
}

impl Validation {
    /// Caps `all` at [`MAX_DIAGNOSTICS`].
    pub fn capped(mut all: Vec<Diagnostic>) -> Validation {
        let errors = all.iter().filter(|d| d.is_error()).count();
        let warnings = all.len() - errors;
        let omitted = all.len().saturating_sub(MAX_DIAGNOSTICS);
        all.truncate(MAX_DIAGNOSTICS);
        Validation {
            diagnostics: all,
            omitted,
            errors,
            warnings,
        }
    }
}

/// Applies every fix the diagnostics carry. Of fixes that overlap, the one of the earlier
/// diagnostic wins (or one not on character boundaries is dropped); the rest are applied back
/// to front so earlier spans stay valid, and insertions at one place keep the diagnostics'
/// order. Returns the new text and how many were applied.
pub fn apply_fixes(text: &str, diagnostics: &[Diagnostic]) -> (String, usize) {
    // Accepted fixes by (start, order): they never overlap, so only neighbours can conflict.
    let mut accepted: BTreeMap<(usize, usize), &Fix> = BTreeMap::new();
    for (order, fix) in diagnostics.iter().flat_map(|d| &d.fixes).enumerate() {
        let Span { start, end } = fix.span;
        if start > end || text.get(start..end).is_none() {
            continue;
        }
        let before = accepted.range(..=(start, usize::MAX)).next_back();
        let within = accepted.range((start, 0)..(end.max(start + 1), 0));
        let duplicate = before.is_some_and(|(_, f)| *f == fix);
        if duplicate
            || before
                .into_iter()
                .chain(within)
                .any(|(_, f)| overlap(f.span, fix.span))
        {
            continue;
        }
        accepted.insert((start, order), fix);
    }
    let mut out = text.to_string();
    for fix in accepted.values().rev() {
        out.replace_range(fix.span.start..fix.span.end, &fix.replacement);
    }
    (out, accepted.len())
}

/// Whether two edits touch the same text: overlapping ranges, or an insertion strictly inside
/// a replaced range. Insertions at one place, and edits that only meet, do not overlap.
fn overlap(a: Span, b: Span) -> bool {
    let inside = |p: usize, r: Span| r.start < p && p < r.end;
    match (a.start == a.end, b.start == b.end) {
        (true, true) => false,
        (true, false) => inside(a.start, b),
        (false, true) => inside(b.start, a),
        (false, false) => a.start < b.end && b.start < a.end,
    }
}

/// Parses `text` and checks it, against `attributes` when given: every diagnostic at once.
pub fn validate(text: &str, attributes: Option<&[ObjectTypeAttribute]>) -> Vec<Diagnostic> {
    Document::parse(text).all_diagnostics(attributes, None)
}

impl Mapping {
    /// The rows that write attributes: the key row first, then the map rows.
    pub fn all_rows(&self) -> impl Iterator<Item = &Row> {
        self.key.iter().chain(&self.rows)
    }

    /// The top-level JumpCloud fields the mapping reads, sorted, `_id` always included: what
    /// the engine asks for with `fields=`.
    pub fn source_fields(&self) -> Vec<String> {
        let mut paths = Vec::new();
        for row in self.all_rows() {
            row.read_paths(&mut paths);
        }
        let mut fields: Vec<String> = paths
            .iter()
            .filter_map(|p| p.root_field())
            .map(str::to_string)
            .collect();
        fields.extend(self.all_rows().flat_map(Row::default_fields));
        fields.push("_id".to_string());
        fields.sort();
        fields.dedup();
        fields
    }
}

impl Row {
    /// Every record path the row reads: source, lookup template and conditions.
    pub fn read_paths<'a>(&'a self, out: &mut Vec<&'a Path>) {
        match &self.source {
            Source::Path { path } => path.read_paths(out),
            Source::Template { template } => template.paths().for_each(|p| p.read_paths(out)),
        }
        if let Some(Lookup::ByAttribute { value, .. }) = &self.lookup {
            // `${source}` inside a lookup stands for the row's own value, not a record field.
            value
                .paths()
                .filter(|p| !self.is_own_value(p))
                .for_each(|p| p.read_paths(out));
        }
        for condition in &self.conditions {
            condition.path.read_paths(out);
        }
    }

    /// The top-level fields `|default=` templates read (they are parsed per use, so they are
    /// not among [`Row::read_paths`]'s borrowed paths).
    pub fn default_fields(&self) -> Vec<String> {
        self.transforms
            .iter()
            .filter_map(|s| s.transform.default_template())
            .flat_map(|t| {
                t.paths()
                    .filter_map(|p| p.root_field().map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Whether `${path}` in this row's lookup stands for the row's own value(s): OnLink
    /// writes the source again (`map:groups=Groups|Name=${groups}`); `${value}` also works.
    pub fn is_own_value(&self, path: &Path) -> bool {
        path.text == "value"
            || matches!(&self.source, Source::Path { path: source } if source.text == path.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter_problems(api: &str, filters: &[&str]) -> Vec<String> {
        let mut text = format!("key:_id=id\nmap:name=Name\nconfig:api={api}\n");
        for f in filters {
            text.push_str(&format!("config:filter={f}\n"));
        }
        Document::parse(&text)
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::BadFilter)
            .map(|d| format!("{} / {}", d.message, d.notes.join("; ")))
            .collect()
    }

    #[test]
    fn filters_follow_the_collections_own_syntax() {
        assert_eq!(
            filter_problems("usergroups", &["name:between:a,c", "name:search:ops"]),
            Vec::<String>::new()
        );
        assert_eq!(
            filter_problems("systeminsights/system_info", &["hostname:search:mac", "system_id:in:a|b"]),
            ["`systeminsights/system_info` does not accept the operator 'search' / operators: eq in"]
        );
        assert_eq!(
            filter_problems("Systems", &["os:eq:Mac OS X"]),
            ["`systems` does not accept the operator 'eq' / operators: $eq $ne $gt $gte $lt $lte"]
        );
        let doc = Document::parse("config:api=SystemGroups\n");
        assert_eq!(
            doc.mapping.config.api.map(|c| c.path),
            Some("/api/v2/systemgroups")
        );
        assert_eq!(doc.to_json()["mapping"]["config"]["api"], "systemgroups");
    }

    fn fix_at(start: usize, end: usize, replacement: &str) -> Diagnostic {
        Diagnostic::new(Code::UnknownAttribute, Span::new(start, end), "m", "l")
            .with_fix(Fix::replace(Span::new(start, end), replacement))
    }

    #[test]
    fn fixes_apply_back_to_front_skipping_overlaps_and_keeping_insertion_order() {
        let text = "abcdef";
        let diagnostics = [
            fix_at(0, 1, "A"),
            fix_at(6, 6, "1"),
            fix_at(6, 6, "2"),
            fix_at(2, 4, "CD"),
            fix_at(3, 5, "overlaps"),
            fix_at(2, 4, "CD"),
        ];
        assert_eq!(apply_fixes(text, &diagnostics), ("AbCDef12".to_string(), 4));
        // Off a character boundary or past the end: skipped, never a panic.
        assert_eq!(
            apply_fixes("é", &[fix_at(1, 2, "x"), fix_at(0, 9, "y")]),
            ("é".to_string(), 0)
        );
    }

    fn attribute(id: &str, name: &str, extra: serde_json::Value) -> ObjectTypeAttribute {
        let mut json = serde_json::json!({"id": id, "name": name, "type": 0});
        json.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_field_fix_replaces_the_whole_name_not_a_longer_one_that_contains_it() {
        let text = "key:_id=id\nmap:${lastnamee}-${lastnam}=Full Name\nconfig:api=systemusers\n";
        let doc = Document::parse(text);
        assert_eq!(
            doc.fixed(&doc.diagnostics),
            "key:_id=id\nmap:${lastname}-${lastname}=Full Name\nconfig:api=systemusers\n"
        );
    }

    /// Assets' own Key: required, but written by Assets, never by a row.
    fn system_key() -> ObjectTypeAttribute {
        attribute(
            "1",
            "Key",
            serde_json::json!({"system": true, "editable": false, "minimumCardinality": 1}),
        )
    }

    #[test]
    fn a_mapping_fixed_against_the_object_type_validates_clean() {
        let attributes = [
            system_key(),
            attribute(
                "2",
                "Name",
                serde_json::json!({"label": true, "minimumCardinality": 1}),
            ),
            attribute("3", "JumpCloud ID", serde_json::json!({})),
            attribute(
                "4",
                "Job Title",
                serde_json::json!({"minimumCardinality": 1}),
            ),
            attribute(
                "5",
                "Manager",
                serde_json::json!({"type": 1, "referenceObjectTypeId": "9"}),
            ),
        ];
        for text in [
            "key:_id=id\nmap:manager=Manager Name\nconfig:api=systemusers\n",
            "key:_id=id\nmap:manager=Manager\nmap:jobtitel=Job Title\nconfig:api=systemusers",
            // No rows at all: the new rows go first.
            "config:api=systemusers\n",
        ] {
            let doc = Document::parse(text);
            let diagnostics = doc.all_diagnostics(Some(&attributes), None);
            let fixed = doc.fixed(&diagnostics);
            let left: Vec<&str> = Document::parse(&fixed)
                .all_diagnostics(Some(&attributes), None)
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.code.as_str())
                .collect();
            let expected: &[&str] = if text.starts_with("config") {
                &["E001"]
            } else {
                &[]
            };
            assert_eq!(left, expected, "{text:?} fixed to {fixed:?}");
        }
    }

    #[test]
    fn required_attributes_ignore_system_ones_and_count_conditional_rows() {
        let attributes = [
            system_key(),
            attribute(
                "2",
                "Created",
                serde_json::json!({"editable": false, "minimumCardinality": 1}),
            ),
            attribute(
                "3",
                "Employment",
                serde_json::json!({"minimumCardinality": 1}),
            ),
            attribute("4", "id", serde_json::json!({})),
        ];
        let text = "key:_id=id\nmap:\"Active\"=Employment|when=state=ACTIVATED\nmap:\"Left\"=Employment|when=state!=ACTIVATED\n";
        let codes: Vec<&str> = validate(text, Some(&attributes))
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert_eq!(codes, ["W001"]);
    }

    #[test]
    fn fields_read_include_templates_conditions_and_lookups() {
        let doc = Document::parse(
            "key:_id=id\nmap:${firstname} ${lastname}=Name|when=state=ACTIVATED\nmap:groups=Groups|Name=${groups}\nmap:manager=Boss|Name=${company}-${value}\nmap:addresses[type=work].locality=City",
        );
        assert_eq!(
            doc.mapping.source_fields(),
            [
                "_id",
                "addresses",
                "company",
                "firstname",
                "groups",
                "lastname",
                "manager",
                "state"
            ]
        );
    }
}
