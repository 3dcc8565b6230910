//! The scheduler: `tick` expires unpaid orders, settles abandoned checkouts and advances orders
//! whose flow moves them on by time.

use super::*;

impl Engine {
    /// When the scheduler must next look at the order.
    pub(super) fn schedule(&self, order: &mut Order, flow: &OrderFlow) {
        let mut due = None;
        if order.state == OrderState::Pending {
            if !order.is_paid() {
                due = order.reservation_expires_at;
            } else if let Some(minutes) = flow.auto_process_after_minutes {
                due = order
                    .created_at
                    .checked_add_signed(Duration::minutes(minutes));
            }
        }
        order.due_at = due;
    }

    /// Does all time-based work due at the engine clock's now: cancels unpaid orders whose
    /// reservation expired (releasing their stock), moves paid orders to processing where the
    /// flow schedules it, and takes due subscriptions through their billing steps (see
    /// `collection`). Idempotent: a second run at the same time finds nothing due.
    pub fn tick(&self, actor: &Actor) -> Result<TickReport> {
        actor.require_system("tick")?;
        let now = self.clock.now();
        let mut report = TickReport::default();
        self.tick_orders(actor, now, &mut report)?;
        self.tick_subscriptions(actor, now, &mut report)?;
        Ok(report)
    }

    /// Every order due by `now`: expired, or moved on by its flow.
    fn tick_orders(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<()> {
        let mut query = crate::store::OrderQuery {
            due_before: Some(now),
            limit: Some(200),
            ..Default::default()
        }
        .find()?;
        loop {
            let page = crate::store::OrderPage::of(self.store.find(&query)?)?;
            for due in &page.orders {
                let id = due.id.to_string();
                let mut what = None;
                let outcome = self.run(&Call::internal(), actor, None, Record::Answer, |tx| {
                    let mut order = tx.order(&id)?;
                    let flow = self.flow(&order.flow)?;
                    what = None;
                    let expired = order.state == OrderState::Pending
                        && !order.is_paid()
                        && order.reservation_expires_at.is_some_and(|t| t <= tx.now);
                    if expired {
                        self.settle_abandoned(tx, &mut order, flow)?;
                    }
                    if expired && order.state == OrderState::Pending && !order.is_paid() {
                        self.cancel(tx, &mut order, "reservation_expired")?;
                        what = Some(true);
                    } else if order.state == OrderState::Pending
                        && order.is_paid()
                        && flow.processing_step
                        && flow
                            .auto_process_after_minutes
                            .and_then(|m| order.created_at.checked_add_signed(Duration::minutes(m)))
                            .is_some_and(|due| due <= tx.now)
                    {
                        order.transition(
                            flow,
                            OrderState::Processing,
                            tx.actor,
                            "scheduled",
                            tx.now,
                        );
                        tx.emit_order(&mut order, EventPayload::OrderProcessing);
                        what = Some(false);
                    }
                    self.schedule(&mut order, flow);
                    if order.due_at.is_some_and(|d| d <= tx.now) {
                        order.due_at = None;
                    }
                    Ok(CommandOutput::Order(tx.put_order(order)))
                });
                if let Err(error) = outcome {
                    report.failed.push((id, error.code().to_string()));
                    continue;
                }
                match what {
                    Some(true) => report.expired.push(id),
                    Some(false) => report.advanced.push(id),
                    None => {}
                }
            }
            match page.orders.last().filter(|_| page.next.is_some()) {
                Some(last) => query.after = Some((last.created_at, last.id.clone())),
                None => return Ok(()),
            }
        }
    }

    /// Asks the provider for the answers a checkout never recorded (its process stopped
    /// between the two commits, and no retry came): under the same provider keys, so a charge
    /// that happened is found, not made again. A paid order then stays; a declined one closes.
    pub(super) fn settle_abandoned(
        &self,
        tx: &mut UnitOfWork<'_>,
        order: &mut Order,
        flow: &OrderFlow,
    ) -> Result<()> {
        for index in 0..order.payments.len() {
            if order.payments[index].awaits_answer() {
                let request = self.authorization(order, &order.payments[index]);
                let answer = self.gateway.execute(&request)?;
                // Expired anyway: the scheduler cancels what stays unpaid.
                self.settle(tx, order, index, &answer, flow, false)?;
            }
        }
        Ok(())
    }
}
