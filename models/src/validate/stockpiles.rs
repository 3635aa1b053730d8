//! Stockpiles (model contract section 6): a strategic reserve of one material at one region.

use super::ids::Resolver;
use super::series::Check;
use super::Validator;
use crate::diag::Diagnostic;
use crate::instance::*;
use crate::raw::RawTable;

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
                let capacity = self.nonneg(e, "capacity").unwrap_or(0.0);
                let initial = self.nonneg(e, "initial").unwrap_or(0.0);
                let min_level = self
                    .series(e, "min_level", Check::NonNeg)
                    .unwrap_or(Series::Constant(0.0));
                let min_final = self.nonneg(e, "min_final").unwrap_or(initial);
                let above = |key: &str, x: f64| (x > capacity).then(|| (key.to_string(), x));
                let too_high = [
                    above("initial", initial),
                    above("min_level", min_level.max()),
                    above("min_final", min_final),
                ];
                for (key, x) in too_high.into_iter().flatten() {
                    if e.table.get(&key).is_none() {
                        continue;
                    }
                    let f = e.table.get(&key).unwrap();
                    self.diags.push(
                        Diagnostic::error(
                            format!("`{key}` in {} is {x} t, above its `capacity` of {capacity} t", e.label),
                            f.value.span.clone(),
                        )
                        .with_origin(f.value.origin.clone())
                        .with_hint(format!("lower `{key}` to at most {capacity}, or raise `capacity`")),
                    );
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
                    capacity,
                    initial,
                    holding_cost: self.nonneg(e, "holding_cost").unwrap_or(0.0),
                    min_level,
                    min_final,
                    span: e.table.span.clone(),
                }
            })
            .collect()
    }
}
