//! Promotions: what they are, when they apply, how they stack, and how they are found quickly.
//!
//! The amounts a promotion takes off are computed in [`crate::pricing`]; this module decides
//! *which* promotions are candidates for a cart, in which order, and why one does not apply.
//!
//! Stacking order is fixed and documented: higher `priority` first, then `id` ascending. Each
//! promotion acts on what earlier ones left. An exclusive promotion applies only if nothing was
//! applied before it, and then nothing applies after it; `combinable_with` limits which others a
//! promotion may be combined with (both sides must allow it).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::error::{Error, Result};
use crate::money::{Currency, CurrencyRegistry, amount_serde};
use crate::pricing::{Cart, CartLine};
use crate::tax::check_percentage;

/// A promotion: automatic (no `code`) or a coupon (with `code`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Promotion {
    /// Stable id, shown in every adjustment it makes.
    pub id: String,
    /// Human-readable name.
    #[serde(default)]
    pub name: String,
    /// Coupon code (matched case-insensitively); `None` makes the promotion automatic.
    #[serde(default)]
    pub code: Option<String>,
    /// What it takes off.
    pub effect: Effect,
    /// What it takes it off.
    #[serde(default)]
    pub target: Target,
    /// Higher applies first.
    #[serde(default)]
    pub priority: i32,
    /// Applies only alone.
    #[serde(default)]
    pub exclusive: bool,
    /// If set, the ids of the only promotions this one may be combined with.
    #[serde(default)]
    pub combinable_with: Option<Vec<String>>,
    /// Currency of `effect`'s fixed amount and of `conditions.min_subtotal`; a cart in another
    /// currency does not get the promotion.
    #[serde(default)]
    pub currency: Option<String>,
    /// When it applies.
    #[serde(default)]
    pub conditions: Conditions,
    /// How many times it may be used in all (the engine counts uses).
    #[serde(default)]
    pub usage_limit: Option<u64>,
    /// How many times one customer may use it.
    #[serde(default)]
    pub usage_limit_per_customer: Option<u64>,
    /// On a subscription (a coupon given to `subscribe`): how many of its period invoices it
    /// discounts; `None`: every one, for ever. Carts ignore it.
    #[serde(default)]
    pub duration_periods: Option<u32>,
}

/// What a promotion takes off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Effect {
    /// A percentage of the target's amount, rounded once for the whole promotion.
    Percentage {
        /// Percent off (`10` = 10%), in (0, 100].
        #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
        #[serde(with = "amount_serde")]
        percentage: Decimal,
    },
    /// A fixed amount off the target as a whole (never more than the target's amount).
    FixedAmount {
        /// Amount off, in the promotion's `currency`.
        #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
        #[serde(with = "amount_serde")]
        amount: Decimal,
    },
    /// For every `buy + get` eligible units, the `get` cheapest are discounted by `percentage`.
    /// Units used to qualify are not discounted.
    BuyXGetY {
        /// Units to buy.
        buy: u64,
        /// Units discounted per group.
        get: u64,
        /// Percent off the discounted units (`100` = free).
        #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
        #[serde(with = "amount_serde")]
        percentage: Decimal,
        /// Cap on the number of groups; `None` repeats for every full group.
        #[serde(default)]
        max_applications: Option<u64>,
    },
}

/// What a promotion applies to.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Target {
    /// Every line of the order.
    #[default]
    Order,
    /// Lines whose sku, category or one of whose tags is listed.
    Lines(LineSelector),
    /// The shipping charge (`percentage: 100` is free shipping).
    Shipping,
}

/// Selects lines by sku, category or tag; a line matching any of them is selected.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct LineSelector {
    /// Skus.
    pub skus: Vec<String>,
    /// Categories.
    pub categories: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
}

impl LineSelector {
    /// Whether `line` is selected.
    pub fn matches(&self, line: &CartLine) -> bool {
        self.skus.iter().any(|sku| **sku == *line.sku)
            || line
                .category
                .as_ref()
                .is_some_and(|c| self.categories.iter().any(|s| s == c))
            || line.tags.iter().any(|t| self.tags.iter().any(|s| s == t))
    }

    fn is_empty(&self) -> bool {
        self.skus.is_empty() && self.categories.is_empty() && self.tags.is_empty()
    }
}

impl Target {
    /// Whether `line` is part of this target (shipping selects no line).
    pub fn selects(&self, line: &CartLine) -> bool {
        match self {
            Target::Order => true,
            Target::Lines(selector) => selector.matches(line),
            Target::Shipping => false,
        }
    }
}

/// When a promotion applies. Every condition set must hold.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Conditions {
    /// Not before this instant.
    pub starts_at: Option<DateTime<Utc>>,
    /// Only before this instant.
    pub ends_at: Option<DateTime<Utc>>,
    /// The cart's subtotal before any discount must reach this (promotion's currency).
    #[cfg_attr(feature = "schema", schemars(with = "Option<rust_decimal::Decimal>"))]
    #[serde(with = "amount_serde::option")]
    pub min_subtotal: Option<Decimal>,
    /// The target's units (all lines for order and shipping targets) must reach this.
    pub min_quantity: Option<u64>,
    /// The customer must be in one of these groups.
    pub customer_groups: Vec<String>,
    /// Only for a customer with no previous order.
    pub first_order_only: bool,
}

/// How often a promotion has been used, as the engine counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Usage {
    /// Uses by everyone.
    pub total: u64,
    /// Uses by the cart's customer.
    pub by_customer: u64,
}

/// Why a promotion or coupon code did not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    /// No coupon has that code.
    UnknownCode,
    /// Before `starts_at`.
    NotStarted,
    /// At or after `ends_at`.
    Expired,
    /// The cart's currency is not the promotion's.
    CurrencyMismatch,
    /// The customer is in none of the required groups.
    CustomerGroupNotEligible,
    /// Only for a first order.
    FirstOrderOnly,
    /// Used up.
    UsageLimitReached,
    /// Used up by this customer.
    CustomerUsageLimitReached,
    /// A per-customer limit needs a known customer.
    CustomerRequired,
    /// The subtotal is below `min_subtotal`.
    MinSubtotalNotMet,
    /// Fewer units than `min_quantity`.
    MinQuantityNotMet,
    /// Nothing in the cart for it to discount.
    NoEligibleItems,
    /// It cannot be combined with a promotion applied before it.
    NotCombinable,
}

impl RejectionReason {
    /// The stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            RejectionReason::UnknownCode => "unknown_code",
            RejectionReason::NotStarted => "not_started",
            RejectionReason::Expired => "expired",
            RejectionReason::CurrencyMismatch => "currency_mismatch",
            RejectionReason::CustomerGroupNotEligible => "customer_group_not_eligible",
            RejectionReason::FirstOrderOnly => "first_order_only",
            RejectionReason::UsageLimitReached => "usage_limit_reached",
            RejectionReason::CustomerUsageLimitReached => "customer_usage_limit_reached",
            RejectionReason::CustomerRequired => "customer_required",
            RejectionReason::MinSubtotalNotMet => "min_subtotal_not_met",
            RejectionReason::MinQuantityNotMet => "min_quantity_not_met",
            RejectionReason::NoEligibleItems => "no_eligible_items",
            RejectionReason::NotCombinable => "not_combinable",
        }
    }
}

/// A validated promotion with the shared strings its adjustments point at.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub promotion: Promotion,
    pub id: SmolStr,
    pub code: Option<SmolStr>,
}

type Hasher = foldhash::fast::RandomState;

/// A validated, indexed set of promotions. Automatic promotions that target lines are indexed
/// by sku, category and tag, so pricing a cart looks only at promotions that can touch it.
#[derive(Debug, Default)]
pub(crate) struct PromotionSet {
    /// In stacking order: priority descending, then id ascending.
    promotions: Vec<Prepared>,
    /// foldhash instead of SipHash (a lookup per line, sku, category and tag of every cart;
    /// the keys are the host's own promotions), still seeded per map.
    by_code: HashMap<String, u32, Hasher>,
    by_sku: HashMap<String, Vec<u32>, Hasher>,
    by_category: HashMap<String, Vec<u32>, Hasher>,
    by_tag: HashMap<String, Vec<u32>, Hasher>,
    /// Automatic promotions on the order or shipping: candidates for every cart.
    global: Vec<u32>,
}

/// The promotions to consider for one cart, in stacking order, plus codes that matched nothing.
pub(crate) struct Candidates<'a> {
    pub promotions: Vec<&'a Prepared>,
    pub unknown_codes: Vec<String>,
}

impl PromotionSet {
    /// The promotion with coupon `code` (case-insensitive), if any.
    pub fn by_code(&self, code: &str) -> Option<&Promotion> {
        let position = *self.by_code.get(&code.to_ascii_uppercase())?;
        Some(&self.promotions.get(position as usize)?.promotion)
    }

    pub fn new(mut promotions: Vec<Promotion>, currencies: &CurrencyRegistry) -> Result<Self> {
        for (i, promotion) in promotions.iter().enumerate() {
            validate(promotion, i, currencies)?;
        }
        promotions.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));
        let mut set = PromotionSet::default();
        let mut ids = HashSet::new();
        for (position, promotion) in promotions.into_iter().enumerate() {
            let position = position as u32;
            if !ids.insert(promotion.id.clone()) {
                return Err(Error::invalid(
                    format!("promotions[id={}]", promotion.id),
                    "duplicate promotion id",
                ));
            }
            if let Some(code) = &promotion.code {
                if set
                    .by_code
                    .insert(code.to_ascii_uppercase(), position)
                    .is_some()
                {
                    return Err(Error::invalid(
                        format!("promotions[id={}].code", promotion.id),
                        format!("duplicate coupon code {code:?}"),
                    ));
                }
            } else {
                match &promotion.target {
                    Target::Lines(selector) => {
                        for (index, keys) in [
                            (&mut set.by_sku, &selector.skus),
                            (&mut set.by_category, &selector.categories),
                            (&mut set.by_tag, &selector.tags),
                        ] {
                            for key in keys {
                                index.entry(key.clone()).or_default().push(position);
                            }
                        }
                    }
                    Target::Order | Target::Shipping => set.global.push(position),
                }
            }
            set.promotions.push(Prepared {
                id: promotion.id.as_str().into(),
                code: promotion.code.as_deref().map(Into::into),
                promotion,
            });
        }
        Ok(set)
    }

    /// The promotions that may apply to `cart`: automatic ones whose target can touch it and the
    /// coupons it names, in stacking order.
    pub fn candidates(&self, cart: &Cart) -> Candidates<'_> {
        let mut positions: Vec<u32> =
            Vec::with_capacity(self.global.len() + cart.coupon_codes.len());
        positions.extend_from_slice(&self.global);
        let mut push_hits = |index: &HashMap<String, Vec<u32>, Hasher>, key: &str| {
            if let Some(hits) = index.get(key) {
                positions.extend_from_slice(hits);
            }
        };
        if !(self.by_sku.is_empty() && self.by_category.is_empty() && self.by_tag.is_empty()) {
            for line in &cart.lines {
                push_hits(&self.by_sku, &line.sku);
                if let Some(category) = &line.category {
                    push_hits(&self.by_category, category);
                }
                for tag in &line.tags {
                    push_hits(&self.by_tag, tag);
                }
            }
        }
        let mut unknown_codes = Vec::new();
        for code in &cart.coupon_codes {
            match self.by_code.get(&code.to_ascii_uppercase()) {
                Some(position) => positions.push(*position),
                None if !unknown_codes.contains(code) => unknown_codes.push(code.clone()),
                None => {}
            }
        }
        positions.sort_unstable();
        positions.dedup();
        Candidates {
            promotions: positions
                .into_iter()
                .map(|p| &self.promotions[p as usize])
                .collect(),
            unknown_codes,
        }
    }
}

fn validate(promotion: &Promotion, i: usize, currencies: &CurrencyRegistry) -> Result<()> {
    let field = |name: &str| format!("promotions[{i}].{name}");
    if promotion.id.is_empty() {
        return Err(Error::invalid(field("id"), "must not be empty"));
    }
    if promotion.code.as_deref().is_some_and(str::is_empty) {
        return Err(Error::invalid(field("code"), "must not be empty when set"));
    }
    if promotion.duration_periods == Some(0) {
        return Err(Error::invalid(
            field("duration_periods"),
            "at least 1 (absent: every period)",
        ));
    }
    let currency = match &promotion.currency {
        Some(code) => Some(currencies.resolve(code, &field("currency"))?),
        None => None,
    };
    let needs_currency = |name: &str| {
        Error::invalid(
            field(name),
            "a fixed amount needs the promotion's `currency`",
        )
    };
    match &promotion.effect {
        Effect::Percentage { percentage } => {
            check_discount_percentage(*percentage, &field("effect.percentage"))?
        }
        Effect::FixedAmount { amount } => {
            let currency = currency.ok_or_else(|| needs_currency("currency"))?;
            if *amount <= Decimal::ZERO {
                return Err(Error::invalid(field("effect.amount"), "must be positive"));
            }
            currency.exact(*amount, &field("effect.amount"))?;
        }
        Effect::BuyXGetY {
            buy,
            get,
            percentage,
            max_applications,
        } => {
            check_discount_percentage(*percentage, &field("effect.percentage"))?;
            check_buy_x_get_y(promotion, (*buy, *get, *max_applications), field)?;
        }
    }
    if let Target::Lines(selector) = &promotion.target
        && selector.is_empty()
    {
        return Err(Error::invalid(
            field("target"),
            "a lines target needs at least one sku, category or tag",
        ));
    }
    check_conditions_set(&promotion.conditions, currency, field)
}

/// A buy-x-get-y's counts: at least one bought and one given, applied at least once, and
/// only to lines.
fn check_buy_x_get_y(
    promotion: &Promotion,
    (buy, get, max_applications): (u64, u64, Option<u64>),
    field: impl Fn(&str) -> String,
) -> Result<()> {
    if buy == 0 {
        return Err(Error::invalid(field("effect.buy"), "must be at least 1"));
    }
    if get == 0 {
        return Err(Error::invalid(field("effect.get"), "must be at least 1"));
    }
    if buy.checked_add(get).is_none() {
        return Err(Error::invalid(
            field("effect.get"),
            "buy + get is too large",
        ));
    }
    if max_applications == Some(0) {
        let message = "must be at least 1";
        return Err(Error::invalid(field("effect.max_applications"), message));
    }
    if promotion.target == Target::Shipping {
        let message = "buy-x-get-y applies to lines, not shipping";
        return Err(Error::invalid(field("target"), message));
    }
    Ok(())
}

/// A promotion's conditions: a minimum subtotal in the promotion's currency, a window that
/// ends after it starts.
fn check_conditions_set(
    conditions: &Conditions,
    currency: Option<Currency>,
    field: impl Fn(&str) -> String,
) -> Result<()> {
    if let Some(min) = conditions.min_subtotal {
        let currency = currency.ok_or_else(|| {
            let message = "a fixed amount needs the promotion's `currency`";
            Error::invalid(field("conditions.min_subtotal"), message)
        })?;
        if min < Decimal::ZERO {
            let message = "must not be negative";
            return Err(Error::invalid(field("conditions.min_subtotal"), message));
        }
        currency.exact(min, &field("conditions.min_subtotal"))?;
    }
    if let (Some(start), Some(end)) = (conditions.starts_at, conditions.ends_at)
        && end <= start
    {
        let message = "must be after starts_at";
        return Err(Error::invalid(field("conditions.ends_at"), message));
    }
    Ok(())
}

fn check_discount_percentage(percentage: Decimal, field: &str) -> Result<()> {
    check_percentage(percentage, field)?;
    if percentage <= Decimal::ZERO || percentage > Decimal::ONE_HUNDRED {
        return Err(Error::invalid(field, "must be more than 0 and at most 100"));
    }
    Ok(())
}

/// Checks the conditions of `promotion` that do not depend on other promotions.
pub(crate) fn check_conditions(
    promotion: &Promotion,
    cart: &Cart,
    subtotal: Decimal,
    target_units: u64,
    now: DateTime<Utc>,
    usage: Option<&Usage>,
) -> std::result::Result<(), RejectionReason> {
    let conditions = &promotion.conditions;
    if conditions.starts_at.is_some_and(|start| now < start) {
        return Err(RejectionReason::NotStarted);
    }
    if conditions.ends_at.is_some_and(|end| now >= end) {
        return Err(RejectionReason::Expired);
    }
    if promotion
        .currency
        .as_deref()
        .is_some_and(|c| !c.eq_ignore_ascii_case(&cart.currency))
    {
        return Err(RejectionReason::CurrencyMismatch);
    }
    let customer = &cart.customer;
    if !conditions.customer_groups.is_empty()
        && !customer
            .groups
            .iter()
            .any(|g| conditions.customer_groups.contains(g))
    {
        return Err(RejectionReason::CustomerGroupNotEligible);
    }
    if conditions.first_order_only && customer.previous_orders > 0 {
        return Err(RejectionReason::FirstOrderOnly);
    }
    let usage = usage.copied().unwrap_or_default();
    if promotion
        .usage_limit
        .is_some_and(|limit| usage.total >= limit)
    {
        return Err(RejectionReason::UsageLimitReached);
    }
    if let Some(limit) = promotion.usage_limit_per_customer {
        if customer.id.is_none() {
            return Err(RejectionReason::CustomerRequired);
        }
        if usage.by_customer >= limit {
            return Err(RejectionReason::CustomerUsageLimitReached);
        }
    }
    if conditions.min_subtotal.is_some_and(|min| subtotal < min) {
        return Err(RejectionReason::MinSubtotalNotMet);
    }
    if conditions
        .min_quantity
        .is_some_and(|min| target_units < min)
    {
        return Err(RejectionReason::MinQuantityNotMet);
    }
    Ok(())
}

/// Whether `candidate` may be applied after the promotions in `applied` (see module docs).
pub(crate) fn combinable(candidate: &Promotion, applied: &[&Promotion]) -> bool {
    if applied.is_empty() {
        return true;
    }
    if candidate.exclusive || applied.iter().any(|p| p.exclusive) {
        return false;
    }
    let allows = |a: &Promotion, b: &Promotion| {
        a.combinable_with
            .as_ref()
            .is_none_or(|ids| ids.contains(&b.id))
    };
    applied
        .iter()
        .all(|other| allows(candidate, other) && allows(other, candidate))
}
