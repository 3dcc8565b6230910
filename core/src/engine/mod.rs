//! The engine: an application service over injected storage, gateways, clock and ids.
//!
//! Each command loads what it needs, decides, and hands the store **one** change set (new
//! document versions guarded by the versions read, counter deltas guarded by bounds, outbox
//! events, the idempotency record). On a `version_conflict` the command is decided again from
//! fresh data, a bounded number of times.
//! Gateway calls made while deciding carry provider idempotency keys derived from the operation,
//! so deciding again never moves money twice.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use smol_str::SmolStr;

use crate::actor::{Actor, StaffDuty};
use crate::billing::InvoiceAction;
use crate::catalog::{Catalog, MemoryCatalog};
use crate::clock::{Clock, SystemClock};
use crate::command::*;
use crate::error::{Error, Result};
use crate::event::{DomainEvent, EventPayload};
use crate::ids::{IdGen, SequentialIds};
use crate::inventory::{Demand, StockItem, StockSettings, allocate, low_stock_band};
use crate::money::amount_serde;
use crate::order::{Order, OrderAction, OrderFlow, OrderLine, OrderState, Transition};
use crate::payment::{
    FakePaymentGateway, GatewayOperation, GatewayOutcome, GatewayRequest, Payment, PaymentAction,
    PaymentGateway, PaymentMethod, PaymentState,
};
use crate::pricing::{
    Cart, CartLine, Customer, Pricer, PricingConfig, PricingContext, ShippingCharge,
};
use crate::promotion::{Promotion, Usage};
use crate::returns::{ItemCondition, ReturnAction, ReturnItem, ReturnRequest, free_units};
use crate::shipping::{
    Carrier, RateRequest, Shipment, ShipmentState, TableRateCarrier, validate_address,
};
use crate::state_machine::StateMachine;
use crate::store::{
    ChangeSet, CheckoutAttempt, CounterDelta, CounterKey, CustomerRecord, DocKey, DocKind,
    Document, IdempotencyRecord, MemoryStore, Store, Versioned, Write,
};
use crate::tax::{TaxProvider, TaxTable};

mod billing_lists;
mod cancellation;
mod checkout;
mod collection;
mod config;
mod counters;
mod fulfilment;
mod guards;
mod invoices;
mod payments;
mod placing;
mod plans;
mod queries;
mod renewals;
mod retry;
mod returns;
mod scheduler;
mod spec;
mod stock;
mod subscriptions;
mod trace;
mod unit_of_work;

pub use config::{BillingConfig, EngineBuilder, EngineConfig};
use counters::Counters;
use retry::*;
pub use spec::{EngineSpec, Plugins};
use trace::Call;
pub use trace::{CallContext, Stopwatch};
use unit_of_work::*;

/// The order engine. Cheap to share between threads (`Arc<Engine>`); every method is `&self`.
pub struct Engine {
    config: EngineConfig,
    pricer: Pricer,
    catalog: Arc<dyn Catalog>,
    store: Arc<dyn Store>,
    gateway: Arc<dyn PaymentGateway>,
    carrier: Arc<dyn Carrier>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    stopwatch: Option<Arc<dyn Stopwatch>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Ids fixed before deciding, so that deciding again after a conflict names the same things.
#[derive(Debug, Default)]
struct PreparedIds {
    order: SmolStr,
    payment: SmolStr,
    shipment: SmolStr,
    ret: SmolStr,
    subscription: SmolStr,
    invoice: SmolStr,
}

impl Engine {
    /// A builder with zero-setup defaults.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Prices a cart with the engine's promotions and tax. The cart must be in the engine's
    /// currency (`currency_mismatch` otherwise): its catalog, fixed-amount promotions and
    /// shipping rates are all in that currency.
    pub fn price(
        &self,
        cart: &crate::pricing::Cart,
        context: &crate::pricing::PricingContext,
    ) -> Result<crate::pricing::PriceBreakdown> {
        let currencies = &self.pricer.config().currencies;
        let found = currencies.resolve(&cart.currency, "currency")?;
        let expected = currencies.resolve(&self.config.currency, "currency")?;
        if found != expected {
            return Err(Error::CurrencyMismatch {
                field: "currency".into(),
                expected: expected.code().into(),
                found: found.code().into(),
            });
        }
        self.pricer.price(cart, context)
    }

    /// The pricer (configuration, promotions and tax provider).
    pub fn pricer(&self) -> &Pricer {
        &self.pricer
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn flow(&self, name: &str) -> Result<&OrderFlow> {
        self.config
            .flows
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| Error::invalid("flow", format!("no flow named {name:?}")))
    }

    /// Runs `command` as `actor`. With an idempotency key, a repeated call with the same command
    /// returns the first answer (errors included) without doing anything again, and the same key
    /// with another command is `idempotency_conflict`.
    pub fn execute(
        &self,
        actor: &Actor,
        command: &Command,
        idempotency_key: Option<&str>,
    ) -> Result<CommandOutput> {
        self.execute_in(&CallContext::default(), actor, command, idempotency_key)
    }

    /// [`execute`](Self::execute) on behalf of a host's request: its correlation id goes into
    /// the call's record and the events the call emits.
    pub fn execute_in(
        &self,
        context: &CallContext<'_>,
        actor: &Actor,
        command: &Command,
        idempotency_key: Option<&str>,
    ) -> Result<CommandOutput> {
        let call = Call::start(self, context);
        let answer = self.execute_call(&call, actor, command, idempotency_key);
        self.record_command(actor, command, &call, &answer);
        answer
    }

    fn execute_call(
        &self,
        call: &Call<'_>,
        actor: &Actor,
        command: &Command,
        idempotency_key: Option<&str>,
    ) -> Result<CommandOutput> {
        let limits = &self.pricer.config().limits;
        crate::limits::check_actor(actor, limits)?;
        crate::limits::check_command(command, limits)?;
        let Some(host_key) = idempotency_key else {
            return self.dispatch(call, actor, command, None);
        };
        if host_key.is_empty() || host_key.len() > 255 {
            return Err(Error::invalid("idempotency_key", "must be 1 to 255 bytes"));
        }
        // Keys belong to their actor (as Stripe's belong to an account): the record is stored
        // under a digest of both, so one customer's `checkout-1` never meets another's.
        let stored = actor_key(actor, host_key);
        let fingerprint = fingerprint(&(actor, command))?;
        let replayed = |record| replay(record, &fingerprint, host_key);
        if let Some(record) = self.store.idempotency(&stored)? {
            return replayed(record);
        }
        match self.dispatch(call, actor, command, Some((&stored, &fingerprint))) {
            // Another process committed the same key first: answer what it answered.
            Err(Error::IdempotencyConflict { .. }) => match self.store.idempotency(&stored)? {
                Some(record) => replayed(record),
                None => Err(Error::IdempotencyConflict {
                    key: host_key.to_string(),
                }),
            },
            answer => answer,
        }
    }

    /// Decides and commits `command`: the two-commit checkout for placing with payment and
    /// paying, one change set for everything else.
    fn dispatch(
        &self,
        call: &Call<'_>,
        actor: &Actor,
        command: &Command,
        key: Option<(&str, &str)>,
    ) -> Result<CommandOutput> {
        let mut ids = PreparedIds::default();
        match command {
            Command::PlaceOrder(place) if place.payment.is_some() => {
                ids.order = self.ids.next_id("ord");
                ids.payment = self.ids.next_id("pay");
                self.checkout(call, actor, key, &ids, true, |tx| {
                    placing::place_order(self, tx, place, &ids)
                })
            }
            Command::PayOrder {
                order_id,
                method,
                capture,
            } => {
                ids.payment = self.ids.next_id("pay");
                self.checkout(call, actor, key, &ids, false, |tx| {
                    payments::pay_order(self, tx, order_id, *method, *capture, &ids)
                })
            }
            _ => {
                match command {
                    Command::PlaceOrder(_) => ids.order = self.ids.next_id("ord"),
                    Command::ShipOrder { .. } => ids.shipment = self.ids.next_id("shp"),
                    Command::RequestReturn { .. } => ids.ret = self.ids.next_id("ret"),
                    Command::Subscribe { .. } => {
                        ids.subscription = self.ids.next_id("sub");
                        ids.invoice = self.ids.next_id("inv");
                    }
                    Command::ChangeSubscription { .. }
                    | Command::RenewSubscription { .. }
                    | Command::PauseSubscription { .. }
                    | Command::CancelSubscription { .. }
                    | Command::ResumeSubscription { .. } => ids.invoice = self.ids.next_id("inv"),
                    _ => {}
                }
                self.run(call, actor, key, Record::Answer, |tx| {
                    self.decide(tx, command, &ids)
                })
            }
        }
    }

    /// One command's decision, by the handler named after it (in the file of its family).
    #[expect(
        clippy::too_many_lines,
        reason = "the dispatch table: one arm per command, read whole"
    )]
    fn decide(
        &self,
        tx: &mut UnitOfWork<'_>,
        command: &Command,
        ids: &PreparedIds,
    ) -> Result<CommandOutput> {
        use CommandOutput::Order as Answer;
        match command {
            // With a payment these go through `checkout`; here only their first commit.
            Command::PlaceOrder(place) => placing::place_order(self, tx, place, ids).map(Answer),
            Command::PayOrder {
                order_id,
                method,
                capture,
            } => payments::pay_order(self, tx, order_id, *method, *capture, ids).map(Answer),
            Command::CapturePayment { order_id, amount } => {
                payments::capture_payment(self, tx, order_id, *amount).map(Answer)
            }
            Command::RefundPayment {
                order_id,
                amount,
                reason,
            } => {
                payments::refund_payment(self, tx, order_id, *amount, reason.as_deref()).map(Answer)
            }
            Command::ProcessOrder { order_id } => {
                fulfilment::process_order(self, tx, order_id).map(Answer)
            }
            Command::ShipOrder { order_id, lines } => {
                fulfilment::ship_order(self, tx, order_id, lines.as_deref(), ids).map(Answer)
            }
            Command::DeliverOrder { order_id } => {
                fulfilment::deliver_order(self, tx, order_id).map(Answer)
            }
            Command::CancelOrder { order_id, reason } => {
                cancellation::cancel_order(self, tx, order_id, reason.as_deref()).map(Answer)
            }
            Command::CancelUnshipped { order_id, reason } => {
                let reason = reason.as_deref().unwrap_or("unshipped_cancelled");
                cancellation::cancel_unshipped(self, tx, order_id, reason).map(Answer)
            }
            Command::PaymentWebhook {
                provider,
                event_id,
                reference,
                outcome,
                reason,
                order_id,
                invoice_id,
            } => {
                let webhook = payments::Webhook {
                    provider,
                    event_id,
                    reference,
                    outcome: *outcome,
                    reason: reason.as_deref(),
                    order_id: order_id.as_deref(),
                };
                match invoice_id {
                    Some(invoice_id) => invoices::invoice_webhook(tx, &webhook, invoice_id),
                    None => payments::payment_webhook(self, tx, &webhook).map(Answer),
                }
            }
            Command::TrackingUpdate {
                event_id,
                tracking_number,
                status,
                order_id,
            } => {
                let order_id = order_id.as_deref();
                fulfilment::tracking_update(self, tx, event_id, tracking_number, *status, order_id)
                    .map(Answer)
            }
            Command::RequestReturn { order_id, lines } => {
                returns::request_return(self, tx, order_id, lines, ids).map(Answer)
            }
            Command::UpdateReturn {
                order_id,
                return_id,
                action,
                received,
            } => {
                returns::update_return(self, tx, order_id, return_id, *action, received).map(Answer)
            }
            Command::SetStock {
                sku,
                location,
                on_hand,
                backorder,
                low_stock_threshold,
            } => {
                let levels = stock::StockLevels {
                    on_hand: *on_hand,
                    backorder: *backorder,
                    low_stock_threshold: *low_stock_threshold,
                };
                stock::set_stock(self, tx, sku, location.as_deref(), levels)
            }
            Command::AdjustStock {
                sku,
                location,
                delta,
            } => stock::adjust_stock(self, tx, sku, location.as_deref(), *delta),
            Command::CreatePlan { plan } => plans::create_plan(self, tx, plan),
            Command::RepricePlan { plan_id, amount } => {
                plans::reprice_plan(self, tx, plan_id, *amount)
            }
            Command::ArchivePlan { plan_id } => plans::archive_plan(tx, plan_id),
            Command::Subscribe {
                customer_id,
                plan_id,
                quantity,
                billing,
                address,
                payment_method,
                coupon,
            } => {
                let subscribing = subscriptions::Subscribing {
                    customer_id,
                    plan_id,
                    quantity: *quantity,
                    billing: *billing,
                    address: address.as_ref(),
                    payment_method: *payment_method,
                    coupon: coupon.as_deref(),
                };
                subscriptions::subscribe(self, tx, &subscribing, ids)
            }
            Command::CancelSubscription {
                subscription_id,
                at_period_end,
                credit_unused,
            } => {
                let cancelling = subscriptions::Cancelling {
                    subscription_id,
                    at_period_end: *at_period_end,
                    credit_unused: *credit_unused,
                    invoice_id: &ids.invoice,
                };
                subscriptions::cancel_subscription(self, tx, &cancelling)
            }
            Command::KeepSubscription { subscription_id } => {
                subscriptions::keep_subscription(tx, subscription_id)
            }
            Command::RenewSubscription { subscription_id } => {
                renewals::renew_subscription(self, tx, subscription_id, &ids.invoice)
            }
            Command::PauseSubscription { subscription_id } => {
                renewals::pause_subscription(self, tx, subscription_id, &ids.invoice)
            }
            Command::ResumeSubscription { subscription_id } => {
                renewals::resume_subscription(self, tx, subscription_id, &ids.invoice)
            }
            Command::PayInvoice { invoice_id, method } => {
                invoices::pay_invoice(self, tx, invoice_id, *method)
            }
            Command::VoidInvoice { invoice_id } => {
                invoices::close_invoice(tx, invoice_id, InvoiceAction::Void)
            }
            Command::MarkInvoiceUncollectible { invoice_id } => {
                invoices::close_invoice(tx, invoice_id, InvoiceAction::MarkUncollectible)
            }
            Command::ChangeSubscription {
                subscription_id,
                plan_id,
                quantity,
                proration_behavior,
                at_period_end,
            } => {
                let changing = subscriptions::Changing {
                    subscription_id,
                    plan_id: plan_id.as_deref(),
                    quantity: *quantity,
                    behavior: *proration_behavior,
                    at_period_end: *at_period_end,
                };
                subscriptions::change_subscription(self, tx, &changing, ids)
            }
        }
    }
}

/// Convenience wrappers over [`Engine::execute`], one per command.
#[allow(
    missing_docs,
    reason = "each wrapper is its command, documented on `Command`"
)]
impl Engine {
    pub fn place_order(
        &self,
        actor: &Actor,
        place: PlaceOrder,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::PlaceOrder(Box::new(place)),
            idempotency_key,
        ))
    }
    pub fn pay_order(
        &self,
        actor: &Actor,
        order_id: &str,
        method: PaymentMethod,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::PayOrder {
                order_id: order_id.into(),
                method,
                capture: true,
            },
            idempotency_key,
        ))
    }
    pub fn capture_payment(
        &self,
        actor: &Actor,
        order_id: &str,
        amount: Option<Decimal>,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::CapturePayment {
                order_id: order_id.into(),
                amount,
            },
            idempotency_key,
        ))
    }
    pub fn refund_payment(
        &self,
        actor: &Actor,
        order_id: &str,
        amount: Option<Decimal>,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::RefundPayment {
                order_id: order_id.into(),
                amount,
                reason: None,
            },
            idempotency_key,
        ))
    }
    pub fn ship_order(
        &self,
        actor: &Actor,
        order_id: &str,
        lines: Option<Vec<ShipLine>>,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::ShipOrder {
                order_id: order_id.into(),
                lines,
            },
            idempotency_key,
        ))
    }
    pub fn deliver_order(
        &self,
        actor: &Actor,
        order_id: &str,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::DeliverOrder {
                order_id: order_id.into(),
            },
            idempotency_key,
        ))
    }
    pub fn cancel_order(
        &self,
        actor: &Actor,
        order_id: &str,
        reason: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> Result<Arc<Order>> {
        self.order_of(self.execute(
            actor,
            &Command::CancelOrder {
                order_id: order_id.into(),
                reason: reason.map(Into::into),
            },
            idempotency_key,
        ))
    }
    pub fn set_stock(
        &self,
        actor: &Actor,
        sku: &str,
        location: Option<&str>,
        on_hand: i64,
    ) -> Result<StockItem> {
        let command = Command::SetStock {
            sku: sku.into(),
            location: location.map(Into::into),
            on_hand,
            backorder: false,
            low_stock_threshold: None,
        };
        self.execute(actor, &command, None)?
            .into_stock()
            .ok_or_else(|| Error::invalid("command", "set_stock answers a stock item"))
    }

    fn order_of(&self, output: Result<CommandOutput>) -> Result<Arc<Order>> {
        output?
            .into_order()
            .ok_or_else(|| Error::invalid("command", "this command answers an order"))
    }
}
