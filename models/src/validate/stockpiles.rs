//! Stockpiles (model contract section 6): a strategic reserve of one material at one region.

use super::ids::Resolver;
use super::series::{entry_in_force, Check};
use super::{Entry, Validator};
use crate::diag::Diagnostic;
use crate::instance::*;
use crate::raw::{RawKind, RawTable, RawValue};

impl Validator {
    pub(super) fn stockpiles(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Stockpile> {
        let entries = self.entries("stockpiles", tables, "stockpile");
        self.check_ids(
            "stockpile",
            &entries.iter().filter_map(|(_, id)| id.clone()).collect::<Vec<_>>(),
        );
        entries
            .iter()
            .map(|(e, id)| {
                self.schema2_key(
                    format!("{}: `[[stockpiles]]` is a schema-2 table", e.label),
                    e.span.clone(),
                    None,
                );
                let capacity = self.nonneg(e, "capacity");
                let initial = self.nonneg(e, "initial").unwrap_or(0.0);
                let min_level = self.series(e, "min_level", Check::NonNeg);
                let min_final = self.nonneg(e, "min_final").unwrap_or(initial);
                // Against a capacity that is missing or invalid there is nothing to compare.
                if let Some(capacity) = capacity {
                    self.above_capacity(e, "initial", capacity);
                    self.above_capacity(e, "min_final", capacity);
                    if let Some(series) = &min_level {
                        self.min_level_above_capacity(e, series, capacity);
                    }
                }
                Stockpile {
                    id: id.clone().map(|x| x.0).unwrap_or_default(),
                    name: self.string(e, "name").map(|s| s.0.to_string()),
                    region: self
                        .reference(e, "region", r, "regions", "region")
                        .unwrap_or(usize::MAX),
                    material: self
                        .reference(e, "material", r, "materials", "material")
                        .unwrap_or(usize::MAX),
                    capacity: capacity.unwrap_or(0.0),
                    initial,
                    holding_cost: self.nonneg(e, "holding_cost").unwrap_or(0.0),
                    min_level: min_level.unwrap_or(Series::Constant(0.0)),
                    min_final,
                    initial_origin: {
                        let origin = self.stockpile_initial_origin(e);
                        self.pending.stockpiles.push(origin);
                        0
                    },
                    span: e.table.span.clone(),
                }
            })
            .collect()
    }

    /// A stock level above what the stockpile can hold. `key` is the key as
    /// written (with the year of a series entry); `v` its value.
    fn too_full(&mut self, label: &str, key: &str, v: &RawValue, x: f64, capacity: f64) {
        let name = key.split('.').next().unwrap_or(key);
        self.diags.push(
            Diagnostic::error(
                format!("`{key}` in {label} is {x} t, above its `capacity` of {capacity} t"),
                v.span.clone(),
            )
            .with_origin(v.origin.clone())
            .with_hint(format!("lower `{name}` to at most {capacity}, or raise `capacity`")),
        );
    }

    /// `initial` or `min_final` (plain numbers, already checked) above `capacity`.
    fn above_capacity(&mut self, e: &Entry, key: &str, capacity: f64) {
        let Some(f) = e.table.get(key) else {
            return;
        };
        // A value that is not a number is reported by its own check.
        let x = match f.value.kind {
            RawKind::Int(i) => i as f64,
            RawKind::Float(x) => x,
            _ => return,
        };
        if x > capacity {
            self.too_full(&e.label, key, &f.value, x, capacity);
        }
    }

    /// `min_level` above `capacity` in some period: the entry in force then is reported,
    /// named with its year (`min_level.2028`), once however many periods it covers.
    fn min_level_above_capacity(&mut self, e: &Entry, series: &Series, capacity: f64) {
        let Some(f) = e.table.get("min_level") else {
            return;
        };
        let years: Vec<i64> = self.periods.clone().unwrap_or_default();
        if !matches!(f.value.kind, RawKind::Table(_)) {
            let x = series.first();
            if x > capacity {
                self.too_full(&e.label, "min_level", &f.value, x, capacity);
            }
            return;
        }
        let mut reported: Vec<i64> = Vec::new();
        for (p, y) in years.iter().enumerate() {
            let x = series.at(p);
            let Some((year, entry)) = entry_in_force(&f.value, *y) else {
                continue;
            };
            if x > capacity && !reported.contains(&year) {
                reported.push(year);
                self.too_full(&e.label, &format!("min_level.{year}"), &entry.value, x, capacity);
            }
        }
    }
}
