//! Origin classes pooled: the tracked LP (model contract section 7) solved through the same
//! instance without tracking, when no cost depends on the class.
//!
//! With origin tracking every flow through a node that several classes reach exists once per
//! class. When every shipment costs the same whatever its class (no tariff rate depends on
//! `origin` on any lane, material and period), the classes differ only in what origin-basis
//! targets count. The plan of the untracked instance (tracked tariffs and origin-basis
//! targets left out) then costs no more than any tracked plan, and it becomes a tracked plan
//! by *proportional mixing*: at each region-material the tonnes leaving it (shipped,
//! processed, stored, served) carry the classes in the proportions in which they arrived
//! (mines and offers by their class, shipments and plant outputs by the mix where they came
//! from, releases by the mix of the stock). Every per-class balance then holds, and so does
//! every per-class stock level. The duals follow: each class's balance and a demand's row
//! take the untracked balance's price, each stock level the untracked one's, an origin-basis
//! target 0, every other row its own.
//!
//! Nothing is assumed: the mixed plan and the duals are checked on the tracked LP as any
//! backend's answer is (violation, dual feasibility, duality gap). When an origin-basis
//! target is violated by the mix, the mixing does not settle, or the certificate fails, the
//! tracked LP is solved as written instead. Used only where `auto` (or the user) picks the
//! interior point, whose plans are not vertices anyway (the simplex's vertex feeds the exact
//! basis ranging).

use super::backend::BackendChoice;
use crate::lp::{RowKey, VarKey};
use crate::model::formulate::{self, Columns, Model};
use sourcing_models::{Basis, Instance};
use std::collections::HashMap;

/// Sweeps of the mixing before giving up (each settles one more step of a chain).
const MAX_SWEEPS: usize = 2000;
/// The mixing has settled when no class amount moves by more than this share of what
/// arrives at its node (at least 1 t) in a sweep. A node's per-class balance is then off by
/// about that much: 100 times inside the 1e-6 of its scale that the tracked LP's rows are
/// checked against. (A cycle of flows that carries nearly all that arrives at its nodes
/// settles slowly: on the 2025-2030 path the last digits take thousands of sweeps, 1e-8
/// about 250.)
const SETTLED: f64 = 1e-8;

/// The untracked instance and its model, when pooling applies to the tracked `model` of
/// `inst` with the backend `choice`: tracking, the interior point, and every tracked column
/// costing what its untracked counterpart costs.
pub fn untracked(inst: &Instance, model: &Model, choice: BackendChoice) -> Option<(Instance, Model)> {
    if inst.origin.is_none() || inst.n_classes() < 2 || choice.resolve(model.lp.n_vars()) != BackendChoice::Clarabel {
        return None;
    }
    let mut plain = inst.clone();
    plain.origin = None;
    plain.tariffs.retain(|t| t.origin.is_none());
    plain.targets.retain(|t| t.basis == Basis::Crossing);
    for s in &mut plain.stockpiles {
        s.initial_origin = 0;
    }
    let pooled = formulate::build(&plain);
    same_costs(model, &pooled).then_some((plain, pooled))
}

/// The tracked plan and duals from the untracked model's optimal plan `xu` and duals `yu`
/// (`None` when the mixing does not settle). The caller checks them on the tracked LP.
pub fn mixed(
    inst: &Instance,
    plain: &Instance,
    tracked: &Model,
    pooled: &Model,
    xu: &[f64],
    yu: &[f64],
) -> Option<(Vec<f64>, Vec<f64>)> {
    let x = mixed_plan(inst, tracked, pooled, xu)?;
    Some((x, duals(inst, plain, tracked, pooled, yu)))
}

/// Every tracked column costs what its untracked counterpart costs (the shipments of every
/// class pay the same tariff): matched by key and period.
fn same_costs(tracked: &Model, plain: &Model) -> bool {
    let index = by_key(&plain.lp);
    let (t, p) = (&tracked.lp, &plain.lp);
    (0..t.n_vars()).all(|j| match t.vars()[j] {
        VarKey::Serve(_) => t.obj()[j] == 0.0,
        key => index
            .get(&(key, t.var_period(j)))
            .is_some_and(|&u| (p.obj()[u] - t.obj()[j]).abs() <= 1e-12 * p.obj()[u].abs().max(1.0)),
    })
}

fn by_key(lp: &crate::lp::Lp) -> HashMap<(VarKey, usize), usize> {
    (0..lp.n_vars())
        .map(|j| ((lp.vars()[j], lp.var_period(j)), j))
        .collect()
}

/// The tracked plan: the untracked flows split by the class mix of where they leave from.
/// `None` when the mixing does not settle.
fn mixed_plan(inst: &Instance, tracked: &Model, pooled: &Model, xu: &[f64]) -> Option<Vec<f64>> {
    let k = inst.n_classes();
    let mut x = vec![0.0; tracked.lp.n_vars()];
    // Class amounts held in each stockpile at the end of the previous period.
    let mut held: Vec<Vec<f64>> = inst
        .stockpiles
        .iter()
        .map(|s| {
            let mut v = vec![0.0; k];
            v[s.initial_origin] = s.initial;
            v
        })
        .collect();
    for p in 0..inst.n_periods() {
        let (c, u) = (&tracked.cols[p], &pooled.cols[p]);
        let mix = mix_period(inst, u, xu, &held, p, k)?;
        let node = |r: usize, a: usize| r * inst.materials.len() + a;
        for (m, &col) in c.prod.iter().enumerate() {
            x[col as usize] = xu[u.prod[m] as usize];
        }
        for (i, &col) in c.buy.iter().enumerate() {
            x[col as usize] = xu[u.buy[i] as usize];
        }
        for (m, e) in c.mexp.iter().enumerate() {
            if let (Some(t), Some(v)) = (e, u.mexp[m]) {
                x[*t as usize] = xu[v as usize];
            }
        }
        for (pl, e) in c.pexp.iter().enumerate() {
            if let (Some(t), Some(v)) = (e, u.pexp[pl]) {
                x[*t as usize] = xu[v as usize];
            }
        }
        for (d, e) in c.unmet.iter().enumerate() {
            if let (Some(t), Some(v)) = (e, u.unmet[d]) {
                x[*t as usize] = xu[v as usize];
            }
        }
        for (pl, plant) in inst.plants.iter().enumerate() {
            let q = xu[u.proc_of(pl)[0] as usize];
            let m = &mix[node(plant.region, plant.input)];
            for (cls, &col) in c.proc_of(pl).iter().enumerate() {
                x[col as usize] = q * m[cls];
            }
        }
        for (s, us) in c.ship.iter().zip(u.ship.iter().flat_map(|s| std::iter::repeat_n(s, k))) {
            let (from, _) = s.dir.endpoints(&inst.lanes[s.lane as usize]);
            x[s.col as usize] = xu[us.col as usize] * mix[node(from, s.material as usize)][s.class as usize];
        }
        for (d, dem) in inst.demands.iter().enumerate() {
            let unmet = u.unmet[d].map_or(0.0, |v| xu[v as usize]);
            let served = (dem.quantity.at(p) - unmet).max(0.0);
            let m = &mix[node(dem.region, dem.material)];
            for (cls, &col) in c.serve_of(d).iter().enumerate() {
                x[col as usize] = served * m[cls];
            }
        }
        let length = inst.periods[p].length;
        for (s, stock) in inst.stockpiles.iter().enumerate() {
            let (inj, rel, level) = (
                xu[u.inject_of(s)[0] as usize],
                xu[u.release_of(s)[0] as usize],
                xu[u.level_of(s)[0] as usize],
            );
            let m = &mix[node(stock.region, stock.material)];
            let avail: Vec<f64> = (0..k).map(|cls| held[s][cls] + length * inj * m[cls]).collect();
            let total: f64 = avail.iter().sum();
            for cls in 0..k {
                let share = if total > 0.0 { avail[cls] / total } else { 0.0 };
                x[c.inject_of(s)[cls] as usize] = inj * m[cls];
                x[c.release_of(s)[cls] as usize] = rel * share;
                x[c.level_of(s)[cls] as usize] = level * share;
                held[s][cls] = level * share;
            }
        }
    }
    Some(x)
}

/// The class mix (shares, summing to 1 where anything arrives) of every region-material in
/// period `p` of the untracked plan: Gauss-Seidel sweeps of
/// `a(n) = sources(n) + sum over arrivals from m of flow * a(m) / in(m)`.
fn mix_period(
    inst: &Instance,
    u: &Columns,
    xu: &[f64],
    held: &[Vec<f64>],
    p: usize,
    k: usize,
) -> Option<Vec<Vec<f64>>> {
    let n_mat = inst.materials.len();
    let nodes = inst.regions.len() * n_mat;
    let node = |r: usize, a: usize| r * n_mat + a;
    let mut source = vec![vec![0.0; k]; nodes];
    let mut inflow = vec![0.0; nodes];
    // Arrivals from another node: (to, from, tonnes arriving per tonne of the flow's mix).
    let mut arrivals: Vec<(usize, usize, f64)> = Vec::new();
    for (m, mine) in inst.mines.iter().enumerate() {
        let q = xu[u.prod[m] as usize];
        let n = node(mine.region, mine.material);
        source[n][inst.country_class(inst.region_country(mine.region))] += q;
        inflow[n] += q;
    }
    for (i, offer) in inst.imports.iter().enumerate() {
        let q = xu[u.buy[i] as usize];
        let n = node(offer.region, offer.material);
        source[n][inst.country_class(offer.origin)] += q;
        inflow[n] += q;
    }
    for s in &u.ship {
        let q = xu[s.col as usize];
        let (from, to) = s.dir.endpoints(&inst.lanes[s.lane as usize]);
        let a = s.material as usize;
        inflow[node(to, a)] += q;
        arrivals.push((node(to, a), node(from, a), q));
    }
    for (pl, plant) in inst.plants.iter().enumerate() {
        let q = xu[u.proc_of(pl)[0] as usize] * plant.yield_;
        let out = node(plant.region, plant.output);
        inflow[out] += q;
        arrivals.push((out, node(plant.region, plant.input), q));
    }
    // Releases: the mix of the stock available in the period, which the injections (the
    // node's own mix) join: recomputed every sweep.
    let length = inst.periods[p].length;
    let stocks: Vec<(usize, f64, f64)> = inst
        .stockpiles
        .iter()
        .enumerate()
        .map(|(s, st)| {
            let n = node(st.region, st.material);
            let rel = xu[u.release_of(s)[0] as usize];
            inflow[n] += rel;
            (n, xu[u.inject_of(s)[0] as usize], rel)
        })
        .collect();
    arrivals.sort_unstable_by_key(|a| a.0);
    // Arrivals at node n: arrivals[first[n]..first[n + 1]].
    let mut first = vec![0usize; nodes + 1];
    arrivals.iter().for_each(|a| first[a.0 + 1] += 1);
    (0..nodes).for_each(|n| first[n + 1] += first[n]);
    let order = upstream_first(nodes, &arrivals);
    // Flat `node * k + class` arrays, reused by every sweep.
    let source: Vec<f64> = source.concat();
    let mut amount = source.clone();
    let inv_in: Vec<f64> = inflow.iter().map(|&f| if f > 0.0 { 1.0 / f } else { 0.0 }).collect();
    let mut extra = vec![0.0; nodes * k];
    let mut avail = vec![0.0; k];
    let mut next = vec![0.0; k];
    // Gauss-Seidel: each node's amounts are updated in place from the arrivals at it,
    // upstream nodes first (what has no cycle settles in one sweep).
    for _ in 0..MAX_SWEEPS {
        let mut change: f64 = 0.0;
        extra.iter_mut().for_each(|v| *v = 0.0);
        for (s, &(n, inj, rel)) in stocks.iter().enumerate() {
            for (cls, a) in avail.iter_mut().enumerate() {
                *a = held[s][cls] + length * inj * amount[n * k + cls] * inv_in[n];
            }
            let total: f64 = avail.iter().sum();
            if total > 0.0 {
                (0..k).for_each(|cls| extra[n * k + cls] += rel * avail[cls] / total);
            }
        }
        for &n in &order {
            let base = n * k;
            for (cls, v) in next.iter_mut().enumerate() {
                *v = source[base + cls] + extra[base + cls];
            }
            for &(_, from, q) in &arrivals[first[n]..first[n + 1]] {
                let f = q * inv_in[from];
                for (cls, v) in next.iter_mut().enumerate() {
                    *v += f * amount[from * k + cls];
                }
            }
            let scale = 1.0 / inflow[n].max(1.0);
            for (cls, &v) in next.iter().enumerate() {
                change = change.max((v - amount[base + cls]).abs() * scale);
                amount[base + cls] = v;
            }
        }
        if change <= SETTLED {
            return Some(
                (0..nodes)
                    .map(|n| (0..k).map(|cls| amount[n * k + cls] * inv_in[n]).collect())
                    .collect(),
            );
        }
    }
    None
}

/// The nodes in an order where every node comes after the nodes it receives from, as far
/// as cycles allow (Kahn's algorithm; the nodes on or below a cycle follow in index order).
fn upstream_first(nodes: usize, arrivals: &[(usize, usize, f64)]) -> Vec<usize> {
    let mut pending = vec![0usize; nodes];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); nodes];
    for &(to, from, _) in arrivals {
        if to != from {
            pending[to] += 1;
            out[from].push(to);
        }
    }
    let mut order: Vec<usize> = (0..nodes).filter(|&n| pending[n] == 0).collect();
    let mut next = 0;
    while next < order.len() {
        let n = order[next];
        next += 1;
        for &to in &out[n] {
            pending[to] -= 1;
            if pending[to] == 0 {
                order.push(to);
            }
        }
    }
    order.extend((0..nodes).filter(|&n| pending[n] > 0));
    order
}

/// The tracked duals from the untracked ones (see the module documentation).
fn duals(inst: &Instance, plain: &Instance, tracked: &Model, pooled: &Model, yu: &[f64]) -> Vec<f64> {
    let (t, u) = (&tracked.lp, &pooled.lp);
    let rows: HashMap<(RowKey, usize), usize> = (0..u.n_rows()).map(|i| ((u.rows()[i], u.row_period(i)), i)).collect();
    let target_index: HashMap<&str, u32> = plain
        .targets
        .iter()
        .enumerate()
        .map(|(i, tg)| (tg.id.as_str(), i as u32))
        .collect();
    (0..t.n_rows())
        .map(|i| {
            let p = t.row_period(i);
            let key = match t.rows()[i] {
                RowKey::Demand(d) => {
                    let dem = &inst.demands[d as usize];
                    RowKey::Balance {
                        region: dem.region as u32,
                        material: dem.material as u32,
                    }
                }
                RowKey::Target(tg) => match target_index.get(inst.targets[tg as usize].id.as_str()) {
                    Some(&v) => RowKey::Target(v),
                    None => return 0.0,
                },
                key => key,
            };
            rows.get(&(key, p)).and_then(|&r| yu.get(r)).copied().unwrap_or(0.0)
        })
        .collect()
}
