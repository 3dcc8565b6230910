//! Postal addresses, as far as pricing needs them (tax jurisdiction) and shipping uses them.

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

/// A postal address. Only `country` is needed to price; tax rules may also look at `region`
/// and `postal_code`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Address {
    /// Recipient name.
    pub name: Option<SmolStr>,
    /// First street line.
    pub line1: Option<SmolStr>,
    /// Second street line.
    pub line2: Option<SmolStr>,
    /// City or town.
    pub city: Option<SmolStr>,
    /// State, province or region code (`"CA"`).
    pub region: Option<SmolStr>,
    /// Postal or ZIP code.
    pub postal_code: Option<SmolStr>,
    /// ISO 3166-1 alpha-2 country code (`"US"`).
    pub country: SmolStr,
}
