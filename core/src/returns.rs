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
use crate::money::{Currency, RoundingMode};
use crate::state_machine::StateMachine;

/// Where a return stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// The return state machine ([`return_transition`] as a table of what each state allows).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReturnMachine;

impl StateMachine for ReturnMachine {
    type State = ReturnState;
    type Action = ReturnAction;
    const ENTITY: &'static str = "return";
    const STATES: &'static [ReturnState] = &RETURN_STATES;
    const ACTIONS: &'static [ReturnAction] = &RETURN_ACTIONS;

    fn state_name(state: ReturnState) -> &'static str {
        state.name()
    }

    fn action_name(action: ReturnAction) -> &'static str {
        action.name()
    }

    fn allows(&self, state: ReturnState, action: ReturnAction) -> bool {
        return_transition(state, action).is_some()
    }
}

/// Why the customer returns an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// A new return of `items`, requested at `at`, paying back what `quote` says.
    pub(crate) fn requested(
        id: SmolStr,
        items: Vec<ReturnItem>,
        quote: RefundQuote,
        at: DateTime<Utc>,
    ) -> ReturnRequest {
        ReturnRequest {
            id,
            state: ReturnState::Requested,
            items,
            items_amount: quote.items_amount,
            shipping_amount: quote.shipping_amount,
            restocking_fee: quote.restocking_fee,
            refund_amount: quote.refund_amount,
            // Zero at the currency's scale (the quote's), as every amount of a document is.
            refunded: Decimal::new(0, quote.refund_amount.scale()),
            requested_at: at,
            history: Vec::new(),
        }
    }

    /// Moves the return by `action`, or `invalid_transition`.
    pub(crate) fn apply(
        &mut self,
        action: ReturnAction,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let Some(next) = return_transition(self.state, action) else {
            // Not allowed: the refusal names what is.
            return ReturnMachine.check(self.state, action);
        };
        self.history.push((self.state, next, at, actor.to_string()));
        self.state = next;
        Ok(())
    }
}

/// What a return pays back: its units' amount and the shipping it refunds, less the shop's
/// restocking fee on the units (rounded once, in the currency), never below zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundQuote {
    /// What was paid for the units (their discount and tax shares included).
    pub items_amount: Decimal,
    /// Shipping refunded with the return.
    pub shipping_amount: Decimal,
    /// The fee kept back: `fee_percent` of the units' amount.
    pub restocking_fee: Decimal,
    /// Units + shipping − fee.
    pub refund_amount: Decimal,
}

impl RefundQuote {
    /// The quote for units paid `items_amount` and shipping `shipping_amount` (both at the
    /// currency's scale), with a restocking fee of `fee_percent` (0–100).
    pub fn new(
        items_amount: Decimal,
        shipping_amount: Decimal,
        fee_percent: Decimal,
        currency: Currency,
        rounding: RoundingMode,
    ) -> Result<RefundQuote> {
        let fee = items_amount
            .checked_mul(fee_percent)
            .and_then(|fee| fee.checked_div(Decimal::ONE_HUNDRED))
            .ok_or_else(|| Error::overflow("restocking_fee_percent"))?;
        let restocking_fee = currency.round(fee, rounding);
        // Zero at the currency's scale: a refund the fee takes whole still reads "0.00".
        let zero = Decimal::new(0, currency.minor_units());
        let refund_amount = items_amount
            .checked_add(shipping_amount)
            .and_then(|amount| amount.checked_sub(restocking_fee))
            .ok_or_else(|| Error::overflow("refund_amount"))?
            .max(zero);
        Ok(RefundQuote {
            items_amount,
            shipping_amount,
            restocking_fee,
            refund_amount,
        })
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

#[cfg(test)]
mod quote_tests {
    use super::*;
    use crate::money::CurrencyRegistry;

    fn quote(items: &str, shipping: &str, fee: &str) -> RefundQuote {
        let usd = CurrencyRegistry::default()
            .resolve("USD", "currency")
            .unwrap();
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        RefundQuote::new(d(items), d(shipping), d(fee), usd, RoundingMode::HalfEven).unwrap()
    }

    #[test]
    fn a_return_pays_its_units_and_shipping_less_the_rounded_fee() {
        let q = quote("33.33", "5.00", "10");
        assert_eq!(q.restocking_fee.to_string(), "3.33"); // 3.333 rounded once
        assert_eq!(q.refund_amount.to_string(), "35.00");
        // A fee that takes everything leaves a refund of nothing, at the currency's scale.
        let q = quote("10.00", "0.00", "100");
        assert_eq!(q.refund_amount.to_string(), "0.00");
    }
}
