//! A `Store` implemented by the C host through function pointers, so a C program can keep the
//! engine's documents in its own database.
//!
//! Nothing here parses JSON on the C side: documents, events and idempotency records travel as
//! opaque JSON strings, and the fields a host needs to index orders (customer, state, creation
//! and due times) come as separate strings in every order write.

use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr;

use ordercore::Error;
use ordercore::store::{
    ChangeSet, DocKey, Document, IdempotencyRecord, OrderPage, OrderQuery, OutboxEntry, Store,
    Versioned,
};

use crate::OcStatus;

/// One document write of a change set. Strings are valid only during the `commit` call.
#[repr(C)]
pub struct OcWrite {
    /// `"order"`, `"stock"`, `"promotion_usage"` or `"customer"`.
    pub kind: *const c_char,
    /// The document id within its kind.
    pub id: *const c_char,
    /// The version the engine read (0: the document must not exist yet); store it as +1.
    pub expected_version: u64,
    /// The document, `{"kind": …, "body": {…}}`: store it as is, return it from `load`.
    pub document_json: *const c_char,
    /// For orders (else NULL): the customer id, to filter by.
    pub customer_id: *const c_char,
    /// For orders (else NULL): the state, to filter by.
    pub state: *const c_char,
    /// For orders (else NULL): RFC 3339 creation time, the listing order with `id`.
    pub created_at: *const c_char,
    /// For orders (else NULL, also when not due): RFC 3339 time the scheduler must look at it.
    pub due_at: *const c_char,
}

/// A filter over orders (strings NULL when not filtering). Return matching orders ordered by
/// `(created_at, id)`, after the cursor `after_created_at`/`after_id` when given, at most
/// `limit`.
#[repr(C)]
pub struct OcOrderQuery {
    /// Only this customer's orders.
    pub customer_id: *const c_char,
    /// Only orders in this state.
    pub state: *const c_char,
    /// Only orders with `due_at <= due_before` (RFC 3339; compare as text).
    pub due_before: *const c_char,
    /// Cursor: creation time of the last order of the previous page.
    pub after_created_at: *const c_char,
    /// Cursor: id of the last order of the previous page.
    pub after_id: *const c_char,
    /// Page size.
    pub limit: u32,
}

/// Storage callbacks. Every callback returns `OC_STATUS_OK`, or `OC_STATUS_VERSION_CONFLICT` /
/// `OC_STATUS_IDEMPOTENCY_CONFLICT` from `commit`, or any other status for a failure (reported
/// as `provider_error`). Strings a callback returns through `char **` must be allocated with
/// `malloc`; the library frees them. Callbacks may be called from every thread that uses the
/// engine: the host synchronizes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct OcStore {
    /// Passed back to every callback.
    pub user_data: *mut c_void,
    /// Loads a document: sets `*out_version` and `*out_document_json`, or leaves
    /// `*out_document_json` NULL when there is none.
    pub load: Option<
        unsafe extern "C" fn(
            *mut c_void,
            *const c_char,
            *const c_char,
            *mut u64,
            *mut *mut c_char,
        ) -> OcStatus,
    >,
    /// Applies all writes (each only if its stored version equals `expected_version`), appends
    /// the events (JSON strings) to the outbox, and stores the idempotency record (`key` and
    /// `record_json`, both NULL when absent; the key must be new) — all or nothing.
    pub commit: Option<
        unsafe extern "C" fn(
            *mut c_void,
            *const OcWrite,
            usize,
            *const *const c_char,
            usize,
            *const c_char,
            *const c_char,
        ) -> OcStatus,
    >,
    /// Lists orders: sets `*out_documents_json` to a JSON array of the stored order documents
    /// and `*out_next_created_at`/`*out_next_id` to the cursor of the last one when there may be
    /// more (else NULL).
    pub find_orders: Option<
        unsafe extern "C" fn(
            *mut c_void,
            *const OcOrderQuery,
            *mut *mut c_char,
            *mut *mut c_char,
            *mut *mut c_char,
        ) -> OcStatus,
    >,
    /// Gets the idempotency record of a key: `*out_record_json` or NULL.
    pub idempotency:
        Option<unsafe extern "C" fn(*mut c_void, *const c_char, *mut *mut c_char) -> OcStatus>,
    /// Undelivered events, oldest first: a JSON array of `{"position": n, "event": <event>}`.
    pub pending_events:
        Option<unsafe extern "C" fn(*mut c_void, u32, *mut *mut c_char) -> OcStatus>,
    /// Marks events delivered by position.
    pub mark_delivered: Option<unsafe extern "C" fn(*mut c_void, *const u64, usize) -> OcStatus>,
}

/// The Rust side of an [`OcStore`].
pub(crate) struct CStore {
    table: OcStore,
}

// SAFETY: the host promises (in the header) that its callbacks may be called from any thread.
unsafe impl Send for CStore {}
// SAFETY: as above; the callbacks synchronize themselves.
unsafe impl Sync for CStore {}

unsafe extern "C" {
    fn free(pointer: *mut c_void);
}

fn store_error(status: OcStatus) -> Error {
    Error::Provider {
        component: "store".into(),
        message: format!("store callback failed with status {}", status as u32),
    }
}

fn c(text: &str) -> Result<CString, Error> {
    CString::new(text).map_err(|_| invalid("store", "text with a NUL byte"))
}

/// Takes ownership of a malloc'ed string from the host.
fn take(text: *mut c_char) -> Result<Option<String>, Error> {
    if text.is_null() {
        return Ok(None);
    }
    // SAFETY: the host returned a NUL-terminated malloc'ed string, which we read and free once.
    let owned = unsafe { CStr::from_ptr(text) }.to_str().map(str::to_string);
    unsafe { free(text.cast()) };
    owned
        .map(Some)
        .map_err(|_| invalid("store", "the store returned text that is not UTF-8"))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::Provider {
        component: "store".into(),
        message: format!("unreadable {what}: {e}"),
    })
}

fn check(status: OcStatus) -> Result<(), Error> {
    if status == OcStatus::Ok {
        Ok(())
    } else {
        Err(store_error(status))
    }
}

impl CStore {
    pub(crate) fn new(table: &OcStore) -> Option<CStore> {
        let complete = table.load.is_some()
            && table.commit.is_some()
            && table.find_orders.is_some()
            && table.idempotency.is_some()
            && table.pending_events.is_some()
            && table.mark_delivered.is_some();
        complete.then_some(CStore { table: *table })
    }
}

impl Store for CStore {
    fn load(&self, key: &DocKey) -> ordercore::Result<Option<Versioned<Document>>> {
        let Some(load) = self.table.load else {
            return Err(store_error(OcStatus::NullPointer));
        };
        let (kind, id) = (c(key.kind.name())?, c(&key.id)?);
        let mut version = 0u64;
        let mut out = ptr::null_mut();
        // SAFETY: valid strings for the call; out pointers are ours.
        check(unsafe {
            load(
                self.table.user_data,
                kind.as_ptr(),
                id.as_ptr(),
                &mut version,
                &mut out,
            )
        })?;
        match take(out)? {
            Some(text) => Ok(Some(Versioned {
                version,
                value: parse(&text, "document")?,
            })),
            None => Ok(None),
        }
    }

    fn commit(&self, changes: ChangeSet) -> ordercore::Result<()> {
        let Some(commit) = self.table.commit else {
            return Err(store_error(OcStatus::NullPointer));
        };
        let writes = CWrites::of(&changes.writes)?;
        let writes = &writes.rows;
        let events: Vec<CString> = changes
            .events
            .iter()
            .map(|e| to_json(e).and_then(|t| c(&t)))
            .collect::<Result<_, _>>()?;
        let event_pointers: Vec<*const c_char> = events.iter().map(|e| e.as_ptr()).collect();
        let (key, record) = match &changes.idempotency {
            Some(record) => (Some(c(&record.key)?), Some(c(&to_json(record)?)?)),
            None => (None, None),
        };
        // SAFETY: every pointer stays valid until the call returns.
        let status = unsafe {
            commit(
                self.table.user_data,
                writes.as_ptr(),
                writes.len(),
                event_pointers.as_ptr(),
                event_pointers.len(),
                key.as_ref().map_or(ptr::null(), |k| k.as_ptr()),
                record.as_ref().map_or(ptr::null(), |r| r.as_ptr()),
            )
        };
        match status {
            OcStatus::Ok => Ok(()),
            OcStatus::VersionConflict => Err(Error::VersionConflict {
                key: "store".into(),
            }),
            OcStatus::IdempotencyConflict => Err(Error::IdempotencyConflict {
                key: changes.idempotency.map(|r| r.key).unwrap_or_default(),
            }),
            other => Err(store_error(other)),
        }
    }

    fn find_orders(&self, query: &OrderQuery) -> ordercore::Result<OrderPage> {
        let Some(find) = self.table.find_orders else {
            return Err(store_error(OcStatus::NullPointer));
        };
        let optional = |text: Option<String>| text.map(|t| c(&t)).transpose();
        let q = query.filter()?;
        let customer = optional(q.customer_id)?;
        let state = optional(q.state.map(str::to_string))?;
        let due = optional(q.due_before)?;
        let after_at = optional(q.after.as_ref().map(|(at, _)| at.clone()))?;
        let after_id = optional(q.after.map(|(_, id)| id))?;
        let pointer = |text: &Option<CString>| text.as_ref().map_or(ptr::null(), |t| t.as_ptr());
        let filter = OcOrderQuery {
            customer_id: pointer(&customer),
            state: pointer(&state),
            due_before: pointer(&due),
            after_created_at: pointer(&after_at),
            after_id: pointer(&after_id),
            limit: q.limit as u32,
        };
        let (mut documents, mut next_at, mut next_id) =
            (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
        // SAFETY: the filter's strings live until the call returns; out pointers are ours.
        check(unsafe {
            find(
                self.table.user_data,
                &filter,
                &mut documents,
                &mut next_at,
                &mut next_id,
            )
        })?;
        let documents: Vec<Document> =
            parse(&take(documents)?.unwrap_or_else(|| "[]".into()), "orders")?;
        let (next_at, next_id) = (take(next_at)?, take(next_id)?);
        let orders = documents
            .into_iter()
            .filter_map(|d| match d {
                Document::Order(order) => Some(std::sync::Arc::unwrap_or_clone(order)),
                _ => None,
            })
            .collect();
        let next = match (next_at, next_id) {
            (Some(at), Some(id)) => Some(format!("{at}|{id}")),
            _ => None,
        };
        Ok(OrderPage { orders, next })
    }

    fn idempotency(&self, key: &str) -> ordercore::Result<Option<IdempotencyRecord>> {
        let Some(get) = self.table.idempotency else {
            return Err(store_error(OcStatus::NullPointer));
        };
        let key = c(key)?;
        let mut out = ptr::null_mut();
        // SAFETY: as above.
        check(unsafe { get(self.table.user_data, key.as_ptr(), &mut out) })?;
        take(out)?
            .map(|text| parse(&text, "idempotency record"))
            .transpose()
    }

    fn pending_events(&self, limit: usize) -> ordercore::Result<Vec<OutboxEntry>> {
        let Some(pending) = self.table.pending_events else {
            return Err(store_error(OcStatus::NullPointer));
        };
        let mut out = ptr::null_mut();
        // SAFETY: as above.
        check(unsafe {
            pending(
                self.table.user_data,
                limit.min(u32::MAX as usize) as u32,
                &mut out,
            )
        })?;
        parse(&take(out)?.unwrap_or_else(|| "[]".into()), "events")
    }

    fn mark_delivered(&self, positions: &[u64]) -> ordercore::Result<()> {
        let Some(mark) = self.table.mark_delivered else {
            return Err(store_error(OcStatus::NullPointer));
        };
        // SAFETY: the slice is valid for the call.
        check(unsafe { mark(self.table.user_data, positions.as_ptr(), positions.len()) })
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| invalid("store", e.to_string()))
}

fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::InvalidInput {
        field: field.to_string(),
        message: message.into(),
    }
}

/// A change set's writes as the C rows `commit` takes, with the strings they point into (a
/// `CString`'s bytes stay where they are when the string moves into the list).
struct CWrites {
    rows: Vec<OcWrite>,
    _strings: Vec<CString>,
}

impl CWrites {
    fn of(writes: &[ordercore::store::Write]) -> Result<Self, Error> {
        let mut strings: Vec<CString> = Vec::with_capacity(writes.len() * 7);
        let mut text = |text: Option<String>| -> Result<*const c_char, Error> {
            let Some(text) = text else {
                return Ok(ptr::null());
            };
            let owned = c(&text)?;
            let pointer = owned.as_ptr();
            strings.push(owned);
            Ok(pointer)
        };
        let mut rows = Vec::with_capacity(writes.len());
        for write in writes {
            let index = write.document.order_index();
            rows.push(OcWrite {
                kind: text(Some(write.key.kind.name().to_string()))?,
                id: text(Some(write.key.id.to_string()))?,
                expected_version: write.expected_version,
                document_json: text(Some(to_json(&write.document)?))?,
                customer_id: text(index.as_ref().map(|i| i.customer_id.clone()))?,
                state: text(index.as_ref().map(|i| i.state.to_string()))?,
                created_at: text(index.as_ref().map(|i| i.created_at.clone()))?,
                due_at: text(index.and_then(|i| i.due_at))?,
            });
        }
        Ok(CWrites {
            rows,
            _strings: strings,
        })
    }
}
