//! The JSON façade: the whole engine behind JSON strings, for bindings that speak JSON (the C
//! ABI, and any host without a native binding).
//!
//! Every call takes JSON text and answers JSON text; an error is the serialized [`Error`]
//! (`{"code": "insufficient_stock", "sku": …, "message": "…"}`), the same shape in every
//! language. Amounts are decimal strings; a JSON float where an amount belongs is refused.
//!
//! `engine` holds [`JsonEngine`], `pricer` [`JsonPricer`] and [`price_request`]; this file the
//! parsing and error documents they share.

mod engine;
mod fields;
mod pricer;

use serde::de::DeserializeOwned;

pub use crate::engine::{EngineSpec as JsonConfig, Plugins};
use crate::error::{Error, Result};
pub use engine::{JsonEngine, command_value_json, output_json, query_value_json};
pub use fields::{field_json, field_names};
pub use pricer::{JsonPricer, price_request};

/// The keys under which the JSON documents of ordercore carry decimal amounts (as strings):
/// bindings whose language has a decimal type (Python's `decimal.Decimal`) convert exactly these.
/// A test checks the list against real orders, breakdowns and events.
pub const AMOUNT_FIELDS: &[&str] = &[
    "amount",
    "amount_due",
    "authorized",
    "base",
    "captured",
    "credit_applied",
    "credit_balance",
    "credit_carried",
    "discount",
    "discount_total",
    "exact",
    "free_over",
    "grand_total",
    "items_amount",
    "min_subtotal",
    "net",
    "percentage",
    "refund_amount",
    "refunded",
    "released",
    "restocking_fee",
    "setup_fee",
    "shipping_amount",
    "shipping_total",
    "subtotal",
    "tax",
    "tax_total",
    "total",
    "unit_amount",
    "unit_price",
    "up_to_kg",
    "weight",
];

/// Parses `text` as `T`. An error names the offending field by its path in the document
/// (`lines[0].unit_price`), or `what` when the document as a whole is wrong.
pub fn parse<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    // Tracking paths costs on every field; a valid document (the usual case) skips it, and an
    // invalid one is parsed again with tracking to name its field.
    if let Ok(value) = serde_json::from_str(text) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| path_error(e, what))?;
    deserializer
        .end()
        .map_err(|e| Error::invalid(what, e.to_string()))?;
    Ok(value)
}

fn path_error(error: serde_path_to_error::Error<serde_json::Error>, what: &str) -> Error {
    let field = field_name(error.path(), what);
    let inner = error.into_inner();
    // Broken JSON is the document's fault as a whole; a wrong value is its field's.
    let field = if inner.is_syntax() || inner.is_eof() {
        what.to_string()
    } else {
        field
    };
    Error::invalid(field, inner.to_string())
}

/// The field a deserialization error names: its path (`lines[0].sku`), or `what` (the whole
/// document) when the path is empty. A trailing key that could not be read (serde_path_to_error's
/// `?`) is left out: the error is then the map's. Bindings that read native objects through
/// serde name fields with it too, so every language names them alike.
pub fn field_name(path: &serde_path_to_error::Path, what: &str) -> String {
    use serde_path_to_error::Segment;
    let segments: Vec<&Segment> = path.iter().collect();
    let known = match segments.split_last() {
        Some((Segment::Unknown, rest)) => rest,
        _ => &segments[..],
    };
    let mut field = String::new();
    for segment in known {
        let name = match segment {
            Segment::Seq { index } => {
                field.push_str(&format!("[{index}]"));
                continue;
            }
            Segment::Map { key } => key.as_str(),
            Segment::Enum { variant } => variant.as_str(),
            Segment::Unknown => "?",
        };
        if !field.is_empty() {
            field.push('.');
        }
        field.push_str(name);
    }
    if field.is_empty() {
        what.to_string()
    } else {
        field
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::invalid("output", e.to_string()))
}

/// The JSON document of an error: its fields, its `code` and a human `message`.
pub fn error_json(error: &Error) -> String {
    error_document(error).to_string()
}

/// The error's document: `code`, the variant's fields, and `message` (its explanation).
pub fn error_document(error: &Error) -> serde_json::Value {
    let mut value =
        serde_json::to_value(error).unwrap_or_else(|_| serde_json::json!({"code": error.code()}));
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "message".into(),
            serde_json::Value::String(error.to_string()),
        );
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn an_error_names_its_field_and_a_bad_key_names_its_map() {
        use std::collections::BTreeMap;
        #[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Kind {
            Tee,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code, reason = "read to check the document's shape, never used")]
        struct Doc {
            lines: Vec<BTreeMap<Kind, u8>>,
            #[serde(default)]
            counts: BTreeMap<String, u8>,
        }
        let field = |text: &str| {
            parse::<Doc>(text, "doc")
                .unwrap_err()
                .field()
                .map(str::to_string)
        };
        let value = r#"{"lines": [], "counts": {"tee": "a"}}"#;
        assert_eq!(field(value).as_deref(), Some("counts.tee"));
        // A key that is not one of the map's: the error is the map's, not `lines[1].?`.
        assert_eq!(
            field(r#"{"lines": [{"tee": 2}, {"mug": 3}]}"#).as_deref(),
            Some("lines[1]")
        );
        assert_eq!(field(r#"{"lines": 5}"#).as_deref(), Some("lines"));
        assert_eq!(field(r#"{"lines": [}"#).as_deref(), Some("doc"));
        let top = parse::<BTreeMap<Kind, u8>>(r#"{"mug": 1}"#, "doc").unwrap_err();
        assert_eq!(top.field(), Some("doc"));
    }

    #[test]
    fn errors_are_json_with_code_fields_and_message() {
        let engine = JsonEngine::new("{}").unwrap();
        let err = engine
            .execute(r#"{"type": "system"}"#, r#"{"command": "nope"}"#, None)
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert_eq!(err.field(), Some("command"));
        let json: serde_json::Value = serde_json::from_str(&error_json(&err)).unwrap();
        assert_eq!(json["code"], "invalid_input");
        assert_eq!(json["field"], "command");
        assert!(json["message"].as_str().unwrap().contains("command"));
        // An unknown key is named by its path.
        assert_eq!(
            JsonEngine::new("{\"bogus\": 1}").unwrap_err().field(),
            Some("bogus")
        );
        assert_eq!(
            engine
                .set_clock("2026-01-01T00:00:00Z")
                .unwrap_err()
                .field(),
            Some("clock")
        );
        let float = price_request(r#"{"cart": {"currency": "USD", "lines": [{"sku": "A", "unit_price": 1.5, "quantity": 1}]}}"#).unwrap_err();
        assert!(float.to_string().contains("floating-point"), "{float}");
    }
}
