//! Tax over the charges: the rates a cart uses, each charge's exact tax, per-order rounding.

use super::*;

/// The tax rates a cart uses, each once, with its percentage × 10^6 (parallel).
#[derive(Default)]
pub(super) struct RatesUsed {
    pub(super) rates: Vec<TaxRate>,
    pub(super) units: SmallVec<[i128; 4]>,
}

impl RatesUsed {
    /// The provider's rates for one class, checked, each added once: answers their indices.
    pub(super) fn add(&mut self, found: Vec<TaxRate>) -> Result<RateIndices> {
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
    #[inline]
    pub(super) fn tax_line(
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
pub(super) fn round_per_order(
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

/// `a + b` for ratios `(numerator, denominator)`, keeping the denominator small when equal.
#[inline]
pub(super) fn add_ratios(a: (i128, i128), b: (i128, i128)) -> Option<(i128, i128)> {
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
pub(super) fn exact_minor(
    numerator: i128,
    denominator: i128,
    currency: Currency,
) -> Result<Decimal> {
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
