//! Typed Assets values and their canonical text, the form the sync planner compares.

use serde::Serialize;
use tributary_mapping::values;
use tributary_models::assets::{AttributeKind, AttributeValue, DefaultType, ObjectTypeAttribute};

/// A value ready for an Assets attribute, typed by the attribute's type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "camelCase")]
pub enum Value {
    /// Text (trimmed).
    Text(String),
    /// Multi-line text (`\n` line ends, trimmed).
    Textarea(String),
    /// 32-bit whole number.
    Integer(i32),
    /// Floating point number.
    Double(f64),
    /// true / false.
    Boolean(bool),
    /// `YYYY-MM-DD`.
    Date(String),
    /// `HH:MM:SS`.
    Time(String),
    /// `YYYY-MM-DDTHH:MM:SS[.mmm]Z`, UTC.
    DateTime(String),
    /// URL with lower-case scheme and host.
    Url(String),
    /// Email with lower-case domain.
    Email(String),
    /// One of the Select attribute's options, spelt as the option is.
    Select(String),
    /// IPv4 or (compressed) IPv6 address.
    IpAddress(String),
    /// An object reference still to be resolved to an object key.
    Reference(PendingReference),
    /// A Jira user still to be resolved to an accountId (or already one).
    User(UserRef),
    /// An Assets status: a status id, or a status name to resolve.
    Status(String),
    /// A Jira group name.
    Group(String),
}

/// How to find a referenced object: in `object_type_id`, the object whose `attribute` equals
/// `value`; with no attribute, `value` is the object key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingReference {
    /// The referenced object type.
    pub object_type_id: Option<String>,
    /// The attribute searched on that type; `None` means the value is an object key.
    pub attribute: Option<String>,
    /// The value searched for.
    pub value: String,
    /// `|copy=`: the attribute of the found object (of the mapping's own type) whose values
    /// are written, instead of a reference to the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<String>,
}

impl PendingReference {
    /// The AQL that finds the object, with the value escaped.
    pub fn aql(&self) -> String {
        use tributary_models::assets::aql_quote;
        let condition = match &self.attribute {
            Some(attribute) => format!("{} = {}", aql_quote(attribute), aql_quote(&self.value)),
            None => format!("Key = {}", aql_quote(&self.value)),
        };
        match &self.object_type_id {
            Some(id) => format!("objectTypeId = {} AND {condition}", aql_quote(id)),
            None => condition,
        }
    }
}

/// A Jira user, by email (to look up) or by accountId.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", content = "value", rename_all = "camelCase")]
pub enum UserRef {
    /// Look the accountId up from this (lower-cased) email.
    Email(String),
    /// Already an Atlassian accountId.
    AccountId(String),
}

impl Value {
    /// The canonical text: equal values have equal text, so a re-run sees no false change.
    /// References and users give their lookup value; compare them after resolution.
    pub fn canonical(&self) -> String {
        match self {
            Value::Integer(n) => n.to_string(),
            Value::Double(f) => f.to_string(),
            Value::Boolean(b) => b.to_string(),
            Value::Reference(r) => r.value.clone(),
            Value::User(UserRef::Email(s) | UserRef::AccountId(s)) => s.clone(),
            Value::Text(s)
            | Value::Textarea(s)
            | Value::Date(s)
            | Value::Time(s)
            | Value::DateTime(s)
            | Value::Url(s)
            | Value::Email(s)
            | Value::Select(s)
            | Value::IpAddress(s)
            | Value::Status(s)
            | Value::Group(s) => s.clone(),
        }
    }

    /// Whether the value still needs a lookup before it can be written.
    pub fn is_pending(&self) -> bool {
        matches!(self, Value::Reference(_) | Value::User(UserRef::Email(_)))
    }
}

/// Types one text as a value of `attr`, or says why it cannot be one.
pub fn type_value(
    attr: &ObjectTypeAttribute,
    text: &str,
    reference: Option<&str>,
) -> Result<Value, String> {
    match attr.kind {
        AttributeKind::Default => {
            let kind = attr.default_kind().unwrap_or(DefaultType::Text);
            if kind == DefaultType::Select {
                let wanted = text.trim();
                let options = attr.select_options();
                return options
                    .iter()
                    .find(|o| o.eq_ignore_ascii_case(wanted))
                    .map(|o| Value::Select(o.to_string()))
                    .ok_or_else(|| {
                        format!(
                            "'{wanted}' is not one of the options: {}",
                            options.join(", ")
                        )
                    });
            }
            let canonical = values::canonical(kind, text)?;
            Ok(match kind {
                DefaultType::Integer => {
                    Value::Integer(canonical.parse().map_err(|_| canonical.clone())?)
                }
                DefaultType::Double => {
                    Value::Double(canonical.parse().map_err(|_| canonical.clone())?)
                }
                DefaultType::Boolean => Value::Boolean(canonical == "true"),
                DefaultType::Date => Value::Date(canonical),
                DefaultType::Time => Value::Time(canonical),
                DefaultType::DateTime => Value::DateTime(canonical),
                DefaultType::Url => Value::Url(canonical),
                DefaultType::Email => Value::Email(canonical),
                DefaultType::IpAddress => Value::IpAddress(canonical),
                DefaultType::Textarea => Value::Textarea(canonical),
                DefaultType::Text | DefaultType::Select | DefaultType::Other(_) => {
                    Value::Text(canonical)
                }
            })
        }
        AttributeKind::ObjectReference => Ok(Value::Reference(PendingReference {
            object_type_id: attr.reference_target().map(str::to_string),
            attribute: reference.map(str::to_string),
            value: text.trim().to_string(),
            copy: None,
        })),
        AttributeKind::User => {
            let text = text.trim();
            if text.contains('@') {
                values::email(text).map(|e| Value::User(UserRef::Email(e.to_lowercase())))
            } else {
                Ok(Value::User(UserRef::AccountId(text.to_string())))
            }
        }
        AttributeKind::Status => {
            let text = text.trim();
            let is_id = text.bytes().all(|b| b.is_ascii_digit());
            if is_id
                && !attr.type_value_multi.is_empty()
                && !attr.type_value_multi.iter().any(|s| s == text)
            {
                return Err(format!(
                    "status id {text} is not allowed here; allowed: {}",
                    attr.type_value_multi.join(", ")
                ));
            }
            Ok(Value::Status(text.to_string()))
        }
        AttributeKind::Group => Ok(Value::Group(text.trim().to_string())),
        AttributeKind::Other(code) => Err(format!(
            "attribute type {code} cannot be written by an import"
        )),
    }
}

/// The canonical text of a value as Assets returns it (`GET object/{id}` or AQL), comparable
/// with [`Value::canonical`] of a resolved value. `None` when the value carries nothing.
pub fn stored_canonical(attr: &ObjectTypeAttribute, stored: &AttributeValue) -> Option<String> {
    let field = |v: &Option<serde_json::Value>, name: &str| {
        v.as_ref()?.get(name).and_then(crate::eval::scalar_text)
    };
    match attr.kind {
        AttributeKind::ObjectReference => field(&stored.referenced_object, "objectKey"),
        AttributeKind::User => field(&stored.user, "key"),
        AttributeKind::Status => field(&stored.status, "id"),
        _ => {
            let raw = stored
                .value
                .as_ref()
                .and_then(crate::eval::scalar_text)
                .unwrap_or_else(|| stored.display_value.clone());
            if raw.is_empty() {
                return None;
            }
            // What Assets stored always types; if not, compare the raw text rather than lose it.
            Some(
                type_value(attr, &raw, None)
                    .map(|v| v.canonical())
                    .unwrap_or(raw),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(json: &str) -> ObjectTypeAttribute {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn typing_and_stored_values_agree() {
        let double = attr(r#"{"id":"1","name":"H","type":0,"defaultType":{"id":3}}"#);
        let v = type_value(&double, " 1.50", None).unwrap();
        assert_eq!(v, Value::Double(1.5));
        let stored = AttributeValue {
            value: Some(serde_json::json!(1.5)),
            display_value: "1.5".into(),
            ..Default::default()
        };
        assert_eq!(
            stored_canonical(&double, &stored).as_deref(),
            Some(v.canonical().as_str())
        );
        let datetime = attr(r#"{"id":"1","name":"D","type":0,"defaultType":{"id":6}}"#);
        let stored = AttributeValue {
            value: Some(serde_json::json!("2024-05-01T10:00:00.000Z")),
            ..Default::default()
        };
        let ours = type_value(&datetime, "2024-05-01T12:00:00+02:00", None).unwrap();
        assert_eq!(stored_canonical(&datetime, &stored), Some(ours.canonical()));
        let select = attr(
            r#"{"id":"1","name":"S","type":0,"defaultType":{"id":10},"options":"Full time,Part time"}"#,
        );
        assert_eq!(
            type_value(&select, "full TIME", None).unwrap(),
            Value::Select("Full time".into())
        );
        assert!(type_value(&select, "Contractor", None)
            .unwrap_err()
            .contains("Full time, Part time"));
    }

    #[test]
    fn references_build_escaped_aql() {
        let reference = PendingReference {
            object_type_id: Some("12".into()),
            attribute: Some("Name".into()),
            value: "R\"D".into(),
            copy: None,
        };
        assert_eq!(
            reference.aql(),
            r#"objectTypeId = "12" AND "Name" = "R\"D""#
        );
    }
}
