//! A plan as a store keeps it: every version it has had, oldest first. A subscription names the
//! version it pays (`plan_version`), so a new price never reaches existing subscribers until
//! they are moved; the newest version is the one offered.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::plan::{Plan, PlanStatus};
use crate::error::{Error, Result};
use crate::money::CurrencyRegistry;

/// Every version of one plan: the newest, and those before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanVersions {
    /// The newest version: the one new subscriptions take.
    pub latest: Plan,
    /// The versions before it, oldest first (`earlier[i].version == i + 1`).
    #[serde(default)]
    pub earlier: Vec<Plan>,
    /// The sequence number of the plan's last event.
    #[serde(default)]
    pub event_sequence: u64,
}

impl PlanVersions {
    /// A new plan: its first version, checked field by field (`version` must be 1 or absent),
    /// its amounts at the currency's full scale.
    pub fn create(plan: Plan, currencies: &CurrencyRegistry) -> Result<PlanVersions> {
        if plan.version != 1 {
            return Err(Error::invalid(
                "version",
                "a new plan starts at version 1; a new price is `reprice`",
            ));
        }
        Ok(PlanVersions {
            latest: plan.checked(currencies)?,
            earlier: Vec::new(),
            event_sequence: 0,
        })
    }

    /// The plan's id.
    pub fn id(&self) -> &str {
        &self.latest.id
    }

    /// The version `version`, or `not_found` naming `plan_id@version`.
    pub fn version(&self, version: u32) -> Result<&Plan> {
        let earlier = (version as usize).checked_sub(1);
        let found = match earlier {
            _ if version == self.latest.version => Some(&self.latest),
            Some(i) => self.earlier.get(i).filter(|plan| plan.version == version),
            None => None,
        };
        found.ok_or_else(|| Error::NotFound {
            entity: "plan_version".into(),
            id: format!("{}@{version}", self.id()),
        })
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> impl Iterator<Item = &Plan> {
        self.earlier.iter().chain(std::iter::once(&self.latest))
    }

    /// A new price: version + 1 at `amount` (checked at the currency's scale), the plan
    /// otherwise unchanged. Existing versions stay as they are. An archived plan is not
    /// repriced (`invalid_input` naming `plan_id`): it is offered to no one.
    pub fn reprice(&mut self, amount: Decimal, currencies: &CurrencyRegistry) -> Result<&Plan> {
        if self.latest.status == PlanStatus::Archived {
            return Err(Error::invalid("plan_id", "the plan is archived"));
        }
        let next = self.latest.repriced(amount)?.checked(currencies)?;
        self.earlier.push(std::mem::replace(&mut self.latest, next));
        Ok(&self.latest)
    }

    /// Archives every version: no new subscriptions, no changes onto it; its subscribers keep
    /// paying the version they are on. Archiving twice changes nothing.
    pub fn archive(&mut self) {
        for version in self
            .earlier
            .iter_mut()
            .chain(std::iter::once(&mut self.latest))
        {
            version.status = PlanStatus::Archived;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team() -> Plan {
        serde_json::from_value(serde_json::json!({
            "id": "team", "name": "Team", "currency": "USD", "amount": "12.00",
            "interval": {"unit": "month", "count": 1}, "pricing": "per_seat"
        }))
        .unwrap()
    }

    #[test]
    fn a_new_price_adds_a_version_and_keeps_the_old_one() {
        let currencies = CurrencyRegistry::new();
        let mut plan = PlanVersions::create(team(), &currencies).unwrap();
        let next = plan.reprice(Decimal::new(1500, 2), &currencies).unwrap();
        assert_eq!((next.version, next.amount), (2, Decimal::new(1500, 2)));
        assert_eq!(plan.version(1).unwrap().amount, Decimal::new(1200, 2));
        assert_eq!(plan.latest.version, 2);
        let versions: Vec<u32> = plan.versions().map(|version| version.version).collect();
        assert_eq!(versions, [1, 2]);
        assert_eq!(plan.id(), "team");
        for missing in [0, 3] {
            let error = plan.version(missing).unwrap_err();
            assert_eq!(error.code(), "not_found");
            assert!(error.to_string().contains(&format!("team@{missing}")));
        }
    }

    #[test]
    fn amounts_are_kept_at_the_currency_scale() {
        let currencies = CurrencyRegistry::new();
        let whole = Plan {
            amount: Decimal::new(12, 0),
            setup_fee: Decimal::new(5, 0),
            ..team()
        };
        let mut plan = PlanVersions::create(whole, &currencies).unwrap();
        let stored = (
            plan.latest.amount.to_string(),
            plan.latest.setup_fee.to_string(),
        );
        assert_eq!(stored, ("12.00".to_string(), "5.00".to_string()));
        let repriced = plan.reprice(Decimal::new(15, 0), &currencies).unwrap();
        assert_eq!(repriced.amount.to_string(), "15.00");
    }

    #[test]
    fn a_price_past_the_currency_scale_adds_no_version() {
        let currencies = CurrencyRegistry::new();
        let mut plan = PlanVersions::create(team(), &currencies).unwrap();
        let error = plan
            .reprice(Decimal::new(12345, 3), &currencies)
            .unwrap_err();
        assert_eq!(error.field(), Some("amount"));
        let error = plan.reprice(Decimal::new(-1, 0), &currencies).unwrap_err();
        assert_eq!(error.field(), Some("amount"));
        assert_eq!(plan.versions().count(), 1);
    }

    #[test]
    fn a_new_plan_starts_at_version_one_and_is_checked() {
        let currencies = CurrencyRegistry::new();
        let later = Plan {
            version: 2,
            ..team()
        };
        let error = PlanVersions::create(later, &currencies).unwrap_err();
        assert_eq!(error.field(), Some("version"));
        let unnamed = Plan {
            name: String::new(),
            ..team()
        };
        let error = PlanVersions::create(unnamed, &currencies).unwrap_err();
        assert_eq!(error.field(), Some("name"));
    }

    #[test]
    fn an_archived_plan_is_archived_in_every_version_and_not_repriced() {
        let currencies = CurrencyRegistry::new();
        let mut plan = PlanVersions::create(team(), &currencies).unwrap();
        plan.reprice(Decimal::new(1500, 2), &currencies).unwrap();
        plan.archive();
        plan.archive();
        assert!(
            plan.versions()
                .all(|version| version.status == PlanStatus::Archived)
        );
        let error = plan.reprice(Decimal::new(900, 2), &currencies).unwrap_err();
        assert_eq!(error.field(), Some("plan_id"));
        assert_eq!(plan.versions().count(), 2);
    }
}
