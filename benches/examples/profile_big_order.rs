//! One order of many lines (place and ship), for profilers: how the engine scales with lines.
use ordercore::actor::Actor;
use ordercore_benches::{checkout, engine};

fn main() {
    let lines: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    let engine = engine(lines, i64::MAX / 4);
    let (admin, customer) = (Actor::admin("p"), Actor::customer("c1"));
    let order = engine
        .place_order(&customer, checkout("c1", lines), None)
        .unwrap();
    std::hint::black_box(engine.ship_order(&admin, &order.id, None, None).unwrap());
}
