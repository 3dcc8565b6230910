//! What the engine records of each call through `tracing` (`engine::trace`): one event per
//! command and query, with its name, actor, aggregate, outcome, retries, duration and the
//! host's correlation id — which the call's outbox events carry too.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ordercore::actor::Actor;
use ordercore::command::{Command, CommandOutput, Query};
use ordercore::engine::{CallContext, Engine, EngineSpec, Plugins, Stopwatch};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// One captured record: its level and fields as text.
#[derive(Debug, Clone)]
struct Captured {
    level: Level,
    target: String,
    fields: BTreeMap<String, String>,
}

/// A subscriber keeping every event (spans are not used by the engine).
#[derive(Default, Clone)]
struct Capture(Arc<Mutex<Vec<Captured>>>);

impl Visit for Captured {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.fields
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.fields
            .insert(field.name().to_string(), value.to_string());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields
            .insert(field.name().to_string(), value.to_string());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut captured = Captured {
            level: *event.metadata().level(),
            target: event.metadata().target().to_string(),
            fields: BTreeMap::new(),
        };
        event.record(&mut captured);
        self.0.lock().unwrap().push(captured);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// A stopwatch that moves 7 µs each time it is read.
#[derive(Default)]
struct Ticking(AtomicU64);

impl Stopwatch for Ticking {
    fn micros(&self) -> u64 {
        self.0.fetch_add(7, Ordering::Relaxed)
    }
}

fn engine(extra: serde_json::Value) -> Engine {
    let mut spec = serde_json::json!({
        "clock": "2026-06-01T12:00:00Z",
        "products": [{"sku": "A", "unit_price": "10.00"}],
    });
    spec.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let spec: EngineSpec = serde_json::from_value(spec).unwrap();
    let plugins = Plugins {
        stopwatch: Some(Arc::new(Ticking::default())),
        ..Plugins::default()
    };
    Engine::from_spec(spec, plugins).unwrap()
}

fn command(value: serde_json::Value) -> Command {
    serde_json::from_value(value).unwrap()
}

fn place() -> Command {
    command(serde_json::json!({
        "command": "place_order", "customer_id": "c1", "lines": [{"sku": "A", "quantity": 1}],
        "shipping_address": {"name": "Ada", "line1": "1 Main St", "city": "SF", "country": "US", "postal_code": "94103"}
    }))
}

fn admin() -> Actor {
    serde_json::from_value(serde_json::json!({"type": "staff", "id": "ops", "role": "admin"}))
        .unwrap()
}

fn customer() -> Actor {
    serde_json::from_value(serde_json::json!({"type": "customer", "id": "c1"})).unwrap()
}

fn captured(run: impl FnOnce()) -> Vec<Captured> {
    let capture = Capture::default();
    tracing::subscriber::with_default(capture.clone(), run);
    let records = capture.0.lock().unwrap();
    records.clone()
}

#[test]
fn a_command_records_what_it_did_and_its_events_carry_the_correlation_id() {
    let shop = engine(serde_json::json!({}));
    let stock = command(serde_json::json!({"command": "set_stock", "sku": "A", "on_hand": 5}));
    shop.execute(&admin(), &stock, None).unwrap();
    let context = CallContext {
        correlation_id: Some("req-42"),
    };
    let mut placed = None;
    let records =
        captured(|| placed = Some(shop.execute_in(&context, &customer(), &place(), Some("k1"))));
    let Ok(CommandOutput::Order(order)) = placed.unwrap() else {
        panic!("placed")
    };
    let [record] = records.as_slice() else {
        panic!("one record per call: {records:?}")
    };
    assert_eq!(
        (record.level, record.target.as_str()),
        (Level::INFO, "ordercore")
    );
    let field = |name: &str| record.fields.get(name).map(String::as_str);
    assert_eq!(field("kind"), Some("command"));
    assert_eq!(field("name"), Some("place_order"));
    assert_eq!(field("actor"), Some("customer:c1"));
    assert_eq!(
        field("aggregate"),
        Some(format!("order/{}", order.id).as_str())
    );
    assert_eq!(field("outcome"), Some("ok"));
    assert_eq!(field("retries"), Some("0"));
    assert_eq!(field("duration_us"), Some("7"));
    assert_eq!(field("correlation_id"), Some("req-42"));
    let events = shop.store().pending_events(100).unwrap();
    let of_order: Vec<_> = events
        .iter()
        .filter(|entry| entry.event.order_id.as_deref() == Some(order.id.as_str()))
        .collect();
    assert!(!of_order.is_empty());
    assert!(of_order.iter().all(
        |entry| entry.event.correlation_id.as_deref().map(|id| id.as_str()) == Some("req-42")
    ));
    // Events of calls without a correlation id carry none (and write no field for it).
    let set_stock_event = &events[0].event;
    assert_eq!(set_stock_event.correlation_id, None);
    assert!(
        !serde_json::to_string(set_stock_event)
            .unwrap()
            .contains("correlation_id")
    );
}

#[test]
fn refusals_are_info_with_their_code_and_store_faults_are_warnings() {
    let shop = engine(serde_json::json!({}));
    let ship = command(serde_json::json!({"command": "ship_order", "order_id": "ord_missing"}));
    let records = captured(|| {
        shop.execute(&admin(), &ship, None).unwrap_err();
    });
    let [record] = records.as_slice() else {
        panic!("{records:?}")
    };
    assert_eq!(record.level, Level::INFO);
    assert_eq!(record.fields["outcome"], "not_found");
    assert_eq!(record.fields["aggregate"], "order/ord_missing");
    assert!(!record.fields.contains_key("correlation_id"));

    let failing = engine(serde_json::json!({"store_script": [{"type": "fail"}]}));
    let stock = command(serde_json::json!({"command": "set_stock", "sku": "A", "on_hand": 5}));
    let records = captured(|| {
        failing.execute(&admin(), &stock, None).unwrap_err();
    });
    assert_eq!(records[0].level, Level::WARN);
    assert_eq!(records[0].fields["outcome"], "provider_error");
    assert_eq!(records[0].fields["aggregate"], "stock/A");
}

#[test]
fn retries_after_a_conflict_are_counted() {
    let shop = engine(serde_json::json!({"store_script": [{"type": "conflict"}]}));
    let stock = command(serde_json::json!({"command": "set_stock", "sku": "A", "on_hand": 5}));
    let records = captured(|| {
        shop.execute(&admin(), &stock, None).unwrap();
    });
    assert_eq!(records[0].fields["retries"], "1");
    assert_eq!(records[0].fields["outcome"], "ok");
    assert_eq!(records[0].fields["aggregate"], "stock/A@main");
}

#[test]
fn a_query_records_its_name_and_the_order_it_read() {
    let shop = engine(serde_json::json!({}));
    let query: Query =
        serde_json::from_value(serde_json::json!({"query": "get_order", "order_id": "ord_x"}))
            .unwrap();
    let context = CallContext {
        correlation_id: Some("req-7"),
    };
    let records = captured(|| {
        shop.query_in(&context, &admin(), &query).unwrap_err();
    });
    let fields = &records[0].fields;
    assert_eq!(
        (
            fields["kind"].as_str(),
            fields["name"].as_str(),
            fields["outcome"].as_str()
        ),
        ("query", "get_order", "not_found")
    );
    assert_eq!(
        (
            fields["aggregate"].as_str(),
            fields["correlation_id"].as_str()
        ),
        ("order/ord_x", "req-7")
    );
}

#[test]
fn without_a_subscriber_nothing_is_recorded_and_answers_are_the_same() {
    let shop = engine(serde_json::json!({}));
    let stock = command(serde_json::json!({"command": "set_stock", "sku": "A", "on_hand": 5}));
    shop.execute(&admin(), &stock, None).unwrap();
    let quiet = shop.execute(&customer(), &place(), None).unwrap();
    let recorded = captured(|| {
        shop.execute(&customer(), &place(), None).unwrap();
    });
    assert_eq!(recorded.len(), 1);
    assert!(matches!(quiet, CommandOutput::Order(_)));
}
