//! One instance to one report: loading ([`load`]), solve, sensitivity, diagnosis. Shared by
//! `solve`, `sweep` and `stress`, so every command reports a point the same way.

pub mod load;

use crate::diagnose;
use crate::report::{self, InstanceInfo, Report};
use crate::solve::backend::{BackendChoice, SolveOptions};
use crate::solve::{self, Solved, Status};
pub use load::{load, Checked, Input, LoadError, Loaded, Source};
use sourcing_models::overrides::Override;
use sourcing_models::{Diagnostic, Instance, Severity};

/// When to compute sensitivity ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranging {
    /// Up to [`RANGING_AUTO_MAX_VARS`] variables.
    Auto,
    On,
    Off,
}

/// `--ranging auto` computes ranges up to this many variables (one basis factorisation,
/// plus auxiliary LPs for degenerate prices on models up to 3,000 variables).
pub const RANGING_AUTO_MAX_VARS: usize = 100_000;

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub backend: BackendChoice,
    pub solve: SolveOptions,
    pub ranging: Ranging,
    /// Explain an infeasible plan (relaxations and conflict set).
    pub diagnose: bool,
    /// With `diagnose`: also search the conflict set (one LP per candidate row).
    pub conflict: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            backend: BackendChoice::Auto,
            solve: SolveOptions::default(),
            ranging: Ranging::Auto,
            diagnose: true,
            conflict: true,
        }
    }
}

/// `opts` with the duals of an optimal basis offered to a simplex that gives none (the solve
/// stage cannot reach the sensitivity stage that computes them): one factorisation instead
/// of a dual LP, which microlp may fail to solve on large degenerate models (the 2025-2030
/// path with origin tracking); and with the dual simplex that finishes the lazy lane
/// capacities from their first round's basis.
pub fn solve_options(opts: &SolveOptions) -> SolveOptions {
    SolveOptions {
        basis_duals: opts.basis_duals.or(Some(crate::sensitivity::basis::vertex_duals)),
        warm_start: opts.warm_start.or(Some(crate::sensitivity::dual_simplex::reoptimise)),
        ..opts.clone()
    }
}

/// Solve `inst` and build its report. The [`Solved`] is returned too, for callers that need
/// the raw LP solution.
///
/// `opts.solve.time_limit` bounds the whole run from its start: the solve, the duals, the
/// ranging and the diagnosis of an infeasible plan all end by one deadline. When it cuts any
/// of them short, `Solved::time_limit_hit` is set and the report says which part is missing
/// (an optimal plan stays reported in full, its missing ranging null).
pub fn run(inst: &Instance, info: InstanceInfo, opts: &RunOptions) -> (Report, Solved) {
    run_with_phases(inst, info, opts, &mut |_| {})
}

/// [`run`], telling `phase` what it starts (`solving`, `ranging`, `building the report`,
/// `diagnosing`), for a progress line.
pub fn run_with_phases(
    inst: &Instance,
    info: InstanceInfo,
    opts: &RunOptions,
    phase: &mut dyn FnMut(&'static str),
) -> (Report, Solved) {
    phase("solving");
    let mut solved = solve::solve(inst, opts.backend, &solve_options(&opts.solve));
    let n = solved.model.lp.n_vars();
    let ranging = match opts.ranging {
        Ranging::On => true,
        Ranging::Auto => n <= RANGING_AUTO_MAX_VARS,
        Ranging::Off => false,
    };
    if ranging {
        phase("ranging");
        crate::sensitivity::add_sensitivity(inst, &mut solved);
    }
    phase("building the report");
    let mut rep = report::build(inst, &solved, info);
    if solved.status == Status::Infeasible && opts.diagnose {
        phase("diagnosing");
        let backend = BackendChoice::Auto.backend(n);
        let d = diagnose::diagnose_with(inst, &solved.model, backend.as_ref(), solved.deadline, opts.conflict);
        if let Some(why) = &d.incomplete {
            // Cut short by the time limit (exit 5), or complete with relaxations it could not
            // confirm (still a proved infeasibility: exit 3); the message says which.
            solved.time_limit_hit |= solved.deadline.passed();
            rep.message.get_or_insert_with(|| why.clone());
        }
        rep.diagnosis = Some(d);
    }
    (rep, solved)
}

/// A solved point of a sweep or stress run: its instance and its report.
pub struct Point {
    pub instance: Instance,
    pub report: Report,
}

/// Apply `extra` overrides (a sweep point's, a stress case's) after the source's own,
/// validate, solve and report. A point that does not validate is an `Err` with its first
/// error (and how many more), for the point's row; nothing is printed.
pub fn run_point(source: &Source, name: &str, extra: &[Override], opts: &RunOptions) -> Result<Point, String> {
    let validated = source.validate_with(extra).map_err(|ds| first_message(&ds))?;
    let Some(instance) = validated.instance else {
        let errors: Vec<Diagnostic> = validated
            .diagnostics
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        return Err(first_message(&errors));
    };
    let (report, _) = run(&instance, source.info(name, extra), opts);
    Ok(Point { instance, report })
}

fn first_message(ds: &[Diagnostic]) -> String {
    match ds.first() {
        Some(d) if ds.len() > 1 => format!("{} (and {} more)", d.message, ds.len() - 1),
        Some(d) => d.message.clone(),
        None => "the overrides do not validate".into(),
    }
}

/// Bytes per variable and per nonzero the whole pipeline may use (model, backend workspace,
/// duals, report), measured with a margin on the largest generated instances.
pub const BYTES_PER_VARIABLE: usize = 1_000;
pub const BYTES_PER_NONZERO: usize = 100;

/// Refuse, before building it, a model that would not fit in the memory available
/// (`MemAvailable` of /proc/meminfo, or `SOURCING_OPT_MEMORY_LIMIT_MB` when set, which scripts
/// may use to cap a run). Returns the plain-language reason.
pub fn check_size(inst: &Instance) -> Result<crate::model::formulate::SizeEstimate, String> {
    let size = crate::model::formulate::estimate(inst);
    let need = size.variables * BYTES_PER_VARIABLE + size.nonzeros * BYTES_PER_NONZERO;
    let Some((limit, what)) = crate::solve::backend::memory_limit() else {
        return Ok(size);
    };
    if need > limit {
        return Err(format!(
            "the model is too large for memory: about {} variables and {} nonzeros need about {}, \
             and {what} {}; reduce the instance (fewer lanes x materials, regions or offers) or run \
             it on a larger machine",
            size.variables,
            size.nonzeros,
            crate::solve::backend::human_bytes(need),
            crate::solve::backend::human_bytes(limit)
        ));
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    /// The estimate must bound what `build` makes (variables exactly; rows and nonzeros from
    /// above), or the guard could wave through a model it should stop.
    #[test]
    fn the_size_estimate_bounds_the_built_model() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("instances");
        let mut files = vec![root.join("usmca_critical_minerals.toml")];
        for e in std::fs::read_dir(root.join("textbook")).unwrap() {
            files.push(e.unwrap().path());
        }
        for f in files {
            let src = std::fs::read_to_string(&f).unwrap();
            let inst = sourcing_models::load_str(&src).instance.unwrap();
            let est = crate::model::formulate::estimate(&inst);
            let lp = crate::model::formulate::build(&inst).lp;
            assert_eq!(est.variables, lp.n_vars(), "{}", f.display());
            assert!(
                est.rows >= lp.n_rows(),
                "{}: {est:?} vs {} rows",
                f.display(),
                lp.n_rows()
            );
            assert!(
                est.nonzeros >= lp.nnz(),
                "{}: {est:?} vs {} nonzeros",
                f.display(),
                lp.nnz()
            );
        }
    }
}
