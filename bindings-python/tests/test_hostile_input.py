"""Hostile input from Python code: every case the safety review found raising a bare Python
exception (RecursionError, OverflowError, TypeError, UnicodeDecodeError) now raises the package's
own error class naming the field, and money-relevant reproductions give the right answer."""
from decimal import Decimal

import pytest

import ordercore

from test_ordercore import ADDRESS, place, shop

ADMIN = ordercore.staff("ops")
C1 = ordercore.customer("c1")


def nested(depth):
    document = {}
    for _ in range(depth):
        document = {"x": document}
    return document


def test_documents_nested_past_the_recursion_limit_or_containing_themselves_are_refused():
    engine = shop()
    with pytest.raises(ordercore.ValidationError) as raised:
        engine.execute(C1, {"command": "place_order", "extra": nested(10_000)})
    assert raised.value.code == "limit_exceeded" and raised.value.field == "command"
    cyclic = {"command": "place_order"}
    cyclic["self"] = cyclic
    with pytest.raises(ordercore.ValidationError) as raised:
        engine.execute(C1, cyclic)
    assert raised.value.field == "command"
    with pytest.raises(ordercore.ValidationError):
        ordercore.price_request(nested(10_000))


@pytest.mark.parametrize("limit", [-1, 2**64, 1.5, True, "10"])
def test_pending_events_takes_a_count(limit):
    with pytest.raises(ordercore.ValidationError) as raised:
        shop().pending_events(limit)
    assert raised.value.field == "limit"


def test_mark_delivered_takes_counts():
    with pytest.raises(ordercore.ValidationError) as raised:
        shop().mark_delivered([1, -1])
    assert raised.value.field == "positions[1]"


@pytest.mark.parametrize("key", [7, b"k", ["k"]])
def test_an_idempotency_key_is_a_string(key):
    with pytest.raises(ordercore.ValidationError) as raised:
        shop().place_order(C1, place(), idempotency_key=key)
    assert raised.value.field == "idempotency_key"


def test_json_bytes_that_are_not_utf8_are_refused_naming_the_argument():
    pricer = ordercore.Pricer()
    with pytest.raises(ordercore.ValidationError) as raised:
        pricer.price_json(b'{"currency": "USD", "lines": [\xff]}')
    assert raised.value.field == "cart_json"
    with pytest.raises(ordercore.ValidationError) as raised:
        shop().verify_webhook("s", b"\xfe\xff", 0, "sig")
    assert raised.value.field == "payload"


def test_stock_commands_take_idempotency_keys():
    engine = shop()
    first = engine.adjust_stock(ADMIN, "A", 5, idempotency_key="restock-1")
    again = engine.adjust_stock(ADMIN, "A", 5, idempotency_key="restock-1")
    assert first == again and engine.stock_levels(ADMIN, "A")[0]["on_hand"] == 15
    engine.set_stock(ADMIN, "A", 3, idempotency_key="count-1")
    assert engine.stock_levels(ADMIN, "A")[0]["on_hand"] == 3


def test_a_line_listed_twice_in_a_shipment_is_refused():
    engine = shop()
    order = engine.place_order(C1, place(quantity=2))
    with pytest.raises(ordercore.ValidationError) as raised:
        engine.ship_order(ADMIN, order["id"], lines=[{"line": 0, "quantity": 2}, {"line": 0, "quantity": 2}])
    assert raised.value.field == "lines[1].line"
    assert engine.stock_levels(ADMIN, "A")[0]["on_hand"] == 10


def test_a_price_past_the_decimal_range_overflows():
    huge = "12345678901234567890123456789"
    with pytest.raises(ordercore.ValidationError) as raised:
        ordercore.Engine({"products": [{"sku": "X", "unit_price": huge}]})
    assert raised.value.code == "amount_overflow" and raised.value.field == "products[0].unit_price"
    cart = {"currency": "USD", "lines": [{"sku": "X", "unit_price": Decimal(huge), "quantity": 1}]}
    with pytest.raises(ordercore.ValidationError) as raised:
        ordercore.Pricer().price(cart)
    assert raised.value.code == "amount_overflow"


def test_strings_past_the_limits_table_are_refused_naming_the_field():
    engine = shop()
    big = "x" * 1_000_000
    cases = [
        (C1, {**place(), "shipping_address": {**ADDRESS, "name": big}}, "shipping_address.name"),
        (ordercore.customer(big), place(customer=big), "actor.id"),
    ]
    for actor, order, field in cases:
        with pytest.raises(ordercore.ValidationError) as raised:
            engine.place_order(actor, order)
        assert (raised.value.code, raised.value.field) == ("limit_exceeded", field)
    order = engine.place_order(C1, place())
    with pytest.raises(ordercore.ValidationError) as raised:
        engine.cancel_order(C1, order["id"], reason=big)
    assert raised.value.field == "reason"
    with pytest.raises(ordercore.ValidationError) as raised:
        engine.set_stock(ADMIN, big, 1)
    assert raised.value.field == "sku"
    webhook = {"command": "payment_webhook", "provider": "stripe", "event_id": big, "reference": "r",
               "outcome": "succeeded"}
    with pytest.raises(ordercore.ValidationError) as raised:
        engine.execute(ordercore.SYSTEM, webhook)
    assert raised.value.field == "event_id"


def test_the_unshipped_rest_of_a_partly_shipped_order_is_cancelled_and_refunded():
    engine = shop()
    order = engine.place_order(C1, place(quantity=3))
    engine.ship_order(ADMIN, order["id"], lines=[{"line": 0, "quantity": 1}])
    assert "cancel_unshipped" in engine.available_actions(ADMIN, order["id"])
    order = engine.cancel_unshipped(ADMIN, order["id"], reason="backordered")
    assert order["state"] == "shipped" and order["lines"][0]["cancelled"] == 2
    # Two of three units at 10.00 + 10% tax come back; shipping stays paid.
    assert order["payments"][0]["refunded"] == Decimal("22.00")
    assert engine.stock_levels(ADMIN, "A")[0]["reserved"] == 0


def outcome(call):
    """What a call answered: the order's state and lines, or the error's class, code, field and message."""
    try:
        order = call()
        return ("ok", order["state"], [(line["sku"], line["quantity"]) for line in order["lines"]])
    except ordercore.OrderCoreError as error:
        return (type(error).__name__, error.code, error.field, str(error))


def cyclic():
    document = {"a": 1}
    document["self"] = document
    return document


@pytest.mark.parametrize("change", [
    {},  # plain: read straight from the dicts
    {"extra": nested(100)},  # deeper than the direct reader goes, within what JSON takes
    {"extra": nested(10_000)},
    {"extra": cyclic()},
    {"shipping_address": {**ADDRESS, 1: "an int key JSON turns into a string"}},
    {"lines": [{"sku": "A", "quantity": 2**70}]},
    {"lines": [{"sku": "A", "quantity": 1.0}]},
    {"lines": "A"},
    {"coupon_codes": {"SET"}},
    {"customer_id": "c" * 100_000},
])
def test_the_typed_commands_answer_what_the_json_path_answers(change):
    # `place_order` and friends read their documents straight from Python objects, and fall
    # back to the JSON path for anything else: the same answer and the same error either way.
    document = {**place(1), **change}
    typed = outcome(lambda: shop().place_order(C1, document))
    generic = outcome(lambda: shop().execute(C1, {"command": "place_order", **document})["value"])
    assert typed == generic
