//! The store contract: what every [`Store`] must do, checked against an empty store by calling
//! its methods directly — the same rules as the bindings' store contracts
//! (`ordercore.testing.check_store` in Python, `checkStore` from `ordercore/testing` in Node), so
//! a Rust host proves its store before the engine runs on it:
//!
//! ```
//! ordercore::store_contract::check(&ordercore::store::MemoryStore::new()).unwrap();
//! ```
//!
//! A change set is all or nothing (a version, counter-bound or idempotency conflict leaves no
//! document, counter change, event or record behind); versions start at 1 and grow by one;
//! counters start at 0, add their deltas and keep their bounds; a record's key is taken once; the
//! outbox hands out undelivered events oldest first, at most `limit`, with positions that grow
//! and are never reused; orders are listed by `(created_at, id)`, filtered by customer, state and
//! due time, and paged by the cursor; subscriptions are listed apart from them, the same way. A broken rule is an `Err` naming it.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::error::Error;
use crate::event::{DomainEvent, EventPayload};
use crate::inventory::{StockItem, StockSettings};
use crate::order::{Order, OrderState};
use crate::store::{
    ChangeSet, CounterDelta, CounterKey, DocKey, DocKind, Document, Find, Found, IdempotencyRecord,
    OrderPage, OrderQuery, Store, Write,
};

type Checked = std::result::Result<(), String>;

fn rule(holds: bool, what: &str) -> Checked {
    if holds { Ok(()) } else { Err(what.to_string()) }
}

fn call<T>(answer: crate::Result<T>, what: &str) -> std::result::Result<T, String> {
    answer.map_err(|e| format!("{what}: {e}"))
}

fn t0() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_605) // 2026-06-01
}

/// A stock document, told apart from others by its threshold.
fn stock(sku: &str, threshold: i64, expected_version: u64) -> Write {
    let mut settings = StockSettings::new(sku, "main");
    settings.low_stock_threshold = Some(threshold);
    Write {
        key: DocKey::new(DocKind::Stock, StockItem::key(sku, "main")),
        expected_version,
        document: Document::Stock(settings),
    }
}

fn counter(key: &CounterKey, delta: i64, min: Option<i64>, max: Option<i64>) -> CounterDelta {
    CounterDelta {
        key: key.clone(),
        delta,
        min,
        max,
    }
}

fn event(n: u64) -> DomainEvent {
    DomainEvent {
        id: smol_str::format_smolstr!("evt_contract_{n}"),
        aggregate: "stock/A@main".into(),
        sequence: n,
        order_id: None,
        customer_id: None,
        at: t0(),
        correlation_id: None,
        payload: EventPayload::StockAdjusted {
            sku: "A".into(),
            location: "main".into(),
            on_hand: i64::try_from(n).unwrap_or_default(),
        },
    }
}

fn record(key: &str) -> IdempotencyRecord {
    IdempotencyRecord {
        key: key.into(),
        fingerprint: "contract".into(),
        outcome: Ok(serde_json::Value::Null),
        at: t0(),
    }
}

fn changes(writes: Vec<Write>, events: &[u64], key: Option<&str>) -> ChangeSet {
    ChangeSet {
        writes,
        counters: Vec::new(),
        events: events.iter().map(|&n| event(n)).collect(),
        idempotency: key.map(record),
    }
}

/// Checks `store` (empty when called) against the contract.
pub fn check(store: &dyn Store) -> Checked {
    versions_and_atomicity(store)?;
    counters(store)?;
    idempotency_records(store)?;
    outbox(store)?;
    listing(store)?;
    listing_subscriptions(store)
}

fn versions_and_atomicity(store: &dyn Store) -> Checked {
    let a = DocKey::new(DocKind::Stock, "A@main");
    rule(
        call(store.load(&a), "load")?.is_none(),
        "an empty store has no documents",
    )?;
    call(
        store.commit(changes(vec![stock("A", 5, 0)], &[1], None)),
        "a new document commits",
    )?;
    let stored = call(store.load(&a), "load")?.ok_or("a committed document is stored")?;
    rule(stored.version == 1, "a new document is version 1")?;
    rule(
        stored.value == stock("A", 5, 0).document,
        "the document comes back as written",
    )?;
    call(
        store.commit(changes(vec![stock("A", 4, 1)], &[], None)),
        "version 1 → 2 commits",
    )?;
    let second = call(store.load(&a), "load")?.map(|v| v.version);
    rule(second == Some(2), "each write adds one to the version")?;
    // A stale write anywhere refuses everything: the new document, the event, the record.
    let stale = changes(
        vec![stock("B", 1, 0), stock("A", 3, 1)],
        &[2],
        Some("stale"),
    );
    let refused = store.commit(stale);
    rule(
        matches!(refused, Err(Error::VersionConflict { .. })),
        "a stale expected version is a conflict",
    )?;
    let b = DocKey::new(DocKind::Stock, "B@main");
    rule(
        call(store.load(&b), "load")?.is_none(),
        "a refused commit writes no document",
    )?;
    rule(
        call(store.idempotency("stale"), "idempotency")?.is_none(),
        "a refused commit stores no record",
    )?;
    let events = call(store.pending_events(10), "pending_events")?;
    rule(events.len() == 1, "a refused commit appends no event")?;
    call(
        store.commit(changes(vec![stock("B", 1, 0)], &[], None)),
        "commit",
    )?;
    let again = store.commit(changes(vec![stock("B", 1, 0)], &[], None));
    rule(
        matches!(again, Err(Error::VersionConflict { .. })),
        "expected version 0 means the document must not exist yet",
    )
}

fn counters(store: &dyn Store) -> Checked {
    // `available/A@main` and `promotion_uses/x%2Fy`.
    let (a, uses) = (
        CounterKey::available("A@main"),
        CounterKey::promotion_uses("x/y"),
    );
    let names = [a.clone(), uses.clone()];
    let values = |store: &dyn Store| call(store.counters(&names), "counters");
    rule(values(store)? == [0, 0], "a counter never changed is 0")?;
    let mut first = changes(vec![], &[], None);
    first.counters = vec![
        counter(&a, 5, Some(0), None),
        counter(&uses, 2, None, Some(2)),
    ];
    call(store.commit(first), "counter deltas commit")?;
    rule(values(store)? == [5, 2], "deltas add to the counters")?;
    // One counter past its bound refuses everything: the other counter, a document, an event.
    let mut short = changes(vec![stock("D", 1, 0)], &[6], None);
    short.counters = vec![
        counter(&a, -6, Some(0), None),
        counter(&uses, -1, None, None),
    ];
    rule(
        matches!(store.commit(short), Err(Error::VersionConflict { .. })),
        "a counter below its minimum is a conflict",
    )?;
    let mut over = changes(vec![], &[], None);
    over.counters = vec![counter(&uses, 1, None, Some(2))];
    rule(
        matches!(store.commit(over), Err(Error::VersionConflict { .. })),
        "a counter above its maximum is a conflict",
    )?;
    let mut guard = changes(vec![], &[], None);
    guard.counters = vec![counter(&a, 0, Some(6), None)];
    rule(
        matches!(store.commit(guard), Err(Error::VersionConflict { .. })),
        "a delta of 0 is a guard",
    )?;
    // A stale write refuses the counters of its change set too.
    let mut stale = changes(vec![stock("A", 9, 1)], &[], None);
    stale.counters = vec![counter(&a, -1, Some(0), None)];
    rule(
        matches!(store.commit(stale), Err(Error::VersionConflict { .. })),
        "a stale write beside counters is a conflict",
    )?;
    rule(
        values(store)? == [5, 2],
        "a refused commit changes no counter",
    )?;
    let d = DocKey::new(DocKind::Stock, "D@main");
    rule(
        call(store.load(&d), "load")?.is_none(),
        "a refused counter writes no document",
    )?;
    rule(
        call(store.pending_events(10), "pending_events")?.len() == 1,
        "a refused counter appends no event",
    )?;
    let mut exact = changes(vec![], &[], None);
    exact.counters = vec![counter(&a, -5, Some(0), Some(0))];
    call(store.commit(exact), "a delta landing on its bounds commits")?;
    rule(values(store)? == [0, 2], "a counter can reach its bound")
}

fn idempotency_records(store: &dyn Store) -> Checked {
    call(
        store.commit(changes(vec![], &[], Some("k1"))),
        "a record alone commits",
    )?;
    let kept = call(store.idempotency("k1"), "idempotency")?;
    rule(kept == Some(record("k1")), "a record comes back as written")?;
    let taken = store.commit(changes(vec![stock("C", 1, 0)], &[9], Some("k1")));
    rule(
        matches!(taken, Err(Error::IdempotencyConflict { .. })),
        "a record's key is taken once",
    )?;
    let c = DocKey::new(DocKind::Stock, "C@main");
    rule(
        call(store.load(&c), "load")?.is_none(),
        "an idempotency conflict writes nothing",
    )
}

fn outbox(store: &dyn Store) -> Checked {
    call(
        store.commit(changes(vec![], &[2, 3, 4], None)),
        "events alone commit",
    )?;
    let pending = call(store.pending_events(10), "pending_events")?;
    let ids: Vec<u64> = pending.iter().map(|e| e.event.sequence).collect();
    rule(ids == [1, 2, 3, 4], "oldest first, in commit order")?;
    let positions: Vec<u64> = pending.iter().map(|e| e.position).collect();
    rule(positions.windows(2).all(|w| w[0] < w[1]), "positions grow")?;
    rule(
        call(store.pending_events(2), "pending_events")?.len() == 2,
        "at most `limit`",
    )?;
    call(
        store.mark_delivered(&[positions[0], positions[2]]),
        "mark_delivered",
    )?;
    let left: Vec<u64> = call(store.pending_events(10), "pending_events")?
        .iter()
        .map(|e| e.event.sequence)
        .collect();
    rule(
        left == [2, 4],
        "delivered events are not handed out again, whatever order they were delivered in",
    )?;
    call(
        store.mark_delivered(&[positions[1], positions[3]]),
        "mark_delivered",
    )?;
    rule(
        call(store.pending_events(10), "pending_events")?.is_empty(),
        "every event delivered",
    )?;
    call(store.commit(changes(vec![], &[5], None)), "commit")?;
    let fifth = call(store.pending_events(10), "pending_events")?;
    rule(
        fifth.len() == 1 && fifth[0].position > positions[3],
        "positions are never reused",
    )?;
    call(store.mark_delivered(&[fifth[0].position]), "mark_delivered")
}

fn order(
    template: &Order,
    n: u32,
    customer: &str,
    state: OrderState,
    due: Option<DateTime<Utc>>,
    created_second: i64,
) -> Write {
    let mut order = template.clone();
    order.id = smol_str::format_smolstr!("ord_{n:03}");
    order.customer_id = customer.into();
    order.state = state;
    order.due_at = due;
    order.created_at = t0() + Duration::seconds(created_second);
    Write {
        key: DocKey::new(DocKind::Order, order.id.clone()),
        expected_version: 0,
        document: Document::Order(Arc::new(order)),
    }
}

fn listing(store: &dyn Store) -> Checked {
    let template = template_order()?;
    let due = Some(t0() + Duration::minutes(30));
    let orders = vec![
        order(&template, 2, "c1", OrderState::Pending, due, 2),
        order(&template, 3, "c2", OrderState::Pending, None, 3),
        order(&template, 4, "c1", OrderState::Shipped, None, 4),
        order(&template, 5, "c1", OrderState::Pending, None, 4), // created with order 4: by id then
    ];
    call(store.commit(changes(orders, &[], None)), "orders commit")?;
    let ids = |query: OrderQuery| -> std::result::Result<Vec<String>, String> {
        let page = find_orders(
            store,
            &OrderQuery {
                limit: Some(10),
                ..query
            },
        )?;
        Ok(page.orders.iter().map(|o| o.id.to_string()).collect())
    };
    rule(
        ids(OrderQuery::default())? == ["ord_002", "ord_003", "ord_004", "ord_005"],
        "by (created_at, id)",
    )?;
    let c1 = OrderQuery {
        customer_id: Some("c1".into()),
        ..OrderQuery::default()
    };
    rule(
        ids(c1)? == ["ord_002", "ord_004", "ord_005"],
        "filtered by customer",
    )?;
    let shipped = OrderQuery {
        state: Some(OrderState::Shipped),
        ..OrderQuery::default()
    };
    rule(ids(shipped)? == ["ord_004"], "filtered by state")?;
    let due_soon = OrderQuery {
        due_before: Some(t0() + Duration::hours(1)),
        ..OrderQuery::default()
    };
    rule(ids(due_soon)? == ["ord_002"], "only orders due by then")?;
    let first = find_orders(
        store,
        &OrderQuery {
            limit: Some(2),
            ..OrderQuery::default()
        },
    )?;
    rule(
        first.orders.len() == 2 && first.next.is_some(),
        "a full page says more follow",
    )?;
    let rest = ids(OrderQuery {
        after: first.next,
        ..OrderQuery::default()
    })?;
    rule(
        rest == ["ord_004", "ord_005"],
        "the cursor pages after (created_at, id)",
    )
}

fn find_orders(store: &dyn Store, query: &OrderQuery) -> std::result::Result<OrderPage, String> {
    call(store.find_orders(query), "find orders")
}

/// A subscription to vary, due at `due`, created `created_second` seconds after t0.
fn subscription(
    n: u32,
    due: Option<DateTime<Utc>>,
    created_second: i64,
) -> std::result::Result<Write, String> {
    let plan: crate::billing::Plan = serde_json::from_value(serde_json::json!({
        "id": "pro", "name": "Pro", "currency": "USD", "amount": "30.00",
        "interval": {"unit": "month", "count": 1}
    }))
    .map_err(|e| e.to_string())?;
    let id = smol_str::format_smolstr!("sub_{n:03}");
    let new = crate::billing::NewSubscription {
        id: &id,
        customer_id: "c1",
        plan: &plan,
        quantity: 1,
        mode: crate::billing::BillingMode::Anniversary,
        payment_method: None,
    };
    let created = t0() + Duration::seconds(created_second);
    let (mut subscription, _) = call(
        crate::billing::Subscription::start(new, created, &crate::actor::Actor::System),
        "subscription",
    )?;
    subscription.due_at = due;
    Ok(Write {
        key: DocKey::new(DocKind::Subscription, id),
        expected_version: 0,
        document: Document::Subscription(Box::new(subscription)),
    })
}

/// Subscriptions are listed apart from orders, by the same columns: the scheduler finds the
/// due ones.
fn listing_subscriptions(store: &dyn Store) -> Checked {
    let due = Some(t0() + Duration::minutes(30));
    let writes = vec![
        subscription(1, due, 1)?,
        subscription(2, None, 2)?,
        subscription(3, due, 3)?,
    ];
    call(
        store.commit(changes(writes, &[], None)),
        "subscriptions commit",
    )?;
    let find = |due_before, after| Find {
        kind: DocKind::Subscription,
        customer_id: None,
        state: None,
        due_before,
        after,
        limit: 1,
    };
    let ids = |found: &Found| -> Vec<String> {
        (found.documents.iter())
            .map(|d| match d {
                Document::Subscription(s) => s.id.to_string(),
                other => other.kind().name().to_string(),
            })
            .collect()
    };
    let first = call(
        store.find(&find(Some(t0() + Duration::hours(1)), None)),
        "find",
    )?;
    rule(
        ids(&first) == ["sub_001"] && first.more,
        "only subscriptions, only the due ones, a page at a time",
    )?;
    let rest = call(
        store.find(&find(Some(t0() + Duration::hours(1)), first.after())),
        "find",
    )?;
    rule(
        ids(&rest) == ["sub_003"] && !rest.more,
        "the cursor pages subscriptions after (created_at, id)",
    )?;
    let early = call(store.find(&find(Some(t0()), None)), "find")?;
    rule(early.documents.is_empty(), "none due before their time")
}

/// A real order to vary: placed by an engine on the memory store.
fn template_order() -> std::result::Result<Order, String> {
    let spec: crate::engine::EngineSpec = serde_json::from_value(serde_json::json!({
        "clock": "2026-06-01T00:00:00Z",
        "products": [{"sku": "A", "name": "A", "unit_price": "1.00"}]
    }))
    .map_err(|e| e.to_string())?;
    let engine = call(
        crate::engine::Engine::from_spec(spec, crate::engine::Plugins::default()),
        "engine",
    )?;
    let admin = crate::actor::Actor::Staff {
        id: "contract".into(),
        role: crate::actor::StaffRole::Admin,
    };
    let stock = crate::command::Command::SetStock {
        sku: "A".into(),
        location: None,
        on_hand: 1,
        backorder: false,
        low_stock_threshold: None,
    };
    call(engine.execute(&admin, &stock, None), "stock")?;
    let place: crate::command::PlaceOrder = serde_json::from_value(serde_json::json!({
        "customer_id": "c1", "lines": [{"sku": "A", "quantity": 1}],
        "shipping_address": {"name": "A", "line1": "1", "city": "SF", "postal_code": "94103", "country": "US"}
    }))
    .map_err(|e| e.to_string())?;
    let placed = call(
        engine.place_order(&crate::actor::Actor::customer("c1"), place, None),
        "place",
    )?;
    Ok(Arc::unwrap_or_clone(placed))
}
