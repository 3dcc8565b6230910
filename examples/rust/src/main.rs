//! Prices a cart with promotions, shipping and US sales tax on ordercore's embedded defaults
//! (table-driven tax, no storage) and prints the breakdown as a table.

use std::sync::Arc;

use ordercore::pricing::{Cart, PriceBreakdown, Pricer, PricingConfig, PricingContext};
use ordercore::promotion::Promotion;
use ordercore::tax::{TaxRule, TaxTable};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rules: Vec<TaxRule> = serde_json::from_value(json!([
        {"id": "us-ca", "name": "CA state tax", "country": "US", "region": "CA",
         "percentage": "6", "combinable": true},
        {"id": "us-ca-sf", "name": "SF county tax", "country": "US", "region": "CA",
         "postal_code_prefix": "941", "percentage": "2.625", "combinable": true}
    ]))?;
    let promotions: Vec<Promotion> = serde_json::from_value(json!([
        {"id": "spring-10", "name": "10% off everything", "effect": {"type": "percentage", "percentage": "10"}},
        {"id": "socks-b2g1", "name": "Socks: buy 2, get 1 free", "priority": 5,
         "effect": {"type": "buy_x_get_y", "buy": 2, "get": 1, "percentage": "100"},
         "target": {"type": "lines", "categories": ["socks"]}},
        {"id": "freeship", "code": "FREESHIP", "name": "Free shipping",
         "effect": {"type": "percentage", "percentage": "100"}, "target": {"type": "shipping"},
         "currency": "USD", "conditions": {"min_subtotal": "100.00"}},
        {"id": "welcome", "code": "WELCOME", "effect": {"type": "percentage", "percentage": "15"},
         "conditions": {"first_order_only": true}}
    ]))?;
    let cart: Cart = serde_json::from_value(json!({
        "currency": "USD",
        "customer": {"id": "cust-42", "previous_orders": 3},
        "address": {"country": "US", "region": "CA", "postal_code": "94103"},
        "coupon_codes": ["FREESHIP", "WELCOME"],
        "shipping": {"method": "ground", "amount": "7.95"},
        "lines": [
            {"sku": "TEE-BLK-M", "name": "T-shirt", "unit_price": "19.99", "quantity": 3, "category": "shirts"},
            {"sku": "SOCK-WOOL", "name": "Wool socks", "unit_price": "12.50", "quantity": 3, "category": "socks"},
            {"sku": "MUG-01", "name": "Mug", "unit_price": "8.25", "quantity": 1, "category": "kitchen"}
        ]
    }))?;

    let pricer = Pricer::new(
        PricingConfig::default(),
        promotions,
        Arc::new(TaxTable::new(rules)?),
    )?;
    let breakdown = pricer.price(&cart, &PricingContext::at("2026-06-01T12:00:00Z".parse()?))?;
    print_table(&breakdown);
    Ok(())
}

fn print_table(b: &PriceBreakdown) {
    let mode = serde_json::to_value(b.rounding).unwrap_or_default();
    println!(
        "ordercore demo — cart priced in {} (rounding {mode}, tax per line)\n",
        b.currency
    );
    println!(
        "{:<10} {:>4} {:>9} {:>9} {:>9} {:>9} {:>8} {:>9}",
        "sku", "qty", "unit", "base", "discount", "net", "tax", "total"
    );
    for l in &b.lines {
        println!(
            "{:<10} {:>4} {:>9} {:>9} {:>9} {:>9} {:>8} {:>9}",
            l.sku, l.quantity, l.unit_price, l.base, l.discount, l.net, l.tax, l.total
        );
        for a in &l.adjustments {
            println!("  └ {:<26} -{} (on {})", a.promotion_id, a.amount, a.base);
        }
        for t in &l.tax_lines {
            println!(
                "  └ tax {:<22} {} ({}% of {}, exact {})",
                t.rate_id, t.amount, t.percentage, t.base, t.exact
            );
        }
    }
    if let Some(s) = &b.shipping {
        println!(
            "{:<10} {:>4} {:>9} {:>9} {:>9} {:>9} {:>8} {:>9}",
            "shipping", 1, s.base, s.base, s.discount, s.net, s.tax, s.total
        );
        for a in &s.adjustments {
            println!("  └ {:<26} -{} (on {})", a.promotion_id, a.amount, a.base);
        }
    }
    println!("\npromotions applied (rounded once, then allocated by largest remainder):");
    for p in &b.promotions {
        println!(
            "  {:<12} code {:<9} base {:>8}  exact {:>10}  amount {:>7}",
            p.promotion_id,
            p.code.as_deref().unwrap_or("-"),
            p.base,
            p.exact,
            p.amount
        );
    }
    println!("not applied:");
    for n in &b.not_applied {
        println!(
            "  {:<12} code {:<9} reason {}",
            n.promotion_id.as_deref().unwrap_or("-"),
            n.code.as_deref().unwrap_or("-"),
            n.reason.code()
        );
    }
    println!("taxes:");
    for t in &b.taxes {
        println!(
            "  {:<10} {:<14} {:>6}% on {:>8} = {}",
            t.rate_id, t.jurisdiction, t.percentage, t.base, t.amount
        );
    }
    println!(
        "\nsubtotal {}  discounts -{}  shipping {}  tax {}  grand total {}",
        b.subtotal, b.discount_total, b.shipping_total, b.tax_total, b.grand_total
    );
}
