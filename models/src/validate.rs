//! From the raw tree to a validated [`Instance`], collecting every diagnostic on the way.
//!
//! The checks are those of section 2 of the model contract: unknown and missing keys, wrong
//! types, duplicate and malformed ids, dangling references (with near-miss suggestions),
//! non-finite and negative numbers, shares and rates outside [0, 1], non-positive yields,
//! lanes from a region to itself, ambiguous tariffs and targets without consumption in
//! their scope. Warnings (unused regions and materials) are kept apart from errors, and only
//! computed for an instance without errors.
//!
//! Every error is collected, not only the first: the checks that need the whole instance
//! (tariffs, targets) run on whatever resolved, so a typo elsewhere does not hide them.
//! Every error carries a span into the source (tables without a header of their own point
//! at the key that names them), and validation never panics, whatever the input
//! (`tests/mutations.rs` feeds it thousands of damaged instances).

use crate::diag::{did_you_mean, Diagnostic};
use crate::instance::*;
use crate::raw::{RawField, RawKind, RawTable, RawValue};
use std::collections::HashMap;
use std::ops::Range;

/// The id look-ups, hashed with foldhash: SipHash's resistance to chosen keys buys nothing
/// for ids read from the user's own file, and cost 5% of validating a large instance.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

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
    name_overrides(raw, &mut diagnostics);
    // Stable order: errors first, then by position in the file.
    diagnostics.sort_by(|a, b| {
        (a.severity, a.span.as_ref().map(|s| s.start)).cmp(&(b.severity, b.span.as_ref().map(|s| s.start)))
    });
    Validated {
        instance: if has_error { None } else { instance },
        diagnostics,
    }
}

/// A diagnostic located in a value that an override replaced names the override. The new
/// value keeps the location of the one it replaced, so without the name a reader would see
/// the file's old text under the message (an unknown region `MX-ZAQ` pointing at
/// `region = "MX-ZAC"`). Checks that name it themselves are left as they are.
fn name_overrides(raw: &RawTable, diagnostics: &mut [Diagnostic]) {
    if diagnostics.iter().all(|d| d.origin.is_some() || d.span.is_none()) {
        return;
    }
    fn overridden<'a>(t: &'a RawTable, out: &mut Vec<(&'a Range<usize>, &'a String)>) {
        fn value<'a>(v: &'a RawValue, out: &mut Vec<(&'a Range<usize>, &'a String)>) {
            if let (Some(span), Some(origin)) = (&v.span, &v.origin) {
                out.push((span, origin));
            }
            match &v.kind {
                RawKind::Table(t) => overridden(t, out),
                RawKind::Array(items) => items.iter().for_each(|i| value(i, out)),
                _ => {}
            }
        }
        t.fields.iter().for_each(|f| value(&f.value, out));
    }
    let mut replaced = Vec::new();
    overridden(raw, &mut replaced);
    for d in diagnostics.iter_mut().filter(|d| d.origin.is_none()) {
        let Some(s) = &d.span else { continue };
        if let Some((_, origin)) = replaced.iter().find(|(r, _)| r.start <= s.start && s.end <= r.end) {
            d.origin = Some((*origin).clone());
        }
    }
}

#[derive(Default)]
struct Validator {
    diags: Vec<Diagnostic>,
    /// Collections present in the file but not as an array of tables. References into them
    /// are not reported: the one error on the collection says it all.
    broken: Vec<&'static str>,
}

/// Accessor over one table that reports unknown, missing and mistyped keys.
struct Entry<'a> {
    table: &'a RawTable,
    /// e.g. "mine `penasquito`" or "mines entry #3"
    label: String,
    /// Where to point for problems of the table as a whole: its header, or, for tables
    /// that have none (dotted keys such as `expansion.max = 5`, implicit parents such as
    /// `[meta]` in `[meta.extra]`), the key that names it.
    span: Option<Range<usize>>,
}

type Sp<T> = (T, Option<Range<usize>>);

impl Validator {
    fn err(&mut self, msg: String, value: Option<&RawValue>, span: Option<Range<usize>>) {
        let origin = value.and_then(|v| v.origin.clone());
        self.diags.push(Diagnostic::error(msg, span).with_origin(origin));
    }

    fn check_keys(&mut self, collection: &str, entry: &Entry) {
        let (required, optional) = schema(collection);
        let allowed = || required.iter().chain(optional.iter()).copied();
        // A misspelt required key (`capcity`) is one mistake: report the unknown key with its
        // suggestion and do not also report the required key as missing.
        let mut suggested = Vec::new();
        for f in &entry.table.fields {
            if !allowed().any(|k| k == f.key) {
                let d = Diagnostic::error(
                    format!("unknown key `{}` in {}", f.key, entry.label),
                    f.key_span.clone().or_else(|| entry.span.clone()),
                );
                let d = match did_you_mean(&f.key, allowed().filter(|k| entry.table.get(k).is_none())) {
                    Some(s) => {
                        suggested.push(s);
                        d.with_hint(format!("did you mean `{s}`?"))
                    }
                    None => d.with_hint(format!("allowed keys: {}", allowed().collect::<Vec<_>>().join(", "))),
                };
                self.diags.push(d);
            }
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|k| entry.table.get(k).is_none() && !suggested.contains(k))
            .collect();
        if let Some(last) = missing.last() {
            let (msg, hint) = match missing.len() {
                1 => (
                    format!("missing required key `{last}` in {}", entry.label),
                    format!("add `{last} = ...` to this table"),
                ),
                n => {
                    let list = missing[..n - 1]
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    (
                        format!("missing required keys {list} and `{last}` in {}", entry.label),
                        format!("add {list} and `{last}` to this table"),
                    )
                }
            };
            self.diags
                .push(Diagnostic::error(msg, entry.span.clone()).with_hint(hint));
        }
    }

    fn field<'a>(&self, e: &Entry<'a>, key: &str) -> Option<&'a RawField> {
        e.table.get(key)
    }

    fn string(&mut self, e: &Entry, key: &str) -> Option<Sp<SmolStr>> {
        let f = self.field(e, key)?;
        match &f.value.kind {
            RawKind::Str(s) => Some((s.clone(), f.value.span.clone())),
            other => {
                let mut d = Diagnostic::error(
                    format!("`{key}` in {} must be a string, found {}", e.label, other.type_name()),
                    f.value.span.clone(),
                )
                .with_origin(f.value.origin.clone());
                if let RawKind::Int(_) | RawKind::Float(_) | RawKind::Bool(_) = other {
                    d = d.with_hint("put the value in double quotes");
                }
                self.diags.push(d);
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
                let mut d = Diagnostic::error(
                    format!("`{key}` in {label} must be a number, found {}", other.type_name()),
                    v.span.clone(),
                )
                .with_origin(v.origin.clone());
                if let RawKind::Str(s) = other {
                    // Not `"nan"` or `"inf"`: Rust parses those, TOML numbers must not be them.
                    if s.trim().replace('_', "").parse::<f64>().is_ok_and(f64::is_finite) {
                        d = d.with_hint(format!("remove the quotes: `{key} = {}`", s.trim()));
                    }
                }
                self.diags.push(d);
                return None;
            }
        };
        if !x.is_finite() {
            let hint = if x == f64::INFINITY && key == "capacity" {
                "for an unlimited capacity leave `capacity` out (import offers and lanes only)"
            } else {
                "write a finite number"
            };
            self.diags.push(
                Diagnostic::error(
                    format!("`{key}` in {label} must be a finite number, found {x}"),
                    v.span.clone(),
                )
                .with_origin(v.origin.clone())
                .with_hint(hint),
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
                format!(
                    "shares and rates are fractions of 1, not percentages: {x}% is written {}",
                    x / 100.0
                )
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
    fn string_list(&mut self, e: &Entry, key: &str) -> Option<Vec<Sp<SmolStr>>> {
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

    /// Check an explicit id against `[A-Za-z0-9_.-]+`. Default ids (`REGION/MATERIAL`,
    /// `FROM->TO/MODE`, ...) are built from other ids and are never passed here.
    fn id_ok(&mut self, id: &str, span: &Option<Range<usize>>, what: &str) {
        if id.is_empty() {
            self.diags.push(
                Diagnostic::error(format!("empty {what} id"), span.clone())
                    .with_hint("ids use only letters, digits, `_`, `.` and `-`"),
            );
            return;
        }
        if let Some(bad) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || "_.-".contains(*c))) {
            let hint = if bad == '/' || bad == '>' {
                "ids use only letters, digits, `_`, `.` and `-`; `/` and `->` are kept for default ids: \
                 leave `id` out to get one"
            } else {
                "ids use only letters, digits, `_`, `.` and `-`"
            };
            self.diags.push(
                Diagnostic::error(
                    format!("invalid {what} id `{id}`: `{bad}` is not allowed"),
                    span.clone(),
                )
                .with_hint(hint),
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
            other => {
                if let Some(c) = COLLECTIONS.iter().find(|c| **c == name) {
                    self.broken.push(c);
                }
                self.diags.push(
                    Diagnostic::error(
                        format!("`{name}` must be an array of tables, found {}", other.type_name()),
                        f.key_span.clone().or_else(|| f.value.span.clone()),
                    )
                    .with_hint(format!("write each entry as `[[{name}]]`")),
                )
            }
        }
        out
    }

    fn run(&mut self, raw: &RawTable) -> Option<Instance> {
        for f in &raw.fields {
            if f.key != "meta" && !COLLECTIONS.contains(&f.key.as_str()) {
                let is_table = match &f.value.kind {
                    RawKind::Table(_) => true,
                    RawKind::Array(items) => {
                        !items.is_empty() && items.iter().all(|i| matches!(i.kind, RawKind::Table(_)))
                    }
                    _ => false,
                };
                let what = if is_table { "table" } else { "top-level key" };
                let mut d = Diagnostic::error(
                    format!("unknown {what} `{}`", f.key),
                    f.key_span.clone().or_else(|| f.value.span.clone()),
                );
                let all = std::iter::once("meta").chain(COLLECTIONS.iter().copied());
                d = match did_you_mean(&f.key, all) {
                    Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                    None if !is_table && {
                        let (req, opt) = schema("meta");
                        req.iter().chain(opt).any(|k| *k == f.key)
                    } =>
                    {
                        d.with_hint(format!(
                            "keys above the first `[table]` header belong to no table; move `{}` under `[meta]`",
                            f.key
                        ))
                    }
                    None => d.with_hint(format!(
                        "the tables of an instance are `[meta]` and {}",
                        COLLECTIONS
                            .iter()
                            .map(|c| format!("`[[{c}]]`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                };
                self.diags.push(d);
            }
        }
        let meta = self.meta(raw);
        let tables: HashMap<&str, Vec<&RawTable>> = COLLECTIONS.iter().map(|c| (*c, self.collection(raw, c))).collect();

        // Pass 1: ids of every collection that can be referenced.
        let mut ids: HashMap<&str, Ids> = HashMap::new();
        for coll in ["blocs", "countries", "regions", "materials", "tax_regimes"] {
            let ids_of = self.collect_ids(&tables[coll]);
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
            meta: meta.unwrap_or_else(|| Meta {
                name: String::new(),
                description: None,
                currency: "USD".into(),
                year: None,
            }),
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
        // The cross checks run even when there are errors already (every error is reported,
        // not only the first ones), on the references that did resolve.
        self.cross_checks(&inst);
        if self.diags.iter().any(|d| d.is_error()) {
            return None;
        }
        self.warnings(&inst);
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
            self.diags.push(
                Diagnostic::error(
                    format!("`meta` must be a table, found {}", f.value.kind.type_name()),
                    f.key_span.clone().or_else(|| f.value.span.clone()),
                )
                .with_hint("write one `[meta]` table (single brackets) with `name = \"...\"`"),
            );
            return None;
        };
        let e = Entry {
            table: t,
            label: "`[meta]`".into(),
            span: t.span.clone().or_else(|| f.key_span.clone()),
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
                    if let Some(d) = self.diags.last_mut() {
                        d.hint = Some("write the year as a whole number, e.g. `year = 2025`".into());
                    }
                    None
                }
            },
            None => None,
        };
        if let Some(f) = e.table.get("schema") {
            let msg = match &f.value.kind {
                RawKind::Int(1) => None,
                RawKind::Int(n) => Some(format!("unsupported schema {n}: this version reads schema 1")),
                other => Some(format!(
                    "`schema` in `[meta]` must be the integer 1, found {}",
                    other.type_name()
                )),
            };
            if let Some(msg) = msg {
                self.diags.push(
                    Diagnostic::error(msg, f.value.span.clone())
                        .with_origin(f.value.origin.clone())
                        .with_hint("write `schema = 1` or remove the key"),
                );
            }
        }
        Some(Meta {
            name: name?.0.to_string(),
            description: description.map(|d| d.to_string()),
            currency: currency.to_string(),
            year,
        })
    }

    fn entries<'a>(
        &mut self,
        coll: &str,
        tables: &[&'a RawTable],
        singular: &str,
    ) -> Vec<(Entry<'a>, Option<Sp<SmolStr>>)> {
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
                    Some(v) => {
                        let mut d = Diagnostic::error(
                            format!(
                                "`id` in {coll} entry #{} must be a string, found {}",
                                i + 1,
                                v.kind.type_name()
                            ),
                            v.span.clone(),
                        )
                        .with_origin(v.origin.clone());
                        if let RawKind::Int(_) | RawKind::Float(_) | RawKind::Bool(_) = v.kind {
                            d = d.with_hint("put the id in double quotes");
                        }
                        self.diags.push(d);
                        None
                    }
                    None => None,
                };
                let label = match (&id, default_id(coll, t)) {
                    (Some((s, _)), _) => format!("{singular} `{s}`"),
                    (None, Some(s)) => format!("{singular} `{s}`"),
                    (None, None) => format!("{coll} entry #{}", i + 1),
                };
                let e = Entry {
                    table: t,
                    label,
                    span: t.span.clone(),
                };
                self.check_keys(coll, &e);
                if let (Some((s, span)), "demands" | "lanes" | "tariffs") = (&id, coll) {
                    self.id_ok(s, span, singular);
                }
                (e, id)
            })
            .collect()
    }

    /// The ids of a collection that other entries reference (type errors are reported by
    /// `entries`).
    fn collect_ids(&mut self, tables: &[&RawTable]) -> Ids {
        let mut ids = Ids::default();
        ids.index.reserve(tables.len());
        for (i, t) in tables.iter().enumerate() {
            if let Some(RawValue {
                kind: RawKind::Str(s),
                span,
                ..
            }) = t.get("id").map(|f| &f.value)
            {
                ids.push(s.clone(), span.clone(), i);
            }
        }
        ids
    }

    /// Report duplicates and malformed ids of a collection; `ids` holds (id, span) per entry.
    fn check_ids(&mut self, what: &str, ids: &[Sp<SmolStr>]) {
        for (id, span) in ids {
            self.id_ok(id, span, what);
        }
        self.check_unique(what, ids);
    }

    /// Report every id seen before, at its second (third, ...) occurrence, with a note
    /// pointing at the first.
    fn check_unique(&mut self, what: &str, ids: &[Sp<SmolStr>]) {
        let ids: Vec<(Sp<SmolStr>, bool)> = ids.iter().map(|id| (id.clone(), false)).collect();
        self.check_ids_defaulted(what, &ids, "");
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
                    name: self.string(e, "name").map(|s| s.0.to_string()),
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
        if self.broken.contains(&coll) {
            return None;
        }
        let mut d = Diagnostic::error(format!("unknown {what} `{name}`"), span.clone());
        d = match (
            r.kind_of(name, &[coll]),
            did_you_mean(name, ids.names.iter().map(|s| s.as_str())),
        ) {
            (Some(other), _) => d.with_hint(format!("`{name}` is {other}, not a {what}")),
            (None, Some(s)) => d.with_hint(format!("did you mean `{s}`?")),
            (None, None) if ids.names.is_empty() => {
                d.with_hint(format!("no {what} is defined: add a `[[{coll}]]` table"))
            }
            (None, None) => d.with_hint(format!(
                "define it in `[[{coll}]]` or use one of the existing ids: {}",
                r.list(coll)
            )),
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
        if self.broken.contains(&"countries") || self.broken.contains(&"blocs") {
            return None;
        }
        let all = r.ids["countries"]
            .names
            .iter()
            .chain(r.ids["blocs"].names.iter())
            .map(|s| s.as_str());
        let mut d = Diagnostic::error(format!("unknown country or bloc `{name}`"), span.clone());
        d = match (r.kind_of(name, &["countries", "blocs"]), did_you_mean(name, all)) {
            (Some(other), _) => d.with_hint(format!("`{name}` is {other}; name a country or a bloc here")),
            (None, Some(s)) => d.with_hint(format!("did you mean `{s}`?")),
            (None, None) => d.with_hint(format!(
                "define it in `[[countries]]` or `[[blocs]]`; countries: {}; blocs: {}",
                r.list("countries"),
                r.list("blocs")
            )),
        };
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
                name: self.string(e, "name").map(|s| s.0.to_string()),
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
                name: self.string(e, "name").map(|s| s.0.to_string()),
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
                name: self.string(e, "name").map(|s| s.0.to_string()),
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
            span: t.span.clone().or_else(|| f.key_span.clone()),
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
                name: self.string(e, "name").map(|s| s.0.to_string()),
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
                let defaulted = id.is_none();
                let id = id.clone().or_else(|| match (&region, &material) {
                    (Some((g, gs)), Some((m, _))) => Some((format!("{g}/{m}").into(), gs.clone())),
                    _ => None,
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

    /// Duplicates among ids some of which were generated from other fields after `pattern`;
    /// `ids` holds ((id, span), defaulted) per entry.
    fn check_ids_defaulted(&mut self, what: &str, ids: &[(Sp<SmolStr>, bool)], pattern: &str) {
        let mut seen: FastMap<&str, &Option<Range<usize>>> =
            FastMap::with_capacity_and_hasher(ids.len(), Default::default());
        for ((id, span), defaulted) in ids {
            let Some(first) = seen.get(id.as_str()) else {
                seen.insert(id, span);
                continue;
            };
            let hint = match (*defaulted, what) {
                (true, "tariff") => format!(
                    "two tariffs with the same importer, exporter and material (default id `{pattern}`); keep one"
                ),
                (true, _) => {
                    format!("without an `id` a {what} is named `{pattern}`; give one of the two an explicit `id`")
                }
                (false, _) => format!("ids must be unique among the {}; rename or remove one", plural(what)),
            };
            self.diags.push(
                Diagnostic::error(format!("duplicate {what} id `{id}`"), span.clone())
                    .with_related(format!("{what} `{id}` is first defined"), (*first).clone())
                    .with_hint(hint),
            );
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
                let defaulted = id.is_none();
                let id = id.clone().or_else(|| match (&from, &to) {
                    (Some((f, fs)), Some((t, _))) => Some((format!("{f}->{t}/{mode}").into(), fs.clone())),
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
                    ids.push((id.clone(), defaulted));
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
                let defaulted = id.is_none();
                let id = id.clone().or_else(|| match (&importer, &exporter) {
                    (Some((i, is)), Some((x, _))) => Some((format!("{x}->{i}/{mat_name}").into(), is.clone())),
                    _ => None,
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
                    name: self.string(e, "name").map(|s| s.0.to_string()),
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

    /// Checks that need the whole resolved instance: ambiguous tariffs and targets without
    /// consumption in their scope. They also run when other errors were found, so they skip
    /// whatever did not resolve (index `usize::MAX`) rather than guess.
    fn cross_checks(&mut self, inst: &Instance) {
        let ok = |i: usize, len: usize| i < len;
        let party_ok = |p: Party| match p {
            Party::Country(c) => ok(c, inst.countries.len()),
            Party::Bloc(b) => ok(b, inst.blocs.len()),
        };
        // Ambiguous tariffs: same importer, same material (or both `*`), exporters of the same
        // kind (two countries, or two blocs) that share a country other than the importer
        // (a shipment inside one country pays no tariff).
        for (i, a) in inst.tariffs.iter().enumerate() {
            if !ok(a.importer, inst.countries.len()) || !party_ok(a.exporter) || a.material == Some(usize::MAX) {
                continue;
            }
            for b in &inst.tariffs[i + 1..] {
                if a.importer != b.importer || a.material != b.material || !party_ok(b.exporter) {
                    continue;
                }
                let overlap = match (a.exporter, b.exporter) {
                    (Party::Country(x), Party::Country(y)) => x == y,
                    (Party::Bloc(x), Party::Bloc(y)) => inst.blocs[x]
                        .countries
                        .iter()
                        .any(|c| *c != a.importer && inst.blocs[y].countries.contains(c)),
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
                        .with_related(format!("tariff `{}` is defined", a.id), a.span.clone())
                        .with_hint(
                            "remove one, or make one more specific (a material, or a country instead of a bloc)",
                        ),
                    );
                }
            }
        }
        // A target's consumption is only known when every demand and plant resolved.
        let consumers_resolved = inst.demands.iter().all(|d| {
            ok(d.material, inst.materials.len())
                && ok(d.region, inst.regions.len())
                && ok(inst.regions[d.region].country, inst.countries.len())
        }) && inst.plants.iter().all(|p| {
            ok(p.input, inst.materials.len())
                && ok(p.region, inst.regions.len())
                && ok(inst.regions[p.region].country, inst.countries.len())
        });
        for t in &inst.targets {
            if !consumers_resolved || !ok(t.material, inst.materials.len()) || !party_ok(t.scope) {
                continue;
            }
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
    }

    /// Warnings, on an instance without errors: regions and materials nothing uses.
    fn warnings(&mut self, inst: &Instance) {
        // The contract's "a region with no facility and no lane": a region with only a demand
        // is worse than idle (nothing can serve it), so it gets its own message.
        let mut supplied = vec![false; inst.regions.len()];
        let mut demanded = vec![false; inst.regions.len()];
        for m in &inst.mines {
            supplied[m.region] = true;
        }
        for p in &inst.plants {
            supplied[p.region] = true;
        }
        for i in &inst.imports {
            supplied[i.region] = true;
        }
        for l in &inst.lanes {
            supplied[l.from] = true;
            supplied[l.to] = true;
        }
        for d in &inst.demands {
            demanded[d.region] = true;
        }
        for (ri, r) in inst.regions.iter().enumerate() {
            if supplied[ri] {
                continue;
            }
            let d = if demanded[ri] {
                Diagnostic::warning(
                    format!("region `{}` has demand but no facility and no lane", r.id),
                    r.span.clone(),
                )
                .with_hint("nothing can reach its demand: add a `[[lanes]]` entry into it or a facility in it")
            } else {
                Diagnostic::warning(format!("region `{}` has no facility and no lane", r.id), r.span.clone())
                    .with_hint("connect it with a `[[lanes]]` entry, or remove it")
            };
            self.diags.push(d);
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

/// The id an entry without `id` gets, as far as its fields are strings: `REGION/MATERIAL`
/// for demands, `FROM->TO/MODE` for lanes, `EXPORTER->IMPORTER/MATERIAL` for tariffs.
fn default_id(coll: &str, t: &RawTable) -> Option<String> {
    let s = |key: &str| match t.get(key).map(|f| &f.value.kind) {
        Some(RawKind::Str(v)) => Some(v.as_str()),
        _ => None,
    };
    match coll {
        "demands" => Some(format!("{}/{}", s("region")?, s("material")?)),
        "lanes" => Some(format!(
            "{}->{}/{}",
            s("from")?,
            s("to")?,
            if t.get("mode").is_some() { s("mode")? } else { "road" }
        )),
        "tariffs" => Some(format!(
            "{}->{}/{}",
            s("exporter")?,
            s("importer")?,
            if t.get("material").is_some() {
                s("material")?
            } else {
                "*"
            }
        )),
        _ => None,
    }
}

/// "country" -> "countries", "mine" -> "mines".
fn plural(what: &str) -> String {
    match what.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{what}s"),
    }
}

#[derive(Default)]
struct Ids {
    names: Vec<SmolStr>,
    spans: Vec<Option<Range<usize>>>,
    index: FastMap<SmolStr, usize>,
}

impl Ids {
    fn push(&mut self, name: SmolStr, span: Option<Range<usize>>, entry: usize) {
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

impl Resolver<'_> {
    /// What `name` is when it is the id of an entry of another collection than `except`
    /// (e.g. "a country" for `US` written where a region is expected).
    fn kind_of(&self, name: &str, except: &[&str]) -> Option<&'static str> {
        [
            ("regions", "a region"),
            ("countries", "a country"),
            ("blocs", "a bloc"),
            ("materials", "a material"),
            ("tax_regimes", "a tax regime"),
        ]
        .into_iter()
        .find(|(coll, _)| !except.contains(coll) && self.ids.get(coll).is_some_and(|ids| ids.get(name).is_some()))
        .map(|(_, what)| what)
    }

    /// The ids of a collection for a hint, shortened when there are many.
    fn list(&self, coll: &str) -> String {
        let mut names: Vec<&str> = Vec::new();
        for n in self.ids.get(coll).map(|i| i.names.as_slice()).unwrap_or_default() {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
        if names.is_empty() {
            return "(none)".into();
        }
        let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
        match names.len() {
            n if n > 8 => format!("{}, ... ({n} in all)", shown.join(", ")),
            _ => shown.join(", "),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::{line_col, Diagnostic};
    use crate::load_str;

    const BASE: &str = r#"[meta]
name = "unit"

[[blocs]]
id = "usmca"
countries = ["US", "MX"]

[[countries]]
id = "US"
[[countries]]
id = "MX"
tax_regime = "mx"
[[countries]]
id = "CN"

[[tax_regimes]]
id = "mx"
royalty_rate = 0.075

[[regions]]
id = "US-TX"
country = "US"
[[regions]]
id = "MX-ZAC"
country = "MX"

[[materials]]
id = "silver"
price = 900000

[[mines]]
id = "penasquito"
region = "MX-ZAC"
material = "silver"
capacity = 100
cost = 5000

[[demands]]
region = "US-TX"
material = "silver"
quantity = 50

[[lanes]]
from = "MX-ZAC"
to = "US-TX"
cost = 40
mode = "rail"

[[tariffs]]
importer = "US"
exporter = "CN"
rate = 0.1

[[targets]]
id = "ag_cap"
material = "silver"
scope = "usmca"
max_import_share = 0.5
"#;

    /// BASE with the first occurrence of `old` replaced by `new`.
    fn with(old: &str, new: &str) -> String {
        assert!(BASE.contains(old), "`{old}` not in BASE");
        BASE.replacen(old, new, 1)
    }

    fn errors(src: &str) -> Vec<Diagnostic> {
        let v = load_str(src);
        let errors: Vec<Diagnostic> = v.diagnostics.into_iter().filter(|d| d.is_error()).collect();
        assert_eq!(v.instance.is_none(), !errors.is_empty());
        errors
    }

    fn line_of(src: &str, d: &Diagnostic) -> usize {
        d.line_col(src).expect("located").0
    }

    #[test]
    fn base_is_valid_without_warnings() {
        let v = load_str(BASE);
        assert!(v.diagnostics.is_empty(), "{:?}", v.diagnostics);
        let inst = v.instance.unwrap();
        assert_eq!(inst.lanes[0].id, "MX-ZAC->US-TX/rail");
        assert_eq!(inst.tariffs[0].id, "CN->US/*");
    }

    #[test]
    fn default_ids_are_not_checked_against_the_id_pattern() {
        // `US-TX/silver`, `MX-ZAC->US-TX/rail` and `CN->US/*` contain `/`, `>` and `*`.
        let v = load_str(BASE);
        assert_eq!(v.instance.unwrap().demands[0].id, "US-TX/silver");
    }

    #[test]
    fn explicit_id_with_a_slash_is_rejected_with_a_hint_about_default_ids() {
        let src = with("[[demands]]\n", "[[demands]]\nid = \"US-TX/silver\"\n");
        let e = errors(&src);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].message.contains("invalid demand id `US-TX/silver`"));
        assert!(e[0].hint.as_deref().unwrap().contains("leave `id` out"));
    }

    #[test]
    fn duplicate_id_points_at_the_second_occurrence_and_notes_the_first() {
        let src = with("[[demands]]", "[[mines]]\nid = \"penasquito\"\nregion = \"MX-ZAC\"\nmaterial = \"silver\"\ncapacity = 1\ncost = 1\n\n[[demands]]");
        let e = errors(&src);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].message, "duplicate mine id `penasquito`");
        let first = src.find("id = \"penasquito\"").unwrap();
        let second = src.rfind("id = \"penasquito\"").unwrap();
        assert_eq!(line_of(&src, &e[0]), line_col(&src, second).0);
        assert_eq!(e[0].related.len(), 1);
        assert_eq!(line_col(&src, e[0].related[0].span.start).0, line_col(&src, first).0);
        let out = e[0].render("f.toml", &src);
        assert!(
            out.contains(&format!("first defined at f.toml:{}:", line_col(&src, first).0)),
            "{out}"
        );
    }

    #[test]
    fn duplicate_default_demand_ids_are_reported() {
        let src = with(
            "[[lanes]]",
            "[[demands]]\nregion = \"US-TX\"\nmaterial = \"silver\"\nquantity = 1\n\n[[lanes]]",
        );
        let e = errors(&src);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].message, "duplicate demand id `US-TX/silver`");
        assert!(e[0].hint.as_deref().unwrap().contains("explicit `id`"));
    }

    #[test]
    fn non_string_id_in_mines_was_silently_accepted() {
        let e = errors(&with("id = \"penasquito\"", "id = 5"));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].message.contains("`id` in mines entry #1 must be a string"),
            "{e:?}"
        );
    }

    #[test]
    fn royalty_by_material_naming_an_unknown_material_is_reported() {
        let e = errors(&with("royalty_rate = 0.075", "royalty_by_material = { silvr = 0.01 }"));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].message, "unknown material `silvr`");
        assert_eq!(e[0].hint.as_deref(), Some("did you mean `silver`?"));
    }

    #[test]
    fn year_must_be_an_integer() {
        for bad in ["2025.0", "\"2025\""] {
            let e = errors(&with("name = \"unit\"", &format!("name = \"unit\"\nyear = {bad}")));
            assert_eq!(e.len(), 1, "{e:?}");
            assert!(e[0].message.starts_with("`year` in `[meta]` must be an integer"));
        }
        let v = load_str(&with("name = \"unit\"", "name = \"unit\"\nyear = 2025"));
        assert_eq!(v.instance.unwrap().meta.year, Some(2025));
    }

    #[test]
    fn schema_other_than_1_is_rejected() {
        let e = errors(&with("name = \"unit\"", "name = \"unit\"\nschema = 2"));
        assert_eq!(e[0].message, "unsupported schema 2: this version reads schema 1");
        let e = errors(&with("name = \"unit\"", "name = \"unit\"\nschema = \"1\""));
        assert!(e[0].message.contains("must be the integer 1"), "{e:?}");
    }

    #[test]
    fn a_misspelt_required_key_is_one_error_not_two() {
        let e = errors(&with("capacity = 100", "capcity = 100"));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].message, "unknown key `capcity` in mine `penasquito`");
        assert_eq!(e[0].hint.as_deref(), Some("did you mean `capacity`?"));
    }

    #[test]
    fn missing_keys_of_one_table_are_one_error() {
        let e = errors(&with("capacity = 100\ncost = 5000\n", ""));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            e[0].message,
            "missing required keys `capacity` and `cost` in mine `penasquito`"
        );
    }

    #[test]
    fn errors_in_dotted_key_tables_had_no_location() {
        let src = with("cost = 5000", "cost = 5000\nexpansion.max = 10");
        let e = errors(&src);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].message.contains("missing required key `cost` in the expansion"));
        assert_eq!(
            line_of(&src, &e[0]),
            line_col(&src, src.find("expansion.max").unwrap()).0
        );

        let src = with("[meta]\nname = \"unit\"", "[meta.extra]\nx = 1");
        for d in errors(&src) {
            assert!(d.span.is_some(), "{d:?}");
        }
        let src = with("royalty_rate = 0.075", "royalty_by_material = { silver.x = 0.1 }");
        for d in errors(&src) {
            assert!(d.span.is_some(), "{d:?}");
        }
    }

    #[test]
    fn target_without_consumption_was_not_reported_alongside_other_errors() {
        let src = with("max_import_share = 0.5", "max_import_share = 0.5\nsources = \"CN\"")
            .replacen("scope = \"usmca\"", "scope = \"CN\"", 1)
            .replacen("cost = 5000", "cost = -1", 1);
        let e = errors(&src);
        let msgs: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(e.len(), 2, "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("must not be negative")));
        assert!(msgs.iter().any(|m| m.contains("target `ag_cap` has nothing to cap")));
    }

    #[test]
    fn target_check_does_not_guess_when_a_demand_did_not_resolve() {
        // The demand's material is misspelt: the target may well have consumption, so only
        // the unknown material is reported.
        let src = with("material = \"silver\"\nquantity", "material = \"silvre\"\nquantity");
        let e = errors(&src);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].message, "unknown material `silvre`");
    }

    #[test]
    fn equally_specific_tariffs_are_ambiguous_and_name_both() {
        let src = with(
            "[[targets]]",
            "[[tariffs]]\nid = \"t2\"\nimporter = \"US\"\nexporter = \"CN\"\nrate = 0.2\n\n[[targets]]",
        );
        let e = errors(&src);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].message.contains("`CN->US/*` and `t2`"), "{e:?}");
        assert_eq!(e[0].related.len(), 1);
    }

    #[test]
    fn blocs_that_share_only_the_importer_are_not_ambiguous() {
        let src = with(
            "[[targets]]",
            "[[blocs]]\nid = \"pacific\"\ncountries = [\"US\", \"CN\"]\n\
             [[tariffs]]\nimporter = \"US\"\nexporter = \"usmca\"\nrate = 0\n\
             [[tariffs]]\nimporter = \"US\"\nexporter = \"pacific\"\nrate = 0.2\n\n[[targets]]",
        );
        assert!(errors(&src).is_empty());
        let overlapping = src.replacen("countries = [\"US\", \"CN\"]", "countries = [\"MX\", \"CN\"]", 1);
        let e = errors(&overlapping);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].message.starts_with("ambiguous tariffs"));
    }

    #[test]
    fn a_collection_written_as_one_table_does_not_cascade() {
        let e = errors(&with("[[materials]]", "[materials]"));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].message, "`materials` must be an array of tables, found a table");
    }

    #[test]
    fn an_id_of_another_kind_is_named_in_the_hint() {
        let e = errors(&with("region = \"MX-ZAC\"", "region = \"MX\""));
        assert_eq!(e[0].hint.as_deref(), Some("`MX` is a country, not a region"));
        let e = errors(&with("importer = \"US\"", "importer = \"usmca\""));
        assert_eq!(e[0].hint.as_deref(), Some("`usmca` is a bloc, not a country"));
    }

    #[test]
    fn percentages_get_a_fraction_hint() {
        let e = errors(&with("royalty_rate = 0.075", "royalty_rate = 7.5"));
        assert!(e[0].hint.as_deref().unwrap().contains("7.5% is written 0.075"), "{e:?}");
        let e = errors(&with("royalty_rate = 0.075", "royalty_rate = 250"));
        assert_eq!(e[0].hint.as_deref(), Some("use a fraction between 0 and 1"));
    }

    #[test]
    fn quoted_numbers_get_a_hint() {
        let e = errors(&with("capacity = 100", "capacity = \"1_000\""));
        assert_eq!(e[0].hint.as_deref(), Some("remove the quotes: `capacity = 1_000`"));
    }

    #[test]
    fn quoted_nan_gets_no_remove_the_quotes_hint() {
        let e = errors(&with("capacity = 100", "capacity = \"nan\""));
        assert_eq!(e[0].hint, None, "{e:?}");
    }

    #[test]
    fn labels_name_entries_by_their_default_id() {
        let e = errors(&with("quantity = 50", "quantity = -50"));
        assert_eq!(
            e[0].message,
            "`quantity` in demand `US-TX/silver` must not be negative, found -50"
        );
        let e = errors(&with("cost = 40", "cost = -40"));
        assert_eq!(
            e[0].message,
            "`cost` in lane `MX-ZAC->US-TX/rail` must not be negative, found -40"
        );
    }

    #[test]
    fn keys_above_the_first_header_are_top_level_keys_not_tables() {
        let e = errors(&format!("currency = \"USD\"\n{BASE}"));
        assert_eq!(e[0].message, "unknown top-level key `currency`");
        assert!(e[0].hint.as_deref().unwrap().contains("under `[meta]`"));
    }

    #[test]
    fn warnings_are_separate_and_only_on_valid_instances() {
        let src = with(
            "[[materials]]",
            "[[regions]]\nid = \"US-AK\"\ncountry = \"US\"\n[[regions]]\nid = \"US-NV\"\ncountry = \"US\"\n\
             [[demands]]\nregion = \"US-NV\"\nmaterial = \"silver\"\nquantity = 1\n\n[[materials]]",
        );
        let v = load_str(&src);
        assert!(v.instance.is_some());
        let w: Vec<&str> = v.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            w,
            [
                "region `US-AK` has no facility and no lane",
                "region `US-NV` has demand but no facility and no lane"
            ]
        );
        assert!(v.diagnostics.iter().all(|d| !d.is_error()));
    }
}
