//! Backends reached through good_lp: microlp (the `minilp` feature, pure-Rust simplex, the
//! default for small models) and, behind the `highs` cargo feature, HiGHS.
//!
//! microlp returns an exact vertex but no duals; those come from [`crate::solve::dual_lp`]. HiGHS
//! returns row duals as the derivative of the optimum with respect to the row bound, which
//! is our convention already.

use super::api::{Backend, Outcome, RawSolution, SolveOptions};
use crate::lp::{Lp, Sense};
use good_lp::constraint::ConstraintReference;
use good_lp::solvers::microlp::microlp;
use good_lp::{
    constraint, variable, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus, SolverModel,
    Variable,
};

/// Translate our LP into a good_lp model for `solver`.
/// Our column in good_lp: one variable, or the difference of two for a free column.
#[derive(Clone, Copy)]
enum Var {
    One(Variable),
    Split(Variable, Variable),
}

impl Var {
    fn add_to(self, e: &mut Expression, coef: f64) {
        match self {
            Var::One(v) => e.add_mul(coef, v),
            Var::Split(p, q) => {
                e.add_mul(coef, p);
                e.add_mul(-coef, q);
            }
        }
    }

    fn value(self, sol: &impl Solution) -> f64 {
        match self {
            Var::One(v) => sol.value(v),
            Var::Split(p, q) => sol.value(p) - sol.value(q),
        }
    }
}

fn model<S: good_lp::Solver>(lp: &Lp, solver: S) -> (S::Model, Vec<Var>, Vec<ConstraintReference>) {
    let mut vars = ProblemVariables::new();
    // A free column is split as `x = p - q` with `p, q >= 0`: microlp can cycle on small
    // unbounded LPs with free columns, and the split costs nothing to the others.
    let x: Vec<Var> = (0..lp.n_vars())
        .map(|j| {
            let p = vars.add(variable().min(0.0));
            if lp.is_free(j) {
                Var::Split(p, vars.add(variable().min(0.0)))
            } else {
                Var::One(p)
            }
        })
        .collect();
    let mut objective = Expression::with_capacity(lp.n_vars());
    for (j, &c) in lp.obj().iter().enumerate() {
        if c != 0.0 {
            x[j].add_to(&mut objective, c);
        }
    }
    let mut model = vars.minimise(objective).using(solver);
    let mut refs = Vec::with_capacity(lp.n_rows());
    for i in 0..lp.n_rows() {
        let mut e = Expression::with_capacity(lp.row_len(i));
        for (c, v) in lp.row(i) {
            x[c].add_to(&mut e, v);
        }
        let rhs = lp.rhs()[i];
        refs.push(model.add_constraint(match lp.senses()[i] {
            Sense::Le => constraint::leq(e, rhs),
            Sense::Ge => constraint::geq(e, rhs),
            Sense::Eq => constraint::eq(e, rhs),
        }));
    }
    (model, x, refs)
}

fn failure(e: ResolutionError, backend: &str) -> RawSolution {
    RawSolution::without_values(match e {
        ResolutionError::Infeasible => Outcome::Infeasible,
        ResolutionError::Unbounded => Outcome::Unbounded,
        ResolutionError::Other(s) if s.contains("Time limit") => Outcome::TimeLimit,
        e => Outcome::Failed(format!("{backend}: {e}")),
    })
}

fn outcome(status: SolutionStatus) -> Outcome {
    match status {
        SolutionStatus::Optimal => Outcome::Optimal,
        SolutionStatus::TimeLimit => Outcome::TimeLimit,
        SolutionStatus::GapLimit => Outcome::Imprecise,
    }
}

pub struct MiniLp;

impl Backend for MiniLp {
    fn name(&self) -> &'static str {
        "minilp"
    }

    fn solve(&self, lp: &Lp, opts: &SolveOptions) -> RawSolution {
        use good_lp::WithTimeLimit;
        let (mut model, x, _) = model(lp, microlp);
        if let Some(t) = opts.time_limit {
            model = model.with_time_limit(t.as_secs_f64());
        }
        match model.solve() {
            Ok(sol) => RawSolution {
                outcome: outcome(sol.status()),
                x: x.iter().map(|v| v.value(&sol)).collect(),
                duals: None,
                note: None,
            },
            Err(e) => failure(e, "microlp"),
        }
    }
}

#[cfg(feature = "highs")]
pub struct Highs;

#[cfg(feature = "highs")]
impl Backend for Highs {
    fn name(&self) -> &'static str {
        "highs"
    }

    fn solve(&self, lp: &Lp, opts: &SolveOptions) -> RawSolution {
        use good_lp::solvers::highs::highs;
        use good_lp::{DualValues, SolutionWithDual};
        let (mut model, x, refs) = model(lp, highs);
        model = model.set_threads(1);
        if let Some(t) = opts.time_limit {
            model = model.set_time_limit(t.as_secs_f64());
        }
        let started = std::time::Instant::now();
        match model.solve() {
            Ok(mut sol) => {
                let out = outcome(sol.status());
                let values = x.iter().map(|v| v.value(&sol)).collect();
                let d = sol.compute_dual();
                let duals = refs.iter().map(|r| d.dual(r.clone())).collect();
                RawSolution {
                    outcome: out,
                    x: values,
                    duals: Some(duals),
                    note: None,
                }
            }
            // HiGHS stopped by its time limit before any solution reports "no solution found".
            Err(_) if opts.time_limit.is_some_and(|t| started.elapsed() >= t) => {
                RawSolution::without_values(Outcome::TimeLimit)
            }
            Err(e) => failure(e, "highs"),
        }
    }
}
