//! The native reader's entry point for the fuzz target in `fuzz/` (`python_reader`): not part
//! of the Python package, which never calls it.

use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::Pricer;
use crate::errors::OrderCoreError;

/// The pricer the fuzz target quotes with: a coupon, an automatic promotion and a tax rule, so
/// a cart that reads well reaches each of them.
const SPEC: &str = r#"{
  "promotions": [{"id": "ten", "code": "TEN", "effect": {"type": "percentage", "percentage": "10"}},
                 {"id": "b2g1", "effect": {"type": "buy_x_get_y", "buy": 2, "get": 1, "percentage": "100"}}],
  "tax_rules": [{"id": "us", "name": "US", "country": "US", "percentage": "8.25"}]
}"#;

/// `Pricer.quote` as the package calls it: `cart` and `context` read from Python objects,
/// anything else offered once to `default`.
pub fn quote(
    cart: &Bound<'_, PyAny>,
    context: Option<&Bound<'_, PyAny>>,
    default: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let pricer = Pricer::new(cart.py(), SPEC)?;
    pricer.quote(cart.py(), cart, context, default).map(drop)
}

/// The base class of the package's errors (`ordercore.OrderCoreError`).
pub fn native_error(py: Python<'_>) -> Bound<'_, PyType> {
    py.get_type::<OrderCoreError>()
}
