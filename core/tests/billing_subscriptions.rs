//! Subscriptions over time: trials, renewals across month ends, at most one bill per period,
//! cancellation at the period's end, and the refusals a host relies on.

use chrono::{DateTime, Duration, Utc};
use ordercore::actor::Actor;
use ordercore::billing::{
    BillingMode, NewSubscription, Period, Plan, Subscription, SubscriptionAction, SubscriptionState,
};
use proptest::prelude::*;

fn plan(trial_days: u32) -> Plan {
    serde_json::from_value(serde_json::json!({
        "id": "pro", "name": "Pro", "currency": "USD", "amount": "30.00",
        "interval": {"unit": "month", "count": 1}, "trial_days": trial_days
    }))
    .unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn start(plan: &Plan, when: &str) -> (Subscription, Option<Period>) {
    let new = NewSubscription {
        id: "sub_1",
        customer_id: "c1",
        plan,
        quantity: 1,
        mode: BillingMode::Anniversary,
        payment_method: None,
    };
    Subscription::start(new, at(when), &Actor::customer("c1")).unwrap()
}

#[test]
fn a_trial_ending_on_jan_31_renews_on_the_last_day_of_february_then_on_the_31st() {
    let (mut sub, billed) = start(&plan(14), "2024-01-17T09:00:00Z");
    assert_eq!((sub.state, billed), (SubscriptionState::Trialing, None));
    assert_eq!(sub.trial_end, Some(at("2024-01-31T09:00:00Z")));
    assert!(
        sub.end_trial(at("2024-01-30T09:00:00Z"), &Actor::System)
            .is_err(),
        "not before its end"
    );
    let first = sub
        .end_trial(at("2024-01-31T09:00:00Z"), &Actor::System)
        .unwrap();
    assert_eq!(
        (first.index, first.start, first.end),
        (0, at("2024-01-31T09:00:00Z"), at("2024-02-29T09:00:00Z"))
    );
    let mut starts = Vec::new();
    for _ in 0..4 {
        let now = sub.current_period_end;
        starts.push(
            sub.renew(now, &Actor::System)
                .unwrap()
                .unwrap()
                .start
                .format("%Y-%m-%d")
                .to_string(),
        );
    }
    assert_eq!(
        starts,
        ["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"]
    );
    assert_eq!(sub.state, SubscriptionState::Active);
}

#[test]
fn a_period_is_billed_once_however_often_renewal_is_asked() {
    let (mut sub, billed) = start(&plan(0), "2026-03-15T00:00:00Z");
    assert_eq!(
        (sub.state, billed.map(|p| p.index)),
        (SubscriptionState::Incomplete, Some(0))
    );
    let late = at("2026-05-01T00:00:00Z");
    assert!(
        !sub.renewal_due(late),
        "an incomplete subscription does not renew"
    );
    sub.apply(
        SubscriptionAction::Activate,
        at("2026-03-15T00:05:00Z"),
        &Actor::System,
    )
    .unwrap();
    let next = sub.renew(late, &Actor::System).unwrap().unwrap();
    assert_eq!((next.index, next.start), (1, at("2026-04-15T00:00:00Z")));
    let again = sub.renew(late, &Actor::System).unwrap_err();
    assert_eq!(
        again.code(),
        "invalid_input",
        "the period that holds `late` is billed already"
    );
    assert_eq!(sub.next_period, 2);
}

#[test]
fn a_cancellation_at_the_period_end_ends_it_there_instead_of_renewing() {
    let (mut sub, _) = start(&plan(0), "2026-01-10T00:00:00Z");
    sub.apply(
        SubscriptionAction::Activate,
        at("2026-01-10T00:00:00Z"),
        &Actor::System,
    )
    .unwrap();
    sub.cancel(at("2026-01-20T00:00:00Z"), &Actor::customer("c1"), true)
        .unwrap();
    assert_eq!(
        (sub.state, sub.cancel_at_period_end),
        (SubscriptionState::Active, true)
    );
    assert_eq!(
        sub.renew(at("2026-02-10T00:00:00Z"), &Actor::System)
            .unwrap(),
        None
    );
    assert_eq!(
        (sub.state, sub.ended_at),
        (
            SubscriptionState::Canceled,
            Some(at("2026-02-10T00:00:00Z"))
        )
    );
    assert_eq!(
        sub.history.last().unwrap().action,
        Some(SubscriptionAction::Cancel)
    );
}

#[test]
fn what_a_subscription_refuses() {
    let archived = Plan {
        status: ordercore::billing::PlanStatus::Archived,
        ..plan(0)
    };
    let new = NewSubscription {
        id: "s",
        customer_id: "c",
        plan: &archived,
        quantity: 1,
        mode: BillingMode::Anniversary,
        payment_method: None,
    };
    assert_eq!(
        Subscription::start(new, at("2026-01-01T00:00:00Z"), &Actor::System)
            .unwrap_err()
            .field(),
        Some("plan_id")
    );
    let basic = plan(0);
    let none = NewSubscription {
        id: "s",
        customer_id: "c",
        plan: &basic,
        quantity: 0,
        mode: BillingMode::Anniversary,
        payment_method: None,
    };
    assert_eq!(
        Subscription::start(none, at("2026-01-01T00:00:00Z"), &Actor::System)
            .unwrap_err()
            .field(),
        Some("quantity")
    );
    let (mut sub, _) = start(&basic, "2026-01-01T00:00:00Z");
    let error = sub
        .apply(
            SubscriptionAction::Pause,
            at("2026-01-02T00:00:00Z"),
            &Actor::System,
        )
        .unwrap_err();
    assert_eq!(error.code(), "invalid_transition");
    assert_eq!(
        serde_json::to_value(&error).unwrap()["allowed"],
        serde_json::json!(["activate", "expire", "cancel"])
    );
}

proptest! {
    /// Whatever the clock does and however often renewal is asked, while payments fail and
    /// recover, the billed periods are 0, 1, 2, … and follow each other with no gap or overlap.
    #[test]
    fn billed_periods_are_contiguous_and_never_repeat(steps in prop::collection::vec((0i64..80 * 86_400, 0u8..6), 1..60)) {
        let (mut sub, first) = start(&plan(0), "2025-01-31T12:00:00Z");
        let mut billed = vec![first.unwrap()];
        sub.apply(SubscriptionAction::Activate, sub.created_at, &Actor::System).unwrap();
        let mut now = sub.created_at;
        for (advance, what) in steps {
            now += Duration::seconds(advance);
            match what {
                0 => { let _ = sub.apply(SubscriptionAction::FailPayment, now, &Actor::System); }
                1 => { let _ = sub.apply(SubscriptionAction::Recover, now, &Actor::System); }
                _ => {
                    while sub.renewal_due(now) {
                        billed.push(sub.renew(now, &Actor::System).unwrap().unwrap());
                    }
                    prop_assert!(sub.renew(now, &Actor::System).is_err());
                }
            }
        }
        for (index, pair) in billed.windows(2).enumerate() {
            prop_assert_eq!(pair[0].index as usize, index);
            prop_assert_eq!(pair[1].index, pair[0].index + 1);
            prop_assert_eq!(pair[0].end, pair[1].start);
        }
        prop_assert!(billed.last().unwrap().start <= now.max(sub.created_at));
    }
}
