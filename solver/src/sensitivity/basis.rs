//! Sensitivity ranging from an optimal basis: the textbook (GLPK `--ranges`, HiGHS) ranges,
//! computed from one factorisation instead of several auxiliary LPs per row.
//!
//! Standard form: a slack column per inequality row (`+e_i` for `<=`, `-e_i` for `>=`, cost
//! 0), so every row reads `a_i'x + s_i = b_i`. From the optimal vertex `x`:
//!
//! 1. **Basis.** Candidates in priority order — structural columns with `x_j > used_tol`,
//!    slacks of rows with slack, then (a degenerate vertex has fewer positive values than
//!    rows) slacks of tight inequality rows, the remaining structural columns and, last, an
//!    artificial `e_i` for a row no real column can cover (linearly dependent rows) — each
//!    kept when it is linearly independent of those kept so far. The independence test is
//!    one step of a left-looking sparse LU with threshold partial pivoting, so the accepted
//!    columns come out factorised. (From an interior plan with its duals,
//!    [`super::crossover`] orders the columns by value over reduced cost instead.)
//! 2. **Optimality.** A degenerate vertex has many bases and not all of them are optimal:
//!    the reduced costs `d = c - A'y`, `y = B^{-T} c_B`, may be negative. A few primal
//!    simplex pivots (product-form updates of the LU, Dantzig pricing, Bland's rule when
//!    they take long) reach an optimal basis; at an optimal `x` every such pivot is
//!    degenerate, so the vertex does not move.
//! 3. **Checks.** The basic solution `B^{-1} b` must be `>= 0` and reproduce `x`, and the
//!    basis must be dual feasible; otherwise an error (the caller falls back to the LP
//!    method of [`super::ranging`]).
//! 4. **Ranges.** Right-hand side of tight row `i`: the ratio test on `x_B + θ B^{-1} e_i >= 0`.
//!    Cost of basic column `j` (position `r`): the ratio test on `d_k - δ (B^{-1} N)_{rk} >= 0`
//!    over the nonbasic columns `k`; of nonbasic `j`: `[c_j - d_j, +inf)`. Alternative
//!    optimum: an unused nonbasic column with zero reduced cost whose entering moves the
//!    plan by a positive step.
//!
//! At a non-degenerate vertex these are the ranges of [`super::ranging`]; at a degenerate
//! one they describe the basis found (ranges of other optimal bases may differ).

use super::prices::Directions;
use crate::lp::check::{is_tight, used_tols, FEAS_TOL};
use crate::lp::lu::{Factor, SparseVec};
use crate::lp::ranges::{ColSensitivity, Range, RowSensitivity, Sensitivity};
use crate::lp::{Lp, Sense};
use crate::solve::backend::Deadline;

pub const METHOD: &str = "exact: from the optimal basis";

/// Product-form updates between refactorisations.
pub(super) const REFACTOR_EVERY: usize = 50;

/// Is a refactorisation of the basis of `m` rows due? Every [`REFACTOR_EVERY`] updates on
/// small bases; on large ones a refactorisation costs far more than a (hypersparse) pivot, so
/// every `m / 400` updates, at most 250. Measured on the 90k-row basis of the six-year path
/// (crossover and dual simplex, seconds): every 50, 12.6; 100, 1.7; 250, 1.35; 500, 1.4;
/// 1,000, 1.8.
pub(super) fn refactor_due(f: &Factor, m: usize) -> bool {
    f.n_updates() >= (m / 400).clamp(REFACTOR_EVERY, 250)
}
/// Relative tolerance of ratio tests (entries of `B^{-1} a` below it count as zero).
pub(super) const RATIO_TOL: f64 = 1e-9;
/// Relative tolerance of reduced costs in the optimality pivots.
const DUAL_TOL: f64 = 1e-9;

/// Ranges of `lp` at the optimal vertex `x` (with row activities `activities`) from an
/// optimal basis: every tight row and the columns `cols`. See the module documentation.
pub fn ranging_from_basis(lp: &Lp, x: &[f64], activities: &[f64], cols: &[usize]) -> Result<Sensitivity, String> {
    ranging_from_basis_along(lp, x, activities, cols, &Directions::independent())
}

/// [`ranging_from_basis`] with each row's right-hand side moved along its direction in
/// `dirs` (a balance row with the targets covering its demand): the ratio test of a row's
/// range runs on `B^{-1} d` instead of `B^{-1} e_i`.
pub fn ranging_from_basis_along(
    lp: &Lp,
    x: &[f64],
    activities: &[f64],
    cols: &[usize],
    dirs: &Directions,
) -> Result<Sensitivity, String> {
    ranging_with_basis(lp, x, activities, cols, dirs).map(|(s, _)| s)
}

/// An optimal basis of a vertex plan, kept after ranging: the one-sided prices of its
/// degenerate rows are read off it by dual simplex steps ([`super::parametric`]).
pub struct OptimalBasis<'a> {
    pub(super) sf: StdForm<'a>,
    pub(super) basis: Basis,
    pub(super) at: AtBasis,
    /// Value of every standard-form column in the plan (artificials 0).
    pub(super) plan: Vec<f64>,
    /// Scratch space of the one-sided price queries, kept between them.
    pub(super) row: PivotRow,
    pub(super) work: Work,
}

impl OptimalBasis<'_> {
    /// Does the plan give the largest `g'x` over the optimal plans (`g`: structural columns
    /// and weights)? The simplex test of `max g'x` over the optimal face at this basis: with
    /// `u = B^{-T} g_B`, no nonbasic column the face lets move (a real column of zero reduced
    /// cost, within the tolerance of the auxiliary LP's face or wider) has `g_k - u'a_k > 0`.
    /// Sufficient, not necessary (a degenerate basis can fail it at a maximum): `false` sends
    /// the caller to the auxiliary LP.
    pub fn maximises_on_face(&self, g: &[(usize, f64)]) -> bool {
        let sf = &self.sf;
        let mut gk = vec![0.0; sf.n + 2 * sf.m];
        for &(j, v) in g {
            gk[j] += v;
        }
        let mut gb: Vec<f64> = self.basis.basic.iter().map(|&k| gk[k]).collect();
        let mut u = vec![0.0; sf.m];
        self.basis.factor.btran(&mut gb, &mut u);
        let mut col = Vec::new();
        // The auxiliary LP's face holds a row tight only where its dual is above 1e-9 of the
        // largest: a slack is free here too below that (the wider face of the two).
        let ymax = self.at.y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        (0..sf.n + sf.m).all(|k| {
            if self.basis.pos[k] != usize::MAX || !sf.is_real(k) {
                return true;
            }
            let tol = match k < sf.n {
                true => FEAS_TOL * sf.cost(k).abs().max(1.0),
                false => FEAS_TOL.max(1e-9 * (1.0 + ymax)),
            };
            if self.at.d[k].abs() > tol {
                return true; // off the face: 0 in every optimal plan
            }
            sf.column(k, &mut col);
            let terms = gk[k].abs() + col.iter().map(|&(i, a)| (a * u[i]).abs()).sum::<f64>();
            gk[k] - sf.dot(k, &u) <= DUAL_TOL * terms.max(1.0)
        })
    }
}

/// Vectors over rows and an undo log of reduced costs, reused by every price query.
pub(super) struct Work {
    pub(super) rhs: SparseVec,
    pub(super) delta: SparseVec,
    pub(super) rows: SparseVec,
    pub(super) alpha: SparseVec,
    /// `(column, previous reduced cost)` of every change a query made, to undo.
    pub(super) d_undo: Vec<(usize, f64)>,
}

/// [`ranging_from_basis_along`], also returning the optimal basis it ranged at.
pub fn ranging_with_basis<'a>(
    lp: &'a Lp,
    x: &[f64],
    activities: &'a [f64],
    cols: &[usize],
    dirs: &Directions,
) -> Result<(Sensitivity, OptimalBasis<'a>), String> {
    ranging_from(lp, x, activities, cols, dirs, None)
}

/// [`ranging_with_basis`] starting from `start` (a basis of the vertex `x`, from the
/// crossover) instead of the crash basis, when given.
pub(super) fn ranging_from<'a>(
    lp: &'a Lp,
    x: &[f64],
    activities: &'a [f64],
    cols: &[usize],
    dirs: &Directions,
    start: Option<Basis>,
) -> Result<(Sensitivity, OptimalBasis<'a>), String> {
    let (n, m) = (lp.n_vars(), lp.n_rows());
    if x.len() != n || activities.len() != m {
        return Err("plan and activities do not match the LP".into());
    }
    if (0..n).any(|j| lp.is_free(j)) {
        return Err("free columns are not supported by basis ranging".into());
    }
    if let Some(&j) = cols.iter().find(|&&j| j >= n) {
        return Err(format!("column {j} is not in the LP"));
    }
    let ob = optimal_basis(lp, x, activities, None, start)?;
    let s = ranges(&ob.sf, &ob.basis, &ob.at, x, cols, dirs);
    Ok((s, ob))
}

/// [`ranging_with_basis`] with every right-hand side moving alone, and `bland_after`
/// overriding when the pivots switch to Bland's rule (tests). Returns the ranges and the
/// number of optimality pivots.
#[cfg(test)]
fn ranging_with(
    lp: &Lp,
    x: &[f64],
    activities: &[f64],
    cols: &[usize],
    bland_after: Option<usize>,
) -> Result<(Sensitivity, usize), String> {
    let ob = optimal_basis(lp, x, activities, bland_after, None)?;
    let s = ranges(&ob.sf, &ob.basis, &ob.at, x, cols, &Directions::independent());
    Ok((s, ob.basis.pivots))
}

/// The dual of an optimal basis at the optimal vertex `x` (steps 1-3 above, no ranges): the
/// duals a simplex that gives none (microlp) is certified with, one factorisation instead of
/// a dual LP. An error when no optimal basis reproducing `x` is found (the caller then solves
/// the dual LP).
pub fn vertex_duals(lp: &Lp, x: &[f64], activities: &[f64]) -> Result<Vec<f64>, String> {
    optimal_basis(lp, x, activities, None, None).map(|ob| ob.at.y)
}

/// Steps 1-3 of the module documentation: an optimal basis reproducing the vertex `x`;
/// `bland_after` overrides when the optimality pivots switch to Bland's rule (tests);
/// `start` replaces the crash basis.
fn optimal_basis<'a>(
    lp: &'a Lp,
    x: &[f64],
    activities: &'a [f64],
    bland_after: Option<usize>,
    start: Option<Basis>,
) -> Result<OptimalBasis<'a>, String> {
    let sf = StdForm::new(lp, x, activities);
    let mut basis = match start {
        Some(b) => b,
        None => Basis::crash(&sf, x, None)?,
    };
    reproduces_plan(&sf, &basis, x)?;
    basis.make_optimal(&sf, bland_after.unwrap_or(2 * sf.m + 100), Deadline::none())?;
    basis.refactor(&sf)?;
    let at = basis.solution(&sf);
    check(&sf, &basis, &at, x)?;
    let plan = (0..sf.n + 2 * sf.m).map(|k| sf.plan_value(k, x)).collect();
    let row = PivotRow::new(&sf);
    let m = sf.m;
    let work = Work {
        rhs: SparseVec::new(m),
        delta: SparseVec::new(m),
        rows: SparseVec::new(m),
        alpha: SparseVec::new(m),
        d_undo: Vec::new(),
    };
    Ok(OptimalBasis {
        sf,
        basis,
        at,
        plan,
        row,
        work,
    })
}

/// The standard form around an [`Lp`]: columns `0..n` structural, `n + i` the slack of row
/// `i` (inequalities only), `n + m + i` an artificial `e_i` (last resort for dependent rows).
pub(super) struct StdForm<'a> {
    pub(super) lp: &'a Lp,
    pub(super) n: usize,
    pub(super) m: usize,
    /// Column-major structural matrix.
    pub(super) cols: Vec<Vec<(u32, f64)>>,
    /// Coefficient of row `i`'s slack: +1 (`<=`), -1 (`>=`), 0 (no slack: `=`).
    pub(super) slack_sign: Vec<f64>,
    /// Value of row `i`'s slack at the plan (0 for equalities).
    slack_value: Vec<f64>,
    activities: &'a [f64],
    /// Scale of values: max(1, |b|, |x|).
    pub(super) xscale: f64,
}

impl<'a> StdForm<'a> {
    pub(super) fn new(lp: &'a Lp, x: &[f64], activities: &'a [f64]) -> Self {
        let m = lp.n_rows();
        let slack_sign: Vec<f64> = lp
            .senses()
            .iter()
            .map(|s| match s {
                Sense::Le => 1.0,
                Sense::Ge => -1.0,
                Sense::Eq => 0.0,
            })
            .collect();
        let slack_value = (0..m).map(|i| slack_sign[i] * (lp.rhs()[i] - activities[i])).collect();
        let xscale = lp.rhs().iter().chain(x).fold(1.0f64, |a, v| a.max(v.abs()));
        StdForm {
            lp,
            n: lp.n_vars(),
            m,
            cols: lp.columns(),
            slack_sign,
            slack_value,
            activities,
            xscale,
        }
    }

    /// Structural entries in each row (the LU's pivot preference).
    fn row_weights(&self) -> Vec<usize> {
        let mut w = vec![0usize; self.m];
        for c in &self.cols {
            for &(i, _) in c {
                w[i as usize] += 1;
            }
        }
        w
    }

    pub(super) fn is_artificial(&self, k: usize) -> bool {
        k >= self.n + self.m
    }

    /// A column that may enter the basis (structural or an existing slack).
    pub(super) fn is_real(&self, k: usize) -> bool {
        k < self.n || (k < self.n + self.m && self.slack_sign[k - self.n] != 0.0)
    }

    pub(super) fn cost(&self, k: usize) -> f64 {
        if k < self.n {
            self.lp.obj()[k]
        } else {
            0.0
        }
    }

    /// Scatter column `k` into `out` (cleared first) as (row, value).
    pub(super) fn column(&self, k: usize, out: &mut Vec<(usize, f64)>) {
        out.clear();
        if k < self.n {
            out.extend(self.cols[k].iter().map(|&(i, v)| (i as usize, v)));
        } else if k < self.n + self.m {
            out.push((k - self.n, self.slack_sign[k - self.n]));
        } else {
            out.push((k - self.n - self.m, 1.0));
        }
    }

    /// `a_k'v` for a vector `v` over rows.
    pub(super) fn dot(&self, k: usize, v: &[f64]) -> f64 {
        if k < self.n {
            self.cols[k].iter().map(|&(i, a)| a * v[i as usize]).sum()
        } else if k < self.n + self.m {
            self.slack_sign[k - self.n] * v[k - self.n]
        } else {
            v[k - self.n - self.m]
        }
    }

    /// Value of column `k` in the plan (structural value, slack, 0 for an artificial).
    pub(super) fn plan_value(&self, k: usize, x: &[f64]) -> f64 {
        if k < self.n {
            x[k]
        } else if k < self.n + self.m {
            self.slack_value[k - self.n]
        } else {
            0.0
        }
    }
}

/// A basis of the standard form with its factorisation.
pub(super) struct Basis {
    /// Standard-form column at each basis position.
    pub(super) basic: Vec<usize>,
    /// Basis position of each standard-form column, `usize::MAX` when nonbasic.
    pub(super) pos: Vec<usize>,
    pub(super) factor: Factor,
    /// Current basic values (kept through the pivots, recomputed at refactorisation).
    pub(super) xb: Vec<f64>,
    /// Simplex pivots made to reach optimality (for diagnostics).
    pivots: usize,
}

/// Values at the final basis.
pub(super) struct AtBasis {
    pub(super) xb: Vec<f64>,
    pub(super) y: Vec<f64>,
    /// Reduced cost of every standard-form column (0 for basic and artificial columns).
    pub(super) d: Vec<f64>,
}

/// Row `r` of `B^{-1} A` over the real columns (structural and slack): `α_rk = ρ'a_k` with
/// `ρ = B^{-T} e_r`, computed row-wise from the nonzeros of `ρ` only, so a pivot costs what
/// the rows it meets hold rather than a pass over every column.
pub(super) struct PivotRow {
    /// `ρ`, over rows.
    pub(super) rho: SparseVec,
    /// `α_rk` for the columns in `touched` (stale elsewhere).
    pub(super) vals: Vec<f64>,
    /// The columns with an entry, each once.
    pub(super) touched: Vec<usize>,
    mark: Vec<bool>,
    unit: SparseVec,
}

impl PivotRow {
    pub(super) fn new(sf: &StdForm) -> Self {
        PivotRow {
            rho: SparseVec::new(sf.m),
            vals: vec![0.0; sf.n + sf.m],
            touched: Vec::new(),
            mark: vec![false; sf.n + sf.m],
            unit: SparseVec::new(sf.m),
        }
    }

    /// Compute row `r` at the basis factorised by `factor`.
    pub(super) fn compute(&mut self, sf: &StdForm, factor: &Factor, r: usize) {
        for &k in &self.touched {
            self.mark[k] = false;
        }
        self.touched.clear();
        self.unit.clear();
        self.unit.add(r, 1.0);
        self.rho.clear();
        factor.btran_sparse(&mut self.unit, &mut self.rho);
        // Rows in order: the columns come out in the same order whatever the pattern's.
        self.rho.idx.sort_unstable();
        for &i in &self.rho.idx {
            let ri = self.rho.val[i];
            if ri == 0.0 {
                continue;
            }
            for (k, a) in sf
                .lp
                .row(i)
                .chain((sf.slack_sign[i] != 0.0).then_some((sf.n + i, sf.slack_sign[i])))
            {
                if !self.mark[k] {
                    self.mark[k] = true;
                    self.touched.push(k);
                    self.vals[k] = 0.0;
                }
                self.vals[k] += a * ri;
            }
        }
    }
}

impl Basis {
    /// The starting basis from the plan (priority order of the module documentation).
    pub(super) fn crash(sf: &StdForm, x: &[f64], y: Option<&[f64]>) -> Result<Self, String> {
        let (n, m) = (sf.n, sf.m);
        let mut order: Vec<usize> = Vec::with_capacity(n + 2 * m);
        let tol = used_tols(sf.lp, x);
        let by_value_desc = |v: &mut Vec<usize>, val: &dyn Fn(usize) -> f64| {
            v.sort_by(|a, b| {
                val(*b)
                    .partial_cmp(&val(*a))
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.cmp(b))
            });
        };
        if let Some(y) = y {
            // With the interior point's duals (IPX's crash): every real column by the ratio
            // of its value to its reduced cost, largest first (a column of the optimal face
            // has a value and a zero reduced cost; one off it, the reverse), then the zero
            // columns by reduced cost, sparsest first among equals.
            let mut all: Vec<(f64, f64, usize, usize)> = (0..n + m)
                .filter(|&k| sf.is_real(k))
                .map(|k| {
                    let v = sf.plan_value(k, x).max(0.0);
                    let d = (sf.cost(k) - sf.dot(k, y)).max(0.0);
                    let ratio = if v == 0.0 { 0.0 } else { v / d.max(f64::MIN_POSITIVE) };
                    let len = if k < n { sf.cols[k].len() } else { 1 };
                    (ratio, d, len, k)
                })
                .collect();
            all.sort_by(|a, b| {
                b.0.total_cmp(&a.0)
                    .then(a.1.total_cmp(&b.1))
                    .then(a.2.cmp(&b.2))
                    .then(a.3.cmp(&b.3))
            });
            order.extend(all.iter().map(|a| a.3));
        } else {
            let mut used: Vec<usize> = (0..n).filter(|&j| x[j] > tol[j]).collect();
            by_value_desc(&mut used, &|j| x[j]);
            order.extend(&used);
            let mut loose: Vec<usize> = (0..m)
                .filter(|&i| sf.slack_sign[i] != 0.0 && !is_tight(sf.lp, i, sf.activities[i]))
                .collect();
            by_value_desc(&mut loose, &|i| sf.slack_value[i]);
            order.extend(loose.iter().map(|i| n + i));
            order.extend(
                (0..m)
                    .filter(|&i| sf.slack_sign[i] != 0.0 && is_tight(sf.lp, i, sf.activities[i]))
                    .map(|i| n + i),
            );
            // Remaining structural columns, sparsest first (cheapest to factorise).
            let mut rest: Vec<usize> = (0..n).filter(|&j| x[j] <= tol[j]).collect();
            rest.sort_by_key(|&j| (sf.cols[j].len(), j));
            order.extend(rest);
        }

        let row_weight = sf.row_weights();
        let mut factor = Factor::new(m, row_weight);
        let mut basic = Vec::with_capacity(m);
        let mut col = Vec::new();
        for k in order {
            if factor.rank() == m {
                break;
            }
            sf.column(k, &mut col);
            if factor.try_push(&col) {
                basic.push(k);
            }
        }
        // Rows no real column covers (dependent rows): artificial e_i, which must stay at 0.
        if factor.rank() < m {
            for i in 0..m {
                if factor.pos_of_row[i] == usize::MAX {
                    let k = n + m + i;
                    sf.column(k, &mut col);
                    if !factor.try_push(&col) {
                        return Err("could not complete the basis".into());
                    }
                    basic.push(k);
                }
            }
        }
        Basis::from_columns(sf, basic)
    }

    /// The basis of the standard-form columns `basic` (one per row), factorised.
    pub(super) fn from_columns(sf: &StdForm, basic: Vec<usize>) -> Result<Self, String> {
        let m = sf.m;
        if basic.len() != m {
            return Err(format!("{} basic columns for {m} rows", basic.len()));
        }
        let row_weight = sf.row_weights();
        let mut pos = vec![usize::MAX; sf.n + 2 * m];
        for (p, &k) in basic.iter().enumerate() {
            pos[k] = p;
        }
        let mut b = Basis {
            basic,
            pos,
            factor: Factor::new(m, row_weight),
            xb: Vec::new(),
            pivots: 0,
        };
        b.refactor(sf)?;
        Ok(b)
    }

    /// Factorise the current basis afresh (singletons first, then sparsest columns first)
    /// and recompute the basic values.
    pub(super) fn refactor(&mut self, sf: &StdForm) -> Result<(), String> {
        let m = sf.m;
        self.basic.sort_by_key(|&k| {
            let len = if k < sf.n { sf.cols[k].len() } else { 1 };
            (len, k)
        });
        let mut factor = Factor::new(m, std::mem::take(&mut self.factor.row_weight));
        let mut col = Vec::new();
        for (p, &k) in self.basic.iter().enumerate() {
            sf.column(k, &mut col);
            if !factor.try_push(&col) {
                return Err("the basis became numerically singular".into());
            }
            self.pos[k] = p;
        }
        self.factor = factor;
        let mut b = sf.lp.rhs().to_vec();
        let mut xb = vec![0.0; m];
        self.factor.ftran(&mut b, &mut xb);
        self.xb = xb;
        Ok(())
    }

    pub(super) fn duals(&self, sf: &StdForm) -> Vec<f64> {
        let mut cb: Vec<f64> = self.basic.iter().map(|&k| sf.cost(k)).collect();
        let mut y = vec![0.0; sf.m];
        self.factor.btran(&mut cb, &mut y);
        y
    }

    /// Is the reduced cost of `k`, recomputed from this basis's duals, zero within the rounding
    /// of its terms (`|c_k| + sum |a_ik y_i|`)? On a model whose prices reach millions a
    /// column of cost 0 can show -2e-9, past the pricing's tolerance of 1e-9 (relative to
    /// its cost); with no row to block it, it looks like a ray of an LP that has none.
    fn rounds_to_zero(&self, sf: &StdForm, k: usize) -> bool {
        let y = self.duals(sf);
        let mut col = Vec::new();
        sf.column(k, &mut col);
        let terms: f64 = col.iter().map(|&(i, a)| (a * y[i]).abs()).sum();
        let d = sf.cost(k) - sf.dot(k, &y);
        d >= -DUAL_TOL * (sf.cost(k).abs() + terms).max(1.0)
    }

    /// Reduced costs of the real nonbasic columns (0 elsewhere).
    pub(super) fn reduced_costs(&self, sf: &StdForm, y: &[f64]) -> Vec<f64> {
        let mut d = vec![0.0; sf.n + 2 * sf.m];
        for k in 0..sf.n + sf.m {
            if self.pos[k] == usize::MAX && sf.is_real(k) {
                d[k] = sf.cost(k) - sf.dot(k, y);
            }
        }
        d
    }

    /// `B^{-1} a_k` over basis positions (`rows` scratch).
    pub(super) fn ftran_col(&self, sf: &StdForm, k: usize, rows: &mut SparseVec, out: &mut SparseVec) {
        rows.clear();
        out.clear();
        let mut col = Vec::new();
        sf.column(k, &mut col);
        for (i, v) in col {
            rows.add(i, v);
        }
        self.factor.ftran_sparse(rows, out);
    }

    /// Primal simplex pivots from the (primal feasible) crash basis until no reduced cost
    /// is negative. At an optimal plan every pivot is degenerate. Dantzig pricing for the
    /// first `bland_after` pivots, then Bland's rule (no cycling).
    pub(super) fn make_optimal(&mut self, sf: &StdForm, bland_after: usize, deadline: Deadline) -> Result<(), String> {
        let (n, m) = (sf.n, sf.m);
        let max_iter = 20 * (n + m) + 1000;
        let xtol = RATIO_TOL * sf.xscale;
        let mut rows = SparseVec::new(m);
        let mut alpha = SparseVec::new(m);
        let mut row = PivotRow::new(sf);
        // Reduced costs, updated by each pivot's row and recomputed at each refactorisation.
        let mut d = self.reduced_costs(sf, &self.duals(sf));
        let mut pricing = Pricing::new(sf, &d);
        for iter in 0..=max_iter {
            if iter == max_iter {
                return Err(format!("no optimal basis after {max_iter} simplex pivots"));
            }
            if iter % 64 == 63 && deadline.passed() {
                return Err("the time limit was reached".into());
            }
            if refactor_due(&self.factor, m) {
                self.refactor(sf)?;
                d = self.reduced_costs(sf, &self.duals(sf));
                pricing = Pricing::new(sf, &d);
            }
            let bland = iter >= bland_after;
            let Some(q) = pricing.choose(sf, &d, &self.pos, bland) else {
                return Ok(());
            };
            self.ftran_col(sf, q, &mut rows, &mut alpha);
            let ptol = RATIO_TOL * alpha.max_abs().max(1.0);
            // Harris two-pass ratio test; artificials (fixed at 0) block in both directions.
            let blocks = |p: usize, a: f64| -> bool { a > ptol || (sf.is_artificial(self.basic[p]) && a.abs() > ptol) };
            let mut tmax = f64::INFINITY;
            for &p in &alpha.idx {
                if blocks(p, alpha.val[p]) {
                    let xp = if sf.is_artificial(self.basic[p]) {
                        0.0
                    } else {
                        self.xb[p].max(0.0)
                    };
                    tmax = tmax.min((xp + xtol) / alpha.val[p].abs());
                }
            }
            if tmax.is_infinite() {
                if !self.rounds_to_zero(sf, q) {
                    return Err("the LP is unbounded along a column with a negative reduced cost".into());
                }
                // Its reduced cost is rounding (0 - 1e-9 with prices of millions): not a ray.
                d[q] = 0.0;
                continue;
            }
            let mut r = usize::MAX;
            for &p in &alpha.idx {
                if !blocks(p, alpha.val[p]) {
                    continue;
                }
                let xp = if sf.is_artificial(self.basic[p]) {
                    0.0
                } else {
                    self.xb[p].max(0.0)
                };
                if xp / alpha.val[p].abs() > tmax {
                    continue;
                }
                let better = r == usize::MAX
                    || if bland {
                        self.basic[p] < self.basic[r]
                    } else {
                        // Ties to the first position, whatever the pattern's order.
                        let (ap, ar) = (alpha.val[p].abs(), alpha.val[r].abs());
                        ap > ar || (ap == ar && p < r)
                    };
                if better {
                    r = p;
                }
            }
            let xr = if sf.is_artificial(self.basic[r]) {
                0.0
            } else {
                self.xb[r].max(0.0)
            };
            let theta = xr / alpha.val[r];
            for &p in &alpha.idx {
                self.xb[p] -= theta * alpha.val[p];
            }
            self.xb[r] = theta;
            let leaving = self.basic[r];
            // d_k -= (d_q / α_rq) α_rk over the nonbasic columns; the leaving one gets -step.
            row.compute(sf, &self.factor, r);
            let step = d[q] / alpha.val[r];
            for &k in &row.touched {
                if self.pos[k] == usize::MAX {
                    d[k] -= step * row.vals[k];
                    pricing.offer(sf, &d, k);
                }
            }
            d[q] = 0.0;
            d[leaving] = -step;
            pricing.offer(sf, &d, leaving);
            self.pos[leaving] = usize::MAX;
            self.basic[r] = q;
            self.pos[q] = r;
            self.factor.update(r, &alpha);
            self.pivots += 1;
        }
        unreachable!("the loop returns")
    }

    pub(super) fn solution(&self, sf: &StdForm) -> AtBasis {
        let mut b = sf.lp.rhs().to_vec();
        let mut xb = vec![0.0; sf.m];
        self.factor.ftran(&mut b, &mut xb);
        let mut y = self.duals(sf);
        // A basic slack or artificial prices its row at exactly zero.
        for &k in &self.basic {
            if k >= sf.n {
                y[(k - sf.n) % sf.m] = 0.0;
            }
        }
        let d = self.reduced_costs(sf, &y);
        AtBasis { xb, y, d }
    }
}

/// The entering candidates of [`Basis::make_optimal`]: the real columns whose reduced cost
/// was seen negative (a superset of the nonbasic ones that are), each once, so that a pivot
/// prices only them instead of every column.
struct Pricing {
    cand: Vec<usize>,
    listed: Vec<bool>,
}

impl Pricing {
    fn new(sf: &StdForm, d: &[f64]) -> Self {
        let mut p = Pricing {
            cand: Vec::new(),
            listed: vec![false; d.len()],
        };
        (0..sf.n + sf.m).for_each(|k| p.offer(sf, d, k));
        p
    }

    fn negative(sf: &StdForm, d: &[f64], k: usize) -> bool {
        sf.is_real(k) && d[k] < -DUAL_TOL * sf.cost(k).abs().max(1.0)
    }

    /// List `k` if its reduced cost is negative.
    fn offer(&mut self, sf: &StdForm, d: &[f64], k: usize) {
        if !self.listed[k] && Self::negative(sf, d, k) {
            self.listed[k] = true;
            self.cand.push(k);
        }
    }

    /// The entering column: the most negative scaled reduced cost (Dantzig; ties to the
    /// lowest index), or with `bland` the lowest index; `None` when no nonbasic column has
    /// a negative reduced cost (the basis is optimal).
    fn choose(&mut self, sf: &StdForm, d: &[f64], pos: &[usize], bland: bool) -> Option<usize> {
        let listed = &mut self.listed;
        self.cand.retain(|&k| {
            let keep = pos[k] == usize::MAX && Self::negative(sf, d, k);
            listed[k] = keep;
            keep
        });
        let score = |k: usize| if bland { 0.0 } else { d[k] / sf.cost(k).abs().max(1.0) };
        self.cand
            .iter()
            .copied()
            .fold(None, |best: Option<usize>, k| match best {
                Some(b) if score(b) < score(k) || (score(b) == score(k) && b < k) => Some(b),
                _ => Some(k),
            })
    }
}

/// `B x_B` with the plan's values reproduces `b`: the columns left out of the starting basis
/// carry (almost) nothing, i.e. the plan is a vertex.
fn reproduces_plan(sf: &StdForm, basis: &Basis, x: &[f64]) -> Result<(), String> {
    let lp = sf.lp;
    let mut r = lp.rhs().to_vec();
    let mut col = Vec::new();
    for &k in &basis.basic {
        let v = sf.plan_value(k, x);
        sf.column(k, &mut col);
        for &(i, a) in &col {
            r[i] -= a * v;
        }
    }
    for i in 0..sf.m {
        let mag: f64 = lp.row(i).map(|(c, a)| (a * x[c]).abs()).sum();
        if r[i].abs() > FEAS_TOL * lp.rhs()[i].abs().max(mag).max(1.0) {
            return Err(format!(
                "the basis does not reproduce row {i} (residual {:.3e}): the plan is not a vertex",
                r[i]
            ));
        }
    }
    Ok(())
}

/// The final basis must be primal feasible at the plan's values (the optimality pivots did
/// not move: the plan is optimal) and dual feasible.
fn check(sf: &StdForm, basis: &Basis, at: &AtBasis, x: &[f64]) -> Result<(), String> {
    let tol = FEAS_TOL * sf.xscale;
    for (p, &k) in basis.basic.iter().enumerate() {
        let v = at.xb[p];
        if v < -tol || (sf.is_artificial(k) && v.abs() > tol) {
            return Err(format!("the basic solution is infeasible ({v:.3e} at a basic column)"));
        }
        if (v - sf.plan_value(k, x)).abs() > tol {
            return Err(format!(
                "the basic solution differs from the plan by {:.3e}: the plan is not optimal",
                (v - sf.plan_value(k, x)).abs()
            ));
        }
    }
    for k in 0..sf.n + sf.m {
        if basis.pos[k] == usize::MAX && sf.is_real(k) && at.d[k] < -FEAS_TOL * sf.cost(k).abs().max(1.0) {
            return Err(format!("the basis is not dual feasible (reduced cost {:.3e})", at.d[k]));
        }
    }
    Ok(())
}

/// Ratio test: the largest step `θ >= 0` along `-dir` (values `v - θ dir >= 0`), where
/// artificial positions must not move at all. `f64::INFINITY` when nothing blocks.
fn max_step(sf: &StdForm, basis: &Basis, xb: &[f64], dir: &SparseVec, sign: f64) -> f64 {
    let tol = RATIO_TOL * dir.max_abs() + 1e-300;
    let mut t = f64::INFINITY;
    for &p in &dir.idx {
        let a = dir.val[p] * sign;
        if a.abs() <= tol {
            continue;
        }
        if sf.is_artificial(basis.basic[p]) {
            return 0.0;
        }
        if a > 0.0 {
            t = t.min(xb[p].max(0.0) / a);
        }
    }
    t
}

fn ranges(sf: &StdForm, basis: &Basis, at: &AtBasis, x: &[f64], cols: &[usize], dirs: &Directions) -> Sensitivity {
    let (n, m, lp) = (sf.n, sf.m, sf.lp);
    let mut rows_buf = SparseVec::new(m);
    let mut dir = SparseVec::new(m);

    // Right-hand sides: x_B(θ) = x_B + θ B^{-1} d_i, with d_i = e_i plus the rows that
    // move with row i (a balance row: the targets covering its demand).
    let mut rows = Vec::new();
    for i in 0..m {
        if !is_tight(lp, i, sf.activities[i]) {
            continue;
        }
        rows_buf.clear();
        for (k, w) in dirs.of(i) {
            rows_buf.add(k, w);
        }
        dir.clear();
        basis.factor.ftran_sparse(&mut rows_buf, &mut dir);
        let up = max_step(sf, basis, &at.xb, &dir, -1.0);
        let down = max_step(sf, basis, &at.xb, &dir, 1.0);
        rows.push(RowSensitivity {
            row: i,
            price_low: at.y[i],
            price_high: at.y[i],
            rhs: Range {
                lower: lp.rhs()[i] - down,
                upper: lp.rhs()[i] + up,
            },
        });
    }

    // Costs. For basic j at position r: ρ = B^{-T} e_r, α_rk = ρ'a_k; the basis stays
    // optimal while d_k - δ α_rk >= 0 for every real nonbasic k (those off row r's
    // pattern have α_rk = 0 and bound nothing).
    let mut out_cols = Vec::with_capacity(cols.len());
    let mut row = PivotRow::new(sf);
    for &j in cols {
        let c = lp.obj()[j];
        let r = basis.pos[j];
        if r == usize::MAX {
            out_cols.push(ColSensitivity {
                col: j,
                cost: Range {
                    lower: c - at.d[j].max(0.0),
                    upper: f64::INFINITY,
                },
            });
            continue;
        }
        row.compute(sf, &basis.factor, r);
        let tol = RATIO_TOL * row.rho.max_abs().max(1.0);
        let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
        for &k in &row.touched {
            if basis.pos[k] != usize::MAX {
                continue;
            }
            let (a, dk) = (row.vals[k], at.d[k].max(0.0));
            if a > tol {
                hi = hi.min(dk / a);
            } else if a < -tol {
                lo = lo.max(dk / a);
            }
        }
        out_cols.push(ColSensitivity {
            col: j,
            cost: Range {
                lower: c + lo,
                upper: c + hi,
            },
        });
    }

    // Alternative optimum: an unused nonbasic column priced at zero that can enter with a
    // positive step (the most it can carry; ties to the lowest index).
    let used = used_tols(lp, x);
    let scale = lp.rhs().iter().fold(1.0f64, |a, b| a.max(b.abs()));
    let mut alternative: Option<(usize, f64)> = None;
    for j in 0..n {
        if basis.pos[j] != usize::MAX || x[j] > used[j] || at.d[j] > FEAS_TOL * lp.obj()[j].abs().max(1.0) {
            continue;
        }
        basis.ftran_col(sf, j, &mut rows_buf, &mut dir);
        let step = max_step(sf, basis, &at.xb, &dir, 1.0);
        let better = match alternative {
            None => true,
            Some((_, s)) => step > s,
        };
        if step.is_finite() && step > 1e-7 * scale && better {
            alternative = Some((j, step));
        }
    }

    Sensitivity {
        method: METHOD,
        duals: at.y.clone(),
        rows,
        cols: out_cols,
        alternative,
        use_max: Default::default(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::lp::certify::certify;
    use crate::lp::{RowKey, VarKey};
    use crate::model::generate::Rng;
    use crate::sensitivity::ranging::{cost_range, rhs_range};
    use crate::solve::backend::{Backend, MiniLp, Outcome, SolveOptions};

    pub fn solve(lp: &Lp) -> Option<(Vec<f64>, f64)> {
        let sol = MiniLp.solve(lp, &SolveOptions::default());
        (sol.outcome == Outcome::Optimal).then(|| {
            let x: Vec<f64> = sol.x.iter().map(|v| v.max(0.0)).collect();
            let z = lp.objective_value(&x);
            (x, z)
        })
    }

    /// The basic values at the basis `ranging_from_basis` settles on, and the pivots it took.
    fn basic_values(lp: &Lp, x: &[f64], act: &[f64]) -> (Vec<f64>, usize) {
        let sf = StdForm::new(lp, x, act);
        let mut b = Basis::crash(&sf, x, None).unwrap();
        b.make_optimal(&sf, 2 * sf.m + 100, Deadline::none()).unwrap();
        b.refactor(&sf).unwrap();
        (b.solution(&sf).xb, b.pivots)
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a.is_infinite() && a == b) || (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
    }

    /// Checks that hold at any optimal basis: the dual is optimal (zero gap, feasible), each
    /// range holds the current value, and moving a right-hand side (a cost) inside its range
    /// changes the optimum by `y_i Δb` (by `x_j Δc`). `probe` limits the re-solves.
    fn validate(lp: &Lp, x: &[f64], s: &Sensitivity, probe: usize) {
        let z = lp.objective_value(x);
        let cert = certify(lp, x, s.duals.clone(), "basis");
        assert!(cert.relative_gap < 1e-9, "gap {}", cert.relative_gap);
        assert!(
            cert.max_dual_infeasibility < 1e-9,
            "dual infeasibility {}",
            cert.max_dual_infeasibility
        );
        for r in &s.rows {
            let b = lp.rhs()[r.row];
            assert!(
                r.rhs.lower <= b + 1e-9 && b <= r.rhs.upper + 1e-9,
                "row {}: {:?} vs {b}",
                r.row,
                r.rhs
            );
            assert_eq!(r.price_low, s.duals[r.row]);
        }
        for c in &s.cols {
            let cj = lp.obj()[c.col];
            assert!(
                c.cost.lower <= cj + 1e-9 && cj <= c.cost.upper + 1e-9,
                "col {}: {:?} vs {cj}",
                c.col,
                c.cost
            );
        }
        for r in s.rows.iter().take(probe) {
            let b = lp.rhs()[r.row];
            for end in [r.rhs.lower, r.rhs.upper] {
                let target = if end.is_finite() {
                    b + (end - b) / 2.0
                } else {
                    b + end.signum() * b.abs().max(1.0)
                };
                if (target - b).abs() < 1e-9 {
                    continue;
                }
                let mut moved = lp.clone();
                moved.rhs_mut()[r.row] = target;
                let (_, z2) = solve(&moved).expect("feasible inside the range");
                let want = z + s.duals[r.row] * (target - b);
                assert!(
                    close(z2, want, 1e-7),
                    "row {} to {target}: cost {z2}, predicted {want}",
                    r.row
                );
            }
        }
        for c in s.cols.iter().take(probe) {
            let cj = lp.obj()[c.col];
            for end in [c.cost.lower, c.cost.upper] {
                let target = if end.is_finite() {
                    cj + (end - cj) / 2.0
                } else {
                    cj + end.signum() * cj.abs().max(1.0)
                };
                if (target - cj).abs() < 1e-9 {
                    continue;
                }
                let mut moved = lp.clone();
                moved.obj_mut()[c.col] = target;
                let (_, z2) = solve(&moved).expect("bounded inside the range");
                let want = z + x[c.col] * (target - cj);
                assert!(
                    close(z2, want, 1e-7),
                    "col {} to {target}: cost {z2}, predicted {want}",
                    c.col
                );
            }
        }
    }

    /// microlp with a time limit: it can loop on small unbounded LPs with free columns (such
    /// as the dual system of `cost_range` when a cost has no lower end), so the LP method's
    /// answers are taken only when it finishes.
    struct TimedMiniLp;

    impl Backend for TimedMiniLp {
        fn name(&self) -> &'static str {
            "minilp (time-limited)"
        }

        fn solve(&self, lp: &Lp, _: &SolveOptions) -> crate::solve::backend::RawSolution {
            let opts = SolveOptions {
                time_limit: Some(std::time::Duration::from_millis(500)),
                ..Default::default()
            };
            MiniLp.solve(lp, &opts)
        }
    }

    /// The ranges of one optimal basis lie inside those of the LP method, which describe the
    /// plan (every optimal basis of it) rather than one basis. `probe` limits the LPs.
    /// Returns how many comparisons were made, and how many were skipped because the LP
    /// method did not finish.
    fn within_lp_ranges(lp: &Lp, x: &[f64], act: &[f64], s: &Sensitivity, probe: usize) -> Compared {
        let inside = |ours: &Range, lp_range: &Range| {
            let le = |a: f64, b: f64| a <= b || (a - b) <= 1e-7 * a.abs().max(b.abs()).max(1.0);
            le(lp_range.lower, ours.lower) && le(ours.upper, lp_range.upper)
        };
        let (mut checked, mut skipped) = (0, 0);
        // A column our single pivot can move is one the LP method's face search finds too.
        match crate::sensitivity::ranging::alternative_optimum(lp, x, &s.duals, &TimedMiniLp) {
            Ok(lp_alt) => {
                assert!(
                    s.alternative.is_none() || lp_alt.is_some(),
                    "{:?} vs {lp_alt:?}",
                    s.alternative
                );
                checked += 1;
            }
            Err(_) => skipped += 1,
        }
        for r in s.rows.iter().take(probe) {
            match rhs_range(lp, &s.duals, r.row, &TimedMiniLp) {
                Ok(want) => {
                    assert!(inside(&r.rhs, &want), "row {}: basis {:?}, LP {want:?}", r.row, r.rhs);
                    checked += 1;
                }
                Err(_) => skipped += 1,
            }
        }
        for c in s.cols.iter().take(probe) {
            match cost_range(lp, x, act, c.col, &TimedMiniLp) {
                Ok(want) => {
                    assert!(inside(&c.cost, &want), "col {}: basis {:?}, LP {want:?}", c.col, c.cost);
                    checked += 1;
                }
                Err(_) => skipped += 1,
            }
        }
        Compared { checked, skipped }
    }

    /// The fewest comparisons with the LP method each test must make (below what they make
    /// today, so a slower machine timing out a few still passes; above zero, so a test whose
    /// loop compares nothing fails).
    const CHECKED_RANDOM: usize = 400; // 449 today, none may time out
    const CHECKED_DEGENERATE: usize = 400; // 458 today
    const CHECKED_SHIPPED: usize = 8; // 11 today (the alternative, 5 rows, 5 columns)
    const CHECKED_POWERCO: usize = 10; // every row and column, none may time out
    const CHECKED_TEXTBOOK: usize = 90; // 96 today

    /// Comparisons with the LP method: made, and skipped (the LP method timed out).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Compared {
        checked: usize,
        skipped: usize,
    }

    /// min 2a + 3b  s.t.  a + b >= 4 (r0),  a <= 3 (r1): the example of `ranging`.
    #[test]
    fn textbook_ranges() {
        let mut lp = Lp::default();
        let a = lp.add_var(VarKey::Aux(0), 2.0);
        let b = lp.add_var(VarKey::Aux(1), 3.0);
        lp.add_row(RowKey::Aux(0), &mut vec![(a, 1.0), (b, 1.0)], Sense::Ge, 4.0);
        lp.add_row(RowKey::Aux(1), &mut vec![(a, 1.0)], Sense::Le, 3.0);
        let x = vec![3.0, 1.0];
        let act = lp.activities(&x);
        let s = ranging_from_basis(&lp, &x, &act, &[0, 1]).unwrap();
        assert_eq!(s.method, METHOD);
        approx::assert_abs_diff_eq!(s.duals[0], 3.0, epsilon = 1e-12);
        approx::assert_abs_diff_eq!(s.duals[1], -1.0, epsilon = 1e-12);
        assert_eq!(s.rows.len(), 2);
        approx::assert_abs_diff_eq!(s.rows[0].rhs.lower, 3.0, epsilon = 1e-12);
        assert_eq!(s.rows[0].rhs.upper, f64::INFINITY);
        approx::assert_abs_diff_eq!(s.rows[1].rhs.lower, 0.0, epsilon = 1e-12);
        approx::assert_abs_diff_eq!(s.rows[1].rhs.upper, 4.0, epsilon = 1e-12);
        assert_eq!(s.cols[0].cost.lower, f64::NEG_INFINITY);
        approx::assert_abs_diff_eq!(s.cols[0].cost.upper, 3.0, epsilon = 1e-12);
        approx::assert_abs_diff_eq!(s.cols[1].cost.lower, 2.0, epsilon = 1e-12);
        assert_eq!(s.cols[1].cost.upper, f64::INFINITY);
        assert_eq!(s.alternative, None);
        validate(&lp, &x, &s, usize::MAX);
    }

    fn load(path: &str) -> crate::solve::Solved {
        let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
        let src = std::fs::read_to_string(&full).unwrap();
        let inst = sourcing_models::load_str(&src).instance.expect("valid instance");
        let model = crate::model::formulate::build(&inst);
        let solved = crate::solve::solve_model(
            model,
            0.0,
            crate::solve::backend::BackendChoice::MiniLp,
            &SolveOptions::default(),
        );
        assert_eq!(solved.status, crate::solve::Status::Optimal, "{:?}", solved.message);
        solved
    }

    /// Winston 7.1 Powerco: balanced supply and demand, so the optimal vertex is degenerate.
    #[test]
    fn powerco_transport() {
        let solved = load("instances/textbook/powerco_transport.toml");
        let lp = &solved.model.lp;
        approx::assert_abs_diff_eq!(solved.objective, 1020.0, epsilon = 1e-9);
        let cols: Vec<usize> = (0..lp.n_vars()).collect();
        let s = ranging_from_basis(lp, &solved.x, &solved.activities, &cols).unwrap();
        validate(lp, &solved.x, &s, usize::MAX);
        let c = within_lp_ranges(lp, &solved.x, &solved.activities, &s, usize::MAX);
        assert_eq!(c.skipped, 0);
        // Every row and column, and the alternative optimum.
        assert_eq!(c.checked, 1 + s.rows.len() + s.cols.len());
        assert!(
            c.checked >= CHECKED_POWERCO,
            "only {} comparisons with the LP method",
            c.checked
        );
        let (bland, _) = ranging_with(lp, &solved.x, &solved.activities, &cols, Some(0)).unwrap();
        validate(lp, &solved.x, &bland, usize::MAX);
    }

    /// Every optimal textbook instance: the basis ranges are exact and inside the LP method's.
    #[test]
    fn textbook_instances() {
        let dir = format!("{}/../instances/textbook", env!("CARGO_MANIFEST_DIR"));
        let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        let (mut done, mut checked) = (0, 0);
        for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "toml")) {
            let src = std::fs::read_to_string(path).unwrap();
            let Some(inst) = sourcing_models::load_str(&src).instance else {
                continue;
            };
            let solved = crate::solve::solve(
                &inst,
                crate::solve::backend::BackendChoice::MiniLp,
                &SolveOptions::default(),
            );
            if solved.status != crate::solve::Status::Optimal {
                continue;
            }
            let lp = &solved.model.lp;
            let cols: Vec<usize> = (0..lp.n_vars()).collect();
            let s = ranging_from_basis(lp, &solved.x, &solved.activities, &cols)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            validate(lp, &solved.x, &s, usize::MAX);
            checked += within_lp_ranges(lp, &solved.x, &solved.activities, &s, usize::MAX).checked;
            done += 1;
        }
        eprintln!("basis ranging: {done} textbook instances, {checked} comparisons with the LP method");
        assert!(done >= 1, "no textbook instance ranged");
        assert!(
            checked >= CHECKED_TEXTBOOK,
            "only {checked} comparisons with the LP method"
        );
    }

    /// A feasible LP (rows built around a known point) with positive costs, hence bounded.
    /// `degenerate`: small integer data and mostly tight rows, so vertices are degenerate.
    pub fn random_lp(rng: &mut Rng, degenerate: bool) -> Lp {
        let n = 3 + rng.below(6);
        let m = 2 + rng.below(5);
        let mut lp = Lp::default();
        for j in 0..n {
            let c = 0.5 + 4.5 * rng.unit();
            lp.add_var(VarKey::Aux(j as u32), if degenerate { c.round() } else { c });
        }
        let x0: Vec<f64> = (0..n)
            .map(|_| match (rng.unit() < 0.3, degenerate) {
                (true, _) => 0.0,
                (false, true) => (1 + rng.below(3)) as f64,
                (false, false) => 5.0 * rng.unit(),
            })
            .collect();
        let mut terms = Vec::new();
        for i in 0..m {
            let mut ax = 0.0;
            for (j, &xj) in x0.iter().enumerate() {
                if rng.unit() < 0.6 {
                    let a = (-1.0 + 4.0 * rng.unit()).round().max(-1.0);
                    let a = if degenerate { a } else { a + rng.unit() };
                    terms.push((j as u32, a));
                    ax += a * xj;
                }
            }
            let gap = match (rng.unit() < 0.3 || (degenerate && rng.unit() < 0.6), degenerate) {
                (true, _) => 0.0,
                (false, true) => 1.0,
                (false, false) => 2.0 * rng.unit(),
            };
            let (sense, b) = match rng.below(3) {
                0 => (Sense::Le, ax + gap),
                1 => (Sense::Ge, ax - gap),
                _ => (Sense::Eq, ax),
            };
            lp.add_row(RowKey::Aux(i as u32), &mut terms, sense, b);
        }
        lp
    }

    #[test]
    fn random_lps_match_the_lp_method() {
        let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
        let (mut compared, mut checked) = (0, 0);
        for case in 0..50 {
            let lp = random_lp(&mut rng, false);
            let (x, _) = solve(&lp).expect("feasible and bounded by construction");
            let act = lp.activities(&x);
            let cols: Vec<usize> = (0..lp.n_vars()).collect();
            let s = ranging_from_basis(&lp, &x, &act, &cols).unwrap_or_else(|e| panic!("case {case}: {e}"));
            validate(&lp, &x, &s, usize::MAX);
            let c = within_lp_ranges(&lp, &x, &act, &s, usize::MAX);
            assert_eq!(c.skipped, 0, "case {case}");
            checked += c.checked;
            if basic_values(&lp, &x, &act).0.iter().any(|&v| v <= 1e-7) {
                continue; // degenerate: other optimal bases have other ranges
            }
            compared += 1;
            for r in &s.rows {
                let want = rhs_range(&lp, &s.duals, r.row, &TimedMiniLp).unwrap();
                assert!(
                    close(r.rhs.lower, want.lower, 1e-7) && close(r.rhs.upper, want.upper, 1e-7),
                    "case {case} row {}: basis {:?}, LP {want:?}",
                    r.row,
                    r.rhs
                );
            }
            for c in &s.cols {
                let want = cost_range(&lp, &x, &act, c.col, &TimedMiniLp).unwrap();
                assert!(
                    close(c.cost.lower, want.lower, 1e-7) && close(c.cost.upper, want.upper, 1e-7),
                    "case {case} col {}: basis {:?}, LP {want:?}",
                    c.col,
                    c.cost
                );
            }
        }
        eprintln!(
            "basis ranging: {compared} of 50 random LPs non-degenerate and compared; \
             {checked} ranges inside the LP method's"
        );
        assert!(compared >= 15, "only {compared} non-degenerate cases");
        assert!(
            checked >= CHECKED_RANDOM,
            "only {checked} comparisons with the LP method"
        );
    }

    /// Degenerate vertices: the basis found must still be optimal, and its ranges exact
    /// (finite differences) and inside the LP method's ranges for the plan.
    #[test]
    fn degenerate_random_lps() {
        let mut rng = Rng::new(0xD1B5_4A32_D192_ED03);
        let (mut degenerate, mut checked, mut skipped, mut pivots) = (0, 0, 0, 0);
        for case in 0..50 {
            let lp = random_lp(&mut rng, true);
            let (x, _) = solve(&lp).expect("feasible and bounded by construction");
            let act = lp.activities(&x);
            let cols: Vec<usize> = (0..lp.n_vars()).collect();
            let s = ranging_from_basis(&lp, &x, &act, &cols).unwrap_or_else(|e| panic!("case {case}: {e}"));
            validate(&lp, &x, &s, usize::MAX);
            let c = within_lp_ranges(&lp, &x, &act, &s, usize::MAX);
            checked += c.checked;
            skipped += c.skipped;
            let (bland, _) = ranging_with(&lp, &x, &act, &cols, Some(0)).unwrap();
            validate(&lp, &x, &bland, usize::MAX);
            let (xb, p) = basic_values(&lp, &x, &act);
            pivots += p;
            if xb.iter().any(|&v| v <= 1e-7) {
                degenerate += 1;
            }
        }
        eprintln!(
            "basis ranging: {degenerate} of 50 integer LPs degenerate, {pivots} optimality pivots; \
             {checked} LP-method comparisons made, {skipped} timed out"
        );
        assert!(
            checked >= CHECKED_DEGENERATE,
            "only {checked} comparisons with the LP method"
        );
        assert!(pivots > 0, "the optimality pivots are exercised");
        assert!(degenerate >= 15, "only {degenerate} degenerate cases");
    }

    /// `maximises_on_face` never claims a maximum the auxiliary LP over the optimal face
    /// beats (it may refuse one it cannot prove): random degenerate LPs, random `g` of both
    /// signs.
    #[test]
    fn the_face_maximum_test_agrees_with_the_auxiliary_lp() {
        let mut rng = Rng::new(0x5EED_FACE_0000_0001);
        let (mut proved, mut refused, mut varies) = (0, 0, 0);
        for case in 0..200 {
            let lp = random_lp(&mut rng, case % 2 == 0);
            let (x, _) = solve(&lp).expect("feasible and bounded by construction");
            let act = lp.activities(&x);
            let cols: Vec<usize> = (0..lp.n_vars()).collect();
            let (s, ob) = ranging_with_basis(&lp, &x, &act, &cols, &Directions::independent()).unwrap();
            for _ in 0..4 {
                let mut g: Vec<(usize, f64)> = Vec::new();
                for j in 0..lp.n_vars() {
                    if rng.chance(0.4) {
                        // Weights of both signs, as a target's C_t has (-1: unmet, releases).
                        let w = (1 + rng.below(3)) as f64;
                        g.push((j, if rng.chance(0.3) { -w } else { w }));
                    }
                }
                let here: f64 = g.iter().map(|&(j, v)| v * x[j]).sum();
                let most = crate::sensitivity::ranging::max_over_face(&lp, &s.duals, &g, &MiniLp)
                    .unwrap()
                    .expect("bounded: the random LPs are");
                assert!(
                    most >= here - 1e-7 * here.abs().max(1.0),
                    "case {case}: {most} < {here}"
                );
                if most > here + 1e-6 * here.abs().max(1.0) {
                    varies += 1;
                }
                match ob.maximises_on_face(&g) {
                    true => {
                        proved += 1;
                        assert!(
                            (most - here).abs() <= 1e-6 * most.abs().max(1.0),
                            "case {case}: proved {here} the largest, the LP finds {most}"
                        );
                    }
                    false => refused += 1,
                }
            }
        }
        eprintln!("face maximum: {proved} proved, {refused} left to the LP, {varies} plans not the largest");
        assert!(
            proved >= 200 && varies >= 5,
            "{proved} proved, {varies} not the largest"
        );
    }

    /// A plan that is not an optimal vertex is refused (the caller falls back).
    #[test]
    fn refuses_non_vertex_and_suboptimal_plans() {
        let mut lp = Lp::default();
        let a = lp.add_var(VarKey::Aux(0), 2.0);
        let b = lp.add_var(VarKey::Aux(1), 2.0);
        let c = lp.add_var(VarKey::Aux(2), 3.0);
        lp.add_row(RowKey::Aux(0), &mut vec![(a, 1.0), (b, 1.0), (c, 1.0)], Sense::Ge, 4.0);
        lp.add_row(RowKey::Aux(1), &mut vec![(a, 1.0), (b, 1.0)], Sense::Le, 3.0);
        // Optimal but inside an edge of the optimal face (a and b share the cheap capacity).
        let x = vec![1.5, 1.5, 1.0];
        let err = ranging_from_basis(&lp, &x, &lp.activities(&x), &[0]).unwrap_err();
        assert!(err.contains("not a vertex"), "{err}");
        // A vertex that is not optimal: c carries everything.
        let x = vec![0.0, 0.0, 4.0];
        let err = ranging_from_basis(&lp, &x, &lp.activities(&x), &[0]).unwrap_err();
        assert!(err.contains("differs from the plan"), "{err}");
        // The optimal vertex a = 3, c = 1 has b as an alternative carrying 3.
        let x = vec![3.0, 0.0, 1.0];
        let s = ranging_from_basis(&lp, &x, &lp.activities(&x), &[0, 1, 2]).unwrap();
        assert_eq!(s.alternative, Some((1, 3.0)));
        validate(&lp, &x, &s, usize::MAX);
    }

    #[test]
    fn shipped_instance() {
        let solved = load("instances/usmca_critical_minerals.toml");
        let lp = &solved.model.lp;
        let used = used_tols(lp, &solved.x);
        let cols: Vec<usize> = (0..lp.n_vars())
            .filter(|&j| {
                solved.x[j] > used[j] || matches!(lp.vars()[j], VarKey::Prod(_) | VarKey::Proc(_) | VarKey::Buy(_))
            })
            .collect();
        let t = std::time::Instant::now();
        let s = ranging_from_basis(lp, &solved.x, &solved.activities, &cols).unwrap();
        eprintln!(
            "basis ranging of the shipped instance ({} columns, {} rows): {:.3} s for {} rows and {} columns",
            lp.n_vars(),
            lp.n_rows(),
            t.elapsed().as_secs_f64(),
            s.rows.len(),
            s.cols.len()
        );
        validate(lp, &solved.x, &s, 3);
        let c = within_lp_ranges(lp, &solved.x, &solved.activities, &s, 5);
        eprintln!(
            "{} of {} LP-method comparisons made, {} timed out; alternative {:?}",
            c.checked,
            c.checked + c.skipped,
            c.skipped,
            s.alternative
        );
        assert!(
            c.checked >= CHECKED_SHIPPED,
            "only {} comparisons with the LP method",
            c.checked
        );
        let (_, pivots) = ranging_with(lp, &solved.x, &solved.activities, &cols, None).unwrap();
        let t = std::time::Instant::now();
        let (bland, bland_pivots) = ranging_with(lp, &solved.x, &solved.activities, &cols, Some(0)).unwrap();
        eprintln!(
            "{pivots} optimality pivots (Dantzig); Bland's rule throughout: {bland_pivots} pivots, {:.3} s",
            t.elapsed().as_secs_f64()
        );
        validate(lp, &solved.x, &bland, 3);
    }
}
