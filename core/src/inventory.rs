//! Stock per (sku, location): on hand and reserved counts, and the allocation of an order's
//! lines to locations. Each order records its own reservations (its [`Allocation`]s: line,
//! location, units, units shipped) and they lapse with the order: an unpaid order is cancelled at
//! its `reservation_expires_at` and its units released.
//!
//! `available = on_hand − reserved` never goes below zero unless the item allows backorder.
//! The counts are two store counters per item, `available/<sku>@<location>` and
//! `reserved/<sku>@<location>`, changed by guarded deltas ([`crate::store::CounterDelta`]):
//! a reservation takes `available` down by n only if it stays ≥ 0, so checkouts of one sku
//! never conflict with each other and fail only when the units are really gone. The item's
//! settings (backorder, low-stock threshold) are a versioned document, [`StockSettings`],
//! written only by the stock commands.

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use smol_str::SmolStr;

use crate::error::{Error, Result};

/// Stock of one sku at one location: its settings and its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StockItem {
    /// The sku.
    pub sku: SmolStr,
    /// The location (warehouse) id.
    pub location: SmolStr,
    /// Units physically there.
    pub on_hand: i64,
    /// Units held for orders not yet shipped. Which order holds how many is recorded on the
    /// orders ([`Allocation`]), so the counts stay two numbers however many orders are open.
    pub reserved: i64,
    /// Whether orders may reserve more than is available.
    pub backorder: bool,
    /// `low_stock` is emitted when available falls to or below this.
    pub low_stock_threshold: Option<i64>,
    /// Events emitted on the item's own stream (`stock/<sku>@<location>`: adjustments, and the
    /// low-stock alerts they cause); reservations, releases and shipments are events of the
    /// order that caused them.
    pub event_sequence: u64,
}

/// What is stored of a stock item besides its counts: the document `stock/<sku>@<location>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StockSettings {
    /// The sku.
    pub sku: SmolStr,
    /// The location (warehouse) id.
    pub location: SmolStr,
    /// Whether orders may reserve more than is available.
    pub backorder: bool,
    /// `low_stock` is emitted when available falls to or below this.
    pub low_stock_threshold: Option<i64>,
    /// Events emitted on the item's own stream.
    pub event_sequence: u64,
}

impl StockSettings {
    /// The settings of a new item: no backorder, no threshold.
    pub fn new(sku: &str, location: &str) -> Self {
        StockItem::new(sku, location).settings()
    }
}

impl StockItem {
    /// An item with nothing on hand.
    pub fn new(sku: &str, location: &str) -> Self {
        StockItem {
            sku: sku.into(),
            location: location.into(),
            on_hand: 0,
            reserved: 0,
            backorder: false,
            low_stock_threshold: None,
            event_sequence: 0,
        }
    }

    /// The item made of its stored settings and counters.
    pub fn from_parts(settings: StockSettings, available: i64, reserved: i64) -> Self {
        StockItem {
            sku: settings.sku,
            location: settings.location,
            on_hand: available.saturating_add(reserved),
            reserved,
            backorder: settings.backorder,
            low_stock_threshold: settings.low_stock_threshold,
            event_sequence: settings.event_sequence,
        }
    }

    /// The settings to store.
    pub fn settings(&self) -> StockSettings {
        StockSettings {
            sku: self.sku.clone(),
            location: self.location.clone(),
            backorder: self.backorder,
            low_stock_threshold: self.low_stock_threshold,
            event_sequence: self.event_sequence,
        }
    }

    /// The document id: `sku@location`.
    pub fn key(sku: &str, location: &str) -> SmolStr {
        crate::ids::join(&[sku, "@", location])
    }

    /// A store fault unless the counts are ones the engine could have written: none negative,
    /// and, without backorder, no more reserved than on hand. A row edited by hand to
    /// `reserved = -9` would otherwise let more units sell than exist.
    pub fn check_stored(&self) -> Result<()> {
        if self.on_hand < 0 || self.reserved < 0 || (!self.backorder && self.available() < 0) {
            return Err(Error::Provider {
                component: "store".into(),
                message: format!(
                    "stock {}@{} has impossible counts (on hand {}, reserved {})",
                    self.sku, self.location, self.on_hand, self.reserved
                ),
            });
        }
        Ok(())
    }

    /// On hand minus reserved.
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved
    }

    /// Holds `quantity` units for an order.
    pub(crate) fn reserve(&mut self, quantity: i64) {
        self.reserved += quantity;
    }

    /// Lets go of `quantity` held units (cancel, expiry).
    pub(crate) fn release(&mut self, quantity: i64) {
        self.reserved -= quantity.min(self.reserved);
    }

    /// Ships `quantity` held units: they stop being held and leave on hand.
    pub(crate) fn commit(&mut self, quantity: i64) -> Result<()> {
        if quantity > self.reserved || quantity > self.on_hand {
            return Err(Error::invalid(
                "lines",
                format!(
                    "{quantity} units of {} are not held at {}",
                    self.sku, self.location
                ),
            ));
        }
        self.reserved -= quantity;
        self.on_hand -= quantity;
        Ok(())
    }
}

/// Whether a fall of available units from `before` to `after` crossed a low-stock threshold,
/// with the bounds on the stored count (after the change) under which that judgement holds
/// whatever other commands did meanwhile: a blind delta does not see the count it changes, so
/// the change set carries these bounds and the store refuses it when the count moved out of
/// them (the command then decides again). One command, and only one, reports each crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LowStockBand {
    /// The fall crossed the threshold: `low_stock` is emitted.
    pub crossed: bool,
    /// The stored count after the change must be at least this.
    pub min: Option<i64>,
    /// The stored count after the change must be at most this.
    pub max: Option<i64>,
}

/// The [`LowStockBand`] of a fall from `before` to `after` (`after < before`) past `threshold`.
pub(crate) fn low_stock_band(threshold: i64, before: i64, after: i64) -> LowStockBand {
    let fall = before - after;
    if after > threshold {
        // Still above: it stays so only if the stored count does.
        LowStockBand {
            crossed: false,
            min: Some(threshold.saturating_add(1)),
            max: None,
        }
    } else if before > threshold {
        // Crossing: the stored count was above before this fall and is at or below after it.
        LowStockBand {
            crossed: true,
            min: Some(threshold.saturating_sub(fall).saturating_add(1)),
            max: Some(threshold),
        }
    } else {
        // Already at or below: some earlier fall reported it, if the stored count agrees.
        LowStockBand {
            crossed: false,
            min: None,
            max: Some(threshold.saturating_sub(fall)),
        }
    }
}

/// Where one order line's units are reserved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Allocation {
    /// The line index in the order.
    pub line: usize,
    /// The sku.
    pub sku: SmolStr,
    /// The location.
    pub location: SmolStr,
    /// Units.
    pub quantity: i64,
    /// Units already shipped from here.
    pub shipped: i64,
    /// Shipped units that came back from the customer (restocked here when sellable).
    #[serde(default)]
    pub returned: i64,
}

impl Allocation {
    /// `quantity` units of `line`'s sku from `location`, none shipped yet.
    pub fn new(line: usize, sku: &str, location: SmolStr, quantity: i64) -> Self {
        Allocation {
            line,
            sku: sku.into(),
            location,
            quantity,
            shipped: 0,
            returned: 0,
        }
    }
}

/// One line's demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand<'a> {
    /// The line index (one demand per line).
    pub line: usize,
    /// The sku.
    pub sku: &'a str,
    /// The sku's row in the caller's stock table: the same for every line of one sku, and
    /// below the number of demands (number the skus 0, 1, … in order of first appearance).
    pub row: usize,
    /// Units.
    pub quantity: i64,
}

/// Decides where each line's units come from.
///
/// Prefers one location (in `locations` priority order) that can ship the whole order; else
/// fills each sku from the locations in priority order. Lines asking for the same sku are
/// checked as one. Units beyond what is available go to the first location whose item allows
/// backorder; without one the result is `insufficient_stock` with the sku's total demand and
/// availability. `stock(row, location)` gives the current item of a demand's
/// [`row`](Demand::row) at `locations[location]`, if any: skus are known by row, so deciding
/// compares no strings (looking skus up by name was a tenth of placing a 20-line order).
pub fn allocate<'s>(
    demands: &[Demand<'_>],
    locations: &[String],
    stock: impl Fn(usize, usize) -> Option<&'s StockItem>,
) -> Result<Vec<Allocation>> {
    let available =
        |row: usize, location: usize| stock(row, location).map_or(0, |s| s.available().max(0));
    let (totals, first) = row_totals(demands)?;
    let total = |row: usize| totals[row].unwrap_or_default();
    let one_place = (0..locations.len()).find(|&location| {
        first.iter().all(|&i| {
            let row = demands[i].row;
            available(row, location) >= total(row)
        })
    });
    if let Some(location) = one_place {
        let location = SmolStr::new(&locations[location]);
        let whole = |d: &Demand| Allocation::new(d.line, d.sku, location.clone(), d.quantity);
        return Ok(demands.iter().map(whole).collect());
    }
    for &i in &first {
        let (sku, row) = (demands[i].sku, demands[i].row);
        let everywhere: i64 = (0..locations.len()).map(|l| available(row, l)).sum();
        let backorder = (0..locations.len()).any(|l| stock(row, l).is_some_and(|s| s.backorder));
        if everywhere < total(row) && !backorder {
            return Err(Error::InsufficientStock {
                sku: sku.to_string(),
                requested: total(row),
                available: everywhere,
            });
        }
    }
    // Split: fill each line from the locations in priority order, sharing availability between
    // lines of the same sku: `free` holds each row's locations in a row, in priority order.
    let mut free: Vec<i64> = Vec::with_capacity(totals.len() * locations.len());
    for row in 0..totals.len() {
        free.extend((0..locations.len()).map(|location| available(row, location)));
    }
    let mut allocations = Vec::new();
    for demand in demands {
        let here = &mut free[demand.row * locations.len()..(demand.row + 1) * locations.len()];
        let needed = fill(&mut allocations, demand, locations, here);
        if needed > 0 {
            let location = (0..locations.len())
                .find(|&l| stock(demand.row, l).is_some_and(|s| s.backorder))
                .map(|l| &locations[l])
                .ok_or_else(|| Error::InsufficientStock {
                    sku: demand.sku.to_string(),
                    requested: demand.quantity,
                    available: demand.quantity - needed,
                })?;
            backorder(&mut allocations, demand, location, needed);
        }
    }
    Ok(allocations)
}

/// Each row's total demand (`None` for a row no demand names), and the first demand of each
/// row in order of appearance.
type RowTotals = (SmallVec<[Option<i64>; 32]>, SmallVec<[usize; 32]>);

fn row_totals(demands: &[Demand<'_>]) -> Result<RowTotals> {
    let mut totals: SmallVec<[Option<i64>; 32]> = smallvec::smallvec![None; demands.len()];
    let mut first: SmallVec<[usize; 32]> = SmallVec::new();
    for (i, demand) in demands.iter().enumerate() {
        let total = totals.get_mut(demand.row).ok_or_else(|| {
            Error::invalid(
                format!("demands[{i}].row"),
                "must be below the number of demands",
            )
        })?;
        let sum = match total {
            Some(sum) => sum.checked_add(demand.quantity),
            None => {
                first.push(i);
                Some(demand.quantity)
            }
        };
        *total = Some(sum.ok_or_else(|| Error::overflow(format!("demands[{i}].quantity")))?);
    }
    Ok((totals, first))
}

/// Takes `demand`'s units from the locations in priority order (`free`: what each still has
/// for its sku); answers how many no location had.
fn fill(
    allocations: &mut Vec<Allocation>,
    demand: &Demand<'_>,
    locations: &[String],
    free: &mut [i64],
) -> i64 {
    let mut needed = demand.quantity;
    for (location, left) in locations.iter().zip(free.iter_mut()) {
        if needed == 0 {
            break;
        }
        if *left == 0 {
            continue;
        }
        let take = needed.min(*left);
        *left -= take;
        needed -= take;
        let location = SmolStr::new(location);
        allocations.push(Allocation::new(demand.line, demand.sku, location, take));
    }
    needed
}

/// The `needed` units no location had, backordered at `location`: they join the line's
/// allocation there if it has one.
fn backorder(allocations: &mut Vec<Allocation>, demand: &Demand<'_>, location: &str, needed: i64) {
    let line_start = allocations
        .iter()
        .rposition(|a: &Allocation| a.line != demand.line)
        .map_or(0, |i| i + 1);
    match allocations[line_start..]
        .iter_mut()
        .find(|a| *a.location == *location)
    {
        Some(existing) => existing.quantity += needed,
        None => {
            let location = SmolStr::new(location);
            allocations.push(Allocation::new(demand.line, demand.sku, location, needed));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn item(sku: &str, location: &str, on_hand: i64, backorder: bool) -> StockItem {
        StockItem {
            on_hand,
            backorder,
            ..StockItem::new(sku, location)
        }
    }

    /// Demands from (line, sku, quantity), skus numbered in order of first appearance.
    fn numbered<'a>(lines: impl Iterator<Item = (usize, &'a str, i64)>) -> Vec<Demand<'a>> {
        let mut skus: Vec<&str> = Vec::new();
        lines
            .map(|(line, sku, quantity)| {
                let row = skus.iter().position(|s| *s == sku).unwrap_or_else(|| {
                    skus.push(sku);
                    skus.len() - 1
                });
                Demand {
                    line,
                    sku,
                    row,
                    quantity,
                }
            })
            .collect()
    }

    fn run(
        items: &[StockItem],
        demands: &[(usize, &str, i64)],
    ) -> Result<Vec<(usize, String, i64)>> {
        let map: HashMap<(String, String), &StockItem> = items
            .iter()
            .map(|i| ((i.sku.to_string(), i.location.to_string()), i))
            .collect();
        let locations = vec!["east".to_string(), "west".to_string()];
        let demands = numbered(
            demands
                .iter()
                .map(|(line, sku, quantity)| (*line, *sku, *quantity)),
        );
        let result = allocate(&demands, &locations, |row, l| {
            let sku = demands.iter().find(|d| d.row == row)?.sku;
            map.get(&(sku.to_string(), locations[l].clone())).copied()
        })?;
        Ok(result
            .into_iter()
            .map(|a| (a.line, a.location.to_string(), a.quantity))
            .collect())
    }

    #[test]
    fn one_location_that_can_ship_everything_is_preferred() {
        let items = [
            item("a", "east", 5, false),
            item("b", "east", 0, false),
            item("a", "west", 5, false),
            item("b", "west", 5, false),
        ];
        assert_eq!(
            run(&items, &[(0, "a", 2), (1, "b", 2)]).unwrap(),
            vec![(0, "west".into(), 2), (1, "west".into(), 2)]
        );
    }

    #[test]
    fn otherwise_split_by_location_priority() {
        let items = [
            item("a", "east", 3, false),
            item("a", "west", 5, false),
            item("b", "west", 1, false),
        ];
        assert_eq!(
            run(&items, &[(0, "a", 6), (1, "b", 1)]).unwrap(),
            vec![
                (0, "east".into(), 3),
                (0, "west".into(), 3),
                (1, "west".into(), 1)
            ]
        );
    }

    #[test]
    fn lines_of_the_same_sku_are_checked_together() {
        let items = [item("a", "east", 3, false)];
        let err = run(&items, &[(0, "a", 2), (1, "a", 2)]).unwrap_err();
        assert_eq!(
            err,
            Error::InsufficientStock {
                sku: "a".into(),
                requested: 4,
                available: 3
            }
        );
    }

    #[test]
    fn backorder_takes_the_remainder() {
        let items = [item("a", "east", 1, false), item("a", "west", 0, true)];
        assert_eq!(
            run(&items, &[(0, "a", 3)]).unwrap(),
            vec![(0, "east".into(), 1), (0, "west".into(), 2)]
        );
    }

    #[test]
    fn reservations_commit_and_release() {
        let mut s = item("a", "east", 10, false);
        s.low_stock_threshold = Some(7);
        s.reserve(4);
        assert_eq!(s.available(), 6);
        s.commit(3).unwrap();
        assert_eq!((s.on_hand, s.reserved, s.available()), (7, 1, 6));
        assert!(s.commit(2).is_err());
        s.release(1);
        assert_eq!(s.available(), 7);
    }

    #[test]
    fn a_fall_is_judged_against_the_threshold_with_bounds_that_keep_the_judgement_true() {
        // 10 → 6 past 7: crossed, if the stored count went from above 7 to at most 7.
        let crossing = low_stock_band(7, 10, 6);
        assert_eq!(
            (crossing.crossed, crossing.min, crossing.max),
            (true, Some(4), Some(7))
        );
        // 12 → 9: above; it was judged so only if the stored count is still above 7.
        let above = low_stock_band(7, 12, 9);
        assert_eq!(
            (above.crossed, above.min, above.max),
            (false, Some(8), None)
        );
        // 5 → 3: already below; only if the stored count was at most 7 before the fall.
        let below = low_stock_band(7, 5, 3);
        assert_eq!(
            (below.crossed, below.min, below.max),
            (false, None, Some(5))
        );
        // Every count the stored value could take after a fall of 4 is judged by exactly one band.
        for stored_after in -10..20 {
            let stored_before = stored_after + 4;
            let truly = stored_before > 7 && stored_after <= 7;
            let fits = |b: LowStockBand| {
                b.min.is_none_or(|m| stored_after >= m) && b.max.is_none_or(|m| stored_after <= m)
            };
            let judged: Vec<bool> = [
                low_stock_band(7, 20, 16),
                low_stock_band(7, 9, 5),
                low_stock_band(7, 4, 0),
            ]
            .into_iter()
            .filter(|b| fits(*b))
            .map(|b| b.crossed)
            .collect();
            assert_eq!(judged, [truly], "stored {stored_before} → {stored_after}");
        }
    }

    // The first, plainly quadratic version: the oracle the faster one must agree with.
    #[expect(
        clippy::too_many_lines,
        reason = "the oracle is kept as first written, in one piece"
    )]
    fn reference_allocate<'s>(
        demands: &[Demand<'_>],
        locations: &[String],
        stock: impl Fn(&str, &str) -> Option<&'s StockItem>,
    ) -> Result<Vec<Allocation>> {
        let available =
            |sku: &str, location: &str| stock(sku, location).map_or(0, |s| s.available().max(0));
        // Total demand per sku, in order of first appearance.
        let mut totals: Vec<(&str, i64)> = Vec::new();
        for demand in demands {
            match totals.iter_mut().find(|(sku, _)| *sku == demand.sku) {
                Some((_, total)) => *total += demand.quantity,
                None => totals.push((demand.sku, demand.quantity)),
            }
        }
        let one_place = locations.iter().find(|location| {
            totals
                .iter()
                .all(|(sku, total)| available(sku, location) >= *total)
        });
        if let Some(location) = one_place {
            return Ok(demands
                .iter()
                .map(|d| Allocation {
                    line: d.line,
                    sku: d.sku.into(),
                    location: location.as_str().into(),
                    quantity: d.quantity,
                    shipped: 0,
                    returned: 0,
                })
                .collect());
        }
        for (sku, total) in &totals {
            let everywhere: i64 = locations.iter().map(|l| available(sku, l)).sum();
            let backorder = locations
                .iter()
                .any(|l| stock(sku, l).is_some_and(|s| s.backorder));
            if everywhere < *total && !backorder {
                return Err(Error::InsufficientStock {
                    sku: sku.to_string(),
                    requested: *total,
                    available: everywhere,
                });
            }
        }
        // Split: fill each line from the locations in priority order, sharing availability between
        // lines of the same sku.
        let mut left: Vec<(&str, &String, i64)> = Vec::new();
        for (sku, _) in &totals {
            for location in locations {
                left.push((sku, location, available(sku, location)));
            }
        }
        let mut allocations = Vec::new();
        for demand in demands {
            let mut needed = demand.quantity;
            for (sku, location, free) in left.iter_mut() {
                if needed == 0 {
                    break;
                }
                if *sku != demand.sku || *free == 0 {
                    continue;
                }
                let take = needed.min(*free);
                *free -= take;
                needed -= take;
                reference_push(&mut allocations, demand, location, take);
            }
            if needed > 0 {
                let location = locations
                    .iter()
                    .find(|l| stock(demand.sku, l).is_some_and(|s| s.backorder))
                    .ok_or_else(|| Error::InsufficientStock {
                        sku: demand.sku.to_string(),
                        requested: demand.quantity,
                        available: demand.quantity - needed,
                    })?;
                reference_push(&mut allocations, demand, location, needed);
            }
        }
        Ok(allocations)
    }

    fn reference_push(
        allocations: &mut Vec<Allocation>,
        demand: &Demand<'_>,
        location: &str,
        quantity: i64,
    ) {
        match allocations
            .iter_mut()
            .find(|a| a.line == demand.line && *a.location == *location)
        {
            Some(existing) => existing.quantity += quantity,
            None => allocations.push(Allocation {
                line: demand.line,
                sku: demand.sku.into(),
                location: location.into(),
                quantity,
                shipped: 0,
                returned: 0,
            }),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2_000, failure_persistence: None, ..Default::default() })]

        /// Random stock over three locations and random orders: the same allocations, or the
        /// same error, as the oracle.
        #[test]
        fn allocation_agrees_with_the_plain_version(
            stock in proptest::collection::vec((0usize..4, 0usize..3, 0i64..12, proptest::bool::weighted(0.2)), 0..12),
            lines in proptest::collection::vec((0usize..4, 1i64..9), 1..10),
        ) {
            let skus = ["a", "b", "c", "d"];
            let locations: Vec<String> = ["east", "west", "north"].iter().map(|l| l.to_string()).collect();
            let mut items: HashMap<(String, String), StockItem> = HashMap::new();
            for (sku, location, on_hand, backorder) in stock {
                let (sku, location) = (skus[sku], locations[location].as_str());
                items.insert((sku.into(), location.into()), item(sku, location, on_hand, backorder));
            }
            let demands = numbered(lines.iter().enumerate().map(|(line, (sku, quantity))| (line, skus[*sku], *quantity)));
            let lookup = |s: &str, l: &str| items.get(&(s.to_string(), l.to_string()));
            let by_row = |row: usize, l: usize| lookup(demands.iter().find(|d| d.row == row)?.sku, &locations[l]);
            proptest::prop_assert_eq!(
                allocate(&demands, &locations, by_row),
                reference_allocate(&demands, &locations, lookup)
            );
        }
    }
}
