//! The planner's input contract: compact desired and existing objects.
//!
//! Kept independent of the mapping and transform crates so the planner is testable on its own;
//! [`crate::source`] turns mapping text + JumpCloud records into these types.

use serde::{Deserialize, Serialize};
use tributary_models::assets::{
    AttributeKind, AttributeValueView, ObjectTypeAttribute, ObjectView,
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
    /// Object references found by looking the values up on another (or the same) object type.
    Lookup {
        /// The referenced object type id.
        target_type_id: String,
        /// Which attribute of the referenced type holds the values.
        by: LookupBy,
        /// The values looked for (empty = the attribute should be empty).
        values: Vec<String>,
        /// `|copy=`: the attribute (by id) of the found objects whose values are written,
        /// instead of references to them (the lookup is then on the import's own type).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        copy: Option<String>,
    },
    /// Jira users, found by email (the value written is the accountId).
    JiraUser {
        /// Email addresses (empty = the attribute should be empty).
        emails: Vec<String>,
    },
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
/// of the type while a run plans, so it is compact: the values sit in one short list (a run
/// compares a handful of attributes), not in a map per object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExistingObject {
    /// Object id (for PUT / DELETE).
    pub id: String,
    /// Object key, e.g. `HR-12` (what references write).
    pub object_key: String,
    /// Canonical values by attribute id (only attributes that have values), one entry each.
    values: Vec<(Box<str>, Box<[String]>)>,
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
            values: Vec::new(),
        };
        for (attribute_id, texts) in values {
            object.set(&attribute_id, texts);
        }
        object
    }

    /// Sets the canonical values of one attribute; an empty list unsets it.
    pub fn set(&mut self, attribute_id: &str, texts: Vec<String>) {
        if texts.is_empty() {
            self.values.retain(|(id, _)| !same_id(id, attribute_id));
            return;
        }
        let texts = texts.into_boxed_slice();
        match self
            .values
            .iter_mut()
            .find(|(id, _)| same_id(id, attribute_id))
        {
            Some((_, old)) => *old = texts,
            None => self.values.push((attribute_id.into(), texts)),
        }
    }

    /// The canonical values of one attribute (empty when unset).
    pub fn get(&self, attribute_id: &str) -> &[String] {
        self.values
            .iter()
            .find(|(id, _)| same_id(id, attribute_id))
            .map(|(_, texts)| &**texts)
            .unwrap_or(&[])
    }

    /// Builds the compact form from an object of an AQL page, keeping the canonical values of
    /// `attributes` only (nothing else is compared).
    pub fn from_view(object: &ObjectView<'_>, attributes: &[AttrDef]) -> Self {
        let mut compact = ExistingObject::new(object.id.as_ref(), object.object_key.as_ref(), []);
        for attribute in &object.attributes {
            let id = attribute.object_type_attribute_id.as_ref();
            let Some(def) = attributes.iter().find(|a| same_id(&a.id, id)) else {
                continue;
            };
            let texts: Vec<String> = attribute
                .object_attribute_values
                .iter()
                .filter_map(|v| def.stored(v))
                .filter(|v| !v.is_empty())
                .collect();
            if !texts.is_empty() {
                compact.set(id, texts);
            }
        }
        compact.values.shrink_to_fit();
        compact
    }
}

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
pub fn same_values(multi: bool, a: &[String], b: &[String]) -> bool {
    if !multi {
        return a == b;
    }
    let mut x: Vec<&String> = a.iter().collect();
    let mut y: Vec<&String> = b.iter().collect();
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
