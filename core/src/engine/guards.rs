//! Who may do what to an order now: the state machine's answer for an actor, as an error that
//! lists what is available instead.

use super::*;

impl Engine {
    /// `invalid_transition` for `action` on `order` in `state` (a label such as `paid` where the
    /// flow's state allows the action but the order's money does not), listing what `actor`
    /// can do instead.
    pub(super) fn refusal(
        &self,
        order: &Order,
        actor: &Actor,
        action: OrderAction,
        state: &str,
    ) -> Result<Error> {
        Ok(Error::InvalidTransition {
            entity: "order".into(),
            state: state.into(),
            action: action.name().into(),
            allowed: (self.available_actions(order, actor)?.into_iter())
                .map(|a| a.name().to_string())
                .collect(),
        })
    }

    /// Whether `actor` may capture authorized money (support staff and admins).
    pub(super) fn may_capture(actor: &Actor) -> bool {
        actor.require_staff(StaffDuty::Support, "").is_ok()
    }

    /// `invalid_transition` unless the order's flow allows `action` in its state; the error
    /// lists what `actor` can do instead (`available_actions`).
    pub(super) fn require_allowed(
        &self,
        order: &Order,
        actor: &Actor,
        action: OrderAction,
    ) -> Result<()> {
        if self.flow(&order.flow)?.allows(order.state, action) {
            return Ok(());
        }
        Err(self.refusal(order, actor, action, order.state.name())?)
    }

    pub(super) fn require_paid(
        &self,
        order: &Order,
        actor: &Actor,
        action: OrderAction,
    ) -> Result<()> {
        if order.is_paid() {
            return Ok(());
        }
        Err(self.refusal(order, actor, action, "unpaid")?)
    }
}
