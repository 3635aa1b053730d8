//! `sourcing-opt solve`: validate, build, solve, report.

use super::choices::{Backend, DetailChoice, RangingChoice, ReportFormat};
use super::common::{self, check_outputs, emit, exit, load, Failure, InputArgs};
use crate::diagnose;
use crate::pipeline::{self, RunOptions};
use crate::report::{self, InstanceInfo};
use crate::solve::backend::SolveOptions;
use crate::solve::Status;
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

const AFTER_HELP: &str = "\
Examples:
  sourcing-opt solve instances/usmca_critical_minerals.toml
  sourcing-opt solve instances/usmca_critical_minerals.toml --ranging off --format json --output plan.json
  sourcing-opt solve instances/usmca_critical_minerals.toml --format html --output plan.html
  sourcing-opt solve instances/usmca_critical_minerals.toml --detail full --format md
  sourcing-opt solve instances/usmca_critical_minerals.toml --ranging off \\
      --set targets.ree_usmca.max_import_share=0.5 --set meta.carrying_rate=0.08
  sourcing-opt solve instances/usmca_critical_minerals.toml --ranging off \\
      --scenario instances/scenarios/calibration_2025.toml --format md

Exit status:
  0  solved to proven optimality
  1  invalid input or I/O error (located messages on stderr; nothing solved, no output file)
  2  bad command-line usage
  3  infeasible (the report says which limits conflict and how far each must move,
     unless --no-diagnose)
  4  unbounded
  5  solver failure: numerical trouble, an answer that could not be proved optimal, or the
     time limit";

#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct SolveArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Report format: text, json, csv, markdown (or md) or html (one self-contained file)
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Text, Markdown and HTML: brief (the summary and the tables a strategist reads) or full
    /// (also every facility, shipments, demands, concentration, all binding constraints, prices,
    /// ranging); JSON and CSV always have everything
    #[arg(long, value_enum, default_value = "brief")]
    pub detail: DetailChoice,
    /// Write the report to FILE (atomically) instead of stdout
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// LP backend: auto (by model size), minilp (simplex) or clarabel (interior point)
    #[arg(long, value_enum, default_value = "auto")]
    pub backend: Backend,
    /// Sensitivity ranging: auto (on up to 100,000 variables), on, off
    #[arg(long, value_enum, default_value = "auto")]
    pub ranging: RangingChoice,
    /// Skip the explanation of an infeasible plan (relaxations and conflict set)
    #[arg(long)]
    pub no_diagnose: bool,
    /// Bound the whole run (solve, duals, ranging, diagnosis) by SECONDS; exit 5 when hit, with what was done
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true)]
    pub time_limit: Option<f64>,
}

pub fn run(args: &SolveArgs) -> Result<i32, Failure> {
    check_outputs(&args.input.files(), &[("--output", args.output.as_deref())])?;
    let loaded = load(&args.input)?;
    let inst = &loaded.instance;
    let opts = SolveOptions {
        time_limit: common::time_limit(args.time_limit)?,
        ..Default::default()
    };
    let info = InstanceInfo {
        name: inst.meta.name.clone(),
        path: args.input.instance.display().to_string(),
        sha256: loaded.sha256.clone(),
        overrides: loaded.overrides.clone(),
        scenario: loaded.scenario.clone(),
    };
    let run_opts = RunOptions {
        backend: args.backend.0,
        solve: opts,
        ranging: args.ranging.into(),
        diagnose: !args.no_diagnose,
        conflict: true,
    };
    pipeline::check_size(inst).map_err(|why| Failure::input(format!("error: {why}")))?;
    let ticker = Ticker::start(args.input.quiet);
    let (mut rep, solved) = pipeline::run_with_phases(inst, info, &run_opts, &mut |p| ticker.phase(p));
    // Erased before any message goes to stderr.
    ticker.stop();
    rep.solver.read_ms = loaded.read_ms;
    rep.solver.validate_ms = loaded.validate_ms;
    let code = match solved.status {
        _ if solved.time_limit_hit => exit::SOLVER,
        Status::Optimal => exit::OK,
        Status::Infeasible => exit::INFEASIBLE,
        Status::Unbounded => exit::UNBOUNDED,
        Status::Error => exit::SOLVER,
    };
    if code != exit::OK {
        let why = match (&rep.message, &rep.diagnosis) {
            (Some(m), _) => m.clone(),
            (None, Some(d)) => brief(d),
            (None, None) if args.no_diagnose => "run without --no-diagnose to find out why".into(),
            (None, None) => "the solver gave no further detail".into(),
        };
        match solved.status {
            Status::Error => eprintln!("error: no optimal plan: {why}"),
            st if solved.time_limit_hit => eprintln!("error: time limit (the plan is {}): {why}", st.as_str()),
            st => eprintln!("error: the plan is {}: {why}", st.as_str()),
        }
    }
    // `--output` receives plans only: a run without one leaves the file as it was (a script's
    // last good plan survives) and its report, diagnosis included, goes to stdout.
    let target = if code == exit::OK { args.output.as_deref() } else { None };
    if code != exit::OK {
        if let Some(p) = &args.output {
            eprintln!("note: `{}` left unchanged; the report is on stdout", p.display());
        }
    }
    emit(target, |w| {
        report::render_to(&rep, args.format.into(), args.detail.into(), w)
    })?;
    // The report is written: leave the big structures (a million-variable model, its report)
    // to the operating system instead of freeing them one allocation at a time.
    std::mem::forget((rep, solved, loaded));
    Ok(code)
}

/// The progress line of a solve on stderr: the phase and the time since the start, shown once
/// the run has taken a second, rewritten five times a second, erased at the end; only while
/// stderr is a terminal and the command is not `--quiet` (like `sweep`'s and `stress`'s).
struct Ticker {
    state: Option<Arc<TickerState>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The current phase and whether the run is over, and the condition that wakes the line's
/// thread at the end.
type TickerState = (Mutex<(&'static str, bool)>, Condvar);

impl Ticker {
    fn start(quiet: bool) -> Ticker {
        if quiet || !std::io::stderr().is_terminal() {
            return Ticker {
                state: None,
                thread: None,
            };
        }
        let state = Arc::new((Mutex::new(("starting", false)), Condvar::new()));
        let shared = Arc::clone(&state);
        let thread = std::thread::spawn(move || {
            let start = Instant::now();
            let (lock, wake) = &*shared;
            let mut shown = false;
            let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                let (next, _) = wake
                    .wait_timeout(st, Duration::from_millis(200))
                    .unwrap_or_else(|e| e.into_inner());
                st = next;
                if st.1 {
                    break;
                }
                let t = start.elapsed().as_secs_f64();
                if t >= 1.0 {
                    eprint!("\r\x1b[Ksolve: {}, {t:.1} s", st.0);
                    shown = true;
                }
            }
            if shown {
                eprint!("\r\x1b[K");
            }
        });
        Ticker {
            state: Some(state),
            thread: Some(thread),
        }
    }

    fn phase(&self, phase: &'static str) {
        if let Some(s) = &self.state {
            s.0.lock().unwrap_or_else(|e| e.into_inner()).0 = phase;
        }
    }

    /// Erase the line and end the thread.
    fn stop(mut self) {
        if let Some(s) = &self.state {
            s.0.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
            s.1.notify_all();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One line for stderr: what the diagnosis found (the report carries the detail).
fn brief(d: &diagnose::Diagnosis) -> String {
    if let Some(first) = d.structural.first() {
        return first.clone();
    }
    if !d.conflict.is_empty() {
        return format!("these constraints cannot hold together: {}", d.conflict.join(", "));
    }
    if !d.relaxations.is_empty() {
        let names: Vec<&str> = d.relaxations.iter().map(|r| r.constraint.as_str()).collect();
        return format!("it becomes feasible by relaxing {}", names.join(", "));
    }
    "the diagnosis found no cause (see the report)".into()
}
