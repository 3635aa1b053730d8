//! Export round trip through a solver we did not write: every shipped instance is exported as
//! free MPS and as CPLEX LP, solved by HiGHS (Python `highspy`), and compared with `solve`.
//!
//! * optimal instances: HiGHS's objective equals `solve`'s to 1e-6 (relative) for both files;
//! * infeasible instances (`infeasible_*.toml`, or whatever `solve` finds infeasible): HiGHS
//!   must find both files infeasible too;
//! * the MPS row names are exactly the contract names of the report's `constraints` list, and
//!   the LP row names decode (`(`/`)` back to `[`/`]`, `#XX` to the character) to the same set;
//! * HiGHS's row duals equal the report's wherever the price is unique: rows the report's
//!   ranging marks `unique`, and rows with slack (complementary slackness gives them 0 in every
//!   optimal dual). HiGHS uses our convention (d objective / d rhs) for a minimisation.
//!
//! The interpreter is `$SOURCING_OPT_PYTHON`, which `.ci/run` points at a virtualenv with
//! highspy. Locally: `SOURCING_OPT_PYTHON=.ci/venv/bin/python cargo test --test roundtrip`.

mod common;

use common::*;
use serde_json::Value;
use sourcing_opt::model::generate::Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

/// Reads each model file given on the command line with HiGHS, solves it, and prints one
/// line `RESULT <json>` (HiGHS may print a banner before it).
const HIGHS_SNIPPET: &str = r#"
import json, sys
import highspy

results = []
for path in sys.argv[1:]:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    read = h.readModel(path)
    if read != highspy.HighsStatus.kOk:
        results.append({"path": path, "error": "readModel returned " + str(read)})
        continue
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    lp = h.getLp()
    results.append({
        "path": path,
        "status": status,
        "objective": h.getInfo().objective_function_value,
        "num_col": lp.num_col_,
        "num_row": lp.num_row_,
        "rows": list(lp.row_names_),
        "row_duals": list(h.getSolution().row_dual) if status == "Optimal" else [],
    })
print("RESULT " + json.dumps(results))
"#;

/// The interpreter named by `$SOURCING_OPT_PYTHON`; a relative path with a directory part is
/// taken from the workspace root (cargo runs tests from `solver/`).
fn python() -> PathBuf {
    match std::env::var_os("SOURCING_OPT_PYTHON") {
        Some(p) if !p.is_empty() => {
            let p = PathBuf::from(p);
            if p.is_relative() && p.components().count() > 1 {
                root().join(p)
            } else {
                p
            }
        }
        _ => panic!(
            "SOURCING_OPT_PYTHON is not set: this test solves the exported LP/MPS files with HiGHS \
             (Python `highspy`). Run the tests through `.ci/run`, which sets it, or set it to a \
             Python with highspy installed, e.g. `SOURCING_OPT_PYTHON=.ci/venv/bin/python \
             cargo test --test roundtrip`"
        ),
    }
}

/// Solve the given model files with HiGHS; one JSON result per file, in order.
fn highs(files: &[String]) -> Vec<Value> {
    let py = python();
    let out = Command::new(&py)
        .arg("-c")
        .arg(HIGHS_SNIPPET)
        .args(files)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run SOURCING_OPT_PYTHON=`{}`: {e}", py.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "`{}` with highspy failed ({}):\n{stdout}\n{stderr}",
        py.display(),
        out.status
    );
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("no RESULT line from the HiGHS snippet:\n{stdout}\n{stderr}"));
    let v: Value = serde_json::from_str(line).expect("the snippet prints JSON");
    v.as_array().expect("a list of results").clone()
}

/// Undo the LP-format escape of `export` (module docs of `solver/src/export.rs`).
fn decode_lp_name(name: &str) -> String {
    let mut out = String::new();
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        match c {
            '(' => out.push('['),
            ')' => out.push(']'),
            '#' => {
                let hex: String = chars.by_ref().take(2).collect();
                let code = u8::from_str_radix(&hex, 16).unwrap_or_else(|_| panic!("bad escape `#{hex}` in `{name}`"));
                out.push(code as char);
            }
            c => out.push(c),
        }
    }
    out
}

fn export(instance: &str, format: &str, to: &str) {
    let args = ["export", instance, "--format", format, "--output", to, "--quiet"];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
}

#[test]
fn highs_solves_every_exported_instance_to_the_same_optimum() {
    let instances = all_instances();
    assert!(
        instances.iter().any(|i| expected_infeasible(i)),
        "no infeasible instance is shipped: {instances:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut reports = Vec::new();
    for (k, instance) in instances.iter().enumerate() {
        let (code, report) = solve_json(instance, None);
        let status = text(&report["status"], "status").to_string();
        match status.as_str() {
            "optimal" => assert_eq!(code, 0, "{instance}"),
            "infeasible" => assert_eq!(code, 3, "{instance}"),
            other => panic!(
                "{instance}: `solve` ends `{other}` (exit {code}): {}",
                report["message"]
            ),
        }
        assert_eq!(
            status == "infeasible",
            expected_infeasible(instance),
            "{instance}: infeasible instances, and only they, are named `infeasible_*.toml`"
        );
        for format in ["mps", "lp"] {
            let file = dir.path().join(format!("{k}.{format}"));
            let file = file.to_str().unwrap().to_string();
            export(instance, format, &file);
            files.push(file);
        }
        reports.push(report);
    }

    let results = highs(&files);
    assert_eq!(results.len(), files.len());
    let mut failures = Vec::new();
    let mut duals_compared = 0;
    for (k, instance) in instances.iter().enumerate() {
        let report = &reports[k];
        let contract: BTreeSet<String> = list(report, "constraints")
            .iter()
            .map(|c| text(&c["name"], "name").to_string())
            .collect();
        for (f, format) in ["mps", "lp"].iter().enumerate() {
            let h = &results[2 * k + f];
            if let Some(e) = h.get("error") {
                failures.push(format!("{instance} ({format}): HiGHS cannot read the export: {e}"));
                continue;
            }
            let hs = text(&h["status"], "status");
            if report["status"] == "infeasible" {
                if hs != "Infeasible" {
                    failures.push(format!(
                        "{instance} ({format}): `solve` says infeasible, HiGHS says {hs}"
                    ));
                }
                continue;
            }
            if hs != "Optimal" {
                failures.push(format!("{instance} ({format}): `solve` is optimal, HiGHS says {hs}"));
                continue;
            }
            let ours = num(&report["objective"], "objective");
            let theirs = num(&h["objective"], "HiGHS objective");
            if !close(ours, theirs, 1e-6) {
                failures.push(format!(
                    "{instance} ({format}): objective {ours} from `solve`, {theirs} from HiGHS"
                ));
            }
            let solver = &report["solver"];
            for (ours, theirs, what) in [
                (&solver["variables"], &h["num_col"], "columns"),
                (&solver["constraints"], &h["num_row"], "rows"),
            ] {
                if ours.as_u64() != theirs.as_u64() {
                    failures.push(format!(
                        "{instance} ({format}): {ours} {what} in `solve`, {theirs} in the file"
                    ));
                }
            }
            if *format == "mps" {
                let (f, n) = compare_unique_duals(instance, report, h);
                failures.extend(f);
                duals_compared += n;
            }
            let rows: Vec<String> = h["rows"]
                .as_array()
                .expect("row names")
                .iter()
                .map(|n| text(n, "row name").to_string())
                .map(|n| if *format == "lp" { decode_lp_name(&n) } else { n })
                .collect();
            let names: BTreeSet<String> = rows.iter().cloned().collect();
            if names.len() != rows.len() {
                failures.push(format!("{instance} ({format}): duplicate row names"));
            }
            if names != contract {
                let missing: Vec<_> = contract.difference(&names).take(5).collect();
                let extra: Vec<_> = names.difference(&contract).take(5).collect();
                failures.push(format!(
                    "{instance} ({format}): row names differ from the report's constraints: \
                     missing {missing:?}, unexpected {extra:?}"
                ));
            }
        }
        // Infeasible reports list no constraints; their names are checked through the
        // optimal instances (same writer).
        if report["status"] == "optimal" {
            assert!(
                !contract.is_empty(),
                "{instance}: an optimal report lists its constraints"
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Degenerate instances (a balanced transportation problem) have no unique price on a
    // tight row; the shipped baseline has hundreds.
    assert!(
        duals_compared > 100,
        "only {duals_compared} unique duals compared with HiGHS"
    );
    eprintln!("{duals_compared} unique duals agree with HiGHS");
}

/// Disagreements between the report's duals and HiGHS's where the price is unique.
/// Also returns how many duals were compared.
fn compare_unique_duals(instance: &str, report: &Value, h: &Value) -> (Vec<String>, usize) {
    let names = h["rows"].as_array().expect("row names");
    let duals = h["row_duals"].as_array().expect("row duals");
    let theirs: BTreeMap<&str, f64> = names
        .iter()
        .zip(duals)
        .map(|(n, d)| (text(n, "row name"), num(d, "HiGHS dual")))
        .collect();
    let unique: BTreeSet<&str> = match report["ranging"]["constraints"].as_array() {
        Some(rows) => rows
            .iter()
            .filter(|r| r["unique"] == true)
            .map(|r| text(&r["name"], "name"))
            .collect(),
        None => BTreeSet::new(),
    };
    // A balance row is ranged along one more tonne of its demand, which also moves every
    // target covering it: `unique` there says the delivered price (the row's dual plus each
    // covering target's share times its dual) is unique, not the row's own dual, which can
    // trade with the targets' (tests/prices.rs checks delivered prices by finite differences).
    // Those rows are left out here: the balances (and, with origin tracking, the demand rows,
    // ranged the same way) of a material that some target caps.
    let capped: BTreeSet<&str> = list(report, "targets")
        .iter()
        .map(|t| text(&t["material"], "material"))
        .collect();
    let coupled = |name: &str| {
        name.strip_prefix("balance[")
            .or_else(|| name.strip_prefix("demand["))
            .and_then(|rest| rest.split_once('/'))
            .map(|(_, tail)| tail.split(['~', '@', ']']).next().unwrap_or(""))
            .is_some_and(|material| capped.contains(material))
    };
    let mut failures = Vec::new();
    let mut compared = 0;
    // A row with slack has a zero price in every optimal dual. An interior-point plan leaves
    // dust of about 1e-5 t/yr on unused columns (an expansion not built, summed over the
    // periods before), so a row it holds 2e-5 below a right-hand side of 0 is tight in the
    // optimal face: only a slack beyond that dust proves the price 0.
    let interior = report["solver"]["backend"] == "clarabel";
    let slack_tol = if interior { 1e-4 } else { 1e-6 };
    for c in list(report, "constraints") {
        let name = text(&c["name"], "name");
        let slack = num(&c["slack"], "slack").abs() > slack_tol * num(&c["rhs"], "rhs").abs().max(1.0);
        if !((unique.contains(name) && !coupled(name)) || (slack && c["sense"] != "=")) {
            continue;
        }
        let ours = num(&c["dual"], "dual");
        let Some(&h) = theirs.get(name) else {
            failures.push(format!("{instance}: HiGHS has no row `{name}`"));
            continue;
        };
        compared += 1;
        if (ours - h).abs() > 1e-6 * ours.abs().max(1.0) {
            failures.push(format!(
                "{instance}: `{name}` dual {ours} in the report, {h} from HiGHS"
            ));
        }
    }
    (failures, compared)
}

#[test]
fn lp_name_decoding_matches_the_documented_escape() {
    assert_eq!(
        decode_lp_name("ship(nv_qc_rail#3ACA#2DQC#2D#3EUS#2DNV#2Cli)"),
        "ship[nv_qc_rail:CA-QC->US-NV,li]"
    );
    assert_eq!(decode_lp_name("balance(US#2DTX/silver)"), "balance[US-TX/silver]");
}

/// Whole numbers from the generator of `generate` (round numbers keep the files readable).
trait Int {
    /// A whole number in [lo, hi].
    fn int(&mut self, lo: u64, hi: u64) -> u64;
}

impl Int for Rng {
    fn int(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
}

/// A random instance of the contract: three US, two Mexican and one Chinese region; ore mined
/// (under a Mexican fiscal regime) and refined into metal; Chinese offers; lanes (some
/// capacitated, some bidirectional, sea lanes with a material filter); a Section-301-style
/// tariff; demands with and without unmet penalties; an import cap on metal. Most seeds are
/// feasible; the others must be infeasible for HiGHS too.
fn random_instance(seed: u64) -> String {
    let mut r = Rng::new(seed);
    let mut s = String::from(
        "[meta]\nname = \"random\"\n[[blocs]]\nid = \"usmca\"\ncountries = [\"US\", \"MX\"]\n\
[[countries]]\nid = \"US\"\n[[countries]]\nid = \"MX\"\ntax_regime = \"mx\"\n[[countries]]\nid = \"CN\"\n\
[[tax_regimes]]\nid = \"mx\"\nroyalty_rate = 0.075\nincome_tax_rate = 0.3\n",
    );
    let regions = ["US-1", "US-2", "US-3", "MX-1", "MX-2", "CN-1"];
    for g in regions {
        s += &format!("[[regions]]\nid = \"{g}\"\ncountry = \"{}\"\n", &g[..2]);
    }
    s += "[[materials]]\nid = \"ore\"\nprice = 100\n[[materials]]\nid = \"metal\"\nprice = 2000\n";
    for (k, g) in regions[..5].iter().enumerate() {
        if r.int(0, 3) > 0 {
            s += &format!(
                "[[mines]]\nid = \"mine{k}\"\nregion = \"{g}\"\nmaterial = \"ore\"\ncapacity = {}\ncost = {}\n",
                r.int(50, 400),
                r.int(10, 60)
            );
            if r.int(0, 2) == 0 {
                s += &format!("expansion = {{ max = {}, cost = {} }}\n", r.int(10, 100), r.int(5, 40));
            }
        }
        if r.int(0, 2) == 0 {
            s += &format!(
                "[[plants]]\nid = \"plant{k}\"\nregion = \"{g}\"\ninput = \"ore\"\noutput = \"metal\"\n\
yield = 0.{}\ncapacity = {}\ncost = {}\n",
                r.int(5, 9),
                r.int(50, 300),
                r.int(50, 400)
            );
        }
    }
    s += &format!(
        "[[imports]]\nid = \"cn_metal\"\nregion = \"CN-1\"\nmaterial = \"metal\"\nprice = {}\n",
        r.int(1500, 2600)
    );
    s += &format!(
        "[[imports]]\nid = \"cn_ore\"\nregion = \"CN-1\"\nmaterial = \"ore\"\nprice = {}\ncapacity = {}\n",
        r.int(60, 140),
        r.int(0, 300)
    );
    for (a, b) in [(0, 1), (1, 2), (0, 2), (3, 0), (4, 1), (3, 4)] {
        s += &format!(
            "[[lanes]]\nfrom = \"{}\"\nto = \"{}\"\ncost = {}\nbidirectional = {}\n",
            regions[a],
            regions[b],
            r.int(5, 60),
            r.int(0, 1) == 1
        );
        if r.int(0, 2) == 0 {
            s += &format!("capacity = {}\n", r.int(20, 300));
        }
    }
    for g in &regions[..3] {
        s += &format!(
            "[[lanes]]\nfrom = \"CN-1\"\nto = \"{g}\"\nmode = \"sea\"\ncost = {}\nmaterials = [\"metal\", \"ore\"]\n",
            r.int(100, 200)
        );
    }
    s += &format!(
        "[[tariffs]]\nimporter = \"US\"\nexporter = \"CN\"\nrate = 0.{}\n",
        r.int(0, 25)
    );
    for g in &regions[..4] {
        s += &format!(
            "[[demands]]\nregion = \"{g}\"\nmaterial = \"metal\"\nquantity = {}\n",
            r.int(10, 120)
        );
        if r.int(0, 1) == 1 {
            s += &format!("unmet_penalty = {}\n", r.int(2500, 9000));
        }
    }
    s += &format!(
        "[[targets]]\nid = \"metal_cap\"\nmaterial = \"metal\"\nscope = \"usmca\"\nmax_import_share = 0.{}\n",
        r.int(4, 9)
    );
    s
}

/// Generated instances of the contract: HiGHS on the export finds our objective, and its row
/// duals equal ours wherever the price is unique, on every backend.
#[test]
fn highs_agrees_on_generated_instances_objective_and_unique_duals() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut runs = Vec::new();
    for seed in 0..12u64 {
        let path = dir.path().join(format!("random{seed}.toml"));
        std::fs::write(&path, random_instance(seed)).unwrap();
        let path = path.to_str().unwrap().to_string();
        for &backend in BACKENDS {
            let (code, report) = solve_json(&path, Some(backend));
            runs.push((seed, backend, code, report, files.len()));
        }
        let mps = dir.path().join(format!("random{seed}.mps"));
        let mps = mps.to_str().unwrap().to_string();
        export(&path, "mps", &mps);
        files.push(mps);
    }
    let results = highs(&files);
    let (mut failures, mut compared, mut optimal) = (Vec::new(), 0, 0);
    for (seed, backend, code, report, k) in &runs {
        let h = &results[*k];
        let hs = text(&h["status"], "status");
        let name = format!("seed {seed} on {backend}");
        match (report["status"].as_str(), hs) {
            (Some("optimal"), "Optimal") => {
                assert_eq!(*code, 0);
                optimal += 1;
                let (ours, theirs) = (num(&report["objective"], "objective"), num(&h["objective"], "HiGHS"));
                if !close(ours, theirs, 1e-6) {
                    failures.push(format!("{name}: objective {ours}, HiGHS {theirs}"));
                }
                let (f, n) = compare_unique_duals(&name, report, h);
                failures.extend(f);
                compared += n;
            }
            (Some("infeasible"), "Infeasible") => assert_eq!(*code, 3),
            (ours, theirs) => failures.push(format!("{name}: `solve` says {ours:?}, HiGHS says {theirs}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        optimal >= runs.len() / 2,
        "too few optimal instances: {optimal} of {}",
        runs.len()
    );
    assert!(compared > 10 * optimal, "only {compared} unique duals compared");
    eprintln!("{optimal} generated runs optimal, {compared} unique duals agree with HiGHS");
}

/// Generated continental networks, solved by Clarabel after the presolve (which removes
/// their dead ends and leaves, about 40% of the columns): HiGHS on the export of the model as
/// written finds the same optimum, and the same duals on every row with slack.
#[test]
fn presolved_continental_instances_agree_with_highs() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut reports = Vec::new();
    // (seed, scale, periods): the last two are schema-2 instances (lead times, stockpiles,
    // series), whose intertemporal rows go through the same presolve and aggregation.
    for (seed, scale, periods) in [(1u64, 1u32, 1u32), (2, 3, 1), (5, 4, 1), (7, 1, 4), (8, 2, 3)] {
        let path = dir.path().join(format!("g{seed}.toml"));
        let path = path.to_str().unwrap().to_string();
        let r = run(&[
            "generate",
            "--seed",
            &seed.to_string(),
            "--scale",
            &scale.to_string(),
            "--periods",
            &periods.to_string(),
            "-o",
            &path,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        reports.push((seed, solve_optimal(&path, Some("clarabel"))));
        let mps = dir.path().join(format!("g{seed}.mps"));
        let mps = mps.to_str().unwrap().to_string();
        export(&path, "mps", &mps);
        files.push(mps);
    }
    let results = highs(&files);
    let mut failures = Vec::new();
    let mut compared = 0;
    for ((seed, report), h) in reports.iter().zip(&results) {
        assert_eq!(text(&h["status"], "status"), "Optimal", "seed {seed}");
        let (ours, theirs) = (num(&report["objective"], "objective"), num(&h["objective"], "HiGHS"));
        if !close(ours, theirs, 1e-6) {
            failures.push(format!("seed {seed}: objective {ours}, HiGHS {theirs}"));
        }
        let (f, n) = compare_unique_duals(&format!("generated seed {seed}"), report, h);
        failures.extend(f);
        compared += n;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared > 500, "only {compared} duals compared");
    eprintln!("{compared} duals of presolved Clarabel runs agree with HiGHS");
}
