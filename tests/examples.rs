//! Every command the README and `--help` show runs as shown, on the shipped instances.
//!
//! What counts as a command: each line of a fenced `sh` block of `README.md` that calls
//! `sourcing-opt` (or `cargo run --release --`, or `target/release/sourcing-opt`), each
//! inline code span that starts with `sourcing-opt ` and has no placeholder in capitals
//! (`INSTANCE.toml`, `KEY`), each inline `--set KEY=VALUE` with a concrete key (applied with
//! `check` to the shipped instance), every scenario written as a fenced `toml` block with a
//! `[set]` table, and every example line of each command's `--help`. They run in a scratch
//! directory that sees the repository's `instances/`, so their output files land there.

use std::path::{Path, PathBuf};
use std::process::Command;

const SHIPPED: &str = "instances/usmca_critical_minerals.toml";
/// The 2025-2030 baseline: overrides of schema-2 fields (a series entry `KEY.YEAR`, a lead
/// time, a stockpile, the discount rate) are checked on it.
const SHIPPED_PERIODS: &str = "instances/usmca_2025_2030.toml";

/// The shipped instance an override example addresses: the 2025-2030 baseline for a
/// schema-2 field, the annual one otherwise.
fn instance_for(set: &str) -> &'static str {
    let key = set.split('=').next().unwrap_or(set).trim_end_matches('*');
    let year = key
        .rsplit('.')
        .next()
        .is_some_and(|last| last.len() == 4 && last.chars().all(|c| c.is_ascii_digit()));
    let schema_2 = ["lead_time", "stockpiles.", "meta.discount_rate"];
    if year || schema_2.iter().any(|k| key.contains(k)) {
        SHIPPED_PERIODS
    } else {
        SHIPPED
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Split a shell line into words: single and double quotes, backslash escapes outside single
/// quotes; a `#` that starts a word begins a comment.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                    cur.push(d);
                }
            }
            '"' => {
                in_word = true;
                while let Some(d) = chars.next() {
                    match d {
                        '"' => break,
                        '\\' => cur.extend(chars.next()),
                        _ => cur.push(d),
                    }
                }
            }
            '\\' => {
                in_word = true;
                cur.extend(chars.next());
            }
            '#' if !in_word => break,
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// The sourcing-opt calls of a line (its commands split at `&&`), as argument lists.
fn commands_of(line: &str) -> Vec<Vec<String>> {
    let words = shell_words(line);
    words.split(|w| w == "&&").filter_map(sourcing_opt_args).collect()
}

/// The arguments after the program of a line that calls sourcing-opt, if it does.
fn sourcing_opt_args(words: &[String]) -> Option<Vec<String>> {
    let mut w = words;
    if w.first().is_some_and(|x| x == "time") {
        w = &w[1..];
    }
    let skip = match w {
        [a, ..] if a == "sourcing-opt" || a.ends_with("/sourcing-opt") => 1,
        [a, b, c, d, ..] if a == "cargo" && b == "run" && c == "--release" && d == "--" => 4,
        _ => return None,
    };
    Some(w[skip..].to_vec())
}

/// Commands of the fenced `sh` blocks (continuation lines joined) and the `toml` scenarios.
fn fenced(readme: &str) -> (Vec<String>, Vec<String>) {
    let (mut commands, mut scenarios) = (Vec::new(), Vec::new());
    let mut lang: Option<String> = None;
    let mut block = String::new();
    for line in readme.lines() {
        if let Some(tag) = line.trim_start().strip_prefix("```") {
            match lang.take() {
                None => {
                    lang = Some(tag.trim().to_string());
                    block.clear();
                }
                Some(l) if l == "sh" || l == "bash" => {
                    commands.extend(block.replace("\\\n", " ").lines().map(str::to_string));
                }
                Some(l) if l == "toml" && block.contains("[set]") => scenarios.push(block.clone()),
                Some(_) => {}
            }
            continue;
        }
        if lang.is_some() {
            block.push_str(line);
            block.push('\n');
        }
    }
    (commands, scenarios)
}

/// A placeholder in capitals (`INSTANCE`, `KEY`, `A.json`, `FILE`) or in angle brackets (clap's
/// usage lines: `<COMMAND>`, `<DIR>`), marking a template. Ids such as regions
/// (`MX-ZAC->US-TX/rail`) keep their `-`, `>` and `/` and are not one.
fn has_placeholder(span: &str) -> bool {
    let bracketed = span.split('<').skip(1).any(|rest| {
        rest.split_once('>').is_some_and(|(inside, _)| {
            !inside.is_empty() && inside.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        })
    });
    bracketed
        || span
            .split(|c: char| !c.is_ascii_alphanumeric() && !"_->/".contains(c))
            .any(|w| {
                w.chars().any(|c| c.is_ascii_uppercase())
                    && w.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            })
}

/// A bare override key of the prose (`mines.penasquito_ag.capacity`), as an assignment that
/// changes nothing (`KEY*=1`, or `KEY=1` for a key that already scales).
fn override_key(span: &str) -> Option<String> {
    const COLLECTIONS: [&str; 9] = [
        "mines",
        "plants",
        "imports",
        "demands",
        "lanes",
        "tariffs",
        "targets",
        "materials",
        "tax_regimes",
    ];
    let (collection, rest) = span.split_once('.')?;
    let well_formed = COLLECTIONS.contains(&collection)
        && rest.contains('.')
        && !span.contains([' ', '=', ','])
        && !has_placeholder(span);
    well_formed.then(|| {
        if span.ends_with('*') {
            format!("{span}=1")
        } else {
            format!("{span}*=1")
        }
    })
}

/// Inline code spans of the prose (outside fenced blocks).
fn inline_spans(readme: &str) -> Vec<String> {
    let mut prose = String::new();
    let mut fenced = false;
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            prose.push_str(line);
            prose.push('\n');
        }
    }
    // Spans may wrap across lines in Markdown; a table cell's `\|` is a literal bar.
    let prose = prose.replace("\\|", "|");
    prose
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|s| s.replace('\n', " "))
        .collect()
}

struct Run {
    shown: String,
    code: Option<i32>,
    stderr: String,
}

/// Run sourcing-opt with `args` in `dir`; `> FILE` sends stdout to a file there.
fn run(dir: &Path, shown: &str, args: &[String]) -> Run {
    let mut args = args.to_vec();
    let mut stdout_to = None;
    if let Some(i) = args.iter().position(|a| a == ">") {
        stdout_to = args.get(i + 1).cloned();
        args.truncate(i);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_sourcing-opt"))
        .args(&args)
        .current_dir(dir)
        .output()
        .unwrap();
    if let Some(f) = stdout_to {
        std::fs::write(dir.join(f), &out.stdout).unwrap();
    }
    Run {
        shown: shown.to_string(),
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root().join("instances"), dir.path().join("instances")).unwrap();
    #[cfg(not(unix))]
    panic!("the examples test needs symbolic links");
    dir
}

fn assert_all_ran(runs: &[Run], at_least: usize) {
    let failed: Vec<String> = runs
        .iter()
        .filter(|r| r.code != Some(0))
        .map(|r| format!("`{}` exited {:?}:\n{}", r.shown, r.code, r.stderr))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} examples failed:\n{}",
        failed.len(),
        runs.len(),
        failed.join("\n")
    );
    assert!(
        runs.len() >= at_least,
        "only {} examples found, expected at least {at_least}",
        runs.len()
    );
}

#[test]
fn every_command_of_the_readme_runs_as_shown() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let dir = scratch();
    let mut runs = Vec::new();
    let (commands, scenarios) = fenced(&readme);
    for line in &commands {
        for args in commands_of(line) {
            runs.push(run(dir.path(), line, &args));
        }
    }
    for span in inline_spans(&readme) {
        if has_placeholder(&span) {
            continue;
        }
        if span.starts_with("sourcing-opt ") {
            for args in commands_of(&span) {
                runs.push(run(dir.path(), &span, &args));
            }
        } else if let Some(set) = span.strip_prefix("--set ") {
            let set = shell_words(set).concat();
            let args: Vec<String> = ["check", instance_for(&set), "--quiet", "--set", &set]
                .map(String::from)
                .to_vec();
            runs.push(run(dir.path(), &span, &args));
        } else if let Some(set) = override_key(&span) {
            // A key named in the prose must address something: scaling it by 1 changes nothing.
            let args = ["check", instance_for(&set), "--quiet", "--set", &set]
                .map(String::from)
                .to_vec();
            runs.push(run(dir.path(), &span, &args));
        }
    }
    for (k, sc) in scenarios.iter().enumerate() {
        let file = format!("scenario{k}.toml");
        std::fs::write(dir.path().join(&file), sc).unwrap();
        let args = ["check", SHIPPED, "--quiet", "--scenario", &file]
            .map(String::from)
            .to_vec();
        runs.push(run(dir.path(), &format!("the scenario\n{sc}"), &args));
    }
    // The README shows at least: the two commands, the policy curve, the example report,
    // three `--set` examples and a scenario.
    assert_all_ran(&runs, 6);
}

#[test]
fn every_example_of_the_help_runs_as_shown() {
    let dir = scratch();
    let mut runs = Vec::new();
    for cmd in [
        "solve", "check", "export", "sweep", "compare", "stress", "generate", "permits",
    ] {
        let help = Command::new(env!("CARGO_BIN_EXE_sourcing-opt"))
            .args([cmd, "--help"])
            .output()
            .unwrap();
        assert!(help.status.success(), "`{cmd} --help` failed");
        let text = String::from_utf8_lossy(&help.stdout).replace("\\\n", " ");
        for line in text.lines() {
            let line = line.trim();
            if !line.starts_with("sourcing-opt ") || has_placeholder(line) {
                continue;
            }
            for args in commands_of(line) {
                runs.push(run(dir.path(), line, &args));
            }
        }
    }
    assert_all_ran(&runs, 1);
}

#[test]
fn the_extraction_reads_shell_lines_as_a_shell_would() {
    assert_eq!(
        shell_words(r#"sourcing-opt sweep x.toml --set 'a.*.q*=1.1' "b c" d\ e > o.csv  # note"#),
        [
            "sourcing-opt",
            "sweep",
            "x.toml",
            "--set",
            "a.*.q*=1.1",
            "b c",
            "d e",
            ">",
            "o.csv"
        ]
    );
    assert!(has_placeholder("sourcing-opt solve INSTANCE.toml"));
    assert_eq!(override_key("mines.m.capacity").as_deref(), Some("mines.m.capacity*=1"));
    assert_eq!(
        override_key("demands.*.quantity*").as_deref(),
        Some("demands.*.quantity*=1")
    );
    assert_eq!(override_key("materials.silver"), None);
    assert_eq!(override_key("mines.X.expansion.max=500"), None);
    assert!(has_placeholder("sourcing-opt compare A.json B.json"));
    assert!(has_placeholder("sourcing-opt sweep <COMMAND>"));
    assert!(has_placeholder("sourcing-opt sweep merge [OPTIONS] <DIR>"));
    assert!(!has_placeholder(
        "sourcing-opt solve instances/textbook/import_cap_binding.toml"
    ));
    assert!(!has_placeholder("lanes.MX-ZAC->MX-COA/rail.cost"));
    assert!(has_placeholder("mines.X.expansion.max"));
    assert!(has_placeholder("--values V1,V2"));
    assert!(!has_placeholder("generate --seed 1 --scale 100"));
    assert_eq!(commands_of("sourcing-opt a && cd x && sourcing-opt b c").len(), 2);
    let (commands, scenarios) = fenced("x\n```sh\nsourcing-opt a \\\n  b\n```\n```toml\n[set]\n\"k\" = 1\n```\n");
    assert_eq!(commands, ["sourcing-opt a    b"]);
    assert_eq!(scenarios.len(), 1);
    assert_eq!(
        inline_spans("a `--set x=1` b `y`\n```sh\n`z`\n```\n"),
        ["--set x=1", "y"]
    );
}
