//! JSON text as Python objects, for the paths that skip the `json` module (decoding answers,
//! quote fields). Translation only: which keys hold amounts comes from the core
//! (`AMOUNT_FIELDS`). The other way, Python objects into the core's types, is `de`.
//!
//! The objects are built while the text is parsed (a serde visitor), with no `serde_json::Value`
//! in between: that tree's allocations and ordered maps cost more than the Python objects.

use std::collections::HashMap;
use std::fmt;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString, PyType};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::raise;

static DECIMAL: pyo3::sync::PyOnceLock<Py<PyType>> = pyo3::sync::PyOnceLock::new();

/// `decimal.Decimal`, imported once.
pub(crate) fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

/// JSON text as Python objects; strings under amount keys become `decimal.Decimal`. Text that
/// is not JSON is `invalid_input` on `output` (it comes from the core, so that is a bug, not the
/// caller's input).
pub(crate) fn json_to_python<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let mut objects = Objects {
        py,
        decimal: decimal_type(py)?.clone(),
        decimals: HashMap::default(),
        keys: HashMap::default(),
        failure: None,
    };
    let mut parser = serde_json::Deserializer::from_str(text);
    let built = Node {
        objects: &mut objects,
        amount: false,
    }
    .deserialize(&mut parser)
    .and_then(|value| parser.end().map(|()| value));
    built.map_err(|error| {
        objects.failure.take().unwrap_or_else(|| {
            raise(ordercore::Error::InvalidInput {
                field: "output".into(),
                message: error.to_string(),
            })
        })
    })
}

type Map<V> = HashMap<Box<str>, V, foldhash::fast::RandomState>;

/// One conversion's state. Equal amounts share one `Decimal` (immutable, so sharing is safe):
/// a breakdown repeats many (a line's net is its tax base, a rate's percentage is on every
/// line), and building a `Decimal` from text is the costliest step here. Keys repeat in every
/// line: each becomes one `str` object, its amount-ness looked up once.
struct Objects<'py> {
    py: Python<'py>,
    decimal: Bound<'py, PyType>,
    decimals: Map<Bound<'py, PyAny>>,
    keys: Map<(Bound<'py, PyString>, bool)>,
    /// A Python error met while building, reported instead of serde's stand-in.
    failure: Option<PyErr>,
}

impl<'py> Objects<'py> {
    /// A Python result in serde's terms: the error is kept for `json_to_python` to raise.
    fn keep<T, E: de::Error>(&mut self, result: PyResult<T>) -> Result<T, E> {
        result.map_err(|error| {
            self.failure = Some(error);
            E::custom("a Python error")
        })
    }

    fn decimal<E: de::Error>(&mut self, text: &str) -> Result<Bound<'py, PyAny>, E> {
        if let Some(known) = self.decimals.get(text) {
            return Ok(known.clone());
        }
        let made = self.decimal.call1((text,));
        let made = self.keep(made)?;
        self.decimals.insert(text.into(), made.clone());
        Ok(made)
    }

    fn key(&mut self, text: &str) -> (Bound<'py, PyString>, bool) {
        if let Some((name, amount)) = self.keys.get(text) {
            return (name.clone(), *amount);
        }
        let name = PyString::new(self.py, text);
        let amount = ordercore::json::AMOUNT_FIELDS.contains(&text);
        self.keys.insert(text.into(), (name.clone(), amount));
        (name, amount)
    }
}

/// A value to build; `amount` says whether its strings are amounts.
struct Node<'o, 'py> {
    objects: &'o mut Objects<'py>,
    amount: bool,
}

impl<'de, 'py> DeserializeSeed<'de> for Node<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for Node<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.objects.py.None().into_bound(self.objects.py))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.objects.py, value).to_owned().into_any())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        let Ok(number) = value.into_pyobject(self.objects.py);
        Ok(number.into_any())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        let Ok(number) = value.into_pyobject(self.objects.py);
        Ok(number.into_any())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        let Ok(number) = value.into_pyobject(self.objects.py);
        Ok(number.into_any())
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        if self.amount {
            self.objects.decimal(value)
        } else {
            Ok(PyString::new(self.objects.py, value).into_any())
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(Node {
            objects: &mut *self.objects,
            amount: self.amount,
        })? {
            items.push(item);
        }
        let list = PyList::new(self.objects.py, items);
        Ok(self.objects.keep(list)?.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.objects.py);
        while let Some((name, amount)) = map.next_key_seed(Key {
            objects: &mut *self.objects,
        })? {
            let value = map.next_value_seed(Node {
                objects: &mut *self.objects,
                amount,
            })?;
            let stored = dict.set_item(name, value);
            self.objects.keep(stored)?;
        }
        Ok(dict.into_any())
    }
}

/// A map key: its `str` object and whether its values are amounts.
struct Key<'o, 'py> {
    objects: &'o mut Objects<'py>,
}

impl<'de, 'py> DeserializeSeed<'de> for Key<'_, 'py> {
    type Value = (Bound<'py, PyString>, bool);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, 'py> Visitor<'de> for Key<'_, 'py> {
    type Value = (Bound<'py, PyString>, bool);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(self.objects.key(value))
    }
}
