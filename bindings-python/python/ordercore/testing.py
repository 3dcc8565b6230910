"""The store contract: what every :class:`ordercore.Store` must do, checked against an empty
store through the host-store protocol — the core's one contract
(``ordercore::store_contract``), the same rules Rust and Node stores are checked by — so a
host's own store (over its database, its ORM, its driver) is proven before the engine runs on it.

    from ordercore.testing import check_store, check_async_store

    def test_my_store_keeps_the_contract():
        check_store(MyStore(empty_database()))

    async def test_my_async_store_keeps_the_contract():
        await check_async_store(MyAsyncStore(pool))

Each check raises ``AssertionError`` naming the rule broken (or the store's own exception): a
change set is all or nothing (a version conflict or an idempotency conflict leaves no document,
event or record behind); versions start at 1 and grow by one; a record's key is taken once; the
outbox hands out undelivered events oldest first, at most ``limit``, with positions that grow and
are never reused; orders are listed by ``(created_at, id)``, filtered by customer, state and due
time, and paged by the cursor.
"""
from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any

from . import _native, _StoreAdapter
from .aio import _OnLoop

__all__ = ["check_store", "check_async_store"]


class _SyncOnly(_StoreAdapter):
    """The package's store adapter, refusing a store that answers awaitables."""

    def call(self, method: str, request_json: str) -> str:
        answer = getattr(self._store, method)(**json.loads(request_json))
        if inspect.isawaitable(answer):
            if inspect.iscoroutine(answer):
                answer.close()
            raise RuntimeError("a synchronous store answered an awaitable: use check_async_store")
        return json.dumps(answer)


def check_store(store: Any) -> None:
    """Checks a synchronous :class:`ordercore.Store` (empty when called) against the contract."""
    _native.check_store(_SyncOnly(store))


async def check_async_store(store: Any) -> None:
    """Checks an :class:`ordercore.aio.AsyncStore` (empty when called) against the contract; the
    checks run in a worker thread while this loop serves the store's coroutines."""
    adapter = _StoreAdapter(_OnLoop(store, asyncio.get_running_loop()))
    await asyncio.to_thread(_native.check_store, adapter)
