//! The parsed form of a mapping text. Serialises to the JSON the settings page shows.

use serde::{Deserialize, Serialize};
use tributary_models::jumpcloud::Collection;

use crate::diagnostic::Span;

/// Where a node was written. Positions never take part in equality: two mappings are equal
/// when they mean the same, wherever their lines are (this is what `parse(format(x)) ==
/// parse(x)` relies on).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// Byte range in the text.
    pub span: Span,
}

impl PartialEq for Pos {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A whole mapping: the key row, the map rows and the import settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Mapping {
    /// The `key:` row (the upsert key), if present.
    pub key: Option<Row>,
    /// The `map:` rows, in text order.
    pub rows: Vec<Row>,
    /// Settings from `config:` lines.
    pub config: Config,
}

/// `key:` or `map:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowKind {
    /// The upsert key.
    Key,
    /// A mapped attribute.
    Map,
}

/// One `key:` or `map:` line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    /// Key or map.
    pub kind: RowKind,
    /// Where the whole line is.
    pub pos: Pos,
    /// Where the value comes from.
    pub source: Source,
    /// The Assets attribute written, exactly as named in the text.
    pub attribute: String,
    /// Where the attribute name is.
    pub attribute_pos: Pos,
    /// For object references: how to find the referenced object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup: Option<Lookup>,
    /// Transforms applied to the value, in order.
    pub transforms: Vec<Step>,
    /// The row only applies when every condition holds.
    pub conditions: Vec<Condition>,
    /// OnLink's `arraySeparator`: split text on it (multi-valued targets) or join with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub array_separator: Option<String>,
    /// `|objectType=User`: the object type a reference points at, for schema set-up where
    /// the name cannot be inferred (a lookup by `JumpCloud ID` could mean any synced type).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    /// `|copy=Jira User`: with `|byKey`, the value written is that attribute of the object
    /// found (the manager's Jira account onto the user's own object), not a reference to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy: Option<CopyFrom>,
    /// `|attributeType=user`: the Assets type schema set-up gives the attribute, where the
    /// source's type says otherwise (an email written into a Jira User attribute).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_type: Option<AttributeType>,
    /// `|createMissing`: with a lookup by attribute (`|Name=${department}`), a value no object
    /// holds yet gets one, created in the referenced type with that attribute set to it (a
    /// Department, Location or Cost Center named from the value). Where the option is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_missing: Option<Pos>,
}

/// `|copy=<Attribute>`: the attribute of the found object whose values a row writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CopyFrom {
    /// The attribute's name on the mapping's own object type.
    pub attribute: String,
    /// Where the option is.
    pub pos: Pos,
}

/// An Assets attribute type a mapping row can ask schema set-up for (`|attributeType=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AttributeType {
    /// Text.
    Text,
    /// Textarea (long text).
    Textarea,
    /// Integer (32-bit).
    Integer,
    /// Double.
    Double,
    /// Boolean.
    Boolean,
    /// Date.
    Date,
    /// Time.
    Time,
    /// DateTime.
    DateTime,
    /// URL.
    Url,
    /// Email.
    Email,
    /// IP address.
    IpAddress,
    /// A Jira user (written as the accountId found from an email).
    User,
}

impl AttributeType {
    /// Every type, in the order the documentation lists them.
    pub const ALL: &'static [AttributeType] = &[
        Self::Text,
        Self::Textarea,
        Self::Integer,
        Self::Double,
        Self::Boolean,
        Self::Date,
        Self::Time,
        Self::DateTime,
        Self::Url,
        Self::Email,
        Self::IpAddress,
        Self::User,
    ];

    /// The name the mapping text uses, e.g. `datetime`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Textarea => "textarea",
            Self::Integer => "integer",
            Self::Double => "double",
            Self::Boolean => "boolean",
            Self::Date => "date",
            Self::Time => "time",
            Self::DateTime => "datetime",
            Self::Url => "url",
            Self::Email => "email",
            Self::IpAddress => "ipaddress",
            Self::User => "user",
        }
    }

    /// The type named `text` in any case.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.name().eq_ignore_ascii_case(text.trim()))
    }
}

/// The left side of a row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Source {
    /// A path into the JumpCloud record, e.g. `addresses[type=work].locality`.
    Path {
        /// The path.
        path: Path,
    },
    /// Text with `${path}` values, or a constant when it has none.
    Template {
        /// The template.
        template: Template,
    },
}

impl Source {
    /// Whether the source is a constant (a template without values).
    pub fn is_constant(&self) -> bool {
        matches!(self, Source::Template { template } if template.paths().next().is_none())
    }
}

/// A path into a JSON record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Path {
    /// The text as written (the formatter keeps it).
    pub text: String,
    /// The parsed segments.
    pub segments: Vec<Segment>,
}

/// One step of a [`Path`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "camelCase")]
pub enum Segment {
    /// An object field; applied to an array it applies to every element.
    Field(String),
    /// An array position; negative counts from the end. On an object, the field of that name.
    Index(i64),
    /// Every element of an array (`*` or `[*]`).
    All,
    /// The elements of an array for which the condition holds.
    Filter(Box<Condition>),
}

impl Path {
    /// The top-level JumpCloud field the path starts with.
    pub fn root_field(&self) -> Option<&str> {
        match self.segments.first() {
            Some(Segment::Field(name)) => Some(name),
            _ => None,
        }
    }

    /// Whether the path can yield several values by its shape (`*` or a filter).
    pub fn fans_out(&self) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, Segment::All | Segment::Filter(_)))
    }

    /// Adds this path to `out` (filter conditions inside it are relative to array elements,
    /// so they read no top-level field of their own).
    pub fn read_paths<'a>(&'a self, out: &mut Vec<&'a Path>) {
        out.push(self);
    }
}

/// A test on a value: `path=value`, `path!=value`, `path` (has a value), `!path` (has none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    /// Relative path (inside a filter) or record path (in `|when=`).
    pub path: Path,
    /// The test.
    pub test: Test,
}

/// The comparison of a [`Condition`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", content = "value", rename_all = "camelCase")]
pub enum Test {
    /// Some value equals the text (JSON numbers and booleans compare by their text form).
    Equals(String),
    /// No value equals the text.
    NotEquals(String),
    /// Has a non-empty value that is not `false`.
    Present,
    /// Has no value, an empty one, or `false`.
    Absent,
}

/// Text with `${path}` values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Template {
    /// Literal text and values, in order.
    pub parts: Vec<Part>,
}

/// A piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "camelCase")]
pub enum Part {
    /// Literal text.
    Text(String),
    /// `${path}`.
    Value(Path),
}

impl Template {
    /// The paths the template reads.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.parts.iter().filter_map(|p| match p {
            Part::Value(path) => Some(path),
            Part::Text(_) => None,
        })
    }

    /// The literal text, when the template is a constant.
    pub fn constant(&self) -> Option<String> {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                Part::Value(_) => None,
            })
            .collect()
    }

    /// Whether the template is exactly one `${path}`.
    pub fn single_path(&self) -> Option<&Path> {
        match self.parts.as_slice() {
            [Part::Value(path)] => Some(path),
            _ => None,
        }
    }
}

/// How an object reference finds the referenced object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Lookup {
    /// `|Name=${department}`: the object whose attribute `attribute` equals the template.
    ByAttribute {
        /// Attribute on the referenced object type.
        attribute: String,
        /// The value looked for; `${source}` stands for each value of the row's source.
        value: Template,
        /// Where the option is.
        pos: Pos,
    },
    /// `|byKey`: the object whose key attribute (the one in this mapping's `key:` line) holds
    /// the value, e.g. a manager's JumpCloud `_id`.
    ByKey {
        /// Where the option is.
        pos: Pos,
    },
}

/// A transform with where it was written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The transform.
    pub transform: Transform,
    /// Where it is.
    pub pos: Pos,
}

/// A value transform, applied in order after the source is read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "name", content = "args", rename_all = "camelCase")]
pub enum Transform {
    /// `|lower`
    Lower,
    /// `|upper`
    Upper,
    /// `|trim`
    Trim,
    /// `|replace=from,to`: every occurrence.
    Replace(String, String),
    /// `|extract=regex`: the first capture group (or the whole match); no match gives no value.
    Extract(String),
    /// `|split=sep`: one value becomes several.
    Split(String),
    /// `|join=sep`: several values become one.
    Join(String),
    /// `|parseDate=pattern`: read a date/time written in a strftime pattern.
    ParseDate(String),
    /// `|formatDate=pattern`: write a date/time as text in a strftime pattern.
    FormatDate(String),
    /// `|number` (or `|number=,` for a decimal comma): read a number, dropping grouping.
    Number(Option<String>),
    /// `|default=text`: the value when the source is missing or empty; `${path}`s in it are
    /// filled in from the record (see [`Transform::default_template`]).
    Default(String),
    /// `|first`: keep only the first value.
    First,
}

impl Transform {
    /// For `|default=` text with `${path}`s: the template it is filled in from (per record).
    pub fn default_template(&self) -> Option<Template> {
        match self {
            Transform::Default(text) if text.contains("${") => {
                crate::parser::template_at(text, 0).ok()
            }
            _ => None,
        }
    }

    /// The option name as written in the text.
    pub fn name(&self) -> &'static str {
        match self {
            Transform::Lower => "lower",
            Transform::Upper => "upper",
            Transform::Trim => "trim",
            Transform::Replace(..) => "replace",
            Transform::Extract(_) => "extract",
            Transform::Split(_) => "split",
            Transform::Join(_) => "join",
            Transform::ParseDate(_) => "parseDate",
            Transform::FormatDate(_) => "formatDate",
            Transform::Number(_) => "number",
            Transform::Default(_) => "default",
            Transform::First => "first",
        }
    }

    /// The arguments, in order.
    pub fn args(&self) -> Vec<&str> {
        match self {
            Transform::Lower | Transform::Upper | Transform::Trim | Transform::First => vec![],
            Transform::Replace(from, to) => vec![from, to],
            Transform::Number(decimal) => decimal.iter().map(String::as_str).collect(),
            Transform::Extract(a)
            | Transform::Split(a)
            | Transform::Join(a)
            | Transform::ParseDate(a)
            | Transform::FormatDate(a)
            | Transform::Default(a) => vec![a],
        }
    }
}

/// Import-level settings from `config:` lines.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// `config:api`: the JumpCloud collection read, as its row in the models crate's table.
    ///
    /// A `&'static` row rather than an id: every fact about the collection (path, filter
    /// syntax, fields) is one field access away, and rows are `Copy`-cheap to pass around. It
    /// serialises as the collection's name, e.g. `"systemusers"`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "tributary_models::jumpcloud::by_name::option::serialize"
    )]
    pub api: Option<&'static Collection>,
    /// `config:filter` lines: all must hold.
    pub filters: Vec<Filter>,
    /// `config:filterOr` lines: at least one must hold.
    pub any_filters: Vec<Filter>,
    /// `config:objectSchema`: by name or id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_schema: Option<NameOrId>,
    /// `config:objectType`: the target object type, by name or id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_type: Option<NameOrId>,
    /// `config:missing`: what happens to objects no longer in JumpCloud.
    pub missing: MissingPolicy,
    /// `config:maxDeletions`: the most objects one run may retire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_deletions: Option<Limit>,
    /// `config:maxClears`: the most keyed objects one run may clear one attribute on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_clears: Option<Limit>,
    /// `config:pageSize`: records per JumpCloud request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// Where `config:missing` was written, for diagnostics about its attributes.
    #[serde(skip)]
    pub missing_pos: Option<Pos>,
}

impl Config {
    /// The collection read, `systemusers` when none is given.
    pub fn api_or_default(&self) -> &'static Collection {
        self.api.unwrap_or(Collection::DEFAULT)
    }

    /// The page size to use: the configured one, else 100.
    pub fn page_size_or_default(&self) -> u32 {
        self.page_size.unwrap_or(100)
    }
}

/// A JumpCloud list filter `field:operator:value`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filter {
    /// Field name.
    pub field: String,
    /// Operator, e.g. `$eq`.
    pub operator: String,
    /// Value (may contain `:`).
    pub value: String,
    /// Where it was written.
    pub pos: Pos,
}

impl Filter {
    /// The query-string form JumpCloud takes, `field:op:value`.
    pub fn query_value(&self) -> String {
        format!("{}:{}:{}", self.field, self.operator, self.value)
    }
}

/// An Assets object schema or type, by name or numeric id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", content = "value", rename_all = "camelCase")]
pub enum NameOrId {
    /// All digits: an id.
    Id(String),
    /// Anything else: a name.
    Name(String),
}

impl NameOrId {
    /// A name, or an id when the text is all digits (as `config:objectType=` reads it).
    pub fn of(text: String) -> Self {
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            NameOrId::Id(text)
        } else {
            NameOrId::Name(text)
        }
    }

    /// The text as written.
    pub fn text(&self) -> &str {
        match self {
            NameOrId::Id(s) | NameOrId::Name(s) => s,
        }
    }
}

/// What a run does with Assets objects whose key no longer comes from JumpCloud: the one
/// definition from the mapping text to the planner. `A` names the attributes a mark sets: by
/// name as written in the text (`String`), by attribute id once the sync crate has resolved
/// the policy against the object type (values then in the canonical form the planner compares).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum MissingPolicy<A = String> {
    /// Leave them alone (the default).
    Ignore,
    /// Set attributes on them, e.g. `Status=Inactive`.
    Mark {
        /// `(attribute, value)` pairs, in order.
        set: Vec<(A, String)>,
    },
    /// Delete them.
    Delete,
}

/// The `config:missing` action names, as the mapping text spells them.
pub mod missing_action {
    /// [`super::MissingPolicy::Ignore`].
    pub const IGNORE: &str = "ignore";
    /// [`super::MissingPolicy::Mark`].
    pub const MARK: &str = "mark";
    /// [`super::MissingPolicy::Delete`].
    pub const DELETE: &str = "delete";
}

/// Every `config:missing` action, in the order the settings page offers them.
pub const MISSING_ACTIONS: [&str; 3] = [
    missing_action::IGNORE,
    missing_action::MARK,
    missing_action::DELETE,
];

impl<A> MissingPolicy<A> {
    /// The action's name in the mapping text (one of [`MISSING_ACTIONS`]).
    pub fn action(&self) -> &'static str {
        match self {
            MissingPolicy::Ignore => missing_action::IGNORE,
            MissingPolicy::Mark { .. } => missing_action::MARK,
            MissingPolicy::Delete => missing_action::DELETE,
        }
    }
}

// Not derived: a derive would require `A: Default`.
#[allow(clippy::derivable_impls)]
impl<A> Default for MissingPolicy<A> {
    fn default() -> Self {
        MissingPolicy::Ignore
    }
}

/// A guard on how many objects a run may retire (mark or delete).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "unit", content = "value", rename_all = "camelCase")]
pub enum Limit {
    /// At most this many objects.
    Count(u64),
    /// At most this percentage of the keyed objects of the type.
    Percent(f64),
}

impl Limit {
    /// The most objects a run may retire out of `total` existing ones.
    pub fn allowed(self, total: u64) -> u64 {
        match self {
            Limit::Count(n) => n,
            // Floor: a guard of 10% on 15 objects allows 1, never 2.
            Limit::Percent(p) => ((total as f64) * p / 100.0).floor() as u64,
        }
    }

    /// The guard as written, for messages: `10` or `10%`.
    pub fn describe(self) -> String {
        match self {
            Limit::Count(n) => n.to_string(),
            Limit::Percent(p) => format!("{p}%"),
        }
    }
}
