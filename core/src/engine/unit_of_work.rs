//! The unit of work: the documents and counters one command read and changed, turned into one
//! change set.

use super::*;

/// A stock item being changed, with the place of its settings document in the command's list
/// and of its two counters (found once per command and item: writing it back hashes nothing).
pub(super) struct Stocked {
    pub(super) at: usize,
    pub(super) item: StockItem,
    /// The places of its `available` and `reserved` counters.
    counters: [usize; 2],
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
    /// A stock document's `available` and `reserved` counters, once read.
    pub(super) counters: Option<[usize; 2]>,
}

/// The documents a command read and changed.
pub(super) struct UnitOfWork<'e> {
    pub(super) engine: &'e Engine,
    pub(super) actor: &'e Actor,
    /// The host's idempotency key, folded into provider keys of captures and refunds.
    pub(super) key: Option<&'e str>,
    pub(super) now: DateTime<Utc>,
    /// The host's correlation id, put on every event (one allocation, shared).
    pub(super) correlation_id: Option<Arc<SmolStr>>,
    /// Every document read or written, in the order first used. Found through `index`
    /// (hashed: a command looks documents up far more often than it lists them, and an ordered
    /// map compared whole keys at every step, a tenth of a 20-line lifecycle); kept apart from
    /// it so the hashed entries stay small and the writes are moved once, in key order, when
    /// the change set is made.
    pub(super) docs: Vec<(DocKey, Cached)>,
    pub(super) index: HashMap<DocKey, u32, foldhash::fast::RandomState>,
    /// Every counter read or changed.
    pub(super) counters: Counters,
    pub(super) events: Vec<DomainEvent>,
    /// `order/{id}` of the order whose events were emitted last: a checkout emits one event per
    /// line into its order's stream, and the name is built once.
    order_stream: Option<SmolStr>,
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
        correlation_id: Option<&str>,
    ) -> Self {
        UnitOfWork {
            engine,
            actor,
            key,
            now,
            correlation_id: correlation_id.map(|id| Arc::new(SmolStr::new(id))),
            // Room for a 20-line order's documents: growing the table rehashes all of them.
            docs: Vec::with_capacity(32),
            index: HashMap::with_capacity_and_hasher(32, Default::default()),
            counters: Counters::default(),
            events: Vec::new(),
            order_stream: None,
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
                        counters: None,
                    },
                    None => Cached {
                        version: 0,
                        document: None,
                        dirty: false,
                        counters: None,
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
                    counters: None,
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

    /// Reads the counters this command has not read yet, in one call to the store.
    pub(super) fn read_counters(&mut self, keys: &[CounterKey]) -> Result<()> {
        self.counters.read(&*self.engine.store, keys)
    }

    /// A counter's value in this command, read from the store on first use.
    pub(super) fn counter(&mut self, key: &CounterKey) -> Result<i64> {
        self.read_counters(std::slice::from_ref(key))?;
        Ok(self
            .counters
            .place(key)
            .map_or(0, |at| self.counters.value(at)))
    }

    /// Changes a counter read before by `delta`, its bounds moving with it; then bounds the
    /// stored value at this point to `min..=max` (either may be open).
    pub(super) fn change_counter(
        &mut self,
        key: &CounterKey,
        delta: i64,
        min: Option<i64>,
        max: Option<i64>,
    ) {
        if let Some(at) = self.counters.place(key) {
            self.counters.change(at, delta, min, max);
        }
    }

    /// Reads the counters of the stock items `ids` (`sku@location`) in one call to the store.
    pub(super) fn read_stock(&mut self, ids: impl Iterator<Item = SmolStr>) -> Result<()> {
        let mut keys = Vec::with_capacity(ids.size_hint().0 * 2);
        for id in ids {
            keys.push(CounterKey::available(id.clone()));
            keys.push(CounterKey::reserved(id));
        }
        self.read_counters(&keys)
    }

    /// The stock items of `items` (sku, location), their counters read in one call.
    pub(super) fn stocks(&mut self, items: &[(&str, &str)]) -> Result<Vec<Stocked>> {
        let ids: Vec<SmolStr> = (items.iter())
            .map(|(sku, location)| StockItem::key(sku, location))
            .collect();
        self.read_stock(ids.iter().cloned())?;
        (items.iter().zip(ids))
            .map(|((sku, location), id)| self.stock_of(sku, location, id))
            .collect()
    }

    /// A stock item as this command sees it: its settings document and its two counters.
    pub(super) fn stock(&mut self, sku: &str, location: &str) -> Result<Stocked> {
        self.stock_of(sku, location, StockItem::key(sku, location))
    }

    /// The stock item `id` (`sku@location`).
    fn stock_of(&mut self, sku: &str, location: &str, id: SmolStr) -> Result<Stocked> {
        let at = self.slot(DocKey::new(DocKind::Stock, id.clone()))?;
        let counters = match self.docs[at].1.counters {
            Some(counters) => counters,
            None => {
                let keys = [CounterKey::available(id.clone()), CounterKey::reserved(id)];
                let mut places = keys.each_ref().map(|key| self.counters.place(key));
                if places.contains(&None) {
                    self.read_counters(&keys)?;
                    places = keys.each_ref().map(|key| self.counters.place(key));
                }
                let counters = places.map(|at| at.unwrap_or(usize::MAX));
                self.docs[at].1.counters = Some(counters);
                counters
            }
        };
        let settings = match &self.docs[at].1.document {
            Some(Document::Stock(settings)) => settings.clone(),
            _ => StockSettings::new(sku, location),
        };
        let [available, reserved] = counters.map(|c| self.counters.value(c));
        let item = StockItem::from_parts(settings, available, reserved);
        item.check_stored()?;
        Ok(Stocked { at, item, counters })
    }

    /// Writes a changed stock item: its counts as counter deltas with the bounds that keep them
    /// true when other commands change them at once, a `low_stock` event if available fell past
    /// the threshold (of `order`'s stream, or the item's own), and its settings if they changed.
    /// Answers the item as written.
    pub(super) fn put_stock(
        &mut self,
        mut stocked: Stocked,
        order: Option<&mut Order>,
    ) -> StockItem {
        let [available_at, reserved_at] = stocked.counters;
        let (available_before, reserved_before) = (
            self.counters.value(available_at),
            self.counters.value(reserved_at),
        );
        let item = &stocked.item;
        let (fall, reserved_change) = (
            available_before - item.available(),
            item.reserved - reserved_before,
        );
        let on_hand_fell = item.on_hand < available_before + reserved_before;
        let mut available_min = (fall > 0 && !item.backorder).then_some(0);
        let mut available_max = None;
        let mut reserved_min = (reserved_change != 0).then_some(0);
        if item.backorder && on_hand_fell {
            // On hand = available + reserved stays ≥ 0 only if neither fell below these.
            reserved_min = Some(item.reserved);
            available_min = Some(-item.reserved);
        }
        let threshold = item.low_stock_threshold.filter(|_| fall > 0);
        let band = threshold.map(|t| low_stock_band(t, available_before, item.available()));
        if let Some(band) = band {
            available_min = available_min.max(band.min);
            available_max = band.max;
        }
        (self.counters).change(available_at, -fall, available_min, available_max);
        (self.counters).change(reserved_at, reserved_change, reserved_min, None);
        if let (Some(band), Some(threshold)) = (band, threshold)
            && band.crossed
        {
            let available = stocked.item.available();
            self.emit_stock(&mut stocked, order, |sku, location| {
                EventPayload::LowStock {
                    sku,
                    location,
                    available,
                    threshold,
                }
            });
        }
        let settings = stocked.item.settings();
        let cached = &mut self.docs[stocked.at].1;
        let stored = match &cached.document {
            Some(Document::Stock(stored)) => *stored == settings,
            _ => settings == StockSettings::new(&settings.sku, &settings.location),
        };
        if !stored {
            cached.document = Some(Document::Stock(settings));
            cached.dirty = true;
        }
        stocked.item
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
            correlation_id: self.correlation_id.clone(),
            payload,
        }
    }

    /// The stream of `order_id`'s events, `order/{id}`.
    fn order_stream(&mut self, order_id: &str) -> SmolStr {
        if let Some(stream) = &self.order_stream
            && stream.strip_prefix("order/") == Some(order_id)
        {
            return stream.clone();
        }
        let stream = crate::ids::join(&["order/", order_id]);
        self.order_stream = Some(stream.clone());
        stream
    }

    pub(super) fn emit_order(&mut self, order: &mut Order, payload: EventPayload) {
        order.event_sequence += 1;
        let stream = self.order_stream(&order.id);
        let event = self.event(stream, order.event_sequence, Some(order), payload);
        self.events.push(event);
    }

    /// A stock event: of `order`'s stream when an order caused it (its reservations,
    /// releases, shipments and returns: the item's own stream would need a write of its document
    /// by every checkout, and checkouts of one sku would conflict again), else of the item's.
    pub(super) fn emit_stock(
        &mut self,
        stocked: &mut Stocked,
        order: Option<&mut Order>,
        payload: impl FnOnce(SmolStr, SmolStr) -> EventPayload,
    ) {
        let Stocked { at, item, .. } = stocked;
        let payload = payload(item.sku.clone(), item.location.clone());
        if let Some(order) = order {
            self.emit_order(order, payload);
            return;
        }
        item.event_sequence += 1;
        let event = self.event(
            // The document id is `sku@location` already.
            crate::ids::join(&["stock/", &self.docs[*at].0.id]),
            item.event_sequence,
            None,
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
            counters: self.counters.into_deltas(),
            events: self.events,
            idempotency: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_order_s_events_go_to_its_own_stream() -> Result<()> {
        let engine = Engine::builder().build()?;
        let actor = Actor::System;
        let mut tx = UnitOfWork::new(&engine, &actor, None, DateTime::UNIX_EPOCH, None);
        let streams = ["ord_a", "ord_a", "ord_b", "ord_a"].map(|id| tx.order_stream(id));
        assert_eq!(
            streams,
            ["order/ord_a", "order/ord_a", "order/ord_b", "order/ord_a"]
        );
        Ok(())
    }
}
