"""A payment gateway on Stripe's PaymentIntents, through the official SDK
(``pip install "ordercore[stripe]"``), and the translator of Stripe's webhooks into the engine's
``payment_webhook`` command.

    client = stripe.StripeClient(api_key)
    shop = ordercore.Engine(config, store=..., gateway=StripeGateway(client, payment_method=saved_card))
    command = StripeWebhooks(endpoint_secret).command(request_body, request.headers["Stripe-Signature"])
    if command: shop.execute(ordercore.SYSTEM, command)

How the engine's operations map (each sends the engine's provider key as Stripe's
``Idempotency-Key``, so a retry after a timeout is answered from Stripe's record, not charged
twice):

- ``authorize`` / ``authorize_and_capture`` create a PaymentIntent with ``capture_method``
  ``manual`` / ``automatic`` and the order, payment and customer ids as metadata. With a
  ``payment_method`` (a callable given the request, answering a saved ``pm_…`` id) it is
  confirmed at once: ``succeeded`` or ``requires_capture`` is approved, ``requires_action`` (3-D
  Secure) or ``processing`` is pending until the webhook settles it, a card error is declined
  with Stripe's decline code. Without one the intent waits for the customer's browser to confirm
  it (pending, its id the reference).
- ``capture`` captures the intent (``amount_to_capture``); ``refund`` creates a refund (pending
  while Stripe says so); ``void`` cancels the intent.
- Connection errors, rate limits and Stripe's 5xx answers are ``unavailable`` (the engine keeps
  nothing and the caller retries with the same key); any other Stripe error is raised, and comes
  out of the engine call unchanged.

Amounts go to Stripe in minor units, from the amount's own scale (the engine writes every
amount at its currency's scale: ``"19.99"`` USD is 1999, ``"1200"`` JPY is 1200).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Dict, Optional, Union

import stripe

from .. import InvalidSignature

__all__ = ["StripeGateway", "StripeWebhooks"]

Json = Dict[str, Any]


def minor_units(amount: Union[Decimal, str]) -> int:
    """``amount`` in minor units at its own scale (``Decimal("19.99")`` → 1999)."""
    value = Decimal(amount)
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return int(value.scaleb(places))


def _approved(reference: str) -> Json:
    return {"status": "approved", "reference": reference}


def _pending(reference: str) -> Json:
    return {"status": "pending", "reference": reference}


class StripeGateway:
    """The engine's payment gateway on Stripe (see the module)."""

    def __init__(self, client: stripe.StripeClient, *,
                 payment_method: Optional[Callable[[Json], Optional[str]]] = None):
        self._client = client
        self._payment_method = payment_method

    def execute(self, request: Json) -> Json:
        """Runs one operation of the engine's gateway protocol on Stripe."""
        options: Any = {"idempotency_key": request["idempotency_key"]}
        try:
            operation = request["operation"]
            if operation in ("authorize", "authorize_and_capture"):
                return self._create(request, options)
            reference = request["provider_reference"]
            intents = self._client.v1.payment_intents
            if operation == "capture":
                intent = intents.capture(reference, {"amount_to_capture": minor_units(request["amount"])}, options)
                return _approved(intent.id)
            if operation == "refund":
                refund = self._client.v1.refunds.create(
                    {"payment_intent": reference, "amount": minor_units(request["amount"])}, options)
                if refund.status == "failed":
                    return {"status": "declined", "reason": refund.failure_reason or "refund_failed"}
                return _approved(refund.id) if refund.status == "succeeded" else _pending(refund.id)
            if operation == "void":
                return _approved(intents.cancel(reference, {}, options).id)
            raise ValueError(f"unknown gateway operation {operation!r}")
        except stripe.CardError as error:
            return {"status": "declined", "reason": error.code or "card_declined"}
        except (stripe.APIConnectionError, stripe.RateLimitError) as error:
            return {"status": "unavailable", "message": str(error)}
        except stripe.APIError as error:
            if (error.http_status or 500) >= 500:
                return {"status": "unavailable", "message": str(error)}
            raise

    def _create(self, request: Json, options: Any) -> Json:
        params: Any = {
            "amount": minor_units(request["amount"]),
            "currency": str(request["currency"]).lower(),
            "capture_method": "manual" if request["operation"] == "authorize" else "automatic",
            "metadata": _metadata(request),
        }
        method = self._payment_method(request) if self._payment_method else None
        if method:
            params.update(payment_method=method, confirm=True)
        intent = self._client.v1.payment_intents.create(params, options)
        if intent.status in ("succeeded", "requires_capture"):
            return _approved(intent.id)
        if intent.status == "canceled":
            return {"status": "declined", "reason": "canceled"}
        if intent.status == "requires_payment_method" and method:
            failure = intent.last_payment_error
            return {"status": "declined", "reason": (failure and failure.code) or "card_declined"}
        return _pending(intent.id)


def _metadata(request: Json) -> Json:
    """What the PaymentIntent carries back in its webhooks: the order (empty for an invoice's
    charge) or the invoice, the engine's payment and the customer."""
    metadata = {key: request[key] for key in ("order_id", "payment_id", "customer_id")}
    if request.get("invoice_id"):
        metadata["invoice_id"] = request["invoice_id"]
    return metadata


class StripeWebhooks:
    """Stripe's signed webhook events as the engine's ``payment_webhook`` commands."""

    def __init__(self, endpoint_secret: str):
        self._secret = endpoint_secret

    def command(self, payload: Union[str, bytes], signature: str) -> Optional[Json]:
        """The command for a ``payment_intent.succeeded`` or ``payment_intent.payment_failed``
        event (``None`` for the events the engine does not take); raises
        :class:`ordercore.InvalidSignature` when the payload is not signed by the endpoint's
        secret (checked by the SDK, with its five-minute tolerance)."""
        try:
            event = stripe.Webhook.construct_event(payload, signature, self._secret)  # type: ignore[no-untyped-call]
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise InvalidSignature({"code": "invalid_signature", "message": str(error)}) from None
        outcome = {"payment_intent.succeeded": "succeeded", "payment_intent.payment_failed": "failed"}.get(event.type)
        if outcome is None:
            return None
        intent = event.data.object
        command: Json = {"command": "payment_webhook", "provider": "stripe", "event_id": event.id,
                         "reference": intent.id, "outcome": outcome}
        # The charge's metadata names what it paid: an order, or a subscription's invoice.
        for key in ("order_id", "invoice_id"):
            value = (intent.metadata or {}).get(key)
            if value:
                command[key] = value
        if outcome == "failed":
            failure = intent.last_payment_error
            command["reason"] = (failure and failure.code) or "payment_failed"
        return command
