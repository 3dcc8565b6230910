//! Money and stock safety: each test reproduces a defect found by attacking the engine (issues
//! "Money and stock safety" and "Returns, refunds and authorizations") and checks the answer a
//! shop relies on.

mod common;

use std::sync::Arc;

use common::*;
use ordercore::command::{Command, PaymentInput, ReturnLine, ShipLine, WebhookOutcome};
use ordercore::engine::EngineConfig;
use ordercore::order::{Order, OrderState};
use ordercore::payment::{PaymentState, Scripted};
use ordercore::returns::{ReturnAction, ReturnReason, ReturnState};
use ordercore::store::{ChangeSet, Store};
use ordercore::{Decimal, Error};
use serde_json::json;

fn placed(shop: &Shop, lines: &[(&str, i64)]) -> Arc<Order> {
    shop.engine
        .place_order(&customer("c1"), place("c1", lines), None)
        .unwrap()
}

fn delivered(shop: &Shop, lines: &[(&str, i64)]) -> Arc<Order> {
    let order = placed(shop, lines);
    shop.engine
        .ship_order(&admin(), &order.id, None, None)
        .unwrap();
    shop.engine
        .deliver_order(&admin(), &order.id, None)
        .unwrap()
}

fn request_return(shop: &Shop, order_id: &str, line: usize, quantity: i64) -> ordercore::SmolStr {
    let command = Command::RequestReturn {
        order_id: order_id.into(),
        lines: vec![ReturnLine {
            line,
            quantity,
            reason: ReturnReason::NoLongerNeeded,
        }],
    };
    let order = shop
        .engine
        .execute(&customer("c1"), &command, None)
        .unwrap()
        .into_order()
        .unwrap();
    order.returns.last().unwrap().id.clone()
}

fn act(shop: &Shop, order_id: &str, return_id: &str, action: ReturnAction) -> Arc<Order> {
    let command = Command::UpdateReturn {
        order_id: order_id.into(),
        return_id: return_id.into(),
        action,
        received: vec![],
    };
    shop.engine
        .execute(&admin(), &command, None)
        .unwrap()
        .into_order()
        .unwrap()
}

/// Approve, receive, process and refund a return.
fn refund_return(shop: &Shop, order_id: &str, return_id: &str) -> Arc<Order> {
    for action in [
        ReturnAction::Approve,
        ReturnAction::Receive,
        ReturnAction::Process,
    ] {
        act(shop, order_id, return_id, action);
    }
    act(shop, order_id, return_id, ReturnAction::Refund)
}

fn with_fee(percent: &str) -> EngineConfig {
    EngineConfig {
        restocking_fee_percent: d(percent),
        ..config()
    }
}

fn ship(shop: &Shop, order_id: &str, lines: &[(usize, i64)]) -> ordercore::Result<Arc<Order>> {
    let lines = lines
        .iter()
        .map(|&(line, quantity)| ShipLine { line, quantity })
        .collect();
    shop.engine
        .ship_order(&admin(), order_id, Some(lines), None)
}

#[test]
fn a_line_listed_twice_in_a_shipment_is_refused_and_ships_nothing() {
    let shop = shop();
    let order = placed(&shop, &[("A", 2)]);
    let err = ship(&shop, &order.id, &[(0, 2), (0, 2)]).unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "lines[1].line"));
    // Past the lines limit the list is refused before any entry is looked at.
    let many = vec![(0, 1); 100_000];
    assert_eq!(
        ship(&shop, &order.id, &many).unwrap_err().code(),
        "limit_exceeded"
    );
    let few = vec![(0, 1); 3];
    assert_eq!(
        ship(&shop, &order.id, &few).unwrap_err().code(),
        "invalid_input"
    );
    assert_eq!(shop.level("A", "east"), (100, 2), "nothing left stock");
    // The order is not stuck: shipping and delivering it still work.
    let order = ship(&shop, &order.id, &[(0, 2)]).unwrap();
    assert_eq!(order.lines[0].shipped, 2);
    let order = shop
        .engine
        .deliver_order(&admin(), &order.id, None)
        .unwrap();
    assert_eq!(order.state, OrderState::Delivered);
}

#[test]
fn a_catalog_price_past_the_decimal_range_is_refused_not_divided() {
    let huge = "12345678901234567890123456789";
    let config = json!({"products": [{"sku": "X", "unit_price": huge}]}).to_string();
    let err = ordercore::json::JsonEngine::new(&config).unwrap_err();
    assert_eq!(
        err,
        Error::AmountOverflow {
            field: "products[0].unit_price".into()
        }
    );
    // The pricer refuses it too, naming the line.
    let pricer = ordercore::json::JsonPricer::new("{}").unwrap();
    let cart =
        json!({"currency": "USD", "lines": [{"sku": "X", "unit_price": huge, "quantity": 1}]});
    let err = pricer.price(&cart.to_string(), "{}").unwrap_err();
    assert_eq!(
        err,
        Error::AmountOverflow {
            field: "lines[0].unit_price".into()
        }
    );
}

#[test]
fn a_fully_refunded_order_is_unpaid_and_cannot_ship() {
    let shop = shop();
    let order = placed(&shop, &[("A", 2)]);
    let order = shop
        .engine
        .refund_payment(&admin(), &order.id, None, None)
        .unwrap();
    assert_eq!(order.held(), Decimal::ZERO);
    assert!(!order.is_paid());
    let err = shop
        .engine
        .ship_order(&admin(), &order.id, None, None)
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidTransition { state, .. } if state == "unpaid"),
        "{err:?}"
    );
    // It can be paid again (or cancelled, which releases its stock).
    assert_eq!(order.outstanding(), order.pricing.grand_total);
    let order = shop
        .engine
        .cancel_order(&admin(), &order.id, None, None)
        .unwrap();
    assert_eq!(order.state, OrderState::Cancelled);
    assert_eq!(shop.level("A", "east"), (100, 0));
}

#[test]
fn too_many_coupon_codes_are_refused_before_any_is_looked_at() {
    let shop = shop();
    let mut p = place("c1", &[("A", 1)]);
    p.coupon_codes = (0..100_000).map(|i| format!("C{i}").into()).collect();
    let err = shop
        .engine
        .place_order(&customer("c1"), p, None)
        .unwrap_err();
    assert_eq!(
        err,
        Error::LimitExceeded {
            field: "coupon_codes".into(),
            limit: 20
        }
    );
}

#[test]
fn adjusting_stock_past_the_largest_count_is_refused() {
    let shop = shop();
    shop.stock("A", "east", i64::MAX);
    let command = Command::AdjustStock {
        sku: "A".into(),
        location: Some("east".into()),
        delta: 5,
    };
    let err = shop.engine.execute(&admin(), &command, None).unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "delta"));
    assert_eq!(shop.level("A", "east"), (i64::MAX, 0));
}

/// Adds to the stored `reserved` counter of `A@east` behind the engine's back, as a hand edit
/// of a database would.
fn edit_reserved(shop: &Shop, delta: i64) {
    let key = ordercore::store::CounterKey::reserved("A@east");
    let changes = ChangeSet {
        counters: vec![ordercore::store::CounterDelta {
            key,
            delta,
            min: None,
            max: None,
        }],
        ..ChangeSet::default()
    };
    shop.store.commit(changes).unwrap();
}

#[test]
fn impossible_stock_from_the_store_is_a_store_fault_never_cached() {
    let shop = shop();
    edit_reserved(&shop, -9);
    let err = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("A", 5)]), Some("k"))
        .unwrap_err();
    assert_eq!(err.code(), "provider_error");
    // Once the row is repaired, the same key runs the command: the fault was not cached.
    edit_reserved(&shop, 9);
    let order = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("A", 5)]), Some("k"))
        .unwrap();
    assert_eq!(order.lines[0].quantity, 5);
}

#[test]
fn pay_on_a_paid_order_is_an_invalid_transition_listing_what_the_actor_can_do() {
    let shop = shop();
    let p = place_authorizing("c1", &[("A", 1)]);
    let order = shop.engine.place_order(&customer("c1"), p, None).unwrap();
    let actions = shop
        .engine
        .available_actions(&order, &customer("c1"))
        .unwrap();
    assert!(!actions.iter().any(|a| a.name() == "pay"), "{actions:?}");
    match shop
        .engine
        .pay_order(&customer("c1"), &order.id, Default::default(), None)
    {
        Err(Error::InvalidTransition { allowed, .. }) => {
            let names: Vec<&str> = actions.iter().map(|a| a.name()).collect();
            assert_eq!(allowed, names);
        }
        other => panic!("expected invalid_transition, got {other:?}"),
    }
    // For support staff, paying an authorized order takes (captures) it.
    let order = shop
        .engine
        .pay_order(&admin(), &order.id, Default::default(), None)
        .unwrap();
    assert_eq!(order.captured(), order.pricing.grand_total);
}

// --- Returns, refunds and authorizations -------------------------------------------------

fn b2g1_shop(config: EngineConfig) -> Shop {
    let promotions = serde_json::from_value(json!([
        {"id": "b2g1", "effect": {"type": "buy_x_get_y", "buy": 2, "get": 1, "percentage": "100"}}
    ]))
    .unwrap();
    let shop = shop_with_promotions(config, products(), promotions);
    shop.stock("A", "east", 10);
    shop
}

#[test]
fn a_withdrawn_return_frees_its_units_and_no_unit_is_refunded_twice() {
    let shop = b2g1_shop(with_fee("15"));
    let order = delivered(&shop, &[("A", 3)]);
    let r1 = request_return(&shop, &order.id, 0, 1);
    let r2 = request_return(&shop, &order.id, 0, 1);
    let cancel = Command::UpdateReturn {
        order_id: order.id.clone(),
        return_id: r1.to_string(),
        action: ReturnAction::Cancel,
        received: vec![],
    };
    shop.engine.execute(&customer("c1"), &cancel, None).unwrap();
    let r3 = request_return(&shop, &order.id, 0, 1);
    let r4 = request_return(&shop, &order.id, 0, 1);
    for r in [&r2, &r3, &r4] {
        refund_return(&shop, &order.id, r);
    }
    let order = shop.engine.get_order(&admin(), &order.id).unwrap();
    let live: Vec<_> = order
        .returns
        .iter()
        .filter(|r| r.state == ReturnState::Refunded)
        .collect();
    let mut units: Vec<u64> = live
        .iter()
        .flat_map(|r| r.items.iter().map(|i| i.first_unit))
        .collect();
    units.sort_unstable();
    assert_eq!(units, [0, 1, 2], "each unit refunded once");
    let items: Decimal = live.iter().map(|r| r.items_amount).sum();
    assert_eq!(
        items, order.pricing.lines[0].total,
        "the line's units, once"
    );
    let paid_out: Decimal = live.iter().map(|r| r.refunded).sum();
    let fees: Decimal = live.iter().map(|r| r.restocking_fee).sum();
    assert_eq!(paid_out, order.pricing.grand_total - fees);
    assert!(order.refunded() <= order.captured());
    assert_eq!(shop.gateway.refunded_total(), paid_out);
}

#[test]
fn shipping_is_refunded_once_even_after_a_rejected_return() {
    let shop = shop_with(with_fee("15"));
    shop.stock("A", "east", 10);
    let order = delivered(&shop, &[("A", 2)]);
    let r1 = request_return(&shop, &order.id, 0, 1);
    let r2 = request_return(&shop, &order.id, 0, 1);
    let after = refund_return(&shop, &order.id, &r2);
    let shipping = order.pricing.shipping.as_ref().unwrap().total;
    assert_eq!(after.returns[1].shipping_amount, shipping);
    act(&shop, &order.id, &r1, ReturnAction::Reject);
    let r3 = request_return(&shop, &order.id, 0, 1);
    let order = refund_return(&shop, &order.id, &r3);
    assert_eq!(order.returns[2].shipping_amount, d("0.00"));
    assert!(order.refunded() <= order.captured());
    assert!(
        order.refunded() < order.pricing.grand_total,
        "fees kept back"
    );
}

#[test]
fn a_partial_refund_leaves_the_rest_of_an_authorization_capturable() {
    let shop = shop();
    let mut p = place_authorizing("c1", &[("A", 5)]);
    p.flow = Some("scheduled".into());
    let order = shop.engine.place_order(&customer("c1"), p, None).unwrap();
    let total = order.pricing.grand_total;
    shop.engine
        .capture_payment(&admin(), &order.id, Some(d("10.00")), None)
        .unwrap();
    let process = Command::ProcessOrder {
        order_id: order.id.clone(),
    };
    shop.engine.execute(&admin(), &process, None).unwrap();
    let order = shop
        .engine
        .refund_payment(&admin(), &order.id, Some(d("2.00")), None)
        .unwrap();
    assert_eq!(order.payments[0].state, PaymentState::PartiallyRefunded);
    assert_eq!(order.payments[0].capturable(), total - d("10.00"));
    assert!(
        order.is_paid(),
        "a partial refund is a concession, not a reversal"
    );
    let order = shop
        .engine
        .ship_order(&admin(), &order.id, None, None)
        .unwrap();
    assert_eq!(order.captured(), total, "shipping captured the rest");
    assert_eq!(shop.gateway.captured_total(), total);
    assert_eq!(order.payments[0].state, PaymentState::PartiallyRefunded);
}

#[test]
fn cancel_releases_the_rest_of_a_partly_captured_authorization() {
    let shop = shop();
    let p = place_authorizing("c1", &[("A", 5)]);
    let order = shop.engine.place_order(&customer("c1"), p, None).unwrap();
    let total = order.pricing.grand_total;
    shop.engine
        .capture_payment(&admin(), &order.id, Some(d("10.00")), None)
        .unwrap();
    let order = shop
        .engine
        .cancel_order(&admin(), &order.id, None, None)
        .unwrap();
    assert_eq!(shop.gateway.voided_total(), total - d("10.00"));
    assert_eq!(shop.gateway.refunded_total(), d("10.00"));
    let payment = &order.payments[0];
    assert_eq!(payment.released, total - d("10.00"));
    assert_eq!(payment.capturable(), Decimal::ZERO, "no hold left");
    assert_eq!(payment.state, PaymentState::Refunded);
}

#[test]
fn a_return_after_a_partial_refund_pays_what_is_still_refundable() {
    let shop = shop();
    let order = delivered(&shop, &[("A", 3)]);
    let total = order.pricing.grand_total;
    shop.engine
        .refund_payment(&admin(), &order.id, Some(d("5.00")), None)
        .unwrap();
    let r = request_return(&shop, &order.id, 0, 3);
    let order = refund_return(&shop, &order.id, &r);
    let ret = &order.returns[0];
    assert_eq!(ret.state, ReturnState::Refunded, "not stuck in processed");
    assert_eq!(
        ret.refund_amount, total,
        "the units' amount, shipping included"
    );
    assert_eq!(ret.refunded, total - d("5.00"));
    assert_eq!(order.refunded(), total);
    assert_eq!(shop.gateway.refunded_total(), total);
}

#[test]
fn money_arriving_after_a_cancel_goes_straight_back() {
    for capture in [true, false] {
        let shop = shop();
        let mut p = place("c1", &[("A", 1)]);
        p.payment = Some(PaymentInput {
            method: Default::default(),
            capture,
        });
        shop.gateway.script([Scripted::Pending]);
        let order = shop.engine.place_order(&customer("c1"), p, None).unwrap();
        let reference = order.payments[0].provider_reference.clone().unwrap();
        let order = shop
            .engine
            .cancel_order(&admin(), &order.id, None, None)
            .unwrap();
        assert_eq!(order.payments[0].state, PaymentState::Voided);
        // The void lost the race: the provider reports the money taken.
        let webhook = Command::PaymentWebhook {
            provider: "fake".into(),
            event_id: "evt-late".into(),
            reference: reference.to_string(),
            outcome: WebhookOutcome::Succeeded,
            reason: None,
            order_id: Some(order.id.clone()),
            invoice_id: None,
        };
        let order = shop
            .engine
            .execute(&ordercore::actor::Actor::System, &webhook, None)
            .unwrap()
            .into_order()
            .unwrap();
        let payment = &order.payments[0];
        assert_eq!(
            payment.net_held(),
            Decimal::ZERO,
            "capture {capture}: {payment:?}"
        );
        if capture {
            assert_eq!(payment.refunded, payment.amount);
            assert_eq!(shop.gateway.refunded_total(), payment.amount);
        } else {
            assert_eq!(payment.state, PaymentState::Voided);
            assert!(shop.gateway.voided_total() >= payment.amount);
        }
        assert_eq!(order.state, OrderState::Cancelled);
    }
}

#[test]
fn returned_units_go_back_where_they_shipped_from() {
    let shop = shop_with(config());
    shop.stock("A", "east", 3);
    shop.stock("A", "west", 5);
    let order = delivered(&shop, &[("A", 6)]);
    let from: Vec<(String, i64)> = order
        .allocations
        .iter()
        .map(|a| (a.location.to_string(), a.shipped))
        .collect();
    assert_eq!(from, [("east".into(), 3), ("west".into(), 3)]);
    let r = request_return(&shop, &order.id, 0, 4);
    refund_return(&shop, &order.id, &r);
    assert_eq!(
        shop.level("A", "east"),
        (3, 0),
        "east shipped 3, takes 3 back"
    );
    assert_eq!(
        shop.level("A", "west"),
        (3, 0),
        "west shipped 3, takes 1 back"
    );
}

#[test]
fn configuration_that_cannot_work_is_refused_when_the_engine_is_built() {
    let fee = json!({"engine": {"restocking_fee_percent": "150"}}).to_string();
    let err = ordercore::json::JsonEngine::new(&fee).unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "restocking_fee_percent"));
    let price = json!({"products": [{"sku": "X", "unit_price": "1.005"}]}).to_string();
    let err = ordercore::json::JsonEngine::new(&price).unwrap_err();
    assert!(
        matches!(&err, Error::TooManyDecimals { field, .. } if field == "products[0].unit_price")
    );
    let negative = json!({"products": [{"sku": "X", "unit_price": "-1"}]}).to_string();
    let err = ordercore::json::JsonEngine::new(&negative).unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "products[0].unit_price"));
    let rate = json!({"carrier": {"rates": [{"option_id": "s", "carrier": "post", "service": "s",
        "table": {"type": "flat", "amount": "4.999"}}]}})
    .to_string();
    let err = ordercore::json::JsonEngine::new(&rate).unwrap_err();
    assert!(
        matches!(&err, Error::TooManyDecimals { field, .. } if field == "carrier.rates[0].table.amount"),
        "{err:?}"
    );
}

#[test]
fn cancelling_an_order_gives_its_coupon_use_back() {
    let shop = shop();
    let mut p = place("c1", &[("A", 2)]);
    p.coupon_codes = vec!["SAVE5".into()];
    let uses = |shop: &Shop| {
        let names = [
            ordercore::store::CounterKey::promotion_uses("save5"),
            ordercore::store::CounterKey::promotion_customer_uses("save5", "c1"),
        ];
        match shop.store.counters(&names).unwrap()[..] {
            [total, c1] => (total, Some(c1)),
            _ => (0, None),
        }
    };
    let order = shop.engine.place_order(&customer("c1"), p, None).unwrap();
    assert_eq!(uses(&shop), (1, Some(1)));
    shop.engine
        .cancel_order(&customer("c1"), &order.id, None, None)
        .unwrap();
    assert_eq!(
        uses(&shop),
        (0, Some(0)),
        "a cancelled order did not use its coupon"
    );
}

#[test]
fn a_quantity_past_the_integer_range_names_its_line() {
    let engine = ordercore::json::JsonEngine::new(
        &json!({"products": [{"sku": "A", "unit_price": "1.00"}]}).to_string(),
    )
    .unwrap();
    let actor = json!({"type": "customer", "id": "c1"}).to_string();
    // 2^63, one past i64: the JSON reader would name the whole command.
    let command = r#"{"command": "place_order", "customer_id": "c1",
        "lines": [{"sku": "A", "quantity": 9223372036854775808}],
        "shipping_address": {"name": "Ada", "line1": "1 Main St", "city": "SF",
            "postal_code": "94103", "country": "US"}}"#;
    let err = engine.execute(&actor, command, None).unwrap_err();
    assert_eq!(err.code(), "limit_exceeded", "{err:?}");
    assert_eq!(err.field(), Some("lines[0].quantity"));
}

#[test]
fn the_unshipped_rest_of_a_partly_shipped_order_can_be_cancelled_and_refunded_exactly() {
    let shop = b2g1_shop(config());
    shop.stock("B", "east", 10);
    let order = placed(&shop, &[("A", 3), ("B", 2)]);
    let order = ship(&shop, &order.id, &[(0, 1)]).unwrap();
    assert_eq!(order.state, OrderState::PartiallyShipped);
    let offered = shop.engine.available_actions(&order, &admin()).unwrap();
    assert!(offered.iter().any(|a| a.name() == "cancel_unshipped"));
    let customer_may = shop
        .engine
        .available_actions(&order, &customer("c1"))
        .unwrap();
    assert!(!customer_may.iter().any(|a| a.name() == "cancel_unshipped"));

    let command = Command::CancelUnshipped {
        order_id: order.id.clone(),
        reason: Some("backordered".into()),
    };
    let denied = shop.engine.execute(&customer("c1"), &command, None);
    assert_eq!(denied.unwrap_err().code(), "forbidden");
    let order = shop
        .engine
        .execute(&admin(), &command, None)
        .unwrap()
        .into_order()
        .unwrap();
    // Two units of A and both of B never shipped: exactly what they cost comes back (A's last
    // units carry the buy-2-get-1 discount; tax included), shipping stays paid.
    let a = &order.pricing.lines[0];
    let b = &order.pricing.lines[1];
    let expected = a.units(1, 2, false).unwrap().total + b.total;
    assert_eq!(order.refunded(), expected);
    assert_eq!(shop.gateway.refunded_total(), expected);
    assert_eq!((order.lines[0].cancelled, order.lines[1].cancelled), (2, 2));
    assert_eq!(order.state, OrderState::Shipped);
    assert_eq!(shop.level("A", "east"), (9, 0), "released, one shipped");
    assert_eq!(shop.level("B", "east"), (10, 0));
    // The rest of the order carries on: delivered, and its one unit returned and refunded.
    let order = shop
        .engine
        .deliver_order(&admin(), &order.id, None)
        .unwrap();
    assert_eq!(order.state, OrderState::Delivered);
    let r = request_return(&shop, &order.id, 0, 1);
    let order = refund_return(&shop, &order.id, &r);
    assert_eq!(
        order.state,
        OrderState::Returned,
        "everything kept came back"
    );
    assert_eq!(
        order.refunded(),
        order.pricing.grand_total - order.pricing.shipping.as_ref().unwrap().total
            + order.returns[0].shipping_amount
    );
    assert!(order.refunded() <= order.captured());
}
