//! The PostgreSQL store on a real PostgreSQL (`DATABASE_URL`; the test command starts a
//! throwaway one): a lifecycle with idempotent replay, listing and the outbox; a refused commit
//! leaving nothing; migrations racing; eight threads racing for the same stock; eight processes'
//! ticks billing due subscriptions at once. Each test works in a schema of its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ordercore::actor::{Actor, StaffRole};
use ordercore::command::{Command, PlaceOrder, Query, QueryOutput};
use ordercore::engine::{Engine, EngineSpec, Plugins};
use ordercore::store::{ChangeSet, DocKey, DocKind, Store};
use ordercore_postgres::{Config, PostgresStore};

/// A store in a fresh schema `name`, migrated; `None` without `DATABASE_URL` (unless the test
/// command requires PostgreSQL, then it fails).
fn store(name: &str) -> Option<PostgresStore> {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        assert!(
            std::env::var("ORDERCORE_REQUIRE_POSTGRES").is_err(),
            "DATABASE_URL is not set"
        );
        eprintln!("skipped: no DATABASE_URL");
        return None;
    };
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
        ))
        .unwrap();
    let mut config: Config = url.parse().unwrap();
    config.options(&format!("-c search_path={name}"));
    let store = PostgresStore::from_config(config);
    store.migrate().unwrap();
    Some(store)
}

fn engine(store: PostgresStore) -> Engine {
    let spec: EngineSpec = serde_json::from_value(serde_json::json!({
        "clock": "2026-06-01T12:00:00Z",
        "products": [{"sku": "A", "name": "Alpha", "unit_price": "10.00"}]
    }))
    .unwrap();
    Engine::from_spec(spec, Plugins::store(Arc::new(store))).unwrap()
}

fn admin() -> Actor {
    Actor::Staff {
        id: "ops".into(),
        role: StaffRole::Admin,
    }
}

fn set_stock(engine: &Engine, on_hand: i64) {
    let command = Command::SetStock {
        sku: "A".into(),
        location: None,
        on_hand,
        backorder: false,
        low_stock_threshold: None,
    };
    engine.execute(&admin(), &command, None).unwrap();
}

fn checkout(customer: &str, quantity: i64) -> PlaceOrder {
    serde_json::from_value(serde_json::json!({
        "customer_id": customer, "lines": [{"sku": "A", "quantity": quantity}],
        "shipping_address": {"name": "Ada", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"},
        "payment": {"method": "card"}
    }))
    .unwrap()
}

#[test]
fn a_lifecycle_with_replay_listing_and_the_outbox() {
    let Some(store) = store("rs_lifecycle") else {
        return;
    };
    let engine = engine(store);
    set_stock(&engine, 5);
    let c1 = Actor::customer("c1");
    let first = engine
        .place_order(&c1, checkout("c1", 2), Some("k1"))
        .unwrap();
    let again = engine
        .place_order(&c1, checkout("c1", 2), Some("k1"))
        .unwrap();
    assert_eq!(first, again, "replayed from the idempotency record");
    for i in 0..3 {
        engine
            .place_order(&c1, checkout("c1", 1), Some(&format!("more-{i}")))
            .unwrap();
    }
    let page = |after: Option<String>| {
        let query = Query::ListOrders(ordercore::store::OrderQuery {
            limit: Some(3),
            after,
            ..Default::default()
        });
        match engine.query(&c1, &query).unwrap() {
            QueryOutput::Orders(page) => page,
            other => panic!("{other:?}"),
        }
    };
    let one = page(None);
    let two = page(one.next.clone());
    assert_eq!((one.orders.len(), two.orders.len(), two.next), (3, 1, None));
    let events = engine.store().pending_events(1000).unwrap();
    assert!(events.windows(2).all(|w| w[0].position < w[1].position));
    engine
        .store()
        .mark_delivered(&events.iter().map(|e| e.position).collect::<Vec<_>>())
        .unwrap();
    assert!(engine.store().pending_events(10).unwrap().is_empty());
}

#[test]
fn a_refused_commit_leaves_nothing_behind() {
    let Some(store) = store("rs_refused") else {
        return;
    };
    let stock = DocKey::new(DocKind::Stock, "A@main");
    let engine = engine(store);
    set_stock(&engine, 5);
    let store = engine.store().clone();
    let stored = store.load(&stock).unwrap().unwrap();
    // The insert runs first, then the stale update refuses the whole change set.
    let mut stale = ChangeSet::default();
    stale.writes.push(ordercore::store::Write {
        key: DocKey::new(DocKind::Stock, "B@main"),
        expected_version: 0,
        document: stored.value.clone(),
    });
    stale.writes.push(ordercore::store::Write {
        key: stock.clone(),
        expected_version: stored.version - 1,
        document: stored.value.clone(),
    });
    let event = store.pending_events(1).unwrap()[0].event.clone();
    stale.events.push(event);
    stale.idempotency = Some(ordercore::store::IdempotencyRecord {
        key: "refused".into(),
        fingerprint: "f".into(),
        outcome: Ok(serde_json::Value::Null),
        at: "2026-06-01T12:00:00Z".parse().unwrap(),
    });
    let before = engine.store().pending_events(100).unwrap().len();
    assert_eq!(store.commit(stale).unwrap_err().code(), "version_conflict");
    assert!(
        store
            .load(&DocKey::new(DocKind::Stock, "B@main"))
            .unwrap()
            .is_none()
    );
    assert_eq!(engine.store().pending_events(100).unwrap().len(), before);
    assert!(store.idempotency("refused").unwrap().is_none());
}

#[test]
fn migrations_race_and_apply_once() {
    let Some(store) = store("rs_migrations") else {
        return;
    };
    let store = Arc::new(store);
    std::thread::scope(|s| {
        for _ in 0..4 {
            let store = store.clone();
            s.spawn(move || store.migrate().unwrap());
        }
    });
    let url = std::env::var("DATABASE_URL").unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let count: i64 = client
        .query_one(
            "SELECT count(*) FROM rs_migrations.ordercore_migrations",
            &[],
        )
        .unwrap()
        .get(0);
    let shipped = std::fs::read_dir("migrations").unwrap().count();
    assert_eq!(
        count,
        i64::try_from(shipped).unwrap(),
        "each migration once"
    );
}

#[test]
fn the_counters_migration_moves_the_counts_out_of_older_documents() {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        return;
    };
    // A database at the first migration, with documents as the engine wrote them then.
    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    db.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS rs_upgrade CASCADE; CREATE SCHEMA rs_upgrade;
             SET search_path = rs_upgrade;
             {}
             CREATE TABLE ordercore_migrations (version text PRIMARY KEY,
               applied_at timestamptz NOT NULL DEFAULT now());
             INSERT INTO ordercore_migrations (version) VALUES ('0001_initial');",
        include_str!("../migrations/0001_initial.sql")
    ))
    .unwrap();
    let old_stock = r#"{"kind":"stock","body":{"sku":"A","location":"main","on_hand":5,"reserved":2,"backorder":false,"low_stock_threshold":null,"event_sequence":3}}"#;
    let old_usage = r#"{"kind":"promotion_usage","body":{"promotion_id":"p/1","total":3,"by_customer":{"c1":2,"c/2":1}}}"#;
    db.execute(
        "INSERT INTO rs_upgrade.documents (kind, id, version, body)
             VALUES ('stock', 'A@main', 4, $1), ('promotion_usage', 'p/1', 3, $2)",
        &[&old_stock, &old_usage],
    )
    .unwrap();
    let mut config: Config = url.parse().unwrap();
    config.options("-c search_path=rs_upgrade");
    let store = PostgresStore::from_config(config);
    store.migrate().unwrap();
    let names = [
        "available/A@main",
        "reserved/A@main",
        "promotion_uses/p%2F1",
        "promotion_customer_uses/p%2F1/c1",
        "promotion_customer_uses/p%2F1/c%2F2",
    ]
    .map(|name| ordercore::store::CounterKey::parse(name).unwrap());
    assert_eq!(store.counters(&names).unwrap(), [3, 2, 3, 2, 1]);
    let usages: i64 = db
        .query_one(
            "SELECT count(*) FROM rs_upgrade.documents WHERE kind = 'promotion_usage'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(usages, 0, "the usage documents are gone");
    let engine = engine(store);
    let QueryOutput::Stock(items) = engine
        .query(&admin(), &Query::StockLevels { sku: "A".into() })
        .unwrap()
    else {
        panic!()
    };
    let item = &items[0];
    assert_eq!(
        (item.on_hand, item.reserved, item.event_sequence),
        (5, 2, 3)
    );
}

#[test]
fn eight_threads_racing_for_forty_units_sell_exactly_forty_with_no_conflict() {
    let Some(store) = store("rs_race") else {
        return;
    };
    let engine = engine(store);
    set_stock(&engine, 40);
    let (sold, short) = (AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|s| {
        for t in 0..8 {
            let (engine, sold, short) = (&engine, &sold, &short);
            s.spawn(move || {
                for i in 0..10 {
                    // Checkouts take units by guarded deltas: none conflicts with another, and
                    // the losers of the last units are answered `insufficient_stock` at once.
                    let customer = format!("c{t}-{i}");
                    let key = format!("checkout-{customer}");
                    let place = checkout(&customer, 1);
                    match engine.place_order(&Actor::customer(&customer), place, Some(&key)) {
                        Ok(_) => sold.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            assert_eq!(e.code(), "insufficient_stock", "{e:?}");
                            short.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }
            });
        }
    });
    assert_eq!((sold.into_inner(), short.into_inner()), (40, 40));
    let levels = engine
        .query(&admin(), &Query::StockLevels { sku: "A".into() })
        .unwrap();
    let QueryOutput::Stock(items) = levels else {
        panic!()
    };
    assert_eq!(
        (items[0].on_hand, items[0].reserved),
        (40, 40),
        "none oversold"
    );
}

#[test]
fn the_store_keeps_the_store_contract() {
    let Some(store) = store("rs_contract") else {
        return;
    };
    ordercore::store_contract::check(&store).unwrap();
}

/// An engine on `store` at `clock` with ids of its own (`seed`: as processes have) and the
/// shared provider.
fn billing_engine(
    store: PostgresStore,
    clock: &str,
    seed: u64,
    gateway: &Arc<ordercore::payment::FakePaymentGateway>,
) -> Engine {
    let spec: EngineSpec =
        serde_json::from_value(serde_json::json!({"clock": clock, "id_seed": seed})).unwrap();
    let plugins = Plugins {
        store: Some(Arc::new(store)),
        gateway: Some(gateway.clone()),
        ..Plugins::default()
    };
    Engine::from_spec(spec, plugins).unwrap()
}

#[test]
fn eight_processes_ticking_at_once_bill_and_charge_each_due_period_once() {
    let Some(store) = store("rs_ticks") else {
        return;
    };
    let gateway = Arc::new(ordercore::payment::FakePaymentGateway::new());
    let first = billing_engine(store, "2026-01-31T09:00:00Z", 100, &gateway);
    let plan: Command =
        serde_json::from_value(serde_json::json!({"command": "create_plan", "plan": {
            "id": "pro", "name": "Pro", "currency": "USD", "amount": "12.00",
            "interval": {"unit": "month", "count": 1}
        }}))
        .unwrap();
    first.execute(&admin(), &plan, None).unwrap();
    let subscriptions: Vec<String> = (0..30)
        .map(|i| {
            let customer = format!("c{i}");
            let subscribe: Command = serde_json::from_value(serde_json::json!({
                "command": "subscribe", "customer_id": customer, "plan_id": "pro",
                "payment_method": "card"
            }))
            .unwrap();
            match first.execute(&Actor::customer(&customer), &subscribe, None) {
                Ok(ordercore::command::CommandOutput::Subscription(s)) => s.id.to_string(),
                other => panic!("subscribes: {other:?}"),
            }
        })
        .collect();
    assert_eq!(first.tick(&Actor::System).unwrap().billing.len(), 30);
    // Jan 31's anchor renews on Feb 28: eight processes tick at once, each its own connection.
    std::thread::scope(|s| {
        for seed in 0..8 {
            let gateway = &gateway;
            s.spawn(move || {
                let store = store_in("rs_ticks");
                let engine = billing_engine(store, "2026-02-28T09:00:00Z", seed, gateway);
                engine.tick(&Actor::System).unwrap();
            });
        }
    });
    // A step that lost every race is the next tick's.
    let last = billing_engine(store_in("rs_ticks"), "2026-02-28T09:00:00Z", 99, &gateway);
    last.tick(&Actor::System).unwrap();
    for id in &subscriptions {
        let query: Query = serde_json::from_value(
            serde_json::json!({"query": "list_invoices", "subscription_id": id}),
        )
        .unwrap();
        let Ok(QueryOutput::Invoices(page)) = last.query(&Actor::System, &query) else {
            panic!("list_invoices answers a page");
        };
        let states: Vec<_> = page.invoices.iter().map(|i| i.state).collect();
        let paid = ordercore::billing::InvoiceState::Paid;
        assert_eq!(
            states,
            [paid, paid],
            "{id}: one invoice per period, each paid"
        );
    }
    assert_eq!(
        gateway.captured_total(),
        rust_decimal::Decimal::from(720),
        "60 invoices of 12.00, each charged once"
    );
}

/// Another connection to the schema `name` (made by [`store`]).
fn store_in(name: &str) -> PostgresStore {
    let url = std::env::var("DATABASE_URL").unwrap();
    let mut config: Config = url.parse().unwrap();
    config.options(&format!("-c search_path={name}"));
    PostgresStore::from_config(config)
}
