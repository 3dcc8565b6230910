//! Store, payment gateway, carrier and tax service written in JS: objects whose methods may
//! answer values or Promises, reached through the core's `host` adapters (which define the
//! request and answer documents, the same in every language). Each method gets the request as
//! one object.

use std::sync::Arc;
use std::time::Duration;

use crate::numbers::amounts_from_doubles;
use napi::bindgen_prelude::*;
use ordercore::host::{HostCarrier, HostFunction, HostGateway, HostStore, HostTaxProvider};
use ordercore::payment::PaymentGateway;
use ordercore::shipping::Carrier;
use ordercore::store::Store;
use ordercore::tax::TaxProvider;
use serde_json::Value;

use crate::bridge::{Method, provider};

/// A JS object's methods by the core's method names (`create_label` → `createLabel`).
struct NodeHost {
    component: &'static str,
    methods: Vec<(&'static str, Method<Value>)>,
    /// Whether answers carry amounts, which may be JS numbers (not a store's: its documents are
    /// the engine's own text).
    amounts: bool,
}

impl NodeHost {
    /// Binds `required` and, where present, `optional` methods: `(core name, JS name)`.
    fn bind(
        value: Unknown,
        component: &'static str,
        required: &[(&'static str, &'static str)],
        optional: &[(&'static str, &'static str)],
        timeout: Duration,
    ) -> ordercore::Result<Self> {
        if !matches!(value.get_type(), Ok(ValueType::Object)) {
            return Err(ordercore::Error::InvalidInput {
                field: component.into(),
                message: format!("expected an object with the {component} methods"),
            });
        }
        let object = Object::from_unknown(value).map_err(|e| provider(component, e.reason))?;
        let mut methods = Vec::new();
        for &(core, js) in required {
            methods.push((core, Method::bind(&object, component, js, timeout)?));
        }
        for &(core, js) in optional {
            if let Some(method) = Method::bind_optional(&object, component, js, timeout)? {
                methods.push((core, method));
            }
        }
        Ok(NodeHost {
            component,
            methods,
            amounts: component != "store",
        })
    }
}

impl HostFunction for NodeHost {
    fn call(&self, method: &str, request_json: &str) -> ordercore::Result<String> {
        let Some((_, function)) = self.methods.iter().find(|(name, _)| *name == method) else {
            // Only optional methods can be missing: `validate_address` then has nothing to say.
            return Ok("null".into());
        };
        let request: Value = serde_json::from_str(request_json)
            .map_err(|e| provider(self.component, e.to_string()))?;
        let text = function.ask(request)?.to_string();
        if !self.amounts {
            return Ok(text);
        }
        // Amounts in the answer may be JS numbers: the same exact-conversion rule as inputs.
        Ok(amounts_from_doubles(&text, self.component)?.into_owned())
    }
}

/// The engine's host components given to `new Engine(config, { store, gateway, carrier, tax })`.
pub(crate) fn store(value: Unknown, timeout: Duration) -> ordercore::Result<Arc<dyn Store>> {
    let methods = [
        ("load", "load"),
        ("counters", "counters"),
        ("commit", "commit"),
        ("find", "find"),
        ("idempotency", "idempotency"),
        ("pending_events", "pendingEvents"),
        ("mark_delivered", "markDelivered"),
    ];
    let host = NodeHost::bind(value, "store", &methods, &[], timeout)?;
    Ok(Arc::new(HostStore(Arc::new(host))))
}

pub(crate) fn gateway(
    value: Unknown,
    timeout: Duration,
) -> ordercore::Result<Arc<dyn PaymentGateway>> {
    let host = NodeHost::bind(value, "gateway", &[("execute", "execute")], &[], timeout)?;
    Ok(Arc::new(HostGateway(Arc::new(host))))
}

pub(crate) fn carrier(value: Unknown, timeout: Duration) -> ordercore::Result<Arc<dyn Carrier>> {
    let host = NodeHost::bind(
        value,
        "carrier",
        &[("rates", "rates"), ("create_label", "createLabel")],
        &[("validate_address", "validateAddress")],
        timeout,
    )?;
    Ok(Arc::new(HostCarrier(Arc::new(host))))
}

pub(crate) fn tax(value: Unknown, timeout: Duration) -> ordercore::Result<Arc<dyn TaxProvider>> {
    let host = NodeHost::bind(value, "tax", &[("rates", "rates")], &[], timeout)?;
    Ok(Arc::new(HostTaxProvider(Arc::new(host))))
}
