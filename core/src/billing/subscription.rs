//! A subscription: a customer's plan (at a version), seats, state and billing periods, with its
//! audit trail. Pure: every change takes the instant and the actor, and says what it bills.
//!
//! Periods are billed in advance: starting (without a trial) bills period 0, ending a trial
//! bills period 0 of the paid schedule (anchored at the trial's end), and each renewal bills the
//! next period once the current one is over. A renewal is due at most once per period: the next
//! period's index only ever grows by one, so retries, repeated ticks and racing processes (whose
//! writes are version-guarded) cannot bill a period twice.

use chrono::{DateTime, Days, Utc};
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use super::period::{BillingMode, Period, Schedule};
use super::plan::{Plan, PlanStatus};
use super::subscription_machine::{SubscriptionAction, SubscriptionMachine, SubscriptionState};
use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::payment::PaymentMethod;
use crate::state_machine::StateMachine;

/// One change of a subscription's state, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SubscriptionTransition {
    /// The state before (none at creation).
    pub from: Option<SubscriptionState>,
    /// The state after.
    pub to: SubscriptionState,
    /// What happened.
    pub action: Option<SubscriptionAction>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`customer:c1`, `staff:s1:admin`, `system`).
    pub actor: SmolStr,
}

/// A customer's subscription to a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Subscription {
    /// Subscription id.
    pub id: SmolStr,
    /// The customer.
    pub customer_id: SmolStr,
    /// The plan.
    pub plan_id: SmolStr,
    /// The plan's version it pays (a new price reaches it only when it is moved).
    pub plan_version: u32,
    /// Seats (1 for flat plans).
    pub quantity: u32,
    /// Where it stands.
    pub state: SubscriptionState,
    /// Its paid periods: anchored at its start, or at the trial's end.
    pub schedule: Schedule,
    /// The index of the next period to bill (0 until the first one is billed).
    pub next_period: u32,
    /// The start of the current period (the trial while trialing).
    pub current_period_start: DateTime<Utc>,
    /// The end of the current period (the trial's end while trialing).
    pub current_period_end: DateTime<Utc>,
    /// When the trial ends, if it has one.
    pub trial_end: Option<DateTime<Utc>>,
    /// Whether it ends at the current period's end instead of renewing.
    pub cancel_at_period_end: bool,
    /// A plan or seat change scheduled for the current period's end.
    #[serde(default)]
    pub pending_change: Option<super::change::PendingChange>,
    /// When it ended (canceled or expired).
    pub ended_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Its state changes, oldest first.
    pub history: Vec<SubscriptionTransition>,
    /// Where the customer is taxed (its invoices' tax), if given.
    #[serde(default)]
    pub address: Option<crate::address::Address>,
    /// The last invoice it was billed.
    #[serde(default)]
    pub latest_invoice: Option<SmolStr>,
    /// The coupon it was subscribed with, while it still discounts its invoices.
    #[serde(default)]
    pub discount: Option<Discount>,
    /// Every invoice it was billed, oldest first (`list_invoices` pages over them).
    #[serde(default)]
    pub invoices: Vec<SmolStr>,
    /// Prorations waiting for its next invoice (`create_prorations` changes).
    #[serde(default)]
    pub pending_items: Vec<super::invoice::InvoiceItem>,
    /// The sequence number of its last event.
    #[serde(default)]
    pub event_sequence: u64,
    /// The method the scheduler charges its invoices with; absent: they wait for `pay_invoice`.
    #[serde(default)]
    pub payment_method: Option<PaymentMethod>,
    /// The invoice the scheduler collects with `payment_method`, and when it next charges it
    /// (the first attempt, then the dunning retries); absent: nothing to collect.
    #[serde(default)]
    pub collecting: Option<Collection>,
    /// Whether a charge of its invoice awaits the provider's webhook (an incomplete
    /// subscription does not expire meanwhile: the money may be on its way).
    #[serde(default)]
    pub charge_pending: bool,
    /// Whether `trial_will_end` was announced.
    #[serde(default)]
    pub trial_notice_sent: bool,
    /// When the scheduler must next look at it ([`Subscription::next_due`]), kept for stores
    /// to index.
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
}

/// A coupon on a subscription: applied to each of its invoices' charges (by the promotion
/// engine, as a cart's coupon) for as many period invoices as its promotion says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Discount {
    /// The coupon code.
    pub coupon: String,
    /// The promotion it redeems.
    pub promotion_id: String,
    /// Period invoices it still discounts; `None`: every one, for ever.
    pub periods_left: Option<u32>,
}

impl Discount {
    /// The coupon codes for the next invoice: this one while it lasts.
    pub fn codes(discount: Option<&Discount>) -> Vec<String> {
        match discount {
            Some(d) if d.periods_left != Some(0) => vec![d.coupon.clone()],
            _ => Vec::new(),
        }
    }
}

/// An invoice the scheduler collects: the latest with something to charge. An earlier one
/// still open stays payable (`pay_invoice`, a webhook) but is not retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Collection {
    /// The invoice.
    pub invoice_id: SmolStr,
    /// When it is charged next.
    pub next_attempt_at: DateTime<Utc>,
}

/// What a new subscription is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription<'a> {
    /// Its id (from the engine's id generator).
    pub id: &'a str,
    /// The customer.
    pub customer_id: &'a str,
    /// The plan, at the version to pay.
    pub plan: &'a Plan,
    /// Seats (1 for flat plans).
    pub quantity: u32,
    /// Anniversary or calendar periods.
    pub mode: BillingMode,
    /// The method the scheduler charges its invoices with, if any.
    pub payment_method: Option<PaymentMethod>,
}

impl Subscription {
    /// A new subscription at `at`: trialing when the plan has trial days (nothing billed until
    /// the trial ends), else incomplete until its first invoice — period 0, answered here — is
    /// paid. `invalid_input` for an archived plan or no seats.
    pub fn start(
        new: NewSubscription<'_>,
        at: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<(Subscription, Option<Period>)> {
        if new.plan.status == PlanStatus::Archived {
            return Err(Error::invalid(
                "plan_id",
                "the plan is archived: it takes no new subscriptions",
            ));
        }
        if new.quantity == 0 {
            return Err(Error::invalid("quantity", "at least one seat"));
        }
        let trial_end = match new.plan.trial_days {
            0 => None,
            days => Some(
                at.checked_add_days(Days::new(u64::from(days)))
                    .ok_or_else(|| Error::invalid("trial_days", "ends past the calendar"))?,
            ),
        };
        let schedule = Schedule {
            start: trial_end.unwrap_or(at),
            interval: new.plan.interval,
            mode: new.mode,
        };
        let state = if trial_end.is_some() {
            SubscriptionState::Trialing
        } else {
            SubscriptionState::Incomplete
        };
        let mut subscription = Subscription {
            id: new.id.into(),
            customer_id: new.customer_id.into(),
            plan_id: new.plan.id.clone(),
            plan_version: new.plan.version,
            quantity: new.quantity,
            state,
            schedule,
            next_period: 0,
            current_period_start: at,
            current_period_end: trial_end.unwrap_or(at),
            trial_end,
            cancel_at_period_end: false,
            pending_change: None,
            ended_at: None,
            created_at: at,
            history: vec![SubscriptionTransition {
                from: None,
                to: state,
                action: None,
                at,
                actor: actor.label(),
            }],
            address: None,
            latest_invoice: None,
            invoices: Vec::new(),
            discount: None,
            pending_items: Vec::new(),
            event_sequence: 0,
            payment_method: new.payment_method,
            collecting: None,
            trial_notice_sent: false,
            charge_pending: false,
            due_at: None,
        };
        let billed = match trial_end {
            Some(_) => None,
            None => Some(subscription.bill_next()?),
        };
        Ok((subscription, billed))
    }

    /// Takes `action` if the state machine allows it, recording who did it when.
    pub fn apply(
        &mut self,
        action: SubscriptionAction,
        at: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<()> {
        SubscriptionMachine.check(self.state, action)?;
        let to = SubscriptionMachine
            .target(self.state, action)
            .unwrap_or(self.state);
        self.history.push(SubscriptionTransition {
            from: Some(self.state),
            to,
            action: Some(action),
            at,
            actor: actor.label(),
        });
        self.state = to;
        if matches!(
            to,
            SubscriptionState::Canceled | SubscriptionState::IncompleteExpired
        ) {
            self.ended_at = Some(at);
        }
        Ok(())
    }

    /// Makes the next period the current one and answers it (to invoice).
    pub(super) fn bill_next(&mut self) -> Result<Period> {
        let period = self.schedule.period(self.next_period)?;
        self.next_period = self
            .next_period
            .checked_add(1)
            .ok_or_else(|| Error::invalid("period", "no period after the last one"))?;
        self.current_period_start = period.start;
        self.current_period_end = period.end;
        Ok(period)
    }

    /// Ends the trial at or after its end: active, and period 0 of the paid schedule to bill.
    pub fn end_trial(&mut self, at: DateTime<Utc>, actor: &Actor) -> Result<Period> {
        if self.trial_end.is_none_or(|end| at < end) {
            return Err(Error::invalid("at", "the trial has not ended"));
        }
        self.apply(SubscriptionAction::EndTrial, at, actor)?;
        self.bill_next()
    }

    /// Whether a renewal is due at `at`: the subscription renews (active or past due) and its
    /// current period is over.
    pub fn renewal_due(&self, at: DateTime<Utc>) -> bool {
        matches!(
            self.state,
            SubscriptionState::Active | SubscriptionState::PastDue
        ) && self.next_period > 0
            && at >= self.current_period_end
    }

    /// At the end of the current period: the next period to bill — or, when it was set to
    /// cancel at the period's end, the cancellation (`None`). `invalid_input` when nothing is due.
    pub fn renew(&mut self, at: DateTime<Utc>, actor: &Actor) -> Result<Option<Period>> {
        if !self.renewal_due(at) {
            return Err(Error::invalid("at", "no renewal is due"));
        }
        if self.cancel_at_period_end {
            self.apply(SubscriptionAction::Cancel, self.current_period_end, actor)?;
            return Ok(None);
        }
        self.apply(SubscriptionAction::Renew, at, actor)?;
        if let Some(change) = self.pending_change.take() {
            // A change scheduled for the period's end takes effect with the period it starts.
            self.plan_id = change.plan_id;
            self.plan_version = change.plan_version;
            self.quantity = change.quantity;
        }
        self.bill_next().map(Some)
    }

    /// Cancels now, or at the current period's end (it keeps its state until then, and can be
    /// un-scheduled by `keep`).
    pub fn cancel(&mut self, at: DateTime<Utc>, actor: &Actor, at_period_end: bool) -> Result<()> {
        SubscriptionMachine.check(self.state, SubscriptionAction::Cancel)?;
        if at_period_end && self.state != SubscriptionState::Incomplete {
            self.cancel_at_period_end = true;
            return Ok(());
        }
        self.apply(SubscriptionAction::Cancel, at, actor)
    }

    /// Withdraws a cancellation scheduled for the period's end.
    pub fn keep(&mut self) {
        self.cancel_at_period_end = false;
    }
}
