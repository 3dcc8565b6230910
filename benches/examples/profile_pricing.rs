//! Prices the 20-line cart many times, for profilers (`valgrind --tool=callgrind`, `perf`).
fn main() {
    let cart = ordercore_benches::cart(20);
    let pricer = ordercore_benches::pricer(ordercore_benches::promotions(0));
    let context = ordercore::pricing::PricingContext::default();
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    let mut total = ordercore::Decimal::ZERO;
    for _ in 0..runs {
        total += std::hint::black_box(pricer.price(&cart, &context))
            .map(|b| b.grand_total)
            .unwrap_or_default();
    }
    println!("{total}");
}
