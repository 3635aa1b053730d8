//! What sensitivity analysis says about a solution of an LP, by row and column index: the
//! ranges themselves are computed in [`crate::sensitivity`].

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub lower: f64,
    pub upper: f64,
}

/// Sensitivity of one row: its price interval over all optimal duals (left and right
/// derivatives of the cost) and the right-hand-side interval over which `dual` holds.
#[derive(Debug, Clone, PartialEq)]
pub struct RowSensitivity {
    pub row: usize,
    pub price_low: f64,
    pub price_high: f64,
    pub rhs: Range,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColSensitivity {
    pub col: usize,
    pub cost: Range,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub method: &'static str,
    /// The (vertex) dual the right-hand-side ranges are stated for.
    pub duals: Vec<f64>,
    pub rows: Vec<RowSensitivity>,
    pub cols: Vec<ColSensitivity>,
    /// An unused column that could carry flow at the same total cost, and how much.
    pub alternative: Option<(usize, f64)>,
    /// For a row whose coefficients scale with a parameter (a target's `s_t * C_t`): the
    /// largest value of that coefficient's column sum over the optimal plans, by row (NaN:
    /// not computed). See [`crate::sensitivity::add_sensitivity`].
    pub use_max: std::collections::BTreeMap<usize, f64>,
}
