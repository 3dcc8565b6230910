//! Ids come in through [`IdGen`]; the default is a deterministic counter.

use std::sync::atomic::{AtomicU64, Ordering};

/// Makes new ids for orders, payments, shipments, returns and events.
pub trait IdGen: Send + Sync {
    /// A new id, unique for this generator, starting with `prefix` (`"ord"`, `"pay"`, …).
    fn next_id(&self, prefix: &str) -> String;
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
    fn next_id(&self, prefix: &str) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed).max(1);
        if self.node.is_empty() {
            format!("{prefix}_{n:06}")
        } else {
            format!("{prefix}_{}_{n:06}", self.node)
        }
    }
}
