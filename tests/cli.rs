//! End-to-end tests of the `sourcing-opt` binary: known optima on every backend, properties
//! every report must have (costs add up, balances close, a binding cap is met exactly, runs
//! are reproducible), the exit-status contract, `check`, `--output`, closed pipes, and golden
//! reports.
//!
//! Golden reports live in `tests/golden/<instance>.{txt,json}` with the timing fields and the
//! instance path masked. After a deliberate change of output, regenerate them and review the
//! diff before committing:
//!
//! ```sh
//! BLESS=1 cargo test --test cli golden
//! ```

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// Relative tolerance on objectives and other reported totals.
const REL: f64 = 1e-6;

/// Every instance `solve` must find optimal: all shipped instances but the infeasible ones.
fn feasible_instances() -> Vec<String> {
    all_instances()
        .into_iter()
        .filter(|i| !expected_infeasible(i))
        .collect()
}

/// The runs whose reports the property tests inspect: each known-optimum instance on every
/// backend, and every other feasible shipped instance with the backend a user gets by default.
fn property_runs() -> Vec<(String, Option<&'static str>)> {
    let mut runs = Vec::new();
    for instance in feasible_instances() {
        if KNOWN_OPTIMA.iter().any(|(k, _)| *k == instance) {
            runs.extend(BACKENDS.iter().map(|b| (instance.clone(), Some(*b))));
        } else {
            runs.push((instance, None));
        }
    }
    runs
}

const INFEASIBLE: &str = "instances/textbook/infeasible_demand.toml";

// ---------------------------------------------------------------------------------------
// Known optima
// ---------------------------------------------------------------------------------------

#[test]
fn known_optima_are_found_on_every_backend() {
    for (instance, optimum) in KNOWN_OPTIMA {
        for &backend in BACKENDS {
            let report = solve_optimal(instance, Some(backend));
            let objective = num(&report["objective"], "objective");
            assert!(
                close(objective, optimum, REL),
                "{instance} on {backend}: objective {objective}, known optimum {optimum}"
            );
            assert_eq!(text(&report["solver"]["backend"], "solver.backend"), backend);
        }
    }
}

#[test]
fn every_known_optimum_instance_is_shipped() {
    let shipped = all_instances();
    for (instance, _) in KNOWN_OPTIMA {
        assert!(shipped.iter().any(|s| s == instance), "{instance} is missing");
    }
    assert!(shipped.iter().any(|s| s == INFEASIBLE), "{INFEASIBLE} is missing");
}

/// Transit time priced (contract section 8), as derived by hand in the header of
/// `transit_time.toml`: at a carrying rate of 0.1 the three-day road lane from Mexico beats
/// forty days at sea from China, and the capital tied up in transit is its own category.
#[test]
fn a_carrying_rate_prices_transit_time_and_moves_the_plan() {
    let instance = "instances/textbook/transit_time.toml";
    for &backend in BACKENDS {
        let args = [
            "solve",
            instance,
            "--format",
            "json",
            "--quiet",
            "--backend",
            backend,
            "--set",
            "meta.carrying_rate=0.1",
        ];
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.describe(&args));
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert!(close(num(&v["objective"], "objective"), 5_866_000.0, REL), "{backend}");
        for (category, value) in [
            ("mining", 5_850_000.0),
            ("transport", 10_000.0),
            ("in_transit", 6_000.0),
        ] {
            let got = num(&v["costs"][category], category);
            assert!(close(got, value, REL), "{backend}: {category} = {got}, by hand {value}");
        }
        let road = find(&v, "shipments", "lane", "MX-NL->US-MI/road");
        assert!(close(num(&road["in_transit_cost"], "in_transit_cost"), 6_000.0, REL));
        // The mine is full: one more tonne comes from China, landed at 57,600 + 300 + 800.
        let demand = find(&v, "demands", "id", "US-MI/magnet_alloy");
        assert!(
            close(num(&demand["marginal_cost"], "marginal_cost"), 58_700.0, REL),
            "{backend}"
        );
    }
    // Without a carrying rate the sea lane wins and transit costs nothing.
    let v = solve_optimal(instance, None);
    assert_eq!(num(&v["costs"]["in_transit"], "in_transit"), 0.0);
    assert!(find(&v, "shipments", "lane", "CN-SH->US-MI/sea")["tonnes"] == 100.0);
}

/// Each category of the hand derivation in the header of `silver_tax_chain.toml`, including
/// the tariff chosen by the most-specific-match rule (5% by material, not 25% for `*`).
#[test]
fn silver_tax_chain_matches_the_hand_derivation_category_by_category() {
    let expected = [
        ("mining", 6720.0),
        ("royalties", 1400.0),
        ("fees", 280.0),
        ("income_tax", 1680.0),
        ("mine_expansion", 400.0),
        ("processing", 2800.0),
        ("plant_expansion", 1200.0),
        ("imports", 6000.0),
        ("transport", 650.0),
        ("tariffs", 1000.0),
        ("in_transit", 0.0),
        ("unmet_penalty", 20000.0),
    ];
    for &backend in BACKENDS {
        let r = solve_optimal("instances/textbook/silver_tax_chain.toml", Some(backend));
        for (category, value) in expected {
            let got = num(&r["costs"][category], category);
            assert!(close(got, value, REL), "{backend}: {category} = {got}, by hand {value}");
        }
        let mine = find(&r, "mines", "id", "sonora_mine");
        assert!(
            close(num(&mine["unit_cost"], "unit_cost"), 72.0, REL),
            "{backend}: {mine}"
        );
        assert!(close(num(&mine["production_t"], "production_t"), 140.0, REL));
        assert!(close(num(&mine["expansion_t"], "expansion_t"), 40.0, REL));
        let plant = find(&r, "plants", "id", "sonora_conc");
        assert!(
            close(num(&plant["output_t"], "output_t"), 70.0, REL),
            "{backend}: {plant}"
        );
        assert!(close(num(&plant["expansion_t"], "expansion_t"), 40.0, REL));
        let sea = find(&r, "shipments", "lane", "PE-CALLAO->US-TX/sea");
        assert!(close(num(&sea["tonnes"], "tonnes"), 20.0, REL), "{backend}: {sea}");
        assert!(
            close(num(&sea["tariff_paid"], "tariff_paid"), 1000.0, REL),
            "{backend}: the silver-specific 5% tariff must beat the 25% `*` tariff: {sea}"
        );
        let truck = find(&r, "shipments", "lane", "MX-SON->US-TX/truck");
        assert_eq!(
            num(&truck["tariff_paid"], "tariff_paid"),
            0.0,
            "{backend}: no MX->US tariff"
        );
        let demand = find(&r, "demands", "id", "US-TX/silver");
        assert!(close(num(&demand["unmet"], "unmet"), 10.0, REL), "{backend}: {demand}");
    }
}

/// The features of `bidirectional_filters.toml`: the rail lane carries carbonate as written and
/// lithium in reverse, its reverse capacity binds, the truck lane's filter keeps lithium off it,
/// and the yield-5 plant makes 120 t from 24 t.
#[test]
fn bidirectional_lane_runs_both_ways_and_filters_hold() {
    for &backend in BACKENDS {
        let r = solve_optimal("instances/textbook/bidirectional_filters.toml", Some(backend));
        let rail: Vec<&Value> = list(&r, "shipments")
            .iter()
            .filter(|s| s["lane"] == "nv_qc_rail")
            .collect();
        let flow = |from: &str, material: &str| -> f64 {
            rail.iter()
                .filter(|s| s["from"] == from && s["material"] == material)
                .map(|s| num(&s["tonnes"], "tonnes"))
                .sum()
        };
        assert!(close(flow("US-NV", "li2co3"), 5.0, REL), "{backend}: {rail:?}");
        assert!(close(flow("CA-QC", "li"), 10.0, REL), "{backend}: {rail:?}");
        for s in list(&r, "shipments") {
            if s["lane"] == "CA-QC->US-NV/truck" {
                assert_eq!(s["material"], "li2co3", "{backend}: the truck lane only carries li2co3");
            }
        }
        let binding: Vec<&str> = list(&r, "binding").iter().map(|b| text(b, "binding")).collect();
        assert!(
            binding.contains(&"lane_capacity[nv_qc_rail:CA-QC->US-NV]"),
            "{backend}: {binding:?}"
        );
        assert!(
            !binding.contains(&"lane_capacity[nv_qc_rail:US-NV->CA-QC]"),
            "{backend}: each direction has its own capacity: {binding:?}"
        );
        let plant = find(&r, "plants", "id", "nv_plant");
        assert!(
            close(num(&plant["input_t"], "input_t"), 24.0, REL),
            "{backend}: {plant}"
        );
        assert!(
            close(num(&plant["output_t"], "output_t"), 120.0, REL),
            "{backend}: {plant}"
        );
        let target = find(&r, "targets", "id", "us_li_cap");
        assert!(
            close(num(&target["imports"], "imports"), 12.0, REL),
            "{backend}: {target}"
        );
        assert!(
            close(num(&target["consumption"], "consumption"), 24.0, REL),
            "{backend}: {target}"
        );
    }
}

/// Duals of the hand derivations in the instance headers, in the report's convention
/// (`dual` = d total cost / d rhs), on every backend that reports them.
#[test]
fn shadow_prices_match_the_hand_derivations() {
    let cases: [(&str, &[(&str, f64)]); 3] = [
        (
            "instances/textbook/import_cap_binding.toml",
            &[
                ("target[us_cobalt_cap]", -716.0 - 2.0 / 3.0),
                ("mine_capacity[us_mine]", -686.0 - 2.0 / 3.0),
                ("mine_expansion[us_mine]", -646.0 - 2.0 / 3.0),
                ("balance[US-OH/cobalt]", 786.0 + 2.0 / 3.0),
                ("balance[CN-SH/cobalt]", 60.0),
            ],
        ),
        (
            "instances/textbook/bidirectional_filters.toml",
            &[
                ("target[us_li_cap]", -800.0),
                ("lane_capacity[nv_qc_rail:CA-QC->US-NV]", -450.0),
                ("balance[US-NV/li]", 1500.0),
                ("balance[CA-QC/li]", 1000.0),
                ("balance[CL-ANT/li]", 600.0),
                ("balance[US-NV/li2co3]", 260.0),
                ("balance[CA-QC/li2co3]", 310.0),
            ],
        ),
        (
            "instances/textbook/silver_tax_chain.toml",
            &[
                ("balance[US-TX/silver]", 2000.0),
                ("balance[PE-CALLAO/silver]", 1935.0),
                ("balance[MX-SON/silver]", 1995.0),
                ("balance[MX-SON/silver_ore]", 947.5),
                ("import_capacity[peru_offer]", -1635.0),
                ("plant_capacity[sonora_conc]", -30.0),
                ("mine_capacity[sonora_mine]", -875.5),
                ("mine_expansion[sonora_mine]", -865.5),
            ],
        ),
    ];
    for (instance, duals) in cases {
        for &backend in BACKENDS {
            let r = solve_optimal(instance, Some(backend));
            for &(name, expected) in duals {
                let row = find(&r, "constraints", "name", name);
                let got = num(&row["dual"], &format!("{name}.dual ({backend})"));
                assert!(
                    close(got, expected, 1e-5),
                    "{instance} on {backend}: dual of {name} = {got}, by hand {expected}"
                );
            }
        }
    }
    // The user-facing value of the caps: cost saved per 1.0 of share and per point.
    for &backend in BACKENDS {
        let r = solve_optimal("instances/textbook/import_cap_binding.toml", Some(backend));
        let t = find(&r, "targets", "id", "us_cobalt_cap");
        let mv = num(&t["marginal_value"], "marginal_value");
        assert!(close(mv, 71_666.0 + 2.0 / 3.0, 1e-5), "{backend}: {t}");
        let per_point = num(&t["marginal_value_per_point"], "marginal_value_per_point");
        assert!(close(per_point, 716.0 + 2.0 / 3.0, 1e-5), "{backend}: {t}");
        let r = solve_optimal("instances/textbook/bidirectional_filters.toml", Some(backend));
        let t = find(&r, "targets", "id", "us_li_cap");
        assert!(
            close(num(&t["marginal_value"], "marginal_value"), 19_200.0, 1e-5),
            "{backend}: {t}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Properties of every report
// ---------------------------------------------------------------------------------------

const CATEGORIES: [&str; 12] = [
    "mining",
    "royalties",
    "fees",
    "income_tax",
    "mine_expansion",
    "processing",
    "plant_expansion",
    "imports",
    "transport",
    "tariffs",
    "in_transit",
    "unmet_penalty",
];

#[test]
fn cost_categories_sum_to_the_objective() {
    for (instance, backend) in property_runs() {
        let r = solve_optimal(&instance, backend);
        let backend = backend.unwrap_or("auto");
        let costs = r["costs"].as_object().expect("costs is an object");
        let mut keys: Vec<&str> = costs.keys().map(|k| k.as_str()).collect();
        keys.sort_unstable();
        let mut want = CATEGORIES.to_vec();
        // Schema 2 (a report with `periods`) adds the holding cost of stockpiles.
        if r.get("periods").is_some() {
            want.push("stockpile");
        }
        want.sort_unstable();
        assert_eq!(keys, want, "{instance}: the categories of model.md sections 4 and 6");
        let sum: f64 = want.iter().map(|c| num(&costs[*c], c)).sum();
        let objective = num(&r["objective"], "objective");
        assert!(
            close(sum, objective, 1e-9),
            "{instance} on {backend}: categories sum to {sum}, objective {objective}"
        );
        for c in want {
            assert!(num(&costs[c], c) >= -1e-9, "{instance} on {backend}: negative {c}");
        }
    }
}

/// Recompute every `balance[r/a]` from the flows of the report: production + purchases +
/// plant output + inbound shipments + unmet + stock released - outbound shipments - plant
/// input - stock injected = demand, in each period (schema 2) separately.
#[test]
fn reported_flows_close_every_balance() {
    for (instance, backend) in property_runs() {
        let r = solve_optimal(&instance, backend);
        let backend = backend.unwrap_or("auto");
        // (region, material, period) -> (net supply minus demand, largest term seen)
        let mut cells: BTreeMap<(String, String, Option<i64>), (f64, f64)> = BTreeMap::new();
        let mut add = |row: &Value, region: &Value, material: &Value, amount: f64| {
            let key = (
                text(region, "region").to_string(),
                text(material, "material").to_string(),
                row["period"].as_i64(),
            );
            let cell = cells.entry(key).or_insert((0.0, 0.0));
            cell.0 += amount;
            cell.1 = cell.1.max(amount.abs());
        };
        for m in list(&r, "mines") {
            add(m, &m["region"], &m["material"], num(&m["production_t"], "production_t"));
        }
        for i in list(&r, "imports") {
            add(i, &i["region"], &i["material"], num(&i["bought_t"], "bought_t"));
        }
        for p in list(&r, "plants") {
            add(p, &p["region"], &p["output"], num(&p["output_t"], "output_t"));
            add(p, &p["region"], &p["input"], -num(&p["input_t"], "input_t"));
        }
        for s in list(&r, "shipments") {
            let t = num(&s["tonnes"], "tonnes");
            assert!(t > 0.0, "{instance}: shipments list only nonzero flows: {s}");
            add(s, &s["to"], &s["material"], t);
            add(s, &s["from"], &s["material"], -t);
        }
        for s in r["stockpiles"].as_array().into_iter().flatten() {
            let net = num(&s["released_t"], "released_t") - num(&s["injected_t"], "injected_t");
            add(s, &s["region"], &s["material"], net);
        }
        for d in list(&r, "demands") {
            let (q, served, unmet) = (
                num(&d["quantity"], "quantity"),
                num(&d["served"], "served"),
                num(&d["unmet"], "unmet"),
            );
            assert!(
                close(served + unmet, q, 1e-9),
                "{instance}: served + unmet = quantity: {d}"
            );
            add(d, &d["region"], &d["material"], unmet);
            add(d, &d["region"], &d["material"], -q);
        }
        let priced: Vec<(String, String)> = list(&r, "prices")
            .iter()
            .map(|p| {
                (
                    text(&p["region"], "region").into(),
                    text(&p["material"], "material").into(),
                )
            })
            .collect();
        for ((region, material, period), (residual, scale)) in &cells {
            assert!(
                residual.abs() <= 1e-6 * scale.max(1.0),
                "{instance} on {backend}: balance[{region}/{material}] in {period:?} is off by {residual}"
            );
            if *scale > 0.0 {
                assert!(
                    priced.contains(&(region.clone(), material.clone())),
                    "{instance}: flows at {region}/{material} but no balance row in `prices`"
                );
            }
        }
    }
}

#[test]
fn a_binding_import_cap_is_met_exactly() {
    let cases = [
        (
            "instances/textbook/import_cap_binding.toml",
            "us_cobalt_cap",
            40.0,
            100.0,
        ),
        ("instances/textbook/bidirectional_filters.toml", "us_li_cap", 12.0, 24.0),
    ];
    for (instance, target, imports, consumption) in cases {
        for &backend in BACKENDS {
            let r = solve_optimal(instance, Some(backend));
            let t = find(&r, "targets", "id", target);
            assert_eq!(t["binding"], true, "{instance} on {backend}: {t}");
            let share = num(&t["achieved_share"], "achieved_share");
            let cap = num(&t["max_import_share"], "max_import_share");
            assert!(
                (share - cap).abs() <= 1e-6,
                "{instance} on {backend}: share {share}, cap {cap}"
            );
            assert!(close(num(&t["imports"], "imports"), imports, REL), "{backend}: {t}");
            assert!(
                close(num(&t["consumption"], "consumption"), consumption, REL),
                "{backend}: {t}"
            );
            let binding: Vec<&str> = list(&r, "binding").iter().map(|b| text(b, "binding")).collect();
            let row = format!("target[{target}]");
            assert!(binding.contains(&row.as_str()), "{backend}: {row} not in {binding:?}");
        }
    }
    // And as a property of every shipped instance.
    for (instance, backend) in property_runs() {
        let r = solve_optimal(&instance, backend);
        let backend = backend.unwrap_or("auto");
        for t in list(&r, "targets") {
            let share = num(&t["achieved_share"], "achieved_share");
            let cap = num(&t["max_import_share"], "max_import_share");
            assert!(share <= cap + 1e-6, "{instance} on {backend}: share above its cap: {t}");
            if t["binding"] == true && num(&t["consumption"], "consumption") > 0.0 {
                assert!((share - cap).abs() <= 1e-6, "{instance} on {backend}: {t}");
            }
        }
    }
}

#[test]
fn two_runs_give_identical_reports_apart_from_timing() {
    for instance in all_instances() {
        for &backend in BACKENDS {
            let args = ["solve", &instance, "--format", "json", "--quiet", "--backend", backend];
            let first = run(&args);
            let second = run(&args);
            assert_eq!(first.code, second.code, "{instance} on {backend}");
            assert!(first.stdout.contains("\"build_ms\""), "{}", first.describe(&args));
            let (a, b) = (mask_timing(&first.stdout), mask_timing(&second.stdout));
            if a != b {
                let line = a.lines().zip(b.lines()).position(|(x, y)| x != y);
                panic!("{instance} on {backend}: reports differ (first at line {line:?})\n{a}\n---\n{b}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Exit statuses (cli.md)
// ---------------------------------------------------------------------------------------

#[test]
fn exit_0_when_optimal() {
    for (instance, _) in KNOWN_OPTIMA {
        let args = ["solve", instance];
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.describe(&args));
        assert!(r.stdout.contains("status: optimal"), "{}", r.describe(&args));
    }
}

#[test]
fn exit_1_for_a_missing_file() {
    let args = ["solve", "instances/textbook/no_such_instance.toml"];
    let r = run(&args);
    assert_eq!(r.code, 1, "{}", r.describe(&args));
    assert!(
        r.stdout.is_empty(),
        "nothing but the report goes to stdout: {}",
        r.describe(&args)
    );
    assert!(r.stderr.contains("no_such_instance.toml"), "{}", r.describe(&args));
    for cmd in ["check", "export"] {
        let mut args = vec![cmd, "instances/textbook/no_such_instance.toml"];
        if cmd == "export" {
            args.extend(["--format", "mps"]);
        }
        let r = run(&args);
        assert_eq!(r.code, 1, "{}", r.describe(&args));
    }
}

#[test]
fn exit_1_for_an_invalid_instance_with_every_error_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    let source =
        "[meta]\nname = \"bad\"\n\n[[countries]]\nid = \"US\"\n\n[[regions]]\nid = \"US-TX\"\ncountry = \"USA\"\n\n\
                  [[materials]]\nid = \"silver\"\nprice = 10\ncapacty = 3\n";
    std::fs::write(&path, source).unwrap();
    let p = path.to_str().unwrap();
    for cmd in [vec!["solve", p], vec!["check", p], vec!["export", p, "--format", "lp"]] {
        let r = run(&cmd);
        assert_eq!(r.code, 1, "{}", r.describe(&cmd));
        assert!(r.stdout.is_empty(), "{}", r.describe(&cmd));
        // Both errors, each with file:line:column (line 9: `USA`; line 14: `capacty`).
        assert!(r.stderr.contains(&format!("{p}:9:")), "{}", r.describe(&cmd));
        assert!(r.stderr.contains(&format!("{p}:14:")), "{}", r.describe(&cmd));
    }
}

#[test]
fn exit_2_for_bad_usage() {
    let instance = "instances/textbook/powerco_transport.toml";
    let cases: [&[&str]; 6] = [
        &["solve", instance, "--no-such-flag"],
        &["solve", instance, "--format", "yaml"],
        &["solve", instance, "--backend", "simplex9000"],
        &["export", instance, "--format", "json"],
        &["export", instance],
        &["frobnicate", instance],
    ];
    for args in cases {
        let r = run(args);
        assert_eq!(r.code, 2, "{}", r.describe(args));
        assert!(r.stdout.is_empty(), "{}", r.describe(args));
        assert!(
            !r.stderr.is_empty(),
            "usage errors explain themselves: {}",
            r.describe(args)
        );
    }
}

#[test]
fn exit_3_when_infeasible_on_every_backend() {
    for &backend in BACKENDS {
        let (code, report) = solve_json(INFEASIBLE, Some(backend));
        assert_eq!(code, 3, "{backend}: {report}");
        assert_eq!(report["status"], "infeasible", "{backend}");
        assert_eq!(
            report["objective"],
            Value::Null,
            "{backend}: no objective when infeasible"
        );
        // No plan, no costs: null, never categories of 0 that sum to a null objective.
        assert_eq!(report["costs"], Value::Null, "{backend}: costs without a plan");
    }
    let args = ["solve", INFEASIBLE, "--format", "csv"];
    let r = run(&args);
    assert_eq!(r.code, 3, "{}", r.describe(&args));
    let costs: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("costs,")).collect();
    assert_eq!(costs, ["costs,,,"], "{}", r.describe(&args));
    let args = ["solve", INFEASIBLE];
    let r = run(&args);
    assert_eq!(r.code, 3, "{}", r.describe(&args));
    assert!(r.stderr.contains("infeasible"), "{}", r.describe(&args));
}

/// cli.md: `--output` is written atomically and "a failed run never leaves a partial or
/// clobbered file". An infeasible run has no plan to write.
#[test]
fn infeasible_run_with_output_leaves_no_file_and_clobbers_none() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("report.json");
    let f = fresh.to_str().unwrap();
    let args = ["solve", INFEASIBLE, "--format", "json", "--output", f];
    let r = run(&args);
    assert_eq!(r.code, 3, "{}", r.describe(&args));
    assert!(!fresh.exists(), "an infeasible run left {f}\n{}", r.describe(&args));

    let existing = dir.path().join("previous.json");
    std::fs::write(&existing, "previous report\n").unwrap();
    let e = existing.to_str().unwrap();
    let args = ["solve", INFEASIBLE, "--format", "json", "--output", e];
    let r = run(&args);
    assert_eq!(r.code, 3, "{}", r.describe(&args));
    assert_eq!(
        std::fs::read_to_string(&existing).unwrap(),
        "previous report\n",
        "an infeasible run clobbered {e}"
    );
    assert_eq!(leftovers(dir.path()), vec!["previous.json".to_string()]);
}

#[test]
fn invalid_input_with_output_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.txt");
    let o = out.to_str().unwrap();
    let args = ["solve", "instances/textbook/no_such_instance.toml", "--output", o];
    let r = run(&args);
    assert_eq!(r.code, 1, "{}", r.describe(&args));
    assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
}

/// An output in a directory that does not exist, or in a "directory" that is a file, fails
/// before anything is read or solved (exit 1) with the path and the fix, on every command
/// that writes a file; before, solve, sweep and stress found out only after the whole run.
#[test]
fn output_in_a_missing_directory_fails_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no_such_dir").join("out.txt");
    let m = missing.to_str().unwrap();
    let file = dir.path().join("a_file");
    std::fs::write(&file, "x").unwrap();
    let under_file = file.join("out.txt");
    let u = under_file.to_str().unwrap();
    let shipped = "instances/usmca_critical_minerals.toml";
    let commands: [&[&str]; 7] = [
        &["solve", shipped],
        &[
            "sweep",
            shipped,
            "--param",
            "targets.ree_usmca.max_import_share",
            "--values",
            "0.5,0.6",
        ],
        &["stress", shipped],
        &["permits", "instances/usmca_2025_2030.toml"],
        &["export", shipped, "--format", "mps"],
        &["generate", "--scale", "1"],
        &[
            "compare",
            "tests/golden/powerco_transport.json",
            "tests/golden/silver_tax_chain.json",
        ],
    ];
    for cmd in commands {
        for (out, fix) in [(m, "mkdir -p"), (u, "is a file, not a directory")] {
            let mut args: Vec<&str> = cmd.to_vec();
            args.extend(["--output", out]);
            let r = run(&args);
            assert_eq!(r.code, 1, "{}", r.describe(&args));
            assert!(
                r.stderr.contains(out) && r.stderr.contains(fix) && r.stderr.contains("nothing was run"),
                "{}",
                r.describe(&args)
            );
            assert!(r.stdout.is_empty(), "{}", r.describe(&args));
        }
    }
    // `y/` names a directory (its parent is empty, so the directory check alone missed it).
    let slash = format!("{}/", dir.path().join("y").display());
    let args = ["solve", shipped, "--output", slash.as_str()];
    let r = run(&args);
    assert_eq!(r.code, 1, "{}", r.describe(&args));
    assert!(
        r.stderr.contains("names a directory") && r.stderr.contains("nothing was run"),
        "{}",
        r.describe(&args)
    );
    let args = ["solve", shipped, "--output", "y/"];
    let r = run(&args);
    assert!(
        r.code == 1 && r.stderr.contains("names a directory"),
        "{}",
        r.describe(&args)
    );
    assert_eq!(leftovers(dir.path()), vec!["a_file".to_string()]);
}

/// Names of the files in a directory (temporary files of an atomic write included).
fn leftovers(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------
// check, --output, pipes
// ---------------------------------------------------------------------------------------

#[test]
fn check_prints_the_model_sizes_solve_builds() {
    for instance in all_instances() {
        let args = ["check", &instance];
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.describe(&args));
        let field = |key: &str| -> usize {
            r.stdout
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{key}: ")))
                .unwrap_or_else(|| panic!("no `{key}:` line\n{}", r.describe(&args)))
                .trim()
                .parse()
                .unwrap_or_else(|e| panic!("`{key}` is not a count ({e})\n{}", r.describe(&args)))
        };
        let (code, report) = solve_json(&instance, Some("minilp"));
        assert!(code == 0 || code == 3, "{instance}: {report}");
        let solver = &report["solver"];
        for key in ["variables", "constraints", "nonzeros"] {
            assert_eq!(
                Some(field(key) as u64),
                solver[key].as_u64(),
                "{instance}: `check` and `solve` disagree on {key}"
            );
        }
        assert!(field("regions") > 0, "{}", r.describe(&args));
        assert!(r.stdout.contains("facilities: "), "{}", r.describe(&args));
    }
}

#[test]
fn output_file_holds_exactly_what_stdout_would() {
    let dir = tempfile::tempdir().unwrap();
    for (instance, _) in KNOWN_OPTIMA {
        for format in ["text", "markdown", "json", "csv"] {
            let base = ["solve", instance, "--format", format, "--backend", "minilp"];
            let to_stdout = run(&base);
            assert_eq!(to_stdout.code, 0, "{}", to_stdout.describe(&base));
            let file = dir.path().join(format!("report.{format}"));
            let f = file.to_str().unwrap();
            let mut args = base.to_vec();
            args.extend(["--output", f]);
            let to_file = run(&args);
            assert_eq!(to_file.code, 0, "{}", to_file.describe(&args));
            assert!(
                to_file.stdout.is_empty(),
                "with --output, stdout stays empty: {}",
                to_file.describe(&args)
            );
            let written = std::fs::read_to_string(&file).unwrap();
            let (a, b) = match format {
                // The only run-to-run differences: timings, in JSON and CSV.
                "json" => (mask_timing(&written), mask_timing(&to_stdout.stdout)),
                "csv" => (mask_csv_timing(&written), mask_csv_timing(&to_stdout.stdout)),
                _ => (written, to_stdout.stdout.clone()),
            };
            assert_eq!(a, b, "{instance} --format {format}: the file differs from stdout");
        }
    }
}

fn mask_csv_timing(csv: &str) -> String {
    csv.lines()
        .map(|l| {
            if [
                "read_ms",
                "validate_ms",
                "build_ms",
                "solve_ms",
                "duals_ms",
                "ranging_ms",
            ]
            .iter()
            .any(|k| l.starts_with(&format!("solver,,{k},")))
            {
                // `solver,,KEY,VALUE` and, in a report with periods, a fifth (empty) column.
                let mut fields: Vec<&str> = l.split(',').collect();
                fields[3] = "<ms>";
                format!("{}\n", fields.join(","))
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

/// An instance whose JSON report is far larger than a pipe's buffer: `n` mines, `n` demands,
/// and a capacitated lane between every pair (one constraint row each).
fn large_instance(n: usize) -> String {
    let mut s = String::from("[meta]\nname = \"large\"\n\n[[countries]]\nid = \"US\"\n");
    s.push_str("\n[[materials]]\nid = \"ore\"\nprice = 1\n");
    for i in 0..n {
        s.push_str(&format!("\n[[regions]]\nid = \"src{i}\"\ncountry = \"US\"\n"));
        s.push_str(&format!("[[regions]]\nid = \"dst{i}\"\ncountry = \"US\"\n"));
        s.push_str(&format!(
            "[[mines]]\nid = \"m{i}\"\nregion = \"src{i}\"\nmaterial = \"ore\"\ncapacity = 100\ncost = {}\n",
            1 + i % 7
        ));
        s.push_str(&format!(
            "[[demands]]\nregion = \"dst{i}\"\nmaterial = \"ore\"\nquantity = 60\n"
        ));
    }
    for i in 0..n {
        for j in 0..n {
            s.push_str(&format!(
                "[[lanes]]\nfrom = \"src{i}\"\nto = \"dst{j}\"\ncost = {}\ncapacity = 30\n",
                1 + (i * 31 + j * 17) % 11
            ));
        }
    }
    s
}

/// `sourcing-opt solve ... | head -1`: the reader closes the pipe early; that is the reader's
/// choice, not an error, so the run still exits 0 and prints no error.
#[test]
fn closed_pipe_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.toml");
    std::fs::write(&path, large_instance(40)).unwrap();
    let p = path.to_str().unwrap();
    let args = ["solve", p, "--format", "json", "--backend", "minilp", "--quiet"];
    let full = run(&args);
    assert_eq!(full.code, 0, "{}", full.describe(&args));
    assert!(
        full.stdout.len() > 256 << 10,
        "the report ({} bytes) must overflow any pipe buffer for this test to mean anything",
        full.stdout.len()
    );

    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap(); // the reader is dropped here
    assert_eq!(first.trim_end(), "{");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "closed pipe: {stderr}");
    assert!(!stderr.contains("error"), "closed pipe: {stderr}");
    assert!(!stderr.contains("panicked"), "closed pipe: {stderr}");
}

// ---------------------------------------------------------------------------------------
// Golden reports
// ---------------------------------------------------------------------------------------

/// Instances with committed golden reports (small, and together they touch every section).
const GOLDEN: [&str; 2] = [
    "instances/textbook/powerco_transport.toml",
    "instances/textbook/silver_tax_chain.toml",
];

/// Report text with run-dependent parts masked: timings and the instance path as given.
fn mask_for_golden(report: &str, instance: &str, format: &str) -> String {
    let masked = report.replace(instance, "<instance>");
    match format {
        "json" => mask_timing(&masked),
        _ => masked,
    }
}

#[test]
fn golden_reports() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let golden_dir = root().join("tests/golden");
    let mut stale = Vec::new();
    for instance in GOLDEN {
        let stem = Path::new(instance).file_stem().unwrap().to_str().unwrap();
        // The default (brief) text, the full text with every section, and the JSON.
        for (format, detail, ext) in [
            ("text", "brief", "txt"),
            ("text", "full", "full.txt"),
            ("json", "brief", "json"),
        ] {
            // Pin the backend: `auto` may pick another one as the crossover moves.
            let args = [
                "solve",
                instance,
                "--format",
                format,
                "--detail",
                detail,
                "--backend",
                "minilp",
                "--quiet",
            ];
            let r = run(&args);
            assert_eq!(r.code, 0, "{}", r.describe(&args));
            let actual = mask_for_golden(&r.stdout, instance, format);
            let file = golden_dir.join(format!("{stem}.{ext}"));
            if bless {
                std::fs::create_dir_all(&golden_dir).unwrap();
                let mut f = std::fs::File::create(&file).unwrap();
                f.write_all(actual.as_bytes()).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&file).unwrap_or_else(|e| {
                panic!(
                    "cannot read {} ({e}); create it with `BLESS=1 cargo test --test cli golden`",
                    file.display()
                )
            });
            if expected != actual {
                let line = expected
                    .lines()
                    .zip(actual.lines())
                    .position(|(a, b)| a != b)
                    .map(|i| i + 1);
                stale.push(format!(
                    "{} differs from the current report (first difference at line {line:?}):\n{actual}",
                    file.display()
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{}\nIf the change is intended, run `BLESS=1 cargo test --test cli golden` and review the diff.",
        stale.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// Numerical extremes
// ---------------------------------------------------------------------------------------

const EXTREME: &str = "instances/numerics/extreme_scales.toml";

/// Twelve orders of magnitude in one model (its header derives every number below by
/// hand). The default backend must get each material right, not only the total; a backend
/// that cannot must say so (exit 5), never report a wrong optimum.
#[test]
fn extreme_scales_solve_to_the_hand_optimum_or_fail_honestly() {
    let mut runs: Vec<Option<&str>> = vec![None];
    runs.extend(BACKENDS.iter().map(|b| Some(*b)));
    for backend in runs {
        let (code, r) = solve_json(EXTREME, backend);
        let name = backend.unwrap_or("auto");
        if code != 0 {
            assert!(backend.is_some(), "the default backend must solve {EXTREME}: {r}");
            assert_eq!(
                code, 5,
                "{name}: a failure is exit 5, not a false verdict: {}",
                r["status"]
            );
            assert_eq!(r["status"], "error", "{name}");
            assert!(r["message"].is_string(), "{name}: a failure says why");
            continue;
        }
        assert_eq!(r["status"], "optimal");
        let obj = num(&r["objective"], "objective");
        assert!(close(obj, 34_231_630.200068, 1e-9), "{name}: objective {obj}");
        let rel = |v: &Value, want: f64, what: &str| {
            let got = num(v, what);
            assert!(
                (got - want).abs() <= 1e-6 * want.abs().max(1e-12),
                "{name}: {what} = {got}, want {want}"
            );
        };
        for (section, id, field, want) in [
            ("mines", "dust_b", "production_t", 0.0004),
            ("imports", "dust_cn", "bought_t", 0.0006),
            ("mines", "bulk_b", "production_t", 4e8),
            ("imports", "mid_cn", "bought_t", 300.0),
        ] {
            rel(&find(&r, section, "id", id)[field], want, id);
        }
        let zero_cn = num(&find(&r, "imports", "id", "zero_cn")["bought_t"], "zero_cn");
        assert!(
            zero_cn.abs() <= 1e-9,
            "{name}: a cap of exactly 0 lets nothing in: {zero_cn}"
        );
        let target = |id: &str| find(&r, "targets", "id", id).clone();
        rel(&target("dust_full")["achieved_share"], 0.6, "dust share");
        rel(&target("mid_a")["achieved_share"], 0.3, "mid share");
        assert_eq!(
            target("dust_full")["binding"],
            false,
            "{name}: a cap of exactly 1 never binds here"
        );
        assert_eq!(num(&target("dust_full")["marginal_value"], "mv"), 0.0);
        rel(&target("zero_cap")["marginal_value"], 349.2, "zero_cap marginal value");
        // The two nearly parallel rows share one price between their duals (per t/yr of the
        // share-weighted row: 249,900 per 1.0 of share over a consumption of 1,000 t). Each
        // target's marginal value is the one-sided value of relaxing it alone, as its row's
        // is: at most the shared price (the other row is tight within tolerance, so it may
        // take all of it).
        let row = |id: &str| find(&r, "constraints", "name", &format!("target[{id}]")).clone();
        let (ya, yb) = (num(&row("mid_a")["dual"], "dual"), num(&row("mid_b")["dual"], "dual"));
        assert!(ya <= 0.0 && yb <= 0.0, "{name}: {ya} {yb}");
        assert!(
            close(-(ya + yb) * 1_000.0, 249_900.0, 1e-6),
            "{name}: duals {ya} + {yb}"
        );
        for id in ["mid_a", "mid_b"] {
            let v = num(&target(id)["marginal_value"], "mv");
            let own = num(&row(id)["marginal_value"], "row marginal value") * 1_000.0;
            assert!((0.0..=249_900.0 * (1.0 + 1e-6)).contains(&v), "{name}: {id} {v}");
            assert!(
                close(v, own, 1e-6) || (v - own).abs() < 1e-6,
                "{name}: {id} {v} vs its row {own}"
            );
        }
    }
}

/// The marginal value of a cap of exactly 0 is a one-sided derivative: check it against a
/// re-solve with the cap opened a little.
#[test]
fn a_zero_cap_is_priced_by_the_cost_of_opening_it() {
    let base = num(&solve_optimal(EXTREME, None)["objective"], "objective");
    let args = [
        "solve",
        EXTREME,
        "--format",
        "json",
        "--quiet",
        "--set",
        "targets.zero_cap.max_import_share=0.001",
    ];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    let opened: Value = serde_json::from_str(&r.stdout).unwrap();
    let fd = (base - num(&opened["objective"], "objective")) / 0.001;
    let report = solve_optimal(EXTREME, None);
    let mv = num(&find(&report, "targets", "id", "zero_cap")["marginal_value"], "mv");
    assert!(close(fd, mv, 1e-6), "finite difference {fd}, reported {mv}");
}

// ---------------------------------------------------------------------------------------
// Limits and lost work
// ---------------------------------------------------------------------------------------

#[test]
fn a_time_limit_that_is_hit_exits_5_with_a_clear_message() {
    for &backend in BACKENDS {
        let args = [
            "solve",
            "instances/usmca_critical_minerals.toml",
            "--backend",
            backend,
            "--time-limit",
            "0.000001",
            "--format",
            "json",
            "--quiet",
        ];
        let r = run(&args);
        assert_eq!(r.code, 5, "{backend}: {}", r.describe(&args));
        let report: Value = serde_json::from_str(&r.stdout).expect("a JSON report");
        assert_eq!(report["status"], "error", "{backend}");
        assert!(report["objective"].is_null(), "{backend}: no plan is claimed");
        assert!(r.stderr.contains("time limit"), "{backend}: {}", r.stderr);
    }
    let args = ["solve", "instances/usmca_critical_minerals.toml", "--time-limit", "-1"];
    let r = run(&args);
    assert_eq!(r.code, 2, "a negative time limit is bad usage");
    // Read as the option's value, not as an unknown flag (whose tip, `-- -1`, misleads).
    assert!(
        r.stderr
            .contains("--time-limit must be a positive number of seconds, got -1"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_model_too_large_for_memory_is_refused_before_it_is_built() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.txt");
    let out_s = out.to_str().unwrap();
    let args = ["solve", "instances/usmca_critical_minerals.toml", "--output", out_s];
    let r = run_env(&args, &[("SOURCING_OPT_MEMORY_LIMIT_MB", "1")]);
    let stderr = &r.stderr;
    assert_eq!(r.code, 1, "{stderr}");
    assert!(
        stderr.contains("too large for memory") && stderr.contains("variables"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written");
    // The same instance under a generous limit solves.
    let args = ["solve", "instances/textbook/powerco_transport.toml"];
    let r = run_env(&args, &[("SOURCING_OPT_MEMORY_LIMIT_MB", "1000")]);
    assert_eq!(r.code, 0);
}

/// A dense regional network fills in the interior point's factorisation far beyond the
/// model's own size: the factor's memory (counted by the AMD ordering before any
/// factorisation) is checked against the limit too, and a factor that does not fit is a
/// clear failure (exit 5) naming what it needs, not an allocation abort; `auto` does not
/// then try the simplex. (A 1M-variable dense network asked for 36 GB here and aborted.)
#[test]
fn a_factorisation_too_large_for_memory_is_a_clear_failure() {
    let dir = tempfile::tempdir().unwrap();
    let inst = dir.path().join("dense.toml");
    let gen = [
        "generate",
        "--seed",
        "1",
        "--shape",
        "dense",
        "--scale",
        "25",
        "-o",
        inst.to_str().unwrap(),
    ];
    assert_eq!(run(&gen).code, 0);
    let out = dir.path().join("plan.json");
    let args = [
        "solve",
        inst.to_str().unwrap(),
        "--ranging",
        "off",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ];
    // The whole LP's factor: left to itself the solve would leave the lane capacities out,
    // and that factor fits (see `lane_capacities_left_out_give_the_same_plan`).
    let env = [("SOURCING_OPT_MEMORY_LIMIT_MB", "130"), ("SOURCING_OPT_LAZY", "off")];
    let r = run_env(&args, &env);
    let stderr = &r.stderr;
    assert_eq!(r.code, 5, "{stderr}");
    assert!(
        stderr.contains("factorisation would need about")
            && stderr.contains("SOURCING_OPT_MEMORY_LIMIT_MB allows 124.0 MB"),
        "{stderr}"
    );
    let report: Value = serde_json::from_str(&r.stdout).expect("the report on stdout");
    assert_eq!(report["status"], "error");
    assert!(
        report["solver"]["fallback"].is_null(),
        "no fallback: {}",
        report["solver"]["fallback"]
    );
    assert!(!out.exists(), "no plan file for a failed run");
}

/// Lane capacities left out of the interior point until a plan breaks them
/// (`SOURCING_OPT_LAZY=on`; by default only where they fill the factorisation in) give a plan
/// of the same cost, proved optimal on the whole LP (the pipeline's certificate), with every
/// lane capacity held, ranged as usual: on a dense network and on a three-year path.
#[test]
fn lane_capacities_left_out_give_the_same_plan() {
    let dir = tempfile::tempdir().unwrap();
    let shapes: [&[&str]; 2] = [
        &["--shape", "dense", "--scale", "2"],
        &["--scale", "3", "--periods", "3"],
    ];
    for (k, shape) in shapes.iter().enumerate() {
        let inst = dir.path().join(format!("i{k}.toml"));
        let mut gen = vec!["generate", "--seed", "3", "-o", inst.to_str().unwrap()];
        gen.extend_from_slice(shape);
        assert_eq!(run(&gen).code, 0);
        let solve = |lazy: &str| clarabel_json(&inst, &[("SOURCING_OPT_LAZY", lazy)]);
        let (lazy, whole) = (solve("on"), solve("off"));
        assert_same_plan(&lazy, &whole, "lazy capacities: ", &format!("{shape:?}"));
    }
}

/// The JSON report of `solve INST --backend clarabel` with the environment `env` (exit 0).
fn clarabel_json(inst: &std::path::Path, env: &[(&str, &str)]) -> Value {
    let args = [
        "solve",
        inst.to_str().unwrap(),
        "--backend",
        "clarabel",
        "--format",
        "json",
    ];
    let r = run_env(&args, env);
    assert_eq!(r.code, 0, "{} {env:?}: {}", inst.display(), r.stderr);
    serde_json::from_str::<Value>(&r.stdout).unwrap()
}

/// `report` (solved by the method `solver.method` starts with `method`) has the plan of
/// `whole` (solved without a method note): the same objective, every lane capacity held and
/// some binding, and a crossover to a vertex ranged exactly.
fn assert_same_plan(report: &Value, whole: &Value, method: &str, what: &str) {
    assert_eq!(report["status"], "optimal", "{what}");
    let said = report["solver"]["method"].as_str().unwrap_or_default();
    assert!(said.starts_with(method), "{what}: {said}");
    assert!(whole["solver"].get("method").is_none(), "{}", whole["solver"]);
    let (a, b) = (
        report["objective"].as_f64().unwrap(),
        whole["objective"].as_f64().unwrap(),
    );
    assert!((a - b).abs() <= 1e-8 * b.abs(), "{what}: {a} vs {b}");
    let caps: Vec<&Value> = report["constraints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "lane_capacity")
        .collect();
    assert!(caps.len() > 10, "{what}: {} lane capacities", caps.len());
    for c in &caps {
        let (act, rhs) = (c["activity"].as_f64().unwrap(), c["rhs"].as_f64().unwrap());
        assert!(act <= rhs * (1.0 + 1e-6) + 1e-6, "{what}: {c}");
    }
    assert!(caps.iter().any(|c| c["binding"] == true), "{what}: no capacity binds");
    let solver = &report["solver"];
    assert!(
        solver["ranging"].as_str().unwrap().starts_with("exact"),
        "{}",
        solver["ranging"]
    );
    assert!(
        solver["duals"].as_str().unwrap().contains("crossover"),
        "{}",
        solver["duals"]
    );
}

/// A run killed while it works (here: during ranging of the shipped instance) leaves the
/// previous output file as it was: the report is written to a temporary file and renamed.
#[test]
fn a_killed_run_leaves_the_previous_output_intact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    std::fs::write(&out, "previous plan\n").unwrap();
    let mut child = Command::new(BIN)
        .args([
            "solve",
            "instances/usmca_critical_minerals.toml",
            "--ranging",
            "on",
            "--quiet",
            "--output",
            out.to_str().unwrap(),
        ])
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let finished = child.try_wait().unwrap().is_some();
    child.kill().ok();
    child.wait().unwrap();
    if !finished {
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous plan\n");
    }
    // Either way the file is whole: the old content or a complete report.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text == "previous plan\n" || text.starts_with("sourcing-opt report"),
        "{text}"
    );
}

/// The shipped baseline and every scenario reach the same verdict and optimum on every
/// backend (Clarabel through the presolve): an interior-point answer that drifts past our
/// acceptance test would turn a strategist's `--backend clarabel` into an error.
#[test]
fn every_backend_solves_the_baseline_and_its_scenarios_alike() {
    let mut runs = vec![vec![]];
    let mut scenarios: Vec<String> = std::fs::read_dir(root().join("instances/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path().to_str().unwrap().to_string())
        .filter(|p| p.ends_with(".toml"))
        .collect();
    scenarios.sort();
    runs.extend(scenarios.into_iter().map(|s| vec!["--scenario".to_string(), s]));
    assert!(runs.len() >= 7, "the scenarios are missing");
    for extra in &runs {
        let mut verdicts = Vec::new();
        for &backend in BACKENDS {
            let mut args = vec![
                "solve",
                "instances/usmca_critical_minerals.toml",
                "--format",
                "json",
                "--ranging",
                "off",
                "--no-diagnose",
                "--quiet",
                "--backend",
                backend,
            ];
            args.extend(extra.iter().map(|s| s.as_str()));
            let r = run(&args);
            let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{}", r.describe(&args)));
            let status = v["status"].as_str().unwrap().to_string();
            assert!(
                status == "optimal" || status == "infeasible",
                "{backend} {extra:?}: {status}: {}",
                v["message"]
            );
            verdicts.push((backend, status, v["objective"].as_f64()));
        }
        let (_, first_status, first_obj) = verdicts[0].clone();
        for (backend, status, obj) in &verdicts {
            assert_eq!(status, &first_status, "{backend} {extra:?}");
            if let (Some(a), Some(b)) = (obj, first_obj) {
                assert!((a - b).abs() <= 1e-7 * b.abs(), "{backend} {extra:?}: {a} vs {b}");
            }
        }
    }
}

/// The interior point with conjugate gradients (forced on small dense networks; `auto` takes
/// it only where the factorisation fills in) gives the plan of the direct solve, holds every
/// lane capacity, and its plan crosses over to a vertex whose exact ranging the report gives.
#[test]
fn conjugate_gradients_give_the_direct_plan() {
    let dir = tempfile::tempdir().unwrap();
    for (seed, scale) in [("3", "2"), ("5", "4")] {
        let inst = dir.path().join(format!("d{seed}.toml"));
        let gen = [
            "generate",
            "--seed",
            seed,
            "--shape",
            "dense",
            "--scale",
            scale,
            "-o",
            inst.to_str().unwrap(),
        ];
        assert_eq!(run(&gen).code, 0);
        let solve = |env: &[(&str, &str)]| clarabel_json(&inst, env);
        let cg = solve(&[("SOURCING_OPT_LAZY", "on"), ("SOURCING_OPT_IPM", "cg")]);
        let whole = solve(&[("SOURCING_OPT_LAZY", "off"), ("SOURCING_OPT_IPM", "direct")]);
        let method = "interior point with conjugate gradients (basis preconditioner): ";
        assert_same_plan(&cg, &whole, method, &format!("seed {seed}"));
    }
}

/// A scenario value that validation rejects: the error names the scenario file and line
/// that set it, beside the instance line it replaces.
#[test]
fn a_rejected_scenario_value_names_the_scenario_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("bad.toml");
    std::fs::write(&sc, "name = \"bad\"\n[set]\n\"mines.penasquito_ag.capacity\" = -5\n").unwrap();
    let s = sc.to_str().unwrap();
    let args = ["check", "instances/usmca_critical_minerals.toml", "--scenario", s];
    let r = run(&args);
    assert_eq!(r.code, 1, "{}", r.describe(&args));
    assert!(
        r.stderr.contains(&format!(
            "value set by scenario `{s}`, line 3: `mines.penasquito_ag.capacity=-5`"
        )),
        "{}",
        r.describe(&args)
    );
}

/// An override's errors name the option it came with: `--set` for `solve`, `--param` for a
/// sweep's points, in the error and in the note under a rejected value.
#[test]
fn override_errors_name_the_option_they_came_with() {
    let inst = "instances/usmca_critical_minerals.toml";
    for (args, wanted) in [
        (
            vec!["solve", inst, "--set", "mines.nope.capacity=2"],
            "error: --set `mines.nope.capacity=2`: no entry of `mines` has id `nope`",
        ),
        (
            vec!["sweep", inst, "--param", "mines.nope.capacity", "--values", "1,2"],
            "error: --param `mines.nope.capacity=1`: no entry of `mines` has id `nope`",
        ),
        (
            vec!["check", inst, "--set", "meta.carrying_rate=2"],
            "= note: value set by --set `meta.carrying_rate=2`",
        ),
    ] {
        let r = run(&args);
        assert_eq!(r.code, 1, "{}", r.describe(&args));
        assert!(r.stderr.contains(wanted), "{}", r.describe(&args));
    }
}

/// Every problem of the overrides in one run: a misspelt field (in a scenario and on the
/// command line) beside ids the instance lacks. The ids used to be reported only once the
/// field was fixed.
#[test]
fn every_override_problem_is_reported_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("sc.toml");
    std::fs::write(
        &sc,
        "[set]\n\"mines.penasquito_ag.capcity\" = 5\n\"mines.nope.capacity\" = 3\n",
    )
    .unwrap();
    let sc = sc.to_str().unwrap();
    let inst = "instances/usmca_critical_minerals.toml";
    let args = [
        "check",
        inst,
        "--scenario",
        sc,
        "--set",
        "plants.nada.capacity=2",
        "--set",
        "demands.*.quantty=1",
    ];
    let r = run(&args);
    assert_eq!(r.code, 1, "{}", r.describe(&args));
    for wanted in [
        "`mines` has no field `capcity`",
        "`demands` has no field `quantty`",
        "`mines.nope.capacity=3`: no entry of `mines` has id `nope`",
        "--set `plants.nada.capacity=2`: no entry of `plants` has id `nada`",
        "error: 4 invalid overrides; nothing was solved",
    ] {
        assert!(r.stderr.contains(wanted), "{wanted}: {}", r.describe(&args));
    }
}

/// An override of a series entry that no period uses (after the last period, or before an
/// entry that replaces it at the first) changes nothing: it used to be ignored in silence;
/// it is a warning naming the entry, the option it came with and the horizon (a warning, so
/// that raising one year and restoring the next also works in the last period).
#[test]
fn an_override_of_a_year_no_period_uses_is_warned_of() {
    let inst = "instances/usmca_2025_2030.toml";
    let key = "targets.ree_usmca.max_import_share";
    for (args, wanted) in [
        (
            vec!["check", inst, "--set", &format!("{key}.2031=0.5")],
            "warning: `max_import_share` in target `ree_usmca`: the entry for 2031 never applies: it is after the \
             last period (2030)",
        ),
        (
            vec!["check", inst, "--set", &format!("{key}.2024=0.5")],
            "the entry for 2024 never applies: it is replaced by the entry for 2025 before a period starts (2025)",
        ),
        (
            vec!["sweep", inst, "--param", &format!("{key}.2031"), "--values", "0.5,0.6"],
            "note: value set by --param `targets.ree_usmca.max_import_share.2031=0.5`",
        ),
    ] {
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.describe(&args));
        assert!(r.stderr.contains(wanted), "{}", r.describe(&args));
        assert!(
            r.stderr.contains("the periods run from 2025 to 2030"),
            "{}",
            r.describe(&args)
        );
    }
    // A year between periods that the next period uses is an entry like any other.
    let args = ["check", inst, "--set", "targets.ree_usmca.max_import_share.2027=0.8"];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    assert!(!r.stderr.contains("never applies"), "{}", r.describe(&args));
}

/// A file that is not UTF-8 (a spreadsheet's Latin-1 export), as instance or scenario: the
/// error gives the line and column of the first bad byte, in characters, and the fix.
#[test]
fn a_file_that_is_not_utf8_is_located_by_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let latin = dir.path().join("latin.toml");
    std::fs::write(&latin, b"[meta]\nname = \"\xc3\xa9t\xe9\"\n").unwrap();
    let l = latin.to_str().unwrap();
    let sc = dir.path().join("sc.toml");
    std::fs::write(&sc, b"name = \"x\"\n[set]\n# \xff\n").unwrap();
    let s = sc.to_str().unwrap();
    let shipped = "instances/usmca_critical_minerals.toml";
    for (args, at) in [
        (vec!["check", l], format!("{l}:2:11")),
        (vec!["solve", shipped, "--scenario", s], format!("{s}:3:3")),
    ] {
        let r = run(&args);
        assert_eq!(r.code, 1, "{}", r.describe(&args));
        assert!(
            r.stderr.contains(&at) && r.stderr.contains("save the file as UTF-8"),
            "{}",
            r.describe(&args)
        );
    }
}
