//! ordercore's [`Store`] on a SQLite file (`rusqlite`, SQLite compiled in): versioned documents,
//! counters, the outbox and idempotency records, in the same tables as the Python package's
//! `ordercore.stores.sqlalchemy.SqlStore`, so either may open a file the other made.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use ordercore_sqlite::SqliteStore;
//!
//! let store = SqliteStore::open("orders.db")?;
//! store.migrate()?; // at deploy: creates the tables a new file lacks
//! let engine = ordercore::engine::Engine::builder().store(Arc::new(store)).build()?;
//! # Ok(()) }
//! ```
//!
//! Why a store in Rust when Python has one: the engine calls it without leaving Rust, so a
//! Python host's engine call runs start to end without the GIL (a store written in Python takes
//! the GIL back for each of a checkout's store calls, and under load the threads spend their
//! time handing it over — `benches/README.md`, session 18).
//!
//! SQLite has one writer at a time. The store writes through one connection behind a lock, so
//! its own threads' commits queue in memory and each takes the file the moment the last one is
//! done; other processes on the same file wait through the busy timeout (60 s). Reads run on
//! pooled connections of their own, which WAL mode lets read while a commit writes. A commit is
//! one `BEGIN IMMEDIATE` transaction: each write is guarded by the version it was read at (an
//! insert for version 0, an `UPDATE … WHERE version = ?` otherwise), each counter change is one
//! `INSERT … ON CONFLICT DO UPDATE … RETURNING value` checked against its bounds, the idempotency
//! record's key is taken once, and the events join the outbox — all of it or nothing. Commits
//! are durable once SQLite's WAL is on disk (`synchronous = NORMAL`: a power cut may lose the
//! last commits, never corrupt the file; a crashed process loses nothing).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use ordercore::store::{
    ChangeSet, CounterDelta, CounterKey, DocKey, Document, Find, Found, IdempotencyRecord,
    IndexColumns, OutboxEntry, Store, Versioned, Write, from_stored, store_fault, to_stored,
};
use ordercore::{Error, Result};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

/// The tables, each created when missing (the Python package's Alembic revision [`SCHEMA_REVISION`]).
const SCHEMA: &str = include_str!("../schema.sql");

/// The Alembic revision of the Python package whose tables `schema.sql` creates; recorded in
/// `alembic_version` as that package's `migrate` would, so either package can upgrade the file
/// later.
pub const SCHEMA_REVISION: &str = "0004";

/// A [`Store`] on one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    /// The connection every write goes through: commits queue on this lock.
    writer: Mutex<Connection>,
    /// Idle read connections.
    readers: Mutex<Vec<Connection>>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A connection to `path` as every one of the store's is set up: WAL (readers beside the
/// writer), a 60 s wait for another process's write lock.
fn connection(path: &Path) -> Result<Connection> {
    let connection = Connection::open(path).map_err(store_fault)?;
    connection
        .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .map_err(store_fault)?;
    connection
        .busy_timeout(std::time::Duration::from_secs(60))
        .map_err(store_fault)?;
    Ok(connection)
}

impl SqliteStore {
    /// A store on the SQLite file at `path` (created when missing; its tables by
    /// [`migrate`](Self::migrate)).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let writer = connection(&path)?;
        Ok(SqliteStore {
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The file this store is on.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the tables and indexes the file lacks and records [`SCHEMA_REVISION`]; a file
    /// already there is left as it is. A file the Python package migrated to another revision
    /// is refused (its `migrate` knows the way between revisions; this store only its own).
    pub fn migrate(&self) -> Result<()> {
        let mut writer = locked(&self.writer);
        let tx = writer
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(store_fault)?;
        tx.execute_batch(SCHEMA).map_err(store_fault)?;
        let revision: Option<String> = tx
            .query_row("SELECT version_num FROM alembic_version", [], |row| {
                row.get(0)
            })
            .optional()
            .map_err(store_fault)?;
        match revision.as_deref() {
            None => {
                tx.execute(
                    "INSERT INTO alembic_version (version_num) VALUES (?1)",
                    [SCHEMA_REVISION],
                )
                .map_err(store_fault)?;
            }
            Some(SCHEMA_REVISION) => {}
            Some(other) => {
                return Err(store_fault(format!(
                    "the database is at revision {other}, this store's tables are revision \
                     {SCHEMA_REVISION}: upgrade it with ordercore.stores.sqlalchemy.migrate"
                )));
            }
        }
        tx.commit().map_err(store_fault)
    }

    /// Runs `work` on an idle read connection (a new one when none is idle), then keeps the
    /// connection for the next read.
    fn reading<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let idle = locked(&self.readers).pop();
        let connection = match idle {
            Some(connection) => connection,
            None => connection(&self.path)?,
        };
        let answer = work(&connection);
        locked(&self.readers).push(connection);
        answer
    }

    /// Runs `work` in a write transaction on the writer, committed when it answers `Ok`
    /// (dropping the transaction rolls everything back).
    fn writing<T>(&self, work: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut writer = locked(&self.writer);
        let tx = writer
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(store_fault)?;
        let answer = work(&tx)?;
        tx.commit().map_err(store_fault)?;
        Ok(answer)
    }
}

/// One version-guarded write; `false` when the stored version is not the expected one.
fn write(tx: &Transaction<'_>, write: &Write) -> Result<bool> {
    let body = to_stored(&write.document)?;
    let (kind, id) = (write.key.kind.name(), write.key.id.as_str());
    let IndexColumns {
        customer_id: customer,
        state,
        created_at: created,
        due_at: due,
    } = write.document.index_columns();
    let rows = if write.expected_version == 0 {
        tx.prepare_cached(
            "INSERT INTO documents (kind, id, version, body, customer_id, state, created_at, due_at)
             VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
        )
        .and_then(|mut s| s.execute(params![kind, id, body, customer, state, created, due]))
    } else {
        let expected = i64::try_from(write.expected_version).map_err(store_fault)?;
        tx.prepare_cached(
            "UPDATE documents SET version = version + 1, body = ?3, customer_id = ?4, state = ?5,
               created_at = ?6, due_at = ?7
             WHERE kind = ?1 AND id = ?2 AND version = ?8",
        )
        .and_then(|mut s| {
            s.execute(params![
                kind, id, body, customer, state, created, due, expected
            ])
        })
    };
    Ok(rows.map_err(store_fault)? == 1)
}

/// One guarded counter change; `false` when the new value is outside its bounds (the caller
/// then drops the transaction, which undoes it).
fn count(tx: &Transaction<'_>, change: &CounterDelta) -> Result<bool> {
    let value: i64 = tx
        .prepare_cached(
            "INSERT INTO counters (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value
             RETURNING value",
        )
        .and_then(|mut s| s.query_row(params![change.key.to_string(), change.delta], |r| r.get(0)))
        .map_err(store_fault)?;
    Ok(change.allows(value))
}

/// Writes, counters, the record and the events of `changes`; a refusal as the error naming it.
fn apply(tx: &Transaction<'_>, changes: &ChangeSet) -> Result<()> {
    for w in &changes.writes {
        if !write(tx, w)? {
            return Err(Error::VersionConflict {
                key: w.key.to_string(),
            });
        }
    }
    for change in &changes.counters {
        if !count(tx, change)? {
            return Err(Error::VersionConflict {
                key: format!("counter/{}", change.key),
            });
        }
    }
    if let Some(record) = &changes.idempotency {
        let record_text = to_stored(record)?;
        let stored = tx
            .prepare_cached(
                "INSERT INTO idempotency (key, record) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![record.key, record_text]))
            .map_err(store_fault)?;
        if stored != 1 {
            return Err(Error::IdempotencyConflict {
                key: record.key.clone(),
            });
        }
    }
    let mut append = tx
        .prepare_cached("INSERT INTO outbox (event, delivered) VALUES (?1, 0)")
        .map_err(store_fault)?;
    for event in &changes.events {
        append.execute([to_stored(event)?]).map_err(store_fault)?;
    }
    Ok(())
}

/// The list query of `query`: its SQL and its parameters. SQLite is told which index to use:
/// without statistics its planner would take the primary key and sort every document.
fn list_sql(query: &Find) -> Result<(String, Vec<rusqlite::types::Value>)> {
    use rusqlite::types::Value;
    let filter = query.filter();
    // The kind as written in the partial indexes (a bound parameter would keep the planner
    // from using them); it is one of the engine's own kind names.
    let kind = filter.kind;
    let (list_index, due_index) = match kind {
        "subscription" => ("documents_subscriptions", "documents_subscriptions_due"),
        _ => ("documents_orders", "documents_due"),
    };
    let index = match (&filter.customer_id, &filter.due_before) {
        (Some(_), _) => "ix_documents_customer_id",
        (None, Some(_)) => due_index,
        (None, None) => list_index,
    };
    let mut conditions = vec![format!("kind = '{kind}'")];
    let mut values = Vec::new();
    if let Some(customer) = filter.customer_id {
        conditions.push("customer_id = ?".into());
        values.push(Value::Text(customer));
    }
    if let Some(state) = filter.state {
        conditions.push("state = ?".into());
        values.push(Value::Text(state.into()));
    }
    if let Some(due) = filter.due_before {
        conditions.push("due_at IS NOT NULL AND due_at <= ?".into());
        values.push(Value::Text(due));
    }
    if let Some((created, id)) = filter.after {
        conditions.push("(created_at > ? OR (created_at = ? AND id > ?))".into());
        values.extend([
            Value::Text(created.clone()),
            Value::Text(created),
            Value::Text(id),
        ]);
    }
    values.push(Value::Integer(
        i64::try_from(filter.limit).map_err(store_fault)? + 1,
    ));
    let sql = format!(
        "SELECT body FROM documents INDEXED BY {index} WHERE {} ORDER BY created_at, id LIMIT ?",
        conditions.join(" AND ")
    );
    Ok((sql, values))
}

impl Store for SqliteStore {
    fn load(&self, key: &DocKey) -> Result<Option<Versioned<Document>>> {
        self.reading(|connection| {
            let mut statement = connection
                .prepare_cached("SELECT version, body FROM documents WHERE kind = ?1 AND id = ?2")
                .map_err(store_fault)?;
            let mut rows = statement
                .query(params![key.kind.name(), key.id.as_str()])
                .map_err(store_fault)?;
            let Some(row) = rows.next().map_err(store_fault)? else {
                return Ok(None);
            };
            let version: i64 = row.get(0).map_err(store_fault)?;
            let body = row
                .get_ref(1)
                .and_then(|v| Ok(v.as_str()?))
                .map_err(store_fault)?;
            Ok(Some(Versioned {
                version: u64::try_from(version).map_err(store_fault)?,
                value: from_stored(body, "document")?,
            }))
        })
    }

    fn counters(&self, keys: &[CounterKey]) -> Result<Vec<i64>> {
        self.reading(|connection| {
            let mut statement = connection
                .prepare_cached("SELECT value FROM counters WHERE name = ?1")
                .map_err(store_fault)?;
            keys.iter()
                .map(|key| {
                    let value = statement
                        .query_row([key.to_string()], |row| row.get(0))
                        .optional()
                        .map_err(store_fault)?;
                    Ok(value.unwrap_or(0))
                })
                .collect()
        })
    }

    fn commit(&self, changes: ChangeSet) -> Result<()> {
        self.writing(|tx| apply(tx, &changes))
    }

    fn find(&self, query: &Find) -> Result<Found> {
        let limit = query.filter().limit;
        let kind = query.filter().kind;
        let (sql, values) = list_sql(query)?;
        let bodies = self.reading(|connection| {
            let mut statement = connection.prepare_cached(&sql).map_err(store_fault)?;
            let rows = statement
                .query_map(rusqlite::params_from_iter(values), |row| {
                    row.get::<_, String>(0)
                })
                .map_err(store_fault)?;
            rows.collect::<rusqlite::Result<Vec<String>>>()
                .map_err(store_fault)
        })?;
        let more = bodies.len() > limit;
        let documents = bodies
            .iter()
            .take(limit)
            .map(|body| from_stored(body, kind))
            .collect::<Result<Vec<Document>>>()?;
        Ok(Found { documents, more })
    }

    fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>> {
        let record: Option<String> = self.reading(|connection| {
            connection
                .prepare_cached("SELECT record FROM idempotency WHERE key = ?1")
                .and_then(|mut s| s.query_row([key], |row| row.get(0)).optional())
                .map_err(store_fault)
        })?;
        record
            .map(|record| from_stored(&record, "idempotency record"))
            .transpose()
    }

    fn pending_events(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<(i64, String)> = self.reading(|connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT position, event FROM outbox WHERE NOT delivered ORDER BY position LIMIT ?1",
                )
                .map_err(store_fault)?;
            let rows = statement
                .query_map([limit], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(store_fault)?;
            rows.collect::<rusqlite::Result<_>>().map_err(store_fault)
        })?;
        rows.iter()
            .map(|(position, event)| {
                Ok(OutboxEntry {
                    position: u64::try_from(*position).map_err(store_fault)?,
                    event: from_stored(event, "event")?,
                })
            })
            .collect()
    }

    fn mark_delivered(&self, positions: &[u64]) -> Result<()> {
        if positions.is_empty() {
            return Ok(());
        }
        self.writing(|tx| {
            let mut statement = tx
                .prepare_cached("UPDATE outbox SET delivered = 1 WHERE position = ?1")
                .map_err(store_fault)?;
            for &position in positions {
                let position = i64::try_from(position).map_err(store_fault)?;
                statement.execute([position]).map_err(store_fault)?;
            }
            Ok(())
        })
    }
}
