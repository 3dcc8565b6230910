//! Tax: classes, table-driven rates by region, and the [`TaxProvider`] trait for external tax
//! services.
//!
//! A provider only answers *which rates* apply to a tax class at an address; the pricing code
//! computes the amounts (per line on the discounted amount, rounded per line or per order), so
//! rounding and allocation stay identical whatever provider is plugged in.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::address::Address;
use crate::error::{Error, Result};
use crate::money::amount_serde;

/// What kind of tax treatment a line or shipping charge gets.
///
/// Serialized as a plain string: `"standard"`, `"reduced"`, `"zero"`, `"exempt"`, or any other
/// name for a custom class (`"books"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(from = "String", into = "String")]
pub enum TaxClass {
    /// The jurisdiction's standard rate.
    #[default]
    Standard,
    /// A reduced rate (food, books, … as the table defines).
    Reduced,
    /// Zero-rated: taxable at 0%, reported as such.
    Zero,
    /// Outside the scope of tax: no tax lines at all.
    Exempt,
    /// A class named by the host (`"books"`, `"digital"`).
    Custom(String),
}

impl From<String> for TaxClass {
    fn from(name: String) -> Self {
        match name.as_str() {
            "standard" => TaxClass::Standard,
            "reduced" => TaxClass::Reduced,
            "zero" => TaxClass::Zero,
            "exempt" => TaxClass::Exempt,
            _ => TaxClass::Custom(name),
        }
    }
}

impl From<TaxClass> for String {
    fn from(class: TaxClass) -> Self {
        class.name().to_string()
    }
}

impl TaxClass {
    /// The class's name as serialized.
    pub fn name(&self) -> &str {
        match self {
            TaxClass::Standard => "standard",
            TaxClass::Reduced => "reduced",
            TaxClass::Zero => "zero",
            TaxClass::Exempt => "exempt",
            TaxClass::Custom(name) => name,
        }
    }
}

/// One rate that applies to a taxable amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TaxRate {
    /// Stable id of the rule that produced the rate (shown in breakdowns).
    pub id: SmolStr,
    /// Human-readable name (`"CA state tax"`).
    pub name: SmolStr,
    /// Where it applies (`"US-CA"`, `"US-CA-940"`, `"DE"`).
    pub jurisdiction: SmolStr,
    /// The rate in percent (`8.25` means 8.25%).
    #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
    #[serde(with = "amount_serde")]
    pub percentage: Decimal,
}

/// What a [`TaxProvider`] is asked.
#[derive(Debug, Clone, Copy)]
pub struct TaxQuery<'a> {
    /// Where the goods go.
    pub address: &'a Address,
    /// The tax class of the line or shipping charge.
    pub tax_class: &'a TaxClass,
    /// The cart's currency code.
    pub currency: &'a str,
    /// When the order is priced.
    pub at: DateTime<Utc>,
}

/// Answers which tax rates apply. Implement it to plug in an external tax service; the built-in
/// [`TaxTable`] is the default.
///
/// Rates returned for one query are all applied to the same base (combined rates such as state +
/// county). An empty list means untaxed. The pricing code calls a provider at most once per
/// distinct tax class in a cart, and never for exempt classes or exempt customers.
pub trait TaxProvider: Send + Sync {
    /// The rates that apply to `query`.
    fn rates(&self, query: &TaxQuery<'_>) -> Result<Vec<TaxRate>>;
}

/// One row of a [`TaxTable`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TaxRule {
    /// Stable id, shown in breakdowns.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// ISO 3166-1 alpha-2 country code (`"US"`).
    pub country: String,
    /// State or province code (`"CA"`); `None` applies to the whole country.
    #[serde(default)]
    pub region: Option<String>,
    /// Postal-code prefix (`"940"`); `None` applies to the whole region.
    #[serde(default)]
    pub postal_code_prefix: Option<String>,
    /// The class this rule is for; `None` applies to every class that has no rule of its own
    /// at the address.
    #[serde(default)]
    pub tax_class: Option<TaxClass>,
    /// The rate in percent.
    #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
    #[serde(with = "amount_serde")]
    pub percentage: Decimal,
    /// A combinable rule is added to the other matching rules on the same base (state + county);
    /// among non-combinable rules only the most specific one applies.
    #[serde(default)]
    pub combinable: bool,
}

impl TaxRule {
    fn matches(&self, address: &Address) -> bool {
        if !self.country.eq_ignore_ascii_case(&address.country) {
            return false;
        }
        if let Some(region) = &self.region {
            match &address.region {
                Some(r) if r.eq_ignore_ascii_case(region) => {}
                _ => return false,
            }
        }
        if let Some(prefix) = &self.postal_code_prefix {
            match &address.postal_code {
                Some(code) if normalized_postal(code).starts_with(&normalized_postal(prefix)) => {}
                _ => return false,
            }
        }
        true
    }

    /// Postal prefix beats region beats country.
    fn specificity(&self) -> (usize, bool) {
        (
            self.postal_code_prefix.as_deref().map_or(0, str::len),
            self.region.is_some(),
        )
    }
}

fn normalized_postal(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The built-in, table-driven [`TaxProvider`].
///
/// For a query it takes the rules matching the address (country, then region and postal-code
/// prefix when the rule names them). If some of those rules name the query's tax class, only they
/// are used; otherwise the general rules (no class) are. A `zero` class with no rule of its own
/// gets a 0% rate and `exempt` gets none, instead of falling back to the general rules. Of the
/// non-combinable rules, the most specific one applies (postal prefix, then region, then
/// country; ties to the earlier row); every combinable rule applies on top, on the same base.
#[derive(Debug, Clone, Default)]
pub struct TaxTable {
    rules: Vec<(TaxRule, TaxRate)>,
}

impl TaxTable {
    /// A table of `rules`, validated.
    pub fn new(rules: Vec<TaxRule>) -> Result<Self> {
        let mut rows = Vec::with_capacity(rules.len());
        for (i, rule) in rules.into_iter().enumerate() {
            let field = |name: &str| format!("tax_rules[{i}].{name}");
            if rule.id.is_empty() {
                return Err(Error::invalid(field("id"), "must not be empty"));
            }
            if rule.country.len() != 2 || !rule.country.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(Error::invalid(
                    field("country"),
                    "must be an ISO 3166-1 alpha-2 code",
                ));
            }
            check_percentage(rule.percentage, &field("percentage"))?;
            let mut jurisdiction = rule.country.to_ascii_uppercase();
            for part in [&rule.region, &rule.postal_code_prefix]
                .into_iter()
                .flatten()
            {
                jurisdiction.push('-');
                jurisdiction.push_str(&part.to_ascii_uppercase());
            }
            let rate = TaxRate {
                id: rule.id.as_str().into(),
                name: rule.name.as_str().into(),
                jurisdiction: jurisdiction.into(),
                percentage: rule.percentage,
            };
            rows.push((rule, rate));
        }
        Ok(TaxTable { rules: rows })
    }
}

/// Checks a percentage is within 0..=1000 with at most 6 decimals.
pub(crate) fn check_percentage(percentage: Decimal, field: &str) -> Result<()> {
    if percentage.is_sign_negative() && !percentage.is_zero() {
        return Err(Error::invalid(field, "must not be negative"));
    }
    if percentage > Decimal::ONE_THOUSAND {
        return Err(Error::invalid(field, "must not exceed 1000"));
    }
    if percentage.normalize().scale() > 6 {
        return Err(Error::invalid(field, "must have at most 6 decimal places"));
    }
    Ok(())
}

impl TaxProvider for TaxTable {
    fn rates(&self, query: &TaxQuery<'_>) -> Result<Vec<TaxRate>> {
        if *query.tax_class == TaxClass::Exempt {
            return Ok(Vec::new());
        }
        let matching = || {
            self.rules
                .iter()
                .filter(|(rule, _)| rule.matches(query.address))
        };
        let has_own = matching().any(|(rule, _)| rule.tax_class.as_ref() == Some(query.tax_class));
        if !has_own && *query.tax_class == TaxClass::Zero {
            return Ok(vec![TaxRate {
                id: "zero_rated".into(),
                name: "Zero-rated".into(),
                jurisdiction: query.address.country.to_ascii_uppercase().into(),
                percentage: Decimal::ZERO,
            }]);
        }
        let wanted = if has_own { Some(query.tax_class) } else { None };
        let mut chosen: Vec<&(TaxRule, TaxRate)> = Vec::new();
        let mut exclusive: Option<&(TaxRule, TaxRate)> = None;
        for row in matching().filter(|(rule, _)| rule.tax_class.as_ref() == wanted) {
            if row.0.combinable {
                chosen.push(row);
            } else if exclusive.is_none_or(|best| row.0.specificity() > best.0.specificity()) {
                exclusive = Some(row);
            }
        }
        chosen.extend(exclusive);
        // Broadest jurisdiction first (country, state, county), then table order.
        chosen.sort_by_key(|row| row.0.specificity());
        Ok(chosen.into_iter().map(|(_, rate)| rate.clone()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn rule(
        id: &str,
        country: &str,
        region: Option<&str>,
        postal: Option<&str>,
        pct: &str,
    ) -> TaxRule {
        TaxRule {
            id: id.into(),
            name: id.into(),
            country: country.into(),
            region: region.map(Into::into),
            postal_code_prefix: postal.map(Into::into),
            tax_class: None,
            percentage: Decimal::from_str(pct).unwrap(),
            combinable: false,
        }
    }

    fn address(country: &str, region: Option<&str>, postal: Option<&str>) -> Address {
        Address {
            country: country.into(),
            region: region.map(Into::into),
            postal_code: postal.map(Into::into),
            ..Address::default()
        }
    }

    fn ids(table: &TaxTable, address: &Address, class: TaxClass) -> Vec<String> {
        table
            .rates(&TaxQuery {
                address,
                tax_class: &class,
                currency: "USD",
                at: DateTime::<Utc>::UNIX_EPOCH,
            })
            .unwrap()
            .iter()
            .map(|r| r.id.to_string())
            .collect()
    }

    #[test]
    fn most_specific_non_combinable_rule_wins() {
        let table = TaxTable::new(vec![
            rule("de", "DE", None, None, "19"),
            rule("de-helgoland", "DE", None, Some("27498"), "0"),
        ])
        .unwrap();
        assert_eq!(
            ids(
                &table,
                &address("DE", None, Some("10115")),
                TaxClass::Standard
            ),
            ["de"]
        );
        assert_eq!(
            ids(
                &table,
                &address("de", None, Some("27498")),
                TaxClass::Standard
            ),
            ["de-helgoland"]
        );
        assert!(ids(&table, &address("FR", None, None), TaxClass::Standard).is_empty());
    }

    #[test]
    fn combinable_rules_add_up_on_one_base() {
        let mut state = rule("ca", "US", Some("CA"), None, "6");
        state.combinable = true;
        let mut county = rule("ca-sf", "US", Some("CA"), Some("941"), "1.25");
        county.combinable = true;
        let table = TaxTable::new(vec![county, state]).unwrap();
        assert_eq!(
            ids(
                &table,
                &address("US", Some("CA"), Some("94103")),
                TaxClass::Standard
            ),
            ["ca", "ca-sf"]
        );
        assert_eq!(
            ids(
                &table,
                &address("US", Some("CA"), Some("90001")),
                TaxClass::Standard
            ),
            ["ca"]
        );
        assert!(ids(&table, &address("US", Some("NY"), None), TaxClass::Standard).is_empty());
    }

    #[test]
    fn class_overrides_zero_and_exempt() {
        let mut reduced = rule("de-reduced", "DE", None, None, "7");
        reduced.tax_class = Some(TaxClass::Reduced);
        let table = TaxTable::new(vec![rule("de", "DE", None, None, "19"), reduced]).unwrap();
        let de = address("DE", None, None);
        assert_eq!(ids(&table, &de, TaxClass::Reduced), ["de-reduced"]);
        assert_eq!(ids(&table, &de, TaxClass::Standard), ["de"]);
        assert_eq!(ids(&table, &de, TaxClass::Custom("books".into())), ["de"]);
        assert_eq!(ids(&table, &de, TaxClass::Zero), ["zero_rated"]);
        assert!(ids(&table, &de, TaxClass::Exempt).is_empty());
    }

    #[test]
    fn invalid_rules_are_rejected_with_their_field() {
        let err = TaxTable::new(vec![rule("x", "USA", None, None, "5")]).unwrap_err();
        assert_eq!(err.field(), Some("tax_rules[0].country"));
        let err = TaxTable::new(vec![rule("x", "US", None, None, "-1")]).unwrap_err();
        assert_eq!(err.field(), Some("tax_rules[0].percentage"));
        let err = TaxTable::new(vec![rule("x", "US", None, None, "1.1234567")]).unwrap_err();
        assert_eq!(err.code(), "invalid_input");
    }

    #[test]
    fn tax_class_serializes_as_a_plain_name() {
        let json =
            serde_json::to_string(&vec![TaxClass::Reduced, TaxClass::Custom("books".into())])
                .unwrap();
        assert_eq!(json, r#"["reduced","books"]"#);
        let back: Vec<TaxClass> =
            serde_json::from_str(r#"["zero","exempt","standard","x"]"#).unwrap();
        assert_eq!(
            back,
            vec![
                TaxClass::Zero,
                TaxClass::Exempt,
                TaxClass::Standard,
                TaxClass::Custom("x".into())
            ]
        );
    }
}
