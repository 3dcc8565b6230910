//! `ordercore._native`: the JSON façade of the core, for the Python package in `python/`.
//! Translation only: JSON text in, JSON text out, errors as `NativeError(error_json)`; the
//! engine's work runs with the GIL released.

use ordercore::json::{JsonEngine, error_json, price_request};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    _native,
    NativeError,
    PyException,
    "An ordercore error; its argument is the error's JSON document."
);

fn raise(error: ordercore::Error) -> PyErr {
    NativeError::new_err(error_json(&error))
}

/// An engine driven by JSON text (see `ordercore.json::JsonEngine`).
#[pyclass(frozen, module = "ordercore._native")]
struct Engine {
    inner: JsonEngine,
}

#[pymethods]
impl Engine {
    #[new]
    fn new(py: Python<'_>, config_json: &str) -> PyResult<Self> {
        let inner = py.detach(|| JsonEngine::new(config_json)).map_err(raise)?;
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
        py.detach(|| {
            self.inner
                .execute(actor_json, command_json, idempotency_key)
        })
        .map_err(raise)
    }

    fn query(&self, py: Python<'_>, actor_json: &str, query_json: &str) -> PyResult<String> {
        py.detach(|| self.inner.query(actor_json, query_json))
            .map_err(raise)
    }

    fn tick(&self, py: Python<'_>, actor_json: &str) -> PyResult<String> {
        py.detach(|| self.inner.tick(actor_json)).map_err(raise)
    }

    fn price(&self, py: Python<'_>, cart_json: &str, context_json: &str) -> PyResult<String> {
        py.detach(|| self.inner.price(cart_json, context_json))
            .map_err(raise)
    }

    fn pending_events(&self, py: Python<'_>, limit: usize) -> PyResult<String> {
        py.detach(|| self.inner.pending_events(limit))
            .map_err(raise)
    }

    fn mark_delivered(&self, py: Python<'_>, positions_json: &str) -> PyResult<()> {
        py.detach(|| self.inner.mark_delivered(positions_json))
            .map_err(raise)
    }

    fn set_clock(&self, at: &str) -> PyResult<()> {
        self.inner.set_clock(at).map_err(raise)
    }
}

/// Prices a request in the shape of a shared test vector; answers the breakdown's JSON.
#[pyfunction(name = "price_request")]
fn price(py: Python<'_>, request_json: &str) -> PyResult<String> {
    py.detach(|| price_request(request_json)).map_err(raise)
}

/// Every stable error code of the core.
#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    ordercore::Error::CODES.to_vec()
}

/// The keys under which documents carry decimal amounts (converted to `Decimal` in Python).
#[pyfunction]
fn amount_fields() -> Vec<&'static str> {
    ordercore::json::AMOUNT_FIELDS.to_vec()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_function(wrap_pyfunction!(price, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(amount_fields, m)?)?;
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    Ok(())
}
