//! Payments: the per-payment state machine, the [`PaymentGateway`] trait, and a scripted
//! [`FakePaymentGateway`].
//!
//! Invariant, per payment and so per order: `authorized ≥ captured ≥ refunded ≥ 0`.
//! Every gateway call carries a provider idempotency key derived from the operation
//! (`pay_000001:capture:1`), so a retry after a timeout reuses the key and the provider performs
//! the operation at most once.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::error::{Error, Result};
use crate::money::amount_serde;
use crate::state_machine::StateMachine;

/// How the customer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Credit card.
    #[default]
    Card,
    /// Debit card.
    DebitCard,
    /// PayPal.
    Paypal,
    /// Apple Pay.
    ApplePay,
    /// Google Pay.
    GooglePay,
    /// Anything else the host's gateway handles.
    Other,
}

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Sent to the provider, awaiting its asynchronous answer (a webhook).
    Pending,
    /// Authorized, nothing captured yet.
    Authorized,
    /// Captured, in part or in full (`captured` says how much).
    Captured,
    /// Some of the captured money was refunded.
    PartiallyRefunded,
    /// All of the captured money was refunded.
    Refunded,
    /// Declined or failed.
    Failed,
    /// The authorization was released.
    Voided,
}

impl PaymentState {
    /// The state's name.
    pub fn name(self) -> &'static str {
        match self {
            PaymentState::Pending => "pending",
            PaymentState::Authorized => "authorized",
            PaymentState::Captured => "captured",
            PaymentState::PartiallyRefunded => "partially_refunded",
            PaymentState::Refunded => "refunded",
            PaymentState::Failed => "failed",
            PaymentState::Voided => "voided",
        }
    }
}

/// What can be done to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentAction {
    /// Capture (some of) the authorized amount.
    Capture,
    /// Refund (some of) the captured amount.
    Refund,
    /// Release the authorization.
    Void,
    /// An asynchronous success arrived.
    Succeed,
    /// An asynchronous failure arrived.
    Fail,
}

/// Every payment state and action, for tables and tests.
pub const PAYMENT_STATES: [PaymentState; 7] = [
    PaymentState::Pending,
    PaymentState::Authorized,
    PaymentState::Captured,
    PaymentState::PartiallyRefunded,
    PaymentState::Refunded,
    PaymentState::Failed,
    PaymentState::Voided,
];

/// Every payment action.
pub const PAYMENT_ACTIONS: [PaymentAction; 5] = [
    PaymentAction::Capture,
    PaymentAction::Refund,
    PaymentAction::Void,
    PaymentAction::Succeed,
    PaymentAction::Fail,
];

impl PaymentAction {
    /// The action's name.
    pub fn name(self) -> &'static str {
        match self {
            PaymentAction::Capture => "capture",
            PaymentAction::Refund => "refund",
            PaymentAction::Void => "void",
            PaymentAction::Succeed => "succeed",
            PaymentAction::Fail => "fail",
        }
    }
}

/// The payment state machine: which action each state allows (amount checks come on top, in
/// [`Payment`]'s `apply_*` methods).
#[derive(Debug, Clone, Copy, Default)]
pub struct PaymentMachine;

impl StateMachine for PaymentMachine {
    type State = PaymentState;
    type Action = PaymentAction;
    const ENTITY: &'static str = "payment";
    const STATES: &'static [PaymentState] = &PAYMENT_STATES;
    const ACTIONS: &'static [PaymentAction] = &PAYMENT_ACTIONS;

    fn state_name(state: PaymentState) -> &'static str {
        state.name()
    }

    fn action_name(action: PaymentAction) -> &'static str {
        action.name()
    }

    fn allows(&self, state: PaymentState, action: PaymentAction) -> bool {
        use PaymentState::*;
        match action {
            PaymentAction::Capture => matches!(state, Authorized | Captured | PartiallyRefunded),
            PaymentAction::Refund => matches!(state, Captured | PartiallyRefunded),
            // A partly captured authorization releases what it still holds (amount checks on top).
            PaymentAction::Void => {
                matches!(state, Authorized | Pending | Captured | PartiallyRefunded)
            }
            // A success after a void: the provider took the money anyway (the void lost the race).
            PaymentAction::Succeed => matches!(state, Pending | Voided),
            PaymentAction::Fail => state == Pending,
        }
    }
}

/// A payment of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Payment {
    /// Payment id.
    pub id: SmolStr,
    /// How.
    pub method: PaymentMethod,
    /// Where it stands.
    pub state: PaymentState,
    /// The amount asked for.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub amount: Decimal,
    /// Authorized so far.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub authorized: Decimal,
    /// Captured so far.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub captured: Decimal,
    /// Refunded so far.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub refunded: Decimal,
    /// Authorized, never captured, and released (voided) at the provider: the rest of a partly
    /// captured authorization when its order is cancelled.
    #[serde(default, serialize_with = "amount_serde::serialize")]
    pub released: Decimal,
    /// The provider's reference (charge or intent id).
    pub provider_reference: Option<SmolStr>,
    /// Why it failed, if it did.
    pub failure_reason: Option<String>,
    /// Captured as soon as authorized (also when the authorization arrives by webhook).
    pub capture: bool,
    /// Captures so far (numbers the provider keys of later captures).
    pub captures: u32,
    /// Refunds so far (numbers the provider keys of later refunds).
    pub refunds: u32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Payment {
    /// A payment of `amount` asked of the provider, its answer not recorded yet.
    pub(crate) fn awaiting(
        id: &str,
        method: PaymentMethod,
        capture: bool,
        amount: Decimal,
        now: DateTime<Utc>,
    ) -> Payment {
        // Zero at the currency's scale (the amount's), as every amount of a document is.
        let zero = Decimal::new(0, amount.scale());
        Payment {
            id: id.into(),
            method,
            state: PaymentState::Pending,
            amount,
            authorized: zero,
            captured: zero,
            refunded: zero,
            released: zero,
            provider_reference: None,
            failure_reason: None,
            capture,
            captures: 0,
            refunds: 0,
            created_at: now,
        }
    }

    /// Whether the provider's answer to the authorization is not recorded yet: pending with
    /// no provider reference (a pending payment with one awaits the provider's webhook).
    pub fn awaits_answer(&self) -> bool {
        self.state == PaymentState::Pending && self.provider_reference.is_none()
    }

    /// `invalid_transition` unless `action` is allowed now.
    pub fn check(&self, action: PaymentAction) -> Result<()> {
        PaymentMachine.check(self.state, action)
    }

    /// Authorized minus captured.
    pub fn capturable(&self) -> Decimal {
        if matches!(
            self.state,
            PaymentState::Authorized | PaymentState::Captured | PaymentState::PartiallyRefunded
        ) {
            self.authorized - self.captured - self.released
        } else {
            Decimal::ZERO
        }
    }

    /// Money this payment holds for its order: captured and not refunded, plus what is still
    /// capturable (nothing for a pending, failed or voided payment).
    pub fn net_held(&self) -> Decimal {
        self.refundable() + self.capturable()
    }

    /// Captured minus refunded.
    pub fn refundable(&self) -> Decimal {
        self.captured - self.refunded
    }

    /// Records a capture of `amount` (checked against what is authorized).
    pub(crate) fn apply_capture(&mut self, amount: Decimal) -> Result<()> {
        self.check(PaymentAction::Capture)?;
        if amount <= Decimal::ZERO || amount > self.capturable() {
            return Err(Error::CaptureExceedsAuthorized {
                requested: amount.to_string(),
                capturable: self.capturable().to_string(),
            });
        }
        self.captured += amount;
        self.captures += 1;
        // A refund already made stays visible: capturing more does not undo it.
        if self.refunded.is_zero() {
            self.state = PaymentState::Captured;
        }
        Ok(())
    }

    /// Records the provider's asynchronous success: the whole amount is authorized (captured
    /// next where the payment captures on authorization).
    pub(crate) fn apply_success(&mut self) -> Result<()> {
        self.check(PaymentAction::Succeed)?;
        self.authorized = self.amount;
        self.released = Decimal::new(0, self.amount.scale());
        self.state = PaymentState::Authorized;
        Ok(())
    }

    /// Records the provider's refusal of a pending payment.
    pub(crate) fn apply_failure(&mut self, reason: &str) -> Result<()> {
        self.check(PaymentAction::Fail)?;
        self.state = PaymentState::Failed;
        self.failure_reason = Some(reason.into());
        Ok(())
    }

    /// Records a void: a pending payment withdrawn before the provider answered, or `amount`
    /// of an authorization released.
    pub(crate) fn apply_void(&mut self, amount: Decimal) -> Result<()> {
        if self.state != PaymentState::Pending {
            return self.apply_release(amount);
        }
        self.check(PaymentAction::Void)?;
        self.state = PaymentState::Voided;
        Ok(())
    }

    /// Records that the provider released `amount` of what was authorized and not captured.
    pub(crate) fn apply_release(&mut self, amount: Decimal) -> Result<()> {
        self.check(PaymentAction::Void)?;
        if amount <= Decimal::ZERO || amount > self.capturable() {
            return Err(Error::CaptureExceedsAuthorized {
                requested: amount.to_string(),
                capturable: self.capturable().to_string(),
            });
        }
        self.released += amount;
        if self.captured.is_zero() {
            self.state = PaymentState::Voided;
        } else if self.refunded == self.captured {
            self.state = PaymentState::Refunded;
        }
        Ok(())
    }

    /// Records a refund of `amount` (checked against what is captured and not refunded).
    pub(crate) fn apply_refund(&mut self, amount: Decimal) -> Result<()> {
        self.check(PaymentAction::Refund)?;
        if amount <= Decimal::ZERO || amount > self.refundable() {
            return Err(Error::RefundExceedsCaptured {
                requested: amount.to_string(),
                refundable: self.refundable().to_string(),
            });
        }
        self.refunded += amount;
        self.refunds += 1;
        self.state = if self.refunded == self.captured && self.capturable().is_zero() {
            PaymentState::Refunded
        } else {
            PaymentState::PartiallyRefunded
        };
        Ok(())
    }

    /// The provider idempotency key of this payment's next `operation`: the payment, the
    /// operation and its ordinal, plus the host's idempotency key when given — so a retry of the
    /// same command reuses the key, and a new attempt after a decline (with a new host key) gets
    /// a new one.
    pub(crate) fn provider_key(
        &self,
        operation: GatewayOperation,
        host_key: Option<&str>,
    ) -> String {
        let base = match operation {
            GatewayOperation::Authorize | GatewayOperation::AuthorizeAndCapture => {
                format!("{}:authorize", self.id)
            }
            GatewayOperation::Capture => format!("{}:capture:{}", self.id, self.captures + 1),
            GatewayOperation::Refund => format!("{}:refund:{}", self.id, self.refunds + 1),
            GatewayOperation::Void => format!("{}:void", self.id),
        };
        match host_key {
            Some(key) if operation != GatewayOperation::Void => format!("{base}:{key}"),
            _ => base,
        }
    }
}

/// What the gateway is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GatewayOperation {
    /// Authorize only.
    Authorize,
    /// Authorize and capture at once.
    AuthorizeAndCapture,
    /// Capture an authorization.
    Capture,
    /// Refund a capture.
    Refund,
    /// Release an authorization.
    Void,
}

/// One call to the payment provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GatewayRequest {
    /// What to do.
    pub operation: GatewayOperation,
    /// Send this to the provider as its idempotency key: a retry of the same operation carries
    /// the same key.
    pub idempotency_key: String,
    /// The payment.
    pub payment_id: SmolStr,
    /// The order; empty for an invoice's charge (`invoice_id` names the invoice).
    pub order_id: SmolStr,
    /// The invoice, for an invoice's charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<SmolStr>,
    /// The customer.
    pub customer_id: SmolStr,
    /// Amount of this operation.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub amount: Decimal,
    /// ISO-4217 currency.
    pub currency: SmolStr,
    /// Payment method.
    pub method: PaymentMethod,
    /// The provider's reference from the authorization, for later operations.
    pub provider_reference: Option<SmolStr>,
}

/// What the provider answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum GatewayOutcome {
    /// Done.
    Approved {
        /// The provider's reference.
        reference: String,
    },
    /// Refused; nothing happened.
    Declined {
        /// The provider's reason.
        reason: String,
    },
    /// Accepted; the result comes later by webhook.
    Pending {
        /// The provider's reference, which the webhook will name.
        reference: String,
    },
}

/// The payment provider. Return `Err(Error::GatewayUnavailable)` for timeouts and transient
/// failures: the engine persists nothing and the host may retry with the same idempotency key.
pub trait PaymentGateway: Send + Sync {
    /// Performs `request` at most once per `request.idempotency_key`.
    fn execute(&self, request: &GatewayRequest) -> Result<GatewayOutcome>;
}

/// A scripted outcome of [`FakePaymentGateway`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Scripted {
    /// Approve.
    Approve,
    /// Decline with a reason.
    Decline {
        /// The reason.
        reason: String,
    },
    /// Answer pending; the host later sends a webhook (authorizations only: other operations
    /// are approved).
    Pending,
    /// Perform the operation but answer with a timeout (a retry with the same key then gets
    /// the approval): the classic double-charge trap.
    TimeoutAfterSuccess,
    /// Fail without performing anything.
    TransientError,
}

/// What the fake provider remembers of an operation (not the whole request: a ledger entry
/// per payment operation, kept for the gateway's life).
#[derive(Debug)]
struct Performed {
    operation: GatewayOperation,
    payment_id: SmolStr,
    amount: Decimal,
    outcome: GatewayOutcome,
}

/// What the fake provider did for one payment: the approved operations' amounts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentLedger {
    /// Authorized (with or without capture).
    pub authorized: Decimal,
    /// Captured (authorize-and-capture and captures).
    pub captured: Decimal,
    /// Refunded.
    pub refunded: Decimal,
    /// Released by voids.
    pub voided: Decimal,
}

#[derive(Debug, Default)]
struct FakeLedger {
    script: VecDeque<Scripted>,
    /// Performed operations by idempotency key: what a retry must match, and the answer.
    performed: HashMap<String, Performed, foldhash::fast::RandomState>,
    calls: u64,
    next_reference: u64,
}

/// An in-memory payment provider with scripted outcomes (approve by default), which performs
/// each idempotency key at most once, like Stripe: a repeated key replays the first answer, and a
/// repeated key with different parameters is an error. It keeps a ledger so tests can check that
/// nothing was charged or refunded twice.
#[derive(Debug, Default)]
pub struct FakePaymentGateway {
    ledger: Mutex<FakeLedger>,
}

impl FakePaymentGateway {
    /// A gateway that approves everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues outcomes for the next new operations (one per new idempotency key).
    pub fn script(&self, outcomes: impl IntoIterator<Item = Scripted>) {
        self.lock().script.extend(outcomes);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeLedger> {
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Total captured by the provider (authorize-and-capture plus captures), over all keys.
    pub fn captured_total(&self) -> Decimal {
        self.sum(|op| {
            matches!(
                op,
                GatewayOperation::AuthorizeAndCapture | GatewayOperation::Capture
            )
        })
    }

    /// Total refunded by the provider.
    pub fn refunded_total(&self) -> Decimal {
        self.sum(|op| op == GatewayOperation::Refund)
    }

    /// Total released by voids (authorizations and the rest of partly captured ones).
    pub fn voided_total(&self) -> Decimal {
        self.sum(|op| op == GatewayOperation::Void)
    }

    /// The approved operations per payment id: what an auditor compares with the orders.
    pub fn ledger_by_payment(&self) -> HashMap<SmolStr, PaymentLedger> {
        let mut ledgers: HashMap<SmolStr, PaymentLedger> = HashMap::new();
        for p in self.lock().performed.values() {
            if !matches!(p.outcome, GatewayOutcome::Approved { .. }) {
                continue;
            }
            let ledger = ledgers.entry(p.payment_id.clone()).or_default();
            match p.operation {
                GatewayOperation::Authorize => ledger.authorized += p.amount,
                GatewayOperation::AuthorizeAndCapture => {
                    ledger.authorized += p.amount;
                    ledger.captured += p.amount;
                }
                GatewayOperation::Capture => ledger.captured += p.amount,
                GatewayOperation::Refund => ledger.refunded += p.amount,
                GatewayOperation::Void => ledger.voided += p.amount,
            }
        }
        ledgers
    }

    /// Operations performed (distinct idempotency keys that were approved).
    pub fn performed(&self) -> usize {
        self.lock()
            .performed
            .values()
            .filter(|p| matches!(p.outcome, GatewayOutcome::Approved { .. }))
            .count()
    }

    /// Calls received, retries included.
    pub fn calls(&self) -> u64 {
        self.lock().calls
    }

    fn sum(&self, wanted: impl Fn(GatewayOperation) -> bool) -> Decimal {
        self.lock()
            .performed
            .values()
            .filter(|p| wanted(p.operation) && matches!(p.outcome, GatewayOutcome::Approved { .. }))
            .map(|p| p.amount)
            .sum()
    }
}

impl PaymentGateway for FakePaymentGateway {
    fn execute(&self, request: &GatewayRequest) -> Result<GatewayOutcome> {
        let mut ledger = self.lock();
        ledger.calls += 1;
        if let Some(first) = ledger.performed.get(&request.idempotency_key) {
            if first.amount != request.amount || first.operation != request.operation {
                return Err(Error::Provider {
                    component: "payment_gateway".into(),
                    message: format!(
                        "idempotency key {} reused with different parameters",
                        request.idempotency_key
                    ),
                });
            }
            return Ok(first.outcome.clone());
        }
        let scripted = ledger.script.pop_front().unwrap_or(Scripted::Approve);
        ledger.next_reference += 1;
        let reference = request.provider_reference.as_ref().map_or_else(
            || format!("fake_ch_{:06}", ledger.next_reference),
            |r| r.to_string(),
        );
        let (outcome, answer) = match scripted {
            Scripted::Approve => {
                let o = GatewayOutcome::Approved { reference };
                (Some(o.clone()), Ok(o))
            }
            Scripted::Decline { reason } => {
                let o = GatewayOutcome::Declined { reason };
                (Some(o.clone()), Ok(o))
            }
            // Only authorizations wait for a webhook; captures, refunds and voids are immediate.
            Scripted::Pending
                if matches!(
                    request.operation,
                    GatewayOperation::Authorize | GatewayOperation::AuthorizeAndCapture
                ) =>
            {
                let o = GatewayOutcome::Pending { reference };
                (Some(o.clone()), Ok(o))
            }
            Scripted::Pending => {
                let o = GatewayOutcome::Approved { reference };
                (Some(o.clone()), Ok(o))
            }
            Scripted::TimeoutAfterSuccess => (
                Some(GatewayOutcome::Approved { reference }),
                Err(Error::GatewayUnavailable {
                    message: "timeout waiting for the provider".into(),
                }),
            ),
            Scripted::TransientError => (
                None,
                Err(Error::GatewayUnavailable {
                    message: "provider temporarily unavailable".into(),
                }),
            ),
        };
        if let Some(outcome) = outcome {
            ledger.performed.insert(
                request.idempotency_key.clone(),
                Performed {
                    operation: request.operation,
                    payment_id: request.payment_id.clone(),
                    amount: request.amount,
                    outcome,
                },
            );
        }
        answer
    }
}
