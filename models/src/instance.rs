//! The validated instance: every reference resolved to an index, every number checked.
//!
//! Units follow the model contract: quantities in tonnes of the named material per year,
//! money in `meta.currency` (USD by default), shares and rates as fractions in [0, 1].

pub use smol_str::SmolStr;
use std::ops::Range;

pub type Span = Option<Range<usize>>;

/// A number that may change from period to period (model contract section 5, "Time
/// series"): one value for every period, or one value in all of them.
///
/// Validation resolves the step function of the file (`{ 2025 = 0, 2028 = 8000 }`: the
/// entry with the greatest year at or before each period) into one value per period, so
/// `at(p)` is a lookup. A constant stores no list.
#[derive(Debug, Clone, PartialEq)]
pub enum Series {
    Constant(f64),
    /// One value per period, in period order.
    PerPeriod(Box<[f64]>),
}

impl Series {
    /// The value in period `p` (0-based).
    pub fn at(&self, p: usize) -> f64 {
        match self {
            Series::Constant(v) => *v,
            Series::PerPeriod(v) => v[p.min(v.len() - 1)],
        }
    }

    /// The value in the first period.
    pub fn first(&self) -> f64 {
        self.at(0)
    }

    /// The same value in every period.
    pub fn is_constant(&self) -> bool {
        match self {
            Series::Constant(_) => true,
            Series::PerPeriod(v) => v.iter().all(|x| *x == v[0]),
        }
    }

    /// The largest value over the periods.
    pub fn max(&self) -> f64 {
        match self {
            Series::Constant(v) => *v,
            Series::PerPeriod(v) => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }

    /// Set the value of period `p` of `n` periods, leaving the others as they are.
    pub fn set_at(&mut self, p: usize, n: usize, v: f64) {
        let mut values: Vec<f64> = (0..n).map(|q| self.at(q)).collect();
        values[p] = v;
        *self = match n {
            1 => Series::Constant(v),
            _ => Series::PerPeriod(values.into()),
        };
    }

    /// The series with `f` applied to every value.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Series {
        match self {
            Series::Constant(v) => Series::Constant(f(*v)),
            Series::PerPeriod(v) => Series::PerPeriod(v.iter().map(|x| f(*x)).collect()),
        }
    }
}

impl From<f64> for Series {
    fn from(v: f64) -> Series {
        Series::Constant(v)
    }
}

/// One period of the horizon (model contract section 5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Period {
    /// The year the period starts.
    pub year: i64,
    /// `L_p`, years: to the next period's year; the last lasts as long as the one before
    /// (1 year when there is only one period).
    pub length: f64,
    /// `w_p = L_p / (1 + discount_rate)^(y_p - y_1)`: what a year of annual cost in this
    /// period counts in the objective.
    pub weight: f64,
}

impl Period {
    /// The periods of `years` (strictly increasing) discounted at `rate`.
    ///
    /// Differences of years are taken in `f64`: whatever integers a file gives, nothing
    /// overflows.
    pub fn of_years(years: &[i64], rate: f64) -> Vec<Period> {
        let n = years.len();
        let diff = |a: usize, b: usize| years[a] as f64 - years[b] as f64;
        (0..n)
            .map(|p| {
                let length = if p + 1 < n {
                    diff(p + 1, p)
                } else if n >= 2 {
                    diff(n - 1, n - 2)
                } else {
                    1.0
                };
                let weight = length / (1.0 + rate).powf(diff(p, 0));
                Period {
                    year: years[p],
                    length,
                    weight,
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub name: String,
    pub description: Option<String>,
    pub currency: String,
    pub year: Option<i64>,
    /// Cost of the capital tied up in goods in transit, a share of their price per year
    /// (model contract section 8); absent counts as 0.
    pub carrying_rate: Option<f64>,
    /// `meta.periods`: the first year of each period, strictly increasing; `None` = one
    /// period and no year in any name (schema 1).
    pub periods: Option<Vec<i64>>,
    /// `meta.discount_rate`, in [0, 1); absent counts as 0.
    pub discount_rate: f64,
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
    pub price: Series,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaxRegime {
    pub id: SmolStr,
    /// Share of the material's price.
    pub royalty_rate: Series,
    /// USD per tonne extracted.
    pub fee_per_t: Series,
    /// Share of the per-tonne margin after cost, royalty and fee.
    pub income_tax_rate: Series,
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

/// Optional capacity expansion: up to `max` t/yr at `cost` USD per t/yr (annualised, paid
/// in every period the capacity exists), online no earlier than `lead_time` years after the
/// first period starts (permitting plus construction; model contract section 5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expansion {
    pub max: f64,
    pub cost: f64,
    /// Years; 0 when not given.
    pub lead_time: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mine {
    pub id: SmolStr,
    pub name: Option<String>,
    pub region: usize,
    pub material: usize,
    /// t/yr
    pub capacity: Series,
    /// USD/t, before royalties and taxes
    pub cost: Series,
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
    pub capacity: Series,
    /// USD per t input
    pub cost: Series,
    pub expansion: Option<Expansion>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub id: SmolStr,
    pub region: usize,
    pub material: usize,
    /// USD/t
    pub price: Series,
    pub origin: usize,
    /// t/yr; `None` = unlimited
    pub capacity: Option<Series>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub id: SmolStr,
    pub region: usize,
    pub material: usize,
    /// t/yr
    pub quantity: Series,
    /// USD per tonne not served; `None` = must be met
    pub unmet_penalty: Option<Series>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    pub id: SmolStr,
    pub from: usize,
    pub to: usize,
    /// USD/t
    pub cost: Series,
    pub mode: SmolStr,
    pub days: Option<f64>,
    /// t/yr over all materials, per direction
    pub capacity: Option<Series>,
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
    pub rate: Series,
    /// `origin`: the origin classes (indices into [`Origin::classes`]) whose shipments pay
    /// it, sorted; `None` = every shipment (model contract section 7).
    pub origin: Option<Vec<usize>>,
    pub span: Span,
}

/// What a target's `I_t` counts (model contract section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Basis {
    /// Shipments from a source country into the scope, and offers in the scope whose
    /// origin is a source (schema 1).
    #[default]
    Crossing,
    /// The part of the scope's use whose geological origin (class) is in the sources.
    Origin,
}

impl Basis {
    pub fn as_str(&self) -> &'static str {
        match self {
            Basis::Crossing => "crossing",
            Basis::Origin => "origin",
        }
    }
}

/// Origin tracking (`meta.origin_classes`, model contract section 7).
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// The class names: the ids listed in `meta.origin_classes`, in order, then `other`.
    pub classes: Vec<SmolStr>,
    /// The class of each country: the first listed group that contains it, else `other`.
    pub class_of: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub id: SmolStr,
    pub name: Option<String>,
    pub material: usize,
    pub scope: Party,
    pub max_import_share: Series,
    /// Source countries (resolved from blocs); default every country outside the scope.
    pub sources: Vec<usize>,
    /// `basis`: what `I_t` counts (default `crossing`).
    pub basis: Basis,
    pub span: Span,
}

/// A stock of one material at one region that can be filled and drawn from over the
/// periods (model contract section 6).
#[derive(Debug, Clone, PartialEq)]
pub struct Stockpile {
    pub id: SmolStr,
    pub name: Option<String>,
    pub region: usize,
    pub material: usize,
    /// t, the most it can hold.
    pub capacity: f64,
    /// t held at the start of the first period.
    pub initial: f64,
    /// USD per t held per year.
    pub holding_cost: f64,
    /// t, the strategic floor at the end of each period.
    pub min_level: Series,
    /// t held at the end of the horizon, at least (default `initial`).
    pub min_final: f64,
    /// `initial_origin`: the origin class of the initial stock (index into
    /// [`Origin::classes`]; default the class of the stockpile's country; 0 without
    /// tracking).
    pub initial_origin: usize,
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
    pub stockpiles: Vec<Stockpile>,
    /// The periods of the horizon: one per year of `meta.periods`, or a single period of
    /// length and weight 1 when the file has none.
    pub periods: Vec<Period>,
    /// Origin tracking: `None` without `meta.origin_classes` (one class, no `~CLASS` in
    /// any name).
    pub origin: Option<Origin>,
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
    /// Whether the file has `meta.periods`: then every per-period name carries `@YEAR`.
    pub fn has_periods(&self) -> bool {
        self.meta.periods.is_some()
    }

    pub fn n_periods(&self) -> usize {
        self.periods.len()
    }

    /// The first period in which an expansion with this lead time may come online: the
    /// first `p` with `y_p >= y_1 + lead_time` (`None` when no period allows it). The
    /// comparison forgives rounding (1e-9 years), so a lead time of 0.1 + 0.2 years is not
    /// pushed past a period starting 0.3 years later.
    pub fn first_build_period(&self, lead_time: f64) -> Option<usize> {
        let y1 = self.periods[0].year as f64;
        self.periods.iter().position(|p| p.year as f64 + 1e-9 >= y1 + lead_time)
    }

    /// The name suffix of period `p`: `@YEAR` with periods, nothing without.
    pub fn period_suffix(&self, p: usize) -> String {
        if self.has_periods() {
            format!("@{}", self.periods[p].year)
        } else {
            String::new()
        }
    }

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
    ///
    /// Every input is taken in period `p` (prices, rates and costs may be series).
    pub fn mine_unit_cost(&self, mine: usize, p: usize) -> MineUnitCost {
        let m = &self.mines[mine];
        let price = self.materials[m.material].price.at(p);
        let cost = m.cost.at(p);
        let country = self.region_country(m.region);
        match self.countries[country].tax_regime {
            None => MineUnitCost {
                mining: cost,
                ..Default::default()
            },
            Some(t) => {
                let t = &self.tax_regimes[t];
                let royalty = (t.royalty_rate.at(p) + t.extra_royalty(m.material)) * price;
                let fee = t.fee_per_t.at(p);
                let income_tax = t.income_tax_rate.at(p) * (price - cost - royalty - fee).max(0.0);
                MineUnitCost {
                    mining: cost,
                    royalty,
                    fee,
                    income_tax,
                }
            }
        }
    }

    /// The number of origin classes: the listed ones and `other` with tracking, 1 without.
    pub fn n_classes(&self) -> usize {
        self.origin.as_ref().map_or(1, |o| o.classes.len())
    }

    /// The origin class of country `c` (0 without tracking).
    pub fn country_class(&self, c: usize) -> usize {
        self.origin.as_ref().map_or(0, |o| o.class_of[c])
    }

    /// The name suffix of class `k`: `~CLASS` with tracking, nothing without.
    pub fn class_suffix(&self, k: usize) -> String {
        match &self.origin {
            Some(o) => format!("~{}", o.classes[k]),
            None => String::new(),
        }
    }

    /// The name of class `k` (`None` without tracking).
    pub fn class_name(&self, k: usize) -> Option<&SmolStr> {
        self.origin.as_ref().map(|o| &o.classes[k])
    }

    /// The tariff rate on a lane shipment of `material` of origin class `class` from country
    /// `from` to country `to`: the most specific matching tariff, in period `p`
    /// ([`Instance::matching_tariff`]).
    pub fn tariff_rate(&self, from: usize, to: usize, material: usize, class: usize, p: usize) -> f64 {
        self.matching_tariff(from, to, material, class)
            .map(|t| self.tariffs[t].rate.at(p))
            .unwrap_or(0.0)
    }

    /// Index of the tariff that applies, if any: among the tariffs of importer `to` whose
    /// exporter is `from` or a bloc holding it, whose material is `material` or `*`, and whose
    /// `origin` (if any) holds `class`, the most specific (a material beats `*`, then a tariff
    /// with `origin` beats one without, then a country exporter beats a bloc). Validation
    /// guarantees there are no ties.
    pub fn matching_tariff(&self, from: usize, to: usize, material: usize, class: usize) -> Option<usize> {
        if from == to {
            return None;
        }
        let mut best: Option<(u8, usize)> = None;
        for (i, t) in self.tariffs.iter().enumerate() {
            if t.importer != to {
                continue;
            }
            let material_rank = match t.material {
                Some(m) if m == material => 4,
                Some(_) => continue,
                None => 0,
            };
            let origin_rank = match &t.origin {
                Some(classes) if classes.contains(&class) => 2,
                Some(_) => continue,
                None => 0,
            };
            let exporter_rank = match t.exporter {
                Party::Country(c) if c == from => 1,
                Party::Bloc(b) if self.blocs[b].countries.contains(&from) => 0,
                _ => continue,
            };
            let rank = material_rank + origin_rank + exporter_rank;
            if best.is_none_or(|(r, _)| rank > r) {
                best = Some((rank, i));
            }
        }
        best.map(|(_, i)| i)
    }

    /// The origin classes a target counts under `basis = "origin"`: those whose countries
    /// are all sources of the target (validation rejects sources that split a class), as a
    /// mask over the classes.
    pub fn source_classes(&self, target: usize) -> Vec<bool> {
        let Some(o) = &self.origin else {
            return vec![false];
        };
        let sources = &self.targets[target].sources;
        (0..o.classes.len())
            .map(|k| {
                let mut members = (0..self.countries.len()).filter(|&c| o.class_of[c] == k).peekable();
                members.peek().is_some() && members.all(|c| sources.contains(&c))
            })
            .collect()
    }

    /// Countries a target's scope covers.
    pub fn scope_countries(&self, target: usize) -> Vec<usize> {
        self.party_countries(self.targets[target].scope)
    }
}
