//! The report of a multi-period instance in every format (cli.md, "Schema 2 in the report"):
//! text and Markdown lead with the horizon (cost per period, investment plan, each target's
//! path, the stockpile path) before the detail, every per-period row shows its year, the
//! tables say the same as the JSON, the CSV carries a `period` column, and the Markdown
//! tables are well formed. A report without periods keeps its schema-1 layout.

mod common;

use common::*;
use serde_json::Value;

/// Four periods, a mine and a plant built after their lead times, a reserve, a target.
const RAMP: &str = "tests/fixtures/periods/lithium_ramp.toml";
/// A stockpile without `meta.periods`.
const RESERVE_ONLY: &str = "tests/fixtures/periods/reserve_only.toml";
/// A schema-1 instance.
const SCHEMA_1: &str = "instances/textbook/powerco_transport.toml";

/// The titles of the text report's sections, in order, each starting as listed.
const TEXT_ORDER: [&str; 13] = [
    "Cost per period",
    "Investment plan",
    "Import-dependency targets over time",
    "Stockpiles",
    "Cost breakdown",
    "Mines",
    "Plants",
    "Import offers",
    "Shipments",
    "Demands",
    "Import-dependency targets (",
    "Binding constraints",
    "Delivered prices",
];

fn solve(instance: &str, format: &str) -> String {
    let args = ["solve", instance, "--quiet", "--format", format, "--detail", "full"];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    r.stdout
}

/// A table of a text report: its header and rows, cells split on runs of 2+ spaces (no cell
/// of these tables holds two spaces in a row).
struct TextTable {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn cells(line: &str) -> Vec<String> {
    line.trim()
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}

/// The table whose title line starts with `title` (`None` when there is none).
fn text_table(text: &str, title: &str) -> Option<TextTable> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with(title));
    lines.next()?;
    let header = cells(lines.next()?);
    let rows = lines.take_while(|l| l.starts_with("  ")).map(cells).collect();
    Some(TextTable { header, rows })
}

/// A number as the tables print it (thousands separators, `%` for shares).
fn number(cell: &str) -> f64 {
    let c = cell.trim().trim_end_matches('%').replace(',', "");
    c.parse().unwrap_or_else(|e| panic!("`{cell}` is not a number: {e}"))
}

/// The largest error of a number printed by the report: integers from 100 up, 4 decimals
/// below.
fn printed_close(cell: &str, exact: f64) -> bool {
    (number(cell) - exact).abs() <= 0.5 + 1e-12 * exact.abs()
}

fn years_of(json: &Value) -> Vec<i64> {
    list(json, "periods")
        .iter()
        .map(|p| p["year"].as_i64().expect("a year"))
        .collect()
}

/// Read CSV text into records (RFC 4180: quoted fields may hold commas, doubled quotes and
/// line breaks).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        !quoted && field.is_empty() && record.is_empty(),
        "the CSV ends mid-record"
    );
    records
}

/// Text and Markdown lead with the horizon, then the detail, in this order.
#[test]
fn text_and_markdown_lead_with_the_horizon_then_the_detail() {
    let text = solve(RAMP, "text");
    let md = solve(RAMP, "markdown");
    for (what, report, prefix) in [("text", &text, ""), ("markdown", &md, "## ")] {
        let mut at = 0;
        for title in TEXT_ORDER {
            let needle = format!("\n{prefix}{title}");
            let found = report[at..]
                .find(&needle)
                .unwrap_or_else(|| panic!("{what}: no section `{title}` after byte {at}:\n{report}"));
            at += found + needle.len();
        }
    }
    // The units: the objective is weighted, per-period prices are annual in their year.
    assert!(
        text.contains("objective: ") && text.contains(" USD, weighted over 2025-2031"),
        "{text}"
    );
    assert!(text.contains("in their year's terms (dual / weight)"), "{text}");
    assert!(text.contains("value = USD saved over the horizon, weighted like the objective"));
    assert!(text.contains("Cost breakdown, weighted over the periods"));
    let costs = text_table(&text, "Cost breakdown").unwrap();
    assert_eq!(
        costs.header,
        ["category", "USD", "share"],
        "weighted totals are USD, not USD/yr"
    );
    assert!(
        costs.rows.iter().any(|r| r[0] == "stockpile"),
        "the stockpile category is listed"
    );
}

/// The cost per period says what the JSON says, and its weighted totals are the objective.
#[test]
fn the_cost_per_period_adds_up_to_the_objective() {
    let json = solve_optimal(RAMP, None);
    let objective = num(&json["objective"], "objective");
    let periods = list(&json, "periods");
    assert_eq!(years_of(&json), [2025, 2026, 2028, 2030]);
    let mut weighted = 0.0;
    for p in periods {
        let annual = num(&p["objective"], "periods[].objective");
        let categories: f64 = p["costs"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!(
            close(categories, annual, 1e-9),
            "{p}: the categories sum to the annual cost"
        );
        weighted += num(&p["weight"], "weight") * annual;
    }
    assert!(
        close(weighted, objective, 1e-6),
        "sum of weight x annual {weighted} vs {objective}"
    );

    let text = solve(RAMP, "text");
    let t = text_table(&text, "Cost per period").unwrap();
    assert_eq!(t.header[..4], ["year", "years", "weight", "annual cost USD/yr"]);
    assert_eq!(
        t.rows.len(),
        periods.len() + 1,
        "one row per period and the weighted total"
    );
    let names = &t.header[4..];
    assert!(names.contains(&"stockpile".to_string()) && names.contains(&"plant_expansion".to_string()));
    for (row, p) in t.rows.iter().zip(periods) {
        assert_eq!(row.len(), t.header.len(), "{row:?}");
        assert_eq!(row[0], p["year"].to_string());
        assert!(printed_close(&row[1], p["length"].as_f64().unwrap()), "{row:?}");
        assert!(printed_close(&row[2], p["weight"].as_f64().unwrap()), "{row:?}");
        assert!(printed_close(&row[3], p["objective"].as_f64().unwrap()), "{row:?}");
        for (name, cell) in names.iter().zip(&row[4..]) {
            assert!(
                printed_close(cell, p["costs"][name].as_f64().unwrap()),
                "{name}: {row:?}"
            );
        }
    }
    let total = t.rows.last().unwrap();
    assert_eq!(total[0], "weighted total");
    assert!(printed_close(&total[3], objective), "{total:?} vs {objective}");
    for (name, cell) in names.iter().zip(&total[4..]) {
        assert!(
            printed_close(cell, json["costs"][name].as_f64().unwrap()),
            "{name}: {total:?}"
        );
    }

    // The CSV holds the exact numbers: they add up as the JSON does.
    let records = parse_csv(&solve(RAMP, "csv"));
    let field = |year: i64, f: &str| -> f64 {
        let r = records
            .iter()
            .find(|r| r[0] == "periods" && r[4] == year.to_string() && r[2] == f)
            .unwrap_or_else(|| panic!("no CSV line periods,{year},{f}"));
        number(&r[3])
    };
    let csv_weighted: f64 = years_of(&json)
        .iter()
        .map(|&y| field(y, "weight") * field(y, "objective"))
        .sum();
    assert!(
        close(csv_weighted, objective, 1e-6),
        "CSV: {csv_weighted} vs {objective}"
    );
    assert!(close(
        field(2028, "costs.stockpile"),
        periods[2]["costs"]["stockpile"].as_f64().unwrap(),
        1e-12
    ));
}

/// The investment plan is the JSON's `builds`, row for row, and lists a mine and a plant.
#[test]
fn the_investment_plan_is_the_builds_of_the_json() {
    let json = solve_optimal(RAMP, None);
    let builds = list(&json, "builds");
    let kinds: Vec<&str> = builds.iter().map(|b| text(&b["kind"], "kind")).collect();
    assert!(kinds.contains(&"mine") && kinds.contains(&"plant"), "{kinds:?}");
    for report in [solve(RAMP, "text"), markdown_as_text(&solve(RAMP, "markdown"))] {
        let t = text_table(&report, "Investment plan").unwrap();
        assert_eq!(
            t.header,
            [
                "facility",
                "kind",
                "year online",
                "added t/yr",
                "lead time, years",
                "earliest year allowed"
            ]
        );
        assert_eq!(t.rows.len(), builds.len(), "{report}");
        for (row, b) in t.rows.iter().zip(builds) {
            assert_eq!(row[0], text(&b["facility"], "facility"));
            assert_eq!(row[1], text(&b["kind"], "kind"));
            assert_eq!(row[2], b["period"].to_string());
            assert!(
                printed_close(&row[3], num(&b["capacity_added"], "capacity_added")),
                "{row:?}"
            );
            assert!(printed_close(&row[4], num(&b["lead_time"], "lead_time")), "{row:?}");
            assert_eq!(row[5], b["earliest"].to_string());
            assert!(
                number(&row[2]) >= number(&row[5]),
                "{row:?}: online before the lead time allows"
            );
        }
    }
}

/// A Markdown table as the text layout (`|`-separated cells joined by two spaces), so one
/// parser reads both; the alignment row is dropped.
fn markdown_as_text(md: &str) -> String {
    let mut out = String::new();
    for line in md.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            out.push_str(title);
        } else if line.starts_with("| ---") || line.is_empty() {
            continue;
        } else if line.starts_with('|') {
            out.push_str("  ");
            out.push_str(
                &line
                    .trim_matches('|')
                    .split(" | ")
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join("  "),
            );
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Each target's path and the stockpile path say what the JSON's per-period rows say.
#[test]
fn the_target_and_stockpile_paths_follow_the_json() {
    let json = solve_optimal(RAMP, None);
    let years = years_of(&json);
    let text = solve(RAMP, "text");
    let t = text_table(&text, "Import-dependency targets over time").unwrap();
    let year_names: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    assert_eq!(t.header[2..], year_names[..]);
    let targets = list(&json, "targets");
    let mut ids: Vec<&str> = targets.iter().map(|g| common::text(&g["id"], "id")).collect();
    ids.dedup();
    assert_eq!(
        t.rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ids,
        "one line per target"
    );
    let mut binding = 0;
    for row in &t.rows {
        for (cell, year) in row[2..].iter().zip(&years) {
            let g = targets
                .iter()
                .find(|g| g["id"] == row[0].as_str() && g["period"] == *year)
                .unwrap();
            let (shares, mark) = cell.split_once(" *").map_or((cell.as_str(), false), |(s, _)| (s, true));
            let (achieved, cap) = shares.split_once(" / ").unwrap();
            assert!(
                (number(achieved) - 100.0 * num(&g["achieved_share"], "achieved")).abs() <= 0.05,
                "{cell}"
            );
            assert!(
                (number(cap) - 100.0 * num(&g["max_import_share"], "cap")).abs() <= 0.05,
                "{cell}"
            );
            // A cap of 100% is never a limit: not marked even when its row binds.
            let limits = g["binding"] == true && num(&g["max_import_share"], "cap") < 1.0;
            assert_eq!(mark, limits, "{cell}: binding below 100% is marked");
            binding += usize::from(mark);
        }
    }
    assert!(binding > 0, "the fixture has a binding year");

    let s = text_table(&text, "Stockpiles").unwrap();
    let stock = list(&json, "stockpiles");
    assert_eq!(
        s.header,
        [
            "year",
            "stockpile",
            "region",
            "material",
            "level t",
            "capacity t",
            "floor t",
            "injected t/yr",
            "released t/yr"
        ]
    );
    assert_eq!(s.rows.len(), stock.len());
    for (row, x) in s.rows.iter().zip(stock) {
        assert_eq!(
            (row[0].as_str(), row[1].as_str()),
            (x["period"].to_string().as_str(), common::text(&x["id"], "id"))
        );
        for (cell, key) in row[4..]
            .iter()
            .zip(["level_t", "capacity_t", "min_level_t", "injected_t", "released_t"])
        {
            assert!(printed_close(cell, num(&x[key], key)), "{key}: {row:?}");
        }
    }
}

/// Every per-period entry of the JSON carries its year, and every row of the per-period
/// tables shows it, in a leading `year` column.
#[test]
fn every_per_period_row_has_its_year() {
    let json = solve_optimal(RAMP, None);
    let years = years_of(&json);
    let text = solve(RAMP, "text");
    let tables = [
        ("mines", "Mines"),
        ("plants", "Plants"),
        ("imports", "Import offers"),
        ("shipments", "Shipments"),
        ("demands", "Demands"),
        ("targets", "Import-dependency targets ("),
        ("prices", "Delivered prices"),
        ("stockpiles", "Stockpiles"),
    ];
    for (section, title) in tables {
        let rows = list(&json, section);
        assert!(!rows.is_empty(), "{section}: the fixture has rows");
        for r in rows {
            let y = r["period"]
                .as_i64()
                .unwrap_or_else(|| panic!("{section}: {r} has no period"));
            assert!(years.contains(&y), "{section}: {r}");
        }
        let t = text_table(&text, title).unwrap_or_else(|| panic!("no table `{title}`"));
        assert_eq!(t.header[0], "year", "{title}: {:?}", t.header);
        assert_eq!(t.rows.len(), rows.len(), "{title}: one line per entry");
        for (row, r) in t.rows.iter().zip(rows) {
            assert_eq!(row[0], r["period"].to_string(), "{title}: {row:?}");
        }
    }
    for b in list(&json, "builds") {
        assert!(years.contains(&b["period"].as_i64().unwrap()), "{b}");
    }
    // JSON key order: costs, then the horizon, then the detail.
    let raw = solve(RAMP, "json");
    let at = |k: &str| {
        raw.find(&format!("\n  \"{k}\":"))
            .unwrap_or_else(|| panic!("no key {k}"))
    };
    let order = ["costs", "periods", "builds", "stockpiles", "mines", "constraints"];
    assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "key order {order:?}");
}

/// The CSV of a report with periods has a fifth column, `period`: the year on every line of
/// a per-period entry (the same as its `period` field), empty elsewhere; no value reads `-0.0`.
#[test]
fn the_csv_has_a_period_column() {
    let json = solve_optimal(RAMP, None);
    let years = years_of(&json);
    let records = parse_csv(&solve(RAMP, "csv"));
    assert_eq!(records[0], ["section", "key", "field", "value", "period"]);
    let per_period = [
        "periods",
        "builds",
        "stockpiles",
        "mines",
        "plants",
        "imports",
        "shipments",
        "demands",
        "targets",
        "concentration",
        "prices",
    ];
    let mut seen = std::collections::BTreeSet::new();
    for r in &records[1..] {
        assert_eq!(r.len(), 5, "{r:?}");
        assert_ne!(r[3], "-0.0", "{r:?}: a signed zero");
        if per_period.contains(&r[0].as_str()) {
            let y: i64 = r[4].parse().unwrap_or_else(|e| panic!("{r:?}: period `{}`: {e}", r[4]));
            assert!(years.contains(&y), "{r:?}");
            if r[2] == "period" || (r[0] == "periods" && r[2] == "year") {
                assert_eq!(r[3], r[4], "{r:?}: the column is the entry's year");
            }
            seen.insert(r[0].clone());
        } else {
            assert_eq!(r[4], "", "{r:?}: not a per-period line");
        }
    }
    assert_eq!(seen.len(), per_period.len(), "{seen:?}");
    // One line per field of each entry: as many `mines` lines with field `id` as JSON rows.
    let ids = records.iter().filter(|r| r[0] == "mines" && r[2] == "id").count();
    assert_eq!(ids, list(&json, "mines").len());
    assert!(records.iter().any(|r| r[0] == "periods" && r[2] == "costs.stockpile"));
}

/// Every Markdown table has the same number of cells on every line, and an alignment row.
#[test]
fn markdown_tables_are_well_formed() {
    let md = solve(RAMP, "markdown");
    let count = |line: &str| line.replace("\\|", "").matches('|').count();
    let mut tables = 0;
    let lines: Vec<&str> = md.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with('|') {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && lines[i].starts_with('|') {
            i += 1;
        }
        let block = &lines[start..i];
        tables += 1;
        assert!(block.len() >= 3, "a table with no row: {block:?}");
        assert!(
            block[1]
                .trim_matches('|')
                .split('|')
                .all(|c| matches!(c.trim(), "---" | "---:")),
            "alignment row: {}",
            block[1]
        );
        let n = count(block[0]);
        for l in block {
            assert_eq!(count(l), n, "`{l}` in the table under `{}`", block[0]);
            assert!(
                l.ends_with(" |") && !l.contains("|  |"),
                "`{l}`: an empty or unclosed cell"
            );
        }
        // Under a section's heading (`##`) or the summary's (`###`).
        assert!(start > 0 && lines[start - 1].is_empty() && lines[start - 2].starts_with("##"));
    }
    assert!(tables >= 12, "{tables} tables");
}

/// A schema-1 instance: no year or period column anywhere, no schema-2 key in the JSON, the
/// four-column CSV.
#[test]
fn a_schema_1_report_has_no_periods() {
    let text = solve(SCHEMA_1, "text");
    let json = solve_optimal(SCHEMA_1, None);
    for key in ["periods", "builds", "stockpiles"] {
        assert!(json.get(key).is_none(), "schema-1 JSON has `{key}`");
    }
    assert_no_year_columns(&text, &json, SCHEMA_1);
    assert!(!text.contains("Cost per period") && !text.contains("Investment plan"));
    assert!(text.contains("objective: 1,020 USD/yr"), "{text}");
}

fn assert_no_year_columns(text: &str, json: &Value, what: &str) {
    let lines: Vec<&str> = text.lines().collect();
    for w in lines.windows(2) {
        // A title line, then a table header.
        if !w[0].starts_with(' ') && w[1].starts_with("  ") {
            let header = cells(w[1]);
            assert!(
                !header.iter().any(|c| c == "year" || c == "period"),
                "{what}: {header:?} under `{}`",
                w[0]
            );
        }
    }
    // `builds` always names the year capacity comes online (`meta.year`, or 0, without
    // periods): not a per-period entry.
    for (section, rows) in json.as_object().unwrap().iter().filter(|(k, _)| *k != "builds") {
        for r in rows.as_array().into_iter().flatten() {
            assert!(r.get("period").is_none(), "{what}: {section} entry {r} has a period");
        }
    }
    let csv = parse_csv(&solve(what, "csv"));
    assert_eq!(csv[0], ["section", "key", "field", "value"], "{what}");
    assert!(csv.iter().all(|r| r.len() == 4), "{what}");
}

/// A stockpile without periods: the schema-2 sections, with neither a year column nor the
/// cost per period (one period, the cost breakdown says it all).
#[test]
fn a_stockpile_without_periods_has_no_year_columns() {
    let text = solve(RESERVE_ONLY, "text");
    let json = solve_optimal(RESERVE_ONLY, None);
    for key in ["periods", "builds", "stockpiles"] {
        assert!(json[key].is_array(), "`{key}` is listed");
    }
    assert_no_year_columns(&text, &json, RESERVE_ONLY);
    assert!(
        !text.contains("Cost per period") && !text.contains("over time"),
        "{text}"
    );
    let s = text_table(&text, "Stockpiles").unwrap();
    assert_eq!(s.header[0], "stockpile");
    assert_eq!(s.rows.len(), list(&json, "stockpiles").len());
    let b = text_table(&text, "Investment plan").unwrap();
    assert_eq!(b.header, ["facility", "kind", "added t/yr", "lead time, years"]);
    assert_eq!(b.rows.len(), list(&json, "builds").len());
    assert!(
        text.contains("objective: ") && text.contains(" USD/yr\n"),
        "one year: USD/yr"
    );
}

/// With stockpiles, the summary's supply and the origin table say that a reserve's release is
/// not supply (it counted when the reserve was filled): a year served from a reserve shows
/// supply 0 or no origin row, and the reader is told why.
#[test]
fn reports_with_reserves_say_a_release_is_not_supply() {
    let with = run(&[
        "solve",
        "tests/fixtures/periods/reserve_moves_use_origin.toml",
        "--quiet",
    ])
    .stdout;
    assert!(
        with.contains("(a reserve's release is not supply: it counts in the year the reserve was filled)"),
        "{with}"
    );
    assert!(with.contains("use is net of reserve draws"), "{with}");
    let without = run(&["solve", "instances/usmca_critical_minerals.toml", "--quiet"]).stdout;
    assert!(!without.contains("a reserve's release is not supply"), "{without}");
}

/// An interior-point plan filled a reserve and drew it in the same year (about 18,000 t/yr of
/// gallium in and out in the crisis scenario, at no cost): the plan now nets each such pair,
/// with the same objective, and the stockpile path still adds up.
#[test]
fn no_reserve_is_filled_and_drawn_in_the_same_year() {
    let args = [
        "solve",
        "instances/usmca_2025_2030.toml",
        "--scenario",
        "instances/scenarios/2025_2030/crisis_protocol.toml",
        "--ranging",
        "off",
        "--format",
        "json",
        "--quiet",
    ];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.describe(&args));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let stock = v["stockpiles"].as_array().unwrap();
    assert!(
        stock.iter().any(|s| num(&s["level_t"], "level") > 1.0),
        "the scenario holds a reserve"
    );
    let mut previous: std::collections::BTreeMap<String, f64> = Default::default();
    for s in stock {
        let (inj, rel) = (num(&s["injected_t"], "injected"), num(&s["released_t"], "released"));
        // (Per origin class: a swap of classes, one in and another out, is a real move and
        // stays; here it is a few micrograms.)
        let cap = num(&s["capacity_t"], "capacity");
        assert!(inj.min(rel) <= 1e-6 * cap.max(1.0), "filled and drawn at once: {s}");
        // Annual periods: each level is the last plus what went in less what came out.
        let level = num(&s["level_t"], "level");
        if let Some(last) = previous.insert(s["id"].as_str().unwrap().to_string(), level) {
            assert!((last + inj - rel - level).abs() <= 1e-6 * level.max(1.0), "{s}");
        }
    }
    // The vertex (ranging on) has the same cost.
    let ranged: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| *a != "--ranging" && *a != "off")
        .collect();
    let w: serde_json::Value = serde_json::from_str(&run(&ranged).stdout).unwrap();
    let (a, b) = (num(&v["objective"], "objective"), num(&w["objective"], "objective"));
    assert!((a - b).abs() <= 1e-9 * b, "{a} against {b}");
}
