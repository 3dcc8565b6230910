//! The scheduler's work on subscriptions: every subscription due by now (found through the
//! store's `due_at` index) is taken through its due steps — an incomplete one expired, the
//! trial's notice, a charge of its open invoice, the next period billed — one step per commit,
//! until nothing is due. Each step decides again on the stored subscription, so a step another
//! process (or a retried tick) took already is not taken twice.

use super::*;
use crate::billing::{DueWork, InvoiceState, Subscription, SubscriptionAction, SubscriptionState};
use crate::store::Find;

/// Steps one subscription may take in one tick: a subscription the scheduler missed for a
/// long time catches up a bounded number of periods per tick, the next tick goes on.
const MAX_STEPS: usize = 64;

/// Subscriptions read per page of the due scan.
const PAGE: usize = 200;

impl Engine {
    /// Every subscription due by `now`, taken through its steps.
    pub(super) fn tick_subscriptions(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<()> {
        let mut find = Find {
            kind: DocKind::Subscription,
            customer_id: None,
            state: None,
            due_before: Some(now),
            after: None,
            limit: PAGE,
        };
        loop {
            let page = self.store.find(&find)?;
            for document in &page.documents {
                let Document::Subscription(subscription) = document else {
                    return Err(crate::store::wrong_kind(
                        DocKind::Subscription,
                        document.kind(),
                    ));
                };
                self.catch_up(actor, &subscription.id, report);
            }
            match page.after() {
                Some(after) => find.after = Some(after),
                None => return Ok(()),
            }
        }
    }

    /// Takes the subscription's due steps until nothing is due (or a step fails: it stays
    /// due, and the next tick tries again).
    fn catch_up(&self, actor: &Actor, id: &SmolStr, report: &mut TickReport) {
        for _ in 0..MAX_STEPS {
            match self.billing_step(actor, id) {
                Ok(Some(step)) => report.billing.push(step),
                Ok(None) => return,
                Err(error) => {
                    report
                        .failed
                        .push((id.to_string(), error.code().to_string()));
                    return;
                }
            }
        }
    }

    /// The first step due for the subscription, decided and committed; `None` when nothing is
    /// due.
    fn billing_step(&self, actor: &Actor, id: &str) -> Result<Option<BillingStep>> {
        let invoice_id = self.ids.next_id("inv");
        let mut step = None;
        self.run(&Call::internal(), actor, None, Record::Answer, |tx| {
            let subscription = tx.subscription(id)?;
            let rules = &self.config.billing.dunning;
            let Some(work) = subscription.due_work(tx.now, rules) else {
                step = None;
                return Ok(());
            };
            let (name, invoice) = match work {
                DueWork::Expire => expire(tx, subscription)?,
                DueWork::TrialNotice => announce_trial_end(tx, subscription),
                DueWork::Renew => self.renew_due(tx, id, &invoice_id)?,
                DueWork::Charge => self.collect(tx, subscription)?,
            };
            step = Some(BillingStep {
                subscription_id: id.to_string(),
                step: name.to_string(),
                invoice_id: invoice.map(|i| i.to_string()),
            });
            Ok(())
        })?;
        Ok(step)
    }

    /// The due period billed (or the cancellation scheduled for its end taken).
    fn renew_due(
        &self,
        tx: &mut UnitOfWork<'_>,
        id: &str,
        invoice_id: &str,
    ) -> Result<(&'static str, Option<SmolStr>)> {
        let CommandOutput::Subscription(renewed) =
            renewals::renew_subscription(self, tx, id, invoice_id)?
        else {
            return Err(Error::invalid(
                "subscription",
                "renewal answered no subscription",
            ));
        };
        Ok(match renewed.state {
            SubscriptionState::Canceled => ("canceled", None),
            _ => ("renewed", renewed.latest_invoice.clone()),
        })
    }

    /// The collected invoice charged with the subscription's payment method — or, settled or
    /// closed meanwhile (a webhook, a void), dropped from collection.
    fn collect(
        &self,
        tx: &mut UnitOfWork<'_>,
        mut subscription: Subscription,
    ) -> Result<(&'static str, Option<SmolStr>)> {
        let (Some(collection), Some(method)) =
            (subscription.collecting.clone(), subscription.payment_method)
        else {
            subscription.collecting = None;
            tx.put_subscription(subscription);
            return Ok(("dropped", None));
        };
        let invoice = tx.invoice(&collection.invoice_id)?;
        if invoice.state != InvoiceState::Open || invoice.payment_pending {
            subscription.collecting = None;
            tx.put_subscription(subscription);
            return Ok(("dropped", Some(collection.invoice_id)));
        }
        invoices::pay_invoice(self, tx, &collection.invoice_id, method)?;
        // A decline is the scheduler's answer to record, not a failure of the tick.
        let step = match (tx.refusal.take(), tx.invoice(&collection.invoice_id)?) {
            (Some(_), _) => "declined",
            (None, charged) if charged.state == InvoiceState::Paid => "paid",
            (None, _) => "pending",
        };
        Ok((step, Some(collection.invoice_id)))
    }
}

/// An incomplete subscription past its deadline: expired, its first invoice voided.
fn expire(
    tx: &mut UnitOfWork<'_>,
    mut subscription: Subscription,
) -> Result<(&'static str, Option<SmolStr>)> {
    subscription.apply(SubscriptionAction::Expire, tx.now, tx.actor)?;
    subscription.collecting = None;
    tx.announce_state(&mut subscription);
    let invoice_id = subscription.latest_invoice.clone();
    tx.put_subscription(subscription);
    if let Some(id) = &invoice_id
        && tx.invoice(id)?.state == InvoiceState::Open
    {
        invoices::close_invoice(tx, id, InvoiceAction::Void)?;
    }
    Ok(("expired", invoice_id))
}

/// `trial_will_end`, once.
fn announce_trial_end(
    tx: &mut UnitOfWork<'_>,
    mut subscription: Subscription,
) -> (&'static str, Option<SmolStr>) {
    subscription.trial_notice_sent = true;
    if let Some(trial_end) = subscription.trial_end {
        let notice = EventPayload::TrialWillEnd {
            subscription_id: subscription.id.clone(),
            trial_end,
        };
        tx.emit_subscription(&mut subscription, notice);
    }
    tx.put_subscription(subscription);
    ("trial_will_end", None)
}
