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
use sourcing_models::Instance;

/// One `ship[l:dir,a]` column: material `material` moved on lane `lane` in direction `dir`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ship {
    pub lane: u32,
    pub dir: Dir,
    pub material: u32,
    pub col: u32,
}

/// Column indices of the families, for reports.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    pub prod: Vec<u32>,
    pub mexp: Vec<Option<u32>>,
    pub proc_: Vec<u32>,
    pub pexp: Vec<Option<u32>>,
    pub buy: Vec<u32>,
    pub unmet: Vec<Option<u32>>,
    /// Grouped by lane, then direction.
    pub ship: Vec<Ship>,
}

/// The two sides of a target (model contract section 3), as columns of the LP: built once
/// and used by the target's row, the report's achieved share and the diagnosis.
///
/// `I_t = sum imports`, `C_t = sum (quantity[d] - unmet[d]) + sum processing`.
#[derive(Debug, Clone, Default)]
pub struct TargetTerms {
    /// The columns `I_t` counts, each with coefficient 1: shipments of the material from a
    /// source country into the scope, and offers in the scope whose origin is a source.
    pub imports: Vec<u32>,
    /// The demands of the material in the scope: quantity (t/yr) and the `unmet[d]` column
    /// of those that may go unmet.
    pub demands: Vec<(f64, Option<u32>)>,
    /// `proc[p]` of the plants in the scope whose input is the material.
    pub processing: Vec<u32>,
}

impl TargetTerms {
    /// `I_t` at plan `x` (t/yr).
    pub fn imports(&self, x: &[f64]) -> f64 {
        self.imports.iter().fold(0.0, |sum, &c| sum + x[c as usize])
    }

    /// `C_t` at plan `x` (t/yr).
    pub fn consumption(&self, x: &[f64]) -> f64 {
        let demand = self.demands.iter().fold(0.0, |c, &(q, unmet)| {
            c + (q - unmet.map(|u| x[u as usize]).unwrap_or(0.0))
        });
        self.processing.iter().fold(demand, |c, &p| c + x[p as usize])
    }

    /// The demand quantity in the scope (t/yr): `C_t` when every demand is met and no plant
    /// in the scope runs.
    pub fn demand(&self) -> f64 {
        self.demands.iter().map(|d| d.0).sum()
    }

    /// The columns of target `t` (`cols.ship` holds every shipment column).
    pub fn of(inst: &Instance, cols: &Columns, t: usize) -> TargetTerms {
        let a = inst.targets[t].material;
        let (in_scope, is_source) = target_membership(inst, t);
        let mut terms = TargetTerms::default();
        for s in cols.ship.iter().filter(|s| s.material as usize == a) {
            let (from, to) = s.dir.endpoints(&inst.lanes[s.lane as usize]);
            if is_source[inst.region_country(from)] && in_scope[inst.region_country(to)] {
                terms.imports.push(s.col);
            }
        }
        for (i, offer) in inst.imports.iter().enumerate() {
            if offer.material == a && in_scope[inst.region_country(offer.region)] && is_source[offer.origin] {
                terms.imports.push(cols.buy[i]);
            }
        }
        for (d, dem) in inst.demands.iter().enumerate() {
            if dem.material == a && in_scope[inst.region_country(dem.region)] {
                terms.demands.push((dem.quantity, cols.unmet[d]));
            }
        }
        for (p, plant) in inst.plants.iter().enumerate() {
            if plant.input == a && in_scope[inst.region_country(plant.region)] {
                terms.processing.push(cols.proc_[p]);
            }
        }
        terms
    }
}

/// The built model: the LP, where each family's columns are, and each target's terms.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub lp: Lp,
    pub cols: Columns,
    pub targets: Vec<TargetTerms>,
}

/// Directions a lane runs: (dir, origin region, destination region).
pub fn lane_directions(inst: &Instance, lane: usize) -> Vec<(Dir, usize, usize)> {
    let l = &inst.lanes[lane];
    let dirs: &[Dir] = if l.bidirectional {
        &[Dir::Forward, Dir::Backward]
    } else {
        &[Dir::Forward]
    };
    dirs.iter()
        .map(|&d| {
            let (from, to) = d.endpoints(l);
            (d, from, to)
        })
        .collect()
}

/// What a tonne shipped on a lane costs, by cost category (USD/t).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShipCost {
    /// The lane's `cost`.
    pub transport: f64,
    /// The most specific matching tariff's rate times the material's price.
    pub tariff: f64,
    /// The capital tied up in transit: `carrying_rate * price * days / 365` (contract
    /// section 8; 0 without a carrying rate or `days`).
    pub in_transit: f64,
}

impl ShipCost {
    pub fn total(&self) -> f64 {
        self.transport + self.tariff + self.in_transit
    }
}

/// The per-tonne cost of shipping `material` from region `from` to region `to` on lane `lane`.
pub fn ship_unit_costs(inst: &Instance, lane: usize, from: usize, to: usize, material: usize) -> ShipCost {
    let rate = inst.tariff_rate(inst.region_country(from), inst.region_country(to), material);
    let price = inst.materials[material].price;
    let l = &inst.lanes[lane];
    let carrying = inst.meta.carrying_rate.unwrap_or(0.0);
    ShipCost {
        transport: l.cost,
        tariff: rate * price,
        in_transit: carrying * price * l.days.unwrap_or(0.0) / 365.0,
    }
}

/// The LP of the model contract for `inst`: its columns, then its rows family by family.
pub fn build(inst: &Instance) -> Model {
    let mut lp = Lp::default();
    let cols = columns(inst, &mut lp);
    let mut terms: Vec<(u32, f64)> = Vec::new();
    mine_rows(inst, &cols, &mut lp, &mut terms);
    plant_rows(inst, &cols, &mut lp, &mut terms);
    import_rows(inst, &cols, &mut lp, &mut terms);
    lane_rows(inst, &cols, &mut lp, &mut terms);
    unmet_rows(inst, &cols, &mut lp, &mut terms);
    balance_rows(inst, &cols, &mut lp, &mut terms);
    let targets: Vec<TargetTerms> = (0..inst.targets.len())
        .map(|t| TargetTerms::of(inst, &cols, t))
        .collect();
    target_rows(inst, &targets, &mut lp, &mut terms);
    Model { lp, cols, targets }
}

/// Every column with its cost, the objective of the contract (USD/yr):
///
/// `sum_m unit[m] prod[m] + sum_m expcost[m] mexp[m] + sum_p cost[p] proc[p]
///  + sum_p expcost[p] pexp[p] + sum_i price[i] buy[i]
///  + sum_(l,a) (cost[l] + tariff(l,a) price[a] + carrying_rate price[a] days[l] / 365) ship[l,a]
///  + sum_d penalty[d] unmet[d]`,
///
/// with `unit[m]` the mine's cost plus royalty, fee and income tax
/// ([`Instance::mine_unit_cost`]), `tariff(l,a)` the most specific matching tariff, and the
/// last term the capital tied up in transit ([`ShipCost`]).
fn columns(inst: &Instance, lp: &mut Lp) -> Columns {
    let mut cols = Columns::default();
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
            for a in (0..inst.materials.len()).filter(|&a| inst.lanes[l].allows(a)) {
                let cost = ship_unit_costs(inst, l, from, to, a).total();
                let (lane, material) = (l as u32, a as u32);
                let col = lp.add_var(VarKey::Ship { lane, dir, material }, cost);
                cols.ship.push(Ship {
                    lane,
                    dir,
                    material,
                    col,
                });
            }
        }
    }
    for (d, dem) in inst.demands.iter().enumerate() {
        cols.unmet
            .push(dem.unmet_penalty.map(|pen| lp.add_var(VarKey::Unmet(d as u32), pen)));
    }
    cols
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

/// `mine_capacity[m]`: `prod[m] - mexp[m] <= capacity[m]` (t/yr; `mexp` only with an
/// expansion), then `mine_expansion[m]`: `mexp[m] <= expansion.max` (t/yr).
fn mine_rows(inst: &Instance, cols: &Columns, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
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
}

/// `plant_capacity[p]`: `proc[p] - pexp[p] <= capacity[p]` (t input/yr), then
/// `plant_expansion[p]`: `pexp[p] <= expansion.max` (t input/yr).
fn plant_rows(inst: &Instance, cols: &Columns, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
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
}

/// `import_capacity[i]`: `buy[i] <= capacity[i]` (t/yr), for offers with a capacity.
fn import_rows(inst: &Instance, cols: &Columns, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    for (i, offer) in inst.imports.iter().enumerate() {
        if let Some(cap) = offer.capacity {
            terms.push((cols.buy[i], 1.0));
            lp.add_row(RowKey::ImportCapacity(i as u32), terms, Sense::Le, cap);
        }
    }
}

/// `lane_capacity[l:FROM->TO]`: `sum_a ship[l,dir,a] <= capacity[l]` (t/yr over all
/// materials), for each direction of a lane with a capacity.
fn lane_rows(inst: &Instance, cols: &Columns, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    // Ship columns are grouped by lane and direction, so one pass fills each lane row.
    for group in cols.ship.chunk_by(|a, b| a.lane == b.lane && a.dir == b.dir) {
        let (lane, dir) = (group[0].lane, group[0].dir);
        if let Some(cap) = inst.lanes[lane as usize].capacity {
            terms.extend(group.iter().map(|s| (s.col, 1.0)));
            lp.add_row(RowKey::LaneCapacity { lane, dir }, terms, Sense::Le, cap);
        }
    }
}

/// `unmet_limit[d]`: `unmet[d] <= quantity[d]` (t/yr): the contract's bound on `unmet`, as a
/// row so that it has a dual.
fn unmet_rows(inst: &Instance, cols: &Columns, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    for (d, dem) in inst.demands.iter().enumerate() {
        if let Some(u) = cols.unmet[d] {
            terms.push((u, 1.0));
            lp.add_row(RowKey::UnmetLimit(d as u32), terms, Sense::Le, dem.quantity);
        }
    }
}

/// `balance[r/a]` for every region and material that anything touches, in region then
/// material order (t/yr of `a`):
///
/// `sum prod + sum buy + sum yield[p] proc[p] (output a) + sum ship in - sum ship out
///  - sum proc[p] (input a) + sum unmet = sum quantity` (the demands of `a` at `r`).
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
    for s in &cols.ship {
        let (from, to) = s.dir.endpoints(&inst.lanes[s.lane as usize]);
        cells[idx(to, s.material as usize)].push((s.col, 1.0));
        cells[idx(from, s.material as usize)].push((s.col, -1.0));
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

/// `target[t]`: `I_t - s_t C_t <= 0` ([`TargetTerms`]), written with the constant part of
/// `C_t` moved right: `I_t - s_t sum proc + s_t sum unmet <= s_t sum quantity` (t/yr,
/// share-weighted).
fn target_rows(inst: &Instance, targets: &[TargetTerms], lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    for (t, tt) in targets.iter().enumerate() {
        let s = inst.targets[t].max_import_share;
        terms.extend(tt.imports.iter().map(|&c| (c, 1.0)));
        let mut constant = 0.0;
        for &(q, unmet) in &tt.demands {
            constant += s * q;
            terms.extend(unmet.map(|u| (u, s)));
        }
        terms.extend(tt.processing.iter().map(|&c| (c, -s)));
        lp.add_row(RowKey::Target(t as u32), terms, Sense::Le, constant);
    }
}

/// For a target: which countries are in its scope ([`Instance::scope_countries`], the one
/// definition of a scope) and which are counted as sources, as masks over the countries.
pub fn target_membership(inst: &Instance, t: usize) -> (Vec<bool>, Vec<bool>) {
    let mut in_scope = vec![false; inst.countries.len()];
    inst.scope_countries(t).into_iter().for_each(|c| in_scope[c] = true);
    let mut is_source = vec![false; inst.countries.len()];
    inst.targets[t].sources.iter().for_each(|&c| is_source[c] = true);
    (in_scope, is_source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::backend::BackendChoice;
    use crate::solve::{solve, Status};

    /// A buyer in the US can take silver from a Mexican mine (cost 10, lane 1) or a Chinese
    /// offer (price 5, lane 1) that pays a duty of `rate` times the price (100 USD/t).
    fn instance(rate: f64) -> Instance {
        let src = format!(
            "[meta]\nname = \"duty\"\n\
             [[countries]]\nid = \"US\"\n[[countries]]\nid = \"MX\"\n[[countries]]\nid = \"CN\"\n\
             [[regions]]\nid = \"US-TX\"\ncountry = \"US\"\n[[regions]]\nid = \"MX-ZAC\"\ncountry = \"MX\"\n\
             [[regions]]\nid = \"CN-SH\"\ncountry = \"CN\"\n\
             [[materials]]\nid = \"silver\"\nprice = 100\n\
             [[mines]]\nid = \"zac\"\nregion = \"MX-ZAC\"\nmaterial = \"silver\"\ncapacity = 50\ncost = 160\n\
             [[imports]]\nid = \"sh\"\nregion = \"CN-SH\"\nmaterial = \"silver\"\nprice = 5\n\
             [[demands]]\nregion = \"US-TX\"\nmaterial = \"silver\"\nquantity = 10\n\
             [[lanes]]\nfrom = \"MX-ZAC\"\nto = \"US-TX\"\ncost = 1\n\
             [[lanes]]\nfrom = \"CN-SH\"\nto = \"US-TX\"\ncost = 1\n\
             [[tariffs]]\nimporter = \"US\"\nexporter = \"CN\"\nrate = {rate}\n"
        );
        let v = sourcing_models::load_str(&src);
        v.instance.unwrap_or_else(|| panic!("{:?}", v.diagnostics))
    }

    #[test]
    fn a_duty_above_100_percent_is_charged_in_full() {
        // Chinese silver costs 5 + 1 + 100 * rate per tonne landed; Mexican 160 + 1 (no tax
        // regime, no duty). At 150% the offer lands at 156 and still wins; at 160% at 166, and
        // the mine wins.
        for (rate, objective) in [(1.5, 1560.0), (1.6, 1610.0)] {
            let inst = instance(rate);
            let model = build(&inst);
            let ship = model.cols.ship.iter().find(|s| s.lane == 1).unwrap();
            assert_eq!(model.lp.obj()[ship.col as usize], 1.0 + rate * 100.0);
            let solved = solve(&inst, BackendChoice::MiniLp, &Default::default());
            assert_eq!(solved.status, Status::Optimal);
            assert!(
                (solved.objective - objective).abs() < 1e-6,
                "{rate}: {}",
                solved.objective
            );
        }
    }
}
