//! Where prices come from: the engine's catalog, never the client.

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::error::Result;
use crate::money::amount_serde;
use crate::tax::TaxClass;

/// A product as the catalog knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Stock-keeping unit.
    pub sku: SmolStr,
    /// Display name.
    #[serde(default)]
    pub name: SmolStr,
    /// Price of one unit in the engine's currency.
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

impl Catalog for MemoryCatalog {
    fn product(&self, sku: &str) -> Result<Option<Arc<Product>>> {
        Ok(self.products.get(sku).cloned())
    }
}
