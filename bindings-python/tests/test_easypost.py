"""The EasyPost carrier against recorded exchanges shaped like EasyPost's documented answers (no
network: `responses` answers the SDK's calls): rates as stable options, a label bought for the
chosen option through the engine's ship_order, an address refused with EasyPost's message, and
tracking webhooks signed with the webhook secret."""
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
import responses

import ordercore
from ordercore.carriers.easypost import EasyPostCarrier, EasyPostWebhooks

API = "https://api.easypost.com/v2"
ADMIN = ordercore.staff("ops")
C1 = ordercore.customer("c1")
ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "SF", "region": "CA", "postal_code": "94103", "country": "US"}
WAREHOUSE = {"name": "Shop", "line1": "2 Dock Rd", "city": "Oakland", "region": "CA", "postal_code": "94607",
             "country": "US"}


def rate(id, carrier, service, amount, days, currency="USD"):
    return {"id": id, "object": "Rate", "carrier": carrier, "service": service, "rate": amount, "currency": currency,
            "delivery_days": days, "shipment_id": "shp_1"}


def shipment(rates, **extra):
    return {"id": "shp_1", "object": "Shipment", "mode": "test", "rates": rates, **extra}


RATES = [rate("rate_1", "USPS", "Priority", "7.90", 2), rate("rate_2", "UPS", "Ground", "11.20", 4),
         rate("rate_3", "DHL", "Express", "40.00", 1, currency="EUR")]


def carrier():
    import easypost
    return EasyPostCarrier(easypost.EasyPostClient("EZTK_test"), from_address=WAREHOUSE)


@responses.activate
def test_rates_are_stable_options_in_the_carts_currency():
    responses.post(f"{API}/shipments", json=shipment(RATES))
    answer = carrier().rates({"address": ADDRESS, "currency": "USD", "subtotal": Decimal("20.00"),
                              "weight": Decimal("1.5")})
    assert answer == [
        {"option_id": "USPS:Priority", "carrier": "USPS", "service": "Priority", "amount": Decimal("7.90"),
         "estimated_days": 2},
        {"option_id": "UPS:Ground", "carrier": "UPS", "service": "Ground", "amount": Decimal("11.20"),
         "estimated_days": 4}]
    sent = json.loads(responses.calls[0].request.body)["shipment"]
    assert sent["parcel"] == {"weight": 52.9} and sent["to_address"]["zip"] == "94103"
    assert sent["from_address"]["city"] == "Oakland"


@responses.activate
def test_shipping_an_order_buys_the_label_of_its_option():
    responses.post(f"{API}/addresses/create_and_verify", json={"address": {"id": "adr_1", "object": "Address"}})
    responses.post(f"{API}/shipments", json=shipment(RATES))
    responses.post(f"{API}/shipments/shp_1/buy", json=shipment(
        RATES, tracking_code="9400100000000000000000", selected_rate=RATES[0],
        postage_label={"object": "PostageLabel", "label_url": "https://easypost-files.s3.amazonaws.com/label.png"}))
    engine = ordercore.Engine({"products": [{"sku": "A", "unit_price": "10.00", "weight": "0.5"}]}, carrier=carrier())
    engine.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 3})
    order = engine.place_order(C1, {"customer_id": "c1", "lines": [{"sku": "A", "quantity": 2}],
                                    "shipping_address": ADDRESS, "shipping_option": "USPS:Priority",
                                    "payment": {"method": "card"}})
    assert order["pricing"]["shipping"]["base"] == Decimal("7.90"), "priced from EasyPost's rate"
    shipped = engine.execute(ADMIN, {"command": "ship_order", "order_id": order["id"]})["value"]
    [label] = shipped["shipments"]
    assert (label["carrier"], label["tracking_number"]) == ("USPS", "9400100000000000000000")
    assert json.loads(responses.calls[-1].request.body) == {"rate": {"id": "rate_1"}}


@responses.activate
def test_an_address_easypost_cannot_verify_is_refused_with_its_message():
    responses.post(f"{API}/addresses/create_and_verify", status=422, json={"error": {
        "code": "ADDRESS.VERIFY.FAILURE", "message": "Unable to verify address.", "errors": []}})
    assert carrier().validate_address({"address": ADDRESS}) == "Unable to verify address."
    responses.replace(responses.POST, f"{API}/addresses/create_and_verify",
                      json={"address": {"id": "adr_1", "object": "Address", "street1": "1 MAIN ST"}})
    assert carrier().validate_address({"address": ADDRESS}) is None


def signed(event: dict, secret: str = "hook-secret"):
    body = json.dumps(event).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Hmac-Signature": f"hmac-sha256-hex={digest}"}


def test_tracking_webhooks_become_tracking_updates_when_signed():
    event = {"id": "evt_1", "object": "Event", "description": "tracker.updated",
             "result": {"object": "Tracker", "tracking_code": "9400100000000000000000", "status": "out_for_delivery"}}
    webhooks = EasyPostWebhooks("hook-secret")
    assert webhooks.command(*signed(event)) == {"command": "tracking_update", "event_id": "easypost:evt_1",
                                                "tracking_number": "9400100000000000000000", "status": "in_transit"}
    with pytest.raises(ordercore.InvalidSignature):
        webhooks.command(*signed(event, "someone-else"))
    with pytest.raises(ordercore.InvalidSignature):
        webhooks.command(json.dumps(event).encode(), {})
    other = {**event, "result": {**event["result"], "status": "unknown"}}
    assert webhooks.command(*signed(other)) is None
    assert webhooks.command(*signed({**event, "description": "batch.created"})) is None
