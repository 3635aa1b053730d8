//! Delivered prices checked against what we did not compute: one more tonne of each demand
//! of the shipped instance, re-solved.
//!
//! The optimal cost is convex and piecewise linear in a demand's quantity `q`, so the forward
//! difference `(cost(q + h) - cost(q)) / h` is the right derivative exactly once `h` is below
//! the first breakpoint above `q`; the right derivative is what `marginal_cost` promises ("one
//! more tonne of demand", the one-sided price where the plan is degenerate). One more tonne of
//! demand raises the balance row of its place *and* the consumption of every import target
//! covering it: the re-solve changes the instance's quantity, so it moves both, as a user's
//! `--set demands.ID.quantity=...` would.

mod common;

use common::{find, list, num, solve_optimal, text};
use serde_json::Value;
use sourcing_models::Instance;
use sourcing_opt::solve::backend::BackendChoice;
use sourcing_opt::solve::{solve, Status};
use std::sync::OnceLock;

const SHIPPED: &str = "instances/usmca_critical_minerals.toml";

/// The step of the forward difference (t/yr): well inside the range over which each price
/// holds (the report puts the first breakpoint at least 1 t above every demand of the shipped
/// instance, and the second test below checks those ranges by re-solving).
const H: f64 = 0.01;

fn load(path: &str) -> Instance {
    let full = common::root().join(path);
    let src = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    sourcing_models::load_str(&src)
        .instance
        .unwrap_or_else(|| panic!("{path} is invalid"))
}

/// Optimal cost of `inst` (the simplex, as `auto` picks at this size; ranging is not needed).
fn cost(inst: &Instance) -> f64 {
    let s = solve(inst, BackendChoice::Auto, &Default::default());
    assert_eq!(s.status, Status::Optimal, "{:?}", s.message);
    s.objective
}

/// Cost with demand `d` moved by `delta` tonnes.
fn cost_with(inst: &Instance, d: usize, delta: f64) -> f64 {
    let mut moved = inst.clone();
    moved.demands[d].quantity = moved.demands[d].quantity.map(|q| q + delta);
    cost(&moved)
}

/// The tolerance on a price (USD/t) measured by a difference of two costs over `step`
/// tonnes. Both costs are vertex solutions of the simplex, exact up to the rounding of the
/// sum that forms the objective: the two costs of the shipped instance (3.8e10 USD) differ
/// from the exact ones by 1 or 2 units in the last place (7.6e-6 USD each), which over a
/// 0.01 t step reads as up to 1.5e-3 USD/t. Allowed: 64 units in the last place of the
/// objective per step, plus `1e-9` of the price for the sums of duals the report adds.
fn tolerance(objective: f64, price: f64, step: f64) -> f64 {
    64.0 * f64::EPSILON * objective.abs() / step + 1e-9 * price.abs().max(1.0)
}

/// The real JSON report of the default `solve` (backend auto = simplex, ranging on) and the
/// optimal cost, computed once for the tests of this file.
fn base() -> &'static (Instance, Value, f64) {
    static BASE: OnceLock<(Instance, Value, f64)> = OnceLock::new();
    BASE.get_or_init(|| {
        let inst = load(SHIPPED);
        let c = cost(&inst);
        (inst, solve_optimal(SHIPPED, None), c)
    })
}

#[test]
fn every_delivered_price_of_the_shipped_instance_is_the_cost_of_one_more_tonne() {
    let (inst, rep, base) = base();
    let (rep, base) = (rep, *base);
    let demands = list(rep, "demands");
    assert_eq!(demands.len(), inst.demands.len());
    let mut failures = Vec::new();
    for (d, row) in demands.iter().enumerate() {
        let id = text(&row["id"], "demands[].id");
        assert_eq!(id, inst.demands[d].id.as_str(), "demands are reported in file order");
        let (region, material) = (text(&row["region"], "region"), text(&row["material"], "material"));
        let fd = (cost_with(inst, d, H) - base) / H;
        let Some(mc) = row["marginal_cost"].as_f64() else {
            failures.push(format!("{id}: marginal_cost is null, one more tonne costs {fd}"));
            continue;
        };
        if (mc - fd).abs() > tolerance(base, fd, H) {
            failures.push(format!("{id}: marginal_cost {mc}, one more tonne costs {fd}"));
        }
        // The prices section states the same price for the place.
        let price = list(rep, "prices")
            .iter()
            .find(|p| p["region"].as_str() == Some(region) && p["material"].as_str() == Some(material))
            .unwrap_or_else(|| panic!("no price for {region}/{material}"));
        if price["marginal_cost"].as_f64() != Some(mc) {
            failures.push(format!(
                "{id}: prices says {}, demands says {mc}",
                price["marginal_cost"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} demands:\n{}",
        failures.len(),
        demands.len(),
        failures.join("\n")
    );
}

/// The right-hand-side range of a demand's balance row is the range of the demand over which
/// the delivered price holds: moving the demand up to the middle of the range costs the
/// price per tonne. A range stuck at the current value (gallium used to read [8, 8] while the
/// price held from 7 to 9 t) comes from ranging the balance row without the targets that
/// move with it.
#[test]
fn the_demand_range_of_each_delivered_price_is_where_it_holds() {
    let (inst, rep, base) = base();
    let (rep, base) = (rep, *base);
    let ranging = &rep["ranging"]["constraints"];
    let mut failures = Vec::new();
    let mut checked = 0;
    for (d, row) in list(rep, "demands").iter().enumerate() {
        let id = text(&row["id"], "demands[].id");
        let mc = num(&row["marginal_cost"], "marginal_cost");
        let name = format!("balance[{id}]");
        let r = ranging
            .as_array()
            .expect("ranging.constraints is a list")
            .iter()
            .find(|c| c["name"].as_str() == Some(name.as_str()))
            .unwrap_or_else(|| panic!("no ranging for {name}"));
        let q = inst.demands[d].quantity.first();
        let high = r["rhs_high"].as_f64().unwrap_or(f64::INFINITY);
        if high <= q + 1e-9 * q.max(1.0) {
            continue; // degenerate upwards: the forward difference test covers it
        }
        let step = ((high - q) / 2.0).min(1.0);
        let fd = (cost_with(inst, d, step) - base) / step;
        if (mc - fd).abs() > tolerance(base, fd, step) {
            failures.push(format!(
                "{id}: price {mc} said to hold up to {high} t, moving to {} t costs {fd}/t",
                q + step
            ));
        }
        // Below, the same price holds down to the low end (the basis, hence both one-sided
        // prices, stays optimal over the whole range).
        let low = r["rhs_low"].as_f64().unwrap_or(f64::NEG_INFINITY).max(0.0);
        if low < q - 1e-9 * q.max(1.0) {
            let step = ((q - low) / 2.0).min(1.0);
            let bd = (base - cost_with(inst, d, -step)) / step;
            if (mc - bd).abs() > tolerance(base, bd, step) {
                failures.push(format!(
                    "{id}: price {mc} said to hold down to {low} t, moving to {} t saves {bd}/t",
                    q - step
                ));
            }
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked >= 40,
        "only {checked} demands have a range above their quantity"
    );
    let ga = find(&rep["ranging"], "constraints", "name", "balance[US-EAST/gallium]");
    let (lo, hi) = (num(&ga["rhs_low"], "rhs_low"), num(&ga["rhs_high"], "rhs_high"));
    assert!(
        lo <= 7.0 && hi >= 9.0,
        "balance[US-EAST/gallium] ranges over [{lo}, {hi}]"
    );
}

/// Every number of the report's, left to right, with its JSON path (timings left out).
fn numbers(v: &Value, path: String, out: &mut Vec<(String, Option<f64>)>) {
    match v {
        Value::Object(m) => m
            .iter()
            .filter(|(k, _)| !k.ends_with("_ms"))
            .for_each(|(k, x)| numbers(x, format!("{path}.{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| numbers(x, format!("{path}[{i}]"), out)),
        Value::Number(n) => out.push((path, n.as_f64())),
        Value::Null => out.push((path, None)),
        _ => {}
    }
}

/// The one-sided prices of degenerate rows read off the optimal basis (dual simplex steps,
/// the default) against the auxiliary LP over the optimal duals (`SOURCING_OPT_PRICES=lp`,
/// an independent method, at most 60 of them): every value the LP method gives is the
/// basis's, and the basis leaves none unknown.
#[test]
fn the_basis_prices_are_the_auxiliary_lps_prices() {
    let args = ["solve", SHIPPED, "--format", "json", "--quiet"];
    let by_basis = common::run(&args);
    let by_lp = common::run_env(&args, &[("SOURCING_OPT_PRICES", "lp")]);
    assert_eq!((by_basis.code, by_lp.code), (0, 0), "{}", by_lp.describe(&args));
    let parse = |s: &str| serde_json::from_str::<Value>(s).expect("a JSON report");
    let (a, b) = (parse(&by_basis.stdout), parse(&by_lp.stdout));
    let (mut x, mut y) = (Vec::new(), Vec::new());
    numbers(&a, String::new(), &mut x);
    numbers(&b, String::new(), &mut y);
    assert_eq!(x.len(), y.len());
    let (mut same, mut filled) = (0, 0);
    for ((path, got), (_, want)) in x.iter().zip(&y) {
        match (got, want) {
            (Some(g), Some(w)) => {
                assert!((g - w).abs() <= 1e-6 * g.abs().max(1.0), "{path}: basis {g}, LP {w}");
                same += 1;
            }
            (Some(_), None) => filled += 1,
            (None, None) => {}
            (None, Some(w)) => panic!("{path}: the basis left unknown what the LP method gives ({w})"),
        }
    }
    // The LP method stops after 60 rows; the basis prices the rest too.
    assert!(filled >= 100, "only {filled} prices the LP method left unknown");
    assert!(same >= 1000, "only {same} numbers compared");
    // Nothing is left unknown (a null is then a direction that is infeasible, as documented).
    assert!(a["message"].is_null(), "{}", a["message"]);
    assert_eq!(a["solver"]["ranging"], "exact: from the optimal basis");
    assert!(text(&b["solver"]["ranging"], "ranging").contains("exact"));
}

/// Compare the crossover's report (`crossed`) with the simplex's (`simplex`) on one
/// instance: the same optimal cost, and the same one-sided prices wherever both give one.
/// Returns how many were compared and how many of them lie away from the row's basis price.
fn same_one_sided_prices(what: &str, crossed: &Value, simplex: &Value) -> (usize, usize) {
    assert_eq!(
        text(&crossed["solver"]["duals"], "duals"),
        sourcing_opt::sensitivity::CROSSOVER_DUALS,
        "{what}"
    );
    assert_eq!(crossed["solver"]["ranging"], "exact: from the optimal basis", "{what}");
    let (a, b) = (
        num(&crossed["objective"], "objective"),
        num(&simplex["objective"], "objective"),
    );
    assert!((a - b).abs() <= 1e-9 * a.abs(), "{what}: crossover {a}, simplex {b}");
    let rows = |r: &Value| -> std::collections::HashMap<String, Value> {
        list(&r["ranging"], "constraints")
            .iter()
            .map(|c| (text(&c["name"], "name").to_string(), c.clone()))
            .collect()
    };
    let (x, y) = (rows(crossed), rows(simplex));
    assert_eq!(x.len(), y.len(), "{what}");
    let (mut compared, mut differ_from_dual) = (0, 0);
    for (name, r) in &x {
        let s = &y[name];
        for side in ["dual_low", "dual_high"] {
            let (Some(g), Some(w)) = (r[side].as_f64(), s[side].as_f64()) else {
                continue;
            };
            assert!(
                (g - w).abs() <= 1e-6 * g.abs().max(w.abs()).max(1.0),
                "{what}: {name} {side}: crossover {g}, simplex {w}"
            );
            compared += 1;
            differ_from_dual += usize::from((g - num(&r["dual"], "dual")).abs() > 1e-6 * g.abs().max(1.0));
        }
    }
    (compared, differ_from_dual)
}

/// The 2025-2030 path by default (the interior point, then the crossover to a vertex) and
/// with `--backend minilp` (the simplex's own vertex): two different optimal vertices, the
/// same optimal cost, and the same one-sided prices wherever both give one (the one-sided
/// prices are derivatives of the optimal cost, whatever basis they are read from).
#[test]
fn crossover_prices_are_the_simplex_vertex_prices_on_the_path() {
    const PATH: &str = "instances/usmca_2025_2030.toml";
    let crossed = common::solve_with(PATH, &[]);
    let simplex = common::solve_with(PATH, &["--backend", "minilp"]);
    let (compared, differ_from_dual) = same_one_sided_prices(PATH, &crossed, &simplex);
    assert!(compared >= 10_000, "only {compared} one-sided prices compared");
    assert!(
        differ_from_dual >= 100,
        "only {differ_from_dual} one-sided prices away from the basis price"
    );
}

/// The same on `generate`'s three network families (chains, a dense regional network, hubs
/// and corridors), none of them written for the crossover: each above the size where `auto`
/// picks the interior point.
#[test]
fn crossover_prices_are_the_simplex_vertex_prices_on_every_generated_family() {
    let dir = tempfile::tempdir().unwrap();
    for (shape, scale) in [("chains", "5"), ("dense", "2"), ("corridors", "10")] {
        let path = dir.path().join(format!("{shape}.toml"));
        let path = path.to_str().unwrap();
        let args = [
            "generate", "--seed", "1", "--shape", shape, "--scale", scale, "-o", path,
        ];
        assert_eq!(common::run(&args).code, 0, "{shape}");
        let crossed = common::solve_with(path, &["--ranging", "on"]);
        let simplex = common::solve_with(path, &["--ranging", "on", "--backend", "minilp"]);
        let (compared, _) = same_one_sided_prices(shape, &crossed, &simplex);
        assert!(compared >= 1_000, "{shape}: only {compared} one-sided prices compared");
    }
}

/// The tightening side of a degenerate row (its `dual_low`) is computed on a small model and
/// is what one unit less of the limit costs, by re-solving; where it is not computed (a
/// large model) the report says `not_computed` and the text `?`, never `-inf`, which means
/// infeasible.
#[test]
fn the_tightening_price_of_a_degenerate_limit_is_what_one_unit_less_costs() {
    let fixture = "tests/fixtures/periods/tightening_prices.toml";
    let report = |sets: &[&str]| -> Value {
        let mut args = vec!["solve", fixture, "--format", "json", "--quiet"];
        for s in sets {
            args.extend(["--set", s]);
        }
        let r = common::run(&args);
        assert_eq!(r.code, 0, "{}", r.describe(&args));
        serde_json::from_str(&r.stdout).unwrap()
    };
    let base = report(&[]);
    let objective = num(&base["objective"], "objective");
    let rows = list(&base["ranging"], "constraints");
    let cases: [(&str, &[&str]); 3] = [
        (
            "mine_capacity[m@2025]",
            &["mines.m.capacity.2025=99", "mines.m.capacity.2027=100"],
        ),
        (
            "mine_capacity[m@2027]",
            &["mines.m.capacity.2027=99", "mines.m.capacity.2030=100"],
        ),
        ("mine_expansion[m]", &["mines.m.expansion.max=49"]),
    ];
    for (name, sets) in cases {
        let row = rows
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name}"));
        let (low, high) = (num(&row["dual_low"], "dual_low"), num(&row["dual_high"], "dual_high"));
        assert!(low < high - 1.0, "{name}: a degenerate row, {low} against {high}");
        let tighter = num(&report(sets)["objective"], "objective");
        assert!(
            ((tighter - objective) + low).abs() <= 1e-6 * objective,
            "{name}: one unit less costs {}, dual_low {low}",
            tighter - objective
        );
    }
    // On the 2025-2030 path (52k variables) the tightening side is not computed: said so.
    let r = common::run(&["solve", "instances/usmca_2025_2030.toml", "--format", "json", "--quiet"]);
    let path: Value = serde_json::from_str(&r.stdout).unwrap();
    let unknown = list(&path["ranging"], "constraints")
        .iter()
        .filter(|c| c["not_computed"].as_array().is_some_and(|a| !a.is_empty()))
        .count();
    assert!(
        unknown > 0,
        "the path has degenerate rows whose tightening side is left unknown"
    );
    let full = common::run(&["solve", "instances/usmca_2025_2030.toml", "--quiet", "--detail", "full"]).stdout;
    assert!(full.contains("[?, "), "the text shows an unknown side as ?");
}
