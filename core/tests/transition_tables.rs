//! Every (state × action) pair of the state machines — orders (per flow), payments, returns,
//! shipments, subscriptions and invoices — against a table written out by hand, through one
//! function for all of them (`expect`). A change to any state machine has to change these tables
//! too.

use ordercore::billing::{
    InvoiceMachine, SubscriptionAction, SubscriptionMachine, SubscriptionState,
};
use ordercore::order::{ORDER_STATES, OrderFlow, OrderState};
use ordercore::payment::PaymentMachine;
use ordercore::returns::{RETURN_ACTIONS, RETURN_STATES, ReturnMachine, return_transition};
use ordercore::shipping::ShipmentMachine;
use ordercore::{Error, StateMachine};

/// `machine`'s table — each state with the actions it allows — equals `rows`; and every refused
/// pair is an `invalid_transition` naming the entity, the state, the action and what is allowed.
fn expect<M: StateMachine>(machine: &M, rows: &[(&str, &[&str])]) {
    assert_eq!(
        M::STATES.len(),
        rows.len(),
        "one row per {} state",
        M::ENTITY
    );
    for (&state, (name, expected)) in M::STATES.iter().zip(rows) {
        assert_eq!(M::state_name(state), *name);
        let allowed: Vec<&str> = (machine.allowed(state).into_iter())
            .map(M::action_name)
            .collect();
        assert_eq!(allowed, *expected, "{} state {name}", M::ENTITY);
        for &action in M::ACTIONS {
            match machine.check(state, action) {
                Ok(()) => assert!(allowed.contains(&M::action_name(action))),
                Err(Error::InvalidTransition {
                    entity,
                    state: s,
                    action: a,
                    allowed: listed,
                }) => {
                    let named = (entity.as_str(), s.as_str(), a.as_str());
                    assert_eq!(named, (M::ENTITY, *name, M::action_name(action)));
                    assert_eq!(listed, allowed);
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
    }
}

#[test]
fn classic_flow_created_paid_shipped_delivered() {
    expect(
        &OrderFlow::classic(),
        &[
            ("pending", &["pay", "cancel"]),
            ("confirmed", &["pay", "ship", "cancel", "refund"]),
            ("processing", &["pay", "refund"]),
            (
                "partially_shipped",
                &["pay", "ship", "refund", "cancel_unshipped"],
            ),
            ("shipped", &["pay", "deliver", "refund"]),
            ("delivered", &["pay", "request_return", "refund"]),
            ("partially_returned", &["pay", "request_return", "refund"]),
            ("returned", &["refund"]),
            ("cancelled", &["refund"]),
        ],
    );
    assert_eq!(OrderFlow::classic().label(OrderState::Pending), "created");
    assert_eq!(OrderFlow::classic().label(OrderState::Confirmed), "paid");
}

#[test]
fn scheduled_flow_pending_processing_shipped_delivered() {
    expect(
        &OrderFlow::scheduled(60),
        &[
            ("pending", &["pay", "process", "cancel"]),
            ("confirmed", &["pay", "refund"]),
            ("processing", &["pay", "ship", "refund"]),
            (
                "partially_shipped",
                &["pay", "ship", "refund", "cancel_unshipped"],
            ),
            ("shipped", &["pay", "deliver", "refund"]),
            ("delivered", &["pay", "request_return", "refund"]),
            ("partially_returned", &["pay", "request_return", "refund"]),
            ("returned", &["refund"]),
            ("cancelled", &["refund"]),
        ],
    );
}

#[test]
fn full_flow_pending_confirmed_processing_shipped_delivered() {
    expect(
        &OrderFlow::full(),
        &[
            ("pending", &["pay", "cancel"]),
            ("confirmed", &["pay", "process", "cancel", "refund"]),
            ("processing", &["pay", "ship", "refund"]),
            (
                "partially_shipped",
                &["pay", "ship", "refund", "cancel_unshipped"],
            ),
            ("shipped", &["pay", "deliver", "refund"]),
            ("delivered", &["pay", "request_return", "refund"]),
            ("partially_returned", &["pay", "request_return", "refund"]),
            ("returned", &["refund"]),
            ("cancelled", &["refund"]),
        ],
    );
}

#[test]
fn no_flow_can_be_configured_to_cancel_after_shipping() {
    let mut flow = OrderFlow::full();
    flow.cancellable = ORDER_STATES.to_vec();
    for state in [
        OrderState::PartiallyShipped,
        OrderState::Shipped,
        OrderState::Delivered,
        OrderState::Returned,
    ] {
        assert!(
            flow.check(state, ordercore::order::OrderAction::Cancel)
                .is_err(),
            "{state:?}"
        );
    }
}

#[test]
fn payment_state_machine() {
    let expected: &[(&str, &[&str])] = &[
        ("pending", &["void", "succeed", "fail"]),
        ("authorized", &["capture", "void"]),
        ("captured", &["capture", "refund", "void"]),
        ("partially_refunded", &["capture", "refund", "void"]),
        ("refunded", &[]),
        ("failed", &[]),
        ("voided", &["succeed"]),
    ];
    expect(&PaymentMachine, expected);
}

#[test]
fn return_state_machine() {
    let expected: &[(&str, &[(&str, &str)])] = &[
        (
            "requested",
            &[
                ("approve", "approved"),
                ("reject", "rejected"),
                ("cancel", "cancelled"),
            ],
        ),
        (
            "approved",
            &[
                ("schedule_pickup", "pickup_scheduled"),
                ("mark_in_transit", "in_transit"),
                ("receive", "received"),
                ("cancel", "cancelled"),
            ],
        ),
        (
            "pickup_scheduled",
            &[
                ("mark_in_transit", "in_transit"),
                ("receive", "received"),
                ("cancel", "cancelled"),
            ],
        ),
        ("in_transit", &[("receive", "received")]),
        ("received", &[("process", "processed")]),
        ("processed", &[("refund", "refunded")]),
        ("refunded", &[]),
        ("rejected", &[]),
        ("cancelled", &[]),
    ];
    for (state, (name, moves)) in RETURN_STATES.iter().zip(expected) {
        assert_eq!(state.name(), *name);
        let actual: Vec<(&str, &str)> = RETURN_ACTIONS
            .iter()
            .filter_map(|a| return_transition(*state, *a).map(|to| (a.name(), to.name())))
            .collect();
        assert_eq!(actual, *moves, "return state {name}");
    }
}

#[test]
fn return_state_machine_allows_what_leads_somewhere() {
    expect(
        &ReturnMachine,
        &[
            ("requested", &["approve", "reject", "cancel"]),
            (
                "approved",
                &["schedule_pickup", "mark_in_transit", "receive", "cancel"],
            ),
            (
                "pickup_scheduled",
                &["mark_in_transit", "receive", "cancel"],
            ),
            ("in_transit", &["receive"]),
            ("received", &["process"]),
            ("processed", &["refund"]),
            ("refunded", &[]),
            ("rejected", &[]),
            ("cancelled", &[]),
        ],
    );
}

#[test]
fn shipment_state_machine_moves_forward_or_sideways_never_back() {
    expect(
        &ShipmentMachine,
        &[
            (
                "shipped",
                &["shipped", "in_transit", "exception", "delivered"],
            ),
            ("in_transit", &["in_transit", "exception", "delivered"]),
            ("exception", &["in_transit", "exception", "delivered"]),
            ("delivered", &[]),
        ],
    );
}

#[test]
fn subscription_state_machine_as_docs_billing_md_tables_it() {
    expect(
        &SubscriptionMachine,
        &[
            ("incomplete", &["activate", "expire", "cancel"]),
            ("incomplete_expired", &[]),
            (
                "trialing",
                &["end_trial", "fail_payment", "change", "pause", "cancel"],
            ),
            (
                "active",
                &["renew", "fail_payment", "change", "pause", "cancel"],
            ),
            (
                "past_due",
                &[
                    "renew",
                    "fail_payment",
                    "recover",
                    "mark_unpaid",
                    "change",
                    "cancel",
                ],
            ),
            ("unpaid", &["recover", "cancel"]),
            ("canceled", &[]),
            ("paused", &["resume", "cancel"]),
        ],
    );
}

#[test]
fn subscription_actions_lead_where_the_table_says() {
    use SubscriptionAction as A;
    use SubscriptionState as S;
    let leads = [
        (S::Incomplete, A::Activate, S::Active),
        (S::Incomplete, A::Expire, S::IncompleteExpired),
        (S::Trialing, A::EndTrial, S::Active),
        (S::Trialing, A::FailPayment, S::PastDue),
        (S::Active, A::Renew, S::Active),
        (S::PastDue, A::Renew, S::PastDue),
        (S::PastDue, A::Recover, S::Active),
        (S::PastDue, A::MarkUnpaid, S::Unpaid),
        (S::Unpaid, A::Recover, S::Active),
        (S::Active, A::Change, S::Active),
        (S::Trialing, A::Change, S::Trialing),
        (S::Active, A::Pause, S::Paused),
        (S::Paused, A::Resume, S::Active),
        (S::Paused, A::Cancel, S::Canceled),
    ];
    for (state, action, target) in leads {
        assert_eq!(
            SubscriptionMachine.target(state, action),
            Some(target),
            "{state:?} {action:?}"
        );
    }
}

#[test]
fn invoice_state_machine_draft_open_then_paid_void_or_uncollectible() {
    expect(
        &InvoiceMachine,
        &[
            ("draft", &["finalize", "void"]),
            ("open", &["pay", "void", "mark_uncollectible"]),
            ("paid", &[]),
            ("void", &[]),
            ("uncollectible", &["pay", "void"]),
        ],
    );
}
