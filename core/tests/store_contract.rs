//! The store contract catches a store that breaks it, naming the rule: here one that applies a
//! change set's writes one by one, so a refused commit keeps what it wrote before the conflict,
//! and one that adds counter deltas without checking their bounds.

use ordercore::store::{
    ChangeSet, DocKey, Document, Find, Found, IdempotencyRecord, MemoryStore, OutboxEntry, Store,
    Versioned,
};

/// A broken store: writes one by one, or (`.1`) ignores counter bounds.
#[derive(Default)]
struct OneByOne(MemoryStore, bool);

impl Store for OneByOne {
    fn load(&self, key: &DocKey) -> ordercore::Result<Option<Versioned<Document>>> {
        self.0.load(key)
    }

    fn counters(&self, keys: &[ordercore::store::CounterKey]) -> ordercore::Result<Vec<i64>> {
        self.0.counters(keys)
    }

    fn commit(&self, mut changes: ChangeSet) -> ordercore::Result<()> {
        if self.1 {
            for counter in &mut changes.counters {
                (counter.min, counter.max) = (None, None);
            }
            return self.0.commit(changes);
        }
        for write in &changes.writes {
            let one = ChangeSet {
                writes: vec![write.clone()],
                ..ChangeSet::default()
            };
            self.0.commit(one)?;
        }
        self.0.commit(ChangeSet {
            writes: vec![],
            ..changes
        })
    }

    fn find(&self, query: &Find) -> ordercore::Result<Found> {
        self.0.find(query)
    }

    fn idempotency(&self, key: &str) -> ordercore::Result<Option<IdempotencyRecord>> {
        self.0.idempotency(key)
    }

    fn pending_events(&self, limit: usize) -> ordercore::Result<Vec<OutboxEntry>> {
        self.0.pending_events(limit)
    }

    fn mark_delivered(&self, positions: &[u64]) -> ordercore::Result<()> {
        self.0.mark_delivered(positions)
    }
}

#[test]
fn the_memory_store_keeps_the_contract_and_a_store_writing_one_by_one_does_not() {
    ordercore::store_contract::check(&MemoryStore::new()).unwrap();
    let broken = ordercore::store_contract::check(&OneByOne::default()).unwrap_err();
    assert_eq!(broken, "a refused commit writes no document");
    let unbounded = OneByOne(MemoryStore::new(), true);
    let broken = ordercore::store_contract::check(&unbounded).unwrap_err();
    assert_eq!(broken, "a counter below its minimum is a conflict");
}
