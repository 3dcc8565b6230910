//! `place_order`: the order priced, its stock allocated, its coupons counted, its customer
//! recorded.

use super::*;

impl Engine {
    pub(super) fn decide_place_order(
        &self,
        tx: &mut UnitOfWork<'_>,
        place: &PlaceOrder,
        ids: &PreparedIds,
    ) -> Result<Arc<Order>> {
        let flow = self.flow(place.flow.as_deref().unwrap_or(&self.config.default_flow))?;
        if place.customer_id.trim().is_empty() {
            return Err(Error::invalid("customer_id", "must not be empty"));
        }
        if let Actor::Customer { id } = tx.actor {
            if *id != place.customer_id {
                return Err(Error::Forbidden {
                    action: "place_order for another customer".into(),
                    actor: tx.actor.label().to_string(),
                });
            }
        }
        if place.lines.is_empty() {
            return Err(Error::invalid("lines", "an order needs at least one line"));
        }
        (self.pricer.config().limits)
            .check_cart_size(place.lines.len(), place.coupon_codes.len())?;
        // A reservation event per line (more when a line is split over locations), the
        // order's and the payment's.
        tx.events.reserve(place.lines.len() + 6);
        let mut cart_lines = Vec::with_capacity(place.lines.len());
        for (i, line) in place.lines.iter().enumerate() {
            let product = self.catalog.product(&line.sku)?.ok_or_else(|| {
                Error::invalid(
                    format!("lines[{i}].sku"),
                    format!("unknown sku {:?}", line.sku),
                )
            })?;
            cart_lines.push(CartLine {
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
        validate_address(&place.shipping_address, "shipping_address")?;
        self.carrier.validate_address(&place.shipping_address)?;
        let shipping = match &place.shipping_option {
            Some(option) => {
                let rate = self
                    .rates(&place.shipping_address, &cart_lines)?
                    .into_iter()
                    .find(|r| r.option_id == *option)
                    .ok_or_else(|| {
                        Error::invalid(
                            "shipping_option",
                            format!("{option:?} is not offered for this address"),
                        )
                    })?;
                Some(ShippingCharge {
                    method: option.to_string(),
                    amount: rate.amount,
                    tax_class: Default::default(),
                })
            }
            None => None,
        };
        let customer = match tx.load(DocKey::new(DocKind::Customer, place.customer_id.as_str()))? {
            Some(Document::Customer(record)) => record.clone(),
            _ => CustomerRecord {
                customer_id: place.customer_id.to_string(),
                orders_placed: 0,
            },
        };
        let cart = Cart {
            currency: self.config.currency.clone(),
            lines: cart_lines,
            shipping,
            coupon_codes: place.coupon_codes.iter().map(|c| c.to_string()).collect(),
            customer: Customer {
                id: Some(place.customer_id.to_string()),
                groups: place.customer_groups.clone(),
                previous_orders: customer.orders_placed,
                tax_exempt: false,
            },
            address: Some(place.shipping_address.clone()),
            prices_include_tax: self.config.prices_include_tax,
        };
        // Usage counts of promotions with limits, read in this change set so that racing
        // checkouts cannot both take the last use.
        let mut context = PricingContext::at(tx.now);
        let limited = self.pricer.limited_promotions(&cart);
        let mut usages = Vec::with_capacity(limited.len());
        for id in &limited {
            let usage = match tx.load(DocKey::new(DocKind::PromotionUsage, id.as_str()))? {
                Some(Document::PromotionUsage(u)) => u.clone(),
                _ => PromotionUsage {
                    promotion_id: id.clone(),
                    ..PromotionUsage::default()
                },
            };
            context.usage.insert(
                id.clone(),
                Usage {
                    total: usage.total,
                    by_customer: usage
                        .by_customer
                        .get(place.customer_id.as_str())
                        .copied()
                        .unwrap_or(0),
                },
            );
            usages.push(usage);
        }
        let pricing = self.pricer.price(&cart, &context)?;
        for code in &place.coupon_codes {
            let applied = pricing.promotions.iter().any(|p| {
                p.code
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(code))
            });
            if !applied {
                let reason = pricing
                    .not_applied
                    .iter()
                    .find(|n| {
                        n.code
                            .as_deref()
                            .is_some_and(|c| c.eq_ignore_ascii_case(code))
                    })
                    .map_or("not_applied", |n| n.reason.code());
                return Err(Error::CouponRejected {
                    coupon: code.to_string(),
                    reason: reason.to_string(),
                });
            }
        }

        // Stock: where every line comes from, checked as a whole. Each sku has a row (numbered
        // in order of first appearance) in a table of its items over the locations.
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
        // (stock item, whether this order reserves from it), row-major over the locations.
        let locations = &self.config.locations;
        let mut items: Vec<(Stocked, bool)> = Vec::with_capacity(rows.len() * locations.len());
        for demand in &demands {
            // A sku's first line: its row is the next one.
            if demand.row * locations.len() == items.len() {
                for location in locations {
                    items.push((tx.stock(demand.sku, location)?, false));
                }
            }
        }
        let allocations = allocate(&demands, locations, |row, location| {
            items
                .get(row * locations.len() + location)
                .map(|(stocked, _)| &stocked.item)
        })?;

        let mut order = Order {
            id: ids.order.clone(),
            customer_id: place.customer_id.as_str().into(),
            flow: SmolStr::new(&flow.name),
            state: OrderState::Pending,
            state_label: SmolStr::new(flow.label(OrderState::Pending)),
            currency: SmolStr::new(&self.config.currency),
            lines: cart
                .lines
                .iter()
                .map(|l| OrderLine {
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: l.quantity,
                    shipped: 0,
                    delivered: 0,
                    returned: 0,
                    return_requested: 0,
                    cancelled: 0,
                })
                .collect(),
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
        let total = order.pricing.grand_total;
        let created = EventPayload::OrderCreated {
            grand_total: total,
            currency: order.currency.clone(),
            state: order.state_label.clone(),
        };
        tx.emit_order(&mut order, created);

        // The payment awaits the provider's answer: `checkout` asks once this is committed.
        if let Some(payment) = &place.payment {
            if total > Decimal::ZERO {
                let awaiting =
                    Payment::awaiting(&ids.payment, payment.method, payment.capture, total, tx.now);
                order.payments.push(awaiting);
            }
        }

        for allocation in &order.allocations {
            let (Some(demand), Some(location)) = (
                demands.get(allocation.line),
                locations.iter().position(|l| *l == *allocation.location),
            ) else {
                continue;
            };
            let Some((item, reserved)) = items.get_mut(demand.row * locations.len() + location)
            else {
                continue;
            };
            *reserved = true;
            let before = item.available();
            item.reserve(allocation.quantity);
            tx.emit_stock(item, Some(&order), |sku, location| {
                EventPayload::StockReserved {
                    sku,
                    location,
                    quantity: allocation.quantity,
                }
            });
            if let Some(threshold) = item.crossed_low_stock(before) {
                let available = item.available();
                tx.emit_stock(item, Some(&order), |sku, location| EventPayload::LowStock {
                    sku,
                    location,
                    available,
                    threshold,
                });
            }
        }
        // Each item once, with every reservation of this order (a sku may be on two lines).
        for (item, reserved) in items {
            if reserved {
                tx.put_stock(item);
            }
        }
        self.after_payment(tx, &mut order, flow);
        self.schedule(&mut order, flow);

        // Count the uses of limited promotions and the customer's orders in the same change set.
        for mut usage in usages {
            if order
                .pricing
                .promotions
                .iter()
                .any(|p| *p.promotion_id == usage.promotion_id)
            {
                usage.total += 1;
                *usage
                    .by_customer
                    .entry(order.customer_id.to_string())
                    .or_insert(0) += 1;
                tx.put(
                    DocKey::new(DocKind::PromotionUsage, usage.promotion_id.as_str()),
                    Document::PromotionUsage(usage),
                );
            }
        }
        tx.put(
            DocKey::new(DocKind::Customer, &*order.customer_id),
            Document::Customer(CustomerRecord {
                customer_id: order.customer_id.to_string(),
                orders_placed: customer.orders_placed + 1,
            }),
        );
        Ok(tx.put_order(order))
    }
}
