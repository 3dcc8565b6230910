"""A carrier on EasyPost's API through its official SDK (``pip install "ordercore[easypost]"``):
rates, labels and address checks for the engine's carrier protocol, and EasyPost's signed
tracking webhooks as the engine's ``tracking_update`` command.

    carrier = EasyPostCarrier(EasyPostClient(api_key), from_address=WAREHOUSE)
    shop = ordercore.Engine(config, store=..., carrier=carrier)
    command = EasyPostWebhooks(webhook_secret).command(request_body, dict(request.headers))
    if command: shop.execute(ordercore.SYSTEM, command)

- ``rates`` creates an EasyPost shipment from the warehouse to the order's address with the
  parcel's weight (kilograms to ounces) and answers each rate in the cart's currency as an
  option ``"CARRIER:Service"`` (``"USPS:Priority"``): options stay valid after EasyPost's
  rates expire, which a checkout days before shipping needs.
- ``create_label`` creates the shipment again, buys the rate of the chosen option and answers
  its carrier, tracking code and label URL; an option no longer offered is ``invalid_input``.
- ``validate_address`` asks EasyPost to verify the address: fine, or what is wrong with it.
- A tracker's status becomes the shipment's: ``pre_transit`` → shipped, ``in_transit`` and
  ``out_for_delivery`` → in transit, ``delivered`` → delivered, ``failure``,
  ``return_to_sender``, ``error`` → exception (others are not passed on).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Union

from easypost.easypost_client import EasyPostClient
from easypost.errors.api.invalid_request_error import InvalidRequestError
from easypost.errors.general.signature_verification_error import SignatureVerificationError
from easypost.util import validate_webhook

from .. import InvalidSignature, ValidationError

__all__ = ["EasyPostCarrier", "EasyPostWebhooks"]

Json = Dict[str, Any]

OUNCES_PER_KILOGRAM = Decimal("35.27396195")

TRACKER_STATES = {"pre_transit": "shipped", "in_transit": "in_transit", "out_for_delivery": "in_transit",
                  "delivered": "delivered", "failure": "exception", "return_to_sender": "exception",
                  "error": "exception"}


def _easypost_address(address: Mapping[str, Any]) -> Json:
    return {"name": address.get("name"), "street1": address.get("line1"), "street2": address.get("line2"),
            "city": address.get("city"), "state": address.get("region"), "zip": address.get("postal_code"),
            "country": address.get("country")}


def _option(rate: Any) -> str:
    return f"{rate.carrier}:{rate.service}"


class EasyPostCarrier:
    """The engine's carrier on EasyPost (see the module)."""

    def __init__(self, client: EasyPostClient, *, from_address: Mapping[str, Any],
                 default_weight_kg: Union[Decimal, str] = "0.5"):
        self._client = client
        self._from = _easypost_address(from_address)
        self._default_weight = Decimal(default_weight_kg)

    def _shipment(self, address: Mapping[str, Any], weight: Optional[Any]) -> Any:
        kilograms = Decimal(str(weight)) if weight not in (None, "") else self._default_weight
        ounces = max(Decimal("0.1"), (kilograms * OUNCES_PER_KILOGRAM).quantize(Decimal("0.1")))
        return self._client.shipment.create(to_address=_easypost_address(address), from_address=self._from,
                                            parcel={"weight": float(ounces)})

    def rates(self, request: Json) -> List[Json]:
        """The shipping options for a parcel, in the request's currency."""
        shipment = self._shipment(request["address"], request.get("weight"))
        return [{"option_id": _option(rate), "carrier": rate.carrier, "service": rate.service,
                 "amount": Decimal(rate.rate), "estimated_days": rate.delivery_days}
                for rate in shipment.rates if rate.currency == request["currency"]]

    def create_label(self, request: Json) -> Json:
        """Buys the label of the chosen option for a shipment."""
        shipment = self._shipment(request["address"], request.get("weight"))
        chosen = [rate for rate in shipment.rates if _option(rate) == request["option_id"]]
        if not chosen:
            raise ValidationError({"code": "invalid_input", "field": "option_id",
                                   "message": f"{request['option_id']} is no longer offered for this address"})
        bought = self._client.shipment.buy(shipment.id, rate={"id": chosen[0].id})
        return {"carrier": bought.selected_rate.carrier, "tracking_number": bought.tracking_code,
                "label_reference": bought.postage_label.label_url}

    def validate_address(self, request: Json) -> Optional[str]:
        """``None`` when EasyPost verifies the address, else what is wrong with it."""
        try:
            self._client.address.create_and_verify(**_easypost_address(request["address"]))
        except InvalidRequestError as error:
            return str(error.message)
        return None


class EasyPostWebhooks:
    """EasyPost's signed tracker events as the engine's ``tracking_update`` commands."""

    def __init__(self, webhook_secret: str):
        self._secret = webhook_secret

    def command(self, body: bytes, headers: Mapping[str, Any]) -> Optional[Json]:
        """The command for a ``tracker.updated`` event whose status the engine knows (else
        ``None``); raises :class:`ordercore.InvalidSignature` when the body is not signed with
        the webhook's secret (``X-Hmac-Signature``, checked by the SDK)."""
        try:
            event = validate_webhook(body, dict(headers), self._secret)
        except SignatureVerificationError as error:
            raise InvalidSignature({"code": "invalid_signature", "message": str(error.message)}) from None
        if event.get("description") != "tracker.updated":
            return None
        tracker = event.get("result") or {}
        status = TRACKER_STATES.get(tracker.get("status", ""))
        if status is None:
            return None
        return {"command": "tracking_update", "event_id": f"easypost:{event['id']}",
                "tracking_number": tracker["tracking_code"], "status": status}
