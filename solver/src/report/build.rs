//! The report of a solve, built from the instance and the checked solution.

use super::schema::*;
use crate::lp::check::{is_binding, slack};
use crate::lp::{Dir, RowKey, Sense};
use crate::model::formulate::{ship_unit_costs, target_membership, Ship};
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
        crate::lp::check::column_scales(lp, &solved.x)
    } else {
        Vec::new()
    };
    for &Ship {
        lane,
        dir,
        material: a,
        col: c,
    } in &cols.ship
    {
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
        if q <= crate::lp::check::NOISE * scales[c as usize].max(1.0) {
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
    for (i, key) in lp.rows().iter().enumerate() {
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
        for &Ship {
            lane,
            dir,
            material: mat,
            col: c,
        } in &cols.ship
        {
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
    for (i, key) in lp.rows().iter().enumerate() {
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
            sense: lp.senses()[i].symbol(),
            activity: tidy(activity),
            rhs: lp.rhs()[i],
            slack: if has_x { tidy(slack(lp, i, activity)) } else { 0.0 },
            binding: is_bind,
            dual: d,
            marginal_value: if lp.senses()[i] == Sense::Le {
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
                lp.rhs()[i]
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
