//! Invoices: what a subscription owes for a period, its changes and one-off items — priced by the
//! same pricer as orders, so promotions, tax and rounding follow the same rules and every number
//! is explained the same way.
//!
//! Charges (the period, seats, a setup fee, a proration charge, one-off items) are priced as one
//! cart, with the invoice's coupons; credits (unused time of a plan left mid-period) as another,
//! without coupons — automatic promotions and tax apply to them as to the charge they give
//! back — then subtracted. An invoice never
//! asks for less than nothing: when its credits exceed its charges the difference is carried to
//! the customer's credit balance, and a balance is applied before anything is charged.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use super::invoice_machine::{InvoiceAction, InvoiceMachine, InvoiceState};
use super::period::Period;
use crate::address::Address;
use crate::error::{Error, Result};
use crate::money::{Currency, CurrencyRegistry};
use crate::pricing::{Cart, CartLine, LineBreakdown, PriceBreakdown, Pricer, PricingContext};
use crate::state_machine::StateMachine;
use crate::tax::TaxClass;

/// What an invoice line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A period of the plan (per seat: the seats are the quantity).
    Period,
    /// The plan's setup fee.
    SetupFee,
    /// The remaining time of a period at a new plan or seat count.
    ProrationCharge,
    /// The unused time of a period at the old plan or seat count, given back.
    ProrationCredit,
    /// Anything else the host bills once.
    Item,
}

impl LineKind {
    fn name(self) -> &'static str {
        match self {
            LineKind::Period => "period",
            LineKind::SetupFee => "setup_fee",
            LineKind::ProrationCharge => "proration_charge",
            LineKind::ProrationCredit => "proration_credit",
            LineKind::Item => "item",
        }
    }
}

/// Something to bill (a credit's amount is given as a positive number: its kind says it is one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InvoiceItem {
    /// What it is for.
    pub kind: LineKind,
    /// What the customer reads.
    pub description: String,
    /// The amount of one unit, at the currency's scale, not negative.
    pub unit_amount: Decimal,
    /// Units (seats), at least 1.
    pub quantity: u32,
    /// Its tax class.
    pub tax_class: TaxClass,
    /// The period it covers, if any.
    pub period: Option<Period>,
}

/// A priced invoice line; a credit's amounts are negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InvoiceLine {
    /// What it is for.
    pub kind: LineKind,
    /// What the customer reads.
    pub description: String,
    /// Units.
    pub quantity: u32,
    /// The amount of one unit (positive, also for credits).
    pub unit_amount: Decimal,
    /// Units × unit amount (negative for a credit).
    pub amount: Decimal,
    /// Promotions' share of it (negative on a credit: it gives back less).
    pub discount: Decimal,
    /// Its tax (negative for a credit).
    pub tax: Decimal,
    /// Amount − discount + tax (tax-exclusive prices).
    pub total: Decimal,
    /// The period it covers, if any.
    pub period: Option<Period>,
}

/// An invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Invoice {
    /// Invoice id.
    pub id: SmolStr,
    /// Its number, given when it is finalized (gapless per store).
    pub number: Option<String>,
    /// The customer.
    pub customer_id: SmolStr,
    /// The subscription it bills, if any.
    pub subscription_id: Option<SmolStr>,
    /// ISO-4217 currency of every amount.
    pub currency: SmolStr,
    /// Where it stands.
    pub state: InvoiceState,
    /// Its lines: charges, then credits, each in the order given.
    pub lines: Vec<InvoiceLine>,
    /// Σ line amounts (credits negative).
    pub subtotal: Decimal,
    /// Σ discounts.
    pub discount_total: Decimal,
    /// Σ tax (credits' tax negative).
    pub tax_total: Decimal,
    /// What the lines come to, never below zero.
    pub total: Decimal,
    /// What the credits exceeded the charges by: added to the customer's credit balance.
    pub credit_carried: Decimal,
    /// The customer's credit balance used to pay it.
    pub credit_applied: Decimal,
    /// What is left to charge: total − credit applied.
    pub amount_due: Decimal,
    /// When it was drafted.
    pub created_at: DateTime<Utc>,
    /// When it was finalized (numbered and open for payment).
    #[serde(default)]
    pub finalized_at: Option<DateTime<Utc>>,
    /// Charges asked of the provider so far (approved, declined or pending).
    #[serde(default)]
    pub attempts: u32,
    /// A charge the provider accepted and will settle later (by webhook): no other is made
    /// meanwhile.
    #[serde(default)]
    pub payment_pending: bool,
    /// The provider's reference of the last charge.
    #[serde(default)]
    pub payment_reference: Option<SmolStr>,
    /// Why the last charge was declined.
    #[serde(default)]
    pub last_payment_error: Option<String>,
    /// When it was paid.
    #[serde(default)]
    pub paid_at: Option<DateTime<Utc>>,
    /// The sequence number of its last event.
    #[serde(default)]
    pub event_sequence: u64,
    /// Provider webhooks applied (`provider:event_id`), so a redelivered one changes nothing.
    #[serde(default)]
    pub processed_webhooks: Vec<String>,
}

/// What an invoice is drafted from.
#[derive(Debug, Clone)]
pub struct DraftInvoice<'a> {
    /// Its id.
    pub id: &'a str,
    /// The customer.
    pub customer_id: &'a str,
    /// The subscription it bills, if any.
    pub subscription_id: Option<&'a str>,
    /// ISO-4217 currency.
    pub currency: &'a str,
    /// What to bill.
    pub items: &'a [InvoiceItem],
    /// Coupons that apply to its charges.
    pub coupon_codes: &'a [String],
    /// Where the customer is taxed.
    pub address: Option<&'a Address>,
    /// The customer's credit balance, applied before charging.
    pub credit_balance: Decimal,
}

impl Invoice {
    /// Finalizes a draft: numbered (`number`, from [`Numbering`](super::Numbering)) and open
    /// for payment at `at`; `invalid_transition` unless it is a draft.
    pub fn finalize(&mut self, number: String, at: DateTime<Utc>) -> Result<()> {
        InvoiceMachine.check(self.state, InvoiceAction::Finalize)?;
        self.state = InvoiceState::Open;
        self.number = Some(number);
        self.finalized_at = Some(at);
        Ok(())
    }

    /// Whether a charge may be asked now: the invoice is payable (`open` or `uncollectible`)
    /// and no charge is pending. `invalid_transition` otherwise.
    pub fn check_chargeable(&self) -> Result<()> {
        InvoiceMachine.check(self.state, InvoiceAction::Pay)?;
        if self.payment_pending {
            return Err(Error::InvalidTransition {
                entity: "invoice".into(),
                state: "payment_pending".into(),
                action: "pay".into(),
                allowed: Vec::new(),
            });
        }
        Ok(())
    }

    /// The provider idempotency key of the next charge: `{id}:attempt-{n}`. It stays the same
    /// until an attempt's answer is recorded, so a retry after a timeout charges once.
    pub fn attempt_key(&self) -> String {
        format!("{}:attempt-{}", self.id, self.attempts.saturating_add(1))
    }

    /// The provider approved the charge (or there was nothing to charge): paid.
    pub fn mark_paid(&mut self, reference: Option<SmolStr>, at: DateTime<Utc>) -> Result<()> {
        InvoiceMachine.check(self.state, InvoiceAction::Pay)?;
        self.state = InvoiceState::Paid;
        self.payment_pending = false;
        self.payment_reference = reference.or(self.payment_reference.take());
        self.paid_at = Some(at);
        Ok(())
    }

    /// Voids it, or marks it uncollectible (`action`); `invalid_transition` where the invoice
    /// machine does not allow it, or while a charge is pending (the money may be on its way).
    pub fn close(&mut self, action: InvoiceAction) -> Result<()> {
        InvoiceMachine.check(self.state, action)?;
        if self.payment_pending {
            return Err(Error::InvalidTransition {
                entity: "invoice".into(),
                state: "payment_pending".into(),
                action: InvoiceMachine::action_name(action).into(),
                allowed: Vec::new(),
            });
        }
        self.state = InvoiceMachine
            .target(self.state, action)
            .unwrap_or(self.state);
        Ok(())
    }

    /// The provider answered a charge (approved, declined or pending): one attempt more.
    pub fn charged(&mut self) {
        self.attempts = self.attempts.saturating_add(1);
    }

    /// Prices `draft` with `pricer` at `at` into a draft invoice.
    pub fn draft(draft: &DraftInvoice<'_>, pricer: &Pricer, at: DateTime<Utc>) -> Result<Invoice> {
        let currency = CurrencyRegistry::new().resolve(draft.currency, "currency")?;
        check_items(draft.items, &currency)?;
        let context = PricingContext::at(at);
        let (credits, charges): (Vec<&InvoiceItem>, Vec<&InvoiceItem>) = draft
            .items
            .iter()
            .partition(|item| item.kind == LineKind::ProrationCredit);
        let charged = price(&charges, draft, draft.coupon_codes, pricer, &context)?;
        let credited = price(&credits, draft, &[], pricer, &context)?;
        let mut lines = lines_of(&charges, charged.as_ref(), false);
        lines.extend(lines_of(&credits, credited.as_ref(), true));
        let sum = |f: fn(&PriceBreakdown) -> Decimal| {
            charged.as_ref().map_or(Decimal::ZERO, f) - credited.as_ref().map_or(Decimal::ZERO, f)
        };
        // Each cart's totals are rounded already: their difference needs no rounding.
        let owed = sum(|b| b.grand_total);
        let total = owed.max(Decimal::ZERO);
        let credit_applied = draft.credit_balance.max(Decimal::ZERO).min(total);
        // Every total at the currency's scale (`0.00`, not `0`), as orders show theirs.
        let scaled = |amount: Decimal, field: &str| currency.exact(amount, field);
        Ok(Invoice {
            id: draft.id.into(),
            number: None,
            customer_id: draft.customer_id.into(),
            subscription_id: draft.subscription_id.map(SmolStr::new),
            currency: draft.currency.into(),
            state: InvoiceState::Draft,
            lines,
            subtotal: scaled(sum(|b| b.subtotal), "subtotal")?,
            discount_total: scaled(sum(|b| b.discount_total), "discount_total")?,
            tax_total: scaled(sum(|b| b.tax_total), "tax_total")?,
            total: scaled(total, "total")?,
            credit_carried: scaled(total - owed, "credit_carried")?,
            credit_applied: scaled(credit_applied, "credit_applied")?,
            amount_due: scaled(total - credit_applied, "amount_due")?,
            created_at: at,
            finalized_at: None,
            attempts: 0,
            payment_pending: false,
            payment_reference: None,
            last_payment_error: None,
            paid_at: None,
            event_sequence: 0,
            processed_webhooks: Vec::new(),
        })
    }
}

/// Items are not negative, at the currency's scale, at least one unit; there is something to bill.
fn check_items(items: &[InvoiceItem], currency: &Currency) -> Result<()> {
    if items.is_empty() {
        return Err(Error::invalid("items", "an invoice bills something"));
    }
    for (i, item) in items.iter().enumerate() {
        let field = format!("items[{i}].unit_amount");
        if item.unit_amount.is_sign_negative() && !item.unit_amount.is_zero() {
            return Err(Error::invalid(
                field.as_str(),
                "must not be negative (a credit's kind says it is one)",
            ));
        }
        currency.exact(item.unit_amount, &field)?;
        if item.quantity == 0 {
            return Err(Error::invalid(format!("items[{i}].quantity"), "at least 1"));
        }
    }
    Ok(())
}

/// One cart of `items` priced, or nothing when there are none.
fn price(
    items: &[&InvoiceItem],
    draft: &DraftInvoice<'_>,
    coupons: &[String],
    pricer: &Pricer,
    context: &PricingContext,
) -> Result<Option<PriceBreakdown>> {
    if items.is_empty() {
        return Ok(None);
    }
    let lines = items.iter().enumerate().map(|(i, item)| CartLine {
        sku: smol_str::format_smolstr!("{}:{i}", item.kind.name()),
        name: SmolStr::new(&item.description),
        unit_price: item.unit_amount,
        quantity: i64::from(item.quantity),
        tax_class: item.tax_class.clone(),
        ..CartLine::default()
    });
    let cart = Cart {
        currency: draft.currency.to_string(),
        lines: lines.collect(),
        coupon_codes: coupons.to_vec(),
        address: draft.address.cloned(),
        ..Cart::default()
    };
    pricer.price(&cart, context).map(Some)
}

/// The invoice lines of `items` from their priced cart (its lines are in the cart's order).
fn lines_of(
    items: &[&InvoiceItem],
    priced: Option<&PriceBreakdown>,
    credit: bool,
) -> Vec<InvoiceLine> {
    let sign = if credit {
        Decimal::NEGATIVE_ONE
    } else {
        Decimal::ONE
    };
    let priced: &[LineBreakdown] = priced.map_or(&[], |b| &b.lines);
    items
        .iter()
        .zip(priced)
        .map(|(item, line)| InvoiceLine {
            kind: item.kind,
            description: item.description.clone(),
            quantity: item.quantity,
            unit_amount: item.unit_amount,
            amount: sign * line.base,
            discount: sign * line.discount,
            tax: sign * line.tax,
            total: sign * line.total,
            period: item.period,
        })
        .collect()
}
