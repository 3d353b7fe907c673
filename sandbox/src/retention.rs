//! A map that keeps its newest entries only: the sandbox runs for hours of
//! a user's tests, and what clients make (jobs, exports) must not grow its
//! memory without end. Past the bound, the oldest entry is forgotten, as a
//! real server forgets old jobs: asking for it then finds nothing.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// At most `bound` entries; inserting past it forgets the oldest.
pub(crate) struct Retained<K, V> {
    entries: HashMap<K, V>,
    order: VecDeque<K>,
    bound: usize,
}

impl<K: Hash + Eq + Clone, V> Retained<K, V> {
    pub(crate) fn new(bound: usize) -> Self {
        Retained {
            entries: HashMap::new(),
            order: VecDeque::new(),
            bound: bound.max(1),
        }
    }

    /// Inserts (or replaces) `key`, forgetting the oldest entries past the bound.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        if self.entries.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
        }
        while self.entries.len() > self.bound {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            self.entries.remove(&oldest);
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key)
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.values()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_entries_go_past_the_bound() {
        let mut kept = Retained::new(3);
        for n in 0..10 {
            kept.insert(n, n * 10);
        }
        assert_eq!(kept.len(), 3);
        assert_eq!(kept.get(&6), None);
        assert_eq!(kept.get(&9), Some(&90));
        // Replacing an entry keeps its place and its count.
        kept.insert(7, 0);
        assert_eq!((kept.len(), kept.get(&7)), (3, Some(&0)));
    }
}
