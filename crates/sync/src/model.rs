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

/// The attribute of a referenced object type a lookup matches on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "by", content = "name", rename_all = "camelCase")]
pub enum LookupBy {
    /// The attribute with this name on the referenced type.
    Attribute(String),
    /// The attribute named like this import's key attribute (e.g. a manager's JumpCloud id).
    Key,
}

/// One source record, transformed: the key value and what each attribute should hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesiredObject {
    /// The upsert key value (canonical), e.g. a JumpCloud `_id`.
    pub key: String,
    /// `(attribute id, desired)` for every mapped attribute except the key.
    pub attributes: Vec<(String, Desired)>,
    /// Problems the transformer found in this record (the attributes concerned are left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<RecordProblem>,
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
/// of the type while a run plans, so it is compact: all its compared values sit in one string
/// (one allocation per object, not one per attribute and value); see [`ExistingObject::get`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingObject {
    /// Object id (for PUT / DELETE).
    pub id: String,
    /// Object key, e.g. `HR-12` (what references write).
    pub object_key: String,
    /// The canonical values of the attributes that have any, one entry per attribute: the
    /// attribute id, the number of values, then the values, each piece written as
    /// `{byte length}:{text}` (lengths make it lossless whatever the values hold).
    values: Box<str>,
}

/// Appends one `{byte length}:{text}` piece.
fn push_piece(out: &mut String, text: &str) {
    use std::fmt::Write;
    let _ = write!(out, "{}:", text.len());
    out.push_str(text);
}

/// Splits the piece at the start of `text` off: `(piece, rest)`. Only called on what
/// [`push_piece`] wrote.
fn split_piece(text: &str) -> (&str, &str) {
    // Read for every value of every object the planner compares: a digit loop, not `parse`.
    let mut len = 0usize;
    let mut digits = 0;
    for byte in text.bytes() {
        if byte == b':' {
            break;
        }
        len = len * 10 + usize::from(byte - b'0');
        digits += 1;
    }
    let rest = &text[digits + 1..];
    (&rest[..len], &rest[len..])
}

impl ExistingObject {
    /// An object with canonical values by attribute id (as [`ExistingObject::set`], in order).
    pub fn new(
        id: impl Into<String>,
        object_key: impl Into<String>,
        values: impl IntoIterator<Item = (String, Vec<String>)>,
    ) -> Self {
        let mut object = ExistingObject {
            id: id.into(),
            object_key: object_key.into(),
            values: Box::default(),
        };
        for (attribute_id, texts) in values {
            object.set(&attribute_id, texts);
        }
        object
    }

    /// Every attribute that has values, with its values, in the order they were set.
    fn entries(&self) -> Entries<'_> {
        Entries { rest: &self.values }
    }

    /// Sets the canonical values of one attribute; an empty list unsets it.
    pub fn set(&mut self, attribute_id: &str, texts: Vec<String>) {
        let mut out = String::with_capacity(self.values.len() + 16);
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
        self.values = out.into_boxed_str();
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
            id: object.id.to_string(),
            object_key: object.object_key.to_string(),
            values: out.into_boxed_str(),
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
    values: impl Iterator<Item = &'v str> + Clone,
) {
    push_piece(out, attribute_id);
    push_piece(out, &values.clone().count().to_string());
    for value in values {
        push_piece(out, value);
    }
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
        let (count, mut rest) = split_piece(rest);
        let left = count
            .bytes()
            .fold(0usize, |n, b| n * 10 + usize::from(b - b'0'));
        let values = Values { left, rest };
        for _ in 0..left {
            rest = split_piece(rest).1;
        }
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
        assert_eq!(
            (object.id.as_str(), object.object_key.as_str()),
            ("5", "HR-5")
        );
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
