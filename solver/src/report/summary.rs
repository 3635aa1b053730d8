//! The answer first: the few numbers a policy team reads before any table, picked from the
//! report's own rows (nothing here is recomputed from the model).
//!
//! - status and total cost (`objective`, `costs`), each period's annual cost (`periods`);
//! - for each final material (one a demand names), its supply in the last period by the
//!   country that mined it, refined it or sold it as an import: the sum over the stages of its
//!   `concentration` rows (mine output, plant output, offers bought by origin; a stockpile's
//!   release is not supply), grouped by the instance's blocs (a country in no bloc is
//!   `other`), and its tightest target (`targets`: binding below 100% first, then the least
//!   headroom; a cap of 100% last, as it is never a limit);
//! - the most valuable binding limits (`binding`, in its order, with a `marginal_value` above
//!   0) in plain words;
//! - the capacity built (`builds`, or the `expansion_t` of `mines` and `plants` in a report
//!   without periods);
//! - the demand left unmet (`demands`: each demand's `unmet` above 1e-6 of its quantity, the
//!   tolerance a plan is accepted at), in the worst year with periods (rates of different
//!   years are not added), with the number of years and of distinct demands short.

use super::schema::{DemandRow, PeriodRow, Report, TargetRow};
use crate::lp::check::FEAS_TOL;
use std::collections::{BTreeMap, BTreeSet};

/// How many binding limits the summary states in words.
pub const TOP_LIMITS: usize = 5;

/// One final material's supply and its tightest target.
#[derive(Debug, Clone)]
pub struct Supply<'a> {
    pub material: &'a str,
    /// t/yr, the sum of `by_country`.
    pub total_t: f64,
    /// t/yr by bloc, in instance order then `other` (only blocs with supply).
    pub by_bloc: Vec<(String, f64)>,
    /// t/yr by country, most first.
    pub by_country: Vec<(&'a str, f64)>,
    pub target: Option<&'a TargetRow>,
    /// How many other targets the material has in that period.
    pub more_targets: usize,
}

impl Supply<'_> {
    /// ` +N` when the material has N more targets than the one shown, else empty.
    pub fn more_label(&self) -> String {
        match self.more_targets {
            0 => String::new(),
            n => format!(" +{n}"),
        }
    }
}

/// A binding limit: its name, the words for it and what one more unit saves.
#[derive(Debug, Clone)]
pub struct Limit<'a> {
    pub name: &'a str,
    pub words: String,
    pub value: f64,
}

/// Capacity that comes online.
#[derive(Debug, Clone)]
pub struct Built<'a> {
    pub facility: &'a str,
    pub kind: &'a str,
    pub period: Option<i64>,
    pub added_t: f64,
}

#[derive(Debug, Clone)]
pub struct Summary<'a> {
    /// The year whose supply and targets are shown (the last period; `None` without periods).
    pub year: Option<i64>,
    pub supply: Vec<Supply<'a>>,
    pub limits: Vec<Limit<'a>>,
    pub built: Vec<Built<'a>>,
    /// t/yr of demand unmet: in the worst year (`unmet_year`) with periods, where rates of
    /// different years are not added up.
    pub unmet_t: f64,
    /// With periods and some demand unmet: the year of `unmet_t`, and how many years have some.
    pub unmet_year: Option<i64>,
    pub unmet_years: usize,
    /// The demands (by id, whatever the year) with some unmet.
    pub unmet_demands: usize,
    /// The categories with the largest cost, largest first (up to four with a share of 1% or more).
    pub top_costs: Vec<(&'static str, f64)>,
}

pub fn summary(r: &Report) -> Summary<'_> {
    let last = r.periods.as_ref().and_then(|p| p.last()).map(|p| p.year);
    let year = last.filter(|_| has_years(r));
    let mut finals: Vec<&str> = Vec::new();
    for d in &r.demands {
        if !finals.contains(&d.material.as_str()) {
            finals.push(d.material.as_str());
        }
    }
    let supply = finals.into_iter().map(|m| supply_of(r, m, year)).collect();
    let limits = r
        .binding
        .iter()
        .filter_map(|name| {
            let c = r.constraints.iter().find(|c| &c.name == name)?;
            let value = c.marginal_value.filter(|v| *v > 0.0)?;
            let words = match r.glossary.limit(name) {
                Some(w) => w.to_string(),
                None => format!("one more {} of `{name}`", c.unit),
            };
            Some(Limit {
                name: name.as_str(),
                words,
                value,
            })
        })
        .take(TOP_LIMITS)
        .collect();
    let built = match &r.builds {
        Some(b) => b
            .iter()
            .map(|b| Built {
                facility: &b.facility,
                kind: &b.kind,
                period: b.period,
                added_t: b.capacity_added,
            })
            .collect(),
        None => {
            let mines = r.mines.iter().map(|m| (&m.id, "mine", m.expansion_t));
            let plants = r.plants.iter().map(|p| (&p.id, "plant", p.expansion_t));
            mines
                .chain(plants)
                .filter_map(|(id, kind, e)| {
                    e.filter(|e| *e > 0.0).map(|added_t| Built {
                        facility: id,
                        kind,
                        period: None,
                        added_t,
                    })
                })
                .collect()
        }
    };
    // An interior-point plan leaves dust in `unmet` (1e-7 t/yr of a 600 t/yr demand): a demand
    // is short when its unmet is above the plan's tolerance of its quantity.
    let short = unmet_by_year(&r.demands);
    let worst = short.iter().fold(None::<(Option<i64>, f64)>, |w, &(y, t)| match w {
        Some((_, best)) if best >= t => w,
        _ => Some((y, t)),
    });
    let ids: BTreeSet<&str> = r
        .demands
        .iter()
        .filter(|d| is_short(d))
        .map(|d| d.id.as_str())
        .collect();
    let costs = r.costs.clone().unwrap_or_default();
    let total = costs.total();
    let mut top_costs: Vec<(&'static str, f64)> = costs
        .entries()
        .into_iter()
        .filter(|(_, v)| total > 0.0 && *v / total >= 0.01)
        .collect();
    top_costs.sort_by(|a, b| b.1.total_cmp(&a.1));
    top_costs.truncate(4);
    Summary {
        year,
        supply,
        limits,
        built,
        unmet_t: worst.map_or(0.0, |w| w.1),
        unmet_year: worst.and_then(|w| w.0),
        unmet_years: short.len(),
        unmet_demands: ids.len(),
        top_costs,
    }
}

/// A demand is short when its unmet is above the plan's tolerance of its quantity (an
/// interior-point plan leaves dust in `unmet`: 1e-7 t/yr of a 600 t/yr demand).
fn is_short(d: &DemandRow) -> bool {
    d.unmet > FEAS_TOL * d.quantity.max(1.0)
}

/// The demand left unmet in each year that has some (t/yr, summed over the demands of that
/// year), by year (`None` without periods). The rates of different years are never added:
/// a sum of yearly rates is no rate.
pub fn unmet_by_year(demands: &[DemandRow]) -> Vec<(Option<i64>, f64)> {
    let mut by_year: BTreeMap<Option<i64>, f64> = BTreeMap::new();
    for d in demands.iter().filter(|d| is_short(d)) {
        *by_year.entry(d.period).or_insert(0.0) += d.unmet;
    }
    by_year.into_iter().collect()
}

/// One final material's supply in `year` (the concentration rows of all its stages, summed
/// by country) and its tightest target.
fn supply_of<'a>(r: &'a Report, material: &'a str, year: Option<i64>) -> Supply<'a> {
    let mut by_country: Vec<(&str, f64)> = Vec::new();
    for row in r
        .concentration
        .iter()
        .filter(|c| c.material == material && c.period == year)
    {
        for c in &row.by_country {
            match by_country.iter_mut().find(|(k, _)| *k == c.country.as_str()) {
                Some((_, t)) => *t += c.tonnes,
                None => by_country.push((c.country.as_str(), c.tonnes)),
            }
        }
    }
    by_country.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut by_bloc: Vec<(String, f64)> = r
        .glossary
        .blocs
        .iter()
        .map(|(b, _)| (b.to_string(), 0.0))
        .chain([("other".to_string(), 0.0)])
        .collect();
    for (country, t) in &by_country {
        let bloc = r.glossary.bloc_of(country);
        if let Some(cell) = by_bloc.iter_mut().find(|(b, _)| b == bloc) {
            cell.1 += t;
        }
    }
    by_bloc.retain(|(_, t)| *t > 0.0);
    let targets: Vec<&TargetRow> = r
        .targets
        .iter()
        .filter(|t| t.material == material && t.period == year)
        .collect();
    // A cap that holds the plan back first, then caps below 100% by headroom; a cap of 100%
    // (never a limit, see `TargetRow::limits`) only when the material has no other.
    let target = targets.iter().copied().min_by(|a, b| {
        let headroom = |t: &TargetRow| t.max_import_share - t.achieved_share;
        let full = |t: &TargetRow| t.max_import_share >= 1.0;
        b.limits()
            .cmp(&a.limits())
            .then(full(a).cmp(&full(b)))
            .then(headroom(a).total_cmp(&headroom(b)))
    });
    Supply {
        material,
        total_t: by_country.iter().map(|c| c.1).sum(),
        by_bloc,
        by_country,
        target,
        more_targets: targets.len().saturating_sub(1),
    }
}

/// Whether the per-period rows of the report carry a year (an instance with
/// `meta.periods`); a report without (schema 1, or stockpiles alone) renders as before.
pub fn has_years(r: &Report) -> bool {
    r.periods.is_some()
        && (r.mines.iter().any(|x| x.period.is_some())
            || r.plants.iter().any(|x| x.period.is_some())
            || r.imports.iter().any(|x| x.period.is_some())
            || r.shipments.iter().any(|x| x.period.is_some())
            || r.demands.iter().any(|x| x.period.is_some())
            || r.targets.iter().any(|x| x.period.is_some())
            || r.prices.iter().any(|x| x.period.is_some())
            || r.stockpiles.iter().flatten().any(|x| x.period.is_some()))
}

/// The first year and the last year of the horizon (the last period's year plus its length,
/// less one), e.g. `2025-2029`.
pub fn horizon(periods: &[PeriodRow]) -> String {
    match (periods.first(), periods.last()) {
        (Some(a), Some(b)) => {
            let end = b.year + (b.length.round() as i64 - 1).max(0);
            if end > a.year {
                format!("{}-{end}", a.year)
            } else {
                a.year.to_string()
            }
        }
        _ => String::new(),
    }
}

/// A sum of money in a few significant figures: `2.5 M`, `37.9 bn`, `840 k`, `12`.
pub fn money(x: f64) -> String {
    let a = x.abs();
    let (v, unit) = if a >= 1e9 {
        (x / 1e9, " bn")
    } else if a >= 1e6 {
        (x / 1e6, " M")
    } else if a >= 1e3 {
        (x / 1e3, " k")
    } else {
        (x, "")
    };
    let digits = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{v:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    format!("{s}{unit}")
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_keeps_three_significant_figures() {
        assert_eq!(money(2_510_129.0), "2.51 M");
        assert_eq!(money(37_909_326_410.0), "37.9 bn");
        assert_eq!(money(321_840.0), "322 k");
        assert_eq!(money(12.0), "12");
        assert_eq!(money(0.5), "0.5");
        assert_eq!(money(-1_500_000.0), "-1.5 M");
    }
}
