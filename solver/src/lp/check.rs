//! The pure helpers every stage measures a plan with: tolerances, slack, "binding", "used",
//! and our own violation check. They know the LP and nothing else.

use super::{Lp, Sense};

/// Relative feasibility tolerance of our own check, and of "binding".
pub const FEAS_TOL: f64 = 1e-6;

/// Largest relative duality gap (and dual infeasibility) accepted as proof of optimality.
pub const GAP_TOL: f64 = 1e-6;

/// A column counts as used (priced at its reduced cost zero) above this share of the
/// magnitude of the smallest row it enters.
pub const USED_TOL: f64 = 1e-7;

/// For each column of plan `x`, the value above which it counts as used: [`USED_TOL`] times
/// the magnitude of the smallest row it enters (`max(|rhs|, max_k |a_ik x_k|)`). Judging each
/// column by its own rows keeps a 0.001 t flow used in a model that also moves 1e9 t, while
/// the tiny flows an interior-point answer leaves on unused routes stay unused.
pub fn used_tols(lp: &Lp, x: &[f64]) -> Vec<f64> {
    let mut tol = column_scales(lp, x);
    tol.iter_mut().for_each(|t| *t *= USED_TOL);
    tol
}

/// For each column, the magnitude of the smallest row it enters at plan `x`
/// (`max(|rhs|, max_k |a_ik x_k|)`; 0 when every such row is empty at `x`).
pub fn column_scales(lp: &Lp, x: &[f64]) -> Vec<f64> {
    let magnitude: Vec<f64> = (0..lp.n_rows())
        .map(|i| lp.row(i).fold(lp.rhs[i].abs(), |m, (c, v)| m.max((v * x[c]).abs())))
        .collect();
    let mut tol = vec![f64::INFINITY; lp.n_vars()];
    for i in 0..lp.n_rows() {
        if magnitude[i] > 0.0 {
            for (c, _) in lp.row(i) {
                tol[c] = tol[c].min(magnitude[i]);
            }
        }
    }
    // A column in no row of positive magnitude is 0 in any plan that satisfies its rows.
    tol.iter_mut().for_each(|t| {
        if !t.is_finite() {
            *t = 0.0
        }
    });
    tol
}

/// Is row `i` tight at activity `a` (equalities always are)?
pub fn is_tight(lp: &Lp, i: usize, a: f64) -> bool {
    lp.senses[i] == Sense::Eq || slack(lp, i, a) <= FEAS_TOL * lp.rhs[i].abs().max(1.0)
}

/// A row with no variable whose right-hand side cannot hold (e.g. a demand nothing touches).
pub fn empty_infeasible_row(lp: &Lp) -> Option<usize> {
    (0..lp.n_rows()).find(|&i| {
        lp.row_start[i] == lp.row_start[i + 1] && {
            let b = lp.rhs[i];
            let tol = FEAS_TOL * b.abs().max(1.0);
            match lp.senses[i] {
                Sense::Le => 0.0 > b + tol,
                Sense::Ge => 0.0 < b - tol,
                Sense::Eq => b.abs() > tol,
            }
        }
    })
}

/// Flows below this share of the magnitude of the smallest row they enter are not listed as
/// shipments (they still count in every total). It is the share below which the pricing
/// treats a column as unused ([`USED_TOL`]): a listed shipment is one the
/// prices stand behind. On a 100k-variable interior-point answer a lower cut (1e-9) listed
/// 17,500 shipments of under a gram beside 12,000 real ones.
pub const NOISE: f64 = USED_TOL;

/// Largest absolute row violation of `x`, and the largest relative to the row's scale
/// `max(1, |rhs|, sum_j |a_ij x_j|)` (a transshipment row with rhs 0 moving a million
/// tonnes is judged against a million, not against 1).
pub fn violation(lp: &Lp, activities: &[f64], x: &[f64]) -> (f64, f64) {
    let mut abs = 0.0f64;
    let mut rel = 0.0f64;
    for i in 0..lp.n_rows() {
        let (a, b) = (activities[i], lp.rhs[i]);
        let v = match lp.senses[i] {
            Sense::Le => (a - b).max(0.0),
            Sense::Ge => (b - a).max(0.0),
            Sense::Eq => (a - b).abs(),
        };
        if v > 0.0 {
            abs = abs.max(v);
            rel = rel.max(v / row_scale(lp, i, x));
        }
    }
    for &v in x {
        abs = abs.max(-v);
        rel = rel.max(-v);
    }
    (abs, rel)
}

/// Slack of row `i` (>= 0 when satisfied): `rhs - activity` for `<=`, `activity - rhs` for `>=`,
/// `-|activity - rhs|` for `=`.
pub fn slack(lp: &Lp, i: usize, activity: f64) -> f64 {
    match lp.senses[i] {
        Sense::Le => lp.rhs[i] - activity,
        Sense::Ge => activity - lp.rhs[i],
        Sense::Eq => -(activity - lp.rhs[i]).abs(),
    }
}

/// The scale a row is judged on at plan `x`: `max(1, |rhs|, sum_j |a_ij x_j|)` (a
/// transshipment row with rhs 0 moving a million tonnes is judged against a million).
pub fn row_scale(lp: &Lp, i: usize, x: &[f64]) -> f64 {
    let magnitude: f64 = lp.row(i).map(|(c, coef)| (coef * x[c]).abs()).sum();
    lp.rhs[i].abs().max(magnitude).max(1.0)
}

/// An inequality whose slack is within the tolerance, scaled by its right-hand side.
pub fn is_binding(lp: &Lp, i: usize, activity: f64) -> bool {
    lp.senses[i] != Sense::Eq && slack(lp, i, activity) <= FEAS_TOL * lp.rhs[i].abs().max(1.0)
}
