//! [`JsonPricer`] and [`price_request`]: pricing behind JSON text, with no engine.

use std::sync::Arc;

use serde::Deserialize;

use crate::clock::{Clock, SystemClock};
use crate::error::Result;
use crate::pricing::{Cart, PriceBreakdown, Pricer, PricingConfig, PricingContext};
use crate::promotion::Promotion;
use crate::tax::{TaxRule, TaxTable};

use super::{parse, to_json};

/// A pricer built once from `{"config", "tax_rules", "promotions"}` (all optional; other keys
/// are ignored), then pricing many carts: the pricing API without an engine or a store.
#[derive(Debug)]
pub struct JsonPricer {
    pricer: Pricer,
}

/// What a [`JsonPricer`] is built from.
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
}
