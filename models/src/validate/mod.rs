//! From the raw tree to a validated [`Instance`], collecting every diagnostic on the way.
//!
//! The checks are those of section 2 of the model contract: unknown and missing keys, wrong
//! types, duplicate and malformed ids, dangling references (with near-miss suggestions),
//! non-finite and negative numbers, shares and rates outside [0, 1], non-positive yields,
//! lanes from a region to itself, ambiguous tariffs and targets without consumption in
//! their scope. Schema 2 (sections 5 and 6) adds: `meta.periods` (strictly increasing integer
//! years, at least one) and `meta.discount_rate` (in [0, 1)); time series, whose keys are
//! years, which need `meta.periods` and an entry at or before its first year, and whose
//! values obey the plain field's checks under the name `KEY.YEAR`; stockpile levels
//! (`initial`, `min_final`, any period's `min_level`) within the stockpile's `capacity`; and,
//! in a file that says `schema = 1`, every schema-2 key (`periods`, `discount_rate`, a
//! series, `lead_time`, `[[stockpiles]]`) is an error pointing at it. Warnings (unused
//! regions and materials, an expansion whose lead time no period allows) are kept apart
//! from errors, and only computed for an instance without errors.
//!
//! Every error is collected, not only the first: the checks that need the whole instance
//! (tariffs, targets) run on whatever resolved, so a typo elsewhere does not hide them.
//! Every error carries a span into the source (tables without a header of their own point
//! at the key that names them), and validation never panics, whatever the input
//! (`tests/mutations.rs` feeds it thousands of damaged instances).

mod catalog;
mod checks;
mod fields;
mod ids;
mod network;
mod origin;
#[cfg(test)]
mod origin_tests;
mod series;
pub(crate) use series::YEARS;
mod stockpiles;
#[cfg(test)]
mod tests;

pub(crate) use series::year_key;

use crate::diag::{did_you_mean, Diagnostic};
use crate::instance::*;
use crate::raw::{RawKind, RawTable, RawValue};
use crate::schema;
pub use crate::schema::COLLECTIONS;
use ids::{Ids, Resolver};
use std::collections::HashMap;
use std::ops::Range;

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
    /// `meta.periods` once `[meta]` is read: series are resolved against it.
    periods: Option<Vec<i64>>,
    /// `meta.periods` is present but invalid: its own error says so, and the series are
    /// not also reported as "without `meta.periods`".
    periods_invalid: bool,
    /// `Some(span of the value)` when `[meta]` says `schema = 1`: every schema-2 key is then
    /// an error pointing back at it.
    schema1: Option<Span>,
    /// The expansions that give a `lead_time` (> 0), for the warning about a lead time that
    /// no period allows: (label of the expansion, the value's span, the lead time).
    lead_times: Vec<(String, Span, f64)>,
    /// Origin keys read before the classes are known ([`origin::Pending`]).
    pending: origin::Pending,
    /// The extent in the file of each table with an unknown key: a misspelt key (`orgin`)
    /// can make the table look like another (a duplicate id, an ambiguous tariff), and those
    /// errors follow from the one that names the key.
    misspelt: Vec<Range<usize>>,
}

impl Validator {
    /// Drop the duplicate-id and ambiguity errors located in a table that has an unknown key:
    /// the table was read without the misspelt key, so it may look like another; the
    /// unknown key's own error (with its "did you mean") says what to fix.
    fn drop_follow_ons(&mut self) {
        let misspelt = std::mem::take(&mut self.misspelt);
        self.diags.retain(|d| {
            let follow_on = d.message.starts_with("duplicate ") || d.message.starts_with("ambiguous ");
            let inside = d
                .span
                .as_ref()
                .is_some_and(|s| misspelt.iter().any(|t| t.start <= s.start && s.start < t.end));
            !(follow_on && inside)
        });
    }
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
    /// The override that created this table (it is not in the file), if one did.
    created_by: Option<&'a str>,
}

type Sp<T> = (T, Option<Range<usize>>);

impl Validator {
    fn err(&mut self, msg: String, value: Option<&RawValue>, span: Option<Range<usize>>) {
        let origin = value.and_then(|v| v.origin.clone());
        self.diags.push(Diagnostic::error(msg, span).with_origin(origin));
    }

    /// With `schema = 1` in `[meta]`, report a schema-2 key (model contract, schema 2: "a
    /// file that says `schema = 1` and uses a schema-2 key is an error naming the key").
    /// `what` names it (e.g. "`periods` in `[meta]` is a schema-2 key"); `span` is where to
    /// point; `origin` the override that set it, if one did. Nothing without `schema = 1`.
    pub(super) fn schema2_key(&mut self, what: String, span: Span, origin: Option<String>) {
        let Some(at) = self.schema1.clone() else {
            return;
        };
        self.diags.push(
            Diagnostic::error(format!("{what}, but `[meta]` says `schema = 1`"), span)
                .with_origin(origin)
                .with_related("`schema = 1` is set", at)
                .with_hint("write `schema = 2` in `[meta]` (or leave `schema` out), or remove the schema-2 key"),
        );
    }

    pub(super) fn collection<'a>(&mut self, raw: &'a RawTable, name: &str) -> Vec<&'a RawTable> {
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

    /// Report the top-level keys that are neither `[meta]` nor a collection.
    fn unknown_tables(&mut self, raw: &RawTable) {
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
                    None if !is_table && schema::allowed("meta").any(|k| k == f.key) => d.with_hint(format!(
                        "keys above the first `[table]` header belong to no table; move `{}` under `[meta]`",
                        f.key
                    )),
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
    }

    /// Pass 1: the ids of every collection that can be referenced, and blocs named like a
    /// country.
    fn referenced_ids<'a>(&mut self, tables: &HashMap<&'a str, Vec<&RawTable>>) -> HashMap<&'a str, Ids> {
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
        ids
    }

    fn run(&mut self, raw: &RawTable) -> Option<Instance> {
        self.unknown_tables(raw);
        let meta = self.meta(raw);
        let tables: HashMap<&str, Vec<&RawTable>> = COLLECTIONS.iter().map(|c| (*c, self.collection(raw, c))).collect();

        let ids = self.referenced_ids(&tables);
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
        let stockpiles = self.stockpiles(&tables["stockpiles"], &r);
        let origin = self.origin_classes(raw, &r, &blocs, countries.len());
        let periods = match &self.periods {
            Some(years) => Period::of_years(years, meta.as_ref().map_or(0.0, |m| m.discount_rate)),
            None => vec![Period {
                year: meta.as_ref().and_then(|m| m.year).unwrap_or(0),
                length: 1.0,
                weight: 1.0,
            }],
        };

        let mut inst = Instance {
            meta: meta.unwrap_or_else(|| Meta {
                name: String::new(),
                description: None,
                currency: "USD".into(),
                year: None,
                carrying_rate: None,
                periods: None,
                discount_rate: 0.0,
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
            stockpiles,
            periods,
            origin,
        };
        let pending = std::mem::take(&mut self.pending);
        self.resolve_origins(&mut inst, pending);
        // The cross checks run even when there are errors already (every error is reported,
        // not only the first ones), on the references that did resolve.
        self.cross_checks(&inst);
        self.drop_follow_ons();
        if self.diags.iter().any(|d| d.is_error()) {
            return None;
        }
        self.warnings(&inst);
        Some(inst)
    }
}
