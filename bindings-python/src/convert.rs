//! JSON values as Python objects, for the paths that skip JSON text (decoding answers, quote
//! fields). Translation only: which keys hold amounts comes from the core (`AMOUNT_FIELDS`).
//! The other way, Python objects into the core's types, is `de`.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString, PyType};
use serde_json::Value;

static DECIMAL: pyo3::sync::PyOnceLock<Py<PyType>> = pyo3::sync::PyOnceLock::new();

/// `decimal.Decimal`, imported once.
pub(crate) fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

/// A JSON value as Python objects; strings under amount keys become `decimal.Decimal`.
pub(crate) fn to_python<'py>(
    py: Python<'py>,
    value: &Value,
    amount: bool,
    decimal: &Bound<'py, PyType>,
) -> PyResult<Bound<'py, PyAny>> {
    Objects {
        py,
        decimal,
        decimals: HashMap::new(),
        keys: HashMap::new(),
    }
    .build(value, amount)
}

/// One conversion's state. Equal amounts share one `Decimal` (immutable, so sharing is safe):
/// a breakdown repeats many (a line's net is its tax base, a rate's percentage is on every
/// line), and building a `Decimal` from text is the costliest step here.
struct Objects<'py, 'v> {
    py: Python<'py>,
    decimal: &'v Bound<'py, PyType>,
    decimals: HashMap<&'v str, Bound<'py, PyAny>>,
    /// Keys repeat in every line of a breakdown: each becomes one `str` object, used by all.
    keys: HashMap<&'v str, Bound<'py, PyString>>,
}

impl<'py, 'v> Objects<'py, 'v> {
    fn build(&mut self, value: &'v Value, amount: bool) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match value {
            Value::Null => py.None().into_bound(py),
            Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => i.into_pyobject(py)?.into_any(),
                (_, Some(u)) => u.into_pyobject(py)?.into_any(),
                _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
            },
            Value::String(text) if amount => match self.decimals.get(text.as_str()) {
                Some(known) => known.clone(),
                None => {
                    let made = self.decimal.call1((text.as_str(),))?;
                    self.decimals.insert(text.as_str(), made.clone());
                    made
                }
            },
            Value::String(text) => PyString::new(py, text).into_any(),
            Value::Array(items) => {
                let list = PyList::empty(py);
                for item in items {
                    list.append(self.build(item, amount)?)?;
                }
                list.into_any()
            }
            Value::Object(map) => {
                let dict = PyDict::new(py);
                for (key, item) in map {
                    let is_amount = ordercore::json::AMOUNT_FIELDS.contains(&key.as_str());
                    let value = self.build(item, is_amount)?;
                    let name = self
                        .keys
                        .entry(key.as_str())
                        .or_insert_with(|| PyString::new(py, key))
                        .clone();
                    dict.set_item(name, value)?;
                }
                dict.into_any()
            }
        })
    }
}
