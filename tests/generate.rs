//! End-to-end tests of `sourcing-opt generate`: generated instances are valid (`check` finds
//! no error and no warning), feasible with an optimum both pure-Rust backends agree on, some
//! of their import-dependency caps bind, the output is a pure function of seed and scale, and
//! the LP grows linearly with the scale. Small scales only, so the debug build stays fast.

mod common;

use common::*;
use std::path::PathBuf;

/// Generate `seed`/`scale` into a file of a fresh temporary directory (kept alive by the
/// returned guard).
fn generated(seed: u64, scale: u32) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join(format!("gen_s{seed}_k{scale}.toml"));
    let (s, k, p) = (seed.to_string(), scale.to_string(), path.to_string_lossy().to_string());
    let args = ["generate", "--seed", &s, "--scale", &k, "--output", &p, "--quiet"];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    assert!(r.stdout.is_empty(), "with --output nothing goes to stdout");
    (dir, path)
}

/// `generate` to stdout: the instance text.
fn generated_text(seed: u64, scale: u32) -> String {
    let (s, k) = (seed.to_string(), scale.to_string());
    let args = ["generate", "--seed", &s, "--scale", &k, "--quiet"];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    r.stdout
}

/// The size `check` prints: (variables, constraints, nonzeros).
fn size(path: &str) -> (usize, usize, usize) {
    let args = ["check", path];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    let field = |name: &str| -> usize {
        r.stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no `{name}` line\n{}", r.describe(&args)))
    };
    (field("variables:"), field("constraints:"), field("nonzeros:"))
}

#[test]
fn generated_instances_pass_check_without_errors_or_warnings() {
    for (seed, scale) in [(1, 1), (2, 1), (3, 2), (42, 3)] {
        let (_dir, path) = generated(seed, scale);
        let p = path.to_string_lossy();
        let args = ["check", p.as_ref()];
        let r = run(&args);
        assert_eq!(r.code, 0, "seed {seed} scale {scale}: {}", r.describe(&args));
        assert!(
            r.stderr.trim().is_empty(),
            "seed {seed} scale {scale}: diagnostics on a generated instance\n{}",
            r.describe(&args)
        );
        assert!(r.stdout.contains(": valid"), "{}", r.describe(&args));
    }
}

#[test]
fn generated_instances_solve_to_the_same_optimum_on_minilp_and_clarabel() {
    let mut binding = 0;
    for (seed, scale) in [(1, 1), (2, 1), (5, 2)] {
        let (_dir, path) = generated(seed, scale);
        let p = path.to_string_lossy();
        let mut objectives = Vec::new();
        for backend in ["minilp", "clarabel"] {
            let args = [
                "solve",
                p.as_ref(),
                "--backend",
                backend,
                "--ranging",
                "off",
                "--format",
                "json",
                "--quiet",
            ];
            let r = run(&args);
            assert_eq!(r.code, 0, "seed {seed} scale {scale} {backend}: {}", r.describe(&args));
            let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
            assert_eq!(report["status"].as_str(), Some("optimal"), "{}", r.describe(&args));
            let objective = num(&report["objective"], "objective");
            assert!(objective > 0.0, "seed {seed}: a plan that costs nothing is trivial");
            // The listed shipments are the plan: what the report hides (interior-point dust)
            // carries no transport cost worth a line, and nothing listed is dust.
            let shipments = list(&report, "shipments");
            let listed: f64 = shipments
                .iter()
                .map(|s| num(&s["transport_cost"], "transport_cost"))
                .sum();
            let total = num(&report["costs"]["transport"], "transport");
            assert!(
                (listed - total).abs() <= 1e-6 * total.max(1.0),
                "seed {seed} scale {scale} {backend}: listed transport {listed}, total {total}"
            );
            for s in shipments {
                assert!(num(&s["tonnes"], "tonnes") > 1e-7, "{backend}: dust listed: {s}");
            }
            if backend == "minilp" {
                binding += list(&report, "targets")
                    .iter()
                    .filter(|t| t["binding"].as_bool() == Some(true))
                    .count();
            }
            objectives.push(objective);
        }
        assert!(
            close(objectives[0], objectives[1], 1e-6),
            "seed {seed} scale {scale}: minilp {} vs clarabel {}",
            objectives[0],
            objectives[1]
        );
    }
    assert!(
        binding > 0,
        "no import-dependency target binds on any generated instance"
    );
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_other_seeds_differ() {
    let a = generated_text(7, 2);
    assert!(!a.is_empty());
    assert_eq!(a, generated_text(7, 2), "same seed and scale, different output");
    let (_dir, path) = generated(7, 2);
    let file = std::fs::read_to_string(&path).expect("generated file");
    assert_eq!(a, file, "--output writes what stdout gets");
    assert_ne!(a, generated_text(8, 2), "seeds 7 and 8 gave the same instance");
    assert_ne!(a, generated_text(7, 3), "scales 2 and 3 gave the same instance");
}

#[test]
fn the_model_grows_linearly_with_the_scale() {
    let mut sizes = Vec::new();
    for scale in [1u32, 2, 4, 8] {
        let (_dir, path) = generated(11, scale);
        let (vars, rows, nnz) = size(&path.to_string_lossy());
        sizes.push((scale as f64, vars as f64, rows as f64, nnz as f64));
    }
    for &(k, vars, rows, nnz) in &sizes {
        let per_k = vars / k;
        assert!(
            (800.0..=1_400.0).contains(&per_k),
            "scale {k}: {vars} variables, {per_k:.0} per unit of scale (documented: about 1,000)"
        );
        assert!(
            rows < vars && nnz > vars,
            "scale {k}: {vars} vars, {rows} rows, {nnz} nonzeros"
        );
    }
    // The increments per unit of scale agree (no super-linear term).
    let step = |i: usize, j: usize| (sizes[j].1 - sizes[i].1) / (sizes[j].0 - sizes[i].0);
    let (low, high) = (step(1, 2), step(2, 3));
    assert!(
        (high / low - 1.0).abs() < 0.2,
        "variables per unit of scale: {low:.0} from 2 to 4, {high:.0} from 4 to 8"
    );
}

#[test]
fn bad_arguments_are_usage_errors() {
    for bad in [
        ["--scale", "0"],
        ["--scale", "-3"],
        ["--scale", "x"],
        ["--seed", "-1"],
        ["--scale", "10001"],
    ] {
        let args = ["generate", bad[0], bad[1]];
        let r = run(&args);
        assert_eq!(r.code, 2, "{}", r.describe(&args));
        assert!(r.stdout.is_empty(), "{}", r.describe(&args));
    }
}

#[test]
fn an_unwritable_output_is_an_io_error_and_leaves_no_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let missing = dir.path().join("no_such_dir").join("x.toml");
    let p = missing.to_string_lossy();
    let args = ["generate", "--output", p.as_ref()];
    let r = run(&args);
    assert_eq!(r.code, 1, "{}", r.describe(&args));
    assert!(r.stderr.contains("error"), "{}", r.describe(&args));
    assert!(!missing.exists());
}
