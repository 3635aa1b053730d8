//! Aggregation: a column whose bound an equality row implies is replaced, in every other
//! row and in the objective, by what that row makes it equal to; the row and the column go.
//!
//! Equality row `i`, `a_k x_k + sum_j a_j x_j = b`. When every `a_j` has the sign opposite
//! to `a_k` and `b / a_k >= 0`, the value `x_k = (b - sum_j a_j x_j) / a_k` is non-negative
//! for any non-negative `x_j`: the bound `x_k >= 0` is implied, so `x_k` can be substituted
//! out and row `i` dropped without changing the feasible set of the other columns. In a
//! sourcing network this is a region-material with one way in (a lane, a mine, a plant's
//! output) and the rest ways out, or one way out and the rest ways in: the flow through it
//! becomes the flows beyond it, carrying the cost of the way in. On the 100k-variable
//! generated continental instance it takes the LP the forcing and leaf rules leave from
//! 29,840 rows x 55,780 columns to 17,160 x 29,928 (the balances from about 16,700 to 7,000),
//! and the Clarabel solve from 1.55 s to 0.9 s; the `aggregation_shrinks_generated_instances`
//! test prints the counts on smaller ones.
//!
//! Each substitution changes the other rows of `x_k` (`a_rj += a_rk t_j` with
//! `t_j = -a_j / a_k`, `b_r -= a_rk b / a_k`) and the costs (`c_j += c_k t_j`). Coefficients
//! that cancel to 0 leave their row; a row left empty goes (its dual is 0), and so does a
//! column left in no row with a non-negative cost (it is 0); both tests allow for rounding
//! (`CANCEL`, relative to what was moved into the row, or to the largest cost). A row that
//! is empty with a right-hand side it cannot meet, as given or after a substitution, stops
//! the aggregation: the LP goes on unaggregated and the backend finds it infeasible.
//!
//! **Postsolve**, in reverse order of the substitutions, exact in exact arithmetic: the
//! primal `x_k = (b - sum_j a_j x_j) / a_k` (row `i` as it was when substituted), and the
//! dual `y_i = (c_k - sum_(r != i) a_rk y_r) / a_k` (column `k` as it was then): the reduced
//! cost of `x_k` is 0, every other column's reduced cost is the one it has in the smaller LP,
//! and every other row keeps its slack, so primal and dual feasibility and complementary
//! slackness carry over.
//!
//! Limits keep the substitution cheap and well conditioned: a multiplier `|t_j|` above
//! `MAX_MULTIPLIER` is refused, as are rows of `x_k` longer than `MAX_ROW` (the import
//! targets) and substitutions that would add more than `MAX_FILL` nonzeros.

use crate::lp::{Lp, Sense};

const MAX_MULTIPLIER: f64 = 1e3;
const MAX_ROW: usize = 64;
const MAX_FILL: isize = 2;
/// A sum relative to its terms below this is a cancellation to exactly 0.
const CANCEL: f64 = 1e-12;

/// One substitution, with what the postsolve needs of the LP as it was then.
#[derive(Debug)]
struct Substitution {
    row: u32,
    col: u32,
    /// `a_k`: the coefficient of the column in the row.
    pivot: f64,
    rhs: f64,
    /// The row's other terms `(j, a_j)`.
    others: Vec<(u32, f64)>,
    /// The column's cost and its terms in the other rows `(r, a_rk)`.
    cost: f64,
    col_terms: Vec<(u32, f64)>,
}

/// An aggregated LP and the substitutions that restore the original's solution.
#[derive(Debug)]
pub struct Aggregated {
    pub reduced: Lp,
    col_of: Vec<usize>,
    row_of: Vec<usize>,
    steps: Vec<Substitution>,
    n_vars: usize,
    n_rows: usize,
}

/// The LP in a form that substitutions can edit: rows as term lists, and for each column
/// the rows it is in.
struct Work {
    rows: Vec<Vec<(u32, f64)>>,
    col_rows: Vec<Vec<u32>>,
    rhs: Vec<f64>,
    /// The largest right-hand side each row has had, and each term moved into it: what a
    /// right-hand side left in an empty row is 0 relative to.
    rhs_scale: Vec<f64>,
    obj: Vec<f64>,
    row_alive: Vec<bool>,
    col_alive: Vec<bool>,
}

impl Work {
    fn new(lp: &Lp) -> Self {
        let mut col_rows = vec![Vec::new(); lp.n_vars()];
        let rows: Vec<Vec<(u32, f64)>> = (0..lp.n_rows())
            .map(|i| {
                lp.row(i)
                    .map(|(c, v)| {
                        col_rows[c].push(i as u32);
                        (c as u32, v)
                    })
                    .collect()
            })
            .collect();
        Work {
            rows,
            col_rows,
            rhs: lp.rhs().to_vec(),
            rhs_scale: lp.rhs().iter().map(|b| b.abs()).collect(),
            obj: lp.obj().to_vec(),
            row_alive: vec![true; lp.n_rows()],
            col_alive: vec![true; lp.n_vars()],
        }
    }

    fn coef(&self, r: usize, c: u32) -> f64 {
        self.rows[r].iter().find(|t| t.0 == c).map_or(0.0, |t| t.1)
    }

    fn unlink(&mut self, r: usize, c: u32) {
        let list = &mut self.col_rows[c as usize];
        if let Some(p) = list.iter().position(|&x| x as usize == r) {
            list.swap_remove(p);
        }
    }

    /// Does the row `r`, without terms, hold at 0 (its right-hand side within rounding of
    /// what was moved into it)?
    fn empty_row_holds(&self, lp: &Lp, r: usize) -> bool {
        let tol = CANCEL * self.rhs_scale[r].max(1.0);
        match lp.senses()[r] {
            Sense::Eq => self.rhs[r].abs() <= tol,
            Sense::Le => self.rhs[r] >= -tol,
            Sense::Ge => self.rhs[r] <= tol,
        }
    }

    /// The column row `i` can substitute out, if any (see the module notes).
    fn pivot(&self, lp: &Lp, i: usize) -> Option<usize> {
        let row = &self.rows[i];
        if row.is_empty() || row.iter().any(|&(c, _)| lp.is_free(c as usize)) {
            return None;
        }
        let pos = row.iter().filter(|t| t.1 > 0.0).count();
        let neg = row.len() - pos;
        let b = self.rhs[i];
        let mut best: Option<usize> = None;
        for (p, &(c, v)) in row.iter().enumerate() {
            let alone = if v > 0.0 {
                pos == 1 && b >= 0.0
            } else {
                neg == 1 && b <= 0.0
            };
            if !alone {
                continue;
            }
            let rows_k = &self.col_rows[c as usize];
            if rows_k
                .iter()
                .any(|&r| r as usize != i && self.rows[r as usize].len() > MAX_ROW)
            {
                continue;
            }
            if row.iter().any(|&(d, w)| d != c && (w / v).abs() > MAX_MULTIPLIER) {
                continue;
            }
            let (len, others) = (row.len() as isize, rows_k.len() as isize - 1);
            let fill = (len - 1) * others - len - others;
            if fill > MAX_FILL {
                continue;
            }
            if best.is_none_or(|q| self.col_rows[row[q].0 as usize].len() > rows_k.len()) {
                best = Some(p);
            }
        }
        best
    }

    /// Substitute the term at `p` of row `i` out; returns the rows that changed, or `None`
    /// when a row became empty with a right-hand side it cannot meet.
    fn substitute(&mut self, lp: &Lp, i: usize, p: usize, changed: &mut Vec<usize>) -> Option<Substitution> {
        let row_i = std::mem::take(&mut self.rows[i]);
        let (k, pivot) = row_i[p];
        let b = self.rhs[i];
        let others: Vec<(u32, f64)> = row_i.iter().copied().filter(|t| t.0 != k).collect();
        self.row_alive[i] = false;
        for &(c, _) in &row_i {
            self.unlink(i, c);
        }
        let col_rows = std::mem::take(&mut self.col_rows[k as usize]);
        let col_terms: Vec<(u32, f64)> = col_rows.iter().map(|&r| (r, self.coef(r as usize, k))).collect();
        let cost = self.obj[k as usize];
        self.col_alive[k as usize] = false;
        for &(r, a_rk) in &col_terms {
            let r = r as usize;
            let row = &mut self.rows[r];
            row.retain(|t| t.0 != k);
            let moved = a_rk * b / pivot;
            self.rhs[r] -= moved;
            self.rhs_scale[r] = self.rhs_scale[r].max(moved.abs());
            for &(j, a_j) in &others {
                let add = -a_rk * a_j / pivot;
                match self.rows[r].iter().position(|t| t.0 == j) {
                    Some(q) => {
                        let old = self.rows[r][q].1;
                        let new = old + add;
                        if new.abs() <= CANCEL * (old.abs() + add.abs()) {
                            self.rows[r].swap_remove(q);
                            self.unlink(r, j);
                        } else {
                            self.rows[r][q].1 = new;
                        }
                    }
                    None => {
                        self.rows[r].push((j, add));
                        self.col_rows[j as usize].push(r as u32);
                    }
                }
            }
            if self.rows[r].is_empty() {
                if !self.empty_row_holds(lp, r) {
                    return None;
                }
                self.row_alive[r] = false;
            } else {
                changed.push(r);
            }
        }
        for &(j, a_j) in &others {
            self.obj[j as usize] -= cost * a_j / pivot;
        }
        Some(Substitution {
            row: i as u32,
            col: k,
            pivot,
            rhs: b,
            others,
            cost,
            col_terms,
        })
    }
}

/// Aggregate `lp`; `None` when no substitution applies, or one would reveal infeasibility.
pub fn aggregate(lp: &Lp) -> Option<Aggregated> {
    let (n, m) = (lp.n_vars(), lp.n_rows());
    let mut w = Work::new(lp);
    let mut steps = Vec::new();
    let mut queued = vec![false; m];
    let mut queue: Vec<usize> = Vec::new();
    for i in (0..m).rev() {
        if lp.senses()[i] == Sense::Eq {
            queued[i] = true;
            queue.push(i);
        }
    }
    // Rows without terms as given: gone when they hold, the end of the aggregation when not.
    for i in 0..m {
        if w.rows[i].is_empty() {
            if !w.empty_row_holds(lp, i) {
                return None;
            }
            w.row_alive[i] = false;
        }
    }
    let mut changed = Vec::new();
    while let Some(i) = queue.pop() {
        queued[i] = false;
        if !w.row_alive[i] {
            continue;
        }
        let Some(p) = w.pivot(lp, i) else { continue };
        steps.push(w.substitute(lp, i, p, &mut changed)?);
        for r in changed.drain(..) {
            if lp.senses()[r] == Sense::Eq && !queued[r] {
                queued[r] = true;
                queue.push(r);
            }
        }
    }
    if steps.is_empty() && w.row_alive.iter().all(|&a| a) {
        return None;
    }
    // Columns left in no row: 0 when they cost nothing negative (beyond the rounding of
    // the substituted costs).
    let cost_tol = CANCEL * lp.obj().iter().fold(1.0f64, |mx, c| mx.max(c.abs()));
    for j in 0..n {
        if w.col_alive[j] && w.col_rows[j].is_empty() && !lp.is_free(j) && w.obj[j] >= -cost_tol {
            w.col_alive[j] = false;
        }
    }

    let (reduced, col_of, row_of) = lp.compact(&w.col_alive, &w.row_alive, &w.obj, &w.rhs, |i, terms| {
        terms.extend(w.rows[i].iter().map(|&(c, v)| (c as usize, v)));
    });
    Some(Aggregated {
        reduced,
        col_of,
        row_of,
        steps,
        n_vars: n,
        n_rows: m,
    })
}

impl Aggregated {
    pub fn removed_rows(&self) -> usize {
        self.n_rows - self.row_of.len()
    }

    pub fn removed_cols(&self) -> usize {
        self.n_vars - self.col_of.len()
    }

    /// The primal of the LP before aggregation.
    pub fn primal(&self, x: &[f64]) -> Vec<f64> {
        let mut full = vec![0.0; self.n_vars];
        for (k, &j) in self.col_of.iter().enumerate() {
            full[j] = x[k];
        }
        for s in self.steps.iter().rev() {
            let rest: f64 = s.others.iter().map(|&(j, a)| a * full[j as usize]).sum();
            full[s.col as usize] = (s.rhs - rest) / s.pivot;
        }
        full
    }

    /// The row duals of the LP before aggregation.
    pub fn duals(&self, y: &[f64]) -> Vec<f64> {
        let mut full = vec![0.0; self.n_rows];
        for (k, &i) in self.row_of.iter().enumerate() {
            full[i] = y[k];
        }
        for s in self.steps.iter().rev() {
            let rest: f64 = s
                .col_terms
                .iter()
                .filter(|t| t.0 != s.row)
                .map(|&(r, a)| a * full[r as usize])
                .sum();
            full[s.row as usize] = (s.cost - rest) / s.pivot;
        }
        full
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lp::certify::certify;
    use crate::lp::{RowKey, VarKey};

    use crate::lp::aux_row as row;

    /// A mine (cost 10, capacity 8) ships through a hub h (lane cost 1) that splits to two
    /// markets, m1 (demand 3, lane cost 2) and m2 (demand 4, lane cost 5, capacity 10).
    fn chain() -> Lp {
        chain_with_markets(Sense::Eq)
    }

    /// The chain with the markets' rows of the given sense.
    fn chain_with_markets(market: Sense) -> Lp {
        let mut lp = Lp::default();
        let prod = lp.add_var(VarKey::Aux(0), 10.0);
        let sh = lp.add_var(VarKey::Aux(1), 1.0); // mine -> h
        let h1 = lp.add_var(VarKey::Aux(2), 2.0); // h -> m1
        let h2 = lp.add_var(VarKey::Aux(3), 5.0); // h -> m2
        row(&mut lp, 0, &[(prod, 1.0)], Sense::Le, 8.0); // mine capacity
        row(&mut lp, 1, &[(prod, 1.0), (sh, -1.0)], Sense::Eq, 0.0); // balance at the mine
        row(&mut lp, 2, &[(sh, 1.0), (h1, -1.0), (h2, -1.0)], Sense::Eq, 0.0); // balance h
        row(&mut lp, 3, &[(h1, 1.0)], market, 3.0); // m1
        row(&mut lp, 4, &[(h2, 1.0)], market, 4.0); // m2
        row(&mut lp, 5, &[(h2, 1.0)], Sense::Le, 10.0); // lane capacity h -> m2
        lp
    }

    #[test]
    fn a_chain_collapses_and_its_solution_is_restored_exactly() {
        let lp = chain();
        let agg = aggregate(&lp).expect("the chain aggregates");
        // Every balance goes: the mine's, the hub's, then each market fixes its lane. The
        // mine capacity (3 + 4 <= 8) and the lane capacity (4 <= 10) are left without a
        // column and hold: they go too, with the price 0.
        assert_eq!((agg.removed_rows(), agg.removed_cols()), (6, 4));
        assert_eq!((agg.reduced.n_vars(), agg.reduced.n_rows()), (0, 0));
        let x = agg.primal(&[]);
        assert_eq!(x, vec![7.0, 7.0, 3.0, 4.0]);
        let y = agg.duals(&[]);
        // A tonne more at m1 costs mine 10 + lane 1 + lane 2; at m2, 10 + 1 + 5.
        assert_eq!(y, vec![0.0, 10.0, 11.0, 13.0, 16.0, 0.0]);
        let cert = certify(&lp, &x, y, "test");
        assert!(cert.relative_gap < 1e-15, "{cert:?}");
        assert!(cert.max_dual_infeasibility < 1e-15, "{cert:?}");
    }

    #[test]
    fn substituted_costs_and_rows_are_those_of_the_flows_beyond() {
        // The chain without the markets' balances fixing their lanes: demands served by
        // `>=` rows, so the hub's lanes stay and carry the cost of the way in.
        let lp = chain_with_markets(Sense::Ge);
        let agg = aggregate(&lp).expect("the balances aggregate");
        assert_eq!((agg.removed_rows(), agg.removed_cols()), (2, 2));
        // Columns h1, h2 with costs 2 + 11 and 5 + 11; the mine capacity now holds both.
        assert_eq!(agg.reduced.obj(), vec![13.0, 16.0]);
        let mine: Vec<(usize, f64)> = agg.reduced.row(0).collect();
        assert_eq!(mine, vec![(0, 1.0), (1, 1.0)]);
        let x = agg.primal(&[3.0, 4.0]);
        assert_eq!(x, vec![7.0, 7.0, 3.0, 4.0]);
        // Reduced duals: mine capacity 0, m1 13, m2 16, lane 0.
        let y = agg.duals(&[0.0, 13.0, 16.0, 0.0]);
        let cert = certify(&lp, &x, y.clone(), "test");
        assert!(cert.relative_gap < 1e-15, "{cert:?} {y:?}");
        assert!(cert.max_dual_infeasibility < 1e-15, "{cert:?} {y:?}");
        assert_eq!((y[1], y[2]), (10.0, 11.0));
    }

    #[test]
    fn a_row_that_cancels_to_an_unmet_rhs_stops_the_aggregation() {
        // x - z = 0 and x - z = 5 cannot both hold: substituting x empties the second row.
        let mut lp = Lp::default();
        let x = lp.add_var(VarKey::Aux(0), 1.0);
        let z = lp.add_var(VarKey::Aux(1), 1.0);
        row(&mut lp, 0, &[(x, 1.0), (z, -1.0)], Sense::Eq, 0.0);
        row(&mut lp, 1, &[(x, 1.0), (z, -1.0)], Sense::Eq, 5.0);
        assert!(aggregate(&lp).is_none());
        // With the same rhs the second row is the first one again: it empties and goes.
        lp.rhs_mut()[1] = 0.0;
        let agg = aggregate(&lp).expect("consistent");
        assert_eq!(agg.reduced.n_rows(), 0);
    }

    #[test]
    fn an_empty_row_that_cannot_hold_as_given_stops_the_aggregation() {
        // 0 = 1 beside x = 2: infeasible as written, whatever the substitution of x.
        let mut lp = Lp::default();
        let x = lp.add_var(VarKey::Aux(0), 1.0);
        row(&mut lp, 0, &[], Sense::Eq, 1.0);
        row(&mut lp, 1, &[(x, 1.0)], Sense::Eq, 2.0);
        assert!(aggregate(&lp).is_none());
        // The backend, presolve included, says infeasible as the simplex does.
        use crate::solve::backend::{Backend, Clarabel, MiniLp, Outcome};
        assert_eq!(
            Clarabel::default().solve(&lp, &Default::default()).outcome,
            Outcome::Infeasible
        );
        assert_eq!(MiniLp.solve(&lp, &Default::default()).outcome, Outcome::Infeasible);
    }

    #[test]
    fn rounding_in_an_emptied_row_is_not_infeasibility() {
        // 0.6 x = 2.1 makes x = 3.5 in exact arithmetic; x <= 3.5 then holds, though
        // 3.5 - 2.1 / 0.6 is -4.4e-16 in floating point.
        let mut lp = Lp::default();
        let x = lp.add_var(VarKey::Aux(0), 1.0);
        row(&mut lp, 0, &[(x, 0.6)], Sense::Eq, 2.1);
        row(&mut lp, 1, &[(x, 1.0)], Sense::Le, 3.5);
        let agg = aggregate(&lp).expect("feasible: aggregates");
        assert_eq!((agg.reduced.n_vars(), agg.reduced.n_rows()), (0, 0));
        assert!((agg.primal(&[])[0] - 3.5).abs() < 1e-12);
    }

    #[test]
    fn a_cost_rounded_below_zero_still_leaves_an_empty_column_at_zero() {
        // x_k = 3 x_j with costs -0.1 and 0.3: x_j costs 0.3 - 0.3 = -5.6e-17 once x_k is
        // substituted, and is in no row: it is 0, not an unbounded direction.
        let mut lp = Lp::default();
        let j = lp.add_var(VarKey::Aux(0), 0.3);
        let k = lp.add_var(VarKey::Aux(1), -0.1);
        row(&mut lp, 0, &[(k, 1.0), (j, -3.0)], Sense::Eq, 0.0);
        let agg = aggregate(&lp).expect("k is implied");
        assert_eq!(agg.reduced.n_vars(), 0);
        assert_eq!(agg.primal(&[]), vec![0.0, 0.0]);
    }

    #[test]
    fn a_column_whose_bound_is_not_implied_stays() {
        // x + z = 4: neither is implied non-negative by the other, nothing to substitute.
        let mut lp = Lp::default();
        let x = lp.add_var(VarKey::Aux(0), 1.0);
        let z = lp.add_var(VarKey::Aux(1), 2.0);
        row(&mut lp, 0, &[(x, 1.0), (z, 1.0)], Sense::Eq, 4.0);
        row(&mut lp, 1, &[(x, 1.0)], Sense::Ge, 1.0);
        assert!(aggregate(&lp).is_none());
        // x - z = -4 implies z = x + 4 >= 0, not x >= 0: z goes.
        let mut lp = Lp::default();
        let x = lp.add_var(VarKey::Aux(0), 1.0);
        let _z = lp.add_var(VarKey::Aux(1), 2.0);
        row(&mut lp, 0, &[(x, 1.0), (_z, -1.0)], Sense::Eq, -4.0);
        row(&mut lp, 1, &[(x, 1.0)], Sense::Ge, 1.0);
        let agg = aggregate(&lp).expect("z is implied");
        assert_eq!(agg.reduced.vars(), vec![VarKey::Aux(0)]);
        assert_eq!(agg.reduced.obj(), vec![3.0], "x carries z's cost");
        assert_eq!(agg.primal(&[1.5]), vec![1.5, 5.5]);
    }

    /// On generated continental instances, after the forcing and leaf rules, the aggregation
    /// removes most of the balances left, and Clarabel on the aggregated LP gives a solution
    /// whose restored duals certify the LP before aggregation.
    #[test]
    fn aggregation_shrinks_generated_instances() {
        use crate::solve::backend::{Backend, Clarabel, Outcome};
        for seed in [1, 4] {
            let full = crate::model::generate::generated_lp(seed, 2);
            let lp = crate::solve::presolve::remove_rows_only(&full).reduced;
            let agg = aggregate(&lp).expect("generated networks have implied flows");
            let balances = |lp: &Lp| lp.rows().iter().filter(|r| matches!(r, RowKey::Balance { .. })).count();
            let (before, after) = (balances(&lp), balances(&agg.reduced));
            eprintln!(
                "seed {seed}: {} x {} -> {} x {}; balances {before} -> {after}",
                lp.n_rows(),
                lp.n_vars(),
                agg.reduced.n_rows(),
                agg.reduced.n_vars()
            );
            assert!(after * 2 < before, "seed {seed}: balances {before} -> {after}");
            let raw = Clarabel::without_presolve().solve(&agg.reduced, &Default::default());
            assert_eq!(raw.outcome, Outcome::Optimal, "seed {seed}");
            let x = agg.primal(&raw.x);
            let y = agg.duals(&raw.duals.unwrap());
            let (_, rel) = crate::lp::check::violation(&lp, &lp.activities(&x), &x);
            assert!(rel < 1e-7, "seed {seed}: violation {rel}");
            let cert = certify(&lp, &x, y, "test");
            assert!(cert.relative_gap < 1e-8, "seed {seed}: {cert:?}");
            assert!(cert.max_dual_infeasibility < 1e-7, "seed {seed}: {cert:?}");
        }
    }

    /// Random transshipment networks (supplies with capacities, nodes with demands and an
    /// expensive "unmet" column, arcs with yields and costs, shared arc capacities): the
    /// aggregated LP, solved by Clarabel and restored, reaches the optimum the simplex finds
    /// on the LP as written, and its restored duals certify that LP.
    #[test]
    fn aggregation_is_exact_on_random_networks() {
        use crate::solve::backend::{Backend, Clarabel, MiniLp, Outcome};
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut aggregated = 0;
        for case in 0..40 {
            let nodes = 4 + (next() * 12.0) as usize;
            let mut lp = Lp::default();
            let mut balance: Vec<Vec<(u32, f64)>> = vec![Vec::new(); nodes];
            let mut caps = Vec::new();
            for (v, bal) in balance.iter_mut().enumerate() {
                if next() < 0.4 {
                    let buy = lp.add_var(VarKey::Aux(v as u32), 5.0 + 50.0 * next());
                    bal.push((buy, 1.0));
                    caps.push((vec![(buy, 1.0)], 10.0 + 40.0 * next()));
                }
                let unmet = lp.add_var(VarKey::Aux(1000 + v as u32), 1e3);
                bal.push((unmet, 1.0));
            }
            let arcs = nodes + (next() * nodes as f64 * 1.5) as usize;
            let mut shared = Vec::new();
            for a in 0..arcs {
                let (from, to) = ((next() * nodes as f64) as usize, (next() * nodes as f64) as usize);
                if from == to {
                    continue;
                }
                let ship = lp.add_var(VarKey::Aux(2000 + a as u32), 1.0 + 10.0 * next());
                let yield_ = if next() < 0.2 { 0.5 + 0.5 * next() } else { 1.0 };
                balance[from].push((ship, -1.0));
                balance[to].push((ship, yield_));
                if next() < 0.3 {
                    shared.push((ship, 1.0));
                }
            }
            if !shared.is_empty() {
                caps.push((shared, 15.0 + 20.0 * next()));
            }
            for (v, terms) in balance.iter().enumerate() {
                let demand = if next() < 0.5 { (10.0 * next()).round() } else { 0.0 };
                row(&mut lp, v as u32, terms, Sense::Eq, demand);
            }
            for (k, (terms, cap)) in caps.iter().enumerate() {
                row(&mut lp, 100 + k as u32, terms, Sense::Le, *cap);
            }
            // The reference: the simplex on the LP as written.
            let reference = MiniLp.solve(&lp, &Default::default());
            assert_eq!(reference.outcome, Outcome::Optimal, "case {case}");
            let best = lp.objective_value(&reference.x);
            let Some(agg) = aggregate(&lp) else { continue };
            aggregated += 1;
            let (x, y) = if agg.reduced.n_vars() == 0 {
                (agg.primal(&[]), agg.duals(&vec![0.0; agg.reduced.n_rows()]))
            } else {
                let raw = Clarabel::without_presolve().solve(&agg.reduced, &Default::default());
                assert_eq!(raw.outcome, Outcome::Optimal, "case {case}");
                let x: Vec<f64> = raw.x.iter().map(|v| v.max(0.0)).collect();
                (agg.primal(&x), agg.duals(&raw.duals.unwrap()))
            };
            let got = lp.objective_value(&x);
            assert!(
                (got - best).abs() <= 1e-7 * best.abs().max(1.0),
                "case {case}: {got} vs {best}"
            );
            let (_, rel) = crate::lp::check::violation(&lp, &lp.activities(&x), &x);
            assert!(rel < 1e-7, "case {case}: violation {rel}");
            let cert = certify(&lp, &x, y, "test");
            assert!(cert.relative_gap < 1e-7, "case {case}: {cert:?}");
            assert!(cert.max_dual_infeasibility < 1e-7, "case {case}: {cert:?}");
        }
        assert!(aggregated >= 30, "only {aggregated} of 40 networks aggregated");
    }
}
