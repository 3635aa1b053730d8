//! Helpers shared by the end-to-end tests: run the real `sourcing-opt` binary from the
//! workspace root, find the shipped instances, read JSON reports, compare numbers.
#![allow(dead_code)] // each test crate uses its own subset

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test, built by cargo for this test run.
pub const BIN: &str = env!("CARGO_BIN_EXE_sourcing-opt");

/// Backends every known optimum is checked on (HiGHS too when the `highs` feature is built).
#[cfg(not(feature = "highs"))]
pub const BACKENDS: &[&str] = &["minilp", "clarabel"];
#[cfg(feature = "highs")]
pub const BACKENDS: &[&str] = &["minilp", "clarabel", "highs"];

/// Instances with an optimum known from outside the project: a published textbook value or a
/// derivation by hand in the file's header comment.
pub const KNOWN_OPTIMA: [(&str, f64); 12] = [
    ("instances/textbook/powerco_transport.toml", 1020.0),
    ("instances/textbook/widgetco_transshipment.toml", 6370.0),
    ("instances/textbook/silver_tax_chain.toml", 42130.0),
    ("instances/textbook/import_cap_binding.toml", 19200.0),
    ("instances/textbook/bidirectional_filters.toml", 26950.0),
    ("instances/textbook/transit_time.toml", 5_790_000.0),
    // Schema 2 (periods, lead times, stockpiles), each derived by hand in its header.
    ("instances/textbook/lead_time_imports.toml", 540_000.0),
    ("instances/textbook/reserve_price_spike.toml", 305_000.0),
    ("instances/textbook/discount_build_year.toml", 24_400.0),
    // Origin tracking (model contract section 7), each derived by hand in its header.
    ("instances/textbook/origin_tariff_waiver.toml", 37_000.0),
    ("instances/textbook/origin_cap.toml", 59_000.0),
    ("instances/textbook/origin_by_country.toml", 37_700.0),
];

/// The workspace root (the tests live in `tests/`, attached to the `solver` crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("solver/ has a parent")
        .to_path_buf()
}

/// Outcome of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The arguments and streams, for assertion messages.
    pub fn describe(&self, args: &[&str]) -> String {
        format!(
            "sourcing-opt {}\nexit: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            args.join(" "),
            self.code,
            truncate(&self.stdout, 4000),
            truncate(&self.stderr, 4000)
        )
    }
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Run the binary from the workspace root, so instance paths in reports read
/// `instances/...` whatever directory cargo runs the tests from.
pub fn run(args: &[&str]) -> Run {
    let out: Output = Command::new(BIN)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"));
    Run {
        // A signal death has no code; -1 never equals an expected exit status.
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// The variables through which a scheduler tells a task its array index (Slurm, Kubernetes):
/// cleared for every run of [`run_env`], so a test sees only the ones it sets.
pub const ARRAY_VARS: [&str; 6] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_STEP",
    "JOB_COMPLETION_INDEX",
];

/// Like [`run`], with `env` set and the scheduler's array variables ([`ARRAY_VARS`]) cleared
/// first.
pub fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(root());
    for v in ARRAY_VARS {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    let out: Output = cmd.output().unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// `solve INSTANCE --format json [--backend B]`: exit code and parsed report.
pub fn solve_json(instance: &str, backend: Option<&str>) -> (i32, Value) {
    let mut args = vec!["solve", instance, "--format", "json", "--quiet"];
    if let Some(b) = backend {
        args.extend(["--backend", b]);
    }
    let r = run(&args);
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("stdout is not a JSON report ({e})\n{}", r.describe(&args)));
    (r.code, v)
}

/// `solve INSTANCE --format json --quiet EXTRA...`: the report of a run that exits 0.
pub fn solve_with(instance: &str, extra: &[&str]) -> Value {
    let mut args = vec!["solve", instance, "--format", "json", "--quiet"];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    serde_json::from_str(&r.stdout).expect("the report is JSON")
}

/// Like [`solve_json`], and the run must be optimal (exit 0).
pub fn solve_optimal(instance: &str, backend: Option<&str>) -> Value {
    let (code, v) = solve_json(instance, backend);
    assert_eq!(
        (code, v["status"].as_str()),
        (0, Some("optimal")),
        "{instance} on {backend:?}: not optimal: {}",
        v["message"]
    );
    v
}

/// Every `.toml` under `instances/`, recursively, as paths relative to the root, sorted.
pub fn all_instances() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                // Scenario files are override sets, not instances.
                if path.file_name().is_some_and(|n| n != "scenarios") {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|x| x == "toml") {
                out.push(path);
            }
        }
    }
    let root = root();
    let mut found = Vec::new();
    walk(&root.join("instances"), &mut found);
    let mut rel: Vec<String> = found
        .iter()
        .map(|p| {
            p.strip_prefix(&root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    rel.sort();
    rel
}

/// Instances that are infeasible on purpose are named `infeasible_*.toml`.
pub fn expected_infeasible(instance: &str) -> bool {
    Path::new(instance)
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("infeasible"))
}

/// `|a - b| <= rel * max(1, |a|, |b|)`.
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * 1f64.max(a.abs()).max(b.abs())
}

/// A number of the report, with a readable failure when it is missing or null.
pub fn num(v: &Value, what: &str) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("`{what}` is not a number: {v}"))
}

/// A string of the report.
pub fn text<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str().unwrap_or_else(|| panic!("`{what}` is not a string: {v}"))
}

/// The list of a report section.
pub fn list<'a>(report: &'a Value, section: &str) -> &'a Vec<Value> {
    report[section]
        .as_array()
        .unwrap_or_else(|| panic!("report section `{section}` is not a list"))
}

/// The row of a report section whose `key` equals `value`.
pub fn find<'a>(report: &'a Value, section: &str, key: &str, value: &str) -> &'a Value {
    list(report, section)
        .iter()
        .find(|r| r[key].as_str() == Some(value))
        .unwrap_or_else(|| panic!("no `{section}` row with {key} = `{value}`"))
}

/// Pretty JSON text with the values of the timing fields (`read_ms`, `validate_ms`,
/// `build_ms`, `solve_ms`, `duals_ms`, `ranging_ms`) replaced by
/// a placeholder: the only fields two runs on the same input may differ in.
pub fn mask_timing(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for line in json.lines() {
        let trimmed = line.trim_start();
        let masked = [
            "\"read_ms\":",
            "\"validate_ms\":",
            "\"build_ms\":",
            "\"solve_ms\":",
            "\"duals_ms\":",
            "\"ranging_ms\":",
        ]
        .iter()
        .find_map(|key| {
            trimmed.strip_prefix(key).map(|rest| {
                let indent = &line[..line.len() - trimmed.len()];
                let comma = if rest.trim_end().ends_with(',') { "," } else { "" };
                format!("{indent}{key} \"<ms>\"{comma}")
            })
        });
        out.push_str(masked.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

/// `sweep` arguments: a grid of the shipped instance with infeasible points (demand +25%
/// breaks three caps), for the sharded runs of `tests/cluster.rs` and `tests/slurm.rs`.
pub const SHIPPED_GRID: [&str; 8] = [
    "--param",
    "demands.*.quantity*",
    "--values",
    "0.9,1,1.25",
    "--param",
    "targets.ree_usmca.max_import_share",
    "--values",
    "0.3,1",
];
