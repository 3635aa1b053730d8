//! The linear program of the model contract (section 3), built from a validated instance.
//!
//! Columns: `prod[m]`, `mexp[m]`, `proc[p]`, `pexp[p]`, `buy[i]`, `ship[l:dir,a]`, `unmet[d]`,
//! all continuous and `>= 0`. Rows, in this order, each under its contract name:
//!
//! * `mine_capacity[m]`: `prod[m] - mexp[m] <= capacity[m]` (t/yr)
//! * `mine_expansion[m]`: `mexp[m] <= expansion.max` (t/yr)
//! * `plant_capacity[p]`: `proc[p] - pexp[p] <= capacity[p]` (t input/yr)
//! * `plant_expansion[p]`: `pexp[p] <= expansion.max`
//! * `import_capacity[i]`: `buy[i] <= capacity[i]`
//! * `lane_capacity[l:FROM->TO]`: `sum_a ship[l,dir,a] <= capacity[l]`, per direction
//! * `unmet_limit[d]`: `unmet[d] <= quantity[d]` (the contract's variable bound, as a row so it
//!   has a dual)
//! * `balance[r/a]`: supply minus use `= demand` (t/yr of `a`)
//! * `target[t]`: `I_t - s_t * C_t <= 0`, written with the constant part of `C_t` moved right:
//!   `I_t - s_t * sum proc + s_t * sum unmet <= s_t * sum quantity`.

use crate::lp::{Dir, Lp, RowKey, Sense, VarKey};
use sourcing_models::{Instance, Party};

/// Column indices of the families, for reports.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    pub prod: Vec<u32>,
    pub mexp: Vec<Option<u32>>,
    pub proc_: Vec<u32>,
    pub pexp: Vec<Option<u32>>,
    pub buy: Vec<u32>,
    pub unmet: Vec<Option<u32>>,
    /// (lane, dir, material, column)
    pub ship: Vec<(u32, Dir, u32, u32)>,
}

/// The built model: the LP and where each family's columns are.
#[derive(Debug, Clone)]
pub struct Model {
    pub lp: Lp,
    pub cols: Columns,
}

/// Directions a lane runs: (dir, origin region, destination region).
pub fn lane_directions(inst: &Instance, lane: usize) -> Vec<(Dir, usize, usize)> {
    let l = &inst.lanes[lane];
    let mut v = vec![(Dir::Forward, l.from, l.to)];
    if l.bidirectional {
        v.push((Dir::Backward, l.to, l.from));
    }
    v
}

/// Per-tonne transport cost and tariff of shipping `material` from region `a` to region `b`
/// on lane `lane`: (transport USD/t, tariff USD/t).
pub fn ship_unit_costs(inst: &Instance, lane: usize, from: usize, to: usize, material: usize) -> (f64, f64) {
    let rate = inst.tariff_rate(inst.region_country(from), inst.region_country(to), material);
    (inst.lanes[lane].cost, rate * inst.materials[material].price)
}

pub fn build(inst: &Instance) -> Model {
    let mut lp = Lp::default();
    let mut cols = Columns::default();
    let n_mat = inst.materials.len();

    // Columns.
    for (m, mine) in inst.mines.iter().enumerate() {
        cols.prod
            .push(lp.add_var(VarKey::Prod(m as u32), inst.mine_unit_cost(m).total()));
        cols.mexp
            .push(mine.expansion.map(|e| lp.add_var(VarKey::MineExp(m as u32), e.cost)));
    }
    for (p, plant) in inst.plants.iter().enumerate() {
        cols.proc_.push(lp.add_var(VarKey::Proc(p as u32), plant.cost));
        cols.pexp
            .push(plant.expansion.map(|e| lp.add_var(VarKey::PlantExp(p as u32), e.cost)));
    }
    for (i, offer) in inst.imports.iter().enumerate() {
        cols.buy.push(lp.add_var(VarKey::Buy(i as u32), offer.price));
    }
    for l in 0..inst.lanes.len() {
        for (dir, from, to) in lane_directions(inst, l) {
            for a in 0..n_mat {
                if !inst.lanes[l].allows(a) {
                    continue;
                }
                let (transport, tariff) = ship_unit_costs(inst, l, from, to, a);
                let key = VarKey::Ship {
                    lane: l as u32,
                    dir,
                    material: a as u32,
                };
                let c = lp.add_var(key, transport + tariff);
                cols.ship.push((l as u32, dir, a as u32, c));
            }
        }
    }
    for (d, dem) in inst.demands.iter().enumerate() {
        cols.unmet
            .push(dem.unmet_penalty.map(|pen| lp.add_var(VarKey::Unmet(d as u32), pen)));
    }

    let mut terms: Vec<(u32, f64)> = Vec::new();
    capacity_rows(inst, &cols, &mut lp, &mut terms);
    balance_rows(inst, &cols, &mut lp, &mut terms);
    target_rows(inst, &cols, &mut lp, &mut terms);
    Model { lp, cols }
}

/// The size of the LP [`build`] would make, counted from the instance without building it
/// (rows and nonzeros are upper bounds: balances are counted per region and material touched).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeEstimate {
    pub variables: usize,
    pub rows: usize,
    pub nonzeros: usize,
}

pub fn estimate(inst: &Instance) -> SizeEstimate {
    let n_mat = inst.materials.len();
    let exp_m = inst.mines.iter().filter(|m| m.expansion.is_some()).count();
    let exp_p = inst.plants.iter().filter(|p| p.expansion.is_some()).count();
    let unmet = inst.demands.iter().filter(|d| d.unmet_penalty.is_some()).count();
    let mut ship = 0usize;
    let mut lane_rows = 0usize;
    for l in &inst.lanes {
        let dirs = if l.bidirectional { 2 } else { 1 };
        let allowed = (0..n_mat).filter(|&a| l.allows(a)).count();
        ship += dirs * allowed;
        if l.capacity.is_some() {
            lane_rows += dirs;
        }
    }
    let variables = inst.mines.len() + exp_m + inst.plants.len() + exp_p + inst.imports.len() + ship + unmet;
    let import_rows = inst.imports.iter().filter(|i| i.capacity.is_some()).count();
    let balances = (inst.regions.len() * n_mat).min(2 * variables + inst.demands.len());
    let rows = inst.mines.len()
        + exp_m
        + inst.plants.len()
        + exp_p
        + import_rows
        + lane_rows
        + unmet
        + balances
        + inst.targets.len();
    // Each column enters its capacity and balance rows, ships both balances and a lane row;
    // a target row touches its material's ships, offers, plants and unmet columns.
    let per_target = ship / n_mat.max(1) + inst.imports.len() + inst.plants.len() + unmet;
    let nonzeros = 3 * variables + inst.targets.len() * per_target;
    SizeEstimate {
        variables,
        rows,
        nonzeros,
    }
}

/// Capacity-type rows: mines, expansions, plants, import offers, lanes, unmet limits.
fn capacity_rows(inst: &Instance, cols: &Columns, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    for (m, mine) in inst.mines.iter().enumerate() {
        terms.push((cols.prod[m], 1.0));
        if let Some(e) = cols.mexp[m] {
            terms.push((e, -1.0));
        }
        lp.add_row(RowKey::MineCapacity(m as u32), terms, Sense::Le, mine.capacity);
        if let (Some(e), Some(exp)) = (cols.mexp[m], mine.expansion) {
            terms.push((e, 1.0));
            lp.add_row(RowKey::MineExpansion(m as u32), terms, Sense::Le, exp.max);
        }
    }
    for (p, plant) in inst.plants.iter().enumerate() {
        terms.push((cols.proc_[p], 1.0));
        if let Some(e) = cols.pexp[p] {
            terms.push((e, -1.0));
        }
        lp.add_row(RowKey::PlantCapacity(p as u32), terms, Sense::Le, plant.capacity);
        if let (Some(e), Some(exp)) = (cols.pexp[p], plant.expansion) {
            terms.push((e, 1.0));
            lp.add_row(RowKey::PlantExpansion(p as u32), terms, Sense::Le, exp.max);
        }
    }
    for (i, offer) in inst.imports.iter().enumerate() {
        if let Some(cap) = offer.capacity {
            terms.push((cols.buy[i], 1.0));
            lp.add_row(RowKey::ImportCapacity(i as u32), terms, Sense::Le, cap);
        }
    }
    // Ship columns are grouped by lane and direction, so one pass fills each lane row.
    let mut k = 0;
    while k < cols.ship.len() {
        let (lane, dir, _, _) = cols.ship[k];
        let mut end = k;
        while end < cols.ship.len() && cols.ship[end].0 == lane && cols.ship[end].1 == dir {
            end += 1;
        }
        if let Some(cap) = inst.lanes[lane as usize].capacity {
            terms.extend(cols.ship[k..end].iter().map(|s| (s.3, 1.0)));
            lp.add_row(RowKey::LaneCapacity { lane, dir }, terms, Sense::Le, cap);
        }
        k = end;
    }
    for (d, dem) in inst.demands.iter().enumerate() {
        if let Some(u) = cols.unmet[d] {
            terms.push((u, 1.0));
            lp.add_row(RowKey::UnmetLimit(d as u32), terms, Sense::Le, dem.quantity);
        }
    }
}

/// `balance[r/a]` for every region and material that anything touches, in region then
/// material order: supply (mines, offers, plant outputs, inbound lanes, unmet) minus use
/// (outbound lanes, plant inputs) equals the demand quantity.
fn balance_rows(inst: &Instance, cols: &Columns, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    let n_mat = inst.materials.len();
    let idx = |r: usize, a: usize| r * n_mat + a;
    let mut cells: Vec<Vec<(u32, f64)>> = vec![Vec::new(); inst.regions.len() * n_mat];
    let mut touched = vec![false; cells.len()];
    let mut rhs = vec![0.0; cells.len()];
    for (m, mine) in inst.mines.iter().enumerate() {
        cells[idx(mine.region, mine.material)].push((cols.prod[m], 1.0));
    }
    for (i, offer) in inst.imports.iter().enumerate() {
        cells[idx(offer.region, offer.material)].push((cols.buy[i], 1.0));
    }
    for (p, plant) in inst.plants.iter().enumerate() {
        cells[idx(plant.region, plant.output)].push((cols.proc_[p], plant.yield_));
        cells[idx(plant.region, plant.input)].push((cols.proc_[p], -1.0));
    }
    for &(lane, dir, a, c) in &cols.ship {
        let l = &inst.lanes[lane as usize];
        let (from, to) = match dir {
            Dir::Forward => (l.from, l.to),
            Dir::Backward => (l.to, l.from),
        };
        cells[idx(to, a as usize)].push((c, 1.0));
        cells[idx(from, a as usize)].push((c, -1.0));
    }
    for (d, dem) in inst.demands.iter().enumerate() {
        let k = idx(dem.region, dem.material);
        touched[k] = true;
        rhs[k] += dem.quantity;
        if let Some(u) = cols.unmet[d] {
            cells[k].push((u, 1.0));
        }
    }
    for r in 0..inst.regions.len() {
        for a in 0..n_mat {
            let k = idx(r, a);
            if cells[k].is_empty() && !touched[k] {
                continue;
            }
            terms.append(&mut cells[k]);
            let key = RowKey::Balance {
                region: r as u32,
                material: a as u32,
            };
            lp.add_row(key, terms, Sense::Eq, rhs[k]);
        }
    }
}

/// `target[t]`: imports counted by the target minus `s` times consumption in scope `<= 0`.
fn target_rows(inst: &Instance, cols: &Columns, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    for (t, target) in inst.targets.iter().enumerate() {
        let s = target.max_import_share;
        let a = target.material;
        let (in_scope, is_source) = target_membership(inst, t);
        for &(lane, dir, mat, c) in &cols.ship {
            if mat as usize != a {
                continue;
            }
            let l = &inst.lanes[lane as usize];
            let (from, to) = match dir {
                Dir::Forward => (l.from, l.to),
                Dir::Backward => (l.to, l.from),
            };
            if is_source[inst.region_country(from)] && in_scope[inst.region_country(to)] {
                terms.push((c, 1.0));
            }
        }
        for (i, offer) in inst.imports.iter().enumerate() {
            if offer.material == a && in_scope[inst.region_country(offer.region)] && is_source[offer.origin] {
                terms.push((cols.buy[i], 1.0));
            }
        }
        let mut constant = 0.0;
        for (d, dem) in inst.demands.iter().enumerate() {
            if dem.material == a && in_scope[inst.region_country(dem.region)] {
                constant += s * dem.quantity;
                if let Some(u) = cols.unmet[d] {
                    terms.push((u, s));
                }
            }
        }
        for (p, plant) in inst.plants.iter().enumerate() {
            if plant.input == a && in_scope[inst.region_country(plant.region)] {
                terms.push((cols.proc_[p], -s));
            }
        }
        lp.add_row(RowKey::Target(t as u32), terms, Sense::Le, constant);
    }
}

/// For a target: which countries are in its scope and which are counted as sources.
pub fn target_membership(inst: &Instance, t: usize) -> (Vec<bool>, Vec<bool>) {
    let target = &inst.targets[t];
    let mut in_scope = vec![false; inst.countries.len()];
    match target.scope {
        Party::Country(c) => in_scope[c] = true,
        Party::Bloc(b) => inst.blocs[b].countries.iter().for_each(|&c| in_scope[c] = true),
    }
    let mut is_source = vec![false; inst.countries.len()];
    target.sources.iter().for_each(|&c| is_source[c] = true);
    (in_scope, is_source)
}
