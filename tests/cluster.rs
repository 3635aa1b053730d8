//! End-to-end tests of sharded `sweep` and `stress` runs (no scheduler needed; the real
//! Slurm run is `tests/slurm.rs`): the shards of a run, merged, are byte for byte the output
//! of the unsharded run in every format; the shard comes from `--shard` or from the array
//! index of Slurm or Kubernetes; `--resume` solves only what an earlier run left unsolved;
//! `merge` names the shards to run again (`--array=`) and writes nothing when some are
//! missing or half-written, and refuses shards of different runs; bad shard options are
//! usage errors; the emitted Kubernetes manifest, run pod by pod, gives the unsharded output.
//!
//! No expected table is written here: each is the output of the unsharded run in the same
//! test.

mod common;

use common::*;
use std::path::{Path, PathBuf};

const SHIPPED: &str = "instances/usmca_critical_minerals.toml";
const TEXTBOOK: &str = "instances/textbook/import_cap_binding.toml";
const COBALT: &str = "targets.us_cobalt_cap.max_import_share";
const SPOF: &str = "tests/fixtures/stress/single_point_of_failure.toml";
const PERIODS_STRESS: &str = "tests/fixtures/periods/whatif_stress.toml";

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// Run the binary with `env` and require exit `code`.
fn expect(args: &[&str], env: &[(&str, &str)], code: i32) -> Run {
    let r = run_env(args, env);
    assert_eq!(r.code, code, "{}", r.describe(args));
    r
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// `COMMAND ARGS... --output OUT`: the unsharded run's output file, its exit code and its
/// warnings.
fn unsharded(args: &[&str], out: &Path) -> (String, i32, Vec<String>) {
    let mut all = args.to_vec();
    all.extend(["--output", s(out)]);
    let r = run_env(&all, &[]);
    assert!(r.code == 0 || r.code == 5, "{}", r.describe(&all));
    (read(out), r.code, warnings(&r.stderr))
}

fn warnings(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .map(String::from)
        .collect()
}

/// Run every shard `I/n` of `args` into `dir` with `--shard`.
fn run_shards(args: &[&str], n: usize, dir: &Path) {
    for i in 0..n {
        let spec = format!("{i}/{n}");
        let mut all = args.to_vec();
        all.extend(["--shard", &spec, "--shard-dir", s(dir), "--quiet"]);
        let r = run_env(&all, &[]);
        assert!(r.code == 0 || r.code == 5, "{}", r.describe(&all));
    }
}

/// `COMMAND merge DIR --output OUT EXTRA...`, which must exit `code`: the merged text and
/// the run.
fn merge(command: &str, dir: &Path, out: &Path, extra: &[&str], code: i32) -> (String, Run) {
    let mut args = vec![command, "merge", s(dir), "--output", s(out)];
    args.extend_from_slice(extra);
    let r = expect(&args, &[], code);
    (read(out), r)
}

/// The shard list `merge` prints to run again (`--array=LIST`).
fn array_of(stderr: &str) -> String {
    let at = stderr
        .find("--array=")
        .unwrap_or_else(|| panic!("no --array= list in\n{stderr}"));
    stderr[at + "--array=".len()..]
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string()
}

/// The file names of `dir` with their contents, to show nothing was changed.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("the shard directory")
        .map(|e| {
            let p = e.expect("an entry").path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Shard a run of `args` into `n` shards, merge, and compare with the unsharded run: the
/// same bytes, exit status and warnings.
fn check_sharded(command: &str, args: &[&str], n: usize, merge_extra: &[&str]) {
    let tmp = tempdir();
    let (whole, code, warned) = unsharded(args, &tmp.path().join("whole"));
    let dir = tmp.path().join("shards");
    run_shards(args, n, &dir);
    let (merged, r) = merge(command, &dir, &tmp.path().join("merged"), merge_extra, code);
    assert!(!whole.is_empty());
    assert!(
        whole == merged,
        "{} in {n} shards: the merge differs from the unsharded run\n--- unsharded ---\n{whole}\n--- merged ---\n{merged}",
        args.join(" ")
    );
    assert_eq!(warnings(&r.stderr), warned, "{}", args.join(" "));
}

#[test]
fn sharded_sweeps_merge_to_the_bytes_of_the_unsharded_table() {
    let mut shipped = vec!["sweep", SHIPPED];
    shipped.extend(SHIPPED_GRID);
    for (format, n) in [("csv", 4), ("jsonl", 3)] {
        let mut args = shipped.clone();
        args.extend(["--format", format]);
        check_sharded("sweep", &args, n, &[]);
    }
    // Every point fails (a time limit no solve meets): exit 5 and the same warnings; one
    // shard and more shards than points.
    let failing = [
        "sweep",
        TEXTBOOK,
        "--param",
        COBALT,
        "--range",
        "0:1:0.5",
        "--time-limit",
        "0.000000001",
    ];
    check_sharded("sweep", &failing, 1, &[]);
    check_sharded("sweep", &failing, 5, &[]);
    // Periods and stockpiles: a column per year.
    let periods = [
        "sweep",
        "instances/textbook/reserve_price_spike.toml",
        "--param",
        "demands.*.quantity*",
        "--values",
        "0.5,1,2",
        "--format",
        "jsonl",
    ];
    check_sharded("sweep", &periods, 2, &[]);
}

#[test]
fn a_merged_sweep_draws_the_chart_of_the_unsharded_run() {
    let tmp = tempdir();
    let args = [
        "sweep",
        TEXTBOOK,
        "--param",
        COBALT,
        "--range",
        "0:1:0.1",
        "--param",
        "demands.*.quantity*",
        "--values",
        "1,2",
    ];
    let whole_svg = tmp.path().join("whole.svg");
    let mut all = args.to_vec();
    all.extend(["--plot", s(&whole_svg), "--quiet"]);
    expect(&all, &[], 0);
    let dir = tmp.path().join("shards");
    run_shards(&args, 3, &dir);
    let svg = tmp.path().join("merged.svg");
    merge("sweep", &dir, &tmp.path().join("merged.csv"), &["--plot", s(&svg)], 0);
    assert_eq!(read(&svg), read(&whole_svg));
}

#[test]
fn sharded_stress_runs_merge_to_the_bytes_of_the_unsharded_ranking() {
    for format in ["text", "csv", "json", "markdown"] {
        check_sharded("stress", &["stress", SPOF, "--format", format], 3, &[]);
    }
    check_sharded("stress", &["stress", SPOF, "--format", "json", "--top", "2"], 2, &[]);
    check_sharded(
        "stress",
        &["stress", SPOF, "--set", "demands.*.quantity*=0.5", "--format", "csv"],
        4,
        &[],
    );
    check_sharded(
        "stress",
        &["stress", PERIODS_STRESS, "--period", "2027", "--format", "csv"],
        2,
        &[],
    );
    check_sharded("stress", &["stress", PERIODS_STRESS, "--format", "text"], 3, &[]);
}

#[test]
fn the_array_index_of_slurm_or_kubernetes_picks_the_shard() {
    let tmp = tempdir();
    let args = ["sweep", TEXTBOOK, "--param", COBALT, "--range", "0:1:0.1"];
    let (whole, _, _) = unsharded(&args, &tmp.path().join("whole.csv"));
    // Slurm: `--array=0-3`, N from SLURM_ARRAY_TASK_COUNT.
    let slurm = tmp.path().join("slurm");
    for i in 0..4 {
        let id = i.to_string();
        let mut all = args.to_vec();
        all.extend(["--shard-dir", s(&slurm), "--quiet"]);
        let env = [
            ("SLURM_ARRAY_TASK_ID", id.as_str()),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "3"),
        ];
        expect(&all, &env, 0);
        assert!(slurm.join(format!("shard-{i}-of-4.jsonl")).exists());
    }
    assert_eq!(merge("sweep", &slurm, &tmp.path().join("s.csv"), &[], 0).0, whole);
    // Kubernetes: JOB_COMPLETION_INDEX with --shards.
    let k8s = tmp.path().join("k8s");
    for i in 0..3 {
        let id = i.to_string();
        let mut all = args.to_vec();
        all.extend(["--shards", "3", "--shard-dir", s(&k8s), "--quiet"]);
        expect(&all, &[("JOB_COMPLETION_INDEX", id.as_str())], 0);
    }
    assert_eq!(merge("sweep", &k8s, &tmp.path().join("k.csv"), &[], 0).0, whole);
    // A resubmission (`--array=1,3` of 4: two tasks, indices 1 to 3) needs --shards.
    let resubmitted = [
        ("SLURM_ARRAY_TASK_ID", "3"),
        ("SLURM_ARRAY_TASK_COUNT", "2"),
        ("SLURM_ARRAY_TASK_MIN", "1"),
        ("SLURM_ARRAY_TASK_MAX", "3"),
    ];
    let mut all = args.to_vec();
    all.extend(["--shard-dir", s(&slurm)]);
    let r = expect(&all, &resubmitted, 2);
    assert!(r.stderr.contains("--shards N"), "{}", r.stderr);
    all.extend(["--shards", "4", "--quiet"]);
    expect(&all, &resubmitted, 0);
    // An index out of range.
    let r = expect(&all, &[("SLURM_ARRAY_TASK_ID", "4")], 2);
    assert!(r.stderr.contains("numbered from 0 to 3"), "{}", r.stderr);
    // Without --shard-dir, an array task solves every point (and says so).
    let r = expect(&args, &[("SLURM_ARRAY_TASK_ID", "1")], 0);
    assert_eq!(r.stdout, whole);
    assert!(r.stderr.contains("note: SLURM_ARRAY_TASK_ID is set"), "{}", r.stderr);
}

/// The lines of a shard file: header, points, end.
fn lines(path: &Path) -> Vec<String> {
    read(path).split_inclusive('\n').map(String::from).collect()
}

/// The number of points a shard run kept and solved, from its summary line.
fn kept_and_solved(stderr: &str) -> (usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.contains("kept from an earlier run"))
        .unwrap_or_else(|| panic!("no summary line in\n{stderr}"));
    let before = |what: &str| -> usize {
        let at = line.find(what).unwrap_or_else(|| panic!("no `{what}` in {line}"));
        line[..at]
            .rsplit([' ', ':'])
            .find(|w| !w.is_empty())
            .unwrap()
            .parse()
            .unwrap()
    };
    (before(" kept from"), before(" solved in"))
}

#[test]
fn resume_keeps_what_an_earlier_run_solved_and_solves_only_the_rest() {
    let tmp = tempdir();
    let dir = tmp.path().join("shards");
    let args = ["sweep", TEXTBOOK, "--param", COBALT, "--range", "0:1:0.1"];
    let shard = |extra: &[&str], code: i32| {
        let mut all = args.to_vec();
        all.extend(["--shard", "0/2", "--shard-dir", s(&dir)]);
        all.extend_from_slice(extra);
        expect(&all, &[], code)
    };
    let r = shard(&[], 0);
    assert_eq!(kept_and_solved(&r.stderr), (0, 6));
    let file = dir.join("shard-0-of-2.jsonl");
    let full = lines(&file);
    assert_eq!(full.len(), 8, "header, 6 points, end");
    // A run killed after two points: its journal holds the header and those points. Mark
    // one of them so that solving it again would show.
    let marked = full[2].replacen("\"objective\":\"", "\"objective\":\"1234567", 1);
    assert_ne!(marked, full[2]);
    std::fs::remove_file(&file).unwrap();
    let journal = dir.join("shard-0-of-2.jsonl.partial");
    std::fs::write(&journal, [full[0].clone(), full[1].clone(), marked.clone()].concat()).unwrap();
    let r = shard(&["--resume"], 0);
    assert_eq!(kept_and_solved(&r.stderr), (2, 4), "{}", r.stderr);
    assert!(
        !journal.exists(),
        "the journal is removed once the shard file is written"
    );
    let resumed = lines(&file);
    assert_eq!(resumed[2], marked, "the kept point is not solved again");
    assert_eq!(
        [&resumed[..2], &resumed[3..7]].concat(),
        [&full[..2], &full[3..7]].concat()
    );
    // A complete file: nothing to solve. Without --resume: everything solved again.
    let r = shard(&["--resume"], 0);
    assert_eq!(kept_and_solved(&r.stderr), (6, 0));
    let r = shard(&[], 0);
    assert_eq!(kept_and_solved(&r.stderr), (0, 6));
    assert_eq!(lines(&file), full);
    // A shard file cut in the middle of a line (a copy cut short): its whole lines are kept.
    let text = read(&file);
    std::fs::write(&file, &text[..full[0].len() + full[1].len() + full[2].len() + 10]).unwrap();
    let r = shard(&["--resume"], 0);
    assert_eq!(kept_and_solved(&r.stderr), (2, 4));
    assert_eq!(lines(&file), full);
    // A file of another run (another backend) or a changed one is refused, and left alone.
    let r = shard(&["--resume", "--backend", "minilp"], 1);
    assert!(r.stderr.contains("written by another run (backend"), "{}", r.stderr);
    assert_eq!(lines(&file), full);
    std::fs::write(&file, text.replacen("\"objective\":\"", "\"objective\":\"9", 1)).unwrap();
    let r = shard(&["--resume"], 1);
    assert!(r.stderr.contains("cannot be trusted"), "{}", r.stderr);
    assert!(r.stderr.contains("checksum"), "{}", r.stderr);
}

#[test]
fn resume_of_a_stress_shard_keeps_its_cases() {
    let tmp = tempdir();
    let dir = tmp.path().join("shards");
    let (whole, _, _) = unsharded(&["stress", SPOF, "--format", "csv"], &tmp.path().join("whole.csv"));
    run_shards(&["stress", SPOF, "--format", "csv"], 2, &dir);
    let file = dir.join("shard-1-of-2.jsonl");
    let full = lines(&file);
    std::fs::write(&file, full[..full.len() - 2].concat()).unwrap();
    let args = [
        "stress",
        SPOF,
        "--format",
        "csv",
        "--shard",
        "1/2",
        "--shard-dir",
        s(&dir),
        "--resume",
    ];
    let r = expect(&args, &[], 0);
    let points = full.len() - 2;
    assert_eq!(kept_and_solved(&r.stderr), (points - 1, 1), "{}", r.stderr);
    assert_eq!(merge("stress", &dir, &tmp.path().join("m.csv"), &[], 0).0, whole);
}

#[test]
fn merge_names_missing_and_half_written_shards_and_writes_nothing() {
    let tmp = tempdir();
    let dir = tmp.path().join("shards");
    let args = ["sweep", TEXTBOOK, "--param", COBALT, "--range", "0:1:0.1"];
    run_shards(&args, 4, &dir);
    let out = tmp.path().join("merged.csv");
    let file = |i: usize| dir.join(format!("shard-{i}-of-4.jsonl"));
    let try_merge = || {
        let r = expect(&["sweep", "merge", s(&dir), "--output", s(&out)], &[], 1);
        assert!(!out.exists(), "nothing is written when shards are missing");
        assert!(r.stdout.is_empty());
        r
    };
    // Shards 1 and 3 gone.
    let one = std::fs::read(file(1)).unwrap();
    let three = std::fs::read(file(3)).unwrap();
    std::fs::remove_file(file(1)).unwrap();
    std::fs::remove_file(file(3)).unwrap();
    let before = snapshot(&dir);
    let r = try_merge();
    assert_eq!(array_of(&r.stderr), "1,3", "{}", r.stderr);
    assert!(r.stderr.contains("no file shard-1-of-4.jsonl"), "{}", r.stderr);
    assert_eq!(snapshot(&dir), before, "merge changes no shard file");
    // Shard 1 back but cut in the middle of a line; shard 3 without its end line; shard 2
    // with a changed number.
    std::fs::write(file(1), &one[..one.len() / 2]).unwrap();
    let three_text = String::from_utf8(three).unwrap();
    let end = three_text.trim_end().rfind('\n').unwrap() + 1;
    std::fs::write(file(3), &three_text[..end]).unwrap();
    let two = read(&file(2));
    std::fs::write(
        file(2),
        two.replacen("\"status\":\"optimal\"", "\"status\":\"infeasible\"", 1),
    )
    .unwrap();
    let r = try_merge();
    assert_eq!(array_of(&r.stderr), "1-3", "{}", r.stderr);
    assert!(r.stderr.contains("cut short"), "{}", r.stderr);
    assert!(r.stderr.contains("no end line"), "{}", r.stderr);
    assert!(r.stderr.contains("checksum"), "{}", r.stderr);
    // Run them again as the list says: the merge is whole.
    std::fs::write(file(2), &two).unwrap();
    let mut again = args.to_vec();
    again.extend(["--shards", "4", "--shard-dir", s(&dir), "--resume", "--quiet"]);
    for i in ["1", "3"] {
        expect(&again, &[("SLURM_ARRAY_TASK_ID", i)], 0);
    }
    let (whole, _, _) = unsharded(&args, &tmp.path().join("whole.csv"));
    assert_eq!(merge("sweep", &dir, &out, &[], 0).0, whole);
}

#[test]
fn merge_refuses_shards_of_different_runs_cuts_or_commands_and_duplicates() {
    let tmp = tempdir();
    let grid = ["--param", COBALT, "--range", "0:1:0.25"];
    let shard_into = |dir: &Path, instance: &str, extra: &[&str], spec: &str| {
        let mut all = vec!["sweep", instance];
        all.extend(grid);
        all.extend_from_slice(extra);
        all.extend(["--shard", spec, "--shard-dir", s(dir), "--quiet"]);
        expect(&all, &[], 0);
    };
    let out = tmp.path().join("merged.csv");
    let refused = |dir: &Path, want: &[&str]| {
        let before = snapshot(dir);
        let r = expect(&["sweep", "merge", s(dir), "--output", s(&out)], &[], 1);
        for w in want {
            assert!(r.stderr.contains(w), "`{w}` not in\n{}", r.stderr);
        }
        assert!(!r.stderr.contains("--array="), "nothing to resubmit: {}", r.stderr);
        assert!(!out.exists());
        assert_eq!(snapshot(dir), before, "merge changes no shard file");
    };
    // Two instances (same grid: both have the target).
    let copy = tmp.path().join("copy.toml");
    let text = read(&root().join(TEXTBOOK)) + "# a copy: the same model, another file\n";
    std::fs::write(&copy, text).unwrap();
    let mixed = tmp.path().join("mixed");
    shard_into(&mixed, TEXTBOOK, &[], "0/2");
    shard_into(&mixed, s(&copy), &[], "1/2");
    refused(&mixed, &["come from different runs", "instance.sha256"]);
    // Two grids, and two option sets.
    let grids = tmp.path().join("grids");
    shard_into(&grids, TEXTBOOK, &[], "0/2");
    shard_into(
        &grids,
        TEXTBOOK,
        &["--param", "demands.*.quantity*", "--values", "1,2"],
        "1/2",
    );
    refused(&grids, &["come from different runs", "axes"]);
    let sets = tmp.path().join("sets");
    shard_into(&sets, TEXTBOOK, &[], "0/2");
    shard_into(&sets, TEXTBOOK, &["--set", "demands.*.quantity*=2"], "1/2");
    refused(&sets, &["instance.overrides"]);
    // Two cuts of the same run.
    let cuts = tmp.path().join("cuts");
    shard_into(&cuts, TEXTBOOK, &[], "0/2");
    shard_into(&cuts, TEXTBOOK, &[], "1/3");
    refused(&cuts, &["mixes two cuts"]);
    // A shard twice (a copy under another name), and a renamed shard.
    let twice = tmp.path().join("twice");
    shard_into(&twice, TEXTBOOK, &[], "0/2");
    shard_into(&twice, TEXTBOOK, &[], "1/2");
    std::fs::copy(twice.join("shard-1-of-2.jsonl"), twice.join("shard-1-of-2-again.jsonl")).unwrap();
    refused(&twice, &["in two files"]);
    std::fs::rename(twice.join("shard-1-of-2-again.jsonl"), twice.join("shard-0-of-2.jsonl")).unwrap();
    refused(&twice, &["was it renamed"]);
    // A stress shard given to `sweep merge`.
    let other = tmp.path().join("other");
    expect(
        &["stress", SPOF, "--shard", "0/1", "--shard-dir", s(&other), "--quiet"],
        &[],
        0,
    );
    refused(&other, &["is a shard of a `stress` run", "stress merge"]);
    // An output that is a shard file.
    let r = expect(
        &[
            "sweep",
            "merge",
            s(&cuts),
            "--output",
            s(&cuts.join("shard-0-of-2.jsonl")),
        ],
        &[],
        2,
    );
    assert!(r.stderr.contains("the same file as the shard file"), "{}", r.stderr);
    // A directory without shards.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    refused(&empty, &["no shard files"]);
}

#[test]
fn bad_shard_options_are_usage_errors_and_write_nothing() {
    let tmp = tempdir();
    let dir = tmp.path().join("shards");
    let d = s(&dir);
    let base = ["sweep", TEXTBOOK, "--param", COBALT, "--values", "0.5"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--shard", "4/4", "--shard-dir", d], "numbered from 0 to 3"),
        (vec!["--shard", "0/0", "--shard-dir", d], "at least 1"),
        (vec!["--shard", "1", "--shard-dir", d], "is not I/N"),
        (vec!["--shard", "x/4", "--shard-dir", d], "not a whole number"),
        (vec!["--shards", "0", "--shard-dir", d], "at least 1"),
        (vec!["--shard", "1/4"], "--shard needs --shard-dir"),
        (vec!["--resume"], "--resume needs --shard-dir"),
        (vec!["--shard-dir", d], "give --shard I/N"),
        (vec!["--shard", "1/4", "--shards", "8", "--shard-dir", d], "disagree"),
        (
            vec!["--shard", "1/4", "--shard-dir", d, "--output", "x.csv"],
            "--output belongs to `sweep merge",
        ),
        (vec!["--emit", "slurm", "--shard-dir", d], "--emit needs --shards"),
        (vec!["--emit", "k8s", "--shards", "4"], "--emit needs --shard-dir"),
        (
            vec!["--emit", "slurm", "--shards", "4", "--shard-dir", d, "--shard", "1/4"],
            "drop --shard",
        ),
    ];
    for (extra, want) in cases {
        let mut args = base.to_vec();
        args.extend(extra);
        let r = expect(&args, &[], 2);
        assert!(r.stderr.contains(want), "`{want}` not in\n{}", r.describe(&args));
        assert!(r.stdout.is_empty());
        assert!(!dir.exists(), "{}: nothing is written", args.join(" "));
    }
    // A shard directory that is a file: an I/O error, the file left as it is.
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "keep me").unwrap();
    let mut args = base.to_vec();
    args.extend(["--shard", "0/1", "--shard-dir", s(&file)]);
    let r = expect(&args, &[], 1);
    assert!(r.stderr.contains("is a file, not a directory"), "{}", r.stderr);
    assert_eq!(read(&file), "keep me");
    let r = expect(&["stress", SPOF, "--shard", "3/3", "--shard-dir", d], &[], 2);
    assert!(r.stderr.contains("numbered from 0 to 2"), "{}", r.stderr);
    let r = expect(
        &["stress", SPOF, "--shards", "2", "--shard-dir", d],
        &[("JOB_COMPLETION_INDEX", "2")],
        2,
    );
    assert!(r.stderr.contains("JOB_COMPLETION_INDEX=2"), "{}", r.stderr);
    assert!(!dir.exists());
    // `merge` is the subcommand; a file of that name is reached as `./merge`.
    let r = expect(&["sweep", "merge", "--param", COBALT, "--values", "1"], &[], 2);
    assert!(r.stderr.contains("unexpected argument '--param'"), "{}", r.stderr);
}

#[test]
fn a_file_named_merge_is_an_instance_when_written_dot_slash_merge() {
    let tmp = tempdir();
    std::fs::copy(root().join(TEXTBOOK), tmp.path().join("merge")).unwrap();
    let out = std::process::Command::new(BIN)
        .args(["sweep", "./merge", "--param", COBALT, "--values", "0.5", "--quiet"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0.5,optimal,"));
}

/// `--emit` for this run: the script, from the workspace root.
fn emitted(args: &[&str], scheduler: &str, shards: &str, dir: &Path, out: &Path) -> String {
    let mut all = args.to_vec();
    all.extend([
        "--emit",
        scheduler,
        "--shards",
        shards,
        "--shard-dir",
        s(dir),
        "--output",
        s(out),
    ]);
    let r = expect(&all, &[], 0);
    assert!(!dir.exists(), "--emit solves nothing and writes no shard");
    r.stdout
}

#[test]
fn the_emitted_slurm_script_submits_every_shard_and_a_dependent_merge() {
    let tmp = tempdir();
    let dir = tmp.path().join("shards");
    let out = tmp.path().join("ree.csv");
    let mut args = vec!["sweep", SHIPPED];
    args.extend(SHIPPED_GRID);
    args.extend(["--set", "meta.carrying_rate=0.05"]);
    let script = emitted(&args, "slurm", "4", &dir, &out);
    let syntax = std::process::Command::new("bash")
        .args(["-n", "-c", &script])
        .output()
        .expect("bash");
    assert!(
        syntax.status.success(),
        "{}\n{script}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    assert!(script.starts_with("#!/bin/bash\n"));
    assert!(script.contains("\narray=--array=0-3\n"), "{script}");
    assert!(
        script.contains("--dependency=\"afterok:${shards%%;*}\" --kill-on-invalid-dep=yes"),
        "{script}"
    );
    let shard_line = format!(
        "\" sweep {SHIPPED} --set meta.carrying_rate=0.05 --param 'demands.*.quantity*' --values 0.9,1,1.25 \
         --param targets.ree_usmca.max_import_share --values 0.3,1 --format csv --backend auto --ranging auto \
         --shards 4 --shard-dir {} --resume --jobs \"${{SLURM_CPUS_PER_TASK:-1}}\"\n",
        s(&dir)
    );
    assert!(script.contains(&shard_line), "{shard_line}\nnot in\n{script}");
    assert!(
        script.contains(&format!("\" sweep merge {} --output {}\n", s(&dir), s(&out))),
        "{script}"
    );
    // The stress script carries its own options.
    let stress = emitted(
        &["stress", SPOF, "--top", "3", "--format", "json"],
        "slurm",
        "2",
        &dir,
        &out,
    );
    assert!(stress.contains("\narray=--array=0-1\n"), "{stress}");
    assert!(
        stress.contains(&format!(
            "\" stress {SPOF} --format json --backend auto --top 3 --shards 2 --shard-dir {} --resume",
            s(&dir)
        )),
        "{stress}"
    );
    assert!(
        stress.contains(&format!("\" stress merge {} --output {}\n", s(&dir), s(&out))),
        "{stress}"
    );
}

/// The shell script a Kubernetes manifest's container runs (its `- |` block).
fn container_script(manifest: &str) -> String {
    let at = manifest.find("            - |\n").expect("a block scalar command") + "            - |\n".len();
    manifest[at..]
        .lines()
        .take_while(|l| l.starts_with("              "))
        .map(|l| format!("{}\n", &l[14..]))
        .collect()
}

#[test]
fn the_emitted_k8s_manifest_run_pod_by_pod_gives_the_unsharded_output() {
    let tmp = tempdir();
    for (args, n) in [
        (
            vec![
                "sweep", TEXTBOOK, "--param", COBALT, "--range", "0:1:0.1", "--format", "jsonl",
            ],
            3,
        ),
        // A time limit never reached reaches every shard (and changes nothing).
        (vec!["stress", SPOF, "--format", "markdown", "--time-limit", "600"], 2),
    ] {
        let dir = tmp.path().join(format!("{}-shards", args[0]));
        let out = tmp.path().join(format!("{}-merged", args[0]));
        let (whole, _, _) = unsharded(&args, &tmp.path().join(format!("{}-whole", args[0])));
        let manifest = emitted(&args, "k8s", &n.to_string(), &dir, &out);
        for want in [
            "apiVersion: batch/v1\nkind: Job\n".to_string(),
            "  completionMode: Indexed\n".to_string(),
            format!("  completions: {n}\n"),
            format!("  parallelism: {n}\n"),
            "      restartPolicy: Never\n".to_string(),
            match args.iter().position(|&a| a == "--time-limit") {
                Some(i) => format!(" --time-limit {} ", args[i + 1]),
                None => "restartPolicy".into(),
            },
        ] {
            assert!(manifest.contains(&want), "{want:?} not in\n{manifest}");
        }
        // Each pod: its shard from JOB_COMPLETION_INDEX, then the merge, which only the
        // last one to finish can make.
        let script = container_script(&manifest);
        let bin_dir = Path::new(BIN).parent().unwrap();
        let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
        for i in 0..n {
            let pod = std::process::Command::new("sh")
                .args(["-c", &script])
                .current_dir(root())
                .env("PATH", &path)
                .env("JOB_COMPLETION_INDEX", i.to_string())
                .env_remove("SLURM_ARRAY_TASK_ID")
                .output()
                .expect("sh");
            let log = String::from_utf8_lossy(&pod.stderr).into_owned() + &String::from_utf8_lossy(&pod.stdout);
            assert!(pod.status.success(), "pod {i}:\n{log}\n{script}");
            assert_eq!(out.exists(), i == n - 1, "pod {i}: only the last pod merges\n{log}");
        }
        assert_eq!(read(&out), whole, "{}", args.join(" "));
    }
}

#[test]
fn shard_files_name_their_run_and_end_with_a_checksum() {
    let tmp = tempdir();
    let dir: PathBuf = tmp.path().join("shards");
    let mut args = vec!["sweep", SHIPPED];
    args.extend(SHIPPED_GRID);
    args.extend(["--shard", "1/4", "--shard-dir", s(&dir), "--quiet"]);
    expect(&args, &[], 0);
    let l = lines(&dir.join("shard-1-of-4.jsonl"));
    let header: serde_json::Value = serde_json::from_str(&l[0]).unwrap();
    assert_eq!(header["schema"], "sourcing-opt/shard/1");
    assert_eq!(
        (header["shard"].as_u64(), header["shards"].as_u64()),
        (Some(1), Some(4))
    );
    assert_eq!(header["points"].as_u64(), Some(6));
    let solve = solve_with(SHIPPED, &[]);
    assert_eq!(header["run"]["instance"]["sha256"], solve["instance"]["sha256"]);
    assert_eq!(
        header["run"]["axes"][0]["values"],
        serde_json::json!(["0.9", "1", "1.25"])
    );
    // Points 1 and 5 of the 6 (round robin).
    let points: Vec<u64> = l[1..l.len() - 1]
        .iter()
        .map(|x| {
            serde_json::from_str::<serde_json::Value>(x).unwrap()["point"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(points, [1, 5]);
    assert!(
        l.last().unwrap().starts_with("{\"end\":{\"rows\":2,\"sha256\":\""),
        "{l:?}"
    );
}
