//! Sharded sweeps and stress runs: the points of a run cut into N deterministic, balanced
//! slices that separate processes solve (Slurm array tasks, Kubernetes indexed pods), each
//! into its own file, and the checks that let those files be merged into exactly the table an
//! unsharded run writes.
//!
//! - **Shards are 0-based.** Shard `I/N` (`I` = 0 to N-1, as Slurm's `--array=0-3` and
//!   Kubernetes' `JOB_COMPLETION_INDEX` count) owns the points `i` with `i % N == I`: round
//!   robin, so shard sizes differ by at most one point and neighbouring points, which often
//!   cost alike to solve, spread over the shards.
//! - **Every point has a stable id**: its index in the run's order (grid order for a sweep,
//!   case order for a stress run) and [`point_id`], a hash of the overrides that make it.
//! - **A shard file** (`shard-I-of-N.jsonl`, see [`Shard::file_name`]) is JSON lines: a
//!   [`Header`] (schema, command, `I`, `N`, the number of points, and the run: instance,
//!   overrides, options, grid, hashed into a fingerprint), one line per point of the shard with
//!   its result at full precision (numbers as the text Rust prints for an `f64`, which reads
//!   back to the same bits, see [`Exact`]), and an end line with the number of point lines and
//!   the SHA-256 of every byte before it. A file without its end line, with a line cut short or
//!   with a wrong checksum is incomplete, and [`parse`] says which.
//! - **Merging** ([`gather`]) takes every point exactly once from complete files of one run
//!   (same fingerprint, same N), or says which shards to run again.
//!
//! Nothing here touches the file system; `crate::cli::shard` reads and writes the files.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The `schema` of a shard file's header.
pub const SCHEMA: &str = "sourcing-opt/shard/1";

/// Most shards a run may be cut into (as many as a sweep may have points).
pub const MAX_SHARDS: usize = crate::whatif::sweep::MAX_POINTS;

/// The suffix of a shard's journal: the points solved so far, appended as they are solved,
/// while the shard runs (`shard-I-of-N.jsonl.partial`).
pub const JOURNAL_SUFFIX: &str = ".partial";

/// One slice of a run: shard `index` of `count`, 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Shard `index` of `count`; `count` must be 1 to [`MAX_SHARDS`] and `index` below it.
    pub fn new(index: usize, count: usize) -> Result<Shard, String> {
        if count < 1 {
            return Err("the number of shards N must be at least 1".into());
        }
        if count > MAX_SHARDS {
            return Err(format!("{count} shards: a run has at most {MAX_SHARDS}"));
        }
        if index >= count {
            return Err(format!(
                "shard index {index} is out of range for {count} shard{}: shards are numbered from 0 to {}",
                if count == 1 { "" } else { "s" },
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// Parse `--shard I/N`.
    pub fn parse(spec: &str) -> Result<Shard, String> {
        let example = "write I/N, e.g. `--shard 0/4` for the first of 4 shards (I counts from 0)";
        let Some((i, n)) = spec.split_once('/') else {
            return Err(format!("--shard `{spec}` is not I/N; {example}"));
        };
        let whole = |s: &str, what: &str| {
            s.trim().parse::<usize>().map_err(|_| {
                format!(
                    "--shard `{spec}`: {what} `{}` is not a whole number; {example}",
                    s.trim()
                )
            })
        };
        let (i, n) = (whole(i, "the index I")?, whole(n, "the number of shards N")?);
        Shard::new(i, n).map_err(|e| format!("--shard `{spec}`: {e}"))
    }

    /// True when point `i` belongs to this shard.
    pub fn owns(self, point: usize) -> bool {
        point % self.count == self.index
    }

    /// The points of this shard among `total`, in order.
    pub fn points(self, total: usize) -> Vec<usize> {
        (self.index..total).step_by(self.count).collect()
    }

    /// The shard's file: `shard-I-of-N.jsonl`.
    pub fn file_name(self) -> String {
        format!("shard-{}-of-{}.jsonl", self.index, self.count)
    }

    /// The shard's journal while it runs: `shard-I-of-N.jsonl.partial`.
    pub fn journal_name(self) -> String {
        format!("{}{JOURNAL_SUFFIX}", self.file_name())
    }

    /// The shard a file name of [`Shard::file_name`]'s form names.
    pub fn from_file_name(name: &str) -> Option<Shard> {
        let (i, n) = name
            .strip_prefix("shard-")?
            .strip_suffix(".jsonl")?
            .split_once("-of-")?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(i) || !digits(n) {
            return None;
        }
        Shard::new(i.parse().ok()?, n.parse().ok()?).ok()
    }
}

/// The stable id of a point: the first 16 hex digits of the SHA-256 of `text`, the overrides
/// that make the point (one per line).
pub fn point_id(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The fingerprint of a run: the SHA-256 of its description as JSON (object keys sorted).
pub fn fingerprint(run: &Value) -> String {
    sha256_hex(run.to_string().as_bytes())
}

/// Shard indices as a Slurm `--array` list: `0,2-4,7`.
pub fn array_list(indices: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut k = 0;
    while k < indices.len() {
        let start = indices[k];
        let mut end = start;
        while k + 1 < indices.len() && indices[k + 1] == end + 1 {
            k += 1;
            end += 1;
        }
        parts.push(if end > start {
            format!("{start}-{end}")
        } else {
            start.to_string()
        });
        k += 1;
    }
    parts.join(",")
}

/// An `f64` kept exactly: written as the text Rust prints for it (`0.1`, `1e-7`, `NaN`,
/// `inf`), which reads back to the same bits, where a JSON number would depend on the
/// parser's rounding and could not hold `NaN`.
#[derive(Debug, Clone, Copy)]
pub struct Exact(pub f64);

impl Serialize for Exact {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{:?}", self.0))
    }
}

impl<'de> Deserialize<'de> for Exact {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<f64>()
            .map(Exact)
            .map_err(|_| D::Error::custom(format!("`{s}` is not a number")))
    }
}

/// `Some(x)` kept exactly.
pub fn exact(x: Option<f64>) -> Option<Exact> {
    x.map(Exact)
}

/// The first line of a shard file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// [`SCHEMA`].
    pub schema: String,
    /// `sweep` or `stress`.
    pub command: String,
    /// `I` and `N`.
    pub shard: usize,
    pub shards: usize,
    /// The number of points of the whole run.
    pub points: usize,
    /// [`fingerprint`] of `run`.
    pub fingerprint: String,
    /// What makes the run: the instance (path, SHA-256, overrides), the options that shape
    /// its output, the grid; the command's own record.
    pub run: Value,
    /// A result every shard computes and the merge needs once (the base case of a stress
    /// run); every shard must agree on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Value>,
}

impl Header {
    /// The header of `shard` of a `command` run of `points` points described by `run`.
    pub fn new(command: &str, shard: Shard, points: usize, run: Value, base: Option<Value>) -> Header {
        Header {
            schema: SCHEMA.into(),
            command: command.into(),
            shard: shard.index,
            shards: shard.count,
            points,
            fingerprint: fingerprint(&run),
            run,
            base,
        }
    }

    /// The shard this header describes.
    pub fn shard(&self) -> Shard {
        Shard {
            index: self.shard,
            count: self.shards,
        }
    }
}

/// A point's line in a shard file.
pub trait Keyed {
    /// Its index in the run's order.
    fn point(&self) -> usize;
    /// Its [`point_id`].
    fn id(&self) -> &str;
    /// True when its result is final (optimal or proved infeasible): `--resume` keeps it, and
    /// solves a point that failed (solver failure, time limit) again.
    fn settled(&self) -> bool;
}

/// The last line of a complete shard file.
#[derive(Debug, Serialize, Deserialize)]
struct End {
    /// The number of point lines.
    rows: usize,
    /// SHA-256 of every byte of the file before the end line.
    sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct EndLine {
    end: End,
}

/// A shard file's text: the header, the point lines (in point order, each a [`json_line`]
/// ending with its newline), the end line.
pub fn file_text(header: &Header, lines: &[String]) -> String {
    let mut out = header_line(header);
    for l in lines {
        out.push_str(l);
    }
    let end = EndLine {
        end: End {
            rows: lines.len(),
            sha256: sha256_hex(out.as_bytes()),
        },
    };
    out.push_str(&json_line(&end));
    out
}

/// The header as a line (with its newline).
pub fn header_line(header: &Header) -> String {
    json_line(header)
}

/// A record as one line of JSON, with its newline.
pub fn json_line<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string(value).expect("shard records serialize");
    s.push('\n');
    s
}

/// Why a shard file is not complete.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// It stops early: no end line, or its last line cut short. The lines before are whole.
    Cut(String),
    /// Its end line does not match what precedes it, or a line in the middle is not a point:
    /// the file was changed after it was written, and none of it is trusted.
    Corrupt(String),
}

impl Problem {
    pub fn why(&self) -> &str {
        match self {
            Problem::Cut(w) | Problem::Corrupt(w) => w,
        }
    }
}

/// A shard file as read: its header, the point lines read before any problem, and the
/// problem (`None` for a complete file).
#[derive(Debug)]
pub struct Parsed<T> {
    pub header: Header,
    pub records: Vec<T>,
    pub problem: Option<Problem>,
}

/// Read a shard file of records `T`. An `Err` when not even the header can be read (an empty
/// file, a header cut short, another kind of file).
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<Parsed<T>, String> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().ok_or("the file is empty")?;
    if !first.ends_with('\n') {
        return Err("its header line is cut short (the file was truncated)".into());
    }
    let header: Header = serde_json::from_str(first)
        .map_err(|e| format!("its first line is not a shard header ({e}); shard files are written by --shard"))?;
    if header.schema != SCHEMA {
        return Err(format!(
            "its schema is `{}`, not `{SCHEMA}`: it was written by another version of sourcing-opt",
            header.schema
        ));
    }
    let mut records = Vec::new();
    let mut offset = first.len();
    let cut = |why: &str| Some(Problem::Cut(why.to_string()));
    let mut problem = cut("it has no end line: the run that wrote it was cut short, or the file was truncated");
    for (k, line) in lines.enumerate() {
        let number = k + 2;
        if !line.ends_with('\n') {
            problem = cut(&format!(
                "line {number} is cut short: the run that wrote it was cut short, or the file was truncated"
            ));
            break;
        }
        if line.starts_with("{\"end\":") {
            problem = check_end(text, offset, line, records.len());
            break;
        }
        match serde_json::from_str::<T>(line) {
            Ok(r) => records.push(r),
            Err(e) => {
                problem = Some(Problem::Corrupt(format!(
                    "line {number} is not a point of the run ({e})"
                )));
                break;
            }
        }
        offset += line.len();
    }
    Ok(Parsed {
        header,
        records,
        problem,
    })
}

/// The problem with the end line `line` at byte `offset` of `text`, after `rows` point lines.
fn check_end(text: &str, offset: usize, line: &str, rows: usize) -> Option<Problem> {
    let corrupt = |why: String| Some(Problem::Corrupt(why));
    let end: EndLine = match serde_json::from_str(line) {
        Ok(e) => e,
        Err(e) => return corrupt(format!("its end line is not readable ({e})")),
    };
    if offset + line.len() != text.len() {
        return corrupt("text follows its end line".into());
    }
    if end.end.rows != rows {
        return corrupt(format!(
            "its end line counts {} point lines, the file has {rows}",
            end.end.rows
        ));
    }
    if end.end.sha256 != sha256_hex(&text.as_bytes()[..offset]) {
        return corrupt("its checksum (end line) does not match its content: the file was changed".into());
    }
    None
}

/// One file found in a shard directory: its name and what reading it gave.
pub struct Entry<T> {
    pub name: String,
    pub parsed: Result<Parsed<T>, String>,
}

/// Why a merge cannot be made.
#[derive(Debug, PartialEq)]
pub struct MergeError {
    /// What is wrong, one line per point (without `error: `).
    pub lines: Vec<String>,
    /// The shards to run again (empty when running shards again would not help: files of
    /// different runs, duplicates).
    pub resubmit: Vec<usize>,
}

fn fatal(line: String) -> MergeError {
    MergeError {
        lines: vec![line],
        resubmit: Vec::new(),
    }
}

/// Every point of the run in point order, with the header of the run.
#[derive(Debug)]
pub struct Gathered<T> {
    pub header: Header,
    pub points: Vec<T>,
    /// The file each point came from, by point.
    pub files: Vec<String>,
}

/// What the complete files of a merge gave so far.
struct Found<T> {
    /// The first readable header, and its file.
    reference: Option<(String, Header)>,
    /// N, and the file that says so.
    count: Option<(usize, String)>,
    /// Complete shards: file and points.
    complete: BTreeMap<usize, (String, Vec<T>)>,
    /// Shards with a file that cannot be used, and why.
    broken: BTreeMap<usize, String>,
}

/// Take every point of a `command` run exactly once from the `entries` of a shard directory.
/// Files of different runs (fingerprint), of different shard counts or commands, a shard or a
/// point found twice, or a point in the wrong shard, are errors to fix by hand; shards
/// without a complete file are listed for resubmission, with what each has (`journals`: the
/// names of the journals of shards that did not finish).
pub fn gather<T: Keyed>(command: &str, entries: Vec<Entry<T>>, journals: &[String]) -> Result<Gathered<T>, MergeError> {
    if entries.is_empty() {
        // Only journals: every shard is still to finish, and their names give N.
        let counts: std::collections::BTreeSet<usize> = journals
            .iter()
            .filter_map(|j| Shard::from_file_name(j.strip_suffix(JOURNAL_SUFFIX)?))
            .map(|s| s.count)
            .collect();
        if let (Some(&n), 1) = (counts.first(), counts.len()) {
            let all: Vec<usize> = (0..n).collect();
            return Err(missing_shards(&all, n, &BTreeMap::new(), journals));
        }
        return Err(fatal(format!(
            "no shard files (shard-I-of-N.jsonl): run the shards first (`{command} ... --shard I/N --shard-dir DIR`)"
        )));
    }
    let mut found = Found {
        reference: None,
        count: None,
        complete: BTreeMap::new(),
        broken: BTreeMap::new(),
    };
    for e in entries {
        take(command, e, &mut found)?;
    }
    let Some((n, _)) = found.count else {
        return Err(fatal("no shard file could be read".into()));
    };
    let missing: Vec<usize> = (0..n).filter(|i| !found.complete.contains_key(i)).collect();
    if !missing.is_empty() {
        return Err(missing_shards(&missing, n, &found.broken, journals));
    }
    let (_, header) = found.reference.expect("a complete file has a header");
    let mut slots: Vec<Option<(T, String)>> = (0..header.points).map(|_| None).collect();
    for (_, (name, records)) in found.complete {
        for r in records {
            let p = r.point();
            slots[p] = Some((r, name.clone()));
        }
    }
    let mut points = Vec::with_capacity(slots.len());
    let mut files = Vec::with_capacity(slots.len());
    for (i, slot) in slots.into_iter().enumerate() {
        // Every shard is complete and holds each of its points once: no slot is empty.
        let Some((r, f)) = slot else {
            return Err(fatal(format!("point {i} is in no shard file")));
        };
        points.push(r);
        files.push(f);
    }
    Ok(Gathered { header, points, files })
}

/// Check one file against what was found before and record it.
fn take<T: Keyed>(command: &str, e: Entry<T>, found: &mut Found<T>) -> Result<(), MergeError> {
    let named = Shard::from_file_name(&e.name);
    let parsed = match e.parsed {
        Ok(p) => p,
        Err(why) => {
            // Unreadable: its name says which shard it was meant to be.
            let Some(s) = named else {
                return Err(fatal(format!("{}: {why}", e.name)));
            };
            same_count(found, s.count, &e.name)?;
            found.broken.insert(s.index, format!("{}: {why}", e.name));
            return Ok(());
        }
    };
    let h = &parsed.header;
    if h.command != command {
        return Err(fatal(format!(
            "{} is a shard of a `{}` run, not of `{command}`: merge it with `sourcing-opt {} merge`",
            e.name, h.command, h.command
        )));
    }
    if fingerprint(&h.run) != h.fingerprint {
        return Err(fatal(format!(
            "{}: its header was changed (the fingerprint does not match the run it describes)",
            e.name
        )));
    }
    let shard = Shard::new(h.shard, h.shards).map_err(|why| fatal(format!("{}: {why}", e.name)))?;
    if named.is_some_and(|s| s != shard) {
        return Err(fatal(format!(
            "{} holds shard {shard} (its header says so): was it renamed? give it back its name {}",
            e.name,
            shard.file_name()
        )));
    }
    same_count(found, shard.count, &e.name)?;
    same_run(found, &e.name, h)?;
    if let Some(p) = &parsed.problem {
        let advice = match p {
            Problem::Cut(_) => "",
            Problem::Corrupt(_) => {
                "; move it away before running the shard again (--resume does not trust a changed file)"
            }
        };
        found
            .broken
            .insert(shard.index, format!("{}: {}{advice}", e.name, p.why()));
        return Ok(());
    }
    if let Some((other, _)) = found.complete.get(&shard.index) {
        return Err(fatal(format!(
            "shard {shard} is in two files, {other} and {}: keep one of them",
            e.name
        )));
    }
    let records = own_points(&e.name, shard, h.points, parsed.records)?;
    match records {
        Ok(records) => {
            found.complete.insert(shard.index, (e.name, records));
        }
        Err(why) => {
            found.broken.insert(shard.index, why);
        }
    }
    Ok(())
}

/// All shard files must cut the run into the same number of shards.
fn same_count<T>(found: &mut Found<T>, n: usize, name: &str) -> Result<(), MergeError> {
    match &found.count {
        None => {
            found.count = Some((n, name.to_string()));
            Ok(())
        }
        Some((m, other)) if *m != n => Err(fatal(format!(
            "{other} is one of {m} shards, {name} one of {n}: the directory mixes two cuts of a run; keep the files \
             of one"
        ))),
        Some(_) => Ok(()),
    }
}

/// All shard files must come from the same run (fingerprint) and agree on its base result.
fn same_run<T>(found: &mut Found<T>, name: &str, h: &Header) -> Result<(), MergeError> {
    let Some((other, r)) = &found.reference else {
        found.reference = Some((name.to_string(), h.clone()));
        return Ok(());
    };
    if r.fingerprint != h.fingerprint || r.points != h.points {
        let mut diffs = run_differences(&r.run, &h.run);
        if r.points != h.points {
            diffs = format!("points: {} vs {}; {diffs}", r.points, h.points);
        }
        return Err(fatal(format!(
            "{other} and {name} come from different runs ({diffs}): merge the shards of one run only"
        )));
    }
    if r.base != h.base {
        return Err(fatal(format!(
            "{other} and {name} disagree on the base case of the same run: were they run by different builds of \
             sourcing-opt? run one of them again"
        )));
    }
    Ok(())
}

/// The points of a complete file: each must belong to its shard and appear once, and the
/// shard must have all of its points (else the file is broken: `Ok(Err(why))`).
fn own_points<T: Keyed>(
    name: &str,
    shard: Shard,
    total: usize,
    records: Vec<T>,
) -> Result<Result<Vec<T>, String>, MergeError> {
    let mut seen = std::collections::BTreeSet::new();
    for r in &records {
        let p = r.point();
        if p >= total || !shard.owns(p) {
            return Err(fatal(format!(
                "{name} holds point {p}, which is not one of shard {shard}'s (of {total} points): the file was \
                 changed; write it again with --shard {shard}"
            )));
        }
        if !seen.insert(p) {
            return Err(fatal(format!(
                "{name} holds point {p} twice: the file was changed; write it again with --shard {shard}"
            )));
        }
    }
    let want = shard.points(total).len();
    if records.len() != want {
        return Ok(Err(format!("{name} has {} of its {want} points", records.len())));
    }
    Ok(Ok(records))
}

/// The error of a merge with shards missing: one line per shard, then the `--array` list.
fn missing_shards(missing: &[usize], n: usize, broken: &BTreeMap<usize, String>, journals: &[String]) -> MergeError {
    let mut lines = vec![format!(
        "{} of {n} shard{} {} missing or incomplete; nothing was merged",
        missing.len(),
        if n == 1 { "" } else { "s" },
        if missing.len() == 1 { "is" } else { "are" }
    )];
    for &i in missing {
        let shard = Shard { index: i, count: n };
        let why = broken
            .get(&i)
            .cloned()
            .unwrap_or_else(|| format!("no file {}", shard.file_name()));
        let journal = if journals.contains(&shard.journal_name()) {
            format!(" (its journal {} keeps the points it solved)", shard.journal_name())
        } else {
            String::new()
        };
        lines.push(format!("  shard {shard}: {why}{journal}"));
    }
    lines.push(format!(
        "run these shards again (with --resume, a shard keeps the points it already solved), then merge again: \
         --array={}",
        array_list(missing)
    ));
    MergeError {
        lines,
        resubmit: missing.to_vec(),
    }
}

/// How two runs' descriptions differ, as `path: a vs b; ...` (the first few leaves).
pub fn run_differences(a: &Value, b: &Value) -> String {
    let mut diffs = Vec::new();
    differences(a, b, "", &mut diffs);
    if diffs.len() > 4 {
        let more = diffs.len() - 4;
        diffs.truncate(4);
        diffs.push(format!("{more} more"));
    }
    diffs.join("; ")
}

/// The leaves of two JSON values that differ, as `path: a vs b` (long values cut short).
fn differences(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                differences(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &sub,
                    out,
                );
            }
        }
        _ if a != b => {
            let short = |v: &Value| {
                let s = v.to_string();
                match s.char_indices().nth(60) {
                    Some((i, _)) => format!("{}...", &s[..i]),
                    None => s,
                }
            };
            out.push(format!("{path}: {} vs {}", short(a), short(b)));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct P {
        point: usize,
        id: String,
        x: Exact,
    }

    impl Keyed for P {
        fn point(&self) -> usize {
            self.point
        }
        fn id(&self) -> &str {
            &self.id
        }
        fn settled(&self) -> bool {
            true
        }
    }

    fn file(shard: Shard, total: usize, run: Value) -> (String, String) {
        let header = Header::new("sweep", shard, total, run, None);
        let lines: Vec<String> = shard
            .points(total)
            .into_iter()
            .map(|p| {
                json_line(&P {
                    point: p,
                    id: point_id(&p.to_string()),
                    x: Exact(p as f64 / 10.0),
                })
            })
            .collect();
        (shard.file_name(), file_text(&header, &lines))
    }

    fn entries(files: &[(String, String)]) -> Vec<Entry<P>> {
        files
            .iter()
            .map(|(name, text)| Entry {
                name: name.clone(),
                parsed: parse(text),
            })
            .collect()
    }

    #[test]
    fn shards_are_zero_based_balanced_round_robin_slices() {
        let total = 10;
        let mut all: Vec<usize> = Vec::new();
        for i in 0..4 {
            let s = Shard::new(i, 4).unwrap();
            let pts = s.points(total);
            assert!(pts.len() == 2 || pts.len() == 3, "{pts:?}");
            assert!(pts.iter().all(|&p| s.owns(p)));
            all.extend(pts);
        }
        all.sort();
        assert_eq!(all, (0..total).collect::<Vec<_>>());
        assert_eq!(Shard::new(1, 4).unwrap().points(10), [1, 5, 9]);
    }

    #[test]
    fn bad_shard_specs_say_what_to_write() {
        assert_eq!(Shard::parse("3/4").unwrap(), Shard { index: 3, count: 4 });
        assert!(Shard::parse("4/4").unwrap_err().contains("numbered from 0 to 3"));
        assert!(Shard::parse("0/0").unwrap_err().contains("at least 1"));
        assert!(Shard::parse("1").unwrap_err().contains("not I/N"));
        assert!(Shard::parse("-1/4").unwrap_err().contains("not a whole number"));
        assert!(Shard::parse("a/b").unwrap_err().contains("not a whole number"));
    }

    #[test]
    fn file_names_name_their_shard() {
        let s = Shard::new(2, 16).unwrap();
        assert_eq!(s.file_name(), "shard-2-of-16.jsonl");
        assert_eq!(Shard::from_file_name(&s.file_name()), Some(s));
        assert_eq!(Shard::from_file_name("shard-2-of-16.jsonl.partial"), None);
        assert_eq!(Shard::from_file_name("shard-4-of-4.jsonl"), None);
        assert_eq!(Shard::from_file_name("shard-+1-of-4.jsonl"), None);
    }

    #[test]
    fn array_lists_compress_runs() {
        assert_eq!(array_list(&[1, 3]), "1,3");
        assert_eq!(array_list(&[0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
        assert_eq!(array_list(&[4]), "4");
    }

    #[test]
    fn exact_numbers_read_back_to_the_same_bits() {
        for x in [
            0.1,
            1e-7,
            -0.0,
            1e300,
            f64::NAN,
            f64::INFINITY,
            194651.6000000001,
            1.0 / 3.0,
        ] {
            let text = serde_json::to_string(&Exact(x)).unwrap();
            let back: Exact = serde_json::from_str(&text).unwrap();
            assert_eq!(back.0.to_bits(), x.to_bits(), "{x} -> {text}");
        }
    }

    #[test]
    fn a_complete_file_reads_back_and_a_cut_or_changed_one_says_why() {
        let (_, text) = file(Shard::new(1, 3).unwrap(), 8, json!({"k": 1}));
        let p = parse::<P>(&text).unwrap();
        assert_eq!((p.problem, p.records.len()), (None, 3));
        assert_eq!(p.records[2].x.0, 0.7);
        // Cut in the middle of a line, or before the end line.
        let cut = &text[..text.len() - 30];
        let p = parse::<P>(cut).unwrap();
        assert!(matches!(p.problem, Some(Problem::Cut(_))), "{:?}", p.problem);
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let p = parse::<P>(&lines[..3].concat()).unwrap();
        assert_eq!(p.records.len(), 2);
        assert!(p.problem.unwrap().why().contains("no end line"));
        // A changed number breaks the checksum.
        let changed = text.replace("\"0.4\"", "\"0.5\"");
        assert_ne!(changed, text);
        let p = parse::<P>(&changed).unwrap();
        assert!(matches!(p.problem, Some(Problem::Corrupt(ref w)) if w.contains("checksum")));
        assert!(parse::<P>("").is_err());
        assert!(parse::<P>(&lines[0][..10]).unwrap_err().contains("cut short"));
        assert!(parse::<P>("{\"a\":1}\n").unwrap_err().contains("not a shard header"));
    }

    #[test]
    fn gather_takes_every_point_once_or_names_the_shards_to_run_again() {
        let run = json!({"grid": [1, 2]});
        let files: Vec<(String, String)> = (0..4)
            .map(|i| file(Shard::new(i, 4).unwrap(), 10, run.clone()))
            .collect();
        let g = gather("sweep", entries(&files), &[]).unwrap();
        assert_eq!(
            g.points.iter().map(|p| p.point).collect::<Vec<_>>(),
            (0..10).collect::<Vec<_>>()
        );
        // Shards 1 and 3 missing, one of them cut short.
        let mut some = vec![files[0].clone(), files[2].clone()];
        some.push((files[3].0.clone(), files[3].1[..40].to_string()));
        let e = gather("sweep", entries(&some), &["shard-1-of-4.jsonl.partial".into()]).unwrap_err();
        assert_eq!(e.resubmit, [1, 3]);
        assert!(e.lines.last().unwrap().ends_with("--array=1,3"), "{e:?}");
        assert!(e.lines[1].contains("journal"), "{e:?}");
        assert!(e.lines[2].contains("cut short"), "{e:?}");
    }

    #[test]
    fn a_directory_of_journals_only_lists_every_shard() {
        let journals = ["shard-0-of-3.jsonl.partial".to_string()];
        let e = gather::<P>("sweep", Vec::new(), &journals).unwrap_err();
        assert_eq!(e.resubmit, [0, 1, 2]);
        assert!(e.lines[1].contains("journal"), "{e:?}");
        let e = gather::<P>("sweep", Vec::new(), &[]).unwrap_err();
        assert!(e.resubmit.is_empty() && e.lines[0].contains("no shard files"), "{e:?}");
    }

    #[test]
    fn gather_refuses_files_of_different_runs_counts_and_duplicates() {
        let a = file(Shard::new(0, 2).unwrap(), 6, json!({"backend": "auto"}));
        let b = file(Shard::new(1, 2).unwrap(), 6, json!({"backend": "minilp"}));
        let e = gather("sweep", entries(&[a.clone(), b]), &[]).unwrap_err();
        assert!(e.resubmit.is_empty());
        assert!(e.lines[0].contains("backend: \"auto\" vs \"minilp\""), "{e:?}");
        let c = file(Shard::new(1, 3).unwrap(), 6, json!({"backend": "auto"}));
        let e = gather("sweep", entries(&[a.clone(), c]), &[]).unwrap_err();
        assert!(e.lines[0].contains("mixes two cuts"), "{e:?}");
        let copy = ("shard-0-of-2-copy.jsonl".to_string(), a.1.clone());
        let e = gather("sweep", entries(&[a.clone(), copy]), &[]).unwrap_err();
        assert!(e.lines[0].contains("in two files"), "{e:?}");
        let renamed = ("shard-1-of-2.jsonl".to_string(), a.1.clone());
        let e = gather("sweep", entries(&[a.clone(), renamed]), &[]).unwrap_err();
        assert!(e.lines[0].contains("renamed"), "{e:?}");
        let e = gather("stress", entries(&[a]), &[]).unwrap_err();
        assert!(e.lines[0].contains("not of `stress`"), "{e:?}");
    }
}
