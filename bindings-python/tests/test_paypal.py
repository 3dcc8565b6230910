"""The PayPal gateway against recorded exchanges shaped like PayPal's documented Orders v2 answers
(no network: `responses` answers the SDK's HTTP calls): a vaulted wallet charged once with the
engine's key, a declined instrument, a buyer approval pending then settled by a signed webhook, a
timeout retried under the same key charging once, authorize then capture, refund and void;
webhooks with bad signatures, other webhooks' events and foreign certificates refused."""
import base64
import datetime
import json
import zlib

import pytest
import requests
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

import ordercore
from ordercore.gateways.paypal import PayPalGateway, PayPalWebhooks, client

API = "https://api-m.sandbox.paypal.com"
ADMIN = ordercore.staff("ops")
C1 = ordercore.customer("c1")
ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"}
WALLET = {"paypal": {"vault_id": "8kk8451t"}}
CERT_URL = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270"
WEBHOOK_ID = "4JH86294D6297924G"


def token():
    responses.post(f"{API}/v1/oauth2/token", json={"access_token": "A21AAF", "token_type": "Bearer",
                                                    "expires_in": 32400, "scope": "https://uri.paypal.com/services/payments"})


def paypal_order(status="COMPLETED", intent="CAPTURE", done="COMPLETED", id="5O190127TN364715T", order_id="ord_000002"):
    """An Orders v2 order as PayPal's API reference shows it (the fields the gateway reads)."""
    payments = {}
    if status == "COMPLETED":
        kind = "captures" if intent == "CAPTURE" else "authorizations"
        payments[kind] = [{"id": "3C679366HH908993F" if kind == "captures" else "0AW2184448108334S",
                           "status": done, "amount": {"currency_code": "USD", "value": "20.00"},
                           "custom_id": order_id}]
        if done in ("DECLINED", "DENIED"):
            payments[kind][0]["status_details"] = {"reason": "DECLINED_BY_RISK_FRAUD_FILTERS"}
    return {"id": id, "intent": intent, "status": status,
            "purchase_units": [{"reference_id": "pay_000003", "custom_id": order_id,
                                "amount": {"currency_code": "USD", "value": "20.00"}, "payments": payments}],
            "links": [{"href": f"{API}/v2/checkout/orders/{id}", "rel": "self", "method": "GET"}]}


def gateway(source=WALLET):
    return PayPalGateway(client("client-id", "secret"), payment_source=(lambda request: source) if source else None)


def shop(gateway_):
    engine = ordercore.Engine({"clock": "2026-06-01T12:00:00Z", "products": [{"sku": "A", "unit_price": "10.00"}]},
                              gateway=gateway_)
    engine.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 5})
    return engine


def checkout(capture=True):
    return {"customer_id": "c1", "lines": [{"sku": "A", "quantity": 2}], "shipping_address": ADDRESS,
            "payment": {"method": "paypal", "capture": capture}}


def orders_calls():
    return [c for c in responses.calls if "/oauth2/" not in c.request.url]


@responses.activate
def test_a_vaulted_wallet_is_charged_once_with_the_engines_key_and_the_order_id():
    token()
    responses.post(f"{API}/v2/checkout/orders", json=paypal_order())
    order = shop(gateway()).place_order(C1, checkout(), idempotency_key="checkout-1")
    assert order["state_label"] == "paid" and order["payments"][0]["provider_reference"] == "5O190127TN364715T"
    [call] = orders_calls()
    sent = json.loads(call.request.body)
    unit = sent["purchase_units"][0]
    assert (sent["intent"], unit["amount"], unit["custom_id"], sent["payment_source"]) == \
        ("CAPTURE", {"currency_code": "USD", "value": "20.00"}, order["id"], WALLET)
    # The engine's provider key, derived from the payment: a retry of this operation reuses it.
    assert call.request.headers["PayPal-Request-Id"].startswith(order["payments"][0]["id"])
    assert call.request.headers["Authorization"] == "Bearer A21AAF"


@responses.activate
def test_a_declined_instrument_is_a_decline_that_closes_the_order():
    token()
    responses.post(f"{API}/v2/checkout/orders", status=422, json={
        "name": "UNPROCESSABLE_ENTITY", "message": "The requested action could not be performed.",
        "debug_id": "b2d5f3a1", "details": [{"issue": "INSTRUMENT_DECLINED",
                                             "description": "The instrument presented was declined."}]})
    engine = shop(gateway())
    with pytest.raises(ordercore.PaymentDeclined) as raised:
        engine.place_order(C1, checkout(), idempotency_key="checkout-1")
    assert raised.value.details["reason"] == "instrument_declined"
    [closed] = engine.list_orders(ADMIN, customer_id="c1")["orders"]
    assert closed["state"] == "cancelled" and closed["payments"][0]["state"] == "failed"


@responses.activate
def test_a_capture_the_processor_declines_is_a_decline_with_its_reason():
    token()
    responses.post(f"{API}/v2/checkout/orders", json=paypal_order(done="DECLINED"))
    with pytest.raises(ordercore.PaymentDeclined) as raised:
        shop(gateway()).place_order(C1, checkout(), idempotency_key="checkout-1")
    assert raised.value.details["reason"] == "declined_by_risk_fraud_filters"


@responses.activate
def test_a_timeout_is_retried_under_the_same_key_and_charges_once():
    token()
    responses.post(f"{API}/v2/checkout/orders", body=requests.ConnectionError("read timed out"))
    responses.post(f"{API}/v2/checkout/orders", json=paypal_order())
    engine = shop(gateway())
    with pytest.raises(ordercore.GatewayUnavailable):
        engine.place_order(C1, checkout(), idempotency_key="checkout-1")
    order = engine.place_order(C1, checkout(), idempotency_key="checkout-1")
    assert order["state_label"] == "paid"
    first, second = orders_calls()
    assert first.request.headers["PayPal-Request-Id"] == second.request.headers["PayPal-Request-Id"]


@responses.activate
def test_paypal_busy_is_unavailable_and_a_bad_request_comes_out_unchanged():
    token()
    responses.post(f"{API}/v2/checkout/orders", status=503, json={"name": "SERVICE_UNAVAILABLE"})
    assert gateway().execute(request("authorize_and_capture"))["status"] == "unavailable"
    responses.post(f"{API}/v2/checkout/orders", status=400, json={
        "name": "INVALID_REQUEST", "message": "Request is not well-formed", "details": [{"issue": "MISSING_REQUIRED_PARAMETER"}]})
    with pytest.raises(Exception) as raised:
        gateway().execute(request("authorize_and_capture"))
    assert getattr(raised.value, "response_code", None) == 400


def request(operation, reference=None, amount="20.00"):
    return {"operation": operation, "idempotency_key": f"pay_000003:{operation}", "payment_id": "pay_000003",
            "order_id": "ord_000002", "customer_id": "c1", "amount": amount, "currency": "USD", "method": "paypal",
            "provider_reference": reference}


@responses.activate
def test_authorize_then_capture_refund_and_void_find_their_authorization_and_capture():
    token()
    authorized = paypal_order(intent="AUTHORIZE", done="CREATED")
    responses.post(f"{API}/v2/checkout/orders", json=authorized)
    assert gateway().execute(request("authorize")) == {"status": "approved", "reference": "5O190127TN364715T"}

    responses.get(f"{API}/v2/checkout/orders/5O190127TN364715T", json=authorized)
    responses.post(f"{API}/v2/payments/authorizations/0AW2184448108334S/capture",
                   json={"id": "2GG279541U471931P", "status": "COMPLETED", "final_capture": False})
    captured = gateway().execute(request("capture", "5O190127TN364715T", "15.00"))
    assert captured == {"status": "approved", "reference": "5O190127TN364715T"}
    assert json.loads(responses.calls[-1].request.body)["amount"] == {"currency_code": "USD", "value": "15.00"}

    with_capture = paypal_order(intent="AUTHORIZE", done="CAPTURED")
    with_capture["purchase_units"][0]["payments"]["captures"] = [{"id": "2GG279541U471931P", "status": "COMPLETED"}]
    responses.get(f"{API}/v2/checkout/orders/5O190127TN364715T", json=with_capture)
    responses.post(f"{API}/v2/payments/captures/2GG279541U471931P/refund", json={"id": "1JU08902781691411", "status": "COMPLETED"})
    refunded = gateway().execute(request("refund", "5O190127TN364715T", "5.00"))
    assert refunded == {"status": "approved", "reference": "1JU08902781691411"}
    assert responses.calls[-1].request.headers["PayPal-Request-Id"] == "pay_000003:refund"

    responses.get(f"{API}/v2/checkout/orders/5O190127TN364715T", json=authorized)
    responses.post(f"{API}/v2/payments/authorizations/0AW2184448108334S/void", status=204)
    assert gateway().execute(request("void", "5O190127TN364715T"))["status"] == "approved"


# ---- webhooks: PayPal's signature scheme, with a certificate made here for the test ----

@pytest.fixture(scope="module")
def paypal_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "messageverificationcerts.paypal.com")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM)


def signed(key, body: str, webhook_id=WEBHOOK_ID, url=CERT_URL):
    transmission, at = "69cd13f0-d67a-11e5-baa3-778b53f4ae55", "2026-06-01T12:00:00Z"
    message = f"{transmission}|{at}|{webhook_id}|{zlib.crc32(body.encode())}".encode()
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return {"PAYPAL-TRANSMISSION-ID": transmission, "PAYPAL-TRANSMISSION-TIME": at,
            "PAYPAL-TRANSMISSION-SIG": base64.b64encode(signature).decode(), "PAYPAL-CERT-URL": url,
            "PAYPAL-AUTH-ALGO": "SHA256withRSA"}


def capture_event(kind="PAYMENT.CAPTURE.COMPLETED", order_id="ord_000002"):
    resource = {"id": "3C679366HH908993F", "status": "COMPLETED" if kind.endswith("COMPLETED") else "DECLINED",
                "custom_id": order_id, "supplementary_data": {"related_ids": {"order_id": "5O190127TN364715T"}}}
    if not kind.endswith("COMPLETED"):
        resource["status_details"] = {"reason": "DECLINED_BY_RISK_FRAUD_FILTERS"}
    return json.dumps({"id": "WH-58D329510W468432D-8HN650336L201105X", "event_type": kind,
                       "resource_type": "capture", "resource": resource})


def hooks(pem):
    fetched = []

    def fetch(url):
        fetched.append(url)
        return pem
    return PayPalWebhooks(WEBHOOK_ID, fetch_certificate=fetch), fetched


@responses.activate
def test_a_pending_approval_is_settled_by_a_signed_webhook_once(paypal_key):
    key, pem = paypal_key
    token()
    responses.post(f"{API}/v2/checkout/orders", json=paypal_order(status="PAYER_ACTION_REQUIRED"))
    engine = shop(gateway(source=None))
    order = engine.place_order(C1, checkout(), idempotency_key="checkout-1")
    assert order["state_label"] != "paid" and order["payments"][0]["state"] == "pending"
    translator, fetched = hooks(pem)
    body = capture_event(order_id=order["id"])
    command = translator.command(body, signed(key, body))
    assert command == {"command": "payment_webhook", "provider": "paypal", "event_id": "WH-58D329510W468432D-8HN650336L201105X",
                       "reference": "5O190127TN364715T", "outcome": "succeeded", "order_id": order["id"]}
    paid = engine.execute(ordercore.SYSTEM, command)["value"]
    assert paid["state_label"] == "paid"
    again = engine.execute(ordercore.SYSTEM, translator.command(body, signed(key, body)))["value"]  # redelivered
    assert again == paid, "a replayed webhook changes nothing"
    assert fetched == [CERT_URL]  # the certificate is read once


def test_a_denied_capture_is_a_failure_with_its_reason_and_other_events_are_ignored(paypal_key):
    key, pem = paypal_key
    translator, _ = hooks(pem)
    body = capture_event("PAYMENT.CAPTURE.DENIED")
    command = translator.command(body, signed(key, body))
    assert (command["outcome"], command["reason"]) == ("failed", "declined_by_risk_fraud_filters")
    other = json.dumps({"id": "WH-1", "event_type": "CHECKOUT.ORDER.APPROVED", "resource": {}})
    assert translator.command(other, signed(key, other)) is None


def test_webhooks_not_signed_by_paypal_for_this_endpoint_are_refused(paypal_key):
    key, pem = paypal_key
    translator, fetched = hooks(pem)
    body = capture_event()
    tampered = body.replace("COMPLETED", "DECLINED", 1)
    for payload, headers in [
        (tampered, signed(key, body)),                                     # body changed after signing
        (body, signed(key, body, webhook_id="ANOTHER-WEBHOOK")),           # signed for another endpoint
        (body, signed(rsa.generate_private_key(public_exponent=65537, key_size=2048), body)),  # another key
        (body, signed(key, body, url="https://evil.example/cert.pem")),    # a certificate not on paypal.com
        (body, signed(key, body, url="https://paypal.com.evil.example/c")),
        (body, {k: v for k, v in signed(key, body).items() if k != "PAYPAL-TRANSMISSION-SIG"}),
        (body, {**signed(key, body), "PAYPAL-AUTH-ALGO": "SHA1withRSA"}),
    ]:
        with pytest.raises(ordercore.InvalidSignature):
            translator.command(payload, headers)
    assert all(url == CERT_URL for url in fetched)


def test_an_invoices_capture_names_the_invoice_it_paid(paypal_key):
    key, pem = paypal_key
    translator, _ = hooks(pem)
    body = capture_event(order_id="invoice/inv_000007")
    command = translator.command(body, signed(key, body))
    assert (command["invoice_id"], "order_id" in command) == ("inv_000007", False)
