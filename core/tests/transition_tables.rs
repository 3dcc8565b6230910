//! Every (state × action) pair of orders (per flow), payments and returns, against a table
//! written out by hand. A change to any state machine has to change these tables too.

use ordercore::order::{ORDER_ACTIONS, ORDER_STATES, OrderFlow, OrderState};
use ordercore::payment::{PAYMENT_ACTIONS, PAYMENT_STATES, payment_allows};
use ordercore::returns::{RETURN_ACTIONS, RETURN_STATES, return_transition};

fn order_table(flow: &OrderFlow) -> Vec<(OrderState, Vec<&'static str>)> {
    ORDER_STATES
        .iter()
        .map(|s| {
            (
                *s,
                ORDER_ACTIONS
                    .iter()
                    .filter(|a| flow.allows(*s, **a))
                    .map(|a| a.name())
                    .collect(),
            )
        })
        .collect()
}

fn expect(flow: OrderFlow, rows: &[(&str, &[&str])]) {
    let actual = order_table(&flow);
    assert_eq!(actual.len(), rows.len());
    for ((state, allowed), (name, expected)) in actual.iter().zip(rows) {
        assert_eq!(state.name(), *name);
        assert_eq!(allowed, expected, "flow {} state {name}", flow.name);
        // Every refused pair is an invalid_transition naming the state, action and what is allowed.
        for action in ORDER_ACTIONS {
            match flow.check(*state, action) {
                Ok(()) => assert!(allowed.contains(&action.name())),
                Err(ordercore::Error::InvalidTransition {
                    state: s,
                    action: a,
                    allowed: listed,
                    ..
                }) => {
                    assert_eq!((s.as_str(), a.as_str()), (*name, action.name()));
                    assert_eq!(listed, *allowed);
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
    }
}

#[test]
fn classic_flow_created_paid_shipped_delivered() {
    expect(
        OrderFlow::classic(),
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
        OrderFlow::scheduled(60),
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
        OrderFlow::full(),
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
    for (state, (name, allowed)) in PAYMENT_STATES.iter().zip(expected) {
        assert_eq!(state.name(), *name);
        let actual: Vec<&str> = PAYMENT_ACTIONS
            .iter()
            .filter(|a| payment_allows(*state, **a))
            .map(|a| a.name())
            .collect();
        assert_eq!(actual, *allowed, "payment state {name}");
    }
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
