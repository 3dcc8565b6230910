"""The Python bindings that uniffi generates from bindings-uniffi (the same scaffolding Swift and
Kotlin use): shared vectors, a lifecycle, coded errors. Run by scripts/test.sh after
`uniffi-bindgen generate --library … --language python`; UNIFFI_OUT names the generated module's
directory."""
import glob
import json
import os
import sys

import pytest

sys.path.insert(0, os.environ["UNIFFI_OUT"])
import ordercore_uniffi as oc  # noqa: E402

VECTORS = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "vectors", "pricing")
ADMIN = json.dumps({"type": "staff", "id": "ops", "role": "admin"})
C1 = json.dumps({"type": "customer", "id": "c1"})


def cases():
    for path in sorted(glob.glob(os.path.join(VECTORS, "*.json"))):
        vector = json.load(open(path))
        for i, case in enumerate(vector["cases"]):
            yield pytest.param(vector, case, id=f"{os.path.basename(path)}#{i}")


@pytest.mark.parametrize("vector,case", list(cases()))
def test_shared_vectors(vector, case):
    request = {k: case.get(k, vector.get(k)) for k in ("tax_rules", "promotions", "context", "cart")}
    request["config"] = case.get("config", {})
    if "expect_error" in case:
        with pytest.raises(oc.OrderCoreError.Failed) as raised:
            oc.price_request(json.dumps(request))
        assert raised.value.code == case["expect_error"]["code"]
        assert raised.value.field == case["expect_error"].get("field", raised.value.field)
    else:
        breakdown = json.loads(oc.price_request(json.dumps(request)))
        for key in ("subtotal", "discount_total", "tax_total", "grand_total"):
            if key in case["expect"]:
                assert breakdown[key] == case["expect"][key], key


def test_lifecycle_and_coded_errors():
    engine = oc.Engine(json.dumps({"clock": "2026-06-01T12:00:00Z",
                                   "products": [{"sku": "A", "name": "Alpha", "unit_price": "10.00"}]}))
    engine.execute(ADMIN, json.dumps({"command": "set_stock", "sku": "A", "on_hand": 3}), None)
    place = {"command": "place_order", "customer_id": "c1", "lines": [{"sku": "A", "quantity": 2}],
             "shipping_address": {"name": "Ada", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"},
             "payment": {"method": "card"}}
    order = json.loads(engine.execute(C1, json.dumps(place), "k1"))["value"]
    assert order["pricing"]["grand_total"] == "20.00"
    assert json.loads(engine.execute(C1, json.dumps(place), "k1"))["value"]["id"] == order["id"]
    for command in ("ship_order", "deliver_order"):
        order = json.loads(engine.execute(ADMIN, json.dumps({"command": command, "order_id": order["id"]}), None))["value"]
    assert order["state"] == "delivered"
    with pytest.raises(oc.OrderCoreError.Failed) as raised:
        engine.execute(C1, json.dumps({**place, "lines": [{"sku": "A", "quantity": 2}]}), None)
    assert raised.value.code == "insufficient_stock"
    assert json.loads(raised.value.details)["available"] == 1
    with pytest.raises(oc.OrderCoreError.Failed) as raised:
        engine.execute(C1, "{", None)
    assert raised.value.code == "invalid_input"
    events = json.loads(engine.pending_events(100))
    engine.mark_delivered(json.dumps([e["position"] for e in events]))
    assert json.loads(engine.pending_events(100)) == []
    pricer = oc.Pricer(json.dumps({"tax_rules": [{"id": "t", "name": "T", "country": "US", "percentage": "10"}]}))
    cart = {"currency": "USD", "address": {"country": "US"}, "lines": [{"sku": "A", "unit_price": "1.00", "quantity": 3}]}
    assert json.loads(pricer.price(json.dumps(cart), ""))["grand_total"] == "3.30"
    assert "insufficient_stock" in oc.error_codes()
