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

mod breakdown;
mod cart;
mod config;
mod taxes;
mod totals;

pub use breakdown::*;
pub use cart::*;
pub use config::*;
use taxes::*;
use totals::*;

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

    /// The promotion with coupon `code` (case-insensitive), if any.
    pub fn coupon(&self, code: &str) -> Option<&Promotion> {
        self.promotions.by_code(code)
    }

    /// The promotions with usage limits that may apply to `cart`: the engine reads their usage
    /// counters and counts a new use in the same change set, within the limits.
    pub fn limited_promotions(&self, cart: &Cart) -> Vec<&Promotion> {
        self.promotions
            .candidates(cart)
            .promotions
            .into_iter()
            .map(|p| &p.promotion)
            .filter(|p| p.usage_limit.is_some() || p.usage_limit_per_customer.is_some())
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
