//! Lazy capacities: solve the LP without its lane (and import) capacity rows, then with those
//! the plan breaks (and those it nearly fills), until it breaks none.
//!
//! Why: a lane capacity `sum_a ship[l,a] <= cap` ties together the flows of every material
//! (and origin class) on its lane. Each material's network alone factorises cheaply in the
//! interior point; a few thousand capacities tie them into one system that fills in. On the
//! dense regional network of 120k variables the factor takes 3.6e10 flops with them and
//! 5.9e8 without; on the 600k-variable six-year path 1.3e10 and 3.0e8. Few of them bind at
//! the optimum (48 of 1,268 and 377 of 3,864 there), so most never need to enter the solve.
//!
//! Exactness: each round solves a relaxation (the LP with some rows left out). When its plan
//! breaks none of the rows left out, it is feasible for the whole LP and costs no more than
//! any plan of it: it is optimal. The rows left out take dual 0, which changes no reduced cost
//! and no term of the dual objective, so the duals stay optimal; a row left out holds, so its
//! dual 0 is complementary. An infeasible relaxation proves the LP infeasible. Rows once added
//! stay, so the rounds end (at worst with every row in). The pipeline then checks the answer
//! on the whole LP, as it checks every backend's.
//!
//! Given a [`super::WarmStart`] (`SolveOptions::warm_start`: the pipeline passes the dual
//! simplex of [`crate::sensitivity::dual_simplex`]), the rounds after the first are replaced
//! by a dual simplex from the first round's crossed-over basis: on the six-year path of 600k
//! variables 13 s in all instead of 50 s. When that phase fails (free columns, an infeasible
//! LP, a numerical failure) the rounds go on as above.

use super::api::{Deadline, Outcome, RawSolution, SolveOptions};
use crate::lp::{Lp, RowKey, Sense};

/// A row left out whose plan fills this share of its capacity enters with the broken ones:
/// flows that crowd a lane in one round tend to break it in the next.
const NEAR: f64 = 0.9;

/// The rows that may be left out: lane and import capacities (`<=` with non-negative terms) of
/// at least two columns (a single column's capacity ties nothing together). Import capacities
/// (an offer's tonnes over its destinations and periods) tie less than lane capacities, but
/// with the dual simplex to restore them they still pay: on the six-year path of 600k
/// variables, 11.4 s against 14.3 s with the lane capacities alone (one run each); on the
/// dense network of 120k, 20.9 s against 21.9 s.
pub fn candidates(lp: &Lp) -> Vec<usize> {
    (0..lp.n_rows())
        .filter(|&i| {
            matches!(lp.rows()[i], RowKey::LaneCapacity { .. } | RowKey::ImportCapacity(_))
                && lp.senses()[i] == Sense::Le
                && lp.row_len(i) >= 2
                && lp.row(i).all(|(_, v)| v >= 0.0)
        })
        .collect()
}

/// How a lazy solve went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rounds {
    /// Relaxations solved.
    pub rounds: usize,
    /// Rows left out at the start.
    pub held: usize,
    /// Rows added back in later rounds.
    pub added: usize,
    /// When the dual simplex finished the solve: the rows the first plan broke and its pivots.
    pub dual: Option<(usize, usize)>,
    /// Why the dual simplex did not finish it, when it was tried.
    pub dual_failed: Option<String>,
}

impl Rounds {
    /// For the report (`solver.method`).
    pub fn describe(&self) -> String {
        if let Some((broken, pivots)) = self.dual {
            return format!(
                "lazy capacities: {} left out of the interior point (lane and import capacities); its plan broke {broken}, \
                 restored by {pivots} dual simplex pivot{} from its crossed-over basis",
                self.held,
                if pivots == 1 { "" } else { "s" }
            );
        }
        let failed = match &self.dual_failed {
            Some(why) => format!(" (the dual simplex from the first round's basis failed: {why})"),
            None => String::new(),
        };
        format!(
            "lazy capacities: {} left out of the interior point (lane and import capacities), {} added back over {} round{}{failed}",
            self.held,
            self.added,
            self.rounds,
            if self.rounds == 1 { "" } else { "s" }
        )
    }
}

/// Solve `lp` with the rows `held` left out until a plan breaks them, one relaxation per
/// round by `solve`, every round within `opts`' time limit counted from the first. The answer
/// has duals on every row of `lp` (0 on the rows never added).
pub fn solve_lazily(
    lp: &Lp,
    opts: &SolveOptions,
    held: &[usize],
    solve: impl Fn(&Lp, &SolveOptions) -> RawSolution,
) -> (RawSolution, Rounds) {
    let deadline = Deadline::after(opts.time_limit);
    let mut out = vec![false; lp.n_rows()];
    held.iter().for_each(|&i| out[i] = true);
    let mut rounds = Rounds {
        held: held.len(),
        ..Rounds::default()
    };
    loop {
        rounds.rounds += 1;
        let (sub, kept) = relaxation(lp, &out);
        let raw = solve(&sub, &deadline.bound(opts));
        if !matches!(raw.outcome, Outcome::Optimal | Outcome::Imprecise) {
            return (raw, rounds);
        }
        let (broken, near) = crowded_rows(lp, &out, &raw.x);
        if let (Some(warm), true, 1) = (opts.warm_start, broken > 0, rounds.rounds) {
            match warm(lp, &sub, &kept, &raw.x, raw.duals.as_deref(), deadline) {
                Ok(r) => {
                    rounds.dual = Some((broken, r.pivots));
                    let answer = RawSolution {
                        outcome: Outcome::Optimal,
                        x: r.x,
                        duals: Some(r.y),
                        note: None,
                    };
                    return (answer, rounds);
                }
                Err(why) => rounds.dual_failed = Some(why),
            }
        }
        if broken == 0 {
            let duals = raw.duals.map(|y| {
                let mut full = vec![0.0; lp.n_rows()];
                kept.iter().zip(y).for_each(|(&i, v)| full[i] = v);
                full
            });
            return (RawSolution { duals, ..raw }, rounds);
        }
        rounds.added += near.len();
        near.iter().for_each(|&i| out[i] = false);
    }
}

/// `lp` without the rows marked `out`, and the row of `lp` each kept row is.
fn relaxation(lp: &Lp, out: &[bool]) -> (Lp, Vec<usize>) {
    let mut sub = lp.columns_only();
    let mut kept = Vec::with_capacity(lp.n_rows());
    let mut terms = Vec::new();
    for i in (0..lp.n_rows()).filter(|&i| !out[i]) {
        terms.extend(lp.row(i).map(|(c, v)| (c as u32, v)));
        sub.add_row_like(lp, i, &mut terms, lp.senses()[i], lp.rhs()[i]);
        kept.push(i);
    }
    (sub, kept)
}

/// Among the rows marked `out`: how many the plan `x` breaks (by more than a billionth of
/// their size), and those it breaks or fills to [`NEAR`] of their right-hand side.
fn crowded_rows(lp: &Lp, out: &[bool], x: &[f64]) -> (usize, Vec<usize>) {
    let mut broken = 0;
    let mut near = Vec::new();
    for i in (0..lp.n_rows()).filter(|&i| out[i]) {
        let act: f64 = lp.row(i).map(|(c, v)| v * x[c].max(0.0)).sum();
        let rhs = lp.rhs()[i];
        if act > rhs + 1e-9 * rhs.abs().max(1.0) {
            broken += 1;
            near.push(i);
        } else if rhs > 0.0 && act >= NEAR * rhs {
            near.push(i);
        }
    }
    (broken, near)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lp::certify::certify;
    use crate::lp::check::violation;
    use crate::lp::{Dir, VarKey};
    use crate::model::generate::Rng;
    use crate::solve::backend::{Backend, Clarabel, MiniLp};

    fn ship(lp: &mut Lp, lane: u32, material: u32, cost: f64) -> u32 {
        let dir = Dir::Forward;
        lp.add_var(VarKey::Ship { lane, dir, material }, cost)
    }

    fn capacity(lp: &mut Lp, lane: u32, terms: &[u32], cap: f64) {
        let mut t: Vec<(u32, f64)> = terms.iter().map(|&j| (j, 1.0)).collect();
        lp.add_row(
            RowKey::LaneCapacity {
                lane,
                dir: Dir::Forward,
            },
            &mut t,
            Sense::Le,
            cap,
        );
    }

    fn balance(lp: &mut Lp, region: u32, material: u32, terms: &[(u32, f64)], rhs: f64) {
        let mut t = terms.to_vec();
        lp.add_row(RowKey::Balance { region, material }, &mut t, Sense::Eq, rhs);
    }

    /// Materials 0 and 1 (4 t and 3 t demanded at region 1) from free supplies at region 0,
    /// by lane 0 (1 $/t, 5 t over both materials) or lane 1 (3 $/t, open). By hand: 5 t on
    /// lane 0, 2 t on lane 1, cost 11; the capacity is worth 3 - 1 = 2 $/t (dual -2), and a
    /// tonne more demanded of either material costs 3 (the dear lane).
    fn two_lanes(cap: f64) -> Lp {
        network(cap, [4.0, 3.0], None)
    }

    /// [`two_lanes`] with `demand` of each material and, when `third` is given, a lane 2 at
    /// 0.5 $/t for material 0 (50 $/t for material 1) capped at `third` t.
    fn network(cap: f64, demand: [f64; 2], third: Option<f64>) -> Lp {
        let mut lp = Lp::default();
        let buy = [lp.add_var(VarKey::Buy(0), 0.0), lp.add_var(VarKey::Buy(1), 0.0)];
        let cheap = [ship(&mut lp, 0, 0, 1.0), ship(&mut lp, 0, 1, 1.0)];
        let dear = [ship(&mut lp, 1, 0, 3.0), ship(&mut lp, 1, 1, 3.0)];
        let other = third.map(|_| [ship(&mut lp, 2, 0, 0.5), ship(&mut lp, 2, 1, 50.0)]);
        for a in 0..2 {
            let mut out = vec![(buy[a], 1.0), (cheap[a], -1.0), (dear[a], -1.0)];
            let mut into = vec![(cheap[a], 1.0), (dear[a], 1.0)];
            if let Some(o) = other {
                out.push((o[a], -1.0));
                into.push((o[a], 1.0));
            }
            balance(&mut lp, 0, a as u32, &out, 0.0);
            balance(&mut lp, 1, a as u32, &into, demand[a]);
        }
        capacity(&mut lp, 0, &cheap, cap);
        if let (Some(o), Some(c)) = (other, third) {
            capacity(&mut lp, 2, &o, c);
        }
        lp
    }

    fn clarabel(lp: &Lp, opts: &SolveOptions) -> RawSolution {
        Clarabel::without_presolve().solve(lp, opts)
    }

    fn minilp(lp: &Lp, opts: &SolveOptions) -> RawSolution {
        MiniLp.solve(lp, opts)
    }

    fn opts() -> SolveOptions {
        SolveOptions {
            time_limit: None,
            basis_duals: None,
            warm_start: None,
        }
    }

    /// [`opts`] with the dual simplex after the first round.
    fn warm() -> SolveOptions {
        SolveOptions {
            warm_start: Some(crate::sensitivity::dual_simplex::reoptimise),
            ..opts()
        }
    }

    /// The answer is optimal for the whole LP: feasible, dual feasible, no gap.
    fn assert_optimal(lp: &Lp, raw: &RawSolution) {
        let x: Vec<f64> = raw.x.iter().map(|v| v.max(0.0)).collect();
        let (_, rel) = violation(lp, &lp.activities(&x), &x);
        assert!(rel <= 1e-7, "violation {rel}");
        let cert = certify(lp, &x, raw.duals.clone().expect("duals"), "check");
        assert!(cert.relative_gap <= 1e-7, "gap {}", cert.relative_gap);
        assert!(
            cert.max_dual_infeasibility <= 1e-7,
            "dual infeasibility {}",
            cert.max_dual_infeasibility
        );
    }

    #[test]
    fn a_broken_capacity_enters_in_the_second_round_with_its_hand_derived_price() {
        let lp = two_lanes(5.0);
        assert_eq!(candidates(&lp), vec![4]);
        for solve in [clarabel, minilp] {
            let (raw, rounds) = solve_lazily(&lp, &opts(), &candidates(&lp), solve);
            assert_eq!(raw.outcome, Outcome::Optimal);
            assert_eq!(
                rounds,
                Rounds {
                    rounds: 2,
                    held: 1,
                    added: 1,
                    ..Rounds::default()
                }
            );
            assert!((lp.objective_value(&raw.x) - 11.0).abs() < 1e-6);
        }
        // Clarabel's duals (minilp gives none without a basis): the hand-derived prices.
        let (raw, _) = solve_lazily(&lp, &opts(), &candidates(&lp), clarabel);
        let y = raw.duals.as_ref().unwrap();
        assert!((y[4] + 2.0).abs() < 1e-6, "capacity dual {}", y[4]);
        assert!(
            (y[1] - 3.0).abs() < 1e-6 && (y[3] - 3.0).abs() < 1e-6,
            "delivered prices {y:?}"
        );
        assert_optimal(&lp, &raw);
    }

    /// Warm: the first round's plan breaks the capacity, and the dual simplex from its basis
    /// restores it without a second round, at the same hand-derived prices; from minilp's
    /// plan (no duals to crash with) too.
    #[test]
    fn the_dual_simplex_restores_a_broken_capacity_with_its_hand_derived_price() {
        let lp = two_lanes(5.0);
        for solve in [clarabel, minilp] {
            let (raw, rounds) = solve_lazily(&lp, &warm(), &candidates(&lp), solve);
            assert_eq!(raw.outcome, Outcome::Optimal);
            assert_eq!(
                (rounds.rounds, rounds.added, rounds.dual_failed.as_deref()),
                (1, 0, None)
            );
            assert!(matches!(rounds.dual, Some((1, p)) if p >= 1), "{rounds:?}");
            assert!((lp.objective_value(&raw.x) - 11.0).abs() < 1e-9);
            let y = raw.duals.as_ref().unwrap();
            assert!((y[4] + 2.0).abs() < 1e-9, "capacity dual {}", y[4]);
            assert!((y[1] - 3.0).abs() < 1e-9 && (y[3] - 3.0).abs() < 1e-9, "{y:?}");
            assert_optimal(&lp, &raw);
            assert_eq!(
                rounds.describe(),
                "lazy capacities: 1 left out of the interior point (lane and import capacities); its plan broke 1, \
                 restored by 1 dual simplex pivot from its crossed-over basis"
            );
        }
        // A plan that breaks nothing needs no dual simplex.
        let (raw, rounds) = solve_lazily(&two_lanes(100.0), &warm(), &[4], clarabel);
        assert_eq!((raw.outcome, rounds.rounds, rounds.dual), (Outcome::Optimal, 1, None));
    }

    /// Lane and import capacities of two columns or more may be left out; a capacity of one
    /// column, another family or a `>=` row may not.
    #[test]
    fn lane_and_import_capacities_are_the_rows_left_out() {
        let mut lp = two_lanes(5.0);
        let buys: Vec<u32> = (0..lp.n_vars() as u32)
            .filter(|&j| matches!(lp.vars()[j as usize], VarKey::Buy(_)))
            .collect();
        let mut terms: Vec<(u32, f64)> = buys.iter().map(|&j| (j, 1.0)).collect();
        lp.add_row(RowKey::ImportCapacity(0), &mut terms, Sense::Le, 9.0);
        terms.push((buys[0], 1.0));
        lp.add_row(RowKey::ImportCapacity(1), &mut terms, Sense::Le, 9.0);
        terms.extend(buys.iter().map(|&j| (j, 1.0)));
        lp.add_row(RowKey::ImportCapacity(2), &mut terms, Sense::Ge, 1.0);
        terms.extend(buys.iter().map(|&j| (j, 1.0)));
        lp.add_row(RowKey::PlantCapacity(0), &mut terms, Sense::Le, 9.0);
        assert_eq!(candidates(&lp), vec![4, 5]);
    }

    #[test]
    fn a_capacity_that_never_breaks_never_enters_and_keeps_dual_zero() {
        let lp = two_lanes(100.0);
        let (raw, rounds) = solve_lazily(&lp, &opts(), &candidates(&lp), clarabel);
        assert_eq!(
            rounds,
            Rounds {
                rounds: 1,
                held: 1,
                added: 0,
                ..Rounds::default()
            }
        );
        assert!((lp.objective_value(&raw.x) - 7.0).abs() < 1e-6);
        assert_eq!(raw.duals.as_ref().unwrap()[4], 0.0);
        assert_optimal(&lp, &raw);
    }

    #[test]
    fn a_nearly_full_capacity_enters_with_the_broken_one() {
        // 6 t of material 1 break lane 0 (5 t) in round 1, while material 0 fills lane 2 to
        // 4 t of 4.2 (95%): both enter in round 2. Then material 0 by lane 2 (4 x 0.5), material
        // 1 by lane 0 (5 x 1) and the dear lane (1 x 3): 10.
        let lp = network(5.0, [4.0, 6.0], Some(4.2));
        let (raw, rounds) = solve_lazily(&lp, &opts(), &candidates(&lp), clarabel);
        assert_eq!(
            rounds,
            Rounds {
                rounds: 2,
                held: 2,
                added: 2,
                ..Rounds::default()
            }
        );
        assert!((lp.objective_value(&raw.x) - 10.0).abs() < 1e-6);
        assert_optimal(&lp, &raw);
    }

    #[test]
    fn infeasibility_is_found_in_the_relaxation_or_once_the_capacities_enter() {
        // Without supplies nothing can be served: the first relaxation is infeasible.
        let mut lp = Lp::default();
        let s = ship(&mut lp, 0, 0, 1.0);
        let t = ship(&mut lp, 0, 1, 1.0);
        balance(&mut lp, 1, 0, &[(s, 1.0)], 4.0);
        balance(&mut lp, 0, 0, &[(s, -1.0)], 0.0);
        balance(&mut lp, 1, 1, &[(t, 1.0)], 0.0);
        capacity(&mut lp, 0, &[s, t], 10.0);
        let (raw, rounds) = solve_lazily(&lp, &opts(), &candidates(&lp), minilp);
        assert_eq!((raw.outcome, rounds.rounds), (Outcome::Infeasible, 1));

        // With one lane of 5 t for 7 t of demand, only the round with the capacity fails.
        let mut lp = two_lanes(5.0);
        let dear: Vec<usize> = (0..lp.n_vars()).filter(|&j| lp.obj()[j] == 3.0).collect();
        dear.iter().for_each(|&j| lp.obj_mut()[j] = 1e9);
        let mut closed = lp.columns_only();
        let mut terms = Vec::new();
        for i in 0..lp.n_rows() {
            terms.extend(lp.row(i).filter(|(c, _)| !dear.contains(c)).map(|(c, v)| (c as u32, v)));
            closed.add_row_like(&lp, i, &mut terms, lp.senses()[i], lp.rhs()[i]);
        }
        for solve in [clarabel, minilp] {
            let (raw, rounds) = solve_lazily(&closed, &opts(), &candidates(&closed), solve);
            assert_eq!((raw.outcome, rounds.rounds), (Outcome::Infeasible, 2));
            // Warm, the dual simplex finds a dual ray; the interior point's round says why.
            let (raw, rounds) = solve_lazily(&closed, &warm(), &candidates(&closed), solve);
            assert_eq!((raw.outcome, rounds.rounds), (Outcome::Infeasible, 2));
            assert_eq!(rounds.dual_failed.as_deref(), Some("the LP is infeasible (a dual ray)"));
            assert!(rounds.describe().ends_with(
                "(the dual simplex from the first round's basis failed: the LP is infeasible (a dual ray))"
            ));
        }
    }

    /// Random multi-commodity networks with shared lane capacities: the lazy answer is
    /// optimal for the whole LP and costs what the direct solve costs.
    #[test]
    fn random_networks_cost_the_same_solved_lazily_and_whole() {
        let mut rng = Rng::new(11);
        let (mut multi_round, mut warmed) = (0, 0);
        for case in 0..30 {
            let lp = random_network(&mut rng, 6 + case % 5, 3);
            let held = candidates(&lp);
            let direct = minilp(&lp, &opts());
            let (raw, rounds) = solve_lazily(&lp, &opts(), &held, clarabel);
            assert_eq!(raw.outcome, direct.outcome, "case {case}");
            if direct.outcome != Outcome::Optimal {
                continue;
            }
            multi_round += usize::from(rounds.rounds > 1);
            let (a, b) = (lp.objective_value(&raw.x), lp.objective_value(&direct.x));
            assert!((a - b).abs() <= 1e-7 * b.abs().max(1.0), "case {case}: {a} vs {b}");
            assert_optimal(&lp, &raw);
            let (answer, rounds) = solve_lazily(&lp, &warm(), &held, clarabel);
            assert_eq!(
                (&answer.outcome, rounds.rounds, rounds.dual_failed.as_deref()),
                (&Outcome::Optimal, 1, None),
                "case {case}"
            );
            warmed += usize::from(rounds.dual.is_some());
            let w = lp.objective_value(&answer.x);
            assert!((w - b).abs() <= 1e-7 * b.abs().max(1.0), "case {case}: warm {w} vs {b}");
            assert_optimal(&lp, &answer);
        }
        assert!(multi_round >= 10, "only {multi_round} cases needed a second round");
        assert_eq!(
            warmed, multi_round,
            "the dual simplex ran where a second round was needed"
        );
    }

    /// `regions` regions, `materials` materials each supplied at region 0 (dearer elsewhere)
    /// and demanded at the last region, random lanes (each open to every material) of which
    /// half are capped.
    fn random_network(rng: &mut Rng, regions: usize, materials: usize) -> Lp {
        let mut lp = Lp::default();
        let mut flows: Vec<Vec<(u32, f64)>> = vec![Vec::new(); regions * materials];
        for a in 0..materials {
            for r in 0..regions {
                if r == 0 || rng.chance(0.2) {
                    let j = lp.add_var(VarKey::Buy((a * regions + r) as u32), rng.range(0.0, 20.0));
                    flows[a * regions + r].push((j, 1.0));
                }
            }
        }
        let mut caps = Vec::new();
        for l in 0..3 * regions {
            let (from, to) = if l < regions - 1 {
                (l, l + 1)
            } else {
                (rng.below(regions), rng.below(regions))
            };
            if from == to {
                continue;
            }
            let cost = rng.range(1.0, 10.0);
            let cols: Vec<u32> = (0..materials)
                .map(|a| {
                    let j = ship(&mut lp, l as u32, a as u32, cost);
                    flows[a * regions + from].push((j, -1.0));
                    flows[a * regions + to].push((j, 1.0));
                    j
                })
                .collect();
            if rng.chance(0.5) {
                caps.push((l as u32, cols, rng.range(2.0, 15.0)));
            }
        }
        for a in 0..materials {
            for r in 0..regions {
                let demand = if r == regions - 1 { rng.range(5.0, 20.0) } else { 0.0 };
                balance(&mut lp, r as u32, a as u32, &flows[a * regions + r], demand);
            }
        }
        for (l, cols, cap) in caps {
            capacity(&mut lp, l, &cols, cap);
        }
        lp
    }
}
