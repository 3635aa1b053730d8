//! The report: one serde struct (`sourcing-opt/report/1`, the JSON contract of `cli.md`)
//! built from a checked solution, and renderers for text, JSON, CSV and Markdown.

mod render;

pub use render::{num, render, render_to, Format};

use crate::formulate::{ship_unit_costs, target_membership};
use crate::lp::{Dir, RowKey, Sense};
use crate::ranging::Sensitivity;
use crate::solve::{is_binding, slack, Solved, Status};
use serde::Serialize;
use smol_str::SmolStr;
use sourcing_models::Instance;

pub const SCHEMA: &str = "sourcing-opt/report/1";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub instance: InstanceInfo,
    pub status: &'static str,
    /// Why the run is not optimal, in plain words (null when optimal).
    pub message: Option<String>,
    pub objective: Option<f64>,
    pub currency: String,
    pub costs: Costs,
    pub mines: Vec<MineRow>,
    pub plants: Vec<PlantRow>,
    pub imports: Vec<ImportRow>,
    pub shipments: Vec<ShipmentRow>,
    pub demands: Vec<DemandRow>,
    pub targets: Vec<TargetRow>,
    pub constraints: Vec<ConstraintRow>,
    pub prices: Vec<PriceRow>,
    pub binding: Vec<String>,
    pub ranging: Option<Ranging>,
    pub diagnosis: Option<crate::diagnose::Diagnosis>,
    pub solver: SolverInfo,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstanceInfo {
    pub name: String,
    pub path: String,
    pub sha256: String,
    pub overrides: Vec<String>,
    pub scenario: Option<String>,
}

/// Cost breakdown, USD/yr; the categories sum to the objective.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Costs {
    pub mining: f64,
    pub royalties: f64,
    pub fees: f64,
    pub income_tax: f64,
    pub mine_expansion: f64,
    pub processing: f64,
    pub plant_expansion: f64,
    pub imports: f64,
    pub transport: f64,
    pub tariffs: f64,
    pub unmet_penalty: f64,
}

impl Costs {
    pub fn entries(&self) -> [(&'static str, f64); 11] {
        [
            ("mining", self.mining),
            ("royalties", self.royalties),
            ("fees", self.fees),
            ("income_tax", self.income_tax),
            ("mine_expansion", self.mine_expansion),
            ("processing", self.processing),
            ("plant_expansion", self.plant_expansion),
            ("imports", self.imports),
            ("transport", self.transport),
            ("tariffs", self.tariffs),
            ("unmet_penalty", self.unmet_penalty),
        ]
    }

    pub fn total(&self) -> f64 {
        self.entries().iter().map(|e| e.1).sum()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MineRow {
    pub id: SmolStr,
    pub region: SmolStr,
    pub material: SmolStr,
    pub production_t: f64,
    pub capacity_t: f64,
    pub expansion_t: Option<f64>,
    pub utilisation: f64,
    /// cost + royalty + fee + income tax, USD/t
    pub unit_cost: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlantRow {
    pub id: SmolStr,
    pub region: SmolStr,
    pub input: SmolStr,
    pub output: SmolStr,
    pub input_t: f64,
    pub output_t: f64,
    pub capacity_t: f64,
    pub expansion_t: Option<f64>,
    pub utilisation: f64,
    /// USD per t input
    pub unit_cost: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportRow {
    pub id: SmolStr,
    pub region: SmolStr,
    pub material: SmolStr,
    pub origin: SmolStr,
    pub bought_t: f64,
    pub capacity_t: Option<f64>,
    pub utilisation: Option<f64>,
    pub unit_cost: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShipmentRow {
    pub lane: SmolStr,
    pub from: SmolStr,
    pub to: SmolStr,
    pub mode: SmolStr,
    pub material: SmolStr,
    pub tonnes: f64,
    pub transport_cost: f64,
    pub tariff_paid: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemandRow {
    pub id: SmolStr,
    pub region: SmolStr,
    pub material: SmolStr,
    pub quantity: f64,
    pub served: f64,
    pub unmet: f64,
    pub marginal_cost: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetRow {
    pub id: SmolStr,
    pub material: SmolStr,
    pub scope: SmolStr,
    pub max_import_share: f64,
    pub achieved_share: f64,
    pub imports: f64,
    pub consumption: f64,
    pub binding: bool,
    pub marginal_value: Option<f64>,
    pub marginal_value_per_point: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConstraintRow {
    pub name: String,
    pub kind: &'static str,
    pub sense: &'static str,
    pub activity: f64,
    pub rhs: f64,
    pub slack: f64,
    pub binding: bool,
    pub dual: Option<f64>,
    /// For `<=` limits: cost saved per unit of relaxation (>= 0), the right derivative.
    pub marginal_value: Option<f64>,
    pub unit: SmolStr,
}

/// Sensitivity ranges. `null` bounds are unbounded (infinite) ends.
#[derive(Debug, Clone, Serialize)]
pub struct Ranging {
    pub method: String,
    pub constraints: Vec<RowRange>,
    pub costs: Vec<CostRange>,
    /// An unused flow that could carry tonnes at the same total cost: the plan is not unique.
    pub alternative_optimum: Option<AlternativeOptimum>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowRange {
    pub name: String,
    pub dual: f64,
    /// Smallest and largest price over all optimal duals (left and right derivatives).
    pub dual_low: Option<f64>,
    pub dual_high: Option<f64>,
    pub unique: bool,
    pub rhs: f64,
    /// Right-hand-side interval over which `dual` holds.
    pub rhs_low: Option<f64>,
    pub rhs_high: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CostRange {
    pub variable: String,
    pub value: f64,
    pub cost: f64,
    /// Cost interval over which the plan stays optimal.
    pub cost_low: Option<f64>,
    pub cost_high: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlternativeOptimum {
    pub variable: String,
    pub tonnes: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PriceRow {
    pub region: SmolStr,
    pub material: SmolStr,
    pub marginal_cost: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SolverInfo {
    pub backend: String,
    pub variables: usize,
    pub constraints: usize,
    pub nonzeros: usize,
    /// Time to read and parse the instance file, and to apply the overrides and validate it
    /// (set by `solve`; 0 where a command reports points of one file read once).
    pub read_ms: f64,
    pub validate_ms: f64,
    pub build_ms: f64,
    pub solve_ms: f64,
    /// Time to obtain and certify the duals, and of the ranging (0 when not computed).
    pub duals_ms: f64,
    pub ranging_ms: f64,
    /// Largest absolute constraint violation of the returned solution, measured by us.
    pub max_violation: Option<f64>,
    /// The same relative to max(1, |rhs|) of the row.
    pub max_relative_violation: Option<f64>,
    pub duals: Option<String>,
    /// Relative duality gap of the reported duals, measured by us.
    pub duality_gap: Option<f64>,
    /// How ranging was computed, or why it is absent.
    pub ranging: Option<String>,
    /// Set when `--backend auto` had to fall back on a second backend, and why.
    pub fallback: Option<String>,
}

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

pub fn build(inst: &Instance, solved: &Solved, info: InstanceInfo) -> Report {
    let lp = &solved.model.lp;
    let cols = &solved.model.cols;
    let has_x = !solved.x.is_empty();
    let val = |c: u32| if has_x { solved.x[c as usize] } else { 0.0 };
    let optimal = solved.status == Status::Optimal;
    let dual = |i: usize| solved.duals.as_ref().map(|d| tidy(d[i]));
    // Right derivative of the cost in the row's right-hand side: the price of one more unit
    // (relaxing a limit, one more tonne of demand). Equal to `dual` when the price is unique.
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
    let right = |i: usize| if optimal { right[i] } else { None };

    let mut costs = Costs::default();
    let mut mines = Vec::new();
    for (m, mine) in inst.mines.iter().enumerate() {
        let u = inst.mine_unit_cost(m);
        let q = val(cols.prod[m]);
        let e = cols.mexp[m].map(val);
        costs.mining += u.mining * q;
        costs.royalties += u.royalty * q;
        costs.fees += u.fee * q;
        costs.income_tax += u.income_tax * q;
        if let (Some(e), Some(x)) = (e, mine.expansion) {
            costs.mine_expansion += x.cost * e;
        }
        mines.push(MineRow {
            id: mine.id.clone(),
            region: inst.regions[mine.region].id.clone(),
            material: inst.materials[mine.material].id.clone(),
            production_t: q,
            capacity_t: mine.capacity,
            expansion_t: e,
            utilisation: ratio(q, mine.capacity + e.unwrap_or(0.0)),
            unit_cost: u.total(),
        });
    }
    let mut plants = Vec::new();
    for (p, plant) in inst.plants.iter().enumerate() {
        let q = val(cols.proc_[p]);
        let e = cols.pexp[p].map(val);
        costs.processing += plant.cost * q;
        if let (Some(e), Some(x)) = (e, plant.expansion) {
            costs.plant_expansion += x.cost * e;
        }
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
    let mut imports = Vec::new();
    for (i, offer) in inst.imports.iter().enumerate() {
        let q = val(cols.buy[i]);
        costs.imports += offer.price * q;
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
    let mut shipments = Vec::new();
    // Interior-point noise is judged against the rows a flow enters, not the whole plan: a
    // 0.001 t flow is real in a model that also moves 1e9 t (see `NOISE`).
    let scales = if has_x {
        crate::duals::column_scales(lp, &solved.x)
    } else {
        Vec::new()
    };
    for &(lane, dir, a, c) in &cols.ship {
        let q = val(c);
        if q == 0.0 {
            continue;
        }
        let l = &inst.lanes[lane as usize];
        let (from, to) = match dir {
            Dir::Forward => (l.from, l.to),
            Dir::Backward => (l.to, l.from),
        };
        let (transport, tariff) = ship_unit_costs(inst, lane as usize, from, to, a as usize);
        costs.transport += transport * q;
        costs.tariffs += tariff * q;
        // The floor of 1 t is the contract's own: rows are held to 1e-6 of max(1 t, ...),
        // so a route whose rows carry only interior-point dust (1e-15 t) is not a shipment.
        if q <= crate::solve::NOISE * scales[c as usize].max(1.0) {
            continue;
        }
        shipments.push(ShipmentRow {
            lane: l.id.clone(),
            from: inst.regions[from].id.clone(),
            to: inst.regions[to].id.clone(),
            mode: l.mode.clone(),
            material: inst.materials[a as usize].id.clone(),
            tonnes: q,
            transport_cost: transport * q,
            tariff_paid: tariff * q,
        });
    }

    // Row lookups by key, built once: balances by region x material (an index, not a hash).
    let n_mat = inst.materials.len();
    let mut balance_row = vec![usize::MAX; inst.regions.len() * n_mat];
    let mut target_row = vec![usize::MAX; inst.targets.len()];
    for (i, key) in lp.rows.iter().enumerate() {
        match *key {
            RowKey::Balance { region, material } => {
                balance_row[region as usize * n_mat + material as usize] = i;
            }
            RowKey::Target(t) => target_row[t as usize] = i,
            _ => {}
        }
    }

    // One more tonne of demand at (r, a) also raises the consumption of every target that
    // covers it, loosening its row by `s_t`: the delivered price adds `s_t * y_t`.
    // Each target's scope by country, built once (prices ask for it once per balance row).
    let in_scope: Vec<Vec<bool>> = (0..inst.targets.len()).map(|t| target_membership(inst, t).0).collect();
    let demand_price = |balance: f64, region: usize, material: usize| -> Option<f64> {
        let mut p = balance;
        for (t, target) in inst.targets.iter().enumerate() {
            if target.material == material && in_scope[t][inst.regions[region].country] {
                p += target.max_import_share * right(target_row[t])?;
            }
        }
        Some(tidy(p))
    };
    let mut demands = Vec::new();
    for (d, dem) in inst.demands.iter().enumerate() {
        let unmet = cols.unmet[d].map(val).unwrap_or(0.0);
        let row = Some(balance_row[dem.region * n_mat + dem.material]).filter(|&i| i != usize::MAX);
        costs.unmet_penalty += dem.unmet_penalty.unwrap_or(0.0) * unmet;
        demands.push(DemandRow {
            id: dem.id.clone(),
            region: inst.regions[dem.region].id.clone(),
            material: inst.materials[dem.material].id.clone(),
            quantity: dem.quantity,
            served: dem.quantity - unmet,
            unmet,
            marginal_cost: row
                .and_then(right)
                .and_then(|p| demand_price(p, dem.region, dem.material)),
        });
    }

    let mut targets = Vec::new();
    for (t, target) in inst.targets.iter().enumerate() {
        let (in_scope, is_source) = target_membership(inst, t);
        let a = target.material;
        let mut imp = 0.0;
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
                imp += val(c);
            }
        }
        for (i, offer) in inst.imports.iter().enumerate() {
            if offer.material == a && in_scope[inst.region_country(offer.region)] && is_source[offer.origin] {
                imp += val(cols.buy[i]);
            }
        }
        let mut cons = 0.0;
        for (d, dem) in inst.demands.iter().enumerate() {
            if dem.material == a && in_scope[inst.region_country(dem.region)] {
                cons += dem.quantity - cols.unmet[d].map(val).unwrap_or(0.0);
            }
        }
        for (p, plant) in inst.plants.iter().enumerate() {
            if plant.input == a && in_scope[inst.region_country(plant.region)] {
                cons += val(cols.proc_[p]);
            }
        }
        let i = target_row[t];
        let binding = has_x && is_binding(lp, i, solved.activities[i]);
        // d cost / d share = dual * C_t (relaxing the share by ds raises the row's slack by C_t ds).
        let mv = if optimal {
            dual(i).map(|y| tidy(-y * cons))
        } else {
            None
        };
        targets.push(TargetRow {
            id: target.id.clone(),
            material: inst.materials[a].id.clone(),
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
    let mut prices = Vec::new();
    let mut binding: Vec<(f64, usize, String)> = Vec::new();
    for (i, key) in lp.rows.iter().enumerate() {
        let name = lp.row_name(i, inst);
        let activity = if has_x { solved.activities[i] } else { 0.0 };
        let is_bind = has_x && is_binding(lp, i, activity);
        let d = if optimal { dual(i) } else { None };
        if let RowKey::Balance { region, material } = *key {
            prices.push(PriceRow {
                region: inst.regions[region as usize].id.clone(),
                material: inst.materials[material as usize].id.clone(),
                marginal_cost: right(i).and_then(|p| demand_price(p, region as usize, material as usize)),
            });
        }
        if is_bind {
            binding.push((right(i).map(|v| v.abs()).unwrap_or(0.0), i, name.clone()));
        }
        constraints.push(ConstraintRow {
            name,
            kind: key.kind(),
            sense: lp.senses[i].symbol(),
            activity: tidy(activity),
            rhs: lp.rhs[i],
            slack: if has_x { tidy(slack(lp, i, activity)) } else { 0.0 },
            binding: is_bind,
            dual: d,
            marginal_value: if lp.senses[i] == Sense::Le {
                right(i).map(|v| tidy(-v))
            } else {
                None
            },
            unit: match *key {
                RowKey::Balance { material, .. } => balance_units[material as usize].clone(),
                _ => key.unit(inst).into(),
            },
        });
    }
    // Most valuable first, then model order.
    binding.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(&b.1))
    });

    let message = solved.message.clone().or_else(|| {
        solved.empty_row.map(|i| {
            format!(
                "`{}` has nothing that can supply it but requires {} t/yr",
                lp.row_name(i, inst),
                lp.rhs[i]
            )
        })
    });
    Report {
        schema: SCHEMA,
        instance: info,
        status: solved.status.as_str(),
        message,
        objective: if optimal { Some(solved.objective) } else { None },
        currency: inst.meta.currency.clone(),
        costs: if optimal { costs } else { Costs::default() },
        mines: if optimal { mines } else { Vec::new() },
        plants: if optimal { plants } else { Vec::new() },
        imports: if optimal { imports } else { Vec::new() },
        shipments: if optimal { shipments } else { Vec::new() },
        demands: if optimal { demands } else { Vec::new() },
        targets: if optimal { targets } else { Vec::new() },
        constraints: if optimal { constraints } else { Vec::new() },
        prices: if optimal { prices } else { Vec::new() },
        binding: if optimal {
            binding.into_iter().map(|b| b.2).collect()
        } else {
            Vec::new()
        },
        ranging: solved
            .sensitivity
            .as_ref()
            .filter(|_| optimal)
            .map(|s| ranging(inst, solved, s)),
        diagnosis: None,
        solver: SolverInfo {
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
            ranging: solved
                .sensitivity
                .as_ref()
                .map(|s| s.method.to_string())
                .or_else(|| solved.sensitivity_note.clone()),
            fallback: solved.fallback.clone(),
        },
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
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
                rhs: lp.rhs[r.row],
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
                cost: lp.obj[c.col],
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
