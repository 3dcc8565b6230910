//! The engine's fault model (`docs/engine.md`, "Faults"): a store that fails before writing or
//! loses a commit's acknowledgement, version conflicts past the retries, a process that stops
//! between the provider's answer and the commit, and races for the last unit. In every case a
//! retry with the same key ends with the order paid exactly when the provider holds its money,
//! charged once.

mod common;

use chrono::Duration;
use common::*;
use ordercore::actor::Actor;
use ordercore::order::{Order, OrderState};
use ordercore::payment::Scripted;
use ordercore::store::{OrderQuery, Store};

fn checkout(shop: &FaultyShop, key: &str) -> ordercore::Result<std::sync::Arc<Order>> {
    shop.engine
        .place_order(&customer("c1"), place("c1", &[("B", 1)]), Some(key))
}

fn orders(shop: &FaultyShop) -> Vec<Order> {
    shop.store
        .find_orders(&OrderQuery::default())
        .unwrap()
        .orders
}

/// What the provider holds equals what the orders say they hold, and each paid order's money
/// was taken once.
fn money_agrees(shop: &FaultyShop) {
    let held: ordercore::Decimal = orders(shop)
        .iter()
        .map(|o| o.captured() - o.refunded())
        .sum();
    let provider = shop.gateway.captured_total() - shop.gateway.refunded_total();
    assert_eq!(provider, held, "provider ledger vs orders");
    for order in orders(shop) {
        assert_eq!(
            order.is_paid(),
            order.captured() - order.refunded() >= order.pricing.grand_total,
            "{} paid without its money",
            order.id
        );
    }
}

#[test]
fn a_store_down_after_the_charge_keeps_the_order_and_the_retry_records_the_charge_once() {
    let shop = faulty_shop();
    shop.store
        .script([StoreFault::Pass, StoreFault::FailBeforeWrite]);
    let err = checkout(&shop, "k").unwrap_err();
    assert_eq!(err.code(), "provider_error");
    assert_eq!(
        shop.gateway.captured_total(),
        orders(&shop)[0].pricing.grand_total
    );
    assert_eq!(
        shop.gateway.refunded_total(),
        ordercore::Decimal::ZERO,
        "no compensation"
    );
    let order = checkout(&shop, "k").unwrap();
    assert_eq!(order.state, OrderState::Confirmed);
    assert_eq!(shop.gateway.performed(), 1, "charged once");
    assert_eq!(orders(&shop).len(), 1);
    money_agrees(&shop);
}

#[test]
fn a_lost_acknowledgement_of_the_answer_replays_it() {
    let shop = faulty_shop();
    shop.store
        .script([StoreFault::Pass, StoreFault::LoseAcknowledgement]);
    assert_eq!(checkout(&shop, "k").unwrap_err().code(), "provider_error");
    let order = checkout(&shop, "k").unwrap();
    assert_eq!(order.state, OrderState::Confirmed);
    assert_eq!(shop.gateway.performed(), 1);
    assert_eq!(shop.gateway.refunded_total(), ordercore::Decimal::ZERO);
    money_agrees(&shop);
}

#[test]
fn a_lost_acknowledgement_of_the_secured_order_is_resumed_not_placed_twice() {
    let shop = faulty_shop();
    shop.store.script([StoreFault::LoseAcknowledgement]);
    assert_eq!(checkout(&shop, "k").unwrap_err().code(), "provider_error");
    assert_eq!(
        shop.gateway.calls(),
        0,
        "nothing asked before the order is secured"
    );
    let order = checkout(&shop, "k").unwrap();
    assert_eq!(order.state, OrderState::Confirmed);
    assert_eq!(orders(&shop).len(), 1);
    let level = shop
        .engine
        .query(
            &admin(),
            &ordercore::command::Query::StockLevels { sku: "B".into() },
        )
        .unwrap();
    let ordercore::command::QueryOutput::Stock(items) = level else {
        panic!()
    };
    assert_eq!(items[0].reserved, 1, "reserved once");
    money_agrees(&shop);
}

#[test]
fn conflicts_past_the_retries_leave_a_state_the_retry_finishes() {
    let shop = faulty_shop();
    let conflicts = std::iter::repeat_n(StoreFault::Conflict, 40);
    shop.store
        .script(std::iter::once(StoreFault::Pass).chain(conflicts));
    assert_eq!(checkout(&shop, "k").unwrap_err().code(), "version_conflict");
    let order = checkout(&shop, "k").unwrap();
    assert_eq!(order.state, OrderState::Confirmed);
    assert_eq!(shop.gateway.performed(), 1);
    money_agrees(&shop);
}

#[test]
fn an_abandoned_checkout_is_settled_by_the_scheduler_from_the_providers_answer() {
    for (scripted, paid) in [
        (Scripted::Approve, true),
        (
            Scripted::Decline {
                reason: "no".into(),
            },
            false,
        ),
    ] {
        let shop = faulty_shop();
        shop.gateway.script([scripted]);
        // The process stops after the provider answered and before the answer was recorded.
        shop.store
            .script([StoreFault::Pass, StoreFault::FailBeforeWrite]);
        checkout(&shop, "k").unwrap_err();
        shop.clock.advance(Duration::hours(1));
        let report = shop.engine.tick(&Actor::System).unwrap();
        let order = orders(&shop).remove(0);
        if paid {
            assert!(report.expired.is_empty(), "a paid order is not expired");
            assert_eq!(order.state, OrderState::Confirmed);
        } else {
            assert_eq!(report.expired, [order.id.to_string()]);
            assert_eq!(order.state, OrderState::Cancelled);
        }
        assert_eq!(shop.gateway.calls(), 2, "asked again under the same key");
        money_agrees(&shop);
    }
}

#[test]
fn losing_the_race_for_the_last_unit_charges_no_one() {
    let shop = faulty_shop();
    shop.engine
        .set_stock(&admin(), "B", Some("east"), 1)
        .unwrap();
    shop.engine
        .place_order(&customer("c1"), place("c1", &[("B", 1)]), Some("k1"))
        .unwrap();
    let err = shop
        .engine
        .place_order(&customer("c2"), place("c2", &[("B", 1)]), Some("k2"))
        .unwrap_err();
    assert_eq!(err.code(), "insufficient_stock");
    assert_eq!(shop.gateway.calls(), 1, "the loser's card was never asked");
    money_agrees(&shop);
}

#[test]
fn two_customers_using_the_same_key_never_share_a_provider_key() {
    let shop = faulty_shop();
    shop.engine
        .place_order(
            &customer("c1"),
            place("c1", &[("B", 1)]),
            Some("checkout-1"),
        )
        .unwrap();
    // Keys belong to their actor: c2's `checkout-1` is its own, not a conflict with c1's.
    let second = shop
        .engine
        .place_order(
            &customer("c2"),
            place("c2", &[("B", 1)]),
            Some("checkout-1"),
        )
        .unwrap();
    assert_eq!(second.state, OrderState::Confirmed);
    assert_eq!(
        shop.gateway.performed(),
        2,
        "two charges under two provider keys"
    );
    // And each replays its own answer.
    let again = shop
        .engine
        .place_order(
            &customer("c2"),
            place("c2", &[("B", 1)]),
            Some("checkout-1"),
        )
        .unwrap();
    assert_eq!(again.id, second.id);
    money_agrees(&shop);
}

#[test]
fn the_key_of_a_secured_checkout_with_another_command_is_a_conflict_not_a_resumption() {
    let shop = faulty_shop();
    shop.store
        .script([StoreFault::Pass, StoreFault::FailBeforeWrite]);
    checkout(&shop, "k").unwrap_err();
    let other = shop
        .engine
        .place_order(&customer("c1"), place("c1", &[("A", 3)]), Some("k"))
        .unwrap_err();
    assert_eq!(
        other,
        ordercore::Error::IdempotencyConflict { key: "k".into() }
    );
    let order = checkout(&shop, "k").unwrap();
    assert_eq!(order.lines[0].sku, "B");
    assert_eq!(orders(&shop).len(), 1);
    money_agrees(&shop);
}
