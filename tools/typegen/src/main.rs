//! Writes `docs/schema/`: the JSON Schema of every document of `ordercore::schema::roots`, one
//! file per document, one per command and one per query, and `index.json` naming each document's
//! direction. `make_types.py` beside this generates the Python and TypeScript types from them.
//!
//! `cargo run -p ordercore-typegen -- docs/schema`

use std::path::{Path, PathBuf};

use ordercore::schema::{Direction, roots};
use serde_json::{Map, Value, json};

/// What schemars writes for a `rust_decimal::Decimal`.
const DECIMAL_PATTERN: &str = r"^-?\d+(\.\d+)?([eE]\d+)?$";

fn main() -> Result<(), String> {
    let out = PathBuf::from(std::env::args().nth(1).ok_or("usage: typegen <dir>")?);
    // Written afresh, so a removed document leaves no file behind.
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    let mut index = Map::new();
    for root in roots() {
        let mut schema = root.schema.to_value();
        name_decimals(&mut schema);
        add_decimal_definition(&mut schema);
        match root.name.as_str() {
            "Command" => write_variants(&out.join("commands"), &schema, "command")?,
            "Query" => write_variants(&out.join("queries"), &schema, "query")?,
            _ => {}
        }
        write(&out.join(format!("{}.json", root.name)), &schema)?;
        let direction = match root.direction {
            Direction::Input => "input",
            Direction::Output => "output",
            Direction::HostRequest => "host_request",
            Direction::HostAnswer => "host_answer",
        };
        index.insert(root.name, direction.into());
    }
    write(&out.join("index.json"), &Value::Object(index))
}

fn write(path: &Path, value: &Value) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())? + "\n";
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every decimal becomes a reference to one `Decimal` definition (text, as the engine writes
/// it), so a reader — or a type generator — sees an amount where there is one.
fn name_decimals(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("pattern").and_then(Value::as_str) == Some(DECIMAL_PATTERN) {
                let nullable = map
                    .get("type")
                    .and_then(Value::as_array)
                    .is_some_and(|types| types.iter().any(|t| t == "null"));
                for key in ["pattern", "type"] {
                    map.remove(key);
                }
                let decimal = json!({"$ref": "#/$defs/Decimal"});
                if nullable {
                    map.insert("anyOf".into(), json!([decimal, {"type": "null"}]));
                } else {
                    map.insert("$ref".into(), decimal["$ref"].clone());
                }
                return;
            }
            map.values_mut().for_each(name_decimals);
        }
        Value::Array(items) => items.iter_mut().for_each(name_decimals),
        _ => {}
    }
}

fn add_decimal_definition(schema: &mut Value) {
    let text = schema.to_string();
    if !text.contains("#/$defs/Decimal") {
        return;
    }
    let definitions = schema
        .as_object_mut()
        .map(|root| root.entry("$defs").or_insert_with(|| json!({})));
    if let Some(Value::Object(definitions)) = definitions {
        definitions.insert(
            "Decimal".into(),
            json!({
                "description": "An exact decimal number as text (`\"19.99\"`); amounts are answered at their currency's scale.",
                "type": "string",
                "pattern": r"^-?[0-9]+(\.[0-9]+)?$"
            }),
        );
    }
}

/// One file per variant of an internally tagged enum (`{"command": "place_order", ...}`), each
/// with the definitions it refers to.
fn write_variants(dir: &Path, schema: &Value, tag: &str) -> Result<(), String> {
    let empty = Vec::new();
    let variants = schema["oneOf"].as_array().unwrap_or(&empty);
    for variant in variants {
        let Some(name) = variant["properties"][tag]["const"].as_str() else {
            return Err(format!("a {tag} variant without its name: {variant}"));
        };
        let mut file = variant.clone();
        file["$schema"] = schema["$schema"].clone();
        file["title"] = name.into();
        file["$defs"] = used_definitions(&file, &schema["$defs"]);
        write(&dir.join(format!("{name}.json")), &file)?;
    }
    Ok(())
}

/// The definitions `value` refers to, directly or through other definitions.
fn used_definitions(value: &Value, definitions: &Value) -> Value {
    let mut used = Map::new();
    let mut pending = vec![value.clone()];
    while let Some(next) = pending.pop() {
        for name in references(&next) {
            if !used.contains_key(&name) {
                let definition = definitions[&name].clone();
                pending.push(definition.clone());
                used.insert(name, definition);
            }
        }
    }
    used.sort_keys();
    Value::Object(used)
}

fn references(value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => map
            .iter()
            .flat_map(|(key, item)| match (key.as_str(), item) {
                ("$ref", Value::String(target)) => target
                    .strip_prefix("#/$defs/")
                    .map(str::to_string)
                    .into_iter()
                    .collect(),
                _ => references(item),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(references).collect(),
        _ => Vec::new(),
    }
}
