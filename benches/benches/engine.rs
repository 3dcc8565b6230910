//! Engine benchmarks; see benches/README.md for the figures.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use ordercore::actor::Actor;
use ordercore_benches::{checkout, engine};

fn lifecycle(c: &mut Criterion) {
    let engine = engine(20, i64::MAX / 4);
    let admin = Actor::admin("bench");
    let customer = Actor::customer("c1");
    let twenty = checkout("c1", 20);
    let mut group = c.benchmark_group("lifecycle");
    group.bench_function("place_20_lines_capture_ship_deliver", |b| {
        b.iter(|| {
            let order = engine.place_order(&customer, twenty.clone(), None).unwrap();
            let order = engine.ship_order(&admin, &order.id, None, None).unwrap();
            black_box(engine.deliver_order(&admin, &order.id, None).unwrap())
        })
    });
    group.bench_function("place_20_lines_only", |b| {
        b.iter(|| black_box(engine.place_order(&customer, twenty.clone(), None).unwrap()))
    });
    group.finish();

    // Two threads reserving one unit each of 10 skus, contending on the same stock documents.
    let contended = engine_with_ten_skus();
    let mut group = c.benchmark_group("reservations");
    group.bench_function("two_threads_ten_skus_per_order", |b| {
        b.iter_custom(|iterations| {
            let start = Instant::now();
            std::thread::scope(|scope| {
                for t in 0..2 {
                    let engine = &contended;
                    scope.spawn(move || {
                        let actor = Actor::customer(format!("c{t}"));
                        for i in 0..iterations / 2 + (iterations % 2) * (t as u64) {
                            let mut order = checkout(&format!("c{t}"), 1);
                            order.lines[0].sku = format!("SKU-{:04}", i % 10).into();
                            order.lines[0].quantity = 1;
                            engine.place_order(&actor, order, None).unwrap();
                        }
                    });
                }
            });
            start.elapsed()
        })
    });
    group.finish();
}

fn engine_with_ten_skus() -> ordercore::engine::Engine {
    engine(10, i64::MAX / 4)
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = lifecycle
}
criterion_main!(benches);
