"""The ordercore ``Store`` protocol on SQLAlchemy 2.x: one table of versioned documents, one of
counters, an outbox and idempotency records. SQLite (a file several processes share) or
PostgreSQL (psycopg).

    engine = connect("postgresql://shop@db/shop")    # or "sqlite:///orders.db"
    migrate(engine)                                   # at deploy: creates or upgrades the tables
    shop = ordercore.Engine(config, store=SqlStore(engine))

A commit applies all of its writes or none, in one transaction, and each write is guarded by the
version it was read at; counters (stock counts, coupon uses) change by deltas that must keep
their bounds, one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` each: checkouts of one sku
never conflict with each other, and of two racing for the last units one commits and the other
answers ``version_conflict``, which the engine turns into a fresh decision
(``insufficient_stock``).

**Migrations** ship in the package (Alembic, ``ordercore/stores/migrations``): :func:`migrate`
upgrades a database to the tables this version of the package uses, recording where it stands
in Alembic's ``alembic_version`` table; run it when you deploy a new version, before the new
code serves. A database created by the tables of an earlier example (without that table) is
adopted by :func:`migrate` as it is: the first revision only creates what is missing.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, ContextManager, Iterator, List, Optional

from pathlib import Path

from sqlalchemy import (BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text,
                        create_engine, event, text)
from sqlalchemy.engine import Engine

from . import _listed
from ..types import CounterRequest, FoundAnswer, PendingEvent, RecordRequest, StoredDocument, WriteRequest

__all__ = ["SqlStore", "connect", "migrate", "metadata"]

metadata = MetaData()

documents = Table(
    "documents", metadata,
    Column("kind", String(32), primary_key=True),
    Column("id", String(200), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("body", Text, nullable=False),
    # Index columns of orders, maintained from the engine's writes (RFC 3339 text sorts in time order).
    Column("customer_id", String(200), index=True),
    Column("state", String(32)),
    Column("created_at", String(40)),
    Column("due_at", String(40)),
    # The order lists read a page at a time (migration 0003), the subscription lists (0004).
    Index("documents_orders", "created_at", "id", sqlite_where=text("kind = 'order'"),
          postgresql_where=text("kind = 'order'")),
    Index("documents_due", "due_at", sqlite_where=text("kind = 'order' AND due_at IS NOT NULL"),
          postgresql_where=text("kind = 'order' AND due_at IS NOT NULL")),
    Index("documents_subscriptions", "created_at", "id", sqlite_where=text("kind = 'subscription'"),
          postgresql_where=text("kind = 'subscription'")),
    Index("documents_subscriptions_due", "due_at",
          sqlite_where=text("kind = 'subscription' AND due_at IS NOT NULL"),
          postgresql_where=text("kind = 'subscription' AND due_at IS NOT NULL")),
)
# Per listed kind: its list's index and its due index.
_INDEXES = {"order": ("documents_orders", "documents_due"),
            "subscription": ("documents_subscriptions", "documents_subscriptions_due")}
counters = Table(
    "counters", metadata,
    Column("name", String(300), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
outbox = Table(
    "outbox", metadata,
    Column("position", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event", Text, nullable=False),
    Column("delivered", Boolean, nullable=False, default=False),
    # The relay's scan for undelivered events reads only them, however long the outbox grows.
    Index("outbox_pending", "position", sqlite_where=text("NOT delivered"),
          postgresql_where=text("NOT delivered")),
)
idempotency_records = Table(
    "idempotency", metadata,
    Column("key", String(300), primary_key=True),
    Column("record", Text, nullable=False),
)


def connect(url: str) -> Engine:
    """An SQLAlchemy engine for ``url``; SQLite files get WAL and a busy timeout so several
    processes can share them."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling begins a transaction only before DML, so a
            # SAVEPOINT could open outside one and its RELEASE commit a refused change set's
            # inserts. Hand transactions to SQLAlchemy: it emits BEGIN itself (below).
            connection.isolation_level = None
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Upgrades the database behind `engine` to this package's tables (Alembic ``upgrade
    head`` with the migrations shipped in the package); a database already there is left as
    it is. Processes may race here on PostgreSQL (an advisory lock takes them in turn)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Processes starting together (`uvicorn --workers 2`) migrate one at a time: the
            # others wait here, then find the database upgraded. The key is the Node and Rust
            # stores' too.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7262)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class _Statements:
    """The store's hot statements as SQL text in the driver's parameter style, run on the
    driver's connection: SQLAlchemy's expression layer cost more Python time per checkout than
    the engine and the database together (``benches/README.md``, session 15)."""

    def __init__(self, dialect: str):
        mark = "?" if dialect == "sqlite" else "%s"

        def sql(statement: str) -> str:
            return statement.replace("?", mark)

        self.mark = mark
        self.load = sql("SELECT version, body FROM documents WHERE kind = ? AND id = ?")
        # ON CONFLICT DO NOTHING: a taken key answers no row, without a savepoint round trip.
        self.insert = sql("INSERT INTO documents (kind, id, version, body, customer_id, state, created_at, due_at) "
                          "VALUES (?, ?, 1, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
        self.update = sql("UPDATE documents SET version = ?, body = ?, customer_id = ?, state = ?, created_at = ?, "
                          "due_at = ? WHERE kind = ? AND id = ? AND version = ?")
        # One statement per counter, the same in SQLite (3.35+) and PostgreSQL: the row is created
        # at the delta or incremented, and stays locked by this transaction until it ends.
        self.add_to_counter = sql("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) "
                                  "DO UPDATE SET value = counters.value + excluded.value RETURNING value")
        self.insert_record = sql("INSERT INTO idempotency (key, record) VALUES (?, ?) ON CONFLICT DO NOTHING")
        self.record = sql("SELECT record FROM idempotency WHERE key = ?")
        self.append_event = sql("INSERT INTO outbox (event, delivered) VALUES (?, ?)")
        self.pending = sql("SELECT position, event FROM outbox WHERE NOT delivered ORDER BY position LIMIT ?")
        # SQLite's connections are in autocommit (see `connect`): a write transaction is opened
        # by hand, and takes the file's write lock at once rather than on its first write.
        self.sqlite = dialect == "sqlite"

    def marks(self, count: int) -> str:
        """``?, ?, …`` for an ``IN`` list of `count` values."""
        return ", ".join([self.mark] * count)


def _within(change: CounterRequest, value: int) -> bool:
    low, high = change["min"], change["max"]
    return (low is None or value >= low) and (high is None or value <= high)


class _Refused(Exception):
    def __init__(self, status: str):
        self.status = status


class SqlStore:
    """Implements ``ordercore.Store``; thread-safe (one connection per call from the pool).

    SQLite takes one writer at a time, and a writer that finds the file locked sleeps and polls
    (the busy timeout) — under load, most of a checkout's time. So on SQLite the store queues its
    own threads' commits on a lock, which hands the file to the next writer the moment it is
    free; other processes on the same file still wait through the busy timeout. PostgreSQL
    writes concurrently and takes no lock here. Reads and commits run their SQL on the
    driver's connection (on SQLite in autocommit: a read is one statement)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sql = _Statements(engine.dialect.name)
        self._writing: ContextManager[Any] = (
            threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext())

    def create_tables(self) -> None:
        """Creates or upgrades the tables (:func:`migrate`)."""
        migrate(self.engine)

    def drop_tables(self) -> None:
        """Drops the tables and the migration record (tests, throwaway databases)."""
        metadata.drop_all(self.engine)
        with self.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Any]:
        """A cursor on a pooled connection, given back after the read."""
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
        finally:
            connection.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """A cursor in a transaction that commits when the block ends, or rolls back."""
        explicit = self._sql.sqlite
        with self._reading() as cursor:
            if explicit:
                cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                if explicit:
                    cursor.execute("ROLLBACK")
                else:
                    cursor.connection.rollback()
                raise
            if explicit:
                cursor.execute("COMMIT")
            else:
                cursor.connection.commit()

    def load(self, *, kind: str, id: str) -> Optional[StoredDocument]:
        """See :meth:`ordercore.Store.load`."""
        with self._reading() as cursor:
            cursor.execute(self._sql.load, (kind, id))
            row = cursor.fetchone()
        return {"version": int(row[0]), "document": row[1]} if row else None

    def counters(self, *, names: List[str]) -> List[int]:
        """See :meth:`ordercore.Store.counters`."""
        if not names:
            return []
        with self._reading() as cursor:
            cursor.execute(f"SELECT name, value FROM counters WHERE name IN ({self._sql.marks(len(names))})", names)
            values = {name: int(value) for name, value in cursor.fetchall()}
        return [values.get(name, 0) for name in names]

    def commit(self, *, writes: List[WriteRequest], counters: List[CounterRequest], events: List[str],
               idempotency: Optional[RecordRequest]) -> Optional[str]:
        """See :meth:`ordercore.Store.commit`."""
        try:
            with self._writing, self._transaction() as cursor:
                self._write_documents(cursor, writes)
                self._change_counters(cursor, counters)
                if idempotency is not None:
                    cursor.execute(self._sql.insert_record, (idempotency["key"], idempotency["record"]))
                    if cursor.rowcount != 1:
                        raise _Refused("idempotency_conflict")
                if events:
                    cursor.executemany(self._sql.append_event, [(event, False) for event in events])
        except _Refused as refused:
            return refused.status
        return None

    def _write_documents(self, cursor: Any, writes: List[WriteRequest]) -> None:
        for w in writes:
            index = (w["customer_id"], w["state"], w["created_at"], w["due_at"])
            if w["expected_version"] == 0:
                cursor.execute(self._sql.insert, (w["kind"], w["id"], w["document"], *index))
            else:
                version = w["expected_version"]
                cursor.execute(self._sql.update, (version + 1, w["document"], *index, w["kind"], w["id"], version))
            if cursor.rowcount != 1:
                raise _Refused("version_conflict")

    def _change_counters(self, cursor: Any, changes: List[CounterRequest]) -> None:
        for change in changes:
            cursor.execute(self._sql.add_to_counter, (change["name"], change["delta"]))
            if not _within(change, int(cursor.fetchone()[0])):
                raise _Refused("version_conflict")

    def find(self, *, kind: str, customer_id: Optional[str], state: Optional[str], due_before: Optional[str],
             after_created_at: Optional[str], after_id: Optional[str], limit: int) -> FoundAnswer:
        """See :meth:`ordercore.Store.find`."""
        # The kind as written in the partial indexes: a bound parameter would keep the planner
        # from using them.
        indexes = _INDEXES[_listed(kind)]
        where, values, index = [f"kind = '{kind}'"], [], indexes[0]
        if customer_id is not None:
            where.append("customer_id = ?")
            values.append(customer_id)
        if state is not None:
            where.append("state = ?")
            values.append(state)
        if due_before is not None:
            where.append("due_at IS NOT NULL AND due_at <= ?")
            values.append(due_before)
            index = indexes[1]
        if after_created_at is not None:
            where.append("(created_at > ? OR (created_at = ? AND id > ?))")
            values += [after_created_at, after_created_at, after_id or ""]
        index = "ix_documents_customer_id" if customer_id is not None else index
        # Without statistics SQLite's planner would take the primary key and sort every order.
        hint = f" INDEXED BY {index}" if self._sql.sqlite else ""
        query = (f"SELECT body FROM documents{hint} WHERE {' AND '.join(where)} "
                 f"ORDER BY created_at, id LIMIT ?").replace("?", self._sql.mark)
        with self._reading() as cursor:
            cursor.execute(query, [*values, limit + 1])
            bodies = [body for (body,) in cursor.fetchall()]
        return {"documents": bodies[:limit], "more": len(bodies) > limit}

    def idempotency(self, *, key: str) -> Optional[str]:
        """See :meth:`ordercore.Store.idempotency`."""
        with self._reading() as cursor:
            cursor.execute(self._sql.record, (key,))
            row = cursor.fetchone()
        return str(row[0]) if row else None

    def pending_events(self, *, limit: int) -> List[PendingEvent]:
        """See :meth:`ordercore.Store.pending_events`."""
        with self._reading() as cursor:
            cursor.execute(self._sql.pending, (limit,))
            return [{"position": int(position), "event": event} for position, event in cursor.fetchall()]

    def mark_delivered(self, *, positions: List[int]) -> None:
        """See :meth:`ordercore.Store.mark_delivered`."""
        if positions:
            with self._writing, self._transaction() as cursor:
                cursor.execute(f"UPDATE outbox SET delivered = {self._sql.mark} "
                               f"WHERE position IN ({self._sql.marks(len(positions))})", [True, *positions])
