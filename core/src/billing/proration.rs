//! Proration: what a change in the middle of a period is worth, by the second.
//!
//! The unused time is credited at the **old** amount and the remaining time charged at the
//! **new** one. The net difference is computed once, exactly, and rounded once; the credit is
//! rounded on its own; the charge is the net minus the credit — so credit + charge is the
//! one-step net to the minor unit, and the charge is within one minor unit of its own exact value.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::period::Period;
use crate::error::{Error, Result};
use crate::money::{Currency, RoundingMode};

/// What a mid-period change from one amount per period to another is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Proration {
    /// The unused time at the old amount, as a credit (zero or negative).
    pub credit: Decimal,
    /// The remaining time at the new amount (zero or positive, but for a credit's rounding).
    pub charge: Decimal,
    /// `credit + charge`: the difference for the rest of the period, rounded once.
    pub net: Decimal,
    /// Seconds from the change to the period's end.
    pub remaining_seconds: i64,
    /// Seconds of a whole period (what the amounts are per).
    pub period_seconds: i64,
}

/// Prorates a change at `at` within `period` from `old` to `new` (amounts per whole period, in
/// `currency`, at most its minor units), rounding with `mode`.
pub fn prorate(
    old: Decimal,
    new: Decimal,
    period: &Period,
    at: DateTime<Utc>,
    currency: &Currency,
    mode: RoundingMode,
) -> Result<Proration> {
    if at < period.start || at >= period.end {
        return Err(Error::invalid("at", "not within the period"));
    }
    let old_minor = currency.to_minor(currency.exact(old, "old")?, "old")?;
    let new_minor = currency.to_minor(currency.exact(new, "new")?, "new")?;
    let remaining = i128::from((period.end - at).num_seconds());
    let whole = i128::from(period.full_seconds);
    let share = |minor: i128, field: &str| -> Result<i128> {
        let scaled = minor
            .checked_mul(remaining)
            .ok_or_else(|| Error::AmountOverflow {
                field: field.into(),
            })?;
        Ok(mode.round_ratio(scaled, whole))
    };
    let net = share(new_minor - old_minor, "new")?;
    let credit = -share(old_minor, "old")?;
    Ok(Proration {
        credit: currency.from_minor(credit, "credit")?,
        charge: currency.from_minor(net - credit, "charge")?,
        net: currency.from_minor(net, "net")?,
        remaining_seconds: (period.end - at).num_seconds(),
        period_seconds: period.full_seconds,
    })
}
