//! The engine's records (`ordercore::engine::trace`) in Python's `logging`, and the correlation
//! id a host sets for a request.
//!
//! `tracing`'s `log` feature turns each record into a `log` record; `pyo3-log` hands those to
//! the `logging` logger named after their target, `ordercore`. It caches each logger's level (a
//! record below it costs no GIL): a host that changes the `ordercore` logger's level after the
//! first call says so with `ordercore.logging_changed()`.

use std::sync::{Arc, OnceLock};

use ordercore::engine::Stopwatch;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// The bound `get` of the `ordercore.correlation_id` context variable (the id of the request
/// being served), read at every engine call: kept bound, no attribute lookup each time.
static CORRELATION_GET: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Resets pyo3-log's cache of logger levels.
static LOG_CACHE: OnceLock<pyo3_log::ResetHandle> = OnceLock::new();

/// Installs the bridge to `logging` (once per process; another extension's bridge already in
/// place is kept) and the correlation variable on the module.
pub(crate) fn install(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    if let Ok(handle) = pyo3_log::try_init() {
        let _ = LOG_CACHE.set(handle);
    }
    let get = CORRELATION_GET.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("default", py.None())?;
        let variable = (py.import("contextvars")?.getattr("ContextVar")?)
            .call(("ordercore.correlation_id",), Some(&kwargs))?;
        Ok(variable.getattr("get")?.unbind())
    })?;
    m.add("correlation_id", get.bind(py).getattr("__self__")?)?;
    m.add_function(wrap_pyfunction!(logging_changed, m)?)?;
    Ok(())
}

/// Forgets the cached levels of the `logging` loggers: call it after changing them.
#[pyfunction]
fn logging_changed() {
    if let Some(handle) = LOG_CACHE.get() {
        handle.reset();
    }
}

/// The correlation id of the request being served, as the host set it (`None` if unset or not
/// a string).
pub(crate) fn correlation_id(py: Python<'_>) -> Option<String> {
    let value = CORRELATION_GET.get(py)?.bind(py).call0().ok()?;
    if value.is_none() {
        return None;
    }
    value.extract().ok()
}

/// The process's monotonic clock, timing the engine's calls for their records.
pub(crate) fn stopwatch() -> Arc<dyn Stopwatch> {
    Arc::new(ordercore::clock::MonotonicStopwatch::new())
}
