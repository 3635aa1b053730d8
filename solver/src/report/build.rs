//! The report of a solve, built from the instance and the checked solution.
//!
//! One builder per section. A plan that is not optimal has no section of the plan (costs,
//! flows, targets, constraints, prices, binding set, ranging): [`build`] fills only its
//! status, message and solver information, and computes nothing else.

use super::schema::*;
use crate::lp::check::{is_binding, slack};
use crate::lp::{Dir, Lp, RowKey, Sense};
use crate::model::formulate::{ship_unit_costs, target_membership, Columns, Ship};
use crate::sensitivity::Sensitivity;
use crate::solve::{Solved, Status};
use smol_str::SmolStr;
use sourcing_models::Instance;

/// Zero out float noise so reports are stable and readable.
fn tidy(x: f64) -> f64 {
    if x.abs() < 1e-9 {
        0.0
    } else {
        x
    }
}

fn ratio(num: f64, den: f64) -> f64 {
    if den.abs() < 1e-12 {
        0.0
    } else {
        num / den
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

pub fn build(inst: &Instance, solved: &Solved, info: InstanceInfo) -> Report {
    let optimal = solved.status == Status::Optimal;
    let mut report = Report {
        schema: SCHEMA,
        instance: info,
        status: solved.status.as_str(),
        message: message(inst, solved),
        objective: None,
        currency: inst.meta.currency.clone(),
        costs: None,
        periods: None,
        builds: None,
        stockpiles: None,
        mines: Vec::new(),
        plants: Vec::new(),
        imports: Vec::new(),
        shipments: Vec::new(),
        demands: Vec::new(),
        targets: Vec::new(),
        concentration: Vec::new(),
        constraints: Vec::new(),
        prices: Vec::new(),
        origin_shares: None,
        binding: Vec::new(),
        ranging: None,
        diagnosis: None,
        solver: solver_info(solved),
        glossary: Glossary::default(),
    };
    if optimal {
        plan_sections(inst, solved, &mut report);
    }
    report.glossary = super::glossary::glossary(inst, &solved.model.lp, &report);
    report
}

/// The sections of an optimal plan.
fn plan_sections(inst: &Instance, solved: &Solved, report: &mut Report) {
    let cx = Context::new(inst, solved);
    let rows = RowIndex::new(inst, cx.lp);
    let pricing = Pricing::new(&cx, &rows);
    report.objective = Some(solved.objective);
    let annual: Vec<Costs> = (0..inst.n_periods()).map(|p| costs(&cx, p)).collect();
    let mut weighted = Costs::default();
    for (p, c) in annual.iter().enumerate() {
        weighted.add_scaled(c, inst.periods[p].weight);
    }
    report.costs = Some(weighted);
    if is_schema_2(inst) {
        report.periods = Some(
            inst.periods
                .iter()
                .zip(annual)
                .map(|(period, costs)| PeriodRow {
                    year: period.year,
                    length: period.length,
                    weight: period.weight,
                    objective: costs.total(),
                    costs,
                })
                .collect(),
        );
        report.builds = Some(builds(&cx));
        report.stockpiles = Some(stockpiles(&cx));
    }
    let periods = 0..inst.n_periods();
    report.mines = periods.clone().flat_map(|p| mines(&cx, p)).collect();
    report.plants = periods.clone().flat_map(|p| plants(&cx, p)).collect();
    report.imports = periods.clone().flat_map(|p| imports(&cx, p)).collect();
    report.shipments = periods.clone().flat_map(|p| shipments(&cx, p)).collect();
    report.demands = periods.clone().flat_map(|p| demands(&cx, &rows, &pricing, p)).collect();
    report.targets = periods.flat_map(|p| targets(&cx, &rows, p)).collect();
    report.constraints = constraints(&cx);
    report.prices = prices(&cx, &pricing);
    if inst.origin.is_some() {
        report.origin_shares = Some(super::origin::origin_shares(inst, &solved.model.cols, &solved.x));
    }
    report.binding = binding(&cx, &report.constraints);
    report.ranging = solved.sensitivity.as_ref().map(|s| ranging(inst, solved, s));
    report.concentration = super::concentration::rows(inst, report);
}

/// Whether the report carries the sections and fields of schema 2 (periods, builds,
/// stockpiles, `period` on every per-period entry): only for an instance that uses them, so
/// the report of a schema-1 instance stays the same.
pub fn is_schema_2(inst: &Instance) -> bool {
    inst.has_periods() || !inst.stockpiles.is_empty()
}

/// What every section of an optimal plan reads: the instance, the model and the solution.
struct Context<'a> {
    inst: &'a Instance,
    solved: &'a Solved,
    lp: &'a Lp,
    cols: &'a [Columns],
    has_x: bool,
    /// Right derivative of the cost in each row's right-hand side: the price of one more
    /// unit (relaxing a limit, one more tonne of demand). Equal to the dual when the price
    /// is unique.
    right: Vec<Option<f64>>,
    /// Left derivative: the price of one unit less (lowering a floor such as `stock_min`).
    left: Vec<Option<f64>>,
}

impl<'a> Context<'a> {
    fn new(inst: &'a Instance, solved: &'a Solved) -> Self {
        let lp = &solved.model.lp;
        let mut right = vec![None; lp.n_rows()];
        if let Some(d) = &solved.duals {
            for (i, r) in right.iter_mut().enumerate() {
                *r = Some(tidy(d[i]));
            }
        }
        let mut left = right.clone();
        if let Some(s) = &solved.sensitivity {
            for r in &s.rows {
                right[r.row] = finite(r.price_high).map(tidy);
                left[r.row] = finite(r.price_low).map(tidy);
            }
        }
        Context {
            inst,
            solved,
            lp,
            cols: &solved.model.cols,
            has_x: !solved.x.is_empty(),
            right,
            left,
        }
    }

    /// The value of column `c` (0 without a solution).
    fn val(&self, c: u32) -> f64 {
        if self.has_x {
            self.solved.x[c as usize]
        } else {
            0.0
        }
    }

    /// The sum of columns `cols` (0 without a solution).
    fn sum(&self, cols: &[u32]) -> f64 {
        cols.iter().map(|&c| self.val(c)).sum()
    }

    /// The values of one column per origin class, by class name (`None` without tracking).
    fn by_origin(&self, cols: &[u32]) -> Option<ByOrigin> {
        let o = self.inst.origin.as_ref()?;
        Some(ByOrigin(
            o.classes
                .iter()
                .zip(cols)
                .map(|(k, &c)| (k.clone(), tidy(self.val(c))))
                .collect(),
        ))
    }

    fn dual(&self, i: usize) -> Option<f64> {
        self.solved.duals.as_ref().map(|d| tidy(d[i]))
    }

    fn right(&self, i: usize) -> Option<f64> {
        self.right[i]
    }

    /// The row's left derivative (its tightening price), where known.
    fn left(&self, i: usize) -> Option<f64> {
        self.left[i]
    }

    /// Row `i` binds: its slack is within the tolerance, or (an interior-point plan) its
    /// slack is dust the cleaning of the duals judged so and kept a price on it
    /// (`solve::clean_duals`).
    fn binding(&self, i: usize) -> bool {
        let (lp, act) = (self.lp, self.solved.activities[i]);
        self.has_x
            && (is_binding(lp, i, act)
                || (lp.senses()[i] != Sense::Eq && self.solved.duals.as_ref().is_some_and(|y| y[i] != 0.0)))
    }

    /// The `period` field of a per-period entry: the year, with periods.
    fn year(&self, p: usize) -> Option<i64> {
        self.inst.has_periods().then(|| self.inst.periods[p].year)
    }

    /// A derivative of the weighted objective in a right-hand side of period `p`, in that
    /// period's annual terms (divided by `w_p`; the same number without periods).
    fn annual(&self, p: usize, v: f64) -> f64 {
        tidy(v / self.inst.periods[p].weight)
    }

    /// Capacity added to a facility up to period `p` (t/yr), from its expansion columns.
    fn added(&self, p: usize, col: impl Fn(&Columns) -> Option<u32>) -> Option<f64> {
        let cols: Vec<u32> = self.cols.iter().filter_map(&col).collect();
        (!cols.is_empty()).then(|| self.cols[..=p].iter().filter_map(col).map(|c| self.val(c)).sum())
    }

    /// The regions a shipment column leaves and enters.
    fn ends(&self, lane: u32, dir: Dir) -> (usize, usize) {
        dir.endpoints(&self.inst.lanes[lane as usize])
    }
}

/// Row lookups by key, built once: balances by period x region x material (the first
/// class's row with tracking), targets by period x target, demand rows by period x demand
/// (with tracking) (an index, not a hash).
struct RowIndex {
    n_mat: usize,
    n_cells: usize,
    n_targets: usize,
    n_demands: usize,
    balance: Vec<usize>,
    target: Vec<usize>,
    demand: Vec<usize>,
}

impl RowIndex {
    fn new(inst: &Instance, lp: &Lp) -> Self {
        let n_mat = inst.materials.len();
        let n_cells = inst.regions.len() * n_mat;
        let n_targets = inst.targets.len();
        let mut balance = vec![usize::MAX; inst.n_periods() * n_cells];
        let mut target = vec![usize::MAX; inst.n_periods() * n_targets];
        let n_demands = inst.demands.len();
        let mut demand = vec![usize::MAX; inst.n_periods() * n_demands];
        for (i, key) in lp.rows().iter().enumerate() {
            let p = lp.row_period(i);
            match *key {
                RowKey::Balance { region, material } if lp.row_class(i) == 0 => {
                    balance[p * n_cells + region as usize * n_mat + material as usize] = i;
                }
                RowKey::Target(t) => target[p * n_targets + t as usize] = i,
                RowKey::Demand(d) => demand[p * n_demands + d as usize] = i,
                _ => {}
            }
        }
        RowIndex {
            n_mat,
            n_cells,
            n_targets,
            n_demands,
            balance,
            target,
            demand,
        }
    }

    fn balance(&self, p: usize, region: usize, material: usize) -> Option<usize> {
        Some(self.balance[p * self.n_cells + region * self.n_mat + material]).filter(|&i| i != usize::MAX)
    }

    /// The row that carries demand `d` in period `p`: its `demand[d]` row with tracking, its
    /// balance row without.
    fn demand(&self, p: usize, d: usize, dem: &sourcing_models::Demand) -> Option<usize> {
        match self.n_demands > 0 && self.demand[p * self.n_demands + d] != usize::MAX {
            true => Some(self.demand[p * self.n_demands + d]),
            false => self.balance(p, dem.region, dem.material),
        }
    }

    fn target(&self, p: usize, t: usize) -> usize {
        self.target[p * self.n_targets + t]
    }
}

/// The delivered price at a balance row. One more tonne of demand at (r, a) also raises the
/// consumption of every target that covers it in the same period, loosening its row by
/// `s_t`: the delivered price adds `s_t * y_t`. In annual terms of the period (divided by
/// `w_p`).
struct Pricing {
    /// Each target's scope by country, built once (prices ask for it once per balance row).
    in_scope: Vec<Vec<bool>>,
    /// The right derivative of each target's row, by period x target.
    target_price: Vec<Option<f64>>,
}

impl Pricing {
    fn new(cx: &Context, rows: &RowIndex) -> Self {
        let n = cx.inst.targets.len();
        Pricing {
            in_scope: (0..n).map(|t| target_membership(cx.inst, t).0).collect(),
            target_price: rows
                .target
                .iter()
                .map(|&i| cx.right.get(i).copied().flatten())
                .collect(),
        }
    }

    fn demand_price(&self, cx: &Context, p: usize, balance: f64, region: usize, material: usize) -> Option<f64> {
        let inst = cx.inst;
        let n = inst.targets.len();
        let mut price = balance;
        for (t, target) in inst.targets.iter().enumerate() {
            if target.material == material && self.in_scope[t][inst.regions[region].country] {
                price += target.max_import_share.at(p) * self.target_price[p * n + t]?;
            }
        }
        Some(cx.annual(p, price))
    }
}

/// The annual cost breakdown of period `p` (USD/yr, not weighted): each category summed
/// over its entries in instance order. Expansion is charged in every period its capacity
/// exists.
fn costs(cx: &Context, p: usize) -> Costs {
    let (inst, cols) = (cx.inst, &cx.cols[p]);
    let mut costs = Costs::default();
    for (m, mine) in inst.mines.iter().enumerate() {
        let u = inst.mine_unit_cost(m, p);
        let q = cx.val(cols.prod[m]);
        costs.mining += u.mining * q;
        costs.royalties += u.royalty * q;
        costs.fees += u.fee * q;
        costs.income_tax += u.income_tax * q;
        if let (Some(e), Some(x)) = (cx.added(p, |c| c.mexp[m]), mine.expansion) {
            costs.mine_expansion += x.cost * e;
        }
    }
    for (k, plant) in inst.plants.iter().enumerate() {
        costs.processing += plant.cost.at(p) * cx.sum(cols.proc_of(k));
        if let (Some(e), Some(x)) = (cx.added(p, |c| c.pexp[k]), plant.expansion) {
            costs.plant_expansion += x.cost * e;
        }
    }
    for (i, offer) in inst.imports.iter().enumerate() {
        costs.imports += offer.price.at(p) * cx.val(cols.buy[i]);
    }
    for &Ship {
        lane,
        dir,
        material: a,
        class,
        col: c,
    } in &cols.ship
    {
        let q = cx.val(c);
        if q == 0.0 {
            continue;
        }
        let (from, to) = cx.ends(lane, dir);
        let unit = ship_unit_costs(inst, lane as usize, from, to, a as usize, class as usize, p);
        costs.transport += unit.transport * q;
        costs.tariffs += unit.tariff * q;
        costs.in_transit += unit.in_transit * q;
    }
    for (d, dem) in inst.demands.iter().enumerate() {
        let unmet = cols.unmet[d].map(|c| cx.val(c)).unwrap_or(0.0);
        costs.unmet_penalty += dem.unmet_penalty.as_ref().map_or(0.0, |pen| pen.at(p)) * unmet;
    }
    if is_schema_2(inst) {
        let held = inst.stockpiles.iter().enumerate();
        costs.stockpile = Some(held.map(|(s, st)| st.holding_cost * cx.sum(cols.level_of(s))).sum());
    }
    costs
}

fn mines(cx: &Context, p: usize) -> Vec<MineRow> {
    let (inst, cols) = (cx.inst, &cx.cols[p]);
    let mut mines = Vec::with_capacity(inst.mines.len());
    for (m, mine) in inst.mines.iter().enumerate() {
        let q = cx.val(cols.prod[m]);
        let e = cx.added(p, |c| c.mexp[m]);
        let capacity = mine.capacity.at(p);
        mines.push(MineRow {
            id: mine.id.clone(),
            period: cx.year(p),
            region: inst.regions[mine.region].id.clone(),
            material: inst.materials[mine.material].id.clone(),
            production_t: q,
            capacity_t: capacity,
            expansion_t: e,
            utilisation: ratio(q, capacity + e.unwrap_or(0.0)),
            unit_cost: inst.mine_unit_cost(m, p).total(),
        });
    }
    mines
}

fn plants(cx: &Context, p: usize) -> Vec<PlantRow> {
    let (inst, cols) = (cx.inst, &cx.cols[p]);
    let mut plants = Vec::with_capacity(inst.plants.len());
    for (k, plant) in inst.plants.iter().enumerate() {
        let q = cx.sum(cols.proc_of(k));
        let e = cx.added(p, |c| c.pexp[k]);
        let capacity = plant.capacity.at(p);
        plants.push(PlantRow {
            id: plant.id.clone(),
            period: cx.year(p),
            region: inst.regions[plant.region].id.clone(),
            input: inst.materials[plant.input].id.clone(),
            output: inst.materials[plant.output].id.clone(),
            input_t: q,
            output_t: q * plant.yield_,
            capacity_t: capacity,
            expansion_t: e,
            utilisation: ratio(q, capacity + e.unwrap_or(0.0)),
            unit_cost: plant.cost.at(p),
            input_by_origin: cx.by_origin(cols.proc_of(k)),
        });
    }
    plants
}

fn imports(cx: &Context, p: usize) -> Vec<ImportRow> {
    let (inst, cols) = (cx.inst, &cx.cols[p]);
    let mut imports = Vec::with_capacity(inst.imports.len());
    for (i, offer) in inst.imports.iter().enumerate() {
        let q = cx.val(cols.buy[i]);
        let capacity = offer.capacity.as_ref().map(|c| c.at(p));
        imports.push(ImportRow {
            id: offer.id.clone(),
            period: cx.year(p),
            region: inst.regions[offer.region].id.clone(),
            material: inst.materials[offer.material].id.clone(),
            origin: inst.countries[offer.origin].id.clone(),
            bought_t: q,
            capacity_t: capacity,
            utilisation: capacity.map(|c| ratio(q, c)),
            unit_cost: offer.price.at(p),
        });
    }
    imports
}

fn shipments(cx: &Context, p: usize) -> Vec<ShipmentRow> {
    let inst = cx.inst;
    let mut shipments = Vec::new();
    // Interior-point noise is judged against the rows a flow enters, not the whole plan: a
    // 0.001 t flow is real in a model that also moves 1e9 t (see `NOISE`).
    let scales = if cx.has_x {
        crate::lp::check::column_scales(cx.lp, &cx.solved.x)
    } else {
        Vec::new()
    };
    for &Ship {
        lane,
        dir,
        material: a,
        class,
        col: c,
    } in &cx.cols[p].ship
    {
        let q = cx.val(c);
        if q == 0.0 {
            continue;
        }
        // The floor of 1 t is the contract's own: rows are held to 1e-6 of max(1 t, ...),
        // so a route whose rows carry only interior-point dust (1e-15 t) is not a shipment.
        if q <= crate::lp::check::NOISE * scales[c as usize].max(1.0) {
            continue;
        }
        let l = &inst.lanes[lane as usize];
        let (from, to) = cx.ends(lane, dir);
        let unit = ship_unit_costs(inst, lane as usize, from, to, a as usize, class as usize, p);
        shipments.push(ShipmentRow {
            lane: l.id.clone(),
            period: cx.year(p),
            from: inst.regions[from].id.clone(),
            to: inst.regions[to].id.clone(),
            mode: l.mode.clone(),
            material: inst.materials[a as usize].id.clone(),
            tonnes: q,
            transport_cost: unit.transport * q,
            tariff_paid: unit.tariff * q,
            in_transit_cost: unit.in_transit * q,
            origin: inst.class_name(class as usize).cloned(),
        });
    }
    shipments
}

fn demands(cx: &Context, rows: &RowIndex, pricing: &Pricing, p: usize) -> Vec<DemandRow> {
    let (inst, cols) = (cx.inst, &cx.cols[p]);
    let mut demands = Vec::with_capacity(inst.demands.len());
    for (d, dem) in inst.demands.iter().enumerate() {
        let unmet = cols.unmet[d].map(|c| cx.val(c)).unwrap_or(0.0);
        let quantity = dem.quantity.at(p);
        demands.push(DemandRow {
            id: dem.id.clone(),
            period: cx.year(p),
            region: inst.regions[dem.region].id.clone(),
            material: inst.materials[dem.material].id.clone(),
            quantity,
            served: quantity - unmet,
            unmet,
            marginal_cost: rows
                .demand(p, d, dem)
                .and_then(|i| cx.right(i))
                .and_then(|price| pricing.demand_price(cx, p, price, dem.region, dem.material)),
            served_by_origin: cx.by_origin(cols.serve_of(d)),
        });
    }
    demands
}

/// The imports into a target's scope from its source countries, and the consumption in its
/// scope (demand served plus plant input plus stockpile injections), of the target's
/// material in period `p`, t/yr: the model's own [`crate::model::formulate::TargetTerms`],
/// evaluated at the plan.
fn target_imports_and_consumption(cx: &Context, t: usize, p: usize) -> (f64, f64) {
    let terms = &cx.solved.model.targets[p][t];
    if cx.has_x {
        (terms.imports(&cx.solved.x), terms.consumption(&cx.solved.x))
    } else {
        (0.0, terms.demand())
    }
}

fn targets(cx: &Context, rows: &RowIndex, p: usize) -> Vec<TargetRow> {
    let inst = cx.inst;
    let mut targets = Vec::with_capacity(inst.targets.len());
    for (t, target) in inst.targets.iter().enumerate() {
        let (imp, cons) = target_imports_and_consumption(cx, t, p);
        let i = rows.target(p, t);
        let binding = cx.binding(i);
        // d cost / d share = dual * C_t (relaxing the share by ds raises the row's slack by
        // C_t ds), with the row's right derivative: the price of relaxing, the same one-sided
        // value as the row's `marginal_value` (a degenerate plan has several duals).
        // A cap of 1 cannot be relaxed: its value is 0 whatever dual a degenerate row carries
        // (an interior-point dual of `I_t - C_t <= 0` when every tonne is imported is arbitrary).
        // Where several plans are optimal, `C_t` is the largest over them (ranging computes
        // it: `Sensitivity::use_max`; null when it could not), not this plan's.
        let share = target.max_import_share.at(p);
        let most = cx.solved.sensitivity.as_ref().and_then(|s| s.use_max.get(&i).copied());
        // A negative largest `C_t` (net releases) reads the row's tightening price instead.
        let mv = match (share >= 1.0, most) {
            (true, _) => cx.right(i).map(|_| 0.0),
            (false, Some(c)) if c < 0.0 => cx.left(i).map(|y| cx.annual(p, -y * c)),
            (false, Some(c)) => cx.right(i).filter(|_| c.is_finite()).map(|y| cx.annual(p, -y * c)),
            (false, None) => cx.right(i).map(|y| cx.annual(p, -y * cons)),
        };
        targets.push(TargetRow {
            id: target.id.clone(),
            period: cx.year(p),
            material: inst.materials[target.material].id.clone(),
            scope: SmolStr::new(inst.party_id(target.scope)),
            max_import_share: share,
            achieved_share: ratio(imp, cons),
            imports: imp,
            consumption: cons,
            binding,
            marginal_value: mv,
            marginal_value_per_point: mv.map(|v| v / 100.0),
        });
    }
    targets
}

/// The investment plan: for every facility and period in which capacity comes online, how
/// much (t/yr), in facility order (mines, then plants), then year.
fn builds(cx: &Context) -> Vec<BuildRow> {
    let inst = cx.inst;
    let mut out = Vec::new();
    let mut push =
        |id: &SmolStr, kind: &str, exp: Option<sourcing_models::Expansion>, col: &dyn Fn(&Columns) -> Option<u32>| {
            let Some(e) = exp else { return };
            for (p, c) in cx.cols.iter().enumerate() {
                let added = col(c).map_or(0.0, |c| cx.val(c));
                if added > crate::lp::check::NOISE * e.max.max(1.0) {
                    out.push(BuildRow {
                        facility: id.clone(),
                        kind: kind.into(),
                        period: cx.year(p),
                        capacity_added: added,
                        lead_time: e.lead_time,
                        earliest: inst.first_build_period(e.lead_time).and_then(|q| cx.year(q)),
                    });
                }
            }
        };
    for (m, mine) in inst.mines.iter().enumerate() {
        push(&mine.id, "mine", mine.expansion, &|c: &Columns| c.mexp[m]);
    }
    for (k, plant) in inst.plants.iter().enumerate() {
        push(&plant.id, "plant", plant.expansion, &|c: &Columns| c.pexp[k]);
    }
    out
}

/// Each stockpile at the end of each period, in stockpile order, then period.
fn stockpiles(cx: &Context) -> Vec<StockpileRow> {
    let inst = cx.inst;
    let mut out = Vec::new();
    for (s, st) in inst.stockpiles.iter().enumerate() {
        for (p, c) in cx.cols.iter().enumerate() {
            out.push(StockpileRow {
                id: st.id.clone(),
                region: inst.regions[st.region].id.clone(),
                material: inst.materials[st.material].id.clone(),
                period: cx.year(p),
                level_t: tidy(cx.sum(c.level_of(s))),
                injected_t: tidy(cx.sum(c.inject_of(s))),
                released_t: tidy(cx.sum(c.release_of(s))),
                capacity_t: st.capacity,
                min_level_t: st.min_level.at(p),
                level_by_origin: cx.by_origin(c.level_of(s)),
            });
        }
    }
    out
}

/// Every row of the model (52,000 at 100k variables): one name and one row each.
fn constraints(cx: &Context) -> Vec<ConstraintRow> {
    let (inst, lp) = (cx.inst, cx.lp);
    // The unit of each row, one string per material for the balances.
    let balance_units: Vec<SmolStr> = (0..inst.materials.len())
        .map(|a| {
            RowKey::Balance {
                region: 0,
                material: a as u32,
            }
            .unit(inst)
            .into()
        })
        .collect();
    let mut constraints = Vec::with_capacity(lp.n_rows());
    for (i, key) in lp.rows().iter().enumerate() {
        let activity = if cx.has_x { cx.solved.activities[i] } else { 0.0 };
        constraints.push(ConstraintRow {
            name: lp.row_name(i, inst),
            kind: key.kind(),
            sense: lp.senses()[i].symbol(),
            activity: tidy(activity),
            rhs: lp.rhs()[i],
            slack: if cx.has_x { tidy(slack(lp, i, activity)) } else { 0.0 },
            binding: cx.binding(i),
            dual: cx.dual(i),
            marginal_value: marginal_value(cx, i),
            unit: match *key {
                RowKey::Balance { material, .. } => balance_units[material as usize].clone(),
                _ => key.unit(inst).into(),
            },
        });
    }
    constraints
}

/// What relaxing a limit by one unit saves: one more unit of a `<=` row (minus its right
/// derivative), one unit less of a `>=` floor (its left derivative); none for an equality.
fn marginal_value(cx: &Context, i: usize) -> Option<f64> {
    match cx.lp.senses()[i] {
        Sense::Le => cx.right(i).map(|v| tidy(-v)),
        Sense::Ge => cx.left(i),
        Sense::Eq => None,
    }
}

/// The delivered price at every balance row, in model order.
fn prices(cx: &Context, pricing: &Pricing) -> Vec<PriceRow> {
    let inst = cx.inst;
    let mut prices = Vec::new();
    for (i, key) in cx.lp.rows().iter().enumerate() {
        if let RowKey::Balance { region, material } = *key {
            let (region, material) = (region as usize, material as usize);
            let p = cx.lp.row_period(i);
            // With tracking a balance carries no demand (the `demand` rows do): its price is
            // that of one more tonne of its class used there, and moves no target.
            let marginal_cost = match inst.origin.is_some() {
                true => cx.right(i).map(|v| cx.annual(p, v)),
                false => cx
                    .right(i)
                    .and_then(|price| pricing.demand_price(cx, p, price, region, material)),
            };
            prices.push(PriceRow {
                region: inst.regions[region].id.clone(),
                period: cx.year(p),
                material: inst.materials[material].id.clone(),
                origin: inst.class_name(cx.lp.row_class(i)).cloned(),
                marginal_cost,
            });
        }
    }
    prices
}

/// The names of the binding constraints (`constraints`, one per model row), most valuable
/// first, then in model order.
fn binding(cx: &Context, constraints: &[ConstraintRow]) -> Vec<String> {
    let mut binding: Vec<(f64, usize)> = constraints
        .iter()
        .enumerate()
        .filter(|(_, c)| c.binding)
        .map(|(i, c)| {
            let value = c.marginal_value.or(cx.right(i));
            (value.map(|v| v.abs()).unwrap_or(0.0), i)
        })
        .collect();
    binding.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(&b.1))
    });
    binding.into_iter().map(|(_, i)| constraints[i].name.clone()).collect()
}

/// Why the run is not optimal: the solver's word, or the row nothing can supply.
fn message(inst: &Instance, solved: &Solved) -> Option<String> {
    let lp = &solved.model.lp;
    solved.message.clone().or_else(|| {
        solved.empty_row.map(|i| {
            format!(
                "`{}` has nothing that can supply it but requires {} t/yr",
                lp.row_name(i, inst),
                lp.rhs()[i]
            )
        })
    })
}

fn solver_info(solved: &Solved) -> SolverInfo {
    let lp = &solved.model.lp;
    SolverInfo {
        backend: solved.backend.to_string(),
        variables: lp.n_vars(),
        constraints: lp.n_rows(),
        nonzeros: lp.nnz(),
        read_ms: 0.0,
        validate_ms: 0.0,
        build_ms: solved.build_ms,
        solve_ms: solved.solve_ms,
        duals_ms: solved.duals_ms,
        ranging_ms: solved.ranging_ms,
        max_violation: solved.max_violation.is_finite().then_some(solved.max_violation),
        max_relative_violation: solved.max_rel_violation.is_finite().then_some(solved.max_rel_violation),
        duals: solved.dual_method.clone(),
        duality_gap: solved.certificate.as_ref().map(|c| c.relative_gap),
        ranging: match (&solved.sensitivity, &solved.sensitivity_note) {
            (Some(s), Some(note)) => Some(format!("{}; {note}", s.method)),
            (Some(s), None) => Some(s.method.to_string()),
            (None, note) => note.clone(),
        },
        fallback: solved.fallback.clone(),
        method: solved.solve_note.clone(),
    }
}
fn ranging(inst: &Instance, solved: &Solved, s: &Sensitivity) -> Ranging {
    let lp = &solved.model.lp;
    let y = &s.duals;
    Ranging {
        method: s.method.to_string(),
        constraints: s
            .rows
            .iter()
            .map(|r| RowRange {
                name: lp.row_name(r.row, inst),
                // The report's dual (the same in every section); the basis's own may be
                // another optimal dual where prices are not unique.
                dual: tidy(solved.duals.as_ref().map_or(y[r.row], |d| d[r.row])),
                dual_low: finite(r.price_low).map(tidy),
                dual_high: finite(r.price_high).map(tidy),
                not_computed: [("dual_low", r.price_low), ("dual_high", r.price_high)]
                    .into_iter()
                    .filter(|(_, v)| v.is_nan())
                    .map(|(k, _)| k)
                    .collect(),
                unique: r.price_low.is_finite()
                    && r.price_high.is_finite()
                    && (r.price_high - r.price_low).abs() <= 1e-6 * r.price_low.abs().max(1.0),
                rhs: lp.rhs()[r.row],
                rhs_low: finite(r.rhs.lower).map(tidy),
                rhs_high: finite(r.rhs.upper).map(tidy),
            })
            .collect(),
        costs: s
            .cols
            .iter()
            .map(|c| CostRange {
                variable: lp.var_name(c.col, inst),
                value: solved.x[c.col],
                cost: lp.obj()[c.col],
                cost_low: finite(c.cost.lower).map(tidy),
                cost_high: finite(c.cost.upper).map(tidy),
            })
            .collect(),
        alternative_optimum: s.alternative.map(|(j, t)| AlternativeOptimum {
            variable: lp.var_name(j, inst),
            tonnes: t,
        }),
    }
}
