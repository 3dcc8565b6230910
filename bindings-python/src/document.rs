//! `Document`: an order answered by the engine, kept native (the engine's own shared copy); a
//! top-level field becomes Python objects only when it is read. The package wraps it in
//! `OrderView`, a `Mapping` that caches what was read.

use std::sync::Arc;

use ordercore::json::{AMOUNT_FIELDS, field_json, field_names};
use ordercore::order::Order;
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;

use crate::convert::{decimal_type, json_to_python};
use crate::raise;

#[pyclass(frozen, module = "ordercore._native")]
pub(crate) struct Document {
    order: Arc<Order>,
}

impl Document {
    pub(crate) fn new(order: Arc<Order>) -> Self {
        Document { order }
    }
}

#[pymethods]
impl Document {
    /// The top-level keys, in the order the document's JSON writes them.
    fn keys(&self) -> PyResult<Vec<&'static str>> {
        field_names(&*self.order).map_err(raise)
    }

    /// One top-level field as Python objects (amounts as `Decimal`); `KeyError` for others.
    fn field<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        let text = (field_json(&*self.order, key).map_err(raise)?)
            .ok_or_else(|| PyKeyError::new_err(key.to_string()))?;
        let value = json_to_python(py, &text)?;
        // An amount at the top level has no key above it to tell the decoder.
        if AMOUNT_FIELDS.contains(&key) && value.is_instance_of::<pyo3::types::PyString>() {
            return decimal_type(py)?.call1((value,));
        }
        Ok(value)
    }

    /// The whole document as JSON text (amounts as strings), without building objects.
    fn json(&self) -> PyResult<String> {
        serde_json::to_string(&*self.order)
            .map_err(|e| raise(ordercore::Error::invalid("output", e.to_string())))
    }
}
