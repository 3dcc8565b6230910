"""Python suite: the shared vectors, a full lifecycle, every error family, floats refused,
idempotent retries — through the installed package."""
import glob
import json
import os
from decimal import Decimal

import pytest

import ordercore
from ordercore import _native

VECTORS = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "vectors", "pricing")


def subset(expected, actual, path="$"):
    if isinstance(expected, dict):
        assert isinstance(actual, dict), path
        for key, value in expected.items():
            assert key in actual, f"{path}.{key} missing"
            subset(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            subset(e, a, f"{path}[{i}]")
    elif isinstance(actual, Decimal):
        assert str(actual) == expected, f"{path}: expected {expected}, got {actual}"
    else:
        assert actual == expected, f"{path}: expected {expected!r}, got {actual!r}"


def vector_cases():
    for path in sorted(glob.glob(os.path.join(VECTORS, "*.json"))):
        with open(path) as f:
            vector = json.load(f)
        for i, case in enumerate(vector["cases"]):
            yield pytest.param(vector, case, id=f"{os.path.basename(path)}#{i}")


@pytest.mark.parametrize("vector,case", list(vector_cases()))
def test_shared_vectors_match_rust(vector, case):
    request = {k: case.get(k, vector.get(k)) for k in ("tax_rules", "promotions", "context", "cart")}
    request["config"] = case.get("config", {})
    if "expect_error" in case:
        with pytest.raises(ordercore.OrderCoreError) as raised:
            ordercore.price_request(request)
        subset(case["expect_error"], {"code": raised.value.code, "field": raised.value.field})
    else:
        subset(case["expect"], ordercore.price_request(request))


SHOP = {
    "clock": "2026-06-01T12:00:00Z",
    "products": [{"sku": "A", "name": "Alpha", "unit_price": Decimal("10.00")}],
    "tax_rules": [{"id": "us", "name": "US", "country": "US", "percentage": 10}],
}


def shop():
    engine = ordercore.Engine(SHOP)
    engine.execute(ordercore.staff("ops"), {"command": "set_stock", "sku": "A", "on_hand": 10})
    return engine


ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"}


def place(quantity=2, customer="c1"):
    return {"customer_id": customer, "lines": [{"sku": "A", "quantity": quantity}], "shipping_address": ADDRESS,
            "shipping_option": "standard", "payment": {"method": "card", "capture": True}}


def test_full_lifecycle_with_decimal_money():
    engine = shop()
    admin, c1 = ordercore.staff("ops"), ordercore.customer("c1")
    order = engine.place_order(c1, place(), idempotency_key="checkout-1")
    assert order["pricing"]["grand_total"] == Decimal("27.50")
    assert isinstance(order["pricing"]["lines"][0]["unit_price"], Decimal)
    assert order["state_label"] == "paid"
    for command in ("ship_order", "deliver_order"):
        order = engine.execute(admin, {"command": command, "order_id": order["id"]})["value"]
    assert order["state"] == "delivered"
    order = engine.execute(c1, {"command": "request_return", "order_id": order["id"],
                                "lines": [{"line": 0, "quantity": 1, "reason": "defective"}]})["value"]
    rma = order["returns"][0]
    assert rma["refund_amount"] == Decimal("11.00")
    for action in ("approve", "receive", "process", "refund"):
        engine.execute(admin, {"command": "update_return", "order_id": order["id"], "return_id": rma["id"], "action": action})
    order = engine.get_order(c1, order["id"])
    assert order["state"] == "partially_returned"
    assert sum(p["refunded"] for p in order["payments"]) == Decimal("11.00")
    names = [entry["event"]["type"] for entry in engine.pending_events(1000)]
    assert names[:1] == ["stock_adjusted"] and "refund_issued" in names
    engine.set_clock("2026-08-01T00:00:00Z")
    assert engine.tick() == {"expired": [], "advanced": [], "failed": [], "billing": []}


def test_error_families_are_exception_classes_with_code_and_details():
    engine = shop()
    c1 = ordercore.customer("c1")
    with pytest.raises(ordercore.InsufficientStock) as raised:
        engine.place_order(c1, place(quantity=11))
    assert raised.value.code == "insufficient_stock"
    assert raised.value.details["available"] == 10
    with pytest.raises(ordercore.ValidationError) as raised:
        engine.place_order(c1, place(quantity=0))
    assert raised.value.field == "lines[0].quantity"
    with pytest.raises(ordercore.NotFound):
        engine.get_order(ordercore.customer("c2"), "ord_nope")
    with pytest.raises(ordercore.Forbidden):
        engine.place_order(ordercore.customer("c2"), place())
    order = engine.place_order(c1, place())
    with pytest.raises(ordercore.InvalidTransition) as raised:
        engine.execute(ordercore.staff("ops"), {"command": "deliver_order", "order_id": order["id"]})
    assert raised.value.details["state"] == "confirmed"
    with pytest.raises(ordercore.RefundExceedsCaptured):
        engine.execute(ordercore.staff("ops"), {"command": "refund_payment", "order_id": order["id"], "amount": Decimal("999")})
    with pytest.raises(ordercore.CouponRejected) as raised:
        engine.place_order(c1, {**place(), "coupon_codes": ["NOPE"]})
    assert raised.value.details["reason"] == "unknown_code"
    assert all(issubclass(cls, ordercore.OrderCoreError) for cls in ordercore.ERROR_CLASSES.values())


def test_every_core_error_code_has_a_python_class():
    assert sorted(ordercore.ERROR_CLASSES) == sorted(_native.error_codes())
    # A host raises them as the engine does: the document is the argument, read the same way.
    for code, cls in ordercore.ERROR_CLASSES.items():
        error = cls({"code": code, "field": "f", "message": "f: why"})
        assert (error.code, error.field, error.message, str(error)) == (code, "f", "f: why", "f: why")
        assert isinstance(error, ordercore.OrderCoreError) and cls.__module__ == "ordercore"
    bare = ordercore.ProviderError({})
    assert (bare.code, bare.field, bare.message) == ("provider_error", None, "provider_error")


def test_floats_are_refused_with_the_field_named():
    with pytest.raises(ordercore.ValidationError) as raised:
        ordercore.price_request({"cart": {"currency": "USD", "lines": [{"sku": "A", "unit_price": 19.99, "quantity": 1}]}})
    assert raised.value.field == "cart.lines[0].unit_price"
    assert "floating-point" in str(raised.value)
    total = ordercore.price_request({"cart": {"currency": "USD", "lines": [{"sku": "A", "unit_price": "19.99", "quantity": 1}]}})
    assert total["grand_total"] == Decimal("19.99")
    total = ordercore.price_request({"cart": {"currency": "JPY", "lines": [{"sku": "A", "unit_price": 1999, "quantity": 3}]}})
    assert total["grand_total"] == Decimal("5997")


def test_hostile_input_raises_ordercore_errors_never_panics():
    engine = shop()
    hostile = ["", "{", "null", "[]", "\u0000", "x" * 10000, '{"command": "place_order"}', '{"type": 5}',
               '{"currency": "USD", "lines": [{"sku": "A", "unit_price": 1e400, "quantity": 1}]}', "[" * 5000, "1" * 400]
    pricer = _native.Pricer("{}")
    calls = (lambda t: engine._native.execute(t, t, None), lambda t: engine._native.query(t, t),
             lambda t: engine._native.tick(t), lambda t: engine._native.price(t, t),
             lambda t: engine._native.mark_delivered(t), lambda t: _native.price_request(t),
             lambda t: engine._native.set_clock(t), lambda t: _native.Engine(t),
             lambda t: engine._native.verify_webhook(t, t, 0, t), lambda t: _native.sign_webhook(t, t, -1),
             lambda t: _native.Pricer(t), lambda t: pricer.price(t, t), lambda t: _native.decode(t),
             lambda t: pricer.quote(t, t, ordercore._json_default).json(),
             lambda t: pricer.quote({"currency": "USD", "lines": [{"sku": t, "unit_price": t, "quantity": 1}]}, None, str))
    for text in hostile:
        for call in calls:
            try:
                call(text)
            except ordercore.OrderCoreError as error:
                assert type(error) is ordercore.ERROR_CLASSES[error.code]


@pytest.mark.parametrize("vector,case", list(vector_cases()))
def test_a_pricer_built_once_matches_the_vectors(vector, case):
    spec = {"config": case.get("config", {}), "tax_rules": case.get("tax_rules", vector.get("tax_rules", [])),
            "promotions": case.get("promotions", vector.get("promotions", []))}
    cart, context = case.get("cart", vector.get("cart")), case.get("context", vector.get("context"))
    if "expect_error" in case:
        with pytest.raises(ordercore.OrderCoreError) as raised:
            ordercore.Pricer(spec).price(cart, context)
        subset(case["expect_error"], {"code": raised.value.code, "field": raised.value.field})
    else:
        subset(case["expect"], ordercore.Pricer(spec).price(cart, context))


def test_price_json_is_price_for_json_text():
    pricer = ordercore.Pricer({"tax_rules": [{"id": "t", "name": "T", "country": "US", "percentage": "10"}]})
    cart = {"currency": "USD", "address": {"country": "US"}, "lines": [{"sku": "A", "unit_price": "19.99", "quantity": 3}]}
    context = {"now": "2026-06-01T12:00:00Z"}
    text = pricer.price_json(json.dumps(cart).encode(), json.dumps(context))
    assert json.loads(text)["grand_total"] == "65.97"
    assert ordercore._loads(text) == pricer.price(cart, context)
    with pytest.raises(ordercore.ValidationError) as raised:
        pricer.price_json('{"currency": "USD", "lines": [{"sku": "A", "unit_price": 19.99, "quantity": 1}]}')
    assert raised.value.field == "lines[0].unit_price" and "floating-point" in str(raised.value)


@pytest.mark.parametrize("vector,case", list(vector_cases()))
def test_a_quote_is_the_same_breakdown_as_price(vector, case):
    spec = {"config": case.get("config", {}), "tax_rules": case.get("tax_rules", vector.get("tax_rules", [])),
            "promotions": case.get("promotions", vector.get("promotions", []))}
    cart, context = case.get("cart", vector.get("cart")), case.get("context", vector.get("context"))
    if "expect_error" in case:
        with pytest.raises(ordercore.OrderCoreError) as raised:
            ordercore.Pricer(spec).quote(cart, context)
        subset(case["expect_error"], {"code": raised.value.code, "field": raised.value.field})
        return
    pricer = ordercore.Pricer(spec)
    quote, breakdown = pricer.quote(cart, context), pricer.price(cart, context)
    subset(case["expect"], dict(quote))
    assert quote == breakdown and quote.to_dict() == breakdown and dict(quote) == breakdown
    assert set(quote) == set(breakdown) and len(quote) == len(breakdown)
    assert quote.grand_total == breakdown["grand_total"] and isinstance(quote.tax_total, Decimal)
    assert (quote.subtotal, quote.discount_total, quote.shipping_total) == (
        breakdown["subtotal"], breakdown["discount_total"], breakdown["shipping_total"])
    # `price` builds its objects natively; the JSON text path decodes the same breakdown.
    text = pricer.price_json(json.dumps(cart), json.dumps(context or {}))
    assert json.loads(quote.json()) == json.loads(text) and ordercore._loads(text) == breakdown


def test_a_quote_reads_native_values_and_refuses_what_price_refuses():
    import datetime

    pricer = ordercore.Pricer({"tax_rules": [{"id": "t", "name": "T", "country": "US", "percentage": "10"}]})
    lines = [{"sku": "A", "unit_price": Decimal("19.99"), "quantity": 3, "tags": ("x", "y")}]
    context = {"now": datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.timezone.utc)}
    quote = pricer.quote({"currency": "USD", "address": {"country": "US"}, "lines": lines}, context)
    assert quote.grand_total == Decimal("65.97") and quote["lines"][0]["tax"] == Decimal("6.00")
    assert quote["lines"] is quote["lines"], "a field read once is kept"
    whole = quote.to_dict()
    assert whole["lines"] is quote["lines"] and whole["taxes"] is quote["taxes"], "one object per field"
    assert whole == pricer.price({"currency": "USD", "address": {"country": "US"}, "lines": lines}, context)
    with pytest.raises(KeyError):
        quote["nope"]
    assert "65.97" in repr(quote)

    # Subclasses and other shapes read as their base values: str and int subclasses, tuples for
    # lists, any Mapping (through the JSON hook), a Decimal subclass.
    import enum
    import types

    class Sku(str):
        pass

    class Units(enum.IntEnum):
        THREE = 3

    class Money(Decimal):
        pass

    odd = (types.MappingProxyType({"sku": Sku("A"), "unit_price": Money("19.99"), "quantity": Units.THREE,
                                   "tags": ["x", "y"]}),)
    again = pricer.quote(types.MappingProxyType({"currency": "USD", "address": {"country": "US"}, "lines": odd}),
                         context)
    assert again == quote

    # Python code run while reading (a Mapping through the JSON hook) may change the dict being
    # read: the items were taken first, so this prices the cart as it was, with no crash.
    from collections.abc import Mapping as MappingABC

    changing: dict = {"currency": "USD", "lines": lines}

    class Meddling(MappingABC):
        def __getitem__(self, key):
            return {"country": "US"}[key]

        def __len__(self):
            return 1

        def __iter__(self):
            changing["added"] = True
            changing.pop("currency", None)
            return iter(["country"])

    changing["address"] = Meddling()
    assert pricer.quote(changing, context).grand_total == quote.grand_total
    assert "added" in changing

    def refused(cart, field, words):
        with pytest.raises(ordercore.ValidationError) as raised:
            pricer.quote(cart)
        assert raised.value.field == field and words in str(raised.value), str(raised.value)

    line = {"sku": "A", "unit_price": "1.00", "quantity": 1}
    refused({"currency": "USD", "lines": [dict(line, unit_price=19.99)]}, "lines[0].unit_price", "floating-point")
    refused({"currency": "USD", "lines": [line, dict(line, quantity=2 ** 70)]}, "lines[1].quantity", "out of range")
    refused({"currency": "USD", "lines": [dict(line, tags=[object()])]}, "lines[0].tags[0]", "unsupported type object")
    refused({"currency": "USD", "lines": [dict(line, quantity=0)]}, "lines[0].quantity", "at least 1")
    refused({"currency": "USD", 5: 1, "lines": []}, "cart", "not a string")
    refused({"currency": "USD", "lines": [dict(line, unit_price=Decimal("NaN"))]}, "lines[0].unit_price", "NaN")
    looped: list = []
    looped.append(looped)
    # Read lazily into the cart's shape: a list that contains itself is refused where it stops
    # fitting (no endless descent), and unknown keys are not read at all, as in JSON.
    refused({"currency": "USD", "lines": looped}, "lines[0][0]", "invalid type: sequence")
    assert pricer.quote({"currency": "USD", "lines": [line], "extra": looped}).grand_total == Decimal("1.00")
    refused("not a cart", "cart", "invalid type")
    refused({"currency": "USD", "lines": [dict(line, sku="\udc80")]}, "lines[0].sku", "lone surrogate")
    refused({"currency": "USD", "lines": [dict(line, **{"\udc80": 1})]}, "lines[0]", "lone surrogate")


def test_every_command_and_query_has_a_method():
    """The snake_case methods cover the whole surface; they build the same documents as execute/query."""
    engine = ordercore.Engine(SHOP)
    admin, c1 = ordercore.staff("ops"), ordercore.customer("c1")
    assert engine.set_stock(admin, "A", 5)["on_hand"] == 5
    assert engine.adjust_stock(admin, "A", 5)["on_hand"] == 10
    order = engine.place_order(c1, {**place(), "payment": None})
    order = engine.pay_order(c1, order["id"], method="paypal", capture=False)
    order = engine.capture_payment(admin, order["id"], Decimal("10"))
    order = engine.capture_payment(admin, order["id"])
    assert order["payments"][0]["captured"] == order["pricing"]["grand_total"]
    assert "ship" in engine.available_actions(admin, order["id"])
    order = engine.ship_order(admin, order["id"], [{"line": 0, "quantity": 1}])
    assert order["state"] == "partially_shipped"
    order = engine.ship_order(admin, order["id"])
    tracking = order["shipments"][0]["tracking_number"]
    engine.tracking_update("trk-1", tracking, "in_transit", order_id=order["id"])
    order = engine.deliver_order(admin, order["id"])
    order = engine.request_return(c1, order["id"], [{"line": 0, "quantity": 1, "reason": "defective"}])
    rma = engine.list_returns(c1, order["id"])[0]
    for action in ("approve", "receive", "process", "refund"):
        order = engine.update_return(admin, order["id"], rma["id"], action)
    assert order["state"] == "partially_returned"
    order = engine.refund_payment(admin, order["id"], "1.00", reason="goodwill")
    assert engine.list_orders(admin, customer_id="c1")["orders"][0]["id"] == order["id"]
    assert engine.stock_levels(admin, "A")[0]["on_hand"] == 9  # one returned unit restocked
    assert engine.shipping_rates(c1, ADDRESS, [{"sku": "A", "quantity": 1}])[0]["option_id"] == "standard"
    other = engine.place_order(c1, place(quantity=1))
    assert engine.cancel_order(c1, other["id"], reason="changed my mind")["state"] == "cancelled"
    pending = ordercore.Engine({**SHOP, "payment_script": [{"type": "pending"}]})
    pending.set_stock(admin, "A", 5)
    waiting = pending.place_order(c1, place(quantity=1))
    reference = waiting["payments"][0]["provider_reference"]
    paid = pending.payment_webhook("fake", "evt-1", reference, "succeeded", order_id=waiting["id"])
    assert paid["payments"][0]["state"] == "captured"


def test_decoding_an_answer_makes_amounts_decimal_and_keeps_everything_else():
    import decimal

    text = ('{"amount": "1.10", "refunds": [{"amount": "1.10", "note": "caf\\u00e9 \\"x\\""}], "quantity": 3,'
            ' "big": 18446744073709551615, "neg": -2, "ratio": 0.5, "ok": true, "gone": null,'
            ' "tags": ["1.10"], "discount": ["2", "3.000"], "nested": {"net": "-0.01"}}')
    value = _native.decode(text)
    assert value == {"amount": Decimal("1.10"), "refunds": [{"amount": Decimal("1.10"), "note": 'café "x"'}],
                     "quantity": 3, "big": 2**64 - 1, "neg": -2, "ratio": 0.5, "ok": True, "gone": None,
                     "tags": ["1.10"], "discount": [Decimal("2"), Decimal("3.000")], "nested": {"net": Decimal("-0.01")}}
    assert str(value["discount"][1]) == "3.000", "an amount keeps its exponent"
    assert value["amount"] is value["refunds"][0]["amount"], "equal amounts share one Decimal"
    assert [type(v) for v in (value["quantity"], value["ratio"], value["tags"][0])] == [int, float, str]
    for bad in ("", "{", '{"a": 1} x', "[1,]", '{"a" 1}'):
        with pytest.raises(ordercore.ValidationError) as raised:
            _native.decode(bad)
        assert raised.value.code == "invalid_input"
    with pytest.raises(decimal.InvalidOperation):
        _native.decode('{"amount": "not a number"}')  # a Python error comes out as itself
