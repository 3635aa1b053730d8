//! The text and Markdown tables say what the JSON report says: the binding-constraints table
//! shows each row's `marginal_value` in the order of the `binding` list (most valuable first),
//! the cost table has no empty column, and JSON numbers never read `-0.0`.

mod common;

use common::*;
use serde_json::Value;

const SHIPPED: &str = "instances/usmca_critical_minerals.toml";

/// The rows of the table titled `title` in a text report: cells split on runs of 2+ spaces.
fn text_table(text: &str, title: &str) -> Vec<Vec<String>> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with(title));
    let _title = lines.next().unwrap_or_else(|| panic!("no table `{title}`"));
    let _header = lines.next();
    lines
        .take_while(|l| l.starts_with("  "))
        .map(|l| {
            l.trim()
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect()
        })
        .collect()
}

fn number(cell: &str) -> Option<f64> {
    (cell != "-").then(|| cell.replace(',', "").parse().unwrap_or_else(|e| panic!("{cell}: {e}")))
}

/// Order, values and sign of the binding table agree with the JSON report: the table is the
/// `binding` list, each row's value is its `marginal_value` (>= 0), and it never rises.
#[test]
fn the_binding_table_shows_marginal_values_most_valuable_first() {
    for instance in [SHIPPED, "instances/textbook/import_cap_binding.toml"] {
        let json = solve_optimal(instance, None);
        let text = run(&["solve", instance, "--quiet", "--detail", "full"]).stdout;
        let rows = text_table(&text, "Binding constraints");
        let by_name: std::collections::HashMap<&str, &Value> = json["constraints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].as_str().unwrap(), c))
            .collect();
        let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        let listed: Vec<&str> = json["binding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_str().unwrap())
            .collect();
        assert_eq!(names, listed, "{instance}: the table is the binding list, in its order");
        let mut last = f64::INFINITY;
        for r in &rows {
            let value = number(&r[5]);
            let expected = by_name[r[0].as_str()]["marginal_value"].as_f64();
            match (value, expected) {
                (Some(v), Some(e)) => {
                    assert!((v - e).abs() <= 0.5 + 1e-4 * e.abs(), "{instance}: {r:?} vs {e}");
                    assert!(v >= 0.0, "{instance}: {r:?} in the user's sign");
                    assert!(
                        v <= last + 0.5,
                        "{instance}: {r:?} after {last}: not most valuable first"
                    );
                    last = v;
                }
                (None, None) => {}
                other => panic!("{instance}: {r:?}: {other:?}"),
            }
        }
        assert!(text.contains("value USD/yr"), "{instance}: the header names the unit");
        let md = run(&["solve", instance, "--quiet", "--format", "md", "--detail", "full"]).stdout;
        assert!(md.contains("| constraint | kind | lower | level | upper | value USD/yr | per one more |"));
    }
}

/// No JSON number is a negative zero (the simplex returns `-0.0` for some columns at zero,
/// which reports once printed as `"production_t": -0.0`).
#[test]
fn json_reports_have_no_negative_zero() {
    for instance in all_instances() {
        for &backend in BACKENDS {
            let args = [
                "solve",
                &instance,
                "--format",
                "json",
                "--quiet",
                "--ranging",
                "off",
                "--backend",
                backend,
            ];
            let r = run(&args);
            for (n, line) in r.stdout.lines().enumerate() {
                let value = line.trim().trim_end_matches(',');
                assert!(
                    !value.ends_with(": -0.0") && value != "-0.0",
                    "{instance} on {backend}, line {}: {line}",
                    n + 1
                );
            }
        }
    }
}

/// The Markdown cost table has no empty column (the text layout's spacer once leaked into it).
#[test]
fn the_markdown_cost_table_has_no_empty_column() {
    let md = run(&[
        "solve",
        "instances/textbook/powerco_transport.toml",
        "--quiet",
        "--format",
        "md",
    ])
    .stdout;
    let header = md
        .lines()
        .skip_while(|l| !l.starts_with("## Cost breakdown"))
        .find(|l| l.starts_with('|'))
        .expect("a cost table");
    assert_eq!(header, "| category | USD/yr | share |");
    for line in md.lines().filter(|l| l.starts_with('|')) {
        assert!(!line.contains("|  |"), "an empty cell column: {line}");
    }
}

/// `1234567.8` as the reports print it: `1,234,568`.
fn grouped(x: f64) -> String {
    sourcing_opt::report::num(x.round())
}

/// The summary opens the report, fits on a screen, and each of its numbers is the JSON
/// report's: the objective, each final material's supply (its concentration rows summed), the
/// binding limits (the first of `binding` with a value) and the tightest target's share.
#[test]
fn the_summary_comes_first_and_traces_to_the_json() {
    let json = solve_optimal(SHIPPED, None);
    let text = run(&["solve", SHIPPED, "--quiet"]).stdout;
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| *l == "Summary").expect("a summary");
    let end = lines.iter().position(|l| l.starts_with("Cost breakdown")).unwrap();
    assert!(start < end && end <= 45, "the summary ends at line {end}");
    let objective = json["objective"].as_f64().unwrap();
    assert!(
        lines[start + 1].contains(&format!("({})", grouped(objective))),
        "{}",
        lines[start + 1]
    );
    // Supply: one row per final material, its total the sum of its concentration rows.
    let rows = text_table(&text, "Supply of each final material");
    let finals: Vec<&str> = json["demands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["material"].as_str().unwrap())
        .fold(Vec::new(), |mut v, m| {
            if !v.contains(&m) {
                v.push(m);
            }
            v
        });
    assert_eq!(rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), finals);
    for r in &rows {
        let total: f64 = json["concentration"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["material"] == r[0].as_str())
            .map(|c| c["total_t"].as_f64().unwrap())
            .sum();
        assert_eq!(r[1], grouped(total), "{}", r[0]);
        // The tightest target's share and cap are that target's.
        let target = r.iter().find(|c| {
            json["targets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["id"] == c.split(' ').next().unwrap())
        });
        if let Some(cell) = target {
            let id = cell.split(' ').next().unwrap();
            let t = json["targets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["id"] == id)
                .unwrap();
            assert_eq!(t["material"], r[0].as_str());
            let share = format!("{:.1}%", 100.0 * t["achieved_share"].as_f64().unwrap());
            assert!(r.contains(&share), "{id}: {share} not in {r:?}");
        }
    }
    // The limits: the first five binding rows with a value above zero, each with its value.
    let valued: Vec<&str> = json["binding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .filter(|b| {
            let c = json["constraints"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == *b)
                .unwrap();
            c["marginal_value"].as_f64().is_some_and(|v| v > 0.0)
        })
        .take(5)
        .collect();
    let at = lines.iter().position(|l| *l == "Most valuable binding limits").unwrap();
    for (k, name) in valued.iter().enumerate() {
        assert!(
            lines[at + 1 + k].ends_with(&format!("({name})")),
            "{}",
            lines[at + 1 + k]
        );
    }
    // Brief by default; --detail full has every section.
    assert!(!text.contains("\nShipments\n") && !text.contains("\nDelivered prices\n"));
    let full = run(&["solve", SHIPPED, "--quiet", "--detail", "full"]).stdout;
    assert!(full.contains("\nShipments\n") && full.contains("\nDelivered prices\n") && full.contains("\nSummary\n"));
}

/// An interior-point plan leaves dust (1e-7 t/yr) in `unmet`: the summary of the 2025-2030
/// path once said "0 t/yr of demand left unmet (84 demands)".
#[test]
fn the_summary_does_not_count_dust_as_unmet_demand() {
    let text = run(&["solve", "instances/usmca_2025_2030.toml", "--quiet", "--ranging", "off"]).stdout;
    assert!(text.contains("\n  every demand is served in full\n"), "{text}");
}

/// With periods, the unmet demand is a rate of one year: the worst year's, named, never the
/// sum of several years' rates (the crisis scenario once said "58,680 t/yr ... (10
/// demands)": three years added, demand-years counted). Checked against the JSON's demands.
#[test]
fn the_unmet_demand_of_a_path_is_the_worst_years_rate() {
    let args = [
        "solve",
        "instances/usmca_2025_2030.toml",
        "--scenario",
        "instances/scenarios/2025_2030/china_ban_2027_crisis_protocol.toml",
        "--quiet",
    ];
    let text = run(&args).stdout;
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run(&json_args).stdout).unwrap();
    let mut by_year: std::collections::BTreeMap<i64, f64> = Default::default();
    let mut ids = std::collections::BTreeSet::new();
    for d in report["demands"].as_array().unwrap() {
        let (unmet, quantity) = (d["unmet"].as_f64().unwrap(), d["quantity"].as_f64().unwrap());
        if unmet > 1e-6 * quantity.max(1.0) {
            *by_year.entry(d["period"].as_i64().unwrap()).or_default() += unmet;
            ids.insert(d["id"].as_str().unwrap().to_string());
        }
    }
    assert!(
        by_year.len() >= 2,
        "the scenario leaves demand unmet in several years: {by_year:?}"
    );
    let (year, worst) = by_year
        .iter()
        .fold((0, 0.0), |w, (&y, &t)| if t > w.1 { (y, t) } else { w });
    let line = format!(
        "  {} t/yr of demand left unmet in {year}, the worst of {} years with some unmet ({} demands)\n",
        thousands(worst.round() as u64),
        by_year.len(),
        ids.len()
    );
    assert!(text.contains(&line), "{line:?} not in\n{text}");
    // A source below 1% reads `<1%`, never `0%` (Mexico's 0.5% of graphite flake).
    assert!(text.contains("MX <1%"), "{text}");
    assert!(
        !text.lines().any(|l| l.contains(" 0%,") || l.ends_with(" 0%")),
        "{text}"
    );
}

/// `38098` as `38,098`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
