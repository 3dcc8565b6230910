//! Prices a cart with promotions, shipping and US sales tax on ordercore's embedded defaults
//! (table-driven tax, no storage) and prints the breakdown as a table; then walks one order
//! through place → pay → ship → deliver → return → refund and prints the events.

use std::sync::Arc;

use ordercore::actor::Actor;
use ordercore::catalog::{MemoryCatalog, Product};
use ordercore::clock::FixedClock;
use ordercore::command::{Command, PlaceOrder, ReturnLine};
use ordercore::engine::Engine;
use ordercore::pricing::{Cart, PriceBreakdown, Pricer, PricingConfig, PricingContext};
use ordercore::promotion::Promotion;
use ordercore::returns::{ReturnAction, ReturnReason};
use ordercore::store::MemoryStore;
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
        promotions.clone(),
        Arc::new(TaxTable::new(rules.clone())?),
    )?;
    let breakdown = pricer.price(&cart, &PricingContext::at("2026-06-01T12:00:00Z".parse()?))?;
    print_table(&breakdown);
    lifecycle(rules, promotions)
}

/// Walks one order through place → pay → ship → deliver → return → refund on the engine's
/// embedded defaults (memory store, fake payment gateway, table-rate carrier), printing events.
fn lifecycle(
    rules: Vec<TaxRule>,
    promotions: Vec<Promotion>,
) -> Result<(), Box<dyn std::error::Error>> {
    let products: Vec<Product> = serde_json::from_value(json!([
        {"sku": "TEE-BLK-M", "name": "T-shirt", "unit_price": "19.99", "category": "shirts", "weight": "0.2"},
        {"sku": "MUG-01", "name": "Mug", "unit_price": "8.25", "category": "kitchen", "weight": "0.4"}
    ]))?;
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(FixedClock::new("2026-06-01T12:00:00Z".parse()?));
    let engine = Engine::builder()
        .tax(Arc::new(TaxTable::new(rules)?))
        .promotions(promotions)
        .catalog(Arc::new(MemoryCatalog::new(products)))
        .store(store.clone())
        .clock(clock.clone())
        .build()?;
    let (admin, customer) = (Actor::admin("ops"), Actor::customer("cust-42"));
    engine.set_stock(&admin, "TEE-BLK-M", None, 25)?;
    engine.set_stock(&admin, "MUG-01", None, 10)?;

    println!("\n── order lifecycle on the embedded defaults ──");
    let place: PlaceOrder = serde_json::from_value(json!({
        "customer_id": "cust-42",
        "lines": [{"sku": "TEE-BLK-M", "quantity": 2}, {"sku": "MUG-01", "quantity": 1}],
        "shipping_address": {"name": "Ada Lovelace", "line1": "1 Market St", "city": "San Francisco",
                             "region": "CA", "postal_code": "94103", "country": "US"},
        "shipping_option": "standard",
        "payment": {"method": "card", "capture": false}
    }))?;
    let order = engine.place_order(&customer, place, Some("checkout-1"))?;
    println!(
        "placed {} for {} {} → {}",
        order.id, order.pricing.grand_total, order.currency, order.state_label
    );
    let order = engine.capture_payment(&admin, &order.id, None, None)?;
    println!("captured {} → {}", order.captured(), order.state_label);
    let order = engine.ship_order(&admin, &order.id, None, None)?;
    println!(
        "shipped, tracking {} → {}",
        order.shipments[0].tracking_number, order.state_label
    );
    clock.advance(chrono::Duration::days(2));
    let order = engine.deliver_order(&admin, &order.id, None)?;
    println!("delivered → {}", order.state_label);
    let request = Command::RequestReturn {
        order_id: order.id.clone(),
        lines: vec![ReturnLine {
            line: 0,
            quantity: 1,
            reason: ReturnReason::WrongItem,
        }],
    };
    let order = engine
        .execute(&customer, &request, None)?
        .into_order()
        .ok_or("order expected")?;
    let rma = order.returns[0].clone();
    println!(
        "return {} requested: refund {} for one T-shirt (its discount and tax share)",
        rma.id, rma.refund_amount
    );
    for action in [
        ReturnAction::Approve,
        ReturnAction::Receive,
        ReturnAction::Process,
        ReturnAction::Refund,
    ] {
        let step = Command::UpdateReturn {
            order_id: order.id.clone(),
            return_id: rma.id.to_string(),
            action,
            received: vec![],
        };
        engine.execute(&admin, &step, None)?;
    }
    let order = engine.get_order(&customer, &order.id)?;
    println!(
        "refunded {} of {} captured → {}",
        order.refunded(),
        order.captured(),
        order.state_label
    );
    println!("\nevents (outbox, in commit order):");
    for event in store.all_events() {
        println!(
            "  {:>2} {:<28} {:<20} {}",
            event.sequence,
            event.aggregate,
            event.payload.name(),
            event.at.format("%Y-%m-%d %H:%M")
        );
    }
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
