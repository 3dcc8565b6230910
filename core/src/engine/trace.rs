//! What every command and query records: one `tracing` event per call, target `ordercore`,
//! naming the call (`command` or `query`), the actor, the aggregate it touched, how it ended
//! (`outcome`: `ok` or the error's code), how many times it was decided again after a conflict
//! (`retries`), how long it took (`duration_us`, with a host's [`Stopwatch`]) and the host's
//! `correlation_id`, which the call's events carry too. Answers that are accidents (a store or
//! provider fault, a conflict the retries did not settle) are `WARN`, every other `INFO`.
//!
//! Without a `tracing` subscriber (and without `tracing`'s `log` feature) nothing is built:
//! each record costs a check of a static flag.

use std::cell::Cell;

use tracing::Level;

use super::*;

/// A monotonic clock a host lends the engine to time its calls. The core reads no clock of
/// its own; without one, records carry no duration.
pub trait Stopwatch: Send + Sync {
    /// Microseconds since an arbitrary, fixed instant; never decreasing.
    fn micros(&self) -> u64;
}

/// What a host says about one call besides the call itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallContext<'a> {
    /// The host's id for the request this call serves (a trace or request id): it goes into
    /// the call's record and into the metadata of every event the call emits.
    pub correlation_id: Option<&'a str>,
}

/// One call as it runs: its context, and what the record reports of it.
pub(super) struct Call<'a> {
    pub(super) correlation_id: Option<&'a str>,
    pub(super) retries: Cell<u32>,
    started: Option<u64>,
}

impl<'a> Call<'a> {
    pub(super) fn start(engine: &Engine, context: &CallContext<'a>) -> Self {
        Call {
            correlation_id: context.correlation_id,
            retries: Cell::new(0),
            started: engine.stopwatch.as_ref().map(|watch| watch.micros()),
        }
    }

    /// A call the engine makes for itself (the scheduler's), without a host's context.
    pub(super) fn internal() -> Call<'static> {
        Call {
            correlation_id: None,
            retries: Cell::new(0),
            started: None,
        }
    }

    pub(super) fn retried(&self) {
        self.retries.set(self.retries.get().saturating_add(1));
    }

    fn duration_us(&self, engine: &Engine) -> Option<u64> {
        let watch = engine.stopwatch.as_ref()?;
        Some(watch.micros().saturating_sub(self.started?))
    }
}

/// The aggregate a call is about, written when a record is (no allocation before).
enum Aggregate<'a> {
    Order(&'a str),
    Stock(&'a str, Option<&'a str>),
    Plan(&'a str),
    Subscription(&'a str),
    Invoice(&'a str),
}

impl std::fmt::Display for Aggregate<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Aggregate::Order(id) => write!(f, "order/{id}"),
            Aggregate::Stock(sku, Some(location)) => write!(f, "stock/{sku}@{location}"),
            Aggregate::Stock(sku, None) => write!(f, "stock/{sku}"),
            Aggregate::Plan(id) => write!(f, "plan/{id}"),
            Aggregate::Subscription(id) => write!(f, "subscription/{id}"),
            Aggregate::Invoice(id) => write!(f, "invoice/{id}"),
        }
    }
}

/// The aggregate a command's answer is about, or else the one the command names.
fn aggregate_of<'a>(
    command: &'a Command,
    answer: &'a Result<CommandOutput>,
) -> Option<Aggregate<'a>> {
    if let Ok(output) = answer {
        return Some(match output {
            CommandOutput::Order(order) => Aggregate::Order(&order.id),
            CommandOutput::Stock(item) => Aggregate::Stock(&item.sku, Some(&item.location)),
            CommandOutput::Plan(plan) => Aggregate::Plan(plan.id()),
            CommandOutput::Subscription(subscription) => Aggregate::Subscription(&subscription.id),
            CommandOutput::Invoice(invoice) => Aggregate::Invoice(&invoice.id),
        });
    }
    match command {
        Command::PayOrder { order_id, .. }
        | Command::CapturePayment { order_id, .. }
        | Command::RefundPayment { order_id, .. }
        | Command::ProcessOrder { order_id }
        | Command::ShipOrder { order_id, .. }
        | Command::DeliverOrder { order_id }
        | Command::CancelOrder { order_id, .. }
        | Command::CancelUnshipped { order_id, .. }
        | Command::RequestReturn { order_id, .. }
        | Command::UpdateReturn { order_id, .. } => Some(Aggregate::Order(order_id)),
        Command::SetStock { sku, location, .. } | Command::AdjustStock { sku, location, .. } => {
            Some(Aggregate::Stock(sku, location.as_deref()))
        }
        Command::CreatePlan { plan } => Some(Aggregate::Plan(&plan.id)),
        Command::RepricePlan { plan_id, .. } | Command::ArchivePlan { plan_id } => {
            Some(Aggregate::Plan(plan_id))
        }
        Command::CancelSubscription {
            subscription_id, ..
        }
        | Command::KeepSubscription { subscription_id }
        | Command::ChangeSubscription {
            subscription_id, ..
        }
        | Command::RenewSubscription { subscription_id }
        | Command::PauseSubscription { subscription_id }
        | Command::ResumeSubscription { subscription_id } => {
            Some(Aggregate::Subscription(subscription_id))
        }
        Command::PayInvoice { invoice_id, .. }
        | Command::VoidInvoice { invoice_id }
        | Command::MarkInvoiceUncollectible { invoice_id } => Some(Aggregate::Invoice(invoice_id)),
        Command::PlaceOrder(_)
        | Command::Subscribe { .. }
        | Command::PaymentWebhook { .. }
        | Command::TrackingUpdate { .. } => None,
    }
}

impl Engine {
    /// Records a command's call (see the module).
    pub(super) fn record_command(
        &self,
        actor: &Actor,
        command: &Command,
        call: &Call<'_>,
        answer: &Result<CommandOutput>,
    ) {
        let error = answer.as_ref().err();
        let aggregate = || aggregate_of(command, answer);
        self.record(actor, ("command", command.name()), aggregate, call, error);
    }

    /// Records a query's call (see the module).
    pub(super) fn record_query<T>(
        &self,
        actor: &Actor,
        query: &Query,
        call: &Call<'_>,
        answer: &Result<T>,
    ) {
        let aggregate = || query.order_id().map(Aggregate::Order);
        self.record(
            actor,
            ("query", query.name()),
            aggregate,
            call,
            answer.as_ref().err(),
        );
    }

    /// One record; its fields are computed only when a subscriber (or `log`) takes it.
    fn record<'a>(
        &self,
        actor: &Actor,
        (kind, name): (&str, &str),
        aggregate: impl Fn() -> Option<Aggregate<'a>>,
        call: &Call<'_>,
        error: Option<&Error>,
    ) {
        let outcome = error.map_or("ok", Error::code);
        macro_rules! record_at {
            ($level:expr) => {
                tracing::event!(target: "ordercore", $level, kind, name,
                    actor = tracing::field::display(actor.label()),
                    aggregate = aggregate().map(tracing::field::display),
                    outcome, retries = call.retries.get(), duration_us = call.duration_us(self),
                    correlation_id = call.correlation_id, "{kind} {name}: {outcome}")
            };
        }
        if error.is_some_and(is_accident) {
            record_at!(Level::WARN);
        } else {
            record_at!(Level::INFO);
        }
    }
}
