//! Who issues a command, and what they may do.

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::error::{Error, Result};

/// The issuer of every command and query.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    /// A shopper: sees and acts on their own orders only.
    Customer {
        /// Customer id.
        id: String,
    },
    /// A member of staff with a role.
    Staff {
        /// Staff id.
        id: String,
        /// What they may do.
        role: StaffRole,
    },
    /// The scheduler and webhooks.
    System,
}

/// Staff roles. `Admin` may do everything; the others a part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Everything.
    Admin,
    /// Payments, refunds, cancellations and returns.
    Support,
    /// Stock, shipments and received returns.
    Warehouse,
}

/// What a staff permission check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StaffDuty {
    /// Refunds, approving or rejecting returns, cancelling for a customer.
    Support,
    /// Stock changes, shipping, receiving returns.
    Warehouse,
    /// Subscription plans and their prices: admins only.
    Billing,
}

impl Actor {
    /// A customer actor.
    pub fn customer(id: impl Into<String>) -> Self {
        Actor::Customer { id: id.into() }
    }

    /// An admin actor.
    pub fn admin(id: impl Into<String>) -> Self {
        Actor::Staff {
            id: id.into(),
            role: StaffRole::Admin,
        }
    }

    /// Who the audit trail names.
    pub fn label(&self) -> SmolStr {
        match self {
            Actor::Customer { id } => crate::ids::join(&["customer:", id]),
            Actor::Staff { id, role } => crate::ids::join(&["staff:", id, ":", role.name()]),
            Actor::System => SmolStr::new_static("system"),
        }
    }

    /// Whether this actor may see an order of `customer_id`. Another customer's order is
    /// reported as `not_found`, never `forbidden`, so ids cannot be probed.
    pub(crate) fn can_see(&self, customer_id: &str) -> bool {
        match self {
            Actor::Customer { id } => id == customer_id,
            Actor::Staff { .. } | Actor::System => true,
        }
    }

    /// Staff (or the system) with the given duty; customers get `forbidden`.
    pub(crate) fn require_staff(&self, duty: StaffDuty, action: &str) -> Result<()> {
        let allowed = match self {
            Actor::System => true,
            Actor::Staff { role, .. } => matches!(
                (role, duty),
                (StaffRole::Admin, _)
                    | (StaffRole::Support, StaffDuty::Support)
                    | (StaffRole::Warehouse, StaffDuty::Warehouse)
            ),
            Actor::Customer { .. } => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(Error::Forbidden {
                action: action.to_string(),
                actor: self.label().to_string(),
            })
        }
    }

    /// Only the system (the scheduler, verified webhooks).
    pub(crate) fn require_system(&self, action: &str) -> Result<()> {
        match self {
            Actor::System
            | Actor::Staff {
                role: StaffRole::Admin,
                ..
            } => Ok(()),
            _ => Err(Error::Forbidden {
                action: action.to_string(),
                actor: self.label().to_string(),
            }),
        }
    }
}

impl StaffRole {
    /// The role's name as serialized.
    pub fn name(self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Support => "support",
            StaffRole::Warehouse => "warehouse",
        }
    }
}
