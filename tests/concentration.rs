//! The report's supply concentration (`concentration`): a plan worked out by hand, and the
//! invariants every shipped instance's report keeps (shares, HHI bounds, totals that match
//! the plan's own rows).

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// Ore mined in the US (60 t, capacity 60) and Canada (40 t), refined to oxide in the US
/// (70 t of plant capacity) and Canada (30 t), and oxide bought from China (25 t), Australia
/// (15 t) and Chile (10 t). Demand of 150 t oxide at a penalty of 10,000 USD/t takes every
/// tonne: the plan is unique.
///
/// - ore, mining: 100 t; US 0.6, CA 0.4; HHI 60^2 + 40^2 = 3,600 + 1,600 = 5,200; 60% is
///   within the 65% benchmark.
/// - oxide, processing: 100 t; US 0.7, CA 0.3; HHI 4,900 + 900 = 5,800; 70% is above it.
/// - oxide, imports: 50 t; CN 0.5, AU 0.3, CL 0.2; HHI 2,500 + 900 + 400 = 3,800.
/// - no ore is imported and no oxide mined: no such rows.
const HAND: &str = r#"
[meta]
name = "concentration-by-hand"
schema = 1

[[countries]]
id = "US"
[[countries]]
id = "CA"
[[countries]]
id = "CN"
[[countries]]
id = "AU"
[[countries]]
id = "CL"

[[regions]]
id = "US-A"
country = "US"
[[regions]]
id = "CA-A"
country = "CA"
[[regions]]
id = "CN-A"
country = "CN"
[[regions]]
id = "AU-A"
country = "AU"
[[regions]]
id = "CL-A"
country = "CL"

[[materials]]
id = "ore"
price = 10
[[materials]]
id = "oxide"
price = 100

[[mines]]
id = "us_mine"
region = "US-A"
material = "ore"
capacity = 60
cost = 10
[[mines]]
id = "ca_mine"
region = "CA-A"
material = "ore"
capacity = 40
cost = 12

[[plants]]
id = "us_plant"
region = "US-A"
input = "ore"
output = "oxide"
yield = 1.0
capacity = 70
cost = 5
[[plants]]
id = "ca_plant"
region = "CA-A"
input = "ore"
output = "oxide"
yield = 1.0
capacity = 30
cost = 5

[[imports]]
id = "cn_offer"
region = "CN-A"
material = "oxide"
price = 50
capacity = 25
[[imports]]
id = "au_offer"
region = "AU-A"
material = "oxide"
price = 55
capacity = 15
[[imports]]
id = "cl_offer"
region = "CL-A"
material = "oxide"
price = 60
capacity = 10

[[demands]]
region = "US-A"
material = "oxide"
quantity = 150
unmet_penalty = 10000

[[lanes]]
from = "CA-A"
to = "US-A"
cost = 1
mode = "truck"
[[lanes]]
from = "CN-A"
to = "US-A"
cost = 2
mode = "sea"
[[lanes]]
from = "AU-A"
to = "US-A"
cost = 2
mode = "sea"
[[lanes]]
from = "CL-A"
to = "US-A"
cost = 2
mode = "sea"
"#;

/// A row worked out by hand: total, (country, tonnes, share) most first, HHI, above the
/// benchmark.
type Expected = (f64, &'static [(&'static str, f64, f64)], f64, bool);

/// Solve `text` written to a scratch file, in `format`, on the simplex.
fn solve_text(text: &str, format: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hand.toml");
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap();
    let args = [
        "solve",
        path,
        "--format",
        format,
        "--detail",
        "full",
        "--backend",
        "minilp",
        "--quiet",
    ];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    r.stdout
}

#[test]
fn concentration_of_a_plan_computed_by_hand() {
    let report: Value = serde_json::from_str(&solve_text(HAND, "json")).unwrap();
    let rows = list(&report, "concentration");
    let got: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (text(&r["material"], "material"), text(&r["stage"], "stage")))
        .collect();
    assert_eq!(got, [("ore", "mining"), ("oxide", "processing"), ("oxide", "imports")]);
    let expected: [Expected; 3] = [
        (100.0, &[("US", 60.0, 0.6), ("CA", 40.0, 0.4)], 5200.0, false),
        (100.0, &[("US", 70.0, 0.7), ("CA", 30.0, 0.3)], 5800.0, true),
        (
            50.0,
            &[("CN", 25.0, 0.5), ("AU", 15.0, 0.3), ("CL", 10.0, 0.2)],
            3800.0,
            false,
        ),
    ];
    for (r, (total, by, hhi, above)) in rows.iter().zip(expected) {
        let what = format!("{}/{}", r["material"], r["stage"]);
        assert!(close(num(&r["total_t"], "total_t"), total, 1e-9), "{what}: {r}");
        let countries = list(r, "by_country");
        assert_eq!(countries.len(), by.len(), "{what}: {r}");
        for (c, &(country, tonnes, share)) in countries.iter().zip(by) {
            assert_eq!(text(&c["country"], "country"), country, "{what}: {r}");
            assert!(close(num(&c["tonnes"], "tonnes"), tonnes, 1e-9), "{what}: {r}");
            assert!(close(num(&c["share"], "share"), share, 1e-9), "{what}: {r}");
        }
        assert_eq!(r["largest_country"], by[0].0, "{what}");
        assert!(
            close(num(&r["largest_share"], "largest_share"), by[0].2, 1e-9),
            "{what}"
        );
        assert!(close(num(&r["hhi"], "hhi"), hhi, 1e-9), "{what}: {r}");
        assert_eq!(r["above_benchmark"], above, "{what}");
        assert!(r.get("period").is_none(), "no periods, no `period`: {r}");
    }

    // Text: one line per row, the processing stage marked above the benchmark.
    let text_report = solve_text(HAND, "text");
    let table: Vec<&str> = text_report
        .lines()
        .skip_while(|l| !l.starts_with("Supply concentration"))
        .skip(2)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(table.len(), 3, "{text_report}");
    for (line, cells) in table.iter().zip([
        ["ore", "mining", "US", "100", "60.0%", "5,200", "2", "<= 65%"],
        ["oxide", "processing", "US", "100", "70.0%", "5,800", "2", "> 65%"],
        ["oxide", "imports", "CN", "50", "50.0%", "3,800", "3", "<= 65%"],
    ]) {
        let got: Vec<&str> = line.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
        assert_eq!(got, cells, "{text_report}");
    }

    // CSV: keyed `material/stage`, one line per country and field.
    let csv = solve_text(HAND, "csv");
    for line in [
        "concentration,oxide/imports,by_country.AU.share,0.3",
        "concentration,oxide/imports,by_country.CL.tonnes,10.0",
        "concentration,oxide/processing,above_benchmark,true",
        "concentration,ore/mining,hhi,5200.0",
    ] {
        assert!(csv.lines().any(|l| l == line), "no line `{line}` in\n{csv}");
    }
}

/// What each (period, material) of a stage adds up to in the plan's own rows: the tonnes and
/// how many rows.
#[derive(Default, Debug)]
struct Stage {
    tonnes: f64,
    n: usize,
}

type Supply = BTreeMap<(String, Option<i64>, String), Stage>;

/// The plan's supply by stage, (stage, period, material) -> [`Stage`], from its `mines`,
/// `plants` and `imports`; and each (period, material)'s largest flow or capacity at any
/// stage (at least 1 t/yr), the scale the report judges dust against.
fn plan_supply(report: &Value) -> (Supply, BTreeMap<(Option<i64>, String), f64>) {
    let mut out: Supply = BTreeMap::new();
    let mut scale = BTreeMap::new();
    let sections = [
        ("mining", "mines", "material", "production_t"),
        ("processing", "plants", "output", "output_t"),
        ("imports", "imports", "material", "bought_t"),
    ];
    for (stage, section, material, tonnes) in sections {
        for r in list(report, section) {
            let key = (
                stage.to_string(),
                r["period"].as_i64(),
                text(&r[material], material).to_string(),
            );
            let q = num(&r[tonnes], tonnes);
            // Capacity in input t for a plant: at least its output when the yield is <= 1,
            // and the tolerance below only needs an upper bound on the dust.
            let capacity = r["capacity_t"].as_f64().unwrap_or(0.0) + r["expansion_t"].as_f64().unwrap_or(0.0);
            let m = scale.entry((key.1, key.2.clone())).or_insert(1.0_f64);
            *m = m.max(q.abs()).max(capacity);
            let s = out.entry(key).or_default();
            s.tonnes += q;
            s.n += 1;
        }
    }
    (out, scale)
}

/// One row's own invariants: shares sum to 1, the countries most tonnes first, the largest
/// share and HHI agree with the list, HHI within [10,000 * largest^2, 10,000], the benchmark
/// flag is `largest_share > 65%`.
fn check_row(r: &Value, what: &str) {
    let total = num(&r["total_t"], "total_t");
    let by = list(r, "by_country");
    assert!(!by.is_empty() && total > 0.0, "{what}: {r}");
    let shares: Vec<f64> = by.iter().map(|c| num(&c["share"], "share")).collect();
    let tonnes: Vec<f64> = by.iter().map(|c| num(&c["tonnes"], "tonnes")).collect();
    assert!(
        (shares.iter().sum::<f64>() - 1.0).abs() <= 1e-9,
        "{what}: shares {shares:?}"
    );
    assert!(close(tonnes.iter().sum(), total, 1e-9), "{what}: {r}");
    assert!(tonnes.windows(2).all(|w| w[0] >= w[1]), "{what}: not most first: {r}");
    for (s, t) in shares.iter().zip(&tonnes) {
        assert!(close(*s, t / total, 1e-12) && *t > 0.0, "{what}: {r}");
    }
    let largest = num(&r["largest_share"], "largest_share");
    assert_eq!(largest, shares[0], "{what}");
    assert_eq!(r["largest_country"], by[0]["country"], "{what}");
    let hhi = num(&r["hhi"], "hhi");
    let sum: f64 = shares.iter().map(|s| (100.0 * s).powi(2)).sum();
    assert!(close(hhi, sum, 1e-12), "{what}: hhi {hhi} vs {sum}");
    assert!(
        hhi >= 10_000.0 * largest * largest - 1e-6 && hhi <= 10_000.0 + 1e-6,
        "{what}: hhi {hhi} outside [10,000 * {largest}^2, 10,000]"
    );
    assert_eq!(r["above_benchmark"], largest > 0.65 + 1e-9, "{what}");
}

/// Every instance's report: each row keeps its invariants, and its total is the stage's
/// supply in the plan (mine production, plant output, imports bought of that material in that
/// period) up to the dust the report leaves out; a stage with supply beyond dust has a row.
/// A report without a plan has no rows.
#[test]
fn concentration_rows_agree_with_the_plan_on_every_instance() {
    let mut checked = 0;
    for instance in all_instances() {
        let args = ["solve", &instance, "--format", "json", "--quiet", "--ranging", "off"];
        let r = run(&args);
        let report: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{}", r.describe(&args)));
        let rows = list(&report, "concentration");
        if report["status"] != "optimal" {
            assert!(rows.is_empty(), "{instance}: rows without a plan");
            continue;
        }
        let (mut supply, scale) = plan_supply(&report);
        let dust = |(_, period, material): &(String, Option<i64>, String), s: &Stage| {
            1e-6 * scale[&(*period, material.clone())] * s.n as f64 + 1e-9
        };
        for row in rows {
            let stage = text(&row["stage"], "stage").to_string();
            let material = text(&row["material"], "material").to_string();
            let what = format!("{instance} {stage} {material} {}", row["period"]);
            check_row(row, &what);
            let key = (stage, row["period"].as_i64(), material);
            let s = supply
                .remove(&key)
                .unwrap_or_else(|| panic!("{what}: no such supply in the plan"));
            let total = num(&row["total_t"], "total_t");
            assert!(
                (total - s.tonnes).abs() <= dust(&key, &s),
                "{what}: {total} vs the plan's {}",
                s.tonnes
            );
            checked += 1;
        }
        for (key, s) in supply {
            assert!(
                s.tonnes.abs() <= dust(&key, &s),
                "{instance}: {key:?} supplies {} t/yr but has no row",
                s.tonnes
            );
        }
    }
    // The shipped instances have hundreds of rows (the 2025-2030 path alone, six years).
    eprintln!("{checked} concentration rows checked");
    assert!(checked > 200, "only {checked} rows checked");
}
