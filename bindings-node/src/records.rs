//! The engine's records (`ordercore::engine::trace`) handed to a JS logger, and the correlation
//! id of the request a call serves.
//!
//! An engine made with a `logger` runs each call under a `tracing` subscriber that keeps the
//! call's records; when the call settles (on the JS thread) they go to the logger as one JSON
//! text, which the package's JS turns into `logger.info(fields, msg)` / `logger.warn(…)` calls
//! (pino's shape). An engine without one records nothing. The correlation id is read from the
//! package's `AsyncLocalStorage` (`correlated(id, fn)`) when a call starts.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use napi::Env;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as SpanRecord};
use tracing::{Event, Level, Metadata, Subscriber};

/// The function that hands an engine's records to its logger (made by the package from the
/// host's logger): it takes them as one JSON array.
pub(crate) type Sink = Arc<FunctionRef<String, Unknown<'static>>>;

type Source = FunctionRef<(), Unknown<'static>>;

thread_local! {
    /// The package's reader of the current request's correlation id (per JS thread).
    static CORRELATION: RefCell<Option<Source>> = const { RefCell::new(None) };
}

/// Whether the package ever ran `correlated(id, fn)`: until then no call asks JS for an id (a
/// call into JS costs more than a cheap engine call).
static CORRELATING: AtomicBool = AtomicBool::new(false);

/// Notes that correlation ids are in use (`correlated` calls it on its first use).
#[napi(skip_typescript)]
pub fn correlating() {
    CORRELATING.store(true, Ordering::Relaxed);
}

/// Registers the function answering the current correlation id (`ordercore.js` calls it once).
#[napi(skip_typescript)]
pub fn set_correlation_source(source: Function<(), Unknown<'static>>) -> Result<()> {
    let source = source.create_ref()?;
    CORRELATION.with(|slot| *slot.borrow_mut() = Some(source));
    Ok(())
}

/// The correlation id of the request being served (`correlated(id, fn)`), if any.
pub(crate) fn correlation_id(env: &Env) -> Option<String> {
    if !CORRELATING.load(Ordering::Relaxed) {
        return None;
    }
    CORRELATION.with(|slot| {
        let slot = slot.borrow();
        let source = slot.as_ref()?.borrow_back(env).ok()?;
        let value = source.call(()).ok()?;
        let value = unsafe { Unknown::from_raw_unchecked(env.raw(), value.raw()) };
        match value.get_type() {
            Ok(ValueType::String) => value
                .coerce_to_string()
                .ok()?
                .into_utf8()
                .ok()?
                .into_owned()
                .ok(),
            _ => None,
        }
    })
}

/// The logger's sink from the host's `logger` member (a function the package made).
pub(crate) fn sink(value: Unknown) -> ordercore::Result<Sink> {
    let function: Function<String, Unknown<'static>> = Function::from_unknown(value)
        .map_err(|e| crate::invalid("logger", format!("expected a logger: {}", e.reason)))?;
    let reference = function
        .create_ref()
        .map_err(|e| crate::invalid("logger", e.reason))?;
    Ok(Arc::new(reference))
}

/// One record: `{level, msg, fields}`.
#[derive(Debug, Default)]
pub(crate) struct Record {
    fields: Map<String, Value>,
    message: String,
}

impl Visit for Record {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        match field.name() {
            "message" => self.message = text,
            name => {
                self.fields.insert(name.to_string(), Value::String(text));
            }
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.fields
            .insert(field.name().to_string(), Value::String(value.to_string()));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields
            .insert(field.name().to_string(), Value::from(value));
    }
}

/// Keeps the records of the call it is installed for.
#[derive(Clone, Default)]
pub(crate) struct Collector(Arc<Mutex<Vec<Value>>>);

impl Subscriber for Collector {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == "ordercore"
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &SpanRecord<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut record = Record::default();
        event.record(&mut record);
        let level = if *event.metadata().level() == Level::WARN {
            "warn"
        } else {
            "info"
        };
        let entry =
            serde_json::json!({"level": level, "msg": record.message, "fields": record.fields});
        if let Ok(mut records) = self.0.lock() {
            records.push(entry);
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

impl Collector {
    /// Runs `work` with its records kept.
    pub(crate) fn around<T>(&self, work: impl FnOnce() -> T) -> T {
        tracing::subscriber::with_default(self.clone(), work)
    }

    /// The records kept, as one JSON array (`None`: there are none).
    pub(crate) fn take(&self) -> Option<String> {
        let records = std::mem::take(&mut *self.0.lock().ok()?);
        (!records.is_empty()).then(|| Value::Array(records).to_string())
    }
}

/// Hands `records` to the logger behind `sink` (on the JS thread). A logger that throws does
/// not change the call's answer.
pub(crate) fn deliver(env: &Env, sink: &Sink, records: Option<String>) {
    let Some(records) = records else { return };
    if let Ok(function) = sink.borrow_back(env) {
        let _ = function.call(records);
    }
}
