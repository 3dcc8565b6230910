"""TypedDicts of ordercore's documents, generated from the Rust types (docs/schema/) by
tools/typegen/make_types.py: do not edit. What goes in (commands, carts, configuration), what
comes out (orders, breakdowns, events, errors), and what host components are asked and answer
(the store protocol, gateways). Keys are the core's own; amounts are ``Decimal`` in answers and
``AmountInput`` (``Decimal``, ``int`` or ``str``) in inputs; instants are RFC 3339 text.
"""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Dict, List, Literal, Mapping, Optional, Tuple, TypedDict, Union, overload

Amount = Decimal
AmountInput = Union[Decimal, int, str]
Instant = str
InstantInput = Union[str, datetime.datetime]


# Staff roles. `Admin` may do everything; the others a part of it.
StaffRole = Literal["admin", "support", "warehouse"]


class CustomerActor(TypedDict):
    """A shopper: sees and acts on their own orders only."""
    type: Literal["customer"]
    id: str


class StaffActor(TypedDict):
    """A member of staff with a role."""
    type: Literal["staff"]
    id: str
    role: StaffRole


class SystemActor(TypedDict):
    """The scheduler and webhooks."""
    type: Literal["system"]


# The issuer of every command and query.
Actor = Union[CustomerActor, StaffActor, SystemActor]


class Address(TypedDict, total=False):
    """A postal address. Only `country` is needed to price; tax rules may also look at `region`
    and `postal_code`.
    """
    name: Optional[str]
    line1: Optional[str]
    line2: Optional[str]
    city: Optional[str]
    region: Optional[str]
    postal_code: Optional[str]
    country: str


class Adjustment(TypedDict):
    """One promotion's share of a line or of shipping."""
    promotion_id: str
    base: Amount
    amount: Amount


# What happens to a subscription when the last retry of its invoice is declined.
AfterRetries = Literal["cancel", "unpaid"]


class Allocation(TypedDict):
    """Where one order line's units are reserved."""
    line: int
    sku: str
    location: str
    quantity: int
    shipped: int
    returned: int


class AppliedPromotion(TypedDict):
    """A promotion that applied."""
    promotion_id: str
    code: Optional[str]
    base: Amount
    exact: Amount
    amount: Amount


class Dunning(TypedDict, total=False):
    """How the scheduler collects subscriptions (engine config `billing.dunning`)."""
    retry_days: List[int]
    after_retries: AfterRetries
    incomplete_hours: int
    trial_notice_days: int


class BillingConfig(TypedDict, total=False):
    """How the engine bills subscriptions."""
    invoice_prefix: str
    dunning: Dunning


# Where a subscription's periods are anchored.
BillingMode = Literal["anniversary", "calendar"]


class BillingStep(TypedDict):
    """One step the scheduler took for a subscription."""
    subscription_id: str
    step: str
    invoice_id: Optional[str]


# What kind of tax treatment a line or shipping charge gets.
#
# Serialized as a plain string: `"standard"`, `"reduced"`, `"zero"`, `"exempt"`, or any other
# name for a custom class (`"books"`).
TaxClass = str


class _CartLineRequired(TypedDict):
    sku: str
    unit_price: AmountInput
    quantity: int


class CartLine(_CartLineRequired, total=False):
    """One line of a cart."""
    name: str
    category: Optional[str]
    tags: List[str]
    tax_class: TaxClass
    weight: Optional[AmountInput]


class _ShippingChargeRequired(TypedDict):
    amount: AmountInput


class ShippingCharge(_ShippingChargeRequired, total=False):
    """The shipping charge of a cart."""
    method: str
    tax_class: TaxClass


class Customer(TypedDict, total=False):
    """The customer, as far as promotions and tax need to know."""
    id: Optional[str]
    groups: List[str]
    previous_orders: int
    tax_exempt: bool


class _CartRequired(TypedDict):
    currency: str
    lines: List[CartLine]


class Cart(_CartRequired, total=False):
    """A cart to price."""
    shipping: Optional[ShippingCharge]
    coupon_codes: List[str]
    customer: Customer
    address: Optional[Address]
    prices_include_tax: bool


class Collection(TypedDict):
    """An invoice the scheduler collects: the latest with something to charge. An earlier one
    still open stays payable (`pay_invoice`, a webhook) but is not retried.
    """
    invoice_id: str
    next_attempt_at: Instant


class LineInput(TypedDict):
    """One line asked for at checkout: a sku and a quantity. Prices come from the catalog."""
    sku: str
    quantity: int


# How the customer pays.
PaymentMethod = Literal["card", "debit_card", "paypal", "apple_pay", "google_pay", "other"]


class PaymentInput(TypedDict, total=False):
    """How the order is paid at placement."""
    method: PaymentMethod
    capture: bool


class _PlaceOrderRequired(TypedDict):
    customer_id: str
    lines: List[LineInput]
    shipping_address: Address


class PlaceOrder(_PlaceOrderRequired, total=False):
    """Place an order: price it from the catalog, reserve stock, count coupon uses, take payment,
    commit — or nothing but a record of a failed payment attempt.
    """
    customer_groups: List[str]
    shipping_option: Optional[str]
    coupon_codes: List[str]
    payment: Optional[PaymentInput]
    flow: Optional[str]


class ShipLine(TypedDict):
    """Units of one line to ship."""
    line: int
    quantity: int


# An asynchronous payment result reported by the provider.
WebhookOutcome = Literal["succeeded", "failed"]


# Where a shipment stands.
ShipmentState = Literal["shipped", "in_transit", "delivered", "exception"]


# Why the customer returns an item.
ReturnReason = Literal["defective", "wrong_item", "not_as_described", "no_longer_needed", "damaged_in_transit", "other"]


class ReturnLine(TypedDict):
    """Units of one line to return."""
    line: int
    quantity: int
    reason: ReturnReason


# What can be done to a return.
ReturnAction = Literal["approve", "reject", "schedule_pickup", "mark_in_transit", "receive", "process", "refund", "cancel"]


# The condition of a returned item, as received.
ItemCondition = Literal["sellable", "opened", "damaged", "unsellable"]


class ReceivedLine(TypedDict):
    """The condition of one returned line, as received."""
    line: int
    condition: ItemCondition


# The unit of a billing interval.
IntervalUnit = Literal["day", "week", "month", "year"]


class Interval(TypedDict):
    """A billing interval: `count` units (every 3 months, every 2 weeks)."""
    unit: IntervalUnit
    count: int


# How a plan's amount scales with the subscription's quantity.
PricingModel = Literal["flat", "per_seat"]


# Whether a plan is offered.
PlanStatus = Literal["active", "archived"]


class _PlanRequired(TypedDict):
    id: str
    name: str
    currency: str
    amount: Amount
    interval: Interval


class Plan(_PlanRequired, total=False):
    """One version of a plan."""
    version: int
    pricing: PricingModel
    setup_fee: Amount
    trial_days: int
    tax_class: TaxClass
    status: PlanStatus


# How a mid-period change is prorated.
ProrationBehavior = Literal["create_prorations", "always_invoice", "none"]


class PlaceOrderCommand(PlaceOrder):
    """See [`PlaceOrder`]."""
    command: Literal["place_order"]


class _PayOrderCommandRequired(TypedDict):
    command: Literal["pay_order"]
    order_id: str


class PayOrderCommand(_PayOrderCommandRequired, total=False):
    """Pay what an order still owes (customer or staff): authorize, and capture unless told not."""
    method: PaymentMethod
    capture: bool


class _CapturePaymentCommandRequired(TypedDict):
    command: Literal["capture_payment"]
    order_id: str


class CapturePaymentCommand(_CapturePaymentCommandRequired, total=False):
    """Capture authorized money (staff or system); all that is capturable if no amount."""
    amount: Optional[AmountInput]


class _RefundPaymentCommandRequired(TypedDict):
    command: Literal["refund_payment"]
    order_id: str


class RefundPaymentCommand(_RefundPaymentCommandRequired, total=False):
    """Refund captured money (staff); all that is refundable if no amount."""
    amount: Optional[AmountInput]
    reason: Optional[str]


class ProcessOrderCommand(TypedDict):
    """Start preparing (staff)."""
    command: Literal["process_order"]
    order_id: str


class _ShipOrderCommandRequired(TypedDict):
    command: Literal["ship_order"]
    order_id: str


class ShipOrderCommand(_ShipOrderCommandRequired, total=False):
    """Ship units (staff); every remaining unit if `lines` is absent."""
    lines: Optional[List[ShipLine]]


class DeliverOrderCommand(TypedDict):
    """Mark every shipment delivered (staff or system)."""
    command: Literal["deliver_order"]
    order_id: str


class _CancelOrderCommandRequired(TypedDict):
    command: Literal["cancel_order"]
    order_id: str


class CancelOrderCommand(_CancelOrderCommandRequired, total=False):
    """Cancel (the customer while the flow allows it, or staff)."""
    reason: Optional[str]


class _CancelUnshippedCommandRequired(TypedDict):
    command: Literal["cancel_unshipped"]
    order_id: str


class CancelUnshippedCommand(_CancelUnshippedCommandRequired, total=False):
    """Cancel what a partly shipped order has not shipped (support staff): its stock is
    released and what those units cost refunded; the order is then shipped.
    """
    reason: Optional[str]


class _PaymentWebhookCommandRequired(TypedDict):
    command: Literal["payment_webhook"]
    provider: str
    event_id: str
    reference: str
    outcome: WebhookOutcome


class PaymentWebhookCommand(_PaymentWebhookCommandRequired, total=False):
    """A provider's asynchronous payment result (system); deduplicated by `(provider, event_id)`."""
    reason: Optional[str]
    order_id: Optional[str]
    invoice_id: Optional[str]


class _TrackingUpdateCommandRequired(TypedDict):
    command: Literal["tracking_update"]
    event_id: str
    tracking_number: str
    status: ShipmentState


class TrackingUpdateCommand(_TrackingUpdateCommandRequired, total=False):
    """A carrier's tracking update (system); deduplicated by `event_id`, never regressing."""
    order_id: Optional[str]


class RequestReturnCommand(TypedDict):
    """Ask to return delivered units (the customer or staff), within the return window."""
    command: Literal["request_return"]
    order_id: str
    lines: List[ReturnLine]


class _UpdateReturnCommandRequired(TypedDict):
    command: Literal["update_return"]
    order_id: str
    return_id: str
    action: ReturnAction


class UpdateReturnCommand(_UpdateReturnCommandRequired, total=False):
    """Move a return along (staff): approve, reject, schedule pickup, in transit, receive (with
    conditions), process (restock), refund; the customer may cancel their own.
    """
    received: List[ReceivedLine]


class _SetStockCommandRequired(TypedDict):
    command: Literal["set_stock"]
    sku: str
    on_hand: int


class SetStockCommand(_SetStockCommandRequired, total=False):
    """Set a stock item (staff)."""
    location: Optional[str]
    backorder: bool
    low_stock_threshold: Optional[int]


class _AdjustStockCommandRequired(TypedDict):
    command: Literal["adjust_stock"]
    sku: str
    delta: int


class AdjustStockCommand(_AdjustStockCommandRequired, total=False):
    """Add to or remove from on hand (staff)."""
    location: Optional[str]


class CreatePlanCommand(TypedDict):
    """Create a subscription plan at version 1 (admin)."""
    command: Literal["create_plan"]
    plan: Plan


class RepricePlanCommand(TypedDict):
    """A new price for a plan: its next version, the one offered from now on (admin). Its
    subscribers keep paying the version they are on until they are moved.
    """
    command: Literal["reprice_plan"]
    plan_id: str
    amount: AmountInput


class ArchivePlanCommand(TypedDict):
    """Archive a plan in every version: no new subscriptions or changes onto it (admin)."""
    command: Literal["archive_plan"]
    plan_id: str


class _SubscribeCommandRequired(TypedDict):
    command: Literal["subscribe"]
    customer_id: str
    plan_id: str


class SubscribeCommand(_SubscribeCommandRequired, total=False):
    """Subscribe a customer to a plan's offered version (the customer itself, or support
    staff): trialing when the plan has trial days, else incomplete with its first period
    invoiced (finalized, numbered, open).
    """
    quantity: int
    billing: BillingMode
    address: Optional[Address]
    payment_method: Optional[PaymentMethod]
    coupon: Optional[str]


class _CancelSubscriptionCommandRequired(TypedDict):
    command: Literal["cancel_subscription"]
    subscription_id: str


class CancelSubscriptionCommand(_CancelSubscriptionCommandRequired, total=False):
    """Cancel a subscription now, or at its current period's end (the customer or support)."""
    at_period_end: bool
    credit_unused: bool


class KeepSubscriptionCommand(TypedDict):
    """Withdraw a cancellation scheduled for the period's end (the customer or support)."""
    command: Literal["keep_subscription"]
    subscription_id: str


class _ChangeSubscriptionCommandRequired(TypedDict):
    command: Literal["change_subscription"]
    subscription_id: str


class ChangeSubscriptionCommand(_ChangeSubscriptionCommandRequired, total=False):
    """Change a subscription's plan or seats (the customer or support), prorated by the second
    unless `proration_behavior` is `none` or the change waits for the period's end.
    """
    plan_id: Optional[str]
    quantity: Optional[int]
    proration_behavior: ProrationBehavior
    at_period_end: bool


class RenewSubscriptionCommand(TypedDict):
    """Bill a subscription's due period now (the system or an admin; the scheduler does it for
    every due subscription): a trial that is over ends and its first paid period is
    invoiced; a period that is over is renewed and the next one invoiced, with the
    prorations kept for it; a cancellation scheduled for the period's end takes effect.
    Nothing due: the subscription unchanged (a repeat bills nothing).
    """
    command: Literal["renew_subscription"]
    subscription_id: str


class PauseSubscriptionCommand(TypedDict):
    """Pause a subscription at once (the customer or support): nothing is billed while it
    lasts, and the unused time of the period paid for goes to the customer's credit balance.
    """
    command: Literal["pause_subscription"]
    subscription_id: str


class ResumeSubscriptionCommand(TypedDict):
    """Resume a paused subscription (the customer or support): active on a schedule restarted
    now, its first period invoiced now.
    """
    command: Literal["resume_subscription"]
    subscription_id: str


class VoidInvoiceCommand(TypedDict):
    """Void an invoice that is not paid (support): nothing is owed on it; the credit balance it
    used is given back.
    """
    command: Literal["void_invoice"]
    invoice_id: str


class MarkInvoiceUncollectibleCommand(TypedDict):
    """Mark an open invoice uncollectible (support): written off, still payable."""
    command: Literal["mark_invoice_uncollectible"]
    invoice_id: str


class _PayInvoiceCommandRequired(TypedDict):
    command: Literal["pay_invoice"]
    invoice_id: str


class PayInvoiceCommand(_PayInvoiceCommandRequired, total=False):
    """Charge what an open invoice is due through the payment gateway (the customer, support
    or the system). Approved: paid, and its subscription active. Declined:
    `payment_declined`, with the attempt recorded (an active subscription is then past due).
    """
    method: PaymentMethod


# Every mutating command. Serialized as `{"command": "place_order", ...fields}`.
Command = Union[PlaceOrderCommand, PayOrderCommand, CapturePaymentCommand, RefundPaymentCommand, ProcessOrderCommand, ShipOrderCommand, DeliverOrderCommand, CancelOrderCommand, CancelUnshippedCommand, PaymentWebhookCommand, TrackingUpdateCommand, RequestReturnCommand, UpdateReturnCommand, SetStockCommand, AdjustStockCommand, CreatePlanCommand, RepricePlanCommand, ArchivePlanCommand, SubscribeCommand, CancelSubscriptionCommand, KeepSubscriptionCommand, ChangeSubscriptionCommand, RenewSubscriptionCommand, PauseSubscriptionCommand, ResumeSubscriptionCommand, VoidInvoiceCommand, MarkInvoiceUncollectibleCommand, PayInvoiceCommand]


# The canonical order states.
OrderState = Literal["pending", "confirmed", "processing", "partially_shipped", "shipped", "delivered", "partially_returned", "returned", "cancelled"]


class OrderLine(TypedDict):
    """One line of an order, priced from the catalog at placement."""
    sku: str
    name: str
    quantity: int
    shipped: int
    delivered: int
    returned: int
    return_requested: int
    cancelled: int


class RegisteredCurrency(TypedDict):
    """A currency registered with the engine, as it is written out (schema only)."""
    code: str
    minor_units: int


# An ISO-4217 code (`"USD"`), or a registered currency with its minor units.
Currency = Union[str, RegisteredCurrency]


# How an amount between two minor units is rounded.
RoundingMode = Literal["half_up", "half_even"]


# Whether tax is rounded per line and rate, or once per rate on the whole order.
TaxRounding = Literal["per_line", "per_order"]


class UnitSplit(TypedDict):
    """An amount spread over the units of a line: every unit carries `amount`, and the first
    `plus_one_units` units carry one minor unit more. Kept in breakdowns so that a later refund of
    some units takes exactly their share, and refunding every unit sums to the whole.
    """
    amount: Amount
    plus_one_units: int


class TaxLine(TypedDict):
    """One rate's tax on a line or on shipping."""
    rate_id: str
    percentage: Amount
    base: Amount
    exact: Amount
    amount: Amount
    per_unit: UnitSplit


class LineBreakdown(TypedDict):
    """One priced line."""
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
    discount_per_unit: UnitSplit


class ShippingBreakdown(TypedDict):
    """The priced shipping charge."""
    method: str
    base: Amount
    adjustments: List[Adjustment]
    discount: Amount
    net: Amount
    tax_lines: List[TaxLine]
    tax: Amount
    total: Amount


class TaxSummary(TypedDict):
    """Tax of one rate on the whole order."""
    rate_id: str
    name: str
    jurisdiction: str
    percentage: Amount
    base: Amount
    amount: Amount


# Why a promotion or coupon code did not apply.
RejectionReason = Literal["unknown_code", "not_started", "expired", "currency_mismatch", "customer_group_not_eligible", "first_order_only", "usage_limit_reached", "customer_usage_limit_reached", "customer_required", "min_subtotal_not_met", "min_quantity_not_met", "no_eligible_items", "not_combinable"]


class NotApplied(TypedDict):
    """A promotion or coupon code that did not apply."""
    promotion_id: Optional[str]
    code: Optional[str]
    reason: RejectionReason


class PriceBreakdown(TypedDict):
    """The priced cart: every number, and what made it."""
    currency: Currency
    prices_include_tax: bool
    rounding: RoundingMode
    tax_rounding: TaxRounding
    lines: List[LineBreakdown]
    shipping: Optional[ShippingBreakdown]
    subtotal: Amount
    discount_total: Amount
    shipping_total: Amount
    tax_total: Amount
    grand_total: Amount
    taxes: List[TaxSummary]
    promotions: List[AppliedPromotion]
    not_applied: List[NotApplied]


# Where a payment stands.
PaymentState = Literal["pending", "authorized", "captured", "partially_refunded", "refunded", "failed", "voided"]


class Payment(TypedDict):
    """A payment of an order."""
    id: str
    method: PaymentMethod
    state: PaymentState
    amount: Amount
    authorized: Amount
    captured: Amount
    refunded: Amount
    released: Amount
    provider_reference: Optional[str]
    failure_reason: Optional[str]
    capture: bool
    captures: int
    refunds: int
    created_at: Instant


class Shipment(TypedDict):
    """Units of an order on their way."""
    id: str
    carrier: str
    service: str
    tracking_number: str
    label_reference: str
    lines: List[Tuple[int, int]]
    state: ShipmentState
    shipped_at: Instant
    delivered_at: Optional[Instant]


# Where a return stands.
ReturnState = Literal["requested", "approved", "pickup_scheduled", "in_transit", "received", "processed", "refunded", "rejected", "cancelled"]


class ReturnItem(TypedDict):
    """Units of one order line in a return."""
    line: int
    quantity: int
    reason: ReturnReason
    condition: Optional[ItemCondition]
    first_unit: int


class ReturnRequest(TypedDict):
    """A return request (RMA)."""
    id: str
    state: ReturnState
    items: List[ReturnItem]
    items_amount: Amount
    shipping_amount: Amount
    restocking_fee: Amount
    refund_amount: Amount
    refunded: Amount
    requested_at: Instant
    history: List[Tuple[ReturnState, ReturnState, Instant, str]]


# One entry of the audit trail.
Transition = TypedDict("Transition", {"from": "Optional[OrderState]", "to": "OrderState", "at": "Instant", "actor": "str", "reason": "str"})


class Order(TypedDict):
    """An order: lines, prices, payments, shipments, returns, stock allocations, audit trail."""
    id: str
    customer_id: str
    flow: str
    state: OrderState
    state_label: str
    currency: str
    lines: List[OrderLine]
    pricing: PriceBreakdown
    shipping_address: Optional[Address]
    shipping_option: Optional[str]
    coupon_codes: List[str]
    allocations: List[Allocation]
    payments: List[Payment]
    shipments: List[Shipment]
    returns: List[ReturnRequest]
    history: List[Transition]
    created_at: Instant
    updated_at: Instant
    reservation_expires_at: Optional[Instant]
    due_at: Optional[Instant]
    event_sequence: int
    processed_webhooks: List[str]


class StockItem(TypedDict):
    """Stock of one sku at one location: its settings and its counts."""
    sku: str
    location: str
    on_hand: int
    reserved: int
    backorder: bool
    low_stock_threshold: Optional[int]
    event_sequence: int


class PlanVersions(TypedDict):
    """Every version of one plan: the newest, and those before it."""
    latest: Plan
    earlier: List[Plan]
    event_sequence: int


# Where a subscription stands.
SubscriptionState = Literal["incomplete", "incomplete_expired", "trialing", "active", "past_due", "unpaid", "canceled", "paused"]


class Schedule(TypedDict):
    """A subscription's periods: where they start, how long they are, how they are anchored."""
    start: Instant
    interval: Interval
    mode: BillingMode


class PendingChange(TypedDict):
    """A change waiting for the current period's end."""
    plan_id: str
    plan_version: int
    quantity: int


# What happens to a subscription.
SubscriptionAction = Literal["activate", "expire", "end_trial", "renew", "fail_payment", "recover", "mark_unpaid", "change", "pause", "resume", "cancel"]


# One change of a subscription's state, for the audit trail.
SubscriptionTransition = TypedDict("SubscriptionTransition", {"from": "Optional[SubscriptionState]", "to": "SubscriptionState", "action": "Optional[SubscriptionAction]", "at": "Instant", "actor": "str"})


class Discount(TypedDict):
    """A coupon on a subscription: applied to each of its invoices' charges (by the promotion
    engine, as a cart's coupon) for as many period invoices as its promotion says.
    """
    coupon: str
    promotion_id: str
    periods_left: Optional[int]


# What an invoice line is for.
LineKind = Literal["period", "setup_fee", "proration_charge", "proration_credit", "item"]


class Period(TypedDict):
    """One billing period."""
    index: int
    start: Instant
    end: Instant
    full_seconds: int


class InvoiceItem(TypedDict):
    """Something to bill (a credit's amount is given as a positive number: its kind says it is one)."""
    kind: LineKind
    description: str
    unit_amount: Amount
    quantity: int
    tax_class: TaxClass
    period: Optional[Period]


class Subscription(TypedDict):
    """A customer's subscription to a plan."""
    id: str
    customer_id: str
    plan_id: str
    plan_version: int
    quantity: int
    state: SubscriptionState
    schedule: Schedule
    next_period: int
    current_period_start: Instant
    current_period_end: Instant
    trial_end: Optional[Instant]
    cancel_at_period_end: bool
    pending_change: Optional[PendingChange]
    ended_at: Optional[Instant]
    created_at: Instant
    history: List[SubscriptionTransition]
    address: Optional[Address]
    latest_invoice: Optional[str]
    discount: Optional[Discount]
    invoices: List[str]
    pending_items: List[InvoiceItem]
    event_sequence: int
    payment_method: Optional[PaymentMethod]
    collecting: Optional[Collection]
    charge_pending: bool
    trial_notice_sent: bool
    due_at: Optional[Instant]


# Where an invoice stands.
InvoiceState = Literal["draft", "open", "paid", "void", "uncollectible"]


class InvoiceLine(TypedDict):
    """A priced invoice line; a credit's amounts are negative."""
    kind: LineKind
    description: str
    quantity: int
    unit_amount: Amount
    amount: Amount
    discount: Amount
    tax: Amount
    total: Amount
    period: Optional[Period]


class Invoice(TypedDict):
    """An invoice."""
    id: str
    number: Optional[str]
    customer_id: str
    subscription_id: Optional[str]
    currency: str
    state: InvoiceState
    lines: List[InvoiceLine]
    subtotal: Amount
    discount_total: Amount
    tax_total: Amount
    total: Amount
    credit_carried: Amount
    credit_applied: Amount
    amount_due: Amount
    created_at: Instant
    finalized_at: Optional[Instant]
    attempts: int
    payment_pending: bool
    payment_reference: Optional[str]
    last_payment_error: Optional[str]
    paid_at: Optional[Instant]
    event_sequence: int
    processed_webhooks: List[str]


class OrderCommandOutput(TypedDict):
    """The order as committed (the very copy the engine handed the store: no copy made)."""
    type: Literal["order"]
    value: Order


class StockCommandOutput(TypedDict):
    """The stock item as committed."""
    type: Literal["stock"]
    value: StockItem


class PlanCommandOutput(TypedDict):
    """The plan as committed, every version."""
    type: Literal["plan"]
    value: PlanVersions


class SubscriptionCommandOutput(TypedDict):
    """The subscription as committed."""
    type: Literal["subscription"]
    value: Subscription


class InvoiceCommandOutput(TypedDict):
    """The invoice as committed."""
    type: Literal["invoice"]
    value: Invoice


# What a command answers.
CommandOutput = Union[OrderCommandOutput, StockCommandOutput, PlanCommandOutput, SubscriptionCommandOutput, InvoiceCommandOutput]


class WriteRequest(TypedDict):
    """One document write of a [`CommitRequest`]; the index fields are `null` except for orders."""
    kind: str
    id: str
    expected_version: int
    document: str
    customer_id: Optional[str]
    state: Optional[str]
    created_at: Optional[str]
    due_at: Optional[str]


class CounterRequest(TypedDict):
    """One counter change of a [`CommitRequest`]."""
    name: str
    delta: int
    min: Optional[int]
    max: Optional[int]


class RecordRequest(TypedDict):
    """The idempotency record of a [`CommitRequest`]."""
    key: str
    record: str


class CommitRequest(TypedDict):
    """`commit`'s request: everything one command changes, to store all together or not at all."""
    writes: List[WriteRequest]
    counters: List[CounterRequest]
    events: List[str]
    idempotency: Optional[RecordRequest]


# `commit`'s answer (`null` reads as `ok`).
CommitStatus = Literal["ok", "version_conflict", "idempotency_conflict"]


class Conditions(TypedDict, total=False):
    """When a promotion applies. Every condition set must hold."""
    starts_at: Optional[InstantInput]
    ends_at: Optional[InstantInput]
    min_subtotal: Optional[AmountInput]
    min_quantity: Optional[int]
    customer_groups: List[str]
    first_order_only: bool


class CountersRequest(TypedDict):
    """`counters`' request."""
    names: List[str]


class DomainEvent(TypedDict):
    """One event: who it is about, when, its place in its aggregate's sequence, and what happened."""
    id: str
    aggregate: str
    sequence: int
    order_id: Optional[str]
    customer_id: Optional[str]
    at: Instant
    correlation_id: Optional[str]


class PercentageEffect(TypedDict):
    """A percentage of the target's amount, rounded once for the whole promotion."""
    type: Literal["percentage"]
    percentage: AmountInput


class FixedAmountEffect(TypedDict):
    """A fixed amount off the target as a whole (never more than the target's amount)."""
    type: Literal["fixed_amount"]
    amount: AmountInput


class _BuyXGetYEffectRequired(TypedDict):
    type: Literal["buy_x_get_y"]
    buy: int
    get: int
    percentage: AmountInput


class BuyXGetYEffect(_BuyXGetYEffectRequired, total=False):
    """For every `buy + get` eligible units, the `get` cheapest are discounted by `percentage`.
    Units used to qualify are not discounted.
    """
    max_applications: Optional[int]


# What a promotion takes off.
Effect = Union[PercentageEffect, FixedAmountEffect, BuyXGetYEffect]


class Limits(TypedDict, total=False):
    """Input limits; exceeding one is a `limit_exceeded` error naming the field."""
    max_lines: int
    max_quantity: int
    max_string_len: int
    max_text_len: int
    max_coupon_codes: int
    max_tags: int


class PricingConfig(TypedDict, total=False):
    """Pricing configuration."""
    rounding: RoundingMode
    tax_rounding: TaxRounding
    limits: Limits


class _OrderFlowRequired(TypedDict):
    name: str
    confirm_on_payment: bool
    processing_step: bool
    cancellable: List[OrderState]


class OrderFlow(_OrderFlowRequired, total=False):
    """A shop's order flow: the canonical machine, configured."""
    auto_process_after_minutes: Optional[int]
    labels: Dict[str, str]


class EngineConfig(TypedDict, total=False):
    """Engine configuration. Every choice a demanding shop makes differently is here."""
    currency: str
    prices_include_tax: bool
    pricing: PricingConfig
    flows: List[OrderFlow]
    default_flow: str
    locations: List[str]
    reservation_ttl_minutes: int
    return_window_days: int
    restocking_fee_percent: AmountInput
    refund_shipping_on_full_return: bool
    max_retries: int
    billing: BillingConfig


class _ProductRequired(TypedDict):
    sku: str
    unit_price: AmountInput


class Product(_ProductRequired, total=False):
    """A product as the catalog knows it."""
    name: str
    category: Optional[str]
    tags: List[str]
    tax_class: TaxClass
    weight: Optional[AmountInput]


class LineSelector(TypedDict, total=False):
    """Selects lines by sku, category or tag; a line matching any of them is selected."""
    skus: List[str]
    categories: List[str]
    tags: List[str]


class OrderTarget(TypedDict):
    """Every line of the order."""
    type: Literal["order"]


class LinesTarget(LineSelector):
    """Lines whose sku, category or one of whose tags is listed."""
    type: Literal["lines"]


class ShippingTarget(TypedDict):
    """The shipping charge (`percentage: 100` is free shipping)."""
    type: Literal["shipping"]


# What a promotion applies to.
Target = Union[OrderTarget, LinesTarget, ShippingTarget]


class _PromotionRequired(TypedDict):
    id: str
    effect: Effect


class Promotion(_PromotionRequired, total=False):
    """A promotion: automatic (no `code`) or a coupon (with `code`)."""
    name: str
    code: Optional[str]
    target: Target
    priority: int
    exclusive: bool
    combinable_with: Optional[List[str]]
    currency: Optional[str]
    conditions: Conditions
    usage_limit: Optional[int]
    usage_limit_per_customer: Optional[int]
    duration_periods: Optional[int]


class _TaxRuleRequired(TypedDict):
    id: str
    name: str
    country: str
    percentage: AmountInput


class TaxRule(_TaxRuleRequired, total=False):
    """One row of a [`TaxTable`]."""
    region: Optional[str]
    postal_code_prefix: Optional[str]
    tax_class: Optional[TaxClass]
    combinable: bool


class WeightBand(TypedDict):
    """One weight band."""
    up_to_kg: AmountInput
    amount: AmountInput


class FlatRateTable(TypedDict):
    """One price."""
    type: Literal["flat"]
    amount: AmountInput


class WeightBandsRateTable(TypedDict):
    """Priced by total weight: the first band whose `up_to_kg` is ≥ the weight."""
    type: Literal["weight_bands"]
    bands: List[WeightBand]


# How a table rate is priced.
RateTable = Union[FlatRateTable, WeightBandsRateTable]


class _TableRateRequired(TypedDict):
    option_id: str
    carrier: str
    service: str
    table: RateTable


class TableRate(_TableRateRequired, total=False):
    """One option of a [`TableRateCarrier`]."""
    countries: List[str]
    free_over: Optional[AmountInput]
    estimated_days: Optional[int]


class TableRateCarrier(TypedDict):
    """A carrier priced from a table: flat rates, weight bands, free over a threshold."""
    rates: List[TableRate]


class ApproveScripted(TypedDict):
    """Approve."""
    type: Literal["approve"]


class DeclineScripted(TypedDict):
    """Decline with a reason."""
    type: Literal["decline"]
    reason: str


class PendingScripted(TypedDict):
    """Answer pending; the host later sends a webhook (authorizations only: other operations
    are approved).
    """
    type: Literal["pending"]


class TimeoutAfterSuccessScripted(TypedDict):
    """Perform the operation but answer with a timeout (a retry with the same key then gets
    the approval): the classic double-charge trap.
    """
    type: Literal["timeout_after_success"]


class TransientErrorScripted(TypedDict):
    """Fail without performing anything."""
    type: Literal["transient_error"]


# A scripted outcome of [`FakePaymentGateway`].
Scripted = Union[ApproveScripted, DeclineScripted, PendingScripted, TimeoutAfterSuccessScripted, TransientErrorScripted]


class CommitStoreScripted(TypedDict):
    """Commit normally."""
    type: Literal["commit"]


class ConflictStoreScripted(TypedDict):
    """Another writer got there first: `version_conflict`, nothing written (the engine decides
    again, up to its `max_retries`).
    """
    type: Literal["conflict"]


class FailStoreScripted(TypedDict):
    """The store is down: `provider_error`, nothing written."""
    type: Literal["fail"]


class LoseAckStoreScripted(TypedDict):
    """The commit lands but its acknowledgement is lost: everything written, and
    `provider_error` answered (a retry with the same idempotency key finds the record).
    """
    type: Literal["lose_ack"]


# What a [`ScriptedStore`] does with one commit.
StoreScripted = Union[CommitStoreScripted, ConflictStoreScripted, FailStoreScripted, LoseAckStoreScripted]


class EngineSpec(TypedDict, total=False):
    """How an engine is built from one document — what the bindings pass as JSON, and what a Rust
    host can read with serde or write by hand ([`Engine::from_spec`]): `{"engine": {...},
    "products": [...], "promotions": [...], "tax_rules": [...], "carrier": {...}, "clock":
    "2026-06-01T12:00:00Z", "id_seed": 7}`; every key is optional. `clock` fixes the time (tests, simulations); without it the system clock is
    used. `id_seed` makes UUID-shaped ids; without it ids are sequential.
    """
    engine: EngineConfig
    products: List[Product]
    promotions: List[Promotion]
    tax_rules: List[TaxRule]
    carrier: Optional[TableRateCarrier]
    clock: Optional[InstantInput]
    id_seed: Optional[int]
    payment_script: List[Scripted]
    store_script: List[StoreScripted]


class InvalidInputErrorDocument(TypedDict):
    """A field holds a value that is not allowed (zero quantity, negative price, empty sku, …)."""
    code: Literal["invalid_input"]
    field: str
    message: str


class UnknownCurrencyErrorDocument(TypedDict):
    """A currency code that is neither built in nor registered."""
    code: Literal["unknown_currency"]
    field: str
    currency: str


class CurrencyMismatchErrorDocument(TypedDict):
    """Two amounts in different currencies were combined."""
    code: Literal["currency_mismatch"]
    field: str
    expected: str
    found: str


class TooManyDecimalsErrorDocument(TypedDict):
    """An amount has more decimal places than its currency's minor unit allows
    (typically a float-derived price such as `19.990000000000002`).
    """
    code: Literal["too_many_decimals"]
    field: str
    amount: str
    currency: str
    minor_units: int


class AmountOverflowErrorDocument(TypedDict):
    """Arithmetic left the representable decimal range."""
    code: Literal["amount_overflow"]
    field: str


class LimitExceededErrorDocument(TypedDict):
    """A configured limit (lines per cart, quantity, string length, …) was exceeded."""
    code: Literal["limit_exceeded"]
    field: str
    limit: int


class NotFoundErrorDocument(TypedDict):
    """No such order, payment, shipment, return or stock item — or one the actor may not see."""
    code: Literal["not_found"]
    entity: str
    id: str


class ForbiddenErrorDocument(TypedDict):
    """The actor may not do this."""
    code: Literal["forbidden"]
    action: str
    actor: str


class InvalidTransitionErrorDocument(TypedDict):
    """The action is not allowed in the current state."""
    code: Literal["invalid_transition"]
    entity: str
    state: str
    action: str
    allowed: List[str]


class InsufficientStockErrorDocument(TypedDict):
    """Not enough stock to reserve."""
    code: Literal["insufficient_stock"]
    sku: str
    requested: int
    available: int


class VersionConflictErrorDocument(TypedDict):
    """Another writer changed a document first; the engine retries a bounded number of times
    before reporting this.
    """
    code: Literal["version_conflict"]
    key: str


class IdempotencyConflictErrorDocument(TypedDict):
    """The idempotency key was used before with a different request."""
    code: Literal["idempotency_conflict"]
    key: str


class PaymentDeclinedErrorDocument(TypedDict):
    """The payment provider declined."""
    code: Literal["payment_declined"]
    reason: str


class GatewayUnavailableErrorDocument(TypedDict):
    """The payment provider could not be reached or timed out; retrying the same command with
    the same idempotency key is safe (the provider sees the same provider key).
    """
    code: Literal["gateway_unavailable"]
    message: str


class RefundExceedsCapturedErrorDocument(TypedDict):
    """A refund larger than what remains captured."""
    code: Literal["refund_exceeds_captured"]
    requested: str
    refundable: str


class CaptureExceedsAuthorizedErrorDocument(TypedDict):
    """A capture larger than what remains authorized."""
    code: Literal["capture_exceeds_authorized"]
    requested: str
    capturable: str


class CouponRejectedErrorDocument(TypedDict):
    """A coupon code entered at checkout that does not apply."""
    code: Literal["coupon_rejected"]
    coupon: str
    reason: str


class InvalidSignatureErrorDocument(TypedDict):
    """A webhook whose signature or timestamp does not verify."""
    code: Literal["invalid_signature"]
    message: str


class ProviderErrorErrorDocument(TypedDict):
    """A host-provided component (tax provider, store, gateway) failed."""
    code: Literal["provider_error"]
    component: str
    message: str


# Everything that can go wrong in ordercore.
#
# Validation errors carry the path of the offending input field (`lines[3].quantity`), in the
# same spelling as the serialized input, so a host can point a user at it.
#
# Serialized as an object whose `code` is [`Error::code`] and whose other keys are the variant's
# fields: the shape every binding exposes as error details.
ErrorDocument = Union[InvalidInputErrorDocument, UnknownCurrencyErrorDocument, CurrencyMismatchErrorDocument, TooManyDecimalsErrorDocument, AmountOverflowErrorDocument, LimitExceededErrorDocument, NotFoundErrorDocument, ForbiddenErrorDocument, InvalidTransitionErrorDocument, InsufficientStockErrorDocument, VersionConflictErrorDocument, IdempotencyConflictErrorDocument, PaymentDeclinedErrorDocument, GatewayUnavailableErrorDocument, RefundExceedsCapturedErrorDocument, CaptureExceedsAuthorizedErrorDocument, CouponRejectedErrorDocument, InvalidSignatureErrorDocument, ProviderErrorErrorDocument]


class FindRequest(TypedDict):
    """`find`'s request; `null` fields do not filter."""
    kind: str
    customer_id: Optional[str]
    state: Optional[str]
    due_before: Optional[str]
    after_created_at: Optional[str]
    after_id: Optional[str]
    limit: int


class FoundAnswer(TypedDict):
    """`find`'s answer."""
    documents: List[str]
    more: bool


# What the gateway is asked to do.
GatewayOperation = Literal["authorize", "authorize_and_capture", "capture", "refund", "void"]


class ApprovedGatewayOutcome(TypedDict):
    """Done."""
    status: Literal["approved"]
    reference: str


class DeclinedGatewayOutcome(TypedDict):
    """Refused; nothing happened."""
    status: Literal["declined"]
    reason: str


class PendingGatewayOutcome(TypedDict):
    """Accepted; the result comes later by webhook."""
    status: Literal["pending"]
    reference: str


# What the provider answered.
GatewayOutcome = Union[ApprovedGatewayOutcome, DeclinedGatewayOutcome, PendingGatewayOutcome]


class GatewayRequest(TypedDict):
    """One call to the payment provider."""
    operation: GatewayOperation
    idempotency_key: str
    payment_id: str
    order_id: str
    invoice_id: Optional[str]
    customer_id: str
    amount: Amount
    currency: str
    method: PaymentMethod
    provider_reference: Optional[str]


class IdempotencyRequest(TypedDict):
    """`idempotency`'s request."""
    key: str


class InvoicePage(TypedDict):
    """One page of invoices."""
    invoices: List[Invoice]
    next: Optional[str]


class _InvoiceQueryRequired(TypedDict):
    subscription_id: str


class InvoiceQuery(_InvoiceQueryRequired, total=False):
    """A filter over one subscription's invoices, oldest first."""
    state: Optional[InvoiceState]
    after: Optional[str]
    limit: Optional[int]


class Label(TypedDict):
    """A label bought for a shipment."""
    carrier: str
    tracking_number: str
    label_reference: str


class LoadRequest(TypedDict):
    """`load`'s request: which document."""
    kind: str
    id: str


class MarkDeliveredRequest(TypedDict):
    """`mark_delivered`'s request."""
    positions: List[int]


# What can be done to an order. Payment-level actions (`capture`, `refund`) act on the order's
# payments and move the order when they complete it.
OrderAction = Literal["pay", "process", "ship", "deliver", "cancel", "request_return", "refund", "cancel_unshipped"]


class OrderPage(TypedDict):
    """One page of orders."""
    orders: List[Order]
    next: Optional[str]


class OrderQuery(TypedDict, total=False):
    """A filter over orders, with stable pagination."""
    customer_id: Optional[str]
    state: Optional[OrderState]
    due_before: Optional[InstantInput]
    after: Optional[str]
    limit: Optional[int]


class OutboxEntry(TypedDict):
    """An event in the outbox with its position."""
    position: int
    event: DomainEvent


class PendingEvent(TypedDict):
    """One event of `pending_events`'s answer."""
    position: int
    event: str


class PendingEventsRequest(TypedDict):
    """`pending_events`'s request."""
    limit: int


class Usage(TypedDict, total=False):
    """How often a promotion has been used, as the engine counts it."""
    total: int
    by_customer: int


class _PricingContextRequired(TypedDict):
    now: InstantInput


class PricingContext(_PricingContextRequired, total=False):
    """What pricing needs from outside the cart: the time, and promotion usage counts."""
    usage: Dict[str, Usage]


class SubscriptionQuery(TypedDict, total=False):
    """A filter over subscriptions, with stable pagination (by creation, oldest first)."""
    customer_id: Optional[str]
    state: Optional[SubscriptionState]
    after: Optional[str]
    limit: Optional[int]


class GetOrderQuery(TypedDict):
    """One order."""
    query: Literal["get_order"]
    order_id: str


class ListOrdersQuery(OrderQuery):
    """Orders by customer and/or state, paginated."""
    query: Literal["list_orders"]


class StockLevelsQuery(TypedDict):
    """Stock of a sku at every configured location."""
    query: Literal["stock_levels"]
    sku: str


class ListReturnsQuery(TypedDict):
    """The return requests of an order."""
    query: Literal["list_returns"]
    order_id: str


class AvailableActionsQuery(TypedDict):
    """What can be done next to an order by the asking actor."""
    query: Literal["available_actions"]
    order_id: str


class ShippingRatesQuery(TypedDict):
    """Shipping options and prices for an address and lines."""
    query: Literal["shipping_rates"]
    address: Address
    lines: List[LineInput]


class GetPlanQuery(TypedDict):
    """A subscription plan, every version."""
    query: Literal["get_plan"]
    plan_id: str


class GetSubscriptionQuery(TypedDict):
    """A subscription (another customer's is `not_found`)."""
    query: Literal["get_subscription"]
    subscription_id: str


class GetInvoiceQuery(TypedDict):
    """An invoice (another customer's is `not_found`)."""
    query: Literal["get_invoice"]
    invoice_id: str


class ListSubscriptionsQuery(SubscriptionQuery):
    """Subscriptions by customer and/or state, paginated."""
    query: Literal["list_subscriptions"]


class ListInvoicesQuery(InvoiceQuery):
    """A subscription's invoices, oldest first, by state, paginated."""
    query: Literal["list_invoices"]


class UpcomingInvoiceQuery(TypedDict):
    """What the subscription's next renewal would invoice, at the time it would, with the
    customer's balance as it is now — computed, nothing stored (no number is taken).
    """
    query: Literal["upcoming_invoice"]
    subscription_id: str


# Every query. Serialized as `{"query": "get_order", ...fields}`.
Query = Union[GetOrderQuery, ListOrdersQuery, StockLevelsQuery, ListReturnsQuery, AvailableActionsQuery, ShippingRatesQuery, GetPlanQuery, GetSubscriptionQuery, GetInvoiceQuery, ListSubscriptionsQuery, ListInvoicesQuery, UpcomingInvoiceQuery]


class _ShippingRateRequired(TypedDict):
    option_id: str
    carrier: str
    service: str
    amount: Amount


class ShippingRate(_ShippingRateRequired, total=False):
    """A priced shipping option."""
    estimated_days: Optional[int]


class SubscriptionPage(TypedDict):
    """One page of subscriptions."""
    subscriptions: List[Subscription]
    next: Optional[str]


class OrderQueryOutput(TypedDict):
    """One order."""
    type: Literal["order"]
    value: Order


class OrdersQueryOutput(TypedDict):
    """A page of orders."""
    type: Literal["orders"]
    value: OrderPage


class StockQueryOutput(TypedDict):
    """Stock items."""
    type: Literal["stock"]
    value: List[StockItem]


class ActionsQueryOutput(TypedDict):
    """Actions."""
    type: Literal["actions"]
    value: List[OrderAction]


class RatesQueryOutput(TypedDict):
    """Shipping rates."""
    type: Literal["rates"]
    value: List[ShippingRate]


class ReturnsQueryOutput(TypedDict):
    """Return requests."""
    type: Literal["returns"]
    value: List[ReturnRequest]


class PlanQueryOutput(TypedDict):
    """A subscription plan, every version."""
    type: Literal["plan"]
    value: PlanVersions


class SubscriptionQueryOutput(TypedDict):
    """A subscription."""
    type: Literal["subscription"]
    value: Subscription


class InvoiceQueryOutput(TypedDict):
    """An invoice."""
    type: Literal["invoice"]
    value: Invoice


class SubscriptionsQueryOutput(TypedDict):
    """A page of subscriptions."""
    type: Literal["subscriptions"]
    value: SubscriptionPage


class InvoicesQueryOutput(TypedDict):
    """A page of invoices."""
    type: Literal["invoices"]
    value: InvoicePage


# What a query answers.
QueryOutput = Union[OrderQueryOutput, OrdersQueryOutput, StockQueryOutput, ActionsQueryOutput, RatesQueryOutput, ReturnsQueryOutput, PlanQueryOutput, SubscriptionQueryOutput, InvoiceQueryOutput, SubscriptionsQueryOutput, InvoicesQueryOutput]


class StoredDocument(TypedDict):
    """`load`'s answer for a stored document."""
    version: int
    document: str


class TaxRate(TypedDict):
    """One rate that applies to a taxable amount."""
    id: str
    name: str
    jurisdiction: str
    percentage: AmountInput


class TickReport(TypedDict):
    """What one scheduler tick did."""
    expired: List[str]
    advanced: List[str]
    failed: List[Tuple[str, str]]
    billing: List[BillingStep]


class OrderFields(Mapping[str, Any]):
    """The keys of :class:`Order` with their types, read from a view that converts on read."""

    if TYPE_CHECKING:
        @overload
        def __getitem__(self, key: Literal["id"]) -> str: ...

        @overload
        def __getitem__(self, key: Literal["customer_id"]) -> str: ...

        @overload
        def __getitem__(self, key: Literal["flow"]) -> str: ...

        @overload
        def __getitem__(self, key: Literal["state"]) -> OrderState: ...

        @overload
        def __getitem__(self, key: Literal["state_label"]) -> str: ...

        @overload
        def __getitem__(self, key: Literal["currency"]) -> str: ...

        @overload
        def __getitem__(self, key: Literal["lines"]) -> List[OrderLine]: ...

        @overload
        def __getitem__(self, key: Literal["pricing"]) -> PriceBreakdown: ...

        @overload
        def __getitem__(self, key: Literal["shipping_address"]) -> Optional[Address]: ...

        @overload
        def __getitem__(self, key: Literal["shipping_option"]) -> Optional[str]: ...

        @overload
        def __getitem__(self, key: Literal["coupon_codes"]) -> List[str]: ...

        @overload
        def __getitem__(self, key: Literal["allocations"]) -> List[Allocation]: ...

        @overload
        def __getitem__(self, key: Literal["payments"]) -> List[Payment]: ...

        @overload
        def __getitem__(self, key: Literal["shipments"]) -> List[Shipment]: ...

        @overload
        def __getitem__(self, key: Literal["returns"]) -> List[ReturnRequest]: ...

        @overload
        def __getitem__(self, key: Literal["history"]) -> List[Transition]: ...

        @overload
        def __getitem__(self, key: Literal["created_at"]) -> Instant: ...

        @overload
        def __getitem__(self, key: Literal["updated_at"]) -> Instant: ...

        @overload
        def __getitem__(self, key: Literal["reservation_expires_at"]) -> Optional[Instant]: ...

        @overload
        def __getitem__(self, key: Literal["due_at"]) -> Optional[Instant]: ...

        @overload
        def __getitem__(self, key: Literal["event_sequence"]) -> int: ...

        @overload
        def __getitem__(self, key: Literal["processed_webhooks"]) -> List[str]: ...

        @overload
        def __getitem__(self, key: str) -> Any: ...

        def __getitem__(self, key: str) -> Any: ...


# Kept for hosts that used these names.
PlaceOrderInput = PlaceOrder
