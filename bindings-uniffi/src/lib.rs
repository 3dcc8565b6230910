//! ordercore for uniffi (Swift, Kotlin, Python): the core's JSON façade as an `Engine` object
//! and a `Pricer`, errors as `OrderCoreError.Failed` carrying the stable code, the field and the
//! error's whole JSON document. Translation only.
//!
//! The C ABI (`bindings-ffi`, cbindgen header) stays the C API: uniffi's C scaffolding is an
//! implementation detail of the generated Swift/Kotlin/Python code, not something to program to.

use std::sync::Arc;

use ordercore::json::{JsonEngine, JsonPricer, error_json};

uniffi::setup_scaffolding!();

/// Every failure: `code` is the core's stable code (`insufficient_stock`, …), `field` the
/// offending input path when there is one, `details` the error as a JSON document.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum OrderCoreError {
    /// The core refused or failed.
    #[error("{code}: {message}")]
    Failed {
        /// The stable error code.
        code: String,
        /// The offending field, for input errors.
        field: Option<String>,
        /// A human-readable message.
        message: String,
        /// The whole error document (JSON).
        details: String,
    },
}

impl From<ordercore::Error> for OrderCoreError {
    fn from(error: ordercore::Error) -> Self {
        OrderCoreError::Failed {
            code: error.code().to_string(),
            field: error.field().map(str::to_string),
            message: error.to_string(),
            details: error_json(&error),
        }
    }
}

type Result<T> = std::result::Result<T, OrderCoreError>;

/// The order engine on its embedded defaults, driven by JSON documents (the shapes of the
/// shared test vectors and of every other binding). Thread-safe.
#[derive(uniffi::Object)]
pub struct Engine {
    inner: JsonEngine,
}

#[uniffi::export]
impl Engine {
    /// Builds an engine from its configuration document (`"{}"` for all defaults).
    #[uniffi::constructor]
    pub fn new(config_json: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Engine {
            inner: JsonEngine::new(&config_json)?,
        }))
    }

    /// Runs a command as an actor; answers the command's output document.
    pub fn execute(
        &self,
        actor_json: String,
        command_json: String,
        idempotency_key: Option<String>,
    ) -> Result<String> {
        Ok(self
            .inner
            .execute(&actor_json, &command_json, idempotency_key.as_deref())?)
    }

    /// Answers a query.
    pub fn query(&self, actor_json: String, query_json: String) -> Result<String> {
        Ok(self.inner.query(&actor_json, &query_json)?)
    }

    /// Runs the scheduler once.
    pub fn tick(&self, actor_json: String) -> Result<String> {
        Ok(self.inner.tick(&actor_json)?)
    }

    /// Prices a cart with the engine's promotions and tax.
    pub fn price(&self, cart_json: String, context_json: String) -> Result<String> {
        Ok(self.inner.price(&cart_json, &context_json)?)
    }

    /// Undelivered outbox events, oldest first.
    pub fn pending_events(&self, limit: u32) -> Result<String> {
        Ok(self.inner.pending_events(limit as usize)?)
    }

    /// Marks outbox events delivered (`[1, 2]`).
    pub fn mark_delivered(&self, positions_json: String) -> Result<()> {
        Ok(self.inner.mark_delivered(&positions_json)?)
    }

    /// Moves the fixed clock of an engine configured with `clock`.
    pub fn set_clock(&self, at: String) -> Result<()> {
        Ok(self.inner.set_clock(&at)?)
    }
}

/// The pricing API without an engine, built once from `{config, tax_rules, promotions}`.
#[derive(uniffi::Object)]
pub struct Pricer {
    inner: JsonPricer,
}

#[uniffi::export]
impl Pricer {
    /// Builds the pricer.
    #[uniffi::constructor]
    pub fn new(spec_json: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Pricer {
            inner: JsonPricer::new(&spec_json)?,
        }))
    }

    /// Prices a cart into its breakdown document.
    pub fn price(&self, cart_json: String, context_json: String) -> Result<String> {
        Ok(self.inner.price(&cart_json, &context_json)?)
    }
}

/// Prices a request in the shape of a shared test vector.
#[uniffi::export]
pub fn price_request(request_json: String) -> Result<String> {
    Ok(ordercore::json::price_request(&request_json)?)
}

/// Every stable error code of the core.
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    ordercore::Error::CODES
        .iter()
        .map(|c| c.to_string())
        .collect()
}
