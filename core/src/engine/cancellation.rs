//! Cancellation: `cancel_order`, `cancel_unshipped`, and closing an order (its stock, payments
//! and promotion uses given back).

use super::*;

impl Engine {
    pub(super) fn cancel(
        &self,
        tx: &mut UnitOfWork<'_>,
        order: &mut Order,
        reason: &str,
    ) -> Result<()> {
        self.require_allowed(order, tx.actor, OrderAction::Cancel)?;
        self.close(tx, order, reason, false)
    }

    /// Cancels `order` whatever its flow says (the caller checked): its stock is released, its
    /// payments voided or refunded, its coupon uses given back. `declined`: its first payment
    /// was declined, so it does not count as an order the customer placed either.
    pub(super) fn close(
        &self,
        tx: &mut UnitOfWork<'_>,
        order: &mut Order,
        reason: &str,
        declined: bool,
    ) -> Result<()> {
        let flow = self.flow(&order.flow)?;
        self.release_stock(tx, order)?;
        for index in 0..order.payments.len() {
            self.void_rest(tx, order, index, false)?;
        }
        let refundable: Decimal = order.payments.iter().map(Payment::refundable).sum();
        if refundable > Decimal::ZERO {
            self.refund(tx, order, refundable, None, "cancelled")?;
        }
        self.give_back_promotion_uses(tx, order)?;
        if declined {
            let key = DocKey::new(DocKind::Customer, &*order.customer_id);
            if let Some(Document::Customer(record)) = tx.load(key.clone())? {
                let mut record = record.clone();
                record.orders_placed = record.orders_placed.saturating_sub(1);
                tx.put(key, Document::Customer(record));
            }
        }
        order.transition(flow, OrderState::Cancelled, tx.actor, reason, tx.now);
        order.reservation_expires_at = None;
        order.due_at = None;
        tx.emit_order(
            order,
            EventPayload::OrderCancelled {
                reason: reason.to_string(),
            },
        );
        Ok(())
    }

    /// Takes back the uses a cancelled order counted of promotions with usage limits: an order
    /// that was never fulfilled did not use its coupon.
    pub(super) fn give_back_promotion_uses(
        &self,
        tx: &mut UnitOfWork<'_>,
        order: &Order,
    ) -> Result<()> {
        for applied in &order.pricing.promotions {
            let id = &*applied.promotion_id;
            for key in [
                CounterKey::promotion_uses(id),
                CounterKey::promotion_customer_uses(id, &order.customer_id),
            ] {
                // Nothing counted (a promotion without limits): nothing to give back.
                if tx.counter(&key)? > 0 {
                    tx.change_counter(&key, -1, Some(0), None);
                }
            }
        }
        Ok(())
    }

    pub(super) fn release_stock(&self, tx: &mut UnitOfWork<'_>, order: &mut Order) -> Result<()> {
        for a in 0..order.allocations.len() {
            let allocation = order.allocations[a].clone();
            if allocation.quantity == allocation.shipped {
                continue;
            }
            let mut item = tx.stock(&allocation.sku, &allocation.location)?;
            let released = allocation.quantity - allocation.shipped;
            item.release(released);
            if released > 0 {
                tx.emit_stock(&mut item, Some(order), |sku, location| {
                    EventPayload::StockReleased {
                        sku,
                        location,
                        quantity: released,
                    }
                });
                tx.put_stock(item, Some(order));
            }
            order.allocations[a].quantity = allocation.shipped;
        }
        Ok(())
    }
}

/// Cancels what a partly shipped order has not shipped: its stock is released and the
/// customer refunded exactly what those units cost (their discount and tax shares, from the
/// breakdown's per-unit splits; shipping stays paid, the order did ship), and the order is
/// shipped — delivered already if every shipment arrived. The cancelled units are each
/// line's last ones, so returns (which take the first free units) never reach them.
pub(super) fn cancel_unshipped(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    order_id: &str,
    reason: &str,
) -> Result<Arc<Order>> {
    tx.actor
        .require_staff(StaffDuty::Support, "cancel_unshipped")?;
    let mut order = tx.order(order_id)?;
    engine.require_allowed(&order, tx.actor, OrderAction::CancelUnshipped)?;
    let flow = engine.flow(&order.flow)?;
    let (mut units, mut amount) = (0, Decimal::ZERO);
    for (i, line) in order.lines.iter_mut().enumerate() {
        let rest = line.unshipped();
        if rest > 0 {
            let first = line.shipped as u64;
            let include_tax = order.pricing.prices_include_tax;
            amount += order.pricing.lines[i]
                .units(first, rest as u64, include_tax)?
                .total;
            units += rest;
            line.cancelled += rest;
        }
    }
    engine.release_stock(tx, &mut order)?;
    let refundable: Decimal = order.payments.iter().map(Payment::refundable).sum();
    let refunded = amount.min(refundable);
    if refunded > Decimal::ZERO {
        engine.refund(tx, &mut order, refunded, None, reason)?;
    }
    // Nothing is left to capture once what remains has shipped.
    for index in 0..order.payments.len() {
        engine.void_rest(tx, &mut order, index, false)?;
    }
    order.transition(flow, OrderState::Shipped, tx.actor, reason, tx.now);
    let cancelled = EventPayload::UnshippedCancelled {
        units,
        refunded,
        reason: reason.to_string(),
    };
    tx.emit_order(&mut order, cancelled);
    engine.complete_delivery(tx, &mut order, flow);
    Ok(tx.put_order(order))
}

/// `cancel_order`: the customer, or support, cancels an order not yet shipped.
pub(super) fn cancel_order(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    order_id: &str,
    reason: Option<&str>,
) -> Result<Arc<Order>> {
    let mut order = tx.order(order_id)?;
    if !matches!(tx.actor, Actor::Customer { .. }) {
        tx.actor.require_staff(StaffDuty::Support, "cancel_order")?;
    }
    engine.cancel(tx, &mut order, reason.unwrap_or("cancelled"))?;
    Ok(tx.put_order(order))
}
