//! The instance as a linear program: [`formulate`] builds the LP of the model contract,
//! [`export`] writes it for other solvers, [`generate`] makes synthetic instances of the
//! contract for scale tests.

pub mod export;
pub mod formulate;
pub mod generate;
