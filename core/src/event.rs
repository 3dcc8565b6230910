//! Domain events, written to the outbox in the same change set as the state they describe.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::money::amount_serde;

/// One event: who it is about, when, its place in its aggregate's sequence, and what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DomainEvent {
    /// Unique event id.
    pub id: SmolStr,
    /// The aggregate it belongs to (`order/ord_000001`, `stock/SKU@main`).
    pub aggregate: SmolStr,
    /// 1, 2, 3, … per aggregate, in commit order.
    pub sequence: u64,
    /// The order it concerns, if any.
    pub order_id: Option<SmolStr>,
    /// The customer it concerns, if any.
    pub customer_id: Option<SmolStr>,
    /// When it happened (the engine's clock).
    pub at: DateTime<Utc>,
    /// The host's id for the request whose command emitted it (`CallContext`), if it gave one.
    // Behind a pointer, shared by a call's events: most events have none, and every byte here
    // is paid by every event a store keeps (the lifecycle benchmark lost 3% with it inline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<Arc<SmolStr>>,
    /// What happened.
    #[serde(flatten)]
    pub payload: EventPayload,
}

/// What happened; serialized with its name under `type` (`"order_created"`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(missing_docs, reason = "field names say what they are")]
pub enum EventPayload {
    /// An order was placed.
    OrderCreated {
        #[serde(serialize_with = "amount_serde::serialize")]
        grand_total: Decimal,
        currency: SmolStr,
        state: SmolStr,
    },
    /// An order was paid in full (captured).
    OrderPaid { amount: Decimal },
    /// An order moved to processing.
    OrderProcessing,
    /// Units of an order were shipped; `complete` when nothing is left to ship.
    OrderShipped {
        shipment_id: SmolStr,
        complete: bool,
    },
    /// Every shipment of an order was delivered.
    OrderDelivered,
    /// An order was cancelled.
    OrderCancelled { reason: String },
    /// What a partly shipped order had not shipped was cancelled; the order is shipped.
    UnshippedCancelled {
        units: i64,
        #[serde(serialize_with = "amount_serde::serialize")]
        refunded: Decimal,
        reason: String,
    },
    /// Units of a delivered order came back; `complete` when all did.
    OrderReturned { return_id: SmolStr, complete: bool },
    /// A payment was authorized.
    PaymentAuthorized {
        payment_id: SmolStr,
        amount: Decimal,
    },
    /// A payment was captured (in part or in full).
    PaymentCaptured {
        payment_id: SmolStr,
        amount: Decimal,
    },
    /// A payment was refunded (in part or in full).
    PaymentRefunded {
        payment_id: SmolStr,
        amount: Decimal,
    },
    /// An authorization was released.
    PaymentVoided { payment_id: SmolStr },
    /// A payment failed or was declined.
    PaymentFailed { payment_id: SmolStr, reason: String },
    /// Stock was reserved for an order line.
    StockReserved {
        sku: SmolStr,
        location: SmolStr,
        quantity: i64,
    },
    /// A reservation was released (cancel, expiry, failed payment).
    StockReleased {
        sku: SmolStr,
        location: SmolStr,
        quantity: i64,
    },
    /// Reserved stock left the warehouse (on hand decremented).
    StockCommitted {
        sku: SmolStr,
        location: SmolStr,
        quantity: i64,
    },
    /// Returned units went back on hand.
    StockRestocked {
        sku: SmolStr,
        location: SmolStr,
        quantity: i64,
    },
    /// Staff set or adjusted stock.
    StockAdjusted {
        sku: SmolStr,
        location: SmolStr,
        on_hand: i64,
    },
    /// Available stock fell to or below its threshold.
    LowStock {
        sku: SmolStr,
        location: SmolStr,
        available: i64,
        threshold: i64,
    },
    /// A return was requested.
    ReturnRequested { return_id: SmolStr },
    /// A return changed state.
    ReturnUpdated { return_id: SmolStr, state: String },
    /// Money went back to the customer.
    RefundIssued {
        payment_id: SmolStr,
        #[serde(serialize_with = "amount_serde::serialize")]
        amount: Decimal,
        return_id: Option<SmolStr>,
        /// Why: the staff's reason, `cancelled`, `return`, `paid_after_cancellation`.
        // Boxed text, not `String`: the largest variant sets every event's size.
        reason: Box<str>,
    },
    /// A subscription plan was created (version 1).
    PlanCreated { plan_id: SmolStr, version: u32 },
    /// A plan has a new price: its new version.
    PlanRepriced {
        plan_id: SmolStr,
        version: u32,
        #[serde(serialize_with = "amount_serde::serialize")]
        amount: Decimal,
    },
    /// A plan was archived.
    PlanArchived { plan_id: SmolStr },
    /// A customer subscribed: `trialing`, or `incomplete` until its first invoice is paid.
    SubscriptionCreated {
        subscription_id: SmolStr,
        plan_id: SmolStr,
        plan_version: u32,
        state: crate::billing::SubscriptionState,
    },
    /// A subscription's terms changed (a cancellation scheduled for, or withdrawn from, the
    /// period's end).
    SubscriptionUpdated {
        subscription_id: SmolStr,
        state: crate::billing::SubscriptionState,
        cancel_at_period_end: bool,
    },
    /// A subscription ended.
    SubscriptionCanceled { subscription_id: SmolStr },
    /// A subscription became past due: a charge of `invoice_id` was declined (after its
    /// `subscription_updated`; the hook a dunning email hangs on).
    SubscriptionPastDue {
        subscription_id: SmolStr,
        invoice_id: SmolStr,
    },
    /// A subscription's trial ends soon (`billing.dunning.trial_notice_days` before its end).
    TrialWillEnd {
        subscription_id: SmolStr,
        trial_end: DateTime<Utc>,
    },
    /// A subscription's next period began (`period`: its index in the paid schedule; 0 when a
    /// trial ended).
    SubscriptionRenewed {
        subscription_id: SmolStr,
        period: u32,
        period_end: DateTime<Utc>,
    },
    /// A subscription's plan or seats changed (`scheduled`: at the current period's end).
    SubscriptionChanged {
        subscription_id: SmolStr,
        plan_id: SmolStr,
        plan_version: u32,
        quantity: u32,
        scheduled: bool,
    },
    /// An invoice was finalized: numbered and open for payment.
    InvoiceFinalized {
        invoice_id: SmolStr,
        number: Box<str>,
        // Boxed text, not `SmolStr`: the largest variant sets every event's size.
        subscription_id: Option<Box<str>>,
        #[serde(serialize_with = "amount_serde::serialize")]
        amount_due: Decimal,
    },
    /// An invoice was paid.
    InvoicePaid {
        invoice_id: SmolStr,
        subscription_id: Option<SmolStr>,
        #[serde(serialize_with = "amount_serde::serialize")]
        amount_paid: Decimal,
    },
    /// An invoice was voided (`void`) or written off (`uncollectible`).
    InvoiceClosed {
        invoice_id: SmolStr,
        subscription_id: Option<SmolStr>,
        state: crate::billing::InvoiceState,
    },
    /// A charge of an invoice was declined; `attempt` counts the charges asked so far.
    InvoicePaymentFailed {
        invoice_id: SmolStr,
        subscription_id: Option<SmolStr>,
        attempt: u32,
        reason: Box<str>,
    },
}

impl EventPayload {
    /// The event's name (`order_created`, …).
    pub fn name(&self) -> &'static str {
        match self {
            EventPayload::OrderCreated { .. } => "order_created",
            EventPayload::OrderPaid { .. } => "order_paid",
            EventPayload::OrderProcessing => "order_processing",
            EventPayload::OrderShipped { .. } => "order_shipped",
            EventPayload::OrderDelivered => "order_delivered",
            EventPayload::OrderCancelled { .. } => "order_cancelled",
            EventPayload::UnshippedCancelled { .. } => "unshipped_cancelled",
            EventPayload::OrderReturned { .. } => "order_returned",
            EventPayload::PaymentAuthorized { .. } => "payment_authorized",
            EventPayload::PaymentCaptured { .. } => "payment_captured",
            EventPayload::PaymentRefunded { .. } => "payment_refunded",
            EventPayload::PaymentVoided { .. } => "payment_voided",
            EventPayload::PaymentFailed { .. } => "payment_failed",
            EventPayload::StockReserved { .. } => "stock_reserved",
            EventPayload::StockReleased { .. } => "stock_released",
            EventPayload::StockCommitted { .. } => "stock_committed",
            EventPayload::StockRestocked { .. } => "stock_restocked",
            EventPayload::StockAdjusted { .. } => "stock_adjusted",
            EventPayload::LowStock { .. } => "low_stock",
            EventPayload::ReturnRequested { .. } => "return_requested",
            EventPayload::ReturnUpdated { .. } => "return_updated",
            EventPayload::RefundIssued { .. } => "refund_issued",
            EventPayload::PlanCreated { .. } => "plan_created",
            EventPayload::PlanRepriced { .. } => "plan_repriced",
            EventPayload::PlanArchived { .. } => "plan_archived",
            EventPayload::SubscriptionCreated { .. } => "subscription_created",
            EventPayload::SubscriptionUpdated { .. } => "subscription_updated",
            EventPayload::SubscriptionCanceled { .. } => "subscription_canceled",
            EventPayload::TrialWillEnd { .. } => "trial_will_end",
            EventPayload::SubscriptionPastDue { .. } => "subscription_past_due",
            EventPayload::SubscriptionRenewed { .. } => "subscription_renewed",
            EventPayload::SubscriptionChanged { .. } => "subscription_changed",
            EventPayload::InvoiceFinalized { .. } => "invoice_finalized",
            EventPayload::InvoicePaid { .. } => "invoice_paid",
            EventPayload::InvoiceClosed { .. } => "invoice_closed",
            EventPayload::InvoicePaymentFailed { .. } => "invoice_payment_failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event is as large as the largest payload variant, and the memory store keeps every
    /// event: a new variant with one field too many made a lifecycle measurably slower
    /// (`benches/README.md`, sessions 15–17). Box what does not fit.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn an_event_stays_within_208_bytes() {
        assert!(
            std::mem::size_of::<DomainEvent>() <= 208,
            "DomainEvent is {} bytes",
            std::mem::size_of::<DomainEvent>()
        );
    }
}
