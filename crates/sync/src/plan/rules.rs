//! The rules Assets applies when an object is written, checked while planning so that a
//! preview predicts what a run would have refused and a run never sends such a write.
//!
//! Two depths: values Assets refuses on their own (more than the attribute takes, a status it
//! does not allow) leave that attribute out and the rest of the record is written; objects
//! Assets refuses as a whole (a required attribute short of values, a unique value already
//! taken) are not written at all.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use tributary_models::assets::AttributeKind;

use super::index::ValueIndex;
use super::{
    display, fold_case, is_change, problem, Candidate, Level, Plan, PlanInput, WriteValue,
};
use crate::model::{AttrDef, ExistingObject};

/// Why Assets would refuse `values` for `def` whatever else the object holds, if it would.
pub(super) fn refused_values(def: &AttrDef, values: &[WriteValue]) -> Option<String> {
    let max = def.attribute.maximum_cardinality;
    if max >= 1 && values.len() as i64 > max {
        let takes = if max == 1 {
            "one value".to_string()
        } else {
            format!("at most {max} values")
        };
        return Some(format!(
            "{} takes {takes}, got {}: {}; it was left out",
            def.name,
            values.len(),
            display(values).join(", ")
        ));
    }
    if def.kind == AttributeKind::Status {
        // Status names became ids after the transform; whether the attribute allows the
        // status is checked here, by the same rule the transform applies to ids.
        for value in values {
            if let WriteValue::Text(text) = value {
                if let Err(message) = tributary_transform::type_value(&def.attribute, text, None) {
                    return Some(format!("{message}; it was left out"));
                }
            }
        }
    }
    None
}

/// Judges every candidate write as Assets would, in a fixed order so preview and run agree:
/// 1. references to records that are not written are left out of the writes that name them
///    (then an attribute left empty may make another record fail: repeated until settled);
/// 2. a write that would leave a required attribute short of values is refused;
/// 3. unique attributes, attribute by attribute, in source order: a value held by another
///    object in Assets, or already claimed by an earlier record of the source, is refused (the
///    holder, or the first record, keeps it); then 1 and 2 again for what that took away.
///
/// Refused keys go to `out.refused`, each with an error in `out.problems`.
pub(super) fn refuse(
    input: &PlanInput<'_>,
    attrs: &BTreeMap<&str, &AttrDef>,
    candidates: &mut [Candidate<'_>],
    out: &mut Plan,
) {
    let required: Vec<&AttrDef> = input
        .attributes
        .iter()
        .filter(|a| a.writable && a.attribute.minimum_cardinality >= 1)
        .collect();
    settle(attrs, &required, candidates, out);
    let before = out.refused.len();
    for def in input
        .attributes
        .iter()
        .filter(|a| a.writable && a.attribute.unique_attribute)
    {
        claim_unique(input.existing, def, candidates, out);
    }
    if out.refused.len() > before {
        settle(attrs, &required, candidates, out);
    }
}

/// Rules 1 and 2 until no further record is refused.
fn settle(
    attrs: &BTreeMap<&str, &AttrDef>,
    required: &[&AttrDef],
    candidates: &mut [Candidate<'_>],
    out: &mut Plan,
) {
    loop {
        let mut more = false;
        for candidate in candidates.iter_mut() {
            if out.refused.contains(candidate.key) {
                continue;
            }
            drop_references(attrs, candidate, &out.refused, &mut out.problems);
            if let Some(message) = short_of_required(required, candidate) {
                out.problems.push(message);
                out.refused.insert(candidate.key.to_string());
                more = true;
            }
        }
        if !more {
            return;
        }
    }
}

/// Takes references to objects of records that are not written out of a write. An attribute
/// left with nothing to write is left as it is (like a reference that found nothing).
fn drop_references(
    attrs: &BTreeMap<&str, &AttrDef>,
    candidate: &mut Candidate<'_>,
    refused: &BTreeSet<String>,
    problems: &mut Vec<super::Problem>,
) {
    let not_written =
        |v: &WriteValue| matches!(v, WriteValue::Created { created } if refused.contains(created));
    let creating = candidate.existing.is_none();
    candidate.changes.retain_mut(|change| {
        let gone: Vec<String> = change
            .new
            .iter()
            .filter(|v| not_written(v))
            .map(WriteValue::display)
            .collect();
        if gone.is_empty() {
            return true;
        }
        change.new.retain(|v| !not_written(v));
        problems.push(problem(
            candidate.key,
            Some(change.attribute.clone()),
            format!(
                "{} cannot be referenced: that record is not written (see its error); the reference was left out",
                gone.join(", ")
            ),
            Level::Error,
        ));
        !change.new.is_empty()
            && attrs
                .get(change.attribute_id.as_str())
                .is_none_or(|def| is_change(def, &change.old, &change.new, creating))
    });
}

/// The error for a write that would leave a required attribute with fewer values than its
/// minimum (Assets refuses the whole object), if it would.
fn short_of_required(required: &[&AttrDef], candidate: &Candidate<'_>) -> Option<super::Problem> {
    if !candidate.writes() {
        return None;
    }
    required.iter().find_map(|def| {
        let count = candidate.after(&def.id).len();
        let min = def.attribute.minimum_cardinality;
        ((count as i64) < min).then(|| {
            let what = match candidate.existing {
                None => "the new object".to_string(),
                Some(object) => format!("{} after the update", object.object_key()),
            };
            problem(
                candidate.key,
                Some(def.name.clone()),
                format!(
                    "{} is required (at least {min} value(s)) but {what} would have {count}; Assets refuses that, so the record was not written",
                    def.name
                ),
                Level::Error,
            )
        })
    })
}

/// Rule 3 for one unique attribute (values compared ignoring case).
fn claim_unique(
    existing: &[ExistingObject],
    def: &AttrDef,
    candidates: &[Candidate<'_>],
    out: &mut Plan,
) {
    let fold = |v: &WriteValue| match v {
        WriteValue::Text(text) => text.to_lowercase(),
        // An object this run creates: no other object can hold it yet.
        WriteValue::Created { created } => format!("\u{0}{created}"),
    };
    let claiming = |c: &Candidate<'_>| !out.refused.contains(c.key) && c.writes();
    if !candidates.iter().any(claiming) {
        return;
    }
    // Borrowed from the objects (one entry per object of the type).
    let holders: ValueIndex<Cow<'_, str>, &ExistingObject> =
        ValueIndex::new(existing.iter().flat_map(|object| {
            object
                .get(&def.id)
                .map(move |value| (fold_case(value), object))
        }));
    let mut claims: BTreeMap<String, &str> = BTreeMap::new();
    for candidate in candidates {
        if out.refused.contains(candidate.key) || !candidate.writes() {
            continue;
        }
        let own = candidate.existing.map(|o| o.id());
        let values = candidate.after(&def.id);
        let clash = values.iter().find_map(|value| {
            let folded = fold(value);
            let shown = value.display();
            let held = holders
                .get(folded.as_str())
                .iter()
                .find(|o| Some(o.id()) != own);
            if let Some(holder) = held {
                return Some(format!("{} already has {shown:?}", holder.object_key()));
            }
            claims.get(&folded).map(|first| {
                format!(
                    "record {first}, earlier in the source, has {shown:?} too (the first keeps it)"
                )
            })
        });
        match clash {
            Some(why) => {
                out.problems.push(problem(
                    candidate.key,
                    Some(def.name.clone()),
                    format!(
                        "{} must be unique and {why}; Assets refuses that, so the record was not written",
                        def.name
                    ),
                    Level::Error,
                ));
                out.refused.insert(candidate.key.to_string());
            }
            None => {
                for value in &values {
                    claims.entry(fold(value)).or_insert(candidate.key);
                }
            }
        }
    }
}
