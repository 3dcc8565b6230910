//! What is priced: a cart, its lines, shipping and customer, and the moment and usage it is priced in.

use super::*;

/// A cart to price.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Cart {
    /// ISO-4217 code of every amount in the cart.
    pub currency: String,
    /// The lines.
    pub lines: Vec<CartLine>,
    /// The shipping charge, if any.
    #[serde(default)]
    pub shipping: Option<ShippingCharge>,
    /// Coupon codes the customer entered.
    #[serde(default)]
    pub coupon_codes: Vec<String>,
    /// Who buys.
    #[serde(default)]
    pub customer: Customer,
    /// Where the goods go; without it no tax is computed.
    #[serde(default)]
    pub address: Option<Address>,
    /// Whether unit prices and shipping include tax.
    #[serde(default)]
    pub prices_include_tax: bool,
}

/// One line of a cart.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CartLine {
    /// Stock-keeping unit (shared with the breakdown without copying).
    pub sku: SmolStr,
    /// Display name.
    #[serde(default)]
    pub name: SmolStr,
    /// Price of one unit, exact in the cart's currency.
    #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
    #[serde(with = "amount_serde")]
    pub unit_price: Decimal,
    /// Units, at least 1.
    pub quantity: i64,
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

/// The shipping charge of a cart.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ShippingCharge {
    /// The shipping method or option id.
    #[serde(default)]
    pub method: String,
    /// Its price, exact in the cart's currency.
    #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
    #[serde(with = "amount_serde")]
    pub amount: Decimal,
    /// Its tax class.
    #[serde(default)]
    pub tax_class: TaxClass,
}

/// The customer, as far as promotions and tax need to know.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Customer {
    /// Customer id; `None` for a guest.
    pub id: Option<String>,
    /// Customer groups (`"vip"`, `"wholesale"`).
    pub groups: Vec<String>,
    /// Orders placed before this one.
    pub previous_orders: u64,
    /// Tax-exempt customers get no tax lines.
    pub tax_exempt: bool,
}

/// What pricing needs from outside the cart: the time, and promotion usage counts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PricingContext {
    /// When the cart is priced (validity windows).
    #[serde(deserialize_with = "crate::clock::rfc3339::deserialize")]
    pub now: DateTime<Utc>,
    /// Uses so far, by promotion id.
    #[serde(default)]
    pub usage: HashMap<String, Usage>,
}

impl PricingContext {
    /// A context at `now` with no recorded promotion usage.
    pub fn at(now: DateTime<Utc>) -> Self {
        PricingContext {
            now,
            usage: HashMap::new(),
        }
    }
}
