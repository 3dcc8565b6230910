//! The Rust lifecycle of two builds of ordercore in one process, batches in turn: `ab.sh` builds
//! this against this checkout (`now`) and an earlier revision (`base`) and runs it. Batches of the
//! two builds milliseconds apart see the same machine, so its swings cancel out of each round's
//! ratio; prints the median of now's batch time over base's (see `ab.mjs` for Node).
use std::time::Instant;

const SKUS: usize = 20;
const BATCH: usize = 200;

/// A closure timing one batch of `BATCH` lifecycles (place with capture, ship, deliver) on an
/// engine of the given build, µs per lifecycle — `time_lifecycle`'s loop, repeated here because
/// this file compiles against earlier revisions, which share no helper for it.
macro_rules! lifecycle {
    ($benches:ident, $core:ident) => {{
        let engine = $benches::engine(SKUS, i64::MAX / 4);
        let admin = $core::actor::Actor::admin("p");
        let customer = $core::actor::Actor::customer("c1");
        let twenty = $benches::checkout("c1", SKUS);
        move || {
            let start = Instant::now();
            for _ in 0..BATCH {
                let order = engine.place_order(&customer, twenty.clone(), None).unwrap();
                let order = engine.ship_order(&admin, &order.id, None, None).unwrap();
                std::hint::black_box(engine.deliver_order(&admin, &order.id, None).unwrap());
            }
            start.elapsed().as_secs_f64() * 1e6 / BATCH as f64
        }
    }};
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let base = lifecycle!(base, ordercore_base);
    let now = lifecycle!(now, ordercore_now);
    for _ in 0..5 {
        base();
        now();
    }
    let (mut base_us, mut now_us, mut ratios) = (vec![], vec![], vec![]);
    // Which build goes first in a round: a fixed xorshift sequence, so runs are repeatable.
    let mut bits: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..rounds {
        bits ^= bits << 13;
        bits ^= bits >> 7;
        bits ^= bits << 17;
        let (b, n) = if bits & 1 == 0 {
            let b = base();
            (b, now())
        } else {
            let n = now();
            (base(), n)
        };
        base_us.push(b);
        now_us.push(n);
        ratios.push(n / b);
    }
    let even = ratios.iter().step_by(2).copied().collect();
    let odd = ratios.iter().skip(1).step_by(2).copied().collect();
    println!(
        "{{\"rounds\":{rounds},\"a_us\":{:.2},\"b_us\":{:.2},\"ratio\":{:.4},\"halves\":[{:.4},{:.4}]}}",
        median(base_us),
        median(now_us),
        median(ratios),
        median(even),
        median(odd)
    );
}
