//! The command-line side of cluster runs of `sweep` and `stress` (the slices themselves, the
//! file format and the merge checks are [`crate::whatif::shard`]):
//!
//! - which shard a run solves ([`ShardArgs::mode`]): `--shard I/N`, else the array index of
//!   the environment, only when `--shard-dir DIR` asks for a sharded run (so a plain sweep
//!   inside someone's array job still solves every point): `SLURM_ARRAY_TASK_ID` with N from
//!   `--shards` or, without it, from `SLURM_ARRAY_TASK_COUNT` when the array is exactly
//!   `0..N-1`; `JOB_COMPLETION_INDEX` (Kubernetes Indexed Jobs) with `--shards N`. The array
//!   index is the shard index, 0-based, so `--array=1,3` runs shards 1 and 3;
//! - the shard's journal ([`Journal`]): while a shard runs, each point is appended to
//!   `DIR/shard-I-of-N.jsonl.partial` as it is solved, so a killed task loses only the points
//!   it was solving; at the end the whole shard file is written atomically (a temporary file
//!   renamed, as `--output`) and the journal removed;
//! - `--resume` ([`resume`]): the points a previous run of the same shard of the same run
//!   (fingerprint) left in its file or journal are kept, the rest solved;
//! - reading a shard directory for `merge` ([`read_dir`]).

use super::choices::Scheduler;
use super::common::{self, exit, Failure};
use crate::whatif::shard::{self, Entry, Header, Keyed, MergeError, Problem, Shard, JOURNAL_SUFFIX};
use clap::{ArgMatches, Args, FromArgMatches};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The options of `sweep` and `stress` that run one shard or write a job script.
#[derive(Args, Debug, Clone, Default)]
pub struct ShardArgs {
    /// Solve only shard I of N (0-based: I = 0 to N-1; point i is in shard i % N) into
    /// DIR/shard-I-of-N.jsonl (needs --shard-dir); `merge DIR` joins the shards
    #[arg(long, value_name = "I/N", help_heading = "Cluster runs")]
    pub shard: Option<String>,
    /// The number of shards N: for --emit, or when I comes from SLURM_ARRAY_TASK_ID or
    /// JOB_COMPLETION_INDEX in the environment
    #[arg(long, value_name = "N", help_heading = "Cluster runs")]
    pub shards: Option<usize>,
    /// The directory of the shard files (created if missing). With it a run solves one shard:
    /// --shard I/N, or that of SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX
    #[arg(long, value_name = "DIR", help_heading = "Cluster runs")]
    pub shard_dir: Option<PathBuf>,
    /// Keep the points an earlier run of this shard already solved (its file or journal in
    /// --shard-dir, same instance and options) and solve only the others
    #[arg(long, help_heading = "Cluster runs")]
    pub resume: bool,
    /// Write a job script to stdout instead of solving: slurm (an sbatch array job, one task
    /// per shard, then the merge as a dependent job) or k8s (an Indexed Job manifest); needs
    /// --shards and --shard-dir; --output names the merged output
    #[arg(long, value_enum, value_name = "SCHEDULER", help_heading = "Cluster runs")]
    pub emit: Option<Scheduler>,
}

/// What a run of `sweep` or `stress` does.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Solve every point (no sharding).
    Whole,
    /// Solve one shard into `dir`.
    Shard { shard: Shard, dir: PathBuf, resume: bool },
    /// Write a job script of `shards` shards writing to `dir`.
    Emit {
        scheduler: Scheduler,
        shards: usize,
        dir: PathBuf,
    },
}

fn usage(message: String) -> Failure {
    Failure {
        code: exit::USAGE,
        message: format!("error: {message}"),
    }
}

impl ShardArgs {
    /// What the run does, from these options and the environment (`env` looks a variable
    /// up). Every mistake is a usage error (exit 2). A run without `--shard-dir` inside an
    /// array job solves every point, with a note on stderr unless `quiet`.
    pub fn mode(&self, env: impl Fn(&str) -> Option<String>, quiet: bool) -> Result<Mode, Failure> {
        if self.shards == Some(0) {
            return Err(usage("--shards 0: the number of shards N must be at least 1".into()));
        }
        if let Some(n) = self.shards.filter(|&n| n > shard::MAX_SHARDS) {
            return Err(usage(format!(
                "--shards {n}: a run has at most {} shards",
                shard::MAX_SHARDS
            )));
        }
        if let Some(scheduler) = self.emit {
            return self.emit_mode(scheduler);
        }
        let Some(dir) = self.shard_dir.clone() else {
            if let Some(flag) = [
                (self.shard.is_some(), "--shard"),
                (self.shards.is_some(), "--shards"),
                (self.resume, "--resume"),
            ]
            .iter()
            .find_map(|&(given, flag)| given.then_some(flag))
            {
                return Err(usage(format!(
                    "{flag} needs --shard-dir DIR: the directory of the shard files (shard-I-of-N.jsonl)"
                )));
            }
            let array = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"]
                .into_iter()
                .find(|v| env(v).is_some());
            if let (Some(var), false) = (array, quiet) {
                eprintln!(
                    "note: {var} is set but there is no --shard-dir: this run solves every point (give --shard-dir DIR \
                     to solve this task's shard)"
                );
            }
            return Ok(Mode::Whole);
        };
        let shard = match &self.shard {
            Some(spec) => {
                let s = Shard::parse(spec).map_err(usage)?;
                if let Some(n) = self.shards.filter(|&n| n != s.count) {
                    return Err(usage(format!(
                        "--shard {spec} and --shards {n} disagree; give one of them"
                    )));
                }
                s
            }
            None => from_env(self.shards, &env).map_err(usage)?.ok_or_else(|| {
                usage(
                    "--shard-dir runs one shard: give --shard I/N, or run it as a Slurm array task \
                     (SLURM_ARRAY_TASK_ID) or a Kubernetes indexed pod (JOB_COMPLETION_INDEX, with --shards N)"
                        .into(),
                )
            })?,
        };
        Ok(Mode::Shard {
            shard,
            dir,
            resume: self.resume,
        })
    }

    fn emit_mode(&self, scheduler: Scheduler) -> Result<Mode, Failure> {
        if self.shard.is_some() {
            return Err(usage(
                "--emit writes a script for every shard; drop --shard (give the number of shards with --shards N)"
                    .into(),
            ));
        }
        let Some(shards) = self.shards else {
            return Err(usage(
                "--emit needs --shards N: the number of shards (array tasks, pods)".into(),
            ));
        };
        let Some(dir) = self.shard_dir.clone() else {
            return Err(usage(
                "--emit needs --shard-dir DIR: where the shards write their files (a directory every node reaches)"
                    .into(),
            ));
        };
        Ok(Mode::Emit { scheduler, shards, dir })
    }
}

/// The shard of an array task: `SLURM_ARRAY_TASK_ID` (N from `shards`, else from
/// `SLURM_ARRAY_TASK_COUNT` when the array is exactly 0..N-1) or `JOB_COMPLETION_INDEX` (N
/// from `shards`); `None` outside an array.
fn from_env(shards: Option<usize>, env: &impl Fn(&str) -> Option<String>) -> Result<Option<Shard>, String> {
    let number = |var: &str| -> Result<Option<usize>, String> {
        match env(var) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map(Some)
                .map_err(|_| format!("{var}=`{v}` is not a whole number")),
        }
    };
    if let Some(index) = number("SLURM_ARRAY_TASK_ID")? {
        let count = match shards {
            Some(n) => n,
            None => slurm_count(&number)?,
        };
        return Shard::new(index, count).map(Some).map_err(|e| {
            format!(
                "SLURM_ARRAY_TASK_ID={index}: {e}; submit --array=0-{}",
                count.saturating_sub(1)
            )
        });
    }
    if let Some(index) = number("JOB_COMPLETION_INDEX")? {
        let Some(count) = shards else {
            return Err(format!(
                "JOB_COMPLETION_INDEX={index} gives the shard index: give the number of shards with --shards N (the \
                 Job's completions)"
            ));
        };
        return Shard::new(index, count)
            .map(Some)
            .map_err(|e| format!("JOB_COMPLETION_INDEX={index}: {e}"));
    }
    Ok(None)
}

/// N of a Slurm array without `--shards`: `SLURM_ARRAY_TASK_COUNT`, when the array's indices
/// are exactly 0 to N-1 (an array of some shards only, as a resubmission is, needs `--shards`).
fn slurm_count(number: &impl Fn(&str) -> Result<Option<usize>, String>) -> Result<usize, String> {
    let Some(count) = number("SLURM_ARRAY_TASK_COUNT")? else {
        return Err(
            "SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT: give the number of shards with --shards N"
                .into(),
        );
    };
    let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
    let max = number("SLURM_ARRAY_TASK_MAX")?.unwrap_or(count.saturating_sub(1));
    if count == 0 || min != 0 || max != count - 1 {
        return Err(format!(
            "the Slurm array runs indices {min} to {max} ({count} tasks), not 0 to N-1: the array index is the shard \
             index, so give the number of shards with --shards N (needed to run some shards again, e.g. \
             --array=1,3), or submit --array=0-{}",
            count.saturating_sub(1)
        ));
    }
    Ok(count)
}

/// The environment of this process.
pub fn process_env(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.is_empty())
}

/// Create the shard directory (and its parents); an error is an I/O error (exit 1).
pub fn create_dir(dir: &Path) -> Result<(), Failure> {
    if dir.exists() && !dir.is_dir() {
        return Err(Failure::input(format!(
            "error: --shard-dir `{}` is a file, not a directory; name a directory for the shard files",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure::input(format!(
            "error: cannot create the shard directory `{}`: {e}",
            dir.display()
        ))
    })
}

/// The points a shard solves as it goes, appended to its journal; see the module
/// documentation.
struct Journal {
    path: PathBuf,
    file: Mutex<Option<std::fs::File>>,
}

impl Journal {
    /// Start the journal of the shard of `header` in `dir` with the header and the lines of
    /// the points kept from an earlier run, written whole (a temporary file renamed), then
    /// opened to append.
    fn start(dir: &Path, header: &Header, kept: &[String]) -> Result<Journal, Failure> {
        let path = dir.join(header.shard().journal_name());
        common::emit(Some(&path), |w| {
            w.write_all(shard::header_line(header).as_bytes())?;
            for l in kept {
                w.write_all(l.as_bytes())?;
            }
            Ok(())
        })?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| Failure::input(format!("error: cannot write `{}`: {e}", path.display())))?;
        Ok(Journal {
            path,
            file: Mutex::new(Some(file)),
        })
    }

    /// Append one point's line (one write, so that lines never interleave). A failure is
    /// reported once and ends the journal; the run goes on.
    fn append(&self, line: &str) {
        let Ok(mut guard) = self.file.lock() else {
            return;
        };
        if let Some(f) = guard.as_mut() {
            if let Err(e) = f.write_all(line.as_bytes()) {
                eprintln!(
                    "warning: cannot append to `{}` ({e}); a killed run would solve this shard's points again",
                    self.path.display()
                );
                *guard = None;
            }
        }
    }

    /// Write the complete shard file atomically, then remove the journal.
    fn finish(self, dir: &Path, header: &Header, lines: &[String]) -> Result<PathBuf, Failure> {
        let path = dir.join(header.shard().file_name());
        let text = shard::file_text(header, lines);
        common::emit(Some(&path), |w| w.write_all(text.as_bytes()))?;
        drop(self.file);
        // The shard file is in place; a journal left behind is ignored by merge and resume.
        let _ = std::fs::remove_file(&self.path);
        Ok(path)
    }
}

/// A shard run under way: the points kept from an earlier run, those left to solve, and the
/// journal each solved point is appended to.
pub struct Begun<T> {
    header: Header,
    done: BTreeMap<usize, T>,
    /// The number of points kept from an earlier run.
    pub kept: usize,
    /// The shard's points to solve, in order.
    pub todo: Vec<usize>,
    journal: Journal,
}

/// Begin the shard of `header` in `dir` (created if missing): with `resume`, keep what an
/// earlier run left ([`resume`]); `ids` are the ids of the shard's points. The journal starts
/// with the kept points.
pub fn begin<T: Keyed + Serialize + DeserializeOwned>(
    dir: &Path,
    header: Header,
    ids: &BTreeMap<usize, String>,
    resume_it: bool,
    quiet: bool,
) -> Result<Begun<T>, Failure> {
    create_dir(dir)?;
    let done: BTreeMap<usize, T> = match resume_it {
        true => resume(dir, &header, ids, quiet)?,
        false => BTreeMap::new(),
    };
    let todo = ids.keys().copied().filter(|i| !done.contains_key(i)).collect();
    let journal = Journal::start(dir, &header, &done.values().map(shard::json_line).collect::<Vec<_>>())?;
    Ok(Begun {
        header,
        kept: done.len(),
        done,
        todo,
        journal,
    })
}

impl<T: Serialize> Begun<T> {
    /// Journal one solved point.
    pub fn record(&self, point: &T) {
        self.journal.append(&shard::json_line(point));
    }

    /// With the points solved, write the complete shard file atomically (and drop the
    /// journal): every point of the shard, in order, and the file's path.
    pub fn finish(
        mut self,
        dir: &Path,
        solved: impl IntoIterator<Item = (usize, T)>,
    ) -> Result<(Vec<T>, PathBuf), Failure> {
        self.done.extend(solved);
        let lines: Vec<String> = self.done.values().map(shard::json_line).collect();
        let path = self.journal.finish(dir, &self.header, &lines)?;
        Ok((self.done.into_values().collect(), path))
    }
}

/// With `--resume`: the settled points that an earlier run of the same shard left in `dir`
/// (its file, then its journal), by point. `ids` are the ids of the shard's points in this
/// run. A file of another run, or a changed one, is an error (exit 1): nothing is discarded
/// without being asked; a file whose header cannot be read is skipped with a warning.
pub fn resume<T: Keyed + DeserializeOwned>(
    dir: &Path,
    header: &Header,
    ids: &BTreeMap<usize, String>,
    quiet: bool,
) -> Result<BTreeMap<usize, T>, Failure> {
    let shard = header.shard();
    let mut kept = BTreeMap::new();
    for name in [shard.file_name(), shard.journal_name()] {
        let path = dir.join(&name);
        let text = match std::fs::read(&path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Failure::input(format!("error: cannot read `{}`: {e}", path.display()))),
        };
        let refuse = |why: String| {
            Failure::input(format!(
                "error: --resume: `{}` {why}; move it away, or run without --resume to solve the shard afresh",
                path.display()
            ))
        };
        let parsed = match shard::parse::<T>(&text) {
            Ok(p) => p,
            Err(why) => {
                if !quiet {
                    eprintln!(
                        "warning: --resume: `{}`: {why}; its points are solved again",
                        path.display()
                    );
                }
                continue;
            }
        };
        let h = &parsed.header;
        if h.command != header.command || h.fingerprint != header.fingerprint || h.shard() != shard {
            let why = match h.shard() == shard {
                true => shard::run_differences(&h.run, &header.run),
                false => format!("shard {} vs {shard}", h.shard()),
            };
            return Err(refuse(format!("was written by another run ({why})")));
        }
        if let Some(Problem::Corrupt(why)) = &parsed.problem {
            return Err(refuse(format!("cannot be trusted: {why}")));
        }
        for r in parsed.records {
            if ids.get(&r.point()).map(String::as_str) != Some(r.id()) {
                return Err(refuse(format!(
                    "holds point {} with id {}, which is not that point of this shard: the file was changed",
                    r.point(),
                    r.id()
                )));
            }
            if r.settled() {
                kept.entry(r.point()).or_insert(r);
            }
        }
    }
    Ok(kept)
}

/// The shard files (`shard-*.jsonl`, read and parsed) and the names of the journals
/// (`*.jsonl.partial`) of a shard directory, in name order; other files are left alone.
pub fn read_dir<T: DeserializeOwned>(dir: &Path) -> Result<(Vec<Entry<T>>, Vec<String>), Failure> {
    let cannot = |e: std::io::Error| {
        Failure::input(format!(
            "error: cannot read the shard directory `{}`: {e}",
            dir.display()
        ))
    };
    let mut names: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(cannot)? {
        let entry = entry.map_err(cannot)?;
        if let Some(name) = entry.file_name().to_str() {
            if name.starts_with("shard-") && (name.ends_with(".jsonl") || name.ends_with(JOURNAL_SUFFIX)) {
                names.push(name.to_string());
            }
        }
    }
    // Shards in index order, then anything else by name.
    names.sort_by_key(|n| (Shard::from_file_name(n).map(|s| s.index), n.clone()));
    let (journals, files): (Vec<String>, Vec<String>) = names.into_iter().partition(|n| n.ends_with(JOURNAL_SUFFIX));
    let entries = files
        .into_iter()
        .map(|name| {
            let parsed = match std::fs::read(dir.join(&name)) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => shard::parse(&text),
                    Err(_) => Err("it is not UTF-8 text: not a shard file".into()),
                },
                Err(e) => Err(format!("cannot read it: {e}")),
            };
            Entry { name, parsed }
        })
        .collect();
    Ok((entries, journals))
}

/// Refuse, before merging, outputs that are one of the shard files (or the same file twice).
pub fn check_merge_outputs<T>(
    dir: &Path,
    entries: &[Entry<T>],
    outputs: &[(&str, Option<&Path>)],
) -> Result<(), Failure> {
    let paths: Vec<PathBuf> = entries.iter().map(|e| dir.join(&e.name)).collect();
    let inputs: Vec<(&str, &Path)> = paths.iter().map(|p| ("the shard file", p.as_path())).collect();
    common::check_outputs(&inputs, outputs)
}

/// The failure of a merge: its lines on stderr, exit 1 (the shards are input, and incomplete
/// or inconsistent input writes nothing).
pub fn merge_failed(dir: &Path, e: MergeError) -> Failure {
    let mut message = format!("error: {}: {}", dir.display(), e.lines.join("\n"));
    if !e.resubmit.is_empty() {
        message.push_str(&format!(
            "\nhint: with the script of --emit slurm: bash SCRIPT --array={}",
            shard::array_list(&e.resubmit)
        ));
    }
    Failure::input(message)
}

/// The arguments of `sweep merge` and `stress merge`.
#[derive(Args, Debug, Clone)]
pub struct MergeArgs {
    /// The directory of the shard files (the --shard-dir of the shards)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Write the merged output to FILE (atomically) instead of stdout
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print no warnings or summary on stderr
    #[arg(long, short)]
    pub quiet: bool,
}

/// `sweep` and `stress`: a run (`R`), or the merge of a sharded run's files (`M`, the
/// subcommand `merge`). `sweep merge DIR` parses as the merge when its first argument is
/// literally `merge` (an instance file of that name is written `./merge`), anything else as a
/// run.
#[derive(Debug)]
pub enum RunOrMerge<R, M> {
    Run(Box<R>),
    Merge(M),
}

/// The arguments of a `merge` subcommand, with its help.
pub trait Merge: Args + FromArgMatches {
    /// One line for the command list.
    const ABOUT: &'static str;
    /// What it checks and how it exits.
    const HELP: &'static str;
}

impl<R: FromArgMatches, M: FromArgMatches> FromArgMatches for RunOrMerge<R, M> {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        match m.subcommand() {
            Some(("merge", sub)) => Ok(RunOrMerge::Merge(M::from_arg_matches(sub)?)),
            _ => Ok(RunOrMerge::Run(Box::new(R::from_arg_matches(m)?))),
        }
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl<R: Args, M: Merge> Args for RunOrMerge<R, M> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let merge = M::augment_args(clap::Command::new("merge"))
            .about(M::ABOUT)
            .after_help(M::HELP);
        R::augment_args(cmd)
            .subcommand(merge)
            .args_conflicts_with_subcommands(true)
            .subcommand_negates_reqs(true)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |v| vars.iter().find(|(k, _)| *k == v).map(|(_, x)| x.to_string())
    }

    fn args(shard: Option<&str>, shards: Option<usize>, dir: bool) -> ShardArgs {
        ShardArgs {
            shard: shard.map(String::from),
            shards,
            shard_dir: dir.then(|| PathBuf::from("d")),
            ..Default::default()
        }
    }

    fn shard_of(m: Mode) -> Shard {
        match m {
            Mode::Shard { shard, .. } => shard,
            other => panic!("not a shard run: {other:?}"),
        }
    }

    #[test]
    fn the_shard_comes_from_the_flag_then_slurm_then_kubernetes() {
        let none = env(&[]);
        assert_eq!(args(None, None, false).mode(&none, true).unwrap(), Mode::Whole);
        let s = shard_of(args(Some("2/4"), None, true).mode(&none, true).unwrap());
        assert_eq!((s.index, s.count), (2, 4));
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "3"),
        ]);
        assert_eq!(shard_of(args(None, None, true).mode(&slurm, true).unwrap()).index, 3);
        // The flag wins over the environment; without --shard-dir the array is ignored.
        assert_eq!(
            shard_of(args(Some("1/4"), None, true).mode(&slurm, true).unwrap()).index,
            1
        );
        assert_eq!(args(None, None, false).mode(&slurm, true).unwrap(), Mode::Whole);
        let k8s = env(&[("JOB_COMPLETION_INDEX", "5")]);
        let s = shard_of(args(None, Some(8), true).mode(&k8s, true).unwrap());
        assert_eq!((s.index, s.count), (5, 8));
    }

    #[test]
    fn a_resubmitted_array_needs_shards_and_bad_indices_are_refused() {
        // `--array=1,3` of 4 shards: 2 tasks, indices 1 to 3.
        let some = env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "2"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_MAX", "3"),
        ]);
        let e = args(None, None, true).mode(&some, true).unwrap_err();
        assert!(e.message.contains("--shards N"), "{}", e.message);
        assert_eq!(shard_of(args(None, Some(4), true).mode(&some, true).unwrap()).index, 3);
        let out = env(&[("SLURM_ARRAY_TASK_ID", "4")]);
        let e = args(None, Some(4), true).mode(&out, true).unwrap_err();
        assert!(e.message.contains("numbered from 0 to 3"), "{}", e.message);
        let bad = env(&[("JOB_COMPLETION_INDEX", "x")]);
        let e = args(None, Some(4), true).mode(&bad, true).unwrap_err();
        assert!(e.message.contains("JOB_COMPLETION_INDEX=`x`"), "{}", e.message);
        let k8s = env(&[("JOB_COMPLETION_INDEX", "1")]);
        assert!(args(None, None, true)
            .mode(&k8s, true)
            .unwrap_err()
            .message
            .contains("--shards N"));
        for (a, want) in [
            (args(Some("1/4"), None, false), "--shard needs --shard-dir"),
            (args(None, None, true), "give --shard I/N"),
            (args(Some("1/4"), Some(8), true), "disagree"),
            (args(None, Some(0), true), "at least 1"),
        ] {
            let e = a.mode(env(&[]), true).unwrap_err();
            assert_eq!(e.code, exit::USAGE);
            assert!(e.message.contains(want), "{}", e.message);
        }
    }
}
