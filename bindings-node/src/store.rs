//! A `Store` implemented by a JS object whose methods may answer values or Promises.
//!
//! The core is synchronous, so engine calls run on libuv's worker pool (see `EngineCall`). When
//! the engine asks the store something, the worker queues the call onto the JS thread through a
//! thread-safe function and waits; the JS method runs there, and its value — or its Promise's
//! settled value — travels back to the worker. The JS thread never blocks, so an async driver
//! (`pg`, `mysql2`, …) keeps doing I/O meanwhile. A JS exception or rejection comes back out of
//! the engine call unchanged.

use std::sync::Arc;
use std::sync::mpsc;
use std::task::{Context, Poll, Wake, Waker};

use napi::bindgen_prelude::*;
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use ordercore::store::{
    ChangeSet, DocKey, Document, IdempotencyRecord, OrderPage, OrderQuery, OutboxEntry, Store,
    Versioned,
};
use serde_json::{Value, json};

use crate::keep_host_exception;

/// What a JS store method answered: a value, or a Promise of one.
enum HostAnswer {
    Ready(Value),
    Pending(Promise<HostValue>),
}

/// A JS value as JSON; `undefined` reads as `null`.
struct HostValue(Value);

impl FromNapiValue for HostValue {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let mut kind = 0;
        // SAFETY: `env` and `value` come from N-API for this call.
        check_status!(unsafe { sys::napi_typeof(env, value, &mut kind) })?;
        if kind == sys::ValueType::napi_undefined || kind == sys::ValueType::napi_null {
            return Ok(HostValue(Value::Null));
        }
        // SAFETY: as above.
        Ok(HostValue(unsafe { Value::from_napi_value(env, value) }?))
    }
}

impl FromNapiValue for HostAnswer {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let mut is_promise = false;
        // SAFETY: `env` and `value` come from N-API for this call.
        check_status!(unsafe { sys::napi_is_promise(env, value, &mut is_promise) })?;
        if is_promise {
            // SAFETY: as above; the value is a Promise.
            Ok(HostAnswer::Pending(unsafe {
                Promise::from_napi_value(env, value)
            }?))
        } else {
            // SAFETY: as above.
            Ok(HostAnswer::Ready(
                unsafe { HostValue::from_napi_value(env, value) }?.0,
            ))
        }
    }
}

type Method<A> = ThreadsafeFunction<A, HostAnswer, A, Status, false, true, 0>;

/// The JS store's methods, bound to it.
pub(crate) struct NodeStore {
    load: Method<FnArgs<(String, String)>>,
    commit: Method<Value>,
    find_orders: Method<Value>,
    idempotency: Method<String>,
    pending_events: Method<u32>,
    mark_delivered: Method<Vec<i64>>,
}

fn method<A: 'static + JsValuesTupleIntoVec>(
    store: &Object,
    name: &str,
) -> ordercore::Result<Method<A>> {
    let missing = || ordercore::Error::InvalidInput {
        field: format!("store.{name}"),
        message: "the store has no such method".into(),
    };
    let function: Function<A, HostAnswer> =
        store.get_named_property(name).map_err(|_| missing())?;
    function
        .bind(store)
        .and_then(|bound| {
            bound
                .build_threadsafe_function::<A>()
                .callee_handled::<false>()
                .weak::<true>()
                .build()
        })
        .map_err(|e| provider(format!("store.{name}: {}", e.reason)))
}

impl NodeStore {
    /// Binds the store object's methods; `invalid_input` naming a missing one.
    pub(crate) fn new(store: Unknown) -> ordercore::Result<Self> {
        if !matches!(store.get_type(), Ok(ValueType::Object)) {
            return Err(ordercore::Error::InvalidInput {
                field: "store".into(),
                message: "expected an object with the Store methods".into(),
            });
        }
        let store = Object::from_unknown(store).map_err(|e| provider(e.reason))?;
        Ok(NodeStore {
            load: method(&store, "load")?,
            commit: method(&store, "commit")?,
            find_orders: method(&store, "findOrders")?,
            idempotency: method(&store, "idempotency")?,
            pending_events: method(&store, "pendingEvents")?,
            mark_delivered: method(&store, "markDelivered")?,
        })
    }
}

fn provider(message: impl Into<String>) -> ordercore::Error {
    ordercore::Error::Provider {
        component: "store".into(),
        message: message.into(),
    }
}

fn unreadable(what: &str, detail: impl std::fmt::Display) -> ordercore::Error {
    provider(format!("store returned an unreadable {what}: {detail}"))
}

/// Calls a JS store method from a worker thread and waits for its (possibly asynchronous)
/// answer. The JS exception, if any, is kept for the engine call to rethrow.
fn ask<A: 'static + JsValuesTupleIntoVec>(
    method: &Method<A>,
    name: &str,
    args: A,
) -> ordercore::Result<Value> {
    let (sender, receiver) = mpsc::sync_channel::<Result<HostAnswer>>(1);
    let status = method.call_with_return_value(
        args,
        ThreadsafeFunctionCallMode::NonBlocking,
        move |answer, _env| {
            let _ = sender.send(answer);
            Ok(())
        },
    );
    if status != Status::Ok {
        return Err(provider(format!(
            "store.{name}: cannot reach JS ({status})"
        )));
    }
    let answer = receiver
        .recv()
        .map_err(|_| provider(format!("store.{name}: the JS thread went away")))?;
    let settled = match answer {
        Ok(HostAnswer::Ready(value)) => Ok(value),
        Ok(HostAnswer::Pending(promise)) => block_on(promise).map(|v| v.0),
        Err(error) => Err(error),
    };
    settled.map_err(|error| {
        let message = format!("store.{name} failed: {}", error.reason);
        keep_host_exception(error);
        provider(message)
    })
}

/// Waits on this (worker) thread for a future settled by the JS thread.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}

fn text<T: serde::Serialize>(value: &T) -> ordercore::Result<String> {
    serde_json::to_string(value).map_err(|e| provider(e.to_string()))
}

impl Store for NodeStore {
    fn load(&self, key: &DocKey) -> ordercore::Result<Option<Versioned<Document>>> {
        let answer = ask(
            &self.load,
            "load",
            FnArgs::from((key.kind.name().to_string(), key.id.clone())),
        )?;
        if answer.is_null() {
            return Ok(None);
        }
        let version = answer["version"]
            .as_u64()
            .ok_or_else(|| unreadable("document", "`version` is not a whole number"))?;
        let document = answer["document"]
            .as_str()
            .ok_or_else(|| unreadable("document", "`document` is not a string"))?;
        let value = serde_json::from_str(document).map_err(|e| unreadable("document", e))?;
        Ok(Some(Versioned { version, value }))
    }

    fn commit(&self, changes: ChangeSet) -> ordercore::Result<()> {
        let mut writes = Vec::with_capacity(changes.writes.len());
        for write in &changes.writes {
            let index = write.document.order_index();
            writes.push(json!({
                "kind": write.key.kind.name(),
                "id": write.key.id,
                "expectedVersion": write.expected_version,
                "document": text(&write.document)?,
                "customerId": index.as_ref().map(|i| i.customer_id.clone()),
                "state": index.as_ref().map(|i| i.state),
                "createdAt": index.as_ref().map(|i| i.created_at.clone()),
                "dueAt": index.and_then(|i| i.due_at),
            }));
        }
        let events: Vec<String> = changes
            .events
            .iter()
            .map(text)
            .collect::<ordercore::Result<_>>()?;
        let idempotency = match &changes.idempotency {
            Some(record) => json!({"key": record.key, "record": text(record)?}),
            None => Value::Null,
        };
        let change = json!({"writes": writes, "events": events, "idempotency": idempotency});
        match ask(&self.commit, "commit", change)? {
            Value::Null => Ok(()),
            Value::String(status) => match status.as_str() {
                "ok" => Ok(()),
                "version_conflict" => Err(ordercore::Error::VersionConflict {
                    key: "store".into(),
                }),
                "idempotency_conflict" => Err(ordercore::Error::IdempotencyConflict {
                    key: changes
                        .idempotency
                        .as_ref()
                        .map(|r| r.key.clone())
                        .unwrap_or_default(),
                }),
                other => Err(unreadable("commit status", other)),
            },
            other => Err(unreadable("commit status", other)),
        }
    }

    fn find_orders(&self, query: &OrderQuery) -> ordercore::Result<OrderPage> {
        let q = query.filter()?;
        let filter = json!({
            "customerId": q.customer_id,
            "state": q.state,
            "dueBefore": q.due_before,
            "afterCreatedAt": q.after.as_ref().map(|(at, _)| at),
            "afterId": q.after.as_ref().map(|(_, id)| id),
            "limit": q.limit,
        });
        let answer = ask(&self.find_orders, "findOrders", filter)?;
        let documents = answer["documents"]
            .as_array()
            .ok_or_else(|| unreadable("page", "`documents` is not an array"))?;
        let mut orders = Vec::with_capacity(documents.len());
        for document in documents {
            let text = document
                .as_str()
                .ok_or_else(|| unreadable("page", "a document is not a string"))?;
            if let Document::Order(order) =
                serde_json::from_str(text).map_err(|e| unreadable("order", e))?
            {
                orders.push(*order);
            }
        }
        let next = if answer["more"].as_bool().unwrap_or(false) {
            orders.last().map(ordercore::store::order_cursor)
        } else {
            None
        };
        Ok(OrderPage { orders, next })
    }

    fn idempotency(&self, key: &str) -> ordercore::Result<Option<IdempotencyRecord>> {
        match ask(&self.idempotency, "idempotency", key.to_string())? {
            Value::Null => Ok(None),
            Value::String(record) => serde_json::from_str(&record)
                .map(Some)
                .map_err(|e| unreadable("record", e)),
            other => Err(unreadable("record", other)),
        }
    }

    fn pending_events(&self, limit: usize) -> ordercore::Result<Vec<OutboxEntry>> {
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let answer = ask(&self.pending_events, "pendingEvents", limit)?;
        let rows = answer
            .as_array()
            .ok_or_else(|| unreadable("events", "not an array"))?;
        rows.iter()
            .map(|row| {
                let position = row["position"]
                    .as_u64()
                    .ok_or_else(|| unreadable("events", "`position` is not a whole number"))?;
                let event = row["event"]
                    .as_str()
                    .ok_or_else(|| unreadable("events", "`event` is not a string"))?;
                Ok(OutboxEntry {
                    position,
                    event: serde_json::from_str(event).map_err(|e| unreadable("event", e))?,
                })
            })
            .collect()
    }

    fn mark_delivered(&self, positions: &[u64]) -> ordercore::Result<()> {
        let positions = positions
            .iter()
            .map(|&p| i64::try_from(p).map_err(|_| unreadable("position", p)))
            .collect::<ordercore::Result<Vec<i64>>>()?;
        ask(&self.mark_delivered, "markDelivered", positions).map(|_| ())
    }
}
