//! Typed field readers: a table's keys against the schema, and its numbers, strings,
//! shares, booleans and lists read from the raw tree with located diagnostics.

use super::{Entry, Sp, Validator};
use crate::diag::{did_you_mean, Diagnostic};
use crate::instance::SmolStr;
use crate::raw::{RawField, RawKind, RawValue};
use crate::schema;

/// The largest size a number of an instance may have: a cost of 1e308 overflowed the
/// objective, which the solver then reported as an infeasible plan.
pub(super) const MAX_MAGNITUDE: f64 = 1e15;

impl Validator {
    pub(super) fn check_keys(&mut self, collection: &str, entry: &Entry) {
        let allowed = || schema::allowed(collection);
        // The table's fields, looked up once: this runs for every entry of the file.
        let fields = schema::fields(collection);
        // A misspelt required key (`capcity`) is one mistake: report the unknown key with its
        // suggestion and do not also report the required key as missing.
        let mut suggested = Vec::new();
        for f in &entry.table.fields {
            if !fields.iter().any(|field| field.key == f.key) {
                // The table's extent: from its header (or first key) to its last value.
                let spans = entry.span.iter().chain(
                    entry
                        .table
                        .fields
                        .iter()
                        .flat_map(|g| g.key_span.iter().chain(g.value.span.iter())),
                );
                let start = spans.clone().map(|r| r.start).min();
                let end = spans.map(|r| r.end).max();
                if let (Some(start), Some(end)) = (start, end) {
                    self.misspelt.push(start..end);
                }
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
        let missing: Vec<&str> = schema::required(collection)
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
            // A sub-table that an override created (`--set mines.X.expansion.max=500` on a mine
            // without one) is not in the file: its missing keys are given the same way.
            let hint = match entry.created_by.and_then(|o| override_key(o).map(|k| (o, k))) {
                Some((origin, prefix)) => {
                    let scenario = origin.starts_with("scenario");
                    let gives = missing
                        .iter()
                        .map(|k| match scenario {
                            true => format!("`\"{prefix}.{k}\" = ...`"),
                            false => format!("`--set {prefix}.{k}=...`"),
                        })
                        .collect::<Vec<_>>()
                        .join(" and ");
                    let place = if scenario { " to the scenario's `[set]`" } else { "" };
                    format!("{origin} creates this table; add {gives}{place} as well")
                }
                None => hint,
            };
            self.diags
                .push(Diagnostic::error(msg, entry.span.clone()).with_hint(hint));
        }
    }

    pub(super) fn field<'a>(&self, e: &Entry<'a>, key: &str) -> Option<&'a RawField> {
        e.table.get(key)
    }

    pub(super) fn string(&mut self, e: &Entry, key: &str) -> Option<Sp<SmolStr>> {
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

    pub(super) fn number(&mut self, e: &Entry, key: &str) -> Option<Sp<f64>> {
        let f = self.field(e, key)?;
        self.number_value(&e.label, key, &f.value)
    }

    pub(super) fn number_value(&mut self, label: &str, key: &str, v: &RawValue) -> Option<Sp<f64>> {
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
        if x.abs() > MAX_MAGNITUDE {
            self.diags.push(
                Diagnostic::error(
                    format!("`{key}` in {label} is too large: {x:e} (at most 1e15 in size)"),
                    v.span.clone(),
                )
                .with_origin(v.origin.clone())
                .with_hint(match key {
                    "capacity" => {
                        "beyond 1e15 (dollars or tonnes) a number swamps the others of the plan in \
                                   double precision; for an unlimited capacity leave `capacity` out (import \
                                   offers and lanes only)"
                    }
                    _ => {
                        "beyond 1e15 (dollars or tonnes) a number swamps the others of the plan in double \
                          precision and the cost can overflow"
                    }
                }),
            );
            return None;
        }
        Some((x, v.span.clone()))
    }

    pub(super) fn nonneg(&mut self, e: &Entry, key: &str) -> Option<f64> {
        let f = self.field(e, key)?;
        self.nonneg_value(&e.label, key, &f.value)
    }

    pub(super) fn nonneg_value(&mut self, label: &str, key: &str, v: &RawValue) -> Option<f64> {
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

    pub(super) fn share(&mut self, e: &Entry, key: &str) -> Option<f64> {
        let f = self.field(e, key)?;
        self.share_value(&e.label, key, &f.value)
    }

    pub(super) fn share_value(&mut self, label: &str, key: &str, v: &RawValue) -> Option<f64> {
        let (x, span) = self.number_value(label, key, v)?;
        if !(0.0..=1.0).contains(&x) {
            let hint = if x > 1.0 && x <= 100.0 {
                format!(
                    "shares and rates are fractions of 1, not percentages: if you meant {x}%, write {}",
                    fraction_of(x)
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

    pub(super) fn boolean(&mut self, e: &Entry, key: &str) -> Option<bool> {
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
    pub(super) fn string_list(&mut self, e: &Entry, key: &str) -> Option<Vec<Sp<SmolStr>>> {
        let f = self.field(e, key)?;
        match &f.value.kind {
            RawKind::Str(s) => Some(vec![(s.clone(), f.value.span.clone())]),
            RawKind::Array(items) if items.is_empty() => {
                // An empty list would silently switch the entry off (a cap on imports from
                // nowhere, a tariff on no origin, a lane for no material): refuse it.
                let hint = match key {
                    "sources" => "name at least one bloc or country, or remove `sources` to count every country outside the scope",
                    "origin" => "name at least one bloc or country, or remove `origin` to apply the tariff whatever the origin",
                    "materials" => "name at least one material, or remove `materials` to open the lane to every material",
                    "countries" => "a bloc needs at least one country",
                    _ => "name at least one id, or remove the key",
                };
                self.diags.push(
                    Diagnostic::error(
                        format!(
                            "`{key}` in {} is an empty list, which would leave it applying to nothing",
                            e.label
                        ),
                        f.value.span.clone(),
                    )
                    .with_hint(hint),
                );
                None
            }
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
                        "`{key}` in {} must be an id or a list of ids, found {}",
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
}

/// The key an override's label names, without its last field (`mines.juanicipio.expansion`
/// for the override `mines.juanicipio.expansion.max=500`). The label ends with the
/// override's text in backticks: KEY=VALUE or KEY*=FACTOR.
fn override_key(label: &str) -> Option<&str> {
    let text = label.rsplit_once('`')?.0.rsplit_once('`')?.1;
    let key = text.split('=').next()?.trim_end_matches('*');
    Some(key.rsplit_once('.')?.0)
}

/// `percent / 100` as a person writes it (`35.95` -> `0.3595`, not `0.35950000000000004`).
fn fraction_of(percent: f64) -> String {
    let text = format!("{:.12}", percent / 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
