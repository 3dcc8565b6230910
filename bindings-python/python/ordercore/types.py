"""TypedDicts of ordercore's documents, for editors and mypy: what goes in (commands, carts,
addresses) and what comes out (orders, breakdowns). Keys are the core's own, as in the shared test
vectors; amounts are ``Decimal`` (``int`` and ``str`` are accepted on input).

The documents carry more keys than listed where marked — these types name the ones a host uses
most, so a ``TypedDict`` with ``total=False`` means "may be absent", never "nothing else there".
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, List, Literal, Optional, TypedDict, Union

Amount = Decimal
AmountInput = Union[Decimal, int, str]

OrderState = Literal["pending", "confirmed", "processing", "partially_shipped", "shipped", "delivered",
                     "partially_returned", "returned", "cancelled"]
OrderAction = Literal["pay", "process", "ship", "deliver", "cancel", "request_return", "refund", "cancel_unshipped"]
PaymentMethod = Literal["card", "debit_card", "paypal", "apple_pay", "google_pay", "other"]
ReturnReason = Literal["defective", "wrong_item", "not_as_described", "no_longer_needed", "damaged_in_transit", "other"]
ReturnAction = Literal["approve", "reject", "schedule_pickup", "mark_in_transit", "receive", "process", "refund", "cancel"]


class Address(TypedDict, total=False):
    name: Optional[str]
    line1: Optional[str]
    line2: Optional[str]
    city: Optional[str]
    region: Optional[str]
    postal_code: Optional[str]
    country: str


class LineInput(TypedDict):
    sku: str
    quantity: int


class PaymentInput(TypedDict, total=False):
    method: PaymentMethod
    capture: bool


class _PlaceOrderRequired(TypedDict):
    customer_id: str
    lines: List[LineInput]
    shipping_address: Address


class PlaceOrderInput(_PlaceOrderRequired, total=False):
    """The body of ``Engine.place_order`` (``{"command": "place_order", …}`` for ``execute``)."""
    customer_groups: List[str]
    shipping_option: Optional[str]
    coupon_codes: List[str]
    payment: Optional[PaymentInput]
    flow: Optional[str]


class _CartLineRequired(TypedDict):
    sku: str
    unit_price: AmountInput
    quantity: int


class CartLine(_CartLineRequired, total=False):
    name: str
    category: Optional[str]
    tags: List[str]
    tax_class: str
    weight: Optional[AmountInput]


class _CartRequired(TypedDict):
    currency: str
    lines: List[CartLine]


class Cart(_CartRequired, total=False):
    """A cart to price (``Pricer.price``, ``Engine.price``)."""
    shipping: Optional[Dict[str, Any]]
    coupon_codes: List[str]
    customer: Dict[str, Any]
    address: Optional[Address]
    prices_include_tax: bool


class TaxLine(TypedDict, total=False):
    rate_id: str
    percentage: Decimal
    base: Amount
    exact: Decimal
    amount: Amount


class Adjustment(TypedDict, total=False):
    promotion_id: str
    base: Amount
    amount: Amount


class BreakdownLine(TypedDict, total=False):
    sku: str
    quantity: int
    unit_price: Amount
    base: Amount
    adjustments: List[Adjustment]
    discount: Amount
    net: Amount
    tax_lines: List[TaxLine]
    tax: Amount
    total: Amount


class PriceBreakdown(TypedDict, total=False):
    """Every number of a priced cart, and what made it (more keys: ``taxes``, ``promotions``,
    ``not_applied``, ``shipping``, rounding settings)."""
    currency: str
    lines: List[BreakdownLine]
    subtotal: Amount
    discount_total: Amount
    shipping_total: Amount
    tax_total: Amount
    grand_total: Amount
    taxes: List[Dict[str, Any]]
    promotions: List[Dict[str, Any]]
    not_applied: List[Dict[str, Any]]


class Payment(TypedDict, total=False):
    id: str
    method: PaymentMethod
    state: str
    authorized: Amount
    captured: Amount
    refunded: Amount
    released: Amount
    provider_reference: Optional[str]


class Transition(TypedDict):
    to: OrderState
    at: str
    actor: str
    reason: str


class Order(TypedDict, total=False):
    """An order document (more keys: ``allocations``, ``shipments``, ``returns``, …)."""
    id: str
    customer_id: str
    flow: str
    state: OrderState
    state_label: str
    currency: str
    lines: List[Dict[str, Any]]
    pricing: PriceBreakdown
    shipping_address: Optional[Address]
    payments: List[Payment]
    shipments: List[Dict[str, Any]]
    returns: List[Dict[str, Any]]
    history: List[Transition]
    created_at: str
    updated_at: str


class StockItem(TypedDict, total=False):
    sku: str
    location: str
    on_hand: int
    reserved: int
    backorder: bool
    low_stock_threshold: Optional[int]


class OrderPage(TypedDict):
    orders: List[Order]
    next: Optional[str]


class TickReport(TypedDict):
    expired: List[str]
    advanced: List[str]
    failed: List[List[str]]


class OutboxEntry(TypedDict):
    position: int
    event: Dict[str, Any]


# The host-store protocol (`ordercore::host::store`): what a `Store` is handed and answers.

class StoredDocument(TypedDict):
    """What :meth:`Store.load` answers for a stored document."""

    version: int
    document: str


class StoreWrite(TypedDict):
    """One document write of :meth:`Store.commit`; the index fields are ``None`` except for
    orders."""

    kind: str
    id: str
    expected_version: int
    document: str
    customer_id: Optional[str]
    state: Optional[str]
    created_at: Optional[str]
    due_at: Optional[str]


class StoreRecord(TypedDict):
    """The idempotency record of :meth:`Store.commit`."""

    key: str
    record: str


class OrderDocuments(TypedDict):
    """What :meth:`Store.find_orders` answers."""

    documents: List[str]
    more: bool


class PendingEvent(TypedDict):
    """One event :meth:`Store.pending_events` answers."""

    position: int
    event: str
