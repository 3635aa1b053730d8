//! Checks over the whole resolved instance (ambiguous tariffs, targets without
//! consumption) and the warnings of a valid instance.

use super::Validator;
use crate::diag::Diagnostic;
use crate::instance::*;

impl Validator {
    /// Checks that need the whole resolved instance: ambiguous tariffs and targets without
    /// consumption in their scope. They also run when other errors were found, so they skip
    /// whatever did not resolve (index `usize::MAX`) rather than guess.
    pub(super) fn cross_checks(&mut self, inst: &Instance) {
        let ok = |i: usize, len: usize| i < len;
        let party_ok = |p: Party| match p {
            Party::Country(c) => ok(c, inst.countries.len()),
            Party::Bloc(b) => ok(b, inst.blocs.len()),
        };
        // Ambiguous tariffs: same importer, same material (or both `*`), exporters of the same
        // kind (two countries, or two blocs) that share a country other than the importer
        // (a shipment inside one country pays no tariff).
        for (i, a) in inst.tariffs.iter().enumerate() {
            if !ok(a.importer, inst.countries.len()) || !party_ok(a.exporter) || a.material == Some(usize::MAX) {
                continue;
            }
            for b in &inst.tariffs[i + 1..] {
                if a.importer != b.importer || a.material != b.material || !party_ok(b.exporter) {
                    continue;
                }
                let overlap = match (a.exporter, b.exporter) {
                    (Party::Country(x), Party::Country(y)) => x == y,
                    (Party::Bloc(x), Party::Bloc(y)) => inst.blocs[x]
                        .countries
                        .iter()
                        .any(|c| *c != a.importer && inst.blocs[y].countries.contains(c)),
                    _ => false,
                };
                if overlap {
                    self.diags.push(
                        Diagnostic::error(
                            format!(
                                "ambiguous tariffs `{}` and `{}`: both match the same shipments with equal specificity",
                                a.id, b.id
                            ),
                            b.span.clone(),
                        )
                        .with_related(format!("tariff `{}` is defined", a.id), a.span.clone())
                        .with_hint(
                            "remove one, or make one more specific (a material, or a country instead of a bloc)",
                        ),
                    );
                }
            }
        }
        // A target's consumption is only known when every demand and plant resolved.
        let consumers_resolved = inst.demands.iter().all(|d| {
            ok(d.material, inst.materials.len())
                && ok(d.region, inst.regions.len())
                && ok(inst.regions[d.region].country, inst.countries.len())
        }) && inst.plants.iter().all(|p| {
            ok(p.input, inst.materials.len())
                && ok(p.region, inst.regions.len())
                && ok(inst.regions[p.region].country, inst.countries.len())
        });
        for t in &inst.targets {
            if !consumers_resolved || !ok(t.material, inst.materials.len()) || !party_ok(t.scope) {
                continue;
            }
            let scope = inst.party_countries(t.scope);
            let in_scope = |region: usize| scope.contains(&inst.regions[region].country);
            let consumed = inst
                .demands
                .iter()
                .any(|d| d.material == t.material && in_scope(d.region))
                || inst.plants.iter().any(|p| p.input == t.material && in_scope(p.region));
            if !consumed {
                self.diags.push(
                    Diagnostic::error(
                        format!(
                            "target `{}` has nothing to cap: no demand or plant input of `{}` in scope `{}`",
                            t.id,
                            inst.materials[t.material].id,
                            inst.party_id(t.scope)
                        ),
                        t.span.clone(),
                    )
                    .with_hint("check the target's `material` and `scope`"),
                );
            }
        }
    }

    /// Warnings, on an instance without errors: regions and materials nothing uses, transit
    /// times that cost nothing.
    pub(super) fn warnings(&mut self, inst: &Instance) {
        if inst.meta.carrying_rate.is_none() {
            if let Some(l) = inst.lanes.iter().find(|l| l.days.is_some_and(|d| d > 0.0)) {
                self.diags.push(
                    Diagnostic::warning(
                        "lanes give `days` (transit time) but `[meta]` has no `carrying_rate`: transit time adds no cost",
                        l.span.clone(),
                    )
                    .with_hint(
                        "set `carrying_rate` in `[meta]` (the cost of goods in transit, a share of their price per \
                         year, e.g. 0.08), or `carrying_rate = 0` to leave transit time unpriced",
                    ),
                );
            }
        }
        // The contract's "a region with no facility and no lane": a region with only a demand
        // is worse than idle (nothing can serve it), so it gets its own message.
        let mut supplied = vec![false; inst.regions.len()];
        let mut demanded = vec![false; inst.regions.len()];
        for m in &inst.mines {
            supplied[m.region] = true;
        }
        for p in &inst.plants {
            supplied[p.region] = true;
        }
        for i in &inst.imports {
            supplied[i.region] = true;
        }
        for l in &inst.lanes {
            supplied[l.from] = true;
            supplied[l.to] = true;
        }
        for d in &inst.demands {
            demanded[d.region] = true;
        }
        for (ri, r) in inst.regions.iter().enumerate() {
            if supplied[ri] {
                continue;
            }
            let d = if demanded[ri] {
                Diagnostic::warning(
                    format!("region `{}` has demand but no facility and no lane", r.id),
                    r.span.clone(),
                )
                .with_hint("nothing can reach its demand: add a `[[lanes]]` entry into it or a facility in it")
            } else {
                Diagnostic::warning(format!("region `{}` has no facility and no lane", r.id), r.span.clone())
                    .with_hint("connect it with a `[[lanes]]` entry, or remove it")
            };
            self.diags.push(d);
        }
        for (mi, m) in inst.materials.iter().enumerate() {
            let used = inst.demands.iter().any(|d| d.material == mi) || inst.plants.iter().any(|p| p.input == mi);
            if !used {
                self.diags.push(
                    Diagnostic::warning(
                        format!("material `{}` is neither demanded nor processed", m.id),
                        m.span.clone(),
                    )
                    .with_hint("its mines and offers will stay idle; add a demand or a plant that uses it"),
                );
            }
        }
    }
}
