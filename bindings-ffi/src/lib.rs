//! The C ABI of ordercore: an opaque engine handle and JSON text in and out, over
//! [`ordercore::json`]. Translation only — every decision is the core's.
//!
//! Every export catches panics (a panic becomes `OC_STATUS_PANIC`, never an abort across the
//! boundary), checks its pointers and UTF-8, and reports errors as a status plus a JSON error
//! document.

use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use ordercore::json::{JsonConfig, JsonEngine, error_json, parse, price_request};
use ordercore::{Error, ErrorCode};

mod host;
pub use host::{OcHost, OcHostCall, OcPlugins};

/// The status of every call. Values 1–19 mirror the core's stable error codes
/// (`oc_status_name` gives the code string); 100+ are C-boundary problems.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcStatus {
    /// Success.
    Ok = 0,
    /// `invalid_input`: a field holds a value that is not allowed (the error names it).
    InvalidInput = 1,
    /// `unknown_currency`.
    UnknownCurrency = 2,
    /// `currency_mismatch`.
    CurrencyMismatch = 3,
    /// `too_many_decimals`: an amount more precise than its currency.
    TooManyDecimals = 4,
    /// `amount_overflow`.
    AmountOverflow = 5,
    /// `limit_exceeded`.
    LimitExceeded = 6,
    /// `not_found` (also another customer's order).
    NotFound = 7,
    /// `forbidden`.
    Forbidden = 8,
    /// `invalid_transition`.
    InvalidTransition = 9,
    /// `insufficient_stock`.
    InsufficientStock = 10,
    /// `version_conflict` (after the engine's own retries).
    VersionConflict = 11,
    /// `idempotency_conflict`.
    IdempotencyConflict = 12,
    /// `payment_declined`.
    PaymentDeclined = 13,
    /// `gateway_unavailable`: retry with the same idempotency key.
    GatewayUnavailable = 14,
    /// `refund_exceeds_captured`.
    RefundExceedsCaptured = 15,
    /// `capture_exceeds_authorized`.
    CaptureExceedsAuthorized = 16,
    /// `coupon_rejected`.
    CouponRejected = 17,
    /// `invalid_signature`.
    InvalidSignature = 18,
    /// `provider_error`: a host component failed.
    ProviderError = 19,
    /// A required pointer argument was NULL.
    NullPointer = 100,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 101,
    /// A bug: the library panicked; the handle is still usable.
    Panic = 102,
}

impl OcStatus {
    /// Every status, for reading an integer back.
    const ALL: [OcStatus; 23] = [
        OcStatus::Ok,
        OcStatus::InvalidInput,
        OcStatus::UnknownCurrency,
        OcStatus::CurrencyMismatch,
        OcStatus::TooManyDecimals,
        OcStatus::AmountOverflow,
        OcStatus::LimitExceeded,
        OcStatus::NotFound,
        OcStatus::Forbidden,
        OcStatus::InvalidTransition,
        OcStatus::InsufficientStock,
        OcStatus::VersionConflict,
        OcStatus::IdempotencyConflict,
        OcStatus::PaymentDeclined,
        OcStatus::GatewayUnavailable,
        OcStatus::RefundExceedsCaptured,
        OcStatus::CaptureExceedsAuthorized,
        OcStatus::CouponRejected,
        OcStatus::InvalidSignature,
        OcStatus::ProviderError,
        OcStatus::NullPointer,
        OcStatus::InvalidUtf8,
        OcStatus::Panic,
    ];

    /// The status of a core error: its code's number (a test checks each one).
    fn of(error: &Error) -> OcStatus {
        match error.kind() {
            ErrorCode::InvalidInput => OcStatus::InvalidInput,
            ErrorCode::UnknownCurrency => OcStatus::UnknownCurrency,
            ErrorCode::CurrencyMismatch => OcStatus::CurrencyMismatch,
            ErrorCode::TooManyDecimals => OcStatus::TooManyDecimals,
            ErrorCode::AmountOverflow => OcStatus::AmountOverflow,
            ErrorCode::LimitExceeded => OcStatus::LimitExceeded,
            ErrorCode::NotFound => OcStatus::NotFound,
            ErrorCode::Forbidden => OcStatus::Forbidden,
            ErrorCode::InvalidTransition => OcStatus::InvalidTransition,
            ErrorCode::InsufficientStock => OcStatus::InsufficientStock,
            ErrorCode::VersionConflict => OcStatus::VersionConflict,
            ErrorCode::IdempotencyConflict => OcStatus::IdempotencyConflict,
            ErrorCode::PaymentDeclined => OcStatus::PaymentDeclined,
            ErrorCode::GatewayUnavailable => OcStatus::GatewayUnavailable,
            ErrorCode::RefundExceedsCaptured => OcStatus::RefundExceedsCaptured,
            ErrorCode::CaptureExceedsAuthorized => OcStatus::CaptureExceedsAuthorized,
            ErrorCode::CouponRejected => OcStatus::CouponRejected,
            ErrorCode::InvalidSignature => OcStatus::InvalidSignature,
            ErrorCode::Provider => OcStatus::ProviderError,
        }
    }

    fn name(self) -> &'static CStr {
        match self {
            OcStatus::Ok => c"ok",
            OcStatus::InvalidInput => c"invalid_input",
            OcStatus::UnknownCurrency => c"unknown_currency",
            OcStatus::CurrencyMismatch => c"currency_mismatch",
            OcStatus::TooManyDecimals => c"too_many_decimals",
            OcStatus::AmountOverflow => c"amount_overflow",
            OcStatus::LimitExceeded => c"limit_exceeded",
            OcStatus::NotFound => c"not_found",
            OcStatus::Forbidden => c"forbidden",
            OcStatus::InvalidTransition => c"invalid_transition",
            OcStatus::InsufficientStock => c"insufficient_stock",
            OcStatus::VersionConflict => c"version_conflict",
            OcStatus::IdempotencyConflict => c"idempotency_conflict",
            OcStatus::PaymentDeclined => c"payment_declined",
            OcStatus::GatewayUnavailable => c"gateway_unavailable",
            OcStatus::RefundExceedsCaptured => c"refund_exceeds_captured",
            OcStatus::CaptureExceedsAuthorized => c"capture_exceeds_authorized",
            OcStatus::CouponRejected => c"coupon_rejected",
            OcStatus::InvalidSignature => c"invalid_signature",
            OcStatus::ProviderError => c"provider_error",
            OcStatus::NullPointer => c"null_pointer",
            OcStatus::InvalidUtf8 => c"invalid_utf8",
            OcStatus::Panic => c"panic",
        }
    }
}

/// An engine. Create with `oc_engine_new`, release with `oc_engine_free`; safe to share
/// between threads.
pub struct OcEngine {
    inner: JsonEngine,
}

/// Why a call failed before or inside the core.
enum Failure {
    Core(Error),
    Boundary(OcStatus, &'static str),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Core(error)
    }
}

/// Reads a required C string argument.
///
/// # Safety
/// `text` must be NULL or point to a NUL-terminated string that stays valid during the call.
unsafe fn text<'a>(text: *const c_char, _name: &str) -> Result<&'a str, Failure> {
    if text.is_null() {
        return Err(Failure::Boundary(
            OcStatus::NullPointer,
            "a required string argument was NULL",
        ));
    }
    // SAFETY: non-null and NUL-terminated per the contract above.
    unsafe { CStr::from_ptr(text) }.to_str().map_err(|_| {
        Failure::Boundary(
            OcStatus::InvalidUtf8,
            "a string argument is not valid UTF-8",
        )
    })
}

/// Reads an optional C string argument (NULL is `None`).
///
/// # Safety
/// As for [`text`].
unsafe fn optional_text<'a>(value: *const c_char) -> Result<Option<&'a str>, Failure> {
    if value.is_null() {
        Ok(None)
    } else {
        unsafe { text(value, "optional") }.map(Some)
    }
}

fn into_c(text: String) -> *mut c_char {
    // Interior NULs cannot occur in JSON produced by serde_json; fall back to an empty string.
    CString::new(text).unwrap_or_default().into_raw()
}

/// Runs `body` behind the boundary: catches panics, writes the answer or the error document to
/// `out` (when `out` is not NULL) and returns the status.
///
/// # Safety
/// `out` must be NULL or valid for one pointer write.
unsafe fn guard(
    out: *mut *mut c_char,
    body: impl FnOnce() -> Result<Option<String>, Failure>,
) -> OcStatus {
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or(Err(Failure::Boundary(
        OcStatus::Panic,
        "internal error (panic) in ordercore; please report it",
    )));
    let (status, document) = match outcome {
        Ok(answer) => (OcStatus::Ok, answer),
        Err(Failure::Core(error)) => (OcStatus::of(&error), Some(error_json(&error))),
        Err(Failure::Boundary(status, message)) => {
            let name = status.name().to_str().unwrap_or("error");
            (
                status,
                Some(format!(r#"{{"code":"{name}","message":"{message}"}}"#)),
            )
        }
    };
    if !out.is_null() {
        // SAFETY: `out` is valid for writes per the contract.
        unsafe { *out = document.map_or(ptr::null_mut(), into_c) };
    }
    status
}

fn engine_ref<'a>(engine: *const OcEngine) -> Result<&'a OcEngine, Failure> {
    // SAFETY: a non-null handle comes from `oc_engine_new` and is alive until `oc_engine_free`.
    unsafe { engine.as_ref() }.ok_or(Failure::Boundary(OcStatus::NullPointer, "engine is NULL"))
}

fn require_out(out: *mut *mut c_char) -> Result<(), Failure> {
    if out.is_null() {
        Err(Failure::Boundary(OcStatus::NullPointer, "out_json is NULL"))
    } else {
        Ok(())
    }
}

/// The library version (static; do not free).
#[unsafe(no_mangle)]
pub extern "C" fn oc_version() -> *const c_char {
    c"ordercore 0.1.0".as_ptr()
}

/// The stable code string of a status (`"insufficient_stock"`); static, do not free. The
/// status is taken as a plain integer: C may hand over any value, and one that is no status
/// answers `"unknown_status"` (reading it as the enum would be undefined behaviour).
#[unsafe(no_mangle)]
pub extern "C" fn oc_status_name(status: i32) -> *const c_char {
    status_name(status).as_ptr()
}

fn status_name(status: i32) -> &'static std::ffi::CStr {
    OcStatus::ALL
        .into_iter()
        .find(|known| *known as i32 == status)
        .map_or(c"unknown_status", OcStatus::name)
}

/// Creates an engine from a JSON configuration (`"{}"` for all defaults; see
/// `ordercore::json::JsonConfig`). On success `*out_engine` is the handle; on failure
/// `*out_error` (if not NULL) is the error document, to free with `oc_string_free`.
///
/// # Safety
/// `config_json` must be a NUL-terminated string; `out_engine` must be valid for a pointer write;
/// `out_error` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oc_engine_new(
    config_json: *const c_char,
    out_engine: *mut *mut OcEngine,
    out_error: *mut *mut c_char,
) -> OcStatus {
    unsafe {
        guard(out_error, || {
            if out_engine.is_null() {
                return Err(Failure::Boundary(
                    OcStatus::NullPointer,
                    "out_engine is NULL",
                ));
            }
            let config = text(config_json, "config_json")?;
            let engine = Box::new(OcEngine {
                inner: JsonEngine::new(config)?,
            });
            *out_engine = Box::into_raw(engine);
            Ok(None)
        })
    }
}

/// Creates an engine with components implemented by the host (see `OcPlugins`): a store over
/// its own database, a payment gateway, a carrier, a tax service; a component whose `call` is
/// NULL stays the built-in one. The table is copied; each `user_data` must stay valid until
/// `oc_engine_free`.
///
/// # Safety
/// As for `oc_engine_new`; `plugins` must point to an `OcPlugins`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oc_engine_new_with_plugins(
    config_json: *const c_char,
    plugins: *const OcPlugins,
    out_engine: *mut *mut OcEngine,
    out_error: *mut *mut c_char,
) -> OcStatus {
    unsafe {
        guard(out_error, || {
            if out_engine.is_null() {
                return Err(Failure::Boundary(
                    OcStatus::NullPointer,
                    "out_engine is NULL",
                ));
            }
            let table = plugins
                .as_ref()
                .ok_or(Failure::Boundary(OcStatus::NullPointer, "plugins is NULL"))?;
            let config: JsonConfig = parse(text(config_json, "config_json")?, "config")?;
            let inner = JsonEngine::from_config(config, host::plugins(table))?;
            *out_engine = Box::into_raw(Box::new(OcEngine { inner }));
            Ok(None)
        })
    }
}

/// Releases an engine (NULL is ignored).
///
/// # Safety
/// `engine` must come from `oc_engine_new` and not be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oc_engine_free(engine: *mut OcEngine) {
    if !engine.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(engine) })));
    }
}

/// Releases a string the library returned (NULL is ignored).
///
/// # Safety
/// `text` must come from this library and not be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oc_string_free(text: *mut c_char) {
    if !text.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            drop(unsafe { CString::from_raw(text) })
        }));
    }
}

/// Runs a command: `actor_json` like `{"type":"customer","id":"c1"}`, `command_json` like
/// `{"command":"place_order",...}`, `idempotency_key` may be NULL. `*out_json` receives the
/// answer (`{"type":"order","value":{...}}`) or the error document.
///
/// # Safety
/// Strings must be NUL-terminated (the key may be NULL); `out_json` must be valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oc_execute(
    engine: *const OcEngine,
    actor_json: *const c_char,
    command_json: *const c_char,
    idempotency_key: *const c_char,
    out_json: *mut *mut c_char,
) -> OcStatus {
    unsafe {
        guard(out_json, || {
            require_out(out_json)?;
            let engine = engine_ref(engine)?;
            let (actor, command) = (
                text(actor_json, "actor_json")?,
                text(command_json, "command_json")?,
            );
            let key = optional_text(idempotency_key)?;
            Ok(Some(engine.inner.execute(actor, command, key)?))
        })
    }
}

/// Answers a query (`{"query":"get_order","order_id":"..."}`).
///
/// # Safety
/// As for `oc_execute`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oc_query(
    engine: *const OcEngine,
    actor_json: *const c_char,
    query_json: *const c_char,
    out_json: *mut *mut c_char,
) -> OcStatus {
    unsafe {
        guard(out_json, || {
            require_out(out_json)?;
            let engine = engine_ref(engine)?;
            Ok(Some(engine.inner.query(
                text(actor_json, "actor_json")?,
                text(query_json, "query_json")?,
            )?))
        })
    }
}

/// Runs the scheduler as `actor_json` (normally `{"type":"system"}`).
///
/// # Safety
/// As for `oc_execute`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oc_tick(
    engine: *const OcEngine,
    actor_json: *const c_char,
    out_json: *mut *mut c_char,
) -> OcStatus {
    unsafe {
        guard(out_json, || {
            require_out(out_json)?;
            let engine = engine_ref(engine)?;
            Ok(Some(engine.inner.tick(text(actor_json, "actor_json")?)?))
        })
    }
}

/// Prices a cart with the engine's promotions and tax; `context_json` may be `"{}"`.
///
/// # Safety
/// As for `oc_execute`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oc_price(
    engine: *const OcEngine,
    cart_json: *const c_char,
    context_json: *const c_char,
    out_json: *mut *mut c_char,
) -> OcStatus {
    unsafe {
        guard(out_json, || {
            require_out(out_json)?;
            let engine = engine_ref(engine)?;
            Ok(Some(engine.inner.price(
                text(cart_json, "cart_json")?,
                text(context_json, "context_json")?,
            )?))
        })
    }
}

/// Prices a standalone request in the shape of a shared test vector (`{"config", "tax_rules",
/// "promotions", "context", "cart"}`; extra keys such as `cases` are ignored). No engine needed.
///
/// # Safety
/// As for `oc_execute`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oc_price_request(
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> OcStatus {
    unsafe {
        guard(out_json, || {
            require_out(out_json)?;
            Ok(Some(price_request(text(request_json, "request_json")?)?))
        })
    }
}

/// Undelivered outbox events, oldest first, at most `limit`.
///
/// # Safety
/// As for `oc_execute`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oc_pending_events(
    engine: *const OcEngine,
    limit: u32,
    out_json: *mut *mut c_char,
) -> OcStatus {
    unsafe {
        guard(out_json, || {
            require_out(out_json)?;
            Ok(Some(
                engine_ref(engine)?.inner.pending_events(limit as usize)?,
            ))
        })
    }
}

/// Marks outbox events delivered (`positions_json` like `[1,2,3]`). `out_error` may be NULL.
///
/// # Safety
/// As for `oc_execute`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oc_mark_delivered(
    engine: *const OcEngine,
    positions_json: *const c_char,
    out_error: *mut *mut c_char,
) -> OcStatus {
    unsafe {
        guard(out_error, || {
            engine_ref(engine)?
                .inner
                .mark_delivered(text(positions_json, "positions_json")?)?;
            Ok(None)
        })
    }
}

/// Sets the engine's fixed clock (configured with `"clock"`) to an RFC 3339 instant.
///
/// # Safety
/// As for `oc_execute`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oc_set_clock(
    engine: *const OcEngine,
    at: *const c_char,
    out_error: *mut *mut c_char,
) -> OcStatus {
    unsafe {
        guard(out_error, || {
            engine_ref(engine)?.inner.set_clock(text(at, "at")?)?;
            Ok(None)
        })
    }
}

/// Checks a webhook's signature: `signature_hex` must be
/// `hex(HMAC-SHA256(secret, "{timestamp}.{payload}"))` and `timestamp` (Unix seconds) within five
/// minutes of the engine's clock; `OC_STATUS_INVALID_SIGNATURE` otherwise. Call it on the raw
/// request body before turning a carrier's or payment provider's callback into a command.
/// `out_error` may be NULL.
///
/// # Safety
/// As for `oc_execute`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oc_verify_webhook(
    engine: *const OcEngine,
    secret: *const c_char,
    payload: *const c_char,
    timestamp: i64,
    signature_hex: *const c_char,
    out_error: *mut *mut c_char,
) -> OcStatus {
    unsafe {
        guard(out_error, || {
            engine_ref(engine)?.inner.verify_webhook(
                text(secret, "secret")?,
                text(payload, "payload")?,
                timestamp,
                text(signature_hex, "signature_hex")?,
            )?;
            Ok(None)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_becomes_a_status_and_an_error_document() {
        let mut out = ptr::null_mut();
        // SAFETY: `out` is a valid place for one pointer.
        let status = unsafe {
            guard(&mut out, || -> Result<Option<String>, Failure> {
                std::panic::panic_any("forced")
            })
        };
        assert_eq!(status, OcStatus::Panic);
        assert!(!out.is_null());
        // SAFETY: the guard wrote a NUL-terminated string it allocated.
        let text = unsafe { CStr::from_ptr(out) }
            .to_string_lossy()
            .into_owned();
        assert!(text.contains(r#""code":"panic""#), "{text}");
        unsafe { oc_string_free(out) };
    }

    #[test]
    fn every_core_code_has_its_own_status_and_name() {
        for &code in ErrorCode::ALL {
            let status = OcStatus::of(&Error::sample(code));
            assert_eq!(status as i32, i32::from(code.number()), "{code}");
            assert_eq!(status.name().to_bytes(), code.as_str().as_bytes());
        }
        let statuses: Vec<i32> = OcStatus::ALL.iter().map(|s| *s as i32).collect();
        let mut unique = statuses.clone();
        unique.dedup();
        assert_eq!(unique, statuses, "statuses are distinct and in order");
    }
}
