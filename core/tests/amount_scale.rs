//! Amounts are written at their currency's scale in every answer: `"0.00"` in dollars before
//! anything was refunded, `"0"` in yen, `"0.000"` in dinars — never a bare `"0"` beside
//! `"12.50"`. The simulation checks every answer of its random runs in dollars; this runs one
//! order through payment, partial capture and refund, shipping, delivery and a return in a
//! currency of each scale.

mod common;

use common::*;
use ordercore::catalog::Product;
use ordercore::command::{Command, ReceivedLine, ReturnLine};
use ordercore::engine::EngineConfig;
use ordercore::returns::{ItemCondition, ReturnAction, ReturnReason};
use serde_json::json;

fn shop_in(currency: &str, price: &str) -> Shop {
    let config = EngineConfig {
        currency: currency.into(),
        restocking_fee_percent: d("10"),
        ..EngineConfig::default()
    };
    let products: Vec<Product> =
        serde_json::from_value(json!([{"sku": "A", "name": "Alpha", "unit_price": price}]))
            .unwrap();
    let shop = shop_with_promotions(config, products, vec![]);
    shop.stock("A", "main", 10);
    shop
}

#[test]
fn every_answer_writes_amounts_at_the_currency_scale() {
    let currencies = [
        ("JPY", 0, "1201", "300"),
        ("USD", 2, "12.01", "3.00"),
        ("KWD", 3, "1.201", "0.300"),
    ];
    for (currency, minor_units, price, part) in currencies {
        let shop = shop_in(currency, price);
        for (command, answer) in answers_of_one_order(&shop, part) {
            if let Err(why) = amounts_at_scale(&answer, minor_units) {
                panic!("{currency}: {command} answered {why}");
            }
        }
    }
}

/// Commands run one after another, each answer kept (as JSON) with its command's name.
struct Recorder<'s> {
    shop: &'s Shop,
    answers: Vec<(&'static str, serde_json::Value)>,
}

impl Recorder<'_> {
    fn run(&mut self, actor: &ordercore::actor::Actor, command: Command) -> serde_json::Value {
        let answer = self.shop.engine.execute(actor, &command, None).unwrap();
        let answer = serde_json::to_value(answer).unwrap();
        self.answers.push((command.name(), answer.clone()));
        answer
    }
}

/// Every answer, by command, of one order taken through an authorization, its capture, a
/// partial refund, shipping, delivery, and a return through its refund.
fn answers_of_one_order(shop: &Shop, part: &str) -> Vec<(&'static str, serde_json::Value)> {
    let mut recorder = Recorder {
        shop,
        answers: Vec::new(),
    };
    let (ops, buyer) = (admin(), customer("c1"));
    let placing = ordercore::command::PlaceOrder {
        shipping_option: None,
        ..place_authorizing("c1", &[("A", 3)])
    };
    let placed = recorder.run(&buyer, Command::PlaceOrder(Box::new(placing)));
    let order_id: smol_str::SmolStr = placed["value"]["id"].as_str().unwrap().into();
    let id = || order_id.clone();
    recorder.run(
        &ops,
        Command::CapturePayment {
            order_id: id(),
            amount: None,
        },
    );
    let refund = Command::RefundPayment {
        order_id: id(),
        amount: Some(d(part)),
        reason: None,
    };
    recorder.run(&ops, refund);
    recorder.run(
        &ops,
        Command::ShipOrder {
            order_id: id(),
            lines: None,
        },
    );
    recorder.run(&ops, Command::DeliverOrder { order_id: id() });
    return_one_unit(&mut recorder, &order_id);
    recorder.answers
}

/// A unit of the order's first line returned: requested, approved, received, processed, refunded.
fn return_one_unit(recorder: &mut Recorder<'_>, order_id: &smol_str::SmolStr) {
    let line = ReturnLine {
        line: 0,
        quantity: 1,
        reason: ReturnReason::Defective,
    };
    let request = Command::RequestReturn {
        order_id: order_id.clone(),
        lines: vec![line],
    };
    let requested = recorder.run(&customer("c1"), request);
    let return_id = requested["value"]["returns"][0]["id"].as_str().unwrap();
    let actions = [
        ReturnAction::Approve,
        ReturnAction::Receive,
        ReturnAction::Process,
        ReturnAction::Refund,
    ];
    for action in actions {
        let received = vec![ReceivedLine {
            line: 0,
            condition: ItemCondition::Sellable,
        }];
        let command = Command::UpdateReturn {
            order_id: order_id.clone(),
            return_id: return_id.to_string(),
            action,
            received,
        };
        recorder.run(&admin(), command);
    }
}
