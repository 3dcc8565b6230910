//! Commands and queries: the engine's whole surface as data, so bindings and the C JSON façade
//! can pass them through unchanged.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::address::Address;
use crate::billing::{BillingMode, Invoice, Plan, PlanVersions, ProrationBehavior, Subscription};
use crate::inventory::StockItem;
use crate::money::amount_serde;
use crate::order::{Order, OrderAction};
use crate::payment::PaymentMethod;
use crate::returns::{ItemCondition, ReturnAction, ReturnReason};
use crate::shipping::{ShipmentState, ShippingRate};
use crate::store::{OrderPage, OrderQuery};

/// One line asked for at checkout: a sku and a quantity. Prices come from the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LineInput {
    /// The sku.
    pub sku: SmolStr,
    /// Units, at least 1.
    #[serde(deserialize_with = "units")]
    pub quantity: i64,
}

/// How the order is paid at placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PaymentInput {
    /// Method.
    #[serde(default)]
    pub method: PaymentMethod,
    /// Capture at once (default) or only authorize.
    #[serde(default = "yes")]
    pub capture: bool,
}

/// A count of units: any JSON integer, held to `i64`'s range, so that a client's `2^63` is
/// refused by the engine's quantity check naming its line (`lines[0].quantity`), not by the
/// JSON reader naming the whole command.
fn units<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    struct Units;
    impl serde::de::Visitor<'_> for Units {
        type Value = i64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a whole number of units")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
            Ok(i64::try_from(v).unwrap_or(i64::MAX))
        }
        // JSON integers past 64 bits arrive as floats; fractions are no count.
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
            if v.is_finite() && v.fract() == 0.0 {
                Ok(v.clamp(i64::MIN as f64, i64::MAX as f64) as i64)
            } else {
                Err(E::custom(format!("{v} is not a whole number of units")))
            }
        }
    }
    deserializer.deserialize_any(Units)
}

fn yes() -> bool {
    true
}

/// Place an order: price it from the catalog, reserve stock, count coupon uses, take payment,
/// commit — or nothing but a record of a failed payment attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlaceOrder {
    /// The customer (a customer actor may only place orders for itself).
    pub customer_id: SmolStr,
    /// Customer groups, for promotions.
    #[serde(default)]
    pub customer_groups: Vec<String>,
    /// What is bought.
    pub lines: Vec<LineInput>,
    /// Where it goes.
    pub shipping_address: Address,
    /// The shipping option id (from the carrier's rates); none for no shipping charge.
    #[serde(default)]
    pub shipping_option: Option<SmolStr>,
    /// Coupon codes; each must apply, or the order is refused with `coupon_rejected`.
    #[serde(default)]
    pub coupon_codes: Vec<SmolStr>,
    /// Payment at placement; without it the order waits for `pay_order`.
    #[serde(default)]
    pub payment: Option<PaymentInput>,
    /// The order flow by name; the engine's default flow if absent.
    #[serde(default)]
    pub flow: Option<String>,
}

/// Units of one line to ship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ShipLine {
    /// Line index.
    pub line: usize,
    /// Units.
    #[serde(deserialize_with = "units")]
    pub quantity: i64,
}

/// Units of one line to return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReturnLine {
    /// Line index.
    pub line: usize,
    /// Units.
    #[serde(deserialize_with = "units")]
    pub quantity: i64,
    /// Why.
    pub reason: ReturnReason,
}

/// The condition of one returned line, as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReceivedLine {
    /// Line index.
    pub line: usize,
    /// Condition.
    pub condition: ItemCondition,
}

/// An asynchronous payment result reported by the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum WebhookOutcome {
    /// The payment succeeded (authorized and captured).
    Succeeded,
    /// The payment failed.
    Failed,
}

/// Every mutating command. Serialized as `{"command": "place_order", ...fields}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// See [`PlaceOrder`].
    PlaceOrder(Box<PlaceOrder>),
    /// Pay what an order still owes (customer or staff): authorize, and capture unless told not.
    PayOrder {
        /// The order.
        order_id: SmolStr,
        /// Method.
        #[serde(default)]
        method: PaymentMethod,
        /// Capture at once (default).
        #[serde(default = "yes")]
        capture: bool,
    },
    /// Capture authorized money (staff or system); all that is capturable if no amount.
    CapturePayment {
        /// The order.
        order_id: SmolStr,
        /// Amount; all if absent.
        #[cfg_attr(feature = "schema", schemars(with = "Option<rust_decimal::Decimal>"))]
        #[serde(default, with = "amount_serde::option")]
        amount: Option<Decimal>,
    },
    /// Refund captured money (staff); all that is refundable if no amount.
    RefundPayment {
        /// The order.
        order_id: SmolStr,
        /// Amount; all if absent.
        #[cfg_attr(feature = "schema", schemars(with = "Option<rust_decimal::Decimal>"))]
        #[serde(default, with = "amount_serde::option")]
        amount: Option<Decimal>,
        /// Why.
        #[serde(default)]
        reason: Option<String>,
    },
    /// Start preparing (staff).
    ProcessOrder {
        /// The order.
        order_id: SmolStr,
    },
    /// Ship units (staff); every remaining unit if `lines` is absent.
    ShipOrder {
        /// The order.
        order_id: SmolStr,
        /// What to ship.
        #[serde(default)]
        lines: Option<Vec<ShipLine>>,
    },
    /// Mark every shipment delivered (staff or system).
    DeliverOrder {
        /// The order.
        order_id: SmolStr,
    },
    /// Cancel (the customer while the flow allows it, or staff).
    CancelOrder {
        /// The order.
        order_id: SmolStr,
        /// Why.
        #[serde(default)]
        reason: Option<String>,
    },
    /// Cancel what a partly shipped order has not shipped (support staff): its stock is
    /// released and what those units cost refunded; the order is then shipped.
    CancelUnshipped {
        /// The order.
        order_id: SmolStr,
        /// Why (kept in the audit trail).
        #[serde(default)]
        reason: Option<String>,
    },
    /// A provider's asynchronous payment result (system); deduplicated by `(provider, event_id)`.
    PaymentWebhook {
        /// Provider name.
        provider: String,
        /// The provider's event id.
        event_id: String,
        /// The payment's provider reference.
        reference: String,
        /// What happened.
        outcome: WebhookOutcome,
        /// The provider's reason for a failure.
        #[serde(default)]
        reason: Option<String>,
        /// The order, when the provider's metadata carries it (else the engine looks it up by
        /// reference, which scans orders: pass it when you can).
        #[serde(default)]
        order_id: Option<SmolStr>,
        /// The invoice, for a charge of an invoice (the provider's metadata carries it): the
        /// webhook settles the invoice instead of an order's payment.
        #[serde(default)]
        invoice_id: Option<SmolStr>,
    },
    /// A carrier's tracking update (system); deduplicated by `event_id`, never regressing.
    TrackingUpdate {
        /// The carrier's event id.
        event_id: String,
        /// The shipment's tracking number.
        tracking_number: String,
        /// New status.
        status: ShipmentState,
        /// The order, when known (else the engine looks it up by tracking number, which scans
        /// orders: pass it when you can).
        #[serde(default)]
        order_id: Option<SmolStr>,
    },
    /// Ask to return delivered units (the customer or staff), within the return window.
    RequestReturn {
        /// The order.
        order_id: SmolStr,
        /// What comes back.
        lines: Vec<ReturnLine>,
    },
    /// Move a return along (staff): approve, reject, schedule pickup, in transit, receive (with
    /// conditions), process (restock), refund; the customer may cancel their own.
    UpdateReturn {
        /// The order.
        order_id: SmolStr,
        /// The return.
        return_id: String,
        /// What to do.
        action: ReturnAction,
        /// Conditions as received (for `receive`; unlisted lines count as sellable).
        #[serde(default)]
        received: Vec<ReceivedLine>,
    },
    /// Set a stock item (staff).
    SetStock {
        /// The sku.
        sku: String,
        /// The location; the first configured location if absent.
        #[serde(default)]
        location: Option<String>,
        /// Units on hand.
        on_hand: i64,
        /// Allow backorder.
        #[serde(default)]
        backorder: bool,
        /// Low-stock threshold.
        #[serde(default)]
        low_stock_threshold: Option<i64>,
    },
    /// Add to or remove from on hand (staff).
    AdjustStock {
        /// The sku.
        sku: String,
        /// The location; the first configured location if absent.
        #[serde(default)]
        location: Option<String>,
        /// Units to add (negative to remove).
        delta: i64,
    },
    /// Create a subscription plan at version 1 (admin).
    CreatePlan {
        /// The plan; `version` 1 or absent.
        plan: Plan,
    },
    /// A new price for a plan: its next version, the one offered from now on (admin). Its
    /// subscribers keep paying the version they are on until they are moved.
    RepricePlan {
        /// The plan.
        plan_id: SmolStr,
        /// What one period costs in the new version (per seat for per-seat plans).
        #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
        #[serde(with = "amount_serde")]
        amount: Decimal,
    },
    /// Archive a plan in every version: no new subscriptions or changes onto it (admin).
    ArchivePlan {
        /// The plan.
        plan_id: SmolStr,
    },
    /// Subscribe a customer to a plan's offered version (the customer itself, or support
    /// staff): trialing when the plan has trial days, else incomplete with its first period
    /// invoiced (finalized, numbered, open).
    Subscribe {
        /// The customer.
        customer_id: SmolStr,
        /// The plan.
        plan_id: SmolStr,
        /// Seats (per-seat plans); 1 if absent.
        #[serde(default = "one_seat")]
        quantity: u32,
        /// Anniversary (default) or calendar periods.
        #[serde(default)]
        billing: BillingMode,
        /// Where the customer is taxed; no tax without it.
        #[serde(default)]
        address: Option<Address>,
        /// The method the scheduler charges its invoices with (the first one, renewals,
        /// dunning retries); absent: invoices wait for `pay_invoice`.
        #[serde(default)]
        payment_method: Option<PaymentMethod>,
        /// A coupon: a promotion's code, checked against the plan's price as a cart's coupon
        /// is, one use counted, then applied to the subscription's invoices for as many periods
        /// as the promotion's `duration_periods` (every one without it).
        #[serde(default)]
        coupon: Option<String>,
    },
    /// Cancel a subscription now, or at its current period's end (the customer or support).
    CancelSubscription {
        /// The subscription.
        subscription_id: SmolStr,
        /// Keep it until the current period's end instead of ending it now.
        #[serde(default)]
        at_period_end: bool,
        /// Ending it now: credit the unused time of the period paid for to the customer's
        /// balance (an invoice of its own, paid at once).
        #[serde(default)]
        credit_unused: bool,
    },
    /// Withdraw a cancellation scheduled for the period's end (the customer or support).
    KeepSubscription {
        /// The subscription.
        subscription_id: SmolStr,
    },
    /// Change a subscription's plan or seats (the customer or support), prorated by the second
    /// unless `proration_behavior` is `none` or the change waits for the period's end.
    ChangeSubscription {
        /// The subscription.
        subscription_id: SmolStr,
        /// The plan to move to, at its offered version; absent: the same plan and version (a
        /// seat change). Naming the subscription's own plan moves it to the newest price.
        #[serde(default)]
        plan_id: Option<SmolStr>,
        /// Seats after the change; unchanged if absent.
        #[serde(default)]
        quantity: Option<u32>,
        /// `create_prorations` (default: on the next invoice), `always_invoice` (invoiced now)
        /// or `none`.
        #[serde(default)]
        proration_behavior: ProrationBehavior,
        /// Wait for the current period's end (no proration).
        #[serde(default)]
        at_period_end: bool,
    },
    /// Bill a subscription's due period now (the system or an admin; the scheduler does it for
    /// every due subscription): a trial that is over ends and its first paid period is
    /// invoiced; a period that is over is renewed and the next one invoiced, with the
    /// prorations kept for it; a cancellation scheduled for the period's end takes effect.
    /// Nothing due: the subscription unchanged (a repeat bills nothing).
    RenewSubscription {
        /// The subscription.
        subscription_id: SmolStr,
    },
    /// Pause a subscription at once (the customer or support): nothing is billed while it
    /// lasts, and the unused time of the period paid for goes to the customer's credit balance.
    PauseSubscription {
        /// The subscription.
        subscription_id: SmolStr,
    },
    /// Resume a paused subscription (the customer or support): active on a schedule restarted
    /// now, its first period invoiced now.
    ResumeSubscription {
        /// The subscription.
        subscription_id: SmolStr,
    },
    /// Void an invoice that is not paid (support): nothing is owed on it; the credit balance it
    /// used is given back.
    VoidInvoice {
        /// The invoice.
        invoice_id: SmolStr,
    },
    /// Mark an open invoice uncollectible (support): written off, still payable.
    MarkInvoiceUncollectible {
        /// The invoice.
        invoice_id: SmolStr,
    },
    /// Charge what an open invoice is due through the payment gateway (the customer, support
    /// or the system). Approved: paid, and its subscription active. Declined:
    /// `payment_declined`, with the attempt recorded (an active subscription is then past due).
    PayInvoice {
        /// The invoice.
        invoice_id: SmolStr,
        /// Method.
        #[serde(default)]
        method: PaymentMethod,
    },
}

fn one_seat() -> u32 {
    1
}

impl Command {
    /// The command's name (`place_order`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Command::PlaceOrder(_) => "place_order",
            Command::PayOrder { .. } => "pay_order",
            Command::CapturePayment { .. } => "capture_payment",
            Command::RefundPayment { .. } => "refund_payment",
            Command::ProcessOrder { .. } => "process_order",
            Command::ShipOrder { .. } => "ship_order",
            Command::DeliverOrder { .. } => "deliver_order",
            Command::CancelOrder { .. } => "cancel_order",
            Command::CancelUnshipped { .. } => "cancel_unshipped",
            Command::PaymentWebhook { .. } => "payment_webhook",
            Command::TrackingUpdate { .. } => "tracking_update",
            Command::RequestReturn { .. } => "request_return",
            Command::UpdateReturn { .. } => "update_return",
            Command::SetStock { .. } => "set_stock",
            Command::AdjustStock { .. } => "adjust_stock",
            Command::CreatePlan { .. } => "create_plan",
            Command::RepricePlan { .. } => "reprice_plan",
            Command::ArchivePlan { .. } => "archive_plan",
            Command::Subscribe { .. } => "subscribe",
            Command::CancelSubscription { .. } => "cancel_subscription",
            Command::KeepSubscription { .. } => "keep_subscription",
            Command::PayInvoice { .. } => "pay_invoice",
            Command::VoidInvoice { .. } => "void_invoice",
            Command::MarkInvoiceUncollectible { .. } => "mark_invoice_uncollectible",
            Command::ChangeSubscription { .. } => "change_subscription",
            Command::RenewSubscription { .. } => "renew_subscription",
            Command::PauseSubscription { .. } => "pause_subscription",
            Command::ResumeSubscription { .. } => "resume_subscription",
        }
    }
}

/// What a command answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum CommandOutput {
    /// The order as committed (the very copy the engine handed the store: no copy made).
    Order(Arc<Order>),
    /// The stock item as committed.
    Stock(StockItem),
    /// The plan as committed, every version.
    Plan(Box<PlanVersions>),
    /// The subscription as committed.
    Subscription(Box<Subscription>),
    /// The invoice as committed.
    Invoice(Box<Invoice>),
}

impl CommandOutput {
    /// The order, for commands on orders.
    pub fn into_order(self) -> Option<Arc<Order>> {
        match self {
            CommandOutput::Order(order) => Some(order),
            _ => None,
        }
    }

    /// The stock item, for stock commands.
    pub fn into_stock(self) -> Option<StockItem> {
        match self {
            CommandOutput::Stock(item) => Some(item),
            _ => None,
        }
    }
}

/// Every query. Serialized as `{"query": "get_order", ...fields}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "query", rename_all = "snake_case")]
pub enum Query {
    /// One order.
    GetOrder {
        /// The order.
        order_id: SmolStr,
    },
    /// Orders by customer and/or state, paginated.
    ListOrders(OrderQuery),
    /// Stock of a sku at every configured location.
    StockLevels {
        /// The sku.
        sku: String,
    },
    /// The return requests of an order.
    ListReturns {
        /// The order.
        order_id: SmolStr,
    },
    /// What can be done next to an order by the asking actor.
    AvailableActions {
        /// The order.
        order_id: SmolStr,
    },
    /// Shipping options and prices for an address and lines.
    ShippingRates {
        /// Destination.
        address: Address,
        /// What would ship.
        lines: Vec<LineInput>,
    },
    /// A subscription plan, every version.
    GetPlan {
        /// The plan.
        plan_id: SmolStr,
    },
    /// A subscription (another customer's is `not_found`).
    GetSubscription {
        /// The subscription.
        subscription_id: SmolStr,
    },
    /// An invoice (another customer's is `not_found`).
    GetInvoice {
        /// The invoice.
        invoice_id: SmolStr,
    },
    /// Subscriptions by customer and/or state, paginated.
    ListSubscriptions(crate::billing::SubscriptionQuery),
    /// A subscription's invoices, oldest first, by state, paginated.
    ListInvoices(crate::billing::InvoiceQuery),
    /// What the subscription's next renewal would invoice, at the time it would, with the
    /// customer's balance as it is now — computed, nothing stored (no number is taken).
    UpcomingInvoice {
        /// The subscription.
        subscription_id: SmolStr,
    },
}

impl Query {
    /// The query's name (`get_order`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Query::GetOrder { .. } => "get_order",
            Query::ListOrders(_) => "list_orders",
            Query::StockLevels { .. } => "stock_levels",
            Query::ListReturns { .. } => "list_returns",
            Query::AvailableActions { .. } => "available_actions",
            Query::ShippingRates { .. } => "shipping_rates",
            Query::GetPlan { .. } => "get_plan",
            Query::GetSubscription { .. } => "get_subscription",
            Query::GetInvoice { .. } => "get_invoice",
            Query::ListSubscriptions(_) => "list_subscriptions",
            Query::ListInvoices(_) => "list_invoices",
            Query::UpcomingInvoice { .. } => "upcoming_invoice",
        }
    }

    /// The order it reads, if it reads one.
    pub fn order_id(&self) -> Option<&str> {
        match self {
            Query::GetOrder { order_id }
            | Query::ListReturns { order_id }
            | Query::AvailableActions { order_id } => Some(order_id),
            Query::ListOrders(_)
            | Query::StockLevels { .. }
            | Query::ShippingRates { .. }
            | Query::GetPlan { .. }
            | Query::GetSubscription { .. }
            | Query::GetInvoice { .. }
            | Query::ListSubscriptions(_)
            | Query::ListInvoices(_)
            | Query::UpcomingInvoice { .. } => None,
        }
    }
}

/// What a query answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum QueryOutput {
    /// One order.
    Order(Arc<Order>),
    /// A page of orders.
    Orders(OrderPage),
    /// Stock items.
    Stock(Vec<StockItem>),
    /// Actions.
    Actions(Vec<OrderAction>),
    /// Shipping rates.
    Rates(Vec<ShippingRate>),
    /// Return requests.
    Returns(Vec<crate::returns::ReturnRequest>),
    /// A subscription plan, every version.
    Plan(Box<PlanVersions>),
    /// A subscription.
    Subscription(Box<Subscription>),
    /// An invoice.
    Invoice(Box<Invoice>),
    /// A page of subscriptions.
    Subscriptions(crate::billing::SubscriptionPage),
    /// A page of invoices.
    Invoices(crate::billing::InvoicePage),
}

/// What one scheduler tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TickReport {
    /// Orders cancelled because their reservation expired unpaid.
    pub expired: Vec<String>,
    /// Orders moved to processing by schedule.
    pub advanced: Vec<String>,
    /// Orders and subscriptions whose work failed this time (`(id, error code)`, e.g. the
    /// gateway was unavailable); they stay due and the next tick tries again.
    pub failed: Vec<(String, String)>,
    /// What was done for subscriptions, step by step.
    #[serde(default)]
    pub billing: Vec<BillingStep>,
}

/// One step the scheduler took for a subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BillingStep {
    /// The subscription.
    pub subscription_id: String,
    /// `expired` (its first invoice stayed unpaid), `trial_will_end`, `renewed`, `canceled`
    /// (at its period's end), `paid`, `declined`, `pending` (a charge of its invoice) or
    /// `dropped` (the invoice was settled or closed meanwhile: nothing to charge).
    pub step: String,
    /// The invoice billed or charged, if any.
    pub invoice_id: Option<String>,
}
