//! Shadow prices checked against what we did not compute: re-solves with the right-hand side
//! nudged (finite differences), on every backend, for `<=`, `>=` and `=` rows.
//!
//! The optimal cost `v(b)` is convex and piecewise linear in the right-hand side, so any
//! optimal dual satisfies `left derivative <= y_i <= right derivative`; where the two
//! derivatives agree the price is unique and the dual must equal it. Both are asserted.

use sourcing_opt::lp::{Lp, RowKey, Sense, VarKey};
use sourcing_opt::model::formulate::{self, Model};
use sourcing_opt::model::generate::Rng;
use sourcing_opt::solve::backend::BackendChoice;
use sourcing_opt::solve::{solve_model, Status};

fn backends() -> Vec<BackendChoice> {
    #[allow(unused_mut)]
    let mut v = vec![BackendChoice::MiniLp, BackendChoice::Clarabel];
    #[cfg(feature = "highs")]
    v.push(BackendChoice::Highs);
    v
}

/// A feasible, bounded LP with every row sense: positive costs, rows built around a known
/// feasible point.
fn random_lp(seed: u64) -> Lp {
    // The generator of `generate`: seeded, so failures reproduce.
    let mut r = Rng::new(seed);
    let n = 6 + (r.unit() * 6.0) as usize;
    let m = 4 + (r.unit() * 5.0) as usize;
    let mut lp = Lp::default();
    let x0: Vec<f64> = (0..n).map(|_| 1.0 + 9.0 * r.unit()).collect();
    for j in 0..n {
        lp.add_var(VarKey::Aux(j as u32), 1.0 + (r.unit() * 20.0).round());
    }
    for i in 0..m {
        let mut terms = Vec::new();
        for j in 0..n {
            if r.unit() < 0.5 {
                terms.push((j as u32, 1.0 + (r.unit() * 4.0).round()));
            }
        }
        if terms.is_empty() {
            terms.push(((i % n) as u32, 1.0));
        }
        let act: f64 = terms.iter().map(|&(j, a)| a * x0[j as usize]).sum();
        let (sense, rhs) = match i % 3 {
            0 => (Sense::Ge, (act * (0.5 + 0.5 * r.unit())).round()),
            1 => (Sense::Le, (act * (1.0 + r.unit())).round()),
            _ => (Sense::Eq, act.round()),
        };
        // Round the point to keep `=` rows consistent with integer right-hand sides.
        lp.add_row(RowKey::Aux(i as u32), &mut terms, sense, rhs);
    }
    lp
}

fn model(lp: Lp) -> Model {
    Model {
        lp,
        ..Default::default()
    }
}

fn objective(lp: &Lp, backend: BackendChoice) -> Option<f64> {
    let s = solve_model(model(lp.clone()), 0.0, backend, &Default::default());
    (s.status == Status::Optimal).then_some(s.objective)
}

/// Left and right finite differences of the optimal cost in `rhs[i]` (None = infeasible).
fn finite_differences(lp: &Lp, i: usize, h: f64, base: f64) -> (Option<f64>, Option<f64>) {
    let mut up = lp.clone();
    up.rhs_mut()[i] += h;
    let mut down = lp.clone();
    down.rhs_mut()[i] -= h;
    // The simplex gives the reference values: exact vertices.
    let right = objective(&up, BackendChoice::MiniLp).map(|v| (v - base) / h);
    let left = objective(&down, BackendChoice::MiniLp).map(|v| (base - v) / h);
    (left, right)
}

fn check_subgradient(lp: &Lp, backend: BackendChoice, label: &str) -> (usize, usize) {
    let solved = solve_model(model(lp.clone()), 0.0, backend, &Default::default());
    if solved.status != Status::Optimal {
        return (0, 0);
    }
    let y = solved.duals.as_ref().expect("an optimal solve always carries duals");
    let base = objective(lp, BackendChoice::MiniLp).expect("the simplex solves what the backend solved");
    let mut checked = 0;
    let mut unique = 0;
    for i in 0..lp.n_rows() {
        // Sign convention, independent of the differences.
        match lp.senses()[i] {
            Sense::Le => assert!(y[i] <= 1e-6, "{label}: <= row {i} has dual {} > 0", y[i]),
            Sense::Ge => assert!(y[i] >= -1e-6, "{label}: >= row {i} has dual {} < 0", y[i]),
            Sense::Eq => {}
        }
        let h = 1e-3 * lp.rhs()[i].abs().max(1.0);
        let (left, right) = finite_differences(lp, i, h, base);
        let tol = 1e-4 * (1.0 + y[i].abs());
        if let Some(r) = right {
            assert!(
                y[i] <= r + tol,
                "{label}: row {i} ({}) dual {} above right derivative {r}",
                lp.senses()[i].symbol(),
                y[i]
            );
        }
        if let Some(l) = left {
            assert!(
                y[i] >= l - tol,
                "{label}: row {i} ({}) dual {} below left derivative {l}",
                lp.senses()[i].symbol(),
                y[i]
            );
        }
        if let (Some(l), Some(r)) = (left, right) {
            if (l - r).abs() <= 1e-7 * (1.0 + l.abs()) {
                approx::assert_relative_eq!(y[i], r, epsilon = 1e-5, max_relative = 1e-5);
                unique += 1;
            }
        }
        checked += 1;
    }
    (checked, unique)
}

#[test]
fn duals_are_subgradients_on_random_lps_on_every_backend() {
    for backend in backends() {
        let mut checked = 0;
        let mut unique = 0;
        let mut senses = [0usize; 3];
        for seed in 1..=40 {
            let lp = random_lp(seed);
            for s in lp.senses() {
                senses[*s as usize] += 1;
            }
            let (c, u) = check_subgradient(&lp, backend, &format!("{backend:?} seed {seed}"));
            checked += c;
            unique += u;
        }
        assert!(checked > 150, "{backend:?}: only {checked} rows checked");
        assert!(unique > 50, "{backend:?}: only {unique} rows with a unique price");
        assert!(senses.iter().all(|&k| k > 30), "every sense is exercised: {senses:?}");
    }
}

fn load(path: &str) -> sourcing_models::Instance {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    sourcing_models::load_str(&src)
        .instance
        .unwrap_or_else(|| panic!("{path} is invalid"))
}

/// Every row of the shipped and textbook instances: the reported dual lies between the
/// finite-difference derivatives, on every backend.
#[test]
fn contract_rows_have_subgradient_duals_on_every_backend() {
    for path in [
        "instances/textbook/powerco_transport.toml",
        "instances/textbook/silver_tax_chain.toml",
        "instances/textbook/import_cap_binding.toml",
        "instances/textbook/bidirectional_filters.toml",
        "instances/textbook/lead_time_imports.toml",
        "instances/textbook/reserve_price_spike.toml",
        "instances/textbook/discount_build_year.toml",
        "instances/textbook/origin_tariff_waiver.toml",
        "instances/textbook/origin_cap.toml",
        "instances/textbook/origin_by_country.toml",
    ] {
        let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
        if !std::path::Path::new(&full).exists() {
            panic!("missing instance {path}");
        }
        let inst = load(path);
        let lp = formulate::build(&inst).lp;
        for backend in backends() {
            let (checked, _) = check_subgradient(&lp, backend, &format!("{path} {backend:?}"));
            assert_eq!(checked, lp.n_rows(), "{path}: every row checked");
        }
    }
}

/// The target's marginal value per 1.0 of share is the cost saved by relaxing the share:
/// compare with a re-solve at a slightly larger share.
#[test]
fn target_marginal_value_matches_a_relaxed_resolve() {
    let inst = load("instances/textbook/import_cap_binding.toml");
    assert!(!inst.targets.is_empty());
    let mut checked = 0;
    for t in 0..inst.targets.len() {
        let base = sourcing_opt::solve::solve(&inst, BackendChoice::MiniLp, &Default::default());
        assert_eq!(base.status, Status::Optimal);
        let report = sourcing_opt::report::build(
            &inst,
            &base,
            sourcing_opt::report::InstanceInfo {
                name: String::new(),
                path: String::new(),
                sha256: String::new(),
                overrides: vec![],
                scenario: None,
            },
        );
        let mv = report.targets[t]
            .marginal_value
            .expect("optimal runs carry marginal values");
        let h = 1e-4;
        let mut relaxed = inst.clone();
        let share = inst.targets[t].max_import_share.first();
        relaxed.targets[t].max_import_share = ((share + h).min(1.0)).into();
        let step = relaxed.targets[t].max_import_share.first() - share;
        if step <= 0.0 {
            continue;
        }
        let r = sourcing_opt::solve::solve(&relaxed, BackendChoice::MiniLp, &Default::default());
        let saved = (base.objective - r.objective) / step;
        assert!(mv >= 0.0, "marginal value is a saving, never negative: {mv}");
        // The derivative in the relaxing direction; allow for curvature over the step.
        approx::assert_relative_eq!(mv, saved, epsilon = 1e-3, max_relative = 1e-3);
        checked += 1;
    }
    // A target already at a share of 1 cannot be relaxed and is skipped; the instance's one
    // target (0.4) must be checked.
    assert!(checked >= 1, "no target marginal value was compared with a re-solve");
}

/// The duals a report prints are an optimal dual of the LP it states: dual feasible and with
/// the plan's cost, within the certificate's tolerance, after the cleaning of interior-point
/// dust (a slack row's price set to 0). On the 2025-2030 path the interior point leaves the
/// capacity rows of projects not yet built slack by micrograms with prices of hundreds of
/// USD/t the reduced costs need; zeroing them printed `plant_capacity[nmg_becancour@2029]` at
/// 0, against -803 at the simplex's vertex. Checked on every backend's default solve of the
/// shipped instances (Clarabel's is the path's default).
#[test]
fn reported_duals_are_dual_feasible_on_every_backend() {
    use sourcing_opt::lp::certify::{certify, column_dual_scales, reduced_costs};
    use sourcing_opt::lp::check::GAP_TOL;
    use sourcing_opt::solve::backend::SolveOptions;
    let mut kept = 0;
    for (path, backends) in [
        ("instances/usmca_2025_2030.toml", vec![BackendChoice::Clarabel]),
        ("instances/usmca_critical_minerals.toml", backends()),
        ("instances/textbook/lead_time_imports.toml", backends()),
        ("instances/textbook/origin_by_country.toml", backends()),
    ] {
        let inst = load(path);
        for backend in backends {
            let solved = sourcing_opt::solve::solve(&inst, backend, &SolveOptions::default());
            assert_eq!(solved.status, Status::Optimal, "{path} {backend:?}");
            let lp = &solved.model.lp;
            let y = solved.duals.clone().expect("duals");
            // Dual feasibility `c_j - a_j'y >= 0` on the scale of each column's terms (a
            // zero-cost flow between places priced at 10,000 USD/t is judged against 10,000).
            let c = certify(lp, &solved.x, y.clone(), "report");
            assert!(
                c.relative_gap <= GAP_TOL,
                "{path} {backend:?}: gap {:.3e}",
                c.relative_gap
            );
            let rc = reduced_costs(lp, &y);
            for (j, s) in column_dual_scales(lp, &y).iter().enumerate() {
                assert!(
                    rc[j] >= -GAP_TOL * s,
                    "{path} {backend:?}: column {} has reduced cost {:.3e} (scale {s:.3e}) under the report's duals",
                    lp.var_name(j, &inst),
                    rc[j]
                );
            }
            for (i, sense) in lp.senses().iter().enumerate() {
                let wrong = match sense {
                    Sense::Le => y[i] > 0.0,
                    Sense::Ge => y[i] < 0.0,
                    Sense::Eq => false,
                };
                assert!(
                    !wrong,
                    "{path} {backend:?}: row {} has a dual of the wrong sign",
                    lp.row_name(i, &inst)
                );
            }
            // Prices kept on rows an interior point left slack by dust.
            kept += (0..lp.n_rows())
                .filter(|&i| y[i] != 0.0 && sourcing_opt::lp::check::slack(lp, i, solved.activities[i]) > 0.0)
                .filter(|&i| !sourcing_opt::lp::check::is_binding(lp, i, solved.activities[i]))
                .count();
        }
    }
    assert!(
        kept > 0,
        "no interior-point price kept on a dust-slack row: the case is not exercised"
    );
}
