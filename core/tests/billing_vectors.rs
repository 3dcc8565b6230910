//! The billing vectors (`tests/vectors/billing/`, expected values from the independent Python
//! reference beside them): period boundaries across month ends and leap years, calendar
//! schedules, and prorations in four currencies.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use ordercore::Decimal;
use ordercore::billing::{BillingMode, Interval, IntervalUnit, Schedule, prorate};
use ordercore::money::{CurrencyRegistry, RoundingMode};
use serde::Deserialize;

#[derive(Deserialize)]
struct ScheduleCase {
    start: DateTime<Utc>,
    unit: IntervalUnit,
    count: u32,
    mode: BillingMode,
}

impl ScheduleCase {
    fn schedule(&self) -> Schedule {
        Schedule {
            start: self.start,
            interval: Interval::new(self.unit, self.count).expect("a valid interval"),
            mode: self.mode,
        }
    }
}

#[derive(Deserialize)]
struct PeriodsCase {
    name: String,
    #[serde(flatten)]
    schedule: ScheduleCase,
    periods: Vec<ExpectedPeriod>,
}

#[derive(Deserialize)]
struct ExpectedPeriod {
    index: u32,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    full_seconds: i64,
}

#[derive(Deserialize)]
struct ProrationCase {
    name: String,
    schedule: ScheduleCase,
    period: u32,
    at: DateTime<Utc>,
    old: Decimal,
    new: Decimal,
    currency: String,
    rounding: RoundingMode,
    expected: ExpectedProration,
}

#[derive(Deserialize)]
struct ExpectedProration {
    credit: Decimal,
    charge: Decimal,
    net: Decimal,
    remaining_seconds: i64,
    period_seconds: i64,
}

fn read<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/billing")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("the billing vectors");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn periods_land_where_the_reference_puts_them_and_follow_each_other() {
    let cases: Vec<PeriodsCase> = read("periods.json");
    assert!(cases.len() >= 10);
    for case in &cases {
        let schedule = case.schedule.schedule();
        for want in &case.periods {
            let got = schedule.period(want.index).unwrap();
            let name = format!("{} period {}", case.name, want.index);
            assert_eq!(
                (got.start, got.end, got.full_seconds),
                (want.start, want.end, want.full_seconds),
                "{name}"
            );
            assert_eq!(
                schedule.period_at(got.start).unwrap(),
                got,
                "{name}: its first instant"
            );
            assert_eq!(
                schedule.period_at(got.end - Duration::seconds(1)).unwrap(),
                got,
                "{name}: its last second"
            );
        }
        for pair in case.periods.windows(2) {
            assert_eq!(pair[0].end, pair[1].start, "{}: contiguous", case.name);
        }
    }
}

#[test]
fn prorations_match_the_reference_to_the_minor_unit() {
    let cases: Vec<ProrationCase> = read("prorations.json");
    assert!(cases.len() >= 10);
    let currencies = CurrencyRegistry::new();
    for case in &cases {
        let schedule = case.schedule.schedule();
        let period = schedule.period(case.period).unwrap();
        let currency = currencies.get(&case.currency).unwrap();
        let got = prorate(
            case.old,
            case.new,
            &period,
            case.at,
            &currency,
            case.rounding,
        )
        .unwrap();
        let want = &case.expected;
        assert_eq!(
            (
                got.credit,
                got.charge,
                got.net,
                got.remaining_seconds,
                got.period_seconds
            ),
            (
                want.credit,
                want.charge,
                want.net,
                want.remaining_seconds,
                want.period_seconds
            ),
            "{}",
            case.name
        );
        assert_eq!(
            got.credit + got.charge,
            got.net,
            "{}: credit + charge = net",
            case.name
        );
    }
}
