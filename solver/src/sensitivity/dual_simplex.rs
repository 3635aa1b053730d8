//! A dual simplex warm-started from a relaxation's optimal basis: the second phase of the
//! lazy capacities ([`crate::solve::backend::lazy`]).
//!
//! The first round solves the LP without its lane capacities by the interior point. Its
//! plan usually breaks a few hundred of them. Solving the LP again with those rows in (the
//! rounds) costs another interior point each time, on a factor that the rows fill in. But the
//! relaxation's optimal basis, with the slacks of the rows left out added (each covers its
//! own row, so the basis stays nonsingular), is a basis of the whole LP that is still *dual*
//! feasible: the new rows' duals are 0 and no reduced cost changes. Only the broken rows'
//! slacks are negative. The dual simplex repairs exactly that, a few pivots per broken row:
//!
//! 1. **Crossover** of the relaxation's interior plan with its duals ([`super::crossover`]):
//!    an optimal vertex of the relaxation and its optimal basis.
//! 2. **Basis of the whole LP**: that basis, its rows mapped to the LP's, plus the slack of
//!    every row left out.
//! 3. **Dual simplex**: while a basic value is negative (beyond the feasibility tolerance),
//!    the one of largest `x^2 / w` leaves (dual Devex weights `w`); its row of `B^{-1} A` (row-wise, from the
//!    nonzeros of `B^{-T} e_r`) gives the entering column by the dual ratio test (Harris' two
//!    passes, the largest pivot among the near-ties), so every reduced cost stays `>= 0`.
//!    Product-form updates of the LU, refactorised as [`super::basis::refactor_due`] says; a
//!    pivot whose column and row disagree refactorises first. No entering column means a dual
//!    ray: the LP is infeasible (the caller then lets the interior point say so, with its
//!    diagnosis).
//!
//! The answer is a vertex and the duals of its basis, checked by the pipeline as any
//! backend's. Measured on the six-year path of 600k variables (`generate --scale 100 --periods
//! 6`) with the lane capacities left out: the first round's plan broke 373; crossover 0.2 s,
//! 3,330-3,456 dual pivots in 1.1-1.2 s (one run each of experimental builds), against 38 s
//! for the two further interior-point rounds it replaces. More than `2m + 1000` pivots is a
//! failure (cycling or a bad start), and the rounds go on.

use super::basis::{refactor_due, Basis, PivotRow, StdForm, RATIO_TOL};
use super::crossover::{crossover, vertex};
use crate::lp::check::FEAS_TOL;
use crate::lp::lu::SparseVec;
use crate::lp::Lp;
use crate::solve::backend::{Deadline, Reoptimised};

/// Relative tolerance of reduced costs in the dual ratio test.
const DUAL_TOL: f64 = 1e-9;

/// From `x_sub`, an optimal plan of `sub` (the rows `kept` of `lp`, in that order, and the
/// same columns) with its duals `y_sub` when known, an optimal vertex of `lp`. An error when
/// a step fails numerically, `lp` has free columns, `lp` is infeasible (a dual ray) or
/// `deadline` passes; the caller then solves `lp` another way. (A
/// [`crate::solve::backend::WarmStart`].)
pub fn reoptimise(
    lp: &Lp,
    sub: &Lp,
    kept: &[usize],
    x_sub: &[f64],
    y_sub: Option<&[f64]>,
    deadline: Deadline,
) -> Result<Reoptimised, String> {
    let (n, m, ms) = (lp.n_vars(), lp.n_rows(), sub.n_rows());
    if (0..n).any(|j| lp.is_free(j)) {
        return Err("the LP has free columns".into());
    }
    if sub.n_vars() != n || kept.len() != ms || y_sub.is_some_and(|y| y.len() != ms) {
        return Err("the relaxation does not match the LP".into());
    }
    let x: Vec<f64> = x_sub.iter().map(|v| v.max(0.0)).collect();
    let act = sub.activities(&x);
    let (v, _, b_sub) = crossover(sub, &x, &act, y_sub, deadline)?;
    let act_full = lp.activities(&v);
    let sf = StdForm::new(lp, &v, &act_full);
    let mut in_sub = vec![false; m];
    kept.iter().for_each(|&i| in_sub[i] = true);
    // Standard-form columns: structural, then a slack per row, then an artificial per row.
    let mut basic: Vec<usize> = b_sub
        .basic
        .iter()
        .map(|&k| match k {
            k if k < n => k,
            k if k < n + ms => n + kept[k - n],
            k => n + m + kept[k - n - ms],
        })
        .collect();
    for i in (0..m).filter(|&i| !in_sub[i]) {
        if sf.slack_sign[i] == 0.0 {
            return Err("a row left out is an equation".into());
        }
        basic.push(n + i);
    }
    let mut basis = Basis::from_columns(&sf, basic)?;
    let pivots = basis.dual_simplex(&sf, deadline)?;
    let (plan, y) = vertex(&sf, &mut basis)?;
    Ok(Reoptimised { x: plan, y, pivots })
}

impl Basis {
    /// Dual simplex pivots from a dual feasible basis until every basic value is feasible
    /// (module documentation, step 3); returns the pivots made.
    pub(super) fn dual_simplex(&mut self, sf: &StdForm, deadline: Deadline) -> Result<usize, String> {
        let m = sf.m;
        let xtol = FEAS_TOL * sf.xscale;
        let (mut alpha, mut rows) = (SparseVec::new(m), SparseVec::new(m));
        let mut row = PivotRow::new(sf);
        let mut d = self.reduced_costs(sf, &self.duals(sf));
        // A warm start needs a few pivots per broken row; far more means cycling or a bad
        // start, and the interior-point rounds are the better way on.
        let max_iter = 2 * m + 1000;
        let mut pivots = 0;
        // The positions whose value may be infeasible (a superset, each once): a pivot moves
        // only the values in its column, so a pivot need not scan every position.
        let mut cand = Candidates::new(self, sf, xtol, vec![1.0; sf.n + 2 * m]);
        for iter in 0..max_iter {
            if iter % 64 == 63 && deadline.passed() {
                return Err("the time limit was reached".into());
            }
            if refactor_due(&self.factor, m) {
                self.refactor(sf)?;
                d = self.reduced_costs(sf, &self.duals(sf));
                cand = Candidates::new(self, sf, xtol, std::mem::take(&mut cand.weight));
            }
            // Leaving: the most infeasible basic value (an artificial must stay at 0).
            let Some(r) = cand.worst(self, sf, xtol) else {
                return Ok(pivots);
            };
            // x_Br moves by -alpha_rk per unit of an entering k: up from below 0 (down for an
            // artificial above 0).
            let sign = if self.xb[r] < 0.0 { 1.0 } else { -1.0 };
            row.compute(sf, &self.factor, r);
            let nonbasic = |k: usize| self.pos[k] == usize::MAX && sf.is_real(k);
            let amax = row
                .touched
                .iter()
                .filter(|&&k| nonbasic(k))
                .fold(0.0f64, |a, &k| a.max(row.vals[k].abs()));
            let ptol = RATIO_TOL * amax.max(1.0);
            let eligible = |k: usize| nonbasic(k) && sign * row.vals[k] < -ptol;
            let dtol = |k: usize| DUAL_TOL * sf.cost(k).abs().max(1.0);
            // Harris: the largest step any eligible column allows within its tolerance, then
            // the largest pivot among those it reaches (ties to the first column).
            let mut tmax = f64::INFINITY;
            for &k in row.touched.iter().filter(|&&k| eligible(k)) {
                tmax = tmax.min((d[k].max(0.0) + dtol(k)) / row.vals[k].abs());
            }
            if tmax.is_infinite() {
                return Err("the LP is infeasible (a dual ray)".into());
            }
            let mut q = usize::MAX;
            for &k in row.touched.iter().filter(|&&k| eligible(k)) {
                if d[k].max(0.0) / row.vals[k].abs() > tmax {
                    continue;
                }
                let (a, b) = (row.vals[k].abs(), if q == usize::MAX { 0.0 } else { row.vals[q].abs() });
                if q == usize::MAX || a > b || (a == b && k < q) {
                    q = k;
                }
            }
            self.ftran_col(sf, q, &mut rows, &mut alpha);
            let arq = alpha.val[r];
            if (arq - row.vals[q]).abs() > 1e-6 * arq.abs().max(1.0) || arq.abs() <= ptol {
                // The column and the row disagree: the updates have lost accuracy.
                if self.factor.n_updates() == 0 {
                    return Err(format!(
                        "an unstable pivot ({arq:.3e} by column, {:.3e} by row)",
                        row.vals[q]
                    ));
                }
                self.refactor(sf)?;
                d = self.reduced_costs(sf, &self.duals(sf));
                cand = Candidates::new(self, sf, xtol, std::mem::take(&mut cand.weight));
                continue;
            }
            // Primal: x_q = t, x_B -= t alpha; x_Br reaches 0 and leaves.
            let t = self.xb[r] / arq;
            for &p in &alpha.idx {
                self.xb[p] -= t * alpha.val[p];
            }
            self.xb[r] = t;
            // Dual: d_k -= (d_q / alpha_rq) alpha_rk; the leaving column gets -d_q / alpha_rq.
            let step = d[q] / arq;
            for &k in &row.touched {
                if self.pos[k] == usize::MAX {
                    d[k] -= step * row.vals[k];
                }
            }
            let leaving = self.basic[r];
            // Dual Devex reference weights (Forrest and Goldfarb; Koberstein's thesis, 3.3):
            // a row's weight grows with the pivots that pass through it.
            let (ar, wr) = (alpha.val[r], cand.weight[leaving]);
            for &p in &alpha.idx {
                if p != r {
                    let k = self.basic[p];
                    cand.weight[k] = cand.weight[k].max((alpha.val[p] / ar).powi(2) * wr);
                }
            }
            cand.weight[q] = (wr / (ar * ar)).max(1.0);
            d[q] = 0.0;
            if !sf.is_artificial(leaving) {
                d[leaving] = -step;
            }
            self.pos[leaving] = usize::MAX;
            self.basic[r] = q;
            self.pos[q] = r;
            self.factor.update(r, &alpha);
            pivots += 1;
            alpha.idx.iter().for_each(|&p| cand.offer(self, sf, xtol, p));
        }
        Err(format!("no feasible basis after {max_iter} dual simplex pivots"))
    }
}

/// How far basic position `p`'s value is outside its bounds (`x >= 0`; an artificial `= 0`).
fn infeasibility(basis: &Basis, sf: &StdForm, p: usize) -> f64 {
    let v = basis.xb[p];
    if sf.is_artificial(basis.basic[p]) {
        v.abs()
    } else {
        -v
    }
}

/// The basic positions seen infeasible, each listed once, and the pricing weight of every
/// standard-form column (by column: a refactorisation reorders the positions).
struct Candidates {
    list: Vec<usize>,
    listed: Vec<bool>,
    weight: Vec<f64>,
}

impl Candidates {
    fn new(basis: &Basis, sf: &StdForm, xtol: f64, weight: Vec<f64>) -> Self {
        let mut c = Candidates {
            list: Vec::new(),
            listed: vec![false; sf.m],
            weight,
        };
        (0..sf.m).for_each(|p| c.offer(basis, sf, xtol, p));
        c
    }

    fn offer(&mut self, basis: &Basis, sf: &StdForm, xtol: f64, p: usize) {
        if !self.listed[p] && infeasibility(basis, sf, p) > xtol {
            self.listed[p] = true;
            self.list.push(p);
        }
    }

    /// The position of largest `infeasibility^2 / weight` (ties to the first), dropping those
    /// now feasible.
    fn worst(&mut self, basis: &Basis, sf: &StdForm, xtol: f64) -> Option<usize> {
        let listed = &mut self.listed;
        self.list.retain(|&p| {
            let keep = infeasibility(basis, sf, p) > xtol;
            listed[p] = keep;
            keep
        });
        let mut best: Option<(usize, f64)> = None;
        for &p in &self.list {
            let bad = infeasibility(basis, sf, p).powi(2) / self.weight[basis.basic[p]];
            if best.is_none_or(|(b, w)| bad > w || (bad == w && p < b)) {
                best = Some((p, bad));
            }
        }
        best.map(|(p, _)| p)
    }
}

#[cfg(test)]
mod tests {
    use super::super::basis::tests::{random_lp, solve};
    use super::*;
    use crate::lp::certify::certify;
    use crate::lp::check::{violation, GAP_TOL};
    use crate::lp::{RowKey, Sense};
    use crate::model::generate::Rng;
    use crate::solve::backend::{Backend, Clarabel, Outcome, SolveOptions};

    /// A random LP of [`random_lp`] with `extra` caps `sum_{j in S} x_j <= share * sum x*_j`
    /// over random sets of the columns its optimum `x*` uses (so that a plan of the LP without
    /// them tends to break them), and the rows of the LP without the caps.
    fn capped(rng: &mut Rng, extra: usize) -> Option<(Lp, Vec<usize>)> {
        let degenerate = rng.chance(0.5);
        let base = random_lp(rng, degenerate);
        let (x, _) = solve(&base)?;
        let mut lp = base.clone();
        let mut terms = Vec::new();
        for c in 0..extra {
            let set: Vec<usize> = (0..lp.n_vars()).filter(|&j| x[j] > 0.0 && rng.chance(0.6)).collect();
            if set.len() < 2 {
                continue;
            }
            let used: f64 = set.iter().map(|&j| x[j]).sum();
            terms.extend(set.iter().map(|&j| (j as u32, 1.0)));
            let share = rng.range(0.3, 1.1);
            lp.add_row(RowKey::Aux(1000 + c as u32), &mut terms, Sense::Le, share * used);
        }
        Some((lp, (0..base.n_rows()).collect()))
    }

    /// `lp` without the rows not in `kept`.
    fn relaxation(lp: &Lp, kept: &[usize]) -> Lp {
        let mut sub = lp.columns_only();
        let mut terms = Vec::new();
        for &i in kept {
            terms.extend(lp.row(i).map(|(c, v)| (c as u32, v)));
            sub.add_row_like(lp, i, &mut terms, lp.senses()[i], lp.rhs()[i]);
        }
        sub
    }

    /// From the interior point's plan of the relaxation (with its duals and without), the
    /// dual simplex reaches what the simplex finds on the whole LP: the same cost, a feasible
    /// vertex whose duals prove it optimal; and an infeasible LP is an error, never a plan.
    #[test]
    fn the_dual_simplex_reaches_the_simplex_optimum_from_a_relaxation() {
        let mut rng = Rng::new(0xD0A1_51E7_0000_0017);
        let (mut solved, mut pivoted, mut infeasible) = (0, 0, 0);
        for case in 0..300 {
            let Some((lp, kept)) = capped(&mut rng, 1 + case % 3) else {
                continue;
            };
            let sub = relaxation(&lp, &kept);
            let ipm = Clarabel::without_presolve().solve(&sub, &SolveOptions::default());
            if ipm.outcome != Outcome::Optimal {
                continue;
            }
            let whole = solve(&lp);
            for y in [ipm.duals.as_deref(), None] {
                let r = reoptimise(&lp, &sub, &kept, &ipm.x, y, Deadline::none());
                let Some((_, z)) = &whole else {
                    assert!(r.is_err(), "case {case}: a plan of an infeasible LP");
                    infeasible += 1;
                    continue;
                };
                let r = r.unwrap_or_else(|e| panic!("case {case}: {e}"));
                let act = lp.activities(&r.x);
                let (_, rel) = violation(&lp, &act, &r.x);
                assert!(rel <= FEAS_TOL, "case {case}: violation {rel:.3e}");
                let zr = lp.objective_value(&r.x);
                assert!(
                    (zr - z).abs() <= 1e-7 * z.abs().max(1.0),
                    "case {case}: {zr} against {z}"
                );
                let c = certify(&lp, &r.x, r.y, "dual simplex");
                assert!(
                    c.relative_gap <= GAP_TOL && c.max_dual_infeasibility <= GAP_TOL,
                    "case {case}: gap {:.3e}, dual infeasibility {:.3e}",
                    c.relative_gap,
                    c.max_dual_infeasibility
                );
                solved += 1;
                pivoted += usize::from(r.pivots > 0);
            }
        }
        eprintln!("dual simplex: {solved} solved, {pivoted} with pivots, {infeasible} infeasible");
        assert!(solved >= 200, "only {solved} solved");
        assert!(
            pivoted >= 60,
            "only {pivoted} needed a pivot: the dual simplex is not exercised"
        );
        assert!(infeasible >= 10, "only {infeasible} infeasible cases");
    }

    #[test]
    fn a_relaxation_of_another_lp_or_free_columns_are_refused() {
        let mut rng = Rng::new(5);
        let (lp, kept) = capped(&mut rng, 2).expect("feasible");
        let sub = relaxation(&lp, &kept);
        let x = vec![0.0; sub.n_vars()];
        let e = reoptimise(&lp, &sub, &kept[1..], &x, None, Deadline::none()).unwrap_err();
        assert_eq!(e, "the relaxation does not match the LP");
        let mut free = lp.clone();
        free.add_free_var(crate::lp::VarKey::Aux(99), 1.0);
        let x = vec![0.0; free.n_vars()];
        let e = reoptimise(&free, &relaxation(&free, &kept), &kept, &x, None, Deadline::none()).unwrap_err();
        assert_eq!(e, "the LP has free columns");
    }
}
