//! `ordercore._native`: the JSON façade of the core, for the Python package in `python/`.
//! Translation only: JSON text in, JSON text out, errors as the package's exception classes (`errors`); the
//! engine's work runs with the GIL released.

mod convert;
mod de;
mod document;
mod errors;
#[doc(hidden)]
pub mod fuzzing;
mod quote;
mod records;
mod sqlite;

use std::cell::RefCell;
use std::sync::Arc;

use convert::json_to_python;
use errors::raise;
use ordercore::actor::Actor;
use ordercore::command::Command;
use ordercore::engine::CallContext;
use ordercore::host::{HostCarrier, HostFunction, HostGateway, HostStore, HostTaxProvider};
use ordercore::json::{
    JsonConfig, JsonEngine, JsonPricer, Plugins, command_value_json, output_json, parse,
    price_request, query_value_json,
};
use ordercore::pricing::{Cart, PricingContext};
use pyo3::prelude::*;
use pyo3::types::PyDict;

thread_local! {
    /// The exception a host plug-in raised during the engine call running on this thread: it is
    /// re-raised unchanged instead of the core's `provider_error`. Per thread (engine calls run
    /// on their caller's thread, plug-ins too), so concurrent calls never see each other's.
    static RAISED: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// Keeps `error` for the engine call on this thread; answers the core error standing for it.
fn keep(component: &str, error: PyErr) -> ordercore::Error {
    let message = error.to_string();
    RAISED.with(|slot| *slot.borrow_mut() = Some(error));
    ordercore::Error::Provider {
        component: component.into(),
        message,
    }
}

fn take_raised() -> Option<PyErr> {
    RAISED.with(|slot| slot.borrow_mut().take())
}

/// A store, gateway, carrier or tax service written in Python: an object whose `call(method,
/// request_json)` answers JSON text (the package adapts the documented protocols to it).
struct PyHost {
    host: Py<PyAny>,
    component: &'static str,
}

impl HostFunction for PyHost {
    fn call(&self, method: &str, request_json: &str) -> ordercore::Result<String> {
        Python::attach(|py| {
            let answer = self
                .host
                .call_method1(py, "call", (method, request_json))
                .map_err(|e| keep(self.component, e))?;
            answer
                .extract::<String>(py)
                .map_err(|e| keep(self.component, e))
        })
    }
}

/// An engine driven by JSON text (see `ordercore.json::JsonEngine`).
#[pyclass(frozen, module = "ordercore._native")]
struct Engine {
    inner: JsonEngine,
}

impl Engine {
    /// Runs `work` without the GIL, on behalf of the request `ordercore.correlation_id` names;
    /// a host store's own exception comes back out unchanged.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        work: impl FnOnce(&JsonEngine, &CallContext<'_>) -> ordercore::Result<T> + Send,
    ) -> PyResult<T> {
        let correlation_id = records::correlation_id(py);
        let result = py.detach(|| {
            let context = CallContext {
                correlation_id: correlation_id.as_deref(),
            };
            let result = work(&self.inner, &context);
            (result, take_raised())
        });
        match result {
            (Ok(value), _) => Ok(value),
            (Err(error), Some(raised)) if error.code() == "provider_error" => Err(raised),
            (Err(error), _) => Err(raise(error)),
        }
    }
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (config_json, store=None, gateway=None, carrier=None, tax=None))]
    fn new(
        py: Python<'_>,
        config_json: &str,
        store: Option<Py<PyAny>>,
        gateway: Option<Py<PyAny>>,
        carrier: Option<Py<PyAny>>,
        tax: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let host = |component: &'static str, host: Py<PyAny>| -> Arc<dyn HostFunction> {
            Arc::new(PyHost { host, component })
        };
        let store = store.map(|s| match s.bind(py).cast::<sqlite::SqliteStore>() {
            Ok(native) => native.get().inner.clone() as Arc<dyn ordercore::store::Store>,
            Err(_) => Arc::new(HostStore(host("store", s))) as _,
        });
        let plugins = Plugins {
            store,
            gateway: gateway.map(|g| Arc::new(HostGateway(host("gateway", g))) as _),
            carrier: carrier.map(|c| Arc::new(HostCarrier(host("carrier", c))) as _),
            tax: tax.map(|t| Arc::new(HostTaxProvider(host("tax", t))) as _),
            stopwatch: Some(records::stopwatch()),
        };
        let config: JsonConfig = parse(config_json, "config").map_err(raise)?;
        let inner = py
            .detach(|| JsonEngine::from_config(config, plugins))
            .map_err(raise)?;
        Ok(Engine { inner })
    }

    #[pyo3(signature = (actor_json, command_json, idempotency_key=None))]
    fn execute(
        &self,
        py: Python<'_>,
        actor_json: &str,
        command_json: &str,
        idempotency_key: Option<&str>,
    ) -> PyResult<String> {
        self.run(py, |e, c| {
            output_json(&e.execute_output_in(c, actor_json, command_json, idempotency_key)?)
        })
    }

    fn query(&self, py: Python<'_>, actor_json: &str, query_json: &str) -> PyResult<String> {
        self.run(py, |e, c| {
            output_json(&e.query_output_in(c, actor_json, query_json)?)
        })
    }

    /// A command's value alone (the order, the stock item) as JSON text.
    #[pyo3(signature = (actor_json, command_json, idempotency_key=None))]
    fn execute_value(
        &self,
        py: Python<'_>,
        actor_json: &str,
        command_json: &str,
        idempotency_key: Option<&str>,
    ) -> PyResult<String> {
        self.run(py, |e, c| {
            command_value_json(&e.execute_output_in(
                c,
                actor_json,
                command_json,
                idempotency_key,
            )?)
        })
    }

    /// A query's value alone as JSON text.
    fn query_value(&self, py: Python<'_>, actor_json: &str, query_json: &str) -> PyResult<String> {
        self.run(py, |e, c| {
            query_value_json(&e.query_output_in(c, actor_json, query_json)?)
        })
    }

    /// A command's order as a `Document` that converts the fields read.
    #[pyo3(signature = (actor_json, command_json, idempotency_key=None))]
    fn execute_order(
        &self,
        py: Python<'_>,
        actor_json: &str,
        command_json: &str,
        idempotency_key: Option<&str>,
    ) -> PyResult<document::Document> {
        let order = self.run(py, |e, c| {
            let output = e.execute_output_in(c, actor_json, command_json, idempotency_key)?;
            output.into_order().ok_or_else(not_an_order)
        })?;
        Ok(document::Document::new(order))
    }

    /// `execute_order` with the actor and the command as Python objects (dicts, lists, str,
    /// int, Decimal; anything else through `default`, the package's JSON hook), read straight
    /// into the core's types: no JSON text is written or parsed in between. `None`, before
    /// anything runs, when either is not plain enough to read this way: the package then takes
    /// the JSON path, which reads what JSON can and names what is wrong.
    #[pyo3(signature = (actor, command, idempotency_key, default))]
    fn execute_order_objects(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        command: &Bound<'_, PyAny>,
        idempotency_key: Option<&str>,
        default: &Bound<'_, PyAny>,
    ) -> PyResult<Option<document::Document>> {
        let Some(actor) = de::plain_from_python::<Actor>(actor, default)? else {
            return Ok(None);
        };
        let Some(command) = de::plain_from_python::<Command>(command, default)? else {
            return Ok(None);
        };
        let order = self.run(py, |e, c| {
            let output = e
                .engine()
                .execute_in(c, &actor, &command, idempotency_key)?;
            output.into_order().ok_or_else(not_an_order)
        })?;
        Ok(Some(document::Document::new(order)))
    }

    /// A query's order (`get_order`) as a `Document`.
    fn query_order(
        &self,
        py: Python<'_>,
        actor_json: &str,
        query_json: &str,
    ) -> PyResult<document::Document> {
        let order = self.run(py, |e, c| {
            match e.query_output_in(c, actor_json, query_json)? {
                ordercore::command::QueryOutput::Order(order) => Ok(order),
                _ => Err(not_an_order()),
            }
        })?;
        Ok(document::Document::new(order))
    }

    fn tick(&self, py: Python<'_>, actor_json: &str) -> PyResult<String> {
        self.run(py, |e, _| e.tick(actor_json))
    }

    fn price(&self, py: Python<'_>, cart_json: &str, context_json: &str) -> PyResult<String> {
        self.run(py, |e, _| e.price(cart_json, context_json))
    }

    fn pending_events(&self, py: Python<'_>, limit: usize) -> PyResult<String> {
        self.run(py, |e, _| e.pending_events(limit))
    }

    fn mark_delivered(&self, py: Python<'_>, positions_json: &str) -> PyResult<()> {
        self.run(py, |e, _| e.mark_delivered(positions_json))
    }

    fn set_clock(&self, at: &str) -> PyResult<()> {
        self.inner.set_clock(at).map_err(raise)
    }

    fn verify_webhook(
        &self,
        secret: &str,
        payload: &str,
        timestamp: i64,
        signature: &str,
    ) -> PyResult<()> {
        self.inner
            .verify_webhook(secret, payload, timestamp, signature)
            .map_err(raise)
    }
}

/// The package asked for an order from a command or query that answers something else.
fn not_an_order() -> ordercore::Error {
    ordercore::Error::invalid("command", "answers no order")
}

/// `hex(HMAC-SHA256(secret, "{timestamp}.{payload}"))`, the signature `verify_webhook` expects.
#[pyfunction]
fn sign_webhook(secret: &str, payload: &str, timestamp: i64) -> String {
    ordercore::shipping::sign_webhook(secret.as_bytes(), payload.as_bytes(), timestamp)
}

/// The pricing API without an engine: built once from `{config, tax_rules, promotions}`.
#[pyclass(frozen, module = "ordercore._native")]
struct Pricer {
    inner: JsonPricer,
}

#[pymethods]
impl Pricer {
    #[new]
    fn new(py: Python<'_>, spec_json: &str) -> PyResult<Self> {
        let inner = py.detach(|| JsonPricer::new(spec_json)).map_err(raise)?;
        Ok(Pricer { inner })
    }

    fn price(&self, py: Python<'_>, cart_json: &str, context_json: &str) -> PyResult<String> {
        py.detach(|| self.inner.price(cart_json, context_json))
            .map_err(raise)
    }

    /// Prices a cart given as Python objects (dicts, lists, str, int, Decimal; anything else
    /// through `default`, the package's JSON hook) into a `Quote` that converts on access.
    #[pyo3(signature = (cart, context, default))]
    fn quote(
        &self,
        py: Python<'_>,
        cart: &Bound<'_, PyAny>,
        context: Option<&Bound<'_, PyAny>>,
        default: &Bound<'_, PyAny>,
    ) -> PyResult<quote::Quote> {
        let cart: Cart = de::from_python(cart, default, "cart")?;
        // No context, or an empty one, prices now (as the JSON path does).
        let context: Option<PricingContext> = match context {
            Some(context)
                if !context.is_none() && !context.cast::<PyDict>().is_ok_and(|d| d.is_empty()) =>
            {
                Some(de::from_python(context, default, "context")?)
            }
            _ => None,
        };
        let breakdown = py
            .detach(|| self.inner.quote(&cart, context.as_ref()))
            .map_err(raise)?;
        Ok(quote::Quote::new(breakdown))
    }
}

/// Prices a request in the shape of a shared test vector; answers the breakdown's JSON.
#[pyfunction(name = "price_request")]
fn price(py: Python<'_>, request_json: &str) -> PyResult<String> {
    py.detach(|| price_request(request_json)).map_err(raise)
}

/// Parses a document answered by the engine into dicts and lists, with `Decimal` amounts (the
/// keys of `amount_fields()`): the package's decoder, done here because it is the hot path.
#[pyfunction]
fn decode<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    json_to_python(py, text)
}

/// Every stable error code of the core.
#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    ordercore::Error::CODES.to_vec()
}

/// `{code: exception class}` for every code of the core.
#[pyfunction]
fn error_classes(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    errors::error_classes(py)
}

/// The keys under which documents carry decimal amounts (converted to `Decimal` in Python).
#[pyfunction]
fn amount_fields() -> Vec<&'static str> {
    ordercore::json::AMOUNT_FIELDS.to_vec()
}

/// Checks a host store (`store.call(method, request_json)`, what the package adapts a `Store`
/// to; empty when called) against the core's store contract, without the GIL: `AssertionError`
/// naming the broken rule, or the store's own exception unchanged.
#[pyfunction]
fn check_store(py: Python<'_>, store: Py<PyAny>) -> PyResult<()> {
    let host = HostStore(Arc::new(PyHost {
        host: store,
        component: "store",
    }));
    let (checked, raised) = py.detach(|| {
        let checked = ordercore::store_contract::check(&host);
        (checked, take_raised())
    });
    match (checked, raised) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(raised)) => Err(raised),
        (Err(rule), None) => Err(pyo3::exceptions::PyAssertionError::new_err(rule)),
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    records::install(m)?;
    m.add_class::<Engine>()?;
    m.add_class::<Pricer>()?;
    m.add_class::<quote::Quote>()?;
    m.add_class::<document::Document>()?;
    m.add_class::<sqlite::SqliteStore>()?;
    m.add_function(wrap_pyfunction!(price, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(amount_fields, m)?)?;
    m.add_function(wrap_pyfunction!(sign_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(decode, m)?)?;
    m.add_function(wrap_pyfunction!(error_classes, m)?)?;
    m.add_function(wrap_pyfunction!(check_store, m)?)?;
    errors::add_classes(m)?;
    Ok(())
}
