//! Time comes in through [`Clock`]; the engine never reads a global clock by itself.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Tells the engine what time it is.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock: the default for hosts that do not inject their own.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        DateTime::<Utc>::UNIX_EPOCH
            + Duration::seconds(elapsed.as_secs() as i64)
            + Duration::nanoseconds(i64::from(elapsed.subsec_nanos()))
    }
}

/// The [`Stopwatch`](crate::engine::Stopwatch) of the process's monotonic clock, for hosts that
/// want durations in the engine's records (the engine never makes one itself).
#[derive(Debug, Clone, Copy)]
pub struct MonotonicStopwatch {
    origin: std::time::Instant,
}

impl MonotonicStopwatch {
    /// A stopwatch counting from now.
    pub fn new() -> Self {
        MonotonicStopwatch {
            origin: std::time::Instant::now(),
        }
    }
}

impl Default for MonotonicStopwatch {
    fn default() -> Self {
        Self::new()
    }
}

impl crate::engine::Stopwatch for MonotonicStopwatch {
    fn micros(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// A clock that stands still until told to move: deterministic tests and simulations.
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<DateTime<Utc>>,
}

impl FixedClock {
    /// A clock stopped at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        FixedClock {
            now: Mutex::new(now),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }

    /// Moves the time forward by `by` (stopping at the calendar's ends rather than panicking).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now = now
            .checked_add_signed(by)
            .unwrap_or(if by > Duration::zero() {
                DateTime::<Utc>::MAX_UTC
            } else {
                DateTime::<Utc>::MIN_UTC
            });
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Reads an instant as chrono's serde does (RFC 3339, relaxed), trying the strict RFC 3339
/// parser first: it reads the usual `2026-06-01T12:00:00Z` in a tenth of the time of the
/// relaxed one, which is then only asked about what the strict one refuses.
pub(crate) mod rfc3339 {
    use chrono::{DateTime, FixedOffset, Utc};
    use serde::de::{self, Deserializer, Visitor};

    struct InstantVisitor;

    impl Visitor<'_> for InstantVisitor {
        type Value = DateTime<Utc>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an RFC 3339 formatted date and time string")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<DateTime<Utc>, E> {
            match DateTime::parse_from_rfc3339(v) {
                Ok(instant) => Ok(instant.to_utc()),
                Err(_) => v
                    .parse::<DateTime<FixedOffset>>()
                    .map(|instant| instant.to_utc())
                    .map_err(E::custom),
            }
        }
    }

    /// Deserializes an instant.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        deserializer.deserialize_str(InstantVisitor)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct At(#[serde(deserialize_with = "super::rfc3339::deserialize")] DateTime<Utc>);

    /// What chrono's own serde reads (`DateTime<Utc>` as a field), for comparison.
    #[derive(Deserialize)]
    struct Chrono(DateTime<Utc>);

    #[test]
    fn a_fixed_clock_advances_and_stops_at_the_calendar_ends() {
        let start: DateTime<Utc> = "2026-06-01T12:00:00Z".parse().unwrap();
        let clock = super::FixedClock::new(start);
        clock.advance(chrono::Duration::minutes(90));
        assert_eq!(
            super::Clock::now(&clock),
            start + chrono::Duration::minutes(90)
        );
        clock.advance(chrono::Duration::MAX);
        assert_eq!(super::Clock::now(&clock), DateTime::<Utc>::MAX_UTC);
        clock.advance(chrono::Duration::MIN);
        clock.advance(chrono::Duration::MIN);
        assert_eq!(super::Clock::now(&clock), DateTime::<Utc>::MIN_UTC);
    }

    #[test]
    fn instants_read_as_chrono_reads_them_strict_or_relaxed() {
        for text in [
            "2026-06-01T12:00:00Z",
            "2026-06-01t12:00:00.123456789+02:00",
            "2026-06-01T23:59:60Z",
            "2026-06-01 12:00:00Z",
            "2026-06-01T12:00:00 +0530",
            "2026-06-01T12:00Z",
            "2026-13-01T12:00:00Z",
            "yesterday",
            "",
        ] {
            let json = serde_json::to_string(text).unwrap();
            let ours = serde_json::from_str::<At>(&json).map(|a| a.0);
            let theirs = serde_json::from_str::<Chrono>(&json).map(|c| c.0);
            match (ours, theirs) {
                (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs, "{text:?}"),
                (Err(ours), Err(theirs)) => {
                    assert_eq!(ours.to_string(), theirs.to_string(), "{text:?}")
                }
                (ours, theirs) => panic!("{text:?}: {ours:?} vs {theirs:?}"),
            }
        }
        let at: At = serde_json::from_str("\"2026-06-01T14:00:00+02:00\"").unwrap();
        assert_eq!(at.0.to_rfc3339(), "2026-06-01T12:00:00+00:00");
    }
}
