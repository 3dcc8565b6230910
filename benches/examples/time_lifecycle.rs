//! The 20-line lifecycle (place with capture, ship, deliver) timed in Rust, beside the same
//! lifecycle from Python and Node (`benches/lifecycle/run.sh`). `time_lifecycle fixture`
//! prints the engine's configuration and the checkout as the bindings take them (JSON), so all
//! three run the same order; `time_lifecycle [rounds]` prints the median µs per lifecycle.
use std::time::Instant;

use ordercore::actor::Actor;
use ordercore_benches::{USD_20, checkout, engine, promotions};

const SKUS: usize = 20;
const BATCH: usize = 200;

fn main() {
    let mut args = std::env::args().skip(1);
    let first = args.next().unwrap_or_default();
    if first == "fixture" {
        return println!("{}", fixture());
    }
    let rounds: usize = first.parse().unwrap_or(15);
    let engine = engine(SKUS, i64::MAX / 4);
    let (admin, customer) = (Actor::admin("p"), Actor::customer("c1"));
    let twenty = checkout("c1", SKUS);
    let batch = || {
        let start = Instant::now();
        for _ in 0..BATCH {
            let order = engine.place_order(&customer, twenty.clone(), None).unwrap();
            let order = engine.ship_order(&admin, &order.id, None, None).unwrap();
            std::hint::black_box(engine.deliver_order(&admin, &order.id, None).unwrap());
        }
        start.elapsed().as_secs_f64() * 1e6 / BATCH as f64
    };
    batch(); // warm-up
    let mut times: Vec<f64> = (0..rounds).map(|_| batch()).collect();
    times.sort_by(f64::total_cmp);
    println!("{:.2}", times[times.len() / 2]);
}

/// `{"config", "place"}`: the engine `ordercore_benches::engine(20, …)` builds, as the
/// configuration document the bindings take, and its 20-line checkout.
fn fixture() -> serde_json::Value {
    let products: Vec<serde_json::Value> = (0..SKUS)
        .map(|i| {
            let (price, _) = USD_20[i % USD_20.len()];
            serde_json::json!({"sku": format!("SKU-{i:04}"), "unit_price": price, "weight": "0.2"})
        })
        .collect();
    serde_json::json!({
        "config": {
            "products": products,
            "promotions": promotions(0),
            "tax_rules": [{"id": "us-tx", "name": "TX", "country": "US", "percentage": "8.25"}]
        },
        "place": checkout("c1", SKUS),
        "skus": (0..SKUS).map(|i| format!("SKU-{i:04}")).collect::<Vec<_>>()
    })
}
