"""The Stripe gateway against recorded exchanges shaped like Stripe's documented answers (no
network: `responses` answers the SDK's HTTP calls): a saved card charged, a decline, 3-D Secure
settled by a signed webhook, a timeout retried under the same key charging once, capture, refund
and void; webhooks with bad signatures refused."""
import hashlib
import hmac
import json
import time
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import requests
import responses
import stripe

import ordercore
from ordercore.gateways.stripe import StripeGateway, StripeWebhooks, minor_units

API = "https://api.stripe.com/v1"
ADMIN = ordercore.staff("ops")
C1 = ordercore.customer("c1")
ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"}
SECRET = "whsec_test_secret"


def intent(status, id="pi_3Abc", amount=2000, error=None, order_id="ord_000002"):
    """A PaymentIntent as Stripe's API reference shows it (the fields the gateway reads)."""
    return {"id": id, "object": "payment_intent", "amount": amount, "currency": "usd", "status": status,
            "capture_method": "automatic", "client_secret": f"{id}_secret_x", "last_payment_error": error,
            "metadata": {"order_id": order_id, "payment_id": "pay_000003", "customer_id": "c1"}, "livemode": False}


def card_declined():
    return {"error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                      "message": "Your card has insufficient funds.", "param": "", "payment_intent": intent(
                          "requires_payment_method")}}


def gateway(**kwargs):
    client = stripe.StripeClient("sk_test_123", max_network_retries=0)
    return StripeGateway(client, payment_method=lambda request: "pm_card_visa", **kwargs)


def shop(gateway_):
    engine = ordercore.Engine({"clock": "2026-06-01T12:00:00Z", "products": [{"sku": "A", "unit_price": "10.00"}]},
                              gateway=gateway_)
    engine.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 5})
    return engine


def checkout(capture=True):
    return {"customer_id": "c1", "lines": [{"sku": "A", "quantity": 2}], "shipping_address": ADDRESS,
            "payment": {"method": "card", "capture": capture}}


def sign(payload: str, secret: str = SECRET) -> str:
    stamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def form(call) -> dict:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


@responses.activate
def test_a_saved_card_is_charged_once_with_the_engines_key_and_the_order_ids():
    responses.post(f"{API}/payment_intents", json=intent("succeeded"))
    order = shop(gateway()).place_order(C1, checkout(), idempotency_key="checkout-1")
    assert order["state_label"] == "paid" and order["payments"][0]["provider_reference"] == "pi_3Abc"
    [call] = responses.calls
    sent = form(call)
    assert (sent["amount"], sent["currency"], sent["capture_method"], sent["confirm"], sent["payment_method"]) == \
        ("2000", "usd", "automatic", "true", "pm_card_visa")
    assert (sent["metadata[order_id]"], sent["metadata[customer_id]"]) == (order["id"], "c1")
    # The engine's provider key, derived from the payment: a retry of this operation reuses it.
    assert call.request.headers["Idempotency-Key"].startswith(order["payments"][0]["id"])


@responses.activate
def test_a_declined_card_is_payment_declined_with_stripes_code():
    responses.post(f"{API}/payment_intents", json=card_declined(), status=402)
    with pytest.raises(ordercore.PaymentDeclined) as declined:
        shop(gateway()).place_order(C1, checkout())
    assert declined.value.details["reason"] == "card_declined"


@responses.activate
def test_three_d_secure_waits_for_the_signed_webhook():
    responses.post(f"{API}/payment_intents", json=intent("requires_action"))
    engine = shop(gateway())
    order = engine.place_order(C1, checkout())
    assert order["payments"][0]["state"] == "pending"
    event = {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "api_version": "2024-06-20",
             "data": {"object": intent("succeeded", order_id=order["id"])}}
    payload = json.dumps(event)
    command = StripeWebhooks(SECRET).command(payload, sign(payload))
    assert command == {"command": "payment_webhook", "provider": "stripe", "event_id": "evt_1",
                       "reference": "pi_3Abc", "outcome": "succeeded", "order_id": order["id"]}
    paid = engine.execute(ordercore.SYSTEM, command)["value"]
    assert paid["state_label"] == "paid"
    assert engine.execute(ordercore.SYSTEM, command)["value"] == paid, "a replayed webhook changes nothing"


@responses.activate
def test_a_timeout_then_a_retry_under_the_same_key_charges_once():
    responses.post(f"{API}/payment_intents", body=requests.exceptions.ConnectionError("timed out"))
    responses.post(f"{API}/payment_intents", json=intent("succeeded"))
    engine = shop(gateway())
    with pytest.raises(ordercore.GatewayUnavailable):
        engine.place_order(C1, checkout(), idempotency_key="checkout-7")
    order = engine.place_order(C1, checkout(), idempotency_key="checkout-7")
    assert order["state_label"] == "paid"
    keys = {call.request.headers["Idempotency-Key"] for call in responses.calls}
    assert len(responses.calls) == 2 and len(keys) == 1, "Stripe saw one key: it charges once"


@responses.activate
def test_capture_refund_and_void_reach_the_intent_with_amounts_in_minor_units():
    stripe_gateway = gateway()
    responses.post(f"{API}/payment_intents/pi_3Abc/capture", json=intent("succeeded"))
    responses.post(f"{API}/refunds", json={"id": "re_1", "object": "refund", "status": "succeeded", "amount": 500})
    responses.post(f"{API}/payment_intents/pi_9/cancel", json=intent("canceled", id="pi_9"))
    base = {"idempotency_key": "k", "payment_id": "p", "order_id": "o", "customer_id": "c", "currency": "USD",
            "method": "card", "provider_reference": "pi_3Abc"}
    assert stripe_gateway.execute({**base, "operation": "capture", "amount": Decimal("20.00")}) == \
        {"status": "approved", "reference": "pi_3Abc"}
    assert stripe_gateway.execute({**base, "operation": "refund", "amount": Decimal("5.00")}) == \
        {"status": "approved", "reference": "re_1"}
    assert stripe_gateway.execute({**base, "operation": "void", "amount": Decimal("0"), "provider_reference": "pi_9"}) == \
        {"status": "approved", "reference": "pi_9"}
    assert form(responses.calls[0])["amount_to_capture"] == "2000"
    assert form(responses.calls[1]) == {"payment_intent": "pi_3Abc", "amount": "500"}
    assert (minor_units(Decimal("1200")), minor_units(Decimal("1.234"))) == (1200, 1234)


@responses.activate
def test_stripe_server_errors_are_unavailable_and_request_errors_come_out_unchanged():
    responses.post(f"{API}/payment_intents", json={"error": {"type": "api_error", "message": "down"}}, status=500)
    responses.post(f"{API}/payment_intents", json={"error": {"type": "invalid_request_error", "message": "No such customer"}},
                   status=400)
    engine = shop(gateway())
    with pytest.raises(ordercore.GatewayUnavailable):
        engine.place_order(C1, checkout())
    with pytest.raises(stripe.InvalidRequestError):
        engine.place_order(C1, checkout())


def test_webhooks_signed_otherwise_are_refused_and_other_events_ignored():
    event = json.dumps({"id": "evt_2", "object": "event", "type": "charge.refunded", "data": {"object": {"id": "ch_1"}}})
    with pytest.raises(ordercore.InvalidSignature):
        StripeWebhooks(SECRET).command(event, sign(event, "whsec_someone_else"))
    with pytest.raises(ordercore.InvalidSignature):
        StripeWebhooks(SECRET).command(event, "t=1,v1=deadbeef")
    assert StripeWebhooks(SECRET).command(event, sign(event)) is None


@responses.activate
def test_a_subscriptions_invoice_charged_by_the_scheduler_is_settled_by_its_webhook():
    responses.post(f"{API}/payment_intents", json=intent("requires_action", order_id=""))
    engine = shop(gateway())
    engine.execute(ADMIN, {"command": "create_plan", "plan": {
        "id": "pro", "name": "Pro", "currency": "USD", "amount": "20.00", "interval": {"unit": "month", "count": 1}}})
    subscription = engine.execute(C1, {"command": "subscribe", "customer_id": "c1", "plan_id": "pro",
                                       "payment_method": "card"})["value"]
    invoice_id = subscription["latest_invoice"]
    assert [s["step"] for s in engine.tick()["billing"]] == ["pending"]
    sent = form(responses.calls[0])
    assert (sent["metadata[invoice_id]"], sent.get("metadata[order_id]", ""), sent["amount"]) == (invoice_id, "", "2000")
    settled = intent("succeeded", order_id="")
    settled["metadata"]["invoice_id"] = invoice_id
    event = {"id": "evt_2", "object": "event", "type": "payment_intent.succeeded", "api_version": "2024-06-20",
             "data": {"object": settled}}
    payload = json.dumps(event)
    command = StripeWebhooks(SECRET).command(payload, sign(payload))
    assert command == {"command": "payment_webhook", "provider": "stripe", "event_id": "evt_2",
                       "reference": "pi_3Abc", "outcome": "succeeded", "invoice_id": invoice_id}
    assert engine.execute(ordercore.SYSTEM, command)["value"]["state"] == "paid"
    assert engine.get_subscription(C1, subscription["id"])["state"] == "active"
