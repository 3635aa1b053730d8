//! From an instance file, a scenario file and `--set` overrides to a validated instance.
//!
//! Nothing here prints: the diagnostics come back rendered (against the file they point
//! into), in the order they were found, with the one-line message that ends a failed load.
//! The command-line layer prints them.

use crate::report::InstanceInfo;
use sha2::{Digest, Sha256};
use sourcing_models::overrides::{self, Override};
use sourcing_models::raw::RawTable;
use sourcing_models::{raw, validate, Diagnostic, Instance, Severity, Validated};
use std::path::Path;

/// What to load: the instance file, the `--set` overrides as written and a scenario file.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub instance: &'a Path,
    /// `COLLECTION.ID.FIELD=VALUE` overrides, applied after the scenario's.
    pub sets: &'a [String],
    pub scenario: Option<&'a Path>,
}

/// A load that failed: every diagnostic, rendered, then the message that ends the command.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    /// Rendered diagnostics (each ends with a newline), in the order found.
    pub diagnostics: Vec<String>,
    /// One line, `error: ...`.
    pub message: String,
}

impl LoadError {
    fn message(message: String) -> Self {
        LoadError {
            diagnostics: Vec::new(),
            message,
        }
    }
}

/// A validated instance with the diagnostics validation found (warnings), rendered.
pub struct Checked {
    pub instance: Instance,
    pub diagnostics: Vec<String>,
}

pub struct Loaded {
    pub instance: Instance,
    pub source: String,
    pub sha256: String,
    /// The overrides applied, as written (scenario first, then `--set`).
    pub overrides: Vec<String>,
    pub scenario: Option<String>,
    /// Warnings of validation, rendered.
    pub diagnostics: Vec<String>,
    /// Wall time of reading and parsing, and of overriding and validating.
    pub read_ms: f64,
    pub validate_ms: f64,
}

/// The overrides that parsed, the scenario's name, and the rendered errors of those that did
/// not.
type ParsedOverrides = (Vec<Override>, Option<String>, Vec<String>);

/// Parse the scenario file and the `--set` arguments; every error is a diagnostic, rendered.
fn parse_overrides(input: &Input) -> Result<ParsedOverrides, LoadError> {
    let mut all = Vec::new();
    let mut scenario_name = None;
    let mut rendered = Vec::new();
    if let Some(path) = input.scenario {
        let bytes = std::fs::read(path)
            .map_err(|e| LoadError::message(format!("error: cannot read scenario `{}`: {e}", path.display())))?;
        let text = utf8(path, bytes)?;
        let (sc, errors) = overrides::parse_scenario_all(&text);
        scenario_name = Some(sc.name.clone().unwrap_or_else(|| path.display().to_string()));
        // A value the scenario sets is named with its file and line in diagnostics.
        all.extend(sc.overrides.into_iter().map(|mut o| {
            // `scenario, line N` -> `scenario `FILE`, line N`.
            let at = o.written_in.take().unwrap_or_default();
            let line = at.strip_prefix("scenario, ").unwrap_or(&at);
            o.written_in = Some(format!("scenario `{}`, {line}", path.display()));
            o
        }));
        rendered.extend(errors.iter().map(|d| d.render(&path.display().to_string(), &text)));
    }
    for a in input.sets {
        match overrides::parse(a, "--set") {
            Ok(o) => all.push(o),
            Err(d) => rendered.push(d.render("command line", "")),
        }
    }
    Ok((all, scenario_name, rendered))
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
    /// Read the file and parse it and the overrides. An unreadable file or a bad override
    /// is an error; a file that is not valid TOML is not (validation reports it).
    pub fn read(input: &Input) -> Result<Source, LoadError> {
        let path = input.instance;
        let t0 = std::time::Instant::now();
        let bytes = std::fs::read(path)
            .map_err(|e| LoadError::message(format!("error: cannot read `{}`: {e}", path.display())))?;
        let sha256 = hex(&Sha256::digest(&bytes));
        let text = utf8(path, bytes)?;
        let (overrides, scenario, mut rendered) = parse_overrides(input)?;
        let (tree, parse_error) = match raw::parse(&text) {
            Ok(t) => (Some(t), None),
            Err(d) => (None, Some(*d)),
        };
        if !rendered.is_empty() {
            // Every problem of the overrides in one run: with those that parsed, the ids they
            // name that the instance lacks.
            if let Some(Err(ds)) = tree.as_ref().map(|t| overrides::apply(&mut t.clone(), &overrides)) {
                let file = path.display().to_string();
                rendered.extend(ds.iter().map(|d| d.render(&file, &text)));
            }
            let errors = rendered.len();
            return Err(LoadError {
                diagnostics: rendered,
                message: format!("error: {errors} invalid override{}; nothing was solved", plural(errors)),
            });
        }
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
        overrides::apply(&mut tree, &self.overrides)?;
        overrides::apply(&mut tree, extra)?;
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

    /// Diagnostics rendered against this file.
    pub fn render(&self, diagnostics: &[Diagnostic]) -> Vec<String> {
        diagnostics.iter().map(|d| d.render(&self.file, &self.text)).collect()
    }

    /// Validate with `extra` overrides. On success the diagnostics are the warnings; on
    /// failure they are every diagnostic (warnings included), with the closing message.
    pub fn instance(&self, extra: &[Override]) -> Result<Checked, LoadError> {
        let file = &self.file;
        let validated = self.validate_with(extra).map_err(|ds| LoadError {
            diagnostics: self.render(&ds),
            message: format!(
                "error: {} override{} cannot be applied to `{file}`; nothing was solved",
                ds.len(),
                plural(ds.len()),
            ),
        })?;
        let errors = validated
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let diagnostics = self.render(&validated.diagnostics);
        match validated.instance {
            Some(instance) => Ok(Checked { instance, diagnostics }),
            None => Err(LoadError {
                diagnostics,
                message: format!(
                    "error: `{file}` has {errors} error{}; nothing was solved",
                    plural(errors)
                ),
            }),
        }
    }
}

/// Read and validate an instance with its overrides.
pub fn load(input: &Input) -> Result<Loaded, LoadError> {
    let src = Source::read(input)?;
    let t0 = std::time::Instant::now();
    let checked = src.instance(&[])?;
    Ok(Loaded {
        read_ms: src.read_ms,
        validate_ms: t0.elapsed().as_secs_f64() * 1e3,
        instance: checked.instance,
        diagnostics: checked.diagnostics,
        sha256: src.sha256.clone(),
        overrides: src.overrides.iter().map(|o| o.text.clone()).collect(),
        scenario: src.scenario.clone(),
        source: src.text,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The text of a file, or an error at the line and column of its first byte that is not
/// UTF-8 (a file saved as Latin-1 or UTF-16 by a spreadsheet), with the fix.
fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String, LoadError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = std::str::from_utf8(&e.as_bytes()[..valid]).unwrap_or_default();
        let (line, column) = sourcing_models::diag::line_col(prefix, prefix.len());
        LoadError::message(format!(
            "error: `{}` is not UTF-8 text: byte 0x{:02x} at {}:{line}:{column}; save the file as UTF-8 (TOML \
             requires it)",
            path.display(),
            e.as_bytes()[valid],
            path.display()
        ))
    })
}
