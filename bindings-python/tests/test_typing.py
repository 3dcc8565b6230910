"""The TypedDicts of ordercore.types help mypy users: correct use type-checks under --strict,
and a wrong field type or a missing required key is reported."""
import textwrap

import pytest

mypy_api = pytest.importorskip("mypy.api")

GOOD = """
from decimal import Decimal
import ordercore
from ordercore.types import PlaceOrderInput

engine = ordercore.Engine({})
body: PlaceOrderInput = {"customer_id": "c1", "lines": [{"sku": "A", "quantity": 1}], "shipping_address": {"country": "US"}}
order = engine.place_order(ordercore.customer("c1"), body)
total: Decimal = order["pricing"]["grand_total"]
events = [e["position"] + 1 for e in engine.pending_events()]
rates = ordercore.Pricer({}).price({"currency": "USD", "lines": []})["tax_total"] + Decimal(1)
"""

BAD = """
from decimal import Decimal
import ordercore
from ordercore.types import PlaceOrderInput

engine = ordercore.Engine({})
body: PlaceOrderInput = {"customer_id": "c1", "lines": [{"sku": "A", "quantity": 1}]}
other: PlaceOrderInput = {"customer_id": "c1", "lines": [{"sku": "A", "quantity": "1"}], "shipping_address": {"country": "US"}}
count: int = engine.place_order(ordercore.customer("c1"), other)["pricing"]["grand_total"]
"""


def check(source: str, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "sample.py"
    path.write_text(textwrap.dedent(source))
    out, _err, status = mypy_api.run(["--strict", "--no-error-summary", "--cache-dir", str(tmp_path / ".mypy"), str(path)])
    return status, out


def test_correct_use_type_checks(tmp_path):
    status, out = check(GOOD, tmp_path)
    assert status == 0, out


def test_wrong_use_is_reported(tmp_path):
    status, out = check(BAD, tmp_path)
    assert status == 1
    assert 'Missing key "shipping_address"' in out
    assert '"quantity"' in out, out
    assert 'expression has type "Decimal", variable has type "int"' in out, out
