//! Fixtures shared by the benchmarks: the 20-line vector cart and generated carts/promotions.

use std::sync::Arc;

use ordercore::pricing::{Cart, Pricer, PricingConfig};
use ordercore::promotion::Promotion;
use ordercore::tax::{TaxRule, TaxTable};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

/// The 20 (unit price, quantity) pairs of the USD vector `generated_usd_20_lines_order_discount`.
pub const USD_20: [(&str, i64); 20] = [
    ("55.77", 1),
    ("185.73", 2),
    ("124.25", 2),
    ("49.45", 5),
    ("167.05", 1),
    ("80.13", 2),
    ("43.64", 5),
    ("1.20", 3),
    ("47.30", 4),
    ("177.83", 3),
    ("51.93", 5),
    ("152.85", 2),
    ("145.34", 1),
    ("77.48", 5),
    ("14.25", 5),
    ("64.78", 3),
    ("25.73", 4),
    ("135.32", 4),
    ("83.12", 1),
    ("59.23", 1),
];

/// A USD cart of `lines` lines cycling through [`USD_20`], shipped to Texas.
pub fn cart(lines: usize) -> Cart {
    let lines: Vec<Value> = (0..lines)
        .map(|i| {
            let (price, quantity) = USD_20[i % USD_20.len()];
            json!({"sku": format!("SKU-{i:04}"), "unit_price": price, "quantity": quantity})
        })
        .collect();
    serde_json::from_value(
        json!({"currency": "USD", "address": {"country": "US", "region": "TX"}, "lines": lines}),
    )
    .expect("valid cart")
}

/// The 10% order promotion of the vector, plus `extra` automatic promotions that each target
/// one sku of a 10,000-sku catalog (the cart's skus are `SKU-0000…`, so a few of them hit).
pub fn promotions(extra: usize) -> Vec<Promotion> {
    let mut promotions =
        vec![json!({"id": "ten-off", "effect": {"type": "percentage", "percentage": "10"}})];
    for i in 0..extra {
        let sku = format!("SKU-{:04}", (i * 7919) % 10_000);
        promotions.push(json!({"id": format!("p{i:05}"), "priority": -1,
            "effect": {"type": "percentage", "percentage": "5"},
            "target": {"type": "lines", "skus": [sku]}}));
    }
    serde_json::from_value(Value::Array(promotions)).expect("valid promotions")
}

/// A pricer with the vector's 8.25% Texas tax and `promotions`.
pub fn pricer(promotions: Vec<Promotion>) -> Pricer {
    let rules: Vec<TaxRule> = serde_json::from_value(json!([
        {"id": "us-tx", "name": "TX", "country": "US", "percentage": "8.25"}
    ]))
    .expect("valid rules");
    Pricer::new(
        PricingConfig::default(),
        promotions,
        Arc::new(TaxTable::new(rules).expect("valid table")),
    )
    .expect("valid pricer")
}

/// An engine on the memory store and fake gateway whose catalog has `skus` products
/// (`SKU-0000…`, priced like the 20-line cart) with `stock` units each at location `main`.
pub fn engine(skus: usize, stock: i64) -> ordercore::engine::Engine {
    use ordercore::actor::Actor;
    use ordercore::catalog::{MemoryCatalog, Product};
    use ordercore::command::Command;
    let products: Vec<Product> = (0..skus)
        .map(|i| {
            let (price, _) = USD_20[i % USD_20.len()];
            serde_json::from_value(
                json!({"sku": format!("SKU-{i:04}"), "unit_price": price, "weight": "0.2"}),
            )
            .expect("valid product")
        })
        .collect();
    let rules: Vec<TaxRule> = serde_json::from_value(
        json!([{"id": "us-tx", "name": "TX", "country": "US", "percentage": "8.25"}]),
    )
    .expect("valid rules");
    let engine = ordercore::engine::Engine::builder()
        .promotions(promotions(0))
        .tax(Arc::new(TaxTable::new(rules).expect("valid table")))
        .catalog(Arc::new(MemoryCatalog::new(products)))
        .build()
        .expect("valid engine");
    let admin = Actor::admin("bench");
    for i in 0..skus {
        let command = Command::SetStock {
            sku: format!("SKU-{i:04}"),
            location: None,
            on_hand: stock,
            backorder: false,
            low_stock_threshold: None,
        };
        engine.execute(&admin, &command, None).expect("stock set");
    }
    engine
}

/// A checkout of `lines` lines (quantities of the 20-line cart) for `customer`, paid at once.
pub fn checkout(customer: &str, lines: usize) -> ordercore::command::PlaceOrder {
    serde_json::from_value(json!({
        "customer_id": customer,
        "lines": (0..lines).map(|i| json!({"sku": format!("SKU-{i:04}"), "quantity": USD_20[i % USD_20.len()].1})).collect::<Vec<_>>(),
        "shipping_address": {"name": "Ada", "line1": "1 Main St", "city": "Austin", "region": "TX", "postal_code": "73301", "country": "US"},
        "shipping_option": "standard",
        "payment": {"method": "card", "capture": true}
    }))
    .expect("valid checkout")
}

/// The same arithmetic as the engine on the 20-line cart, written by hand: subtotal, a 10%
/// discount rounded once and allocated by largest remainder, 8.25% tax per line, totals.
pub fn hand_written(prices: &[(Decimal, i64)]) -> (Decimal, Decimal, Decimal) {
    let bases: Vec<Decimal> = prices.iter().map(|(p, q)| p * Decimal::from(*q)).collect();
    let subtotal: Decimal = bases.iter().sum();
    let discount = (subtotal * Decimal::new(10, 2))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let cents = |amount: Decimal| {
        let mut scaled = amount;
        scaled.rescale(2);
        scaled.mantissa()
    };
    let total_cents = cents(discount);
    let weights: Vec<i128> = bases.iter().map(|b| cents(*b)).collect();
    let sum: i128 = weights.iter().sum();
    let mut shares: Vec<i128> = weights.iter().map(|w| total_cents * w / sum).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(total_cents * weights[i] % sum));
    let left = total_cents - shares.iter().sum::<i128>();
    for &i in order.iter().take(left as usize) {
        shares[i] += 1;
    }
    let mut tax_total = Decimal::ZERO;
    for (base, share) in bases.iter().zip(&shares) {
        let net = base - Decimal::new(*share as i64, 2);
        tax_total += (net * Decimal::new(825, 4))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    }
    (subtotal, discount, subtotal - discount + tax_total)
}

/// An engine on a fixed clock (Jan 1, 2026, 00:00 UTC) with `count` monthly subscriptions (3
/// seats of 12.00), their first invoices paid; with `card` the scheduler charges their
/// renewals. All are due on Feb 1.
pub fn subscriptions(
    count: u64,
    card: bool,
) -> (
    ordercore::engine::Engine,
    Arc<ordercore::clock::FixedClock>,
    Vec<String>,
) {
    use chrono::TimeZone;
    use ordercore::actor::Actor;
    use ordercore::command::{Command, CommandOutput};
    let start = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let clock = Arc::new(ordercore::clock::FixedClock::new(start));
    let shop = ordercore::engine::Engine::builder()
        .clock(clock.clone())
        .build()
        .expect("valid engine");
    let plan: Command = serde_json::from_value(json!({"command": "create_plan", "plan": {
        "id": "team", "name": "Team", "currency": "USD", "amount": "12.00",
        "interval": {"unit": "month", "count": 1}, "pricing": "per_seat"
    }}))
    .expect("valid plan");
    shop.execute(&Actor::admin("bench"), &plan, None)
        .expect("a new plan");
    let method = card.then_some("card");
    let ids = (0..count)
        .map(|i| {
            let customer = format!("c{i}");
            let subscribe: Command = serde_json::from_value(json!({
                "command": "subscribe", "customer_id": customer, "plan_id": "team", "quantity": 3,
                "payment_method": method
            }))
            .expect("valid subscribe");
            let Ok(CommandOutput::Subscription(subscription)) =
                shop.execute(&Actor::customer(customer.clone()), &subscribe, None)
            else {
                panic!("subscribes");
            };
            let pay = Command::PayInvoice {
                invoice_id: subscription.latest_invoice.clone().expect("invoiced"),
                method: Default::default(),
            };
            shop.execute(&Actor::System, &pay, None).expect("paid");
            subscription.id.to_string()
        })
        .collect();
    (shop, clock, ids)
}

/// Feb 1, 2026, 00:00 UTC: when the subscriptions of [`subscriptions`] are due.
pub fn renewal_day() -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap()
}

/// The process's peak resident memory in KiB (VmHWM from /proc/self/status; 0 elsewhere).
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
