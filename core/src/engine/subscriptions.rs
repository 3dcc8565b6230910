//! Subscription commands — `subscribe`, `cancel_subscription`, `keep_subscription` — and the
//! `get_subscription` query. The rules over time are `billing::Subscription`'s; here they are
//! stored (one version-guarded document per subscription), invoiced and announced.

use super::*;
use crate::billing::{NewSubscription, Subscription, SubscriptionState};

/// What `subscribe` names.
pub(super) struct Subscribing<'a> {
    pub(super) customer_id: &'a str,
    pub(super) plan_id: &'a str,
    pub(super) quantity: u32,
    pub(super) billing: crate::billing::BillingMode,
    pub(super) address: Option<&'a crate::address::Address>,
}

/// `subscribe`: the plan's offered version, trialing or with its first period invoiced.
pub(super) fn subscribe(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    subscribing: &Subscribing<'_>,
    ids: &PreparedIds,
) -> Result<CommandOutput> {
    let Subscribing {
        customer_id,
        plan_id,
        quantity,
        billing,
        address,
    } = *subscribing;
    may_act_for(tx.actor, customer_id, "subscribe")?;
    if let Some(address) = address {
        crate::shipping::validate_address(address, "address")?;
    }
    let plan = tx.plan(plan_id)?.latest;
    let new = NewSubscription {
        id: &ids.subscription,
        customer_id,
        plan: &plan,
        quantity,
        mode: billing,
    };
    let (mut subscription, billed) = Subscription::start(new, tx.now, tx.actor)?;
    subscription.address = address.cloned();
    let created = EventPayload::SubscriptionCreated {
        subscription_id: subscription.id.clone(),
        plan_id: plan.id.clone(),
        plan_version: plan.version,
        state: subscription.state.name().into(),
    };
    tx.emit_subscription(&mut subscription, created);
    if let Some(period) = billed {
        let bill = invoices::PeriodBill {
            plan: &plan,
            period: &period,
            first: true,
            invoice_id: &ids.invoice,
        };
        invoices::bill_period(engine, tx, &mut subscription, &bill)?;
    }
    Ok(tx.put_subscription(subscription))
}

/// `cancel_subscription`: now, or at the current period's end.
pub(super) fn cancel_subscription(
    tx: &mut UnitOfWork<'_>,
    subscription_id: &str,
    at_period_end: bool,
) -> Result<CommandOutput> {
    let mut subscription = tx.subscription(subscription_id)?;
    may_act_for(tx.actor, &subscription.customer_id, "cancel_subscription")?;
    subscription.cancel(tx.now, tx.actor, at_period_end)?;
    let event = match subscription.state {
        SubscriptionState::Canceled => EventPayload::SubscriptionCanceled {
            subscription_id: subscription.id.clone(),
        },
        state => EventPayload::SubscriptionUpdated {
            subscription_id: subscription.id.clone(),
            state: state.name().into(),
            cancel_at_period_end: true,
        },
    };
    tx.emit_subscription(&mut subscription, event);
    Ok(tx.put_subscription(subscription))
}

/// `keep_subscription`: withdraws a cancellation scheduled for the period's end; without one
/// it answers the subscription unchanged (a retry is not a second change).
pub(super) fn keep_subscription(
    tx: &mut UnitOfWork<'_>,
    subscription_id: &str,
) -> Result<CommandOutput> {
    let mut subscription = tx.subscription(subscription_id)?;
    may_act_for(tx.actor, &subscription.customer_id, "keep_subscription")?;
    if !subscription.cancel_at_period_end {
        return Ok(CommandOutput::Subscription(Box::new(subscription)));
    }
    subscription.keep();
    let event = EventPayload::SubscriptionUpdated {
        subscription_id: subscription.id.clone(),
        state: subscription.state.name().into(),
        cancel_at_period_end: false,
    };
    tx.emit_subscription(&mut subscription, event);
    Ok(tx.put_subscription(subscription))
}

/// A customer acts for itself; staff need the support duty (as for a customer's orders).
pub(super) fn may_act_for(actor: &Actor, customer_id: &str, action: &str) -> Result<()> {
    match actor {
        Actor::Customer { id } if id != customer_id => Err(Error::Forbidden {
            action: action.to_string(),
            actor: actor.label().to_string(),
        }),
        Actor::Customer { .. } => Ok(()),
        Actor::Staff { .. } | Actor::System => actor.require_staff(StaffDuty::Support, action),
    }
}

impl Engine {
    /// `get_subscription`: another customer's subscription is `not_found`.
    pub(super) fn get_subscription(&self, actor: &Actor, id: &str) -> Result<Box<Subscription>> {
        match self.store.load(&DocKey::new(DocKind::Subscription, id))? {
            Some(Versioned {
                value: Document::Subscription(subscription),
                ..
            }) if actor.can_see(&subscription.customer_id) => Ok(subscription),
            _ => Err(Error::not_found("subscription", id)),
        }
    }
}

impl UnitOfWork<'_> {
    /// The subscription, if the actor may see it; another customer's is `not_found`.
    pub(super) fn subscription(&mut self, id: &str) -> Result<Subscription> {
        let actor = self.actor;
        match self.load(DocKey::new(DocKind::Subscription, id))? {
            Some(Document::Subscription(subscription))
                if actor.can_see(&subscription.customer_id) =>
            {
                Ok(Subscription::clone(subscription))
            }
            _ => Err(Error::not_found("subscription", id)),
        }
    }

    /// Writes the subscription; answers it.
    pub(super) fn put_subscription(&mut self, subscription: Subscription) -> CommandOutput {
        let key = DocKey::new(DocKind::Subscription, &*subscription.id);
        let subscription = Box::new(subscription);
        self.put(key, Document::Subscription(subscription.clone()));
        CommandOutput::Subscription(subscription)
    }

    /// An event of the subscription's own stream (`subscription/<id>`), naming its customer.
    pub(super) fn emit_subscription(
        &mut self,
        subscription: &mut Subscription,
        payload: EventPayload,
    ) {
        subscription.event_sequence += 1;
        let aggregate = crate::ids::join(&["subscription/", &subscription.id]);
        let mut event = self.event(aggregate, subscription.event_sequence, None, payload);
        event.customer_id = Some(subscription.customer_id.clone());
        self.events.push(event);
    }
}
