//! Stock per (sku, location): on hand and reserved counts, and the allocation of an order's
//! lines to locations. Each order records its own reservations (its [`Allocation`]s: line,
//! location, units, units shipped) and they lapse with the order: an unpaid order is cancelled at
//! its `reservation_expires_at` and its units released.
//!
//! `available = on_hand − reserved` never goes below zero unless the item allows backorder.
//! Every change is a new version of the stock document, written compare-and-set in the same
//! change set as the order, so two checkouts racing for the last unit cannot both win.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::error::{Error, Result};

/// Stock of one sku at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockItem {
    /// The sku.
    pub sku: SmolStr,
    /// The location (warehouse) id.
    pub location: SmolStr,
    /// Units physically there.
    pub on_hand: i64,
    /// Units held for orders not yet shipped. Which order holds how many is recorded on the
    /// orders ([`Allocation`]), so this document stays small however many orders are open.
    pub reserved: i64,
    /// Whether orders may reserve more than is available.
    pub backorder: bool,
    /// `low_stock` is emitted when available falls to or below this.
    pub low_stock_threshold: Option<i64>,
    /// Events emitted so far for this item.
    pub event_sequence: u64,
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

    /// The document id: `sku@location`.
    pub fn key(sku: &str, location: &str) -> SmolStr {
        crate::ids::join(&[sku, "@", location])
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

    /// Whether a change from `before` available units to now crossed the low-stock threshold.
    pub(crate) fn crossed_low_stock(&self, before: i64) -> Option<i64> {
        let threshold = self.low_stock_threshold?;
        (before > threshold && self.available() <= threshold).then_some(threshold)
    }
}

/// Where one order line's units are reserved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// One line's demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand<'a> {
    /// The line index (one demand per line).
    pub line: usize,
    /// The sku.
    pub sku: &'a str,
    /// Units.
    pub quantity: i64,
}

/// Decides where each line's units come from.
///
/// Prefers one location (in `locations` priority order) that can ship the whole order; else
/// fills each sku from the locations in priority order. Lines asking for the same sku are
/// checked as one. Units beyond what is available go to the first location whose item allows
/// backorder; without one the result is `insufficient_stock` with the sku's total demand and
/// availability. `stock(sku, location)` gives the current item, if any.
pub fn allocate<'s>(
    demands: &[Demand<'_>],
    locations: &[String],
    stock: impl Fn(&str, &str) -> Option<&'s StockItem>,
) -> Result<Vec<Allocation>> {
    let available =
        |sku: &str, location: &str| stock(sku, location).map_or(0, |s| s.available().max(0));
    // Total demand per sku, in order of first appearance; each line's sku found by hashing
    // (comparing every line's sku with every other made this quadratic in the lines).
    let mut totals: Vec<(&str, i64)> = Vec::new();
    let mut sku_of_line: Vec<usize> = Vec::with_capacity(demands.len());
    let mut places: HashMap<&str, usize, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(demands.len(), Default::default());
    for demand in demands {
        let place = *places.entry(demand.sku).or_insert_with(|| {
            totals.push((demand.sku, 0));
            totals.len() - 1
        });
        totals[place].1 += demand.quantity;
        sku_of_line.push(place);
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
    // lines of the same sku: `free` holds each sku's locations in a row, in priority order.
    let mut free: Vec<i64> = Vec::with_capacity(totals.len() * locations.len());
    for (sku, _) in &totals {
        free.extend(locations.iter().map(|location| available(sku, location)));
    }
    let mut allocations = Vec::new();
    for (demand, &place) in demands.iter().zip(&sku_of_line) {
        let mut needed = demand.quantity;
        let row = &mut free[place * locations.len()..(place + 1) * locations.len()];
        for (location, left) in locations.iter().zip(row.iter_mut()) {
            if needed == 0 {
                break;
            }
            if *left == 0 {
                continue;
            }
            let take = needed.min(*left);
            *left -= take;
            needed -= take;
            allocations.push(Allocation {
                line: demand.line,
                sku: demand.sku.into(),
                location: location.as_str().into(),
                quantity: take,
                shipped: 0,
            });
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
            // The backordered rest joins the line's allocation there if it has one.
            let line_start = allocations
                .iter()
                .rposition(|a: &Allocation| a.line != demand.line)
                .map_or(0, |i| i + 1);
            match allocations[line_start..]
                .iter_mut()
                .find(|a| *a.location == **location)
            {
                Some(existing) => existing.quantity += needed,
                None => allocations.push(Allocation {
                    line: demand.line,
                    sku: demand.sku.into(),
                    location: location.as_str().into(),
                    quantity: needed,
                    shipped: 0,
                }),
            }
        }
    }
    Ok(allocations)
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

    fn run(
        items: &[StockItem],
        demands: &[(usize, &str, i64)],
    ) -> Result<Vec<(usize, String, i64)>> {
        let map: HashMap<(String, String), &StockItem> = items
            .iter()
            .map(|i| ((i.sku.to_string(), i.location.to_string()), i))
            .collect();
        let locations = vec!["east".to_string(), "west".to_string()];
        let demands: Vec<Demand> = demands
            .iter()
            .map(|(line, sku, quantity)| Demand {
                line: *line,
                sku,
                quantity: *quantity,
            })
            .collect();
        let result = allocate(&demands, &locations, |s, l| {
            map.get(&(s.to_string(), l.to_string())).copied()
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
        assert_eq!(s.crossed_low_stock(10), Some(7));
        s.commit(3).unwrap();
        assert_eq!((s.on_hand, s.reserved, s.available()), (7, 1, 6));
        assert!(s.commit(2).is_err());
        s.release(1);
        assert_eq!(s.available(), 7);
    }

    // The first, plainly quadratic version: the oracle the faster one must agree with.
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
            let demands: Vec<Demand> = lines
                .iter()
                .enumerate()
                .map(|(line, (sku, quantity))| Demand { line, sku: skus[*sku], quantity: *quantity })
                .collect();
            let lookup = |s: &str, l: &str| items.get(&(s.to_string(), l.to_string()));
            proptest::prop_assert_eq!(
                allocate(&demands, &locations, lookup),
                reference_allocate(&demands, &locations, lookup)
            );
        }
    }
}
