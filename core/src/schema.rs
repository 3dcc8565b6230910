//! The JSON Schema of every document that crosses the engine's boundary (feature `schema`): what
//! hosts send (commands, queries, configuration, carts), what the engine answers (orders,
//! breakdowns, events, errors), and what host components are asked and answer (the store
//! protocol, gateways, carriers, tax services). `tools/typegen` writes them to `docs/schema/` and
//! generates the Python and TypeScript types from them.

use schemars::{JsonSchema, Schema, SchemaGenerator};

/// Which way a document travels, which decides how a binding types its amounts and instants
/// (an input takes `int` or `Date` as well; an answer is always text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent by the host to the engine.
    Input,
    /// Answered by the engine.
    Output,
    /// Asked of a host component (a store, a gateway): what the host reads.
    HostRequest,
    /// Answered by a host component: what the host writes, read as an input.
    HostAnswer,
}

/// One top-level document.
#[derive(Debug)]
pub struct Root {
    /// Its name (the Rust type's).
    pub name: String,
    /// Which way it travels.
    pub direction: Direction,
    /// Its schema, with the definitions it uses.
    pub schema: Schema,
}

fn root<T: JsonSchema>(direction: Direction) -> Root {
    Root {
        name: T::schema_name().into_owned(),
        direction,
        schema: SchemaGenerator::default().into_root_schema_for::<T>(),
    }
}

/// Every top-level document, inputs first.
pub fn roots() -> Vec<Root> {
    use crate::host::store as protocol;
    use Direction::{HostAnswer, HostRequest, Input, Output};
    vec![
        root::<crate::actor::Actor>(Input),
        root::<crate::command::Command>(Input),
        root::<crate::command::Query>(Input),
        root::<crate::engine::EngineSpec>(Input),
        root::<crate::pricing::Cart>(Input),
        root::<crate::pricing::PricingContext>(Input),
        root::<crate::command::CommandOutput>(Output),
        root::<crate::command::QueryOutput>(Output),
        root::<crate::order::Order>(Output),
        root::<crate::store::OrderPage>(Output),
        root::<crate::inventory::StockItem>(Output),
        root::<crate::pricing::PriceBreakdown>(Output),
        root::<crate::command::TickReport>(Output),
        root::<crate::store::OutboxEntry>(Output),
        root::<crate::event::DomainEvent>(Output),
        root::<crate::error::Error>(Output),
        root::<protocol::LoadRequest>(HostRequest),
        root::<protocol::StoredDocument>(HostAnswer),
        root::<protocol::CountersRequest>(HostRequest),
        root::<protocol::CommitRequest>(HostRequest),
        root::<protocol::CommitStatus>(HostAnswer),
        root::<protocol::FindRequest>(HostRequest),
        root::<protocol::FoundAnswer>(HostAnswer),
        root::<protocol::IdempotencyRequest>(HostRequest),
        root::<protocol::PendingEventsRequest>(HostRequest),
        root::<protocol::PendingEvent>(HostAnswer),
        root::<protocol::MarkDeliveredRequest>(HostRequest),
        root::<crate::payment::GatewayRequest>(HostRequest),
        root::<crate::payment::GatewayOutcome>(HostAnswer),
        root::<crate::tax::TaxRate>(HostAnswer),
        root::<crate::shipping::ShippingRate>(HostAnswer),
        root::<crate::shipping::Label>(HostAnswer),
    ]
}
