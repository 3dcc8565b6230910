//! Billing periods: half-open `[start, end)` UTC intervals, contiguous (each starts where the one
//! before ends), laid out from an anchor.
//!
//! - **Anniversary** billing anchors on the subscription's start: period `k` runs from `k` to
//!   `k + 1` intervals after it, each boundary computed from the anchor (`Interval::after`), so a
//!   start on Jan 31 renews Feb 28 (29 in leap years), Mar 31, Apr 30, … — never the 28th for
//!   ever after February.
//! - **Calendar** billing anchors on the first calendar boundary after the start (midnight UTC for
//!   days, Monday for weeks, the 1st of the month, January 1st for years); period 0 is the part
//!   of a period from the start to that boundary (prorated), unless the start is a boundary.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::interval::{Interval, IntervalUnit};
use crate::error::{Error, Result};

/// Where a subscription's periods are anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BillingMode {
    /// On the subscription's start.
    #[default]
    Anniversary,
    /// On calendar boundaries (the 1st of the month, …), with a prorated first period.
    Calendar,
}

/// One billing period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Period {
    /// 0 for the first period, then 1, 2, …
    pub index: u32,
    /// The first instant of the period.
    pub start: DateTime<Utc>,
    /// The first instant after it (the next period's start).
    pub end: DateTime<Utc>,
    /// The length of a whole period at this place: `end - start`, except for a calendar
    /// schedule's prorated first period, where it is the whole calendar period that contains it.
    pub full_seconds: i64,
}

impl Period {
    /// The period's length in seconds.
    pub fn seconds(&self) -> i64 {
        (self.end - self.start).num_seconds()
    }

    /// Whether the period is a whole one (not a calendar schedule's shortened first period).
    pub fn is_whole(&self) -> bool {
        self.seconds() == self.full_seconds
    }
}

/// A subscription's periods: where they start, how long they are, how they are anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Schedule {
    /// When billing starts (the first period's start).
    pub start: DateTime<Utc>,
    /// How long a period is.
    pub interval: Interval,
    /// How periods are anchored.
    pub mode: BillingMode,
}

impl Schedule {
    /// The anchor periods are counted from, and whether period 0 is a shortened calendar one
    /// (from `start` to the anchor).
    fn anchor(&self) -> Result<(DateTime<Utc>, bool)> {
        if self.mode == BillingMode::Anniversary {
            return Ok((self.start, false));
        }
        let boundary = calendar_boundary(self.start, self.interval.unit)?;
        Ok((boundary, boundary != self.start))
    }

    /// Period `index`.
    pub fn period(&self, index: u32) -> Result<Period> {
        let (anchor, shortened_first) = self.anchor()?;
        if shortened_first {
            if index == 0 {
                let whole_start = self.interval.before(anchor, 1)?;
                return Ok(Period {
                    index,
                    start: self.start,
                    end: anchor,
                    full_seconds: (anchor - whole_start).num_seconds(),
                });
            }
            return self.whole(anchor, index - 1, index);
        }
        self.whole(anchor, index, index)
    }

    /// The `k`-th whole period after `anchor`, numbered `index`.
    fn whole(&self, anchor: DateTime<Utc>, k: u32, index: u32) -> Result<Period> {
        let start = self.interval.after(anchor, k)?;
        let end = self
            .interval
            .after(anchor, k.checked_add(1).ok_or_else(too_far)?)?;
        Ok(Period {
            index,
            start,
            end,
            full_seconds: (end - start).num_seconds(),
        })
    }

    /// The period containing `at`; `invalid_input` when `at` is before the schedule's start.
    pub fn period_at(&self, at: DateTime<Utc>) -> Result<Period> {
        if at < self.start {
            return Err(Error::invalid("at", "before the schedule's start"));
        }
        let mut index = self.interval.estimate(self.start, at);
        // The estimate is at most one interval off: step to the period that holds `at`.
        loop {
            let period = self.period(index)?;
            if at < period.start && index > 0 {
                index -= 1;
            } else if at >= period.end {
                index = index.checked_add(1).ok_or_else(too_far)?;
            } else {
                return Ok(period);
            }
        }
    }
}

fn too_far() -> Error {
    Error::invalid("period", "beyond the last period a schedule can count")
}

/// The first calendar boundary at or after `at`: midnight for days, Monday midnight for weeks,
/// the 1st of a month, January 1st for years (all UTC).
fn calendar_boundary(at: DateTime<Utc>, unit: IntervalUnit) -> Result<DateTime<Utc>> {
    let day = at.date_naive();
    let on_boundary_day = match unit {
        IntervalUnit::Day => day,
        IntervalUnit::Week => {
            let back = u64::from(day.weekday().num_days_from_monday());
            day.checked_sub_days(Days::new(back)).ok_or_else(too_far)?
        }
        IntervalUnit::Month => {
            NaiveDate::from_ymd_opt(day.year(), day.month(), 1).ok_or_else(too_far)?
        }
        IntervalUnit::Year => NaiveDate::from_ymd_opt(day.year(), 1, 1).ok_or_else(too_far)?,
    };
    let boundary = on_boundary_day.and_time(NaiveTime::MIN).and_utc();
    if boundary == at {
        return Ok(at);
    }
    Interval::new(unit, 1)?.after(boundary, 1)
}
