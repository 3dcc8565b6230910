//! Invoices priced like orders: tax per line, coupons on charges only, credits subtracted and
//! taxed like what they give back, never a negative invoice (the excess carried to the credit
//! balance), a balance applied before charging — and the totals always the sum of the lines.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ordercore::Decimal;
use ordercore::address::Address;
use ordercore::billing::{DraftInvoice, Invoice, InvoiceItem, LineKind};
use ordercore::pricing::{Pricer, PricingConfig};
use ordercore::tax::{TaxClass, TaxTable};
use proptest::prelude::*;
use serde_json::json;

fn pricer() -> Pricer {
    let tax = TaxTable::new(
        serde_json::from_value(json!([
            {"id": "de-vat", "name": "VAT", "country": "DE", "percentage": "19"}
        ]))
        .unwrap(),
    )
    .unwrap();
    let promotions = serde_json::from_value(json!([
        {"id": "welcome", "code": "WELCOME", "effect": {"type": "percentage", "percentage": "50"}}
    ]))
    .unwrap();
    Pricer::new(PricingConfig::default(), promotions, Arc::new(tax)).unwrap()
}

fn item(kind: LineKind, amount: &str, quantity: u32) -> InvoiceItem {
    InvoiceItem {
        kind,
        description: format!("{kind:?}"),
        unit_amount: amount.parse().unwrap(),
        quantity,
        tax_class: TaxClass::Standard,
        period: None,
    }
}

fn berlin() -> Address {
    serde_json::from_value(json!({"country": "DE", "postal_code": "10115"})).unwrap()
}

fn now() -> DateTime<Utc> {
    "2026-06-01T00:00:00Z".parse().unwrap()
}

fn draft(items: &[InvoiceItem], coupons: &[String], balance: &str) -> ordercore::Result<Invoice> {
    let address = berlin();
    let draft = DraftInvoice {
        id: "in_1",
        customer_id: "c1",
        subscription_id: Some("sub_1"),
        currency: "EUR",
        items,
        coupon_codes: coupons,
        address: Some(&address),
        credit_balance: balance.parse().unwrap(),
    };
    Invoice::draft(&draft, &pricer(), now())
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[test]
fn a_first_invoice_bills_the_period_per_seat_and_the_setup_fee_with_tax_per_line() {
    let items = [
        item(LineKind::Period, "12.00", 3),
        item(LineKind::SetupFee, "9.99", 1),
    ];
    let invoice = draft(&items, &[], "0").unwrap();
    let taxes: Vec<Decimal> = invoice.lines.iter().map(|l| l.tax).collect();
    assert_eq!(taxes, [d("6.84"), d("1.90")]);
    assert_eq!(
        (invoice.subtotal, invoice.tax_total, invoice.total),
        (d("45.99"), d("8.74"), d("54.73"))
    );
    assert_eq!(
        (invoice.amount_due, invoice.credit_carried),
        (d("54.73"), d("0"))
    );
}

#[test]
fn an_upgrade_charges_the_new_price_and_credits_the_old_one_on_one_invoice() {
    let items = [
        item(LineKind::ProrationCharge, "60.97", 1),
        item(LineKind::ProrationCredit, "20.32", 1),
    ];
    let invoice = draft(&items, &["WELCOME".to_string()], "0").unwrap();
    let credit = &invoice.lines[1];
    assert_eq!(
        (credit.amount, credit.discount, credit.tax, credit.total),
        (d("-20.32"), d("0"), d("-3.86"), d("-24.18"))
    );
    // The coupon halves the charge only: 30.49 off (rounded once, half up), 30.48 net, 5.79 tax.
    assert_eq!(invoice.lines[0].total, d("36.27"));
    assert_eq!(invoice.total, d("12.09"));
}

#[test]
fn a_downgrade_never_makes_a_negative_invoice_its_credit_is_carried() {
    let items = [
        item(LineKind::ProrationCharge, "10.00", 1),
        item(LineKind::ProrationCredit, "30.00", 1),
    ];
    let invoice = draft(&items, &[], "0").unwrap();
    assert_eq!((invoice.total, invoice.amount_due), (d("0"), d("0")));
    assert_eq!(
        invoice.credit_carried,
        d("23.80"),
        "20.00 net of credit and its 3.80 VAT"
    );
}

#[test]
fn a_credit_balance_pays_first() {
    let items = [item(LineKind::Period, "30.00", 1)];
    let part = draft(&items, &[], "10.00").unwrap();
    assert_eq!(
        (part.total, part.credit_applied, part.amount_due),
        (d("35.70"), d("10.00"), d("25.70"))
    );
    let all = draft(&items, &[], "100.00").unwrap();
    assert_eq!((all.credit_applied, all.amount_due), (d("35.70"), d("0")));
}

#[test]
fn what_an_invoice_refuses_names_the_field() {
    let cases = [
        (vec![], "items"),
        (
            vec![item(LineKind::Item, "-1.00", 1)],
            "items[0].unit_amount",
        ),
        (
            vec![
                item(LineKind::Period, "1.00", 1),
                item(LineKind::Item, "1.001", 1),
            ],
            "items[1].unit_amount",
        ),
        (vec![item(LineKind::Item, "1.00", 0)], "items[0].quantity"),
    ];
    for (items, field) in cases {
        assert_eq!(draft(&items, &[], "0").unwrap_err().field(), Some(field));
    }
}

proptest! {
    #[test]
    fn the_totals_are_the_lines_and_never_below_zero(
        lines in prop::collection::vec((0usize..5, 0i64..100_000, 1u32..5), 1..8),
        balance in 0i64..50_000,
        coupon in prop::bool::ANY,
    ) {
        let kinds = [LineKind::Period, LineKind::SetupFee, LineKind::ProrationCharge, LineKind::ProrationCredit, LineKind::Item];
        let items: Vec<InvoiceItem> = lines
            .iter()
            .map(|&(kind, cents, quantity)| InvoiceItem { unit_amount: Decimal::new(cents, 2), ..item(kinds[kind], "0", quantity) })
            .collect();
        let coupons = if coupon { vec!["WELCOME".to_string()] } else { vec![] };
        let invoice = draft(&items, &coupons, &Decimal::new(balance, 2).to_string()).unwrap();
        let sum = |f: fn(&ordercore::billing::InvoiceLine) -> Decimal| invoice.lines.iter().map(f).sum::<Decimal>();
        prop_assert_eq!(invoice.subtotal, sum(|l| l.amount));
        prop_assert_eq!(invoice.tax_total, sum(|l| l.tax));
        prop_assert_eq!(invoice.discount_total, sum(|l| l.discount));
        let owed = sum(|l| l.total);
        prop_assert_eq!(invoice.total, owed.max(Decimal::ZERO));
        prop_assert_eq!(invoice.credit_carried, (-owed).max(Decimal::ZERO));
        prop_assert_eq!(invoice.credit_applied + invoice.amount_due, invoice.total);
        prop_assert!(invoice.amount_due >= Decimal::ZERO && invoice.credit_applied <= Decimal::new(balance, 2));
        for line in &invoice.lines {
            prop_assert_eq!(line.total, line.amount - line.discount + line.tax);
        }
    }
}
