//! Periods, lead times and stockpiles (model contract sections 5 and 6), end to end: the
//! plans of the hand-derived textbook instances (their headers hold the derivations), the
//! per-period prices in annual terms checked by finite differences, and injections counted
//! in a target's consumption.

mod common;
use common::*;
use serde_json::Value;

/// Relative tolerance on money and tonnes: the interior-point backend stops at 1e-8.
const REL: f64 = 1e-6;

/// The entry of a per-period section for one id and year.
fn at<'a>(report: &'a Value, section: &str, key: &str, id: &str, year: i64) -> &'a Value {
    list(report, section)
        .iter()
        .find(|e| e[key].as_str() == Some(id) && e["period"].as_i64() == Some(year))
        .unwrap_or_else(|| panic!("no {section} entry {key} = {id} in {year}"))
}

/// The builds as (facility, year, t/yr).
fn builds(report: &Value) -> Vec<(String, i64, f64)> {
    list(report, "builds")
        .iter()
        .map(|b| {
            (
                text(&b["facility"], "facility").to_string(),
                b["period"].as_i64().expect("period is a year"),
                num(&b["capacity_added"], "capacity_added"),
            )
        })
        .collect()
}

fn constraint<'a>(report: &'a Value, name: &str) -> &'a Value {
    find(report, "constraints", "name", name)
}

const LEAD: &str = "instances/textbook/lead_time_imports.toml";
const RESERVE: &str = "instances/textbook/reserve_price_spike.toml";
const DISCOUNT: &str = "instances/textbook/discount_build_year.toml";

#[test]
fn a_lead_time_keeps_a_project_offline_and_imports_fill_the_gap() {
    let r = solve_with(LEAD, &[]);
    assert_eq!(builds(&r), vec![("nv_mine".to_string(), 2027, 100.0)]);
    for (year, bought) in [(2025, 100.0), (2026, 100.0), (2027, 0.0)] {
        let offer = at(&r, "imports", "id", "cn_offer", year);
        assert!(close(num(&offer["bought_t"], "bought_t"), bought, REL), "{year}");
        let price = at(&r, "prices", "region", "US-NV", year);
        assert!(
            close(num(&price["marginal_cost"], "marginal_cost"), 2100.0, REL),
            "{year}"
        );
    }
    // No column exists before the lead time allows it: the first expansion column is 2027's.
    let text_lp = run(&["export", LEAD, "--format", "lp"]);
    assert_eq!(text_lp.code, 0);
    assert!(!text_lp.stdout.contains("mexp(nv_mine#402025)"), "{}", text_lp.stdout);
    assert!(text_lp.stdout.contains("mexp(nv_mine#402027)"), "{}", text_lp.stdout);
    // One expansion row over the horizon, per-period capacity rows with a year.
    constraint(&r, "mine_expansion[nv_mine]");
    let cap = constraint(&r, "mine_capacity[nv_mine@2027]");
    assert!(close(num(&cap["activity"], "activity"), 0.0, REL));
    // The expansion limit binds, but demand is met: raising it saves nothing, and one t/yr
    // less is one tonne imported in 2027 instead of mined, 2,100 - 1,200 = 900 more.
    let limit = constraint(&r, "mine_expansion[nv_mine]");
    assert!(limit["binding"].as_bool().unwrap(), "{limit}");
    assert!(
        close(num(&limit["marginal_value"], "marginal_value"), 0.0, REL),
        "{limit}"
    );
    let less = solve_with(LEAD, &["--set", "mines.nv_mine.expansion.max=99"]);
    assert!(close(num(&less["objective"], "objective"), 540_900.0, REL));
    // Each lead time moves the build to the first period it allows (hand-derived costs).
    for (lead, year, objective) in [("0", 2025, 360_000.0), ("1", 2026, 450_000.0), ("1.5", 2027, 540_000.0)] {
        let set = format!("mines.nv_mine.expansion.lead_time={lead}");
        let r = solve_with(LEAD, &["--set", &set]);
        assert_eq!(builds(&r), vec![("nv_mine".to_string(), year, 100.0)], "{set}");
        assert!(close(num(&r["objective"], "objective"), objective, REL), "{set}");
    }
    // A lead time beyond the horizon: no expansion at all, imports every year.
    let r = solve_with(LEAD, &["--set", "mines.nv_mine.expansion.lead_time=5"]);
    assert!(builds(&r).is_empty());
    assert!(close(num(&r["objective"], "objective"), 630_000.0, REL));
}

#[test]
fn a_reserve_is_filled_before_the_price_spike_and_drawn_in_it() {
    let r = solve_with(RESERVE, &[]);
    let path: Vec<(f64, f64, f64)> = [2025, 2026, 2027]
        .iter()
        .map(|&y| {
            let s = at(&r, "stockpiles", "id", "reserve", y);
            (
                num(&s["level_t"], "level_t"),
                num(&s["injected_t"], "injected_t"),
                num(&s["released_t"], "released_t"),
            )
        })
        .collect();
    assert_eq!(path, vec![(0.0, 0.0, 0.0), (100.0, 100.0, 0.0), (0.0, 0.0, 100.0)]);
    assert!(close(num(&r["costs"]["stockpile"], "stockpile"), 5_000.0, REL));
    assert!(close(num(&r["costs"]["imports"], "imports"), 300_000.0, REL));
    // Room binds in 2026 but more of it is worth nothing (2027's demand is covered); one
    // tonne less is bought at the spike: 5,000 - 1,000 - 50 = 3,950 more.
    let room = constraint(&r, "stock_capacity[reserve@2026]");
    assert!(room["binding"].as_bool().unwrap(), "{room}");
    assert!(
        close(num(&room["marginal_value"], "marginal_value"), 0.0, REL),
        "{room}"
    );
    let less = solve_with(RESERVE, &["--set", "stockpiles.reserve.capacity=99"]);
    assert!(close(num(&less["objective"], "objective"), 308_950.0, REL));
    for (year, price) in [(2025, 1_000.0), (2026, 1_000.0), (2027, 5_000.0)] {
        let d = at(&r, "demands", "id", "US-MI/cobalt", year);
        assert!(
            close(num(&d["marginal_cost"], "marginal_cost"), price, REL),
            "{year}: {d}"
        );
    }
    // Without room the spike is paid in full.
    let r = solve_with(RESERVE, &["--set", "stockpiles.reserve.capacity=0"]);
    assert!(close(num(&r["objective"], "objective"), 700_000.0, REL));
    // A reserve that must end full keeps its 100 t: bought in 2026, never released.
    let r = solve_with(RESERVE, &["--set", "stockpiles.reserve.min_final=100"]);
    // 2025 100,000; 2026 200,000 + 5,000; 2027 100 t at 5,000 + 5,000 holding.
    assert!(close(num(&r["objective"], "objective"), 810_000.0, REL));
}

#[test]
fn discounting_moves_the_build_year() {
    let r = solve_with(DISCOUNT, &[]);
    assert_eq!(builds(&r), vec![("tx_source".to_string(), 2025, 100.0)]);
    let weights: Vec<f64> = list(&r, "periods")
        .iter()
        .map(|p| num(&p["weight"], "weight"))
        .collect();
    assert_eq!(weights.len(), 3);
    for (w, want) in weights.iter().zip([1.0, 0.8, 0.64]) {
        assert!(close(*w, want, 1e-12), "{weights:?}");
    }
    let r = solve_with(DISCOUNT, &["--set", "meta.discount_rate=0"]);
    assert_eq!(builds(&r), vec![("tx_source".to_string(), 2027, 100.0)]);
    assert!(close(num(&r["objective"], "objective"), 29_500.0, REL));
}

/// Per-period prices are annual in their period's terms: the derivative of the weighted
/// objective in one more t/yr of demand in period p, divided by the weight w_p. Checked by
/// re-solving with that period's demand raised.
#[test]
fn per_period_delivered_prices_are_weighted_derivatives_over_the_weight() {
    let base = solve_with(DISCOUNT, &[]);
    let objective = num(&base["objective"], "objective");
    let periods = list(&base, "periods").clone();
    let mut checked = 0;
    for p in &periods {
        let year = p["year"].as_i64().unwrap();
        let w = num(&p["weight"], "weight");
        let price = num(
            &at(&base, "demands", "id", "US-TX/ree_oxide", year)["marginal_cost"],
            "marginal_cost",
        );
        let h = 0.5;
        // A series entry holds until the next one: raise this year, restore the next.
        let set = format!("demands.US-TX/ree_oxide.quantity.{year}={}", 100.0 + h);
        let restore = format!("demands.US-TX/ree_oxide.quantity.{}=100", year + 1);
        let moved = solve_with(DISCOUNT, &["--set", &set, "--set", &restore]);
        let fd = (num(&moved["objective"], "objective") - objective) / h / w;
        assert!(
            close(price, fd, 1e-6),
            "{year}: reported {price}, finite difference {fd}"
        );
        checked += 1;
    }
    assert_eq!(checked, 3);
    // 2026: the own source is full, one more tonne is imported at the glut price of 5.
    let p2026 = at(&base, "demands", "id", "US-TX/ree_oxide", 2026);
    assert!(close(num(&p2026["marginal_cost"], "marginal_cost"), 5.0, REL));
}

/// Filling a reserve is a use (contract section 6): imports bought for it count in `I_t`
/// when they cross, against a consumption that includes them. The use is the *net* fill
/// (injections less releases, README "Schema 2"): putting tonnes in and taking them out in
/// the same period moves nothing and must not loosen a cap, not even through a stockpile of
/// capacity 0.
#[test]
fn a_reserves_net_fill_counts_in_a_targets_consumption() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reserve_cap.toml");
    // One period (no `meta.periods`, so no year in any name). Demand 10 t; the reserve must
    // end with 100 t, so it is filled by 100 t: C = 10 + 100 = 110. A cap of 0.5 lets at
    // most 55 t cross (1,000 + 100 freight); the mine (3,000/t, capacity 55) makes the rest:
    // 55 * 3,000 + 55 * 1,100 = 225,500. Counting every injection instead, the plan would
    // cycle 110 t/yr in and out of the reserve and import all 110 t for 121,000.
    let src = r#"
[meta]
name = "reserve-cap"
[[countries]]
id = "US"
[[countries]]
id = "CN"
[[regions]]
id = "US-TX"
country = "US"
[[regions]]
id = "CN-SH"
country = "CN"
[[materials]]
id = "graphite"
price = 1000
[[mines]]
id = "tx"
region = "US-TX"
material = "graphite"
capacity = 55
cost = 3000
[[imports]]
id = "cn"
region = "CN-SH"
material = "graphite"
price = 1000
[[lanes]]
from = "CN-SH"
to = "US-TX"
cost = 100
[[demands]]
region = "US-TX"
material = "graphite"
quantity = 10
[[targets]]
id = "cap"
material = "graphite"
scope = "US"
max_import_share = 0.5
[[stockpiles]]
id = "reserve"
region = "US-TX"
material = "graphite"
capacity = 100
min_final = 100
"#;
    std::fs::write(&path, src).unwrap();
    let p = path.to_str().unwrap();
    for &backend in BACKENDS {
        let r = solve_with(p, &["--backend", backend]);
        assert!(close(num(&r["objective"], "objective"), 225_500.0, REL), "{backend}");
        let t = find(&r, "targets", "id", "cap");
        assert!(close(num(&t["consumption"], "consumption"), 110.0, REL), "{t}");
        assert!(close(num(&t["imports"], "imports"), 55.0, REL), "{t}");
        assert!(t.get("period").is_none(), "no year without meta.periods: {t}");
        constraint(&r, "stock_final[reserve]");
        constraint(&r, "stock_level[reserve]");
    }
    // A cap of 1 never binds on reserve imports: everything crosses.
    let r = solve_with(p, &["--set", "targets.cap.max_import_share=1"]);
    assert!(close(num(&r["objective"], "objective"), 110.0 * 1_100.0, REL));
    // A stockpile of capacity 0 (and no final stock) cannot loosen the cap: demand 10 at a
    // cap of 0.5 takes 5 t mined and 5 t imported, 5 * 3,000 + 5 * 1,100 = 20,500.
    let empty = [
        "--set",
        "stockpiles.reserve.capacity=0",
        "--set",
        "stockpiles.reserve.min_final=0",
    ];
    for &backend in BACKENDS {
        let mut args = empty.to_vec();
        args.extend(["--backend", backend]);
        let r = solve_with(p, &args);
        assert!(
            close(num(&r["objective"], "objective"), 20_500.0, REL),
            "{backend}: {}",
            r["objective"]
        );
    }
}

/// One period is schema 1 with a year on its names: for the shipped and textbook schema-1
/// instances, the same file with `periods = [2025]` has the same objective, the same rows
/// (each per-period name with `@2025`) and the same duals, and every per-period entry of the
/// report carries `period = 2025`.
#[test]
fn a_single_period_reproduces_schema_1_with_years_on_the_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    let instances = [
        "instances/usmca_critical_minerals.toml",
        "instances/textbook/silver_tax_chain.toml",
        "instances/textbook/import_cap_binding.toml",
        "instances/textbook/bidirectional_filters.toml",
    ];
    for instance in instances {
        let src = std::fs::read_to_string(root().join(instance)).unwrap();
        assert!(src.contains("\n[meta]\n"), "{instance} has a [meta] header");
        let timed = src
            .replacen("\n[meta]\n", "\n[meta]\nperiods = [2025]\n", 1)
            .replace("schema = 1", "schema = 2");
        let path = dir.path().join(format!("timed{compared}.toml"));
        std::fs::write(&path, timed).unwrap();
        let args = ["--backend", "minilp", "--ranging", "off"];
        let a = solve_with(instance, &args);
        let b = solve_with(path.to_str().unwrap(), &args);
        assert!(close(
            num(&a["objective"], "objective"),
            num(&b["objective"], "objective"),
            1e-9
        ));
        let (ra, rb) = (list(&a, "constraints"), list(&b, "constraints"));
        assert_eq!(ra.len(), rb.len(), "{instance}");
        for (x, y) in ra.iter().zip(rb) {
            let name = text(&x["name"], "name");
            let want = match name.starts_with("mine_expansion[") || name.starts_with("plant_expansion[") {
                true => name.to_string(),
                false => format!("{}@2025]", name.trim_end_matches(']')),
            };
            assert_eq!(text(&y["name"], "name"), want, "{instance}");
            let (dx, dy) = (num(&x["dual"], "dual"), num(&y["dual"], "dual"));
            assert!(
                close(dx, dy, 1e-9) || (dx - dy).abs() < 1e-9,
                "{instance} {name}: {dx} vs {dy}"
            );
        }
        for section in [
            "mines",
            "plants",
            "imports",
            "shipments",
            "demands",
            "targets",
            "prices",
        ] {
            assert_eq!(list(&a, section).len(), list(&b, section).len(), "{instance} {section}");
            for e in list(&b, section) {
                assert_eq!(e["period"].as_i64(), Some(2025), "{instance} {section}: {e}");
            }
            assert!(list(&a, section).iter().all(|e| e.get("period").is_none()));
        }
        assert!(a.get("periods").is_none() && a.get("builds").is_none());
        compared += 1;
    }
    assert_eq!(compared, instances.len());
}

/// `check` states the horizon of a schema-2 instance, and nothing new for schema 1.
#[test]
fn check_prints_the_horizon() {
    let r = run(&["check", LEAD]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("periods: 3 (2025, 2026, 2027), discount rate 0\n"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("expansions with a lead time: 1\n"), "{}", r.stdout);
    assert!(r.stdout.contains("stockpiles: 0\n"), "{}", r.stdout);
    let r = run(&["check", RESERVE]);
    assert!(r.stdout.contains("stockpiles: 1\n"), "{}", r.stdout);
    let r = run(&["check", "instances/textbook/silver_tax_chain.toml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stdout.contains("periods") && !r.stdout.contains("stockpiles"),
        "{}",
        r.stdout
    );
}

/// A strategic floor (`stock_min`, a `>=` row) is relaxed by lowering it: its marginal value
/// is what one tonne less saves, checked by re-solving with that year's floor lowered.
#[test]
fn a_floors_marginal_value_is_what_lowering_it_saves() {
    let instance = "tests/fixtures/periods/lithium_ramp.toml";
    let base = solve_with(instance, &[]);
    let objective = num(&base["objective"], "objective");
    let floors: Vec<&Value> = list(&base, "constraints")
        .iter()
        .filter(|c| c["kind"].as_str() == Some("stock_min"))
        .collect();
    assert!(floors.len() >= 2, "the fixture has floors in several years");
    for c in &floors {
        let name = text(&c["name"], "name");
        let year: i64 = name.trim_end_matches(']').rsplit('@').next().unwrap().parse().unwrap();
        let value = num(&c["marginal_value"], "marginal_value");
        assert!(value > 0.0, "{name} binds with a positive value: {c}");
        let floor = num(&c["rhs"], "rhs");
        let h = 0.5;
        let mut sets = vec![format!("stockpiles.reserve.min_level.{year}={}", floor - h)];
        // Restore the next year's floor: a series entry holds until the next one.
        let next = list(&base, "stockpiles")
            .iter()
            .find(|s| s["period"].as_i64().is_some_and(|y| y > year));
        if let Some(n) = next {
            let y = n["period"].as_i64().unwrap();
            sets.push(format!(
                "stockpiles.reserve.min_level.{y}={}",
                num(&n["min_level_t"], "min_level_t")
            ));
        }
        let mut args = Vec::new();
        for s in &sets {
            args.extend(["--set", s.as_str()]);
        }
        let lowered = solve_with(instance, &args);
        let saved = (objective - num(&lowered["objective"], "objective")) / h;
        assert!(
            close(value, saved, 1e-6),
            "{name}: marginal value {value}, re-solve {saved}"
        );
    }
}

/// A target's value per 1.0 of share in a year is what relaxing that year's cap saves, in
/// that year's annual terms: checked by re-solving with the cap raised in that year only,
/// also where the plan is degenerate (several optimal duals: the value is the right
/// derivative, never a dual that overstates it).
#[test]
fn a_targets_value_in_a_year_is_what_relaxing_that_year_saves() {
    let mut checked = 0;
    // The reserve cases have several optimal plans whose C_t differ: the value must use the
    // largest, not the returned plan's (which understated it, down to 0).
    let cases: [(&str, &[&str]); 4] = [
        (
            "tests/fixtures/periods/whatif_lead_time.toml",
            &["--set", "mines.us_mine.expansion.lead_time=0"],
        ),
        ("tests/fixtures/periods/lithium_ramp.toml", &[]),
        ("tests/fixtures/periods/reserve_moves_use.toml", &[]),
        ("tests/fixtures/periods/reserve_moves_use_origin.toml", &[]),
    ];
    for (instance, extra) in cases {
        let base = solve_with(instance, extra);
        let objective = num(&base["objective"], "objective");
        let weights: Vec<(i64, f64)> = list(&base, "periods")
            .iter()
            .map(|p| (p["year"].as_i64().unwrap(), num(&p["weight"], "weight")))
            .collect();
        for (k, &(year, w)) in weights.iter().enumerate() {
            for t in list(&base, "targets")
                .iter()
                .filter(|t| t["period"].as_i64() == Some(year))
            {
                let id = text(&t["id"], "id");
                let share = num(&t["max_import_share"], "max_import_share");
                let value = num(&t["marginal_value"], "marginal_value");
                let h = 1e-3;
                if share + h > 1.0 {
                    continue;
                }
                let mut sets = vec![format!("targets.{id}.max_import_share.{year}={}", share + h)];
                if let Some(&(next, _)) = weights.get(k + 1) {
                    let later = list(&base, "targets")
                        .iter()
                        .find(|u| u["id"] == t["id"] && u["period"].as_i64() == Some(next))
                        .unwrap();
                    let s = num(&later["max_import_share"], "max_import_share");
                    sets.push(format!("targets.{id}.max_import_share.{next}={s}"));
                }
                let mut args: Vec<&str> = extra.to_vec();
                for s in &sets {
                    args.extend(["--set", s.as_str()]);
                }
                let relaxed = solve_with(instance, &args);
                let saved = (objective - num(&relaxed["objective"], "objective")) / h / w;
                assert!(
                    (value - saved).abs() <= 1e-6 * value.abs().max(1.0),
                    "{id}@{year} ({extra:?}): value {value}, re-solve {saved}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "only {checked} target-years checked");
}

/// The diagnosis of a multi-period instance names each relaxed series entry by year and
/// gives the `--set` that keeps the following year as it is: applying them all with `--set`
/// reproduces the repaired plan's cost exactly.
#[test]
fn the_diagnosis_repair_reproduces_with_set() {
    let instance = "tests/fixtures/periods/whatif_lead_time.toml";
    let args = ["solve", instance, "--format", "json", "--quiet"];
    let r = run(&args);
    assert_eq!(r.code, 3, "{}", r.describe(&args));
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    let d = &report["diagnosis"];
    let repaired = num(&d["repaired_objective"], "repaired_objective");
    let mut sets = Vec::new();
    for x in d["relaxations"].as_array().unwrap() {
        let key = text(&x["constraint"], "constraint");
        assert!(
            key.rsplit('.').next().unwrap().parse::<i64>().is_ok(),
            "{key} names a year"
        );
        sets.push(format!("{key}={}", num(&x["required"], "required")));
        if let Some(k) = x["keep"].as_str() {
            sets.push(k.to_string());
        }
    }
    assert!(!sets.is_empty());
    let mut extra = Vec::new();
    for s in &sets {
        extra.extend(["--set", s.as_str()]);
    }
    let fixed = solve_with(instance, &extra);
    assert!(
        close(num(&fixed["objective"], "objective"), repaired, 1e-9),
        "{sets:?}: {} vs repaired {repaired}",
        fixed["objective"]
    );
}

/// The diagnosis with stockpiles: initial stock is a source (no structural finding blames a
/// material the reserve supplies), and a floor that cannot give way is met by relaxing what
/// fills it (the offer's capacity, the demand that competes for it), never by lowering a
/// demand below 0 (which used to leave the repair unconfirmed).
#[test]
fn the_diagnosis_counts_reserves_and_fills_a_floor_by_what_can_give_way() {
    let run_json = |instance: &str| {
        let args = ["solve", instance, "--format", "json", "--quiet"];
        let r = run(&args);
        assert_eq!(r.code, 3, "{}", r.describe(&args));
        serde_json::from_str::<Value>(&r.stdout).unwrap()
    };
    let r = run_json("tests/fixtures/periods/reserve_as_source.toml");
    let d = &r["diagnosis"];
    let structural: Vec<&str> = d["structural"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert!(structural.iter().all(|s| !s.contains("cobalt")), "{structural:?}");
    let relaxed: Vec<&str> = d["relaxations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| text(&x["constraint"], "c"))
        .collect();
    assert!(
        !relaxed.is_empty() && relaxed.iter().all(|c| c.contains("nickel")),
        "{relaxed:?}"
    );
    assert!(d["repaired_objective"].is_number(), "{d}");

    // By hand: 50 t in the reserve by the end of 2025 takes 25 t/yr over the period's 2 years,
    // with nothing left for the demand of 2025; the floor (a series) still holds in 2027,
    // when 5 t/yr are imported for the demand: 2 x 2,500 + 2 x 500 = 6,000 USD.
    let instance = "tests/fixtures/periods/floor_short_of_imports.toml";
    let r = run_json(instance);
    let d = &r["diagnosis"];
    let relaxed: Vec<(&str, f64, f64)> = d["relaxations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                text(&x["constraint"], "c"),
                num(&x["current"], "current"),
                num(&x["required"], "required"),
            )
        })
        .collect();
    assert_eq!(
        relaxed,
        [
            ("imports.imp.capacity.2025", 10.0, 25.0),
            ("demands.US-A/cobalt.quantity.2025", 5.0, 0.0)
        ],
        "{d}"
    );
    assert!(d["incomplete"].is_null(), "{d}");
    let repaired = num(&d["repaired_objective"], "repaired_objective");
    assert!(close(repaired, 6000.0, 1e-9), "{repaired}");
    let mut sets = Vec::new();
    for x in d["relaxations"].as_array().unwrap() {
        sets.push(format!(
            "{}={}",
            text(&x["constraint"], "c"),
            num(&x["required"], "required")
        ));
        sets.extend(x["keep"].as_str().map(String::from));
    }
    let mut extra = Vec::new();
    for s in &sets {
        extra.extend(["--set", s.as_str()]);
    }
    let fixed = solve_with(instance, &extra);
    assert!(
        close(num(&fixed["objective"], "objective"), 6000.0, 1e-9),
        "{sets:?}: {fixed}"
    );
}

/// The simplex proves its plans of the 2025-2030 ban scenarios from its optimal basis. Their
/// prices reach millions of dollars a tonne (the unmet penalties of gallium and germanium), so
/// a column of cost 0 can price at -2e-9 by rounding alone; the basis's simplex pivots once
/// took that for a ray ("unbounded"), and the run ended in exit 5 after two dual LPs. Same
/// objective as the interior point's, to 1e-9.
#[test]
fn the_simplex_proves_the_ban_scenarios_with_prices_in_millions() {
    for scenario in ["china_ban_2027_reserve", "china_ban_2027_crisis_protocol"] {
        let file = format!("instances/scenarios/2025_2030/{scenario}.toml");
        let solve = |backend: &str| {
            let r = run(&[
                "solve",
                "instances/usmca_2025_2030.toml",
                "--scenario",
                &file,
                "--backend",
                backend,
                "--ranging",
                "off",
                "--format",
                "json",
            ]);
            assert_eq!(r.code, 0, "{scenario} {backend}: {}", r.stderr);
            serde_json::from_str::<Value>(&r.stdout).unwrap()
        };
        let (simplex, ipm) = (solve("minilp"), solve("clarabel"));
        assert_eq!(simplex["status"], "optimal", "{scenario}");
        assert_eq!(simplex["solver"]["duals"], "duals of the optimal basis", "{scenario}");
        let (a, b) = (
            num(&simplex["objective"], "objective"),
            num(&ipm["objective"], "objective"),
        );
        assert!((a - b).abs() <= 1e-9 * b.abs(), "{scenario}: {a} vs {b}");
    }
}
