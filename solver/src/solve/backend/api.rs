//! What every backend implements and answers: the [`Backend`] trait, its options and its
//! raw (unchecked) solution.

use crate::lp::Lp;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct SolveOptions {
    pub time_limit: Option<Duration>,
}

/// Options of the auxiliary LPs (duals, ranging, diagnosis): a time limit, so a solver that
/// stalls on one of them costs seconds, not the run (the caller then reports less).
pub fn aux_options() -> SolveOptions {
    SolveOptions {
        time_limit: Some(Duration::from_secs(10)),
    }
}

/// What a backend reports before we check it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The backend claims an optimum (still to be checked by us).
    Optimal,
    /// The backend claims an optimum of reduced accuracy.
    Imprecise,
    Infeasible,
    Unbounded,
    TimeLimit,
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct RawSolution {
    pub outcome: Outcome,
    pub x: Vec<f64>,
    /// Row duals in our convention, when the backend gives them.
    pub duals: Option<Vec<f64>>,
}

impl RawSolution {
    pub fn without_values(outcome: Outcome) -> Self {
        RawSolution {
            outcome,
            x: Vec::new(),
            duals: None,
        }
    }
}

pub trait Backend {
    fn name(&self) -> &'static str;
    fn solve(&self, lp: &Lp, opts: &SolveOptions) -> RawSolution;
}
