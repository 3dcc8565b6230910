//! Returns (RMA): `requested → approved → pickup_scheduled → in_transit → received → processed
//! → refunded`, plus `rejected` and `cancelled`. Pickup and transit may be skipped (a return
//! handed in at a store is received straight after approval).
//!
//! The refund of a return is exactly what was paid for the returned units — their share of
//! discounts and tax, taken from the per-unit splits of the price breakdown — so returning every
//! unit one at a time refunds exactly what was paid, never a cent more.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::actor::StaffDuty;
use crate::error::{Error, Result};
use crate::money::amount_serde;

/// Where a return stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnState {
    /// Asked for by the customer.
    Requested,
    /// Accepted by staff.
    Approved,
    /// A pickup is booked.
    PickupScheduled,
    /// On its way back.
    InTransit,
    /// Arrived and inspected.
    Received,
    /// Restocked / written off.
    Processed,
    /// Money returned.
    Refunded,
    /// Refused by staff.
    Rejected,
    /// Withdrawn.
    Cancelled,
}

/// What can be done to a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnAction {
    /// Accept.
    Approve,
    /// Refuse.
    Reject,
    /// Book a pickup.
    SchedulePickup,
    /// Mark on its way.
    MarkInTransit,
    /// Record arrival and condition.
    Receive,
    /// Restock what is sellable.
    Process,
    /// Pay back.
    Refund,
    /// Withdraw.
    Cancel,
}

/// Every return state and action, for tables and tests.
pub const RETURN_STATES: [ReturnState; 9] = [
    ReturnState::Requested,
    ReturnState::Approved,
    ReturnState::PickupScheduled,
    ReturnState::InTransit,
    ReturnState::Received,
    ReturnState::Processed,
    ReturnState::Refunded,
    ReturnState::Rejected,
    ReturnState::Cancelled,
];

/// Every return action.
pub const RETURN_ACTIONS: [ReturnAction; 8] = [
    ReturnAction::Approve,
    ReturnAction::Reject,
    ReturnAction::SchedulePickup,
    ReturnAction::MarkInTransit,
    ReturnAction::Receive,
    ReturnAction::Process,
    ReturnAction::Refund,
    ReturnAction::Cancel,
];

impl ReturnState {
    /// The state's name.
    pub fn name(self) -> &'static str {
        match self {
            ReturnState::Requested => "requested",
            ReturnState::Approved => "approved",
            ReturnState::PickupScheduled => "pickup_scheduled",
            ReturnState::InTransit => "in_transit",
            ReturnState::Received => "received",
            ReturnState::Processed => "processed",
            ReturnState::Refunded => "refunded",
            ReturnState::Rejected => "rejected",
            ReturnState::Cancelled => "cancelled",
        }
    }

    /// Whether the return was withdrawn or refused: it holds no units and pays nothing.
    pub fn is_withdrawn(self) -> bool {
        matches!(self, ReturnState::Rejected | ReturnState::Cancelled)
    }

    /// Whether the return is still open (its units count as requested).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            ReturnState::Refunded | ReturnState::Rejected | ReturnState::Cancelled
        )
    }
}

impl ReturnAction {
    /// The staff duty this action needs, or `None` when the return's customer may take it
    /// (withdrawing their own return).
    pub(crate) fn duty(self, by_customer: bool) -> Option<StaffDuty> {
        match self {
            ReturnAction::Cancel if by_customer => None,
            ReturnAction::Approve
            | ReturnAction::Reject
            | ReturnAction::Refund
            | ReturnAction::Cancel => Some(StaffDuty::Support),
            ReturnAction::SchedulePickup
            | ReturnAction::MarkInTransit
            | ReturnAction::Receive
            | ReturnAction::Process => Some(StaffDuty::Warehouse),
        }
    }

    /// The action's name.
    pub fn name(self) -> &'static str {
        match self {
            ReturnAction::Approve => "approve",
            ReturnAction::Reject => "reject",
            ReturnAction::SchedulePickup => "schedule_pickup",
            ReturnAction::MarkInTransit => "mark_in_transit",
            ReturnAction::Receive => "receive",
            ReturnAction::Process => "process",
            ReturnAction::Refund => "refund",
            ReturnAction::Cancel => "cancel",
        }
    }
}

/// The state `action` leads to from `state`, if allowed.
pub fn return_transition(state: ReturnState, action: ReturnAction) -> Option<ReturnState> {
    use ReturnAction as A;
    use ReturnState as S;
    match (state, action) {
        (S::Requested, A::Approve) => Some(S::Approved),
        (S::Requested, A::Reject) => Some(S::Rejected),
        (S::Requested | S::Approved | S::PickupScheduled, A::Cancel) => Some(S::Cancelled),
        (S::Approved, A::SchedulePickup) => Some(S::PickupScheduled),
        (S::Approved | S::PickupScheduled, A::MarkInTransit) => Some(S::InTransit),
        (S::Approved | S::PickupScheduled | S::InTransit, A::Receive) => Some(S::Received),
        (S::Received, A::Process) => Some(S::Processed),
        (S::Processed, A::Refund) => Some(S::Refunded),
        _ => None,
    }
}

/// Why the customer returns an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// Does not work.
    Defective,
    /// Not what was ordered.
    WrongItem,
    /// Not as described.
    NotAsDescribed,
    /// Changed their mind.
    NoLongerNeeded,
    /// Damaged on the way.
    DamagedInTransit,
    /// Anything else.
    Other,
}

/// The condition of a returned item, as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemCondition {
    /// Can be sold again: goes back on hand.
    Sellable,
    /// Opened but fine: goes back on hand.
    Opened,
    /// Damaged: written off.
    Damaged,
    /// Unusable: written off.
    Unsellable,
}

impl ItemCondition {
    /// Whether the item goes back on hand.
    pub fn is_sellable(self) -> bool {
        matches!(self, ItemCondition::Sellable | ItemCondition::Opened)
    }
}

/// Units of one order line in a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnItem {
    /// Line index in the order.
    pub line: usize,
    /// Units.
    pub quantity: i64,
    /// Why.
    pub reason: ReturnReason,
    /// As received (set on receipt).
    #[serde(default)]
    pub condition: Option<ItemCondition>,
    /// Index of the first of these units within the line (units are refunded in order, so
    /// returning every unit sums to exactly what the line cost).
    #[serde(default)]
    pub first_unit: u64,
}

/// A return request (RMA).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnRequest {
    /// Return id.
    pub id: SmolStr,
    /// Where it stands.
    pub state: ReturnState,
    /// What comes back.
    pub items: Vec<ReturnItem>,
    /// What was paid for the items (their discount and tax shares included).
    #[serde(serialize_with = "amount_serde::serialize")]
    pub items_amount: Decimal,
    /// Shipping refunded with this return (per policy).
    #[serde(serialize_with = "amount_serde::serialize")]
    pub shipping_amount: Decimal,
    /// Restocking fee kept back.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub restocking_fee: Decimal,
    /// What the customer gets back: items + shipping − fee.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub refund_amount: Decimal,
    /// What was paid out when it was refunded: `refund_amount`, or less when refunds made
    /// outside returns left less of the order's money to give back.
    #[serde(default, serialize_with = "amount_serde::serialize")]
    pub refunded: Decimal,
    /// When it was requested.
    pub requested_at: DateTime<Utc>,
    /// State changes: `(from, to, at, actor)`.
    pub history: Vec<(ReturnState, ReturnState, DateTime<Utc>, String)>,
}

impl ReturnRequest {
    /// Moves the return by `action`, or `invalid_transition`.
    pub(crate) fn apply(
        &mut self,
        action: ReturnAction,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let next =
            return_transition(self.state, action).ok_or_else(|| Error::InvalidTransition {
                entity: "return".into(),
                state: self.state.name().into(),
                action: action.name().into(),
                allowed: RETURN_ACTIONS
                    .into_iter()
                    .filter(|a| return_transition(self.state, *a).is_some())
                    .map(|a| a.name().to_string())
                    .collect(),
            })?;
        self.history.push((self.state, next, at, actor.to_string()));
        self.state = next;
        Ok(())
    }
}

/// The units of line `line` a new return takes: the first `count` that no live return (one
/// neither rejected nor cancelled) holds, as `(first unit, units)` runs. A withdrawn return's
/// units are free again, so a later return takes them rather than a unit already refunded.
pub(crate) fn free_units<'a>(
    live: impl Iterator<Item = &'a ReturnItem>,
    line: usize,
    count: u64,
) -> Vec<(u64, u64)> {
    let mut taken: Vec<(u64, u64)> = live
        .filter(|item| item.line == line)
        .map(|item| (item.first_unit, item.quantity.max(0) as u64))
        .collect();
    taken.sort_unstable();
    let mut runs = Vec::new();
    let (mut next, mut left) = (0u64, count);
    for (first, units) in taken.into_iter().chain([(u64::MAX, 0)]) {
        if left == 0 {
            break;
        }
        let gap = first.saturating_sub(next).min(left);
        if gap > 0 {
            runs.push((next, gap));
            left -= gap;
        }
        next = next.max(first.saturating_add(units));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(line: usize, first_unit: u64, quantity: i64) -> ReturnItem {
        ReturnItem {
            line,
            quantity,
            reason: ReturnReason::Other,
            condition: None,
            first_unit,
        }
    }

    #[test]
    fn a_new_return_takes_the_first_units_no_live_return_holds() {
        let live = [item(0, 1, 1), item(0, 3, 2), item(1, 0, 5)];
        assert_eq!(free_units(live.iter(), 0, 1), [(0, 1)]);
        assert_eq!(free_units(live.iter(), 0, 3), [(0, 1), (2, 1), (5, 1)]);
        assert_eq!(free_units(live.iter(), 1, 2), [(5, 2)]);
        assert_eq!(free_units([].iter(), 2, 4), [(0, 4)]);
    }
}
