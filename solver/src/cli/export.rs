//! `sourcing-opt export`: write the exact LP of `solve` in LP or free MPS format.

use super::choices::ExportFormat;
use super::common::{check_outputs, emit, exit, load, Failure, InputArgs};
use crate::model::{export, formulate};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// lp (CPLEX LP, names escaped) or mps (free MPS, contract names verbatim)
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write to FILE (atomically) instead of stdout
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub fn run(args: &ExportArgs) -> Result<i32, Failure> {
    check_outputs(&args.input.files(), &[("--output", args.output.as_deref())])?;
    let loaded = load(&args.input)?;
    let inst = &loaded.instance;
    let model = formulate::build(inst);
    emit(args.output.as_deref(), |w| match args.format {
        ExportFormat::Lp => export::write_lp(&model.lp, inst, w),
        ExportFormat::Mps => export::write_mps(&model.lp, inst, w),
    })?;
    Ok(exit::OK)
}
