//! Storage: versioned documents, guarded counters, atomic change sets, an outbox and idempotency
//! records.
//!
//! The surface is small on purpose: a host implements it over one SQL table of versioned
//! documents (`kind, id, version, body`), a table of counters (`name, value`), an outbox table
//! and an idempotency table, applying a [`ChangeSet`] in one transaction with
//! `UPDATE … WHERE version = expected` per write and one guarded increment per counter.
//! [`MemoryStore`] is the thread-safe default.
//!
//! Documents are read, changed and written back under their version: two commands changing the
//! same order conflict and one of them decides again. Counts that many commands change at once
//! — a hot sku's available and reserved units, a coupon's uses — are counters instead: a
//! command sends the change (`-2`) with the bounds the new value must stay in (`≥ 0`), so
//! concurrent checkouts of one sku never conflict, and the store refuses the change set only when
//! the bound is really broken (the units are gone).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::billing::{Invoice, Numbering, PlanVersions, Subscription};
use crate::error::{Error, Result};
use crate::event::DomainEvent;
use crate::inventory::StockSettings;
use crate::order::{Order, OrderState};

/// Kinds of stored documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// An [`Order`].
    Order,
    /// A [`StockSettings`], id `sku@location`.
    Stock,
    /// A [`CustomerRecord`], id = customer id.
    Customer,
    /// A [`CheckoutAttempt`], id = a digest of the actor and the host's idempotency key.
    Checkout,
    /// A subscription plan's versions ([`PlanVersions`]), id = plan id.
    Plan,
    /// A [`Subscription`], id = subscription id.
    Subscription,
    /// An [`Invoice`], id = invoice id.
    Invoice,
    /// A [`Numbering`] (the last number given), id = what it numbers (`invoice`).
    Sequence,
}

impl DocKind {
    /// The kind's name.
    pub fn name(self) -> &'static str {
        match self {
            DocKind::Order => "order",
            DocKind::Stock => "stock",
            DocKind::Customer => "customer",
            DocKind::Checkout => "checkout",
            DocKind::Plan => "plan",
            DocKind::Subscription => "subscription",
            DocKind::Invoice => "invoice",
            DocKind::Sequence => "sequence",
        }
    }
}

/// Identifies a document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DocKey {
    /// Its kind.
    pub kind: DocKind,
    /// Its id within the kind.
    pub id: SmolStr,
}

impl DocKey {
    /// A key.
    pub fn new(kind: DocKind, id: impl Into<SmolStr>) -> Self {
        DocKey {
            kind,
            id: id.into(),
        }
    }
}

// By hand and inline: hashed on every load and write of every command, and the derived
// version went through `SmolStr`'s `Hash`, which the compiler stopped inlining.
impl Hash for DocKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u8(self.kind as u8);
        self.id.as_str().hash(state);
    }
}

impl fmt::Display for DocKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind.name(), self.id)
    }
}

/// What the engine remembers of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CustomerRecord {
    /// The customer.
    pub customer_id: String,
    /// Orders placed.
    pub orders_placed: u64,
    /// Credit the customer holds (a downgrade's credit), applied to their next invoices before
    /// they are charged; never negative.
    #[serde(default)]
    pub credit_balance: Decimal,
}

/// A checkout (placing with payment, or paying) whose order and payment were secured under a
/// host's idempotency key: a retry with the key finds them and asks the provider again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckoutAttempt {
    /// The order.
    pub order_id: SmolStr,
    /// The payment awaiting the provider's answer.
    pub payment_id: SmolStr,
    /// The command's fingerprint: the same key with another command is a conflict, not a
    /// resumption of this checkout.
    #[serde(default)]
    pub fingerprint: String,
}

/// A stored document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
pub enum Document {
    /// An order. Shared: a stored order is immutable, so a load hands out the stored copy
    /// and a command changes its own copy before it commits a new one.
    Order(Arc<Order>),
    /// The settings of a sku's stock at a location (its counts are counters).
    Stock(StockSettings),
    /// A customer.
    Customer(CustomerRecord),
    /// A checkout secured and awaiting the provider's answer.
    Checkout(CheckoutAttempt),
    /// A subscription plan, every version. Boxed, as are the other large documents: every
    /// document a command reads is held in a `Document`, and a 20-line order's command reads
    /// twenty stock items.
    Plan(Box<PlanVersions>),
    /// A subscription.
    Subscription(Box<Subscription>),
    /// An invoice.
    Invoice(Box<Invoice>),
    /// The last number given in a sequence (invoice numbers).
    Sequence(Numbering),
}

impl Document {
    /// The kind.
    pub fn kind(&self) -> DocKind {
        match self {
            Document::Order(_) => DocKind::Order,
            Document::Stock(_) => DocKind::Stock,
            Document::Customer(_) => DocKind::Customer,
            Document::Checkout(_) => DocKind::Checkout,
            Document::Plan(_) => DocKind::Plan,
            Document::Subscription(_) => DocKind::Subscription,
            Document::Invoice(_) => DocKind::Invoice,
            Document::Sequence(_) => DocKind::Sequence,
        }
    }
}

/// The index columns of a listed document (an order or a subscription), borrowed: what a
/// store filters and orders [`Store::find`] by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexFields<'a> {
    /// The customer.
    pub customer_id: &'a str,
    /// The state's canonical name.
    pub state: &'static str,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When the scheduler must look at the document, if ever.
    pub due_at: Option<DateTime<Utc>>,
}

/// What a host stores beside a listed document (as indexed columns) to filter and list orders
/// and subscriptions without reading the JSON. Times are [`index_time`] text, which sorts and
/// compares correctly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentIndex {
    /// The customer.
    pub customer_id: String,
    /// The state's canonical name.
    pub state: &'static str,
    /// Creation time.
    pub created_at: String,
    /// When the scheduler must look at the document, if ever.
    pub due_at: Option<String>,
}

impl Document {
    /// The index columns of an order or a subscription; `None` for kinds that are not listed.
    pub fn index_fields(&self) -> Option<IndexFields<'_>> {
        match self {
            Document::Order(order) => Some(IndexFields {
                customer_id: &order.customer_id,
                state: order.state.name(),
                created_at: order.created_at,
                due_at: order.due_at,
            }),
            Document::Subscription(subscription) => Some(IndexFields {
                customer_id: &subscription.customer_id,
                state: subscription.state.name(),
                created_at: subscription.created_at,
                due_at: subscription.due_at,
            }),
            _ => None,
        }
    }

    /// The index columns as text, for host stores; `None` for kinds that are not listed.
    pub fn index(&self) -> Option<DocumentIndex> {
        self.index_fields().map(|fields| DocumentIndex {
            customer_id: fields.customer_id.to_string(),
            state: fields.state,
            created_at: index_time(fields.created_at),
            due_at: fields.due_at.map(index_time),
        })
    }

    /// The index columns as a SQL store writes them beside the document: all `None` (NULL)
    /// for kinds that are not listed.
    pub fn index_columns(&self) -> IndexColumns {
        self.index()
            .map(|index| IndexColumns {
                customer_id: Some(index.customer_id),
                state: Some(index.state),
                created_at: Some(index.created_at),
                due_at: index.due_at,
            })
            .unwrap_or_default()
    }
}

/// [`DocumentIndex`] as the nullable columns of a SQL table of every kind of document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexColumns {
    /// The customer.
    pub customer_id: Option<String>,
    /// The state's canonical name.
    pub state: Option<&'static str>,
    /// Creation time ([`index_time`] text).
    pub created_at: Option<String>,
    /// When the scheduler must look at the document ([`index_time`] text).
    pub due_at: Option<String>,
}

/// Whether documents of `kind` are listed (carry index columns).
pub fn is_listed(kind: DocKind) -> bool {
    matches!(kind, DocKind::Order | DocKind::Subscription)
}

/// An instant as index text: RFC 3339 in UTC with `Z`, the same form serde writes, so hosts can
/// compare and sort times as plain strings.
pub fn index_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// What [`Store::find`] lists: documents of one listed kind, filtered by their index columns,
/// ordered by `(created_at, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Find {
    /// The kind (an order or a subscription).
    pub kind: DocKind,
    /// Only this customer's.
    pub customer_id: Option<String>,
    /// Only those in this state (its canonical name).
    pub state: Option<&'static str>,
    /// Only those the scheduler must look at by this instant (`due_at <= due_before`).
    pub due_before: Option<DateTime<Utc>>,
    /// Only those after this `(created_at, id)`.
    pub after: Option<(DateTime<Utc>, SmolStr)>,
    /// At most this many.
    pub limit: usize,
}

impl Find {
    /// Whether a document with these index columns passes the filters (cursor aside).
    pub fn matches(&self, fields: &IndexFields<'_>) -> bool {
        self.customer_id
            .as_deref()
            .is_none_or(|c| c == fields.customer_id)
            && self.state.is_none_or(|s| s == fields.state)
            && self
                .due_before
                .is_none_or(|t| fields.due_at.is_some_and(|due| due <= t))
    }

    /// The filters as index text, for host stores.
    pub fn filter(&self) -> FindFilter {
        FindFilter {
            kind: self.kind.name(),
            customer_id: self.customer_id.clone(),
            state: self.state,
            due_before: self.due_before.map(index_time),
            after: (self.after.as_ref()).map(|(at, id)| (index_time(*at), id.to_string())),
            limit: self.limit,
        }
    }
}

/// A [`Find`] in the text form of [`DocumentIndex`], for host stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindFilter {
    /// The kind's name (`order`, `subscription`).
    pub kind: &'static str,
    /// Only this customer's.
    pub customer_id: Option<String>,
    /// Only those in this state.
    pub state: Option<&'static str>,
    /// Only those with `due_at <= due_before`.
    pub due_before: Option<String>,
    /// Only those after this `(created_at, id)`.
    pub after: Option<(String, String)>,
    /// Page size.
    pub limit: usize,
}

/// One page of [`Store::find`].
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The documents, ordered by `(created_at, id)`.
    pub documents: Vec<Document>,
    /// Whether more match after the last one.
    pub more: bool,
}

impl Found {
    /// Where the next page starts (`Find::after`); `None` on the last page.
    pub fn after(&self) -> Option<(DateTime<Utc>, SmolStr)> {
        let last = self.documents.last().filter(|_| self.more)?;
        let id = match last {
            Document::Order(order) => order.id.clone(),
            Document::Subscription(subscription) => subscription.id.clone(),
            _ => return None,
        };
        Some((last.index_fields()?.created_at, id))
    }

    /// The cursor continuing after this page, as a list query's `next`; `None` on the last
    /// page.
    pub fn next(&self) -> Option<String> {
        self.after().map(|(at, id)| cursor(at, &id))
    }
}

/// A document with its version (1 for the first write, +1 per write).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Versioned<T> {
    /// The version.
    pub version: u64,
    /// The document.
    pub value: T,
}

/// One write of a change set: applies only if the stored version is still `expected_version`
/// (0: the document must not exist yet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Write {
    /// What.
    pub key: DocKey,
    /// The version read.
    pub expected_version: u64,
    /// The new content (stored as `expected_version + 1`).
    pub document: Document,
}

/// The places of the `items` that have a key (with their key prefixes), in key order: the order a change set's writes
/// come in. Keys are compared by a 16-byte prefix first (the kind, then the id's first 15
/// bytes) and in full only when the prefixes tie; sorting places rather than the items, each
/// ≈ 150 bytes, and comparing whole keys at every step was a sixteenth of a 20-line lifecycle.
pub(crate) fn key_order<T>(
    items: &[T],
    key: impl Fn(&T) -> Option<&DocKey>,
) -> smallvec::IntoIter<[(u128, u32); 32]> {
    let mut order: smallvec::SmallVec<[(u128, u32); 32]> = items
        .iter()
        .zip(0u32..)
        .filter_map(|(item, at)| Some((key_prefix(key(item)?), at)))
        .collect();
    order.sort_unstable_by(|(a, i), (b, j)| {
        a.cmp(b)
            .then_with(|| key(&items[*i as usize]).cmp(&key(&items[*j as usize])))
    });
    order.into_iter()
}

/// The kind and the id's first 15 bytes, big-endian and zero-padded: of two keys whose
/// prefixes differ, the one with the smaller prefix is the smaller key.
fn key_prefix(key: &DocKey) -> u128 {
    let mut bytes = [0u8; 16];
    bytes[0] = key.kind as u8;
    let id = key.id.as_bytes();
    let n = id.len().min(15);
    bytes[1..=n].copy_from_slice(&id[..n]);
    u128::from_be_bytes(bytes)
}

/// What a counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CounterKind {
    /// Units of a stock item not held by orders (id `sku@location`).
    Available,
    /// Units of a stock item held by orders (id `sku@location`).
    Reserved,
    /// Uses of a promotion with a usage limit (id: the promotion, escaped).
    PromotionUses,
    /// One customer's uses of a promotion (id: `promotion/customer`, each escaped).
    PromotionCustomerUses,
}

impl CounterKind {
    /// The kind's name, the first part of a counter's name.
    pub fn name(self) -> &'static str {
        match self {
            CounterKind::Available => "available",
            CounterKind::Reserved => "reserved",
            CounterKind::PromotionUses => "promotion_uses",
            CounterKind::PromotionCustomerUses => "promotion_customer_uses",
        }
    }

    const ALL: [CounterKind; 4] = [
        CounterKind::Available,
        CounterKind::Reserved,
        CounterKind::PromotionUses,
        CounterKind::PromotionCustomerUses,
    ];
}

/// Identifies a counter; its name (`available/SKU@main`, `promotion_uses/save5`) is what a
/// host store keeps. Hashed like a [`DocKey`] (the kind, then the id): a command finds a stock
/// item's counters from the item's own id, without building names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CounterKey {
    /// What it counts.
    pub kind: CounterKind,
    /// Of what.
    pub id: SmolStr,
}

impl CounterKey {
    /// The available units of the stock item `sku@location` (its document id).
    pub fn available(stock_id: impl Into<SmolStr>) -> Self {
        CounterKey {
            kind: CounterKind::Available,
            id: stock_id.into(),
        }
    }

    /// The reserved units of the stock item `sku@location` (its document id).
    pub fn reserved(stock_id: impl Into<SmolStr>) -> Self {
        CounterKey {
            kind: CounterKind::Reserved,
            id: stock_id.into(),
        }
    }

    /// The uses of a promotion.
    pub fn promotion_uses(promotion_id: &str) -> Self {
        CounterKey {
            kind: CounterKind::PromotionUses,
            id: escaped(&[promotion_id]),
        }
    }

    /// A customer's uses of a promotion.
    pub fn promotion_customer_uses(promotion_id: &str, customer_id: &str) -> Self {
        CounterKey {
            kind: CounterKind::PromotionCustomerUses,
            id: escaped(&[promotion_id, customer_id]),
        }
    }

    /// The key of a counter's name, if it is one of the engine's.
    pub fn parse(name: &str) -> Option<Self> {
        let (kind, id) = name.split_once('/')?;
        let kind = CounterKind::ALL.into_iter().find(|k| k.name() == kind)?;
        Some(CounterKey {
            kind,
            id: id.into(),
        })
    }
}

/// `parts` joined by `/`, each with `%` and `/` escaped (`%25`, `%2F`), so that no two lists of
/// parts give the same id.
fn escaped(parts: &[&str]) -> SmolStr {
    let mut id = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            id.push('/');
        }
        for c in part.chars() {
            match c {
                '%' => id.push_str("%25"),
                '/' => id.push_str("%2F"),
                c => id.push(c),
            }
        }
    }
    id.into()
}

impl Hash for CounterKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u8(self.kind as u8);
        self.id.as_str().hash(state);
    }
}

impl fmt::Display for CounterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind.name(), self.id)
    }
}

impl Serialize for CounterKey {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CounterKey {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        CounterKey::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("{name:?} is not a counter's name")))
    }
}

/// A change of a counter, applied only if the counter's new value stays within the bounds.
/// A counter that was never changed is 0. A delta of 0 with bounds is a guard only: the change
/// set applies only if the counter is within them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterDelta {
    /// The counter (serialized as its name, `available/<sku>@<location>`, …).
    pub key: CounterKey,
    /// Added to the counter.
    pub delta: i64,
    /// The new value must be at least this.
    pub min: Option<i64>,
    /// The new value must be at most this.
    pub max: Option<i64>,
}

impl CounterDelta {
    /// Whether `value` (the counter's value after the delta) is within the bounds.
    pub fn allows(&self, value: i64) -> bool {
        within(self.min, self.max, value)
    }

    /// The counter's value after the delta, if it stays within the bounds.
    pub fn apply(&self, current: i64) -> Option<i64> {
        current.checked_add(self.delta).filter(|&v| self.allows(v))
    }
}

/// Whether `value` is within `min..=max` (either open).
pub fn within(min: Option<i64>, max: Option<i64>, value: i64) -> bool {
    min.is_none_or(|min| value >= min) && max.is_none_or(|max| value <= max)
}

/// What the first execution of an idempotent command answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IdempotencyRecord {
    /// The key.
    pub key: String,
    /// SHA-256 of the command, so the same key with another command is refused.
    pub fingerprint: String,
    /// The answer to replay.
    pub outcome: std::result::Result<serde_json::Value, Error>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Everything one command changes, applied all or nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChangeSet {
    /// Document writes, each guarded by its expected version, in key order (kind, then id):
    /// a SQL store that locks their rows in this order cannot deadlock against another process.
    pub writes: Vec<Write>,
    /// Counter changes, one per counter, in name order (for the same reason); each must stay
    /// within its bounds, else nothing is stored (`version_conflict` naming the counter).
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub counters: Vec<CounterDelta>,
    /// Events for the outbox.
    pub events: Vec<DomainEvent>,
    /// The idempotency record (must not exist yet).
    pub idempotency: Option<IdempotencyRecord>,
}

/// A filter over orders, with stable pagination.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct OrderQuery {
    /// Only this customer's orders.
    pub customer_id: Option<String>,
    /// Only orders in this state.
    pub state: Option<OrderState>,
    /// Only orders the scheduler must look at by this instant.
    pub due_before: Option<DateTime<Utc>>,
    /// Continue after this cursor (from the previous page).
    pub after: Option<String>,
    /// Page size (default 50, at most 500).
    pub limit: Option<usize>,
}

impl OrderQuery {
    /// The effective page size.
    pub fn page_size(&self) -> usize {
        page_size(self.limit)
    }

    /// The orders' [`Find`] (the cursor parsed).
    pub fn find(&self) -> Result<Find> {
        let after = parse_after(self.after.as_deref())?;
        Ok(Find {
            kind: DocKind::Order,
            customer_id: self.customer_id.clone(),
            state: self.state.map(OrderState::name),
            due_before: self.due_before,
            after,
            limit: self.page_size(),
        })
    }
}

/// A list's page size: 50 unless asked, between 1 and 500.
pub fn page_size(limit: Option<usize>) -> usize {
    limit.unwrap_or(50).clamp(1, 500)
}

/// Documents are listed by `(created_at, id)`; the cursor encodes the last one of a page.
pub fn cursor(created_at: DateTime<Utc>, id: &str) -> String {
    format!("{}|{id}", created_at.to_rfc3339())
}

/// One page of orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OrderPage {
    /// The orders.
    pub orders: Vec<Order>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next: Option<String>,
}

impl OrderPage {
    /// The orders of a [`Store::find`] page of orders (other kinds are the store's mistake).
    pub fn of(found: Found) -> Result<OrderPage> {
        let next = found.next();
        let mut orders = Vec::with_capacity(found.documents.len());
        for document in found.documents {
            match document {
                Document::Order(order) => orders.push(Arc::unwrap_or_clone(order)),
                other => return Err(wrong_kind(DocKind::Order, other.kind())),
            }
        }
        Ok(OrderPage { orders, next })
    }
}

/// A store answered a `find` with a document of another kind.
pub fn wrong_kind(asked: DocKind, answered: DocKind) -> Error {
    store_fault(format!(
        "find for {} documents answered a {} document",
        asked.name(),
        answered.name()
    ))
}

/// A store's own fault (its database down, its text unreadable) as the engine's error:
/// `provider_error` from the component `store`. For stores written in Rust.
pub fn store_fault(message: impl fmt::Display) -> Error {
    Error::Provider {
        component: "store".into(),
        message: message.to_string(),
    }
}

/// A document, event or record (`what`) from the JSON text a store kept of it; text that does
/// not read is the store's fault.
pub fn from_stored<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| store_fault(format!("an unreadable {what}: {e}")))
}

/// The JSON text a store keeps of a document, event or record.
pub fn to_stored<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(store_fault)
}

/// An event in the outbox with its position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OutboxEntry {
    /// Position in the outbox (increasing).
    pub position: u64,
    /// The event.
    pub event: DomainEvent,
}

/// Storage the engine runs on.
pub trait Store: Send + Sync {
    /// The current version of a document.
    fn load(&self, key: &DocKey) -> Result<Option<Versioned<Document>>>;
    /// The values of counters, in the order asked (0 for a counter never changed).
    fn counters(&self, keys: &[CounterKey]) -> Result<Vec<i64>>;
    /// Applies `changes` atomically: every write's expected version must match and every
    /// counter's new value stay within its bounds (else `version_conflict` naming the key or
    /// counter) and the idempotency key must be new (else `idempotency_conflict`); then all
    /// writes, counter changes, events and the record are stored together.
    fn commit(&self, changes: ChangeSet) -> Result<()>;
    /// Documents of `query.kind` (orders, subscriptions) passing its filters, ordered by
    /// `(created_at, id)`, after `query.after`, at most `query.limit`.
    fn find(&self, query: &Find) -> Result<Found>;
    /// Orders matching `query`, a page at a time ([`find`](Self::find) for orders).
    fn find_orders(&self, query: &OrderQuery) -> Result<OrderPage> {
        OrderPage::of(self.find(&query.find()?)?)
    }
    /// The idempotency record of `key`.
    fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>>;
    /// Undelivered outbox events, oldest first.
    fn pending_events(&self, limit: usize) -> Result<Vec<OutboxEntry>>;
    /// Marks outbox events delivered.
    fn mark_delivered(&self, positions: &[u64]) -> Result<()>;
}

#[derive(Debug, Default)]
struct MemoryInner {
    /// foldhash instead of SipHash: a third of the time per lookup, still seeded per map.
    documents: HashMap<DocKey, Versioned<Document>, foldhash::fast::RandomState>,
    counters: HashMap<CounterKey, i64, foldhash::fast::RandomState>,
    /// Listed documents (orders, subscriptions) by `(kind, created_at, id)`.
    listed: BTreeMap<(DocKind, DateTime<Utc>, SmolStr), ()>,
    /// The outbox from its oldest undelivered event on, each with whether it was delivered
    /// (out of order, behind an undelivered one). Delivered events are dropped once every
    /// event before them is delivered too, so a store whose outbox is relayed stays the size
    /// of what it holds, not of everything it ever committed.
    outbox: VecDeque<(DomainEvent, bool)>,
    /// How many events were dropped: `outbox[0]` is at position `dropped + 1` (positions
    /// count from 1 and are never reused).
    dropped: u64,
    idempotency: HashMap<String, IdempotencyRecord, foldhash::fast::RandomState>,
}

/// A thread-safe in-memory [`Store`].
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RwLock<MemoryInner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, MemoryInner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, MemoryInner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The events still in the outbox, oldest first: every event committed since the oldest
    /// undelivered one (all of them, if the outbox is never relayed — tests and demos).
    pub fn all_events(&self) -> Vec<DomainEvent> {
        self.read().outbox.iter().map(|(e, _)| e.clone()).collect()
    }

    /// Number of stored documents of `kind`.
    pub fn count(&self, kind: DocKind) -> usize {
        self.read()
            .documents
            .keys()
            .filter(|k| k.kind == kind)
            .count()
    }
}

impl Store for MemoryStore {
    fn load(&self, key: &DocKey) -> Result<Option<Versioned<Document>>> {
        Ok(self.read().documents.get(key).cloned())
    }

    fn counters(&self, keys: &[CounterKey]) -> Result<Vec<i64>> {
        let inner = self.read();
        Ok(keys
            .iter()
            .map(|key| inner.counters.get(key).copied().unwrap_or(0))
            .collect())
    }

    fn commit(&self, changes: ChangeSet) -> Result<()> {
        let mut inner = self.write();
        for write in &changes.writes {
            let current = inner.documents.get(&write.key).map_or(0, |d| d.version);
            if current != write.expected_version {
                return Err(Error::VersionConflict {
                    key: write.key.to_string(),
                });
            }
        }
        let mut counted = Vec::with_capacity(changes.counters.len());
        for change in &changes.counters {
            let current = inner.counters.get(&change.key).copied().unwrap_or(0);
            let value = change
                .apply(current)
                .ok_or_else(|| Error::VersionConflict {
                    key: format!("counter/{}", change.key),
                })?;
            counted.push(value);
        }
        if let Some(record) = &changes.idempotency
            && inner.idempotency.contains_key(&record.key)
        {
            return Err(Error::IdempotencyConflict {
                key: record.key.clone(),
            });
        }
        for write in changes.writes {
            // A document's place in the list (creation time, id) never changes: only new ones
            // are added.
            if let (Some(fields), 0) = (write.document.index_fields(), write.expected_version) {
                let place = (write.key.kind, fields.created_at, write.key.id.clone());
                inner.listed.insert(place, ());
            }
            inner.documents.insert(
                write.key,
                Versioned {
                    version: write.expected_version + 1,
                    value: write.document,
                },
            );
        }
        for (change, value) in changes.counters.into_iter().zip(counted) {
            inner.counters.insert(change.key, value);
        }
        inner
            .outbox
            .extend(changes.events.into_iter().map(|event| (event, false)));
        if let Some(record) = changes.idempotency {
            inner.idempotency.insert(record.key.clone(), record);
        }
        Ok(())
    }

    fn find(&self, query: &Find) -> Result<Found> {
        use std::ops::Bound;
        let inner = self.read();
        let start = match &query.after {
            Some((at, id)) => Bound::Excluded((query.kind, *at, id.clone())),
            None => Bound::Included((query.kind, DateTime::<Utc>::MIN_UTC, SmolStr::default())),
        };
        let mut documents = Vec::new();
        let mut more = false;
        let places = inner
            .listed
            .range((start, Bound::Unbounded))
            .map(|(k, _)| k);
        for (kind, _, id) in places.take_while(|(kind, _, _)| *kind == query.kind) {
            let Some(stored) = inner.documents.get(&DocKey::new(*kind, id.as_str())) else {
                continue;
            };
            if !(stored.value.index_fields()).is_some_and(|fields| query.matches(&fields)) {
                continue;
            }
            if documents.len() == query.limit {
                more = true;
                break;
            }
            documents.push(stored.value.clone());
        }
        Ok(Found { documents, more })
    }

    fn idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>> {
        Ok(self.read().idempotency.get(key).cloned())
    }

    fn pending_events(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        let inner = self.read();
        Ok(inner
            .outbox
            .iter()
            .zip(inner.dropped + 1..)
            .filter(|((_, sent), _)| !sent)
            .take(limit)
            .map(|((event, _), position)| OutboxEntry {
                position,
                event: event.clone(),
            })
            .collect())
    }

    fn mark_delivered(&self, positions: &[u64]) -> Result<()> {
        let mut inner = self.write();
        let MemoryInner {
            outbox, dropped, ..
        } = &mut *inner;
        for &position in positions {
            // Positions before the outbox's start were delivered and dropped already.
            let index = position
                .checked_sub(*dropped + 1)
                .and_then(|index| usize::try_from(index).ok());
            if let Some(entry) = index.and_then(|index| outbox.get_mut(index)) {
                entry.1 = true;
            }
        }
        while outbox.front().is_some_and(|(_, sent)| *sent) {
            outbox.pop_front();
            *dropped += 1;
        }
        Ok(())
    }
}

/// Parses a cursor made by [`cursor`].
pub fn parse_cursor(cursor: &str) -> Result<(DateTime<Utc>, SmolStr)> {
    let bad = || Error::invalid("after", "not a cursor returned by a previous page");
    let (at, id) = cursor.split_once('|').ok_or_else(bad)?;
    let at = DateTime::parse_from_rfc3339(at)
        .map_err(|_| bad())?
        .with_timezone(&Utc);
    Ok((at, id.into()))
}

/// A list query's `after` as [`Find::after`]: where the page starts, if it continues one.
pub fn parse_after(after: Option<&str>) -> Result<Option<(DateTime<Utc>, SmolStr)>> {
    after.map(parse_cursor).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventPayload;

    fn event(n: u64) -> DomainEvent {
        DomainEvent {
            id: smol_str::format_smolstr!("evt_{n}"),
            aggregate: "order/o1".into(),
            sequence: n,
            order_id: Some("o1".into()),
            customer_id: None,
            at: DateTime::<Utc>::default(),
            correlation_id: None,
            payload: EventPayload::OrderProcessing,
        }
    }

    fn pending(store: &MemoryStore, limit: usize) -> Vec<(u64, String)> {
        let entries = store.pending_events(limit).unwrap_or_default();
        entries
            .into_iter()
            .map(|e| (e.position, e.event.id.to_string()))
            .collect()
    }

    #[test]
    fn the_outbox_hands_out_undelivered_events_in_order_whatever_order_they_are_acknowledged() {
        let store = MemoryStore::new();
        for batch in [vec![event(1), event(2)], vec![event(3)], vec![event(4)]] {
            let changes = ChangeSet {
                events: batch,
                ..ChangeSet::default()
            };
            assert!(store.commit(changes).is_ok());
        }
        let first = pending(&store, 10);
        assert_eq!(first.iter().map(|p| p.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert_eq!(first[2].1, "evt_3");
        assert_eq!(pending(&store, 2).len(), 2);
        // Acknowledged out of order, with unknown positions ignored.
        assert!(store.mark_delivered(&[3, 0, 99]).is_ok());
        assert_eq!(
            pending(&store, 10).iter().map(|p| p.0).collect::<Vec<_>>(),
            [1, 2, 4]
        );
        assert!(store.mark_delivered(&[1, 2]).is_ok());
        assert_eq!(
            pending(&store, 10).iter().map(|p| p.0).collect::<Vec<_>>(),
            [4]
        );
        assert_eq!(
            store.all_events().len(),
            1,
            "delivered events are dropped once everything before them was delivered"
        );
        assert!(store.mark_delivered(&[4, 4]).is_ok());
        assert!(pending(&store, 10).is_empty());
        assert!(store.all_events().is_empty());
        // Positions go on from where they were, and old ones acknowledged again change nothing.
        let changes = ChangeSet {
            events: vec![event(5)],
            ..ChangeSet::default()
        };
        assert!(store.commit(changes).is_ok());
        assert!(store.mark_delivered(&[1, 2, 3, 4]).is_ok());
        assert_eq!(pending(&store, 10), [(5, "evt_5".to_string())]);
    }

    /// A stock document told apart by its threshold.
    fn stock(sku: &str, on_hand: i64) -> Document {
        Document::Stock(StockSettings {
            low_stock_threshold: Some(on_hand),
            ..StockSettings::new(sku, "main")
        })
    }

    fn write(sku: &str, expected_version: u64, on_hand: i64) -> Write {
        Write {
            key: DocKey::new(DocKind::Stock, sku),
            expected_version,
            document: stock(sku, on_hand),
        }
    }

    fn record(key: &str) -> IdempotencyRecord {
        IdempotencyRecord {
            key: key.into(),
            fingerprint: String::new(),
            outcome: Ok(serde_json::Value::Null),
            at: DateTime::<Utc>::default(),
        }
    }

    fn on_hand(store: &MemoryStore, sku: &str) -> Option<(u64, i64)> {
        match store.load(&DocKey::new(DocKind::Stock, sku)) {
            Ok(Some(Versioned {
                version,
                value: Document::Stock(item),
            })) => Some((version, item.low_stock_threshold?)),
            _ => None,
        }
    }

    fn counted(name: &str, delta: i64, min: Option<i64>, max: Option<i64>) -> CounterDelta {
        CounterDelta {
            key: CounterKey::available(name),
            delta,
            min,
            max,
        }
    }

    #[test]
    fn counters_change_by_deltas_within_their_bounds_or_not_at_all() {
        let store = MemoryStore::new();
        let names = [CounterKey::available("a"), CounterKey::available("b")];
        assert_eq!(store.counters(&names).ok(), Some(vec![0, 0]));
        let fill = ChangeSet {
            counters: vec![counted("a", 5, None, None), counted("b", 2, Some(0), None)],
            ..ChangeSet::default()
        };
        assert!(store.commit(fill).is_ok());
        // "b" would go below 0: "a" and the write are not applied either.
        let short = ChangeSet {
            writes: vec![write("x", 0, 1)],
            counters: vec![
                counted("a", -1, Some(0), None),
                counted("b", -3, Some(0), None),
            ],
            events: vec![event(1)],
            ..ChangeSet::default()
        };
        let refused = store.commit(short).err();
        assert_eq!(refused.as_ref().map(Error::code), Some("version_conflict"));
        assert!(refused.is_some_and(|e| e.to_string().contains("counter/available/b")));
        assert_eq!(store.counters(&names).ok(), Some(vec![5, 2]));
        assert_eq!(on_hand(&store, "x"), None);
        assert!(store.all_events().is_empty());
        // A guard alone (delta 0) and an upper bound.
        let capped = ChangeSet {
            counters: vec![counted("a", 0, None, Some(4))],
            ..ChangeSet::default()
        };
        assert!(store.commit(capped).is_err());
        let fits = ChangeSet {
            counters: vec![
                counted("a", -1, None, Some(4)),
                counted("b", -2, Some(0), None),
            ],
            ..ChangeSet::default()
        };
        assert!(store.commit(fits).is_ok());
        assert_eq!(store.counters(&names).ok(), Some(vec![4, 0]));
    }

    #[test]
    fn counter_names_escape_their_parts_and_read_back() {
        let name = |key: CounterKey| key.to_string();
        let of = CounterKey::promotion_customer_uses;
        assert_eq!(name(of("a/b", "c")), "promotion_customer_uses/a%2Fb/c");
        assert_ne!(name(of("a/b", "c")), name(of("a", "b/c")));
        assert_eq!(
            name(CounterKey::promotion_uses("50%")),
            "promotion_uses/50%25"
        );
        assert_eq!(name(CounterKey::available("A@main")), "available/A@main");
        for key in [of("a/b", "c"), CounterKey::reserved("A@main")] {
            assert_eq!(CounterKey::parse(&key.to_string()), Some(key));
        }
        assert_eq!(CounterKey::parse("nonsense/x"), None);
    }

    #[test]
    fn a_change_set_that_conflicts_anywhere_changes_nothing() {
        let store = MemoryStore::new();
        let first = ChangeSet {
            writes: vec![write("a", 0, 5), write("b", 0, 7)],
            idempotency: Some(record("k1")),
            ..ChangeSet::default()
        };
        assert!(store.commit(first).is_ok());
        // "b" is stale: "a" and the new "c" are not written either.
        let stale = ChangeSet {
            writes: vec![write("a", 1, 4), write("c", 0, 1), write("b", 0, 6)],
            events: vec![event(1)],
            ..ChangeSet::default()
        };
        let error = store.commit(stale).err().map(|e| e.code());
        assert_eq!(error, Some("version_conflict"));
        // Every write fits, but the idempotency key was used: nothing is written either.
        let replayed = ChangeSet {
            writes: vec![write("a", 1, 3), write("d", 0, 1)],
            idempotency: Some(record("k1")),
            ..ChangeSet::default()
        };
        let error = store.commit(replayed).err().map(|e| e.code());
        assert_eq!(error, Some("idempotency_conflict"));
        assert_eq!(on_hand(&store, "a"), Some((1, 5)));
        assert_eq!(on_hand(&store, "b"), Some((1, 7)));
        assert_eq!(on_hand(&store, "c"), None);
        assert_eq!(on_hand(&store, "d"), None);
        assert!(store.all_events().is_empty());
        // And a change set that fits applies whole.
        let next = ChangeSet {
            writes: vec![write("a", 1, 2), write("c", 0, 1)],
            ..ChangeSet::default()
        };
        assert!(store.commit(next).is_ok());
        assert_eq!(on_hand(&store, "a"), Some((2, 2)));
        assert_eq!(on_hand(&store, "c"), Some((1, 1)));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2_000, failure_persistence: None, ..Default::default() })]

        /// Keys of every kind, with ids that share long prefixes, end early or hold NUL bytes
        /// (which tie with the padding): the places of the keyed writes, each once, in the order
        /// of sorting them by the whole key.
        #[test]
        fn writes_are_ordered_by_whole_key(
            keys in proptest::collection::vec((0u8..8, "(sku-0000000000000|a|\\x00){0,3}[a-c\\x00]{0,3}"), 0..40),
        ) {
            let kinds = [
                DocKind::Order,
                DocKind::Stock,
                DocKind::Checkout,
                DocKind::Customer,
                DocKind::Plan,
                DocKind::Subscription,
                DocKind::Invoice,
                DocKind::Sequence,
            ];
            let writes: Vec<Write> = keys
                .iter()
                .zip(0u64..)
                .map(|((kind, id), n)| Write {
                    key: DocKey::new(kinds[usize::from(*kind)], id.as_str()),
                    expected_version: n,
                    document: Document::Stock(StockSettings::new(id, "")),
                })
                .collect();
            // Every third write has no key: left out.
            let mut expected: Vec<Write> =
                writes.iter().filter(|w| w.expected_version % 3 != 0).cloned().collect();
            expected.sort_by(|a, b| a.key.cmp(&b.key));
            let order = key_order(&writes, |w| (w.expected_version % 3 != 0).then_some(&w.key));
            let writes: Vec<Write> = order.map(|(_, at)| writes[at as usize].clone()).collect();
            let key_list = |writes: &[Write]| writes.iter().map(|w| w.key.clone()).collect::<Vec<_>>();
            proptest::prop_assert_eq!(key_list(&writes), key_list(&expected));
            // Each keyed write's place once.
            let mut versions: Vec<u64> = writes.iter().map(|w| w.expected_version).collect();
            versions.sort_unstable();
            let kept: Vec<u64> = (0..keys.len() as u64).filter(|n| n % 3 != 0).collect();
            proptest::prop_assert_eq!(versions, kept);
        }
    }
}
