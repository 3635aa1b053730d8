//! Output files on the real binary: an output that is an input of the run (the instance, a
//! scenario, a report being compared) or another output of the same run is refused before
//! anything is solved or written, whichever way the path is spelled; and a write that fails
//! names the user's file, never the temporary file it goes through.

mod common;

use common::{root, BIN};
use std::path::Path;
use std::process::Command;

const INSTANCE: &str = "instances/textbook/import_cap_binding.toml";

/// Run the binary in `dir`: exit code and stderr.
fn run_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A directory holding `X.toml` (a copy of the instance), `L.toml` (a symlink to it),
/// `S.toml` (a scenario) and an empty `sub/`.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::copy(root().join(INSTANCE), dir.path().join("X.toml")).expect("copy the instance");
    std::fs::write(
        dir.path().join("S.toml"),
        "name = \"s\"\n[set]\n\"demands.*.quantity*\" = 1.0\n",
    )
    .expect("a scenario");
    std::fs::create_dir(dir.path().join("sub")).expect("sub/");
    #[cfg(unix)]
    std::os::unix::fs::symlink("X.toml", dir.path().join("L.toml")).expect("a symlink");
    dir
}

/// `args` must exit 2 naming `out` and `input` on stderr, and leave every file of `dir`
/// byte for byte as it was (and create none).
fn refused(dir: &Path, args: &[&str], out: &str, input: &str) {
    let before = snapshot(dir);
    let (code, stderr) = run_in(dir, args);
    let shown = format!("sourcing-opt {}\nexit {code}\n{stderr}", args.join(" "));
    assert_eq!(code, 2, "{shown}");
    assert!(stderr.contains(&format!("`{out}`")), "the output is named: {shown}");
    assert!(
        stderr.contains(&format!("`{input}`")),
        "the other file is named: {shown}"
    );
    assert!(stderr.contains("same file"), "{shown}");
    assert_eq!(snapshot(dir), before, "files changed: {shown}");
}

/// Every file under `dir` (symlinks as their target) with its bytes, by name.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walk(dir) {
        let name = e.strip_prefix(dir).unwrap().display().to_string();
        let link = std::fs::symlink_metadata(&e).unwrap().file_type().is_symlink();
        let bytes = if link {
            format!("-> {}", std::fs::read_link(&e).unwrap().display()).into_bytes()
        } else {
            std::fs::read(&e).unwrap()
        };
        out.push((name, bytes));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if std::fs::symlink_metadata(&p).unwrap().is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn solve_refuses_to_write_its_report_over_the_instance_however_it_is_named() {
    let w = workspace();
    let d = w.path();
    for out in ["X.toml", "./sub/../X.toml", "L.toml"] {
        refused(d, &["solve", "X.toml", "--quiet", "--output", out], out, "X.toml");
        refused(
            d,
            &["solve", "X.toml", "--quiet", "-o", out, "--format", "json"],
            out,
            "X.toml",
        );
    }
    // The scenario is an input too.
    refused(
        d,
        &["solve", "X.toml", "--scenario", "S.toml", "--output", "./S.toml"],
        "./S.toml",
        "S.toml",
    );
    // Named from another directory: the same file by identity.
    let abs = d.join("X.toml");
    let abs = abs.to_str().unwrap();
    refused(d, &["solve", "X.toml", "--output", abs], abs, "X.toml");
    // Another file is fine.
    let (code, stderr) = run_in(d, &["solve", "X.toml", "--quiet", "--output", "sub/report.txt"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(d.join("sub/report.txt").exists());
}

#[test]
fn sweep_refuses_an_output_that_is_the_instance_or_its_other_output() {
    let w = workspace();
    let d = w.path();
    let sweep = |extra: &[&'static str]| {
        let mut a = vec![
            "sweep",
            "X.toml",
            "--quiet",
            "--param",
            "demands.*.quantity*",
            "--values",
            "1,1.1",
        ];
        a.extend_from_slice(extra);
        a
    };
    refused(d, &sweep(&["--output", "X.toml"]), "X.toml", "X.toml");
    refused(d, &sweep(&["--output", "L.toml"]), "L.toml", "X.toml");
    refused(d, &sweep(&["--plot", "sub/../X.toml"]), "sub/../X.toml", "X.toml");
    refused(
        d,
        &sweep(&["--scenario", "S.toml", "--output", "S.toml"]),
        "S.toml",
        "S.toml",
    );
    // --plot and --output on one new file: the table would be lost.
    refused(d, &sweep(&["--plot", "o.svg", "--output", "o.svg"]), "o.svg", "o.svg");
    refused(
        d,
        &sweep(&["--output", "o.svg", "--plot", "./sub/../o.svg"]),
        "./sub/../o.svg",
        "o.svg",
    );
    // ... and on one existing file.
    std::fs::write(d.join("o.svg"), "keep").unwrap();
    refused(
        d,
        &sweep(&["--plot", "o.svg", "--output", "./o.svg"]),
        "./o.svg",
        "o.svg",
    );
    let (code, stderr) = run_in(d, &sweep(&["--plot", "p.svg", "--output", "t.csv"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read_to_string(d.join("t.csv"))
        .unwrap()
        .starts_with("demands.*.quantity*,"));
    assert!(std::fs::read_to_string(d.join("p.svg")).unwrap().contains("<svg"));
}

#[test]
fn stress_and_export_refuse_to_overwrite_the_instance() {
    let w = workspace();
    let d = w.path();
    for out in ["X.toml", "L.toml", "./sub/../X.toml"] {
        refused(d, &["stress", "X.toml", "--quiet", "--output", out], out, "X.toml");
        refused(
            d,
            &["export", "X.toml", "--format", "lp", "--output", out],
            out,
            "X.toml",
        );
    }
    refused(
        d,
        &[
            "export",
            "X.toml",
            "--scenario",
            "S.toml",
            "--format",
            "mps",
            "-o",
            "S.toml",
        ],
        "S.toml",
        "S.toml",
    );
}

#[test]
fn compare_refuses_to_overwrite_either_report() {
    let w = workspace();
    let d = w.path();
    for (name, set) in [("A.json", "1"), ("B.json", "1.1")] {
        let out = Command::new(BIN)
            .args(["solve", "X.toml", "--quiet", "--ranging", "off", "--format", "json"])
            .args(["--set", &format!("demands.*.quantity*={set}")])
            .current_dir(d)
            .output()
            .unwrap();
        std::fs::write(d.join(name), out.stdout).unwrap();
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink("B.json", d.join("LB.json")).unwrap();
    refused(
        d,
        &["compare", "A.json", "B.json", "--output", "A.json"],
        "A.json",
        "A.json",
    );
    refused(
        d,
        &["compare", "A.json", "B.json", "--output", "./B.json"],
        "./B.json",
        "B.json",
    );
    refused(
        d,
        &["compare", "A.json", "B.json", "-o", "LB.json"],
        "LB.json",
        "B.json",
    );
    let (code, stderr) = run_in(d, &["compare", "A.json", "B.json", "--output", "c.txt"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn generate_writes_its_one_output() {
    let w = workspace();
    let d = w.path();
    let (code, stderr) = run_in(d, &["generate", "--quiet", "--output", "sub/../g.toml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read_to_string(d.join("g.toml")).unwrap().contains("[meta]"));
}

/// A failed write names the file the user asked for, never the temporary file it goes
/// through (`.tmpXXXXXX`), and leaves nothing behind.
#[test]
fn a_failed_write_names_the_users_file_not_the_temporary_one() {
    let w = workspace();
    let d = w.path();
    let cases: [&[&str]; 4] = [
        &["solve", "X.toml", "--quiet", "--output", "missing/report.txt"],
        &["generate", "--quiet", "--output", "missing/g.toml"],
        &["export", "X.toml", "--format", "mps", "--output", "missing/x.mps"],
        &[
            "sweep",
            "X.toml",
            "--quiet",
            "--param",
            "demands.*.quantity*",
            "--values",
            "1",
            "--output",
            "missing/t.csv",
        ],
    ];
    for args in cases {
        let before = snapshot(d);
        let (code, stderr) = run_in(d, args);
        let shown = format!("sourcing-opt {}\nexit {code}\n{stderr}", args.join(" "));
        assert_eq!(code, 1, "{shown}");
        let out = args.last().unwrap();
        assert!(stderr.contains(&format!("cannot write `{out}`")), "{shown}");
        assert!(!stderr.contains(".tmp") && !stderr.contains("at path"), "{shown}");
        assert_eq!(snapshot(d), before, "{shown}");
    }
    // An output that is a directory: the rename fails, the message names the directory.
    let (code, stderr) = run_in(d, &["generate", "--quiet", "--output", "sub"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("cannot write `sub`") && !stderr.contains(".tmp"),
        "{stderr}"
    );
    assert!(
        snapshot(d).iter().all(|(name, _)| !name.contains(".tmp")),
        "a temporary file was left"
    );
}

/// `--output` naming a symbolic link writes the file it points to (an existing one, or one
/// the link names before it exists) and leaves the link a link. The report used to be renamed
/// over the link, leaving the file it pointed to as it was.
#[cfg(unix)]
#[test]
fn an_output_through_a_symbolic_link_replaces_the_file_it_points_to() {
    let dir = workspace();
    let d = dir.path();
    std::fs::write(d.join("sub/target.txt"), "old").unwrap();
    std::os::unix::fs::symlink("sub/target.txt", d.join("link.txt")).unwrap();
    std::os::unix::fs::symlink("sub/later.txt", d.join("dangling.txt")).unwrap();
    for (link, file) in [("link.txt", "sub/target.txt"), ("dangling.txt", "sub/later.txt")] {
        let (code, err) = run_in(d, &["solve", "X.toml", "--quiet", "-o", link]);
        assert_eq!(code, 0, "{link}: {err}");
        let meta = std::fs::symlink_metadata(d.join(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} is no longer a link");
        let text = std::fs::read_to_string(d.join(file)).unwrap();
        assert!(text.starts_with("sourcing-opt report"), "{file}: {text}");
    }
}

/// `--output` naming a named pipe writes into it for the reader waiting on it, and leaves it a
/// pipe. The report used to be renamed over it: the reader got nothing, the run exited 0 and
/// the pipe became a regular file (so did `/dev/null` given as the output, run as root).
#[cfg(unix)]
#[test]
fn an_output_that_is_a_named_pipe_is_written_through() {
    use std::os::unix::fs::FileTypeExt;
    let dir = workspace();
    let d = dir.path();
    let fifo = d.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the pipe"))
    };
    let (code, err) = run_in(d, &["solve", "X.toml", "--quiet", "--format", "json", "-o", "pipe"]);
    assert_eq!(code, 0, "{err}");
    // Before waiting on the reader: a pipe replaced by a file never gets a writer.
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "the pipe became {:?}", meta.file_type());
    let got = reader.join().unwrap();
    let report: serde_json::Value = serde_json::from_str(&got).expect("the reader gets the JSON report");
    assert_eq!(report["status"], "optimal");
}

/// `-o -` is standard output, as in most tools: the report is printed and no file named `-`
/// appears; two outputs on standard output are a usage error.
#[test]
fn a_dash_output_is_standard_output() {
    let ws = workspace();
    let sweep = ["sweep", "X.toml", "--param", "meta.carrying_rate", "--values", "0"];
    for args in [
        vec!["solve", "X.toml", "--quiet", "-o", "-"],
        vec!["export", "X.toml", "--format", "lp", "-o", "-"],
        [&sweep[..], &["--quiet", "-o", "-"]].concat(),
    ] {
        let out = Command::new(BIN).args(&args).current_dir(ws.path()).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "{args:?} printed nothing");
        assert!(!ws.path().join("-").exists(), "{args:?} wrote a file named -");
    }
    let (code, err) = run_in(ws.path(), &[&sweep[..], &["-o", "-", "--plot", "-"]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("both write to standard output"), "{err}");
}
