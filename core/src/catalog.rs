//! Where prices come from: the engine's catalog, never the client.

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::error::{Error, Result};
use crate::money::Currency;
use crate::money::amount_serde;
use crate::tax::TaxClass;

/// A product as the catalog knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Product {
    /// Stock-keeping unit.
    pub sku: SmolStr,
    /// Display name.
    #[serde(default)]
    pub name: SmolStr,
    /// Price of one unit in the engine's currency.
    #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
    #[serde(with = "amount_serde")]
    pub unit_price: Decimal,
    /// Category, for promotions.
    #[serde(default)]
    pub category: Option<SmolStr>,
    /// Tags, for promotions.
    #[serde(default)]
    pub tags: Vec<SmolStr>,
    /// Tax class.
    #[serde(default)]
    pub tax_class: TaxClass,
    /// Weight of one unit in kilograms, for shipping rates.
    #[cfg_attr(feature = "schema", schemars(with = "Option<rust_decimal::Decimal>"))]
    #[serde(default, with = "amount_serde::option")]
    pub weight: Option<Decimal>,
}

/// Looks products up by sku. Implement it over the host's product database; the default is
/// [`MemoryCatalog`].
pub trait Catalog: Send + Sync {
    /// The product with `sku`, if any.
    fn product(&self, sku: &str) -> Result<Option<Arc<Product>>>;
}

/// An in-memory catalog.
#[derive(Debug, Default)]
pub struct MemoryCatalog {
    /// foldhash instead of SipHash: a lookup per order line, keys not chosen by an attacker
    /// (the host loads its own catalog), still seeded per map.
    products: HashMap<SmolStr, Arc<Product>, foldhash::fast::RandomState>,
}

impl MemoryCatalog {
    /// A catalog of `products` (a later product with the same sku replaces an earlier one).
    pub fn new(products: impl IntoIterator<Item = Product>) -> Self {
        MemoryCatalog {
            products: products
                .into_iter()
                .map(|p| (p.sku.clone(), Arc::new(p)))
                .collect(),
        }
    }
}

/// A price the engine can charge in `currency`: not negative, and exact in its minor unit
/// (checked when the engine is built, so a bad price is one error naming it, not every
/// checkout failing later).
pub fn check_price(amount: Decimal, currency: Currency, field: &str) -> Result<()> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(Error::invalid(field, format!("{amount} is negative")));
    }
    currency.exact(amount, field).map(|_| ())
}

impl MemoryCatalog {
    /// Like [`MemoryCatalog::new`], refusing a product whose price is negative or not exact in
    /// `currency` (`invalid_input` / `too_many_decimals` / `amount_overflow` naming
    /// `products[i].unit_price`), or whose strings and tags pass `limits`.
    pub fn checked(
        products: Vec<Product>,
        currency: Currency,
        limits: &crate::pricing::Limits,
    ) -> Result<Self> {
        for (i, product) in products.iter().enumerate() {
            crate::limits::check_product(product, i, limits)?;
            check_price(
                product.unit_price,
                currency,
                &format!("products[{i}].unit_price"),
            )?;
        }
        Ok(Self::new(products))
    }
}

impl Catalog for MemoryCatalog {
    fn product(&self, sku: &str) -> Result<Option<Arc<Product>>> {
        Ok(self.products.get(sku).cloned())
    }
}
