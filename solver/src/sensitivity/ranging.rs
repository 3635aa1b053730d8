//! Sensitivity ranges of an optimal plan, exact for the reported solution.
//!
//! * Right-hand side of row `i`: the interval of `rhs[i]` over which the reported dual
//!   vector stays optimal, hence over which every shadow price holds. By complementary
//!   slackness that is the set of `t` for which some `x >= 0` satisfies the rows with
//!   `rhs[i] = t`, keeps `x_j = 0` where the reduced cost is positive and keeps every priced
//!   row (`y_k != 0`) tight. Its ends are two small LPs: min and max of `t`.
//! * Cost of column `j`: the interval of `c[j]` over which the reported plan stays optimal:
//!   the set of `c` for which some dual `y` is feasible and complementary with the plan
//!   (`y_k = 0` on slack rows, `A_l'y = c_l` on used columns). Again min and max of one LP.
//!
//! These are the intervals GLPK `--ranges` and HiGHS ranging report at a non-degenerate
//! basis; at a degenerate one they describe the reported solution rather than one basis
//! among several, which is the question a policy reader asks.

use super::prices::{price_interval, price_interval_along, Directions};
use crate::lp::certify::reduced_costs;
use crate::lp::check::{is_tight, used_tols, FEAS_TOL};
use crate::lp::ranges::{ColSensitivity, Range, RowSensitivity, Sensitivity};
use crate::lp::{Lp, RowKey, Sense, VarKey};
use crate::solve::backend::{aux_options, Backend, Outcome};
use crate::solve::dual_lp::DualSystem;

pub const METHOD: &str = "exact: auxiliary LPs over the optimal face of the reported solution";

/// The optimal face for the duals `y`: columns with a positive reduced cost fixed at zero
/// (left out), priced rows held tight. With `param = Some(dir)` (`dir[0]` the ranged row, at
/// weight 1), a free column `t` takes the place of the ranged row's right-hand side, and each
/// row `k` of `dir` reads `a_k x - w_k (t - b_i) (sense) b_k`. Returns the LP, the face column
/// of each model column (`u32::MAX` when fixed at 0) and the column of `t`.
fn optimal_face(lp: &Lp, y: &[f64], param: Option<&[(usize, f64)]>) -> (Lp, Vec<u32>, Option<u32>) {
    let rc = reduced_costs(lp, y);
    let mut aux = Lp::default();
    let mut col = vec![u32::MAX; lp.n_vars()];
    for j in 0..lp.n_vars() {
        if rc[j] <= FEAS_TOL * lp.obj()[j].abs().max(1.0) {
            col[j] = aux.add_var(VarKey::Aux(j as u32), 0.0);
        }
    }
    let t = param.map(|_| aux.add_free_var(VarKey::Aux(u32::MAX), 0.0));
    let b_i = param.map_or(0.0, |d| lp.rhs()[d[0].0]);
    let ymax = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut terms = Vec::new();
    for k in 0..lp.n_rows() {
        for (c, v) in lp.row(k) {
            if col[c] != u32::MAX {
                terms.push((col[c], v));
            }
        }
        let mut rhs = lp.rhs()[k];
        if let (Some(t), Some(dir)) = (t, param) {
            // Row k moves by w_k per unit of the ranged row: `a_k x - w_k t (sense) b_k - w_k b_i`
            // (for the ranged row itself, `a_i x - t (sense) 0`: its right-hand side becomes t).
            let w: f64 = dir.iter().filter(|&&(r, _)| r == k).map(|&(_, w)| w).sum();
            if w != 0.0 {
                terms.push((t, -w));
                rhs -= w * b_i;
            }
        }
        let priced = y[k].abs() > 1e-9 * (1.0 + ymax);
        let sense = if priced { Sense::Eq } else { lp.senses()[k] };
        aux.add_row(RowKey::Aux(k as u32), &mut terms, sense, rhs);
    }
    (aux, col, t)
}

/// Interval of `rhs[i]` over which the duals `y` stay optimal.
pub fn rhs_range(lp: &Lp, y: &[f64], i: usize, backend: &dyn Backend) -> Result<Range, String> {
    rhs_range_along(lp, y, &[(i, 1.0)], backend)
}

/// Interval of `rhs[i]` over which the duals `y` stay optimal when the right-hand sides move
/// along `dir` (`dir[0]` is row `i` with weight 1; the others move by their weight per unit).
pub fn rhs_range_along(lp: &Lp, y: &[f64], dir: &[(usize, f64)], backend: &dyn Backend) -> Result<Range, String> {
    let (mut aux, _, t) = optimal_face(lp, y, Some(dir));
    let t = t.expect("parametrised face has t");
    let lo = optimise(&mut aux, &[(t, 1.0)], backend)?;
    let hi = optimise(&mut aux, &[(t, -1.0)], backend)?;
    Ok(Range {
        lower: lo.map(|x| x[t as usize]).unwrap_or(f64::NEG_INFINITY),
        upper: hi.map(|x| x[t as usize]).unwrap_or(f64::INFINITY),
    })
}

/// An unused column that can carry flow at no extra cost, if the plan is not unique:
/// maximise the sum of the unused zero-reduced-cost columns over the optimal face.
/// Returns (column, how much it can carry).
pub fn alternative_optimum(
    lp: &Lp,
    x: &[f64],
    y: &[f64],
    backend: &dyn Backend,
) -> Result<Option<(usize, f64)>, String> {
    let (mut aux, col, _) = optimal_face(lp, y, None);
    let used = used_tols(lp, x);
    let idle: Vec<(u32, f64)> = (0..lp.n_vars())
        .filter(|&j| x[j] <= used[j] && col[j] != u32::MAX)
        .map(|j| (col[j], -1.0))
        .collect();
    if idle.is_empty() {
        return Ok(None);
    }
    let scale = lp.rhs().iter().fold(1.0f64, |m, b| m.max(b.abs()));
    let Some(z) = optimise(&mut aux, &idle, backend)? else {
        return Ok(None);
    };
    let best = (0..lp.n_vars())
        .filter(|&j| x[j] <= used[j] && col[j] != u32::MAX)
        .map(|j| (j, z[col[j] as usize]))
        .max_by(|a, b| {
            a.1.partial_cmp(&b.1)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(b.0.cmp(&a.0))
        });
    Ok(best.filter(|&(_, v)| v > 1e-7 * scale))
}

/// The largest `g'x` over the optimal plans (the face of the optimal dual `y`), for `g` given
/// by columns and weights; `None` when it is unbounded there.
pub fn max_over_face(lp: &Lp, y: &[f64], g: &[(usize, f64)], backend: &dyn Backend) -> Result<Option<f64>, String> {
    let (mut aux, col, _) = optimal_face(lp, y, None);
    // A column off the face is 0 in every optimal plan.
    let w: Vec<(u32, f64)> = g
        .iter()
        .filter(|&&(j, _)| col[j] != u32::MAX)
        .map(|&(j, v)| (col[j], -v))
        .collect();
    if w.is_empty() {
        return Ok(Some(0.0));
    }
    Ok(optimise(&mut aux, &w, backend)?.map(|z| w.iter().map(|&(k, v)| -v * z[k as usize]).sum()))
}

/// Interval of `obj[j]` over which the plan `x` stays optimal: the values of `A_j'y` over
/// the duals complementary with `x` once column `j`'s own dual row is left out (for an
/// unused column only the lower end binds).
pub fn cost_range(lp: &Lp, x: &[f64], activities: &[f64], j: usize, backend: &dyn Backend) -> Result<Range, String> {
    let mut sys = DualSystem::new(lp, Some((x, activities)), Some(j))?;
    let a_j: Vec<(usize, f64)> = lp.columns_of(j);
    let lo = sys.minimise(&a_j, backend)?;
    let lower = match lo {
        Some(y) => a_j.iter().map(|&(i, v)| v * y[i]).sum(),
        None => f64::NEG_INFINITY,
    };
    let upper = if x[j] > used_tols(lp, x)[j] {
        let neg: Vec<(usize, f64)> = a_j.iter().map(|&(i, v)| (i, -v)).collect();
        match sys.minimise(&neg, backend)? {
            Some(y) => a_j.iter().map(|&(i, v)| v * y[i]).sum(),
            None => f64::INFINITY,
        }
    } else {
        f64::INFINITY
    };
    Ok(Range { lower, upper })
}

/// Minimise `sum w_k x_k` over `aux`; the solution, or `None` when unbounded below.
fn optimise(aux: &mut Lp, w: &[(u32, f64)], backend: &dyn Backend) -> Result<Option<Vec<f64>>, String> {
    aux.obj_mut().iter_mut().for_each(|c| *c = 0.0);
    for &(k, v) in w {
        aux.obj_mut()[k as usize] += v;
    }
    let sol = backend.solve(aux, &aux_options());
    match sol.outcome {
        Outcome::Optimal => Ok(Some(sol.x)),
        Outcome::Unbounded => Ok(None),
        other => Err(format!("ranging LP: {other:?}")),
    }
}

/// Ranging for every tight row and for the columns `cols` (used flows and facilities).
pub fn analyse(
    lp: &Lp,
    x: &[f64],
    activities: &[f64],
    y: &[f64],
    cols: &[usize],
    backend: &dyn Backend,
) -> Result<Sensitivity, String> {
    analyse_along(lp, x, activities, y, cols, &Directions::independent(), backend)
}

/// [`analyse`] with each row's right-hand side moving along its direction in `dirs`. A row
/// with coupled rows (a balance row and its targets) gets the one-sided prices of its
/// direction less what the coupled rows carry at their right price (`w_k * price_high_k`),
/// so that adding that back gives the derivatives along the direction.
pub fn analyse_along(
    lp: &Lp,
    x: &[f64],
    activities: &[f64],
    y: &[f64],
    cols: &[usize],
    dirs: &Directions,
    backend: &dyn Backend,
) -> Result<Sensitivity, String> {
    let tight: Vec<usize> = (0..lp.n_rows()).filter(|&i| is_tight(lp, i, activities[i])).collect();
    // Every row alone first: the coupled rows' own prices are needed to state the others net.
    let mut alone = vec![(0.0, 0.0); lp.n_rows()];
    for &i in &tight {
        if dirs.coupled(i).is_empty() {
            alone[i] = price_interval(lp, x, activities, i, backend)?;
        }
    }
    let mut rows = Vec::new();
    for &i in &tight {
        let dir = dirs.of(i);
        let (mut price_low, mut price_high) = alone[i];
        if dir.len() > 1 {
            (price_low, price_high) = price_interval_along(lp, x, activities, &dir, backend)?;
            for &(k, w) in dirs.coupled(i) {
                // A coupled row that is not tight is priced at 0.
                if is_tight(lp, k, activities[k]) {
                    price_low -= w * alone[k].1;
                    price_high -= w * alone[k].1;
                }
            }
        }
        rows.push(RowSensitivity {
            row: i,
            price_low,
            price_high,
            rhs: rhs_range_along(lp, y, &dir, backend)?,
        });
    }
    let mut out_cols = Vec::new();
    for &j in cols {
        out_cols.push(ColSensitivity {
            col: j,
            cost: cost_range(lp, x, activities, j, backend)?,
        });
    }
    Ok(Sensitivity {
        method: METHOD,
        duals: y.to_vec(),
        rows,
        cols: out_cols,
        alternative: alternative_optimum(lp, x, y, backend)?,
        use_max: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::backend::MiniLp;
    use crate::solve::dual_lp::by_dual_lp;

    /// min 2a + 3b  s.t.  a + b >= 4 (r0),  a <= 3 (r1). Optimum a = 3, b = 1.
    /// r0's price 3 holds for rhs in [3, inf) (below 3, b leaves); r1's price -1 holds for
    /// a's cap in [0, 4] (above 4 the cap no longer binds). a stays used while its cost is
    /// <= 3; b (basic at 1) stays optimal for cost >= 2.
    fn lp() -> (Lp, Vec<f64>) {
        let mut lp = Lp::default();
        let a = lp.add_var(VarKey::Aux(0), 2.0);
        let b = lp.add_var(VarKey::Aux(1), 3.0);
        lp.add_row(RowKey::Aux(0), &mut vec![(a, 1.0), (b, 1.0)], Sense::Ge, 4.0);
        lp.add_row(RowKey::Aux(1), &mut vec![(a, 1.0)], Sense::Le, 3.0);
        (lp, vec![3.0, 1.0])
    }

    #[test]
    fn rhs_ranges_of_a_textbook_lp() {
        let (lp, x) = lp();
        let act = lp.activities(&x);
        let y = by_dual_lp(&lp, &x, &act, &MiniLp).unwrap().y;
        let r0 = rhs_range(&lp, &y, 0, &MiniLp).unwrap();
        approx::assert_abs_diff_eq!(r0.lower, 3.0, epsilon = 1e-9);
        assert!(r0.upper.is_infinite());
        let r1 = rhs_range(&lp, &y, 1, &MiniLp).unwrap();
        approx::assert_abs_diff_eq!(r1.lower, 0.0, epsilon = 1e-9);
        approx::assert_abs_diff_eq!(r1.upper, 4.0, epsilon = 1e-9);
    }

    #[test]
    fn cost_ranges_of_a_textbook_lp() {
        let (lp, x) = lp();
        let act = lp.activities(&x);
        let ra = cost_range(&lp, &x, &act, 0, &MiniLp).unwrap();
        assert!(ra.lower.is_infinite() && ra.lower < 0.0, "{ra:?}");
        approx::assert_abs_diff_eq!(ra.upper, 3.0, epsilon = 1e-9);
        let rb = cost_range(&lp, &x, &act, 1, &MiniLp).unwrap();
        approx::assert_abs_diff_eq!(rb.lower, 2.0, epsilon = 1e-9);
        assert!(rb.upper.is_infinite());
    }
}
