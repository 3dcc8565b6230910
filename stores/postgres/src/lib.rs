//! ordercore's [`Store`] on PostgreSQL (the `postgres` crate): versioned documents, counters,
//! the outbox and idempotency records, in the same tables as the Python and Node stores
//! (`ordercore.stores.sqlalchemy`, `ordercore/pg`), so processes in any of the three languages
//! may share one database.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use ordercore_postgres::PostgresStore;
//!
//! let store = PostgresStore::connect("postgresql://shop@localhost/shop")?;
//! store.migrate()?; // at deploy: the migrations this version lacks
//! let engine = ordercore::engine::Engine::builder().store(Arc::new(store)).build()?;
//! # Ok(()) }
//! ```
//!
//! A commit is one transaction: each write is guarded by the version it was read at (an insert
//! for version 0, an `UPDATE … WHERE version = $expected` otherwise), so of two processes racing
//! for the same order one commit wins and the other is a `version_conflict`, which the engine
//! turns into a reload and a retry; each counter change is one `INSERT … ON CONFLICT DO UPDATE
//! … RETURNING value` checked against its bounds (checkouts of one sku never conflict; the last
//! units go to one of them, and the others decide again: `insufficient_stock`); the idempotency
//! record's key is taken once; the events join the outbox in the same transaction. Connections are kept in a small pool of their own.

use std::sync::Mutex;

use ordercore::store::{
    ChangeSet, CounterDelta, CounterKey, DocKey, Document, Find, Found, IdempotencyRecord,
    IndexColumns, OutboxEntry, Store, Versioned, Write, from_stored, store_fault, to_stored,
};
use ordercore::{Error, Result};
pub use postgres::Config;
use postgres::{Client, NoTls, Transaction};

/// The migrations this crate ships, applied in order by [`PostgresStore::migrate`] and recorded
/// in `ordercore_migrations` — the same files as the Node package's (CI checks they match).
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_initial",
        include_str!("../migrations/0001_initial.sql"),
    ),
    (
        "0002_counters",
        include_str!("../migrations/0002_counters.sql"),
    ),
    (
        "0003_subscription_indexes",
        include_str!("../migrations/0003_subscription_indexes.sql"),
    ),
];

/// A [`Store`] on one PostgreSQL database.
pub struct PostgresStore {
    config: Config,
    idle: Mutex<Vec<Client>>,
}

impl PostgresStore {
    /// A store on the database at `url` (`postgresql://user@host:port/db`; connects on first use).
    pub fn connect(url: &str) -> Result<Self> {
        let config = url
            .parse::<Config>()
            .map_err(|e| Error::invalid("url", e.to_string()))?;
        Ok(Self::from_config(config))
    }

    /// A store on the database `config` names (for settings a URL cannot carry, such as the
    /// `search_path` in `options`).
    pub fn from_config(config: Config) -> Self {
        PostgresStore {
            config,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `work` on a pooled connection (a new one when none is idle); a connection that
    /// broke is not put back.
    fn with<T>(&self, work: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut client = match idle {
            Some(client) if !client.is_closed() => client,
            _ => self.config.connect(NoTls).map_err(store_fault)?,
        };
        let answer = work(&mut client);
        if !client.is_closed() {
            self.idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(client);
        }
        answer
    }

    /// Applies the migrations the database lacks, each in a transaction with its record;
    /// processes racing here are serialized by an advisory lock.
    pub fn migrate(&self) -> Result<()> {
        self.with(|client| {
            client
                .batch_execute(
                    "SELECT pg_advisory_lock(7262);
                     CREATE TABLE IF NOT EXISTS ordercore_migrations (
                       version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                )
                .map_err(store_fault)?;
            let applied = apply_migrations(client);
            let unlocked = client
                .batch_execute("SELECT pg_advisory_unlock(7262)")
                .map_err(store_fault);
            applied.and(unlocked)
        })
    }
}

fn apply_migrations(client: &mut Client) -> Result<()> {
    for (version, sql) in MIGRATIONS {
        let done = client
            .query_opt(
                "SELECT 1 FROM ordercore_migrations WHERE version = $1",
                &[version],
            )
            .map_err(store_fault)?;
        if done.is_some() {
            continue;
        }
        let mut tx = client.transaction().map_err(store_fault)?;
        tx.batch_execute(sql).map_err(store_fault)?;
        tx.execute(
            "INSERT INTO ordercore_migrations (version) VALUES ($1)",
            &[version],
        )
        .map_err(store_fault)?;
        tx.commit().map_err(store_fault)?;
    }
    Ok(())
}

/// One version-guarded write; `false` when the stored version is not the expected one.
fn write(tx: &mut Transaction<'_>, write: &Write) -> Result<bool> {
    let body = to_stored(&write.document)?;
    let (kind, id) = (write.key.kind.name(), write.key.id.as_str());
    let IndexColumns {
        customer_id: customer,
        state,
        created_at: created,
        due_at: due,
    } = write.document.index_columns();
    let rows =
        if write.expected_version == 0 {
            tx.execute(
            "INSERT INTO documents (kind, id, version, body, customer_id, state, created_at, due_at)
             VALUES ($1, $2, 1, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            &[&kind, &id, &body, &customer, &state, &created, &due],
        )
        } else {
            let expected = i64::try_from(write.expected_version).map_err(store_fault)?;
            tx.execute(
            "UPDATE documents SET version = version + 1, body = $3, customer_id = $4, state = $5,
               created_at = $6, due_at = $7
             WHERE kind = $1 AND id = $2 AND version = $8",
            &[&kind, &id, &body, &customer, &state, &created, &due, &expected],
        )
        };
    Ok(rows.map_err(store_fault)? == 1)
}

/// One guarded counter change; `false` when the new value is outside its bounds (the row stays
/// locked by the transaction, which the caller then rolls back).
fn count(tx: &mut Transaction<'_>, change: &CounterDelta) -> Result<bool> {
    let value: i64 = tx
        .query_one(
            "INSERT INTO counters (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value
             RETURNING value",
            &[&change.key.to_string(), &change.delta],
        )
        .map_err(store_fault)?
        .get(0);
    Ok(change.allows(value))
}

impl Store for PostgresStore {
    fn counters(&self, keys: &[CounterKey]) -> Result<Vec<i64>> {
        let asked: Vec<String> = keys.iter().map(CounterKey::to_string).collect();
        let rows = self.with(|client| {
            client
                .query(
                    "SELECT name, value FROM counters WHERE name = ANY($1)",
                    &[&asked],
                )
                .map_err(store_fault)
        })?;
        let values: std::collections::HashMap<&str, i64> =
            rows.iter().map(|row| (row.get(0), row.get(1))).collect();
        Ok(asked
            .iter()
            .map(|name| values.get(name.as_str()).copied().unwrap_or(0))
            .collect())
    }

    fn load(&self, key: &DocKey) -> Result<Option<Versioned<Document>>> {
        let row = self.with(|client| {
            client
                .query_opt(
                    "SELECT version, body FROM documents WHERE kind = $1 AND id = $2",
                    &[&key.kind.name(), &key.id.as_str()],
                )
                .map_err(store_fault)
        })?;
        let Some(row) = row else { return Ok(None) };
        let version: i64 = row.get(0);
        let body: String = row.get(1);
        Ok(Some(Versioned {
            version: u64::try_from(version).map_err(store_fault)?,
            value: from_stored(&body, "document")?,
        }))
    }

    fn commit(&self, changes: ChangeSet) -> Result<()> {
        self.with(|client| {
            let mut tx = client.transaction().map_err(store_fault)?;
            for w in &changes.writes {
                if !write(&mut tx, w)? {
                    // Dropping the transaction rolls it back: nothing of this change set stays.
                    return Err(Error::VersionConflict { key: w.key.to_string() });
                }
            }
            for change in &changes.counters {
                if !count(&mut tx, change)? {
                    return Err(Error::VersionConflict {
                        key: format!("counter/{}", change.key),
                    });
                }
            }
            if let Some(record) = &changes.idempotency {
                let stored = tx
                    .execute(
                        "INSERT INTO idempotency (key, record) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                        &[&record.key, &to_stored(record)?],
                    )
                    .map_err(store_fault)?;
                if stored != 1 {
                    return Err(Error::IdempotencyConflict { key: record.key.clone() });
                }
            }
            for event in &changes.events {
                tx.execute("INSERT INTO outbox (event) VALUES ($1)", &[&to_stored(event)?])
                    .map_err(store_fault)?;
            }
            tx.commit().map_err(store_fault)
        })
    }

    fn find(&self, query: &Find) -> Result<Found> {
        let filter = query.filter();
        let (after_at, after_id) = filter.after.clone().unzip();
        let limit = i64::try_from(filter.limit).map_err(store_fault)? + 1;
        // The kind as written in the partial indexes (a bound parameter would keep the planner
        // from using them); it is one of the engine's own kind names.
        let sql = format!(
            "SELECT body FROM documents
             WHERE kind = '{}'
               AND ($1::text IS NULL OR customer_id = $1)
               AND ($2::text IS NULL OR state = $2)
               AND ($3::text IS NULL OR (due_at IS NOT NULL AND due_at <= $3))
               AND ($4::text IS NULL OR (created_at, id) > ($4, $5))
             ORDER BY created_at, id
             LIMIT $6",
            filter.kind
        );
        let rows = self.with(|client| {
            client
                .query(
                    &sql,
                    &[
                        &filter.customer_id,
                        &filter.state,
                        &filter.due_before,
                        &after_at,
                        &after_id.clone().unwrap_or_default(),
                        &limit,
                    ],
                )
                .map_err(store_fault)
        })?;
        let more = rows.len() > filter.limit;
        let mut documents = Vec::with_capacity(rows.len().min(filter.limit));
        for row in rows.iter().take(filter.limit) {
            documents.push(from_stored(row.get::<_, &str>(0), filter.kind)?);
        }
        Ok(Found { documents, more })
    }

    fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>> {
        let row = self.with(|client| {
            client
                .query_opt("SELECT record FROM idempotency WHERE key = $1", &[&key])
                .map_err(store_fault)
        })?;
        row.map(|row| from_stored(row.get::<_, &str>(0), "idempotency record"))
            .transpose()
    }

    fn pending_events(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.with(|client| {
            client
                .query(
                    "SELECT position, event FROM outbox WHERE NOT delivered ORDER BY position LIMIT $1",
                    &[&limit],
                )
                .map_err(store_fault)
        })?;
        rows.iter()
            .map(|row| {
                Ok(OutboxEntry {
                    position: u64::try_from(row.get::<_, i64>(0)).map_err(store_fault)?,
                    event: from_stored(row.get::<_, &str>(1), "event")?,
                })
            })
            .collect()
    }

    fn mark_delivered(&self, positions: &[u64]) -> Result<()> {
        let positions = positions
            .iter()
            .map(|&p| i64::try_from(p).map_err(store_fault))
            .collect::<Result<Vec<i64>>>()?;
        self.with(|client| {
            client
                .execute(
                    "UPDATE outbox SET delivered = true WHERE position = ANY($1)",
                    &[&positions],
                )
                .map(|_| ())
                .map_err(store_fault)
        })
    }
}
