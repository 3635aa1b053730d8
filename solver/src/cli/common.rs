//! What the commands share: printing the diagnostics of a load (the loading itself is
//! [`crate::pipeline::load`]), atomic output, the parallel loop of sweeps and stress runs and
//! their progress line, and the mapping of outcomes to exit codes (cli.md).

use super::flushing;
use crate::pipeline::{self, Input, LoadError, Loaded, Source};
use crate::solve::backend::SolveOptions;
use clap::Args;
use sourcing_models::overrides::Override;
use sourcing_models::Instance;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Exit codes of the command-line contract.
pub mod exit {
    pub const OK: i32 = 0;
    pub const INPUT: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const INFEASIBLE: i32 = 3;
    pub const UNBOUNDED: i32 = 4;
    pub const SOLVER: i32 = 5;
}

/// The output and solving options of the ranking commands (`stress`, `permits`).
#[derive(Args, Debug)]
pub struct RankingArgs {
    /// Output format: text, csv, json (the command's own schema) or markdown (or md)
    #[arg(long, value_enum, default_value = "text")]
    pub format: super::choices::StressFormat,
    /// Write the ranking to FILE (atomically) instead of stdout
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Cases solved in parallel (default: the number of available cores)
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// LP backend: auto (by model size), minilp (simplex) or clarabel (interior point)
    #[arg(long, value_enum, default_value = "auto")]
    pub backend: super::choices::Backend,
    /// Stop each case's solver after SECONDS (the base case too: then nothing is ranked, exit
    /// 5; a case that runs out says `error` in its row, exit 5)
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true)]
    pub time_limit: Option<f64>,
}

impl RankingArgs {
    /// Refuse `--jobs 0` and a `--time-limit` that is not a positive number (usage), and an
    /// output that would clobber an input.
    pub fn check(&self, input: &InputArgs) -> Result<(), Failure> {
        let usage = |message: String| Failure {
            code: exit::USAGE,
            message: format!("error: {message}"),
        };
        if self.jobs == Some(0) {
            return Err(usage("--jobs must be at least 1".into()));
        }
        time_limit(self.time_limit)?;
        check_outputs(&input.files(), &[("--output", self.output.as_deref())])
    }

    /// The solver options of every case: `--time-limit` (checked by [`Self::check`]).
    pub fn solve_options(&self) -> SolveOptions {
        SolveOptions {
            time_limit: time_limit(self.time_limit).ok().flatten(),
            ..Default::default()
        }
    }

    /// The threads for `cases` cases: `--jobs`, or every available core, at most one a case.
    pub fn jobs_for(&self, cases: usize) -> usize {
        jobs_for(self.jobs, cases)
    }
}

/// How the error of a what-if command whose base case has no plan names its status: "is
/// infeasible", "is unbounded", "was not solved" (a solver failure or time limit).
pub fn base_status(status: &str) -> String {
    match status {
        "error" => "was not solved".into(),
        s => format!("is {s}"),
    }
}

/// `1 case`, `2 cases`: a count and its noun, singular for one.
pub fn count(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// `--time-limit SECONDS` as a duration; a usage error unless it is a positive number.
pub fn time_limit(seconds: Option<f64>) -> Result<Option<Duration>, Failure> {
    match seconds {
        Some(t) if t.is_finite() && t > 0.0 => Ok(Some(Duration::from_secs_f64(t))),
        Some(t) => Err(Failure {
            code: exit::USAGE,
            message: format!("error: --time-limit must be a positive number of seconds, got {t}"),
        }),
        None => Ok(None),
    }
}

/// The threads for `items` items: `jobs` (`--jobs`), or every available core, at most one an
/// item.
pub fn jobs_for(jobs: Option<usize>, items: usize) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, items.max(1))
}

/// Options shared by the commands that read one instance.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// The instance file (TOML, schema 1 or 2)
    pub instance: PathBuf,
    /// Override one field: COLLECTION.ID.FIELD=VALUE, `*` for every ID, `*=` to scale
    /// (e.g. --set 'demands.*.quantity*=1.1'); repeatable, applied after --scenario
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// A scenario file: optional `name`, `description` and a table `[set]` of "KEY" = VALUE
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Print no warnings or notes on stderr (errors still are, such as a sweep point that was not solved)
    #[arg(long, short)]
    pub quiet: bool,
}

/// An error that ends the command with a message on stderr and an exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn input(message: impl Into<String>) -> Self {
        Failure {
            code: exit::INPUT,
            message: message.into(),
        }
    }
}

/// The library's [`Input`] of these arguments.
impl InputArgs {
    pub fn input(&self) -> Input<'_> {
        Input {
            instance: &self.instance,
            sets: &self.sets,
            scenario: self.scenario.as_deref(),
        }
    }

    /// The files these arguments read, named as [`check_outputs`] names them.
    pub fn files(&self) -> Vec<(&'static str, &Path)> {
        let mut files = vec![("the instance", self.instance.as_path())];
        if let Some(s) = &self.scenario {
            files.push(("the --scenario file", s.as_path()));
        }
        files
    }
}

/// What identifies a file on this system: device and inode (so a symlink, a hard link or
/// `x/../X.toml` is the same file as `X.toml`).
#[cfg(unix)]
type FileId = (u64, u64);

#[cfg(unix)]
fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
type FileId = PathBuf;

#[cfg(not(unix))]
fn file_id(path: &Path) -> Option<FileId> {
    std::fs::canonicalize(path).ok()
}

/// The file a path names: an existing file by identity, a file still to be created by its
/// directory's identity and its name. `None` when neither can be known (a missing directory:
/// writing there fails anyway).
fn identity(path: &Path) -> Option<(FileId, Option<std::ffi::OsString>)> {
    if let Some(id) = file_id(path) {
        return Some((id, None));
    }
    Some((file_id(directory_of(path))?, Some(path.file_name()?.to_os_string())))
}

/// Refuse, before anything is read, solved or written, an output that is one of the run's
/// input files or another of its outputs (the same file by identity, not by name): writing
/// it would destroy the input or the other output. A usage error (exit 2) naming both.
/// `inputs` and `outputs` pair a description (`the instance`, `--output`) with the path.
pub fn check_outputs(inputs: &[(&str, &Path)], outputs: &[(&str, Option<&Path>)]) -> Result<(), Failure> {
    let usage = |message: String| Failure {
        code: exit::USAGE,
        message: format!("error: {message}"),
    };
    let inputs: Vec<_> = inputs.iter().map(|&(what, p)| (what, p, identity(p))).collect();
    let mut seen: Vec<(&str, &Path, _)> = Vec::new();
    let mut to_stdout: Option<&str> = None;
    for &(flag, path) in outputs {
        let Some(path) = path else { continue };
        if is_stdout(path) {
            if let Some(other) = to_stdout {
                return Err(usage(format!(
                    "{flag} - and {other} - both write to standard output; give one of them a file"
                )));
            }
            to_stdout = Some(flag);
            continue;
        }
        // A shard file's directory is created by the run (`--shard-dir`); a flag's is not.
        if flag.starts_with("--") {
            writable_place(flag, path)?;
        }
        let Some(id) = identity(path) else { continue };
        if let Some((what, p, _)) = inputs.iter().find(|(_, _, i)| i.as_ref() == Some(&id)) {
            return Err(usage(format!(
                "{flag} `{}` is the same file as {what} `{}`; writing it would destroy the input; \
                 choose another output file",
                path.display(),
                p.display()
            )));
        }
        if let Some((other, p, _)) = seen.iter().find(|(_, _, i)| *i == id) {
            return Err(usage(format!(
                "{flag} `{}` and {other} `{}` are the same file; give each output its own file",
                path.display(),
                p.display()
            )));
        }
        seen.push((flag, path, id));
    }
    Ok(())
}

/// `-` as an output: standard output, as in most command-line tools (never a file named `-`;
/// write `./-` for that).
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The directory a file path is in (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// An output whose directory is missing (or that is itself a directory) cannot be written:
/// say so before anything is solved (exit 1, nothing solved), not after the whole run.
fn writable_place(flag: &str, path: &Path) -> Result<(), Failure> {
    if path.is_dir() {
        return Err(Failure::input(format!(
            "error: cannot write `{}` ({flag}): it is a directory; give a file name inside it (nothing was run)",
            path.display()
        )));
    }
    // `y/` names a directory, not a file (its parent is `""`, so it must be caught here).
    if path.file_name().is_none() || path.as_os_str().to_string_lossy().ends_with(std::path::MAIN_SEPARATOR) {
        return Err(Failure::input(format!(
            "error: cannot write `{}` ({flag}): it names a directory; give a file name, e.g. `{}report.txt` \
             (nothing was run)",
            path.display(),
            path.display()
        )));
    }
    let dir = directory_of(path);
    if dir.is_dir() {
        return Ok(());
    }
    let fix = if dir.exists() {
        "is a file, not a directory; choose another path".to_string()
    } else {
        format!(
            "does not exist; create it first (`mkdir -p {}`) or choose another path",
            dir.display()
        )
    };
    Err(Failure::input(format!(
        "error: cannot write `{}` ({flag}): `{}` {fix} (nothing was run)",
        path.display(),
        dir.display(),
    )))
}

/// Print a failed load's diagnostics on stderr; its message ends the command (exit 1).
pub fn failed(e: LoadError) -> Failure {
    print(&e.diagnostics);
    Failure::input(e.message)
}

/// The progress line of a sweep or stress run on stderr: rewritten in place after each
/// point while stderr is a terminal and the command is not quiet; nothing otherwise (a log
/// file gets no carriage returns).
pub(crate) struct Progress {
    on: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Self {
        Progress {
            on: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// Replace the line with `line()` (only called when the line is shown). Keep it short,
    /// so `\r` rewrites it on any terminal width.
    pub fn show(&self, line: impl FnOnce() -> String) {
        if self.on {
            eprint!("\r\x1b[K{}", line());
        }
    }

    /// The run is over: end the line so it stays on screen (`keep`), or erase it.
    pub fn finish(&self, keep: bool) {
        if self.on {
            if keep {
                eprintln!();
            } else {
                eprint!("\r\x1b[K");
            }
        }
    }
}

fn print(diagnostics: &[String]) {
    for d in diagnostics {
        eprint!("{d}");
    }
}

/// Read the instance file and parse it and the overrides; errors are printed and end the
/// command.
pub fn read(args: &InputArgs) -> Result<Source, Failure> {
    Source::read(&args.input()).map_err(failed)
}

/// Validate `source` with `extra` overrides; print its warnings (unless `quiet`) and fail with
/// every diagnostic.
pub fn instance(source: &Source, extra: &[Override], quiet: bool) -> Result<Instance, Failure> {
    let checked = source.instance(extra).map_err(failed)?;
    if !quiet {
        print(&checked.diagnostics);
    }
    Ok(checked.instance)
}

/// Read and validate an instance; print warnings (unless quiet) and fail with every error.
pub fn load(args: &InputArgs) -> Result<Loaded, Failure> {
    let loaded = pipeline::load(&args.input()).map_err(failed)?;
    if !args.quiet {
        print(&loaded.diagnostics);
    }
    Ok(loaded)
}

/// Run `work(i)` for every `i` in `0..total` on `jobs` threads, each taking the next index
/// from an atomic counter; `done(n, i, &result)` runs after each (`n` finished so far, for a
/// progress line). The results come back in index order, so a command's output does not
/// depend on `jobs`. `None` when a worker panicked.
pub(crate) fn in_parallel<T: Send>(
    total: usize,
    jobs: usize,
    work: impl Fn(usize) -> T + Sync,
    done: impl Fn(usize, usize, &T) + Sync,
) -> Option<Vec<T>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let parts = std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs.max(1))
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total {
                            break;
                        }
                        let result = work(i);
                        done(finished.fetch_add(1, Ordering::Relaxed) + 1, i, &result);
                        mine.push((i, result));
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect::<Vec<_>>()
    });
    let mut out: Vec<Option<T>> = (0..total).map(|_| None).collect();
    for part in parts {
        for (i, result) in part.ok()? {
            out[i] = Some(result);
        }
    }
    out.into_iter().collect()
}

/// Where a command's result goes: stdout (no output, or `-`), or a file written through a temporary file in the
/// same directory and renamed into place, so a failed run never leaves a partial file. A
/// symbolic link stays a link: the file it points to is the one replaced. A device, a named
/// pipe or a socket (`/dev/null`, `/dev/stdout`, a FIFO a reader waits on) is written as it
/// stands, since renaming a file over it would replace it.
pub fn emit(output: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), Failure> {
    stage(output, write)?.commit()
}

/// An output written but not yet in place: a file's temporary copy, renamed over the file by
/// [`Staged::commit`] (stdout, devices and pipes are written at once and have nothing left to
/// do). A command with two outputs stages both before it commits either, so that when one
/// cannot be written neither file is replaced. Dropped uncommitted, the temporary file goes.
pub struct Staged {
    pending: Option<(tempfile::NamedTempFile, PathBuf, PathBuf)>,
}

impl Staged {
    pub fn commit(self) -> Result<(), Failure> {
        let Some((tmp, path, named)) = self.pending else {
            return Ok(());
        };
        tmp.persist(&path)
            .map_err(|e| Failure::input(format!("error: cannot write `{}`: {}", named.display(), e.error)))?;
        Ok(())
    }
}

/// Whether `path` is written as a stream by [`emit`] (stdout, a device, a pipe), not through a
/// temporary file.
pub fn is_stream(path: &Path) -> bool {
    is_stdout(path) || std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// [`emit`]'s first half: write the output (a file: to its temporary copy) without putting it
/// in place.
pub fn stage(
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<Staged, Failure> {
    let done = Staged { pending: None };
    match output.filter(|p| !is_stdout(p)) {
        None => {
            let stdout = std::io::stdout();
            let lock = std::io::BufWriter::new(stdout.lock());
            stream(lock, write).map_err(|e| Failure::input(format!("error: cannot write to stdout: {e}")))?;
            Ok(done)
        }
        Some(path) if is_stream(path) => {
            let fail = |e: std::io::Error| Failure::input(format!("error: cannot write `{}`: {e}", path.display()));
            let file = std::fs::OpenOptions::new().write(true).open(path).map_err(fail)?;
            stream(std::io::BufWriter::new(file), write).map_err(fail)?;
            Ok(done)
        }
        Some(named) => {
            let fail = |e: std::io::Error| Failure::input(format!("error: cannot write `{}`: {e}", named.display()));
            let path = through_links(named);
            let dir = directory_of(&path).to_path_buf();
            let tmp = temporary_in(&dir).map_err(fail)?;
            flushing::write_synced(tmp.as_file(), write).map_err(fail)?;
            // Keep an existing file's permissions; a new one gets the usual 0644, not the
            // temporary file's 0600.
            let perms = match std::fs::metadata(&path) {
                Ok(m) => m.permissions(),
                Err(_) => {
                    #[cfg(unix)]
                    {
                        use std::os::unix::fs::PermissionsExt;
                        std::fs::Permissions::from_mode(0o644)
                    }
                    #[cfg(not(unix))]
                    {
                        tmp.as_file().metadata().map_err(fail)?.permissions()
                    }
                }
            };
            tmp.as_file().set_permissions(perms).map_err(fail)?;
            Ok(Staged {
                pending: Some((tmp, path, named.to_path_buf())),
            })
        }
    }
}

/// Write to a stream (stdout, a device, a pipe) and flush it. A closed pipe (`| head`) is
/// the reader's choice, not an error.
fn stream(mut out: impl Write, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    match write(&mut out).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        res => res,
    }
}

/// The file a path names once its symbolic links are followed (also a link to a file that
/// does not exist yet), so that the file, not the link, is replaced.
fn through_links(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    // As many links as the system follows (Linux's limit); a loop ends there.
    for _ in 0..40 {
        match std::fs::read_link(&p) {
            Ok(target) => p = directory_of(&p).join(target),
            Err(_) => break,
        }
    }
    p
}

/// A new temporary file in `dir` (mode 0600 until it is renamed). Created here rather than by
/// `NamedTempFile::new_in`, whose errors carry the temporary file's name ("... at path
/// .tmpXXXX"): the user never named that file, so a failure must speak of theirs only.
fn temporary_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new().make_in(dir, |p| {
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(p)
    })
}
