//! One shape for the four state machines — orders (per flow), payments, returns and
//! shipments: whether an action is allowed in a state, the actions a state allows, and the
//! `invalid_transition` that refuses one (listing what is allowed instead). The aggregates
//! apply an allowed action themselves (`Order::transition`, `Payment::apply_*`,
//! `ReturnRequest::apply`), and a transition-table test is the same code for each machine.

use crate::error::{Error, Result};

/// A state machine: its states, its actions and which action each state allows.
pub trait StateMachine {
    /// Where an entity stands.
    type State: Copy + PartialEq + 'static;
    /// What can be done to it.
    type Action: Copy + PartialEq + 'static;

    /// The entity's name in errors (`order`, `payment`, `return`, `shipment`).
    const ENTITY: &'static str;
    /// Every state, in canonical order.
    const STATES: &'static [Self::State];
    /// Every action, in canonical order.
    const ACTIONS: &'static [Self::Action];

    /// A state's name.
    fn state_name(state: Self::State) -> &'static str;
    /// An action's name.
    fn action_name(action: Self::Action) -> &'static str;
    /// Whether `action` may be taken in `state` (amounts, payments and permissions come on top).
    fn allows(&self, state: Self::State, action: Self::Action) -> bool;

    /// The actions `state` allows, in canonical order.
    fn allowed(&self, state: Self::State) -> Vec<Self::Action> {
        (Self::ACTIONS.iter().copied())
            .filter(|action| self.allows(state, *action))
            .collect()
    }

    /// `invalid_transition`, listing the allowed actions, unless `action` is allowed in `state`.
    fn check(&self, state: Self::State, action: Self::Action) -> Result<()> {
        if self.allows(state, action) {
            return Ok(());
        }
        Err(Error::InvalidTransition {
            entity: Self::ENTITY.into(),
            state: Self::state_name(state).into(),
            action: Self::action_name(action).into(),
            allowed: (self.allowed(state).into_iter())
                .map(|a| Self::action_name(a).to_string())
                .collect(),
        })
    }
}
