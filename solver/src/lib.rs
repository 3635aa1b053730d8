//! sourcing-opt: from a validated instance to an optimal, checked sourcing plan.
//!
//! [`formulate`] builds the linear program of the model contract with a named row for every
//! constraint, [`backend`] solves it (microlp simplex or Clarabel interior point, HiGHS as an
//! option), [`solve`] checks the answer independently, [`report`] renders it, [`export`]
//! writes it for other solvers, and [`cli`] is the thin command-line layer.
//!
//! ```
//! let src = "[meta]\nname = \"t\"\n[[countries]]\nid = \"US\"\n[[regions]]\nid = \"R\"\ncountry = \"US\"\n\
//! [[materials]]\nid = \"ag\"\nprice = 10\n[[mines]]\nid = \"m\"\nregion = \"R\"\nmaterial = \"ag\"\n\
//! capacity = 10\ncost = 3\n[[demands]]\nregion = \"R\"\nmaterial = \"ag\"\nquantity = 4\n";
//! let inst = sourcing_models::load_str(src).instance.unwrap();
//! let solved = sourcing_opt::solve::solve(&inst, sourcing_opt::backend::BackendChoice::Auto, &Default::default());
//! assert!((solved.objective - 12.0).abs() < 1e-9);
//! ```

pub mod aggregate;
pub mod backend;
pub mod basis;
pub mod cli;
pub mod compare;
pub mod diagnose;
pub mod duals;
pub mod export;
pub mod formulate;
pub mod generate;
pub mod lp;
pub mod pipeline;
pub mod presolve;
pub mod ranging;
pub mod report;
pub mod solve;
pub mod stress;
pub mod sweep;
