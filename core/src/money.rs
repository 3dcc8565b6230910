//! Money: ISO-4217 currencies with their minor units, rounding, checked arithmetic and exact
//! allocation.
//!
//! Amounts are [`rust_decimal::Decimal`]; floats never touch money. Amounts are rounded to the
//! currency's minor unit only at defined points (a discount, a tax amount), with an explicit
//! [`RoundingMode`], and always rescaled so `0 × 1.20` prints `0.00`.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A currency: a three-letter code and the number of decimal places of its minor unit
/// (USD 2, JPY 0, KWD 3).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: [u8; 3],
    minor_units: u8,
}

/// Largest minor-unit count a currency may declare (keeps every amount's scale within what
/// allocation arithmetic handles exactly).
pub const MAX_MINOR_UNITS: u32 = 8;

impl Currency {
    /// A currency from a three-letter upper-case code and its minor units (0..=8).
    pub fn new(code: &str, minor_units: u32) -> Result<Self> {
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(Error::invalid(
                "currency.code",
                format!("{code:?} is not three upper-case ASCII letters"),
            ));
        }
        if minor_units > MAX_MINOR_UNITS {
            return Err(Error::invalid(
                "currency.minor_units",
                format!("{minor_units} exceeds the maximum of {MAX_MINOR_UNITS}"),
            ));
        }
        Ok(Currency {
            code: [bytes[0], bytes[1], bytes[2]],
            minor_units: minor_units as u8,
        })
    }

    const fn builtin(code: &[u8; 3], minor_units: u8) -> Self {
        Currency {
            code: *code,
            minor_units,
        }
    }

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // Constructors only admit ASCII upper-case letters.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Decimal places of the minor unit.
    pub fn minor_units(&self) -> u32 {
        u32::from(self.minor_units)
    }

    /// The smallest amount of the currency (`0.01` for USD, `1` for JPY).
    pub fn minor_unit(&self) -> Decimal {
        Decimal::new(1, self.minor_units())
    }

    /// Rounds `amount` to this currency's minor unit with `mode`, always at full scale
    /// (`5` in USD becomes `5.00`).
    pub fn round(&self, amount: Decimal, mode: RoundingMode) -> Decimal {
        let mut rounded = amount.round_dp_with_strategy(self.minor_units(), mode.strategy());
        rounded.rescale(self.minor_units());
        rounded
    }

    /// Checks that `amount` needs no rounding in this currency (at most `minor_units`
    /// significant decimals) and returns it at full scale.
    #[inline]
    pub fn exact(&self, amount: Decimal, field: &str) -> Result<Decimal> {
        let minor = self.minor_units();
        if amount.scale() == minor {
            return Ok(amount);
        }
        if amount.scale() > minor && amount.normalize().scale() > minor {
            return Err(Error::TooManyDecimals {
                field: field.to_string(),
                amount: amount.to_string(),
                currency: self.code().to_string(),
                minor_units: minor,
            });
        }
        let mut exact = amount;
        exact.rescale(minor);
        // `rescale` stops short of the scale when the padded mantissa would pass 96 bits
        // (`12345678901234567890123456789` cannot carry two decimals); its mantissa read at the
        // currency's scale would then be a hundredth of the amount.
        if exact.scale() != minor {
            return Err(Error::overflow(field));
        }
        Ok(exact)
    }

    /// `amount` as a count of minor units (`12.34` USD → `1234`). The amount must already be
    /// exact in this currency.
    #[inline]
    pub fn to_minor(&self, amount: Decimal, field: &str) -> Result<i128> {
        if amount.scale() == self.minor_units() {
            return Ok(amount.mantissa());
        }
        let mut scaled = amount;
        scaled.rescale(self.minor_units());
        if scaled.scale() != self.minor_units() {
            return Err(Error::overflow(field)); // too large to carry the minor unit
        }
        if scaled != amount {
            return Err(Error::TooManyDecimals {
                field: field.to_string(),
                amount: amount.to_string(),
                currency: self.code().to_string(),
                minor_units: self.minor_units(),
            });
        }
        Ok(scaled.mantissa())
    }

    /// A count of minor units as an amount (`1234` → `12.34` USD).
    #[inline(always)]
    pub fn from_minor(&self, minor: i128, field: &str) -> Result<Decimal> {
        // Built from its parts: `try_from_i128_with_scale` re-checks the scale (at most
        // MAX_MINOR_UNITS here) on every call, and this runs ~20 times per priced line.
        let magnitude = minor.unsigned_abs();
        if magnitude >> 96 != 0 {
            return Err(Error::overflow(field));
        }
        Ok(Decimal::from_parts(
            magnitude as u32,
            (magnitude >> 32) as u32,
            (magnitude >> 64) as u32,
            minor < 0,
            self.minor_units(),
        ))
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.code(), self.minor_units)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    /// A built-in currency as its code (`"USD"`); a registered one as
    /// `{"code": "XBT", "minor_units": 8}` so it reads back without the registry.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if BUILTIN_CURRENCIES.contains(self) {
            serializer.serialize_str(self.code())
        } else {
            use serde::ser::SerializeStruct;
            let mut s = serializer.serialize_struct("Currency", 2)?;
            s.serialize_field("code", self.code())?;
            s.serialize_field("minor_units", &self.minor_units)?;
            s.end()
        }
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Code(String),
            Full { code: String, minor_units: u32 },
        }
        match Form::deserialize(deserializer)? {
            Form::Code(code) => CurrencyRegistry::new()
                .get(&code)
                .ok_or_else(|| serde::de::Error::custom(format!("unknown currency {code:?}"))),
            Form::Full { code, minor_units } => {
                Currency::new(&code, minor_units).map_err(serde::de::Error::custom)
            }
        }
    }
}

/// A currency registered with the engine, as it is written out (schema only).
#[cfg(feature = "schema")]
#[derive(schemars::JsonSchema)]
#[expect(dead_code, reason = "describes the JSON form; never built")]
struct RegisteredCurrency {
    /// Its code.
    code: String,
    /// Digits after the decimal point.
    minor_units: u32,
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Currency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Currency".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let registered = generator.subschema_for::<RegisteredCurrency>();
        schemars::json_schema!({
            "description": "An ISO-4217 code (`\"USD\"`), or a registered currency with its minor units.",
            "anyOf": [{"type": "string", "pattern": "^[A-Z]{3}$"}, registered]
        })
    }
}

/// The ISO-4217 currencies ordercore knows without registration.
const BUILTIN_CURRENCIES: &[Currency] = &[
    Currency::builtin(b"AED", 2),
    Currency::builtin(b"AUD", 2),
    Currency::builtin(b"BGN", 2),
    Currency::builtin(b"BHD", 3),
    Currency::builtin(b"BRL", 2),
    Currency::builtin(b"CAD", 2),
    Currency::builtin(b"CHF", 2),
    Currency::builtin(b"CLP", 0),
    Currency::builtin(b"CNY", 2),
    Currency::builtin(b"CZK", 2),
    Currency::builtin(b"DKK", 2),
    Currency::builtin(b"EUR", 2),
    Currency::builtin(b"GBP", 2),
    Currency::builtin(b"HKD", 2),
    Currency::builtin(b"HUF", 2),
    Currency::builtin(b"IDR", 2),
    Currency::builtin(b"ILS", 2),
    Currency::builtin(b"INR", 2),
    Currency::builtin(b"IQD", 3),
    Currency::builtin(b"ISK", 0),
    Currency::builtin(b"JOD", 3),
    Currency::builtin(b"JPY", 0),
    Currency::builtin(b"KRW", 0),
    Currency::builtin(b"KWD", 3),
    Currency::builtin(b"LYD", 3),
    Currency::builtin(b"MXN", 2),
    Currency::builtin(b"MYR", 2),
    Currency::builtin(b"NOK", 2),
    Currency::builtin(b"NZD", 2),
    Currency::builtin(b"OMR", 3),
    Currency::builtin(b"PHP", 2),
    Currency::builtin(b"PLN", 2),
    Currency::builtin(b"RON", 2),
    Currency::builtin(b"SAR", 2),
    Currency::builtin(b"SEK", 2),
    Currency::builtin(b"SGD", 2),
    Currency::builtin(b"THB", 2),
    Currency::builtin(b"TND", 3),
    Currency::builtin(b"TRY", 2),
    Currency::builtin(b"TWD", 2),
    Currency::builtin(b"UAH", 2),
    Currency::builtin(b"UGX", 0),
    Currency::builtin(b"USD", 2),
    Currency::builtin(b"VND", 0),
    Currency::builtin(b"XAF", 0),
    Currency::builtin(b"XOF", 0),
    Currency::builtin(b"ZAR", 2),
];

/// Built-in currencies plus those a host registers. A registered currency with a built-in code
/// replaces the built-in one (for example HUF with 0 decimals for cash registers).
#[derive(Debug, Clone, Default)]
pub struct CurrencyRegistry {
    registered: Vec<Currency>,
}

impl CurrencyRegistry {
    /// The built-in currencies only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a currency.
    pub fn register(&mut self, currency: Currency) {
        self.registered.retain(|c| c.code != currency.code);
        self.registered.push(currency);
    }

    /// Looks a currency up by code.
    pub fn get(&self, code: &str) -> Option<Currency> {
        let bytes = code.as_bytes();
        self.registered
            .iter()
            .chain(BUILTIN_CURRENCIES)
            .find(|c| c.code == bytes)
            .copied()
    }

    /// Looks a currency up by code, or names `field` in an `unknown_currency` error.
    pub fn resolve(&self, code: &str, field: &str) -> Result<Currency> {
        self.get(code).ok_or_else(|| Error::UnknownCurrency {
            field: field.to_string(),
            currency: code.to_string(),
        })
    }
}

/// How an amount between two minor units is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Half away from zero: `0.125 → 0.13`, `-0.125 → -0.13`. The default, as on receipts.
    #[default]
    HalfUp,
    /// Half to even (banker's rounding): `0.125 → 0.12`, `0.135 → 0.14`.
    HalfEven,
}

impl RoundingMode {
    /// Rounds `numerator / denominator` to a whole number with this mode, exactly (no
    /// intermediate decimal with limited digits). `denominator` must not be zero.
    #[inline]
    pub fn round_ratio(self, numerator: i128, denominator: i128) -> i128 {
        let (quotient, remainder) = div_rem(numerator, denominator);
        if remainder == 0 {
            return quotient;
        }
        let away = match (remainder.unsigned_abs() * 2).cmp(&denominator.unsigned_abs()) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => match self {
                RoundingMode::HalfUp => true,
                RoundingMode::HalfEven => quotient % 2 != 0,
            },
        };
        if !away {
            quotient
        } else if (numerator < 0) == (denominator < 0) {
            quotient + 1
        } else {
            quotient - 1
        }
    }

    fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
        }
    }
}

/// An amount in a currency. Arithmetic is checked: mixing currencies or leaving the decimal
/// range is an error, never a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Money {
    /// The amount, at the currency's scale.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub amount: Decimal,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// Money from an amount that must be exact in `currency` (no more decimals than it allows).
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self> {
        Ok(Money {
            amount: currency.exact(amount, "amount")?,
            currency,
        })
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        let mut amount = Decimal::ZERO;
        amount.rescale(currency.minor_units());
        Money { amount, currency }
    }

    fn same_currency(&self, other: &Money) -> Result<()> {
        if self.currency != other.currency {
            return Err(Error::CurrencyMismatch {
                field: "amount".into(),
                expected: self.currency.code().into(),
                found: other.currency.code().into(),
            });
        }
        Ok(())
    }

    /// `self + other`.
    pub fn checked_add(&self, other: &Money) -> Result<Money> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or_else(|| Error::overflow("amount"))?;
        Ok(Money { amount, ..*self })
    }

    /// `self - other`.
    pub fn checked_sub(&self, other: &Money) -> Result<Money> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or_else(|| Error::overflow("amount"))?;
        Ok(Money { amount, ..*self })
    }

    /// `self × quantity` (exact: a whole quantity needs no rounding).
    pub fn checked_mul_quantity(&self, quantity: u64) -> Result<Money> {
        let amount = self
            .amount
            .checked_mul(Decimal::from(quantity))
            .ok_or_else(|| Error::overflow("amount"))?;
        Ok(Money { amount, ..*self })
    }

    /// `self × percentage / 100`, rounded once with `mode`.
    pub fn percentage(&self, percentage: Decimal, mode: RoundingMode) -> Result<Money> {
        let exact = percent_of(self.amount, percentage).ok_or_else(|| Error::overflow("amount"))?;
        Ok(Money {
            amount: self.currency.round(exact, mode),
            ..*self
        })
    }

    /// Splits `self` over `weights` so the parts sum exactly to `self` (largest remainder, ties
    /// to the earlier position). See [`allocate_minor`].
    pub fn allocate(&self, weights: &[Decimal]) -> Result<Vec<Money>> {
        let parts = allocate(self.amount, weights, self.currency)?;
        Ok(parts
            .into_iter()
            .map(|amount| Money {
                amount,
                currency: self.currency,
            })
            .collect())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// `amount × percentage / 100`, unrounded; `None` on overflow.
pub(crate) fn percent_of(amount: Decimal, percentage: Decimal) -> Option<Decimal> {
    // × 0.01 is exact and much cheaper than ÷ 100.
    amount
        .checked_mul(percentage)?
        .checked_mul(Decimal::new(1, 2))
}

/// `(a / b, a % b)`, truncating like `/` and `%` (`b` must not be zero). On 64-bit registers
/// when both fit: i128 division is a library call of ~100 instructions, i64 division is one.
#[inline]
pub(crate) fn div_rem(a: i128, b: i128) -> (i128, i128) {
    if let (Ok(x), Ok(y)) = (i64::try_from(a), i64::try_from(b))
        && y != 0
        && !(x == i64::MIN && y == -1)
    {
        // Division by a constant compiles to a multiplication: take it for the common divisors
        // (one unit; a percentage's 10^8) instead of a 40-cycle `idiv`.
        return match y {
            1 => (i128::from(x), 0),
            100_000_000 => (i128::from(x / 100_000_000), i128::from(x % 100_000_000)),
            _ => match (u32::try_from(x), u32::try_from(y)) {
                // A 32-bit `div` is several times faster than a 64-bit `idiv` on many x86
                // cores, and amounts in minor units mostly fit.
                (Ok(x), Ok(y)) => (i128::from(x / y), i128::from(x % y)),
                _ => (i128::from(x / y), i128::from(x % y)),
            },
        };
    }
    (a / b, a % b)
}

/// `(⌊a / b⌋, a mod b)` for a positive `b`: the remainder is never negative.
#[inline]
pub(crate) fn div_floor(a: i128, b: i128) -> (i128, i128) {
    let (quotient, remainder) = div_rem(a, b);
    if remainder < 0 {
        (quotient - 1, remainder + b)
    } else {
        (quotient, remainder)
    }
}

/// Splits `total` minor units over non-negative integer `weights` so that the parts sum to
/// `total` exactly.
///
/// Each part first gets the floor of its exact proportional share; the minor units left over go
/// one each to the parts with the largest remainders, ties to the earlier position (largest
/// remainder / Hamilton method). A negative `total` is split as its absolute value and negated.
/// Weights that sum to zero are an error unless `total` is zero.
pub fn allocate_minor(total: i128, weights: &[i128]) -> Result<Vec<i128>> {
    let mut parts = Parts::new();
    allocate_minor_into(total, weights, &mut parts)?;
    Ok(parts.into_vec())
}

/// Allocation parts, on the stack for carts of usual size.
pub(crate) type Parts = smallvec::SmallVec<[i128; 32]>;

/// [`allocate_minor`] into a caller's buffer (cleared first): pricing allocates nothing for it.
pub(crate) fn allocate_minor_into(total: i128, weights: &[i128], parts: &mut Parts) -> Result<()> {
    parts.clear();
    if weights.iter().any(|w| *w < 0) {
        return Err(Error::invalid("weights", "weights must not be negative"));
    }
    let sum = weights
        .iter()
        .try_fold(0i128, |acc, w| acc.checked_add(*w))
        .ok_or_else(|| Error::overflow("weights"))?;
    if sum == 0 {
        if total == 0 {
            parts.resize(weights.len(), 0);
            return Ok(());
        }
        return Err(Error::invalid(
            "weights",
            "cannot allocate a non-zero amount over weights that sum to zero",
        ));
    }
    let sign = total.signum();
    let magnitude = total
        .checked_abs()
        .ok_or_else(|| Error::overflow("total"))?;
    parts.reserve(weights.len());
    let mut assigned = 0i128;
    // Each part's (remainder, position), ranked largest remainder first, ties to the earlier
    // position. Below 2^64 (any real amount) both pack into one integer, kept on the stack, so
    // ranking compares plain integers; wider remainders take the general path.
    let packed = u64::try_from(sum).is_ok();
    let mut keys: smallvec::SmallVec<[u128; 32]> = smallvec::SmallVec::new();
    let mut wide: Vec<(i128, usize)> = Vec::new();
    for (index, weight) in weights.iter().enumerate() {
        let product = magnitude
            .checked_mul(*weight)
            .ok_or_else(|| Error::overflow("allocation"))?;
        let (part, remainder) = div_rem(product, sum);
        assigned += part;
        parts.push(part);
        if packed {
            keys.push(((remainder as u128) << 64) | u128::from(u64::MAX - index as u64));
        } else {
            wide.push((remainder, index));
        }
    }
    let left = (magnitude - assigned) as usize; // < weights.len(): each floor loses < 1
    if left > 0 {
        // Only which `left` parts rank first matters, not their order: a selection, not a sort.
        if packed {
            if left < keys.len() {
                keys.select_nth_unstable_by(left - 1, |a, b| b.cmp(a));
            }
            for key in &keys[..left] {
                parts[(u64::MAX - *key as u64) as usize] += 1;
            }
        } else {
            wide.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            for (_, index) in &wide[..left] {
                parts[*index] += 1;
            }
        }
    }
    if sign < 0 {
        for part in parts.iter_mut() {
            *part = -*part;
        }
    }
    Ok(())
}

/// Splits `total` (exact in `currency`) over non-negative decimal `weights` so the parts sum
/// exactly to `total`; see [`allocate_minor`]. Weights are scaled to integers first, so the
/// split is exact whatever their scale.
pub fn allocate(total: Decimal, weights: &[Decimal], currency: Currency) -> Result<Vec<Decimal>> {
    let total_minor = currency.to_minor(total, "total")?;
    let scale = weights.iter().map(|w| w.scale()).max().unwrap_or(0);
    let mut integer_weights = Vec::with_capacity(weights.len());
    for weight in weights {
        let mut scaled = *weight;
        scaled.rescale(scale);
        integer_weights.push(scaled.mantissa());
    }
    allocate_minor(total_minor, &integer_weights)?
        .into_iter()
        .map(|minor| currency.from_minor(minor, "allocation"))
        .collect()
}

/// An amount spread over the units of a line: every unit carries `amount`, and the first
/// `plus_one_units` units carry one minor unit more. Kept in breakdowns so that a later refund of
/// some units takes exactly their share, and refunding every unit sums to the whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UnitSplit {
    /// What each unit carries at least, at the currency's scale.
    #[serde(serialize_with = "amount_serde::serialize")]
    pub amount: Decimal,
    /// How many units (from the first) carry one minor unit more.
    pub plus_one_units: u64,
}

impl UnitSplit {
    /// Splits `total` minor units over `units` equal units.
    #[inline(always)]
    pub(crate) fn of(total: i128, units: u64, currency: Currency) -> Result<Self> {
        // `div_rem`'s fast paths (one unit; 32- and 64-bit division) cover the usual splits.
        let (each, extra) = div_floor(total, i128::from(units.max(1)));
        Ok(UnitSplit {
            amount: currency.from_minor(each, "unit_split")?,
            plus_one_units: extra as u64,
        })
    }

    /// The sum carried by `count` units starting at unit `start` (0-based).
    pub fn sum(&self, start: u64, count: u64) -> Option<Decimal> {
        let end = start.checked_add(count)?;
        let extras = end.min(self.plus_one_units).saturating_sub(start);
        let step = Decimal::new(1, self.amount.scale());
        self.amount
            .checked_mul(Decimal::from(count))?
            .checked_add(step.checked_mul(Decimal::from(extras))?)
    }
}

/// Serde helpers that read amounts from decimal strings or integers and refuse floats.
///
/// A JSON number such as `19.99` has already been through a binary float by the time a parser
/// hands it over, so it is refused with a message asking for `"19.99"`; integers are exact and
/// accepted.
pub mod amount_serde {
    use std::str::FromStr;

    use rust_decimal::Decimal;
    use serde::de::{self, Deserializer, Visitor};
    use serde::{Serialize, Serializer};

    struct AmountVisitor;

    impl Visitor<'_> for AmountVisitor {
        type Value = Decimal;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a decimal string such as \"19.99\" or an integer")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
            // Ends that are printable ASCII leave nothing to trim: the usual "19.99" skips the
            // Unicode-aware trim (about half of reading an amount).
            let bytes = v.as_bytes();
            let bare = bytes.first().is_some_and(u8::is_ascii_graphic)
                && bytes.last().is_some_and(u8::is_ascii_graphic);
            let text = if bare { v } else { v.trim() };
            if text.bytes().any(|b| b == b'e' || b == b'E') {
                return Decimal::from_scientific(text)
                    .map_err(|_| E::custom(format!("{v:?} is not a decimal amount")));
            }
            Decimal::from_str(text).map_err(|_| E::custom(format!("{v:?} is not a decimal amount")))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
            Err(E::custom(format!(
                "floating-point amount {v} refused: pass amounts as decimal strings (\"{v}\") or integers"
            )))
        }
    }

    /// Deserializes a required amount.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        deserializer.deserialize_any(AmountVisitor)
    }

    /// Serializes an amount as a decimal string: the text of `Decimal`'s `Display` (and of its
    /// own serde support), written without its digit-by-digit division of 96-bit numbers.
    pub fn serialize<S: Serializer>(amount: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buffer = [0u8; TEXT_MAX];
        match text(amount, &mut buffer) {
            Some(text) => serializer.serialize_str(text),
            None => Serialize::serialize(amount, serializer),
        }
    }

    /// Room for a sign, 20 digits, a point and a leading `0` (≥ the 28 decimals of a scale).
    pub(crate) const TEXT_MAX: usize = 32;

    /// `amount.to_string()` into `buffer`, for a mantissa within `u64` (every real amount);
    /// `None` for the others. Same text as `Display`: every decimal of the scale kept, `0.`
    /// before a fraction, and the sign of a negative zero (`-0.00`).
    pub(crate) fn text<'b>(amount: &Decimal, buffer: &'b mut [u8; TEXT_MAX]) -> Option<&'b str> {
        let mut mantissa = u64::try_from(amount.mantissa().unsigned_abs()).ok()?;
        let mut at = TEXT_MAX;
        fn digit(buffer: &mut [u8], at: &mut usize, mantissa: &mut u64) {
            *at -= 1;
            buffer[*at] = b'0' + (*mantissa % 10) as u8;
            *mantissa /= 10;
        }
        // The fraction: exactly `scale` digits, then the point.
        let scale = amount.scale();
        for _ in 0..scale {
            digit(buffer, &mut at, &mut mantissa);
        }
        if scale > 0 {
            at -= 1;
            buffer[at] = b'.';
        }
        // The whole part: at least one digit.
        loop {
            digit(buffer, &mut at, &mut mantissa);
            if mantissa == 0 {
                break;
            }
        }
        if amount.is_sign_negative() {
            at -= 1;
            buffer[at] = b'-';
        }
        std::str::from_utf8(&buffer[at..]).ok()
    }

    /// The same rules for an optional amount (`null` or missing is `None`).
    pub mod option {
        use rust_decimal::Decimal;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        #[derive(Deserialize)]
        struct Wrapped(#[serde(deserialize_with = "super::deserialize")] Decimal);

        /// Deserializes an optional amount.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Decimal>, D::Error> {
            Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|w| w.0))
        }

        /// Serializes an optional amount.
        pub fn serialize<S: Serializer>(
            amount: &Option<Decimal>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            amount.serialize(serializer)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

        /// The amount writer gives `Display`'s text (which the breakdowns' JSON used before),
        /// zeros, negative zeros, every scale and mantissas past `u64` included; serde JSON too.
        #[test]
        fn amounts_are_written_as_display_writes_them(
            mantissa in prop_oneof![Just(0i128), -1_000i128..1_000, any::<i64>().prop_map(i128::from),
                (-(1i128 << 96) + 1)..(1i128 << 96)],
            scale in 0u32..=28,
            negative_zero in any::<bool>(),
        ) {
            let mut amount = Decimal::from_i128_with_scale(mantissa, scale);
            if mantissa == 0 && negative_zero {
                amount.set_sign_negative(true);
            }
            let mut buffer = [0u8; 32];
            match amount_serde::text(&amount, &mut buffer) {
                Some(text) => prop_assert_eq!(text, amount.to_string()),
                None => prop_assert!(amount.mantissa().unsigned_abs() > u128::from(u64::MAX)),
            }
            #[derive(serde::Serialize)]
            struct Field(#[serde(with = "amount_serde")] Decimal);
            prop_assert_eq!(serde_json::to_string(&Field(amount)).unwrap(), format!("\"{amount}\""));
        }

        /// Weights summing past 2^64 take the general path; scaling every weight by 2^60 keeps
        /// the proportions, so both paths must hand out the same parts.
        #[test]
        fn allocation_is_the_same_past_64_bits(
            total in -1_000_000i128..1_000_000,
            weights in prop::collection::vec(0i128..1_000_000, 1..40),
        ) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let narrow = allocate_minor(total, &weights).unwrap();
            let scaled: Vec<i128> = weights.iter().map(|w| w << 60).collect();
            prop_assume!(scaled.iter().sum::<i128>() > i128::from(u64::MAX));
            let wide = allocate_minor(total, &scaled).unwrap();
            prop_assert_eq!(&narrow, &wide);
            prop_assert_eq!(narrow.iter().sum::<i128>(), total);
        }
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rounding_uses_the_currency_minor_units_and_pads_scale() {
        let registry = CurrencyRegistry::new();
        let usd = registry.get("USD").unwrap();
        let jpy = registry.get("JPY").unwrap();
        let kwd = registry.get("KWD").unwrap();
        assert_eq!(
            usd.round(d("0.125"), RoundingMode::HalfUp).to_string(),
            "0.13"
        );
        assert_eq!(
            usd.round(d("0.125"), RoundingMode::HalfEven).to_string(),
            "0.12"
        );
        assert_eq!(
            usd.round(d("-0.125"), RoundingMode::HalfUp).to_string(),
            "-0.13"
        );
        assert_eq!(usd.round(d("5"), RoundingMode::HalfUp).to_string(), "5.00");
        assert_eq!(
            jpy.round(d("382.5"), RoundingMode::HalfUp).to_string(),
            "383"
        );
        assert_eq!(
            jpy.round(d("382.5"), RoundingMode::HalfEven).to_string(),
            "382"
        );
        assert_eq!(
            kwd.round(d("1.2345"), RoundingMode::HalfUp).to_string(),
            "1.235"
        );
        assert_eq!(
            kwd.round(d("1.2345"), RoundingMode::HalfEven).to_string(),
            "1.234"
        );
    }

    #[test]
    fn ratio_rounding_matches_decimal_rounding() {
        for (num, den) in [
            (5, 10),
            (15, 10),
            (25, 10),
            (-5, 10),
            (-15, 10),
            (7, 3),
            (-7, 3),
            (1, 3),
            (2, 3),
            (3825, 10),
            (0, 7),
        ] {
            for mode in [RoundingMode::HalfUp, RoundingMode::HalfEven] {
                let exact = Decimal::from(num) / Decimal::from(den);
                let expected = exact.round_dp_with_strategy(0, mode.strategy()).mantissa();
                assert_eq!(mode.round_ratio(num, den), expected, "{num}/{den} {mode:?}");
                assert_eq!(
                    mode.round_ratio(-num, -den),
                    expected,
                    "-{num}/-{den} {mode:?}"
                );
            }
        }
    }

    #[test]
    fn builtin_minor_units_follow_iso_4217() {
        let registry = CurrencyRegistry::new();
        for (code, minor) in [
            ("USD", 2),
            ("EUR", 2),
            ("GBP", 2),
            ("CHF", 2),
            ("JPY", 0),
            ("KRW", 0),
            ("KWD", 3),
            ("BHD", 3),
        ] {
            assert_eq!(registry.get(code).unwrap().minor_units(), minor, "{code}");
        }
        assert!(registry.get("XXQ").is_none());
        assert_eq!(
            registry.resolve("XXQ", "cart.currency").unwrap_err().code(),
            "unknown_currency"
        );
    }

    #[test]
    fn registered_currencies_are_found_and_replace_builtins() {
        let mut registry = CurrencyRegistry::new();
        registry.register(Currency::new("XBT", 8).unwrap());
        registry.register(Currency::new("HUF", 0).unwrap());
        assert_eq!(registry.get("XBT").unwrap().minor_units(), 8);
        assert_eq!(registry.get("HUF").unwrap().minor_units(), 0);
        assert!(Currency::new("usd", 2).is_err());
        assert!(Currency::new("USDC", 2).is_err());
        assert!(Currency::new("ABC", 9).is_err());
    }

    #[test]
    fn amounts_too_large_for_the_minor_unit_overflow_instead_of_shrinking() {
        let usd = Currency::new("USD", 2).unwrap();
        let huge = d("12345678901234567890123456789");
        assert_eq!(
            usd.exact(huge, "unit_price"),
            Err(Error::overflow("unit_price"))
        );
        assert_eq!(usd.to_minor(huge, "x"), Err(Error::overflow("x")));
        let jpy = Currency::new("JPY", 0).unwrap();
        assert_eq!(jpy.exact(huge, "unit_price"), Ok(huge));
    }

    #[test]
    fn money_arithmetic_is_checked() {
        let registry = CurrencyRegistry::new();
        let usd = registry.get("USD").unwrap();
        let eur = registry.get("EUR").unwrap();
        let a = Money::new(d("10.50"), usd).unwrap();
        let b = Money::new(d("0.25"), usd).unwrap();
        assert_eq!(a.checked_add(&b).unwrap().amount, d("10.75"));
        assert_eq!(a.checked_sub(&b).unwrap().amount, d("10.25"));
        assert_eq!(a.checked_mul_quantity(3).unwrap().amount, d("31.50"));
        let e = Money::new(d("1"), eur).unwrap();
        assert_eq!(a.checked_add(&e).unwrap_err().code(), "currency_mismatch");
        let huge = Money::new(Decimal::MAX, usd);
        assert!(huge.is_err() || huge.unwrap().checked_add(&a).is_err());
        let big = Money {
            amount: Decimal::MAX,
            currency: usd,
        };
        assert_eq!(big.checked_add(&a).unwrap_err().code(), "amount_overflow");
        assert_eq!(
            big.checked_mul_quantity(2).unwrap_err().code(),
            "amount_overflow"
        );
        assert_eq!(
            Money::new(d("19.990000000000002"), usd).unwrap_err().code(),
            "too_many_decimals"
        );
        assert_eq!(
            Money::new(d("19.990"), usd).unwrap().amount.to_string(),
            "19.99"
        );
        assert_eq!(Money::zero(usd).amount.to_string(), "0.00");
        assert_eq!(
            a.percentage(d("10"), RoundingMode::HalfUp).unwrap().amount,
            d("1.05")
        );
    }

    #[test]
    fn allocation_is_exact_with_largest_remainder_and_ties_by_position() {
        assert_eq!(allocate_minor(100, &[1, 1, 1]).unwrap(), vec![34, 33, 33]);
        assert_eq!(allocate_minor(2, &[1, 1, 1]).unwrap(), vec![1, 1, 0]);
        assert_eq!(
            allocate_minor(-100, &[1, 1, 1]).unwrap(),
            vec![-34, -33, -33]
        );
        assert_eq!(allocate_minor(1575, &[5997, 4500]).unwrap(), vec![900, 675]);
        // 10 over 3:7 with remainders 0.0: exact.
        assert_eq!(allocate_minor(10, &[3, 7]).unwrap(), vec![3, 7]);
        // largest remainder beats position: 5 over [1, 2] → 1.67 and 3.33 → 2, 3.
        assert_eq!(allocate_minor(5, &[1, 2]).unwrap(), vec![2, 3]);
        assert_eq!(allocate_minor(0, &[0, 0]).unwrap(), vec![0, 0]);
        assert!(allocate_minor(1, &[0, 0]).is_err());
        assert!(allocate_minor(1, &[-1, 2]).is_err());
        assert_eq!(
            allocate_minor(i128::MAX, &[i128::MAX, 1])
                .unwrap_err()
                .code(),
            "amount_overflow"
        );
    }

    #[test]
    fn decimal_allocation_scales_weights() {
        let usd = CurrencyRegistry::new().get("USD").unwrap();
        let parts = allocate(d("10.00"), &[d("0.5"), d("0.25"), d("0.25")], usd).unwrap();
        assert_eq!(parts, vec![d("5.00"), d("2.50"), d("2.50")]);
        let parts = Money::new(d("0.05"), usd)
            .unwrap()
            .allocate(&[d("1"), d("1")])
            .unwrap();
        assert_eq!(parts[0].amount + parts[1].amount, d("0.05"));
        assert!(allocate(d("0.005"), &[d("1")], usd).is_err());
    }

    #[test]
    fn unit_split_sums_to_the_whole_for_any_partition() {
        let usd = CurrencyRegistry::new().get("USD").unwrap();
        let split = UnitSplit::of(1001, 3, usd).unwrap(); // 10.01 over 3 → 3.34, 3.34, 3.33
        assert_eq!(split.amount, d("3.33"));
        assert_eq!(split.plus_one_units, 2);
        assert_eq!(split.sum(0, 1).unwrap(), d("3.34"));
        assert_eq!(split.sum(2, 1).unwrap(), d("3.33"));
        assert_eq!(
            split.sum(0, 1).unwrap() + split.sum(1, 2).unwrap(),
            d("10.01")
        );
        assert_eq!(split.sum(0, 3).unwrap(), d("10.01"));
    }

    #[test]
    fn amounts_deserialize_from_strings_and_integers_but_not_floats() {
        #[derive(Deserialize)]
        struct Wrapper {
            #[cfg_attr(feature = "schema", schemars(with = "rust_decimal::Decimal"))]
            #[serde(with = "amount_serde")]
            amount: Decimal,
            #[cfg_attr(feature = "schema", schemars(with = "Option<rust_decimal::Decimal>"))]
            #[serde(default, with = "amount_serde::option")]
            optional: Option<Decimal>,
        }
        let w: Wrapper = serde_json::from_str(r#"{"amount": "19.99"}"#).unwrap();
        assert_eq!(w.amount, d("19.99"));
        assert_eq!(w.optional, None);
        let w: Wrapper = serde_json::from_str(r#"{"amount": 20, "optional": "1e2"}"#).unwrap();
        assert_eq!(w.amount, d("20"));
        assert_eq!(w.optional, Some(d("100")));
        let err = serde_json::from_str::<Wrapper>(r#"{"amount": 19.99}"#)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("floating-point amount"), "{err}");
        assert!(serde_json::from_str::<Wrapper>(r#"{"amount": "abc"}"#).is_err());
        // Padding, ASCII or not, is trimmed whichever way the ends are checked.
        for (text, expected) in [
            (" 19.99", "19.99"),
            ("19.99\n", "19.99"),
            ("\u{a0}19.99\u{2003}", "19.99"),
            ("\u{3000}-2.5E1", "-25"),
            ("7", "7"),
        ] {
            let json = serde_json::json!({ "amount": text }).to_string();
            let w: Wrapper = serde_json::from_str(&json).unwrap();
            assert_eq!(w.amount, d(expected), "{text:?}");
        }
        for bad in ["", " ", "1 9", "19.99x", "\u{a0}"] {
            let json = serde_json::json!({ "amount": bad }).to_string();
            assert!(serde_json::from_str::<Wrapper>(&json).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn fast_division_matches_i128_division_on_every_path() {
        let big = i128::from(i64::MAX) * 4 + 3;
        let values = [
            0,
            1,
            -1,
            7,
            -7,
            99_999_999,
            -150_000_001,
            i128::from(i64::MIN),
            big,
            -big,
        ];
        let divisors = [
            1,
            -1,
            2,
            -3,
            7,
            100_000_000,
            -100_000_000,
            big,
            i128::from(i64::MAX),
        ];
        for a in values {
            for b in divisors {
                assert_eq!(div_rem(a, b), (a / b, a % b), "{a} / {b}");
                if b > 0 {
                    assert_eq!(
                        div_floor(a, b),
                        (a.div_euclid(b), a.rem_euclid(b)),
                        "{a} / {b}"
                    );
                }
            }
        }
        assert_eq!(
            div_rem(i128::from(i64::MIN), -1),
            (-i128::from(i64::MIN), 0)
        );
    }
}
