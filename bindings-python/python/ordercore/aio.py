"""ordercore for asyncio hosts (FastAPI ``async def`` endpoints, asyncpg, …).

The engine is synchronous and CPU-bound; an event loop must never block on it. :class:`AsyncEngine`
runs every engine call in a worker thread (``asyncio.to_thread``) and takes an *async* store: when
the engine, on its worker thread, needs the store, the store's coroutine is scheduled on the
event loop (``asyncio.run_coroutine_threadsafe``) and the worker waits for it. The loop stays free
throughout — it runs the store's I/O and serves other requests meanwhile.

    >>> engine = AsyncEngine(config, store=AsyncpgStore(pool))     # inside the running loop
    >>> order = await engine.place_order(actor, {...}, idempotency_key="checkout-1")

An exception raised by the async store comes back out of the awaited call unchanged.
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Protocol, Sequence, Tuple, TypeVar, Union, cast

from . import _native, SYSTEM, Actor, Carrier, Engine, Json, OrderView, PaymentGateway, Store, TaxProvider, types

__all__ = ["AsyncEngine", "AsyncStore"]

_T = TypeVar("_T")


class AsyncStore(Protocol):
    """:class:`ordercore.Store` with ``async def`` methods (same arguments, same answers)."""

    async def load(self, *, kind: str, id: str) -> Optional[types.StoredDocument]:
        """See :meth:`ordercore.Store.load`."""

    async def counters(self, *, names: List[str]) -> List[int]:
        """See :meth:`ordercore.Store.counters`."""

    async def commit(self, *, writes: List[types.WriteRequest], counters: List[types.CounterRequest],
                     events: List[str], idempotency: Optional[types.RecordRequest]) -> Optional[str]:
        """See :meth:`ordercore.Store.commit`."""

    async def find(self, *, kind: str, customer_id: Optional[str], state: Optional[str],
                   due_before: Optional[str], after_created_at: Optional[str], after_id: Optional[str],
                   limit: int) -> types.FoundAnswer:
        """See :meth:`ordercore.Store.find`."""

    async def idempotency(self, *, key: str) -> Optional[str]:
        """See :meth:`ordercore.Store.idempotency`."""

    async def pending_events(self, *, limit: int) -> List[types.PendingEvent]:
        """See :meth:`ordercore.Store.pending_events`."""

    async def mark_delivered(self, *, positions: List[int]) -> None:
        """See :meth:`ordercore.Store.mark_delivered`."""


class _OnLoop:
    """A synchronous store for the engine's worker threads over an async store on ``loop``: each
    method runs the store's coroutine on the loop and waits for its answer."""

    def __init__(self, store: AsyncStore, loop: asyncio.AbstractEventLoop):
        self._store = store
        self._loop = loop

    def _wait(self, coroutine: Awaitable[_T]) -> _T:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            raise RuntimeError("the engine was called on the event loop's own thread: await AsyncEngine's methods")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()  # type: ignore[arg-type]

    def load(self, **request: Any) -> Optional[types.StoredDocument]:
        return self._wait(self._store.load(**request))

    def counters(self, **request: Any) -> List[int]:
        return self._wait(self._store.counters(**request))

    def commit(self, **request: Any) -> Optional[str]:
        return self._wait(self._store.commit(**request))

    def find(self, **request: Any) -> types.FoundAnswer:
        return self._wait(self._store.find(**request))

    def idempotency(self, **request: Any) -> Optional[str]:
        return self._wait(self._store.idempotency(**request))

    def pending_events(self, **request: Any) -> List[types.PendingEvent]:
        return self._wait(self._store.pending_events(**request))

    def mark_delivered(self, **request: Any) -> None:
        self._wait(self._store.mark_delivered(**request))


class AsyncEngine:
    """:class:`ordercore.Engine` for asyncio: the same methods, awaited. Build it inside the
    running event loop that an async store belongs to. The store may be async (its coroutines
    run on the loop while the engine's worker thread waits) or a plain :class:`ordercore.Store`
    (called from the worker thread: a SQLite file through ``SqlStore``), or the SQLite store
    written in Rust (:class:`ordercore.stores.sqlite.SqliteStore`: the whole call without the
    GIL). Without a store it runs
    on the memory store (the calls still leave the loop free). ``threads`` bounds how many engine
    calls run at once (default: asyncio's default executor); :meth:`close` ends those threads."""

    def __init__(self, config: Optional[Mapping[str, Any]] = None,
                 store: Union[AsyncStore, Store, _native.SqliteStore, None] = None, *,
                 gateway: Optional[PaymentGateway] = None, carrier: Optional[Carrier] = None,
                 tax: Optional[TaxProvider] = None, threads: Optional[int] = None):
        loop = asyncio.get_running_loop()
        if store is not None and inspect.iscoroutinefunction(getattr(store, "load", None)):
            store = _OnLoop(cast(AsyncStore, store), loop)
        self.engine = Engine(config, cast(Union[Store, _native.SqliteStore, None], store), gateway=gateway, carrier=carrier, tax=tax)
        self._threads = None if threads is None else ThreadPoolExecutor(threads, thread_name_prefix="ordercore")

    async def _run(self, call: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        if self._threads is None:
            return await asyncio.to_thread(call, *args, **kwargs)
        context = contextvars.copy_context()
        work = functools.partial(context.run, call, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._threads, work)

    def close(self) -> None:
        """Ends the engine's own threads (``threads``) once their calls are done."""
        if self._threads is not None:
            self._threads.shutdown(wait=True)

    async def execute(self, actor: Actor, command: Mapping[str, Any], idempotency_key: Optional[str] = None) -> Json:
        """See :meth:`ordercore.Engine.execute`."""
        return await self._run(self.engine.execute, actor, command, idempotency_key)

    async def query(self, actor: Actor, query: Mapping[str, Any]) -> Json:
        """See :meth:`ordercore.Engine.query`."""
        return await self._run(self.engine.query, actor, query)

    async def execute_json(self, actor: Actor, command: Mapping[str, Any], idempotency_key: Optional[str] = None) -> str:
        """See :meth:`ordercore.Engine.execute_json`."""
        return await self._run(self.engine.execute_json, actor, command, idempotency_key)

    async def query_json(self, actor: Actor, query: Mapping[str, Any]) -> str:
        """See :meth:`ordercore.Engine.query_json`."""
        return await self._run(self.engine.query_json, actor, query)

    async def tick(self, actor: Actor = SYSTEM) -> types.TickReport:
        """See :meth:`ordercore.Engine.tick`."""
        return await self._run(self.engine.tick, actor)

    async def price(self, cart: Mapping[str, Any], context: Optional[Mapping[str, Any]] = None) -> types.PriceBreakdown:
        """See :meth:`ordercore.Engine.price`."""
        return await self._run(self.engine.price, cart, context)

    async def pending_events(self, limit: int = 100) -> List[types.OutboxEntry]:
        """See :meth:`ordercore.Engine.pending_events`."""
        return await self._run(self.engine.pending_events, limit)

    async def mark_delivered(self, positions: Sequence[int]) -> None:
        """See :meth:`ordercore.Engine.mark_delivered`."""
        await self._run(self.engine.mark_delivered, positions)

    async def place_order(self, actor: Actor, order: Union[types.PlaceOrderInput, Mapping[str, Any]],
                          idempotency_key: Optional[str] = None) -> OrderView:
        """See :meth:`ordercore.Engine.place_order`."""
        return await self._run(self.engine.place_order, actor, order, idempotency_key)

    async def get_order(self, actor: Actor, order_id: str) -> OrderView:
        """See :meth:`ordercore.Engine.get_order`."""
        return await self._run(self.engine.get_order, actor, order_id)

    def set_clock(self, at: Union[str, Any]) -> None:
        """See :meth:`ordercore.Engine.set_clock` (instant, no I/O)."""
        self.engine.set_clock(at)
