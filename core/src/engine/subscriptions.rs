//! Subscription commands — `subscribe`, `cancel_subscription`, `keep_subscription` — and the
//! `get_subscription` query. The rules over time are `billing::Subscription`'s; here they are
//! stored (one version-guarded document per subscription), invoiced and announced.

use super::*;
use crate::billing::{Change, NewSubscription, ProrationBehavior, Subscription, SubscriptionState};

/// What `subscribe` names.
pub(super) struct Subscribing<'a> {
    pub(super) customer_id: &'a str,
    pub(super) plan_id: &'a str,
    pub(super) quantity: u32,
    pub(super) billing: crate::billing::BillingMode,
    pub(super) address: Option<&'a crate::address::Address>,
    pub(super) payment_method: Option<PaymentMethod>,
    pub(super) coupon: Option<&'a str>,
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
        payment_method,
        coupon,
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
        payment_method,
    };
    let (mut subscription, billed) = Subscription::start(new, tx.now, tx.actor)?;
    subscription.address = address.cloned();
    if let Some(code) = coupon {
        subscription.discount = Some(redeem_coupon(engine, tx, &subscription, &plan, code)?);
    }
    let created = EventPayload::SubscriptionCreated {
        subscription_id: subscription.id.clone(),
        plan_id: plan.id.clone(),
        plan_version: plan.version,
        state: subscription.state,
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

/// The coupon checked as the promotion engine checks a cart's — a known code, its currency,
/// conditions and usage limits — on a cart of the plan's period at the subscription's seats and
/// address, and one use counted within the limits. `coupon_rejected` with the reason.
fn redeem_coupon(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    subscription: &Subscription,
    plan: &crate::billing::Plan,
    code: &str,
) -> Result<crate::billing::Discount> {
    let seats = match plan.pricing {
        crate::billing::PricingModel::PerSeat => subscription.quantity,
        crate::billing::PricingModel::Flat => 1,
    };
    let cart = crate::pricing::Cart {
        currency: plan.currency.to_string(),
        lines: vec![crate::pricing::CartLine {
            sku: "period".into(),
            name: plan.name.as_str().into(),
            unit_price: plan.amount,
            quantity: i64::from(seats),
            tax_class: plan.tax_class.clone(),
            ..Default::default()
        }],
        coupon_codes: vec![code.to_string()],
        address: subscription.address.clone(),
        ..Default::default()
    };
    let mut context = crate::pricing::PricingContext::at(tx.now);
    let customer = subscription.customer_id.as_str();
    let usages = placing::promotion_usages(engine, tx, &cart, customer, &mut context)?;
    let pricing = engine.pricer.price(&cart, &context)?;
    placing::require_coupons_applied(&[SmolStr::new(code)], &pricing)?;
    placing::count_promotion_uses(tx, &pricing, &usages);
    let promotion =
        (engine.pricer.coupon(code)).ok_or_else(|| Error::invalid("coupon", "unknown"))?;
    Ok(crate::billing::Discount {
        coupon: code.to_string(),
        promotion_id: promotion.id.clone(),
        periods_left: promotion.duration_periods,
    })
}

/// What `change_subscription` names.
pub(super) struct Changing<'a> {
    pub(super) subscription_id: &'a str,
    pub(super) plan_id: Option<&'a str>,
    pub(super) quantity: Option<u32>,
    pub(super) behavior: ProrationBehavior,
    pub(super) at_period_end: bool,
}

/// `change_subscription`: the rules of `Subscription::change`; its prorations invoiced now
/// (`always_invoice`, a new interval) or kept for the next invoice.
pub(super) fn change_subscription(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    changing: &Changing<'_>,
    ids: &PreparedIds,
) -> Result<CommandOutput> {
    let mut subscription = tx.subscription_for(changing.subscription_id, "change_subscription")?;
    let from = tx.plan(&subscription.plan_id)?;
    let from = from.version(subscription.plan_version)?.clone();
    let to = match changing.plan_id {
        Some(plan_id) => tx.plan(plan_id)?.latest,
        None => from.clone(),
    };
    let change = Change {
        from: &from,
        to: &to,
        quantity: changing.quantity.unwrap_or(subscription.quantity),
        behavior: changing.behavior,
        at_period_end: changing.at_period_end,
        rounding: engine.pricer.config().rounding,
    };
    let bill = subscription.change(change, tx.now, tx.actor)?;
    let changed = EventPayload::SubscriptionChanged {
        subscription_id: subscription.id.clone(),
        plan_id: to.id.clone(),
        plan_version: to.version,
        quantity: change.quantity,
        scheduled: subscription.pending_change.is_some(),
    };
    tx.emit_subscription(&mut subscription, changed);
    if bill.invoice_now && !bill.items.is_empty() {
        let billed = invoices::Billed {
            items: &bill.items,
            currency: &to.currency,
            invoice_id: &ids.invoice,
        };
        invoices::bill_items(engine, tx, &mut subscription, &billed)?;
    } else {
        subscription.pending_items.extend(bill.items);
    }
    Ok(tx.put_subscription(subscription))
}

/// What `cancel_subscription` names.
pub(super) struct Cancelling<'a> {
    pub(super) subscription_id: &'a str,
    pub(super) at_period_end: bool,
    pub(super) credit_unused: bool,
    /// The credit's invoice, if there is one (prepared before deciding).
    pub(super) invoice_id: &'a str,
}

/// `cancel_subscription`: now (the unused time credited if asked), or at the current period's
/// end.
pub(super) fn cancel_subscription(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    cancelling: &Cancelling<'_>,
) -> Result<CommandOutput> {
    let mut subscription =
        tx.subscription_for(cancelling.subscription_id, "cancel_subscription")?;
    let plan = tx.plan(&subscription.plan_id)?;
    let plan = plan.version(subscription.plan_version)?;
    let rounding = engine.pricer.config().rounding;
    let credit = match cancelling.credit_unused && !cancelling.at_period_end {
        true => subscription.unused_time_credit(plan, tx.now, rounding)?,
        false => None,
    };
    subscription.cancel(tx.now, tx.actor, cancelling.at_period_end)?;
    if subscription.state != SubscriptionState::Canceled {
        tx.announce_state(&mut subscription);
        return Ok(tx.put_subscription(subscription));
    }
    let canceled = EventPayload::SubscriptionCanceled {
        subscription_id: subscription.id.clone(),
    };
    tx.emit_subscription(&mut subscription, canceled);
    if let Some(credit) = credit {
        let billed = invoices::Billed {
            items: &[credit],
            currency: &plan.currency,
            invoice_id: cancelling.invoice_id,
        };
        invoices::bill_items(engine, tx, &mut subscription, &billed)?;
    }
    Ok(tx.put_subscription(subscription))
}

/// `keep_subscription`: withdraws a cancellation scheduled for the period's end; without one
/// it answers the subscription unchanged (a retry is not a second change).
pub(super) fn keep_subscription(
    tx: &mut UnitOfWork<'_>,
    subscription_id: &str,
) -> Result<CommandOutput> {
    let mut subscription = tx.subscription_for(subscription_id, "keep_subscription")?;
    if !subscription.cancel_at_period_end {
        return Ok(CommandOutput::Subscription(Box::new(subscription)));
    }
    subscription.keep();
    tx.announce_state(&mut subscription);
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

    /// The subscription, for a command `action` the actor may take on it (see [`may_act_for`]).
    pub(super) fn subscription_for(&mut self, id: &str, action: &str) -> Result<Subscription> {
        let subscription = self.subscription(id)?;
        may_act_for(self.actor, &subscription.customer_id, action)?;
        Ok(subscription)
    }

    /// Writes the subscription; answers it.
    /// Stores the subscription with the time the scheduler must next look at it.
    pub(super) fn put_subscription(&mut self, mut subscription: Subscription) -> CommandOutput {
        subscription.due_at = subscription.next_due(&self.engine.config.billing.dunning);
        let key = DocKey::new(DocKind::Subscription, &*subscription.id);
        let subscription = Box::new(subscription);
        self.put(key, Document::Subscription(subscription.clone()));
        CommandOutput::Subscription(subscription)
    }

    /// `subscription_updated` with the subscription's new state.
    pub(super) fn announce_state(&mut self, subscription: &mut Subscription) {
        let updated = EventPayload::SubscriptionUpdated {
            subscription_id: subscription.id.clone(),
            state: subscription.state,
            cancel_at_period_end: subscription.cancel_at_period_end,
        };
        self.emit_subscription(subscription, updated);
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
