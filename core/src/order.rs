//! The order aggregate and its one canonical state machine.
//!
//! Every shop flow is the same machine configured differently ([`OrderFlow`]): which of the
//! optional steps (confirmation on payment, a processing step) it uses, where cancelling is
//! allowed, and what the scheduler does on its own. Partial shipment and partial return are
//! states, not flags.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::actor::Actor;
use crate::address::Address;
use crate::inventory::Allocation;
use crate::payment::{Payment, PaymentState};
use crate::pricing::PriceBreakdown;
use crate::returns::ReturnRequest;
use crate::shipping::Shipment;
use crate::state_machine::StateMachine;

/// The canonical order states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Placed; awaiting payment or confirmation (`created` in some flows).
    Pending,
    /// Paid or confirmed (`paid` in some flows).
    Confirmed,
    /// Being prepared.
    Processing,
    /// Some units shipped.
    PartiallyShipped,
    /// Every unit shipped.
    Shipped,
    /// Every shipment delivered.
    Delivered,
    /// Some delivered units returned.
    PartiallyReturned,
    /// Every unit returned.
    Returned,
    /// Cancelled before shipping.
    Cancelled,
}

/// Every state, for tables and tests.
pub const ORDER_STATES: [OrderState; 9] = [
    OrderState::Pending,
    OrderState::Confirmed,
    OrderState::Processing,
    OrderState::PartiallyShipped,
    OrderState::Shipped,
    OrderState::Delivered,
    OrderState::PartiallyReturned,
    OrderState::Returned,
    OrderState::Cancelled,
];

impl OrderState {
    /// The state's canonical name.
    pub fn name(self) -> &'static str {
        match self {
            OrderState::Pending => "pending",
            OrderState::Confirmed => "confirmed",
            OrderState::Processing => "processing",
            OrderState::PartiallyShipped => "partially_shipped",
            OrderState::Shipped => "shipped",
            OrderState::Delivered => "delivered",
            OrderState::PartiallyReturned => "partially_returned",
            OrderState::Returned => "returned",
            OrderState::Cancelled => "cancelled",
        }
    }
}

/// What can be done to an order. Payment-level actions (`capture`, `refund`) act on the order's
/// payments and move the order when they complete it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderAction {
    /// Take (capture) the payment; confirms the order where the flow confirms on payment.
    Pay,
    /// Start preparing the order.
    Process,
    /// Ship some or all of the remaining units.
    Ship,
    /// Mark delivered.
    Deliver,
    /// Cancel (releases stock, voids or refunds payments).
    Cancel,
    /// Request a return of delivered units.
    RequestReturn,
    /// Refund captured money.
    Refund,
    /// Cancel what a partly shipped order has not shipped (releases its stock, refunds it).
    CancelUnshipped,
}

/// Every action, for tables and tests.
pub const ORDER_ACTIONS: [OrderAction; 8] = [
    OrderAction::Pay,
    OrderAction::Process,
    OrderAction::Ship,
    OrderAction::Deliver,
    OrderAction::Cancel,
    OrderAction::RequestReturn,
    OrderAction::Refund,
    OrderAction::CancelUnshipped,
];

impl OrderAction {
    /// The action's name.
    pub fn name(self) -> &'static str {
        match self {
            OrderAction::Pay => "pay",
            OrderAction::Process => "process",
            OrderAction::Ship => "ship",
            OrderAction::Deliver => "deliver",
            OrderAction::Cancel => "cancel",
            OrderAction::RequestReturn => "request_return",
            OrderAction::CancelUnshipped => "cancel_unshipped",
            OrderAction::Refund => "refund",
        }
    }
}

/// A shop's order flow: the canonical machine, configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderFlow {
    /// Name (`"classic"`, …).
    pub name: String,
    /// Capturing the payment moves `pending → confirmed` (`created → paid`).
    pub confirm_on_payment: bool,
    /// Orders pass through `processing` before shipping.
    pub processing_step: bool,
    /// The scheduler moves `pending → processing` this many minutes after placement.
    #[serde(default)]
    pub auto_process_after_minutes: Option<i64>,
    /// States from which cancelling is allowed (never after shipping).
    pub cancellable: Vec<OrderState>,
    /// Display names for states (`pending` → `created`); missing states use canonical names.
    #[serde(default)]
    pub labels: BTreeMap<OrderState, String>,
}

impl OrderFlow {
    /// `created → paid → shipped → delivered`; cancel while created or paid.
    pub fn classic() -> Self {
        OrderFlow {
            name: "classic".into(),
            confirm_on_payment: true,
            processing_step: false,
            auto_process_after_minutes: None,
            cancellable: vec![OrderState::Pending, OrderState::Confirmed],
            labels: BTreeMap::from([
                (OrderState::Pending, "created".to_string()),
                (OrderState::Confirmed, "paid".to_string()),
            ]),
        }
    }

    /// `pending → processing → shipped → delivered`; cancel only while pending; the scheduler
    /// moves pending orders to processing after `minutes`.
    pub fn scheduled(minutes: i64) -> Self {
        OrderFlow {
            name: "scheduled".into(),
            confirm_on_payment: false,
            processing_step: true,
            auto_process_after_minutes: Some(minutes),
            cancellable: vec![OrderState::Pending],
            labels: BTreeMap::new(),
        }
    }

    /// `pending → confirmed → processing → shipped → delivered`, plus cancelled and returned.
    pub fn full() -> Self {
        OrderFlow {
            name: "full".into(),
            confirm_on_payment: true,
            processing_step: true,
            auto_process_after_minutes: None,
            cancellable: vec![OrderState::Pending, OrderState::Confirmed],
            labels: BTreeMap::new(),
        }
    }

    /// The state's display name in this flow.
    pub fn label(&self, state: OrderState) -> &str {
        self.labels.get(&state).map_or(state.name(), String::as_str)
    }

    /// The state from which orders ship.
    pub fn ready_to_ship(&self) -> OrderState {
        if self.processing_step {
            OrderState::Processing
        } else if self.confirm_on_payment {
            OrderState::Confirmed
        } else {
            OrderState::Pending
        }
    }
}

impl StateMachine for OrderFlow {
    type State = OrderState;
    type Action = OrderAction;
    const ENTITY: &'static str = "order";
    const STATES: &'static [OrderState] = &ORDER_STATES;
    const ACTIONS: &'static [OrderAction] = &ORDER_ACTIONS;

    fn state_name(state: OrderState) -> &'static str {
        state.name()
    }

    fn action_name(action: OrderAction) -> &'static str {
        action.name()
    }

    /// Whether `action` may be taken in `state` at all (before payments and permissions).
    fn allows(&self, state: OrderState, action: OrderAction) -> bool {
        use OrderState::*;
        match action {
            // Capturing is possible until the order is finished; it confirms a pending order.
            OrderAction::Pay => !matches!(state, Cancelled | Returned),
            OrderAction::Process => {
                self.processing_step
                    && state
                        == if self.confirm_on_payment {
                            Confirmed
                        } else {
                            Pending
                        }
            }
            OrderAction::Ship => state == self.ready_to_ship() || state == PartiallyShipped,
            OrderAction::Deliver => state == Shipped,
            OrderAction::Cancel => {
                self.cancellable.contains(&state)
                    && !matches!(
                        state,
                        PartiallyShipped | Shipped | Delivered | PartiallyReturned | Returned
                    )
            }
            OrderAction::RequestReturn => matches!(state, Delivered | PartiallyReturned),
            OrderAction::Refund => !matches!(state, Pending),
            OrderAction::CancelUnshipped => state == PartiallyShipped,
        }
    }
}

/// One line of an order, priced from the catalog at placement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderLine {
    /// The sku.
    pub sku: SmolStr,
    /// Display name.
    pub name: SmolStr,
    /// Units ordered.
    pub quantity: i64,
    /// Units shipped so far.
    pub shipped: i64,
    /// Units delivered so far.
    pub delivered: i64,
    /// Units returned (received back) so far.
    pub returned: i64,
    /// Units in open return requests.
    pub return_requested: i64,
    /// Units cancelled before they shipped (`cancel_unshipped`).
    #[serde(default)]
    pub cancelled: i64,
}

impl OrderLine {
    /// A line of `quantity` units, none shipped, delivered, returned or cancelled yet.
    pub fn new(sku: SmolStr, name: SmolStr, quantity: i64) -> Self {
        OrderLine {
            sku,
            name,
            quantity,
            shipped: 0,
            delivered: 0,
            returned: 0,
            return_requested: 0,
            cancelled: 0,
        }
    }

    /// Units the order keeps: ordered less cancelled.
    pub fn kept(&self) -> i64 {
        self.quantity - self.cancelled
    }

    /// Units still to ship.
    pub fn unshipped(&self) -> i64 {
        self.kept() - self.shipped
    }
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Transition {
    /// The state before.
    pub from: Option<OrderState>,
    /// The state after.
    pub to: OrderState,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`customer:c1`, `staff:s1:admin`, `system`).
    pub actor: SmolStr,
    /// Why (the action, or a reason given).
    pub reason: SmolStr,
}

/// An order: lines, prices, payments, shipments, returns, stock allocations, audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Order {
    /// Order id.
    pub id: SmolStr,
    /// The customer's id.
    pub customer_id: SmolStr,
    /// The flow it follows (by name; the engine's configuration holds the flows).
    pub flow: SmolStr,
    /// Current state.
    pub state: OrderState,
    /// The state's display name in its flow.
    pub state_label: SmolStr,
    /// ISO-4217 currency.
    pub currency: SmolStr,
    /// The lines.
    pub lines: Vec<OrderLine>,
    /// The price breakdown at placement (lines in the same order as `lines`). It never changes
    /// after placement, so every copy of the order shares it.
    pub pricing: Arc<PriceBreakdown>,
    /// Where it ships.
    pub shipping_address: Option<Address>,
    /// The chosen shipping option.
    pub shipping_option: Option<SmolStr>,
    /// Coupon codes that applied.
    pub coupon_codes: Vec<SmolStr>,
    /// Where the stock is reserved or was taken from.
    pub allocations: Vec<Allocation>,
    /// Payments.
    pub payments: Vec<Payment>,
    /// Shipments.
    pub shipments: Vec<Shipment>,
    /// Return requests.
    pub returns: Vec<ReturnRequest>,
    /// The audit trail of state changes.
    pub history: Vec<Transition>,
    /// When it was placed.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Until when an unpaid order holds its stock; the scheduler cancels it then.
    pub reservation_expires_at: Option<DateTime<Utc>>,
    /// When the scheduler must next look at it (reservation expiry, auto-processing).
    pub due_at: Option<DateTime<Utc>>,
    /// Events emitted so far (the next event's sequence is this + 1).
    pub event_sequence: u64,
    /// Webhook events already applied, as `provider:event_id`.
    pub processed_webhooks: Vec<String>,
}

impl Order {
    /// Moves to `to`, recording the transition.
    pub(crate) fn transition(
        &mut self,
        flow: &OrderFlow,
        to: OrderState,
        actor: &Actor,
        reason: &str,
        at: DateTime<Utc>,
    ) {
        self.history.push(Transition {
            from: Some(self.state),
            to,
            at,
            actor: actor.label(),
            reason: SmolStr::new(reason),
        });
        self.state = to;
        self.state_label = SmolStr::new(flow.label(to));
    }

    /// Σ captured − Σ refunded over the payments.
    pub fn net_paid(&self) -> Decimal {
        self.payments.iter().map(|p| p.captured - p.refunded).sum()
    }

    /// Σ captured over the payments.
    pub fn captured(&self) -> Decimal {
        self.payments.iter().map(|p| p.captured).sum()
    }

    /// Σ refunded over the payments.
    pub fn refunded(&self) -> Decimal {
        self.payments.iter().map(|p| p.refunded).sum()
    }

    /// Money the order holds: what is captured and not refunded, plus what is still authorized
    /// and capturable. A refunded payment no longer counts for what it once authorized.
    pub fn held(&self) -> Decimal {
        self.payments.iter().map(|p| p.net_held()).sum()
    }

    /// What no payment covers yet: nothing for a paid order, else the grand total less the
    /// money held and the amounts of payments still awaiting the provider's answer.
    pub fn outstanding(&self) -> Decimal {
        if self.is_paid() {
            return Decimal::ZERO;
        }
        let awaiting: Decimal = (self.payments.iter())
            .filter(|p| p.state == PaymentState::Pending)
            .map(|p| p.amount)
            .sum();
        (self.pricing.grand_total - self.held() - awaiting).max(Decimal::ZERO)
    }

    /// Whether the order is paid: its authorizations cover the grand total and it still holds
    /// money. A refund made before shipping is a concession on a paid order; once everything
    /// is refunded and nothing is left to capture, the order is unpaid again (it cannot ship
    /// on money that went back).
    pub fn is_paid(&self) -> bool {
        let authorized: Decimal = (self.payments.iter())
            .filter(|p| {
                !matches!(
                    p.state,
                    PaymentState::Pending | PaymentState::Failed | PaymentState::Voided
                )
            })
            .map(|p| p.authorized - p.released)
            .sum();
        let total = self.pricing.grand_total;
        authorized >= total && (self.held() > Decimal::ZERO || total.is_zero())
    }
}
