//! Builders of the supply network: mines and plants (with their expansions), import offers,
//! demands, lanes, tariffs and targets.

use super::ids::Resolver;
use super::series::Check;
use super::{Entry, Validator};
use crate::diag::Diagnostic;
use crate::instance::*;
use crate::raw::{RawKind, RawTable};
use crate::schema::default_id;

impl Validator {
    pub(super) fn expansion(&mut self, e: &Entry) -> Option<Expansion> {
        let f = e.table.get("expansion")?;
        let RawKind::Table(t) = &f.value.kind else {
            self.err(
                format!(
                    "`expansion` in {} must be a table `{{ max = ..., cost = ... }}`, found {}",
                    e.label,
                    f.value.kind.type_name()
                ),
                Some(&f.value),
                f.value.span.clone(),
            );
            return None;
        };
        let sub = Entry {
            table: t,
            label: format!("the expansion of {}", e.label),
            span: t.span.clone().or_else(|| f.key_span.clone()),
            created_by: f.value.origin.as_deref(),
        };
        self.check_keys("expansion", &sub);
        let max = self.nonneg(&sub, "max");
        let cost = self.nonneg(&sub, "cost");
        let lead_time = match sub.table.get("lead_time") {
            Some(f) => {
                self.schema2_key(
                    format!("`lead_time` in {} is a schema-2 key", sub.label),
                    f.key_span.clone().or_else(|| f.value.span.clone()),
                    f.value.origin.clone(),
                );
                let lead_time = self.nonneg(&sub, "lead_time");
                if let Some(x) = lead_time.filter(|x| *x > 0.0) {
                    self.lead_times.push((sub.label.clone(), f.value.span.clone(), x));
                }
                lead_time
            }
            None => Some(0.0),
        };
        Some(Expansion {
            max: max?,
            cost: cost?,
            lead_time: lead_time?,
        })
    }

    pub(super) fn mines(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Mine> {
        let entries = self.entries("mines", tables, "mine");
        self.check_ids(
            "mine",
            &entries.iter().filter_map(|(_, id)| id.clone()).collect::<Vec<_>>(),
        );
        entries
            .iter()
            .map(|(e, id)| Mine {
                id: id.clone().map(|x| x.0).unwrap_or_default(),
                name: self.string(e, "name").map(|s| s.0.to_string()),
                region: self
                    .reference(e, "region", r, "regions", "region")
                    .unwrap_or(usize::MAX),
                material: self
                    .reference(e, "material", r, "materials", "material")
                    .unwrap_or(usize::MAX),
                capacity: self
                    .series(e, "capacity", Check::NonNeg)
                    .unwrap_or(Series::Constant(0.0)),
                cost: self.series(e, "cost", Check::NonNeg).unwrap_or(Series::Constant(0.0)),
                expansion: self.expansion(e),
                span: e.table.span.clone(),
            })
            .collect()
    }

    pub(super) fn plants(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Plant> {
        let entries = self.entries("plants", tables, "plant");
        self.check_ids(
            "plant",
            &entries.iter().filter_map(|(_, id)| id.clone()).collect::<Vec<_>>(),
        );
        entries
            .iter()
            .map(|(e, id)| {
                let yield_ = match self.number(e, "yield") {
                    Some((y, span)) if y <= 0.0 => {
                        let v = e.table.get("yield").map(|f| &f.value);
                        self.diags.push(
                            Diagnostic::error(
                                format!("`yield` in {} must be greater than 0, found {y}", e.label),
                                span,
                            )
                            .with_origin(v.and_then(|v| v.origin.clone()))
                            .with_hint("yield is tonnes of output per tonne of input"),
                        );
                        1.0
                    }
                    Some((y, _)) => y,
                    None => 1.0,
                };
                Plant {
                    id: id.clone().map(|x| x.0).unwrap_or_default(),
                    name: self.string(e, "name").map(|s| s.0.to_string()),
                    region: self
                        .reference(e, "region", r, "regions", "region")
                        .unwrap_or(usize::MAX),
                    input: self
                        .reference(e, "input", r, "materials", "material")
                        .unwrap_or(usize::MAX),
                    output: self
                        .reference(e, "output", r, "materials", "material")
                        .unwrap_or(usize::MAX),
                    yield_,
                    capacity: self
                        .series(e, "capacity", Check::NonNeg)
                        .unwrap_or(Series::Constant(0.0)),
                    cost: self.series(e, "cost", Check::NonNeg).unwrap_or(Series::Constant(0.0)),
                    expansion: self.expansion(e),
                    span: e.table.span.clone(),
                }
            })
            .collect()
    }

    pub(super) fn imports(&mut self, tables: &[&RawTable], r: &Resolver, regions: &[Region]) -> Vec<Import> {
        let entries = self.entries("imports", tables, "import offer");
        self.check_ids(
            "import",
            &entries.iter().filter_map(|(_, id)| id.clone()).collect::<Vec<_>>(),
        );
        entries
            .iter()
            .map(|(e, id)| {
                let region = self.reference(e, "region", r, "regions", "region");
                let origin = if e.table.get("origin").is_some() {
                    self.reference(e, "origin", r, "countries", "country")
                } else {
                    region.map(|g| regions[g].country)
                };
                Import {
                    id: id.clone().map(|x| x.0).unwrap_or_default(),
                    region: region.unwrap_or(usize::MAX),
                    material: self
                        .reference(e, "material", r, "materials", "material")
                        .unwrap_or(usize::MAX),
                    price: self.series(e, "price", Check::NonNeg).unwrap_or(Series::Constant(0.0)),
                    origin: origin.unwrap_or(usize::MAX),
                    capacity: self.series(e, "capacity", Check::NonNeg),
                    span: e.table.span.clone(),
                }
            })
            .collect()
    }

    pub(super) fn demands(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Demand> {
        let entries = self.entries("demands", tables, "demand");
        let mut ids = Vec::new();
        let out = entries
            .iter()
            .map(|(e, id)| {
                let region = self.string(e, "region");
                let material = self.string(e, "material");
                let defaulted = id.is_none();
                // A default id is located at the region.
                let id = id.clone().or_else(|| {
                    let span = region.as_ref()?.1.clone();
                    Some((default_id("demands", e.table)?.into(), span))
                });
                if let Some(id) = &id {
                    ids.push((id.clone(), defaulted));
                }
                Demand {
                    id: id.map(|x| x.0).unwrap_or_default(),
                    region: region
                        .and_then(|(g, s)| self.resolve(r, "regions", "region", &g, &s))
                        .unwrap_or(usize::MAX),
                    material: material
                        .and_then(|(m, s)| self.resolve(r, "materials", "material", &m, &s))
                        .unwrap_or(usize::MAX),
                    quantity: self
                        .series(e, "quantity", Check::NonNeg)
                        .unwrap_or(Series::Constant(0.0)),
                    unmet_penalty: self.series(e, "unmet_penalty", Check::NonNeg),
                    span: e.table.span.clone(),
                }
            })
            .collect();
        self.check_ids_defaulted("demand", &ids, "REGION/MATERIAL");
        out
    }

    pub(super) fn lanes(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Lane> {
        let entries = self.entries("lanes", tables, "lane");
        let mut ids = Vec::new();
        let out = entries
            .iter()
            .map(|(e, id)| {
                let from = self.string(e, "from");
                let to = self.string(e, "to");
                let mode = self.string(e, "mode").map(|m| m.0).unwrap_or_else(|| "road".into());
                let defaulted = id.is_none();
                // A default id is located at the origin.
                let id = id.clone().or_else(|| {
                    let span = from.as_ref()?.1.clone();
                    Some((default_id("lanes", e.table)?.into(), span))
                });
                if let (Some((f, _)), Some((t, ts))) = (&from, &to) {
                    if f == t {
                        self.diags.push(
                            Diagnostic::error(format!("lane from `{f}` to itself"), ts.clone())
                                .with_hint("a lane must join two different regions"),
                        );
                    }
                }
                if let Some(id) = &id {
                    ids.push((id.clone(), defaulted));
                }
                let days = e.table.get("days").and_then(|_| self.nonneg(e, "days"));
                let capacity = self.series(e, "capacity", Check::NonNeg);
                let materials = e.table.get("materials").and_then(|_| {
                    let list = self.string_list(e, "materials")?;
                    Some(
                        list.iter()
                            .filter_map(|(m, s)| self.resolve(r, "materials", "material", m, s))
                            .collect(),
                    )
                });
                Lane {
                    id: id.map(|x| x.0).unwrap_or_default(),
                    from: from
                        .and_then(|(g, s)| self.resolve(r, "regions", "region", &g, &s))
                        .unwrap_or(usize::MAX),
                    to: to
                        .and_then(|(g, s)| self.resolve(r, "regions", "region", &g, &s))
                        .unwrap_or(usize::MAX),
                    cost: self.series(e, "cost", Check::NonNeg).unwrap_or(Series::Constant(0.0)),
                    mode,
                    days,
                    capacity,
                    materials,
                    bidirectional: e
                        .table
                        .get("bidirectional")
                        .and_then(|_| self.boolean(e, "bidirectional"))
                        .unwrap_or(false),
                    span: e.table.span.clone(),
                }
            })
            .collect();
        self.check_ids_defaulted("lane", &ids, "FROM->TO/MODE");
        out
    }

    pub(super) fn tariffs(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Tariff> {
        let entries = self.entries("tariffs", tables, "tariff");
        let mut ids = Vec::new();
        let out: Vec<Tariff> = entries
            .iter()
            .map(|(e, id)| {
                let importer = self.string(e, "importer");
                let exporter = self.string(e, "exporter");
                let material = self.string(e, "material");
                let defaulted = id.is_none();
                // A default id is located at the importer.
                let id = id.clone().or_else(|| {
                    let span = importer.as_ref()?.1.clone();
                    Some((default_id("tariffs", e.table)?.into(), span))
                });
                if let Some(id) = &id {
                    ids.push((id.clone(), defaulted));
                }
                Tariff {
                    id: id.map(|x| x.0).unwrap_or_default(),
                    importer: importer
                        .and_then(|(c, s)| self.resolve(r, "countries", "country", &c, &s))
                        .unwrap_or(usize::MAX),
                    exporter: exporter
                        .and_then(|(c, s)| self.party_named(r, &c, &s))
                        .unwrap_or(Party::Country(usize::MAX)),
                    material: match material {
                        Some((m, _)) if m == "*" => None,
                        Some((m, s)) => Some(self.resolve(r, "materials", "material", &m, &s).unwrap_or(usize::MAX)),
                        None => None,
                    },
                    rate: self.series(e, "rate", Check::Rate).unwrap_or(Series::Constant(0.0)),
                    origin: {
                        let origin = self.tariff_origin(e, r);
                        self.pending.tariffs.push(origin);
                        None
                    },
                    span: e.table.span.clone(),
                }
            })
            .collect();
        self.check_ids_defaulted("tariff", &ids, "EXPORTER->IMPORTER/MATERIAL");
        out
    }

    pub(super) fn targets(
        &mut self,
        tables: &[&RawTable],
        r: &Resolver,
        blocs: &[Bloc],
        n_countries: usize,
    ) -> Vec<Target> {
        let entries = self.entries("targets", tables, "target");
        self.check_ids(
            "target",
            &entries.iter().filter_map(|(_, id)| id.clone()).collect::<Vec<_>>(),
        );
        entries
            .iter()
            .map(|(e, id)| {
                let scope = self.party(e, "scope", r);
                let scope_countries: Vec<usize> = match scope {
                    Some(Party::Country(c)) => vec![c],
                    Some(Party::Bloc(b)) => blocs.get(b).map(|b| b.countries.clone()).unwrap_or_default(),
                    None => Vec::new(),
                };
                let sources = match self.string_list(e, "sources") {
                    Some(list) => {
                        let mut out = Vec::new();
                        for (name, span) in &list {
                            match self.party_named(r, name, span) {
                                Some(Party::Country(c)) => out.push(c),
                                Some(Party::Bloc(b)) => {
                                    out.extend(blocs.get(b).map(|b| b.countries.clone()).unwrap_or_default())
                                }
                                None => {}
                            }
                        }
                        out.sort_unstable();
                        out.dedup();
                        let inside: Vec<usize> = out.iter().copied().filter(|c| scope_countries.contains(c)).collect();
                        if !inside.is_empty() {
                            let f = e.table.get("sources").unwrap();
                            self.diags.push(
                                Diagnostic::warning(
                                    format!("the sources of {} include countries of its own scope", e.label),
                                    f.value.span.clone(),
                                )
                                .with_hint(
                                    "shipments inside the scope will count as imports; check that this is meant",
                                ),
                            );
                        }
                        out
                    }
                    // Written but not a list of ids (its error is reported): no default to check.
                    None if e.table.get("sources").is_some() => Vec::new(),
                    None => (0..n_countries).filter(|c| !scope_countries.contains(c)).collect(),
                };
                Target {
                    id: id.clone().map(|x| x.0).unwrap_or_default(),
                    name: self.string(e, "name").map(|s| s.0.to_string()),
                    material: self
                        .reference(e, "material", r, "materials", "material")
                        .unwrap_or(usize::MAX),
                    scope: scope.unwrap_or(Party::Country(usize::MAX)),
                    max_import_share: self
                        .series(e, "max_import_share", Check::Share)
                        .unwrap_or(Series::Constant(0.0)),
                    sources,
                    basis: {
                        let (basis, span) = self.target_basis(e);
                        self.pending.targets.push(span);
                        basis
                    },
                    span: e.table.span.clone(),
                }
            })
            .collect()
    }
}
