//! Pricing benchmarks; see benches/README.md for the figures and how to read them.

use std::hint::black_box;
use std::str::FromStr;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ordercore::pricing::PricingContext;
use ordercore_benches::{USD_20, cart, hand_written, pricer, promotions};
use rust_decimal::Decimal;

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
