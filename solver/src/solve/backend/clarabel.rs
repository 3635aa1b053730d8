//! Clarabel (pure-Rust interior point), called directly rather than through good_lp: we need
//! its exact status (good_lp maps `AlmostSolved` and `DualInfeasible` to success), its duals
//! in our convention, and a column-major matrix built without per-term hashing.
//!
//! Clarabel's form is `min q'x  s.t.  A x + s = b, s in K`. Our rows map to it as
//! `a'x = b` (zero cone), `a'x <= b` (nonnegative cone) and `-a'x <= -b` for `>=`; the
//! variable bounds `x >= 0` become `-x <= 0`. With the Lagrangian `q'x + z'(Ax + s - b)` the
//! sensitivity of the optimum to `b` is `-z`, so `dual = -z` for `=`/`<=` rows and `+z` for
//! `>=` rows (whose `b` is `-rhs`).
//!
//! The order of work: [`crate::solve::presolve`], then the LP's dual through that same mapping
//! ([`solve_via_dual`], 10-15% faster at 100k variables), checked against our acceptance test
//! with a margin, then the primal form if the dual form's answer misses it.

use super::api::{human_bytes, memory_limit, Backend, Deadline, Outcome, RawSolution, SolveOptions, VERTEX_BACKENDS};
use super::ipm;
use super::lazy;
use crate::lp::{Lp, Sense};
use crate::solve::presolve::presolve;
use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettings, DefaultSettingsBuilder, DefaultSolver, IPSolver, NonnegativeConeT, SolverStatus, SupportedConeT,
    ZeroConeT,
};

/// The Clarabel backend. By default the LP first goes through [`crate::solve::presolve`] (forcing and
/// leaf rows, then the aggregation of implied flows; on the generated continental instance of
/// 100k variables it removes 70% of the columns and 67% of the rows, and the solve drops
/// from 3.9 s to 0.9 s).
#[derive(Debug, Clone, Copy)]
pub struct Clarabel {
    presolve: bool,
}

impl Default for Clarabel {
    fn default() -> Self {
        Clarabel { presolve: true }
    }
}

impl Clarabel {
    /// Clarabel on the LP exactly as given (for comparisons with the presolved path).
    pub fn without_presolve() -> Self {
        Clarabel { presolve: false }
    }
}

impl Backend for Clarabel {
    fn name(&self) -> &'static str {
        "clarabel"
    }

    fn solve(&self, lp: &Lp, opts: &SolveOptions) -> RawSolution {
        let Some(p) = self.presolve.then(|| presolve(lp)).flatten() else {
            return solve_either_form(lp, opts);
        };
        let raw = if p.reduced.n_vars() == 0 {
            // Every column was fixed at 0; the rows left (the presolve removes those that
            // hold) have no column, and one that cannot hold at 0 makes the LP infeasible.
            if crate::lp::check::empty_infeasible_row(&p.reduced).is_some() {
                return RawSolution::without_values(Outcome::Infeasible);
            }
            RawSolution {
                outcome: Outcome::Optimal,
                x: Vec::new(),
                duals: Some(vec![0.0; p.reduced.n_rows()]),
                note: None,
            }
        } else {
            solve_presolved(&p.reduced, opts)
        };
        let solved = matches!(raw.outcome, Outcome::Optimal | Outcome::Imprecise);
        RawSolution {
            x: if solved { p.primal(&raw.x) } else { Vec::new() },
            duals: raw.duals.filter(|_| solved).map(|y| p.duals(lp, &y)),
            outcome: raw.outcome,
            note: raw.note,
        }
    }
}

/// The presolved LP, with its lane capacities left out until broken when they are what fills
/// the factorisation in ([`held_rows`], [`super::lazy`]).
fn solve_presolved(lp: &Lp, opts: &SolveOptions) -> RawSolution {
    let forced = lazy_forced();
    let held = held_rows(lp, forced);
    if held.is_empty() {
        return solve_either_form(lp, opts);
    }
    let mut tried = None;
    if iterative_wanted(lp, forced) {
        let deadline = Deadline::after(opts.time_limit);
        match ipm::solve(lp, deadline) {
            Ok(answer) => {
                let raw = RawSolution {
                    outcome: Outcome::Optimal,
                    x: answer.x,
                    duals: Some(answer.y),
                    note: Some(answer.stats.describe()),
                };
                if accepted(lp, &raw) {
                    return raw;
                }
                tried = Some(format!("{} missed our tolerances", answer.stats.describe()));
            }
            Err(ipm::Failure::TimeLimit) => return RawSolution::without_values(Outcome::TimeLimit),
            Err(why) => tried = Some(format!("interior point with conjugate gradients: {why}")),
        }
    }
    let opts = SolveOptions {
        warm_start: opts.warm_start.filter(|_| warm_wanted()),
        ..opts.clone()
    };
    let (mut raw, mut rounds) = lazy::solve_lazily(lp, &opts, &held, solve_either_form);
    if rounds.dual.is_some() && !accepted(lp, &raw) {
        // The dual simplex's vertex missed our tolerances: the interior-point rounds instead.
        let cold = SolveOptions {
            warm_start: None,
            ..opts.clone()
        };
        (raw, rounds) = lazy::solve_lazily(lp, &cold, &held, solve_either_form);
        rounds.dual_failed = Some("its vertex missed our tolerances".into());
    }
    let note = match tried {
        Some(t) => format!("{t}; then {}", rounds.describe()),
        None => rounds.describe(),
    };
    RawSolution {
        note: Some(note),
        ..raw
    }
}

/// Whether to try [`ipm`] (conjugate gradients) before the lazy rounds on an LP whose KKT
/// factor fills in: on single-period LPs, where it was measured faster (README, Scale: the
/// dense regional network, 120k variables, 16-18 s against 40-55 s; 1M variables, which the
/// factorisation cannot hold). On the six-year path it took 93-119 s against the lazy
/// rounds' 52 s and its plan missed our tolerances, so multi-period LPs keep the lazy
/// rounds. `SOURCING_OPT_IPM=cg|direct` forces the choice; `SOURCING_OPT_LAZY=on` means the
/// lazy rounds.
fn iterative_wanted(lp: &Lp, lazy: Option<bool>) -> bool {
    match std::env::var("SOURCING_OPT_IPM").as_deref() {
        Ok("cg") => return true,
        Ok("direct") => return false,
        _ => {}
    }
    lazy.is_none() && (0..lp.n_rows()).all(|i| lp.row_period(i) == 0)
}

/// Whether the lazy rounds after the first are replaced by the dual simplex the options
/// offer (`SolveOptions::warm_start`); `SOURCING_OPT_WARM=off` keeps the interior-point rounds
/// (for benchmarks and tests).
fn warm_wanted() -> bool {
    std::env::var("SOURCING_OPT_WARM").as_deref() != Ok("off")
}

/// Consider leaving lane capacities out only when the LP's KKT factor takes at least this
/// many flops (below, a solve takes a few seconds at most and the orderings would show).
const LAZY_MIN_FLOPS: f64 = 1e9;
/// Leave them out when that divides the factor's flops by at least this much: each round is
/// a whole interior-point solve, and two or three rounds are usual.
const LAZY_MIN_GAIN: f64 = 8.0;

/// `SOURCING_OPT_LAZY=on|off` forces lane capacities out (every candidate) or in (for
/// benchmarks and tests); unset, [`held_rows`] decides.
fn lazy_forced() -> Option<bool> {
    match std::env::var("SOURCING_OPT_LAZY").as_deref() {
        Ok("on") => Some(true),
        Ok("off") => Some(false),
        _ => None,
    }
}

/// The lane capacity rows to leave out of the first round ([`lazy::candidates`]): all of them
/// when leaving them out divides the flops of the KKT factor by [`LAZY_MIN_GAIN`] on an LP
/// whose factor takes at least [`LAZY_MIN_FLOPS`] (two AMD orderings, counted as Clarabel's
/// would be), or when the whole LP's factor would not fit in memory; none otherwise; `forced`
/// overrides.
fn held_rows(lp: &Lp, forced: Option<bool>) -> Vec<usize> {
    if forced == Some(false) {
        return Vec::new();
    }
    let candidates = lazy::candidates(lp);
    if forced == Some(true) {
        return candidates;
    }
    if candidates.is_empty() || lp.n_rows() + lp.n_vars() < 20_000 {
        return Vec::new();
    }
    let (with, lnz) = lp_fill(lp, &[]);
    if with < LAZY_MIN_FLOPS {
        return Vec::new();
    }
    let (without, _) = lp_fill(lp, &candidates);
    if with >= LAZY_MIN_GAIN * without.max(1.0) || too_large(with, lnz).is_some() {
        candidates
    } else {
        Vec::new()
    }
}

/// [`kkt_fill`] of `lp` without the rows `out`.
fn lp_fill(lp: &Lp, out: &[usize]) -> (f64, usize) {
    let (m, n) = (lp.n_rows(), lp.n_vars());
    let mut colptr = vec![0usize; n + 1];
    let mut skip = vec![false; m];
    out.iter().for_each(|&i| skip[i] = true);
    for i in (0..m).filter(|&i| !skip[i]) {
        lp.row(i).for_each(|(c, _)| colptr[c + 1] += 1);
    }
    for j in 0..n {
        colptr[j + 1] += colptr[j];
    }
    let mut rowval = vec![0usize; colptr[n]];
    let mut fill = colptr.clone();
    for i in (0..m).filter(|&i| !skip[i]) {
        for (c, _) in lp.row(i) {
            rowval[fill[c]] = i;
            fill[c] += 1;
        }
    }
    kkt_fill(m, n, &colptr, &rowval)
}

/// The dual form first (it is faster), checked here as the pipeline will check it; when its
/// answer misses our tolerances (its errors land on the dual rows, judged against costs as
/// small as a few dollars), the primal form, which usually meets them. An infeasible verdict
/// or a time limit is final.
fn solve_either_form(lp: &Lp, opts: &SolveOptions) -> RawSolution {
    let raw = solve_via_dual(lp, opts);
    if raw.outcome != Outcome::Optimal || accepted(lp, &raw) {
        return raw;
    }
    let primal = solve_direct(lp, opts);
    if primal.outcome == Outcome::Optimal {
        primal
    } else {
        raw
    }
}

/// Does an optimal answer pass the acceptance test of [`crate::solve`] (every row within
/// `FEAS_TOL` of its magnitude, duality gap and dual infeasibility within `GAP_TOL`) with a
/// margin of 10, so that the pipeline's own check (after it cleans the duals) cannot differ?
fn accepted(lp: &Lp, raw: &RawSolution) -> bool {
    use crate::lp::check::{violation, FEAS_TOL, GAP_TOL};
    let Some(y) = &raw.duals else { return false };
    let x: Vec<f64> = raw.x.iter().map(|v| v.max(0.0)).collect();
    let (_, rel) = violation(lp, &lp.activities(&x), &x);
    let cert = crate::lp::certify::certify(lp, &x, y.clone(), "check");
    let margin = 0.1;
    rel <= margin * FEAS_TOL && cert.relative_gap <= margin * GAP_TOL && cert.max_dual_infeasibility <= margin * GAP_TOL
}

/// Solve `lp` through its dual, `max b'y  s.t.  A'y <= c` (`= c` for a free column), with
/// `y` free on equality rows, `>= 0` on `>=` rows and `<= 0` on `<=` rows (written `y = -y'`).
/// Clarabel's system for the dual is smaller than for the primal: one row per column and per
/// inequality against one per row and per column bound, and on the presolved 100k-variable
/// continental model the solve takes 1.6-1.7 s instead of 1.87-1.9 s. The plan is the dual's
/// multipliers: the dual of "cost of the dual" row `j` is `d(-z)/d c_j = -x_j`. Statuses swap
/// with it: a dual without bound means an infeasible plan.
fn solve_via_dual(lp: &Lp, opts: &SolveOptions) -> RawSolution {
    use crate::lp::{RowKey, VarKey};
    let mut dual = Lp::default();
    let mut sign = vec![1.0; lp.n_rows()];
    for i in 0..lp.n_rows() {
        let key = VarKey::Aux(i as u32);
        match lp.senses()[i] {
            Sense::Eq => dual.add_free_var(key, -lp.rhs()[i]),
            Sense::Ge => dual.add_var(key, -lp.rhs()[i]),
            Sense::Le => {
                sign[i] = -1.0;
                dual.add_var(key, lp.rhs()[i])
            }
        };
    }
    let mut terms = Vec::new();
    for (j, col) in lp.columns().into_iter().enumerate() {
        terms.extend(col.into_iter().map(|(i, v)| (i, v * sign[i as usize])));
        let sense = if lp.is_free(j) { Sense::Eq } else { Sense::Le };
        dual.add_row(RowKey::Aux(j as u32), &mut terms, sense, lp.obj()[j]);
    }
    let raw = solve_direct(&dual, opts);
    match raw.outcome {
        Outcome::Optimal | Outcome::Imprecise => {}
        Outcome::Unbounded => return RawSolution::without_values(Outcome::Infeasible),
        Outcome::Infeasible => return RawSolution::without_values(Outcome::Unbounded),
        other => return RawSolution::without_values(other),
    }
    let Some(x_dual) = raw.duals else {
        return RawSolution::without_values(Outcome::Failed("clarabel gave no multipliers".into()));
    };
    RawSolution {
        outcome: raw.outcome,
        x: x_dual.iter().map(|v| -v).collect(),
        duals: Some(raw.x.iter().zip(&sign).map(|(v, s)| v * s).collect()),
        note: None,
    }
}

fn solve_direct(lp: &Lp, opts: &SolveOptions) -> RawSolution {
    solve_direct_with(lp, opts, None)
}

/// [`solve_direct`] with the factorisation `ldl` (`None`: [`ldl_method`]'s choice).
fn solve_direct_with(lp: &Lp, opts: &SolveOptions, ldl: Option<&'static str>) -> RawSolution {
    let n = lp.n_vars();
    // Clarabel row order: equalities first, then inequalities, then the bounds x >= 0.
    let mut order: Vec<usize> = (0..lp.n_rows()).filter(|&i| lp.senses()[i] == Sense::Eq).collect();
    let n_eq = order.len();
    order.extend((0..lp.n_rows()).filter(|&i| lp.senses()[i] != Sense::Eq));
    let bounded: Vec<usize> = (0..n).filter(|&j| !lp.is_free(j)).collect();
    let m = lp.n_rows() + bounded.len();

    // Count per column to build CSC directly.
    let mut colptr = vec![0usize; n + 1];
    for &c in lp.matrix().1 {
        colptr[c as usize + 1] += 1;
    }
    for &j in &bounded {
        colptr[j + 1] += 1; // the bound row
    }
    for j in 0..n {
        colptr[j + 1] += colptr[j];
    }
    let nnz = colptr[n];
    let mut rowval = vec![0usize; nnz];
    let mut nzval = vec![0f64; nnz];
    let mut fill = colptr.clone();
    let mut b = vec![0f64; m];
    for (pos, &i) in order.iter().enumerate() {
        let sign = if lp.senses()[i] == Sense::Ge { -1.0 } else { 1.0 };
        b[pos] = sign * lp.rhs()[i];
        for (c, v) in lp.row(i) {
            let k = fill[c];
            rowval[k] = pos;
            nzval[k] = sign * v;
            fill[c] += 1;
        }
    }
    for (k, &j) in bounded.iter().enumerate() {
        let pos = fill[j];
        rowval[pos] = lp.n_rows() + k;
        nzval[pos] = -1.0;
        fill[j] += 1;
    }
    // Uniform scaling of the right-hand side and of the costs to unit size: Clarabel's
    // tolerances and infeasibility tests are absolute, and on a model in tonnes and
    // dollars (prices near 1e6, flows near 1e6) it otherwise "proves" some bounded models
    // unbounded. x = x' / beta and z = z' / gamma undo it. (Per-row scaling was tried: it
    // rescues the tiny rows of a model spanning 1e-3..1e9 t in the primal but amplifies
    // the dual error of those rows beyond our certificate.)
    let largest = |v: &[f64]| v.iter().fold(0.0f64, |mx, x| mx.max(x.abs()));
    let beta = if largest(&b) > 0.0 { 1.0 / largest(&b) } else { 1.0 };
    let gamma = if largest(lp.obj()) > 0.0 {
        1.0 / largest(lp.obj())
    } else {
        1.0
    };
    b.iter_mut().for_each(|v| *v *= beta);
    let q: Vec<f64> = lp.obj().iter().map(|c| c * gamma).collect();
    let a = CscMatrix::new(m, n, colptr, rowval, nzval);
    let p = CscMatrix::<f64>::zeros((n, n));
    let mut cones: Vec<SupportedConeT<f64>> = Vec::new();
    if n_eq > 0 {
        cones.push(ZeroConeT(n_eq));
    }
    if m > n_eq {
        cones.push(NonnegativeConeT(m - n_eq));
    }
    let ldl = match factorisation(m, n, &a, ldl) {
        Ok(l) => l,
        Err(why) => return RawSolution::without_values(Outcome::TooLarge(why)),
    };
    let settings = match settings(ldl, opts) {
        Ok(s) => s,
        Err(e) => return RawSolution::without_values(Outcome::Failed(format!("clarabel settings: {e}"))),
    };
    let mut solver = match DefaultSolver::new(&p, &q, &a, &b, &cones, settings) {
        Ok(s) => s,
        Err(e) => return RawSolution::without_values(Outcome::Failed(format!("clarabel set-up: {e}"))),
    };
    solver.solve();
    let sol = &solver.solution;
    let outcome = match sol.status {
        SolverStatus::Solved => Outcome::Optimal,
        SolverStatus::AlmostSolved => Outcome::Imprecise,
        SolverStatus::PrimalInfeasible | SolverStatus::AlmostPrimalInfeasible => Outcome::Infeasible,
        SolverStatus::DualInfeasible | SolverStatus::AlmostDualInfeasible => Outcome::Unbounded,
        SolverStatus::MaxTime => Outcome::TimeLimit,
        other => Outcome::Failed(format!("clarabel stopped: {other:?}")),
    };
    if !matches!(outcome, Outcome::Optimal | Outcome::Imprecise) {
        return RawSolution::without_values(outcome);
    }
    let mut duals = vec![0f64; lp.n_rows()];
    for (pos, &i) in order.iter().enumerate() {
        let z = sol.z[pos] / gamma;
        duals[i] = if lp.senses()[i] == Sense::Ge { z } else { -z };
    }
    RawSolution {
        outcome,
        x: sol.x.iter().map(|v| v / beta).collect(),
        duals: Some(duals),
        note: None,
    }
}

/// Clarabel's settings for our LPs, with the factorisation `ldl`.
fn settings(ldl: &'static str, opts: &SolveOptions) -> Result<DefaultSettings<f64>, String> {
    let mut settings = DefaultSettingsBuilder::<f64>::default();
    settings
        .verbose(false)
        .presolve_enable(true)
        .direct_solve_method(ldl.into())
        .max_threads(THREADS)
        // Far tighter than the defaults (1e-8): our own check accepts 1e-6 of a row's
        // magnitude (at least 1 t), and rows of a few tonnes sit beside rows of millions. At
        // 1e-10 the presolved baseline left balances of 0.1 t off by 2.5e-6 t (rejected by
        // our check); at 1e-12 the worst row is off by 8e-10, for 7% more time at 100k.
        .tol_feas(1e-12)
        .tol_gap_abs(1e-12)
        .tol_gap_rel(1e-12)
        // Iterative refinement of each KKT solve costs a quarter of the run at 100k
        // variables (2.3 s against 1.8 s) and changes neither the objective nor the
        // accuracy our check measures (relative violation 7e-9 either way); a solve it
        // would have rescued fails our check and `auto` falls back on the simplex.
        .iterative_refinement_enable(false);
    if let Some(t) = opts.time_limit {
        settings.time_limit(t.as_secs_f64());
    }
    settings.build().map_err(|e| e.to_string())
}

/// Clarabel's threads. The factorisations gain nothing from a second core on a 2-core machine
/// (faer: 29 s against 21 s on 361k multi-period variables), and `sweep` and `stress` already
/// use the cores for points.
const THREADS: u32 = 1;

/// The sparse LDL factorisation Clarabel runs at every iteration: QDLDL (simplicial) or faer
/// (supernodal, pure Rust), chosen by the size and density of the factor of this LP's KKT
/// system, as AMD orders it. Measured on `generate` instances (solve time, same iterations):
///
/// | instance | factor flops | flops / nonzero | QDLDL | faer |
/// |---|---|---|---|---|
/// | `--scale 100` (100k variables) | 2.8e7 | 80 | 1.2 s | 2.8 s |
/// | `--scale 300` | 2.1e8 | 142 | 8.2 s | 10.9 s |
/// | `--scale 20 --periods 6 --origin` | 3.4e8 | 166 | 10.9 s | 9.8 s |
/// | `--scale 30 --periods 6` | 4.9e8 | 305 | 19.7 s | 6.6 s |
/// | `--scale 60 --periods 6` | 4.1e9 | 644 | 239 s | 21 s |
///
/// Supernodes pay where the factor is both large and dense (multi-period models and dense
/// networks, whose lane capacities tie the materials together: see [`held_rows`]); below
/// that QDLDL's lower overhead wins. `SOURCING_OPT_LDL=qdldl|faer` forces one (for benchmarks).
fn ldl_method(m: usize, n: usize, a: &CscMatrix<f64>) -> (&'static str, Option<(f64, usize)>) {
    let forced = match std::env::var("SOURCING_OPT_LDL").as_deref() {
        Ok("qdldl") => Some("qdldl"),
        Ok("faer") => Some("faer"),
        _ => None,
    };
    // Below this size no factor reaches the threshold's flops (and AMD's cost is noticeable).
    if n + m < 20_000 {
        return (forced.unwrap_or("qdldl"), None);
    }
    let (flops, lnz) = kkt_fill(m, n, &a.colptr, &a.rowval);
    let chosen = if flops >= 3e8 && flops >= 150.0 * lnz as f64 {
        "faer"
    } else {
        "qdldl"
    };
    (forced.unwrap_or(chosen), Some((flops, lnz)))
}

/// The factorisation to use (`ldl`, or [`ldl_method`]'s choice), or why its factor would
/// not fit in the run's memory ([`too_large`]).
fn factorisation(m: usize, n: usize, a: &CscMatrix<f64>, ldl: Option<&'static str>) -> Result<&'static str, String> {
    let (ldl, fill) = match ldl {
        Some(l) => (l, None),
        None => ldl_method(m, n, a),
    };
    match fill.and_then(|(flops, lnz)| too_large(flops, lnz)) {
        Some(why) => Err(why),
        None => Ok(ldl),
    }
}

/// Bytes of memory per nonzero of the KKT factor, with a margin: its value and row index
/// (16), and the supernodes' padding (faer asked for 13.4 per nonzero counted by AMD on a
/// 1M-variable dense network).
const FACTOR_BYTES_PER_NONZERO: usize = 16;

/// Why a factor of `lnz` nonzeros (`flops` per factorisation) cannot be computed within the
/// run's memory ([`memory_limit`]), or `None` when it fits.
fn too_large(flops: f64, lnz: usize) -> Option<String> {
    let need = lnz.saturating_mul(FACTOR_BYTES_PER_NONZERO);
    let (limit, what) = memory_limit()?;
    (need > limit).then(|| {
        format!(
            "the interior point's factorisation would need about {} ({lnz} nonzeros in the factor of its \
             KKT system, {flops:.1e} flops per factorisation: this network fills it in), and {what} {}; \
             reduce the instance (fewer lanes between regions), run it on a larger machine, or use a \
             simplex backend ({}; minilp is slow at this size)",
            human_bytes(need),
            human_bytes(limit),
            VERTEX_BACKENDS
        )
    })
}

/// The nonzeros and flops of the LDL factor of the KKT system `[[D, A'], [A, D]]` of an
/// `m x n` CSC matrix, under the AMD ordering (what Clarabel's factorisation will cost).
fn kkt_fill(m: usize, n: usize, colptr: &[usize], rowval: &[usize]) -> (f64, usize) {
    // The upper triangle by columns: column j < n holds (j, j); column n + i holds the
    // columns of row i of A, then (n + i, n + i).
    let mut rows_of: Vec<Vec<usize>> = vec![Vec::new(); m];
    for j in 0..n {
        for &i in &rowval[colptr[j]..colptr[j + 1]] {
            rows_of[i].push(j);
        }
    }
    let mut kp = Vec::with_capacity(n + m + 1);
    let mut ki = Vec::with_capacity(n + m + colptr[n]);
    kp.push(0usize);
    for j in 0..n {
        ki.push(j);
        kp.push(ki.len());
    }
    for (i, cols) in rows_of.iter().enumerate() {
        ki.extend(cols);
        ki.push(n + i);
        kp.push(ki.len());
    }
    let mut control = amd::Control::default();
    control.dense *= 1.5;
    match amd::order(n + m, &kp, &ki, &control) {
        Ok((_, _, info)) => ((info.n_div + info.n_mult_subs_ldl) as f64, info.lnz),
        Err(_) => (0.0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lp::VarKey;

    use crate::lp::aux_row as row;

    /// Two sources (cost 2, capacity 3; cost 5) serve a demand of 4, with a `>=` quota of 0.5
    /// on the dear one: every row kind, with unique duals derived by hand.
    fn small() -> Lp {
        let mut lp = Lp::default();
        let a = lp.add_var(VarKey::Aux(0), 2.0);
        let b = lp.add_var(VarKey::Aux(1), 5.0);
        row(&mut lp, 0, &[(a, 1.0), (b, 1.0)], Sense::Eq, 4.0);
        row(&mut lp, 1, &[(a, 1.0)], Sense::Le, 3.0);
        row(&mut lp, 2, &[(b, 1.0)], Sense::Ge, 0.5);
        lp
    }

    /// A transport LP: `k` sources of capacity 10 (cost `1 + (i * 7) % 5`), `k` sinks of
    /// demand 5, a lane between every pair (cost `(i + 2j) % 7`).
    fn transport(k: u32) -> Lp {
        let mut lp = Lp::default();
        let mut ship = Vec::new();
        for i in 0..k {
            for j in 0..k {
                let cost = f64::from(1 + (i * 7) % 5 + (i + 2 * j) % 7);
                ship.push(lp.add_var(VarKey::Aux(i * k + j), cost));
            }
        }
        for i in 0..k {
            let terms: Vec<_> = (0..k).map(|j| (ship[(i * k + j) as usize], 1.0)).collect();
            row(&mut lp, i, &terms, Sense::Le, 10.0);
        }
        for j in 0..k {
            let terms: Vec<_> = (0..k).map(|i| (ship[(i * k + j) as usize], 1.0)).collect();
            row(&mut lp, k + j, &terms, Sense::Ge, 5.0);
        }
        lp
    }

    #[test]
    fn both_factorisations_reach_the_same_certified_optimum() {
        for lp in [small(), transport(12)] {
            let [q, f] = ["qdldl", "faer"].map(|ldl| solve_direct_with(&lp, &SolveOptions::default(), Some(ldl)));
            for raw in [&q, &f] {
                assert_eq!(raw.outcome, Outcome::Optimal);
                assert!(accepted(&lp, raw));
            }
            let cost = |raw: &RawSolution| lp.obj().iter().zip(&raw.x).map(|(c, x)| c * x).sum::<f64>();
            assert!((cost(&q) - cost(&f)).abs() <= 1e-7 * cost(&q).abs().max(1.0));
        }
    }

    /// A matching (row i has column i only) fills nothing: each column eliminated leaves one
    /// entry below the diagonal. A dense block fills, with many flops per factor entry.
    #[test]
    fn the_fill_estimate_sees_sparse_and_dense_factors() {
        let k = 50;
        let colptr: Vec<usize> = (0..=k).collect();
        let rowval: Vec<usize> = (0..k).collect();
        let (flops, lnz) = kkt_fill(k, k, &colptr, &rowval);
        assert_eq!(lnz, k);
        assert!(flops <= 3.0 * k as f64, "{flops}");
        let colptr: Vec<usize> = (0..=k).map(|j| j * k).collect();
        let rowval: Vec<usize> = (0..k * k).map(|e| e % k).collect();
        let (flops, lnz) = kkt_fill(k, k, &colptr, &rowval);
        assert!(lnz >= k * (k - 1) / 2, "{lnz}");
        assert!(flops >= 10.0 * lnz as f64, "{flops} flops for {lnz}");
    }

    #[test]
    fn the_dual_form_gives_the_plan_and_the_prices_of_the_primal() {
        let lp = small();
        for raw in [
            solve_via_dual(&lp, &SolveOptions::default()),
            solve_direct(&lp, &SolveOptions::default()),
        ] {
            assert_eq!(raw.outcome, Outcome::Optimal);
            assert!(
                (raw.x[0] - 3.0).abs() < 1e-7 && (raw.x[1] - 1.0).abs() < 1e-7,
                "{:?}",
                raw.x
            );
            // One more tonne of demand comes from b (5); one more unit of a's capacity saves
            // 5 - 2; the quota is met with room to spare (b = 1 > 0.5), so it is worth 0.
            let y = raw.duals.as_ref().unwrap();
            assert!((y[0] - 5.0).abs() < 1e-6, "{y:?}");
            assert!((y[1] + 3.0).abs() < 1e-6, "{y:?}");
            assert!(y[2].abs() < 1e-6, "{y:?}");
            assert!(accepted(&lp, &raw));
        }
    }

    #[test]
    fn an_infeasible_model_is_infeasible_through_the_dual_form() {
        let mut lp = small();
        row(&mut lp, 3, &[(1, 1.0)], Sense::Le, 0.25); // b <= 0.25 against b >= 0.5
        assert_eq!(
            solve_via_dual(&lp, &SolveOptions::default()).outcome,
            Outcome::Infeasible
        );
        assert_eq!(
            solve_either_form(&lp, &SolveOptions::default()).outcome,
            Outcome::Infeasible
        );
    }

    /// `auto` tries conjugate gradients on one period only (and never when the lazy rounds
    /// are forced): a path of periods goes to the lazy rounds.
    #[test]
    fn conjugate_gradients_are_for_single_period_lps() {
        use crate::model::generate::{write_instance_periods, Params, Shape};
        let lp_of = |periods: u32| {
            let mut buf = Vec::new();
            let p = Params {
                seed: 2,
                scale: 1,
                origin: false,
                shape: Shape::Dense,
            };
            write_instance_periods(&p, periods, &mut buf).unwrap();
            let inst = sourcing_models::load_str(std::str::from_utf8(&buf).unwrap())
                .instance
                .unwrap();
            crate::model::formulate::build(&inst).lp
        };
        let (one, three) = (lp_of(1), lp_of(3));
        assert!(iterative_wanted(&one, None));
        assert!(!iterative_wanted(&one, Some(true)));
        assert!(!iterative_wanted(&three, None));
    }
}
