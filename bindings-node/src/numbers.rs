//! The exact-conversion rule for JavaScript's numbers: a JS host may hand over a double where
//! an amount belongs; this makes it exact decimal text or refuses it, naming the field. Node's
//! rule alone (Python and C pass decimal text), so it lives here rather than in the core.

use ordercore::json::{AMOUNT_FIELDS, parse};
use ordercore::{Error, Result};

/// The exact-conversion rule for hosts whose numbers are binary doubles (JavaScript).
///
/// Amounts belong in JSON as decimal strings. A host language that only has doubles may still
/// hand over a number where an amount belongs (a key of [`AMOUNT_FIELDS`]); this rule makes that
/// exact or refuses it:
/// - a non-integer number becomes the shortest decimal text that reads back as the same double —
///   the text the host itself prints for it (`19.99` → `"19.99"`, `0.1 + 0.2` →
///   `"0.30000000000000004"`); the core's usual checks then apply, so a price with more decimals
///   than its currency allows is `too_many_decimals`;
/// - an integer is kept if it is within ±2⁵³ (every such integer is exact as a double); a larger
///   one, or a number in exponent form (`1e21`, `1e-7`), is `invalid_input` naming the field.
///
/// Numbers under other keys are left alone (quantities are integers; a fraction there is refused
/// by the document's own type). Text without any fraction, exponent or long integer comes back
/// unchanged and unparsed, so the common case (amounts already strings) costs one scan.
pub fn amounts_from_doubles<'a>(text: &'a str, what: &str) -> Result<std::borrow::Cow<'a, str>> {
    use serde_json::Value;
    if !has_inexact_number(text) {
        return Ok(std::borrow::Cow::Borrowed(text));
    }
    fn walk(value: &mut Value, key: Option<&str>, path: &mut String) -> Result<()> {
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    walk(v, Some(k), path)?;
                    path.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter_mut().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(v, key, path)?;
                    path.truncate(len);
                }
            }
            Value::Number(number) if key.is_some_and(|k| AMOUNT_FIELDS.contains(&k)) => {
                const SAFE: u64 = 1 << 53;
                let exact_integer = number
                    .as_u64()
                    .map(|n| n <= SAFE)
                    .or_else(|| number.as_i64().map(|n| n.unsigned_abs() <= SAFE));
                match exact_integer {
                    Some(true) => {}
                    Some(false) => {
                        return Err(Error::invalid(
                            path.clone(),
                            format!(
                                "{number} is beyond ±2^53 and not exact as a number; pass a decimal string"
                            ),
                        ));
                    }
                    None => {
                        let shortest = number.to_string();
                        if shortest.contains(['e', 'E']) {
                            return Err(Error::invalid(
                                path.clone(),
                                format!(
                                    "{shortest} has no exact decimal form here; pass a decimal string"
                                ),
                            ));
                        }
                        *value = Value::String(shortest);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
    let mut value: Value = parse(text, what)?;
    let mut path = String::new();
    walk(&mut value, None, &mut path)?;
    let text = serde_json::to_string(&value).map_err(|e| Error::invalid(what, e.to_string()))?;
    Ok(std::borrow::Cow::Owned(text))
}

/// Whether a JSON text has a number token with a fraction, an exponent or more than 15 digits
/// (outside strings): the only numbers [`amounts_from_doubles`] may have to rewrite or refuse.
fn has_inexact_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // Strings are most of a cart's text: jump to the next quote or escape.
                i += 1;
                loop {
                    match bytes
                        .get(i..)
                        .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
                    {
                        Some(found) if bytes[i + found] == b'"' => {
                            i += found + 1;
                            break;
                        }
                        Some(found) => i += found + 2,
                        // Unterminated: nothing left to scan.
                        None => {
                            i = bytes.len();
                            break;
                        }
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'0'..=b'9' | b'.' | b'e' | b'E')
                {
                    if matches!(bytes[i], b'.' | b'e' | b'E') {
                        return true;
                    }
                    i += 1;
                }
                if i - start > 15 {
                    return true;
                }
            }
            _ => i += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use ordercore::json::JsonPricer;

    #[test]
    fn numbers_from_double_hosts_become_exact_decimal_text_or_are_refused() -> Result<()> {
        let same = r#"{"unit_price": "19.99", "quantity": 3, "note": "1.5e3"}"#;
        assert!(matches!(
            amounts_from_doubles(same, "cart")?,
            std::borrow::Cow::Borrowed(_)
        ));
        let text =
            r#"{"lines": [{"unit_price": 19.99, "quantity": 3, "weight": 0.25}], "amount": 20}"#;
        let fixed: serde_json::Value = parse(&amounts_from_doubles(text, "cart")?, "fixed")?;
        assert_eq!(fixed["lines"][0]["unit_price"], "19.99");
        assert_eq!(fixed["lines"][0]["weight"], "0.25");
        assert_eq!(fixed["lines"][0]["quantity"], 3);
        assert_eq!(fixed["amount"], 20);
        // 0.1 + 0.2 keeps every digit of the double: the currency check refuses it later.
        let sum = amounts_from_doubles(r#"{"amount": 0.30000000000000004}"#, "c")?;
        assert!(sum.contains(r#""0.30000000000000004""#), "{sum}");
        let error =
            amounts_from_doubles(r#"{"lines": [{"unit_price": 1e21}]}"#, "cart").unwrap_err();
        assert_eq!(error.code(), "invalid_input");
        assert_eq!(error.field(), Some("lines[0].unit_price"));
        let error = amounts_from_doubles(r#"{"amount": 9007199254740993}"#, "command").unwrap_err();
        assert_eq!(error.field(), Some("amount"));
        assert!(amounts_from_doubles(r#"{"amount": 9007199254740992}"#, "c").is_ok());
        // A fraction where an integer belongs is left for the document's type to refuse.
        let quantity = amounts_from_doubles(r#"{"quantity": 1.5}"#, "c")?;
        assert!(quantity.contains("1.5") && !quantity.contains(r#""1.5""#));
        Ok(())
    }

    #[test]
    fn the_number_scan_skips_strings_and_their_escapes() {
        // Digits, dots and quotes inside strings are not numbers.
        assert!(!has_inexact_number(
            r#"{"name": "a \" 1.5 \\", "amount": 2}"#
        ));
        assert!(!has_inexact_number(r#"{"a": "\\\"1e5\"", "b": [1, -2]}"#));
        // An escaped backslash ends right before the closing quote: what follows is scanned.
        assert!(has_inexact_number(r#"{"name": "x\\", "amount": 1.5}"#));
        assert!(has_inexact_number(r#"{"amount": 1234567890123456}"#));
        // Unterminated or cut text: no panic, and the parser refuses it afterwards.
        assert!(!has_inexact_number(r#"{"name": "abc"#));
        assert!(!has_inexact_number(r#"{"name": "abc\"#));
        assert!(amounts_from_doubles(r#"{"name": "abc\"#, "c").is_ok());
    }

    /// Whether a parsed document holds a number the scan must report (a fraction, an exponent
    /// or more than 15 digits).
    fn holds_inexact_number(value: &serde_json::Value) -> bool {
        use serde_json::Value;
        match value {
            Value::Number(n) => n.is_f64() || n.to_string().trim_start_matches('-').len() > 15,
            Value::Array(items) => items.iter().any(holds_inexact_number),
            Value::Object(map) => map.values().any(holds_inexact_number),
            _ => false,
        }
    }

    fn json_document() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        use serde_json::{Value, json};
        let leaf = prop_oneof![
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            (-1e6f64..1e6).prop_map(|f| json!(f)),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| json!(f)),
            // Doubles written with an exponent and no fraction (`1e21`, `5e-7`).
            (1u8..10, prop_oneof![-300i32..-6, 16i32..300])
                .prop_map(|(m, e)| json!(format!("{m}e{e}").parse::<f64>().unwrap_or(1.5))),
            // Strings full of what the scan must skip: quotes, backslashes, digits, dots, e.
            "[a-e0-9.\\\"\\-]{0,12}".prop_map(Value::String),
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("amount".to_string()),
                        Just("unit_price".to_string()),
                        "[a-z\\\"0-9.]{0,6}"
                    ],
                    inner,
                    0..6
                )
                .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3_000, failure_persistence: None, ..Default::default() })]

        /// The quick scan never misses a number `amounts_from_doubles` must rewrite or refuse
        /// (else a double would slip through as an amount), and no text — cut anywhere, or
        /// arbitrary — makes the scan, the rewrite or a pricer panic.
        #[test]
        fn the_number_scan_misses_no_inexact_number_and_nothing_panics(
            document in json_document(),
            cut in 0usize..400,
            noise in "[ -~]{0,60}",
        ) {
            let text = document.to_string();
            if holds_inexact_number(&document) {
                proptest::prop_assert!(has_inexact_number(&text), "{text}");
            }
            let pricer = JsonPricer::new("{}");
            proptest::prop_assert!(pricer.is_ok());
            let cut_text = text.get(..cut.min(text.len())).unwrap_or_default();
            for candidate in [text.as_str(), cut_text, noise.as_str()] {
                let _ = has_inexact_number(candidate);
                let _ = amounts_from_doubles(candidate, "cart");
                if let Ok(pricer) = &pricer {
                    let _ = pricer.price(candidate, "");
                }
            }
        }
    }
}
