//! `sourcing-opt check`: validate only, and print the size of the model `solve` would build.

use super::common::{emit, exit, load, Failure, InputArgs};
use crate::model::formulate;
use clap::Args;

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
}

pub fn run(args: &CheckArgs) -> Result<i32, Failure> {
    let loaded = load(&args.input)?;
    let inst = &loaded.instance;
    let model = formulate::build(inst);
    let lp = &model.lp;
    let mut text = format!(
        "{}: valid\n\
         regions: {}\ncountries: {}\nmaterials: {}\n\
         facilities: {} mines, {} plants, {} import offers\n\
         lanes: {}\ndemands: {}\ntargets: {}\n\
         variables: {}\nconstraints: {}\nnonzeros: {}\n",
        args.input.instance.display(),
        inst.regions.len(),
        inst.countries.len(),
        inst.materials.len(),
        inst.mines.len(),
        inst.plants.len(),
        inst.imports.len(),
        inst.lanes.len(),
        inst.demands.len(),
        inst.targets.len(),
        lp.n_vars(),
        lp.n_rows(),
        lp.nnz(),
    );
    text.push_str(&schema_2_lines(inst));
    emit(None, |w| w.write_all(text.as_bytes()))?;
    Ok(exit::OK)
}

/// The horizon and the stockpiles of a schema-2 instance (nothing for schema 1, whose output
/// stays as it was).
fn schema_2_lines(inst: &sourcing_models::Instance) -> String {
    let mut out = String::new();
    if inst.has_periods() {
        let years: Vec<String> = inst.periods.iter().map(|p| p.year.to_string()).collect();
        out.push_str(&format!(
            "periods: {} ({}), discount rate {}\n",
            inst.n_periods(),
            years.join(", "),
            inst.meta.discount_rate
        ));
        let timed = |e: &Option<sourcing_models::Expansion>| e.is_some_and(|e| e.lead_time > 0.0);
        let lead = inst.mines.iter().filter(|m| timed(&m.expansion)).count()
            + inst.plants.iter().filter(|p| timed(&p.expansion)).count();
        out.push_str(&format!("expansions with a lead time: {lead}\n"));
    }
    if inst.has_periods() || !inst.stockpiles.is_empty() {
        out.push_str(&format!("stockpiles: {}\n", inst.stockpiles.len()));
    }
    out
}
