"""An ordercore Store over SQLite (stdlib only): one table of versioned documents with index
columns, a counters table, an outbox table and an idempotency table; optimistic versions and
guarded counter deltas in one transaction."""
import sqlite3
import threading


class SqliteStore:
    def __init__(self, path=":memory:"):
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.executescript("""
            CREATE TABLE IF NOT EXISTS documents (
                kind TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
                customer_id TEXT, state TEXT, created_at TEXT, due_at TEXT, PRIMARY KEY (kind, id));
            CREATE INDEX IF NOT EXISTS orders_by_created ON documents (kind, created_at, id);
            CREATE TABLE IF NOT EXISTS outbox (position INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL,
                delivered INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, record TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        """)
        self.commits = 0

    def load(self, *, kind, id):
        with self._lock:
            row = self._db.execute("SELECT version, body FROM documents WHERE kind = ? AND id = ?", (kind, id)).fetchone()
        return None if row is None else {"version": row[0], "document": row[1]}

    def counters(self, *, names):
        with self._lock:
            values = dict(self._db.execute(
                f"SELECT name, value FROM counters WHERE name IN ({', '.join('?' * len(names))})", names))
        return [values.get(name, 0) for name in names]

    def commit(self, *, writes, counters=(), events, idempotency):
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                for w in writes:
                    index = (w["customer_id"], w["state"], w["created_at"], w["due_at"])
                    if w["expected_version"] == 0:
                        try:
                            db.execute("INSERT INTO documents VALUES (?, ?, 1, ?, ?, ?, ?, ?)",
                                       (w["kind"], w["id"], w["document"], *index))
                        except sqlite3.IntegrityError:
                            db.execute("ROLLBACK")
                            return "version_conflict"
                    else:
                        updated = db.execute(
                            "UPDATE documents SET version = version + 1, body = ?, customer_id = ?, state = ?, "
                            "created_at = ?, due_at = ? WHERE kind = ? AND id = ? AND version = ?",
                            (w["document"], *index, w["kind"], w["id"], w["expected_version"])).rowcount
                        if updated != 1:
                            db.execute("ROLLBACK")
                            return "version_conflict"
                for c in counters:
                    (value,) = db.execute(
                        "INSERT INTO counters VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                        "SET value = value + excluded.value RETURNING value", (c["name"], c["delta"])).fetchone()
                    if (c["min"] is not None and value < c["min"]) or (c["max"] is not None and value > c["max"]):
                        db.execute("ROLLBACK")
                        return "version_conflict"
                for event in events:
                    db.execute("INSERT INTO outbox (event) VALUES (?)", (event,))
                if idempotency is not None:
                    try:
                        db.execute("INSERT INTO idempotency VALUES (?, ?)", (idempotency["key"], idempotency["record"]))
                    except sqlite3.IntegrityError:
                        db.execute("ROLLBACK")
                        return "idempotency_conflict"
                db.execute("COMMIT")
                self.commits += 1
                return None
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def find(self, *, kind, customer_id, state, due_before, after_created_at, after_id, limit):
        sql = "SELECT body FROM documents WHERE kind = ?"
        args = [kind]
        for column, value in (("customer_id", customer_id), ("state", state)):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        if due_before is not None:
            sql += " AND due_at IS NOT NULL AND due_at <= ?"
            args.append(due_before)
        if after_created_at is not None:
            sql += " AND (created_at > ? OR (created_at = ? AND id > ?))"
            args += [after_created_at, after_created_at, after_id]
        sql += " ORDER BY created_at, id LIMIT ?"
        args.append(limit + 1)
        with self._lock:
            rows = [r[0] for r in self._db.execute(sql, args)]
        return {"documents": rows[:limit], "more": len(rows) > limit}

    def idempotency(self, *, key):
        with self._lock:
            row = self._db.execute("SELECT record FROM idempotency WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def pending_events(self, *, limit):
        with self._lock:
            rows = self._db.execute("SELECT position, event FROM outbox WHERE delivered = 0 ORDER BY position LIMIT ?", (limit,))
            return [{"position": position, "event": event} for position, event in rows]

    def mark_delivered(self, *, positions):
        with self._lock:
            self._db.executemany("UPDATE outbox SET delivered = 1 WHERE position = ?", [(p,) for p in positions])
