//! The enumerated options of the commands as clap value enums: a wrong value is a usage error
//! (exit 2) whose message lists the valid ones, and `md` is accepted wherever `markdown` is.
//!
//! The variants carry no doc comments on purpose: clap would turn them into a list of
//! described values in `--help`, where the option's own line already says what each means.

use crate::pipeline::Ranging;
use crate::report::{Detail, Format};
use crate::solve::backend::BackendChoice;
use clap::builder::PossibleValue;
use clap::ValueEnum;

/// `solve --format`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
    Csv,
    #[value(alias = "md")]
    Markdown,
    Html,
}

impl From<ReportFormat> for Format {
    fn from(f: ReportFormat) -> Format {
        match f {
            ReportFormat::Text => Format::Text,
            ReportFormat::Json => Format::Json,
            ReportFormat::Csv => Format::Csv,
            ReportFormat::Markdown => Format::Markdown,
            ReportFormat::Html => Format::Html,
        }
    }
}

/// `solve --detail`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailChoice {
    Brief,
    Full,
}

impl From<DetailChoice> for Detail {
    fn from(d: DetailChoice) -> Detail {
        match d {
            DetailChoice::Brief => Detail::Brief,
            DetailChoice::Full => Detail::Full,
        }
    }
}

/// `stress --format`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StressFormat {
    Text,
    Csv,
    Json,
    #[value(alias = "md")]
    Markdown,
}

/// `compare --format`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareFormat {
    Text,
    #[value(alias = "md")]
    Markdown,
    Json,
    Html,
}

/// `sweep --format`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepFormat {
    Csv,
    Jsonl,
}

/// `sweep --emit` and `stress --emit`: the scheduler to write a job script for.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduler {
    Slurm,
    K8s,
}

/// `export --format`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Lp,
    Mps,
}

/// `--ranging` of `solve` and `sweep`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangingChoice {
    Auto,
    On,
    Off,
}

impl From<RangingChoice> for Ranging {
    fn from(r: RangingChoice) -> Ranging {
        match r {
            RangingChoice::Auto => Ranging::Auto,
            RangingChoice::On => Ranging::On,
            RangingChoice::Off => Ranging::Off,
        }
    }
}

/// The name a value of an option is given with on the command line (`csv`, `off`).
pub fn name_of(v: &impl ValueEnum) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_string())
        .unwrap_or_default()
}

/// `--backend`: the backends this build has (HiGHS with the `highs` feature only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backend(pub BackendChoice);

#[cfg(not(feature = "highs"))]
const BACKENDS: &[Backend] = &[
    Backend(BackendChoice::Auto),
    Backend(BackendChoice::MiniLp),
    Backend(BackendChoice::Clarabel),
];
#[cfg(feature = "highs")]
const BACKENDS: &[Backend] = &[
    Backend(BackendChoice::Auto),
    Backend(BackendChoice::MiniLp),
    Backend(BackendChoice::Clarabel),
    Backend(BackendChoice::Highs),
];

impl Backend {
    /// The name a user gives for it.
    pub fn name(self) -> &'static str {
        match self.0 {
            BackendChoice::Auto => "auto",
            BackendChoice::MiniLp => "minilp",
            BackendChoice::Clarabel => "clarabel",
            #[cfg(feature = "highs")]
            BackendChoice::Highs => "highs",
        }
    }
}

impl ValueEnum for Backend {
    fn value_variants<'a>() -> &'a [Self] {
        BACKENDS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names are the library's, in its order, and each maps back to its choice.
    #[test]
    fn backend_names_are_the_library_names() {
        let names: Vec<&str> = BACKENDS.iter().map(|b| b.name()).collect();
        assert_eq!(names, BackendChoice::names());
        for b in BACKENDS {
            assert_eq!(BackendChoice::parse(b.name()), Some(b.0));
        }
    }
}
