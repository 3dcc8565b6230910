//! The scheduler's side of a subscription: when it is due next and for what — the trial's
//! notice and end, the period's end, the next automatic charge of its open invoice, an
//! incomplete subscription's deadline — and the dunning rules a declined charge follows.

use chrono::{DateTime, Days, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Subscription, SubscriptionState};
use crate::error::{Error, Result};

/// What happens to a subscription when the last retry of its invoice is declined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AfterRetries {
    /// Canceled, its invoice marked uncollectible (Stripe's default).
    #[default]
    Cancel,
    /// Unpaid: no more periods are billed, the invoice stays open and paying it recovers the
    /// subscription.
    Unpaid,
}

/// How the scheduler collects subscriptions (engine config `billing.dunning`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Dunning {
    /// Days after each declined automatic charge to try again: `[1, 3, 5, 7]` retries four
    /// times, the last one 16 days after the first attempt.
    pub retry_days: Vec<u32>,
    /// What the last declined retry leads to.
    pub after_retries: AfterRetries,
    /// Hours an incomplete subscription's first invoice may stay unpaid before the
    /// subscription expires (`incomplete_expired`, the invoice voided).
    pub incomplete_hours: u32,
    /// Days before a trial ends that `trial_will_end` announces it; 0: no notice.
    pub trial_notice_days: u32,
}

impl Default for Dunning {
    fn default() -> Self {
        Dunning {
            retry_days: vec![1, 3, 5, 7],
            after_retries: AfterRetries::Cancel,
            incomplete_hours: 23,
            trial_notice_days: 3,
        }
    }
}

/// What the scheduler does for a subscription, in the order it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueWork {
    /// Its first invoice stayed unpaid past the deadline: it expires.
    Expire,
    /// Its trial ends within the notice: `trial_will_end`.
    TrialNotice,
    /// Its open invoice is charged with its payment method.
    Charge,
    /// Its trial or period ended: the next period is billed (or a scheduled cancellation
    /// takes effect).
    Renew,
}

impl DueWork {
    /// The work's name in the scheduler's report.
    pub fn name(self) -> &'static str {
        match self {
            DueWork::Expire => "expired",
            DueWork::TrialNotice => "trial_will_end",
            DueWork::Charge => "charged",
            DueWork::Renew => "renewed",
        }
    }
}

/// The longest wait the rules may set, in days: a century (beyond, dates leave the calendar).
const MAX_DAYS: u32 = 36_500;

impl Dunning {
    /// `invalid_input` naming the field for rules the scheduler cannot follow: a retry on the
    /// day of the decline (it would charge again in the same tick), waits past a century, more
    /// than 30 retries, an incomplete subscription expiring at once.
    pub fn check(&self) -> Result<()> {
        let field = |name: &str| format!("billing.dunning.{name}");
        if self.retry_days.len() > 30 {
            return Err(Error::invalid(field("retry_days"), "at most 30 retries"));
        }
        for (i, days) in self.retry_days.iter().enumerate() {
            if !(1..=MAX_DAYS).contains(days) {
                let why = "between 1 and 36,500 days after the decline";
                return Err(Error::invalid(field(&format!("retry_days[{i}]")), why));
            }
        }
        if !(1..=MAX_DAYS * 24).contains(&self.incomplete_hours) {
            let why = "between 1 hour and a century";
            return Err(Error::invalid(field("incomplete_hours"), why));
        }
        if self.trial_notice_days > MAX_DAYS {
            return Err(Error::invalid(field("trial_notice_days"), "at most 36,500"));
        }
        Ok(())
    }

    /// When to retry after the `attempts`-th declined charge; `None` when the retries are
    /// spent.
    pub fn retry_at(&self, attempts: u32, declined_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let days = *self
            .retry_days
            .get(usize::try_from(attempts).ok()?.checked_sub(1)?)?;
        declined_at.checked_add_days(Days::new(u64::from(days)))
    }
}

impl Subscription {
    /// Each kind of work with the instant it falls due, in the order the scheduler takes them.
    fn due_times(&self, rules: &Dunning) -> [(DueWork, Option<DateTime<Utc>>); 4] {
        let deadline = (self.state == SubscriptionState::Incomplete && !self.charge_pending)
            .then(|| {
                let hours = Duration::hours(i64::from(rules.incomplete_hours));
                self.created_at.checked_add_signed(hours)
            })
            .flatten();
        let notice = match (self.state, self.trial_end) {
            (SubscriptionState::Trialing, Some(end))
                if rules.trial_notice_days > 0 && !self.trial_notice_sent =>
            {
                end.checked_sub_days(Days::new(u64::from(rules.trial_notice_days)))
            }
            _ => None,
        };
        let renewal = match self.state {
            SubscriptionState::Trialing => self.trial_end,
            SubscriptionState::Active | SubscriptionState::PastDue if self.next_period > 0 => {
                Some(self.current_period_end)
            }
            _ => None,
        };
        [
            (DueWork::Expire, deadline),
            (DueWork::TrialNotice, notice),
            (
                DueWork::Charge,
                self.collecting.as_ref().map(|c| c.next_attempt_at),
            ),
            (DueWork::Renew, renewal),
        ]
    }

    /// When the scheduler must next look at the subscription, if ever (stored as `due_at`).
    pub fn next_due(&self, rules: &Dunning) -> Option<DateTime<Utc>> {
        self.due_times(rules)
            .into_iter()
            .filter_map(|(_, at)| at)
            .min()
    }

    /// The work due at `now`, the first in the scheduler's order.
    pub fn due_work(&self, now: DateTime<Utc>, rules: &Dunning) -> Option<DueWork> {
        (self.due_times(rules).into_iter())
            .find(|(_, at)| at.is_some_and(|at| at <= now))
            .map(|(work, _)| work)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Actor;
    use crate::billing::{BillingMode, Collection, NewSubscription, Plan};

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn subscription(trial_days: u32) -> Subscription {
        let plan: Plan = serde_json::from_value(serde_json::json!({
            "id": "pro", "name": "Pro", "currency": "USD", "amount": "30.00",
            "interval": {"unit": "month", "count": 1}, "trial_days": trial_days
        }))
        .unwrap();
        let new = NewSubscription {
            id: "sub_1",
            customer_id: "c1",
            plan: &plan,
            quantity: 1,
            mode: BillingMode::Anniversary,
            payment_method: None,
        };
        Subscription::start(new, at("2026-01-31T09:00:00Z"), &Actor::System)
            .unwrap()
            .0
    }

    #[test]
    fn rules_the_scheduler_cannot_follow_are_refused_naming_the_field() {
        let field = |rules: Dunning| match rules.check() {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("refused: {other:?}"),
        };
        let retry_today = Dunning {
            retry_days: vec![1, 0],
            ..Dunning::default()
        };
        assert_eq!(field(retry_today), "billing.dunning.retry_days[1]");
        let never = Dunning {
            incomplete_hours: u32::MAX,
            ..Dunning::default()
        };
        assert_eq!(field(never), "billing.dunning.incomplete_hours");
        assert!(Dunning::default().check().is_ok());
    }

    #[test]
    fn retries_follow_the_schedule_from_each_declined_attempt_then_stop() {
        let rules = Dunning::default();
        let declined = at("2026-03-01T00:00:00Z");
        let days = |attempts| {
            rules
                .retry_at(attempts, declined)
                .map(|next| (next - declined).num_days())
        };
        assert_eq!(
            [days(1), days(2), days(3), days(4), days(5), days(0)],
            [Some(1), Some(3), Some(5), Some(7), None, None]
        );
    }

    #[test]
    fn an_incomplete_subscription_expires_before_anything_else_and_not_while_its_charge_is_pending()
    {
        let rules = Dunning::default();
        let mut incomplete = subscription(0);
        incomplete.collecting = Some(Collection {
            invoice_id: "inv_1".into(),
            next_attempt_at: at("2026-01-31T09:00:00Z"),
        });
        let deadline = at("2026-02-01T08:00:00Z");
        assert_eq!(incomplete.due_work(deadline, &rules), Some(DueWork::Expire));
        assert_eq!(
            incomplete.due_work(at("2026-01-31T10:00:00Z"), &rules),
            Some(DueWork::Charge)
        );
        incomplete.collecting = None;
        incomplete.charge_pending = true;
        assert_eq!(incomplete.due_work(deadline, &rules), None);
        assert_eq!(incomplete.next_due(&rules), None);
    }

    #[test]
    fn a_trial_is_announced_before_it_ends_once_and_ends_at_its_end() {
        let rules = Dunning::default();
        let mut trialing = subscription(14);
        let notice = at("2026-02-11T09:00:00Z");
        assert_eq!(trialing.next_due(&rules), Some(notice));
        assert_eq!(
            trialing.due_work(at("2026-02-14T09:00:00Z"), &rules),
            Some(DueWork::TrialNotice),
            "the notice first, even when the trial is over too"
        );
        trialing.trial_notice_sent = true;
        assert_eq!(trialing.due_work(notice, &rules), None);
        assert_eq!(
            trialing.due_work(at("2026-02-14T09:00:00Z"), &rules),
            Some(DueWork::Renew)
        );
        let quiet = Dunning {
            trial_notice_days: 0,
            ..Dunning::default()
        };
        trialing.trial_notice_sent = false;
        assert_eq!(trialing.next_due(&quiet), trialing.trial_end);
    }
}
