//! Deterministic simulation, in the spirit of TigerBeetle's: seeded runs of random commands from
//! many actors against a store that fails before writing, loses acknowledgements and conflicts,
//! and a payment provider that replays by key, times out after success, declines and answers
//! later by webhook — with clients retrying under the same keys. After every step the auditor
//! checks, from the provider's ledger and the store:
//!
//! - money: per payment, what the provider captured less what it refunded equals what the
//!   order records; money the provider holds belongs to a payment of a stored order (a payment
//!   still awaiting its answer may hold it in flight); no order is paid without money held;
//! - stock: never negative, reserved = what orders still hold, on hand = the reference count;
//! - goods: nothing shipped beyond what was ordered, nothing returned beyond what was
//!   delivered, nothing restocked at a location beyond what shipped from it;
//! - refunds: ≤ captured per payment and order; each unit refunded at most once; shipping at
//!   most once; a cancelled order holds nothing at the provider.
//!
//! At the end of each run every processed return can still be refunded.
//!
//! Size: `SIM_RUNS` runs (default 300) of `SIM_STEPS` commands (default 200) from `SIM_SEED`
//! (default 1): 60,000 commands in CI. The nightly size is 5,000 × 200 = 1,000,000 commands
//! (`benches/README.md`, "Simulation"). A failure prints the seed and step to replay.

mod common;

use std::collections::{BTreeMap, HashMap};

use chrono::Duration;
use common::*;
use ordercore::Decimal;
use ordercore::actor::Actor;
use ordercore::command::{Command, PaymentInput, ReturnLine, ShipLine, WebhookOutcome};
use ordercore::order::{Order, OrderState};
use ordercore::payment::PaymentState;
use ordercore::returns::{RETURN_ACTIONS, ReturnAction, ReturnReason, ReturnState};
use ordercore::store::{OrderQuery, Store};

const SKUS: [&str; 3] = ["A", "B", "C"];
const LOCATIONS: [&str; 2] = ["east", "west"];

/// splitmix64: a tiny deterministic generator (the run must replay from its seed alone).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the simulated provider did besides the fake gateway's synchronous ledger: money it
/// took and reported by webhook.
#[derive(Default)]
struct Webhooks {
    captured: HashMap<String, Decimal>,
    /// Payments the provider reported a success for (once each).
    succeeded: std::collections::HashSet<String>,
    events: u64,
}

struct Sim {
    shop: FaultyShop,
    rng: Rng,
    webhooks: Webhooks,
    /// On hand per (sku, location) as the reference counts it.
    on_hand: BTreeMap<(String, String), i64>,
    orders: Vec<String>,
    keys: u64,
    log: Vec<String>,
    /// Answers by command and code (`ok` for success), for the summary.
    answers: BTreeMap<String, u64>,
}

#[test]
fn seeded_runs_with_store_and_provider_faults_keep_money_and_stock_exact() {
    let (runs, steps, seed) = (
        env("SIM_RUNS", 300),
        env("SIM_STEPS", 200),
        env("SIM_SEED", 1),
    );
    let mut commands = 0;
    let mut answers: BTreeMap<String, u64> = BTreeMap::new();
    let mut states: BTreeMap<String, u64> = BTreeMap::new();
    for run in 0..runs {
        let mut sim = Sim::new(seed.wrapping_mul(1_000_003).wrapping_add(run));
        for step in 0..steps {
            sim.step();
            if let Err(broken) = sim.audit() {
                panic!(
                    "seed {seed}, run {run}, step {step}: {broken}\nlast commands:\n{}",
                    sim.log[sim.log.len().saturating_sub(12)..].join("\n")
                );
            }
        }
        if let Err(broken) = sim.finish() {
            panic!("seed {seed}, run {run}, at the end: {broken}");
        }
        commands += sim.keys;
        for (answer, n) in &sim.answers {
            *answers.entry(answer.clone()).or_default() += n;
        }
        for order in sim.all_orders() {
            *states.entry(order.state.name().to_string()).or_default() += 1;
            for ret in &order.returns {
                *states
                    .entry(format!("return {}", ret.state.name()))
                    .or_default() += 1;
            }
        }
    }
    println!("simulation: {runs} runs, {commands} commands, every invariant held");
    println!("answers: {answers:?}\nfinal states: {states:?}");
    // The runs reached the deep states they are meant to check.
    for state in ["delivered", "cancelled", "return refunded"] {
        assert!(
            states.get(state).is_some_and(|n| *n > 0),
            "no order reached {state}"
        );
    }
}

impl Sim {
    fn new(seed: u64) -> Sim {
        let shop = faulty_shop();
        let mut on_hand = BTreeMap::new();
        for sku in SKUS {
            for location in LOCATIONS {
                on_hand.insert((sku.to_string(), location.to_string()), 0);
            }
        }
        let mut sim = Sim {
            shop,
            rng: Rng(seed),
            webhooks: Webhooks::default(),
            on_hand,
            orders: Vec::new(),
            keys: 0,
            log: Vec::new(),
            answers: BTreeMap::new(),
        };
        for sku in SKUS {
            for location in LOCATIONS {
                let on_hand = 5 + sim.rng.below(10) as i64;
                sim.shop
                    .engine
                    .set_stock(&admin(), sku, Some(location), on_hand)
                    .unwrap();
                sim.on_hand
                    .insert((sku.to_string(), location.to_string()), on_hand);
            }
        }
        sim
    }

    fn order(&self, id: &str) -> Option<std::sync::Arc<Order>> {
        self.shop.engine.get_order(&admin(), id).ok()
    }

    /// One of the last few orders (so runs reach deep states), or any.
    fn pick(&mut self) -> Option<std::sync::Arc<Order>> {
        let n = self.orders.len() as u64;
        if n == 0 {
            return None;
        }
        let index = if self.rng.chance(70) {
            n - 1 - self.rng.below(n.min(4))
        } else {
            self.rng.below(n)
        };
        self.order(&self.orders[index as usize].clone())
    }

    fn step(&mut self) {
        self.inject_faults();
        match self.rng.below(20) {
            0..=3 => self.place(),
            4 => self.tick(),
            5 => self.webhook(),
            6 => self.restock(),
            7..=13 => {
                let Some(order) = self.pick() else { return };
                let next = match order.returns.iter().any(|r| r.state.is_open()) {
                    true if self.rng.chance(50) => Some(self.return_step(&order)),
                    _ => self.forward(&order),
                };
                if let Some((actor, command)) = next {
                    self.send(&actor, &command);
                }
            }
            _ => {
                let Some(order) = self.pick() else { return };
                let (actor, command) = self.next_command(&order);
                self.send(&actor, &command);
            }
        }
    }

    /// One of the actions the engine offers next (drives orders into deep states).
    fn forward(&mut self, order: &Order) -> Option<(Actor, Command)> {
        use ordercore::order::OrderAction;
        let offered: Vec<OrderAction> =
            (self.shop.engine.available_actions(order, &admin()).ok()?)
                .into_iter()
                .filter(|a| !matches!(a, OrderAction::Cancel | OrderAction::Refund))
                .collect();
        let action = *offered.get(self.rng.below(offered.len() as u64) as usize)?;
        let order_id = order.id.clone();
        Some(match action {
            OrderAction::Pay if order.outstanding().is_zero() => (
                admin(),
                Command::CapturePayment {
                    order_id,
                    amount: None,
                },
            ),
            OrderAction::Pay => (
                customer(&order.customer_id),
                Command::PayOrder {
                    order_id,
                    method: Default::default(),
                    capture: self.rng.chance(50),
                },
            ),
            OrderAction::Process => (admin(), Command::ProcessOrder { order_id }),
            OrderAction::Ship => (
                admin(),
                Command::ShipOrder {
                    order_id,
                    lines: None,
                },
            ),
            OrderAction::Deliver => (admin(), Command::DeliverOrder { order_id }),
            OrderAction::CancelUnshipped => (
                admin(),
                Command::CancelUnshipped {
                    order_id,
                    reason: None,
                },
            ),
            _ => {
                let line = self.rng.below(order.lines.len() as u64) as usize;
                let lines = vec![ReturnLine {
                    line,
                    quantity: if self.rng.chance(70) {
                        1
                    } else {
                        1 + self.rng.below(order.lines[line].quantity.max(1) as u64) as i64
                    },
                    reason: ReturnReason::Other,
                }];
                (
                    customer(&order.customer_id),
                    Command::RequestReturn { order_id, lines },
                )
            }
        })
    }

    /// A step of one of the order's returns: mostly the next one forward, sometimes anything.
    fn return_step(&mut self, order: &Order) -> (Actor, Command) {
        let ret = &order.returns[self.rng.below(order.returns.len() as u64) as usize];
        let action = match ret.state {
            _ if self.rng.chance(15) => {
                RETURN_ACTIONS[self.rng.below(RETURN_ACTIONS.len() as u64) as usize]
            }
            // Withdrawn and refused returns free their units for later ones.
            ReturnState::Requested => match self.rng.below(10) {
                0 | 1 => ReturnAction::Reject,
                2 => ReturnAction::Cancel,
                _ => ReturnAction::Approve,
            },
            ReturnState::Approved | ReturnState::PickupScheduled | ReturnState::InTransit => {
                ReturnAction::Receive
            }
            ReturnState::Received => ReturnAction::Process,
            _ => ReturnAction::Refund,
        };
        let actor = match action {
            ReturnAction::Cancel => customer(&order.customer_id),
            _ => admin(),
        };
        (
            actor,
            Command::UpdateReturn {
                order_id: order.id.clone(),
                return_id: ret.id.to_string(),
                action,
                received: vec![],
            },
        )
    }

    /// Scripts the provider's and the store's next answers.
    fn inject_faults(&mut self) {
        if self.rng.chance(15) {
            let scripted = provider_fault(self.rng.below(5));
            self.shop.gateway.script([scripted]);
        }
        if self.rng.chance(15) {
            let fault = match self.rng.below(4) {
                0 => StoreFault::FailBeforeWrite,
                1 => StoreFault::LoseAcknowledgement,
                2 => StoreFault::Conflict,
                _ => StoreFault::Pass,
            };
            self.shop.store.script([fault]);
        }
    }

    /// Sends a command as a client does: on an accident (store down, timeout, conflict) the
    /// same command again under the same key, a few times.
    fn send(
        &mut self,
        actor: &Actor,
        command: &Command,
    ) -> Option<ordercore::command::CommandOutput> {
        self.keys += 1;
        let key = format!("k{}", self.keys);
        self.log
            .push(format!("{} by {}", command.name(), actor.label()));
        for _ in 0..6 {
            let answer = self.shop.engine.execute(actor, command, Some(&key));
            let code = answer.as_ref().map_or_else(|e| e.code(), |_| "ok");
            *self
                .answers
                .entry(format!("{} {code}", command.name()))
                .or_default() += 1;
            match answer {
                Err(e)
                    if matches!(
                        e.code(),
                        "gateway_unavailable" | "provider_error" | "version_conflict"
                    ) => {}
                Ok(output) => {
                    let document = serde_json::to_value(&output).expect("answers serialize");
                    if let Err(why) = common::amounts_at_scale(&document, 2) {
                        panic!("{} answered {why}", command.name());
                    }
                    self.account(command, &output);
                    return Some(output);
                }
                Err(_) => return None,
            }
        }
        None
    }

    /// The reference count of on hand: shipped units leave, processed sellable units return
    /// where they shipped from (read from the order, whose allocations say which location).
    fn account(&mut self, command: &Command, output: &ordercore::command::CommandOutput) {
        if let Command::PlaceOrder(_) = command
            && let Some(order) = output.clone().into_order()
        {
            self.orders.push(order.id.to_string());
        }
    }

    fn place(&mut self) {
        let c = format!("c{}", self.rng.below(6));
        // Mostly small orders, so that runs often return every unit of one.
        let (count, most) = if self.rng.chance(60) { (1, 2) } else { (3, 4) };
        let lines: Vec<(&str, i64)> = (0..1 + self.rng.below(count))
            .map(|_| {
                (
                    SKUS[self.rng.below(3) as usize],
                    1 + self.rng.below(most) as i64,
                )
            })
            .collect();
        let mut p = place(&c, &lines);
        p.payment = match self.rng.below(3) {
            0 => None,
            n => Some(PaymentInput {
                method: Default::default(),
                capture: n == 2,
            }),
        };
        p.flow = Some(["classic", "scheduled", "full"][self.rng.below(3) as usize].into());
        self.send(&customer(&c), &Command::PlaceOrder(Box::new(p)));
    }

    fn tick(&mut self) {
        let minutes = self.rng.below(90) as i64;
        self.shop.clock.advance(Duration::minutes(minutes));
        self.log.push(format!("tick +{minutes}m"));
        // A failed tick (the store down) leaves its work due for the next one.
        let _ = self.shop.engine.tick(&Actor::System);
    }

    fn restock(&mut self) {
        let sku = SKUS[self.rng.below(3) as usize];
        let location = LOCATIONS[self.rng.below(2) as usize];
        let delta = self.rng.below(8) as i64;
        let command = Command::AdjustStock {
            sku: sku.into(),
            location: Some(location.into()),
            delta,
        };
        if self.send(&admin(), &command).is_some() {
            *self
                .on_hand
                .get_mut(&(sku.into(), location.into()))
                .unwrap() += delta;
        }
    }

    /// The provider answers a pending payment: success (it takes the money) or failure,
    /// delivered until the engine records it, as providers resend for days.
    fn webhook(&mut self) {
        let Some(order) = self.pick() else { return };
        // A pending payment, or now and then a voided one whose void lost the race.
        let late = self.rng.chance(20);
        let Some(payment) = order.payments.iter().find(|p| {
            p.provider_reference.is_some()
                && !self.webhooks.succeeded.contains(p.id.as_str())
                && (p.state == PaymentState::Pending || (late && p.state == PaymentState::Voided))
        }) else {
            return;
        };
        let success = self.rng.chance(70) || payment.state == PaymentState::Voided;
        if success {
            self.webhooks.succeeded.insert(payment.id.to_string());
        }
        if success && payment.capture {
            *self
                .webhooks
                .captured
                .entry(payment.id.to_string())
                .or_default() += payment.amount;
        }
        self.webhooks.events += 1;
        let command = Command::PaymentWebhook {
            provider: "fake".into(),
            event_id: format!("evt{}", self.webhooks.events),
            reference: payment
                .provider_reference
                .as_deref()
                .unwrap_or_default()
                .into(),
            outcome: if success {
                WebhookOutcome::Succeeded
            } else {
                WebhookOutcome::Failed
            },
            reason: None,
            order_id: Some(order.id.clone()),
            invoice_id: None,
        };
        for _ in 0..20 {
            if self.send(&Actor::System, &command).is_some() {
                return;
            }
        }
        panic!("a webhook never landed");
    }

    #[expect(
        clippy::too_many_lines,
        reason = "one arm per command the simulated clients send"
    )]
    fn next_command(&mut self, order: &Order) -> (Actor, Command) {
        let id = order.id.clone();
        let owner = customer(&order.customer_id);
        match self.rng.below(12) {
            0 => (
                owner,
                Command::PayOrder {
                    order_id: id,
                    method: Default::default(),
                    capture: self.rng.chance(50),
                },
            ),
            1 => (
                admin(),
                Command::CapturePayment {
                    order_id: id,
                    amount: self
                        .rng
                        .chance(50)
                        .then(|| Decimal::new(100 + self.rng.below(3000) as i64, 2)),
                },
            ),
            2 => (
                admin(),
                Command::RefundPayment {
                    order_id: id,
                    amount: self
                        .rng
                        .chance(60)
                        .then(|| Decimal::new(100 + self.rng.below(2000) as i64, 2)),
                    reason: None,
                },
            ),
            3 => (admin(), Command::ProcessOrder { order_id: id }),
            4 | 5 => {
                let lines = self.rng.chance(40).then(|| {
                    vec![ShipLine {
                        line: self.rng.below(order.lines.len() as u64) as usize,
                        quantity: 1,
                    }]
                });
                (
                    admin(),
                    Command::ShipOrder {
                        order_id: id,
                        lines,
                    },
                )
            }
            6 => (admin(), Command::DeliverOrder { order_id: id }),
            7 if self.rng.chance(40) => {
                let actor = if self.rng.chance(50) { owner } else { admin() };
                (
                    actor,
                    Command::CancelOrder {
                        order_id: id,
                        reason: None,
                    },
                )
            }
            8 => {
                let lines = vec![ReturnLine {
                    line: self.rng.below(order.lines.len() as u64) as usize,
                    quantity: 1 + self.rng.below(2) as i64,
                    reason: ReturnReason::Other,
                }];
                (
                    owner,
                    Command::RequestReturn {
                        order_id: id,
                        lines,
                    },
                )
            }
            _ if !order.returns.is_empty() => self.return_step(order),
            _ => (admin(), Command::DeliverOrder { order_id: id }),
        }
    }

    fn all_orders(&self) -> Vec<Order> {
        let mut query = OrderQuery {
            limit: Some(500),
            ..OrderQuery::default()
        };
        let mut orders = Vec::new();
        loop {
            let page = self.shop.store.find_orders(&query).unwrap();
            orders.extend(page.orders);
            match page.next {
                Some(next) => query.after = Some(next),
                None => return orders,
            }
        }
    }

    fn audit(&self) -> Result<(), String> {
        let orders = self.all_orders();
        self.audit_money(&orders)?;
        self.audit_stock(&orders)?;
        for order in &orders {
            audit_order(order)?;
        }
        Ok(())
    }

    fn audit_money(&self, orders: &[Order]) -> Result<(), String> {
        let ledger = self.shop.gateway.ledger_by_payment();
        let mut owned = 0;
        for order in orders {
            for p in &order.payments {
                let provider = ledger.get(p.id.as_str()).cloned().unwrap_or_default();
                owned += usize::from(ledger.contains_key(p.id.as_str()));
                let webhook = self
                    .webhooks
                    .captured
                    .get(p.id.as_str())
                    .copied()
                    .unwrap_or_default();
                let provider_net = provider.captured + webhook - provider.refunded;
                let engine_net = p.captured - p.refunded;
                if p.awaits_answer() {
                    // In flight: the provider may hold it; the order records nothing yet.
                    if engine_net != Decimal::ZERO || provider_net < Decimal::ZERO {
                        return Err(format!("awaiting payment {} holds {engine_net}", p.id));
                    }
                } else if provider_net != engine_net {
                    return Err(format!(
                        "payment {} of {}: provider holds {provider_net}, the order records {engine_net}",
                        p.id, order.id
                    ));
                }
                if p.refunded > p.captured || p.captured > p.authorized.max(p.amount) {
                    return Err(format!("payment {} refunded > captured > authorized", p.id));
                }
                if order.state == OrderState::Cancelled && p.capturable() > Decimal::ZERO {
                    return Err(format!(
                        "cancelled {} still holds {}",
                        order.id,
                        p.capturable()
                    ));
                }
            }
            // A cancelled order holds nothing: captures refunded, authorizations released.
            if order.state == OrderState::Cancelled && !order.held().is_zero() {
                return Err(format!("cancelled {} holds {}", order.id, order.held()));
            }
            if order.is_paid() && order.held().is_zero() && !order.pricing.grand_total.is_zero() {
                return Err(format!("{} paid with no money held", order.id));
            }
        }
        // Money the provider moved belongs to a payment of a stored order.
        if owned != ledger.len() {
            return Err(format!(
                "{} payments at the provider, {owned} on orders",
                ledger.len()
            ));
        }
        Ok(())
    }

    fn audit_stock(&self, orders: &[Order]) -> Result<(), String> {
        let mut held: BTreeMap<(String, String), i64> = BTreeMap::new();
        let mut shipped: BTreeMap<(String, String), i64> = BTreeMap::new();
        let mut restocked: BTreeMap<(String, String), i64> = BTreeMap::new();
        for order in orders {
            for a in &order.allocations {
                let at = (a.sku.to_string(), a.location.to_string());
                *held.entry(at.clone()).or_default() += a.quantity - a.shipped;
                *shipped.entry(at.clone()).or_default() += a.shipped;
                // Sellable returns come back where they shipped from (the simulation receives
                // every return in sellable condition).
                *restocked.entry(at).or_default() += a.returned;
            }
        }
        for sku in SKUS {
            for location in LOCATIONS {
                let at = (sku.to_string(), location.to_string());
                let (on_hand, reserved) = self.level(sku, location);
                let expected = self.on_hand[&at] - shipped.get(&at).copied().unwrap_or(0)
                    + restocked.get(&at).copied().unwrap_or(0);
                if on_hand < 0 || reserved < 0 || reserved > on_hand {
                    return Err(format!(
                        "{sku}@{location}: on hand {on_hand}, reserved {reserved}"
                    ));
                }
                if reserved != held.get(&at).copied().unwrap_or(0) {
                    return Err(format!(
                        "{sku}@{location}: reserved {reserved}, orders hold {:?}",
                        held.get(&at)
                    ));
                }
                if on_hand != expected {
                    return Err(format!(
                        "{sku}@{location}: on hand {on_hand}, reference {expected}"
                    ));
                }
            }
        }
        Ok(())
    }

    /// (on hand, reserved) as stored: the item's two counters.
    fn level(&self, sku: &str, location: &str) -> (i64, i64) {
        let id = ordercore::inventory::StockItem::key(sku, location);
        let names = [
            ordercore::store::CounterKey::available(id.clone()),
            ordercore::store::CounterKey::reserved(id),
        ];
        match self.shop.store.counters(&names).unwrap()[..] {
            [available, reserved] => (available + reserved, reserved),
            _ => (0, 0),
        }
    }

    /// Every processed return can still be refunded (nothing leaves one stuck).
    fn finish(&mut self) -> Result<(), String> {
        for order in self.all_orders() {
            for ret in &order.returns {
                if ret.state != ReturnState::Processed {
                    continue;
                }
                let command = Command::UpdateReturn {
                    order_id: order.id.clone(),
                    return_id: ret.id.to_string(),
                    action: ReturnAction::Refund,
                    received: vec![],
                };
                // Staff try again (a new key each time) while the provider declines or is down.
                let refunded = (0..10).any(|_| self.send(&admin(), &command).is_some());
                if !refunded {
                    let why = self.shop.engine.execute(&admin(), &command, None).err();
                    return Err(format!(
                        "return {} of {} cannot be refunded: {why:?}\n{order:#?}",
                        ret.id, order.id
                    ));
                }
            }
        }
        self.audit()
    }
}
