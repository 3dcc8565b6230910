//! # ordercore
//!
//! An embeddable order-management engine: exact money, correct tax and promotions, and (in later
//! modules) order, payment, shipment and return lifecycles. Pure and I/O-free: time, ids, storage
//! and gateways come in through traits; same inputs give the same outputs, bit for bit.
//!
//! Modules, one concept each:
//! - [`engine`]: the application service — commands, retries, idempotency, the scheduler.
//! - [`command`]: every command and query as data (the bindings' JSON shapes).
//! - [`order`], [`payment`], [`inventory`], [`shipping`], [`returns`]: the aggregates and their
//!   state machines.
//! - [`store`], [`event`]: versioned documents, atomic change sets, the outbox.
//! - [`actor`], [`catalog`], [`clock`], [`ids`]: who acts, where prices come from, time, ids.
//! - [`json`]: the whole engine behind JSON strings, for the C ABI and other JSON hosts.
//! - [`money`]: currencies, rounding, checked arithmetic, exact allocation.
//! - [`tax`]: tax classes, the table-driven [`tax::TaxTable`] and the [`tax::TaxProvider`] trait.
//! - [`promotion`]: promotions, conditions, stacking rules and rejection reasons.
//! - [`pricing`]: a cart into an explainable [`pricing::PriceBreakdown`].
//! - [`error`]: the one [`Error`] enum with stable codes.
//!
//! ```
//! use std::sync::Arc;
//! use ordercore::pricing::{Cart, CartLine, Pricer, PricingConfig, PricingContext};
//! use ordercore::tax::{TaxRule, TaxTable};
//! use ordercore::address::Address;
//! use rust_decimal::Decimal;
//!
//! let tax = TaxTable::new(vec![TaxRule {
//!     id: "de-vat".into(), name: "VAT".into(), country: "DE".into(), region: None,
//!     postal_code_prefix: None, tax_class: None, percentage: Decimal::from(19), combinable: false,
//! }])?;
//! let pricer = Pricer::new(PricingConfig::default(), vec![], Arc::new(tax))?;
//! let cart = Cart {
//!     currency: "EUR".into(),
//!     lines: vec![CartLine { sku: "mug".into(), unit_price: Decimal::new(1250, 2), quantity: 2, ..Default::default() }],
//!     address: Some(Address { country: "DE".into(), ..Default::default() }),
//!     ..Default::default()
//! };
//! let breakdown = pricer.price(&cart, &PricingContext::default())?;
//! assert_eq!(breakdown.tax_total.to_string(), "4.75");
//! assert_eq!(breakdown.grand_total.to_string(), "29.75");
//! # Ok::<(), ordercore::Error>(())
//! ```
#![warn(missing_docs)]

pub mod actor;
pub mod address;
pub mod billing;
pub mod catalog;
pub mod clock;
pub mod command;
pub mod engine;
pub mod error;
pub mod event;
pub mod host;
pub mod ids;
pub mod inventory;
pub mod json;
pub mod limits;
pub mod money;
pub mod order;
pub mod payment;
pub mod pricing;
pub mod promotion;
pub mod returns;
#[cfg(feature = "schema")]
pub mod schema;
pub mod scripted_store;
pub mod shipping;
pub mod state_machine;
pub mod store;
pub mod store_contract;
pub mod tax;

pub use error::{Error, ErrorCode, Result};
pub use state_machine::StateMachine;

/// The README's examples, compiled and run as doctests so they cannot rot.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
pub use rust_decimal::Decimal;
/// Ids, skus and locations in documents and events: inline up to 23 bytes, O(1) clone.
pub use smol_str::SmolStr;
