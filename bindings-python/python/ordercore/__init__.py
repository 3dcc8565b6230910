"""ordercore for Python: the Rust engine behind dicts, ``decimal.Decimal`` money and typed
exceptions.

Translation only — every decision is the core's. Dicts go in and come out in the shapes of the
Rust ``ordercore::command`` types; amounts are ``Decimal`` (``int`` and ``str`` are accepted too;
a ``float`` anywhere is refused with :class:`ValidationError`, because binary floats cannot hold
money exactly).

    >>> import ordercore
    >>> ordercore.price_request({"cart": {"currency": "USD",
    ...     "lines": [{"sku": "A", "unit_price": "19.99", "quantity": 3}]}})["grand_total"]
    Decimal('59.97')

**Logs.** Every command and query is recorded to the ``logging`` logger ``ordercore``: ``INFO``
for answers (refusals included, with their code), ``WARNING`` for store and provider faults —
``command place_order: ok kind="command" name="place_order" actor=customer:c1
aggregate=order/ord_000002 outcome="ok" retries=0 duration_us=163 correlation_id="req-9"``. A
request's correlation id (:data:`correlation_id`, or ``with correlated("req-9"):``) goes into
those records and into the events its commands emit. The logger's level is read once: after
changing it, call :func:`logging_changed`.
"""
from __future__ import annotations

import contextlib as _contextlib
import functools as _functools
import contextvars as _contextvars
import datetime as _dt
import json as _json
import sys as _sys
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Literal, Mapping, Optional, Protocol, Sequence, Tuple, Type, Union, cast

from . import _native, types
from .types import (FoundAnswer, OrderPage, OutboxEntry, PendingEvent, PlaceOrderInput, PriceBreakdown, StoredDocument,
                    CounterRequest, RecordRequest, WriteRequest, TickReport)

__all__ = [
    "Engine", "Pricer", "Quote", "OrderView", "Store", "types", "OrderPage", "PaymentGateway", "Carrier", "TaxProvider", "price_request", "sign_webhook", "customer", "staff", "SYSTEM", "ERROR_CLASSES",
    "OrderCoreError", "ValidationError", "NotFound", "Forbidden", "InvalidTransition",
    "InsufficientStock", "VersionConflict", "IdempotencyConflict", "PaymentDeclined",
    "GatewayUnavailable", "RefundExceedsCaptured", "CaptureExceedsAuthorized", "CouponRejected",
    "InvalidSignature", "ProviderError", "correlation_id", "correlated", "logging_changed",
]

Json = Dict[str, Any]
Actor = Mapping[str, Any]


# The exception classes are declared natively, with the one match from a core code to its class.
from ._native import (  # noqa: E402
    CaptureExceedsAuthorized,
    CouponRejected,
    Forbidden,
    GatewayUnavailable,
    IdempotencyConflict,
    InsufficientStock,
    InvalidSignature,
    InvalidTransition,
    NotFound,
    OrderCoreError,
    PaymentDeclined,
    ProviderError,
    RefundExceedsCaptured,
    ValidationError,
    VersionConflict,
)

#: Every core code's exception class.
ERROR_CLASSES: Dict[str, Type[OrderCoreError]] = _native.error_classes()

#: The id of the request being served (``None``: none). Every engine call made while it is set
#: records it, and the events the call emits carry it (``correlation_id``). A context variable:
#: set per request, it follows the request into threads started with its context
#: (``asyncio.to_thread``, :class:`ordercore.aio.AsyncEngine`).
correlation_id: "_contextvars.ContextVar[Optional[str]]" = _native.correlation_id

logging_changed = _native.logging_changed


#: The OpenTelemetry tracer of the engine's spans, once the host has set a tracer provider.
_otel_tracer: Any = None


def _tracer() -> Any:
    """OpenTelemetry's tracer when the host uses OpenTelemetry — has imported it and set a tracer
    provider —, else ``None``. The package never imports it itself (it costs a program's start
    ~30 ms), and OpenTelemetry's no-op spans are not made (they cost half a cheap query)."""
    global _otel_tracer
    if _otel_tracer is None:
        trace = _sys.modules.get("opentelemetry.trace")
        if trace is None or isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
            return None
        _otel_tracer = trace.get_tracer("ordercore")  # a provider is set once per process
    return _otel_tracer


@_contextlib.contextmanager
def _span(kind: str, document: Mapping[str, Any]) -> Iterator[None]:
    """An OpenTelemetry span ``ordercore.<kind> <name>`` around one engine call, with its name,
    the correlation id and, on a refusal, the error's code (the span's status says it failed)."""
    name = str(document.get(kind, "?"))
    attributes = {"ordercore.kind": kind, "ordercore.name": name}
    request = correlation_id.get()
    if request is not None:
        attributes["ordercore.correlation_id"] = request
    with _tracer().start_as_current_span(f"ordercore.{kind} {name}", attributes=attributes) as span:
        try:
            yield
        except OrderCoreError as error:
            span.set_attribute("ordercore.outcome", error.code)
            raise
        span.set_attribute("ordercore.outcome", "ok")


#: The engine methods that run in a span: (method, kind, the call's name when the method's
#: document does not say it).
_SPANNED: Tuple[Tuple[str, str, Optional[str]], ...] = (
    ("execute", "command", None), ("execute_json", "command", None), ("_order", "command", None),
    ("query", "query", None), ("query_json", "query", None), ("get_order", "query", "get_order"),
)


def _in_spans(engine: "Engine") -> None:
    """Wraps `engine`'s command and query methods in spans (:func:`_span`) when the host uses
    OpenTelemetry as the engine is made; an engine made before has none, and its calls run
    straight, with nothing on their path."""
    if _tracer() is None:
        return
    for attribute, kind, name in _SPANNED:
        setattr(engine, attribute, _spanned(getattr(engine, attribute), kind, name))


def _spanned(method: Callable[..., Any], kind: str, name: Optional[str]) -> Callable[..., Any]:
    """`method` (a bound engine method whose second argument is the command or query document,
    unless `name` names the call) in a span."""
    @_functools.wraps(method)
    def call(actor: Any, document: Any, *rest: Any) -> Any:
        with _span(kind, {kind: name} if name else document):
            return method(actor, document, *rest)
    return call


@_contextlib.contextmanager
def correlated(request_id: Optional[str]) -> Iterator[None]:
    """Sets :data:`correlation_id` for the block (a web framework's middleware: one per request)."""
    token = correlation_id.set(request_id)
    try:
        yield
    finally:
        correlation_id.reset(token)

SYSTEM: Json = {"type": "system"}


def customer(customer_id: str) -> Json:
    """A customer actor."""
    return {"type": "customer", "id": customer_id}


def staff(staff_id: str, role: str = "admin") -> Json:
    """A staff actor: role ``admin``, ``support`` or ``warehouse``."""
    return {"type": "staff", "id": staff_id, "role": role}


def _encode(value: Any, path: str) -> Any:
    """Turns Python values into JSON-ready ones: Decimal → exact string; float refused."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError({"code": "invalid_input", "field": path, "message": f"{path}: {value} is not a finite amount"})
        return str(value)
    if isinstance(value, float):
        raise ValidationError({
            "code": "invalid_input",
            "field": path,
            "message": f"{path}: floating-point value {value!r} refused; pass Decimal, int or str",
        })
    if isinstance(value, Mapping):
        return {str(k): _encode(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise ValidationError({"code": "invalid_input", "field": path, "message": f"{path}: naive datetime; give it a timezone"})
        return value.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    raise ValidationError({"code": "invalid_input", "field": path, "message": f"{path}: unsupported type {type(value).__name__}"})


def _json_default(value: Any) -> Any:
    """What ``json.dumps`` cannot encode by itself: Decimal as exact text, aware datetimes."""
    if isinstance(value, Decimal) and value.is_finite():
        return str(value)
    if isinstance(value, _dt.datetime) and value.tzinfo is not None:
        return value.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, Mapping):
        return dict(value)
    raise ValueError(value)


def _invalid(field: str, message: str, code: str = "invalid_input") -> ValidationError:
    return ValidationError({"code": code, "field": field, "message": f"{field}: {message}"})


def _dumps(value: Any, what: str) -> str:
    """JSON text of a document, at C speed. Floats go through as JSON numbers and the core
    refuses them where they stand (naming the field); anything else JSON cannot hold is refused
    here, naming its path. A document nested past Python's recursion limit, or containing
    itself, is refused as the package's own error, never a ``RecursionError``."""
    try:
        return _json.dumps(value, default=_json_default, allow_nan=False, separators=(",", ":"))
    except RecursionError:
        raise _invalid(what, "nested too deeply", "limit_exceeded") from None
    except (ValueError, TypeError) as error:
        if "ircular reference" in str(error):
            raise _invalid(what, "contains itself (a circular reference)") from None
    try:
        # The slow, path-tracking encoder says exactly what and where.
        return _json.dumps(_encode(value, what if not isinstance(value, Mapping) else ""), separators=(",", ":"))
    except RecursionError:
        raise _invalid(what, "nested too deeply", "limit_exceeded") from None


def _text(value: Union[str, bytes], field: str) -> str:
    """Text given as ``str`` or UTF-8 ``bytes``; anything else is refused naming ``field``."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as error:
            raise _invalid(field, f"not valid UTF-8 (byte {error.start})") from None
    raise _invalid(field, f"expected text, got {type(value).__name__}")


def _key(idempotency_key: Optional[str]) -> Optional[str]:
    """An idempotency key: ``None`` or a string (the core checks its length)."""
    if idempotency_key is None or isinstance(idempotency_key, str):
        return idempotency_key
    raise _invalid("idempotency_key", f"expected a string, got {type(idempotency_key).__name__}")


def _count(value: Any, field: str, most: int = 2**63 - 1) -> int:
    """A whole number from 0 to ``most`` (``bool`` is not one)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most:
        return value
    raise _invalid(field, f"expected a whole number from 0 to {most}, got {value!r}")


def _loads(text: str) -> Any:
    """A document answered by the engine, with ``Decimal`` amounts (decoded natively)."""
    return _native.decode(text)


class Pricer:
    """The pricing API without an engine: built once from ``{"config", "tax_rules",
    "promotions"}`` (promotions and tax rules are validated here, once), then prices many carts.
    Pure computation: no store, no I/O."""

    def __init__(self, spec: Optional[Mapping[str, Any]] = None):
        self._native = _native.Pricer(_dumps(spec or {}, "spec"))

    def price(self, cart: Mapping[str, Any], context: Optional[Mapping[str, Any]] = None) -> PriceBreakdown:
        """The cart's breakdown. ``context`` (``{"now", "usage"}``) defaults to now (the system
        clock) with no recorded promotion usage."""
        # The cart's objects read natively (as `quote` does), the breakdown built in one pass.
        return cast(PriceBreakdown, self._native.quote(cart, context, _json_default).to_dict())

    def quote(self, cart: Mapping[str, Any], context: Optional[Mapping[str, Any]] = None) -> "Quote":
        """:meth:`price`, answering a :class:`Quote`: the same breakdown, kept natively and
        converted to Python objects only where it is read — the fast path when a caller needs
        the totals and not every line's every figure. The cart's dicts are read directly (no
        JSON text in between); the same values are accepted and refused as by :meth:`price`."""
        # The hot path: no helper frames (each Python call is ~0.1 µs of a ~15 µs quote).
        return Quote(self._native.quote(cart, context, _json_default))

    def price_json(self, cart_json: Union[str, bytes], context_json: Union[str, bytes] = "") -> str:
        """:meth:`price` for JSON text: the cart's JSON in, the breakdown's JSON out (amounts as
        decimal strings) — no Python objects built on either side. For services that receive
        the cart as a request body and send the breakdown as a response body."""
        return self._native.price(_text(cart_json, "cart_json"), _text(context_json, "context_json"))


_QUOTE_KEYS = tuple(_native.Quote.keys())
_UNREAD = object()


class Quote(Mapping[str, Any]):
    """A priced cart (:meth:`Pricer.quote`): a read-only mapping with the keys and values of
    :meth:`Pricer.price`'s breakdown, converted from the native breakdown on first access and
    kept (the total properties make a fresh ``Decimal`` per read, straight from native code). ``dict(quote)`` or :meth:`to_dict` gives the plain dict; :meth:`json` the JSON text
    (amounts as strings) without building Python objects. Compares equal to the same breakdown
    as a dict."""

    __slots__ = ("_native", "_read")

    def __init__(self, native: _native.Quote):
        self._native = native
        self._read: Dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        # `get` rather than catching KeyError: the first read of every field would raise.
        value = self._read.get(key, _UNREAD)
        if value is _UNREAD:
            value = self._read[key] = self._native.field(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(_QUOTE_KEYS)

    def __len__(self) -> int:
        return len(_QUOTE_KEYS)

    def __repr__(self) -> str:
        return f"Quote(grand_total={self.grand_total!r}, currency={self['currency']!r})"

    @property
    def subtotal(self) -> Decimal:
        """Σ line bases."""
        return self._native.subtotal

    @property
    def discount_total(self) -> Decimal:
        """Σ discounts on lines and shipping."""
        return self._native.discount_total

    @property
    def shipping_total(self) -> Decimal:
        """Shipping before discounts."""
        return self._native.shipping_total

    @property
    def tax_total(self) -> Decimal:
        """Σ tax on lines and shipping."""
        return self._native.tax_total

    @property
    def grand_total(self) -> Decimal:
        """What the customer pays."""
        return self._native.grand_total

    def to_dict(self) -> PriceBreakdown:
        """The whole breakdown as :meth:`Pricer.price` returns it (fields already read are the
        same objects)."""
        if len(self._read) < len(_QUOTE_KEYS):
            # The fields not read yet, converted in one native pass.
            for key, value in self._native.to_dict().items():
                self._read.setdefault(key, value)
        return cast(PriceBreakdown, {key: self._read[key] for key in _QUOTE_KEYS})

    def json(self) -> str:
        """The whole breakdown as JSON text (amounts as decimal strings)."""
        return self._native.json()


_ORDER_KEYS: List[str] = []


def _order_keys(native: _native.Document) -> List[str]:
    """The order's keys (the same for every order), read from the first one asked."""
    if not _ORDER_KEYS:
        _ORDER_KEYS.extend(native.keys())
    return _ORDER_KEYS


class OrderView(types.OrderFields):
    """An order answered by the engine (:meth:`Engine.place_order`, :meth:`Engine.ship_order`,
    :meth:`Engine.get_order`, …): a read-only mapping with the keys and values of the order
    document (:class:`ordercore.types.Order`), kept as the core's JSON text and converted one
    top-level field at a time, on first read, then kept. Building every object of a 20-line
    order — hundreds of dicts and decimals — costs many times what the engine spent on
    the command; most callers read the id and the state.

    ``dict(view)`` or :meth:`to_dict` gives the plain dict; :meth:`json` the JSON text (amounts as
    strings) without building Python objects — what an HTTP service sends on. Compares equal
    to the same order as a dict. Not a ``dict``: ``json.dumps`` wants :meth:`to_dict` (or send
    :meth:`json` as it is)."""

    __slots__ = ("_native", "_read")

    def __init__(self, native: _native.Document):
        self._native = native
        self._read: Dict[str, Any] = {}

    if not TYPE_CHECKING:  # type checkers see the keys' types (`types.OrderFields`)
        def __getitem__(self, key):
            value = self._read.get(key, _UNREAD)
            if value is _UNREAD:
                value = self._read[key] = self._native.field(key)
            return value

    def __iter__(self) -> Iterator[str]:
        return iter(_order_keys(self._native))

    def __len__(self) -> int:
        return len(_order_keys(self._native))

    def __repr__(self) -> str:
        return f"OrderView(id={self.get('id')!r}, state={self.get('state')!r})"

    def to_dict(self) -> "types.Order":
        """The whole order as new plain objects (``Decimal`` amounts)."""
        return cast(types.Order, _loads(self._native.json()))

    def json(self) -> str:
        """The whole order as JSON text, without building Python objects."""
        return self._native.json()


def sign_webhook(secret: str, payload: Union[str, bytes], timestamp: int) -> str:
    """The signature :meth:`Engine.verify_webhook` expects (for tests and internal senders)."""
    return _native.sign_webhook(_text(secret, "secret"), _text(payload, "payload"), _count(timestamp, "timestamp"))


def price_request(request: Mapping[str, Any]) -> PriceBreakdown:
    """Prices ``{"cart", "config"?, "tax_rules"?, "promotions"?, "context"?}`` (the shape of the
    shared test vectors) and returns the breakdown."""
    return cast(PriceBreakdown, _loads(_native.price_request(_dumps(request, "request"))))


class Store(Protocol):
    """Storage the engine can run on, implemented by the host (for example over SQLAlchemy):
    the host-store protocol of ``ordercore::host::store``, the same in every language, each
    method called with the request's fields as keyword arguments.

    Documents, events and idempotency records are opaque JSON strings: store and return them as
    they come. Orders also come with index fields (``customer_id``, ``state``, ``created_at``,
    ``due_at``; RFC 3339 times compare correctly as text). The engine calls these methods from
    worker threads (never holding the GIL for long), so make them thread-safe. An exception
    raised here comes back out of the engine call unchanged.
    """

    def load(self, *, kind: str, id: str) -> Optional[StoredDocument]:
        """``{"version", "document"}`` of a document, or ``None``."""

    def counters(self, *, names: List[str]) -> List[int]:
        """The counters' values in the order asked (0 for a counter never changed)."""

    def commit(self, *, writes: List[WriteRequest], counters: List[CounterRequest], events: List[str],
               idempotency: Optional[RecordRequest]) -> Optional[str]:
        """Apply everything in one transaction, or nothing. Store each write as version
        ``expected_version + 1`` (``expected_version`` 0: it must not exist yet), add each
        counter's ``delta`` (its new value must be within ``min``/``max``, ``None``: open),
        append the events to the outbox, store the record under its new key. Return ``None``
        (done), ``"version_conflict"`` (a version did not match, or a counter left its bounds)
        or ``"idempotency_conflict"`` (the record's key exists)."""

    def find(self, *, kind: str, customer_id: Optional[str], state: Optional[str], due_before: Optional[str],
             after_created_at: Optional[str], after_id: Optional[str], limit: int) -> FoundAnswer:
        """Documents of ``kind`` (``"order"`` or ``"subscription"``) matching the filters
        (``due_at <= due_before``), ordered by ``(created_at, id)`` after the cursor, at most
        ``limit``; and whether more follow."""

    def idempotency(self, *, key: str) -> Optional[str]:
        """The stored record JSON of ``key``, or ``None``."""

    def pending_events(self, *, limit: int) -> List[PendingEvent]:
        """Undelivered events, oldest first."""

    def mark_delivered(self, *, positions: List[int]) -> None:
        """Marks events delivered."""


class _StoreAdapter:
    """What the native engine calls for a :class:`Store`: ``call(method, request_json) ->
    answer_json``, the request's fields as keyword arguments. Its exceptions pass through."""

    def __init__(self, store: Any):
        self._store = store

    def call(self, method: str, request_json: str) -> str:
        return _json.dumps(getattr(self._store, method)(**_json.loads(request_json)))


class PaymentGateway(Protocol):
    """A payment provider written in Python (wrapping Stripe, Adyen, …).

    ``execute`` gets ``{"operation", "idempotency_key", "payment_id", "order_id", "customer_id",
    "amount" (Decimal), "currency", "method", "provider_reference"}``; ``operation`` is
    ``authorize``, ``authorize_and_capture``, ``capture``, ``refund`` or ``void``. Send
    ``idempotency_key`` to the provider as its idempotency key: a retry carries the same one.
    Answer ``{"status": "approved" | "pending", "reference": ...}``, ``{"status": "declined",
    "reason": ...}``, or ``{"status": "unavailable", "message": ...}`` for a timeout or transient
    failure (nothing is persisted; the caller retries with the same idempotency key).
    """

    def execute(self, request: Json) -> Json:
        """Runs one operation with the provider; answers its outcome."""


class TaxProvider(Protocol):
    """A tax service written in Python. ``rates`` gets ``{"address", "tax_class", "currency",
    "at"}`` and answers the rates that apply to that base: ``[{"id", "name", "jurisdiction",
    "percentage"}]`` (``[]``: untaxed)."""

    def rates(self, query: Json) -> List[Json]:
        """The rates that apply to one base."""


class Carrier(Protocol):
    """A carrier written in Python. ``rates`` gets ``{"address", "currency", "subtotal",
    "weight"}`` and answers ``[{"option_id", "carrier", "service", "amount",
    "estimated_days"}]``; ``create_label`` gets ``{"shipment_id", "option_id", "address"}`` and
    answers ``{"carrier", "tracking_number", "label_reference"}``. An optional
    ``validate_address({"address"})`` answers ``None`` or what is wrong with the address."""

    def rates(self, request: Json) -> List[Json]:
        """The shipping options and their prices for a parcel."""

    def create_label(self, request: Json) -> Json:
        """Buys a label for a shipment."""


class _HostAdapter:
    """What the native engine calls: ``call(method, request_json) -> answer_json`` over a
    plug-in's Python methods, with ``Decimal`` amounts both ways. Its exceptions pass through."""

    def __init__(self, plugin: Any, component: str):
        self._plugin = plugin
        self._component = component

    def call(self, method: str, request_json: str) -> str:
        handler = getattr(self._plugin, method, None)
        if handler is None:
            if method == "validate_address":
                return "null"
            raise TypeError(f"the {self._component} plug-in has no method {method!r}")
        return _dumps(handler(_loads(request_json)), method)


class Engine:
    """The order engine on its embedded defaults (memory store, fake payment gateway,
    table-rate carrier), configured by a dict: ``engine``, ``products``, ``promotions``,
    ``tax_rules``, ``carrier``, ``clock`` (a fixed instant), ``id_seed``.

    ``store`` (a :class:`Store`, or :class:`ordercore.stores.sqlite.SqliteStore`) keeps the
    documents in the host's database instead; ``gateway``
    (a :class:`PaymentGateway`), ``carrier`` (a :class:`Carrier`) and ``tax`` (a
    :class:`TaxProvider`) replace the fake gateway, the table-rate carrier and the tax table.
    Exceptions raised by any of them come back out of the engine call unchanged.

    Thread-safe; the engine's work runs without the GIL. In ``async def`` code use
    :class:`ordercore.aio.AsyncEngine` (engine calls in worker threads, an async store awaited on
    the loop), or call this engine through ``await asyncio.to_thread(engine.execute, ...)``.
    """

    def __init__(self, config: Optional[Mapping[str, Any]] = None,
                 store: Union[Store, "_native.SqliteStore", None] = None, *,
                 gateway: Optional[PaymentGateway] = None, carrier: Optional[Carrier] = None,
                 tax: Optional[TaxProvider] = None):
        def adapt(plugin: Any, name: str) -> Optional[_HostAdapter]:
            return None if plugin is None else _HostAdapter(plugin, name)

        # The SQLite store written in Rust goes to the engine as it is (no Python in its calls).
        native_store = store if store is None or isinstance(store, _native.SqliteStore) else _StoreAdapter(store)
        self._native = _native.Engine(_dumps(config or {}, "config"), native_store,
                             adapt(gateway, "gateway"), adapt(carrier, "carrier"), adapt(tax, "tax"))
        _in_spans(self)

    def execute(self, actor: Actor, command: Mapping[str, Any], idempotency_key: Optional[str] = None) -> Json:
        """Runs a command (``{"command": "place_order", ...}``); returns its output
        (``{"type": "order", "value": {...}}``)."""
        return cast(Json, _loads(self._native.execute(_dumps(actor, "actor"), _dumps(command, "command"),
                                                      _key(idempotency_key))))

    def query(self, actor: Actor, query: Mapping[str, Any]) -> Json:
        """Answers a query (``{"query": "get_order", "order_id": ...}``)."""
        return cast(Json, _loads(self._native.query(_dumps(actor, "actor"), _dumps(query, "query"))))

    def execute_json(self, actor: Actor, command: Mapping[str, Any], idempotency_key: Optional[str] = None) -> str:
        """Runs a command; returns its value alone (the order, the stock item) as the core's
        JSON text (amounts as strings) — for a service that sends the answer on as it is,
        without building Python objects."""
        return self._native.execute_value(_dumps(actor, "actor"), _dumps(command, "command"), _key(idempotency_key))

    def query_json(self, actor: Actor, query: Mapping[str, Any]) -> str:
        """Answers a query's value alone (the order, the page, the list) as JSON text."""
        return self._native.query_value(_dumps(actor, "actor"), _dumps(query, "query"))

    def tick(self, actor: Actor = SYSTEM) -> TickReport:
        """Runs the scheduler."""
        return cast(TickReport, _loads(self._native.tick(_dumps(actor, "actor"))))

    def price(self, cart: Mapping[str, Any], context: Optional[Mapping[str, Any]] = None) -> PriceBreakdown:
        """Prices a cart with the engine's promotions and tax."""
        return cast(PriceBreakdown, _loads(self._native.price(_dumps(cart, "cart"), _dumps(context or {}, "context"))))

    def pending_events(self, limit: int = 100) -> List[OutboxEntry]:
        """Undelivered outbox events, oldest first."""
        return cast(List[OutboxEntry], _loads(self._native.pending_events(_count(limit, "limit"))))

    def mark_delivered(self, positions: Sequence[int]) -> None:
        """Marks outbox events delivered."""
        checked = [_count(p, f"positions[{i}]") for i, p in enumerate(positions)]
        self._native.mark_delivered(_json.dumps(checked))

    def set_clock(self, at: Union[str, _dt.datetime]) -> None:
        """Moves the fixed clock (engines configured with ``clock``)."""
        self._native.set_clock(at if isinstance(at, str) else _encode(at, "at"))

    def verify_webhook(self, secret: str, payload: Union[str, bytes], timestamp: int, signature: str) -> None:
        """Checks a webhook signed as ``hex(HMAC-SHA256(secret, f"{timestamp}.{payload}"))``
        with ``timestamp`` (Unix seconds) within five minutes of the engine's clock; raises
        :class:`InvalidSignature` otherwise."""
        self._native.verify_webhook(_text(secret, "secret"), _text(payload, "payload"),
              _count(timestamp, "timestamp"), _text(signature, "signature"))

    # Convenience wrappers over execute/query for the common commands.
    def place_order(self, actor: Actor, order: Union[PlaceOrderInput, Mapping[str, Any]],
                    idempotency_key: Optional[str] = None) -> OrderView:
        """Places an order; returns the order."""
        return self._order(actor, {"command": "place_order", **order}, idempotency_key)

    def get_order(self, actor: Actor, order_id: str) -> OrderView:
        """One order (another customer's order raises :class:`NotFound`)."""
        query = {"query": "get_order", "order_id": order_id}
        return OrderView(self._native.query_order(_dumps(actor, "actor"), _dumps(query, "query")))

    def _order(self, actor: Actor, command: Dict[str, Any], idempotency_key: Optional[str]) -> OrderView:
        command = {k: v for k, v in command.items() if v is not None}
        key = _key(idempotency_key)
        # Read by the core straight from the dicts, no JSON text written and parsed between
        # (benches/README.md, session 18); a document that is not plain enough for that (or is
        # wrong) goes the JSON way, which converts what JSON converts and names what is wrong.
        order = self._native.execute_order_objects(actor, command, key, _json_default)
        if order is None:
            order = self._native.execute_order(_dumps(actor, "actor"), _dumps(command, "command"), key)
        return OrderView(order)

    def pay_order(self, actor: Actor, order_id: str, method: types.PaymentMethod = "card", capture: bool = True,
                  idempotency_key: Optional[str] = None) -> OrderView:
        """Pays what the order still owes: authorizes, and captures unless ``capture=False``."""
        return self._order(actor, {"command": "pay_order", "order_id": order_id, "method": method, "capture": capture},
                           idempotency_key)

    def capture_payment(self, actor: Actor, order_id: str, amount: Optional[Union[Decimal, int, str]] = None,
                        idempotency_key: Optional[str] = None) -> OrderView:
        """Captures authorized money (all that is capturable without ``amount``)."""
        return self._order(actor, {"command": "capture_payment", "order_id": order_id, "amount": amount},
                           idempotency_key)

    def refund_payment(self, actor: Actor, order_id: str, amount: Optional[Union[Decimal, int, str]] = None,
                       reason: Optional[str] = None, idempotency_key: Optional[str] = None) -> OrderView:
        """Refunds captured money (all that is refundable without ``amount``)."""
        return self._order(actor, {"command": "refund_payment", "order_id": order_id, "amount": amount,
                                   "reason": reason}, idempotency_key)

    def process_order(self, actor: Actor, order_id: str, idempotency_key: Optional[str] = None) -> OrderView:
        """Starts preparing the order (flows with a processing step)."""
        return self._order(actor, {"command": "process_order", "order_id": order_id}, idempotency_key)

    def ship_order(self, actor: Actor, order_id: str, lines: Optional[Sequence[Mapping[str, int]]] = None,
                   idempotency_key: Optional[str] = None) -> OrderView:
        """Ships ``lines`` (``[{"line": 0, "quantity": 1}]``), or every remaining unit."""
        return self._order(actor, {"command": "ship_order", "order_id": order_id,
                                   "lines": None if lines is None else list(lines)}, idempotency_key)

    def deliver_order(self, actor: Actor, order_id: str, idempotency_key: Optional[str] = None) -> OrderView:
        """Marks every shipment delivered."""
        return self._order(actor, {"command": "deliver_order", "order_id": order_id}, idempotency_key)

    def cancel_order(self, actor: Actor, order_id: str, reason: Optional[str] = None,
                     idempotency_key: Optional[str] = None) -> OrderView:
        """Cancels the order (releases stock, voids or refunds payments)."""
        return self._order(actor, {"command": "cancel_order", "order_id": order_id, "reason": reason},
                           idempotency_key)

    def cancel_unshipped(self, actor: Actor, order_id: str, reason: Optional[str] = None,
                         idempotency_key: Optional[str] = None) -> OrderView:
        """Cancels what a partly shipped order has not shipped (support staff): releases its
        stock and refunds exactly what those units cost; the order is then shipped."""
        return self._order(actor, {"command": "cancel_unshipped", "order_id": order_id, "reason": reason},
                           idempotency_key)

    def payment_webhook(self, provider: str, event_id: str, reference: str,
                        outcome: Literal["succeeded", "failed"], reason: Optional[str] = None,
                        order_id: Optional[str] = None) -> OrderView:
        """A payment provider's asynchronous result (as the system actor; deduplicated by event id)."""
        return self._order(SYSTEM, {"command": "payment_webhook", "provider": provider, "event_id": event_id,
                                    "reference": reference, "outcome": outcome, "reason": reason,
                                    "order_id": order_id}, None)

    def tracking_update(self, event_id: str, tracking_number: str,
                        status: Literal["shipped", "in_transit", "delivered", "exception"],
                        order_id: Optional[str] = None) -> OrderView:
        """A carrier's tracking update (as the system actor; deduplicated, never regressing)."""
        return self._order(SYSTEM, {"command": "tracking_update", "event_id": event_id,
                                    "tracking_number": tracking_number, "status": status, "order_id": order_id}, None)

    def request_return(self, actor: Actor, order_id: str, lines: Sequence[Mapping[str, Any]],
                       idempotency_key: Optional[str] = None) -> OrderView:
        """Asks to return delivered units (``[{"line": 0, "quantity": 1, "reason": "defective"}]``)."""
        return self._order(actor, {"command": "request_return", "order_id": order_id, "lines": list(lines)},
                           idempotency_key)

    def update_return(self, actor: Actor, order_id: str, return_id: str, action: types.ReturnAction,
                      received: Optional[Sequence[Mapping[str, Any]]] = None,
                      idempotency_key: Optional[str] = None) -> OrderView:
        """Moves a return along: approve, reject, schedule_pickup, mark_in_transit, receive, process,
        refund, cancel."""
        return self._order(actor, {"command": "update_return", "order_id": order_id, "return_id": return_id,
                                   "action": action, "received": None if received is None else list(received)},
                           idempotency_key)

    def set_stock(self, actor: Actor, sku: str, on_hand: int, location: Optional[str] = None,
                  backorder: bool = False, low_stock_threshold: Optional[int] = None,
                  idempotency_key: Optional[str] = None) -> "types.StockItem":
        """Sets a stock item (staff)."""
        command = {"command": "set_stock", "sku": sku, "on_hand": on_hand, "location": location,
                   "backorder": backorder, "low_stock_threshold": low_stock_threshold}
        return cast(types.StockItem, self.execute(actor, {k: v for k, v in command.items() if v is not None},
                                                  idempotency_key)["value"])

    def adjust_stock(self, actor: Actor, sku: str, delta: int, location: Optional[str] = None,
                     idempotency_key: Optional[str] = None) -> "types.StockItem":
        """Adds to (or with a negative ``delta`` removes from) on hand (staff)."""
        command = {"command": "adjust_stock", "sku": sku, "delta": delta, "location": location}
        return cast(types.StockItem, self.execute(actor, {k: v for k, v in command.items() if v is not None},
                                                  idempotency_key)["value"])

    def create_plan(self, actor: Actor, plan: "types.Plan", idempotency_key: Optional[str] = None) -> "types.PlanVersions":
        """Creates a subscription plan at version 1 (admin); returns the plan's versions."""
        command = {"command": "create_plan", "plan": dict(plan)}
        return cast(types.PlanVersions, self.execute(actor, command, idempotency_key)["value"])

    def reprice_plan(self, actor: Actor, plan_id: str, amount: Union[str, Decimal],
                     idempotency_key: Optional[str] = None) -> "types.PlanVersions":
        """A new price for a plan: its next version (admin). Its subscribers keep the version they pay."""
        command = {"command": "reprice_plan", "plan_id": plan_id, "amount": amount}
        return cast(types.PlanVersions, self.execute(actor, command, idempotency_key)["value"])

    def archive_plan(self, actor: Actor, plan_id: str, idempotency_key: Optional[str] = None) -> "types.PlanVersions":
        """Archives a plan in every version: no new subscriptions (admin)."""
        command = {"command": "archive_plan", "plan_id": plan_id}
        return cast(types.PlanVersions, self.execute(actor, command, idempotency_key)["value"])

    def get_plan(self, actor: Actor, plan_id: str) -> "types.PlanVersions":
        """A subscription plan with every version (any actor may read one)."""
        return cast(types.PlanVersions, self.query(actor, {"query": "get_plan", "plan_id": plan_id})["value"])

    def subscribe(self, actor: Actor, customer_id: str, plan_id: str, quantity: int = 1,
                  billing: Literal["anniversary", "calendar"] = "anniversary",
                  address: Optional[Mapping[str, Any]] = None, payment_method: Optional[str] = None,
                  coupon: Optional[str] = None, idempotency_key: Optional[str] = None) -> "types.Subscription":
        """Subscribes a customer to a plan's offered version: trialing, or incomplete with its
        first period invoiced (``latest_invoice``, open and numbered). With ``payment_method`` the
        scheduler (:meth:`tick`) charges its invoices; ``coupon`` discounts them (a promotion's
        code, for its ``duration_periods``)."""
        command = {"command": "subscribe", "customer_id": customer_id, "plan_id": plan_id, "quantity": quantity,
                   "billing": billing, "address": None if address is None else dict(address),
                   "payment_method": payment_method, "coupon": coupon}
        return cast(types.Subscription, self.execute(actor, {k: v for k, v in command.items() if v is not None},
                                                     idempotency_key)["value"])

    def cancel_subscription(self, actor: Actor, subscription_id: str, at_period_end: bool = False,
                            credit_unused: bool = False,
                            idempotency_key: Optional[str] = None) -> "types.Subscription":
        """Cancels a subscription now (``credit_unused``: the unused time paid for goes to the
        customer's balance), or at its current period's end."""
        command = {"command": "cancel_subscription", "subscription_id": subscription_id, "at_period_end": at_period_end,
                   "credit_unused": credit_unused}
        return cast(types.Subscription, self.execute(actor, command, idempotency_key)["value"])

    def keep_subscription(self, actor: Actor, subscription_id: str,
                          idempotency_key: Optional[str] = None) -> "types.Subscription":
        """Withdraws a cancellation scheduled for the period's end."""
        command = {"command": "keep_subscription", "subscription_id": subscription_id}
        return cast(types.Subscription, self.execute(actor, command, idempotency_key)["value"])

    def get_subscription(self, actor: Actor, subscription_id: str) -> "types.Subscription":
        """A subscription (another customer's raises :class:`NotFound`)."""
        query = {"query": "get_subscription", "subscription_id": subscription_id}
        return cast(types.Subscription, self.query(actor, query)["value"])

    def change_subscription(self, actor: Actor, subscription_id: str, plan_id: Optional[str] = None,
                            quantity: Optional[int] = None,
                            proration_behavior: Literal["create_prorations", "always_invoice", "none"] = "create_prorations",
                            at_period_end: bool = False, idempotency_key: Optional[str] = None) -> "types.Subscription":
        """Changes a subscription's plan (to its offered version) or seats, prorated by the second
        (``always_invoice``: invoiced now), or at the period's end."""
        command = {"command": "change_subscription", "subscription_id": subscription_id, "plan_id": plan_id,
                   "quantity": quantity, "proration_behavior": proration_behavior, "at_period_end": at_period_end}
        return cast(types.Subscription, self.execute(actor, {k: v for k, v in command.items() if v is not None},
                                                     idempotency_key)["value"])

    def renew_subscription(self, actor: Actor, subscription_id: str,
                           idempotency_key: Optional[str] = None) -> "types.Subscription":
        """Bills a subscription's due period now (the system or an admin): a trial that is over
        ends, a period that is over renews, a cancellation scheduled for its end takes effect;
        with nothing due the subscription comes back unchanged."""
        command = {"command": "renew_subscription", "subscription_id": subscription_id}
        return cast(types.Subscription, self.execute(actor, command, idempotency_key)["value"])

    def pause_subscription(self, actor: Actor, subscription_id: str,
                           idempotency_key: Optional[str] = None) -> "types.Subscription":
        """Pauses a subscription at once: nothing billed while paused, the unused time of the
        period paid for credited to the customer's balance."""
        command = {"command": "pause_subscription", "subscription_id": subscription_id}
        return cast(types.Subscription, self.execute(actor, command, idempotency_key)["value"])

    def resume_subscription(self, actor: Actor, subscription_id: str,
                            idempotency_key: Optional[str] = None) -> "types.Subscription":
        """Resumes a paused subscription: active on a schedule restarted now, its first period invoiced."""
        command = {"command": "resume_subscription", "subscription_id": subscription_id}
        return cast(types.Subscription, self.execute(actor, command, idempotency_key)["value"])

    def pay_invoice(self, actor: Actor, invoice_id: str, method: str = "card",
                    idempotency_key: Optional[str] = None) -> "types.Invoice":
        """Charges what an open invoice is due through the gateway; a decline raises
        :class:`PaymentDeclined` (the attempt is recorded on the invoice)."""
        command = {"command": "pay_invoice", "invoice_id": invoice_id, "method": method}
        return cast(types.Invoice, self.execute(actor, command, idempotency_key)["value"])

    def void_invoice(self, actor: Actor, invoice_id: str, idempotency_key: Optional[str] = None) -> "types.Invoice":
        """Voids an unpaid invoice (support staff); the credit balance it used is given back."""
        command = {"command": "void_invoice", "invoice_id": invoice_id}
        return cast(types.Invoice, self.execute(actor, command, idempotency_key)["value"])

    def mark_invoice_uncollectible(self, actor: Actor, invoice_id: str,
                                   idempotency_key: Optional[str] = None) -> "types.Invoice":
        """Marks an open invoice uncollectible (support staff); it can still be paid."""
        command = {"command": "mark_invoice_uncollectible", "invoice_id": invoice_id}
        return cast(types.Invoice, self.execute(actor, command, idempotency_key)["value"])

    def get_invoice(self, actor: Actor, invoice_id: str) -> "types.Invoice":
        """An invoice (another customer's raises :class:`NotFound`)."""
        return cast(types.Invoice, self.query(actor, {"query": "get_invoice", "invoice_id": invoice_id})["value"])

    def list_subscriptions(self, actor: Actor, customer_id: Optional[str] = None,
                           state: Optional[types.SubscriptionState] = None, limit: Optional[int] = None,
                           after: Optional[str] = None) -> "types.SubscriptionPage":
        """A page of subscriptions by creation (a customer sees only its own; ``next`` is the
        cursor of the following page)."""
        query = {"query": "list_subscriptions", "customer_id": customer_id, "state": state, "limit": limit,
                 "after": after}
        return cast(types.SubscriptionPage,
                    self.query(actor, {k: v for k, v in query.items() if v is not None})["value"])

    def list_invoices(self, actor: Actor, subscription_id: str, state: Optional[types.InvoiceState] = None,
                      limit: Optional[int] = None, after: Optional[str] = None) -> "types.InvoicePage":
        """A page of a subscription's invoices, oldest first (``next`` is the cursor of the
        following page)."""
        query = {"query": "list_invoices", "subscription_id": subscription_id, "state": state, "limit": limit,
                 "after": after}
        return cast(types.InvoicePage, self.query(actor, {k: v for k, v in query.items() if v is not None})["value"])

    def upcoming_invoice(self, actor: Actor, subscription_id: str) -> "types.Invoice":
        """What the subscription's next renewal will invoice (a draft; nothing is stored)."""
        query = {"query": "upcoming_invoice", "subscription_id": subscription_id}
        return cast(types.Invoice, self.query(actor, query)["value"])

    def list_orders(self, actor: Actor, customer_id: Optional[str] = None, state: Optional[types.OrderState] = None,
                    limit: Optional[int] = None, after: Optional[str] = None) -> "types.OrderPage":
        """A page of orders (``next`` is the cursor of the following page)."""
        query = {"query": "list_orders", "customer_id": customer_id, "state": state, "limit": limit, "after": after}
        return cast(types.OrderPage, self.query(actor, {k: v for k, v in query.items() if v is not None})["value"])

    def stock_levels(self, actor: Actor, sku: str) -> List["types.StockItem"]:
        """The stock of a sku at every location."""
        return cast(List[types.StockItem], self.query(actor, {"query": "stock_levels", "sku": sku})["value"])

    def list_returns(self, actor: Actor, order_id: str) -> List[Json]:
        """The return requests of an order."""
        return cast(List[Json], self.query(actor, {"query": "list_returns", "order_id": order_id})["value"])

    def available_actions(self, actor: Actor, order_id: str) -> List["types.OrderAction"]:
        """What the asking actor can do next to the order."""
        return cast(List[types.OrderAction], self.query(actor, {"query": "available_actions", "order_id": order_id})["value"])

    def shipping_rates(self, actor: Actor, address: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> List[Json]:
        """Shipping options and prices for an address and lines."""
        return cast(List[Json], self.query(actor, {"query": "shipping_rates", "address": dict(address),
                                                   "lines": list(lines)})["value"])
