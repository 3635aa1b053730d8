//! An interior point whose linear algebra follows the matrix, not the fill: the normal
//! equations of each step are solved by conjugate gradients, preconditioned by a basis.
//!
//! Why: on a dense regional network (lanes between most regions, most open to every
//! material) the KKT factor of a direct interior point fills in (the network is an
//! expander), so Clarabel's factorisation costs tens of seconds per round even with the lane
//! capacities left out ([`super::lazy`]), and at 1M variables its factor needs tens of
//! gigabytes. Conjugate gradients need only products with the matrix and solves with a
//! sparse basis, whose LU of a network basis barely fills: memory follows the matrix.
//!
//! The method. Standard form `min c'v, A v = b, v >= 0` (a slack per inequality row),
//! Mehrotra's predictor-corrector from `v = z = 1`, `y = 0` after scaling `b` and `c` to unit
//! size. Each direction solves `A D A' dy = r` with `D = V Z^-1` by preconditioned conjugate
//! gradients; the preconditioner is `B D_B B'`, `B` a basis of the columns with the largest
//! `d_j`, picked greedily through [`crate::lp::lu::Factor`] (a column enters when it
//! is independent of those already in; rows none covers get a unit column). Near the optimum
//! the columns at their bound have `d_j -> 0` and the preconditioned system tends to the
//! identity, so late iterations take few steps (Oliveira and Sorensen's preconditioner, as
//! HiGHS's IPX uses it).
//!
//! An inexact direction puts its residual into the primal equations; three guards keep that
//! from accumulating: the conjugate gradients stop at the smaller of a relative tolerance and
//! `||b - A v|| + mu` (the progress the step must make); once `mu` is small the residual is
//! removed on the basic columns (`dv_B += B^-1 e`: the primal equations then hold exactly and
//! the dual ones are off by `e_B / d_B`, tiny when the basic `d` are large, and the correction
//! is skipped when that would cost a tenth of the iterate's error); and the best
//! iterate is kept, the run ending when five iterations bring no improvement. The plan is then
//! polished (`v += D A' w` with `A D A' w = b - A v`). The caller checks the answer as it
//! checks Clarabel's and falls back on the direct solve when it misses.

use super::api::Deadline;
use crate::lp::lu::Factor;
use crate::lp::{Lp, Sense};

/// Conjugate gradients stop at this share of the right-hand side at most...
const CG_REL_MAX: f64 = 1e-2;
/// ...and at this share of the iterate's largest relative error when that is smaller...
const CG_REL_ERR: f64 = 1e-2;
/// ...but never ask for less than this (rounding).
const CG_REL_MIN: f64 = 1e-13;
const CG_MAX_STEPS: usize = 2000;
/// Below this complementarity (scaled units) directions are corrected on the basis.
const CORRECT_BELOW_MU: f64 = 1e-6;
/// Relative primal and dual infeasibility and gap at which the iterate is optimal.
const DONE: f64 = 1e-10;
/// The best iterate is returned when its measure is below this (the caller then checks it).
const USABLE: f64 = 1e-7;
const MAX_ITERS: usize = 200;
/// A corrected step shorter than this is replaced by a centring one.
const SHORT_STEP: f64 = 0.1;
/// Iterations without a better iterate after which the run ends.
const PATIENCE: usize = 5;

/// How a run went, for the report.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub iterations: usize,
    pub cg_steps: usize,
}

impl Stats {
    /// For the report (`solver.method`).
    pub fn describe(&self) -> String {
        format!(
            "interior point with conjugate gradients (basis preconditioner): {} iterations, {} conjugate-gradient steps",
            self.iterations, self.cg_steps
        )
    }
}

/// Why no answer came back.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    TimeLimit,
    /// Free columns (the method needs `v >= 0` on every column).
    FreeColumns,
    /// The best iterate's largest relative error.
    NotConverged(f64),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::TimeLimit => write!(f, "time limit"),
            Failure::FreeColumns => write!(f, "the LP has free columns"),
            Failure::NotConverged(e) => write!(f, "did not converge (relative error {e:.1e})"),
        }
    }
}

/// An answer: plan, duals in our convention (`d cost / d rhs`), statistics.
pub struct Answer {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub stats: Stats,
}

/// The standard form, by compressed columns: structural columns, then one slack per
/// inequality row.
struct Std {
    m: usize,
    start: Vec<usize>,
    idx: Vec<u32>,
    val: Vec<f64>,
    c: Vec<f64>,
    b: Vec<f64>,
}

impl Std {
    /// `lp` with `b` scaled by `beta` and `c` by `gamma`.
    fn new(lp: &Lp, beta: f64, gamma: f64) -> Std {
        let m = lp.n_rows();
        let mut c: Vec<f64> = lp.obj().iter().map(|v| v * gamma).collect();
        let (mut start, mut idx, mut val) = (vec![0usize], Vec::with_capacity(lp.nnz() + m), Vec::new());
        for col in lp.columns() {
            for (i, a) in col {
                idx.push(i);
                val.push(a);
            }
            start.push(idx.len());
        }
        for i in 0..m {
            let sign = match lp.senses()[i] {
                Sense::Le => 1.0,
                Sense::Ge => -1.0,
                Sense::Eq => continue,
            };
            idx.push(i as u32);
            val.push(sign);
            start.push(idx.len());
            c.push(0.0);
        }
        Std {
            m,
            start,
            idx,
            val,
            c,
            b: lp.rhs().iter().map(|v| v * beta).collect(),
        }
    }

    fn n(&self) -> usize {
        self.start.len() - 1
    }

    fn col(&self, j: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let r = self.start[j]..self.start[j + 1];
        self.idx[r.clone()]
            .iter()
            .zip(&self.val[r])
            .map(|(&i, &a)| (i as usize, a))
    }

    /// `out = A v`.
    fn mul(&self, v: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        for (j, &vj) in v.iter().enumerate() {
            if vj != 0.0 {
                for k in self.start[j]..self.start[j + 1] {
                    out[self.idx[k] as usize] += self.val[k] * vj;
                }
            }
        }
    }

    /// `out = A' y`.
    fn tmul(&self, y: &[f64], out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate() {
            *o = (self.start[j]..self.start[j + 1])
                .map(|k| self.val[k] * y[self.idx[k] as usize])
                .sum();
        }
    }

    /// `out = A D A' p`, in one pass over the columns.
    fn normal(&self, d: &[f64], p: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        for (j, &dj) in d.iter().enumerate() {
            let r = self.start[j]..self.start[j + 1];
            let (idx, val) = (&self.idx[r.clone()], &self.val[r]);
            let t = dj * idx.iter().zip(val).map(|(&i, &a)| a * p[i as usize]).sum::<f64>();
            if t != 0.0 {
                for (&i, &a) in idx.iter().zip(val) {
                    out[i as usize] += a * t;
                }
            }
        }
    }

    /// `b - A v`.
    fn primal_residual(&self, v: &[f64], out: &mut [f64]) {
        self.mul(v, out);
        out.iter_mut().zip(&self.b).for_each(|(o, b)| *o = b - *o);
    }
}

/// The preconditioner `B D_B B'`.
struct Precond {
    factor: Factor,
    /// `d` of each basis position.
    w: Vec<f64>,
    /// Standard-form column of each basis position (`None`: a unit column of its own).
    basic: Vec<Option<usize>>,
    tmp: Vec<f64>,
    pos: Vec<f64>,
}

impl Precond {
    /// The basis of the largest `d_j`, greedily.
    fn new(s: &Std, d: &[f64]) -> Precond {
        let m = s.m;
        let mut order: Vec<usize> = (0..s.n()).collect();
        order.sort_by(|&a, &b| d[b].total_cmp(&d[a]));
        let mut row_weight = vec![0usize; m];
        s.idx.iter().for_each(|&i| row_weight[i as usize] += 1);
        let mut factor = Factor::new(m, row_weight);
        let (mut w, mut basic) = (Vec::with_capacity(m), Vec::with_capacity(m));
        let mut col = Vec::new();
        for &j in &order {
            if factor.rank() == m {
                break;
            }
            col.clear();
            col.extend(s.col(j));
            if factor.try_push(&col) {
                w.push(d[j]);
                basic.push(Some(j));
            }
        }
        if factor.rank() < m {
            let smallest = w.iter().copied().fold(1.0f64, f64::min);
            for i in 0..m {
                if factor.pos_of_row[i] == usize::MAX && factor.try_push(&[(i, 1.0)]) {
                    w.push(smallest);
                    basic.push(None);
                }
            }
        }
        Precond {
            factor,
            w,
            basic,
            tmp: vec![0.0; m],
            pos: vec![0.0; m],
        }
    }

    /// `out = (B D_B B')^-1 r`.
    fn apply(&mut self, r: &[f64], out: &mut [f64]) {
        self.tmp.copy_from_slice(r);
        self.factor.ftran(&mut self.tmp, &mut self.pos);
        self.pos.iter_mut().zip(&self.w).for_each(|(p, w)| *p /= w);
        self.factor.btran(&mut self.pos, out);
    }

    /// Change the basic entries of `dv` so that `A dv` gains `e` (overwritten), unless that
    /// would move a dual constraint by more than `dual_slack` (`|change_k| / d_k`, the
    /// change of the basic column's `dz`).
    fn correct(&mut self, e: &mut [f64], dv: &mut [f64], dual_slack: f64) {
        self.factor.ftran(e, &mut self.pos);
        let moved = self
            .basic
            .iter()
            .zip(&self.pos)
            .zip(&self.w)
            .filter(|((j, _), _)| j.is_some())
            .fold(0.0f64, |a, ((_, p), w)| a.max(p.abs() / w));
        if moved > dual_slack {
            return;
        }
        for (k, j) in self.basic.iter().enumerate() {
            if let Some(j) = j {
                dv[*j] += self.pos[k];
            }
        }
    }
}

/// Solve `A D A' x = rhs` by preconditioned conjugate gradients from 0, until the residual is
/// at most `stop` (never below [`CG_REL_MIN`] of `rhs`); returns the steps taken.
fn pcg(s: &Std, d: &[f64], pre: &mut Precond, rhs: &[f64], x: &mut [f64], stop: f64) -> usize {
    let m = s.m;
    x.iter_mut().for_each(|v| *v = 0.0);
    let norm = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
    let mut r = rhs.to_vec();
    let norm0 = norm(&r);
    if norm0 == 0.0 {
        return 0;
    }
    let stop = stop.max(CG_REL_MIN * norm0);
    let mut z = vec![0.0; m];
    pre.apply(&r, &mut z);
    let mut p = z.clone();
    let mut rz = dot(&r, &z);
    let mut q = vec![0.0; m];
    for step in 1..=CG_MAX_STEPS {
        s.normal(d, &p, &mut q);
        let pq = dot(&p, &q);
        if pq.is_nan() || pq <= 0.0 {
            // Rounding has made the system look indefinite: keep what was reached.
            return step;
        }
        let alpha = rz / pq;
        for i in 0..m {
            x[i] += alpha * p[i];
            r[i] -= alpha * q[i];
        }
        if norm(&r) <= stop {
            return step;
        }
        pre.apply(&r, &mut z);
        let rz_new = dot(&r, &z);
        let beta = rz_new / rz;
        rz = rz_new;
        for i in 0..m {
            p[i] = z[i] + beta * p[i];
        }
    }
    CG_MAX_STEPS
}

/// The largest step in `[0, 1]` along `dv` that keeps `v >= 0`.
fn step_to_boundary(v: &[f64], dv: &[f64]) -> f64 {
    v.iter()
        .zip(dv)
        .filter(|(_, d)| **d < 0.0)
        .fold(1.0f64, |a, (x, d)| a.min(-x / d))
}

fn largest(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |mx, x| mx.max(x.abs()))
}

/// An iterate and the largest of its relative primal and dual infeasibilities and gap.
struct Iterate {
    measure: f64,
    at: usize,
    v: Vec<f64>,
    y: Vec<f64>,
    z: Vec<f64>,
}

/// Solve `lp` (every column `>= 0`) by the interior point of the module documentation.
pub fn solve(lp: &Lp, deadline: Deadline) -> Result<Answer, Failure> {
    if (0..lp.n_vars()).any(|j| lp.is_free(j)) {
        return Err(Failure::FreeColumns);
    }
    let (n0, m) = (lp.n_vars(), lp.n_rows());
    let unit = |v: &[f64]| if largest(v) > 0.0 { 1.0 / largest(v) } else { 1.0 };
    let (beta, gamma) = (unit(lp.rhs()), unit(lp.obj()));
    let s = Std::new(lp, beta, gamma);
    let n = s.n();
    let (mut v, mut z, mut y) = (vec![1.0; n], vec![1.0; n], vec![0.0; m]);
    let mut stats = Stats::default();
    let (mut rp, mut rd, mut d) = (vec![0.0; m], vec![0.0; n], vec![0.0; n]);
    let (mut dy, mut dv, mut dz) = (vec![0.0; m], vec![0.0; n], vec![0.0; n]);
    let (mut t, mut rhs, mut rc) = (vec![0.0; n], vec![0.0; m], vec![0.0; n]);
    let (bnorm, cnorm) = (1.0 + largest(&s.b), 1.0 + largest(&s.c));
    let mut best = Iterate {
        measure: f64::INFINITY,
        at: 0,
        v: Vec::new(),
        y: Vec::new(),
        z: Vec::new(),
    };
    for iter in 0..MAX_ITERS {
        if deadline.passed() {
            return Err(Failure::TimeLimit);
        }
        s.primal_residual(&v, &mut rp);
        s.tmul(&y, &mut rd);
        for j in 0..n {
            rd[j] = s.c[j] - rd[j] - z[j];
        }
        let mu = v.iter().zip(&z).map(|(a, b)| a * b).sum::<f64>() / n as f64;
        let pobj: f64 = s.c.iter().zip(&v).map(|(a, b)| a * b).sum();
        let dobj: f64 = s.b.iter().zip(&y).map(|(a, b)| a * b).sum();
        let measure = (largest(&rp) / bnorm)
            .max(largest(&rd) / cnorm)
            .max((pobj - dobj).abs() / (1.0 + pobj.abs()));
        stats.iterations = iter;
        if !(measure.is_finite() && mu.is_finite()) {
            break;
        }
        if measure < best.measure {
            best = Iterate {
                measure,
                at: iter,
                v: v.clone(),
                y: y.clone(),
                z: z.clone(),
            };
        }
        if measure < DONE || iter > best.at + PATIENCE {
            break;
        }
        for j in 0..n {
            d[j] = v[j] / z[j];
        }
        let mut pre = Precond::new(&s, &d);
        let stop_rel = (CG_REL_ERR * measure).clamp(CG_REL_MIN, CG_REL_MAX);
        let stop_abs = rp.iter().map(|a| a * a).sum::<f64>().sqrt() + mu;
        let correct = mu < CORRECT_BELOW_MU;
        // One direction for the complementarity target `rc`: (dy, dv, dz).
        let mut direction = |rc: &[f64], dy: &mut [f64], dv: &mut [f64], dz: &mut [f64]| {
            for j in 0..n {
                t[j] = d[j] * (rd[j] - rc[j] / v[j]);
            }
            s.mul(&t, &mut rhs);
            rhs.iter_mut().zip(&rp).for_each(|(r, p)| *r += p);
            let norm_rhs = rhs.iter().map(|a| a * a).sum::<f64>().sqrt();
            stats.cg_steps += pcg(&s, &d, &mut pre, &rhs, dy, (stop_rel * norm_rhs).min(stop_abs));
            s.tmul(dy, dv);
            for j in 0..n {
                dv[j] = d[j] * dv[j] - t[j];
            }
            if correct {
                s.mul(dv, &mut rhs);
                rhs.iter_mut().zip(&rp).for_each(|(r, p)| *r = p - *r);
                pre.correct(&mut rhs, dv, 0.1 * measure * cnorm);
            }
            for j in 0..n {
                dz[j] = (rc[j] - z[j] * dv[j]) / v[j];
            }
        };
        // Predictor, then Mehrotra's corrector.
        for j in 0..n {
            rc[j] = -v[j] * z[j];
        }
        direction(&rc, &mut dy, &mut dv, &mut dz);
        let (ap, ad) = (step_to_boundary(&v, &dv), step_to_boundary(&z, &dz));
        let mu_aff = (0..n).map(|j| (v[j] + ap * dv[j]) * (z[j] + ad * dz[j])).sum::<f64>() / n as f64;
        let sigma = (mu_aff / mu).powi(3).min(1.0);
        for j in 0..n {
            rc[j] = sigma * mu - v[j] * z[j] - dv[j] * dz[j];
        }
        direction(&rc, &mut dy, &mut dv, &mut dz);
        if step_to_boundary(&v, &dv).min(step_to_boundary(&z, &dz)) < SHORT_STEP {
            // The second-order term blocks the step: a centring direction instead.
            let sigma = sigma.max(0.5);
            for j in 0..n {
                rc[j] = sigma * mu - v[j] * z[j];
            }
            direction(&rc, &mut dy, &mut dv, &mut dz);
        }
        let ap = 0.9995 * step_to_boundary(&v, &dv);
        let ad = 0.9995 * step_to_boundary(&z, &dz);
        v.iter_mut().zip(&dv).for_each(|(a, b)| *a += ap * b);
        z.iter_mut().zip(&dz).for_each(|(a, b)| *a += ad * b);
        y.iter_mut().zip(&dy).for_each(|(a, b)| *a += ad * b);
    }
    if best.measure > USABLE {
        return Err(Failure::NotConverged(best.measure));
    }
    let Iterate { mut v, y, z, .. } = best;
    polish(&s, &mut v, &z, &mut stats);
    Ok(Answer {
        x: v[..n0].iter().map(|x| x / beta).collect(),
        // Scaling `b` by beta and `c` by gamma scales d(cost)/d(b) by gamma.
        y: y.iter().map(|v| v / gamma).collect(),
        stats,
    })
}

/// Remove what is left of `b - A v` by `v += D A' w`, `A D A' w = b - A v` (at most three
/// times, each kept only when it shrinks the residual).
fn polish(s: &Std, v: &mut [f64], z: &[f64], stats: &mut Stats) {
    let (m, n) = (s.m, s.n());
    let mut rp = vec![0.0; m];
    let (mut w, mut aw) = (vec![0.0; m], vec![0.0; n]);
    s.primal_residual(v, &mut rp);
    let mut before = largest(&rp);
    for _ in 0..3 {
        if before < 1e-15 {
            return;
        }
        let d: Vec<f64> = v.iter().zip(z).map(|(a, b)| a / b).collect();
        let mut pre = Precond::new(s, &d);
        stats.cg_steps += pcg(s, &d, &mut pre, &rp, &mut w, 0.0);
        s.tmul(&w, &mut aw);
        let tried: Vec<f64> = (0..n).map(|j| (v[j] + d[j] * aw[j]).max(0.0)).collect();
        s.primal_residual(&tried, &mut rp);
        let after = largest(&rp);
        if after.is_nan() || after >= before {
            return;
        }
        v.copy_from_slice(&tried);
        before = after;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lp::certify::certify;
    use crate::lp::check::violation;
    use crate::lp::VarKey;
    use crate::model::generate::{generated_lp_shaped, Rng, Shape};
    use crate::sensitivity::basis::tests::random_lp;
    use crate::solve::backend::{Backend, Clarabel, MiniLp, Outcome, SolveOptions};

    /// The answer is optimal by our own measures: rows hold, no duality gap, duals feasible.
    fn assert_certified(lp: &Lp, a: &Answer, what: &str) {
        let x: Vec<f64> = a.x.iter().map(|v| v.max(0.0)).collect();
        let (_, rel) = violation(lp, &lp.activities(&x), &x);
        let cert = certify(lp, &x, a.y.clone(), "ipm");
        assert!(rel <= 1e-7, "{what}: row violation {rel:e}");
        assert!(cert.relative_gap <= 1e-7, "{what}: gap {:e}", cert.relative_gap);
        assert!(
            cert.max_dual_infeasibility <= 1e-7,
            "{what}: dual infeasibility {:e}",
            cert.max_dual_infeasibility
        );
    }

    #[test]
    fn random_lps_reach_the_simplex_optimum() {
        let mut rng = Rng::new(11);
        let mut solved = 0;
        for k in 0..300 {
            let lp = random_lp(&mut rng, k % 2 == 0);
            let simplex = MiniLp.solve(&lp, &SolveOptions::default());
            if simplex.outcome != Outcome::Optimal {
                continue;
            }
            let a = solve(&lp, Deadline::none()).unwrap_or_else(|e| panic!("lp {k}: {e}"));
            let (ours, theirs) = (lp.objective_value(&a.x), lp.objective_value(&simplex.x));
            assert!(
                (ours - theirs).abs() <= 1e-7 * theirs.abs().max(1.0),
                "lp {k}: {ours} vs {theirs}"
            );
            assert_certified(&lp, &a, &format!("lp {k}"));
            solved += 1;
        }
        assert!(solved >= 200, "only {solved} random LPs had an optimum");
    }

    /// A transportation problem solved by hand: two mines (capacity 30 and 50, no cost),
    /// demands of 40 and 30, shipping costs m1->d1 1, m1->d2 4, m2->d1 3, m2->d2 2. Optimum:
    /// m1 sends 30 to d1, m2 sends 10 to d1 and 30 to d2, cost 30 + 30 + 60 = 120, mine 2
    /// has 10 spare (price 0). One more tonne of mine 1 saves 3 - 1 = 2 (it replaces
    /// m2->d1); demand 1 is priced 3 (m2->d1), demand 2 is priced 2.
    #[test]
    fn transportation_by_hand() {
        let mut lp = Lp::default();
        let costs = [1.0, 4.0, 3.0, 2.0];
        for (j, c) in costs.iter().enumerate() {
            lp.add_var(VarKey::Aux(j as u32), *c);
        }
        type Row<'a> = (&'a [(u32, f64)], Sense, f64);
        let rows: [Row; 4] = [
            (&[(0, 1.0), (1, 1.0)], Sense::Le, 30.0),
            (&[(2, 1.0), (3, 1.0)], Sense::Le, 50.0),
            (&[(0, 1.0), (2, 1.0)], Sense::Ge, 40.0),
            (&[(1, 1.0), (3, 1.0)], Sense::Ge, 30.0),
        ];
        for (k, (terms, sense, rhs)) in rows.iter().enumerate() {
            lp.add_row(crate::lp::RowKey::Aux(k as u32), &mut terms.to_vec(), *sense, *rhs);
        }
        let a = solve(&lp, Deadline::none()).unwrap();
        assert!((lp.objective_value(&a.x) - 120.0).abs() < 1e-6, "{:?}", a.x);
        for (got, want) in a.x.iter().zip([30.0, 0.0, 10.0, 30.0]) {
            assert!((got - want).abs() < 1e-6, "{:?}", a.x);
        }
        for (got, want) in a.y.iter().zip([-2.0, 0.0, 3.0, 2.0]) {
            assert!((got - want).abs() < 1e-6, "{:?}", a.y);
        }
        assert_certified(&lp, &a, "transportation");
    }

    /// The generated dense network (its presolved LP, as the backend gets it) and the
    /// chains: the same optimum as Clarabel's direct solve, certified.
    #[test]
    fn generated_networks_match_the_direct_interior_point() {
        for (shape, scale) in [(Shape::Dense, 2), (Shape::Chains, 3), (Shape::Corridors, 3)] {
            let full = generated_lp_shaped(4, scale, shape);
            let lp = crate::solve::presolve::presolve(&full).unwrap().reduced;
            let a = solve(&lp, Deadline::none()).unwrap_or_else(|e| panic!("{shape:?}: {e}"));
            let direct = Clarabel::without_presolve().solve(&lp, &SolveOptions::default());
            assert_eq!(direct.outcome, Outcome::Optimal);
            let (ours, theirs) = (lp.objective_value(&a.x), lp.objective_value(&direct.x));
            assert!(
                (ours - theirs).abs() <= 1e-8 * theirs.abs(),
                "{shape:?}: {ours} vs {theirs}"
            );
            assert_certified(&lp, &a, &format!("{shape:?}"));
            assert!(a.stats.iterations > 5 && a.stats.cg_steps > a.stats.iterations);
        }
    }

    #[test]
    fn infeasible_lps_and_deadlines_give_no_answer() {
        // x0 + x1 = -1 with x >= 0.
        let mut lp = Lp::default();
        lp.add_var(VarKey::Aux(0), 1.0);
        lp.add_var(VarKey::Aux(1), 1.0);
        lp.add_row(
            crate::lp::RowKey::Aux(0),
            &mut vec![(0, 1.0), (1, 1.0)],
            Sense::Eq,
            -1.0,
        );
        assert!(matches!(solve(&lp, Deadline::none()), Err(Failure::NotConverged(_))));
        let lp = generated_lp_shaped(1, 1, Shape::Dense);
        let past = Deadline::after(Some(std::time::Duration::ZERO));
        assert!(matches!(solve(&lp, past), Err(Failure::TimeLimit)));
        let mut free = Lp::default();
        free.add_free_var(VarKey::Aux(0), 1.0);
        assert!(matches!(solve(&free, Deadline::none()), Err(Failure::FreeColumns)));
    }
}
