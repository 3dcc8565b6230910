//! The answer: a breakdown that explains every number (lines, adjustments, tax lines, totals).

use super::*;

/// The priced cart: every number, and what made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
