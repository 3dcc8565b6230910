//! Components written in C — a store over the host's own database, a payment gateway, a carrier,
//! a tax service — reached through one callback each, as Python and Node reach theirs: the
//! core's `host` adapters define the methods and their request and answer documents (JSON text),
//! the same in every language.

use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr;
use std::sync::Arc;

use ordercore::Error;
use ordercore::host::{HostCarrier, HostFunction, HostGateway, HostStore, HostTaxProvider};
use ordercore::json::Plugins;

use crate::OcStatus;

/// Answers one request of the engine: `method` with the JSON text `request_json`. Set
/// `*out_answer_json` to the answer's JSON text allocated with `malloc` (the library frees it;
/// NULL reads as `null`) and return `OC_STATUS_OK`; any other status fails the engine call with
/// `provider_error` (an `OcStatus` value, taken as a plain integer). The request is valid only
/// during the call. Called from every thread that uses the engine: the host synchronizes.
pub type OcHostCall = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        method: *const c_char,
        request_json: *const c_char,
        out_answer_json: *mut *mut c_char,
    ) -> i32,
>;

/// A component implemented by the host: its callback and what to pass back to it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct OcHost {
    /// Passed back to every call; must stay valid until `oc_engine_free`.
    pub user_data: *mut c_void,
    /// The callback; NULL leaves the built-in component in place.
    pub call: OcHostCall,
}

/// The components a host supplies (each one's `call` NULL for the built-in default). Their
/// methods and documents are those of the core's `host` module (`docs/engine.md`, "Components
/// written in the host language"): `store` answers `load`, `commit`, `find`,
/// `idempotency`, `pending_events` and `mark_delivered`; `gateway` answers `execute`; `carrier`
/// answers `rates`, `create_label` and `validate_address`; `tax` answers `rates`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct OcPlugins {
    /// Storage; the memory store when NULL.
    pub store: OcHost,
    /// The payment provider; the fake gateway when NULL.
    pub gateway: OcHost,
    /// The carrier; the table-rate carrier when NULL.
    pub carrier: OcHost,
    /// The tax service; the configuration's tax table when NULL.
    pub tax: OcHost,
}

/// The Rust side of an [`OcHost`].
struct CHost {
    host: OcHost,
    component: &'static str,
}

// SAFETY: the host promises (in the header) that its callback may be called from any thread.
unsafe impl Send for CHost {}
// SAFETY: as above; the callback synchronizes itself.
unsafe impl Sync for CHost {}

unsafe extern "C" {
    fn free(pointer: *mut c_void);
}

impl CHost {
    fn provider(&self, message: String) -> Error {
        Error::Provider {
            component: self.component.into(),
            message,
        }
    }

    /// Takes ownership of the host's malloc'ed answer.
    fn take(&self, answer: *mut c_char) -> ordercore::Result<String> {
        if answer.is_null() {
            return Ok("null".into());
        }
        // SAFETY: the host returned a NUL-terminated malloc'ed string, read and freed once here.
        let text = unsafe { CStr::from_ptr(answer) }
            .to_str()
            .map(str::to_string);
        unsafe { free(answer.cast()) };
        text.map_err(|_| self.provider("the answer is not UTF-8".into()))
    }
}

impl HostFunction for CHost {
    fn call(&self, method: &str, request_json: &str) -> ordercore::Result<String> {
        let Some(call) = self.host.call else {
            return Err(self.provider("no callback".into()));
        };
        let no_nul = |_| self.provider("a request with a NUL byte".into());
        let (method_c, request) = (
            CString::new(method).map_err(no_nul)?,
            CString::new(request_json).map_err(no_nul)?,
        );
        let mut answer = ptr::null_mut();
        // SAFETY: the strings live until the call returns; the out pointer is ours.
        let status = unsafe {
            call(
                self.host.user_data,
                method_c.as_ptr(),
                request.as_ptr(),
                &mut answer,
            )
        };
        let text = self.take(answer)?;
        if status == OcStatus::Ok as i32 {
            return Ok(text);
        }
        let name = crate::status_name(status).to_string_lossy();
        Err(self.provider(format!("{method} failed with status {name}")))
    }
}

fn host(host: &OcHost, component: &'static str) -> Option<Arc<dyn HostFunction>> {
    host.call.map(|_| {
        Arc::new(CHost {
            host: *host,
            component,
        }) as Arc<dyn HostFunction>
    })
}

/// The engine's components from the host's table.
pub(crate) fn plugins(table: &OcPlugins) -> Plugins {
    Plugins {
        store: host(&table.store, "store").map(|h| Arc::new(HostStore(h)) as _),
        gateway: host(&table.gateway, "gateway").map(|h| Arc::new(HostGateway(h)) as _),
        carrier: host(&table.carrier, "carrier").map(|h| Arc::new(HostCarrier(h)) as _),
        tax: host(&table.tax, "tax").map(|h| Arc::new(HostTaxProvider(h)) as _),
        // The C API hands the engine's records to no logger yet: nothing to time.
        stopwatch: None,
    }
}
