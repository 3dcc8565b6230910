//! The one error type of ordercore, with stable string codes.
//!
//! Every binding maps [`Error::code`] to its own idiom (a Python exception class, a JS `Error`
//! with `.code`, a C status), so codes never change once published; new variants get new codes.

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in ordercore.
///
/// Validation errors carry the path of the offending input field (`lines[3].quantity`), in the
/// same spelling as the serialized input, so a host can point a user at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A field holds a value that is not allowed (zero quantity, negative price, empty sku, …).
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// Path of the offending field, e.g. `lines[2].quantity`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A currency code that is neither built in nor registered.
    #[error("unknown currency {currency:?} in {field}")]
    UnknownCurrency {
        /// Path of the offending field.
        field: String,
        /// The code as given.
        currency: String,
    },
    /// Two amounts in different currencies were combined.
    #[error("currency mismatch in {field}: expected {expected}, found {found}")]
    CurrencyMismatch {
        /// Path of the offending field (or the operation).
        field: String,
        /// The currency that was expected.
        expected: String,
        /// The currency that was found.
        found: String,
    },
    /// An amount has more decimal places than its currency's minor unit allows
    /// (typically a float-derived price such as `19.990000000000002`).
    #[error("{field} = {amount} has more than {minor_units} decimal places allowed by {currency}")]
    TooManyDecimals {
        /// Path of the offending field.
        field: String,
        /// The amount as given.
        amount: String,
        /// The currency.
        currency: String,
        /// Decimal places the currency allows.
        minor_units: u32,
    },
    /// Arithmetic left the representable decimal range.
    #[error("amount overflow in {field}")]
    AmountOverflow {
        /// Path of the field (or the computation) that overflowed.
        field: String,
    },
    /// A configured limit (lines per cart, quantity, string length, …) was exceeded.
    #[error("{field} exceeds the limit of {limit}")]
    LimitExceeded {
        /// Path of the offending field.
        field: String,
        /// The configured limit.
        limit: u64,
    },
    /// A host-provided component (tax provider, store, gateway) failed.
    #[error("{component} failed: {message}")]
    Provider {
        /// Which component failed (`tax_provider`, …).
        component: String,
        /// The component's own message.
        message: String,
    },
}

impl Error {
    /// The stable snake_case code of this error, identical in every binding.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } => "invalid_input",
            Error::UnknownCurrency { .. } => "unknown_currency",
            Error::CurrencyMismatch { .. } => "currency_mismatch",
            Error::TooManyDecimals { .. } => "too_many_decimals",
            Error::AmountOverflow { .. } => "amount_overflow",
            Error::LimitExceeded { .. } => "limit_exceeded",
            Error::Provider { .. } => "provider_error",
        }
    }

    /// Every code [`Error::code`] can return; bindings test that each one is mapped.
    pub const CODES: &'static [&'static str] = &[
        "invalid_input",
        "unknown_currency",
        "currency_mismatch",
        "too_many_decimals",
        "amount_overflow",
        "limit_exceeded",
        "provider_error",
    ];

    /// The path of the offending input field, where the error is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidInput { field, .. }
            | Error::UnknownCurrency { field, .. }
            | Error::CurrencyMismatch { field, .. }
            | Error::TooManyDecimals { field, .. }
            | Error::AmountOverflow { field }
            | Error::LimitExceeded { field, .. } => Some(field),
            Error::Provider { .. } => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error about another field (errors of helpers that do not know the input path).
    pub(crate) fn at(mut self, path: impl FnOnce() -> String) -> Self {
        match &mut self {
            Error::InvalidInput { field, .. }
            | Error::UnknownCurrency { field, .. }
            | Error::CurrencyMismatch { field, .. }
            | Error::TooManyDecimals { field, .. }
            | Error::AmountOverflow { field }
            | Error::LimitExceeded { field, .. } => *field = path(),
            Error::Provider { .. } => {}
        }
        self
    }

    pub(crate) fn overflow(field: impl Into<String>) -> Self {
        Error::AmountOverflow {
            field: field.into(),
        }
    }
}
