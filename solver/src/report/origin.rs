//! `origin_shares`: where the material a scope uses was mined (model contract section 7).
//!
//! For each period, material and scope (every bloc, then every country, in instance order)
//! that uses the material, the use is what the targets' `C_t` counts, split by origin class:
//! demand served (`serve[d~k]`), plant input (`proc[p~k]`) and the net fill of stockpiles
//! (`inject[s~k] - release[s~k]`). Scopes that use nothing are left out.

use super::schema::{ByOrigin, OriginShareRow};
use crate::lp::check::NOISE;
use crate::model::formulate::Columns;
use smol_str::SmolStr;
use sourcing_models::{Instance, Party};

/// The rows of `origin_shares` (empty without tracking).
pub fn origin_shares(inst: &Instance, cols: &[Columns], x: &[f64]) -> Vec<OriginShareRow> {
    let Some(origin) = &inst.origin else {
        return Vec::new();
    };
    let classes = origin.classes.len();
    let scopes: Vec<Party> = (0..inst.blocs.len())
        .map(Party::Bloc)
        .chain((0..inst.countries.len()).map(Party::Country))
        .collect();
    let val = |c: u32| if x.is_empty() { 0.0 } else { x[c as usize] };
    let mut out = Vec::new();
    for (p, c) in cols.iter().enumerate() {
        // Use by (country, material, class), then summed over each scope's countries.
        let n_mat = inst.materials.len();
        let idx = |country: usize, a: usize, k: usize| (country * n_mat + a) * classes + k;
        let mut used = vec![0.0; inst.countries.len() * n_mat * classes];
        for (d, dem) in inst.demands.iter().enumerate() {
            for (k, &col) in c.serve_of(d).iter().enumerate() {
                used[idx(inst.region_country(dem.region), dem.material, k)] += val(col);
            }
        }
        for (pl, plant) in inst.plants.iter().enumerate() {
            for (k, &col) in c.proc_of(pl).iter().enumerate() {
                used[idx(inst.region_country(plant.region), plant.input, k)] += val(col);
            }
        }
        for (s, stock) in inst.stockpiles.iter().enumerate() {
            for k in 0..classes {
                let net = val(c.inject_of(s)[k]) - val(c.release_of(s)[k]);
                used[idx(inst.region_country(stock.region), stock.material, k)] += net;
            }
        }
        for a in 0..n_mat {
            for &scope in &scopes {
                let members = inst.party_countries(scope);
                let by_class: Vec<f64> = (0..classes)
                    .map(|k| members.iter().map(|&m| used[idx(m, a, k)]).sum::<f64>().max(0.0))
                    .collect();
                let total: f64 = by_class.iter().sum();
                if total <= NOISE {
                    continue;
                }
                out.push(OriginShareRow {
                    period: inst.has_periods().then(|| inst.periods[p].year),
                    material: inst.materials[a].id.clone(),
                    scope: SmolStr::new(inst.party_id(scope)),
                    use_t: total,
                    shares: ByOrigin(
                        origin
                            .classes
                            .iter()
                            .zip(&by_class)
                            .map(|(k, &v)| (k.clone(), v / total))
                            .collect(),
                    ),
                });
            }
        }
    }
    out
}
