//! Engine benchmarks; see benches/README.md for the figures.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use ordercore::actor::Actor;
use ordercore::engine::Engine;
use ordercore_benches::{checkout, engine};

fn lifecycle(c: &mut Criterion) {
    let admin = Actor::admin("bench");
    let customer = Actor::customer("c1");
    let twenty = checkout("c1", 20);
    let lifecycle = |engine: &Engine| {
        let order = engine.place_order(&customer, twenty.clone(), None).unwrap();
        let order = engine.ship_order(&admin, &order.id, None, None).unwrap();
        black_box(engine.deliver_order(&admin, &order.id, None).unwrap())
    };
    let mut group = c.benchmark_group("lifecycle");
    group.bench_function("place_20_lines_capture_ship_deliver", |b| {
        b.iter_custom(|iterations| {
            as_a_host_runs_it(iterations, |shop| {
                lifecycle(shop);
            })
        })
    });
    // The same on one store for the whole run with an outbox nobody relays (the figure of
    // sessions 1–8): the store keeps every event too (46 per order), and the time includes the
    // kernel faulting in a heap that grows by ≈ 26 KiB per order, to gigabytes.
    let shop = engine(20, i64::MAX / 4);
    group.bench_function("place_20_lines_capture_ship_deliver_unrelayed", |b| {
        b.iter(|| lifecycle(&shop))
    });
    drop(shop);
    group.bench_function("place_20_lines_only", |b| {
        b.iter_custom(|iterations| {
            as_a_host_runs_it(iterations, |shop| {
                black_box(shop.place_order(&customer, twenty.clone(), None).unwrap());
            })
        })
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

/// Time of `iterations` runs of `body` on a store used as a host uses one: a relay publishes the
/// outbox and marks it delivered (here every 100 orders), so the store holds orders rather than
/// every event ever emitted; and a store holds at most 10,000 orders (a new one after that), so
/// the figure is the engine's work rather than the kernel's faulting in a heap that grows for
/// the whole run. Relaying and new stores are outside the timing.
fn as_a_host_runs_it(iterations: u64, body: impl Fn(&Engine)) -> Duration {
    let mut spent = Duration::ZERO;
    let mut shop = engine(20, i64::MAX / 4);
    for done in (0..iterations).step_by(100) {
        if done % 10_000 == 0 && done > 0 {
            shop = engine(20, i64::MAX / 4);
        }
        let start = Instant::now();
        for _ in 0..(iterations - done).min(100) {
            body(&shop);
        }
        spent += start.elapsed();
        relay(&shop);
    }
    spent
}

/// What a host's outbox relay does: take the pending events (to publish them), mark them delivered.
fn relay(engine: &Engine) {
    let store = engine.store();
    loop {
        let positions: Vec<u64> = store
            .pending_events(1_000)
            .unwrap()
            .iter()
            .map(|entry| entry.position)
            .collect();
        if positions.is_empty() {
            break;
        }
        store.mark_delivered(&positions).unwrap();
    }
}

fn engine_with_ten_skus() -> Engine {
    engine(10, i64::MAX / 4)
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = lifecycle
}
criterion_main!(benches);
