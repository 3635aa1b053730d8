//! Duals for backends that give none (microlp), by the dual LP; the certificate that proves
//! them is [`crate::lp::certify`].
//!
//! Method: given the optimal primal `x`, solve the dual LP restricted by complementary
//! slackness: `y_i = 0` on rows with slack, `A_j'y = c_j` on columns with `x_j > 0`,
//! `A_j'y <= c_j` on the others, signs as above. Every feasible point of that system is an
//! optimal dual (any primal-optimal and dual-optimal pair is complementary), so the duality
//! gap `c'x - b'y` and the largest dual infeasibility form a certificate of optimality that
//! we measure ourselves. When the restricted system has no solution within tolerance (a
//! primal that is slightly off), the full dual LP is solved instead and the gap says how far
//! the primal is from optimal.
use crate::lp::certify::{certify, DualCertificate};
use crate::lp::check::{is_tight, used_tols, FEAS_TOL};
use crate::lp::{Lp, RowKey, Sense, VarKey};
use crate::solve::backend::{aux_options, Backend, Outcome};

/// Duals of `lp` at the optimal `x` by the restricted (then, if needed, full) dual LP.
pub fn by_dual_lp(lp: &Lp, x: &[f64], activities: &[f64], backend: &dyn Backend) -> Result<DualCertificate, String> {
    let restricted = solve_dual(lp, Some((x, activities)), backend);
    let (y, method) = match restricted {
        Ok(y) => (y, "dual LP restricted by complementary slackness"),
        Err(_) => (solve_dual(lp, None, backend)?, "full dual LP"),
    };
    Ok(certify(lp, x, y, method))
}

/// The dual LP in our variables: one column per priced-able row (`y_i = sign_i * z_i`,
/// `z_i >= 0`, or free for equalities), one row per primal column (`A_j'y <= c_j`, or `=`
/// when `x_j > 0` under complementary slackness `cs`).
pub struct DualSystem {
    pub aux: Lp,
    /// Dual column of each primal row (`u32::MAX` when the row's price is fixed at 0).
    pub col_of: Vec<u32>,
    pub sign: Vec<f64>,
}

impl DualSystem {
    /// `cs` restricts the system by complementary slackness with (x, Ax); `drop_col` leaves
    /// out the dual row of one primal column (used by cost ranging).
    pub fn new(lp: &Lp, cs: Option<(&[f64], &[f64])>, drop_col: Option<usize>) -> Result<Self, String> {
        let m = lp.n_rows();
        let mut aux = Lp::default();
        let mut col_of = vec![u32::MAX; m];
        let mut sign = vec![0.0; m];
        for i in 0..m {
            if let Some((_, act)) = cs {
                if !is_tight(lp, i, act[i]) {
                    continue; // slack row: y_i = 0
                }
            }
            let (s, free) = match lp.senses()[i] {
                Sense::Le => (-1.0, false),
                Sense::Ge => (1.0, false),
                Sense::Eq => (1.0, true),
            };
            sign[i] = s;
            col_of[i] = if free {
                aux.add_free_var(VarKey::Aux(i as u32), 0.0)
            } else {
                aux.add_var(VarKey::Aux(i as u32), 0.0)
            };
        }
        let columns = lp.columns();
        let mut terms = Vec::new();
        // "Used" for complementary slackness: clearly positive. Interior-point answers carry
        // tiny flows on every route; treating those as used would over-constrain the duals.
        let used_tol = cs.map(|(x, _)| used_tols(lp, x));
        for (j, col) in columns.iter().enumerate() {
            if drop_col == Some(j) {
                continue;
            }
            for &(i, v) in col {
                let i = i as usize;
                if col_of[i] != u32::MAX {
                    terms.push((col_of[i], v * sign[i]));
                }
            }
            let basic = cs.is_some_and(|(x, _)| x[j] > used_tol.as_ref().map_or(0.0, |t| t[j]));
            let sense = if basic || lp.is_free(j) { Sense::Eq } else { Sense::Le };
            if terms.is_empty() {
                // 0 <= c_j always holds for costs >= 0; an equality 0 = c_j needs c_j = 0.
                if sense == Sense::Eq && lp.obj()[j].abs() > FEAS_TOL * lp.obj()[j].abs().max(1.0) {
                    return Err("a used column with a positive cost touches no priced row".into());
                }
                continue;
            }
            aux.add_row(RowKey::Aux(j as u32), &mut terms, sense, lp.obj()[j]);
        }
        Ok(DualSystem { aux, col_of, sign })
    }

    /// Minimise `sum_i w_i y_i` over the system; `None` when unbounded below.
    pub fn minimise(&mut self, w: &[(usize, f64)], backend: &dyn Backend) -> Result<Option<Vec<f64>>, String> {
        self.aux.obj_mut().iter_mut().for_each(|c| *c = 0.0);
        for &(i, wi) in w {
            if self.col_of[i] != u32::MAX {
                self.aux.obj_mut()[self.col_of[i] as usize] += wi * self.sign[i];
            }
        }
        if self.aux.n_vars() == 0 {
            return Ok(Some(vec![0.0; self.col_of.len()]));
        }
        let sol = backend.solve(&self.aux, &aux_options());
        match sol.outcome {
            Outcome::Optimal => Ok(Some(
                self.col_of
                    .iter()
                    .zip(&self.sign)
                    .map(|(&c, s)| if c == u32::MAX { 0.0 } else { s * sol.x[c as usize] })
                    .collect(),
            )),
            Outcome::Unbounded => Ok(None),
            other => Err(format!("dual LP: {other:?}")),
        }
    }
}

/// Build and solve the dual LP (max b'y); `cs` restricts it by complementary slackness.
fn solve_dual(lp: &Lp, cs: Option<(&[f64], &[f64])>, backend: &dyn Backend) -> Result<Vec<f64>, String> {
    let mut sys = DualSystem::new(lp, cs, None)?;
    let w: Vec<(usize, f64)> = (0..lp.n_rows()).map(|i| (i, -lp.rhs()[i])).collect();
    sys.minimise(&w, backend)?
        .ok_or_else(|| "dual LP unbounded: the primal is infeasible".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::backend::MiniLp;

    /// min 2a + 3b  s.t.  a + b >= 4 (r0),  a <= 3 (r1),  b <= 10 (r2).
    /// Optimum a = 3, b = 1, cost 9; duals: r0 = 3 (one more unit needed costs one b),
    /// r1 = -1 (one more unit of cheap a saves 3 - 2), r2 = 0.
    #[test]
    fn textbook_duals_and_certificate() {
        let mut lp = Lp::default();
        let a = lp.add_var(VarKey::Aux(0), 2.0);
        let b = lp.add_var(VarKey::Aux(1), 3.0);
        lp.add_row(RowKey::Aux(0), &mut vec![(a, 1.0), (b, 1.0)], Sense::Ge, 4.0);
        lp.add_row(RowKey::Aux(1), &mut vec![(a, 1.0)], Sense::Le, 3.0);
        lp.add_row(RowKey::Aux(2), &mut vec![(b, 1.0)], Sense::Le, 10.0);
        let x = vec![3.0, 1.0];
        let act = lp.activities(&x);
        let cert = by_dual_lp(&lp, &x, &act, &MiniLp).unwrap();
        approx::assert_abs_diff_eq!(cert.y[0], 3.0, epsilon = 1e-9);
        approx::assert_abs_diff_eq!(cert.y[1], -1.0, epsilon = 1e-9);
        approx::assert_abs_diff_eq!(cert.y[2], 0.0, epsilon = 1e-9);
        assert!(cert.relative_gap < 1e-12);
        assert!(cert.max_dual_infeasibility < 1e-12);
    }

    #[test]
    fn suboptimal_primal_shows_a_gap() {
        let mut lp = Lp::default();
        let a = lp.add_var(VarKey::Aux(0), 2.0);
        let b = lp.add_var(VarKey::Aux(1), 3.0);
        lp.add_row(RowKey::Aux(0), &mut vec![(a, 1.0), (b, 1.0)], Sense::Ge, 4.0);
        lp.add_row(RowKey::Aux(1), &mut vec![(a, 1.0)], Sense::Le, 3.0);
        let x = vec![0.0, 4.0]; // feasible, cost 12, not optimal
        let act = lp.activities(&x);
        let cert = by_dual_lp(&lp, &x, &act, &MiniLp).unwrap();
        assert_eq!(cert.method, "full dual LP");
        assert!(cert.relative_gap > 0.1, "{cert:?}");
    }
}
