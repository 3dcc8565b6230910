//! A store a host would write against the host-store protocol (`ordercore::host::store`): it
//! keeps the documents, events and records as the JSON text it is handed and filters orders by
//! their index columns, never parsing a document — as a SQL table would.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use ordercore::host::HostFunction;
use ordercore::host::store::{
    CommitRequest, CommitStatus, CountersRequest, FindRequest, FoundAnswer, IdempotencyRequest,
    LoadRequest, MarkDeliveredRequest, PendingEvent, PendingEventsRequest, StoredDocument,
    WriteRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Default)]
struct Tables {
    documents: BTreeMap<(String, String), (u64, WriteRequest)>,
    counters: HashMap<String, i64>,
    /// Events by position − 1, with whether they were delivered.
    events: Vec<(String, bool)>,
    records: HashMap<String, String>,
}

/// The protocol over tables of text.
#[derive(Default)]
pub struct TextStore(Mutex<Tables>);

fn parse<T: DeserializeOwned>(request: &str) -> ordercore::Result<T> {
    serde_json::from_str(request).map_err(|e| ordercore::Error::invalid("request", e.to_string()))
}

fn answer(value: impl Serialize) -> ordercore::Result<String> {
    serde_json::to_string(&value).map_err(|e| ordercore::Error::invalid("answer", e.to_string()))
}

impl Tables {
    fn commit(&mut self, request: CommitRequest) -> CommitStatus {
        let stale = request.writes.iter().any(|w| {
            let stored = self.documents.get(&(w.kind.clone(), w.id.clone()));
            stored.map_or(0, |(version, _)| *version) != w.expected_version
        });
        if stale {
            return CommitStatus::VersionConflict;
        }
        let mut counted = Vec::with_capacity(request.counters.len());
        for change in &request.counters {
            let current = self.counters.get(&change.name).copied().unwrap_or(0);
            match current
                .checked_add(change.delta)
                .filter(|&v| change.allows(v))
            {
                Some(value) => counted.push((change.name.clone(), value)),
                None => return CommitStatus::VersionConflict,
            }
        }
        if let Some(record) = &request.idempotency {
            if self.records.contains_key(&record.key) {
                return CommitStatus::IdempotencyConflict;
            }
            self.records
                .insert(record.key.clone(), record.record.clone());
        }
        self.counters.extend(counted);
        for write in request.writes {
            let key = (write.kind.clone(), write.id.clone());
            self.documents
                .insert(key, (write.expected_version + 1, write));
        }
        self.events
            .extend(request.events.into_iter().map(|e| (e, false)));
        CommitStatus::Ok
    }

    fn find(&self, q: FindRequest) -> FoundAnswer {
        let matches = |w: &WriteRequest| {
            let text = |v: &Option<String>| v.clone().unwrap_or_default();
            let after = match (&q.after_created_at, &q.after_id) {
                (Some(at), Some(id)) => {
                    (text(&w.created_at), w.id.clone()) > (at.clone(), id.clone())
                }
                _ => true,
            };
            w.kind == q.kind
                && q.customer_id
                    .as_ref()
                    .is_none_or(|c| w.customer_id.as_ref() == Some(c))
                && q.state.as_ref().is_none_or(|s| w.state.as_ref() == Some(s))
                && q.due_before
                    .as_ref()
                    .is_none_or(|d| w.due_at.as_ref().is_some_and(|due| due <= d))
                && after
        };
        let mut hits: Vec<&WriteRequest> = self
            .documents
            .values()
            .map(|(_, w)| w)
            .filter(|w| matches(w))
            .collect();
        hits.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        FoundAnswer {
            more: hits.len() > q.limit,
            documents: hits
                .iter()
                .take(q.limit)
                .map(|w| w.document.clone())
                .collect(),
        }
    }
}

impl HostFunction for TextStore {
    fn call(&self, method: &str, request: &str) -> ordercore::Result<String> {
        let mut tables = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match method {
            "load" => {
                let LoadRequest { kind, id } = parse(request)?;
                answer(
                    tables
                        .documents
                        .get(&(kind, id))
                        .map(|(version, write)| StoredDocument {
                            version: *version,
                            document: write.document.clone(),
                        }),
                )
            }
            "counters" => {
                let CountersRequest { names } = parse(request)?;
                let value = |name: &String| tables.counters.get(name);
                answer(
                    names
                        .iter()
                        .map(|n| value(n).copied().unwrap_or(0))
                        .collect::<Vec<_>>(),
                )
            }
            "commit" => answer(tables.commit(parse(request)?)),
            "find" => answer(tables.find(parse(request)?)),
            "idempotency" => {
                let IdempotencyRequest { key } = parse(request)?;
                answer(tables.records.get(&key))
            }
            "pending_events" => {
                let PendingEventsRequest { limit } = parse(request)?;
                let pending = (1u64..).zip(&tables.events).filter(|(_, (_, done))| !done);
                answer(
                    pending
                        .take(limit)
                        .map(|(position, (event, _))| PendingEvent {
                            position,
                            event: event.clone(),
                        })
                        .collect::<Vec<_>>(),
                )
            }
            "mark_delivered" => {
                let MarkDeliveredRequest { positions } = parse(request)?;
                for position in positions {
                    let index = (position as usize).checked_sub(1);
                    if let Some(event) = index.and_then(|i| tables.events.get_mut(i)) {
                        event.1 = true;
                    }
                }
                answer(())
            }
            other => Err(ordercore::Error::invalid("method", other)),
        }
    }
}
