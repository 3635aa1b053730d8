//! What every backend implements and answers: the [`Backend`] trait, its options and its
//! raw (unchecked) solution.

use crate::lp::Lp;
use std::time::{Duration, Instant};

/// Duals of an optimal basis at an optimal vertex: `(lp, x, activities) -> y`, or why none
/// was found.
pub type BasisDuals = fn(&Lp, &[f64], &[f64]) -> Result<Vec<f64>, String>;

/// An optimal vertex of an LP found from a relaxation's optimal plan (the lazy lane
/// capacities' second phase): `(lp, relaxation, rows of lp it keeps, its plan, its duals,
/// deadline) -> answer`, or why none was found.
pub type WarmStart = fn(&Lp, &Lp, &[usize], &[f64], Option<&[f64]>, Deadline) -> Result<Reoptimised, String>;

/// What a [`WarmStart`] answers: a vertex, the duals of its basis on every row, the pivots.
#[derive(Debug, Clone)]
pub struct Reoptimised {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub pivots: usize,
}

#[derive(Debug, Clone, Default)]
pub struct SolveOptions {
    pub time_limit: Option<Duration>,
    /// For a backend that gives no duals (microlp): duals from the optimal basis, tried before
    /// the dual LP (the pipeline passes the sensitivity stage's, which the solve stage cannot
    /// name); `None`: the dual LP alone.
    pub basis_duals: Option<BasisDuals>,
    /// For the lazy lane capacities: the dual simplex from the first round's basis (the
    /// pipeline passes the sensitivity stage's); `None`: interior-point rounds only.
    pub warm_start: Option<WarmStart>,
}

/// Options of the auxiliary LPs (duals, ranging, diagnosis): a time limit, so a solver that
/// stalls on one of them costs seconds, not the run (the caller then reports less).
pub fn aux_options() -> SolveOptions {
    SolveOptions {
        time_limit: Some(Duration::from_secs(10)),
        basis_duals: None,
        warm_start: None,
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
            warm_start: opts.warm_start,
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
    /// The backend would need more memory than the run may use (why, in plain words): final,
    /// `auto` does not try the other backend.
    TooLarge(String),
}

#[derive(Debug, Clone)]
pub struct RawSolution {
    pub outcome: Outcome,
    pub x: Vec<f64>,
    /// Row duals in our convention, when the backend gives them.
    pub duals: Option<Vec<f64>>,
    /// How the answer was reached, when a reader should know (the rounds of lazy lane
    /// capacities): `solver.method` in the report.
    pub note: Option<String>,
}

impl RawSolution {
    pub fn without_values(outcome: Outcome) -> Self {
        RawSolution {
            outcome,
            x: Vec::new(),
            duals: None,
            note: None,
        }
    }
}

/// The memory a run may use, and what says so: `SOURCING_OPT_MEMORY_LIMIT_MB` when set (scripts
/// may cap a run with it), else `MemAvailable` of /proc/meminfo; `None` when neither is known.
pub fn memory_limit() -> Option<(usize, &'static str)> {
    match std::env::var("SOURCING_OPT_MEMORY_LIMIT_MB")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
    {
        Some(mb) if mb > 0.0 => Some(((mb * 1e6) as usize, "SOURCING_OPT_MEMORY_LIMIT_MB allows")),
        _ => available_memory().map(|b| (b, "this machine has available")),
    }
}

fn available_memory() -> Option<usize> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// `b` bytes in MB or GB, one decimal.
pub fn human_bytes(b: usize) -> String {
    if b >= 1 << 30 {
        format!("{:.1} GB", b as f64 / (1u64 << 30) as f64)
    } else {
        format!("{:.1} MB", b as f64 / (1u64 << 20) as f64)
    }
}

/// The backends of this build whose plan is a vertex (the simplex ones), as a hint: HiGHS
/// only when built in.
#[cfg(feature = "highs")]
pub const VERTEX_BACKENDS: &str = "--backend minilp or --backend highs";
#[cfg(not(feature = "highs"))]
pub const VERTEX_BACKENDS: &str = "--backend minilp";

pub trait Backend {
    fn name(&self) -> &'static str;
    fn solve(&self, lp: &Lp, opts: &SolveOptions) -> RawSolution;
}
