//! Property tests over random carts: the invariants every breakdown keeps.
//!
//! Case count: 10,000 per property (override with `PROPTEST_CASES`).

use std::str::FromStr;
use std::sync::Arc;

use ordercore::Decimal;
use ordercore::address::Address;
use ordercore::money::RoundingMode;
use ordercore::pricing::{
    Cart, CartLine, PriceBreakdown, Pricer, PricingConfig, PricingContext, ShippingCharge,
    TaxRounding,
};
use ordercore::promotion::{Effect, LineSelector, Promotion, Target};
use ordercore::tax::{TaxClass, TaxRule, TaxTable};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

const CURRENCIES: [(&str, u32); 3] = [("USD", 2), ("JPY", 0), ("KWD", 3)];

#[derive(Debug, Clone)]
struct Scenario {
    currency: usize,
    lines: Vec<(u8, i64, i64, u8)>, // (sku index, price in minor units, quantity, category)
    shipping: Option<i64>,
    promotions: Vec<(u8, u32, u8, i32, bool)>, // (kind, value, category, priority, exclusive)
    rates: Vec<(u32, bool)>,                   // (percentage in hundredths, reduced class)
    inclusive: bool,
    half_even: bool,
    per_order: bool,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        0..3usize,
        prop::collection::vec((0..12u8, 0..200_000i64, 1..12i64, 0..3u8), 1..20),
        prop::option::of(0..5_000i64),
        prop::collection::vec(
            (0..6u8, 1..10_000u32, 0..3u8, -2..3i32, any::<bool>()),
            0..4,
        ),
        prop::collection::vec((0..3_000u32, any::<bool>()), 0..3),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(currency, lines, shipping, promotions, rates, inclusive, half_even, per_order)| {
                Scenario {
                    currency,
                    lines,
                    shipping,
                    promotions,
                    rates,
                    inclusive,
                    half_even,
                    per_order,
                }
            },
        )
}

fn amount(minor: i64, units: u32) -> Decimal {
    Decimal::new(minor, units)
}

#[expect(
    clippy::too_many_lines,
    reason = "one generated scenario's parts, built in the order the scenario lists them"
)]
fn build(s: &Scenario) -> (Pricer, Cart) {
    let (code, units) = CURRENCIES[s.currency];
    let categories = ["a", "b", "c"];
    let promotions = s
        .promotions
        .iter()
        .enumerate()
        .map(|(i, &(kind, value, category, priority, exclusive))| {
            let percentage =
                Decimal::new(i64::from(value % 10_000 + 1), 2).min(Decimal::ONE_HUNDRED);
            let selector = Target::Lines(LineSelector {
                categories: vec![categories[category as usize].to_string()],
                ..LineSelector::default()
            });
            let (effect, target) = match kind {
                0 => (Effect::Percentage { percentage }, Target::Order),
                1 => (Effect::Percentage { percentage }, selector),
                2 => (
                    Effect::FixedAmount {
                        amount: amount(i64::from(value) * 7, units),
                    },
                    Target::Order,
                ),
                3 => (
                    Effect::FixedAmount {
                        amount: amount(i64::from(value), units),
                    },
                    selector,
                ),
                4 => (
                    Effect::BuyXGetY {
                        buy: u64::from(value % 3 + 1),
                        get: u64::from(value % 2 + 1),
                        percentage,
                        max_applications: (value % 4 == 0).then_some(1),
                    },
                    selector,
                ),
                _ => (Effect::Percentage { percentage }, Target::Shipping),
            };
            Promotion {
                id: format!("p{i}"),
                name: String::new(),
                code: None,
                effect,
                target,
                priority,
                exclusive: exclusive && i % 3 == 0,
                combinable_with: None,
                currency: Some(code.to_string()),
                conditions: Default::default(),
                usage_limit: None,
                usage_limit_per_customer: None,
                duration_periods: None,
            }
        })
        .collect();
    let rules = s
        .rates
        .iter()
        .enumerate()
        .map(|(i, &(hundredths, reduced))| TaxRule {
            id: format!("r{i}"),
            name: format!("rate {i}"),
            country: "US".into(),
            region: None,
            postal_code_prefix: None,
            tax_class: reduced.then_some(TaxClass::Reduced),
            percentage: Decimal::new(i64::from(hundredths), 2),
            combinable: true,
        })
        .collect();
    let config = PricingConfig {
        rounding: if s.half_even {
            RoundingMode::HalfEven
        } else {
            RoundingMode::HalfUp
        },
        tax_rounding: if s.per_order {
            TaxRounding::PerOrder
        } else {
            TaxRounding::PerLine
        },
        ..PricingConfig::default()
    };
    let pricer = Pricer::new(config, promotions, Arc::new(TaxTable::new(rules).unwrap())).unwrap();
    let cart = Cart {
        currency: code.into(),
        lines: s
            .lines
            .iter()
            .map(|&(sku, price, quantity, category)| CartLine {
                sku: format!("sku-{sku}").into(),
                unit_price: amount(price, units),
                quantity,
                category: Some(categories[category as usize].into()),
                tax_class: if sku % 2 == 0 {
                    TaxClass::Standard
                } else {
                    TaxClass::Reduced
                },
                ..CartLine::default()
            })
            .collect(),
        shipping: s.shipping.map(|minor| ShippingCharge {
            method: "ground".into(),
            amount: amount(minor, units),
            tax_class: TaxClass::Standard,
        }),
        address: Some(Address {
            country: "US".into(),
            ..Address::default()
        }),
        prices_include_tax: s.inclusive,
        ..Cart::default()
    };
    (pricer, cart)
}

fn context() -> PricingContext {
    PricingContext::default()
}

fn sum<'a>(amounts: impl Iterator<Item = &'a Decimal>) -> Decimal {
    amounts.copied().sum()
}

fn check_totals(b: &PriceBreakdown) -> Result<(), TestCaseError> {
    let shipping_total = b.shipping.as_ref().map_or(Decimal::ZERO, |s| s.total);
    let shipping_tax = b.shipping.as_ref().map_or(Decimal::ZERO, |s| s.tax);
    let shipping_discount = b.shipping.as_ref().map_or(Decimal::ZERO, |s| s.discount);
    prop_assert_eq!(
        sum(b.lines.iter().map(|l| &l.total)) + shipping_total,
        b.grand_total
    );
    prop_assert_eq!(sum(b.lines.iter().map(|l| &l.base)), b.subtotal);
    prop_assert_eq!(
        sum(b.lines.iter().map(|l| &l.tax)) + shipping_tax,
        b.tax_total
    );
    prop_assert_eq!(
        sum(b.lines.iter().map(|l| &l.discount)) + shipping_discount,
        b.discount_total
    );
    prop_assert_eq!(sum(b.taxes.iter().map(|t| &t.amount)), b.tax_total);
    let expected_grand = b.subtotal + b.shipping_total - b.discount_total
        + if b.prices_include_tax {
            Decimal::ZERO
        } else {
            b.tax_total
        };
    prop_assert_eq!(expected_grand, b.grand_total);
    for line in &b.lines {
        prop_assert_eq!(
            sum(line.adjustments.iter().map(|a| &a.amount)),
            line.discount
        );
        prop_assert_eq!(sum(line.tax_lines.iter().map(|t| &t.amount)), line.tax);
        prop_assert_eq!(line.unit_price * Decimal::from(line.quantity), line.base);
        if b.prices_include_tax {
            prop_assert_eq!(line.base - line.discount, line.total);
            prop_assert_eq!(line.total - line.tax, line.net);
        } else {
            prop_assert_eq!(line.base - line.discount, line.net);
            prop_assert_eq!(line.net + line.tax, line.total);
        }
        // Taking the units one at a time pays exactly the line.
        let mut paid = Decimal::ZERO;
        for unit in 0..line.quantity {
            paid += line.units(unit, 1, b.prices_include_tax).unwrap().total;
        }
        prop_assert_eq!(paid, line.total);
        for amount in [line.discount, line.net, line.tax, line.total] {
            prop_assert!(amount >= Decimal::ZERO, "negative amount in {:?}", line);
        }
        // Every amount is at the currency's scale.
        prop_assert_eq!(line.total.scale(), b.currency.minor_units());
    }
    // Each promotion's shares sum exactly to its rounded amount.
    for promotion in &b.promotions {
        let shares: Decimal = b
            .lines
            .iter()
            .flat_map(|l| l.adjustments.iter())
            .chain(b.shipping.iter().flat_map(|s| s.adjustments.iter()))
            .filter(|a| a.promotion_id == promotion.promotion_id)
            .map(|a| a.amount)
            .sum();
        prop_assert_eq!(shares, promotion.amount);
        prop_assert!(promotion.amount <= promotion.base);
    }
    for total in [b.subtotal, b.discount_total, b.tax_total, b.grand_total] {
        prop_assert!(total >= Decimal::ZERO);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn totals_add_up_and_shares_sum_exactly(s in scenario()) {
        let (pricer, cart) = build(&s);
        let breakdown = pricer.price(&cart, &context()).unwrap();
        check_totals(&breakdown)?;
    }

    #[test]
    fn result_does_not_depend_on_line_order(s in scenario(), seed in any::<u64>()) {
        let (pricer, cart) = build(&s);
        let original = pricer.price(&cart, &context()).unwrap();
        // A deterministic shuffle driven by the seed.
        let mut order: Vec<usize> = (0..cart.lines.len()).collect();
        let mut state = seed | 1;
        for i in (1..order.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let mut shuffled = cart.clone();
        shuffled.lines = order.iter().map(|&i| cart.lines[i].clone()).collect();
        let permuted = pricer.price(&shuffled, &context()).unwrap();
        prop_assert_eq!(original.grand_total, permuted.grand_total);
        prop_assert_eq!(original.tax_total, permuted.tax_total);
        prop_assert_eq!(original.discount_total, permuted.discount_total);
        prop_assert_eq!(&original.promotions, &permuted.promotions);
        prop_assert_eq!(&original.taxes.len(), &permuted.taxes.len());
        for (new_position, &old_position) in order.iter().enumerate() {
            prop_assert_eq!(&original.lines[old_position], &permuted.lines[new_position]);
        }
    }

    #[test]
    fn inclusive_and_exclusive_agree_when_rates_are_zero(s in scenario()) {
        let mut s = s;
        for rate in &mut s.rates { rate.0 = 0; }
        s.inclusive = false;
        let (pricer, exclusive_cart) = build(&s);
        let mut inclusive_cart = exclusive_cart.clone();
        inclusive_cart.prices_include_tax = true;
        let exclusive = pricer.price(&exclusive_cart, &context()).unwrap();
        let inclusive = pricer.price(&inclusive_cart, &context()).unwrap();
        prop_assert_eq!(exclusive.grand_total, inclusive.grand_total);
        prop_assert_eq!(exclusive.tax_total, Decimal::ZERO);
        prop_assert_eq!(inclusive.tax_total, Decimal::ZERO);
        for (e, i) in exclusive.lines.iter().zip(&inclusive.lines) {
            prop_assert_eq!(e.net, i.net);
        }
    }

    #[test]
    fn pricing_is_deterministic(s in scenario()) {
        let (pricer, cart) = build(&s);
        let a = pricer.price(&cart, &context()).unwrap();
        let (pricer_again, _) = build(&s);
        let b = pricer_again.price(&cart, &context()).unwrap();
        prop_assert_eq!(a, b);
    }
}

#[test]
fn decimal_parsing_in_helpers_is_exact() {
    assert_eq!(amount(1999, 2), Decimal::from_str("19.99").unwrap());
}
