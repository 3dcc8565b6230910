//! Stores 100,000 orders (3 lines each, paid, in the memory store) and prints the process's peak
//! resident memory (VmHWM from /proc/self/status).
use ordercore::actor::Actor;
use ordercore_benches::{checkout, engine, peak_rss_kib};

fn main() {
    let orders: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let engine = engine(3, i64::MAX / 4);
    let customer = Actor::customer("c1");
    let before = peak_rss_kib();
    let start = std::time::Instant::now();
    for i in 0..orders {
        let mut order = checkout("c1", 3);
        order.customer_id = format!("c{}", i % 1000).into();
        engine
            .place_order(&Actor::customer(order.customer_id.clone()), order, None)
            .unwrap();
    }
    let _ = customer;
    let peak = peak_rss_kib();
    println!(
        "{orders} orders stored in {:.1} s; peak RSS {:.1} MiB ({:.1} MiB before), {:.1} KiB per order",
        start.elapsed().as_secs_f64(),
        peak as f64 / 1024.0,
        before as f64 / 1024.0,
        (peak - before) as f64 / orders as f64
    );
}
