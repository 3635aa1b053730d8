//! End-to-end tests of the what-if commands, on the real binary: `compare` (what changed
//! between two JSON reports) and `stress` (N-1 disruption ranking).
//!
//! The hand-derived numbers of `tests/fixtures/stress/single_point_of_failure.toml` are
//! derived in that file's header; everything else is checked against independent runs of
//! `solve`.

mod common;

use common::{close, list, num, root, run, text, Run};
use serde_json::Value;
use std::path::{Path, PathBuf};

const SPOF: &str = "tests/fixtures/stress/single_point_of_failure.toml";
const BASELINE: &str = "instances/usmca_critical_minerals.toml";

/// `solve INSTANCE --format json --quiet --ranging off [--set S]...`, written to `dir/name`.
/// Returns the exit code, the file and the parsed report.
fn solve_to(dir: &Path, name: &str, instance: &str, sets: &[&str]) -> (i32, PathBuf, Value) {
    let mut args = vec!["solve", instance, "--format", "json", "--quiet", "--ranging", "off"];
    for s in sets {
        args.extend(["--set", s]);
    }
    let r = run(&args);
    let v: Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not a JSON report ({e})\n{}", r.describe(&args)));
    let path = dir.join(name);
    std::fs::write(&path, &r.stdout).expect("write report");
    (r.code, path, v)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// `compare A B --format F [extra...]`, which must exit 0.
fn compare(a: &Path, b: &Path, format: &str, extra: &[&str]) -> Run {
    let mut args = vec!["compare", s(a), s(b), "--format", format];
    args.extend(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    r
}

fn compare_json(a: &Path, b: &Path) -> Value {
    let r = compare(a, b, "json", &[]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("compare JSON ({e}): {}", r.stdout));
    assert_eq!(v["schema"], "sourcing-opt/compare/1");
    v
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

#[test]
fn comparing_a_report_with_itself_shows_no_change_in_every_format() {
    let dir = tempdir();
    let (code, a, ra) = solve_to(dir.path(), "a.json", BASELINE, &[]);
    assert_eq!(code, 0);
    let t = compare(&a, &a, "text", &[]);
    assert!(t.stdout.contains("no change"), "{}", t.stdout);
    let m = compare(&a, &a, "markdown", &[]);
    assert!(m.stdout.contains("**No change**"), "{}", m.stdout);
    let j = compare_json(&a, &a);
    assert_eq!(j["changed"], false, "{}", j);
    assert_eq!(num(&j["objective"]["delta"], "objective.delta"), 0.0);
    for section in ["flows", "added", "removed", "now_binding", "now_slack", "prices"] {
        assert!(list(&j, section).is_empty(), "{section}: {}", j[section]);
    }
    // Every target is listed, none changed.
    assert_eq!(list(&j, "targets").len(), list(&ra, "targets").len());
    assert!(list(&j, "targets").iter().all(|t| t["changed"] == false));
    // Two solves of the same input are identical too (timing aside).
    let (_, a2, _) = solve_to(dir.path(), "a2.json", BASELINE, &[]);
    assert_eq!(compare_json(&a, &a2)["changed"], false);
}

#[test]
fn a_set_shows_as_the_objective_delta_and_the_changed_target_share() {
    let dir = tempdir();
    // Fixture: closing the rail lane moves all 100 t of ore to the import (header of the
    // fixture: 3,200 -> 7,500 USD/yr; the `us_ore` share goes from 0 to 1).
    let (ca, a, ra) = solve_to(dir.path(), "a.json", SPOF, &[]);
    let (cb, b, rb) = solve_to(dir.path(), "b.json", SPOF, &["lanes.US-A->US-B/rail.capacity=0"]);
    assert_eq!((ca, cb), (0, 0));
    let j = compare_json(&a, &b);
    assert_eq!(j["changed"], true);
    let delta = num(&j["objective"]["delta"], "delta");
    let diff = num(&rb["objective"], "b") - num(&ra["objective"], "a");
    assert!(close(delta, diff, 1e-12), "{delta} vs {diff}");
    assert!(close(delta, 4300.0, 1e-9), "hand-derived +4,300, got {delta}");
    assert!(close(num(&j["objective"]["pct"], "pct"), 4300.0 / 3200.0 * 100.0, 1e-9));
    let t = &list(&j, "targets")[0];
    assert_eq!((t["id"].as_str(), &t["changed"]), (Some("us_ore"), &Value::Bool(true)));
    assert!(close(num(&t["share_a"], "share_a"), 0.0, 1e-9) && close(num(&t["share_b"], "share_b"), 1.0, 1e-9));
    // The import now carries the ore: a changed flow matched by id; the rail shipment
    // vanished and the sea shipment appeared.
    let flow = list(&j, "flows")
        .iter()
        .find(|f| f["section"] == "imports" && f["key"] == "zz_ore" && f["field"] == "bought_t")
        .unwrap_or_else(|| panic!("zz_ore not among the changed flows: {}", j["flows"]));
    assert!(close(num(&flow["delta"], "delta"), 100.0, 1e-9));
    let keys = |section: &str| -> Vec<String> {
        list(&j, section)
            .iter()
            .filter(|e| e["section"] == "shipments")
            .map(|e| text(&e["key"], "key").to_string())
            .collect()
    };
    assert_eq!(keys("removed"), ["US-A->US-B/rail (US-A->US-B, ore)"]);
    assert_eq!(keys("added"), ["ZZ-P->US-B/sea (ZZ-P->US-B, ore)"]);
    // Costs: mining and transport categories moved by the hand-derived amounts.
    let cost = |name: &str| {
        let c = list(&j, "costs")
            .iter()
            .find(|c| c["category"] == name)
            .expect("category");
        num(&c["delta"], name)
    };
    assert!(close(cost("mining"), -1000.0, 1e-9) && close(cost("imports"), 5000.0, 1e-9));
    // Text and Markdown name the target and the objective change.
    for format in ["text", "markdown"] {
        let out = compare(&a, &b, format, &[]).stdout;
        assert!(out.contains("us_ore") && out.contains("+4,300"), "{format}:\n{out}");
    }

    // The shipped baseline: relax the binding target with the largest value by 10 points.
    let (_, base, rbase) = solve_to(dir.path(), "base.json", BASELINE, &[]);
    let target = list(&rbase, "targets")
        .iter()
        .filter(|t| t["binding"] == true && t["marginal_value"].as_f64().is_some_and(|v| v > 0.0))
        .max_by(|x, y| num(&x["marginal_value"], "mv").total_cmp(&num(&y["marginal_value"], "mv")))
        .expect("a binding target with a value");
    let id = text(&target["id"], "id");
    let cap = num(&target["max_import_share"], "cap") + 0.1;
    let set = format!("targets.{id}.max_import_share={cap}");
    let (code, relaxed, rrel) = solve_to(dir.path(), "relaxed.json", BASELINE, &[&set]);
    assert_eq!(code, 0);
    let j = compare_json(&base, &relaxed);
    let diff = num(&rrel["objective"], "b") - num(&rbase["objective"], "a");
    assert!(diff < 0.0, "relaxing a binding target must save money");
    assert!(close(num(&j["objective"]["delta"], "delta"), diff, 1e-12));
    let row = list(&j, "targets").iter().find(|t| t["id"] == id).expect("target row");
    assert_eq!(row["changed"], true);
    assert!(
        num(&row["share_b"], "share_b") > num(&row["share_a"], "share_a") + 1e-6,
        "{row}"
    );
    let out = compare(&base, &relaxed, "text", &[]).stdout;
    assert!(out.contains(id), "{out}");
}

/// Permute every list of a report (reverse, then rotate by a third).
fn shuffle(report: &mut Value) {
    for section in [
        "mines",
        "plants",
        "imports",
        "shipments",
        "demands",
        "targets",
        "constraints",
        "prices",
    ] {
        if let Some(a) = report[section].as_array_mut() {
            a.reverse();
            let k = a.len() / 3;
            a.rotate_left(k);
        }
    }
}

#[test]
fn rows_are_matched_by_name_even_when_the_order_of_a_list_differs() {
    let dir = tempdir();
    let (_, a, ra) = solve_to(dir.path(), "a.json", BASELINE, &[]);
    let (_, b, _) = solve_to(dir.path(), "b.json", BASELINE, &["mines.penasquito_ag.capacity=0"]);
    let mut shuffled = ra.clone();
    shuffle(&mut shuffled);
    assert_ne!(
        shuffled["constraints"][0], ra["constraints"][0],
        "the shuffle must move rows"
    );
    let sh = dir.path().join("shuffled.json");
    std::fs::write(&sh, serde_json::to_string_pretty(&shuffled).expect("JSON")).expect("write");
    // Against itself in another order: no change.
    let j = compare_json(&a, &sh);
    assert_eq!(j["changed"], false, "{}", compare(&a, &sh, "text", &[]).stdout);
    // Against another plan: the same comparison whatever the order of A's lists.
    let mut plain = compare_json(&a, &b);
    let mut mixed = compare_json(&sh, &b);
    assert_eq!(plain["changed"], true);
    assert!(!list(&plain, "flows").is_empty());
    plain["a"]["file"] = Value::Null;
    mixed["a"]["file"] = Value::Null;
    assert_eq!(plain, mixed);
}

#[test]
fn an_infeasible_report_still_compares_and_says_so() {
    let dir = tempdir();
    let (_, a, _) = solve_to(dir.path(), "a.json", SPOF, &[]);
    let (code, b, rb) = solve_to(dir.path(), "b.json", SPOF, &["plants.smelter.capacity=0"]);
    assert_eq!((code, rb["status"].as_str()), (3, Some("infeasible")));
    let j = compare_json(&a, &b);
    assert_eq!(
        (&j["changed"], &j["status_changed"]),
        (&Value::Bool(true), &Value::Bool(true))
    );
    assert!(j["objective"]["b"].is_null() && j["objective"]["delta"].is_null());
    let notes: Vec<&str> = list(&j, "notes").iter().filter_map(Value::as_str).collect();
    assert!(notes.iter().any(|n| n.contains("B is infeasible")), "{notes:?}");
    let out = compare(&a, &b, "text", &[]).stdout;
    assert!(out.contains("status changed: optimal in A, infeasible in B"), "{out}");
}

#[test]
fn bad_input_exits_1_naming_the_file() {
    let dir = tempdir();
    let (_, good, _) = solve_to(dir.path(), "good.json", SPOF, &[]);
    let not_json = dir.path().join("not_json.json");
    std::fs::write(&not_json, "schema = 1\n").expect("write");
    let foreign = dir.path().join("foreign.json");
    std::fs::write(&foreign, r#"{"schema": "something/else/1", "status": "optimal"}"#).expect("write");
    let no_schema = dir.path().join("no_schema.json");
    std::fs::write(&no_schema, r#"{"status": "optimal", "objective": 1}"#).expect("write");
    let missing = dir.path().join("missing.json");
    for bad in [&not_json, &foreign, &no_schema, &missing] {
        for args in [
            vec!["compare", s(bad), s(&good)],
            vec!["compare", s(&good), s(bad), "--format", "json"],
        ] {
            let r = run(&args);
            assert_eq!(r.code, 1, "{}", r.describe(&args));
            assert!(r.stderr.contains(s(bad)), "{}", r.describe(&args));
            assert!(r.stdout.is_empty(), "{}", r.describe(&args));
        }
    }
    let args = ["compare", s(&good), s(&good), "--tol", "-1"];
    assert_eq!(run(&args).code, 2);

    // stress: a missing instance, an override naming nothing, an invalid instance.
    let invalid = root().join("tests/fixtures/invalid/unknown_region.toml");
    let cases: [Vec<&str>; 3] = [
        vec!["stress", "no/such/instance.toml"],
        vec!["stress", SPOF, "--set", "mines.no_such_mine.capacity=0"],
        vec!["stress", s(&invalid)],
    ];
    for args in cases {
        let r = run(&args);
        assert_eq!(r.code, 1, "{}", r.describe(&args));
        assert!(r.stdout.is_empty(), "{}", r.describe(&args));
    }
    let args = ["stress", SPOF, "--jobs", "0"];
    assert_eq!(run(&args).code, 2);
}

fn stress_json(args: &[&str]) -> Value {
    let r = run(args);
    assert_eq!(r.code, 0, "{}", r.describe(args));
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("({e}) {}", r.describe(args)));
    assert_eq!(v["schema"], "sourcing-opt/stress/1");
    v
}

#[test]
fn stress_ranks_the_planted_single_point_of_failure_first() {
    let v = stress_json(&["stress", SPOF, "--format", "json", "--quiet"]);
    assert!(close(num(&v["base"]["objective"], "base"), 3200.0, 1e-9));
    assert_eq!(v["cases"], 7);
    // (kind, id, status, objective): derived by hand in the fixture's header.
    let expected: [(&str, &str, &str, Option<f64>); 7] = [
        ("plant", "smelter", "infeasible", None),
        ("lane", "US-A->US-B/rail", "optimal", Some(7500.0)),
        ("mine", "mine_a", "optimal", Some(5200.0)),
        ("mine", "mine_b", "optimal", Some(3200.0)),
        ("import", "zz_ore", "optimal", Some(3200.0)),
        ("lane", "ZZ-P->US-B/sea", "optimal", Some(3200.0)),
        ("country", "ZZ", "optimal", Some(3200.0)),
    ];
    let rows = list(&v, "rows");
    assert_eq!(rows.len(), expected.len());
    for (i, (row, (kind, id, status, obj))) in rows.iter().zip(expected).enumerate() {
        assert_eq!(row["rank"], i + 1);
        assert_eq!(
            (row["kind"].as_str(), row["id"].as_str(), row["status"].as_str()),
            (Some(kind), Some(id), Some(status)),
            "row {}: {row}",
            i + 1
        );
        match obj {
            Some(o) => {
                assert!(close(num(&row["objective"], "objective"), o, 1e-9), "{row}");
                assert!(close(num(&row["cost_increase"], "increase"), o - 3200.0, 1e-9), "{row}");
                assert!(close(num(&row["unmet_t"], "unmet"), 0.0, 1e-9), "{row}");
            }
            None => assert!(row["objective"].is_null() && row["cause"] == "supply", "{row}"),
        }
    }
    // The country case removes its offer and its lane.
    assert_eq!(
        rows[6]["overrides"],
        serde_json::json!(["imports.zz_ore.capacity=0", "lanes.ZZ-P->US-B/sea.capacity=0"])
    );
    // --top keeps the worst rows, after solving every case.
    let top = stress_json(&["stress", SPOF, "--format", "json", "--quiet", "--top", "2"]);
    assert_eq!((top["cases"].as_u64(), top["shown"].as_u64()), (Some(7), Some(2)));
    assert_eq!(list(&top, "rows")[..], rows[..2]);
    // Text and Markdown show the same ranking.
    for format in ["text", "markdown"] {
        let r = run(&["stress", SPOF, "--format", format, "--quiet"]);
        let first = r
            .stdout
            .lines()
            .position(|l| l.contains("smelter"))
            .expect("smelter shown");
        let second = r
            .stdout
            .lines()
            .position(|l| l.contains("US-A->US-B/rail"))
            .expect("rail shown");
        assert!(first < second, "{format}:\n{}", r.stdout);
    }
}

/// An infeasible case carries the size of its shortfall in every format: removing the
/// smelter leaves all 50 t/yr of must-meet metal unserved (fixture header), and `solve`
/// with the row's overrides and every target relaxed diagnoses the same demand relaxation.
#[test]
fn an_infeasible_stress_case_carries_its_shortfall_in_every_format() {
    let v = stress_json(&["stress", SPOF, "--format", "json", "--quiet"]);
    let row = &list(&v, "rows")[0];
    assert_eq!(
        (row["id"].as_str(), row["cause"].as_str()),
        (Some("smelter"), Some("supply"))
    );
    assert!(close(num(&row["shortfall"]["value"], "shortfall"), 50.0, 1e-9), "{row}");
    assert_eq!(row["shortfall"]["unit"], "t/yr", "{row}");
    assert!(list(&v, "rows")[1..].iter().all(|r| r["shortfall"].is_null()));
    let r = run(&[
        "solve",
        SPOF,
        "--format",
        "json",
        "--quiet",
        "--set",
        "plants.smelter.capacity=0",
        "--set",
        "targets.*.max_import_share=1",
    ]);
    assert_eq!(r.code, 3);
    let rep: Value = serde_json::from_str(&r.stdout).expect("a report");
    let relaxations = list(&rep["diagnosis"], "relaxations");
    let given: f64 = relaxations
        .iter()
        .filter(|x| text(&x["constraint"], "constraint").starts_with("demands."))
        .map(|x| num(&x["current"], "current") - num(&x["required"], "required"))
        .sum();
    assert!(close(given, 50.0, 1e-9), "{relaxations:?}");

    let csv = run(&["stress", SPOF, "--format", "csv", "--quiet"]).stdout;
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let first: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let at = |name: &str| first[header.iter().position(|h| *h == name).expect(name)];
    assert_eq!((at("shortfall"), at("shortfall_unit")), ("50", "t/yr"), "{csv}");
    for format in ["text", "markdown"] {
        let out = run(&["stress", SPOF, "--format", format, "--quiet"]).stdout;
        let line = out.lines().find(|l| l.contains("smelter")).expect("smelter");
        assert!(line.contains("50 t/yr"), "{format}: {line}");
        assert!(out.contains("shortfall"), "{format}:\n{out}");
    }
}

/// Every row's outcome equals a separate `solve --set <its overrides>` run.
fn check_rows_against_solve(instance: &str, rows: &[&Value], base_sets: &[&str]) {
    for row in rows {
        let mut args = vec!["solve", instance, "--format", "json", "--quiet", "--ranging", "off"];
        for s in base_sets {
            args.extend(["--set", s]);
        }
        let overrides: Vec<&str> = list(row, "overrides").iter().filter_map(Value::as_str).collect();
        assert!(!overrides.is_empty(), "{row}");
        for o in &overrides {
            args.extend(["--set", o]);
        }
        let r = run(&args);
        let rep: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("({e}) {}", r.describe(&args)));
        assert_eq!(rep["status"], row["status"], "{}", r.describe(&args));
        match row["status"].as_str() {
            Some("optimal") => {
                assert_eq!(r.code, 0);
                let (x, y) = (num(&row["objective"], "row"), num(&rep["objective"], "solve"));
                assert!(close(x, y, 1e-9), "{row}: solve gives {y}");
                let unmet: f64 = list(&rep, "demands").iter().map(|d| num(&d["unmet"], "unmet")).sum();
                assert!(close(num(&row["unmet_t"], "unmet_t"), unmet, 1e-9), "{row}: {unmet}");
            }
            _ => assert_eq!(r.code, 3, "{}", r.describe(&args)),
        }
    }
}

#[test]
fn every_stress_row_of_the_fixture_is_reproduced_by_solve() {
    let v = stress_json(&["stress", SPOF, "--format", "json", "--quiet"]);
    let rows: Vec<&Value> = list(&v, "rows").iter().collect();
    check_rows_against_solve(SPOF, &rows, &[]);
    // With a base override, the rows are relative to the overridden base and reproduce with
    // both sets of overrides.
    let base_set = "mines.mine_b.cost=15";
    let v = stress_json(&["stress", SPOF, "--format", "json", "--quiet", "--set", base_set]);
    assert_eq!(v["instance"]["overrides"], serde_json::json!([base_set]));
    let rows: Vec<&Value> = list(&v, "rows").iter().collect();
    // mine_a out: 100 t from mine_b at 15 + 2 = 17 -> 1,700 + 2,000 = 3,700 (+500).
    let mine_a = rows.iter().find(|r| r["id"] == "mine_a").expect("mine_a row");
    assert!(close(num(&mine_a["objective"], "mine_a"), 3700.0, 1e-9), "{mine_a}");
    check_rows_against_solve(SPOF, &rows, &[base_set]);
}

#[test]
fn stress_of_the_baseline_is_independent_of_jobs_and_reproducible_by_solve() {
    let one = run(&["stress", BASELINE, "--format", "json", "--quiet", "--jobs", "1"]);
    let two = run(&["stress", BASELINE, "--format", "json", "--quiet", "--jobs", "2"]);
    assert_eq!((one.code, two.code), (0, 0), "{}", two.stderr);
    assert!(one.stdout == two.stdout, "--jobs 1 and --jobs 2 differ");
    let v: Value = serde_json::from_str(&one.stdout).expect("JSON");
    let rows = list(&v, "rows");
    // One case per mine, plant, offer and lane, plus the foreign countries with something
    // to remove, counted from the instance itself.
    let src = std::fs::read_to_string(root().join(BASELINE)).expect("baseline");
    let count = |table: &str| src.lines().filter(|l| l.trim() == format!("[[{table}]]")).count();
    let kinds = |k: &str| rows.iter().filter(|r| r["kind"] == k).count();
    assert_eq!(kinds("mine"), count("mines"));
    assert_eq!(kinds("plant"), count("plants"));
    assert_eq!(kinds("import"), count("imports"));
    assert_eq!(kinds("lane"), count("lanes"));
    assert!(
        kinds("country") > 0
            && !rows
                .iter()
                .any(|r| r["kind"] == "country" && ["US", "CA", "MX"].contains(&r["id"].as_str().unwrap_or("")))
    );
    // The order is the documented one: infeasible first, then cost increase descending.
    let mut seen_optimal = false;
    let mut last = f64::INFINITY;
    let mut last_short = (0, f64::INFINITY);
    for r in rows {
        match r["status"].as_str() {
            Some("infeasible") => {
                assert!(!seen_optimal, "an infeasible row after an optimal one: {r}");
                // Supply before targets, each by shortfall, largest first (a case the
                // diagnosis could not size last in its group).
                let group = usize::from(r["cause"] != "supply");
                let short = r["shortfall"]["value"].as_f64().unwrap_or(0.0);
                if !r["shortfall"].is_null() {
                    let unit = if group == 0 { "t/yr" } else { "share" };
                    assert_eq!(r["shortfall"]["unit"], unit, "{r}");
                    assert!(short > 0.0, "{r}");
                }
                assert!(
                    group > last_short.0 || (group == last_short.0 && short <= last_short.1),
                    "{r} after {last_short:?}"
                );
                last_short = (group, short);
            }
            Some("optimal") => {
                seen_optimal = true;
                let inc = num(&r["cost_increase"], "increase");
                assert!(inc <= last + 1e-9 * last.abs().max(1.0), "{r} after {last}");
                last = inc;
            }
            other => panic!("unexpected status {other:?}: {r}"),
        }
    }
    // Reproduce the first two rows, the first optimal rows and a spread of the rest.
    let first_optimal = rows
        .iter()
        .position(|r| r["status"] == "optimal")
        .expect("an optimal row");
    let picks: Vec<&Value> = [0, 1, first_optimal, first_optimal + 1, rows.len() / 2, rows.len() - 1]
        .iter()
        .map(|&i| &rows[i])
        .collect();
    check_rows_against_solve(BASELINE, &picks, &[]);

    // A small instance in CSV, three ways.
    let csv = |jobs: &str| run(&["stress", SPOF, "--format", "csv", "--quiet", "--jobs", jobs]).stdout;
    let c1 = csv("1");
    assert!(c1.starts_with("rank,kind,id,status,objective"), "{c1}");
    assert_eq!(c1, csv("2"));
    assert_eq!(c1, csv("3"));
}

/// An optimal report against an infeasible one: the costs of the side without a plan are
/// not zeros, so no category reads -100% (or "+inf"): every format says "no plan in B" (or
/// A), and JSON has a `no_plan_in` field with null numbers.
#[test]
fn comparing_with_an_infeasible_report_says_no_plan_instead_of_minus_100_percent() {
    let dir = tempdir();
    let powerco = "instances/textbook/powerco_transport.toml";
    let (code, plan, _) = solve_to(dir.path(), "plan.json", powerco, &[]);
    assert_eq!(code, 0);
    let (code, none, _) = solve_to(dir.path(), "none.json", powerco, &["demands.*.quantity*=2"]);
    assert_eq!(code, 3);
    for (a, b, side) in [(&plan, &none, "B"), (&none, &plan, "A")] {
        for format in ["text", "markdown"] {
            let out = compare(a, b, format, &[]).stdout;
            assert!(out.contains(&format!("no plan in {side}")), "{format}:\n{out}");
            assert!(!out.contains("100.00%"), "{format}:\n{out}");
        }
        let j = compare_json(a, b);
        assert_eq!(j["no_plan_in"], side, "{j}");
        let costs = list(&j, "costs");
        assert!(costs.iter().any(|c| c["changed"] == true), "{j}");
        for c in costs {
            assert_eq!(c["no_plan_in"], side, "{c}");
            assert!(c["pct"].is_null() && c["delta"].is_null(), "{c}");
            let missing = if side == "A" { &c["a"] } else { &c["b"] };
            assert!(missing.is_null(), "{c}");
        }
    }
    // Two plans: no such field.
    assert!(compare_json(&plan, &plan)["no_plan_in"].is_null());
}

/// Against a report without a plan, compare does not claim that the instance has no periods
/// (an infeasible report has no periods to show), and says when the two reports' prices were
/// read differently (ranged, or `--ranging off`), with the objective's change judged by the
/// tolerance.
#[test]
fn compare_notes_what_differs_in_how_the_reports_were_made_not_what_is_missing() {
    let dir = tempdir();
    let instance = "tests/fixtures/periods/whatif_lead_time.toml";
    let (code_a, a, _) = solve_to(dir.path(), "a.json", instance, &["mines.us_mine.expansion.lead_time=0"]);
    let (code_b, b, _) = solve_to(dir.path(), "b.json", instance, &[]);
    assert_eq!((code_a, code_b), (0, 3), "optimal against infeasible");
    let j = compare_json(&a, &b);
    let notes: Vec<&str> = list(&j, "notes").iter().filter_map(Value::as_str).collect();
    assert!(notes.iter().any(|n| n.contains("B is infeasible")), "{notes:?}");
    assert!(!notes.iter().any(|n| n.contains("has periods")), "{notes:?}");

    // The same instance, ranged (the default: a vertex) and not (an interior-point plan).
    let path = "instances/usmca_2025_2030.toml";
    let ranged = dir.path().join("ranged.json");
    let args = ["solve", path, "--format", "json", "--quiet", "--output", s(&ranged)];
    assert_eq!(run(&args).code, 0);
    let (_, plain, _) = solve_to(dir.path(), "plain.json", path, &[]);
    let j = compare_json(&ranged, &plain);
    let notes: Vec<&str> = list(&j, "notes").iter().filter_map(Value::as_str).collect();
    assert!(
        notes.iter().any(|n| n.contains("A was ranged and B was not")),
        "{notes:?}"
    );
    assert_eq!(
        j["objective_changed"],
        Value::Bool(false),
        "one optimum: {}",
        j["objective"]
    );
    let out = compare(&ranged, &plain, "text", &[]).stdout;
    assert!(
        out.contains("no change (tolerance") || out.contains("within the tolerance (1e-6): the same cost"),
        "{out}"
    );
    // No change shown as `+0.0000 pp` or `-0.0000%`, no tonnes that print as 0.
    for bad in ["+0.0000 pp", "-0.0000 pp", "+0.0000%", "-0.0000%"] {
        assert!(!out.contains(bad), "{bad} in\n{out}");
    }
    for line in out.lines().filter(|l| l.trim_start().starts_with("shipments ")) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        let change = cells[cells.len() - 2];
        assert!(
            !matches!(change, "0" | "+0" | "-0"),
            "a change that prints as 0: {line}"
        );
    }
}
