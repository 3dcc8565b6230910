//! Billing benchmarks (#21 item 10); see benches/README.md for the figures. One renewal —
//! the due period billed (finalized, numbered) and charged, each command committed — and the
//! same done by the scheduler (`tick` over due subscriptions, per subscription), beside one
//! order placed with its payment captured, in the same run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use ordercore::actor::Actor;
use ordercore::command::{Command, CommandOutput};
use ordercore::engine::Engine;
use ordercore_benches::{checkout, engine, renewal_day, subscriptions};

/// Subscriptions made per batch (each renewed once in the timed part).
const BATCH: u64 = 500;

fn billing(c: &mut Criterion) {
    let mut group = c.benchmark_group("billing");
    group.bench_function("renew_and_charge", |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for done in (0..iterations).step_by(BATCH as usize) {
                let (shop, clock, due) = subscriptions((iterations - done).min(BATCH), false);
                clock.set(renewal_day());
                let start = Instant::now();
                for id in &due {
                    black_box(renew_and_charge(&shop, id));
                }
                spent += start.elapsed();
            }
            spent
        })
    });
    group.bench_function("tick_per_due_subscription", |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for done in (0..iterations).step_by(BATCH as usize) {
                let count = (iterations - done).min(BATCH);
                let (shop, clock, _) = subscriptions(count, true);
                clock.set(renewal_day());
                let start = Instant::now();
                let report = black_box(shop.tick(&Actor::System).expect("a tick"));
                spent += start.elapsed();
                assert_eq!(report.billing.len() as u64, 2 * count, "renewed and paid");
            }
            spent
        })
    });
    let shop = engine(1, i64::MAX / 4);
    let customer = Actor::customer("c1");
    let one_line = checkout("c1", 1);
    group.bench_function("place_1_line_with_capture", |b| {
        b.iter(|| black_box(shop.place_order(&customer, one_line.clone(), None).unwrap()))
    });
    group.finish();
}

/// `renew_subscription` then `pay_invoice` on its new invoice, as the scheduler will.
fn renew_and_charge(shop: &Engine, id: &str) -> CommandOutput {
    let renew = Command::RenewSubscription {
        subscription_id: id.into(),
    };
    let Ok(CommandOutput::Subscription(renewed)) = shop.execute(&Actor::System, &renew, None)
    else {
        panic!("a due subscription renews");
    };
    let pay = Command::PayInvoice {
        invoice_id: renewed.latest_invoice.expect("renewed: invoiced"),
        method: Default::default(),
    };
    shop.execute(&Actor::System, &pay, None)
        .expect("the fake gateway approves")
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = billing
}
criterion_main!(benches);
