//! Orders answered to JS as views: the order stays native (`OrderHandle`, the engine's own
//! shared copy) and the package's `documentView` (in `ordercore.js`) makes a plain-looking
//! object whose fields are written as JSON and parsed when first read. A 20-line order is
//! ≈ 14 KB of JSON; writing and parsing all of it costs more than the command that made it,
//! and most callers read the id and the state.

use std::cell::RefCell;
use std::sync::Arc;

use napi::Env;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use ordercore::json::{field_json, field_names};
use ordercore::order::Order;

use crate::core_error;

type ViewFunction = FunctionRef<Unknown<'static>, Unknown<'static>>;

thread_local! {
    /// The package's `documentView(handle)`, registered when it loads (per JS thread: each
    /// worker thread loads the package again).
    static DOCUMENT_VIEW: RefCell<Option<ViewFunction>> = const { RefCell::new(None) };
}

/// Registers the function that makes order views (`ordercore.js` calls it once).
#[napi(skip_typescript)]
pub fn set_document_view(view: Function<Unknown<'static>, Unknown<'static>>) -> Result<()> {
    let view = view.create_ref()?;
    DOCUMENT_VIEW.with(|slot| *slot.borrow_mut() = Some(view));
    Ok(())
}

/// An order kept native for a view (a JS `External`).
type OrderHandle = External<Arc<Order>>;

/// The field names of the order behind `handle`, in the order its JSON writes them.
#[napi(skip_typescript)]
pub fn order_keys(env: Env, handle: &OrderHandle) -> Result<Vec<&'static str>> {
    field_names(&***handle).map_err(|e| core_error(&env, &e))
}

/// The JSON text of the field `key` of the order behind `handle` (`undefined`: no such field).
#[napi(skip_typescript)]
pub fn order_field(env: Env, handle: &OrderHandle, key: String) -> Result<Option<String>> {
    field_json(&***handle, &key).map_err(|e| core_error(&env, &e))
}

fn order_text(env: &Env, order: &Order) -> Result<String> {
    serde_json::to_string(order)
        .map_err(|e| core_error(env, &ordercore::Error::invalid("output", e.to_string())))
}

/// The JS view of `order` (the whole order parsed when no view function was registered).
pub fn view(env: &Env, order: Arc<Order>) -> Result<Unknown<'_>> {
    let view = DOCUMENT_VIEW.with(|slot| {
        (slot.borrow().as_ref())
            .map(|view| view.borrow_back(env))
            .transpose()
    })?;
    let Some(view) = view else {
        return crate::parse_json(env, &order_text(env, &order)?);
    };
    let handle = External::new(order).into_unknown(env)?;
    // SAFETY: the values live in this scope of `env`, which outlives the call.
    let argument = unsafe { Unknown::from_raw_unchecked(env.raw(), handle.raw()) };
    let made = view.call(argument)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), made.raw()) })
}
