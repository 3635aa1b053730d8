//! From the raw tree to a validated [`Instance`], collecting every diagnostic on the way.
//!
//! The checks are those of section 2 of the model contract: unknown and missing keys, wrong
//! types, duplicate and malformed ids, dangling references (with near-miss suggestions),
//! non-finite and negative numbers, shares and rates outside [0, 1], non-positive yields,
//! lanes from a region to itself, ambiguous tariffs and targets without consumption in
//! their scope. Warnings (unused regions and materials) are kept apart from errors.

use crate::diag::{did_you_mean, Diagnostic};
use crate::instance::*;
use crate::raw::{RawField, RawKind, RawTable, RawValue};
use std::collections::HashMap;
use std::ops::Range;

/// The collections of an instance file, in file-format order.
pub const COLLECTIONS: [&str; 12] = [
    "blocs",
    "countries",
    "regions",
    "materials",
    "tax_regimes",
    "mines",
    "plants",
    "imports",
    "demands",
    "lanes",
    "tariffs",
    "targets",
];

/// Allowed keys of each table: (required, optional).
pub fn schema(collection: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match collection {
        "meta" => (&["name"], &["description", "currency", "year", "schema"]),
        "blocs" => (&["id", "countries"], &["name"]),
        "countries" => (&["id"], &["name", "tax_regime"]),
        "regions" => (&["id", "country"], &["name"]),
        "materials" => (&["id", "price"], &["name"]),
        "tax_regimes" => (
            &["id"],
            &["royalty_rate", "fee_per_t", "income_tax_rate", "royalty_by_material"],
        ),
        "mines" => (
            &["id", "region", "material", "capacity", "cost"],
            &["name", "expansion"],
        ),
        "plants" => (
            &["id", "region", "input", "output", "yield", "capacity", "cost"],
            &["name", "expansion"],
        ),
        "imports" => (&["id", "region", "material", "price"], &["origin", "capacity"]),
        "demands" => (&["region", "material", "quantity"], &["id", "unmet_penalty"]),
        "lanes" => (
            &["from", "to", "cost"],
            &["id", "mode", "days", "capacity", "materials", "bidirectional"],
        ),
        "tariffs" => (&["importer", "exporter", "rate"], &["id", "material"]),
        "targets" => (&["id", "material", "scope", "max_import_share"], &["sources", "name"]),
        "expansion" => (&["max", "cost"], &[]),
        _ => (&[], &[]),
    }
}

/// Result of validation: the instance when there is no error, and every diagnostic.
pub struct Validated {
    pub instance: Option<Instance>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Validate a raw tree.
pub fn validate(raw: &RawTable) -> Validated {
    let mut v = Validator::default();
    let instance = v.run(raw);
    let has_error = v.diags.iter().any(|d| d.is_error());
    let mut diagnostics = v.diags;
    // Stable order: errors first, then by position in the file.
    diagnostics.sort_by(|a, b| {
        (a.severity, a.span.as_ref().map(|s| s.start)).cmp(&(b.severity, b.span.as_ref().map(|s| s.start)))
    });
    Validated {
        instance: if has_error { None } else { instance },
        diagnostics,
    }
}

#[derive(Default)]
struct Validator {
    diags: Vec<Diagnostic>,
}

/// Accessor over one table that reports unknown, missing and mistyped keys.
struct Entry<'a> {
    table: &'a RawTable,
    /// e.g. "mine `penasquito`" or "mines entry #3"
    label: String,
}

type Sp<T> = (T, Option<Range<usize>>);

impl Validator {
    fn err(&mut self, msg: String, value: Option<&RawValue>, span: Option<Range<usize>>) {
        let origin = value.and_then(|v| v.origin.clone());
        self.diags.push(Diagnostic::error(msg, span).with_origin(origin));
    }

    fn check_keys(&mut self, collection: &str, entry: &Entry) {
        let (required, optional) = schema(collection);
        for f in &entry.table.fields {
            if !required.contains(&f.key.as_str()) && !optional.contains(&f.key.as_str()) {
                let mut d = Diagnostic::error(
                    format!("unknown key `{}` in {}", f.key, entry.label),
                    f.key_span.clone(),
                );
                let allowed = required.iter().chain(optional.iter()).copied();
                d = match did_you_mean(&f.key, allowed) {
                    Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                    None => d.with_hint(format!(
                        "allowed keys: {}",
                        required
                            .iter()
                            .chain(optional.iter())
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                };
                self.diags.push(d);
            }
        }
        for key in required {
            if entry.table.get(key).is_none() {
                self.diags.push(
                    Diagnostic::error(
                        format!("missing required key `{key}` in {}", entry.label),
                        entry.table.span.clone(),
                    )
                    .with_hint(format!("add `{key} = ...` to this table")),
                );
            }
        }
    }

    fn field<'a>(&self, e: &Entry<'a>, key: &str) -> Option<&'a RawField> {
        e.table.get(key)
    }

    fn string(&mut self, e: &Entry, key: &str) -> Option<Sp<String>> {
        let f = self.field(e, key)?;
        match &f.value.kind {
            RawKind::Str(s) => Some((s.clone(), f.value.span.clone())),
            other => {
                self.err(
                    format!("`{key}` in {} must be a string, found {}", e.label, other.type_name()),
                    Some(&f.value),
                    f.value.span.clone(),
                );
                None
            }
        }
    }

    fn number(&mut self, e: &Entry, key: &str) -> Option<Sp<f64>> {
        let f = self.field(e, key)?;
        self.number_value(&e.label, key, &f.value)
    }

    fn number_value(&mut self, label: &str, key: &str, v: &RawValue) -> Option<Sp<f64>> {
        let x = match &v.kind {
            RawKind::Int(i) => *i as f64,
            RawKind::Float(x) => *x,
            other => {
                self.err(
                    format!("`{key}` in {label} must be a number, found {}", other.type_name()),
                    Some(v),
                    v.span.clone(),
                );
                return None;
            }
        };
        if !x.is_finite() {
            self.err(
                format!("`{key}` in {label} must be a finite number, found {x}"),
                Some(v),
                v.span.clone(),
            );
            return None;
        }
        Some((x, v.span.clone()))
    }

    fn nonneg(&mut self, e: &Entry, key: &str) -> Option<f64> {
        let f = self.field(e, key)?;
        self.nonneg_value(&e.label, key, &f.value)
    }

    fn nonneg_value(&mut self, label: &str, key: &str, v: &RawValue) -> Option<f64> {
        let (x, span) = self.number_value(label, key, v)?;
        if x < 0.0 {
            self.diags.push(
                Diagnostic::error(format!("`{key}` in {label} must not be negative, found {x}"), span)
                    .with_origin(v.origin.clone())
                    .with_hint("use 0 or a positive value"),
            );
            return None;
        }
        Some(x)
    }

    fn share(&mut self, e: &Entry, key: &str) -> Option<f64> {
        let f = self.field(e, key)?;
        self.share_value(&e.label, key, &f.value)
    }

    fn share_value(&mut self, label: &str, key: &str, v: &RawValue) -> Option<f64> {
        let (x, span) = self.number_value(label, key, v)?;
        if !(0.0..=1.0).contains(&x) {
            let hint = if x > 1.0 && x <= 100.0 {
                format!("shares and rates are fractions: write {} for {x}%", x / 100.0)
            } else {
                "use a fraction between 0 and 1".to_string()
            };
            self.diags.push(
                Diagnostic::error(format!("`{key}` in {label} must be between 0 and 1, found {x}"), span)
                    .with_origin(v.origin.clone())
                    .with_hint(hint),
            );
            return None;
        }
        Some(x)
    }

    fn boolean(&mut self, e: &Entry, key: &str) -> Option<bool> {
        let f = self.field(e, key)?;
        match &f.value.kind {
            RawKind::Bool(b) => Some(*b),
            other => {
                self.err(
                    format!(
                        "`{key}` in {} must be true or false, found {}",
                        e.label,
                        other.type_name()
                    ),
                    Some(&f.value),
                    f.value.span.clone(),
                );
                None
            }
        }
    }

    /// A string or a list of strings.
    fn string_list(&mut self, e: &Entry, key: &str) -> Option<Vec<Sp<String>>> {
        let f = self.field(e, key)?;
        match &f.value.kind {
            RawKind::Str(s) => Some(vec![(s.clone(), f.value.span.clone())]),
            RawKind::Array(items) => {
                let mut out = Vec::new();
                for it in items {
                    match &it.kind {
                        RawKind::Str(s) => out.push((s.clone(), it.span.clone())),
                        other => self.err(
                            format!("`{key}` in {} must list strings, found {}", e.label, other.type_name()),
                            Some(it),
                            it.span.clone(),
                        ),
                    }
                }
                Some(out)
            }
            other => {
                self.err(
                    format!(
                        "`{key}` in {} must be a list of ids, found {}",
                        e.label,
                        other.type_name()
                    ),
                    Some(&f.value),
                    f.value.span.clone(),
                );
                None
            }
        }
    }

    fn id_ok(&mut self, id: &str, span: &Option<Range<usize>>, what: &str) {
        let valid = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !valid {
            self.diags.push(
                Diagnostic::error(format!("invalid {what} id `{id}`"), span.clone())
                    .with_hint("ids use only letters, digits, `_`, `.` and `-`"),
            );
        }
    }

    fn collection<'a>(&mut self, raw: &'a RawTable, name: &str) -> Vec<&'a RawTable> {
        let Some(f) = raw.get(name) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match &f.value.kind {
            RawKind::Array(items) => {
                for it in items {
                    match &it.kind {
                        RawKind::Table(t) => out.push(t),
                        other => self.err(
                            format!("each entry of `{name}` must be a table, found {}", other.type_name()),
                            Some(it),
                            it.span.clone(),
                        ),
                    }
                }
            }
            other => self.diags.push(
                Diagnostic::error(
                    format!("`{name}` must be an array of tables, found {}", other.type_name()),
                    f.key_span.clone(),
                )
                .with_hint(format!("write each entry as `[[{name}]]`")),
            ),
        }
        out
    }

    fn run(&mut self, raw: &RawTable) -> Option<Instance> {
        for f in &raw.fields {
            if f.key != "meta" && !COLLECTIONS.contains(&f.key.as_str()) {
                let mut d = Diagnostic::error(format!("unknown table `{}`", f.key), f.key_span.clone());
                let all = std::iter::once("meta").chain(COLLECTIONS.iter().copied());
                if let Some(s) = did_you_mean(&f.key, all) {
                    d = d.with_hint(format!("did you mean `{s}`?"));
                }
                self.diags.push(d);
            }
        }
        let meta = self.meta(raw);
        let tables: HashMap<&str, Vec<&RawTable>> = COLLECTIONS.iter().map(|c| (*c, self.collection(raw, c))).collect();

        // Pass 1: ids of every collection that can be referenced.
        let mut ids: HashMap<&str, Ids> = HashMap::new();
        for coll in ["blocs", "countries", "regions", "materials", "tax_regimes"] {
            let ids_of = self.collect_ids(coll, &tables[coll]);
            ids.insert(coll, ids_of);
        }
        for (bid, bspan) in ids["blocs"].names.iter().zip(&ids["blocs"].spans) {
            if ids["countries"].get(bid).is_some() {
                self.diags.push(
                    Diagnostic::error(format!("bloc `{bid}` has the same id as a country"), bspan.clone())
                        .with_hint("tariffs and targets name either; give the bloc a different id"),
                );
            }
        }

        let r = Resolver { ids: &ids };
        let blocs = self.blocs(&tables["blocs"], &r);
        let countries = self.countries(&tables["countries"], &r);
        let regions = self.regions(&tables["regions"], &r);
        let materials = self.materials(&tables["materials"]);
        let tax_regimes = self.tax_regimes(&tables["tax_regimes"], &r);
        let mines = self.mines(&tables["mines"], &r);
        let plants = self.plants(&tables["plants"], &r);
        let imports = self.imports(&tables["imports"], &r, &regions);
        let demands = self.demands(&tables["demands"], &r);
        let lanes = self.lanes(&tables["lanes"], &r);
        let tariffs = self.tariffs(&tables["tariffs"], &r);
        let targets = self.targets(&tables["targets"], &r, &blocs, countries.len());

        let inst = Instance {
            meta: meta?,
            blocs,
            countries,
            regions,
            materials,
            tax_regimes,
            mines,
            plants,
            imports,
            demands,
            lanes,
            tariffs,
            targets,
        };
        if self.diags.iter().any(|d| d.is_error()) {
            return None;
        }
        self.cross_checks(&inst);
        Some(inst)
    }

    fn meta(&mut self, raw: &RawTable) -> Option<Meta> {
        let Some(f) = raw.get("meta") else {
            self.diags.push(
                Diagnostic::error("missing `[meta]` table", Some(0..0)).with_hint("add `[meta]` with `name = \"...\"`"),
            );
            return None;
        };
        let RawKind::Table(t) = &f.value.kind else {
            self.err("`meta` must be a table".into(), Some(&f.value), f.key_span.clone());
            return None;
        };
        let e = Entry {
            table: t,
            label: "`[meta]`".into(),
        };
        self.check_keys("meta", &e);
        let name = self.string(&e, "name");
        let description = self.string(&e, "description").map(|s| s.0);
        let currency = self.string(&e, "currency").map(|s| s.0).unwrap_or_else(|| "USD".into());
        let year = match e.table.get("year") {
            Some(f) => match f.value.kind {
                RawKind::Int(y) => Some(y),
                ref other => {
                    self.err(
                        format!("`year` in `[meta]` must be an integer, found {}", other.type_name()),
                        Some(&f.value),
                        f.value.span.clone(),
                    );
                    None
                }
            },
            None => None,
        };
        if let Some(f) = e.table.get("schema") {
            if f.value.kind != RawKind::Int(1) {
                self.diags.push(
                    Diagnostic::error(
                        "unsupported `schema`: this version reads schema 1",
                        f.value.span.clone(),
                    )
                    .with_hint("write `schema = 1` or remove the key"),
                );
            }
        }
        Some(Meta {
            name: name?.0,
            description,
            currency,
            year,
        })
    }

    fn entries<'a>(
        &mut self,
        coll: &str,
        tables: &[&'a RawTable],
        singular: &str,
    ) -> Vec<(Entry<'a>, Option<Sp<String>>)> {
        tables
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let id = match t.get("id").map(|f| &f.value) {
                    Some(RawValue {
                        kind: RawKind::Str(s),
                        span,
                        ..
                    }) => Some((s.clone(), span.clone())),
                    _ => None,
                };
                let label = match &id {
                    Some((s, _)) => format!("{singular} `{s}`"),
                    None => format!("{coll} entry #{}", i + 1),
                };
                let e = Entry { table: t, label };
                self.check_keys(coll, &e);
                if let (Some((s, span)), "demands" | "lanes" | "tariffs") = (&id, coll) {
                    self.id_ok(s, span, singular);
                }
                (e, id)
            })
            .collect()
    }

    fn collect_ids(&mut self, coll: &str, tables: &[&RawTable]) -> Ids {
        let mut ids = Ids::default();
        for (i, t) in tables.iter().enumerate() {
            match t.get("id").map(|f| &f.value) {
                Some(RawValue {
                    kind: RawKind::Str(s),
                    span,
                    ..
                }) => ids.push(s.clone(), span.clone(), i),
                Some(v) => self.err(
                    format!("`id` in {coll} must be a string, found {}", v.kind.type_name()),
                    Some(v),
                    v.span.clone(),
                ),
                None => {}
            }
        }
        ids
    }

    /// Report duplicates and malformed ids of a collection; `ids` holds (id, span) per entry.
    fn check_ids(&mut self, what: &str, ids: &[Sp<String>]) {
        for (id, span) in ids {
            self.id_ok(id, span, what);
        }
        self.check_unique(what, ids);
    }

    fn check_unique(&mut self, what: &str, ids: &[Sp<String>]) {
        let mut seen: HashMap<&str, &Option<Range<usize>>> = HashMap::new();
        for (id, span) in ids {
            if let Some(first) = seen.get(id.as_str()) {
                let mut d = Diagnostic::error(format!("duplicate {what} id `{id}`"), span.clone());
                if let Some(first) = first {
                    let _ = first;
                    d = d.with_hint(format!(
                        "the first {what} with this id is defined earlier; ids must be unique within `{what}s`"
                    ));
                }
                self.diags.push(d);
            } else {
                seen.insert(id, span);
            }
        }
    }

    fn blocs(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Bloc> {
        let entries = self.entries("blocs", tables, "bloc");
        self.check_ids(
            "bloc",
            &entries.iter().filter_map(|(_, id)| id.clone()).collect::<Vec<_>>(),
        );
        entries
            .iter()
            .map(|(e, id)| {
                let countries = self
                    .string_list(e, "countries")
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|(c, span)| self.resolve(r, "countries", "country", c, span))
                    .collect();
                Bloc {
                    id: id.clone().map(|x| x.0).unwrap_or_default(),
                    name: self.string(e, "name").map(|s| s.0),
                    countries,
                    span: e.table.span.clone(),
                }
            })
            .collect()
    }

    fn resolve(
        &mut self,
        r: &Resolver,
        coll: &str,
        what: &str,
        name: &str,
        span: &Option<Range<usize>>,
    ) -> Option<usize> {
        let ids = &r.ids[coll];
        if let Some(i) = ids.get(name) {
            return Some(i);
        }
        let mut d = Diagnostic::error(format!("unknown {what} `{name}`"), span.clone());
        d = match did_you_mean(name, ids.names.iter().map(|s| s.as_str())) {
            Some(s) => d.with_hint(format!("did you mean `{s}`?")),
            None if ids.names.is_empty() => d.with_hint(format!("no {what} is defined: add a `[[{coll}]]` table")),
            None => d.with_hint(format!("define it in `[[{coll}]]` or use one of the existing ids")),
        };
        self.diags.push(d);
        None
    }

    fn reference(&mut self, e: &Entry, key: &str, r: &Resolver, coll: &str, what: &str) -> Option<usize> {
        let (name, span) = self.string(e, key)?;
        self.resolve(r, coll, what, &name, &span)
    }

    /// A country or bloc id.
    fn party(&mut self, e: &Entry, key: &str, r: &Resolver) -> Option<Party> {
        let (name, span) = self.string(e, key)?;
        self.party_named(r, &name, &span)
    }

    fn party_named(&mut self, r: &Resolver, name: &str, span: &Option<Range<usize>>) -> Option<Party> {
        if let Some(c) = r.ids["countries"].get(name) {
            return Some(Party::Country(c));
        }
        if let Some(b) = r.ids["blocs"].get(name) {
            return Some(Party::Bloc(b));
        }
        let all = r.ids["countries"]
            .names
            .iter()
            .chain(r.ids["blocs"].names.iter())
            .map(|s| s.as_str());
        let mut d = Diagnostic::error(format!("unknown country or bloc `{name}`"), span.clone());
        if let Some(s) = did_you_mean(name, all) {
            d = d.with_hint(format!("did you mean `{s}`?"));
        }
        self.diags.push(d);
        None
    }

    fn countries(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Country> {
        let entries = self.entries("countries", tables, "country");
        self.check_ids(
            "country",
            &entries.iter().filter_map(|(_, id)| id.clone()).collect::<Vec<_>>(),
        );
        entries
            .iter()
            .map(|(e, id)| Country {
                id: id.clone().map(|x| x.0).unwrap_or_default(),
                name: self.string(e, "name").map(|s| s.0),
                tax_regime: e
                    .table
                    .get("tax_regime")
                    .and_then(|_| self.reference(e, "tax_regime", r, "tax_regimes", "tax regime")),
                span: e.table.span.clone(),
            })
            .collect()
    }

    fn regions(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Region> {
        let entries = self.entries("regions", tables, "region");
        self.check_ids(
            "region",
            &entries.iter().filter_map(|(_, id)| id.clone()).collect::<Vec<_>>(),
        );
        entries
            .iter()
            .map(|(e, id)| Region {
                id: id.clone().map(|x| x.0).unwrap_or_default(),
                name: self.string(e, "name").map(|s| s.0),
                country: self
                    .reference(e, "country", r, "countries", "country")
                    .unwrap_or(usize::MAX),
                span: e.table.span.clone(),
            })
            .collect()
    }

    fn materials(&mut self, tables: &[&RawTable]) -> Vec<Material> {
        let entries = self.entries("materials", tables, "material");
        self.check_ids(
            "material",
            &entries.iter().filter_map(|(_, id)| id.clone()).collect::<Vec<_>>(),
        );
        entries
            .iter()
            .map(|(e, id)| Material {
                id: id.clone().map(|x| x.0).unwrap_or_default(),
                name: self.string(e, "name").map(|s| s.0),
                price: self.nonneg(e, "price").unwrap_or(0.0),
                span: e.table.span.clone(),
            })
            .collect()
    }

    fn tax_regimes(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<TaxRegime> {
        let entries = self.entries("tax_regimes", tables, "tax regime");
        self.check_ids(
            "tax regime",
            &entries.iter().filter_map(|(_, id)| id.clone()).collect::<Vec<_>>(),
        );
        entries
            .iter()
            .map(|(e, id)| {
                let mut by_material = Vec::new();
                if let Some(f) = e.table.get("royalty_by_material") {
                    match &f.value.kind {
                        RawKind::Table(t) => {
                            for mf in &t.fields {
                                let m = self.resolve(r, "materials", "material", &mf.key, &mf.key_span);
                                let rate =
                                    self.share_value(&e.label, &format!("royalty_by_material.{}", mf.key), &mf.value);
                                if let (Some(m), Some(rate)) = (m, rate) {
                                    by_material.push((m, rate));
                                }
                            }
                        }
                        other => self.err(
                            format!(
                                "`royalty_by_material` in {} must be a table of material = rate, found {}",
                                e.label,
                                other.type_name()
                            ),
                            Some(&f.value),
                            f.value.span.clone(),
                        ),
                    }
                }
                TaxRegime {
                    id: id.clone().map(|x| x.0).unwrap_or_default(),
                    royalty_rate: self.share(e, "royalty_rate").unwrap_or(0.0),
                    fee_per_t: self.nonneg(e, "fee_per_t").unwrap_or(0.0),
                    income_tax_rate: self.share(e, "income_tax_rate").unwrap_or(0.0),
                    royalty_by_material: by_material,
                    span: e.table.span.clone(),
                }
            })
            .collect()
    }

    fn expansion(&mut self, e: &Entry) -> Option<Expansion> {
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
        };
        self.check_keys("expansion", &sub);
        let max = self.nonneg(&sub, "max");
        let cost = self.nonneg(&sub, "cost");
        Some(Expansion { max: max?, cost: cost? })
    }

    fn mines(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Mine> {
        let entries = self.entries("mines", tables, "mine");
        self.check_ids(
            "mine",
            &entries.iter().filter_map(|(_, id)| id.clone()).collect::<Vec<_>>(),
        );
        entries
            .iter()
            .map(|(e, id)| Mine {
                id: id.clone().map(|x| x.0).unwrap_or_default(),
                name: self.string(e, "name").map(|s| s.0),
                region: self
                    .reference(e, "region", r, "regions", "region")
                    .unwrap_or(usize::MAX),
                material: self
                    .reference(e, "material", r, "materials", "material")
                    .unwrap_or(usize::MAX),
                capacity: self.nonneg(e, "capacity").unwrap_or(0.0),
                cost: self.nonneg(e, "cost").unwrap_or(0.0),
                expansion: self.expansion(e),
                span: e.table.span.clone(),
            })
            .collect()
    }

    fn plants(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Plant> {
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
                    name: self.string(e, "name").map(|s| s.0),
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
                    capacity: self.nonneg(e, "capacity").unwrap_or(0.0),
                    cost: self.nonneg(e, "cost").unwrap_or(0.0),
                    expansion: self.expansion(e),
                    span: e.table.span.clone(),
                }
            })
            .collect()
    }

    fn imports(&mut self, tables: &[&RawTable], r: &Resolver, regions: &[Region]) -> Vec<Import> {
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
                    price: self.nonneg(e, "price").unwrap_or(0.0),
                    origin: origin.unwrap_or(usize::MAX),
                    capacity: e.table.get("capacity").and_then(|_| self.nonneg(e, "capacity")),
                    span: e.table.span.clone(),
                }
            })
            .collect()
    }

    fn demands(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Demand> {
        let entries = self.entries("demands", tables, "demand");
        let mut ids = Vec::new();
        let out = entries
            .iter()
            .map(|(e, id)| {
                let region = self.string(e, "region");
                let material = self.string(e, "material");
                let id = id.clone().or_else(|| match (&region, &material) {
                    (Some((g, gs)), Some((m, _))) => Some((format!("{g}/{m}"), gs.clone())),
                    _ => None,
                });
                if let Some(id) = &id {
                    ids.push(id.clone());
                }
                Demand {
                    id: id.map(|x| x.0).unwrap_or_default(),
                    region: region
                        .and_then(|(g, s)| self.resolve(r, "regions", "region", &g, &s))
                        .unwrap_or(usize::MAX),
                    material: material
                        .and_then(|(m, s)| self.resolve(r, "materials", "material", &m, &s))
                        .unwrap_or(usize::MAX),
                    quantity: self.nonneg(e, "quantity").unwrap_or(0.0),
                    unmet_penalty: e
                        .table
                        .get("unmet_penalty")
                        .and_then(|_| self.nonneg(e, "unmet_penalty")),
                    span: e.table.span.clone(),
                }
            })
            .collect();
        self.check_ids_defaulted("demand", &ids, "REGION/MATERIAL");
        out
    }

    /// Like `check_ids`, with a hint for ids that were generated from other fields.
    fn check_ids_defaulted(&mut self, what: &str, ids: &[Sp<String>], pattern: &str) {
        let before = self.diags.len();
        self.check_unique(what, ids);
        for d in &mut self.diags[before..] {
            if d.message.starts_with("duplicate") {
                d.hint = Some(format!(
                    "two {what}s have the same id (the default id is `{pattern}`); give one an explicit `id`"
                ));
            }
        }
    }

    fn lanes(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Lane> {
        let entries = self.entries("lanes", tables, "lane");
        let mut ids = Vec::new();
        let out = entries
            .iter()
            .map(|(e, id)| {
                let from = self.string(e, "from");
                let to = self.string(e, "to");
                let mode = self.string(e, "mode").map(|m| m.0).unwrap_or_else(|| "road".into());
                let id = id.clone().or_else(|| match (&from, &to) {
                    (Some((f, fs)), Some((t, _))) => Some((format!("{f}->{t}/{mode}"), fs.clone())),
                    _ => None,
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
                    ids.push(id.clone());
                }
                let days = e.table.get("days").and_then(|_| self.nonneg(e, "days"));
                let capacity = e.table.get("capacity").and_then(|_| self.nonneg(e, "capacity"));
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
                    cost: self.nonneg(e, "cost").unwrap_or(0.0),
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

    fn tariffs(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Tariff> {
        let entries = self.entries("tariffs", tables, "tariff");
        let mut ids = Vec::new();
        let out: Vec<Tariff> = entries
            .iter()
            .map(|(e, id)| {
                let importer = self.string(e, "importer");
                let exporter = self.string(e, "exporter");
                let material = self.string(e, "material");
                let mat_name = material.as_ref().map(|m| m.0.clone()).unwrap_or_else(|| "*".into());
                let id = id.clone().or_else(|| match (&importer, &exporter) {
                    (Some((i, is)), Some((x, _))) => Some((format!("{x}->{i}/{mat_name}"), is.clone())),
                    _ => None,
                });
                if let Some(id) = &id {
                    ids.push(id.clone());
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
                    rate: self.share(e, "rate").unwrap_or(0.0),
                    span: e.table.span.clone(),
                }
            })
            .collect();
        self.check_ids_defaulted("tariff", &ids, "EXPORTER->IMPORTER/MATERIAL");
        out
    }

    fn targets(&mut self, tables: &[&RawTable], r: &Resolver, blocs: &[Bloc], n_countries: usize) -> Vec<Target> {
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
                    None => (0..n_countries).filter(|c| !scope_countries.contains(c)).collect(),
                };
                Target {
                    id: id.clone().map(|x| x.0).unwrap_or_default(),
                    name: self.string(e, "name").map(|s| s.0),
                    material: self
                        .reference(e, "material", r, "materials", "material")
                        .unwrap_or(usize::MAX),
                    scope: scope.unwrap_or(Party::Country(usize::MAX)),
                    max_import_share: self.share(e, "max_import_share").unwrap_or(0.0),
                    sources,
                    span: e.table.span.clone(),
                }
            })
            .collect()
    }

    /// Checks that need the whole resolved instance: ambiguous tariffs, targets without
    /// consumption in scope, and the warnings.
    fn cross_checks(&mut self, inst: &Instance) {
        // Ambiguous tariffs: same importer, same material specificity, both exporters of the
        // same kind and overlapping.
        for (i, a) in inst.tariffs.iter().enumerate() {
            for b in &inst.tariffs[i + 1..] {
                if a.importer != b.importer || a.material != b.material {
                    continue;
                }
                let overlap = match (a.exporter, b.exporter) {
                    (Party::Country(x), Party::Country(y)) => x == y,
                    (Party::Bloc(x), Party::Bloc(y)) => inst.blocs[x]
                        .countries
                        .iter()
                        .any(|c| inst.blocs[y].countries.contains(c)),
                    _ => false,
                };
                if overlap {
                    self.diags.push(
                        Diagnostic::error(
                            format!(
                                "ambiguous tariffs `{}` and `{}`: both match the same shipments with equal specificity",
                                a.id, b.id
                            ),
                            b.span.clone(),
                        )
                        .with_hint(
                            "remove one, or make one more specific (a material, or a country instead of a bloc)",
                        ),
                    );
                }
            }
        }
        for t in &inst.targets {
            let scope = inst.party_countries(t.scope);
            let in_scope = |region: usize| scope.contains(&inst.regions[region].country);
            let consumed = inst
                .demands
                .iter()
                .any(|d| d.material == t.material && in_scope(d.region))
                || inst.plants.iter().any(|p| p.input == t.material && in_scope(p.region));
            if !consumed {
                self.diags.push(
                    Diagnostic::error(
                        format!(
                            "target `{}` has nothing to cap: no demand or plant input of `{}` in scope `{}`",
                            t.id,
                            inst.materials[t.material].id,
                            inst.party_id(t.scope)
                        ),
                        t.span.clone(),
                    )
                    .with_hint("check the target's `material` and `scope`"),
                );
            }
        }
        let mut region_used = vec![false; inst.regions.len()];
        for m in &inst.mines {
            region_used[m.region] = true;
        }
        for p in &inst.plants {
            region_used[p.region] = true;
        }
        for i in &inst.imports {
            region_used[i.region] = true;
        }
        for d in &inst.demands {
            region_used[d.region] = true;
        }
        for l in &inst.lanes {
            region_used[l.from] = true;
            region_used[l.to] = true;
        }
        for (r, used) in inst.regions.iter().zip(&region_used) {
            if !used {
                self.diags.push(
                    Diagnostic::warning(
                        format!("region `{}` has no facility, offer, demand or lane", r.id),
                        r.span.clone(),
                    )
                    .with_hint("connect it with a `[[lanes]]` entry or remove it"),
                );
            }
        }
        for (mi, m) in inst.materials.iter().enumerate() {
            let used = inst.demands.iter().any(|d| d.material == mi) || inst.plants.iter().any(|p| p.input == mi);
            if !used {
                self.diags.push(
                    Diagnostic::warning(
                        format!("material `{}` is neither demanded nor processed", m.id),
                        m.span.clone(),
                    )
                    .with_hint("its mines and offers will stay idle; add a demand or a plant that uses it"),
                );
            }
        }
    }
}

#[derive(Default)]
struct Ids {
    names: Vec<String>,
    spans: Vec<Option<Range<usize>>>,
    index: HashMap<String, usize>,
}

impl Ids {
    fn push(&mut self, name: String, span: Option<Range<usize>>, entry: usize) {
        self.index.entry(name.clone()).or_insert(entry);
        self.names.push(name);
        self.spans.push(span);
    }
    fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

struct Resolver<'a> {
    ids: &'a HashMap<&'a str, Ids>,
}
