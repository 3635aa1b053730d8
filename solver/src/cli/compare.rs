//! `sourcing-opt compare A.json B.json`: what changed between two JSON reports (see
//! [`crate::whatif::compare`] for the matching rules and the tolerance).

use super::choices::CompareFormat;
use super::common::{check_outputs, emit, exit, Failure};
use crate::whatif::compare;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `sourcing-opt compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// The first report (A, "before"), written by `sourcing-opt solve --format json`
    pub a: PathBuf,
    /// The second report (B, "after")
    pub b: PathBuf,
    /// Relative tolerance: a number changed when |B - A| > TOL * max(1, |A|, |B|) (a cost
    /// category: also against both objectives)
    #[arg(long, value_name = "TOL", default_value_t = compare::DEFAULT_TOL)]
    pub tol: f64,
    /// Output format: text, markdown (or md), json (schema sourcing-opt/compare/1) or html (one
    /// self-contained page, the two reports side by side and the changes highlighted)
    #[arg(long, value_enum, default_value = "text")]
    pub format: CompareFormat,
    /// Write the comparison to FILE (atomically) instead of stdout
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Run `compare`: exit 0 whether or not anything changed, 1 for an unreadable or foreign file.
pub fn run(args: &CompareArgs) -> Result<i32, Failure> {
    if !args.tol.is_finite() || args.tol < 0.0 {
        return Err(Failure {
            code: exit::USAGE,
            message: format!("error: --tol must be a finite number >= 0, got {}", args.tol),
        });
    }
    check_outputs(
        &[("report A", args.a.as_path()), ("report B", args.b.as_path())],
        &[("--output", args.output.as_deref())],
    )?;
    let a = compare::load(&args.a).map_err(Failure::input)?;
    let b = compare::load(&args.b).map_err(Failure::input)?;
    let c = compare::compare(
        &a,
        &b,
        &args.a.display().to_string(),
        &args.b.display().to_string(),
        args.tol,
    );
    let out = match args.format {
        CompareFormat::Json => compare::json(&c),
        CompareFormat::Markdown => compare::markdown(&c),
        CompareFormat::Text => compare::text(&c),
        CompareFormat::Html => compare::html(&c),
    };
    emit(args.output.as_deref(), |w| w.write_all(out.as_bytes()))?;
    Ok(exit::OK)
}
