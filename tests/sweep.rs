//! End-to-end tests of `sourcing-opt sweep`: every row equals an independent `solve --set`
//! run, the table does not depend on `--jobs`, tightening an import cap never lowers the
//! cost, infeasible points and solver failures are rows (exit 0 / 5), bad keys and ranges
//! are refused (exit 1 / 2), grids come in the documented order, and `--plot` writes an SVG
//! with one vertex per point.
//!
//! No expected objective is written here: each is derived from an independent `solve` run in
//! the same test.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;

const SHIPPED: &str = "instances/usmca_critical_minerals.toml";
const TEXTBOOK: &str = "instances/textbook/import_cap_binding.toml";
const TEXTBOOK_KEY: &str = "targets.us_cobalt_cap.max_import_share";
const REE_KEY: &str = "targets.ree_usmca.max_import_share";
/// Relative tolerance between a sweep row and the same point solved on its own.
const REL: f64 = 1e-9;

/// A parsed sweep table: its header and one map column -> cell per row.
struct Table {
    header: Vec<String>,
    rows: Vec<BTreeMap<String, String>>,
}

impl Table {
    fn num(&self, row: usize, column: &str) -> Option<f64> {
        let cell = self.rows[row]
            .get(column)
            .unwrap_or_else(|| panic!("no column `{column}` in {:?}", self.header));
        if cell.is_empty() {
            None
        } else {
            Some(
                cell.parse()
                    .unwrap_or_else(|e| panic!("row {row} `{column}` = `{cell}` is not a number: {e}")),
            )
        }
    }

    fn cell(&self, row: usize, column: &str) -> &str {
        self.rows[row]
            .get(column)
            .unwrap_or_else(|| panic!("no column `{column}` in {:?}", self.header))
    }
}

/// Parse CSV without quoted cells (none of the tables here needs quoting).
fn parse_csv(text: &str) -> Table {
    let mut lines = text.lines();
    let Some(first) = lines.next() else {
        return Table {
            header: Vec::new(),
            rows: Vec::new(),
        };
    };
    let header: Vec<String> = first.split(',').map(String::from).collect();
    let rows = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), header.len(), "row `{l}` has the wrong number of cells");
            header
                .iter()
                .cloned()
                .zip(cells.iter().map(|c| c.to_string()))
                .collect()
        })
        .collect();
    Table { header, rows }
}

/// Run a sweep that must succeed with `code`; returns the parsed table and the raw stdout.
fn sweep(args: &[&str], code: i32) -> (Table, String) {
    let mut all = vec!["sweep"];
    all.extend_from_slice(args);
    all.push("--quiet");
    let r = run(&all);
    assert_eq!(r.code, code, "{}", r.describe(&all));
    (parse_csv(&r.stdout), r.stdout)
}

/// `solve INSTANCE --set KEY=VALUE ... --ranging off --format json`: exit code and report.
fn solve_with(instance: &str, sets: &[String]) -> (i32, Value) {
    let mut args = vec!["solve", instance, "--format", "json", "--ranging", "off", "--quiet"];
    for s in sets {
        args.push("--set");
        args.push(s);
    }
    let r = run(&args);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e})\n{}", r.describe(&args)));
    (r.code, v)
}

/// Row `i` of `table` agrees with the independent report `rep`: status, objective, every
/// cost category, and every target's share and marginal value.
fn assert_row_matches(table: &Table, i: usize, rep: &Value, what: &str) {
    let status = text(&rep["status"], "status");
    assert_eq!(table.cell(i, "status"), status, "{what}: status");
    if status != "optimal" {
        assert_eq!(
            table.num(i, "objective"),
            None,
            "{what}: a non-optimal row has no objective"
        );
        return;
    }
    let obj = table.num(i, "objective").expect("an optimal row has an objective");
    let want = num(&rep["objective"], "objective");
    assert!(close(obj, want, REL), "{what}: objective {obj} vs solve {want}");
    for (name, value) in rep["costs"].as_object().expect("costs is an object") {
        let got = table
            .num(i, name)
            .unwrap_or_else(|| panic!("{what}: cost `{name}` is empty"));
        let want = num(value, name);
        assert!(close(got, want, REL), "{what}: cost {name} {got} vs solve {want}");
    }
    for t in list(rep, "targets") {
        let id = text(&t["id"], "targets.id");
        let share = table.num(i, &format!("{id}.share")).expect("an optimal row has shares");
        let want = num(&t["achieved_share"], "achieved_share");
        assert!(close(share, want, REL), "{what}: {id}.share {share} vs solve {want}");
        let mv = table.num(i, &format!("{id}.marginal_value"));
        match (mv, t["marginal_value"].as_f64()) {
            (Some(a), Some(b)) => assert!(close(a, b, REL), "{what}: {id}.marginal_value {a} vs solve {b}"),
            (None, None) => {}
            (a, b) => panic!("{what}: {id}.marginal_value {a:?} vs solve {b:?}"),
        }
    }
}

#[test]
fn rows_equal_individual_solves() {
    for (instance, key, range) in [(TEXTBOOK, TEXTBOOK_KEY, "0:1:0.25"), (SHIPPED, REE_KEY, "0.1:0.7:0.3")] {
        let (table, _) = sweep(&[instance, "--param", key, "--range", range], 0);
        assert!(table.rows.len() >= 3, "{instance}: {} rows", table.rows.len());
        let targets = table.header.iter().filter(|h| h.ends_with(".marginal_value")).count();
        assert!(targets >= 1, "{instance}: no target columns in {:?}", table.header);
        for i in 0..table.rows.len() {
            let value = table.cell(i, key).to_string();
            let (code, rep) = solve_with(instance, &[format!("{key}={value}")]);
            assert_eq!(code, 0, "{instance} {key}={value}");
            assert_row_matches(&table, i, &rep, &format!("{instance} {key}={value}"));
        }
    }
}

#[test]
fn the_table_is_byte_identical_for_any_number_of_jobs() {
    for format in ["csv", "jsonl"] {
        let args = |jobs: &'static str| {
            vec![
                SHIPPED,
                "--param",
                REE_KEY,
                "--range",
                "0:0.9:0.15",
                "--param",
                "demands.*.quantity*",
                "--values",
                "0.9,1.1",
                "--format",
                format,
                "--jobs",
                jobs,
            ]
        };
        let mut all = vec!["sweep"];
        all.extend(args("1"));
        let one = run(&all);
        assert_eq!(one.code, 0, "{}", one.describe(&all));
        assert_eq!(one.stdout.lines().count(), 14 + usize::from(format == "csv"));
        for jobs in ["2", "3"] {
            let mut all = vec!["sweep"];
            all.extend(args(jobs));
            let other = run(&all);
            assert_eq!(other.code, 0, "{}", other.describe(&all));
            assert!(
                one.stdout == other.stdout,
                "{format}: --jobs {jobs} differs from --jobs 1\n--- 1 ---\n{}\n--- {jobs} ---\n{}",
                one.stdout,
                other.stdout
            );
        }
    }
}

/// Along an ascending cap the objective never rises (a looser cap keeps every old plan
/// feasible), every achieved share is within its cap, and the cap costs something somewhere.
fn assert_monotone(instance: &str, key: &str, target: &str, range: &str) {
    let (table, _) = sweep(&[instance, "--param", key, "--range", range], 0);
    assert!(table.rows.len() >= 10, "{instance}: {} rows", table.rows.len());
    let mut prev: Option<(f64, f64)> = None;
    for i in 0..table.rows.len() {
        assert_eq!(table.cell(i, "status"), "optimal", "{instance} row {i}");
        let cap = table.num(i, key).expect("the swept value");
        let obj = table.num(i, "objective").expect("objective");
        let share = table.num(i, &format!("{target}.share")).expect("share");
        assert!(share <= cap + 1e-7, "{instance}: share {share} above cap {cap}");
        if let Some((pcap, pobj)) = prev {
            assert!(cap > pcap, "{instance}: caps not ascending ({pcap} then {cap})");
            assert!(
                obj <= pobj + 1e-9 * pobj.abs().max(1.0),
                "{instance}: loosening the cap from {pcap} to {cap} raised the cost from {pobj} to {obj}"
            );
        }
        prev = Some((cap, obj));
    }
    let first = table.num(0, "objective").expect("objective");
    let last = table.num(table.rows.len() - 1, "objective").expect("objective");
    assert!(
        first > last,
        "{instance}: the tightest cap costs nothing ({first} vs {last})"
    );
}

#[test]
fn tightening_a_cap_never_lowers_the_cost() {
    assert_monotone(TEXTBOOK, TEXTBOOK_KEY, "us_cobalt_cap", "0:1:0.05");
    assert_monotone(SHIPPED, REE_KEY, "ree_usmca", "0:1:0.05");
}

#[test]
fn range_values_print_cleanly_in_the_order_given() {
    let (table, _) = sweep(&[TEXTBOOK, "--param", TEXTBOOK_KEY, "--range", "0.3:0:-0.1"], 0);
    let values: Vec<&str> = (0..table.rows.len()).map(|i| table.cell(i, TEXTBOOK_KEY)).collect();
    assert_eq!(values, ["0.3", "0.2", "0.1", "0"]);
}

/// True when a number's text carries float noise: a run of six 0s or 9s after the point
/// (`0.09999999999999999`, `288.00000000000006`).
fn noisy(cell: &str) -> bool {
    cell.split_once('.')
        .is_some_and(|(_, f)| f.contains("000000") || f.contains("999999"))
}

#[test]
fn cells_print_without_float_noise() {
    // A scaled key and a share cap: the textbook's costs, shares and values come out of the
    // solver as 719.9999999999999, 0.09999999999999999, 288.00000000000006, ...
    for args in [
        [TEXTBOOK, "--param", "demands.*.quantity*", "--values", "0.1,0.3,1.1"],
        [TEXTBOOK, "--param", TEXTBOOK_KEY, "--range", "0.1:0.7:0.3"],
        [TEXTBOOK, "--param", "demands.*.quantity*", "--range", "0.7:1.3:0.1"],
    ] {
        for format in ["csv", "jsonl"] {
            let mut all = args.to_vec();
            all.extend(["--format", format]);
            let (_, out) = sweep(&all, 0);
            let cells: Vec<&str> = out.split([',', ':', '\n', '}']).collect();
            let bad: Vec<&&str> = cells.iter().filter(|c| noisy(c)).collect();
            assert!(bad.is_empty(), "{args:?} {format}: float noise in {bad:?}\n{out}");
        }
    }
    let (table, _) = sweep(&[TEXTBOOK, "--param", TEXTBOOK_KEY, "--range", "0.1:0.7:0.3"], 0);
    assert_eq!(table.cell(0, "us_cobalt_cap.share"), "0.1");
    let (table, _) = sweep(&[TEXTBOOK, "--param", "demands.*.quantity*", "--values", "0.1"], 0);
    assert_eq!(table.cell(0, "mining"), "720");
    assert_eq!(table.cell(0, "imports"), "288");
}

#[test]
fn an_infeasible_point_is_a_row_and_exit_0() {
    // Doubling PowerCo's demand exceeds its plants' capacity; must-meet demand makes it infeasible.
    let instance = "instances/textbook/powerco_transport.toml";
    let key = "demands.*.quantity*";
    let (table, _) = sweep(&[instance, "--param", key, "--values", "1,2"], 0);
    assert_eq!(table.rows.len(), 2);
    for (i, factor) in ["1", "2"].iter().enumerate() {
        let (_, rep) = solve_with(instance, &[format!("{key}={factor}")]);
        assert_row_matches(&table, i, &rep, &format!("{instance} {key}={factor}"));
    }
    assert_eq!(table.cell(1, "status"), "infeasible");
    for column in &table.header[2..] {
        assert_eq!(table.cell(1, column), "", "infeasible row: `{column}` is not empty");
    }

    // The shipped instance: no graphite imports at all cannot be met, a 50% cap can.
    let (table, _) = sweep(
        &[
            SHIPPED,
            "--param",
            "targets.graphite_usmca.max_import_share",
            "--values",
            "0,0.5",
        ],
        0,
    );
    assert_eq!(table.cell(0, "status"), "infeasible");
    assert_eq!(table.cell(1, "status"), "optimal");
}

/// An infeasible point says what would make it feasible, as `solve` does: a note on stderr
/// and the JSON line's `message` give the diagnosis' least relaxation (the same value `solve`
/// reports for that point); an optimal point has no message.
#[test]
fn an_infeasible_point_names_its_least_relaxation() {
    let key = "targets.graphite_usmca.max_import_share";
    let args = [
        "sweep", SHIPPED, "--param", key, "--values", "0,0.5", "--format", "jsonl",
    ];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    let (code, rep) = solve_with(SHIPPED, &[format!("{key}=0")]);
    assert_eq!(code, 3);
    let relaxations = rep["diagnosis"]["relaxations"].as_array().unwrap();
    assert_eq!(relaxations.len(), 1, "{rep}");
    let required = relaxations[0]["required"].as_f64().unwrap();
    let wanted = format!("feasible by relaxing {key} (0 -> {required} share)");
    let lines: Vec<Value> = r.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(
        lines[0]["message"].as_str(),
        Some(wanted.as_str()),
        "{}",
        r.describe(&args)
    );
    assert!(lines[1]["message"].is_null(), "{}", lines[1]);
    let note = format!("note: point 1 ({key}=0) is infeasible: {wanted}");
    assert!(r.stderr.contains(&note), "{}", r.describe(&args));
    assert!(!r.stderr.contains("point 2"), "{}", r.describe(&args));

    // Caps of 0 to 0.16 are infeasible: ten notes, then a count of the rest; `--quiet`
    // silences them; `--no-diagnose` leaves the messages out.
    let grid = [
        "sweep",
        SHIPPED,
        "--param",
        key,
        "--range",
        "0:0.3:0.01",
        "--format",
        "jsonl",
    ];
    let r = run(&grid);
    assert_eq!(r.code, 0, "{}", r.describe(&grid));
    assert_eq!(
        r.stderr.matches(" is infeasible: feasible by relaxing ").count(),
        10,
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("note: 7 more infeasible points;"), "{}", r.stderr);
    let with = |extra: &str| {
        let args: Vec<&str> = grid.iter().copied().chain([extra]).collect();
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.describe(&args));
        r
    };
    assert!(!with("--quiet").stderr.contains("note:"), "--quiet prints no note");
    let bare = with("--no-diagnose");
    assert!(!bare.stderr.contains("note:"), "{}", bare.stderr);
    for l in bare.stdout.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        assert!(v["message"].is_null(), "--no-diagnose: {l}");
    }
}

#[test]
fn a_solver_failure_is_a_row_and_exit_5() {
    let (table, _) = sweep(
        &[
            SHIPPED,
            "--param",
            REE_KEY,
            "--values",
            "0.3,0.6",
            "--time-limit",
            "0.000001",
        ],
        5,
    );
    assert_eq!(table.rows.len(), 2);
    for i in 0..2 {
        assert_eq!(table.cell(i, "status"), "error");
        assert_eq!(table.num(i, "objective"), None);
    }
}

#[test]
fn a_bad_key_exits_1_with_a_suggestion_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("out.csv");
    let out = out.to_str().expect("UTF-8 path");
    for (key, hint) in [
        (
            "targets.us_cobalt_cap.max_import_shar",
            "did you mean `max_import_share`?",
        ),
        ("targets.us_coblt_cap.max_import_share", "did you mean `us_cobalt_cap`?"),
        ("target.us_cobalt_cap.max_import_share", "did you mean `targets`?"),
    ] {
        let args = [
            "sweep", TEXTBOOK, "--param", key, "--values", "0.2,0.4", "--output", out,
        ];
        let r = run(&args);
        assert_eq!(r.code, 1, "{}", r.describe(&args));
        assert!(r.stderr.contains(hint), "{}", r.describe(&args));
        assert!(r.stdout.is_empty(), "{}", r.describe(&args));
        assert!(!std::path::Path::new(out).exists(), "{key}: an output file was written");
    }
    // A value out of bounds, or of the wrong type, is invalid input too.
    for values in ["0.2,1.5", "0.2,abc"] {
        let args = ["sweep", TEXTBOOK, "--param", TEXTBOOK_KEY, "--values", values];
        let r = run(&args);
        assert_eq!(r.code, 1, "{}", r.describe(&args));
        assert!(r.stdout.is_empty(), "{}", r.describe(&args));
        assert!(r.stderr.contains("max_import_share"), "{}", r.describe(&args));
    }
}

#[test]
fn a_bad_range_exits_2_with_a_clear_message() {
    for (range, message) in [
        ("0:1:0", "STEP is 0"),
        ("1:0:0.1", "goes away from STOP"),
        ("0:1:0.3", "does not divide"),
        ("0:1", "START:STOP:STEP"),
        ("0:x:0.1", "not a finite number"),
    ] {
        let args = ["sweep", TEXTBOOK, "--param", TEXTBOOK_KEY, "--range", range];
        let r = run(&args);
        assert_eq!(r.code, 2, "{}", r.describe(&args));
        assert!(r.stderr.contains(message), "{}", r.describe(&args));
        assert!(r.stdout.is_empty(), "{}", r.describe(&args));
    }
    // A --param without values, or values without a --param, is bad usage too.
    for args in [
        vec!["sweep", TEXTBOOK, "--param", TEXTBOOK_KEY],
        vec!["sweep", TEXTBOOK, "--values", "1", "--param", TEXTBOOK_KEY],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 2, "{}", r.describe(&args));
    }
}

#[test]
fn a_grid_has_the_product_of_the_values_in_order() {
    let key2 = "demands.*.quantity*";
    let caps = ["0.2", "0.4", "0.6"];
    let factors = ["0.5", "1", "1.5", "2"];
    let (table, _) = sweep(
        &[
            TEXTBOOK,
            "--param",
            TEXTBOOK_KEY,
            "--values",
            &caps.join(","),
            "--param",
            key2,
            "--values",
            &factors.join(","),
        ],
        0,
    );
    assert_eq!(&table.header[..3], [TEXTBOOK_KEY, key2, "status"]);
    assert_eq!(table.rows.len(), caps.len() * factors.len());
    for (a, cap) in caps.iter().enumerate() {
        for (b, factor) in factors.iter().enumerate() {
            let i = a * factors.len() + b;
            assert_eq!(table.cell(i, TEXTBOOK_KEY), *cap, "row {i}");
            assert_eq!(table.cell(i, key2), *factor, "row {i}");
        }
    }
    // The corners agree with independent solves (both overrides applied).
    for i in [0, table.rows.len() - 1] {
        let sets = [
            format!("{TEXTBOOK_KEY}={}", table.cell(i, TEXTBOOK_KEY)),
            format!("{key2}={}", table.cell(i, key2)),
        ];
        let (_, rep) = solve_with(TEXTBOOK, &sets);
        assert_row_matches(&table, i, &rep, &sets.join(" "));
    }
}

#[test]
fn jsonl_carries_the_same_numbers_as_csv() {
    let base = [TEXTBOOK, "--param", TEXTBOOK_KEY, "--range", "0:1:0.5"];
    let (table, _) = sweep(&base, 0);
    let mut args = base.to_vec();
    args.extend(["--format", "jsonl"]);
    let mut all = vec!["sweep"];
    all.extend(args);
    let r = run(&all);
    assert_eq!(r.code, 0, "{}", r.describe(&all));
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("`{l}` is not JSON: {e}")))
        .collect();
    assert_eq!(lines.len(), table.rows.len());
    for (i, v) in lines.iter().enumerate() {
        for column in &table.header {
            if column == "status" {
                assert_eq!(v[column].as_str(), Some(table.cell(i, column)), "row {i}");
                continue;
            }
            match table.num(i, column) {
                Some(x) => assert_eq!(v[column].as_f64(), Some(x), "row {i} `{column}`"),
                None => assert!(v[column].is_null(), "row {i} `{column}` = {}", v[column]),
            }
        }
    }
}

#[test]
fn output_goes_to_the_file_and_matches_stdout() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("sweep.csv");
    let base = [TEXTBOOK, "--param", TEXTBOOK_KEY, "--values", "0.3,0.6"];
    let (_, stdout) = sweep(&base, 0);
    let mut args = base.to_vec();
    args.extend(["--output", out.to_str().expect("UTF-8 path")]);
    let (_, empty) = sweep(&args, 0);
    assert!(empty.is_empty(), "stdout with --output: {empty}");
    assert_eq!(std::fs::read_to_string(&out).expect("the output file"), stdout);
}

/// The vertex count of every `<polyline ... points="...">` in an SVG.
fn polylines(svg: &str) -> Vec<usize> {
    svg.split("<polyline")
        .skip(1)
        .map(|rest| {
            let start = rest.find("points=\"").expect("a polyline has points") + "points=\"".len();
            let end = rest[start..].find('"').expect("closed attribute") + start;
            let points: Vec<&str> = rest[start..end].split_whitespace().collect();
            for p in &points {
                let (x, y) = p.split_once(',').unwrap_or_else(|| panic!("vertex `{p}` is not x,y"));
                assert!(x.parse::<f64>().is_ok_and(f64::is_finite), "bad x in `{p}`");
                assert!(y.parse::<f64>().is_ok_and(f64::is_finite), "bad y in `{p}`");
            }
            points.len()
        })
        .collect()
}

#[test]
#[cfg(target_os = "linux")]
fn a_chart_that_cannot_be_written_leaves_the_table_file_as_it_was() {
    // The chart was written after the table had replaced its file: exit 1 ("nothing
    // written") with the file changed. (`/proc` takes no new file, even from root.)
    let dir = tempfile::tempdir().expect("a temporary directory");
    let table = dir.path().join("t.csv");
    std::fs::write(&table, "OLD\n").unwrap();
    let with_plot = |plot: &str, more: &[&str]| {
        let mut args = vec![
            "sweep",
            TEXTBOOK,
            "--param",
            TEXTBOOK_KEY,
            "--values",
            "0.2,0.4",
            "--plot",
            plot,
        ];
        args.extend(more);
        run(&args)
    };
    let r = with_plot("/proc/chart.svg", &["-o", table.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("cannot write `/proc/chart.svg`"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&table).unwrap(), "OLD\n");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "no temporary file stays: {left:?}");
    // A chart to stdout follows the table there, as before.
    let r = with_plot("-", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(TEXTBOOK_KEY),
        "{}",
        &r.stdout[..r.stdout.len().min(200)]
    );
    assert!(r.stdout.trim_end().ends_with("</svg>"));
}

#[test]
fn plot_writes_a_well_formed_svg() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let svg_path = dir.path().join("curve.svg");
    let svg_arg = svg_path.to_str().expect("UTF-8 path");
    let (table, _) = sweep(
        &[
            TEXTBOOK,
            "--param",
            TEXTBOOK_KEY,
            "--range",
            "0:1:0.1",
            "--plot",
            svg_arg,
        ],
        0,
    );
    assert_eq!(table.rows.len(), 11);
    let svg = std::fs::read_to_string(&svg_path).expect("the SVG file");
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(200)]);
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    for tag in ["text", "title", "svg", "g"] {
        let open = svg.matches(&format!("<{tag}>")).count() + svg.matches(&format!("<{tag} ")).count();
        let close = svg.matches(&format!("</{tag}>")).count();
        assert_eq!(open, close, "<{tag}> opened {open} times, closed {close} times");
    }
    // One line for the objective and one for the swept target's marginal value, each with a
    // vertex per row (every point is optimal and has a marginal value).
    assert_eq!(polylines(&svg), [11, 11], "polylines");
    // A dot on each point solved, so the lines read as joins, not as solved values.
    assert_eq!(svg.matches("<circle").count(), 22, "one dot per point and line");
    assert!(
        svg.contains("dots: the points solved"),
        "the axis says what the dots are"
    );
    assert!(svg.contains("(fraction of use)"), "the x axis names its unit");
    assert!(svg.contains("USD/yr"), "the y axes name their unit");

    // A point that is not optimal breaks the line: 2 infeasible + 3 optimal on the shipped
    // instance leaves one objective line of 3 vertices.
    let svg_path = dir.path().join("graphite.svg");
    let svg_arg = svg_path.to_str().expect("UTF-8 path");
    let (table, _) = sweep(
        &[
            SHIPPED,
            "--param",
            "targets.graphite_usmca.max_import_share",
            "--values",
            "0,0.1,0.4,0.6,0.8",
            "--plot",
            svg_arg,
        ],
        0,
    );
    let optimal = (0..table.rows.len())
        .filter(|&i| table.cell(i, "status") == "optimal")
        .count();
    assert_eq!(optimal, 3, "graphite rows");
    let svg = std::fs::read_to_string(&svg_path).expect("the SVG file");
    assert_eq!(polylines(&svg)[0], optimal);
    assert!(svg.contains("infeasible point"));

    // --plot needs a numeric first param.
    let args = [
        "sweep",
        TEXTBOOK,
        "--param",
        "demands.US-OH/cobalt.region",
        "--values",
        "US-OH",
        "--plot",
        svg_arg,
    ];
    let r = run(&args);
    assert_eq!(r.code, 2, "{}", r.describe(&args));
}

/// The README's policy cost curve is the tool's own output: each row of its table (a cap,
/// the extra cost against the uncapped plan in M USD/yr, the marginal value in M USD/yr per
/// point) matches the sweep it shows, to the digits printed. Its cap-0 row said 4.06 where
/// the tool says 0.77.
#[test]
fn the_readme_policy_curve_is_the_sweep() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table: Vec<Vec<String>> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| cap on the non-allied share of USMCA rare-earth oxide use"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect())
        .collect();
    assert!(table.len() >= 5, "the README's policy-curve table was not found");
    let (t, _) = sweep(&[SHIPPED, "--param", REE_KEY, "--range", "0:1:0.1"], 0);
    let row_of = |cap: f64| {
        (0..t.rows.len())
            .find(|&i| (t.num(i, REE_KEY).unwrap() - cap).abs() < 1e-9)
            .unwrap_or_else(|| panic!("no sweep row for cap {cap}"))
    };
    let uncapped = t.num(row_of(1.0), "objective").unwrap();
    let mut checked = 0;
    for cells in &table {
        // "1.0 to 0.7 (...)" rows give a range: check their first cap.
        let cap: f64 = match cells[0].split_whitespace().next().and_then(|c| c.parse().ok()) {
            Some(c) => c,
            None => panic!("README row {cells:?}: no cap"),
        };
        let i = row_of(cap);
        let extra = (t.num(i, "objective").unwrap() - uncapped) / 1e6;
        let per_point = t.num(i, "ree_usmca.marginal_value").unwrap() / 1e8;
        let shown_extra: f64 = cells[1].parse().unwrap();
        let shown_point: f64 = cells[2].parse().unwrap();
        assert!(
            (extra - shown_extra).abs() <= 0.05 + 1e-9,
            "cap {cap}: README says {shown_extra} M USD/yr extra, the sweep {extra:.3}"
        );
        assert!(
            (per_point - shown_point).abs() <= 0.005 + 1e-9,
            "cap {cap}: README says {shown_point} M USD/yr per point, the sweep {per_point:.4}"
        );
        checked += 1;
    }
    assert_eq!(checked, table.len());
}

/// A sweep's marginal values are one-sided by default (ranging as `solve` has it): on the
/// 2025-2030 path the cobalt cap of 2028 at 0.35 is worth what relaxing it saves, measured by
/// a finite difference of the sweep's own objectives (27.6 M USD weighted, 33.8 M in 2028's
/// terms), and the cap of 2029, whose relaxation saves nothing, is worth 0. Without ranging the interior point's duals put 22.5 M USD per
/// 1.0 of share on 2029 (and 44 M on 2028): the sweep's default used to be that, unlabelled;
/// reports without ranging now say their values are duals and word the limits "is priced at".
#[test]
fn marginal_values_are_one_sided_by_default() {
    let inst = "instances/usmca_2025_2030.toml";
    let key = "targets.co_usmca.max_import_share.2028";
    // The 2028 entry holds through 2029 (the next is 2030): keep 2029 at 0.35.
    let keep = "targets.co_usmca.max_import_share.2029=0.35";
    let (t, _) = sweep(
        &[
            inst,
            "--set",
            keep,
            "--param",
            key,
            "--values",
            "0.35,0.351",
            "--format",
            "csv",
        ],
        0,
    );
    let objective = |i: usize| t.cell(i, "objective").parse::<f64>().unwrap();
    let mv = |i: usize, year: u32| {
        t.cell(i, &format!("co_usmca.marginal_value@{year}"))
            .parse::<f64>()
            .unwrap()
    };
    // Target values are annual, in their year's terms: the weighted saving over 2028's weight.
    let r = run(&["solve", inst, "--format", "json", "--quiet"]);
    let rep: Value = serde_json::from_str(&r.stdout).expect("the report is JSON");
    let weight = rep["periods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["year"] == 2028)
        .map(|p| num(&p["weight"], "weight"))
        .expect("2028's weight");
    let saving = (objective(0) - objective(1)) / 0.001 / weight;
    assert!(saving > 1e6, "relaxing the 2028 cap saves {saving} per 1.0 of share");
    assert!(
        (mv(0, 2028) - saving).abs() <= 1e-3 * saving,
        "marginal value {} against the finite difference {saving}",
        mv(0, 2028)
    );
    assert_eq!(mv(0, 2029), 0.0);

    // Without ranging: the duals, labelled as such.
    let args = ["solve", inst, "--ranging", "off"];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    assert!(
        r.stdout
            .contains("note: ranging off: values and marginal values are optimal duals"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(" is priced at ") && !r.stdout.contains(" would save "),
        "{}",
        r.stdout
    );
    let r = run(&["solve", inst]);
    assert!(
        r.stdout.contains(" would save ") && !r.stdout.contains("ranging off"),
        "{}",
        r.stdout
    );
}
