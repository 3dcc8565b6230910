//! Assembling a breakdown: each charge settled into its lines and the order's running totals.

use super::*;

/// A breakdown being assembled: its running totals in minor units, and what every charge's
/// amounts are read from.
pub(super) struct Totals<'t> {
    pub(super) taxes: &'t [ChargeTax],
    pub(super) rates: &'t [TaxRate],
    pub(super) currency: Currency,
    pub(super) inclusive: bool,
    /// (base, amount) per rate. On the stack for the usual few rates (one allocation less per
    /// cart).
    pub(super) summary: SmallVec<[(i128, i128); 8]>,
    pub(super) discount: i128,
    pub(super) tax: i128,
    pub(super) grand: i128,
}

impl Totals<'_> {
    #[inline]
    pub(super) fn dec(&self, minor: i128) -> Result<Decimal> {
        self.currency.from_minor(minor, "total")
    }

    /// Fills the charge's tax lines and counts it in the totals; answers its amounts in minor
    /// units. Large values are written once, where they end up (copies showed up in profiles).
    #[inline]
    pub(super) fn settle(&mut self, charge: &Charge, tax_lines: &mut TaxLines) -> Result<Settled> {
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
    pub(super) fn lines(
        &mut self,
        cart: &Cart,
        charges: &[Charge<'_>],
    ) -> Result<Vec<LineBreakdown>> {
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
    pub(super) fn shipping(
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
    pub(super) fn summaries(&self) -> Result<Vec<TaxSummary>> {
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

/// A charge's amounts in minor units.
pub(super) struct Settled {
    pub(super) discount: i128,
    pub(super) net: i128,
    pub(super) tax: i128,
    pub(super) total: i128,
}
