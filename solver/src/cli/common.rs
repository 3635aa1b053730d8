//! What the commands share: loading with located diagnostics, atomic output, the parallel
//! loop of sweeps and stress runs, and the mapping of outcomes to exit codes (cli.md).

use super::flushing;
use crate::report::InstanceInfo;
use clap::Args;
use sha2::{Digest, Sha256};
use sourcing_models::overrides::{self, Override};
use sourcing_models::raw::RawTable;
use sourcing_models::{raw, validate, Diagnostic, Instance, Severity, Validated};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Exit codes of the command-line contract.
pub mod exit {
    pub const OK: i32 = 0;
    pub const INPUT: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const INFEASIBLE: i32 = 3;
    pub const UNBOUNDED: i32 = 4;
    pub const SOLVER: i32 = 5;
}

/// Options shared by the commands that read one instance.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// The instance file (TOML, schema 1)
    pub instance: PathBuf,
    /// Override one field: COLLECTION.ID.FIELD=VALUE, `*` for every ID, `*=` to scale
    /// (e.g. --set 'demands.*.quantity*=1.25'); repeatable, applied after --scenario
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// A scenario file: optional `name`, `description` and a table `[set]` of "KEY" = VALUE
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Print no warnings on stderr
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

pub struct Loaded {
    pub instance: Instance,
    pub source: String,
    pub sha256: String,
    /// The overrides applied, as written (scenario first, then `--set`).
    pub overrides: Vec<String>,
    pub scenario: Option<String>,
    /// Wall time of reading and parsing, and of overriding and validating.
    pub read_ms: f64,
    pub validate_ms: f64,
}

/// Parse the scenario file and the `--set` arguments; print every error.
fn overrides(args: &InputArgs) -> Result<(Vec<Override>, Option<String>), Failure> {
    let mut all = Vec::new();
    let mut scenario_name = None;
    let mut errors = 0;
    if let Some(path) = &args.scenario {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::input(format!("error: cannot read scenario `{}`: {e}", path.display())))?;
        match overrides::parse_scenario(&text) {
            Ok(sc) => {
                scenario_name = Some(sc.name.clone().unwrap_or_else(|| path.display().to_string()));
                all.extend(sc.overrides);
            }
            Err(ds) => {
                for d in ds {
                    eprint!("{}", d.render(&path.display().to_string(), &text));
                    errors += 1;
                }
            }
        }
    }
    for a in &args.sets {
        match overrides::parse(a, "--set") {
            Ok(o) => all.push(o),
            Err(d) => {
                eprint!("{}", d.render("command line", ""));
                errors += 1;
            }
        }
    }
    if errors > 0 {
        return Err(Failure::input(format!(
            "error: {errors} invalid override{}; nothing was solved",
            plural(errors)
        )));
    }
    Ok((all, scenario_name))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// An instance file read and parsed once, with its scenario and `--set` overrides: the
/// starting point of every command, and of every point of a sweep or stress run.
pub struct Source {
    /// The file as the user named it.
    pub file: String,
    pub text: String,
    pub sha256: String,
    /// `None` when the file is not valid TOML (the diagnostic is in `parse_error`).
    tree: Option<RawTable>,
    parse_error: Option<Diagnostic>,
    /// Scenario then `--set` overrides, as parsed.
    pub overrides: Vec<Override>,
    pub scenario: Option<String>,
    /// Wall time of reading, hashing and parsing the file.
    pub read_ms: f64,
}

impl Source {
    /// Read the file and parse it and the overrides; errors are printed and end the command.
    pub fn read(args: &InputArgs) -> Result<Source, Failure> {
        let path = &args.instance;
        let t0 = std::time::Instant::now();
        let bytes =
            std::fs::read(path).map_err(|e| Failure::input(format!("error: cannot read `{}`: {e}", path.display())))?;
        let sha256 = hex(&Sha256::digest(&bytes));
        let text = String::from_utf8(bytes)
            .map_err(|e| Failure::input(format!("error: `{}` is not UTF-8 text: {e}", path.display())))?;
        let (overrides, scenario) = overrides(args)?;
        let (tree, parse_error) = match raw::parse(&text) {
            Ok(t) => (Some(t), None),
            Err(d) => (None, Some(*d)),
        };
        Ok(Source {
            file: path.display().to_string(),
            text,
            sha256,
            tree,
            parse_error,
            overrides,
            scenario,
            read_ms: t0.elapsed().as_secs_f64() * 1e3,
        })
    }

    /// Apply this source's overrides, then `extra` (a sweep point's, a stress case's), and
    /// validate. Errors come back as diagnostics (rendered against this file).
    pub fn validate_with(&self, extra: &[Override]) -> Result<Validated, Vec<Diagnostic>> {
        let Some(tree) = &self.tree else {
            return Ok(Validated {
                instance: None,
                diagnostics: self.parse_error.clone().into_iter().collect(),
            });
        };
        if self.overrides.is_empty() && extra.is_empty() {
            // No copy of the parsed tree (a few hundred MB at a million variables).
            return Ok(validate::validate(tree));
        }
        let mut tree = tree.clone();
        overrides::apply(&mut tree, &self.overrides, "")?;
        overrides::apply(&mut tree, extra, "")?;
        Ok(validate::validate(&tree))
    }

    /// The report's instance block, with `extra` overrides listed after the command's own.
    pub fn info(&self, name: &str, extra: &[Override]) -> InstanceInfo {
        InstanceInfo {
            name: name.to_string(),
            path: self.file.clone(),
            sha256: self.sha256.clone(),
            overrides: self.overrides.iter().chain(extra).map(|o| o.text.clone()).collect(),
            scenario: self.scenario.clone(),
        }
    }

    /// Validate with `extra` overrides; print diagnostics (warnings unless `quiet`) and fail
    /// with every error.
    pub fn instance(&self, extra: &[Override], quiet: bool) -> Result<Instance, Failure> {
        let file = &self.file;
        let validated = match self.validate_with(extra) {
            Ok(v) => v,
            Err(ds) => {
                for d in &ds {
                    eprint!("{}", d.render(file, &self.text));
                }
                return Err(Failure::input(format!(
                    "error: {} override{} {} nothing in `{file}`; nothing was solved",
                    ds.len(),
                    plural(ds.len()),
                    if ds.len() == 1 { "names" } else { "name" }
                )));
            }
        };
        let errors = validated
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        if !quiet || errors > 0 {
            for d in &validated.diagnostics {
                eprint!("{}", d.render(file, &self.text));
            }
        }
        validated.instance.ok_or_else(|| {
            Failure::input(format!(
                "error: `{file}` has {errors} error{}; nothing was solved",
                plural(errors)
            ))
        })
    }
}

/// Read and validate an instance; print warnings (unless quiet) and fail with every error.
pub fn load(args: &InputArgs) -> Result<Loaded, Failure> {
    let src = Source::read(args)?;
    let t0 = std::time::Instant::now();
    let instance = src.instance(&[], args.quiet)?;
    Ok(Loaded {
        read_ms: src.read_ms,
        validate_ms: t0.elapsed().as_secs_f64() * 1e3,
        instance,
        sha256: src.sha256.clone(),
        overrides: src.overrides.iter().map(|o| o.text.clone()).collect(),
        scenario: src.scenario.clone(),
        source: src.text,
    })
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a command's result goes: stdout, or a file written through a temporary file in the
/// same directory and renamed into place, so a failed run never leaves a partial file.
pub fn emit(output: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), Failure> {
    match output {
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            let res = write(&mut lock).and_then(|_| lock.flush());
            match res {
                Ok(()) => Ok(()),
                // A closed pipe (`| head`) is the reader's choice, not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(Failure::input(format!("error: cannot write to stdout: {e}"))),
            }
        }
        Some(path) => {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let fail = |e: std::io::Error| Failure::input(format!("error: cannot write `{}`: {e}", path.display()));
            let tmp = tempfile::NamedTempFile::new_in(&dir).map_err(fail)?;
            flushing::write_synced(tmp.as_file(), write).map_err(fail)?;
            // Keep an existing file's permissions; a new one gets the usual 0644, not the
            // temporary file's 0600.
            let perms = match std::fs::metadata(path) {
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
            tmp.persist(path).map_err(|e| fail(e.error))?;
            Ok(())
        }
    }
}
