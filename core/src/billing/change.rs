//! Plan and seat changes in the middle of a period, and how they are prorated:
//!
//! - `create_prorations` (the default): the unused time at the old amount is credited and the
//!   remaining time at the new amount charged, both on the next invoice;
//! - `always_invoice`: the same items, invoiced (and charged) now;
//! - `none`: no proration; the new amount applies from the next period.
//!
//! A change at the period's end is a schedule, not a proration: it takes effect with the next
//! period. Switching to another interval (monthly → yearly) restarts the schedule now: the unused
//! time is credited and the new plan's first period billed at once, as Stripe does.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use super::invoice::{InvoiceItem, LineKind};
use super::period::{Period, Schedule};
use super::plan::{Plan, PlanStatus};
use super::proration::prorate;
use super::subscription::Subscription;
use super::subscription_machine::{SubscriptionAction, SubscriptionMachine, SubscriptionState};
use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::money::{CurrencyRegistry, RoundingMode};
use crate::state_machine::StateMachine;

/// How a mid-period change is prorated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProrationBehavior {
    /// Credit and charge on the next invoice.
    #[default]
    CreateProrations,
    /// Credit and charge on an invoice now.
    AlwaysInvoice,
    /// No proration.
    None,
}

/// A change waiting for the current period's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PendingChange {
    /// The plan it moves to.
    pub plan_id: SmolStr,
    /// That plan's version.
    pub plan_version: u32,
    /// The seats it will have.
    pub quantity: u32,
}

/// A change of plan (or version) and seats.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The plan the subscription is on now (at its version).
    pub from: &'a Plan,
    /// The plan to move to (the same one for a seat change).
    pub to: &'a Plan,
    /// Seats after the change.
    pub quantity: u32,
    /// How to prorate it.
    pub behavior: ProrationBehavior,
    /// Wait for the current period's end instead.
    pub at_period_end: bool,
    /// How proration amounts are rounded.
    pub rounding: RoundingMode,
}

/// What a change bills.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangeBill {
    /// Credits and charges (none for `none`, at the period's end, or during a trial).
    pub items: Vec<InvoiceItem>,
    /// Whether they are invoiced now (`always_invoice`, or a new interval) rather than with the
    /// next renewal.
    pub invoice_now: bool,
}

impl Subscription {
    /// Moves to `change.to` with `change.quantity` seats at `at`.
    pub fn change(
        &mut self,
        change: Change<'_>,
        at: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<ChangeBill> {
        check_change(self, &change)?;
        if change.at_period_end && self.state != SubscriptionState::Trialing {
            self.pending_change = Some(PendingChange {
                plan_id: change.to.id.clone(),
                plan_version: change.to.version,
                quantity: change.quantity,
            });
            return Ok(ChangeBill::default());
        }
        self.apply(SubscriptionAction::Change, at, actor)?;
        let (old_quantity, trialing) = (self.quantity, self.state == SubscriptionState::Trialing);
        self.plan_id = change.to.id.clone();
        self.plan_version = change.to.version;
        self.quantity = change.quantity;
        self.pending_change = None;
        if trialing {
            self.schedule.interval = change.to.interval;
            return Ok(ChangeBill::default());
        }
        let period = self.schedule.period(self.next_period.saturating_sub(1))?;
        if change.to.interval != change.from.interval {
            return self.restart(&change, old_quantity, &period, at);
        }
        if change.behavior == ProrationBehavior::None {
            return Ok(ChangeBill::default());
        }
        let items = proration_items(&change, old_quantity, &period, at)?;
        Ok(ChangeBill {
            items,
            invoice_now: change.behavior == ProrationBehavior::AlwaysInvoice,
        })
    }

    /// A new interval: the unused time credited, a new schedule from `at`, its first period
    /// billed now.
    fn restart(
        &mut self,
        change: &Change<'_>,
        old_quantity: u32,
        period: &Period,
        at: DateTime<Utc>,
    ) -> Result<ChangeBill> {
        let mut items = Vec::new();
        if change.behavior != ProrationBehavior::None {
            // The credit alone: the old plan at the old seats against nothing.
            let unused = proration_items(change, old_quantity, period, at)?;
            items
                .extend((unused.into_iter()).filter(|item| item.kind == LineKind::ProrationCredit));
        }
        self.schedule = Schedule {
            start: at,
            interval: change.to.interval,
            mode: self.schedule.mode,
        };
        self.next_period = 0;
        let first = self.bill_next()?;
        let currency = CurrencyRegistry::new().resolve(&change.to.currency, "currency")?;
        items.push(InvoiceItem {
            kind: LineKind::Period,
            description: change.to.name.clone(),
            unit_amount: change.to.period_amount(1, &currency)?,
            quantity: self.quantity,
            tax_class: change.to.tax_class.clone(),
            period: Some(first),
        });
        Ok(ChangeBill {
            items,
            invoice_now: true,
        })
    }
}

/// A change the subscription can take: allowed in its state, from the plan it is on, to an
/// offered plan in its currency, with at least one seat.
fn check_change(subscription: &Subscription, change: &Change<'_>) -> Result<()> {
    SubscriptionMachine.check(subscription.state, SubscriptionAction::Change)?;
    if change.from.id != subscription.plan_id || change.from.version != subscription.plan_version {
        return Err(Error::invalid(
            "from",
            "not the plan the subscription is on",
        ));
    }
    if change.to.status == PlanStatus::Archived && change.to.id != change.from.id {
        return Err(Error::invalid(
            "plan_id",
            "the plan is archived: it takes no new subscriptions",
        ));
    }
    if change.to.currency != change.from.currency {
        return Err(Error::invalid(
            "plan_id",
            "a subscription keeps its currency",
        ));
    }
    if change.quantity == 0 {
        return Err(Error::invalid("quantity", "at least one seat"));
    }
    Ok(())
}

/// The credit for the unused time at the old amount and the charge for the remaining time at
/// the new one (each left out when it is zero).
fn proration_items(
    change: &Change<'_>,
    old_quantity: u32,
    period: &Period,
    at: DateTime<Utc>,
) -> Result<Vec<InvoiceItem>> {
    let currency = CurrencyRegistry::new().resolve(&change.from.currency, "currency")?;
    let old = change.from.period_amount(old_quantity, &currency)?;
    let new = change.to.period_amount(change.quantity, &currency)?;
    let proration = prorate(old, new, period, at, &currency, change.rounding)?;
    // A charge rounded below zero (a sub-cent new amount) is folded into the credit: the net stays.
    let (credit, charge) = if proration.charge < Decimal::ZERO {
        (proration.credit + proration.charge, Decimal::ZERO)
    } else {
        (proration.credit, proration.charge)
    };
    let item = |kind, amount: Decimal, plan: &Plan| InvoiceItem {
        kind,
        description: match kind {
            LineKind::ProrationCredit => format!("Unused time on {}", plan.name),
            _ => format!("Remaining time on {}", plan.name),
        },
        unit_amount: amount.abs(),
        quantity: 1,
        tax_class: plan.tax_class.clone(),
        period: Some(Period {
            start: at,
            ..*period
        }),
    };
    let mut items = Vec::new();
    if !credit.is_zero() {
        items.push(item(LineKind::ProrationCredit, credit, change.from));
    }
    if !charge.is_zero() {
        items.push(item(LineKind::ProrationCharge, charge, change.to));
    }
    Ok(items)
}
