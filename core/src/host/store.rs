//! The host-store protocol: a [`Store`] kept in the host's own database (SQLAlchemy, asyncpg,
//! `pg`, a C program's tables), reached through one [`HostFunction`] as plug-ins are.
//!
//! Documents, events and idempotency records travel as opaque JSON text: a host stores them as
//! they come and answers them back unchanged, never parsing them. An order's or a subscription's
//! write also carries its index columns (customer, state, creation and due times — RFC 3339 in
//! UTC, which compare and sort correctly as text), so a host can filter and list them, and the
//! scheduler find what is due, without reading the JSON.
//!
//! | method | request | answer |
//! |---|---|---|
//! | `load` | [`LoadRequest`] `{"kind", "id"}` | `null` (no such document) or [`StoredDocument`] `{"version", "document"}` |
//! | `counters` | [`CountersRequest`] `{"names"}` | the counters' values in the order asked, `[5, 0]` (0 for a counter never changed) |
//! | `commit` | [`CommitRequest`] `{"writes", "counters", "events", "idempotency"}` | `null` or `"ok"` (all stored), `"version_conflict"` (a write's `expected_version` is not the stored one — 0 for a document that must not exist yet — or a counter's new value is outside its `min`/`max`), `"idempotency_conflict"` (the record's key exists); nothing is stored unless everything is |
//! | `find` | [`FindRequest`] `{"kind", "customer_id", "state", "due_before", "after_created_at", "after_id", "limit"}` (`null`: no filter) | [`FoundAnswer`] `{"documents", "more"}`: documents of `kind` (`order` or `subscription`) passing the filters (`due_at <= due_before`), ordered by `(created_at, id)`, after the cursor, at most `limit`; `more` when others follow |
//! | `idempotency` | [`IdempotencyRequest`] `{"key"}` | the record stored with `key`, or `null` |
//! | `pending_events` | [`PendingEventsRequest`] `{"limit"}` | [`PendingEvent`]s `[{"position", "event"}]`: undelivered events, oldest first |
//! | `mark_delivered` | [`MarkDeliveredRequest`] `{"positions"}` | `null` |
//!
//! A write is stored as version `expected_version + 1`. A counter change adds `delta` to the
//! counter (creating it at 0) and is refused unless the new value is within `min..=max` (`null`:
//! open) — in SQL one `INSERT … ON CONFLICT (name) DO UPDATE SET value = value + delta
//! RETURNING value` and a check of the value, inside the commit's transaction, which holds the
//! counter's row until it ends. Events are numbered by the store from 1
//! in commit order; positions are never reused. Python calls each method with the request's
//! fields as keyword arguments, JavaScript with the request as one object (methods camelCased:
//! `pendingEvents`, `markDelivered`), C through one callback with the method's
//! name and the request's JSON text.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{HostFunction, ask};
use crate::error::{Error, Result};
use crate::store::{
    ChangeSet, CounterKey, DocKey, Document, Find, Found, IdempotencyRecord, OutboxEntry, Store,
    Versioned, Write, store_fault, to_stored,
};

/// A [`Store`] implemented by the host through [`HostFunction`] calls.
pub struct HostStore(pub Arc<dyn HostFunction>);

/// `load`'s request: which document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoadRequest {
    /// `"order"`, `"stock"`, `"customer"`, `"checkout"`, `"plan"`, `"subscription"`,
    /// `"invoice"` or `"sequence"`.
    pub kind: String,
    /// The document's id within its kind.
    pub id: String,
}

/// `load`'s answer for a stored document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StoredDocument {
    /// The stored version (1 for the first write, +1 per write).
    pub version: u64,
    /// The document's JSON text as it was written.
    pub document: String,
}

/// `commit`'s request: everything one command changes, to store all together or not at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitRequest {
    /// Document writes, in key order (kind, then id): a SQL store that locks rows in this order
    /// cannot deadlock against another process doing the same.
    pub writes: Vec<WriteRequest>,
    /// Counter changes, one per counter, in name order (the same reason): add `delta`, and
    /// refuse the commit unless the new value is within `min..=max`.
    pub counters: Vec<CounterRequest>,
    /// Events to append to the outbox, as JSON text, in order.
    pub events: Vec<String>,
    /// The idempotency record to store under a new key, if the command had a key.
    pub idempotency: Option<RecordRequest>,
}

/// One document write of a [`CommitRequest`]; the index fields are `null` except for orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WriteRequest {
    /// The document's kind.
    pub kind: String,
    /// The document's id within its kind.
    pub id: String,
    /// The version the engine read (0: the document must not exist yet).
    pub expected_version: u64,
    /// The new document's JSON text: store it as version `expected_version + 1`.
    pub document: String,
    /// An order's customer.
    pub customer_id: Option<String>,
    /// An order's state.
    pub state: Option<String>,
    /// An order's creation time (RFC 3339, UTC).
    pub created_at: Option<String>,
    /// When the scheduler must look at the order (RFC 3339, UTC), if ever.
    pub due_at: Option<String>,
}

/// `counters`' request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CountersRequest {
    /// The counters' names.
    pub names: Vec<String>,
}

/// One counter change of a [`CommitRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CounterRequest {
    /// The counter's name (`available/<sku>@<location>`, `promotion_uses/<id>`, …).
    pub name: String,
    /// Added to the counter (created at 0).
    pub delta: i64,
    /// The new value must be at least this (`null`: no minimum).
    pub min: Option<i64>,
    /// The new value must be at most this (`null`: no maximum).
    pub max: Option<i64>,
}

impl CounterRequest {
    /// Whether `value`, the counter's value after the delta, keeps the bounds.
    pub fn allows(&self, value: i64) -> bool {
        crate::store::within(self.min, self.max, value)
    }
}

/// The idempotency record of a [`CommitRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecordRequest {
    /// The key; the commit fails with `idempotency_conflict` when it is stored already.
    pub key: String,
    /// The record's JSON text, answered back by `idempotency`.
    pub record: String,
}

/// `commit`'s answer (`null` reads as `ok`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommitStatus {
    /// Everything was stored.
    Ok,
    /// A write's expected version was not the stored one, or a counter's new value was out of
    /// its bounds: nothing was stored.
    VersionConflict,
    /// The idempotency key is stored already: nothing was stored.
    IdempotencyConflict,
}

/// `find`'s request; `null` fields do not filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FindRequest {
    /// The documents' kind: `"order"` or `"subscription"`.
    pub kind: String,
    /// Only this customer's.
    pub customer_id: Option<String>,
    /// Only those in this state.
    pub state: Option<String>,
    /// Only those with `due_at <= due_before` (RFC 3339; compare as text).
    pub due_before: Option<String>,
    /// Cursor: the creation time of the previous page's last document.
    pub after_created_at: Option<String>,
    /// Cursor: the id of the previous page's last document.
    pub after_id: Option<String>,
    /// Page size.
    pub limit: usize,
}

/// `find`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FoundAnswer {
    /// The documents' JSON text, ordered by `(created_at, id)`.
    pub documents: Vec<String>,
    /// Whether more match after the last one.
    pub more: bool,
}

/// `idempotency`'s request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IdempotencyRequest {
    /// The idempotency key.
    pub key: String,
}

/// `pending_events`'s request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PendingEventsRequest {
    /// At most this many events.
    pub limit: usize,
}

/// One event of `pending_events`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PendingEvent {
    /// The event's position in the outbox.
    pub position: u64,
    /// The event's JSON text as it was committed.
    pub event: String,
}

/// `mark_delivered`'s request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MarkDeliveredRequest {
    /// Positions of delivered events.
    pub positions: Vec<u64>,
}

/// Reads JSON text the store answered back; it is the engine's own, so a failure is the store's.
fn read<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| store_fault(format!("the store answered an unreadable {what}: {e}")))
}

impl WriteRequest {
    fn of(write: &Write) -> Result<Self> {
        let index = write.document.index();
        Ok(WriteRequest {
            kind: write.key.kind.name().into(),
            id: write.key.id.to_string(),
            expected_version: write.expected_version,
            document: to_stored(&write.document)?,
            customer_id: index.as_ref().map(|i| i.customer_id.clone()),
            state: index.as_ref().map(|i| i.state.into()),
            created_at: index.as_ref().map(|i| i.created_at.clone()),
            due_at: index.and_then(|i| i.due_at),
        })
    }
}

impl CommitRequest {
    /// The request carrying `changes`.
    pub fn of(changes: &ChangeSet) -> Result<Self> {
        let idempotency = match &changes.idempotency {
            Some(record) => Some(RecordRequest {
                key: record.key.clone(),
                record: to_stored(record)?,
            }),
            None => None,
        };
        Ok(CommitRequest {
            writes: changes
                .writes
                .iter()
                .map(WriteRequest::of)
                .collect::<Result<_>>()?,
            counters: (changes.counters.iter())
                .map(|c| CounterRequest {
                    name: c.key.to_string(),
                    delta: c.delta,
                    min: c.min,
                    max: c.max,
                })
                .collect(),
            events: changes
                .events
                .iter()
                .map(to_stored)
                .collect::<Result<_>>()?,
            idempotency,
        })
    }
}

impl FindRequest {
    /// The request for `query` (its cursor split into its two columns).
    pub fn of(query: &Find) -> Self {
        let filter = query.filter();
        let (after_created_at, after_id) = filter.after.unzip();
        FindRequest {
            kind: filter.kind.into(),
            customer_id: filter.customer_id,
            state: filter.state.map(str::to_string),
            due_before: filter.due_before,
            after_created_at,
            after_id,
            limit: filter.limit,
        }
    }
}

impl HostStore {
    fn ask<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        request: &impl Serialize,
    ) -> Result<T> {
        ask(&*self.0, "store", method, request)
    }
}

impl Store for HostStore {
    fn load(&self, key: &DocKey) -> Result<Option<Versioned<Document>>> {
        let request = LoadRequest {
            kind: key.kind.name().into(),
            id: key.id.to_string(),
        };
        let Some(stored) = self.ask::<Option<StoredDocument>>("load", &request)? else {
            return Ok(None);
        };
        Ok(Some(Versioned {
            version: stored.version,
            value: read(&stored.document, "document")?,
        }))
    }

    fn counters(&self, keys: &[CounterKey]) -> Result<Vec<i64>> {
        let request = CountersRequest {
            names: keys.iter().map(CounterKey::to_string).collect(),
        };
        let values: Vec<i64> = self.ask("counters", &request)?;
        if values.len() != keys.len() {
            return Err(Error::Provider {
                component: "store".into(),
                message: format!(
                    "counters answered {} values for {} names",
                    values.len(),
                    keys.len()
                ),
            });
        }
        Ok(values)
    }

    fn commit(&self, changes: ChangeSet) -> Result<()> {
        let request = CommitRequest::of(&changes)?;
        match self.ask::<Option<CommitStatus>>("commit", &request)? {
            None | Some(CommitStatus::Ok) => Ok(()),
            Some(CommitStatus::VersionConflict) => Err(Error::VersionConflict {
                key: "store".into(),
            }),
            Some(CommitStatus::IdempotencyConflict) => Err(Error::IdempotencyConflict {
                key: request.idempotency.map(|r| r.key).unwrap_or_default(),
            }),
        }
    }

    fn find(&self, query: &Find) -> Result<Found> {
        let page: FoundAnswer = self.ask("find", &FindRequest::of(query))?;
        let mut documents = Vec::with_capacity(page.documents.len());
        for text in &page.documents {
            let document: Document = read(text, query.kind.name())?;
            // Only one kind is asked for; another in the answer is the store's mistake.
            if document.kind() != query.kind {
                return Err(crate::store::wrong_kind(query.kind, document.kind()));
            }
            documents.push(document);
        }
        Ok(Found {
            documents,
            more: page.more,
        })
    }

    fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>> {
        let request = IdempotencyRequest { key: key.into() };
        let record: Option<String> = self.ask("idempotency", &request)?;
        record.map(|text| read(&text, "record")).transpose()
    }

    fn pending_events(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        let events: Vec<PendingEvent> =
            self.ask("pending_events", &PendingEventsRequest { limit })?;
        events
            .into_iter()
            .map(|pending| {
                Ok(OutboxEntry {
                    position: pending.position,
                    event: read(&pending.event, "event")?,
                })
            })
            .collect()
    }

    fn mark_delivered(&self, positions: &[u64]) -> Result<()> {
        let request = MarkDeliveredRequest {
            positions: positions.to_vec(),
        };
        self.ask::<serde::de::IgnoredAny>("mark_delivered", &request)
            .map(|_| ())
    }
}
