//! One-sided prices of a row over all optimal duals: the left and right derivatives of the
//! optimal cost in its right-hand side, each one LP over the restricted dual system.
//!
//! A right-hand side that moves with others (a demand: its balance row and the targets
//! covering it, see [`Directions`]) is priced along that direction `d`: the
//! derivatives of the cost along `d` are the least and greatest `d'y` over the optimal duals.

use crate::lp::{Lp, RowKey};
use crate::model::formulate::target_membership;
use crate::solve::backend::Backend;
use crate::solve::dual_lp::DualSystem;
use sourcing_models::Instance;

/// How raising one row's right-hand side by one unit moves the right-hand sides of the LP.
///
/// A right-hand side is usually a parameter of its own (a capacity, a cap). A balance row's
/// is not: it is the demand at its region, and the same demand is part of the consumption
/// `C_t` of every target covering that region and material, whose row carries `s_t * C_t` on
/// its right (the contract's constant part moved right). One more tonne of demand therefore
/// raises the balance row by 1 *and* each covering target row by `s_t`. Moving the balance
/// row alone is not something a user can do, and it is often infeasible: under a cap of 1.0
/// that binds (every tonne imported) an extra tonne that does not count as consumption
/// breaks the cap. Prices and ranges of a row are taken along its direction.
#[derive(Debug, Clone, Default)]
pub struct Directions {
    /// For each row, the other rows that move with it, with their weights (empty: none).
    coupled: Vec<Vec<(usize, f64)>>,
}

impl Directions {
    /// Every right-hand side moves alone (a plain LP).
    pub fn independent() -> Self {
        Directions::default()
    }

    /// The directions of one more tonne of demand for the model of `inst`: each balance row
    /// (each `demand` row with origin tracking) moves with the target rows covering it (material and scope) in the same period,
    /// weighted by that period's `s_t`.
    pub fn of_demand(inst: &Instance, lp: &Lp) -> Self {
        let n_targets = inst.targets.len();
        let mut target_row = vec![usize::MAX; inst.n_periods() * n_targets];
        for (i, key) in lp.rows().iter().enumerate() {
            if let RowKey::Target(t) = *key {
                target_row[lp.row_period(i) * n_targets + t as usize] = i;
            }
        }
        let in_scope: Vec<Vec<bool>> = (0..inst.targets.len()).map(|t| target_membership(inst, t).0).collect();
        let mut coupled = vec![Vec::new(); lp.n_rows()];
        for (i, key) in lp.rows().iter().enumerate() {
            // The row that carries a demand: its balance without origin tracking, its
            // `demand` row with (a tracked balance has no demand on its right).
            let (region, material) = match *key {
                RowKey::Balance { region, material } if inst.origin.is_none() => (region, material),
                RowKey::Demand(d) => {
                    let dem = &inst.demands[d as usize];
                    (dem.region as u32, dem.material as u32)
                }
                _ => continue,
            };
            let country = inst.region_country(region as usize);
            let p = lp.row_period(i);
            for (t, target) in inst.targets.iter().enumerate() {
                let s = target.max_import_share.at(p);
                let row = target_row[p * n_targets + t];
                if target.material == material as usize && in_scope[t][country] && row != usize::MAX && s != 0.0 {
                    coupled[i].push((row, s));
                }
            }
        }
        Directions { coupled }
    }

    /// The rows that move with row `i` (not `i` itself), with their weights.
    pub fn coupled(&self, i: usize) -> &[(usize, f64)] {
        self.coupled.get(i).map_or(&[], |v| v.as_slice())
    }

    /// The direction of row `i`: `(i, 1)` and the rows that move with it.
    pub fn of(&self, i: usize) -> Vec<(usize, f64)> {
        let mut d = vec![(i, 1.0)];
        d.extend_from_slice(self.coupled(i));
        d
    }
}

/// The largest price of row `i` over all optimal duals: the right derivative of the
/// optimal cost in `rhs[i]` (infinite when raising it makes the plan infeasible).
pub fn price_right(lp: &Lp, x: &[f64], activities: &[f64], i: usize, backend: &dyn Backend) -> Result<f64, String> {
    price_right_along(lp, x, activities, &[(i, 1.0)], backend)
}

/// The right derivative of the optimal cost along the right-hand-side direction `dir`
/// (rows and weights): the largest `dir'y` over all optimal duals (infinite when moving
/// that way makes the plan infeasible).
pub fn price_right_along(
    lp: &Lp,
    x: &[f64],
    activities: &[f64],
    dir: &[(usize, f64)],
    backend: &dyn Backend,
) -> Result<f64, String> {
    extreme_along(lp, x, activities, dir, backend, 1.0)
}

/// The left derivative of the optimal cost along the right-hand-side direction `dir`: the
/// smallest `dir'y` over all optimal duals (minus infinity when moving the other way makes
/// the plan infeasible). The price of one unit less of a floor (a `>=` row).
pub fn price_left_along(
    lp: &Lp,
    x: &[f64],
    activities: &[f64],
    dir: &[(usize, f64)],
    backend: &dyn Backend,
) -> Result<f64, String> {
    extreme_along(lp, x, activities, dir, backend, -1.0)
}

/// `side * max(side * dir'y)` over the optimal duals: the largest `dir'y` for `side = 1`,
/// the smallest for `side = -1` (infinite, of that sign, when the dual LP is unbounded).
fn extreme_along(
    lp: &Lp,
    x: &[f64],
    activities: &[f64],
    dir: &[(usize, f64)],
    backend: &dyn Backend,
    side: f64,
) -> Result<f64, String> {
    let mut sys = DualSystem::new(lp, Some((x, activities)), None)?;
    let objective: Vec<(usize, f64)> = dir.iter().map(|&(k, w)| (k, -side * w)).collect();
    Ok(sys
        .minimise(&objective, backend)?
        .map(|y| along(dir, &y))
        .unwrap_or(side * f64::INFINITY))
}

/// The smallest and largest price of row `i` over all optimal duals: the left and right
/// derivatives of the optimal cost with respect to `rhs[i]` (infinite when moving the
/// right-hand side that way makes the plan infeasible).
pub fn price_interval(
    lp: &Lp,
    x: &[f64],
    activities: &[f64],
    i: usize,
    backend: &dyn Backend,
) -> Result<(f64, f64), String> {
    price_interval_along(lp, x, activities, &[(i, 1.0)], backend)
}

/// The left and right derivatives of the optimal cost along the direction `dir`: the
/// smallest and largest `dir'y` over all optimal duals.
pub fn price_interval_along(
    lp: &Lp,
    x: &[f64],
    activities: &[f64],
    dir: &[(usize, f64)],
    backend: &dyn Backend,
) -> Result<(f64, f64), String> {
    let mut sys = DualSystem::new(lp, Some((x, activities)), None)?;
    let lo = sys
        .minimise(dir, backend)?
        .map(|y| along(dir, &y))
        .unwrap_or(f64::NEG_INFINITY);
    let neg: Vec<(usize, f64)> = dir.iter().map(|&(k, w)| (k, -w)).collect();
    let hi = sys
        .minimise(&neg, backend)?
        .map(|y| along(dir, &y))
        .unwrap_or(f64::INFINITY);
    Ok((lo, hi))
}

fn along(dir: &[(usize, f64)], y: &[f64]) -> f64 {
    dir.iter().map(|&(k, w)| w * y[k]).sum()
}
