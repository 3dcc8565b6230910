//! `ordercore` for Node.js: the core's JSON façade behind JS objects, Promises and `Error`s with
//! a `.code`. Translation only — every decision is the core's.
//!
//! Documents cross as JSON text (`JSON.stringify` in, `JSON.parse` out: V8 does the object
//! work, which beats walking objects through N-API), in exactly the shapes of the core, the
//! shared test vectors and the other bindings. Numbers where amounts belong follow the core's
//! exact-conversion rule (`numbers::amounts_from_doubles`). Engine calls answer Promises: with
//! a JS store or provider they run on libuv's worker pool, so a host store may itself be
//! asynchronous (see `store`); with built-in components only they run on the calling thread
//! (see `Engine::inline`). An object answer of a per-command method is a document view
//! (`document`): its fields are parsed when first read.
//!
//! The package's entry is `ordercore.js`: the loader napi-rs generates (`index.js`) plus the
//! one class written in JS, `Quote` (see there why).

mod bridge;
pub mod contract;
pub mod document;
mod numbers;
mod plugins;
pub mod records;

use std::cell::RefCell;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::{Env, ScopedTask};
use napi_derive::napi;
use ordercore::command::{CommandOutput, QueryOutput};
use ordercore::engine::CallContext;
use ordercore::json::{
    JsonConfig, JsonEngine, JsonPricer, Plugins, command_value_json, error_json, output_json,
    parse, query_value_json,
};

use crate::numbers::amounts_from_doubles;

thread_local! {
    /// The exception a host plug-in raised during the engine call running on this thread:
    /// rethrown unchanged instead of the core's `provider_error`. Per thread, so concurrent
    /// commands never see each other's exceptions.
    static HOST_EXCEPTION: RefCell<Option<napi::Error>> = const { RefCell::new(None) };
}

pub(crate) fn keep_host_exception(error: napi::Error) {
    HOST_EXCEPTION.with(|slot| *slot.borrow_mut() = Some(error));
}

fn take_host_exception() -> Option<napi::Error> {
    HOST_EXCEPTION.with(|slot| slot.borrow_mut().take())
}

/// What an engine call produced (on the worker thread, or inline).
pub enum Outcome {
    /// The answer's JSON text (`None`: nothing to answer).
    Done(Option<String>),
    /// An order kept native: the package's `documentView` makes a JS object whose fields are
    /// parsed when first read.
    Order(Arc<ordercore::order::Order>),
    /// The answer's JSON text, as a JS string.
    Text(String),
    /// A core error.
    Failed(ordercore::Error),
    /// A host plug-in's own exception, to be rethrown unchanged.
    Host(napi::Error),
}

/// What an engine call answered.
pub enum Answered {
    /// JSON text (`None`: nothing to answer).
    Text(Option<String>),
    /// An order, kept native.
    Order(Arc<ordercore::order::Order>),
}

fn settle(result: ordercore::Result<Answered>) -> Outcome {
    match result {
        Ok(answered) => {
            let _ = take_host_exception();
            match answered {
                Answered::Text(text) => Outcome::Done(text),
                Answered::Order(order) => Outcome::Order(order),
            }
        }
        Err(error) => match take_host_exception() {
            Some(host) if error.code() == "provider_error" => Outcome::Host(host),
            _ => Outcome::Failed(error),
        },
    }
}

/// The JS `Error` of a core error: `message`, `code` (the stable code) and every detail of the
/// error document (`field`, `state`, `action`, `allowed`, `sku`, `requested`, `available`, …)
/// as properties; `name` is `OrderCoreError`.
fn core_error(env: &Env, error: &ordercore::Error) -> napi::Error {
    match build_core_error(env, error) {
        Ok(error) => error,
        Err(failure) => failure,
    }
}

fn build_core_error(env: &Env, error: &ordercore::Error) -> Result<napi::Error> {
    let details = parse_json(env, &error_json(error))?;
    let mut object = env.create_error(napi::Error::from_reason(error.to_string()))?;
    object.set_named_property("name", "OrderCoreError")?;
    let assign: Function<FnArgs<(Object, Unknown)>, Unknown> =
        global_function(env, "Object", "assign")?;
    assign.call(FnArgs::from((object, details)))?;
    Ok(napi::Error::from(object.to_unknown()))
}

fn global_function<'e, Args: JsValuesTupleIntoVec, Return: FromNapiValue>(
    env: &'e Env,
    object: &str,
    name: &str,
) -> Result<Function<'e, Args, Return>> {
    let global = env.get_global()?;
    // `Object` is a function, so read it unchecked as an object.
    let holder: Object = global.get_named_property_unchecked(object)?;
    holder.get_named_property(name)
}

/// `JSON.parse(text)`.
fn parse_json<'e>(env: &'e Env, text: &str) -> Result<Unknown<'e>> {
    let parse: Function<'e, String, Unknown<'e>> = global_function(env, "JSON", "parse")?;
    parse.call(text.to_string())
}

/// A JS value as the JSON text of a document: `JSON.stringify` (so `Date`s become RFC 3339
/// text and `undefined` properties vanish), then the exact-conversion rule for numbers under
/// amount keys. `what` names the argument in errors.
fn document_text(env: &Env, value: Unknown<'_>, what: &str) -> ordercore::Result<String> {
    let invalid = |message: String| ordercore::Error::InvalidInput {
        field: what.into(),
        message,
    };
    let stringify: Function<'_, Unknown<'_>, Option<String>> =
        global_function(env, "JSON", "stringify").map_err(|e| invalid(e.reason.clone()))?;
    let text = stringify
        .call(value)
        .map_err(|e| invalid(format!("not serializable as JSON: {}", e.reason)))?
        .ok_or_else(|| invalid("expected an object, got a value JSON cannot hold".into()))?;
    // Text with no inexact number comes back borrowed: keep the string we have, no copy.
    Ok(match amounts_from_doubles(&text, what)? {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(exact) => exact,
    })
}

/// A unit enum's serde name (`half_up`, `per_line`).
fn enum_name<T: serde::Serialize>(value: &T) -> ordercore::Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        _ => Err(invalid("output", "expected a named value".into())),
    }
}

/// An argument that must be a string; `invalid_input` naming it otherwise.
fn string_arg(value: Unknown<'_>, what: &str) -> ordercore::Result<String> {
    match value.get_type() {
        Ok(ValueType::String) => String::from_unknown(value).map_err(|e| invalid(what, e.reason)),
        _ => Err(invalid(what, "expected a string".into())),
    }
}

/// An optional argument: absent, `undefined` and `null` are `None`.
fn present(value: Option<Unknown<'_>>) -> Option<Unknown<'_>> {
    value.filter(|v| !matches!(v.get_type(), Ok(ValueType::Undefined | ValueType::Null)))
}

/// An argument that must be a whole number within ±2⁵³.
fn integer_arg(value: Unknown<'_>, what: &str) -> ordercore::Result<i64> {
    const SAFE: f64 = 9_007_199_254_740_992.0;
    let number = match value.get_type() {
        Ok(ValueType::Number) => f64::from_unknown(value).map_err(|e| invalid(what, e.reason))?,
        _ => return Err(invalid(what, "expected a number".into())),
    };
    if number.fract() != 0.0 || !number.is_finite() || number.abs() > SAFE {
        return Err(invalid(what, format!("{number} is not a whole number")));
    }
    Ok(number as i64)
}

fn invalid(what: &str, message: String) -> ordercore::Error {
    ordercore::Error::InvalidInput {
        field: what.into(),
        message,
    }
}

/// `{ store?, gateway?, carrier?, tax?, hostTimeoutMs? }` as the engine's plug-ins.
fn host_plugins(hosts: Unknown) -> ordercore::Result<Plugins> {
    if !matches!(hosts.get_type(), Ok(ValueType::Object)) {
        return Err(invalid(
            "hosts",
            "expected { store?, gateway?, carrier?, tax?, hostTimeoutMs? }".into(),
        ));
    }
    let hosts = Object::from_unknown(hosts).map_err(|e| invalid("hosts", e.reason))?;
    let member = |name: &str| -> ordercore::Result<Option<Unknown>> {
        let value: Option<Unknown> = hosts.get(name).map_err(|e| invalid(name, e.reason))?;
        Ok(present(value))
    };
    let timeout = match member("hostTimeoutMs")? {
        None => bridge::DEFAULT_TIMEOUT,
        Some(value) => match integer_arg(value, "hostTimeoutMs")? {
            ms @ 1..=86_400_000 => std::time::Duration::from_millis(ms as u64),
            ms => {
                return Err(invalid(
                    "hostTimeoutMs",
                    format!("{ms} is not between 1 ms and one day"),
                ));
            }
        },
    };
    Ok(Plugins {
        store: member("store")?
            .map(|s| plugins::store(s, timeout))
            .transpose()?,
        gateway: member("gateway")?
            .map(|g| plugins::gateway(g, timeout))
            .transpose()?,
        carrier: member("carrier")?
            .map(|c| plugins::carrier(c, timeout))
            .transpose()?,
        tax: member("tax")?
            .map(|t| plugins::tax(t, timeout))
            .transpose()?,
        stopwatch: None,
    })
}

/// The host's components and its logger (`hosts.logger`).
fn host_parts(hosts: Unknown) -> ordercore::Result<(Plugins, Option<records::Sink>)> {
    let plugins = host_plugins(hosts)?;
    let hosts = Object::from_unknown(hosts).map_err(|e| invalid("hosts", e.reason))?;
    let logger: Option<Unknown> = hosts
        .get("logger")
        .map_err(|e| invalid("logger", e.reason))?;
    let logger = present(logger).map(records::sink).transpose()?;
    Ok((plugins, logger))
}

/// Throws `error` as its JS `Error` (synchronous entry points).
fn throw(env: &Env, error: ordercore::Error) -> napi::Error {
    core_error(env, &error)
}

/// The work of one engine call: its answer's JSON text, if it has one.
type Work = Box<dyn FnOnce(&JsonEngine, &CallContext<'_>) -> ordercore::Result<Answered> + Send>;

/// One engine call on the worker pool.
pub struct EngineCall {
    engine: Arc<JsonEngine>,
    work: Option<Work>,
    /// Input that was already refused on the main thread.
    refused: Option<ordercore::Error>,
    /// How the answer's text reaches JS.
    shape: Shape,
    /// The request it serves (`correlated(id, fn)`), read when the call started.
    correlation_id: Option<String>,
    /// The engine's logger, and the records of this call kept for it.
    logging: Option<(records::Sink, records::Collector)>,
}

/// How an answer's JSON text reaches JS.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Parsed whole (`JSON.parse`).
    Parsed,
    /// The text itself, for a host that sends it on.
    Text,
}

impl<'task> ScopedTask<'task> for EngineCall {
    type Output = Outcome;
    type JsValue = Unknown<'task>;

    fn compute(&mut self) -> Result<Outcome> {
        Ok(self.run())
    }

    fn resolve(&mut self, env: &'task Env, output: Outcome) -> Result<Unknown<'task>> {
        self.log(env);
        answer(env, output)
    }
}

impl EngineCall {
    /// Runs the call (a panic is a `provider_error`, never a crash of the host process).
    fn run(&mut self) -> Outcome {
        if let Some(error) = self.refused.take() {
            return Outcome::Failed(error);
        }
        let Some(work) = self.work.take() else {
            return Outcome::Done(None);
        };
        let engine = &self.engine;
        let context = CallContext {
            correlation_id: self.correlation_id.as_deref(),
        };
        let call = || work(engine, &context);
        let run = || match &self.logging {
            Some((_, collector)) => collector.around(call),
            None => call(),
        };
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|_| {
                Err(ordercore::Error::Provider {
                    component: "engine".into(),
                    message: "internal error: the engine panicked".into(),
                })
            });
        match (settle(result), self.shape) {
            (Outcome::Done(Some(text)), Shape::Text) => Outcome::Text(text),
            (other, _) => other,
        }
    }

    /// Hands the call's records to the engine's logger (on the JS thread, once it settled).
    fn log(&self, env: &Env) {
        if let Some((sink, collector)) = &self.logging {
            records::deliver(env, sink, collector.take());
        }
    }
}

/// The actor's and the query's JSON of a query call.
fn query_texts(env: &Env, actor: Unknown, query: Unknown) -> ordercore::Result<(String, String)> {
    Ok((
        document_text(env, actor, "actor")?,
        document_text(env, query, "query")?,
    ))
}

/// The texts of a command call: the actor's and the command's JSON, and the idempotency key.
type CommandTexts = (String, String, Option<String>);

fn command_texts(
    env: &Env,
    actor: Unknown,
    command: Unknown,
    idempotency_key: Option<Unknown>,
) -> ordercore::Result<CommandTexts> {
    let actor = document_text(env, actor, "actor")?;
    let command = document_text(env, command, "command")?;
    let key = present(idempotency_key)
        .map(|k| string_arg(k, "idempotencyKey"))
        .transpose()?;
    Ok((actor, command, key))
}

/// The JS value of an outcome: the answer, or the error to reject with.
fn answer(env: &Env, output: Outcome) -> Result<Unknown<'_>> {
    match output {
        Outcome::Order(order) => document::view(env, order),
        Outcome::Text(text) => text.into_unknown(env),
        Outcome::Done(Some(text)) => parse_json(env, &text),
        Outcome::Done(None) => ().into_unknown(env),
        Outcome::Failed(error) => Err(core_error(env, &error)),
        Outcome::Host(error) => Err(error),
    }
}

/// The order engine. Configuration and documents are the core's JSON shapes as plain objects;
/// amounts are decimal strings (a number is accepted where an amount belongs only if it is
/// exact, see the README). Every method answers a Promise; a failure rejects it with an `Error`
/// whose `code` is the core's stable code.
#[napi]
pub struct Engine {
    inner: Arc<JsonEngine>,
    /// Every component is built in (no JS store, gateway, carrier or tax service): a call is
    /// microseconds of computation that never waits, so it runs on the calling thread and
    /// answers a settled Promise — a hop to the worker pool and back cost more than the call.
    /// With a JS component the engine waits for it, so calls run on the worker pool.
    inline: bool,
    /// The host's logger (`hosts.logger`), given every call's records.
    logger: Option<records::Sink>,
}

/// An engine call's Promise.
type Answer<'e> = Result<PromiseRaw<'e, Unknown<'e>>>;

impl Engine {
    fn call<'e>(
        &self,
        env: &'e Env,
        work: impl FnOnce(&JsonEngine, &CallContext<'_>) -> ordercore::Result<Option<String>>
        + Send
        + 'static,
    ) -> Answer<'e> {
        let work: Work = Box::new(move |engine, context| work(engine, context).map(Answered::Text));
        self.task(env, Ok(work), Shape::Parsed)
    }

    /// Runs `work` inline or on the worker pool (see `inline`), resolving to its answer.
    fn task<'e>(&self, env: &'e Env, work: ordercore::Result<Work>, shape: Shape) -> Answer<'e> {
        let (work, refused) = match work {
            Ok(work) => (Some(work), None),
            Err(error) => (None, Some(error)),
        };
        let mut call = EngineCall {
            engine: self.inner.clone(),
            work,
            refused,
            shape,
            correlation_id: records::correlation_id(env),
            logging: (self.logger.clone()).map(|sink| (sink, records::Collector::default())),
        };
        if !self.inline {
            return Ok(env.spawn(call)?.promise_object());
        }
        let outcome = call.run();
        call.log(env);
        match answer(env, outcome) {
            Ok(value) => PromiseRaw::resolve(env, value),
            Err(error) => PromiseRaw::reject(env, error),
        }
    }

    fn refuse<'e>(&self, env: &'e Env, error: ordercore::Error) -> Answer<'e> {
        self.task(env, Err(error), Shape::Parsed)
    }

    /// A command or query named `name` with the fields of `fields` (an object), resolving to
    /// the answer's value: what the per-command methods (`placeOrder`, `getOrder`, …) share.
    fn named<'e>(
        &self,
        env: &'e Env,
        kind: &'static str,
        name: &'static str,
        actor: Unknown,
        fields: Option<Unknown>,
        idempotency_key: Option<Unknown>,
    ) -> Answer<'e> {
        let prepared = (|| -> ordercore::Result<(String, String, Option<String>)> {
            let actor = document_text(env, actor, "actor")?;
            let fields = match present(fields) {
                Some(value) => document_text(env, value, kind)?,
                None => "{}".to_string(),
            };
            // `{"command":"ship_order", …the fields}`: the tag goes in front of the fields.
            let body = fields.trim_start().strip_prefix('{').ok_or_else(|| {
                invalid(
                    kind,
                    format!("expected an object with the fields of {name}"),
                )
            })?;
            let separator = if body.trim_start().starts_with('}') {
                ""
            } else {
                ","
            };
            let document = format!(r#"{{"{kind}":"{name}"{separator}{body}"#);
            let key = present(idempotency_key)
                .map(|k| string_arg(k, "idempotencyKey"))
                .transpose()?;
            Ok((actor, document, key))
        })();
        let work: ordercore::Result<Work> = match prepared {
            Ok((actor, document, key)) if kind == "command" => Ok(Box::new(move |engine, c| {
                match engine.execute_output_in(c, &actor, &document, key.as_deref())? {
                    CommandOutput::Order(order) => Ok(Answered::Order(order)),
                    other => Ok(Answered::Text(Some(command_value_json(&other)?))),
                }
            })),
            Ok((actor, document, _)) => Ok(Box::new(move |engine, c| {
                match engine.query_output_in(c, &actor, &document)? {
                    QueryOutput::Order(order) => Ok(Answered::Order(order)),
                    other => Ok(Answered::Text(Some(query_value_json(&other)?))),
                }
            })),
            Err(error) => Err(error),
        };
        self.task(env, work, Shape::Parsed)
    }
}

/// One method per command and query, camelCase, each taking the document's fields as an object
/// (the core's keys) and resolving to the answer's value: `engine.shipOrder(actor, { order_id })`
/// is `engine.execute(actor, { command: 'ship_order', order_id })` answering the order.
macro_rules! named_methods {
    ($($(#[doc = $doc:literal])* $kind:literal $method:ident $name:literal $fields:literal $answer:literal;)*) => {
        #[napi]
        impl Engine {
            $(
                $(#[doc = $doc])*
                #[napi(
                    catch_unwind,
                    ts_args_type = $fields,
                    ts_return_type = $answer
                )]
                pub fn $method<'e>(
                    &self,
                    env: &'e Env,
                    actor: Unknown,
                    fields: Option<Unknown>,
                    idempotency_key: Option<Unknown>,
                ) -> Answer<'e> {
                    self.named(env, $kind, $name, actor, fields, idempotency_key)
                }
            )*
        }
    };
}

named_methods! {
    /// Places an order (price, reserve, coupons, payment, commit); resolves to the order.
    "command" place_order "place_order" "actor: Actor, fields: Omit<Extract<Command, { command: 'place_order' }>, 'command'>, idempotencyKey?: string" "Promise<Order>";
    /// Pays what an order still owes.
    "command" pay_order "pay_order" "actor: Actor, fields: Omit<Extract<Command, { command: 'pay_order' }>, 'command'>, idempotencyKey?: string" "Promise<Order>";
    /// Captures authorized money (all without `amount`).
    "command" capture_payment "capture_payment" "actor: Actor, fields: Omit<Extract<Command, { command: 'capture_payment' }>, 'command'>, idempotencyKey?: string" "Promise<Order>";
    /// Refunds captured money (all without `amount`).
    "command" refund_payment "refund_payment" "actor: Actor, fields: Omit<Extract<Command, { command: 'refund_payment' }>, 'command'>, idempotencyKey?: string" "Promise<Order>";
    /// Starts preparing an order.
    "command" process_order "process_order" "actor: Actor, fields: Omit<Extract<Command, { command: 'process_order' }>, 'command'>, idempotencyKey?: string" "Promise<Order>";
    /// Ships units (every remaining unit without `lines`).
    "command" ship_order "ship_order" "actor: Actor, fields: Omit<Extract<Command, { command: 'ship_order' }>, 'command'>, idempotencyKey?: string" "Promise<Order>";
    /// Marks every shipment delivered.
    "command" deliver_order "deliver_order" "actor: Actor, fields: Omit<Extract<Command, { command: 'deliver_order' }>, 'command'>, idempotencyKey?: string" "Promise<Order>";
    /// Cancels an order.
    "command" cancel_order "cancel_order" "actor: Actor, fields: Omit<Extract<Command, { command: 'cancel_order' }>, 'command'>, idempotencyKey?: string" "Promise<Order>";
    /// Cancels what a partly shipped order has not shipped, refunding those units.
    "command" cancel_unshipped "cancel_unshipped" "actor: Actor, fields: Omit<Extract<Command, { command: 'cancel_unshipped' }>, 'command'>, idempotencyKey?: string" "Promise<Order>";
    /// A payment provider's asynchronous result (as the system actor).
    "command" payment_webhook "payment_webhook" "actor: Actor, fields: Omit<Extract<Command, { command: 'payment_webhook' }>, 'command'>, idempotencyKey?: string" "Promise<Order>";
    /// A carrier's tracking update (as the system actor).
    "command" tracking_update "tracking_update" "actor: Actor, fields: Omit<Extract<Command, { command: 'tracking_update' }>, 'command'>, idempotencyKey?: string" "Promise<Order>";
    /// Asks to return delivered units.
    "command" request_return "request_return" "actor: Actor, fields: Omit<Extract<Command, { command: 'request_return' }>, 'command'>, idempotencyKey?: string" "Promise<Order>";
    /// Moves a return along (approve, receive, process, refund, …).
    "command" update_return "update_return" "actor: Actor, fields: Omit<Extract<Command, { command: 'update_return' }>, 'command'>, idempotencyKey?: string" "Promise<Order>";
    /// Sets a stock item.
    "command" set_stock "set_stock" "actor: Actor, fields: Omit<Extract<Command, { command: 'set_stock' }>, 'command'>, idempotencyKey?: string" "Promise<StockItem>";
    /// Adds to or removes from on hand.
    "command" adjust_stock "adjust_stock" "actor: Actor, fields: Omit<Extract<Command, { command: 'adjust_stock' }>, 'command'>, idempotencyKey?: string" "Promise<StockItem>";
    /// One order (another customer's order is `not_found`).
    "query" get_order "get_order" "actor: Actor, fields: Omit<Extract<Query, { query: 'get_order' }>, 'query'>" "Promise<Order>";
    /// A page of orders.
    "query" list_orders "list_orders" "actor: Actor, fields: Omit<Extract<Query, { query: 'list_orders' }>, 'query'>" "Promise<OrderPage>";
    /// Stock of a sku at every location.
    "query" stock_levels "stock_levels" "actor: Actor, fields: Omit<Extract<Query, { query: 'stock_levels' }>, 'query'>" "Promise<StockItem[]>";
    /// The return requests of an order.
    "query" list_returns "list_returns" "actor: Actor, fields: Omit<Extract<Query, { query: 'list_returns' }>, 'query'>" "Promise<Array<Record<string, unknown>>>";
    /// What the asking actor can do next to an order.
    "query" available_actions "available_actions" "actor: Actor, fields: Omit<Extract<Query, { query: 'available_actions' }>, 'query'>" "Promise<OrderAction[]>";
    /// Shipping options and prices for an address and lines.
    "query" shipping_rates "shipping_rates" "actor: Actor, fields: Omit<Extract<Query, { query: 'shipping_rates' }>, 'query'>" "Promise<ShippingRate[]>";
    /// Creates a subscription plan at version 1 (admin); resolves to the plan's versions.
    "command" create_plan "create_plan" "actor: Actor, fields: Omit<Extract<Command, { command: 'create_plan' }>, 'command'>, idempotencyKey?: string" "Promise<PlanVersions>";
    /// A new price for a plan: its next version (admin). Subscribers keep theirs.
    "command" reprice_plan "reprice_plan" "actor: Actor, fields: Omit<Extract<Command, { command: 'reprice_plan' }>, 'command'>, idempotencyKey?: string" "Promise<PlanVersions>";
    /// Archives a plan in every version (admin).
    "command" archive_plan "archive_plan" "actor: Actor, fields: Omit<Extract<Command, { command: 'archive_plan' }>, 'command'>, idempotencyKey?: string" "Promise<PlanVersions>";
    /// A subscription plan with every version.
    "query" get_plan "get_plan" "actor: Actor, fields: Omit<Extract<Query, { query: 'get_plan' }>, 'query'>" "Promise<PlanVersions>";
    /// Subscribes a customer to a plan: trialing, or incomplete with its first invoice open.
    "command" subscribe "subscribe" "actor: Actor, fields: Omit<Extract<Command, { command: 'subscribe' }>, 'command'>, idempotencyKey?: string" "Promise<Subscription>";
    /// Cancels a subscription now or at its period's end.
    "command" cancel_subscription "cancel_subscription" "actor: Actor, fields: Omit<Extract<Command, { command: 'cancel_subscription' }>, 'command'>, idempotencyKey?: string" "Promise<Subscription>";
    /// Withdraws a cancellation scheduled for the period's end.
    "command" keep_subscription "keep_subscription" "actor: Actor, fields: Omit<Extract<Command, { command: 'keep_subscription' }>, 'command'>, idempotencyKey?: string" "Promise<Subscription>";
    /// A subscription (another customer's is `not_found`).
    "query" get_subscription "get_subscription" "actor: Actor, fields: Omit<Extract<Query, { query: 'get_subscription' }>, 'query'>" "Promise<Subscription>";
    /// Changes a subscription's plan or seats, prorated by the second (or at the period's end).
    "command" change_subscription "change_subscription" "actor: Actor, fields: Omit<Extract<Command, { command: 'change_subscription' }>, 'command'>, idempotencyKey?: string" "Promise<Subscription>";
    /// Bills a subscription's due period now (a trial's end, a renewal, a scheduled cancellation); nothing due: unchanged.
    "command" renew_subscription "renew_subscription" "actor: Actor, fields: Omit<Extract<Command, { command: 'renew_subscription' }>, 'command'>, idempotencyKey?: string" "Promise<Subscription>";
    /// Pauses a subscription at once, crediting the unused time of the period paid for.
    "command" pause_subscription "pause_subscription" "actor: Actor, fields: Omit<Extract<Command, { command: 'pause_subscription' }>, 'command'>, idempotencyKey?: string" "Promise<Subscription>";
    /// Resumes a paused subscription on a schedule restarted now, its first period invoiced.
    "command" resume_subscription "resume_subscription" "actor: Actor, fields: Omit<Extract<Command, { command: 'resume_subscription' }>, 'command'>, idempotencyKey?: string" "Promise<Subscription>";
    /// Charges what an open invoice is due (declined: rejects with `payment_declined`, the attempt recorded).
    "command" pay_invoice "pay_invoice" "actor: Actor, fields: Omit<Extract<Command, { command: 'pay_invoice' }>, 'command'>, idempotencyKey?: string" "Promise<Invoice>";
    /// Voids an unpaid invoice (support); the credit balance it used is given back.
    "command" void_invoice "void_invoice" "actor: Actor, fields: Omit<Extract<Command, { command: 'void_invoice' }>, 'command'>, idempotencyKey?: string" "Promise<Invoice>";
    /// Marks an open invoice uncollectible (support); it can still be paid.
    "command" mark_invoice_uncollectible "mark_invoice_uncollectible" "actor: Actor, fields: Omit<Extract<Command, { command: 'mark_invoice_uncollectible' }>, 'command'>, idempotencyKey?: string" "Promise<Invoice>";
    /// An invoice (another customer's is `not_found`).
    "query" get_invoice "get_invoice" "actor: Actor, fields: Omit<Extract<Query, { query: 'get_invoice' }>, 'query'>" "Promise<Invoice>";
    /// A page of subscriptions by creation (a customer sees only its own).
    "query" list_subscriptions "list_subscriptions" "actor: Actor, fields: Omit<Extract<Query, { query: 'list_subscriptions' }>, 'query'>" "Promise<SubscriptionPage>";
    /// A page of a subscription's invoices, oldest first.
    "query" list_invoices "list_invoices" "actor: Actor, fields: Omit<Extract<Query, { query: 'list_invoices' }>, 'query'>" "Promise<InvoicePage>";
    /// What the subscription's next renewal will invoice (a draft; nothing is stored).
    "query" upcoming_invoice "upcoming_invoice" "actor: Actor, fields: Omit<Extract<Query, { query: 'upcoming_invoice' }>, 'query'>" "Promise<Invoice>";
}

#[napi]
impl Engine {
    /// Builds an engine: `config` has the optional keys `engine`, `products`, `promotions`,
    /// `tax_rules`, `carrier`, `clock` (a fixed instant), `id_seed` and `payment_script`.
    /// `hosts` replaces built-in components with the host's own: `store` (documents in the
    /// host's database), `gateway`, `carrier` and `tax` (see `Store`, `PaymentGateway`,
    /// `Carrier`, `TaxProvider`); `hostTimeoutMs` (default 30,000) bounds each call to them.
    #[napi(
        constructor,
        catch_unwind,
        ts_args_type = "config?: EngineSpec, hosts?: EngineHosts"
    )]
    pub fn new(env: Env, config: Option<Unknown>, hosts: Option<Unknown>) -> Result<Self> {
        let config_text = match present(config) {
            Some(value) => document_text(&env, value, "config").map_err(|e| throw(&env, e))?,
            None => "{}".to_string(),
        };
        let parsed: JsonConfig = parse(&config_text, "config").map_err(|e| throw(&env, e))?;
        let (mut plugins, logger) = match present(hosts) {
            Some(hosts) => host_parts(hosts).map_err(|e| throw(&env, e))?,
            None => (Plugins::default(), None),
        };
        if logger.is_some() {
            plugins.stopwatch = Some(Arc::new(ordercore::clock::MonotonicStopwatch::new()));
        }
        let inline = plugins.store.is_none()
            && plugins.gateway.is_none()
            && plugins.carrier.is_none()
            && plugins.tax.is_none();
        let inner = JsonEngine::from_config(parsed, plugins).map_err(|e| throw(&env, e))?;
        Ok(Engine {
            inner: Arc::new(inner),
            inline,
            logger,
        })
    }

    /// Runs a command (`{ command: 'place_order', … }`) as `actor`; resolves to the command's
    /// output (`{ type: 'order', value: {…} }`). The same `idempotencyKey` with the same
    /// command answers the first result again without doing anything.
    #[napi(
        catch_unwind,
        ts_args_type = "actor: Actor, command: Command, idempotencyKey?: string",
        ts_return_type = "Promise<CommandOutput>"
    )]
    pub fn execute<'e>(
        &self,
        env: &'e Env,
        actor: Unknown,
        command: Unknown,
        idempotency_key: Option<Unknown>,
    ) -> Answer<'e> {
        match command_texts(env, actor, command, idempotency_key) {
            Ok((actor, command, key)) => self.call(env, move |engine, c| {
                let output = engine.execute_output_in(c, &actor, &command, key.as_deref())?;
                output_json(&output).map(Some)
            }),
            Err(error) => self.refuse(env, error),
        }
    }

    /// Answers a query (`{ query: 'get_order', order_id }`, `list_orders`, `stock_levels`,
    /// `list_returns`, `available_actions`, `shipping_rates`).
    #[napi(
        catch_unwind,
        ts_args_type = "actor: Actor, query: Query",
        ts_return_type = "Promise<QueryOutput>"
    )]
    pub fn query<'e>(&self, env: &'e Env, actor: Unknown, query: Unknown) -> Answer<'e> {
        let texts = query_texts(env, actor, query);
        match texts {
            Ok((actor, query)) => self.call(env, move |engine, c| {
                output_json(&engine.query_output_in(c, &actor, &query)?).map(Some)
            }),
            Err(error) => self.refuse(env, error),
        }
    }

    /// Runs a command; resolves to its value alone (the order, the stock item) as the core's
    /// JSON text — for a service that sends the answer on without building JS objects.
    #[napi(
        catch_unwind,
        ts_args_type = "actor: Actor, command: Command, idempotencyKey?: string",
        ts_return_type = "Promise<string>"
    )]
    pub fn execute_json<'e>(
        &self,
        env: &'e Env,
        actor: Unknown,
        command: Unknown,
        idempotency_key: Option<Unknown>,
    ) -> Answer<'e> {
        let texts = command_texts(env, actor, command, idempotency_key);
        let work: ordercore::Result<Work> = texts.map(|(actor, command, key)| -> Work {
            Box::new(move |engine, c| {
                let output = engine.execute_output_in(c, &actor, &command, key.as_deref())?;
                let text = command_value_json(&output)?;
                Ok(Answered::Text(Some(text)))
            })
        });
        self.task(env, work, Shape::Text)
    }

    /// Answers a query's value alone (the order, the page, the list) as JSON text.
    #[napi(
        catch_unwind,
        ts_args_type = "actor: Actor, query: Query",
        ts_return_type = "Promise<string>"
    )]
    pub fn query_json<'e>(&self, env: &'e Env, actor: Unknown, query: Unknown) -> Answer<'e> {
        let texts = query_texts(env, actor, query);
        let work: ordercore::Result<Work> = texts.map(|(actor, query)| -> Work {
            Box::new(move |engine, c| {
                let text = query_value_json(&engine.query_output_in(c, &actor, &query)?)?;
                Ok(Answered::Text(Some(text)))
            })
        });
        self.task(env, work, Shape::Text)
    }

    /// Runs the scheduler once (expire unpaid orders, advance scheduled ones); resolves to
    /// `{ expired, advanced, failed }`.
    #[napi(
        catch_unwind,
        ts_args_type = "actor?: Actor",
        ts_return_type = "Promise<TickReport>"
    )]
    pub fn tick<'e>(&self, env: &'e Env, actor: Option<Unknown>) -> Answer<'e> {
        let actor = match actor {
            Some(value) => document_text(env, value, "actor"),
            None => Ok(r#"{"type":"system"}"#.to_string()),
        };
        match actor {
            Ok(actor) => self.call(env, move |engine, _| engine.tick(&actor).map(Some)),
            Err(error) => self.refuse(env, error),
        }
    }

    /// Prices a cart with the engine's promotions and tax; resolves to the breakdown.
    #[napi(
        catch_unwind,
        ts_args_type = "cart: Cart, context?: PricingContext",
        ts_return_type = "Promise<PriceBreakdown>"
    )]
    pub fn price<'e>(&self, env: &'e Env, cart: Unknown, context: Option<Unknown>) -> Answer<'e> {
        let texts = document_text(env, cart, "cart").and_then(|c| {
            let context = match context {
                Some(value) => document_text(env, value, "context")?,
                None => "{}".to_string(),
            };
            Ok((c, context))
        });
        match texts {
            Ok((cart, context)) => self.call(env, move |engine, _| {
                engine.price(&cart, &context).map(Some)
            }),
            Err(error) => self.refuse(env, error),
        }
    }

    /// Undelivered outbox events, oldest first: `[{ position, event }]`.
    #[napi(
        catch_unwind,
        ts_args_type = "limit?: number",
        ts_return_type = "Promise<OutboxEntry[]>"
    )]
    pub fn pending_events<'e>(&self, env: &'e Env, limit: Option<Unknown>) -> Answer<'e> {
        let limit = match present(limit).map(|l| integer_arg(l, "limit")).transpose() {
            Ok(limit) => limit.unwrap_or(100),
            Err(error) => return self.refuse(env, error),
        };
        match usize::try_from(limit) {
            Ok(limit) => self.call(env, move |engine, _| engine.pending_events(limit).map(Some)),
            Err(_) => self.refuse(env, invalid("limit", format!("{limit} is negative"))),
        }
    }

    /// Marks outbox events delivered (their `position`s).
    #[napi(
        catch_unwind,
        ts_args_type = "positions: number[]",
        ts_return_type = "Promise<void>"
    )]
    pub fn mark_delivered<'e>(&self, env: &'e Env, positions: Unknown) -> Answer<'e> {
        match document_text(env, positions, "positions") {
            Ok(text) => self.call(env, move |engine, _| {
                engine.mark_delivered(&text).map(|()| None)
            }),
            Err(error) => self.refuse(env, error),
        }
    }

    /// Moves the fixed clock of an engine configured with `clock` (an RFC 3339 instant or a
    /// `Date`).
    #[napi(catch_unwind, ts_args_type = "at: string | Date")]
    pub fn set_clock(&self, env: Env, at: Unknown) -> Result<()> {
        let text = document_text(&env, at, "at").map_err(|e| throw(&env, e))?;
        let at: String = parse(&text, "at").map_err(|e| throw(&env, e))?;
        self.inner.set_clock(&at).map_err(|e| throw(&env, e))
    }

    /// Checks a webhook's signature: `hex(HMAC-SHA256(secret, "{timestamp}.{payload}"))` with
    /// `timestamp` (Unix seconds) within five minutes of the engine's clock. Throws an
    /// `invalid_signature` error otherwise.
    #[napi(
        catch_unwind,
        ts_args_type = "secret: string, payload: string, timestamp: number, signature: string"
    )]
    pub fn verify_webhook(
        &self,
        env: Env,
        secret: Unknown,
        payload: Unknown,
        timestamp: Unknown,
        signature: Unknown,
    ) -> Result<()> {
        let verify = || -> ordercore::Result<()> {
            self.inner.verify_webhook(
                &string_arg(secret, "secret")?,
                &string_arg(payload, "payload")?,
                integer_arg(timestamp, "timestamp")?,
                &string_arg(signature, "signature")?,
            )
        };
        verify().map_err(|e| throw(&env, e))
    }
}

/// The signature `verifyWebhook` expects: `hex(HMAC-SHA256(secret, "{timestamp}.{payload}"))`
/// (for tests, and for hosts that sign their own internal webhooks).
#[napi(
    catch_unwind,
    ts_args_type = "secret: string, payload: string, timestamp: number"
)]
pub fn sign_webhook(
    env: Env,
    secret: Unknown,
    payload: Unknown,
    timestamp: Unknown,
) -> Result<String> {
    let sign = || -> ordercore::Result<String> {
        Ok(ordercore::shipping::sign_webhook(
            string_arg(secret, "secret")?.as_bytes(),
            string_arg(payload, "payload")?.as_bytes(),
            integer_arg(timestamp, "timestamp")?,
        ))
    };
    sign().map_err(|e| throw(&env, e))
}

/// The pricing API without an engine: built once from `{ config?, tax_rules?, promotions? }`,
/// then prices carts synchronously (pure computation, no store).
#[napi]
pub struct Pricer {
    inner: JsonPricer,
}

#[napi]
impl Pricer {
    /// Builds a pricer; promotions and tax rules are validated here, once.
    #[napi(constructor, catch_unwind, ts_args_type = "spec?: PricerSpec")]
    pub fn new(env: Env, spec: Option<Unknown>) -> Result<Self> {
        let text = match present(spec) {
            Some(value) => document_text(&env, value, "spec").map_err(|e| throw(&env, e))?,
            None => "{}".to_string(),
        };
        let inner = JsonPricer::new(&text).map_err(|e| throw(&env, e))?;
        Ok(Pricer { inner })
    }

    /// Prices a cart into its breakdown. `context` (`{ now, usage }`) defaults to now (the
    /// system clock) with no recorded promotion usage.
    #[napi(
        catch_unwind,
        ts_args_type = "cart: Cart, context?: PricingContext",
        ts_return_type = "PriceBreakdown"
    )]
    pub fn price<'e>(
        &self,
        env: &'e Env,
        cart: Unknown<'e>,
        context: Option<Unknown<'e>>,
    ) -> Result<Unknown<'e>> {
        let price = || -> ordercore::Result<String> {
            let cart = document_text(env, cart, "cart")?;
            let context = match present(context) {
                Some(value) => document_text(env, value, "context")?,
                None => String::new(),
            };
            self.inner.price(&cart, &context)
        };
        let answer = price().map_err(|e| throw(env, e))?;
        parse_json(env, &answer)
    }

    /// The native half of `quote` (the JS half, in `ordercore.js`, builds the `Quote`): the
    /// cart's and context's JSON text (what `JSON.stringify` made of them) priced, answered as
    /// one space-separated text — currency, prices_include_tax, rounding, tax_rounding, the five
    /// totals and, when no context was given, the context it was priced in (`{"now": …}`), so
    /// that reading the lists later prices the same cart at the same instant. One string
    /// instead of an object or a wrapped native value: either costs more than the pricing
    /// (measured in `benches/README.md`). Not part of the API, so no typings.
    #[napi(js_name = "quoteTotals", catch_unwind, skip_typescript)]
    pub fn quote_totals(
        &self,
        env: &Env,
        cart_json: Unknown,
        context_json: Unknown,
    ) -> Result<String> {
        let quote = || -> ordercore::Result<String> {
            let cart = string_arg(cart_json, "cart")?;
            let context = string_arg(context_json, "context")?;
            let fixed = JsonPricer::fixed_context(&context)?;
            let made = matches!(fixed, std::borrow::Cow::Owned(_));
            let breakdown = self.inner.quote_json(
                &amounts_from_doubles(&cart, "cart")?,
                &amounts_from_doubles(&fixed, "context")?,
            )?;
            let words = [
                breakdown.currency.code().to_string(),
                breakdown.prices_include_tax.to_string(),
                enum_name(&breakdown.rounding)?,
                enum_name(&breakdown.tax_rounding)?,
                breakdown.subtotal.to_string(),
                breakdown.discount_total.to_string(),
                breakdown.shipping_total.to_string(),
                breakdown.tax_total.to_string(),
                breakdown.grand_total.to_string(),
            ];
            let mut text = words.join(" ");
            if made {
                text.push(' ');
                text.push_str(&fixed);
            }
            Ok(text)
        };
        quote().map_err(|e| throw(env, e))
    }

    /// `price` for JSON text: the cart's (and context's) JSON in, the breakdown's JSON out, with
    /// no JS objects built on either side — for services that forward request bodies and send
    /// the breakdown as a response body. Numbers follow the same exact-conversion rule.
    #[napi(catch_unwind, ts_args_type = "cartJson: string, contextJson?: string")]
    pub fn price_json(
        &self,
        env: Env,
        cart_json: Unknown,
        context_json: Option<Unknown>,
    ) -> Result<String> {
        let price = || -> ordercore::Result<String> {
            let cart = string_arg(cart_json, "cartJson")?;
            let context = match present(context_json) {
                Some(value) => string_arg(value, "contextJson")?,
                None => String::new(),
            };
            self.inner.price(
                &amounts_from_doubles(&cart, "cart")?,
                &amounts_from_doubles(&context, "context")?,
            )
        };
        price().map_err(|e| throw(&env, e))
    }
}

/// Prices `{ cart, config?, tax_rules?, promotions?, context? }` (the shape of the shared test
/// vectors) without an engine, synchronously; returns the breakdown.
#[napi(
    catch_unwind,
    ts_args_type = "request: PriceRequest",
    ts_return_type = "PriceBreakdown"
)]
pub fn price_request<'e>(env: &'e Env, request: Unknown<'e>) -> Result<Unknown<'e>> {
    let text = document_text(env, request, "request").map_err(|e| throw(env, e))?;
    let answer = ordercore::json::price_request(&text).map_err(|e| throw(env, e))?;
    parse_json(env, &answer)
}

/// Every stable error code of the core (the `code` of a rejected call).
#[napi(catch_unwind)]
pub fn error_codes() -> Vec<&'static str> {
    ordercore::Error::CODES.to_vec()
}

/// The keys under which documents carry decimal amounts (as strings).
#[napi(catch_unwind)]
pub fn amount_fields() -> Vec<&'static str> {
    ordercore::json::AMOUNT_FIELDS.to_vec()
}
