//! Pricing benchmarks; see benches/README.md for the figures and how to read them.

use std::hint::black_box;
use std::str::FromStr;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ordercore::pricing::PricingContext;
use ordercore_benches::{USD_20, cart, pricer, promotions};
use rust_decimal::{Decimal, RoundingStrategy};

/// The same arithmetic as the engine on the 20-line cart, written by hand: subtotal, a 10%
/// discount rounded once and allocated by largest remainder, 8.25% tax per line, totals.
fn hand_written(prices: &[(Decimal, i64)]) -> (Decimal, Decimal, Decimal) {
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

fn bench(c: &mut Criterion) {
    let context = PricingContext::at("2026-06-01T12:00:00Z".parse().unwrap());
    let twenty = cart(20);
    let one_promotion = pricer(promotions(0));
    let check = one_promotion.price(&twenty, &context).unwrap();
    assert_eq!(check.grand_total.to_string(), "4233.12");

    let prices: Vec<(Decimal, i64)> = USD_20
        .iter()
        .map(|(p, q)| (Decimal::from_str(p).unwrap(), *q))
        .collect();
    assert_eq!(hand_written(&prices).2.to_string(), "4233.12");

    let mut group = c.benchmark_group("cart_20_lines");
    group.bench_function("ordercore_price", |b| {
        b.iter(|| one_promotion.price(black_box(&twenty), &context).unwrap())
    });
    group.bench_function("hand_written_decimal_loop", |b| {
        b.iter(|| hand_written(black_box(&prices)))
    });
    group.finish();

    // The JSON path the bindings take: cart text in, breakdown text out.
    let json_pricer = ordercore::json::JsonPricer::new(
        r#"{"tax_rules": [{"id": "us-tx", "name": "TX", "country": "US", "percentage": "8.25"}],
            "promotions": [{"id": "ten-off", "effect": {"type": "percentage", "percentage": "10"}}]}"#,
    )
    .unwrap();
    let cart_text = serde_json::to_string(&twenty).unwrap();
    let context_text = r#"{"now": "2026-06-01T12:00:00Z"}"#;
    let mut group = c.benchmark_group("cart_20_lines_json");
    group.bench_function("parse_cart", |b| {
        b.iter(|| serde_json::from_str::<ordercore::pricing::Cart>(black_box(&cart_text)).unwrap())
    });
    group.bench_function("serialize_breakdown", |b| {
        b.iter(|| serde_json::to_string(black_box(&check)).unwrap())
    });
    group.bench_function("json_pricer_price", |b| {
        b.iter(|| {
            json_pricer
                .price(black_box(&cart_text), context_text)
                .unwrap()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("lines");
    for lines in [1usize, 10, 100, 1_000] {
        let cart = cart(lines);
        group.bench_with_input(BenchmarkId::from_parameter(lines), &cart, |b, cart| {
            b.iter(|| one_promotion.price(black_box(cart), &context).unwrap())
        });
    }
    group.finish();

    let mut group = c.benchmark_group("automatic_promotions_20_lines");
    for count in [1usize, 100, 10_000] {
        let pricer = pricer(promotions(count - 1));
        group.bench_with_input(BenchmarkId::from_parameter(count), &twenty, |b, cart| {
            b.iter(|| pricer.price(black_box(cart), &context).unwrap())
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
