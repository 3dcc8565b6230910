//! Queries: an order, a customer's orders, stock levels, available actions, shipping rates.

use super::*;

impl Engine {
    pub(super) fn find_order(
        &self,
        _tx: &mut UnitOfWork<'_>,
        predicate: impl Fn(&Order) -> bool,
    ) -> Option<SmolStr> {
        let mut query = crate::store::OrderQuery {
            limit: Some(500),
            ..Default::default()
        }
        .find()
        .ok()?;
        loop {
            let page = self.store.find(&query).ok()?;
            let orders = page.documents.iter().filter_map(|document| match document {
                Document::Order(order) => Some(order),
                _ => None,
            });
            if let Some(order) = orders.into_iter().find(|o| predicate(o)) {
                return Some(order.id.clone());
            }
            query.after = Some(page.after()?);
        }
    }

    /// Answers a query as `actor`. Customers see only their own orders.
    pub fn query(&self, actor: &Actor, query: &Query) -> Result<QueryOutput> {
        self.query_in(&CallContext::default(), actor, query)
    }

    /// [`query`](Self::query) on behalf of a host's request: its correlation id goes into the
    /// call's record.
    pub fn query_in(
        &self,
        context: &CallContext<'_>,
        actor: &Actor,
        query: &Query,
    ) -> Result<QueryOutput> {
        let call = Call::start(self, context);
        let answer = self.answer(actor, query);
        self.record_query(actor, query, &call, &answer);
        answer
    }

    fn answer(&self, actor: &Actor, query: &Query) -> Result<QueryOutput> {
        let limits = &self.pricer.config().limits;
        crate::limits::check_actor(actor, limits)?;
        crate::limits::check_query(query, limits)?;
        match query {
            Query::GetOrder { order_id } => {
                Ok(QueryOutput::Order(self.get_order(actor, order_id)?))
            }
            Query::ListOrders(filter) => {
                let mut filter = filter.clone();
                if let Actor::Customer { id } = actor {
                    filter.customer_id = Some(id.clone());
                }
                Ok(QueryOutput::Orders(self.store.find_orders(&filter)?))
            }
            Query::StockLevels { sku } => Ok(QueryOutput::Stock(self.stock_levels(sku)?)),
            Query::ListReturns { order_id } => Ok(QueryOutput::Returns(
                Arc::unwrap_or_clone(self.get_order(actor, order_id)?).returns,
            )),
            Query::AvailableActions { order_id } => {
                let order = self.get_order(actor, order_id)?;
                Ok(QueryOutput::Actions(self.available_actions(&order, actor)?))
            }
            Query::ShippingRates { address, lines } => {
                let mut cart_lines = Vec::new();
                for (i, line) in lines.iter().enumerate() {
                    let product = self
                        .catalog
                        .product(&line.sku)?
                        .ok_or_else(|| Error::invalid(format!("lines[{i}].sku"), "unknown sku"))?;
                    cart_lines.push(CartLine {
                        sku: product.sku.clone(),
                        unit_price: product.unit_price,
                        quantity: line.quantity,
                        weight: product.weight,
                        ..CartLine::default()
                    });
                }
                Ok(QueryOutput::Rates(self.rates(address, &cart_lines)?))
            }
            Query::GetPlan { plan_id } => Ok(QueryOutput::Plan(self.get_plan(plan_id)?)),
            Query::GetSubscription { subscription_id } => Ok(QueryOutput::Subscription(
                self.get_subscription(actor, subscription_id)?,
            )),
            Query::GetInvoice { invoice_id } => {
                Ok(QueryOutput::Invoice(self.get_invoice(actor, invoice_id)?))
            }
            Query::ListSubscriptions(filter) => Ok(QueryOutput::Subscriptions(
                self.list_subscriptions(actor, filter)?,
            )),
            Query::ListInvoices(filter) => {
                Ok(QueryOutput::Invoices(self.list_invoices(actor, filter)?))
            }
            Query::UpcomingInvoice { subscription_id } => Ok(QueryOutput::Invoice(
                self.upcoming_invoice(actor, subscription_id)?,
            )),
        }
    }

    /// One order, if `actor` may see it (another customer's order is `not_found`).
    pub fn get_order(&self, actor: &Actor, order_id: &str) -> Result<Arc<Order>> {
        match self.store.load(&DocKey::new(DocKind::Order, order_id))? {
            Some(Versioned {
                value: Document::Order(order),
                ..
            }) if actor.can_see(&order.customer_id) => Ok(order),
            _ => Err(Error::not_found("order", order_id)),
        }
    }

    /// What `actor` can do next to `order`.
    pub fn available_actions(&self, order: &Order, actor: &Actor) -> Result<Vec<OrderAction>> {
        let flow = self.flow(&order.flow)?;
        let capturable: Decimal = order.payments.iter().map(Payment::capturable).sum();
        let refundable: Decimal = order.payments.iter().map(Payment::refundable).sum();
        Ok(flow
            .allowed(order.state)
            .into_iter()
            .filter(|action| match action {
                // Paying asks for what no payment covers yet; capturing what is authorized is
                // `capture_payment`, offered while something is capturable.
                OrderAction::Pay => {
                    order.outstanding() > Decimal::ZERO
                        || (capturable > Decimal::ZERO && Self::may_capture(actor))
                }
                OrderAction::Cancel | OrderAction::RequestReturn => {
                    matches!(actor, Actor::Customer { .. })
                        || actor.require_staff(StaffDuty::Support, "").is_ok()
                }
                OrderAction::Refund => {
                    refundable > Decimal::ZERO
                        && actor.require_staff(StaffDuty::Support, "").is_ok()
                }
                OrderAction::Process | OrderAction::Ship | OrderAction::Deliver => {
                    order.is_paid() && actor.require_staff(StaffDuty::Warehouse, "").is_ok()
                }
                OrderAction::CancelUnshipped => actor.require_staff(StaffDuty::Support, "").is_ok(),
            })
            .collect())
    }

    /// A sku's stock at every location: settings documents and counters (read in one call).
    fn stock_levels(&self, sku: &str) -> Result<Vec<StockItem>> {
        let keys: Vec<SmolStr> = (self.config.locations.iter())
            .map(|location| StockItem::key(sku, location))
            .collect();
        let counters: Vec<CounterKey> = (keys.iter())
            .flat_map(|id| {
                [
                    CounterKey::available(id.clone()),
                    CounterKey::reserved(id.clone()),
                ]
            })
            .collect();
        let counts = self.store.counters(&counters)?;
        let mut items = Vec::with_capacity(keys.len());
        for ((key, location), counts) in keys
            .iter()
            .zip(&self.config.locations)
            .zip(counts.chunks(2))
        {
            let settings = match self.store.load(&DocKey::new(DocKind::Stock, key.clone()))? {
                Some(crate::store::Versioned {
                    value: Document::Stock(settings),
                    ..
                }) => settings,
                _ => StockSettings::new(sku, location),
            };
            let (available, reserved) = match counts {
                [available, reserved] => (*available, *reserved),
                _ => (0, 0),
            };
            items.push(StockItem::from_parts(settings, available, reserved));
        }
        Ok(items)
    }
}
