//! Returns (RMA): `request_return` and `update_return` through approval, receipt and refund.

use super::*;
use crate::returns::RefundQuote;

impl Engine {
    /// Takes `quantity` returned units of `line` back to the locations they shipped from
    /// (in allocation order), restocking them there when `sellable`.
    pub(super) fn take_back(
        &self,
        tx: &mut UnitOfWork<'_>,
        order: &mut Order,
        line: usize,
        quantity: i64,
        sellable: bool,
    ) -> Result<()> {
        let mut left = quantity;
        for a in 0..order.allocations.len() {
            let allocation = &order.allocations[a];
            let out = allocation.shipped - allocation.returned;
            if left == 0 || allocation.line != line || out <= 0 {
                continue;
            }
            let take = left.min(out);
            order.allocations[a].returned += take;
            left -= take;
            if !sellable {
                continue;
            }
            let allocation = &order.allocations[a];
            let mut stock = tx.stock(&allocation.sku, &allocation.location)?;
            stock.on_hand = stock.on_hand.saturating_add(take);
            tx.emit_stock(&mut stock, Some(order), |sku, location| {
                EventPayload::StockRestocked {
                    sku,
                    location,
                    quantity: take,
                }
            });
            tx.put_stock(stock, Some(order));
        }
        Ok(())
    }
}

/// `request_return`: a return of delivered units no live return holds.
pub(super) fn request_return(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    order_id: &str,
    lines: &[ReturnLine],
    ids: &PreparedIds,
) -> Result<Arc<Order>> {
    let mut order = tx.order(order_id)?;
    if !matches!(tx.actor, Actor::Customer { .. }) {
        tx.actor
            .require_staff(StaffDuty::Support, "request_return")?;
    }
    engine.require_allowed(&order, tx.actor, OrderAction::RequestReturn)?;
    require_return_window(engine, tx.now, &order)?;
    if lines.is_empty() {
        return Err(Error::invalid("lines", "a return needs at least one line"));
    }
    let currency = engine
        .config
        .pricing
        .currencies
        .resolve(&order.currency, "currency")?;
    let zero = Decimal::new(0, currency.minor_units());
    let (items, items_amount) = units_to_return(&mut order, lines, zero)?;
    let shipping_amount = shipping_to_refund(engine, &order).unwrap_or(zero);
    let (fee, rounding) = (
        engine.config.restocking_fee_percent,
        engine.config.pricing.rounding,
    );
    let quote = RefundQuote::new(items_amount, shipping_amount, fee, currency, rounding)?;
    let request = ReturnRequest::requested(ids.ret.clone(), items, quote, tx.now);
    let requested = EventPayload::ReturnRequested {
        return_id: request.id.clone(),
    };
    tx.emit_order(&mut order, requested);
    order.returns.push(request);
    Ok(tx.put_order(order))
}

/// Returns are taken within the configured days of delivery (`invalid_transition` after).
fn require_return_window(engine: &Engine, now: DateTime<Utc>, order: &Order) -> Result<()> {
    let delivered_at = order
        .history
        .iter()
        .rev()
        .find(|t| t.to == OrderState::Delivered)
        .map(|t| t.at)
        .unwrap_or(order.created_at);
    if now - delivered_at <= Duration::days(engine.config.return_window_days) {
        return Ok(());
    }
    Err(Error::InvalidTransition {
        entity: "order".into(),
        state: "return_window_closed".into(),
        action: OrderAction::RequestReturn.name().into(),
        allowed: vec![],
    })
}

/// The units each line returns (the lowest no live return holds) and what they were paid;
/// counted as requested on the order's lines.
fn units_to_return(
    order: &mut Order,
    lines: &[ReturnLine],
    zero: Decimal,
) -> Result<(Vec<ReturnItem>, Decimal)> {
    let mut items: Vec<ReturnItem> = Vec::new();
    let mut amount = zero;
    for (i, line) in lines.iter().enumerate() {
        let Some(order_line) = order.lines.get(line.line) else {
            return Err(Error::invalid(format!("lines[{i}].line"), "no such line"));
        };
        let open = order_line.delivered - order_line.returned - order_line.return_requested;
        if line.quantity < 1 || line.quantity > open {
            return Err(Error::invalid(
                format!("lines[{i}].quantity"),
                format!("must be 1 to {open} (delivered and not yet returned)"),
            ));
        }
        let live = (order.returns.iter())
            .filter(|r| !r.state.is_withdrawn())
            .flat_map(|r| r.items.iter())
            .chain(items.iter());
        let runs = free_units(live, line.line, line.quantity as u64);
        let priced = &order.pricing.lines[line.line];
        for (first_unit, units) in runs {
            amount += priced
                .units(first_unit, units, order.pricing.prices_include_tax)?
                .total;
            items.push(ReturnItem {
                line: line.line,
                quantity: units as i64,
                reason: line.reason,
                condition: None,
                first_unit,
            });
        }
        order.lines[line.line].return_requested += line.quantity;
    }
    Ok((items, amount))
}

/// The shipping charge, when this return brings everything back, the shop refunds shipping
/// on a full return, and no live return refunds it already.
fn shipping_to_refund(engine: &Engine, order: &Order) -> Option<Decimal> {
    let everything_back = (order.lines.iter()).all(|l| l.returned + l.return_requested == l.kept());
    let already_refunded = (order.returns.iter())
        .any(|r| r.shipping_amount > Decimal::ZERO && !r.state.is_withdrawn());
    let refunds = engine.config.refund_shipping_on_full_return && everything_back;
    let shipping = order.pricing.shipping.as_ref()?;
    (refunds && !already_refunded).then_some(shipping.total)
}

/// `update_return`: a return moved on (approve, reject, receive, refund, …).
pub(super) fn update_return(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    order_id: &str,
    return_id: &str,
    action: ReturnAction,
    received: &[ReceivedLine],
) -> Result<Arc<Order>> {
    let mut order = tx.order(order_id)?;
    if let Some(duty) = action.duty(matches!(tx.actor, Actor::Customer { .. })) {
        tx.actor
            .require_staff(duty, &format!("{} a return", action.name()))?;
    }
    let flow = engine.flow(&order.flow)?;
    let index = order
        .returns
        .iter()
        .position(|r| r.id == return_id)
        .ok_or_else(|| Error::not_found("return", return_id))?;
    let label = tx.actor.label();
    order.returns[index].apply(action, &label, tx.now)?;
    match action {
        ReturnAction::Reject | ReturnAction::Cancel => {
            let returns = &order.returns[index];
            for item in &returns.items {
                order.lines[item.line].return_requested -= item.quantity;
            }
        }
        ReturnAction::Receive => {
            for item in order.returns[index].items.iter_mut() {
                let condition = received.iter().find(|r| r.line == item.line);
                item.condition = Some(condition.map_or(ItemCondition::Sellable, |r| r.condition));
            }
        }
        ReturnAction::Process => process_return(engine, tx, &mut order, index, flow)?,
        ReturnAction::Refund => {
            // Refunds made outside returns are not attributed to units: a return pays its
            // units' amount, or what the order still holds when that is less.
            let refundable: Decimal = order.payments.iter().map(Payment::refundable).sum();
            let amount = order.returns[index].refund_amount.min(refundable);
            if amount > Decimal::ZERO {
                engine.refund(tx, &mut order, amount, Some(return_id), "return")?;
                order.returns[index].refunded = amount;
            }
        }
        ReturnAction::Approve | ReturnAction::SchedulePickup | ReturnAction::MarkInTransit => {}
    }
    let updated = EventPayload::ReturnUpdated {
        return_id: return_id.into(),
        state: order.returns[index].state.name().to_string(),
    };
    tx.emit_order(&mut order, updated);
    Ok(tx.put_order(order))
}

/// A received return processed: sellable units back in stock, the units counted returned,
/// the order (partly) returned.
fn process_return(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    order: &mut Order,
    index: usize,
    flow: &OrderFlow,
) -> Result<()> {
    let items = order.returns[index].items.clone();
    for item in &items {
        let sellable = (item.condition.unwrap_or(ItemCondition::Sellable)).is_sellable();
        engine.take_back(tx, order, item.line, item.quantity, sellable)?;
        order.lines[item.line].return_requested -= item.quantity;
        order.lines[item.line].returned += item.quantity;
    }
    let complete = order.lines.iter().all(|l| l.returned == l.kept());
    let to = if complete {
        OrderState::Returned
    } else {
        OrderState::PartiallyReturned
    };
    if order.state != to {
        order.transition(flow, to, tx.actor, "return", tx.now);
    }
    let returned = EventPayload::OrderReturned {
        return_id: order.returns[index].id.clone(),
        complete,
    };
    tx.emit_order(order, returned);
    Ok(())
}
