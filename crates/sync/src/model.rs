//! The planner's input contract: compact desired and existing objects.
//!
//! Kept independent of the mapping and transform crates so the planner is testable on its own;
//! [`crate::source`] turns mapping text + JumpCloud records into these types.

use serde::{Deserialize, Serialize};
use tributary_models::assets::{
    AttributeKind, AttributeValueView, ObjectAttributeView, ObjectTypeAttribute, ObjectView,
};

/// What the source says one attribute of an object should hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Desired {
    /// Literal values in canonical text form (empty = the attribute should be empty).
    Values {
        /// Canonical values.
        values: Vec<String>,
    },
    /// Object references found by looking the values up on another (or the same) object type
    /// (boxed: every attribute of every record is a `Desired`, and most are plain values).
    Lookup(Box<DesiredLookup>),
    /// Jira users, found by email (the value written is the accountId).
    JiraUser {
        /// Email addresses (empty = the attribute should be empty).
        emails: Vec<String>,
    },
}

/// A [`Desired::Lookup`]: the values looked up and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredLookup {
    /// The referenced object type id.
    pub target_type_id: String,
    /// Which attribute of the referenced type holds the values.
    pub by: LookupBy,
    /// The values looked for (empty = the attribute should be empty).
    pub values: Vec<String>,
    /// `|copy=`: the attribute (by id) of the found objects whose values are written,
    /// instead of references to them (the lookup is then on the import's own type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<String>,
}

impl Desired {
    /// Plain canonical values.
    pub fn values<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> Self {
        Desired::Values {
            values: values.into_iter().map(Into::into).collect(),
        }
    }
}

/// The attribute of a referenced object type a lookup matches on (`S` is `&str` in the
/// borrowed view a [`DesiredObject`] lends, [`LookupRef::by`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "by", content = "name", rename_all = "camelCase")]
pub enum LookupBy<S = String> {
    /// The attribute with this name on the referenced type.
    Attribute(S),
    /// The attribute named like this import's key attribute (e.g. a manager's JumpCloud id).
    Key,
}

impl<S: AsRef<str>> LookupBy<S> {
    /// The borrowed form.
    pub fn as_ref(&self) -> LookupBy<&str> {
        match self {
            LookupBy::Attribute(name) => LookupBy::Attribute(name.as_ref()),
            LookupBy::Key => LookupBy::Key,
        }
    }

    /// The owned form.
    pub fn to_owned(&self) -> LookupBy {
        match self {
            LookupBy::Attribute(name) => LookupBy::Attribute(name.as_ref().to_string()),
            LookupBy::Key => LookupBy::Key,
        }
    }
}

/// One source record, transformed: the key value and what each attribute should hold.
///
/// Held for every record while a run plans, so compact: its key and what all its attributes
/// should hold sit in one string (one allocation per record, not one per attribute and value),
/// lent out as [`DesiredRef`]s by [`DesiredObject::attributes`]. Its JSON form (stored run
/// chunks) is `{key, attributes: [[attribute id, Desired]...], problems}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredObject {
    /// The key value, then per mapped attribute except the key, in order: its id, what it
    /// holds (a tag: `v`
    /// values, `j` Jira users, `k` / `a` a lookup by key / by attribute, `c` appended when the
    /// lookup copies), for lookups the referenced type id, the attribute name (`a`) and the
    /// copied attribute id (`c`), then the number of values and the values; each piece
    /// written by [`push_piece`].
    data: Box<str>,
    /// Problems the transformer found in this record (the attributes concerned are left out).
    pub problems: Vec<RecordProblem>,
}

/// What one attribute of a [`DesiredObject`] should hold, borrowed from it: [`Desired`]'s view.
#[derive(Debug, Clone, Copy)]
pub enum DesiredRef<'a> {
    /// Literal values in canonical text form (none = the attribute should be empty).
    Values(Values<'a>),
    /// Object references found by looking values up.
    Lookup(LookupRef<'a>),
    /// Jira users, by email (or accountId).
    JiraUser(Values<'a>),
}

/// A [`DesiredLookup`], borrowed.
#[derive(Debug, Clone, Copy)]
pub struct LookupRef<'a> {
    /// The referenced object type id.
    pub target_type_id: &'a str,
    /// Which attribute of the referenced type holds the values.
    pub by: LookupBy<&'a str>,
    /// The values looked for.
    pub values: Values<'a>,
    /// `|copy=`: the attribute (by id) of the found objects whose values are written.
    pub copy: Option<&'a str>,
}

impl DesiredRef<'_> {
    /// The owned form.
    pub fn to_owned(&self) -> Desired {
        match *self {
            DesiredRef::Values(values) => Desired::Values {
                values: values.to_vec(),
            },
            DesiredRef::JiraUser(emails) => Desired::JiraUser {
                emails: emails.to_vec(),
            },
            DesiredRef::Lookup(lookup) => Desired::Lookup(Box::new(DesiredLookup {
                target_type_id: lookup.target_type_id.to_string(),
                by: lookup.by.to_owned(),
                values: lookup.values.to_vec(),
                copy: lookup.copy.map(str::to_string),
            })),
        }
    }
}

impl DesiredObject {
    /// A record with its key, what each attribute should hold (in order) and its problems.
    pub fn new<I, A>(key: impl AsRef<str>, attributes: I, problems: Vec<RecordProblem>) -> Self
    where
        I: IntoIterator<Item = (A, Desired)>,
        A: AsRef<str>,
    {
        let mut record = DesiredObject::builder(key, problems);
        for (id, desired) in attributes {
            record.push(id.as_ref(), &desired);
        }
        record.build()
    }

    /// Starts a record to which attributes are added one by one (no intermediate lists).
    pub fn builder(key: impl AsRef<str>, problems: Vec<RecordProblem>) -> DesiredBuilder {
        let mut data = String::new();
        push_piece(&mut data, key.as_ref());
        DesiredBuilder { data, problems }
    }

    /// The upsert key value (canonical), e.g. a JumpCloud `_id`; empty when the record has
    /// none.
    pub fn key(&self) -> &str {
        split_piece(&self.data).0
    }

    /// What each mapped attribute should hold, in order: `(attribute id, desired)`.
    pub fn attributes(&self) -> DesiredEntries<'_> {
        DesiredEntries {
            rest: split_piece(&self.data).1,
        }
    }

    /// What the first entry for `attribute_id` says, if the record maps it.
    pub fn get(&self, attribute_id: &str) -> Option<DesiredRef<'_>> {
        self.attributes()
            .find(|(id, _)| same_id(id, attribute_id))
            .map(|(_, desired)| desired)
    }

    /// Adds one attribute at the end.
    pub fn push(&mut self, attribute_id: &str, desired: &Desired) {
        let mut out = String::with_capacity(self.data.len() + 32);
        out.push_str(&self.data);
        encode_desired(&mut out, attribute_id, desired);
        self.data = out.into_boxed_str();
    }

    /// Rewrites the attributes: `edit` gets each one owned and keeps it (returns `true`,
    /// possibly changed) or drops it.
    pub fn edit_attributes(&mut self, mut edit: impl FnMut(&str, &mut Desired) -> bool) {
        let mut out = String::with_capacity(self.data.len());
        push_piece(&mut out, self.key());
        for (id, desired) in self.attributes() {
            let mut owned = desired.to_owned();
            if edit(id, &mut owned) {
                encode_desired(&mut out, id, &owned);
            }
        }
        self.data = out.into_boxed_str();
    }
}

/// A [`DesiredObject`] being built ([`DesiredObject::builder`]).
#[derive(Debug)]
pub struct DesiredBuilder {
    data: String,
    problems: Vec<RecordProblem>,
}

impl DesiredBuilder {
    /// Adds what one attribute should hold.
    pub fn push(&mut self, attribute_id: &str, desired: &Desired) {
        encode_desired(&mut self.data, attribute_id, desired);
    }

    /// Adds literal values (`tag` `v`) or Jira users (`j`) without a [`Desired`] in between.
    fn push_texts<S: AsRef<str>>(
        &mut self,
        attribute_id: &str,
        tag: &str,
        texts: impl ExactSizeIterator<Item = S>,
    ) {
        push_piece(&mut self.data, attribute_id);
        push_piece(&mut self.data, tag);
        encode_values(&mut self.data, texts);
    }

    /// Adds literal values.
    pub fn push_values<S: AsRef<str>>(
        &mut self,
        attribute_id: &str,
        values: impl ExactSizeIterator<Item = S>,
    ) {
        self.push_texts(attribute_id, "v", values);
    }

    /// Adds Jira users by email (or accountId).
    pub fn push_jira_users<S: AsRef<str>>(
        &mut self,
        attribute_id: &str,
        emails: impl ExactSizeIterator<Item = S>,
    ) {
        self.push_texts(attribute_id, "j", emails);
    }

    /// The record.
    pub fn build(self) -> DesiredObject {
        DesiredObject {
            data: self.data.into_boxed_str(),
            problems: self.problems,
        }
    }
}

/// Appends one attribute's entry of a [`DesiredObject`].
fn encode_desired(out: &mut String, attribute_id: &str, desired: &Desired) {
    push_piece(out, attribute_id);
    let values = match desired {
        Desired::Values { values } => {
            push_piece(out, "v");
            values
        }
        Desired::JiraUser { emails } => {
            push_piece(out, "j");
            emails
        }
        Desired::Lookup(lookup) => {
            let tag = match (&lookup.by, lookup.copy.is_some()) {
                (LookupBy::Key, false) => "k",
                (LookupBy::Key, true) => "kc",
                (LookupBy::Attribute(_), false) => "a",
                (LookupBy::Attribute(_), true) => "ac",
            };
            push_piece(out, tag);
            push_piece(out, &lookup.target_type_id);
            if let LookupBy::Attribute(name) = &lookup.by {
                push_piece(out, name);
            }
            if let Some(copy) = &lookup.copy {
                push_piece(out, copy);
            }
            &lookup.values
        }
    };
    encode_values(out, values.iter());
}

/// The entries of a [`DesiredObject`]: `(attribute id, desired)`.
#[derive(Debug, Clone)]
pub struct DesiredEntries<'a> {
    rest: &'a str,
}

impl<'a> Iterator for DesiredEntries<'a> {
    type Item = (&'a str, DesiredRef<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (id, rest) = split_piece(self.rest);
        let (tag, mut rest) = split_piece(rest);
        let mut take = || {
            let (piece, after) = split_piece(rest);
            rest = after;
            piece
        };
        let lookup = match tag {
            "v" | "j" => None,
            _ => {
                let target_type_id = take();
                let by = match tag.as_bytes()[0] {
                    b'a' => LookupBy::Attribute(take()),
                    _ => LookupBy::Key,
                };
                let copy = tag.ends_with('c').then(&mut take);
                Some((target_type_id, by, copy))
            }
        };
        let (values, rest) = take_values(rest);
        self.rest = rest;
        let desired = match (tag, lookup) {
            (_, Some((target_type_id, by, copy))) => DesiredRef::Lookup(LookupRef {
                target_type_id,
                by,
                values,
                copy,
            }),
            ("j", None) => DesiredRef::JiraUser(values),
            _ => DesiredRef::Values(values),
        };
        Some((id, desired))
    }
}

/// The JSON form of a [`DesiredObject`] (what stored run chunks hold), unchanged from when the
/// record held its attributes as a list.
#[derive(Serialize, Deserialize)]
struct DesiredObjectJson {
    key: String,
    attributes: Vec<(String, Desired)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    problems: Vec<RecordProblem>,
}

impl Serialize for DesiredObject {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        DesiredObjectJson {
            key: self.key().to_string(),
            attributes: self
                .attributes()
                .map(|(id, desired)| (id.to_string(), desired.to_owned()))
                .collect(),
            problems: self.problems.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DesiredObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = DesiredObjectJson::deserialize(deserializer)?;
        Ok(DesiredObject::new(json.key, json.attributes, json.problems))
    }
}

/// A per-attribute problem found before planning (bad value, unreadable path...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordProblem {
    /// The attribute concerned, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// An Assets object of the target type, reduced to what the diff needs. Kept for every object
/// of the type while a run plans, so it is compact: its id, key and all its compared values sit
/// in one string (one allocation per object, not one per attribute and value); see
/// [`ExistingObject::get`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingObject {
    /// The object id, the object key, then the canonical values of the attributes that have
    /// any, one entry per attribute: the attribute id, the number of values ([`push_len`]),
    /// then the values; each piece written by [`push_piece`].
    data: Box<str>,
}

/// Lengths below this are written as one character (ASCII, so the text stays UTF-8); longer
/// ones as this character, the decimal length and `:`.
const LONG: u8 = 0x7F;

/// Appends a length (or count) as [`take_len`] reads it.
fn push_len(out: &mut String, len: usize) {
    match u8::try_from(len) {
        Ok(short) if short < LONG => out.push(char::from(short)),
        _ => {
            use std::fmt::Write;
            out.push(char::from(LONG));
            let _ = write!(out, "{len}:");
        }
    }
}

/// Reads the length [`push_len`] wrote at the start of `text`: `(length, rest)`.
fn take_len(text: &str) -> (usize, &str) {
    // Read for every value of every object the planner compares: a byte, or a digit loop.
    let bytes = text.as_bytes();
    if bytes[0] < LONG {
        return (usize::from(bytes[0]), &text[1..]);
    }
    let mut len = 0usize;
    let mut end = 1;
    while bytes[end] != b':' {
        len = len * 10 + usize::from(bytes[end] - b'0');
        end += 1;
    }
    (len, &text[end + 1..])
}

/// Appends one piece: its byte length ([`push_len`]), then the text (lengths make the
/// compact forms lossless whatever the texts hold).
fn push_piece(out: &mut String, text: &str) {
    push_len(out, text.len());
    out.push_str(text);
}

/// Splits the piece at the start of `text` off: `(piece, rest)`. Only called on what
/// [`push_piece`] wrote.
fn split_piece(text: &str) -> (&str, &str) {
    let (len, rest) = take_len(text);
    rest.split_at(len)
}

impl ExistingObject {
    /// An object with canonical values by attribute id (as [`ExistingObject::set`], in order).
    pub fn new(
        id: impl Into<String>,
        object_key: impl Into<String>,
        values: impl IntoIterator<Item = (String, Vec<String>)>,
    ) -> Self {
        let mut head = String::new();
        push_piece(&mut head, &id.into());
        push_piece(&mut head, &object_key.into());
        let mut object = ExistingObject {
            data: head.into_boxed_str(),
        };
        for (attribute_id, texts) in values {
            object.set(&attribute_id, texts);
        }
        object
    }

    /// Object id (for PUT / DELETE).
    pub fn id(&self) -> &str {
        split_piece(&self.data).0
    }

    /// Object key, e.g. `HR-12` (what references write).
    pub fn object_key(&self) -> &str {
        split_piece(split_piece(&self.data).1).0
    }

    /// The id and key pieces, as written.
    fn head(&self) -> &str {
        let rest = split_piece(split_piece(&self.data).1).1;
        &self.data[..self.data.len() - rest.len()]
    }

    /// Every attribute that has values, with its values, in the order they were set.
    fn entries(&self) -> Entries<'_> {
        Entries {
            rest: &self.data[self.head().len()..],
        }
    }

    /// Sets the canonical values of one attribute; an empty list unsets it.
    pub fn set(&mut self, attribute_id: &str, texts: Vec<String>) {
        let mut out = String::with_capacity(self.data.len() + 16);
        out.push_str(self.head());
        let mut replaced = false;
        for (id, values) in self.entries() {
            if same_id(id, attribute_id) {
                replaced = true;
                if !texts.is_empty() {
                    encode_entry(&mut out, attribute_id, texts.iter().map(String::as_str));
                }
            } else {
                encode_entry(&mut out, id, values);
            }
        }
        if !replaced && !texts.is_empty() {
            encode_entry(&mut out, attribute_id, texts.iter().map(String::as_str));
        }
        self.data = out.into_boxed_str();
    }

    /// The canonical values of one attribute (none when unset).
    pub fn get(&self, attribute_id: &str) -> Values<'_> {
        self.entries()
            .find(|(id, _)| same_id(id, attribute_id))
            .map(|(_, values)| values)
            .unwrap_or(Values { left: 0, rest: "" })
    }

    /// Builds the compact form from an object of an AQL page, keeping the canonical values of
    /// `attributes` only (nothing else is compared).
    pub fn from_view(object: &ObjectView<'_>, attributes: &[AttrDef]) -> Self {
        let mut out = String::new();
        push_piece(&mut out, &object.id);
        push_piece(&mut out, &object.object_key);
        let mut seen: Vec<&str> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        for attribute in &object.attributes {
            let Some((id, stored)) = compared(attribute, attributes) else {
                continue;
            };
            if seen.iter().any(|s| same_id(s, id)) {
                return Self::from_repeated(object, attributes);
            }
            texts.clear();
            texts.extend(stored);
            if !texts.is_empty() {
                seen.push(id);
                encode_entry(&mut out, id, texts.iter().map(String::as_str));
            }
        }
        ExistingObject {
            data: out.into_boxed_str(),
        }
    }

    /// [`ExistingObject::from_view`] for an object that lists an attribute twice (Assets does
    /// not; kept exact all the same): the last non-empty values win, in the first place.
    fn from_repeated(object: &ObjectView<'_>, attributes: &[AttrDef]) -> Self {
        let mut compact = ExistingObject::new(object.id.as_ref(), object.object_key.as_ref(), []);
        for attribute in &object.attributes {
            let Some((id, stored)) = compared(attribute, attributes) else {
                continue;
            };
            let texts: Vec<String> = stored.collect();
            if !texts.is_empty() {
                compact.set(id, texts);
            }
        }
        compact
    }
}

/// The id and canonical non-empty values of an AQL object's attribute, when it is one of
/// `attributes` (nothing else is compared).
fn compared<'v>(
    attribute: &'v ObjectAttributeView<'_>,
    attributes: &'v [AttrDef],
) -> Option<(&'v str, impl Iterator<Item = String> + 'v)> {
    let id = attribute.object_type_attribute_id.as_ref();
    let def = attributes.iter().find(|a| same_id(&a.id, id))?;
    let stored = attribute
        .object_attribute_values
        .iter()
        .filter_map(|v| def.stored(v))
        .filter(|v| !v.is_empty());
    Some((id, stored))
}

/// Appends one attribute's entry: its id, the number of values, the values.
fn encode_entry<'v>(
    out: &mut String,
    attribute_id: &str,
    values: impl ExactSizeIterator<Item = &'v str>,
) {
    push_piece(out, attribute_id);
    encode_values(out, values);
}

/// Appends the number of values, then the values (read back by [`take_values`]).
fn encode_values<S: AsRef<str>>(out: &mut String, values: impl ExactSizeIterator<Item = S>) {
    push_len(out, values.len());
    for value in values {
        push_piece(out, value.as_ref());
    }
}

/// Reads what [`encode_values`] wrote at the start of `text`: `(values, rest)`.
fn take_values(text: &str) -> (Values<'_>, &str) {
    let (left, mut rest) = take_len(text);
    let values = Values { left, rest };
    for _ in 0..left {
        rest = split_piece(rest).1;
    }
    (values, rest)
}

/// The entries of an [`ExistingObject`]'s values: `(attribute id, values)`.
struct Entries<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Entries<'a> {
    type Item = (&'a str, Values<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (id, rest) = split_piece(self.rest);
        let (values, rest) = take_values(rest);
        self.rest = rest;
        Some((id, values))
    }
}

/// The canonical values of one attribute of an [`ExistingObject`], in order.
#[derive(Debug, Clone, Copy)]
pub struct Values<'a> {
    left: usize,
    rest: &'a str,
}

impl<'a> Values<'a> {
    /// The first value, if any.
    pub fn first(mut self) -> Option<&'a str> {
        self.next()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.left == 0
    }

    /// The values as owned strings.
    pub fn to_vec(self) -> Vec<String> {
        self.map(str::to_string).collect()
    }
}

impl<'a> Iterator for Values<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let (value, rest) = split_piece(self.rest);
        self.rest = rest;
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Values<'_> {}

/// Whether two attribute ids are equal. Ids are a few digits and are compared for every value
/// of every object read: an inlined byte loop, not a call to `memcmp` per comparison.
#[inline]
fn same_id(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// An attribute definition, reduced to what planning needs.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrDef {
    /// Attribute id.
    pub id: String,
    /// Name as shown in Assets.
    pub name: String,
    /// Kind (reference, user, status...).
    pub kind: AttributeKind,
    /// Whether more than one value is allowed (order then does not matter).
    pub multi: bool,
    /// Whether the attribute can be written at all.
    pub writable: bool,
    /// The full definition (used to type values read from Assets).
    pub attribute: ObjectTypeAttribute,
}

impl AttrDef {
    /// The compact form of an Assets attribute definition.
    pub fn from_attribute(attribute: &ObjectTypeAttribute) -> Self {
        AttrDef {
            id: attribute.id.clone(),
            name: attribute.name.clone(),
            kind: attribute.kind,
            multi: attribute.is_multi_valued(),
            writable: attribute.editable && !attribute.system,
            attribute: attribute.clone(),
        }
    }

    /// The canonical form of a value as Assets stored it (an AQL answer): a reference's
    /// object key, a user's accountId, a status id, else the typed raw value (the raw text when
    /// it does not type, rather than lose it).
    pub fn stored(&self, value: &AttributeValueView<'_>) -> Option<String> {
        match self.kind {
            AttributeKind::ObjectReference | AttributeKind::User | AttributeKind::Status => {
                value.nested_text(self.kind).map(str::to_string)
            }
            _ => {
                let raw = value.raw_text().filter(|raw| !raw.is_empty())?;
                Some(
                    tributary_transform::type_value(&self.attribute, raw, None)
                        .map(|v| v.canonical())
                        .unwrap_or_else(|_| raw.to_string()),
                )
            }
        }
    }

    /// The canonical form of a value read from Assets, so that it compares equal to what the
    /// transformer would write for the same value.
    pub fn normalise(&self, raw: &str) -> String {
        tributary_transform::type_value(&self.attribute, raw, None)
            .map(|v| v.canonical())
            .unwrap_or_else(|_| raw.trim().to_string())
    }
}

/// Whether two value lists are the same for an attribute: in order for single-valued
/// attributes, as sets for multi-valued ones (Assets does not keep reference order).
pub fn same_values<A: AsRef<str>, B: AsRef<str>>(multi: bool, a: &[A], b: &[B]) -> bool {
    if !multi {
        return a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.as_ref() == y.as_ref());
    }
    let mut x: Vec<&str> = a.iter().map(AsRef::as_ref).collect();
    let mut y: Vec<&str> = b.iter().map(AsRef::as_ref).collect();
    x.sort();
    x.dedup();
    y.sort();
    y.dedup();
    x == y
}

/// An Assets attribute id: what a [`MissingPolicy`](tributary_mapping::MissingPolicy) names
/// once resolved against the object type (the mapping text names attributes by name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AttributeId(pub String);

/// A missing-object policy resolved against the target: attribute ids and canonical values.
pub type ResolvedMissing = tributary_mapping::MissingPolicy<AttributeId>;

#[cfg(test)]
mod tests {
    use super::ExistingObject;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn compact_values_keep_any_text_and_follow_set() {
        let tricky = ["12:ab", "", "é:3:", "9", "a\u{0}b"];
        let mut object = ExistingObject::new(
            "7",
            "HR-7",
            [
                ("1".to_string(), strings(&tricky[..2])),
                ("12".to_string(), strings(&tricky[2..])),
            ],
        );
        assert_eq!(object.get("1").to_vec(), strings(&tricky[..2]));
        assert_eq!(object.get("12").to_vec(), strings(&tricky[2..]));
        assert_eq!(object.get("12").len(), 3);
        assert!(
            object.get("2").is_empty(),
            "an unset attribute has no values"
        );
        object.set("1", strings(&["x"]));
        assert_eq!(object.get("1").first(), Some("x"));
        assert_eq!(
            object.get("12").to_vec(),
            strings(&tricky[2..]),
            "others kept"
        );
        object.set("12", Vec::new());
        assert!(object.get("12").is_empty(), "an empty list unsets");
        object.set("3", strings(&["new"]));
        assert_eq!(object.get("3").to_vec(), strings(&["new"]));
        assert_eq!(object.get("1").to_vec(), strings(&["x"]));
    }

    #[test]
    fn long_texts_and_many_values_keep_their_lengths() {
        let long = "é".repeat(200) + "\u{7f}:9";
        let many: Vec<String> = (0..300).map(|i| format!("v{i}")).collect();
        let boundary = [
            "x".repeat(126),
            "y".repeat(127),
            "z".repeat(128),
            String::new(),
        ];
        let object = ExistingObject::new(
            "1".repeat(130),
            "HR-1",
            [
                ("1".to_string(), vec![long.clone()]),
                ("2".to_string(), many.clone()),
                ("3".to_string(), boundary.to_vec()),
            ],
        );
        assert_eq!(object.id(), "1".repeat(130));
        assert_eq!(object.object_key(), "HR-1");
        assert_eq!(object.get("1").to_vec(), vec![long]);
        assert_eq!(object.get("2").len(), 300);
        assert_eq!(object.get("2").to_vec(), many);
        assert_eq!(object.get("3").to_vec(), boundary.to_vec());
    }

    #[test]
    fn a_desired_record_lends_what_it_was_given_and_keeps_its_json_form() {
        use super::{Desired, DesiredLookup, DesiredObject, LookupBy, RecordProblem};
        let given = vec![
            ("2".to_string(), Desired::values(["12:ab", "", "é:3:"])),
            ("3".to_string(), Desired::values(Vec::<String>::new())),
            (
                "4".to_string(),
                Desired::JiraUser {
                    emails: strings(&["a@example.com", "acc-1"]),
                },
            ),
            (
                "5".to_string(),
                Desired::Lookup(Box::new(DesiredLookup {
                    target_type_id: "22".into(),
                    by: LookupBy::Key,
                    values: strings(&["5f01"]),
                    copy: None,
                })),
            ),
            (
                "6".to_string(),
                Desired::Lookup(Box::new(DesiredLookup {
                    target_type_id: "7".into(),
                    by: LookupBy::Attribute("Name:x".into()),
                    values: strings(&["Finance", "a\u{0}b"]),
                    copy: Some("9".into()),
                })),
            ),
        ];
        let problems = vec![RecordProblem {
            attribute: Some("Email".into()),
            message: "bad".into(),
        }];
        let record = DesiredObject::new("k1", given.clone(), problems.clone());
        let lent: Vec<(String, Desired)> = record
            .attributes()
            .map(|(id, d)| (id.to_string(), d.to_owned()))
            .collect();
        assert_eq!(lent, given);
        assert!(matches!(record.get("4"), Some(super::DesiredRef::JiraUser(e)) if e.len() == 2));
        assert!(record.get("1").is_none());
        // The stored run chunks' form, as it was when the record held a list.
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "key": "k1",
                "attributes": [
                    ["2", {"type": "values", "values": ["12:ab", "", "é:3:"]}],
                    ["3", {"type": "values", "values": []}],
                    ["4", {"type": "jiraUser", "emails": ["a@example.com", "acc-1"]}],
                    ["5", {"type": "lookup", "target_type_id": "22", "by": {"by": "key"},
                           "values": ["5f01"]}],
                    ["6", {"type": "lookup", "target_type_id": "7",
                           "by": {"by": "attribute", "name": "Name:x"},
                           "values": ["Finance", "a\u{0}b"], "copy": "9"}]
                ],
                "problems": [{"attribute": "Email", "message": "bad"}]
            })
        );
        let back: DesiredObject = serde_json::from_value(json).unwrap();
        assert_eq!(back, record);
        let mut edited = record.clone();
        edited.edit_attributes(|id, desired| {
            if let Desired::Values { values } = desired {
                values.push(id.to_string());
            }
            id != "5"
        });
        assert_eq!(edited.attributes().count(), 4);
        assert_eq!(
            edited.get("3").map(|d| d.to_owned()),
            Some(Desired::values(["3"]))
        );
        edited.push("8", &Desired::values(["new"]));
        assert_eq!(
            edited.get("8").map(|d| d.to_owned()),
            Some(Desired::values(["new"]))
        );
    }

    #[test]
    fn an_attribute_listed_twice_keeps_its_last_values_in_its_first_place() {
        use super::AttrDef;
        use tributary_models::assets::{ObjectTypeAttribute, ObjectView};
        let attrs: Vec<ObjectTypeAttribute> = serde_json::from_str(
            r#"[{"id":"1","name":"A","type":0,"defaultType":{"id":0}},
                {"id":"2","name":"B","type":0,"defaultType":{"id":0}}]"#,
        )
        .unwrap();
        let defs: Vec<AttrDef> = attrs.iter().map(AttrDef::from_attribute).collect();
        let once: ObjectView<'_> = serde_json::from_str(
            r#"{"id":"5","objectKey":"HR-5","attributes":[
                {"objectTypeAttributeId":"2","objectAttributeValues":[{"value":"b"}]},
                {"objectTypeAttributeId":"9","objectAttributeValues":[{"value":"other"}]},
                {"objectTypeAttributeId":"1","objectAttributeValues":[{"value":"a"},{"value":""}]}]}"#,
        )
        .unwrap();
        let object = ExistingObject::from_view(&once, &defs);
        assert_eq!((object.id(), object.object_key()), ("5", "HR-5"));
        assert_eq!(
            object,
            ExistingObject::new(
                "5",
                "HR-5",
                [
                    ("2".to_string(), strings(&["b"])),
                    ("1".to_string(), strings(&["a"]))
                ]
            )
        );
        let twice: ObjectView<'_> = serde_json::from_str(
            r#"{"id":"5","objectKey":"HR-5","attributes":[
                {"objectTypeAttributeId":"1","objectAttributeValues":[{"value":"first"}]},
                {"objectTypeAttributeId":"2","objectAttributeValues":[{"value":"b"}]},
                {"objectTypeAttributeId":"1","objectAttributeValues":[]},
                {"objectTypeAttributeId":"1","objectAttributeValues":[{"value":"last"}]}]}"#,
        )
        .unwrap();
        let object = ExistingObject::from_view(&twice, &defs);
        assert_eq!(
            object,
            ExistingObject::new(
                "5",
                "HR-5",
                [
                    ("1".to_string(), strings(&["last"])),
                    ("2".to_string(), strings(&["b"]))
                ]
            )
        );
    }
}
