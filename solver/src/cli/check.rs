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
    let text = format!(
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
    emit(None, |w| w.write_all(text.as_bytes()))?;
    Ok(exit::OK)
}
