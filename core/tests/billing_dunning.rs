//! The scheduler's billing: `tick` charges new invoices with the subscription's payment method,
//! renews due periods, announces trial ends, retries declined charges on the dunning schedule
//! and then gives up (canceled or unpaid, as configured), expires incomplete subscriptions — and
//! racing ticks of many processes bill and charge each period once.

mod common;

use std::thread;

use chrono::Duration;
use common::*;
use ordercore::actor::Actor;
use ordercore::billing::{AfterRetries, Invoice, InvoiceState, Subscription, SubscriptionState};
use ordercore::command::{Command, CommandOutput, Query, QueryOutput, TickReport};
use ordercore::engine::EngineConfig;
use ordercore::payment::Scripted;

fn with_plan(config: EngineConfig, trial_days: u32) -> Shop {
    let shop = shop_with(config);
    let plan = serde_json::json!({"command": "create_plan", "plan": {
        "id": "pro", "name": "Pro", "currency": "USD", "amount": "30.00",
        "interval": {"unit": "month", "count": 1}, "trial_days": trial_days
    }});
    let plan: Command = serde_json::from_value(plan).unwrap();
    shop.engine.execute(&admin(), &plan, None).unwrap();
    shop
}

fn subscribe(shop: &Shop, customer_id: &str, card: bool) -> Box<Subscription> {
    let mut command =
        serde_json::json!({"command": "subscribe", "customer_id": customer_id, "plan_id": "pro"});
    if card {
        command["payment_method"] = "card".into();
    }
    let command: Command = serde_json::from_value(command).unwrap();
    match shop.engine.execute(&customer(customer_id), &command, None) {
        Ok(CommandOutput::Subscription(subscription)) => subscription,
        other => panic!("subscribe answers the subscription: {other:?}"),
    }
}

fn get(shop: &Shop, id: &str) -> Box<Subscription> {
    let query = Query::GetSubscription {
        subscription_id: id.into(),
    };
    match shop.engine.query(&Actor::System, &query) {
        Ok(QueryOutput::Subscription(subscription)) => subscription,
        other => panic!("get_subscription answers the subscription: {other:?}"),
    }
}

fn invoice(shop: &Shop, id: &str) -> Box<Invoice> {
    let query = Query::GetInvoice {
        invoice_id: id.into(),
    };
    match shop.engine.query(&Actor::System, &query) {
        Ok(QueryOutput::Invoice(invoice)) => invoice,
        other => panic!("get_invoice answers the invoice: {other:?}"),
    }
}

fn invoice_state(shop: &Shop, id: &str) -> InvoiceState {
    invoice(shop, id).state
}

/// The provider's failure webhook for the invoice's pending charge.
fn failure_webhook(shop: &Shop, invoice_id: &str, event_id: &str) -> Command {
    let reference = invoice(shop, invoice_id).payment_reference.unwrap();
    serde_json::from_value(serde_json::json!({
        "command": "payment_webhook", "provider": "fake", "event_id": event_id,
        "reference": reference, "outcome": "failed", "reason": "insufficient_funds",
        "invoice_id": invoice_id
    }))
    .unwrap()
}

fn tick(shop: &Shop) -> TickReport {
    shop.engine.tick(&Actor::System).unwrap()
}

fn steps(report: &TickReport) -> Vec<&str> {
    report.billing.iter().map(|s| s.step.as_str()).collect()
}

fn decline() -> Scripted {
    Scripted::Decline {
        reason: "card_declined".into(),
    }
}

/// A card subscription of c1 whose first renewal was declined (its first invoice paid).
fn renewal_declined(shop: &Shop) -> Box<Subscription> {
    let subscription = subscribe(shop, "c1", true);
    tick(shop);
    shop.clock.set(subscription.current_period_end);
    shop.gateway.script([decline()]);
    tick(shop);
    subscription
}

#[test]
fn the_scheduler_charges_the_first_invoice_then_renews_and_charges_each_period() {
    let shop = with_plan(config(), 0);
    let subscription = subscribe(&shop, "c1", true);
    assert_eq!(subscription.due_at, Some(t0()), "due at once: its invoice");
    let first = tick(&shop);
    assert_eq!(steps(&first), ["paid"]);
    assert!(first.failed.is_empty());
    assert_eq!(
        get(&shop, &subscription.id).state,
        SubscriptionState::Active
    );
    assert!(
        steps(&tick(&shop)).is_empty(),
        "a second tick finds nothing due"
    );
    shop.clock.set(subscription.current_period_end);
    let renewal = tick(&shop);
    assert_eq!(
        steps(&renewal),
        ["renewed", "paid"],
        "billed and charged in one tick"
    );
    assert_eq!(shop.gateway.captured_total(), d("60.00"));
    let renewed = get(&shop, &subscription.id);
    assert_eq!((renewed.next_period, renewed.collecting.clone()), (2, None));
    assert_eq!(renewed.due_at, Some(renewed.current_period_end));
}

#[test]
fn a_declined_renewal_is_retried_on_the_schedule_then_the_subscription_is_canceled() {
    let shop = with_plan(config(), 0);
    let subscription = subscribe(&shop, "c1", true);
    tick(&shop);
    let renewal_at = subscription.current_period_end;
    shop.clock.set(renewal_at);
    shop.gateway.script(std::iter::repeat_with(decline).take(5));
    assert_eq!(steps(&tick(&shop)), ["renewed", "declined"]);
    let past_due = get(&shop, &subscription.id);
    assert_eq!(past_due.state, SubscriptionState::PastDue);
    let invoice = past_due.latest_invoice.clone().unwrap();
    // Retries 1, 3, 5 and 7 days after each declined attempt; nothing in between.
    let mut at = renewal_at;
    for days in [1, 3, 5, 7] {
        shop.clock
            .set(at + Duration::days(days) - Duration::seconds(1));
        assert!(
            steps(&tick(&shop)).is_empty(),
            "not before the retry is due"
        );
        at += Duration::days(days);
        shop.clock.set(at);
        assert_eq!(steps(&tick(&shop)), ["declined"]);
    }
    let ended = get(&shop, &subscription.id);
    assert_eq!(
        (ended.state, ended.due_at),
        (SubscriptionState::Canceled, None)
    );
    assert_eq!(invoice_state(&shop, &invoice), InvoiceState::Uncollectible);
    assert_eq!(
        shop.gateway.captured_total(),
        d("30.00"),
        "only the first period"
    );
    let names = shop.event_names();
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "invoice_payment_failed")
            .count(),
        5
    );
    assert!(names.contains(&"subscription_canceled".to_string()));
    let past_due = names.iter().filter(|n| *n == "subscription_past_due");
    assert_eq!(past_due.count(), 1, "once, when it became past due");
}

#[test]
fn configured_as_unpaid_the_invoice_stays_open_and_paying_it_recovers_the_subscription() {
    let mut config = config();
    config.billing.dunning.after_retries = AfterRetries::Unpaid;
    config.billing.dunning.retry_days = vec![2];
    let shop = with_plan(config, 0);
    let subscription = subscribe(&shop, "c1", true);
    tick(&shop);
    shop.clock.set(subscription.current_period_end);
    shop.gateway.script([decline(), decline()]);
    tick(&shop);
    shop.clock
        .set(subscription.current_period_end + Duration::days(2));
    assert_eq!(steps(&tick(&shop)), ["declined"]);
    let unpaid = get(&shop, &subscription.id);
    assert_eq!(
        (unpaid.state, unpaid.due_at),
        (SubscriptionState::Unpaid, None)
    );
    let invoice = unpaid.latest_invoice.clone().unwrap();
    assert_eq!(invoice_state(&shop, &invoice), InvoiceState::Open);
    let pay = Command::PayInvoice {
        invoice_id: invoice.clone(),
        method: Default::default(),
    };
    shop.engine.execute(&customer("c1"), &pay, None).unwrap();
    assert_eq!(
        get(&shop, &subscription.id).state,
        SubscriptionState::Active
    );
}

#[test]
fn a_retry_that_is_approved_recovers_the_subscription_and_stops_the_retries() {
    let shop = with_plan(config(), 0);
    let subscription = renewal_declined(&shop);
    shop.clock
        .set(subscription.current_period_end + Duration::days(1));
    assert_eq!(steps(&tick(&shop)), ["paid"]);
    let recovered = get(&shop, &subscription.id);
    assert_eq!(recovered.state, SubscriptionState::Active);
    assert_eq!(recovered.collecting, None);
    assert_eq!(recovered.due_at, Some(recovered.current_period_end));
}

#[test]
fn a_timeout_is_retried_by_the_next_tick_under_the_same_key_and_charges_once() {
    let shop = with_plan(config(), 0);
    let subscription = subscribe(&shop, "c1", true);
    shop.gateway.script([Scripted::TimeoutAfterSuccess]);
    let first = tick(&shop);
    assert_eq!(first.failed.len(), 1, "the charge's answer was lost");
    assert_eq!(first.failed[0].1, "gateway_unavailable");
    assert_eq!(steps(&tick(&shop)), ["paid"]);
    assert_eq!(shop.gateway.captured_total(), d("30.00"));
    assert_eq!(
        get(&shop, &subscription.id).state,
        SubscriptionState::Active
    );
}

#[test]
fn the_trial_end_is_announced_once_before_the_first_period_is_billed_and_charged() {
    let shop = with_plan(config(), 14);
    let subscription = subscribe(&shop, "c1", true);
    let trial_end = subscription.trial_end.unwrap();
    assert_eq!(subscription.due_at, Some(trial_end - Duration::days(3)));
    shop.clock.set(trial_end - Duration::days(3));
    assert_eq!(steps(&tick(&shop)), ["trial_will_end"]);
    assert!(steps(&tick(&shop)).is_empty(), "announced once");
    shop.clock.set(trial_end);
    assert_eq!(steps(&tick(&shop)), ["renewed", "paid"]);
    let names = shop.event_names();
    assert_eq!(names.iter().filter(|n| *n == "trial_will_end").count(), 1);
    assert_eq!(
        get(&shop, &subscription.id).state,
        SubscriptionState::Active
    );
}

#[test]
fn an_incomplete_subscription_expires_after_its_deadline_and_its_invoice_is_voided() {
    let shop = with_plan(config(), 0);
    let subscription = subscribe(&shop, "c1", false);
    assert!(
        steps(&tick(&shop)).is_empty(),
        "no payment method: nothing to charge"
    );
    shop.clock.set(t0() + Duration::hours(23));
    assert_eq!(steps(&tick(&shop)), ["expired"]);
    let expired = get(&shop, &subscription.id);
    assert_eq!(expired.state, SubscriptionState::IncompleteExpired);
    let invoice = expired.latest_invoice.clone().unwrap();
    assert_eq!(invoice_state(&shop, &invoice), InvoiceState::Void);
}

#[test]
fn an_invoice_paid_meanwhile_is_dropped_from_collection_not_charged_again() {
    let shop = with_plan(config(), 0);
    let subscription = subscribe(&shop, "c1", true);
    let pay = Command::PayInvoice {
        invoice_id: subscription.latest_invoice.clone().unwrap(),
        method: Default::default(),
    };
    shop.engine.execute(&customer("c1"), &pay, None).unwrap();
    assert!(
        steps(&tick(&shop)).is_empty(),
        "paying it ended its collection"
    );
    let void = Command::VoidInvoice {
        invoice_id: subscription.latest_invoice.clone().unwrap(),
    };
    let refused = shop.engine.execute(&admin(), &void, None);
    assert!(refused.is_err(), "a paid invoice is not voided");
    assert_eq!(shop.gateway.captured_total(), d("30.00"));
}

#[test]
fn racing_ticks_from_eight_threads_bill_and_charge_each_due_period_once() {
    let shop = with_plan(config(), 0);
    let subscriptions: Vec<_> = (0..40)
        .map(|i| subscribe(&shop, &format!("c{i}"), true))
        .collect();
    tick(&shop);
    shop.clock.set(subscriptions[0].current_period_end);
    thread::scope(|scope| {
        for _ in 0..8 {
            let engine = &shop.engine;
            scope.spawn(move || engine.tick(&Actor::System).unwrap());
        }
    });
    // What a tick left (a step whose retries all lost) the next one takes.
    tick(&shop);
    let finalized = (shop.store.all_events().iter())
        .filter(|event| event.payload.name() == "invoice_finalized")
        .count();
    assert_eq!(
        finalized, 80,
        "each subscription's first period and one renewal"
    );
    assert_eq!(
        shop.gateway.captured_total(),
        d("2400.00"),
        "80 invoices, once each"
    );
    for subscription in &subscriptions {
        let renewed = get(&shop, &subscription.id);
        assert_eq!(
            (renewed.next_period, renewed.state),
            (2, SubscriptionState::Active)
        );
    }
}

#[test]
fn a_pending_charge_waits_for_its_webhook_and_a_failure_there_resumes_the_dunning() {
    let shop = with_plan(config(), 0);
    let subscription = subscribe(&shop, "c1", true);
    tick(&shop);
    shop.clock.set(subscription.current_period_end);
    shop.gateway.script([Scripted::Pending]);
    assert_eq!(steps(&tick(&shop)), ["renewed", "pending"]);
    let waiting = get(&shop, &subscription.id);
    assert_eq!(
        waiting.collecting, None,
        "the webhook settles it, not a charge"
    );
    assert!(steps(&tick(&shop)).is_empty());
    let invoice_id = waiting.latest_invoice.clone().unwrap();
    let webhook = failure_webhook(&shop, &invoice_id, "evt_9");
    shop.engine.execute(&Actor::System, &webhook, None).unwrap();
    let declined = get(&shop, &subscription.id);
    assert_eq!(declined.state, SubscriptionState::PastDue);
    let retry = declined.collecting.clone().expect("collected again");
    assert_eq!(
        retry.next_attempt_at,
        subscription.current_period_end + Duration::days(1)
    );
    shop.engine.execute(&Actor::System, &webhook, None).unwrap();
    assert_eq!(get(&shop, &subscription.id).collecting, Some(retry.clone()));
    shop.clock.set(retry.next_attempt_at);
    assert_eq!(steps(&tick(&shop)), ["paid"]);
    assert_eq!(
        get(&shop, &subscription.id).state,
        SubscriptionState::Active
    );
    assert_eq!(shop.gateway.captured_total(), d("60.00"));
}

#[test]
fn an_incomplete_subscription_whose_charge_is_pending_waits_for_the_webhook_past_its_deadline() {
    let shop = with_plan(config(), 0);
    let subscription = subscribe(&shop, "c1", false);
    let invoice_id = subscription.latest_invoice.clone().unwrap();
    shop.gateway.script([Scripted::Pending]);
    let pay = Command::PayInvoice {
        invoice_id: invoice_id.clone(),
        method: Default::default(),
    };
    shop.engine.execute(&customer("c1"), &pay, None).unwrap();
    shop.clock.set(t0() + Duration::hours(30));
    let report = tick(&shop);
    assert!(
        steps(&report).is_empty() && report.failed.is_empty(),
        "{report:?}"
    );
    let webhook = failure_webhook(&shop, &invoice_id, "evt_1");
    shop.engine.execute(&Actor::System, &webhook, None).unwrap();
    assert_eq!(
        steps(&tick(&shop)),
        ["expired"],
        "declined: the deadline has passed"
    );
    assert_eq!(invoice_state(&shop, &invoice_id), InvoiceState::Void);
}

#[test]
fn paying_an_older_invoice_leaves_a_subscription_past_due_while_the_newer_is_collected() {
    let shop = with_plan(config(), 0);
    let subscription = renewal_declined(&shop);
    let second = get(&shop, &subscription.id).latest_invoice.unwrap();
    // The next period renews while the second invoice is still owed: collection moves on.
    let renewal = get(&shop, &subscription.id).current_period_end;
    shop.clock.set(renewal);
    shop.gateway.script([decline(), decline()]);
    tick(&shop);
    let past_due = get(&shop, &subscription.id);
    assert_ne!(past_due.latest_invoice.as_deref(), Some(second.as_str()));
    let pay = Command::PayInvoice {
        invoice_id: second.clone(),
        method: Default::default(),
    };
    shop.engine.execute(&customer("c1"), &pay, None).unwrap();
    assert_eq!(invoice_state(&shop, &second), InvoiceState::Paid);
    assert_eq!(
        get(&shop, &subscription.id).state,
        SubscriptionState::PastDue,
        "the newest invoice is still owed"
    );
}
