//! One test per pricing rule not already pinned down by the shared vectors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ordercore::money::Currency;
use ordercore::pricing::{Cart, PriceBreakdown, Pricer, PricingConfig, PricingContext};
use ordercore::promotion::{Promotion, RejectionReason};
use ordercore::tax::{TaxProvider, TaxQuery, TaxRate, TaxTable};
use ordercore::{Decimal, Error};
use serde_json::{Value, json};

fn cart(value: Value) -> Cart {
    serde_json::from_value(value).expect("valid cart json")
}

fn promotions(value: Value) -> Vec<Promotion> {
    serde_json::from_value(value).expect("valid promotions json")
}

fn pricer(promos: Value, rules: Value) -> Pricer {
    let table = TaxTable::new(serde_json::from_value(rules).unwrap()).unwrap();
    Pricer::new(
        PricingConfig::default(),
        promotions(promos),
        Arc::new(table),
    )
    .unwrap()
}

fn at(time: &str) -> PricingContext {
    PricingContext::at(time.parse().unwrap())
}

fn reasons(b: &PriceBreakdown) -> Vec<(String, RejectionReason)> {
    b.not_applied
        .iter()
        .map(|n| {
            (
                n.promotion_id.as_deref().unwrap_or("").to_string(),
                n.reason,
            )
        })
        .collect()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn simple_cart() -> Value {
    json!({"currency": "USD", "lines": [{"sku": "A", "unit_price": "10.00", "quantity": 2, "category": "c"}]})
}

#[test]
fn conditions_reject_with_coded_reasons() {
    let p = pricer(
        json!([
            {"id": "later", "effect": {"type": "percentage", "percentage": "10"},
             "conditions": {"starts_at": "2027-01-01T00:00:00Z"}},
            {"id": "vip", "effect": {"type": "percentage", "percentage": "10"},
             "conditions": {"customer_groups": ["vip"]}},
            {"id": "first", "effect": {"type": "percentage", "percentage": "10"},
             "conditions": {"first_order_only": true}},
            {"id": "per-customer", "effect": {"type": "percentage", "percentage": "10"},
             "usage_limit_per_customer": 1},
            {"id": "three-units", "effect": {"type": "percentage", "percentage": "10"},
             "target": {"type": "lines", "categories": ["c"]}, "conditions": {"min_quantity": 3}},
            {"id": "euro", "currency": "EUR", "effect": {"type": "fixed_amount", "amount": "1.00"}}
        ]),
        json!([]),
    );
    let mut c = cart(simple_cart());
    c.customer.previous_orders = 2;
    let b = p.price(&c, &at("2026-06-01T00:00:00Z")).unwrap();
    let mut got = reasons(&b);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("euro".into(), RejectionReason::CurrencyMismatch),
            ("first".into(), RejectionReason::FirstOrderOnly),
            ("later".into(), RejectionReason::NotStarted),
            ("per-customer".into(), RejectionReason::CustomerRequired),
            ("three-units".into(), RejectionReason::MinQuantityNotMet),
            ("vip".into(), RejectionReason::CustomerGroupNotEligible),
        ]
    );
    assert_eq!(b.discount_total, d("0.00"));
    assert_eq!(
        RejectionReason::MinQuantityNotMet.code(),
        "min_quantity_not_met"
    );

    // The same cart meeting every condition gets all the non-exclusive ones.
    c.customer.previous_orders = 0;
    c.customer.id = Some("c1".into());
    c.customer.groups = vec!["vip".into()];
    c.lines[0].quantity = 3;
    let b = p.price(&c, &at("2027-06-01T00:00:00Z")).unwrap();
    let applied: Vec<&str> = b.promotions.iter().map(|p| &*p.promotion_id).collect();
    assert_eq!(
        applied,
        ["first", "later", "per-customer", "three-units", "vip"]
    );
}

#[test]
fn exclusive_promotion_applied_first_blocks_the_rest() {
    let p = pricer(
        json!([
            {"id": "exclusive", "priority": 9, "exclusive": true, "effect": {"type": "percentage", "percentage": "50"}},
            {"id": "normal", "effect": {"type": "percentage", "percentage": "10"}}
        ]),
        json!([]),
    );
    let b = p
        .price(&cart(simple_cart()), &at("2026-06-01T00:00:00Z"))
        .unwrap();
    assert_eq!(b.discount_total, d("10.00"));
    assert_eq!(
        reasons(&b),
        vec![("normal".into(), RejectionReason::NotCombinable)]
    );
}

#[test]
fn combinable_with_must_allow_both_ways() {
    let p = pricer(
        json!([
            {"id": "a", "priority": 3, "combinable_with": ["b"], "effect": {"type": "percentage", "percentage": "10"}},
            {"id": "b", "priority": 2, "effect": {"type": "percentage", "percentage": "10"}},
            {"id": "c", "priority": 1, "effect": {"type": "percentage", "percentage": "10"}}
        ]),
        json!([]),
    );
    let b = p
        .price(&cart(simple_cart()), &at("2026-06-01T00:00:00Z"))
        .unwrap();
    // a (2.00 of 20.00), then b on the 18.00 left (1.80); c is not in a's list.
    assert_eq!(b.discount_total, d("3.80"));
    assert_eq!(
        reasons(&b),
        vec![("c".into(), RejectionReason::NotCombinable)]
    );
}

#[test]
fn tax_inclusive_with_combined_rates_splits_one_rounded_tax() {
    let p = pricer(
        json!([]),
        json!([
            {"id": "gst", "name": "GST", "country": "CA", "percentage": "5", "combinable": true},
            {"id": "pst", "name": "PST", "country": "CA", "region": "BC", "percentage": "7", "combinable": true}
        ]),
    );
    let b = p
        .price(
            &cart(json!({"currency": "CAD", "prices_include_tax": true,
                "address": {"country": "CA", "region": "BC"},
                "lines": [{"sku": "A", "unit_price": "11.20", "quantity": 1}]})),
            &at("2026-06-01T00:00:00Z"),
        )
        .unwrap();
    // 11.20 × 12/112 = 1.20, split 5:7 → 0.50 + 0.70; net 10.00.
    let line = &b.lines[0];
    assert_eq!(line.tax, d("1.20"));
    assert_eq!(line.net, d("10.00"));
    let parts: Vec<Decimal> = line.tax_lines.iter().map(|t| t.amount).collect();
    assert_eq!(parts, vec![d("0.50"), d("0.70")]);
    assert_eq!(b.grand_total, d("11.20"));
}

#[test]
fn no_address_means_no_tax_and_exempt_class_is_untaxed() {
    let p = pricer(
        json!([]),
        json!([{"id": "us", "name": "US", "country": "US", "percentage": "10"}]),
    );
    let b = p
        .price(&cart(simple_cart()), &at("2026-06-01T00:00:00Z"))
        .unwrap();
    assert_eq!(b.tax_total, d("0.00"));
    let b = p
        .price(
            &cart(
                json!({"currency": "USD", "address": {"country": "US"}, "lines": [
                {"sku": "A", "unit_price": "10.00", "quantity": 1, "tax_class": "exempt"},
                {"sku": "B", "unit_price": "10.00", "quantity": 1}]}),
            ),
            &at("2026-06-01T00:00:00Z"),
        )
        .unwrap();
    assert!(b.lines[0].tax_lines.is_empty());
    assert_eq!(b.lines[1].tax, d("1.00"));
}

struct CountingProvider {
    calls: AtomicUsize,
    fail: bool,
}

impl TaxProvider for CountingProvider {
    fn rates(&self, query: &TaxQuery<'_>) -> ordercore::Result<Vec<TaxRate>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail {
            return Err(Error::Provider {
                component: "tax_provider".into(),
                message: "service unavailable".into(),
            });
        }
        Ok(vec![TaxRate {
            id: format!("ext-{}", query.tax_class.name()).into(),
            name: "external".into(),
            jurisdiction: query.address.country.as_str().into(),
            percentage: Decimal::from(10),
        }])
    }
}

#[test]
fn a_host_tax_provider_is_asked_once_per_class_and_its_errors_propagate() {
    let provider = Arc::new(CountingProvider {
        calls: AtomicUsize::new(0),
        fail: false,
    });
    let p = Pricer::new(PricingConfig::default(), vec![], provider.clone()).unwrap();
    let c = cart(json!({"currency": "USD", "address": {"country": "US"},
        "shipping": {"amount": "5.00"},
        "lines": [
            {"sku": "A", "unit_price": "1.00", "quantity": 1},
            {"sku": "B", "unit_price": "1.00", "quantity": 1, "tax_class": "reduced"},
            {"sku": "C", "unit_price": "1.00", "quantity": 1}]}));
    let b = p.price(&c, &at("2026-06-01T00:00:00Z")).unwrap();
    assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
    assert_eq!(b.tax_total, d("0.80"));
    assert_eq!(b.taxes.len(), 2);

    let failing = Pricer::new(
        PricingConfig::default(),
        vec![],
        Arc::new(CountingProvider {
            calls: AtomicUsize::new(0),
            fail: true,
        }),
    )
    .unwrap();
    let err = failing.price(&c, &at("2026-06-01T00:00:00Z")).unwrap_err();
    assert_eq!(err.code(), "provider_error");
}

#[test]
fn registered_currencies_price_at_their_own_scale() {
    let mut config = PricingConfig::default();
    config.currencies.register(Currency::new("XBT", 8).unwrap());
    let p = Pricer::new(config, vec![], Arc::new(TaxTable::default())).unwrap();
    let b = p
        .price(
            &cart(json!({"currency": "XBT", "lines": [{"sku": "A", "unit_price": "0.00012345", "quantity": 3}]})),
            &at("2026-06-01T00:00:00Z"),
        )
        .unwrap();
    assert_eq!(b.grand_total.to_string(), "0.00037035");
}

#[test]
fn float_amounts_in_json_are_refused_with_a_clear_message() {
    let err = serde_json::from_value::<Cart>(
        json!({"currency": "USD", "lines": [{"sku": "A", "unit_price": 19.99, "quantity": 1}]}),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("floating-point amount"), "{err}");
}

#[test]
fn ten_thousand_promotions_are_indexed_not_scanned() {
    let promos: Vec<Value> = (0..10_000)
        .map(|i| {
            json!({"id": format!("p{i:05}"), "effect": {"type": "percentage", "percentage": "5"},
            "target": {"type": "lines", "skus": [format!("sku-{i}")]}})
        })
        .collect();
    let p = pricer(Value::Array(promos), json!([]));
    let b = p
        .price(
            &cart(json!({"currency": "USD", "lines": [
                {"sku": "sku-7", "unit_price": "10.00", "quantity": 1},
                {"sku": "other", "unit_price": "10.00", "quantity": 1}]})),
            &at("2026-06-01T00:00:00Z"),
        )
        .unwrap();
    // Only the one promotion for sku-7 was considered: it applied, nothing else was looked at.
    assert_eq!(b.promotions.len(), 1);
    assert_eq!(&*b.promotions[0].promotion_id, "p00007");
    assert!(b.not_applied.is_empty());
    assert_eq!(b.discount_total, d("0.50"));
}

#[test]
fn duplicate_ids_and_codes_are_rejected() {
    let config = || PricingConfig::default();
    let tax = || Arc::new(TaxTable::default());
    let dup_id = promotions(json!([
        {"id": "a", "effect": {"type": "percentage", "percentage": "1"}},
        {"id": "a", "effect": {"type": "percentage", "percentage": "2"}}]));
    assert_eq!(
        Pricer::new(config(), dup_id, tax()).unwrap_err().code(),
        "invalid_input"
    );
    let dup_code = promotions(json!([
        {"id": "a", "code": "X", "effect": {"type": "percentage", "percentage": "1"}},
        {"id": "b", "code": "x", "effect": {"type": "percentage", "percentage": "2"}}]));
    assert_eq!(
        Pricer::new(config(), dup_code, tax()).unwrap_err().code(),
        "invalid_input"
    );
}

#[test]
fn partial_refund_by_units_is_exact() {
    let p = pricer(
        json!([{"id": "third", "effect": {"type": "percentage", "percentage": "33.33"}}]),
        json!([{"id": "t", "name": "t", "country": "US", "percentage": "8.875"}]),
    );
    let b = p
        .price(
            &cart(json!({"currency": "USD", "address": {"country": "US"},
                "lines": [{"sku": "A", "unit_price": "9.99", "quantity": 7}]})),
            &at("2026-06-01T00:00:00Z"),
        )
        .unwrap();
    let line = &b.lines[0];
    let first_two = line.units(0, 2, false).unwrap();
    let middle_three = line.units(2, 3, false).unwrap();
    let last_two = line.units(5, 2, false).unwrap();
    assert_eq!(
        first_two.total + middle_three.total + last_two.total,
        line.total
    );
    assert_eq!(first_two.tax + middle_three.tax + last_two.tax, line.tax);
    assert_eq!(
        first_two.discount + middle_three.discount + last_two.discount,
        line.discount
    );
    assert_eq!(line.units(6, 2, false).unwrap_err().code(), "invalid_input");
}
