//! Plug-ins written in the host language (Python, JS, C), reached through one JSON call.
//!
//! A binding hands the core a [`HostFunction`] — "call method `m` of the host's object with this
//! JSON request, give me its JSON answer" — and the adapters here turn it into a
//! [`PaymentGateway`], a [`TaxProvider`] or a [`Carrier`]. The request and answer shapes are
//! defined once, here, so every language's plug-ins see the same documents:
//!
//! | plug-in | method | request | answer |
//! |---|---|---|---|
//! | gateway | `execute` | a [`GatewayRequest`] | `{"status": "approved" \| "pending", "reference"}`, `{"status": "declined", "reason"}`, or `{"status": "unavailable", "message"}` (a timeout or transient failure: nothing is persisted, retry with the same idempotency key) |
//! | tax | `rates` | `{"address", "tax_class", "currency", "at"}` | `[{"id", "name", "jurisdiction", "percentage"}]` (all applied to the same base; `[]` is untaxed) |
//! | carrier | `rates` | `{"address", "currency", "subtotal", "weight"}` | `[{"option_id", "carrier", "service", "amount", "estimated_days"}]` |
//! | carrier | `create_label` | `{"shipment_id", "option_id", "address"}` | `{"carrier", "tracking_number", "label_reference"}` |
//! | carrier | `validate_address` | `{"address"}` | `null` (fine) or a message saying what is wrong |
//! | store | `load`, `commit`, `find`, `idempotency`, `pending_events`, `mark_delivered` | see [`store`] | see [`store`] |
//!
//! An answer that does not read as its shape is `provider_error` naming the plug-in. What the
//! host function itself fails with (its language's exception) is the binding's to carry.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::address::Address;
use crate::error::{Error, Result};
use crate::payment::{GatewayOutcome, GatewayRequest, PaymentGateway};
use crate::shipping::{Carrier, Label, RateRequest, ShippingRate};
use crate::tax::{TaxProvider, TaxQuery, TaxRate};

pub mod store;

pub use store::HostStore;

/// Calls `method` on a host object with a JSON request; answers the host's JSON.
pub trait HostFunction: Send + Sync {
    /// Performs the call. `Err` when the host failed (the binding keeps its exception).
    fn call(&self, method: &str, request_json: &str) -> Result<String>;
}

fn ask<T: DeserializeOwned>(
    host: &dyn HostFunction,
    component: &str,
    method: &str,
    request: &impl Serialize,
) -> Result<T> {
    let request = serde_json::to_string(request).map_err(|e| Error::Provider {
        component: component.into(),
        message: e.to_string(),
    })?;
    let answer = host.call(method, &request)?;
    serde_json::from_str(&answer).map_err(|e| Error::Provider {
        component: component.into(),
        message: format!("{method} answered an unreadable document: {e}"),
    })
}

/// A payment gateway implemented by the host.
pub struct HostGateway(pub Arc<dyn HostFunction>);

/// What a host gateway answers: an outcome, or "unavailable".
#[derive(serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
enum GatewayAnswer {
    Outcome(GatewayOutcome),
    Unavailable(Unavailable),
}

/// `{"status": "unavailable", "message"}` — an enum so that serde checks the tag.
#[derive(serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
enum Unavailable {
    Unavailable {
        #[serde(default)]
        message: String,
    },
}

impl PaymentGateway for HostGateway {
    fn execute(&self, request: &GatewayRequest) -> Result<GatewayOutcome> {
        match ask(&*self.0, "gateway", "execute", request)? {
            GatewayAnswer::Outcome(outcome) => Ok(outcome),
            GatewayAnswer::Unavailable(Unavailable::Unavailable { message }) => {
                Err(Error::GatewayUnavailable { message })
            }
        }
    }
}

/// A tax service implemented by the host.
pub struct HostTaxProvider(pub Arc<dyn HostFunction>);

impl TaxProvider for HostTaxProvider {
    fn rates(&self, query: &TaxQuery<'_>) -> Result<Vec<TaxRate>> {
        let request = json!({
            "address": query.address,
            "tax_class": query.tax_class,
            "currency": query.currency,
            "at": query.at,
        });
        ask(&*self.0, "tax", "rates", &request)
    }
}

/// A carrier implemented by the host.
pub struct HostCarrier(pub Arc<dyn HostFunction>);

impl Carrier for HostCarrier {
    fn rates(&self, request: &RateRequest<'_>) -> Result<Vec<ShippingRate>> {
        let request = json!({
            "address": request.address,
            "currency": request.currency,
            "subtotal": request.subtotal,
            "weight": request.weight,
        });
        ask(&*self.0, "carrier", "rates", &request)
    }

    fn validate_address(&self, address: &Address) -> Result<()> {
        let answer: Option<String> = ask(
            &*self.0,
            "carrier",
            "validate_address",
            &json!({"address": address}),
        )?;
        match answer {
            None => Ok(()),
            Some(message) => Err(Error::InvalidInput {
                field: "shipping_address".into(),
                message,
            }),
        }
    }

    fn create_label(&self, shipment_id: &str, option_id: &str, address: &Address) -> Result<Label> {
        let request =
            json!({"shipment_id": shipment_id, "option_id": option_id, "address": address});
        ask(&*self.0, "carrier", "create_label", &request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::{GatewayOperation, PaymentMethod};
    use rust_decimal::Decimal;

    /// A host that answers from a table and records what it was asked.
    struct Scripted(std::sync::Mutex<Vec<(String, String)>>, &'static str);

    impl HostFunction for Scripted {
        fn call(&self, method: &str, request: &str) -> Result<String> {
            self.0
                .lock()
                .unwrap()
                .push((method.to_string(), request.to_string()));
            Ok(self.1.to_string())
        }
    }

    fn request() -> GatewayRequest {
        GatewayRequest {
            operation: GatewayOperation::AuthorizeAndCapture,
            idempotency_key: "k".into(),
            payment_id: "p".into(),
            order_id: "o".into(),
            invoice_id: None,
            customer_id: "c".into(),
            amount: Decimal::new(1999, 2),
            currency: "USD".into(),
            method: PaymentMethod::Card,
            provider_reference: None,
        }
    }

    #[test]
    fn gateway_answers_become_outcomes_or_unavailable() {
        let approved = Arc::new(Scripted(
            Default::default(),
            r#"{"status": "approved", "reference": "ch_1"}"#,
        ));
        let gateway = HostGateway(approved.clone());
        assert_eq!(
            gateway.execute(&request()).unwrap(),
            GatewayOutcome::Approved {
                reference: "ch_1".into()
            }
        );
        let (method, sent) = approved.0.lock().unwrap()[0].clone();
        assert_eq!(method, "execute");
        assert!(sent.contains(r#""amount":"19.99""#), "{sent}");
        let down = HostGateway(Arc::new(Scripted(
            Default::default(),
            r#"{"status": "unavailable", "message": "timeout"}"#,
        )));
        assert_eq!(
            down.execute(&request()).unwrap_err().code(),
            "gateway_unavailable"
        );
        let garbled = HostGateway(Arc::new(Scripted(Default::default(), r#"{"ok": 1}"#)));
        assert_eq!(
            garbled.execute(&request()).unwrap_err().code(),
            "provider_error"
        );
    }

    #[test]
    fn carrier_and_tax_answers_are_read_in_their_shapes() {
        let address: Address =
            serde_json::from_value(json!({"country": "US", "postal_code": "94103"})).unwrap();
        let carrier = HostCarrier(Arc::new(Scripted(Default::default(), "\"no such street\"")));
        let error = carrier.validate_address(&address).unwrap_err();
        assert_eq!(error.code(), "invalid_input");
        let tax = HostTaxProvider(Arc::new(Scripted(
            Default::default(),
            r#"[{"id": "ca", "name": "CA", "jurisdiction": "US-CA", "percentage": "7.25"}]"#,
        )));
        let class = crate::tax::TaxClass::default();
        let query = TaxQuery {
            address: &address,
            tax_class: &class,
            currency: "USD",
            at: chrono::DateTime::UNIX_EPOCH,
        };
        assert_eq!(
            tax.rates(&query).unwrap()[0].percentage,
            Decimal::new(725, 2)
        );
    }
}
