//! Lookups by value held for every object or record of a run (objects by key value,
//! same-type references, unique values held, labels), kept as one sorted list each: an entry
//! is a value and an item, with no list per value and no tree nodes or hash buckets.

use std::borrow::Borrow;

/// Items by value, several items to a value allowed (kept in the order they were added).
#[derive(Debug)]
pub(crate) struct ValueIndex<K, T> {
    /// Sorted by value.
    entries: Vec<(K, T)>,
}

impl<K, T> Default for ValueIndex<K, T> {
    fn default() -> Self {
        ValueIndex {
            entries: Vec::new(),
        }
    }
}

impl<K: Borrow<str>, T> ValueIndex<K, T> {
    /// The index of `(value, item)` pairs.
    pub fn new(entries: impl IntoIterator<Item = (K, T)>) -> Self {
        let entries = entries.into_iter();
        let mut list = Vec::with_capacity(entries.size_hint().1.unwrap_or(0));
        list.extend(entries);
        list.shrink_to_fit();
        // Stable: a value's items keep the order they came in.
        list.sort_by(|a, b| a.0.borrow().cmp(b.0.borrow()));
        ValueIndex { entries: list }
    }

    /// The items `value` has, in the order they were added (none when it has none).
    pub fn get(&self, value: &str) -> Items<'_, K, T> {
        let start = self.entries.partition_point(|(v, _)| v.borrow() < value);
        let len = self.entries[start..].partition_point(|(v, _)| v.borrow() == value);
        Items(&self.entries[start..start + len])
    }

    /// Whether `value` has an item.
    pub fn contains(&self, value: &str) -> bool {
        !self.get(value).is_empty()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every value with its items, in value order.
    pub fn groups(&self) -> impl Iterator<Item = (&str, Items<'_, K, T>)> {
        let mut rest = &self.entries[..];
        std::iter::from_fn(move || {
            let value = rest.first()?.0.borrow();
            let len = rest.partition_point(|(v, _)| v.borrow() == value);
            let (group, after) = rest.split_at(len);
            rest = after;
            Some((value, Items(group)))
        })
    }

    /// The number of distinct values.
    pub fn distinct(&self) -> usize {
        self.groups().count()
    }
}

/// The items of one value of a [`ValueIndex`].
#[derive(Debug)]
pub(crate) struct Items<'i, K, T>(&'i [(K, T)]);

impl<K, T> Clone for Items<'_, K, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, T> Copy for Items<'_, K, T> {}

impl<'i, K, T> Items<'i, K, T> {
    /// How many there are.
    pub fn len(self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(self) -> bool {
        self.0.is_empty()
    }

    /// The first added.
    pub fn first(self) -> Option<&'i T> {
        self.0.first().map(|(_, item)| item)
    }

    /// The last added.
    pub fn last(self) -> Option<&'i T> {
        self.0.last().map(|(_, item)| item)
    }

    /// All of them, in the order they were added.
    pub fn iter(self) -> impl Iterator<Item = &'i T> {
        self.0.iter().map(|(_, item)| item)
    }
}

#[cfg(test)]
mod tests {
    use super::ValueIndex;

    #[test]
    fn items_group_by_value_in_the_order_they_came() {
        let index = ValueIndex::new([("b", 1), ("a", 2), ("b", 3), ("", 4), ("c", 5), ("b", 6)]);
        let items = |value: &str| index.get(value).iter().copied().collect::<Vec<i32>>();
        assert_eq!(items("b"), [1, 3, 6]);
        assert_eq!(
            (index.get("b").first(), index.get("b").last()),
            (Some(&1), Some(&6))
        );
        assert_eq!(items("a"), [2]);
        assert_eq!(items(""), [4]);
        assert!(index.get("bb").is_empty() && index.get("0").is_empty());
        assert!(index.contains("c") && !index.contains("d"));
        let groups: Vec<(&str, Vec<i32>)> = index
            .groups()
            .map(|(v, items)| (v, items.iter().copied().collect()))
            .collect();
        assert_eq!(
            groups,
            vec![
                ("", vec![4]),
                ("a", vec![2]),
                ("b", vec![1, 3, 6]),
                ("c", vec![5])
            ]
        );
        assert_eq!(index.distinct(), 4);
        let empty: ValueIndex<&str, ()> = ValueIndex::default();
        assert!(empty.is_empty() && empty.get("x").is_empty() && empty.groups().next().is_none());
    }
}
