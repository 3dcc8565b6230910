//! Racing checkouts on the thread-safe MemoryStore: guarded counter deltas, optimistic versions
//! and atomic change sets mean the last unit and the last coupon use go to exactly one buyer —
//! and that checkouts of one sku do not conflict with each other.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use common::*;
use ordercore::Decimal;

fn race(
    shop: &Shop,
    threads: usize,
    per_thread: usize,
    coupon: Option<&str>,
) -> (usize, Vec<String>) {
    let wins = AtomicUsize::new(0);
    let errors = std::sync::Mutex::new(Vec::new());
    thread::scope(|scope| {
        for t in 0..threads {
            let (wins, errors) = (&wins, &errors);
            scope.spawn(move || {
                for i in 0..per_thread {
                    let customer_id = format!("c{t}-{i}");
                    let mut p = place(&customer_id, &[("A", 1)]);
                    p.shipping_option = None;
                    p.coupon_codes = coupon.map(|c| vec![c.into()]).unwrap_or_default();
                    match shop.engine.place_order(&customer(&customer_id), p, None) {
                        Ok(_) => {
                            wins.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => errors.lock().unwrap().push(e.code().to_string()),
                    }
                }
            });
        }
    });
    (wins.into_inner(), errors.into_inner().unwrap())
}

#[test]
fn eight_threads_times_a_thousand_checkouts_sell_exactly_the_stock() {
    let shop = shop_with(config());
    shop.stock("A", "east", 100);
    let (wins, errors) = race(&shop, 8, 1_000, None);
    assert_eq!(wins, 100);
    assert_eq!(errors.len(), 7_900);
    assert!(
        errors.iter().all(|e| e == "insufficient_stock"),
        "{:?}",
        errors.iter().find(|e| *e != "insufficient_stock")
    );
    assert_eq!(
        shop.level("A", "east"),
        (100, 100),
        "100 reserved, none oversold"
    );
    // Money moved for exactly the winners (compensated authorizations refunded).
    let per_order = d("11.00");
    assert_eq!(
        shop.gateway.captured_total() - shop.gateway.refunded_total(),
        per_order * Decimal::from(100)
    );
}

#[test]
fn checkouts_of_one_sku_never_conflict_even_with_no_retries() {
    // Without retries a conflict would be answered as `version_conflict`: there is none, since
    // units are taken by guarded deltas, not by rewriting a shared stock document.
    let shop = shop_with(ordercore::engine::EngineConfig {
        max_retries: 0,
        ..config()
    });
    shop.stock("A", "east", 100);
    let (wins, errors) = race(&shop, 8, 250, None);
    assert_eq!(wins, 100);
    let other: Vec<&String> = errors
        .iter()
        .filter(|e| *e != "insufficient_stock")
        .collect();
    assert!(
        other.is_empty(),
        "{} answered {:?}",
        other.len(),
        other.first()
    );
    assert_eq!(shop.level("A", "east"), (100, 100), "none oversold");
}

#[test]
fn racing_checkouts_report_the_low_stock_crossing_exactly_once() {
    let shop = shop();
    let command = ordercore::command::Command::SetStock {
        sku: "A".into(),
        location: Some("east".into()),
        on_hand: 100,
        backorder: false,
        low_stock_threshold: Some(37),
    };
    shop.engine.execute(&admin(), &command, None).unwrap();
    let (wins, errors) = race(&shop, 8, 25, None);
    assert_eq!((wins, errors.len()), (100, 100));
    assert!(
        errors.iter().all(|e| e == "insufficient_stock"),
        "{errors:?}"
    );
    let alerts: Vec<i64> = (shop.store.all_events().iter())
        .filter_map(|e| match e.payload {
            ordercore::event::EventPayload::LowStock { available, .. } => Some(available),
            _ => None,
        })
        .collect();
    assert_eq!(
        alerts,
        [37],
        "one alert, by the checkout that took available to 37"
    );
}

#[test]
fn a_coupon_with_a_usage_limit_is_used_exactly_that_often() {
    let shop = shop_with(config());
    shop.stock("A", "east", 10_000);
    let (wins, errors) = race(&shop, 8, 25, Some("SAVE5"));
    assert_eq!(wins, 20, "usage_limit is 20");
    assert_eq!(errors.len(), 180);
    assert!(errors.iter().all(|e| e == "coupon_rejected"));
    assert_eq!(shop.level("A", "east"), (10_000, 20));
}

/// A checkout of 1 A out of 3 with no retries left, after a rival bought `rival_units`.
fn race_a_rival_for(
    rival_units: i64,
) -> ordercore::Result<std::sync::Arc<ordercore::order::Order>> {
    use std::sync::Arc;
    let store = Arc::new(FaultyStore::default());
    let gateway = Arc::new(ordercore::payment::FakePaymentGateway::new());
    let clock = Arc::new(ordercore::clock::FixedClock::new(t0()));
    let rival = engine_on(
        config(),
        products(),
        promotions(),
        store.inner.clone(),
        &gateway,
        &clock,
    );
    let no_retries = ordercore::engine::EngineConfig {
        max_retries: 0,
        ..config()
    };
    let engine = engine_on(
        no_retries,
        products(),
        promotions(),
        store.clone(),
        &gateway,
        &clock,
    );
    let stock = ordercore::command::Command::SetStock {
        sku: "A".into(),
        location: Some("east".into()),
        on_hand: 3,
        backorder: false,
        low_stock_threshold: None,
    };
    engine.execute(&admin(), &stock, None).unwrap();
    // Between the checkout's read and its write, the rival buys `rival_units` of the 3.
    store.before_commits(move |changes| {
        let places_an_order = changes
            .writes
            .iter()
            .any(|w| w.key.kind == ordercore::store::DocKind::Order);
        if places_an_order {
            rival
                .place_order(
                    &customer("rival"),
                    place("rival", &[("A", rival_units)]),
                    None,
                )
                .unwrap();
        }
        places_an_order
    });
    engine.place_order(&customer("c1"), place("c1", &[("A", 1)]), None)
}

#[test]
fn a_checkout_that_loses_the_last_units_is_insufficient_stock_not_a_conflict() {
    let lost = race_a_rival_for(3).map(|_| ()).unwrap_err();
    assert_eq!(lost.code(), "insufficient_stock");
    // With a unit left, the rival's purchase does not conflict with this one at all: both
    // take units by guarded deltas, and this one commits with no retry.
    let won = race_a_rival_for(2).unwrap();
    assert_eq!(won.allocations[0].quantity, 1);
}
