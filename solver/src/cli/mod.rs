//! The command-line layer: argument definitions and the dispatch of each command; what the
//! commands share (loading with located diagnostics, atomic output, exit codes) is in
//! [`common`].

pub mod check;
pub mod choices;
pub mod common;
pub mod compare;
mod emit;
pub mod export;
mod flushing;
pub mod generate;
pub mod permits;
pub mod shard;
pub mod solve;
pub mod stress;
pub mod sweep;

use clap::{Parser, Subcommand};
pub use common::exit;

#[derive(Parser, Debug)]
#[command(
    name = "sourcing-opt",
    version,
    about = "Plan North American critical-mineral sourcing at least annual cost",
    long_about = "Reads a TOML instance (mines, plants, fiscal regimes, tariffs, lanes, demands, \
import-dependency targets), solves the sourcing linear program and reports flows, costs, binding \
constraints and their values.\n\nExit status: 0 optimal / success, 1 invalid input or I/O error, \
2 bad usage, 3 infeasible, 4 unbounded, 5 solver failure or time limit."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate, build, solve and report
    Solve(solve::SolveArgs),
    /// Validate only; print the model's size and any warnings
    Check(check::CheckArgs),
    /// Write the exact LP that `solve` would solve (LP or free MPS format)
    Export(export::ExportArgs),
    /// Compare two JSON reports: objective, costs, targets, flows, binding set, prices, supply shares
    Compare(compare::CompareArgs),
    /// N-1 disruption ranking: remove each mine, plant, offer, lane and foreign country in turn
    /// (`stress merge DIR` joins the shards of a cluster run)
    Stress(stress::StressCommand),
    /// Which permits to fast-track: cut each expansion's lead time to --to years, rank by saving
    Permits(permits::PermitsArgs),
    /// What-if sweep: solve once per value (or grid point) of --param keys; one row per point
    /// (`sweep merge DIR` joins the shards of a cluster run)
    Sweep(sweep::SweepCommand),
    /// Write a synthetic continental instance (seeded, about 1,000 variables per unit of --scale)
    Generate(generate::GenerateArgs),
}

pub fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Solve(a) => solve::run(&a),
        Command::Check(a) => check::run(&a),
        Command::Export(a) => export::run(&a),
        Command::Compare(a) => compare::run(&a),
        Command::Stress(a) => stress::run(&a),
        Command::Permits(a) => permits::run(&a),
        Command::Sweep(a) => sweep::run(&a),
        Command::Generate(a) => generate::run(&a),
    };
    match result {
        Ok(code) => code,
        Err(f) => {
            eprintln!("{}", f.message);
            f.code
        }
    }
}
