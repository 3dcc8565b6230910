//! `renew_subscription`: a subscription's due period billed — the end of a trial, a renewal,
//! or a cancellation scheduled for the period's end; and `pause_subscription` and
//! `resume_subscription`, which stop and restart its periods. The scheduler runs it for every due
//! subscription; a host may run it for one. One period per call: a subscription that missed
//! several is caught up by calling again until nothing is due.

use super::*;
use crate::billing::{Period, Subscription, SubscriptionState, period_items};

/// What `renew_subscription` does with the subscription's due period.
pub(super) fn renew_subscription(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    subscription_id: &str,
    invoice_id: &str,
) -> Result<CommandOutput> {
    tx.actor
        .require_staff(StaffDuty::Billing, "renew_subscription")?;
    let mut subscription = tx.subscription(subscription_id)?;
    let trial_over = subscription.state == SubscriptionState::Trialing
        && subscription.trial_end.is_some_and(|end| end <= tx.now);
    let (period, first) = if trial_over {
        (Some(subscription.end_trial(tx.now, tx.actor)?), true)
    } else if subscription.renewal_due(tx.now) {
        (subscription.renew(tx.now, tx.actor)?, false)
    } else {
        // Nothing due: a repeated run (another process's, a retried tick) bills nothing.
        return Ok(CommandOutput::Subscription(Box::new(subscription)));
    };
    match period {
        Some(period) => bill_due(engine, tx, &mut subscription, &period, first, invoice_id)?,
        None => {
            let canceled = EventPayload::SubscriptionCanceled {
                subscription_id: subscription.id.clone(),
            };
            tx.emit_subscription(&mut subscription, canceled);
        }
    }
    Ok(tx.put_subscription(subscription))
}

/// The period announced and invoiced: the plan's version the subscription now pays (a change
/// scheduled for the period's end took effect with it), and the prorations kept for it.
fn bill_due(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    subscription: &mut Subscription,
    period: &Period,
    first: bool,
    invoice_id: &str,
) -> Result<()> {
    let renewed = EventPayload::SubscriptionRenewed {
        subscription_id: subscription.id.clone(),
        period: period.index,
        period_end: period.end,
    };
    tx.emit_subscription(subscription, renewed);
    let plan = tx.plan(&subscription.plan_id)?;
    let plan = plan.version(subscription.plan_version)?;
    let pricing = engine.pricer.config();
    let currency = (pricing.currencies).resolve(&plan.currency, "plan.currency")?;
    let mut items = period_items(
        plan,
        subscription.quantity,
        period,
        first,
        &currency,
        pricing.rounding,
    )?;
    items.append(&mut subscription.pending_items);
    let billed = invoices::Billed {
        items: &items,
        currency: &plan.currency,
        invoice_id,
    };
    invoices::bill_items(engine, tx, subscription, &billed)
}

/// `pause_subscription`: paused now; the unused time of the period paid for credited on an
/// invoice of its own (total 0.00, the credit carried to the customer's balance).
pub(super) fn pause_subscription(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    subscription_id: &str,
    invoice_id: &str,
) -> Result<CommandOutput> {
    let mut subscription = tx.subscription_for(subscription_id, "pause_subscription")?;
    let plan = tx.plan(&subscription.plan_id)?;
    let plan = plan.version(subscription.plan_version)?;
    let rounding = engine.pricer.config().rounding;
    let credit = subscription.pause(plan, tx.now, tx.actor, rounding)?;
    tx.announce_state(&mut subscription);
    if let Some(credit) = credit {
        let billed = invoices::Billed {
            items: &[credit],
            currency: &plan.currency,
            invoice_id,
        };
        invoices::bill_items(engine, tx, &mut subscription, &billed)?;
    }
    Ok(tx.put_subscription(subscription))
}

/// `resume_subscription`: active again, its restarted schedule's first period invoiced now.
pub(super) fn resume_subscription(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    subscription_id: &str,
    invoice_id: &str,
) -> Result<CommandOutput> {
    let mut subscription = tx.subscription_for(subscription_id, "resume_subscription")?;
    let period = subscription.resume(tx.now, tx.actor)?;
    tx.announce_state(&mut subscription);
    bill_due(engine, tx, &mut subscription, &period, false, invoice_id)?;
    Ok(tx.put_subscription(subscription))
}
