//! Runs the 20-line lifecycle (place, ship, deliver) many times, for profilers.
use ordercore::actor::Actor;
use ordercore_benches::{checkout, engine};

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    let engine = engine(20, i64::MAX / 4);
    let (admin, customer) = (Actor::admin("p"), Actor::customer("c1"));
    // Built once and cloned, as the criterion bench does: the fixture is not the engine's work.
    let twenty = checkout("c1", 20);
    for _ in 0..runs {
        let order = engine.place_order(&customer, twenty.clone(), None).unwrap();
        let order = engine.ship_order(&admin, &order.id, None, None).unwrap();
        std::hint::black_box(engine.deliver_order(&admin, &order.id, None).unwrap());
    }
}
