//! Gapless invoice numbers: one stored document per store holds the last number given. A
//! command that finalizes an invoice writes it with the invoice, under its version, so two
//! processes cannot give the same number (one of them conflicts and decides again) and a
//! command that fails gives none back to skip (nothing of it is committed).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The last invoice number given (0: none yet).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Numbering {
    /// The last number given.
    pub last: u64,
}

impl Numbering {
    /// The document's id in its kind (`sequence`).
    pub const INVOICES: &'static str = "invoice";

    /// Takes the next number, written `{prefix}{number:06}` (`INV-000042`).
    pub fn next(&mut self, prefix: &str) -> Result<String> {
        self.last = (self.last.checked_add(1))
            .ok_or_else(|| Error::invalid("invoice_prefix", "invoice numbers ran out"))?;
        Ok(format!("{prefix}{:06}", self.last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_each_other_without_a_gap() {
        let mut numbering = Numbering::default();
        let numbers: Vec<String> = (0..3).map(|_| numbering.next("INV-").unwrap()).collect();
        assert_eq!(numbers, ["INV-000001", "INV-000002", "INV-000003"]);
        let mut late = Numbering { last: 999_999 };
        assert_eq!(
            late.next("").unwrap(),
            "1000000",
            "wider than six digits when it must be"
        );
        let mut last = Numbering { last: u64::MAX };
        assert_eq!(last.next("INV-").unwrap_err().code(), "invalid_input");
    }
}
