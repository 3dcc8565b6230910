"""Payment gateway, carrier and tax service written in Python: what they are asked, how their
answers are used, and their exceptions coming back out unchanged."""
from decimal import Decimal

import pytest

import ordercore

ADDRESS = {"name": "Ada", "line1": "1 Market St", "city": "SF", "region": "CA", "postal_code": "94103", "country": "US"}
ADMIN, C1 = ordercore.staff("ops"), ordercore.customer("c1")
PRODUCTS = {"clock": "2026-06-01T12:00:00Z", "products": [{"sku": "A", "name": "Alpha", "unit_price": "10.00"}]}


class Stripeish:
    """Remembers every request; answers from a queue (approve when empty)."""

    def __init__(self, *answers):
        self.requests = []
        self.answers = list(answers)

    def execute(self, request):
        self.requests.append(request)
        if self.answers:
            answer = self.answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return {"status": "approved", "reference": f"ch_{len(self.requests)}"}


class CaliforniaTax:
    def __init__(self):
        self.queries = []

    def rates(self, query):
        self.queries.append(query)
        if query["address"].get("region") == "CA":
            return [{"id": "ca", "name": "CA sales tax", "jurisdiction": "US-CA", "percentage": Decimal("7.25")}]
        return []


class Courier:
    def __init__(self, reject=None):
        self.reject = reject
        self.labels = []

    def rates(self, request):
        assert isinstance(request["subtotal"], Decimal)
        return [{"option_id": "courier", "carrier": "acme", "service": "next day", "amount": Decimal("9.90"), "estimated_days": 1}]

    def create_label(self, request):
        self.labels.append(request)
        return {"carrier": "acme", "tracking_number": f"ACME{len(self.labels)}", "label_reference": "lbl"}

    def validate_address(self, request):
        return self.reject


def engine(**plugins):
    e = ordercore.Engine(PRODUCTS, **plugins)
    e.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 10})
    return e


def place(**extra):
    return {"customer_id": "c1", "lines": [{"sku": "A", "quantity": 2}], "shipping_address": ADDRESS,
            "payment": {"method": "card"}, **extra}


def test_a_python_gateway_is_asked_with_decimal_amounts_and_provider_idempotency_keys():
    gateway = Stripeish()
    e = engine(gateway=gateway)
    order = e.place_order(C1, place())
    assert order["payments"][0]["provider_reference"] == "ch_1"
    request = gateway.requests[0]
    assert request["operation"] == "authorize_and_capture"
    assert request["amount"] == Decimal("20.00") and request["currency"] == "USD"
    e.execute(ADMIN, {"command": "refund_payment", "order_id": order["id"], "amount": "5"})
    refund = gateway.requests[1]
    assert refund["operation"] == "refund" and refund["amount"] == Decimal("5.00")
    assert refund["provider_reference"] == "ch_1"
    assert len({r["idempotency_key"] for r in gateway.requests}) == 2


def test_gateway_declines_unavailability_and_exceptions():
    class CardNetworkDown(Exception):
        pass

    gateway = Stripeish({"status": "declined", "reason": "insufficient_funds"},
                        {"status": "unavailable", "message": "timeout"},
                        CardNetworkDown("network"))
    e = engine(gateway=gateway)
    with pytest.raises(ordercore.PaymentDeclined):
        e.place_order(C1, place())
    with pytest.raises(ordercore.GatewayUnavailable):
        e.place_order(C1, place(), idempotency_key="retry-me")
    with pytest.raises(CardNetworkDown):
        e.place_order(C1, place())
    order = e.place_order(C1, place(), idempotency_key="retry-me")
    assert order["state_label"] == "paid"
    # The order whose gateway raised was secured before the gateway was asked: it holds its
    # stock, its payment awaiting an answer, until a retry or the scheduler settles it.
    orders = e.query(ADMIN, {"query": "list_orders"})["value"]["orders"]
    waiting = [o for o in orders if o["payments"] and o["payments"][0]["state"] == "pending"]
    assert len(waiting) == 1 and waiting[0]["payments"][0]["provider_reference"] is None
    assert e.query(ADMIN, {"query": "stock_levels", "sku": "A"})["value"][0]["reserved"] == 4


def test_a_python_tax_service_prices_the_order():
    tax = CaliforniaTax()
    e = engine(tax=tax)
    order = e.place_order(C1, place())
    assert order["pricing"]["tax_total"] == Decimal("1.45")  # 7.25% of 20.00
    assert order["pricing"]["taxes"][0]["rate_id"] == "ca"
    assert tax.queries[0]["address"]["region"] == "CA" and tax.queries[0]["currency"] == "USD"
    with pytest.raises(ordercore.ValidationError) as raised:
        ordercore.Engine({**PRODUCTS, "tax_rules": [{"id": "x", "name": "x", "country": "US", "percentage": 1}]}, tax=tax)
    assert raised.value.field == "tax_rules"


def test_a_python_carrier_rates_labels_and_checks_addresses():
    courier = Courier()
    e = engine(carrier=courier)
    rates = e.query(C1, {"query": "shipping_rates", "address": ADDRESS, "lines": [{"sku": "A", "quantity": 1}]})["value"]
    assert [(r["option_id"], r["amount"]) for r in rates] == [("courier", Decimal("9.90"))]
    order = e.place_order(C1, place(shipping_option="courier"))
    assert order["pricing"]["shipping_total"] == Decimal("9.90")
    shipped = e.execute(ADMIN, {"command": "ship_order", "order_id": order["id"]})["value"]
    assert shipped["shipments"][0]["tracking_number"] == "ACME1"
    assert courier.labels[0]["option_id"] == "courier"
    picky = engine(carrier=Courier(reject="no such street"))
    with pytest.raises(ordercore.ValidationError) as raised:
        picky.place_order(C1, place())
    assert raised.value.field == "shipping_address"
