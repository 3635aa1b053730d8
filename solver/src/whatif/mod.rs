//! What-if analysis on top of the pipeline: [`sweep`] (one solve per point of a grid of
//! overrides), [`stress`] (N-1 disruption ranking), [`permits`] (which lead times to cut)
//! and [`compare`] (what changed between two reports).

pub mod compare;
pub mod permits;
pub mod stress;
pub mod sweep;
