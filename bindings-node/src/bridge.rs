//! Calling JS from the engine's worker threads and waiting for the answer — a value, or a
//! Promise's settled value. Shared by the host store and the host plug-ins.
//!
//! The core is synchronous, so engine calls run on libuv's worker pool (see `EngineCall`). When
//! the engine needs the host, the worker queues the call onto the JS thread through a
//! thread-safe function and waits; the JS method runs there, and its value — or its Promise's
//! settled value — travels back to the worker. The JS thread never blocks, so an async driver
//! keeps doing I/O meanwhile. A JS exception or rejection is kept for the engine call to
//! rethrow unchanged. A call that has no answer within the engine's `hostTimeoutMs` fails with
//! `provider_error`, so a Promise that never settles cannot hold a worker forever.

use std::sync::Arc;
use std::sync::mpsc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use napi::bindgen_prelude::*;
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use serde_json::Value;

use crate::keep_host_exception;

/// What a JS store method answered: a value, or a Promise of one.
enum HostAnswer {
    Ready(HostValue),
    Pending(Promise<HostValue>),
}

/// A JS value as JSON (`undefined` reads as `null`), or why it has no JSON form (a Symbol, a
/// function, a thenable object): an unreadable answer, not an exception of the host's.
struct HostValue(std::result::Result<Value, String>);

impl FromNapiValue for HostValue {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let mut kind = 0;
        // SAFETY: `env` and `value` come from N-API for this call.
        check_status!(unsafe { sys::napi_typeof(env, value, &mut kind) })?;
        if kind == sys::ValueType::napi_undefined || kind == sys::ValueType::napi_null {
            return Ok(HostValue(Ok(Value::Null)));
        }
        // SAFETY: as above.
        match unsafe { Value::from_napi_value(env, value) } {
            Ok(value) => Ok(HostValue(Ok(value))),
            // A getter that threw while the answer was read: the host's own exception.
            Err(error) if error.status == Status::PendingException => Err(error),
            Err(error) => Ok(HostValue(Err(error.reason))),
        }
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
            Ok(HostAnswer::Ready(unsafe {
                HostValue::from_napi_value(env, value)
            }?))
        }
    }
}

type Tsfn<A> = ThreadsafeFunction<A, HostAnswer, A, Status, false, true, 0>;

/// One method of a host object (`store.load`, `gateway.execute`, …), callable from any thread.
pub(crate) struct Method<A: 'static + JsValuesTupleIntoVec> {
    function: Tsfn<A>,
    component: &'static str,
    name: &'static str,
    timeout: Duration,
}

/// How long a host call may take unless the engine is told otherwise (`hostTimeoutMs`).
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// `provider_error` of a host component.
pub(crate) fn provider(component: &str, message: impl Into<String>) -> ordercore::Error {
    ordercore::Error::Provider {
        component: component.into(),
        message: message.into(),
    }
}

impl<A: 'static + JsValuesTupleIntoVec> Method<A> {
    /// Binds `object[name]`; `invalid_input` naming `component.name` if it is not a function.
    pub(crate) fn bind(
        object: &Object,
        component: &'static str,
        name: &'static str,
        timeout: Duration,
    ) -> ordercore::Result<Self> {
        Self::bind_optional(object, component, name, timeout)?.ok_or_else(|| {
            ordercore::Error::InvalidInput {
                field: format!("{component}.{name}"),
                message: format!("the {component} has no such method"),
            }
        })
    }

    /// Binds `object[name]` if the object has it.
    pub(crate) fn bind_optional(
        object: &Object,
        component: &'static str,
        name: &'static str,
        timeout: Duration,
    ) -> ordercore::Result<Option<Self>> {
        let value: Unknown = object
            .get_named_property(name)
            .map_err(|e| provider(component, e.reason))?;
        if !matches!(value.get_type(), Ok(ValueType::Function)) {
            return Ok(None);
        }
        let function: Function<A, HostAnswer> =
            Function::from_unknown(value).map_err(|e| provider(component, e.reason))?;
        let function = function
            .bind(object)
            .and_then(|bound| {
                bound
                    .build_threadsafe_function::<A>()
                    .callee_handled::<false>()
                    .weak::<true>()
                    .build()
            })
            .map_err(|e| provider(component, format!("{name}: {}", e.reason)))?;
        Ok(Some(Method {
            function,
            component,
            name,
            timeout,
        }))
    }

    /// Calls the method from a worker thread and waits for its (possibly asynchronous) answer.
    /// The JS exception, if any, is kept for the engine call to rethrow.
    pub(crate) fn ask(&self, args: A) -> ordercore::Result<Value> {
        let (component, name) = (self.component, self.name);
        let deadline = Instant::now() + self.timeout;
        let late = || {
            provider(
                component,
                format!("{name}: no answer within {} ms", self.timeout.as_millis()),
            )
        };
        let (sender, receiver) = mpsc::sync_channel::<Result<HostAnswer>>(1);
        let status = self.function.call_with_return_value(
            args,
            ThreadsafeFunctionCallMode::NonBlocking,
            move |answer, _env| {
                let _ = sender.send(answer);
                Ok(())
            },
        );
        if status != Status::Ok {
            return Err(provider(
                component,
                format!("{name}: cannot reach JS ({status})"),
            ));
        }
        let answer = receiver.recv_timeout(self.timeout).map_err(|e| match e {
            mpsc::RecvTimeoutError::Timeout => late(),
            mpsc::RecvTimeoutError::Disconnected => {
                provider(component, format!("{name}: the JS thread went away"))
            }
        })?;
        let settled = match answer {
            Ok(HostAnswer::Ready(value)) => Ok(value),
            // Its late settlement, if any, is dropped with the Promise's receiving end.
            Ok(HostAnswer::Pending(promise)) => block_on(promise, deadline).ok_or_else(late)?,
            Err(error) => Err(error),
        };
        let value = settled.map_err(|error| {
            let message = format!("{name} failed: {}", error.reason);
            keep_host_exception(error);
            provider(component, message)
        })?;
        value
            .0
            .map_err(|detail| self.unreadable("value (it has no JSON form)", detail))
    }

    /// `provider_error`: the method answered something that does not read as `what`.
    fn unreadable(&self, what: &str, detail: impl std::fmt::Display) -> ordercore::Error {
        provider(
            self.component,
            format!("{} answered an unreadable {what}: {detail}", self.name),
        )
    }
}

/// Waits on this (worker) thread for a future settled by the JS thread, until `deadline`.
fn block_on<F: std::future::Future>(future: F, deadline: Instant) -> Option<F::Output> {
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
            Poll::Ready(output) => return Some(output),
            Poll::Pending => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return None;
                }
                // Wakes early when the Promise settles; spurious wake-ups just poll again.
                std::thread::park_timeout(left);
            }
        }
    }
}
