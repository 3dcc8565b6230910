"""The ordercore store on asyncpg, for async services: the same tables as
:class:`ordercore.stores.sqlalchemy.SqlStore` (create them with its ``migrate``), used through
:class:`ordercore.aio.AsyncEngine`.

    pool = await asyncpg.create_pool(DATABASE_URL)
    engine = AsyncEngine(config, store=AsyncpgStore(pool))   # in the running loop
"""
from __future__ import annotations

from typing import Any, List, Optional

import asyncpg  # type: ignore[import-untyped]

from . import _listed
from ..types import CounterRequest, FoundAnswer, PendingEvent, RecordRequest, StoredDocument, WriteRequest

__all__ = ["AsyncpgStore"]


def _within(change: CounterRequest, value: int) -> bool:
    low, high = change["min"], change["max"]
    return (low is None or value >= low) and (high is None or value <= high)


class AsyncpgStore:
    """Implements ``ordercore.aio.AsyncStore``: one transaction per commit, version-guarded writes,
    counters changed by guarded deltas."""

    def __init__(self, pool: "asyncpg.Pool"):
        self.pool = pool

    async def load(self, *, kind: str, id: str) -> Optional[StoredDocument]:
        """See :meth:`ordercore.Store.load`."""
        row = await self.pool.fetchrow("SELECT version, body FROM documents WHERE kind = $1 AND id = $2", kind, id)
        return {"version": int(row["version"]), "document": row["body"]} if row else None

    async def counters(self, *, names: List[str]) -> List[int]:
        """See :meth:`ordercore.Store.counters`."""
        rows = await self.pool.fetch("SELECT name, value FROM counters WHERE name = ANY($1::text[])", names)
        values = {r["name"]: int(r["value"]) for r in rows}
        return [values.get(name, 0) for name in names]

    async def commit(self, *, writes: List[WriteRequest], counters: List[CounterRequest], events: List[str],
                     idempotency: Optional[RecordRequest]) -> Optional[str]:
        """See :meth:`ordercore.Store.commit`."""
        async with self.pool.acquire() as conn:
            transaction = conn.transaction()
            await transaction.start()
            try:
                for w in writes:
                    index = (w["customer_id"], w["state"], w["created_at"], w["due_at"])
                    if w["expected_version"] == 0:
                        status = await conn.execute(
                            "INSERT INTO documents (kind, id, version, body, customer_id, state, created_at, due_at) "
                            "VALUES ($1, $2, 1, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                            w["kind"], w["id"], w["document"], *index)
                    else:
                        status = await conn.execute(
                            "UPDATE documents SET version = version + 1, body = $3, customer_id = $4, state = $5, "
                            "created_at = $6, due_at = $7 WHERE kind = $1 AND id = $2 AND version = $8",
                            w["kind"], w["id"], w["document"], *index, w["expected_version"])
                    if not status.endswith(" 1"):
                        await transaction.rollback()
                        return "version_conflict"
                for change in counters:
                    value = await conn.fetchval(
                        "INSERT INTO counters (name, value) VALUES ($1, $2) "
                        "ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value RETURNING value",
                        change["name"], change["delta"])
                    if not _within(change, int(value)):
                        await transaction.rollback()
                        return "version_conflict"
                if idempotency is not None:
                    status = await conn.execute(
                        "INSERT INTO idempotency (key, record) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                        idempotency["key"], idempotency["record"])
                    if not status.endswith(" 1"):
                        await transaction.rollback()
                        return "idempotency_conflict"
                if events:
                    await conn.executemany("INSERT INTO outbox (event, delivered) VALUES ($1, false)", [(e,) for e in events])
            except BaseException:
                await transaction.rollback()
                raise
            await transaction.commit()
        return None

    async def find(self, *, kind: str, customer_id: Optional[str], state: Optional[str], due_before: Optional[str],
                   after_created_at: Optional[str], after_id: Optional[str], limit: int) -> FoundAnswer:
        """See :meth:`ordercore.Store.find`."""
        rows = await self.pool.fetch(
            # The kind as written in the partial indexes (a bound parameter would keep the planner
            # from using them).
            f"SELECT body FROM documents WHERE kind = '{_listed(kind)}' "
            "AND ($1::text IS NULL OR customer_id = $1) AND ($2::text IS NULL OR state = $2) "
            "AND ($3::text IS NULL OR (due_at IS NOT NULL AND due_at <= $3)) "
            "AND ($4::text IS NULL OR (created_at, id) > ($4, $5)) "
            "ORDER BY created_at, id LIMIT $6",
            customer_id, state, due_before, after_created_at, after_id or "", limit + 1)
        return {"documents": [r["body"] for r in rows[:limit]], "more": len(rows) > limit}

    async def idempotency(self, *, key: str) -> Optional[str]:
        """See :meth:`ordercore.Store.idempotency`."""
        value = await self.pool.fetchval("SELECT record FROM idempotency WHERE key = $1", key)
        return str(value) if value is not None else None

    async def pending_events(self, *, limit: int) -> List[PendingEvent]:
        """See :meth:`ordercore.Store.pending_events`."""
        rows = await self.pool.fetch(
            "SELECT position, event FROM outbox WHERE NOT delivered ORDER BY position LIMIT $1", limit)
        return [{"position": int(r["position"]), "event": r["event"]} for r in rows]

    async def mark_delivered(self, *, positions: List[int]) -> None:
        """See :meth:`ordercore.Store.mark_delivered`."""
        await self.pool.execute("UPDATE outbox SET delivered = true WHERE position = ANY($1::bigint[])", positions)
