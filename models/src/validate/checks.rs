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
                // With origins (model contract section 7), a tariff with `origin` beats one
                // without; two with origins tie only on a class both hold.
                let same_origin = match (&a.origin, &b.origin) {
                    (None, None) => true,
                    (Some(x), Some(y)) => x.iter().any(|k| y.contains(k)),
                    _ => false,
                };
                if !same_origin {
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
                            "remove one, or make one more specific (a material, an `origin`, or a country instead of a bloc)",
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
    /// times that cost nothing, expansions whose lead time no period allows.
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
        self.unused_regions(inst);
        self.unused_materials(inst);
        self.late_expansions(inst);
    }

    /// The contract's "a region with no facility and no lane" (a stockpile counts as a
    /// facility: it can serve a demand from its stock). A region with only a demand is worse
    /// than idle (nothing can serve it), so it gets its own message.
    fn unused_regions(&mut self, inst: &Instance) {
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
        for s in &inst.stockpiles {
            supplied[s.region] = true;
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
    }

    /// A material nobody demands, processes or stocks (filling a stockpile is a use).
    fn unused_materials(&mut self, inst: &Instance) {
        for (mi, m) in inst.materials.iter().enumerate() {
            let used = inst.demands.iter().any(|d| d.material == mi)
                || inst.plants.iter().any(|p| p.input == mi)
                || inst.stockpiles.iter().any(|s| s.material == mi);
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

    /// An expansion whose `lead_time` no period allows (no period starts `lead_time` years
    /// after the first or later) creates no variable and no row (model contract section 5).
    fn late_expansions(&mut self, inst: &Instance) {
        let y1 = inst.periods[0].year;
        let last = inst.periods[inst.periods.len() - 1].year;
        for (label, span, lead_time) in std::mem::take(&mut self.lead_times) {
            if inst.first_build_period(lead_time).is_some() {
                continue;
            }
            let (msg, hint) = if inst.has_periods() {
                (
                    format!(
                        "{label} never comes online: its `lead_time` of {lead_time} years ends after the \
                         last period ({y1} + {lead_time} > {last})"
                    ),
                    format!(
                        "shorten `lead_time` to at most {}, add a later year to `meta.periods`, or remove the expansion",
                        // In f64: no overflow, whatever the years.
                        last as f64 - y1 as f64
                    ),
                )
            } else {
                (
                    format!(
                        "{label} never comes online: its `lead_time` of {lead_time} years ends after the \
                         only period (the file has no `meta.periods`)"
                    ),
                    "add `periods = [...]` to `[meta]` reaching past the lead time, or remove `lead_time`".to_string(),
                )
            };
            self.diags.push(Diagnostic::warning(msg, span).with_hint(hint));
        }
    }
}
