//! The subscription state machine (Stripe's states), in the same shape as the order machines:
//! which action each state allows, and where it leads.
//!
//! | state | allows → leads to |
//! |---|---|
//! | `incomplete` (first payment outstanding) | `activate` → active, `expire` → incomplete_expired, `cancel` → canceled |
//! | `trialing` | `end_trial` → active, `fail_payment` → past_due, `change` → trialing, `pause` → paused, `cancel` → canceled |
//! | `active` | `renew` → active, `fail_payment` → past_due, `change` → active, `pause` → paused, `cancel` → canceled |
//! | `past_due` (a renewal is unpaid; dunning retries it) | `renew` → past_due, `fail_payment` → past_due, `recover` → active, `mark_unpaid` → unpaid, `change` → past_due, `cancel` → canceled |
//! | `unpaid` (dunning gave up; access should stop) | `recover` → active, `cancel` → canceled |
//! | `paused` (no invoices) | `resume` → active, `cancel` → canceled |
//! | `canceled`, `incomplete_expired` | nothing: final |

use serde::{Deserialize, Serialize};

use crate::state_machine::StateMachine;

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionState {
    /// Created; its first invoice is not paid yet.
    Incomplete,
    /// The first invoice was never paid: final.
    IncompleteExpired,
    /// In its free trial.
    Trialing,
    /// Paid up and renewing.
    Active,
    /// A renewal invoice is unpaid and being retried.
    PastDue,
    /// Retries ran out; the invoice stays open (access should stop).
    Unpaid,
    /// Ended: final.
    Canceled,
    /// Paused: no periods are billed until it resumes.
    Paused,
}

/// Every subscription state, in canonical order.
pub const SUBSCRIPTION_STATES: [SubscriptionState; 8] = [
    SubscriptionState::Incomplete,
    SubscriptionState::IncompleteExpired,
    SubscriptionState::Trialing,
    SubscriptionState::Active,
    SubscriptionState::PastDue,
    SubscriptionState::Unpaid,
    SubscriptionState::Canceled,
    SubscriptionState::Paused,
];

impl SubscriptionState {
    /// The state's canonical name.
    pub fn name(self) -> &'static str {
        match self {
            SubscriptionState::Incomplete => "incomplete",
            SubscriptionState::IncompleteExpired => "incomplete_expired",
            SubscriptionState::Trialing => "trialing",
            SubscriptionState::Active => "active",
            SubscriptionState::PastDue => "past_due",
            SubscriptionState::Unpaid => "unpaid",
            SubscriptionState::Canceled => "canceled",
            SubscriptionState::Paused => "paused",
        }
    }
}

/// What happens to a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionAction {
    /// The first invoice was paid.
    Activate,
    /// The first invoice stayed unpaid past its deadline.
    Expire,
    /// The trial ended and the first paid period began.
    EndTrial,
    /// A new period began.
    Renew,
    /// Charging an invoice failed.
    FailPayment,
    /// An overdue invoice was paid.
    Recover,
    /// Dunning ran out of retries and the configuration keeps the subscription as unpaid.
    MarkUnpaid,
    /// The plan or the number of seats changed.
    Change,
    /// Billing stops until resumed.
    Pause,
    /// Billing starts again.
    Resume,
    /// The subscription ends.
    Cancel,
}

/// Every subscription action, in canonical order.
pub const SUBSCRIPTION_ACTIONS: [SubscriptionAction; 11] = [
    SubscriptionAction::Activate,
    SubscriptionAction::Expire,
    SubscriptionAction::EndTrial,
    SubscriptionAction::Renew,
    SubscriptionAction::FailPayment,
    SubscriptionAction::Recover,
    SubscriptionAction::MarkUnpaid,
    SubscriptionAction::Change,
    SubscriptionAction::Pause,
    SubscriptionAction::Resume,
    SubscriptionAction::Cancel,
];

impl SubscriptionAction {
    /// The action's canonical name.
    pub fn name(self) -> &'static str {
        match self {
            SubscriptionAction::Activate => "activate",
            SubscriptionAction::Expire => "expire",
            SubscriptionAction::EndTrial => "end_trial",
            SubscriptionAction::Renew => "renew",
            SubscriptionAction::FailPayment => "fail_payment",
            SubscriptionAction::Recover => "recover",
            SubscriptionAction::MarkUnpaid => "mark_unpaid",
            SubscriptionAction::Change => "change",
            SubscriptionAction::Pause => "pause",
            SubscriptionAction::Resume => "resume",
            SubscriptionAction::Cancel => "cancel",
        }
    }
}

/// The subscription state machine.
#[derive(Debug, Clone, Copy, Default)]
pub struct SubscriptionMachine;

impl SubscriptionMachine {
    /// Where `action` takes a subscription in `state`, if it is allowed there.
    pub fn target(
        &self,
        state: SubscriptionState,
        action: SubscriptionAction,
    ) -> Option<SubscriptionState> {
        use SubscriptionAction as A;
        use SubscriptionState as S;
        let target = match (state, action) {
            (S::Incomplete, A::Activate) => S::Active,
            (S::Incomplete, A::Expire) => S::IncompleteExpired,
            (S::Trialing, A::EndTrial) | (S::Paused, A::Resume) => S::Active,
            (S::Trialing | S::Active | S::PastDue, A::Change) => state,
            (S::Active, A::Renew) => S::Active,
            (S::PastDue, A::Renew) => S::PastDue,
            (S::Trialing | S::Active | S::PastDue, A::FailPayment) => S::PastDue,
            (S::PastDue | S::Unpaid, A::Recover) => S::Active,
            (S::PastDue, A::MarkUnpaid) => S::Unpaid,
            (S::Trialing | S::Active, A::Pause) => S::Paused,
            (S::Canceled | S::IncompleteExpired, A::Cancel) => return None,
            (_, A::Cancel) => S::Canceled,
            _ => return None,
        };
        Some(target)
    }
}

impl StateMachine for SubscriptionMachine {
    type State = SubscriptionState;
    type Action = SubscriptionAction;
    const ENTITY: &'static str = "subscription";
    const STATES: &'static [SubscriptionState] = &SUBSCRIPTION_STATES;
    const ACTIONS: &'static [SubscriptionAction] = &SUBSCRIPTION_ACTIONS;

    fn state_name(state: SubscriptionState) -> &'static str {
        state.name()
    }

    fn action_name(action: SubscriptionAction) -> &'static str {
        action.name()
    }

    fn allows(&self, state: SubscriptionState, action: SubscriptionAction) -> bool {
        self.target(state, action).is_some()
    }
}
