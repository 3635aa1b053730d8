//! What every backend implements and answers: the [`Backend`] trait, its options and its
//! raw (unchecked) solution.

use crate::lp::Lp;
use std::time::{Duration, Instant};

/// Duals of an optimal basis at an optimal vertex: `(lp, x, activities) -> y`, or why none
/// was found.
pub type BasisDuals = fn(&Lp, &[f64], &[f64]) -> Result<Vec<f64>, String>;

#[derive(Debug, Clone, Default)]
pub struct SolveOptions {
    pub time_limit: Option<Duration>,
    /// For a backend that gives no duals (microlp): duals from the optimal basis, tried before
    /// the dual LP (the pipeline passes the sensitivity stage's, which the solve stage cannot
    /// name); `None`: the dual LP alone.
    pub basis_duals: Option<BasisDuals>,
}

/// Options of the auxiliary LPs (duals, ranging, diagnosis): a time limit, so a solver that
/// stalls on one of them costs seconds, not the run (the caller then reports less).
pub fn aux_options() -> SolveOptions {
    SolveOptions {
        time_limit: Some(Duration::from_secs(10)),
        basis_duals: None,
    }
}

/// The moment a run must end by (`--time-limit` counted from the start of the run), shared by
/// every LP of the run: the solve, the dual LP, the ranging's auxiliary LPs and the diagnosis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// No limit.
    pub fn none() -> Self {
        Deadline(None)
    }

    /// `limit` from now (no limit when `None`).
    pub fn after(limit: Option<Duration>) -> Self {
        Deadline(limit.map(|d| Instant::now() + d))
    }

    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }

    /// Whether the deadline has passed.
    pub fn passed(&self) -> bool {
        self.0.is_some_and(|t| Instant::now() >= t)
    }

    /// Time left (`None`: no limit).
    pub fn remaining(&self) -> Option<Duration> {
        self.0.map(|t| t.saturating_duration_since(Instant::now()))
    }

    /// `opts` with its time limit cut to the time left.
    pub fn bound(&self, opts: &SolveOptions) -> SolveOptions {
        let time_limit = match (opts.time_limit, self.remaining()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        SolveOptions {
            time_limit,
            basis_duals: opts.basis_duals,
        }
    }
}

/// A backend whose every solve ends by a [`Deadline`]: once it has passed, a solve answers
/// [`Outcome::TimeLimit`] at once; before, its time limit is cut to the time left.
pub struct Bounded<'a> {
    pub backend: &'a dyn Backend,
    pub deadline: Deadline,
}

impl Backend for Bounded<'_> {
    fn name(&self) -> &'static str {
        self.backend.name()
    }

    fn solve(&self, lp: &Lp, opts: &SolveOptions) -> RawSolution {
        if self.deadline.passed() {
            return RawSolution::without_values(Outcome::TimeLimit);
        }
        self.backend.solve(lp, &self.deadline.bound(opts))
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
