//! What a pricer is configured with: the currencies, rounding, tax rounding and input limits.

use super::*;

/// Whether tax is rounded per line and rate, or once per rate on the whole order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    #[inline]
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

#[inline]
pub(super) fn check_string(
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
