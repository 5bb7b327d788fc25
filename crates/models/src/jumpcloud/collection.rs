//! The JumpCloud collections an import can read: one [`Collection`] row per `config:api` value,
//! with everything the mapping checker and the sync engine need to know about its list
//! operation (path, paging, sorting, projection, filters) and its records' fields.
//!
//! The facts come from the vendor specs in `specs/jumpcloud/` (`SOURCE.md` says which file is
//! what); `tests/collections.rs` checks every row against them, and generates the field lists
//! in [`super::fields`].

use std::fmt;

use super::fields;

/// Which JumpCloud API a collection belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// `/api/...`: `{totalCount, results}` answers.
    V1,
    /// `/api/v2/...`: bare-array answers, the total in `x-total-count`.
    V2,
}

/// The JSON type of a record field, as the spec declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `type: string` (without `format: date-time`).
    String,
    /// `type: integer`.
    Integer,
    /// `type: number`.
    Number,
    /// `type: boolean`.
    Boolean,
    /// `type: array`.
    Array,
    /// `type: object` (also an `allOf` of objects).
    Object,
    /// `type: string` with `format: date-time` (an ISO 8601 timestamp).
    DateTime,
}

impl FieldType {
    /// The name the generated field lists use, e.g. `DateTime`.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::String => "String",
            FieldType::Integer => "Integer",
            FieldType::Number => "Number",
            FieldType::Boolean => "Boolean",
            FieldType::Array => "Array",
            FieldType::Object => "Object",
            FieldType::DateTime => "DateTime",
        }
    }
}

/// A top-level field of a collection's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The JSON key, exactly as JumpCloud spells it (keys are case-sensitive).
    pub name: &'static str,
    /// Its type.
    pub ty: FieldType,
}

impl Field {
    /// A field (what the generated lists are written with).
    pub const fn new(name: &'static str, ty: FieldType) -> Self {
        Self { name, ty }
    }
}

/// Where a [`DynamicField`]'s value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DynamicSource {
    /// Added by the sync engine: the ids of the objects a v2 graph route lists for the record,
    /// one route call (and its pages) per record. The route is a request path with `{id}` for
    /// the record's id, e.g. `/api/v2/systems/{id}/users`; its items are `GraphConnection`s
    /// (the id in `to.id`) or `GraphObjectWithPaths` (the id in `id`).
    Related(&'static str),
    /// Added by the sync engine: the inverse of another collection's [`Self::Related`] field.
    /// The record gets the ids of that collection's records whose route lists it: the engine
    /// lists that collection's ids, calls the route once for each and inverts the answers (a
    /// few calls per related object instead of one per record; both directions agree).
    RelatedOf(&'static Collection, &'static str),
    /// JumpCloud custom attributes: the field is in the spec, but the names inside it are the
    /// organisation's own (`attributes[name=costCenter].value`), so no list can hold them.
    CustomAttributes,
}

/// A field that is not (fully) described by the spec's record schema, but that mappings may
/// read: engine-added ones and custom attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynamicField {
    /// The field's name and type.
    pub field: Field,
    /// Where its value comes from.
    pub source: DynamicSource,
}

impl DynamicField {
    /// Whether the sync engine fills the field in (so it is never asked of JumpCloud).
    pub fn added_by_engine(&self) -> bool {
        matches!(
            self.source,
            DynamicSource::Related(_) | DynamicSource::RelatedOf(..)
        )
    }

    /// The graph route the engine reads for the field (with `{id}` for an id), if it adds it.
    pub fn route(&self) -> Option<&'static str> {
        match self.source {
            DynamicSource::Related(route) | DynamicSource::RelatedOf(_, route) => Some(route),
            DynamicSource::CustomAttributes => None,
        }
    }
}

/// An engine-added relation field (shorthand for the collection rows).
const fn related(name: &'static str, route: &'static str) -> DynamicField {
    DynamicField {
        field: Field::new(name, FieldType::Array),
        source: DynamicSource::Related(route),
    }
}

/// The inverse of `of`'s relation field read from `route` (shorthand for the collection rows).
const fn related_of(
    name: &'static str,
    of: &'static Collection,
    route: &'static str,
) -> DynamicField {
    DynamicField {
        field: Field::new(name, FieldType::Array),
        source: DynamicSource::RelatedOf(of, route),
    }
}

/// JumpCloud custom attributes (`attributes`, a field the spec lists).
const CUSTOM_ATTRIBUTES: DynamicField = DynamicField {
    field: Field::new("attributes", FieldType::Array),
    source: DynamicSource::CustomAttributes,
};

// The graph routes relation fields read (v2; "Limited to 100." a page). Traversals
// (`/systems/{id}/users`, `/applications/{id}/users`) list users bound directly and through
// groups, which is who can use the device or app; `members` lists direct members.
const USER_GROUP_MEMBERS: &str = "/api/v2/usergroups/{id}/members";
const SYSTEM_GROUP_MEMBERS: &str = "/api/v2/systemgroups/{id}/members";
const SYSTEM_USERS_ROUTE: &str = "/api/v2/systems/{id}/users";
const APPLICATION_USERS: &str = "/api/v2/applications/{id}/users";
const APPLICATION_USER_GROUPS: &str = "/api/v2/applications/{id}/usergroups";

/// How a collection's list operation takes `filter=field:operator:value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterSyntax {
    /// The operators the operation's spec text lists, as written between the colons.
    pub operators: &'static [&'static str],
}

impl FilterSyntax {
    /// v1 lists: `field:$op:value` (the v1 `filter` parameter's description).
    pub const V1: FilterSyntax = FilterSyntax {
        operators: &["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"],
    };
    /// v2 group lists: `field:op:value` (`trait:filter:filter`).
    pub const V2: FilterSyntax = FilterSyntax {
        operators: &[
            "eq", "ne", "gt", "ge", "lt", "le", "between", "search", "in",
        ],
    };
    /// System Insights tables: `eq` and `in` only (`trait:systemInsightsFilter:filter`).
    pub const SYSTEM_INSIGHTS: FilterSyntax = FilterSyntax {
        operators: &["eq", "in"],
    };

    /// The System Insights uptime table: `eq`, `gte` and `in`.
    pub const SYSTEM_INSIGHTS_UPTIME: FilterSyntax = FilterSyntax {
        operators: &["eq", "gte", "in"],
    };

    /// Whether `operator` is one of [`Self::operators`] (exact: JumpCloud's are lower case).
    pub fn accepts(&self, operator: &str) -> bool {
        self.operators.contains(&operator)
    }
}

/// One JumpCloud collection an import reads, i.e. one `config:api` value.
///
/// Rows are `'static` and compared by content; `Debug` prints only the name, because the field
/// lists are long.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Collection {
    /// The name written after `config:api=`, e.g. `systemusers` or
    /// `systeminsights/system_info`.
    pub name: &'static str,
    /// The list operation's request path, e.g. `/api/systemusers` or `/api/v2/usergroups`.
    pub path: &'static str,
    /// v1 or v2.
    pub version: ApiVersion,
    /// The field that identifies a record: `_id` on v1, `id` on v2 groups, `system_id` on the
    /// System Insights tables (their records have no `id`).
    pub id_field: &'static str,
    /// The fields that together identify one record, [`Self::id_field`] first: just the id,
    /// except on System Insights tables with several rows per device (installed apps, disks),
    /// where `system_id` is joined by the row's own name. The engine sorts by them (stable
    /// pages) and tells records apart by them when pages overlap.
    pub row_fields: &'static [&'static str],
    /// The largest `limit=` the list operation takes.
    pub max_limit: u32,
    /// Whether the list operation takes `sort=` (the engine sorts by [`Self::id_field`] so that
    /// pages stay stable while the directory changes).
    pub sort: bool,
    /// What `filter=` accepts.
    pub filters: FilterSyntax,
    /// The separator between the names in `fields=`, or `None` when the operation has no
    /// `fields` parameter (System Insights tables): then every field comes back.
    pub fields_separator: Option<&'static str>,
    /// The spec definition the records follow (the list operation's 200 answer's items).
    pub schema: &'static str,
    /// The record fields the spec lists, sorted by name (generated from the spec).
    pub fields: &'static [Field],
    /// Fields a mapping may read that the spec's list does not (fully) describe.
    pub dynamic_fields: &'static [DynamicField],
}

impl fmt::Debug for Collection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Collection({})", self.name)
    }
}

// Every v1 list takes space-separated `sort` and `fields`; the spec gives `/systems` a limit of
// 100 ("Limited to 100.") and states none for the other two, where 100 is kept (what the engine
// has always sent).
const SYSTEM_USERS: Collection = Collection {
    name: "systemusers",
    path: "/api/systemusers",
    version: ApiVersion::V1,
    id_field: "_id",
    row_fields: &["_id"],
    max_limit: 100,
    sort: true,
    filters: FilterSyntax::V1,
    fields_separator: Some(" "),
    schema: "systemuserreturn",
    fields: fields::SYSTEMUSERS,
    dynamic_fields: &[
        related_of("memberof", &USER_GROUPS, USER_GROUP_MEMBERS),
        related_of("devices", &SYSTEMS, SYSTEM_USERS_ROUTE),
        related_of("applications", &APPLICATIONS, APPLICATION_USERS),
        CUSTOM_ATTRIBUTES,
    ],
};

const SYSTEMS: Collection = Collection {
    name: "systems",
    path: "/api/systems",
    version: ApiVersion::V1,
    id_field: "_id",
    row_fields: &["_id"],
    max_limit: 100,
    sort: true,
    filters: FilterSyntax::V1,
    fields_separator: Some(" "),
    schema: "JcSystem",
    fields: fields::SYSTEMS,
    dynamic_fields: &[
        related_of("memberof", &SYSTEM_GROUPS, SYSTEM_GROUP_MEMBERS),
        related("boundUsers", SYSTEM_USERS_ROUTE),
        CUSTOM_ATTRIBUTES,
    ],
};

const APPLICATIONS: Collection = Collection {
    name: "applications",
    path: "/api/applications",
    version: ApiVersion::V1,
    id_field: "_id",
    row_fields: &["_id"],
    max_limit: 100,
    sort: true,
    filters: FilterSyntax::V1,
    fields_separator: Some(" "),
    schema: "application",
    fields: fields::APPLICATIONS,
    dynamic_fields: &[
        related("users", APPLICATION_USERS),
        related("userGroups", APPLICATION_USER_GROUPS),
    ],
};

// v2 group lists: "Limited to 100.", comma-separated `sort` and `fields`.
const USER_GROUPS: Collection = Collection {
    name: "usergroups",
    path: "/api/v2/usergroups",
    version: ApiVersion::V2,
    id_field: "id",
    row_fields: &["id"],
    max_limit: 100,
    sort: true,
    filters: FilterSyntax::V2,
    fields_separator: Some(","),
    schema: "UserGroup",
    fields: fields::USERGROUPS,
    dynamic_fields: &[
        related("members", USER_GROUP_MEMBERS),
        related_of("applications", &APPLICATIONS, APPLICATION_USER_GROUPS),
    ],
};

const SYSTEM_GROUPS: Collection = Collection {
    name: "systemgroups",
    path: "/api/v2/systemgroups",
    version: ApiVersion::V2,
    id_field: "id",
    row_fields: &["id"],
    max_limit: 100,
    sort: true,
    filters: FilterSyntax::V2,
    fields_separator: Some(","),
    schema: "SystemGroup",
    fields: fields::SYSTEMGROUPS,
    dynamic_fields: &[related("members", SYSTEM_GROUP_MEMBERS)],
};

/// A System Insights table: `limit` up to 10000, comma-separated `sort`, no `fields`, `eq`
/// and `in` filters; `row_fields` say what tells its rows apart.
const fn insights(
    name: &'static str,
    path: &'static str,
    schema: &'static str,
    fields: &'static [Field],
    row_fields: &'static [&'static str],
) -> Collection {
    Collection {
        name,
        path,
        version: ApiVersion::V2,
        id_field: "system_id",
        row_fields,
        max_limit: 10_000,
        sort: true,
        filters: FilterSyntax::SYSTEM_INSIGHTS,
        fields_separator: None,
        schema,
        fields,
        dynamic_fields: &[],
    }
}

const SYSTEM_INFO: Collection = insights(
    "systeminsights/system_info",
    "/api/v2/systeminsights/system_info",
    "system-insights-system-info",
    fields::SYSTEMINSIGHTS_SYSTEM_INFO,
    &["system_id"],
);

const OS_VERSION: Collection = insights(
    "systeminsights/os_version",
    "/api/v2/systeminsights/os_version",
    "system-insights-os-version",
    fields::SYSTEMINSIGHTS_OS_VERSION,
    &["system_id"],
);

// macOS applications: one row per app bundle, told apart by its path on the device.
const APPS: Collection = insights(
    "systeminsights/apps",
    "/api/v2/systeminsights/apps",
    "system-insights-apps",
    fields::SYSTEMINSIGHTS_APPS,
    &["system_id", "path"],
);

// Windows programs: one row per installed program and version.
const PROGRAMS: Collection = insights(
    "systeminsights/programs",
    "/api/v2/systeminsights/programs",
    "system-insights-programs",
    fields::SYSTEMINSIGHTS_PROGRAMS,
    &["system_id", "name", "version"],
);

// macOS and Linux disk encryption: one row per encrypted-or-not volume.
const DISK_ENCRYPTION: Collection = insights(
    "systeminsights/disk_encryption",
    "/api/v2/systeminsights/disk_encryption",
    "system-insights-disk-encryption",
    fields::SYSTEMINSIGHTS_DISK_ENCRYPTION,
    &["system_id", "name"],
);

// Windows BitLocker: one row per drive.
const BITLOCKER_INFO: Collection = insights(
    "systeminsights/bitlocker_info",
    "/api/v2/systeminsights/bitlocker_info",
    "system-insights-bitlocker-info",
    fields::SYSTEMINSIGHTS_BITLOCKER_INFO,
    &["system_id", "drive_letter"],
);

// Its filter also takes `gte` (devices up for at least so many seconds).
const UPTIME: Collection = Collection {
    filters: FilterSyntax::SYSTEM_INSIGHTS_UPTIME,
    ..insights(
        "systeminsights/uptime",
        "/api/v2/systeminsights/uptime",
        "system-insights-uptime",
        fields::SYSTEMINSIGHTS_UPTIME,
        &["system_id"],
    )
};

// Laptops only: a device without a battery has no row.
const BATTERY: Collection = insights(
    "systeminsights/battery",
    "/api/v2/systeminsights/battery",
    "system-insights-battery",
    fields::SYSTEMINSIGHTS_BATTERY,
    &["system_id"],
);

impl Collection {
    /// Every collection, in documentation order.
    pub const ALL: &'static [Collection] = &[
        SYSTEM_USERS,
        SYSTEMS,
        APPLICATIONS,
        USER_GROUPS,
        SYSTEM_GROUPS,
        SYSTEM_INFO,
        OS_VERSION,
        APPS,
        PROGRAMS,
        DISK_ENCRYPTION,
        BITLOCKER_INFO,
        UPTIME,
        BATTERY,
    ];

    /// `systemusers`, the collection an import reads when its mapping names none.
    pub const DEFAULT: &'static Collection = &Self::ALL[0];

    /// The collection for a `config:api` name (case-insensitive, surrounding spaces ignored).
    pub fn by_name(name: &str) -> Option<&'static Collection> {
        let name = name.trim();
        Self::ALL.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// A top-level field by its exact name: one the spec lists, else a dynamic one.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .or_else(|| self.dynamic_field(name).map(|d| &d.field))
    }

    /// A dynamic field by its exact name (engine-added, or custom attributes).
    pub fn dynamic_field(&self, name: &str) -> Option<&'static DynamicField> {
        self.dynamic_fields.iter().find(|d| d.field.name == name)
    }

    /// Whether the list operation takes `fields=` (System Insights tables do not).
    pub fn projectable(&self) -> bool {
        self.fields_separator.is_some()
    }

    /// The separator between the names in `sort=`: spaces on v1, commas on v2.
    pub fn sort_separator(&self) -> &'static str {
        match self.version {
            ApiVersion::V1 => " ",
            ApiVersion::V2 => ",",
        }
    }

    /// Whether a record has several rows per device, told apart by more than `system_id`.
    pub fn several_rows_per_id(&self) -> bool {
        self.row_fields.len() > 1
    }
}

/// Serde helpers that write a `&'static Collection` as its name and read it back by name, for
/// `#[serde(with = "...")]` on fields that hold a row.
pub mod by_name {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    use super::Collection;

    /// Writes the collection's name.
    pub fn serialize<S: Serializer>(
        collection: &&'static Collection,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(collection.name)
    }

    /// Reads a name and finds its collection.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<&'static Collection, D::Error> {
        let name = String::deserialize(deserializer)?;
        find(&name)
    }

    pub(super) fn find<E: Error>(name: &str) -> Result<&'static Collection, E> {
        Collection::by_name(name)
            .ok_or_else(|| E::custom(format!("unknown JumpCloud collection {name:?}")))
    }

    /// The same for `Option<&'static Collection>` (`null` for none).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        use super::super::Collection;

        /// Writes the collection's name, or `null`.
        pub fn serialize<S: Serializer>(
            collection: &Option<&'static Collection>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match collection {
                Some(c) => serializer.serialize_some(c.name),
                None => serializer.serialize_none(),
            }
        }

        /// Reads a name or `null`.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<&'static Collection>, D::Error> {
            Option::<String>::deserialize(deserializer)?
                .map(|name| super::find(&name))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found_in_any_case() {
        for (i, c) in Collection::ALL.iter().enumerate() {
            assert_eq!(Collection::by_name(&c.name.to_uppercase()), Some(c));
            assert!(Collection::ALL[..i].iter().all(|o| o.name != c.name));
        }
        assert_eq!(Collection::by_name(" Systems "), Some(&SYSTEMS));
        assert_eq!(Collection::by_name("devices"), None);
        assert_eq!(Collection::DEFAULT.name, "systemusers");
    }

    #[test]
    fn rows_are_consistent() {
        for c in Collection::ALL {
            let prefix = match c.version {
                ApiVersion::V1 => "/api/",
                ApiVersion::V2 => "/api/v2/",
            };
            assert_eq!(c.path, format!("{prefix}{}", c.name), "{c:?}");
            assert!(c.field(c.id_field).is_some(), "{c:?} has no {}", c.id_field);
            assert!(!c.fields.is_empty(), "{c:?}");
            assert_eq!(c.row_fields.first(), Some(&c.id_field), "{c:?}");
            for name in c.row_fields {
                assert!(c.field(name).is_some(), "{c:?} has no row field {name}");
            }
            for d in c.dynamic_fields {
                assert!(
                    c.fields.iter().all(|f| f.name != d.field.name)
                        || d.source == DynamicSource::CustomAttributes,
                    "{c:?}: {} hides a field the spec lists",
                    d.field.name
                );
                if let DynamicSource::RelatedOf(other, route) = d.source {
                    // The inverse of a field the other collection has.
                    assert!(
                        other
                            .dynamic_fields
                            .iter()
                            .any(|o| o.source == DynamicSource::Related(route)),
                        "{c:?}.{}",
                        d.field.name
                    );
                }
                if d.source == DynamicSource::CustomAttributes {
                    // Custom attributes live in a field the spec lists, with the same type.
                    assert_eq!(
                        c.fields.iter().find(|f| f.name == d.field.name),
                        Some(&d.field)
                    );
                }
            }
        }
    }

    #[test]
    fn fields_and_dynamic_fields() {
        let users = Collection::by_name("systemusers").unwrap();
        assert_eq!(users.field("email").map(|f| f.ty), Some(FieldType::String));
        assert_eq!(
            users.field("memberof").map(|f| f.ty),
            Some(FieldType::Array)
        );
        assert_eq!(users.field("Email"), None, "JSON keys are case-sensitive");
        assert_eq!(
            users.dynamic_field("memberof").map(|d| d.source),
            Some(DynamicSource::RelatedOf(&USER_GROUPS, USER_GROUP_MEMBERS))
        );
        let systems = Collection::by_name("systems").unwrap();
        assert_eq!(
            systems.field("lastContact").map(|f| f.ty),
            Some(FieldType::DateTime)
        );
        assert!(!Collection::by_name("systeminsights/os_version")
            .unwrap()
            .projectable());
        assert!(users.dynamic_field("memberof").unwrap().added_by_engine());
        assert!(!users.dynamic_field("attributes").unwrap().added_by_engine());
    }

    #[test]
    fn serde_by_name() {
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        struct Holder {
            #[serde(with = "by_name")]
            api: &'static Collection,
            #[serde(with = "by_name::option")]
            groups: Option<&'static Collection>,
        }
        let holder = Holder {
            api: &SYSTEMS,
            groups: Some(&SYSTEM_GROUPS),
        };
        let json = serde_json::to_string(&holder).unwrap();
        assert_eq!(json, r#"{"api":"systems","groups":"systemgroups"}"#);
        assert_eq!(serde_json::from_str::<Holder>(&json).unwrap(), holder);
        let none: Holder = serde_json::from_str(r#"{"api":"usergroups","groups":null}"#).unwrap();
        assert_eq!(none.groups, None);
        let bad = serde_json::from_str::<Holder>(r#"{"api":"devices","groups":null}"#);
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("unknown JumpCloud collection"));
    }
}
