//! `sourcing-opt permits INSTANCE.toml [--to YEARS]`: which permits to fast-track. Solves
//! the base case, then one case per mine or plant expansion whose `lead_time` is above
//! `--to`, with that one lead time cut to `--to` (see [`crate::whatif::permits`] for the
//! cases, the saving and the order), in parallel; the output does not depend on `--jobs`.
//!
//! Exit status: 0 when the ranking was written, whether the base case is optimal or
//! infeasible (an infeasible base is a question this command answers: which cut gives a
//! plan) and whatever each case's status; 1 invalid input; 2 bad usage; 4 / 5 when the base
//! case is unbounded or the solver failed on it (no ranking); 5 also when some case hit a
//! solver failure (its row says `error`; the ranking is still written).

use super::choices::StressFormat;
use super::common::{self, emit, exit, in_parallel, Failure, InputArgs, Progress, RankingArgs};
use crate::pipeline::{self, Ranging, RunOptions, Source};
use crate::whatif::permits::{self, Case, Outcome, Ranking};
use clap::Args;
use sourcing_models::overrides;
use std::time::Instant;

const AFTER_HELP: &str = "\
For every mine and plant expansion whose lead_time (permitting plus construction, years) is
above --to, the plan is re-solved with that one lead time cut to --to, and the rows are
ranked: cuts that make an infeasible base case feasible first, then by saving (base objective
minus the new objective, in the units of the report's objective: weighted over the periods),
largest first. Each row gives the earliest year the capacity may come online before and after,
the targets and periods it makes reachable (from the base case's diagnosis), and the --set
that reproduces it with `solve`. With periods a year apart, a cut from 1 year to 0.5 moves
nothing earlier (no period starts within the year), and its saving is 0.

Examples:
  sourcing-opt permits instances/textbook/lead_time_imports.toml
  sourcing-opt permits instances/textbook/lead_time_imports.toml --to 0 --format csv --output permits.csv
  sourcing-opt solve instances/textbook/lead_time_imports.toml --set mines.nv_mine.expansion.lead_time=0.5   # reproduce a row

Exit status:
  0  the ranking was written: the base case is optimal or infeasible (an infeasible base is
     ranked by which cut gives a plan), each row carries its own status
  1  invalid input or I/O error (nothing solved, no output file)
  2  bad command-line usage (e.g. a negative --to)
  4  the base case is unbounded (no ranking)
  5  the solver failed on the base case (no ranking), or on some case (its row says `error`;
     the ranking is written)";

/// Arguments of `sourcing-opt permits`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct PermitsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The lead time to cut each expansion to, years (0.5: the crisis-protocol target)
    #[arg(long, value_name = "YEARS", default_value_t = permits::DEFAULT_TO, allow_hyphen_values = true)]
    pub to: f64,
    #[command(flatten)]
    pub ranking: RankingArgs,
}

/// Run `permits` (exit codes in the module documentation).
pub fn run(args: &PermitsArgs) -> Result<i32, Failure> {
    let usage = |message: String| Failure {
        code: exit::USAGE,
        message: format!("error: {message}"),
    };
    if !(args.to.is_finite() && args.to >= 0.0) {
        return Err(usage(format!(
            "--to must be a lead time in years, 0 or more, got {}",
            args.to
        )));
    }
    args.ranking.check(&args.input)?;
    let source = common::read(&args.input)?;
    let base_inst = common::instance(&source, &[], args.input.quiet)?;
    pipeline::check_size(&base_inst).map_err(|why| Failure::input(format!("error: {why}")))?;
    let name = base_inst.meta.name.clone();
    let mut opts = RunOptions {
        backend: args.ranking.backend.0,
        solve: args.ranking.solve_options(),
        ranging: Ranging::Off,
        // The base case's least relaxation (no conflict set: one LP per row, unused here).
        diagnose: true,
        conflict: false,
    };
    let (base_report, _) = pipeline::run(&base_inst, source.info(&name, &[]), &opts);
    let base = Outcome::from_report(&base_report);
    if !matches!(base.status.as_str(), "optimal" | "infeasible") {
        let why = base.message.clone().unwrap_or_else(|| "run `solve` for details".into());
        return Err(Failure {
            code: if base.status == "unbounded" {
                exit::UNBOUNDED
            } else {
                exit::SOLVER
            },
            message: format!(
                "error: the base case {} ({why}); permits ranks cuts of an optimal or infeasible plan",
                common::base_status(&base.status)
            ),
        });
    }
    // A case of an optimal base is never infeasible (a cut only adds columns): diagnose the
    // cases only to see what an infeasible base's cut makes reachable.
    opts.diagnose = base.status == "infeasible";

    let cases = permits::cases(&base_inst, args.to);
    let jobs = args.ranking.jobs_for(cases.len());
    let quiet = args.input.quiet;
    if !quiet {
        eprintln!(
            "permits: {} expansion{} with a lead time above {} years ({jobs} job{}), base case {}",
            cases.len(),
            if cases.len() == 1 { "" } else { "s" },
            args.to,
            if jobs == 1 { "" } else { "s" },
            base.status
        );
    }
    let started = Instant::now();
    let progress = Progress::new(quiet);
    let outcomes = in_parallel(
        cases.len(),
        jobs,
        |i| solve_case(&source, &name, &cases[i], &opts),
        |n, _, _| progress.show(|| format!("permits: {n}/{}", cases.len())),
    );
    progress.finish(true);
    let outcomes = outcomes.ok_or_else(|| Failure {
        code: exit::SOLVER,
        message: "error: a permits worker failed unexpectedly; no ranking was written".into(),
    })?;
    if !quiet {
        eprintln!(
            "permits: {} solved in {:.1} s",
            common::count(cases.len(), "case"),
            started.elapsed().as_secs_f64()
        );
    }

    let ranking = Ranking {
        schema: permits::SCHEMA,
        instance: source.info(&name, &[]),
        backend: args.ranking.backend.name().to_string(),
        currency: base_inst.meta.currency.clone(),
        to: args.to,
        periods: match base_inst.has_periods() {
            true => base_inst.periods.iter().map(|p| p.year).collect(),
            false => Vec::new(),
        },
        rows: permits::rank(&base, &cases, &outcomes),
        base,
        order: permits::ORDER,
    };
    let out = match args.ranking.format {
        StressFormat::Json => permits::json(&ranking),
        StressFormat::Csv => permits::csv(&ranking),
        StressFormat::Markdown => permits::markdown(&ranking),
        StressFormat::Text => permits::text(&ranking),
    };
    emit(args.ranking.output.as_deref(), |w| w.write_all(out.as_bytes()))?;
    let failed = ranking
        .rows
        .iter()
        .filter(|r| !matches!(r.status.as_str(), "optimal" | "infeasible"))
        .count();
    if failed > 0 {
        eprintln!("warning: {failed} case(s) could not be solved; see their rows' status and message");
        return Ok(exit::SOLVER);
    }
    Ok(exit::OK)
}

/// Apply the case's override, validate, solve; never fails (a problem is the outcome).
fn solve_case(source: &Source, name: &str, case: &Case, opts: &RunOptions) -> Outcome {
    let set = match overrides::parse(&case.set, "permits") {
        Ok(o) => o,
        Err(d) => return Outcome::invalid(d.message),
    };
    match pipeline::run_point(source, name, &[set], opts) {
        Ok(point) => Outcome::from_report(&point.report),
        Err(why) => Outcome::invalid(why),
    }
}
