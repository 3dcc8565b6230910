//! Plans (tariffs): what a subscription pays per period. A plan is versioned: changing its price
//! makes a new version, and a subscription keeps the version it was moved to, so a price change
//! reaches existing subscribers only when they are moved (see `docs/billing.md`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use super::interval::Interval;
use crate::error::{Error, Result};
use crate::money::{Currency, CurrencyRegistry, amount_serde};
use crate::tax::TaxClass;

/// How a plan's amount scales with the subscription's quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PricingModel {
    /// One amount per period, whatever the quantity.
    #[default]
    Flat,
    /// The amount per seat per period, times the quantity.
    PerSeat,
}

/// Whether a plan is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// New subscriptions may choose it.
    #[default]
    Active,
    /// Kept for its subscribers; no new subscription may choose it.
    Archived,
}

/// One version of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The plan's id (the same for all its versions).
    pub id: SmolStr,
    /// The version, from 1; a new price is a new version.
    #[serde(default = "first")]
    pub version: u32,
    /// Display name.
    pub name: String,
    /// ISO-4217 currency of its amounts.
    pub currency: SmolStr,
    /// What one period costs (per seat for `per_seat` plans), at the currency's scale.
    #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
    #[serde(with = "amount_serde")]
    pub amount: Decimal,
    /// How long a period is.
    pub interval: Interval,
    /// Flat or per seat.
    #[serde(default)]
    pub pricing: PricingModel,
    /// Charged once, on the first invoice.
    #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
    #[serde(default, with = "amount_serde")]
    pub setup_fee: Decimal,
    /// Free days before the first paid period.
    #[serde(default)]
    pub trial_days: u32,
    /// The tax class of its invoice lines.
    #[serde(default)]
    pub tax_class: TaxClass,
    /// Offered, or kept only for its subscribers.
    #[serde(default)]
    pub status: PlanStatus,
}

fn first() -> u32 {
    1
}

/// The longest trial, in days (two years).
pub const MAX_TRIAL_DAYS: u32 = 730;

impl Plan {
    /// Checks the plan: an id and a name, a known currency, amounts not negative and at the
    /// currency's scale, a version from 1, a trial of at most two years. Errors name the field.
    pub fn validate(&self, currencies: &CurrencyRegistry) -> Result<Currency> {
        if self.id.trim().is_empty() {
            return Err(Error::invalid("id", "must not be empty"));
        }
        if self.name.trim().is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        if self.version == 0 {
            return Err(Error::invalid("version", "versions count from 1"));
        }
        let currency = currencies.resolve(&self.currency, "currency")?;
        for (amount, field) in [(self.amount, "amount"), (self.setup_fee, "setup_fee")] {
            if amount.is_sign_negative() && !amount.is_zero() {
                return Err(Error::invalid(field, "must not be negative"));
            }
            currency.exact(amount, field)?;
        }
        Interval::new(self.interval.unit, self.interval.count)?;
        if self.trial_days > MAX_TRIAL_DAYS {
            return Err(Error::invalid(
                "trial_days",
                format!("at most {MAX_TRIAL_DAYS} days"),
            ));
        }
        Ok(currency)
    }

    /// The plan checked ([`validate`](Self::validate)) with its amounts at the currency's full
    /// scale (`5` → `5.00`), as it is stored and shown.
    pub fn checked(mut self, currencies: &CurrencyRegistry) -> Result<Plan> {
        let currency = self.validate(currencies)?;
        self.amount = currency.exact(self.amount, "amount")?;
        self.setup_fee = currency.exact(self.setup_fee, "setup_fee")?;
        Ok(self)
    }

    /// What one whole period costs for `quantity` seats (the amount itself for flat plans).
    pub fn period_amount(&self, quantity: u32, currency: &Currency) -> Result<Decimal> {
        let amount = match self.pricing {
            PricingModel::Flat => self.amount,
            PricingModel::PerSeat => self
                .amount
                .checked_mul(Decimal::from(quantity))
                .ok_or_else(|| Error::overflow("quantity"))?,
        };
        currency.exact(amount, "amount")
    }

    /// The next version of this plan at a new amount: the same plan otherwise, version + 1.
    pub fn repriced(&self, amount: Decimal) -> Result<Plan> {
        let version = (self.version.checked_add(1))
            .ok_or_else(|| Error::invalid("version", "no version after the last one"))?;
        Ok(Plan {
            version,
            amount,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::IntervalUnit;

    fn plan() -> Plan {
        serde_json::from_value(serde_json::json!({
            "id": "team", "name": "Team", "currency": "USD", "amount": "12.00",
            "interval": {"unit": "month", "count": 1}, "pricing": "per_seat", "trial_days": 14
        }))
        .unwrap()
    }

    #[test]
    fn a_plan_reads_with_its_defaults_and_checks_its_fields() {
        let plan = plan();
        let currencies = CurrencyRegistry::new();
        let usd = plan.validate(&currencies).unwrap();
        assert_eq!(
            (plan.version, plan.setup_fee, plan.status),
            (1, Decimal::ZERO, PlanStatus::Active)
        );
        assert_eq!(plan.period_amount(5, &usd).unwrap().to_string(), "60.00");
        let cases = [
            (
                Plan {
                    amount: Decimal::new(-1, 0),
                    ..plan.clone()
                },
                "amount",
            ),
            (
                Plan {
                    amount: Decimal::new(1001, 3),
                    ..plan.clone()
                },
                "amount",
            ),
            (
                Plan {
                    currency: "XXX".into(),
                    ..plan.clone()
                },
                "currency",
            ),
            (
                Plan {
                    trial_days: 731,
                    ..plan.clone()
                },
                "trial_days",
            ),
            (
                Plan {
                    name: " ".into(),
                    ..plan.clone()
                },
                "name",
            ),
            (
                Plan {
                    interval: Interval {
                        unit: IntervalUnit::Year,
                        count: 4,
                    },
                    ..plan.clone()
                },
                "interval.count",
            ),
        ];
        for (bad, field) in cases {
            assert_eq!(bad.validate(&currencies).unwrap_err().field(), Some(field));
        }
    }

    #[test]
    fn a_float_amount_is_refused() {
        let float = serde_json::json!({
            "id": "p", "name": "P", "currency": "USD", "amount": 9.99,
            "interval": {"unit": "month", "count": 1}
        });
        assert!(serde_json::from_value::<Plan>(float).is_err());
    }

    #[test]
    fn a_new_price_is_a_new_version() {
        let plan = plan();
        let next = plan.repriced(Decimal::new(1500, 2)).unwrap();
        assert_eq!(
            (next.id.as_str(), next.version, next.amount),
            ("team", 2, Decimal::new(1500, 2))
        );
        assert_eq!(plan.version, 1, "the old version stays as it was");
    }
}
