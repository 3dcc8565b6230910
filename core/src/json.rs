//! The JSON façade: the whole engine behind JSON strings, for bindings that speak JSON (the C
//! ABI, and any host without a native binding).
//!
//! Every call takes JSON text and answers JSON text; an error is the serialized [`Error`]
//! (`{"code": "insufficient_stock", "sku": …, "message": "…"}`), the same shape in every
//! language. Amounts are decimal strings; a JSON float where an amount belongs is refused.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::actor::Actor;
use crate::catalog::{MemoryCatalog, Product};
use crate::clock::{Clock, FixedClock, SystemClock};
use crate::command::{Command, Query};
use crate::engine::{Engine, EngineConfig};
use crate::error::{Error, Result};
use crate::ids::{IdGen, SequentialIds, UuidIds};
use crate::payment::{FakePaymentGateway, PaymentGateway, Scripted};
use crate::pricing::{Cart, PriceBreakdown, Pricer, PricingConfig, PricingContext};
use crate::promotion::Promotion;
use crate::shipping::{Carrier, TableRateCarrier};
use crate::store::Store;
use crate::tax::{TaxProvider, TaxRule, TaxTable};

/// The keys under which the JSON documents of ordercore carry decimal amounts (as strings):
/// bindings whose language has a decimal type (Python's `decimal.Decimal`) convert exactly these.
/// A test checks the list against real orders, breakdowns and events.
pub const AMOUNT_FIELDS: &[&str] = &[
    "amount",
    "authorized",
    "base",
    "captured",
    "discount",
    "discount_total",
    "exact",
    "free_over",
    "grand_total",
    "items_amount",
    "min_subtotal",
    "net",
    "percentage",
    "refund_amount",
    "refunded",
    "released",
    "restocking_fee",
    "shipping_amount",
    "shipping_total",
    "subtotal",
    "tax",
    "tax_total",
    "total",
    "unit_price",
    "up_to_kg",
    "weight",
];

/// How a [`JsonEngine`] is built: `{"engine": {...}, "products": [...], "promotions": [...],
/// "tax_rules": [...], "carrier": {...}, "clock": "2026-06-01T12:00:00Z", "id_seed": 7}`; every
/// key is optional. `clock` fixes the time (tests, simulations); without it the system clock is
/// used. `id_seed` makes UUID-shaped ids; without it ids are sequential.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JsonConfig {
    /// Engine configuration.
    pub engine: EngineConfig,
    /// The catalog.
    pub products: Vec<Product>,
    /// Promotions.
    pub promotions: Vec<Promotion>,
    /// Tax rules of the built-in tax table.
    pub tax_rules: Vec<TaxRule>,
    /// Table rates; the standard table if absent.
    pub carrier: Option<TableRateCarrier>,
    /// A fixed clock at this instant.
    pub clock: Option<DateTime<Utc>>,
    /// Seed for UUID-shaped ids.
    pub id_seed: Option<u64>,
    /// Outcomes the built-in fake payment gateway gives its next calls, in order
    /// (`[{"type": "decline", "reason": "card_declined"}, {"type": "transient_error"}]`); it
    /// approves once they are used up. For tests and demos in any language.
    pub payment_script: Vec<Scripted>,
}

/// Components the host supplies instead of the built-in defaults (see [`crate::host`] for
/// plug-ins written in the host language).
#[derive(Default)]
pub struct Plugins {
    /// Storage; a `MemoryStore` if absent.
    pub store: Option<Arc<dyn Store>>,
    /// The payment provider; the fake gateway (with `payment_script`) if absent.
    pub gateway: Option<Arc<dyn PaymentGateway>>,
    /// The carrier; the table-rate carrier (`carrier` of the configuration) if absent.
    pub carrier: Option<Arc<dyn Carrier>>,
    /// The tax service; the table of `tax_rules` if absent.
    pub tax: Option<Arc<dyn TaxProvider>>,
}

impl Plugins {
    /// Only a host store.
    pub fn store(store: Arc<dyn Store>) -> Self {
        Plugins {
            store: Some(store),
            ..Plugins::default()
        }
    }
}

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

/// Parses `text` as `T`. An error names the offending field by its path in the document
/// (`lines[0].unit_price`), or `what` when the document as a whole is wrong.
pub fn parse<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    // Tracking paths costs on every field; a valid document (the usual case) skips it, and an
    // invalid one is parsed again with tracking to name its field.
    if let Ok(value) = serde_json::from_str(text) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| path_error(e, what))?;
    deserializer
        .end()
        .map_err(|e| Error::invalid(what, e.to_string()))?;
    Ok(value)
}

fn path_error(error: serde_path_to_error::Error<serde_json::Error>, what: &str) -> Error {
    let field = field_name(error.path(), what);
    let inner = error.into_inner();
    // Broken JSON is the document's fault as a whole; a wrong value is its field's.
    let field = if inner.is_syntax() || inner.is_eof() {
        what.to_string()
    } else {
        field
    };
    Error::invalid(field, inner.to_string())
}

/// The field a deserialization error names: its path (`lines[0].sku`), or `what` (the whole
/// document) when the path is empty. A trailing key that could not be read (serde_path_to_error's
/// `?`) is left out: the error is then the map's. Bindings that read native objects through
/// serde name fields with it too, so every language names them alike.
pub fn field_name(path: &serde_path_to_error::Path, what: &str) -> String {
    use serde_path_to_error::Segment;
    let segments: Vec<&Segment> = path.iter().collect();
    let known = match segments.split_last() {
        Some((Segment::Unknown, rest)) => rest,
        _ => &segments[..],
    };
    let mut field = String::new();
    for segment in known {
        let name = match segment {
            Segment::Seq { index } => {
                field.push_str(&format!("[{index}]"));
                continue;
            }
            Segment::Map { key } => key.as_str(),
            Segment::Enum { variant } => variant.as_str(),
            Segment::Unknown => "?",
        };
        if !field.is_empty() {
            field.push('.');
        }
        field.push_str(name);
    }
    if field.is_empty() {
        what.to_string()
    } else {
        field
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::invalid("output", e.to_string()))
}

/// The JSON document of an error: its fields, its `code` and a human `message`.
pub fn error_json(error: &Error) -> String {
    error_document(error).to_string()
}

/// The error's document: `code`, the variant's fields, and `message` (its explanation).
pub fn error_document(error: &Error) -> serde_json::Value {
    let mut value =
        serde_json::to_value(error).unwrap_or_else(|_| serde_json::json!({"code": error.code()}));
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "message".into(),
            serde_json::Value::String(error.to_string()),
        );
    }
    value
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
        let conflicts = [
            (
                "tax_rules",
                !config.tax_rules.is_empty() && plugins.tax.is_some(),
            ),
            (
                "carrier",
                config.carrier.is_some() && plugins.carrier.is_some(),
            ),
            (
                "payment_script",
                !config.payment_script.is_empty() && plugins.gateway.is_some(),
            ),
        ];
        if let Some((field, _)) = conflicts.iter().find(|(_, both)| *both) {
            return Err(Error::invalid(
                *field,
                "configures a built-in default that a host plug-in replaces; give one or the other",
            ));
        }
        let fixed_clock = config.clock.map(|at| Arc::new(FixedClock::new(at)));
        let clock: Arc<dyn Clock> = match &fixed_clock {
            Some(clock) => clock.clone(),
            None => Arc::new(SystemClock),
        };
        let ids: Arc<dyn IdGen> = match config.id_seed {
            Some(seed) => Arc::new(UuidIds::new(seed)),
            None => Arc::new(SequentialIds::new("")),
        };
        let currency = (config.engine.pricing.currencies)
            .resolve(&config.engine.currency, "engine.currency")?;
        let limits = &config.engine.pricing.limits;
        let catalog = MemoryCatalog::checked(config.products, currency, limits)?;
        let carrier = match plugins.carrier {
            Some(carrier) => carrier,
            None => {
                let table = config.carrier.unwrap_or_else(TableRateCarrier::standard);
                table.check(currency)?;
                Arc::new(table)
            }
        };
        let mut builder = Engine::builder()
            .config(config.engine)
            .promotions(config.promotions)
            .tax(match plugins.tax {
                Some(tax) => tax,
                None => Arc::new(TaxTable::new(config.tax_rules)?),
            })
            .catalog(Arc::new(catalog))
            .carrier(carrier)
            .clock(clock)
            .ids(ids);
        if let Some(gateway) = plugins.gateway {
            builder = builder.gateway(gateway);
        } else if !config.payment_script.is_empty() {
            let gateway = FakePaymentGateway::new();
            gateway.script(config.payment_script);
            builder = builder.gateway(Arc::new(gateway));
        }
        if let Some(store) = plugins.store {
            builder = builder.store(store);
        }
        Ok(JsonEngine {
            engine: builder.build()?,
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
        let actor: Actor = parse(actor_json, "actor")?;
        let command: Command = parse(command_json, "command")?;
        to_json(&self.engine.execute(&actor, &command, idempotency_key)?)
    }

    /// Answers a query (`{"query": "get_order", "order_id": "…"}`).
    pub fn query(&self, actor_json: &str, query_json: &str) -> Result<String> {
        let actor: Actor = parse(actor_json, "actor")?;
        let query: Query = parse(query_json, "query")?;
        to_json(&self.engine.query(&actor, &query)?)
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

/// A pricer built once from `{"config", "tax_rules", "promotions"}` (all optional; other keys
/// are ignored), then pricing many carts: the pricing API without an engine or a store.
#[derive(Debug)]
pub struct JsonPricer {
    pricer: Pricer,
}

/// What a [`JsonPricer`] is built from.
#[derive(Deserialize)]
struct PricerSpec {
    #[serde(default)]
    config: PricingConfig,
    #[serde(default)]
    tax_rules: Vec<TaxRule>,
    #[serde(default)]
    promotions: Vec<Promotion>,
}

impl JsonPricer {
    /// Builds the pricer (validating promotions and tax rules once).
    pub fn new(spec_json: &str) -> Result<Self> {
        Self::from_spec(parse(spec_json, "pricer")?)
    }

    fn from_spec(spec: PricerSpec) -> Result<Self> {
        Ok(JsonPricer {
            pricer: Pricer::new(
                spec.config,
                spec.promotions,
                Arc::new(TaxTable::new(spec.tax_rules)?),
            )?,
        })
    }

    /// Prices a cart; `context_json` (`{"now": …, "usage": …}`) may be empty or `{}`: priced
    /// now (the system clock) with no recorded promotion usage. Answers the breakdown.
    pub fn price(&self, cart_json: &str, context_json: &str) -> Result<String> {
        to_json(&self.quote_json(cart_json, context_json)?)
    }

    /// [`JsonPricer::price`] answering the breakdown itself, for bindings that hand it out
    /// without converting all of it (their quote objects convert a field when it is read).
    pub fn quote_json(&self, cart_json: &str, context_json: &str) -> Result<PriceBreakdown> {
        let cart: Cart = parse(cart_json, "cart")?;
        let context: PricingContext = match context_json.trim() {
            "" | "{}" => PricingContext::at(SystemClock.now()),
            text => parse(text, "context")?,
        };
        self.pricer.price(&cart, &context)
    }

    /// The context a cart is priced in, as JSON text: `context_json` itself, or for none (empty
    /// or `{}`) now by the system clock with no recorded usage — what [`JsonPricer::price`]
    /// would use. For bindings that price the same cart again later (Node's `Quote` builds its
    /// lists that way): priced in this text both times, the two breakdowns are the same.
    pub fn fixed_context(context_json: &str) -> Result<std::borrow::Cow<'_, str>> {
        match context_json.trim() {
            "" | "{}" => to_json(&PricingContext::at(SystemClock.now())).map(Into::into),
            _ => Ok(context_json.into()),
        }
    }

    /// [`JsonPricer::quote_json`] for a cart a binding has read from native objects (no JSON
    /// text in between); without a context it is priced now, with no recorded promotion usage.
    pub fn quote(&self, cart: &Cart, context: Option<&PricingContext>) -> Result<PriceBreakdown> {
        match context {
            Some(context) => self.pricer.price(cart, context),
            None => self
                .pricer
                .price(cart, &PricingContext::at(SystemClock.now())),
        }
    }
}

/// One pricing request in the shape of the shared vectors: `{"config", "tax_rules",
/// "promotions", "context", "cart"}` (all but `cart` optional; other keys are ignored, so a
/// vector file can be passed whole; without `context` the cart is priced now, by the system
/// clock). Answers the breakdown.
pub fn price_request(request_json: &str) -> Result<String> {
    // Unknown keys are ignored, so a whole vector file (with `name`, `cases`, …) prices as is.
    #[derive(Deserialize)]
    struct Request {
        #[serde(flatten)]
        spec: PricerSpec,
        context: Option<PricingContext>,
        cart: Cart,
    }
    let request: Request = parse(request_json, "request")?;
    let pricer = JsonPricer::from_spec(request.spec)?;
    let context = request
        .context
        .unwrap_or_else(|| PricingContext::at(SystemClock.now()));
    to_json(&pricer.pricer.price(&request.cart, &context)?)
}

/// The exact-conversion rule for hosts whose numbers are binary doubles (JavaScript).
///
/// Amounts belong in JSON as decimal strings. A host language that only has doubles may still
/// hand over a number where an amount belongs (a key of [`AMOUNT_FIELDS`]); this rule makes that
/// exact or refuses it:
/// - a non-integer number becomes the shortest decimal text that reads back as the same double —
///   the text the host itself prints for it (`19.99` → `"19.99"`, `0.1 + 0.2` →
///   `"0.30000000000000004"`); the core's usual checks then apply, so a price with more decimals
///   than its currency allows is `too_many_decimals`;
/// - an integer is kept if it is within ±2⁵³ (every such integer is exact as a double); a larger
///   one, or a number in exponent form (`1e21`, `1e-7`), is `invalid_input` naming the field.
///
/// Numbers under other keys are left alone (quantities are integers; a fraction there is refused
/// by the document's own type). Text without any fraction, exponent or long integer comes back
/// unchanged and unparsed, so the common case (amounts already strings) costs one scan.
pub fn amounts_from_doubles<'a>(text: &'a str, what: &str) -> Result<std::borrow::Cow<'a, str>> {
    use serde_json::Value;
    if !has_inexact_number(text) {
        return Ok(std::borrow::Cow::Borrowed(text));
    }
    fn walk(value: &mut Value, key: Option<&str>, path: &mut String) -> Result<()> {
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    walk(v, Some(k), path)?;
                    path.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter_mut().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(v, key, path)?;
                    path.truncate(len);
                }
            }
            Value::Number(number) if key.is_some_and(|k| AMOUNT_FIELDS.contains(&k)) => {
                const SAFE: u64 = 1 << 53;
                let exact_integer = number
                    .as_u64()
                    .map(|n| n <= SAFE)
                    .or_else(|| number.as_i64().map(|n| n.unsigned_abs() <= SAFE));
                match exact_integer {
                    Some(true) => {}
                    Some(false) => {
                        return Err(Error::invalid(
                            path.clone(),
                            format!(
                                "{number} is beyond ±2^53 and not exact as a number; pass a decimal string"
                            ),
                        ));
                    }
                    None => {
                        let shortest = number.to_string();
                        if shortest.contains(['e', 'E']) {
                            return Err(Error::invalid(
                                path.clone(),
                                format!(
                                    "{shortest} has no exact decimal form here; pass a decimal string"
                                ),
                            ));
                        }
                        *value = Value::String(shortest);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
    let mut value: Value = parse(text, what)?;
    let mut path = String::new();
    walk(&mut value, None, &mut path)?;
    to_json(&value).map(std::borrow::Cow::Owned)
}

/// Whether a JSON text has a number token with a fraction, an exponent or more than 15 digits
/// (outside strings): the only numbers [`amounts_from_doubles`] may have to rewrite or refuse.
fn has_inexact_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // Strings are most of a cart's text: jump to the next quote or escape.
                i += 1;
                loop {
                    match bytes
                        .get(i..)
                        .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
                    {
                        Some(found) if bytes[i + found] == b'"' => {
                            i += found + 1;
                            break;
                        }
                        Some(found) => i += found + 2,
                        // Unterminated: nothing left to scan.
                        None => {
                            i = bytes.len();
                            break;
                        }
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'0'..=b'9' | b'.' | b'e' | b'E')
                {
                    if matches!(bytes[i], b'.' | b'e' | b'E') {
                        return true;
                    }
                    i += 1;
                }
                if i - start > 15 {
                    return true;
                }
            }
            _ => i += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_context_is_the_given_one_or_now() {
        let given = r#"{"now":"2026-06-01T12:00:00Z","usage":{"p":{"total":1}}}"#;
        assert!(
            matches!(JsonPricer::fixed_context(given), Ok(std::borrow::Cow::Borrowed(t)) if t == given)
        );
        for none in ["", " ", "{}"] {
            let before = SystemClock.now();
            let fixed = JsonPricer::fixed_context(none).unwrap();
            let context: PricingContext = parse(&fixed, "context").unwrap();
            assert!(context.now >= before && context.now <= SystemClock.now());
            assert!(context.usage.is_empty() && !fixed.contains(' '));
        }
    }

    #[test]
    fn an_error_names_its_field_and_a_bad_key_names_its_map() {
        use std::collections::BTreeMap;
        #[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Kind {
            Tee,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code, reason = "read to check the document's shape, never used")]
        struct Doc {
            lines: Vec<BTreeMap<Kind, u8>>,
            #[serde(default)]
            counts: BTreeMap<String, u8>,
        }
        let field = |text: &str| {
            parse::<Doc>(text, "doc")
                .unwrap_err()
                .field()
                .map(str::to_string)
        };
        let value = r#"{"lines": [], "counts": {"tee": "a"}}"#;
        assert_eq!(field(value).as_deref(), Some("counts.tee"));
        // A key that is not one of the map's: the error is the map's, not `lines[1].?`.
        assert_eq!(
            field(r#"{"lines": [{"tee": 2}, {"mug": 3}]}"#).as_deref(),
            Some("lines[1]")
        );
        assert_eq!(field(r#"{"lines": 5}"#).as_deref(), Some("lines"));
        assert_eq!(field(r#"{"lines": [}"#).as_deref(), Some("doc"));
        let top = parse::<BTreeMap<Kind, u8>>(r#"{"mug": 1}"#, "doc").unwrap_err();
        assert_eq!(top.field(), Some("doc"));
    }

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
            r#"{"expired":[],"advanced":[],"failed":[]}"#
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
    fn errors_are_json_with_code_fields_and_message() {
        let engine = JsonEngine::new("{}").unwrap();
        let err = engine
            .execute(r#"{"type": "system"}"#, r#"{"command": "nope"}"#, None)
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert_eq!(err.field(), Some("command"));
        let json: serde_json::Value = serde_json::from_str(&error_json(&err)).unwrap();
        assert_eq!(json["code"], "invalid_input");
        assert_eq!(json["field"], "command");
        assert!(json["message"].as_str().unwrap().contains("command"));
        // An unknown key is named by its path.
        assert_eq!(
            JsonEngine::new("{\"bogus\": 1}").unwrap_err().field(),
            Some("bogus")
        );
        assert_eq!(
            engine
                .set_clock("2026-01-01T00:00:00Z")
                .unwrap_err()
                .field(),
            Some("clock")
        );
        let float = price_request(r#"{"cart": {"currency": "USD", "lines": [{"sku": "A", "unit_price": 1.5, "quantity": 1}]}}"#).unwrap_err();
        assert!(float.to_string().contains("floating-point"), "{float}");
    }

    #[test]
    fn numbers_from_double_hosts_become_exact_decimal_text_or_are_refused() {
        let same = r#"{"unit_price": "19.99", "quantity": 3, "note": "1.5e3"}"#;
        assert!(matches!(
            amounts_from_doubles(same, "cart").unwrap(),
            std::borrow::Cow::Borrowed(_)
        ));
        let text =
            r#"{"lines": [{"unit_price": 19.99, "quantity": 3, "weight": 0.25}], "amount": 20}"#;
        let fixed: serde_json::Value =
            serde_json::from_str(&amounts_from_doubles(text, "cart").unwrap()).unwrap();
        assert_eq!(fixed["lines"][0]["unit_price"], "19.99");
        assert_eq!(fixed["lines"][0]["weight"], "0.25");
        assert_eq!(fixed["lines"][0]["quantity"], 3);
        assert_eq!(fixed["amount"], 20);
        // 0.1 + 0.2 keeps every digit of the double: the currency check refuses it later.
        let sum = amounts_from_doubles(r#"{"amount": 0.30000000000000004}"#, "c").unwrap();
        assert!(sum.contains(r#""0.30000000000000004""#), "{sum}");
        let error =
            amounts_from_doubles(r#"{"lines": [{"unit_price": 1e21}]}"#, "cart").unwrap_err();
        assert_eq!(error.code(), "invalid_input");
        assert_eq!(error.field(), Some("lines[0].unit_price"));
        let error = amounts_from_doubles(r#"{"amount": 9007199254740993}"#, "command").unwrap_err();
        assert_eq!(error.field(), Some("amount"));
        assert!(amounts_from_doubles(r#"{"amount": 9007199254740992}"#, "c").is_ok());
        // A fraction where an integer belongs is left for the document's type to refuse.
        let quantity = amounts_from_doubles(r#"{"quantity": 1.5}"#, "c").unwrap();
        assert!(quantity.contains("1.5") && !quantity.contains(r#""1.5""#));
    }

    #[test]
    fn the_number_scan_skips_strings_and_their_escapes() {
        // Digits, dots and quotes inside strings are not numbers.
        assert!(!has_inexact_number(
            r#"{"name": "a \" 1.5 \\", "amount": 2}"#
        ));
        assert!(!has_inexact_number(r#"{"a": "\\\"1e5\"", "b": [1, -2]}"#));
        // An escaped backslash ends right before the closing quote: what follows is scanned.
        assert!(has_inexact_number(r#"{"name": "x\\", "amount": 1.5}"#));
        assert!(has_inexact_number(r#"{"amount": 1234567890123456}"#));
        // Unterminated or cut text: no panic, and the parser refuses it afterwards.
        assert!(!has_inexact_number(r#"{"name": "abc"#));
        assert!(!has_inexact_number(r#"{"name": "abc\"#));
        assert!(amounts_from_doubles(r#"{"name": "abc\"#, "c").is_ok());
    }

    /// Whether a parsed document holds a number the scan must report (a fraction, an exponent
    /// or more than 15 digits).
    fn holds_inexact_number(value: &serde_json::Value) -> bool {
        use serde_json::Value;
        match value {
            Value::Number(n) => n.is_f64() || n.to_string().trim_start_matches('-').len() > 15,
            Value::Array(items) => items.iter().any(holds_inexact_number),
            Value::Object(map) => map.values().any(holds_inexact_number),
            _ => false,
        }
    }

    fn json_document() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        use serde_json::{Value, json};
        let leaf = prop_oneof![
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            (-1e6f64..1e6).prop_map(|f| json!(f)),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| json!(f)),
            // Doubles written with an exponent and no fraction (`1e21`, `5e-7`).
            (1u8..10, prop_oneof![-300i32..-6, 16i32..300])
                .prop_map(|(m, e)| json!(format!("{m}e{e}").parse::<f64>().unwrap_or(1.5))),
            // Strings full of what the scan must skip: quotes, backslashes, digits, dots, e.
            "[a-e0-9.\\\"\\-]{0,12}".prop_map(Value::String),
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("amount".to_string()),
                        Just("unit_price".to_string()),
                        "[a-z\\\"0-9.]{0,6}"
                    ],
                    inner,
                    0..6
                )
                .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3_000, failure_persistence: None, ..Default::default() })]

        /// The quick scan never misses a number `amounts_from_doubles` must rewrite or refuse
        /// (else a double would slip through as an amount), and no text — cut anywhere, or
        /// arbitrary — makes the scan, the rewrite or a pricer panic.
        #[test]
        fn the_number_scan_misses_no_inexact_number_and_nothing_panics(
            document in json_document(),
            cut in 0usize..400,
            noise in "[ -~]{0,60}",
        ) {
            let text = document.to_string();
            if holds_inexact_number(&document) {
                proptest::prop_assert!(has_inexact_number(&text), "{text}");
            }
            let pricer = JsonPricer::new("{}");
            proptest::prop_assert!(pricer.is_ok());
            let cut_text = text.get(..cut.min(text.len())).unwrap_or_default();
            for candidate in [text.as_str(), cut_text, noise.as_str()] {
                let _ = has_inexact_number(candidate);
                let _ = amounts_from_doubles(candidate, "cart");
                if let Ok(pricer) = &pricer {
                    let _ = pricer.price(candidate, "");
                }
            }
        }
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
    fn a_pricer_built_once_prices_like_a_whole_request() {
        let spec = r#"{"tax_rules": [{"id": "t", "name": "T", "country": "US", "percentage": "10"}],
            "promotions": [{"id": "p", "name": "P", "effect": {"type": "percentage", "percentage": "10"}}]}"#;
        let cart = r#"{"currency": "USD", "address": {"country": "US"},
            "lines": [{"sku": "A", "unit_price": "10.00", "quantity": 3}]}"#;
        let context = r#"{"now": "2026-06-01T12:00:00Z"}"#;
        let pricer = JsonPricer::new(spec).unwrap();
        let once = pricer.price(cart, context).unwrap();
        let request = format!(
            r#"{{"cart": {cart}, "context": {context}, {}"#,
            spec.trim_start_matches('{')
        );
        assert_eq!(once, price_request(&request).unwrap());
        assert!(once.contains(r#""grand_total":"29.70""#), "{once}");
        assert!(
            pricer.price(cart, "{}").is_ok(),
            "priced now without a context"
        );
        let bad = JsonPricer::new(r#"{"tax_rules": [{"id": "t"}]}"#).unwrap_err();
        assert_eq!(bad.code(), "invalid_input");
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
