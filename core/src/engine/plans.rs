//! Subscription plan commands — `create_plan`, `reprice_plan`, `archive_plan` — and the
//! `get_plan` query. A plan is one document holding every version (`billing::PlanVersions`):
//! a new price is a new version, and subscribers keep the version they pay.

use super::*;
use crate::billing::{Plan, PlanVersions};

/// `create_plan`: a new plan at version 1, in the engine's currency (its invoices are priced
/// with the engine's promotions and tax, which are in that currency).
pub(super) fn create_plan(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    plan: &Plan,
) -> Result<CommandOutput> {
    tx.actor.require_staff(StaffDuty::Billing, "create_plan")?;
    let currencies = &engine.pricer.config().currencies;
    let mut versions =
        PlanVersions::create(plan.clone(), currencies).map_err(|e| within_plan(e, "plan"))?;
    engine.check_currency(&versions.latest.currency, "plan.currency")?;
    let key = DocKey::new(DocKind::Plan, versions.id());
    if tx.load(key)?.is_some() {
        return Err(Error::invalid(
            "plan.id",
            format!("plan {:?} exists; a new price is `reprice_plan`", plan.id),
        ));
    }
    let created = EventPayload::PlanCreated {
        plan_id: versions.latest.id.clone(),
        version: versions.latest.version,
    };
    tx.emit_plan(&mut versions, created);
    Ok(tx.put_plan(versions))
}

/// `reprice_plan`: the plan's next version at `amount`.
pub(super) fn reprice_plan(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    plan_id: &str,
    amount: Decimal,
) -> Result<CommandOutput> {
    tx.actor.require_staff(StaffDuty::Billing, "reprice_plan")?;
    let mut versions = tx.plan(plan_id)?;
    let currencies = &engine.pricer.config().currencies;
    let repriced = versions.reprice(amount, currencies)?;
    let event = EventPayload::PlanRepriced {
        plan_id: repriced.id.clone(),
        version: repriced.version,
        amount: repriced.amount,
    };
    tx.emit_plan(&mut versions, event);
    Ok(tx.put_plan(versions))
}

/// `archive_plan`: every version archived. Archiving an archived plan changes nothing and
/// emits nothing (a retry after a lost answer is not a second archive).
pub(super) fn archive_plan(tx: &mut UnitOfWork<'_>, plan_id: &str) -> Result<CommandOutput> {
    tx.actor.require_staff(StaffDuty::Billing, "archive_plan")?;
    let mut versions = tx.plan(plan_id)?;
    if versions.latest.status == crate::billing::PlanStatus::Archived {
        return Ok(CommandOutput::Plan(Box::new(versions)));
    }
    versions.archive();
    let event = EventPayload::PlanArchived {
        plan_id: versions.latest.id.clone(),
    };
    tx.emit_plan(&mut versions, event);
    Ok(tx.put_plan(versions))
}

/// A plan's own errors name its fields (`amount`); in a command they are `plan.amount`.
fn within_plan(error: Error, prefix: &str) -> Error {
    match error.field().map(str::to_owned) {
        Some(field) => error.at(|| format!("{prefix}.{field}")),
        None => error,
    }
}

impl Engine {
    /// `currency_mismatch` naming `field` unless `code` is the engine's currency.
    pub(super) fn check_currency(&self, code: &str, field: &str) -> Result<()> {
        let currencies = &self.pricer.config().currencies;
        let found = currencies.resolve(code, field)?;
        let expected = currencies.resolve(&self.config.currency, "currency")?;
        if found != expected {
            return Err(Error::CurrencyMismatch {
                field: field.into(),
                expected: expected.code().into(),
                found: found.code().into(),
            });
        }
        Ok(())
    }

    /// `get_plan`: a plan with every version. Plans are public (a pricing page shows them),
    /// so any actor may read one.
    pub(super) fn get_plan(&self, plan_id: &str) -> Result<Box<PlanVersions>> {
        match self.store.load(&DocKey::new(DocKind::Plan, plan_id))? {
            Some(Versioned {
                value: Document::Plan(versions),
                ..
            }) => Ok(versions),
            _ => Err(Error::not_found("plan", plan_id)),
        }
    }
}

impl UnitOfWork<'_> {
    /// The stored plan, or `not_found`.
    pub(super) fn plan(&mut self, plan_id: &str) -> Result<PlanVersions> {
        match self.load(DocKey::new(DocKind::Plan, plan_id))? {
            Some(Document::Plan(versions)) => Ok(PlanVersions::clone(versions)),
            _ => Err(Error::not_found("plan", plan_id)),
        }
    }

    /// Writes the plan; answers it.
    fn put_plan(&mut self, versions: PlanVersions) -> CommandOutput {
        let key = DocKey::new(DocKind::Plan, versions.id());
        let versions = Box::new(versions);
        self.put(key, Document::Plan(versions.clone()));
        CommandOutput::Plan(versions)
    }

    /// An event of the plan's own stream (`plan/<id>`).
    fn emit_plan(&mut self, versions: &mut PlanVersions, payload: EventPayload) {
        versions.event_sequence += 1;
        let aggregate = crate::ids::join(&["plan/", versions.id()]);
        let event = self.event(aggregate, versions.event_sequence, None, payload);
        self.events.push(event);
    }
}
