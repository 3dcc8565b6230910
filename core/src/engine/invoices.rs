//! Invoices in the engine: a subscription's period billed — drafted by the billing rules,
//! finalized with the store's next gapless number, announced — and the `get_invoice` query.

use super::*;
use crate::billing::{
    AfterRetries, Collection, Discount, DraftInvoice, Invoice, InvoiceItem, LineKind, Numbering,
    Period, Plan, Subscription, SubscriptionAction, SubscriptionState, period_items,
};

/// One period to bill.
pub(super) struct PeriodBill<'a> {
    /// The plan's version the subscription pays.
    pub(super) plan: &'a Plan,
    /// The period.
    pub(super) period: &'a Period,
    /// The subscription's first paid period (its setup fee is billed with it).
    pub(super) first: bool,
    /// The invoice's id (prepared before deciding).
    pub(super) invoice_id: &'a str,
}

/// Invoices `bill` for `subscription` (see [`bill_items`]).
pub(super) fn bill_period(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    subscription: &mut Subscription,
    bill: &PeriodBill<'_>,
) -> Result<()> {
    let pricing = engine.pricer.config();
    let currency = (pricing.currencies).resolve(&bill.plan.currency, "plan.currency")?;
    let items = period_items(
        bill.plan,
        subscription.quantity,
        bill.period,
        bill.first,
        &currency,
        pricing.rounding,
    )?;
    let invoice = Billed {
        items: &items,
        currency: &bill.plan.currency,
        invoice_id: bill.invoice_id,
    };
    bill_items(engine, tx, subscription, &invoice)
}

/// What an invoice bills.
pub(super) struct Billed<'a> {
    pub(super) items: &'a [InvoiceItem],
    /// The subscription's currency (its plan's).
    pub(super) currency: &'a str,
    /// The invoice's id (prepared before deciding).
    pub(super) invoice_id: &'a str,
}

/// Invoices `billed` for `subscription`: drafted with the customer's credit balance applied
/// first, finalized (numbered, open), the balance updated (what was applied taken off, what the
/// credits exceeded the charges by added), written, and the subscription's `latest_invoice`.
/// An invoice that leaves nothing to charge is paid at once.
pub(super) fn bill_items(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    subscription: &mut Subscription,
    billed: &Billed<'_>,
) -> Result<()> {
    let mut customer = placing::customer_record(tx, &subscription.customer_id)?;
    let coupons = Discount::codes(subscription.discount.as_ref());
    let draft = DraftInvoice {
        id: billed.invoice_id,
        customer_id: &subscription.customer_id,
        subscription_id: Some(&subscription.id),
        currency: billed.currency,
        items: billed.items,
        coupon_codes: &coupons,
        address: subscription.address.as_ref(),
        credit_balance: customer.credit_balance,
    };
    let mut invoice = Invoice::draft(&draft, &engine.pricer, tx.now)?;
    count_discounted_period(subscription, &invoice);
    let number = tx.next_invoice_number(&engine.config.billing.invoice_prefix)?;
    invoice.finalize(number, tx.now)?;
    subscription.latest_invoice = Some(invoice.id.clone());
    subscription.invoices.push(invoice.id.clone());
    let finalized = EventPayload::InvoiceFinalized {
        invoice_id: invoice.id.clone(),
        number: invoice.number.as_deref().unwrap_or_default().into(),
        subscription_id: invoice.subscription_id.as_deref().map(Box::from),
        amount_due: invoice.amount_due,
    };
    tx.emit_invoice(&mut invoice, finalized);
    if !(invoice.credit_applied.is_zero() && invoice.credit_carried.is_zero()) {
        customer.credit_balance += invoice.credit_carried - invoice.credit_applied;
        let key = DocKey::new(DocKind::Customer, &*subscription.customer_id);
        tx.put(key, Document::Customer(customer));
    }
    if invoice.amount_due.is_zero() {
        settle_paid(tx, &mut invoice, Some(subscription), None)?;
    } else if subscription.payment_method.is_some() {
        // Charged by the scheduler's next look, which is now.
        subscription.collecting = Some(Collection {
            invoice_id: invoice.id.clone(),
            next_attempt_at: tx.now,
        });
    }
    tx.put_invoice(invoice);
    Ok(())
}

/// An invoice billing a period uses up one of the coupon's periods; the last one ends it.
fn count_discounted_period(subscription: &mut Subscription, invoice: &Invoice) {
    let bills_a_period = (invoice.lines.iter()).any(|line| line.kind == LineKind::Period);
    let Some(discount) = subscription.discount.as_mut().filter(|_| bills_a_period) else {
        return;
    };
    if let Some(left) = discount.periods_left.as_mut() {
        *left = left.saturating_sub(1);
        if *left == 0 {
            subscription.discount = None;
        }
    }
}

/// `pay_invoice`: charges what the invoice is due through the gateway, under the invoice's
/// attempt key, and records the answer on the invoice and its subscription. A gateway fault
/// (`gateway_unavailable`) records nothing: the retry asks the provider again under the same
/// key, which charges once.
pub(super) fn pay_invoice(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    invoice_id: &str,
    method: PaymentMethod,
) -> Result<CommandOutput> {
    let mut invoice = tx.invoice(invoice_id)?;
    subscriptions::may_act_for(tx.actor, &invoice.customer_id, "pay_invoice")?;
    invoice.check_chargeable()?;
    let outcome = match invoice.amount_due.is_zero() {
        true => None,
        false => Some(engine.gateway.execute(&charge_of(&invoice, method))?),
    };
    if outcome.is_some() {
        invoice.charged();
    }
    let mut subscription = match &invoice.subscription_id {
        Some(id) => Some(tx.subscription(id)?),
        None => None,
    };
    match outcome {
        None => settle_paid(tx, &mut invoice, subscription.as_mut(), None)?,
        Some(GatewayOutcome::Approved { reference }) => {
            let reference = Some(SmolStr::from(reference));
            settle_paid(tx, &mut invoice, subscription.as_mut(), reference)?;
        }
        Some(GatewayOutcome::Pending { reference }) => {
            invoice.payment_pending = true;
            invoice.payment_reference = Some(reference.into());
            // The provider's webhook settles it: the scheduler does not charge it again.
            if let Some(subscription) = subscription.as_mut() {
                subscription.collecting = None;
                subscription.charge_pending = true;
            }
        }
        Some(GatewayOutcome::Declined { reason }) => {
            settle_declined(tx, &mut invoice, subscription.as_mut(), &reason)?;
            tx.refusal = Some(Error::PaymentDeclined { reason });
        }
    }
    if let Some(subscription) = subscription {
        tx.put_subscription(subscription);
    }
    Ok(tx.put_invoice(invoice))
}

/// `payment_webhook` naming an invoice: the provider's answer to a pending charge settles it —
/// paid, or declined (the attempt counted, dunning as for a declined charge). A redelivered
/// or stale event (no charge pending) changes nothing.
pub(super) fn invoice_webhook(
    tx: &mut UnitOfWork<'_>,
    webhook: &payments::Webhook<'_>,
    invoice_id: &str,
) -> Result<CommandOutput> {
    tx.actor.require_system("payment_webhook")?;
    let mut invoice = tx.invoice(invoice_id)?;
    if invoice.payment_reference.as_deref() != Some(webhook.reference) {
        return Err(Error::not_found("payment", webhook.reference));
    }
    let dedupe = format!("{}:{}", webhook.provider, webhook.event_id);
    if !invoice.payment_pending || invoice.processed_webhooks.contains(&dedupe) {
        return Ok(CommandOutput::Invoice(Box::new(invoice))); // nothing written
    }
    invoice.processed_webhooks.push(dedupe);
    invoice.payment_pending = false;
    let mut subscription = match &invoice.subscription_id {
        Some(id) => Some(tx.subscription(id)?),
        None => None,
    };
    if let Some(subscription) = subscription.as_mut() {
        subscription.charge_pending = false;
    }
    match webhook.outcome {
        WebhookOutcome::Succeeded => {
            let reference = Some(SmolStr::from(webhook.reference));
            settle_paid(tx, &mut invoice, subscription.as_mut(), reference)?;
        }
        WebhookOutcome::Failed => {
            // Collection stopped while the charge was pending: the decline resumes it, on the
            // dunning schedule.
            if let Some(subscription) = subscription.as_mut()
                && subscription.payment_method.is_some()
                && subscription.collecting.is_none()
            {
                subscription.collecting = Some(Collection {
                    invoice_id: invoice.id.clone(),
                    next_attempt_at: tx.now,
                });
            }
            let reason = webhook.reason.unwrap_or("failed");
            settle_declined(tx, &mut invoice, subscription.as_mut(), reason)?;
        }
    }
    if let Some(subscription) = subscription {
        tx.put_subscription(subscription);
    }
    Ok(tx.put_invoice(invoice))
}

/// `void_invoice` and `mark_invoice_uncollectible` (support staff). Voiding gives back the
/// credit balance the invoice used.
pub(super) fn close_invoice(
    tx: &mut UnitOfWork<'_>,
    invoice_id: &str,
    action: InvoiceAction,
) -> Result<CommandOutput> {
    let name = crate::billing::InvoiceMachine::action_name(action);
    tx.actor.require_staff(StaffDuty::Support, name)?;
    let mut invoice = tx.invoice(invoice_id)?;
    invoice.close(action)?;
    if action == InvoiceAction::Void && !invoice.credit_applied.is_zero() {
        let mut customer = placing::customer_record(tx, &invoice.customer_id)?;
        customer.credit_balance += invoice.credit_applied;
        let key = DocKey::new(DocKind::Customer, &*invoice.customer_id);
        tx.put(key, Document::Customer(customer));
    }
    announce_closed(tx, &mut invoice);
    Ok(tx.put_invoice(invoice))
}

/// `invoice_closed` with the invoice's new state.
fn announce_closed(tx: &mut UnitOfWork<'_>, invoice: &mut Invoice) {
    let closed = EventPayload::InvoiceClosed {
        invoice_id: invoice.id.clone(),
        subscription_id: invoice.subscription_id.clone(),
        state: invoice.state,
    };
    tx.emit_invoice(invoice, closed);
}

/// The gateway request charging `invoice`'s amount due.
fn charge_of(invoice: &Invoice, method: PaymentMethod) -> GatewayRequest {
    GatewayRequest {
        operation: GatewayOperation::AuthorizeAndCapture,
        idempotency_key: invoice.attempt_key(),
        payment_id: invoice.id.clone(),
        order_id: SmolStr::default(),
        invoice_id: Some(invoice.id.clone()),
        customer_id: invoice.customer_id.clone(),
        amount: invoice.amount_due,
        currency: invoice.currency.clone(),
        method,
        provider_reference: None,
    }
}

/// Paid: the invoice, and its subscription active again (or for the first time).
fn settle_paid(
    tx: &mut UnitOfWork<'_>,
    invoice: &mut Invoice,
    subscription: Option<&mut Subscription>,
    reference: Option<SmolStr>,
) -> Result<()> {
    invoice.mark_paid(reference, tx.now)?;
    let paid = EventPayload::InvoicePaid {
        invoice_id: invoice.id.clone(),
        subscription_id: invoice.subscription_id.clone(),
        amount_paid: invoice.amount_due,
    };
    tx.emit_invoice(invoice, paid);
    let Some(subscription) = subscription else {
        return Ok(());
    };
    if (subscription.collecting.as_ref()).is_some_and(|c| c.invoice_id == invoice.id) {
        subscription.collecting = None;
    }
    // An older invoice paid while a newer one is still being collected leaves it past due.
    let recovered = subscription.collecting.is_none();
    let action = match subscription.state {
        SubscriptionState::Incomplete => SubscriptionAction::Activate,
        SubscriptionState::PastDue | SubscriptionState::Unpaid if recovered => {
            SubscriptionAction::Recover
        }
        _ => return Ok(()),
    };
    subscription.apply(action, tx.now, tx.actor)?;
    tx.announce_state(subscription);
    Ok(())
}

/// Declined: the attempt recorded, an active subscription past due, and the invoice's
/// collection retried on the dunning schedule or, its retries spent, given up.
fn settle_declined(
    tx: &mut UnitOfWork<'_>,
    invoice: &mut Invoice,
    subscription: Option<&mut Subscription>,
    reason: &str,
) -> Result<()> {
    invoice.last_payment_error = Some(reason.to_string());
    let failed = EventPayload::InvoicePaymentFailed {
        invoice_id: invoice.id.clone(),
        subscription_id: invoice.subscription_id.clone(),
        attempt: invoice.attempts,
        reason: reason.into(),
    };
    tx.emit_invoice(invoice, failed);
    let Some(subscription) = subscription else {
        return Ok(());
    };
    if subscription.state == SubscriptionState::Active {
        subscription.apply(SubscriptionAction::FailPayment, tx.now, tx.actor)?;
        tx.announce_state(subscription);
        let past_due = EventPayload::SubscriptionPastDue {
            subscription_id: subscription.id.clone(),
            invoice_id: invoice.id.clone(),
        };
        tx.emit_subscription(subscription, past_due);
    }
    let Some(collection) =
        (subscription.collecting.as_mut()).filter(|c| c.invoice_id == invoice.id)
    else {
        return Ok(());
    };
    let rules = &tx.engine.config.billing.dunning;
    let retry_at = match subscription.state {
        // An incomplete subscription is not retried: it expires at its deadline.
        SubscriptionState::PastDue => rules.retry_at(invoice.attempts, tx.now),
        _ => None,
    };
    match retry_at {
        Some(at) => collection.next_attempt_at = at,
        None => {
            subscription.collecting = None;
            if subscription.state == SubscriptionState::PastDue {
                give_up(tx, invoice, subscription)?;
            }
        }
    }
    Ok(())
}

/// The last retry declined: the subscription unpaid (the invoice left open) or canceled (the
/// invoice uncollectible), as configured.
fn give_up(
    tx: &mut UnitOfWork<'_>,
    invoice: &mut Invoice,
    subscription: &mut Subscription,
) -> Result<()> {
    match tx.engine.config.billing.dunning.after_retries {
        AfterRetries::Unpaid => {
            subscription.apply(SubscriptionAction::MarkUnpaid, tx.now, tx.actor)?;
            tx.announce_state(subscription);
        }
        AfterRetries::Cancel => {
            subscription.apply(SubscriptionAction::Cancel, tx.now, tx.actor)?;
            let canceled = EventPayload::SubscriptionCanceled {
                subscription_id: subscription.id.clone(),
            };
            tx.emit_subscription(subscription, canceled);
            invoice.close(InvoiceAction::MarkUncollectible)?;
            announce_closed(tx, invoice);
        }
    }
    Ok(())
}

impl Engine {
    /// `get_invoice`: another customer's invoice is `not_found`.
    pub(super) fn get_invoice(&self, actor: &Actor, id: &str) -> Result<Box<Invoice>> {
        match self.store.load(&DocKey::new(DocKind::Invoice, id))? {
            Some(Versioned {
                value: Document::Invoice(invoice),
                ..
            }) if actor.can_see(&invoice.customer_id) => Ok(invoice),
            _ => Err(Error::not_found("invoice", id)),
        }
    }
}

impl UnitOfWork<'_> {
    /// The invoice, if the actor may see it; another customer's is `not_found`.
    pub(super) fn invoice(&mut self, id: &str) -> Result<Invoice> {
        let actor = self.actor;
        match self.load(DocKey::new(DocKind::Invoice, id))? {
            Some(Document::Invoice(invoice)) if actor.can_see(&invoice.customer_id) => {
                Ok(Invoice::clone(invoice))
            }
            _ => Err(Error::not_found("invoice", id)),
        }
    }

    /// Writes the invoice; answers it.
    fn put_invoice(&mut self, invoice: Invoice) -> CommandOutput {
        let invoice = Box::new(invoice);
        let key = DocKey::new(DocKind::Invoice, &*invoice.id);
        self.put(key, Document::Invoice(invoice.clone()));
        CommandOutput::Invoice(invoice)
    }

    /// The store's next invoice number, written with this command's changes.
    fn next_invoice_number(&mut self, prefix: &str) -> Result<String> {
        let key = DocKey::new(DocKind::Sequence, Numbering::INVOICES);
        let mut numbering = match self.load(key.clone())? {
            Some(Document::Sequence(numbering)) => *numbering,
            _ => Numbering::default(),
        };
        let number = numbering.next(prefix)?;
        self.put(key, Document::Sequence(numbering));
        Ok(number)
    }

    /// An event of the invoice's own stream (`invoice/<id>`), naming its customer.
    fn emit_invoice(&mut self, invoice: &mut Invoice, payload: EventPayload) {
        invoice.event_sequence += 1;
        let aggregate = crate::ids::join(&["invoice/", &invoice.id]);
        let mut event = self.event(aggregate, invoice.event_sequence, None, payload);
        event.customer_id = Some(invoice.customer_id.clone());
        self.events.push(event);
    }
}
