//! What-if analysis on top of the pipeline: [`sweep`] (one solve per point of a grid of
//! overrides), [`stress`] (N-1 disruption ranking), [`permits`] (which lead times to cut)
//! and [`compare`] (what changed between two reports); [`shard`] cuts a sweep or stress run
//! into slices for a cluster and checks them for the merge, [`records`] is what a slice's
//! file keeps of each point.

pub mod compare;
pub mod permits;
pub mod records;
pub mod shard;
pub mod stress;
pub mod sweep;
