//! Whatever a client or a host sends — extreme quantities, amounts at the edge of the decimal
//! range, unknown lines and ids, commands in any order, from staff, customers or the system,
//! with idempotency keys that repeat across requests — the engine answers `Ok` or a coded
//! error and never panics (a panic would abort a Node process or cross the C ABI). The same
//! holds for pricing any cart.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::*;
use ordercore::actor::Actor;
use ordercore::command::{Command, CommandOutput, Query};
use proptest::prelude::*;
use serde_json::{Value, json};

fn quantity() -> impl Strategy<Value = i64> {
    prop_oneof![
        30 => 1i64..4,
        1 => Just(i64::MIN),
        1 => Just(-1),
        1 => Just(0),
        1 => Just(1_000_000),
        1 => Just(1_000_001),
        1 => Just(i64::MAX),
        1 => any::<i64>(),
    ]
}

fn line_index() -> impl Strategy<Value = u64> {
    prop_oneof![6 => 0u64..3, 1 => Just(7), 1 => Just(u64::MAX), 1 => any::<u64>()]
}

fn amount() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("0")),
        Just(json!("0.01")),
        Just(json!("-0.01")),
        Just(json!("0.001")),
        Just(json!("5")),
        Just(json!("12.345")),
        Just(json!("79228162514264337593543950335")),
        Just(json!("-79228162514264337593543950335")),
        Just(json!("0.0000000000000000000000000001")),
        Just(json!(null)),
    ]
}

/// `@n`: the n-th order placed so far (resolved when the request runs), or an id that is not.
fn order_id() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0u32..4).prop_map(|n| format!("@{n}")),
        1 => Just(String::new()),
        1 => Just("ord_999999".to_string()),
    ]
}

fn sku() -> impl Strategy<Value = String> {
    prop_oneof![4 => Just("A"), 4 => Just("B"), 4 => Just("C"), 1 => Just("HUGE"), 1 => Just("nope"), 1 => Just("")]
        .prop_map(str::to_string)
}

/// One command or query, as the JSON a binding would hand over.
fn request() -> impl Strategy<Value = Value> {
    let place = (
        proptest::collection::vec((sku(), quantity()), 0..4),
        prop_oneof![
            Just(json!("standard")),
            Just(json!("express")),
            Just(json!(null)),
            Just(json!("nope"))
        ],
        any::<bool>(),
    )
        .prop_map(|(lines, option, pay)| {
            let lines: Vec<Value> = lines
                .into_iter()
                .map(|(sku, quantity)| json!({"sku": sku, "quantity": quantity}))
                .collect();
            let payment = if pay {
                json!({"method": "card"})
            } else {
                json!(null)
            };
            json!({"command": "place_order", "customer_id": "c1", "lines": lines,
                   "shipping_address": address(), "shipping_option": option, "payment": payment})
        });
    prop_oneof![
        3 => place,
        1 => (order_id(), any::<bool>()).prop_map(|(id, capture)| json!({"command": "pay_order", "order_id": id, "capture": capture})),
        1 => (order_id(), amount()).prop_map(|(id, amount)| json!({"command": "capture_payment", "order_id": id, "amount": amount})),
        1 => (order_id(), amount()).prop_map(|(id, amount)| json!({"command": "refund_payment", "order_id": id, "amount": amount})),
        1 => (order_id(), proptest::option::of(proptest::collection::vec((line_index(), quantity()), 0..3))).prop_map(|(id, lines)| {
            let lines = lines.map(|l| l.into_iter().map(|(line, quantity)| json!({"line": line, "quantity": quantity})).collect::<Vec<_>>());
            json!({"command": "ship_order", "order_id": id, "lines": lines})
        }),
        1 => order_id().prop_map(|id| json!({"command": "deliver_order", "order_id": id})),
        1 => order_id().prop_map(|id| json!({"command": "cancel_order", "order_id": id})),
        1 => order_id().prop_map(|id| json!({"command": "process_order", "order_id": id})),
        1 => (order_id(), proptest::collection::vec((line_index(), quantity()), 0..3)).prop_map(|(id, lines)| {
            let lines: Vec<Value> = lines.into_iter().map(|(line, quantity)| json!({"line": line, "quantity": quantity, "reason": "defective"})).collect();
            json!({"command": "request_return", "order_id": id, "lines": lines})
        }),
        1 => (order_id(), 0u32..3, prop_oneof![Just("approve"), Just("receive"), Just("process"), Just("refund"), Just("reject"), Just("cancel")], proptest::collection::vec(line_index(), 0..2)).prop_map(|(id, ret, action, received)| {
            let received: Vec<Value> = received.into_iter().map(|line| json!({"line": line, "condition": "sellable"})).collect();
            json!({"command": "update_return", "order_id": id, "return_id": format!("@{ret}"), "action": action, "received": received})
        }),
        1 => (sku(), quantity(), any::<bool>(), proptest::option::of(quantity())).prop_map(|(sku, on_hand, backorder, threshold)| json!({"command": "set_stock", "sku": sku, "on_hand": on_hand, "backorder": backorder, "low_stock_threshold": threshold})),
        1 => (sku(), quantity()).prop_map(|(sku, delta)| json!({"command": "adjust_stock", "sku": sku, "delta": delta})),
        1 => proptest::collection::vec((sku(), quantity()), 0..3).prop_map(|lines| {
            let lines: Vec<Value> = lines.into_iter().map(|(sku, quantity)| json!({"sku": sku, "quantity": quantity})).collect();
            json!({"query": "shipping_rates", "address": address(), "lines": lines})
        }),
        1 => (proptest::option::of(quantity())).prop_map(|size| json!({"query": "list_orders", "limit": size})),
        1 => prop_oneof![8 => 0i64..100_000, 1 => Just(1_000_000_000_000i64)]
            .prop_map(|minutes| json!({"tick": minutes})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_request_panics(
        requests in proptest::collection::vec(
            // The request, who sends it (staff, either customer, the system), and an
            // idempotency key from a small set, so that keys repeat with other requests.
            (request(), prop_oneof![6 => Just(0usize), 1 => Just(1), 1 => Just(2), 1 => Just(3)], proptest::option::of(0u8..3)),
            1..40,
        ),
    ) {
        let actors = [admin(), customer("c1"), customer("c2"), Actor::System];
        // The shop's catalog plus a product priced near the largest decimal.
        let mut catalog = products();
        catalog.extend(serde_json::from_value::<Vec<ordercore::catalog::Product>>(json!([
            {"sku": "HUGE", "unit_price": "70000000000000000000000000000", "weight": "70000000000000000000000000000"}
        ])).unwrap_or_default());
        let shop = shop_with_catalog(config(), catalog);
        for sku in ["A", "B", "C", "HUGE"] {
            shop.stock(sku, "east", 100);
        }
        // One paid order to start from, so that most requests reach a real order.
        let first = shop.engine.place_order(&customer("c1"), place("c1", &[("A", 2), ("B", 1)]), None);
        prop_assert!(first.is_ok());
        let mut placed: Vec<ordercore::SmolStr> = first.into_iter().map(|order| order.id.clone()).collect();
        for (request, actor, key) in &requests {
            let request = resolve(request, &shop, &placed);
            let actor = &actors[*actor];
            let key = key.map(|n| format!("key-{n}"));
            let answer = catch_unwind(AssertUnwindSafe(|| {
                if let Some(minutes) = request.get("tick").and_then(Value::as_i64) {
                    shop.clock.advance(chrono::Duration::minutes(minutes));
                    let _ = shop.engine.tick(&Actor::System);
                    None
                } else if request.get("query").is_some() {
                    let query = serde_json::from_value::<Query>(request.clone()).ok()?;
                    let _ = shop.engine.query(actor, &query);
                    None
                } else {
                    let command = serde_json::from_value::<Command>(request.clone()).ok()?;
                    match shop.engine.execute(actor, &command, key.as_deref()) {
                        Ok(CommandOutput::Order(order)) if matches!(command, Command::PlaceOrder(_)) => Some(order.id.clone()),
                        _ => None,
                    }
                }
            }));
            prop_assert!(answer.is_ok(), "panicked on {request} after {requests:?}");
            placed.extend(answer.ok().flatten());
        }
    }
}

/// `request` with `@n` order and return ids replaced by real ones (the n-th, wrapping).
fn resolve(request: &Value, shop: &Shop, placed: &[ordercore::SmolStr]) -> Value {
    let mut request = request.clone();
    let nth = |text: &str| text.strip_prefix('@').and_then(|n| n.parse::<usize>().ok());
    let order_id = match request
        .get("order_id")
        .and_then(Value::as_str)
        .and_then(nth)
    {
        Some(n) if !placed.is_empty() => Some(placed[n % placed.len()].clone()),
        Some(_) => Some("ord_none".into()),
        None => None,
    };
    if let Some(id) = order_id {
        let returns = shop
            .engine
            .get_order(&admin(), &id)
            .map(|order| {
                order
                    .returns
                    .iter()
                    .map(|r| r.id.clone())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if let Some(n) = request
            .get("return_id")
            .and_then(Value::as_str)
            .and_then(nth)
        {
            request["return_id"] = json!(
                returns
                    .get(n % returns.len().max(1))
                    .map_or("ret_none", |r| r.as_str())
            );
        }
        request["order_id"] = json!(id.as_str());
    }
    request
}

fn price() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => (0i64..100_000).prop_map(|cents| json!(format!("{}.{:02}", cents / 100, cents % 100))),
        1 => Just(json!("0")),
        1 => Just(json!("-0.01")),
        1 => Just(json!("0.0000000000000000000000000001")),
        1 => Just(json!("12.3456")),
        1 => Just(json!("79228162514264337593543950335")),
        1 => Just(json!("7922816251426433759354395033.5")),
        1 => Just(json!(19.99)),
    ]
}

/// A cart as JSON: lines with extreme prices, quantities and weights, optional shipping, any
/// coupon, either currency scale, prices with or without tax.
fn cart() -> impl Strategy<Value = Value> {
    (
        prop_oneof![3 => Just("USD"), 3 => Just("JPY"), 3 => Just("KWD"), 1 => Just("XXX")],
        proptest::collection::vec(
            (
                prop_oneof![Just("A"), Just("B"), Just("C"), Just("")],
                price(),
                quantity(),
                proptest::option::of(price()),
            ),
            0..6,
        ),
        proptest::option::of(price()),
        proptest::collection::vec(
            prop_oneof![Just("HALF"), Just("BIG"), Just("B2G1"), Just("nope")],
            0..3,
        ),
        any::<bool>(),
    )
        .prop_map(|(currency, lines, shipping, coupons, inclusive)| {
            let lines: Vec<Value> = lines
                .into_iter()
                .map(|(sku, unit_price, quantity, weight)| {
                    json!({"sku": sku, "unit_price": unit_price, "quantity": quantity,
                           "weight": weight, "category": "gear"})
                })
                .collect();
            let shipping = shipping.map(|amount| json!({"method": "standard", "amount": amount}));
            json!({"currency": currency, "lines": lines, "shipping": shipping,
                   "coupon_codes": coupons, "prices_include_tax": inclusive,
                   "address": address()})
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Pricing answers a breakdown or a coded error for any cart, with promotions and taxes at
    /// their extremes (100% off, a fixed amount larger than any cart, buy-2-get-1, 100% tax).
    #[test]
    fn no_cart_panics(cart in cart(), rounding in prop_oneof![Just("half_up"), Just("half_even")]) {
        let promotions: Vec<ordercore::promotion::Promotion> = serde_json::from_value(json!([
            {"id": "all", "effect": {"type": "percentage", "percentage": "100"}},
            {"id": "half", "code": "HALF", "effect": {"type": "percentage", "percentage": "50"},
             "target": {"type": "lines", "categories": ["gear"]}},
            {"id": "big", "code": "BIG", "currency": "USD", "effect": {"type": "fixed_amount", "amount": "792281625142643375935439503.35"}},
            {"id": "b2g1", "code": "B2G1", "effect": {"type": "buy_x_get_y", "buy": 2, "get": 1, "percentage": "100"}},
            {"id": "ship", "effect": {"type": "percentage", "percentage": "100"}, "target": {"type": "shipping"}}
        ])).unwrap_or_default();
        let rules: Vec<ordercore::tax::TaxRule> = serde_json::from_value(json!([
            {"id": "us", "name": "US", "country": "US", "percentage": "100"},
            {"id": "ca", "name": "CA", "country": "US", "region": "CA", "percentage": "7.25", "combinable": true}
        ])).unwrap_or_default();
        let config: ordercore::pricing::PricingConfig =
            serde_json::from_value(json!({"rounding": rounding})).unwrap_or_default();
        let tax = ordercore::tax::TaxTable::new(rules).map(std::sync::Arc::new);
        prop_assume!(tax.is_ok());
        let Ok(tax) = tax else { return Ok(()) };
        let pricer = ordercore::pricing::Pricer::new(config, promotions, tax);
        prop_assert!(pricer.is_ok(), "{:?}", pricer.as_ref().err());
        let Ok(pricer) = pricer else { return Ok(()) };
        let answer = catch_unwind(AssertUnwindSafe(|| {
            let cart = serde_json::from_value::<ordercore::pricing::Cart>(cart.clone()).ok()?;
            Some(pricer.price(&cart, &ordercore::pricing::PricingContext::at(t0())).map(|_| ()))
        }));
        prop_assert!(answer.is_ok(), "panicked on {cart}");
    }
}
