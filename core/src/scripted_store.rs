//! A [`MemoryStore`] whose next commits fail as scripted: the store faults of the engine's
//! fault model (`docs/engine.md`, "Faults") on demand, for tests and demos in any language —
//! the store's counterpart of the fake gateway's `payment_script`.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::{
    ChangeSet, DocKey, Document, Find, Found, IdempotencyRecord, MemoryStore, OutboxEntry, Store,
    Versioned,
};

/// What a [`ScriptedStore`] does with one commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StoreScripted {
    /// Commit normally.
    Commit,
    /// Another writer got there first: `version_conflict`, nothing written (the engine decides
    /// again, up to its `max_retries`).
    Conflict,
    /// The store is down: `provider_error`, nothing written.
    Fail,
    /// The commit lands but its acknowledgement is lost: everything written, and
    /// `provider_error` answered (a retry with the same idempotency key finds the record).
    LoseAck,
}

/// A memory store whose next commits follow a script; it commits normally once the script is
/// used up. Reads are never affected.
#[derive(Debug, Default)]
pub struct ScriptedStore {
    inner: MemoryStore,
    script: Mutex<VecDeque<StoreScripted>>,
}

impl ScriptedStore {
    /// An empty store that follows `script` for its next commits.
    pub fn new(script: Vec<StoreScripted>) -> Self {
        ScriptedStore {
            inner: MemoryStore::new(),
            script: Mutex::new(script.into()),
        }
    }

    fn next(&self) -> StoreScripted {
        let mut script = self.script.lock().unwrap_or_else(|e| e.into_inner());
        script.pop_front().unwrap_or(StoreScripted::Commit)
    }
}

fn down(message: &str) -> Error {
    Error::Provider {
        component: "store".into(),
        message: message.into(),
    }
}

impl Store for ScriptedStore {
    fn load(&self, key: &DocKey) -> Result<Option<Versioned<Document>>> {
        self.inner.load(key)
    }

    fn counters(&self, keys: &[crate::store::CounterKey]) -> Result<Vec<i64>> {
        self.inner.counters(keys)
    }

    fn commit(&self, changes: ChangeSet) -> Result<()> {
        match self.next() {
            StoreScripted::Commit => self.inner.commit(changes),
            StoreScripted::Conflict => Err(Error::VersionConflict {
                key: "scripted".into(),
            }),
            StoreScripted::Fail => Err(down("scripted failure: nothing written")),
            StoreScripted::LoseAck => {
                self.inner.commit(changes)?;
                Err(down("scripted lost acknowledgement: the commit landed"))
            }
        }
    }

    fn find(&self, query: &Find) -> Result<Found> {
        self.inner.find(query)
    }

    fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>> {
        self.inner.idempotency(key)
    }

    fn pending_events(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        self.inner.pending_events(limit)
    }

    fn mark_delivered(&self, positions: &[u64]) -> Result<()> {
        self.inner.mark_delivered(positions)
    }
}
