//! One-sided prices of a row over all optimal duals: the left and right derivatives of the
//! optimal cost in its right-hand side, each one LP over the restricted dual system.

use crate::lp::Lp;
use crate::solve::backend::Backend;
use crate::solve::dual_lp::DualSystem;

/// The largest price of row `i` over all optimal duals: the right derivative of the
/// optimal cost in `rhs[i]` (infinite when raising it makes the plan infeasible).
pub fn price_right(lp: &Lp, x: &[f64], activities: &[f64], i: usize, backend: &dyn Backend) -> Result<f64, String> {
    let mut sys = DualSystem::new(lp, Some((x, activities)), None)?;
    Ok(sys
        .minimise(&[(i, -1.0)], backend)?
        .map(|y| y[i])
        .unwrap_or(f64::INFINITY))
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
    let mut sys = DualSystem::new(lp, Some((x, activities)), None)?;
    let lo = sys
        .minimise(&[(i, 1.0)], backend)?
        .map(|y| y[i])
        .unwrap_or(f64::NEG_INFINITY);
    let hi = sys
        .minimise(&[(i, -1.0)], backend)?
        .map(|y| y[i])
        .unwrap_or(f64::INFINITY);
    Ok((lo, hi))
}
