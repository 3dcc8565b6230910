//! What billing one period of a subscription charges: the plan for the period — by the second
//! for a calendar schedule's shortened first period — and, with the first paid period, the
//! plan's setup fee.

use rust_decimal::Decimal;

use super::invoice::{InvoiceItem, LineKind};
use super::period::Period;
use super::plan::{Plan, PricingModel};
use super::proration::prorate;
use crate::error::Result;
use crate::money::{Currency, RoundingMode};

/// The items of `period` for `quantity` seats of `plan`; `first` adds the setup fee. A per-seat
/// plan bills one line of `quantity` units at the per-seat amount, a flat plan one unit at its
/// amount. A shortened first period's unit amount is the whole one's × its seconds / the whole
/// calendar period's, rounded once with `mode` (the proration rule of `docs/billing.md`).
pub fn period_items(
    plan: &Plan,
    quantity: u32,
    period: &Period,
    first: bool,
    currency: &Currency,
    mode: RoundingMode,
) -> Result<Vec<InvoiceItem>> {
    let whole = plan.period_amount(1, currency)?;
    let unit_amount = match period.is_whole() {
        true => whole,
        false => prorate(Decimal::ZERO, whole, period, period.start, currency, mode)?.charge,
    };
    let mut items = vec![InvoiceItem {
        kind: LineKind::Period,
        description: plan.name.clone(),
        unit_amount,
        quantity: match plan.pricing {
            PricingModel::PerSeat => quantity,
            PricingModel::Flat => 1,
        },
        tax_class: plan.tax_class.clone(),
        period: Some(*period),
    }];
    if first && !plan.setup_fee.is_zero() {
        items.push(InvoiceItem {
            kind: LineKind::SetupFee,
            description: format!("Setup fee: {}", plan.name),
            unit_amount: currency.exact(plan.setup_fee, "setup_fee")?,
            quantity: 1,
            tax_class: plan.tax_class.clone(),
            period: None,
        });
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::billing::{BillingMode, Interval, IntervalUnit, Schedule};
    use crate::money::CurrencyRegistry;

    fn plan(pricing: &str) -> Plan {
        serde_json::from_value(serde_json::json!({
            "id": "team", "name": "Team", "currency": "USD", "amount": "31.00",
            "interval": {"unit": "month", "count": 1}, "pricing": pricing, "setup_fee": "5.00"
        }))
        .unwrap()
    }

    fn schedule(mode: BillingMode, day: u32) -> Schedule {
        Schedule {
            start: Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0).unwrap(),
            interval: Interval::new(IntervalUnit::Month, 1).unwrap(),
            mode,
        }
    }

    #[test]
    fn a_whole_period_bills_the_seats_and_the_first_the_setup_fee() {
        let usd = CurrencyRegistry::new().resolve("USD", "currency").unwrap();
        let period = schedule(BillingMode::Anniversary, 10).period(0).unwrap();
        let items = period_items(
            &plan("per_seat"),
            3,
            &period,
            true,
            &usd,
            RoundingMode::HalfUp,
        );
        let items = items.unwrap();
        let lines: Vec<(LineKind, String, u32)> = (items.iter())
            .map(|item| (item.kind, item.unit_amount.to_string(), item.quantity))
            .collect();
        assert_eq!(
            lines,
            [
                (LineKind::Period, "31.00".into(), 3),
                (LineKind::SetupFee, "5.00".into(), 1)
            ]
        );
        let flat = period_items(&plan("flat"), 3, &period, false, &usd, RoundingMode::HalfUp);
        let flat = flat.unwrap();
        assert_eq!(
            (flat.len(), flat[0].quantity),
            (1, 1),
            "no setup fee after the first"
        );
    }

    #[test]
    fn a_shortened_first_calendar_period_bills_its_share_by_the_second() {
        // Jan 10 to Feb 1 is 22 of January's 31 days: 31.00 × 22 / 31 = 22.00.
        let usd = CurrencyRegistry::new().resolve("USD", "currency").unwrap();
        let period = schedule(BillingMode::Calendar, 10).period(0).unwrap();
        let items = period_items(&plan("flat"), 1, &period, false, &usd, RoundingMode::HalfUp);
        assert_eq!(items.unwrap()[0].unit_amount.to_string(), "22.00");
    }
}
