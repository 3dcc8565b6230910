//! The billing queries over many documents: `list_subscriptions` (the store's subscription
//! index), `list_invoices` (a subscription's own list of its invoices) and `upcoming_invoice`
//! (the next renewal decided in a unit of work that is never committed).

use super::*;
use crate::billing::{
    Invoice, InvoicePage, InvoiceQuery, InvoiceState, Subscription, SubscriptionPage,
    SubscriptionQuery, SubscriptionState,
};

impl Engine {
    /// `list_subscriptions`: a customer sees only its own.
    pub(super) fn list_subscriptions(
        &self,
        actor: &Actor,
        filter: &SubscriptionQuery,
    ) -> Result<SubscriptionPage> {
        let mut filter = filter.clone();
        if let Actor::Customer { id } = actor {
            filter.customer_id = Some(id.to_string());
        }
        let found = self.store.find(&filter.find()?)?;
        let next = found.next();
        let mut subscriptions = Vec::with_capacity(found.documents.len());
        for document in found.documents {
            match document {
                Document::Subscription(subscription) => subscriptions.push(*subscription),
                other => {
                    let kind = other.kind();
                    return Err(crate::store::wrong_kind(DocKind::Subscription, kind));
                }
            }
        }
        Ok(SubscriptionPage {
            subscriptions,
            next,
        })
    }

    /// `list_invoices`: the subscription's invoices after the cursor (an invoice id), in the
    /// state asked; another customer's subscription is `not_found`.
    pub(super) fn list_invoices(
        &self,
        actor: &Actor,
        filter: &InvoiceQuery,
    ) -> Result<InvoicePage> {
        let subscription = self.get_subscription(actor, &filter.subscription_id)?;
        let start = match &filter.after {
            Some(after) => {
                1 + (subscription.invoices.iter())
                    .position(|id| id == after)
                    .ok_or_else(|| {
                        Error::invalid("after", "not a cursor returned by a previous page")
                    })?
            }
            None => 0,
        };
        let limit = filter.page_size();
        let mut invoices = Vec::new();
        let mut more = false;
        for id in &subscription.invoices[start..] {
            let invoice = self.get_invoice(actor, id)?;
            if filter.state.is_some_and(|state| state != invoice.state) {
                continue;
            }
            if invoices.len() == limit {
                more = true;
                break;
            }
            invoices.push(*invoice);
        }
        let next = match more {
            true => invoices.last().map(|invoice| invoice.id.to_string()),
            false => None,
        };
        Ok(InvoicePage { invoices, next })
    }

    /// `upcoming_invoice`: the renewal decided at the time it is due — a trial's end, or the
    /// current period's end — on a unit of work that is dropped, so nothing is stored and no
    /// number taken. `invalid_input` when nothing renews (canceled, paused, ending at the
    /// period's end, incomplete, unpaid).
    pub(super) fn upcoming_invoice(&self, actor: &Actor, id: &str) -> Result<Box<Invoice>> {
        let subscription = self.get_subscription(actor, id)?;
        let at = renewal_time(&subscription)?;
        let system = Actor::System;
        let mut tx = UnitOfWork::new(self, &system, None, at, None);
        const PREVIEW: &str = "upcoming";
        renewals::renew_subscription(self, &mut tx, id, PREVIEW)?;
        let mut invoice = tx.invoice(PREVIEW)?;
        invoice.state = InvoiceState::Draft;
        invoice.number = None;
        invoice.finalized_at = None;
        invoice.paid_at = None;
        invoice.event_sequence = 0;
        Ok(Box::new(invoice))
    }
}

/// When the subscription's next invoice is due: its trial's end or its period's end.
fn renewal_time(subscription: &Subscription) -> Result<DateTime<Utc>> {
    let nothing = |why: &str| Err(Error::invalid("subscription_id", why));
    if subscription.cancel_at_period_end {
        return nothing("it ends at its period's end: nothing more is invoiced");
    }
    match subscription.state {
        SubscriptionState::Trialing => Ok(subscription
            .trial_end
            .unwrap_or(subscription.current_period_end)),
        SubscriptionState::Active | SubscriptionState::PastDue => {
            Ok(subscription.current_period_end)
        }
        _ => nothing("it does not renew in its state"),
    }
}
