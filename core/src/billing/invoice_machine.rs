//! The invoice state machine: `draft → open → paid | void | uncollectible`.
//!
//! | state | allows → leads to |
//! |---|---|
//! | `draft` (still changing) | `finalize` → open, `void` → void |
//! | `open` (final, awaiting payment) | `pay` → paid, `void` → void, `mark_uncollectible` → uncollectible |
//! | `uncollectible` (dunning gave up; still payable) | `pay` → paid, `void` → void |
//! | `paid`, `void` | nothing: final |

use serde::{Deserialize, Serialize};

use crate::state_machine::StateMachine;

/// Where an invoice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvoiceState {
    /// Being put together: lines may still change, no number yet.
    Draft,
    /// Final and numbered, awaiting payment.
    Open,
    /// Paid: final.
    Paid,
    /// Cancelled: final, owed by no one.
    Void,
    /// Given up on by dunning; a late payment still settles it.
    Uncollectible,
}

/// Every invoice state, in canonical order.
pub const INVOICE_STATES: [InvoiceState; 5] = [
    InvoiceState::Draft,
    InvoiceState::Open,
    InvoiceState::Paid,
    InvoiceState::Void,
    InvoiceState::Uncollectible,
];

/// What happens to an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvoiceAction {
    /// Make it final and number it.
    Finalize,
    /// Record its payment.
    Pay,
    /// Cancel it.
    Void,
    /// Give up collecting it.
    MarkUncollectible,
}

/// Every invoice action, in canonical order.
pub const INVOICE_ACTIONS: [InvoiceAction; 4] = [
    InvoiceAction::Finalize,
    InvoiceAction::Pay,
    InvoiceAction::Void,
    InvoiceAction::MarkUncollectible,
];

/// The invoice state machine.
#[derive(Debug, Clone, Copy, Default)]
pub struct InvoiceMachine;

impl InvoiceMachine {
    /// Where `action` takes an invoice in `state`, if it is allowed there.
    pub fn target(&self, state: InvoiceState, action: InvoiceAction) -> Option<InvoiceState> {
        use InvoiceAction as A;
        use InvoiceState as S;
        Some(match (state, action) {
            (S::Draft, A::Finalize) => S::Open,
            (S::Open | S::Uncollectible, A::Pay) => S::Paid,
            (S::Draft | S::Open | S::Uncollectible, A::Void) => S::Void,
            (S::Open, A::MarkUncollectible) => S::Uncollectible,
            _ => return None,
        })
    }
}

impl StateMachine for InvoiceMachine {
    type State = InvoiceState;
    type Action = InvoiceAction;
    const ENTITY: &'static str = "invoice";
    const STATES: &'static [InvoiceState] = &INVOICE_STATES;
    const ACTIONS: &'static [InvoiceAction] = &INVOICE_ACTIONS;

    fn state_name(state: InvoiceState) -> &'static str {
        match state {
            InvoiceState::Draft => "draft",
            InvoiceState::Open => "open",
            InvoiceState::Paid => "paid",
            InvoiceState::Void => "void",
            InvoiceState::Uncollectible => "uncollectible",
        }
    }

    fn action_name(action: InvoiceAction) -> &'static str {
        match action {
            InvoiceAction::Finalize => "finalize",
            InvoiceAction::Pay => "pay",
            InvoiceAction::Void => "void",
            InvoiceAction::MarkUncollectible => "mark_uncollectible",
        }
    }

    fn allows(&self, state: InvoiceState, action: InvoiceAction) -> bool {
        self.target(state, action).is_some()
    }
}
