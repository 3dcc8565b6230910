//! Pricing: a cart plus promotions, shipping and tax into an explainable [`PriceBreakdown`].
//!
//! The rules, in the order they run:
//! 1. Every line's base is `unit_price × quantity`, exact in the currency (a price with more
//!    decimals than the currency allows is refused, never rounded silently).
//! 2. Promotions apply in stacking order (see [`crate::promotion`]), each on what the earlier
//!    ones left. A promotion's amount is rounded **once** (percentage of its target, a fixed
//!    amount capped at the target, or the cheapest units of a buy-x-get-y), then allocated over
//!    the target's lines by largest remainder in minor units, weighted by what each line has
//!    left. Ties go to the earlier line in a canonical order (sku, price, quantity, …), so the
//!    result does not depend on the order of the cart's lines.
//! 3. Tax is computed per line (and on shipping, by its own tax class) on the discounted amount.
//!    Tax-exclusive prices: `tax = net × rate`; tax-inclusive prices: the tax is backed out of
//!    the discounted gross, `tax = gross × rate / (1 + rate)`, and `net = gross − tax`. Rounded
//!    per line and rate by default; with [`TaxRounding::PerOrder`] each rate is rounded once on
//!    the whole order and allocated back over the lines by their taxable amount.
//! 4. Order totals are sums of the lines, to the minor unit: `grand_total = Σ line.total +
//!    shipping.total`.
//!
//! Every line also keeps its discount and tax spread over its units ([`UnitSplit`]), so that a
//! later refund of some units takes exactly what was paid for them.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use smol_str::SmolStr;

use crate::address::Address;
use crate::error::{Error, Result};
use crate::money::{
    Currency, CurrencyRegistry, Parts, RoundingMode, UnitSplit, allocate_minor_into, amount_serde,
    div_floor,
};
use crate::promotion::{
    Effect, Prepared, Promotion, PromotionSet, RejectionReason, Target, Usage, check_conditions,
    combinable,
};
use crate::tax::{TaxClass, TaxProvider, TaxQuery, TaxRate};

/// Whether tax is rounded per line and rate, or once per rate on the whole order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxRounding {
    /// Each line's tax per rate is rounded (the default; what receipts show).
    #[default]
    PerLine,
    /// Each rate's tax is rounded once on the order, then allocated back over the lines.
    PerOrder,
}

/// Input limits; exceeding one is a `limit_exceeded` error naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Lines per cart.
    pub max_lines: usize,
    /// Units per line.
    pub max_quantity: u64,
    /// Bytes per string (ids, skus, names, codes, address fields, references).
    pub max_string_len: usize,
    /// Bytes of free text (cancel, refund and webhook reasons).
    pub max_text_len: usize,
    /// Coupon codes per cart.
    pub max_coupon_codes: usize,
    /// Tags per line.
    pub max_tags: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_lines: 1_000,
            max_quantity: 1_000_000,
            max_string_len: 200,
            max_text_len: 1_000,
            max_coupon_codes: 20,
            max_tags: 50,
        }
    }
}

/// Pricing configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PricingConfig {
    /// How amounts between two minor units are rounded.
    pub rounding: RoundingMode,
    /// Tax rounded per line or per order.
    pub tax_rounding: TaxRounding,
    /// Input limits.
    pub limits: Limits,
    /// Currencies known besides the built-in ones.
    #[serde(skip)]
    pub currencies: CurrencyRegistry,
}

/// A cart to price.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Cart {
    /// ISO-4217 code of every amount in the cart.
    pub currency: String,
    /// The lines.
    pub lines: Vec<CartLine>,
    /// The shipping charge, if any.
    #[serde(default)]
    pub shipping: Option<ShippingCharge>,
    /// Coupon codes the customer entered.
    #[serde(default)]
    pub coupon_codes: Vec<String>,
    /// Who buys.
    #[serde(default)]
    pub customer: Customer,
    /// Where the goods go; without it no tax is computed.
    #[serde(default)]
    pub address: Option<Address>,
    /// Whether unit prices and shipping include tax.
    #[serde(default)]
    pub prices_include_tax: bool,
}

/// One line of a cart.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CartLine {
    /// Stock-keeping unit (shared with the breakdown without copying).
    pub sku: SmolStr,
    /// Display name.
    #[serde(default)]
    pub name: SmolStr,
    /// Price of one unit, exact in the cart's currency.
    #[serde(with = "amount_serde")]
    pub unit_price: Decimal,
    /// Units, at least 1.
    pub quantity: i64,
    /// Category, for promotions.
    #[serde(default)]
    pub category: Option<SmolStr>,
    /// Tags, for promotions.
    #[serde(default)]
    pub tags: Vec<SmolStr>,
    /// Tax class.
    #[serde(default)]
    pub tax_class: TaxClass,
    /// Weight of one unit in kilograms, for shipping rates.
    #[serde(default, with = "amount_serde::option")]
    pub weight: Option<Decimal>,
}

/// The shipping charge of a cart.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ShippingCharge {
    /// The shipping method or option id.
    #[serde(default)]
    pub method: String,
    /// Its price, exact in the cart's currency.
    #[serde(with = "amount_serde")]
    pub amount: Decimal,
    /// Its tax class.
    #[serde(default)]
    pub tax_class: TaxClass,
}

/// The customer, as far as promotions and tax need to know.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Customer {
    /// Customer id; `None` for a guest.
    pub id: Option<String>,
    /// Customer groups (`"vip"`, `"wholesale"`).
    pub groups: Vec<String>,
    /// Orders placed before this one.
    pub previous_orders: u64,
    /// Tax-exempt customers get no tax lines.
    pub tax_exempt: bool,
}

/// What pricing needs from outside the cart: the time, and promotion usage counts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PricingContext {
    /// When the cart is priced (validity windows).
    #[serde(deserialize_with = "crate::clock::rfc3339::deserialize")]
    pub now: DateTime<Utc>,
    /// Uses so far, by promotion id.
    #[serde(default)]
    pub usage: HashMap<String, Usage>,
}

impl PricingContext {
    /// A context at `now` with no recorded promotion usage.
    pub fn at(now: DateTime<Utc>) -> Self {
        PricingContext {
            now,
            usage: HashMap::new(),
        }
    }
}

/// The priced cart: every number, and what made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceBreakdown {
    /// The currency of every amount.
    pub currency: Currency,
    /// Whether unit prices included tax.
    pub prices_include_tax: bool,
    /// The rounding mode used.
    pub rounding: RoundingMode,
    /// Tax rounded per line or per order.
    pub tax_rounding: TaxRounding,
    /// The lines, in the cart's order.
    pub lines: Vec<LineBreakdown>,
    /// The shipping charge, if the cart had one.
    pub shipping: Option<ShippingBreakdown>,
    /// Σ line bases (gross when prices include tax).
    #[serde(serialize_with = "amount_serde::serialize")]
    pub subtotal: Decimal,
    /// Σ discounts on lines and shipping.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub discount_total: Decimal,
    /// Shipping before discounts.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub shipping_total: Decimal,
    /// Σ tax on lines and shipping.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub tax_total: Decimal,
    /// What the customer pays: Σ line totals + shipping total.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub grand_total: Decimal,
    /// Tax by rate.
    pub taxes: Vec<TaxSummary>,
    /// The promotions applied, in the order they applied.
    pub promotions: Vec<AppliedPromotion>,
    /// Promotions and coupon codes considered but not applied, with the reason.
    pub not_applied: Vec<NotApplied>,
}

/// The discounts on one line or on shipping. Almost always none or one, so the first is kept
/// inline (no allocation); reads like a slice, serializes as a list.
pub type Adjustments = SmallVec<[Adjustment; 1]>;

/// The tax lines of one line or of shipping, one per rate. One rate inline; combined rates
/// (state + county) spill to the heap.
pub type TaxLines = SmallVec<[TaxLine; 1]>;

/// One priced line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineBreakdown {
    /// The line's sku.
    pub sku: SmolStr,
    /// Units.
    pub quantity: u64,
    /// Price of one unit.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub unit_price: Decimal,
    /// `unit_price × quantity`.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub base: Decimal,
    /// The discounts on this line, in the order they applied.
    pub adjustments: Adjustments,
    /// Σ adjustments.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub discount: Decimal,
    /// The amount without tax, after discounts.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub net: Decimal,
    /// Tax by rate.
    pub tax_lines: TaxLines,
    /// Σ tax lines.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub tax: Decimal,
    /// What the customer pays for this line.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub total: Decimal,
    /// The discount spread over the units.
    pub discount_per_unit: UnitSplit,
}

/// The priced shipping charge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShippingBreakdown {
    /// The shipping method.
    pub method: String,
    /// The charge before discounts.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub base: Decimal,
    /// Discounts on shipping.
    pub adjustments: Adjustments,
    /// Σ adjustments.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub discount: Decimal,
    /// The amount without tax, after discounts.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub net: Decimal,
    /// Tax by rate.
    pub tax_lines: TaxLines,
    /// Σ tax lines.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub tax: Decimal,
    /// What the customer pays for shipping.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub total: Decimal,
}

/// One promotion's share of a line or of shipping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    /// The promotion.
    pub promotion_id: SmolStr,
    /// What the promotion acted on here (the line's amount left before it, or the value of the
    /// discounted units for buy-x-get-y).
    #[serde(serialize_with = "amount_serde::serialize")]
    pub base: Decimal,
    /// This line's share of the promotion's rounded amount.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub amount: Decimal,
}

/// One rate's tax on a line or on shipping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxLine {
    /// The rate's id.
    pub rate_id: SmolStr,
    /// The rate in percent.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub percentage: Decimal,
    /// The taxable amount (net, or gross when prices include tax).
    #[serde(serialize_with = "amount_serde::serialize")]
    pub base: Decimal,
    /// The tax before rounding.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub exact: Decimal,
    /// The tax.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub amount: Decimal,
    /// The tax spread over the units.
    pub per_unit: UnitSplit,
}

/// Tax of one rate on the whole order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxSummary {
    /// The rate's id.
    pub rate_id: SmolStr,
    /// Its name.
    pub name: SmolStr,
    /// Where it applies.
    pub jurisdiction: SmolStr,
    /// The rate in percent.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub percentage: Decimal,
    /// Σ taxable amounts.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub base: Decimal,
    /// Σ tax.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub amount: Decimal,
}

/// A promotion that applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedPromotion {
    /// The promotion.
    pub promotion_id: SmolStr,
    /// The coupon code, for a coupon.
    pub code: Option<SmolStr>,
    /// What it acted on in all.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub base: Decimal,
    /// Its amount before rounding.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub exact: Decimal,
    /// Its amount, rounded once, then allocated over the lines.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub amount: Decimal,
}

/// A promotion or coupon code that did not apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotApplied {
    /// The promotion, when the code matched one (or for automatic promotions).
    pub promotion_id: Option<SmolStr>,
    /// The coupon code as entered or defined.
    pub code: Option<String>,
    /// Why not.
    pub reason: RejectionReason,
}

/// What `count` units of a line cost, taken from a [`LineBreakdown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitAmounts {
    /// `unit_price × count`.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub base: Decimal,
    /// Their share of the line's discount.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub discount: Decimal,
    /// Their share of the line's tax.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub tax: Decimal,
    /// What was paid for them.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub total: Decimal,
}

impl LineBreakdown {
    /// The amounts of `count` units starting at unit `start` (0-based). Taking every unit once,
    /// in any partition, sums exactly to the line's amounts.
    pub fn units(&self, start: u64, count: u64, prices_include_tax: bool) -> Result<UnitAmounts> {
        let end = start.checked_add(count);
        if end.is_none_or(|end| end > self.quantity) {
            return Err(Error::invalid(
                "units",
                format!(
                    "units {start}..{} are outside the line's {} units",
                    start.saturating_add(count),
                    self.quantity
                ),
            ));
        }
        let overflow = || Error::overflow("units");
        let base = self
            .unit_price
            .checked_mul(Decimal::from(count))
            .ok_or_else(overflow)?;
        let discount = self
            .discount_per_unit
            .sum(start, count)
            .ok_or_else(overflow)?;
        let mut tax = Decimal::ZERO;
        tax.rescale(self.base.scale());
        for line in &self.tax_lines {
            tax = tax
                .checked_add(line.per_unit.sum(start, count).ok_or_else(overflow)?)
                .ok_or_else(overflow)?;
        }
        let mut total = base.checked_sub(discount).ok_or_else(overflow)?;
        if !prices_include_tax {
            total = total.checked_add(tax).ok_or_else(overflow)?;
        }
        Ok(UnitAmounts {
            base,
            discount,
            tax,
            total,
        })
    }
}

/// Prices carts with a fixed configuration, promotion set and tax provider. Cheap to share
/// between threads; build it once and reuse it.
pub struct Pricer {
    config: PricingConfig,
    promotions: PromotionSet,
    tax: Arc<dyn TaxProvider>,
}

impl std::fmt::Debug for Pricer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pricer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A line or the shipping charge while it is being priced, in minor units.
struct Charge<'a> {
    /// Index in the cart's lines; `None` for shipping.
    line: Option<usize>,
    /// The line's [`sku_prefix`]: sorts most lines without comparing strings.
    sku_prefix: u128,
    units: u64,
    /// Price of one unit, in minor units.
    unit: i128,
    base: i128,
    /// What is left after the promotions so far (the taxable amount in the end).
    remaining: i128,
    tax_class: &'a TaxClass,
    /// This charge's entries in the shared list of computed taxes.
    taxes: std::ops::Range<usize>,
}

/// Indices into the rates of one pricing, for one tax class.
type RateIndices = SmallVec<[usize; 2]>;

/// Every adjustment with its charge's slot, in the order they applied.
type SlottedAdjustments = SmallVec<[(usize, Adjustment); 32]>;

/// The taxes of all charges, on the stack for carts of usual size.
type ChargeTaxes = SmallVec<[ChargeTax; 24]>;

impl Charge<'_> {
    /// This charge's place in per-charge lists: its line's index, or one past the lines for
    /// shipping.
    fn slot(&self, cart: &Cart) -> usize {
        self.line.unwrap_or(cart.lines.len())
    }
}

/// One rate's tax on one charge: `numerator / denominator` minor units before rounding.
struct ChargeTax {
    rate: usize,
    numerator: i128,
    denominator: i128,
    amount: i128,
}

/// 10^8: the denominator of `amount × percentage / 100` with percentages scaled by 10^6.
const PERCENT_DENOMINATOR: i128 = 100_000_000;

/// A percentage (at most 6 decimals, validated) as an integer scaled by 10^6.
fn percent_units(percentage: Decimal) -> i128 {
    let mut scaled = percentage;
    scaled.rescale(6);
    scaled.mantissa()
}

impl Pricer {
    /// A pricer; validates the promotions (ids, codes, amounts, percentages).
    pub fn new(
        config: PricingConfig,
        promotions: Vec<Promotion>,
        tax: Arc<dyn TaxProvider>,
    ) -> Result<Self> {
        let promotions = PromotionSet::new(promotions, &config.currencies)?;
        Ok(Pricer {
            config,
            promotions,
            tax,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &PricingConfig {
        &self.config
    }

    /// Ids of the promotions with usage limits that may apply to `cart`: the engine reads their
    /// usage counts in the same change set that counts a new use.
    pub fn limited_promotions(&self, cart: &Cart) -> Vec<String> {
        self.promotions
            .candidates(cart)
            .promotions
            .into_iter()
            .filter(|p| {
                p.promotion.usage_limit.is_some() || p.promotion.usage_limit_per_customer.is_some()
            })
            .map(|p| p.promotion.id.clone())
            .collect()
    }

    /// Prices `cart`.
    pub fn price(&self, cart: &Cart, context: &PricingContext) -> Result<PriceBreakdown> {
        let currency = self.config.currencies.resolve(&cart.currency, "currency")?;
        // `charges` stays in the cart's order (the breakdown's); `sorted` points at the same
        // charges in canonical order, which allocations follow so that results do not depend on
        // the order of the cart's lines.
        let mut charges = self.validate(cart, currency)?;
        let mut shipping = shipping_charge(cart, currency)?;
        let subtotal = charges
            .iter()
            .try_fold(0i128, |sum, c| sum.checked_add(c.base))
            .ok_or_else(|| Error::overflow("subtotal"))?;
        let run = Run {
            cart,
            context,
            currency,
            mode: self.config.rounding,
            subtotal: currency.from_minor(subtotal, "subtotal")?,
            total_units: charges.iter().map(|c| c.units).sum(),
        };
        let mut sorted: Vec<&mut Charge> = charges.iter_mut().collect();
        sorted.sort_by(|a, b| {
            (a.sku_prefix.cmp(&b.sku_prefix)).then_with(|| canonical_order(&cart.lines, a, b))
        });
        // The discounts in the order they applied, each with its charge's slot (see
        // `Charge::slot`); kept apart from the charges so that those stay small enough to move
        // without a `memcpy` call.
        let mut adjustments: SlottedAdjustments = SmallVec::new();
        let promotions =
            self.apply_promotions(&run, &mut sorted, shipping.as_mut(), &mut adjustments)?;
        let mut taxes = ChargeTaxes::with_capacity(sorted.len() + 1);
        let mut all = sorted;
        all.extend(shipping.as_mut());
        let rates = self.compute_tax(cart, &mut all, &mut taxes, currency, context.now)?;
        drop(all);
        self.assemble(
            cart,
            currency,
            charges,
            shipping,
            (&taxes, &rates),
            &mut adjustments,
            promotions,
        )
    }

    /// Each candidate promotion, in order, applied or rejected with its reason.
    fn apply_promotions<'a>(
        &self,
        run: &Run<'_>,
        sorted: &mut [&mut Charge<'a>],
        mut shipping: Option<&mut Charge<'a>>,
        adjustments: &mut SlottedAdjustments,
    ) -> Result<(Vec<AppliedPromotion>, Vec<NotApplied>)> {
        let cart = run.cart;
        let candidates = self.promotions.candidates(cart);
        let mut not_applied: Vec<NotApplied> = candidates
            .unknown_codes
            .into_iter()
            .map(|code| NotApplied {
                promotion_id: None,
                code: Some(code),
                reason: RejectionReason::UnknownCode,
            })
            .collect();
        let mut applied: SmallVec<[&Promotion; 4]> = SmallVec::new();
        let mut applied_out = Vec::new();
        for prepared in candidates.promotions {
            let promotion = &prepared.promotion;
            let target_units = match &promotion.target {
                Target::Lines(_) => sorted
                    .iter()
                    .filter(|c| promotion.target.selects(&cart.lines[c.line.unwrap_or(0)]))
                    .map(|c| c.units)
                    .sum(),
                Target::Order | Target::Shipping => run.total_units,
            };
            let usage = run.context.usage.get(&promotion.id);
            let verdict = check_conditions(
                promotion,
                cart,
                run.subtotal,
                target_units,
                run.context.now,
                usage,
            )
            .and_then(|()| match combinable(promotion, &applied) {
                true => Ok(()),
                false => Err(RejectionReason::NotCombinable),
            });
            let charges = (&mut *sorted, shipping.as_deref_mut());
            let outcome = match verdict {
                Ok(()) => self.apply(prepared, run, charges, adjustments)?,
                Err(reason) => Err(reason),
            };
            match outcome {
                Ok(out) => {
                    applied.push(promotion);
                    applied_out.push(out);
                }
                Err(reason) => not_applied.push(NotApplied {
                    promotion_id: Some(prepared.id.clone()),
                    code: promotion.code.clone(),
                    reason,
                }),
            }
        }
        Ok((applied_out, not_applied))
    }

    fn validate<'a>(&self, cart: &'a Cart, currency: Currency) -> Result<Vec<Charge<'a>>> {
        let limits = &self.config.limits;
        limits.check_cart_size(cart.lines.len(), cart.coupon_codes.len())?;
        for (i, code) in cart.coupon_codes.iter().enumerate() {
            check_string(code, limits, || format!("coupon_codes[{i}]"), false)?;
        }
        if let Some(shipping) = &cart.shipping {
            check_string(&shipping.method, limits, || "shipping.method".into(), true)?;
            if shipping.amount.is_sign_negative() && !shipping.amount.is_zero() {
                return Err(Error::invalid("shipping.amount", "must not be negative"));
            }
        }
        let mut charges = Vec::with_capacity(cart.lines.len());
        for (i, line) in cart.lines.iter().enumerate() {
            let field = |name: &str| format!("lines[{i}].{name}");
            check_string(&line.sku, limits, || field("sku"), false)?;
            check_string(&line.name, limits, || field("name"), true)?;
            if let Some(category) = &line.category {
                check_string(category, limits, || field("category"), false)?;
            }
            if line.tags.len() > limits.max_tags {
                return Err(Error::LimitExceeded {
                    field: field("tags"),
                    limit: limits.max_tags as u64,
                });
            }
            for (t, tag) in line.tags.iter().enumerate() {
                check_string(tag, limits, || format!("lines[{i}].tags[{t}]"), false)?;
            }
            limits.check_quantity(line.quantity, || field("quantity"))?;
            let quantity = line.quantity as u64;
            if line.unit_price.is_sign_negative() && !line.unit_price.is_zero() {
                return Err(Error::invalid(field("unit_price"), "must not be negative"));
            }
            if line
                .weight
                .is_some_and(|w| w.is_sign_negative() && !w.is_zero())
            {
                return Err(Error::invalid(field("weight"), "must not be negative"));
            }
            // A price already at the currency's scale (the usual case) is its mantissa.
            let unit = if line.unit_price.scale() == currency.minor_units() {
                line.unit_price.mantissa()
            } else {
                currency
                    .exact(line.unit_price, "")
                    .and_then(|price| currency.to_minor(price, ""))
                    .map_err(|e| e.at(|| field("unit_price")))?
            };
            // The base must fit a decimal's 96-bit mantissa.
            let base = unit
                .checked_mul(i128::from(quantity))
                .filter(|b| b.unsigned_abs() >> 96 == 0)
                .ok_or_else(|| Error::overflow(field("unit_price")))?;
            charges.push(Charge {
                line: Some(i),
                sku_prefix: sku_prefix(&line.sku),
                units: quantity,
                unit,
                base,
                remaining: base,
                tax_class: &line.tax_class,
                taxes: 0..0,
            });
        }
        Ok(charges)
    }

    /// Applies one promotion; `Ok(Err(reason))` when it finds nothing to discount.
    fn apply<'a>(
        &self,
        prepared: &Prepared,
        run: &Run<'_>,
        (charges, shipping): (&mut [&mut Charge<'a>], Option<&mut Charge<'a>>),
        adjustments: &mut SlottedAdjustments,
    ) -> Result<std::result::Result<AppliedPromotion, RejectionReason>> {
        let (cart, currency) = (run.cart, run.currency);
        let promotion = &prepared.promotion;
        // (charge, weight) pairs the promotion acts on; weights in minor units.
        let mut targets: SmallVec<[(&mut Charge, i128); 32]> = match &promotion.target {
            Target::Shipping => shipping
                .filter(|s| s.remaining > 0)
                .map(|s| {
                    let weight = s.remaining;
                    (s, weight)
                })
                .into_iter()
                .collect(),
            target => charges
                .iter_mut()
                .filter(|c| c.remaining > 0 && target.selects(&cart.lines[c.line.unwrap_or(0)]))
                .map(|c| {
                    let weight = c.remaining;
                    (&mut **c, weight)
                })
                .collect(),
        };
        if let Effect::BuyXGetY {
            buy,
            get,
            max_applications,
            ..
        } = &promotion.effect
        {
            cheapest_units(&mut targets, *buy, *get, *max_applications);
            targets.retain(|(_, weight)| *weight > 0);
        }
        let base: i128 = targets.iter().map(|(_, w)| *w).sum();
        if base == 0 {
            return Ok(Err(RejectionReason::NoEligibleItems));
        }
        let (exact, amount_minor) = discount(promotion, base, currency, run.mode)?;
        if amount_minor == 0 {
            return Ok(Err(RejectionReason::NoEligibleItems));
        }
        let weights: SmallVec<[i128; 32]> = targets.iter().map(|(_, w)| *w).collect();
        let mut shares = Parts::new();
        allocate_minor_into(amount_minor, &weights, &mut shares)?;
        for ((charge, weight), share) in targets.iter_mut().zip(shares) {
            if share > 0 {
                charge.remaining -= share;
                let adjustment = Adjustment {
                    promotion_id: prepared.id.clone(),
                    base: currency.from_minor(*weight, "adjustment")?,
                    amount: currency.from_minor(share, "adjustment")?,
                };
                adjustments.push((charge.slot(cart), adjustment));
            }
        }
        Ok(Ok(AppliedPromotion {
            promotion_id: prepared.id.clone(),
            code: prepared.code.clone(),
            base: currency.from_minor(base, "promotion.base")?,
            exact: exact.normalize(),
            amount: currency.from_minor(amount_minor, "promotion.amount")?,
        }))
    }

    /// Computes every charge's tax into `taxes` (each charge's `taxes` range points into it);
    /// returns the rates used, which `ChargeTax::rate` indexes.
    fn compute_tax(
        &self,
        cart: &Cart,
        all: &mut [&mut Charge<'_>],
        taxes: &mut ChargeTaxes,
        currency: Currency,
        now: DateTime<Utc>,
    ) -> Result<Vec<TaxRate>> {
        let mut rates = RatesUsed::default();
        let address = match &cart.address {
            Some(address) if !cart.customer.tax_exempt => address,
            _ => return Ok(rates.rates),
        };
        let mode = self.config.rounding;
        // Rates per tax class, asked once per class.
        let mut by_class: SmallVec<[(&TaxClass, RateIndices); 2]> = SmallVec::new();
        for charge in all.iter_mut() {
            if *charge.tax_class == TaxClass::Exempt {
                continue;
            }
            let class_index = match by_class
                .iter()
                .position(|(class, _)| *class == charge.tax_class)
            {
                Some(index) => index,
                None => {
                    let query = TaxQuery {
                        address,
                        tax_class: charge.tax_class,
                        currency: &cart.currency,
                        at: now,
                    };
                    by_class.push((charge.tax_class, rates.add(self.tax.rates(&query)?)?));
                    by_class.len() - 1
                }
            };
            let rate_indices = &by_class[class_index].1;
            if rate_indices.is_empty() {
                continue;
            }
            let first = taxes.len();
            let combined = rates.tax_line(charge, rate_indices, cart.prices_include_tax, taxes)?;
            charge.taxes = first..taxes.len();
            if self.config.tax_rounding == TaxRounding::PerLine {
                let own = &mut taxes[first..];
                if cart.prices_include_tax && own.len() > 1 {
                    // Round the combined tax once, then split it over the rates.
                    let numerator = (charge.remaining.checked_mul(combined))
                        .ok_or_else(|| Error::overflow("tax"))?;
                    let total = mode.round_ratio(numerator, own[0].denominator);
                    let weights: SmallVec<[i128; 4]> =
                        rate_indices.iter().map(|r| rates.units[*r]).collect();
                    let mut parts = Parts::new();
                    allocate_minor_into(total, &weights, &mut parts)?;
                    for (tax, part) in own.iter_mut().zip(parts) {
                        tax.amount = part;
                    }
                } else {
                    for tax in own.iter_mut() {
                        tax.amount = mode.round_ratio(tax.numerator, tax.denominator);
                    }
                }
            }
        }
        if self.config.tax_rounding == TaxRounding::PerOrder {
            for rate in 0..rates.rates.len() {
                round_per_order(all, taxes, rate, currency, mode)?;
            }
        }
        Ok(rates.rates)
    }

    /// Turns the priced charges into the breakdown.
    #[expect(
        clippy::too_many_arguments,
        reason = "the priced parts of a breakdown, made by the steps before"
    )]
    fn assemble(
        &self,
        cart: &Cart,
        currency: Currency,
        charges: Vec<Charge<'_>>,
        shipping: Option<Charge<'_>>,
        (taxes, rates): (&[ChargeTax], &[TaxRate]),
        adjustments: &mut SlottedAdjustments,
        promotions: (Vec<AppliedPromotion>, Vec<NotApplied>),
    ) -> Result<PriceBreakdown> {
        let dec = |minor: i128| currency.from_minor(minor, "total");
        let mut totals = Totals {
            taxes,
            rates,
            currency,
            inclusive: cart.prices_include_tax,
            summary: smallvec::smallvec![(0, 0); rates.len()],
            discount: 0,
            tax: 0,
            grand: 0,
        };
        let mut lines = totals.lines(cart, &charges)?;
        let subtotal: i128 = charges.iter().map(|c| c.base).sum();
        // Lines are in the cart's order, so a line's slot is its index; past them is shipping.
        let mut shipping_adjustments = Adjustments::new();
        for (slot, adjustment) in adjustments.drain(..) {
            match lines.get_mut(slot) {
                Some(line) => line.adjustments.push(adjustment),
                None => shipping_adjustments.push(adjustment),
            }
        }
        let shipping_total = shipping.as_ref().map_or(0, |s| s.base);
        let shipping = match (shipping, &cart.shipping) {
            (Some(charge), Some(input)) => {
                Some(totals.shipping(&charge, &input.method, shipping_adjustments)?)
            }
            _ => None,
        };
        let (promotions, not_applied) = promotions;
        Ok(PriceBreakdown {
            currency,
            prices_include_tax: cart.prices_include_tax,
            rounding: self.config.rounding,
            tax_rounding: self.config.tax_rounding,
            lines,
            shipping,
            subtotal: dec(subtotal)?,
            discount_total: dec(totals.discount)?,
            shipping_total: dec(shipping_total)?,
            tax_total: dec(totals.tax)?,
            grand_total: dec(totals.grand)?,
            taxes: totals.summaries()?,
            promotions,
            not_applied,
        })
    }
}

/// A breakdown being assembled: its running totals in minor units, and what every charge's
/// amounts are read from.
struct Totals<'t> {
    taxes: &'t [ChargeTax],
    rates: &'t [TaxRate],
    currency: Currency,
    inclusive: bool,
    /// (base, amount) per rate. On the stack for the usual few rates (one allocation less per
    /// cart).
    summary: SmallVec<[(i128, i128); 8]>,
    discount: i128,
    tax: i128,
    grand: i128,
}

impl Totals<'_> {
    fn dec(&self, minor: i128) -> Result<Decimal> {
        self.currency.from_minor(minor, "total")
    }

    /// Fills the charge's tax lines and counts it in the totals; answers its amounts in minor
    /// units. Large values are written once, where they end up (copies showed up in profiles).
    fn settle(&mut self, charge: &Charge, tax_lines: &mut TaxLines) -> Result<Settled> {
        let discount = charge.base - charge.remaining;
        let own = &self.taxes[charge.taxes.clone()];
        let mut tax = 0i128;
        if !own.is_empty() {
            let base = self.dec(charge.remaining)?;
            for t in own {
                tax += t.amount;
                self.summary[t.rate].0 += charge.remaining;
                self.summary[t.rate].1 += t.amount;
                let rate = &self.rates[t.rate];
                tax_lines.push(TaxLine {
                    rate_id: rate.id.clone(),
                    percentage: rate.percentage,
                    base,
                    exact: exact_minor(t.numerator, t.denominator, self.currency)?,
                    amount: self.dec(t.amount)?,
                    per_unit: UnitSplit::of(t.amount, charge.units, self.currency)?,
                });
            }
        }
        let (net, total) = match self.inclusive {
            true => (charge.remaining - tax, charge.remaining),
            false => (charge.remaining, charge.remaining + tax),
        };
        self.discount += discount;
        self.tax += tax;
        self.grand += total;
        Ok(Settled {
            discount,
            net,
            tax,
            total,
        })
    }

    /// The lines' breakdowns, in the cart's order. Pushed with their cheap fields, then filled
    /// where they lie: tax lines, amounts and splits are written into the vector's line rather
    /// than into a 336-byte stack value moved there afterwards.
    fn lines(&mut self, cart: &Cart, charges: &[Charge<'_>]) -> Result<Vec<LineBreakdown>> {
        let mut lines: Vec<LineBreakdown> = Vec::with_capacity(charges.len());
        lines.extend(charges.iter().map(|charge| LineBreakdown {
            sku: cart.lines[charge.line.unwrap_or(0)].sku.clone(),
            quantity: charge.units,
            unit_price: Decimal::ZERO,
            base: Decimal::ZERO,
            adjustments: Adjustments::new(),
            discount: Decimal::ZERO,
            net: Decimal::ZERO,
            tax_lines: TaxLines::new(),
            tax: Decimal::ZERO,
            total: Decimal::ZERO,
            discount_per_unit: UnitSplit::default(),
        }));
        for (charge, out) in charges.iter().zip(lines.iter_mut()) {
            let settled = self.settle(charge, &mut out.tax_lines)?;
            out.unit_price = self.dec(charge.unit)?;
            out.base = self.dec(charge.base)?;
            out.discount = self.dec(settled.discount)?;
            out.net = self.dec(settled.net)?;
            out.tax = self.dec(settled.tax)?;
            out.total = self.dec(settled.total)?;
            out.discount_per_unit = UnitSplit::of(settled.discount, charge.units, self.currency)?;
        }
        Ok(lines)
    }

    /// The shipping charge's breakdown.
    fn shipping(
        &mut self,
        charge: &Charge<'_>,
        method: &str,
        adjustments: Adjustments,
    ) -> Result<ShippingBreakdown> {
        let mut tax_lines = TaxLines::new();
        let settled = self.settle(charge, &mut tax_lines)?;
        Ok(ShippingBreakdown {
            method: method.into(),
            base: self.dec(charge.base)?,
            adjustments,
            discount: self.dec(settled.discount)?,
            net: self.dec(settled.net)?,
            tax_lines,
            tax: self.dec(settled.tax)?,
            total: self.dec(settled.total)?,
        })
    }

    /// Tax per rate over the whole cart.
    fn summaries(&self) -> Result<Vec<TaxSummary>> {
        let mut summaries = Vec::with_capacity(self.rates.len());
        for (rate, (base, amount)) in self.rates.iter().zip(&self.summary) {
            summaries.push(TaxSummary {
                rate_id: rate.id.clone(),
                name: rate.name.clone(),
                jurisdiction: rate.jurisdiction.clone(),
                percentage: rate.percentage,
                base: self.dec(*base)?,
                amount: self.dec(*amount)?,
            });
        }
        Ok(summaries)
    }
}

/// The tax rates a cart uses, each once, with its percentage × 10^6 (parallel).
#[derive(Default)]
struct RatesUsed {
    rates: Vec<TaxRate>,
    units: SmallVec<[i128; 4]>,
}

impl RatesUsed {
    /// The provider's rates for one class, checked, each added once: answers their indices.
    fn add(&mut self, found: Vec<TaxRate>) -> Result<RateIndices> {
        let mut indices = SmallVec::with_capacity(found.len());
        for (r, rate) in found.into_iter().enumerate() {
            crate::tax::check_percentage(rate.percentage, "")
                .map_err(|e| e.at(|| format!("tax_provider.rates[{r}].percentage")))?;
            let index = match self.rates.iter().position(|known| known.id == rate.id) {
                Some(index) => index,
                None => {
                    self.units.push(percent_units(rate.percentage));
                    self.rates.push(rate);
                    self.rates.len() - 1
                }
            };
            indices.push(index);
        }
        Ok(indices)
    }

    /// The exact tax of `charge` at each of its rates, pushed to `taxes`: net × p / 100, or
    /// gross × p / (100 + Σp). Answers Σp (× 10^6).
    fn tax_line(
        &self,
        charge: &Charge<'_>,
        rate_indices: &RateIndices,
        inclusive: bool,
        taxes: &mut ChargeTaxes,
    ) -> Result<i128> {
        let combined: i128 = rate_indices.iter().map(|r| self.units[*r]).sum();
        let denominator = match inclusive {
            true => PERCENT_DENOMINATOR + combined,
            false => PERCENT_DENOMINATOR,
        };
        for r in rate_indices {
            let numerator = (charge.remaining.checked_mul(self.units[*r]))
                .ok_or_else(|| Error::overflow("tax"))?;
            taxes.push(ChargeTax {
                rate: *r,
                numerator,
                denominator,
                amount: 0,
            });
        }
        Ok(combined)
    }
}

/// Per-order rounding of one rate: Σ numerator_i / denominator_i over the charges taxed at
/// it, exactly (the denominators differ only between inclusive lines of different total
/// rates), rounded once and spread over those charges by their amounts.
fn round_per_order(
    all: &[&mut Charge<'_>],
    taxes: &mut ChargeTaxes,
    rate: usize,
    currency: Currency,
    mode: RoundingMode,
) -> Result<()> {
    let at_rate = |charge: &Charge<'_>| charge.taxes.clone();
    let mut sum = Some((0i128, 1i128));
    let mut weights = Vec::new();
    for charge in all.iter() {
        for tax in taxes[at_rate(charge)].iter().filter(|t| t.rate == rate) {
            sum = sum.and_then(|s| add_ratios(s, (tax.numerator, tax.denominator)));
            weights.push(charge.remaining);
        }
    }
    let total = match sum {
        Some((numerator, denominator)) => mode.round_ratio(numerator, denominator),
        // Too many distinct denominators for i128: sum the 28-digit decimals.
        None => {
            let mut exact = Decimal::ZERO;
            for charge in all.iter() {
                for tax in taxes[at_rate(charge)].iter().filter(|t| t.rate == rate) {
                    let part = exact_minor(tax.numerator, tax.denominator, currency)?;
                    exact = exact
                        .checked_add(part)
                        .ok_or_else(|| Error::overflow("tax"))?;
                }
            }
            currency.to_minor(currency.round(exact, mode), "tax")?
        }
    };
    let mut parts = Parts::new();
    allocate_minor_into(total, &weights, &mut parts)?;
    let mut parts = parts.into_iter();
    for charge in all.iter() {
        for tax in taxes[at_rate(charge)].iter_mut().filter(|t| t.rate == rate) {
            tax.amount = parts.next().unwrap_or(0);
        }
    }
    Ok(())
}

/// The facts of one pricing run that every step reads.
struct Run<'a> {
    cart: &'a Cart,
    context: &'a PricingContext,
    currency: Currency,
    mode: RoundingMode,
    /// The lines' total before discounts.
    subtotal: Decimal,
    /// Units over all lines.
    total_units: u64,
}

/// The cart's shipping as a charge (in minor units), if it has one.
fn shipping_charge(cart: &Cart, currency: Currency) -> Result<Option<Charge<'_>>> {
    let Some(charge) = &cart.shipping else {
        return Ok(None);
    };
    let exact = currency.exact(charge.amount, "shipping.amount")?;
    let base = currency.to_minor(exact, "shipping.amount")?;
    Ok(Some(Charge {
        line: None,
        sku_prefix: 0,
        units: 1,
        unit: base,
        base,
        remaining: base,
        tax_class: &charge.tax_class,
        taxes: 0..0,
    }))
}

/// A promotion's discount on `base` minor units: the exact amount and the rounded one (in
/// minor units), never more than `base`.
fn discount(
    promotion: &Promotion,
    base: i128,
    currency: Currency,
    mode: RoundingMode,
) -> Result<(Decimal, i128)> {
    let overflow = || Error::overflow(format!("promotions[id={}]", promotion.id));
    match &promotion.effect {
        Effect::Percentage { percentage } | Effect::BuyXGetY { percentage, .. } => {
            // base × percentage / 100, exact, rounded once on integers.
            let numerator = base
                .checked_mul(percent_units(*percentage))
                .ok_or_else(overflow)?;
            let exact = Decimal::try_from_i128_with_scale(numerator, currency.minor_units() + 8)
                .map_err(|_| overflow())?;
            Ok((exact, mode.round_ratio(numerator, PERCENT_DENOMINATOR)))
        }
        Effect::FixedAmount { amount } => {
            let amount =
                currency.to_minor(currency.exact(*amount, "effect.amount")?, "effect.amount")?;
            let amount = amount.min(base);
            Ok((currency.from_minor(amount, "effect.amount")?, amount))
        }
    }
}

/// A charge's amounts in minor units.
struct Settled {
    discount: i128,
    net: i128,
    tax: i128,
    total: i128,
}

impl Limits {
    /// Counts of a cart's lines and coupon codes, checked before anything looks at them one by
    /// one (a client's 100,000 codes must not cost a containment check each).
    pub(crate) fn check_cart_size(&self, lines: usize, coupon_codes: usize) -> Result<()> {
        for (count, limit, field) in [
            (lines, self.max_lines, "lines"),
            (coupon_codes, self.max_coupon_codes, "coupon_codes"),
        ] {
            if count > limit {
                return Err(Error::LimitExceeded {
                    field: field.into(),
                    limit: limit as u64,
                });
            }
        }
        Ok(())
    }

    /// A line's units: at least 1 and at most `max_quantity` (errors name `field`).
    pub(crate) fn check_quantity(&self, quantity: i64, field: impl Fn() -> String) -> Result<()> {
        if quantity < 1 {
            return Err(Error::invalid(field(), "must be at least 1"));
        }
        if quantity.unsigned_abs() > self.max_quantity {
            return Err(Error::LimitExceeded {
                field: field(),
                limit: self.max_quantity,
            });
        }
        Ok(())
    }
}

fn check_string(
    value: &str,
    limits: &Limits,
    field: impl Fn() -> String,
    may_be_empty: bool,
) -> Result<()> {
    // A first character that is not white space settles it without scanning the string.
    let blank = || !value.starts_with(|c: char| !c.is_whitespace()) && value.trim().is_empty();
    if !may_be_empty && blank() {
        return Err(Error::invalid(field(), "must not be empty"));
    }
    if value.len() > limits.max_string_len {
        return Err(Error::LimitExceeded {
            field: field(),
            limit: limits.max_string_len as u64,
        });
    }
    Ok(())
}

/// The first 16 bytes of a sku as a number, zero-padded: a strictly smaller prefix means a
/// smaller sku, so sorting on it first settles most comparisons without comparing strings.
fn sku_prefix(sku: &str) -> u128 {
    let bytes = sku.as_bytes();
    if let Some(head) = bytes.first_chunk::<16>() {
        return u128::from_be_bytes(*head);
    }
    // Shorter: in two overlapping 8-byte loads, or byte by byte below 8 bytes (a
    // variable-length copy would call `memcpy`).
    let len = bytes.len();
    if let (Some(head), Some(tail)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        let low = match len {
            8 => 0,
            // `tail` ends with bytes 8..len; the shift drops the bytes `head` already has.
            _ => u64::from_be_bytes(*tail) << (8 * (16 - len)),
        };
        return (u128::from(u64::from_be_bytes(*head)) << 64) | u128::from(low);
    }
    let mut key = 0u128;
    for (i, byte) in bytes.iter().enumerate() {
        key |= u128::from(*byte) << (120 - 8 * i);
    }
    key
}

/// Orders lines by everything that influences their price, so that ties in allocations are
/// broken the same way whatever the cart's line order.
fn canonical_order(lines: &[CartLine], a: &Charge, b: &Charge) -> Ordering {
    let (ia, ib) = (a.line.unwrap_or(0), b.line.unwrap_or(0));
    let (la, lb) = (&lines[ia], &lines[ib]);
    la.sku
        .cmp(&lb.sku)
        .then_with(|| a.base.cmp(&b.base))
        .then_with(|| a.units.cmp(&b.units))
        .then_with(|| la.category.cmp(&lb.category))
        .then_with(|| la.tags.cmp(&lb.tags))
        .then_with(|| la.tax_class.name().cmp(lb.tax_class.name()))
        .then_with(|| la.name.cmp(&lb.name))
        .then_with(|| la.weight.cmp(&lb.weight))
        .then_with(|| ia.cmp(&ib))
}

/// `a + b` for ratios `(numerator, denominator)`, keeping the denominator small when equal.
fn add_ratios(a: (i128, i128), b: (i128, i128)) -> Option<(i128, i128)> {
    if a.1 == b.1 {
        return Some((a.0.checked_add(b.0)?, a.1));
    }
    if a.0 == 0 {
        return Some(b);
    }
    let numerator = a.0.checked_mul(b.1)?.checked_add(b.0.checked_mul(a.1)?)?;
    Some((numerator, a.1.checked_mul(b.1)?))
}

/// `numerator / denominator` minor units as an amount, for explanations: exact when the
/// denominator is a power of ten (tax-exclusive), else to 28 significant digits.
#[inline(always)]
fn exact_minor(numerator: i128, denominator: i128, currency: Currency) -> Result<Decimal> {
    let overflow = || Error::overflow("tax");
    let exact = if denominator == PERCENT_DENOMINATOR {
        // Strip trailing zeros on the integer (cheaper than Decimal::normalize).
        let scale = currency.minor_units() + 8;
        if let Ok(mut digits) = i64::try_from(numerator) {
            let mut scale = scale;
            if digits == 0 {
                return Ok(Decimal::ZERO);
            }
            // Trailing zeros in steps of 8, 4, 2, 1 digits: a few multiplications instead of
            // one division per zero.
            while scale >= 8 && digits % 100_000_000 == 0 {
                digits /= 100_000_000;
                scale -= 8;
            }
            for (step, power) in [(4, 10_000), (2, 100), (1, 10)] {
                if scale >= step && digits % power == 0 {
                    digits /= power;
                    scale -= step;
                }
            }
            let magnitude = digits.unsigned_abs();
            return Ok(Decimal::from_parts(
                magnitude as u32,
                (magnitude >> 32) as u32,
                0,
                digits < 0,
                scale,
            ));
        }
        Decimal::try_from_i128_with_scale(numerator, scale).map_err(|_| overflow())?
    } else {
        let n = Decimal::try_from_i128_with_scale(numerator, currency.minor_units())
            .map_err(|_| overflow())?;
        let d = Decimal::try_from_i128_with_scale(denominator, 0).map_err(|_| overflow())?;
        n.checked_div(d).ok_or_else(overflow)?
    };
    Ok(exact.normalize())
}

/// Turns the weights of buy-x-get-y targets into the value of the units to discount: for every
/// `buy + get` eligible units, the `get` cheapest. A line's units are worth its remaining amount
/// split evenly (the first `remaining mod units` carry one minor unit more); cheaper units are
/// taken first, ties to the line earlier in canonical order.
fn cheapest_units(targets: &mut [(&mut Charge, i128)], buy: u64, get: u64, max: Option<u64>) {
    let eligible: u64 = targets.iter().map(|(c, _)| c.units).sum();
    let mut groups = eligible / (buy + get);
    if let Some(max) = max {
        groups = groups.min(max);
    }
    let mut to_discount = groups.saturating_mul(get);
    // (unit value, target position, how many such units)
    let mut buckets: Vec<(i128, usize, u64)> = Vec::with_capacity(targets.len() * 2);
    for (position, (charge, _)) in targets.iter().enumerate() {
        let (each, richer) = div_floor(charge.remaining, i128::from(charge.units));
        let richer = richer as u64;
        buckets.push((each, position, charge.units - richer));
        if richer > 0 {
            buckets.push((each + 1, position, richer));
        }
    }
    buckets.sort_unstable();
    for (_, weight) in targets.iter_mut() {
        *weight = 0;
    }
    for (value, position, count) in buckets {
        if to_discount == 0 {
            break;
        }
        let take = count.min(to_discount);
        to_discount -= take;
        targets[position].1 += value * i128::from(take);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Sorting on the prefix first must never contradict sorting on the sku: a smaller
        /// prefix means a smaller sku, and a smaller sku never has a larger prefix. Small
        /// alphabets with NUL make shared prefixes and padding look-alikes common.
        #[test]
        fn sku_prefix_orders_like_the_sku(
            a in prop_oneof!["[AB\\x00]{0,20}", "\\PC{0,20}"],
            b in prop_oneof!["[AB\\x00]{0,20}", "\\PC{0,20}"],
        ) {
            let (pa, pb) = (sku_prefix(&a), sku_prefix(&b));
            if pa < pb {
                prop_assert!(a < b, "{a:?} {b:?}");
            }
            if a <= b {
                prop_assert!(pa <= pb, "{a:?} {b:?}");
            }
            if a.len() <= 16 && !a.contains('\0') {
                // Up to 16 bytes without NUL, the prefix is the sku itself.
                let mut padded = a.as_bytes().to_vec();
                padded.resize(16, 0);
                prop_assert_eq!(pa.to_be_bytes().to_vec(), padded);
            }
        }
    }
}
