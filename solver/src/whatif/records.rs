//! What a shard file keeps of a sweep and of a stress run (see [`crate::whatif::shard`]):
//! the description of the run that the shards of one run share ([`SweepRun`], [`StressRun`],
//! hashed into the fingerprint), and one record per point ([`SweepPoint`], [`StressPoint`])
//! holding exactly what the table of an unsharded run is made of, every number at full
//! precision, so that the merge renders the same bytes.

use crate::report::InstanceInfo;
use crate::whatif::shard::{exact, point_id, Exact, Keyed};
use crate::whatif::stress::{Case, Kind, Outcome, Shortfall};
use crate::whatif::sweep::{self, Axis, Layout, Row};
use serde::{Deserialize, Serialize};

/// The version of the binary that wrote a shard; shards of different versions do not merge.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A swept key and its values.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AxisRecord {
    pub key: String,
    pub values: Vec<String>,
}

/// The columns of a sweep ([`Layout`]), as the instance fixes them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LayoutRecord {
    /// True when the instance has stockpiles (a `stockpile` cost column).
    pub stockpiles: bool,
    pub years: Vec<i64>,
    pub targets: Vec<String>,
}

/// What a sweep's shards share: the instance, the grid, and every option that shapes the
/// table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepRun {
    pub version: String,
    /// The instance as `solve` reports it (path as given, SHA-256 of the file, the
    /// scenario's and `--set` overrides).
    pub instance: InstanceInfo,
    pub currency: String,
    pub axes: Vec<AxisRecord>,
    pub layout: LayoutRecord,
    /// `csv` or `jsonl`.
    pub format: String,
    pub backend: String,
    pub ranging: String,
    pub time_limit: Option<Exact>,
    /// Whether infeasible points carry their least relaxation (false in the shards of
    /// versions without it, whose rows have none).
    #[serde(default)]
    pub diagnose: bool,
}

impl SweepRun {
    /// The axes of the grid.
    pub fn axes(&self) -> Vec<Axis> {
        self.axes
            .iter()
            .map(|a| Axis {
                key: a.key.clone(),
                values: a.values.clone(),
            })
            .collect()
    }

    /// The columns of the table.
    pub fn layout(&self) -> Layout {
        Layout::new(
            self.layout.stockpiles,
            self.layout.years.clone(),
            self.layout.targets.clone(),
        )
    }
}

/// The record of a sweep's axes and layout.
pub fn sweep_shape(axes: &[Axis], layout: &Layout) -> (Vec<AxisRecord>, LayoutRecord) {
    (
        axes.iter()
            .map(|a| AxisRecord {
                key: a.key.clone(),
                values: a.values.clone(),
            })
            .collect(),
        LayoutRecord {
            stockpiles: layout.costs.contains(&"stockpile"),
            years: layout.years.clone(),
            targets: layout.targets.clone(),
        },
    )
}

/// The overrides of point `i` of a grid, one per line: what its id hashes.
pub fn sweep_point_text(axes: &[Axis], i: usize) -> String {
    sweep::point_indices(axes, i)
        .iter()
        .zip(axes)
        .map(|(&k, a)| a.assignment(&a.values[k]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The id of point `i` of a grid.
pub fn sweep_point_id(axes: &[Axis], i: usize) -> String {
    point_id(&sweep_point_text(axes, i))
}

/// One point of a sweep: a [`Row`] at full precision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepPoint {
    pub point: usize,
    pub id: String,
    pub status: String,
    pub message: Option<String>,
    pub objective: Option<Exact>,
    pub costs: Option<Vec<Exact>>,
    pub periods: Option<Vec<Exact>>,
    pub targets: Vec<(Option<Exact>, Option<Exact>)>,
}

impl SweepPoint {
    pub fn new(point: usize, id: String, row: &Row) -> SweepPoint {
        let all = |v: &Option<Vec<f64>>| v.as_ref().map(|v| v.iter().map(|&x| Exact(x)).collect());
        SweepPoint {
            point,
            id,
            status: row.status.clone(),
            message: row.message.clone(),
            objective: exact(row.objective),
            costs: all(&row.costs),
            periods: all(&row.periods),
            targets: row.targets.iter().map(|&(s, v)| (exact(s), exact(v))).collect(),
        }
    }

    /// The row, as the unsharded sweep had it.
    pub fn row(&self) -> Row {
        let all = |v: &Option<Vec<Exact>>| v.as_ref().map(|v| v.iter().map(|x| x.0).collect());
        Row {
            status: self.status.clone(),
            message: self.message.clone(),
            objective: self.objective.map(|x| x.0),
            costs: all(&self.costs),
            periods: all(&self.periods),
            targets: self
                .targets
                .iter()
                .map(|(s, v)| (s.map(|x| x.0), v.map(|x| x.0)))
                .collect(),
        }
    }
}

impl Keyed for SweepPoint {
    fn point(&self) -> usize {
        self.point
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn settled(&self) -> bool {
        self.row().settled()
    }
}

/// What a stress run's shards share: the instance and every option that shapes the ranking.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StressRun {
    pub version: String,
    pub instance: InstanceInfo,
    pub currency: String,
    /// The number of cases.
    pub cases: usize,
    /// `text`, `csv`, `json` or `markdown`.
    pub format: String,
    pub backend: String,
    pub top: Option<usize>,
    /// `--period YEAR`.
    pub period: Option<i64>,
    /// The ranking's `removed_in` (with periods: `all` or the year).
    pub removed_in: Option<String>,
    /// `--time-limit SECONDS` of each case.
    #[serde(default)]
    pub time_limit: Option<Exact>,
}

/// An [`Outcome`] at full precision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeRecord {
    pub status: String,
    pub objective: Option<Exact>,
    pub unmet_t: Option<Exact>,
    pub message: Option<String>,
    pub cause: Option<String>,
    /// Value and unit (`t/yr` or `share`).
    pub shortfall: Option<(Exact, String)>,
}

impl PartialEq for Exact {
    /// The same bits (`NaN` equals itself): two shards agree on a result only when they
    /// computed the same number.
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl OutcomeRecord {
    pub fn new(o: &Outcome) -> OutcomeRecord {
        OutcomeRecord {
            status: o.status.clone(),
            objective: exact(o.objective),
            unmet_t: exact(o.unmet_t),
            message: o.message.clone(),
            cause: o.cause.clone(),
            shortfall: o.shortfall.as_ref().map(|s| (Exact(s.value), s.unit.to_string())),
        }
    }

    /// The outcome; an error for a shortfall unit the ranking does not know.
    pub fn outcome(&self) -> Result<Outcome, String> {
        let shortfall = match &self.shortfall {
            None => None,
            Some((value, unit)) => Some(Shortfall {
                value: value.0,
                unit: match unit.as_str() {
                    "t/yr" => "t/yr",
                    "share" => "share",
                    other => return Err(format!("unknown shortfall unit `{other}`")),
                },
            }),
        };
        Ok(Outcome {
            status: self.status.clone(),
            objective: self.objective.map(|x| x.0),
            unmet_t: self.unmet_t.map(|x| x.0),
            message: self.message.clone(),
            cause: self.cause.clone(),
            shortfall,
        })
    }
}

/// The text a case's id hashes: its kind and id, then its overrides, one per line.
fn case_text(kind: &str, id: &str, overrides: &[String]) -> String {
    let mut text = format!("{kind} {id}");
    for o in overrides {
        text.push('\n');
        text.push_str(o);
    }
    text
}

/// The id of a stress case.
pub fn case_id(case: &Case) -> String {
    point_id(&case_text(case.kind.as_str(), &case.id, &case.overrides))
}

/// One case of a stress run and its outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StressPoint {
    pub point: usize,
    pub id: String,
    pub kind: String,
    pub case: String,
    pub overrides: Vec<String>,
    #[serde(flatten)]
    pub outcome: OutcomeRecord,
}

impl StressPoint {
    pub fn new(point: usize, case: &Case, outcome: &Outcome) -> StressPoint {
        StressPoint {
            point,
            id: case_id(case),
            kind: case.kind.as_str().to_string(),
            case: case.id.clone(),
            overrides: case.overrides.clone(),
            outcome: OutcomeRecord::new(outcome),
        }
    }

    /// The case (without the entries it removes, which only solving needs) and its outcome;
    /// an error when the record does not hash to its id or names an unknown kind.
    pub fn case(&self) -> Result<(Case, Outcome), String> {
        let kinds = [Kind::Mine, Kind::Plant, Kind::Import, Kind::Lane, Kind::Country];
        let kind = kinds
            .into_iter()
            .find(|k| k.as_str() == self.kind)
            .ok_or_else(|| format!("point {}: unknown kind `{}`", self.point, self.kind))?;
        if point_id(&case_text(&self.kind, &self.case, &self.overrides)) != self.id {
            return Err(format!(
                "point {} ({} {}) does not match its id: the file was changed",
                self.point, self.kind, self.case
            ));
        }
        let case = Case {
            kind,
            id: self.case.clone(),
            overrides: self.overrides.clone(),
            removes: Vec::new(),
        };
        Ok((case, self.outcome.outcome()?))
    }
}

impl Keyed for StressPoint {
    fn point(&self) -> usize {
        self.point
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn settled(&self) -> bool {
        matches!(self.outcome.status.as_str(), "optimal" | "infeasible")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_row_survives_its_record_bit_for_bit() {
        let row = Row {
            status: "optimal".into(),
            message: Some("a \"note\"\nover two lines".into()),
            objective: Some(25199.999999999993),
            costs: Some(vec![0.1 + 0.2, -0.0, 1e-300]),
            periods: Some(vec![f64::NAN, 3.0]),
            targets: vec![(Some(0.09999999999999999), None), (None, Some(f64::INFINITY))],
        };
        let line = serde_json::to_string(&SweepPoint::new(3, "x".into(), &row)).unwrap();
        let back: SweepPoint = serde_json::from_str(&line).unwrap();
        let again = back.row();
        assert_eq!(format!("{again:?}"), format!("{row:?}"));
        assert_eq!(again.objective.unwrap().to_bits(), row.objective.unwrap().to_bits());
        assert_eq!(again.costs.as_ref().unwrap()[1].to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn a_stress_case_survives_its_record_and_checks_its_id() {
        let case = Case {
            kind: Kind::Lane,
            id: "A->B/rail".into(),
            overrides: vec!["lanes.A->B/rail.capacity=0".into()],
            removes: Vec::new(),
        };
        let outcome = Outcome {
            status: "infeasible".into(),
            objective: None,
            unmet_t: None,
            message: Some("m".into()),
            cause: Some("supply".into()),
            shortfall: Some(Shortfall {
                value: 24300.000000000004,
                unit: "t/yr",
            }),
        };
        let line = serde_json::to_string(&StressPoint::new(7, &case, &outcome)).unwrap();
        let back: StressPoint = serde_json::from_str(&line).unwrap();
        let (c, o) = back.case().unwrap();
        assert_eq!(
            (c.kind, c.id.as_str(), &c.overrides),
            (case.kind, case.id.as_str(), &case.overrides)
        );
        assert_eq!(o, outcome);
        let mut changed = back.clone();
        changed.overrides.push("mines.m.capacity=0".into());
        assert!(changed.case().unwrap_err().contains("does not match its id"));
    }
}
