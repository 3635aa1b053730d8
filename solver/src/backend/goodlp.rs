//! Backends reached through good_lp: microlp (the `minilp` feature, pure-Rust simplex, the
//! default for small models) and, behind the `highs` cargo feature, HiGHS.
//!
//! microlp returns an exact vertex but no duals; those come from [`crate::duals`]. HiGHS
//! returns row duals as the derivative of the optimum with respect to the row bound, which
//! is our convention already.

use super::{Backend, Outcome, RawSolution, SolveOptions};
use crate::lp::{Lp, Sense};
use good_lp::constraint::ConstraintReference;
use good_lp::solvers::microlp::microlp;
use good_lp::{
    constraint, variable, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus, SolverModel,
    Variable,
};

/// Translate our LP into a good_lp model for `solver`.
fn model<S: good_lp::Solver>(lp: &Lp, solver: S) -> (S::Model, Vec<Variable>, Vec<ConstraintReference>) {
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = (0..lp.n_vars())
        .map(|j| vars.add(if lp.is_free(j) { variable() } else { variable().min(0.0) }))
        .collect();
    let mut objective = Expression::with_capacity(lp.n_vars());
    for (j, &c) in lp.obj.iter().enumerate() {
        if c != 0.0 {
            objective.add_mul(c, x[j]);
        }
    }
    let mut model = vars.minimise(objective).using(solver);
    let mut refs = Vec::with_capacity(lp.n_rows());
    for i in 0..lp.n_rows() {
        let mut e = Expression::with_capacity(lp.row_start[i + 1] - lp.row_start[i]);
        for (c, v) in lp.row(i) {
            e.add_mul(v, x[c]);
        }
        let rhs = lp.rhs[i];
        refs.push(model.add_constraint(match lp.senses[i] {
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
                x: x.iter().map(|v| sol.value(*v)).collect(),
                duals: None,
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
        match model.solve() {
            Ok(mut sol) => {
                let out = outcome(sol.status());
                let values = x.iter().map(|v| sol.value(*v)).collect();
                let d = sol.compute_dual();
                let duals = refs.iter().map(|r| d.dual(r.clone())).collect();
                RawSolution {
                    outcome: out,
                    x: values,
                    duals: Some(duals),
                }
            }
            Err(e) => failure(e, "highs"),
        }
    }
}
