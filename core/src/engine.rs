//! The engine: an application service over injected storage, gateways, clock and ids.
//!
//! Each command loads what it needs, decides, and hands the store **one** change set (new
//! document versions guarded by the versions read, outbox events, the idempotency record). On a
//! `version_conflict` the command is decided again from fresh data, a bounded number of times.
//! Gateway calls made while deciding carry provider idempotency keys derived from the operation,
//! so deciding again never moves money twice.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use smol_str::SmolStr;

use crate::actor::{Actor, StaffDuty};
use crate::catalog::{Catalog, MemoryCatalog};
use crate::clock::{Clock, SystemClock};
use crate::command::*;
use crate::error::{Error, Result};
use crate::event::{DomainEvent, EventPayload};
use crate::ids::{IdGen, SequentialIds};
use crate::inventory::{Demand, StockItem, allocate};
use crate::money::amount_serde;
use crate::order::{Order, OrderAction, OrderFlow, OrderLine, OrderState, Transition};
use crate::payment::{
    FakePaymentGateway, GatewayOperation, GatewayOutcome, GatewayRequest, Payment, PaymentAction,
    PaymentGateway, PaymentMethod, PaymentState,
};
use crate::pricing::{
    Cart, CartLine, Customer, Pricer, PricingConfig, PricingContext, ShippingCharge,
};
use crate::promotion::{Promotion, Usage};
use crate::returns::{
    ItemCondition, ReturnAction, ReturnItem, ReturnRequest, ReturnState, free_units,
};
use crate::shipping::{
    Carrier, RateRequest, Shipment, ShipmentState, TableRateCarrier, validate_address,
};
use crate::store::{
    ChangeSet, CheckoutAttempt, CustomerRecord, DocKey, DocKind, Document, IdempotencyRecord,
    MemoryStore, PromotionUsage, Store, Write,
};
use crate::tax::{TaxProvider, TaxTable};

/// Engine configuration. Every choice a demanding shop makes differently is here.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct EngineConfig {
    /// The shop's currency (ISO-4217).
    pub currency: String,
    /// Whether catalog prices include tax.
    pub prices_include_tax: bool,
    /// Rounding and limits for pricing.
    pub pricing: PricingConfig,
    /// The order flows orders may follow.
    pub flows: Vec<OrderFlow>,
    /// The flow of orders that name none.
    pub default_flow: String,
    /// Stock locations in priority order.
    pub locations: Vec<String>,
    /// How long an unpaid order holds its stock before the scheduler cancels it.
    pub reservation_ttl_minutes: i64,
    /// Days after delivery during which returns may be requested.
    pub return_window_days: i64,
    /// Percent of the returned items' amount kept as a restocking fee.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub restocking_fee_percent: Decimal,
    /// Refund the shipping charge with the return that brings back the last units.
    pub refund_shipping_on_full_return: bool,
    /// How many times a command is decided again after a version conflict.
    pub max_retries: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            currency: "USD".into(),
            prices_include_tax: false,
            pricing: PricingConfig::default(),
            flows: vec![
                OrderFlow::classic(),
                OrderFlow::scheduled(60),
                OrderFlow::full(),
            ],
            default_flow: "classic".into(),
            locations: vec!["main".into()],
            reservation_ttl_minutes: 30,
            return_window_days: 30,
            restocking_fee_percent: Decimal::ZERO,
            refund_shipping_on_full_return: true,
            max_retries: 32,
        }
    }
}

/// Builds an [`Engine`]; every component has a zero-setup default.
pub struct EngineBuilder {
    config: EngineConfig,
    promotions: Vec<Promotion>,
    tax: Arc<dyn TaxProvider>,
    catalog: Arc<dyn Catalog>,
    store: Arc<dyn Store>,
    gateway: Arc<dyn PaymentGateway>,
    carrier: Arc<dyn Carrier>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            config: EngineConfig::default(),
            promotions: Vec::new(),
            tax: Arc::new(TaxTable::default()),
            catalog: Arc::new(MemoryCatalog::default()),
            store: Arc::new(MemoryStore::new()),
            gateway: Arc::new(FakePaymentGateway::new()),
            carrier: Arc::new(TableRateCarrier::standard()),
            clock: Arc::new(SystemClock),
            ids: Arc::new(SequentialIds::new("")),
        }
    }
}

#[allow(missing_docs)] // each setter replaces the component it names
impl EngineBuilder {
    pub fn config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }
    pub fn promotions(mut self, promotions: Vec<Promotion>) -> Self {
        self.promotions = promotions;
        self
    }
    pub fn tax(mut self, tax: Arc<dyn TaxProvider>) -> Self {
        self.tax = tax;
        self
    }
    pub fn catalog(mut self, catalog: Arc<dyn Catalog>) -> Self {
        self.catalog = catalog;
        self
    }
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = store;
        self
    }
    pub fn gateway(mut self, gateway: Arc<dyn PaymentGateway>) -> Self {
        self.gateway = gateway;
        self
    }
    pub fn carrier(mut self, carrier: Arc<dyn Carrier>) -> Self {
        self.carrier = carrier;
        self
    }
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
    pub fn ids(mut self, ids: Arc<dyn IdGen>) -> Self {
        self.ids = ids;
        self
    }

    /// Validates the configuration and builds the engine.
    pub fn build(self) -> Result<Engine> {
        let config = self.config;
        config
            .pricing
            .currencies
            .resolve(&config.currency, "currency")?;
        if config.locations.is_empty() {
            return Err(Error::invalid(
                "locations",
                "at least one stock location is needed",
            ));
        }
        if !config.flows.iter().any(|f| f.name == config.default_flow) {
            return Err(Error::invalid("default_flow", "names no configured flow"));
        }
        // Durations up to a century: beyond that, adding them to a date could leave the
        // calendar (and `chrono` panics on a duration out of its range).
        if !(1..=CENTURY_MINUTES).contains(&config.reservation_ttl_minutes) {
            return Err(Error::invalid(
                "reservation_ttl_minutes",
                format!("must be 1 to {CENTURY_MINUTES} (a century)"),
            ));
        }
        // Above 100% the fee would swallow the items' refund and the shipping refund with it.
        if !(Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&config.restocking_fee_percent) {
            return Err(Error::invalid("restocking_fee_percent", "must be 0 to 100"));
        }
        if !(0..=CENTURY_DAYS).contains(&config.return_window_days) {
            return Err(Error::invalid(
                "return_window_days",
                format!("must be 0 to {CENTURY_DAYS} (a century)"),
            ));
        }
        for (i, flow) in config.flows.iter().enumerate() {
            if flow
                .auto_process_after_minutes
                .is_some_and(|minutes| !(0..=CENTURY_MINUTES).contains(&minutes))
            {
                return Err(Error::invalid(
                    format!("flows[{i}].auto_process_after_minutes"),
                    format!("must be 0 to {CENTURY_MINUTES} (a century)"),
                ));
            }
        }
        let pricer = Pricer::new(config.pricing.clone(), self.promotions, self.tax)?;
        Ok(Engine {
            config,
            pricer,
            catalog: self.catalog,
            store: self.store,
            gateway: self.gateway,
            carrier: self.carrier,
            clock: self.clock,
            ids: self.ids,
        })
    }
}

/// The longest configurable duration, in days and in minutes.
const CENTURY_DAYS: i64 = 36_525;
const CENTURY_MINUTES: i64 = CENTURY_DAYS * 24 * 60;

/// The order engine. Cheap to share between threads (`Arc<Engine>`); every method is `&self`.
pub struct Engine {
    config: EngineConfig,
    pricer: Pricer,
    catalog: Arc<dyn Catalog>,
    store: Arc<dyn Store>,
    gateway: Arc<dyn PaymentGateway>,
    carrier: Arc<dyn Carrier>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Ids fixed before deciding, so that deciding again after a conflict names the same things.
#[derive(Debug, Default)]
struct PreparedIds {
    order: SmolStr,
    payment: SmolStr,
    shipment: SmolStr,
    ret: SmolStr,
}

/// A stock item being changed, with the place of its document in the command's list (found
/// once per command and item: writing it back hashes nothing).
struct Stocked {
    at: usize,
    item: StockItem,
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
fn remember(
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
struct Cached {
    /// The version it was loaded at (0: it did not exist).
    version: u64,
    /// Its current value in this command (`None`: absent, or moved out while being changed).
    document: Option<Document>,
    /// Whether the command wrote it.
    dirty: bool,
}

/// The documents a command read and changed.
struct Tx<'e> {
    engine: &'e Engine,
    actor: &'e Actor,
    /// The host's idempotency key, folded into provider keys of captures and refunds.
    key: Option<&'e str>,
    now: DateTime<Utc>,
    /// Every document read or written, in the order first used. Found through `index`
    /// (hashed: a command looks documents up far more often than it lists them, and an ordered
    /// map compared whole keys at every step, a tenth of a 20-line lifecycle); kept apart from
    /// it so the hashed entries stay small and the writes are moved once, in key order, when
    /// the change set is made.
    docs: Vec<(DocKey, Cached)>,
    index: HashMap<DocKey, u32, foldhash::fast::RandomState>,
    events: Vec<DomainEvent>,
    /// The command's answer when it is an error that still commits its changes (a declined
    /// payment is recorded on the order).
    refusal: Option<Error>,
}

impl<'e> Tx<'e> {
    fn new(engine: &'e Engine, actor: &'e Actor, key: Option<&'e str>, now: DateTime<Utc>) -> Self {
        Tx {
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
    fn slot(&mut self, key: DocKey) -> Result<usize> {
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
    fn cached(&mut self, key: DocKey) -> Result<&mut Cached> {
        let at = self.slot(key)?;
        Ok(&mut self.docs[at].1)
    }

    fn load(&mut self, key: DocKey) -> Result<Option<&Document>> {
        Ok(self.cached(key)?.document.as_ref())
    }

    fn put(&mut self, key: DocKey, document: Document) {
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
    fn order(&mut self, id: &str) -> Result<Order> {
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
    fn put_order(&mut self, mut order: Order) -> Arc<Order> {
        order.updated_at = self.now;
        let order = Arc::new(order);
        self.put(
            DocKey::new(DocKind::Order, &*order.id),
            Document::Order(Arc::clone(&order)),
        );
        order
    }

    fn stock(&mut self, sku: &str, location: &str) -> Result<Stocked> {
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

    fn put_stock(&mut self, stocked: Stocked) {
        let cached = &mut self.docs[stocked.at].1;
        cached.document = Some(Document::Stock(stocked.item));
        cached.dirty = true;
    }

    fn event(
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

    fn emit_order(&mut self, order: &mut Order, payload: EventPayload) {
        order.event_sequence += 1;
        let event = self.event(
            crate::ids::join(&["order/", &order.id]),
            order.event_sequence,
            Some(order),
            payload,
        );
        self.events.push(event);
    }

    fn emit_stock(
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

    fn into_changes(mut self) -> ChangeSet {
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

fn fingerprint<T: Serialize>(value: &T) -> Result<String> {
    let bytes = serde_json::to_vec(value).map_err(|e| Error::invalid("command", e.to_string()))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Which answers of a commit are final, and so stored under the host's idempotency key.
#[derive(Debug, Clone, Copy)]
enum Record {
    /// Every answer (errors that are accidents aside).
    Answer,
    /// Only errors: a success is a first step (a secured checkout), answered by a later commit.
    Errors,
}

impl Record {
    /// The outcome to store for `answer`, if any.
    fn of<T: Serialize>(
        self,
        answer: &Result<T>,
    ) -> Result<Option<std::result::Result<serde_json::Value, Error>>> {
        Ok(match (self, answer) {
            (Record::Answer, Ok(output)) => Some(Ok(serde_json::to_value(output)
                .map_err(|e| Error::invalid("output", e.to_string()))?)),
            (Record::Errors, Ok(_)) => None,
            (_, Err(error)) => is_recordable(error).then(|| Err(error.clone())),
        })
    }
}

/// The key under which `actor`'s idempotency key `key` is stored (its record, and the
/// checkout it secured): a digest, so that any key fits a host's key column and keys of
/// different actors never meet.
fn actor_key(actor: &Actor, key: &str) -> String {
    let digest = Sha256::new()
        .chain_update(actor.label().as_bytes())
        .chain_update([0u8])
        .chain_update(key.as_bytes())
        .finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Errors that are answers (replayed for the same idempotency key) rather than accidents.
fn is_recordable(error: &Error) -> bool {
    !matches!(
        error,
        Error::VersionConflict { .. }
            | Error::GatewayUnavailable { .. }
            | Error::Provider { .. }
            | Error::IdempotencyConflict { .. }
    )
}

impl Engine {
    /// A builder with zero-setup defaults.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Prices a cart with the engine's promotions and tax. The cart must be in the engine's
    /// currency (`currency_mismatch` otherwise): its catalog, fixed-amount promotions and
    /// shipping rates are all in that currency.
    pub fn price(
        &self,
        cart: &crate::pricing::Cart,
        context: &crate::pricing::PricingContext,
    ) -> Result<crate::pricing::PriceBreakdown> {
        let currencies = &self.pricer.config().currencies;
        let found = currencies.resolve(&cart.currency, "currency")?;
        let expected = currencies.resolve(&self.config.currency, "currency")?;
        if found != expected {
            return Err(Error::CurrencyMismatch {
                field: "currency".into(),
                expected: expected.code().into(),
                found: found.code().into(),
            });
        }
        self.pricer.price(cart, context)
    }

    /// The pricer (configuration, promotions and tax provider).
    pub fn pricer(&self) -> &Pricer {
        &self.pricer
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn flow(&self, name: &str) -> Result<&OrderFlow> {
        self.config
            .flows
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| Error::invalid("flow", format!("no flow named {name:?}")))
    }

    /// Runs `command` as `actor`. With an idempotency key, a repeated call with the same command
    /// returns the first answer (errors included) without doing anything again, and the same key
    /// with another command is `idempotency_conflict`.
    pub fn execute(
        &self,
        actor: &Actor,
        command: &Command,
        idempotency_key: Option<&str>,
    ) -> Result<CommandOutput> {
        let limits = &self.pricer.config().limits;
        crate::limits::check_actor(actor, limits)?;
        crate::limits::check_command(command, limits)?;
        let Some(host_key) = idempotency_key else {
            return self.dispatch(actor, command, None);
        };
        if host_key.is_empty() || host_key.len() > 255 {
            return Err(Error::invalid("idempotency_key", "must be 1 to 255 bytes"));
        }
        // Keys belong to their actor (as Stripe's belong to an account): the record is stored
        // under a digest of both, so one customer's `checkout-1` never meets another's.
        let stored = actor_key(actor, host_key);
        let fingerprint = fingerprint(&(actor, command))?;
        let replayed = |record| replay(record, &fingerprint, host_key);
        if let Some(record) = self.store.idempotency(&stored)? {
            return replayed(record);
        }
        match self.dispatch(actor, command, Some((&stored, &fingerprint))) {
            // Another process committed the same key first: answer what it answered.
            Err(Error::IdempotencyConflict { .. }) => match self.store.idempotency(&stored)? {
                Some(record) => replayed(record),
                None => Err(Error::IdempotencyConflict {
                    key: host_key.to_string(),
                }),
            },
            answer => answer,
        }
    }

    /// Decides and commits `command`: the two-commit checkout for placing with payment and
    /// paying, one change set for everything else.
    fn dispatch(
        &self,
        actor: &Actor,
        command: &Command,
        key: Option<(&str, &str)>,
    ) -> Result<CommandOutput> {
        let mut ids = PreparedIds::default();
        match command {
            Command::PlaceOrder(place) if place.payment.is_some() => {
                ids.order = self.ids.next_id("ord");
                ids.payment = self.ids.next_id("pay");
                self.checkout(actor, key, &ids, true, |tx| {
                    self.decide_place_order(tx, place, &ids)
                })
            }
            Command::PayOrder {
                order_id,
                method,
                capture,
            } => {
                ids.payment = self.ids.next_id("pay");
                self.checkout(actor, key, &ids, false, |tx| {
                    self.decide_pay_order(tx, order_id, *method, *capture, &ids)
                })
            }
            _ => {
                match command {
                    Command::PlaceOrder(_) => ids.order = self.ids.next_id("ord"),
                    Command::ShipOrder { .. } => ids.shipment = self.ids.next_id("shp"),
                    Command::RequestReturn { .. } => ids.ret = self.ids.next_id("ret"),
                    _ => {}
                }
                self.run(actor, key, Record::Answer, |tx| {
                    self.decide(tx, command, &ids)
                })
            }
        }
    }

    /// Places an order with payment, or pays one, in two commits around the gateway call:
    /// first the order, its stock and a payment awaiting the provider's answer (nothing is
    /// charged before they are secured, so losing a race for the last unit charges no one);
    /// then the answer. A retry with the same key finds the secured attempt and asks the
    /// provider again under the same provider key, which replays its first answer
    /// (`docs/engine.md`, "Faults").
    fn checkout(
        &self,
        actor: &Actor,
        key: Option<(&str, &str)>,
        ids: &PreparedIds,
        placing: bool,
        mut secure: impl FnMut(&mut Tx<'_>) -> Result<Arc<Order>>,
    ) -> Result<CommandOutput> {
        let attempt_key = key.map(|(key, _)| DocKey::new(DocKind::Checkout, key));
        let fingerprint = key.map_or("", |(_, fingerprint)| fingerprint);
        let attempt = self.run(actor, key, Record::Errors, |tx| {
            if let Some(attempt_key) = &attempt_key {
                if let Some(Document::Checkout(attempt)) = tx.load(attempt_key.clone())? {
                    // Secured by an earlier try of this command; the key with another command
                    // is a conflict (`execute` names the host's key).
                    if attempt.fingerprint != fingerprint {
                        return Err(Error::IdempotencyConflict {
                            key: attempt_key.id.to_string(),
                        });
                    }
                    return Ok(attempt.clone());
                }
            }
            let order = secure(tx)?;
            let attempt = CheckoutAttempt {
                order_id: order.id.clone(),
                payment_id: ids.payment.clone(),
                fingerprint: fingerprint.to_string(),
            };
            if let Some(attempt_key) = &attempt_key {
                tx.put(attempt_key.clone(), Document::Checkout(attempt.clone()));
            }
            Ok(attempt)
        })?;
        let answer = self.ask_gateway(&attempt)?;
        self.run(actor, key, Record::Answer, |tx| {
            let mut order = tx.order(&attempt.order_id)?;
            let flow = self.flow(&order.flow)?;
            let index = order
                .payments
                .iter()
                .position(|p| p.id == attempt.payment_id);
            if let (Some(index), Some(answer)) = (index, &answer) {
                self.settle(tx, &mut order, index, answer, flow, placing)?;
                if let Some(reason) = &order.payments[index].failure_reason {
                    tx.refusal = Some(Error::PaymentDeclined {
                        reason: reason.clone(),
                    });
                }
            }
            Ok(CommandOutput::Order(tx.put_order(order)))
        })
    }

    /// The provider's answer for the attempt's payment if it still awaits one (asked under the
    /// payment's own provider key, so asking again replays the first answer); `None` when the
    /// answer is recorded already or no payment was needed.
    fn ask_gateway(&self, attempt: &CheckoutAttempt) -> Result<Option<GatewayOutcome>> {
        let order = self.get_order(&Actor::System, &attempt.order_id)?;
        match order.payments.iter().find(|p| p.id == attempt.payment_id) {
            Some(payment) if payment.awaits_answer() => {
                let request = self.authorization(&order, payment);
                Ok(Some(self.gateway.execute(&request)?))
            }
            _ => Ok(None),
        }
    }

    /// The retry loop shared by every command: decide, commit, retry on conflict, record.
    /// `key` is the host's idempotency key with the command's fingerprint; `record` says
    /// which answers are final and stored under it.
    fn run<T, F>(
        &self,
        actor: &Actor,
        key: Option<(&str, &str)>,
        record: Record,
        mut decide: F,
    ) -> Result<T>
    where
        T: Serialize,
        F: FnMut(&mut Tx<'_>) -> Result<T>,
    {
        let now = self.clock.now();
        let mut attempt = 0;
        loop {
            let mut tx = Tx::new(self, actor, key.map(|(key, _)| key), now);
            let decided = decide(&mut tx);
            let refusal = tx.refusal.take();
            let mut changes = match &decided {
                Ok(_) => tx.into_changes(),
                Err(_) => ChangeSet::default(),
            };
            let answer = match (decided, refusal) {
                (Ok(_), Some(error)) | (Err(error), _) => Err(error),
                (Ok(output), None) => Ok(output),
            };
            if let Some((key, fingerprint)) = key {
                changes.idempotency = record.of(&answer)?.map(|outcome| IdempotencyRecord {
                    key: key.to_string(),
                    fingerprint: fingerprint.to_string(),
                    outcome,
                    at: now,
                });
            }
            let only_record = changes.writes.is_empty() && changes.events.is_empty();
            if only_record && changes.idempotency.is_none() {
                return answer;
            }
            match self.store.commit(changes) {
                Ok(()) => return answer,
                Err(Error::VersionConflict { .. }) if attempt < self.config.max_retries => {
                    attempt += 1
                }
                // Another process ran the same key first: `execute` answers what it answered.
                Err(error @ Error::IdempotencyConflict { .. }) => return Err(error),
                // The record of an error answer is best effort; the answer stands.
                Err(_) if only_record => return answer,
                Err(error) => return Err(error),
            }
        }
    }

    fn decide(
        &self,
        tx: &mut Tx<'_>,
        command: &Command,
        ids: &PreparedIds,
    ) -> Result<CommandOutput> {
        let order = match command {
            // With a payment these go through `checkout`; here only their first commit.
            Command::PlaceOrder(place) => self.decide_place_order(tx, place, ids)?,
            Command::PayOrder {
                order_id,
                method,
                capture,
            } => self.decide_pay_order(tx, order_id, *method, *capture, ids)?,
            Command::CapturePayment { order_id, amount } => {
                self.decide_capture_payment(tx, order_id, *amount)?
            }
            Command::RefundPayment {
                order_id,
                amount,
                reason,
            } => {
                tx.actor
                    .require_staff(StaffDuty::Support, "refund_payment")?;
                let mut order = tx.order(order_id)?;
                self.require_allowed(&order, tx.actor, OrderAction::Refund)?;
                let amount = match amount {
                    Some(amount) => self.requested_amount(&order, *amount)?,
                    None => order.payments.iter().map(Payment::refundable).sum(),
                };
                let why = reason.as_deref().unwrap_or("refund");
                self.refund(tx, &mut order, amount, None, why)?;
                tx.put_order(order)
            }
            Command::ProcessOrder { order_id } => {
                tx.actor
                    .require_staff(StaffDuty::Warehouse, "process_order")?;
                let mut order = tx.order(order_id)?;
                let flow = self.flow(&order.flow)?;
                self.require_allowed(&order, tx.actor, OrderAction::Process)?;
                self.require_paid(&order, tx.actor, OrderAction::Process)?;
                order.transition(flow, OrderState::Processing, tx.actor, "process", tx.now);
                tx.emit_order(&mut order, EventPayload::OrderProcessing);
                self.schedule(&mut order, flow);
                tx.put_order(order)
            }
            Command::ShipOrder { order_id, lines } => {
                self.decide_ship_order(tx, order_id, lines.as_deref(), ids)?
            }
            Command::DeliverOrder { order_id } => {
                tx.actor
                    .require_staff(StaffDuty::Warehouse, "deliver_order")?;
                let mut order = tx.order(order_id)?;
                let flow = self.flow(&order.flow)?;
                self.require_allowed(&order, tx.actor, OrderAction::Deliver)?;
                for index in 0..order.shipments.len() {
                    self.mark_delivered(&mut order, index, tx.now);
                }
                self.complete_delivery(tx, &mut order, flow);
                tx.put_order(order)
            }
            Command::CancelOrder { order_id, reason } => {
                let mut order = tx.order(order_id)?;
                if !matches!(tx.actor, Actor::Customer { .. }) {
                    tx.actor.require_staff(StaffDuty::Support, "cancel_order")?;
                }
                let reason = reason.clone().unwrap_or_else(|| "cancelled".to_string());
                self.cancel(tx, &mut order, &reason)?;
                tx.put_order(order)
            }
            Command::CancelUnshipped { order_id, reason } => {
                let reason = reason.as_deref().unwrap_or("unshipped_cancelled");
                self.cancel_unshipped(tx, order_id, reason)?
            }
            Command::PaymentWebhook {
                provider,
                event_id,
                reference,
                outcome,
                reason,
                order_id,
            } => {
                tx.actor.require_system("payment_webhook")?;
                let order_id = match order_id {
                    Some(id) => id.clone(),
                    None => self.order_of_payment(tx, reference)?,
                };
                self.payment_webhook(
                    tx,
                    &order_id,
                    provider,
                    event_id,
                    reference,
                    *outcome,
                    reason.as_deref(),
                )?
            }
            Command::TrackingUpdate {
                event_id,
                tracking_number,
                status,
                order_id,
            } => {
                tx.actor.require_system("tracking_update")?;
                let order_id = match order_id {
                    Some(id) => id.clone(),
                    None => self
                        .find_order(tx, |o| {
                            o.shipments
                                .iter()
                                .any(|s| s.tracking_number == *tracking_number)
                        })
                        .ok_or_else(|| Error::not_found("shipment", tracking_number))?,
                };
                self.tracking_update(tx, &order_id, event_id, tracking_number, *status)?
            }
            Command::RequestReturn { order_id, lines } => {
                self.request_return(tx, order_id, lines, ids)?
            }
            Command::UpdateReturn {
                order_id,
                return_id,
                action,
                received,
            } => self.update_return(tx, order_id, return_id, *action, received)?,
            Command::SetStock {
                sku,
                location,
                on_hand,
                backorder,
                low_stock_threshold,
            } => {
                return self.decide_set_stock(tx, sku, location.as_deref(), |item| {
                    item.on_hand = *on_hand;
                    item.backorder = *backorder;
                    item.low_stock_threshold = *low_stock_threshold;
                    Ok(())
                });
            }
            Command::AdjustStock {
                sku,
                location,
                delta,
            } => {
                return self.decide_set_stock(tx, sku, location.as_deref(), |item| {
                    item.on_hand = item.on_hand.checked_add(*delta).ok_or_else(|| {
                        Error::invalid("delta", "on hand would pass the largest count")
                    })?;
                    Ok(())
                });
            }
        };
        Ok(CommandOutput::Order(order))
    }

    fn decide_place_order(
        &self,
        tx: &mut Tx<'_>,
        place: &PlaceOrder,
        ids: &PreparedIds,
    ) -> Result<Arc<Order>> {
        let flow = self.flow(place.flow.as_deref().unwrap_or(&self.config.default_flow))?;
        if place.customer_id.trim().is_empty() {
            return Err(Error::invalid("customer_id", "must not be empty"));
        }
        if let Actor::Customer { id } = tx.actor {
            if *id != place.customer_id {
                return Err(Error::Forbidden {
                    action: "place_order for another customer".into(),
                    actor: tx.actor.label().to_string(),
                });
            }
        }
        if place.lines.is_empty() {
            return Err(Error::invalid("lines", "an order needs at least one line"));
        }
        (self.pricer.config().limits)
            .check_cart_size(place.lines.len(), place.coupon_codes.len())?;
        // A reservation event per line (more when a line is split over locations), the
        // order's and the payment's.
        tx.events.reserve(place.lines.len() + 6);
        let mut cart_lines = Vec::with_capacity(place.lines.len());
        for (i, line) in place.lines.iter().enumerate() {
            let product = self.catalog.product(&line.sku)?.ok_or_else(|| {
                Error::invalid(
                    format!("lines[{i}].sku"),
                    format!("unknown sku {:?}", line.sku),
                )
            })?;
            cart_lines.push(CartLine {
                sku: product.sku.clone(),
                name: product.name.clone(),
                unit_price: product.unit_price,
                quantity: line.quantity,
                category: product.category.clone(),
                tags: product.tags.clone(),
                tax_class: product.tax_class.clone(),
                weight: product.weight,
            });
        }
        validate_address(&place.shipping_address, "shipping_address")?;
        self.carrier.validate_address(&place.shipping_address)?;
        let shipping = match &place.shipping_option {
            Some(option) => {
                let rate = self
                    .rates(&place.shipping_address, &cart_lines)?
                    .into_iter()
                    .find(|r| r.option_id == *option)
                    .ok_or_else(|| {
                        Error::invalid(
                            "shipping_option",
                            format!("{option:?} is not offered for this address"),
                        )
                    })?;
                Some(ShippingCharge {
                    method: option.to_string(),
                    amount: rate.amount,
                    tax_class: Default::default(),
                })
            }
            None => None,
        };
        let customer = match tx.load(DocKey::new(DocKind::Customer, place.customer_id.as_str()))? {
            Some(Document::Customer(record)) => record.clone(),
            _ => CustomerRecord {
                customer_id: place.customer_id.to_string(),
                orders_placed: 0,
            },
        };
        let cart = Cart {
            currency: self.config.currency.clone(),
            lines: cart_lines,
            shipping,
            coupon_codes: place.coupon_codes.iter().map(|c| c.to_string()).collect(),
            customer: Customer {
                id: Some(place.customer_id.to_string()),
                groups: place.customer_groups.clone(),
                previous_orders: customer.orders_placed,
                tax_exempt: false,
            },
            address: Some(place.shipping_address.clone()),
            prices_include_tax: self.config.prices_include_tax,
        };
        // Usage counts of promotions with limits, read in this change set so that racing
        // checkouts cannot both take the last use.
        let mut context = PricingContext::at(tx.now);
        let limited = self.pricer.limited_promotions(&cart);
        let mut usages = Vec::with_capacity(limited.len());
        for id in &limited {
            let usage = match tx.load(DocKey::new(DocKind::PromotionUsage, id.as_str()))? {
                Some(Document::PromotionUsage(u)) => u.clone(),
                _ => PromotionUsage {
                    promotion_id: id.clone(),
                    ..PromotionUsage::default()
                },
            };
            context.usage.insert(
                id.clone(),
                Usage {
                    total: usage.total,
                    by_customer: usage
                        .by_customer
                        .get(place.customer_id.as_str())
                        .copied()
                        .unwrap_or(0),
                },
            );
            usages.push(usage);
        }
        let pricing = self.pricer.price(&cart, &context)?;
        for code in &place.coupon_codes {
            let applied = pricing.promotions.iter().any(|p| {
                p.code
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(code))
            });
            if !applied {
                let reason = pricing
                    .not_applied
                    .iter()
                    .find(|n| {
                        n.code
                            .as_deref()
                            .is_some_and(|c| c.eq_ignore_ascii_case(code))
                    })
                    .map_or("not_applied", |n| n.reason.code());
                return Err(Error::CouponRejected {
                    coupon: code.to_string(),
                    reason: reason.to_string(),
                });
            }
        }

        // Stock: where every line comes from, checked as a whole. Each sku has a row (numbered
        // in order of first appearance) in a table of its items over the locations.
        let mut rows: HashMap<&str, usize, foldhash::fast::RandomState> =
            HashMap::with_capacity_and_hasher(cart.lines.len(), Default::default());
        let demands: Vec<Demand> = cart
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let next = rows.len();
                Demand {
                    line: i,
                    sku: &l.sku,
                    row: *rows.entry(&*l.sku).or_insert(next),
                    quantity: l.quantity,
                }
            })
            .collect();
        // (stock item, whether this order reserves from it), row-major over the locations.
        let locations = &self.config.locations;
        let mut items: Vec<(Stocked, bool)> = Vec::with_capacity(rows.len() * locations.len());
        for demand in &demands {
            // A sku's first line: its row is the next one.
            if demand.row * locations.len() == items.len() {
                for location in locations {
                    items.push((tx.stock(demand.sku, location)?, false));
                }
            }
        }
        let allocations = allocate(&demands, locations, |row, location| {
            items
                .get(row * locations.len() + location)
                .map(|(stocked, _)| &stocked.item)
        })?;

        let mut order = Order {
            id: ids.order.clone(),
            customer_id: place.customer_id.as_str().into(),
            flow: SmolStr::new(&flow.name),
            state: OrderState::Pending,
            state_label: SmolStr::new(flow.label(OrderState::Pending)),
            currency: SmolStr::new(&self.config.currency),
            lines: cart
                .lines
                .iter()
                .map(|l| OrderLine {
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: l.quantity,
                    shipped: 0,
                    delivered: 0,
                    returned: 0,
                    return_requested: 0,
                    cancelled: 0,
                })
                .collect(),
            pricing: Arc::new(pricing),
            shipping_address: Some(place.shipping_address.clone()),
            shipping_option: place.shipping_option.clone(),
            coupon_codes: place.coupon_codes.clone(),
            allocations,
            payments: Vec::new(),
            shipments: Vec::new(),
            returns: Vec::new(),
            history: vec![Transition {
                from: None,
                to: OrderState::Pending,
                at: tx.now,
                actor: tx.actor.label(),
                reason: "place_order".into(),
            }],
            created_at: tx.now,
            updated_at: tx.now,
            reservation_expires_at: None,
            due_at: None,
            event_sequence: 0,
            processed_webhooks: Vec::new(),
        };
        let total = order.pricing.grand_total;
        let created = EventPayload::OrderCreated {
            grand_total: total,
            currency: order.currency.clone(),
            state: order.state_label.clone(),
        };
        tx.emit_order(&mut order, created);

        // The payment awaits the provider's answer: `checkout` asks once this is committed.
        if let Some(payment) = &place.payment {
            if total > Decimal::ZERO {
                let awaiting =
                    Payment::awaiting(&ids.payment, payment.method, payment.capture, total, tx.now);
                order.payments.push(awaiting);
            }
        }

        for allocation in &order.allocations {
            let (Some(demand), Some(location)) = (
                demands.get(allocation.line),
                locations.iter().position(|l| *l == *allocation.location),
            ) else {
                continue;
            };
            let Some((item, reserved)) = items.get_mut(demand.row * locations.len() + location)
            else {
                continue;
            };
            *reserved = true;
            let before = item.available();
            item.reserve(allocation.quantity);
            tx.emit_stock(item, Some(&order), |sku, location| {
                EventPayload::StockReserved {
                    sku,
                    location,
                    quantity: allocation.quantity,
                }
            });
            if let Some(threshold) = item.crossed_low_stock(before) {
                let available = item.available();
                tx.emit_stock(item, Some(&order), |sku, location| EventPayload::LowStock {
                    sku,
                    location,
                    available,
                    threshold,
                });
            }
        }
        // Each item once, with every reservation of this order (a sku may be on two lines).
        for (item, reserved) in items {
            if reserved {
                tx.put_stock(item);
            }
        }
        self.after_payment(tx, &mut order, flow);
        self.schedule(&mut order, flow);

        // Count the uses of limited promotions and the customer's orders in the same change set.
        for mut usage in usages {
            if order
                .pricing
                .promotions
                .iter()
                .any(|p| *p.promotion_id == usage.promotion_id)
            {
                usage.total += 1;
                *usage
                    .by_customer
                    .entry(order.customer_id.to_string())
                    .or_insert(0) += 1;
                tx.put(
                    DocKey::new(DocKind::PromotionUsage, usage.promotion_id.as_str()),
                    Document::PromotionUsage(usage),
                );
            }
        }
        tx.put(
            DocKey::new(DocKind::Customer, &*order.customer_id),
            Document::Customer(CustomerRecord {
                customer_id: order.customer_id.to_string(),
                orders_placed: customer.orders_placed + 1,
            }),
        );
        Ok(tx.put_order(order))
    }

    /// The authorization request of an awaiting payment, under the payment's own provider key
    /// (`{payment}:authorize`): the same on every retry, whoever retries.
    fn authorization(&self, order: &Order, payment: &Payment) -> GatewayRequest {
        let operation = if payment.capture {
            GatewayOperation::AuthorizeAndCapture
        } else {
            GatewayOperation::Authorize
        };
        GatewayRequest {
            operation,
            idempotency_key: payment.provider_key(operation, None),
            payment_id: payment.id.clone(),
            order_id: order.id.clone(),
            customer_id: order.customer_id.clone(),
            amount: payment.amount,
            currency: order.currency.clone(),
            method: payment.method,
            provider_reference: None,
        }
    }

    /// Records the provider's answer to payment `index`'s authorization. A decline when
    /// `placing` (the payment placed the order) closes the order: its stock and coupon uses go
    /// back. A decline of a later payment leaves the order waiting for another one.
    fn settle(
        &self,
        tx: &mut Tx<'_>,
        order: &mut Order,
        index: usize,
        answer: &GatewayOutcome,
        flow: &OrderFlow,
        placing: bool,
    ) -> Result<()> {
        let payment = &order.payments[index];
        let awaiting = payment.awaits_answer();
        match answer {
            GatewayOutcome::Approved { reference }
                if awaiting || payment.state == PaymentState::Voided =>
            {
                order.payments[index].provider_reference = Some(reference.as_str().into());
                self.payment_succeeded(tx, order, index, flow)?;
            }
            GatewayOutcome::Pending { reference } if awaiting => {
                order.payments[index].provider_reference = Some(reference.as_str().into());
            }
            GatewayOutcome::Declined { reason } if awaiting => {
                let payment = &mut order.payments[index];
                payment.state = PaymentState::Failed;
                payment.failure_reason = Some(reason.clone());
                let failed = EventPayload::PaymentFailed {
                    payment_id: payment.id.clone(),
                    reason: reason.clone(),
                };
                tx.emit_order(order, failed);
                if placing && order.state == OrderState::Pending {
                    self.close(tx, order, "payment_declined", true)?;
                }
            }
            // Answered already (a retry, a webhook or the scheduler got there first).
            _ => {}
        }
        self.schedule(order, flow);
        Ok(())
    }

    /// `invalid_transition` for `action` on `order` in `state` (a label such as `paid` where the
    /// flow's state allows the action but the order's money does not), listing what `actor`
    /// can do instead.
    fn refusal(
        &self,
        order: &Order,
        actor: &Actor,
        action: OrderAction,
        state: &str,
    ) -> Result<Error> {
        Ok(Error::InvalidTransition {
            entity: "order".into(),
            state: state.into(),
            action: action.name().into(),
            allowed: (self.available_actions(order, actor)?.into_iter())
                .map(|a| a.name().to_string())
                .collect(),
        })
    }

    /// Whether `actor` may capture authorized money (support staff and admins).
    fn may_capture(actor: &Actor) -> bool {
        actor.require_staff(StaffDuty::Support, "").is_ok()
    }

    /// `invalid_transition` unless the order's flow allows `action` in its state; the error
    /// lists what `actor` can do instead (`available_actions`).
    fn require_allowed(&self, order: &Order, actor: &Actor, action: OrderAction) -> Result<()> {
        if self.flow(&order.flow)?.allows(order.state, action) {
            return Ok(());
        }
        Err(self.refusal(order, actor, action, order.state.name())?)
    }

    fn require_paid(&self, order: &Order, actor: &Actor, action: OrderAction) -> Result<()> {
        if order.is_paid() {
            return Ok(());
        }
        Err(self.refusal(order, actor, action, "unpaid")?)
    }

    /// After money moved: confirm a pending order that is now fully captured (where the flow
    /// confirms on payment) and stop its reservation clock once it is paid.
    fn after_payment(&self, tx: &mut Tx<'_>, order: &mut Order, flow: &OrderFlow) {
        if order.is_paid() {
            order.reservation_expires_at = None;
        } else if order.state == OrderState::Pending && order.reservation_expires_at.is_none() {
            // `None` only past the calendar's end (year 262,143): then nothing expires.
            order.reservation_expires_at = tx
                .now
                .checked_add_signed(Duration::minutes(self.config.reservation_ttl_minutes));
        }
        if order.state == OrderState::Pending
            && order.captured() >= order.pricing.grand_total
            && (order.is_paid() || order.pricing.grand_total.is_zero())
        {
            let amount = order.captured();
            tx.emit_order(order, EventPayload::OrderPaid { amount });
            if flow.confirm_on_payment {
                order.transition(flow, OrderState::Confirmed, tx.actor, "paid", tx.now);
            }
        }
    }

    /// When the scheduler must next look at the order.
    fn schedule(&self, order: &mut Order, flow: &OrderFlow) {
        let mut due = None;
        if order.state == OrderState::Pending {
            if !order.is_paid() {
                due = order.reservation_expires_at;
            } else if let Some(minutes) = flow.auto_process_after_minutes {
                due = order
                    .created_at
                    .checked_add_signed(Duration::minutes(minutes));
            }
        }
        order.due_at = due;
    }

    #[allow(clippy::too_many_arguments)]
    fn decide_pay_order(
        &self,
        tx: &mut Tx<'_>,
        order_id: &str,
        method: PaymentMethod,
        capture: bool,
        ids: &PreparedIds,
    ) -> Result<Arc<Order>> {
        let mut order = tx.order(order_id)?;
        let flow = self.flow(&order.flow)?;
        self.require_allowed(&order, tx.actor, OrderAction::Pay)?;
        let outstanding = order.outstanding();
        if outstanding <= Decimal::ZERO {
            // Covered by an authorization: for staff, paying is taking (capturing) it.
            let capturable: Decimal = order.payments.iter().map(Payment::capturable).sum();
            if capturable.is_zero() || !Self::may_capture(tx.actor) {
                return Err(self.refusal(&order, tx.actor, OrderAction::Pay, "paid")?);
            }
            self.capture(tx, &mut order, capturable)?;
            self.after_payment(tx, &mut order, flow);
            self.schedule(&mut order, flow);
            return Ok(tx.put_order(order));
        }
        // The payment awaits the provider's answer: `checkout` asks once this is committed.
        // Once goods have left, nothing later captures an authorization: take the money now.
        let capture = capture || order.lines.iter().any(|l| l.shipped > 0);
        let awaiting = Payment::awaiting(&ids.payment, method, capture, outstanding, tx.now);
        order.payments.push(awaiting);
        self.after_payment(tx, &mut order, flow);
        self.schedule(&mut order, flow);
        Ok(tx.put_order(order))
    }

    /// An amount asked for by a command (a partial capture or refund): positive and exact in
    /// the order's currency, at its full scale (`5` USD is `5.00`).
    fn requested_amount(&self, order: &Order, amount: Decimal) -> Result<Decimal> {
        if amount <= Decimal::ZERO {
            return Err(Error::invalid(
                "amount",
                format!("{amount} is not a positive amount"),
            ));
        }
        self.pricer
            .config()
            .currencies
            .resolve(&order.currency, "currency")?
            .exact(amount, "amount")
    }

    fn decide_capture_payment(
        &self,
        tx: &mut Tx<'_>,
        order_id: &str,
        amount: Option<Decimal>,
    ) -> Result<Arc<Order>> {
        tx.actor
            .require_staff(StaffDuty::Support, "capture_payment")?;
        let mut order = tx.order(order_id)?;
        let flow = self.flow(&order.flow)?;
        self.require_allowed(&order, tx.actor, OrderAction::Pay)?;
        let capturable: Decimal = order.payments.iter().map(Payment::capturable).sum();
        let amount = match amount {
            Some(amount) => self.requested_amount(&order, amount)?,
            None => capturable,
        };
        if amount <= Decimal::ZERO || amount > capturable {
            return Err(Error::CaptureExceedsAuthorized {
                requested: amount.to_string(),
                capturable: capturable.to_string(),
            });
        }
        self.capture(tx, &mut order, amount)?;
        self.after_payment(tx, &mut order, flow);
        self.schedule(&mut order, flow);
        Ok(tx.put_order(order))
    }

    /// Captures `amount` from the order's authorized payments, oldest first.
    fn capture(&self, tx: &mut Tx<'_>, order: &mut Order, amount: Decimal) -> Result<()> {
        let mut left = amount;
        for index in 0..order.payments.len() {
            if left <= Decimal::ZERO {
                break;
            }
            let take = left.min(order.payments[index].capturable());
            if take <= Decimal::ZERO {
                continue;
            }
            let payment = &order.payments[index];
            let request = self.request(tx.key, order, payment, GatewayOperation::Capture, take);
            match self.gateway.execute(&request)? {
                GatewayOutcome::Approved { .. } | GatewayOutcome::Pending { .. } => {}
                GatewayOutcome::Declined { reason } => {
                    return Err(Error::PaymentDeclined { reason });
                }
            }
            order.payments[index].apply_capture(take)?;
            let id = order.payments[index].id.clone();
            tx.emit_order(
                order,
                EventPayload::PaymentCaptured {
                    payment_id: id,
                    amount: take,
                },
            );
            left -= take;
        }
        Ok(())
    }

    /// Refunds `amount` from the order's captured payments, newest first.
    fn refund(
        &self,
        tx: &mut Tx<'_>,
        order: &mut Order,
        amount: Decimal,
        return_id: Option<&str>,
        reason: &str,
    ) -> Result<()> {
        let refundable: Decimal = order.payments.iter().map(Payment::refundable).sum();
        if amount <= Decimal::ZERO || amount > refundable {
            return Err(Error::RefundExceedsCaptured {
                requested: amount.to_string(),
                refundable: refundable.to_string(),
            });
        }
        let mut left = amount;
        for index in (0..order.payments.len()).rev() {
            if left <= Decimal::ZERO {
                break;
            }
            let take = left.min(order.payments[index].refundable());
            if take <= Decimal::ZERO {
                continue;
            }
            order.payments[index].check(PaymentAction::Refund)?;
            let request = self.request(
                tx.key,
                order,
                &order.payments[index],
                GatewayOperation::Refund,
                take,
            );
            match self.gateway.execute(&request)? {
                GatewayOutcome::Approved { .. } | GatewayOutcome::Pending { .. } => {}
                GatewayOutcome::Declined { reason } => {
                    return Err(Error::PaymentDeclined { reason });
                }
            }
            order.payments[index].apply_refund(take)?;
            let id = order.payments[index].id.clone();
            tx.emit_order(
                order,
                EventPayload::PaymentRefunded {
                    payment_id: id.clone(),
                    amount: take,
                },
            );
            tx.emit_order(
                order,
                EventPayload::RefundIssued {
                    payment_id: id,
                    amount: take,
                    return_id: return_id.map(SmolStr::new),
                    reason: reason.to_string(),
                },
            );
            left -= take;
        }
        Ok(())
    }

    fn request(
        &self,
        host_key: Option<&str>,
        order: &Order,
        payment: &Payment,
        operation: GatewayOperation,
        amount: Decimal,
    ) -> GatewayRequest {
        GatewayRequest {
            operation,
            idempotency_key: payment.provider_key(operation, host_key),
            payment_id: payment.id.clone(),
            order_id: order.id.clone(),
            customer_id: order.customer_id.clone(),
            amount,
            currency: order.currency.clone(),
            method: payment.method,
            provider_reference: payment.provider_reference.clone(),
        }
    }

    fn decide_ship_order(
        &self,
        tx: &mut Tx<'_>,
        order_id: &str,
        lines: Option<&[ShipLine]>,
        ids: &PreparedIds,
    ) -> Result<Arc<Order>> {
        tx.actor.require_staff(StaffDuty::Warehouse, "ship_order")?;
        let mut order = tx.order(order_id)?;
        let flow = self.flow(&order.flow)?;
        self.require_allowed(&order, tx.actor, OrderAction::Ship)?;
        self.require_paid(&order, tx.actor, OrderAction::Ship)?;
        // An event per stock item taken from, and the order's own.
        tx.events.reserve(order.allocations.len() + 2);
        let wanted: Vec<(usize, i64)> = match lines {
            Some(lines) => {
                let mut wanted: Vec<(usize, i64)> = Vec::with_capacity(lines.len());
                for (i, line) in lines.iter().enumerate() {
                    let field = || format!("lines[{i}]");
                    let Some(order_line) = order.lines.get(line.line) else {
                        return Err(Error::invalid(format!("{}.line", field()), "no such line"));
                    };
                    // Each line once: two entries for one line would each pass the check
                    // against what is left, and together ship more than was ordered.
                    if wanted.iter().any(|(seen, _)| *seen == line.line) {
                        return Err(Error::invalid(
                            format!("{}.line", field()),
                            format!("line {} is listed twice", line.line),
                        ));
                    }
                    if line.quantity < 1 || line.quantity > order_line.unshipped() {
                        return Err(Error::invalid(
                            format!("{}.quantity", field()),
                            format!("must be 1 to {}", order_line.unshipped()),
                        ));
                    }
                    wanted.push((line.line, line.quantity));
                }
                wanted
            }
            None => {
                // Sized first: collecting a filtered iterator grows one step at a time.
                let mut wanted = Vec::with_capacity(order.lines.len());
                wanted.extend(
                    (order.lines.iter().enumerate())
                        .filter(|(_, l)| l.unshipped() > 0)
                        .map(|(i, l)| (i, l.unshipped())),
                );
                wanted
            }
        };
        if wanted.is_empty() {
            return Err(Error::invalid("lines", "nothing left to ship"));
        }
        // Money before goods: capture what is still only authorized, up to what the order
        // does not yet hold (money refunded before shipping is not counted as held).
        let to_capture = order.pricing.grand_total - (order.captured() - order.refunded());
        if to_capture > Decimal::ZERO {
            let capturable: Decimal = order.payments.iter().map(Payment::capturable).sum();
            self.capture(tx, &mut order, to_capture.min(capturable))?;
        }
        for (line, quantity) in &wanted {
            let mut left = *quantity;
            for a in 0..order.allocations.len() {
                if left == 0 {
                    break;
                }
                let allocation = &order.allocations[a];
                if allocation.line != *line || allocation.quantity == allocation.shipped {
                    continue;
                }
                let take = left.min(allocation.quantity - allocation.shipped);
                let mut item = tx.stock(&allocation.sku, &allocation.location)?;
                item.commit(take)?;
                tx.emit_stock(&mut item, Some(&order), |sku, location| {
                    EventPayload::StockCommitted {
                        sku,
                        location,
                        quantity: take,
                    }
                });
                tx.put_stock(item);
                order.allocations[a].shipped += take;
                left -= take;
            }
            order.lines[*line].shipped += quantity;
        }
        let option = order
            .shipping_option
            .clone()
            .unwrap_or_else(|| "standard".into());
        let address = order.shipping_address.clone().unwrap_or_default();
        let label = self
            .carrier
            .create_label(&ids.shipment, &option, &address)?;
        order.shipments.push(Shipment {
            id: ids.shipment.clone(),
            carrier: label.carrier,
            service: option,
            tracking_number: label.tracking_number,
            label_reference: label.label_reference,
            lines: wanted,
            state: ShipmentState::Shipped,
            shipped_at: tx.now,
            delivered_at: None,
        });
        let complete = order.lines.iter().all(|l| l.unshipped() == 0);
        let to = if complete {
            OrderState::Shipped
        } else {
            OrderState::PartiallyShipped
        };
        if order.state != to {
            order.transition(flow, to, tx.actor, "ship", tx.now);
        }
        tx.emit_order(
            &mut order,
            EventPayload::OrderShipped {
                shipment_id: ids.shipment.clone(),
                complete,
            },
        );
        self.schedule(&mut order, flow);
        Ok(tx.put_order(order))
    }

    fn mark_delivered(&self, order: &mut Order, shipment: usize, at: DateTime<Utc>) {
        let Some(s) = order.shipments.get_mut(shipment) else {
            return;
        };
        if s.state == ShipmentState::Delivered {
            return;
        }
        s.state = ShipmentState::Delivered;
        s.delivered_at = Some(at);
        for (line, quantity) in s.lines.clone() {
            if let Some(l) = order.lines.get_mut(line) {
                l.delivered += quantity;
            }
        }
    }

    /// Moves a shipped order to delivered once every shipment arrived.
    fn complete_delivery(&self, tx: &mut Tx<'_>, order: &mut Order, flow: &OrderFlow) {
        if order.state == OrderState::Shipped && order.lines.iter().all(|l| l.delivered == l.kept())
        {
            order.transition(flow, OrderState::Delivered, tx.actor, "deliver", tx.now);
            tx.emit_order(order, EventPayload::OrderDelivered);
        }
    }

    fn cancel(&self, tx: &mut Tx<'_>, order: &mut Order, reason: &str) -> Result<()> {
        self.require_allowed(order, tx.actor, OrderAction::Cancel)?;
        self.close(tx, order, reason, false)
    }

    /// Cancels `order` whatever its flow says (the caller checked): its stock is released, its
    /// payments voided or refunded, its coupon uses given back. `declined`: its first payment
    /// was declined, so it does not count as an order the customer placed either.
    fn close(
        &self,
        tx: &mut Tx<'_>,
        order: &mut Order,
        reason: &str,
        declined: bool,
    ) -> Result<()> {
        let flow = self.flow(&order.flow)?;
        self.release_stock(tx, order)?;
        for index in 0..order.payments.len() {
            self.void_rest(tx, order, index, false)?;
        }
        let refundable: Decimal = order.payments.iter().map(Payment::refundable).sum();
        if refundable > Decimal::ZERO {
            self.refund(tx, order, refundable, None, "cancelled")?;
        }
        self.give_back_promotion_uses(tx, order)?;
        if declined {
            let key = DocKey::new(DocKind::Customer, &*order.customer_id);
            if let Some(Document::Customer(record)) = tx.load(key.clone())? {
                let mut record = record.clone();
                record.orders_placed = record.orders_placed.saturating_sub(1);
                tx.put(key, Document::Customer(record));
            }
        }
        order.transition(flow, OrderState::Cancelled, tx.actor, reason, tx.now);
        order.reservation_expires_at = None;
        order.due_at = None;
        tx.emit_order(
            order,
            EventPayload::OrderCancelled {
                reason: reason.to_string(),
            },
        );
        Ok(())
    }

    /// Takes back the uses a cancelled order counted of promotions with usage limits: an order
    /// that was never fulfilled did not use its coupon.
    fn give_back_promotion_uses(&self, tx: &mut Tx<'_>, order: &Order) -> Result<()> {
        for applied in &order.pricing.promotions {
            let key = DocKey::new(DocKind::PromotionUsage, &*applied.promotion_id);
            let Some(Document::PromotionUsage(usage)) = tx.load(key.clone())? else {
                continue; // no limits: nothing was counted
            };
            let mut usage = usage.clone();
            usage.total = usage.total.saturating_sub(1);
            if let Some(uses) = usage.by_customer.get_mut(order.customer_id.as_str()) {
                *uses = uses.saturating_sub(1);
            }
            tx.put(key, Document::PromotionUsage(usage));
        }
        Ok(())
    }

    /// Cancels what a partly shipped order has not shipped: its stock is released and the
    /// customer refunded exactly what those units cost (their discount and tax shares, from the
    /// breakdown's per-unit splits; shipping stays paid, the order did ship), and the order is
    /// shipped — delivered already if every shipment arrived. The cancelled units are each
    /// line's last ones, so returns (which take the first free units) never reach them.
    fn cancel_unshipped(
        &self,
        tx: &mut Tx<'_>,
        order_id: &str,
        reason: &str,
    ) -> Result<Arc<Order>> {
        tx.actor
            .require_staff(StaffDuty::Support, "cancel_unshipped")?;
        let mut order = tx.order(order_id)?;
        self.require_allowed(&order, tx.actor, OrderAction::CancelUnshipped)?;
        let flow = self.flow(&order.flow)?;
        let (mut units, mut amount) = (0, Decimal::ZERO);
        for (i, line) in order.lines.iter_mut().enumerate() {
            let rest = line.unshipped();
            if rest > 0 {
                let first = line.shipped as u64;
                let include_tax = order.pricing.prices_include_tax;
                amount += order.pricing.lines[i]
                    .units(first, rest as u64, include_tax)?
                    .total;
                units += rest;
                line.cancelled += rest;
            }
        }
        self.release_stock(tx, &mut order)?;
        let refundable: Decimal = order.payments.iter().map(Payment::refundable).sum();
        let refunded = amount.min(refundable);
        if refunded > Decimal::ZERO {
            self.refund(tx, &mut order, refunded, None, reason)?;
        }
        // Nothing is left to capture once what remains has shipped.
        for index in 0..order.payments.len() {
            self.void_rest(tx, &mut order, index, false)?;
        }
        order.transition(flow, OrderState::Shipped, tx.actor, reason, tx.now);
        let cancelled = EventPayload::UnshippedCancelled {
            units,
            refunded,
            reason: reason.to_string(),
        };
        tx.emit_order(&mut order, cancelled);
        self.complete_delivery(tx, &mut order, flow);
        Ok(tx.put_order(order))
    }

    /// Releases at the provider what payment `index` still holds uncaptured: a pending
    /// payment's whole amount, or the rest of a (partly captured) authorization — no hold is
    /// left on the card of a closed order.
    /// `again`: the payment was voided once already (its first void lost a race with the
    /// provider), so this void needs a provider key of its own.
    fn void_rest(
        &self,
        tx: &mut Tx<'_>,
        order: &mut Order,
        index: usize,
        again: bool,
    ) -> Result<()> {
        let payment = &order.payments[index];
        let amount = match payment.state {
            PaymentState::Pending => payment.amount,
            _ => payment.capturable(),
        };
        if amount <= Decimal::ZERO || payment.check(PaymentAction::Void).is_err() {
            return Ok(());
        }
        let mut request = self.request(tx.key, order, payment, GatewayOperation::Void, amount);
        if again {
            request.idempotency_key.push_str(":again");
        }
        self.gateway.execute(&request)?;
        let payment = &mut order.payments[index];
        if payment.state == PaymentState::Pending {
            payment.state = PaymentState::Voided;
        } else {
            payment.apply_release(amount)?;
        }
        let payment_id = payment.id.clone();
        tx.emit_order(order, EventPayload::PaymentVoided { payment_id });
        Ok(())
    }

    fn release_stock(&self, tx: &mut Tx<'_>, order: &mut Order) -> Result<()> {
        for a in 0..order.allocations.len() {
            let allocation = order.allocations[a].clone();
            if allocation.quantity == allocation.shipped {
                continue;
            }
            let mut item = tx.stock(&allocation.sku, &allocation.location)?;
            let released = allocation.quantity - allocation.shipped;
            item.release(released);
            if released > 0 {
                tx.emit_stock(&mut item, Some(order), |sku, location| {
                    EventPayload::StockReleased {
                        sku,
                        location,
                        quantity: released,
                    }
                });
                tx.put_stock(item);
            }
            order.allocations[a].quantity = allocation.shipped;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn payment_webhook(
        &self,
        tx: &mut Tx<'_>,
        order_id: &str,
        provider: &str,
        event_id: &str,
        reference: &str,
        outcome: WebhookOutcome,
        reason: Option<&str>,
    ) -> Result<Arc<Order>> {
        let mut order = tx.order(order_id)?;
        let dedupe = format!("{provider}:{event_id}");
        if order.processed_webhooks.contains(&dedupe) {
            return Ok(Arc::new(order)); // already applied: nothing written
        }
        order.processed_webhooks.push(dedupe);
        let flow = self.flow(&order.flow)?;
        let Some(index) = order
            .payments
            .iter()
            .position(|p| p.provider_reference.as_deref() == Some(reference))
        else {
            return Err(Error::not_found("payment", reference));
        };
        let id = order.payments[index].id.clone();
        match (order.payments[index].state, outcome) {
            (PaymentState::Pending, WebhookOutcome::Succeeded) => {
                self.payment_succeeded(tx, &mut order, index, flow)?
            }
            // The provider took the money after the order's void: the void lost the race, and
            // the money goes back at once.
            (PaymentState::Voided, WebhookOutcome::Succeeded) => {
                self.payment_succeeded(tx, &mut order, index, flow)?
            }
            (PaymentState::Pending, WebhookOutcome::Failed) => {
                let reason = reason.unwrap_or("failed").to_string();
                order.payments[index].state = PaymentState::Failed;
                order.payments[index].failure_reason = Some(reason.clone());
                let failed = EventPayload::PaymentFailed {
                    payment_id: id,
                    reason,
                };
                tx.emit_order(&mut order, failed);
            }
            // Anything else is a duplicate or stale event.
            _ => {}
        }
        self.schedule(&mut order, flow);
        Ok(tx.put_order(order))
    }

    /// Records a provider's asynchronous success of payment `index`. Money that arrives for a
    /// cancelled order goes straight back: a capture is refunded, an authorization released.
    fn payment_succeeded(
        &self,
        tx: &mut Tx<'_>,
        order: &mut Order,
        index: usize,
        flow: &OrderFlow,
    ) -> Result<()> {
        let was_voided = order.payments[index].state == PaymentState::Voided;
        let payment = &mut order.payments[index];
        let (id, amount) = (payment.id.clone(), payment.amount);
        payment.apply_success()?;
        let capture = payment.capture;
        let authorized = EventPayload::PaymentAuthorized {
            payment_id: id.clone(),
            amount,
        };
        tx.emit_order(order, authorized);
        if capture {
            order.payments[index].apply_capture(amount)?;
            let captured = EventPayload::PaymentCaptured {
                payment_id: id,
                amount,
            };
            tx.emit_order(order, captured);
        }
        if order.state != OrderState::Cancelled {
            self.after_payment(tx, order, flow);
            return Ok(());
        }
        let captured = order.payments[index].refundable();
        if captured > Decimal::ZERO {
            self.refund(tx, order, captured, None, "paid_after_cancellation")?;
        }
        self.void_rest(tx, order, index, was_voided)
    }

    /// Finds the order of a payment reference: webhooks name the provider's reference only.
    fn order_of_payment(&self, tx: &mut Tx<'_>, reference: &str) -> Result<SmolStr> {
        self.find_order(tx, |o| {
            o.payments
                .iter()
                .any(|p| p.provider_reference.as_deref() == Some(reference))
        })
        .ok_or_else(|| Error::not_found("payment", reference))
    }

    fn find_order(&self, _tx: &mut Tx<'_>, predicate: impl Fn(&Order) -> bool) -> Option<SmolStr> {
        let mut query = crate::store::OrderQuery {
            limit: Some(500),
            ..Default::default()
        };
        loop {
            let page = self.store.find_orders(&query).ok()?;
            if let Some(order) = page.orders.iter().find(|o| predicate(o)) {
                return Some(order.id.clone());
            }
            query.after = Some(page.next?);
        }
    }

    fn tracking_update(
        &self,
        tx: &mut Tx<'_>,
        order_id: &str,
        event_id: &str,
        tracking_number: &str,
        status: ShipmentState,
    ) -> Result<Arc<Order>> {
        let mut order = tx.order(order_id)?;
        let dedupe = format!("tracking:{event_id}");
        if order.processed_webhooks.contains(&dedupe) {
            return Ok(Arc::new(order)); // already applied: nothing written
        }
        order.processed_webhooks.push(dedupe);
        let flow = self.flow(&order.flow)?;
        let Some(index) = order
            .shipments
            .iter()
            .position(|s| s.tracking_number == tracking_number)
        else {
            return Err(Error::not_found("shipment", tracking_number));
        };
        let current = order.shipments[index].state;
        match crate::shipping::shipment_transition(current, status) {
            ShipmentState::Delivered if current != ShipmentState::Delivered => {
                self.mark_delivered(&mut order, index, tx.now);
                self.complete_delivery(tx, &mut order, flow);
            }
            next => order.shipments[index].state = next,
        }
        Ok(tx.put_order(order))
    }

    fn request_return(
        &self,
        tx: &mut Tx<'_>,
        order_id: &str,
        lines: &[ReturnLine],
        ids: &PreparedIds,
    ) -> Result<Arc<Order>> {
        let mut order = tx.order(order_id)?;
        if !matches!(tx.actor, Actor::Customer { .. }) {
            tx.actor
                .require_staff(StaffDuty::Support, "request_return")?;
        }
        self.require_allowed(&order, tx.actor, OrderAction::RequestReturn)?;
        let delivered_at = order
            .history
            .iter()
            .rev()
            .find(|t| t.to == OrderState::Delivered)
            .map(|t| t.at)
            .unwrap_or(order.created_at);
        if tx.now - delivered_at > Duration::days(self.config.return_window_days) {
            return Err(Error::InvalidTransition {
                entity: "order".into(),
                state: "return_window_closed".into(),
                action: OrderAction::RequestReturn.name().into(),
                allowed: vec![],
            });
        }
        if lines.is_empty() {
            return Err(Error::invalid("lines", "a return needs at least one line"));
        }
        let currency = self
            .config
            .pricing
            .currencies
            .resolve(&order.currency, "currency")?;
        let zero = Decimal::new(0, currency.minor_units());
        let mut items: Vec<ReturnItem> = Vec::new();
        let mut items_amount = zero;
        for (i, line) in lines.iter().enumerate() {
            let Some(order_line) = order.lines.get(line.line) else {
                return Err(Error::invalid(format!("lines[{i}].line"), "no such line"));
            };
            let open = order_line.delivered - order_line.returned - order_line.return_requested;
            if line.quantity < 1 || line.quantity > open {
                return Err(Error::invalid(
                    format!("lines[{i}].quantity"),
                    format!("must be 1 to {open} (delivered and not yet returned)"),
                ));
            }
            let live = (order.returns.iter())
                .filter(|r| !r.state.is_withdrawn())
                .flat_map(|r| r.items.iter())
                .chain(items.iter());
            let runs = free_units(live, line.line, line.quantity as u64);
            for (first_unit, units) in runs {
                let amounts = order.pricing.lines[line.line].units(
                    first_unit,
                    units,
                    order.pricing.prices_include_tax,
                )?;
                items_amount += amounts.total;
                items.push(ReturnItem {
                    line: line.line,
                    quantity: units as i64,
                    reason: line.reason,
                    condition: None,
                    first_unit,
                });
            }
            order.lines[line.line].return_requested += line.quantity;
        }
        let everything_back = order
            .lines
            .iter()
            .all(|l| l.returned + l.return_requested == l.kept());
        let already_refunded_shipping = order
            .returns
            .iter()
            .any(|r| r.shipping_amount > Decimal::ZERO && !r.state.is_withdrawn());
        let shipping_amount = match &order.pricing.shipping {
            Some(s)
                if self.config.refund_shipping_on_full_return
                    && everything_back
                    && !already_refunded_shipping =>
            {
                s.total
            }
            _ => zero,
        };
        let fee = items_amount
            .checked_mul(self.config.restocking_fee_percent)
            .and_then(|fee| fee.checked_div(Decimal::ONE_HUNDRED))
            .ok_or_else(|| Error::overflow("restocking_fee_percent"))?;
        let fee = currency.round(fee, self.config.pricing.rounding);
        let refund_amount = items_amount
            .checked_add(shipping_amount)
            .and_then(|amount| amount.checked_sub(fee))
            .ok_or_else(|| Error::overflow("refund_amount"))?
            .max(Decimal::ZERO);
        let request = ReturnRequest {
            id: ids.ret.clone(),
            state: ReturnState::Requested,
            items,
            items_amount,
            shipping_amount,
            restocking_fee: fee,
            refund_amount,
            refunded: zero,
            requested_at: tx.now,
            history: Vec::new(),
        };
        tx.emit_order(
            &mut order,
            EventPayload::ReturnRequested {
                return_id: request.id.clone(),
            },
        );
        order.returns.push(request);
        Ok(tx.put_order(order))
    }

    fn update_return(
        &self,
        tx: &mut Tx<'_>,
        order_id: &str,
        return_id: &str,
        action: ReturnAction,
        received: &[ReceivedLine],
    ) -> Result<Arc<Order>> {
        let mut order = tx.order(order_id)?;
        let duty = match action {
            ReturnAction::Cancel if matches!(tx.actor, Actor::Customer { .. }) => None,
            ReturnAction::Approve
            | ReturnAction::Reject
            | ReturnAction::Refund
            | ReturnAction::Cancel => Some(StaffDuty::Support),
            ReturnAction::SchedulePickup
            | ReturnAction::MarkInTransit
            | ReturnAction::Receive
            | ReturnAction::Process => Some(StaffDuty::Warehouse),
        };
        if let Some(duty) = duty {
            tx.actor
                .require_staff(duty, &format!("{} a return", action.name()))?;
        }
        let flow = self.flow(&order.flow)?;
        let index = order
            .returns
            .iter()
            .position(|r| r.id == return_id)
            .ok_or_else(|| Error::not_found("return", return_id))?;
        let label = tx.actor.label();
        order.returns[index].apply(action, &label, tx.now)?;
        let items = order.returns[index].items.clone();
        match action {
            ReturnAction::Reject | ReturnAction::Cancel => {
                for item in &items {
                    order.lines[item.line].return_requested -= item.quantity;
                }
            }
            ReturnAction::Receive => {
                for item in order.returns[index].items.iter_mut() {
                    item.condition = Some(
                        received
                            .iter()
                            .find(|r| r.line == item.line)
                            .map_or(ItemCondition::Sellable, |r| r.condition),
                    );
                }
            }
            ReturnAction::Process => {
                let items = order.returns[index].items.clone();
                for item in &items {
                    let sellable =
                        (item.condition.unwrap_or(ItemCondition::Sellable)).is_sellable();
                    self.take_back(tx, &mut order, item.line, item.quantity, sellable)?;
                    order.lines[item.line].return_requested -= item.quantity;
                    order.lines[item.line].returned += item.quantity;
                }
                let complete = order.lines.iter().all(|l| l.returned == l.kept());
                let to = if complete {
                    OrderState::Returned
                } else {
                    OrderState::PartiallyReturned
                };
                if order.state != to {
                    order.transition(flow, to, tx.actor, "return", tx.now);
                }
                tx.emit_order(
                    &mut order,
                    EventPayload::OrderReturned {
                        return_id: return_id.into(),
                        complete,
                    },
                );
            }
            ReturnAction::Refund => {
                // Refunds made outside returns are not attributed to units: a return pays its
                // units' amount, or what the order still holds when that is less.
                let refundable: Decimal = order.payments.iter().map(Payment::refundable).sum();
                let amount = order.returns[index].refund_amount.min(refundable);
                if amount > Decimal::ZERO {
                    self.refund(tx, &mut order, amount, Some(return_id), "return")?;
                    order.returns[index].refunded = amount;
                }
            }
            ReturnAction::Approve | ReturnAction::SchedulePickup | ReturnAction::MarkInTransit => {}
        }
        let state = order.returns[index].state.name().to_string();
        tx.emit_order(
            &mut order,
            EventPayload::ReturnUpdated {
                return_id: return_id.into(),
                state,
            },
        );
        Ok(tx.put_order(order))
    }

    /// Takes `quantity` returned units of `line` back to the locations they shipped from
    /// (in allocation order), restocking them there when `sellable`.
    fn take_back(
        &self,
        tx: &mut Tx<'_>,
        order: &mut Order,
        line: usize,
        quantity: i64,
        sellable: bool,
    ) -> Result<()> {
        let mut left = quantity;
        for a in 0..order.allocations.len() {
            let allocation = &order.allocations[a];
            let out = allocation.shipped - allocation.returned;
            if left == 0 || allocation.line != line || out <= 0 {
                continue;
            }
            let take = left.min(out);
            order.allocations[a].returned += take;
            left -= take;
            if !sellable {
                continue;
            }
            let allocation = &order.allocations[a];
            let mut stock = tx.stock(&allocation.sku, &allocation.location)?;
            stock.on_hand = stock.on_hand.saturating_add(take);
            tx.emit_stock(&mut stock, Some(order), |sku, location| {
                EventPayload::StockRestocked {
                    sku,
                    location,
                    quantity: take,
                }
            });
            tx.put_stock(stock);
        }
        Ok(())
    }

    fn decide_set_stock(
        &self,
        tx: &mut Tx<'_>,
        sku: &str,
        location: Option<&str>,
        change: impl FnOnce(&mut StockItem) -> Result<()>,
    ) -> Result<CommandOutput> {
        tx.actor
            .require_staff(StaffDuty::Warehouse, "change stock")?;
        if sku.trim().is_empty() {
            return Err(Error::invalid("sku", "must not be empty"));
        }
        let location = location.unwrap_or(&self.config.locations[0]);
        if !self.config.locations.iter().any(|l| l == location) {
            return Err(Error::invalid(
                "location",
                format!("{location:?} is not a configured location"),
            ));
        }
        let mut item = tx.stock(sku, location)?;
        let before = item.available();
        change(&mut item)?;
        if item.on_hand < 0 {
            return Err(Error::invalid("on_hand", "must not be negative"));
        }
        if item.available() < 0 && !item.backorder {
            return Err(Error::invalid(
                "on_hand",
                format!(
                    "{} units are reserved; on hand cannot go below that",
                    item.reserved
                ),
            ));
        }
        if item.low_stock_threshold.is_some_and(|t| t < 0) {
            return Err(Error::invalid(
                "low_stock_threshold",
                "must not be negative",
            ));
        }
        let on_hand = item.on_hand;
        tx.emit_stock(&mut item, None, |sku, location| {
            EventPayload::StockAdjusted {
                sku,
                location,
                on_hand,
            }
        });
        if let Some(threshold) = item.crossed_low_stock(before) {
            let available = item.available();
            tx.emit_stock(&mut item, None, |sku, location| EventPayload::LowStock {
                sku,
                location,
                available,
                threshold,
            });
        }
        let answer = item.item.clone();
        tx.put_stock(item);
        Ok(CommandOutput::Stock(answer))
    }

    /// Does all time-based work due at the engine clock's now: cancels unpaid orders whose
    /// reservation expired (releasing their stock) and moves paid orders to processing where the
    /// flow schedules it. Idempotent: a second run at the same time finds nothing due.
    pub fn tick(&self, actor: &Actor) -> Result<TickReport> {
        actor.require_system("tick")?;
        let now = self.clock.now();
        let mut report = TickReport::default();
        let mut query = crate::store::OrderQuery {
            due_before: Some(now),
            limit: Some(200),
            ..Default::default()
        };
        loop {
            let page = self.store.find_orders(&query)?;
            for due in &page.orders {
                let id = due.id.to_string();
                let mut what = None;
                let outcome = self.run(actor, None, Record::Answer, |tx| {
                    let mut order = tx.order(&id)?;
                    let flow = self.flow(&order.flow)?;
                    what = None;
                    let expired = order.state == OrderState::Pending
                        && !order.is_paid()
                        && order.reservation_expires_at.is_some_and(|t| t <= tx.now);
                    if expired {
                        self.settle_abandoned(tx, &mut order, flow)?;
                    }
                    if expired && order.state == OrderState::Pending && !order.is_paid() {
                        self.cancel(tx, &mut order, "reservation_expired")?;
                        what = Some(true);
                    } else if order.state == OrderState::Pending
                        && order.is_paid()
                        && flow.processing_step
                        && flow
                            .auto_process_after_minutes
                            .and_then(|m| order.created_at.checked_add_signed(Duration::minutes(m)))
                            .is_some_and(|due| due <= tx.now)
                    {
                        order.transition(
                            flow,
                            OrderState::Processing,
                            tx.actor,
                            "scheduled",
                            tx.now,
                        );
                        tx.emit_order(&mut order, EventPayload::OrderProcessing);
                        what = Some(false);
                    }
                    self.schedule(&mut order, flow);
                    if order.due_at.is_some_and(|d| d <= tx.now) {
                        order.due_at = None;
                    }
                    Ok(CommandOutput::Order(tx.put_order(order)))
                });
                if let Err(error) = outcome {
                    report.failed.push((id, error.code().to_string()));
                    continue;
                }
                match what {
                    Some(true) => report.expired.push(id),
                    Some(false) => report.advanced.push(id),
                    None => {}
                }
            }
            match page.next {
                Some(next) => query.after = Some(next),
                None => break,
            }
        }
        Ok(report)
    }

    /// Asks the provider for the answers a checkout never recorded (its process stopped
    /// between the two commits, and no retry came): under the same provider keys, so a charge
    /// that happened is found, not made again. A paid order then stays; a declined one closes.
    fn settle_abandoned(&self, tx: &mut Tx<'_>, order: &mut Order, flow: &OrderFlow) -> Result<()> {
        for index in 0..order.payments.len() {
            if order.payments[index].awaits_answer() {
                let request = self.authorization(order, &order.payments[index]);
                let answer = self.gateway.execute(&request)?;
                // Expired anyway: the scheduler cancels what stays unpaid.
                self.settle(tx, order, index, &answer, flow, false)?;
            }
        }
        Ok(())
    }

    /// Answers a query as `actor`. Customers see only their own orders.
    pub fn query(&self, actor: &Actor, query: &Query) -> Result<QueryOutput> {
        let limits = &self.pricer.config().limits;
        crate::limits::check_actor(actor, limits)?;
        crate::limits::check_query(query, limits)?;
        match query {
            Query::GetOrder { order_id } => {
                Ok(QueryOutput::Order(self.get_order(actor, order_id)?))
            }
            Query::ListOrders(filter) => {
                let mut filter = filter.clone();
                if let Actor::Customer { id } = actor {
                    filter.customer_id = Some(id.clone());
                }
                Ok(QueryOutput::Orders(self.store.find_orders(&filter)?))
            }
            Query::StockLevels { sku } => {
                let mut items = Vec::new();
                for location in &self.config.locations {
                    match self
                        .store
                        .load(&DocKey::new(DocKind::Stock, StockItem::key(sku, location)))?
                    {
                        Some(crate::store::Versioned {
                            value: Document::Stock(item),
                            ..
                        }) => items.push(item),
                        _ => items.push(StockItem::new(sku, location)),
                    }
                }
                Ok(QueryOutput::Stock(items))
            }
            Query::ListReturns { order_id } => Ok(QueryOutput::Returns(
                Arc::unwrap_or_clone(self.get_order(actor, order_id)?).returns,
            )),
            Query::AvailableActions { order_id } => {
                let order = self.get_order(actor, order_id)?;
                Ok(QueryOutput::Actions(self.available_actions(&order, actor)?))
            }
            Query::ShippingRates { address, lines } => {
                let mut cart_lines = Vec::new();
                for (i, line) in lines.iter().enumerate() {
                    let product = self
                        .catalog
                        .product(&line.sku)?
                        .ok_or_else(|| Error::invalid(format!("lines[{i}].sku"), "unknown sku"))?;
                    cart_lines.push(CartLine {
                        sku: product.sku.clone(),
                        unit_price: product.unit_price,
                        quantity: line.quantity,
                        weight: product.weight,
                        ..CartLine::default()
                    });
                }
                Ok(QueryOutput::Rates(self.rates(address, &cart_lines)?))
            }
        }
    }

    /// One order, if `actor` may see it (another customer's order is `not_found`).
    pub fn get_order(&self, actor: &Actor, order_id: &str) -> Result<Arc<Order>> {
        match self.store.load(&DocKey::new(DocKind::Order, order_id))? {
            Some(crate::store::Versioned {
                value: Document::Order(order),
                ..
            }) if actor.can_see(&order.customer_id) => Ok(order),
            _ => Err(Error::not_found("order", order_id)),
        }
    }

    /// What `actor` can do next to `order`.
    pub fn available_actions(&self, order: &Order, actor: &Actor) -> Result<Vec<OrderAction>> {
        let flow = self.flow(&order.flow)?;
        let capturable: Decimal = order.payments.iter().map(Payment::capturable).sum();
        let refundable: Decimal = order.payments.iter().map(Payment::refundable).sum();
        Ok(flow
            .allowed_actions(order.state)
            .into_iter()
            .filter(|action| match action {
                // Paying asks for what no payment covers yet; capturing what is authorized is
                // `capture_payment`, offered while something is capturable.
                OrderAction::Pay => {
                    order.outstanding() > Decimal::ZERO
                        || (capturable > Decimal::ZERO && Self::may_capture(actor))
                }
                OrderAction::Cancel | OrderAction::RequestReturn => {
                    matches!(actor, Actor::Customer { .. })
                        || actor.require_staff(StaffDuty::Support, "").is_ok()
                }
                OrderAction::Refund => {
                    refundable > Decimal::ZERO
                        && actor.require_staff(StaffDuty::Support, "").is_ok()
                }
                OrderAction::Process | OrderAction::Ship | OrderAction::Deliver => {
                    order.is_paid() && actor.require_staff(StaffDuty::Warehouse, "").is_ok()
                }
                OrderAction::CancelUnshipped => actor.require_staff(StaffDuty::Support, "").is_ok(),
            })
            .collect())
    }

    fn rates(
        &self,
        address: &crate::address::Address,
        lines: &[CartLine],
    ) -> Result<Vec<crate::shipping::ShippingRate>> {
        // Checked here, before pricing checks the cart: the quantities come from the client,
        // and a product of two decimals can overflow.
        let limits = &self.pricer.config().limits;
        for (i, line) in lines.iter().enumerate() {
            limits.check_quantity(line.quantity, || format!("lines[{i}].quantity"))?;
        }
        let (subtotal, weight) = match (
            sum_of_products(lines.iter().map(|l| (l.unit_price, l.quantity))),
            sum_of_products(lines.iter().filter_map(|l| Some((l.weight?, l.quantity)))),
        ) {
            (Some(subtotal), Some(weight)) => (subtotal, weight),
            _ => Self::checked_sums(lines)?,
        };
        self.carrier.rates(&RateRequest {
            address,
            currency: &self.config.currency,
            subtotal,
            weight,
        })
    }

    /// Subtotal and weight of `lines` in `Decimal` arithmetic, naming the line whose product
    /// or sum overflows.
    fn checked_sums(lines: &[CartLine]) -> Result<(Decimal, Decimal)> {
        let mut subtotal = Decimal::ZERO;
        let mut weight = Decimal::ZERO;
        for (i, line) in lines.iter().enumerate() {
            let quantity = Decimal::from(line.quantity);
            let add = |sum: Decimal, each: Decimal, what: &str| {
                each.checked_mul(quantity)
                    .and_then(|amount| sum.checked_add(amount))
                    .ok_or_else(|| Error::overflow(format!("lines[{i}].{what}")))
            };
            subtotal = add(subtotal, line.unit_price, "unit_price")?;
            if let Some(each) = line.weight {
                weight = add(weight, each, "weight")?;
            }
        }
        Ok((subtotal, weight))
    }
}

/// Σ amount × quantity in integers at the largest scale, or `None` when a step leaves
/// `Decimal`'s 96 bits (the caller then redoes it in `Decimal`, which names the line). Where it
/// answers, `Decimal`'s own checked arithmetic gives the same exact value: this is the same sum
/// at a tenth of the cost, for every checkout.
fn sum_of_products(terms: impl Iterator<Item = (Decimal, i64)>) -> Option<Decimal> {
    const LIMIT: u128 = 1 << 96;
    let (mut sum, mut scale) = (0i128, 0u32);
    for (amount, quantity) in terms {
        let mut product = amount.mantissa().checked_mul(i128::from(quantity))?;
        // `Decimal` multiplies to a plain zero, whatever the amount's scale.
        if product == 0 {
            continue;
        }
        if amount.scale() > scale {
            sum = sum.checked_mul(10i128.checked_pow(amount.scale() - scale)?)?;
            scale = amount.scale();
        } else {
            product = product.checked_mul(10i128.checked_pow(scale - amount.scale())?)?;
        }
        sum = sum.checked_add(product)?;
        if product.unsigned_abs() >= LIMIT || sum.unsigned_abs() >= LIMIT {
            return None;
        }
    }
    Decimal::try_from_i128_with_scale(sum, scale).ok()
}

fn replay(record: IdempotencyRecord, fingerprint: &str, key: &str) -> Result<CommandOutput> {
    if record.fingerprint != fingerprint {
        return Err(Error::IdempotencyConflict {
            key: key.to_string(),
        });
    }
    match record.outcome {
        Ok(value) => serde_json::from_value(value).map_err(|e| Error::Provider {
            component: "store".into(),
            message: format!("stored idempotent answer unreadable: {e}"),
        }),
        Err(error) => Err(error),
    }
}

/// Convenience wrappers over [`Engine::execute`], one per command.
#[allow(missing_docs)]
impl Engine {
    pub fn place_order(
        &self,
        actor: &Actor,
        place: PlaceOrder,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::PlaceOrder(Box::new(place)),
            idempotency_key,
        ))
    }
    pub fn pay_order(
        &self,
        actor: &Actor,
        order_id: &str,
        method: PaymentMethod,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::PayOrder {
                order_id: order_id.into(),
                method,
                capture: true,
            },
            idempotency_key,
        ))
    }
    pub fn capture_payment(
        &self,
        actor: &Actor,
        order_id: &str,
        amount: Option<Decimal>,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::CapturePayment {
                order_id: order_id.into(),
                amount,
            },
            idempotency_key,
        ))
    }
    pub fn refund_payment(
        &self,
        actor: &Actor,
        order_id: &str,
        amount: Option<Decimal>,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::RefundPayment {
                order_id: order_id.into(),
                amount,
                reason: None,
            },
            idempotency_key,
        ))
    }
    pub fn ship_order(
        &self,
        actor: &Actor,
        order_id: &str,
        lines: Option<Vec<ShipLine>>,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::ShipOrder {
                order_id: order_id.into(),
                lines,
            },
            idempotency_key,
        ))
    }
    pub fn deliver_order(
        &self,
        actor: &Actor,
        order_id: &str,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::DeliverOrder {
                order_id: order_id.into(),
            },
            idempotency_key,
        ))
    }
    pub fn cancel_order(
        &self,
        actor: &Actor,
        order_id: &str,
        reason: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::CancelOrder {
                order_id: order_id.into(),
                reason: reason.map(Into::into),
            },
            idempotency_key,
        ))
    }
    pub fn set_stock(
        &self,
        actor: &Actor,
        sku: &str,
        location: Option<&str>,
        on_hand: i64,
    ) -> Result<StockItem> {
        let command = Command::SetStock {
            sku: sku.into(),
            location: location.map(Into::into),
            on_hand,
            backorder: false,
            low_stock_threshold: None,
        };
        self.execute(actor, &command, None)?
            .into_stock()
            .ok_or_else(|| Error::invalid("command", "set_stock answers a stock item"))
    }

    fn order_of(&self, output: Result<CommandOutput>) -> Result<Arc<Order>> {
        output?
            .into_order()
            .ok_or_else(|| Error::invalid("command", "this command answers an order"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The integer sum answers exactly what `Decimal`'s checked arithmetic answers, or nothing:
    /// amounts of any scale up to 28, mantissas up to 96 bits, quantities up to a billion.
    fn agrees(terms: &[(Decimal, i64)]) -> std::result::Result<(), TestCaseError> {
        let reference = terms
            .iter()
            .try_fold(Decimal::ZERO, |sum, (amount, quantity)| {
                amount
                    .checked_mul(Decimal::from(*quantity))
                    .and_then(|product| sum.checked_add(product))
            });
        if let Some(fast) = sum_of_products(terms.iter().copied()) {
            prop_assert_eq!(Some(fast), reference);
            prop_assert_eq!(Some(fast.scale()), reference.map(|r| r.scale()));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 5_000, failure_persistence: None, ..Default::default() })]

        #[test]
        fn products_summed_in_integers_match_decimal(
            terms in prop::collection::vec(
                (any::<i128>(), 0u32..=28, 1i64..1_000_000_000, 0u32..100),
                0..25,
            ),
        ) {
            let terms: Vec<(Decimal, i64)> = terms
                .into_iter()
                // Mantissas of every size, mostly small (as prices and weights are).
                .map(|(m, scale, q, bits)| {
                    let m = m >> (127 - bits.min(96));
                    (Decimal::from_i128_with_scale(m.clamp(-(1i128 << 96) + 1, (1i128 << 96) - 1), scale), q)
                })
                .collect();
            agrees(&terms)?;
        }
    }

    #[test]
    fn the_integer_sum_covers_prices_and_gives_way_past_the_range() {
        let price = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        let terms = [(price("55.77"), 1), (price("185.73"), 2), (price("0.2"), 3)];
        assert_eq!(sum_of_products(terms.into_iter()), Some(price("427.83")));
        assert!(agrees(&terms).is_ok());
        // Past 96 bits: no answer (the caller's Decimal arithmetic then names the line).
        assert_eq!(sum_of_products([(Decimal::MAX, 2)].into_iter()), None);
        assert_eq!(sum_of_products(std::iter::empty()), Some(Decimal::ZERO));
    }
}
