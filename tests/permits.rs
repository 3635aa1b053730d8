//! End-to-end tests of `sourcing-opt permits` on a three-period fixture whose savings are
//! derived by hand in its header (tests/fixtures/periods/permits.toml): the ranking, the
//! savings, each row reproduced by `solve --set`, an infeasible base case ranked by which cut
//! gives a plan, output independent of --jobs, JSON and CSV that parse, usage errors.

mod common;

use common::*;
use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/periods/permits.toml";
/// Caps the import share at 0.5 in every period: no plan before 2027 (see the fixture).
const TIGHT: &str = "targets.sb_us.max_import_share=0.5";

fn permits(extra: &[&str]) -> (Run, Vec<String>) {
    let mut args: Vec<String> = ["permits", FIXTURE, "--quiet"].map(String::from).to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    (run(&argv), args)
}

/// `permits FIXTURE --format json EXTRA`, which must exit 0.
fn permits_json(extra: &[&str]) -> Value {
    let mut e = vec!["--format", "json"];
    e.extend_from_slice(extra);
    let (r, args) = permits(&e);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(r.code, 0, "{}", r.describe(&argv));
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("({e}) {}", r.describe(&argv)));
    assert_eq!(v["schema"], "sourcing-opt/permits/1");
    v
}

fn exact(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

/// (facility, saving, objective) of each row, in rank order.
fn savings(v: &Value) -> Vec<(String, f64, f64)> {
    list(v, "rows")
        .iter()
        .map(|r| {
            (
                text(&r["facility"], "facility").to_string(),
                num(&r["saving"], "saving"),
                num(&r["objective"], "objective"),
            )
        })
        .collect()
}

/// Each row's `set`, with the base's own overrides, gives the row's status and objective in
/// a separate `solve`.
fn check_rows_against_solve(v: &Value, base_sets: &[&str]) {
    for row in list(v, "rows") {
        let set = text(&row["set"], "set");
        let mut args = vec!["solve", FIXTURE, "--format", "json", "--quiet", "--ranging", "off"];
        for s in base_sets {
            args.extend(["--set", s]);
        }
        args.extend(["--set", set]);
        let r = run(&args);
        let rep: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("({e}) {}", r.describe(&args)));
        assert_eq!(rep["status"], row["status"], "{}", r.describe(&args));
        if row["status"] == "optimal" {
            assert_eq!(r.code, 0, "{}", r.describe(&args));
            let (x, y) = (num(&row["objective"], "row"), num(&rep["objective"], "solve"));
            assert!(close(x, y, 1e-9), "{row}: solve gives {y}");
            // The capacity comes online in the row's new earliest year.
            let build = list(&rep, "builds")
                .iter()
                .find(|b| b["facility"] == row["facility"])
                .unwrap_or_else(|| panic!("{set}: no build of {}", row["facility"]));
            assert_eq!(build["period"], row["new_earliest"], "{build}");
        } else {
            assert_eq!(r.code, 3, "{}", r.describe(&args));
        }
    }
}

#[test]
fn cuts_are_ranked_by_the_hand_derived_saving() {
    let v = permits_json(&[]);
    assert_eq!(v["to"], 0.5);
    assert_eq!(v["periods"], serde_json::json!([2025, 2026, 2027]));
    assert_eq!(v["base"]["status"], "optimal");
    assert!(exact(num(&v["base"]["objective"], "base"), 258_000.0), "{}", v["base"]);
    let rows = savings(&v);
    let want = [("stibnite", 24_000.0, 234_000.0), ("thacker", 18_000.0, 240_000.0)];
    assert_eq!(rows.len(), want.len(), "{rows:?}");
    for ((id, saving, obj), (wid, wsaving, wobj)) in rows.iter().zip(want) {
        assert_eq!(id, wid, "{rows:?}");
        assert!(exact(*saving, wsaving) && exact(*obj, wobj), "{id}: {saving} {obj}");
    }
    let first = &list(&v, "rows")[0];
    assert_eq!(first["rank"], 1);
    assert_eq!(first["kind"], "mine");
    assert_eq!(
        (first["lead_time"].as_f64(), first["new_lead_time"].as_f64()),
        (Some(2.0), Some(0.5))
    );
    assert_eq!(
        (first["earliest"].as_i64(), first["new_earliest"].as_i64()),
        (Some(2027), Some(2026))
    );
    assert_eq!(first["set"], "mines.stibnite.expansion.lead_time=0.5");
    assert_eq!(first["makes_feasible"], false);

    // To 0 years: online from 2025, one more period of saving each.
    let v = permits_json(&["--to", "0"]);
    let rows = savings(&v);
    let want = [("stibnite", 48_000.0, 210_000.0), ("thacker", 36_000.0, 222_000.0)];
    for ((id, saving, obj), (wid, wsaving, wobj)) in rows.iter().zip(want) {
        assert_eq!(id, wid, "{rows:?}");
        assert!(exact(*saving, wsaving) && exact(*obj, wobj), "{id}: {saving} {obj}");
    }
    assert_eq!(list(&v, "rows")[1]["set"], "mines.thacker.expansion.lead_time=0");
}

#[test]
fn every_row_is_reproduced_by_solve_with_its_set() {
    for to in ["0.5", "0"] {
        check_rows_against_solve(&permits_json(&["--to", to]), &[]);
        check_rows_against_solve(&permits_json(&["--to", to, "--set", TIGHT]), &[TIGHT]);
    }
}

#[test]
fn an_infeasible_base_ranks_the_cut_that_gives_a_plan_first() {
    let v = permits_json(&["--to", "0", "--set", TIGHT]);
    assert_eq!(v["base"]["status"], "infeasible");
    assert_eq!(v["instance"]["overrides"], serde_json::json!([TIGHT]));
    let relaxed: Vec<&str> = list(&v["base"], "relaxations")
        .iter()
        .map(|r| text(&r["constraint"], "constraint"))
        .collect();
    let (t25, t26) = (
        "targets.sb_us.max_import_share.2025",
        "targets.sb_us.max_import_share.2026",
    );
    assert_eq!(relaxed, [t25, t26]);
    let rows = list(&v, "rows");
    let ids: Vec<&str> = rows.iter().map(|r| text(&r["facility"], "facility")).collect();
    assert_eq!(ids, ["stibnite", "thacker"]);
    // stibnite from 2025: 60% domestic, a plan of 76,000 + 76,000 + 58,000.
    assert_eq!(rows[0]["status"], "optimal");
    assert_eq!(rows[0]["makes_feasible"], true);
    assert!(exact(num(&rows[0]["objective"], "objective"), 210_000.0), "{}", rows[0]);
    assert!(rows[0]["saving"].is_null(), "no saving against a base without a plan");
    assert_eq!(rows[0]["reachable"], serde_json::json!([t25, t26]));
    // thacker: 30% domestic, still no plan, nothing reachable.
    assert_eq!(rows[1]["status"], "infeasible");
    assert_eq!(rows[1]["makes_feasible"], false);
    assert_eq!(rows[1]["reachable"], serde_json::json!([]));
    assert_eq!(rows[1]["still_relaxed"], serde_json::json!([t25, t26]));

    // To 0.5 years: stibnite from 2026 makes that year reachable, 2025 stays out.
    let v = permits_json(&["--set", TIGHT]);
    let rows = list(&v, "rows");
    assert_eq!(rows[0]["facility"], "stibnite");
    assert_eq!(rows[0]["status"], "infeasible");
    assert_eq!(rows[0]["reachable"], serde_json::json!([t26]));
    assert_eq!(rows[0]["still_relaxed"], serde_json::json!([t25]));
    assert_eq!(rows[1]["reachable"], serde_json::json!([]));
    let (r, _) = permits(&["--set", TIGHT]);
    assert!(
        r.stdout.contains("still needs: targets.sb_us.max_import_share.2025"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_output_does_not_depend_on_jobs() {
    for format in ["text", "json", "csv", "markdown"] {
        for extra in [&[][..], &["--set", TIGHT, "--to", "0"][..]] {
            let mut a = vec!["--format", format, "--jobs", "1"];
            a.extend_from_slice(extra);
            let (one, _) = permits(&a);
            a[3] = "2";
            let (two, args) = permits(&a);
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            assert_eq!((one.code, two.code), (0, 0), "{}", two.describe(&argv));
            assert!(!one.stdout.is_empty());
            assert_eq!(one.stdout, two.stdout, "{format} {extra:?}: --jobs 1 and 2 differ");
        }
    }
}

/// RFC 4180 records (quoted fields may hold commas).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    for line in text.lines() {
        let (mut fields, mut f, mut quoted) = (Vec::new(), String::new(), false);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    f.push('"');
                }
                (_, '"') => quoted = !quoted,
                (false, ',') => fields.push(std::mem::take(&mut f)),
                _ => f.push(c),
            }
        }
        assert!(!quoted, "unterminated quote in {line}");
        fields.push(f);
        records.push(fields);
    }
    records
}

#[test]
fn json_and_csv_carry_the_same_rows() {
    for extra in [&["--to", "0.5"][..], &["--to", "0", "--set", TIGHT][..]] {
        let v = permits_json(extra);
        let mut a = vec!["--format", "csv"];
        a.extend_from_slice(extra);
        let (r, _) = permits(&a);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let records = parse_csv(&r.stdout);
        let header = &records[0];
        assert_eq!(header[..4], ["rank", "kind", "facility", "lead_time"]);
        let rows = list(&v, "rows");
        assert_eq!(records.len(), rows.len() + 1, "{}", r.stdout);
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("no {name}"))
        };
        for (rec, row) in records[1..].iter().zip(rows) {
            assert_eq!(rec.len(), header.len(), "{rec:?}");
            assert_eq!(rec[col("facility")], text(&row["facility"], "facility"));
            assert_eq!(rec[col("set")], text(&row["set"], "set"));
            assert_eq!(rec[col("status")], text(&row["status"], "status"));
            assert_eq!(rec[col("makes_feasible")], row["makes_feasible"].to_string());
            for key in ["objective", "saving"] {
                match row[key].as_f64() {
                    Some(x) => assert_eq!(rec[col(key)].parse::<f64>().ok(), Some(x), "{key}: {rec:?}"),
                    None => assert_eq!(rec[col(key)], "", "{key}: {rec:?}"),
                }
            }
            let reachable: Vec<&str> = list(row, "reachable").iter().filter_map(Value::as_str).collect();
            assert_eq!(rec[col("reachable")], reachable.join(";"));
        }
    }
}

#[test]
fn nothing_to_cut_is_an_empty_ranking_and_exit_0() {
    let v = permits_json(&["--to", "2"]);
    assert_eq!(list(&v, "rows").len(), 0, "no lead time is above 2 years");
    let (r, _) = permits(&["--to", "1.5"]);
    assert_eq!(r.code, 0);
    // thacker's 1.5 years is not above 1.5: only stibnite.
    assert_eq!(r.stdout.matches("expansion.lead_time=1.5").count(), 1, "{}", r.stdout);
    let (r, _) = permits(&["--to", "3"]);
    assert!(r.stdout.contains("nothing to fast-track"), "{}", r.stdout);
}

#[test]
fn bad_arguments_are_usage_errors_and_bad_input_is_exit_1() {
    for bad in [["--to", "-1"], ["--to", "x"], ["--to", "NaN"], ["--jobs", "0"]] {
        let (r, args) = permits(&bad);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(r.code, 2, "{}", r.describe(&argv));
        assert!(r.stdout.is_empty(), "{}", r.describe(&argv));
    }
    let (r, args) = permits(&["--set", "mines.nowhere.expansion.lead_time=1"]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(r.code, 1, "{}", r.describe(&argv));
    assert!(r.stdout.is_empty());
}

#[test]
fn the_command_is_listed_and_its_help_has_an_example() {
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("permits"), "{}", r.stdout);
    let r = run(&["permits", "--help"]);
    assert_eq!(r.code, 0);
    for want in ["--to <YEARS>", "Examples:", "expansion.lead_time=", "Exit status:"] {
        assert!(r.stdout.contains(want), "no `{want}` in\n{}", r.stdout);
    }
}

/// An instance without periods (nor `meta.year`) has no year to print: the expansion comes
/// online "now" (not in year 0), in text and JSON; and a run with nothing to fast-track says
/// so in words.
#[test]
fn without_periods_the_cut_is_online_now_not_in_year_0() {
    let ranking = |args: &[&str]| {
        let r = run(args);
        assert_eq!(r.code, 0, "{}", r.describe(args));
        r.stdout
    };
    let src = std::fs::read_to_string(root().join("instances/textbook/lead_time_imports.toml")).unwrap();
    assert!(src.contains("periods = [2025, 2026, 2027]\n"));
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.toml");
    std::fs::write(&plain, src.replace("periods = [2025, 2026, 2027]\n", "")).unwrap();
    let p = plain.to_str().unwrap();
    let text = ranking(&["permits", p, "--to", "0", "--quiet"]);
    let row = text
        .lines()
        .find(|l| l.contains("nv_mine"))
        .expect("a row for the mine");
    assert!(row.contains(" never ") && row.contains(" now "), "{row}");
    let json = ranking(&["permits", p, "--to", "0", "--quiet", "--format", "json"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    let first = &v["rows"][0];
    assert_eq!(
        (&first["earliest"], &first["new_earliest"]),
        (&Value::Null, &Value::from("now"))
    );
    let none = ranking(&["permits", p, "--to", "5", "--quiet"]);
    assert!(
        none.contains("no expansion has a lead time above 5 years: nothing to fast-track"),
        "{none}"
    );
}
