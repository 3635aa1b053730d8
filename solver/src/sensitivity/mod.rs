//! Sensitivity of an optimal plan: the range of every price and right-hand side, the cost
//! range of every used flow and facility, and the one-sided prices of degenerate rows.
//!
//! [`basis`] reads every range off the optimal basis at once (with its own LU factorisation,
//! [`lu`]); [`ranging`] is the slower method of auxiliary LPs over the optimal face, for plans
//! that are not a vertex; [`prices`] computes one-sided prices where the basis is degenerate.

pub mod basis;
pub mod crossover;
pub mod dual_simplex;
mod parametric;
pub mod prices;
pub mod ranging;

pub use crate::lp::ranges::{ColSensitivity, Range, RowSensitivity, Sensitivity};
pub use prices::Directions;

use crate::lp::check::{used_tols, GAP_TOL};
use crate::lp::{Lp, RowKey, Sense, VarKey};
use crate::solve::backend::{BackendChoice, Bounded};
use crate::solve::dual_lp;
use crate::solve::{Solved, Status};
use sourcing_models::Instance;
use std::time::Instant;

/// Models up to this size refine degenerate one-sided prices by auxiliary LPs. It is the size
/// up to which `auto` picks the simplex, whose vertex plan the basis ranging needs.
pub const LP_RANGING_MAX_VARS: usize = crate::solve::backend::AUTO_CROSSOVER_VARS;

/// Models up to this size fall back on the auxiliary-LP ranging method (a few LPs per row and
/// column) where the basis method cannot answer (an interior-point plan is not a vertex).
/// Its cost grows with rows times columns: about 0.1 s at 100 variables, minutes at 3,000.
pub const LP_FALLBACK_MAX_VARS: usize = 400;

pub use crate::solve::backend::VERTEX_BACKENDS;

/// At most this many one-sided prices are refined by auxiliary LPs at a degenerate basis
/// (where the dual simplex steps of [`parametric`] cannot answer).
pub const LP_PRICE_REFINEMENTS: usize = 60;

/// Compute ranging for an optimal solve of `inst`: every tight row, and the used flows plus
/// every facility column (mines, plants, offers).
///
/// The optimal basis gives every range at once ([`basis`]). Where the basis is
/// degenerate in one direction of a right-hand side (its range ends at the current value),
/// the price on that side may differ. The right side (relaxing; the marginal value) is then
/// computed exactly over all optimal duals ([`prices::price_right_along`]) for small models;
/// what is not computed is reported unknown (null), never guessed.
///
/// A balance row is ranged along one more tonne of demand ([`Directions::of_demand`]): its
/// right-hand-side interval is the demand over which the prices hold, and its one-sided
/// prices are those of the demand direction less what the covering targets' rows carry
/// (`s_t` times their own price on the same side), so that the delivered price
/// (`balance + sum s_t * target`) is the one-sided price of one more tonne.
///
/// Ranging ends by the run's deadline ([`Solved::deadline`]): what it could not compute is
/// null, `solver.ranging` and the report's message say which part is missing, and the run
/// counts as having hit the time limit (the plan itself stays reported in full).
pub fn add_sensitivity(inst: &Instance, solved: &mut Solved) {
    let started = Instant::now();
    if solved.status == Status::Optimal && solved.deadline.passed() {
        cut_short(
            solved,
            "ranging skipped: the time limit was reached before ranging".into(),
        );
        return;
    }
    let dirs = Directions::of_demand(inst, &solved.model.lp);
    add_sensitivity_inner(inst, solved, &dirs);
    solved.ranging_ms = started.elapsed().as_secs_f64() * 1e3;
}

/// A target's marginal value is a derivative in its share `s_t`, which multiplies the
/// consumption `C_t` of the plan: raising the share by `ds` gives the row `C_t ds` more room.
/// Where several plans are optimal, `C_t` can differ between them (a reserve drawn in one year
/// or the next). The right derivative of the cost in `s_t` is the min-max over the optimal
/// plans and duals of the Lagrangian's derivative, `-y * C_t(x)`: with `Cmax` the largest
/// `C_t` over the optimal plans, the row's relaxing price times `Cmax` when `Cmax >= 0`, its
/// tightening price times `Cmax` when `Cmax < 0` (net releases can make `C_t` negative). The
/// plan at hand may have the smallest `C_t`. So for each binding target row whose cap is below
/// 1 and whose prices are not both 0, `Cmax` (`Sensitivity::use_max`): the plan's own where the
/// optimal basis `ob` proves no optimal plan uses more
/// ([`basis::OptimalBasis::maximises_on_face`]), else one auxiliary LP over the optimal face
/// (at most [`LP_PRICE_REFINEMENTS`], on models up to [`MAX_FACE_LP_VARS`]); NaN (the value is
/// then null, and a note says why) when it could not be computed.
fn use_max(
    inst: &Instance,
    solved: &Solved,
    s: &Sensitivity,
    ob: Option<&basis::OptimalBasis>,
    aux: &Bounded,
) -> UseMax {
    let lp = &solved.model.lp;
    let mut out = UseMax::default();
    let mut lps = 0;
    for r in &s.rows {
        let RowKey::Target(t) = lp.rows()[r.row] else {
            continue;
        };
        let p = lp.row_period(r.row);
        if (r.price_high == 0.0 && r.price_low == 0.0) || inst.targets[t as usize].max_import_share.at(p) >= 1.0 {
            continue;
        }
        let terms = &solved.model.targets[p][t as usize];
        let (constant, g) = terms.consumption_terms();
        let most = if ob.is_some_and(|ob| ob.maximises_on_face(&g)) {
            Some(terms.consumption(&solved.x) - constant)
        } else if aux.deadline.passed() {
            out.cut += 1;
            None
        } else if lps >= LP_PRICE_REFINEMENTS || lp.n_vars() > MAX_FACE_LP_VARS {
            out.skipped += 1;
            None
        } else {
            lps += 1;
            match ranging::max_over_face(lp, &s.duals, &g, aux) {
                Ok(Some(m)) => Some(m),
                Err(_) if aux.deadline.passed() => {
                    out.cut += 1;
                    None
                }
                _ => {
                    out.failed += 1;
                    None
                }
            }
        };
        out.wanted += 1;
        out.most.insert(r.row, most.map_or(f64::NAN, |m| constant + m));
    }
    out
}

/// Models above this size do not run the auxiliary LP of [`use_max`] (the basis's proof
/// still runs): an LP over the optimal face of a large model can take long.
pub const MAX_FACE_LP_VARS: usize = 100_000;

/// What [`use_max`] found: the largest `C_t` by row, and how many it could not compute (the
/// time limit, the LP cap, an LP that failed) of how many wanted.
#[derive(Default)]
struct UseMax {
    most: std::collections::BTreeMap<usize, f64>,
    cut: usize,
    skipped: usize,
    failed: usize,
    wanted: usize,
}

/// Say which targets' values [`use_max`] left null, and why.
fn use_max_notes(solved: &mut Solved, u: &UseMax) {
    if u.cut > 0 {
        cut_short(
            solved,
            format!(
                "ranging stopped at the time limit before {} of {} targets' largest consumption over the optimal \
                 plans; their marginal values are null",
                u.cut, u.wanted
            ),
        );
    }
    if u.skipped + u.failed > 0 {
        let note = format!(
            "{} of {} targets' largest consumption over the optimal plans could not be computed ({} past the \
             auxiliary-LP limit, {} failed); their marginal values are null",
            u.skipped + u.failed,
            u.wanted,
            u.skipped,
            u.failed
        );
        solved.sensitivity_note = Some(match solved.sensitivity_note.take() {
            Some(n) => format!("{n}; {note}"),
            None => note,
        });
    }
}

/// The time limit stopped ranging: say what is missing, in `solver.ranging` and the message.
fn cut_short(solved: &mut Solved, note: String) {
    solved.time_limit_hit = true;
    solved.message = Some(note.clone());
    solved.sensitivity_note = Some(note);
}

/// The one-sided prices where the basis is degenerate (see [`add_sensitivity`]), in place in
/// `s`: by dual simplex steps from the optimal basis `ob` ([`parametric`]), or, where the
/// basis cannot answer, by an auxiliary LP (small models, at most [`LP_PRICE_REFINEMENTS`]).
/// Returns how many one-sided prices were computed and how many were wanted (fewer computed
/// when the deadline of `aux` passed: those prices stay unknown).
fn refine_prices(
    lp: &Lp,
    x: &[f64],
    act: &[f64],
    dirs: &Directions,
    s: &mut Sensitivity,
    ob: &mut basis::OptimalBasis,
    aux: &Bounded,
) -> (usize, usize) {
    let small = lp.n_vars() <= LP_RANGING_MAX_VARS;
    let (mut refined, mut wanted, mut by_lp_count) = (0, 0, 0);
    // `SOURCING_OPT_PRICES=lp` prices by auxiliary LPs only (a cross-check of the basis method).
    let by_basis = std::env::var("SOURCING_OPT_PRICES").as_deref() != Ok("lp");
    // Limits and targets first: their one-sided values are the marginal values, and a
    // balance row's price is stated net of the targets' (which must be known first).
    // Then the balances with a demand (the report's delivered price of each demand),
    // then the other places.
    let mut order: Vec<usize> = (0..s.rows.len()).collect();
    order.sort_by_key(|&k| {
        let row = s.rows[k].row;
        match lp.rows()[row] {
            RowKey::Balance { .. } if lp.rhs()[row] != 0.0 => 1,
            RowKey::Demand(_) => 1,
            RowKey::Balance { .. } => 2,
            _ => 0,
        }
    });
    let mut pos = vec![usize::MAX; lp.n_rows()];
    for (k, r) in s.rows.iter().enumerate() {
        pos[r.row] = k;
    }
    for k in order {
        let (row, rhs) = (s.rows[k].row, s.rows[k].rhs);
        let b = lp.rhs()[row];
        let tol = 1e-9 * b.abs().max(1.0);
        let stuck_up = rhs.upper <= b + tol;
        let stuck_down = rhs.lower >= b - tol;
        let coupled = dirs.coupled(row);
        if !stuck_up && !stuck_down && coupled.is_empty() {
            continue;
        }
        // What the coupled rows carry at their right price (final by now: they are
        // not balance rows), or at their basis price when they are not tight. The
        // row's own prices are its direction's, net of that.
        let right = |c: usize| {
            if pos[c] == usize::MAX {
                s.duals[c]
            } else {
                s.rows[pos[c]].price_high
            }
        };
        let carried: f64 = coupled.iter().map(|&(c, w)| w * right(c)).sum();
        // Where the basis holds, the direction's price is `d'y` at the basis.
        let at_basis = s.duals[row] + coupled.iter().map(|&(c, w)| w * (s.duals[c] - right(c))).sum::<f64>();
        // One side is priced by an auxiliary LP where the basis is stuck: the side a marginal
        // value reads, relaxing the row (raising a limit or a demand, lowering a `>=` floor).
        // The other side (tightening) costs as much again and no value of the report depends
        // on it: it is computed on a small model for a row that moves alone, else left
        // unknown (NaN: the report's `not_computed`).
        let floor = lp.senses()[row] == Sense::Ge;
        // `relaxing`: the side a marginal value reads. The tightening side is read off the
        // basis only (no auxiliary LP, no share of the LP budget, not counted as wanted).
        let mut priced = |side: f64, relaxing: bool| {
            let dir = dirs.of(row);
            if aux.deadline.passed() {
                wanted += usize::from(relaxing);
                return f64::NAN;
            }
            if let Some(Ok(p)) = by_basis.then(|| ob.price_along(&dir, side)) {
                if relaxing {
                    (refined, wanted) = (refined + 1, wanted + 1);
                }
                return p - carried;
            }
            if !relaxing || !small || by_lp_count >= LP_PRICE_REFINEMENTS {
                return f64::NAN;
            }
            by_lp_count += 1;
            wanted += 1;
            let by_lp = if side > 0.0 {
                prices::price_right_along
            } else {
                prices::price_left_along
            };
            match by_lp(lp, x, act, &dir, aux) {
                Ok(p) => {
                    refined += 1;
                    p - carried
                }
                Err(_) if aux.deadline.passed() => f64::NAN,
                Err(_) => {
                    refined += 1; // attempted and failed: unknown, not cut short
                    f64::NAN
                }
            }
        };
        // The relaxing side first (it may need the LP budget), then the tightening side on a
        // small model, where the basis gives it cheaply (on the 2025-2030 path it would add
        // 40% to ranging); not for a balance row, whose coupled targets carry their right
        // price.
        let alone = small && coupled.is_empty();
        let (relax_up, tighten_down) = (!floor, !floor);
        let high = match (stuck_up, relax_up) {
            (false, _) => at_basis,
            (true, true) => priced(1.0, true),
            (true, false) if alone => priced(1.0, false),
            (true, false) => f64::NAN,
        };
        let low = match (stuck_down, tighten_down) {
            (false, _) => at_basis,
            (true, false) => priced(-1.0, true),
            (true, true) if alone => priced(-1.0, false),
            (true, true) => f64::NAN,
        };
        s.rows[k].price_low = low;
        s.rows[k].price_high = high;
    }
    (refined, wanted)
}

fn add_sensitivity_inner(inst: &Instance, solved: &mut Solved, dirs: &Directions) {
    if solved.status != Status::Optimal || solved.duals.is_none() {
        return;
    }
    // An interior-point plan is not a vertex: above the LP-method size, cross over to an
    // optimal vertex first; when that fails, say so rather than factorising a basis that
    // cannot reproduce the plan.
    let mut start = None;
    if solved.backend == "clarabel" && solved.model.lp.n_vars() > LP_FALLBACK_MAX_VARS {
        match to_vertex(solved) {
            Ok(b) if solved.deadline.passed() => {
                drop(b);
                cut_short(
                    solved,
                    "ranging stopped at the time limit after the crossover to an optimal vertex; no ranges are reported"
                        .into(),
                );
                return;
            }
            Ok(b) => start = Some(b),
            Err(_) if solved.deadline.passed() => {
                cut_short(
                    solved,
                    "ranging stopped at the time limit during the crossover from the interior point; no ranges are \
                     reported"
                        .into(),
                );
                return;
            }
            Err(e) => {
                solved.sensitivity_note = Some(format!(
                    "ranging skipped: an interior-point plan is not a vertex and the crossover to one failed ({e}); \
                     ranging needs a vertex plan at this size: use {VERTEX_BACKENDS}"
                ));
                return;
            }
        }
    }
    let Some(y) = solved.duals.as_ref() else {
        return;
    };
    let lp = &solved.model.lp;
    let (x, act) = (&solved.x, &solved.activities);
    let used = used_tols(lp, x);
    let cols: Vec<usize> = (0..lp.n_vars())
        .filter(|&j| x[j] > used[j] || matches!(lp.vars()[j], VarKey::Prod(_) | VarKey::Proc(_) | VarKey::Buy(_)))
        .collect();
    let aux_backend = BackendChoice::MiniLp.backend(lp.n_vars());
    let aux = &Bounded {
        backend: aux_backend.as_ref(),
        deadline: solved.deadline,
    };
    match basis::ranging_from(lp, x, act, &cols, dirs, start) {
        Ok((mut s, mut ob)) => {
            let (done, wanted) = refine_prices(lp, x, act, dirs, &mut s, &mut ob, aux);
            let mut u = use_max(inst, solved, &s, Some(&ob), aux);
            drop(ob);
            use_max_notes(solved, &u);
            s.use_max = std::mem::take(&mut u.most);
            if done < wanted {
                cut_short(
                    solved,
                    format!(
                        "ranging stopped at the time limit after {done} of {wanted} one-sided prices of degenerate rows; \
                         the missing one-sided prices (dual_low or dual_high, marginal values) are null"
                    ),
                );
            }
            solved.sensitivity = Some(s);
        }
        Err(e) if lp.n_vars() <= LP_FALLBACK_MAX_VARS => {
            // An interior-point plan is not a vertex: the auxiliary-LP method works on any
            // optimal plan. Its ranges are stated for a vertex dual.
            let y = match dual_lp::by_dual_lp(lp, x, act, aux) {
                Ok(c) if c.relative_gap <= GAP_TOL => c.y,
                _ => y.clone(),
            };
            match ranging::analyse_along(lp, x, act, &y, &cols, dirs, aux) {
                Ok(mut s) => {
                    let mut u = use_max(inst, solved, &s, None, aux);
                    use_max_notes(solved, &u);
                    s.use_max = std::mem::take(&mut u.most);
                    solved.sensitivity = Some(s);
                }
                Err(_) if solved.deadline.passed() => cut_short(
                    solved,
                    "ranging stopped at the time limit (auxiliary-LP method); no ranges are reported".into(),
                ),
                Err(e2) => solved.sensitivity_note = Some(format!("ranging failed: {e}; {e2}")),
            }
        }
        Err(e) => {
            solved.sensitivity_note = Some(format!(
                "ranging skipped: {e} (ranging needs a vertex plan at this size: use {VERTEX_BACKENDS})"
            ))
        }
    }
}

/// The method of duals found by [`crossover`].
pub const CROSSOVER_DUALS: &str =
    "crossover from the interior point to an optimal vertex: duals of its optimal basis, checked";

/// Replace an interior-point plan by an optimal vertex ([`crossover`]), checked; its
/// optimal basis, to range at.
fn to_vertex(solved: &mut Solved) -> Result<basis::Basis, String> {
    let (x, y, b) = crossover::crossover(&solved.model.lp, &solved.x, &solved.activities, None, solved.deadline)?;
    crate::solve::adopt_plan(solved, x, y, CROSSOVER_DUALS)?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::backend::{Deadline, SolveOptions};
    use std::time::Duration;

    fn shipped() -> (Instance, Solved) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../instances/usmca_critical_minerals.toml");
        let inst = sourcing_models::load_str(&std::fs::read_to_string(path).unwrap())
            .instance
            .unwrap();
        let solved = crate::solve::solve(&inst, BackendChoice::MiniLp, &SolveOptions::default());
        assert_eq!(solved.status, Status::Optimal);
        (inst, solved)
    }

    /// A deadline that passes during ranging stops the auxiliary LPs: the basis ranges are
    /// kept, the prices not computed are unknown (NaN, null in the report), and the run says
    /// it hit the time limit and how far ranging got.
    #[test]
    fn ranging_stops_at_the_deadline_and_says_how_far_it_got() {
        let (inst, mut solved) = shipped();
        solved.deadline = Deadline::after(Some(Duration::ZERO));
        let dirs = Directions::of_demand(&inst, &solved.model.lp);
        add_sensitivity_inner(&inst, &mut solved, &dirs);
        assert!(solved.time_limit_hit);
        let note = solved.sensitivity_note.as_deref().unwrap();
        assert!(
            note.starts_with("ranging stopped at the time limit after 0 of "),
            "{note}"
        );
        assert!(note.contains("null"), "{note}");
        assert_eq!(solved.message.as_deref(), Some(note));
        let s = solved.sensitivity.as_ref().expect("the basis ranges are kept");
        assert!(s.rows.iter().any(|r| r.price_high.is_nan()));
        assert!(s.rows.iter().any(|r| r.price_high.is_finite()));
        // The plan is untouched.
        assert_eq!(solved.status, Status::Optimal);
    }

    /// A deadline that passed before ranging: no ranging, the plan stays optimal.
    #[test]
    fn ranging_is_skipped_when_the_deadline_has_passed() {
        let (inst, mut solved) = shipped();
        solved.deadline = Deadline::after(Some(Duration::ZERO));
        add_sensitivity(&inst, &mut solved);
        assert!(solved.time_limit_hit);
        assert!(solved.sensitivity.is_none());
        assert_eq!(solved.status, Status::Optimal);
        assert!(solved.sensitivity_note.as_deref().unwrap().contains("time limit"));
    }

    /// The hint names only backends this build has.
    #[test]
    fn the_vertex_backend_hint_names_only_backends_of_this_build() {
        for name in VERTEX_BACKENDS.split(" or ") {
            let b = name.strip_prefix("--backend ").unwrap();
            assert!(BackendChoice::parse(b).is_some(), "{b} is not a backend of this build");
        }
        let (inst, mut solved) = shipped();
        solved.backend = "clarabel";
        // A plan the crossover's vertex cannot match (it claims a lower cost than the
        // optimum): the crossover's answer is refused, ranging is skipped with the hint.
        solved.objective *= 0.5;
        add_sensitivity(&inst, &mut solved);
        let note = solved.sensitivity_note.unwrap();
        assert!(note.contains("the crossover to one failed"), "{note}");
        assert!(note.contains(VERTEX_BACKENDS), "{note}");
        assert_eq!(note.contains("highs"), cfg!(feature = "highs"), "{note}");
    }

    /// Without a deadline nothing is cut short.
    #[test]
    fn without_a_deadline_ranging_is_complete() {
        let (inst, mut solved) = shipped();
        add_sensitivity(&inst, &mut solved);
        assert!(!solved.time_limit_hit);
        assert!(solved.sensitivity_note.is_none());
        assert!(solved.message.is_none());
    }
}
