//! Schema set-up, planned: the object types and attributes a set of mappings needs in the
//! object schemas they name, compared with what Assets has. Pure; the engine reads what
//! exists and makes the creates ([`crate::engine::schema`]).
//!
//! What a row needs is inferred once, here: the key row is a unique attribute; `|byKey` is a
//! reference to the mapping's own type; a lookup `|Name=${x}` is a reference to the type
//! `|objectType=` names, else the type named like the attribute (`Groups` → `Group`); other
//! rows take the JumpCloud field's type from the vendor spec, changed by the row's transforms,
//! unless `|attributeType=` says otherwise. Nothing that exists is ever changed: an attribute
//! of another type is reported as a conflict.

use std::collections::BTreeMap;

use serde::Serialize;
use tributary_mapping::{AttributeType, Lookup, Mapping, Row, RowKind, Source, Transform};
use tributary_models::assets::{AttributeKind, DefaultType, ObjectTypeAttribute};
use tributary_models::jumpcloud::{Collection, FieldType};

/// Attributes every new object type comes with (Assets makes them), by name.
pub const BUILT_IN_ATTRIBUTES: &[&str] = &["Key", "Name", "Created", "Updated"];

/// One mapping of the set, by the name the report uses for it (the file name in the CLI).
#[derive(Debug, Clone, Copy)]
pub struct NamedMapping<'a> {
    /// The mapping's name, e.g. `users.map`.
    pub name: &'a str,
    /// The parsed mapping (without errors).
    pub mapping: &'a Mapping,
}

/// An object type that exists in a schema, with its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingType {
    /// Object type id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its attributes, as Assets lists them.
    pub attributes: Vec<ObjectTypeAttribute>,
}

/// What an attribute should be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeShape {
    /// Default value, object reference or Jira user.
    #[serde(serialize_with = "kind_code")]
    pub kind: AttributeKind,
    /// The value format of a default attribute.
    #[serde(skip)]
    pub default_type: Option<DefaultType>,
    /// For references: the referenced object type, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub references: Option<String>,
    /// Whether it holds several values (references and users only; other types hold one).
    pub multi: bool,
    /// Whether values must be unique (the key attribute).
    pub unique: bool,
}

fn kind_code<S: serde::Serializer>(kind: &AttributeKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(kind.code())
}

impl AttributeShape {
    fn plain(default_type: DefaultType) -> Self {
        AttributeShape {
            kind: AttributeKind::Default,
            default_type: Some(default_type),
            references: None,
            multi: false,
            unique: false,
        }
    }

    /// In words, e.g. `Email`, `reference to User (several)`, `Jira user`.
    pub fn describe(&self) -> String {
        let base = match self.kind {
            AttributeKind::ObjectReference => {
                format!("reference to {}", self.references.as_deref().unwrap_or("?"))
            }
            AttributeKind::User => "Jira user".to_string(),
            _ => self
                .default_type
                .unwrap_or(DefaultType::Text)
                .name()
                .to_string(),
        };
        let mut text = base;
        if self.multi {
            text.push_str(" (several)");
        }
        if self.unique {
            text.push_str(" (unique)");
        }
        text
    }
}

/// One create the set-up makes: an object type (no `attribute`) or an attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaCreate {
    /// The object schema, as the mappings name it.
    pub object_schema: String,
    /// The object type.
    pub object_type: String,
    /// The attribute, for attribute creates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// What the attribute is (attribute creates only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<AttributeShape>,
    /// `shape` in words, or `object type`.
    pub description: String,
    /// The mappings that need it.
    pub mappings: Vec<String>,
}

/// Something the set-up cannot do, or an existing definition that does not fit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaProblem {
    /// The object schema, as the mappings name it (empty when the mapping names none).
    pub object_schema: String,
    /// The object type concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    /// The attribute concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// What is wrong and what to do, in words.
    pub message: String,
    /// The mappings concerned.
    pub mappings: Vec<String>,
}

/// For an object type the set-up creates and no mapping writes `Name` into: the attribute made
/// its label instead, and `Name` (which Assets makes required) made optional, so that records
/// can be written at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaLabel {
    /// The object schema, as the mappings name it.
    pub object_schema: String,
    /// The new object type.
    pub object_type: String,
    /// The attribute that becomes the label.
    pub attribute: String,
}

/// Mapped attributes that make a good label, best first; else the key attribute.
const LABEL_PREFERENCE: &[&str] = &[
    "Display Name",
    "Full Name",
    "User Name",
    "Username",
    "Hostname",
    "Email",
];

/// The set-up's plan: what to create, in order (types first), and what cannot be done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaPlan {
    /// Object types, then attributes (key attributes first), to create.
    pub creates: Vec<SchemaCreate>,
    /// Types and attributes the mappings need that exist already and fit.
    pub present: u64,
    /// Conflicts and needs that cannot be met.
    pub problems: Vec<SchemaProblem>,
    /// Labels of new types that no mapping writes `Name` into, set after the attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<SchemaLabel>,
}

/// An attribute the mappings want on one type.
struct Wanted {
    shape: AttributeShape,
    key: bool,
    mappings: Vec<String>,
    /// Mappings of the set want it as different things: it is reported, not made.
    disputed: bool,
}

/// An object type the mappings want in one schema.
#[derive(Default)]
struct WantedType {
    attributes: BTreeMap<String, (String, Wanted)>,
    mappings: Vec<String>,
    /// Whether a mapping writes the type's `Name`.
    writes_name: bool,
}

/// Plans the set-up of `mappings` against what exists: `existing` maps each schema as the
/// mappings name it to its object types. A schema the mappings name that is not in `existing`
/// is reported (schemas themselves are never created).
pub fn plan_schema(
    mappings: &[NamedMapping<'_>],
    existing: &BTreeMap<String, Vec<ExistingType>>,
) -> SchemaPlan {
    let mut out = SchemaPlan::default();
    // schema → lower-cased type name → (type name as first written, wanted)
    let mut wanted: BTreeMap<String, BTreeMap<String, (String, WantedType)>> = BTreeMap::new();

    for named in mappings {
        let config = &named.mapping.config;
        let problem =
            |schema: &str, object_type: Option<&str>, attribute: Option<&str>, message: String| {
                SchemaProblem {
                    object_schema: schema.to_string(),
                    object_type: object_type.map(str::to_string),
                    attribute: attribute.map(str::to_string),
                    message,
                    mappings: vec![named.name.to_string()],
                }
            };
        let Some(schema) = config.object_schema.as_ref().map(|s| s.text().to_string()) else {
            out.problems.push(problem(
                "",
                None,
                None,
                "the mapping names no object schema: add config:objectSchema=<name>".into(),
            ));
            continue;
        };
        let Some(types) = existing.get(&schema) else {
            out.problems.push(problem(&schema, None, None, format!("there is no object schema {schema:?}; create it in Assets (schemas are not created for you)")));
            continue;
        };
        let Some(target) = config.object_type.as_ref() else {
            out.problems.push(problem(
                &schema,
                None,
                None,
                "the mapping names no object type: add config:objectType=<name>".into(),
            ));
            continue;
        };
        let target_name = match target {
            tributary_mapping::NameOrId::Id(id) => match types.iter().find(|t| &t.id == id) {
                Some(t) => t.name.clone(),
                None => {
                    out.problems.push(problem(&schema, None, None, format!("config:objectType={id} is an id, and schema {schema:?} has no object type with it; name the type to have it created")));
                    continue;
                }
            },
            tributary_mapping::NameOrId::Name(name) => name.trim().to_string(),
        };
        let collection = config.api_or_default();
        let schema_wants = wanted.entry(schema.clone()).or_default();
        let own = &mut schema_wants
            .entry(target_name.to_lowercase())
            .or_insert_with(|| (target_name.clone(), WantedType::default()))
            .1;
        own.mappings.push(named.name.to_string());

        let rows = named.mapping.key.iter().chain(&named.mapping.rows);
        // `|createMissing` rows: the referenced type holds objects named from the values, so
        // set-up makes it (with the attribute looked up by) even when no mapping targets it.
        let named_types: Vec<(String, String)> = named
            .mapping
            .rows
            .iter()
            .filter(|r| r.create_missing.is_some())
            .filter_map(|r| match &r.lookup {
                Some(Lookup::ByAttribute { attribute, .. }) => Some((
                    r.object_type
                        .clone()
                        .unwrap_or_else(|| r.attribute.clone())
                        .trim()
                        .to_string(),
                    attribute.trim().to_string(),
                )),
                _ => None,
            })
            .collect();
        let mut wants: Vec<(String, AttributeShape, bool)> = Vec::new();
        let mut copies: Vec<(String, String)> = Vec::new();
        for row in rows {
            own.writes_name |= row.attribute.trim().eq_ignore_ascii_case("Name");
            if BUILT_IN_ATTRIBUTES
                .iter()
                .any(|b| b.eq_ignore_ascii_case(row.attribute.trim()))
            {
                continue;
            }
            if let Some(copy) = row.copy.as_ref().filter(|_| row.attribute_type.is_none()) {
                // Shaped like the attribute it copies, once that is known.
                copies.push((row.attribute.trim().to_string(), copy.attribute.clone()));
                continue;
            }
            match row_shape(row, collection, &target_name) {
                Ok(shape) => wants.push((
                    row.attribute.trim().to_string(),
                    shape,
                    row.kind == RowKind::Key,
                )),
                Err(message) => out.problems.push(problem(
                    &schema,
                    Some(&target_name),
                    Some(row.attribute.trim()),
                    message,
                )),
            }
        }
        for (name, copied) in copies {
            let shape = wants
                .iter()
                .find(|(n, _, _)| n.eq_ignore_ascii_case(copied.trim()))
                .map(|(_, shape, _)| AttributeShape {
                    unique: false,
                    ..shape.clone()
                });
            match shape {
                Some(shape) => wants.push((name, shape, false)),
                None => out.problems.push(problem(
                    &schema,
                    Some(&target_name),
                    Some(&name),
                    format!("{name} copies {copied}, which this mapping does not write, so its type is unknown; map {copied} too, or name the type with |attributeType="),
                )),
            }
        }
        for (name, shape, key) in wants {
            let own = &mut schema_wants
                .get_mut(&target_name.to_lowercase())
                .expect("the target type was added above")
                .1;
            match own.attributes.get_mut(&name.to_lowercase()) {
                Some((_, earlier))
                    if earlier.shape == shape
                        || (key
                            && earlier.shape.kind == shape.kind
                            && earlier.shape.references == shape.references) =>
                {
                    earlier.key |= key;
                    earlier.shape.unique |= shape.unique;
                    if !earlier.mappings.contains(&named.name.to_string()) {
                        earlier.mappings.push(named.name.to_string());
                    }
                }
                Some((_, earlier)) => {
                    earlier.disputed = true;
                    let mut names = earlier.mappings.clone();
                    names.push(named.name.to_string());
                    out.problems.push(SchemaProblem {
                        object_schema: schema.clone(),
                        object_type: Some(target_name.clone()),
                        attribute: Some(name.clone()),
                        message: format!("the mappings want {name} as {} and as {}; make them agree (|attributeType= or |objectType=)", earlier.shape.describe(), shape.describe()),
                        mappings: names,
                    });
                }
                None => {
                    own.attributes.insert(
                        name.to_lowercase(),
                        (
                            name,
                            Wanted {
                                shape,
                                key,
                                mappings: vec![named.name.to_string()],
                                disputed: false,
                            },
                        ),
                    );
                }
            }
        }

        for (type_name, by) in named_types {
            let (_, referenced) = schema_wants
                .entry(type_name.to_lowercase())
                .or_insert_with(|| (type_name.clone(), WantedType::default()));
            if !referenced.mappings.contains(&named.name.to_string()) {
                referenced.mappings.push(named.name.to_string());
            }
            if by.eq_ignore_ascii_case("Name") {
                referenced.writes_name = true; // every new type has its Name label
            } else {
                referenced
                    .attributes
                    .entry(by.to_lowercase())
                    .or_insert_with(|| {
                        (
                            by.clone(),
                            Wanted {
                                shape: AttributeShape::plain(DefaultType::Text),
                                key: false,
                                mappings: vec![named.name.to_string()],
                                disputed: false,
                            },
                        )
                    });
            }
        }
    }

    // References name their types; a type referenced but mapped by no mapping must exist.
    for (schema, types) in &mut wanted {
        let existing_types = &existing[schema];
        resolve_references(schema, types, existing_types, &mut out.problems);
    }

    // Compare with what exists: types first, then attributes (keys first).
    let mut attribute_creates = Vec::new();
    for (schema, types) in &wanted {
        let existing_types = &existing[schema];
        for (lower, (type_name, wanted_type)) in types {
            let found = existing_types
                .iter()
                .find(|t| t.name.to_lowercase() == *lower);
            match found {
                Some(_) => out.present += 1,
                None => out.creates.push(SchemaCreate {
                    object_schema: schema.clone(),
                    object_type: type_name.clone(),
                    attribute: None,
                    shape: None,
                    description: "object type".into(),
                    mappings: wanted_type.mappings.clone(),
                }),
            }
            if found.is_none() && !wanted_type.writes_name {
                let candidates = || wanted_type.attributes.values().filter(|(_, w)| !w.disputed);
                let label = LABEL_PREFERENCE
                    .iter()
                    .find_map(|p| candidates().find(|(n, _)| n.eq_ignore_ascii_case(p)))
                    .or_else(|| candidates().find(|(_, w)| w.key));
                if let Some((attribute, _)) = label {
                    out.labels.push(SchemaLabel {
                        object_schema: schema.clone(),
                        object_type: type_name.clone(),
                        attribute: attribute.clone(),
                    });
                }
            }
            let mut ordered: Vec<&(String, Wanted)> = wanted_type
                .attributes
                .values()
                .filter(|(_, w)| !w.disputed)
                .collect();
            ordered.sort_by_key(|(_, w)| !w.key);
            for (name, want) in ordered {
                let current = found.and_then(|t| {
                    t.attributes
                        .iter()
                        .find(|a| a.name.trim().eq_ignore_ascii_case(name))
                });
                match current {
                    None => attribute_creates.push(SchemaCreate {
                        object_schema: schema.clone(),
                        object_type: type_name.clone(),
                        attribute: Some(name.clone()),
                        description: want.shape.describe(),
                        shape: Some(want.shape.clone()),
                        mappings: want.mappings.clone(),
                    }),
                    Some(attribute) => match conflict(attribute, &want.shape, existing_types) {
                        None => out.present += 1,
                        Some(message) => out.problems.push(SchemaProblem {
                            object_schema: schema.clone(),
                            object_type: Some(type_name.clone()),
                            attribute: Some(name.clone()),
                            message,
                            mappings: want.mappings.clone(),
                        }),
                    },
                }
            }
        }
    }
    out.creates.extend(attribute_creates);
    out
}

/// Fills in the referenced type of each reference, or reports that it cannot be inferred;
/// a referenced type no mapping targets must exist, with the attribute the lookup matches on.
fn resolve_references(
    schema: &str,
    types: &mut BTreeMap<String, (String, WantedType)>,
    existing: &[ExistingType],
    problems: &mut Vec<SchemaProblem>,
) {
    let known: Vec<String> = types
        .values()
        .map(|(name, _)| name.clone())
        .chain(existing.iter().map(|t| t.name.clone()))
        .collect();
    let find = |name: &str| -> Option<String> {
        let name = name.trim();
        let singular = name.strip_suffix('s').unwrap_or(name);
        known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(name))
            .or_else(|| known.iter().find(|k| k.eq_ignore_ascii_case(singular)))
            .cloned()
    };
    for (type_name, wanted_type) in types.values_mut() {
        wanted_type.attributes.retain(|_, (name, want)| {
            if want.shape.kind != AttributeKind::ObjectReference {
                return true;
            }
            let asked = want.shape.references.clone().unwrap_or_else(|| name.clone());
            match find(&asked) {
                Some(found) => {
                    want.shape.references = Some(found);
                    true
                }
                None => {
                    let message = match &want.shape.references {
                        Some(named) => format!("{name} references object type {named:?}, which no mapping of the set targets and schema {schema:?} does not have; add its mapping to the set or create the type"),
                        None => format!("cannot tell which object type {name} references; name it with |objectType=<type> on the row"),
                    };
                    problems.push(SchemaProblem {
                        object_schema: schema.to_string(),
                        object_type: Some(type_name.clone()),
                        attribute: Some(name.clone()),
                        message,
                        mappings: want.mappings.clone(),
                    });
                    false
                }
            }
        });
    }
}

/// Why an existing attribute does not fit what the mappings want (`None`: it fits).
fn conflict(
    attribute: &ObjectTypeAttribute,
    want: &AttributeShape,
    types: &[ExistingType],
) -> Option<String> {
    let has = attribute.type_description();
    let differs = || {
        Some(format!(
            "{} exists as {has}; the mappings would make it {}. It was left as it is: change it in Assets, or change the mapping",
            attribute.name,
            want.describe()
        ))
    };
    if attribute.kind != want.kind {
        return differs();
    }
    match want.kind {
        AttributeKind::ObjectReference => {
            let target = attribute
                .reference_target()
                .and_then(|id| types.iter().find(|t| t.id == id).map(|t| t.name.clone()));
            let target = target.or_else(|| {
                attribute
                    .reference_object_type
                    .as_ref()
                    .map(|t| t.name.clone())
            });
            if !target.is_some_and(|t| {
                want.references
                    .as_deref()
                    .is_some_and(|w| w.eq_ignore_ascii_case(&t))
            }) {
                return differs();
            }
        }
        AttributeKind::Default => {
            let has_type = attribute.default_kind().unwrap_or(DefaultType::Text);
            let want_type = want.default_type.unwrap_or(DefaultType::Text);
            let holds_text =
                |t: DefaultType| matches!(t, DefaultType::Text | DefaultType::Textarea);
            let fits = has_type == want_type
                || holds_text(has_type)
                || holds_text(want_type)
                || (want_type == DefaultType::Integer && has_type == DefaultType::Double);
            if !fits {
                return differs();
            }
        }
        _ => {}
    }
    if want.multi && !attribute.is_multi_valued() {
        return Some(format!(
            "{} holds one value, and the mapping gives several per record; raise its maximum cardinality in Assets, or keep one value with |first",
            attribute.name
        ));
    }
    None
}

/// What one row needs its attribute to be.
fn row_shape(row: &Row, collection: &Collection, own_type: &str) -> Result<AttributeShape, String> {
    let (default_type, multi) = value_type(row, collection)?;
    // A copy row writes the found object's values, not a reference to it.
    let lookup = row.lookup.as_ref().filter(|_| row.copy.is_none());
    let mut shape = match (lookup, row.attribute_type) {
        (Some(Lookup::ByKey { .. }), _) => AttributeShape {
            kind: AttributeKind::ObjectReference,
            default_type: None,
            references: Some(
                row.object_type
                    .clone()
                    .unwrap_or_else(|| own_type.to_string()),
            ),
            multi,
            unique: false,
        },
        (Some(Lookup::ByAttribute { .. }), _) => AttributeShape {
            kind: AttributeKind::ObjectReference,
            default_type: None,
            references: row.object_type.clone(),
            multi,
            unique: false,
        },
        (None, Some(AttributeType::User)) => AttributeShape {
            kind: AttributeKind::User,
            default_type: None,
            references: None,
            multi,
            unique: false,
        },
        (None, Some(hint)) => AttributeShape::plain(default_type_of(hint)),
        (None, None) => AttributeShape::plain(default_type),
    };
    if row.kind == RowKind::Key {
        shape.unique = true;
        shape.multi = false;
    }
    Ok(shape)
}

fn default_type_of(hint: AttributeType) -> DefaultType {
    match hint {
        AttributeType::Text | AttributeType::User => DefaultType::Text,
        AttributeType::Textarea => DefaultType::Textarea,
        AttributeType::Integer => DefaultType::Integer,
        AttributeType::Double => DefaultType::Double,
        AttributeType::Boolean => DefaultType::Boolean,
        AttributeType::Date => DefaultType::Date,
        AttributeType::Time => DefaultType::Time,
        AttributeType::DateTime => DefaultType::DateTime,
        AttributeType::Url => DefaultType::Url,
        AttributeType::Email => DefaultType::Email,
        AttributeType::IpAddress => DefaultType::IpAddress,
    }
}

/// The value format a row's values have, and whether a record gives several: from the
/// JumpCloud field's type in the vendor spec (a whole top-level field only), then the row's
/// transforms in order.
fn value_type(row: &Row, collection: &Collection) -> Result<(DefaultType, bool), String> {
    let path = match &row.source {
        Source::Path { path } => Some(path),
        Source::Template { template } => template.single_path(),
    };
    let (mut ty, mut multi) = match path {
        None => (DefaultType::Text, false),
        Some(path) => {
            let whole = path.segments.len() == 1;
            let field = path.root_field().and_then(|f| collection.field(f));
            let field_type = field.map(|f| f.ty).filter(|_| whole);
            let leaf = path
                .text
                .rsplit('.')
                .next()
                .unwrap_or(&path.text)
                .to_lowercase();
            let ty = match field_type {
                Some(FieldType::Integer) => DefaultType::Integer,
                Some(FieldType::Number) => DefaultType::Double,
                Some(FieldType::Boolean) => DefaultType::Boolean,
                Some(FieldType::DateTime) => DefaultType::DateTime,
                Some(FieldType::Object) if row.lookup.is_none() => {
                    return Err(format!(
                        "`{}` is an object in JumpCloud; name a field inside it, e.g. `{}.id`",
                        path.text, path.text
                    ))
                }
                _ if leaf.ends_with("email") => DefaultType::Email,
                _ => DefaultType::Text,
            };
            let multi = path.fans_out() || field_type == Some(FieldType::Array);
            (ty, multi)
        }
    };
    for step in &row.transforms {
        match &step.transform {
            Transform::ParseDate(pattern) => {
                let has_time = ["%H", "%I", "%M", "%S", "%T", "%f", "%z"]
                    .iter()
                    .any(|f| pattern.contains(f));
                ty = if has_time {
                    DefaultType::DateTime
                } else {
                    DefaultType::Date
                };
            }
            Transform::Number(_) => ty = DefaultType::Double,
            Transform::Split(_) => {
                ty = DefaultType::Text;
                multi = true;
            }
            Transform::Join(_) => {
                ty = DefaultType::Text;
                multi = false;
            }
            Transform::First => multi = false,
            Transform::FormatDate(_) | Transform::Replace(..) | Transform::Extract(_) => {
                ty = DefaultType::Text
            }
            Transform::Lower | Transform::Upper | Transform::Trim | Transform::Default(_) => {}
        }
    }
    if row.array_separator.is_some() && row.lookup.is_none() {
        // OnLink's delimited strings: joined into one text on a single-valued attribute.
        multi = false;
    }
    Ok((ty, multi))
}
