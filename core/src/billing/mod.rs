//! Recurring billing (see `docs/billing.md`): the calendar rules every subscription stands on —
//! intervals, billing periods and their anchors, proration — as pure functions of their inputs,
//! plans and their versions, subscriptions over time, and invoices priced like orders. Dunning
//! and the engine's billing commands build on these.

pub mod change;
pub mod dunning;
pub mod interval;
pub mod invoice;
pub mod invoice_machine;
pub mod lists;
pub mod numbering;
pub mod pause;
pub mod period;
pub mod period_items;
pub mod plan;
pub mod plan_versions;
pub mod proration;
pub mod subscription;
pub mod subscription_machine;

pub use change::{Change, ChangeBill, PendingChange, ProrationBehavior};
pub use dunning::{AfterRetries, DueWork, Dunning};
pub use interval::{Interval, IntervalUnit};
pub use invoice::{DraftInvoice, Invoice, InvoiceItem, InvoiceLine, LineKind};
pub use invoice_machine::{InvoiceAction, InvoiceMachine, InvoiceState};
pub use lists::{InvoicePage, InvoiceQuery, SubscriptionPage, SubscriptionQuery};
pub use numbering::Numbering;
pub use period::{BillingMode, Period, Schedule};
pub use period_items::period_items;
pub use plan::{Plan, PlanStatus, PricingModel};
pub use plan_versions::PlanVersions;
pub use proration::{Proration, prorate};
pub use subscription::{
    Collection, Discount, NewSubscription, Subscription, SubscriptionTransition,
};
pub use subscription_machine::{SubscriptionAction, SubscriptionMachine, SubscriptionState};
