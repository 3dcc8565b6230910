//! Python objects read straight into the core's types through serde: a `Deserializer` over
//! dicts, lists, tuples, `str`, `int`, `bool`, `None`, `Decimal` (as its exact text) and
//! `float` (as a number, which the core refuses where an amount belongs) — the values JSON has,
//! read the way `serde_json` reads them, so every type and error message is the one the JSON
//! path gives. No JSON value is built in between. Anything else goes once through `default`
//! (the package's JSON hook: aware datetimes, other mappings); what is still left is
//! `invalid_input` naming its path, like a wrong value.

use std::fmt;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use crate::convert::decimal_type;
use crate::raise;

/// Deeper documents are refused (a value that contains itself would never end).
const MAX_DEPTH: usize = 64;

/// `T` read from `object`; `what` names the document in errors about it as a whole.
pub(crate) fn from_python<T: DeserializeOwned>(
    object: &Bound<'_, PyAny>,
    default: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<T> {
    let decimal = decimal_type(object.py())?;
    let reader = || PyDe {
        object: object.clone(),
        default,
        decimal,
        depth: 0,
        may_default: true,
    };
    // Tracking paths costs on every field; a valid document (the usual case) skips it, and an
    // invalid one is read again with tracking to name its field.
    match T::deserialize(reader()) {
        Ok(value) => return Ok(value),
        Err(DeError::Raised(error)) => return Err(error),
        Err(DeError::Message(_)) => {}
    }
    match serde_path_to_error::deserialize(reader()) {
        Ok(value) => Ok(value),
        Err(error) => {
            // Named as the JSON path names it: a document wrong as a whole is `what`.
            let field = ordercore::json::field_name(error.path(), what);
            match error.into_inner() {
                DeError::Raised(error) => Err(error),
                DeError::Message(message) => {
                    Err(raise(ordercore::Error::InvalidInput { field, message }))
                }
            }
        }
    }
}

/// `T` read from `object` when it is plain (JSON-like values the target takes as they are);
/// `None` for anything else, which the caller reads the JSON way instead — so every refusal,
/// and every value JSON would take after converting it (an `int` key), is the JSON path's.
pub(crate) fn plain_from_python<T: DeserializeOwned>(
    object: &Bound<'_, PyAny>,
    default: &Bound<'_, PyAny>,
) -> PyResult<Option<T>> {
    let decimal = decimal_type(object.py())?;
    let reader = PyDe {
        object: object.clone(),
        default,
        decimal,
        depth: 0,
        may_default: true,
    };
    Ok(T::deserialize(reader).ok())
}

/// Why reading failed: a value the target type does not take (its message), or an exception
/// raised by Python while reading (passed on unchanged).
#[derive(Debug)]
pub(crate) enum DeError {
    Message(String),
    Raised(PyErr),
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeError::Message(message) => f.write_str(message),
            DeError::Raised(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        DeError::Message(message.to_string())
    }
}

impl From<PyErr> for DeError {
    fn from(error: PyErr) -> Self {
        DeError::Raised(error)
    }
}

/// One Python value being read.
struct PyDe<'a, 'py> {
    object: Bound<'py, PyAny>,
    default: &'a Bound<'py, PyAny>,
    decimal: &'a Bound<'py, PyType>,
    depth: usize,
    /// Whether `default` may still be tried (once per value: what it answers must be plain).
    may_default: bool,
}

impl<'a, 'py> PyDe<'a, 'py> {
    fn child(&self, object: Bound<'py, PyAny>) -> Self {
        PyDe {
            object,
            default: self.default,
            decimal: self.decimal,
            depth: self.depth + 1,
            may_default: true,
        }
    }

    /// A value of none of the JSON-like built-in types: `None`, a `Decimal` (its exact text),
    /// a `float`, or whatever `default` turns it into (once).
    fn deserialize_other<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let object = &self.object;
        if object.is_none() {
            return visitor.visit_unit();
        }
        if object.is_instance(self.decimal)? {
            let string = object.str()?;
            return visitor.visit_str(text(&string)?);
        }
        if let Ok(float) = object.cast::<PyFloat>() {
            return visitor.visit_f64(float.value());
        }
        if self.may_default {
            // The hook raises ValueError for what it does not know either.
            if let Ok(converted) = self.default.call1((object,)) {
                let converted = PyDe {
                    object: converted,
                    may_default: false,
                    ..self
                };
                return de::Deserializer::deserialize_any(converted, visitor);
            }
        }
        let name = object
            .get_type()
            .name()
            .map_or_else(|_| "?".into(), |n| n.to_string());
        Err(de::Error::custom(format!("unsupported type {name}")))
    }
}

unsafe extern "C" {
    // Exported by CPython since 3.3 and part of the stable ABI since 3.10; pyo3 offers it only
    // to abi3 builds for 3.10+. Without it a 3.9-compatible wheel must copy every `str` into a
    // new `bytes` object to read it (a fifth of a 20-line quote's time).
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut pyo3::ffi::PyObject,
        size: *mut pyo3::ffi::Py_ssize_t,
    ) -> *const std::ffi::c_char;
}

/// A `str`'s UTF-8 text, borrowed from the string (CPython keeps it there once made); a lone
/// surrogate (which UTF-8 cannot hold) is refused like any other value JSON cannot carry.
fn text<'s>(object: &'s Bound<'_, PyString>) -> Result<&'s str, DeError> {
    let refused = || de::Error::custom("text with a lone surrogate is not valid Unicode");
    let mut size: pyo3::ffi::Py_ssize_t = 0;
    // SAFETY: `object` is a live `str` and the GIL is held (it is a `Bound`). CPython answers
    // the string's cached UTF-8 form, which lives as long as the string, or NULL with an
    // exception set.
    let data = unsafe { PyUnicode_AsUTF8AndSize(object.as_ptr(), &mut size) };
    if data.is_null() {
        // The UnicodeEncodeError of a lone surrogate: answered as invalid input instead.
        drop(PyErr::take(object.py()));
        return Err(refused());
    }
    let length = usize::try_from(size).map_err(|_| refused())?;
    // SAFETY: `data` points at `length` bytes owned by `object`, borrowed for as long as it;
    // they are CPython's UTF-8 encoding of the string (it refuses what UTF-8 cannot hold,
    // above), so checking them again would only cost time (~5% of reading a cart).
    unsafe {
        let bytes = std::slice::from_raw_parts(data.cast::<u8>(), length);
        Ok(std::str::from_utf8_unchecked(bytes))
    }
}

/// Which of the JSON-like built-in types a value is (subclasses included).
enum Kind {
    Str,
    Bool,
    Int,
    Dict,
    List,
    Tuple,
    Other,
}

impl Kind {
    fn of(object: &Bound<'_, PyAny>) -> Kind {
        // The exact built-in types first, one pointer comparison each: a cart is made of them,
        // and the subclass checks below are a call into CPython per type in an abi3 module.
        use pyo3::ffi;
        let exact = object.get_type_ptr();
        if exact == &raw mut ffi::PyUnicode_Type {
            return Kind::Str;
        }
        if exact == &raw mut ffi::PyLong_Type {
            return Kind::Int;
        }
        if exact == &raw mut ffi::PyDict_Type {
            return Kind::Dict;
        }
        if exact == &raw mut ffi::PyList_Type {
            return Kind::List;
        }
        if object.is_instance_of::<PyString>() {
            Kind::Str
        } else if object.is_instance_of::<PyBool>() {
            Kind::Bool
        } else if object.is_instance_of::<PyInt>() {
            Kind::Int
        } else if object.is_instance_of::<PyDict>() {
            Kind::Dict
        } else if object.is_instance_of::<PyList>() {
            Kind::List
        } else if object.is_instance_of::<PyTuple>() {
            Kind::Tuple
        } else {
            Kind::Other
        }
    }
}

impl<'de> de::Deserializer<'de> for PyDe<'_, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.depth > MAX_DEPTH {
            return Err(de::Error::custom(format!(
                "nested more than {MAX_DEPTH} levels deep"
            )));
        }
        let object = &self.object;
        match Kind::of(object) {
            // SAFETY (each `cast_unchecked`): `Kind::of` answered this very type.
            Kind::Str => {
                let string = unsafe { object.cast_unchecked::<PyString>() };
                visitor.visit_str(text(string)?)
            }
            Kind::Bool => {
                let flag = unsafe { object.cast_unchecked::<PyBool>() };
                visitor.visit_bool(flag.is_true())
            }
            Kind::Int => {
                let integer = unsafe { object.cast_unchecked::<PyInt>() };
                // As serde_json holds numbers: non-negative ones unsigned.
                if let Ok(value) = integer.extract::<u64>() {
                    return visitor.visit_u64(value);
                }
                if let Ok(value) = integer.extract::<i64>() {
                    return visitor.visit_i64(value);
                }
                Err(de::Error::custom(format!(
                    "integer {integer} is out of range"
                )))
            }
            Kind::Dict => {
                // Items taken first: reading a value may run Python code (a `Mapping` through
                // the hook, a `Decimal` subclass's `__str__`) that changes this very dict.
                visitor.visit_map(DictAccess {
                    items: dict_items(unsafe { object.cast_unchecked::<PyDict>() }).into_iter(),
                    value: None,
                    parent: &self,
                })
            }
            Kind::List => {
                let list = unsafe { object.cast_unchecked::<PyList>() };
                visitor.visit_seq(ItemAccess {
                    items: list.iter().collect::<Items<_>>().into_iter(),
                    parent: &self,
                })
            }
            Kind::Tuple => {
                let tuple = unsafe { object.cast_unchecked::<PyTuple>() };
                visitor.visit_seq(ItemAccess {
                    items: tuple.iter().collect::<Items<_>>().into_iter(),
                    parent: &self,
                })
            }
            Kind::Other => self.deserialize_other(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.object.is_none() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // A unit variant as its name, as in JSON; other shapes are read as a map and refused
        // by the enum's own visitor if they do not fit.
        if let Ok(string) = self.object.cast::<PyString>() {
            let name = text(string)?.to_owned();
            return visitor.visit_enum(name.into_deserializer());
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        // Unknown keys are ignored, as in JSON: their values are not read at all.
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// A dict's items, each key and value held (a snapshot: reading a value may change the dict).
fn dict_items<'py>(dict: &Bound<'py, PyDict>) -> Items<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let py = dict.py();
    let mut items = Items::new();
    let mut position: pyo3::ffi::Py_ssize_t = 0;
    let mut key = std::ptr::null_mut();
    let mut value = std::ptr::null_mut();
    // SAFETY: the GIL is held (`dict` is a `Bound`) and `PyDict_Next` runs no Python code, so
    // the dict cannot change during the loop; the borrowed references it answers are made
    // owned at once. pyo3's own iterator does the same with a size check per item (which the
    // loop's not running Python code makes moot), measured at ~450 instructions per dict.
    while unsafe { pyo3::ffi::PyDict_Next(dict.as_ptr(), &mut position, &mut key, &mut value) } != 0
    {
        // SAFETY: `key` and `value` are valid borrowed references into `dict`.
        let item = unsafe {
            (
                Bound::from_borrowed_ptr(py, key),
                Bound::from_borrowed_ptr(py, value),
            )
        };
        items.push(item);
    }
    items
}

/// A snapshot of a container's items: on the stack for the usual dict or list (a cart line's
/// few keys), so reading one allocates nothing.
type Items<T> = smallvec::SmallVec<[T; 8]>;

/// A dict's items, keys as strings.
struct DictAccess<'p, 'a, 'py> {
    items: smallvec::IntoIter<[(Bound<'py, PyAny>, Bound<'py, PyAny>); 8]>,
    value: Option<Bound<'py, PyAny>>,
    parent: &'p PyDe<'a, 'py>,
}

impl<'de> de::MapAccess<'de> for DictAccess<'_, '_, '_> {
    type Error = DeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.items.next() else {
            return Ok(None);
        };
        let Ok(key) = key.cast::<PyString>() else {
            return Err(de::Error::custom(format!("key {key} is not a string")));
        };
        self.value = Some(value);
        let key = text(key)?;
        seed.deserialize(de::value::StrDeserializer::<DeError>::new(key))
            .map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DeError> {
        let value = self
            .value
            .take()
            .ok_or_else(|| DeError::Message("a value was read before its key".into()))?;
        seed.deserialize(self.parent.child(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// A list's or tuple's items.
struct ItemAccess<'p, 'a, 'py> {
    items: smallvec::IntoIter<[Bound<'py, PyAny>; 8]>,
    parent: &'p PyDe<'a, 'py>,
}

impl<'de> de::SeqAccess<'de> for ItemAccess<'_, '_, '_> {
    type Error = DeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some(item) => seed.deserialize(self.parent.child(item)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}
