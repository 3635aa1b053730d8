//! Crossover: from an interior-point plan to an optimal vertex and its optimal basis, so
//! that a plan of Clarabel can be ranged like a simplex's.
//!
//! An interior-point plan lies inside the optimal face: more columns are positive than a
//! basis holds. From it:
//!
//! 1. **Crash.** The starting basis of [`super::basis`] (the plan's positive columns by
//!    decreasing value, then slacks, then the rest); given the interior point's duals `y`,
//!    every column by its value over its reduced cost `c_j - a_j'y`, largest first, as IPX
//!    crashes: a column of the optimal face has a value and no reduced cost, one off it the
//!    reverse, and a basis of such columns is nearly dual feasible (on the first round of the
//!    six-year path of 600k variables, 614 optimality pivots followed instead of 15,480: 0.2 s
//!    against 3.3 s). The positive columns it leaves out are *superbasic*: nonbasic at a
//!    positive value; the basic values follow from them, `x_B = B^{-1}(b - N x_N)`.
//! 2. **Primal push.** Each superbasic column `q`, smallest first, is moved down to zero
//!    while the basic values follow (`x_B + t B^{-1} a_q`), by a ratio test (Harris' two
//!    passes). When a basic column reaches zero first, `q` takes its place at the value it
//!    has left. Every row keeps its value, so the plan stays feasible; on the optimal face
//!    the cost does not move either (the reduced cost of a positive column is zero).
//! 3. **Optimality.** Every nonbasic column is now at zero: the basis is a vertex. Primal
//!    simplex pivots ([`Basis::make_optimal`]) reach a dual feasible basis if it is not one
//!    (each pivot can only lower the cost).
//!
//! The answer is the vertex and the duals of its basis; the caller checks them on the LP as
//! any backend's answer (feasibility, dual feasibility, duality gap), and keeps the
//! interior-point plan when the check fails.

use super::basis::{Basis, StdForm, RATIO_TOL};
use crate::lp::check::{is_tight, used_tols, FEAS_TOL};
use crate::lp::lu::SparseVec;
use crate::lp::Lp;
use crate::solve::backend::Deadline;

/// An optimal vertex near the optimal plan `x` (row activities `activities`; `y` its duals
/// when known), the duals of its optimal basis, and that basis (to range at). An error when a
/// step fails numerically, the basis found is not primal feasible, or `deadline` passes
/// during the pushes.
pub(super) fn crossover(
    lp: &Lp,
    x: &[f64],
    activities: &[f64],
    y: Option<&[f64]>,
    deadline: Deadline,
) -> Result<(Vec<f64>, Vec<f64>, Basis), String> {
    let sf = StdForm::new(lp, x, activities);
    let (n, m) = (sf.n, sf.m);
    let mut basis = Basis::crash(&sf, x, y)?;
    // Nonbasic values: the superbasic columns' plan values, 0 elsewhere.
    let mut value = vec![0.0; n + m];
    let used = used_tols(lp, x);
    let mut supers: Vec<usize> = (0..n)
        .filter(|&j| basis.pos[j] == usize::MAX && x[j] > used[j])
        .collect();
    supers.extend(
        (0..m)
            .filter(|&i| sf.slack_sign[i] != 0.0 && !is_tight(lp, i, activities[i]))
            .map(|i| n + i)
            .filter(|&k| basis.pos[k] == usize::MAX),
    );
    for &k in &supers {
        value[k] = sf.plan_value(k, x);
    }
    supers.sort_by(|&a, &b| value[a].total_cmp(&value[b]).then(a.cmp(&b)));
    basic_values(&sf, &mut basis, &value);
    let (mut rows, mut alpha) = (SparseVec::new(m), SparseVec::new(m));
    for (done, &q) in supers.iter().enumerate() {
        if done % 256 == 0 && deadline.passed() {
            return Err("the time limit was reached".into());
        }
        if super::basis::refactor_due(&basis.factor, m) {
            basis.refactor(&sf)?;
            basic_values(&sf, &mut basis, &value);
        }
        basis.ftran_col(&sf, q, &mut rows, &mut alpha);
        push(&sf, &mut basis, &alpha, q, value[q]);
        value[q] = 0.0;
    }
    basis.refactor(&sf)?;
    basis.make_optimal(&sf, 2 * m + 100, deadline)?;
    let (plan, y) = vertex(&sf, &mut basis)?;
    Ok((plan, y, basis))
}

/// The vertex of `basis` (refactorised) and the duals of its basis; an error when a basic
/// value is infeasible beyond the feasibility tolerance.
pub(super) fn vertex(sf: &StdForm, basis: &mut Basis) -> Result<(Vec<f64>, Vec<f64>), String> {
    basis.refactor(sf)?;
    let at = basis.solution(sf);
    let tol = FEAS_TOL * sf.xscale;
    let mut plan = vec![0.0; sf.n];
    for (p, &k) in basis.basic.iter().enumerate() {
        let v = at.xb[p];
        if v < -tol || (sf.is_artificial(k) && v.abs() > tol) {
            return Err(format!("the vertex found is infeasible ({v:.3e} at a basic column)"));
        }
        if k < sf.n {
            plan[k] = v.max(0.0);
        }
    }
    Ok((plan, at.y))
}

/// `x_B = B^{-1}(b - N v)` for the nonbasic values `v`.
fn basic_values(sf: &StdForm, basis: &mut Basis, value: &[f64]) {
    let mut b = sf.lp.rhs().to_vec();
    let mut col = Vec::new();
    for (k, &v) in value.iter().enumerate() {
        if v != 0.0 && basis.pos[k] == usize::MAX {
            sf.column(k, &mut col);
            for &(i, a) in &col {
                b[i] -= a * v;
            }
        }
    }
    let mut xb = vec![0.0; sf.m];
    basis.factor.ftran(&mut b, &mut xb);
    basis.xb = xb;
}

/// Move the nonbasic column `q` from `v` down to zero along `alpha = B^{-1} a_q` (the basic
/// values rise by `t alpha` as it falls by `t`); a basic column that reaches zero first
/// (an artificial one moves at all) leaves, and `q` enters at the value it has left.
fn push(sf: &StdForm, basis: &mut Basis, alpha: &SparseVec, q: usize, v: f64) {
    let xtol = RATIO_TOL * sf.xscale;
    let ptol = RATIO_TOL * alpha.max_abs().max(1.0);
    let artificial = |p: usize| sf.is_artificial(basis.basic[p]);
    let blocks = |p: usize, a: f64| a < -ptol || (artificial(p) && a.abs() > ptol);
    let room = |p: usize| if artificial(p) { 0.0 } else { basis.xb[p].max(0.0) };
    // Harris: the largest step any blocking column allows within the tolerance, then the
    // blocking column with the largest |alpha| among those it reaches (ties to the first).
    let mut tmax = v;
    for &p in &alpha.idx {
        let a = alpha.val[p];
        if blocks(p, a) {
            tmax = tmax.min((room(p) + xtol) / a.abs());
        }
    }
    let mut leave: Option<usize> = None;
    for &p in &alpha.idx {
        let a = alpha.val[p];
        if !blocks(p, a) || room(p) / a.abs() > tmax {
            continue;
        }
        if leave.is_none_or(|r| a.abs() > alpha.val[r].abs() || (a.abs() == alpha.val[r].abs() && p < r)) {
            leave = Some(p);
        }
    }
    let step = leave.map_or(v, |r| (room(r) / alpha.val[r].abs()).min(v));
    for &p in &alpha.idx {
        basis.xb[p] += step * alpha.val[p];
    }
    let Some(r) = leave.filter(|_| step < v) else {
        return;
    };
    let leaving = basis.basic[r];
    basis.xb[r] = v - step;
    basis.pos[leaving] = usize::MAX;
    basis.basic[r] = q;
    basis.pos[q] = r;
    basis.factor.update(r, alpha);
}

#[cfg(test)]
mod tests {
    use super::super::basis::ranging_with_basis;
    use super::super::basis::tests::{random_lp, solve};
    use super::super::prices::Directions;
    use super::*;
    use crate::lp::certify::certify;
    use crate::lp::check::{violation, GAP_TOL};
    use crate::model::generate::Rng;
    use crate::solve::backend::{Backend, Clarabel, Outcome, SolveOptions};

    /// Random LPs with ties (integer costs: optimal faces of several vertices): from
    /// Clarabel's interior plan, the crossover reaches a vertex that costs the simplex's
    /// optimum, is feasible, is a vertex (the basis ranging reproduces it, which it cannot
    /// do from the interior plan), and whose duals prove it optimal.
    #[test]
    fn crossover_reaches_an_optimal_vertex_from_the_interior() {
        let mut rng = Rng::new(0x0C05_50E4_7A11_2B9D);
        let (mut crossed, mut interior) = (0, 0);
        for case in 0..150 {
            let lp = random_lp(&mut rng, true);
            let (_, z) = solve(&lp).expect("feasible and bounded by construction");
            let ipm = Clarabel::without_presolve().solve(&lp, &SolveOptions::default());
            if ipm.outcome != Outcome::Optimal {
                continue;
            }
            let x: Vec<f64> = ipm.x.iter().map(|v| v.max(0.0)).collect();
            let act = lp.activities(&x);
            let dirs = Directions::independent();
            let not_vertex = ranging_with_basis(&lp, &x, &act, &[], &dirs).is_err();
            interior += usize::from(not_vertex);
            if not_vertex {
                // A deadline that has passed stops the pushes (`--time-limit`).
                let passed = Deadline::after(Some(std::time::Duration::ZERO));
                let e = crossover(&lp, &x, &act, None, passed).err();
                assert_eq!(e.as_deref(), Some("the time limit was reached"), "case {case}");
            }
            // From the plan alone, and crashed with the interior point's duals.
            for duals in [None, ipm.duals.as_deref()] {
                let (v, y, _) =
                    crossover(&lp, &x, &act, duals, Deadline::none()).unwrap_or_else(|e| panic!("case {case}: {e}"));
                let vact = lp.activities(&v);
                let (_, rel) = violation(&lp, &vact, &v);
                assert!(rel <= FEAS_TOL, "case {case}: violation {rel:.3e}");
                let zv = lp.objective_value(&v);
                assert!(
                    (zv - z).abs() <= 1e-7 * z.abs().max(1.0),
                    "case {case}: vertex {zv}, simplex {z}"
                );
                let c = certify(&lp, &v, y, "crossover");
                assert!(
                    c.relative_gap <= GAP_TOL && c.max_dual_infeasibility <= GAP_TOL,
                    "case {case}: gap {:.3e}, dual infeasibility {:.3e}",
                    c.relative_gap,
                    c.max_dual_infeasibility
                );
                ranging_with_basis(&lp, &v, &vact, &[], &dirs)
                    .unwrap_or_else(|e| panic!("case {case}: not a vertex: {e}"));
                crossed += 1;
            }
        }
        eprintln!("crossover: {crossed} cases, {interior} interior plans that are not vertices");
        assert!(crossed >= 240, "only {crossed} cases crossed over");
        assert!(
            interior >= 10,
            "only {interior} interior plans that are not vertices: the push is not exercised"
        );
    }
}
