//! How often a plan bills: a unit (day, week, month, year) times a count, and the boundaries it
//! makes from an anchor.

use chrono::{DateTime, Days, Months, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The unit of a billing interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum IntervalUnit {
    /// 24 hours (UTC has no daylight saving).
    Day,
    /// 7 days.
    Week,
    /// A calendar month: the same day of the month, or the month's last day when it is shorter.
    Month,
    /// Twelve calendar months.
    Year,
}

/// A billing interval: `count` units (every 3 months, every 2 weeks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Interval {
    /// The unit.
    pub unit: IntervalUnit,
    /// How many units (at least 1; at most three years in all).
    pub count: u32,
}

impl Interval {
    /// `count` units; `invalid_input` naming `interval.count` when it is 0 or the interval is
    /// longer than three years (as Stripe limits it: longer intervals are rather contracts).
    pub fn new(unit: IntervalUnit, count: u32) -> Result<Self> {
        let most = match unit {
            IntervalUnit::Day => 3 * 366,
            IntervalUnit::Week => 3 * 52,
            IntervalUnit::Month => 36,
            IntervalUnit::Year => 3,
        };
        if count == 0 || count > most {
            return Err(Error::invalid(
                "interval.count",
                format!("must be between 1 and {most} for {unit:?} intervals"),
            ));
        }
        Ok(Interval { unit, count })
    }

    /// The boundary `k` intervals after `anchor`, computed from the anchor itself (never from the
    /// previous boundary): a month or year lands on the anchor's day of the month, or on the
    /// month's last day when the month is shorter, so an anchor on the 31st gives Feb 28 (29 in
    /// a leap year), then Mar 31 again. The time of day is the anchor's.
    pub fn after(&self, anchor: DateTime<Utc>, k: u32) -> Result<DateTime<Utc>> {
        let steps = u64::from(self.count) * u64::from(k);
        let boundary = match self.unit {
            IntervalUnit::Day => anchor.checked_add_days(Days::new(steps)),
            IntervalUnit::Week => anchor.checked_add_days(Days::new(steps * 7)),
            IntervalUnit::Month => months(steps).and_then(|m| anchor.checked_add_months(m)),
            IntervalUnit::Year => months(steps * 12).and_then(|m| anchor.checked_add_months(m)),
        };
        boundary.ok_or_else(|| Error::invalid("interval", "the period ends past the year 262143"))
    }

    /// The boundary `k` intervals before `anchor`, by the same rule.
    pub fn before(&self, anchor: DateTime<Utc>, k: u32) -> Result<DateTime<Utc>> {
        let steps = u64::from(self.count) * u64::from(k);
        let boundary = match self.unit {
            IntervalUnit::Day => anchor.checked_sub_days(Days::new(steps)),
            IntervalUnit::Week => anchor.checked_sub_days(Days::new(steps * 7)),
            IntervalUnit::Month => months(steps).and_then(|m| anchor.checked_sub_months(m)),
            IntervalUnit::Year => months(steps * 12).and_then(|m| anchor.checked_sub_months(m)),
        };
        boundary.ok_or_else(|| Error::invalid("interval", "the period starts before year 1"))
    }

    /// Roughly how many whole intervals fit between `from` and `to` (a first guess for a search;
    /// may be one off either way for months and years).
    pub(crate) fn estimate(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let seconds = (to - from).num_seconds().max(0);
        // A Gregorian month and year on average: 30.436875 and 365.2425 days.
        let unit_seconds: i64 = match self.unit {
            IntervalUnit::Day => 86_400,
            IntervalUnit::Week => 7 * 86_400,
            IntervalUnit::Month => 2_629_746,
            IntervalUnit::Year => 31_556_952,
        };
        u32::try_from(seconds / (unit_seconds * i64::from(self.count))).unwrap_or(u32::MAX)
    }
}

fn months(count: u64) -> Option<Months> {
    u32::try_from(count).ok().map(Months::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_is_between_one_unit_and_three_years() {
        for (unit, count) in [
            (IntervalUnit::Month, 0),
            (IntervalUnit::Month, 37),
            (IntervalUnit::Year, 4),
        ] {
            let error = Interval::new(unit, count).unwrap_err();
            assert_eq!(
                (error.code(), error.field()),
                ("invalid_input", Some("interval.count"))
            );
        }
        assert!(Interval::new(IntervalUnit::Week, 156).is_ok());
    }

    #[test]
    fn boundaries_count_from_the_anchor_not_from_the_previous_boundary() {
        let anchor: DateTime<Utc> = "2025-01-31T09:00:00Z".parse().unwrap();
        let monthly = Interval::new(IntervalUnit::Month, 1).unwrap();
        let days: Vec<String> = (0..4)
            .map(|k| {
                monthly
                    .after(anchor, k)
                    .unwrap()
                    .format("%m-%d")
                    .to_string()
            })
            .collect();
        assert_eq!(days, ["01-31", "02-28", "03-31", "04-30"]);
        let march: DateTime<Utc> = "2025-03-31T09:00:00Z".parse().unwrap();
        assert_eq!(
            monthly
                .before(march, 1)
                .unwrap()
                .format("%m-%d")
                .to_string(),
            "02-28"
        );
    }
}
