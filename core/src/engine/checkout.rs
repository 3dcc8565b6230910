//! The two-commit checkout of `place_order` with payment and `pay_order`: secure the order,
//! its stock and a payment awaiting the provider (first commit), ask the gateway under the
//! payment's key, record the answer (second commit).

use super::*;

impl Engine {
    /// Places an order with payment, or pays one, in two commits around the gateway call:
    /// first the order, its stock and a payment awaiting the provider's answer (nothing is
    /// charged before they are secured, so losing a race for the last unit charges no one);
    /// then the answer. A retry with the same key finds the secured attempt and asks the
    /// provider again under the same provider key, which replays its first answer
    /// (`docs/engine.md`, "Faults").
    pub(super) fn checkout(
        &self,
        call: &Call<'_>,
        actor: &Actor,
        key: Option<(&str, &str)>,
        ids: &PreparedIds,
        placing: bool,
        mut secure: impl FnMut(&mut UnitOfWork<'_>) -> Result<Arc<Order>>,
    ) -> Result<CommandOutput> {
        let attempt_key = key.map(|(key, _)| DocKey::new(DocKind::Checkout, key));
        let fingerprint = key.map_or("", |(_, fingerprint)| fingerprint);
        let attempt = self.run(call, actor, key, Record::Errors, |tx| {
            if let Some(attempt_key) = &attempt_key
                && let Some(Document::Checkout(attempt)) = tx.load(attempt_key.clone())?
            {
                // Secured by an earlier try of this command; the key with another command
                // is a conflict (`execute` names the host's key).
                if attempt.fingerprint != fingerprint {
                    return Err(Error::IdempotencyConflict {
                        key: attempt_key.id.to_string(),
                    });
                }
                return Ok(attempt.clone());
            }
            let order = secure(tx)?;
            let attempt = CheckoutAttempt {
                order_id: order.id.clone(),
                payment_id: ids.payment.clone(),
                fingerprint: fingerprint.to_string(),
            };
            if let Some(attempt_key) = &attempt_key {
                tx.put(attempt_key.clone(), Document::Checkout(attempt.clone()));
            }
            Ok(attempt)
        })?;
        let answer = self.ask_gateway(&attempt)?;
        self.run(call, actor, key, Record::Answer, |tx| {
            let mut order = tx.order(&attempt.order_id)?;
            let flow = self.flow(&order.flow)?;
            let index = order
                .payments
                .iter()
                .position(|p| p.id == attempt.payment_id);
            if let (Some(index), Some(answer)) = (index, &answer) {
                self.settle(tx, &mut order, index, answer, flow, placing)?;
                if let Some(reason) = &order.payments[index].failure_reason {
                    tx.refusal = Some(Error::PaymentDeclined {
                        reason: reason.clone(),
                    });
                }
            }
            Ok(CommandOutput::Order(tx.put_order(order)))
        })
    }

    /// The provider's answer for the attempt's payment if it still awaits one (asked under the
    /// payment's own provider key, so asking again replays the first answer); `None` when the
    /// answer is recorded already or no payment was needed.
    pub(super) fn ask_gateway(&self, attempt: &CheckoutAttempt) -> Result<Option<GatewayOutcome>> {
        let order = self.get_order(&Actor::System, &attempt.order_id)?;
        match order.payments.iter().find(|p| p.id == attempt.payment_id) {
            Some(payment) if payment.awaits_answer() => {
                let request = self.authorization(&order, payment);
                Ok(Some(self.gateway.execute(&request)?))
            }
            _ => Ok(None),
        }
    }

    /// The authorization request of an awaiting payment, under the payment's own provider key
    /// (`{payment}:authorize`): the same on every retry, whoever retries.
    pub(super) fn authorization(&self, order: &Order, payment: &Payment) -> GatewayRequest {
        let operation = if payment.capture {
            GatewayOperation::AuthorizeAndCapture
        } else {
            GatewayOperation::Authorize
        };
        GatewayRequest {
            operation,
            idempotency_key: payment.provider_key(operation, None),
            payment_id: payment.id.clone(),
            order_id: order.id.clone(),
            invoice_id: None,
            customer_id: order.customer_id.clone(),
            amount: payment.amount,
            currency: order.currency.clone(),
            method: payment.method,
            provider_reference: None,
        }
    }

    /// Records the provider's answer to payment `index`'s authorization. A decline when
    /// `placing` (the payment placed the order) closes the order: its stock and coupon uses go
    /// back. A decline of a later payment leaves the order waiting for another one.
    pub(super) fn settle(
        &self,
        tx: &mut UnitOfWork<'_>,
        order: &mut Order,
        index: usize,
        answer: &GatewayOutcome,
        flow: &OrderFlow,
        placing: bool,
    ) -> Result<()> {
        let payment = &order.payments[index];
        let awaiting = payment.awaits_answer();
        match answer {
            GatewayOutcome::Approved { reference }
                if awaiting || payment.state == PaymentState::Voided =>
            {
                order.payments[index].provider_reference = Some(reference.as_str().into());
                self.payment_succeeded(tx, order, index, flow)?;
            }
            GatewayOutcome::Pending { reference } if awaiting => {
                order.payments[index].provider_reference = Some(reference.as_str().into());
            }
            GatewayOutcome::Declined { reason } if awaiting => {
                let payment = &mut order.payments[index];
                payment.apply_failure(reason)?;
                let failed = EventPayload::PaymentFailed {
                    payment_id: payment.id.clone(),
                    reason: reason.clone(),
                };
                tx.emit_order(order, failed);
                if placing && order.state == OrderState::Pending {
                    self.close(tx, order, "payment_declined", true)?;
                }
            }
            // Answered already (a retry, a webhook or the scheduler got there first).
            _ => {}
        }
        self.schedule(order, flow);
        Ok(())
    }
}
