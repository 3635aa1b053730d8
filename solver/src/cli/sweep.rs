//! `sourcing-opt sweep INSTANCE.toml --param KEY (--values V1,V2,... | --range START:STOP:STEP)
//! [--param KEY ...]`: solve once per point of a grid of overrides, in parallel, and write one
//! row per point (see [`crate::whatif::sweep`] for the values, the grid order and the columns).
//!
//! The instance is read and parsed once; each point validates the file with the command's
//! own overrides (`--scenario`, `--set`) followed by the point's, and is solved without
//! ranging or diagnosis unless asked. Results are collected and written in point order, so
//! the output is byte-identical whatever `--jobs`.

use super::choices::{Backend, RangingChoice, SweepFormat};
use super::common::{self, check_outputs, emit, exit, in_parallel, Failure, InputArgs, Progress};
use crate::pipeline::{self, RunOptions, Source};
use crate::solve::backend::SolveOptions;
use crate::whatif::sweep::{self, Axis, Layout, Row, Table};
use clap::{ArgMatches, Args, FromArgMatches};
use sourcing_models::overrides::{self, Override};
use sourcing_models::{Diagnostic, Instance, Severity};
use std::path::PathBuf;
use std::time::{Duration, Instant};

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

Exit status: 0 every point optimal or proved infeasible (each row has its status), 1 invalid
input (a bad KEY or value; nothing solved, nothing written), 2 bad usage (e.g. a bad range),
5 some point hit a solver failure or the time limit (its row says `error`; the table is
still written).";

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
    /// Also write an SVG chart of the objective against the first --param (atomically)
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Points solved in parallel (default: the number of available cores)
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// LP backend: auto (by model size), minilp (simplex) or clarabel (interior point)
    #[arg(long, value_enum, default_value = "auto")]
    pub backend: Backend,
    /// Sensitivity ranging for each point: off (fastest), auto or on
    #[arg(long, value_enum, default_value = "off")]
    pub ranging: RangingChoice,
    /// Stop each point's solver after SECONDS (the point's status is then `error`, exit 5)
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
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

/// Run `sweep`. Exit 0 when every point is optimal or proved infeasible, 5 when some point
/// hit a solver failure or time limit (the table is written either way), 1 for invalid input,
/// 2 for bad usage.
pub fn run(args: &SweepArgs) -> Result<i32, Failure> {
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
    let time_limit = match o.time_limit {
        Some(t) if t.is_finite() && t > 0.0 => Some(Duration::from_secs_f64(t)),
        Some(t) => {
            return Err(usage(format!(
                "--time-limit must be a positive number of seconds, got {t}"
            )))
        }
        None => None,
    };
    if o.plot.is_some() && !sweep::numeric(&axes[0]) {
        return Err(usage(format!(
            "--plot needs numeric values of the first --param `{}`",
            axes[0].key
        )));
    }

    check_outputs(
        &o.input.files(),
        &[("--output", o.output.as_deref()), ("--plot", o.plot.as_deref())],
    )?;
    let source = common::read(&o.input)?;
    let assignments = parse_assignments(&axes)?;
    let first = check_points(&source, &axes, &assignments, o.input.quiet)?;
    pipeline::check_size(&first).map_err(|why| Failure::input(format!("error: {why}")))?;
    let layout = Layout::of(&first);
    let name = first.meta.name.clone();
    let currency = first.meta.currency.clone();
    drop(first);

    let opts = RunOptions {
        backend: o.backend.0,
        solve: SolveOptions {
            time_limit,
            ..Default::default()
        },
        ranging: o.ranging.into(),
        diagnose: false,
        conflict: false,
    };
    let jobs = o
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, total.max(1));
    let progress = Progress::new(o.input.quiet);
    let job = Job {
        source: &source,
        name: &name,
        axes: &axes,
        assignments: &assignments,
        layout: &layout,
        opts: &opts,
    };
    let started = Instant::now();
    let rows = solve_all(&job, total, jobs, &progress)?;
    let elapsed = started.elapsed().as_secs_f64();

    if let Some((i, row)) = rows.iter().enumerate().find(|(_, r)| r.status == "invalid") {
        return Err(Failure::input(format!(
            "error: point {} ({}) does not validate: {}; nothing was written",
            i + 1,
            describe(&axes, i),
            row.message.as_deref().unwrap_or("invalid")
        )));
    }
    let table = Table { axes, layout, rows };
    let mut failed = 0;
    for (i, r) in table.rows.iter().enumerate() {
        if !r.settled() {
            failed += 1;
            eprintln!(
                "warning: point {} ({}): {}{}",
                i + 1,
                describe(&table.axes, i),
                r.status,
                r.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
            );
        }
    }
    if !o.input.quiet {
        let count = |s: &str| table.rows.iter().filter(|r| r.status == s).count();
        eprintln!(
            "sweep: {total} point{} ({} optimal, {} infeasible, {failed} failed) in {elapsed:.1} s on {jobs} job{}",
            if total == 1 { "" } else { "s" },
            count("optimal"),
            count("infeasible"),
            if jobs == 1 { "" } else { "s" }
        );
    }

    let text = match o.format {
        SweepFormat::Jsonl => table.jsonl(),
        SweepFormat::Csv => table.csv(),
    };
    emit(o.output.as_deref(), |w| w.write_all(text.as_bytes()))?;
    if let Some(path) = &o.plot {
        let title = format!("{name}: cost against {}", table.axes[0].key);
        let svg = sweep::svg(&table, &title, &currency).map_err(usage)?;
        emit(Some(path), |w| w.write_all(svg.as_bytes()))?;
    }
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

/// Solve points `0..total` on `jobs` threads; rows come back in point order, so the table
/// does not depend on `jobs`.
fn solve_all(job: &Job, total: usize, jobs: usize, progress: &Progress) -> Result<Vec<Row>, Failure> {
    let width = total.to_string().len();
    let rows = in_parallel(
        total,
        jobs,
        |i| job.solve(i),
        |n, i, row: &Row| {
            progress.show(|| {
                let values = sweep::point_indices(job.axes, i)
                    .iter()
                    .zip(job.axes)
                    .map(|(&k, a)| a.values[k].as_str())
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
