//! Planted infeasibilities: the diagnosis must name exactly the planted constraints, and
//! applying its required values with `--set` must make the instance feasible.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_sourcing-opt");

/// A small two-country instance; `extra` is appended (targets, demands, ...).
fn instance(extra: &str) -> String {
    format!(
        r#"[meta]
name = "planted"
[[blocs]]
id = "usmca"
countries = ["US", "MX"]
[[countries]]
id = "US"
[[countries]]
id = "MX"
[[countries]]
id = "CN"
[[regions]]
id = "US-TX"
country = "US"
[[regions]]
id = "MX-ZAC"
country = "MX"
[[regions]]
id = "CN-SH"
country = "CN"
[[materials]]
id = "ree"
price = 50000
[[materials]]
id = "ag"
price = 800000
[[mines]]
id = "mp"
region = "US-TX"
material = "ree"
capacity = 1000
cost = 9000
[[mines]]
id = "fresnillo"
region = "MX-ZAC"
material = "ag"
capacity = 500
cost = 300000
[[imports]]
id = "cn_ree"
region = "CN-SH"
material = "ree"
price = 20000
[[imports]]
id = "cn_ag"
region = "CN-SH"
material = "ag"
price = 700000
[[lanes]]
from = "CN-SH"
to = "US-TX"
cost = 150
mode = "sea"
[[lanes]]
from = "MX-ZAC"
to = "US-TX"
cost = 60
mode = "rail"
{extra}"#
    )
}

fn run(src: &str, args: &[&str]) -> (i32, serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("planted.toml");
    std::fs::write(&path, src).unwrap();
    let out = Command::new(BIN)
        .arg("solve")
        .arg(&path)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap(), json, stderr)
}

fn conflict(r: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = r["diagnosis"]["conflict"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// The relaxations of a diagnosis; each must change its value (one that leaves it as it is
/// relaxes nothing).
fn relaxations(r: &serde_json::Value) -> Vec<(String, f64, f64)> {
    let all: Vec<(String, f64, f64)> = r["diagnosis"]["relaxations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["constraint"].as_str().unwrap().to_string(),
                x["current"].as_f64().unwrap(),
                x["required"].as_f64().unwrap(),
            )
        })
        .collect();
    for (key, current, required) in &all {
        assert_ne!(current, required, "{key}: a relaxation that changes nothing");
    }
    all
}

/// Apply every relaxation with --set and check the instance becomes feasible.
fn repaired_is_feasible(src: &str, r: &serde_json::Value) {
    let sets: Vec<String> = relaxations(r)
        .iter()
        .map(|(k, _, v)| format!("--set={k}={v}"))
        .collect();
    let args: Vec<&str> = sets.iter().map(|s| s.as_str()).collect();
    let (code, again, err) = run(src, &args);
    assert_eq!(code, 0, "applying {sets:?} should make it feasible: {err}");
    let applied = again["instance"]["overrides"].as_array().unwrap().len();
    assert_eq!(applied, sets.len(), "the overrides are echoed");
}

#[test]
fn cap_too_strict_names_the_target_and_its_required_share() {
    // Demand 4000 t, domestic mine 1000 t: at least 75% must be imported; the cap says 20%.
    let src = instance(
        "[[demands]]\nregion = \"US-TX\"\nmaterial = \"ree\"\nquantity = 4000\n\
[[targets]]\nid = \"ree_cap\"\nmaterial = \"ree\"\nscope = \"usmca\"\nmax_import_share = 0.2\n",
    );
    let (code, r, _) = run(&src, &[]);
    assert_eq!(code, 3);
    assert_eq!(r["status"], "infeasible");
    let rel = relaxations(&r);
    assert_eq!(rel.len(), 1, "{rel:?}");
    assert_eq!(rel[0].0, "targets.ree_cap.max_import_share");
    approx::assert_abs_diff_eq!(rel[0].2, 0.75, epsilon = 1e-4);
    assert_eq!(
        conflict(&r),
        ["balance[US-TX/ree]", "mine_capacity[mp]", "target[ree_cap]"]
    );
    repaired_is_feasible(&src, &r);
    // The structural check proves it before any elastic solve, with the same share.
    let structural: Vec<&str> = r["diagnosis"]["structural"]
        .as_array()
        .expect("structural findings")
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    assert_eq!(structural.len(), 1, "{structural:?}");
    assert!(
        structural[0].contains("`ree_cap`") && structural[0].contains("at least 75.0% must be imported"),
        "{structural:?}"
    );
    // Loosened to exactly what is needed, the check stays quiet (it never cries wolf).
    let (code, r, _) = run(&src, &["--set=targets.ree_cap.max_import_share=0.75"]);
    assert_eq!(code, 0, "{r}");
}

#[test]
fn unreachable_demand_is_found_before_solving() {
    // Silver demanded in China: no lane leads there.
    let src = instance("[[demands]]\nregion = \"MX-ZAC\"\nmaterial = \"ree\"\nquantity = 10\n");
    let (code, r, _) = run(&src, &[]);
    assert_eq!(code, 3);
    let s = r["diagnosis"]["structural"].as_array().unwrap();
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(s[0].as_str().unwrap().contains("MX-ZAC/ree"), "{s:?}");
    assert!(
        s[0].as_str().unwrap().contains("no source of `ree` reaches it"),
        "{s:?}"
    );
    assert_eq!(conflict(&r), ["balance[MX-ZAC/ree]"]);
}

#[test]
fn missing_producer_is_named() {
    let src = instance(
        "[[materials]]\nid = \"ga\"\nprice = 1000000\n\
[[demands]]\nregion = \"US-TX\"\nmaterial = \"ga\"\nquantity = 5\n",
    );
    let (code, r, _) = run(&src, &[]);
    assert_eq!(code, 3);
    let s = r["diagnosis"]["structural"].as_array().unwrap();
    assert!(
        s[0].as_str()
            .unwrap()
            .contains("no mine, plant or import offer produces `ga`"),
        "{s:?}"
    );
}

#[test]
fn two_infeasible_caps_are_both_repaired() {
    // Silver: 500 t from Mexico, 1000 t US demand, China has the rest. The US-only cap
    // counts Mexican silver as imports (100% > 60%); the usmca cap needs 50% from China
    // (> 40%). Each is infeasible on its own; the repair must relax both.
    let src = instance(
        "[[demands]]\nregion = \"US-TX\"\nmaterial = \"ag\"\nquantity = 1000\n\
[[targets]]\nid = \"us_ag\"\nmaterial = \"ag\"\nscope = \"US\"\nmax_import_share = 0.6\n\
[[targets]]\nid = \"usmca_ag\"\nmaterial = \"ag\"\nscope = \"usmca\"\nmax_import_share = 0.4\n",
    );
    // us_ag counts Mexican silver as imports: needs >= 40% from... the US has no silver mine,
    // so US imports are 100%: us_ag alone is infeasible. Check each alone first.
    let (code_both, r, _) = run(&src, &[]);
    assert_eq!(code_both, 3);
    let (alone_usmca, _, _) = run(&src, &["--set=targets.us_ag.max_import_share=1"]);
    assert_eq!(
        alone_usmca, 3,
        "usmca cap alone: 500 t of 1000 must come from China (50% > 40%)"
    );
    let c = conflict(&r);
    assert!(
        c.contains(&"target[usmca_ag]".to_string()) || c.contains(&"target[us_ag]".to_string()),
        "{c:?}"
    );
    repaired_is_feasible(&src, &r);
}

#[test]
fn caps_conflicting_only_together_are_both_in_the_conflict() {
    // Rare earths: demand 2000 in the US. Cap A: usmca imports from CN <= 60%.
    // Cap B: the US mine's output is capped by a lane limit... use two targets on the same
    // material with different sources: A counts CN, B counts every foreign country. Each
    // alone is satisfiable with the 1000 t mine (imports 50%), together with 40% they are not.
    let src = instance(
        "[[demands]]\nregion = \"US-TX\"\nmaterial = \"ree\"\nquantity = 2000\n\
[[targets]]\nid = \"a\"\nmaterial = \"ree\"\nscope = \"US\"\nmax_import_share = 0.5\n\
[[targets]]\nid = \"b\"\nmaterial = \"ree\"\nscope = \"usmca\"\nsources = \"CN\"\nmax_import_share = 0.45\n",
    );
    let (a_alone, _, _) = run(&src, &["--set=targets.b.max_import_share=1"]);
    assert_eq!(a_alone, 0, "target a alone holds: 1000 t of 2000 imported = 50%");
    let (code, r, _) = run(&src, &[]);
    assert_eq!(code, 3);
    let c = conflict(&r);
    assert!(c.contains(&"target[b]".to_string()), "{c:?}");
    assert!(c.contains(&"mine_capacity[mp]".to_string()), "{c:?}");
    repaired_is_feasible(&src, &r);
}

#[test]
fn no_diagnose_skips_the_work_but_keeps_exit_3() {
    let src = instance(
        "[[demands]]\nregion = \"US-TX\"\nmaterial = \"ree\"\nquantity = 4000\n\
[[targets]]\nid = \"ree_cap\"\nmaterial = \"ree\"\nscope = \"usmca\"\nmax_import_share = 0.2\n",
    );
    let (code, r, _) = run(&src, &["--no-diagnose"]);
    assert_eq!(code, 3);
    assert!(r["diagnosis"].is_null());
}

/// The structural checks prove infeasibility: on every instance that solves they find nothing.
#[test]
fn structural_checks_never_fire_on_a_feasible_instance() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut checked = 0;
    for dir in ["instances", "instances/textbook", "instances/numerics"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.extension().is_none_or(|x| x != "toml") || name.starts_with("infeasible") {
                continue;
            }
            let src = std::fs::read_to_string(&path).unwrap();
            let inst = sourcing_models::load_str(&src)
                .instance
                .expect("shipped instances validate");
            let found = sourcing_opt::diagnose::structural(&inst);
            assert!(found.is_empty(), "{}: {found:?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} instances checked");
}

/// A shipped instance's text, for `run` (which writes it to a temporary file).
fn shipped(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// A relaxation set is minimal and sufficient: every relaxation applied with `--set` gives a
/// plan, and leaving any one of them out (the others applied) gives none. A demand nothing
/// can reach, in an instance with a binding cobalt cap, used to come with the cap relaxed
/// from 0.4 to 0.4001 as well, which the demand's change alone makes unnecessary.
#[test]
fn every_relaxation_is_needed_and_together_they_suffice() {
    let unreachable_cobalt = format!(
        "{}\n[[regions]]\nid = \"US-TX\"\ncountry = \"US\"\n\
[[demands]]\nregion = \"US-TX\"\nmaterial = \"cobalt\"\nquantity = 10\n",
        shipped("instances/textbook/import_cap_binding.toml")
    );
    let cases = [
        ("unreachable cobalt demand beside a binding cap", unreachable_cobalt),
        (
            "infeasible_demand",
            shipped("instances/textbook/infeasible_demand.toml"),
        ),
        ("infeasible_ree_cap", shipped("instances/infeasible_ree_cap.toml")),
        (
            "cap too strict",
            instance(
                "[[demands]]\nregion = \"US-TX\"\nmaterial = \"ree\"\nquantity = 4000\n\
[[targets]]\nid = \"ree_cap\"\nmaterial = \"ree\"\nscope = \"usmca\"\nmax_import_share = 0.2\n",
            ),
        ),
        (
            "two caps",
            instance(
                "[[demands]]\nregion = \"US-TX\"\nmaterial = \"ag\"\nquantity = 1000\n\
[[targets]]\nid = \"us_ag\"\nmaterial = \"ag\"\nscope = \"US\"\nmax_import_share = 0.6\n\
[[targets]]\nid = \"usmca_ag\"\nmaterial = \"ag\"\nscope = \"usmca\"\nmax_import_share = 0.4\n",
            ),
        ),
        (
            "unreachable demand and a strict cap",
            instance(
                "[[demands]]\nregion = \"MX-ZAC\"\nmaterial = \"ree\"\nquantity = 10\n\
[[demands]]\nregion = \"US-TX\"\nmaterial = \"ree\"\nquantity = 4000\n\
[[targets]]\nid = \"ree_cap\"\nmaterial = \"ree\"\nscope = \"usmca\"\nmax_import_share = 0.2\n",
            ),
        ),
        (
            "a large unreachable demand in a strict cap's scope",
            instance(
                "[[demands]]\nregion = \"MX-ZAC\"\nmaterial = \"ree\"\nquantity = 3000\n\
[[demands]]\nregion = \"US-TX\"\nmaterial = \"ree\"\nquantity = 4000\n\
[[targets]]\nid = \"ree_cap\"\nmaterial = \"ree\"\nscope = \"usmca\"\nmax_import_share = 0.2\n",
            ),
        ),
    ];
    for (label, src) in &cases {
        needed_and_sufficient(label, src, &[]);
    }
}

/// The diagnosis of `src` solved with `base` is complete and its relaxations are minimal and
/// sufficient: together (with `base`) they give a plan, dropping any one gives none, and each
/// share is the least that works with the others (0.001 less gives no plan; a relaxed demand
/// is gone from the consumption the share is taken of).
fn needed_and_sufficient(label: &str, src: &str, base: &[&str]) {
    let with = |extra: &[&str]| -> (i32, serde_json::Value, String) {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        run(src, &args)
    };
    let (code, r, err) = with(&[]);
    assert_eq!(code, 3, "{label}: {err}");
    assert!(
        r["diagnosis"]["incomplete"].is_null(),
        "{label}: diagnosis incomplete: {}",
        r["diagnosis"]["incomplete"]
    );
    assert!(
        r["diagnosis"]["repaired_objective"].as_f64().is_some(),
        "{label}: no repaired cost"
    );
    let rel = relaxations(&r);
    assert!(!rel.is_empty(), "{label}: no relaxation");
    let sets: Vec<String> = rel.iter().map(|(k, _, v)| format!("--set={k}={v}")).collect();
    let args: Vec<&str> = sets.iter().map(String::as_str).collect();
    let (code, _, err) = with(&args);
    assert_eq!(code, 0, "{label}: {sets:?} together should give a plan: {err}");
    for (i, member) in sets.iter().enumerate() {
        let others: Vec<&str> = args
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != i)
            .map(|(_, a)| *a)
            .collect();
        let (code, _, _) = with(&others);
        assert_eq!(code, 3, "{label}: {member} is not needed: {others:?} alone give a plan");
    }
    for (i, (key, current, required)) in rel.iter().enumerate() {
        if !key.ends_with(".max_import_share") || *required - 0.001 <= *current {
            continue;
        }
        let mut less: Vec<String> = sets.clone();
        less[i] = format!("--set={key}={}", required - 0.001);
        let less: Vec<&str> = less.iter().map(String::as_str).collect();
        let (code, _, _) = with(&less);
        assert_eq!(
            code, 3,
            "{label}: {key} = {required} is more than needed: {less:?} give a plan"
        );
    }
}

/// The six-year baseline with no graphite imports allowed in 2027: the one relaxation is that
/// year's cap. The interior point's solution of the elastic LP used to add forty more whose
/// values rounded to no change (`0.1 -> 0.1`), each then checked by a solve: a minute.
#[test]
fn a_period_cap_on_the_six_year_baseline_is_its_only_relaxation() {
    let src = shipped("instances/usmca_2025_2030.toml");
    let set = ["--set=targets.graphite_usmca.max_import_share.2027=0"];
    let (code, r, err) = run(&src, &set);
    assert_eq!(code, 3, "{err}");
    let keys: Vec<String> = relaxations(&r).into_iter().map(|(k, _, _)| k).collect();
    assert_eq!(keys, ["targets.graphite_usmca.max_import_share.2027"]);
    needed_and_sufficient("six-year baseline, no graphite imports in 2027", &src, &set);
}

/// A slack whose value cannot move further (a scope whose consumption is negative, because
/// a reserve in it serves a demand abroad) is no solver remainder: the diagnosis keeps the
/// row and says it could not confirm a repair, rather than reporting a repaired cost with no
/// relaxation.
#[test]
fn a_clamped_relaxation_is_kept_and_reported_unconfirmed() {
    let src = shipped("tests/fixtures/diagnose/reserve_drawn_abroad.toml");
    let (code, r, err) = run(&src, &[]);
    assert_eq!(code, 3, "{err}");
    let found = relaxations(&r);
    let keys: Vec<&str> = found.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(keys.first().copied(), Some("targets.t.max_import_share.2025"), "{r}");
    // Stepped further when unconfirmed: a share only ever up.
    for (key, current, required) in &found {
        assert!(
            required > current,
            "{key} stepped the wrong way, {current} -> {required}"
        );
    }
    assert!(r["diagnosis"]["repaired_objective"].is_null(), "{r}");
    let why = r["diagnosis"]["incomplete"].as_str().unwrap_or_default();
    assert!(why.contains("could not be confirmed"), "{r}");
}

/// A demand gives way down to 0, not below. A reserve floor of 50 t in 2025 with no imports
/// allowed that year and no demand: the elastic plan used to "lower" the demand of 2025
/// below 0, clamp it at 0 and report it unconfirmed, stepped up to 0.004. Lowering a demand
/// of 0 is no repair; raising the year's import capacity is: 50 t over the period's 2 years,
/// 25 t/yr. By hand, with it: 25 t/yr at 100 USD/t for 2 years, then the floor (a series,
/// still 50 t in 2027) keeps the reserve whole and 5 t/yr are imported for the 2027 demand,
/// 2 x 2,500 + 2 x 500 = 6,000 USD.
#[test]
fn a_demand_already_zero_does_not_give_way() {
    let src = shipped("tests/fixtures/diagnose/zero_in_the_first_year.toml");
    let (code, r, err) = run(&src, &[]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(
        relaxations(&r),
        [("imports.imp.capacity.2025".to_string(), 0.0, 25.0)],
        "{r}"
    );
    assert_eq!(r["diagnosis"]["repaired_objective"].as_f64(), Some(6000.0), "{r}");
    assert!(r["diagnosis"]["incomplete"].is_null(), "{r}");
    needed_and_sufficient("reserve floor, no imports in 2025", &src, &[]);
}

/// When only a limit that cannot give way stands in the way (a reserve floor for a material
/// nothing supplies), no relaxation is reported, and the report says why in place of a bare
/// "infeasible" (it used to lower the 2027 demand and report the 2025 one unconfirmed).
#[test]
fn no_relaxation_helps_when_only_a_floor_stands_in_the_way() {
    let src = shipped("tests/fixtures/diagnose/floor_without_supply.toml");
    let (code, r, err) = run(&src, &[]);
    assert_eq!(code, 3, "{err}");
    assert!(relaxations(&r).is_empty(), "{r}");
    assert!(r["diagnosis"]["repaired_objective"].is_null(), "{r}");
    let why = r["diagnosis"]["incomplete"].as_str().unwrap_or_default();
    assert!(why.contains("no relaxation") && why.contains("floor"), "{r}");
    assert!(
        err.contains("no relaxation of the targets, capacities and demands"),
        "{err}"
    );
}

/// The README's example of an infeasible what-if: demand +25% on the shipped instance. Its
/// repair used to be reported unconfirmed (the check of the repaired instance proved plans
/// by the dual LP alone, which microlp fails on it) and stepped to 0.2052 / 0.4212 / 0.7026
/// where 0.1473 / 0.327 / 0.6736 hold.
#[test]
fn readme_demand_growth_is_repaired_by_the_least_caps() {
    needed_and_sufficient(
        "shipped instance, demand +25%",
        &shipped("instances/usmca_critical_minerals.toml"),
        &["--set=demands.*.quantity*=1.25"],
    );
}
