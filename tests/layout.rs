//! The shape of the code, checked like behaviour: the modules of `solver/src` import each
//! other without a cycle (neither between files nor between the pipeline's stages), and no
//! function outside tests is longer than a reader can hold.
//!
//! The import graph is read from the source text, as `cargo modules` draws it: an edge from
//! module A to module B for every `crate::B::...`, `super::...` or child-module path in A's
//! code (comments, doc links and `#[cfg(test)] mod tests` left out).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest function allowed outside tests, in lines (from `fn` to its closing brace).
const MAX_FN_LINES: usize = 120;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its test module and without comments.
fn code(text: &str) -> String {
    // The test module, whatever its visibility (`mod tests`, `pub(super) mod tests`).
    let test_module = text.match_indices("#[cfg(test)]\n").find(|&(i, m)| {
        let next = &text[i + m.len()..];
        ["mod ", "pub mod ", "pub(super) mod ", "pub(crate) mod "]
            .iter()
            .any(|p| next.starts_with(p))
    });
    let body = match test_module {
        Some((i, _)) => &text[..i],
        None => text,
    };
    body.lines()
        .map(|l| match l.find("//") {
            // A `//` inside a string literal ("http://") is rare in this code base; a quote
            // before it means the line is kept whole.
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Module path of a file below `src` (`solve/backend/mod.rs` -> `solve::backend`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts.join("::")
}

fn idents_after(text: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().last();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let path: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        out.push(path.split("::").filter(|s| !s.is_empty()).map(str::to_string).collect());
    }
    out
}

/// The module a path names: the longest prefix that is a module.
fn resolve(modules: &BTreeSet<String>, base: &[String], path: &[String]) -> Option<String> {
    let mut full: Vec<String> = base.to_vec();
    let mut best = None;
    for seg in path {
        full.push(seg.clone());
        let name = full.join("::");
        if modules.contains(&name) {
            best = Some(name);
        } else {
            break;
        }
    }
    best.or_else(|| Some(base.join("::")))
}

fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("solver/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let me = module_of(&src, f);
        let me_parts: Vec<String> = if me.is_empty() {
            Vec::new()
        } else {
            me.split("::").map(str::to_string).collect()
        };
        let text = code(&std::fs::read_to_string(f).unwrap());
        let mut targets = BTreeSet::new();
        for path in idents_after(&text, "crate::") {
            targets.extend(resolve(&modules, &[], &path));
        }
        let parent = &me_parts[..me_parts.len().saturating_sub(1)];
        for path in idents_after(&text, "super::") {
            targets.extend(resolve(&modules, parent, &path));
        }
        // A parent module naming one of its children (`backend::MiniLp` in `solve`).
        for child in modules
            .iter()
            .filter(|m| m.rsplit_once("::").map(|(p, _)| p) == Some(me.as_str()))
        {
            let name = child.rsplit("::").next().unwrap();
            if text.contains(&format!("{name}::")) || text.contains(&format!("use {name};")) {
                targets.insert(child.clone());
            }
        }
        targets.remove(&me);
        targets.remove("");
        graph.entry(me).or_default().extend(targets);
    }
    graph
}

/// A cycle of the graph, if it has one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|s| s == m).unwrap();
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(m, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn solver_modules_import_each_other_without_a_cycle() {
    let graph = import_graph();
    // The check sees real edges: the stages below are known to use each other this way.
    for (from, to) in [
        ("solve", "lp::check"),
        ("solve::backend::clarabel", "solve::presolve"),
        ("report::schema", "diagnose"),
        ("cli::sweep", "whatif::sweep"),
        ("solve", "solve::backend"),
    ] {
        assert!(
            graph[from].contains(to),
            "the import graph misses {from} -> {to}: {graph:#?}"
        );
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!("modules import each other in a cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn the_pipeline_stages_import_only_the_stages_before_them() {
    let graph = import_graph();
    let stage = |m: &str| m.split("::").next().unwrap().to_string();
    let mut stages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in &graph {
        for to in tos {
            if stage(from) != stage(to) {
                stages.entry(stage(from)).or_default().insert(stage(to));
            }
        }
    }
    if let Some(cycle) = find_cycle(&stages) {
        panic!("stages import each other in a cycle: {}", cycle.join(" -> "));
    }
    // The order the README and lib.rs document.
    let order = [
        "lp",
        "model",
        "solve",
        "sensitivity",
        "diagnose",
        "report",
        "pipeline",
        "whatif",
        "cli",
        "",
    ];
    for (from, tos) in &stages {
        let rank = |s: &str| {
            order
                .iter()
                .position(|o| *o == s)
                .unwrap_or_else(|| panic!("unknown stage `{s}`"))
        };
        for to in tos {
            assert!(rank(to) < rank(from), "stage `{from}` imports the later stage `{to}`");
        }
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    assert_eq!(find_cycle(&g), None);
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(find_cycle(&g).unwrap(), ["a", "b", "c", "a"]);
}

/// Functions of the code (tests left out) and their length in lines: from the `fn` line to
/// the closing brace at the same indentation (the code is formatted by rustfmt).
fn long_functions(text: &str) -> Vec<(usize, String, usize)> {
    let code = code(text);
    let lines: Vec<&str> = code.lines().map(|l| l.trim_end()).collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        let is_fn = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "pub(super) fn ",
            "const fn ",
            "pub const fn ",
        ]
        .iter()
        .any(|p| t.starts_with(p));
        if !is_fn || l.ends_with(';') {
            continue;
        }
        let indent = l.len() - t.len();
        let close = format!("{}}}", " ".repeat(indent));
        if let Some(end) = lines[i + 1..].iter().position(|m| *m == close) {
            let n = end + 2;
            if n > MAX_FN_LINES {
                out.push((i + 1, t.chars().take(60).collect(), n));
            }
        }
    }
    out
}

#[test]
fn no_function_outside_tests_is_longer_than_the_limit() {
    let mut files = Vec::new();
    rust_files(&root().join("solver/src"), &mut files);
    rust_files(&root().join("models/src"), &mut files);
    let mut long = Vec::new();
    for f in &files {
        for (line, head, n) in long_functions(&std::fs::read_to_string(f).unwrap()) {
            let name = f.strip_prefix(root()).unwrap_or(f).display();
            long.push(format!("{name}:{line}: {n} lines: {head}"));
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_length_check_measures_functions() {
    let body = "    let x = 1;\n".repeat(MAX_FN_LINES);
    let text = format!("fn short() {{\n}}\n\npub fn long() {{\n{body}}}\n");
    let found = long_functions(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 4);
    assert_eq!(found[0].2, MAX_FN_LINES + 2);
}
