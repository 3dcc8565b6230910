"""The reproduction the safety review made from Python: a checkout that charged but could not
commit was refunded under a compensation key, and the client's retry under the same key got
the provider's replayed "approved" and recorded a paid order with no money behind it. Now the
order is secured before the provider is asked and its answer recorded after, so every retry
finds the recorded state and the provider's ledger agrees with the order."""
from decimal import Decimal

import pytest

import ordercore
from sqlite_store import SqliteStore

C1, ADMIN = ordercore.customer("c1"), ordercore.staff("ops")
CONFIG = {"clock": "2026-06-01T12:00:00Z", "products": [{"sku": "A", "name": "Alpha", "unit_price": "10.00"}]}
ADDRESS = {"name": "Ada", "line1": "1 Market St", "city": "SF", "region": "CA", "postal_code": "94103", "country": "US"}
CHECKOUT = {"customer_id": "c1", "lines": [{"sku": "A", "quantity": 2}], "shipping_address": ADDRESS,
            "payment": {"method": "card", "capture": True}}


class ReplayingProvider:
    """A provider that performs each idempotency key once and replays its answer, as Stripe
    does; its ledger is what really moved."""

    def __init__(self):
        self.answers = {}
        self.captured = Decimal(0)
        self.refunded = Decimal(0)

    def execute(self, request):
        key = request["idempotency_key"]
        if key not in self.answers:
            if request["operation"] in ("authorize_and_capture", "capture"):
                self.captured += request["amount"]
            if request["operation"] == "refund":
                self.refunded += request["amount"]
            self.answers[key] = {"status": "approved", "reference": request.get("provider_reference") or f"ch_{len(self.answers)}"}
        return self.answers[key]


class FlakyStore(SqliteStore):
    """Fails its next commits as told: before writing, or after writing (the acknowledgement lost)."""

    def __init__(self):
        super().__init__()
        self.faults = []

    def commit(self, **changes):
        fault = self.faults.pop(0) if self.faults else None
        if fault == "before":
            raise ConnectionError("database unreachable")
        answer = super().commit(**changes)
        if fault == "after":
            raise ConnectionError("connection dropped after commit")
        return answer


@pytest.mark.parametrize("fault", ["before", "after"])
def test_a_checkout_whose_answer_did_not_commit_is_finished_by_the_retry(fault):
    store, provider = FlakyStore(), ReplayingProvider()
    engine = ordercore.Engine(CONFIG, store=store, gateway=provider)
    engine.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 10})
    store.faults = [None, fault]  # the order is secured; recording the provider's answer fails
    with pytest.raises(ConnectionError):
        engine.place_order(C1, CHECKOUT, idempotency_key="checkout-1")
    assert provider.refunded == 0, "no compensation: the charge is recorded by the retry"
    order = engine.place_order(C1, CHECKOUT, idempotency_key="checkout-1")
    assert order["state_label"] == "paid"
    assert provider.captured == order["pricing"]["grand_total"] == Decimal("20.00")
    assert provider.refunded == 0
    assert engine.list_orders(ADMIN)["orders"] == [order]
    assert engine.stock_levels(ADMIN, "A")[0]["reserved"] == 2


def test_a_version_conflict_retried_by_the_host_under_the_same_key_charges_once():
    store, provider = FlakyStore(), ReplayingProvider()
    engine = ordercore.Engine({**CONFIG, "engine": {"max_retries": 0}}, store=store, gateway=provider)
    engine.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 10})
    original = store.commit
    calls = []

    def conflicting(**changes):
        calls.append(1)
        return "version_conflict" if len(calls) == 2 else original(**changes)

    store.commit = conflicting
    with pytest.raises(ordercore.VersionConflict):
        engine.place_order(C1, CHECKOUT, idempotency_key="checkout-1")
    order = engine.place_order(C1, CHECKOUT, idempotency_key="checkout-1")
    assert order["state_label"] == "paid" and provider.captured == Decimal("20.00") and provider.refunded == 0
