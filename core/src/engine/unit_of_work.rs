//! The unit of work: the documents one command read and changed, turned into one change set.

use super::*;

/// A stock item being changed, with the place of its document in the command's list (found
/// once per command and item: writing it back hashes nothing).
pub(super) struct Stocked {
    pub(super) at: usize,
    pub(super) item: StockItem,
}

impl std::ops::Deref for Stocked {
    type Target = StockItem;
    fn deref(&self) -> &StockItem {
        &self.item
    }
}

impl std::ops::DerefMut for Stocked {
    fn deref_mut(&mut self) -> &mut StockItem {
        &mut self.item
    }
}

/// Adds a document first used by a command to its list and index; answers its place.
pub(super) fn remember(
    docs: &mut Vec<(DocKey, Cached)>,
    entry: std::collections::hash_map::VacantEntry<'_, DocKey, u32>,
    cached: Cached,
) -> usize {
    let at = docs.len();
    docs.push((entry.key().clone(), cached));
    entry.insert(at as u32);
    at
}

/// A document as a command sees it.
pub(super) struct Cached {
    /// The version it was loaded at (0: it did not exist).
    pub(super) version: u64,
    /// Its current value in this command (`None`: absent, or moved out while being changed).
    pub(super) document: Option<Document>,
    /// Whether the command wrote it.
    pub(super) dirty: bool,
}

/// The documents a command read and changed.
pub(super) struct UnitOfWork<'e> {
    pub(super) engine: &'e Engine,
    pub(super) actor: &'e Actor,
    /// The host's idempotency key, folded into provider keys of captures and refunds.
    pub(super) key: Option<&'e str>,
    pub(super) now: DateTime<Utc>,
    /// Every document read or written, in the order first used. Found through `index`
    /// (hashed: a command looks documents up far more often than it lists them, and an ordered
    /// map compared whole keys at every step, a tenth of a 20-line lifecycle); kept apart from
    /// it so the hashed entries stay small and the writes are moved once, in key order, when
    /// the change set is made.
    pub(super) docs: Vec<(DocKey, Cached)>,
    pub(super) index: HashMap<DocKey, u32, foldhash::fast::RandomState>,
    pub(super) events: Vec<DomainEvent>,
    /// The command's answer when it is an error that still commits its changes (a declined
    /// payment is recorded on the order).
    pub(super) refusal: Option<Error>,
}

impl<'e> UnitOfWork<'e> {
    pub(super) fn new(
        engine: &'e Engine,
        actor: &'e Actor,
        key: Option<&'e str>,
        now: DateTime<Utc>,
    ) -> Self {
        UnitOfWork {
            engine,
            actor,
            key,
            now,
            // Room for a 20-line order's documents: growing the table rehashes all of them.
            docs: Vec::with_capacity(32),
            index: HashMap::with_capacity_and_hasher(32, Default::default()),
            events: Vec::new(),
            refusal: None,
        }
    }

    /// The place of `key` in `docs`, loaded from the store on first use.
    pub(super) fn slot(&mut self, key: DocKey) -> Result<usize> {
        Ok(match self.index.entry(key) {
            Entry::Occupied(entry) => *entry.get() as usize,
            Entry::Vacant(entry) => {
                let cached = match self.engine.store.load(entry.key())? {
                    Some(v) => Cached {
                        version: v.version,
                        document: Some(v.value),
                        dirty: false,
                    },
                    None => Cached {
                        version: 0,
                        document: None,
                        dirty: false,
                    },
                };
                remember(&mut self.docs, entry, cached)
            }
        })
    }

    /// The cached entry of `key`, loaded from the store on first use.
    pub(super) fn cached(&mut self, key: DocKey) -> Result<&mut Cached> {
        let at = self.slot(key)?;
        Ok(&mut self.docs[at].1)
    }

    pub(super) fn load(&mut self, key: DocKey) -> Result<Option<&Document>> {
        Ok(self.cached(key)?.document.as_ref())
    }

    pub(super) fn put(&mut self, key: DocKey, document: Document) {
        let at = match self.index.entry(key) {
            Entry::Occupied(entry) => *entry.get() as usize,
            Entry::Vacant(entry) => {
                let absent = Cached {
                    version: 0,
                    document: None,
                    dirty: false,
                };
                remember(&mut self.docs, entry, absent)
            }
        };
        let cached = &mut self.docs[at].1;
        cached.document = Some(document);
        cached.dirty = true;
    }

    /// The order, if the actor may see it; another customer's order is `not_found`.
    /// The order is moved out of the cache (no copy); `put_order` puts the changed version back.
    pub(super) fn order(&mut self, id: &str) -> Result<Order> {
        let actor = self.actor;
        let slot = &mut self.cached(DocKey::new(DocKind::Order, id))?.document;
        match slot.take() {
            // The store usually keeps its copy too: then this is the command's own copy.
            Some(Document::Order(order)) if actor.can_see(&order.customer_id) => {
                Ok(Arc::unwrap_or_clone(order))
            }
            other => {
                *slot = other;
                Err(Error::not_found("order", id))
            }
        }
    }

    /// Writes the changed order; the answer shares the written copy.
    pub(super) fn put_order(&mut self, mut order: Order) -> Arc<Order> {
        order.updated_at = self.now;
        let order = Arc::new(order);
        self.put(
            DocKey::new(DocKind::Order, &*order.id),
            Document::Order(Arc::clone(&order)),
        );
        order
    }

    pub(super) fn stock(&mut self, sku: &str, location: &str) -> Result<Stocked> {
        let at = self.slot(DocKey::new(DocKind::Stock, StockItem::key(sku, location)))?;
        let item = match &self.docs[at].1.document {
            Some(Document::Stock(item)) => {
                item.check_stored()?;
                item.clone()
            }
            _ => StockItem::new(sku, location),
        };
        Ok(Stocked { at, item })
    }

    pub(super) fn put_stock(&mut self, stocked: Stocked) {
        let cached = &mut self.docs[stocked.at].1;
        cached.document = Some(Document::Stock(stocked.item));
        cached.dirty = true;
    }

    pub(super) fn event(
        &self,
        aggregate: SmolStr,
        sequence: u64,
        order: Option<&Order>,
        payload: EventPayload,
    ) -> DomainEvent {
        DomainEvent {
            id: self.engine.ids.next_id("evt"),
            aggregate,
            sequence,
            order_id: order.map(|o| o.id.clone()),
            customer_id: order.map(|o| o.customer_id.clone()),
            at: self.now,
            payload,
        }
    }

    pub(super) fn emit_order(&mut self, order: &mut Order, payload: EventPayload) {
        order.event_sequence += 1;
        let event = self.event(
            crate::ids::join(&["order/", &order.id]),
            order.event_sequence,
            Some(order),
            payload,
        );
        self.events.push(event);
    }

    pub(super) fn emit_stock(
        &mut self,
        stocked: &mut Stocked,
        order: Option<&Order>,
        payload: impl FnOnce(SmolStr, SmolStr) -> EventPayload,
    ) {
        let Stocked { at, item } = stocked;
        item.event_sequence += 1;
        let payload = payload(item.sku.clone(), item.location.clone());
        let event = self.event(
            // The document id is `sku@location` already.
            crate::ids::join(&["stock/", &self.docs[*at].0.id]),
            item.event_sequence,
            order,
            payload,
        );
        self.events.push(event);
    }

    pub(super) fn into_changes(mut self) -> ChangeSet {
        // In key order, so a change set's writes come in one fixed order (a SQL store then locks
        // rows in the same order in every process).
        let order = crate::store::key_order(&self.docs, |(key, cached)| {
            (cached.dirty && cached.document.is_some()).then_some(key)
        });
        // Sized first: collecting a filtered iterator grows one step at a time.
        let mut writes = Vec::with_capacity(order.len());
        writes.extend(order.filter_map(|(_, at)| {
            let (key, cached) = &mut self.docs[at as usize];
            Some(Write {
                key: DocKey {
                    kind: key.kind,
                    id: std::mem::take(&mut key.id),
                },
                expected_version: cached.version,
                document: cached.document.take()?,
            })
        }));
        ChangeSet {
            writes,
            events: self.events,
            idempotency: None,
        }
    }
}
