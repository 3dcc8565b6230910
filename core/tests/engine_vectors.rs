//! The shared engine scenarios (`tests/vectors/engine/*.json`, format in
//! `tests/vectors/README.md`) replayed through the JSON façade — the same files the Python and
//! Node suites replay, so all languages check the same behaviour.

mod protocol_host;

use std::path::PathBuf;
use std::sync::Arc;

use ordercore::Decimal;
use ordercore::host::HostStore;
use ordercore::json::{JsonConfig, JsonEngine, Plugins};
use serde::Deserialize;
use serde_json::Value;

/// One scenario: an engine configuration, then steps with what each must answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    name: String,
    #[allow(dead_code, reason = "for the reader of the scenario")]
    description: String,
    /// A `JsonConfig` document.
    engine: Value,
    /// The configuration is refused with this error (and there are no steps).
    #[serde(default)]
    build_error: Option<ErrorExpect>,
    #[serde(default)]
    steps: Vec<Step>,
}

/// One step: a command, a query, a scheduler tick, a price, a webhook to verify, or a clock
/// move, as an actor.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    #[serde(default)]
    #[allow(dead_code, reason = "for the reader of the scenario")]
    note: Option<String>,
    /// Staff with the admin role when absent.
    #[serde(default)]
    actor: Option<Value>,
    #[serde(default)]
    command: Option<Value>,
    #[serde(default)]
    query: Option<Value>,
    #[serde(default)]
    tick: bool,
    /// Prices `{"cart", "context"?}` with the engine's promotions and tax.
    #[serde(default)]
    price: Option<Value>,
    /// Verifies `{"secret", "payload", "timestamp", "signature"}` against the engine's clock.
    #[serde(default)]
    webhook: Option<Webhook>,
    /// Moves the engine's fixed clock to this instant.
    #[serde(default)]
    clock: Option<String>,
    /// The idempotency key of a command.
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    expect: Option<Expect>,
    /// Names for parts of the answer's value (JSON pointers: `{"order": "/id"}`); a later
    /// string `"$order"` in a command, query or expectation stands for it.
    #[serde(default)]
    save: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Webhook {
    secret: String,
    payload: String,
    timestamp: i64,
    signature: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum Expect {
    /// The answer's value contains this (a subset; amounts compared as decimals).
    Ok(Value),
    Error(ErrorExpect),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorExpect {
    code: String,
    #[serde(default)]
    field: Option<String>,
    /// The error document contains this.
    #[serde(default)]
    details: Option<Value>,
}

type Saved = std::collections::BTreeMap<String, Value>;

/// `value` with every string `"$name"` replaced by what was saved under `name`.
fn substitute(value: &Value, saved: &Saved) -> Value {
    match value {
        Value::String(text) => text
            .strip_prefix('$')
            .and_then(|name| saved.get(name))
            .cloned()
            .unwrap_or_else(|| value.clone()),
        Value::Array(items) => items.iter().map(|v| substitute(v, saved)).collect(),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, saved)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn admin() -> Value {
    serde_json::json!({"type": "staff", "id": "ops", "role": "admin"})
}

/// Whether `actual` contains `expected`: objects by their expected keys, arrays element by
/// element (same length), decimal strings by value (`"5"` is `"5.00"`).
fn contains(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(want), Value::Object(have)) => want.iter().try_for_each(|(k, v)| {
            let at = format!("{path}.{k}");
            contains(v, have.get(k).unwrap_or(&Value::Null), &at)
        }),
        (Value::Array(want), Value::Array(have)) if want.len() == have.len() => want
            .iter()
            .zip(have)
            .enumerate()
            .try_for_each(|(i, (w, h))| contains(w, h, &format!("{path}[{i}]"))),
        (Value::String(want), Value::String(have)) if want != have => {
            match (want.parse::<Decimal>(), have.parse::<Decimal>()) {
                (Ok(w), Ok(h)) if w == h => Ok(()),
                _ => Err(format!("{path}: expected {want:?}, got {have:?}")),
            }
        }
        _ if expected == actual => Ok(()),
        _ => Err(format!("{path}: expected {expected}, got {actual}")),
    }
}

fn check_error(expected: &ErrorExpect, error: &ordercore::Error) -> Result<(), String> {
    let document = serde_json::to_value(error).map_err(|e| e.to_string())?;
    let mut want = expected.details.clone().unwrap_or(serde_json::json!({}));
    want["code"] = expected.code.clone().into();
    if let Some(field) = &expected.field {
        want["field"] = field.clone().into();
    }
    contains(&want, &document, "error")
}

fn run_step(engine: &JsonEngine, step: &Step, saved: &mut Saved) -> Result<(), String> {
    if let Some(at) = &step.clock {
        engine.set_clock(at).map_err(|e| e.to_string())?;
    }
    let actor = substitute(&step.actor.clone().unwrap_or_else(admin), saved).to_string();
    let document = |v: &Value| substitute(v, saved).to_string();
    let answer = if let Some(command) = &step.command {
        engine.execute(&actor, &document(command), step.key.as_deref())
    } else if let Some(query) = &step.query {
        engine.query(&actor, &document(query))
    } else if let Some(price) = &step.price {
        let context = price.get("context").map_or_else(String::new, document);
        engine.price(&document(&price["cart"]), &context)
    } else if let Some(hook) = &step.webhook {
        (engine.verify_webhook(&hook.secret, &hook.payload, hook.timestamp, &hook.signature))
            .map(|()| "null".to_string())
    } else if step.tick {
        engine.tick(&actor)
    } else {
        return Ok(());
    };
    let value = match answer {
        Ok(text) => {
            let answer: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            // Commands and queries answer `{type, value}`; a tick its report, a price its
            // breakdown, a verified webhook `null`.
            let typed = step.command.is_some() || step.query.is_some();
            Ok(if typed {
                answer["value"].clone()
            } else {
                answer
            })
        }
        Err(error) => Err(error),
    };
    match (&step.expect, &value) {
        (None | Some(Expect::Ok(_)), Err(error)) => return Err(format!("unexpected {error:?}")),
        (Some(Expect::Ok(want)), Ok(value)) => contains(&substitute(want, saved), value, "$")?,
        (Some(Expect::Error(want)), Err(error)) => check_error(want, error)?,
        (Some(Expect::Error(want)), Ok(value)) => {
            return Err(format!("expected {}, got {value}", want.code));
        }
        (None, Ok(_)) => {}
    }
    if let Ok(value) = &value {
        for (name, pointer) in &step.save {
            let part = value
                .pointer(pointer)
                .ok_or_else(|| format!("nothing at {pointer}"))?;
            saved.insert(name.clone(), part.clone());
        }
    }
    Ok(())
}

fn scenarios() -> Vec<(PathBuf, Scenario)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/engine");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/vectors/engine")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable");
            let scenario =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, scenario)
        })
        .collect()
}

/// Replays every scenario on engines `build` makes from their configuration; `None` skips one.
fn replay_all(build: impl Fn(&Value) -> Option<ordercore::Result<JsonEngine>>) -> usize {
    let all = scenarios();
    assert!(!all.is_empty(), "no scenarios found");
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (path, scenario) in &all {
        let Some(built) = build(&scenario.engine) else {
            continue;
        };
        replayed += 1;
        let outcome = match (&scenario.build_error, built) {
            (Some(want), Err(error)) => check_error(want, &error),
            (Some(want), Ok(_)) => Err(format!("expected the build to fail with {}", want.code)),
            (None, Err(error)) => Err(format!("the engine did not build: {error:?}")),
            (None, Ok(engine)) => {
                let mut saved = Saved::new();
                scenario.steps.iter().enumerate().try_for_each(|(i, step)| {
                    run_step(&engine, step, &mut saved).map_err(|e| format!("step {i}: {e}"))
                })
            }
        };
        if let Err(message) = outcome {
            failures.push(format!("{} ({}): {message}", scenario.name, path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    replayed
}

#[test]
fn every_engine_scenario_answers_as_written() {
    let replayed = replay_all(|config| Some(JsonEngine::new(&config.to_string())));
    println!("engine scenarios: {replayed} replayed");
}

/// The same answers when the documents live in a host's store behind the host-store protocol
/// (all but the scenarios scripting the built-in store's faults).
#[test]
fn every_engine_scenario_answers_the_same_on_a_host_store() {
    let replayed = replay_all(|config| {
        if config.get("store_script").is_some() {
            return None;
        }
        let store = HostStore(Arc::new(protocol_host::TextStore::default()));
        Some(
            serde_json::from_value::<JsonConfig>(config.clone())
                .map_err(|e| ordercore::Error::invalid("config", e.to_string()))
                .and_then(|c| JsonEngine::from_config(c, Plugins::store(Arc::new(store)))),
        )
    });
    assert!(
        replayed > 70,
        "only {replayed} scenarios ran on the host store"
    );
}

/// The corpus raises every error code of the core: each code is expected by some step or
/// configuration (and `every_engine_scenario_answers_as_written` checks it is raised there).
#[test]
fn the_scenarios_raise_every_error_code() {
    let mut raised = std::collections::BTreeSet::new();
    for (_, scenario) in scenarios() {
        raised.extend(scenario.build_error.map(|e| e.code));
        for step in scenario.steps {
            if let Some(Expect::Error(error)) = step.expect {
                raised.insert(error.code);
            }
        }
    }
    let all: std::collections::BTreeSet<String> = ordercore::Error::CODES
        .iter()
        .map(|c| c.to_string())
        .collect();
    let missing: Vec<&String> = all.difference(&raised).collect();
    assert!(missing.is_empty(), "no scenario raises {missing:?}");
}

/// Every command's and query's name; `named` maps each variant to its entry by an exhaustive
/// match, so a new command or query does not compile here until it has one.
const NAMES: [&str; 40] = [
    "place_order",
    "pay_order",
    "capture_payment",
    "refund_payment",
    "process_order",
    "ship_order",
    "deliver_order",
    "cancel_order",
    "cancel_unshipped",
    "payment_webhook",
    "tracking_update",
    "request_return",
    "update_return",
    "set_stock",
    "adjust_stock",
    "get_order",
    "list_orders",
    "stock_levels",
    "list_returns",
    "available_actions",
    "shipping_rates",
    "create_plan",
    "reprice_plan",
    "archive_plan",
    "get_plan",
    "subscribe",
    "cancel_subscription",
    "keep_subscription",
    "get_subscription",
    "get_invoice",
    "pay_invoice",
    "change_subscription",
    "renew_subscription",
    "pause_subscription",
    "resume_subscription",
    "void_invoice",
    "mark_invoice_uncollectible",
    "list_subscriptions",
    "list_invoices",
    "upcoming_invoice",
];

/// The entry of [`NAMES`] of a step's command or query (read as the engine reads it).
fn named(step: &Step) -> Option<&'static str> {
    use ordercore::command::{Command, Query};
    if let Some(command) = &step.command {
        let command: Command = serde_json::from_value(command.clone()).ok()?;
        return Some(
            NAMES[match command {
                Command::PlaceOrder(_) => 0,
                Command::PayOrder { .. } => 1,
                Command::CapturePayment { .. } => 2,
                Command::RefundPayment { .. } => 3,
                Command::ProcessOrder { .. } => 4,
                Command::ShipOrder { .. } => 5,
                Command::DeliverOrder { .. } => 6,
                Command::CancelOrder { .. } => 7,
                Command::CancelUnshipped { .. } => 8,
                Command::PaymentWebhook { .. } => 9,
                Command::TrackingUpdate { .. } => 10,
                Command::RequestReturn { .. } => 11,
                Command::UpdateReturn { .. } => 12,
                Command::SetStock { .. } => 13,
                Command::AdjustStock { .. } => 14,
                Command::CreatePlan { .. } => 21,
                Command::RepricePlan { .. } => 22,
                Command::ArchivePlan { .. } => 23,
                Command::Subscribe { .. } => 25,
                Command::CancelSubscription { .. } => 26,
                Command::KeepSubscription { .. } => 27,
                Command::PayInvoice { .. } => 30,
                Command::ChangeSubscription { .. } => 31,
                Command::RenewSubscription { .. } => 32,
                Command::PauseSubscription { .. } => 33,
                Command::ResumeSubscription { .. } => 34,
                Command::VoidInvoice { .. } => 35,
                Command::MarkInvoiceUncollectible { .. } => 36,
            }],
        );
    }
    let query: Query = serde_json::from_value(step.query.clone()?).ok()?;
    Some(
        NAMES[match query {
            Query::GetOrder { .. } => 15,
            Query::ListOrders(_) => 16,
            Query::StockLevels { .. } => 17,
            Query::ListReturns { .. } => 18,
            Query::AvailableActions { .. } => 19,
            Query::ShippingRates { .. } => 20,
            Query::GetPlan { .. } => 24,
            Query::GetSubscription { .. } => 28,
            Query::GetInvoice { .. } => 29,
            Query::ListSubscriptions(_) => 37,
            Query::ListInvoices(_) => 38,
            Query::UpcomingInvoice { .. } => 39,
        }],
    )
}

/// Some scenario sends every command and every query (with "$name"s standing for ids, which
/// read as any other string).
#[test]
fn the_scenarios_use_every_command_and_query() {
    let mut used = std::collections::BTreeSet::new();
    for (_, scenario) in scenarios() {
        used.extend(scenario.steps.iter().filter_map(named));
    }
    let missing: Vec<&str> = NAMES.into_iter().filter(|n| !used.contains(n)).collect();
    assert!(missing.is_empty(), "no scenario sends {missing:?}");
}

/// The protocol adapter over a host that keeps text keeps the store contract.
#[test]
fn a_host_store_behind_the_protocol_keeps_the_store_contract() {
    let store = HostStore(Arc::new(protocol_host::TextStore::default()));
    ordercore::store_contract::check(&store).unwrap();
}
