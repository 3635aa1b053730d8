//! sourcing-opt: from a validated instance to an optimal, checked sourcing plan.
//!
//! The modules are the stages of the pipeline, each using only the ones above it:
//!
//! 1. [`lp`]: our linear program with typed row and column keys, the tolerances, our own
//!    feasibility check, the optimality certificate (it knows no backend) and the sparse LU
//!    of a basis;
//! 2. [`model`]: the instance as a linear program ([`model::formulate`], one function per
//!    constraint family), its export for other solvers, and synthetic instances;
//! 3. [`solve`]: backends (microlp simplex, Clarabel interior point after our presolve,
//!    HiGHS as an option) and the checked solve;
//! 4. [`sensitivity`]: price and right-hand-side ranges, cost ranges, one-sided prices;
//! 5. [`diagnose`]: why an instance has no plan and the least change that gives it one;
//! 6. [`report`]: the report of a solve and its renderers;
//! 7. [`pipeline`]: from a file (with overrides) to a report, shared by every command;
//! 8. [`whatif`]: sweeps, disruption rankings and comparisons of reports;
//! 9. [`cli`]: the thin command-line layer.
//!
//! ```
//! let src = "[meta]\nname = \"t\"\n[[countries]]\nid = \"US\"\n[[regions]]\nid = \"R\"\ncountry = \"US\"\n\
//! [[materials]]\nid = \"ag\"\nprice = 10\n[[mines]]\nid = \"m\"\nregion = \"R\"\nmaterial = \"ag\"\n\
//! capacity = 10\ncost = 3\n[[demands]]\nregion = \"R\"\nmaterial = \"ag\"\nquantity = 4\n";
//! let inst = sourcing_models::load_str(src).instance.unwrap();
//! let solved = sourcing_opt::solve::solve(&inst, sourcing_opt::solve::backend::BackendChoice::Auto, &Default::default());
//! assert!((solved.objective - 12.0).abs() < 1e-9);
//! ```

pub mod cli;
pub mod diagnose;
pub mod lp;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod sensitivity;
pub mod solve;
pub mod whatif;
