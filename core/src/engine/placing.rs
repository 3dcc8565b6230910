//! `place_order`: the order priced, its stock allocated, its coupons counted, its customer
//! recorded.

use super::*;
use crate::inventory::Allocation;
use crate::pricing::PriceBreakdown;

/// `place_order`: the order, its stock, coupon uses and customer (without its payment's answer).
pub(super) fn place_order(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    place: &PlaceOrder,
    ids: &PreparedIds,
) -> Result<Arc<Order>> {
    let flow = check_placement(engine, tx, place)?;
    // A reservation event per line (more when a line is split over locations), the
    // order's and the payment's.
    tx.events.reserve(place.lines.len() + 6);
    let lines = cart_lines(engine, place)?;
    validate_address(&place.shipping_address, "shipping_address")?;
    engine.carrier.validate_address(&place.shipping_address)?;
    let shipping = shipping_charge(engine, place, &lines)?;
    let customer = customer_record(tx, &place.customer_id)?;
    let cart = Cart {
        currency: engine.config.currency.clone(),
        lines,
        shipping,
        coupon_codes: place.coupon_codes.iter().map(|c| c.to_string()).collect(),
        customer: Customer {
            id: Some(place.customer_id.to_string()),
            groups: place.customer_groups.clone(),
            previous_orders: customer.orders_placed,
            tax_exempt: false,
        },
        address: Some(place.shipping_address.clone()),
        prices_include_tax: engine.config.prices_include_tax,
    };
    let mut context = PricingContext::at(tx.now);
    let usages = promotion_usages(engine, tx, &cart, &place.customer_id, &mut context)?;
    let pricing = engine.pricer.price(&cart, &context)?;
    require_coupons_applied(&place.coupon_codes, &pricing)?;
    let stock = StockPlan::load(engine, tx, &cart)?;
    let allocations = stock.allocate(&engine.config.locations)?;
    let mut order = new_order(engine, tx, place, ids, flow, &cart, pricing, allocations);
    // The payment awaits the provider's answer: `checkout` asks once this is committed.
    let total = order.pricing.grand_total;
    if let Some(payment) = place.payment.as_ref().filter(|_| total > Decimal::ZERO) {
        let awaiting =
            Payment::awaiting(&ids.payment, payment.method, payment.capture, total, tx.now);
        order.payments.push(awaiting);
    }
    stock.reserve(tx, &mut order, &engine.config.locations);
    engine.after_payment(tx, &mut order, flow);
    engine.schedule(&mut order, flow);
    count_uses(tx, &order, &usages, customer);
    Ok(tx.put_order(order))
}

/// The flow, and who may place what: a customer only for themself, at least one line, within
/// the cart limits.
fn check_placement<'e>(
    engine: &'e Engine,
    tx: &UnitOfWork<'_>,
    place: &PlaceOrder,
) -> Result<&'e OrderFlow> {
    let flow = engine.flow(place.flow.as_deref().unwrap_or(&engine.config.default_flow))?;
    if place.customer_id.trim().is_empty() {
        return Err(Error::invalid("customer_id", "must not be empty"));
    }
    if let Actor::Customer { id } = tx.actor
        && *id != place.customer_id
    {
        return Err(Error::Forbidden {
            action: "place_order for another customer".into(),
            actor: tx.actor.label().to_string(),
        });
    }
    if place.lines.is_empty() {
        return Err(Error::invalid("lines", "an order needs at least one line"));
    }
    (engine.pricer.config().limits).check_cart_size(place.lines.len(), place.coupon_codes.len())?;
    Ok(flow)
}

/// The ordered lines as the catalog prices them.
fn cart_lines(engine: &Engine, place: &PlaceOrder) -> Result<Vec<CartLine>> {
    let mut lines = Vec::with_capacity(place.lines.len());
    for (i, line) in place.lines.iter().enumerate() {
        let product = engine.catalog.product(&line.sku)?.ok_or_else(|| {
            Error::invalid(
                format!("lines[{i}].sku"),
                format!("unknown sku {:?}", line.sku),
            )
        })?;
        lines.push(CartLine {
            sku: product.sku.clone(),
            name: product.name.clone(),
            unit_price: product.unit_price,
            quantity: line.quantity,
            category: product.category.clone(),
            tags: product.tags.clone(),
            tax_class: product.tax_class.clone(),
            weight: product.weight,
        });
    }
    Ok(lines)
}

/// The chosen shipping option's rate for these lines and address, if one was chosen.
fn shipping_charge(
    engine: &Engine,
    place: &PlaceOrder,
    lines: &[CartLine],
) -> Result<Option<ShippingCharge>> {
    let Some(option) = &place.shipping_option else {
        return Ok(None);
    };
    let rate = engine
        .rates(&place.shipping_address, lines)?
        .into_iter()
        .find(|r| r.option_id == *option)
        .ok_or_else(|| {
            Error::invalid(
                "shipping_option",
                format!("{option:?} is not offered for this address"),
            )
        })?;
    Ok(Some(ShippingCharge {
        method: option.to_string(),
        amount: rate.amount,
        tax_class: Default::default(),
    }))
}

/// The customer's record (how many orders they placed), new if this is their first.
pub(super) fn customer_record(
    tx: &mut UnitOfWork<'_>,
    customer_id: &str,
) -> Result<CustomerRecord> {
    Ok(
        match tx.load(DocKey::new(DocKind::Customer, customer_id))? {
            Some(Document::Customer(record)) => record.clone(),
            _ => CustomerRecord {
                customer_id: customer_id.to_string(),
                ..CustomerRecord::default()
            },
        },
    )
}

/// A limited promotion's usage counters and limits.
pub(super) struct LimitedUse {
    promotion_id: String,
    /// `promotion_uses/<id>`, bounded by the promotion's usage limit.
    total: CounterKey,
    usage_limit: Option<u64>,
    /// `promotion_customer_uses/<id>/<customer>`, bounded by its per-customer limit.
    by_customer: CounterKey,
    usage_limit_per_customer: Option<u64>,
}

/// The usage counters of the promotions with limits this cart may use, read in this change set
/// (a new use is counted within the limits, so racing checkouts cannot both take the last use)
/// and put into `context`.
pub(super) fn promotion_usages(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    cart: &Cart,
    customer_id: &str,
    context: &mut PricingContext,
) -> Result<Vec<LimitedUse>> {
    let limited: Vec<LimitedUse> = (engine.pricer.limited_promotions(cart).into_iter())
        .map(|p| LimitedUse {
            promotion_id: p.id.clone(),
            total: CounterKey::promotion_uses(&p.id),
            usage_limit: p.usage_limit,
            by_customer: CounterKey::promotion_customer_uses(&p.id, customer_id),
            usage_limit_per_customer: p.usage_limit_per_customer,
        })
        .collect();
    let keys: Vec<CounterKey> = (limited.iter())
        .flat_map(|l| [l.total.clone(), l.by_customer.clone()])
        .collect();
    tx.read_counters(&keys)?;
    for limits in &limited {
        let uses = |count: i64| u64::try_from(count).unwrap_or(0);
        let usage = Usage {
            total: uses(tx.counter(&limits.total)?),
            by_customer: uses(tx.counter(&limits.by_customer)?),
        };
        context.usage.insert(limits.promotion_id.clone(), usage);
    }
    Ok(limited)
}

/// Every coupon the customer entered applied, or `coupon_rejected` with the pricer's reason.
pub(super) fn require_coupons_applied(codes: &[SmolStr], pricing: &PriceBreakdown) -> Result<()> {
    let names =
        |code: &str, named: Option<&str>| named.is_some_and(|c| c.eq_ignore_ascii_case(code));
    for code in codes {
        if pricing
            .promotions
            .iter()
            .any(|p| names(code, p.code.as_deref()))
        {
            continue;
        }
        let reason = pricing
            .not_applied
            .iter()
            .find(|n| names(code, n.code.as_deref()))
            .map_or("not_applied", |n| n.reason.code());
        return Err(Error::CouponRejected {
            coupon: code.to_string(),
            reason: reason.to_string(),
        });
    }
    Ok(())
}

/// Where every line's units come from, checked as a whole. Each sku has a row (numbered in
/// order of first appearance) in a table of its items over the locations.
struct StockPlan<'c> {
    demands: Vec<Demand<'c>>,
    /// (stock item, whether this order reserves from it), row-major over the locations.
    items: Vec<(Stocked, bool)>,
}

impl<'c> StockPlan<'c> {
    /// Each ordered sku's stock at every location, loaded once (the counters in one call).
    fn load(engine: &Engine, tx: &mut UnitOfWork<'_>, cart: &'c Cart) -> Result<Self> {
        let mut rows: HashMap<&str, usize, foldhash::fast::RandomState> =
            HashMap::with_capacity_and_hasher(cart.lines.len(), Default::default());
        let demands: Vec<Demand> = cart
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let next = rows.len();
                Demand {
                    line: i,
                    sku: &l.sku,
                    row: *rows.entry(&*l.sku).or_insert(next),
                    quantity: l.quantity,
                }
            })
            .collect();
        let locations = &engine.config.locations;
        let mut wanted = Vec::with_capacity(rows.len() * locations.len());
        for demand in &demands {
            // A sku's first line: its row is the next one.
            if demand.row * locations.len() == wanted.len() {
                wanted.extend(locations.iter().map(|l| (demand.sku, l.as_str())));
            }
        }
        let items = tx
            .stocks(&wanted)?
            .into_iter()
            .map(|s| (s, false))
            .collect();
        Ok(StockPlan { demands, items })
    }

    /// Where each line's units come from (`insufficient_stock` if they are not there).
    fn allocate(&self, locations: &[String]) -> Result<Vec<Allocation>> {
        allocate(&self.demands, locations, |row, location| {
            self.items
                .get(row * locations.len() + location)
                .map(|(stocked, _)| &stocked.item)
        })
    }

    /// Reserves the order's allocations, with their events; each item is written once, with
    /// every reservation of this order (a sku may be on two lines).
    fn reserve(mut self, tx: &mut UnitOfWork<'_>, order: &mut Order, locations: &[String]) {
        let mut reservations = Vec::with_capacity(order.allocations.len());
        for allocation in &order.allocations {
            let (Some(demand), Some(location)) = (
                self.demands.get(allocation.line),
                locations.iter().position(|l| *l == *allocation.location),
            ) else {
                continue;
            };
            let at = demand.row * locations.len() + location;
            let Some((item, reserved)) = self.items.get_mut(at) else {
                continue;
            };
            *reserved = true;
            item.reserve(allocation.quantity);
            reservations.push((at, allocation.quantity));
        }
        for (at, quantity) in reservations {
            let item = &mut self.items[at].0;
            tx.emit_stock(item, Some(order), |sku, location| {
                EventPayload::StockReserved {
                    sku,
                    location,
                    quantity,
                }
            });
        }
        for (item, reserved) in self.items {
            if reserved {
                tx.put_stock(item, Some(order));
            }
        }
    }
}

/// The placed order, pending, with its `order_created` event.
#[expect(
    clippy::too_many_arguments,
    reason = "the parts of an order, made by the steps before"
)]
fn new_order(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    place: &PlaceOrder,
    ids: &PreparedIds,
    flow: &OrderFlow,
    cart: &Cart,
    pricing: PriceBreakdown,
    allocations: Vec<Allocation>,
) -> Order {
    let lines = cart
        .lines
        .iter()
        .map(|l| OrderLine::new(l.sku.clone(), l.name.clone(), l.quantity));
    let mut order = Order {
        id: ids.order.clone(),
        customer_id: place.customer_id.as_str().into(),
        flow: SmolStr::new(&flow.name),
        state: OrderState::Pending,
        state_label: SmolStr::new(flow.label(OrderState::Pending)),
        currency: SmolStr::new(&engine.config.currency),
        lines: lines.collect(),
        pricing: Arc::new(pricing),
        shipping_address: Some(place.shipping_address.clone()),
        shipping_option: place.shipping_option.clone(),
        coupon_codes: place.coupon_codes.clone(),
        allocations,
        payments: Vec::new(),
        shipments: Vec::new(),
        returns: Vec::new(),
        history: vec![Transition {
            from: None,
            to: OrderState::Pending,
            at: tx.now,
            actor: tx.actor.label(),
            reason: "place_order".into(),
        }],
        created_at: tx.now,
        updated_at: tx.now,
        reservation_expires_at: None,
        due_at: None,
        event_sequence: 0,
        processed_webhooks: Vec::new(),
    };
    let created = EventPayload::OrderCreated {
        grand_total: order.pricing.grand_total,
        currency: order.currency.clone(),
        state: order.state_label.clone(),
    };
    tx.emit_order(&mut order, created);
    order
}

/// A use of each limited promotion `pricing` applied, counted within its limits (a rival that
/// took the last use makes the commit conflict, and the command decides again).
pub(super) fn count_promotion_uses(
    tx: &mut UnitOfWork<'_>,
    pricing: &PriceBreakdown,
    usages: &[LimitedUse],
) {
    let applied = |usage: &&LimitedUse| {
        (pricing.promotions.iter()).any(|p| *p.promotion_id == usage.promotion_id)
    };
    let limit = |limit: Option<u64>| limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX));
    for usage in usages.iter().filter(applied) {
        tx.change_counter(&usage.total, 1, None, limit(usage.usage_limit));
        let per_customer = limit(usage.usage_limit_per_customer);
        tx.change_counter(&usage.by_customer, 1, None, per_customer);
    }
}

/// The uses of the limited promotions the order applied (within their limits), and the
/// customer's order count, counted in the order's change set.
fn count_uses(
    tx: &mut UnitOfWork<'_>,
    order: &Order,
    usages: &[LimitedUse],
    customer: CustomerRecord,
) {
    count_promotion_uses(tx, &order.pricing, usages);
    tx.put(
        DocKey::new(DocKind::Customer, &*order.customer_id),
        Document::Customer(CustomerRecord {
            customer_id: order.customer_id.to_string(),
            orders_placed: customer.orders_placed + 1,
            credit_balance: customer.credit_balance,
        }),
    );
}
