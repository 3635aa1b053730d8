//! LP backends behind one small trait. Every backend answers in the same terms: a status, the
//! primal values, and (when it can give them) row duals in our single sign convention,
//! `dual[i] = d(total cost) / d(rhs[i])` for the row as written in [`crate::lp::Lp`].

mod api;
mod clarabel;
mod goodlp;
mod ipm;
mod lazy;

pub use api::{
    aux_options, human_bytes, memory_limit, Backend, Bounded, Deadline, Outcome, RawSolution, Reoptimised,
    SolveOptions, WarmStart, VERTEX_BACKENDS,
};
pub use clarabel::Clarabel;
#[cfg(feature = "highs")]
pub use goodlp::Highs;
pub use goodlp::MiniLp;

/// The backends a user can name with `--backend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    MiniLp,
    Clarabel,
    #[cfg(feature = "highs")]
    Highs,
    Auto,
}

/// Above this many variables `auto` picks the interior-point backend.
///
/// Clarabel (after the presolve) is the faster of the two at every size we measured
/// (`solver/benches/scale.sh`, end to end: 0.009 s against 0.028 s at 1k variables, 0.036 s
/// against 0.97 s at 10k), but its plan is not a vertex, and the exact basis ranging of the
/// report needs one. Up to the size where that ranging is affordable
/// ([`crate::sensitivity::LP_RANGING_MAX_VARS`]) `auto` therefore keeps the simplex (0.07 s end to
/// end on the 2,579-variable baseline with `--ranging off`); above it, speed wins.
pub const AUTO_CROSSOVER_VARS: usize = 3_000;

impl BackendChoice {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "minilp" | "microlp" => Some(BackendChoice::MiniLp),
            "clarabel" => Some(BackendChoice::Clarabel),
            #[cfg(feature = "highs")]
            "highs" => Some(BackendChoice::Highs),
            "auto" => Some(BackendChoice::Auto),
            _ => None,
        }
    }

    pub fn names() -> &'static [&'static str] {
        #[cfg(feature = "highs")]
        return &["auto", "minilp", "clarabel", "highs"];
        #[cfg(not(feature = "highs"))]
        return &["auto", "minilp", "clarabel"];
    }

    /// Resolve `auto` for a model size.
    pub fn resolve(self, n_vars: usize) -> BackendChoice {
        match self {
            BackendChoice::Auto if n_vars > AUTO_CROSSOVER_VARS => BackendChoice::Clarabel,
            BackendChoice::Auto => BackendChoice::MiniLp,
            other => other,
        }
    }

    pub fn backend(self, n_vars: usize) -> Box<dyn Backend> {
        match self.resolve(n_vars) {
            BackendChoice::MiniLp => Box::new(MiniLp),
            BackendChoice::Clarabel => Box::new(Clarabel::default()),
            #[cfg(feature = "highs")]
            BackendChoice::Highs => Box::new(Highs),
            BackendChoice::Auto => unreachable!("resolved above"),
        }
    }
}
