//! `sourcing-opt generate --seed N --scale K [--periods P] [--output FILE]`: write a synthetic
//! continental instance (see [`crate::model::generate`]) for scale tests and benchmarks.

use super::common::{check_outputs, emit, exit, Failure};
use crate::model::generate::{self, Params, Shape, MAX_PERIODS, MAX_SCALE};
use clap::Args;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
The instance is valid by construction and feasible (every import-dependency cap is set at or
above what the North American refineries can reach). The same seed and scale always give the
same bytes. The LP grows linearly with K, about 1,000 variables per unit:

  K      variables   (run `sourcing-opt check FILE` for the exact size)
  1      ~1.1k
  10     ~10k
  100    ~100k
  1000   ~1M

--periods P (default 1) writes a schema-2 instance over P consecutive years from 2025 on the
same network: demand grows 1-5% a year, about half the expansions have lead times of 1 to 3
years, the import caps tighten over time (never below what stays feasible), and a few
stockpiles hold strategic stocks; the LP has about P times the variables. --periods 1 is the
schema-1 instance of the seed and scale, byte for byte.

--shape dense keeps the facilities, offers, demands, tariffs and targets but joins the regions
by a dense network: a backbone through each country's regions plus 4 random lanes from every
region, half the Canadian and Mexican regions linked to a random US region, a third of the
lanes bidirectional and most open to every material (about 3,000 variables per unit of K).

--shape corridors hangs every region off one of a few hubs of its country (one per 40
regions), joins each country's hubs in a rail ring and each Canadian and Mexican hub to two
random US hubs by long rail corridors, a third of them capped.

Examples:
  sourcing-opt generate --seed 1 --scale 100 --output big.toml && sourcing-opt check big.toml
  sourcing-opt generate --seed 1 --scale 5 --shape dense --output dense.toml
  sourcing-opt generate --seed 1 --scale 10 --periods 6 --output six.toml && sourcing-opt check six.toml";

/// `--shape`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShapeChoice {
    Chains,
    Dense,
    Corridors,
}

/// Options of `sourcing-opt generate`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct GenerateArgs {
    /// Seed of the pseudo-random generator (any 64-bit number)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Size multiplier K (1 to 10000): 28 North American regions and about 1,000 LP variables
    /// per unit
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=MAX_SCALE as i64))]
    pub scale: u32,
    /// Number of yearly periods from 2025 (1 to 50): above 1, a schema-2 instance with growing
    /// demand, lead times, tightening caps and stockpiles
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=MAX_PERIODS as i64))]
    pub periods: u32,
    /// Track origin classes (`usmca`, `allied`, `other`) with the geological-origin rule on
    /// the US border: a schema-2 instance (model contract section 7)
    #[arg(long)]
    pub origin: bool,
    /// The family of the lane network: `chains` (districts of hubs and spokes on a grid) or
    /// `dense` (a dense regional network: many lanes from every region, most open to every
    /// material; about 3,000 variables per unit of K) or `corridors` (a few hubs per country
    /// on a rail ring, long cross-border corridors between hubs)
    #[arg(long, value_enum, default_value_t = ShapeChoice::Chains)]
    pub shape: ShapeChoice,
    /// Write to FILE (atomically) instead of stdout
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Print no summary on stderr
    #[arg(long, short)]
    pub quiet: bool,
}

/// Run the command: stream the instance to stdout or to `--output`.
pub fn run(args: &GenerateArgs) -> Result<i32, Failure> {
    // No input to protect; the check keeps every command's outputs under one rule.
    check_outputs(&[], &[("--output", args.output.as_deref())])?;
    let params = Params {
        seed: args.seed,
        scale: args.scale,
        origin: args.origin,
        shape: match args.shape {
            ShapeChoice::Chains => Shape::Chains,
            ShapeChoice::Dense => Shape::Dense,
            ShapeChoice::Corridors => Shape::Corridors,
        },
    };
    let mut summary = None;
    emit(args.output.as_deref(), |w| {
        summary = Some(generate::write_instance_periods(&params, args.periods, w)?);
        Ok(())
    })?;
    if let (false, Some(s)) = (args.quiet, summary) {
        let dest = match &args.output {
            Some(p) => format!("`{}`", p.display()),
            None => "stdout".to_string(),
        };
        let periods = match args.periods {
            1 => String::new(),
            n => format!(" periods {n}"),
        };
        let stockpiles = match s.stockpiles {
            0 => String::new(),
            n => format!(", {n} stockpiles"),
        };
        eprintln!(
            "generated seed {} scale {}{periods} to {dest}: {} regions, {} mines, {} plants, {} import offers, \
             {} demands, {} lanes, {} tariffs, {} targets{stockpiles}",
            args.seed, args.scale, s.regions, s.mines, s.plants, s.imports, s.demands, s.lanes, s.tariffs, s.targets
        );
    }
    Ok(exit::OK)
}
