//! `sourcing-opt stress INSTANCE.toml`: N-1 disruption ranking. Solves the base case, then
//! one case per mine, plant, import offer, lane and foreign country with that entry removed
//! (see [`crate::whatif::stress`] for the overrides and the order), in parallel. With periods,
//! an entry is removed over the whole horizon, or in one year with `--period YEAR`.

use super::choices::{self, Scheduler, StressFormat};
use super::common::{self, emit, exit, in_parallel, Failure, InputArgs, Progress, RankingArgs};
use super::emit::{self, current_binary, input_args, input_files, utf8};
use super::shard::{self, Merge, MergeArgs, Mode, RunOrMerge, ShardArgs};
use crate::pipeline::{self, Ranging, RunOptions, Source};
use crate::whatif;
use crate::whatif::records::{self, OutcomeRecord, StressPoint, StressRun};
use crate::whatif::shard::{Exact, Header, Shard};
use crate::whatif::stress::{self, Case, Outcome, Ranking, Shortfall};
use clap::{Args, ValueEnum};
use sourcing_models::overrides::{self, Override};
use sourcing_models::Instance;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// Arguments of `sourcing-opt stress`.
#[derive(Args, Debug)]
#[command(after_help = STRESS_HELP)]
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
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// `sourcing-opt stress merge DIR`: the options of the merge.
#[derive(Args, Debug)]
pub struct StressMergeArgs {
    #[command(flatten)]
    pub merge: MergeArgs,
}

const MERGE_ABOUT: &str = "Merge the shard files of a sharded stress run into the ranking an unsharded run writes";

const MERGE_HELP: &str = "\
Reads every shard-I-of-N.jsonl in DIR, checks that every case is there exactly once, from the
same instance (SHA-256), overrides and options, with the same base case, ranks all the cases
and writes the ranking an unsharded stress run would have written (same format, --top),
byte for byte. When shards are missing or incomplete (no end line, a line cut short) it writes
nothing, names each, and prints the list to run again as `--array=1,3`: exit 1. Shard files
of different runs, of different shard counts, or a case twice: exit 1.";

const STRESS_HELP: &str = "\
On a cluster: --shard I/N --shard-dir DIR solves the base case and the cases of shard I of N
(0-based; case i is in shard i % N) into DIR/shard-I-of-N.jsonl; as a Slurm array task
(SLURM_ARRAY_TASK_ID) or a Kubernetes indexed pod (JOB_COMPLETION_INDEX, with --shards N),
--shard-dir DIR alone does. --resume keeps what an earlier run of the shard solved.
`sourcing-opt stress merge DIR` ranks every case and writes the ranking (or names the shards
to run again, as --array=1,3). --emit slurm (or k8s) --shards N --shard-dir DIR writes the job
script to stdout; --output then names the merged ranking.";

/// `sourcing-opt stress`: a run or `stress merge DIR`.
pub type StressCommand = RunOrMerge<StressArgs, StressMergeArgs>;

impl Merge for StressMergeArgs {
    const ABOUT: &'static str = MERGE_ABOUT;
    const HELP: &'static str = MERGE_HELP;
}

/// Run `stress` or `stress merge`.
pub fn run(cmd: &StressCommand) -> Result<i32, Failure> {
    match cmd {
        RunOrMerge::Run(args) => run_stress(args),
        RunOrMerge::Merge(args) => merge(&args.merge),
    }
}

/// Run `stress`: every case, one shard of them (`--shard`, or the array index of the
/// environment with `--shard-dir`), or write a job script (`--emit`). Exit 0 when the base
/// case and the ranking (or shard) were produced (whatever the cases' statuses), 1 for invalid
/// input, 2 for bad usage, 3/5 when the base case itself is not optimal.
fn run_stress(args: &StressArgs) -> Result<i32, Failure> {
    args.ranking.check(&args.input)?;
    let quiet = args.input.quiet;
    let mode = args.shard.mode(shard::process_env, quiet)?;
    if let Mode::Shard { shard, dir, .. } = &mode {
        let file = dir.join(shard.file_name());
        if args.ranking.output.is_some() {
            return Err(Failure {
                code: exit::USAGE,
                message: format!(
                    "error: a shard writes its cases to {}; --output belongs to `stress merge DIR`, which writes the \
                     ranking",
                    file.display()
                ),
            });
        }
        common::check_outputs(&args.input.files(), &[("the shard file", Some(&file))])?;
    }
    let source = common::read(&args.input)?;
    let base_inst = common::instance(&source, &[], quiet)?;
    pipeline::check_size(&base_inst).map_err(|why| Failure::input(format!("error: {why}")))?;
    let name = base_inst.meta.name.clone();
    let period = period_of(&base_inst, args.period)?;
    let mut cases = stress::cases(&base_inst);
    if let Some(p) = period {
        cases = stress::in_period(&base_inst, cases, p);
    }
    let removed_in = base_inst.has_periods().then(|| match period {
        Some(p) => base_inst.periods[p].year.to_string(),
        None => "all".to_string(),
    });
    let study = StressRun {
        version: records::VERSION.into(),
        instance: source.info(&name, &[]),
        currency: base_inst.meta.currency.clone(),
        cases: cases.len(),
        format: choices::name_of(&args.ranking.format),
        backend: args.ranking.backend.name().to_string(),
        top: args.top,
        period: args.period,
        removed_in,
        time_limit: args.ranking.time_limit.map(Exact),
    };
    if let Mode::Emit { scheduler, shards, dir } = &mode {
        return emit_script(args, &study, *scheduler, *shards, dir);
    }
    let opts = RunOptions {
        backend: args.ranking.backend.0,
        solve: args.ranking.solve_options(),
        ranging: Ranging::Off,
        diagnose: false,
        conflict: false,
    };
    let base = solve_base(&base_inst, &source, &name, &opts)?;
    let run = Run {
        source: &source,
        name: &name,
        base: &base_inst,
        opts: &opts,
        period,
    };
    match mode {
        Mode::Shard { shard, dir, resume } => run_shard(args, &run, &study, &cases, &base, shard, &dir, resume),
        _ => run_whole(args, &run, &study, &cases, base),
    }
}

/// Solve the base case; an error (exit 3 or 5) unless its plan is optimal.
fn solve_base(inst: &Instance, source: &Source, name: &str, opts: &RunOptions) -> Result<Outcome, Failure> {
    let (base_report, _) = pipeline::run(inst, source.info(name, &[]), opts);
    let base = Outcome::from_report(&base_report);
    if base.status == "optimal" {
        return Ok(base);
    }
    let why = base
        .message
        .clone()
        .unwrap_or_else(|| "run `solve` for the diagnosis".into());
    Err(Failure {
        code: if base.status == "infeasible" {
            exit::INFEASIBLE
        } else {
            exit::SOLVER
        },
        message: format!(
            "error: the base case {} ({why}); stress ranks disruptions of an optimal plan",
            common::base_status(&base.status)
        ),
    })
}

/// Solve every case, rank them and write the ranking.
fn run_whole(args: &StressArgs, run: &Run, study: &StressRun, cases: &[Case], base: Outcome) -> Result<i32, Failure> {
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
    let all: Vec<usize> = (0..cases.len()).collect();
    let outcomes = solve_all(run, cases, &all, jobs, &Progress::new(args.input.quiet), &|_, _| {})?;
    if progress {
        eprintln!(
            "stress: {} solved in {:.1} s",
            common::count(cases.len(), "case"),
            started.elapsed().as_secs_f64()
        );
    }
    write_ranking(
        study,
        base,
        cases,
        &outcomes,
        args.ranking.format,
        args.ranking.output.as_deref(),
    )?;
    Ok(exit::OK)
}

/// Rank the cases and write the ranking as an unsharded run does.
fn write_ranking(
    study: &StressRun,
    base: Outcome,
    cases: &[Case],
    outcomes: &[Outcome],
    format: StressFormat,
    output: Option<&Path>,
) -> Result<(), Failure> {
    let mut rows = stress::rank(&base, cases, outcomes);
    if let Some(n) = study.top {
        rows.truncate(n);
    }
    let ranking = Ranking {
        schema: stress::SCHEMA,
        instance: study.instance.clone(),
        backend: study.backend.clone(),
        currency: study.currency.clone(),
        base,
        order: stress::ORDER,
        removed_in: study.removed_in.clone(),
        cases: cases.len(),
        shown: rows.len(),
        rows,
    };
    let out = match format {
        StressFormat::Json => stress::json(&ranking),
        StressFormat::Csv => stress::csv(&ranking),
        StressFormat::Markdown => stress::markdown(&ranking),
        StressFormat::Text => stress::text(&ranking),
    };
    emit(output, |w| w.write_all(out.as_bytes()))
}

/// Solve the cases of one shard into `dir` (see [`crate::cli::shard`]), the base case
/// (solved by every shard) in the header.
#[allow(clippy::too_many_arguments)]
fn run_shard(
    args: &StressArgs,
    run: &Run,
    study: &StressRun,
    cases: &[Case],
    base: &Outcome,
    shard: Shard,
    dir: &Path,
    resume: bool,
) -> Result<i32, Failure> {
    let quiet = args.input.quiet;
    let record = serde_json::to_value(study).expect("the run serializes");
    let base_record = serde_json::to_value(OutcomeRecord::new(base)).expect("the base case serializes");
    let header = Header::new("stress", shard, cases.len(), record, Some(base_record));
    let points = shard.points(cases.len());
    let ids: BTreeMap<usize, String> = points.iter().map(|&i| (i, records::case_id(&cases[i]))).collect();
    let begun = shard::begin::<StressPoint>(dir, header, &ids, resume, quiet)?;
    let jobs = args.ranking.jobs_for(begun.todo.len());
    let started = Instant::now();
    let outcomes = solve_all(run, cases, &begun.todo, jobs, &Progress::new(quiet), &|i, o| {
        begun.record(&StressPoint::new(i, &cases[i], o))
    })?;
    let (kept, solved) = (begun.kept, begun.todo.len());
    let new: Vec<(usize, StressPoint)> = begun
        .todo
        .iter()
        .zip(&outcomes)
        .map(|(&i, o)| (i, StressPoint::new(i, &cases[i], o)))
        .collect();
    let (_, path) = begun.finish(dir, new)?;
    if !quiet {
        eprintln!(
            "stress: shard {shard}: {} of {} cases: {kept} kept from an earlier run, {solved} solved in {:.1} s on \
             {jobs} job{}; wrote {}",
            points.len(),
            cases.len(),
            started.elapsed().as_secs_f64(),
            if jobs == 1 { "" } else { "s" },
            path.display()
        );
    }
    Ok(exit::OK)
}

/// Write the job script of `--emit` to stdout: the shards run this stress run with the same
/// arguments; the merge writes `--output` (default `DIR/merged.txt`, `.csv`, `.json` or `.md`).
fn emit_script(
    args: &StressArgs,
    study: &StressRun,
    scheduler: Scheduler,
    shards: usize,
    dir: &Path,
) -> Result<i32, Failure> {
    let mut shard_args = vec!["stress".to_string(), utf8(&args.input.instance, "the instance")?];
    shard_args.extend(input_args(&args.input)?);
    shard_args.extend(["--format".into(), study.format.clone()]);
    shard_args.extend(["--backend".into(), study.backend.clone()]);
    if let Some(n) = args.top {
        shard_args.extend(["--top".into(), n.to_string()]);
    }
    if let Some(y) = args.period {
        shard_args.extend(["--period".into(), y.to_string()]);
    }
    if let Some(t) = args.ranking.time_limit {
        shard_args.extend(["--time-limit".into(), t.to_string()]);
    }
    if args.input.quiet {
        shard_args.push("--quiet".into());
    }
    let extension = match args.ranking.format {
        StressFormat::Text => "txt",
        StressFormat::Csv => "csv",
        StressFormat::Json => "json",
        StressFormat::Markdown => "md",
    };
    let output = match &args.ranking.output {
        Some(p) => utf8(p, "--output")?,
        None => utf8(&dir.join(format!("merged.{extension}")), "--shard-dir")?,
    };
    let mut merge_args = vec!["--output".to_string(), output.clone()];
    if args.input.quiet {
        merge_args.push("--quiet".into());
    }
    let job = emit::Job {
        command: "stress",
        shard_args,
        merge_args,
        shards,
        dir: utf8(dir, "--shard-dir")?,
        points: study.cases,
        jobs: args.ranking.jobs,
        inputs: input_files(&args.input)?,
        output,
    };
    let text = emit::script(scheduler, &job, &current_binary());
    emit(None, |w| w.write_all(text.as_bytes()))?;
    Ok(exit::OK)
}

/// `stress merge DIR`: the ranking of every case from the shard files, byte for byte what an
/// unsharded run writes; or, when shards are missing or incomplete, which to run again
/// (`--array=...`, exit 1) and nothing written.
fn merge(m: &MergeArgs) -> Result<i32, Failure> {
    let (entries, journals) = shard::read_dir::<StressPoint>(&m.dir)?;
    shard::check_merge_outputs(&m.dir, &entries, &[("--output", m.output.as_deref())])?;
    let found = whatif::shard::gather("stress", entries, &journals).map_err(|e| shard::merge_failed(&m.dir, e))?;
    let bad = |what: String| Failure::input(format!("error: {}: {what}", m.dir.display()));
    let study: StressRun = serde_json::from_value(found.header.run.clone())
        .map_err(|e| bad(format!("the shards' header does not describe a stress run ({e})")))?;
    let base = found
        .header
        .base
        .clone()
        .and_then(|b| serde_json::from_value::<OutcomeRecord>(b).ok())
        .ok_or_else(|| bad("the shards' header has no base case".into()))?
        .outcome()
        .map_err(&bad)?;
    let mut cases = Vec::with_capacity(found.points.len());
    let mut outcomes = Vec::with_capacity(found.points.len());
    for (p, file) in found.points.iter().zip(&found.files) {
        let (c, o) = p
            .case()
            .map_err(|why| Failure::input(format!("error: {file}: {why}; run its shard again")))?;
        cases.push(c);
        outcomes.push(o);
    }
    if cases.len() != study.cases {
        return Err(bad(format!(
            "the shards hold {} cases, the run has {}",
            cases.len(),
            study.cases
        )));
    }
    let format = StressFormat::from_str(&study.format, false)
        .map_err(|_| bad(format!("unknown stress format `{}` in the shards", study.format)))?;
    if !m.quiet {
        eprintln!(
            "stress merge: {} cases from {} shard{}",
            cases.len(),
            found.header.shards,
            if found.header.shards == 1 { "" } else { "s" }
        );
    }
    write_ranking(&study, base, &cases, &outcomes, format, m.output.as_deref())?;
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

/// Solve the cases `points` on `jobs` threads; `on_done(i, outcome)` runs as case `i` is
/// solved (the shard journal). The outcomes come back in the order of `points`, so the
/// result does not depend on `jobs`.
fn solve_all(
    run: &Run,
    cases: &[Case],
    points: &[usize],
    jobs: usize,
    progress: &Progress,
    on_done: &(dyn Fn(usize, &Outcome) + Sync),
) -> Result<Vec<Outcome>, Failure> {
    let outcomes = in_parallel(
        points.len(),
        jobs,
        |k| match run.period {
            Some(p) => solve_idle(run, &cases[points[k]], p),
            None => solve_case(run.source, run.name, &cases[points[k]], run.opts),
        },
        |n, k, o| {
            on_done(points[k], o);
            progress.show(|| format!("stress: {n}/{}", points.len()))
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A new option of `stress` must reach the shards of an emitted job script: add it to
    /// `emit_script`, then here.
    #[test]
    fn every_option_is_passed_on_by_emit() {
        let handled = [
            "instance",
            "sets",
            "scenario",
            "quiet",
            "top",
            "format",
            "output",
            "jobs",
            "backend",
            "period",
            "time_limit",
            "shard",
            "shards",
            "shard_dir",
            "resume",
            "emit",
        ];
        super::super::emit::assert_options_are(StressArgs::augment_args(clap::Command::new("stress")), &handled);
    }
}
