//! The planner's lookups by value (objects by key value, same-type references, unique
//! values held), kept as one sorted list each: an entry is a value and an item, with no list
//! per value and no tree nodes. The planner makes one entry per object or record, so this is
//! most of what it holds beside its input.

use std::borrow::Borrow;

/// Items by value, several items to a value allowed (kept in the order they were added).
#[derive(Debug)]
pub(super) struct ValueIndex<K, T> {
    /// The values, sorted; `items[i]` belongs to `values[i]`.
    values: Vec<K>,
    items: Vec<T>,
}

impl<K, T> Default for ValueIndex<K, T> {
    fn default() -> Self {
        ValueIndex {
            values: Vec::new(),
            items: Vec::new(),
        }
    }
}

impl<K: Borrow<str> + Ord, T> ValueIndex<K, T> {
    /// The index of `(value, item)` pairs.
    pub fn new(entries: impl IntoIterator<Item = (K, T)>) -> Self {
        let mut entries: Vec<(K, T)> = entries.into_iter().collect();
        // Stable: a value's items keep the order they came in (the first object wins).
        entries.sort_by(|a, b| a.0.borrow().cmp(b.0.borrow()));
        let (values, items) = entries.into_iter().unzip();
        ValueIndex { values, items }
    }

    /// The items `value` has (none when it has none).
    pub fn get(&self, value: &str) -> &[T] {
        let start = self.values.partition_point(|v| v.borrow() < value);
        let end = start + self.values[start..].partition_point(|v| v.borrow() == value);
        &self.items[start..end]
    }

    /// Whether `value` has an item.
    pub fn contains(&self, value: &str) -> bool {
        !self.get(value).is_empty()
    }

    /// Every value with its items, in value order.
    pub fn groups(&self) -> impl Iterator<Item = (&str, &[T])> {
        let mut start = 0;
        std::iter::from_fn(move || {
            let value = self.values.get(start)?.borrow();
            let end = start + self.values[start..].partition_point(|v| v.borrow() == value);
            let group = (value, &self.items[start..end]);
            start = end;
            Some(group)
        })
    }

    /// The number of distinct values.
    pub fn distinct(&self) -> usize {
        self.groups().count()
    }
}

#[cfg(test)]
mod tests {
    use super::ValueIndex;

    #[test]
    fn items_group_by_value_in_the_order_they_came() {
        let index = ValueIndex::new([("b", 1), ("a", 2), ("b", 3), ("", 4), ("c", 5), ("b", 6)]);
        assert_eq!(index.get("b"), &[1, 3, 6]);
        assert_eq!(index.get("a"), &[2]);
        assert_eq!(index.get(""), &[4]);
        assert!(index.get("bb").is_empty() && index.get("0").is_empty());
        assert!(index.contains("c") && !index.contains("d"));
        let groups: Vec<(&str, &[i32])> = index.groups().collect();
        assert_eq!(
            groups,
            vec![("", &[4][..]), ("a", &[2]), ("b", &[1, 3, 6]), ("c", &[5])]
        );
        assert_eq!(index.distinct(), 4);
        let empty: ValueIndex<&str, ()> = ValueIndex::default();
        assert!(empty.get("x").is_empty() && empty.groups().next().is_none());
    }
}
