//! Runs the shared pricing vectors in `tests/vectors/pricing/` (the same files the Python, Node
//! and C suites read).
//!
//! A vector has `tax_rules`, `promotions`, `context` and `cart`, and a list of `cases`; a case may
//! override any of those four plus `config`, and expects either `expect` (a subset of the
//! serialized breakdown: every key given must match, arrays element by element with equal
//! length) or `expect_error` (`code` and `field`).

use std::path::PathBuf;
use std::sync::Arc;

use ordercore::pricing::{Cart, Pricer, PricingConfig, PricingContext};
use ordercore::promotion::Promotion;
use ordercore::tax::{TaxRule, TaxTable};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/pricing")
}

/// Checks that `actual` contains `expected`; returns the path of the first difference.
fn subset(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                let child = format!("{path}.{key}");
                let actual_value = a.get(key).ok_or_else(|| format!("{child}: missing"))?;
                subset(value, actual_value, &child)?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: expected {} elements, got {}: {actual}",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset(ev, av, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        _ if expected == actual => Ok(()),
        _ => Err(format!("{path}: expected {expected}, got {actual}")),
    }
}

fn run_case(vector: &Value, case: &Value) -> Result<(), String> {
    let pick = |key: &str| {
        case.get(key)
            .or_else(|| vector.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let config: PricingConfig = match case.get("config") {
        Some(c) => serde_json::from_value(c.clone()).map_err(|e| format!("config: {e}"))?,
        None => PricingConfig::default(),
    };
    let rules: Vec<TaxRule> =
        serde_json::from_value(pick("tax_rules")).map_err(|e| format!("tax_rules: {e}"))?;
    let promotions: Vec<Promotion> =
        serde_json::from_value(pick("promotions")).map_err(|e| format!("promotions: {e}"))?;
    let context: PricingContext =
        serde_json::from_value(pick("context")).map_err(|e| format!("context: {e}"))?;
    let cart: Cart = serde_json::from_value(pick("cart")).map_err(|e| format!("cart: {e}"))?;
    let result = TaxTable::new(rules)
        .and_then(|table| Pricer::new(config, promotions, Arc::new(table)))
        .and_then(|pricer| pricer.price(&cart, &context));
    match (case.get("expect"), case.get("expect_error"), result) {
        (Some(expect), _, Ok(breakdown)) => {
            let actual = serde_json::to_value(&breakdown).map_err(|e| e.to_string())?;
            subset(expect, &actual, "$")
        }
        (_, Some(expect), Err(error)) => {
            let actual = serde_json::json!({"code": error.code(), "field": error.field()});
            subset(expect, &actual, "$error")
        }
        (_, _, Ok(breakdown)) => Err(format!("expected an error, got {breakdown:?}")),
        (_, _, Err(error)) => Err(format!("unexpected error {}: {error}", error.code())),
    }
}

#[test]
fn shared_pricing_vectors_pass() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("tests/vectors/pricing exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 9,
        "expected the shared vectors, found {files:?}"
    );
    let mut failures = Vec::new();
    let mut cases = 0;
    for file in &files {
        let vector: Value = serde_json::from_str(&std::fs::read_to_string(file).expect("readable"))
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (i, case) in vector["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .enumerate()
        {
            cases += 1;
            if let Err(message) = run_case(&vector, case) {
                failures.push(format!(
                    "{} case {i}: {message}",
                    file.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_subset_matcher_catches_differences() {
    let actual = serde_json::json!({"a": "1.00", "b": [{"c": 1}, {"c": 2}]});
    assert!(subset(&serde_json::json!({"a": "1.00"}), &actual, "$").is_ok());
    assert!(subset(&serde_json::json!({"a": "1.0"}), &actual, "$").is_err());
    assert!(subset(&serde_json::json!({"b": [{"c": 1}]}), &actual, "$").is_err());
    assert!(subset(&serde_json::json!({"b": [{}, {"c": 3}]}), &actual, "$").is_err());
    assert!(subset(&serde_json::json!({"z": null}), &actual, "$").is_err());
}
