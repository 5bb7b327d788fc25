//! JumpCloud JSON records → typed Assets attribute values.
//!
//! Build a [`Transformer`] once per run from a parsed mapping and the target object type's
//! attributes, then call [`Transformer::transform`] per record. A bad value is an error for
//! that record and attribute only; everything else in the record, and the run, carries on.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod eval;
mod value;

use regex::Regex;
use serde::Serialize;
use serde_json::Value as Json;
use tributary_mapping::datetime::{parse_iso, Moment, Pattern};
use tributary_mapping::{
    Code, Diagnostic, Document, LineIndex, Lookup, MissingPolicy, Row, Source, Transform,
};
use tributary_models::assets::ObjectTypeAttribute;

pub use value::{stored_canonical, type_value, PendingReference, UserRef, Value};

/// The values of one attribute for one record. An empty list clears the attribute.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeValues {
    /// Assets attribute id.
    pub attribute_id: String,
    /// Attribute name.
    pub attribute: String,
    /// Line of the mapping row that produced the values.
    pub line: usize,
    /// The typed values, deduplicated, in source order.
    pub values: Vec<Value>,
}

/// Why one attribute of one record got no value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    /// Assets attribute id.
    pub attribute_id: String,
    /// Attribute name.
    pub attribute: String,
    /// Line of the mapping row.
    pub line: usize,
    /// What is wrong, naming the offending value.
    pub message: String,
}

/// The result for one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordValues {
    /// The canonical key value; `None` when the record has no usable key (then skip it).
    pub key: Option<String>,
    /// Values per attribute, key attribute first. Conditional rows that did not apply are absent.
    pub values: Vec<AttributeValues>,
    /// Per-attribute problems.
    pub errors: Vec<FieldError>,
}

/// One row, ready to run: its attribute and its compiled regexes and date patterns.
#[derive(Debug, Clone)]
struct CompiledRow {
    row: Row,
    attribute: ObjectTypeAttribute,
    steps: Vec<CompiledStep>,
    /// For lookups: the attribute searched on the referenced type.
    lookup_attribute: Option<String>,
    /// The attribute's `regexValidation`, when it has one this crate can read.
    validation: Option<Regex>,
}

#[derive(Debug, Clone)]
enum CompiledStep {
    Plain(Transform),
    Extract(Regex),
    ParseDate(Pattern),
    FormatDate(Pattern),
    /// `|default=` with `${path}`s: filled in from the record when there is no value.
    DefaultTemplate(tributary_mapping::Template),
}

/// Turns records into typed values for one mapping and object type.
#[derive(Debug, Clone)]
pub struct Transformer {
    key: Option<CompiledRow>,
    rows: Vec<CompiledRow>,
}

impl Transformer {
    /// Prepares a transformer. Refuses a mapping with errors, returning every diagnostic
    /// (syntax ones and those against `attributes`).
    pub fn new(
        document: &Document,
        attributes: &[ObjectTypeAttribute],
    ) -> Result<Transformer, Vec<Diagnostic>> {
        let diagnostics = document.all_diagnostics(Some(attributes), None);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(diagnostics);
        }
        let mapping = &document.mapping;
        let key_attribute = mapping.key.as_ref().map(|k| k.attribute.clone());
        let mut compile_errors = Vec::new();
        let mut compile = |row: &Row| -> CompiledRow {
            let attribute = find_attribute(attributes, &row.attribute)
                .expect("validated: every row names an attribute")
                .clone();
            let steps = row
                .transforms
                .iter()
                .map(|step| match &step.transform {
                    // The parser checked the syntax; compiling can still hit the size limit.
                    Transform::Extract(p) => match Regex::new(p) {
                        Ok(regex) => CompiledStep::Extract(regex),
                        Err(e) => {
                            compile_errors.push(Diagnostic::bad_regex(
                                step.pos.span,
                                "this regular expression cannot be used",
                                &e,
                            ));
                            CompiledStep::Plain(Transform::First)
                        }
                    },
                    Transform::ParseDate(p) => {
                        CompiledStep::ParseDate(Pattern::parse(p).expect("validated pattern"))
                    }
                    Transform::FormatDate(p) => {
                        CompiledStep::FormatDate(Pattern::parse(p).expect("validated pattern"))
                    }
                    other => match other.default_template() {
                        Some(template) => CompiledStep::DefaultTemplate(template),
                        None => CompiledStep::Plain(other.clone()),
                    },
                })
                .collect();
            let lookup_attribute = match &row.lookup {
                Some(Lookup::ByAttribute { attribute, .. }) => Some(attribute.clone()),
                Some(Lookup::ByKey { .. }) => key_attribute.clone(),
                None => None,
            };
            CompiledRow {
                row: row.clone(),
                validation: validation_of(&attribute),
                attribute,
                steps,
                lookup_attribute,
            }
        };
        let key = mapping.key.as_ref().map(&mut compile);
        let rows = mapping.rows.iter().map(&mut compile).collect();
        // The sync engine sets `config:missing=mark` values by attribute name; what is checked
        // here is that each can be typed (statuses included), so a bad one fails up front.
        if let MissingPolicy::Mark { set } = &mapping.config.missing {
            let pos = mapping.config.missing_pos.unwrap_or_default();
            for (name, text) in set {
                let attribute =
                    find_attribute(attributes, name).expect("validated: mark attributes exist");
                // The validator checks default types only; statuses are checked here.
                if let Err(message) = type_value(attribute, text, None) {
                    compile_errors.push(Diagnostic::new(
                        Code::TypeMismatch,
                        pos.span,
                        format!(
                            "`config:missing` cannot set '{}': {message}",
                            attribute.name
                        ),
                        "wrong value for the attribute",
                    ));
                }
            }
        }
        if !compile_errors.is_empty() {
            return Err(LineIndex::new(document.text()).finish(compile_errors));
        }
        Ok(Transformer { key, rows })
    }

    /// The attribute the `key:` row writes, whose value identifies an object.
    pub fn key_attribute(&self) -> Option<&ObjectTypeAttribute> {
        self.key.as_ref().map(|k| &k.attribute)
    }

    /// The values of one JumpCloud record.
    pub fn transform(&self, record: &Json) -> RecordValues {
        let mut out = RecordValues {
            key: None,
            values: Vec::new(),
            errors: Vec::new(),
        };
        if let Some(key) = &self.key {
            match key.values(record) {
                Ok(Some(values)) if values.len() == 1 => {
                    out.key = Some(values[0].canonical());
                    out.values.push(key.output(values));
                }
                Ok(Some(values)) if values.len() > 1 => out.errors.push(key.error(format!(
                    "the key has {} values; it must have one",
                    values.len()
                ))),
                Ok(_) => out.errors.push(key.error(format!(
                    "the record has no value for the key '{}'",
                    key.row_source()
                ))),
                Err(message) => out.errors.push(key.error(message)),
            }
        }
        for row in &self.rows {
            let id = &row.attribute.id;
            // The first row that applies writes an attribute; later conditional ones are
            // alternatives.
            if out.values.iter().any(|v| &v.attribute_id == id)
                || out.errors.iter().any(|e| &e.attribute_id == id)
            {
                continue;
            }
            match row.values(record) {
                Ok(Some(values)) => out.values.push(row.output(values)),
                Ok(None) => {}
                Err(message) => out.errors.push(row.error(message)),
            }
        }
        out
    }
}

impl CompiledRow {
    fn output(&self, values: Vec<Value>) -> AttributeValues {
        AttributeValues {
            attribute_id: self.attribute.id.clone(),
            attribute: self.attribute.name.clone(),
            line: self.row.pos.line,
            values,
        }
    }

    fn error(&self, message: String) -> FieldError {
        FieldError {
            attribute_id: self.attribute.id.clone(),
            attribute: self.attribute.name.clone(),
            line: self.row.pos.line,
            message,
        }
    }

    fn row_source(&self) -> String {
        match &self.row.source {
            Source::Path { path } => path.text.clone(),
            Source::Template { .. } => "template".to_string(),
        }
    }

    /// `Ok(None)` when a condition does not hold (the attribute is left alone).
    fn values(&self, record: &Json) -> Result<Option<Vec<Value>>, String> {
        if !self.row.conditions.iter().all(|c| eval::holds(c, record)) {
            return Ok(None);
        }
        let mut texts = match &self.row.source {
            Source::Path { path } => eval::texts(record, path)?,
            Source::Template { template } => match template.single_path() {
                Some(path) => eval::texts(record, path)?,
                None => eval::render(template, record, None)?.into_iter().collect(),
            },
        };
        let multi = self.attribute.is_multi_valued();
        if let Some(separator) = &self.row.array_separator {
            texts = if multi {
                texts
                    .iter()
                    .flat_map(|t| t.split(separator.as_str()))
                    .map(|t| t.trim().to_string())
                    .collect()
            } else if texts.len() > 1 {
                vec![texts.join(separator)]
            } else {
                texts
            };
        }
        texts.retain(|t| !t.is_empty());
        for step in &self.steps {
            texts = apply(step, texts, record)?;
            texts.retain(|t| !t.is_empty());
        }
        let mut values: Vec<Value> = Vec::with_capacity(texts.len());
        for text in &texts {
            let text = match &self.row.lookup {
                Some(Lookup::ByAttribute { value, .. }) => {
                    let is_own = |p: &tributary_mapping::Path| self.row.is_own_value(p);
                    match eval::render(value, record, Some((&is_own, text)))? {
                        Some(t) => t,
                        None => continue,
                    }
                }
                _ => text.clone(),
            };
            let value = type_value(&self.attribute, &text, self.lookup_attribute.as_deref())?;
            let canonical = value.canonical();
            if canonical.is_empty() {
                // Blank text is no value (Assets keeps none either).
                continue;
            }
            if let Some(validation) = &self.validation {
                if !validation.is_match(&canonical) {
                    return Err(format!(
                        "'{canonical}' does not match the pattern {} that '{}' requires",
                        validation.as_str(),
                        self.attribute.name
                    ));
                }
            }
            // Values are canonical already, so equality is canonical equality.
            if !values.contains(&value) {
                values.push(value);
            }
        }
        if !multi && values.len() > 1 {
            let shown: Vec<String> = values
                .iter()
                .take(3)
                .map(|v| format!("'{}'", v.canonical()))
                .collect();
            return Err(format!(
                "{} values ({}{}) for a single-valued attribute; add |first or |join=\", \"",
                values.len(),
                shown.join(", "),
                if values.len() > 3 { ", ..." } else { "" }
            ));
        }
        // A required attribute left empty is judged by the sync planner, which knows whether
        // the record creates an object, clears a value or finds it after a lookup.
        Ok(Some(values))
    }
}

/// The `regexValidation` Assets checks Text, Email and URL values against (anywhere in the
/// value). A pattern this crate cannot read (Java syntax it lacks) is not checked here.
fn validation_of(attribute: &ObjectTypeAttribute) -> Option<Regex> {
    use tributary_models::assets::DefaultType;
    let pattern = attribute.regex_validation.as_deref()?.trim();
    let checked = matches!(
        attribute.default_kind(),
        Some(DefaultType::Text | DefaultType::Email | DefaultType::Url)
    );
    if !checked || pattern.is_empty() {
        return None;
    }
    Regex::new(pattern).ok()
}

/// The attribute named `name`, exactly or else ignoring case (as the validator matches).
fn find_attribute<'a>(
    attributes: &'a [ObjectTypeAttribute],
    name: &str,
) -> Option<&'a ObjectTypeAttribute> {
    attributes.iter().find(|a| a.name == name).or_else(|| {
        attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    })
}

fn apply(step: &CompiledStep, texts: Vec<String>, record: &Json) -> Result<Vec<String>, String> {
    Ok(match step {
        CompiledStep::Extract(regex) => texts
            .iter()
            .filter_map(|t| {
                regex.captures(t).map(|c| {
                    c.get(1)
                        .or_else(|| c.get(0))
                        .map_or("", |m| m.as_str())
                        .to_string()
                })
            })
            .collect(),
        CompiledStep::ParseDate(pattern) => texts
            .iter()
            .map(|t| {
                pattern
                    .read(t)
                    .map(|m| iso(&m))
                    .map_err(|e| format!("'{t}' does not match the date pattern: {e}"))
            })
            .collect::<Result<_, _>>()?,
        CompiledStep::FormatDate(pattern) => texts
            .iter()
            .map(|t| {
                parse_iso(t)
                    .and_then(|m| pattern.write(&m))
                    .map_err(|e| format!("cannot format '{t}' as a date: {e}"))
            })
            .collect::<Result<_, _>>()?,
        CompiledStep::DefaultTemplate(template) if texts.is_empty() => {
            eval::render(template, record, None)?.into_iter().collect()
        }
        CompiledStep::DefaultTemplate(_) => texts,
        CompiledStep::Plain(transform) => match transform {
            Transform::Lower => texts.into_iter().map(|t| t.to_lowercase()).collect(),
            Transform::Upper => texts.into_iter().map(|t| t.to_uppercase()).collect(),
            Transform::Trim => texts.into_iter().map(|t| t.trim().to_string()).collect(),
            Transform::Replace(from, to) => texts
                .into_iter()
                .map(|t| t.replace(from.as_str(), to))
                .collect(),
            Transform::Split(separator) => texts
                .iter()
                .flat_map(|t| t.split(separator.as_str()))
                .map(|t| t.trim().to_string())
                .collect(),
            Transform::Join(separator) if !texts.is_empty() => vec![texts.join(separator)],
            Transform::Join(_) => texts,
            Transform::Number(decimal) => texts
                .iter()
                .map(|t| number(t, decimal.as_deref()))
                .collect::<Result<_, _>>()?,
            Transform::Default(default) if texts.is_empty() => vec![default.clone()],
            Transform::Default(_) => texts,
            Transform::First => texts.into_iter().take(1).collect(),
            Transform::Extract(_) | Transform::ParseDate(_) | Transform::FormatDate(_) => {
                unreachable!("compiled separately")
            }
        },
    })
}

/// ISO 8601 text of a moment read by `parseDate`: date-time, date or time, as present.
fn iso(moment: &Moment) -> String {
    match (moment.date, moment.time) {
        (Some(_), Some(_)) => moment.datetime_text(),
        (Some(_), None) => moment.date_text(),
        _ => moment.time_text(),
    }
    .unwrap_or_default()
}

/// `|number`: drops grouping characters, reads the decimal separator given (default `.`).
fn number(text: &str, decimal: Option<&str>) -> Result<String, String> {
    let decimal = decimal.unwrap_or(".");
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| {
            !c.is_whitespace()
                && *c != '_'
                && *c != '\''
                && (decimal == "." || *c != '.')
                && (decimal == "," || *c != ',')
        })
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    let parsed: f64 = cleaned
        .parse()
        .ok()
        .filter(|f: &f64| f.is_finite())
        .ok_or_else(|| format!("'{}' is not a number", text.trim()))?;
    Ok(if parsed.fract() == 0.0 && parsed.abs() < 1e15 {
        format!("{}", parsed as i64)
    } else {
        parsed.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number("1,234.50", None).unwrap(), "1234.5");
        assert_eq!(number("1.234,5", Some(",")).unwrap(), "1234.5");
        assert_eq!(number(" 42 ", None).unwrap(), "42");
        assert!(number("n/a", None).is_err());
    }
}
