//! Recurring billing (see `docs/billing.md`): the calendar rules every subscription stands on —
//! intervals, billing periods and their anchors, proration — as pure functions of their inputs.
//! Plans, subscriptions, invoices and dunning build on these.

pub mod interval;
pub mod period;
pub mod proration;

pub use interval::{Interval, IntervalUnit};
pub use period::{BillingMode, Period, Schedule};
pub use proration::{Proration, prorate};
