//! The package's exception classes, declared here once, and the one exhaustive match that
//! picks a core error's class from its code. An exception carries the error's document as its
//! only argument; `code`, `field`, `message` and `details` read it (so an error a host raises
//! itself, `ValidationError({"code": ..., "field": ..., "message": ...})`, reads the same).

use ordercore::ErrorCode;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyList, PyTuple, PyType};

create_exception!(
    ordercore,
    OrderCoreError,
    PyException,
    "Base of every ordercore error. ``code`` is the core's stable code, ``field`` the offending \
     input path (validation errors), ``message`` the explanation, ``details`` the whole error \
     document."
);
create_exception!(
    ordercore,
    ValidationError,
    OrderCoreError,
    "Bad input: ``invalid_input``, ``unknown_currency``, ``currency_mismatch``, \
     ``too_many_decimals``, ``amount_overflow``, ``limit_exceeded``."
);
create_exception!(
    ordercore,
    NotFound,
    OrderCoreError,
    "``not_found`` (also another customer's order)."
);
create_exception!(ordercore, Forbidden, OrderCoreError, "``forbidden``.");
create_exception!(
    ordercore,
    InvalidTransition,
    OrderCoreError,
    "``invalid_transition``: ``details`` names the state, the action and what is allowed."
);
create_exception!(
    ordercore,
    InsufficientStock,
    OrderCoreError,
    "``insufficient_stock``: ``details`` has ``sku``, ``requested``, ``available``."
);
create_exception!(
    ordercore,
    VersionConflict,
    OrderCoreError,
    "``version_conflict`` after the engine's own retries."
);
create_exception!(
    ordercore,
    IdempotencyConflict,
    OrderCoreError,
    "``idempotency_conflict``: the key was used with another request."
);
create_exception!(
    ordercore,
    PaymentDeclined,
    OrderCoreError,
    "``payment_declined``."
);
create_exception!(
    ordercore,
    GatewayUnavailable,
    OrderCoreError,
    "``gateway_unavailable``: retry with the same idempotency key."
);
create_exception!(
    ordercore,
    RefundExceedsCaptured,
    OrderCoreError,
    "``refund_exceeds_captured``."
);
create_exception!(
    ordercore,
    CaptureExceedsAuthorized,
    OrderCoreError,
    "``capture_exceeds_authorized``."
);
create_exception!(
    ordercore,
    CouponRejected,
    OrderCoreError,
    "``coupon_rejected``: ``details[\"reason\"]`` says why (``expired``, …)."
);
create_exception!(
    ordercore,
    InvalidSignature,
    OrderCoreError,
    "``invalid_signature``."
);
create_exception!(
    ordercore,
    ProviderError,
    OrderCoreError,
    "``provider_error``: a host component (store, gateway, tax service) failed."
);

/// The class of errors of `code`.
fn class_of(py: Python<'_>, code: ErrorCode) -> Bound<'_, PyType> {
    match code {
        ErrorCode::InvalidInput
        | ErrorCode::UnknownCurrency
        | ErrorCode::CurrencyMismatch
        | ErrorCode::TooManyDecimals
        | ErrorCode::AmountOverflow
        | ErrorCode::LimitExceeded => py.get_type::<ValidationError>(),
        ErrorCode::NotFound => py.get_type::<NotFound>(),
        ErrorCode::Forbidden => py.get_type::<Forbidden>(),
        ErrorCode::InvalidTransition => py.get_type::<InvalidTransition>(),
        ErrorCode::InsufficientStock => py.get_type::<InsufficientStock>(),
        ErrorCode::VersionConflict => py.get_type::<VersionConflict>(),
        ErrorCode::IdempotencyConflict => py.get_type::<IdempotencyConflict>(),
        ErrorCode::PaymentDeclined => py.get_type::<PaymentDeclined>(),
        ErrorCode::GatewayUnavailable => py.get_type::<GatewayUnavailable>(),
        ErrorCode::RefundExceedsCaptured => py.get_type::<RefundExceedsCaptured>(),
        ErrorCode::CaptureExceedsAuthorized => py.get_type::<CaptureExceedsAuthorized>(),
        ErrorCode::CouponRejected => py.get_type::<CouponRejected>(),
        ErrorCode::InvalidSignature => py.get_type::<InvalidSignature>(),
        ErrorCode::Provider => py.get_type::<ProviderError>(),
    }
}

/// A core error as the exception of its class, its document (`ordercore::json::error_document`)
/// the argument.
pub(crate) fn raise(error: ordercore::Error) -> PyErr {
    Python::attach(|py| {
        let class = class_of(py, error.kind());
        let document = ordercore::json::error_document(&error);
        match value_to_python(py, &document) {
            Ok(details) => PyErr::from_type(class, (details.unbind(),)),
            Err(failure) => failure,
        }
    })
}

/// A JSON value as plain Python objects (an error's details hold no amounts to convert).
fn value_to_python<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(flag) => flag.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => integer.into_pyobject(py)?.into_any(),
            None => number.to_string().into_pyobject(py)?.into_any(),
        },
        Value::String(text) => text.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_python(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(entries) => {
            let dict = PyDict::new(py);
            for (key, item) in entries {
                dict.set_item(key, value_to_python(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// `{code: class}` for every core code.
pub(crate) fn error_classes(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let classes = PyDict::new(py);
    for &code in ErrorCode::ALL {
        classes.set_item(code.as_str(), class_of(py, code))?;
    }
    Ok(classes)
}

/// The error document an exception carries (its first argument, when that is a dict).
fn details_of<'py>(exception: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let args = exception.getattr("args")?;
    let first = args.cast::<PyTuple>().ok().and_then(|a| a.get_item(0).ok());
    match first.as_ref().map(|f| f.cast::<PyDict>()) {
        Some(Ok(details)) => Ok(details.clone()),
        _ => Ok(PyDict::new(exception.py())),
    }
}

/// What the base class reads from an exception's document: `details` (the document), `code`
/// (`provider_error` when it has none), `field` (or None), `message` (or the code).
fn read(exception: &Bound<'_, PyAny>, name: &str) -> PyResult<Py<PyAny>> {
    let py = exception.py();
    let details = details_of(exception)?;
    let code = || -> PyResult<Py<PyAny>> {
        Ok(match details.get_item("code")? {
            Some(code) => code.unbind(),
            None => ErrorCode::Provider
                .as_str()
                .into_pyobject(py)?
                .into_any()
                .unbind(),
        })
    };
    Ok(match name {
        "details" => details.clone().into_any().unbind(),
        "code" => code()?,
        "message" => match details.get_item("message")? {
            Some(message) => message.unbind(),
            None => code()?,
        },
        _ => match details.get_item(name)? {
            Some(value) => value.unbind(),
            None => py.None(),
        },
    })
}

/// Gives the base class its readers: `details`, `code`, `field` and `message` properties and
/// a `__str__` that is the message.
pub(crate) fn install_readers(py: Python<'_>) -> PyResult<()> {
    let base = py.get_type::<OrderCoreError>();
    let property = py.import("builtins")?.getattr("property")?;
    for name in ["details", "code", "field", "message"] {
        let getter = PyCFunction::new_closure(py, None, None, move |args, _kwargs| {
            read(&args.get_item(0)?, name)
        })?;
        base.setattr(name, property.call1((getter,))?)?;
    }
    // A method, not a bare function: `partialmethod` passes the exception to it.
    let text = PyCFunction::new_closure(py, None, None, |args, _kwargs| {
        let message = read(&args.get_item(0)?, "message")?;
        let py = args.py();
        Ok::<_, PyErr>(message.bind(py).str()?.into_any().unbind())
    })?;
    let method = py
        .import("functools")?
        .getattr("partialmethod")?
        .call1((text,))?;
    base.setattr("__str__", method)
}

/// Adds every class to the module.
pub(crate) fn add_classes(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    install_readers(py)?;
    m.add("OrderCoreError", py.get_type::<OrderCoreError>())?;
    for &code in ErrorCode::ALL {
        let class = class_of(py, code);
        m.add(class.name()?.to_string(), class)?;
    }
    Ok(())
}
