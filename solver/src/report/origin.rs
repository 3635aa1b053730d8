//! `origin_shares`: where the material a scope uses was mined (model contract section 7).
//!
//! For each period, material and scope (every bloc, then every country, in instance order)
//! that uses the material, the use is what the targets' `C_t` counts, split by origin class:
//! demand served (`serve[d~k]`), plant input (`proc[p~k]`) and the net fill of stockpiles
//! (`inject[s~k] - release[s~k]`). Scopes that use nothing are left out.
//!
//! The split by origin *country* is exact, not estimated: the plan's positive flows are
//! followed downstream from the mines and offers (and the initial stocks) that feed them, and
//! each node `(region, material, class)` learns the set of countries its material can have
//! been mined in. A use at a node whose set is one country is that country's; the rest of a
//! class (material that mixes ore of several countries of the class before it is used) is
//! reported as that class's `mixed` share. A class of one country is never mixed.

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
    if x.is_empty() {
        return Vec::new();
    }
    let scopes: Vec<Party> = (0..inst.blocs.len())
        .map(Party::Bloc)
        .chain((0..inst.countries.len()).map(Party::Country))
        .collect();
    let mut sources = Sources::new(inst, origin.classes.len());
    let mut out = Vec::new();
    for (p, c) in cols.iter().enumerate() {
        sources.follow_period(inst, c, x, p == 0);
        let uses = Uses::of_period(inst, c, x, &sources);
        for a in 0..inst.materials.len() {
            for &scope in &scopes {
                if let Some(row) = uses.row(inst, &origin.classes, a, scope) {
                    out.push(OriginShareRow {
                        period: inst.has_periods().then(|| inst.periods[p].year),
                        ..row
                    });
                }
            }
        }
    }
    // A use of under [`DUST`] of the material's largest use (any scope, any period) is the
    // dust of an interior-point plan (a third of a gram of spodumene on the path), not a use.
    let mut largest: std::collections::HashMap<SmolStr, f64> = std::collections::HashMap::new();
    for r in &out {
        let m = largest.entry(r.material.clone()).or_insert(0.0);
        *m = m.max(r.use_t);
    }
    out.retain(|r| r.use_t > DUST * largest[&r.material]);
    out
}

/// The share of a node's inflow below which a flow into it is not counted as a source, and
/// of a material's largest use below which a use is not listed.
const DUST: f64 = 1e-6;

/// The countries whose mines (or offers) the material at each node can come from: a bit set
/// per node, one bit per country and one for "unknown" (an initial stock of a class of several
/// countries). Nodes are `(region, material, class)`, then `(stockpile, class)`; the
/// stockpiles' sets carry over from one period to the next.
struct Sources {
    classes: usize,
    materials: usize,
    regions: usize,
    words: usize,
    bits: Vec<u64>,
    /// The one country of each class, when it has exactly one.
    sole: Vec<Option<usize>>,
}

impl Sources {
    fn new(inst: &Instance, classes: usize) -> Self {
        let words = (inst.countries.len() + 1).div_ceil(64);
        let nodes = inst.regions.len() * inst.materials.len() * classes + inst.stockpiles.len() * classes;
        let class_of = &inst.origin.as_ref().map(|o| o.class_of.clone()).unwrap_or_default();
        let sole = (0..classes)
            .map(|k| {
                let mut members = (0..inst.countries.len()).filter(|&c| class_of.get(c) == Some(&k));
                match (members.next(), members.next()) {
                    (Some(c), None) => Some(c),
                    _ => None,
                }
            })
            .collect();
        Sources {
            classes,
            materials: inst.materials.len(),
            regions: inst.regions.len(),
            words,
            bits: vec![0; nodes * words],
            sole,
        }
    }

    fn node(&self, region: usize, material: usize, class: usize) -> usize {
        (region * self.materials + material) * self.classes + class
    }

    fn stock(&self, s: usize, class: usize) -> usize {
        self.regions * self.materials * self.classes + s * self.classes + class
    }

    fn set(&self, node: usize) -> &[u64] {
        &self.bits[node * self.words..(node + 1) * self.words]
    }

    fn add(&mut self, node: usize, bit: usize) {
        self.bits[node * self.words + bit / 64] |= 1 << (bit % 64);
    }

    /// Adds the set of `from` to `to`; whether `to` changed.
    fn flow(&mut self, from: usize, to: usize) -> bool {
        let mut changed = false;
        for w in 0..self.words {
            let (f, t) = (self.bits[from * self.words + w], self.bits[to * self.words + w]);
            changed |= f | t != t;
            self.bits[to * self.words + w] = f | t;
        }
        changed
    }

    /// The one country of a node's material, if there is exactly one (and it is known).
    fn single(&self, node: usize, countries: usize) -> Option<usize> {
        let set = self.set(node);
        if set.iter().map(|w| w.count_ones()).sum::<u32>() != 1 {
            return None;
        }
        let bit = set
            .iter()
            .enumerate()
            .find(|(_, w)| **w != 0)
            .map(|(i, w)| i * 64 + w.trailing_zeros() as usize)?;
        (bit < countries).then_some(bit)
    }

    /// Clears the region nodes and follows one period's flows until every node knows its
    /// sources (a worklist over the flow graph, whose lanes may form cycles). A flow into a
    /// node counts when it is more than [`DUST`] of everything that flows into that node: an
    /// interior-point plan moves micrograms along every open lane, and a gram of Canadian
    /// fluorspar among 600,000 t of Mexican does not make the Mexican "mixed".
    fn follow_period(&mut self, inst: &Instance, c: &Columns, x: &[f64], first: bool) {
        let region_nodes = self.regions * self.materials * self.classes;
        self.bits[..region_nodes * self.words].fill(0);
        let unknown = inst.countries.len();
        let class_of = |country: usize| inst.origin.as_ref().map_or(0, |o| o.class_of[country]);
        // (to, tonnes, from): from a node, or (`Err`) straight from a country's mine or offer.
        let mut inflows: Vec<(usize, f64, Result<usize, usize>)> = Vec::new();
        for (m, mine) in inst.mines.iter().enumerate() {
            let country = inst.region_country(mine.region);
            let to = self.node(mine.region, mine.material, class_of(country));
            inflows.push((to, x[c.prod[m] as usize], Err(country)));
        }
        for (i, offer) in inst.imports.iter().enumerate() {
            let to = self.node(offer.region, offer.material, class_of(offer.origin));
            inflows.push((to, x[c.buy[i] as usize], Err(offer.origin)));
        }
        for (s, stock) in inst.stockpiles.iter().enumerate() {
            if first && stock.initial > NOISE {
                let k = stock.initial_origin;
                self.add(self.stock(s, k), self.sole[k].unwrap_or(unknown));
            }
            for k in 0..self.classes {
                let here = self.node(stock.region, stock.material, k);
                inflows.push((self.stock(s, k), x[c.inject_of(s)[k] as usize], Ok(here)));
                inflows.push((here, x[c.release_of(s)[k] as usize], Ok(self.stock(s, k))));
            }
        }
        for (pl, plant) in inst.plants.iter().enumerate() {
            for (k, &col) in c.proc_of(pl).iter().enumerate() {
                let (from, to) = (
                    self.node(plant.region, plant.input, k),
                    self.node(plant.region, plant.output, k),
                );
                inflows.push((to, x[col as usize] * plant.yield_, Ok(from)));
            }
        }
        for ship in &c.ship {
            let (from, to) = ship.dir.endpoints(&inst.lanes[ship.lane as usize]);
            let (a, k) = (ship.material as usize, ship.class as usize);
            inflows.push((self.node(to, a, k), x[ship.col as usize], Ok(self.node(from, a, k))));
        }
        let mut total = vec![0.0; self.bits.len() / self.words];
        for &(to, t, _) in &inflows {
            total[to] += t.max(0.0);
        }
        let mut edges = Vec::new();
        for (to, t, from) in inflows {
            if t > NOISE && t > DUST * total[to] {
                match from {
                    Ok(node) => edges.push((node, to)),
                    Err(country) => self.add(to, country),
                }
            }
        }
        self.propagate(&mut edges);
    }

    fn propagate(&mut self, edges: &mut [(usize, usize)]) {
        edges.sort_unstable();
        let nodes = self.bits.len() / self.words;
        let mut start = vec![0usize; nodes + 1];
        for &(from, _) in edges.iter() {
            start[from + 1] += 1;
        }
        for n in 0..nodes {
            start[n + 1] += start[n];
        }
        let mut queued = vec![true; nodes];
        let mut work: Vec<usize> = (0..nodes).collect();
        while let Some(n) = work.pop() {
            queued[n] = false;
            for &(_, to) in &edges[start[n]..start[n + 1]] {
                if self.flow(n, to) && !queued[to] {
                    queued[to] = true;
                    work.push(to);
                }
            }
        }
    }
}

/// One period's use, by (country where it is used, material) and by class, and the same use
/// split into what is known to come from one country and what mixes several.
struct Uses {
    classes: usize,
    materials: usize,
    countries: usize,
    /// `[(country, material, class)]`
    by_class: Vec<f64>,
    /// `[(country, material, source country)]`
    by_source: Vec<f64>,
    /// `[(country, material, class)]`, the part of `by_class` of no single country.
    mixed: Vec<f64>,
}

impl Uses {
    fn of_period(inst: &Instance, c: &Columns, x: &[f64], sources: &Sources) -> Self {
        let (classes, materials, countries) = (sources.classes, inst.materials.len(), inst.countries.len());
        let mut u = Uses {
            classes,
            materials,
            countries,
            by_class: vec![0.0; countries * materials * classes],
            by_source: vec![0.0; countries * materials * countries],
            mixed: vec![0.0; countries * materials * classes],
        };
        let val = |col: u32| x[col as usize];
        // A use of class `k` taken from the node of `region` and `material`.
        let use_at = |u: &mut Uses, region: usize, material: usize, k: usize, t: f64| {
            let source = sources.single(sources.node(region, material, k), countries);
            u.add(inst.region_country(region), material, k, t, source);
        };
        for (d, dem) in inst.demands.iter().enumerate() {
            for (k, &col) in c.serve_of(d).iter().enumerate() {
                use_at(&mut u, dem.region, dem.material, k, val(col));
            }
        }
        for (pl, plant) in inst.plants.iter().enumerate() {
            for (k, &col) in c.proc_of(pl).iter().enumerate() {
                use_at(&mut u, plant.region, plant.input, k, val(col));
            }
        }
        for (s, stock) in inst.stockpiles.iter().enumerate() {
            for k in 0..classes {
                // The fill comes from the region's node, a draw from what the stock holds.
                use_at(&mut u, stock.region, stock.material, k, val(c.inject_of(s)[k]));
                let held = sources.single(sources.stock(s, k), countries);
                let country = inst.region_country(stock.region);
                u.add(country, stock.material, k, -val(c.release_of(s)[k]), held);
            }
        }
        u
    }

    fn add(&mut self, country: usize, material: usize, class: usize, t: f64, source: Option<usize>) {
        let at = (country * self.materials + material) * self.classes + class;
        self.by_class[at] += t;
        match source {
            Some(src) => self.by_source[(country * self.materials + material) * self.countries + src] += t,
            None => self.mixed[at] += t,
        }
    }

    /// The row of material `a` in `scope`, if the scope uses any.
    fn row(&self, inst: &Instance, classes: &[SmolStr], a: usize, scope: Party) -> Option<OriginShareRow> {
        let members = inst.party_countries(scope);
        let sum = |v: &[f64], width: usize, j: usize| -> f64 {
            members
                .iter()
                .map(|&m| v[(m * self.materials + a) * width + j])
                .sum::<f64>()
                .max(0.0)
        };
        let by_class: Vec<f64> = (0..self.classes)
            .map(|k| sum(&self.by_class, self.classes, k))
            .collect();
        let total: f64 = by_class.iter().sum();
        if total <= NOISE {
            return None;
        }
        // Known countries and mixed classes, as shares of their own total (the same as
        // `total` unless a stockpile's draw exceeds its fill in some class); shares under
        // [`DUST`] are left out.
        let by_source: Vec<f64> = (0..self.countries)
            .map(|j| sum(&self.by_source, self.countries, j))
            .collect();
        let mixed: Vec<f64> = (0..self.classes).map(|k| sum(&self.mixed, self.classes, k)).collect();
        let split = by_source.iter().chain(&mixed).sum::<f64>().max(NOISE);
        let shares = |ids: &mut dyn Iterator<Item = SmolStr>, v: &[f64], of: f64| {
            let kept = ids.zip(v).filter(|(_, &t)| t > NOISE && t > DUST * of);
            ByOrigin(kept.map(|(id, &t)| (id, t / of)).collect())
        };
        Some(OriginShareRow {
            period: None,
            material: inst.materials[a].id.clone(),
            scope: SmolStr::new(inst.party_id(scope)),
            use_t: total,
            shares: ByOrigin(
                classes
                    .iter()
                    .zip(&by_class)
                    .map(|(k, &v)| (k.clone(), v / total))
                    .collect(),
            ),
            by_country: shares(&mut inst.countries.iter().map(|c| c.id.clone()), &by_source, split),
            mixed: shares(&mut classes.iter().cloned(), &mixed, split),
        })
    }
}
