"""The SQLite store written in Rust (`ordercore.stores.sqlite`): its tables are the SQLAlchemy
store's at the same Alembic revision, so either store opens a file the other made; the engine
runs a lifecycle on it; two processes with four threads each racing for one sku sell exactly the
stock with no conflict answered; a file it cannot open is the package's `ProviderError`."""
import concurrent.futures
import multiprocessing
import re
import sqlite3
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

import ordercore
from ordercore.stores.sqlalchemy import SqlStore, connect, migrate
from ordercore.stores.sqlite import SqliteStore

ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"}
SHOP = {"products": [{"sku": "A", "unit_price": "10.00"}]}


def checkout(customer: str, quantity: int = 1) -> Dict[str, object]:
    return {"customer_id": customer, "lines": [{"sku": "A", "quantity": quantity}],
            "shipping_address": ADDRESS, "payment": {"method": "card"}}


def schema(path: Path) -> List[Tuple[str, str, str]]:
    """The file's tables and indexes as (type, name, SQL with whitespace collapsed)."""
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name").fetchall()
    return [(kind, name, re.sub(r"\s+", " ", re.sub(r"\s*([(),])\s*", r"\1", sql)).strip())
            for kind, name, sql in rows]


def test_its_tables_are_the_sqlalchemy_stores_at_the_same_revision(tmp_path: Path) -> None:
    native = SqliteStore(tmp_path / "native.db")
    native.migrate()
    migrate(connect(f"sqlite:///{tmp_path / 'alembic.db'}"))
    assert schema(tmp_path / "native.db") == schema(tmp_path / "alembic.db")
    with sqlite3.connect(tmp_path / "native.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [("0004",)]


def test_either_store_opens_a_file_the_other_made(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    native = SqliteStore(path)
    native.migrate()
    admin, customer = ordercore.staff("ops"), ordercore.customer("c1")
    first = ordercore.Engine({**SHOP, "id_seed": 1}, native)
    first.execute(admin, {"command": "set_stock", "sku": "A", "on_hand": 5})
    placed = first.place_order(customer, checkout("c1", 2), "k1")
    sql = connect(f"sqlite:///{path}")
    migrate(sql)  # at the native store's revision already: nothing to do
    second = ordercore.Engine({**SHOP, "id_seed": 2}, SqlStore(sql))
    assert second.list_orders(customer)["orders"] == [placed]
    again = second.place_order(customer, checkout("c1", 2), "k1")
    assert again == placed, "the idempotency record the native store kept"
    second.place_order(customer, checkout("c1", 1), "k2")
    levels = first.query(admin, {"query": "stock_levels", "sku": "A"})["value"]
    assert [(s["on_hand"], s["reserved"]) for s in levels] == [(5, 3)]
    assert len(first.list_orders(customer)["orders"]) == 2
    SqliteStore(path).migrate()  # and back: nothing to do either


def test_the_engine_runs_a_lifecycle_on_it_and_relays_its_outbox(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "shop.db")
    store.migrate()
    engine = ordercore.Engine(SHOP, store)
    admin, customer = ordercore.staff("ops"), ordercore.customer("c1")
    engine.execute(admin, {"command": "set_stock", "sku": "A", "on_hand": 2})
    order = engine.place_order(customer, checkout("c1", 2), "k1")
    shipped = engine.execute(admin, {"command": "ship_order", "order_id": order["id"]})["value"]
    assert shipped["state"] == "shipped"
    events = engine.pending_events(100)
    assert [e["event"]["type"] for e in events][-1] == "order_shipped"
    engine.mark_delivered([e["position"] for e in events])
    assert engine.pending_events(100) == []


def test_a_file_it_cannot_open_is_a_provider_error(tmp_path: Path) -> None:
    with pytest.raises(ordercore.ProviderError) as raised:
        SqliteStore(tmp_path / "no such directory" / "shop.db")
    assert raised.value.code == "provider_error"


def sell(path: str, seed: int, customers: List[str]) -> Tuple[int, List[str]]:
    """One process: its own store and engine on the file, four threads checking out one unit
    for each of `customers`; answers how many sold and the codes of the refusals."""
    engine = ordercore.Engine({**SHOP, "id_seed": seed}, SqliteStore(path))

    def one(customer: str) -> str:
        try:
            engine.place_order(ordercore.customer(customer), checkout(customer), f"checkout-{customer}")
            return "sold"
        except ordercore.OrderCoreError as refused:
            return refused.code

    with concurrent.futures.ThreadPoolExecutor(4) as threads:
        answers = list(threads.map(one, customers))
    return answers.count("sold"), [a for a in answers if a != "sold"]


def test_two_processes_of_four_threads_racing_for_one_sku_sell_exactly_the_stock(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    store = SqliteStore(path)
    store.migrate()
    admin = ordercore.staff("ops")
    engine = ordercore.Engine(SHOP, store)
    engine.execute(admin, {"command": "set_stock", "sku": "A", "on_hand": 60})
    shoppers = [[f"p{p}-c{i}" for i in range(50)] for p in range(2)]
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as processes:
        answers = list(processes.map(sell, [str(path)] * 2, [11, 12], shoppers))
    sold = sum(count for count, _ in answers)
    refusals = [code for _, codes in answers for code in codes]
    assert (sold, set(refusals), len(refusals)) == (60, {"insufficient_stock"}, 40)
    levels = engine.query(admin, {"query": "stock_levels", "sku": "A"})["value"]
    assert [(s["on_hand"], s["reserved"]) for s in levels] == [(60, 60)], "none oversold"
