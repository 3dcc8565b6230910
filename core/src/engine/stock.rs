//! Stock commands: `set_stock` and `adjust_stock`.

use super::*;

impl Engine {
    pub(super) fn change_stock(
        &self,
        tx: &mut UnitOfWork<'_>,
        sku: &str,
        location: Option<&str>,
        change: impl FnOnce(&mut StockItem) -> Result<()>,
    ) -> Result<CommandOutput> {
        tx.actor
            .require_staff(StaffDuty::Warehouse, "change stock")?;
        if sku.trim().is_empty() {
            return Err(Error::invalid("sku", "must not be empty"));
        }
        let location = location.unwrap_or(&self.config.locations[0]);
        if !self.config.locations.iter().any(|l| l == location) {
            return Err(Error::invalid(
                "location",
                format!("{location:?} is not a configured location"),
            ));
        }
        let mut item = tx.stock(sku, location)?;
        change(&mut item)?;
        if item.on_hand < 0 {
            return Err(Error::invalid("on_hand", "must not be negative"));
        }
        if item.available() < 0 && !item.backorder {
            return Err(Error::invalid(
                "on_hand",
                format!(
                    "{} units are reserved; on hand cannot go below that",
                    item.reserved
                ),
            ));
        }
        if item.low_stock_threshold.is_some_and(|t| t < 0) {
            return Err(Error::invalid(
                "low_stock_threshold",
                "must not be negative",
            ));
        }
        let on_hand = item.on_hand;
        tx.emit_stock(&mut item, None, |sku, location| {
            EventPayload::StockAdjusted {
                sku,
                location,
                on_hand,
            }
        });
        Ok(CommandOutput::Stock(tx.put_stock(item, None)))
    }
}

/// `set_stock`: a sku's count at a location, and whether it may be backordered.
pub(super) fn set_stock(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    sku: &str,
    location: Option<&str>,
    levels: StockLevels,
) -> Result<CommandOutput> {
    engine.change_stock(tx, sku, location, |item| {
        item.on_hand = levels.on_hand;
        item.backorder = levels.backorder;
        item.low_stock_threshold = levels.low_stock_threshold;
        Ok(())
    })
}

/// What `set_stock` sets.
pub(super) struct StockLevels {
    pub(super) on_hand: i64,
    pub(super) backorder: bool,
    pub(super) low_stock_threshold: Option<i64>,
}

/// `adjust_stock`: units counted in or out at a location.
pub(super) fn adjust_stock(
    engine: &Engine,
    tx: &mut UnitOfWork<'_>,
    sku: &str,
    location: Option<&str>,
    delta: i64,
) -> Result<CommandOutput> {
    engine.change_stock(tx, sku, location, |item| {
        item.on_hand = item
            .on_hand
            .checked_add(delta)
            .ok_or_else(|| Error::invalid("delta", "on hand would pass the largest count"))?;
        Ok(())
    })
}
