//! `sourcing-opt sweep INSTANCE.toml --param KEY (--values V1,V2,... | --range START:STOP:STEP)
//! [--param KEY ...]`: solve once per point of a grid of overrides, in parallel, and write one
//! row per point (see [`crate::whatif::sweep`] for the values, the grid order and the columns).
//!
//! The instance is read and parsed once; each point validates the file with the command's
//! own overrides (`--scenario`, `--set`) followed by the point's, and is solved with ranging
//! as `solve` has it (`auto`: on up to 100,000 variables, for one-sided marginal values;
//! `--ranging off` is faster); an infeasible point gets the least relaxation of the diagnosis (not
//! its conflict set). Results are collected and written in point order, so
//! the output is byte-identical whatever `--jobs`.

use super::choices::{self, Backend, RangingChoice, Scheduler, SweepFormat};
use super::common::{self, check_outputs, emit, exit, in_parallel, Failure, InputArgs, Progress};
use super::emit::{self, current_binary, input_args, input_files, utf8};
use super::shard::{self, Merge, MergeArgs, Mode, RunOrMerge, ShardArgs};
use crate::pipeline::{self, RunOptions, Source};
use crate::solve::backend::SolveOptions;
use crate::whatif;
use crate::whatif::records::{self, SweepPoint, SweepRun};
use crate::whatif::shard::{Exact, Header, Shard};
use crate::whatif::sweep::{self, Axis, Layout, Row, Table};
use clap::{ArgMatches, Args, FromArgMatches, ValueEnum};
use sourcing_models::overrides::{self, Override};
use sourcing_models::{Diagnostic, Instance, Severity};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

const EXAMPLES: &str = "\
Each --param is followed by its own --values or --range; several make a grid (first param
outermost). A KEY ending in `*` scales: each value is a factor (`demands.*.quantity*`).

Examples:
  sourcing-opt sweep instances/usmca_critical_minerals.toml \\
      --param targets.ree_usmca.max_import_share --range 0:1:0.05 --plot ree.svg
  sourcing-opt sweep instances/usmca_critical_minerals.toml \\
      --param 'demands.*.quantity*' --values 0.8,1,1.2 \\
      --param mines.penasquito_ag.capacity --range 800:1600:200 --format jsonl

Columns: the swept keys, status, objective, the cost categories, then <target>.share and
<target>.marginal_value (per 1.0 of share) for every target; numeric cells are empty unless
the point is optimal. With periods (meta.periods), objective and the cost categories are the
weighted totals over the horizon, objective@YEAR is each period's annual cost, and each
target has one column per period: <target>.share@YEAR, then <target>.marginal_value@YEAR.
A key may set one year of a series (`demands.X.quantity.2030`) or a lead time
(`mines.X.expansion.lead_time`).

An infeasible point's least relaxation (what would make it feasible) is the `message` of its
JSON line and is noted on stderr for the first ten such points (--quiet silences the notes,
--no-diagnose skips the work). When the time limit cuts that diagnosis short, the point stays
`infeasible` (it is proved) and its message says what is missing.

Exit status: 0 every point optimal or proved infeasible (each row has its status), 1 invalid
input (a bad KEY or value; nothing solved, nothing written), 2 bad usage (e.g. a bad range),
5 some point hit a solver failure or the time limit (its row says `error`; the table is
still written).

On a cluster: --shard I/N --shard-dir DIR solves shard I of N (0-based; point i is in shard
i % N) into DIR/shard-I-of-N.jsonl; as a Slurm array task (SLURM_ARRAY_TASK_ID) or a
Kubernetes indexed pod (JOB_COMPLETION_INDEX, with --shards N), --shard-dir DIR alone does.
--resume keeps what an earlier run of the shard solved. `sourcing-opt sweep merge DIR` writes
the table of the whole grid (or names the shards to run again, as --array=1,3). --emit slurm
(or k8s) --shards N --shard-dir DIR writes the job script to stdout:
  sourcing-opt sweep instances/usmca_critical_minerals.toml \\
      --param targets.ree_usmca.max_import_share --range 0:1:0.01 \\
      --shards 4 --shard-dir runs/ree --emit slurm --output ree.csv > ree.sh
  bash ree.sh";

/// Options of `sourcing-opt sweep` as clap parses them; [`SweepArgs`] adds the order in which
/// `--param`, `--values` and `--range` were given.
#[derive(Args, Debug)]
pub struct SweepOptions {
    #[command(flatten)]
    pub input: InputArgs,
    /// A key to sweep (COLLECTION.ID.FIELD, `*` for every ID, a trailing `*` to scale);
    /// follow each with its --values or --range
    #[arg(long = "param", value_name = "KEY", required = true)]
    pub param: Vec<String>,
    /// Comma-separated values of the preceding --param
    #[arg(long = "values", value_name = "V1,V2,...", allow_hyphen_values = true)]
    pub values: Vec<String>,
    /// Values START, START+STEP, ... up to STOP (included) of the preceding --param
    #[arg(long = "range", value_name = "START:STOP:STEP", allow_hyphen_values = true)]
    pub range: Vec<String>,
    /// Output format: csv (with a header row) or jsonl (one JSON object per point)
    #[arg(long, value_enum, default_value = "csv")]
    pub format: SweepFormat,
    /// Write the table to FILE (atomically) instead of stdout
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Also write an SVG chart of the objective against the first --param (atomically; a
    /// FILE ending in .html gets the chart on a self-contained HTML page)
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Points solved in parallel (default: the number of available cores)
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// LP backend: auto (by model size), minilp (simplex) or clarabel (interior point)
    #[arg(long, value_enum, default_value = "auto")]
    pub backend: Backend,
    /// Sensitivity ranging for each point: auto (on up to 100,000 variables, so that marginal
    /// values are one-sided: what relaxing a target saves), on, or off (fastest; marginal values
    /// are then optimal duals, not one-sided where the plan is degenerate)
    #[arg(long, value_enum, default_value = "auto")]
    pub ranging: RangingChoice,
    /// Stop each point's solver after SECONDS (the point's status is then `error`, exit 5)
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true)]
    pub time_limit: Option<f64>,
    /// Skip the least relaxation of infeasible points (two more LPs and a check each)
    #[arg(long)]
    pub no_diagnose: bool,
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// One of `--param`, `--values`, `--range`, in command-line order.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisArg {
    /// `--param KEY`
    Param(String),
    /// `--values V1,V2,...`
    Values(String),
    /// `--range START:STOP:STEP`
    Range(String),
}

/// Arguments of `sourcing-opt sweep`: the options, and the axis arguments in the order given
/// (clap keeps each option's values apart; pairing `--param` with its values needs the order).
#[derive(Debug)]
pub struct SweepArgs {
    /// Everything but the order of the axis arguments.
    pub options: SweepOptions,
    /// `--param`, `--values` and `--range` in command-line order.
    pub axis_args: Vec<AxisArg>,
}

impl FromArgMatches for SweepArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let options = SweepOptions::from_arg_matches(m)?;
        let mut found: Vec<(usize, AxisArg)> = Vec::new();
        for id in ["param", "values", "range"] {
            if let (Some(idx), Some(vals)) = (m.indices_of(id), m.get_many::<String>(id)) {
                found.extend(idx.zip(vals).map(|(i, v)| {
                    let v = v.clone();
                    let arg = match id {
                        "param" => AxisArg::Param(v),
                        "values" => AxisArg::Values(v),
                        _ => AxisArg::Range(v),
                    };
                    (i, arg)
                }));
            }
        }
        found.sort_by_key(|(i, _)| *i);
        Ok(SweepArgs {
            options,
            axis_args: found.into_iter().map(|(_, a)| a).collect(),
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for SweepArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        SweepOptions::augment_args(cmd).after_help(EXAMPLES)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        SweepOptions::augment_args_for_update(cmd).after_help(EXAMPLES)
    }
}

/// `sourcing-opt sweep merge DIR`: the options of the merge.
#[derive(Args, Debug)]
pub struct SweepMergeArgs {
    #[command(flatten)]
    pub merge: MergeArgs,
    /// Also write the SVG chart of the objective against the first --param (atomically; a
    /// FILE ending in .html gets the chart on a self-contained HTML page)
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

const MERGE_ABOUT: &str = "Merge the shard files of a sharded sweep into the table an unsharded run writes";

const MERGE_HELP: &str = "\
Reads every shard-I-of-N.jsonl in DIR, checks that every point of the grid is there exactly
once, from the same instance (SHA-256), overrides and options, and writes the table an
unsharded sweep would have written, byte for byte, with its warnings and exit status (5 when
a point failed). When shards are missing or incomplete (no end line, a line cut short) it
writes nothing, names each, and prints the list to run again as `--array=1,3`: exit 1.
Shard files of different runs, of different shard counts, or a point twice: exit 1.";

/// `sourcing-opt sweep`: a run or `sweep merge DIR`.
pub type SweepCommand = RunOrMerge<SweepArgs, SweepMergeArgs>;

impl Merge for SweepMergeArgs {
    const ABOUT: &'static str = MERGE_ABOUT;
    const HELP: &'static str = MERGE_HELP;
}

fn usage(message: String) -> Failure {
    Failure {
        code: exit::USAGE,
        message: format!("error: {message}"),
    }
}

/// Pair each `--param` with the one `--values` or `--range` that follows it and expand the
/// values; every mistake is a usage error (exit 2).
pub fn axes(args: &[AxisArg]) -> Result<Vec<Axis>, Failure> {
    let mut axes: Vec<(String, Option<Vec<String>>)> = Vec::new();
    for a in args {
        match a {
            AxisArg::Param(key) => {
                if let Some((k, None)) = axes.last() {
                    return Err(usage(format!(
                        "--param `{k}` needs --values V1,V2,... or --range START:STOP:STEP after it"
                    )));
                }
                if axes.iter().any(|(k, _)| k == key) {
                    return Err(usage(format!("--param `{key}` is given twice")));
                }
                axes.push((key.clone(), None));
            }
            AxisArg::Values(spec) | AxisArg::Range(spec) => {
                let flag = if matches!(a, AxisArg::Values(_)) {
                    "--values"
                } else {
                    "--range"
                };
                let Some((key, slot)) = axes.last_mut() else {
                    return Err(usage(format!(
                        "{flag} `{spec}` comes before any --param; write --param KEY {flag} ..."
                    )));
                };
                if slot.is_some() {
                    return Err(usage(format!(
                        "--param `{key}` has more than one --values/--range; give each its own --param"
                    )));
                }
                let values = match a {
                    AxisArg::Values(s) => sweep::parse_values(s),
                    _ => sweep::parse_range(spec),
                }
                .map_err(usage)?;
                *slot = Some(values);
            }
        }
    }
    axes.into_iter()
        .map(|(key, values)| match values {
            Some(values) => Ok(Axis { key, values }),
            None => Err(usage(format!(
                "--param `{key}` needs --values V1,V2,... or --range START:STOP:STEP after it"
            ))),
        })
        .collect()
}

/// Run `sweep` or `sweep merge`.
pub fn run(cmd: &SweepCommand) -> Result<i32, Failure> {
    match cmd {
        RunOrMerge::Run(args) => run_sweep(args),
        RunOrMerge::Merge(args) => merge(args),
    }
}

/// A sweep ready to solve: the instance read once, the grid parsed and checked.
struct Study {
    source: Source,
    name: String,
    currency: String,
    axes: Vec<Axis>,
    assignments: Vec<Vec<Override>>,
    layout: Layout,
    opts: RunOptions,
    total: usize,
}

impl Study {
    fn job(&self) -> Job<'_> {
        Job {
            source: &self.source,
            name: &self.name,
            axes: &self.axes,
            assignments: &self.assignments,
            layout: &self.layout,
            opts: &self.opts,
        }
    }
}

/// Run `sweep`: every point, one shard of them (`--shard`, or the array index of the
/// environment with `--shard-dir`), or write a job script (`--emit`). Exit 0 when every
/// point solved is optimal or proved infeasible, 5 when some point hit a solver failure or
/// time limit (the table or shard is written either way), 1 for invalid input, 2 for bad usage.
fn run_sweep(args: &SweepArgs) -> Result<i32, Failure> {
    let o = &args.options;
    let axes = axes(&args.axis_args)?;
    if axes.is_empty() {
        return Err(usage(
            "sweep needs at least one --param KEY with --values or --range".into(),
        ));
    }
    let total = sweep::point_count(&axes).map_err(usage)?;
    if o.jobs == Some(0) {
        return Err(usage("--jobs must be at least 1".into()));
    }
    let time_limit = common::time_limit(o.time_limit)?;
    if o.plot.is_some() && !sweep::numeric(&axes[0]) {
        return Err(usage(format!(
            "--plot needs numeric values of the first --param `{}`",
            axes[0].key
        )));
    }
    let mode = o.shard.mode(shard::process_env, o.input.quiet)?;
    let shard_file = match &mode {
        Mode::Shard { shard, dir, .. } => {
            if let Some(flag) = [(o.output.is_some(), "--output"), (o.plot.is_some(), "--plot")]
                .iter()
                .find_map(|&(given, flag)| given.then_some(flag))
            {
                return Err(usage(format!(
                    "a shard writes its points to {}; {flag} belongs to `sweep merge DIR`, which writes the table",
                    dir.join(shard.file_name()).display()
                )));
            }
            Some(dir.join(shard.file_name()))
        }
        _ => None,
    };

    check_outputs(
        &o.input.files(),
        &[
            ("--output", o.output.as_deref()),
            ("--plot", o.plot.as_deref()),
            ("the shard file", shard_file.as_deref()),
        ],
    )?;
    let source = common::read(&o.input)?;
    let assignments = parse_assignments(&axes)?;
    let first = check_points(&source, &axes, &assignments, o.input.quiet)?;
    pipeline::check_size(&first).map_err(|why| Failure::input(format!("error: {why}")))?;
    let study = Study {
        name: first.meta.name.clone(),
        currency: first.meta.currency.clone(),
        layout: Layout::of(&first),
        source,
        axes,
        assignments,
        opts: RunOptions {
            backend: o.backend.0,
            solve: SolveOptions {
                time_limit,
                ..Default::default()
            },
            ranging: o.ranging.into(),
            // An infeasible point says what would make it feasible (the least relaxation: two
            // elastic LPs, then a solve of the relaxed instance per check); the conflict set
            // would cost one LP per candidate row.
            diagnose: !o.no_diagnose,
            conflict: false,
        },
        total,
    };
    drop(first);
    match mode {
        Mode::Whole => run_whole(&study, o),
        Mode::Shard { shard, dir, resume } => run_shard(&study, o, shard, &dir, resume),
        Mode::Emit { scheduler, shards, dir } => emit_script(&study, args, scheduler, shards, &dir),
    }
}

/// Solve every point and write the table.
fn run_whole(study: &Study, o: &SweepOptions) -> Result<i32, Failure> {
    let total = study.total;
    let points: Vec<usize> = (0..total).collect();
    let jobs = common::jobs_for(o.jobs, total);
    let started = Instant::now();
    let rows = solve_all(&study.job(), &points, jobs, &Progress::new(o.input.quiet), &|_, _| {})?;
    let elapsed = started.elapsed().as_secs_f64();
    refuse_invalid(&study.axes, &points, &rows)?;
    let table = Table {
        axes: study.axes.clone(),
        layout: study.layout.clone(),
        rows,
    };
    let failed = warn_failed(&table.axes, table.rows.iter().enumerate());
    note_infeasible(
        &table.axes,
        table.rows.iter().enumerate(),
        o.input.quiet || o.no_diagnose,
    );
    if !o.input.quiet {
        eprintln!(
            "sweep: {} ({}) in {elapsed:.1} s on {jobs} job{}",
            points_text(total),
            counts(&table.rows, failed),
            if jobs == 1 { "" } else { "s" }
        );
    }
    write_table(
        &table,
        o.format,
        o.output.as_deref(),
        o.plot.as_deref(),
        &study.name,
        &study.currency,
    )?;
    Ok(if failed > 0 { exit::SOLVER } else { exit::OK })
}

fn points_text(n: usize) -> String {
    format!("{n} point{}", if n == 1 { "" } else { "s" })
}

/// `N optimal, N infeasible, N failed`.
fn counts(rows: &[Row], failed: usize) -> String {
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
    format!(
        "{} optimal, {} infeasible, {failed} failed",
        count("optimal"),
        count("infeasible")
    )
}

/// A point that does not validate stops the run (exit 1) before anything is written.
fn refuse_invalid(axes: &[Axis], points: &[usize], rows: &[Row]) -> Result<(), Failure> {
    match points.iter().zip(rows).find(|(_, r)| r.status == "invalid") {
        Some((&i, row)) => Err(Failure::input(format!(
            "error: point {} ({}) does not validate: {}; nothing was written",
            i + 1,
            describe(axes, i),
            row.message.as_deref().unwrap_or("invalid")
        ))),
        None => Ok(()),
    }
}

/// Say on stderr which points are not settled (solver failure, time limit): an error each,
/// which `--quiet` does not silence (it silences warnings and notes; these make the exit
/// status 5). Returns their number.
fn warn_failed<'a>(axes: &[Axis], rows: impl Iterator<Item = (usize, &'a Row)>) -> usize {
    let mut failed = 0;
    for (i, r) in rows {
        if !r.settled() {
            failed += 1;
            eprintln!(
                "error: point {} ({}) was not solved{}{}",
                i + 1,
                describe(axes, i),
                match r.status.as_str() {
                    "error" => String::new(),
                    other => format!(" ({other})"),
                },
                r.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
            );
        }
    }
    failed
}

/// Infeasible points noted on stderr with what would make each feasible, at most this many
/// (the JSON lines format carries it for every point, as `message`).
const INFEASIBLE_NOTES: usize = 10;

/// A note per infeasible point with its least relaxation (unless `quiet`: also when the
/// points were not diagnosed).
fn note_infeasible<'a>(axes: &[Axis], rows: impl Iterator<Item = (usize, &'a Row)>, quiet: bool) {
    if quiet {
        return;
    }
    let infeasible: Vec<(usize, &Row)> = rows.filter(|(_, r)| r.status == "infeasible").collect();
    for (i, r) in infeasible.iter().take(INFEASIBLE_NOTES) {
        let why = r.message.as_deref().unwrap_or("the diagnosis found no relaxation");
        eprintln!("note: point {} ({}) is infeasible: {why}", i + 1, describe(axes, *i));
    }
    if infeasible.len() > INFEASIBLE_NOTES {
        eprintln!(
            "note: {} more infeasible points; `--format jsonl` gives each one's relaxation (`message`)",
            infeasible.len() - INFEASIBLE_NOTES
        );
    }
}

/// Write the table (and its chart) as an unsharded run does: both are made and written before
/// either file is replaced, so that a chart that cannot be written leaves the table's file as
/// it was (the exit status says nothing was written).
fn write_table(
    table: &Table,
    format: SweepFormat,
    output: Option<&Path>,
    plot: Option<&Path>,
    name: &str,
    currency: &str,
) -> Result<(), Failure> {
    let text = match format {
        SweepFormat::Jsonl => table.jsonl(),
        SweepFormat::Csv => table.csv(),
    };
    let chart = match plot {
        Some(path) => {
            let title = format!("{name}: cost against {}", table.axes[0].key);
            let svg = sweep::svg(table, &title, currency).map_err(usage)?;
            // `--plot FILE.html`: the chart on a self-contained page (inline SVG needs no namespace).
            let out = match path.extension().is_some_and(|e| e.eq_ignore_ascii_case("html")) {
                true => crate::report::html::page(
                    &title,
                    &format!(
                        "<h1>{}</h1>\n{}",
                        crate::report::html::esc(&title),
                        svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
                    ),
                ),
                false => svg,
            };
            Some((path, out))
        }
        None => None,
    };
    // A chart to a file is staged before the table; one to stdout or a device follows it.
    let staged = match &chart {
        Some((path, out)) if !common::is_stream(path) => {
            Some(common::stage(Some(path), |w| w.write_all(out.as_bytes()))?)
        }
        _ => None,
    };
    emit(output, |w| w.write_all(text.as_bytes()))?;
    match (staged, chart) {
        (Some(c), _) => c.commit(),
        (None, Some((path, out))) => emit(Some(path), |w| w.write_all(out.as_bytes())),
        (None, None) => Ok(()),
    }
}

/// What makes this sweep, for the shard files: the instance, the grid and the options that
/// shape the table.
fn sweep_run(study: &Study, o: &SweepOptions) -> SweepRun {
    let (axes, layout) = records::sweep_shape(&study.axes, &study.layout);
    SweepRun {
        version: records::VERSION.into(),
        instance: study.source.info(&study.name, &[]),
        currency: study.currency.clone(),
        axes,
        layout,
        format: choices::name_of(&o.format),
        backend: o.backend.name().into(),
        ranging: choices::name_of(&o.ranging),
        time_limit: o.time_limit.map(Exact),
        diagnose: !o.no_diagnose,
    }
}

/// Solve one shard into `dir` (see [`crate::cli::shard`]): the points an earlier run left
/// are kept with `--resume`, each point solved is appended to the journal, and the shard file
/// is written whole at the end.
fn run_shard(study: &Study, o: &SweepOptions, shard: Shard, dir: &Path, resume: bool) -> Result<i32, Failure> {
    let quiet = o.input.quiet;
    let run = serde_json::to_value(sweep_run(study, o)).expect("the run serializes");
    let header = Header::new("sweep", shard, study.total, run, None);
    let points = shard.points(study.total);
    let ids: BTreeMap<usize, String> = points
        .iter()
        .map(|&i| (i, records::sweep_point_id(&study.axes, i)))
        .collect();
    let begun = shard::begin::<SweepPoint>(dir, header, &ids, resume, quiet)?;
    let jobs = common::jobs_for(o.jobs, begun.todo.len());
    let started = Instant::now();
    let record = |i: usize, row: &Row| SweepPoint::new(i, ids[&i].clone(), row);
    let rows = solve_all(&study.job(), &begun.todo, jobs, &Progress::new(quiet), &|i, row| {
        begun.record(&record(i, row))
    })?;
    refuse_invalid(&study.axes, &begun.todo, &rows)?;
    let (kept, solved) = (begun.kept, begun.todo.len());
    let new: Vec<(usize, SweepPoint)> = begun.todo.iter().zip(&rows).map(|(&i, r)| (i, record(i, r))).collect();
    let (all, path) = begun.finish(dir, new)?;
    let all: Vec<Row> = all.iter().map(SweepPoint::row).collect();
    let failed = warn_failed(&study.axes, points.iter().copied().zip(&all));
    note_infeasible(&study.axes, points.iter().copied().zip(&all), quiet || o.no_diagnose);
    if !quiet {
        eprintln!(
            "sweep: shard {shard}: {} of {} ({}): {kept} kept from an earlier run, {solved} solved in {:.1} s on {jobs} \
             job{}; wrote {}",
            points_text(points.len()),
            study.total,
            counts(&all, failed),
            started.elapsed().as_secs_f64(),
            if jobs == 1 { "" } else { "s" },
            path.display()
        );
    }
    Ok(if failed > 0 { exit::SOLVER } else { exit::OK })
}

/// Write the job script of `--emit` to stdout: the shards run this sweep with the same
/// arguments; the merge writes `--output` (default `DIR/merged.csv` or `.jsonl`) and `--plot`.
fn emit_script(
    study: &Study,
    args: &SweepArgs,
    scheduler: Scheduler,
    shards: usize,
    dir: &Path,
) -> Result<i32, Failure> {
    let o = &args.options;
    let mut shard_args = vec!["sweep".to_string(), utf8(&o.input.instance, "the instance")?];
    shard_args.extend(input_args(&o.input)?);
    for a in &args.axis_args {
        let (flag, value) = match a {
            AxisArg::Param(k) => ("--param", k),
            AxisArg::Values(v) => ("--values", v),
            AxisArg::Range(r) => ("--range", r),
        };
        shard_args.extend([flag.to_string(), value.clone()]);
    }
    shard_args.extend(["--format".into(), choices::name_of(&o.format)]);
    shard_args.extend(["--backend".into(), o.backend.name().into()]);
    shard_args.extend(["--ranging".into(), choices::name_of(&o.ranging)]);
    if let Some(t) = o.time_limit {
        shard_args.extend(["--time-limit".into(), t.to_string()]);
    }
    if o.no_diagnose {
        shard_args.push("--no-diagnose".into());
    }
    if o.input.quiet {
        shard_args.push("--quiet".into());
    }
    let extension = choices::name_of(&o.format);
    let output = match &o.output {
        Some(p) => utf8(p, "--output")?,
        None => utf8(&dir.join(format!("merged.{extension}")), "--shard-dir")?,
    };
    let mut merge_args = vec!["--output".to_string(), output.clone()];
    if let Some(p) = &o.plot {
        merge_args.extend(["--plot".into(), utf8(p, "--plot")?]);
    }
    if o.input.quiet {
        merge_args.push("--quiet".into());
    }
    let job = emit::Job {
        command: "sweep",
        shard_args,
        merge_args,
        shards,
        dir: utf8(dir, "--shard-dir")?,
        points: study.total,
        jobs: o.jobs,
        inputs: input_files(&o.input)?,
        output,
    };
    let text = emit::script(scheduler, &job, &current_binary());
    emit(None, |w| w.write_all(text.as_bytes()))?;
    Ok(exit::OK)
}

/// `sweep merge DIR`: the table of the whole sweep from its shard files, byte for byte what an
/// unsharded run writes, with the same warnings and exit status; or, when shards are missing
/// or incomplete, which to run again (`--array=...`, exit 1) and nothing written.
fn merge(args: &SweepMergeArgs) -> Result<i32, Failure> {
    let m = &args.merge;
    let (entries, journals) = shard::read_dir::<SweepPoint>(&m.dir)?;
    shard::check_merge_outputs(
        &m.dir,
        &entries,
        &[("--output", m.output.as_deref()), ("--plot", args.plot.as_deref())],
    )?;
    let found = whatif::shard::gather("sweep", entries, &journals).map_err(|e| shard::merge_failed(&m.dir, e))?;
    let run: SweepRun = serde_json::from_value(found.header.run.clone()).map_err(|e| {
        Failure::input(format!(
            "error: {}: the shards' header does not describe a sweep ({e})",
            m.dir.display()
        ))
    })?;
    let axes = run.axes();
    for (i, p) in found.points.iter().enumerate() {
        if p.id != records::sweep_point_id(&axes, i) {
            return Err(Failure::input(format!(
                "error: {}: point {} ({}) does not match its id: the file was changed; run its shard again",
                found.files[i],
                i + 1,
                describe(&axes, i)
            )));
        }
    }
    if args.plot.is_some() && !sweep::numeric(&axes[0]) {
        return Err(usage(format!(
            "--plot needs numeric values of the first --param `{}`",
            axes[0].key
        )));
    }
    let format = SweepFormat::from_str(&run.format, false)
        .map_err(|_| Failure::input(format!("error: unknown sweep format `{}` in the shards", run.format)))?;
    let rows: Vec<Row> = found.points.iter().map(SweepPoint::row).collect();
    let points: Vec<usize> = (0..rows.len()).collect();
    refuse_invalid(&axes, &points, &rows)?;
    let table = Table {
        axes,
        layout: run.layout(),
        rows,
    };
    let failed = warn_failed(&table.axes, table.rows.iter().enumerate());
    note_infeasible(&table.axes, table.rows.iter().enumerate(), m.quiet || !run.diagnose);
    if !m.quiet {
        eprintln!(
            "sweep merge: {} from {} shard{} ({})",
            points_text(table.rows.len()),
            found.header.shards,
            if found.header.shards == 1 { "" } else { "s" },
            counts(&table.rows, failed)
        );
    }
    write_table(
        &table,
        format,
        m.output.as_deref(),
        args.plot.as_deref(),
        &run.instance.name,
        &run.currency,
    )?;
    Ok(if failed > 0 { exit::SOLVER } else { exit::OK })
}

/// `KEY=VALUE, KEY=VALUE` of point `i`, for messages.
fn describe(axes: &[Axis], i: usize) -> String {
    sweep::point_indices(axes, i)
        .iter()
        .zip(axes)
        .map(|(&k, a)| a.assignment(&a.values[k]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parse every `KEY=VALUE` of every axis with the override parser; a bad key or value is
/// invalid input (exit 1) with the parser's message and suggestion.
fn parse_assignments(axes: &[Axis]) -> Result<Vec<Vec<Override>>, Failure> {
    let mut all = Vec::with_capacity(axes.len());
    for a in axes {
        let mut parsed = Vec::with_capacity(a.values.len());
        for v in &a.values {
            match overrides::parse(&a.assignment(v), "--param") {
                Ok(o) => parsed.push(o),
                Err(d) => {
                    eprint!("{}", d.render("command line", ""));
                    return Err(Failure::input("error: invalid --param; nothing was solved"));
                }
            }
        }
        all.push(parsed);
    }
    Ok(all)
}

/// Validate, before solving anything, the first point and every value of every axis (with
/// the other axes at their first value): a key that names nothing or a value out of bounds
/// is invalid input (exit 1, located messages). Returns the first point's instance; its
/// warnings are printed unless `quiet`.
fn check_points(
    source: &Source,
    axes: &[Axis],
    assignments: &[Vec<Override>],
    quiet: bool,
) -> Result<Instance, Failure> {
    let base: Vec<Override> = assignments.iter().map(|a| a[0].clone()).collect();
    let first = common::instance(source, &base, quiet)?;
    for (a, axis) in axes.iter().enumerate() {
        for (k, value) in assignments[a].iter().enumerate().skip(1) {
            let mut extra = base.clone();
            extra[a] = value.clone();
            let errors: Vec<Diagnostic> = match source.validate_with(&extra) {
                Err(ds) => ds,
                Ok(v) if v.instance.is_some() => continue,
                Ok(v) => v
                    .diagnostics
                    .into_iter()
                    .filter(|d| d.severity == Severity::Error)
                    .collect(),
            };
            for d in source.render(&errors) {
                eprint!("{d}");
            }
            return Err(Failure::input(format!(
                "error: --param `{}` value `{}` is invalid; nothing was solved",
                axis.key, axis.values[k]
            )));
        }
    }
    Ok(first)
}

/// What every worker needs to solve a point.
struct Job<'a> {
    source: &'a Source,
    name: &'a str,
    axes: &'a [Axis],
    assignments: &'a [Vec<Override>],
    layout: &'a Layout,
    opts: &'a RunOptions,
}

impl Job<'_> {
    /// Validate and solve point `i`; never fails (a problem is the row's status).
    fn solve(&self, i: usize) -> Row {
        let extra: Vec<Override> = sweep::point_indices(self.axes, i)
            .iter()
            .zip(self.assignments)
            .map(|(&k, a)| a[k].clone())
            .collect();
        match pipeline::run_point(self.source, self.name, &extra, self.opts) {
            Ok(point) => Row::from_report(&point.report, self.layout),
            Err(why) => Row::invalid(why, self.layout),
        }
    }
}

/// Solve `points` on `jobs` threads; `on_row(i, row)` runs as each point `i` is solved (the
/// shard journal). Rows come back in the order of `points`, so the table does not depend on
/// `jobs`.
fn solve_all(
    job: &Job,
    points: &[usize],
    jobs: usize,
    progress: &Progress,
    on_row: &(dyn Fn(usize, &Row) + Sync),
) -> Result<Vec<Row>, Failure> {
    let total = points.len();
    let width = total.to_string().len();
    let rows = in_parallel(
        total,
        jobs,
        |k| job.solve(points[k]),
        |n, k, row: &Row| {
            on_row(points[k], row);
            progress.show(|| {
                let values = sweep::point_indices(job.axes, points[k])
                    .iter()
                    .zip(job.axes)
                    .map(|(&v, a)| a.values[v].as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                let point: String = values.chars().take(60).collect();
                format!("[{n:>width$}/{total}] {point}: {}", row.status)
            })
        },
    );
    progress.finish(false);
    rows.ok_or_else(|| Failure {
        code: exit::SOLVER,
        message: "error: a sweep worker failed unexpectedly; nothing was written".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new option of `sweep` must reach the shards of an emitted job script: add it to
    /// `emit_script`, then here.
    #[test]
    fn every_option_is_passed_on_by_emit() {
        let handled = [
            "instance",
            "sets",
            "scenario",
            "quiet",
            "param",
            "values",
            "range",
            "format",
            "output",
            "plot",
            "jobs",
            "backend",
            "ranging",
            "time_limit",
            "no_diagnose",
            "shard",
            "shards",
            "shard_dir",
            "resume",
            "emit",
        ];
        super::super::emit::assert_options_are(SweepArgs::augment_args(clap::Command::new("sweep")), &handled);
    }
}
