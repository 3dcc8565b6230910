"""The engine on a store written in Python (SQLite): lifecycle, races, idempotency, and host
exceptions coming back out unchanged."""
import threading

import pytest

import ordercore
from sqlite_store import SqliteStore

CONFIG = {
    "clock": "2026-06-01T12:00:00Z",
    "products": [{"sku": "A", "name": "Alpha", "unit_price": "10.00"}],
    "tax_rules": [{"id": "us", "name": "US", "country": "US", "percentage": "10"}],
}
ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"}


def place(customer):
    return {"customer_id": customer, "lines": [{"sku": "A", "quantity": 1}], "shipping_address": ADDRESS,
            "payment": {"method": "card"}}


def test_lifecycle_and_idempotency_on_sqlite():
    store = SqliteStore()
    engine = ordercore.Engine(CONFIG, store=store)
    admin, c1 = ordercore.staff("ops"), ordercore.customer("c1")
    engine.execute(admin, {"command": "set_stock", "sku": "A", "on_hand": 3})
    order = engine.place_order(c1, place("c1"), idempotency_key="k1")
    assert engine.place_order(c1, place("c1"), idempotency_key="k1") == order
    engine.execute(admin, {"command": "ship_order", "order_id": order["id"]})
    assert engine.get_order(c1, order["id"])["state"] == "shipped"
    # The settings document was written once (set_stock); the counts are counters.
    assert store.load(kind="stock", id="A@main")["version"] == 1
    assert store.counters(names=["available/A@main", "reserved/A@main"]) == [2, 0]
    page = engine.query(c1, {"query": "list_orders", "limit": 10})["value"]
    assert [o["id"] for o in page["orders"]] == [order["id"]]
    assert engine.tick() == {"expired": [], "advanced": [], "failed": [], "billing": []}
    assert any(e["event"]["type"] == "order_shipped" for e in engine.pending_events(100))


def test_racing_threads_on_sqlite_sell_exactly_the_stock():
    engine = ordercore.Engine(CONFIG, store=SqliteStore())
    engine.execute(ordercore.staff("ops"), {"command": "set_stock", "sku": "A", "on_hand": 20})
    wins, errors = [], []

    def buyer(t):
        for i in range(15):
            customer = f"t{t}-{i}"
            try:
                engine.place_order(ordercore.customer(customer), place(customer))
                wins.append(customer)
            except ordercore.OrderCoreError as e:
                errors.append(e.code)

    threads = [threading.Thread(target=buyer, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 20
    assert set(errors) == {"insufficient_stock"}


class Boom(Exception):
    pass


class FailingStore(SqliteStore):
    def load(self, *, kind, id):
        raise Boom(f"database down while loading {kind}/{id}")


def test_host_exceptions_come_back_out_unchanged():
    engine = ordercore.Engine(CONFIG, store=FailingStore())
    with pytest.raises(Boom, match="database down"):
        engine.get_order(ordercore.customer("c1"), "ord_1")
