//! The certificate of optimality we measure ourselves: the duality gap and the largest dual
//! infeasibility of a dual vector `y` against a plan `x`. It knows no backend.
//!
//! Convention everywhere: `y[i] = d(total cost) / d(rhs[i])` for row `i` as written in the
//! [`Lp`]. For a minimisation this makes `y <= 0` on `<=` rows, `y >= 0` on `>=` rows and
//! free on `=` rows.

use super::{Lp, Sense};

#[derive(Debug, Clone)]
pub struct DualCertificate {
    pub y: Vec<f64>,
    /// `b'y`
    pub dual_objective: f64,
    /// `|c'x - b'y| / max(1, |c'x|)`
    pub relative_gap: f64,
    /// Largest violation of `A'y <= c` or of a dual sign, relative to max(1, |c_j|).
    pub max_dual_infeasibility: f64,
    pub method: &'static str,
}

/// Measure gap and dual infeasibility of `y` against `x`.
pub fn certify(lp: &Lp, x: &[f64], y: Vec<f64>, method: &'static str) -> DualCertificate {
    let primal = lp.objective_value(x);
    let dual_objective: f64 = lp.rhs.iter().zip(&y).map(|(b, v)| b * v).sum();
    let rc = reduced_costs(lp, &y);
    let mut infeas = 0.0f64;
    for (j, d) in rc.iter().enumerate() {
        if !lp.is_free(j) {
            infeas = infeas.max(-d / lp.obj[j].abs().max(1.0));
        }
    }
    for (i, v) in y.iter().enumerate() {
        let wrong = match lp.senses[i] {
            Sense::Le => v.max(0.0),
            Sense::Ge => (-v).max(0.0),
            Sense::Eq => 0.0,
        };
        infeas = infeas.max(wrong);
    }
    DualCertificate {
        relative_gap: (primal - dual_objective).abs() / primal.abs().max(1.0),
        dual_objective,
        y,
        max_dual_infeasibility: infeas,
        method,
    }
}

/// `c_j - A_j'y` for every column.
pub fn reduced_costs(lp: &Lp, y: &[f64]) -> Vec<f64> {
    let mut rc = lp.obj.clone();
    for i in 0..lp.n_rows() {
        if y[i] != 0.0 {
            for (c, v) in lp.row(i) {
                rc[c] -= v * y[i];
            }
        }
    }
    rc
}

/// The scale each column's dual constraint is judged on: `max(1, |c_j|, sum_i |a_ij y_i|)`
/// (a zero-cost flow between two places priced at 10,000 USD/t is judged against 10,000,
/// not against 1), the dual counterpart of [`super::check::row_scale`].
pub fn column_dual_scales(lp: &Lp, y: &[f64]) -> Vec<f64> {
    let mut scale: Vec<f64> = lp.obj.iter().map(|c| c.abs().max(1.0)).collect();
    let mut sum = vec![0.0; lp.n_vars()];
    for i in 0..lp.n_rows() {
        if y[i] != 0.0 {
            for (c, v) in lp.row(i) {
                sum[c] += (v * y[i]).abs();
            }
        }
    }
    for (s, t) in scale.iter_mut().zip(sum) {
        *s = s.max(t);
    }
    scale
}
