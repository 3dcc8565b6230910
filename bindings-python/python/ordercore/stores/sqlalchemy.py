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
from typing import Any, ContextManager, Dict, List, Optional

from pathlib import Path

from sqlalchemy import (BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text, and_,
                        create_engine, event, insert, or_, select, text, update)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..types import CounterRequest, OrderPageAnswer, PendingEvent, RecordRequest, StoredDocument, WriteRequest

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
)
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


# One statement per counter, the same in SQLite (3.35+) and PostgreSQL: the row is created at the
# delta or incremented, and stays locked by this transaction until it ends.
_ADD_TO_COUNTER = text("INSERT INTO counters (name, value) VALUES (:name, :delta) "
                       "ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value RETURNING value")


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
    writes concurrently and takes no lock here."""

    def __init__(self, engine: Engine):
        self.engine = engine
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

    def load(self, *, kind: str, id: str) -> Optional[StoredDocument]:
        """See :meth:`ordercore.Store.load`."""
        with self.engine.connect() as conn:
            row = conn.execute(select(documents.c.version, documents.c.body)
                               .where(documents.c.kind == kind, documents.c.id == id)).first()
        return {"version": int(row.version), "document": row.body} if row else None

    def counters(self, *, names: List[str]) -> List[int]:
        """See :meth:`ordercore.Store.counters`."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(counters.c.name, counters.c.value).where(counters.c.name.in_(names)))
            values = {row.name: int(row.value) for row in rows}
        return [values.get(name, 0) for name in names]

    def commit(self, *, writes: List[WriteRequest], counters: List[CounterRequest], events: List[str],
               idempotency: Optional[RecordRequest]) -> Optional[str]:
        """See :meth:`ordercore.Store.commit`."""
        try:
            with self._writing, self.engine.begin() as conn:
                for w in writes:
                    index = {"customer_id": w["customer_id"], "state": w["state"], "created_at": w["created_at"],
                             "due_at": w["due_at"]}
                    if w["expected_version"] == 0:
                        try:
                            with conn.begin_nested():
                                conn.execute(insert(documents).values(
                                    kind=w["kind"], id=w["id"], version=1, body=w["document"], **index))
                        except IntegrityError:
                            raise _Refused("version_conflict") from None
                    else:
                        result = conn.execute(
                            update(documents)
                            .where(documents.c.kind == w["kind"], documents.c.id == w["id"],
                                   documents.c.version == w["expected_version"])
                            .values(version=w["expected_version"] + 1, body=w["document"], **index))
                        if result.rowcount != 1:
                            raise _Refused("version_conflict")
                for change in counters:
                    value: int = conn.execute(_ADD_TO_COUNTER, {"name": change["name"], "delta": change["delta"]}).scalar_one()
                    if not _within(change, int(value)):
                        raise _Refused("version_conflict")
                if idempotency is not None:
                    try:
                        with conn.begin_nested():
                            conn.execute(insert(idempotency_records).values(key=idempotency["key"], record=idempotency["record"]))
                    except IntegrityError:
                        raise _Refused("idempotency_conflict") from None
                if events:
                    conn.execute(insert(outbox), [{"event": e, "delivered": False} for e in events])
        except _Refused as refused:
            return refused.status
        return None

    def find_orders(self, *, customer_id: Optional[str], state: Optional[str], due_before: Optional[str],
                    after_created_at: Optional[str], after_id: Optional[str], limit: int) -> OrderPageAnswer:
        """See :meth:`ordercore.Store.find_orders`."""
        query = select(documents.c.body).where(documents.c.kind == "order")
        if customer_id is not None:
            query = query.where(documents.c.customer_id == customer_id)
        if state is not None:
            query = query.where(documents.c.state == state)
        if due_before is not None:
            query = query.where(documents.c.due_at.is_not(None), documents.c.due_at <= due_before)
        if after_created_at is not None:
            query = query.where(or_(documents.c.created_at > after_created_at,
                                    and_(documents.c.created_at == after_created_at, documents.c.id > (after_id or ""))))
        query = query.order_by(documents.c.created_at, documents.c.id).limit(limit + 1)
        with self.engine.connect() as conn:
            bodies = [row.body for row in conn.execute(query)]
        return {"documents": bodies[:limit], "more": len(bodies) > limit}

    def idempotency(self, *, key: str) -> Optional[str]:
        """See :meth:`ordercore.Store.idempotency`."""
        with self.engine.connect() as conn:
            row = conn.execute(select(idempotency_records.c.record).where(idempotency_records.c.key == key)).first()
        return row.record if row else None

    def pending_events(self, *, limit: int) -> List[PendingEvent]:
        """See :meth:`ordercore.Store.pending_events`."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(outbox.c.position, outbox.c.event).where(outbox.c.delivered.is_(False))
                                .order_by(outbox.c.position).limit(limit))
            return [{"position": int(r.position), "event": r.event} for r in rows]

    def mark_delivered(self, *, positions: List[int]) -> None:
        """See :meth:`ordercore.Store.mark_delivered`."""
        if positions:
            with self._writing, self.engine.begin() as conn:
                conn.execute(update(outbox).where(outbox.c.position.in_(positions)).values(delivered=True))
