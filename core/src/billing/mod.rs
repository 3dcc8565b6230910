//! Recurring billing (see `docs/billing.md`): the calendar rules every subscription stands on —
//! intervals, billing periods and their anchors, proration — as pure functions of their inputs,
//! plans and their versions, and the subscription state machine. Invoices and dunning build on
//! these.

pub mod interval;
pub mod period;
pub mod plan;
pub mod proration;
pub mod subscription;
pub mod subscription_machine;

pub use interval::{Interval, IntervalUnit};
pub use period::{BillingMode, Period, Schedule};
pub use plan::{Plan, PlanStatus, PricingModel};
pub use proration::{Proration, prorate};
pub use subscription::{NewSubscription, Subscription, SubscriptionTransition};
pub use subscription_machine::{SubscriptionAction, SubscriptionMachine, SubscriptionState};
