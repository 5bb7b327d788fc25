//! Reading values out of a JumpCloud record: paths, filters, conditions and templates.

use serde_json::Value as Json;
use tributary_mapping::{Condition, Part, Path, Segment, Template, Test};

/// Every JSON value `segments` reaches from `value`. A field applied to an array applies to
/// each element; a filter keeps the elements for which its condition holds.
pub(crate) fn select<'a>(value: &'a Json, segments: &[Segment], out: &mut Vec<&'a Json>) {
    let Some((first, rest)) = segments.split_first() else {
        out.push(value);
        return;
    };
    match (first, value) {
        (_, Json::Null) => {}
        (Segment::Field(_), Json::Array(items)) => {
            items.iter().for_each(|item| select(item, segments, out))
        }
        (Segment::Field(name), Json::Object(map)) => {
            if let Some(v) = map.get(name) {
                select(v, rest, out);
            }
        }
        (Segment::Index(i), Json::Array(items)) => {
            let index = if *i < 0 { items.len() as i64 + i } else { *i };
            if let Some(v) = usize::try_from(index).ok().and_then(|i| items.get(i)) {
                select(v, rest, out);
            }
        }
        (Segment::Index(i), Json::Object(map)) => {
            if let Some(v) = map.get(&i.to_string()) {
                select(v, rest, out);
            }
        }
        (Segment::All, Json::Array(items)) => items.iter().for_each(|item| select(item, rest, out)),
        (Segment::All, Json::Object(map)) => map.values().for_each(|item| select(item, rest, out)),
        (Segment::Filter(condition), Json::Array(items)) => {
            items
                .iter()
                .filter(|item| holds(condition, item))
                .for_each(|item| select(item, rest, out));
        }
        // A filter on a lone object treats it as a one-element list.
        (Segment::Filter(condition), item @ Json::Object(_)) if holds(condition, item) => {
            select(item, rest, out)
        }
        _ => {}
    }
}

/// The text of a scalar; `None` for null, objects and arrays.
pub(crate) fn scalar_text(value: &Json) -> Option<String> {
    match value {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The texts a path reads from `record`: arrays at the end give their elements, null and
/// empty text give nothing. `Err` names the first object reached where text was expected.
pub(crate) fn texts(record: &Json, path: &Path) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    select(record, &path.segments, &mut found);
    let mut out = Vec::with_capacity(found.len());
    for value in found {
        flatten(value, &path.text, &mut out)?;
    }
    Ok(out)
}

fn flatten(value: &Json, path: &str, out: &mut Vec<String>) -> Result<(), String> {
    match value {
        Json::Array(items) => items.iter().try_for_each(|item| flatten(item, path, out)),
        Json::Object(_) => Err(format!(
            "'{path}' is an object, not a value; name a field inside it, e.g. '{path}.name'"
        )),
        other => {
            if let Some(text) = scalar_text(other).filter(|t| !t.is_empty()) {
                out.push(text);
            }
            Ok(())
        }
    }
}

/// Whether a condition holds for `value` (the record, or an array element inside a filter).
pub(crate) fn holds(condition: &Condition, value: &Json) -> bool {
    let mut found = Vec::new();
    select(value, &condition.path.segments, &mut found);
    let mut scalars = Vec::new();
    for v in found {
        match v {
            Json::Array(items) => scalars.extend(items.iter().filter_map(scalar_text)),
            other => scalars.extend(scalar_text(other)),
        }
    }
    let present = || scalars.iter().any(|s| !s.is_empty() && s != "false");
    match &condition.test {
        Test::Equals(expected) => scalars.iter().any(|s| s == expected),
        Test::NotEquals(expected) => !scalars.iter().any(|s| s == expected),
        Test::Present => present(),
        Test::Absent => !present(),
    }
}

/// Which `${path}`s stand for the row's own value, and that value.
pub(crate) type OwnValue<'a> = (&'a dyn Fn(&Path) -> bool, &'a str);

/// Renders a template against `record`. A `${path}` with several values gives them joined by
/// `, `; `own` supplies the value for paths that stand for the row's own value (lookups).
/// `None` when every `${path}` is empty (so `|default` and "missing" work on templates).
pub(crate) fn render(
    template: &Template,
    record: &Json,
    own: Option<OwnValue<'_>>,
) -> Result<Option<String>, String> {
    let mut out = String::new();
    let mut any_value = false;
    let mut has_paths = false;
    for part in &template.parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Value(path) => {
                has_paths = true;
                let text = match own {
                    Some((is_own, value)) if is_own(path) => value.to_string(),
                    _ => texts(record, path)?.join(", "),
                };
                any_value |= !text.is_empty();
                out.push_str(&text);
            }
        }
    }
    Ok((any_value || !has_paths).then_some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tributary_mapping::Document;

    fn source_path(text: &str) -> Path {
        let doc = Document::parse(&format!("key:_id=id\nmap:{text}=X"));
        match &doc.mapping.rows[0].source {
            tributary_mapping::Source::Path { path } => path.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn paths_filters_and_onlink_forms() {
        let record = json!({
            "addresses": [{"type": "home", "locality": "Leeds"}, {"type": "work", "locality": "York"}],
            "attributes": [{"name": "costCenter", "value": 4711}],
            "workAssignments": [
                {"primaryIndicator": false, "assignedWorkLocations": [{"address": {"cityName": "Hull"}}]},
                {"primaryIndicator": true, "assignedWorkLocations": [{"address": {"cityName": "Bath"}}]}
            ],
            "memberof": ["a", "b"],
        });
        let read = |p: &str| texts(&record, &source_path(p)).unwrap();
        assert_eq!(read("addresses[type=work].locality"), ["York"]);
        assert_eq!(read("addresses.locality"), ["Leeds", "York"]);
        assert_eq!(read("addresses[-1].locality"), ["York"]);
        assert_eq!(read("addresses.0.locality"), ["Leeds"]);
        assert_eq!(read("attributes[name=costCenter].value"), ["4711"]);
        assert_eq!(read("attributes_where_name_eq_costCenter.value"), ["4711"]);
        assert_eq!(
            read("jsonpath__workAssignments.*.assignedWorkLocations.0.address.cityName__where__workAssignments.*.primaryIndicator_eq_true"),
            ["Bath"]
        );
        assert_eq!(read("memberof"), ["a", "b"]);
        assert_eq!(read("nothing.here"), Vec::<String>::new());
        assert!(texts(&record, &source_path("addresses[0]"))
            .unwrap_err()
            .contains("is an object"));
    }
}
