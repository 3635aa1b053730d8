//! The report's glossary: what the instance calls its blocs, regions and facilities, and the
//! first binding limits in plain words, for the summary and the HTML report. Words only: every
//! number a reader sees still comes from the report's own rows.

use super::schema::{Glossary, Report};
use crate::lp::{Lp, RowKey};
use sourcing_models::Instance;

/// How many of the most valuable binding limits get plain words.
pub const PLAIN_LIMITS: usize = 10;

/// The glossary of `report`, a report of `inst` solved as `lp` (the rows of
/// `report.constraints` are the rows of `lp`, in order).
pub fn glossary(inst: &Instance, lp: &Lp, report: &Report) -> Glossary {
    let blocs = inst
        .blocs
        .iter()
        .map(|b| {
            (
                b.id.clone(),
                b.countries.iter().map(|&c| inst.countries[c].id.clone()).collect(),
            )
        })
        .collect();
    let region_country = inst
        .regions
        .iter()
        .map(|r| (r.id.clone(), inst.countries[r.country].id.clone()))
        .collect();
    let mines = inst.mines.iter().map(|m| (&m.id, &m.name));
    let plants = inst.plants.iter().map(|p| (&p.id, &p.name));
    let facility_names = mines
        .chain(plants)
        .filter_map(|(id, name)| name.as_ref().map(|n| (id.clone(), n.clone())))
        .collect();
    let mut limits = Vec::new();
    for name in report.binding.iter().take(PLAIN_LIMITS) {
        let Some(i) = report.constraints.iter().position(|c| &c.name == name) else {
            continue;
        };
        if let Some(key) = lp.rows().get(i) {
            let mut words = plain(inst, key);
            if inst.has_periods() && key.is_per_period() {
                words.push_str(&format!(" in {}", inst.periods[lp.row_period(i)].year));
            }
            limits.push((name.clone(), words));
        }
    }
    Glossary {
        blocs,
        region_country,
        facility_names,
        limits,
    }
}

/// A facility by its name and kind and id: `Trail germanium circuit (mine `trail_ge`)`.
fn named(kind: &str, id: &str, name: Option<&String>) -> String {
    match name {
        Some(n) => format!("{n} ({kind} `{id}`)"),
        None => format!("{kind} `{id}`"),
    }
}

/// What one more unit of the row's right-hand side is, in words (`one more t/yr of capacity
/// at ...`), from its typed key.
fn plain(inst: &Instance, key: &RowKey) -> String {
    let mine = |m: u32| {
        let m = &inst.mines[m as usize];
        named("mine", &m.id, m.name.as_ref())
    };
    let plant = |p: u32| {
        let p = &inst.plants[p as usize];
        named("plant", &p.id, p.name.as_ref())
    };
    match *key {
        RowKey::MineCapacity(m) => format!("one more t/yr of capacity at {}", mine(m)),
        RowKey::MineExpansion(m) => format!("one more t/yr of allowed expansion at {}", mine(m)),
        RowKey::PlantCapacity(p) => format!("one more t/yr of input capacity at {}", plant(p)),
        RowKey::PlantExpansion(p) => format!("one more t/yr of allowed expansion at {}", plant(p)),
        RowKey::ImportCapacity(o) => {
            let o = &inst.imports[o as usize];
            let origin = &inst.countries[o.origin];
            let from = origin.name.as_deref().unwrap_or(origin.id.as_str());
            format!("one more t/yr from import offer `{}` ({from})", o.id)
        }
        RowKey::LaneCapacity { lane, .. } => {
            format!("one more t/yr of capacity on lane `{}`", inst.lanes[lane as usize].id)
        }
        RowKey::UnmetLimit(d) => format!("one more t/yr of demand `{}` left unmet", inst.demands[d as usize].id),
        RowKey::Target(t) => {
            let t = &inst.targets[t as usize];
            let what = t.name.as_deref().unwrap_or(t.id.as_str());
            format!(
                "one more share-weighted t/yr of imports allowed under target `{}` ({what})",
                t.id
            )
        }
        RowKey::StockCapacity(s) => format!("one more t of room in stockpile `{}`", inst.stockpiles[s as usize].id),
        RowKey::StockMin(s) | RowKey::StockFinal(s) => {
            format!(
                "one t less of required level in stockpile `{}`",
                inst.stockpiles[s as usize].id
            )
        }
        RowKey::Balance { .. } | RowKey::StockLevel(_) | RowKey::Demand(_) | RowKey::Aux(_) => {
            format!("one more unit of `{}`", key.kind())
        }
    }
}
