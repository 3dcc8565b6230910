"""The store contract (`ordercore.testing`) on the stores of this suite — and a store that
breaks it is caught, naming the rule."""
import asyncio

import pytest

from ordercore.testing import check_async_store, check_store
from sqlite_store import SqliteStore
from test_aio import AsyncMemoryStore


def test_the_sqlite_store_keeps_the_contract():
    check_store(SqliteStore())


def test_the_async_memory_store_keeps_the_contract():
    asyncio.run(check_async_store(AsyncMemoryStore()))


class KeepsRefusedInserts(SqliteStore):
    """The bug #17 found in the FastAPI example on SQLite: a refused commit left its inserts."""

    def commit(self, *, writes, counters, events, idempotency):
        status = super().commit(writes=[w for w in writes if w["expected_version"] != 0] or writes,
                                counters=counters, events=events, idempotency=idempotency)
        if status == "version_conflict":
            for w in writes:
                if w["expected_version"] == 0:
                    super().commit(writes=[w], events=[], idempotency=None)
        return status


class IgnoresCounterBounds(SqliteStore):
    def commit(self, *, writes, counters, events, idempotency):
        unbounded = [{**c, "min": None, "max": None} for c in counters]
        return super().commit(writes=writes, counters=unbounded, events=events, idempotency=idempotency)


class ReusesPositions(SqliteStore):
    def pending_events(self, *, limit):
        return [{**e, "position": i + 1} for i, e in enumerate(super().pending_events(limit=limit))]


@pytest.mark.parametrize("store, rule", [
    (KeepsRefusedInserts(), "a refused commit writes no document"),
    (ReusesPositions(), "positions are never reused"),
    (IgnoresCounterBounds(), "a counter below its minimum is a conflict"),
])
def test_a_store_that_breaks_the_contract_is_caught_naming_the_rule(store, rule):
    with pytest.raises(AssertionError, match=rule):
        check_store(store)


def test_an_async_store_given_to_the_sync_check_is_refused():
    with pytest.raises(RuntimeError, match="check_async_store"):
        check_store(AsyncMemoryStore())
