//! The engine's configuration and its builder (what a host sets once, checked at build).

use super::*;

/// Engine configuration. Every choice a demanding shop makes differently is here.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct EngineConfig {
    /// The shop's currency (ISO-4217).
    pub currency: String,
    /// Whether catalog prices include tax.
    pub prices_include_tax: bool,
    /// Rounding and limits for pricing.
    pub pricing: PricingConfig,
    /// The order flows orders may follow.
    pub flows: Vec<OrderFlow>,
    /// The flow of orders that name none.
    pub default_flow: String,
    /// Stock locations in priority order.
    pub locations: Vec<String>,
    /// How long an unpaid order holds its stock before the scheduler cancels it.
    pub reservation_ttl_minutes: i64,
    /// Days after delivery during which returns may be requested.
    pub return_window_days: i64,
    /// Percent of the returned items' amount kept as a restocking fee.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub restocking_fee_percent: Decimal,
    /// Refund the shipping charge with the return that brings back the last units.
    pub refund_shipping_on_full_return: bool,
    /// How many times a command is decided again after a version conflict.
    pub max_retries: u32,
    /// Subscriptions and invoices.
    pub billing: BillingConfig,
}

/// How the engine bills subscriptions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct BillingConfig {
    /// What invoice numbers start with (`INV-` → `INV-000001`); at most 16 bytes.
    pub invoice_prefix: String,
    /// How the scheduler collects invoices: retries, what follows the last one, deadlines.
    pub dunning: crate::billing::Dunning,
}

impl Default for BillingConfig {
    fn default() -> Self {
        BillingConfig {
            invoice_prefix: "INV-".into(),
            dunning: crate::billing::Dunning::default(),
        }
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            currency: "USD".into(),
            prices_include_tax: false,
            pricing: PricingConfig::default(),
            flows: vec![
                OrderFlow::classic(),
                OrderFlow::scheduled(60),
                OrderFlow::full(),
            ],
            default_flow: "classic".into(),
            locations: vec!["main".into()],
            reservation_ttl_minutes: 30,
            return_window_days: 30,
            restocking_fee_percent: Decimal::ZERO,
            refund_shipping_on_full_return: true,
            max_retries: 32,
            billing: BillingConfig::default(),
        }
    }
}

/// Builds an [`Engine`]; every component has a zero-setup default.
pub struct EngineBuilder {
    config: EngineConfig,
    promotions: Vec<Promotion>,
    tax: Arc<dyn TaxProvider>,
    catalog: Arc<dyn Catalog>,
    store: Arc<dyn Store>,
    gateway: Arc<dyn PaymentGateway>,
    carrier: Arc<dyn Carrier>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    stopwatch: Option<Arc<dyn Stopwatch>>,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            config: EngineConfig::default(),
            promotions: Vec::new(),
            tax: Arc::new(TaxTable::default()),
            catalog: Arc::new(MemoryCatalog::default()),
            store: Arc::new(MemoryStore::new()),
            gateway: Arc::new(FakePaymentGateway::new()),
            carrier: Arc::new(TableRateCarrier::standard()),
            clock: Arc::new(SystemClock),
            ids: Arc::new(SequentialIds::new("")),
            stopwatch: None,
        }
    }
}

#[allow(missing_docs, reason = "each setter replaces the component it names")]
impl EngineBuilder {
    pub fn config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }
    pub fn promotions(mut self, promotions: Vec<Promotion>) -> Self {
        self.promotions = promotions;
        self
    }
    pub fn tax(mut self, tax: Arc<dyn TaxProvider>) -> Self {
        self.tax = tax;
        self
    }
    pub fn catalog(mut self, catalog: Arc<dyn Catalog>) -> Self {
        self.catalog = catalog;
        self
    }
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = store;
        self
    }
    pub fn gateway(mut self, gateway: Arc<dyn PaymentGateway>) -> Self {
        self.gateway = gateway;
        self
    }
    pub fn carrier(mut self, carrier: Arc<dyn Carrier>) -> Self {
        self.carrier = carrier;
        self
    }
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
    pub fn ids(mut self, ids: Arc<dyn IdGen>) -> Self {
        self.ids = ids;
        self
    }
    pub fn stopwatch(mut self, stopwatch: Arc<dyn Stopwatch>) -> Self {
        self.stopwatch = Some(stopwatch);
        self
    }

    /// Validates the configuration and builds the engine.
    pub fn build(self) -> Result<Engine> {
        let config = self.config;
        config
            .pricing
            .currencies
            .resolve(&config.currency, "currency")?;
        if config.locations.is_empty() {
            return Err(Error::invalid(
                "locations",
                "at least one stock location is needed",
            ));
        }
        if config.billing.invoice_prefix.len() > 16 {
            return Err(Error::invalid("billing.invoice_prefix", "at most 16 bytes"));
        }
        config.billing.dunning.check()?;
        if !config.flows.iter().any(|f| f.name == config.default_flow) {
            return Err(Error::invalid("default_flow", "names no configured flow"));
        }
        // Durations up to a century: beyond that, adding them to a date could leave the
        // calendar (and `chrono` panics on a duration out of its range).
        if !(1..=CENTURY_MINUTES).contains(&config.reservation_ttl_minutes) {
            return Err(Error::invalid(
                "reservation_ttl_minutes",
                format!("must be 1 to {CENTURY_MINUTES} (a century)"),
            ));
        }
        // Above 100% the fee would swallow the items' refund and the shipping refund with it.
        if !(Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&config.restocking_fee_percent) {
            return Err(Error::invalid("restocking_fee_percent", "must be 0 to 100"));
        }
        if !(0..=CENTURY_DAYS).contains(&config.return_window_days) {
            return Err(Error::invalid(
                "return_window_days",
                format!("must be 0 to {CENTURY_DAYS} (a century)"),
            ));
        }
        for (i, flow) in config.flows.iter().enumerate() {
            if flow
                .auto_process_after_minutes
                .is_some_and(|minutes| !(0..=CENTURY_MINUTES).contains(&minutes))
            {
                return Err(Error::invalid(
                    format!("flows[{i}].auto_process_after_minutes"),
                    format!("must be 0 to {CENTURY_MINUTES} (a century)"),
                ));
            }
        }
        let pricer = Pricer::new(config.pricing.clone(), self.promotions, self.tax)?;
        Ok(Engine {
            config,
            pricer,
            catalog: self.catalog,
            store: self.store,
            gateway: self.gateway,
            carrier: self.carrier,
            clock: self.clock,
            ids: self.ids,
            stopwatch: self.stopwatch,
        })
    }
}

/// The longest configurable duration, in days and in minutes.
const CENTURY_DAYS: i64 = 36_525;
const CENTURY_MINUTES: i64 = CENTURY_DAYS * 24 * 60;
