//! A small shop for the engine tests: catalog, 10% US tax, two warehouses, a fixed clock and the
//! fake gateway, all injected.

#![allow(
    dead_code,
    reason = "each test crate uses a part of the shared helpers"
)]

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ordercore::Decimal;
use ordercore::actor::Actor;
use ordercore::address::Address;
use ordercore::catalog::{MemoryCatalog, Product};
use ordercore::clock::FixedClock;
use ordercore::command::{Command, LineInput, PaymentInput, PlaceOrder};
use ordercore::engine::{Engine, EngineConfig};
use ordercore::ids::SequentialIds;
use ordercore::order::OrderFlow;
use ordercore::payment::FakePaymentGateway;
use ordercore::promotion::Promotion;
use ordercore::store::MemoryStore;
use ordercore::tax::{TaxRule, TaxTable};
use serde_json::json;

pub struct Shop {
    pub engine: Arc<Engine>,
    pub store: Arc<MemoryStore>,
    pub gateway: Arc<FakePaymentGateway>,
    pub clock: Arc<FixedClock>,
}

pub fn t0() -> DateTime<Utc> {
    "2026-06-01T12:00:00Z".parse().unwrap()
}

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub fn products() -> Vec<Product> {
    serde_json::from_value(json!([
        {"sku": "A", "name": "Alpha", "unit_price": "10.00", "weight": "0.5", "category": "gear"},
        {"sku": "B", "name": "Beta", "unit_price": "25.00", "weight": "1"},
        {"sku": "C", "name": "Socks", "unit_price": "3.33", "category": "socks"}
    ]))
    .unwrap()
}

pub fn promotions() -> Vec<Promotion> {
    serde_json::from_value(json!([
        {"id": "save5", "code": "SAVE5", "currency": "USD", "effect": {"type": "fixed_amount", "amount": "5.00"},
         "usage_limit": 20},
        {"id": "ten-off", "code": "TENOFF", "effect": {"type": "percentage", "percentage": "10"}}
    ]))
    .unwrap()
}

pub fn shop_with(config: EngineConfig) -> Shop {
    shop_with_catalog(config, products())
}

pub fn shop_with_catalog(config: EngineConfig, products: Vec<Product>) -> Shop {
    shop_with_promotions(config, products, promotions())
}

pub fn shop_with_promotions(
    config: EngineConfig,
    products: Vec<Product>,
    promotions: Vec<Promotion>,
) -> Shop {
    let store = Arc::new(MemoryStore::new());
    let gateway = Arc::new(FakePaymentGateway::new());
    let clock = Arc::new(FixedClock::new(t0()));
    let engine = engine_on(
        config,
        products,
        promotions,
        store.clone(),
        &gateway,
        &clock,
    );
    Shop {
        engine: Arc::new(engine),
        store,
        gateway,
        clock,
    }
}

/// The test shop's engine on `store`: its catalog and promotions, 10% US tax, the fake
/// gateway, a fixed clock and sequential ids.
pub fn engine_on(
    config: EngineConfig,
    products: Vec<Product>,
    promotions: Vec<Promotion>,
    store: Arc<dyn ordercore::store::Store>,
    gateway: &Arc<FakePaymentGateway>,
    clock: &Arc<FixedClock>,
) -> Engine {
    let rules: Vec<TaxRule> = serde_json::from_value(
        json!([{"id": "us", "name": "US tax", "country": "US", "percentage": "10"}]),
    )
    .unwrap();
    Engine::builder()
        .config(config)
        .promotions(promotions)
        .tax(Arc::new(TaxTable::new(rules).unwrap()))
        .catalog(Arc::new(MemoryCatalog::new(products)))
        .store(store)
        .gateway(gateway.clone())
        .clock(clock.clone())
        .ids(Arc::new(SequentialIds::new("")))
        .build()
        .unwrap()
}

pub fn config() -> EngineConfig {
    EngineConfig {
        locations: vec!["east".into(), "west".into()],
        flows: vec![
            OrderFlow::classic(),
            OrderFlow::scheduled(60),
            OrderFlow::full(),
        ],
        ..EngineConfig::default()
    }
}

pub fn shop() -> Shop {
    let shop = shop_with(config());
    for sku in ["A", "B", "C"] {
        shop.stock(sku, "east", 100);
    }
    shop
}

pub fn admin() -> Actor {
    Actor::admin("root")
}

pub fn customer(id: &str) -> Actor {
    Actor::customer(id)
}

pub fn address() -> Address {
    serde_json::from_value(
        json!({"name": "Ada Lovelace", "line1": "1 Main St", "city": "San Francisco",
        "region": "CA", "postal_code": "94103", "country": "US"}),
    )
    .unwrap()
}

pub fn place(customer_id: &str, lines: &[(&str, i64)]) -> PlaceOrder {
    PlaceOrder {
        customer_id: customer_id.into(),
        customer_groups: vec![],
        lines: lines
            .iter()
            .map(|(sku, quantity)| LineInput {
                sku: (*sku).into(),
                quantity: *quantity,
            })
            .collect(),
        shipping_address: address(),
        shipping_option: Some("standard".into()),
        coupon_codes: vec![],
        payment: Some(PaymentInput {
            method: Default::default(),
            capture: true,
        }),
        flow: None,
    }
}

/// [`place`] with a payment that is only authorized (captured later).
pub fn place_authorizing(customer_id: &str, lines: &[(&str, i64)]) -> PlaceOrder {
    PlaceOrder {
        payment: Some(PaymentInput {
            method: Default::default(),
            capture: false,
        }),
        ..place(customer_id, lines)
    }
}

impl Shop {
    pub fn stock(&self, sku: &str, location: &str, on_hand: i64) {
        let command = Command::SetStock {
            sku: sku.into(),
            location: Some(location.into()),
            on_hand,
            backorder: false,
            low_stock_threshold: None,
        };
        self.engine.execute(&admin(), &command, None).unwrap();
    }

    /// (on hand, reserved) of a sku at a location.
    pub fn level(&self, sku: &str, location: &str) -> (i64, i64) {
        let output = self
            .engine
            .query(
                &admin(),
                &ordercore::command::Query::StockLevels { sku: sku.into() },
            )
            .unwrap();
        match output {
            ordercore::command::QueryOutput::Stock(items) => {
                let item = items
                    .into_iter()
                    .find(|i| *i.location == *location)
                    .unwrap();
                (item.on_hand, item.reserved)
            }
            _ => unreachable!(),
        }
    }

    pub fn event_names(&self) -> Vec<String> {
        self.store
            .all_events()
            .iter()
            .map(|e| e.payload.name().to_string())
            .collect()
    }
}

/// The fake provider's answer number `kind`: 0 declines, 1 answers later (pending), 2 times
/// out after doing it, 3 fails without doing it, anything else approves.
pub fn provider_fault(kind: u64) -> ordercore::payment::Scripted {
    use ordercore::payment::Scripted;
    match kind {
        0 => Scripted::Decline {
            reason: "card_declined".into(),
        },
        1 => Scripted::Pending,
        2 => Scripted::TimeoutAfterSuccess,
        3 => Scripted::TransientError,
        _ => Scripted::Approve,
    }
}

/// A store fault, injected at a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFault {
    /// No fault: the commit goes through.
    Pass,
    /// The database is unreachable: nothing is written.
    FailBeforeWrite,
    /// The commit lands, but its acknowledgement is lost (the connection drops).
    LoseAcknowledgement,
    /// Another process wrote first.
    Conflict,
}

/// A memory store whose commits fail as scripted (the faults a host's database shows), and
/// which keeps the keys of every change set it applied, in their order. A hook can act before
/// commits too (a rival process writing between a command's read and its write).
#[derive(Default)]
pub struct FaultyStore {
    pub inner: Arc<MemoryStore>,
    script: std::sync::Mutex<std::collections::VecDeque<StoreFault>>,
    pub applied: std::sync::Mutex<Vec<Vec<ordercore::store::DocKey>>>,
    /// The counter names of every change set applied, in their order.
    pub counted: std::sync::Mutex<Vec<Vec<String>>>,
    hook: std::sync::Mutex<Option<CommitHook>>,
}

type CommitHook = Box<dyn FnMut(&ordercore::store::ChangeSet) -> bool + Send>;

impl FaultyStore {
    /// Queues faults for the next commits (one per commit).
    pub fn script(&self, faults: impl IntoIterator<Item = StoreFault>) {
        self.script.lock().unwrap().extend(faults);
    }

    /// Runs `hook` before each commit until it answers `true`.
    pub fn before_commits(
        &self,
        hook: impl FnMut(&ordercore::store::ChangeSet) -> bool + Send + 'static,
    ) {
        *self.hook.lock().unwrap() = Some(Box::new(hook));
    }

    fn down() -> ordercore::Error {
        ordercore::Error::Provider {
            component: "store".into(),
            message: "connection lost".into(),
        }
    }
}

impl ordercore::store::Store for FaultyStore {
    fn load(
        &self,
        key: &ordercore::store::DocKey,
    ) -> ordercore::Result<Option<ordercore::store::Versioned<ordercore::store::Document>>> {
        self.inner.load(key)
    }

    fn counters(&self, keys: &[ordercore::store::CounterKey]) -> ordercore::Result<Vec<i64>> {
        self.inner.counters(keys)
    }

    fn commit(&self, changes: ordercore::store::ChangeSet) -> ordercore::Result<()> {
        // Taken out while it runs: the hook may write to `inner` itself.
        let hook = self.hook.lock().unwrap().take();
        if let Some(mut hook) = hook
            && !hook(&changes)
        {
            *self.hook.lock().unwrap() = Some(hook);
        }
        let fault = self.script.lock().unwrap().pop_front();
        if !matches!(
            fault,
            Some(StoreFault::FailBeforeWrite | StoreFault::Conflict)
        ) {
            let keys = changes.writes.iter().map(|w| w.key.clone()).collect();
            self.applied.lock().unwrap().push(keys);
            let names = changes.counters.iter().map(|c| c.key.to_string()).collect();
            self.counted.lock().unwrap().push(names);
        }
        match fault {
            None | Some(StoreFault::Pass) => self.inner.commit(changes),
            Some(StoreFault::FailBeforeWrite) => Err(Self::down()),
            Some(StoreFault::LoseAcknowledgement) => {
                self.inner.commit(changes)?;
                Err(Self::down())
            }
            Some(StoreFault::Conflict) => Err(ordercore::Error::VersionConflict {
                key: "injected".into(),
            }),
        }
    }

    fn find(&self, query: &ordercore::store::Find) -> ordercore::Result<ordercore::store::Found> {
        self.inner.find(query)
    }

    fn idempotency(
        &self,
        key: &str,
    ) -> ordercore::Result<Option<ordercore::store::IdempotencyRecord>> {
        self.inner.idempotency(key)
    }

    fn pending_events(
        &self,
        limit: usize,
    ) -> ordercore::Result<Vec<ordercore::store::OutboxEntry>> {
        self.inner.pending_events(limit)
    }

    fn mark_delivered(&self, positions: &[u64]) -> ordercore::Result<()> {
        self.inner.mark_delivered(positions)
    }
}

/// The test shop on a [`FaultyStore`].
pub struct FaultyShop {
    pub engine: Arc<Engine>,
    pub store: Arc<FaultyStore>,
    pub gateway: Arc<FakePaymentGateway>,
    pub clock: Arc<FixedClock>,
}

pub fn faulty_shop() -> FaultyShop {
    let store = Arc::new(FaultyStore::default());
    let gateway = Arc::new(FakePaymentGateway::new());
    let clock = Arc::new(FixedClock::new(t0()));
    let engine = engine_on(
        config(),
        products(),
        promotions(),
        store.clone(),
        &gateway,
        &clock,
    );
    for sku in ["A", "B", "C"] {
        engine.set_stock(&admin(), sku, Some("east"), 100).unwrap();
    }
    FaultyShop {
        engine: Arc::new(engine),
        store,
        gateway,
        clock,
    }
}

/// The invariants of one order the auditors (model-based test, simulation) check after every
/// step: goods (nothing shipped beyond ordered, returned beyond delivered, restocked at a
/// location beyond what shipped from it), refunds (≤ captured, each unit and the shipping
/// at most once) and holds (a cancelled order holds nothing; a finished one nothing capturable).
pub fn audit_order(order: &ordercore::order::Order) -> Result<(), String> {
    audit_goods(order)?;
    audit_refunds(order)?;
    audit_holds(order)
}

fn audit_holds(order: &ordercore::order::Order) -> Result<(), String> {
    use ordercore::order::OrderState;
    let finished = matches!(
        order.state,
        OrderState::Cancelled | OrderState::Shipped | OrderState::Delivered | OrderState::Returned
    );
    let capturable: ordercore::Decimal = order.payments.iter().map(|p| p.capturable()).sum();
    if finished && !capturable.is_zero() {
        return Err(format!(
            "{} ({:?}) still holds {capturable} uncaptured",
            order.id, order.state
        ));
    }
    if order.state == OrderState::Cancelled && !order.held().is_zero() {
        return Err(format!("cancelled {} holds {}", order.id, order.held()));
    }
    Ok(())
}

fn audit_goods(order: &ordercore::order::Order) -> Result<(), String> {
    for (i, line) in order.lines.iter().enumerate() {
        if line.shipped > line.quantity || line.delivered > line.shipped {
            return Err(format!(
                "{} line {i}: shipped {} of {}",
                order.id, line.shipped, line.quantity
            ));
        }
        if line.returned + line.return_requested > line.delivered {
            return Err(format!("{} line {i}: returned beyond delivered", order.id));
        }
    }
    for a in &order.allocations {
        if a.shipped > a.quantity.max(a.shipped) || a.returned > a.shipped {
            return Err(format!(
                "{} at {}: restocked beyond shipped",
                order.id, a.location
            ));
        }
    }
    Ok(())
}

fn audit_refunds(order: &ordercore::order::Order) -> Result<(), String> {
    if order.refunded() > order.captured() {
        return Err(format!("{} refunded more than captured", order.id));
    }
    let live = || order.returns.iter().filter(|r| !r.state.is_withdrawn());
    if live()
        .filter(|r| r.shipping_amount > ordercore::Decimal::ZERO)
        .count()
        > 1
    {
        return Err(format!("{}: shipping refunded twice", order.id));
    }
    let mut units: Vec<(usize, u64)> = live()
        .flat_map(|r| r.items.iter())
        .flat_map(|item| {
            (item.first_unit..item.first_unit + item.quantity as u64).map(move |u| (item.line, u))
        })
        .collect();
    let count = units.len();
    units.sort_unstable();
    units.dedup();
    if units.len() != count {
        return Err(format!("{}: a unit in two live returns", order.id));
    }
    let paid_out: ordercore::Decimal = order.returns.iter().map(|r| r.refunded).sum();
    if paid_out > order.captured() {
        return Err(format!("{}: returns paid {paid_out}", order.id));
    }
    Ok(())
}

/// Every amount of an answer is written at the currency's scale (`minor_units` decimals):
/// `"0.00"` before a refund, never `"0"`. Percentages and exact (unrounded) figures keep their
/// own scale. Answers where one is not name its path.
pub fn amounts_at_scale(value: &serde_json::Value, minor_units: u32) -> Result<(), String> {
    fn walk(value: &serde_json::Value, minor_units: u32, path: &str) -> Result<(), String> {
        match value {
            serde_json::Value::Object(entries) => {
                for (key, item) in entries {
                    let path = format!("{path}.{key}");
                    let amount = ordercore::json::AMOUNT_FIELDS.contains(&key.as_str())
                        && !matches!(key.as_str(), "percentage" | "exact");
                    match item {
                        serde_json::Value::String(text) if amount => {
                            let decimals = text.split_once('.').map_or(0, |(_, d)| d.len());
                            if decimals != minor_units as usize {
                                return Err(format!(
                                    "{path} = {text:?}: not {minor_units} decimals"
                                ));
                            }
                        }
                        _ => walk(item, minor_units, &path)?,
                    }
                }
                Ok(())
            }
            serde_json::Value::Array(items) => (items.iter().enumerate())
                .try_for_each(|(i, item)| walk(item, minor_units, &format!("{path}[{i}]"))),
            _ => Ok(()),
        }
    }
    walk(value, minor_units, "")
}

/// Sequences a model-based test runs: `MODEL_CASES`, 1,000 by default.
pub fn model_cases() -> u32 {
    std::env::var("MODEL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}
