//! Fulfilment: `process_order`, `ship_order`, `deliver_order`, carrier tracking and rates.

use super::*;

impl Engine {
    pub(super) fn mark_delivered(&self, order: &mut Order, shipment: usize, at: DateTime<Utc>) {
        let Some(s) = order.shipments.get_mut(shipment) else {
            return;
        };
        if s.state == ShipmentState::Delivered {
            return;
        }
        s.state = ShipmentState::Delivered;
        s.delivered_at = Some(at);
        for (line, quantity) in s.lines.clone() {
            if let Some(l) = order.lines.get_mut(line) {
                l.delivered += quantity;
            }
        }
    }

    /// Moves a shipped order to delivered once every shipment arrived.
    pub(super) fn complete_delivery(
        &self,
        tx: &mut UnitOfWork<'_>,
        order: &mut Order,
        flow: &OrderFlow,
    ) {
        if order.state == OrderState::Shipped && order.lines.iter().all(|l| l.delivered == l.kept())
        {
            order.transition(flow, OrderState::Delivered, tx.actor, "deliver", tx.now);
            tx.emit_order(order, EventPayload::OrderDelivered);
        }
    }

    pub(super) fn rates(
        &self,
        address: &crate::address::Address,
        lines: &[CartLine],
    ) -> Result<Vec<crate::shipping::ShippingRate>> {
        // Checked here, before pricing checks the cart: the quantities come from the client,
        // and a product of two decimals can overflow.
        let limits = &self.pricer.config().limits;
        for (i, line) in lines.iter().enumerate() {
            limits.check_quantity(line.quantity, || format!("lines[{i}].quantity"))?;
        }
        let (subtotal, weight) = match (
            sum_of_products(lines.iter().map(|l| (l.unit_price, l.quantity))),
            sum_of_products(lines.iter().filter_map(|l| Some((l.weight?, l.quantity)))),
        ) {
            (Some(subtotal), Some(weight)) => (subtotal, weight),
            _ => Self::checked_sums(lines)?,
        };
        self.carrier.rates(&RateRequest {
            address,
            currency: &self.config.currency,
            subtotal,
            weight,
        })
    }

    /// Subtotal and weight of `lines` in `Decimal` arithmetic, naming the line whose product
    /// or sum overflows.
    pub(super) fn checked_sums(lines: &[CartLine]) -> Result<(Decimal, Decimal)> {
        let mut subtotal = Decimal::ZERO;
        let mut weight = Decimal::ZERO;
        for (i, line) in lines.iter().enumerate() {
            let quantity = Decimal::from(line.quantity);
            let add = |sum: Decimal, each: Decimal, what: &str| {
                each.checked_mul(quantity)
                    .and_then(|amount| sum.checked_add(amount))
                    .ok_or_else(|| Error::overflow(format!("lines[{i}].{what}")))
            };
            subtotal = add(subtotal, line.unit_price, "unit_price")?;
            if let Some(each) = line.weight {
                weight = add(weight, each, "weight")?;
            }
        }
        Ok((subtotal, weight))
    }
}

/// Σ amount × quantity in integers at the largest scale, or `None` when a step leaves
/// `Decimal`'s 96 bits (the caller then redoes it in `Decimal`, which names the line). Where it
/// answers, `Decimal`'s own checked arithmetic gives the same exact value: this is the same sum
/// at a tenth of the cost, for every checkout.
pub(super) fn sum_of_products(terms: impl Iterator<Item = (Decimal, i64)>) -> Option<Decimal> {
    const LIMIT: u128 = 1 << 96;
    let (mut sum, mut scale) = (0i128, 0u32);
    for (amount, quantity) in terms {
        let mut product = amount.mantissa().checked_mul(i128::from(quantity))?;
        // `Decimal` multiplies to a plain zero, whatever the amount's scale.
        if product == 0 {
            continue;
        }
        if amount.scale() > scale {
            sum = sum.checked_mul(10i128.checked_pow(amount.scale() - scale)?)?;
            scale = amount.scale();
        } else {
            product = product.checked_mul(10i128.checked_pow(scale - amount.scale())?)?;
        }
        sum = sum.checked_add(product)?;
        if product.unsigned_abs() >= LIMIT || sum.unsigned_abs() >= LIMIT {
            return None;
        }
    }
    Decimal::try_from_i128_with_scale(sum, scale).ok()
}

/// `ship_order`: a shipment of the given lines (all that is left, by default).
pub(super) fn ship_order(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    order_id: &str,
    lines: Option<&[ShipLine]>,
    ids: &PreparedIds,
) -> Result<Arc<Order>> {
    tx.actor.require_staff(StaffDuty::Warehouse, "ship_order")?;
    let mut order = tx.order(order_id)?;
    let flow = engine.flow(&order.flow)?;
    engine.require_allowed(&order, tx.actor, OrderAction::Ship)?;
    engine.require_paid(&order, tx.actor, OrderAction::Ship)?;
    // An event per stock item taken from, and the order's own.
    tx.events.reserve(order.allocations.len() + 2);
    let wanted = match lines {
        Some(lines) => lines_to_ship(&order, lines)?,
        None => all_unshipped(&order),
    };
    if wanted.is_empty() {
        return Err(Error::invalid("lines", "nothing left to ship"));
    }
    // Money before goods: capture what is still only authorized, up to what the order
    // does not yet hold (money refunded before shipping is not counted as held).
    let to_capture = order.pricing.grand_total - (order.captured() - order.refunded());
    if to_capture > Decimal::ZERO {
        let capturable: Decimal = order.payments.iter().map(Payment::capturable).sum();
        engine.capture(tx, &mut order, to_capture.min(capturable))?;
    }
    // Every stock item this shipment may take from, its counters read in one call.
    let unshipped = (order.allocations.iter()).filter(|a| a.quantity > a.shipped);
    tx.read_stock(unshipped.map(|a| StockItem::key(&a.sku, &a.location)))?;
    for &(line, quantity) in &wanted {
        take_from_stock(tx, &mut order, line, quantity)?;
        order.lines[line].shipped += quantity;
    }
    let shipment = label_shipment(engine, tx, &order, ids, wanted)?;
    order.shipments.push(shipment);
    let complete = order.lines.iter().all(|l| l.unshipped() == 0);
    let to = if complete {
        OrderState::Shipped
    } else {
        OrderState::PartiallyShipped
    };
    if order.state != to {
        order.transition(flow, to, tx.actor, "ship", tx.now);
    }
    let shipped = EventPayload::OrderShipped {
        shipment_id: ids.shipment.clone(),
        complete,
    };
    tx.emit_order(&mut order, shipped);
    engine.schedule(&mut order, flow);
    Ok(tx.put_order(order))
}

/// The `(line, quantity)` pairs a shipment names, each line once and within what is left.
fn lines_to_ship(order: &Order, lines: &[ShipLine]) -> Result<Vec<(usize, i64)>> {
    let mut wanted: Vec<(usize, i64)> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let field = |name: &str| format!("lines[{i}].{name}");
        let Some(order_line) = order.lines.get(line.line) else {
            return Err(Error::invalid(field("line"), "no such line"));
        };
        // Each line once: two entries for one line would each pass the check against what
        // is left, and together ship more than was ordered.
        if wanted.iter().any(|(seen, _)| *seen == line.line) {
            let message = format!("line {} is listed twice", line.line);
            return Err(Error::invalid(field("line"), message));
        }
        if line.quantity < 1 || line.quantity > order_line.unshipped() {
            let message = format!("must be 1 to {}", order_line.unshipped());
            return Err(Error::invalid(field("quantity"), message));
        }
        wanted.push((line.line, line.quantity));
    }
    Ok(wanted)
}

/// Every line with units still to ship, all of them.
fn all_unshipped(order: &Order) -> Vec<(usize, i64)> {
    // Sized first: collecting a filtered iterator grows one step at a time.
    let mut wanted = Vec::with_capacity(order.lines.len());
    wanted.extend(
        (order.lines.iter().enumerate())
            .filter(|(_, l)| l.unshipped() > 0)
            .map(|(i, l)| (i, l.unshipped())),
    );
    wanted
}

/// Commits `quantity` units of `line` from the stock its allocations reserved, in their order.
fn take_from_stock(
    tx: &mut UnitOfWork<'_>,
    order: &mut Order,
    line: usize,
    quantity: i64,
) -> Result<()> {
    let mut left = quantity;
    for a in 0..order.allocations.len() {
        if left == 0 {
            break;
        }
        let allocation = &order.allocations[a];
        if allocation.line != line || allocation.quantity == allocation.shipped {
            continue;
        }
        let take = left.min(allocation.quantity - allocation.shipped);
        let mut item = tx.stock(&allocation.sku, &allocation.location)?;
        item.commit(take)?;
        tx.emit_stock(&mut item, Some(order), |sku, location| {
            EventPayload::StockCommitted {
                sku,
                location,
                quantity: take,
            }
        });
        tx.put_stock(item, Some(order));
        order.allocations[a].shipped += take;
        left -= take;
    }
    Ok(())
}

/// The carrier's label for the shipped lines, as the order's new shipment.
fn label_shipment(
    engine: &Engine,
    tx: &UnitOfWork<'_>,
    order: &Order,
    ids: &PreparedIds,
    lines: Vec<(usize, i64)>,
) -> Result<Shipment> {
    let option = order
        .shipping_option
        .clone()
        .unwrap_or_else(|| "standard".into());
    let address = order.shipping_address.clone().unwrap_or_default();
    let label = engine
        .carrier
        .create_label(&ids.shipment, &option, &address)?;
    Ok(Shipment {
        id: ids.shipment.clone(),
        carrier: label.carrier,
        service: option,
        tracking_number: label.tracking_number,
        label_reference: label.label_reference,
        lines,
        state: ShipmentState::Shipped,
        shipped_at: tx.now,
        delivered_at: None,
    })
}

/// `tracking_update`: a carrier's word on a shipment, applied once per event, never backwards.
pub(super) fn tracking_update(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    event_id: &str,
    tracking_number: &str,
    status: ShipmentState,
    order_id: Option<&str>,
) -> Result<Arc<Order>> {
    tx.actor.require_system("tracking_update")?;
    let order_id = match order_id {
        Some(id) => id.into(),
        None => engine
            .find_order(tx, |o| {
                o.shipments
                    .iter()
                    .any(|s| s.tracking_number == *tracking_number)
            })
            .ok_or_else(|| Error::not_found("shipment", tracking_number))?,
    };
    let mut order = tx.order(&order_id)?;
    let dedupe = format!("tracking:{event_id}");
    if order.processed_webhooks.contains(&dedupe) {
        return Ok(Arc::new(order)); // already applied: nothing written
    }
    order.processed_webhooks.push(dedupe);
    let flow = engine.flow(&order.flow)?;
    let Some(index) = order
        .shipments
        .iter()
        .position(|s| s.tracking_number == tracking_number)
    else {
        return Err(Error::not_found("shipment", tracking_number));
    };
    let current = order.shipments[index].state;
    match crate::shipping::shipment_transition(current, status) {
        ShipmentState::Delivered if current != ShipmentState::Delivered => {
            engine.mark_delivered(&mut order, index, tx.now);
            engine.complete_delivery(tx, &mut order, flow);
        }
        next => order.shipments[index].state = next,
    }
    Ok(tx.put_order(order))
}

/// `process_order`: the warehouse starts on a paid order.
pub(super) fn process_order(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    order_id: &str,
) -> Result<Arc<Order>> {
    tx.actor
        .require_staff(StaffDuty::Warehouse, "process_order")?;
    let mut order = tx.order(order_id)?;
    let flow = engine.flow(&order.flow)?;
    engine.require_allowed(&order, tx.actor, OrderAction::Process)?;
    engine.require_paid(&order, tx.actor, OrderAction::Process)?;
    order.transition(flow, OrderState::Processing, tx.actor, "process", tx.now);
    tx.emit_order(&mut order, EventPayload::OrderProcessing);
    engine.schedule(&mut order, flow);
    Ok(tx.put_order(order))
}

/// `deliver_order`: every shipment delivered (staff; carriers report through tracking).
pub(super) fn deliver_order(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    order_id: &str,
) -> Result<Arc<Order>> {
    tx.actor
        .require_staff(StaffDuty::Warehouse, "deliver_order")?;
    let mut order = tx.order(order_id)?;
    let flow = engine.flow(&order.flow)?;
    engine.require_allowed(&order, tx.actor, OrderAction::Deliver)?;
    for index in 0..order.shipments.len() {
        engine.mark_delivered(&mut order, index, tx.now);
    }
    engine.complete_delivery(tx, &mut order, flow);
    Ok(tx.put_order(order))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The integer sum answers exactly what `Decimal`'s checked arithmetic answers, or nothing:
    /// amounts of any scale up to 28, mantissas up to 96 bits, quantities up to a billion.
    fn agrees(terms: &[(Decimal, i64)]) -> std::result::Result<(), TestCaseError> {
        let reference = terms
            .iter()
            .try_fold(Decimal::ZERO, |sum, (amount, quantity)| {
                amount
                    .checked_mul(Decimal::from(*quantity))
                    .and_then(|product| sum.checked_add(product))
            });
        if let Some(fast) = sum_of_products(terms.iter().copied()) {
            prop_assert_eq!(Some(fast), reference);
            prop_assert_eq!(Some(fast.scale()), reference.map(|r| r.scale()));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 5_000, failure_persistence: None, ..Default::default() })]

        #[test]
        fn products_summed_in_integers_match_decimal(
            terms in prop::collection::vec(
                (any::<i128>(), 0u32..=28, 1i64..1_000_000_000, 0u32..100),
                0..25,
            ),
        ) {
            let terms: Vec<(Decimal, i64)> = terms
                .into_iter()
                // Mantissas of every size, mostly small (as prices and weights are).
                .map(|(m, scale, q, bits)| {
                    let m = m >> (127 - bits.min(96));
                    (Decimal::from_i128_with_scale(m.clamp(-(1i128 << 96) + 1, (1i128 << 96) - 1), scale), q)
                })
                .collect();
            agrees(&terms)?;
        }
    }

    #[test]
    fn the_integer_sum_covers_prices_and_gives_way_past_the_range() {
        let price = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        let terms = [(price("55.77"), 1), (price("185.73"), 2), (price("0.2"), 3)];
        assert_eq!(sum_of_products(terms.into_iter()), Some(price("427.83")));
        assert!(agrees(&terms).is_ok());
        // Past 96 bits: no answer (the caller's Decimal arithmetic then names the line).
        assert_eq!(sum_of_products([(Decimal::MAX, 2)].into_iter()), None);
        assert_eq!(sum_of_products(std::iter::empty()), Some(Decimal::ZERO));
    }
}
