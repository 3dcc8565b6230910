"""asyncio hosts: AsyncEngine over an async store — the loop stays free, racing checkouts sell
exactly the stock, the store's exceptions come back unchanged, and a sync call from the loop's own
thread is refused instead of deadlocking."""
import asyncio
import json
from typing import Any, Dict, List, Optional, Tuple

import pytest

import ordercore
from ordercore.aio import AsyncEngine
from ordercore.types import CounterRequest, FoundAnswer, PendingEvent, StoredDocument, RecordRequest, WriteRequest

CONFIG = {"clock": "2026-06-01T12:00:00Z", "products": [{"sku": "A", "name": "Alpha", "unit_price": "10.00"}]}
ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"}
ADMIN = ordercore.staff("ops")


class AsyncMemoryStore:
    """The Store protocol with coroutines that yield to the loop at every call, like a driver."""

    def __init__(self) -> None:
        self.documents: Dict[Tuple[str, str], Tuple[int, str, Dict[str, Any]]] = {}
        self.counted: Dict[str, int] = {}
        self.outbox: List[List[Any]] = []
        self.records: Dict[str, str] = {}
        self.fail_commit: Optional[BaseException] = None

    async def load(self, *, kind: str, id: str) -> Optional[StoredDocument]:
        await asyncio.sleep(0)
        row = self.documents.get((kind, id))
        return {"version": row[0], "document": row[1]} if row else None

    async def counters(self, *, names: List[str]) -> List[int]:
        await asyncio.sleep(0)
        return [self.counted.get(name, 0) for name in names]

    async def commit(self, *, writes: List[WriteRequest], counters: List[CounterRequest], events: List[str],
                     idempotency: Optional[RecordRequest]) -> Optional[str]:
        await asyncio.sleep(0)
        if self.fail_commit:
            raise self.fail_commit
        for w in writes:
            if self.documents.get((w["kind"], w["id"]), (0,))[0] != w["expected_version"]:
                return "version_conflict"
        values = {c["name"]: self.counted.get(c["name"], 0) + c["delta"] for c in counters}
        for c in counters:
            low, high = c["min"], c["max"]
            if (low is not None and values[c["name"]] < low) or (high is not None and values[c["name"]] > high):
                return "version_conflict"
        if idempotency and idempotency["key"] in self.records:
            return "idempotency_conflict"
        for w in writes:
            self.documents[(w["kind"], w["id"])] = (w["expected_version"] + 1, w["document"], w)
        self.counted.update(values)
        self.outbox.extend([[len(self.outbox) + i + 1, e, False] for i, e in enumerate(events)])
        if idempotency:
            self.records[idempotency["key"]] = idempotency["record"]
        return None

    async def find(self, *, kind: str, customer_id: Optional[str], state: Optional[str], due_before: Optional[str],
                   after_created_at: Optional[str], after_id: Optional[str], limit: int) -> FoundAnswer:
        await asyncio.sleep(0)
        rows = sorted((w["created_at"], w["id"], body) for (held, _), (_, body, w) in self.documents.items()
                      if held == kind and customer_id in (None, w["customer_id"]) and state in (None, w["state"])
                      and (due_before is None or (w["due_at"] is not None and w["due_at"] <= due_before))
                      and (after_created_at is None or (w["created_at"], w["id"]) > (after_created_at, after_id)))
        return {"documents": [r[2] for r in rows[:limit]], "more": len(rows) > limit}

    async def idempotency(self, *, key: str) -> Optional[str]:
        await asyncio.sleep(0)
        return self.records.get(key)

    async def pending_events(self, *, limit: int) -> List[PendingEvent]:
        await asyncio.sleep(0)
        return [{"position": p, "event": e} for p, e, sent in self.outbox if not sent][:limit]

    async def mark_delivered(self, *, positions: List[int]) -> None:
        await asyncio.sleep(0)
        for row in self.outbox:
            if row[0] in positions:
                row[2] = True


def order(customer: str, quantity: int = 2) -> Dict[str, Any]:
    return {"customer_id": customer, "lines": [{"sku": "A", "quantity": quantity}], "shipping_address": ADDRESS,
            "payment": {"method": "card"}}


def test_async_engine_on_an_async_store_keeps_the_loop_free() -> None:
    async def main() -> None:
        store = AsyncMemoryStore()
        engine = AsyncEngine(CONFIG, store=store)
        await engine.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 10})
        beats = 0

        async def heartbeat() -> None:
            nonlocal beats
            while True:
                beats += 1
                await asyncio.sleep(0)

        ticker = asyncio.create_task(heartbeat())
        results = await asyncio.gather(*(engine.place_order(ordercore.customer(f"c{i}"), order(f"c{i}"))
                                         for i in range(8)), return_exceptions=True)
        ticker.cancel()
        placed = [r for r in results if isinstance(r, ordercore.OrderView)]
        refused = [r for r in results if not isinstance(r, ordercore.OrderView)]
        assert len(placed) == 5 and all(isinstance(e, ordercore.InsufficientStock) for e in refused)
        assert beats > 50, "the loop ran other work while the engine waited on the store"
        first = placed[0]
        assert (await engine.get_order(ordercore.customer(first["customer_id"]), first["id"]))["id"] == first["id"]
        page = (await engine.query(ADMIN, {"query": "list_orders", "limit": 100}))["value"]
        assert len(page["orders"]) == 5
        events = await engine.pending_events(1000)
        await engine.mark_delivered([e["position"] for e in events])
        assert await engine.pending_events() == []

    asyncio.run(main())


def test_async_store_exceptions_come_back_unchanged_and_loop_thread_calls_are_refused() -> None:
    class PoolClosed(Exception):
        pass

    async def main() -> None:
        store = AsyncMemoryStore()
        engine = AsyncEngine(CONFIG, store=store)
        await engine.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 10})
        store.fail_commit = PoolClosed("pool is closed")
        with pytest.raises(PoolClosed):
            await engine.place_order(ordercore.customer("c1"), order("c1"))
        store.fail_commit = None
        with pytest.raises(RuntimeError, match="event loop's own thread"):
            engine.engine.get_order(ordercore.customer("c1"), "any")  # blocking call on the loop: refused

    asyncio.run(main())


def test_async_engine_answers_json_text_for_services_that_send_it_on() -> None:
    async def main() -> None:
        engine = AsyncEngine(CONFIG, store=AsyncMemoryStore())
        await engine.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 10})
        text = await engine.execute_json(ordercore.customer("c1"), {"command": "place_order", **order("c1")})
        placed = json.loads(text)
        assert placed["customer_id"] == "c1" and placed["pricing"]["grand_total"] == "20.00"
        again = await engine.query_json(ADMIN, {"query": "get_order", "order_id": placed["id"]})
        assert json.loads(again)["id"] == placed["id"]

    asyncio.run(main())


def test_async_engine_over_a_sync_store_runs_its_calls_on_its_own_threads(tmp_path: Any) -> None:
    """A SQLite file through the SQLAlchemy store: the store is called from the engine's worker
    threads (never the loop's), at most `threads` calls at once, and racing checkouts sell
    exactly the stock."""
    import threading

    from ordercore.stores.sqlalchemy import SqlStore, connect

    class Watched(SqlStore):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.threads: set = set()

        def commit(self, **request: Any) -> Optional[str]:
            self.threads.add(threading.current_thread().name)
            return super().commit(**request)

    async def main() -> None:
        store = Watched(connect(f"sqlite:///{tmp_path / 'orders.db'}"))
        store.create_tables()
        engine = AsyncEngine(CONFIG, store=store, threads=2)
        await engine.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 5})

        async def buy(i: int) -> str:
            try:
                await engine.place_order(ordercore.customer(f"c{i}"), order(f"c{i}", quantity=1))
                return "ok"
            except ordercore.InsufficientStock:
                return "insufficient_stock"

        answers = await asyncio.gather(*(buy(i) for i in range(12)))
        assert sorted(answers) == ["insufficient_stock"] * 7 + ["ok"] * 5
        assert store.threads and all(name.startswith("ordercore") for name in store.threads)
        assert len(store.threads) <= 2
        engine.close()

    asyncio.run(main())
