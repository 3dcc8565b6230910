//! [`JsonEngine`]: the engine behind JSON text.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::actor::Actor;
use crate::clock::{Clock, FixedClock, SystemClock};
use crate::command::{Command, CommandOutput, Query, QueryOutput};
use crate::engine::{CallContext, Engine};
use crate::error::{Error, Result};
use crate::pricing::{Cart, PricingContext};

use super::{JsonConfig, Plugins, parse, to_json};

/// An engine driven by JSON.
pub struct JsonEngine {
    engine: Engine,
    fixed_clock: Option<Arc<FixedClock>>,
}

impl std::fmt::Debug for JsonEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonEngine")
            .field("engine", &self.engine)
            .finish()
    }
}

impl JsonEngine {
    /// Builds an engine from a [`JsonConfig`] document (an empty object gives all defaults).
    pub fn new(config_json: &str) -> Result<Self> {
        let config: JsonConfig = parse(config_json, "config")?;
        Self::from_config(config, Plugins::default())
    }

    /// Builds an engine from a parsed configuration and the host's components. Configuration
    /// that only configures a default (`tax_rules`, `carrier`, `payment_script`) must not be
    /// given with the plug-in that replaces it: that is `invalid_input`, not silently ignored.
    pub fn from_config(config: JsonConfig, plugins: Plugins) -> Result<Self> {
        let (engine, fixed_clock) = config.build(plugins)?;
        Ok(JsonEngine {
            engine,
            fixed_clock,
        })
    }

    /// The engine behind the façade.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Runs a command (`{"command": "place_order", …}`) as an actor (`{"type": "customer",
    /// "id": "c1"}`); answers the command's output (`{"type": "order", "value": {…}}`).
    pub fn execute(
        &self,
        actor_json: &str,
        command_json: &str,
        idempotency_key: Option<&str>,
    ) -> Result<String> {
        to_json(&self.execute_output(actor_json, command_json, idempotency_key)?)
    }

    /// Runs a command, answering its typed output (for bindings that keep answers native).
    pub fn execute_output(
        &self,
        actor_json: &str,
        command_json: &str,
        idempotency_key: Option<&str>,
    ) -> Result<CommandOutput> {
        let context = CallContext::default();
        self.execute_output_in(&context, actor_json, command_json, idempotency_key)
    }

    /// [`execute_output`](Self::execute_output) on behalf of a host's request
    /// ([`Engine::execute_in`]).
    pub fn execute_output_in(
        &self,
        context: &CallContext<'_>,
        actor_json: &str,
        command_json: &str,
        idempotency_key: Option<&str>,
    ) -> Result<CommandOutput> {
        let actor: Actor = parse(actor_json, "actor")?;
        let command: Command = parse(command_json, "command")?;
        self.engine
            .execute_in(context, &actor, &command, idempotency_key)
    }

    /// Runs a command, answering its output's value alone (the order, the stock item) as JSON
    /// text: what a binding hands on without the `{"type", "value"}` envelope.
    pub fn execute_value(
        &self,
        actor_json: &str,
        command_json: &str,
        idempotency_key: Option<&str>,
    ) -> Result<String> {
        command_value_json(&self.execute_output(actor_json, command_json, idempotency_key)?)
    }

    /// Answers a query (`{"query": "get_order", "order_id": "…"}`).
    pub fn query(&self, actor_json: &str, query_json: &str) -> Result<String> {
        to_json(&self.query_output(actor_json, query_json)?)
    }

    /// Answers a query's typed output.
    pub fn query_output(&self, actor_json: &str, query_json: &str) -> Result<QueryOutput> {
        self.query_output_in(&CallContext::default(), actor_json, query_json)
    }

    /// [`query_output`](Self::query_output) on behalf of a host's request
    /// ([`Engine::query_in`]).
    pub fn query_output_in(
        &self,
        context: &CallContext<'_>,
        actor_json: &str,
        query_json: &str,
    ) -> Result<QueryOutput> {
        let actor: Actor = parse(actor_json, "actor")?;
        let query: Query = parse(query_json, "query")?;
        self.engine.query_in(context, &actor, &query)
    }

    /// Answers a query's value alone (the order, the page, the list) as JSON text.
    pub fn query_value(&self, actor_json: &str, query_json: &str) -> Result<String> {
        query_value_json(&self.query_output(actor_json, query_json)?)
    }

    /// Runs the scheduler (`{"expired": […], "advanced": […], "failed": […]}`).
    pub fn tick(&self, actor_json: &str) -> Result<String> {
        let actor: Actor = parse(actor_json, "actor")?;
        to_json(&self.engine.tick(&actor)?)
    }

    /// Prices a cart with the engine's promotions and tax (`context` may be `{}`: now, no usage).
    pub fn price(&self, cart_json: &str, context_json: &str) -> Result<String> {
        let cart: Cart = parse(cart_json, "cart")?;
        let context = match context_json.trim() {
            "" | "{}" => PricingContext::at(self.engine_now()),
            text => parse(text, "context")?,
        };
        to_json(&self.engine.price(&cart, &context)?)
    }

    /// Undelivered outbox events, oldest first (`[{"position": 1, "event": {…}}, …]`).
    pub fn pending_events(&self, limit: usize) -> Result<String> {
        to_json(&self.engine.store().pending_events(limit)?)
    }

    /// Marks outbox events delivered (`[1, 2, 3]`).
    pub fn mark_delivered(&self, positions_json: &str) -> Result<()> {
        let positions: Vec<u64> = parse(positions_json, "positions")?;
        self.engine.store().mark_delivered(&positions)
    }

    /// Moves a fixed clock (an RFC 3339 instant); `invalid_input` if the clock is the system's.
    pub fn set_clock(&self, at: &str) -> Result<()> {
        let clock = self
            .fixed_clock
            .as_ref()
            .ok_or_else(|| Error::invalid("clock", "the engine runs on the system clock"))?;
        let at: DateTime<Utc> = at
            .parse()
            .map_err(|_| Error::invalid("clock", format!("{at:?} is not an RFC 3339 instant")))?;
        clock.set(at);
        Ok(())
    }

    /// Checks a webhook signed as `hex(HMAC-SHA256(secret, "{timestamp}.{payload}"))` (the
    /// Stripe scheme) with `timestamp` (Unix seconds) within five minutes of the engine's clock;
    /// `invalid_signature` otherwise. Hosts call it before turning a carrier's or payment
    /// provider's callback into a command.
    pub fn verify_webhook(
        &self,
        secret: &str,
        payload: &str,
        timestamp: i64,
        signature: &str,
    ) -> Result<()> {
        crate::shipping::verify_webhook_signature(
            secret.as_bytes(),
            payload.as_bytes(),
            timestamp,
            signature,
            self.engine_now(),
            chrono::Duration::minutes(5),
        )
    }

    fn engine_now(&self) -> DateTime<Utc> {
        match &self.fixed_clock {
            Some(clock) => clock.now(),
            None => SystemClock.now(),
        }
    }
}

/// A command's or query's whole output (`{"type", "value"}`) as JSON text.
pub fn output_json<T: serde::Serialize>(output: &T) -> Result<String> {
    to_json(output)
}

/// A command output's value alone (the order, the stock item) as JSON text.
pub fn command_value_json(output: &CommandOutput) -> Result<String> {
    match output {
        CommandOutput::Order(order) => to_json(&**order),
        CommandOutput::Stock(item) => to_json(item),
        CommandOutput::Plan(plan) => to_json(&**plan),
        CommandOutput::Subscription(subscription) => to_json(&**subscription),
        CommandOutput::Invoice(invoice) => to_json(&**invoice),
    }
}

/// A query output's value alone (the order, the page, the list) as JSON text.
pub fn query_value_json(output: &QueryOutput) -> Result<String> {
    match output {
        QueryOutput::Order(order) => to_json(&**order),
        QueryOutput::Orders(page) => to_json(page),
        QueryOutput::Stock(items) => to_json(items),
        QueryOutput::Actions(actions) => to_json(actions),
        QueryOutput::Rates(rates) => to_json(rates),
        QueryOutput::Returns(returns) => to_json(returns),
        QueryOutput::Plan(plan) => to_json(&**plan),
        QueryOutput::Subscription(subscription) => to_json(&**subscription),
        QueryOutput::Invoice(invoice) => to_json(&**invoice),
        QueryOutput::Subscriptions(page) => to_json(page),
        QueryOutput::Invoices(page) => to_json(page),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::AMOUNT_FIELDS;

    const CONFIG: &str = r#"{
        "clock": "2026-06-01T12:00:00Z",
        "products": [{"sku": "A", "name": "Alpha", "unit_price": "10.00"}],
        "tax_rules": [{"id": "us", "name": "US", "country": "US", "percentage": "10"}]
    }"#;

    #[test]
    fn a_whole_lifecycle_through_json() {
        let engine = JsonEngine::new(CONFIG).unwrap();
        let admin = r#"{"type": "staff", "id": "s", "role": "admin"}"#;
        let stock = engine
            .execute(
                admin,
                r#"{"command": "set_stock", "sku": "A", "on_hand": 5}"#,
                None,
            )
            .unwrap();
        assert!(stock.contains(r#""on_hand":5"#), "{stock}");
        let place = r#"{"command": "place_order", "customer_id": "c1", "lines": [{"sku": "A", "quantity": 2}],
            "shipping_address": {"name": "Ada", "line1": "1 Main", "city": "SF", "postal_code": "94103", "country": "US"},
            "payment": {"method": "card"}}"#;
        let placed: serde_json::Value = serde_json::from_str(
            &engine
                .execute(r#"{"type": "customer", "id": "c1"}"#, place, Some("k"))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(placed["type"], "order");
        assert_eq!(placed["value"]["pricing"]["grand_total"], "22.00");
        let id = placed["value"]["id"].as_str().unwrap();
        let shipped = engine
            .execute(
                admin,
                &format!(r#"{{"command": "ship_order", "order_id": "{id}"}}"#),
                None,
            )
            .unwrap();
        assert!(shipped.contains(r#""state":"shipped""#));
        let got = engine
            .query(
                r#"{"type": "customer", "id": "c1"}"#,
                &format!(r#"{{"query": "get_order", "order_id": "{id}"}}"#),
            )
            .unwrap();
        assert!(got.contains(id));
        let events: serde_json::Value =
            serde_json::from_str(&engine.pending_events(100).unwrap()).unwrap();
        assert!(events.as_array().unwrap().len() >= 5);
        engine.mark_delivered("[1, 2]").unwrap();
        engine.set_clock("2026-06-02T00:00:00Z").unwrap();
        assert_eq!(
            engine.tick(r#"{"type": "system"}"#).unwrap(),
            r#"{"expired":[],"advanced":[],"failed":[],"billing":[]}"#
        );
    }

    /// Every decimal in a full lifecycle's documents sits under a key of `AMOUNT_FIELDS`, and
    /// no such key holds anything but a decimal string.
    #[test]
    fn amount_fields_cover_every_decimal_in_the_documents() {
        fn walk(value: &serde_json::Value, key: &str, found: &mut Vec<(String, String)>) {
            match value {
                serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, k, found)),
                serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, key, found)),
                serde_json::Value::String(text) => found.push((key.to_string(), text.clone())),
                _ => {}
            }
        }
        let engine = JsonEngine::new(CONFIG).unwrap();
        let admin = r#"{"type": "staff", "id": "s", "role": "admin"}"#;
        engine
            .execute(
                admin,
                r#"{"command": "set_stock", "sku": "A", "on_hand": 5}"#,
                None,
            )
            .unwrap();
        let place = r#"{"command": "place_order", "customer_id": "c1", "lines": [{"sku": "A", "quantity": 2}],
            "shipping_address": {"name": "Ada", "line1": "1 Main", "city": "SF", "postal_code": "94103", "country": "US"},
            "shipping_option": "standard", "coupon_codes": [], "payment": {"method": "card"}}"#;
        let placed: serde_json::Value = serde_json::from_str(
            &engine
                .execute(r#"{"type": "customer", "id": "c1"}"#, place, None)
                .unwrap(),
        )
        .unwrap();
        let id = placed["value"]["id"].as_str().unwrap().to_string();
        for command in ["ship_order", "deliver_order"] {
            engine
                .execute(
                    admin,
                    &format!(r#"{{"command": "{command}", "order_id": "{id}"}}"#),
                    None,
                )
                .unwrap();
        }
        let ret = format!(
            r#"{{"command": "request_return", "order_id": "{id}", "lines": [{{"line": 0, "quantity": 1, "reason": "other"}}]}}"#
        );
        let order = engine
            .execute(r#"{"type": "customer", "id": "c1"}"#, &ret, None)
            .unwrap();
        let mut found = Vec::new();
        walk(&serde_json::from_str(&order).unwrap(), "", &mut found);
        walk(
            &serde_json::from_str(&engine.pending_events(1000).unwrap()).unwrap(),
            "",
            &mut found,
        );
        let is_decimal = |t: &str| {
            t.parse::<rust_decimal::Decimal>().is_ok()
                && !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        };
        for (key, text) in &found {
            if AMOUNT_FIELDS.contains(&key.as_str()) {
                assert!(is_decimal(text), "{key} = {text:?} is not a decimal");
            } else {
                let text_keys = ["id", "postal_code", "line1", "name", "sequence"];
                assert!(
                    !is_decimal(text) || text_keys.contains(&key.as_str()) || key.ends_with("_id"),
                    "{key} = {text:?} looks like an amount but is not listed"
                );
            }
        }
        assert!(found.iter().any(|(k, _)| k == "refund_amount"));
    }

    #[test]
    fn an_engine_prices_only_its_own_currency_and_scripts_its_fake_gateway() {
        let engine = JsonEngine::new(CONFIG).unwrap();
        let cart =
            r#"{"currency": "EUR", "lines": [{"sku": "A", "unit_price": "1.00", "quantity": 1}]}"#;
        let error = engine.price(cart, "{}").unwrap_err();
        assert_eq!(error.code(), "currency_mismatch");
        assert!(engine.price(&cart.replace("EUR", "USD"), "{}").is_ok());

        let scripted = CONFIG.replace(
            r#""clock""#,
            r#""payment_script": [{"type": "decline", "reason": "card_declined"}], "clock""#,
        );
        let engine = JsonEngine::new(&scripted).unwrap();
        let admin = r#"{"type": "staff", "id": "s", "role": "admin"}"#;
        engine
            .execute(
                admin,
                r#"{"command": "set_stock", "sku": "A", "on_hand": 5}"#,
                None,
            )
            .unwrap();
        let place = r#"{"command": "place_order", "customer_id": "c1", "lines": [{"sku": "A", "quantity": 1}],
            "shipping_address": {"name": "Ada", "line1": "1 Main", "city": "SF", "postal_code": "94103", "country": "US"},
            "payment": {"method": "card"}}"#;
        let customer = r#"{"type": "customer", "id": "c1"}"#;
        let declined = engine.execute(customer, place, None).unwrap_err();
        assert_eq!(declined.code(), "payment_declined");
        assert!(
            engine.execute(customer, place, None).is_ok(),
            "approves after the script"
        );
    }

    #[test]
    fn webhooks_are_verified_against_the_engine_clock() {
        let engine = JsonEngine::new(CONFIG).unwrap();
        let now = 1_780_315_200; // 2026-06-01T12:00:00Z
        let signature = crate::shipping::sign_webhook(b"s3cret", b"{}", now);
        assert!(
            engine
                .verify_webhook("s3cret", "{}", now, &signature)
                .is_ok()
        );
        for (secret, payload, at) in [
            ("other", "{}", now),
            ("s3cret", "{ }", now),
            ("s3cret", "{}", now - 600),
        ] {
            let error = engine
                .verify_webhook(secret, payload, at, &signature)
                .unwrap_err();
            assert_eq!(error.code(), "invalid_signature");
        }
    }
}
