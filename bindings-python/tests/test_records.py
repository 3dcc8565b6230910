"""The engine's records in Python's `logging` (logger `ordercore`), with the request's
correlation id — set by `ordercore.correlated` or the `ordercore.correlation_id` context
variable — in the records and in the events the request's commands emit."""
import asyncio
import logging
from typing import Any, Iterator

import pytest

import ordercore
from ordercore.aio import AsyncEngine

CONFIG = {"clock": "2026-06-01T12:00:00Z", "products": [{"sku": "A", "unit_price": "10.00"}]}
ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"}
ADMIN = ordercore.staff("ops")
C1 = ordercore.customer("c1")


def order() -> Any:
    return {"customer_id": "c1", "lines": [{"sku": "A", "quantity": 1}], "shipping_address": ADDRESS}


def shop() -> ordercore.Engine:
    engine = ordercore.Engine(CONFIG)
    engine.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 5})
    return engine


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO, logger="ordercore")
    ordercore.logging_changed()  # the engine reads the logger's level once; it changed
    yield caplog
    caplog.set_level(logging.WARNING, logger="ordercore")
    ordercore.logging_changed()


def test_each_command_and_query_is_recorded_with_the_requests_correlation_id(records: Any) -> None:
    engine = shop()
    records.clear()
    with ordercore.correlated("req-42"):
        placed = engine.place_order(C1, order())
        with pytest.raises(ordercore.NotFound):
            engine.get_order(ordercore.customer("c2"), placed["id"])
    engine.get_order(ADMIN, placed["id"])
    mine = [r for r in records.records if r.name == "ordercore"]
    assert [r.levelname for r in mine] == ["INFO", "INFO", "INFO"]
    placing, refused, read = (r.getMessage() for r in mine)
    assert placing.startswith("command place_order: ok")
    for field in ('actor=customer:c1', f'aggregate=order/{placed["id"]}', 'outcome="ok"', "retries=0",
                  'correlation_id="req-42"', "duration_us="):
        assert field in placing
    assert refused.startswith("query get_order: not_found") and 'correlation_id="req-42"' in refused
    assert "correlation_id" not in read  # the block ended: no correlation id
    events = [e["event"] for e in engine.pending_events(100) if e["event"].get("order_id") == placed["id"]]
    assert events and all(e["correlation_id"] == "req-42" for e in events)


def test_a_provider_fault_is_a_warning(records: Any) -> None:
    class DownStore:
        def __getattr__(self, name: str) -> Any:
            def down(**_: Any) -> Any:
                raise ordercore.ProviderError({"code": "provider_error", "message": "the store is down"})
            return down

    engine = ordercore.Engine(CONFIG, DownStore())
    records.clear()
    with pytest.raises(ordercore.ProviderError):
        engine.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 5})
    [record] = [r for r in records.records if r.name == "ordercore"]
    assert record.levelname == "WARNING" and 'outcome="provider_error"' in record.getMessage()


def test_below_the_loggers_level_nothing_is_recorded(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="ordercore")
    ordercore.logging_changed()
    engine = shop()
    engine.place_order(C1, order())
    assert not [r for r in caplog.records if r.name == "ordercore"]


def test_the_correlation_id_follows_the_request_into_async_engine_threads(records: Any) -> None:
    async def main() -> None:
        engine = AsyncEngine(CONFIG)
        await engine.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 5})
        records.clear()
        with ordercore.correlated("req-async"):
            await engine.place_order(C1, order())

    asyncio.run(main())
    [record] = [r for r in records.records if r.name == "ordercore"]
    assert 'correlation_id="req-async"' in record.getMessage()
