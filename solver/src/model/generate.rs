//! Synthetic continental instances of the model contract, for scale tests and benchmarks.
//!
//! [`write_instance`] streams a TOML instance (schema 1) shaped like the North American
//! problem at a chosen size: the United States, Canada and Mexico cut into many regions, a
//! fixed set of foreign supplier countries (one port region each, split into an `allied` and a
//! `non_allied` bloc), and five commodities, each a chain `ore -> concentrate -> refined`
//! (mines of ore, concentrators and refineries with yields, some with expansions). Foreign
//! countries sell concentrate and refined product through import offers (some capped), and a
//! few offers are delivered at North American ports with a foreign origin. Regions are joined
//! by rail and truck lanes (a bidirectional, unrestricted backbone in every country and across
//! both borders, plus shortcuts with material filters and capacities) and by ocean lanes from
//! the foreign ports. Tariffs follow the contract's table (a material beats `*`, a country
//! beats a bloc, never two equally specific matches), three fiscal regimes tax the mines, and
//! demands for refined products (some with an `unmet_penalty`) sit in most regions.
//!
//! Import-dependency targets cap the foreign share of each refined product in the USMCA bloc
//! and in single countries. Each cap is set at or above the share that remains when every
//! country's refineries, at their base capacity, serve that country's own demand (with a 10%
//! margin), so the instance is feasible by construction; where imports are cheaper than the
//! domestic chain the cap binds.
//!
//! The scale `K` multiplies the number of North American regions (28 per unit: 12 US, 8 CA,
//! 8 MX) and with them lanes, facilities and demands, so the LP grows linearly: about 1,000
//! variables per unit of `K` (see [`Params::scale`]). The output is a pure function of the
//! seed and the scale: the same pair always gives the same bytes. Randomness comes from a
//! small built-in splitmix64 generator ([`Rng`]), not from a crate whose stream could change.
//!
//! [`write_instance_periods`] writes the same network over several yearly periods (schema 2,
//! model contract sections 5-6): growing demand, lead times on about half the expansions,
//! import caps that tighten over time, and a few stockpiles. Its extra draws come from a
//! second stream, so one period gives exactly the schema-1 file, and more periods keep its
//! network, facilities and first-year values. Caps stay feasible per period: the refinery
//! expansions online by then count as domestic capacity, and a cap never falls below what a
//! later period needs, so the caps never loosen.

use std::io::{self, Write};

/// The largest accepted scale (about 10 million variables); larger runs are surely a typo.
pub const MAX_SCALE: u32 = 10_000;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Seed of the pseudo-random stream; the same seed and scale give the same file.
    pub seed: u64,
    /// Size multiplier `K >= 1`: 28 North American regions per unit, about 1,000 LP
    /// variables per unit (K = 1, 10, 100, 1000 give roughly 1k, 10k, 100k, 1M variables).
    pub scale: u32,
    /// Track origins (model contract section 7): `origin_classes = ["usmca", "allied"]`, and
    /// the geological-origin rule on the US border (USMCA goods are duty-free only when mined
    /// in USMCA; the others from Canada and Mexico pay 25%). Makes the file schema 2.
    pub origin: bool,
    /// The family of the lane network.
    pub shape: Shape,
}

/// The family of the lane network (the facilities, offers, demands, tariffs and targets are
/// the same in every family).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// Districts of a hub and spokes, hubs on a grid joined by rail, a few border crossings
    /// and filtered shortcuts: hierarchical and planar-like, as real freight networks are.
    #[default]
    Chains,
    /// A dense regional network: inside each country a backbone through every region plus
    /// [`DENSE_DEGREE`] lanes from each region to random others; from each Canadian and
    /// Mexican region, with probability one half, a lane to a random US region. A third of
    /// the lanes are bidirectional, a fifth capped, a fifth filtered: most carry every
    /// material. An expander: its factorisations fill in.
    Dense,
    /// Hubs and corridors: every region hangs off one of a few hubs of its country (one per
    /// [`CORRIDOR_SPAN`] regions) by a two-way truck lane, the hubs of a country form a rail
    /// ring, and each Canadian and Mexican hub has two long rail corridors to random US hubs
    /// (two-way, a third capped). Few lanes, long paths, heavy trunk flows.
    Corridors,
}

/// Regions per hub in [`Shape::Corridors`].
pub const CORRIDOR_SPAN: usize = 40;

/// Random lanes from each region in [`Shape::Dense`].
pub const DENSE_DEGREE: usize = 4;

/// Counts of what [`write_instance`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Regions, North American and foreign.
    pub regions: usize,
    /// Mines.
    pub mines: usize,
    /// Concentrators and refineries.
    pub plants: usize,
    /// Import offers.
    pub imports: usize,
    /// Demands.
    pub demands: usize,
    /// Lanes (a bidirectional lane counts once).
    pub lanes: usize,
    /// Tariffs.
    pub tariffs: usize,
    /// Import-dependency targets.
    pub targets: usize,
    /// Stockpiles (with `--periods` above 1).
    pub stockpiles: usize,
}

/// A splitmix64 pseudo-random generator: tiny, fast, and the same stream on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `[0, 1)` (53 random bits, exact on every platform).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform number in `[lo, hi)`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// A uniform integer in `0..n` (`n >= 1`; 0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        ((self.next_u64() >> 11) % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A commodity: its short name, the reference price of the refined product (USD/t), and the
/// yields of concentration (t concentrate per t ore) and refining (t refined per t concentrate).
struct Commodity {
    name: &'static str,
    refined_price: f64,
    conc_yield: f64,
    refine_yield: f64,
}

const COMMODITIES: [Commodity; 5] = [
    Commodity {
        name: "li",
        refined_price: 12_000.0,
        conc_yield: 0.15,
        refine_yield: 0.75,
    },
    Commodity {
        name: "ni",
        refined_price: 16_000.0,
        conc_yield: 0.12,
        refine_yield: 0.8,
    },
    Commodity {
        name: "co",
        refined_price: 30_000.0,
        conc_yield: 0.05,
        refine_yield: 0.7,
    },
    Commodity {
        name: "cu",
        refined_price: 9_000.0,
        conc_yield: 0.25,
        refine_yield: 0.95,
    },
    Commodity {
        name: "ree",
        refined_price: 40_000.0,
        conc_yield: 0.06,
        refine_yield: 0.6,
    },
];

/// Processing stages, in material order: ore, concentrate, refined.
const STAGES: [&str; 3] = ["ore", "conc", "ref"];
const ORE: usize = 0;
const CONC: usize = 1;
const REF: usize = 2;

/// North American countries: id, name, regions per unit of scale, tax regime.
const HOME: [(&str, &str, u32, &str); 3] = [
    ("US", "United States", 12, "us_gen"),
    ("CA", "Canada", 8, "ca_gen"),
    ("MX", "Mexico", 8, "mx_gen"),
];

/// Foreign supplier countries: id, name, allied.
const FOREIGN: [(&str, &str, bool); 8] = [
    ("CN", "China", false),
    ("AU", "Australia", true),
    ("CL", "Chile", true),
    ("ID", "Indonesia", false),
    ("CD", "DR Congo", false),
    ("JP", "Japan", true),
    ("ZA", "South Africa", false),
    ("KR", "Korea, Republic of", true),
];

/// Price of material (commodity, stage): refined at the reference, concentrate and ore at
/// the value of their refined content discounted for the processing still to pay.
fn price(c: usize, stage: usize) -> f64 {
    let k = &COMMODITIES[c];
    match stage {
        REF => k.refined_price,
        CONC => 0.55 * k.refined_price * k.refine_yield,
        _ => 0.5 * 0.55 * k.refined_price * k.refine_yield * k.conc_yield,
    }
}

fn material(c: usize, stage: usize) -> String {
    format!("{}_{}", COMMODITIES[c].name, STAGES[stage])
}

/// Regions per district: one hub and its spokes.
const DISTRICT: usize = 10;

/// Global layout of the regions. The regions of each North American country are grouped in
/// districts of [`DISTRICT`] regions, numbered in order (`US-1` to `US-10` is the first): the
/// first region of a district is its hub, the others hang off it by truck. The hubs lie on a
/// grid about twice as wide as it is tall and are joined by rail to their grid neighbours.
/// The network is hierarchical and planar-like, as real freight networks are (random long
/// links would make it an expander, whose sparse factorisations fill in quadratically).
/// Foreign countries have one port region each.
struct Layout {
    /// Number of regions of each North American country.
    home: [usize; 3],
    /// Width (hubs per row) of each North American country's hub grid.
    width: [usize; 3],
}

impl Layout {
    fn new(k: usize) -> Self {
        let home = [HOME[0].2 as usize * k, HOME[1].2 as usize * k, HOME[2].2 as usize * k];
        // The smallest width with width^2 >= 2 hubs: rows about half as many as columns.
        let width = home.map(|n| {
            let hubs = n.div_ceil(DISTRICT);
            let mut w = 1;
            while w * w < 2 * hubs {
                w += 1;
            }
            w.min(hubs).max(1)
        });
        Layout { home, width }
    }

    fn hubs(&self, country: usize) -> usize {
        self.home[country].div_ceil(DISTRICT)
    }

    fn region_id(&self, country: usize, i: usize) -> String {
        if country < HOME.len() {
            format!("{}-{}", HOME[country].0, i + 1)
        } else {
            format!("{}-port", FOREIGN[country - HOME.len()].0)
        }
    }

    fn foreign(&self, f: usize) -> String {
        self.region_id(HOME.len() + f, 0)
    }

    /// Ports: the hubs on the west and east edges of the hub grid, every third row.
    fn is_port(&self, country: usize, i: usize) -> bool {
        if !i.is_multiple_of(DISTRICT) {
            return false;
        }
        let (h, w) = (i / DISTRICT, self.width[country]);
        let (x, y) = (h % w, h / w);
        (x == 0 || x + 1 == w) && y.is_multiple_of(3)
    }

    /// The US hub of the northern (`south = false`) or southern hub row at the column
    /// matching column `x` of a hub grid `w` wide (a region index).
    fn us_border(&self, x: usize, w: usize, south: bool) -> usize {
        let (hubs, wu) = (self.hubs(0), self.width[0]);
        let col = (x * wu / w.max(1)).min(wu - 1);
        let row = if south { (hubs / wu).max(1) - 1 } else { 0 };
        (row * wu + col) * DISTRICT
    }
}

/// Round to two decimals for the file (so the text is short and the values it states are
/// exactly the values the model reads).
fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Format a number for TOML: always with a decimal point, two decimals at most.
struct Num(f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = r2(self.0);
        // Never print `-0.00`.
        let v = if v == 0.0 { 0.0 } else { v };
        write!(f, "{v:.2}")
    }
}

/// Base capacity of refined output (t/yr) and refined demand (t/yr, per period) per North
/// American country and commodity, gathered while writing, to set feasible targets.
struct Tally {
    refined_cap: [[f64; 5]; 3],
    /// Over several periods: refined output of the refinery expansions online by period `p`,
    /// `refined_exp[p][country][commodity]` (all zero with one period).
    refined_exp: Vec<[[f64; 5]; 3]>,
    /// `demand[p][country][commodity]`.
    demand: Vec<[[f64; 5]; 3]>,
}

/// The first year of a generated horizon.
pub const FIRST_YEAR: i64 = 2025;

/// The largest accepted number of periods.
pub const MAX_PERIODS: u32 = 50;

/// The periods of a generated instance and the pseudo-random stream of what only a
/// multi-period instance has (demand growth, lead times, tightening caps, stockpiles). That
/// stream is separate from the one of the network, so `--periods N` keeps the network, the
/// facilities and the first year's values of `--periods 1` and only adds to them.
struct Horizon {
    years: Vec<i64>,
    rng: Rng,
}

impl Horizon {
    fn new(seed: u64, periods: u32) -> Self {
        Horizon {
            years: (0..periods.max(1) as i64).map(|p| FIRST_YEAR + p).collect(),
            rng: Rng::new(seed ^ 0x7E41_0D5C_2025_0601_u64),
        }
    }

    fn multi(&self) -> bool {
        self.years.len() > 1
    }

    /// An inline TOML series `{ 2025 = v0, 2026 = v1, ... }`, each value formatted by `fmt`.
    fn series(&self, values: &[f64], fmt: impl Fn(f64) -> String) -> String {
        let entries: Vec<String> = self
            .years
            .iter()
            .zip(values)
            .map(|(y, &v)| format!("{y} = {}", fmt(v)))
            .collect();
        format!("{{ {} }}", entries.join(", "))
    }
}

/// Write a generated instance to `w` (one period, schema 1). Errors are the writer's.
pub fn write_instance(p: &Params, w: &mut dyn Write) -> io::Result<Summary> {
    write_instance_periods(p, 1, w)
}

/// Write a generated instance over `periods` consecutive years from [`FIRST_YEAR`] to `w`.
/// One period gives exactly [`write_instance`]'s schema-1 file. More give a schema-2 file
/// (model contract sections 5-6) built on the same network: each demand grows by 1% to 5% a
/// year, about half the expansions get a lead time of 1 to 3 years (never past the last
/// period), each target's cap tightens by 2% to 8% a year down to what stays feasible, and a
/// few strategic stockpiles of refined product hold an initial stock with a rising floor
/// (never above the initial stock, so no plan is forced to fill them).
pub fn write_instance_periods(p: &Params, periods: u32, w: &mut dyn Write) -> io::Result<Summary> {
    let k = p.scale.max(1) as usize;
    let mut rng = Rng::new(p.seed ^ 0x5EED_0FC0_471E_4700_u64);
    let mut h = Horizon::new(p.seed, periods);
    let layout = Layout::new(k);
    let mut s = Summary::default();
    let mut tally = Tally {
        refined_cap: [[0.0; 5]; 3],
        refined_exp: vec![[[0.0; 5]; 3]; h.years.len()],
        demand: vec![[[0.0; 5]; 3]; h.years.len()],
    };

    header(p, &h, w)?;
    regions(&layout, w, &mut s)?;
    facilities(&layout, &mut rng, &mut h, w, &mut s, &mut tally)?;
    imports(&layout, &mut rng, k, w, &mut s)?;
    demands(&layout, &mut rng, &mut h, w, &mut s, &mut tally)?;
    match p.shape {
        Shape::Chains => lanes(&layout, &mut rng, w, &mut s)?,
        Shape::Dense => dense_lanes(&layout, &mut rng, w, &mut s)?,
        Shape::Corridors => corridor_lanes(&layout, &mut rng, w, &mut s)?,
    }
    tariffs(w, p.origin, &mut s)?;
    targets(&mut rng, &mut h, &tally, w, &mut s)?;
    if h.multi() {
        stockpiles(&layout, &mut h, w, &mut s)?;
    }
    Ok(s)
}

fn header(p: &Params, h: &Horizon, w: &mut dyn Write) -> io::Result<()> {
    let n = h.years.len();
    let (mut flag, mut suffix, periods) = match h.multi() {
        true => (format!(" --periods {n}"), format!("_p{n}"), format!(", {n} periods")),
        false => Default::default(),
    };
    if p.origin {
        flag.push_str(" --origin");
        suffix.push_str("_o");
    }
    match p.shape {
        Shape::Chains => {}
        Shape::Dense => {
            flag.push_str(" --shape dense");
            suffix.push_str("_dense");
        }
        Shape::Corridors => {
            flag.push_str(" --shape corridors");
            suffix.push_str("_corridors");
        }
    }
    let about = match h.multi() {
        true => format!(
            "a synthetic\n# continental instance (model contract, schema 2: {n} yearly periods with growing demand,\n\
             # lead times, tightening import caps and stockpiles). Not data: every number is drawn at\n# random."
        ),
        false if p.origin => "a synthetic continental\n# instance (model contract, schema 2: origin tracking). Not data: every number is drawn at\n# random."
            .to_string(),
        false => {
            "a synthetic continental\n# instance (model contract, schema 1). Not data: every number is drawn at random."
                .to_string()
        }
    };
    writeln!(
        w,
        "# Generated by `sourcing-opt generate --seed {} --scale {}{flag}`: {about}\n",
        p.seed, p.scale
    )?;
    writeln!(w, "[meta]")?;
    writeln!(w, "name = \"generated_s{}_k{}{suffix}\"", p.seed, p.scale)?;
    writeln!(
        w,
        "description = \"Synthetic continental sourcing instance, seed {}, scale {}{periods}\"",
        p.seed, p.scale
    )?;
    // Lanes carry `days`; transit time is left unpriced, as in the baseline.
    if p.origin {
        writeln!(w, "origin_classes = [\"usmca\", \"allied\"]")?;
    }
    if h.multi() {
        let years: Vec<String> = h.years.iter().map(i64::to_string).collect();
        writeln!(w, "currency = \"USD\"\nschema = 2\ncarrying_rate = 0")?;
        writeln!(w, "periods = [{}]\ndiscount_rate = 0.03\n", years.join(", "))?;
    } else if p.origin {
        writeln!(w, "currency = \"USD\"\nyear = 2025\nschema = 2\ncarrying_rate = 0\n")?;
    } else {
        writeln!(w, "currency = \"USD\"\nyear = 2025\nschema = 1\ncarrying_rate = 0\n")?;
    }
    catalog(w)
}

/// Blocs, countries, tax regimes and materials: the same in every generated instance.
fn catalog(w: &mut dyn Write) -> io::Result<()> {
    let list = |allied: bool| {
        FOREIGN
            .iter()
            .filter(|f| f.2 == allied)
            .map(|f| format!("\"{}\"", f.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(w, "[[blocs]]\nid = \"usmca\"\ncountries = [\"US\", \"CA\", \"MX\"]\n")?;
    writeln!(w, "[[blocs]]\nid = \"allied\"\ncountries = [{}]\n", list(true))?;
    writeln!(w, "[[blocs]]\nid = \"non_allied\"\ncountries = [{}]\n", list(false))?;

    for (id, name, _, regime) in HOME {
        writeln!(
            w,
            "[[countries]]\nid = \"{id}\"\nname = \"{name}\"\ntax_regime = \"{regime}\"\n"
        )?;
    }
    for (id, name, _) in FOREIGN {
        writeln!(w, "[[countries]]\nid = \"{id}\"\nname = \"{name}\"\n")?;
    }

    writeln!(w, "[[tax_regimes]]\nid = \"us_gen\"\nincome_tax_rate = 0.24\n")?;
    writeln!(
        w,
        "[[tax_regimes]]\nid = \"ca_gen\"\nroyalty_rate = 0.02\nincome_tax_rate = 0.3\n"
    )?;
    writeln!(
        w,
        "[[tax_regimes]]\nid = \"mx_gen\"\nfee_per_t = 2.0\nincome_tax_rate = 0.3595\n\
         royalty_by_material = {{ {} = 0.01, {} = 0.005 }}\n",
        material(0, ORE),
        material(3, ORE)
    )?;

    for c in 0..COMMODITIES.len() {
        for stage in 0..STAGES.len() {
            writeln!(
                w,
                "[[materials]]\nid = \"{}\"\nprice = {}\n",
                material(c, stage),
                Num(price(c, stage))
            )?;
        }
    }
    Ok(())
}

fn regions(layout: &Layout, w: &mut dyn Write, s: &mut Summary) -> io::Result<()> {
    for (c, &n) in layout.home.iter().enumerate() {
        for i in 0..n {
            writeln!(
                w,
                "[[regions]]\nid = \"{}\"\ncountry = \"{}\"\n",
                layout.region_id(c, i),
                HOME[c].0
            )?;
            s.regions += 1;
        }
    }
    for (f, (id, _, _)) in FOREIGN.iter().enumerate() {
        writeln!(w, "[[regions]]\nid = \"{}\"\ncountry = \"{id}\"\n", layout.foreign(f))?;
        s.regions += 1;
    }
    Ok(())
}

fn expansion(rng: &mut Rng, p: f64, capacity: f64, unit_cost: f64) -> Option<(f64, f64)> {
    rng.chance(p)
        .then(|| (capacity * rng.range(0.2, 0.6), unit_cost * rng.range(0.1, 0.3)))
}

/// An expansion; over several periods, half of them get a lead time of 1 to 3 years in
/// half-year steps, at most the span of the horizon (so every expansion can come online).
/// Returns the capacity added (as written) and the first period it may come online.
fn write_expansion(w: &mut dyn Write, h: &mut Horizon, e: Option<(f64, f64)>) -> io::Result<Option<(f64, usize)>> {
    let Some((max, cost)) = e else {
        return Ok(None);
    };
    let span = (h.years.len() - 1).min(3);
    if h.multi() && h.rng.chance(0.5) {
        let lead_time = 1.0 + 0.5 * h.rng.below(2 * span - 1) as f64;
        writeln!(
            w,
            "expansion = {{ max = {}, cost = {}, lead_time = {} }}",
            Num(max),
            Num(cost),
            Num(lead_time)
        )?;
        // Yearly periods: the first year at least `lead_time` after the first.
        return Ok(Some((Num(max).value(), lead_time.ceil() as usize)));
    }
    writeln!(w, "expansion = {{ max = {}, cost = {} }}", Num(max), Num(cost))?;
    Ok(Some((Num(max).value(), 0)))
}

/// Mines of ore, concentrators and refineries in the North American regions. Every country
/// gets at least one refinery and the US at least one mine and one concentrator per commodity,
/// so every chain exists and every target has domestic supply to lean on.
fn facilities(
    layout: &Layout,
    rng: &mut Rng,
    h: &mut Horizon,
    w: &mut dyn Write,
    s: &mut Summary,
    t: &mut Tally,
) -> io::Result<()> {
    let n_com = COMMODITIES.len();
    for (c, &n) in layout.home.iter().enumerate() {
        for i in 0..n {
            let region = layout.region_id(c, i);
            for m in 0..n_com {
                let forced = i == m % n;
                let k = &COMMODITIES[m];
                if rng.chance(0.25) || (forced && c == 0) {
                    let ore_price = price(m, ORE);
                    let capacity = rng.range(1_000.0, 20_000.0);
                    let cost = ore_price * rng.range(0.3, 0.9);
                    s.mines += 1;
                    writeln!(w, "[[mines]]\nid = \"m{}\"\nregion = \"{region}\"", s.mines)?;
                    writeln!(w, "material = \"{}\"", material(m, ORE))?;
                    writeln!(w, "capacity = {}\ncost = {}", Num(capacity), Num(cost))?;
                    write_expansion(w, h, expansion(rng, 0.3, capacity, ore_price))?;
                    writeln!(w)?;
                }
                if rng.chance(0.12) || (forced && c == 0) {
                    let capacity = rng.range(500.0, 5_000.0);
                    let cost = price(m, CONC) * k.conc_yield * rng.range(0.1, 0.4);
                    let yield_ = k.conc_yield * rng.range(0.9, 1.1);
                    s.plants += 1;
                    writeln!(w, "[[plants]]\nid = \"p{}\"\nregion = \"{region}\"", s.plants)?;
                    writeln!(
                        w,
                        "input = \"{}\"\noutput = \"{}\"",
                        material(m, ORE),
                        material(m, CONC)
                    )?;
                    writeln!(w, "yield = {}", Num4(yield_))?;
                    writeln!(w, "capacity = {}\ncost = {}", Num(capacity), Num(cost))?;
                    write_expansion(w, h, expansion(rng, 0.25, capacity, price(m, CONC)))?;
                    writeln!(w)?;
                }
                if rng.chance(0.08) || forced {
                    let capacity = rng.range(100.0, 700.0);
                    let cost = k.refined_price * k.refine_yield * rng.range(0.1, 0.35);
                    let yield_ = Num4(k.refine_yield * rng.range(0.95, 1.05)).value();
                    t.refined_cap[c][m] += Num(capacity).value() * yield_;
                    s.plants += 1;
                    writeln!(w, "[[plants]]\nid = \"p{}\"\nregion = \"{region}\"", s.plants)?;
                    writeln!(
                        w,
                        "input = \"{}\"\noutput = \"{}\"",
                        material(m, CONC),
                        material(m, REF)
                    )?;
                    writeln!(w, "yield = {}", Num4(yield_))?;
                    writeln!(w, "capacity = {}\ncost = {}", Num(capacity), Num(cost))?;
                    let added = write_expansion(w, h, expansion(rng, 0.25, capacity, k.refined_price))?;
                    if let (true, Some((max, first))) = (h.multi(), added) {
                        for exp in &mut t.refined_exp[first..] {
                            exp[c][m] += max * yield_;
                        }
                    }
                    writeln!(w)?;
                }
            }
        }
    }
    Ok(())
}

/// Four decimals, for yields.
struct Num4(f64);

impl Num4 {
    fn value(&self) -> f64 {
        (self.0 * 1e4).round() / 1e4
    }
}

impl std::fmt::Display for Num4 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.4}", self.value())
    }
}

impl Num {
    fn value(&self) -> f64 {
        r2(self.0)
    }
}

/// Offers of concentrate and refined product at every foreign port (China's and Australia's
/// uncapped, so demand can always be met; the others mostly capped), and a few offers
/// delivered at North American ports with a foreign origin.
fn imports(layout: &Layout, rng: &mut Rng, k: usize, w: &mut dyn Write, s: &mut Summary) -> io::Result<()> {
    for (f, (origin, _, allied)) in FOREIGN.iter().enumerate() {
        let region = layout.foreign(f);
        for m in 0..COMMODITIES.len() {
            for stage in [CONC, REF] {
                let always = f < 2;
                if !always && !rng.chance(0.7) {
                    continue;
                }
                // Non-allied supply is cheaper: that is what the targets push against.
                let discount = if *allied {
                    rng.range(0.9, 1.15)
                } else {
                    rng.range(0.7, 0.95)
                };
                let offer_price = price(m, stage) * discount;
                s.imports += 1;
                writeln!(w, "[[imports]]\nid = \"i{}\"\nregion = \"{region}\"", s.imports)?;
                writeln!(w, "material = \"{}\"\nprice = {}", material(m, stage), Num(offer_price))?;
                if !always && rng.chance(0.7) {
                    let cap = k as f64 * rng.range(200.0, 2_000.0);
                    writeln!(w, "capacity = {}", Num(cap))?;
                }
                writeln!(w, "origin = \"{origin}\"\n")?;
            }
        }
    }
    for (c, &n) in layout.home.iter().enumerate() {
        for i in (0..n).filter(|&i| layout.is_port(c, i)) {
            let region = layout.region_id(c, i);
            for _ in 0..1 + rng.below(2) {
                let m = rng.below(COMMODITIES.len());
                let stage = if rng.chance(0.5) { CONC } else { REF };
                let f = rng.below(FOREIGN.len());
                let offer_price = price(m, stage) * rng.range(0.95, 1.2);
                s.imports += 1;
                writeln!(w, "[[imports]]\nid = \"i{}\"\nregion = \"{region}\"", s.imports)?;
                writeln!(w, "material = \"{}\"\nprice = {}", material(m, stage), Num(offer_price))?;
                writeln!(w, "origin = \"{}\"", FOREIGN[f].0)?;
                writeln!(w, "capacity = {}\n", Num(rng.range(50.0, 500.0)))?;
            }
        }
    }
    Ok(())
}

/// Demands for refined products: each region wants each product with probability 0.35, and
/// every country wants every product somewhere (so every target has consumption in scope).
/// A quarter may go unmet at a penalty of 1.5 to 3 times the price. Over several periods each
/// quantity grows by its own rate of 1% to 5% a year.
fn demands(
    layout: &Layout,
    rng: &mut Rng,
    h: &mut Horizon,
    w: &mut dyn Write,
    s: &mut Summary,
    t: &mut Tally,
) -> io::Result<()> {
    let n_com = COMMODITIES.len();
    for (c, &n) in layout.home.iter().enumerate() {
        for i in 0..n {
            let region = layout.region_id(c, i);
            for m in 0..n_com {
                let forced = i == (m + 1) % n;
                if !(forced || rng.chance(0.35)) {
                    continue;
                }
                let quantity = Num(rng.range(20.0, 400.0)).value();
                let growth = if h.multi() { h.rng.range(0.01, 0.05) } else { 0.0 };
                let path: Vec<f64> = (0..h.years.len())
                    .map(|p| Num(quantity * (1.0 + growth).powi(p as i32)).value())
                    .collect();
                for (p, q) in path.iter().enumerate() {
                    t.demand[p][c][m] += q;
                }
                s.demands += 1;
                writeln!(
                    w,
                    "[[demands]]\nregion = \"{region}\"\nmaterial = \"{}\"",
                    material(m, REF)
                )?;
                match h.multi() {
                    true => writeln!(w, "quantity = {}", h.series(&path, |q| Num(q).to_string()))?,
                    false => writeln!(w, "quantity = {}", Num(quantity))?,
                }
                if rng.chance(0.25) {
                    let penalty = price(m, REF) * rng.range(1.5, 3.0);
                    writeln!(w, "unmet_penalty = {}", Num(penalty))?;
                }
                writeln!(w)?;
            }
        }
    }
    Ok(())
}

/// Lane writer: one `[[lanes]]` entry with an id `l<n>`.
#[allow(clippy::too_many_arguments)]
fn lane(
    w: &mut dyn Write,
    s: &mut Summary,
    from: &str,
    to: &str,
    mode: &str,
    cost: f64,
    days: f64,
    bidirectional: bool,
    capacity: Option<f64>,
    materials: Option<&[String]>,
) -> io::Result<()> {
    s.lanes += 1;
    writeln!(w, "[[lanes]]\nid = \"l{}\"\nfrom = \"{from}\"\nto = \"{to}\"", s.lanes)?;
    writeln!(w, "mode = \"{mode}\"\ncost = {}\ndays = {}", Num(cost), Num(days))?;
    if bidirectional {
        writeln!(w, "bidirectional = true")?;
    }
    if let Some(cap) = capacity {
        writeln!(w, "capacity = {}", Num(cap))?;
    }
    if let Some(list) = materials {
        let quoted: Vec<String> = list.iter().map(|m| format!("\"{m}\"")).collect();
        writeln!(w, "materials = [{}]", quoted.join(", "))?;
    }
    writeln!(w)
}

/// A random material filter: one commodity's chain, the bulk stages (ores and concentrates)
/// of two commodities, or refined products only.
fn filter(rng: &mut Rng) -> Vec<String> {
    let n = COMMODITIES.len();
    match rng.below(3) {
        0 => {
            let m = rng.below(n);
            (0..STAGES.len()).map(|st| material(m, st)).collect()
        }
        1 => {
            let a = rng.below(n);
            let b = (a + 1 + rng.below(n - 1)) % n;
            let (a, b) = (a.min(b), a.max(b));
            vec![material(a, ORE), material(a, CONC), material(b, ORE), material(b, CONC)]
        }
        _ => (0..n).map(|m| material(m, REF)).collect(),
    }
}

/// Lanes. In every district: a bidirectional, unrestricted truck lane between the hub and
/// each spoke, and with probability 0.3 a filtered, often capped truck lane from a spoke to
/// the next. Between hubs: a bidirectional, unrestricted rail line along every row of the hub
/// grid and down its western column (so every region reaches every other); a lane to the hub
/// below (filtered, capped or one-way at random); a filtered rail lane to the south-east hub
/// with probability one half. Border crossings join every second hub of the Canadian and
/// Mexican first rows to the US northern and southern rows (the first of each unrestricted).
/// Ocean lanes run from every foreign port to `US-1` and from two random foreign ports to
/// every other port.
fn lanes(layout: &Layout, rng: &mut Rng, w: &mut dyn Write, s: &mut Summary) -> io::Result<()> {
    for c in 0..layout.home.len() {
        district_lanes(layout, rng, c, w, s)?;
        hub_lanes(layout, rng, c, w, s)?;
    }
    border_lanes(layout, rng, w, s)?;
    ocean_lanes(layout, rng, w, s)
}

/// The lanes of [`Shape::Dense`], then the ocean lanes of [`lanes`].
fn dense_lanes(layout: &Layout, rng: &mut Rng, w: &mut dyn Write, s: &mut Summary) -> io::Result<()> {
    // One random lane: a third bidirectional, a fifth capped, a fifth filtered.
    let random_lane = |rng: &mut Rng, w: &mut dyn Write, s: &mut Summary, from: &str, to: &str| {
        let (cost, days) = (rng.range(5.0, 120.0), rng.range(0.5, 5.0));
        let bidirectional = rng.chance(1.0 / 3.0);
        let capacity = rng.chance(0.2).then(|| rng.range(500.0, 10_000.0));
        let materials = rng.chance(0.2).then(|| filter(rng));
        let mode = if rng.chance(0.5) { "rail" } else { "truck" };
        lane(
            w,
            s,
            from,
            to,
            mode,
            cost,
            days,
            bidirectional,
            capacity,
            materials.as_deref(),
        )
    };
    for c in 0..layout.home.len() {
        let n = layout.home[c];
        for i in 0..n {
            let here = layout.region_id(c, i);
            if i + 1 < n {
                let (cost, days) = (rng.range(5.0, 40.0), rng.range(0.5, 2.0));
                let next = layout.region_id(c, i + 1);
                lane(w, s, &here, &next, "truck", cost, days, true, None, None)?;
            }
            for _ in 0..DENSE_DEGREE.min(n.saturating_sub(1)) {
                let j = (i + 1 + rng.below(n - 1)) % n;
                random_lane(rng, w, s, &here, &layout.region_id(c, j))?;
            }
            if c > 0 && rng.chance(0.5) {
                let us = layout.region_id(0, rng.below(layout.home[0]));
                random_lane(rng, w, s, &here, &us)?;
            }
        }
    }
    ocean_lanes(layout, rng, w, s)
}

/// The lanes of [`Shape::Corridors`], then the ocean lanes of [`lanes`].
fn corridor_lanes(layout: &Layout, rng: &mut Rng, w: &mut dyn Write, s: &mut Summary) -> io::Result<()> {
    let hubs = |c: usize| layout.home[c].div_ceil(CORRIDOR_SPAN).max(2).min(layout.home[c]);
    // Hub `h` of country `c` is its region `h * n / hubs`; region `i` hangs off hub `i * hubs / n`.
    let hub_region = |c: usize, h: usize| h * layout.home[c] / hubs(c);
    for c in 0..layout.home.len() {
        let (n, k) = (layout.home[c], hubs(c));
        for i in 0..n {
            let hub = hub_region(c, i * k / n);
            if i != hub {
                let (cost, days) = (rng.range(5.0, 40.0), rng.range(0.5, 2.0));
                let (from, to) = (layout.region_id(c, hub), layout.region_id(c, i));
                lane(w, s, &from, &to, "truck", cost, days, true, None, None)?;
            }
        }
        for h in 0..k {
            let next = (h + 1) % k;
            if k == 2 && h == 1 {
                break;
            }
            let (cost, days) = (rng.range(30.0, 150.0), rng.range(1.0, 5.0));
            let (from, to) = (
                layout.region_id(c, hub_region(c, h)),
                layout.region_id(c, hub_region(c, next)),
            );
            lane(w, s, &from, &to, "rail", cost, days, true, None, None)?;
        }
        if c > 0 {
            for h in 0..k {
                for _ in 0..2 {
                    let us = hub_region(0, rng.below(hubs(0)));
                    let (cost, days) = (rng.range(60.0, 250.0), rng.range(2.0, 7.0));
                    let capacity = rng.chance(1.0 / 3.0).then(|| rng.range(5_000.0, 50_000.0));
                    let (from, to) = (layout.region_id(c, hub_region(c, h)), layout.region_id(0, us));
                    lane(w, s, &from, &to, "rail", cost, days, true, capacity, None)?;
                }
            }
        }
    }
    ocean_lanes(layout, rng, w, s)
}

/// The truck lanes inside the districts of home country `c`.
fn district_lanes(layout: &Layout, rng: &mut Rng, c: usize, w: &mut dyn Write, s: &mut Summary) -> io::Result<()> {
    let n = layout.home[c];
    for i in 0..n {
        let here = layout.region_id(c, i);
        let hub = i - i % DISTRICT;
        if i != hub {
            let (cost, days) = (rng.range(5.0, 40.0), rng.range(0.5, 2.0));
            lane(
                w,
                s,
                &layout.region_id(c, hub),
                &here,
                "truck",
                cost,
                days,
                true,
                None,
                None,
            )?;
            if i + 1 < n && !(i + 1).is_multiple_of(DISTRICT) && rng.chance(0.3) {
                let (cost, days) = (rng.range(5.0, 30.0), rng.range(0.5, 2.0));
                let capacity = rng.chance(0.6).then(|| rng.range(100.0, 2_000.0));
                let materials = filter(rng);
                let next = layout.region_id(c, i + 1);
                lane(
                    w,
                    s,
                    &here,
                    &next,
                    "truck",
                    cost,
                    days,
                    false,
                    capacity,
                    Some(&materials),
                )?;
            }
        }
    }
    Ok(())
}

/// The lanes between the hubs of home country `c`.
fn hub_lanes(layout: &Layout, rng: &mut Rng, c: usize, w: &mut dyn Write, s: &mut Summary) -> io::Result<()> {
    let (width, hubs) = (layout.width[c], layout.hubs(c));
    for h in 0..hubs {
        let here = layout.region_id(c, h * DISTRICT);
        let x = h % width;
        if x + 1 < width && h + 1 < hubs {
            let (cost, days) = (rng.range(20.0, 60.0), rng.range(1.0, 3.0));
            let east = layout.region_id(c, (h + 1) * DISTRICT);
            lane(w, s, &here, &east, "rail", cost, days, true, None, None)?;
        }
        if h + width < hubs {
            let south = layout.region_id(c, (h + width) * DISTRICT);
            let (cost, days) = (rng.range(30.0, 90.0), rng.range(1.0, 4.0));
            if x == 0 {
                lane(w, s, &here, &south, "rail", cost, days, true, None, None)?;
            } else {
                let bidirectional = rng.chance(0.6);
                let capacity = rng.chance(0.4).then(|| rng.range(500.0, 10_000.0));
                let materials = rng.chance(0.5).then(|| filter(rng));
                let mode = if rng.chance(0.5) { "rail" } else { "truck" };
                let m = materials.as_deref();
                lane(w, s, &here, &south, mode, cost, days, bidirectional, capacity, m)?;
            }
        }
        if x + 1 < width && h + width + 1 < hubs && rng.chance(0.5) {
            let diagonal = layout.region_id(c, (h + width + 1) * DISTRICT);
            let (cost, days) = (rng.range(40.0, 120.0), rng.range(1.0, 5.0));
            let capacity = rng.chance(0.5).then(|| rng.range(1_000.0, 10_000.0));
            let materials = filter(rng);
            lane(
                w,
                s,
                &here,
                &diagonal,
                "rail",
                cost,
                days,
                false,
                capacity,
                Some(&materials),
            )?;
        }
    }
    Ok(())
}

/// Border crossings from the Canadian and Mexican first rows.
fn border_lanes(layout: &Layout, rng: &mut Rng, w: &mut dyn Write, s: &mut Summary) -> io::Result<()> {
    for c in 1..HOME.len() {
        let width = layout.width[c];
        for x in (0..width.min(layout.hubs(c))).step_by(2) {
            let us = layout.us_border(x, width, c == 2);
            let first = x == 0;
            let capacity = (!first && rng.chance(0.3)).then(|| rng.range(1_000.0, 10_000.0));
            let materials = (!first && rng.chance(0.3)).then(|| filter(rng));
            let mode = if rng.chance(0.5) { "rail" } else { "truck" };
            let (cost, days) = (rng.range(20.0, 90.0), rng.range(1.0, 4.0));
            let (from, to) = (layout.region_id(c, x * DISTRICT), layout.region_id(0, us));
            lane(w, s, &from, &to, mode, cost, days, true, capacity, materials.as_deref())?;
        }
    }
    Ok(())
}

/// Ocean lanes.
fn ocean_lanes(layout: &Layout, rng: &mut Rng, w: &mut dyn Write, s: &mut Summary) -> io::Result<()> {
    for f in 0..FOREIGN.len() {
        let (cost, days) = (rng.range(40.0, 180.0), rng.range(14.0, 40.0));
        let (from, to) = (layout.foreign(f), layout.region_id(0, 0));
        lane(w, s, &from, &to, "ocean", cost, days, false, None, None)?;
    }
    for (c, &n) in layout.home.iter().enumerate() {
        for i in (0..n).filter(|&i| layout.is_port(c, i)) {
            if c == 0 && i == 0 {
                continue;
            }
            let a = rng.below(FOREIGN.len());
            let b = (a + 1 + rng.below(FOREIGN.len() - 1)) % FOREIGN.len();
            for f in [a, b] {
                let (cost, days) = (rng.range(40.0, 200.0), rng.range(14.0, 45.0));
                let capacity = rng.chance(0.3).then(|| rng.range(2_000.0, 20_000.0));
                let materials = rng.chance(0.3).then(|| filter(rng));
                let (from, to) = (layout.foreign(f), layout.region_id(c, i));
                lane(
                    w,
                    s,
                    &from,
                    &to,
                    "ocean",
                    cost,
                    days,
                    false,
                    capacity,
                    materials.as_deref(),
                )?;
            }
        }
    }
    Ok(())
}

/// A fixed tariff table with every level of specificity: the US charges China 20% on
/// everything and 45% on refined rare earths and cobalt, the rest of the non-allied bloc 10%,
/// USMCA partners nothing; Canada charges China 5%, Mexico the non-allied bloc 5% and China 15%
/// on refined lithium. With `origin`, the USMCA preference holds only for material mined in
/// USMCA (`us_usmca_origin`), and other goods from the partners pay 25%.
fn tariffs(w: &mut dyn Write, origin: bool, s: &mut Summary) -> io::Result<()> {
    if origin {
        writeln!(
            w,
            "[[tariffs]]\nid = \"us_usmca_origin\"\nimporter = \"US\"\nexporter = \"usmca\"\norigin = \"usmca\"\nrate = 0.00\n"
        )?;
        s.tariffs += 1;
    }
    let partner_rate = if origin { 0.25 } else { 0.0 };
    let rows: [(&str, &str, &str, Option<String>, f64); 8] = [
        ("us_usmca", "US", "usmca", None, partner_rate),
        ("us_cn", "US", "CN", None, 0.2),
        ("us_cn_ree", "US", "CN", Some(material(4, REF)), 0.45),
        ("us_cn_co", "US", "CN", Some(material(2, REF)), 0.45),
        ("us_non_allied", "US", "non_allied", None, 0.1),
        ("ca_cn", "CA", "CN", None, 0.05),
        ("mx_non_allied", "MX", "non_allied", None, 0.05),
        ("mx_cn_li", "MX", "CN", Some(material(0, REF)), 0.15),
    ];
    for (id, importer, exporter, mat, rate) in rows {
        writeln!(
            w,
            "[[tariffs]]\nid = \"{id}\"\nimporter = \"{importer}\"\nexporter = \"{exporter}\""
        )?;
        if let Some(m) = mat {
            writeln!(w, "material = \"{m}\"")?;
        }
        writeln!(w, "rate = {rate:.2}\n")?;
        s.tariffs += 1;
    }
    Ok(())
}

/// Round a share up to three decimals (a cap must never be rounded below what is feasible).
fn share_up(x: f64) -> f64 {
    ((x * 1000.0).ceil() / 1000.0).clamp(0.0, 1.0)
}

/// The share left to imports when refineries serving at most 90% of the demand serve
/// `served` of a `total` (1 without demand).
fn need(served: f64, total: f64) -> f64 {
    if total > 0.0 {
        1.0 - 0.9 * served / total
    } else {
        1.0
    }
}

/// A target's caps per period, from its policy level and the share each period needs
/// (`needs[p]`): the larger of the two with one period. Over several periods the policy
/// tightens by 2% to 8% a year, and each cap is the larger of it and the most that period or
/// any later one needs, so the caps never loosen and every period has a plan.
fn caps(h: &mut Horizon, policy: f64, needs: &[f64]) -> Vec<f64> {
    let tighten = if h.multi() { 1.0 - h.rng.range(0.02, 0.08) } else { 1.0 };
    let mut later = vec![0.0_f64; needs.len()];
    let mut most = f64::NEG_INFINITY;
    for p in (0..needs.len()).rev() {
        most = most.max(needs[p]);
        later[p] = most;
    }
    let mut level = policy;
    later
        .iter()
        .map(|&need| {
            let cap = share_up(level.max(need));
            level *= tighten;
            cap
        })
        .collect()
}

/// `max_import_share = ...` of [`caps`]: a number with one period, a series with several.
fn write_caps(w: &mut dyn Write, h: &mut Horizon, policy: f64, needs: &[f64]) -> io::Result<()> {
    let caps = caps(h, policy, needs);
    match h.multi() {
        true => writeln!(w, "max_import_share = {}\n", h.series(&caps, |c| format!("{c:.3}"))),
        false => writeln!(w, "max_import_share = {:.3}\n", caps[0]),
    }
}

/// Targets on every refined product: the USMCA bloc's imports from anywhere outside it, and
/// each country's imports (from the non-allied bloc for the US, from anywhere outside for
/// Canada and Mexico). A cap is the larger of a random policy level and the share left when
/// each country's refineries serve at most 90% of their own country's demand (in every
/// period; see [`caps`]).
fn targets(rng: &mut Rng, h: &mut Horizon, t: &Tally, w: &mut dyn Write, s: &mut Summary) -> io::Result<()> {
    for m in 0..COMMODITIES.len() {
        let domestic = |p: usize, c: usize| (t.refined_cap[c][m] + t.refined_exp[p][c][m]).min(t.demand[p][c][m]);
        let usmca: Vec<f64> = (0..h.years.len())
            .map(|p| {
                let total: f64 = (0..3).map(|c| t.demand[p][c][m]).sum();
                let served: f64 = (0..3).map(|c| domestic(p, c)).sum();
                need(served, total)
            })
            .collect();
        let name = COMMODITIES[m].name;
        let mat = material(m, REF);
        let policy = rng.range(0.2, 0.6);
        writeln!(
            w,
            "[[targets]]\nid = \"{name}_usmca\"\nmaterial = \"{mat}\"\nscope = \"usmca\""
        )?;
        write_caps(w, h, policy, &usmca)?;
        s.targets += 1;
        for (c, (country, _, _, _)) in HOME.iter().enumerate() {
            // One country target per commodity, rotating, so the count stays fixed.
            if (m + c) % 2 == 1 && c != 0 {
                continue;
            }
            let policy = rng.range(0.2, 0.7);
            let needs: Vec<f64> = (0..h.years.len())
                .map(|p| need(domestic(p, c), t.demand[p][c][m]))
                .collect();
            let id = format!("{name}_{}", country.to_lowercase());
            writeln!(
                w,
                "[[targets]]\nid = \"{id}\"\nmaterial = \"{mat}\"\nscope = \"{country}\""
            )?;
            if c == 0 {
                writeln!(w, "sources = \"non_allied\"")?;
            }
            write_caps(w, h, policy, &needs)?;
            s.targets += 1;
        }
    }
    Ok(())
}

/// Strategic stockpiles of refined product at the first region (a hub and port) of each North
/// American country: one of rare earths in the US, and each other commodity of each country
/// with probability 0.3. Each holds 20% to 60% of its capacity at the start, costs 2% to 6% of
/// the product's price per tonne and year to hold, and from the middle of the horizon must
/// keep a floor of 30% to 90% of that initial stock (at most the stock it starts with, and the
/// final level must be back at the initial one, the contract's default).
fn stockpiles(layout: &Layout, h: &mut Horizon, w: &mut dyn Write, s: &mut Summary) -> io::Result<()> {
    let mid = h.years[h.years.len() / 2];
    for c in 0..HOME.len() {
        for m in 0..COMMODITIES.len() {
            let forced = c == 0 && m == 4;
            if !(h.rng.chance(0.3) || forced) {
                continue;
            }
            let capacity = Num(h.rng.range(200.0, 2_000.0)).value();
            let initial = Num(capacity * h.rng.range(0.2, 0.6)).value();
            let holding = price(m, REF) * h.rng.range(0.02, 0.06);
            let floor = Num(initial * h.rng.range(0.3, 0.9)).value().min(initial);
            s.stockpiles += 1;
            writeln!(
                w,
                "[[stockpiles]]\nid = \"s{}\"\nregion = \"{}\"\nmaterial = \"{}\"",
                s.stockpiles,
                layout.region_id(c, 0),
                material(m, REF)
            )?;
            writeln!(
                w,
                "capacity = {}\ninitial = {}\nholding_cost = {}",
                Num(capacity),
                Num(initial),
                Num(holding)
            )?;
            writeln!(w, "min_level = {{ {} = 0.00, {mid} = {} }}\n", h.years[0], Num(floor))?;
        }
    }
    Ok(())
}

/// The LP of the generated instance of `seed` and `scale`, for tests of the solve path.
#[cfg(test)]
pub(crate) fn generated_lp(seed: u64, scale: u32) -> crate::lp::Lp {
    generated_lp_shaped(seed, scale, Shape::Chains)
}

/// [`generated_lp`] of the family `shape`.
#[cfg(test)]
pub(crate) fn generated_lp_shaped(seed: u64, scale: u32, shape: Shape) -> crate::lp::Lp {
    let mut buf = Vec::new();
    write_instance(
        &Params {
            seed,
            scale,
            origin: false,
            shape,
        },
        &mut buf,
    )
    .unwrap();
    let inst = sourcing_models::load_str(std::str::from_utf8(&buf).unwrap())
        .instance
        .expect("a generated instance is valid");
    crate::model::formulate::build(&inst).lp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(seed: u64, scale: u32) -> String {
        let mut buf = Vec::new();
        write_instance(
            &Params {
                seed,
                scale,
                origin: false,
                shape: Shape::Chains,
            },
            &mut buf,
        )
        .unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn splitmix_is_the_reference_stream() {
        // First outputs of splitmix64 seeded with 1234567 (reference implementation).
        let mut r = Rng::new(1234567);
        assert_eq!(r.next_u64(), 6457827717110365317);
        assert_eq!(r.next_u64(), 3203168211198807973);
    }

    #[test]
    fn generated_instances_validate_without_diagnostics() {
        for seed in [1, 2, 3] {
            let src = text(seed, 1);
            let v = sourcing_models::load_str(&src);
            assert!(v.diagnostics.is_empty(), "seed {seed}: {:?}", v.diagnostics);
            assert!(v.instance.is_some());
        }
    }

    #[test]
    fn multi_period_instances_validate_without_diagnostics() {
        for (seed, periods) in [(1, 2), (2, 4), (3, 6)] {
            let mut buf = Vec::new();
            let s = write_instance_periods(
                &Params {
                    seed,
                    scale: 1,
                    origin: false,
                    shape: Shape::Chains,
                },
                periods,
                &mut buf,
            )
            .unwrap();
            let v = sourcing_models::load_str(std::str::from_utf8(&buf).unwrap());
            assert!(v.diagnostics.is_empty(), "seed {seed}: {:?}", v.diagnostics);
            let inst = v.instance.expect("valid");
            assert_eq!(inst.n_periods(), periods as usize);
            assert_eq!(inst.stockpiles.len(), s.stockpiles);
            assert!(s.stockpiles > 0);
            // Every expansion can come online within the horizon.
            let expansions = inst.mines.iter().filter_map(|m| m.expansion);
            let expansions = expansions.chain(inst.plants.iter().filter_map(|p| p.expansion));
            assert!(expansions
                .into_iter()
                .all(|e| inst.first_build_period(e.lead_time).is_some()));
        }
    }

    #[test]
    fn caps_never_loosen_nor_fall_below_what_a_later_period_needs() {
        let needs = [0.3, 0.5, 0.2, 0.1];
        let c = caps(&mut Horizon::new(1, 4), 0.6, &needs);
        assert!(c.windows(2).all(|w| w[1] <= w[0]), "{c:?}");
        for p in 0..needs.len() {
            let later = needs[p..].iter().copied().fold(0.0, f64::max);
            assert!(c[p] >= later, "{c:?}");
        }
        assert_eq!(c[0], 0.6, "the policy level when it is looser than every need");
        assert!(c[3] < 0.6 * 0.98_f64.powi(2), "the policy tightens: {c:?}");
        // One period: the larger of the policy and the need, as before periods existed.
        assert_eq!(caps(&mut Horizon::new(1, 1), 0.25, &[0.4]), [0.4]);
        assert_eq!(caps(&mut Horizon::new(1, 1), 0.45, &[0.4]), [0.45]);
    }

    #[test]
    fn output_is_a_function_of_seed_and_scale() {
        assert_eq!(text(7, 2), text(7, 2));
        assert_ne!(text(7, 2), text(8, 2));
    }
}
