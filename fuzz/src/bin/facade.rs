//! The JSON façade (what C, uniffi and every binding's text path call) fed arbitrary bytes:
//! each input goes to every entry point — a command as a customer and as staff, a query, a
//! cart for the pricer, a pricing request — on an engine that already holds a placed order, so
//! commands naming it reach deep into the engine. Any answer is fine; a panic is a crash.

use ordercore::json::{JsonEngine, JsonPricer, price_request};

const CONFIG: &str = r#"{
  "clock": "2026-06-01T12:00:00Z",
  "products": [{"sku": "A", "unit_price": "10.00", "weight": "0.5"},
               {"sku": "B", "unit_price": "3.33"}],
  "promotions": [{"id": "ten", "code": "TEN", "effect": {"type": "percentage", "percentage": "10"}},
                 {"id": "b2g1", "effect": {"type": "buy_x_get_y", "buy": 2, "get": 1, "percentage": "100"}}],
  "tax_rules": [{"id": "us", "name": "US", "country": "US", "percentage": "8.25"}]
}"#;

const PRICER: &str = r#"{
  "promotions": [{"id": "ten", "code": "TEN", "effect": {"type": "percentage", "percentage": "10"}}],
  "tax_rules": [{"id": "us", "name": "US", "country": "US", "percentage": "8.25"}]
}"#;

const STAFF: &str = r#"{"type": "staff", "id": "ops", "role": "admin"}"#;
const CUSTOMER: &str = r#"{"type": "customer", "id": "c1"}"#;
const SYSTEM: &str = r#"{"type": "system"}"#;

const SETUP: [&str; 3] = [
    r#"{"command": "set_stock", "sku": "A", "on_hand": 50}"#,
    r#"{"command": "set_stock", "sku": "B", "on_hand": 50}"#,
    r#"{"command": "place_order", "customer_id": "c1", "lines": [{"sku": "A", "quantity": 3}],
        "shipping_address": {"name": "Ada", "line1": "1 Main St", "city": "SF", "region": "CA",
        "postal_code": "94103", "country": "US"}, "payment": {"method": "card"}}"#,
];

fn engine() -> Option<JsonEngine> {
    let engine = JsonEngine::new(CONFIG).ok()?;
    for (i, command) in SETUP.iter().enumerate() {
        let actor = if i < 2 { STAFF } else { CUSTOMER };
        engine.execute(actor, command, None).ok()?;
    }
    Some(engine)
}

fn main() {
    // Read-only across inputs; a panic aborts the process (`panic = "abort"`) and is the crash.
    let pricer = std::panic::AssertUnwindSafe(
        JsonPricer::new(PRICER).expect("the pricer's configuration is valid"),
    );
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let Some(engine) = engine() else {
            return;
        };
        for actor in [CUSTOMER, STAFF, SYSTEM] {
            let _ = engine.execute(actor, text, Some("fuzz"));
            let _ = engine.execute(actor, text, Some("fuzz")); // the replay
            let _ = engine.query(actor, text);
        }
        let _ = engine.tick(SYSTEM);
        let _ = pricer.price(text, "");
        let _ = price_request(text);
    });
}
