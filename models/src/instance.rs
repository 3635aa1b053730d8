//! The validated instance: every reference resolved to an index, every number checked.
//!
//! Units follow the model contract: quantities in tonnes of the named material per year,
//! money in `meta.currency` (USD by default), shares and rates as fractions in [0, 1].

pub use smol_str::SmolStr;
use std::ops::Range;

pub type Span = Option<Range<usize>>;

#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub name: String,
    pub description: Option<String>,
    pub currency: String,
    pub year: Option<i64>,
    /// Cost of the capital tied up in goods in transit, a share of their price per year
    /// (model contract section 8); absent counts as 0.
    pub carrying_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bloc {
    pub id: SmolStr,
    pub name: Option<String>,
    pub countries: Vec<usize>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Country {
    pub id: SmolStr,
    pub name: Option<String>,
    pub tax_regime: Option<usize>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub id: SmolStr,
    pub name: Option<String>,
    pub country: usize,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Material {
    pub id: SmolStr,
    pub name: Option<String>,
    /// Reference price, USD/t: the base of royalties, income tax and ad valorem tariffs.
    pub price: f64,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaxRegime {
    pub id: SmolStr,
    /// Share of the material's price.
    pub royalty_rate: f64,
    /// USD per tonne extracted.
    pub fee_per_t: f64,
    /// Share of the per-tonne margin after cost, royalty and fee.
    pub income_tax_rate: f64,
    /// Extra royalty rate by material index.
    pub royalty_by_material: Vec<(usize, f64)>,
    pub span: Span,
}

impl TaxRegime {
    pub fn extra_royalty(&self, material: usize) -> f64 {
        self.royalty_by_material
            .iter()
            .filter(|(m, _)| *m == material)
            .map(|(_, r)| r)
            .sum()
    }
}

/// Optional capacity expansion: up to `max` t/yr at `cost` USD per t/yr (annualised).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expansion {
    pub max: f64,
    pub cost: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mine {
    pub id: SmolStr,
    pub name: Option<String>,
    pub region: usize,
    pub material: usize,
    /// t/yr
    pub capacity: f64,
    /// USD/t, before royalties and taxes
    pub cost: f64,
    pub expansion: Option<Expansion>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plant {
    pub id: SmolStr,
    pub name: Option<String>,
    pub region: usize,
    pub input: usize,
    pub output: usize,
    /// t output per t input
    pub yield_: f64,
    /// t input per year
    pub capacity: f64,
    /// USD per t input
    pub cost: f64,
    pub expansion: Option<Expansion>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub id: SmolStr,
    pub region: usize,
    pub material: usize,
    /// USD/t
    pub price: f64,
    pub origin: usize,
    /// t/yr; `None` = unlimited
    pub capacity: Option<f64>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub id: SmolStr,
    pub region: usize,
    pub material: usize,
    /// t/yr
    pub quantity: f64,
    /// USD per tonne not served; `None` = must be met
    pub unmet_penalty: Option<f64>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    pub id: SmolStr,
    pub from: usize,
    pub to: usize,
    /// USD/t
    pub cost: f64,
    pub mode: SmolStr,
    pub days: Option<f64>,
    /// t/yr over all materials, per direction
    pub capacity: Option<f64>,
    /// Allowed materials; `None` = all
    pub materials: Option<Vec<usize>>,
    pub bidirectional: bool,
    pub span: Span,
}

impl Lane {
    pub fn allows(&self, material: usize) -> bool {
        self.materials.as_ref().is_none_or(|m| m.contains(&material))
    }
}

/// A country or a bloc, as written in tariffs and targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Country(usize),
    Bloc(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tariff {
    pub id: SmolStr,
    pub importer: usize,
    pub exporter: Party,
    /// `None` = every material (`*`)
    pub material: Option<usize>,
    /// ad valorem share of the material's price
    pub rate: f64,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub id: SmolStr,
    pub name: Option<String>,
    pub material: usize,
    pub scope: Party,
    pub max_import_share: f64,
    /// Source countries (resolved from blocs); default every country outside the scope.
    pub sources: Vec<usize>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub meta: Meta,
    pub blocs: Vec<Bloc>,
    pub countries: Vec<Country>,
    pub regions: Vec<Region>,
    pub materials: Vec<Material>,
    pub tax_regimes: Vec<TaxRegime>,
    pub mines: Vec<Mine>,
    pub plants: Vec<Plant>,
    pub imports: Vec<Import>,
    pub demands: Vec<Demand>,
    pub lanes: Vec<Lane>,
    pub tariffs: Vec<Tariff>,
    pub targets: Vec<Target>,
}

/// The per-tonne cost of a mine split into the categories of the cost breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MineUnitCost {
    pub mining: f64,
    pub royalty: f64,
    pub fee: f64,
    pub income_tax: f64,
}

impl MineUnitCost {
    pub fn total(&self) -> f64 {
        self.mining + self.royalty + self.fee + self.income_tax
    }
}

impl Instance {
    /// Countries of a party (one country, or the members of a bloc).
    pub fn party_countries(&self, party: Party) -> Vec<usize> {
        match party {
            Party::Country(c) => vec![c],
            Party::Bloc(b) => self.blocs[b].countries.clone(),
        }
    }

    pub fn party_id(&self, party: Party) -> &str {
        match party {
            Party::Country(c) => &self.countries[c].id,
            Party::Bloc(b) => &self.blocs[b].id,
        }
    }

    pub fn region_country(&self, region: usize) -> usize {
        self.regions[region].country
    }

    /// Mine unit cost as the model contract defines it:
    /// `royalty = (rate + rate_by_material) * price`,
    /// `tax = income_tax_rate * max(0, price - cost - royalty - fee)`,
    /// `unit = cost + royalty + fee + tax`.
    pub fn mine_unit_cost(&self, mine: usize) -> MineUnitCost {
        let m = &self.mines[mine];
        let price = self.materials[m.material].price;
        let country = self.region_country(m.region);
        match self.countries[country].tax_regime {
            None => MineUnitCost {
                mining: m.cost,
                ..Default::default()
            },
            Some(t) => {
                let t = &self.tax_regimes[t];
                let royalty = (t.royalty_rate + t.extra_royalty(m.material)) * price;
                let fee = t.fee_per_t;
                let income_tax = t.income_tax_rate * (price - m.cost - royalty - fee).max(0.0);
                MineUnitCost {
                    mining: m.cost,
                    royalty,
                    fee,
                    income_tax,
                }
            }
        }
    }

    /// The tariff rate on a lane shipment of `material` from country `from` to country `to`:
    /// the most specific matching tariff (a material beats `*`, then a country beats a bloc).
    pub fn tariff_rate(&self, from: usize, to: usize, material: usize) -> f64 {
        self.matching_tariff(from, to, material)
            .map(|t| self.tariffs[t].rate)
            .unwrap_or(0.0)
    }

    /// Index of the tariff that applies, if any. Validation guarantees there are no ties.
    pub fn matching_tariff(&self, from: usize, to: usize, material: usize) -> Option<usize> {
        if from == to {
            return None;
        }
        let mut best: Option<(u8, usize)> = None;
        for (i, t) in self.tariffs.iter().enumerate() {
            if t.importer != to {
                continue;
            }
            let material_rank = match t.material {
                Some(m) if m == material => 2,
                Some(_) => continue,
                None => 0,
            };
            let exporter_rank = match t.exporter {
                Party::Country(c) if c == from => 1,
                Party::Bloc(b) if self.blocs[b].countries.contains(&from) => 0,
                _ => continue,
            };
            let rank = material_rank + exporter_rank;
            if best.is_none_or(|(r, _)| rank > r) {
                best = Some((rank, i));
            }
        }
        best.map(|(_, i)| i)
    }

    /// Countries a target's scope covers.
    pub fn scope_countries(&self, target: usize) -> Vec<usize> {
        self.party_countries(self.targets[target].scope)
    }
}
