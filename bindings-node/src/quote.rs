//! `Quote`: a priced cart kept as the core's breakdown. Its totals are strings read straight
//! from it; `lines`, `taxes` and the other lists become JS objects only when read (building all
//! of a 20-line breakdown's objects costs several times the pricing itself).

use napi::bindgen_prelude::*;
use napi::{Env, Property, PropertyAttributes};
use napi_derive::napi;
use ordercore::pricing::PriceBreakdown;
use serde::Serialize;

use crate::{parse_json, throw};

/// A priced cart (`Pricer.quote`): the breakdown's keys, as getters. Totals are decimal strings;
/// a list (`lines`, `taxes`, `promotions`, `not_applied`, `shipping`) is built on its first read
/// and kept on the quote (later reads return the same objects). `JSON.stringify(quote)` gives
/// the whole breakdown.
#[napi]
pub struct Quote {
    breakdown: PriceBreakdown,
}

impl Quote {
    pub(crate) fn new(breakdown: PriceBreakdown) -> Self {
        Quote { breakdown }
    }
}

/// The breakdown (or a part of it) as JSON text; a failure is the core's `invalid_input` on
/// `output`.
fn text<T: Serialize>(env: &Env, field: &T) -> Result<String> {
    serde_json::to_string(field).map_err(|e| {
        throw(
            env,
            ordercore::Error::InvalidInput {
                field: "output".into(),
                message: e.to_string(),
            },
        )
    })
}

/// A part of the breakdown as JS values.
fn objects<'e, T: Serialize>(env: &'e Env, field: &T) -> Result<Unknown<'e>> {
    parse_json(env, &text(env, field)?)
}

/// A part of the breakdown as JS values, kept on the quote object as an own read-only property
/// named like the getter: it shadows the getter, so later reads get the same objects at the
/// cost of a property read (and the garbage collector owns them with the quote).
fn kept<'e, T: Serialize>(
    env: &'e Env,
    this: &mut This<'e>,
    name: &str,
    field: &T,
) -> Result<Unknown<'e>> {
    let value = objects(env, field)?;
    this.define_properties(&[Property::new()
        .with_utf8_name(name)?
        .with_value(&value)
        .with_property_attributes(PropertyAttributes::Default)])?;
    Ok(value)
}

#[napi]
impl Quote {
    /// ISO-4217 code of every amount.
    #[napi(getter, js_name = "currency", catch_unwind)]
    pub fn currency(&self) -> String {
        self.breakdown.currency.code().to_string()
    }

    /// Whether unit prices included tax.
    #[napi(getter, js_name = "prices_include_tax", catch_unwind)]
    pub fn prices_include_tax(&self) -> bool {
        self.breakdown.prices_include_tax
    }

    /// How amounts between two minor units were rounded (`half_up`, `half_even`).
    #[napi(getter, js_name = "rounding", catch_unwind, ts_return_type = "string")]
    pub fn rounding<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        objects(env, &self.breakdown.rounding)
    }

    /// Whether tax was rounded per line or per order (`per_line`, `per_order`).
    #[napi(
        getter,
        js_name = "tax_rounding",
        catch_unwind,
        ts_return_type = "string"
    )]
    pub fn tax_rounding<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        objects(env, &self.breakdown.tax_rounding)
    }

    /// Σ line bases.
    #[napi(getter, js_name = "subtotal", catch_unwind)]
    pub fn subtotal(&self) -> String {
        self.breakdown.subtotal.to_string()
    }

    /// Σ discounts on lines and shipping.
    #[napi(getter, js_name = "discount_total", catch_unwind)]
    pub fn discount_total(&self) -> String {
        self.breakdown.discount_total.to_string()
    }

    /// Shipping before discounts.
    #[napi(getter, js_name = "shipping_total", catch_unwind)]
    pub fn shipping_total(&self) -> String {
        self.breakdown.shipping_total.to_string()
    }

    /// Σ tax on lines and shipping.
    #[napi(getter, js_name = "tax_total", catch_unwind)]
    pub fn tax_total(&self) -> String {
        self.breakdown.tax_total.to_string()
    }

    /// What the customer pays.
    #[napi(getter, js_name = "grand_total", catch_unwind)]
    pub fn grand_total(&self) -> String {
        self.breakdown.grand_total.to_string()
    }

    /// The priced lines (built on the first read, then kept).
    #[napi(
        getter,
        js_name = "lines",
        catch_unwind,
        ts_return_type = "PriceBreakdown['lines']"
    )]
    pub fn lines<'e>(&self, env: &'e Env, mut this: This<'e>) -> Result<Unknown<'e>> {
        kept(env, &mut this, "lines", &self.breakdown.lines)
    }

    /// The priced shipping charge, or null (built on the first read, then kept).
    #[napi(
        getter,
        js_name = "shipping",
        catch_unwind,
        ts_return_type = "PriceBreakdown['shipping']"
    )]
    pub fn shipping<'e>(&self, env: &'e Env, mut this: This<'e>) -> Result<Unknown<'e>> {
        kept(env, &mut this, "shipping", &self.breakdown.shipping)
    }

    /// Tax by rate (built on the first read, then kept).
    #[napi(
        getter,
        js_name = "taxes",
        catch_unwind,
        ts_return_type = "PriceBreakdown['taxes']"
    )]
    pub fn taxes<'e>(&self, env: &'e Env, mut this: This<'e>) -> Result<Unknown<'e>> {
        kept(env, &mut this, "taxes", &self.breakdown.taxes)
    }

    /// The promotions applied (built on the first read, then kept).
    #[napi(
        getter,
        js_name = "promotions",
        catch_unwind,
        ts_return_type = "PriceBreakdown['promotions']"
    )]
    pub fn promotions<'e>(&self, env: &'e Env, mut this: This<'e>) -> Result<Unknown<'e>> {
        kept(env, &mut this, "promotions", &self.breakdown.promotions)
    }

    /// Promotions and codes considered but not applied, with the reason (built on the first read, then kept).
    #[napi(
        getter,
        js_name = "not_applied",
        catch_unwind,
        ts_return_type = "PriceBreakdown['not_applied']"
    )]
    pub fn not_applied<'e>(&self, env: &'e Env, mut this: This<'e>) -> Result<Unknown<'e>> {
        kept(env, &mut this, "not_applied", &self.breakdown.not_applied)
    }

    /// The whole breakdown as JS objects (what `Pricer.price` returns); `JSON.stringify` uses it.
    #[napi(js_name = "toJSON", catch_unwind, ts_return_type = "PriceBreakdown")]
    pub fn to_json<'e>(&self, env: &'e Env) -> Result<Unknown<'e>> {
        objects(env, &self.breakdown)
    }

    /// The whole breakdown as JSON text, without building JS objects.
    #[napi(catch_unwind)]
    pub fn json(&self, env: Env) -> Result<String> {
        text(&env, &self.breakdown)
    }
}
