//! `sourcing-opt stress INSTANCE.toml`: N-1 disruption ranking. Solves the base case, then
//! one case per mine, plant, import offer, lane and foreign country with that entry removed
//! (see [`crate::whatif::stress`] for the overrides and the order), in parallel. With periods,
//! an entry is removed over the whole horizon, or in one year with `--period YEAR`.

use super::choices::StressFormat;
use super::common::{self, emit, exit, in_parallel, Failure, InputArgs, Progress, RankingArgs};
use crate::pipeline::{self, Ranging, RunOptions, Source};
use crate::solve::backend::SolveOptions;
use crate::whatif::stress::{self, Case, Outcome, Ranking, Shortfall};
use clap::Args;
use sourcing_models::overrides::{self, Override};
use sourcing_models::Instance;
use std::time::Instant;

/// Arguments of `sourcing-opt stress`.
#[derive(Args, Debug)]
pub struct StressArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Show only the N worst cases (every case is solved)
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    #[command(flatten)]
    pub ranking: RankingArgs,
    /// With periods: remove each entry in this year only (one of meta.periods) instead of
    /// over the whole horizon; its capacity in that year, expansion included, is 0
    #[arg(long, value_name = "YEAR")]
    pub period: Option<i64>,
}

/// Run `stress`: exit 0 when the base case and the ranking were produced (whatever the cases'
/// statuses), 1 for invalid input, 3/5 when the base case itself is not optimal.
pub fn run(args: &StressArgs) -> Result<i32, Failure> {
    args.ranking.check(&args.input)?;
    let source = common::read(&args.input)?;
    let base_inst = common::instance(&source, &[], args.input.quiet)?;
    pipeline::check_size(&base_inst).map_err(|why| Failure::input(format!("error: {why}")))?;
    let name = base_inst.meta.name.clone();
    let opts = RunOptions {
        backend: args.ranking.backend.0,
        solve: SolveOptions::default(),
        ranging: Ranging::Off,
        diagnose: false,
        conflict: false,
    };
    let (base_report, _) = pipeline::run(&base_inst, source.info(&name, &[]), &opts);
    let base = Outcome::from_report(&base_report);
    if base.status != "optimal" {
        let why = base
            .message
            .clone()
            .unwrap_or_else(|| "run `solve` for the diagnosis".into());
        return Err(Failure {
            code: if base.status == "infeasible" {
                exit::INFEASIBLE
            } else {
                exit::SOLVER
            },
            message: format!(
                "error: the base case is {} ({why}); stress ranks disruptions of an optimal plan",
                base.status
            ),
        });
    }

    let period = period_of(&base_inst, args.period)?;
    let mut cases = stress::cases(&base_inst);
    if let Some(p) = period {
        cases = stress::in_period(&base_inst, cases, p);
    }
    let jobs = args.ranking.jobs_for(cases.len());
    let progress = !args.input.quiet;
    if progress {
        eprintln!(
            "stress: {} cases ({} jobs), base objective {}",
            cases.len(),
            jobs,
            crate::whatif::compare::num(base.objective.unwrap_or(0.0))
        );
    }
    let started = Instant::now();
    let run = Run {
        source: &source,
        name: &name,
        base: &base_inst,
        opts: &opts,
        period,
    };
    let outcomes = solve_all(&run, &cases, jobs, &Progress::new(args.input.quiet))?;
    if progress {
        eprintln!(
            "stress: {} cases solved in {:.1} s",
            cases.len(),
            started.elapsed().as_secs_f64()
        );
    }

    let mut rows = stress::rank(&base, &cases, &outcomes);
    if let Some(n) = args.top {
        rows.truncate(n);
    }
    let ranking = Ranking {
        schema: stress::SCHEMA,
        instance: source.info(&name, &[]),
        backend: args.ranking.backend.name().to_string(),
        currency: base_inst.meta.currency.clone(),
        base,
        order: stress::ORDER,
        removed_in: base_inst.has_periods().then(|| match period {
            Some(p) => base_inst.periods[p].year.to_string(),
            None => "all".to_string(),
        }),
        cases: cases.len(),
        shown: rows.len(),
        rows,
    };
    let out = match args.ranking.format {
        StressFormat::Json => stress::json(&ranking),
        StressFormat::Csv => stress::csv(&ranking),
        StressFormat::Markdown => stress::markdown(&ranking),
        StressFormat::Text => stress::text(&ranking),
    };
    emit(args.ranking.output.as_deref(), |w| w.write_all(out.as_bytes()))?;
    Ok(exit::OK)
}

/// The period of `--period YEAR`: a usage error (exit 2) for an instance without periods or
/// a year that is not one of its periods.
fn period_of(inst: &Instance, year: Option<i64>) -> Result<Option<usize>, Failure> {
    let Some(year) = year else {
        return Ok(None);
    };
    let usage = |message: String| Failure {
        code: exit::USAGE,
        message,
    };
    if !inst.has_periods() {
        return Err(usage(format!(
            "error: --period {year}: the instance has no periods (meta.periods); without --period each entry is \
             removed"
        )));
    }
    match inst.periods.iter().position(|p| p.year == year) {
        Some(p) => Ok(Some(p)),
        None => Err(usage(format!(
            "error: --period {year} is not a period of the instance; its periods start in {}",
            inst.periods
                .iter()
                .map(|p| p.year.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// What every worker needs to solve a case.
struct Run<'a> {
    source: &'a Source,
    name: &'a str,
    /// The validated instance of the base case (a removal in one period changes its LP only).
    base: &'a Instance,
    opts: &'a RunOptions,
    /// `--period`: remove in this period only.
    period: Option<usize>,
}

/// Solve every case on `jobs` threads; the outcomes come back in case order, so the result
/// does not depend on `jobs`.
fn solve_all(run: &Run, cases: &[Case], jobs: usize, progress: &Progress) -> Result<Vec<Outcome>, Failure> {
    let outcomes = in_parallel(
        cases.len(),
        jobs,
        |i| match run.period {
            Some(p) => solve_idle(run, &cases[i], p),
            None => solve_case(run.source, run.name, &cases[i], run.opts),
        },
        |n, _, _| progress.show(|| format!("stress: {n}/{}", cases.len())),
    );
    progress.finish(true);
    outcomes.ok_or_else(|| Failure {
        code: exit::SOLVER,
        message: "error: a stress worker failed unexpectedly; no ranking was written".into(),
    })
}

/// Apply the case's overrides, validate, solve; never fails (a problem is the outcome).
fn solve_case(source: &Source, name: &str, case: &Case, opts: &RunOptions) -> Outcome {
    let mut extra: Vec<Override> = Vec::with_capacity(case.overrides.len());
    for text in &case.overrides {
        match overrides::parse(text, "stress") {
            Ok(o) => extra.push(o),
            Err(d) => return Outcome::invalid(d.message),
        }
    }
    let point = match pipeline::run_point(source, name, &extra, opts) {
        Ok(p) => p,
        Err(why) => return Outcome::invalid(why),
    };
    let mut outcome = Outcome::from_report(&point.report);
    if outcome.status == "infeasible" {
        let has_targets = !point.instance.targets.is_empty();
        (outcome.cause, outcome.shortfall) = explain(source, name, &extra, opts, has_targets);
    }
    outcome
}

/// Why an infeasible case is infeasible, and by how much. Solved again with every
/// import-dependency target relaxed to 1 (no cap), with the diagnosis: cause `targets` when
/// that plan exists (the shortfall is then the least target relaxation of the case's own
/// diagnosis), `supply` when it does not (the shortfall is the demand the relaxed case's
/// diagnosis gives up). An instance without targets has no cause, only the demand shortfall.
fn explain(
    source: &Source,
    name: &str,
    extra: &[Override],
    opts: &RunOptions,
    has_targets: bool,
) -> (Option<String>, Option<Shortfall>) {
    // The shortfall is sized by the relaxations; the conflict set would cost one LP per row.
    let diagnosed = RunOptions {
        diagnose: true,
        conflict: false,
        ..opts.clone()
    };
    let shortfall = |sets: &[Override], cause: &str| {
        let point = pipeline::run_point(source, name, sets, &diagnosed).ok()?;
        Shortfall::from_diagnosis(point.report.diagnosis.as_ref()?, cause)
    };
    if !has_targets {
        return (None, shortfall(extra, "supply"));
    }
    let Ok(relax) = overrides::parse("targets.*.max_import_share=1", "stress") else {
        return (None, None);
    };
    let mut relaxed = extra.to_vec();
    relaxed.push(relax);
    let Ok(point) = pipeline::run_point(source, name, &relaxed, &diagnosed) else {
        return (None, None);
    };
    match point.report.status {
        "optimal" => (Some("targets".into()), shortfall(extra, "targets")),
        "infeasible" => (
            Some("supply".into()),
            point
                .report
                .diagnosis
                .as_ref()
                .and_then(|d| Shortfall::from_diagnosis(d, "supply")),
        ),
        _ => (None, None),
    }
}

/// A case removed in period `p` only: the base instance's LP with the case's entries idle in
/// that period ([`stress::idle`]), solved; an infeasible case is explained as
/// [`explain`] does, on LPs idled the same way.
fn solve_idle(run: &Run, case: &Case, p: usize) -> Outcome {
    let report = solve_idled(run, run.base, case, p, false);
    let mut outcome = Outcome::from_report(&report);
    if outcome.status != "infeasible" {
        return outcome;
    }
    let shortfall = |inst: &Instance, cause: &str| {
        let rep = solve_idled(run, inst, case, p, true);
        Shortfall::from_diagnosis(rep.diagnosis.as_ref()?, cause)
    };
    if run.base.targets.is_empty() {
        outcome.shortfall = shortfall(run.base, "supply");
        return outcome;
    }
    let mut relaxed = run.base.clone();
    for t in &mut relaxed.targets {
        t.max_import_share = 1.0.into();
    }
    let (cause, inst) = match solve_idled(run, &relaxed, case, p, false).status {
        "optimal" => ("targets", run.base),
        "infeasible" => ("supply", &relaxed),
        _ => return outcome,
    };
    outcome.cause = Some(cause.into());
    outcome.shortfall = shortfall(inst, cause);
    outcome
}

/// Solve `inst` with the case's entries idle in period `p`; with `diagnose`, an infeasible
/// plan gets the diagnosis' relaxations (checked on LPs idled the same way; no conflict set).
fn solve_idled(run: &Run, inst: &Instance, case: &Case, p: usize, diagnose: bool) -> crate::report::Report {
    let rebuild = |i: &Instance| stress::idle(&crate::model::formulate::build(i), &case.removes, p);
    let solved = crate::solve::solve_model(
        rebuild(inst),
        0.0,
        run.opts.backend,
        &crate::pipeline::solve_options(&run.opts.solve),
    );
    let mut report = crate::report::build(inst, &solved, run.source.info(run.name, &[]));
    if diagnose && solved.status == crate::solve::Status::Infeasible {
        let backend = crate::solve::backend::BackendChoice::Auto.backend(solved.model.lp.n_vars());
        let d =
            crate::diagnose::diagnose_rebuilt(inst, &solved.model, backend.as_ref(), solved.deadline, false, &rebuild);
        report.diagnosis = Some(d);
    }
    report
}
