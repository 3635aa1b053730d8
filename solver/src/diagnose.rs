//! Infeasible plans explained in the instance's own terms.
//!
//! 1. [`structural`]: cheap proofs before any solve: a must-meet demand that no source can
//!    reach through any lane path, a material that nothing produces at all.
//! 2. [`elastic`]: when the LP is infeasible, re-solve with penalised slack on every target,
//!    capacity and must-meet demand, measured in each constraint's own unit relative to its
//!    size (share points for targets, fractions of capacity or demand for the others) and
//!    weighted so that policy targets give way first, then demands, then physical
//!    capacities. A second pass keeps that least relaxation (on the rows it relaxed) and
//!    finds the cheapest plan; the printed values are then checked by re-solving, and a
//!    relaxation the others make unnecessary is dropped, so the set is minimal.
//! 3. [`conflict`]: a smallest set of named constraints that cannot hold together, by a
//!    deletion filter (batch first, then one at a time).

use crate::lp::{Lp, RowKey, Sense, VarKey};
use crate::model::formulate::{self, Model};
use crate::sensitivity::prices::Directions;
use crate::solve::backend::{aux_options, Backend, Bounded, Deadline, Outcome};
use serde::Serialize;
use sourcing_models::Instance;

/// Relative weights of one unit of relaxation.
pub const WEIGHT_TARGET: f64 = 1.0;
pub const WEIGHT_DEMAND: f64 = 10.0;
pub const WEIGHT_CAPACITY: f64 = 100.0;

/// The deletion filter solves one LP per candidate; above this size it is skipped.
pub const CONFLICT_MAX_VARS: usize = 20_000;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Relaxation {
    /// The LP row that gave way.
    #[serde(skip)]
    pub row: usize,
    pub constraint: String,
    pub current: f64,
    pub required: f64,
    pub unit: String,
    /// With periods, for a series entry: the `--set` that keeps the next period's value, so
    /// that `constraint=required` changes this period only (an entry holds until the next).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Diagnosis {
    /// Plain-language findings of the structural checks (empty when none).
    pub structural: Vec<String>,
    pub relaxations: Vec<Relaxation>,
    /// Cost of the cheapest plan once the relaxations are applied.
    pub repaired_objective: Option<f64>,
    pub conflict: Vec<String>,
    /// What the time limit cut short (absent when the diagnosis is complete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
}

/// Structural infeasibilities of an instance, in plain words.
pub fn structural(inst: &Instance) -> Vec<String> {
    let nm = inst.materials.len();
    let nr = inst.regions.len();
    let idx = |r: usize, a: usize| r * nm + a;
    let mut reach = vec![false; nr * nm];
    let mut produced = vec![false; nm];
    // A source counts when it has capacity in some period (sound: a plan that needs it in a
    // period where it has none is left to the LP).
    let expands = |e: Option<sourcing_models::Expansion>| {
        e.is_some_and(|e| e.max > 0.0 && inst.first_build_period(e.lead_time).is_some())
    };
    for m in &inst.mines {
        if m.capacity.max() > 0.0 || expands(m.expansion) {
            reach[idx(m.region, m.material)] = true;
            produced[m.material] = true;
        }
    }
    for i in &inst.imports {
        if i.capacity.as_ref().is_none_or(|c| c.max() > 0.0) {
            reach[idx(i.region, i.material)] = true;
            produced[i.material] = true;
        }
    }
    for p in &inst.plants {
        produced[p.output] = true;
    }
    // A stockpile holding stock at the start is a source of its material where it sits.
    for st in inst.stockpiles.iter().filter(|st| st.initial > 0.0) {
        reach[idx(st.region, st.material)] = true;
        produced[st.material] = true;
    }
    // Fixpoint over plants and lanes.
    loop {
        let mut changed = false;
        for p in &inst.plants {
            let usable = p.capacity.max() > 0.0 || expands(p.expansion);
            if usable && reach[idx(p.region, p.input)] && !reach[idx(p.region, p.output)] {
                reach[idx(p.region, p.output)] = true;
                changed = true;
            }
        }
        for l in &inst.lanes {
            if l.capacity.as_ref().is_some_and(|c| c.max() == 0.0) {
                continue;
            }
            for a in 0..nm {
                if !l.allows(a) {
                    continue;
                }
                let mut hop = |from: usize, to: usize| {
                    if reach[idx(from, a)] && !reach[idx(to, a)] {
                        reach[idx(to, a)] = true;
                        changed = true;
                    }
                };
                hop(l.from, l.to);
                if l.bidirectional {
                    hop(l.to, l.from);
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut out = Vec::new();
    for d in &inst.demands {
        if d.unmet_penalty.is_some() || d.quantity.max() <= 0.0 || reach[idx(d.region, d.material)] {
            continue;
        }
        let mat = &inst.materials[d.material].id;
        if !produced[d.material] {
            out.push(format!(
                "demand `{}` needs {} t/yr of `{mat}`, but no mine, plant or import offer produces `{mat}` anywhere",
                d.id,
                d.quantity.max()
            ));
        } else {
            out.push(format!(
                "demand `{}` needs {} t/yr of `{mat}` at `{}`, but no source of `{mat}` reaches it through any lane path",
                d.id,
                d.quantity.max(),
                inst.regions[d.region].id
            ));
        }
    }
    for t in 0..inst.targets.len() {
        for p in 0..inst.n_periods() {
            if let Some(msg) = target_out_of_reach(inst, t, p) {
                out.push(msg);
            }
        }
    }
    out
}

/// A target that no plan can meet in period `p`: the demand that must be served in its
/// scope, times the share that may not be imported, exceeds everything the scope can supply
/// without counted imports (its mines, plants and the expansions online by then at full
/// capacity, offers of non-source origin located in it, its stockpiles drained within the
/// period). Sound, not complete: any uncounted inflow of unknown size (a lane from a country
/// that is neither in scope nor a source) skips the check.
///
/// When expansions in the scope that are not online yet in `p` (their lead time) would close
/// the gap, the finding says so, names them with the first year each may come online, and
/// names the first later period in which the target is within reach (or says that none is).
fn target_out_of_reach(inst: &Instance, t: usize, p: usize) -> Option<String> {
    let target = &inst.targets[t];
    let r = reach(inst, t, p)?;
    if !r.short() {
        return None;
    }
    let a = target.material;
    let at_least = 1.0 - r.supply / r.need;
    let when = match inst.has_periods() {
        true => format!(" in {}", inst.periods[p].year),
        false => String::new(),
    };
    let mut msg = format!(
        "target `{}` allows at most {:.1}% imports of `{}` in `{}`{when}, but {} t/yr must be served there and \
         everything the scope can supply itself (mines, plants and expansions online by then at full capacity) is \
         at most {} t/yr: at least {:.1}% must be imported",
        target.id,
        100.0 * r.share,
        inst.materials[a].id,
        inst.party_id(target.scope),
        r.need,
        r.supply,
        100.0 * at_least
    );
    let pending = pending_expansions(inst, t, p);
    let more: f64 = pending.iter().map(|e| e.supply).sum();
    let closes = Reach {
        supply: r.supply + more,
        ..r
    };
    if pending.is_empty() || closes.short() {
        return Some(msg);
    }
    let names: Vec<String> = pending
        .iter()
        .map(|e| match e.first {
            Some(q) => format!("`{}` ({} t/yr, from {})", e.name, e.supply, inst.periods[q].year),
            None => format!("`{}` ({} t/yr, online in no period of the horizon)", e.name, e.supply),
        })
        .collect();
    let earliest = pending.iter().filter_map(|e| e.first).min();
    msg.push_str(&format!(
        "; lead times: the expansions that would close the gap, {}, come online {}",
        names.join(", "),
        match earliest {
            Some(q) => format!("no earlier than {}", inst.periods[q].year),
            None => "in no period of the horizon".into(),
        }
    ));
    let first_within = (p + 1..inst.n_periods()).find(|&q| reach(inst, t, q).is_none_or(|r| !r.short()));
    msg.push_str(&match first_within {
        Some(q) => format!(
            "; the target is first within reach in {} (with the expansions its lead times allow by then)",
            inst.periods[q].year
        ),
        None => "; with the expansions the lead times allow, the target is within reach in no later period of the \
                 horizon"
            .into(),
    });
    Some(msg)
}

/// What a target needs and what its scope can supply in one period (t/yr), and its cap.
#[derive(Debug, Clone, Copy)]
struct Reach {
    /// Must-meet demand of the material in the scope.
    need: f64,
    /// [`scope_supply`].
    supply: f64,
    /// `max_import_share` in the period.
    share: f64,
}

impl Reach {
    /// More must be imported than the cap allows.
    fn short(&self) -> bool {
        self.need * (1.0 - self.share) > self.supply * (1.0 + 1e-9) + 1e-9
    }
}

/// The need and supply of target `t` in period `p`; `None` when the check does not apply
/// (no cap, nothing to serve, an unlimited uncounted offer or an uncounted inflow of unknown
/// size: see [`target_out_of_reach`]).
fn reach(inst: &Instance, t: usize, p: usize) -> Option<Reach> {
    let target = &inst.targets[t];
    let share = target.max_import_share.at(p);
    if share >= 1.0 {
        return None;
    }
    let (in_scope, is_source) = crate::model::formulate::target_membership(inst, t);
    let a = target.material;
    let scoped = |region: usize| in_scope[inst.region_country(region)];
    let need: f64 = inst
        .demands
        .iter()
        .filter(|d| d.material == a && d.unmet_penalty.is_none() && scoped(d.region))
        .map(|d| d.quantity.at(p))
        .sum();
    if need <= 0.0 {
        return None;
    }
    let supply = scope_supply(inst, t, p)?;
    for (li, _) in inst.lanes.iter().enumerate().filter(|(_, l)| l.allows(a)) {
        for (_, from, to) in crate::model::formulate::lane_directions(inst, li) {
            let c = inst.region_country(from);
            if scoped(to) && !in_scope[c] && !is_source[c] {
                return None;
            }
        }
    }
    Some(Reach { need, supply, share })
}

/// An expansion in a target's scope that is not online yet in some period.
struct Pending {
    /// `mines.X.expansion` or `plants.X.expansion`.
    name: String,
    /// t/yr of the target's material it would add (a plant's output: `max * yield`).
    supply: f64,
    /// The first period it may come online (`None`: no period of the horizon).
    first: Option<usize>,
}

/// The expansions of target `t`'s scope producing its material whose lead time keeps them
/// offline in period `p`, in instance order (mines, then plants).
fn pending_expansions(inst: &Instance, t: usize, p: usize) -> Vec<Pending> {
    let (in_scope, _) = crate::model::formulate::target_membership(inst, t);
    let a = inst.targets[t].material;
    let scoped = |region: usize| in_scope[inst.region_country(region)];
    let pending = |e: &sourcing_models::Expansion| {
        let first = inst.first_build_period(e.lead_time);
        (e.max > 0.0 && first.is_none_or(|q| q > p)).then_some(first)
    };
    let mut out = Vec::new();
    for m in inst.mines.iter().filter(|m| m.material == a && scoped(m.region)) {
        if let Some((e, first)) = m.expansion.as_ref().and_then(|e| Some((e, pending(e)?))) {
            out.push(Pending {
                name: format!("mines.{}.expansion", m.id),
                supply: e.max,
                first,
            });
        }
    }
    for k in inst.plants.iter().filter(|k| k.output == a && scoped(k.region)) {
        if let Some((e, first)) = k.expansion.as_ref().and_then(|e| Some((e, pending(e)?))) {
            out.push(Pending {
                name: format!("plants.{}.expansion", k.id),
                supply: e.max * k.yield_,
                first,
            });
        }
    }
    out
}

/// What target `t`'s scope can supply of its material in period `p` without counted imports
/// (t/yr): mines and plants at capacity plus the expansions whose lead time allows period `p`,
/// offers in the scope of non-source origin, and stockpiles drained within the period.
/// `None` when an offer of that kind is unlimited.
fn scope_supply(inst: &Instance, t: usize, p: usize) -> Option<f64> {
    let (in_scope, is_source) = crate::model::formulate::target_membership(inst, t);
    let a = inst.targets[t].material;
    let scoped = |region: usize| in_scope[inst.region_country(region)];
    let online = |e: Option<sourcing_models::Expansion>| {
        e.filter(|e| inst.first_build_period(e.lead_time).is_some_and(|first| first <= p))
            .map_or(0.0, |e| e.max)
    };
    let mut supply = 0.0;
    for m in inst.mines.iter().filter(|m| m.material == a && scoped(m.region)) {
        supply += m.capacity.at(p) + online(m.expansion);
    }
    for k in inst.plants.iter().filter(|k| k.output == a && scoped(k.region)) {
        supply += (k.capacity.at(p) + online(k.expansion)) * k.yield_;
    }
    for i in inst.imports.iter().filter(|i| i.material == a && scoped(i.region)) {
        if !is_source[i.origin] {
            supply += i.capacity.as_ref()?.at(p);
        }
    }
    for s in inst.stockpiles.iter().filter(|s| s.material == a && scoped(s.region)) {
        supply += s.capacity / inst.periods[p].length;
    }
    Some(supply)
}

/// A relaxable row: its index, the weight per unit of its slack, and the most its slack may
/// take (a demand can be lowered to 0, not below).
#[derive(Clone, Copy)]
struct Elastic {
    row: usize,
    weight: f64,
    most: Option<f64>,
}

/// Which rows may give way, with weights per unit of slack (already divided by the row's size
/// so that the objective sums relative relaxations).
fn elastic_rows(inst: &Instance, model: &Model) -> Vec<Elastic> {
    let lp = &model.lp;
    let must_meet: Vec<(usize, usize)> = inst
        .demands
        .iter()
        .filter(|d| d.unmet_penalty.is_none() && d.quantity.max() > 0.0)
        .map(|d| (d.region, d.material))
        .collect();
    let mut out = Vec::new();
    for (i, key) in lp.rows().iter().enumerate() {
        let size = lp.rhs()[i].abs().max(1.0);
        let p = lp.row_period(i);
        // A demand gives way down to 0: one that is already 0 (a series entry, a year
        // without demand) cannot, and the elastic plan must find another way.
        let demanded = |q: f64| (q > 0.0).then_some(q);
        let mut most = None;
        let weight = match *key {
            RowKey::Target(t) => {
                // Slack in the row is tonnes of imports; per 1.0 of share it is the consumption.
                let cons: f64 = model.targets[lp.row_period(i)][t as usize].demand().max(1.0);
                WEIGHT_TARGET / cons
            }
            RowKey::Balance { region, material }
                if inst.origin.is_none() && must_meet.contains(&(region as usize, material as usize)) =>
            {
                let q = must_meet_demand(inst, region, material).map_or(0.0, |d| inst.demands[d].quantity.at(p));
                let Some(q) = demanded(q) else {
                    continue;
                };
                most = Some(q);
                WEIGHT_DEMAND / size
            }
            // With origin tracking the `demand` row carries the demand.
            RowKey::Demand(d) if inst.demands[d as usize].unmet_penalty.is_none() => {
                let Some(q) = demanded(inst.demands[d as usize].quantity.at(p)) else {
                    continue;
                };
                most = Some(q);
                WEIGHT_DEMAND / size
            }
            RowKey::MineCapacity(_)
            | RowKey::PlantCapacity(_)
            | RowKey::MineExpansion(_)
            | RowKey::PlantExpansion(_)
            | RowKey::ImportCapacity(_)
            | RowKey::LaneCapacity { .. } => WEIGHT_CAPACITY / size,
            _ => continue,
        };
        out.push(Elastic { row: i, weight, most });
    }
    out
}

/// The demand without penalty at (`region`, `material`): the one a relaxation of that
/// balance names and changes (the others at the same place stay).
fn must_meet_demand(inst: &Instance, region: u32, material: u32) -> Option<usize> {
    inst.demands
        .iter()
        .position(|d| d.region == region as usize && d.material == material as usize && d.unmet_penalty.is_none())
}

/// The LP with one slack column per elastic row: `+s` on `<=` rows (more room), `+s` on
/// demand balances (supply from nowhere, i.e. less demand to meet). Less demand is also less
/// consumption: a demand's slack enters every target row covering it with the target's share,
/// as `unmet` does (`dirs`), so a target is never relaxed for consumption a relaxed demand
/// no longer has.
fn with_slacks(
    lp: &Lp,
    dirs: &Directions,
    elastic: &[Elastic],
    slack_cost: impl Fn(&Elastic) -> f64,
) -> (Lp, Vec<u32>) {
    let mut out = lp.columns_only();
    let mut slack_of_row = vec![u32::MAX; lp.n_rows()];
    let mut coupled: Vec<Vec<(u32, f64)>> = vec![Vec::new(); lp.n_rows()];
    let mut slack_cols = Vec::new();
    for e in elastic {
        let c = out.add_var(VarKey::Aux(e.row as u32), slack_cost(e));
        slack_of_row[e.row] = c;
        slack_cols.push(c);
        if lp.senses()[e.row] == Sense::Eq {
            for &(k, w) in dirs.coupled(e.row) {
                coupled[k].push((c, w));
            }
        }
    }
    let mut terms = Vec::new();
    for i in 0..lp.n_rows() {
        terms.extend(lp.row(i).map(|(c, v)| (c as u32, v)));
        if slack_of_row[i] != u32::MAX {
            let sign = if lp.senses()[i] == Sense::Ge { 1.0 } else { -1.0 };
            // `<=`: a x - s <= b. `=` (demand balance): supply + s = demand.
            let sign = if lp.senses()[i] == Sense::Eq { 1.0 } else { sign };
            terms.push((slack_of_row[i], sign));
        }
        terms.extend_from_slice(&coupled[i]);
        out.add_row_like(lp, i, &mut terms, lp.senses()[i], lp.rhs()[i]);
    }
    for (e, &c) in elastic.iter().zip(&slack_cols) {
        if let Some(most) = e.most {
            out.add_row(RowKey::Aux(e.row as u32), &mut vec![(c, 1.0)], Sense::Le, most);
        }
    }
    (out, slack_cols)
}

/// Least relaxation that restores feasibility, then the cheapest plan under it.
pub fn elastic(inst: &Instance, model: &Model, backend: &dyn Backend) -> Result<(Vec<Relaxation>, f64), String> {
    let lp = &model.lp;
    let elastic = elastic_rows(inst, model);
    let dirs = Directions::of_demand(inst, lp);
    // Phase 1: minimise the weighted relaxation only.
    let (mut p1, slacks) = with_slacks(lp, &dirs, &elastic, |e| e.weight);
    p1.obj_mut().iter_mut().take(lp.n_vars()).for_each(|c| *c = 0.0);
    let s1 = backend.solve(&p1, &aux_options());
    if s1.outcome != Outcome::Optimal {
        return Err(format!(
            "even with every target, capacity and demand relaxed: {:?}",
            s1.outcome
        ));
    }
    let least: f64 = elastic
        .iter()
        .zip(&slacks)
        .map(|(e, &c)| e.weight * s1.x[c as usize])
        .sum();
    // Phase 2: keep the relaxation within a hair of the least and minimise cost, giving way
    // only where phase 1 did. (With every row elastic, the hair of the budget buys slack on
    // rows phase 1 kept whole: a cap of 0.4 relaxed by 3e-6, printed as 0.4001, beside a
    // demand whose change alone restores a plan.)
    let kept: Vec<Elastic> = elastic
        .iter()
        .zip(&slacks)
        .filter(|&(_, &c)| s1.x[c as usize] > 0.0)
        .map(|(e, _)| *e)
        .collect();
    let (mut p2, slacks2) = with_slacks(lp, &dirs, &kept, |_| 0.0);
    let mut terms: Vec<(u32, f64)> = kept.iter().zip(&slacks2).map(|(e, &c)| (c, e.weight)).collect();
    p2.add_row(RowKey::Aux(0), &mut terms, Sense::Le, least * (1.0 + 1e-7) + 1e-9);
    let s2 = backend.solve(&p2, &aux_options());
    // The plan and the slack of each relaxed row, from phase 2 or else phase 1.
    let (x, given): (Vec<f64>, Vec<(usize, f64)>) = if s2.outcome == Outcome::Optimal {
        let given = kept
            .iter()
            .zip(&slacks2)
            .map(|(e, &c)| (e.row, s2.x[c as usize]))
            .collect();
        (s2.x, given)
    } else {
        let given = elastic
            .iter()
            .zip(&slacks)
            .map(|(e, &c)| (e.row, s1.x[c as usize]))
            .collect();
        (s1.x, given)
    };
    let x = &x[..lp.n_vars()];
    let cost = lp.objective_value(x);
    // The demand each target's scope no longer has once the relaxed demands are applied.
    let mut demand_cut = vec![0.0; lp.n_rows()];
    for &(row, s) in &given {
        if lp.senses()[row] == Sense::Eq {
            for &(k, _) in dirs.coupled(row) {
                demand_cut[k] += s;
            }
        }
    }
    let mut out = Vec::new();
    for (row, s) in given {
        if s <= 1e-7 * lp.rhs()[row].abs().max(1.0) {
            continue;
        }
        let r = describe(inst, model, row, s, x, demand_cut[row]);
        // The interior point's remainder (a share of 0.1 "relaxed" to 0.1): no change anyone
        // could set, and checking each such one by a solve cost a minute on the six-year
        // baseline. A value that stays as it is because it is clamped (a share already 1, a
        // scope that consumes nothing) is a real slack, and stays.
        if r.required == r.current && is_dust(model, row, s, x, demand_cut[row]) {
            continue;
        }
        out.push(r);
    }
    // A next year that is itself relaxed needs no keeping: its own line sets it.
    let named: Vec<String> = out.iter().map(|r| r.constraint.clone()).collect();
    for r in &mut out {
        if r.keep
            .as_ref()
            .is_some_and(|k| named.iter().any(|n| k.split('=').next() == Some(n)))
        {
            r.keep = None;
        }
    }
    Ok((out, cost))
}

/// Whether the slack `s` of `row` is less than half the step its value is printed at (a
/// share at 4 decimals of the scope's consumption, tonnes at 3): a solver's remainder.
fn is_dust(model: &Model, row: usize, s: f64, x: &[f64], demand_cut: f64) -> bool {
    match model.lp.rows()[row] {
        RowKey::Target(t) => {
            let p = model.lp.row_period(row);
            let consumption = model.targets[p][t as usize].consumption(x) - demand_cut;
            consumption > 0.0 && s < 0.5e-4 * consumption
        }
        _ => s < 0.5e-3,
    }
}

/// A relaxation in the instance's terms. `demand_cut`: for a target, the demand of its scope
/// that the other relaxations take away (t/yr). A field that is a time series is named with
/// the year of the row's period (`targets.X.max_import_share.2027`), as `--set` takes it.
fn describe(inst: &Instance, model: &Model, row: usize, slack: f64, x: &[f64], demand_cut: f64) -> Relaxation {
    let mut r = describe_row(inst, model, row, slack, x, demand_cut);
    r.keep = keep_later(inst, model, &r);
    r
}

/// The override that keeps the period after a relaxed series entry as it is: `KEY.NEXT=value`
/// (none without periods, in the last period, or for a field that is not a series).
fn keep_later(inst: &Instance, model: &Model, r: &Relaxation) -> Option<String> {
    let p = model.lp.row_period(r.row);
    let next = inst.periods.get(p + 1).filter(|_| inst.has_periods())?;
    let base = r.constraint.strip_suffix(&format!(".{}", inst.periods[p].year))?;
    let series = match model.lp.rows()[r.row] {
        RowKey::Target(t) => &inst.targets[t as usize].max_import_share,
        RowKey::Balance { region, material } => &inst.demands[must_meet_demand(inst, region, material)?].quantity,
        RowKey::Demand(d) => &inst.demands[d as usize].quantity,
        RowKey::MineCapacity(m) => &inst.mines[m as usize].capacity,
        RowKey::PlantCapacity(k) => &inst.plants[k as usize].capacity,
        RowKey::ImportCapacity(i) => inst.imports[i as usize].capacity.as_ref()?,
        RowKey::LaneCapacity { lane, .. } => inst.lanes[lane as usize].capacity.as_ref()?,
        _ => return None,
    };
    Some(format!("{base}.{}={}", next.year, series.at(p + 1)))
}

fn describe_row(inst: &Instance, model: &Model, row: usize, slack: f64, x: &[f64], demand_cut: f64) -> Relaxation {
    let lp = &model.lp;
    let name = lp.row_name(row, inst);
    let p = lp.row_period(row);
    let year = match inst.has_periods() {
        true => format!(".{}", inst.periods[p].year),
        false => String::new(),
    };
    match lp.rows()[row] {
        RowKey::Target(t) => {
            let target = &inst.targets[t as usize];
            let share = target.max_import_share.at(p);
            // Required share: what the repaired plan imports over what it consumes, once the
            // relaxed demands are gone from its consumption.
            let terms = &model.targets[p][t as usize];
            let cons = terms.consumption(x) - demand_cut;
            let required = if cons > 0.0 {
                share.max(terms.imports(x) / cons)
            } else {
                share
            };
            Relaxation {
                row,
                constraint: format!("targets.{}.max_import_share{year}", target.id),
                current: share,
                required: round_up(required.min(1.0), 4),
                unit: "share".into(),
                keep: None,
            }
        }
        RowKey::Demand(d) => {
            let current = inst.demands[d as usize].quantity.at(p);
            Relaxation {
                row,
                constraint: format!("demands.{}.quantity{year}", inst.demands[d as usize].id),
                current,
                required: round_down(current - slack, 3),
                unit: "t/yr".into(),
                keep: None,
            }
        }
        RowKey::Balance { region, material } => {
            let q: f64 = inst
                .demands
                .iter()
                .filter(|d| d.region == region as usize && d.material == material as usize)
                .map(|d| d.quantity.at(p))
                .sum();
            let d = must_meet_demand(inst, region, material).map(|d| &inst.demands[d]);
            // The key names one demand: its own quantity (others at the same place stay).
            let current = d.map_or(q, |d| d.quantity.at(p));
            Relaxation {
                row,
                constraint: d.map(|d| format!("demands.{}.quantity{year}", d.id)).unwrap_or(name),
                current,
                required: round_down(current - slack, 3),
                unit: "t/yr".into(),
                keep: None,
            }
        }
        key => {
            let field = match key {
                RowKey::MineCapacity(m) => format!("mines.{}.capacity{year}", inst.mines[m as usize].id),
                RowKey::PlantCapacity(k) => format!("plants.{}.capacity{year}", inst.plants[k as usize].id),
                RowKey::MineExpansion(m) => format!("mines.{}.expansion.max", inst.mines[m as usize].id),
                RowKey::PlantExpansion(k) => format!("plants.{}.expansion.max", inst.plants[k as usize].id),
                RowKey::ImportCapacity(i) => format!("imports.{}.capacity{year}", inst.imports[i as usize].id),
                RowKey::LaneCapacity { lane, .. } => format!("lanes.{}.capacity{year}", inst.lanes[lane as usize].id),
                _ => name,
            };
            Relaxation {
                row,
                constraint: field,
                current: lp.rhs()[row],
                required: round_up(lp.rhs()[row] + slack, 3),
                unit: "t/yr".into(),
                keep: None,
            }
        }
    }
}

/// Round away from the infeasible side so that applying the value restores feasibility.
/// (Values within 1e-7 relative of a round number are solver noise and snap to it.)
fn round_up(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    let snapped = (v * f).round();
    if (v * f - snapped).abs() <= 1e-7 * (v * f).abs().max(1.0) {
        return snapped / f;
    }
    (v * f).ceil() / f
}

fn round_down(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    let snapped = (v * f).round();
    if (v * f - snapped).abs() <= 1e-7 * (v * f).abs().max(1.0) {
        return (snapped / f).max(0.0);
    }
    ((v * f).floor() / f).max(0.0)
}

/// How the diagnosis turns a relaxed copy of the instance into the LP it checks: the
/// contract's model ([`formulate::build`]), or the one a what-if changed (a stress case
/// that idles entries in one period), so that a repair is checked on the problem diagnosed.
pub type Rebuild<'a> = &'a dyn Fn(&Instance) -> Model;

/// Build the LP of `inst` with `rebuild` and solve it within `deadline`, proving the plan as
/// `solve` does: by the duals of its optimal basis when the simplex gives none (the dual LP
/// alone can fail on a degenerate LP that `solve` proves optimal: a repair that `--set`
/// confirms would then be reported unconfirmed).
fn solve_rebuilt(inst: &Instance, rebuild: Rebuild, deadline: Deadline) -> crate::solve::Solved {
    let opts = crate::solve::backend::SolveOptions {
        basis_duals: Some(crate::sensitivity::basis::vertex_duals),
        warm_start: Some(crate::sensitivity::dual_simplex::reoptimise),
        ..deadline.bound(&aux_options())
    };
    crate::solve::solve_model(rebuild(inst), 0.0, crate::solve::backend::BackendChoice::Auto, &opts)
}

/// Apply the relaxations to a copy of the instance and solve it; while it stays infeasible
/// (a required value rounded just short), step every value a little further. Returns the
/// cost of the repaired plan once feasible.
fn verify(
    inst: &Instance,
    model: &Model,
    relaxations: &mut [Relaxation],
    deadline: Deadline,
    rebuild: Rebuild,
) -> Option<f64> {
    for attempt in 0..4 {
        let mut relaxed = inst.clone();
        for r in relaxations.iter() {
            apply(&mut relaxed, model, r);
        }
        let solved = solve_rebuilt(&relaxed, rebuild, deadline);
        if solved.time_limit_hit {
            return None;
        }
        // A value that only the fallback backend accepts sits on the edge of feasibility
        // (within our tolerance for one solver, infeasible for the other): step past it, so
        // the value we print works on every backend.
        let status = match solved.status {
            crate::solve::Status::Optimal if solved.fallback.is_some() => crate::solve::Status::Error,
            s => s,
        };
        match status {
            crate::solve::Status::Optimal => return Some(solved.objective),
            // Infeasible, or so close to it that no backend proves an optimum: step further.
            crate::solve::Status::Infeasible | crate::solve::Status::Error if attempt < 3 => {
                let step = 10f64.powi(attempt - 3); // 0.001, 0.01, 0.1 of the change so far
                for r in relaxations.iter_mut() {
                    let change = (r.required - r.current).abs().max(1e-6);
                    let nudge = change * step * 10.0;
                    r.required = if r.unit == "share" {
                        round_up((r.required + nudge.max(1e-4)).min(1.0), 4)
                    } else if gives_way_downwards(model.lp.rows()[r.row]) {
                        round_down(r.required - nudge, 3)
                    } else {
                        round_up(r.required + nudge, 3)
                    };
                }
            }
            _ => return None,
        }
    }
    None
}

/// Whether a row gives way by lowering its value (a demand served in full) rather than raising
/// it (a capacity, a limit, a target's share): the direction [`verify`] steps further in (a
/// demand lowered to 0 stays there).
fn gives_way_downwards(key: RowKey) -> bool {
    matches!(key, RowKey::Balance { .. } | RowKey::Demand(_))
}

/// The cost of the instance with `relaxations` applied, when it has a plan that every backend
/// accepts (as [`verify`] judges it).
fn solve_relaxed<'a>(
    inst: &Instance,
    model: &Model,
    relaxations: impl Iterator<Item = &'a Relaxation>,
    deadline: Deadline,
    rebuild: Rebuild,
) -> Option<f64> {
    let mut relaxed = inst.clone();
    for r in relaxations {
        apply(&mut relaxed, model, r);
    }
    let solved = solve_rebuilt(&relaxed, rebuild, deadline);
    (solved.status == crate::solve::Status::Optimal && solved.fallback.is_none()).then_some(solved.objective)
}

/// Make a feasible set of relaxations minimal: no member can be dropped with the rest still
/// feasible. The least relaxation is minimal as an LP optimum, but the printed values are
/// rounded outwards (and stepped by [`verify`]), which can leave room for a member the others
/// no longer need. Each member, the smallest relative change first, is dropped when the
/// instance with the others applied has a plan (one solve each). Returns the cost of the
/// last feasible set solved, if any member went.
fn minimal(
    inst: &Instance,
    model: &Model,
    relaxations: &mut Vec<Relaxation>,
    deadline: Deadline,
    rebuild: Rebuild,
) -> Option<f64> {
    let size = |r: &Relaxation| (r.required - r.current).abs() / r.current.abs().max(1.0);
    let mut order: Vec<usize> = (0..relaxations.len()).collect();
    order.sort_by(|&a, &b| size(&relaxations[a]).total_cmp(&size(&relaxations[b])));
    let mut keep = vec![true; relaxations.len()];
    let mut cost = None;
    for k in order {
        keep[k] = false;
        let others = relaxations.iter().zip(&keep).filter(|(_, &kept)| kept).map(|(r, _)| r);
        // Dropping the last member is the instance as given, which has no plan.
        match keep
            .iter()
            .any(|&kept| kept)
            .then(|| solve_relaxed(inst, model, others, deadline, rebuild))
            .flatten()
        {
            Some(c) => cost = Some(c),
            None => keep[k] = true,
        }
    }
    let mut kept = keep.into_iter();
    relaxations.retain(|_| kept.next().unwrap_or(true));
    cost
}

/// Set the value a relaxation names in an instance (in the row's period for a series).
fn apply(inst: &mut Instance, model: &Model, r: &Relaxation) {
    let v = r.required;
    let (p, n) = (model.lp.row_period(r.row), inst.n_periods());
    match model.lp.rows()[r.row] {
        RowKey::Target(t) => inst.targets[t as usize].max_import_share.set_at(p, n, v),
        RowKey::Balance { region, material } => {
            if let Some(d) = must_meet_demand(inst, region, material) {
                inst.demands[d].quantity.set_at(p, n, v);
            }
        }
        RowKey::Demand(d) => inst.demands[d as usize].quantity.set_at(p, n, v),
        RowKey::MineCapacity(m) => inst.mines[m as usize].capacity.set_at(p, n, v),
        RowKey::PlantCapacity(k) => inst.plants[k as usize].capacity.set_at(p, n, v),
        RowKey::MineExpansion(m) => {
            if let Some(e) = inst.mines[m as usize].expansion.as_mut() {
                e.max = v;
            }
        }
        RowKey::PlantExpansion(k) => {
            if let Some(e) = inst.plants[k as usize].expansion.as_mut() {
                e.max = v;
            }
        }
        RowKey::ImportCapacity(i) => {
            if let Some(c) = inst.imports[i as usize].capacity.as_mut() {
                c.set_at(p, n, v);
            }
        }
        RowKey::LaneCapacity { lane, .. } => {
            if let Some(c) = inst.lanes[lane as usize].capacity.as_mut() {
                c.set_at(p, n, v);
            }
        }
        _ => {}
    }
}

/// A smallest set of relaxable constraints that cannot hold together (deletion filter).
///
/// Candidates the elastic repair relaxed (`last`) are tried last, so the set found is the
/// one the repair points at whenever several exist.
pub fn conflict(inst: &Instance, model: &Model, last: &[usize], backend: &dyn Backend) -> Result<Vec<String>, String> {
    let lp = &model.lp;
    let mut candidates: Vec<usize> = elastic_rows(inst, model).into_iter().map(|e| e.row).collect();
    candidates.sort_by_key(|i| last.contains(i));
    let feasible = |dropped: &[bool]| -> Result<bool, String> {
        // A dropped limit is left out; a dropped demand may go unmet (`=` becomes `<=`).
        let mut t = lp.columns_only();
        t.obj_mut().fill(0.0);
        let mut terms = Vec::new();
        for i in 0..lp.n_rows() {
            let sense = match (dropped[i], lp.senses()[i]) {
                (true, Sense::Eq) => Sense::Le,
                (true, _) => continue,
                (false, s) => s,
            };
            terms.extend(lp.row(i).map(|(c, v)| (c as u32, v)));
            t.add_row_like(lp, i, &mut terms, sense, lp.rhs()[i]);
        }
        if t.n_rows() == 0 {
            return Ok(true);
        }
        match backend.solve(&t, &aux_options()).outcome {
            Outcome::Optimal => Ok(true),
            Outcome::Infeasible => Ok(false),
            other => Err(format!("conflict search: {other:?}")),
        }
    };
    let mut dropped = vec![false; lp.n_rows()];
    if feasible(&dropped)? {
        return Ok(Vec::new());
    }
    // Deletion filter: drop each candidate; keep it dropped while the rest stays infeasible.
    let mut in_set = Vec::new();
    for &i in &candidates {
        dropped[i] = true;
        if feasible(&dropped)? {
            dropped[i] = false;
            in_set.push(i);
        }
    }
    Ok(in_set.into_iter().map(|i| lp.row_name(i, inst)).collect())
}

/// Structural checks, then the elastic repair and the conflict set.
pub fn diagnose(inst: &Instance, model: &Model, backend: &dyn Backend) -> Diagnosis {
    diagnose_until(inst, model, backend, Deadline::none())
}

/// [`diagnose`] ending by `deadline`: every LP is cut to the time left, and what could not be
/// computed in time is left empty and named in [`Diagnosis::incomplete`].
pub fn diagnose_until(inst: &Instance, model: &Model, backend: &dyn Backend, deadline: Deadline) -> Diagnosis {
    diagnose_with(inst, model, backend, deadline, true)
}

/// [`diagnose_until`], with the conflict set only when `conflict_set` (it costs one LP per
/// candidate row: a caller that only sizes the relaxation, such as `stress`, leaves it out).
pub fn diagnose_with(
    inst: &Instance,
    model: &Model,
    backend: &dyn Backend,
    deadline: Deadline,
    conflict_set: bool,
) -> Diagnosis {
    diagnose_rebuilt(inst, model, backend, deadline, conflict_set, &formulate::build)
}

/// [`diagnose_with`] for a `model` that is not the contract's model of `inst` (a what-if's
/// change of it): `rebuild` makes that model of a relaxed copy of `inst`, on which each
/// repair is checked.
pub fn diagnose_rebuilt(
    inst: &Instance,
    model: &Model,
    backend: &dyn Backend,
    deadline: Deadline,
    conflict_set: bool,
    rebuild: Rebuild,
) -> Diagnosis {
    let backend = &Bounded { backend, deadline };
    let structural = structural(inst);
    let mut unconfirmed = false;
    let mut none_helps = false;
    let (mut relaxations, mut repaired) = match elastic(inst, model, backend) {
        // No relaxation, no repaired plan to cost.
        Ok((r, c)) => {
            let c = (!r.is_empty()).then_some(c);
            (r, c)
        }
        Err(_) => {
            none_helps = !deadline.passed();
            (Vec::new(), None)
        }
    };
    if !relaxations.is_empty() {
        // The promise is that the values, applied with `--set`, make the plan feasible: check
        // it by solving the relaxed instance, and step rounded values further if needed.
        // A relaxation that does not restore a plan (a row that cannot give way, such as a
        // stockpile's floor, binds too) has no repaired cost to report.
        repaired = match verify(inst, model, &mut relaxations, deadline, rebuild) {
            Some(c) => Some(c),
            None if deadline.passed() => repaired,
            None => {
                unconfirmed = true;
                None
            }
        };
        // And that each of them is needed.
        if repaired.is_some() {
            repaired = minimal(inst, model, &mut relaxations, deadline, rebuild).or(repaired);
        }
    }
    // Cut short before the conflict search: what is still to come is missing.
    let relaxations_cut = deadline.passed();
    let relaxed: Vec<usize> = relaxations.iter().map(|r| r.row).collect();
    let conflict = if conflict_set && model.lp.n_vars() <= CONFLICT_MAX_VARS {
        conflict(inst, model, &relaxed, backend).unwrap_or_default()
    } else {
        Vec::new()
    };
    Diagnosis {
        structural,
        relaxations,
        repaired_objective: repaired,
        conflict,
        incomplete: (relaxations_cut || deadline.passed() || unconfirmed || none_helps).then(|| {
            if none_helps && !relaxations_cut {
                "no relaxation of the targets, capacities and demands restores a plan: a limit that cannot give \
                 way binds (a stockpile's floor or final level)"
                    .to_string()
            } else if unconfirmed && !relaxations_cut {
                "the relaxations could not be confirmed: applied together they still leave no plan (a limit \
                 that cannot give way, such as a stockpile's floor or final level, binds as well)"
                    .to_string()
            } else if relaxations_cut {
                let conflict = if conflict_set {
                    ", and the conflict set is missing"
                } else {
                    ""
                };
                format!(
                    "the diagnosis stopped at the time limit: the relaxations may be missing, unverified or not \
                     minimal{conflict}"
                )
            } else {
                "the diagnosis stopped at the time limit: the conflict set is missing".to_string()
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::backend::Clarabel;

    /// The elastic LP's answer on the six-year baseline with no graphite imports in 2027 (an
    /// interior point, whose slacks are nowhere exactly 0): one relaxation, that year's cap.
    /// Slacks of dust used to come back as forty more whose values rounded to no change
    /// (`0.1 -> 0.1`), each of which the diagnosis then dropped by a solve of its own.
    #[test]
    fn the_elastic_answer_has_no_relaxation_that_changes_nothing() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../instances/usmca_2025_2030.toml");
        let sets = ["targets.graphite_usmca.max_import_share.2027=0".to_string()];
        let input = crate::pipeline::load::Input {
            instance: &path,
            sets: &sets,
            scenario: None,
        };
        let inst = crate::pipeline::load::load(&input).unwrap().instance;
        let model = formulate::build(&inst);
        let (relaxations, _) = elastic(&inst, &model, &Clarabel::default()).unwrap();
        let keys: Vec<&str> = relaxations.iter().map(|r| r.constraint.as_str()).collect();
        assert_eq!(keys, ["targets.graphite_usmca.max_import_share.2027"]);
        assert_eq!((relaxations[0].current, relaxations[0].required), (0.0, 0.6782));
    }
}
