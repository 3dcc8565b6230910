//! `Quote`: a priced cart kept as the core's breakdown; a field becomes Python objects only
//! when it is read (building all of them — hundreds of `Decimal`s for a 20-line cart — costs
//! more than pricing). The package wraps it in a `Mapping` that caches what was read.

use ordercore::pricing::PriceBreakdown;
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use serde::Serialize;

use crate::convert::{decimal_type, to_python};
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

fn value_of<T: Serialize>(field: &T) -> PyResult<serde_json::Value> {
    serde_json::to_value(field).map_err(output_error)
}

#[pymethods]
impl Quote {
    /// The keys, in the breakdown's order.
    #[staticmethod]
    fn keys() -> Vec<&'static str> {
        KEYS.to_vec()
    }

    /// One top-level field as Python objects (amounts as `Decimal`); `KeyError` for others.
    fn field<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        let b = &self.breakdown;
        let decimal = decimal_type(py)?;
        match key {
            "subtotal" => self.subtotal(py),
            "discount_total" => self.discount_total(py),
            "shipping_total" => self.shipping_total(py),
            "tax_total" => self.tax_total(py),
            "grand_total" => self.grand_total(py),
            "currency" => to_python(py, &value_of(&b.currency)?, false, decimal),
            "prices_include_tax" => {
                to_python(py, &value_of(&b.prices_include_tax)?, false, decimal)
            }
            "rounding" => to_python(py, &value_of(&b.rounding)?, false, decimal),
            "tax_rounding" => to_python(py, &value_of(&b.tax_rounding)?, false, decimal),
            "lines" => to_python(py, &value_of(&b.lines)?, false, decimal),
            "shipping" => to_python(py, &value_of(&b.shipping)?, false, decimal),
            "taxes" => to_python(py, &value_of(&b.taxes)?, false, decimal),
            "promotions" => to_python(py, &value_of(&b.promotions)?, false, decimal),
            "not_applied" => to_python(py, &value_of(&b.not_applied)?, false, decimal),
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
