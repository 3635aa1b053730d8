//! Which permits to fast-track: the cases of `sourcing-opt permits` (one per mine or plant
//! expansion whose `lead_time` exceeds the target lead time, written as the one `--set` that
//! cuts it, so every case can be reproduced with `solve`), their ranking and its renderers.
//!
//! A case changes nothing but that expansion's `lead_time` (model contract section 5: new
//! capacity may come online in period `p` only if `y_p >= y_1 + lead_time`). Cutting a lead
//! time only adds build columns to the LP, so a case never costs more than the base case; its
//! `saving` is `base objective - case objective` in the units of the weighted objective (the
//! report's `objective`: the sum over periods of `w_p` times the annual cost). A cut that
//! moves no build into an earlier period (periods a year apart and a lead time of 1 cut to
//! 0.5) leaves the same LP, and its row says so with a saving of 0. Savings within
//! `1e-9 * max(1, |base objective|)` of zero are reported as 0 (solver round-off).
//!
//! The base case may be infeasible: that is the question a crisis protocol asks ("which
//! permit, fast-tracked, gives a plan at all?"). Its diagnosis (the least relaxation of
//! targets, demands and capacities, [`crate::diagnose`]) is reported, and each row says
//! whether its cut makes the plan feasible and which of those relaxations it no longer needs
//! (`reachable`: every one when the plan becomes feasible; for a case that stays infeasible,
//! those its own diagnosis no longer relaxes, e.g. `targets.X.max_import_share.2027`).
//!
//! Ranking: cases that make an infeasible base feasible first (cheapest plan first), then
//! optimal cases by saving, largest first, then cases that stay infeasible (most relaxations
//! made unnecessary first), then cases that could not be solved; ties (objectives within
//! `1e-9 * max(1, |base|)`) by facility id, then kind (mine before plant).

use super::stress::Kind;
use crate::diagnose::Relaxation;
use crate::report::table::{Align, Table};
use crate::report::{csv, InstanceInfo, Report};
use serde::Serialize;
use sourcing_models::{Expansion, Instance};
use std::fmt::Write as _;

/// The `schema` of the ranking's JSON rendering.
pub const SCHEMA: &str = "sourcing-opt/permits/1";

/// The default target lead time, years: the crisis protocol's six months.
pub const DEFAULT_TO: f64 = 0.5;

/// One fast-tracked permit: the expansion and the override that cuts its lead time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    pub kind: Kind,
    pub facility: String,
    /// Years, as in the instance (after the run's own overrides).
    pub lead_time: f64,
    pub new_lead_time: f64,
    /// The first year the expansion may come online (`null`: no period allows it; `"now"`:
    /// the one period of an instance without periods or `meta.year`).
    pub earliest: Online,
    pub new_earliest: Online,
    /// The `--set` assignment that makes the case (after the run's own).
    pub set: String,
}

/// When an expansion may first come online: a year, never, or "now" (the one period of an
/// instance that has no year: no `meta.periods`, no `meta.year`; its placeholder year 0 is
/// no year to print).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Online {
    Never,
    Now,
    Year(i64),
}

impl Serialize for Online {
    /// `null`, `"now"` or the year.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Online::Never => s.serialize_none(),
            Online::Now => s.serialize_str("now"),
            Online::Year(y) => s.serialize_i64(*y),
        }
    }
}

impl Online {
    /// `never`, `now` or the year (text and Markdown).
    fn text(self) -> String {
        match self {
            Online::Never => "never".into(),
            Online::Now => "now".into(),
            Online::Year(y) => y.to_string(),
        }
    }

    /// Empty for never (CSV).
    fn csv(self) -> String {
        match self {
            Online::Never => String::new(),
            other => other.text(),
        }
    }
}

fn earliest(inst: &Instance, lead_time: f64) -> Online {
    match inst.first_build_period(lead_time) {
        None => Online::Never,
        Some(_) if !inst.has_periods() && inst.meta.year.is_none() => Online::Now,
        Some(p) => Online::Year(inst.periods[p].year),
    }
}

/// Every case: the mine expansions, then the plant expansions, in instance order, whose
/// lead time is above `to` years.
pub fn cases(inst: &Instance, to: f64) -> Vec<Case> {
    let mines = inst.mines.iter().map(|m| (Kind::Mine, "mines", &m.id, m.expansion));
    let plants = inst.plants.iter().map(|p| (Kind::Plant, "plants", &p.id, p.expansion));
    mines
        .chain(plants)
        .filter_map(|(kind, collection, id, e): (_, _, _, Option<Expansion>)| {
            let e = e.filter(|e| e.lead_time > to)?;
            Some(Case {
                kind,
                facility: id.to_string(),
                lead_time: e.lead_time,
                new_lead_time: to,
                earliest: earliest(inst, e.lead_time),
                new_earliest: earliest(inst, to),
                set: format!("{collection}.{id}.expansion.lead_time={to}"),
            })
        })
        .collect()
}

/// The result of one solve, as the ranking needs it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The report's status, or `invalid` when the override does not validate.
    pub status: String,
    pub objective: Option<f64>,
    /// Why the plan is not optimal, when known.
    pub message: Option<String>,
    /// An infeasible plan's least relaxation (its diagnosis); empty otherwise.
    pub relaxations: Vec<Relaxation>,
}

impl Outcome {
    /// Read the outcome off a report.
    pub fn from_report(rep: &Report) -> Self {
        Outcome {
            status: rep.status.to_string(),
            objective: rep.objective,
            message: rep.message.clone(),
            relaxations: rep.diagnosis.as_ref().map_or_else(Vec::new, |d| d.relaxations.clone()),
        }
    }

    /// A case whose override or instance did not validate.
    pub fn invalid(message: impl Into<String>) -> Self {
        Outcome {
            status: "invalid".into(),
            objective: None,
            message: Some(message.into()),
            relaxations: Vec::new(),
        }
    }

    fn relaxed(&self) -> impl Iterator<Item = &str> {
        self.relaxations.iter().map(|r| r.constraint.as_str())
    }
}

/// One row of the ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// 1 = the permit most worth fast-tracking.
    pub rank: usize,
    #[serde(flatten)]
    pub case: Case,
    pub status: String,
    pub objective: Option<f64>,
    /// `base objective - objective`, weighted objective units (both optimal only).
    pub saving: Option<f64>,
    /// The base case is infeasible and this cut gives a plan.
    pub makes_feasible: bool,
    /// The relaxations of the base case's diagnosis this cut no longer needs (the targets,
    /// demands or capacities, with their year, that become reachable).
    pub reachable: Vec<String>,
    /// A case that stays infeasible: the relaxations its own diagnosis still needs.
    pub still_relaxed: Vec<String>,
    pub message: Option<String>,
}

fn group(row: &Row) -> u8 {
    match row.status.as_str() {
        "optimal" if row.makes_feasible => 0,
        "optimal" => 1,
        "infeasible" => 2,
        _ => 3,
    }
}

/// Rank the cases (see the module documentation for the order). `outcomes[i]` belongs to
/// `cases[i]`.
pub fn rank(base: &Outcome, cases: &[Case], outcomes: &[Outcome]) -> Vec<Row> {
    let base_optimal = base.status == "optimal";
    let base_obj = base.objective.filter(|_| base_optimal);
    let scale = base_obj.into_iter().chain(outcomes.iter().filter_map(|o| o.objective));
    let quantum = 1e-9 * scale.fold(1.0_f64, |m, x| m.max(x.abs()));
    let mut rows: Vec<(i64, Row)> = cases
        .iter()
        .zip(outcomes)
        .map(|(c, o)| {
            let optimal = o.status == "optimal";
            let objective = o.objective.filter(|_| optimal);
            let saving = base_obj.zip(objective).map(|(b, x)| {
                let d = b - x;
                if d.abs() <= quantum {
                    0.0
                } else {
                    d
                }
            });
            let makes_feasible = optimal && base.status == "infeasible";
            let reachable: Vec<String> = match base.status.as_str() {
                "infeasible" if optimal || o.status == "infeasible" => base
                    .relaxed()
                    .filter(|b| !o.relaxed().any(|r| r == *b))
                    .map(str::to_string)
                    .collect(),
                _ => Vec::new(),
            };
            // Quantised so that ties within the tolerance fall back to the id, with a total
            // order (`as` saturates); larger keys first.
            let key = match (saving, objective) {
                (Some(s), _) => (s / quantum).round() as i64,
                (None, Some(x)) => -((x / quantum).round() as i64),
                _ => reachable.len() as i64,
            };
            let row = Row {
                rank: 0,
                case: c.clone(),
                status: o.status.clone(),
                objective: o.objective,
                saving,
                makes_feasible,
                reachable,
                still_relaxed: o.relaxed().map(str::to_string).collect(),
                message: o.message.clone(),
            };
            (key, row)
        })
        .collect();
    rows.sort_by(|(ka, a), (kb, b)| {
        group(a)
            .cmp(&group(b))
            .then(kb.cmp(ka))
            .then_with(|| a.case.facility.cmp(&b.case.facility))
            .then(a.case.kind.cmp(&b.case.kind))
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
    /// The target lead time (`--to`), years.
    pub to: f64,
    /// The years of `meta.periods` (empty without: the objective is then an annual cost).
    pub periods: Vec<i64>,
    pub base: Outcome,
    /// How the rows are ordered, in words.
    pub order: &'static str,
    pub rows: Vec<Row>,
}

/// The order of the rows, as stated in every rendering.
pub const ORDER: &str = "cuts that make an infeasible base case feasible first (cheapest plan first), then by saving \
(base objective - objective, weighted over the periods), largest first, then cuts that leave the plan infeasible (most \
relaxations made unnecessary first), then cases that could not be solved; ties by facility id, then kind";

fn num(x: Option<f64>) -> String {
    x.map(crate::whatif::compare::num).unwrap_or_else(|| "-".into())
}

fn relaxation(r: &Relaxation) -> String {
    format!(
        "{} ({} -> {} {})",
        r.constraint,
        crate::whatif::compare::num(r.current),
        crate::whatif::compare::num(r.required),
        r.unit
    )
}

fn header(r: &Ranking) -> Vec<String> {
    let to = crate::whatif::compare::num(r.to);
    let base = match r.base.objective {
        Some(x) if r.base.status == "optimal" => format!(
            "objective {} {}{}",
            crate::whatif::compare::num(x),
            r.currency,
            match r.periods.as_slice() {
                [] => "/yr".to_string(),
                [first, .., last] => format!(" (weighted over the periods {first}-{last})"),
                [only] => format!(" (the period {only})"),
            }
        ),
        _ => "no plan".into(),
    };
    let cases = match r.rows.len() {
        0 => format!("no expansion has a lead time above {to} years: nothing to fast-track"),
        1 => format!("1 expansion with a lead time above {to} years, re-solved with it cut to {to} years"),
        n => format!(
            "{n} expansions with a lead time above {to} years, each re-solved with that lead time cut to {to} years"
        ),
    };
    let mut lines = vec![format!(
        "Permit fast-track of {} ({}): base case {}, {base}; {cases}",
        r.instance.name, r.instance.path, r.base.status,
    )];
    if !r.base.relaxations.is_empty() {
        let list: Vec<String> = r.base.relaxations.iter().map(relaxation).collect();
        lines.push(format!(
            "the base case's diagnosis relaxes (least relaxation): {}",
            list.join(", ")
        ));
    }
    if !r.instance.overrides.is_empty() {
        lines.push(format!("base overrides: {}", r.instance.overrides.join(" ")));
    }
    lines.push(format!("order: {}", ORDER));
    lines.push(format!(
        "reproduce a row: sourcing-opt solve {}{} --ranging off --set SET (the row's set; `--ranging off` gives this run's interior-point plan, the same objective to the dollar, where the default vertex can differ by a few dollars)",
        r.instance.path,
        r.instance
            .overrides
            .iter()
            .map(|o| format!(" --set '{o}'"))
            .collect::<String>()
    ));
    lines
}

const COLUMNS: [&str; 12] = [
    "rank",
    "kind",
    "facility",
    "lead time",
    "new",
    "online",
    "new online",
    "status",
    "objective",
    "saving",
    "reachable",
    "set",
];

fn cells(row: &Row) -> Vec<String> {
    let c = &row.case;
    let status = match row.makes_feasible {
        true => "optimal (feasible now)".to_string(),
        false => row.status.clone(),
    };
    vec![
        row.rank.to_string(),
        c.kind.as_str().to_string(),
        c.facility.clone(),
        crate::whatif::compare::num(c.lead_time),
        crate::whatif::compare::num(c.new_lead_time),
        c.earliest.text(),
        c.new_earliest.text(),
        status,
        num(row.objective),
        num(row.saving),
        match row.reachable.is_empty() {
            true => "-".into(),
            false => row.reachable.join(" "),
        },
        c.set.clone(),
    ]
}

/// The ranking's table: names, status, reachable and set on the left, numbers and years on
/// the right; `set` renders a row's set cell.
fn table(r: &Ranking, set: impl Fn(&str) -> String) -> Table {
    let align = (0..COLUMNS.len())
        .map(|i| match i {
            1 | 2 | 7 | 10 | 11 => Align::Left,
            _ => Align::Right,
        })
        .collect();
    let mut t = Table::with_align(&COLUMNS, align);
    for row in &r.rows {
        let mut c = cells(row);
        c[11] = set(&row.case.set);
        t.push(c);
    }
    t
}

fn notes(r: &Ranking) -> Vec<String> {
    let mut out = Vec::new();
    if r.rows.is_empty() {
        out.push(format!(
            "no mine or plant expansion has a lead time above {} years: nothing to fast-track",
            crate::whatif::compare::num(r.to)
        ));
    }
    for row in &r.rows {
        let c = &row.case;
        let what = format!("#{} {} {}", row.rank, c.kind.as_str(), c.facility);
        if !row.still_relaxed.is_empty() {
            out.push(format!("{what} still needs: {}", row.still_relaxed.join(", ")));
        }
        if let (Some(m), false) = (&row.message, row.status == "infeasible") {
            out.push(format!("{what}: {m}"));
        }
    }
    out
}

/// Plain text for a terminal.
pub fn text(r: &Ranking) -> String {
    let mut out = String::new();
    for l in header(r) {
        let _ = writeln!(out, "{l}");
    }
    out.push('\n');
    if !r.rows.is_empty() {
        table(r, str::to_string).text(&mut out);
    }
    for l in notes(r) {
        let _ = writeln!(out, "note: {l}");
    }
    out
}

/// Markdown: the header as a list, then one table, then the notes.
pub fn markdown(r: &Ranking) -> String {
    let mut out = String::from("## Permits to fast-track\n\n");
    for l in header(r) {
        let _ = writeln!(out, "- {}", l.replace('|', "\\|"));
    }
    out.push('\n');
    if !r.rows.is_empty() {
        table(r, |s| format!("`{s}`")).markdown(&mut out);
    }
    let notes = notes(r);
    if !notes.is_empty() {
        out.push('\n');
        for l in notes {
            let _ = writeln!(out, "- {}", l.replace('|', "\\|"));
        }
    }
    out
}

fn raw<T: ToString>(x: Option<T>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// CSV with a header row; numbers at full precision, empty when absent; lists joined by `;`.
pub fn csv(r: &Ranking) -> String {
    let mut out = String::from(
        "rank,kind,facility,lead_time,new_lead_time,earliest,new_earliest,status,objective,saving,\
makes_feasible,reachable,still_relaxed,set,message\n",
    );
    for row in &r.rows {
        let c = &row.case;
        let fields = [
            row.rank.to_string(),
            c.kind.as_str().to_string(),
            c.facility.clone(),
            c.lead_time.to_string(),
            c.new_lead_time.to_string(),
            c.earliest.csv(),
            c.new_earliest.csv(),
            row.status.clone(),
            raw(row.objective),
            raw(row.saving),
            row.makes_feasible.to_string(),
            row.reachable.join(";"),
            row.still_relaxed.join(";"),
            c.set.clone(),
            row.message.clone().unwrap_or_default(),
        ];
        csv::write_record(&mut out, fields.iter().map(String::as_str));
    }
    out
}

/// Pretty JSON (`sourcing-opt/permits/1`), newline-terminated.
pub fn json(r: &Ranking) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(kind: Kind, id: &str) -> Case {
        Case {
            kind,
            facility: id.into(),
            lead_time: 2.0,
            new_lead_time: 0.5,
            earliest: Online::Year(2027),
            new_earliest: Online::Year(2026),
            set: format!("mines.{id}.expansion.lead_time=0.5"),
        }
    }

    fn outcome(status: &str, objective: Option<f64>, relaxed: &[&str]) -> Outcome {
        Outcome {
            status: status.into(),
            objective,
            message: None,
            relaxations: relaxed
                .iter()
                .map(|c| Relaxation {
                    row: 0,
                    constraint: c.to_string(),
                    current: 0.5,
                    required: 1.0,
                    unit: "share".into(),
                    keep: None,
                })
                .collect(),
        }
    }

    #[test]
    fn an_optimal_base_ranks_by_saving_then_id_then_kind() {
        let base = outcome("optimal", Some(100.0), &[]);
        let cases = [
            case(Kind::Plant, "b"),
            case(Kind::Mine, "z"),
            case(Kind::Mine, "b"),
            case(Kind::Mine, "a"),
            case(Kind::Mine, "x"),
        ];
        let outcomes = [
            outcome("optimal", Some(90.0), &[]),
            outcome("optimal", Some(60.0), &[]),
            outcome("optimal", Some(90.0 + 1e-12), &[]),
            outcome("optimal", Some(100.0 + 1e-12), &[]),
            Outcome::invalid("bad"),
        ];
        let rows = rank(&base, &cases, &outcomes);
        let order: Vec<(&str, Kind)> = rows.iter().map(|r| (r.case.facility.as_str(), r.case.kind)).collect();
        assert_eq!(
            order,
            [
                ("z", Kind::Mine),
                ("b", Kind::Mine),
                ("b", Kind::Plant),
                ("a", Kind::Mine),
                ("x", Kind::Mine)
            ]
        );
        assert_eq!(rows[0].saving, Some(40.0));
        // Round-off is no saving, and never a negative one.
        assert_eq!(rows[3].saving, Some(0.0));
        assert_eq!(rows[4].saving, None);
        assert!(rows.iter().all(|r| !r.makes_feasible && r.reachable.is_empty()));
        assert_eq!(rows.iter().map(|r| r.rank).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    }

    #[test]
    fn an_infeasible_base_ranks_feasible_cuts_first_and_names_what_becomes_reachable() {
        let t25 = "targets.t.max_import_share.2025";
        let t26 = "targets.t.max_import_share.2026";
        let base = outcome("infeasible", None, &[t25, t26]);
        let cases = [
            case(Kind::Mine, "a"),
            case(Kind::Mine, "b"),
            case(Kind::Mine, "c"),
            case(Kind::Mine, "d"),
        ];
        let outcomes = [
            outcome("infeasible", None, &[t25, t26]),
            outcome("infeasible", None, &[t25]),
            outcome("optimal", Some(300.0), &[]),
            outcome("optimal", Some(200.0), &[]),
        ];
        let rows = rank(&base, &cases, &outcomes);
        let order: Vec<&str> = rows.iter().map(|r| r.case.facility.as_str()).collect();
        assert_eq!(order, ["d", "c", "b", "a"]);
        assert!(rows[0].makes_feasible && rows[1].makes_feasible && !rows[2].makes_feasible);
        assert_eq!(rows[0].reachable, [t25, t26]);
        assert_eq!(rows[0].saving, None, "no saving against a base without a plan");
        assert_eq!(rows[2].reachable, [t26]);
        assert_eq!(rows[2].still_relaxed, [t25]);
        assert!(rows[3].reachable.is_empty());
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
            to: 0.5,
            periods: vec![2025, 2026],
            base,
            order: ORDER,
            rows,
        };
        let text = text(&r);
        assert!(text.contains("optimal (feasible now)"), "{text}");
        assert!(text.contains(&format!("{t25} (0.5 -> 1 share)")), "{text}");
        assert!(text.contains(&format!("#3 mine b still needs: {t25}")), "{text}");
        assert!(
            markdown(&r).contains("| `mines.d.expansion.lead_time=0.5` |"),
            "{}",
            markdown(&r)
        );
        assert!(
            csv(&r).contains(&format!(",infeasible,,,false,{t26},{t25},")),
            "{}",
            csv(&r)
        );
        assert!(json(&r).contains("\"makes_feasible\": true"), "{}", json(&r));
    }
}
