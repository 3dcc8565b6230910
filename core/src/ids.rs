//! Ids come in through [`IdGen`]; the default is a deterministic counter.

use std::sync::atomic::{AtomicU64, Ordering};

use smol_str::SmolStr;

/// Makes new ids for orders, payments, shipments, returns and events.
pub trait IdGen: Send + Sync {
    /// A new id, unique for this generator, starting with `prefix` (`"ord"`, `"pay"`, …).
    fn next_id(&self, prefix: &str) -> SmolStr;
}

/// `parts` joined into one id, inline (no allocation) up to 23 bytes: stock keys, aggregate
/// names and ids are built for every line of every command.
pub(crate) fn join(parts: &[&str]) -> SmolStr {
    // Collected by `SmolStr` itself: one stack buffer and no UTF-8 check of whole `str`s
    // (`SmolStrBuilder` re-checks its state for every part; copying into a buffer of our own
    // needs `from_utf8`, which costs more than the copy).
    parts.iter().copied().collect()
}

/// `prefix_000001`, `prefix_000002`, …: deterministic, so the same inputs give the same ids.
/// Several processes sharing a database need ids that cannot collide: give each its own
/// `node` tag, or inject an `IdGen` producing UUIDs.
#[derive(Debug, Default)]
pub struct SequentialIds {
    node: String,
    next: AtomicU64,
}

impl SequentialIds {
    /// A generator whose ids carry `node` (empty for a single process).
    pub fn new(node: &str) -> Self {
        SequentialIds {
            node: node.to_string(),
            next: AtomicU64::new(1),
        }
    }
}

impl IdGen for SequentialIds {
    fn next_id(&self, prefix: &str) -> SmolStr {
        let n = self.next.fetch_add(1, Ordering::Relaxed).max(1);
        // `{prefix}_{node}_{n:06}` joined without `format!`: ids are minted for every event.
        // Below a million, 1_000_000 + n written without its leading 1 is n padded to six digits.
        let mut digits = itoa::Buffer::new();
        let number = if n < 1_000_000 {
            digits.format(n + 1_000_000).get(1..).unwrap_or_default()
        } else {
            digits.format(n)
        };
        if self.node.is_empty() {
            join(&[prefix, "_", number])
        } else {
            join(&[prefix, "_", &self.node, "_", number])
        }
    }
}

/// UUID-shaped ids (`ord_8c1f…`), derived from a seed and a counter by SHA-256: deterministic for
/// a given seed, and collision-free across processes that use different seeds — give each
/// process of a scaled-out host a random seed at start-up.
#[derive(Debug)]
pub struct UuidIds {
    seed: u64,
    next: AtomicU64,
}

impl UuidIds {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        UuidIds {
            seed,
            next: AtomicU64::new(0),
        }
    }
}

impl IdGen for UuidIds {
    fn next_id(&self, prefix: &str) -> SmolStr {
        use sha2::{Digest, Sha256};
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut hasher = Sha256::new();
        hasher.update(self.seed.to_le_bytes());
        hasher.update(n.to_le_bytes());
        let digest = hasher.finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
        smol_str::format_smolstr!("{prefix}_{}", id.simple())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_short_ids_inline_and_long_ones_whole() {
        let short = join(&["stock/", "tee", "@", "main"]);
        assert_eq!(short, "stock/tee@main");
        assert!(!short.is_heap_allocated());
        let exact = join(&["a".repeat(20).as_str(), "@", "ab"]);
        assert_eq!(exact.len(), 23);
        assert!(!exact.is_heap_allocated());
        let long = join(&["stock/", "a-sku-with-a-long-name", "@", "warehouse-ü"]);
        assert_eq!(long, "stock/a-sku-with-a-long-name@warehouse-ü");
        assert_eq!(join(&["ü", "@", "日本"]), "ü@日本");
        assert_eq!(join(&[]), "");
    }

    #[test]
    fn sequential_ids_count_up_with_their_prefix() {
        let ids = SequentialIds::new("");
        assert_eq!(ids.next_id("ord"), "ord_000001");
        assert_eq!(ids.next_id("pay"), "pay_000002");
        assert_eq!(SequentialIds::new("n1").next_id("ord"), "ord_n1_000001");
        // Ids past the inline length, and a node too long for the quick path, are whole too.
        let node = "node-".repeat(14);
        assert_eq!(
            SequentialIds::new(&node).next_id("ord"),
            format!("ord_{node}_000001")
        );
        let long = SequentialIds::new("eu-west-1-p7").next_id("shipment");
        assert_eq!(long, "shipment_eu-west-1-p7_000001");
        assert!(long.is_heap_allocated());
        assert!(!SequentialIds::new("").next_id("evt").is_heap_allocated());
        // Past six digits the number grows; nothing is cut.
        for (n, id) in [
            (1_234_567, "evt_1234567"),
            (u64::MAX, "evt_18446744073709551615"),
        ] {
            let ids = SequentialIds {
                node: String::new(),
                next: AtomicU64::new(n),
            };
            assert_eq!(ids.next_id("evt"), id);
        }
    }

    #[test]
    fn uuid_ids_are_deterministic_per_seed_and_differ_across_seeds() {
        let a = UuidIds::new(7);
        let b = UuidIds::new(7);
        let c = UuidIds::new(8);
        let first = a.next_id("ord");
        assert_eq!(first, b.next_id("ord"));
        assert_ne!(first, c.next_id("ord"));
        assert_ne!(first, a.next_id("ord"));
        assert_eq!(first.len(), "ord_".len() + 32);
        let parsed = uuid::Uuid::parse_str(&first[4..]).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
    }
}
