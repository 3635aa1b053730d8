//! One instance to one report: solve, sensitivity, diagnosis. Shared by `solve`, `sweep` and
//! `stress`, so every command reports a point the same way.

use crate::backend::{BackendChoice, SolveOptions};
use crate::diagnose;
use crate::report::{self, InstanceInfo, Report};
use crate::solve::{self, Solved, Status};
use sourcing_models::Instance;

/// When to compute sensitivity ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranging {
    /// Up to [`RANGING_AUTO_MAX_VARS`] variables.
    Auto,
    On,
    Off,
}

impl Ranging {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(Ranging::Auto),
            "on" => Some(Ranging::On),
            "off" => Some(Ranging::Off),
            _ => None,
        }
    }
}

/// `--ranging auto` computes ranges up to this many variables (one basis factorisation,
/// plus auxiliary LPs for degenerate prices on models up to 3,000 variables).
pub const RANGING_AUTO_MAX_VARS: usize = 20_000;

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub backend: BackendChoice,
    pub solve: SolveOptions,
    pub ranging: Ranging,
    /// Explain an infeasible plan (relaxations and conflict set).
    pub diagnose: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            backend: BackendChoice::Auto,
            solve: SolveOptions::default(),
            ranging: Ranging::Auto,
            diagnose: true,
        }
    }
}

/// Solve `inst` and build its report. The [`Solved`] is returned too, for callers that need
/// the raw LP solution.
pub fn run(inst: &Instance, info: InstanceInfo, opts: &RunOptions) -> (Report, Solved) {
    let mut solved = solve::solve(inst, opts.backend, &opts.solve);
    let n = solved.model.lp.n_vars();
    match opts.ranging {
        Ranging::On => solve::add_sensitivity(&mut solved),
        Ranging::Auto if n <= RANGING_AUTO_MAX_VARS => solve::add_sensitivity(&mut solved),
        _ => {}
    }
    let mut rep = report::build(inst, &solved, info);
    if solved.status == Status::Infeasible && opts.diagnose {
        let backend = BackendChoice::Auto.backend(n);
        rep.diagnosis = Some(diagnose::diagnose(inst, &solved.model, backend.as_ref()));
    }
    (rep, solved)
}
