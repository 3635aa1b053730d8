//! The report's types: the JSON contract (`sourcing-opt/report/1`) as one serde struct. The
//! rows that `compare` reads back also derive `Deserialize`.

use crate::diagnose::Diagnosis;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

pub const SCHEMA: &str = "sourcing-opt/report/1";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub instance: InstanceInfo,
    pub status: &'static str,
    /// Why the run is not optimal, or what the time limit cut short, in plain words (null
    /// when the run is optimal and complete).
    pub message: Option<String>,
    pub objective: Option<f64>,
    pub currency: String,
    /// The categories of the objective; null without a plan (never a made-up 0).
    pub costs: Option<Costs>,
    /// Each period with its annual objective and costs (schema 2: absent from the report of
    /// an instance without periods or stockpiles, so that report stays the same).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periods: Option<Vec<PeriodRow>>,
    /// The investment plan: capacity coming online, where and when (schema 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub builds: Option<Vec<BuildRow>>,
    /// Each stockpile's path (schema 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stockpiles: Option<Vec<StockpileRow>>,
    pub mines: Vec<MineRow>,
    pub plants: Vec<PlantRow>,
    pub imports: Vec<ImportRow>,
    pub shipments: Vec<ShipmentRow>,
    pub demands: Vec<DemandRow>,
    pub targets: Vec<TargetRow>,
    /// Supply concentration by material and stage (empty without an optimal plan).
    pub concentration: Vec<ConcentrationRow>,
    pub constraints: Vec<ConstraintRow>,
    pub prices: Vec<PriceRow>,
    /// With origin tracking: for each material, period and scope (every bloc and country
    /// that uses the material), the share of that use by origin class (model contract
    /// section 7).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_shares: Option<Vec<OriginShareRow>>,
    pub binding: Vec<String>,
    pub ranging: Option<Ranging>,
    pub diagnosis: Option<Diagnosis>,
    pub solver: SolverInfo,
    /// Names and groupings from the instance that the summary and the HTML report show beside
    /// the numbers (never numbers themselves, and not part of the JSON contract).
    #[serde(skip)]
    pub glossary: Glossary,
}

/// What the instance calls things: the words a reader needs beside the report's numbers.
#[derive(Debug, Clone, Default)]
pub struct Glossary {
    /// Each bloc, in instance order, with the ids of its countries.
    pub blocs: Vec<(SmolStr, Vec<SmolStr>)>,
    /// The country id of each region id.
    pub region_country: Vec<(SmolStr, SmolStr)>,
    /// The name of each mine and plant that has one.
    pub facility_names: Vec<(SmolStr, String)>,
    /// The first binding constraints of `binding` in plain words (`one more t/yr of
    /// capacity at Trail germanium circuit (mine `trail_ge`)`), by constraint name.
    pub limits: Vec<(String, String)>,
}

impl Glossary {
    /// The country of a region (`None` for an id the instance does not have).
    pub fn country_of(&self, region: &str) -> Option<&str> {
        self.region_country
            .iter()
            .find(|(r, _)| r == region)
            .map(|(_, c)| c.as_str())
    }

    /// The first bloc that lists `country`, or `other`.
    pub fn bloc_of(&self, country: &str) -> &str {
        self.blocs
            .iter()
            .find(|(_, cs)| cs.iter().any(|c| c == country))
            .map_or("other", |(b, _)| b.as_str())
    }

    /// The plain words for a binding constraint, when the glossary has them.
    pub fn limit(&self, name: &str) -> Option<&str> {
        self.limits.iter().find(|(n, _)| n == name).map(|(_, w)| w.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstanceInfo {
    pub name: String,
    pub path: String,
    pub sha256: String,
    pub overrides: Vec<String>,
    pub scenario: Option<String>,
}

/// Cost breakdown, USD/yr; the categories sum to the objective.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Costs {
    pub mining: f64,
    pub royalties: f64,
    pub fees: f64,
    pub income_tax: f64,
    pub mine_expansion: f64,
    pub processing: f64,
    pub plant_expansion: f64,
    pub imports: f64,
    pub transport: f64,
    pub tariffs: f64,
    /// The capital tied up in goods in transit (`meta.carrying_rate`); absent from reports
    /// written before it existed, read as 0.
    #[serde(default)]
    pub in_transit: f64,
    pub unmet_penalty: f64,
    /// Holding stockpiles (schema 2; absent without stockpiles, read as 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stockpile: Option<f64>,
}

impl Costs {
    /// The categories, in contract order (`stockpile` last, when the instance has it).
    pub fn entries(&self) -> Vec<(&'static str, f64)> {
        let mut v = vec![
            ("mining", self.mining),
            ("royalties", self.royalties),
            ("fees", self.fees),
            ("income_tax", self.income_tax),
            ("mine_expansion", self.mine_expansion),
            ("processing", self.processing),
            ("plant_expansion", self.plant_expansion),
            ("imports", self.imports),
            ("transport", self.transport),
            ("tariffs", self.tariffs),
            ("in_transit", self.in_transit),
            ("unmet_penalty", self.unmet_penalty),
        ];
        v.extend(self.stockpile.map(|s| ("stockpile", s)));
        v
    }

    /// Add `w` times `other`, category by category.
    pub fn add_scaled(&mut self, other: &Costs, w: f64) {
        self.mining += w * other.mining;
        self.royalties += w * other.royalties;
        self.fees += w * other.fees;
        self.income_tax += w * other.income_tax;
        self.mine_expansion += w * other.mine_expansion;
        self.processing += w * other.processing;
        self.plant_expansion += w * other.plant_expansion;
        self.imports += w * other.imports;
        self.transport += w * other.transport;
        self.tariffs += w * other.tariffs;
        self.in_transit += w * other.in_transit;
        self.unmet_penalty += w * other.unmet_penalty;
        if let Some(s) = other.stockpile {
            *self.stockpile.get_or_insert(0.0) += w * s;
        }
    }

    pub fn total(&self) -> f64 {
        self.entries().iter().map(|e| e.1).sum()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MineRow {
    /// The period's year (schema 2; absent without periods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    pub id: SmolStr,
    pub region: SmolStr,
    pub material: SmolStr,
    pub production_t: f64,
    pub capacity_t: f64,
    pub expansion_t: Option<f64>,
    pub utilisation: f64,
    /// cost + royalty + fee + income tax, USD/t
    pub unit_cost: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlantRow {
    /// The period's year (schema 2; absent without periods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    pub id: SmolStr,
    pub region: SmolStr,
    pub input: SmolStr,
    pub output: SmolStr,
    pub input_t: f64,
    pub output_t: f64,
    pub capacity_t: f64,
    pub expansion_t: Option<f64>,
    pub utilisation: f64,
    /// USD per t input
    pub unit_cost: f64,
    /// With origin tracking: the input processed by origin class (t/yr).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_by_origin: Option<ByOrigin>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportRow {
    /// The period's year (schema 2; absent without periods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    pub id: SmolStr,
    pub region: SmolStr,
    pub material: SmolStr,
    pub origin: SmolStr,
    pub bought_t: f64,
    pub capacity_t: Option<f64>,
    pub utilisation: Option<f64>,
    pub unit_cost: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShipmentRow {
    /// The period's year (schema 2; absent without periods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    pub lane: SmolStr,
    pub from: SmolStr,
    pub to: SmolStr,
    pub mode: SmolStr,
    pub material: SmolStr,
    pub tonnes: f64,
    pub transport_cost: f64,
    pub tariff_paid: f64,
    /// The cost of the capital tied up in transit (`meta.carrying_rate`).
    #[serde(default)]
    pub in_transit_cost: f64,
    /// With origin tracking: the origin class of the tonnes (one row per class moved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<SmolStr>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemandRow {
    /// The period's year (schema 2; absent without periods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    pub id: SmolStr,
    pub region: SmolStr,
    pub material: SmolStr,
    pub quantity: f64,
    pub served: f64,
    pub unmet: f64,
    pub marginal_cost: Option<f64>,
    /// With origin tracking: the tonnes served by origin class (t/yr).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served_by_origin: Option<ByOrigin>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetRow {
    /// The period's year (schema 2; absent without periods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    pub id: SmolStr,
    pub material: SmolStr,
    pub scope: SmolStr,
    pub max_import_share: f64,
    pub achieved_share: f64,
    pub imports: f64,
    pub consumption: f64,
    pub binding: bool,
    pub marginal_value: Option<f64>,
    pub marginal_value_per_point: Option<f64>,
}

impl TargetRow {
    /// The cap is a limit that holds the plan back: binding, and below 100%. A cap of 100% or
    /// more binds whenever every tonne is imported, yet no share can exceed it: it is never a
    /// limit (its value is 0), and the tables say `-`, not "yes".
    pub fn limits(&self) -> bool {
        self.binding && self.max_import_share < 1.0
    }

    /// "yes", "no", or "-" for a cap of 100% or more (see [`Self::limits`]).
    pub fn binds_label(&self) -> &'static str {
        match (self.max_import_share >= 1.0, self.binding) {
            (true, _) => "-",
            (false, true) => "yes",
            (false, false) => "no",
        }
    }
}

/// One period of the horizon: its weight in the objective and its annual figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeriodRow {
    pub year: i64,
    /// Years.
    pub length: f64,
    /// `w_p`: what one year of this period's annual cost counts in `objective`.
    pub weight: f64,
    /// The annual cost in this period (USD/yr, undiscounted); `objective` is the sum of
    /// `weight * objective` over the periods.
    pub objective: f64,
    pub costs: Costs,
}

/// Capacity that comes online: where, when, how much.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildRow {
    pub facility: SmolStr,
    /// `mine` or `plant`.
    pub kind: SmolStr,
    /// The year the capacity comes online (absent without `meta.periods`: the one period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    /// t/yr (t input/yr for a plant).
    pub capacity_added: f64,
    /// The expansion's lead time, years.
    pub lead_time: f64,
    /// The first year the lead time allows (absent without `meta.periods`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest: Option<i64>,
}

/// A stockpile at the end of one period.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StockpileRow {
    pub id: SmolStr,
    pub region: SmolStr,
    pub material: SmolStr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    /// t held at the end of the period.
    pub level_t: f64,
    /// t/yr put in and taken out during the period.
    pub injected_t: f64,
    pub released_t: f64,
    pub capacity_t: f64,
    pub min_level_t: f64,
    /// With origin tracking: the level by origin class (t).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_by_origin: Option<ByOrigin>,
}

/// Tonnes (or shares) by origin class, in the order of `meta.origin_classes` then `other`:
/// a JSON object `{ "usmca": 120.0, "other": 30.0 }` whose keys keep that order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ByOrigin(pub Vec<(SmolStr, f64)>);

impl ByOrigin {
    pub fn get(&self, class: &str) -> f64 {
        self.0.iter().find(|(k, _)| k == class).map_or(0.0, |e| e.1)
    }
}

impl Serialize for ByOrigin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k.as_str(), v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ByOrigin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = ByOrigin;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map from origin class to a number")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<ByOrigin, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<SmolStr, f64>()? {
                    out.push((k, v));
                }
                Ok(ByOrigin(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// The use of a material in a scope (demand served, plant input and net stockpile fill, t/yr)
/// in one period, and its share by origin class.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OriginShareRow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    pub material: SmolStr,
    /// A bloc or a country id.
    pub scope: SmolStr,
    pub use_t: f64,
    /// Share of `use_t` by origin class (sums to 1 when `use_t > 0`).
    pub shares: ByOrigin,
    /// Share of `use_t` known to be mined in one country, by country (instance order; only
    /// countries with a share): exact, from the plan's flows followed down from the mines
    /// and offers (a flow of under one millionth of what enters a node does not count).
    #[serde(default)]
    pub by_country: ByOrigin,
    /// Share of `use_t` whose class mixes material mined in several countries before it is
    /// used, by class (only classes with a share). `by_country` and `mixed` sum to 1, but
    /// for the shares under one part per million that both leave out.
    #[serde(default)]
    pub mixed: ByOrigin,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConstraintRow {
    pub name: String,
    pub kind: &'static str,
    pub sense: &'static str,
    pub activity: f64,
    pub rhs: f64,
    pub slack: f64,
    pub binding: bool,
    pub dual: Option<f64>,
    /// For `<=` limits: cost saved per unit of relaxation (>= 0), the right derivative.
    pub marginal_value: Option<f64>,
    pub unit: SmolStr,
}

/// Sensitivity ranges. `null` bounds are unbounded (infinite) ends.
#[derive(Debug, Clone, Serialize)]
pub struct Ranging {
    pub method: String,
    pub constraints: Vec<RowRange>,
    pub costs: Vec<CostRange>,
    /// An unused flow that could carry tonnes at the same total cost: the plan is not unique.
    pub alternative_optimum: Option<AlternativeOptimum>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowRange {
    pub name: String,
    pub dual: f64,
    /// Smallest and largest price over all optimal duals (left and right derivatives); null
    /// when infinite (moving the right-hand side that way is infeasible) or not computed (see
    /// `not_computed`).
    pub dual_low: Option<f64>,
    pub dual_high: Option<f64>,
    /// `dual_low` and/or `dual_high` when that side was not computed (at a degenerate row the
    /// tightening side, which no value of the report reads, or a side the time limit cut):
    /// their null is then "unknown", not infinite. Absent when both are known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_computed: Vec<&'static str>,
    pub unique: bool,
    pub rhs: f64,
    /// Right-hand-side interval over which `dual` holds.
    pub rhs_low: Option<f64>,
    pub rhs_high: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CostRange {
    pub variable: String,
    pub value: f64,
    pub cost: f64,
    /// Cost interval over which the reported optimal basis stays optimal: the plan stays optimal
    /// at least over it, and at a degenerate plan (another basis of the same plan) possibly
    /// beyond.
    pub cost_low: Option<f64>,
    pub cost_high: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlternativeOptimum {
    pub variable: String,
    pub tonnes: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PriceRow {
    /// The period's year (schema 2; absent without periods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    pub region: SmolStr,
    pub material: SmolStr,
    /// With origin tracking: the class of the balance row (its price is that of one more
    /// tonne of this class used there; a demand's delivered price is in `demands`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<SmolStr>,
    pub marginal_cost: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SolverInfo {
    pub backend: String,
    pub variables: usize,
    pub constraints: usize,
    pub nonzeros: usize,
    /// Time to read and parse the instance file, and to apply the overrides and validate it
    /// (set by `solve`; 0 where a command reports points of one file read once).
    pub read_ms: f64,
    pub validate_ms: f64,
    pub build_ms: f64,
    pub solve_ms: f64,
    /// Time to obtain and certify the duals, and of the ranging (0 when not computed).
    pub duals_ms: f64,
    pub ranging_ms: f64,
    /// Largest absolute constraint violation of the returned solution, measured by us.
    pub max_violation: Option<f64>,
    /// The same relative to max(1, |rhs|) of the row.
    pub max_relative_violation: Option<f64>,
    pub duals: Option<String>,
    /// Relative duality gap of the reported duals, measured by us.
    pub duality_gap: Option<f64>,
    /// How ranging was computed, or why it is absent.
    pub ranging: Option<String>,
    /// Set when `--backend auto` had to fall back on a second backend, and why.
    pub fallback: Option<String>,
    /// How the backend reached its answer, when a reader should know: the rounds of lazy lane
    /// capacities (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// One stage of one material's supply in one period, by country: how concentrated it is
/// (built by `report::concentration`, which documents the definitions).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConcentrationRow {
    /// The period's year (schema 2; absent without periods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    pub material: SmolStr,
    /// `mining` (mine production), `processing` (plant output) or `imports` (offers bought,
    /// by origin).
    pub stage: SmolStr,
    /// t/yr supplied at this stage, the sum of `by_country`.
    pub total_t: f64,
    /// Each supplying country, most tonnes first (then by id).
    pub by_country: Vec<CountrySupply>,
    pub largest_country: SmolStr,
    /// The largest country's share of `total_t`, 0..1.
    pub largest_share: f64,
    /// Herfindahl-Hirschman index: the sum of the squared shares in percent, 0..10,000.
    pub hhi: f64,
    /// `largest_share` above the EU Critical Raw Materials Act benchmark (at most 65% from one
    /// country).
    pub above_benchmark: bool,
}

/// One country's supply at one stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CountrySupply {
    pub country: SmolStr,
    /// t/yr.
    pub tonnes: f64,
    /// Its share of the stage's total, 0..1.
    pub share: f64,
}
