//! Pausing and resuming a subscription. A pause takes effect at once: nothing is billed while
//! it lasts, and the unused time of the period paid for is credited (the plan at its seats, by
//! the second — the rule of a downgrade to nothing). Resuming restarts the schedule at the
//! resume: its period 0 is billed then, the anchor moves to the resume, and the time paused is
//! never billed.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::invoice::{InvoiceItem, LineKind};
use super::period::{Period, Schedule};
use super::plan::Plan;
use super::proration::prorate;
use super::subscription::Subscription;
use super::subscription_machine::{SubscriptionAction, SubscriptionState};
use crate::actor::Actor;
use crate::error::Result;
use crate::money::{CurrencyRegistry, RoundingMode};

impl Subscription {
    /// Pauses at `at` (from `trialing` or `active`); answers the credit for the unused time of
    /// the period paid for, at `plan` (the version it pays) — none during a trial.
    pub fn pause(
        &mut self,
        plan: &Plan,
        at: DateTime<Utc>,
        actor: &Actor,
        rounding: RoundingMode,
    ) -> Result<Option<InvoiceItem>> {
        let credit = self.unused_time_credit(plan, at, rounding)?;
        self.apply(SubscriptionAction::Pause, at, actor)?;
        Ok(credit)
    }

    /// The credit for the unused time at `at` of the period paid for, at `plan` (the version it
    /// pays) and its seats, by the second; none during a trial, before the first period is
    /// billed, or outside the period.
    pub fn unused_time_credit(
        &self,
        plan: &Plan,
        at: DateTime<Utc>,
        rounding: RoundingMode,
    ) -> Result<Option<InvoiceItem>> {
        if self.state == SubscriptionState::Trialing || self.next_period == 0 {
            return Ok(None);
        }
        let period = self.schedule.period(self.next_period - 1)?;
        if at < period.start || at >= period.end {
            return Ok(None);
        }
        let currency = CurrencyRegistry::new().resolve(&plan.currency, "currency")?;
        let paid = plan.period_amount(self.quantity, &currency)?;
        let credit = prorate(paid, Decimal::ZERO, &period, at, &currency, rounding)?.credit;
        Ok((!credit.is_zero()).then(|| InvoiceItem {
            kind: LineKind::ProrationCredit,
            description: format!("Unused time on {}", plan.name),
            unit_amount: credit.abs(),
            quantity: 1,
            tax_class: plan.tax_class.clone(),
            period: Some(Period {
                start: at,
                ..period
            }),
        }))
    }

    /// Resumes at `at`: active, on a schedule restarted at `at`; answers its period 0 (to bill
    /// now). A trial paused is not resumed: the subscription resumes paying.
    pub fn resume(&mut self, at: DateTime<Utc>, actor: &Actor) -> Result<Period> {
        self.apply(SubscriptionAction::Resume, at, actor)?;
        self.schedule = Schedule {
            start: at,
            ..self.schedule
        };
        self.next_period = 0;
        self.bill_next()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::billing::{BillingMode, NewSubscription};

    fn team() -> Plan {
        serde_json::from_value(serde_json::json!({
            "id": "team", "name": "Team", "currency": "USD", "amount": "12.00",
            "interval": {"unit": "month", "count": 1}, "pricing": "per_seat"
        }))
        .unwrap()
    }

    #[test]
    fn a_pause_credits_the_seats_unused_time_and_a_resume_restarts_the_schedule() {
        let (plan, actor) = (team(), Actor::System);
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let new = NewSubscription {
            id: "sub_1",
            customer_id: "c1",
            plan: &plan,
            quantity: 3,
            mode: BillingMode::Anniversary,
            payment_method: None,
        };
        let (mut subscription, _) = Subscription::start(new, start, &actor).unwrap();
        subscription
            .apply(SubscriptionAction::Activate, start, &actor)
            .unwrap();
        // 10 of January's 31 days unused: 36.00 × 10 / 31 = 11.6129… → 11.61.
        let at = Utc.with_ymd_and_hms(2026, 1, 22, 0, 0, 0).unwrap();
        let credit = subscription
            .pause(&plan, at, &actor, RoundingMode::HalfUp)
            .unwrap();
        let credit = credit.expect("a paid period with time left is credited");
        assert_eq!(
            (credit.kind, credit.unit_amount.to_string()),
            (LineKind::ProrationCredit, "11.61".into())
        );
        assert_eq!(subscription.state, SubscriptionState::Paused);
        assert!(!subscription.renewal_due(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()));
        let back = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        let period = subscription.resume(back, &actor).unwrap();
        assert_eq!((period.index, period.start), (0, back));
        assert_eq!(
            period.end,
            Utc.with_ymd_and_hms(2026, 4, 10, 12, 0, 0).unwrap()
        );
        assert_eq!(subscription.state, SubscriptionState::Active);
    }
}
