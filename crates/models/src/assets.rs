//! Jira Service Management Assets models (`/jsm/assets/workspace/{ws}/v1/...`).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// The kind of an object type attribute (`ObjectTypeAttribute.type` in the spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttributeKind {
    /// `0`: a plain value whose format is given by [`DefaultType`].
    Default,
    /// `1`: a reference to another Assets object.
    ObjectReference,
    /// `2`: a Jira user (value = Atlassian accountId).
    User,
    /// `4`: a Jira group.
    Group,
    /// `7`: an Assets status (value = status id).
    Status,
    /// Any other code the service may add; kept so nothing is lost on a round trip.
    Other(i64),
}

impl AttributeKind {
    /// The numeric code Assets uses for this kind.
    pub fn code(self) -> i64 {
        match self {
            Self::Default => 0,
            Self::ObjectReference => 1,
            Self::User => 2,
            Self::Group => 4,
            Self::Status => 7,
            Self::Other(code) => code,
        }
    }

    /// The kind for an Assets numeric code.
    pub fn from_code(code: i64) -> Self {
        match code {
            0 => Self::Default,
            1 => Self::ObjectReference,
            2 => Self::User,
            4 => Self::Group,
            7 => Self::Status,
            other => Self::Other(other),
        }
    }
}

impl Serialize for AttributeKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.code())
    }
}

impl<'de> Deserialize<'de> for AttributeKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        i64::deserialize(deserializer).map(Self::from_code)
    }
}

/// The value format of a [`AttributeKind::Default`] attribute (`DefaultType.id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DefaultType {
    /// `0`
    Text,
    /// `1`
    Integer,
    /// `2`
    Boolean,
    /// `3`
    Double,
    /// `4`
    Date,
    /// `5`
    Time,
    /// `6`
    DateTime,
    /// `7`
    Url,
    /// `8`
    Email,
    /// `9`
    Textarea,
    /// `10`
    Select,
    /// `11`
    IpAddress,
    /// Any other id the service may add.
    Other(i64),
}

impl DefaultType {
    /// The numeric id Assets uses for this type.
    pub fn id(self) -> i64 {
        match self {
            Self::Text => 0,
            Self::Integer => 1,
            Self::Boolean => 2,
            Self::Double => 3,
            Self::Date => 4,
            Self::Time => 5,
            Self::DateTime => 6,
            Self::Url => 7,
            Self::Email => 8,
            Self::Textarea => 9,
            Self::Select => 10,
            Self::IpAddress => 11,
            Self::Other(id) => id,
        }
    }

    /// The type for an Assets numeric id.
    pub fn from_id(id: i64) -> Self {
        match id {
            0 => Self::Text,
            1 => Self::Integer,
            2 => Self::Boolean,
            3 => Self::Double,
            4 => Self::Date,
            5 => Self::Time,
            6 => Self::DateTime,
            7 => Self::Url,
            8 => Self::Email,
            9 => Self::Textarea,
            10 => Self::Select,
            11 => Self::IpAddress,
            other => Self::Other(other),
        }
    }

    /// The name Assets shows for this type (`DefaultType.name`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "Text",
            Self::Integer => "Integer",
            Self::Boolean => "Boolean",
            Self::Double => "Double",
            Self::Date => "Date",
            Self::Time => "Time",
            Self::DateTime => "DateTime",
            Self::Url => "URL",
            Self::Email => "Email",
            Self::Textarea => "Textarea",
            Self::Select => "Select",
            Self::IpAddress => "IP Address",
            Self::Other(_) => "Unknown",
        }
    }
}

/// `DefaultType` as it appears on the wire: `{id, name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefaultTypeRef {
    /// Numeric id, see [`DefaultType`].
    pub id: i64,
    /// Display name.
    #[serde(default)]
    pub name: String,
}

impl DefaultTypeRef {
    /// The typed form of this default type.
    pub fn kind(&self) -> DefaultType {
        DefaultType::from_id(self.id)
    }
}

/// A minimal object type reference, as nested in attributes and objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ObjectTypeRef {
    /// Object type id (a numeric string).
    pub id: String,
    /// Object type name.
    #[serde(default)]
    pub name: String,
    /// Schema the type belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_schema_id: Option<String>,
}

/// One attribute definition of an object type (`GET objecttype/{id}/attributes` items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectTypeAttribute {
    /// Attribute id (a numeric string).
    pub id: String,
    /// Attribute name as shown in Assets, e.g. `Job Title`.
    pub name: String,
    /// Whether this attribute is the object's label.
    #[serde(default)]
    pub label: bool,
    /// Attribute kind.
    #[serde(rename = "type")]
    pub kind: AttributeKind,
    /// Value format for [`AttributeKind::Default`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_type: Option<DefaultTypeRef>,
    /// Target object type for references.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_object_type_id: Option<String>,
    /// Target object type for references, when expanded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_object_type: Option<ObjectTypeRef>,
    /// Allowed values for Status attributes (status ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub type_value_multi: Vec<String>,
    /// Whether the attribute can be written.
    #[serde(default = "default_true")]
    pub editable: bool,
    /// System attributes (Key, Created, Updated) cannot be written.
    #[serde(default)]
    pub system: bool,
    /// Minimum number of values.
    #[serde(default)]
    pub minimum_cardinality: i64,
    /// Maximum number of values; `-1` means unbounded.
    #[serde(default = "default_one")]
    pub maximum_cardinality: i64,
    /// Whether values must be unique across the object type.
    #[serde(default)]
    pub unique_attribute: bool,
    /// Comma separated options for Select attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<String>,
    /// Java-style regular expression values must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex_validation: Option<String>,
    /// Display position.
    #[serde(default)]
    pub position: i64,
}

fn default_true() -> bool {
    true
}

fn default_one() -> i64 {
    1
}

impl ObjectTypeAttribute {
    /// Whether this attribute accepts more than one value.
    pub fn is_multi_valued(&self) -> bool {
        self.maximum_cardinality < 0 || self.maximum_cardinality > 1
    }

    /// The value format of a default attribute, `None` for references, users, groups and statuses.
    pub fn default_kind(&self) -> Option<DefaultType> {
        match self.kind {
            AttributeKind::Default => Some(
                self.default_type
                    .as_ref()
                    .map(DefaultTypeRef::kind)
                    .unwrap_or(DefaultType::Text),
            ),
            _ => None,
        }
    }

    /// The id of the referenced object type, for object references.
    pub fn reference_target(&self) -> Option<&str> {
        self.reference_object_type_id
            .as_deref()
            .or(self.reference_object_type.as_ref().map(|t| t.id.as_str()))
    }

    /// Options of a Select attribute, trimmed, in order.
    pub fn select_options(&self) -> Vec<&str> {
        self.options
            .as_deref()
            .map(|o| {
                o.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A short human description of the type, e.g. `Integer` or `reference to Department`.
    pub fn type_description(&self) -> String {
        match self.kind {
            AttributeKind::Default => self
                .default_kind()
                .unwrap_or(DefaultType::Text)
                .name()
                .to_string(),
            AttributeKind::ObjectReference => match &self.reference_object_type {
                Some(t) if !t.name.is_empty() => format!("reference to {}", t.name),
                _ => "object reference".to_string(),
            },
            AttributeKind::User => "Jira user".to_string(),
            AttributeKind::Group => "Jira group".to_string(),
            AttributeKind::Status => "status".to_string(),
            AttributeKind::Other(code) => format!("attribute type {code}"),
        }
    }
}

/// Error body Assets returns with 4xx responses (`Errors` in the spec).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// General messages.
    #[serde(default)]
    pub error_messages: Vec<String>,
    /// Per-field messages, keyed by field or attribute name.
    #[serde(default)]
    pub errors: serde_json::Map<String, serde_json::Value>,
}

/// One value to write (`ObjectAttributeValueIn`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeValueIn {
    /// The value as Assets expects it: text, number as text, object key for references,
    /// accountId for users, status id for statuses.
    pub value: String,
}

/// The values of one attribute to write (`ObjectAttributeIn`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeIn {
    /// Attribute id.
    pub object_type_attribute_id: String,
    /// Values; an empty list clears the attribute.
    pub object_attribute_values: Vec<AttributeValueIn>,
}

/// Body of `POST object/create` and `PUT object/{id}` (`ObjectIn`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectIn {
    /// Object type id.
    pub object_type_id: String,
    /// Attributes to set.
    pub attributes: Vec<AttributeIn>,
}

/// A read attribute value (`ObjectAttributeValue`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AttributeValue {
    /// Raw value; absent for references, users and statuses, which carry nested objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// Display form.
    #[serde(default)]
    pub display_value: String,
    /// Search form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_value: Option<String>,
    /// Referenced object (for object references): carries `id` and `objectKey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced_object: Option<serde_json::Value>,
    /// Jira user (for user attributes): carries `key` (the accountId).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<serde_json::Value>,
    /// Status (for status attributes): carries `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<serde_json::Value>,
}

/// One attribute of a read object (`ObjectAttribute`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectAttribute {
    /// Attribute id.
    pub object_type_attribute_id: String,
    /// Values.
    #[serde(default)]
    pub object_attribute_values: Vec<AttributeValue>,
}

/// A read object (`Object`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Object {
    /// Object id (a numeric string).
    pub id: String,
    /// Object key, e.g. `ITSM-42`.
    pub object_key: String,
    /// Label.
    #[serde(default)]
    pub label: String,
    /// Object type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<ObjectTypeRef>,
    /// Attributes (present when the request asked for them).
    #[serde(default)]
    pub attributes: Vec<ObjectAttribute>,
}

/// Body of `POST object/aql` (`ObjectAQLParams`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AqlQuery {
    /// The AQL text.
    pub ql_query: String,
}

/// Response of `POST object/aql`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AqlPage {
    /// Objects on this page.
    #[serde(default)]
    pub values: Vec<Object>,
    /// Offset of the first object.
    #[serde(default)]
    pub start_at: i64,
    /// Page size.
    #[serde(default)]
    pub max_results: i64,
    /// Whether this is the last page (Assets sends a boolean; its own examples a string).
    #[serde(default, deserialize_with = "lenient_bool")]
    pub is_last: bool,
}

/// An `object/aql` page read for comparison only: each object's id, key and attribute values,
/// borrowed from the response text where it has no escapes. Everything else on the page (the
/// object type, avatars, links, the referenced objects' own nesting) is skipped while parsing,
/// never built: a page of 500 users is read without one JSON tree.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AqlPageView<'a> {
    /// Objects on this page.
    #[serde(default, borrow)]
    pub values: Vec<ObjectView<'a>>,
    /// Whether this is the last page (as [`AqlPage::is_last`]).
    #[serde(default, deserialize_with = "lenient_bool")]
    pub is_last: bool,
}

/// An object of an [`AqlPageView`].
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectView<'a> {
    /// Object id.
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// Object key, e.g. `ITSM-42`.
    #[serde(borrow)]
    pub object_key: Cow<'a, str>,
    /// Attributes (present when the request asked for them).
    #[serde(default, borrow)]
    pub attributes: Vec<ObjectAttributeView<'a>>,
}

/// An attribute of an [`ObjectView`].
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectAttributeView<'a> {
    /// Attribute id.
    #[serde(borrow)]
    pub object_type_attribute_id: Cow<'a, str>,
    /// Values.
    #[serde(default, borrow)]
    pub object_attribute_values: Vec<AttributeValueView<'a>>,
}

/// A value of an [`ObjectAttributeView`]: the parts of [`AttributeValue`] a comparison reads.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeValueView<'a> {
    /// The raw value as text (numbers and booleans written as JSON writes them); `None` for
    /// null, objects and arrays.
    #[serde(default, borrow)]
    pub value: Option<ScalarText<'a>>,
    /// Display form.
    #[serde(default, borrow)]
    pub display_value: Option<ScalarText<'a>>,
    /// For object references: the referenced object's key.
    #[serde(default, borrow)]
    pub referenced_object: Option<ObjectKeyField<'a>>,
    /// For users: the accountId (`user.key`).
    #[serde(default, borrow)]
    pub user: Option<UserKeyField<'a>>,
    /// For statuses: the status id (`status.id`).
    #[serde(default, borrow)]
    pub status: Option<IdField<'a>>,
}

impl AttributeValueView<'_> {
    /// The text a reference, user or status value stands for: the referenced object's key,
    /// the user's accountId, the status id.
    pub fn nested_text(&self, kind: AttributeKind) -> Option<&str> {
        let text = match kind {
            AttributeKind::ObjectReference => self.referenced_object.as_ref()?.object_key.as_ref(),
            AttributeKind::User => self.user.as_ref()?.key.as_ref(),
            AttributeKind::Status => self.status.as_ref()?.id.as_ref(),
            _ => None,
        };
        text.and_then(|t| t.text())
    }

    /// The raw text of a plain value: `value`, else `displayValue`.
    pub fn raw_text(&self) -> Option<&str> {
        self.value
            .as_ref()
            .and_then(ScalarText::text)
            .or_else(|| self.display_value.as_ref().and_then(ScalarText::text))
    }
}

/// `{objectKey}` of a referenced object.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectKeyField<'a> {
    /// The referenced object's key.
    #[serde(default, borrow)]
    pub object_key: Option<ScalarText<'a>>,
}

/// `{key}` of a Jira user value.
#[derive(Debug, Deserialize)]
pub struct UserKeyField<'a> {
    /// The accountId.
    #[serde(default, borrow)]
    pub key: Option<ScalarText<'a>>,
}

/// `{id}` of a status value.
#[derive(Debug, Deserialize)]
pub struct IdField<'a> {
    /// The status id.
    #[serde(default, borrow)]
    pub id: Option<ScalarText<'a>>,
}

/// A JSON scalar as text: a string as it is, a number or boolean as JSON writes it; null,
/// objects and arrays (skipped, never built) have none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalarText<'a>(pub Option<Cow<'a, str>>);

impl ScalarText<'_> {
    /// The text, if the value was a scalar.
    pub fn text(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for ScalarText<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = ScalarText<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(ScalarText(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ScalarText(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(ScalarText(Some(Cow::Owned(v))))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(ScalarText(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ScalarText(Some(Cow::Owned(
                    serde_json::Number::from(v).to_string(),
                ))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(ScalarText(Some(Cow::Owned(
                    serde_json::Number::from(v).to_string(),
                ))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(ScalarText(
                    serde_json::Number::from_f64(v).map(|n| Cow::Owned(n.to_string())),
                ))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(ScalarText(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(ScalarText(None))
            }
            fn visit_some<D: serde::Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(ScalarText(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(ScalarText(None))
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

/// Response of `GET /rest/servicedeskapi/assets/workspace` (Jira Service Management).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct WorkspaceList {
    /// The site's Assets workspaces (one per site).
    #[serde(default)]
    pub values: Vec<Workspace>,
}

/// One Assets workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    /// The workspace id used in every Assets path.
    pub workspace_id: String,
}

/// An object schema (`ObjectSchema`), reduced to what the product shows and matches on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectSchema {
    /// Schema id.
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    /// Name.
    pub name: String,
    /// Key, e.g. `ITSM`.
    #[serde(default)]
    pub object_schema_key: String,
}

/// Response of `GET objectschema/list` (`ObjectSchemaList`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ObjectSchemaList {
    /// Schemas on this page.
    #[serde(default)]
    pub values: Vec<ObjectSchema>,
    /// Schemas in all.
    #[serde(default)]
    pub total: u64,
    /// Whether this is the last page (`isLast`; older answers say `last`).
    #[serde(default, deserialize_with = "lenient_bool")]
    pub is_last: bool,
    /// Older name of `isLast`.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub last: bool,
}

/// An object type (`ObjectType`): an element of `objectschema/{id}/objecttypes/flat`, or
/// the body of `GET objecttype/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectType {
    /// Object type id.
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    /// Name.
    pub name: String,
    /// The schema it belongs to.
    #[serde(
        default,
        deserialize_with = "opt_id_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub object_schema_id: Option<String>,
    /// The parent type, for inherited types (an integer in the spec).
    #[serde(
        default,
        deserialize_with = "opt_id_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_object_type_id: Option<String>,
}

/// A status type (`GET config/statustype`): what Status attributes hold, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusType {
    /// Status id (the value written).
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    /// Name, e.g. `Active`.
    pub name: String,
}

/// An id as text: ids are strings in most Assets answers and integers in a few (`parentObjectTypeId`).
pub fn id_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "an id must be text or a number, not {other}"
        ))),
    }
}

fn opt_id_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// A boolean that may come as `true` or `"true"`.
fn lenient_bool<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Bool(b) => b,
        serde_json::Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    })
}

/// Escapes a value for use inside a double-quoted AQL string.
///
/// Values from JumpCloud always pass through here before they reach an AQL query.
pub fn aql_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        if ch == '"' || ch == '\\' {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_from_spec_shape() {
        let json = r#"{"workspaceId":"w","globalId":"g","id":"135","name":"Job Title","label":false,
            "type":0,"defaultType":{"id":0,"name":"Text"},"editable":true,"system":false,
            "minimumCardinality":0,"maximumCardinality":1,"indexed":true,"position":4}"#;
        let attr: ObjectTypeAttribute = serde_json::from_str(json).unwrap();
        assert_eq!(attr.kind, AttributeKind::Default);
        assert_eq!(attr.default_kind(), Some(DefaultType::Text));
        assert!(!attr.is_multi_valued());
    }

    #[test]
    fn reference_attribute_target() {
        let json = r#"{"id":"9","name":"Manager","type":1,"referenceObjectTypeId":"12",
            "maximumCardinality":-1,"position":1}"#;
        let attr: ObjectTypeAttribute = serde_json::from_str(json).unwrap();
        assert_eq!(attr.reference_target(), Some("12"));
        assert!(attr.is_multi_valued());
        assert_eq!(attr.default_kind(), None);
    }

    #[test]
    fn aql_quote_escapes_quotes_and_backslashes() {
        assert_eq!(aql_quote(r#"O"Brien \ x"#), r#""O\"Brien \\ x""#);
    }
}
