"""How the engine answers in Python: an order is an `OrderView`, read-only and converted one
field at a time — the same data as the whole document (`execute`'s dict), compared equal to it,
with `Decimal` amounts; `json()`/`execute_json` give the core's text without building objects."""
import json
from decimal import Decimal

import pytest

import ordercore

CONFIG = {
    "clock": "2026-06-01T12:00:00Z",
    "products": [{"sku": "A", "name": "Alpha", "unit_price": "10.00"}],
    "tax_rules": [{"id": "us", "name": "US", "country": "US", "percentage": "10"}],
}
ADDRESS = {"name": "Zoë 😀 Müller", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"}
ADMIN, C1 = ordercore.staff("ops"), ordercore.customer("c1")
PLACE = {"customer_id": "c1", "lines": [{"sku": "A", "quantity": 2}], "shipping_address": ADDRESS,
         "payment": {"method": "card"}}


@pytest.fixture
def engine() -> ordercore.Engine:
    shop = ordercore.Engine(CONFIG)
    shop.set_stock(ADMIN, "A", 10)
    return shop


def test_an_order_view_reads_as_the_whole_document(engine: ordercore.Engine) -> None:
    order = engine.place_order(C1, PLACE)
    whole = engine.query(C1, {"query": "get_order", "order_id": order["id"]})["value"]
    assert isinstance(order, ordercore.OrderView)
    assert list(order) == list(whole) and len(order) == len(whole)
    assert order == whole and dict(order) == whole and order.to_dict() == whole
    assert order["shipping_address"]["name"] == "Zoë 😀 Müller"
    assert isinstance(order["pricing"]["grand_total"], Decimal)
    assert order["pricing"] is order["pricing"], "a field is converted once and kept"
    assert json.loads(order.json()) == json.loads(engine.query_json(C1, {"query": "get_order", "order_id": order["id"]}))
    assert repr(order) == f"OrderView(id={order['id']!r}, state='confirmed')"
    with pytest.raises(KeyError):
        order["no_such_field"]
    assert order.get("no_such_field") is None


def test_execute_json_answers_the_value_as_the_core_writes_it(engine: ordercore.Engine) -> None:
    text = engine.execute_json(C1, {"command": "place_order", **PLACE}, "k1")
    order = json.loads(text)
    assert order["pricing"]["grand_total"] == "22.00", "amounts stay decimal strings"
    # The same key replays the same answer, whichever method asks.
    assert engine.place_order(C1, PLACE, "k1").json() == text
    stock = json.loads(engine.execute_json(ADMIN, {"command": "adjust_stock", "sku": "A", "delta": 1}))
    assert (stock["on_hand"], stock["reserved"]) == (11, 2)
    with pytest.raises(ordercore.NotFound):
        engine.query_json(C1, {"query": "get_order", "order_id": "nope"})
