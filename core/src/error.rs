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
///
/// Serialized as an object whose `code` is [`Error::code`] and whose other keys are the variant's
/// fields: the shape every binding exposes as error details.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "code", rename_all = "snake_case")]
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
    /// No such order, payment, shipment, return or stock item — or one the actor may not see.
    #[error("{entity} {id:?} not found")]
    NotFound {
        /// What was looked for (`order`, `stock`, `product`, …).
        entity: String,
        /// Its id.
        id: String,
    },
    /// The actor may not do this.
    #[error("{actor} may not {action}")]
    Forbidden {
        /// The action refused.
        action: String,
        /// Who tried.
        actor: String,
    },
    /// The action is not allowed in the current state.
    #[error(
        "cannot {action} {} {entity} that is {state}; allowed: {allowed:?}",
        article(entity)
    )]
    InvalidTransition {
        /// `order`, `payment`, `shipment` or `return`.
        entity: String,
        /// Its current state.
        state: String,
        /// The action refused.
        action: String,
        /// The actions allowed in this state.
        allowed: Vec<String>,
    },
    /// Not enough stock to reserve.
    #[error("insufficient stock for {sku}: requested {requested}, available {available}")]
    InsufficientStock {
        /// The sku.
        sku: String,
        /// Units asked for (all lines of the sku together).
        requested: i64,
        /// Units available over all locations.
        available: i64,
    },
    /// Another writer changed a document first; the engine retries a bounded number of times
    /// before reporting this.
    #[error("version conflict on {key}")]
    VersionConflict {
        /// The document that changed.
        key: String,
    },
    /// The idempotency key was used before with a different request.
    #[error("idempotency key {key:?} was used with a different request")]
    IdempotencyConflict {
        /// The key.
        key: String,
    },
    /// The payment provider declined.
    #[error("payment declined: {reason}")]
    PaymentDeclined {
        /// The provider's reason.
        reason: String,
    },
    /// The payment provider could not be reached or timed out; retrying the same command with
    /// the same idempotency key is safe (the provider sees the same provider key).
    #[error("payment gateway unavailable: {message}")]
    GatewayUnavailable {
        /// The provider's message.
        message: String,
    },
    /// A refund larger than what remains captured.
    #[error("refund of {requested} exceeds the {refundable} still refundable")]
    RefundExceedsCaptured {
        /// Amount asked for.
        requested: String,
        /// Captured minus refunded.
        refundable: String,
    },
    /// A capture larger than what remains authorized.
    #[error("capture of {requested} exceeds the {capturable} still capturable")]
    CaptureExceedsAuthorized {
        /// Amount asked for.
        requested: String,
        /// Authorized minus captured.
        capturable: String,
    },
    /// A coupon code entered at checkout that does not apply.
    #[error("coupon {coupon:?} does not apply: {reason}")]
    CouponRejected {
        /// The code as entered.
        coupon: String,
        /// The rejection reason code (`expired`, `usage_limit_reached`, …).
        reason: String,
    },
    /// A webhook whose signature or timestamp does not verify.
    #[error("invalid webhook signature: {message}")]
    InvalidSignature {
        /// What did not verify.
        message: String,
    },
    /// A host-provided component (tax provider, store, gateway) failed.
    #[error("{component} failed: {message}")]
    #[serde(rename = "provider_error")]
    Provider {
        /// Which component failed (`tax_provider`, …).
        component: String,
        /// The component's own message.
        message: String,
    },
}

/// "an order", "a payment": the article English puts before `noun`.
fn article(noun: &str) -> &'static str {
    match noun.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o' | b'u') => "an",
        _ => "a",
    }
}

/// Declares [`ErrorCode`]: each code's variant, number and string, written once.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $number:literal => $code:literal,)*) => {
        /// The stable code of an [`Error`]: its string (what every binding shows: a Python
        /// exception's `code`, a JS `Error`'s `.code`) and its number (the C status). Both are
        /// fixed once published and never reused; a new error gets the next number.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant = $number,)*
        }

        impl ErrorCode {
            /// Every code, in number order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];
            /// Every code's string, in number order.
            pub const STRINGS: &'static [&'static str] = &[$($code,)*];

            /// The snake_case string.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }
        }
    };
}

error_codes! {
    /// `invalid_input`: A field holds a value that is not allowed.
    InvalidInput = 1 => "invalid_input",
    /// `unknown_currency`: A currency neither built in nor registered.
    UnknownCurrency = 2 => "unknown_currency",
    /// `currency_mismatch`: Amounts in different currencies were combined.
    CurrencyMismatch = 3 => "currency_mismatch",
    /// `too_many_decimals`: An amount more precise than its currency.
    TooManyDecimals = 4 => "too_many_decimals",
    /// `amount_overflow`: Arithmetic left the decimal range.
    AmountOverflow = 5 => "amount_overflow",
    /// `limit_exceeded`: A configured limit was exceeded.
    LimitExceeded = 6 => "limit_exceeded",
    /// `not_found`: No such thing, or one the actor may not see.
    NotFound = 7 => "not_found",
    /// `forbidden`: The actor may not do this.
    Forbidden = 8 => "forbidden",
    /// `invalid_transition`: The action is not allowed in the current state.
    InvalidTransition = 9 => "invalid_transition",
    /// `insufficient_stock`: Not enough stock to reserve.
    InsufficientStock = 10 => "insufficient_stock",
    /// `version_conflict`: Another writer changed a document first (after the engine's retries).
    VersionConflict = 11 => "version_conflict",
    /// `idempotency_conflict`: The idempotency key was used with another request.
    IdempotencyConflict = 12 => "idempotency_conflict",
    /// `payment_declined`: The payment provider declined.
    PaymentDeclined = 13 => "payment_declined",
    /// `gateway_unavailable`: The payment provider could not be reached: retry with the same key.
    GatewayUnavailable = 14 => "gateway_unavailable",
    /// `refund_exceeds_captured`: A refund larger than what remains captured.
    RefundExceedsCaptured = 15 => "refund_exceeds_captured",
    /// `capture_exceeds_authorized`: A capture larger than what remains authorized.
    CaptureExceedsAuthorized = 16 => "capture_exceeds_authorized",
    /// `coupon_rejected`: A coupon entered at checkout does not apply.
    CouponRejected = 17 => "coupon_rejected",
    /// `invalid_signature`: A webhook whose signature or timestamp does not verify.
    InvalidSignature = 18 => "invalid_signature",
    /// `provider_error`: A host component (store, gateway, tax service) failed.
    Provider = 19 => "provider_error",
}

impl ErrorCode {
    /// The number (the C status).
    pub const fn number(self) -> u16 {
        self as u16
    }

    /// The code whose string is `code`.
    pub fn parse(code: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_str() == code)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// This error's code.
    pub fn kind(&self) -> ErrorCode {
        match self {
            Error::InvalidInput { .. } => ErrorCode::InvalidInput,
            Error::UnknownCurrency { .. } => ErrorCode::UnknownCurrency,
            Error::CurrencyMismatch { .. } => ErrorCode::CurrencyMismatch,
            Error::TooManyDecimals { .. } => ErrorCode::TooManyDecimals,
            Error::AmountOverflow { .. } => ErrorCode::AmountOverflow,
            Error::LimitExceeded { .. } => ErrorCode::LimitExceeded,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Forbidden { .. } => ErrorCode::Forbidden,
            Error::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            Error::InsufficientStock { .. } => ErrorCode::InsufficientStock,
            Error::VersionConflict { .. } => ErrorCode::VersionConflict,
            Error::IdempotencyConflict { .. } => ErrorCode::IdempotencyConflict,
            Error::PaymentDeclined { .. } => ErrorCode::PaymentDeclined,
            Error::GatewayUnavailable { .. } => ErrorCode::GatewayUnavailable,
            Error::RefundExceedsCaptured { .. } => ErrorCode::RefundExceedsCaptured,
            Error::CaptureExceedsAuthorized { .. } => ErrorCode::CaptureExceedsAuthorized,
            Error::CouponRejected { .. } => ErrorCode::CouponRejected,
            Error::InvalidSignature { .. } => ErrorCode::InvalidSignature,
            Error::Provider { .. } => ErrorCode::Provider,
        }
    }

    /// The stable snake_case code of this error, identical in every binding.
    pub fn code(&self) -> &'static str {
        self.kind().as_str()
    }

    /// Every code [`Error::code`] can return; bindings test that each one is mapped.
    pub const CODES: &'static [&'static str] = ErrorCode::STRINGS;

    /// An error of `code` with placeholder details: for bindings' tests that every code maps
    /// to their idiom (a status, an exception class).
    #[doc(hidden)]
    pub fn sample(code: ErrorCode) -> Error {
        let text = || String::from("x");
        match code {
            ErrorCode::InvalidInput => Error::invalid("field", "message"),
            ErrorCode::UnknownCurrency => Error::UnknownCurrency {
                field: text(),
                currency: text(),
            },
            ErrorCode::CurrencyMismatch => Error::CurrencyMismatch {
                field: text(),
                expected: text(),
                found: text(),
            },
            ErrorCode::TooManyDecimals => Error::TooManyDecimals {
                field: text(),
                amount: text(),
                currency: text(),
                minor_units: 2,
            },
            ErrorCode::AmountOverflow => Error::overflow("field"),
            ErrorCode::LimitExceeded => Error::LimitExceeded {
                field: text(),
                limit: 1,
            },
            ErrorCode::NotFound => Error::not_found("order", "x"),
            ErrorCode::Forbidden => Error::Forbidden {
                action: text(),
                actor: text(),
            },
            ErrorCode::InvalidTransition => Error::InvalidTransition {
                entity: text(),
                state: text(),
                action: text(),
                allowed: vec![],
            },
            ErrorCode::InsufficientStock => Error::InsufficientStock {
                sku: text(),
                requested: 2,
                available: 1,
            },
            ErrorCode::VersionConflict => Error::VersionConflict { key: text() },
            ErrorCode::IdempotencyConflict => Error::IdempotencyConflict { key: text() },
            ErrorCode::PaymentDeclined => Error::PaymentDeclined { reason: text() },
            ErrorCode::GatewayUnavailable => Error::GatewayUnavailable { message: text() },
            ErrorCode::RefundExceedsCaptured => Error::RefundExceedsCaptured {
                requested: text(),
                refundable: text(),
            },
            ErrorCode::CaptureExceedsAuthorized => Error::CaptureExceedsAuthorized {
                requested: text(),
                capturable: text(),
            },
            ErrorCode::CouponRejected => Error::CouponRejected {
                coupon: text(),
                reason: text(),
            },
            ErrorCode::InvalidSignature => Error::InvalidSignature { message: text() },
            ErrorCode::Provider => Error::Provider {
                component: text(),
                message: text(),
            },
        }
    }

    /// The path of the offending input field, where the error is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidInput { field, .. }
            | Error::UnknownCurrency { field, .. }
            | Error::CurrencyMismatch { field, .. }
            | Error::TooManyDecimals { field, .. }
            | Error::AmountOverflow { field }
            | Error::LimitExceeded { field, .. } => Some(field),
            _ => None,
        }
    }

    /// An `invalid_input` error about `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
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
            _ => {}
        }
        self
    }

    pub(crate) fn not_found(entity: &str, id: &str) -> Self {
        Error::NotFound {
            entity: entity.to_string(),
            id: id.to_string(),
        }
    }

    pub(crate) fn overflow(field: impl Into<String>) -> Self {
        Error::AmountOverflow {
            field: field.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each code's serialized tag (serde's, from the variant's name) is its string, numbers
    /// are 1, 2, 3, … with none skipped, and a sample of each code is that code.
    #[test]
    fn every_code_is_one_string_and_one_number() {
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(usize::from(code.number()), i + 1, "{code}");
            let sample = Error::sample(*code);
            assert_eq!(sample.kind(), *code);
            assert_eq!(
                serde_json::to_value(&sample).unwrap()["code"],
                code.as_str()
            );
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
        }
        assert_eq!(Error::CODES.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn messages_read_as_english() {
        let refused = |entity: &str| Error::InvalidTransition {
            entity: entity.into(),
            state: "shipped".into(),
            action: "cancel".into(),
            allowed: vec![],
        };
        assert!(
            refused("order")
                .to_string()
                .starts_with("cannot cancel an order that is shipped")
        );
        assert!(
            refused("payment")
                .to_string()
                .starts_with("cannot cancel a payment that is")
        );
    }

    #[test]
    fn serialized_errors_carry_their_code() {
        let errors = [
            Error::invalid("lines[0].quantity", "must be at least 1"),
            Error::not_found("order", "ord_1"),
            Error::Provider {
                component: "tax_provider".into(),
                message: "down".into(),
            },
            Error::InvalidTransition {
                entity: "order".into(),
                state: "shipped".into(),
                action: "cancel".into(),
                allowed: vec!["deliver".into()],
            },
        ];
        for error in errors {
            let value = serde_json::to_value(&error).unwrap();
            assert_eq!(value["code"], error.code());
            let back: Error = serde_json::from_value(value).unwrap();
            assert_eq!(back, error);
            assert!(Error::CODES.contains(&error.code()));
        }
    }
}
