//! Python objects ⇄ JSON values, for the paths that skip JSON text (quotes, decoding answers).
//! Translation only: which keys hold amounts comes from the core (`AMOUNT_FIELDS`).

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde_json::{Map, Number, Value};

use crate::raise;

static DECIMAL: pyo3::sync::PyOnceLock<Py<PyType>> = pyo3::sync::PyOnceLock::new();

/// `decimal.Decimal`, imported once.
pub(crate) fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

/// Deeper documents are refused (a list that contains itself would never end).
const MAX_DEPTH: usize = 64;

/// Why a Python value has no JSON form: what is wrong, and the path to it (built on the way
/// out, so the success path never formats one).
enum Unsupported {
    Value { path: Vec<String>, message: String },
    Raised(PyErr),
}

impl Unsupported {
    fn at(mut self, segment: impl FnOnce() -> String) -> Self {
        if let Unsupported::Value { path, .. } = &mut self {
            path.push(segment());
        }
        self
    }
}

impl From<PyErr> for Unsupported {
    fn from(error: PyErr) -> Self {
        Unsupported::Raised(error)
    }
}

/// A document given as Python objects, as a JSON value: dicts with `str` keys, lists and
/// tuples, `str`, `int`, `bool`, `None` as JSON has them; `Decimal` as its exact text; a `float`
/// as a JSON number, which the core refuses where an amount belongs, naming the field (the same
/// as the JSON-text path). Anything else goes through `default` (the package's JSON hook:
/// aware datetimes, other mappings) once; what is still left is `invalid_input` naming its path.
pub(crate) fn from_python(
    object: &Bound<'_, PyAny>,
    default: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<Value> {
    let decimal = decimal_type(object.py())?;
    convert(object, default, decimal, 0, true).map_err(|error| match error {
        Unsupported::Raised(error) => error,
        Unsupported::Value { path, message } => {
            let field = if path.is_empty() {
                what.to_string()
            } else {
                let mut field = String::new();
                for segment in path.iter().rev() {
                    if !field.is_empty() && !segment.starts_with('[') {
                        field.push('.');
                    }
                    field.push_str(segment);
                }
                field
            };
            raise(ordercore::Error::InvalidInput { field, message })
        }
    })
}

fn convert(
    object: &Bound<'_, PyAny>,
    default: &Bound<'_, PyAny>,
    decimal: &Bound<'_, PyType>,
    depth: usize,
    may_default: bool,
) -> Result<Value, Unsupported> {
    if depth > MAX_DEPTH {
        return Err(Unsupported::Value {
            path: Vec::new(),
            message: format!("nested more than {MAX_DEPTH} levels deep"),
        });
    }
    if let Ok(text) = object.cast::<PyString>() {
        return Ok(Value::String(utf8(text)?));
    }
    if let Ok(flag) = object.cast::<PyBool>() {
        return Ok(Value::Bool(flag.is_true()));
    }
    if let Ok(integer) = object.cast::<PyInt>() {
        if let Ok(value) = integer.extract::<i64>() {
            return Ok(Value::Number(value.into()));
        }
        if let Ok(value) = integer.extract::<u64>() {
            return Ok(Value::Number(value.into()));
        }
        return Err(Unsupported::Value {
            path: Vec::new(),
            message: format!("integer {integer} is out of range"),
        });
    }
    if let Ok(dict) = object.cast::<PyDict>() {
        let mut map = Map::new();
        for (key, item) in dict.iter() {
            let Ok(key) = key.cast::<PyString>() else {
                return Err(Unsupported::Value {
                    path: Vec::new(),
                    message: format!("key {key} is not a string"),
                });
            };
            let key = utf8(key)?;
            match convert(&item, default, decimal, depth + 1, true) {
                Ok(value) => {
                    map.insert(key, value);
                }
                Err(error) => return Err(error.at(|| key)),
            }
        }
        return Ok(Value::Object(map));
    }
    let sequence = |items: &mut dyn Iterator<Item = Bound<'_, PyAny>>| {
        let mut array = Vec::new();
        for (index, item) in items.enumerate() {
            array.push(
                convert(&item, default, decimal, depth + 1, true)
                    .map_err(|e| e.at(|| format!("[{index}]")))?,
            );
        }
        Ok(Value::Array(array))
    };
    if let Ok(list) = object.cast::<PyList>() {
        return sequence(&mut list.iter());
    }
    if let Ok(tuple) = object.cast::<PyTuple>() {
        return sequence(&mut tuple.iter());
    }
    if object.is_none() {
        return Ok(Value::Null);
    }
    if object.is_instance(decimal)? {
        return Ok(Value::String(utf8(&object.str()?)?));
    }
    if let Ok(float) = object.cast::<PyFloat>() {
        return Ok(Number::from_f64(float.value())
            .map(Value::Number)
            .unwrap_or(Value::Null));
    }
    if may_default {
        // The hook raises ValueError for what it does not know either.
        if let Ok(converted) = default.call1((object,)) {
            return convert(&converted, default, decimal, depth + 1, false);
        }
    }
    Err(Unsupported::Value {
        path: Vec::new(),
        message: format!(
            "unsupported type {}",
            object
                .get_type()
                .name()
                .map_or_else(|_| "?".into(), |n| n.to_string())
        ),
    })
}

/// A `str` as UTF-8; a lone surrogate (which UTF-8 cannot hold) is refused like any other
/// value JSON cannot carry.
fn utf8(text: &Bound<'_, PyString>) -> Result<String, Unsupported> {
    text.to_cow()
        .map(|text| text.into_owned())
        .map_err(|_| Unsupported::Value {
            path: Vec::new(),
            message: "text with a lone surrogate is not valid Unicode".into(),
        })
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
                    dict.set_item(key, self.build(item, is_amount)?)?;
                }
                dict.into_any()
            }
        })
    }
}
