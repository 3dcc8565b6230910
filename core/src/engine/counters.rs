//! The counters one command read and changed: each with the value read, its value in the
//! command, and the bounds its stored value must keep — turned into the change set's
//! [`CounterDelta`]s. Found by name once, then by place (a command touches a stock item's
//! counters several times; hashing their names each time was a third of a 20-line lifecycle).

use super::*;

/// A counter as a command sees it: the value read, its value in this command, and the bounds
/// the stored value must keep after the change set (moved along with each later change).
#[derive(Debug, Clone)]
struct Counted {
    key: CounterKey,
    read: i64,
    current: i64,
    min: Option<i64>,
    max: Option<i64>,
}

/// The counters of one command, in the order first read.
pub(super) struct Counters {
    counted: Vec<Counted>,
    places: HashMap<CounterKey, u32, foldhash::fast::RandomState>,
}

impl Default for Counters {
    fn default() -> Self {
        // Room for a 20-line order's stock counters: growing the table rehashes all of them.
        Counters {
            counted: Vec::with_capacity(48),
            places: HashMap::with_capacity_and_hasher(48, Default::default()),
        }
    }
}

impl Counters {
    /// The place of `key`, if it was read.
    pub(super) fn place(&self, key: &CounterKey) -> Option<usize> {
        self.places.get(key).map(|&at| at as usize)
    }

    /// Reads the counters of `keys` not read yet, in one call to `store`.
    pub(super) fn read(&mut self, store: &dyn Store, keys: &[CounterKey]) -> Result<()> {
        let missing: Vec<CounterKey> = (keys.iter())
            .filter(|key| !self.places.contains_key(*key))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let values = store.counters(&missing)?;
        if values.len() != missing.len() {
            return Err(Error::Provider {
                component: "store".into(),
                message: format!(
                    "asked for {} counters, answered {}",
                    missing.len(),
                    values.len()
                ),
            });
        }
        for (key, value) in missing.into_iter().zip(values) {
            // Two equal keys asked at once are read once.
            if let Entry::Vacant(entry) = self.places.entry(key.clone()) {
                entry.insert(self.counted.len() as u32);
                self.counted.push(Counted {
                    key,
                    read: value,
                    current: value,
                    min: None,
                    max: None,
                });
            }
        }
        Ok(())
    }

    /// The value in this command of the counter at `at`.
    pub(super) fn value(&self, at: usize) -> i64 {
        self.counted.get(at).map_or(0, |c| c.current)
    }

    /// Changes the counter at `at` by `delta`, its bounds moving with it; then bounds the stored
    /// value at this point to `min..=max` (either may be open).
    pub(super) fn change(&mut self, at: usize, delta: i64, min: Option<i64>, max: Option<i64>) {
        let Some(counter) = self.counted.get_mut(at) else {
            return;
        };
        let shift = |bound: Option<i64>| bound.map(|b| b.saturating_add(delta));
        counter.current = counter.current.saturating_add(delta);
        counter.min = shift(counter.min).max(min);
        counter.max = match (shift(counter.max), max) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// The changes and guards to commit, in key order (kind, then id: every process sends
    /// them in the same order, so a SQL store locking their rows cannot deadlock).
    pub(super) fn into_deltas(self) -> Vec<CounterDelta> {
        let mut deltas: Vec<CounterDelta> = (self.counted.into_iter())
            .filter(|c| c.current != c.read || c.min.is_some() || c.max.is_some())
            .map(|c| CounterDelta {
                key: c.key,
                delta: c.current - c.read,
                min: c.min,
                max: c.max,
            })
            .collect();
        deltas.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        deltas
    }
}
