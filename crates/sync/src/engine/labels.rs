//! Readable names beside ids in what a preview or run shows: each record's label (the value
//! it gives the object type's label attribute, e.g. Name), and for references the label of
//! the object referenced, where the run knows it (objects of the import's own type, such as a
//! manager, and objects the run creates).

use crate::model::{AttrDef, DesiredObject, DesiredRef, ExistingObject};
use crate::plan::index::ValueIndex;
use crate::report::{ChangeView, CreateView, MissingView, PlanView, UpdateView};

/// Labels by source key and by Assets object key, borrowed from the records and objects the
/// run holds anyway (nothing is copied until an entry is labelled). One entry per record and
/// object: sorted lists, not hash tables (a key given twice: the last label counts).
#[derive(Debug, Default)]
pub(crate) struct Labels<'a> {
    by_key: ValueIndex<&'a str, &'a str>,
    by_object_key: ValueIndex<&'a str, &'a str>,
}

impl<'a> Labels<'a> {
    /// Labels from the records read and the objects of the type, by the type's label attribute
    /// (none known when the type has none).
    pub fn new(
        defs: &[AttrDef],
        records: &'a [DesiredObject],
        existing: &'a [ExistingObject],
    ) -> Self {
        let Some(label) = defs.iter().find(|d| d.attribute.label) else {
            return Labels::default();
        };
        let by_key = ValueIndex::new(records.iter().filter_map(|r| match r.get(&label.id)? {
            DesiredRef::Values(values) => values.first().map(|v| (r.key(), v)),
            _ => None,
        }));
        let by_object_key = ValueIndex::new(
            existing
                .iter()
                .filter_map(|o| o.get(&label.id).next().map(|v| (o.object_key(), v))),
        );
        Labels {
            by_key,
            by_object_key,
        }
    }

    /// The label of a record by its source key.
    pub fn of_key(&self, key: &str) -> Option<String> {
        self.by_key.get(key).last().map(|l| l.to_string())
    }

    /// The label of an Assets object of the type, by its key.
    fn of_object(&self, object_key: &str) -> Option<String> {
        self.by_object_key
            .get(object_key)
            .last()
            .map(|l| l.to_string())
    }

    /// The label of a value shown in a change: an object key of the type, or a
    /// `(new object <key>)` the run creates.
    fn of_value(&self, value: &str) -> Option<&'a str> {
        match value
            .strip_prefix("(new object ")
            .and_then(|v| v.strip_suffix(')'))
        {
            Some(key) => self.by_key.get(key).last().copied(),
            None => self.by_object_key.get(value).last().copied(),
        }
    }

    /// Puts the labels into a plan view: on every entry, and beside reference values.
    pub fn apply(&self, view: &mut PlanView) {
        view.creates.iter_mut().for_each(|c| self.create(c));
        view.updates.iter_mut().for_each(|u| self.update(u));
        view.missing.iter_mut().for_each(|m| self.missing(m));
    }

    /// Labels one create.
    pub fn create(&self, create: &mut CreateView) {
        create.label = self.of_key(&create.key);
        self.label_changes(&mut create.changes);
    }

    /// Labels one update.
    pub fn update(&self, update: &mut UpdateView) {
        update.label = self
            .of_key(&update.key)
            .or_else(|| self.of_object(&update.object_key));
        self.label_changes(&mut update.changes);
    }

    /// Labels one missing object.
    pub fn missing(&self, missing: &mut MissingView) {
        missing.label = self.of_object(&missing.object_key);
        self.label_changes(&mut missing.changes);
    }

    /// Adds `oldLabels` / `newLabels` to changes whose values name objects with known labels.
    fn label_changes(&self, changes: &mut [ChangeView]) {
        if self.by_key.is_empty() && self.by_object_key.is_empty() {
            return;
        }
        let labels = |values: &[String]| -> Option<Vec<String>> {
            let known: Vec<Option<&str>> = values.iter().map(|v| self.of_value(v)).collect();
            known.iter().any(Option::is_some).then(|| {
                known
                    .iter()
                    .zip(values)
                    .map(|(label, value)| label.unwrap_or(value).to_string())
                    .collect()
            })
        };
        for change in changes {
            change.old_labels = labels(&change.old);
            change.new_labels = labels(&change.new);
        }
    }
}
