//! Origin tracking (model contract section 7), end to end: the plans of the hand-derived
//! textbook instances (their headers hold the derivations) on every backend, what the report
//! says about origins, the diagnosis of a tracked instance, and the property that tracking
//! alone (no origin-aware tariff or target) changes no optimum.

mod common;
use common::*;
use serde_json::Value;

/// Relative tolerance on money and tonnes: the interior-point backend stops at 1e-8.
const REL: f64 = 1e-6;

const WAIVER: &str = "instances/textbook/origin_tariff_waiver.toml";
const CAP: &str = "instances/textbook/origin_cap.toml";
const BY_COUNTRY: &str = "instances/textbook/origin_by_country.toml";

fn by_origin(v: &Value, class: &str) -> f64 {
    v.get(class)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("no `{class}` in {v}"))
}

#[test]
fn a_duty_waived_for_usmca_origin_makes_the_refinery_buy_mexican_ore() {
    for &backend in BACKENDS {
        let r = solve_with(WAIVER, &["--backend", backend]);
        assert!(close(num(&r["objective"], "objective"), 37_000.0, REL), "{backend}");
        let refinery = find(&r, "plants", "id", "refinery");
        assert!(
            close(by_origin(&refinery["input_by_origin"], "usmca"), 200.0, REL),
            "{backend}"
        );
        assert!(by_origin(&refinery["input_by_origin"], "other").abs() < 1e-6);
        let demand = &list(&r, "demands")[0];
        assert!(close(by_origin(&demand["served_by_origin"], "usmca"), 100.0, REL));
        // The delivered price is the `demand` row's: one more tonne from Mexican ore.
        assert!(
            close(num(&demand["marginal_cost"], "marginal_cost"), 370.0, REL),
            "{backend}"
        );
        // The oxide that crosses is `usmca` and pays nothing.
        for s in list(&r, "shipments").iter().filter(|s| s["material"] == "oxide") {
            assert_eq!(s["origin"], "usmca");
            assert!(num(&s["tariff_paid"], "tariff").abs() < 1e-6);
        }
    }
    // Without the waiver the refinery switches to Chinese ore (derivation in the header).
    let r = solve_with(WAIVER, &["--set", "tariffs.MX->US/*~usmca.rate=0.25"]);
    assert!(close(num(&r["objective"], "objective"), 56_000.0, REL));
    let refinery = find(&r, "plants", "id", "refinery");
    assert!(close(by_origin(&refinery["input_by_origin"], "other"), 200.0, REL));
    assert!(close(num(&r["costs"]["tariffs"], "tariffs"), 25_000.0, REL));
}

#[test]
fn an_origin_cap_binds_where_the_crossing_cap_does_not() {
    for &backend in BACKENDS {
        let r = solve_with(CAP, &["--backend", backend]);
        assert!(close(num(&r["objective"], "objective"), 59_000.0, REL), "{backend}");
        let crossing = find(&r, "targets", "id", "crossing_cap");
        assert!(
            num(&crossing["achieved_share"], "share").abs() < 1e-9,
            "{backend}: {crossing}"
        );
        assert_eq!(crossing["binding"], false);
        assert!(num(&crossing["marginal_value"], "mv").abs() < 1e-6);
        let origin = find(&r, "targets", "id", "origin_cap");
        assert!(close(num(&origin["achieved_share"], "share"), 0.5, REL), "{backend}");
        assert_eq!(origin["binding"], true);
        // 60 USD per point: each point moves one tonne from Mexican (620) to Chinese (560) ore.
        let per_point = num(&origin["marginal_value_per_point"], "per point");
        assert!(close(per_point, 60.0, REL), "{backend}: {per_point}");
        // One more tonne of oxide raises the cap's allowance by half a tonne.
        let demand = &list(&r, "demands")[0];
        assert!(close(num(&demand["marginal_cost"], "price"), 590.0, REL), "{backend}");
    }
    // The marginal value by finite difference: one point more of share.
    let at = |share: &str| {
        let r = solve_with(CAP, &["--set", &format!("targets.origin_cap.max_import_share={share}")]);
        num(&r["objective"], "objective")
    };
    assert!(close(at("0.5") - at("0.51"), 60.0, 1e-6));
    assert!(close(at("1"), 56_000.0, REL));
}

#[test]
fn tracked_reports_name_classes_and_add_up() {
    let r = solve_with(CAP, &[]);
    let names: Vec<&str> = list(&r, "constraints")
        .iter()
        .map(|c| text(&c["name"], "name"))
        .collect();
    for name in [
        "balance[MX-SON/ore~usmca]",
        "balance[MX-SON/ore~other]",
        "demand[US-TX/oxide]",
        "target[origin_cap]",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    // A demand's split by origin adds up to what it is served.
    for d in list(&r, "demands") {
        let split: f64 = d["served_by_origin"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!(close(split, num(&d["served"], "served"), REL), "{d}");
    }
    // The shares of use by class add up to 1 for every scope.
    let shares = r["origin_shares"].as_array().expect("origin_shares with tracking");
    assert!(!shares.is_empty());
    for s in shares {
        let total: f64 = s["shares"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!(close(total, 1.0, 1e-9), "{s}");
    }
    let us = shares
        .iter()
        .find(|s| s["scope"] == "US" && s["material"] == "oxide")
        .expect("US oxide");
    assert!(close(by_origin(&us["shares"], "other"), 0.5, REL));
    // Text shows the classes where they matter.
    let out = run(&["solve", CAP, "--ranging", "off", "--detail", "full"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("Where the supply was mined"), "{}", out.stdout);
    assert!(out.stdout.contains("oxide~usmca"), "{}", out.stdout);
}

/// The split by origin country of the textbook in its header: a country where every tonne
/// that reaches the use was mined there, `mixed` where a class's ores meet first.
#[test]
fn origin_shares_name_a_country_only_where_the_flows_tell_it() {
    for &backend in BACKENDS {
        let r = solve_with(BY_COUNTRY, &["--backend", backend]);
        let shares = r["origin_shares"].as_array().expect("origin_shares");
        let row = |material: &str, scope: &str| {
            shares
                .iter()
                .find(|s| s["material"] == material && s["scope"] == scope)
                .unwrap_or_else(|| panic!("{backend}: no {material} row for {scope}"))
        };
        let split = |s: &Value, field: &str| -> Vec<(String, f64)> {
            let mut v: Vec<(String, f64)> = s[field]
                .as_object()
                .unwrap_or_else(|| panic!("{field} in {s}"))
                .iter()
                .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        let expect = |s: &Value, countries: &[(&str, f64)], mixed: &[(&str, f64)]| {
            for (field, want) in [("by_country", countries), ("mixed", mixed)] {
                let got = split(s, field);
                assert_eq!(got.len(), want.len(), "{backend} {field}: {s}");
                for ((k, v), (wk, wv)) in got.iter().zip(want) {
                    assert!(k == wk && close(*v, *wv, REL), "{backend} {field}: {s}");
                }
            }
        };
        expect(row("ore", "US"), &[("CA", 1.0)], &[]);
        expect(row("ore", "MX"), &[], &[("usmca", 1.0)]);
        expect(
            row("ore", "usmca"),
            &[("CA", 40.0 / 180.0)],
            &[("usmca", 140.0 / 180.0)],
        );
        expect(row("oxide", "US"), &[("CN", 0.1)], &[("usmca", 0.9)]);
        // By country and mixed add up to the whole use, on every row.
        for s in shares {
            let total: f64 = ["by_country", "mixed"]
                .iter()
                .flat_map(|f| split(s, f))
                .map(|(_, v)| v)
                .sum();
            assert!(close(total, 1.0, 1e-9), "{backend}: {s}");
        }
    }
    let out = run(&["solve", BY_COUNTRY, "--detail", "full"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("usmca (mixed) 90.0%, CN 10.0%"), "{}", out.stdout);
}

#[test]
fn an_untracked_instance_has_no_origin_fields() {
    let r = solve_optimal("instances/textbook/import_cap_binding.toml", None);
    assert!(r.get("origin_shares").is_none());
    assert!(list(&r, "demands").iter().all(|d| d.get("served_by_origin").is_none()));
    assert!(list(&r, "constraints")
        .iter()
        .all(|c| !text(&c["name"], "name").contains('~')));
}

/// A copy of `instance` with `origin_classes` added to `[meta]`: tracking alone, with no
/// tariff or target that looks at origins, must leave the optimum as it was.
fn tracked_copy(instance: &str, classes: &str, dir: &std::path::Path) -> String {
    let src = std::fs::read_to_string(root().join(instance)).expect("instance readable");
    let at = src.find("[meta]\n").expect("[meta]") + "[meta]\n".len();
    let tracked = format!("{}origin_classes = {classes}\n{}", &src[..at], &src[at..]);
    let tracked = tracked
        .replace("schema = 1 ", "schema = 2 ")
        .replace("schema = 1\n", "schema = 2\n");
    let path = dir.join(std::path::Path::new(instance).file_name().unwrap());
    std::fs::write(&path, tracked).expect("write the copy");
    path.to_string_lossy().into_owned()
}

#[test]
fn tracking_alone_changes_no_optimum() {
    let dir = std::env::temp_dir().join(format!("sourcing-opt-origin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (instance, classes) in [
        ("instances/usmca_critical_minerals.toml", "[\"usmca\", \"allied\"]"),
        ("instances/textbook/silver_tax_chain.toml", "[\"MX\", \"andean\"]"),
        ("instances/textbook/reserve_price_spike.toml", "[\"US\"]"),
    ] {
        let plain = solve_with(instance, &["--ranging", "off"]);
        let copy = tracked_copy(instance, classes, &dir);
        let tracked = solve_with(&copy, &["--ranging", "off"]);
        let (a, b) = (
            num(&plain["objective"], "objective"),
            num(&tracked["objective"], "objective"),
        );
        assert!(close(a, b, 1e-7), "{instance}: {a} untracked, {b} tracked");
        // Every target reaches the same share (the plan may differ where it is not unique,
        // the share of a binding cap cannot).
        for (t, u) in list(&plain, "targets").iter().zip(list(&tracked, "targets")) {
            if t["binding"] == true {
                assert!(
                    close(num(&t["achieved_share"], "s"), num(&u["achieved_share"], "s"), 1e-6),
                    "{instance}: {t} vs {u}"
                );
            }
        }
        assert!(tracked["origin_shares"].is_array());
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_diagnosis_of_a_tracked_instance_names_overrides_that_repair_it() {
    // The origin cap at 0 with the Mexican mine short: only 50 t of oxide can be USMCA-mined.
    let args = [
        "solve",
        CAP,
        "--format",
        "json",
        "--quiet",
        "--set",
        "targets.origin_cap.max_import_share=0",
        "--set",
        "mines.sonora.capacity=100",
    ];
    let r = run(&args);
    assert_eq!(r.code, 3, "{}", r.describe(&args));
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let relaxations = report["diagnosis"]["relaxations"].as_array().expect("relaxations");
    assert!(!relaxations.is_empty(), "{report}");
    // Applying every relaxation makes the instance feasible.
    let mut repaired: Vec<String> = args[..7].iter().map(|s| s.to_string()).collect();
    repaired.push("--set".into());
    repaired.push("mines.sonora.capacity=100".into());
    for x in relaxations {
        let key = text(&x["constraint"], "constraint");
        let value = num(&x["required"], "required");
        repaired.push("--set".into());
        repaired.push(format!("{key}={value}"));
    }
    let repaired: Vec<&str> = repaired.iter().map(|s| s.as_str()).collect();
    let again = run(&repaired);
    assert_eq!(again.code, 0, "{}\n{}", again.describe(&repaired), report["diagnosis"]);
}

/// The README's single-country cap (China as a class of its own, an origin-basis target on
/// graphite anode), applied to the 2025-2030 path as the README shows it: China's share of
/// USMCA's anode use holds at the cap in 2030, it binds, and it costs what the README says.
#[test]
fn the_readme_single_country_cap_holds_on_the_path() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("origin_classes = [\"CN\"").expect("the README's example");
    let block = &readme[start..readme[start..].find("```").unwrap() + start];
    let classes = block.lines().next().unwrap().split('#').next().unwrap().trim();
    let target = &block[block.find("[[targets]]").expect("the example's target")..];
    let path = "instances/usmca_2025_2030.toml";
    let src = std::fs::read_to_string(root().join(path)).unwrap();
    let shipped = "origin_classes = [\"usmca\", \"allied\"]";
    assert!(src.contains(shipped), "the path's classes changed: update this test");
    let edited = format!("{}\n{target}", src.replacen(shipped, classes, 1));
    let dir = std::env::temp_dir().join(format!("sourcing-opt-cn-cap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("path_cn_cap.toml");
    std::fs::write(&file, edited).unwrap();
    let r = solve_with(file.to_str().unwrap(), &["--ranging", "off"]);
    let row = list(&r, "targets")
        .iter()
        .find(|t| t["id"] == "anode_mined_in_china" && t["period"] == 2030)
        .expect("the cap's 2030 row");
    let cap = num(&row["max_import_share"], "cap");
    assert!(num(&row["achieved_share"], "share") <= cap + 1e-6, "{row}");
    assert_eq!(row["binding"], true, "{row}");
    // What the README says it costs (M USD over the path, to 0.1).
    let plain = solve_with(path, &["--ranging", "off"]);
    let extra = (num(&r["objective"], "objective") - num(&plain["objective"], "objective")) / 1e6;
    assert!(
        (extra - 21.2).abs() < 0.05,
        "the cap costs {extra:.2} M USD; the README says 21.2"
    );
    let shares = r["origin_shares"].as_array().unwrap();
    let anode = shares
        .iter()
        .find(|s| s["period"] == 2030 && s["scope"] == "usmca" && s["material"] == "graphite_anode")
        .expect("USMCA anode use in 2030");
    assert!(close(
        by_origin(&anode["shares"], "CN"),
        num(&row["achieved_share"], "share"),
        1e-6
    ));
    // A class of one country is never mixed: its share is that country's.
    assert!(
        close(
            by_origin(&anode["by_country"], "CN"),
            by_origin(&anode["shares"], "CN"),
            1e-9
        ),
        "{anode}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The interior-point plan of the path moves micrograms of fluorspar along every open lane
/// (Canadian and US ones included); the use of fluorspar in the US is still all Mexican, as
/// Mexico's mines are the only ones that produce more than dust.
#[test]
fn dust_of_an_interior_point_plan_does_not_mix_origins() {
    let r = solve_with("instances/usmca_2025_2030.toml", &["--ranging", "off"]);
    let shares = r["origin_shares"].as_array().expect("origin_shares");
    for year in [2025, 2030] {
        let row = shares
            .iter()
            .find(|s| s["period"] == year && s["scope"] == "US" && s["material"] == "acidspar")
            .expect("US fluorspar use");
        assert!(close(by_origin(&row["by_country"], "MX"), 1.0, 1e-9), "{row}");
        assert!(row["mixed"].as_object().unwrap().is_empty(), "{row}");
    }
    // Every row's split by country and mixed classes covers its use (reserves, drawn and
    // filled over the years, included), but for the shares under a millionth it leaves out
    // (rows whose whole use is under a kilogram of interior-point dust are left aside: there
    // the flows of under 0.1 g that are not counted weigh).
    for s in shares.iter().filter(|s| num(&s["use_t"], "use") > 1e-3) {
        let sum: f64 = ["by_country", "mixed"]
            .iter()
            .flat_map(|f| s[*f].as_object().unwrap().values())
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!((sum - 1.0).abs() < 1e-4, "{s}");
    }
}

/// `compare` matches shipments and prices per origin class: the waiver's plan and the plan
/// without it move the same oxide on the same lane, but of another origin.
#[test]
fn compare_tells_classes_apart() {
    let dir = std::env::temp_dir().join(format!("sourcing-opt-origin-cmp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("a.json"), dir.join("b.json"));
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    for (out, extra) in [(a, None), (b, Some("tariffs.MX->US/*~usmca.rate=0.25"))] {
        let mut args = vec!["solve", WAIVER, "--format", "json", "--quiet", "--output", out];
        if let Some(set) = extra {
            args.extend(["--set", set]);
        }
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.describe(&args));
    }
    let args = ["compare", a, b, "--format", "json"];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    let cmp: Value = serde_json::from_str(&r.stdout).expect("JSON comparison");
    let text = cmp.to_string();
    assert!(text.contains("oxide~usmca"), "{text}");
    assert!(text.contains("oxide~other"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The presolve removes the columns of a class that cannot reach a node: no `usmca` ore is
/// ever at the Chinese port, so its shipments to Mexico go, while the `other` ones stay.
#[test]
fn the_presolve_drops_classes_that_cannot_reach_a_node() {
    let src = std::fs::read_to_string(root().join(WAIVER)).unwrap();
    let inst = sourcing_models::load_str(&src).instance.expect("valid");
    let lp = sourcing_opt::model::formulate::build(&inst).lp;
    let names: Vec<String> = (0..lp.n_vars()).map(|j| lp.var_name(j, &inst)).collect();
    let usmca_from_china = "ship[CN-SH->MX-SON/sea:CN-SH->MX-SON,ore~usmca]";
    let other_from_china = "ship[CN-SH->MX-SON/sea:CN-SH->MX-SON,ore~other]";
    assert!(
        names.iter().any(|n| n == usmca_from_china),
        "the model has every class: {names:?}"
    );
    // The row removals alone: the aggregation that follows substitutes flows out of any class.
    let p = sourcing_opt::solve::presolve::remove_rows_only(&lp);
    let kept: Vec<String> = (0..p.reduced.n_vars()).map(|j| p.reduced.var_name(j, &inst)).collect();
    assert!(!kept.iter().any(|n| n == usmca_from_china), "{kept:?}");
    assert!(kept.iter().any(|n| n == other_from_china), "{kept:?}");
    assert!(p.reduced.n_vars() < lp.n_vars());
}

/// Pooled classes (`solve/pooled.rs`): with no class-dependent cost, the interior point's
/// answer is the untracked plan mixed by class, checked on the tracked LP; the simplex solves
/// the tracked LP as written. Both find the same optimum, and the pooled answer says so.
#[test]
fn pooled_classes_give_the_tracked_optimum() {
    let dir = std::env::temp_dir().join(format!("sourcing-opt-pooled-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = tracked_copy(
        "instances/usmca_critical_minerals.toml",
        "[\"usmca\", \"allied\"]",
        &dir,
    );
    let pooled = solve_with(&copy, &["--backend", "clarabel", "--ranging", "off"]);
    let full = solve_with(&copy, &["--backend", "minilp", "--ranging", "off"]);
    assert!(
        text(&pooled["solver"]["duals"], "duals").starts_with("pooled origin classes"),
        "{}",
        pooled["solver"]
    );
    assert!(!text(&full["solver"]["duals"], "duals").starts_with("pooled"));
    let (a, b) = (
        num(&pooled["objective"], "objective"),
        num(&full["objective"], "objective"),
    );
    assert!(close(a, b, 1e-7), "pooled {a}, tracked as written {b}");
    // The mixed plan keeps every class's balance: what a demand is served adds up by class.
    for d in list(&pooled, "demands") {
        let split: f64 = d["served_by_origin"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!(close(split, num(&d["served"], "served"), 1e-6), "{d}");
    }
    // An origin cap the mix would break is solved as written: the textbook cap on clarabel.
    let cap = solve_with(CAP, &["--backend", "clarabel"]);
    assert!(close(num(&cap["objective"], "objective"), 59_000.0, REL));
    assert!(!text(&cap["solver"]["duals"], "duals").starts_with("pooled"));
    std::fs::remove_dir_all(&dir).ok();
}

/// An interior-point plan's grams are not a use: no `origin_shares` row of the path uses
/// under a millionth of its material's largest use, and the real uses are all there.
#[test]
fn origin_shares_leave_out_uses_of_dust() {
    let (code, r) = common::solve_json("instances/usmca_2025_2030.toml", None);
    assert_eq!(code, 0);
    let rows = common::list(&r, "origin_shares");
    let mut largest = std::collections::HashMap::new();
    for row in rows {
        let m = largest
            .entry(common::text(&row["material"], "material"))
            .or_insert(0.0f64);
        *m = m.max(common::num(&row["use_t"], "use_t"));
    }
    for row in rows {
        let use_t = common::num(&row["use_t"], "use_t");
        let of = largest[common::text(&row["material"], "material")];
        assert!(use_t > 1e-6 * of, "a use of dust is listed: {row}");
    }
    // Every target's consumption in its scope is a listed use.
    for t in common::list(&r, "targets") {
        if common::num(&t["consumption"], "consumption") > 1.0 {
            assert!(
                rows.iter()
                    .any(|o| o["material"] == t["material"] && o["scope"] == t["scope"] && o["period"] == t["period"]),
                "no origin row for {t}"
            );
        }
    }
}
