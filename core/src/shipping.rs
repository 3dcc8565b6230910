//! Shipping: rates from a [`Carrier`], address validation, shipments with tracking, and
//! webhook signature checks.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use smol_str::SmolStr;

use crate::address::Address;
use crate::error::{Error, Result};
use crate::money::amount_serde;
use crate::state_machine::StateMachine;

/// What a carrier is asked to price.
#[derive(Debug, Clone, Copy)]
pub struct RateRequest<'a> {
    /// Destination.
    pub address: &'a Address,
    /// ISO-4217 currency of the rates.
    pub currency: &'a str,
    /// Order subtotal before discounts (for free-shipping thresholds).
    pub subtotal: Decimal,
    /// Total weight in kilograms.
    pub weight: Decimal,
}

/// A priced shipping option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ShippingRate {
    /// Id the customer selects.
    pub option_id: SmolStr,
    /// Carrier name.
    pub carrier: SmolStr,
    /// Service level.
    pub service: SmolStr,
    /// Price.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub amount: Decimal,
    /// Estimated transit days.
    pub estimated_days: Option<u32>,
}

/// A label bought for a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Label {
    /// The carrier that carries it.
    pub carrier: SmolStr,
    /// Tracking number.
    pub tracking_number: SmolStr,
    /// Reference of the label document at the carrier.
    pub label_reference: SmolStr,
}

/// A carrier: prices options, checks addresses, buys labels. Host adapters wrap real carriers;
/// [`TableRateCarrier`] is the default.
pub trait Carrier: Send + Sync {
    /// The options and prices for a shipment.
    fn rates(&self, request: &RateRequest<'_>) -> Result<Vec<ShippingRate>>;
    /// The carrier's own address check, on top of the structural one (default: none).
    fn validate_address(&self, _address: &Address) -> Result<()> {
        Ok(())
    }
    /// Buys a label for `shipment_id` with `option_id`.
    fn create_label(&self, shipment_id: &str, option_id: &str, address: &Address) -> Result<Label>;
}

/// How a table rate is priced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RateTable {
    /// One price.
    Flat {
        /// The price.
        #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
        #[serde(with = "amount_serde")]
        amount: Decimal,
    },
    /// Priced by total weight: the first band whose `up_to_kg` is ≥ the weight.
    WeightBands {
        /// `(up_to_kg, amount)` in ascending weight.
        bands: Vec<WeightBand>,
    },
}

/// One weight band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WeightBand {
    /// Upper weight bound in kilograms, inclusive.
    #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
    #[serde(with = "amount_serde")]
    pub up_to_kg: Decimal,
    /// Price.
    #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
    #[serde(with = "amount_serde")]
    pub amount: Decimal,
}

/// One option of a [`TableRateCarrier`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TableRate {
    /// Option id.
    pub option_id: SmolStr,
    /// Carrier name.
    pub carrier: SmolStr,
    /// Service level.
    pub service: SmolStr,
    /// Countries served (ISO alpha-2); empty serves all.
    #[serde(default)]
    pub countries: Vec<String>,
    /// The price table.
    pub table: RateTable,
    /// Free when the subtotal reaches this.
    #[cfg_attr(feature = "schema", schemars(with = "Option<rust_decimal::Decimal>"))]
    #[serde(default, with = "amount_serde::option")]
    pub free_over: Option<Decimal>,
    /// Estimated transit days.
    #[serde(default)]
    pub estimated_days: Option<u32>,
}

/// A carrier priced from a table: flat rates, weight bands, free over a threshold.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TableRateCarrier {
    /// The options.
    pub rates: Vec<TableRate>,
}

impl TableRateCarrier {
    /// A standard flat option and an express one, free over 100: a sensible zero-setup default.
    pub fn standard() -> Self {
        TableRateCarrier {
            rates: vec![
                TableRate {
                    option_id: "standard".into(),
                    carrier: "post".into(),
                    service: "standard".into(),
                    countries: vec![],
                    table: RateTable::Flat {
                        amount: Decimal::new(500, 2),
                    },
                    free_over: Some(Decimal::ONE_HUNDRED),
                    estimated_days: Some(5),
                },
                TableRate {
                    option_id: "express".into(),
                    carrier: "post".into(),
                    service: "express".into(),
                    countries: vec![],
                    table: RateTable::WeightBands {
                        bands: vec![
                            WeightBand {
                                up_to_kg: Decimal::from(1),
                                amount: Decimal::new(1200, 2),
                            },
                            WeightBand {
                                up_to_kg: Decimal::from(5),
                                amount: Decimal::new(1800, 2),
                            },
                            WeightBand {
                                up_to_kg: Decimal::from(30),
                                amount: Decimal::new(3500, 2),
                            },
                        ],
                    },
                    free_over: None,
                    estimated_days: Some(1),
                },
            ],
        }
    }
}

impl TableRateCarrier {
    /// Refuses a rate the engine could not charge in `currency` (negative or with more
    /// decimals than it has), naming `carrier.rates[i]…`.
    pub fn check(&self, currency: crate::money::Currency) -> Result<()> {
        for (i, rate) in self.rates.iter().enumerate() {
            let field = |rest: &str| format!("carrier.rates[{i}].{rest}");
            match &rate.table {
                RateTable::Flat { amount } => {
                    crate::catalog::check_price(*amount, currency, &field("table.amount"))?
                }
                RateTable::WeightBands { bands } => {
                    for (j, band) in bands.iter().enumerate() {
                        let at = field(&format!("table.bands[{j}].amount"));
                        crate::catalog::check_price(band.amount, currency, &at)?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Carrier for TableRateCarrier {
    fn rates(&self, request: &RateRequest<'_>) -> Result<Vec<ShippingRate>> {
        let mut rates = Vec::new();
        for rate in &self.rates {
            if !rate.countries.is_empty()
                && !rate
                    .countries
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&request.address.country))
            {
                continue;
            }
            let amount = match &rate.table {
                RateTable::Flat { amount } => Some(*amount),
                RateTable::WeightBands { bands } => bands
                    .iter()
                    .find(|b| request.weight <= b.up_to_kg)
                    .map(|b| b.amount),
            };
            let Some(mut amount) = amount else { continue };
            if rate.free_over.is_some_and(|free| request.subtotal >= free) {
                amount = Decimal::ZERO;
            }
            rates.push(ShippingRate {
                option_id: rate.option_id.clone(),
                carrier: rate.carrier.clone(),
                service: rate.service.clone(),
                amount,
                estimated_days: rate.estimated_days,
            });
        }
        Ok(rates)
    }

    fn create_label(
        &self,
        shipment_id: &str,
        option_id: &str,
        _address: &Address,
    ) -> Result<Label> {
        let carrier = self
            .rates
            .iter()
            .find(|r| r.option_id == option_id)
            .map_or(SmolStr::new_static("carrier"), |r| r.carrier.clone());
        Ok(Label {
            carrier,
            tracking_number: "TRK-"
                .chars()
                .chain(shipment_id.chars().map(|c| c.to_ascii_uppercase()))
                .collect(),
            label_reference: crate::ids::join(&["label/", option_id, "/", shipment_id]),
        })
    }
}

/// Where a shipment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShipmentState {
    /// Label bought, handed over.
    Shipped,
    /// Moving.
    InTransit,
    /// Arrived.
    Delivered,
    /// A problem the carrier reported.
    Exception,
}

/// Every shipment state, for tables and tests.
pub const SHIPMENT_STATES: [ShipmentState; 4] = [
    ShipmentState::Shipped,
    ShipmentState::InTransit,
    ShipmentState::Exception,
    ShipmentState::Delivered,
];

impl ShipmentState {
    /// Progress rank: tracking updates never move a shipment to a lower rank.
    pub fn rank(self) -> u8 {
        match self {
            ShipmentState::Shipped => 0,
            ShipmentState::InTransit | ShipmentState::Exception => 1,
            ShipmentState::Delivered => 2,
        }
    }

    /// The state's name.
    pub fn name(self) -> &'static str {
        match self {
            ShipmentState::Shipped => "shipped",
            ShipmentState::InTransit => "in_transit",
            ShipmentState::Delivered => "delivered",
            ShipmentState::Exception => "exception",
        }
    }
}

/// The shipment state machine, driven by the carrier's tracking updates: an update's action is
/// the status it reports. It moves a shipment forward or sideways (in transit ⇄ exception),
/// never backwards, and nothing moves a delivered shipment; an update it does not allow is a
/// stale event, ignored rather than refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShipmentMachine;

impl StateMachine for ShipmentMachine {
    type State = ShipmentState;
    type Action = ShipmentState;
    const ENTITY: &'static str = "shipment";
    const STATES: &'static [ShipmentState] = &SHIPMENT_STATES;
    const ACTIONS: &'static [ShipmentState] = &SHIPMENT_STATES;

    fn state_name(state: ShipmentState) -> &'static str {
        state.name()
    }

    fn action_name(status: ShipmentState) -> &'static str {
        status.name()
    }

    fn allows(&self, current: ShipmentState, status: ShipmentState) -> bool {
        current != ShipmentState::Delivered && status.rank() >= current.rank()
    }
}

/// Where a tracking update of `status` takes a shipment that is `current`: `status` where the
/// machine allows it, else where it stands.
pub fn shipment_transition(current: ShipmentState, status: ShipmentState) -> ShipmentState {
    if ShipmentMachine.allows(current, status) {
        status
    } else {
        current
    }
}

/// Units of an order on their way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Shipment {
    /// Shipment id.
    pub id: SmolStr,
    /// Carrier name.
    pub carrier: SmolStr,
    /// Service / option id.
    pub service: SmolStr,
    /// Tracking number.
    pub tracking_number: SmolStr,
    /// Label reference.
    pub label_reference: SmolStr,
    /// `(line index, units)` shipped.
    pub lines: Vec<(usize, i64)>,
    /// Where it stands.
    pub state: ShipmentState,
    /// When it was shipped.
    pub shipped_at: DateTime<Utc>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Structural address check: required fields, a known ISO country, and the postal code's
/// shape for countries whose format is checked (US, CA, GB, DE, FR, NL, JP, AU).
pub fn validate_address(address: &Address, field: &str) -> Result<()> {
    let f = |name: &str| format!("{field}.{name}");
    let required = |value: &Option<SmolStr>, name: &str| -> Result<()> {
        match value {
            Some(v) if !v.trim().is_empty() => Ok(()),
            _ => Err(Error::invalid(f(name), "is required")),
        }
    };
    required(&address.name, "name")?;
    required(&address.line1, "line1")?;
    required(&address.city, "city")?;
    let country = address.country.to_ascii_uppercase();
    if ISO_COUNTRIES.binary_search(&country.as_str()).is_err() {
        return Err(Error::invalid(
            f("country"),
            format!("{:?} is not an ISO 3166-1 alpha-2 code", address.country),
        ));
    }
    let postal = address
        .postal_code
        .as_deref()
        .unwrap_or("")
        .trim()
        .to_ascii_uppercase();
    let shape: Option<fn(&[u8]) -> bool> = match country.as_str() {
        "US" => Some(|p| {
            matches!(p.len(), 5 | 10)
                && p[..5].iter().all(u8::is_ascii_digit)
                && (p.len() == 5 || (p[5] == b'-' && p[6..].iter().all(u8::is_ascii_digit)))
        }),
        "CA" => Some(|p| {
            let p: Vec<u8> = p.iter().copied().filter(|c| *c != b' ').collect();
            p.len() == 6
                && p.iter().enumerate().all(|(i, c)| {
                    if i % 2 == 0 {
                        c.is_ascii_alphabetic()
                    } else {
                        c.is_ascii_digit()
                    }
                })
        }),
        "GB" => Some(|p| {
            (5..=8).contains(&p.len())
                && p[0].is_ascii_alphabetic()
                && p.iter().all(|c| c.is_ascii_alphanumeric() || *c == b' ')
        }),
        "DE" | "FR" => Some(|p| p.len() == 5 && p.iter().all(u8::is_ascii_digit)),
        "NL" => Some(|p| {
            let p: Vec<u8> = p.iter().copied().filter(|c| *c != b' ').collect();
            p.len() == 6
                && p[..4].iter().all(u8::is_ascii_digit)
                && p[4..].iter().all(u8::is_ascii_alphabetic)
        }),
        "JP" => Some(|p| {
            let digits: Vec<u8> = p.iter().copied().filter(|c| *c != b'-').collect();
            digits.len() == 7 && digits.iter().all(u8::is_ascii_digit)
        }),
        "AU" => Some(|p| p.len() == 4 && p.iter().all(u8::is_ascii_digit)),
        _ => None,
    };
    if let Some(shape) = shape
        && !shape(postal.as_bytes())
    {
        return Err(Error::invalid(
            f("postal_code"),
            format!("{postal:?} is not a valid {country} postal code"),
        ));
    }
    Ok(())
}

/// ISO 3166-1 alpha-2 codes.
/// ISO 3166-1 alpha-2 codes, sorted (looked up by binary search: a linear scan was most of
/// the cost of validating an address).
const ISO_COUNTRIES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Verifies a webhook signed as `hex(HMAC-SHA256(secret, "{timestamp}.{payload}"))` (the
/// Stripe scheme), with `timestamp` in Unix seconds no further than `tolerance` from `now`.
/// Comparison is constant-time.
pub fn verify_webhook_signature(
    secret: &[u8],
    payload: &[u8],
    timestamp: i64,
    signature_hex: &str,
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<()> {
    let bad = |message: &str| Error::InvalidSignature {
        message: message.to_string(),
    };
    let sent = DateTime::<Utc>::from_timestamp(timestamp, 0)
        .ok_or_else(|| bad("timestamp out of range"))?;
    if (now - sent).abs() > tolerance {
        return Err(bad("timestamp outside the tolerance"));
    }
    let signature = decode_hex(signature_hex.trim()).ok_or_else(|| bad("signature is not hex"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| bad("unusable secret"))?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac.verify_slice(&signature)
        .map_err(|_| bad("signature mismatch"))
}

/// `hex(HMAC-SHA256(secret, "{timestamp}.{payload}"))`: what a sender puts in the signature
/// header (for tests and for hosts that sign their own internal webhooks).
pub fn sign_webhook(secret: &[u8], payload: &[u8], timestamp: i64) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(country: &str, postal: &str) -> Address {
        Address {
            name: Some("Ada".into()),
            line1: Some("1 Main St".into()),
            city: Some("Town".into()),
            postal_code: Some(postal.into()),
            country: country.into(),
            ..Address::default()
        }
    }

    #[test]
    fn table_rate_labels_name_the_option_carrier_and_shipment() {
        let carrier = TableRateCarrier::standard();
        let label = carrier
            .create_label("shp_000042", "express", &address("DE", "10115"))
            .unwrap();
        assert_eq!(label.carrier, "post");
        assert_eq!(label.tracking_number, "TRK-SHP_000042");
        assert_eq!(label.label_reference, "label/express/shp_000042");
        let long = "shp_eu-west-1-node-7_000042";
        let label = carrier
            .create_label(long, "pickup", &address("DE", "10115"))
            .unwrap();
        assert_eq!(label.carrier, "carrier");
        assert_eq!(label.tracking_number, "TRK-SHP_EU-WEST-1-NODE-7_000042");
        assert_eq!(label.label_reference, format!("label/pickup/{long}"));
    }

    #[test]
    fn every_iso_country_is_accepted_and_nothing_else() {
        // The binary search needs the list sorted and free of duplicates.
        assert!(ISO_COUNTRIES.windows(2).all(|w| w[0] < w[1]));
        let country_refused = |code: &str| {
            // Without a postal code, countries with a postal shape fail on the postal code.
            validate_address(&address(code, ""), "a").is_err_and(|e| e.field() == Some("a.country"))
        };
        for code in ISO_COUNTRIES {
            assert!(!country_refused(code), "{code}");
            assert!(!country_refused(&code.to_ascii_lowercase()), "{code}");
        }
        assert!(validate_address(&address("DE", "10115"), "a").is_ok());
        for code in ["", "U", "USA", "XX", "ZZ", "AA", "ZX", "U S", "ÜS"] {
            assert!(country_refused(code), "{code}");
        }
    }

    #[test]
    fn addresses_are_checked_structurally() {
        assert!(validate_address(&address("US", "94103"), "a").is_ok());
        assert!(validate_address(&address("US", "94103-1234"), "a").is_ok());
        assert!(validate_address(&address("CA", "K1A 0B1"), "a").is_ok());
        assert!(validate_address(&address("NL", "1012 AB"), "a").is_ok());
        assert!(validate_address(&address("JP", "100-0001"), "a").is_ok());
        assert!(validate_address(&address("BR", "anything"), "a").is_ok());
        let err = validate_address(&address("US", "9410"), "shipping_address").unwrap_err();
        assert_eq!(err.field(), Some("shipping_address.postal_code"));
        assert_eq!(
            validate_address(&address("XX", "1"), "a")
                .unwrap_err()
                .field(),
            Some("a.country")
        );
        let mut missing = address("DE", "10115");
        missing.city = None;
        assert_eq!(
            validate_address(&missing, "a").unwrap_err().field(),
            Some("a.city")
        );
    }

    #[test]
    fn table_rates_price_flat_bands_and_free_over() {
        let carrier = TableRateCarrier::standard();
        let to = address("US", "94103");
        let rates = carrier
            .rates(&RateRequest {
                address: &to,
                currency: "USD",
                subtotal: Decimal::from(50),
                weight: Decimal::from(2),
            })
            .unwrap();
        let amounts: Vec<(SmolStr, Decimal)> = rates
            .iter()
            .map(|r| (r.option_id.clone(), r.amount))
            .collect();
        assert_eq!(
            amounts,
            vec![
                ("standard".into(), Decimal::new(500, 2)),
                ("express".into(), Decimal::new(1800, 2))
            ]
        );
        let rates = carrier
            .rates(&RateRequest {
                address: &to,
                currency: "USD",
                subtotal: Decimal::from(150),
                weight: Decimal::from(40),
            })
            .unwrap();
        assert_eq!(rates.len(), 1, "express has no band for 40 kg");
        assert_eq!(rates[0].amount, Decimal::ZERO);
    }

    #[test]
    fn shipment_tracking_table() {
        use ShipmentState::*;
        // rows: current; columns: update to shipped, in_transit, exception, delivered
        let expected = [
            (Shipped, [Shipped, InTransit, Exception, Delivered]),
            (InTransit, [InTransit, InTransit, Exception, Delivered]),
            (Exception, [Exception, InTransit, Exception, Delivered]),
            (Delivered, [Delivered, Delivered, Delivered, Delivered]),
        ];
        for (current, row) in expected {
            for (status, to) in SHIPMENT_STATES.iter().zip(row) {
                assert_eq!(
                    shipment_transition(current, *status),
                    to,
                    "{} + {}",
                    current.name(),
                    status.name()
                );
            }
        }
    }

    #[test]
    fn webhook_signatures_verify_with_tolerance() {
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let body = br#"{"tracking_number":"TRK-1","status":"delivered"}"#;
        let signature = sign_webhook(b"secret", body, 1_800_000_000);
        let tolerance = Duration::minutes(5);
        assert!(
            verify_webhook_signature(b"secret", body, 1_800_000_000, &signature, now, tolerance)
                .is_ok()
        );
        assert_eq!(
            verify_webhook_signature(b"other", body, 1_800_000_000, &signature, now, tolerance)
                .unwrap_err()
                .code(),
            "invalid_signature"
        );
        assert!(
            verify_webhook_signature(
                b"secret",
                b"tampered",
                1_800_000_000,
                &signature,
                now,
                tolerance
            )
            .is_err()
        );
        let late = now + Duration::minutes(6);
        assert!(
            verify_webhook_signature(b"secret", body, 1_800_000_000, &signature, late, tolerance)
                .is_err()
        );
        assert!(
            verify_webhook_signature(b"secret", body, 1_800_000_000, "zz", now, tolerance).is_err()
        );
    }
}
