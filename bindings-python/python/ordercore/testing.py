"""The store contract: what every :class:`ordercore.Store` must do, checked against an empty
store by calling its methods directly with the host-store protocol's documents — so a host's own
store (over its database, its ORM, its driver) is proven before the engine runs on it.

    from ordercore.testing import check_store, check_async_store

    def test_my_store_keeps_the_contract():
        check_store(MyStore(empty_database()))

    async def test_my_async_store_keeps_the_contract():
        await check_async_store(MyAsyncStore(pool))

Each check raises ``AssertionError`` naming the rule broken: a change set is all or nothing (a
version conflict or an idempotency conflict leaves no document, event or record behind);
versions start at 1 and grow by one; a record's key is taken once; the outbox hands out
undelivered events oldest first, at most ``limit``, with positions that grow and are never
reused; orders are listed by ``(created_at, id)``, filtered by customer, state and due time, and
paged by the cursor. Documents are made-up JSON text: the contract never parses them.
"""
from __future__ import annotations

import inspect
import json
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

__all__ = ["check_store", "check_async_store"]

Call = Callable[..., Awaitable[Any]]


def _order(number: int, customer: str, state: str = "pending", due: Optional[str] = None,
           expected: int = 0, created: Optional[str] = None) -> Dict[str, Any]:
    created = created or f"2026-06-01T12:00:{number:02}Z"
    document = json.dumps({"kind": "order", "body": {"id": f"ord_{number:03}", "n": number}})
    return {"kind": "order", "id": f"ord_{number:03}", "expected_version": expected, "document": document,
            "customer_id": customer, "state": state, "created_at": created, "due_at": due}


def _stock(sku: str, on_hand: int, expected: int) -> Dict[str, Any]:
    document = json.dumps({"kind": "stock", "body": {"sku": sku, "on_hand": on_hand}})
    return {"kind": "stock", "id": f"{sku}@main", "expected_version": expected, "document": document,
            "customer_id": None, "state": None, "created_at": None, "due_at": None}


def _commit(writes: List[Dict[str, Any]], events: Sequence[str] = (), record: Optional[str] = None) -> Dict[str, Any]:
    idempotency = None if record is None else {"key": record, "record": json.dumps({"key": record})}
    return {"writes": writes, "events": list(events), "idempotency": idempotency}


def _ok(status: Any) -> bool:
    return status in (None, "ok")


async def _run(store: Any, call: Call) -> None:
    async def ask(method: str, **request: Any) -> Any:
        return await call(getattr(store, method), **request)

    await _versions_and_atomicity(ask)
    await _idempotency_records(ask)
    await _outbox(ask)
    await _listing(ask)


async def _versions_and_atomicity(ask: Callable[..., Awaitable[Any]]) -> None:
    assert await ask("load", kind="stock", id="A@main") is None, "an empty store has no documents"
    assert _ok(await ask("commit", **_commit([_stock("A", 5, 0)], ["e1"]))), "a new document commits"
    stored = await ask("load", kind="stock", id="A@main")
    assert stored is not None and stored["version"] == 1, f"a new document is version 1, got {stored}"
    assert json.loads(stored["document"])["body"]["on_hand"] == 5, "the document comes back as written"
    assert _ok(await ask("commit", **_commit([_stock("A", 4, 1)]))), "version 1 → 2 commits"
    assert (await ask("load", kind="stock", id="A@main"))["version"] == 2, "each write adds one to the version"
    # A stale write anywhere refuses everything: the new order, the event, the record.
    stale = _commit([_stock("A", 3, 1), _order(1, "c1")], ["e-stale"], record="stale-key")
    assert await ask("commit", **stale) == "version_conflict", "a stale expected version is a conflict"
    assert await ask("load", kind="order", id="ord_001") is None, "a refused commit writes no document"
    assert await ask("idempotency", key="stale-key") is None, "a refused commit stores no record"
    events = [e["event"] for e in await ask("pending_events", limit=10)]
    assert events == ["e1"], f"a refused commit appends no event (outbox: {events})"
    assert await ask("commit", **_commit([_stock("B", 1, 0)])) in (None, "ok")
    assert await ask("commit", **_commit([_stock("B", 1, 0)])) == "version_conflict", \
        "expected version 0 means the document must not exist yet"


async def _idempotency_records(ask: Callable[..., Awaitable[Any]]) -> None:
    assert _ok(await ask("commit", **_commit([], record="k1"))), "a record alone commits"
    assert json.loads(await ask("idempotency", key="k1")) == {"key": "k1"}, "a record comes back as written"
    taken = _commit([_stock("C", 1, 0)], ["e-dup"], record="k1")
    assert await ask("commit", **taken) == "idempotency_conflict", "a record's key is taken once"
    assert await ask("load", kind="stock", id="C@main") is None, "an idempotency conflict writes nothing"
    assert await ask("idempotency", key="never-used") is None


async def _outbox(ask: Callable[..., Awaitable[Any]]) -> None:
    assert _ok(await ask("commit", **_commit([], ["e2", "e3", "e4"])))
    pending = await ask("pending_events", limit=10)
    assert [e["event"] for e in pending] == ["e1", "e2", "e3", "e4"], "oldest first, in commit order"
    positions = [e["position"] for e in pending]
    assert positions == sorted(positions) and len(set(positions)) == 4, "positions grow"
    assert len(await ask("pending_events", limit=2)) == 2, "at most `limit`"
    await ask("mark_delivered", positions=[positions[0], positions[2]])
    assert [e["event"] for e in await ask("pending_events", limit=10)] == ["e2", "e4"], \
        "delivered events are not handed out again, whatever order they were delivered in"
    await ask("mark_delivered", positions=[positions[1], positions[3]])
    assert await ask("pending_events", limit=10) == []
    assert _ok(await ask("commit", **_commit([], ["e5"])))
    [fifth] = await ask("pending_events", limit=10)
    assert fifth["position"] > positions[-1], "positions are never reused"
    await ask("mark_delivered", positions=[fifth["position"]])


async def _listing(ask: Callable[..., Awaitable[Any]]) -> None:
    orders = [_order(2, "c1", "pending", due="2026-06-01T12:30:00Z"), _order(3, "c2"), _order(4, "c1", "shipped"),
              _order(5, "c1", created="2026-06-01T12:00:04Z")]  # created with order 4: ordered by id then
    assert _ok(await ask("commit", **_commit(orders)))
    everything = dict(customer_id=None, state=None, due_before=None, after_created_at=None, after_id=None)

    async def ids(**query: Any) -> List[str]:
        page = await ask("find_orders", **{**everything, "limit": 10, **query})
        return [json.loads(d)["body"]["id"] for d in page["documents"]]

    assert await ids() == ["ord_002", "ord_003", "ord_004", "ord_005"], "by (created_at, id)"
    assert await ids(customer_id="c1") == ["ord_002", "ord_004", "ord_005"], "filtered by customer"
    assert await ids(state="shipped") == ["ord_004"], "filtered by state"
    assert await ids(due_before="2026-06-01T13:00:00Z") == ["ord_002"], "only orders due by then"
    assert await ids(due_before="2026-06-01T12:00:00Z") == [], "due_at <= due_before"
    first = await ask("find_orders", **{**everything, "limit": 2})
    assert first["more"] is True and len(first["documents"]) == 2, "a full page says more follow"
    after = await ids(after_created_at="2026-06-01T12:00:03Z", after_id="ord_003")
    assert after == ["ord_004", "ord_005"], "the cursor pages after (created_at, id)"
    last = await ask("find_orders", **{**everything, "limit": 10, "after_created_at": "2026-06-01T12:00:04Z",
                                      "after_id": "ord_005"})
    assert last["documents"] == [] and not last["more"], "nothing after the last order"


def check_store(store: Any) -> None:
    """Checks a synchronous :class:`ordercore.Store` (empty when called) against the contract."""
    async def call(method: Callable[..., Any], **request: Any) -> Any:
        answer = method(**request)
        if inspect.isawaitable(answer):
            if inspect.iscoroutine(answer):
                answer.close()
            raise RuntimeError("a synchronous store answered an awaitable: use check_async_store")
        return answer

    _drive(_run(store, call))


async def check_async_store(store: Any) -> None:
    """Checks an :class:`ordercore.aio.AsyncStore` (empty when called) against the contract."""
    async def call(method: Callable[..., Any], **request: Any) -> Any:
        answer = method(**request)
        return await answer if inspect.isawaitable(answer) else answer

    await _run(store, call)


def _drive(coroutine: Awaitable[None]) -> None:
    """Runs a coroutine that never suspends (the synchronous store's calls) without a loop."""
    try:
        coroutine.send(None)  # type: ignore[attr-defined]
    except StopIteration:
        return
    raise RuntimeError("a synchronous store answered an awaitable: use check_async_store")
