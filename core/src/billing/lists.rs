//! The billing lists' filters and pages: a customer's subscriptions (by the store's index, as
//! orders are listed) and a subscription's invoices (by the subscription's own list of them).

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use super::{Invoice, InvoiceState, Subscription, SubscriptionState};
use crate::error::Result;
use crate::store::{DocKind, Find, page_size, parse_after};

/// A filter over subscriptions, with stable pagination (by creation, oldest first).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct SubscriptionQuery {
    /// Only this customer's (a customer sees only its own, whatever it asks).
    pub customer_id: Option<String>,
    /// Only those in this state.
    pub state: Option<SubscriptionState>,
    /// Continue after this cursor (from the previous page).
    pub after: Option<String>,
    /// Page size (default 50, at most 500).
    pub limit: Option<usize>,
}

impl SubscriptionQuery {
    /// The store's [`Find`] for it (the cursor parsed).
    pub fn find(&self) -> Result<Find> {
        let after = parse_after(self.after.as_deref())?;
        Ok(Find {
            kind: DocKind::Subscription,
            customer_id: self.customer_id.clone(),
            state: self.state.map(SubscriptionState::name),
            due_before: None,
            after,
            limit: page_size(self.limit),
        })
    }
}

/// One page of subscriptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SubscriptionPage {
    /// The subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next: Option<String>,
}

/// A filter over one subscription's invoices, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InvoiceQuery {
    /// The subscription.
    pub subscription_id: SmolStr,
    /// Only invoices in this state.
    #[serde(default)]
    pub state: Option<InvoiceState>,
    /// Continue after this cursor (from the previous page: an invoice id).
    #[serde(default)]
    pub after: Option<String>,
    /// Page size (default 50, at most 500).
    #[serde(default)]
    pub limit: Option<usize>,
}

impl InvoiceQuery {
    /// The effective page size.
    pub fn page_size(&self) -> usize {
        page_size(self.limit)
    }
}

/// One page of invoices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InvoicePage {
    /// The invoices.
    pub invoices: Vec<Invoice>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next: Option<String>,
}
