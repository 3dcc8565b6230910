//! The engine built from one configuration document ([`EngineSpec`]) and the host's
//! components ([`Plugins`]): what the bindings do with the JSON they are given, for Rust hosts
//! too.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::catalog::{MemoryCatalog, Product};
use crate::clock::{Clock, FixedClock, SystemClock};
use crate::error::{Error, Result};
use crate::ids::{IdGen, SequentialIds, UuidIds};
use crate::payment::{FakePaymentGateway, PaymentGateway, Scripted};
use crate::promotion::Promotion;
use crate::scripted_store::{ScriptedStore, StoreScripted};
use crate::shipping::{Carrier, TableRateCarrier};
use crate::store::Store;
use crate::tax::{TaxProvider, TaxRule, TaxTable};

use super::{Engine, EngineBuilder, EngineConfig};

/// How an engine is built from one document — what the bindings pass as JSON, and what a Rust
/// host can read with serde or write by hand ([`Engine::from_spec`]): `{"engine": {...},
/// "products": [...], "promotions": [...], "tax_rules": [...], "carrier": {...}, "clock":
/// "2026-06-01T12:00:00Z", "id_seed": 7}`; every key is optional. `clock` fixes the time (tests, simulations); without it the system clock is
/// used. `id_seed` makes UUID-shaped ids; without it ids are sequential.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct EngineSpec {
    /// Engine configuration.
    pub engine: EngineConfig,
    /// The catalog.
    pub products: Vec<Product>,
    /// Promotions.
    pub promotions: Vec<Promotion>,
    /// Tax rules of the built-in tax table.
    pub tax_rules: Vec<TaxRule>,
    /// Table rates; the standard table if absent.
    pub carrier: Option<TableRateCarrier>,
    /// A fixed clock at this instant.
    pub clock: Option<DateTime<Utc>>,
    /// Seed for UUID-shaped ids.
    pub id_seed: Option<u64>,
    /// Outcomes the built-in fake payment gateway gives its next calls, in order
    /// (`[{"type": "decline", "reason": "card_declined"}, {"type": "transient_error"}]`); it
    /// approves once they are used up. For tests and demos in any language.
    pub payment_script: Vec<Scripted>,
    /// Outcomes the built-in memory store gives its next commits, in order
    /// (`[{"type": "conflict"}, {"type": "fail"}, {"type": "lose_ack"}]`); it commits normally
    /// once they are used up. The store faults of `docs/engine.md` ("Faults") on demand.
    pub store_script: Vec<StoreScripted>,
}

/// Components the host supplies instead of the built-in defaults (see [`crate::host`] for
/// plug-ins written in the host language).
#[derive(Default)]
pub struct Plugins {
    /// Storage; a `MemoryStore` if absent.
    pub store: Option<Arc<dyn Store>>,
    /// The payment provider; the fake gateway (with `payment_script`) if absent.
    pub gateway: Option<Arc<dyn PaymentGateway>>,
    /// The carrier; the table-rate carrier (`carrier` of the configuration) if absent.
    pub carrier: Option<Arc<dyn Carrier>>,
    /// The tax service; the table of `tax_rules` if absent.
    pub tax: Option<Arc<dyn TaxProvider>>,
    /// Times the engine's calls for their records; no durations if absent.
    pub stopwatch: Option<Arc<dyn super::Stopwatch>>,
}

impl Plugins {
    /// Only a host store.
    pub fn store(store: Arc<dyn Store>) -> Self {
        Plugins {
            store: Some(store),
            ..Plugins::default()
        }
    }
}

impl Engine {
    /// An engine from a configuration document and the host's components: the catalog, tax
    /// table, promotions, carrier table and clock the document names, checked as the bindings
    /// check them.
    pub fn from_spec(spec: EngineSpec, plugins: Plugins) -> Result<Engine> {
        spec.build(plugins).map(|(engine, _)| engine)
    }
}

impl EngineSpec {
    /// The engine, and its fixed clock when the document fixes one (so that a host can move
    /// it). Configuration that only configures a default (`tax_rules`, `carrier`,
    /// `payment_script`) must not be given with the plug-in that replaces it: that is
    /// `invalid_input`, not silently ignored.
    pub(crate) fn build(self, plugins: Plugins) -> Result<(Engine, Option<Arc<FixedClock>>)> {
        let spec = self;
        let conflicts = [
            (
                "tax_rules",
                !spec.tax_rules.is_empty() && plugins.tax.is_some(),
            ),
            (
                "carrier",
                spec.carrier.is_some() && plugins.carrier.is_some(),
            ),
            (
                "payment_script",
                !spec.payment_script.is_empty() && plugins.gateway.is_some(),
            ),
            (
                "store_script",
                !spec.store_script.is_empty() && plugins.store.is_some(),
            ),
        ];
        if let Some((field, _)) = conflicts.iter().find(|(_, both)| *both) {
            return Err(Error::invalid(
                *field,
                "configures a built-in default that a host plug-in replaces; give one or the other",
            ));
        }
        let fixed_clock = spec.clock.map(|at| Arc::new(FixedClock::new(at)));
        let clock: Arc<dyn Clock> = match &fixed_clock {
            Some(clock) => clock.clone(),
            None => Arc::new(SystemClock),
        };
        let ids: Arc<dyn IdGen> = match spec.id_seed {
            Some(seed) => Arc::new(UuidIds::new(seed)),
            None => Arc::new(SequentialIds::new("")),
        };
        let currency =
            (spec.engine.pricing.currencies).resolve(&spec.engine.currency, "engine.currency")?;
        let limits = &spec.engine.pricing.limits;
        let catalog = MemoryCatalog::checked(spec.products, currency, limits)?;
        let carrier = match plugins.carrier {
            Some(carrier) => carrier,
            None => {
                let table = spec.carrier.unwrap_or_else(TableRateCarrier::standard);
                table.check(currency)?;
                Arc::new(table)
            }
        };
        let builder = Engine::builder()
            .config(spec.engine)
            .promotions(spec.promotions)
            .tax(match plugins.tax {
                Some(tax) => tax,
                None => Arc::new(TaxTable::new(spec.tax_rules)?),
            })
            .catalog(Arc::new(catalog))
            .carrier(carrier)
            .clock(clock)
            .ids(ids);
        // The carrier and tax service are in place: the rest of the host's parts.
        let rest = Plugins {
            carrier: None,
            tax: None,
            ..plugins
        };
        let builder = with_host_parts(builder, rest, spec.payment_script, spec.store_script);
        Ok((builder.build()?, fixed_clock))
    }
}

/// The host's gateway, store and stopwatch, or the scripted fakes the document asks for.
fn with_host_parts(
    mut builder: EngineBuilder,
    plugins: Plugins,
    payment_script: Vec<Scripted>,
    store_script: Vec<StoreScripted>,
) -> EngineBuilder {
    if let Some(gateway) = plugins.gateway {
        builder = builder.gateway(gateway);
    } else if !payment_script.is_empty() {
        let gateway = FakePaymentGateway::new();
        gateway.script(payment_script);
        builder = builder.gateway(Arc::new(gateway));
    }
    if let Some(store) = plugins.store {
        builder = builder.store(store);
    } else if !store_script.is_empty() {
        builder = builder.store(Arc::new(ScriptedStore::new(store_script)));
    }
    match plugins.stopwatch {
        Some(stopwatch) => builder.stopwatch(stopwatch),
        None => builder,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Actor;
    use crate::command::{Command, Query, QueryOutput};

    fn spec(extra: serde_json::Value) -> EngineSpec {
        let mut document = serde_json::json!({
            "clock": "2026-06-01T12:00:00Z",
            "products": [{"sku": "A", "unit_price": "10.00"}],
            "tax_rules": [{"id": "us", "name": "US", "country": "US", "percentage": "8.25"}]
        });
        document
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(document).unwrap()
    }

    #[test]
    fn a_rust_host_builds_from_the_document_the_bindings_take() {
        let engine = Engine::from_spec(spec(serde_json::json!({})), Plugins::default()).unwrap();
        let admin = Actor::admin("ops");
        let stock = serde_json::json!({"command": "set_stock", "sku": "A", "on_hand": 3});
        let stock: Command = serde_json::from_value(stock).unwrap();
        engine.execute(&admin, &stock, None).unwrap();
        let levels = Query::StockLevels { sku: "A".into() };
        let QueryOutput::Stock(items) = engine.query(&admin, &levels).unwrap() else {
            panic!("stock levels answer stock items");
        };
        assert_eq!(items[0].on_hand, 3);
        // The document's catalog is checked as the bindings check it.
        let bad = spec(serde_json::json!({"products": [{"sku": "A", "unit_price": "-1"}]}));
        assert_eq!(
            Engine::from_spec(bad, Plugins::default())
                .unwrap_err()
                .code(),
            "invalid_input"
        );
    }

    #[test]
    fn a_default_and_the_plug_in_replacing_it_are_refused_together() {
        let tax: Arc<dyn TaxProvider> = Arc::new(TaxTable::new(vec![]).unwrap());
        let plugins = Plugins {
            tax: Some(tax),
            ..Plugins::default()
        };
        let error = Engine::from_spec(spec(serde_json::json!({})), plugins).unwrap_err();
        assert_eq!(error.field(), Some("tax_rules"));
    }
}
