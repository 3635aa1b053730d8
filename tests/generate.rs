//! End-to-end tests of `sourcing-opt generate`: generated instances are valid (`check` finds
//! no error and no warning), feasible with an optimum both pure-Rust backends agree on, some
//! of their import-dependency caps bind, the output is a pure function of seed and scale, and
//! the LP grows linearly with the scale; with `--periods N`, a schema-2 instance on the same
//! network with growing demand, lead times, tightening caps and stockpiles, also valid and
//! feasible, about N times the LP. Small scales only, so the debug build stays fast.

mod common;

use common::*;
use std::path::PathBuf;

/// Generate `seed`/`scale` into a file of a fresh temporary directory (kept alive by the
/// returned guard).
fn generated(seed: u64, scale: u32) -> (tempfile::TempDir, PathBuf) {
    generated_periods(seed, scale, 1)
}

/// Like [`generated`], over `periods` periods (`--periods`).
fn generated_periods(seed: u64, scale: u32, periods: u32) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join(format!("gen_s{seed}_k{scale}_p{periods}.toml"));
    let (s, k, p) = (seed.to_string(), scale.to_string(), path.to_string_lossy().to_string());
    let n = periods.to_string();
    let mut args = vec!["generate", "--seed", &s, "--scale", &k, "--output", &p, "--quiet"];
    if periods != 1 {
        args.extend(["--periods", &n]);
    }
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
    for (seed, scale, periods) in [
        (1, 1, 1),
        (2, 1, 1),
        (3, 2, 1),
        (42, 3, 1),
        (1, 1, 6),
        (3, 2, 6),
        (42, 3, 2),
    ] {
        let (_dir, path) = generated_periods(seed, scale, periods);
        let p = path.to_string_lossy();
        let args = ["check", p.as_ref()];
        let r = run(&args);
        let what = format!("seed {seed} scale {scale} periods {periods}");
        assert_eq!(r.code, 0, "{what}: {}", r.describe(&args));
        assert!(
            r.stderr.trim().is_empty(),
            "{what}: diagnostics on a generated instance\n{}",
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
        ["--periods", "0"],
        ["--periods", "51"],
        ["--periods", "2.5"],
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

/// `generate --periods N` to stdout.
fn generated_text_periods(seed: u64, scale: u32, periods: u32) -> String {
    let (s, k, n) = (seed.to_string(), scale.to_string(), periods.to_string());
    let args = ["generate", "--seed", &s, "--scale", &k, "--periods", &n, "--quiet"];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    r.stdout
}

/// The lines of `text` that start with `key = ` (the values of one field of every entry).
fn values<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    let prefix = format!("{key} = ");
    text.lines().filter_map(|l| l.strip_prefix(prefix.as_str())).collect()
}

/// The values of an inline series `{ 2025 = a, 2026 = b }`, in year order.
fn series(v: &str) -> Vec<(i64, f64)> {
    let inner = v.trim().strip_prefix('{').and_then(|v| v.strip_suffix('}'));
    let inner = inner.unwrap_or_else(|| panic!("not an inline series: {v}"));
    inner
        .split(',')
        .map(|e| {
            let (y, x) = e.split_once('=').unwrap_or_else(|| panic!("bad entry `{e}` in {v}"));
            (y.trim().parse().expect("a year"), x.trim().parse().expect("a value"))
        })
        .collect()
}

#[test]
fn periods_1_is_the_schema_1_instance_and_more_periods_keep_its_network() {
    let one = generated_text(7, 2);
    assert_eq!(
        one,
        generated_text_periods(7, 2, 1),
        "--periods 1 is not the default output"
    );
    let six = generated_text_periods(7, 2, 6);
    assert_eq!(
        six,
        generated_text_periods(7, 2, 6),
        "same seed, scale and periods, other bytes"
    );
    assert!(
        one.contains("schema = 1\n") && !one.contains("periods ="),
        "{}",
        &one[..600]
    );
    assert_eq!(values(&six, "schema"), ["2"]);
    assert_eq!(values(&six, "periods"), ["[2025, 2026, 2027, 2028, 2029, 2030]"]);
    // The same network and facilities: every id and region of one is in six, in order.
    for key in [
        "id",
        "region",
        "from",
        "to",
        "capacity",
        "cost",
        "yield",
        "unmet_penalty",
    ] {
        let (a, b) = (values(&one, key), values(&six, key));
        assert!(b.len() >= a.len(), "{key}");
        assert_eq!(a, b[..a.len()], "{key} differs between --periods 1 and 6");
    }
    // Each demand's first year is the single-period quantity, and it grows 1% to 5% a year.
    let (q1, q6) = (values(&one, "quantity"), values(&six, "quantity"));
    assert_eq!(q1.len(), q6.len());
    for (a, b) in q1.iter().zip(&q6) {
        let path = series(b);
        assert_eq!(path.len(), 6, "{b}");
        assert_eq!(path[0].1, a.parse::<f64>().unwrap(), "{b} vs {a}");
        for w in path.windows(2) {
            let g = w[1].1 / w[0].1 - 1.0;
            assert!((0.009..=0.051).contains(&g), "growth {g} in {b}");
        }
    }
    // Import caps never loosen, and some tighten.
    let caps: Vec<Vec<(i64, f64)>> = values(&six, "max_import_share").into_iter().map(series).collect();
    assert_eq!(caps.len(), values(&one, "max_import_share").len());
    assert!(caps.iter().all(|c| c.windows(2).all(|w| w[1].1 <= w[0].1)), "{caps:?}");
    assert!(caps.iter().any(|c| c[5].1 < c[0].1), "no cap tightens: {caps:?}");
    // About half the expansions have a lead time, of 1 to 3 years.
    let expansions = values(&six, "expansion");
    let leads: Vec<f64> = expansions
        .iter()
        .filter_map(|e| e.split("lead_time = ").nth(1))
        .map(|l| l.trim_end_matches(" }").parse().expect("a lead time"))
        .collect();
    assert!(leads.iter().all(|l| (1.0..=3.0).contains(l)), "{leads:?}");
    let share = leads.len() as f64 / expansions.len() as f64;
    assert!(
        (0.25..=0.75).contains(&share),
        "{} of {} expansions have a lead time",
        leads.len(),
        expansions.len()
    );
    assert!(six.matches("[[stockpiles]]").count() >= 1, "no stockpile");
    // Two periods: no lead time beyond the one year the horizon spans.
    let two = generated_text_periods(7, 2, 2);
    assert!(values(&two, "expansion")
        .iter()
        .all(|e| !e.contains("lead_time") || e.contains("lead_time = 1.00 }")));
}

#[test]
fn a_multi_period_instance_is_feasible_and_about_n_times_the_lp() {
    let (_dir, one) = generated_periods(5, 2, 1);
    let (_dir6, six) = generated_periods(5, 2, 6);
    let (v1, _, _) = size(&one.to_string_lossy());
    let (v6, _, _) = size(&six.to_string_lossy());
    let ratio = v6 as f64 / v1 as f64;
    assert!(
        (5.5..=6.6).contains(&ratio),
        "{v1} variables with 1 period, {v6} with 6"
    );
    let p = six.to_string_lossy();
    let args = ["solve", p.as_ref(), "--ranging", "off", "--format", "json", "--quiet"];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    assert_eq!(report["status"], "optimal");
    let years: Vec<i64> = list(&report, "periods")
        .iter()
        .filter_map(|p| p["year"].as_i64())
        .collect();
    assert_eq!(years, [2025, 2026, 2027, 2028, 2029, 2030]);
    assert!(!list(&report, "stockpiles").is_empty());
    // Every build comes online no earlier than its lead time allows.
    for b in list(&report, "builds") {
        let (year, lead) = (b["period"].as_i64().unwrap(), num(&b["lead_time"], "lead_time"));
        assert!(year as f64 >= 2025.0 + lead, "{b}");
    }
}

/// `--shape dense` and `--shape corridors`: the same facilities on other lane networks (many
/// lanes from every region, most open to every material; a few hubs per country with long
/// corridors). Valid, feasible, the same optimum on both pure-Rust backends; the dense one has
/// far more lanes than the chains, the corridors fewer.
#[test]
fn the_other_shapes_are_valid_and_feasible() {
    for (shape, seed) in [("dense", 1u64), ("dense", 2), ("corridors", 1), ("corridors", 3)] {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join(format!("{shape}.toml"));
        let (s, p) = (seed.to_string(), path.to_string_lossy().to_string());
        let args = [
            "generate", "--seed", &s, "--scale", "2", "--shape", shape, "--output", &p, "--quiet",
        ];
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.describe(&args));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(&format!("--shape {shape}")), "the header names the shape");
        let lanes = |t: &str| t.matches("[[lanes]]").count();
        let (mine, chains) = (lanes(&text), lanes(&generated_text(seed, 2)));
        match shape {
            "dense" => assert!(mine > 3 * chains, "dense {mine} lanes, chains {chains}"),
            _ => assert!(mine < chains, "corridors {mine} lanes, chains {chains}"),
        }
        let check = run(&["check", &p]);
        assert_eq!(check.code, 0, "{}", check.stderr);
        assert!(check.stderr.trim().is_empty(), "diagnostics: {}", check.stderr);
        assert!(check.stdout.contains(": valid"), "{}", check.stdout);
        let objectives: Vec<f64> = ["minilp", "clarabel"]
            .iter()
            .map(|b| {
                let report = solve_with(&p, &["--backend", b, "--ranging", "off"]);
                num(&report["objective"], "objective")
            })
            .collect();
        assert!(
            close(objectives[0], objectives[1], 1e-6),
            "{shape} seed {seed}: {objectives:?}"
        );
    }
}
