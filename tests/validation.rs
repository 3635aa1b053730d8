//! Invalid input, end to end: the real binary on every file of `tests/fixtures/invalid/`.
//!
//! # Fixture convention
//!
//! Each fixture carries its expectations in comments **on the same line** as the token the
//! diagnostic must point at (for a table-level problem, the line of the table's `[[header]]`):
//!
//! ```toml
//! region = "MX-ZAQ"  # expect-error: unknown region `MX-ZAQ` | hint: did you mean `MX-ZAC`?
//! id = "m1"          # expect-related: mine `m1` is first defined
//! [[regions]]        # expect-warning: region `US-AK` has no facility and no lane
//! ```
//!
//! - `expect-error: TEXT`: an error located at this line (`--> FILE:LINE:COL`, with COL on
//!   the code, not in the comment) whose message contains TEXT (ids in backticks included);
//! - `| hint: TEXT` (optional, after either kind): that diagnostic's `= hint:` contains TEXT;
//! - `expect-warning: TEXT`: the same for a warning;
//! - `expect-related: TEXT`: some diagnostic has a `= note: TEXT at FILE:LINE:COL` pointing
//!   at this line (e.g. the first definition of a duplicated id).
//!
//! A line with nothing but the comment (e.g. line 1 of `missing_meta.toml`) expects a
//! diagnostic at line 1, column 1 or anywhere on that line.
//!
//! Every located error the binary prints must be expected (no extra errors), so each fixture
//! is, apart from its annotated mistakes, a valid instance. A fixture with `expect-warning`
//! lines and no `expect-error` line is a warnings-only fixture: `check` must exit 0.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIXTURES: &str = "tests/fixtures/invalid";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the binary crate sits in the workspace")
        .to_path_buf()
}

/// Run the binary from the workspace root, so that paths in diagnostics read
/// `tests/fixtures/invalid/NAME.toml`.
fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sourcing-opt"))
        .args(args)
        .current_dir(workspace_root())
        .output()
        .expect("run sourcing-opt")
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Error,
    Warning,
    Related,
}

#[derive(Debug)]
struct Expect {
    kind: Kind,
    line: usize,
    text: String,
    hint: Option<String>,
    /// 1-based column where the comment starts: a diagnostic must point before it.
    code_end: Option<usize>,
}

fn expectations(source: &str) -> Vec<Expect> {
    let mut out = Vec::new();
    for (i, line) in source.lines().enumerate() {
        for (marker, kind) in [
            ("# expect-error:", Kind::Error),
            ("# expect-warning:", Kind::Warning),
            ("# expect-related:", Kind::Related),
        ] {
            let Some(at) = line.find(marker) else { continue };
            let body = line[at + marker.len()..].trim();
            let (text, hint) = match body.split_once(" | hint: ") {
                Some((t, h)) => (t.trim().to_string(), Some(h.trim().to_string())),
                None => (body.to_string(), None),
            };
            let code = &line[..at];
            out.push(Expect {
                kind,
                line: i + 1,
                text,
                hint,
                code_end: (!code.trim().is_empty()).then(|| code.trim_end().chars().count() + 1),
            });
        }
    }
    out
}

/// One `error:`/`warning:` block of stderr.
#[derive(Debug)]
struct Block {
    severity: Kind,
    message: String,
    location: Option<(String, usize, usize)>,
    hints: Vec<String>,
    notes: Vec<String>,
    text: String,
}

fn blocks(stderr: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for line in stderr.lines() {
        let head = [("error: ", Kind::Error), ("warning: ", Kind::Warning)]
            .into_iter()
            .find_map(|(p, k)| line.strip_prefix(p).map(|m| (k, m)));
        if let Some((severity, message)) = head {
            out.push(Block {
                severity,
                message: message.to_string(),
                location: None,
                hints: Vec::new(),
                notes: Vec::new(),
                text: String::new(),
            });
        }
        let Some(b) = out.last_mut() else { continue };
        b.text.push_str(line);
        b.text.push('\n');
        let t = line.trim_start();
        if let Some(loc) = t.strip_prefix("--> ") {
            let mut parts = loc.rsplitn(3, ':');
            let col = parts.next().and_then(|c| c.parse().ok());
            let ln = parts.next().and_then(|c| c.parse().ok());
            if let (Some(col), Some(ln), Some(file)) = (col, ln, parts.next()) {
                b.location = Some((file.to_string(), ln, col));
            }
        } else if let Some(h) = t.strip_prefix("= hint: ") {
            b.hints.push(h.to_string());
        } else if let Some(n) = t.strip_prefix("= note: ") {
            b.notes.push(n.to_string());
        }
    }
    out
}

fn fixtures() -> Vec<(String, String)> {
    let dir = workspace_root().join(FIXTURES);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let source = std::fs::read_to_string(&p).expect("read fixture");
            (name, source)
        })
        .collect();
    out.sort();
    out
}

fn is_warnings_only(expects: &[Expect]) -> bool {
    !expects.iter().any(|e| e.kind == Kind::Error)
}

/// Check the diagnostics printed for `file` against its expectations; return the problems.
fn compare(file: &str, expects: &[Expect], stderr: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let found = blocks(stderr);
    let mut used = vec![false; found.len()];
    for e in expects {
        if e.kind == Kind::Related {
            let want = format!("{} at {file}:{}:", e.text, e.line);
            if !found.iter().any(|b| b.notes.iter().any(|n| n.contains(&want))) {
                problems.push(format!("line {}: no note `{want}`", e.line));
            }
            continue;
        }
        let hit = found.iter().enumerate().position(|(i, b)| {
            !used[i]
                && b.severity == e.kind
                && b.location.as_ref().is_some_and(|(f, l, _)| f == file && *l == e.line)
                && b.message.contains(&e.text)
        });
        let Some(i) = hit else {
            problems.push(format!(
                "line {}: no {:?} `{}` located at {file}:{}",
                e.line, e.kind, e.text, e.line
            ));
            continue;
        };
        used[i] = true;
        let b = &found[i];
        let col = b.location.as_ref().map(|l| l.2).unwrap_or(0);
        if let Some(end) = e.code_end {
            if col == 0 || col >= end {
                problems.push(format!(
                    "line {}: column {col} does not point at the code (before {end})",
                    e.line
                ));
            }
        }
        if let Some(h) = &e.hint {
            if !b.hints.iter().any(|x| x.contains(h.as_str())) {
                problems.push(format!("line {}: hint `{h}` missing; got {:?}", e.line, b.hints));
            }
        }
    }
    // No unexpected located errors (warnings are only checked in warnings-only fixtures).
    let strict_warnings = is_warnings_only(expects);
    for (i, b) in found.iter().enumerate() {
        let checked = b.severity == Kind::Error || strict_warnings;
        if !used[i] && checked && b.location.is_some() {
            problems.push(format!("unexpected diagnostic:\n{}", b.text));
        }
    }
    // Besides the located diagnostics, at most one closing summary line.
    let unlocated: Vec<&Block> = found.iter().filter(|b| b.location.is_none()).collect();
    if unlocated.len() > 1 {
        problems.push(format!("diagnostics without a location: {unlocated:#?}"));
    }
    problems
}

#[test]
fn every_invalid_fixture_is_rejected_with_located_diagnostics() {
    let all = fixtures();
    assert!(all.len() >= 25, "expected the fixture set, found {} files", all.len());
    let mut failures = Vec::new();
    for (name, source) in &all {
        let file = format!("{FIXTURES}/{name}");
        let expects = expectations(source);
        if expects.iter().all(|e| e.kind == Kind::Related) {
            failures.push(format!("{name}: no `# expect-error:` or `# expect-warning:` line"));
            continue;
        }
        if is_warnings_only(&expects) {
            continue; // see `warnings_are_printed_apart_from_errors_and_do_not_fail_check`
        }
        for cmd in [
            vec!["check", file.as_str()],
            vec!["solve", file.as_str()],
            vec!["export", file.as_str(), "--format", "lp"],
        ] {
            let out = run(&cmd);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let mut problems = Vec::new();
            if out.status.code() != Some(1) {
                problems.push(format!("exit status {:?}, expected 1", out.status.code()));
            }
            if !out.stdout.is_empty() {
                problems.push(format!("stdout not empty:\n{}", String::from_utf8_lossy(&out.stdout)));
            }
            if stderr.contains("panicked") {
                problems.push("the binary panicked".into());
            }
            problems.extend(compare(&file, &expects, &stderr));
            if !problems.is_empty() {
                failures.push(format!(
                    "{name} (`{}`):\n  {}\n--- stderr ---\n{stderr}",
                    cmd[0],
                    problems.join("\n  ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn warnings_are_printed_apart_from_errors_and_do_not_fail_check() {
    let mut seen = 0;
    for (name, source) in fixtures() {
        let expects = expectations(&source);
        if !is_warnings_only(&expects) {
            continue;
        }
        seen += 1;
        let file = format!("{FIXTURES}/{name}");
        let out = run(&["check", &file]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{name}: check must succeed\n{stderr}");
        assert!(
            stdout.contains("valid"),
            "{name}: check prints its summary on stdout\n{stdout}"
        );
        assert!(
            !stdout.contains("warning:"),
            "{name}: warnings go to stderr, not stdout\n{stdout}"
        );
        assert!(!stderr.contains("error:"), "{name}: no error expected\n{stderr}");
        let problems = compare(&file, &expects, &stderr);
        assert!(problems.is_empty(), "{name}:\n  {}\n{stderr}", problems.join("\n  "));

        let quiet = run(&["check", "--quiet", &file]);
        assert_eq!(quiet.status.code(), Some(0));
        assert!(quiet.stderr.is_empty(), "{name}: --quiet prints no warning");
    }
    assert!(seen >= 1, "no warnings-only fixture");
}

/// `--output` is written atomically: a run that fails validation must neither touch an
/// existing file nor create one (and leaves no temporary file next to it).
#[test]
fn invalid_input_never_creates_or_clobbers_the_output_file() {
    let mut checked = 0;
    for (name, source) in fixtures() {
        if is_warnings_only(&expectations(&source)) {
            continue;
        }
        let file = format!("{FIXTURES}/{name}");
        for cmd in [vec!["solve"], vec!["export", "--format", "mps"]] {
            let dir = tempfile::tempdir().expect("temporary directory");
            let existing = dir.path().join("report.txt");
            let before = b"previous report\n\x00\xff bytes that must survive\n";
            std::fs::write(&existing, before).unwrap();
            let absent = dir.path().join("new").with_extension("json");

            for (target, must_exist) in [(&existing, true), (&absent, false)] {
                let mut args = cmd.clone();
                args.push(&file);
                let target_str = target.to_str().unwrap();
                args.extend(["--output", target_str]);
                let out = run(&args);
                assert_eq!(out.status.code(), Some(1), "{name} {cmd:?}: exit status");
                assert!(out.stdout.is_empty(), "{name} {cmd:?}: stdout not empty");
                assert_eq!(target.exists(), must_exist, "{name} {cmd:?}: {}", target.display());
            }
            assert_eq!(
                std::fs::read(&existing).unwrap(),
                before,
                "{name} {cmd:?}: output clobbered"
            );
            let left: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(
                left,
                vec![std::ffi::OsString::from("report.txt")],
                "{name} {cmd:?}: stray files"
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}

/// The harness itself: a fixture line is parsed into what it expects.
#[test]
fn expectation_comments_are_parsed() {
    let src =
        "a = 1\nregion = \"X\"  # expect-error: unknown region `X` | hint: did you mean `Y`?\n# expect-error: top\n";
    let e = expectations(src);
    assert_eq!(e.len(), 2);
    assert_eq!((e[0].line, e[0].kind), (2, Kind::Error));
    assert_eq!(e[0].text, "unknown region `X`");
    assert_eq!(e[0].hint.as_deref(), Some("did you mean `Y`?"));
    assert_eq!(e[0].code_end, Some(13));
    assert_eq!((e[1].line, e[1].code_end), (3, None));

    let stderr = "error: unknown region `X`\n  --> a/b.toml:2:10\n   |\n2 | region = \"X\"\n   |          ^^^\n  = hint: did you mean `Y`?\nerror: 1 error\n";
    let b = blocks(stderr);
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].location, Some(("a/b.toml".to_string(), 2, 10)));
    assert!(compare("a/b.toml", &e[..1], stderr).is_empty());
}
