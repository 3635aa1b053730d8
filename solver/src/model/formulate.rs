//! The linear program of the model contract (sections 3, 5 and 6), built from a validated
//! instance.
//!
//! Every flow column exists once per period (`@YEAR` in its name when the instance has
//! `meta.periods`): `prod[m]`, `mexp[m]` (capacity coming online in that period, only in
//! periods its lead time allows), `proc[p]`, `pexp[p]`, `buy[i]`, `ship[l:dir,a]`, `unmet[d]`,
//! `inject[s]`, `release[s]`, `level[s]`, all continuous and `>= 0`. Columns are laid out
//! period by period, each period in the order above. Rows, period by period, each under its
//! contract name:
//!
//! * `mine_capacity[m]`: `prod[m@p] - sum_(q <= p) mexp[m@q] <= capacity[m@p]` (t/yr)
//! * `mine_expansion[m]`: `sum_p mexp[m@p] <= expansion.max` (t/yr; one row, in the first
//!   period's block)
//! * `plant_capacity[p]`, `plant_expansion[p]` likewise (t input/yr)
//! * `import_capacity[i]`: `buy[i] <= capacity[i]`
//! * `lane_capacity[l:FROM->TO]`: `sum_a ship[l,dir,a] <= capacity[l]`, per direction
//! * `unmet_limit[d]`: `unmet[d] <= quantity[d]` (the contract's variable bound, as a row so it
//!   has a dual)
//! * `balance[r/a]`: supply minus use `= demand` (t/yr of `a`), with `+ release - inject`
//! * `target[t]`: `I_t - s_t * C_t <= 0`, written with the constant part of `C_t` moved right:
//!   `I_t - s_t * sum proc - s_t * sum (inject - release) + s_t * sum unmet <= s_t * sum quantity`
//!   (a stockpile's net fill is the use: see [`TargetTerms`]).
//! * `stock_level[s]`: `level[s@p] - level[s@(p-1)] - L_p inject[s@p] + L_p release[s@p] = 0`
//!   (`= initial` in the first period), `stock_capacity[s]`: `level <= capacity`,
//!   `stock_min[s]`: `level >= min_level` (where `min_level > 0`)
//! * `stock_final[s]`: `level[s@last] >= min_final` (where `min_final > 0`; after the last
//!   period's block)
//!
//! Without `meta.periods` there is one period of length and weight 1 and the LP, its names
//! and its order are those of schema 1.

use crate::lp::{Dir, Lp, RowKey, Sense, VarKey};
use sourcing_models::{Basis, Instance};

/// One `ship[l:dir,a~k]` column: material `material` of origin class `class` (0 without
/// tracking) moved on lane `lane` in direction `dir`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ship {
    pub lane: u32,
    pub dir: Dir,
    pub material: u32,
    pub class: u32,
    pub col: u32,
}

/// Column indices of the families in one period, for reports.
///
/// The per-class families (`proc_`, `inject`, `release`, `level`, `serve`) hold
/// [`Columns::classes`] columns per plant, stockpile or demand, class by class: use the
/// `*_of` accessors. Without origin tracking there is one class and one column each, and
/// `serve` is empty (the balance carries the demand).
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// The number of origin classes (1 without tracking).
    pub classes: usize,
    pub prod: Vec<u32>,
    /// `mexp[m@p]`: capacity coming online in this period (`None` without an expansion, or
    /// when its lead time does not allow this period).
    pub mexp: Vec<Option<u32>>,
    pub proc_: Vec<u32>,
    pub pexp: Vec<Option<u32>>,
    pub buy: Vec<u32>,
    pub unmet: Vec<Option<u32>>,
    /// Grouped by lane, then direction, then material, then class.
    pub ship: Vec<Ship>,
    pub inject: Vec<u32>,
    pub release: Vec<u32>,
    pub level: Vec<u32>,
    /// `serve[d~k]`, only with origin tracking.
    pub serve: Vec<u32>,
}

impl Columns {
    fn block(v: &[u32], i: usize, k: usize) -> &[u32] {
        &v[i * k..(i + 1) * k]
    }

    /// `proc[p~k]` of plant `p`, one per class.
    pub fn proc_of(&self, p: usize) -> &[u32] {
        Self::block(&self.proc_, p, self.classes)
    }

    /// `inject[s~k]` of stockpile `s`, one per class.
    pub fn inject_of(&self, s: usize) -> &[u32] {
        Self::block(&self.inject, s, self.classes)
    }

    /// `release[s~k]` of stockpile `s`, one per class.
    pub fn release_of(&self, s: usize) -> &[u32] {
        Self::block(&self.release, s, self.classes)
    }

    /// `level[s~k]` of stockpile `s`, one per class.
    pub fn level_of(&self, s: usize) -> &[u32] {
        Self::block(&self.level, s, self.classes)
    }

    /// `serve[d~k]` of demand `d`, one per class (empty without tracking).
    pub fn serve_of(&self, d: usize) -> &[u32] {
        if self.serve.is_empty() {
            return &[];
        }
        Self::block(&self.serve, d, self.classes)
    }

    /// The sum of columns `cols` at plan `x`.
    pub fn total(x: &[f64], cols: &[u32]) -> f64 {
        cols.iter().map(|&c| x[c as usize]).sum()
    }
}

/// The two sides of a target in one period (model contract sections 3 and 6), as columns of
/// the LP: built once and used by the target's row, the report's achieved share and the
/// diagnosis.
///
/// `I_t = sum imports`,
/// `C_t = sum (quantity[d] - unmet[d]) + sum processing + sum (inject[s] - release[s])`.
///
/// A stockpile's *net* fill is a use (the contract's section 6 counts `inject` alone). Counting
/// every injection lets a plan put tonnes in and take them out again within one period, which
/// moves nothing yet raises `C_t` without limit, even through a stockpile of capacity 0: every
/// cap on the material would be switched off. Net of releases, each tonne the scope uses counts
/// once over the horizon (when it fills the reserve, or when it is consumed, not both), imports
/// bought for a reserve still count against a consumption that includes them, and a cap of 1
/// still never binds on them.
///
/// Under `basis = "origin"` (model contract section 7) `I_t` is the part of that use whose
/// origin class is a source: `serve[d~k]`, `proc[p~k]` and the net fill
/// `inject[s~k] - release[s~k]` of the scope's demands, plants and stockpiles of the
/// material, over the source classes `k` (net fill for the reason above: a tonne of a
/// source class that fills the reserve counts once, not again when drawn and used).
#[derive(Debug, Clone, Default)]
pub struct TargetTerms {
    /// The columns `I_t` counts with coefficient 1. Crossing basis: shipments of the
    /// material from a source country into the scope, and offers in the scope whose origin
    /// is a source. Origin basis: the scope's use of source classes.
    pub imports: Vec<u32>,
    /// The columns `I_t` counts with coefficient -1: releases of source classes (origin
    /// basis only).
    pub imports_back: Vec<u32>,
    /// The demands of the material in the scope: quantity (t/yr) and the `unmet[d]` column
    /// of those that may go unmet.
    pub demands: Vec<(f64, Option<u32>)>,
    /// `proc[p]` of the plants in the scope whose input is the material, and `inject[s]` of
    /// the stockpiles of the material in the scope (filling a reserve is a use).
    pub processing: Vec<u32>,
    /// `release[s]` of those stockpiles: a draw is taken off the use (net fill).
    pub releases: Vec<u32>,
}

impl TargetTerms {
    /// `I_t` at plan `x` (t/yr).
    pub fn imports(&self, x: &[f64]) -> f64 {
        let back = self.imports_back.iter().fold(0.0, |sum, &c| sum + x[c as usize]);
        self.imports.iter().fold(-back, |sum, &c| sum + x[c as usize])
    }

    /// `C_t` at plan `x` (t/yr).
    pub fn consumption(&self, x: &[f64]) -> f64 {
        let demand = self.demands.iter().fold(0.0, |c, &(q, unmet)| {
            c + (q - unmet.map(|u| x[u as usize]).unwrap_or(0.0))
        });
        let used = self.processing.iter().fold(demand, |c, &p| c + x[p as usize]);
        self.releases.iter().fold(used, |c, &r| c - x[r as usize])
    }

    /// `C_t` as a constant (the demand quantity) plus columns with weights.
    pub fn consumption_terms(&self) -> (f64, Vec<(usize, f64)>) {
        let mut g: Vec<(usize, f64)> = self
            .demands
            .iter()
            .filter_map(|&(_, u)| u.map(|u| (u as usize, -1.0)))
            .collect();
        g.extend(self.processing.iter().map(|&c| (c as usize, 1.0)));
        g.extend(self.releases.iter().map(|&c| (c as usize, -1.0)));
        (self.demand(), g)
    }

    /// The demand quantity in the scope (t/yr): `C_t` when every demand is met and no plant
    /// in the scope runs.
    pub fn demand(&self) -> f64 {
        self.demands.iter().map(|d| d.0).sum()
    }

    /// The columns of target `t` in period `p` (`cols` are that period's columns).
    pub fn of(inst: &Instance, cols: &Columns, t: usize, p: usize) -> TargetTerms {
        let a = inst.targets[t].material;
        let (in_scope, is_source) = target_membership(inst, t);
        let mut terms = TargetTerms::default();
        let origin_basis = inst.targets[t].basis == Basis::Origin;
        // Under the origin basis, the columns of a source class.
        let source_class = inst.source_classes(t);
        let of_source = |cs: &[u32]| -> Vec<u32> {
            cs.iter()
                .enumerate()
                .filter(|&(k, _)| source_class[k])
                .map(|(_, &c)| c)
                .collect()
        };
        if !origin_basis {
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
        }
        for (d, dem) in inst.demands.iter().enumerate() {
            if dem.material == a && in_scope[inst.region_country(dem.region)] {
                terms.demands.push((dem.quantity.at(p), cols.unmet[d]));
                if origin_basis {
                    terms.imports.extend(of_source(cols.serve_of(d)));
                }
            }
        }
        for (k, plant) in inst.plants.iter().enumerate() {
            if plant.input == a && in_scope[inst.region_country(plant.region)] {
                terms.processing.extend_from_slice(cols.proc_of(k));
                if origin_basis {
                    terms.imports.extend(of_source(cols.proc_of(k)));
                }
            }
        }
        for (s, stock) in inst.stockpiles.iter().enumerate() {
            if stock.material == a && in_scope[inst.region_country(stock.region)] {
                terms.processing.extend_from_slice(cols.inject_of(s));
                terms.releases.extend_from_slice(cols.release_of(s));
                if origin_basis {
                    terms.imports.extend(of_source(cols.inject_of(s)));
                    terms.imports_back.extend(of_source(cols.release_of(s)));
                }
            }
        }
        terms
    }
}

/// The built model: the LP, where each family's columns are in each period, and each
/// target's terms in each period.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub lp: Lp,
    /// Indexed by period.
    pub cols: Vec<Columns>,
    /// Indexed by period, then target.
    pub targets: Vec<Vec<TargetTerms>>,
}

impl Model {
    pub fn n_periods(&self) -> usize {
        self.cols.len()
    }
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

/// The per-tonne cost of shipping `material` of origin class `class` (0 without tracking)
/// from region `from` to region `to` on lane `lane` in period `p`.
pub fn ship_unit_costs(
    inst: &Instance,
    lane: usize,
    from: usize,
    to: usize,
    material: usize,
    class: usize,
    p: usize,
) -> ShipCost {
    let rate = inst.tariff_rate(inst.region_country(from), inst.region_country(to), material, class, p);
    let price = inst.materials[material].price.at(p);
    let l = &inst.lanes[lane];
    let carrying = inst.meta.carrying_rate.unwrap_or(0.0);
    ShipCost {
        transport: l.cost.at(p),
        tariff: rate * price,
        in_transit: carrying * price * l.days.unwrap_or(0.0) / 365.0,
    }
}

/// The LP of the model contract for `inst`: its columns, period by period, then its rows,
/// period by period and family by family.
pub fn build(inst: &Instance) -> Model {
    let mut lp = Lp::default();
    let mut cols = Vec::with_capacity(inst.n_periods());
    for p in 0..inst.n_periods() {
        lp.set_period(p);
        cols.push(columns(inst, &mut lp, p));
    }
    let mut terms: Vec<(u32, f64)> = Vec::new();
    let mut targets = Vec::with_capacity(inst.n_periods());
    for p in 0..inst.n_periods() {
        lp.set_period(p);
        mine_rows(inst, &cols, p, &mut lp, &mut terms);
        plant_rows(inst, &cols, p, &mut lp, &mut terms);
        let c = &cols[p];
        import_rows(inst, c, p, &mut lp, &mut terms);
        lane_rows(inst, c, p, &mut lp, &mut terms);
        unmet_rows(inst, c, p, &mut lp, &mut terms);
        balance_rows(inst, c, p, &mut lp, &mut terms);
        demand_rows(inst, c, p, &mut lp, &mut terms);
        let tt: Vec<TargetTerms> = (0..inst.targets.len())
            .map(|t| TargetTerms::of(inst, c, t, p))
            .collect();
        target_rows(inst, &tt, p, &mut lp, &mut terms);
        targets.push(tt);
        stock_rows(inst, &cols, p, &mut lp, &mut terms);
    }
    final_stock_rows(inst, &cols, &mut lp, &mut terms);
    lp.set_period(0);
    Model { lp, cols, targets }
}

/// Every column of period `p` with its cost in the objective, `w_p` times the annual cost of
/// the contract (USD):
///
/// `w_p (sum_m unit[m] prod[m] + sum_p cost[p] proc[p] + sum_i price[i] buy[i]
///  + sum_(l,a) (cost[l] + tariff(l,a) price[a] + carrying_rate price[a] days[l] / 365) ship[l,a]
///  + sum_d penalty[d] unmet[d] + sum_s holding_cost[s] level[s])`
///  `+ sum_m expcost[m] W_p mexp[m] + sum_p expcost[p] W_p pexp[p]`,
///
/// with `unit[m]` the mine's cost plus royalty, fee and income tax
/// ([`Instance::mine_unit_cost`]), `tariff(l,a)` the most specific matching tariff,
/// [`ShipCost`] for the transit term, and `W_p = sum_(q >= p) w_q`: capacity that comes online
/// in `p` is paid in every period from then on. Every value is period `p`'s.
fn columns(inst: &Instance, lp: &mut Lp, p: usize) -> Columns {
    let w = inst.periods[p].weight;
    let w_from: f64 = inst.periods[p..].iter().map(|q| q.weight).sum();
    let allowed = |lead_time: f64| inst.first_build_period(lead_time).is_some_and(|first| p >= first);
    let classes = inst.n_classes();
    let mut cols = Columns {
        classes,
        ..Columns::default()
    };
    for (m, mine) in inst.mines.iter().enumerate() {
        lp.set_class(inst.country_class(inst.region_country(mine.region)));
        cols.prod
            .push(lp.add_var(VarKey::Prod(m as u32), w * inst.mine_unit_cost(m, p).total()));
        lp.set_class(0);
        let exp = mine.expansion.filter(|e| allowed(e.lead_time));
        cols.mexp
            .push(exp.map(|e| lp.add_var(VarKey::MineExp(m as u32), e.cost * w_from)));
    }
    for (k, plant) in inst.plants.iter().enumerate() {
        for class in 0..classes {
            lp.set_class(class);
            cols.proc_
                .push(lp.add_var(VarKey::Proc(k as u32), w * plant.cost.at(p)));
        }
        lp.set_class(0);
        let exp = plant.expansion.filter(|e| allowed(e.lead_time));
        cols.pexp
            .push(exp.map(|e| lp.add_var(VarKey::PlantExp(k as u32), e.cost * w_from)));
    }
    for (i, offer) in inst.imports.iter().enumerate() {
        lp.set_class(inst.country_class(offer.origin));
        cols.buy.push(lp.add_var(VarKey::Buy(i as u32), w * offer.price.at(p)));
    }
    lp.set_class(0);
    for l in 0..inst.lanes.len() {
        for (dir, from, to) in lane_directions(inst, l) {
            for a in (0..inst.materials.len()).filter(|&a| inst.lanes[l].allows(a)) {
                for class in 0..classes {
                    let cost = w * ship_unit_costs(inst, l, from, to, a, class, p).total();
                    let (lane, material) = (l as u32, a as u32);
                    lp.set_class(class);
                    let col = lp.add_var(VarKey::Ship { lane, dir, material }, cost);
                    cols.ship.push(Ship {
                        lane,
                        dir,
                        material,
                        class: class as u32,
                        col,
                    });
                }
            }
        }
    }
    for (d, dem) in inst.demands.iter().enumerate() {
        cols.unmet.push(
            dem.unmet_penalty
                .as_ref()
                .map(|pen| lp.add_var(VarKey::Unmet(d as u32), w * pen.at(p))),
        );
    }
    lp.set_class(0);
    if inst.origin.is_some() {
        for d in 0..inst.demands.len() {
            for class in 0..classes {
                lp.set_class(class);
                cols.serve.push(lp.add_var(VarKey::Serve(d as u32), 0.0));
            }
        }
    }
    for (s, stock) in inst.stockpiles.iter().enumerate() {
        let s32 = s as u32;
        for class in 0..classes {
            lp.set_class(class);
            cols.inject.push(lp.add_var(VarKey::Inject(s32), 0.0));
            cols.release.push(lp.add_var(VarKey::Release(s32), 0.0));
            cols.level.push(lp.add_var(VarKey::Level(s32), w * stock.holding_cost));
        }
    }
    lp.set_class(0);
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
    let periods = inst.n_periods();
    // Expansion columns exist in the periods their lead time allows.
    let online = |e: &Option<sourcing_models::Expansion>| {
        e.and_then(|e| inst.first_build_period(e.lead_time))
            .map_or(0, |first| periods - first)
    };
    let exp_cols: usize = inst.mines.iter().map(|m| online(&m.expansion)).sum::<usize>()
        + inst.plants.iter().map(|p| online(&p.expansion)).sum::<usize>();
    let exp_m = inst.mines.iter().filter(|m| online(&m.expansion) > 0).count();
    let exp_p = inst.plants.iter().filter(|p| online(&p.expansion) > 0).count();
    let unmet = inst.demands.iter().filter(|d| d.unmet_penalty.is_some()).count();
    let stocks = inst.stockpiles.len();
    // With origin tracking the flows through plants, lanes and stockpiles, and the
    // balances, exist once per class; each demand gets a row and a column per class.
    let k = inst.n_classes();
    let tracked_demands = if inst.origin.is_some() { inst.demands.len() } else { 0 };
    let mut ship = 0usize;
    let mut lane_rows = 0usize;
    for l in &inst.lanes {
        let dirs = if l.bidirectional { 2 } else { 1 };
        let allowed = (0..n_mat).filter(|&a| l.allows(a)).count();
        ship += dirs * allowed * k;
        if l.capacity.is_some() {
            lane_rows += dirs;
        }
    }
    let per_period = inst.mines.len()
        + k * inst.plants.len()
        + inst.imports.len()
        + ship
        + unmet
        + 3 * k * stocks
        + k * tracked_demands;
    let variables = periods * per_period + exp_cols;
    let import_rows = inst.imports.iter().filter(|i| i.capacity.is_some()).count();
    let balances = (k * inst.regions.len() * n_mat).min(2 * (per_period + exp_m + exp_p) + inst.demands.len());
    let rows = periods
        * (inst.mines.len()
            + inst.plants.len()
            + import_rows
            + lane_rows
            + unmet
            + balances
            + inst.targets.len()
            + tracked_demands
            + (k + 2) * stocks)
        + exp_m
        + exp_p
        + stocks;
    // Each column enters its capacity and balance rows, ships both balances and a lane row;
    // a target row touches its material's ships, offers, plants and unmet columns; an
    // expansion column enters the capacity rows of every later period.
    let per_target = ship / n_mat.max(1) + inst.imports.len() + inst.plants.len() + unmet;
    let nonzeros =
        3 * variables + periods * inst.targets.len() * per_target + (exp_m + exp_p) * periods * (periods + 1) / 2;
    SizeEstimate {
        variables,
        rows,
        nonzeros,
    }
}

/// `mine_capacity[m@p]`: `prod[m@p] - sum_(q <= p) mexp[m@q] <= capacity[m@p]` (t/yr), then,
/// in the first period's block, `mine_expansion[m]`: `sum_p mexp[m@p] <= expansion.max`
/// (t/yr; only when some period allows the expansion).
fn mine_rows(inst: &Instance, cols: &[Columns], p: usize, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    for (m, mine) in inst.mines.iter().enumerate() {
        terms.push((cols[p].prod[m], 1.0));
        terms.extend(cols[..=p].iter().filter_map(|c| c.mexp[m]).map(|e| (e, -1.0)));
        lp.add_row(RowKey::MineCapacity(m as u32), terms, Sense::Le, mine.capacity.at(p));
        if p == 0 {
            terms.extend(cols.iter().filter_map(|c| c.mexp[m]).map(|e| (e, 1.0)));
            if let (false, Some(exp)) = (terms.is_empty(), mine.expansion) {
                lp.add_row(RowKey::MineExpansion(m as u32), terms, Sense::Le, exp.max);
            }
        }
    }
}

/// `plant_capacity[k@p]`: `proc[k@p] - sum_(q <= p) pexp[k@q] <= capacity[k@p]` (t input/yr),
/// then, in the first period's block, `plant_expansion[k]`: `sum_p pexp[k@p] <= expansion.max`.
fn plant_rows(inst: &Instance, cols: &[Columns], p: usize, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    for (k, plant) in inst.plants.iter().enumerate() {
        terms.extend(cols[p].proc_of(k).iter().map(|&c| (c, 1.0)));
        terms.extend(cols[..=p].iter().filter_map(|c| c.pexp[k]).map(|e| (e, -1.0)));
        lp.add_row(RowKey::PlantCapacity(k as u32), terms, Sense::Le, plant.capacity.at(p));
        if p == 0 {
            terms.extend(cols.iter().filter_map(|c| c.pexp[k]).map(|e| (e, 1.0)));
            if let (false, Some(exp)) = (terms.is_empty(), plant.expansion) {
                lp.add_row(RowKey::PlantExpansion(k as u32), terms, Sense::Le, exp.max);
            }
        }
    }
}

/// `import_capacity[i]`: `buy[i] <= capacity[i]` (t/yr), for offers with a capacity.
fn import_rows(inst: &Instance, cols: &Columns, p: usize, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    for (i, offer) in inst.imports.iter().enumerate() {
        if let Some(cap) = &offer.capacity {
            terms.push((cols.buy[i], 1.0));
            lp.add_row(RowKey::ImportCapacity(i as u32), terms, Sense::Le, cap.at(p));
        }
    }
}

/// `lane_capacity[l:FROM->TO]`: `sum_a ship[l,dir,a] <= capacity[l]` (t/yr over all
/// materials), for each direction of a lane with a capacity.
fn lane_rows(inst: &Instance, cols: &Columns, p: usize, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    // Ship columns are grouped by lane and direction, so one pass fills each lane row.
    for group in cols.ship.chunk_by(|a, b| a.lane == b.lane && a.dir == b.dir) {
        let (lane, dir) = (group[0].lane, group[0].dir);
        if let Some(cap) = &inst.lanes[lane as usize].capacity {
            terms.extend(group.iter().map(|s| (s.col, 1.0)));
            lp.add_row(RowKey::LaneCapacity { lane, dir }, terms, Sense::Le, cap.at(p));
        }
    }
}

/// `unmet_limit[d]`: `unmet[d] <= quantity[d]` (t/yr): the contract's bound on `unmet`, as a
/// row so that it has a dual.
fn unmet_rows(inst: &Instance, cols: &Columns, p: usize, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    for (d, dem) in inst.demands.iter().enumerate() {
        if let Some(u) = cols.unmet[d] {
            terms.push((u, 1.0));
            lp.add_row(RowKey::UnmetLimit(d as u32), terms, Sense::Le, dem.quantity.at(p));
        }
    }
}

/// `balance[r/a~k]` for every region, material and origin class that a column enters (or,
/// without tracking, that a demand names), in region, material, then class order (t/yr of
/// `a`):
///
/// `sum prod + sum buy + sum yield[p] proc[p~k] (output a) + sum ship~k in - sum ship~k out
/// - sum proc[p~k] (input a) + sum release~k - sum inject~k + (untracked) sum unmet
/// - (tracked) sum serve[d~k] = (untracked) sum quantity`.
///
/// A mine's production enters the class of its country, an offer's purchase the class of its `origin`; without tracking
/// there is one class and the rows and their order are schema 1's.
fn balance_rows(inst: &Instance, cols: &Columns, p: usize, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    let (n_mat, classes) = (inst.materials.len(), cols.classes);
    let idx = |r: usize, a: usize, k: usize| (r * n_mat + a) * classes + k;
    let mut cells: Vec<Vec<(u32, f64)>> = vec![Vec::new(); inst.regions.len() * n_mat * classes];
    let mut touched = vec![false; cells.len()];
    let mut rhs = vec![0.0; cells.len()];
    for (m, mine) in inst.mines.iter().enumerate() {
        let k = inst.country_class(inst.region_country(mine.region));
        cells[idx(mine.region, mine.material, k)].push((cols.prod[m], 1.0));
    }
    for (i, offer) in inst.imports.iter().enumerate() {
        let k = inst.country_class(offer.origin);
        cells[idx(offer.region, offer.material, k)].push((cols.buy[i], 1.0));
    }
    for (pl, plant) in inst.plants.iter().enumerate() {
        for (k, &c) in cols.proc_of(pl).iter().enumerate() {
            cells[idx(plant.region, plant.output, k)].push((c, plant.yield_));
            cells[idx(plant.region, plant.input, k)].push((c, -1.0));
        }
    }
    for s in &cols.ship {
        let (from, to) = s.dir.endpoints(&inst.lanes[s.lane as usize]);
        let (a, k) = (s.material as usize, s.class as usize);
        cells[idx(to, a, k)].push((s.col, 1.0));
        cells[idx(from, a, k)].push((s.col, -1.0));
    }
    for (d, dem) in inst.demands.iter().enumerate() {
        let serve = cols.serve_of(d);
        if serve.is_empty() {
            let k = idx(dem.region, dem.material, 0);
            touched[k] = true;
            rhs[k] += dem.quantity.at(p);
            if let Some(u) = cols.unmet[d] {
                cells[k].push((u, 1.0));
            }
        }
        for (k, &c) in serve.iter().enumerate() {
            cells[idx(dem.region, dem.material, k)].push((c, -1.0));
        }
    }
    for (s, stock) in inst.stockpiles.iter().enumerate() {
        for k in 0..classes {
            let cell = &mut cells[idx(stock.region, stock.material, k)];
            cell.push((cols.release_of(s)[k], 1.0));
            cell.push((cols.inject_of(s)[k], -1.0));
        }
    }
    for r in 0..inst.regions.len() {
        for a in 0..n_mat {
            for k in 0..classes {
                let i = idx(r, a, k);
                if cells[i].is_empty() && !touched[i] {
                    continue;
                }
                terms.append(&mut cells[i]);
                let key = RowKey::Balance {
                    region: r as u32,
                    material: a as u32,
                };
                lp.set_class(k);
                lp.add_row(key, terms, Sense::Eq, rhs[i]);
            }
        }
    }
    lp.set_class(0);
}

/// `demand[d]`: `sum_k serve[d~k] + unmet[d] = quantity[d]` (t/yr), only with origin
/// tracking (without, the balance row carries the demand). Its dual is the delivered price.
fn demand_rows(inst: &Instance, cols: &Columns, p: usize, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    for (d, dem) in inst.demands.iter().enumerate() {
        let serve = cols.serve_of(d);
        if serve.is_empty() {
            continue;
        }
        terms.extend(serve.iter().map(|&c| (c, 1.0)));
        terms.extend(cols.unmet[d].map(|u| (u, 1.0)));
        lp.add_row(RowKey::Demand(d as u32), terms, Sense::Eq, dem.quantity.at(p));
    }
}

/// `target[t]`: `I_t - s_t C_t <= 0` ([`TargetTerms`]), written with the constant part of
/// `C_t` moved right: `I_t - s_t sum proc - s_t sum (inject - release) + s_t sum unmet <= s_t sum quantity`
/// (t/yr, share-weighted), with period `p`'s share.
fn target_rows(inst: &Instance, targets: &[TargetTerms], p: usize, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    for (t, tt) in targets.iter().enumerate() {
        let s = inst.targets[t].max_import_share.at(p);
        terms.extend(tt.imports.iter().map(|&c| (c, 1.0)));
        terms.extend(tt.imports_back.iter().map(|&c| (c, -1.0)));
        let mut constant = 0.0;
        for &(q, unmet) in &tt.demands {
            constant += s * q;
            terms.extend(unmet.map(|u| (u, s)));
        }
        terms.extend(tt.processing.iter().map(|&c| (c, -s)));
        terms.extend(tt.releases.iter().map(|&c| (c, s)));
        lp.add_row(RowKey::Target(t as u32), terms, Sense::Le, constant);
    }
}

/// The stockpile rows of period `p` (t): per origin class `k`, `stock_level[s~k]`
/// `level[s~k@p] - level[s~k@(p-1)] - L_p inject[s~k@p] + L_p release[s~k@p] = 0` (`= initial`
/// in the first period for the class of the initial stock, 0 for the others), then, over the
/// classes, `stock_capacity[s]` `sum_k level[s~k@p] <= capacity`, and `stock_min[s]`
/// `sum_k level[s~k@p] >= min_level[s@p]` where that floor is above 0.
fn stock_rows(inst: &Instance, cols: &[Columns], p: usize, lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    let length = inst.periods[p].length;
    for (s, stock) in inst.stockpiles.iter().enumerate() {
        let c = &cols[p];
        let s32 = s as u32;
        for k in 0..c.classes {
            terms.push((c.level_of(s)[k], 1.0));
            terms.push((c.inject_of(s)[k], -length));
            terms.push((c.release_of(s)[k], length));
            let rhs = match p {
                0 if k == stock.initial_origin => stock.initial,
                0 => 0.0,
                _ => {
                    terms.push((cols[p - 1].level_of(s)[k], -1.0));
                    0.0
                }
            };
            lp.set_class(k);
            lp.add_row(RowKey::StockLevel(s32), terms, Sense::Eq, rhs);
        }
        lp.set_class(0);
        let level = |terms: &mut Vec<(u32, f64)>| terms.extend(c.level_of(s).iter().map(|&l| (l, 1.0)));
        level(terms);
        lp.add_row(RowKey::StockCapacity(s32), terms, Sense::Le, stock.capacity);
        let floor = stock.min_level.at(p);
        if floor > 0.0 {
            level(terms);
            lp.add_row(RowKey::StockMin(s32), terms, Sense::Ge, floor);
        }
    }
}

/// `stock_final[s]`: `sum_k level[s~k@last] >= min_final` (t), where `min_final` is above 0.
fn final_stock_rows(inst: &Instance, cols: &[Columns], lp: &mut Lp, terms: &mut Vec<(u32, f64)>) {
    let last = cols.len() - 1;
    lp.set_period(last);
    for (s, stock) in inst.stockpiles.iter().enumerate() {
        if stock.min_final > 0.0 {
            terms.extend(cols[last].level_of(s).iter().map(|&l| (l, 1.0)));
            lp.add_row(RowKey::StockFinal(s as u32), terms, Sense::Ge, stock.min_final);
        }
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
            let ship = model.cols[0].ship.iter().find(|s| s.lane == 1).unwrap();
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
