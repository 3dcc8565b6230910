//! Payments: `pay_order`, `capture_payment`, `refund_payment`, the provider's webhooks, and
//! the voids and refunds other commands make.

use super::*;

impl Engine {
    /// After money moved: confirm a pending order that is now fully captured (where the flow
    /// confirms on payment) and stop its reservation clock once it is paid.
    pub(super) fn after_payment(
        &self,
        tx: &mut UnitOfWork<'_>,
        order: &mut Order,
        flow: &OrderFlow,
    ) {
        if order.is_paid() {
            order.reservation_expires_at = None;
        } else if order.state == OrderState::Pending && order.reservation_expires_at.is_none() {
            // `None` only past the calendar's end (year 262,143): then nothing expires.
            order.reservation_expires_at = tx
                .now
                .checked_add_signed(Duration::minutes(self.config.reservation_ttl_minutes));
        }
        if order.state == OrderState::Pending
            && order.captured() >= order.pricing.grand_total
            && (order.is_paid() || order.pricing.grand_total.is_zero())
        {
            let amount = order.captured();
            tx.emit_order(order, EventPayload::OrderPaid { amount });
            if flow.confirm_on_payment {
                order.transition(flow, OrderState::Confirmed, tx.actor, "paid", tx.now);
            }
        }
    }

    /// An amount asked for by a command (a partial capture or refund): positive and exact in
    /// the order's currency, at its full scale (`5` USD is `5.00`).
    pub(super) fn requested_amount(&self, order: &Order, amount: Decimal) -> Result<Decimal> {
        if amount <= Decimal::ZERO {
            return Err(Error::invalid(
                "amount",
                format!("{amount} is not a positive amount"),
            ));
        }
        self.pricer
            .config()
            .currencies
            .resolve(&order.currency, "currency")?
            .exact(amount, "amount")
    }

    /// Captures `amount` from the order's authorized payments, oldest first.
    pub(super) fn capture(
        &self,
        tx: &mut UnitOfWork<'_>,
        order: &mut Order,
        amount: Decimal,
    ) -> Result<()> {
        let mut left = amount;
        for index in 0..order.payments.len() {
            if left <= Decimal::ZERO {
                break;
            }
            let take = left.min(order.payments[index].capturable());
            if take <= Decimal::ZERO {
                continue;
            }
            let payment = &order.payments[index];
            let request = self.request(tx.key, order, payment, GatewayOperation::Capture, take);
            match self.gateway.execute(&request)? {
                GatewayOutcome::Approved { .. } | GatewayOutcome::Pending { .. } => {}
                GatewayOutcome::Declined { reason } => {
                    return Err(Error::PaymentDeclined { reason });
                }
            }
            order.payments[index].apply_capture(take)?;
            let id = order.payments[index].id.clone();
            tx.emit_order(
                order,
                EventPayload::PaymentCaptured {
                    payment_id: id,
                    amount: take,
                },
            );
            left -= take;
        }
        Ok(())
    }

    /// Refunds `amount` from the order's captured payments, newest first.
    pub(super) fn refund(
        &self,
        tx: &mut UnitOfWork<'_>,
        order: &mut Order,
        amount: Decimal,
        return_id: Option<&str>,
        reason: &str,
    ) -> Result<()> {
        let refundable: Decimal = order.payments.iter().map(Payment::refundable).sum();
        if amount <= Decimal::ZERO || amount > refundable {
            return Err(Error::RefundExceedsCaptured {
                requested: amount.to_string(),
                refundable: refundable.to_string(),
            });
        }
        let mut left = amount;
        for index in (0..order.payments.len()).rev() {
            if left <= Decimal::ZERO {
                break;
            }
            let take = left.min(order.payments[index].refundable());
            if take <= Decimal::ZERO {
                continue;
            }
            order.payments[index].check(PaymentAction::Refund)?;
            let request = self.request(
                tx.key,
                order,
                &order.payments[index],
                GatewayOperation::Refund,
                take,
            );
            match self.gateway.execute(&request)? {
                GatewayOutcome::Approved { .. } | GatewayOutcome::Pending { .. } => {}
                GatewayOutcome::Declined { reason } => {
                    return Err(Error::PaymentDeclined { reason });
                }
            }
            order.payments[index].apply_refund(take)?;
            let id = order.payments[index].id.clone();
            tx.emit_order(
                order,
                EventPayload::PaymentRefunded {
                    payment_id: id.clone(),
                    amount: take,
                },
            );
            tx.emit_order(
                order,
                EventPayload::RefundIssued {
                    payment_id: id,
                    amount: take,
                    return_id: return_id.map(SmolStr::new),
                    reason: reason.into(),
                },
            );
            left -= take;
        }
        Ok(())
    }

    pub(super) fn request(
        &self,
        host_key: Option<&str>,
        order: &Order,
        payment: &Payment,
        operation: GatewayOperation,
        amount: Decimal,
    ) -> GatewayRequest {
        GatewayRequest {
            operation,
            idempotency_key: payment.provider_key(operation, host_key),
            payment_id: payment.id.clone(),
            order_id: order.id.clone(),
            invoice_id: None,
            customer_id: order.customer_id.clone(),
            amount,
            currency: order.currency.clone(),
            method: payment.method,
            provider_reference: payment.provider_reference.clone(),
        }
    }

    /// Releases at the provider what payment `index` still holds uncaptured: a pending
    /// payment's whole amount, or the rest of a (partly captured) authorization — no hold is
    /// left on the card of a closed order.
    /// `again`: the payment was voided once already (its first void lost a race with the
    /// provider), so this void needs a provider key of its own.
    pub(super) fn void_rest(
        &self,
        tx: &mut UnitOfWork<'_>,
        order: &mut Order,
        index: usize,
        again: bool,
    ) -> Result<()> {
        let payment = &order.payments[index];
        let amount = match payment.state {
            PaymentState::Pending => payment.amount,
            _ => payment.capturable(),
        };
        if amount <= Decimal::ZERO || payment.check(PaymentAction::Void).is_err() {
            return Ok(());
        }
        let mut request = self.request(tx.key, order, payment, GatewayOperation::Void, amount);
        if again {
            request.idempotency_key.push_str(":again");
        }
        self.gateway.execute(&request)?;
        let payment = &mut order.payments[index];
        payment.apply_void(amount)?;
        let payment_id = payment.id.clone();
        tx.emit_order(order, EventPayload::PaymentVoided { payment_id });
        Ok(())
    }

    /// Records a provider's asynchronous success of payment `index`. Money that arrives for a
    /// cancelled order goes straight back: a capture is refunded, an authorization released.
    pub(super) fn payment_succeeded(
        &self,
        tx: &mut UnitOfWork<'_>,
        order: &mut Order,
        index: usize,
        flow: &OrderFlow,
    ) -> Result<()> {
        let was_voided = order.payments[index].state == PaymentState::Voided;
        let payment = &mut order.payments[index];
        let (id, amount) = (payment.id.clone(), payment.amount);
        payment.apply_success()?;
        let capture = payment.capture;
        let authorized = EventPayload::PaymentAuthorized {
            payment_id: id.clone(),
            amount,
        };
        tx.emit_order(order, authorized);
        if capture {
            order.payments[index].apply_capture(amount)?;
            let captured = EventPayload::PaymentCaptured {
                payment_id: id,
                amount,
            };
            tx.emit_order(order, captured);
        }
        if order.state != OrderState::Cancelled {
            self.after_payment(tx, order, flow);
            return Ok(());
        }
        let captured = order.payments[index].refundable();
        if captured > Decimal::ZERO {
            self.refund(tx, order, captured, None, "paid_after_cancellation")?;
        }
        self.void_rest(tx, order, index, was_voided)
    }

    /// Finds the order of a payment reference: webhooks name the provider's reference only.
    pub(super) fn order_of_payment(
        &self,
        tx: &mut UnitOfWork<'_>,
        reference: &str,
    ) -> Result<SmolStr> {
        self.find_order(tx, |o| {
            o.payments
                .iter()
                .any(|p| p.provider_reference.as_deref() == Some(reference))
        })
        .ok_or_else(|| Error::not_found("payment", reference))
    }
}

/// `pay_order`: a new payment on the order (its answer is the checkout's second commit).
pub(super) fn pay_order(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    order_id: &str,
    method: PaymentMethod,
    capture: bool,
    ids: &PreparedIds,
) -> Result<Arc<Order>> {
    let mut order = tx.order(order_id)?;
    let flow = engine.flow(&order.flow)?;
    engine.require_allowed(&order, tx.actor, OrderAction::Pay)?;
    let outstanding = order.outstanding();
    if outstanding <= Decimal::ZERO {
        // Covered by an authorization: for staff, paying is taking (capturing) it.
        let capturable: Decimal = order.payments.iter().map(Payment::capturable).sum();
        if capturable.is_zero() || !Engine::may_capture(tx.actor) {
            return Err(engine.refusal(&order, tx.actor, OrderAction::Pay, "paid")?);
        }
        engine.capture(tx, &mut order, capturable)?;
        engine.after_payment(tx, &mut order, flow);
        engine.schedule(&mut order, flow);
        return Ok(tx.put_order(order));
    }
    // The payment awaits the provider's answer: `checkout` asks once this is committed.
    // Once goods have left, nothing later captures an authorization: take the money now.
    let capture = capture || order.lines.iter().any(|l| l.shipped > 0);
    let awaiting = Payment::awaiting(&ids.payment, method, capture, outstanding, tx.now);
    order.payments.push(awaiting);
    engine.after_payment(tx, &mut order, flow);
    engine.schedule(&mut order, flow);
    Ok(tx.put_order(order))
}

/// `capture_payment`: staff capture what is authorized (all of it, or `amount`).
pub(super) fn capture_payment(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    order_id: &str,
    amount: Option<Decimal>,
) -> Result<Arc<Order>> {
    tx.actor
        .require_staff(StaffDuty::Support, "capture_payment")?;
    let mut order = tx.order(order_id)?;
    let flow = engine.flow(&order.flow)?;
    engine.require_allowed(&order, tx.actor, OrderAction::Pay)?;
    let capturable: Decimal = order.payments.iter().map(Payment::capturable).sum();
    let amount = match amount {
        Some(amount) => engine.requested_amount(&order, amount)?,
        None => capturable,
    };
    if amount <= Decimal::ZERO || amount > capturable {
        return Err(Error::CaptureExceedsAuthorized {
            requested: amount.to_string(),
            capturable: capturable.to_string(),
        });
    }
    engine.capture(tx, &mut order, amount)?;
    engine.after_payment(tx, &mut order, flow);
    engine.schedule(&mut order, flow);
    Ok(tx.put_order(order))
}

/// `payment_webhook`: the provider's word on a payment, applied once per event.
pub(super) fn payment_webhook(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    webhook: &Webhook<'_>,
) -> Result<Arc<Order>> {
    tx.actor.require_system("payment_webhook")?;
    let Webhook {
        provider,
        event_id,
        reference,
        outcome,
        reason,
        ..
    } = *webhook;
    let order_id = match webhook.order_id {
        Some(id) => id.into(),
        None => engine.order_of_payment(tx, reference)?,
    };
    let mut order = tx.order(&order_id)?;
    let dedupe = format!("{provider}:{event_id}");
    if order.processed_webhooks.contains(&dedupe) {
        return Ok(Arc::new(order)); // already applied: nothing written
    }
    order.processed_webhooks.push(dedupe);
    let flow = engine.flow(&order.flow)?;
    let Some(index) = order
        .payments
        .iter()
        .position(|p| p.provider_reference.as_deref() == Some(reference))
    else {
        return Err(Error::not_found("payment", reference));
    };
    let id = order.payments[index].id.clone();
    match (order.payments[index].state, outcome) {
        (PaymentState::Pending, WebhookOutcome::Succeeded) => {
            engine.payment_succeeded(tx, &mut order, index, flow)?
        }
        // The provider took the money after the order's void: the void lost the race, and
        // the money goes back at once.
        (PaymentState::Voided, WebhookOutcome::Succeeded) => {
            engine.payment_succeeded(tx, &mut order, index, flow)?
        }
        (PaymentState::Pending, WebhookOutcome::Failed) => {
            let reason = reason.unwrap_or("failed");
            order.payments[index].apply_failure(reason)?;
            let failed = EventPayload::PaymentFailed {
                payment_id: id,
                reason: reason.to_string(),
            };
            tx.emit_order(&mut order, failed);
        }
        // Anything else is a duplicate or stale event.
        _ => {}
    }
    engine.schedule(&mut order, flow);
    Ok(tx.put_order(order))
}

/// A provider's webhook, as `payment_webhook` carries it.
pub(super) struct Webhook<'a> {
    pub(super) provider: &'a str,
    pub(super) event_id: &'a str,
    pub(super) reference: &'a str,
    pub(super) outcome: WebhookOutcome,
    pub(super) reason: Option<&'a str>,
    /// The order, when the provider's metadata names it (else found by `reference`).
    pub(super) order_id: Option<&'a str>,
}

/// `refund_payment`: staff refund what was captured (all of it, or `amount`).
pub(super) fn refund_payment(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    order_id: &str,
    amount: Option<Decimal>,
    reason: Option<&str>,
) -> Result<Arc<Order>> {
    tx.actor
        .require_staff(StaffDuty::Support, "refund_payment")?;
    let mut order = tx.order(order_id)?;
    engine.require_allowed(&order, tx.actor, OrderAction::Refund)?;
    let amount = match amount {
        Some(amount) => engine.requested_amount(&order, amount)?,
        None => order.payments.iter().map(Payment::refundable).sum(),
    };
    engine.refund(tx, &mut order, amount, None, reason.unwrap_or("refund"))?;
    Ok(tx.put_order(order))
}
