//! Subscribing in the engine: the events a subscription and its first invoice emit, and
//! invoice numbers that stay gapless and unique while many processes subscribe at once.

mod common;

use std::thread;

use common::*;
use ordercore::actor::Actor;
use ordercore::billing::Subscription;
use ordercore::command::{Command, CommandOutput, Query, QueryOutput};

fn with_plan() -> Shop {
    let shop = shop();
    let plan = serde_json::json!({"command": "create_plan", "plan": {
        "id": "team", "name": "Team", "currency": "USD", "amount": "12.00",
        "interval": {"unit": "month", "count": 1}, "pricing": "per_seat"
    }});
    let plan: Command = serde_json::from_value(plan).unwrap();
    shop.engine.execute(&admin(), &plan, None).unwrap();
    shop
}

/// `customer_id` subscribed to the plan of [`with_plan`] (2 seats, its first period invoiced).
fn subscribed(shop: &Shop, customer_id: &str) -> Box<Subscription> {
    let answer = (shop.engine).execute(&customer(customer_id), &subscribe(customer_id), None);
    match answer {
        Ok(CommandOutput::Subscription(subscription)) => subscription,
        other => panic!("subscribe answers the subscription: {other:?}"),
    }
}

/// Paying the subscription's latest invoice.
fn pay(subscription: &Subscription) -> Command {
    Command::PayInvoice {
        invoice_id: subscription.latest_invoice.clone().unwrap(),
        method: Default::default(),
    }
}

fn subscribe(customer_id: &str) -> Command {
    let command = serde_json::json!({"command": "subscribe", "customer_id": customer_id, "plan_id": "team", "quantity": 2});
    serde_json::from_value(command).unwrap()
}

#[test]
fn subscribing_announces_the_subscription_and_its_finalized_invoice() {
    let shop = with_plan();
    let subscription = subscribed(&shop, "c1");
    let events = shop.store.all_events();
    let of = |prefix: &str| -> Vec<serde_json::Value> {
        (events.iter())
            .filter(|event| event.aggregate.starts_with(prefix))
            .map(|event| serde_json::to_value(event).unwrap())
            .collect()
    };
    let created = of("subscription/");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["type"], "subscription_created");
    assert_eq!(created[0]["subscription_id"], subscription.id.as_str());
    assert_eq!(
        (
            &created[0]["customer_id"],
            &created[0]["state"],
            &created[0]["sequence"]
        ),
        (
            &serde_json::json!("c1"),
            &serde_json::json!("incomplete"),
            &serde_json::json!(1)
        )
    );
    let finalized = of("invoice/");
    assert_eq!(finalized.len(), 1);
    assert_eq!(finalized[0]["type"], "invoice_finalized");
    assert_eq!(
        (&finalized[0]["number"], &finalized[0]["amount_due"]),
        (
            &serde_json::json!("INV-000001"),
            &serde_json::json!("24.00")
        )
    );
    assert_eq!(
        finalized[0]["invoice_id"].as_str(),
        subscription.latest_invoice.as_deref()
    );
}

#[test]
fn invoice_numbers_stay_gapless_and_unique_under_racing_subscriptions() {
    let shop = with_plan();
    let (threads, each) = (8, 5);
    let invoices: Vec<String> = thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let engine = &shop.engine;
                scope.spawn(move || {
                    (0..each)
                        .map(|i| {
                            let id = format!("c{t}-{i}");
                            // A host retries a command that lost every race.
                            let answer = loop {
                                match engine.execute(&customer(&id), &subscribe(&id), None) {
                                    Err(error) if error.code() == "version_conflict" => continue,
                                    answer => break answer,
                                }
                            };
                            let Ok(CommandOutput::Subscription(subscription)) = answer else {
                                panic!("subscribe answers the subscription: {answer:?}");
                            };
                            subscription.latest_invoice.unwrap().to_string()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let mut numbers: Vec<String> = (invoices.iter())
        .map(|id| {
            let query = Query::GetInvoice {
                invoice_id: id.into(),
            };
            match shop.engine.query(&Actor::System, &query) {
                Ok(QueryOutput::Invoice(invoice)) => invoice.number.unwrap(),
                other => panic!("get_invoice answers the invoice: {other:?}"),
            }
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=threads * each)
        .map(|n| format!("INV-{n:06}"))
        .collect();
    assert_eq!(numbers, expected, "each number once, none skipped");
}

#[test]
fn paying_announces_the_payment_and_activates_the_subscription() {
    let shop = with_plan();
    let subscription = subscribed(&shop, "c1");
    shop.engine
        .execute(&customer("c1"), &pay(&subscription), None)
        .unwrap();
    let names: Vec<(String, &'static str, u64)> = (shop.store.all_events().iter())
        .filter(|event| {
            !event.aggregate.starts_with("plan/") && !event.aggregate.starts_with("stock/")
        })
        .map(|event| {
            (
                event.aggregate.to_string(),
                event.payload.name(),
                event.sequence,
            )
        })
        .collect();
    let (sub, inv) = (
        format!("subscription/{}", subscription.id),
        format!(
            "invoice/{}",
            subscription.latest_invoice.as_deref().unwrap()
        ),
    );
    assert_eq!(
        names,
        [
            (sub.clone(), "subscription_created", 1),
            (inv.clone(), "invoice_finalized", 1),
            (inv, "invoice_paid", 2),
            (sub, "subscription_updated", 2),
        ]
    );
}

#[test]
fn an_invoice_paid_from_many_threads_at_once_is_charged_once() {
    let shop = with_plan();
    let subscription = subscribed(&shop, "c1");
    let invoice_id = subscription.latest_invoice.clone().unwrap();
    let pay = pay(&subscription);
    let answers: Vec<String> = thread::scope(|scope| {
        let payers: Vec<_> = (0..8)
            .map(|_| {
                let (engine, pay) = (&shop.engine, &pay);
                scope.spawn(move || match engine.execute(&customer("c1"), pay, None) {
                    Ok(_) => "paid".to_string(),
                    Err(error) => error.code().to_string(),
                })
            })
            .collect();
        payers.into_iter().map(|p| p.join().unwrap()).collect()
    });
    assert_eq!(
        answers.iter().filter(|a| *a == "paid").count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers
            .iter()
            .all(|a| a == "paid" || a == "invalid_transition")
    );
    let ledger = shop.gateway.ledger_by_payment();
    assert_eq!(
        ledger[invoice_id.as_str()].captured,
        d("24.00"),
        "one charge"
    );
}

#[test]
fn racing_renewals_bill_a_due_period_once() {
    let shop = with_plan();
    let subscription = subscribed(&shop, "c1");
    shop.engine
        .execute(&customer("c1"), &pay(&subscription), None)
        .unwrap();
    shop.clock.set(subscription.current_period_end);
    let renew = Command::RenewSubscription {
        subscription_id: subscription.id.clone(),
    };
    thread::scope(|scope| {
        for _ in 0..8 {
            let (engine, renew) = (&shop.engine, &renew);
            // A host retries a command that lost every race (`version_conflict`).
            scope.spawn(move || {
                while let Err(error) = engine.execute(&Actor::System, renew, None) {
                    assert_eq!(error.code(), "version_conflict");
                }
            });
        }
    });
    let finalized = (shop.store.all_events().iter())
        .filter(|event| event.payload.name() == "invoice_finalized")
        .count();
    assert_eq!(finalized, 2, "the first period's invoice and one renewal's");
    let query = Query::GetSubscription {
        subscription_id: subscription.id.clone(),
    };
    let Ok(QueryOutput::Subscription(renewed)) = shop.engine.query(&Actor::System, &query) else {
        panic!("get_subscription answers the subscription");
    };
    assert_eq!(renewed.next_period, 2);
}
