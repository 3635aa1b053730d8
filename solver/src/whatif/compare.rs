//! What changed between two JSON reports (`sourcing-opt/report/1`): the objective, each cost
//! category, each target's share and value, the flows and capacities, the entries that appear
//! or vanish, the constraints that became binding or slack, the delivered prices, and who
//! supplies each material (origin shares by class and country of mining, supply
//! concentration).
//!
//! Reports are read into [`Compared`], typed with the report's own row types
//! (`crate::report::MineRow`, ...), so that a field renamed in the report no longer compiles
//! here; fields this build does not know (a newer build's) are ignored. Rows are matched by
//! their contract key, never by position: facilities and demands by `id`, shipments by lane,
//! direction and material, constraints by `name`, prices by region and material, targets by
//! `id`.
//!
//! Every list of the comparison is in an order that depends on the reports' content only,
//! never on the order of their lists: by key, or by size of the change then key.
//!
//! Reports of instances with periods (schema 2) have one row per entry and period: rows are
//! matched by (key, period), never across years, and every row of the comparison carries
//! its `period` (the year; absent for a report without periods, whose comparison is as it
//! always was). Such a comparison also lists, year by year, the annual objective of each
//! period (`periods`), and compares the investment plan (`builds`, keyed by facility and
//! year: a build in one report only is an entry added or removed, a changed size a flow) and
//! the stockpile path (`stockpiles`, by stockpile and year).
//!
//! A number changed when `|b - a| > tol * max(1, |a|, |b|)`: relative to the larger of the two
//! values, with an absolute floor of `tol` (t/yr, USD/yr, USD/t or share) for values below 1.

use crate::report::table::Table;
use crate::report::{
    BuildRow, ConcentrationRow, Costs, DemandRow, ImportRow, InstanceInfo, MineRow, OriginShareRow, PeriodRow,
    PlantRow, PriceRow, ShipmentRow, StockpileRow, TargetRow,
};
use serde::{Deserialize, Serialize};
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
pub fn load(path: &Path) -> Result<Compared, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("error: cannot read `{shown}`: {e}"))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "error: `{shown}` is not JSON ({e}); compare reads reports written by `sourcing-opt solve --format json`"
        )
    })?;
    check(&v).map_err(|why| format!("error: `{shown}` is not a sourcing-opt report: {why}"))?;
    serde_json::from_value(v).map_err(|e| {
        // Read again from the text, which locates the mistake (a value alone cannot).
        let e = serde_json::from_str::<Compared>(&text).err().unwrap_or(e);
        match e.line() {
            0 => format!("error: `{shown}` is not a sourcing-opt report: {e}"),
            line => format!(
                "error: `{shown}` is not a sourcing-opt report: {} at {shown}:{line}:{}",
                e.to_string().split(" at line ").next().unwrap_or_default(),
                e.column()
            ),
        }
    })
}

/// The parts of a report that compare reads, with the report's own row types.
#[derive(Debug, Clone, Deserialize)]
pub struct Compared {
    pub instance: InstanceInfo,
    pub status: String,
    pub message: Option<String>,
    pub objective: Option<f64>,
    pub currency: Option<String>,
    /// Null in a report without a plan (older builds wrote zeros there).
    #[serde(default)]
    pub costs: Option<ComparedCosts>,
    pub mines: Vec<MineRow>,
    pub plants: Vec<PlantRow>,
    pub imports: Vec<ImportRow>,
    pub shipments: Vec<ShipmentRow>,
    pub demands: Vec<DemandRow>,
    pub targets: Vec<TargetRow>,
    pub constraints: Vec<ComparedConstraint>,
    pub prices: Vec<PriceRow>,
    /// Schema 2: each period's annual figures, the investment plan, the stockpile path
    /// (absent from a report without periods).
    #[serde(default)]
    pub periods: Option<Vec<PeriodRow>>,
    #[serde(default)]
    pub builds: Option<Vec<BuildRow>>,
    #[serde(default)]
    pub stockpiles: Option<Vec<StockpileRow>>,
    /// Supply concentration by material and stage (absent from reports of older builds).
    #[serde(default)]
    pub concentration: Vec<ConcentrationRow>,
    /// With origin tracking: the share of each material's use by class and by country of
    /// mining, per scope.
    #[serde(default)]
    pub origin_shares: Option<Vec<OriginShareRow>>,
    /// How the plan's prices were read (`solver.ranging`: null without ranging).
    #[serde(default)]
    pub solver: Option<ComparedSolver>,
}

/// The part of a report's `solver` that compare reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ComparedSolver {
    #[serde(default)]
    pub ranging: Option<String>,
}

/// The cost categories of the contract, and any others (a newer build's), by name.
#[derive(Debug, Clone, Deserialize)]
pub struct ComparedCosts {
    #[serde(flatten)]
    pub known: Costs,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl ComparedCosts {
    fn stockpile(c: &Option<ComparedCosts>) -> Option<f64> {
        c.as_ref().and_then(|c| c.known.stockpile)
    }

    fn others(c: &Option<ComparedCosts>) -> impl Iterator<Item = &String> {
        c.iter().flat_map(|c| c.other.keys())
    }

    fn get(&self, name: &str) -> Option<f64> {
        match self.known.entries().iter().find(|e| e.0 == name) {
            Some(e) => Some(e.1),
            None => self.other.get(name).and_then(Value::as_f64),
        }
    }
}

/// The fields of `crate::report::ConstraintRow` that compare reads (its `kind` and `sense`
/// are static strings, which do not deserialise). The test
/// `a_report_of_this_build_reads_back` fails when one of them is renamed.
#[derive(Debug, Clone, Deserialize)]
pub struct ComparedConstraint {
    pub name: String,
    pub activity: f64,
    pub binding: bool,
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
    /// `100 * (b - a) / |a|` (null when a is missing or nothing to measure from: 0, a value
    /// that prints as 0 (below 5e-5), or one below a millionth of b, such as an interior
    /// point's 4e-8 t of a flow that becomes 81,260 t).
    pub pct: Option<f64>,
}

impl Delta {
    fn new(a: Option<f64>, b: Option<f64>) -> Self {
        let delta = match (a, b) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        };
        let pct = match (a, b, delta) {
            (Some(a), Some(b), Some(d)) if a.abs() >= 5e-5 && a.abs() >= 1e-6 * b.abs() => Some(100.0 * d / a.abs()),
            _ => None,
        };
        Delta { a, b, delta, pct }
    }
}

/// A cost category before and after (every category is listed). The side of a report
/// without a plan (infeasible, a solver failure) has no costs: its value is null, never the
/// report's zeros, and `no_plan_in` says which.
#[derive(Debug, Clone, Serialize)]
pub struct CostDelta {
    pub category: String,
    #[serde(flatten)]
    pub value: Delta,
    pub changed: bool,
    /// `A`, `B` or `A and B` when that report has no plan; null when both have one.
    pub no_plan_in: Option<&'static str>,
}

/// Which of the two reports has no plan: `A`, `B`, `A and B`, or `None`.
fn no_plan_in(a: &Side, b: &Side) -> Option<&'static str> {
    match (a.status == "optimal", b.status == "optimal") {
        (true, true) => None,
        (false, true) => Some("A"),
        (true, false) => Some("B"),
        (false, false) => Some("A and B"),
    }
}

/// A target before and after (every target of either report is listed; `null` on the side
/// that lacks it).
#[derive(Debug, Clone, Serialize)]
pub struct TargetDelta {
    pub id: String,
    /// The period's year (reports with periods only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
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
    /// The entry's contract key (see `Section::key`).
    pub key: String,
    /// The period's year (reports with periods only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
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
    /// The period's year (reports with periods only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    /// Its main flow (`production_t`, `input_t`, `bought_t`, `tonnes`, `unmet`), if it has one.
    pub field: Option<String>,
    pub value: Option<f64>,
}

/// A delivered price (`prices`) that changed.
#[derive(Debug, Clone, Serialize)]
pub struct PriceDelta {
    pub region: String,
    pub material: String,
    /// The period's year (reports with periods only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    #[serde(flatten)]
    pub value: Delta,
}

/// One period's annual objective before and after (reports with periods; every year of
/// either report is listed).
#[derive(Debug, Clone, Serialize)]
pub struct PeriodDelta {
    pub year: i64,
    /// The period's weight in the objective, in A and in B (null where the report lacks
    /// the year).
    pub weight_a: Option<f64>,
    pub weight_b: Option<f64>,
    /// The annual cost of the period (USD/yr, undiscounted).
    #[serde(flatten)]
    pub objective: Delta,
    pub changed: bool,
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
    /// `A`, `B` or `A and B` when that report has no plan (its objective and costs are
    /// null, not compared); null when both have one.
    pub no_plan_in: Option<&'static str>,
    pub objective: Delta,
    /// The objective differs by more than the tolerance.
    pub objective_changed: bool,
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
    /// Changed supply shares: origin shares (`origin_shares`, field `share`: of a class,
    /// `MATERIAL in SCOPE: CLASS`, or mined in a country, `MATERIAL in SCOPE: mined in XX`),
    /// then supply concentration (`concentration`, `MATERIAL STAGE`: `largest_share` and
    /// `hhi`); shares are fractions (0..1), HHI 0..10,000.
    pub shares: Vec<FlowDelta>,
    /// The annual objective of each period, by year (when either report has periods).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periods: Option<Vec<PeriodDelta>>,
}

/// `|b - a| > tol * max(1, |a|, |b|)`; a number against a missing value always differs.
pub fn differs(a: Option<f64>, b: Option<f64>, tol: f64) -> bool {
    differs_at(a, b, tol, 1.0)
}

/// [`differs`] with the scale floored at `floor` instead of 1: `|B - A| > tol * max(floor,
/// |A|, |B|)`.
fn differs_at(a: Option<f64>, b: Option<f64>, tol: f64, floor: f64) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (b - a).abs() > tol * floor.max(1.0).max(a.abs()).max(b.abs()),
        (None, None) => false,
        _ => true,
    }
}

/// Half the last decimal the tables print tonnes with (four): at the default tolerance a
/// change of tonnes below it reads `0` (or `+0`) and is no change, whatever its material's
/// scale. The floor scales with `--tol` below the default (`--tol 0`: every difference).
const SHOWN_T: f64 = 5e-5;

/// The absolute floor of a change of tonnes at tolerance `tol` (see [`SHOWN_T`]).
fn shown_floor(tol: f64) -> f64 {
    SHOWN_T * (tol / DEFAULT_TOL).min(1.0)
}

/// A numeric field of a row, by its report name.
type Field<R> = (&'static str, fn(&R) -> Option<f64>);

/// A keyed section of a report.
trait Section: 'static {
    /// The report's name of the section.
    const NAME: &'static str;
    /// The main flow, shown for an entry present in one report only.
    const MAIN: Field<Self>;
    /// The flows and capacities compared for an entry present in both.
    const FLOWS: &'static [Field<Self>] = &[];
    /// Whether a report lists a row only when it is used (shipments): then a row in one
    /// report only whose flow is within the tolerance of its material's scale is dust, not
    /// an entry. Sections that list every facility or demand keep every row.
    const LISTED_WHEN_USED: bool = false;
    /// The contract key: `id` for facilities, demands, targets and stockpiles, `LANE
    /// (FROM->TO, MATERIAL)` for shipments, `name` for constraints (whose names carry their
    /// year), `REGION/MATERIAL` for prices, `KIND FACILITY` for builds.
    fn key(&self) -> String;
    /// The period's year of a per-period row (schema 2), matched with the key.
    fn period(&self) -> Option<i64> {
        None
    }
    /// The material whose flows set the scale a change is judged on (the input of a plant),
    /// for the sections that move tonnes.
    fn material(&self) -> Option<&str> {
        None
    }
}

impl Section for MineRow {
    const NAME: &'static str = "mines";
    const MAIN: Field<Self> = ("production_t", |m| Some(m.production_t));
    const FLOWS: &'static [Field<Self>] = &[
        ("production_t", |m| Some(m.production_t)),
        ("expansion_t", |m| m.expansion_t),
        ("capacity_t", |m| Some(m.capacity_t)),
    ];
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn period(&self) -> Option<i64> {
        self.period
    }
    fn material(&self) -> Option<&str> {
        Some(self.material.as_str())
    }
}

impl Section for PlantRow {
    const NAME: &'static str = "plants";
    const MAIN: Field<Self> = ("input_t", |p| Some(p.input_t));
    const FLOWS: &'static [Field<Self>] = &[
        ("input_t", |p| Some(p.input_t)),
        ("output_t", |p| Some(p.output_t)),
        ("expansion_t", |p| p.expansion_t),
        ("capacity_t", |p| Some(p.capacity_t)),
    ];
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn period(&self) -> Option<i64> {
        self.period
    }
    fn material(&self) -> Option<&str> {
        Some(self.input.as_str())
    }
}

impl Section for ImportRow {
    const NAME: &'static str = "imports";
    const MAIN: Field<Self> = ("bought_t", |i| Some(i.bought_t));
    const FLOWS: &'static [Field<Self>] = &[("bought_t", |i| Some(i.bought_t)), ("capacity_t", |i| i.capacity_t)];
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn period(&self) -> Option<i64> {
        self.period
    }
    fn material(&self) -> Option<&str> {
        Some(self.material.as_str())
    }
}

impl Section for ShipmentRow {
    const NAME: &'static str = "shipments";
    const MAIN: Field<Self> = ("tonnes", |s| Some(s.tonnes));
    const FLOWS: &'static [Field<Self>] = &[("tonnes", |s| Some(s.tonnes))];
    const LISTED_WHEN_USED: bool = true;
    /// With origin tracking the class follows the material (`oxide~usmca`): one row per class.
    fn key(&self) -> String {
        match &self.origin {
            Some(k) => format!("{} ({}->{}, {}~{k})", self.lane, self.from, self.to, self.material),
            None => format!("{} ({}->{}, {})", self.lane, self.from, self.to, self.material),
        }
    }
    fn period(&self) -> Option<i64> {
        self.period
    }
    fn material(&self) -> Option<&str> {
        Some(self.material.as_str())
    }
}

impl Section for DemandRow {
    const NAME: &'static str = "demands";
    const MAIN: Field<Self> = ("unmet", |d| Some(d.unmet));
    const FLOWS: &'static [Field<Self>] = &[("quantity", |d| Some(d.quantity)), ("unmet", |d| Some(d.unmet))];
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn period(&self) -> Option<i64> {
        self.period
    }
    fn material(&self) -> Option<&str> {
        Some(self.material.as_str())
    }
}

impl Section for TargetRow {
    const NAME: &'static str = "targets";
    const MAIN: Field<Self> = ("achieved_share", |t| Some(t.achieved_share));
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn period(&self) -> Option<i64> {
        self.period
    }
}

impl Section for ComparedConstraint {
    const NAME: &'static str = "constraints";
    const MAIN: Field<Self> = ("activity", |c| Some(c.activity));
    fn key(&self) -> String {
        self.name.clone()
    }
}

impl Section for PriceRow {
    const NAME: &'static str = "prices";
    const MAIN: Field<Self> = ("marginal_cost", |p| p.marginal_cost);
    /// With origin tracking one balance, so one price, per class (`MX-SON/ore~usmca`).
    fn key(&self) -> String {
        match &self.origin {
            Some(k) => format!("{}/{}~{k}", self.region, self.material),
            None => format!("{}/{}", self.region, self.material),
        }
    }
    fn period(&self) -> Option<i64> {
        self.period
    }
}

impl Section for BuildRow {
    const NAME: &'static str = "builds";
    const MAIN: Field<Self> = ("capacity_added", |b| Some(b.capacity_added));
    const FLOWS: &'static [Field<Self>] = &[("capacity_added", |b| Some(b.capacity_added))];
    fn key(&self) -> String {
        format!("{} {}", self.kind, self.facility)
    }
    fn period(&self) -> Option<i64> {
        self.period
    }
}

impl Section for StockpileRow {
    const NAME: &'static str = "stockpiles";
    const MAIN: Field<Self> = ("level_t", |s| Some(s.level_t));
    const FLOWS: &'static [Field<Self>] = &[
        ("level_t", |s| Some(s.level_t)),
        ("injected_t", |s| Some(s.injected_t)),
        ("released_t", |s| Some(s.released_t)),
    ];
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn period(&self) -> Option<i64> {
        self.period
    }
    fn material(&self) -> Option<&str> {
        Some(self.material.as_str())
    }
}

impl Section for ConcentrationRow {
    const NAME: &'static str = "concentration";
    const MAIN: Field<Self> = ("largest_share", |c| Some(c.largest_share));
    const FLOWS: &'static [Field<Self>] = &[("largest_share", |c| Some(c.largest_share)), ("hhi", |c| Some(c.hhi))];
    /// `MATERIAL STAGE` (`gallium processing`).
    fn key(&self) -> String {
        format!("{} {}", self.material, self.stage)
    }
    fn period(&self) -> Option<i64> {
        self.period
    }
}

/// One part of a material's use in a scope: an origin class's share, or the share mined in
/// one country. The report holds them as maps in one row per material and scope
/// (`origin_shares`); the comparison keys each part as `MATERIAL in SCOPE: CLASS` or
/// `MATERIAL in SCOPE: mined in COUNTRY`, so that a class or a country that appears or
/// vanishes is an entry added or removed.
#[derive(Debug, Clone)]
pub struct OriginShare {
    key: String,
    period: Option<i64>,
    share: f64,
}

impl OriginShare {
    fn of(rows: Option<&[OriginShareRow]>) -> Vec<OriginShare> {
        let mut out = Vec::new();
        for r in rows.unwrap_or(&[]) {
            let at = format!("{} in {}", r.material, r.scope);
            let classes = r.shares.0.iter().map(|(k, v)| (k.to_string(), *v));
            let countries = r.by_country.0.iter().map(|(k, v)| (format!("mined in {k}"), *v));
            out.extend(classes.chain(countries).map(|(part, share)| OriginShare {
                key: format!("{at}: {part}"),
                period: r.period,
                share,
            }));
        }
        out
    }
}

impl Section for OriginShare {
    const NAME: &'static str = "origin_shares";
    const MAIN: Field<Self> = ("share", |o| Some(o.share));
    const FLOWS: &'static [Field<Self>] = &[("share", |o| Some(o.share))];
    // A class with no share in one report and absent from the other is no entry.
    const LISTED_WHEN_USED: bool = true;
    fn key(&self) -> String {
        self.key.clone()
    }
    fn period(&self) -> Option<i64> {
        self.period
    }
}

/// A row's key and period: rows match when both are equal.
type Key = (String, Option<i64>);

/// The rows of a section keyed by contract key and period, in report order (first
/// occurrence wins).
fn keyed<R: Section>(rows: &[R]) -> Vec<(Key, &R)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for row in rows {
        let k = (row.key(), row.period());
        if seen.insert(k.clone()) {
            out.push((k, row));
        }
    }
    out
}

fn side(file: &str, r: &Compared) -> Side {
    Side {
        file: file.to_string(),
        instance: Some(r.instance.name.clone()),
        path: Some(r.instance.path.clone()),
        sha256: Some(r.instance.sha256.clone()),
        overrides: r.instance.overrides.clone(),
        scenario: r.instance.scenario.clone(),
        status: r.status.clone(),
        message: r.message.clone(),
        objective: r.objective,
        currency: r.currency.clone(),
    }
}

/// The plain-language remarks of a comparison: statuses, plans, instance files, overrides,
/// scenarios, periods and currencies that differ.
fn notes(a: &Compared, b: &Compared, sa: &Side, sb: &Side) -> Vec<String> {
    let mut notes = Vec::new();
    if sa.status != sb.status {
        notes.push(format!("status changed: {} in A, {} in B", sa.status, sb.status));
    }
    for (label, x) in [("A", sa), ("B", sb)] {
        if x.status != "optimal" {
            let why = x.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
            notes.push(format!("{label} is {} and has no plan{why}", x.status));
        }
    }
    if sa.status != "optimal" || sb.status != "optimal" {
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
    let (oa, ob) = (only(sa, sb), only(sb, sa));
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
    let both_plans = sa.status == "optimal" && sb.status == "optimal";
    // A report without a plan has no periods to show, whatever its instance.
    if both_plans && a.periods.is_some() != b.periods.is_some() {
        let (with, without) = if a.periods.is_some() { ("A", "B") } else { ("B", "A") };
        notes.push(format!(
            "{with} has periods and {without} has none: rows are matched by key and year, so no per-period row \
             of {with} matches one of {without}"
        ));
    }
    let ranged = |r: &Compared| r.solver.as_ref().is_some_and(|s| s.ranging.is_some());
    if both_plans && ranged(a) != ranged(b) {
        let (with, without) = if ranged(a) { ("A", "B") } else { ("B", "A") };
        notes.push(format!(
            "{with} was ranged and {without} was not (`--ranging off`): {with}'s marginal values are one-sided (what \
             relaxing saves), {without}'s are one optimal dual each, which at a degenerate plan can differ from them \
             while nothing changed; and where several plans are optimal the two runs may return different ones \
             (flows that move at the same cost). Compare reports solved the same way"
        ));
    }
    if sa.currency.is_some() && sb.currency.is_some() && sa.currency != sb.currency {
        notes.push(format!(
            "currencies differ: {} in A, {} in B; money is compared as written",
            sa.currency.as_deref().unwrap_or(""),
            sb.currency.as_deref().unwrap_or("")
        ));
    }
    notes
}

/// Compare report `a` (read from `file_a`) with report `b`.
pub fn compare(a: &Compared, b: &Compared, file_a: &str, file_b: &str, tol: f64) -> Comparison {
    let sa = side(file_a, a);
    let sb = side(file_b, b);
    let notes = notes(a, b, &sa, &sb);
    let status_changed = sa.status != sb.status;
    let both_optimal = sa.status == "optimal" && sb.status == "optimal";
    let objective = Delta::new(sa.objective, sb.objective);
    let objective_changed = differs(sa.objective, sb.objective, tol);

    // Costs: the categories of the contract in contract order, then any others by name.
    // `stockpile` when either report has it (schema 2).
    let known = Costs {
        stockpile: ComparedCosts::stockpile(&a.costs).or(ComparedCosts::stockpile(&b.costs)),
        ..Costs::default()
    };
    let mut names: Vec<String> = known.entries().iter().map(|(n, _)| n.to_string()).collect();
    let extra: BTreeSet<&String> = ComparedCosts::others(&a.costs)
        .chain(ComparedCosts::others(&b.costs))
        .filter(|k| !names.contains(k))
        .collect();
    names.extend(extra.into_iter().cloned());
    let missing = no_plan_in(&sa, &sb);
    let (plan_a, plan_b) = (sa.status == "optimal", sb.status == "optimal");
    let costs: Vec<CostDelta> = names
        .into_iter()
        .map(|n| {
            // A report without a plan has no costs (its zeros are not a plan's).
            let x = a.costs.as_ref().and_then(|c| c.get(&n)).filter(|_| plan_a);
            let y = b.costs.as_ref().and_then(|c| c.get(&n)).filter(|_| plan_b);
            // Against no plan, a category is listed when the plan has a cost in it. A
            // category is judged on the objective's scale: a change the objective's own
            // tolerance would not show (an interior point's 0.15 USD of unmet penalty in a
            // 2e11 USD plan) is not a change of the plan's costs.
            let scale = |v: Option<f64>| v.map_or(0.0, f64::abs);
            let floor = scale(sa.objective).max(scale(sb.objective));
            let changed = match (x, y) {
                (Some(v), None) | (None, Some(v)) => differs_at(Some(v), Some(0.0), tol, floor),
                _ => differs_at(x, y, tol, floor),
            };
            CostDelta {
                changed,
                value: Delta::new(x, y),
                category: n,
                no_plan_in: missing,
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
        no_plan_in: missing,
        objective,
        objective_changed,
        costs,
        targets: Vec::new(),
        flows: Vec::new(),
        added: Vec::new(),
        removed: Vec::new(),
        now_binding: Vec::new(),
        now_slack: Vec::new(),
        prices: Vec::new(),
        shares: Vec::new(),
        periods: (a.periods.is_some() || b.periods.is_some()).then(|| period_differences(a, b, plan_a, plan_b, tol)),
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
        || !cmp.prices.is_empty()
        || !cmp.shares.is_empty()
        || cmp.periods.iter().flatten().any(|p| p.changed);
    cmp
}

/// The annual objective of every year of either report (a report without a plan has
/// none: null, as its costs).
fn period_differences(a: &Compared, b: &Compared, plan_a: bool, plan_b: bool, tol: f64) -> Vec<PeriodDelta> {
    let rows = |r: &Compared, plan: bool| -> BTreeMap<i64, (f64, Option<f64>)> {
        r.periods
            .iter()
            .flatten()
            .map(|p| (p.year, (p.weight, plan.then_some(p.objective))))
            .collect()
    };
    let (ra, rb) = (rows(a, plan_a), rows(b, plan_b));
    let years: BTreeSet<i64> = ra.keys().chain(rb.keys()).copied().collect();
    years
        .into_iter()
        .map(|year| {
            let (wa, x) = ra.get(&year).map_or((None, None), |v| (Some(v.0), v.1));
            let (wb, y) = rb.get(&year).map_or((None, None), |v| (Some(v.0), v.1));
            let changed = match (x, y) {
                (Some(v), None) | (None, Some(v)) => differs(Some(v), Some(0.0), tol),
                _ => differs(x, y, tol),
            } || wa.is_none() != wb.is_none()
                || differs(wa, wb, tol);
            PeriodDelta {
                year,
                weight_a: wa,
                weight_b: wb,
                objective: Delta::new(x, y),
                changed,
            }
        })
        .collect()
}

/// The largest flow or capacity of each material in a section of either report: the scale a
/// flow of that material is judged on, so that an interior point's grams beside a material's
/// thousands of tonnes are no change (gallium's 19 t/yr keep their own scale).
fn material_scales<R: Section>(a: &[R], b: &[R]) -> BTreeMap<String, f64> {
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    for r in a.iter().chain(b) {
        let Some(m) = r.material() else { continue };
        let largest = R::FLOWS
            .iter()
            .chain([&R::MAIN])
            .filter_map(|(_, f)| f(r))
            .fold(0.0f64, |x, v| x.max(v.abs()));
        let e = out.entry(m.to_string()).or_insert(0.0);
        *e = e.max(largest);
    }
    out
}

/// The floor of the scale a row's change is judged on: its material's (see
/// [`material_scales`]), else 1.
fn scale_of<R: Section>(scales: &BTreeMap<String, f64>, r: &R) -> f64 {
    r.material().and_then(|m| scales.get(m)).copied().unwrap_or(1.0)
}

/// Entries of one section in one report only, by key. A shipment that moves no more than the
/// tolerance of its material's scale (an interior point's dust) is no entry.
fn presence<R: Section>(cmp: &mut Comparison, a: &[R], b: &[R], tol: f64) {
    let (removed, added) = one_sided(a, b, tol);
    cmp.removed.extend(removed);
    cmp.added.extend(added);
}

/// The entries of [`presence`]: in A only (removed), in B only (added), each by key.
fn one_sided<R: Section>(a: &[R], b: &[R], tol: f64) -> (Vec<Entry>, Vec<Entry>) {
    let scales = material_scales(a, b);
    let ka: Vec<(Key, &R)> = keyed(a)
        .into_iter()
        .filter(|(_, r)| !is_dust(&scales, *r, tol))
        .collect();
    let kb: Vec<(Key, &R)> = keyed(b)
        .into_iter()
        .filter(|(_, r)| !is_dust(&scales, *r, tol))
        .collect();
    let in_a: BTreeSet<&Key> = ka.iter().map(|(k, _)| k).collect();
    let in_b: BTreeSet<&Key> = kb.iter().map(|(k, _)| k).collect();
    let entry = |k: &Key, row: &R| Entry {
        section: R::NAME.to_string(),
        key: k.0.clone(),
        period: k.1,
        field: Some(R::MAIN.0.to_string()),
        value: (R::MAIN.1)(row),
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
    removed.sort_by(|x, y| (&x.key, x.period).cmp(&(&y.key, y.period)));
    added.sort_by(|x, y| (&x.key, x.period).cmp(&(&y.key, y.period)));
    (removed, added)
}

/// Whether a row listed only when used (a shipment, an origin share) moves nothing beyond the
/// tolerance of its material's scale (1 for a share).
fn is_dust<R: Section>(scales: &BTreeMap<String, f64>, r: &R, tol: f64) -> bool {
    R::LISTED_WHEN_USED
        && R::FLOWS.iter().chain([&R::MAIN]).filter_map(|(_, f)| f(r)).all(|v| {
            v.abs() <= tol * scale_of(scales, r).max(1.0) || (r.material().is_some() && v.abs() <= shown_floor(tol))
        })
}

/// The flows and capacities of one section that changed, in entries present in both.
fn flows<R: Section>(cmp: &mut Comparison, a: &[R], b: &[R], tol: f64) {
    let changed = changed_fields(a, b, tol);
    cmp.flows.extend(changed);
}

/// The fields of [`Section::FLOWS`] that changed, in entries of one section present in both.
fn changed_fields<R: Section>(a: &[R], b: &[R], tol: f64) -> Vec<FlowDelta> {
    let mut out = Vec::new();
    let scales = material_scales(a, b);
    let kb: BTreeMap<Key, &R> = keyed(b).into_iter().collect();
    for (k, ra) in keyed(a) {
        let Some(rb) = kb.get(&k) else { continue };
        for (field, value) in R::FLOWS {
            let (x, y) = (value(ra), value(rb));
            let shown = match (x, y, ra.material()) {
                (Some(x), Some(y), Some(_)) => (y - x).abs() > shown_floor(tol),
                _ => true,
            };
            if shown && differs_at(x, y, tol, scale_of(&scales, ra)) {
                out.push(FlowDelta {
                    section: R::NAME.to_string(),
                    key: k.0.clone(),
                    period: k.1,
                    field: field.to_string(),
                    value: Delta::new(x, y),
                });
            }
        }
    }
    out
}

/// Who supplies each material: origin shares (by class and by country of mining) then
/// supply concentration (largest country's share, HHI), each section's largest change first;
/// a class, country or stage in one report only is an entry added or removed.
fn share_differences(cmp: &mut Comparison, a: &Compared, b: &Compared, tol: f64) {
    let (oa, ob) = (
        OriginShare::of(a.origin_shares.as_deref()),
        OriginShare::of(b.origin_shares.as_deref()),
    );
    presence(cmp, &oa, &ob, tol);
    presence(cmp, &a.concentration, &b.concentration, tol);
    for mut part in [
        changed_fields(&oa, &ob, tol),
        changed_fields(&a.concentration, &b.concentration, tol),
    ] {
        part.sort_by(|x, y| {
            by_abs_delta(&x.value, &y.value)
                .then_with(|| (&x.key, x.period, &x.field).cmp(&(&y.key, y.period, &y.field)))
        });
        cmp.shares.extend(part);
    }
}

fn by_abs_delta(x: &Delta, y: &Delta) -> std::cmp::Ordering {
    let mag = |d: &Delta| d.delta.map(f64::abs).unwrap_or(f64::INFINITY);
    mag(y).total_cmp(&mag(x))
}

fn plan_differences(cmp: &mut Comparison, a: &Compared, b: &Compared, tol: f64) {
    // Entries in one report only, for every keyed section, by section then key.
    presence(cmp, &a.mines, &b.mines, tol);
    presence(cmp, &a.plants, &b.plants, tol);
    presence(cmp, &a.imports, &b.imports, tol);
    presence(cmp, &a.shipments, &b.shipments, tol);
    presence(cmp, &a.demands, &b.demands, tol);
    presence(cmp, &a.targets, &b.targets, tol);
    presence(cmp, &a.constraints, &b.constraints, tol);
    presence(cmp, &a.prices, &b.prices, tol);
    presence(
        cmp,
        a.builds.as_deref().unwrap_or(&[]),
        b.builds.as_deref().unwrap_or(&[]),
        tol,
    );
    presence(
        cmp,
        a.stockpiles.as_deref().unwrap_or(&[]),
        b.stockpiles.as_deref().unwrap_or(&[]),
        tol,
    );

    // Flows and capacities of entries present in both.
    flows(cmp, &a.mines, &b.mines, tol);
    flows(cmp, &a.plants, &b.plants, tol);
    flows(cmp, &a.imports, &b.imports, tol);
    flows(cmp, &a.shipments, &b.shipments, tol);
    flows(cmp, &a.demands, &b.demands, tol);
    flows(
        cmp,
        a.builds.as_deref().unwrap_or(&[]),
        b.builds.as_deref().unwrap_or(&[]),
        tol,
    );
    flows(
        cmp,
        a.stockpiles.as_deref().unwrap_or(&[]),
        b.stockpiles.as_deref().unwrap_or(&[]),
        tol,
    );
    // Largest change first; ties by section order, then key, year and field (a stable sort
    // keeps the section order).
    cmp.flows.sort_by(|x, y| {
        by_abs_delta(&x.value, &y.value).then_with(|| (&x.key, x.period, &x.field).cmp(&(&y.key, y.period, &y.field)))
    });

    target_differences(cmp, a, b, tol);
    share_differences(cmp, a, b, tol);

    // Binding set: constraints present in both whose `binding` flipped, by name.
    let cb: BTreeMap<Key, &ComparedConstraint> = keyed(&b.constraints).into_iter().collect();
    for (name, ra) in keyed(&a.constraints) {
        let Some(rb) = cb.get(&name) else { continue };
        match (ra.binding, rb.binding) {
            (false, true) => cmp.now_binding.push(name.0),
            (true, false) => cmp.now_slack.push(name.0),
            _ => {}
        }
    }
    cmp.now_binding.sort();
    cmp.now_slack.sort();

    // Delivered prices.
    let pb: BTreeMap<Key, &PriceRow> = keyed(&b.prices).into_iter().collect();
    for (k, ra) in keyed(&a.prices) {
        let Some(rb) = pb.get(&k) else { continue };
        let (x, y) = (ra.marginal_cost, rb.marginal_cost);
        if differs(x, y, tol) {
            cmp.prices.push(PriceDelta {
                region: ra.region.to_string(),
                // With origin tracking a price is a class's: `oxide~usmca`.
                material: match &ra.origin {
                    Some(class) => format!("{}~{class}", ra.material),
                    None => ra.material.to_string(),
                },
                period: k.1,
                value: Delta::new(x, y),
            });
        }
    }
    cmp.prices.sort_by(|x, y| {
        by_abs_delta(&x.value, &y.value)
            .then_with(|| (&x.region, &x.material, x.period).cmp(&(&y.region, &y.material, y.period)))
    });
}

/// Targets: every id of either report, by id.
fn target_differences(cmp: &mut Comparison, a: &Compared, b: &Compared, tol: f64) {
    let ma: BTreeMap<Key, &TargetRow> = keyed(&a.targets).into_iter().collect();
    let mb: BTreeMap<Key, &TargetRow> = keyed(&b.targets).into_iter().collect();
    let ids: BTreeSet<&Key> = ma.keys().chain(mb.keys()).collect();
    for id in ids {
        let ra = ma.get(id).copied();
        let rb = mb.get(id).copied();
        let any = ra.or(rb);
        let (sha, shb) = (ra.map(|t| t.achieved_share), rb.map(|t| t.achieved_share));
        let (mva, mvb) = (ra.and_then(|t| t.marginal_value), rb.and_then(|t| t.marginal_value));
        let (capa, capb) = (ra.map(|t| t.max_import_share), rb.map(|t| t.max_import_share));
        let flag = |r: Option<&TargetRow>| r.map(|t| t.binding);
        let changed = ra.is_none()
            || rb.is_none()
            || differs(sha, shb, tol)
            || differs(mva, mvb, tol)
            || differs(capa, capb, tol)
            || flag(ra) != flag(rb);
        cmp.targets.push(TargetDelta {
            id: id.0.clone(),
            period: id.1,
            material: any.map(|t| t.material.to_string()),
            scope: any.map(|t| t.scope.to_string()),
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
        Some(v) if v.is_finite() => signed_places(v, places(v, 2, 4), "%"),
        _ => "-".into(),
    }
}

/// `v` with a sign and `places` decimals then `unit`; `0` and the unit alone when it rounds
/// to zero there (never `+0.0000` or `-0.0000`: a change below what is shown is none).
fn signed_places(v: f64, places: usize, unit: &str) -> String {
    let shown = format!("{:+.*}", places, v);
    match shown[1..].bytes().all(|b| b == b'0' || b == b'.') {
        true => format!("0{unit}"),
        false => format!("{shown}{unit}"),
    }
}

/// Decimal places to show a change `v` (in percent or points) with: `at_least`, or as many
/// as make its first two significant digits visible, up to `at_most` (4: a millionth, the
/// default tolerance), so that a change the tolerance counts never reads `+0.0`.
fn places(v: f64, at_least: usize, at_most: usize) -> usize {
    let a = v.abs();
    if a == 0.0 || a >= 0.5 * 10f64.powi(-(at_least as i32)) {
        return at_least;
    }
    ((-a.log10()).ceil() as usize + 1).clamp(at_least, at_most)
}

fn share(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "-".into())
}

fn points(x: Option<f64>) -> String {
    x.map(|v| signed_places(v * 100.0, places(v * 100.0, 1, 4), " pp"))
        .unwrap_or_else(|| "-".into())
}

fn yes(x: Option<bool>) -> String {
    match x {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => "-".into(),
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

/// The money unit of the comparison: B's currency, else A's.
fn currency(c: &Comparison) -> String {
    c.b.currency
        .clone()
        .or(c.a.currency.clone())
        .unwrap_or_else(|| "USD".into())
}

/// The titled tables of a comparison, those with rows only (shared by text and Markdown).
fn tables(c: &Comparison) -> Vec<(String, Table)> {
    let currency = currency(c);
    let mut out = vec![
        costs_table(c, &currency),
        periods_table(c, &currency),
        targets_table(c, &currency),
        flows_table(c),
        shares_table(c),
        entries_table(c),
        binding_table(c),
        prices_table(c, &currency),
    ];
    out.retain(|(_, t)| !t.is_empty());
    out
}

/// A value of report `label`, or `no plan` when that report has none.
fn value_or_no_plan(x: Option<f64>, label: &str, missing: Option<&str>) -> String {
    match missing {
        Some(m) if m.contains(label) => "no plan".into(),
        _ => opt(x),
    }
}

fn costs_table(c: &Comparison, currency: &str) -> (String, Table) {
    let mut t = Table::new(&["category", "A", "B", "change", "%"], 1);
    for x in c.costs.iter().filter(|x| x.changed) {
        let (change, pc) = match x.no_plan_in {
            Some(m) => (format!("no plan in {m}"), format!("no plan in {m}")),
            None => (signed(x.value.delta), pct(x.value.pct)),
        };
        t.push(vec![
            x.category.clone(),
            value_or_no_plan(x.value.a, "A", x.no_plan_in),
            value_or_no_plan(x.value.b, "B", x.no_plan_in),
            change,
            pc,
        ]);
    }
    let unit = match c.periods {
        Some(_) => format!("{currency}, weighted totals over the periods"),
        None => format!("{currency}/yr"),
    };
    (format!("Cost categories that changed ({unit})"), t)
}

/// A table whose first `left` columns are aligned left, with a `year` column after the
/// first `at` when the comparison has periods (reports without periods keep their tables).
fn table_with_year(c: &Comparison, header: &[&str], left: usize, at: usize) -> Table {
    if c.periods.is_none() {
        return Table::new(header, left);
    }
    let mut h = header.to_vec();
    h.insert(at, "year");
    Table::new(&h, left + usize::from(at < left))
}

/// `cells` with the year of `period` after the first `at` when the comparison has periods.
fn with_year(c: &Comparison, mut cells: Vec<String>, at: usize, period: Option<i64>) -> Vec<String> {
    if c.periods.is_some() {
        cells.insert(at, period.map_or_else(|| "-".into(), |y| y.to_string()));
    }
    cells
}

fn periods_table(c: &Comparison, currency: &str) -> (String, Table) {
    let mut t = Table::new(&["year", "A", "B", "change", "%"], 1);
    for x in c.periods.iter().flatten().filter(|x| x.changed) {
        let (change, pc) = match c.no_plan_in {
            Some(m) => (format!("no plan in {m}"), format!("no plan in {m}")),
            None => (signed(x.objective.delta), pct(x.objective.pct)),
        };
        t.push(vec![
            x.year.to_string(),
            value_or_no_plan(x.objective.a, "A", c.no_plan_in),
            value_or_no_plan(x.objective.b, "B", c.no_plan_in),
            change,
            pc,
        ]);
    }
    (
        format!("Annual cost of the periods that changed ({currency}/yr in each year, undiscounted)"),
        t,
    )
}

fn targets_table(c: &Comparison, currency: &str) -> (String, Table) {
    let changed_targets = c.targets.iter().filter(|x| x.changed).count();
    let title = format!(
        "Targets ({} changed of {}; value = cost saved per point of share, {currency})",
        changed_targets,
        c.targets.len()
    );
    let mut t = table_with_year(
        c,
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
        1,
    );
    for x in c.targets.iter().filter(|x| x.changed) {
        let cells = vec![
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
        ];
        t.push(with_year(c, cells, 1, x.period));
    }
    (title, t)
}

fn flows_table(c: &Comparison) -> (String, Table) {
    let mut t = table_with_year(c, &["section", "entry", "field", "A", "B", "change", "%"], 3, 2);
    for x in &c.flows {
        let cells = vec![
            x.section.clone(),
            x.key.clone(),
            x.field.clone(),
            opt(x.value.a),
            opt(x.value.b),
            signed(x.value.delta),
            pct(x.value.pct),
        ];
        t.push(with_year(c, cells, 2, x.period));
    }
    (
        format!("Flows and capacities that changed (t/yr, beyond tol {:e})", c.tol),
        t,
    )
}

fn shares_table(c: &Comparison) -> (String, Table) {
    let mut t = table_with_year(c, &["section", "entry", "field", "A", "B", "change"], 3, 2);
    for x in &c.shares {
        let (a, b, change) = if x.field == "hhi" {
            (opt(x.value.a), opt(x.value.b), signed(x.value.delta))
        } else {
            (share(x.value.a), share(x.value.b), points(x.value.delta))
        };
        let cells = vec![x.section.clone(), x.key.clone(), x.field.clone(), a, b, change];
        t.push(with_year(c, cells, 2, x.period));
    }
    (
        format!(
            "Who supplies each material: origin and concentration shares that changed (beyond tol {:e})",
            c.tol
        ),
        t,
    )
}

fn entries_table(c: &Comparison) -> (String, Table) {
    let mut t = table_with_year(c, &["in", "section", "entry", "field", "value"], 4, 3);
    for (label, list) in [("B only", &c.added), ("A only", &c.removed)] {
        for e in list {
            let cells = vec![
                label.into(),
                e.section.clone(),
                e.key.clone(),
                e.field.clone().unwrap_or_else(|| "-".into()),
                // A share reads as the other tables print shares (a bare `1` read as 1%).
                match e.field.as_deref() {
                    Some("share") => share(e.value),
                    _ => opt(e.value),
                },
            ];
            t.push(with_year(c, cells, 3, e.period));
        }
    }
    ("Entries in one report only".into(), t)
}

fn binding_table(c: &Comparison) -> (String, Table) {
    let mut t = Table::new(&["constraint", "now"], 2);
    for n in &c.now_binding {
        t.push(vec![n.clone(), "binding in B (slack in A)".into()]);
    }
    for n in &c.now_slack {
        t.push(vec![n.clone(), "slack in B (binding in A)".into()]);
    }
    ("Binding set".into(), t)
}

fn prices_table(c: &Comparison, currency: &str) -> (String, Table) {
    let mut t = table_with_year(c, &["region", "material", "A", "B", "change", "%"], 2, 2);
    for x in &c.prices {
        let cells = vec![
            x.region.clone(),
            x.material.clone(),
            opt(x.value.a),
            opt(x.value.b),
            signed(x.value.delta),
            pct(x.value.pct),
        ];
        t.push(with_year(c, cells, 2, x.period));
    }
    (format!("Delivered prices that changed ({currency}/t)"), t)
}

fn objective_line(c: &Comparison) -> String {
    let unit = match c.periods {
        Some(_) => format!("{} (weighted total over the periods)", currency(c)),
        None => format!("{}/yr", currency(c)),
    };
    match (c.no_plan_in, c.objective.a, c.objective.b) {
        (Some(m), Some(a), _) => return format!("objective: A {} {unit}, no plan in {m}", num(a)),
        (Some(m), _, Some(b)) => return format!("objective: no plan in {m}, B {} {unit}", num(b)),
        (Some(m), _, _) => return format!("objective: no plan in {m}"),
        (None, _, _) => {}
    }
    let within = match c.objective_changed {
        true => String::new(),
        false => format!(", within the tolerance ({:e}): the same cost", c.tol),
    };
    format!(
        "objective: {} -> {} {unit}, change {} ({}){within}",
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
    for (title, t) in tables(c) {
        let _ = writeln!(out, "\n{title}");
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
    for (title, t) in tables(c) {
        let _ = writeln!(out, "\n### {title}\n");
        t.markdown(&mut out);
    }
    out
}

/// One self-contained HTML page: the two reports side by side (file, instance, status,
/// objective), then each table of changes with every rise and fall highlighted: red up and
/// green down where up is worse (costs, costs per period, delivered prices), blue up and amber
/// down elsewhere (flows, shares, entries), where a rise is neither good nor bad.
pub fn html(c: &Comparison) -> String {
    use crate::report::html::{esc, page, table};
    let mut body =
        String::from("<h1>What changed between the two reports</h1>\n<table id=\"sides\"><thead><tr><th></th>");
    body.push_str("<th>A (before)</th><th>B (after)</th></tr></thead><tbody>");
    let row = |label: &str, a: String, b: String| {
        let class = if a != b { " class=\"diff-more\"" } else { "" };
        format!(
            "<tr{class}><th>{label}</th><td>{}</td><td>{}</td></tr>",
            esc(&a),
            esc(&b)
        )
    };
    let side = |x: &Side| {
        [
            x.file.clone(),
            x.instance.clone().unwrap_or_else(|| "?".into()),
            x.status.clone(),
            x.overrides.join(" "),
        ]
    };
    let (a, b) = (side(&c.a), side(&c.b));
    for (i, label) in ["report", "instance", "status", "overrides"].iter().enumerate() {
        body.push_str(&row(label, a[i].clone(), b[i].clone()));
    }
    let value = |x: Option<f64>| x.map_or("-".to_string(), num);
    let _ = writeln!(
        body,
        "<tr><th>objective</th><td class=\"n\" data-key=\"objective.a\" data-value=\"{}\">{}</td>\
         <td class=\"n\" data-key=\"objective.b\" data-value=\"{}\">{}</td></tr></tbody></table>",
        c.objective.a.unwrap_or(f64::NAN),
        value(c.objective.a),
        c.objective.b.unwrap_or(f64::NAN),
        value(c.objective.b)
    );
    for n in &c.notes {
        let _ = writeln!(body, "<p class=\"meta\">note: {}</p>", esc(n));
    }
    if !c.changed {
        let _ = writeln!(body, "<p><b>No change</b> (tolerance {:e}).</p>", c.tol);
    } else {
        let _ = writeln!(body, "<p><b>{}</b></p>", esc(&objective_line(c)));
        let currency = currency(c);
        let costly = [
            costs_table(c, &currency).0,
            periods_table(c, &currency).0,
            prices_table(c, &currency).0,
        ];
        for (title, t) in tables(c) {
            let _ = writeln!(body, "<h2>{}</h2>", esc(&title));
            body.push_str(&highlight(&table(&t), &t, costly.contains(&title)));
        }
    }
    page("sourcing-opt comparison", &body)
}

/// Mark each row of a rendered change table up or down by the sign of its `change` column:
/// `diff-up`/`diff-down` (worse/better) where up is a cost, `diff-more`/`diff-less` elsewhere.
fn highlight(html: &str, t: &Table, costly: bool) -> String {
    let Some(col) = t.header().iter().position(|h| h == "change") else {
        return html.to_string();
    };
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    for r in t.rows() {
        let Some(at) = rest.find("<tr><td") else { break };
        out.push_str(&rest[..at]);
        let sign = r.get(col).map(|c| c.trim()).unwrap_or("");
        let class = match (sign.chars().next(), costly) {
            (Some('-'), true) if sign.len() > 1 => "diff-down",
            (Some('-'), false) if sign.len() > 1 => "diff-less",
            (Some(ch), true) if ch.is_ascii_digit() || ch == '+' => "diff-up",
            (Some(ch), false) if ch.is_ascii_digit() || ch == '+' => "diff-more",
            _ => "",
        };
        let class = if sign == "0" { "" } else { class };
        let _ = write!(out, "<tr class=\"{class}\"><td");
        rest = &rest[at + "<tr><td".len()..];
    }
    out.push_str(rest);
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

    fn report_value(objective: f64, mine_prod: f64, binding: bool) -> Value {
        let mine = |id: &str, production: f64| {
            json!({"id": id, "region": "R", "material": "x", "production_t": production, "capacity_t": 10.0,
                   "expansion_t": null, "utilisation": production / 10.0, "unit_cost": 1.0})
        };
        let costs = Costs {
            mining: objective,
            ..Costs::default()
        };
        json!({
            "schema": "sourcing-opt/report/1",
            "instance": {"name": "t", "path": "t.toml", "sha256": "00", "overrides": [], "scenario": null},
            "status": "optimal",
            "message": null,
            "objective": objective,
            "currency": "USD",
            "costs": costs,
            "mines": [mine("m1", mine_prod), mine("m2", 1.0)],
            "plants": [], "imports": [], "shipments": [], "demands": [],
            "targets": [{"id": "t1", "material": "x", "scope": "US", "max_import_share": 0.5, "achieved_share": 0.5,
                         "imports": 1.0, "consumption": 2.0, "binding": binding, "marginal_value": 3.0,
                         "marginal_value_per_point": 0.03}],
            "constraints": [{"name": "mine_capacity[m1]", "activity": mine_prod, "binding": binding}],
            "prices": [{"region": "R", "material": "x", "marginal_cost": 7.0}],
        })
    }

    fn report(objective: f64, mine_prod: f64, binding: bool) -> Compared {
        serde_json::from_value(report_value(objective, mine_prod, binding)).expect("a report")
    }

    /// Every field compare reads is in the reports this build writes: renaming one in the
    /// report fails here (the typed rows fail to compile instead).
    #[test]
    fn a_report_of_this_build_reads_back() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../instances/usmca_critical_minerals.toml");
        let source = std::fs::read_to_string(path).expect("the shipped instance");
        let inst = sourcing_models::load_str(&source).instance.expect("a valid instance");
        let info = InstanceInfo {
            name: inst.meta.name.clone(),
            path: "x.toml".into(),
            sha256: "0".repeat(64),
            overrides: vec![],
            scenario: None,
        };
        let rep = crate::pipeline::run(&inst, info, &crate::pipeline::RunOptions::default()).0;
        let v = serde_json::to_value(&rep).expect("a report serialises");
        check(&v).expect("a report of the contract");
        let back: Compared = serde_json::from_value(v).expect("compare reads the report");
        assert_eq!(back.constraints.len(), rep.constraints.len());
        assert!(back.constraints.iter().any(|c| c.binding));
        let c = compare(&back, &back, "a", "b", DEFAULT_TOL);
        assert!(!c.changed, "{}", text(&c));
        // A field renamed or missing in a row is an error, not a row compared as empty.
        let mut v = serde_json::to_value(&rep).expect("a report serialises");
        let row = v["constraints"][0].as_object_mut().expect("a row");
        let binding = row.remove("binding").expect("a `binding` field");
        row.insert("is_binding".into(), binding);
        assert!(serde_json::from_value::<Compared>(v).is_err());
    }

    /// A damaged report names the file, line and column of the value that is wrong (it gave
    /// serde's message alone, with no place).
    #[test]
    fn a_damaged_report_is_located() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("r.json");
        let mut v = report_value(10.0, 4.0, true);
        v["mines"][1]["production_t"] = json!("lots");
        let text = serde_json::to_string_pretty(&v).unwrap();
        std::fs::write(&path, &text).unwrap();
        let e = load(&path).unwrap_err();
        let line = 1 + text[..text.find("\"lots\"").unwrap()].matches('\n').count();
        let shown = path.display();
        assert!(
            e.starts_with(&format!(
                "error: `{shown}` is not a sourcing-opt report: invalid type: string \"lots\""
            )),
            "{e}"
        );
        assert!(e.contains(&format!(" at {shown}:{line}:")), "{e}");
    }

    /// A report with origin shares and a concentration row: use of silver in the US by class
    /// and country of mining (`by_country`), and the processing stage's concentration.
    fn with_shares(classes: [f64; 2], countries: &[(&str, f64)], hhi: f64) -> Compared {
        let mut v = report_value(10.0, 4.0, true);
        let by_country: serde_json::Map<String, Value> =
            countries.iter().map(|(k, x)| (k.to_string(), json!(x))).collect();
        v["origin_shares"] = json!([{"material": "silver", "scope": "US", "use_t": 100.0,
            "shares": {"usmca": classes[0], "other": classes[1]}, "by_country": by_country, "mixed": {}}]);
        v["concentration"] = json!([{"material": "silver", "stage": "processing", "total_t": 100.0,
            "by_country": [], "largest_country": "MX", "largest_share": 0.6, "hhi": hhi, "above_benchmark": false}]);
        serde_json::from_value(v).expect("a report")
    }

    /// Who supplies a material is compared: a class's share, a country's share of mining, a
    /// country that appears, and the concentration index, each by its key; shares shown in
    /// percentage points.
    #[test]
    fn origin_shares_and_concentration_are_compared() {
        let a = with_shares([0.6, 0.4], &[("MX", 0.6), ("CN", 0.4)], 5200.0);
        let b = with_shares([0.9, 0.1], &[("MX", 0.6), ("CA", 0.3), ("CN", 0.1)], 4600.0);
        assert!(!compare(&a, &a, "a", "b", DEFAULT_TOL).changed);
        let c = compare(&a, &b, "a", "b", DEFAULT_TOL);
        assert!(c.changed && c.flows.is_empty(), "{}", text(&c));
        let got: Vec<(&str, &str, &str, f64)> = c
            .shares
            .iter()
            .map(|x| {
                (
                    x.section.as_str(),
                    x.key.as_str(),
                    x.field.as_str(),
                    x.value.delta.unwrap(),
                )
            })
            .collect();
        let want = [
            ("origin_shares", "silver in US: mined in CN", "share", -0.3),
            ("origin_shares", "silver in US: other", "share", -0.3),
            ("origin_shares", "silver in US: usmca", "share", 0.3),
            ("concentration", "silver processing", "hhi", -600.0),
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0, g.1, g.2), (w.0, w.1, w.2), "{got:?}");
            assert!((g.3 - w.3).abs() < 1e-9, "{got:?}");
        }
        let added: Vec<&str> = c.added.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(added, ["silver in US: mined in CA"]);
        let shown = text(&c);
        assert!(
            shown.contains("Who supplies each material") && shown.contains("+30.0 pp"),
            "{shown}"
        );
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
        b.mines.reverse();
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
    fn a_report_without_a_plan_is_no_plan_not_minus_100_percent() {
        let plan = report(10.0, 4.0, true);
        let mut none = report(0.0, 0.0, false);
        none.status = "infeasible".into();
        none.objective = None;
        for (a, b, side) in [(&plan, &none, "B"), (&none, &plan, "A")] {
            let c = compare(a, b, "a", "b", DEFAULT_TOL);
            assert_eq!(c.no_plan_in, Some(side));
            let mining = c.costs.iter().find(|x| x.category == "mining").unwrap();
            assert!(mining.changed && mining.no_plan_in == Some(side));
            assert_eq!((mining.value.delta, mining.value.pct), (None, None));
            assert!(
                c.costs.iter().filter(|x| x.changed).count() == 1,
                "only mining has a cost"
            );
            for out in [text(&c), markdown(&c)] {
                assert!(out.contains(&format!("no plan in {side}")), "{out}");
                assert!(!out.contains("100.00%"), "{out}");
            }
            let v: Value = serde_json::from_str(&json(&c)).unwrap();
            assert_eq!(v["no_plan_in"], side);
            assert_eq!(v["costs"][0]["no_plan_in"], side);
            assert!(v["costs"][0]["pct"].is_null());
        }
    }

    #[test]
    fn a_report_with_periods_against_one_without_says_so() {
        let a = report(10.0, 4.0, true);
        let mut b = report(10.0, 4.0, true);
        b.periods = Some(Vec::new());
        b.costs.as_mut().expect("a plan has costs").known.stockpile = Some(3.0);
        let c = compare(&a, &b, "a", "b", DEFAULT_TOL);
        // The stockpile category is compared (null in the report without it).
        let stock = c
            .costs
            .iter()
            .find(|x| x.category == "stockpile")
            .expect("a stockpile category");
        assert!(
            stock.changed && stock.value.a.is_none() && stock.value.b == Some(3.0),
            "{stock:?}"
        );
        assert!(
            c.notes.iter().any(|n| n.starts_with("B has periods and A has none")),
            "{:?}",
            c.notes
        );
        assert!(compare(&a, &a, "a", "b", DEFAULT_TOL).notes.is_empty());
    }

    /// A shipment of `tonnes` of `material` on lane `lane`.
    fn ship(lane: &str, material: &str, tonnes: f64) -> ShipmentRow {
        ShipmentRow {
            period: None,
            lane: lane.into(),
            from: "A".into(),
            to: "B".into(),
            mode: "rail".into(),
            material: material.into(),
            tonnes,
            transport_cost: 0.0,
            tariff_paid: 0.0,
            in_transit_cost: 0.0,
            origin: None,
        }
    }

    /// An interior point's grams are judged on their material's scale: a shipment of 3e-8 t
    /// in one report only, or a flow changed by 1e-4 t, beside 81,260 t of the material, is
    /// no change (they flooded a comparison with 20,000 rows); on gallium's scale of 4.5 t a
    /// tonne is one; `--tol` governs both.
    #[test]
    fn dust_is_judged_on_its_materials_scale() {
        let a = vec![
            ship("big", "copper", 81_260.0),
            ship("moved", "copper", 100.0),
            ship("ga", "gallium", 4.5),
        ];
        let mut b = a.clone();
        b[1].tonnes += 1e-4;
        b.push(ship("dust", "copper", 3e-8));
        b.push(ship("ga2", "gallium", 1.0));
        let (removed, added) = one_sided(&a, &b, 1e-6);
        let added: Vec<&str> = added.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(added, ["ga2 (A->B, gallium)"]);
        assert!(removed.is_empty());
        assert!(changed_fields(&a, &b, 1e-6).is_empty());
        let changed = changed_fields(&a, &b, 1e-12);
        assert_eq!(changed.len(), 1, "{changed:?}");
        assert_eq!(one_sided(&a, &b, 1e-14).1.len(), 2);
        // At the default tolerance a change that the tables print as 0 (below 5e-5 t) is
        // none, even on gallium's scale, where the relative tolerance is 4.5e-6 t.
        let mut c = a.clone();
        c[2].tonnes += 3e-5;
        c.push(ship("ga3", "gallium", 4e-5));
        assert!(changed_fields(&a, &c, DEFAULT_TOL).is_empty());
        assert!(one_sided(&a, &c, DEFAULT_TOL).1.is_empty());
        c[2].tonnes += 1e-4;
        assert_eq!(changed_fields(&a, &c, DEFAULT_TOL).len(), 1);
    }

    #[test]
    fn differs_is_relative_with_a_floor() {
        assert!(!differs(Some(1e6), Some(1e6 + 0.5), 1e-6));
        assert!(differs(Some(1e6), Some(1e6 + 2.0), 1e-6));
        assert!(!differs(Some(0.0), Some(5e-7), 1e-6));
        assert!(differs(Some(0.0), None, 1e-6));
        // A cost category on the objective's scale.
        assert!(!differs_at(Some(0.0), Some(0.15), 1e-6, 2e11));
        assert!(differs_at(Some(0.0), Some(3e5), 1e-6, 2e11));
    }

    /// A change the tolerance counts never prints as `+0.0`: small changes get the digits
    /// that show them.
    #[test]
    fn small_changes_show_their_first_digits() {
        // No percentage from a value that is nothing: 0, what prints as 0, or dust beside b.
        assert_eq!(Delta::new(Some(100.0), Some(120.0)).pct, Some(20.0));
        assert_eq!(Delta::new(Some(-2.0), Some(-1.0)).pct, Some(50.0));
        for a in [0.0, 3.7e-8, 4e-5] {
            assert_eq!(Delta::new(Some(a), Some(81_260.0)).pct, None, "{a}");
        }
        assert_eq!(Delta::new(Some(0.05), Some(81_260_000.0)).pct, None);
        assert_eq!(Delta::new(Some(0.5), Some(81_260.0)).pct, Some(100.0 * 81_259.5 / 0.5));
        assert_eq!(points(Some(0.123)), "+12.3 pp");
        assert_eq!(points(Some(-2e-5)), "-0.0020 pp");
        assert_eq!(points(Some(4e-11)), "0 pp", "below the default tolerance");
        assert_eq!(points(Some(-4e-11)), "0 pp", "no sign on a change that shows as none");
        assert_eq!(points(Some(3e-4)), "+0.030 pp");
        assert_eq!(points(Some(0.0)), "0 pp");
        assert_eq!(pct(Some(0.0012)), "+0.0012%");
        assert_eq!(pct(Some(-1.5)), "-1.50%");
    }

    #[test]
    fn a_value_without_schema_is_rejected() {
        assert!(check(&json!({"status": "optimal"})).is_err());
        assert!(check(&json!([1, 2])).is_err());
        assert!(check(&report_value(1.0, 1.0, true)).is_ok());
    }
}
