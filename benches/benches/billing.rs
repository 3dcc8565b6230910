//! Billing benchmarks (#21 item 10); see benches/README.md for the figures. One renewal —
//! the due period billed (finalized, numbered) and charged, each command committed — beside one
//! order placed with its payment captured, in the same run.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ordercore::actor::Actor;
use ordercore::clock::FixedClock;
use ordercore::command::{Command, CommandOutput};
use ordercore::engine::Engine;
use ordercore_benches::{checkout, engine};

/// Subscriptions made per batch (each renewed once in the timed part).
const BATCH: u64 = 500;

fn billing(c: &mut Criterion) {
    let mut group = c.benchmark_group("billing");
    group.bench_function("renew_and_charge", |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for done in (0..iterations).step_by(BATCH as usize) {
                let (shop, clock, due) = due_subscriptions((iterations - done).min(BATCH));
                clock.set(Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap());
                let start = Instant::now();
                for id in &due {
                    black_box(renew_and_charge(&shop, id));
                }
                spent += start.elapsed();
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

/// An engine with `count` paid monthly subscriptions started Jan 1, 2026 (due Feb 1).
fn due_subscriptions(count: u64) -> (Engine, Arc<FixedClock>, Vec<String>) {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(start));
    let shop = Engine::builder()
        .clock(clock.clone())
        .build()
        .expect("valid engine");
    let plan: Command =
        serde_json::from_value(serde_json::json!({"command": "create_plan", "plan": {
            "id": "team", "name": "Team", "currency": "USD", "amount": "12.00",
            "interval": {"unit": "month", "count": 1}, "pricing": "per_seat"
        }}))
        .expect("valid plan");
    shop.execute(&Actor::admin("bench"), &plan, None)
        .expect("a new plan");
    let ids = (0..count)
        .map(|i| {
            let customer = format!("c{i}");
            let subscribe: Command = serde_json::from_value(serde_json::json!({
                "command": "subscribe", "customer_id": customer, "plan_id": "team", "quantity": 3
            }))
            .expect("valid subscribe");
            let Ok(CommandOutput::Subscription(subscription)) =
                shop.execute(&Actor::customer(customer.clone()), &subscribe, None)
            else {
                panic!("subscribes");
            };
            let pay = Command::PayInvoice {
                invoice_id: subscription.latest_invoice.clone().expect("invoiced"),
                method: Default::default(),
            };
            shop.execute(&Actor::System, &pay, None).expect("paid");
            subscription.id.to_string()
        })
        .collect();
    (shop, clock, ids)
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = billing
}
criterion_main!(benches);
