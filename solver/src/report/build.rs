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
        costs: Costs::default(),
        mines: Vec::new(),
        plants: Vec::new(),
        imports: Vec::new(),
        shipments: Vec::new(),
        demands: Vec::new(),
        targets: Vec::new(),
        constraints: Vec::new(),
        prices: Vec::new(),
        binding: Vec::new(),
        ranging: None,
        diagnosis: None,
        solver: solver_info(solved),
    };
    if optimal {
        plan_sections(inst, solved, &mut report);
    }
    report
}

/// The sections of an optimal plan.
fn plan_sections(inst: &Instance, solved: &Solved, report: &mut Report) {
    let cx = Context::new(inst, solved);
    let rows = RowIndex::new(inst, cx.lp);
    let pricing = Pricing::new(&cx, &rows);
    report.objective = Some(solved.objective);
    report.costs = costs(&cx);
    report.mines = mines(&cx);
    report.plants = plants(&cx);
    report.imports = imports(&cx);
    report.shipments = shipments(&cx);
    report.demands = demands(&cx, &rows, &pricing);
    report.targets = targets(&cx, &rows);
    report.constraints = constraints(&cx);
    report.prices = prices(&cx, &pricing);
    report.binding = binding(&cx, &report.constraints);
    report.ranging = solved.sensitivity.as_ref().map(|s| ranging(inst, solved, s));
}

/// What every section of an optimal plan reads: the instance, the model and the solution.
struct Context<'a> {
    inst: &'a Instance,
    solved: &'a Solved,
    lp: &'a Lp,
    cols: &'a Columns,
    has_x: bool,
    /// Right derivative of the cost in each row's right-hand side: the price of one more
    /// unit (relaxing a limit, one more tonne of demand). Equal to the dual when the price
    /// is unique.
    right: Vec<Option<f64>>,
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
        if let Some(s) = &solved.sensitivity {
            for r in &s.rows {
                right[r.row] = finite(r.price_high).map(tidy);
            }
        }
        Context {
            inst,
            solved,
            lp,
            cols: &solved.model.cols,
            has_x: !solved.x.is_empty(),
            right,
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

    fn dual(&self, i: usize) -> Option<f64> {
        self.solved.duals.as_ref().map(|d| tidy(d[i]))
    }

    fn right(&self, i: usize) -> Option<f64> {
        self.right[i]
    }

    /// The regions a shipment column leaves and enters.
    fn ends(&self, lane: u32, dir: Dir) -> (usize, usize) {
        dir.endpoints(&self.inst.lanes[lane as usize])
    }
}

/// Row lookups by key, built once: balances by region x material (an index, not a hash).
struct RowIndex {
    n_mat: usize,
    balance: Vec<usize>,
    target: Vec<usize>,
}

impl RowIndex {
    fn new(inst: &Instance, lp: &Lp) -> Self {
        let n_mat = inst.materials.len();
        let mut balance = vec![usize::MAX; inst.regions.len() * n_mat];
        let mut target = vec![usize::MAX; inst.targets.len()];
        for (i, key) in lp.rows().iter().enumerate() {
            match *key {
                RowKey::Balance { region, material } => {
                    balance[region as usize * n_mat + material as usize] = i;
                }
                RowKey::Target(t) => target[t as usize] = i,
                _ => {}
            }
        }
        RowIndex { n_mat, balance, target }
    }

    fn balance(&self, region: usize, material: usize) -> Option<usize> {
        Some(self.balance[region * self.n_mat + material]).filter(|&i| i != usize::MAX)
    }
}

/// The delivered price at a balance row. One more tonne of demand at (r, a) also raises the
/// consumption of every target that covers it, loosening its row by `s_t`: the delivered
/// price adds `s_t * y_t`.
struct Pricing {
    /// Each target's scope by country, built once (prices ask for it once per balance row).
    in_scope: Vec<Vec<bool>>,
    /// The right derivative of each target's row.
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

    fn demand_price(&self, inst: &Instance, balance: f64, region: usize, material: usize) -> Option<f64> {
        let mut p = balance;
        for (t, target) in inst.targets.iter().enumerate() {
            if target.material == material && self.in_scope[t][inst.regions[region].country] {
                p += target.max_import_share * self.target_price[t]?;
            }
        }
        Some(tidy(p))
    }
}

/// The cost breakdown: each category summed over its entries in instance order.
fn costs(cx: &Context) -> Costs {
    let (inst, cols) = (cx.inst, cx.cols);
    let mut costs = Costs::default();
    for (m, mine) in inst.mines.iter().enumerate() {
        let u = inst.mine_unit_cost(m);
        let q = cx.val(cols.prod[m]);
        costs.mining += u.mining * q;
        costs.royalties += u.royalty * q;
        costs.fees += u.fee * q;
        costs.income_tax += u.income_tax * q;
        if let (Some(e), Some(x)) = (cols.mexp[m].map(|c| cx.val(c)), mine.expansion) {
            costs.mine_expansion += x.cost * e;
        }
    }
    for (p, plant) in inst.plants.iter().enumerate() {
        costs.processing += plant.cost * cx.val(cols.proc_[p]);
        if let (Some(e), Some(x)) = (cols.pexp[p].map(|c| cx.val(c)), plant.expansion) {
            costs.plant_expansion += x.cost * e;
        }
    }
    for (i, offer) in inst.imports.iter().enumerate() {
        costs.imports += offer.price * cx.val(cols.buy[i]);
    }
    for &Ship {
        lane,
        dir,
        material: a,
        col: c,
    } in &cols.ship
    {
        let q = cx.val(c);
        if q == 0.0 {
            continue;
        }
        let (from, to) = cx.ends(lane, dir);
        let unit = ship_unit_costs(inst, lane as usize, from, to, a as usize);
        costs.transport += unit.transport * q;
        costs.tariffs += unit.tariff * q;
        costs.in_transit += unit.in_transit * q;
    }
    for (d, dem) in inst.demands.iter().enumerate() {
        let unmet = cols.unmet[d].map(|c| cx.val(c)).unwrap_or(0.0);
        costs.unmet_penalty += dem.unmet_penalty.unwrap_or(0.0) * unmet;
    }
    costs
}

fn mines(cx: &Context) -> Vec<MineRow> {
    let (inst, cols) = (cx.inst, cx.cols);
    let mut mines = Vec::with_capacity(inst.mines.len());
    for (m, mine) in inst.mines.iter().enumerate() {
        let q = cx.val(cols.prod[m]);
        let e = cols.mexp[m].map(|c| cx.val(c));
        mines.push(MineRow {
            id: mine.id.clone(),
            region: inst.regions[mine.region].id.clone(),
            material: inst.materials[mine.material].id.clone(),
            production_t: q,
            capacity_t: mine.capacity,
            expansion_t: e,
            utilisation: ratio(q, mine.capacity + e.unwrap_or(0.0)),
            unit_cost: inst.mine_unit_cost(m).total(),
        });
    }
    mines
}

fn plants(cx: &Context) -> Vec<PlantRow> {
    let (inst, cols) = (cx.inst, cx.cols);
    let mut plants = Vec::with_capacity(inst.plants.len());
    for (p, plant) in inst.plants.iter().enumerate() {
        let q = cx.val(cols.proc_[p]);
        let e = cols.pexp[p].map(|c| cx.val(c));
        plants.push(PlantRow {
            id: plant.id.clone(),
            region: inst.regions[plant.region].id.clone(),
            input: inst.materials[plant.input].id.clone(),
            output: inst.materials[plant.output].id.clone(),
            input_t: q,
            output_t: q * plant.yield_,
            capacity_t: plant.capacity,
            expansion_t: e,
            utilisation: ratio(q, plant.capacity + e.unwrap_or(0.0)),
            unit_cost: plant.cost,
        });
    }
    plants
}

fn imports(cx: &Context) -> Vec<ImportRow> {
    let (inst, cols) = (cx.inst, cx.cols);
    let mut imports = Vec::with_capacity(inst.imports.len());
    for (i, offer) in inst.imports.iter().enumerate() {
        let q = cx.val(cols.buy[i]);
        imports.push(ImportRow {
            id: offer.id.clone(),
            region: inst.regions[offer.region].id.clone(),
            material: inst.materials[offer.material].id.clone(),
            origin: inst.countries[offer.origin].id.clone(),
            bought_t: q,
            capacity_t: offer.capacity,
            utilisation: offer.capacity.map(|c| ratio(q, c)),
            unit_cost: offer.price,
        });
    }
    imports
}

fn shipments(cx: &Context) -> Vec<ShipmentRow> {
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
        col: c,
    } in &cx.cols.ship
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
        let unit = ship_unit_costs(inst, lane as usize, from, to, a as usize);
        shipments.push(ShipmentRow {
            lane: l.id.clone(),
            from: inst.regions[from].id.clone(),
            to: inst.regions[to].id.clone(),
            mode: l.mode.clone(),
            material: inst.materials[a as usize].id.clone(),
            tonnes: q,
            transport_cost: unit.transport * q,
            tariff_paid: unit.tariff * q,
            in_transit_cost: unit.in_transit * q,
        });
    }
    shipments
}

fn demands(cx: &Context, rows: &RowIndex, pricing: &Pricing) -> Vec<DemandRow> {
    let (inst, cols) = (cx.inst, cx.cols);
    let mut demands = Vec::with_capacity(inst.demands.len());
    for (d, dem) in inst.demands.iter().enumerate() {
        let unmet = cols.unmet[d].map(|c| cx.val(c)).unwrap_or(0.0);
        demands.push(DemandRow {
            id: dem.id.clone(),
            region: inst.regions[dem.region].id.clone(),
            material: inst.materials[dem.material].id.clone(),
            quantity: dem.quantity,
            served: dem.quantity - unmet,
            unmet,
            marginal_cost: rows
                .balance(dem.region, dem.material)
                .and_then(|i| cx.right(i))
                .and_then(|p| pricing.demand_price(inst, p, dem.region, dem.material)),
        });
    }
    demands
}

/// The imports into a target's scope from its source countries, and the consumption in its
/// scope (demand served plus plant input), of the target's material, t/yr: the model's own
/// [`crate::model::formulate::TargetTerms`], evaluated at the plan.
fn target_imports_and_consumption(cx: &Context, t: usize) -> (f64, f64) {
    let terms = &cx.solved.model.targets[t];
    if cx.has_x {
        (terms.imports(&cx.solved.x), terms.consumption(&cx.solved.x))
    } else {
        (0.0, terms.demand())
    }
}

fn targets(cx: &Context, rows: &RowIndex) -> Vec<TargetRow> {
    let inst = cx.inst;
    let mut targets = Vec::with_capacity(inst.targets.len());
    for (t, target) in inst.targets.iter().enumerate() {
        let (imp, cons) = target_imports_and_consumption(cx, t);
        let i = rows.target[t];
        let binding = cx.has_x && is_binding(cx.lp, i, cx.solved.activities[i]);
        // d cost / d share = dual * C_t (relaxing the share by ds raises the row's slack by C_t ds).
        let mv = cx.dual(i).map(|y| tidy(-y * cons));
        targets.push(TargetRow {
            id: target.id.clone(),
            material: inst.materials[target.material].id.clone(),
            scope: SmolStr::new(inst.party_id(target.scope)),
            max_import_share: target.max_import_share,
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
            binding: cx.has_x && is_binding(lp, i, activity),
            dual: cx.dual(i),
            marginal_value: if lp.senses()[i] == Sense::Le {
                cx.right(i).map(|v| tidy(-v))
            } else {
                None
            },
            unit: match *key {
                RowKey::Balance { material, .. } => balance_units[material as usize].clone(),
                _ => key.unit(inst).into(),
            },
        });
    }
    constraints
}

/// The delivered price at every balance row, in model order.
fn prices(cx: &Context, pricing: &Pricing) -> Vec<PriceRow> {
    let inst = cx.inst;
    let mut prices = Vec::new();
    for (i, key) in cx.lp.rows().iter().enumerate() {
        if let RowKey::Balance { region, material } = *key {
            let (region, material) = (region as usize, material as usize);
            prices.push(PriceRow {
                region: inst.regions[region].id.clone(),
                material: inst.materials[material].id.clone(),
                marginal_cost: cx
                    .right(i)
                    .and_then(|p| pricing.demand_price(inst, p, region, material)),
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
        .map(|(i, _)| (cx.right(i).map(|v| v.abs()).unwrap_or(0.0), i))
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
