//! `Quote`: a priced cart kept as the core's breakdown; a field becomes Python objects only
//! when it is read (building all of them — hundreds of `Decimal`s for a 20-line cart — costs
//! more than pricing). The package wraps it in a `Mapping` that caches what was read.

use ordercore::pricing::PriceBreakdown;
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use serde::Serialize;

use crate::convert::{decimal_type, json_to_python};
use crate::raise;

/// The breakdown's keys, in its JSON order (a test checks them against `price`'s dict).
const KEYS: [&str; 14] = [
    "currency",
    "prices_include_tax",
    "rounding",
    "tax_rounding",
    "lines",
    "shipping",
    "subtotal",
    "discount_total",
    "shipping_total",
    "tax_total",
    "grand_total",
    "taxes",
    "promotions",
    "not_applied",
];

#[pyclass(frozen, module = "ordercore._native")]
pub(crate) struct Quote {
    breakdown: PriceBreakdown,
}

impl Quote {
    pub(crate) fn new(breakdown: PriceBreakdown) -> Self {
        Quote { breakdown }
    }
}

fn output_error(error: serde_json::Error) -> PyErr {
    raise(ordercore::Error::InvalidInput {
        field: "output".into(),
        message: error.to_string(),
    })
}

/// An amount as a `Decimal`.
fn amount<'py>(py: Python<'py>, value: &ordercore::Decimal) -> PyResult<Bound<'py, PyAny>> {
    decimal_type(py)?.call1((value.to_string(),))
}

/// A part of the breakdown as Python objects (through its JSON text: serde_json writes it
/// faster than a walk over the Rust values could call into Python).
fn objects<'py, T: Serialize>(py: Python<'py>, field: &T) -> PyResult<Bound<'py, PyAny>> {
    json_to_python(py, &serde_json::to_string(field).map_err(output_error)?)
}

#[pymethods]
impl Quote {
    /// The keys, in the breakdown's order.
    #[staticmethod]
    fn keys() -> Vec<&'static str> {
        KEYS.to_vec()
    }

    /// The whole breakdown as Python objects (what `Pricer.price` returns).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        objects(py, &self.breakdown)
    }

    /// One top-level field as Python objects (amounts as `Decimal`); `KeyError` for others.
    fn field<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        let b = &self.breakdown;
        match key {
            "subtotal" => self.subtotal(py),
            "discount_total" => self.discount_total(py),
            "shipping_total" => self.shipping_total(py),
            "tax_total" => self.tax_total(py),
            "grand_total" => self.grand_total(py),
            "currency" => objects(py, &b.currency),
            "prices_include_tax" => objects(py, &b.prices_include_tax),
            "rounding" => objects(py, &b.rounding),
            "tax_rounding" => objects(py, &b.tax_rounding),
            "lines" => objects(py, &b.lines),
            "shipping" => objects(py, &b.shipping),
            "taxes" => objects(py, &b.taxes),
            "promotions" => objects(py, &b.promotions),
            "not_applied" => objects(py, &b.not_applied),
            _ => Err(PyKeyError::new_err(key.to_string())),
        }
    }

    /// Σ line bases.
    #[getter]
    fn subtotal<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        amount(py, &self.breakdown.subtotal)
    }

    /// Σ discounts on lines and shipping.
    #[getter]
    fn discount_total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        amount(py, &self.breakdown.discount_total)
    }

    /// Shipping before discounts.
    #[getter]
    fn shipping_total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        amount(py, &self.breakdown.shipping_total)
    }

    /// Σ tax on lines and shipping.
    #[getter]
    fn tax_total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        amount(py, &self.breakdown.tax_total)
    }

    /// What the customer pays.
    #[getter]
    fn grand_total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        amount(py, &self.breakdown.grand_total)
    }

    /// The whole breakdown as JSON text (amounts as decimal strings).
    fn json(&self, py: Python<'_>) -> PyResult<String> {
        py.detach(|| serde_json::to_string(&self.breakdown))
            .map_err(output_error)
    }
}
