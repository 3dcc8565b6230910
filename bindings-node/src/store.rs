//! A `Store` implemented by a JS object whose methods may answer values or Promises (see
//! `bridge` for how the engine's worker threads wait on them).

use std::time::Duration;

use napi::bindgen_prelude::*;
use ordercore::store::{
    ChangeSet, DocKey, Document, IdempotencyRecord, OrderPage, OrderQuery, OutboxEntry, Store,
    Versioned,
};
use serde_json::{Value, json};

use crate::bridge::{Method, provider};

/// The JS store's methods, bound to it.
pub(crate) struct NodeStore {
    load: Method<FnArgs<(String, String)>>,
    commit: Method<Value>,
    find_orders: Method<Value>,
    idempotency: Method<String>,
    pending_events: Method<u32>,
    mark_delivered: Method<Vec<i64>>,
}

impl NodeStore {
    /// Binds the store object's methods; `invalid_input` naming a missing one.
    pub(crate) fn new(store: Unknown, timeout: Duration) -> ordercore::Result<Self> {
        if !matches!(store.get_type(), Ok(ValueType::Object)) {
            return Err(ordercore::Error::InvalidInput {
                field: "store".into(),
                message: "expected an object with the Store methods".into(),
            });
        }
        let store = Object::from_unknown(store).map_err(|e| provider("store", e.reason))?;
        Ok(NodeStore {
            load: Method::bind(&store, "store", "load", timeout)?,
            commit: Method::bind(&store, "store", "commit", timeout)?,
            find_orders: Method::bind(&store, "store", "findOrders", timeout)?,
            idempotency: Method::bind(&store, "store", "idempotency", timeout)?,
            pending_events: Method::bind(&store, "store", "pendingEvents", timeout)?,
            mark_delivered: Method::bind(&store, "store", "markDelivered", timeout)?,
        })
    }
}

fn text<T: serde::Serialize>(value: &T) -> ordercore::Result<String> {
    serde_json::to_string(value).map_err(|e| provider("store", e.to_string()))
}

impl Store for NodeStore {
    fn load(&self, key: &DocKey) -> ordercore::Result<Option<Versioned<Document>>> {
        let answer = self.load.ask(FnArgs::from((
            key.kind.name().to_string(),
            key.id.to_string(),
        )))?;
        if answer.is_null() {
            return Ok(None);
        }
        let version = answer["version"].as_u64().ok_or_else(|| {
            self.load
                .unreadable("document", "`version` is not a whole number")
        })?;
        let document = answer["document"].as_str().ok_or_else(|| {
            self.load
                .unreadable("document", "`document` is not a string")
        })?;
        let value =
            serde_json::from_str(document).map_err(|e| self.load.unreadable("document", e))?;
        Ok(Some(Versioned { version, value }))
    }

    fn commit(&self, changes: ChangeSet) -> ordercore::Result<()> {
        let mut writes = Vec::with_capacity(changes.writes.len());
        for write in &changes.writes {
            let index = write.document.order_index();
            writes.push(json!({
                "kind": write.key.kind.name(),
                "id": write.key.id,
                "expectedVersion": write.expected_version,
                "document": text(&write.document)?,
                "customerId": index.as_ref().map(|i| i.customer_id.clone()),
                "state": index.as_ref().map(|i| i.state),
                "createdAt": index.as_ref().map(|i| i.created_at.clone()),
                "dueAt": index.and_then(|i| i.due_at),
            }));
        }
        let events: Vec<String> = changes
            .events
            .iter()
            .map(text)
            .collect::<ordercore::Result<_>>()?;
        let idempotency = match &changes.idempotency {
            Some(record) => json!({"key": record.key, "record": text(record)?}),
            None => Value::Null,
        };
        let change = json!({"writes": writes, "events": events, "idempotency": idempotency});
        match self.commit.ask(change)? {
            Value::Null => Ok(()),
            Value::String(status) => match status.as_str() {
                "ok" => Ok(()),
                "version_conflict" => Err(ordercore::Error::VersionConflict {
                    key: "store".into(),
                }),
                "idempotency_conflict" => Err(ordercore::Error::IdempotencyConflict {
                    key: changes
                        .idempotency
                        .as_ref()
                        .map(|r| r.key.clone())
                        .unwrap_or_default(),
                }),
                other => Err(self.commit.unreadable("commit status", other)),
            },
            other => Err(self.commit.unreadable("commit status", other)),
        }
    }

    fn find_orders(&self, query: &OrderQuery) -> ordercore::Result<OrderPage> {
        let q = query.filter()?;
        let filter = json!({
            "customerId": q.customer_id,
            "state": q.state,
            "dueBefore": q.due_before,
            "afterCreatedAt": q.after.as_ref().map(|(at, _)| at),
            "afterId": q.after.as_ref().map(|(_, id)| id),
            "limit": q.limit,
        });
        let answer = self.find_orders.ask(filter)?;
        let documents = answer["documents"].as_array().ok_or_else(|| {
            self.find_orders
                .unreadable("page", "`documents` is not an array")
        })?;
        let mut orders = Vec::with_capacity(documents.len());
        for document in documents {
            let text = document.as_str().ok_or_else(|| {
                self.find_orders
                    .unreadable("page", "a document is not a string")
            })?;
            if let Document::Order(order) =
                serde_json::from_str(text).map_err(|e| self.find_orders.unreadable("order", e))?
            {
                orders.push(std::sync::Arc::unwrap_or_clone(order));
            }
        }
        let next = if answer["more"].as_bool().unwrap_or(false) {
            orders.last().map(ordercore::store::order_cursor)
        } else {
            None
        };
        Ok(OrderPage { orders, next })
    }

    fn idempotency(&self, key: &str) -> ordercore::Result<Option<IdempotencyRecord>> {
        match self.idempotency.ask(key.to_string())? {
            Value::Null => Ok(None),
            Value::String(record) => serde_json::from_str(&record)
                .map(Some)
                .map_err(|e| self.idempotency.unreadable("record", e)),
            other => Err(self.idempotency.unreadable("record", other)),
        }
    }

    fn pending_events(&self, limit: usize) -> ordercore::Result<Vec<OutboxEntry>> {
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let answer = self.pending_events.ask(limit)?;
        let rows = answer
            .as_array()
            .ok_or_else(|| self.pending_events.unreadable("events", "not an array"))?;
        rows.iter()
            .map(|row| {
                let position = row["position"].as_u64().ok_or_else(|| {
                    self.pending_events
                        .unreadable("events", "`position` is not a whole number")
                })?;
                let event = row["event"].as_str().ok_or_else(|| {
                    self.pending_events
                        .unreadable("events", "`event` is not a string")
                })?;
                Ok(OutboxEntry {
                    position,
                    event: serde_json::from_str(event)
                        .map_err(|e| self.pending_events.unreadable("event", e))?,
                })
            })
            .collect()
    }

    fn mark_delivered(&self, positions: &[u64]) -> ordercore::Result<()> {
        let positions = positions
            .iter()
            .map(|&p| i64::try_from(p).map_err(|_| self.mark_delivered.unreadable("position", p)))
            .collect::<ordercore::Result<Vec<i64>>>()?;
        self.mark_delivered.ask(positions).map(|_| ())
    }
}
