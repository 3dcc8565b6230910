//! `ordercore._native`: the JSON façade of the core, for the Python package in `python/`.
//! Translation only: JSON text in, JSON text out, errors as the package's exception classes (`errors`); the
//! engine's work runs with the GIL released.

mod convert;
mod de;
mod errors;
#[doc(hidden)]
pub mod fuzzing;
mod quote;

use std::cell::RefCell;
use std::sync::Arc;

use convert::json_to_python;
use errors::raise;
use ordercore::host::{HostCarrier, HostFunction, HostGateway, HostTaxProvider};
use ordercore::json::{JsonConfig, JsonEngine, JsonPricer, Plugins, parse, price_request};
use ordercore::pricing::{Cart, PricingContext};
use ordercore::store::{
    ChangeSet, DocKey, Document, IdempotencyRecord, OrderPage, OrderQuery, OutboxEntry, Store,
    Versioned,
};
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

/// A gateway, carrier or tax service written in Python: an object whose `call(method,
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

/// A `Store` implemented by a Python object (see `ordercore.Store`). Its exceptions are kept
/// and re-raised unchanged to the caller of the engine method that hit them.
struct PyStore {
    host: Py<PyAny>,
}

impl PyStore {
    fn fail(&self, error: PyErr) -> ordercore::Error {
        keep("store", error)
    }

    fn unreadable(&self, what: &str, error: impl std::fmt::Display) -> ordercore::Error {
        ordercore::Error::Provider {
            component: "store".into(),
            message: format!("store returned an unreadable {what}: {error}"),
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, ordercore::Error> {
    serde_json::to_string(value).map_err(|e| ordercore::Error::InvalidInput {
        field: "store".into(),
        message: e.to_string(),
    })
}

impl Store for PyStore {
    fn load(&self, key: &DocKey) -> ordercore::Result<Option<Versioned<Document>>> {
        Python::attach(|py| {
            let answer = self
                .host
                .call_method1(py, "load", (key.kind.name(), key.id.as_str()))
                .map_err(|e| self.fail(e))?;
            if answer.is_none(py) {
                return Ok(None);
            }
            let (version, body): (u64, String) = answer
                .extract(py)
                .map_err(|e| self.unreadable("document", e))?;
            let value: Document =
                serde_json::from_str(&body).map_err(|e| self.unreadable("document", e))?;
            Ok(Some(Versioned { version, value }))
        })
    }

    fn commit(&self, changes: ChangeSet) -> ordercore::Result<()> {
        let mut writes = Vec::with_capacity(changes.writes.len());
        for write in &changes.writes {
            let index = write.document.order_index();
            writes.push((
                write.key.kind.name(),
                write.key.id.to_string(),
                write.expected_version,
                json(&write.document)?,
                index.as_ref().map(|i| i.customer_id.clone()),
                index.as_ref().map(|i| i.state),
                index.as_ref().map(|i| i.created_at.clone()),
                index.and_then(|i| i.due_at),
            ));
        }
        let events: Vec<String> = changes.events.iter().map(json).collect::<Result<_, _>>()?;
        let record = changes
            .idempotency
            .as_ref()
            .map(|r| json(r).map(|text| (r.key.clone(), text)))
            .transpose()?;
        Python::attach(|py| {
            let kwargs = PyDict::new(py);
            let list = pyo3::types::PyList::empty(py);
            for (kind, id, expected, document, customer, state, created, due) in writes {
                let write = PyDict::new(py);
                for (k, v) in [
                    ("kind", Some(kind.to_string())),
                    ("id", Some(id)),
                    ("document", Some(document)),
                    ("customer_id", customer),
                    ("state", state.map(str::to_string)),
                    ("created_at", created),
                    ("due_at", due),
                ] {
                    write.set_item(k, v).map_err(|e| self.fail(e))?;
                }
                write
                    .set_item("expected_version", expected)
                    .map_err(|e| self.fail(e))?;
                list.append(write).map_err(|e| self.fail(e))?;
            }
            kwargs.set_item("writes", list).map_err(|e| self.fail(e))?;
            kwargs
                .set_item("events", events)
                .map_err(|e| self.fail(e))?;
            kwargs
                .set_item("idempotency", record)
                .map_err(|e| self.fail(e))?;
            let answer = self
                .host
                .call_method(py, "commit", (), Some(&kwargs))
                .map_err(|e| self.fail(e))?;
            let status: Option<String> = answer
                .extract(py)
                .map_err(|e| self.unreadable("commit status", e))?;
            match status.as_deref() {
                None | Some("ok") => Ok(()),
                Some("version_conflict") => Err(ordercore::Error::VersionConflict {
                    key: "store".into(),
                }),
                Some("idempotency_conflict") => Err(ordercore::Error::IdempotencyConflict {
                    key: changes
                        .idempotency
                        .as_ref()
                        .map(|r| r.key.clone())
                        .unwrap_or_default(),
                }),
                Some(other) => Err(self.unreadable("commit status", other)),
            }
        })
    }

    fn find_orders(&self, query: &OrderQuery) -> ordercore::Result<OrderPage> {
        let q = query.filter()?;
        Python::attach(|py| {
            let kwargs = PyDict::new(py);
            let set = |k: &str, v: Option<String>| kwargs.set_item(k, v);
            set("customer_id", q.customer_id.clone())
                .and_then(|()| set("state", q.state.map(str::to_string)))
                .and_then(|()| set("due_before", q.due_before.clone()))
                .and_then(|()| {
                    set(
                        "after_created_at",
                        q.after.as_ref().map(|(at, _)| at.clone()),
                    )
                })
                .and_then(|()| set("after_id", q.after.as_ref().map(|(_, id)| id.clone())))
                .and_then(|()| kwargs.set_item("limit", q.limit))
                .map_err(|e| self.fail(e))?;
            let answer = self
                .host
                .call_method(py, "find_orders", (), Some(&kwargs))
                .map_err(|e| self.fail(e))?;
            let (documents, more): (Vec<String>, bool) =
                answer.extract(py).map_err(|e| self.unreadable("page", e))?;
            let mut orders = Vec::with_capacity(documents.len());
            for text in documents {
                if let Document::Order(order) =
                    serde_json::from_str(&text).map_err(|e| self.unreadable("order", e))?
                {
                    orders.push(std::sync::Arc::unwrap_or_clone(order));
                }
            }
            let next = if more {
                orders.last().map(ordercore::store::order_cursor)
            } else {
                None
            };
            Ok(OrderPage { orders, next })
        })
    }

    fn idempotency(&self, key: &str) -> ordercore::Result<Option<IdempotencyRecord>> {
        Python::attach(|py| {
            let answer = self
                .host
                .call_method1(py, "idempotency", (key,))
                .map_err(|e| self.fail(e))?;
            let text: Option<String> = answer
                .extract(py)
                .map_err(|e| self.unreadable("record", e))?;
            text.map(|t| serde_json::from_str(&t).map_err(|e| self.unreadable("record", e)))
                .transpose()
        })
    }

    fn pending_events(&self, limit: usize) -> ordercore::Result<Vec<OutboxEntry>> {
        Python::attach(|py| {
            let answer = self
                .host
                .call_method1(py, "pending_events", (limit,))
                .map_err(|e| self.fail(e))?;
            let rows: Vec<(u64, String)> = answer
                .extract(py)
                .map_err(|e| self.unreadable("events", e))?;
            rows.into_iter()
                .map(|(position, text)| {
                    Ok(OutboxEntry {
                        position,
                        event: serde_json::from_str(&text)
                            .map_err(|e| self.unreadable("event", e))?,
                    })
                })
                .collect()
        })
    }

    fn mark_delivered(&self, positions: &[u64]) -> ordercore::Result<()> {
        Python::attach(|py| {
            self.host
                .call_method1(py, "mark_delivered", (positions.to_vec(),))
                .map_err(|e| self.fail(e))?;
            Ok(())
        })
    }
}

/// An engine driven by JSON text (see `ordercore.json::JsonEngine`).
#[pyclass(frozen, module = "ordercore._native")]
struct Engine {
    inner: JsonEngine,
}

impl Engine {
    /// Runs `work` without the GIL; a host store's own exception comes back out unchanged.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        work: impl FnOnce(&JsonEngine) -> ordercore::Result<T> + Send,
    ) -> PyResult<T> {
        let result = py.detach(|| {
            let result = work(&self.inner);
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
        let plugins = Plugins {
            store: store.map(|host| Arc::new(PyStore { host }) as Arc<dyn Store>),
            gateway: gateway.map(|g| Arc::new(HostGateway(host("gateway", g))) as _),
            carrier: carrier.map(|c| Arc::new(HostCarrier(host("carrier", c))) as _),
            tax: tax.map(|t| Arc::new(HostTaxProvider(host("tax", t))) as _),
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
        self.run(py, |e| e.execute(actor_json, command_json, idempotency_key))
    }

    fn query(&self, py: Python<'_>, actor_json: &str, query_json: &str) -> PyResult<String> {
        self.run(py, |e| e.query(actor_json, query_json))
    }

    fn tick(&self, py: Python<'_>, actor_json: &str) -> PyResult<String> {
        self.run(py, |e| e.tick(actor_json))
    }

    fn price(&self, py: Python<'_>, cart_json: &str, context_json: &str) -> PyResult<String> {
        self.run(py, |e| e.price(cart_json, context_json))
    }

    fn pending_events(&self, py: Python<'_>, limit: usize) -> PyResult<String> {
        self.run(py, |e| e.pending_events(limit))
    }

    fn mark_delivered(&self, py: Python<'_>, positions_json: &str) -> PyResult<()> {
        self.run(py, |e| e.mark_delivered(positions_json))
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

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_class::<Pricer>()?;
    m.add_class::<quote::Quote>()?;
    m.add_function(wrap_pyfunction!(price, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(amount_fields, m)?)?;
    m.add_function(wrap_pyfunction!(sign_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(decode, m)?)?;
    m.add_function(wrap_pyfunction!(error_classes, m)?)?;
    errors::add_classes(m)?;
    Ok(())
}
