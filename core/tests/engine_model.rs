//! Model-based test: random command sequences (place, pay, capture, refund, ship, deliver,
//! cancel, process, return, tick, restock, webhooks, gateway faults) against the engine, with a
//! reference model of stock and money and the invariants checked after every step:
//!
//! - stock never negative, reserved ≤ on hand, on hand = the model's count, reservations = what
//!   orders still hold;
//! - refunded ≤ captured ≤ authorized per payment; the provider's ledger = the orders' payments;
//! - order totals = their lines;
//! - a rejected command changes nothing; an accepted one moves the order by exactly one version
//!   and only by an action its flow allows in the state it was in.
//!
//! Cases: `MODEL_CASES` (default 1,000), each up to 100 commands.

mod common;

use std::collections::BTreeMap;

use chrono::Duration;
use common::*;
use ordercore::Decimal;
use ordercore::StateMachine;
use ordercore::actor::Actor;
use ordercore::command::{
    Command, PaymentInput, Query, QueryOutput, ReturnLine, ShipLine, WebhookOutcome,
};
use ordercore::order::{Order, OrderAction, OrderState};
use ordercore::payment::PaymentState;
use ordercore::returns::{RETURN_ACTIONS, ReturnAction, ReturnReason};
use ordercore::store::{DocKey, DocKind, OrderQuery, Store};
use proptest::prelude::*;

const SKUS: [&str; 3] = ["A", "B", "C"];
const INITIAL: i64 = 20;

#[derive(Debug, Clone)]
enum Op {
    Place {
        customer: u8,
        lines: Vec<(u8, i64)>,
        pay: u8,
        coupon: bool,
        flow: u8,
    },
    Pay {
        order: u8,
    },
    Capture {
        order: u8,
        cents: u32,
    },
    Refund {
        order: u8,
        cents: u32,
    },
    Process {
        order: u8,
    },
    Ship {
        order: u8,
        partial: bool,
    },
    Deliver {
        order: u8,
    },
    Cancel {
        order: u8,
        by_customer: bool,
    },
    Return {
        order: u8,
        line: u8,
        quantity: i64,
    },
    ReturnStep {
        order: u8,
        action: u8,
    },
    Webhook {
        order: u8,
        success: bool,
        event: u8,
    },
    Tick {
        minutes: u16,
    },
    Restock {
        sku: u8,
        delta: i64,
    },
    Fault {
        kind: u8,
    },
    /// One of the actions the engine says is available next (drives orders into deep states).
    Next {
        order: u8,
        choice: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3u8, prop::collection::vec((0..3u8, 1..4i64), 1..4), 0..3u8, any::<bool>(), 0..3u8)
            .prop_map(|(customer, lines, pay, coupon, flow)| Op::Place { customer, lines, pay, coupon, flow }),
        1 => any::<u8>().prop_map(|order| Op::Pay { order }),
        1 => (any::<u8>(), 0..6000u32).prop_map(|(order, cents)| Op::Capture { order, cents }),
        1 => (any::<u8>(), 0..6000u32).prop_map(|(order, cents)| Op::Refund { order, cents }),
        1 => any::<u8>().prop_map(|order| Op::Process { order }),
        3 => (any::<u8>(), any::<bool>()).prop_map(|(order, partial)| Op::Ship { order, partial }),
        3 => any::<u8>().prop_map(|order| Op::Deliver { order }),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(order, by_customer)| Op::Cancel { order, by_customer }),
        2 => (any::<u8>(), 0..3u8, 1..3i64).prop_map(|(order, line, quantity)| Op::Return { order, line, quantity }),
        4 => (any::<u8>(), 0..8u8).prop_map(|(order, action)| Op::ReturnStep { order, action }),
        1 => (any::<u8>(), any::<bool>(), 0..3u8).prop_map(|(order, success, event)| Op::Webhook { order, success, event }),
        1 => (0..120u16).prop_map(|minutes| Op::Tick { minutes }),
        1 => (0..3u8, -5..10i64).prop_map(|(sku, delta)| Op::Restock { sku, delta }),
        1 => (0..5u8).prop_map(|kind| Op::Fault { kind }),
        6 => (any::<u8>(), any::<u8>()).prop_map(|(order, choice)| Op::Next { order, choice }),
    ]
}

#[derive(Default)]
struct Model {
    on_hand: BTreeMap<&'static str, i64>,
    orders: Vec<ordercore::SmolStr>,
    /// Money captured by webhooks (the fake provider's ledger only sees synchronous answers).
    webhook_captured: Decimal,
    keys: u64,
}

/// The target order with its version, and (on hand, reserved) of every stock item.
type Snapshot = (Option<(u64, Order)>, Vec<(i64, i64)>);

fn snapshot(shop: &Shop, order_id: Option<&str>) -> Snapshot {
    let order =
        order_id.and_then(
            |id| match shop.store.load(&DocKey::new(DocKind::Order, id)).unwrap() {
                Some(v) => match v.value {
                    ordercore::store::Document::Order(o) => {
                        Some((v.version, std::sync::Arc::unwrap_or_clone(o)))
                    }
                    _ => None,
                },
                None => None,
            },
        );
    let stock = SKUS
        .iter()
        .flat_map(|s| [shop.level(s, "east"), shop.level(s, "west")])
        .collect();
    (order, stock)
}

fn all_orders(shop: &Shop) -> Vec<Order> {
    let mut orders = Vec::new();
    let mut query = OrderQuery {
        limit: Some(500),
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
        orders.extend(page.orders);
        match page.next {
            Some(next) => query.after = Some(next),
            None => return orders,
        }
    }
}

fn check_invariants(shop: &Shop, model: &Model) -> Result<(), TestCaseError> {
    let orders = all_orders(shop);
    for sku in SKUS {
        let (east_on_hand, east_reserved) = shop.level(sku, "east");
        let (west_on_hand, west_reserved) = shop.level(sku, "west");
        for (on_hand, reserved) in [(east_on_hand, east_reserved), (west_on_hand, west_reserved)] {
            prop_assert!(
                on_hand >= 0 && reserved >= 0 && reserved <= on_hand,
                "{sku}: on hand {on_hand}, reserved {reserved}"
            );
        }
        prop_assert_eq!(
            east_on_hand + west_on_hand,
            model.on_hand[sku],
            "on hand of {}",
            sku
        );
        let held: i64 = orders
            .iter()
            .flat_map(|o| o.allocations.iter())
            .filter(|a| *a.sku == *sku)
            .map(|a| a.quantity - a.shipped)
            .sum();
        prop_assert_eq!(
            east_reserved + west_reserved,
            held,
            "reservations of {}",
            sku
        );
    }
    let mut engine_net = Decimal::ZERO;
    for order in &orders {
        for p in &order.payments {
            prop_assert!(
                p.refunded >= Decimal::ZERO
                    && p.refunded <= p.captured
                    && p.captured <= p.authorized.max(p.amount)
            );
            if p.state != PaymentState::Pending {
                prop_assert!(
                    p.captured <= p.authorized,
                    "captured {} > authorized {}",
                    p.captured,
                    p.authorized
                );
            }
        }
        prop_assert!(order.refunded() <= order.captured());
        engine_net += order.captured() - order.refunded();
        let lines: Decimal = order.pricing.lines.iter().map(|l| l.total).sum::<Decimal>()
            + order
                .pricing
                .shipping
                .as_ref()
                .map_or(Decimal::ZERO, |s| s.total);
        prop_assert_eq!(lines, order.pricing.grand_total);
        for line in &order.lines {
            prop_assert!(line.shipped <= line.quantity && line.delivered <= line.shipped);
            prop_assert!(line.returned + line.return_requested <= line.delivered);
        }
        if order.state == OrderState::Cancelled {
            prop_assert!(order.allocations.iter().all(|a| a.quantity == a.shipped));
        }
        if let Err(broken) = audit_order(order) {
            prop_assert!(false, "{}", broken);
        }
    }
    let ledger =
        shop.gateway.captured_total() - shop.gateway.refunded_total() + model.webhook_captured;
    prop_assert_eq!(ledger, engine_net, "provider ledger vs orders");
    Ok(())
}

fn order_action(command: &Command) -> Option<OrderAction> {
    Some(match command {
        Command::PayOrder { .. } | Command::CapturePayment { .. } => OrderAction::Pay,
        Command::RefundPayment { .. } => OrderAction::Refund,
        Command::ProcessOrder { .. } => OrderAction::Process,
        Command::ShipOrder { .. } => OrderAction::Ship,
        Command::DeliverOrder { .. } => OrderAction::Deliver,
        Command::CancelOrder { .. } => OrderAction::Cancel,
        Command::RequestReturn { .. } => OrderAction::RequestReturn,
        _ => return None,
    })
}

#[expect(
    clippy::too_many_lines,
    reason = "the model: one arm per operation, each with its expected outcome beside the engine's"
)]
fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let shop = shop_with(config());
    let mut model = Model::default();
    for sku in SKUS {
        shop.stock(sku, "east", INITIAL);
        model.on_hand.insert(sku, INITIAL);
    }
    let system = Actor::System;
    for op in ops {
        // Mostly the last few orders, so that sequences reach deep states (delivered, returned).
        let pick = |i: u8| {
            let n = model.orders.len();
            (n > 0).then(|| {
                let index = if i < 200 {
                    n - 1 - (i as usize % n.min(3))
                } else {
                    i as usize % n
                };
                model.orders[index].clone()
            })
        };
        let owner = |id: &str| {
            shop.engine
                .get_order(&admin(), id)
                .map(|o| o.customer_id.clone())
                .unwrap_or_default()
        };
        let (actor, command): (Actor, Command) = match op {
            Op::Place {
                customer: c,
                lines,
                pay,
                coupon,
                flow,
            } => {
                let id = format!("c{c}");
                let mut p = place(
                    &id,
                    &lines
                        .iter()
                        .map(|(s, q)| (SKUS[*s as usize], *q))
                        .collect::<Vec<_>>(),
                );
                p.payment = match pay {
                    0 => None,
                    1 => Some(PaymentInput {
                        method: Default::default(),
                        capture: false,
                    }),
                    _ => Some(PaymentInput {
                        method: Default::default(),
                        capture: true,
                    }),
                };
                p.coupon_codes = if coupon {
                    vec!["TENOFF".into()]
                } else {
                    vec![]
                };
                p.flow = Some(["classic", "scheduled", "full"][flow as usize].into());
                (customer(&id), Command::PlaceOrder(Box::new(p)))
            }
            Op::Pay { order } => {
                let Some(id) = pick(order) else { continue };
                (
                    customer(&owner(&id)),
                    Command::PayOrder {
                        order_id: id,
                        method: Default::default(),
                        capture: true,
                    },
                )
            }
            Op::Capture { order, cents } => {
                let Some(id) = pick(order) else { continue };
                let amount = (cents % 3 != 0).then(|| Decimal::new(i64::from(cents), 2));
                (
                    admin(),
                    Command::CapturePayment {
                        order_id: id,
                        amount,
                    },
                )
            }
            Op::Refund { order, cents } => {
                let Some(id) = pick(order) else { continue };
                let amount = (cents % 3 != 0).then(|| Decimal::new(i64::from(cents), 2));
                (
                    admin(),
                    Command::RefundPayment {
                        order_id: id,
                        amount,
                        reason: None,
                    },
                )
            }
            Op::Process { order } => {
                let Some(id) = pick(order) else { continue };
                (admin(), Command::ProcessOrder { order_id: id })
            }
            Op::Ship { order, partial } => {
                let Some(id) = pick(order) else { continue };
                let lines = partial.then(|| {
                    vec![ShipLine {
                        line: 0,
                        quantity: 1,
                    }]
                });
                (
                    admin(),
                    Command::ShipOrder {
                        order_id: id,
                        lines,
                    },
                )
            }
            Op::Deliver { order } => {
                let Some(id) = pick(order) else { continue };
                (admin(), Command::DeliverOrder { order_id: id })
            }
            Op::Cancel { order, by_customer } => {
                let Some(id) = pick(order) else { continue };
                let actor = if by_customer {
                    customer(&owner(&id))
                } else {
                    admin()
                };
                (
                    actor,
                    Command::CancelOrder {
                        order_id: id,
                        reason: None,
                    },
                )
            }
            Op::Return {
                order,
                line,
                quantity,
            } => {
                let Some(id) = pick(order) else { continue };
                let lines = vec![ReturnLine {
                    line: line as usize,
                    quantity,
                    reason: ReturnReason::Other,
                }];
                (
                    customer(&owner(&id)),
                    Command::RequestReturn {
                        order_id: id,
                        lines,
                    },
                )
            }
            Op::ReturnStep { order, action } => {
                let Some(id) = pick(order) else { continue };
                let Ok(o) = shop.engine.get_order(&admin(), &id) else {
                    continue;
                };
                let Some(r) = o.returns.last() else { continue };
                let action = RETURN_ACTIONS[action as usize % RETURN_ACTIONS.len()];
                (
                    admin(),
                    Command::UpdateReturn {
                        order_id: id,
                        return_id: r.id.to_string(),
                        action,
                        received: vec![],
                    },
                )
            }
            Op::Webhook {
                order,
                success,
                event,
            } => {
                let Some(id) = pick(order) else { continue };
                let Ok(o) = shop.engine.get_order(&admin(), &id) else {
                    continue;
                };
                let Some(p) = o.payments.iter().find(|p| p.provider_reference.is_some()) else {
                    continue;
                };
                let outcome = if success {
                    WebhookOutcome::Succeeded
                } else {
                    WebhookOutcome::Failed
                };
                let command = Command::PaymentWebhook {
                    provider: "fake".into(),
                    event_id: format!("{}-{event}", p.id),
                    reference: p
                        .provider_reference
                        .as_deref()
                        .unwrap_or_default()
                        .to_string(),
                    outcome,
                    reason: None,
                    order_id: (event % 2 == 0).then(|| id.clone()),
                    invoice_id: None,
                };
                (system.clone(), command)
            }
            Op::Tick { minutes } => {
                shop.clock.advance(Duration::minutes(i64::from(minutes)));
                let report = shop.engine.tick(&system);
                prop_assert!(report.is_ok(), "tick failed: {:?}", report);
                check_invariants(&shop, &model)?;
                continue;
            }
            Op::Restock { sku, delta } => {
                let command = Command::AdjustStock {
                    sku: SKUS[sku as usize].into(),
                    location: Some("east".into()),
                    delta,
                };
                if shop.engine.execute(&admin(), &command, None).is_ok() {
                    *model.on_hand.get_mut(SKUS[sku as usize]).unwrap() += delta;
                }
                check_invariants(&shop, &model)?;
                continue;
            }
            Op::Next { order, choice } => {
                let Some(id) = pick(order) else { continue };
                let QueryOutput::Actions(actions) = shop
                    .engine
                    .query(
                        &admin(),
                        &Query::AvailableActions {
                            order_id: id.clone(),
                        },
                    )
                    .unwrap()
                else {
                    unreachable!()
                };
                let forward: Vec<OrderAction> = actions
                    .into_iter()
                    .filter(|a| !matches!(a, OrderAction::Cancel | OrderAction::Refund))
                    .collect();
                if forward.is_empty() {
                    continue;
                }
                let o = shop.engine.get_order(&admin(), &id).unwrap();
                match forward[choice as usize % forward.len()] {
                    OrderAction::Pay
                        if o.payments.iter().any(|p| p.capturable() > Decimal::ZERO) =>
                    {
                        (
                            admin(),
                            Command::CapturePayment {
                                order_id: id,
                                amount: None,
                            },
                        )
                    }
                    OrderAction::Pay => (
                        customer(&o.customer_id),
                        Command::PayOrder {
                            order_id: id,
                            method: Default::default(),
                            capture: choice % 2 == 0,
                        },
                    ),
                    OrderAction::Process => (admin(), Command::ProcessOrder { order_id: id }),
                    OrderAction::Ship => (
                        admin(),
                        Command::ShipOrder {
                            order_id: id,
                            lines: None,
                        },
                    ),
                    OrderAction::Deliver => (admin(), Command::DeliverOrder { order_id: id }),
                    _ => {
                        let lines = vec![ReturnLine {
                            line: 0,
                            quantity: 1,
                            reason: ReturnReason::Defective,
                        }];
                        (
                            customer(&o.customer_id),
                            Command::RequestReturn {
                                order_id: id,
                                lines,
                            },
                        )
                    }
                }
            }
            Op::Fault { kind } => {
                shop.gateway.script([provider_fault(u64::from(kind))]);
                continue;
            }
        };

        let target = match &command {
            Command::PlaceOrder(_) => None,
            Command::PaymentWebhook { .. } => None,
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| v["order_id"].as_str().map(str::to_string)),
        };
        let before = snapshot(&shop, target.as_deref());
        let pending_before: Vec<(String, PaymentState)> = all_orders(&shop)
            .iter()
            .flat_map(|o| o.payments.iter().map(|p| (p.id.to_string(), p.state)))
            .collect();
        model.keys += 1;
        let key = format!("op-{}", model.keys);
        let mut result = shop.engine.execute(&actor, &command, Some(&key));
        for _ in 0..5 {
            if !matches!(&result, Err(e) if e.code() == "gateway_unavailable") {
                break;
            }
            // What a host does after a timeout: the same command, the same key, until it answers.
            result = shop.engine.execute(&actor, &command, Some(&key));
        }
        let after = snapshot(&shop, target.as_deref());
        match &result {
            // A declined payment is recorded on the order (the checkout secured it first); the
            // stock is as it was.
            Err(ordercore::Error::PaymentDeclined { .. }) => {
                prop_assert_eq!(
                    &before.1,
                    &after.1,
                    "declined {} moved stock",
                    command.name()
                );
            }
            Err(error) => {
                prop_assert_eq!(
                    &before,
                    &after,
                    "rejected {} ({}) changed state",
                    command.name(),
                    error
                );
            }
            Ok(output) => {
                if let Command::PlaceOrder(_) = &command
                    && let Some(order) = output.clone().into_order()
                {
                    model.orders.push(order.id.clone());
                }
                if let (Some((v0, o0)), Some((v1, _))) = (&before.0, &after.0)
                    && let Some(action) = order_action(&command)
                {
                    let flow = shop
                        .engine
                        .config()
                        .flows
                        .iter()
                        .find(|f| f.name == o0.flow)
                        .unwrap();
                    prop_assert!(
                        flow.allows(o0.state, action),
                        "{} accepted in {:?}",
                        command.name(),
                        o0.state
                    );
                    // Paying commits twice: the payment secured, then the provider's answer.
                    let commits = if matches!(command, Command::PayOrder { .. }) {
                        2
                    } else {
                        1
                    };
                    prop_assert_eq!(*v1, v0 + commits, "one version per accepted commit");
                }
            }
        }
        let orders = all_orders(&shop);
        if let (Ok(_), Some((_, o0))) = (&result, &before.0) {
            // The model: shipped units leave on hand; processed (sellable) returns come back.
            let sku_of = |line: usize| {
                SKUS.iter()
                    .find(|s| **s == o0.lines[line].sku)
                    .copied()
                    .unwrap_or("A")
            };
            match &command {
                Command::ShipOrder { lines: None, .. } => {
                    for (i, l) in o0.lines.iter().enumerate() {
                        *model.on_hand.get_mut(sku_of(i)).unwrap() -= l.quantity - l.shipped;
                    }
                }
                Command::ShipOrder {
                    lines: Some(lines), ..
                } => {
                    for l in lines {
                        *model.on_hand.get_mut(sku_of(l.line)).unwrap() -= l.quantity;
                    }
                }
                Command::UpdateReturn {
                    return_id,
                    action: ReturnAction::Process,
                    ..
                } => {
                    let r = o0.returns.iter().find(|r| r.id == *return_id).unwrap();
                    for item in &r.items {
                        *model.on_hand.get_mut(sku_of(item.line)).unwrap() += item.quantity;
                    }
                }
                _ => {}
            }
        }
        for order in &orders {
            for p in &order.payments {
                let was = pending_before
                    .iter()
                    .find(|(id, _)| *id == p.id)
                    .map(|(_, s)| *s);
                // Only a webhook moves money of a pending payment, or of a voided one whose
                // void lost the race (captured, then refunded at once).
                if matches!(was, Some(PaymentState::Pending | PaymentState::Voided)) {
                    model.webhook_captured += p.captured;
                }
            }
        }
        check_invariants(&shop, &model)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: model_cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences_keep_every_invariant(ops in prop::collection::vec(op(), 1..100)) {
        run(ops)?;
    }
}
