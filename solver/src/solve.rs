//! The pipeline from an instance to a checked solution: build, solve through a backend,
//! clean the returned values and measure their constraint violations ourselves.
//!
//! A backend's claim of optimality is accepted only when our own check passes: every row
//! satisfied within `FEAS_TOL` relative to its right-hand side, every variable `>= 0`.

use crate::backend::{BackendChoice, Outcome, SolveOptions};
use crate::formulate::{self, Model};
use crate::lp::{Lp, Sense};
use sourcing_models::Instance;
use std::time::Instant;

/// Relative feasibility tolerance of our own check, and of "binding".
pub const FEAS_TOL: f64 = 1e-6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Optimal,
    Infeasible,
    Unbounded,
    /// Numerical trouble, an imprecise or unchecked answer, or a time limit.
    Error,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::Infeasible => "infeasible",
            Status::Unbounded => "unbounded",
            Status::Error => "error",
        }
    }
}

/// A solved (or failed) model with everything the report needs.
#[derive(Debug, Clone)]
pub struct Solved {
    pub model: Model,
    pub status: Status,
    /// Why the status is not optimal, in plain words.
    pub message: Option<String>,
    pub time_limit_hit: bool,
    /// A row with no variable that cannot hold, found before calling any backend.
    pub empty_row: Option<usize>,
    pub backend: &'static str,
    /// Cleaned primal values (empty unless a solution was returned).
    pub x: Vec<f64>,
    pub activities: Vec<f64>,
    pub duals: Option<Vec<f64>>,
    /// How the duals were obtained, for the report.
    pub dual_method: Option<String>,
    pub objective: f64,
    /// Largest absolute row violation and the largest one relative to max(1, |rhs|).
    pub max_violation: f64,
    pub max_rel_violation: f64,
    pub build_ms: f64,
    pub solve_ms: f64,
}

/// Build and solve an instance.
pub fn solve(inst: &Instance, choice: BackendChoice, opts: &SolveOptions) -> Solved {
    let t0 = Instant::now();
    let model = formulate::build(inst);
    let build_ms = t0.elapsed().as_secs_f64() * 1e3;
    solve_model(model, build_ms, choice, opts)
}

pub fn solve_model(model: Model, build_ms: f64, choice: BackendChoice, opts: &SolveOptions) -> Solved {
    let lp = &model.lp;
    let mut solved = Solved {
        status: Status::Error,
        message: None,
        time_limit_hit: false,
        empty_row: None,
        backend: "",
        x: Vec::new(),
        activities: Vec::new(),
        duals: None,
        dual_method: None,
        objective: f64::NAN,
        max_violation: f64::NAN,
        max_rel_violation: f64::NAN,
        build_ms,
        solve_ms: 0.0,
        model: Model {
            lp: Lp::default(),
            cols: Default::default(),
        },
    };
    if let Some(i) = empty_infeasible_row(lp) {
        solved.status = Status::Infeasible;
        solved.backend = "none";
        solved.empty_row = Some(i);
        solved.model = model;
        return solved;
    }
    let backend = choice.backend(lp.n_vars());
    solved.backend = backend.name();
    let t1 = Instant::now();
    let raw = backend.solve(lp, opts);
    solved.solve_ms = t1.elapsed().as_secs_f64() * 1e3;
    match raw.outcome {
        Outcome::Infeasible => solved.status = Status::Infeasible,
        Outcome::Unbounded => {
            solved.status = Status::Unbounded;
            solved.message = Some("the backend reports the cost can fall without limit".into());
        }
        Outcome::TimeLimit => {
            solved.time_limit_hit = true;
            solved.message = Some("the time limit was reached before an optimal plan was proved".into());
        }
        Outcome::Failed(why) => solved.message = Some(why),
        Outcome::Optimal | Outcome::Imprecise => {
            let x = clean(lp, raw.x);
            let activities = lp.activities(&x);
            let (abs, rel) = violation(lp, &activities, &x);
            solved.objective = lp.objective_value(&x);
            solved.max_violation = abs;
            solved.max_rel_violation = rel;
            solved.x = x;
            solved.activities = activities;
            if raw.duals.is_some() {
                solved.duals = raw.duals;
                solved.dual_method = Some(format!("{} row duals", backend.name()));
            }
            if raw.outcome == Outcome::Imprecise {
                solved.message = Some(format!(
                    "{} returned a solution of reduced accuracy; it is not reported as optimal (try another --backend)",
                    backend.name()
                ));
            } else if rel > FEAS_TOL {
                solved.message = Some(format!(
                    "{} claimed an optimum but its solution violates a constraint by {rel:.3e} (relative); it is not reported as optimal",
                    backend.name()
                ));
            } else {
                solved.status = Status::Optimal;
            }
        }
    }
    solved.model = model;
    solved
}

/// A row with no variable whose right-hand side cannot hold (e.g. a demand nothing touches).
fn empty_infeasible_row(lp: &Lp) -> Option<usize> {
    (0..lp.n_rows()).find(|&i| {
        lp.row_start[i] == lp.row_start[i + 1] && {
            let b = lp.rhs[i];
            let tol = FEAS_TOL * b.abs().max(1.0);
            match lp.senses[i] {
                Sense::Le => 0.0 > b + tol,
                Sense::Ge => 0.0 < b - tol,
                Sense::Eq => b.abs() > tol,
            }
        }
    })
}

/// Clamp negative and negligible values to zero. Interior-point answers are never exactly
/// zero; values below `1e-9` of the model's largest right-hand side carry no meaning.
fn clean(lp: &Lp, mut x: Vec<f64>) -> Vec<f64> {
    let scale = lp.rhs.iter().fold(1.0f64, |m, b| m.max(b.abs()));
    let eps = 1e-9 * scale;
    for v in &mut x {
        if *v < eps {
            *v = 0.0;
        }
    }
    x
}

/// Largest absolute and relative row violation of `x`.
pub fn violation(lp: &Lp, activities: &[f64], x: &[f64]) -> (f64, f64) {
    let mut abs = 0.0f64;
    let mut rel = 0.0f64;
    for i in 0..lp.n_rows() {
        let (a, b) = (activities[i], lp.rhs[i]);
        let v = match lp.senses[i] {
            Sense::Le => (a - b).max(0.0),
            Sense::Ge => (b - a).max(0.0),
            Sense::Eq => (a - b).abs(),
        };
        abs = abs.max(v);
        rel = rel.max(v / b.abs().max(1.0));
    }
    for &v in x {
        abs = abs.max(-v);
        rel = rel.max(-v);
    }
    (abs, rel)
}

/// Slack of row `i` (>= 0 when satisfied): `rhs - activity` for `<=`, `activity - rhs` for `>=`,
/// `-|activity - rhs|` for `=`.
pub fn slack(lp: &Lp, i: usize, activity: f64) -> f64 {
    match lp.senses[i] {
        Sense::Le => lp.rhs[i] - activity,
        Sense::Ge => activity - lp.rhs[i],
        Sense::Eq => -(activity - lp.rhs[i]).abs(),
    }
}

/// An inequality whose slack is within the tolerance, scaled by its right-hand side.
pub fn is_binding(lp: &Lp, i: usize, activity: f64) -> bool {
    lp.senses[i] != Sense::Eq && slack(lp, i, activity) <= FEAS_TOL * lp.rhs[i].abs().max(1.0)
}
