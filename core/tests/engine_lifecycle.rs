//! The engine end to end: lifecycles, payments, stock, returns, permissions, idempotency,
//! gateway faults, webhooks and the scheduler.

mod common;

use chrono::Duration;
use common::*;
use ordercore::command::{
    Command, PaymentInput, Query, QueryOutput, ReceivedLine, ReturnLine, ShipLine, WebhookOutcome,
};
use ordercore::order::{OrderAction, OrderState};
use ordercore::payment::{PaymentState, Scripted};
use ordercore::returns::{ItemCondition, ReturnAction, ReturnReason, ReturnState};
use ordercore::shipping::ShipmentState;
use ordercore::store::{DocKind, OrderQuery, Store};
use ordercore::{Decimal, Error};

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "a scenario read top to bottom, one step after another"
)]
fn classic_lifecycle_place_pay_ship_deliver_return_refund() {
    let shop = shop();
    let c = customer("c1");
    let order = shop
        .engine
        .place_order(&c, place("c1", &[("A", 2), ("B", 1)]), Some("k1"))
        .unwrap();
    // 45.00 + 5.00 shipping, 10% tax on both: 55.00.
    assert_eq!(order.pricing.grand_total, d("55.00"));
    assert_eq!(order.state, OrderState::Confirmed);
    assert_eq!(order.state_label, "paid");
    assert_eq!(order.captured(), d("55.00"));
    assert_eq!(shop.level("A", "east"), (100, 2));

    let order = shop
        .engine
        .ship_order(&admin(), &order.id, None, None)
        .unwrap();
    assert_eq!(order.state, OrderState::Shipped);
    assert_eq!(shop.level("A", "east"), (98, 0));
    let order = shop
        .engine
        .deliver_order(&admin(), &order.id, None)
        .unwrap();
    assert_eq!(order.state, OrderState::Delivered);

    // Return one unit of A: refund exactly what it cost (10.00 + 1.00 tax).
    let order = request_return(&shop, &c, &order.id, 0, 1);
    let return_id = order.returns[0].id.clone();
    assert_eq!(order.returns[0].refund_amount, d("11.00"));
    for action in [
        ReturnAction::Approve,
        ReturnAction::Receive,
        ReturnAction::Process,
        ReturnAction::Refund,
    ] {
        update_return(&shop, &order.id, &return_id, action).unwrap();
    }
    let order = shop.engine.get_order(&c, &order.id).unwrap();
    assert_eq!(order.state, OrderState::PartiallyReturned);
    assert_eq!(order.returns[0].state, ReturnState::Refunded);
    assert_eq!(order.refunded(), d("11.00"));
    assert_eq!(
        shop.level("A", "east"),
        (99, 0),
        "a sellable return goes back on hand"
    );
    assert_eq!(shop.gateway.refunded_total(), d("11.00"));

    let names = shop.event_names();
    let order_events: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !n.starts_with("stock_"))
        .collect();
    assert_eq!(
        order_events,
        [
            "order_created",
            "payment_authorized",
            "payment_captured",
            "order_paid",
            "order_shipped",
            "order_delivered",
            "return_requested",
            "return_updated",
            "return_updated",
            "order_returned",
            "return_updated",
            "payment_refunded",
            "refund_issued",
            "return_updated"
        ]
    );
    // Every event of the order is numbered 1, 2, 3, … in commit order.
    let sequences: Vec<u64> = shop
        .store
        .all_events()
        .iter()
        .filter(|e| e.aggregate == format!("order/{}", order.id))
        .map(|e| e.sequence)
        .collect();
    assert_eq!(sequences, (1..=sequences.len() as u64).collect::<Vec<_>>());
}

fn request_return(
    shop: &Shop,
    actor: &ordercore::actor::Actor,
    order_id: &str,
    line: usize,
    quantity: i64,
) -> std::sync::Arc<ordercore::order::Order> {
    let command = Command::RequestReturn {
        order_id: order_id.into(),
        lines: vec![ReturnLine {
            line,
            quantity,
            reason: ReturnReason::NoLongerNeeded,
        }],
    };
    shop.engine
        .execute(actor, &command, None)
        .unwrap()
        .into_order()
        .unwrap()
}

fn update_return(
    shop: &Shop,
    order_id: &str,
    return_id: &str,
    action: ReturnAction,
) -> ordercore::Result<std::sync::Arc<ordercore::order::Order>> {
    let command = Command::UpdateReturn {
        order_id: order_id.into(),
        return_id: return_id.into(),
        action,
        received: vec![],
    };
    Ok(shop
        .engine
        .execute(&admin(), &command, None)?
        .into_order()
        .unwrap())
}

#[test]
fn returning_every_unit_one_at_a_time_refunds_exactly_what_was_paid() {
    let shop = shop();
    let c = customer("c1");
    let mut p = place("c1", &[("C", 7), ("A", 1)]);
    p.coupon_codes = vec!["TENOFF".into()];
    let order = shop.engine.place_order(&c, p, None).unwrap();
    let order = shop
        .engine
        .ship_order(&admin(), &order.id, None, None)
        .unwrap();
    let order = shop
        .engine
        .deliver_order(&admin(), &order.id, None)
        .unwrap();
    let mut refunded = Decimal::ZERO;
    for _ in 0..7 {
        let o = request_return(&shop, &c, &order.id, 0, 1);
        let r = o.returns.last().unwrap().clone();
        refunded += r.items_amount;
        for action in [
            ReturnAction::Approve,
            ReturnAction::Receive,
            ReturnAction::Process,
            ReturnAction::Refund,
        ] {
            update_return(&shop, &order.id, &r.id, action).unwrap();
        }
    }
    assert_eq!(
        refunded, order.pricing.lines[0].total,
        "seven single-unit returns sum to the line"
    );
    // An eighth unit does not exist.
    let err = shop
        .engine
        .execute(
            &c,
            &Command::RequestReturn {
                order_id: order.id.clone(),
                lines: vec![ReturnLine {
                    line: 0,
                    quantity: 1,
                    reason: ReturnReason::Other,
                }],
            },
            None,
        )
        .unwrap_err();
    assert_eq!(err.field(), Some("lines[0].quantity"));
    let order = shop.engine.get_order(&c, &order.id).unwrap();
    assert!(order.refunded() <= order.captured());
}

#[test]
fn authorize_only_then_capture_confirms() {
    let shop = shop();
    let mut p = place("c1", &[("B", 2)]);
    p.payment = Some(PaymentInput {
        method: Default::default(),
        capture: false,
    });
    let order = shop.engine.place_order(&customer("c1"), p, None).unwrap();
    assert_eq!(
        order.state,
        OrderState::Pending,
        "authorized but not captured: still created"
    );
    assert_eq!(order.payments[0].state, PaymentState::Authorized);
    let err = shop
        .engine
        .ship_order(&admin(), &order.id, None, None)
        .unwrap_err();
    assert_eq!(
        err.code(),
        "invalid_transition",
        "classic flow ships only paid orders"
    );
    let order = shop
        .engine
        .capture_payment(&admin(), &order.id, Some(d("10.00")), None)
        .unwrap();
    assert_eq!(order.captured(), d("10.00"));
    assert_eq!(order.state, OrderState::Pending);
    let err = shop
        .engine
        .capture_payment(&admin(), &order.id, Some(d("100.00")), None)
        .unwrap_err();
    assert_eq!(err.code(), "capture_exceeds_authorized");
    let order = shop
        .engine
        .capture_payment(&admin(), &order.id, None, None)
        .unwrap();
    assert_eq!(order.state, OrderState::Confirmed);
    assert_eq!(order.captured(), order.pricing.grand_total);
}

#[test]
fn partial_capture_and_refund_amounts_must_be_positive_and_exact_in_the_currency() {
    let shop = shop();
    let mut p = place("c1", &[("B", 2)]);
    p.payment = Some(PaymentInput {
        method: Default::default(),
        capture: false,
    });
    let held = shop.engine.place_order(&customer("c1"), p, None).unwrap();
    for (amount, code) in [
        ("1.005", "too_many_decimals"),
        ("0", "invalid_input"),
        ("-1", "invalid_input"),
    ] {
        let err = shop
            .engine
            .capture_payment(&admin(), &held.id, Some(d(amount)), None)
            .unwrap_err();
        assert_eq!(err.code(), code, "capture {amount}");
    }
    let held = shop
        .engine
        .capture_payment(&admin(), &held.id, Some(d("5")), None)
        .unwrap();
    assert_eq!(
        held.captured().to_string(),
        "5.00",
        "at the currency's scale"
    );

    let paid = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("B", 1)]), None)
        .unwrap();
    for (amount, code) in [
        ("0.001", "too_many_decimals"),
        ("0", "invalid_input"),
        ("-2.00", "invalid_input"),
    ] {
        let err = shop
            .engine
            .refund_payment(&admin(), &paid.id, Some(d(amount)), None)
            .unwrap_err();
        assert_eq!(err.code(), code, "refund {amount}");
    }
    let paid = shop
        .engine
        .refund_payment(&admin(), &paid.id, Some(d("2")), None)
        .unwrap();
    assert_eq!(paid.payments[0].refunded.to_string(), "2.00");
}

#[test]
fn full_flow_confirms_on_capture_then_processes() {
    let shop = shop();
    let mut p = place("c1", &[("A", 1)]);
    p.flow = Some("full".into());
    p.payment = Some(PaymentInput {
        method: Default::default(),
        capture: false,
    });
    let order = shop.engine.place_order(&customer("c1"), p, None).unwrap();
    assert_eq!(order.state, OrderState::Pending);
    // Authorized covers the total, so the order may be processed; it confirms only on capture.
    let err = shop
        .engine
        .execute(
            &admin(),
            &Command::ProcessOrder {
                order_id: order.id.clone(),
            },
            None,
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_transition");
    let order = shop
        .engine
        .capture_payment(&admin(), &order.id, None, None)
        .unwrap();
    assert_eq!(order.state, OrderState::Confirmed);
    let order = shop
        .engine
        .execute(
            &admin(),
            &Command::ProcessOrder {
                order_id: order.id.clone(),
            },
            None,
        )
        .unwrap()
        .into_order()
        .unwrap();
    assert_eq!(order.state, OrderState::Processing);
    let order = shop
        .engine
        .ship_order(&admin(), &order.id, None, None)
        .unwrap();
    assert_eq!(order.state, OrderState::Shipped);
}

#[test]
fn scheduled_flow_captures_an_authorization_when_shipping() {
    let shop = shop();
    let mut p = place("c1", &[("B", 1)]);
    p.flow = Some("scheduled".into());
    p.payment = Some(PaymentInput {
        method: Default::default(),
        capture: false,
    });
    let order = shop.engine.place_order(&customer("c1"), p, None).unwrap();
    assert_eq!(
        (order.state, order.captured()),
        (OrderState::Pending, Decimal::ZERO)
    );
    let order = shop
        .engine
        .execute(
            &admin(),
            &Command::ProcessOrder {
                order_id: order.id.clone(),
            },
            None,
        )
        .unwrap()
        .into_order()
        .unwrap();
    assert_eq!(order.state, OrderState::Processing);
    let order = shop
        .engine
        .ship_order(&admin(), &order.id, None, None)
        .unwrap();
    assert_eq!(order.state, OrderState::Shipped);
    assert_eq!(
        order.captured(),
        order.pricing.grand_total,
        "money before goods"
    );
    assert_eq!(shop.gateway.captured_total(), order.pricing.grand_total);
}

#[test]
fn partial_shipment_is_a_state_and_cancel_is_refused_after_shipping() {
    let shop = shop();
    let order = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("A", 3), ("B", 1)]), None)
        .unwrap();
    let order = shop
        .engine
        .ship_order(
            &admin(),
            &order.id,
            Some(vec![ShipLine {
                line: 0,
                quantity: 2,
            }]),
            None,
        )
        .unwrap();
    assert_eq!(order.state, OrderState::PartiallyShipped);
    assert_eq!(shop.level("A", "east"), (98, 1));
    let err = shop
        .engine
        .cancel_order(&customer("c1"), &order.id, None, None)
        .unwrap_err();
    match err {
        Error::InvalidTransition {
            state,
            action,
            allowed,
            ..
        } => {
            assert_eq!(
                (state.as_str(), action.as_str()),
                ("partially_shipped", "cancel")
            );
            // What this actor can do instead: the customer cannot ship.
            let available = shop
                .engine
                .available_actions(&order, &customer("c1"))
                .unwrap();
            let names: Vec<String> = available.iter().map(|a| a.name().to_string()).collect();
            assert_eq!(allowed, names);
            assert!(!allowed.contains(&"ship".to_string()));
        }
        other => panic!("expected invalid_transition, got {other:?}"),
    }
    match shop.engine.cancel_order(&admin(), &order.id, None, None) {
        Err(Error::InvalidTransition { allowed, .. }) => {
            assert!(allowed.contains(&"ship".to_string()));
            assert!(
                !allowed.contains(&"pay".to_string()),
                "nothing is left to pay"
            );
        }
        other => panic!("expected invalid_transition, got {other:?}"),
    }
    let err = shop
        .engine
        .deliver_order(&admin(), &order.id, None)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_transition");
    let order = shop
        .engine
        .ship_order(&admin(), &order.id, None, None)
        .unwrap();
    assert_eq!(order.state, OrderState::Shipped);
    assert_eq!(order.shipments.len(), 2);
}

#[test]
fn cancel_releases_stock_and_refunds() {
    let shop = shop();
    let order = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("A", 5)]), None)
        .unwrap();
    assert_eq!(shop.level("A", "east"), (100, 5));
    let order = shop
        .engine
        .cancel_order(&customer("c1"), &order.id, Some("changed mind"), None)
        .unwrap();
    assert_eq!(order.state, OrderState::Cancelled);
    assert_eq!(shop.level("A", "east"), (100, 0));
    assert_eq!(order.refunded(), order.captured());
    assert_eq!(shop.gateway.refunded_total(), shop.gateway.captured_total());
    assert_eq!(order.history.last().unwrap().reason, "changed mind");
    assert!(shop.event_names().contains(&"stock_released".to_string()));
    let refund = shop
        .store
        .all_events()
        .into_iter()
        .find(|e| e.payload.name() == "refund_issued")
        .unwrap();
    assert!(
        matches!(refund.payload, ordercore::event::EventPayload::RefundIssued { ref reason, .. } if &**reason == "cancelled")
    );
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "a scenario read top to bottom, one step after another"
)]
fn permissions_and_ownership() {
    let shop = shop();
    let order = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("A", 1)]), None)
        .unwrap();
    // Another customer cannot see or touch it, and cannot tell it exists.
    let err = shop
        .engine
        .get_order(&customer("c2"), &order.id)
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    let err = shop
        .engine
        .cancel_order(&customer("c2"), &order.id, None, None)
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    // The owner cannot ship or refund.
    assert_eq!(
        shop.engine
            .ship_order(&customer("c1"), &order.id, None, None)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        shop.engine
            .refund_payment(&customer("c1"), &order.id, None, None)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    // A customer cannot order on someone else's account.
    assert_eq!(
        shop.engine
            .place_order(&customer("c2"), place("c1", &[("A", 1)]), None)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    // Warehouse staff ship but do not refund; support refunds but does not ship.
    let warehouse = ordercore::actor::Actor::Staff {
        id: "w".into(),
        role: ordercore::actor::StaffRole::Warehouse,
    };
    let support = ordercore::actor::Actor::Staff {
        id: "s".into(),
        role: ordercore::actor::StaffRole::Support,
    };
    assert_eq!(
        shop.engine
            .refund_payment(&warehouse, &order.id, None, None)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        shop.engine
            .ship_order(&support, &order.id, None, None)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    // Customers list only their own orders, whatever filter they pass.
    shop.engine
        .place_order(&customer("c2"), place("c2", &[("A", 1)]), None)
        .unwrap();
    let page = match shop
        .engine
        .query(
            &customer("c2"),
            &Query::ListOrders(OrderQuery {
                customer_id: Some("c1".into()),
                ..Default::default()
            }),
        )
        .unwrap()
    {
        QueryOutput::Orders(page) => page,
        _ => unreachable!(),
    };
    assert!(page.orders.iter().all(|o| o.customer_id == "c2"));
    assert_eq!(page.orders.len(), 1);
    // What each actor may do next.
    let actions = |actor| match shop
        .engine
        .query(
            &actor,
            &Query::AvailableActions {
                order_id: order.id.clone(),
            },
        )
        .unwrap()
    {
        QueryOutput::Actions(a) => a,
        _ => unreachable!(),
    };
    assert_eq!(actions(customer("c1")), vec![OrderAction::Cancel]);
    assert_eq!(
        actions(admin()),
        vec![OrderAction::Ship, OrderAction::Cancel, OrderAction::Refund]
    );
}

#[test]
fn idempotent_retries_replay_the_first_answer() {
    let shop = shop();
    let c = customer("c1");
    let first = shop
        .engine
        .place_order(&c, place("c1", &[("A", 1)]), Some("checkout-1"))
        .unwrap();
    let again = shop
        .engine
        .place_order(&c, place("c1", &[("A", 1)]), Some("checkout-1"))
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(shop.store.count(DocKind::Order), 1);
    assert_eq!(shop.level("A", "east"), (100, 1));
    assert_eq!(shop.gateway.performed(), 1);
    let err = shop
        .engine
        .place_order(&c, place("c1", &[("A", 2)]), Some("checkout-1"))
        .unwrap_err();
    assert_eq!(err.code(), "idempotency_conflict");
    // Errors are answers too: the same key gets the same error without trying again.
    let err1 = shop
        .engine
        .place_order(&c, place("c1", &[("A", 1000)]), Some("checkout-2"))
        .unwrap_err();
    shop.stock("A", "east", 5000);
    let err2 = shop
        .engine
        .place_order(&c, place("c1", &[("A", 1000)]), Some("checkout-2"))
        .unwrap_err();
    assert_eq!(err1, err2);
    assert_eq!(err1.code(), "insufficient_stock");
    // Refund retried with its key moves money once.
    shop.engine
        .refund_payment(&admin(), &first.id, Some(d("1.00")), Some("refund-1"))
        .unwrap();
    shop.engine
        .refund_payment(&admin(), &first.id, Some(d("1.00")), Some("refund-1"))
        .unwrap();
    assert_eq!(shop.gateway.refunded_total(), d("1.00"));
}

#[test]
fn timeout_after_success_never_charges_twice() {
    let shop = shop();
    let c = customer("c1");
    shop.gateway.script([Scripted::TimeoutAfterSuccess]);
    let err = shop
        .engine
        .place_order(&c, place("c1", &[("B", 1)]), Some("k"))
        .unwrap_err();
    assert_eq!(err.code(), "gateway_unavailable");
    // The order and its stock were secured before the provider was asked; its payment awaits
    // the answer.
    let orders = shop.store.find_orders(&OrderQuery::default()).unwrap();
    assert_eq!(orders.orders.len(), 1);
    assert!(orders.orders[0].payments[0].awaits_answer());
    assert_eq!(shop.level("B", "east"), (100, 1));
    // The provider did charge; the retry with the same key finds the secured order and asks
    // again under the same provider key, which replays the charge.
    let order = shop
        .engine
        .place_order(&c, place("c1", &[("B", 1)]), Some("k"))
        .unwrap();
    assert_eq!(order.id, orders.orders[0].id);
    assert_eq!(order.state, OrderState::Confirmed);
    assert_eq!(shop.gateway.captured_total(), order.pricing.grand_total);
    assert_eq!(shop.gateway.performed(), 1);
    assert_eq!(shop.level("B", "east"), (100, 1), "reserved once");

    // The same for a refund: the timeout leaves the order untouched, the retry reuses the key.
    shop.gateway.script([Scripted::TimeoutAfterSuccess]);
    let err = shop
        .engine
        .refund_payment(&admin(), &order.id, Some(d("2.00")), None)
        .unwrap_err();
    assert_eq!(err.code(), "gateway_unavailable");
    assert_eq!(
        shop.engine
            .get_order(&admin(), &order.id)
            .unwrap()
            .refunded(),
        Decimal::ZERO
    );
    shop.engine
        .refund_payment(&admin(), &order.id, Some(d("2.00")), None)
        .unwrap();
    assert_eq!(shop.gateway.refunded_total(), d("2.00"));

    // A transient error performs nothing; the retry performs once.
    shop.gateway.script([Scripted::TransientError]);
    assert!(
        shop.engine
            .refund_payment(&admin(), &order.id, Some(d("3.00")), None)
            .is_err()
    );
    shop.engine
        .refund_payment(&admin(), &order.id, Some(d("3.00")), None)
        .unwrap();
    assert_eq!(shop.gateway.refunded_total(), d("5.00"));
    let err = shop
        .engine
        .refund_payment(&admin(), &order.id, Some(d("1000.00")), None)
        .unwrap_err();
    assert_eq!(err.code(), "refund_exceeds_captured");
}

#[test]
fn a_declined_payment_closes_the_order_and_gives_everything_back() {
    let shop = shop();
    let mut p = place("c1", &[("A", 2)]);
    p.coupon_codes = vec!["SAVE5".into()];
    shop.gateway.script([Scripted::Decline {
        reason: "insufficient_funds".into(),
    }]);
    let err = shop
        .engine
        .place_order(&customer("c1"), p.clone(), Some("try-1"))
        .unwrap_err();
    assert_eq!(
        err,
        Error::PaymentDeclined {
            reason: "insufficient_funds".into()
        }
    );
    // The order was secured first; the decline cancels it and gives back its stock and
    // coupon use.
    let orders = shop
        .store
        .find_orders(&OrderQuery::default())
        .unwrap()
        .orders;
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].state, OrderState::Cancelled);
    assert_eq!(orders[0].payments[0].state, PaymentState::Failed);
    assert_eq!(shop.level("A", "east"), (100, 0), "nothing reserved");
    let uses = |shop: &Shop| {
        let key = ordercore::store::CounterKey::promotion_uses("save5");
        shop.store.counters(&[key]).unwrap()[0]
    };
    assert_eq!(uses(&shop), 0, "coupon use given back");
    let names = shop.event_names();
    assert!(names.contains(&"payment_failed".to_string()));
    assert_eq!(names.last().map(String::as_str), Some("order_cancelled"));
    // The same key replays the decline; the next attempt succeeds and counts one use.
    let again = shop
        .engine
        .place_order(&customer("c1"), p.clone(), Some("try-1"))
        .unwrap_err();
    assert_eq!(again, err);
    shop.engine
        .place_order(&customer("c1"), p, Some("try-2"))
        .unwrap();
    assert_eq!(uses(&shop), 1);
}

#[test]
fn coupons_that_do_not_apply_refuse_the_order_with_the_reason() {
    let shop = shop();
    let mut p = place("c1", &[("A", 1)]);
    p.coupon_codes = vec!["NOPE".into()];
    let err = shop
        .engine
        .place_order(&customer("c1"), p, None)
        .unwrap_err();
    assert_eq!(
        err,
        Error::CouponRejected {
            coupon: "NOPE".into(),
            reason: "unknown_code".into()
        }
    );
}

#[test]
fn pending_payment_webhooks_are_deduplicated_and_never_move_backwards() {
    let shop = shop();
    shop.gateway.script([Scripted::Pending]);
    let order = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("A", 1)]), None)
        .unwrap();
    assert_eq!(order.payments[0].state, PaymentState::Pending);
    assert_eq!(order.state, OrderState::Pending);
    let reference = order.payments[0].provider_reference.clone().unwrap();
    let webhook = |event_id: &str, outcome| Command::PaymentWebhook {
        provider: "fake".into(),
        event_id: event_id.into(),
        reference: reference.to_string(),
        outcome,
        reason: None,
        order_id: None,
        invoice_id: None,
    };
    let system = ordercore::actor::Actor::System;
    let paid = shop
        .engine
        .execute(&system, &webhook("evt_1", WebhookOutcome::Succeeded), None)
        .unwrap()
        .into_order()
        .unwrap();
    assert_eq!(paid.state, OrderState::Confirmed);
    assert_eq!(paid.captured(), paid.pricing.grand_total);
    // Duplicate and late contradicting events change nothing.
    let again = shop
        .engine
        .execute(&system, &webhook("evt_1", WebhookOutcome::Succeeded), None)
        .unwrap()
        .into_order()
        .unwrap();
    assert_eq!(again, paid);
    let late = shop
        .engine
        .execute(&system, &webhook("evt_2", WebhookOutcome::Failed), None)
        .unwrap()
        .into_order()
        .unwrap();
    assert_eq!(late.payments[0].state, PaymentState::Captured);
    assert_eq!(late.state, OrderState::Confirmed);
    // Only the system delivers webhooks.
    assert_eq!(
        shop.engine
            .execute(
                &customer("c1"),
                &webhook("evt_3", WebhookOutcome::Succeeded),
                None
            )
            .unwrap_err()
            .code(),
        "forbidden"
    );
}

#[test]
fn tracking_updates_drive_delivery_without_regressing() {
    let shop = shop();
    let order = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("A", 1)]), None)
        .unwrap();
    let order = shop
        .engine
        .ship_order(&admin(), &order.id, None, None)
        .unwrap();
    let tracking = order.shipments[0].tracking_number.clone();
    assert_eq!(
        (
            order.shipments[0].carrier.as_str(),
            order.shipments[0].service.as_str()
        ),
        ("post", "standard")
    );
    // The first update names the order; the others are found by tracking number.
    let update = |event_id: &str, status| Command::TrackingUpdate {
        event_id: event_id.into(),
        tracking_number: tracking.to_string(),
        status,
        order_id: (event_id == "t1").then(|| order.id.clone()),
    };
    let system = ordercore::actor::Actor::System;
    let o = shop
        .engine
        .execute(&system, &update("t1", ShipmentState::InTransit), None)
        .unwrap()
        .into_order()
        .unwrap();
    assert_eq!(o.shipments[0].state, ShipmentState::InTransit);
    let o = shop
        .engine
        .execute(&system, &update("t2", ShipmentState::Delivered), None)
        .unwrap()
        .into_order()
        .unwrap();
    assert_eq!(o.state, OrderState::Delivered);
    let o = shop
        .engine
        .execute(&system, &update("t3", ShipmentState::InTransit), None)
        .unwrap()
        .into_order()
        .unwrap();
    assert_eq!(
        o.shipments[0].state,
        ShipmentState::Delivered,
        "never regresses"
    );
    assert_eq!(o.state, OrderState::Delivered);
}

#[test]
fn scheduler_expires_unpaid_orders_and_advances_scheduled_ones_idempotently() {
    let shop = shop();
    let system = ordercore::actor::Actor::System;
    let mut unpaid = place("c1", &[("A", 4)]);
    unpaid.payment = None;
    let unpaid = shop
        .engine
        .place_order(&customer("c1"), unpaid, None)
        .unwrap();
    assert_eq!(
        unpaid.reservation_expires_at,
        Some(t0() + Duration::minutes(30))
    );
    let mut scheduled = place("c2", &[("B", 1)]);
    scheduled.flow = Some("scheduled".into());
    let scheduled = shop
        .engine
        .place_order(&customer("c2"), scheduled, None)
        .unwrap();
    assert_eq!(scheduled.state, OrderState::Pending);
    assert_eq!(shop.level("A", "east"), (100, 4));

    shop.clock.advance(Duration::minutes(29));
    assert_eq!(shop.engine.tick(&system).unwrap(), Default::default());
    shop.clock.advance(Duration::minutes(2));
    let report = shop.engine.tick(&system).unwrap();
    assert_eq!(report.expired, vec![unpaid.id.clone()]);
    assert!(report.advanced.is_empty());
    assert_eq!(shop.level("A", "east"), (100, 0));
    assert_eq!(
        shop.engine.get_order(&admin(), &unpaid.id).unwrap().state,
        OrderState::Cancelled
    );
    assert_eq!(
        shop.engine.tick(&system).unwrap(),
        Default::default(),
        "a second run changes nothing"
    );

    shop.clock.advance(Duration::minutes(30));
    let report = shop.engine.tick(&system).unwrap();
    assert_eq!(report.advanced, vec![scheduled.id.clone()]);
    assert_eq!(
        shop.engine
            .get_order(&admin(), &scheduled.id)
            .unwrap()
            .state,
        OrderState::Processing
    );
    assert_eq!(shop.engine.tick(&system).unwrap(), Default::default());
    assert_eq!(
        shop.engine.tick(&customer("c1")).unwrap_err().code(),
        "forbidden"
    );
}

#[test]
fn paying_later_stops_the_reservation_clock() {
    let shop = shop();
    let mut p = place("c1", &[("A", 1)]);
    p.payment = None;
    let order = shop.engine.place_order(&customer("c1"), p, None).unwrap();
    let order = shop
        .engine
        .execute(
            &customer("c1"),
            &Command::PayOrder {
                order_id: order.id.clone(),
                method: Default::default(),
                capture: true,
            },
            None,
        )
        .unwrap()
        .into_order()
        .unwrap();
    assert_eq!(order.state, OrderState::Confirmed);
    assert_eq!(order.reservation_expires_at, None);
    shop.clock.advance(Duration::hours(5));
    assert_eq!(
        shop.engine.tick(&ordercore::actor::Actor::System).unwrap(),
        Default::default()
    );
    let err = shop
        .engine
        .execute(
            &customer("c1"),
            &Command::PayOrder {
                order_id: order.id.clone(),
                method: Default::default(),
                capture: true,
            },
            None,
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_transition", "nothing is left to pay");
}

#[test]
fn stock_splits_over_warehouses_and_warns_when_low() {
    let shop = shop_with(config());
    shop.stock("A", "east", 3);
    shop.stock("A", "west", 10);
    shop.stock("B", "east", 1);
    let command = Command::SetStock {
        sku: "B".into(),
        location: Some("west".into()),
        on_hand: 5,
        backorder: false,
        low_stock_threshold: Some(4),
    };
    shop.engine.execute(&admin(), &command, None).unwrap();
    // West can ship everything: preferred over splitting.
    let order = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("A", 4), ("B", 1)]), None)
        .unwrap();
    assert!(order.allocations.iter().all(|a| a.location == "west"));
    assert!(shop.event_names().contains(&"low_stock".to_string()));
    // 3 east + 6 west left: 8 A must split.
    let order = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("A", 8)]), None)
        .unwrap();
    let split: Vec<(ordercore::SmolStr, i64)> = order
        .allocations
        .iter()
        .map(|a| (a.location.clone(), a.quantity))
        .collect();
    assert_eq!(split, vec![("east".into(), 3), ("west".into(), 5)]);
    let err = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("A", 1), ("A", 1)]), None)
        .unwrap_err();
    assert_eq!(
        err,
        Error::InsufficientStock {
            sku: "A".into(),
            requested: 2,
            available: 1
        }
    );
    // Stock cannot be set below what is reserved.
    let err = shop
        .engine
        .set_stock(&admin(), "A", Some("west"), 2)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "a scenario read top to bottom, one step after another"
)]
fn returns_follow_their_state_machine_and_window() {
    let shop = shop();
    let c = customer("c1");
    let order = shop
        .engine
        .place_order(&c, place("c1", &[("A", 2)]), None)
        .unwrap();
    shop.engine
        .ship_order(&admin(), &order.id, None, None)
        .unwrap();
    let order = shop
        .engine
        .deliver_order(&admin(), &order.id, None)
        .unwrap();
    let order = request_return(&shop, &c, &order.id, 0, 2);
    let r = order.returns[0].clone();
    // Everything comes back: shipping is refunded too.
    assert_eq!(
        r.shipping_amount,
        order.pricing.shipping.as_ref().unwrap().total
    );
    assert_eq!(r.refund_amount, order.pricing.grand_total);
    assert_eq!(
        update_return(&shop, &order.id, &r.id, ReturnAction::Refund)
            .unwrap_err()
            .code(),
        "invalid_transition"
    );
    update_return(&shop, &order.id, &r.id, ReturnAction::Approve).unwrap();
    update_return(&shop, &order.id, &r.id, ReturnAction::SchedulePickup).unwrap();
    update_return(&shop, &order.id, &r.id, ReturnAction::MarkInTransit).unwrap();
    let receive = Command::UpdateReturn {
        order_id: order.id.clone(),
        return_id: r.id.to_string(),
        action: ReturnAction::Receive,
        received: vec![ReceivedLine {
            line: 0,
            condition: ItemCondition::Damaged,
        }],
    };
    shop.engine.execute(&admin(), &receive, None).unwrap();
    update_return(&shop, &order.id, &r.id, ReturnAction::Process).unwrap();
    assert_eq!(
        shop.level("A", "east"),
        (98, 0),
        "damaged units are not restocked"
    );
    let order = update_return(&shop, &order.id, &r.id, ReturnAction::Refund).unwrap();
    assert_eq!(order.state, OrderState::Returned);
    let QueryOutput::Returns(returns) = shop
        .engine
        .query(
            &c,
            &Query::ListReturns {
                order_id: order.id.clone(),
            },
        )
        .unwrap()
    else {
        unreachable!()
    };
    assert_eq!(returns.len(), 1);
    assert_eq!(returns[0].state, ReturnState::Refunded);
    assert_eq!(
        shop.engine
            .query(
                &customer("other"),
                &Query::ListReturns {
                    order_id: order.id.clone()
                }
            )
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(order.refunded(), order.captured());

    // The window closes 30 days after delivery.
    let o2 = shop
        .engine
        .place_order(&c, place("c1", &[("B", 1)]), None)
        .unwrap();
    shop.engine
        .ship_order(&admin(), &o2.id, None, None)
        .unwrap();
    shop.engine.deliver_order(&admin(), &o2.id, None).unwrap();
    shop.clock.advance(Duration::days(31));
    let err = shop
        .engine
        .execute(
            &c,
            &Command::RequestReturn {
                order_id: o2.id.clone(),
                lines: vec![ReturnLine {
                    line: 0,
                    quantity: 1,
                    reason: ReturnReason::Defective,
                }],
            },
            None,
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_transition");
}

#[test]
fn orders_list_with_stable_pagination() {
    let shop = shop();
    let mut ids = Vec::new();
    for i in 0..7 {
        shop.clock.advance(Duration::seconds(1));
        let customer_id = if i % 2 == 0 { "even" } else { "odd" };
        ids.push(
            shop.engine
                .place_order(
                    &customer(customer_id),
                    place(customer_id, &[("A", 1)]),
                    None,
                )
                .unwrap()
                .id
                .clone(),
        );
    }
    let mut seen = Vec::new();
    let mut query = OrderQuery {
        limit: Some(3),
        ..Default::default()
    };
    loop {
        let QueryOutput::Orders(page) = shop
            .engine
            .query(&admin(), &Query::ListOrders(query.clone()))
            .unwrap()
        else {
            unreachable!()
        };
        seen.extend(page.orders.iter().map(|o| o.id.clone()));
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let QueryOutput::Orders(evens) = shop
        .engine
        .query(
            &admin(),
            &Query::ListOrders(OrderQuery {
                customer_id: Some("even".into()),
                state: Some(OrderState::Confirmed),
                ..Default::default()
            }),
        )
        .unwrap()
    else {
        unreachable!()
    };
    assert_eq!(evens.orders.len(), 4);
    let err = shop
        .engine
        .query(
            &admin(),
            &Query::ListOrders(OrderQuery {
                after: Some("garbage".into()),
                ..Default::default()
            }),
        )
        .unwrap_err();
    assert_eq!(err.field(), Some("after"));
}

#[test]
fn bad_input_names_the_field() {
    let shop = shop();
    let c = customer("c1");
    let mut p = place("c1", &[("A", 0)]);
    assert_eq!(
        shop.engine
            .place_order(&c, p.clone(), None)
            .unwrap_err()
            .field(),
        Some("lines[0].quantity")
    );
    p.lines[0].sku = "ZZZ".into();
    assert_eq!(
        shop.engine
            .place_order(&c, p.clone(), None)
            .unwrap_err()
            .field(),
        Some("lines[0].sku")
    );
    let mut p = place("c1", &[("A", 1)]);
    p.shipping_address.postal_code = Some("ABC".into());
    assert_eq!(
        shop.engine
            .place_order(&c, p.clone(), None)
            .unwrap_err()
            .field(),
        Some("shipping_address.postal_code")
    );
    let mut p = place("c1", &[("A", 1)]);
    p.shipping_option = Some("teleport".into());
    assert_eq!(
        shop.engine.place_order(&c, p, None).unwrap_err().field(),
        Some("shipping_option")
    );
    let err = shop
        .engine
        .place_order(&c, place("c1", &[("A", 1)]), Some(""))
        .unwrap_err();
    assert_eq!(err.field(), Some("idempotency_key"));
}

#[test]
fn a_command_answers_the_order_exactly_as_it_was_committed() {
    let shop = shop();
    let c = customer("c1");
    let placed = shop
        .engine
        .place_order(&c, place("c1", &[("A", 1)]), None)
        .unwrap();
    assert_eq!(*placed, *shop.engine.get_order(&c, &placed.id).unwrap());
    shop.clock.advance(Duration::minutes(5));
    let shipped = shop
        .engine
        .ship_order(&admin(), &placed.id, None, None)
        .unwrap();
    // The answer carries the commit's own time, not the time the order was loaded with.
    assert_eq!(shipped.updated_at, placed.updated_at + Duration::minutes(5));
    assert_eq!(*shipped, *shop.engine.get_order(&c, &placed.id).unwrap());
    // The answer is a snapshot: the next command does not change it.
    shop.clock.advance(Duration::minutes(5));
    let delivered = shop
        .engine
        .deliver_order(&admin(), &placed.id, None)
        .unwrap();
    assert_eq!(shipped.state, OrderState::Shipped);
    assert_eq!(delivered.state, OrderState::Delivered);
    assert_eq!(*delivered, *shop.engine.get_order(&c, &placed.id).unwrap());
}

#[test]
fn every_change_set_writes_its_documents_and_counters_in_key_order() {
    // SQL stores lock rows in the order of the writes and counters: the same order in every
    // process means two checkouts of the same skus cannot deadlock.
    let store = std::sync::Arc::new(FaultyStore::default());
    let engine = ordercore::engine::Engine::builder()
        .config(config())
        .catalog(std::sync::Arc::new(ordercore::catalog::MemoryCatalog::new(
            products(),
        )))
        .store(store.clone())
        .build()
        .unwrap();
    for (sku, location) in [("C", "west"), ("A", "east"), ("B", "west"), ("B", "east")] {
        engine
            .set_stock(&admin(), sku, Some(location), 100)
            .unwrap();
    }
    let order = engine
        .place_order(
            &customer("c9"),
            place("c9", &[("C", 1), ("B", 150), ("A", 2), ("C", 3)]),
            None,
        )
        .unwrap();
    engine.ship_order(&admin(), &order.id, None, None).unwrap();
    let orders = store.applied.lock().unwrap();
    let counted = store.counted.lock().unwrap();
    let checkout = (orders.iter().zip(counted.iter()))
        .position(|(keys, _)| keys.iter().any(|k| k.kind == DocKind::Order))
        .expect("the checkout's change set");
    // The order and its customer record are documents; the stock it reserved (B from both
    // locations) is counters: available and reserved of each item, no stock document.
    let kinds: Vec<DocKind> = orders[checkout].iter().map(|k| k.kind).collect();
    assert_eq!(kinds, [DocKind::Order, DocKind::Customer]);
    assert_eq!(counted[checkout].len(), 8, "{:?}", counted[checkout]);
    for keys in orders.iter() {
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    }
    for names in counted.iter() {
        assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
    }
    assert!(orders.len() >= 6, "set stock ×4, place, ship");
}

#[test]
fn shipping_rates_check_quantities_and_overflow_instead_of_panicking() {
    let shop = shop();
    let rates = |lines: &[(&str, i64)]| {
        shop.engine.query(
            &customer("c1"),
            &Query::ShippingRates {
                address: address(),
                lines: place("c1", lines).lines,
            },
        )
    };
    assert!(matches!(rates(&[("A", 2)]), Ok(QueryOutput::Rates(r)) if !r.is_empty()));
    for (quantity, code) in [
        (0, "invalid_input"),
        (-3, "invalid_input"),
        (i64::MAX, "limit_exceeded"),
    ] {
        let error = rates(&[("A", 1), ("B", quantity)]).unwrap_err();
        assert_eq!(error.code(), code, "{quantity}");
        assert_eq!(error.field(), Some("lines[1].quantity"), "{quantity}");
    }
    // Placing checks the same before pricing shipping.
    let error = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("B", i64::MAX)]), None)
        .unwrap_err();
    assert_eq!(error.field(), Some("lines[0].quantity"));

    // A catalog price near the largest decimal: price × quantity overflows, as an error.
    let huge: Vec<ordercore::catalog::Product> = serde_json::from_value(serde_json::json!([
        {"sku": "H", "name": "Huge", "unit_price": "70000000000000000000000000000", "weight": "1"}
    ]))
    .unwrap();
    let engine = ordercore::engine::Engine::builder()
        .config(config())
        .catalog(std::sync::Arc::new(ordercore::catalog::MemoryCatalog::new(
            huge,
        )))
        .build()
        .unwrap();
    let error = engine
        .query(
            &customer("c1"),
            &Query::ShippingRates {
                address: address(),
                lines: place("c1", &[("H", 2)]).lines,
            },
        )
        .unwrap_err();
    assert_eq!(error.code(), "amount_overflow");
}

#[test]
fn configured_durations_beyond_a_century_are_refused_by_field() {
    type Change = dyn Fn(&mut ordercore::engine::EngineConfig);
    let build = |change: &Change| {
        let mut config = config();
        change(&mut config);
        ordercore::engine::Engine::builder()
            .config(config)
            .build()
            .map(|_| ())
    };
    assert!(build(&|_| {}).is_ok());
    assert!(build(&|c| c.reservation_ttl_minutes = 36_525 * 24 * 60).is_ok());
    assert!(build(&|c| c.return_window_days = 0).is_ok());
    let cases: [(&Change, &str); 6] = [
        (
            &|c| c.reservation_ttl_minutes = 0,
            "reservation_ttl_minutes",
        ),
        (
            &|c| c.reservation_ttl_minutes = i64::MAX,
            "reservation_ttl_minutes",
        ),
        (&|c| c.return_window_days = -1, "return_window_days"),
        (&|c| c.return_window_days = i64::MAX, "return_window_days"),
        (
            &|c| c.flows[1].auto_process_after_minutes = Some(i64::MAX),
            "flows[1].auto_process_after_minutes",
        ),
        (
            &|c| c.flows[1].auto_process_after_minutes = Some(-1),
            "flows[1].auto_process_after_minutes",
        ),
    ];
    for (change, field) in cases {
        let error = build(change).unwrap_err();
        assert_eq!(
            (error.code(), error.field()),
            ("invalid_input", Some(field))
        );
    }
}

#[test]
fn an_orders_fields_picked_one_by_one_are_the_whole_document() {
    let shop = shop();
    shop.stock("A", "east", 10);
    let order = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("A", 2)]), None)
        .unwrap();
    let whole = serde_json::to_value(&*order).unwrap();
    let names = ordercore::json::field_names(&*order).unwrap();
    // In the document's order: each name is written after the one before.
    let text = serde_json::to_string(&*order).unwrap();
    let mut from = 0;
    for name in &names {
        let at = text[from..].find(&format!("\"{name}\":"));
        from += at.unwrap_or_else(|| panic!("{name} out of order")) + 1;
    }
    assert_eq!(names.len(), whole.as_object().unwrap().len());
    for name in names {
        let text = ordercore::json::field_json(&*order, name).unwrap().unwrap();
        let picked: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(picked, whole[name], "{name}");
    }
}
