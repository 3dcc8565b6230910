"""Subscription plans through the typed methods: amounts in and out as ``Decimal``, versions kept,
the core's errors as the package's exception classes."""
from decimal import Decimal

import pytest

import ordercore
from ordercore import types

TEAM: types.Plan = {"id": "team", "name": "Team", "currency": "USD", "amount": Decimal("12.00"),
                    "interval": {"unit": "month", "count": 1}, "pricing": "per_seat", "setup_fee": Decimal("5")}


def test_a_new_price_is_a_new_version_and_amounts_are_decimals() -> None:
    engine = ordercore.Engine({"clock": "2026-06-01T12:00:00Z"})
    admin = ordercore.staff("ops")
    created = engine.create_plan(admin, TEAM)
    assert (created["latest"]["version"], str(created["latest"]["setup_fee"])) == (1, "5.00")  # at the currency's scale
    repriced = engine.reprice_plan(admin, "team", Decimal("15.00"))
    assert [v["amount"] for v in repriced["earlier"]] == [Decimal("12.00")]
    assert (repriced["latest"]["version"], repriced["latest"]["amount"]) == (2, Decimal("15.00"))
    assert engine.get_plan(ordercore.customer("c1"), "team") == repriced
    archived = engine.archive_plan(admin, "team")
    assert {v["status"] for v in [archived["latest"], *archived["earlier"]]} == {"archived"}


def test_plan_errors_are_the_packages_exceptions() -> None:
    engine = ordercore.Engine({"clock": "2026-06-01T12:00:00Z"})
    with pytest.raises(ordercore.Forbidden):
        engine.create_plan(ordercore.customer("c1"), TEAM)
    engine.create_plan(ordercore.staff("ops"), TEAM)
    with pytest.raises(ordercore.ValidationError) as taken:
        engine.create_plan(ordercore.staff("ops"), TEAM)
    assert taken.value.field == "plan.id"
    with pytest.raises(ordercore.NotFound):
        engine.get_plan(ordercore.customer("c1"), "nope")
    with pytest.raises(ordercore.OrderCoreError) as fine:
        engine.reprice_plan(ordercore.staff("ops"), "team", "1.001")
    assert (fine.value.code, fine.value.field) == ("too_many_decimals", "amount")


def test_subscribing_invoices_the_first_period_and_cancelling_at_its_end_can_be_withdrawn() -> None:
    engine = ordercore.Engine({"clock": "2026-01-31T09:00:00Z"})
    engine.create_plan(ordercore.staff("ops"), TEAM)
    c1 = ordercore.customer("c1")
    subscription = engine.subscribe(c1, "c1", "team", quantity=2)
    assert (subscription["state"], subscription["current_period_end"]) == ("incomplete", "2026-02-28T09:00:00Z")
    invoice = engine.get_invoice(c1, subscription["latest_invoice"] or "")
    assert (invoice["number"], invoice["state"], invoice["amount_due"]) == ("INV-000001", "open", Decimal("29.00"))
    assert str(invoice["amount_due"]) == "29.00"  # 2 × 12.00 + the 5.00 setup fee
    paid = engine.pay_invoice(c1, invoice["id"])
    assert (paid["state"], paid["attempts"]) == ("paid", 1)
    assert engine.get_subscription(c1, subscription["id"])["state"] == "active"
    with pytest.raises(ordercore.InvalidTransition):
        engine.pay_invoice(c1, invoice["id"])
    more = engine.change_subscription(c1, subscription["id"], quantity=3, proration_behavior="always_invoice")
    prorated = engine.get_invoice(c1, more["latest_invoice"] or "")
    renewed = engine.renew_subscription(ordercore.SYSTEM, subscription["id"])
    assert renewed["latest_invoice"] == more["latest_invoice"], "nothing due yet"
    # The whole period remains: 36.00 charged, 24.00 credited.
    assert [(line["kind"], str(line["amount"])) for line in prorated["lines"]] == [
        ("proration_charge", "36.00"), ("proration_credit", "-24.00")]
    with pytest.raises(ordercore.NotFound):
        engine.get_subscription(ordercore.customer("c2"), subscription["id"])
    with pytest.raises(ordercore.Forbidden):
        engine.subscribe(ordercore.customer("c2"), "c1", "team")
    trial: types.Plan = {**TEAM, "id": "trial", "trial_days": 14}
    engine.create_plan(ordercore.staff("ops"), trial)
    trialing = engine.subscribe(c1, "c1", "trial")
    scheduled = engine.cancel_subscription(c1, trialing["id"], at_period_end=True)
    assert (scheduled["state"], scheduled["cancel_at_period_end"]) == ("trialing", True)
    assert engine.keep_subscription(c1, trialing["id"])["cancel_at_period_end"] is False
    assert engine.pause_subscription(c1, trialing["id"])["state"] == "paused"
    resumed = engine.resume_subscription(c1, trialing["id"])
    assert (resumed["state"], resumed["next_period"]) == ("active", 1)
    assert engine.cancel_subscription(c1, trialing["id"])["state"] == "canceled"
    assert engine.void_invoice(ordercore.staff("s1", "support"), resumed["latest_invoice"] or "")["state"] == "void"
    page = engine.list_subscriptions(c1, limit=1)
    assert [s["id"] for s in page["subscriptions"]] == [subscription["id"]] and page["next"]
    rest = engine.list_subscriptions(c1, after=page["next"])
    assert [s["id"] for s in rest["subscriptions"]] == [trialing["id"]] and rest["next"] is None
    assert engine.list_subscriptions(ordercore.staff("ops"), state="canceled")["subscriptions"][0]["id"] == trialing["id"]
    invoices = engine.list_invoices(c1, subscription["id"])
    assert [i["id"] for i in invoices["invoices"]] == [invoice["id"], prorated["id"]]
    assert [i["id"] for i in engine.list_invoices(c1, subscription["id"], state="open")["invoices"]] == [prorated["id"]]
    upcoming = engine.upcoming_invoice(c1, subscription["id"])
    assert (upcoming["state"], upcoming["number"], str(upcoming["total"])) == ("draft", None, "36.00")


def test_the_scheduler_charges_a_subscription_with_a_payment_method_and_a_coupon_discounts_it() -> None:
    engine = ordercore.Engine({"clock": "2026-01-31T09:00:00Z", "promotions": [
        {"id": "welcome", "code": "WELCOME", "effect": {"type": "percentage", "percentage": "50"},
         "duration_periods": 1}]})
    engine.create_plan(ordercore.staff("ops"), TEAM)
    c1 = ordercore.customer("c1")
    subscription = engine.subscribe(c1, "c1", "team", quantity=2, payment_method="card", coupon="WELCOME")
    assert subscription["discount"] is None, "its one period is used by the first invoice"
    report = engine.tick()
    assert [(s["step"], s["invoice_id"]) for s in report["billing"]] == [("paid", subscription["latest_invoice"])]
    paid = engine.get_invoice(c1, subscription["latest_invoice"] or "")
    assert (str(paid["discount_total"]), paid["state"]) == ("14.50", "paid")  # half of 2 × 12.00 + 5.00
    with pytest.raises(ordercore.CouponRejected):
        engine.subscribe(ordercore.customer("c2"), "c2", "team", coupon="NOPE")
