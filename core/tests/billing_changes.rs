//! Plan and seat changes: prorated by the second at the old and new amounts, invoiced now or
//! next, scheduled for the period's end, or restarting the schedule for a new interval.

use chrono::{DateTime, Utc};
use ordercore::Decimal;
use ordercore::actor::Actor;
use ordercore::billing::{
    BillingMode, Change, LineKind, NewSubscription, Plan, PlanStatus, ProrationBehavior,
    Subscription, SubscriptionAction,
};
use ordercore::money::RoundingMode;

fn plan(id: &str, amount: &str, unit: &str, trial_days: u32) -> Plan {
    serde_json::from_value(serde_json::json!({
        "id": id, "name": id, "currency": "USD", "amount": amount, "pricing": "per_seat",
        "interval": {"unit": unit, "count": 1}, "trial_days": trial_days
    }))
    .unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// Active on `basic` (30.00 a month) since Jan 31 2024, in its second period [Feb 29, Mar 31).
fn subscribed(basic: &Plan) -> Subscription {
    let new = NewSubscription {
        id: "sub_1",
        customer_id: "c1",
        plan: basic,
        quantity: 1,
        mode: BillingMode::Anniversary,
        payment_method: None,
    };
    let (mut sub, _) =
        Subscription::start(new, at("2024-01-31T10:30:00Z"), &Actor::System).unwrap();
    sub.apply(
        SubscriptionAction::Activate,
        at("2024-01-31T10:31:00Z"),
        &Actor::System,
    )
    .unwrap();
    sub.renew(at("2024-02-29T10:30:00Z"), &Actor::System)
        .unwrap();
    sub
}

fn change<'a>(
    from: &'a Plan,
    to: &'a Plan,
    quantity: u32,
    behavior: ProrationBehavior,
    at_period_end: bool,
) -> Change<'a> {
    Change {
        from,
        to,
        quantity,
        behavior,
        at_period_end,
        rounding: RoundingMode::HalfUp,
    }
}

fn amounts(items: &[ordercore::billing::InvoiceItem]) -> Vec<(LineKind, Decimal)> {
    items.iter().map(|i| (i.kind, i.unit_amount)).collect()
}

#[test]
fn an_upgrade_credits_the_old_price_and_charges_the_new_one_by_the_second() {
    let (basic, pro) = (
        plan("basic", "30.00", "month", 0),
        plan("pro", "90.00", "month", 0),
    );
    let mut sub = subscribed(&basic);
    let when = at("2024-03-10T10:30:00Z");
    let bill = sub
        .change(
            change(&basic, &pro, 1, ProrationBehavior::CreateProrations, false),
            when,
            &Actor::System,
        )
        .unwrap();
    // The same figures as tests/vectors/billing/prorations.json's first case.
    let expected = [
        (LineKind::ProrationCredit, "20.32".parse().unwrap()),
        (LineKind::ProrationCharge, "60.97".parse().unwrap()),
    ];
    assert_eq!(amounts(&bill.items), expected);
    assert!(!bill.invoice_now, "on the next invoice");
    assert_eq!(bill.items[0].description, "Unused time on basic");
    assert_eq!(bill.items[1].period.unwrap().start, when);
    assert_eq!(
        (sub.plan_id.as_str(), sub.current_period_end),
        ("pro", at("2024-03-31T10:30:00Z"))
    );
    let mut downgrade = subscribed(&basic);
    let now = downgrade
        .change(
            change(&basic, &pro, 1, ProrationBehavior::AlwaysInvoice, false),
            when,
            &Actor::System,
        )
        .unwrap();
    assert!(now.invoice_now);
    let mut quiet = subscribed(&basic);
    let none = quiet
        .change(
            change(&basic, &pro, 1, ProrationBehavior::None, false),
            when,
            &Actor::System,
        )
        .unwrap();
    assert!(none.items.is_empty());
}

#[test]
fn more_seats_charge_the_added_seats_for_the_remaining_time() {
    let team = plan("team", "10.00", "month", 0);
    let mut sub = subscribed(&team);
    let bill = sub
        .change(
            change(&team, &team, 4, ProrationBehavior::CreateProrations, false),
            at("2024-03-15T22:30:00Z"),
            &Actor::System,
        )
        .unwrap();
    // Half the period left (15.5 of 31 days): credit 1 seat (5.00), charge 4 (20.00): net 3 seats.
    let credit_and_charge: Decimal = bill
        .items
        .iter()
        .map(|i| {
            if i.kind == LineKind::ProrationCredit {
                -i.unit_amount
            } else {
                i.unit_amount
            }
        })
        .sum();
    assert_eq!(credit_and_charge, "15.00".parse::<Decimal>().unwrap());
    assert_eq!(
        amounts(&bill.items)[1],
        (LineKind::ProrationCharge, "20.00".parse().unwrap())
    );
    assert_eq!(sub.quantity, 4);
}

#[test]
fn a_change_at_the_period_end_waits_for_the_renewal() {
    let (basic, pro) = (
        plan("basic", "30.00", "month", 0),
        plan("pro", "90.00", "month", 0),
    );
    let mut sub = subscribed(&basic);
    let bill = sub
        .change(
            change(&basic, &pro, 2, ProrationBehavior::CreateProrations, true),
            at("2024-03-10T00:00:00Z"),
            &Actor::System,
        )
        .unwrap();
    assert!(bill.items.is_empty());
    assert_eq!(
        (sub.plan_id.as_str(), sub.quantity),
        ("basic", 1),
        "unchanged until the period ends"
    );
    let next = sub
        .renew(at("2024-03-31T10:30:00Z"), &Actor::System)
        .unwrap()
        .unwrap();
    assert_eq!(
        (sub.plan_id.as_str(), sub.quantity, next.start),
        ("pro", 2, at("2024-03-31T10:30:00Z"))
    );
    assert!(sub.pending_change.is_none());
}

#[test]
fn a_new_interval_restarts_the_schedule_and_bills_its_first_period_now() {
    let (monthly, yearly) = (
        plan("basic", "30.00", "month", 0),
        plan("basic-yearly", "300.00", "year", 0),
    );
    let mut sub = subscribed(&monthly);
    let when = at("2024-03-10T10:30:00Z");
    let bill = sub
        .change(
            change(
                &monthly,
                &yearly,
                1,
                ProrationBehavior::CreateProrations,
                false,
            ),
            when,
            &Actor::System,
        )
        .unwrap();
    assert!(bill.invoice_now);
    assert_eq!(
        amounts(&bill.items),
        [
            (LineKind::ProrationCredit, "20.32".parse().unwrap()),
            (LineKind::Period, "300.00".parse().unwrap())
        ]
    );
    let first = bill.items[1].period.unwrap();
    assert_eq!(
        (first.index, first.start, first.end),
        (0, when, at("2025-03-10T10:30:00Z"))
    );
    assert_eq!((sub.schedule.start, sub.next_period), (when, 1));
}

#[test]
fn a_change_during_the_trial_bills_nothing() {
    let (trial, pro) = (
        plan("basic", "30.00", "month", 14),
        plan("pro", "90.00", "month", 0),
    );
    let new = NewSubscription {
        id: "s",
        customer_id: "c1",
        plan: &trial,
        quantity: 1,
        mode: BillingMode::Anniversary,
        payment_method: None,
    };
    let (mut sub, _) =
        Subscription::start(new, at("2026-01-01T00:00:00Z"), &Actor::System).unwrap();
    let bill = sub
        .change(
            change(&trial, &pro, 1, ProrationBehavior::AlwaysInvoice, false),
            at("2026-01-05T00:00:00Z"),
            &Actor::System,
        )
        .unwrap();
    assert!(bill.items.is_empty());
    assert_eq!(sub.plan_id.as_str(), "pro");
}

#[test]
fn what_a_change_refuses() {
    let basic = plan("basic", "30.00", "month", 0);
    let euro = Plan {
        currency: "EUR".into(),
        ..plan("euro", "30.00", "month", 0)
    };
    let old = Plan {
        status: PlanStatus::Archived,
        ..plan("old", "10.00", "month", 0)
    };
    let when = at("2024-03-10T00:00:00Z");
    for (to, quantity, field) in [
        (&euro, 1, "plan_id"),
        (&old, 1, "plan_id"),
        (&basic, 0, "quantity"),
    ] {
        let mut sub = subscribed(&basic);
        let error = sub
            .change(
                change(
                    &basic,
                    to,
                    quantity,
                    ProrationBehavior::CreateProrations,
                    false,
                ),
                when,
                &Actor::System,
            )
            .unwrap_err();
        assert_eq!(error.field(), Some(field));
    }
    let mut paused = subscribed(&basic);
    paused
        .apply(SubscriptionAction::Pause, when, &Actor::System)
        .unwrap();
    let error = paused
        .change(
            change(
                &basic,
                &basic,
                2,
                ProrationBehavior::CreateProrations,
                false,
            ),
            when,
            &Actor::System,
        )
        .unwrap_err();
    assert_eq!(error.code(), "invalid_transition");
}
