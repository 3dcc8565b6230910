//! One scheduler tick over 100,000 due subscriptions in the memory store (each renewed and its
//! invoice charged): the tick's time, and the process's peak resident memory before and after
//! it (VmHWM from /proc/self/status) — what the tick adds: a new invoice and its events per
//! subscription (the outbox is not relayed here), the tick's own working set a page at a time.
use ordercore::actor::Actor;
use ordercore_benches::{peak_rss_kib, renewal_day, subscriptions};

fn main() {
    let count: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let start = std::time::Instant::now();
    let (shop, clock, _) = subscriptions(count, true);
    let made = start.elapsed();
    let before = peak_rss_kib();
    clock.set(renewal_day());
    let ticking = std::time::Instant::now();
    let report = shop.tick(&Actor::System).expect("a tick");
    let tick = ticking.elapsed();
    let peak = peak_rss_kib();
    assert_eq!(
        report.billing.len() as u64,
        2 * count,
        "each renewed and paid"
    );
    assert!(report.failed.is_empty());
    println!(
        "{count} subscriptions made in {:.1} s; one tick renewed and charged them in {:.2} s \
         ({:.1} µs each); peak RSS {:.1} MiB before the tick, {:.1} MiB after ({:.2} KiB per \
         subscription)",
        made.as_secs_f64(),
        tick.as_secs_f64(),
        tick.as_secs_f64() * 1e6 / count as f64,
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
        (peak.saturating_sub(before)) as f64 / count as f64
    );
}
