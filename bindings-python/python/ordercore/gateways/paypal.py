"""A payment gateway on PayPal's Orders v2 API, through the official Server SDK
(``pip install "ordercore[paypal]"``), and the translator of PayPal's webhooks into the engine's
``payment_webhook`` command.

    shop = ordercore.Engine(config, store=..., gateway=PayPalGateway(client(id, secret), payment_source=vaulted))
    command = PayPalWebhooks(webhook_id).command(request_body, request.headers)
    if command: shop.execute(ordercore.SYSTEM, command)

How the engine's operations map (each sends the engine's provider key as ``PayPal-Request-Id``,
so a retry after a timeout is answered from PayPal's record of the first request, not charged
twice; PayPal keeps those keys for 6 hours by default — the engine's own retries come sooner):

- ``authorize`` / ``authorize_and_capture`` create a PayPal order with intent ``AUTHORIZE`` /
  ``CAPTURE``, one purchase unit of the amount, the engine's order id as its ``custom_id`` (PayPal
  copies it onto captures, so webhooks name the order). With a ``payment_source`` (a callable given
  the request, answering PayPal's ``payment_source`` object — a vaulted card or PayPal wallet) the
  order completes at once: a ``COMPLETED`` capture or a ``CREATED`` authorization is approved, a
  ``PENDING`` one is pending until the webhook settles it, a ``DECLINED``/``DENIED`` one is
  declined with PayPal's reason. Without one the order waits for the buyer's approval on PayPal
  (pending). The engine's reference for the payment is **the PayPal order id**: later operations
  read the order to find its authorization or capture.
- ``capture`` captures the order's authorization (the amount given); ``refund`` refunds the
  order's latest completed capture; ``void`` voids the authorization.
- A refused instrument (HTTP 422 ``INSTRUMENT_DECLINED``, ``PAYER_CANNOT_PAY``, …) is declined
  with the issue as its reason; connection errors, timeouts, HTTP 429 and 5xx are ``unavailable``
  (the engine keeps nothing and the caller retries with the same key); any other PayPal error is
  raised, and comes out of the engine call unchanged.

**Webhook signatures.** PayPal's Server SDK has no verification function, so
:class:`PayPalWebhooks` checks PayPal's documented signature itself: the message
``<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw body>`` signed with
SHA256withRSA by the certificate PayPal names in ``PAYPAL-CERT-URL`` — fetched only from a
``https://*.paypal.com`` address, and kept by URL. (The other documented way, PayPal's
``verify-webhook-signature`` endpoint, costs a request per event.)

Amounts go to PayPal as decimal text at the amount's own scale (the engine writes every amount at
its currency's scale).
"""
from __future__ import annotations

import base64
import json
import urllib.parse
import urllib.request
import zlib
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature as _BadSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from paypalserversdk.configuration import Environment  # type: ignore[import-untyped]
from paypalserversdk.exceptions.api_exception import ApiException  # type: ignore[import-untyped]
from paypalserversdk.http.auth.o_auth_2 import ClientCredentialsAuthCredentials  # type: ignore[import-untyped]
from paypalserversdk.paypal_serversdk_client import PaypalServersdkClient  # type: ignore[import-untyped]

from .. import InvalidSignature

__all__ = ["PayPalGateway", "PayPalWebhooks", "client"]

Json = Dict[str, Any]

#: PayPal's issues that mean the payer's instrument was refused (a decline, not an error).
DECLINES = {"INSTRUMENT_DECLINED", "PAYER_CANNOT_PAY", "PAYER_ACTION_REQUIRED", "TRANSACTION_REFUSED",
            "PAYEE_BLOCKED_TRANSACTION", "COMPLIANCE_VIOLATION", "MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED",
            "CARD_EXPIRED", "DECLINED_DUE_TO_RELATED_TXN"}


def client(client_id: str, secret: str, *, live: bool = False) -> Any:
    """The SDK's client for a REST app's credentials: PayPal's sandbox, or production when
    `live` (the OAuth token is fetched on the first call and renewed by the SDK)."""
    credentials = ClientCredentialsAuthCredentials(o_auth_client_id=client_id, o_auth_client_secret=secret)
    environment = Environment.PRODUCTION if live else Environment.SANDBOX
    return PaypalServersdkClient(client_credentials_auth_credentials=credentials, environment=environment)


def _approved(reference: str) -> Json:
    return {"status": "approved", "reference": reference}


def _pending(reference: str) -> Json:
    return {"status": "pending", "reference": reference}


def _issue(error: ApiException) -> Optional[str]:
    """The first issue of PayPal's error answer (``INSTRUMENT_DECLINED``…), if it names one."""
    try:
        details = json.loads(error.response.text).get("details") or []
    except (ValueError, AttributeError):
        return None
    return str(details[0].get("issue")) if details and isinstance(details[0], dict) else None


def _reason(resource: Any, default: str) -> str:
    details = getattr(resource, "status_details", None)
    return str(getattr(details, "reason", None) or default).lower()


class PayPalGateway:
    """The engine's payment gateway on PayPal (see the module)."""

    def __init__(self, client: PaypalServersdkClient, *,
                 payment_source: Optional[Callable[[Json], Optional[Json]]] = None):
        self._client = client
        self._payment_source = payment_source

    def execute(self, request: Json) -> Json:
        """Runs one operation of the engine's gateway protocol on PayPal."""
        try:
            operation = request["operation"]
            if operation in ("authorize", "authorize_and_capture"):
                return self._create(request)
            if operation == "capture":
                return self._capture(request)
            if operation == "refund":
                return self._refund(request)
            if operation == "void":
                return self._void(request)
            raise ValueError(f"unknown gateway operation {operation!r}")
        except requests.RequestException as error:
            return {"status": "unavailable", "message": str(error)}
        except ApiException as error:
            issue = _issue(error)
            if error.response_code == 422 and issue in DECLINES:
                return {"status": "declined", "reason": issue.lower()}
            if error.response_code == 429 or error.response_code >= 500:
                return {"status": "unavailable", "message": f"PayPal answered {error.response_code}"}
            raise

    def _create(self, request: Json) -> Json:
        capture = request["operation"] == "authorize_and_capture"
        body: Json = {
            "intent": "CAPTURE" if capture else "AUTHORIZE",
            "purchase_units": [{
                "reference_id": request["payment_id"],
                # What the webhooks name: the order, or an invoice (`invoice/<id>`).
                "custom_id": request["order_id"] or f"invoice/{request.get('invoice_id') or ''}",
                "amount": {"currency_code": str(request["currency"]).upper(), "value": str(request["amount"])},
            }],
        }
        source = self._payment_source(request) if self._payment_source else None
        if source:
            body["payment_source"] = source
        order = self._client.orders.create_order({
            "body": body, "paypal_request_id": request["idempotency_key"], "prefer": "return=representation",
        }).body
        if order.status != "COMPLETED":
            return _pending(order.id)  # waiting for the buyer's approval, or PayPal's review
        payments = order.purchase_units[0].payments
        done = (payments.captures if capture else payments.authorizations)[0]
        if done.status in ("COMPLETED", "CREATED", "CAPTURED"):
            return _approved(order.id)
        if done.status == "PENDING":
            return _pending(order.id)
        return {"status": "declined", "reason": _reason(done, str(done.status))}

    def _payments(self, order_id: str) -> Any:
        return self._client.orders.get_order({"id": order_id}).body.purchase_units[0].payments

    def _capture(self, request: Json) -> Json:
        authorization = self._payments(request["provider_reference"]).authorizations[0]
        body = {"amount": {"currency_code": str(request["currency"]).upper(), "value": str(request["amount"])},
                "final_capture": False}
        captured = self._client.payments.capture_authorized_payment({
            "authorization_id": authorization.id, "body": body,
            "paypal_request_id": request["idempotency_key"], "prefer": "return=representation",
        }).body
        return self._settled(captured, request["provider_reference"])

    def _refund(self, request: Json) -> Json:
        captures = [c for c in (self._payments(request["provider_reference"]).captures or [])
                    if c.status in ("COMPLETED", "PARTIALLY_REFUNDED")]
        if not captures:
            return {"status": "declined", "reason": "nothing_captured"}
        body = {"amount": {"currency_code": str(request["currency"]).upper(), "value": str(request["amount"])}}
        refund = self._client.payments.refund_captured_payment({
            "capture_id": captures[-1].id, "body": body,
            "paypal_request_id": request["idempotency_key"], "prefer": "return=representation",
        }).body
        return self._settled(refund, refund.id)

    def _void(self, request: Json) -> Json:
        authorization = self._payments(request["provider_reference"]).authorizations[0]
        self._client.payments.void_payment({
            "authorization_id": authorization.id, "paypal_request_id": request["idempotency_key"]})
        return _approved(request["provider_reference"])

    @staticmethod
    def _settled(resource: Any, reference: str) -> Json:
        if resource.status == "COMPLETED":
            return _approved(reference)
        if resource.status == "PENDING":
            return _pending(reference)
        return {"status": "declined", "reason": _reason(resource, str(resource.status))}


def _fetch_certificate(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 — https on paypal.com, checked
        return bytes(answer.read())


class PayPalWebhooks:
    """PayPal's signed webhook events as the engine's ``payment_webhook`` commands.

    ``webhook_id`` is the id PayPal gave the endpoint's subscription (it is part of what PayPal
    signs); ``fetch_certificate`` reads a certificate's PEM from its URL (tests pass their own)."""

    def __init__(self, webhook_id: str, *, fetch_certificate: Callable[[str], bytes] = _fetch_certificate):
        self._webhook_id = webhook_id
        self._fetch = fetch_certificate
        self._certificates: Dict[str, rsa.RSAPublicKey] = {}

    def command(self, payload: Union[str, bytes], headers: Mapping[str, str]) -> Optional[Json]:
        """The command for a capture's or an authorization's outcome (``None`` for the events
        the engine does not take); raises :class:`ordercore.InvalidSignature` when the event is
        not signed by PayPal for this webhook."""
        raw = payload.encode("utf-8") if isinstance(payload, str) else payload
        self._verify(raw, {key.lower(): value for key, value in headers.items()})
        event = json.loads(raw)
        outcome = {"PAYMENT.CAPTURE.COMPLETED": "succeeded", "PAYMENT.AUTHORIZATION.CREATED": "succeeded",
                   "PAYMENT.CAPTURE.DENIED": "failed", "PAYMENT.CAPTURE.DECLINED": "failed",
                   "PAYMENT.AUTHORIZATION.VOIDED": None}.get(event.get("event_type", ""))
        if outcome is None:
            return None
        resource = event.get("resource") or {}
        related = (resource.get("supplementary_data") or {}).get("related_ids") or {}
        command: Json = {"command": "payment_webhook", "provider": "paypal", "event_id": str(event.get("id", "")),
                         "reference": str(related.get("order_id") or resource.get("id", "")), "outcome": outcome}
        custom = str(resource.get("custom_id") or "")
        if custom.startswith("invoice/"):
            command["invoice_id"] = custom[len("invoice/"):]
        elif custom:
            command["order_id"] = custom
        if outcome == "failed":
            command["reason"] = str((resource.get("status_details") or {}).get("reason") or "denied").lower()
        return command

    def _verify(self, raw: bytes, headers: Dict[str, str]) -> None:
        def refuse(why: str) -> InvalidSignature:
            return InvalidSignature({"code": "invalid_signature", "message": why})

        needed = ["paypal-transmission-id", "paypal-transmission-time", "paypal-transmission-sig",
                  "paypal-cert-url", "paypal-auth-algo"]
        missing: List[str] = [name for name in needed if not headers.get(name)]
        if missing:
            raise refuse(f"missing PayPal header {missing[0]}")
        if headers["paypal-auth-algo"].upper() != "SHA256WITHRSA":
            raise refuse(f"unexpected signature algorithm {headers['paypal-auth-algo']}")
        message = "|".join([headers["paypal-transmission-id"], headers["paypal-transmission-time"], self._webhook_id,
                            str(zlib.crc32(raw))]).encode("utf-8")
        try:
            signature = base64.b64decode(headers["paypal-transmission-sig"], validate=True)
            key = self._certificate(headers["paypal-cert-url"])
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except (_BadSignature, ValueError) as error:
            raise refuse(f"not signed by PayPal for this webhook ({error or 'bad signature'})") from None

    def _certificate(self, url: str) -> rsa.RSAPublicKey:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme != "https" or not (host == "paypal.com" or host.endswith(".paypal.com")):
            raise ValueError(f"certificate URL {url!r} is not PayPal's")
        if url not in self._certificates:
            key = x509.load_pem_x509_certificate(self._fetch(url)).public_key()
            if not isinstance(key, rsa.RSAPublicKey):
                raise ValueError("PayPal's certificate holds no RSA key")
            self._certificates[url] = key
        return self._certificates[url]
