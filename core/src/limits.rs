//! Bounded input: every string, list and count an actor, a command or a query carries is checked
//! against the one limits table ([`Limits`], configured as `pricing.limits`) before the engine
//! looks at it, so no client can have a megabyte stored as an address name or make the engine
//! walk a hundred thousand entries. An error is `limit_exceeded` naming the field.
//!
//! | what | limit |
//! |---|---|
//! | ids, skus, names, codes, address fields, provider references, event ids | `max_string_len` bytes (200) |
//! | free text: cancel, refund and webhook reasons | `max_text_len` bytes (1,000) |
//! | lines of an order, a shipment, a return, a receipt, a rates query | `max_lines` (1,000) |
//! | coupon codes | `max_coupon_codes` (20) |
//! | customer groups, tags | `max_tags` (50) |
//! | units per line | `max_quantity` (1,000,000) |
//! | JSON nesting | 128 levels (the JSON reader's own limit) |
//!
//! The configuration's catalog is checked the same way when a `JsonEngine` is built
//! (`products[i].sku`, `.name`, `.category`, `.tags`).

use crate::actor::Actor;
use crate::address::Address;
use crate::command::{Command, LineInput, PlaceOrder, Query};
use crate::error::{Error, Result};
use crate::pricing::Limits;

/// Checks one document's strings and lists against `limits`.
struct Bounds<'a> {
    limits: &'a Limits,
}

impl Bounds<'_> {
    /// A placement's customer, groups, lines, address, option, coupons and flow.
    fn place_order(&self, place: &PlaceOrder) -> Result<()> {
        let limits = self.limits;
        self.text(&place.customer_id, || "customer_id".into())?;
        self.at_most(place.customer_groups.len(), limits.max_tags, || {
            "customer_groups".into()
        })?;
        for (i, group) in place.customer_groups.iter().enumerate() {
            self.text(group, || format!("customer_groups[{i}]"))?;
        }
        self.line_inputs(&place.lines)?;
        self.address(&place.shipping_address, "shipping_address")?;
        self.text(place.shipping_option.as_deref().unwrap_or_default(), || {
            "shipping_option".into()
        })?;
        self.at_most(place.coupon_codes.len(), limits.max_coupon_codes, || {
            "coupon_codes".into()
        })?;
        for (i, code) in place.coupon_codes.iter().enumerate() {
            self.text(code, || format!("coupon_codes[{i}]"))?;
        }
        self.text(place.flow.as_deref().unwrap_or_default(), || "flow".into())
    }

    fn text(&self, value: &str, field: impl FnOnce() -> String) -> Result<()> {
        self.at_most(value.len(), self.limits.max_string_len, field)
    }

    /// A list query's customer and cursor (a time and an id).
    fn list(&self, customer_id: Option<&str>, after: Option<&str>) -> Result<()> {
        self.text(customer_id.unwrap_or_default(), || "customer_id".into())?;
        let cursor = after.unwrap_or_default();
        let limit = self.limits.max_string_len * 2;
        self.at_most(cursor.len(), limit, || "after".into())
    }

    fn free_text(&self, value: Option<&str>, field: &str) -> Result<()> {
        let len = value.map_or(0, str::len);
        self.at_most(len, self.limits.max_text_len, || field.to_string())
    }

    fn at_most(&self, count: usize, limit: usize, field: impl FnOnce() -> String) -> Result<()> {
        if count <= limit {
            return Ok(());
        }
        Err(Error::LimitExceeded {
            field: field(),
            limit: limit as u64,
        })
    }

    fn lines(&self, count: usize, field: &str) -> Result<()> {
        self.at_most(count, self.limits.max_lines, || field.to_string())
    }

    fn address(&self, address: &Address, field: &str) -> Result<()> {
        let parts = [
            ("name", address.name.as_deref()),
            ("line1", address.line1.as_deref()),
            ("line2", address.line2.as_deref()),
            ("city", address.city.as_deref()),
            ("region", address.region.as_deref()),
            ("postal_code", address.postal_code.as_deref()),
            ("country", Some(address.country.as_str())),
        ];
        for (part, value) in parts {
            self.text(value.unwrap_or_default(), || format!("{field}.{part}"))?;
        }
        Ok(())
    }

    fn line_inputs(&self, lines: &[LineInput]) -> Result<()> {
        self.lines(lines.len(), "lines")?;
        for (i, line) in lines.iter().enumerate() {
            self.text(&line.sku, || format!("lines[{i}].sku"))?;
        }
        Ok(())
    }
}

/// The actor's id.
pub fn check_actor(actor: &Actor, limits: &Limits) -> Result<()> {
    let bounds = Bounds { limits };
    match actor {
        Actor::Customer { id } | Actor::Staff { id, .. } => bounds.text(id, || "actor.id".into()),
        Actor::System => Ok(()),
    }
}

/// Every string and list of `command`.
pub fn check_command(command: &Command, limits: &Limits) -> Result<()> {
    let bounds = Bounds { limits };
    match command {
        Command::PlaceOrder(place) => bounds.place_order(place),
        Command::PayOrder { order_id, .. }
        | Command::CapturePayment { order_id, .. }
        | Command::ProcessOrder { order_id }
        | Command::DeliverOrder { order_id } => bounds.text(order_id, || "order_id".into()),
        Command::RefundPayment {
            order_id, reason, ..
        }
        | Command::CancelOrder { order_id, reason }
        | Command::CancelUnshipped { order_id, reason } => {
            bounds.text(order_id, || "order_id".into())?;
            bounds.free_text(reason.as_deref(), "reason")
        }
        Command::ShipOrder { order_id, lines } => {
            bounds.text(order_id, || "order_id".into())?;
            bounds.lines(lines.as_ref().map_or(0, Vec::len), "lines")
        }
        Command::PaymentWebhook { .. } | Command::TrackingUpdate { .. } => {
            check_provider_report(command, &bounds)
        }
        Command::RequestReturn { order_id, lines } => {
            bounds.text(order_id, || "order_id".into())?;
            bounds.lines(lines.len(), "lines")
        }
        Command::UpdateReturn {
            order_id,
            return_id,
            received,
            ..
        } => {
            bounds.text(order_id, || "order_id".into())?;
            bounds.text(return_id, || "return_id".into())?;
            bounds.lines(received.len(), "received")
        }
        Command::SetStock { sku, location, .. } | Command::AdjustStock { sku, location, .. } => {
            bounds.text(sku, || "sku".into())?;
            bounds.text(location.as_deref().unwrap_or_default(), || {
                "location".into()
            })
        }
        Command::CreatePlan { .. }
        | Command::RepricePlan { .. }
        | Command::ArchivePlan { .. }
        | Command::Subscribe { .. }
        | Command::CancelSubscription { .. }
        | Command::KeepSubscription { .. }
        | Command::PayInvoice { .. }
        | Command::VoidInvoice { .. }
        | Command::MarkInvoiceUncollectible { .. }
        | Command::ChangeSubscription { .. }
        | Command::RenewSubscription { .. }
        | Command::PauseSubscription { .. }
        | Command::ResumeSubscription { .. } => check_billing_command(command, &bounds),
    }
}

/// The strings of a provider's reports (payment webhooks, tracking updates).
fn check_provider_report(command: &Command, bounds: &Bounds<'_>) -> Result<()> {
    match command {
        Command::PaymentWebhook {
            provider,
            event_id,
            reference,
            reason,
            order_id,
            ..
        } => {
            bounds.text(provider, || "provider".into())?;
            bounds.text(event_id, || "event_id".into())?;
            bounds.text(reference, || "reference".into())?;
            bounds.free_text(reason.as_deref(), "reason")?;
            bounds.text(order_id.as_deref().unwrap_or_default(), || {
                "order_id".into()
            })
        }
        Command::TrackingUpdate {
            event_id,
            tracking_number,
            order_id,
            ..
        } => {
            bounds.text(event_id, || "event_id".into())?;
            bounds.text(tracking_number, || "tracking_number".into())?;
            bounds.text(order_id.as_deref().unwrap_or_default(), || {
                "order_id".into()
            })
        }
        _ => Ok(()),
    }
}

/// The strings of the billing commands.
fn check_billing_command(command: &Command, bounds: &Bounds<'_>) -> Result<()> {
    match command {
        Command::CreatePlan { plan } => {
            bounds.text(&plan.id, || "plan.id".into())?;
            bounds.text(&plan.name, || "plan.name".into())?;
            bounds.text(&plan.currency, || "plan.currency".into())
        }
        Command::RepricePlan { plan_id, .. } | Command::ArchivePlan { plan_id } => {
            bounds.text(plan_id, || "plan_id".into())
        }
        Command::Subscribe {
            customer_id,
            plan_id,
            address,
            ..
        } => {
            bounds.text(customer_id, || "customer_id".into())?;
            bounds.text(plan_id, || "plan_id".into())?;
            match address {
                Some(address) => bounds.address(address, "address"),
                None => Ok(()),
            }
        }
        Command::CancelSubscription {
            subscription_id, ..
        }
        | Command::KeepSubscription { subscription_id }
        | Command::RenewSubscription { subscription_id }
        | Command::PauseSubscription { subscription_id }
        | Command::ResumeSubscription { subscription_id } => {
            bounds.text(subscription_id, || "subscription_id".into())
        }
        Command::PayInvoice { invoice_id, .. }
        | Command::VoidInvoice { invoice_id }
        | Command::MarkInvoiceUncollectible { invoice_id } => {
            bounds.text(invoice_id, || "invoice_id".into())
        }
        Command::ChangeSubscription {
            subscription_id,
            plan_id,
            ..
        } => {
            bounds.text(subscription_id, || "subscription_id".into())?;
            bounds.text(plan_id.as_deref().unwrap_or_default(), || "plan_id".into())
        }
        _ => Ok(()),
    }
}

/// A catalog product's strings and tags (configuration: `products[i]…`).
pub fn check_product(product: &crate::catalog::Product, i: usize, limits: &Limits) -> Result<()> {
    let bounds = Bounds { limits };
    let field = |part: &str| format!("products[{i}].{part}");
    if product.sku.trim().is_empty() {
        return Err(Error::invalid(field("sku"), "must not be empty"));
    }
    bounds.text(&product.sku, || field("sku"))?;
    bounds.text(&product.name, || field("name"))?;
    bounds.text(product.category.as_deref().unwrap_or_default(), || {
        field("category")
    })?;
    bounds.at_most(product.tags.len(), limits.max_tags, || field("tags"))?;
    for (t, tag) in product.tags.iter().enumerate() {
        bounds.text(tag, || field(&format!("tags[{t}]")))?;
    }
    Ok(())
}

/// Every string and list of `query`.
pub fn check_query(query: &Query, limits: &Limits) -> Result<()> {
    let bounds = Bounds { limits };
    match query {
        Query::GetOrder { order_id }
        | Query::ListReturns { order_id }
        | Query::AvailableActions { order_id } => bounds.text(order_id, || "order_id".into()),
        Query::ListOrders(filter) => {
            bounds.list(filter.customer_id.as_deref(), filter.after.as_deref())
        }
        Query::StockLevels { sku } => bounds.text(sku, || "sku".into()),
        Query::GetPlan { plan_id } => bounds.text(plan_id, || "plan_id".into()),
        Query::GetSubscription { subscription_id } => {
            bounds.text(subscription_id, || "subscription_id".into())
        }
        Query::GetInvoice { invoice_id } => bounds.text(invoice_id, || "invoice_id".into()),
        Query::UpcomingInvoice { subscription_id } => {
            bounds.text(subscription_id, || "subscription_id".into())
        }
        Query::ListSubscriptions(filter) => {
            bounds.list(filter.customer_id.as_deref(), filter.after.as_deref())
        }
        Query::ListInvoices(filter) => {
            bounds.text(&filter.subscription_id, || "subscription_id".into())?;
            bounds.text(filter.after.as_deref().unwrap_or_default(), || {
                "after".into()
            })
        }
        Query::ShippingRates { address, lines } => {
            bounds.address(address, "address")?;
            bounds.line_inputs(lines)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn a_string_past_the_limit_is_refused_naming_its_field() {
        let long = "x".repeat(201);
        let command: Command = serde_json::from_value(serde_json::json!({
            "command": "place_order", "customer_id": "c1",
            "lines": [{"sku": "A", "quantity": 1}],
            "shipping_address": {"name": long, "country": "US"}
        }))
        .unwrap();
        assert_eq!(
            check_command(&command, &limits()),
            Err(Error::LimitExceeded {
                field: "shipping_address.name".into(),
                limit: 200
            })
        );
        let cancel = Command::CancelOrder {
            order_id: "o".into(),
            reason: Some("y".repeat(1_001)),
        };
        assert!(matches!(
            check_command(&cancel, &limits()),
            Err(Error::LimitExceeded { field, .. }) if field == "reason"
        ));
        let actor = Actor::customer("z".repeat(201));
        assert!(check_actor(&actor, &limits()).is_err());
        let stock = Command::SetStock {
            sku: "s".repeat(201),
            location: None,
            on_hand: 1,
            backorder: false,
            low_stock_threshold: None,
        };
        assert!(matches!(
            check_command(&stock, &limits()),
            Err(Error::LimitExceeded { field, .. }) if field == "sku"
        ));
    }

    #[test]
    fn lists_past_the_limit_are_refused() {
        let ship = Command::ShipOrder {
            order_id: "o".into(),
            lines: Some(vec![
                crate::command::ShipLine {
                    line: 0,
                    quantity: 1
                };
                1_001
            ]),
        };
        assert!(matches!(
            check_command(&ship, &limits()),
            Err(Error::LimitExceeded { field, limit: 1_000 }) if field == "lines"
        ));
    }
}
