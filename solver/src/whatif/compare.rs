//! What changed between two JSON reports (`sourcing-opt/report/1`): the objective, each cost
//! category, each target's share and value, the flows and capacities, the entries that appear
//! or vanish, the constraints that became binding or slack, and the delivered prices.
//!
//! Reports are read as [`serde_json::Value`] so that any report the contract allows can be
//! compared, including one written by an older or newer build with extra fields. Rows are
//! matched by their contract key, never by position: facilities and demands by `id`,
//! shipments by lane, direction and material, constraints by `name`, prices by region and
//! material, targets by `id`.
//!
//! Every list of the comparison is in an order that depends on the reports' content only,
//! never on the order of their lists: by key, or by size of the change then key.
//!
//! A number changed when `|b - a| > tol * max(1, |a|, |b|)`: relative to the larger of the two
//! values, with an absolute floor of `tol` (t/yr, USD/yr, USD/t or share) for values below 1.

use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// The `schema` of the comparison's JSON rendering.
pub const SCHEMA: &str = "sourcing-opt/compare/1";

/// Default relative tolerance of `--tol`.
pub const DEFAULT_TOL: f64 = 1e-6;

/// Top-level keys every report of the contract has (cli.md: "all always present").
const REQUIRED_KEYS: &[&str] = &[
    "instance",
    "status",
    "objective",
    "costs",
    "mines",
    "plants",
    "imports",
    "shipments",
    "demands",
    "targets",
    "constraints",
    "prices",
];

/// Read a JSON report from `path` and check that it is a `sourcing-opt/report/1` report.
/// The error names the file.
pub fn load(path: &Path) -> Result<Value, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("error: cannot read `{shown}`: {e}"))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "error: `{shown}` is not JSON ({e}); compare reads reports written by `sourcing-opt solve --format json`"
        )
    })?;
    check(&v).map_err(|why| format!("error: `{shown}` is not a sourcing-opt report: {why}"))?;
    Ok(v)
}

/// Check that a JSON value is a report of the contract (schema and top-level keys).
pub fn check(v: &Value) -> Result<(), String> {
    let Some(obj) = v.as_object() else {
        return Err("it is not a JSON object".into());
    };
    match obj.get("schema").and_then(Value::as_str) {
        Some(s) if s == crate::report::SCHEMA => {}
        Some(s) => return Err(format!("its schema is `{s}`, expected `{}`", crate::report::SCHEMA)),
        None => return Err(format!("it has no `schema` (expected `{}`)", crate::report::SCHEMA)),
    }
    let missing: Vec<&str> = REQUIRED_KEYS
        .iter()
        .copied()
        .filter(|k| !obj.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(format!("it lacks {}", missing.join(", ")));
    }
    if obj.get("status").and_then(Value::as_str).is_none() {
        return Err("its `status` is not a string".into());
    }
    Ok(())
}

/// One of the two reports, as identified in the comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// The report file as named on the command line.
    pub file: String,
    /// `instance.name`, `instance.path`, `instance.sha256` of the report.
    pub instance: Option<String>,
    pub path: Option<String>,
    pub sha256: Option<String>,
    pub overrides: Vec<String>,
    pub scenario: Option<String>,
    pub status: String,
    /// Why the run is not optimal (the report's `message`).
    pub message: Option<String>,
    pub objective: Option<f64>,
    pub currency: Option<String>,
}

/// A number before and after.
#[derive(Debug, Clone, Serialize)]
pub struct Delta {
    pub a: Option<f64>,
    pub b: Option<f64>,
    /// `b - a` (null when either side is missing).
    pub delta: Option<f64>,
    /// `100 * (b - a) / |a|` (null when a is 0 or missing).
    pub pct: Option<f64>,
}

impl Delta {
    fn new(a: Option<f64>, b: Option<f64>) -> Self {
        let delta = match (a, b) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        };
        let pct = match (a, delta) {
            (Some(a), Some(d)) if a != 0.0 => Some(100.0 * d / a.abs()),
            _ => None,
        };
        Delta { a, b, delta, pct }
    }
}

/// A cost category before and after (every category is listed).
#[derive(Debug, Clone, Serialize)]
pub struct CostDelta {
    pub category: String,
    #[serde(flatten)]
    pub value: Delta,
    pub changed: bool,
}

/// A target before and after (every target of either report is listed; `null` on the side
/// that lacks it).
#[derive(Debug, Clone, Serialize)]
pub struct TargetDelta {
    pub id: String,
    pub material: Option<String>,
    pub scope: Option<String>,
    pub max_import_share_a: Option<f64>,
    pub max_import_share_b: Option<f64>,
    pub share_a: Option<f64>,
    pub share_b: Option<f64>,
    pub share_delta: Option<f64>,
    /// Cost saved per 1.0 of share (`marginal_value` of the report).
    pub marginal_value_a: Option<f64>,
    pub marginal_value_b: Option<f64>,
    pub binding_a: Option<bool>,
    pub binding_b: Option<bool>,
    pub changed: bool,
}

/// A flow or capacity that changed by more than the tolerance, in an entry present in both.
#[derive(Debug, Clone, Serialize)]
pub struct FlowDelta {
    /// `mines`, `plants`, `imports`, `shipments` or `demands`.
    pub section: String,
    /// The entry's contract key (see [`entry_key`]).
    pub key: String,
    /// The report field, e.g. `production_t`, `tonnes`, `unmet`.
    pub field: String,
    #[serde(flatten)]
    pub value: Delta,
}

/// An entry present in one report only.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub section: String,
    pub key: String,
    /// Its main flow (`production_t`, `input_t`, `bought_t`, `tonnes`, `unmet`), if it has one.
    pub field: Option<String>,
    pub value: Option<f64>,
}

/// A delivered price (`prices`) that changed.
#[derive(Debug, Clone, Serialize)]
pub struct PriceDelta {
    pub region: String,
    pub material: String,
    #[serde(flatten)]
    pub value: Delta,
}

/// Everything that differs between report A and report B.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub schema: &'static str,
    pub tol: f64,
    pub a: Side,
    pub b: Side,
    /// False when nothing below differs (beyond the tolerance): "no change".
    pub changed: bool,
    /// Plain-language remarks: a change of status, different instance files or overrides.
    pub notes: Vec<String>,
    pub status_changed: bool,
    pub objective: Delta,
    pub costs: Vec<CostDelta>,
    pub targets: Vec<TargetDelta>,
    /// Changed flows and capacities, largest absolute change first.
    pub flows: Vec<FlowDelta>,
    /// Entries in B only, then entries in A only.
    pub added: Vec<Entry>,
    pub removed: Vec<Entry>,
    /// Constraints (by name, present in both) binding in B but not in A, and the reverse.
    pub now_binding: Vec<String>,
    pub now_slack: Vec<String>,
    /// Changed delivered prices, largest absolute change first.
    pub prices: Vec<PriceDelta>,
}

/// `|b - a| > tol * max(1, |a|, |b|)`; a number against a missing value always differs.
pub fn differs(a: Option<f64>, b: Option<f64>, tol: f64) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (b - a).abs() > tol * 1f64.max(a.abs()).max(b.abs()),
        (None, None) => false,
        _ => true,
    }
}

/// The sections holding flows, the key of an entry, and the numeric fields compared.
const FLOW_SECTIONS: &[(&str, &[&str])] = &[
    ("mines", &["production_t", "expansion_t", "capacity_t"]),
    ("plants", &["input_t", "output_t", "expansion_t", "capacity_t"]),
    ("imports", &["bought_t", "capacity_t"]),
    ("shipments", &["tonnes"]),
    ("demands", &["quantity", "unmet"]),
];

/// The contract key of a row of a report section: `id` for facilities, demands and targets,
/// `LANE (FROM->TO, MATERIAL)` for shipments, `name` for constraints, `REGION/MATERIAL` for
/// prices. `None` when the row lacks the fields of its key.
pub fn entry_key(section: &str, row: &Value) -> Option<String> {
    let s = |k: &str| row.get(k).and_then(Value::as_str);
    match section {
        "shipments" => Some(format!(
            "{} ({}->{}, {})",
            s("lane")?,
            s("from")?,
            s("to")?,
            s("material")?
        )),
        "constraints" => s("name").map(str::to_string),
        "prices" => Some(format!("{}/{}", s("region")?, s("material")?)),
        _ => s("id").map(str::to_string),
    }
}

/// The rows of a section keyed by contract key, in report order (first occurrence wins).
fn keyed<'a>(report: &'a Value, section: &str) -> Vec<(String, &'a Value)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    if let Some(rows) = report.get(section).and_then(Value::as_array) {
        for row in rows {
            if let Some(k) = entry_key(section, row) {
                if seen.insert(k.clone()) {
                    out.push((k, row));
                }
            }
        }
    }
    out
}

fn f(v: &Value, k: &str) -> Option<f64> {
    v.get(k).and_then(Value::as_f64)
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn side(file: &str, r: &Value) -> Side {
    let inst = r.get("instance").cloned().unwrap_or(Value::Null);
    Side {
        file: file.to_string(),
        instance: s(&inst, "name"),
        path: s(&inst, "path"),
        sha256: s(&inst, "sha256"),
        overrides: inst
            .get("overrides")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default(),
        scenario: s(&inst, "scenario"),
        status: s(r, "status").unwrap_or_else(|| "unknown".into()),
        message: s(r, "message"),
        objective: f(r, "objective"),
        currency: s(r, "currency"),
    }
}

/// Compare report `a` (read from `file_a`) with report `b`.
pub fn compare(a: &Value, b: &Value, file_a: &str, file_b: &str, tol: f64) -> Comparison {
    let sa = side(file_a, a);
    let sb = side(file_b, b);
    let mut notes = Vec::new();
    let status_changed = sa.status != sb.status;
    if status_changed {
        notes.push(format!("status changed: {} in A, {} in B", sa.status, sb.status));
    }
    for (label, x) in [("A", &sa), ("B", &sb)] {
        if x.status != "optimal" {
            let why = x.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
            notes.push(format!("{label} is {} and has no plan{why}", x.status));
        }
    }
    let both_optimal = sa.status == "optimal" && sb.status == "optimal";
    if !both_optimal {
        notes.push("flows, targets, binding constraints and prices are compared only between two optimal plans".into());
    }
    if sa.sha256.is_some() && sa.sha256 != sb.sha256 {
        notes.push("the reports come from different instance files (sha256 differ)".into());
    }
    let only = |x: &Side, y: &Side| -> Vec<String> {
        x.overrides
            .iter()
            .filter(|o| !y.overrides.contains(o))
            .cloned()
            .collect()
    };
    let (oa, ob) = (only(&sa, &sb), only(&sb, &sa));
    if !oa.is_empty() {
        notes.push(format!("overrides only in A: {}", oa.join(" ")));
    }
    if !ob.is_empty() {
        notes.push(format!("overrides only in B: {}", ob.join(" ")));
    }
    if sa.scenario != sb.scenario {
        let name = |x: &Option<String>| x.clone().unwrap_or_else(|| "none".into());
        notes.push(format!(
            "scenario: {} in A, {} in B",
            name(&sa.scenario),
            name(&sb.scenario)
        ));
    }
    if sa.currency.is_some() && sb.currency.is_some() && sa.currency != sb.currency {
        notes.push(format!(
            "currencies differ: {} in A, {} in B; money is compared as written",
            sa.currency.as_deref().unwrap_or(""),
            sb.currency.as_deref().unwrap_or("")
        ));
    }

    let objective = Delta::new(sa.objective, sb.objective);
    let objective_changed = differs(sa.objective, sb.objective, tol);

    // Costs: the categories of the contract in contract order, then any others by name.
    let empty = serde_json::Map::new();
    let ca = a.get("costs").and_then(Value::as_object).unwrap_or(&empty);
    let cb = b.get("costs").and_then(Value::as_object).unwrap_or(&empty);
    let mut names: Vec<String> = crate::report::Costs::default()
        .entries()
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    let extra: BTreeSet<&String> = ca.keys().chain(cb.keys()).filter(|k| !names.contains(k)).collect();
    names.extend(extra.into_iter().cloned());
    let costs: Vec<CostDelta> = names
        .into_iter()
        .map(|n| {
            let (x, y) = (ca.get(&n).and_then(Value::as_f64), cb.get(&n).and_then(Value::as_f64));
            CostDelta {
                changed: differs(x, y, tol),
                value: Delta::new(x, y),
                category: n,
            }
        })
        .collect();

    let mut cmp = Comparison {
        schema: SCHEMA,
        tol,
        a: sa,
        b: sb,
        changed: false,
        notes,
        status_changed,
        objective,
        costs,
        targets: Vec::new(),
        flows: Vec::new(),
        added: Vec::new(),
        removed: Vec::new(),
        now_binding: Vec::new(),
        now_slack: Vec::new(),
        prices: Vec::new(),
    };
    if both_optimal {
        plan_differences(&mut cmp, a, b, tol);
    }
    cmp.changed = cmp.status_changed
        || objective_changed
        || cmp.costs.iter().any(|c| c.changed)
        || cmp.targets.iter().any(|t| t.changed)
        || !cmp.flows.is_empty()
        || !cmp.added.is_empty()
        || !cmp.removed.is_empty()
        || !cmp.now_binding.is_empty()
        || !cmp.now_slack.is_empty()
        || !cmp.prices.is_empty();
    cmp
}

/// The main flow of an entry of `section` (shown for added and removed entries).
fn main_field(section: &str) -> Option<&'static str> {
    match section {
        "mines" => Some("production_t"),
        "plants" => Some("input_t"),
        "imports" => Some("bought_t"),
        "shipments" => Some("tonnes"),
        "demands" => Some("unmet"),
        "targets" => Some("achieved_share"),
        "constraints" => Some("activity"),
        "prices" => Some("marginal_cost"),
        _ => None,
    }
}

/// Entries in one report only, for every keyed section, by section then key.
fn presence(cmp: &mut Comparison, a: &Value, b: &Value) {
    for section in [
        "mines",
        "plants",
        "imports",
        "shipments",
        "demands",
        "targets",
        "constraints",
        "prices",
    ] {
        let ka = keyed(a, section);
        let kb = keyed(b, section);
        let in_a: BTreeSet<&String> = ka.iter().map(|(k, _)| k).collect();
        let in_b: BTreeSet<&String> = kb.iter().map(|(k, _)| k).collect();
        let entry = |k: &String, row: &Value| {
            let field = main_field(section);
            Entry {
                section: section.to_string(),
                key: k.clone(),
                field: field.map(str::to_string),
                value: field.and_then(|fl| f(row, fl)),
            }
        };
        let mut removed: Vec<Entry> = ka
            .iter()
            .filter(|(k, _)| !in_b.contains(k))
            .map(|(k, r)| entry(k, r))
            .collect();
        let mut added: Vec<Entry> = kb
            .iter()
            .filter(|(k, _)| !in_a.contains(k))
            .map(|(k, r)| entry(k, r))
            .collect();
        removed.sort_by(|x, y| x.key.cmp(&y.key));
        added.sort_by(|x, y| x.key.cmp(&y.key));
        cmp.removed.extend(removed);
        cmp.added.extend(added);
    }
}

fn by_abs_delta(x: &Delta, y: &Delta) -> std::cmp::Ordering {
    let mag = |d: &Delta| d.delta.map(f64::abs).unwrap_or(f64::INFINITY);
    mag(y).total_cmp(&mag(x))
}

fn plan_differences(cmp: &mut Comparison, a: &Value, b: &Value, tol: f64) {
    presence(cmp, a, b);

    // Flows and capacities of entries present in both.
    for (section, fields) in FLOW_SECTIONS {
        let kb: BTreeMap<String, &Value> = keyed(b, section).into_iter().collect();
        for (k, ra) in keyed(a, section) {
            let Some(rb) = kb.get(&k) else { continue };
            for field in *fields {
                let (x, y) = (f(ra, field), f(rb, field));
                if differs(x, y, tol) {
                    cmp.flows.push(FlowDelta {
                        section: section.to_string(),
                        key: k.clone(),
                        field: field.to_string(),
                        value: Delta::new(x, y),
                    });
                }
            }
        }
    }
    // Largest change first; ties by section order, then key and field (a stable sort keeps
    // the section order).
    cmp.flows
        .sort_by(|x, y| by_abs_delta(&x.value, &y.value).then_with(|| (&x.key, &x.field).cmp(&(&y.key, &y.field))));

    // Targets: every id of either report, by id.
    let ta = keyed(a, "targets");
    let tb = keyed(b, "targets");
    let mb: BTreeMap<&String, &Value> = tb.iter().map(|(k, v)| (k, *v)).collect();
    let ma: BTreeMap<&String, &Value> = ta.iter().map(|(k, v)| (k, *v)).collect();
    let ids: BTreeSet<&String> = ma.keys().chain(mb.keys()).copied().collect();
    for id in ids {
        let ra = ma.get(id).copied();
        let rb = mb.get(id).copied();
        let num = |r: Option<&Value>, k: &str| r.and_then(|r| f(r, k));
        let flag = |r: Option<&Value>| r.and_then(|r| r.get("binding")).and_then(Value::as_bool);
        let any = ra.or(rb).unwrap_or(&Value::Null);
        let (sha, shb) = (num(ra, "achieved_share"), num(rb, "achieved_share"));
        let (mva, mvb) = (num(ra, "marginal_value"), num(rb, "marginal_value"));
        let (capa, capb) = (num(ra, "max_import_share"), num(rb, "max_import_share"));
        let changed = ra.is_none()
            || rb.is_none()
            || differs(sha, shb, tol)
            || differs(mva, mvb, tol)
            || differs(capa, capb, tol)
            || flag(ra) != flag(rb);
        cmp.targets.push(TargetDelta {
            id: id.clone(),
            material: s(any, "material"),
            scope: s(any, "scope"),
            max_import_share_a: capa,
            max_import_share_b: capb,
            share_a: sha,
            share_b: shb,
            share_delta: Delta::new(sha, shb).delta,
            marginal_value_a: mva,
            marginal_value_b: mvb,
            binding_a: flag(ra),
            binding_b: flag(rb),
            changed,
        });
    }

    // Binding set: constraints present in both whose `binding` flipped, by name.
    let cb: BTreeMap<String, &Value> = keyed(b, "constraints").into_iter().collect();
    for (name, ra) in keyed(a, "constraints") {
        let Some(rb) = cb.get(&name) else { continue };
        let ba = ra.get("binding").and_then(Value::as_bool).unwrap_or(false);
        let bb = rb.get("binding").and_then(Value::as_bool).unwrap_or(false);
        match (ba, bb) {
            (false, true) => cmp.now_binding.push(name),
            (true, false) => cmp.now_slack.push(name),
            _ => {}
        }
    }
    cmp.now_binding.sort();
    cmp.now_slack.sort();

    // Delivered prices.
    let pb: BTreeMap<String, &Value> = keyed(b, "prices").into_iter().collect();
    for (k, ra) in keyed(a, "prices") {
        let Some(rb) = pb.get(&k) else { continue };
        let (x, y) = (f(ra, "marginal_cost"), f(rb, "marginal_cost"));
        if differs(x, y, tol) {
            cmp.prices.push(PriceDelta {
                region: s(ra, "region").unwrap_or_default(),
                material: s(ra, "material").unwrap_or_default(),
                value: Delta::new(x, y),
            });
        }
    }
    cmp.prices.sort_by(|x, y| {
        by_abs_delta(&x.value, &y.value).then_with(|| (&x.region, &x.material).cmp(&(&y.region, &y.material)))
    });
}

// ---------------------------------------------------------------------------------------
// Rendering

/// Numbers as the reports print them (thousands separators, at most four decimals).
pub use crate::report::num;

fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_else(|| "-".into())
}

fn signed(x: Option<f64>) -> String {
    match x {
        Some(v) if v > 0.0 => format!("+{}", num(v)),
        Some(v) => num(v),
        None => "-".into(),
    }
}

fn pct(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:+.2}%"),
        _ => "-".into(),
    }
}

fn share(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "-".into())
}

fn points(x: Option<f64>) -> String {
    x.map(|v| format!("{:+.1} pp", v * 100.0)).unwrap_or_else(|| "-".into())
}

fn yes(x: Option<bool>) -> String {
    match x {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => "-".into(),
    }
}

/// A titled table shared by the text and Markdown renderers.
struct Table {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Columns aligned left (the others right).
    left: usize,
}

impl Table {
    fn new(title: impl Into<String>, header: &[&str], left: usize) -> Self {
        Table {
            title: title.into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            left,
        }
    }

    fn text(&self, out: &mut String) {
        let _ = writeln!(out, "\n{}", self.title);
        let mut w = vec![0; self.header.len()];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        for r in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::from(" ");
            for (i, c) in r.iter().enumerate() {
                let pad = " ".repeat(w[i] - c.chars().count());
                line.push(' ');
                if i < self.left {
                    line.push_str(c);
                    line.push_str(&pad);
                } else {
                    line.push_str(&pad);
                    line.push_str(c);
                }
                line.push(' ');
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }

    fn markdown(&self, out: &mut String) {
        let _ = writeln!(out, "\n### {}\n", self.title);
        let _ = writeln!(out, "| {} |", self.header.join(" | "));
        let align: Vec<&str> = (0..self.header.len())
            .map(|i| if i < self.left { "---" } else { "---:" })
            .collect();
        let _ = writeln!(out, "| {} |", align.join(" | "));
        for r in &self.rows {
            let cells: Vec<String> = r.iter().map(|c| c.replace('|', "\\|")).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
}

fn describe(label: &str, x: &Side) -> String {
    let overrides = if x.overrides.is_empty() {
        "none".to_string()
    } else {
        x.overrides.join(" ")
    };
    format!(
        "{label}: {} ({}), instance {} ({}), overrides: {overrides}",
        x.file,
        x.status,
        x.instance.as_deref().unwrap_or("?"),
        x.path.as_deref().unwrap_or("?"),
    )
}

fn tables(c: &Comparison) -> Vec<Table> {
    let mut out = Vec::new();
    let currency =
        c.b.currency
            .clone()
            .or(c.a.currency.clone())
            .unwrap_or_else(|| "USD".into());
    let mut t = Table::new(
        format!("Cost categories that changed ({currency}/yr)"),
        &["category", "A", "B", "change", "%"],
        1,
    );
    for x in c.costs.iter().filter(|x| x.changed) {
        t.rows.push(vec![
            x.category.clone(),
            opt(x.value.a),
            opt(x.value.b),
            signed(x.value.delta),
            pct(x.value.pct),
        ]);
    }
    out.push(t);

    let changed_targets = c.targets.iter().filter(|x| x.changed).count();
    let mut t = Table::new(
        format!(
            "Targets ({} changed of {}; value = cost saved per point of share, {currency})",
            changed_targets,
            c.targets.len()
        ),
        &[
            "target",
            "material / scope",
            "cap A",
            "cap B",
            "share A",
            "share B",
            "change",
            "value A",
            "value B",
            "binding A",
            "binding B",
        ],
        2,
    );
    for x in c.targets.iter().filter(|x| x.changed) {
        t.rows.push(vec![
            x.id.clone(),
            format!(
                "{} / {}",
                x.material.as_deref().unwrap_or("?"),
                x.scope.as_deref().unwrap_or("?")
            ),
            share(x.max_import_share_a),
            share(x.max_import_share_b),
            share(x.share_a),
            share(x.share_b),
            points(x.share_delta),
            opt(x.marginal_value_a.map(|v| v / 100.0)),
            opt(x.marginal_value_b.map(|v| v / 100.0)),
            yes(x.binding_a),
            yes(x.binding_b),
        ]);
    }
    out.push(t);

    let mut t = Table::new(
        format!("Flows and capacities that changed (t/yr, beyond tol {:e})", c.tol),
        &["section", "entry", "field", "A", "B", "change", "%"],
        3,
    );
    for x in &c.flows {
        t.rows.push(vec![
            x.section.clone(),
            x.key.clone(),
            x.field.clone(),
            opt(x.value.a),
            opt(x.value.b),
            signed(x.value.delta),
            pct(x.value.pct),
        ]);
    }
    out.push(t);

    let mut t = Table::new(
        "Entries in one report only",
        &["in", "section", "entry", "field", "value"],
        4,
    );
    for (label, list) in [("B only", &c.added), ("A only", &c.removed)] {
        for e in list {
            t.rows.push(vec![
                label.into(),
                e.section.clone(),
                e.key.clone(),
                e.field.clone().unwrap_or_else(|| "-".into()),
                opt(e.value),
            ]);
        }
    }
    out.push(t);

    let mut t = Table::new("Binding set", &["constraint", "now"], 2);
    for n in &c.now_binding {
        t.rows.push(vec![n.clone(), "binding in B (slack in A)".into()]);
    }
    for n in &c.now_slack {
        t.rows.push(vec![n.clone(), "slack in B (binding in A)".into()]);
    }
    out.push(t);

    let mut t = Table::new(
        format!("Delivered prices that changed ({currency}/t)"),
        &["region", "material", "A", "B", "change", "%"],
        2,
    );
    for x in &c.prices {
        t.rows.push(vec![
            x.region.clone(),
            x.material.clone(),
            opt(x.value.a),
            opt(x.value.b),
            signed(x.value.delta),
            pct(x.value.pct),
        ]);
    }
    out.push(t);
    out.retain(|t| !t.rows.is_empty());
    out
}

fn objective_line(c: &Comparison) -> String {
    let currency =
        c.b.currency
            .clone()
            .or(c.a.currency.clone())
            .unwrap_or_else(|| "USD".into());
    format!(
        "objective: {} -> {} {currency}/yr, change {} ({})",
        opt(c.objective.a),
        opt(c.objective.b),
        signed(c.objective.delta),
        pct(c.objective.pct)
    )
}

/// Plain text for a terminal.
pub fn text(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", describe("A", &c.a));
    let _ = writeln!(out, "{}", describe("B", &c.b));
    for n in &c.notes {
        let _ = writeln!(out, "note: {n}");
    }
    if !c.changed {
        let _ = writeln!(out, "no change (tolerance {:e})", c.tol);
        return out;
    }
    let _ = writeln!(out, "{}", objective_line(c));
    for t in tables(c) {
        t.text(&mut out);
    }
    out
}

/// Markdown for a memo: a heading, the two reports, the objective and one table per section.
pub fn markdown(c: &Comparison) -> String {
    let mut out = String::from("## What changed between the two reports\n\n");
    let _ = writeln!(out, "- {}", describe("A", &c.a).replace('|', "\\|"));
    let _ = writeln!(out, "- {}", describe("B", &c.b).replace('|', "\\|"));
    for n in &c.notes {
        let _ = writeln!(out, "- Note: {n}");
    }
    if !c.changed {
        let _ = writeln!(out, "\n**No change** (tolerance {:e}).", c.tol);
        return out;
    }
    let _ = writeln!(out, "\n**{}**", objective_line(c));
    for t in tables(c) {
        t.markdown(&mut out);
    }
    out
}

/// Pretty JSON (`sourcing-opt/compare/1`), newline-terminated.
pub fn json(c: &Comparison) -> String {
    let mut s = serde_json::to_string_pretty(c).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(objective: f64, mine_prod: f64, binding: bool) -> Value {
        json!({
            "schema": "sourcing-opt/report/1",
            "instance": {"name": "t", "path": "t.toml", "sha256": "00", "overrides": [], "scenario": null},
            "status": "optimal",
            "message": null,
            "objective": objective,
            "currency": "USD",
            "costs": {"mining": objective},
            "mines": [{"id": "m1", "production_t": mine_prod, "capacity_t": 10.0}, {"id": "m2", "production_t": 1.0}],
            "plants": [], "imports": [], "shipments": [], "demands": [],
            "targets": [{"id": "t1", "achieved_share": 0.5, "marginal_value": 3.0, "binding": binding}],
            "constraints": [{"name": "mine_capacity[m1]", "binding": binding}],
            "prices": [{"region": "R", "material": "x", "marginal_cost": 7.0}],
        })
    }

    #[test]
    fn the_same_report_has_no_change() {
        let r = report(10.0, 4.0, true);
        let c = compare(&r, &r, "a", "b", DEFAULT_TOL);
        assert!(!c.changed, "{}", text(&c));
        assert!(text(&c).contains("no change"));
    }

    #[test]
    fn changes_are_found_by_key_and_tolerance_applies() {
        let a = report(10.0, 4.0, true);
        let mut b = report(12.0, 4.0 + 1e-9, false);
        if let Some(m) = b["mines"].as_array_mut() {
            m.reverse();
        }
        let c = compare(&a, &b, "a", "b", DEFAULT_TOL);
        assert!(c.changed);
        assert_eq!(c.objective.delta, Some(2.0));
        assert_eq!(c.objective.pct, Some(20.0));
        assert!(c.flows.is_empty(), "{:?}", c.flows);
        assert_eq!(c.now_slack, vec!["mine_capacity[m1]".to_string()]);
        assert!(c.targets[0].changed);
        let c = compare(&a, &b, "a", "b", 0.0);
        assert_eq!(c.flows.len(), 1);
    }

    #[test]
    fn differs_is_relative_with_a_floor() {
        assert!(!differs(Some(1e6), Some(1e6 + 0.5), 1e-6));
        assert!(differs(Some(1e6), Some(1e6 + 2.0), 1e-6));
        assert!(!differs(Some(0.0), Some(5e-7), 1e-6));
        assert!(differs(Some(0.0), None, 1e-6));
    }

    #[test]
    fn a_value_without_schema_is_rejected() {
        assert!(check(&json!({"status": "optimal"})).is_err());
        assert!(check(&json!([1, 2])).is_err());
        assert!(check(&report(1.0, 1.0, true)).is_ok());
    }
}
