//! Model-based test of billing: random sequences of subscribe, change plan or seats, pause,
//! resume, cancel, keep, clock advances, renewals (the scheduler's work, one subscription at a
//! time), payments and gateway faults, voids, with the invariants checked after every step:
//!
//! - no instant of a subscription billed twice but for time credited back (at most one
//!   invoice per period; a pause's or a change's credit covers what a restart bills again);
//! - every invoice's totals are its lines' sums, never negative, `amount_due` = total − the
//!   credit applied;
//! - the customer's credit balance is never negative, and is what the invoices carried to it
//!   less what they applied;
//! - charged ≤ invoiced: the provider captured at most each invoice's amount due, and exactly
//!   that for a paid invoice that was charged — never twice;
//! - refusals are domain refusals (no store, provider or internal error).
//!
//! Cases: `MODEL_CASES` (default 1,000), each up to 40 steps.

mod common;

use chrono::Duration;
use common::*;
use ordercore::Decimal;
use ordercore::actor::Actor;
use ordercore::billing::{Invoice, InvoiceState, LineKind, Period, ProrationBehavior};
use ordercore::clock::Clock;
use ordercore::command::{Command, CommandOutput, Query, QueryOutput};
use ordercore::payment::Scripted;
use ordercore::store::{CustomerRecord, DocKey, DocKind, Document, Store};
use proptest::prelude::*;

const PLANS: [&str; 4] = ["basic", "pro", "team", "trial"];

#[derive(Debug, Clone)]
enum Op {
    Subscribe {
        plan: u8,
        seats: u32,
        calendar: bool,
        card: bool,
    },
    Change {
        plan: Option<u8>,
        seats: u32,
        behavior: u8,
        at_end: bool,
    },
    Pause,
    Resume,
    Cancel {
        at_end: bool,
        credit: bool,
    },
    Keep,
    Advance {
        hours: i64,
    },
    Renew,
    Pay {
        fault: u8,
    },
    Void,
    /// The scheduler, the gateway scripted as for `Pay`.
    Tick {
        fault: u8,
    },
    /// The provider's webhook for the latest invoice's pending charge (event ids from a small
    /// set, so some are redelivered).
    Webhook {
        succeeded: bool,
        event: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4, 1u32..5, any::<bool>(), any::<bool>()).prop_map(
            |(plan, seats, calendar, card)| Op::Subscribe {
                plan,
                seats,
                calendar,
                card
            }
        ),
        (proptest::option::of(0u8..4), 1u32..6, 0u8..3, any::<bool>()).prop_map(
            |(plan, seats, behavior, at_end)| Op::Change {
                plan,
                seats,
                behavior,
                at_end
            }
        ),
        Just(Op::Pause),
        Just(Op::Resume),
        (any::<bool>(), any::<bool>()).prop_map(|(at_end, credit)| Op::Cancel { at_end, credit }),
        Just(Op::Keep),
        (1i64..1_500).prop_map(|hours| Op::Advance { hours }),
        Just(Op::Renew),
        Just(Op::Renew),
        (0u8..6).prop_map(|fault| Op::Pay { fault }),
        Just(Op::Void),
        (0u8..6).prop_map(|fault| Op::Tick { fault }),
        (0u8..6).prop_map(|fault| Op::Tick { fault }),
        (any::<bool>(), 0u8..3).prop_map(|(succeeded, event)| Op::Webhook { succeeded, event }),
    ]
}

/// The shop with its plans (the 4th has a trial), and the subscription being driven.
struct Billing {
    shop: Shop,
    subscription: Option<String>,
}

impl Billing {
    fn new() -> Self {
        let shop = shop();
        let plans = [
            ("basic", "10.00", "flat", "0", 0),
            ("pro", "40.00", "flat", "9.00", 0),
            ("team", "12.00", "per_seat", "0", 0),
            ("trial", "25.00", "per_seat", "5.00", 7),
        ];
        for (id, amount, pricing, setup_fee, trial_days) in plans {
            let plan = serde_json::json!({"command": "create_plan", "plan": {
                "id": id, "name": id, "currency": "USD", "amount": amount, "pricing": pricing,
                "setup_fee": setup_fee, "trial_days": trial_days,
                "interval": {"unit": "month", "count": 1}
            }});
            let plan: Command = serde_json::from_value(plan).unwrap();
            shop.engine.execute(&admin(), &plan, None).unwrap();
        }
        Billing {
            shop,
            subscription: None,
        }
    }

    fn run(&mut self, op: &Op) {
        if let Op::Tick { fault } = op {
            return self.tick(*fault);
        }
        let Some(command) = self.command(op) else {
            return;
        };
        let actor = match op {
            Op::Renew | Op::Webhook { .. } => Actor::System,
            Op::Void => Actor::Staff {
                id: "s1".into(),
                role: ordercore::actor::StaffRole::Support,
            },
            _ => customer("c1"),
        };
        match self.shop.engine.execute(&actor, &command, None) {
            Ok(CommandOutput::Subscription(subscription)) => {
                self.subscription = Some(subscription.id.to_string())
            }
            Ok(_) => {}
            Err(error) => assert!(
                [
                    "invalid_transition",
                    "invalid_input",
                    "payment_declined",
                    "gateway_unavailable",
                ]
                .contains(&error.code()),
                "{op:?} refused with {error:?}"
            ),
        }
    }

    fn command(&mut self, op: &Op) -> Option<Command> {
        let subscription_id = || self.subscription.clone().map(Into::into);
        Some(match op {
            Op::Subscribe {
                plan,
                seats,
                calendar,
                card,
            } => {
                let billing = if *calendar { "calendar" } else { "anniversary" };
                let method = card.then_some("card");
                serde_json::from_value(serde_json::json!({
                    "command": "subscribe", "customer_id": "c1",
                    "plan_id": PLANS[*plan as usize], "quantity": seats, "billing": billing,
                    "payment_method": method
                }))
                .unwrap()
            }
            Op::Change {
                plan,
                seats,
                behavior,
                at_end,
            } => Command::ChangeSubscription {
                subscription_id: subscription_id()?,
                plan_id: plan.map(|p| PLANS[p as usize].into()),
                quantity: Some(*seats),
                proration_behavior: [
                    ProrationBehavior::CreateProrations,
                    ProrationBehavior::AlwaysInvoice,
                    ProrationBehavior::None,
                ][*behavior as usize],
                at_period_end: *at_end,
            },
            Op::Pause => Command::PauseSubscription {
                subscription_id: subscription_id()?,
            },
            Op::Resume => Command::ResumeSubscription {
                subscription_id: subscription_id()?,
            },
            Op::Cancel { at_end, credit } => Command::CancelSubscription {
                subscription_id: subscription_id()?,
                at_period_end: *at_end,
                credit_unused: *credit,
            },
            Op::Keep => Command::KeepSubscription {
                subscription_id: subscription_id()?,
            },
            Op::Advance { hours } => {
                self.shop
                    .clock
                    .set(self.shop.clock.now() + Duration::hours(*hours));
                return None;
            }
            Op::Renew => Command::RenewSubscription {
                subscription_id: subscription_id()?,
            },
            Op::Void => Command::VoidInvoice {
                invoice_id: self.latest_invoice()?.id,
            },
            Op::Pay { fault } => self.payment(*fault)?,
            Op::Tick { .. } => return None,
            Op::Webhook { succeeded, event } => self.webhook(*succeeded, *event)?,
        })
    }

    /// A tick: it never fails as a whole, and a subscription's step fails only for a gateway
    /// fault (it stays due for the next tick).
    fn tick(&mut self, fault: u8) {
        self.shop.gateway.script(Self::fault(fault));
        let report = self.shop.engine.tick(&Actor::System).unwrap();
        for (id, code) in &report.failed {
            assert_eq!(code, "gateway_unavailable", "tick failed for {id}");
        }
    }

    /// Paying the latest invoice, the gateway scripted to approve, decline, time out after
    /// charging or fail.
    fn payment(&self, fault: u8) -> Option<Command> {
        self.shop.gateway.script(Self::fault(fault));
        Some(Command::PayInvoice {
            invoice_id: self.latest_invoice()?.id,
            method: Default::default(),
        })
    }

    /// The provider's webhook for the latest invoice's pending charge, if one is pending.
    fn webhook(&self, succeeded: bool, event: u8) -> Option<Command> {
        let invoice = self.latest_invoice().filter(|i| i.payment_pending)?;
        let outcome = if succeeded { "succeeded" } else { "failed" };
        let webhook = serde_json::json!({
            "command": "payment_webhook", "provider": "fake", "event_id": format!("evt_{event}"),
            "reference": invoice.payment_reference, "outcome": outcome, "invoice_id": invoice.id
        });
        Some(serde_json::from_value(webhook).unwrap())
    }

    fn fault(fault: u8) -> Option<Scripted> {
        match fault {
            0 => Some(Scripted::Decline {
                reason: "card_declined".into(),
            }),
            1 => Some(Scripted::TimeoutAfterSuccess),
            2 => Some(Scripted::TransientError),
            3 => Some(Scripted::Pending),
            _ => None,
        }
    }

    fn latest_invoice(&self) -> Option<Invoice> {
        let subscription = self.subscription.clone()?;
        let query = Query::GetSubscription {
            subscription_id: subscription.into(),
        };
        let Ok(QueryOutput::Subscription(subscription)) = self.shop.engine.query(&admin(), &query)
        else {
            return None;
        };
        let query = Query::GetInvoice {
            invoice_id: subscription.latest_invoice?,
        };
        match self.shop.engine.query(&admin(), &query) {
            Ok(QueryOutput::Invoice(invoice)) => Some(*invoice),
            _ => None,
        }
    }

    fn invoices(&self) -> Vec<Invoice> {
        (self.shop.store.all_events().iter())
            .filter(|event| event.payload.name() == "invoice_finalized")
            .map(|event| {
                let id = event.aggregate.trim_start_matches("invoice/");
                let query = Query::GetInvoice {
                    invoice_id: id.into(),
                };
                match self.shop.engine.query(&admin(), &query) {
                    Ok(QueryOutput::Invoice(invoice)) => *invoice,
                    other => panic!("a finalized invoice is stored: {other:?}"),
                }
            })
            .collect()
    }

    fn check(&self) {
        self.check_schedule();
        let invoices = self.invoices();
        let ledger = self.shop.gateway.ledger_by_payment();
        check_billed_once(&invoices);
        for invoice in &invoices {
            check_totals(invoice);
            let captured = ledger
                .get(invoice.id.as_str())
                .map_or(Decimal::ZERO, |l| l.captured);
            assert!(
                captured <= invoice.amount_due,
                "charged more than due: {invoice:?}"
            );
            // Paid by its charge (not by a webhook: the provider took that money out of band).
            let charged = invoice.attempts > 0 && invoice.processed_webhooks.is_empty();
            if invoice.state == InvoiceState::Paid && charged {
                assert_eq!(
                    captured, invoice.amount_due,
                    "a paid invoice was charged once"
                );
            }
        }
        let key = DocKey::new(DocKind::Customer, "c1");
        if let Some(stored) = self.shop.store.load(&key).unwrap() {
            let Document::Customer(CustomerRecord { credit_balance, .. }) = stored.value else {
                panic!("the customer's record");
            };
            assert!(
                credit_balance >= Decimal::ZERO,
                "credit balance {credit_balance}"
            );
            let kept: Decimal = (invoices.iter())
                .map(|invoice| match invoice.state {
                    // A voided invoice gave back the balance it used.
                    InvoiceState::Void => invoice.credit_carried,
                    _ => invoice.credit_carried - invoice.credit_applied,
                })
                .sum();
            assert_eq!(
                credit_balance, kept,
                "what invoices carried, less what they used"
            );
        }
    }
}

impl Billing {
    /// The subscription's stored due time is what its state makes due (the store's index
    /// finds it then), and a collected invoice is one of its own.
    fn check_schedule(&self) {
        let Some(id) = self.subscription.clone() else {
            return;
        };
        let query = Query::GetSubscription {
            subscription_id: id.into(),
        };
        let Ok(QueryOutput::Subscription(subscription)) = self.shop.engine.query(&admin(), &query)
        else {
            panic!("the subscription is stored");
        };
        let rules = ordercore::billing::Dunning::default();
        assert_eq!(subscription.due_at, subscription.next_due(&rules));
        if let Some(collection) = &subscription.collecting {
            let query = Query::GetInvoice {
                invoice_id: collection.invoice_id.clone(),
            };
            let Ok(QueryOutput::Invoice(invoice)) = self.shop.engine.query(&admin(), &query) else {
                panic!("a collected invoice is stored");
            };
            assert_eq!(invoice.subscription_id, Some(subscription.id.clone()));
        }
    }
}

/// No instant of a subscription is billed twice but for time credited back: of two period lines
/// whose times overlap, the earlier one's rest from the later one's start was credited.
fn check_billed_once(invoices: &[Invoice]) {
    let lines = |kind: LineKind| -> Vec<Span> {
        (invoices.iter())
            .flat_map(|invoice| {
                let lines = invoice.lines.iter().filter(move |line| line.kind == kind);
                lines.map(|line| {
                    let period = line.period.expect("a period or proration names its time");
                    (invoice.subscription_id.clone(), period.start, period.end)
                })
            })
            .collect()
    };
    let (periods, credits) = (lines(LineKind::Period), lines(LineKind::ProrationCredit));
    check_contiguous(invoices);
    for (i, a) in periods.iter().enumerate() {
        for b in periods.iter().skip(i + 1) {
            let (first, second) = if a.1 <= b.1 { (a, b) } else { (b, a) };
            if first.0 != second.0 || second.1 >= first.2 {
                continue;
            }
            let credited =
                (credits.iter()).any(|c| c.0 == first.0 && c.2 == first.2 && c.1 <= second.1);
            assert!(
                credited,
                "billed twice without a credit: {first:?} and {second:?}"
            );
        }
    }
}

/// Periods follow one another: within a schedule (a resume starts a new one at index 0), the
/// next period billed is the next index, starting where the last ended — no gap, no skipped
/// period, no overlap.
fn check_contiguous(invoices: &[Invoice]) {
    let mut periods: Vec<(Option<smol_str::SmolStr>, Period)> = (invoices.iter())
        .flat_map(|invoice| {
            let periods = invoice.lines.iter().filter(|l| l.kind == LineKind::Period);
            periods.filter_map(|line| Some((invoice.subscription_id.clone(), line.period?)))
        })
        .collect();
    periods.sort_by_key(|(subscription, period)| (subscription.clone(), period.start));
    for pair in periods.windows(2) {
        let ((a_sub, a), (b_sub, b)) = (&pair[0], &pair[1]);
        if a_sub != b_sub || b.index == 0 {
            continue; // another subscription, or a schedule restarted (a resume)
        }
        assert_eq!(
            b.index,
            a.index + 1,
            "a period skipped between {a:?} and {b:?}"
        );
        assert_eq!(
            b.start, a.end,
            "a gap or an overlap between {a:?} and {b:?}"
        );
    }
}

/// A subscription's time: (subscription, start, end).
type Span = (
    Option<smol_str::SmolStr>,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
);

fn check_totals(invoice: &Invoice) {
    let sum = |f: fn(&ordercore::billing::InvoiceLine) -> Decimal| -> Decimal {
        invoice.lines.iter().map(f).sum()
    };
    assert_eq!(invoice.subtotal, sum(|l| l.amount));
    assert_eq!(invoice.tax_total, sum(|l| l.tax));
    let owed = sum(|l| l.total);
    assert_eq!(invoice.total, owed.max(Decimal::ZERO), "{invoice:?}");
    assert_eq!(invoice.credit_carried, invoice.total - owed);
    assert!(invoice.credit_applied >= Decimal::ZERO && invoice.credit_applied <= invoice.total);
    assert_eq!(invoice.amount_due, invoice.total - invoice.credit_applied);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: model_cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn billing_invariants_hold_after_every_step(ops in proptest::collection::vec(op(), 1..40)) {
        let mut billing = Billing::new();
        for op in &ops {
            billing.run(op);
            billing.check();
        }
    }
}
