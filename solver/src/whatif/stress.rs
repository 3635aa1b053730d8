//! N-1 disruption ranking: the cases of `sourcing-opt stress` (one removal each, written as
//! `--set` overrides so that every case can be reproduced with `solve`), their ranking, and
//! the renderers of the ranking.
//!
//! A removal sets capacities to 0 (model.md: `capacity` bounds the flow, `expansion.max`
//! bounds the capacity added), so the entry stays in the instance and every reference to it
//! stays valid:
//!
//! - mine / plant `X`: `mines.X.capacity=0`, plus `mines.X.expansion.max=0` when it has an
//!   expansion (`plants.` likewise);
//! - import offer `X`: `imports.X.capacity=0`;
//! - lane `X`: `lanes.X.capacity=0` (both directions of a bidirectional lane);
//! - foreign country `C`: every offer whose `origin` is `C`, every mine and plant located in
//!   a region of `C`, and every lane that starts or ends in a region of `C`, all as above. A
//!   country is foreign when it is in the scope of no target and no demand sits in any of
//!   its regions; a foreign country with nothing to remove is no case.
//!
//! With periods (`meta.periods`), those overrides replace each series by a constant 0: the
//! entry is removed over the whole horizon (the default). `stress --period YEAR` removes
//! each entry in that one year only ([`idle`]): in that year's LP block, a removed mine's or
//! plant's capacity row gets right-hand side 0 and loses the capacity its expansion adds
//! (`prod[m@YEAR] <= 0`: a facility that is out is out, new capacity included), and a removed
//! offer's or lane's capacity row gets right-hand side 0 (added, with its contract name, where
//! the entry has no capacity). Every other year is as in the base case, and expansions may
//! still be built. No `--set` expresses this (an override cannot idle expansion capacity in
//! one year), so such a case is reproduced by `stress --period YEAR`, and its row lists the
//! capacity rows it sets to 0 in place of overrides. Every rendering says which removal
//! was run (a header line, the CSV's `removed_in` column, the JSON's `removed_in`); a
//! ranking of an instance without periods is as it always was.
//!
//! Ranking: cases whose plan is infeasible first: those where a demand without
//! `unmet_penalty` cannot be served even with every import target relaxed (cause `supply`)
//! before those that only break an import-dependency target (cause `targets`), each by the
//! size of its shortfall, largest first (see [`Shortfall`]); then optimal
//! cases by cost increase over the base case, largest first (unmet
//! demand is already priced by its `unmet_penalty` in the objective), then cases the solver
//! or the validation could not settle. Ties (cost increases that round to 0 in steps of
//! `1e-9 * max(1, |base|)`, shown as 0) are broken by kind (mine, plant, import, lane,
//! country), then id.

use crate::diagnose::Diagnosis;
use crate::lp::{Dir, RowKey, Sense, VarKey};
use crate::model::formulate::Model;
use crate::report::table::{Align, Table};
use crate::report::{csv, InstanceInfo, Report};
use serde::Serialize;
use sourcing_models::Instance;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The `schema` of the ranking's JSON rendering.
pub const SCHEMA: &str = "sourcing-opt/stress/1";

/// What a case removes. The order of the variants is the tie-breaking order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Mine,
    Plant,
    Import,
    Lane,
    Country,
}

impl Kind {
    /// The name used in every rendering.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Mine => "mine",
            Kind::Plant => "plant",
            Kind::Import => "import",
            Kind::Lane => "lane",
            Kind::Country => "country",
        }
    }
}

/// One entry a case removes (an index into the instance's collection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Mine(usize),
    Plant(usize),
    Import(usize),
    Lane(usize),
}

/// One disruption: what is removed and the overrides that remove it.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub kind: Kind,
    pub id: String,
    /// `--set` assignments, in the order they are applied (over the whole horizon); for a
    /// removal in one period ([`in_period`]), the capacity rows set to 0 instead.
    pub overrides: Vec<String>,
    /// The entries removed, in the order of `overrides`.
    pub removes: Vec<Removal>,
}

fn mine_overrides(inst: &Instance, m: usize, out: &mut Vec<String>) {
    let mine = &inst.mines[m];
    out.push(format!("mines.{}.capacity=0", mine.id));
    if mine.expansion.is_some() {
        out.push(format!("mines.{}.expansion.max=0", mine.id));
    }
}

fn plant_overrides(inst: &Instance, p: usize, out: &mut Vec<String>) {
    let plant = &inst.plants[p];
    out.push(format!("plants.{}.capacity=0", plant.id));
    if plant.expansion.is_some() {
        out.push(format!("plants.{}.expansion.max=0", plant.id));
    }
}

/// Countries that are foreign to the instance: in no target's scope, with no demand in
/// their regions. In instance order.
pub fn foreign_countries(inst: &Instance) -> Vec<usize> {
    let mut home: BTreeSet<usize> = BTreeSet::new();
    for t in 0..inst.targets.len() {
        home.extend(inst.scope_countries(t));
    }
    for d in &inst.demands {
        home.insert(inst.region_country(d.region));
    }
    (0..inst.countries.len()).filter(|c| !home.contains(c)).collect()
}

/// Every case of the N-1 run, in instance order within each kind.
pub fn cases(inst: &Instance) -> Vec<Case> {
    let mut out = Vec::new();
    for (m, mine) in inst.mines.iter().enumerate() {
        let mut o = Vec::new();
        mine_overrides(inst, m, &mut o);
        out.push(Case {
            kind: Kind::Mine,
            id: mine.id.to_string(),
            overrides: o,
            removes: vec![Removal::Mine(m)],
        });
    }
    for (p, plant) in inst.plants.iter().enumerate() {
        let mut o = Vec::new();
        plant_overrides(inst, p, &mut o);
        out.push(Case {
            kind: Kind::Plant,
            id: plant.id.to_string(),
            overrides: o,
            removes: vec![Removal::Plant(p)],
        });
    }
    for (i, offer) in inst.imports.iter().enumerate() {
        out.push(Case {
            kind: Kind::Import,
            id: offer.id.to_string(),
            overrides: vec![format!("imports.{}.capacity=0", offer.id)],
            removes: vec![Removal::Import(i)],
        });
    }
    for (l, lane) in inst.lanes.iter().enumerate() {
        out.push(Case {
            kind: Kind::Lane,
            id: lane.id.to_string(),
            overrides: vec![format!("lanes.{}.capacity=0", lane.id)],
            removes: vec![Removal::Lane(l)],
        });
    }
    for c in foreign_countries(inst) {
        let in_c = |region: usize| inst.region_country(region) == c;
        let mut o = Vec::new();
        let mut removes = Vec::new();
        for (i, offer) in inst.imports.iter().enumerate().filter(|(_, i)| i.origin == c) {
            o.push(format!("imports.{}.capacity=0", offer.id));
            removes.push(Removal::Import(i));
        }
        for m in (0..inst.mines.len()).filter(|&m| in_c(inst.mines[m].region)) {
            mine_overrides(inst, m, &mut o);
            removes.push(Removal::Mine(m));
        }
        for p in (0..inst.plants.len()).filter(|&p| in_c(inst.plants[p].region)) {
            plant_overrides(inst, p, &mut o);
            removes.push(Removal::Plant(p));
        }
        for (l, lane) in inst
            .lanes
            .iter()
            .enumerate()
            .filter(|(_, l)| in_c(l.from) || in_c(l.to))
        {
            o.push(format!("lanes.{}.capacity=0", lane.id));
            removes.push(Removal::Lane(l));
        }
        if !o.is_empty() {
            out.push(Case {
                kind: Kind::Country,
                id: inst.countries[c].id.to_string(),
                overrides: o,
                removes,
            });
        }
    }
    out
}

/// The cases of a removal in period `p` only: the same entries as [`cases`], each case
/// listing the capacity rows of period `p` that [`idle`] sets to 0 in place of overrides.
pub fn in_period(inst: &Instance, cases: Vec<Case>, p: usize) -> Vec<Case> {
    let at = |key: RowKey| {
        let mut name = crate::lp::row_name(&key, inst);
        name.pop();
        format!("{name}{}]<=0", inst.period_suffix(p))
    };
    cases
        .into_iter()
        .map(|mut c| {
            c.overrides = c
                .removes
                .iter()
                .flat_map(|r| match *r {
                    Removal::Mine(m) => vec![at(RowKey::MineCapacity(m as u32))],
                    Removal::Plant(k) => vec![at(RowKey::PlantCapacity(k as u32))],
                    Removal::Import(i) => vec![at(RowKey::ImportCapacity(i as u32))],
                    Removal::Lane(l) => lane_dirs(inst, l)
                        .into_iter()
                        .map(|dir| at(RowKey::LaneCapacity { lane: l as u32, dir }))
                        .collect(),
                })
                .collect();
            c
        })
        .collect()
}

/// The directions lane `l` runs in.
fn lane_dirs(inst: &Instance, l: usize) -> Vec<Dir> {
    match inst.lanes[l].bidirectional {
        true => vec![Dir::Forward, Dir::Backward],
        false => vec![Dir::Forward],
    }
}

/// `model` with the entries `removes` idle in period `p` (see the module documentation):
/// their capacity rows of period `p` get right-hand side 0, without the capacity an
/// expansion adds; an offer or lane without a capacity gets the row.
pub fn idle(model: &Model, removes: &[Removal], p: usize) -> Model {
    let lp = &model.lp;
    let has = |r: Removal| removes.contains(&r);
    let mut out = lp.columns_only();
    let mut terms: Vec<(u32, f64)> = Vec::new();
    let mut capped = Vec::new();
    for i in 0..lp.n_rows() {
        let gone = lp.row_period(i) == p
            && match lp.rows()[i] {
                RowKey::MineCapacity(m) => has(Removal::Mine(m as usize)),
                RowKey::PlantCapacity(k) => has(Removal::Plant(k as usize)),
                RowKey::ImportCapacity(o) => has(Removal::Import(o as usize)),
                RowKey::LaneCapacity { lane, .. } => has(Removal::Lane(lane as usize)),
                _ => false,
            };
        if !gone {
            terms.extend(lp.row(i).map(|(c, v)| (c as u32, v)));
            out.add_row_like(lp, i, &mut terms, lp.senses()[i], lp.rhs()[i]);
            continue;
        }
        capped.push(lp.rows()[i]);
        // The facility's own flow only: capacity added by an expansion is out with it.
        let own = lp
            .row(i)
            .filter(|&(c, _)| !matches!(lp.vars()[c], VarKey::MineExp(_) | VarKey::PlantExp(_)));
        terms.extend(own.map(|(c, v)| (c as u32, v)));
        out.add_row_like(lp, i, &mut terms, Sense::Le, 0.0);
    }
    // Offers and lanes without a capacity have no row to set: add one.
    out.set_period(p);
    let cols = &model.cols[p];
    for r in removes {
        match *r {
            Removal::Import(o) if !capped.contains(&RowKey::ImportCapacity(o as u32)) => {
                terms.push((cols.buy[o], 1.0));
                out.add_row(RowKey::ImportCapacity(o as u32), &mut terms, Sense::Le, 0.0);
            }
            Removal::Lane(l) => {
                for group in cols.ship.chunk_by(|a, b| a.lane == b.lane && a.dir == b.dir) {
                    let key = RowKey::LaneCapacity {
                        lane: group[0].lane,
                        dir: group[0].dir,
                    };
                    if group[0].lane as usize == l && !capped.contains(&key) {
                        terms.extend(group.iter().map(|s| (s.col, 1.0)));
                        out.add_row(key, &mut terms, Sense::Le, 0.0);
                    }
                }
            }
            _ => {}
        }
    }
    Model {
        lp: out,
        cols: model.cols.clone(),
        targets: model.targets.clone(),
    }
}

/// How far an infeasible case is from a plan, from the least relaxation of the diagnosis:
/// for cause `supply`, the t/yr of must-meet demand that cannot be served (with every
/// import target relaxed); for cause `targets`, the import share the targets must give up,
/// summed over the targets the diagnosis relaxes. With periods, each year's relaxations
/// (`demands.X.quantity.2027`) are summed apart and the shortfall is the largest year's: a
/// rate of one year, not the sum of the years' rates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shortfall {
    pub value: f64,
    /// `t/yr` or `share`.
    pub unit: &'static str,
}

impl Shortfall {
    /// The shortfall of a `supply` (demand reductions, t/yr) or `targets` (share) failure,
    /// read off the diagnosis' relaxations; `None` when it relaxed nothing of that kind.
    pub fn from_diagnosis(d: &Diagnosis, cause: &str) -> Option<Shortfall> {
        // The diagnosis rounds demands to 0.001 t/yr and shares to 0.0001; so does the sum.
        let (unit, demand, scale) = match cause {
            "targets" => ("share", false, 1e4),
            _ => ("t/yr", true, 1e3),
        };
        // By year: the key's last part when it is one (`....quantity.2027`), else one group.
        let mut by_year: Vec<(&str, f64)> = Vec::new();
        let relevant = d.relaxations.iter().filter(|r| {
            if demand {
                r.unit == "t/yr" && r.constraint.starts_with("demands.")
            } else {
                r.unit == "share"
            }
        });
        for r in relevant {
            let last = r.constraint.rsplit('.').next().unwrap_or_default();
            let year = if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
                last
            } else {
                ""
            };
            let change = (r.required - r.current).abs();
            match by_year.iter_mut().find(|(y, _)| *y == year) {
                Some((_, sum)) => *sum += change,
                None => by_year.push((year, change)),
            }
        }
        // A field that is not a series is relaxed in every year, on top of any one year's.
        let every_year = by_year
            .iter()
            .filter(|(y, _)| y.is_empty())
            .map(|&(_, sum)| sum)
            .sum::<f64>();
        let one_year = by_year
            .iter()
            .filter(|(y, _)| !y.is_empty())
            .map(|&(_, sum)| sum)
            .reduce(f64::max);
        if by_year.is_empty() {
            return None;
        }
        let worst = every_year + one_year.unwrap_or(0.0);
        Some(Shortfall {
            value: (worst * scale).round() / scale,
            unit,
        })
    }

    fn text(&self) -> String {
        format!("{} {}", crate::whatif::compare::num(self.value), self.unit)
    }
}

/// The result of one solve, as the ranking needs it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The report's status, or `invalid` when the overrides do not validate.
    pub status: String,
    pub objective: Option<f64>,
    /// The demands' `unmet`, t/yr (optimal plans only): summed over the demands, and with
    /// periods the worst year's (rates of different years are not added).
    pub unmet_t: Option<f64>,
    /// Why the plan is not optimal, when known.
    pub message: Option<String>,
    /// For an infeasible case: `targets` when relaxing every import-dependency target
    /// (`targets.*.max_import_share=1`) makes it feasible, `supply` when a demand that must
    /// be met cannot be served even then; null otherwise.
    pub cause: Option<String>,
    /// For an infeasible case: how far it is from a plan (see [`Shortfall`]).
    pub shortfall: Option<Shortfall>,
}

impl Outcome {
    /// Read the outcome off a report.
    pub fn from_report(rep: &Report) -> Self {
        let optimal = rep.status == "optimal";
        Outcome {
            status: rep.status.to_string(),
            objective: rep.objective,
            unmet_t: optimal.then(|| {
                crate::report::summary::unmet_by_year(&rep.demands)
                    .iter()
                    .fold(0.0, |worst, &(_, t)| f64::max(worst, t))
            }),
            message: rep.message.clone(),
            cause: None,
            shortfall: None,
        }
    }

    /// A case whose overrides or instance did not validate.
    pub fn invalid(message: impl Into<String>) -> Self {
        Outcome {
            status: "invalid".into(),
            objective: None,
            unmet_t: None,
            message: Some(message.into()),
            cause: None,
            shortfall: None,
        }
    }
}

/// One row of the ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// 1 = worst disruption.
    pub rank: usize,
    pub kind: Kind,
    pub id: String,
    pub status: String,
    pub objective: Option<f64>,
    /// `objective - base objective` (optimal cases only).
    pub cost_increase: Option<f64>,
    /// `100 * cost_increase / |base objective|` (null when the base costs 0).
    pub cost_increase_pct: Option<f64>,
    /// Total unmet demand of the case's plan, t/yr.
    pub unmet_t: Option<f64>,
    /// The `--set` assignments that reproduce the case with `solve` (after the run's own).
    pub overrides: Vec<String>,
    /// Infeasible cases: `targets` or `supply` (see [`Outcome::cause`]).
    pub cause: Option<String>,
    /// Infeasible cases: t/yr of demand that cannot be served, or share the targets must
    /// give up (see [`Shortfall`]).
    pub shortfall: Option<Shortfall>,
    pub message: Option<String>,
}

fn group(row: &Row) -> u8 {
    match (row.status.as_str(), row.cause.as_deref()) {
        ("infeasible", Some("supply")) => 0,
        ("infeasible", _) => 1,
        ("optimal", _) => 2,
        _ => 3,
    }
}

/// Rank the cases (see the module documentation for the order). `outcomes[i]` belongs to
/// `cases[i]`.
pub fn rank(base: &Outcome, cases: &[Case], outcomes: &[Outcome]) -> Vec<Row> {
    let base_obj = base.objective.unwrap_or(0.0);
    let quantum = 1e-9 * base_obj.abs().max(1.0);
    let mut rows: Vec<(i64, Row)> = cases
        .iter()
        .zip(outcomes)
        .map(|(c, o)| {
            // A change that is a tie with the base is shown as 0: a removal cannot lower the
            // least cost, and a base plan 15 USD dearer than the optimum (an interior-point
            // plan of a 1.9e11 USD path) made removals read as savings.
            let inc = match o.status == "optimal" {
                true => o
                    .objective
                    .map(|x| x - base_obj)
                    .map(|d| if d.abs() < 0.5 * quantum { 0.0 } else { d }),
                false => None,
            };
            // Quantised so that ties within the tolerance fall back to kind and id, with a
            // total order (`as` saturates). Infeasible cases: their shortfall (rounded by the
            // diagnosis to 0.001 t/yr or 0.0001 of share).
            let key = match (&o.shortfall, inc) {
                (Some(s), _) if o.status == "infeasible" => (s.value * 1e6).round() as i64,
                (_, Some(d)) => (d / quantum).round() as i64,
                _ => 0,
            };
            let row = Row {
                rank: 0,
                kind: c.kind,
                id: c.id.clone(),
                status: o.status.clone(),
                objective: o.objective,
                cost_increase: inc,
                cost_increase_pct: inc.filter(|_| base_obj != 0.0).map(|d| 100.0 * d / base_obj.abs()),
                unmet_t: o.unmet_t,
                overrides: c.overrides.clone(),
                cause: o.cause.clone(),
                shortfall: o.shortfall.clone(),
                message: o.message.clone(),
            };
            (key, row)
        })
        .collect();
    rows.sort_by(|(ka, a), (kb, b)| {
        group(a)
            .cmp(&group(b))
            .then(kb.cmp(ka))
            .then(a.kind.cmp(&b.kind))
            .then_with(|| a.id.cmp(&b.id))
    });
    rows.into_iter()
        .enumerate()
        .map(|(i, (_, mut r))| {
            r.rank = i + 1;
            r
        })
        .collect()
}

/// The whole ranking, as rendered.
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    pub schema: &'static str,
    pub instance: InstanceInfo,
    /// The backend asked for (`--backend`).
    pub backend: String,
    /// `meta.currency` of the instance.
    pub currency: String,
    pub base: Outcome,
    /// How the rows are ordered, in words.
    pub order: &'static str,
    /// With periods: `all` when each entry is removed over the whole horizon, or the year
    /// of `--period` (absent for an instance without periods).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_in: Option<String>,
    /// Number of cases solved, and of rows shown (`--top`).
    pub cases: usize,
    pub shown: usize,
    pub rows: Vec<Row>,
}

/// The order of the rows, as stated in every rendering.
pub const ORDER: &str = "infeasible first (no plan serves every demand that must be met within every import \
target; cause supply before cause targets, each by shortfall, largest first), then by cost increase over the base case, largest first (unmet demand is priced by its unmet_penalty), then cases that could not be \
solved; ties by kind (mine, plant, import, lane, country), then id";

fn num(x: Option<f64>) -> String {
    x.map(crate::whatif::compare::num).unwrap_or_else(|| "-".into())
}

fn pct(x: Option<f64>) -> String {
    match x {
        Some(0.0) => "0.00%".into(),
        Some(v) => format!("{v:+.2}%"),
        None => "-".into(),
    }
}

fn increase(x: Option<f64>) -> String {
    match x {
        Some(v) if v > 0.0 => format!("+{}", crate::whatif::compare::num(v)),
        other => num(other),
    }
}

fn header(r: &Ranking) -> Vec<String> {
    // With periods the objective is the weighted total over the horizon.
    let unit = match r.removed_in {
        Some(_) => format!("{} (weighted total over the periods)", r.currency),
        None => format!("{}/yr", r.currency),
    };
    let mut lines = vec![format!(
        "N-1 stress of {} ({}): base case {}, objective {} {unit}, unmet {} t/yr; {} cases, {} shown",
        r.instance.name,
        r.instance.path,
        r.base.status,
        num(r.base.objective),
        num(r.base.unmet_t),
        r.cases,
        r.shown
    )];
    if !r.instance.overrides.is_empty() {
        lines.push(format!("base overrides: {}", r.instance.overrides.join(" ")));
    }
    match r.removed_in.as_deref() {
        None => {}
        Some("all") => {
            lines.push("removal: each entry over the whole horizon (every period), by the overrides of its row".into())
        }
        Some(year) => lines.push(format!(
            "removal: each entry in {year} only (its capacity rows of {year} set to 0, capacity added by an \
             expansion included; other years as in the base case); no --set expresses this: reproduce a row \
             with `stress --period {year}`"
        )),
    }
    lines.push(format!("order: {}", ORDER));
    if r.rows.iter().any(|x| x.cause.is_some()) {
        lines.push(
            "infeasible (targets): feasible once every import target is relaxed (targets.*.max_import_share=1); \
infeasible (supply): a demand that must be met cannot be served even then; shortfall: t/yr of such \
demand that cannot be served (supply) or the import share the targets must give up, summed over targets (targets); with periods, in the worst year"
                .into(),
        );
    }
    if !is_period(r) {
        lines.push(format!(
            "reproduce a row: sourcing-opt solve {}{} --ranging off --set OVERRIDE ... (the row's overrides; `--ranging off` gives this run's interior-point plan, the same objective to the dollar, where the default vertex can differ by a few dollars)",
            r.instance.path,
            r.instance
                .overrides
                .iter()
                .map(|o| format!(" --set '{o}'"))
                .collect::<String>()
        ));
    }
    lines
}

/// True for a ranking of removals in one period (its rows list rows set to 0, not overrides).
fn is_period(r: &Ranking) -> bool {
    r.removed_in.as_deref().is_some_and(|w| w != "all")
}

fn cells(row: &Row) -> Vec<String> {
    vec![
        row.rank.to_string(),
        row.kind.as_str().to_string(),
        row.id.clone(),
        match &row.cause {
            Some(c) => format!("{} ({c})", row.status),
            None => row.status.clone(),
        },
        num(row.objective),
        increase(row.cost_increase),
        pct(row.cost_increase_pct),
        num(row.unmet_t),
        row.shortfall.as_ref().map_or_else(|| "-".into(), Shortfall::text),
        row.overrides.join(" "),
    ]
}

/// The index of the overrides column.
const OVERRIDES: usize = 9;

const COLUMNS: [&str; 10] = [
    "rank",
    "kind",
    "id",
    "status",
    "objective",
    "cost increase",
    "%",
    "unmet t/yr",
    "shortfall",
    "overrides",
];

/// The ranking's table: kind, id, status and overrides on the left, the numbers on the
/// right; `overrides` renders a row's overrides cell.
fn table(r: &Ranking, overrides: impl Fn(&Row) -> String) -> Table {
    let align = (0..COLUMNS.len())
        .map(|i| {
            if matches!(i, 1 | 2 | 3 | OVERRIDES) {
                Align::Left
            } else {
                Align::Right
            }
        })
        .collect();
    let mut columns = COLUMNS;
    if is_period(r) {
        columns[OVERRIDES] = "removed (rows set to 0)";
    }
    let mut t = Table::with_align(&columns, align);
    for row in &r.rows {
        let mut c = cells(row);
        c[OVERRIDES] = overrides(row);
        t.push(c);
    }
    t
}

/// Plain text for a terminal.
pub fn text(r: &Ranking) -> String {
    let mut out = String::new();
    for l in header(r) {
        let _ = writeln!(out, "{l}");
    }
    out.push('\n');
    table(r, |row| row.overrides.join(" ")).text(&mut out);
    for row in r.rows.iter().filter(|x| x.message.is_some() && x.cause.is_none()) {
        let _ = writeln!(
            out,
            "note: #{} {} {}: {}",
            row.rank,
            row.kind.as_str(),
            row.id,
            row.message.as_deref().unwrap_or("")
        );
    }
    out
}

/// Markdown: the header as a list, then one table.
pub fn markdown(r: &Ranking) -> String {
    let mut out = String::from("## N-1 disruption ranking\n\n");
    for l in header(r) {
        let _ = writeln!(out, "- {}", l.replace('|', "\\|"));
    }
    out.push('\n');
    table(r, |row| {
        row.overrides
            .iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(" ")
    })
    .markdown(&mut out);
    out
}

fn raw(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// CSV with a header row; numbers at full precision, empty when absent; overrides joined
/// by `;`.
pub fn csv(r: &Ranking) -> String {
    let mut out =
        String::from("rank,kind,id,status,objective,cost_increase,cost_increase_pct,unmet_t,overrides,cause,shortfall,shortfall_unit,message");
    // With periods: which removal every row is (`all` or the year).
    if r.removed_in.is_some() {
        out.push_str(",removed_in");
    }
    out.push('\n');
    for row in &r.rows {
        let fields = [
            row.rank.to_string(),
            row.kind.as_str().to_string(),
            row.id.clone(),
            row.status.clone(),
            raw(row.objective),
            raw(row.cost_increase),
            raw(row.cost_increase_pct),
            raw(row.unmet_t),
            row.overrides.join(";"),
            row.cause.clone().unwrap_or_default(),
            raw(row.shortfall.as_ref().map(|s| s.value)),
            row.shortfall.as_ref().map(|s| s.unit.to_string()).unwrap_or_default(),
            row.message.clone().unwrap_or_default(),
        ];
        let when = r.removed_in.iter().map(String::as_str);
        csv::write_record(&mut out, fields.iter().map(String::as_str).chain(when));
    }
    out
}

/// Pretty JSON (`sourcing-opt/stress/1`), newline-terminated.
pub fn json(r: &Ranking) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A diagnosis relaxing these (key, current, required, unit).
    fn relaxing(rs: &[(&str, f64, f64, &str)]) -> Diagnosis {
        Diagnosis {
            structural: vec![],
            relaxations: rs
                .iter()
                .map(|&(constraint, current, required, unit)| crate::diagnose::Relaxation {
                    row: 0,
                    constraint: constraint.into(),
                    current,
                    required,
                    unit: unit.into(),
                    keep: None,
                })
                .collect(),
            repaired_objective: None,
            conflict: vec![],
            incomplete: None,
        }
    }

    /// With periods the shortfall is the worst year's rate: a demand of 100 t/yr unserved in
    /// each of three years is 100 t/yr short (it used to read 300 t/yr), two demands short in
    /// one year add up, and a field relaxed in every year (no year in its key) adds to each.
    #[test]
    fn a_shortfall_over_the_periods_is_the_worst_years_rate() {
        let d = "demands.US-A/co.quantity";
        let three = relaxing(&[
            (&format!("{d}.2025"), 100.0, 0.0, "t/yr"),
            (&format!("{d}.2027"), 100.0, 0.0, "t/yr"),
            (&format!("{d}.2029"), 100.0, 0.0, "t/yr"),
        ]);
        let short = Shortfall::from_diagnosis(&three, "supply").unwrap();
        assert_eq!((short.value, short.unit), (100.0, "t/yr"));
        let mixed = relaxing(&[
            (&format!("{d}.2025"), 100.0, 20.0, "t/yr"),
            ("demands.US-B/co.quantity.2025", 50.0, 0.0, "t/yr"),
            (&format!("{d}.2027"), 120.0, 0.0, "t/yr"),
            ("demands.US-C/co.quantity", 10.0, 5.0, "t/yr"),
            ("mines.m.capacity.2025", 0.0, 500.0, "t/yr"),
            ("targets.t.max_import_share.2025", 0.2, 0.5, "share"),
            ("targets.u.max_import_share.2025", 0.1, 0.2, "share"),
            ("targets.t.max_import_share.2027", 0.2, 0.6, "share"),
        ]);
        let short = Shortfall::from_diagnosis(&mixed, "supply").unwrap();
        assert_eq!((short.value, short.unit), (135.0, "t/yr"));
        let short = Shortfall::from_diagnosis(&mixed, "targets").unwrap();
        assert_eq!((short.value, short.unit), (0.4, "share"));
        assert_eq!(Shortfall::from_diagnosis(&relaxing(&[]), "supply"), None);
    }

    fn case(kind: Kind, id: &str) -> Case {
        Case {
            kind,
            id: id.into(),
            overrides: vec![],
            removes: vec![],
        }
    }

    fn optimal(obj: f64) -> Outcome {
        Outcome {
            status: "optimal".into(),
            objective: Some(obj),
            unmet_t: Some(0.0),
            message: None,
            cause: None,
            shortfall: None,
        }
    }

    #[test]
    fn infeasible_first_then_cost_then_kind_and_id() {
        let base = optimal(100.0);
        let cases = [
            case(Kind::Lane, "b"),
            case(Kind::Mine, "z"),
            case(Kind::Lane, "a"),
            case(Kind::Country, "CN"),
            case(Kind::Plant, "p"),
        ];
        let inf = Outcome {
            status: "infeasible".into(),
            objective: None,
            unmet_t: None,
            message: None,
            cause: None,
            shortfall: None,
        };
        let outcomes = [
            optimal(150.0),
            optimal(100.0),
            optimal(150.0 + 1e-12),
            inf.clone(),
            Outcome::invalid("x"),
        ];
        let rows = rank(&base, &cases, &outcomes);
        let order: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(order, ["CN", "a", "b", "z", "p"]);
        assert!(rows[1].cost_increase.is_some_and(|d| (d - 50.0).abs() < 1e-9));
        assert_eq!(rows[1].cost_increase_pct.map(|p| p.round()), Some(50.0));
        assert_eq!(rows.iter().map(|r| r.rank).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        // A change within the tolerance is no change: not a saving of 1e-8 of the base.
        assert_eq!(rows[3].id, "z");
        assert_eq!(
            (rows[3].cost_increase, rows[3].cost_increase_pct),
            (Some(0.0), Some(0.0))
        );
        let rows = rank(&base, &cases[..1], &[optimal(100.0 - 1e-8)]);
        assert_eq!(rows[0].cost_increase, Some(0.0));
        let rows = rank(&base, &cases[..1], &[optimal(100.0 - 1e-6)]);
        assert!(
            rows[0].cost_increase.is_some_and(|d| d < 0.0),
            "beyond the tolerance it shows"
        );
        // A case that cannot be served even without targets ranks before one that only
        // breaks a target, whatever its kind.
        let mut supply = inf.clone();
        supply.cause = Some("supply".into());
        let mut targets = inf.clone();
        targets.cause = Some("targets".into());
        let two = [case(Kind::Mine, "m"), case(Kind::Lane, "l")];
        let rows = rank(&base, &two, &[targets.clone(), supply.clone()]);
        assert_eq!((rows[0].id.as_str(), rows[1].id.as_str()), ("l", "m"));
        // Within a cause, the larger shortfall first, whatever the kind and id.
        let short = |o: &Outcome, value: f64, unit| {
            let mut o = o.clone();
            o.shortfall = Some(Shortfall { value, unit });
            o
        };
        let four = [
            case(Kind::Mine, "a"),
            case(Kind::Mine, "b"),
            case(Kind::Lane, "c"),
            case(Kind::Lane, "d"),
        ];
        let outcomes = [
            short(&supply, 5.0, "t/yr"),
            short(&targets, 0.01, "share"),
            short(&supply, 120.0, "t/yr"),
            short(&targets, 0.25, "share"),
        ];
        let rows = rank(&base, &four, &outcomes);
        let order: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(order, ["c", "a", "d", "b"]);
        let r = Ranking {
            schema: SCHEMA,
            instance: InstanceInfo {
                name: "n".into(),
                path: "p.toml".into(),
                sha256: String::new(),
                overrides: vec![],
                scenario: None,
            },
            backend: "auto".into(),
            currency: "USD".into(),
            base: base.clone(),
            order: ORDER,
            removed_in: None,
            cases: 4,
            shown: 4,
            rows,
        };
        assert!(
            text(&r).contains("120 t/yr") && text(&r).contains("0.25 share"),
            "{}",
            text(&r)
        );
        assert!(markdown(&r).contains("| 120 t/yr |"), "{}", markdown(&r));
        assert!(csv(&r).contains(",supply,120,t/yr,"), "{}", csv(&r));
        assert!(json(&r).contains("\"unit\": \"share\""), "{}", json(&r));
    }
}
