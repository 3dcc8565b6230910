//! The bindings' pricing path on the 20-line vector cart, for profilers: `profile_json [runs]
//! [quote|price]` — `quote` parses the cart's JSON text and prices it (what Node's
//! `Pricer.quote` does after `JSON.stringify`), `price` also writes the breakdown's JSON text.
fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/pricing/");
    let text = std::fs::read_to_string(format!("{root}generated_usd_20_lines_order_discount.json"))
        .unwrap_or_default();
    let vector: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let spec = serde_json::json!({"config": vector["cases"][0]["config"],
        "tax_rules": vector["tax_rules"], "promotions": vector["promotions"]});
    let pricer = match ordercore::json::JsonPricer::new(&spec.to_string()) {
        Ok(pricer) => pricer,
        Err(error) => return eprintln!("{error}"),
    };
    let (cart, context) = (vector["cart"].to_string(), vector["context"].to_string());
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let mode = args.next().unwrap_or_default();
    let price = mode == "price";
    let mut bytes = 0;
    for _ in 0..runs {
        bytes += if price {
            pricer.price(&cart, &context).map(|t| t.len()).unwrap_or(0)
        } else {
            pricer
                .quote_json(&cart, &context)
                .map(|b| b.lines.len())
                .unwrap_or(0)
        };
    }
    println!("{bytes}");
}
