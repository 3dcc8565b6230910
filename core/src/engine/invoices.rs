//! Invoices in the engine: a subscription's period billed — drafted by the billing rules,
//! finalized with the store's next gapless number, announced — and the `get_invoice` query.

use super::*;
use crate::billing::{DraftInvoice, Invoice, Numbering, Period, Plan, Subscription, period_items};

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

/// Invoices `bill` for `subscription`: drafted, finalized (numbered, open), written, and the
/// subscription's `latest_invoice`.
pub(super) fn bill_period(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    subscription: &mut Subscription,
    bill: &PeriodBill<'_>,
) -> Result<()> {
    let pricing = engine.pricer.config();
    let currency = pricing
        .currencies
        .resolve(&bill.plan.currency, "plan.currency")?;
    let items = period_items(
        bill.plan,
        subscription.quantity,
        bill.period,
        bill.first,
        &currency,
        pricing.rounding,
    )?;
    let draft = DraftInvoice {
        id: bill.invoice_id,
        customer_id: &subscription.customer_id,
        subscription_id: Some(&subscription.id),
        currency: &bill.plan.currency,
        items: &items,
        coupon_codes: &[],
        address: subscription.address.as_ref(),
        credit_balance: Decimal::ZERO,
    };
    let mut invoice = Invoice::draft(&draft, &engine.pricer, tx.now)?;
    let number = tx.next_invoice_number(&engine.config.billing.invoice_prefix)?;
    invoice.finalize(number, tx.now)?;
    subscription.latest_invoice = Some(invoice.id.clone());
    let finalized = EventPayload::InvoiceFinalized {
        invoice_id: invoice.id.clone(),
        number: invoice.number.as_deref().unwrap_or_default().into(),
        subscription_id: invoice.subscription_id.clone(),
        amount_due: invoice.amount_due,
    };
    tx.emit_invoice(&mut invoice, finalized);
    tx.put(
        DocKey::new(DocKind::Invoice, &*invoice.id),
        Document::Invoice(Box::new(invoice)),
    );
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
