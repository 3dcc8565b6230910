//! The SQLite store on real files: the store contract; a lifecycle with idempotent replay,
//! listing and the outbox, read back by a second store on the same file; a refused commit
//! leaving nothing; migrations; two stores on one file (as two processes are) with four threads
//! each racing for the same stock.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ordercore::actor::{Actor, StaffRole};
use ordercore::command::{Command, PlaceOrder, Query, QueryOutput};
use ordercore::engine::{Engine, EngineSpec, Plugins};
use ordercore::store::{ChangeSet, DocKey, DocKind, IdempotencyRecord, Write};
use ordercore_sqlite::SqliteStore;

/// A fresh database file for the test `name`, removed (with its WAL) when dropped.
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("ordercore-sqlite-{}-{name}.db", std::process::id()));
        let db = TempDb(path);
        db.remove();
        db
    }

    fn store(&self) -> SqliteStore {
        let store = SqliteStore::open(&self.0).unwrap();
        store.migrate().unwrap();
        store
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}

/// An engine on `store`; `seed` gives it ids of its own, as each process has.
fn engine(store: SqliteStore, seed: u64) -> Engine {
    let spec: EngineSpec = serde_json::from_value(serde_json::json!({
        "clock": "2026-06-01T12:00:00Z",
        "id_seed": seed,
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

fn stock(engine: &Engine) -> (i64, i64) {
    let QueryOutput::Stock(items) = engine
        .query(&admin(), &Query::StockLevels { sku: "A".into() })
        .unwrap()
    else {
        panic!("not stock levels")
    };
    (items[0].on_hand, items[0].reserved)
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
fn the_store_keeps_the_store_contract() {
    let db = TempDb::new("contract");
    ordercore::store_contract::check(&db.store()).unwrap();
}

#[test]
fn a_lifecycle_with_replay_listing_and_the_outbox_read_back_from_the_file() {
    let db = TempDb::new("lifecycle");
    let engine = engine(db.store(), 1);
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
    // A second store on the file, as another process opens it.
    let other = Engine::from_spec(
        serde_json::from_value(
            serde_json::json!({"products": [{"sku": "A", "name": "Alpha", "unit_price": "10.00"}]}),
        )
        .unwrap(),
        Plugins::store(Arc::new(db.store())),
    )
    .unwrap();
    let page = |after: Option<String>| {
        let query = Query::ListOrders(ordercore::store::OrderQuery {
            limit: Some(3),
            after,
            ..Default::default()
        });
        match other.query(&c1, &query).unwrap() {
            QueryOutput::Orders(page) => page,
            output => panic!("{output:?}"),
        }
    };
    let one = page(None);
    let two = page(one.next.clone());
    assert_eq!((one.orders.len(), two.orders.len(), two.next), (3, 1, None));
    let listed = || one.orders.iter().chain(&two.orders);
    assert!(listed().any(|o| *o == *first), "the first order as placed");
    assert_eq!(stock(&other), (5, 5));
    let events = other.store().pending_events(1000).unwrap();
    assert!(events.windows(2).all(|w| w[0].position < w[1].position));
    let positions: Vec<u64> = events.iter().map(|e| e.position).collect();
    other.store().mark_delivered(&positions).unwrap();
    assert!(engine.store().pending_events(10).unwrap().is_empty());
}

#[test]
fn a_refused_commit_leaves_nothing_behind() {
    let db = TempDb::new("refused");
    let engine = engine(db.store(), 1);
    set_stock(&engine, 5);
    let store = engine.store().clone();
    let stock = DocKey::new(DocKind::Stock, "A@main");
    let stored = store.load(&stock).unwrap().unwrap();
    // The insert runs first, then the stale update refuses the whole change set.
    let mut stale = ChangeSet::default();
    stale.writes.push(Write {
        key: DocKey::new(DocKind::Stock, "B@main"),
        expected_version: 0,
        document: stored.value.clone(),
    });
    stale.writes.push(Write {
        key: stock.clone(),
        expected_version: stored.version - 1,
        document: stored.value.clone(),
    });
    stale
        .events
        .push(store.pending_events(1).unwrap()[0].event.clone());
    stale.idempotency = Some(IdempotencyRecord {
        key: "refused".into(),
        fingerprint: "f".into(),
        outcome: Ok(serde_json::Value::Null),
        at: "2026-06-01T12:00:00Z".parse().unwrap(),
    });
    let before = store.pending_events(100).unwrap().len();
    assert_eq!(store.commit(stale).unwrap_err().code(), "version_conflict");
    let inserted = store.load(&DocKey::new(DocKind::Stock, "B@main")).unwrap();
    assert!(inserted.is_none());
    assert_eq!(store.pending_events(100).unwrap().len(), before);
    assert!(store.idempotency("refused").unwrap().is_none());
}

#[test]
fn migrating_again_changes_nothing_and_another_revision_is_refused() {
    let db = TempDb::new("migrate");
    let store = db.store();
    let engine = engine(store, 1);
    set_stock(&engine, 3);
    let again = SqliteStore::open(&db.0).unwrap();
    again.migrate().unwrap();
    assert_eq!(stock(&engine), (3, 0), "the data stays");
    let file = rusqlite::Connection::open(&db.0).unwrap();
    let updated = file
        .execute("UPDATE alembic_version SET version_num = '0003'", [])
        .unwrap();
    assert_eq!(updated, 1);
    let refused = SqliteStore::open(&db.0).unwrap().migrate().unwrap_err();
    assert_eq!(refused.code(), "provider_error");
    assert!(refused.to_string().contains("revision 0003"), "{refused}");
}

#[test]
fn two_stores_on_one_file_with_four_threads_each_sell_exactly_the_stock() {
    let db = TempDb::new("race");
    // Two engines on two stores of the same file: as two processes of a service are.
    let engines = [engine(db.store(), 1), engine(db.store(), 2)];
    set_stock(&engines[0], 40);
    let (sold, short) = (AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|s| {
        for t in 0..8 {
            let (engine, sold, short) = (&engines[t % 2], &sold, &short);
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
    assert_eq!(stock(&engines[1]), (40, 40), "none oversold");
}
