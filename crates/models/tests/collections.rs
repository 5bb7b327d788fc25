//! Checks the [`Collection`] table against the vendor specs in `specs/jumpcloud/` and generates
//! its field lists (`src/jumpcloud/fields.rs`).
//!
//! Each row's list operation is found by its path; its 200 answer is followed (`$ref`, the v1
//! `results` envelope or the v2 array, `allOf`) to the record definition, whose properties are
//! the field list. Regenerate after a spec update:
//! `TRIBUTARY_BLESS=1 cargo test -p tributary-models --test collections`.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use tributary_models::jumpcloud::{ApiVersion, Collection, Field, FieldType};

const GENERATED: &str = "src/jumpcloud/fields.rs";
const BLESS: &str = "TRIBUTARY_BLESS=1 cargo test -p tributary-models --test collections";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn spec_file(version: ApiVersion) -> &'static str {
    match version {
        ApiVersion::V1 => "JumpCloud.SDK.V1.json",
        ApiVersion::V2 => "JumpCloud.SDK.V2.json",
    }
}

fn load(version: ApiVersion) -> Value {
    let path = root()
        .join("../../specs/jumpcloud/jcapi-powershell")
        .join(spec_file(version));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One spec and lookups into it.
struct Spec {
    json: Value,
}

impl Spec {
    fn new(version: ApiVersion) -> Self {
        Self {
            json: load(version),
        }
    }

    /// Follows a local `$ref` (`#/definitions/x`, `#/parameters/x`).
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let pointer = reference.strip_prefix('#').expect("local $ref");
                let target = self
                    .json
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {reference}"));
                self.resolve(target)
            }
            None => schema,
        }
    }

    /// The list operation (`GET`) of a collection.
    fn list_operation(&self, collection: &Collection) -> &Value {
        let base = self.json["basePath"].as_str().expect("basePath");
        let rest = collection
            .path
            .strip_prefix(base)
            .unwrap_or_else(|| panic!("{} is not under basePath {base}", collection.path));
        self.json["paths"]
            .get(format!("/{rest}"))
            .and_then(|p| p.get("get"))
            .unwrap_or_else(|| panic!("the spec has no GET /{rest} for {}", collection.name))
    }

    /// The definition name the list operation's records follow.
    fn record_definition(&self, collection: &Collection) -> String {
        let answer = &self.list_operation(collection)["responses"]["200"]["schema"];
        let answer = self.resolve(answer);
        let items = match collection.version {
            // v1: `{totalCount, results: [...]}`.
            ApiVersion::V1 => &answer["properties"]["results"]["items"],
            // v2: a bare array.
            ApiVersion::V2 => &answer["items"],
        };
        let reference = items["$ref"].as_str().unwrap_or_else(|| {
            panic!(
                "{}: the 200 answer's items are not a $ref: {items}",
                collection.name
            )
        });
        reference
            .strip_prefix("#/definitions/")
            .expect("a definition")
            .to_string()
    }

    /// The properties of a definition, `allOf` parts merged in.
    fn properties(&self, schema: &Value, out: &mut Map<String, Value>) {
        let schema = self.resolve(schema);
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                out.insert(name.clone(), property.clone());
            }
        }
        for part in schema["allOf"].as_array().into_iter().flatten() {
            self.properties(part, out);
        }
    }

    fn field_type(&self, schema: &Value) -> Result<FieldType, String> {
        let schema = self.resolve(schema);
        match schema.get("type").and_then(Value::as_str) {
            Some("string") if schema["format"] == "date-time" => Ok(FieldType::DateTime),
            Some("string") => Ok(FieldType::String),
            Some("integer") => Ok(FieldType::Integer),
            Some("number") => Ok(FieldType::Number),
            Some("boolean") => Ok(FieldType::Boolean),
            Some("array") => Ok(FieldType::Array),
            Some("object") => Ok(FieldType::Object),
            Some(other) => Err(format!("unknown type {other:?}")),
            None => {
                // An `allOf` without its own type: the parts must agree.
                let parts: Vec<FieldType> = schema["allOf"]
                    .as_array()
                    .ok_or_else(|| format!("no type and no allOf: {schema}"))?
                    .iter()
                    .map(|p| self.field_type(p))
                    .collect::<Result<_, _>>()?;
                match parts.split_first() {
                    Some((first, rest)) if rest.iter().all(|t| t == first) => Ok(*first),
                    _ => Err(format!("allOf parts of different types: {parts:?}")),
                }
            }
        }
    }

    /// The record fields of a collection, sorted by name.
    fn fields(&self, collection: &Collection) -> Vec<(String, FieldType)> {
        let definition = self.record_definition(collection);
        let mut properties = Map::new();
        self.properties(&self.json["definitions"][&definition], &mut properties);
        assert!(!properties.is_empty(), "{definition} has no properties");
        let mut fields: Vec<(String, FieldType)> = properties
            .iter()
            .map(|(name, schema)| {
                let ty = self
                    .field_type(schema)
                    .unwrap_or_else(|e| panic!("{definition}.{name}: {e}"));
                (name.clone(), ty)
            })
            .collect();
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        fields
    }

    /// The list operation's parameters, `$ref`s resolved.
    fn parameters(&self, collection: &Collection) -> Vec<&Value> {
        self.list_operation(collection)["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .map(|p| self.resolve(p))
            .collect()
    }
}

/// What the specs say about one collection's records.
struct Derived {
    collection: &'static Collection,
    definition: String,
    fields: Vec<(String, FieldType)>,
}

fn const_name(collection: &Collection) -> String {
    collection
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The text `src/jumpcloud/fields.rs` must hold (rustfmt-stable).
fn render(derived: &[Derived]) -> String {
    let mut out = String::from(
        "//! GENERATED from the vendor specs; do not edit. The record fields of each\n\
         //! [`Collection`](super::Collection), as `specs/jumpcloud/jcapi-powershell/JumpCloud.SDK.V1.json`\n\
         //! and `JumpCloud.SDK.V2.json` declare them.\n",
    );
    out.push_str(&format!("//!\n//! Regenerate: `{BLESS}`.\n\n"));
    out.push_str("use super::collection::{Field, FieldType as T};\n");
    for Derived {
        collection,
        definition,
        fields,
    } in derived
    {
        out.push_str(&format!(
            "\n/// `{}`: the {} fields of `{definition}`.\n",
            collection.name,
            fields.len()
        ));
        out.push_str(&format!(
            "pub(super) const {}: &[Field] = &[\n",
            const_name(collection)
        ));
        for (name, ty) in fields {
            out.push_str(&format!("    Field::new({name:?}, T::{}),\n", ty.name()));
        }
        out.push_str("];\n");
    }
    out
}

/// A line diff (longest common subsequence): `-` lines only in `old`, `+` lines only in `new`.
fn diff<'a>(old: &'a str, new: &'a str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    // Each change is shown under the list it is in.
    let (mut list, mut shown) = ("", "");
    let mut emit = |out: &mut String, list: &'a str, line: String| {
        if list != shown {
            out.push_str(&format!("in {list}\n"));
            shown = list;
        }
        out.push_str(&line);
    };
    while i < a.len() || j < b.len() {
        if let Some(line) = b.get(j).filter(|l| l.starts_with("pub(super) const")) {
            list = line;
        }
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            emit(&mut out, list, format!("+ {}\n", b[j]));
            j += 1;
        } else {
            emit(&mut out, list, format!("- {}\n", a[i]));
            i += 1;
        }
    }
    out
}

#[test]
fn generated_field_lists_match_the_specs() {
    let v1 = Spec::new(ApiVersion::V1);
    let v2 = Spec::new(ApiVersion::V2);
    let spec = |c: &Collection| match c.version {
        ApiVersion::V1 => &v1,
        ApiVersion::V2 => &v2,
    };
    let derived: Vec<Derived> = Collection::ALL
        .iter()
        .map(|c| {
            let definition = spec(c).record_definition(c);
            assert_eq!(
                definition, c.schema,
                "{}: the list operation's records are `{definition}`, the row says `{}`",
                c.name, c.schema
            );
            Derived {
                collection: c,
                fields: spec(c).fields(c),
                definition,
            }
        })
        .collect();
    let expected = render(&derived);
    let path = root().join(GENERATED);
    let actual = fs::read_to_string(&path).unwrap_or_default();
    if std::env::var_os("TRIBUTARY_BLESS").is_some() {
        if actual != expected {
            fs::write(&path, &expected).unwrap();
        }
        return;
    }
    assert!(
        actual == expected,
        "{GENERATED} differs from the specs (- in the file, + from the specs):\n{}\nrewrite it with `{BLESS}`",
        diff(&actual, &expected)
    );
    // The table uses the generated lists (a wiring check; the text check above is the real one).
    for Derived {
        collection, fields, ..
    } in &derived
    {
        let table: Vec<(String, FieldType)> = collection
            .fields
            .iter()
            .map(|Field { name, ty }| (name.to_string(), *ty))
            .collect();
        assert_eq!(&table, fields, "{} uses another list", collection.name);
    }
}

/// The v1 filter operators: the full text is in the generator's copy of the public v1 spec
/// (the SDK spec cuts the `filter` description to one line). Every v1 list shares it.
fn v1_operators() -> Vec<String> {
    let path = root().join("../../specs/jumpcloud/baton-jumpcloud/jcapi1/openapi.yaml");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let marker = "**operator** = Supported operators are:";
    let mut lists: Vec<Vec<String>> = Vec::new();
    for (at, _) in text.match_indices(marker) {
        // YAML block text: `- `$eq` (equals)` lines, each indented.
        let list: Vec<String> = text[at + marker.len()..]
            .lines()
            .skip(1)
            .map(str::trim)
            .take_while(|l| l.starts_with("- `"))
            .map(|l| l[3..].split('`').next().unwrap().to_string())
            .collect();
        lists.push(list);
    }
    assert!(
        !lists.is_empty(),
        "no v1 operator list in {}",
        path.display()
    );
    assert!(
        lists.windows(2).all(|w| w[0] == w[1]),
        "v1 operations list different operators: {lists:?}"
    );
    lists.remove(0)
}

/// `Supported operators are: eq, ne, in.` (v2 parameter descriptions).
fn v2_operators(description: &str) -> Vec<String> {
    let marker = "Supported operators are:";
    let at = description
        .find(marker)
        .unwrap_or_else(|| panic!("no operator list in {description:?}"));
    let sentence = description[at + marker.len()..]
        .split(['.', '\n'])
        .next()
        .unwrap();
    sentence
        .split(',')
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect()
}

#[test]
fn rows_match_their_list_operations() {
    let v1 = Spec::new(ApiVersion::V1);
    let v2 = Spec::new(ApiVersion::V2);
    let v1_ops = v1_operators();
    for c in Collection::ALL {
        let spec = match c.version {
            ApiVersion::V1 => &v1,
            ApiVersion::V2 => &v2,
        };
        let parameters = spec.parameters(c);
        let param = |name: &str| {
            parameters
                .iter()
                .copied()
                .find(|p| p["name"] == name && p["in"] == "query")
        };
        let description = |p: &Value| p["description"].as_str().unwrap_or_default().to_string();

        let limit = param("limit").unwrap_or_else(|| panic!("{}: no limit", c.name));
        let stated = limit["maximum"].as_u64().or_else(|| {
            let text = description(limit);
            let at = text.find("Limited to ")?;
            text[at + "Limited to ".len()..]
                .trim_end_matches('.')
                .trim()
                .parse()
                .ok()
        });
        // When the spec states no maximum, the row keeps 100 (documented on the row).
        assert_eq!(
            u64::from(c.max_limit),
            stated.unwrap_or(100),
            "{}: limit",
            c.name
        );

        assert_eq!(param("sort").is_some(), c.sort, "{}: sort", c.name);

        match (param("fields"), c.fields_separator) {
            (None, None) => {}
            (Some(fields), Some(separator)) => {
                let text = description(fields).to_lowercase();
                let said = if text.contains("comma separated") {
                    ","
                } else if text.contains("space separated") || text.contains("space seperated") {
                    " "
                } else {
                    panic!("{}: fields= separator not stated: {text:?}", c.name)
                };
                assert_eq!(said, separator, "{}: fields separator", c.name);
            }
            (fields, separator) => panic!(
                "{}: the spec {} `fields`, the row says separator {separator:?}",
                c.name,
                if fields.is_some() { "has" } else { "has no" }
            ),
        }

        let filter = param("filter").unwrap_or_else(|| panic!("{}: no filter", c.name));
        let operators = match c.version {
            ApiVersion::V1 => v1_ops.clone(),
            ApiVersion::V2 => v2_operators(&description(filter)),
        };
        assert_eq!(
            c.filters.operators, operators,
            "{}: filter operators",
            c.name
        );
    }
}

/// Every graph route an engine-added field reads is a v2 `GET` whose answer is a list of graph
/// edges (`GraphConnection`, or `GraphObjectWithPaths` for traversals), paged with `limit` (at
/// most 100) and `skip`: what the engine's reader expects.
#[test]
fn relation_routes_match_the_spec() {
    let v2 = Spec::new(ApiVersion::V2);
    let base = v2.json["basePath"].as_str().expect("basePath").to_string();
    let mut seen = 0;
    for c in Collection::ALL {
        for d in c.dynamic_fields {
            let Some(route) = d.route() else { continue };
            seen += 1;
            let rest = route
                .strip_prefix(base.trim_end_matches('/'))
                .unwrap_or_else(|| panic!("{route} is not a v2 path"));
            // The spec names the parameter after the object (`{system_id}`, `{group_id}`).
            let operation = v2.json["paths"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(path, _)| {
                    let shape: Vec<&str> = path.split('/').collect();
                    let ours: Vec<&str> = rest.split('/').collect();
                    shape.len() == ours.len()
                        && shape
                            .iter()
                            .zip(&ours)
                            .all(|(a, b)| a == b || (a.starts_with('{') && *b == "{id}"))
                })
                .and_then(|(_, p)| p.get("get"))
                .unwrap_or_else(|| panic!("{}.{}: no GET {rest}", c.name, d.field.name));
            let items = &v2.resolve(&operation["responses"]["200"]["schema"])["items"]["$ref"];
            assert!(
                items == "#/definitions/GraphConnection"
                    || items == "#/definitions/GraphObjectWithPaths",
                "{route}: answers {items}"
            );
            let names: Vec<String> = operation["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    v2.resolve(p)["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            assert!(
                names.contains(&"limit".into()) && names.contains(&"skip".into()),
                "{route}"
            );
            let limit = operation["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| v2.resolve(p))
                .find(|p| p["name"] == "limit")
                .unwrap();
            assert!(
                limit["description"]
                    .as_str()
                    .is_some_and(|t| t.contains("Limited to 100.")),
                "{route}: limit"
            );
        }
    }
    assert!(seen >= 9, "relation fields: {seen}");
}
