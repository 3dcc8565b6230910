//! Properties of billing periods and prorations over random schedules: periods follow each other
//! with no gap or overlap, every instant has exactly one period, a monthly anchor's day comes
//! back after short months, and a proration's credit and charge add up to its net exactly.

use chrono::{DateTime, Datelike, Duration, Utc};
use ordercore::Decimal;
use ordercore::billing::{BillingMode, Interval, IntervalUnit, Schedule, prorate};
use ordercore::money::{CurrencyRegistry, RoundingMode};
use proptest::prelude::*;

fn unit() -> impl Strategy<Value = IntervalUnit> {
    prop_oneof![
        Just(IntervalUnit::Day),
        Just(IntervalUnit::Week),
        Just(IntervalUnit::Month),
        Just(IntervalUnit::Year),
    ]
}

fn schedule() -> impl Strategy<Value = Schedule> {
    // Starts between 2000 and 2099, to the second.
    (
        946_684_800i64..4_102_444_800,
        unit(),
        1u32..=3,
        prop::bool::ANY,
    )
        .prop_map(|(seconds, unit, count, calendar)| Schedule {
            start: DateTime::<Utc>::from_timestamp(seconds, 0).unwrap(),
            interval: Interval::new(unit, count).unwrap(),
            mode: if calendar {
                BillingMode::Calendar
            } else {
                BillingMode::Anniversary
            },
        })
}

fn days_in_month(at: DateTime<Utc>) -> u32 {
    let (year, month) = (at.year(), at.month());
    let next = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let first_of_next = chrono::NaiveDate::from_ymd_opt(next.0, next.1, 1).unwrap();
    first_of_next.pred_opt().unwrap().day()
}

proptest! {
    #[test]
    fn periods_are_contiguous_and_every_instant_has_one(schedule in schedule(), offset in 0i64..200_000_000) {
        let mut previous = schedule.period(0).unwrap();
        prop_assert_eq!(previous.start, schedule.start);
        for index in 1..30 {
            let period = schedule.period(index).unwrap();
            prop_assert_eq!(previous.end, period.start, "gap or overlap before period {}", index);
            prop_assert!(period.start < period.end);
            prop_assert!(period.is_whole());
            previous = period;
        }
        let at = schedule.start + Duration::seconds(offset);
        let period = schedule.period_at(at).unwrap();
        prop_assert!(period.start <= at && at < period.end);
        prop_assert_eq!(schedule.period(period.index).unwrap(), period);
    }

    #[test]
    fn a_monthly_anchor_comes_back_after_short_months(seconds in 946_684_800i64..4_102_444_800, count in 1u32..=12) {
        let start = DateTime::<Utc>::from_timestamp(seconds, 0).unwrap();
        let schedule = Schedule { start, interval: Interval::new(IntervalUnit::Month, count).unwrap(), mode: BillingMode::Anniversary };
        for index in 0..40 {
            let period = schedule.period(index).unwrap();
            prop_assert_eq!(period.start.day(), start.day().min(days_in_month(period.start)));
            prop_assert_eq!(period.start.time(), start.time());
        }
    }

    #[test]
    fn credit_and_charge_add_up_to_the_net_to_the_minor_unit(
        schedule in schedule(),
        index in 0u32..24,
        into in 0.0f64..1.0,
        old in 0i64..10_000_000,
        new in 0i64..10_000_000,
        even in prop::bool::ANY,
    ) {
        let period = schedule.period(index).unwrap();
        // `into` only picks an instant of the period (no money is a float here).
        let at = period.start + Duration::seconds((period.seconds() as f64 * into) as i64);
        let currency = CurrencyRegistry::new().get("USD").unwrap();
        let mode = if even { RoundingMode::HalfEven } else { RoundingMode::HalfUp };
        let (old, new) = (Decimal::new(old, 2), Decimal::new(new, 2));
        let p = prorate(old, new, &period, at, &currency, mode).unwrap();
        prop_assert_eq!(p.credit + p.charge, p.net);
        prop_assert!(p.credit <= Decimal::ZERO);
        let exact_charge = new * Decimal::from(p.remaining_seconds) / Decimal::from(p.period_seconds);
        prop_assert!((p.charge - exact_charge).abs() <= Decimal::new(1, 2), "charge {} vs exact {}", p.charge, exact_charge);
        if old == new {
            prop_assert_eq!(p.net, Decimal::ZERO);
        }
    }
}
