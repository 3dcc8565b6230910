//! Prices the 20-line cart many times, for profilers (`valgrind --tool=callgrind`, `perf`).
//! `profile_pricing [runs] [hand]`: with `hand`, runs the hand-written decimal loop instead, so
//! both can be compared in instructions (which, unlike time, repeat from run to run); with
//! `parse`, parses the cart's JSON text instead (the bindings' way in).
use std::str::FromStr;

fn main() {
    let cart = ordercore_benches::cart(20);
    let pricer = ordercore_benches::pricer(ordercore_benches::promotions(0));
    let context = ordercore::pricing::PricingContext::default();
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let mode = args.next().unwrap_or_default();
    let hand = mode == "hand";
    if mode == "parse" {
        // The cart as a binding sends it: only the fields the caller set.
        let lines: Vec<serde_json::Value> = ordercore_benches::USD_20
            .iter()
            .enumerate()
            .map(|(i, (price, quantity))| {
                serde_json::json!({"sku": format!("SKU-{i:02}"), "unit_price": price, "quantity": quantity})
            })
            .collect();
        let text = serde_json::json!({"currency": "USD",
            "address": {"country": "US", "region": "TX"}, "lines": lines})
        .to_string();
        let mut lines = 0;
        for _ in 0..runs {
            let parsed: ordercore::pricing::Cart =
                serde_json::from_str(std::hint::black_box(&text)).unwrap_or_default();
            lines += parsed.lines.len();
        }
        println!("{lines}");
        return;
    }
    let prices: Vec<(ordercore::Decimal, i64)> = ordercore_benches::USD_20
        .iter()
        .map(|(p, q)| (ordercore::Decimal::from_str(p).unwrap_or_default(), *q))
        .collect();
    let mut total = ordercore::Decimal::ZERO;
    for _ in 0..runs {
        total += if hand {
            std::hint::black_box(ordercore_benches::hand_written(&prices)).2
        } else {
            std::hint::black_box(pricer.price(&cart, &context))
                .map(|b| b.grand_total)
                .unwrap_or_default()
        };
    }
    println!("{total}");
}
