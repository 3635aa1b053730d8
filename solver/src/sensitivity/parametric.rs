//! One-sided prices from the optimal basis: the derivative of the optimal cost along a
//! right-hand-side direction, by dual simplex steps that never move the plan.
//!
//! Where the basis is degenerate along a direction `d` (its ratio test stops at zero), the
//! basis price `d'y` may not be the derivative. The right derivative of the optimal cost along
//! `d` is the optimum of the *derivative LP*
//!
//! ```text
//! min c'δ   s.t.   A δ = d,   δ_k >= 0 where the plan has x_k = 0 (δ_k free where x_k > 0)
//! ```
//!
//! whose dual is `max d'y` over the optimal duals, the value of [`super::prices`]'s auxiliary
//! LP. The optimal basis `B` is dual feasible for it (its reduced costs are those of the plan)
//! and `δ_B = B^{-1} d` is its basic solution; only basic columns at zero in the plan can be
//! infeasible (`δ_p < 0`, or `δ_p != 0` for an artificial column of a dependent row, which is
//! fixed at zero and never re-enters). Dual simplex pivots on those rows reach its optimum: each pivot
//! swaps two columns at zero, so the plan stays where it is and the basis stays optimal for the
//! original LP. No entering column (the dual ray) means moving along `d` is infeasible: the
//! derivative is infinite. The pivots are undone after each query.

use super::basis::{OptimalBasis, RATIO_TOL, REFACTOR_EVERY};
use crate::lp::lu::SparseVec;

/// A query that has not settled after this many pivots falls back on the auxiliary LP.
const MAX_PIVOTS: usize = REFACTOR_EVERY * 4;
/// Relative tolerance of reduced costs in the dual ratio test (Harris' first pass).
const DUAL_TOL: f64 = 1e-9;

impl OptimalBasis<'_> {
    /// The derivative of the optimal cost along `side * dir` (rows and weights), times
    /// `side`: for `side = 1` the right derivative along `dir` (the largest `dir'y` over the
    /// optimal duals, `+inf` when moving that way is infeasible); for `side = -1` the left
    /// derivative (the smallest `dir'y`, `-inf` when moving the other way is infeasible).
    /// An error when the pivots do not settle within [`MAX_PIVOTS`]: the caller then solves
    /// the auxiliary LP.
    pub fn price_along(&mut self, dir: &[(usize, f64)], side: f64) -> Result<f64, String> {
        let start = self.basis.factor.n_updates();
        let mut undo = Vec::new();
        let result = self.descend(dir, side, &mut undo);
        // Undo the pivots and the reduced costs they changed: every query starts from the
        // same optimal basis.
        for (r, leaving) in undo.into_iter().rev() {
            let entering = self.basis.basic[r];
            self.basis.pos[entering] = usize::MAX;
            self.basis.basic[r] = leaving;
            self.basis.pos[leaving] = r;
        }
        self.basis.factor.truncate_updates(start);
        for (k, v) in self.work.d_undo.drain(..).rev() {
            self.at.d[k] = v;
        }
        result.map(|v| side * v)
    }

    /// The dual simplex on the derivative LP along `side * dir`; `undo` collects each
    /// pivot's position and leaving column. Returns the optimal value `c'δ`.
    fn descend(&mut self, dir: &[(usize, f64)], side: f64, undo: &mut Vec<(usize, usize)>) -> Result<f64, String> {
        let xtol = RATIO_TOL * self.sf.xscale;
        self.work.rhs.clear();
        for &(k, w) in dir {
            self.work.rhs.add(k, side * w);
        }
        self.work.delta.clear();
        self.basis.factor.ftran_sparse(&mut self.work.rhs, &mut self.work.delta);
        for _ in 0..=MAX_PIVOTS {
            let delta = &self.work.delta;
            let Some(r) = self.leaving(delta, xtol) else {
                let cost: f64 = delta
                    .idx
                    .iter()
                    .map(|&p| self.sf.cost(self.basis.basic[p]) * delta.val[p])
                    .sum();
                return Ok(cost);
            };
            let above = delta.val[r] > 0.0;
            let Some(q) = self.entering(r, above) else {
                return Ok(f64::INFINITY);
            };
            self.pivot(r, q, undo);
        }
        Err(format!("no one-sided price after {MAX_PIVOTS} dual simplex pivots"))
    }

    /// The most infeasible basic position, if any: a column at zero in the plan with
    /// `δ_p < 0`, or an artificial column (fixed at zero: dependent rows) with `δ_p != 0`.
    fn leaving(&self, delta: &SparseVec, xtol: f64) -> Option<usize> {
        let tol = RATIO_TOL * delta.max_abs().max(1.0);
        let mut best: Option<(usize, f64)> = None;
        for &p in &delta.idx {
            let v = delta.val[p];
            if v == 0.0 {
                continue;
            }
            let k = self.basis.basic[p];
            let excess = if self.sf.is_artificial(k) {
                v.abs()
            } else if self.plan[k] <= xtol {
                -v
            } else {
                0.0
            };
            // Ties to the first position, whatever the pattern's order.
            if excess > tol && best.is_none_or(|(bp, b)| excess > b || (excess == b && p < bp)) {
                best = Some((p, excess));
            }
        }
        best.map(|(p, _)| p)
    }

    /// The entering column for leaving position `r` (Harris' two-pass dual ratio test over
    /// the real nonbasic columns `k` with `α_rk < 0`, or `α_rk > 0` when the leaving value
    /// is `above` zero), or `None` when there is none. Leaves row `r` of `B^{-1} A` in
    /// `self.row` for [`Self::pivot`].
    fn entering(&mut self, r: usize, above: bool) -> Option<usize> {
        self.row.compute(&self.sf, &self.basis.factor, r);
        let (sf, row, d) = (&self.sf, &self.row, &self.at.d);
        let rmax = row.rho.max_abs();
        let ptol = RATIO_TOL * rmax.max(1.0);
        let sign = if above { 1.0 } else { -1.0 };
        // (column, |α_rk|) of the columns whose entering moves the leaving value to zero.
        let candidates = || {
            row.touched
                .iter()
                .filter(|&&k| self.basis.pos[k] == usize::MAX)
                .map(|&k| (k, sign * row.vals[k]))
                .filter(|&(_, a)| a > ptol)
        };
        let dtol = |k: usize| DUAL_TOL * sf.cost(k).abs().max(1.0);
        let tmax = candidates()
            .map(|(k, a)| (d[k].max(0.0) + dtol(k)) / a)
            .fold(f64::INFINITY, f64::min);
        candidates()
            .filter(|&(k, a)| d[k].max(0.0) / a <= tmax)
            .fold(None, |best: Option<(usize, f64)>, (k, a)| match best {
                Some((_, b)) if b >= a => best,
                _ => Some((k, a)),
            })
            .map(|(q, _)| q)
    }

    /// Swap column `q` in at position `r` (row `r` of `B^{-1} A` in `self.row`); update `δ_B`
    /// and the reduced costs, logging each change of these to undo.
    fn pivot(&mut self, r: usize, q: usize, undo: &mut Vec<(usize, usize)>) {
        let w = &mut self.work;
        self.basis.ftran_col(&self.sf, q, &mut w.rows, &mut w.alpha);
        let d = &mut self.at.d;
        let step = d[q] / w.alpha.val[r];
        if step != 0.0 {
            // d_k -= step * α_rk over the nonbasic columns.
            for &k in &self.row.touched {
                if self.basis.pos[k] == usize::MAX {
                    w.d_undo.push((k, d[k]));
                    d[k] -= step * self.row.vals[k];
                }
            }
        }
        // δ_B after the swap: the entering column takes the value that zeroes position r.
        let theta = w.delta.val[r] / w.alpha.val[r];
        for &p in &w.alpha.idx {
            w.delta.add(p, -theta * w.alpha.val[p]);
        }
        w.delta.val[r] = theta;
        let leaving = self.basis.basic[r];
        w.d_undo.push((q, d[q]));
        w.d_undo.push((leaving, d[leaving]));
        d[q] = 0.0;
        d[leaving] = -step;
        undo.push((r, leaving));
        self.basis.pos[leaving] = usize::MAX;
        self.basis.basic[r] = q;
        self.basis.pos[q] = r;
        self.basis.factor.update(r, &w.alpha);
    }
}

#[cfg(test)]
mod tests {
    use super::super::basis::ranging_with_basis;
    use super::super::basis::tests::{random_lp, solve};
    use super::super::prices::{price_left_along, price_right_along, Directions};
    use crate::lp::Lp;
    use crate::model::generate::Rng;
    use crate::solve::backend::{BackendChoice, MiniLp, SolveOptions};

    fn close(a: f64, b: f64) -> bool {
        a == b || (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
    }

    /// Both one-sided prices of every tight row of `lp` at the plan `x`, along the rows'
    /// directions, by the basis and by the auxiliary LP over the optimal duals (an
    /// independent method: minilp on the restricted dual system). Returns how many prices
    /// were compared, how many of them the basis could not answer, and how many were
    /// infinite; panics on the first disagreement.
    fn compare(lp: &Lp, x: &[f64], rows: Option<&[usize]>, dirs: &Directions, what: &str) -> (usize, usize, usize) {
        let act = lp.activities(x);
        let (s, mut ob) = ranging_with_basis(lp, x, &act, &[], dirs).unwrap_or_else(|e| panic!("{what}: {e}"));
        let tight: Vec<usize> = s.rows.iter().map(|r| r.row).collect();
        let rows = rows.unwrap_or(&tight);
        let (mut compared, mut unanswered, mut infinite) = (0, 0, 0);
        for &i in rows {
            let dir = dirs.of(i);
            for side in [1.0, -1.0] {
                let by_lp = if side > 0.0 {
                    price_right_along
                } else {
                    price_left_along
                };
                let want = by_lp(lp, x, &act, &dir, &MiniLp).unwrap_or_else(|e| panic!("{what} row {i}: {e}"));
                let Ok(got) = ob.price_along(&dir, side) else {
                    unanswered += 1;
                    continue;
                };
                assert!(
                    close(got, want),
                    "{what} row {i} side {side}: basis {got}, auxiliary LP {want}"
                );
                compared += 1;
                infinite += usize::from(got.is_infinite());
            }
        }
        (compared, unanswered, infinite)
    }

    /// Random LPs with degenerate vertices (small integer data, mostly tight rows): both
    /// one-sided prices of every tight row equal the auxiliary LP's, infinite ones included.
    #[test]
    fn random_degenerate_lps_match_the_auxiliary_lp() {
        let mut rng = Rng::new(0x5DEE_CE66_D1CE_4E5B);
        let (mut compared, mut unanswered, mut infinite, mut differ) = (0, 0, 0, 0);
        for case in 0..120 {
            let lp = random_lp(&mut rng, true);
            let (x, _) = solve(&lp).expect("feasible and bounded by construction");
            let dirs = Directions::independent();
            let (c, u, inf) = compare(&lp, &x, None, &dirs, &format!("case {case}"));
            (compared, unanswered, infinite) = (compared + c, unanswered + u, infinite + inf);
            // Cases where the one-sided prices differ from the basis price are the point.
            let act = lp.activities(&x);
            let (s, mut ob) = ranging_with_basis(&lp, &x, &act, &[], &dirs).unwrap();
            for r in &s.rows {
                let dir = dirs.of(r.row);
                if ob.price_along(&dir, 1.0).is_ok_and(|p| !close(p, s.duals[r.row]))
                    || ob.price_along(&dir, -1.0).is_ok_and(|p| !close(p, s.duals[r.row]))
                {
                    differ += 1;
                }
            }
        }
        eprintln!(
            "parametric prices: {compared} compared, {unanswered} left to the auxiliary LP, \
             {infinite} infinite, {differ} rows where a side differs from the basis price"
        );
        assert!(compared >= 300, "only {compared} prices compared");
        assert_eq!(unanswered, 0, "prices the basis could not answer");
        assert!(
            infinite >= 10,
            "only {infinite} infinite prices: the dual ray is not exercised"
        );
        assert!(
            differ >= 20,
            "only {differ} rows with one-sided prices: the pivots are not exercised"
        );
    }

    /// The shipped instance, along the demand directions (a balance row moves with the
    /// targets covering its demand): a spread of the degenerate rows, both sides.
    #[test]
    fn shipped_instance_matches_the_auxiliary_lp() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../instances/usmca_critical_minerals.toml");
        let inst = sourcing_models::load_str(&std::fs::read_to_string(path).unwrap())
            .instance
            .unwrap();
        let solved = crate::solve::solve(&inst, BackendChoice::MiniLp, &SolveOptions::default());
        let lp = &solved.model.lp;
        let dirs = Directions::of_demand(&inst, lp);
        let (s, _) = ranging_with_basis(lp, &solved.x, &solved.activities, &[], &dirs).unwrap();
        let stuck: Vec<usize> = s
            .rows
            .iter()
            .filter(|r| {
                let b = lp.rhs()[r.row];
                let tol = 1e-9 * b.abs().max(1.0);
                r.rhs.upper <= b + tol || r.rhs.lower >= b - tol
            })
            .map(|r| r.row)
            .collect();
        assert!(stuck.len() >= 100, "only {} degenerate rows", stuck.len());
        let sample: Vec<usize> = stuck.iter().step_by(stuck.len() / 12).copied().collect();
        let (compared, unanswered, _) = compare(lp, &solved.x, Some(&sample), &dirs, "shipped");
        assert_eq!(unanswered, 0);
        assert_eq!(compared, 2 * sample.len());
    }
}
