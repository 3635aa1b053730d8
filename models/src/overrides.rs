//! Overrides: `--set KEY=VALUE`, `--set KEY*=FACTOR` and scenario files, applied to the raw
//! tree before validation, so an override is checked exactly like a value in the file.
//!
//! `KEY` is `COLLECTION.ID.FIELD` (`mines.penasquito.capacity`, `lanes.MX-ZAC->US-TX/rail.cost`,
//! `mines.X.expansion.max`, `mines.X.expansion.lead_time`); `*` as the ID addresses every
//! entry. Ids may contain dots, so the field is matched from the end against the collection's
//! schema. Default ids (demands `REGION/MATERIAL`, lanes `FROM->TO/MODE`, tariffs
//! `EXPORTER->IMPORTER/MATERIAL`) address entries that have no explicit `id`. `meta.FIELD`
//! sets a number of `[meta]` (`meta.carrying_rate`, `meta.discount_rate`); `meta.periods`
//! shapes every series of the file and is not overridden.
//!
//! Time series (model contract section 5): `KEY.YEAR=V` sets one entry of a series field
//! (`demands.US-TX/silver.quantity.2030=900`), adding it if absent. The year is recognised
//! only after the name of a series field and only when it is all digits, so an id ending in
//! digits (`mines.m.1.capacity`) is never taken for one. A field that holds a plain number
//! `c` becomes the series `{ Y1 = c, YEAR = V }`, `Y1` being the first year of
//! `meta.periods` (`{ YEAR = V }` when the file has none: validation then reports the series
//! without periods). `KEY=V` replaces a whole series with a constant, `KEY*=F` scales every
//! entry, and `KEY.YEAR*=F` scales the value in force in `YEAR` into an entry for `YEAR`
//! (a plain number is first turned into a series as above).
//!
//! A scenario file is TOML with optional `name` and `description` and a table `[set]` of
//! `"KEY" = VALUE`; a key ending in `*` scales (`"demands.*.quantity*" = 1.25`), and a key
//! may address a series entry (`"mines.X.capacity.2028" = 0`).
//! Precedence: file < scenario < `--set` (later assignments win). The report echoes each
//! override as the user wrote it (`text`).

use crate::diag::{did_you_mean, Diagnostic};
use crate::raw::{RawField, RawKind, RawTable, RawValue};
use crate::schema::{self, Kind, COLLECTIONS};
use crate::validate::year_key;
use std::ops::Range;

/// One assignment, as given by the user.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub collection: String,
    pub id: String,
    pub field: String,
    /// The year of the one entry of a time series addressed as `KEY.YEAR`; `None` for the
    /// whole field.
    pub year: Option<i64>,
    pub op: Op,
    /// How the user wrote it, for messages and the report.
    pub text: String,
    /// Where it was written, when not on the command line: `scenario `FILE`, line N`, named
    /// by a diagnostic about the value it sets.
    pub written_in: Option<String>,
    /// The option it came with (`--set`, `--param`, ...), naming it in messages when
    /// `written_in` does not.
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Set(RawKind),
    Scale(f64),
}

/// The fields an override can address in a collection, with their kinds: every key but
/// `id`, and the keys of a sub-table as `OUTER.INNER` (`expansion.max`).
fn fields_of(collection: &str) -> Vec<(String, Kind)> {
    let mut v = Vec::new();
    for f in schema::ordered(collection) {
        match f.kind {
            Kind::Id => {}
            Kind::SubTable => v.extend(schema::ordered(f.key).map(|s| (format!("{}.{}", f.key, s.key), s.kind))),
            kind => v.push((f.key.to_string(), kind)),
        }
    }
    v
}

/// Parse `KEY=VALUE` or `KEY*=FACTOR`; `origin` names where it came from in messages.
pub fn parse(arg: &str, origin: &str) -> Result<Override, Diagnostic> {
    let (key, value, scale) = if let Some((k, v)) = arg.split_once("*=") {
        (k.trim(), v.trim(), true)
    } else if let Some((k, v)) = arg.split_once('=') {
        (k.trim(), v.trim(), false)
    } else {
        return Err(Diagnostic::error(format!("{origin} `{arg}` is not KEY=VALUE"), None)
            .with_hint("write e.g. `--set mines.penasquito_ag.capacity=1200` or `--set 'demands.*.quantity*=1.1'`"));
    };
    let value = parse_value(value);
    parse_key(key, value, scale, arg, origin)
}

fn parse_key(key: &str, value: RawKind, scale: bool, text: &str, origin: &str) -> Result<Override, Diagnostic> {
    let Some((collection, rest)) = key.split_once('.') else {
        return Err(bad_key(key, origin, "a key is COLLECTION.ID.FIELD"));
    };
    if collection == "meta" {
        return meta_key(rest, value, scale, text, origin);
    }
    if !COLLECTIONS.contains(&collection) {
        let mut d = Diagnostic::error(format!("{origin} `{text}`: unknown collection `{collection}`"), None);
        if let Some(s) = did_you_mean(collection, COLLECTIONS) {
            d = d.with_hint(format!("did you mean `{s}`?"));
        } else {
            d = d.with_hint(format!("collections: {}", COLLECTIONS.join(", ")));
        }
        return Err(d);
    }
    let fields = fields_of(collection);
    // `ID.FIELD.MATERIAL` of a rate-by-material table (`royalty_by_material`): that
    // material's rate, a number (the table is created when the entry has none).
    let by_material = rest.rsplit_once('.').and_then(|(head, material)| {
        let (f, _) = field_of(head, &fields).filter(|f| f.1 == Kind::RateByMaterial)?;
        let id = &head[..head.len() - f.len() - 1];
        Some((id, material, (format!("{f}.{material}"), Kind::Number)))
    });
    if let Some((id, "", _)) = by_material {
        // `royalty_by_material.=0.02`, or `royalty_by_material.*=0.02` (read as a factor).
        return Err(Diagnostic::error(
            format!("{origin} `{text}`: no material after `{collection}.{id}.royalty_by_material.`"),
            None,
        )
        .with_hint(format!(
            "name one material (`*` over materials is not supported): `{collection}.{id}.royalty_by_material.silver_conc=0.02`"
        )));
    }
    let by_material = by_material.map(|(id, _, field)| (id, field));
    if let (None, Some((f, Kind::RateByMaterial))) = (&by_material, field_of(rest, &fields)) {
        return Err(Diagnostic::error(
            format!("{origin} `{text}`: `{f}` is a table of rates by material; set one material's rate"),
            None,
        )
        .with_hint(format!(
            "write `{collection}.{rest}.MATERIAL=0.02` (e.g. `{collection}.{rest}.silver_conc=0.02`)"
        )));
    }
    let (id, (field, kind), year) = match by_material {
        Some((id, field)) => (id, field, None),
        None => {
            let (rest, field, year) = match field_of(rest, &fields) {
                Some(field) => (rest, field, None),
                None => match rest.rsplit_once('.').and_then(|(head, y)| Some((head, year_key(y)?))) {
                    // `ID.FIELD.YEAR`: one entry of a time series.
                    Some((head, year)) => match field_of(head, &fields) {
                        Some(field) if field.1 == Kind::Series => (head, field, Some(year)),
                        Some((field, _)) => {
                            return Err(Diagnostic::error(
                                format!(
                                "{origin} `{text}`: `{field}` of `{collection}` is not a time series, it has no year"
                            ),
                                None,
                            )
                            .with_hint(format!("set the one value with `{collection}.{head}=...`")))
                        }
                        None => return Err(no_field(collection, head, &fields, origin, text)),
                    },
                    None => return Err(no_field(collection, rest, &fields, origin, text)),
                },
            };
            (&rest[..rest.len() - field.0.len() - 1], field.clone(), year)
        }
    };
    let op = if scale {
        Op::Scale(factor(value, text, origin)?)
    } else {
        // One entry of a series is a number.
        let (name, kind) = match year {
            Some(y) => (format!("{field}.{y}"), Kind::Number),
            None => (field.clone(), kind),
        };
        Op::Set(check_type(&name, kind, value, text, origin)?)
    };
    Ok(Override {
        collection: collection.to_string(),
        id: id.to_string(),
        field,
        year,
        op,
        text: text.to_string(),
        written_in: None,
        origin: origin.to_string(),
    })
}

/// The field `ID.FIELD` ends with, matched from the end (the longest wins, so that
/// `expansion.max` is not taken for `max`); the ID must not be empty.
fn field_of<'a>(rest: &str, fields: &'a [(String, Kind)]) -> Option<&'a (String, Kind)> {
    fields
        .iter()
        .filter(|(f, _)| {
            rest.len() > f.len() + 1 && rest.ends_with(f.as_str()) && rest[..rest.len() - f.len()].ends_with('.')
        })
        .max_by_key(|(f, _)| f.len())
}

/// `ID.FIELD` names no field of the collection (or is a field without an id).
fn no_field(collection: &str, rest: &str, fields: &[(String, Kind)], origin: &str, text: &str) -> Diagnostic {
    // `tax_regimes.royalty_by_material.ag`: a field (here a rate table and its material)
    // with no id before it.
    let bare = |(f, k): &(String, Kind)| {
        f == rest || (*k == Kind::RateByMaterial && rest.strip_prefix(f.as_str()).is_some_and(|r| r.starts_with('.')))
    };
    if fields.iter().any(bare) {
        return Diagnostic::error(
            format!("{origin} `{text}`: no id between `{collection}` and `{rest}`"),
            None,
        )
        .with_hint(format!(
            "a key is COLLECTION.ID.FIELD: `{collection}.ID.{rest}` for one entry, `{collection}.*.{rest}` for all"
        ));
    }
    // `ID.capacity.20x6`, `ID.max_import_share.2027.5`: a field, then what should be a year
    // (read from the key as written: a last part of digits was already taken for the year).
    let key = text.split('=').next().unwrap_or(text).trim_end_matches('*');
    let written = key
        .strip_prefix(collection)
        .and_then(|k| k.strip_prefix('.'))
        .unwrap_or(rest);
    let after_field = fields
        .iter()
        .filter_map(|(f, _)| {
            let at = written.rfind(&format!(".{f}."))?;
            (at > 0).then(|| (f, &written[at + f.len() + 2..]))
        })
        .max_by_key(|(f, _)| f.len());
    if let Some((field, year)) = after_field {
        return Diagnostic::error(
            format!("{origin} `{text}`: `{year}` is not a year (after the field `{field}`)"),
            None,
        )
        .with_hint(format!(
            "a series entry is written `{collection}.ID.{field}.YEAR` with YEAR a year from 1 to 9999 in digits, e.g. `{collection}.ID.{field}.2030`"
        ));
    }
    let last = rest.rsplit('.').next().unwrap_or(rest);
    let names: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
    if last.is_empty() || last == "*" {
        // `mines.*.*=5` (the last `*` read as a scaling): `*` stands for ids, not fields.
        return Diagnostic::error(
            format!("{origin} `{text}`: `*` stands for every id, not every field"),
            None,
        )
        .with_hint(format!("name one field of `{collection}`: {}", names.join(", ")));
    }
    let d = Diagnostic::error(format!("{origin} `{text}`: `{collection}` has no field `{last}`"), None);
    match did_you_mean(last, names.iter().copied()) {
        Some(s) => d.with_hint(format!("did you mean `{s}`? fields: {}", names.join(", "))),
        None => d.with_hint(format!("fields of `{collection}`: {}", names.join(", "))),
    }
}

/// The factor of `KEY*=F`: a finite number.
fn factor(value: RawKind, text: &str, origin: &str) -> Result<f64, Diagnostic> {
    match value {
        RawKind::Int(i) => Ok(i as f64),
        RawKind::Float(f) if f.is_finite() => Ok(f),
        RawKind::Float(f) => Err(not_finite(&f.to_string(), text, origin)),
        RawKind::Str(v) if v.parse::<f64>().is_ok_and(|x| !x.is_finite()) => Err(not_finite(&v, text, origin)),
        other => Err(Diagnostic::error(
            format!(
                "{origin} `{text}`: a scale factor must be a number, found {}",
                other.type_name()
            ),
            None,
        )),
    }
}

/// `meta.FIELD`: a number of `[meta]` (`meta.carrying_rate`, `meta.discount_rate`); there
/// is no id.
fn meta_key(field: &str, value: RawKind, scale: bool, text: &str, origin: &str) -> Result<Override, Diagnostic> {
    let numeric: Vec<&str> = schema::ordered("meta")
        .filter(|f| f.kind == Kind::Number)
        .map(|f| f.key)
        .collect();
    if field == "periods" {
        return Err(
            Diagnostic::error(format!("{origin} `{text}`: `meta.periods` cannot be overridden"), None)
                .with_hint("the periods shape every time series of the file: edit `periods` in its `[meta]`"),
        );
    }
    if !numeric.contains(&field) {
        let mut d = Diagnostic::error(
            format!("{origin} `{text}`: `meta` has no number `{field}` to set"),
            None,
        );
        d = match did_you_mean(field, numeric.iter().copied()) {
            Some(s) => d.with_hint(format!("did you mean `meta.{s}`?")),
            None => d.with_hint(format!(
                "the numbers of `[meta]` an override can set: {}",
                numeric.join(", ")
            )),
        };
        return Err(d);
    }
    let op = if scale {
        Op::Scale(factor(value, text, origin)?)
    } else {
        Op::Set(check_type(field, Kind::Number, value, text, origin)?)
    };
    Ok(Override {
        collection: "meta".into(),
        id: String::new(),
        field: field.to_string(),
        year: None,
        op,
        text: text.to_string(),
        written_in: None,
        origin: origin.to_string(),
    })
}

fn bad_key(key: &str, origin: &str, why: &str) -> Diagnostic {
    Diagnostic::error(format!("{origin} `{key}`: {why}"), None)
        .with_hint("for example `mines.penasquito_ag.capacity`, `targets.*.max_import_share` or `meta.carrying_rate`")
}

/// Values are TOML (`1.5`, `true`, `"MX-ZAC"`, `["US", "CA"]`); a bare word is a string.
fn parse_value(v: &str) -> RawKind {
    let doc = format!("v = {v}\n");
    match crate::raw::parse(&doc) {
        Ok(t) => t
            .get("v")
            .map(|f| f.value.kind.clone())
            .unwrap_or(RawKind::Str(v.into())),
        Err(_) => RawKind::Str(v.into()),
    }
}

fn check_type(field: &str, kind: Kind, value: RawKind, text: &str, origin: &str) -> Result<RawKind, Diagnostic> {
    let (ok, want) = match kind {
        // A fraction where validation wants an integer is reported by validation.
        Kind::Number | Kind::Series | Kind::Integer => {
            (matches!(value, RawKind::Int(_) | RawKind::Float(_)), "a number")
        }
        Kind::Boolean => (matches!(value, RawKind::Bool(_)), "true or false"),
        Kind::RefList(_) | Kind::PartyList => (matches!(value, RawKind::Array(_) | RawKind::Str(_)), "a string"),
        _ => (matches!(value, RawKind::Str(_)), "a string"),
    };
    if ok {
        return Ok(value);
    }
    let key = text.split('=').next().unwrap_or(field).trim_end_matches('*');
    // A number too large for a 64-bit float (`1e400`) is read as text: say so.
    if let (RawKind::Str(v), "a number") = (&value, want) {
        if v.parse::<f64>().is_ok_and(|x| !x.is_finite()) {
            return Err(not_finite(v, text, origin)
                .with_hint(format!("write a finite number, e.g. `{key}={}`", example(want, field))));
        }
    }
    // In the syntax the override was written in: `[set]` lines are TOML.
    let written = match origin {
        "scenario" => format!("\"{key}\" = {}", example(want, field)),
        _ => format!("{key}={}", example(want, field)),
    };
    Err(Diagnostic::error(
        format!("{origin} `{text}`: `{field}` takes {want}, found {}", value.type_name()),
        None,
    )
    .with_hint(format!("write `{written}`")))
}

/// A number beyond a 64-bit float (`1e400`, read as text) or not finite (`inf`, `nan`).
fn not_finite(v: &str, text: &str, origin: &str) -> Diagnostic {
    Diagnostic::error(
        format!("{origin} `{text}`: `{v}` is not a finite number (at most about 1.8e308)"),
        None,
    )
}

/// A value of the kind `want` for `field` in a hint: a fraction for a share or a rate.
fn example(want: &str, field: &str) -> &'static str {
    let fraction = ["share", "rate", "yield", "royalty"].iter().any(|w| field.contains(w));
    match want {
        "a number" if fraction => "0.25",
        "a number" => "1200",
        "true or false" => "true",
        _ => "\"ID\"",
    }
}

/// The id an entry is addressed by: its `id`, or its default id.
fn entry_id(collection: &str, t: &RawTable) -> Option<String> {
    match t.get("id").map(|f| &f.value.kind) {
        Some(RawKind::Str(s)) => Some(s.to_string()),
        _ => schema::default_id(collection, t),
    }
}

/// Apply overrides in order. Every override must address at least one entry. Messages
/// name an override by where it was written, else by the option it came with.
pub fn apply(raw: &mut RawTable, overrides: &[Override]) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    for o in overrides {
        if let Err(d) = apply_one(raw, o) {
            errors.push(d);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn apply_one(raw: &mut RawTable, o: &Override) -> Result<(), Diagnostic> {
    let label = match (&o.written_in, o.origin.is_empty()) {
        (Some(place), _) => format!("{place}: `{}`", o.text),
        (None, true) => format!("`{}`", o.text),
        (None, false) => format!("{} `{}`", o.origin, o.text),
    };
    let first = first_period(raw);
    if o.collection == "meta" {
        return match raw.get_mut("meta").map(|f| &mut f.value.kind) {
            Some(RawKind::Table(t)) => set_field(t, o, &label, first),
            _ => Err(Diagnostic::error(
                format!("{label}: the instance has no `[meta]` table"),
                None,
            )),
        };
    }
    let Some(coll) = raw.get_mut(&o.collection) else {
        return Err(Diagnostic::error(
            format!("{label}: the instance has no `{}`", o.collection),
            None,
        ));
    };
    let RawKind::Array(items) = &mut coll.value.kind else {
        return Err(Diagnostic::error(
            format!("`{}` is not an array of tables", o.collection),
            None,
        ));
    };
    let mut ids = Vec::new();
    let mut hits = 0;
    let mut skipped = 0;
    // The materials that do have a rate, when a `*=` finds none to scale.
    let mut rated = std::collections::BTreeSet::new();
    for item in items.iter_mut() {
        let RawKind::Table(t) = &mut item.kind else {
            continue;
        };
        let Some(id) = entry_id(&o.collection, t) else {
            continue;
        };
        if o.id != "*" && id != o.id {
            ids.push(id);
            continue;
        }
        // `*` over an optional sub-table (`mines.*.expansion.max`) addresses the entries that
        // have one; naming one entry creates it. A rate by material
        // (`tax_regimes.*.royalty_by_material.silver_conc=0.02`) is set on every entry, and
        // scaled on those that have it.
        if let Some((outer, inner)) = o.field.split_once('.') {
            let missing = match rate_table(&o.collection, outer) {
                true => matches!(o.op, Op::Scale(_)) && !has_key(t, outer, inner),
                false => t.get(outer).is_none(),
            };
            if o.id == "*" && missing {
                if let Some(RawKind::Table(sub)) = t.get(outer).map(|f| &f.value.kind) {
                    rated.extend(sub.fields.iter().map(|f| f.key.clone()));
                }
                skipped += 1;
                continue;
            }
        }
        hits += 1;
        set_field(t, o, &label, first)?;
    }
    if hits == 0 && skipped > 0 {
        let (outer, inner) = o.field.split_once('.').unwrap_or_default();
        let rates = rate_table(&o.collection, outer);
        let what = match rates {
            true => format!("a `{outer}` rate for `{inner}` to scale"),
            false => format!("an `{outer}`"),
        };
        let d = Diagnostic::error(format!("{label}: no entry of `{}` has {what}", o.collection), None);
        if !rates {
            return Err(d);
        }
        let listed: Vec<String> = rated.iter().map(|m| format!("`{m}`")).collect();
        let have = match listed.len() {
            0 => "no entry has any".to_string(),
            1 => format!("only {} has one", listed[0]),
            _ => format!("only {} have one", listed.join(", ")),
        };
        let set = match material_exists(raw, inner) {
            true => format!("; `{}.*.{outer}.{inner}=RATE` sets one on every entry", o.collection),
            false => format!("; and `{inner}` is no material of this instance"),
        };
        return Err(d.with_hint(format!("`*=` scales existing rates ({have}){set}")));
    }
    if hits == 0 {
        let mut d = Diagnostic::error(
            format!("{label}: no entry of `{}` has id `{}`", o.collection, o.id),
            None,
        );
        if let Some(s) = did_you_mean(&o.id, ids.iter().map(|s| s.as_str())) {
            d = d.with_hint(format!("did you mean `{s}`?"));
        }
        return Err(d);
    }
    Ok(())
}

/// Does the instance have a material with id `id`?
fn material_exists(raw: &RawTable, id: &str) -> bool {
    match raw.get("materials").map(|f| &f.value.kind) {
        Some(RawKind::Array(items)) => items
            .iter()
            .any(|item| matches!(&item.kind, RawKind::Table(t) if entry_id("materials", t).as_deref() == Some(id))),
        _ => false,
    }
}

/// Is `field` of `collection` a table of rates by material (`royalty_by_material`)?
fn rate_table(collection: &str, field: &str) -> bool {
    schema::ordered(collection).any(|f| f.key == field && f.kind == Kind::RateByMaterial)
}

/// Does the sub-table `outer` of `t` have the key `inner`?
fn has_key(t: &RawTable, outer: &str, inner: &str) -> bool {
    matches!(t.get(outer).map(|f| &f.value.kind), Some(RawKind::Table(sub)) if sub.get(inner).is_some())
}

/// The first year of `meta.periods` in the raw tree, if it has one.
fn first_period(raw: &RawTable) -> Option<i64> {
    let RawKind::Table(meta) = &raw.get("meta")?.value.kind else {
        return None;
    };
    let RawKind::Array(years) = &meta.get("periods")?.value.kind else {
        return None;
    };
    match years.first()?.kind {
        // Not a year: validation reports it where it is written.
        RawKind::Int(y) if crate::validate::YEARS.contains(&y) => Some(y),
        _ => None,
    }
}

/// Set the field of `o` in one entry `t`; `first` is the first year of `meta.periods`.
fn set_field(t: &mut RawTable, o: &Override, label: &str, first: Option<i64>) -> Result<(), Diagnostic> {
    let entry_span = t.span.clone();
    let (table, key) = match o.field.split_once('.') {
        Some((outer, inner)) => {
            if t.get(outer).is_none() {
                t.fields.push(RawField {
                    key: outer.into(),
                    key_span: None,
                    value: RawValue {
                        kind: RawKind::Table(RawTable {
                            fields: Vec::new(),
                            span: entry_span.clone(),
                        }),
                        span: entry_span.clone(),
                        origin: Some(label.to_string()),
                    },
                });
            }
            match &mut t.get_mut(outer).expect("inserted above").value.kind {
                RawKind::Table(inner_t) => (inner_t, inner),
                _ => {
                    return Err(Diagnostic::error(
                        format!("{label}: `{outer}` is not a table in the instance"),
                        None,
                    ));
                }
            }
        }
        None => (t, o.field.as_str()),
    };
    if let Some(year) = o.year {
        return set_entry(table, key, year, &o.op, label, first, entry_span);
    }
    let new_kind = match &o.op {
        Op::Set(k) => k.clone(),
        Op::Scale(f) => match table.get(key).map(|x| &x.value.kind) {
            // A time series: every entry is scaled.
            Some(RawKind::Table(series)) => {
                let mut scaled = series.clone();
                for e in &mut scaled.fields {
                    if let Some(x) = scale(&e.value.kind, *f) {
                        e.value.kind = x;
                    }
                }
                RawKind::Table(scaled)
            }
            Some(kind) => scale(kind, *f).ok_or_else(|| cannot_scale(label, key, Some(kind)))?,
            None => return Err(cannot_scale(label, key, None)),
        },
    };
    replace(table, key, new_kind, label, entry_span);
    Ok(())
}

/// A number times `f`; `None` for anything else.
fn scale(kind: &RawKind, f: f64) -> Option<RawKind> {
    match kind {
        RawKind::Int(i) => Some(RawKind::Float(*i as f64 * f)),
        RawKind::Float(x) => Some(RawKind::Float(x * f)),
        _ => None,
    }
}

fn cannot_scale(label: &str, key: &str, kind: Option<&RawKind>) -> Diagnostic {
    match kind {
        Some(kind) => Diagnostic::error(
            format!("{label}: cannot scale `{key}`, it is {}", kind.type_name()),
            None,
        ),
        None => Diagnostic::error(format!("{label}: cannot scale `{key}`, it is not set"), None)
            .with_hint("set it with `KEY=VALUE` instead"),
    }
}

/// Give `key` of `table` a new value set by the override `label`. The new value has no text
/// in the file; it is located at the value it replaces (or its entry), so every diagnostic
/// about it points at the entry and names the override.
fn replace(table: &mut RawTable, key: &str, kind: RawKind, label: &str, entry_span: Option<Range<usize>>) {
    let span = table
        .get(key)
        .and_then(|f| f.value.span.clone().or(f.key_span.clone()))
        .or(entry_span);
    let value = RawValue {
        kind,
        span,
        origin: Some(label.to_string()),
    };
    match table.get_mut(key) {
        Some(f) => f.value = value,
        None => table.fields.push(RawField {
            key: key.into(),
            key_span: None,
            value,
        }),
    }
}

/// The value of a series field an entry leaves out, where it is a number (model.md: the
/// fiscal terms and a stockpile's floor default to 0); absent capacities are unlimited and an
/// absent unmet penalty means the demand must be met, which no number stands for.
fn default_of(key: &str) -> Option<f64> {
    matches!(key, "royalty_rate" | "fee_per_t" | "income_tax_rate" | "min_level").then_some(0.0)
}

/// `KEY.YEAR=V` and `KEY.YEAR*=F`: set (or scale into) the entry of `year` of the series
/// `key`, adding it if absent. A plain number `c` (or an absent field, for a set) first
/// becomes a series: `{ FIRST = c }` with `first` the first period, or, without
/// `meta.periods`, nothing but the entry for `year` (validation then reports the series).
/// Only the entry is marked as set by the override, not the rest of a series of the file.
fn set_entry(
    table: &mut RawTable,
    key: &str,
    year: i64,
    op: &Op,
    label: &str,
    first: Option<i64>,
    entry_span: Option<Range<usize>>,
) -> Result<(), Diagnostic> {
    let named = format!("{key}.{year}");
    let not_series = |kind: &RawKind| {
        Diagnostic::error(
            format!(
                "{label}: `{key}` is {}, not a number or a time series",
                kind.type_name()
            ),
            None,
        )
    };
    let plain = match table.get(key).map(|f| &f.value.kind) {
        Some(RawKind::Table(_)) => None,
        Some(kind @ (RawKind::Int(_) | RawKind::Float(_))) => Some(Some(kind.clone())),
        Some(kind) => return Err(not_series(kind)),
        None => match op {
            // An absent field holds its default until the entry (a royalty of 0 until 2027);
            // one without a number for a default (an unlimited capacity) gets the entry
            // alone, and validation asks for the first period's unless another override
            // gives it.
            Op::Set(_) => Some(
                default_of(key)
                    .filter(|_| first.is_some_and(|y1| year > y1))
                    .map(RawKind::Float),
            ),
            Op::Scale(_) => return Err(cannot_scale(label, key, None)),
        },
    };
    if let Some(value) = plain {
        // The entries stand where the plain value stood (or at the entry, when it had none).
        let at = table
            .get(key)
            .and_then(|f| f.value.span.clone().or(f.key_span.clone()))
            .or(entry_span.clone());
        let mut series = RawTable {
            fields: Vec::new(),
            span: at.clone(),
        };
        match (first, value) {
            (Some(y1), Some(c)) => series.fields.push(entry(y1, c, at, label)),
            // Without periods the value in force is the plain number itself.
            (None, Some(c)) if matches!(op, Op::Scale(_)) => series.fields.push(entry(year, c, at, label)),
            _ => {}
        }
        replace(table, key, RawKind::Table(series), label, entry_span.clone());
    }
    let Some(f) = table.get_mut(key) else {
        return Err(cannot_scale(label, key, None));
    };
    let span = f.value.span.clone().or(entry_span);
    let RawKind::Table(series) = &mut f.value.kind else {
        return Err(not_series(&f.value.kind));
    };
    let new = match op {
        Op::Set(v) => v.clone(),
        Op::Scale(factor) => {
            // The value in force in `year`: the entry with the greatest year at or before it.
            let in_force = series
                .fields
                .iter()
                .filter_map(|e| Some((year_key(&e.key)?, &e.value.kind)))
                .filter(|(y, _)| *y <= year)
                .max_by_key(|(y, _)| *y);
            match in_force {
                Some((_, kind)) => scale(kind, *factor).ok_or_else(|| cannot_scale(label, &named, Some(kind)))?,
                None => {
                    return Err(Diagnostic::error(
                        format!("{label}: cannot scale `{named}`, the series has no value in {year}"),
                        None,
                    )
                    .with_hint("set the entry with `=` instead of `*=`"))
                }
            }
        }
    };
    match series.fields.iter_mut().find(|e| year_key(&e.key) == Some(year)) {
        Some(e) => {
            e.value.kind = new;
            e.value.origin = Some(label.to_string());
            if e.value.span.is_none() {
                e.value.span = span;
            }
        }
        None => series.fields.push(entry(year, new, span, label)),
    }
    Ok(())
}

/// An entry `YEAR = value` of a series, set by the override `label`.
fn entry(year: i64, kind: RawKind, span: Option<Range<usize>>, label: &str) -> RawField {
    RawField {
        key: year.to_string().into(),
        key_span: None,
        value: RawValue {
            kind,
            span,
            origin: Some(label.to_string()),
        },
    }
}

/// A scenario file: its name, description and assignments.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub overrides: Vec<Override>,
}

/// Parse a scenario file's text. Errors carry spans into that file.
pub fn parse_scenario(source: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let (sc, errors) = parse_scenario_all(source);
    if errors.is_empty() {
        Ok(sc)
    } else {
        Err(errors)
    }
}

/// Parse a scenario file's text: what parsed, and the errors of the rest (so that the
/// overrides that did parse can still be checked against the instance in the same run).
pub fn parse_scenario_all(source: &str) -> (Scenario, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    let mut sc = Scenario {
        name: None,
        description: None,
        overrides: Vec::new(),
    };
    let raw = match crate::raw::parse(source) {
        Ok(raw) => raw,
        Err(d) => return (sc, vec![*d]),
    };
    for f in &raw.fields {
        match (f.key.as_str(), &f.value.kind) {
            ("name", RawKind::Str(s)) => sc.name = Some(s.to_string()),
            ("description", RawKind::Str(s)) => sc.description = Some(s.to_string()),
            ("set", RawKind::Table(t)) => {
                for a in &t.fields {
                    if let (RawKind::Table(_), false) = (&a.value.kind, a.key.contains('.')) {
                        // `mines.m.capacity = 5` unquoted: TOML made tables of the parts (a
                        // quoted key keeps its dots, and its table value is a type error).
                        let mut leaves = Vec::new();
                        dotted_leaves(a, String::new(), &mut leaves);
                        if leaves.is_empty() {
                            errors.push(
                                Diagnostic::error(format!("`{}` in `[set]` sets nothing", a.key), a.key_span.clone())
                                    .with_hint("one override per line: `\"COLLECTION.ID.FIELD\" = VALUE`"),
                            );
                        }
                        for (path, leaf) in leaves {
                            errors.push(
                                Diagnostic::error(
                                    format!("`{path}` in `[set]` is not quoted: TOML splits a bare key at its dots"),
                                    leaf.key_span.clone(),
                                )
                                .with_hint(format!("quote the key: `\"{path}\" = {}`", show(&leaf.value.kind))),
                            );
                        }
                        continue;
                    }
                    let (key, scale) = match a.key.strip_suffix('*') {
                        Some(k) => (k, true),
                        None => (a.key.as_str(), false),
                    };
                    let text = format!("{}{}{}", key, if scale { "*=" } else { "=" }, show(&a.value.kind));
                    match parse_key(key, a.value.kind.clone(), scale, &text, "scenario") {
                        Ok(mut o) => {
                            let at = a.key_span.as_ref().map_or(0, |r| r.start);
                            let (line, _) = crate::diag::line_col(source, at);
                            o.written_in = Some(format!("scenario, line {line}"));
                            sc.overrides.push(o)
                        }
                        Err(mut d) => {
                            d.span = a.key_span.clone();
                            errors.push(d);
                        }
                    }
                }
            }
            // A known key with a value of the wrong type: say what it takes.
            (k @ ("name" | "description" | "set"), kind) => {
                let wanted = if k == "set" {
                    "a table of \"KEY\" = VALUE (`[set]`, then one override per line)"
                } else {
                    "a string"
                };
                errors.push(
                    Diagnostic::error(
                        format!("`{k}` in a scenario file takes {wanted}, found {}", kind.type_name()),
                        f.value.span.clone().or_else(|| f.key_span.clone()),
                    )
                    .with_hint("e.g. `name = \"crisis\"`, then `[set]` and `\"demands.*.quantity*\" = 1.25`"),
                );
            }
            (k, _) => {
                let mut d = Diagnostic::error(format!("unknown key `{k}` in scenario file"), f.key_span.clone());
                if let Some(s) = did_you_mean(k, ["name", "description", "set"]) {
                    d = d.with_hint(format!("did you mean `{s}`?"));
                } else {
                    d = d.with_hint("a scenario has `name`, `description` and a table `[set]` of \"KEY\" = VALUE");
                }
                errors.push(d);
            }
        }
    }
    (sc, errors)
}

/// The leaves under a field whose value is a table made by a bare dotted key, with their
/// whole dotted path.
fn dotted_leaves<'a>(f: &'a crate::raw::RawField, prefix: String, out: &mut Vec<(String, &'a crate::raw::RawField)>) {
    let path = if prefix.is_empty() {
        f.key.to_string()
    } else {
        format!("{prefix}.{}", f.key)
    };
    match &f.value.kind {
        RawKind::Table(t) => t.fields.iter().for_each(|g| dotted_leaves(g, path.clone(), out)),
        _ => out.push((path, f)),
    }
}

fn show(k: &RawKind) -> String {
    match k {
        RawKind::Str(s) => s.to_string(),
        RawKind::Int(i) => i.to_string(),
        RawKind::Float(f) => f.to_string(),
        RawKind::Bool(b) => b.to_string(),
        other => other.type_name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::Series;

    const SRC: &str = "[meta]\nname = \"t\"\n[[countries]]\nid = \"US\"\n[[regions]]\nid = \"R\"\ncountry = \"US\"\n\
[[materials]]\nid = \"ag\"\nprice = 10\n[[mines]]\nid = \"m.1\"\nregion = \"R\"\nmaterial = \"ag\"\ncapacity = 10\ncost = 3\n\
[[demands]]\nregion = \"R\"\nmaterial = \"ag\"\nquantity = 4\n";

    fn load_with(args: &[&str]) -> Result<crate::Instance, String> {
        load_src_with(SRC, args)
    }

    /// `src` with the `--set` overrides `args`, validated; the first error's message.
    fn load_src_with(src: &str, args: &[&str]) -> Result<crate::Instance, String> {
        let mut raw = crate::raw::parse(src).unwrap();
        let ovs: Vec<Override> = args
            .iter()
            .map(|a| parse(a, "--set").map_err(|d| d.message))
            .collect::<Result<_, _>>()?;
        apply(&mut raw, &ovs).map_err(|e| e[0].message.clone())?;
        let v = crate::validate::validate(&raw);
        v.instance.ok_or_else(|| v.diagnostics[0].message.clone())
    }

    #[test]
    fn set_scale_wildcard_dotted_ids_and_default_ids() {
        let i = load_with(&[
            "mines.m.1.capacity=25",
            "demands.R/ag.quantity*=1.5",
            "mines.m.1.expansion.max=5",
            "mines.m.1.expansion.cost=2",
            "mines.*.expansion.max*=2",
        ])
        .unwrap();
        assert_eq!(i.mines[0].capacity, Series::Constant(25.0));
        assert_eq!(i.demands[0].quantity, Series::Constant(6.0));
        assert_eq!(i.mines[0].expansion.unwrap().max, 10.0);
    }

    /// `*` over an optional sub-table touches the entries that have one, never creates it.
    #[test]
    fn a_wildcard_on_an_optional_sub_table_skips_entries_without_it() {
        let e = load_with(&["mines.*.expansion.max=0"]).unwrap_err();
        assert!(e.contains("no entry of `mines` has an `expansion`"), "{e}");
        let i = load_with(&[
            "mines.m.1.expansion.max=5",
            "mines.m.1.expansion.cost=2",
            "mines.*.expansion.max=0",
        ])
        .unwrap();
        assert_eq!(i.mines[0].expansion.unwrap().max, 0.0);
    }

    /// Hints that a person can type: a share's example is a fraction, a percentage's
    /// fraction has no float tail, and a number beyond f64 is called out of range (it read
    /// as "found a string").
    #[test]
    fn hints_give_values_a_person_would_write() {
        let d = parse("targets.t.max_import_share=lots", "--set").unwrap_err();
        assert_eq!(d.hint.as_deref(), Some("write `targets.t.max_import_share=0.25`"));
        for set in [
            "mines.m.1.capacity=1e400",
            "mines.m.1.capacity*=-1e400",
            "mines.m.1.capacity*=inf",
        ] {
            let d = parse(set, "--set").unwrap_err();
            assert!(d.message.contains("is not a finite number"), "{set}: {}", d.message);
        }
        let src = SRC.replace(
            "[[mines]]",
            "[[tax_regimes]]\nid = \"x\"\nincome_tax_rate = 35.95\n[[mines]]",
        );
        let v = crate::validate::validate(&crate::raw::parse(&src).unwrap());
        let d = v.diagnostics.iter().find(|d| d.is_error()).unwrap();
        assert_eq!(
            d.hint.as_deref(),
            Some("shares and rates are fractions of 1, not percentages: if you meant 35.95%, write 0.3595")
        );
    }

    #[test]
    fn unknown_ids_fields_and_wrong_types_are_errors_with_hints() {
        let e = load_with(&["mines.m.2.capacity=1"]).unwrap_err();
        assert!(e.contains("no entry of `mines` has id `m.2`"), "{e}");
        let d = parse("mines.m.1.capcity=1", "--set").unwrap_err();
        assert!(d.hint.unwrap().contains("did you mean `capacity`"));
        let d = parse("mines.m.1.capacity=lots", "--set").unwrap_err();
        assert!(d.message.contains("takes a number"), "{}", d.message);
        let d = parse("mine.m.1.capacity=1", "--set").unwrap_err();
        assert!(d.hint.unwrap().contains("`mines`"));
        // A wildcard field (it said "has no field ``").
        let d = parse("mines.*.*=5", "--set").unwrap_err();
        assert_eq!(
            d.message,
            "--set `mines.*.*=5`: `*` stands for every id, not every field"
        );
        assert!(d.hint.unwrap().starts_with("name one field of `mines`: region"));
    }

    #[test]
    fn overridden_values_are_validated_and_name_their_origin() {
        let mut raw = crate::raw::parse(SRC).unwrap();
        let o = parse("mines.m.1.capacity=-5", "--set").unwrap();
        apply(&mut raw, &[o]).unwrap();
        let v = crate::validate::validate(&raw);
        assert!(v.instance.is_none());
        let d = v.diagnostics.iter().find(|d| d.is_error()).unwrap();
        assert!(d.message.contains("negative"));
        assert_eq!(d.origin.as_deref(), Some("--set `mines.m.1.capacity=-5`"));
    }

    /// An expansion created by `--set ...expansion.max` still needs its cost: the error
    /// says how to give it (the same way), not "add `cost` to this table" under a `[[mines]]`
    /// header that has no expansion table to add it to.
    #[test]
    fn an_expansion_created_by_an_override_asks_for_its_cost_by_override() {
        let d = first_error(SRC, &parse_all(&["mines.m.1.expansion.max=500"]));
        assert!(d.message.contains("missing required key `cost`"), "{}", d.message);
        let hint = d.hint.as_deref().unwrap();
        assert!(
            hint.contains("`mines.m.1.expansion.max=500` creates this table")
                && hint.contains("`--set mines.m.1.expansion.cost=...`"),
            "{hint}"
        );
        // From a scenario: the missing key goes in the scenario's `[set]`.
        let sc = parse_scenario("[set]\n\"mines.m.1.expansion.max\" = 500\n").unwrap();
        let hint = first_error(SRC, &sc.overrides).hint.unwrap();
        assert!(
            hint.contains("`\"mines.m.1.expansion.cost\" = ...` to the scenario's `[set]`"),
            "{hint}"
        );
        // A table in the file that lacks the key: the usual hint, not "creates this table".
        let src = SRC.replace("cost = 3\n", "cost = 3\nexpansion = { max = 100 }\n");
        let d = first_error(&src, &parse_all(&["mines.m.1.expansion.max=200"]));
        assert_eq!(d.hint.as_deref(), Some("add `cost = ...` to this table"));
        let i = load_with(&["mines.m.1.expansion.max=500", "mines.m.1.expansion.cost=10"]).unwrap();
        let e = i.mines[0].expansion.unwrap();
        assert_eq!((e.max, e.cost), (500.0, 10.0));
    }

    /// `--set` overrides, parsed.
    fn parse_all(sets: &[&str]) -> Vec<Override> {
        sets.iter().map(|s| parse(s, "--set").unwrap()).collect()
    }

    /// The first error of `src` with `overrides` applied (as the CLI applies them).
    fn first_error(src: &str, overrides: &[Override]) -> Diagnostic {
        let mut raw = crate::raw::parse(src).unwrap();
        apply(&mut raw, overrides).unwrap();
        let v = crate::validate::validate(&raw);
        v.diagnostics.into_iter().find(|d| d.is_error()).expect("an error")
    }

    /// `royalty_by_material` is set one material at a time: creating the table, replacing
    /// a rate, scaling every regime's; naming the table itself says how.
    #[test]
    fn royalty_by_material_is_set_one_material_at_a_time() {
        let src = SRC.replace(
            "[[mines]]",
            "[[materials]]\nid = \"cu\"\nprice = 5\n[[tax_regimes]]\nid = \"tx\"\n\
[[tax_regimes]]\nid = \"ty\"\nroyalty_by_material = { ag = 0.01 }\n[[mines]]",
        );
        let load = |args: &[&str]| load_src_with(&src, args);
        let rates = |i: &crate::Instance, t: usize| i.tax_regimes[t].royalty_by_material.clone();
        let i = load(&[
            "tax_regimes.tx.royalty_by_material.cu=0.02",
            "tax_regimes.ty.royalty_by_material.ag=0.03",
        ])
        .unwrap();
        assert_eq!(rates(&i, 0), vec![(1, 0.02)], "created on a regime without the table");
        assert_eq!(rates(&i, 1), vec![(0, 0.03)], "replaced on a regime with it");
        let i = load(&["tax_regimes.*.royalty_by_material.ag*=2"]).unwrap();
        assert_eq!(rates(&i, 0), vec![], "`*=` scales only the regimes that have the rate");
        assert_eq!(rates(&i, 1), vec![(0, 0.02)]);
        let i = load(&["tax_regimes.*.royalty_by_material.cu=0.05"]).unwrap();
        assert_eq!(rates(&i, 0), vec![(1, 0.05)], "`*` with `=` sets every regime's rate");
        assert_eq!(rates(&i, 1), vec![(0, 0.01), (1, 0.05)]);
        let e = load(&["tax_regimes.*.royalty_by_material.cu*=2"]).unwrap_err();
        assert!(
            e.contains("no entry of `tax_regimes` has a `royalty_by_material` rate for `cu`"),
            "{e}"
        );
        let hint = |set: &str| {
            let mut raw = crate::raw::parse(&src).unwrap();
            apply(&mut raw, &parse_all(&[set])).unwrap_err()[0]
                .hint
                .clone()
                .unwrap()
        };
        assert_eq!(
            hint("tax_regimes.*.royalty_by_material.cu*=2"),
            "`*=` scales existing rates (only `ag` has one); `tax_regimes.*.royalty_by_material.cu=RATE` sets one on every entry"
        );
        assert_eq!(
            hint("tax_regimes.*.royalty_by_material.zz*=2"),
            "`*=` scales existing rates (only `ag` has one); and `zz` is no material of this instance"
        );
        // A material's rate without the regime's id.
        let d = parse("tax_regimes.royalty_by_material.ag=0.03", "--set").unwrap_err();
        assert_eq!(
            d.message,
            "--set `tax_regimes.royalty_by_material.ag=0.03`: no id between `tax_regimes` and \
             `royalty_by_material.ag`"
        );
        assert!(
            d.hint
                .unwrap()
                .contains("`tax_regimes.*.royalty_by_material.ag` for all"),
            "the hint gives both keys"
        );
        for set in [
            "tax_regimes.ty.royalty_by_material.=0.02",
            "tax_regimes.ty.royalty_by_material.*=0.02",
        ] {
            let d = parse(set, "--set").unwrap_err();
            assert!(d.message.contains("no material after"), "{set}: {}", d.message);
        }
        let d = parse("tax_regimes.ty.royalty_by_material.ag=abc", "--set").unwrap_err();
        assert_eq!(
            d.hint.as_deref(),
            Some("write `tax_regimes.ty.royalty_by_material.ag=0.25`")
        );
        let e = load(&["tax_regimes.ty.royalty_by_material.agg=0.03"]).unwrap_err();
        assert!(e.contains("unknown material `agg`"), "{e}");
        let d = parse("tax_regimes.ty.royalty_by_material=0.03", "--set").unwrap_err();
        assert!(d.message.contains("set one material's rate"), "{}", d.message);
        assert!(
            d.hint
                .unwrap()
                .contains("`tax_regimes.ty.royalty_by_material.MATERIAL=0.02`"),
            "the hint gives the key"
        );
    }

    #[test]
    fn an_overridden_reference_that_resolves_to_nothing_names_its_override() {
        // The message shows the new id, the location the old text: the override must be named.
        for (set, message) in [
            ("mines.m.1.region=\"RR\"", "unknown region `RR`"),
            ("demands.R/ag.material=\"ax\"", "unknown material `ax`"),
        ] {
            let mut raw = crate::raw::parse(SRC).unwrap();
            apply(&mut raw, &[parse(set, "--set").unwrap()]).unwrap();
            let v = crate::validate::validate(&raw);
            let d = v
                .diagnostics
                .iter()
                .find(|d| d.message.contains(message))
                .expect(message);
            assert_eq!(d.origin, Some(format!("--set `{set}`")), "{set}");
        }
        // A reference the file itself gets wrong names no override.
        let raw = crate::raw::parse(&SRC.replace("region = \"R\"\nmaterial", "region = \"RR\"\nmaterial")).unwrap();
        let v = crate::validate::validate(&raw);
        let d = v
            .diagnostics
            .iter()
            .find(|d| d.message.contains("unknown region `RR`"))
            .unwrap();
        assert_eq!(d.origin, None);
    }

    /// The override matcher and validation name an entry by the same default id, also when a
    /// part of it is not a string (the matcher used to take `mode = 5` for `road` and a
    /// `material = 5` for `*`, while validation labelled the entry by its position).
    #[test]
    fn default_ids_agree_between_overrides_and_validation() {
        use crate::schema::default_id;
        let entry = |text: &str| {
            crate::raw::parse(&format!("[e]\n{text}")).map(|t| match &t.fields[0].value.kind {
                RawKind::Table(e) => e.clone(),
                _ => unreachable!(),
            })
        };
        for (collection, text, id) in [
            ("demands", "region = \"R\"\nmaterial = \"ag\"", Some("R/ag")),
            ("demands", "region = \"R\"\nmaterial = 5", None),
            ("lanes", "from = \"A\"\nto = \"B\"", Some("A->B/road")),
            ("lanes", "from = \"A\"\nto = \"B\"\nmode = \"rail\"", Some("A->B/rail")),
            ("lanes", "from = \"A\"\nto = \"B\"\nmode = 5", None),
            ("lanes", "from = \"A\"\nto = 5", None),
            ("tariffs", "importer = \"US\"\nexporter = \"CN\"", Some("CN->US/*")),
            (
                "tariffs",
                "importer = \"US\"\nexporter = \"CN\"\nmaterial = \"ag\"",
                Some("CN->US/ag"),
            ),
            ("tariffs", "importer = \"US\"\nexporter = \"CN\"\nmaterial = true", None),
            ("mines", "region = \"R\"\nmaterial = \"ag\"", None),
        ] {
            let t = entry(text).unwrap();
            assert_eq!(default_id(collection, &t).as_deref(), id, "{collection}: {text}");
            // An explicit string id wins; a non-string one falls back to the default.
            let with_id = entry(&format!("id = \"x\"\n{text}")).unwrap();
            assert_eq!(entry_id(collection, &with_id).as_deref(), Some("x"));
            let bad_id = entry(&format!("id = 1\n{text}")).unwrap();
            assert_eq!(entry_id(collection, &bad_id).as_deref(), id);
        }

        // A lane whose mode is not a string: validation names it by its position and the
        // matcher does not address it as `road`.
        let src = format!(
            "{SRC}[[regions]]\nid = \"S\"\ncountry = \"US\"\n[[lanes]]\nfrom = \"R\"\nto = \"S\"\ncost = 1\nmode = 5\n"
        );
        let v = crate::validate::validate(&crate::raw::parse(&src).unwrap());
        let messages: Vec<&str> = v.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            ["`mode` in lanes entry #1 must be a string, found an integer"]
        );
        let mut raw = crate::raw::parse(&src).unwrap();
        let e = apply(&mut raw, &[parse("lanes.R->S/road.cost=2", "--set").unwrap()]).unwrap_err();
        assert_eq!(
            e[0].message,
            "--set `lanes.R->S/road.cost=2`: no entry of `lanes` has id `R->S/road`"
        );

        // Nor does validation take it for a duplicate of the `road` lane.
        let src = format!("{src}[[lanes]]\nfrom = \"R\"\nto = \"S\"\ncost = 1\n");
        let v = crate::validate::validate(&crate::raw::parse(&src).unwrap());
        let messages: Vec<&str> = v.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            ["`mode` in lanes entry #1 must be a string, found an integer"]
        );
    }

    /// A value a scenario sets that validation rejects is named with the scenario's line
    /// (the loader adds the file), not only by its text.
    #[test]
    fn a_scenario_value_validation_rejects_names_its_line() {
        let sc = parse_scenario("name = \"up\"\n[set]\n\"mines.m.1.cost\" = 4\n\"mines.m.1.capacity\" = -5\n").unwrap();
        assert_eq!(sc.overrides[1].written_in.as_deref(), Some("scenario, line 4"));
        let mut raw = crate::raw::parse(SRC).unwrap();
        apply(&mut raw, &sc.overrides).unwrap();
        let v = crate::validate::validate(&raw);
        let d = v.diagnostics.iter().find(|d| d.is_error()).unwrap();
        assert_eq!(d.origin.as_deref(), Some("scenario, line 4: `mines.m.1.capacity=-5`"));
    }

    #[test]
    fn scenario_file_parses_and_reports_bad_keys_with_spans() {
        let sc =
            parse_scenario("name = \"up\"\n[set]\n\"demands.*.quantity*\" = 1.25\n\"mines.m.1.cost\" = 4\n").unwrap();
        assert_eq!(sc.overrides.len(), 2);
        assert_eq!(sc.overrides[0].op, Op::Scale(1.25));
        let e = parse_scenario("[set]\n\"mines.m.1.costt\" = 4\n").unwrap_err();
        assert!(e[0].span.is_some());
        // A type error's hint is in the file's syntax, not `--set`'s.
        let e = parse_scenario("[set]\n\"mines.m.1.capacity\" = \"5\"\n").unwrap_err();
        assert_eq!(e[0].hint.as_deref(), Some("write `\"mines.m.1.capacity\" = 1200`"));
        // Bare dotted keys: one error per key, asking for the quotes (it said "a key is
        // COLLECTION.ID.FIELD" and showed back what was written).
        let src = "[set]\nmines.m.capacity = 5\n\"mines.m.cost\" = 3\nmines.n.cost = 2\n";
        let e = parse_scenario(src).unwrap_err();
        let got: Vec<(&str, &str)> = e
            .iter()
            .map(|d| (d.message.as_str(), d.hint.as_deref().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "`mines.m.capacity` in `[set]` is not quoted: TOML splits a bare key at its dots",
                    "quote the key: `\"mines.m.capacity\" = 5`"
                ),
                (
                    "`mines.n.cost` in `[set]` is not quoted: TOML splits a bare key at its dots",
                    "quote the key: `\"mines.n.cost\" = 2`"
                ),
            ]
        );
        assert_eq!(&src[e[1].span.clone().unwrap()], "cost");
        // An empty table names nothing (it was skipped, and the run went on with no override);
        // a quoted key with a table value is a type error, not "not quoted".
        let e = parse_scenario("[set]\nmines.m = {}\n").unwrap_err();
        assert_eq!(e[0].message, "`mines` in `[set]` sets nothing");
        let e = parse_scenario("[set]\n\"mines.m.capacity\" = { 2025 = 5 }\n").unwrap_err();
        assert!(
            e[0].message.contains("`capacity` takes a number, found a table"),
            "{}",
            e[0].message
        );
    }

    // -----------------------------------------------------------------------------------
    // Time series (model contract section 5).

    /// SRC with periods, a series, a second mine whose id ends in digits, a target and a
    /// stockpile.
    fn src2() -> String {
        SRC.replacen("name = \"t\"", "name = \"t\"\nperiods = [2025, 2028, 2030]", 1)
            .replacen("price = 10", "price = { 2025 = 10, 2030 = 12 }", 1)
            + "[[mines]]\nid = \"m.2028\"\nregion = \"R\"\nmaterial = \"ag\"\ncapacity = 7\ncost = 3\n\
               [[targets]]\nid = \"cap\"\nmaterial = \"ag\"\nscope = \"US\"\nmax_import_share = 0.5\n\
               [[stockpiles]]\nid = \"s\"\nregion = \"R\"\nmaterial = \"ag\"\ncapacity = 10\n"
    }

    /// `src` with the overrides applied, validated.
    fn validated(src: &str, args: &[&str]) -> Result<crate::validate::Validated, String> {
        let mut raw = crate::raw::parse(src).unwrap();
        let ovs: Vec<Override> = args
            .iter()
            .map(|a| parse(a, "--set").map_err(|d| d.message))
            .collect::<Result<_, _>>()?;
        apply(&mut raw, &ovs).map_err(|e| e[0].message.clone())?;
        Ok(crate::validate::validate(&raw))
    }

    fn load2(args: &[&str]) -> Result<crate::Instance, String> {
        let v = validated(&src2(), args)?;
        v.instance.ok_or_else(|| v.diagnostics[0].message.clone())
    }

    fn per_period(s: &Series) -> Vec<f64> {
        (0..3).map(|p| s.at(p)).collect()
    }

    #[test]
    fn a_year_sets_one_entry_of_a_series() {
        let i = load2(&[
            "demands.R/ag.quantity.2030=900",
            "mines.m.1.capacity.2028=0",
            "targets.*.max_import_share.2030=0.6",
            "materials.ag.price.2028=11",
            "materials.ag.price.2030=13",
            "stockpiles.s.min_level.2025=4",
        ])
        .unwrap();
        // A plain number becomes `{ 2025 = c, YEAR = V }`.
        assert_eq!(per_period(&i.demands[0].quantity), [4.0, 4.0, 900.0]);
        assert_eq!(per_period(&i.mines[0].capacity), [10.0, 0.0, 0.0]);
        assert_eq!(per_period(&i.targets[0].max_import_share), [0.5, 0.5, 0.6]);
        // An entry is added to a series of the file, or replaces the one of its year.
        assert_eq!(per_period(&i.materials[0].price), [10.0, 11.0, 13.0]);
        // An absent optional series gets the one entry (from the first year on, or validation
        // reports it: see below).
        assert_eq!(per_period(&i.stockpiles[0].min_level), [4.0, 4.0, 4.0]);
        // The other mine, whose id ends in digits, is untouched.
        assert_eq!(i.mines[1].capacity, Series::Constant(7.0));
    }

    #[test]
    fn an_absent_series_set_from_a_later_year_has_no_first_value() {
        let Err(e) = validated(&src2(), &["mines.nosuch.capacity.2028=1"]) else {
            panic!("an override naming nothing was applied")
        };
        assert!(e.contains("no entry of `mines` has id `nosuch`"), "{e}");
        // Absent means "must be met": no number holds before 2028, and the error names the
        // overrides (it blamed the file: "has no value for the first period").
        let v = validated(&src2(), &["demands.R/ag.unmet_penalty.2028=5"]).unwrap();
        let d = &v.diagnostics[0];
        assert_eq!(
            d.message,
            "`unmet_penalty` in demand `R/ag` is not set in the file (the demand must be met in every year), \
             and the overrides give no value for the first period, 2025"
        );
        assert_eq!(d.origin.as_deref(), Some("--set `demands.R/ag.unmet_penalty.2028=5`"));
        // In any order with the first period's entry it is one series.
        for args in [
            ["demands.R/ag.unmet_penalty.2028=5", "demands.R/ag.unmet_penalty.2025=7"],
            ["demands.R/ag.unmet_penalty.2025=7", "demands.R/ag.unmet_penalty.2028=5"],
        ] {
            let i = load2(&args).unwrap();
            assert_eq!(
                per_period(i.demands[0].unmet_penalty.as_ref().unwrap()),
                [7.0, 5.0, 5.0]
            );
        }
        // A default of 0 fills the years before a later entry, not those after an earlier one.
        let i = load2(&["stockpiles.s.min_level.2020=3"]).unwrap();
        assert_eq!(per_period(&i.stockpiles[0].min_level), [3.0; 3]);
        // From the first year on it is the whole series.
        let i = load2(&["demands.R/ag.unmet_penalty.2025=5"]).unwrap();
        assert_eq!(per_period(i.demands[0].unmet_penalty.as_ref().unwrap()), [5.0; 3]);
        // A field whose absence is a number (a floor of 0, a royalty of 0) keeps it until the
        // entry: `{ 2025 = 0, 2028 = 5 }`.
        let i = load2(&["stockpiles.s.min_level.2028=5"]).unwrap();
        assert_eq!(per_period(&i.stockpiles[0].min_level), [0.0, 5.0, 5.0]);
    }

    #[test]
    fn ids_ending_in_digits_are_not_taken_for_years() {
        let p = parse("mines.m.2028.capacity=5", "--set").unwrap();
        assert_eq!((p.id.as_str(), p.field.as_str(), p.year), ("m.2028", "capacity", None));
        let p = parse("mines.m.2028.capacity.2030=5", "--set").unwrap();
        assert_eq!(
            (p.id.as_str(), p.field.as_str(), p.year),
            ("m.2028", "capacity", Some(2030))
        );
        let p = parse("mines.m.1.expansion.max=5", "--set").unwrap();
        assert_eq!(
            (p.id.as_str(), p.field.as_str(), p.year),
            ("m.1", "expansion.max", None)
        );
        let i = load2(&["mines.m.2028.capacity.2030=5"]).unwrap();
        assert_eq!(per_period(&i.mines[1].capacity), [7.0, 7.0, 5.0]);
        assert_eq!(i.mines[0].capacity, Series::Constant(10.0));
    }

    #[test]
    fn a_year_on_a_field_that_is_not_a_series_or_no_field_is_an_error() {
        let d = parse("mines.m.1.expansion.max.2030=5", "--set").unwrap_err();
        assert_eq!(
            d.message,
            "--set `mines.m.1.expansion.max.2030=5`: `expansion.max` of `mines` is not a time series, it has no year"
        );
        assert_eq!(
            d.hint.as_deref(),
            Some("set the one value with `mines.m.1.expansion.max=...`")
        );
        let d = parse("plants.p.yield.2030=1", "--set").unwrap_err();
        assert!(
            d.message.contains("`yield` of `plants` is not a time series"),
            "{}",
            d.message
        );
        let d = parse("mines.m.1.capcity.2030=5", "--set").unwrap_err();
        assert_eq!(
            d.message,
            "--set `mines.m.1.capcity.2030=5`: `mines` has no field `capcity`"
        );
        assert!(d.hint.unwrap().contains("did you mean `capacity`"));
        // A field without an id, with or without a year.
        for arg in ["mines.capacity.2030=5", "mines.capacity=5"] {
            let d = parse(arg, "--set").unwrap_err();
            assert_eq!(
                d.message,
                format!("--set `{arg}`: no id between `mines` and `capacity`")
            );
        }
        // A year must be all digits: said as such, not as a field the collection lacks.
        for (arg, year) in [
            ("mines.m.1.capacity.20x0=5", "20x0"),
            ("mines.m.1.capacity.2027.5=5", "2027.5"),
        ] {
            let d = parse(arg, "--set").unwrap_err();
            assert_eq!(
                d.message,
                format!("--set `{arg}`: `{year}` is not a year (after the field `capacity`)")
            );
            assert!(d.hint.unwrap().contains("`mines.ID.capacity.2030`"));
        }
        let d = parse("mines.m.1.capacity.2030=\"x\"", "--set").unwrap_err();
        assert_eq!(
            d.message,
            "--set `mines.m.1.capacity.2030=\"x\"`: `capacity.2030` takes a number, found a string"
        );
        let d = parse("mines.m.1.capacity.2030={ 2025 = 1 }", "--set").unwrap_err();
        assert!(d.message.contains("takes a number, found a table"), "{}", d.message);
    }

    #[test]
    fn a_constant_replaces_a_series_and_a_factor_scales_every_entry() {
        let i = load2(&["materials.ag.price=20"]).unwrap();
        assert_eq!(i.materials[0].price, Series::Constant(20.0));
        let i = load2(&["materials.ag.price*=2"]).unwrap();
        assert_eq!(per_period(&i.materials[0].price), [20.0, 20.0, 24.0]);
        let i = load2(&["materials.*.price*=0.5", "mines.*.capacity*=2"]).unwrap();
        assert_eq!(per_period(&i.materials[0].price), [5.0, 5.0, 6.0]);
        assert_eq!(i.mines[0].capacity, Series::Constant(20.0));
    }

    #[test]
    fn a_year_and_a_factor_scale_the_value_in_force_that_year() {
        // An entry of the year is scaled.
        let i = load2(&["materials.ag.price.2030*=2"]).unwrap();
        assert_eq!(per_period(&i.materials[0].price), [10.0, 10.0, 24.0]);
        // Without one, the value in force becomes the entry of the year, scaled.
        let i = load2(&["materials.ag.price.2028*=3"]).unwrap();
        assert_eq!(per_period(&i.materials[0].price), [10.0, 30.0, 12.0]);
        // A plain number is first turned into a series from the first period.
        let i = load2(&["demands.R/ag.quantity.2028*=1.5"]).unwrap();
        assert_eq!(per_period(&i.demands[0].quantity), [4.0, 6.0, 6.0]);
        // Before any entry there is nothing to scale; an absent field neither.
        let e = load2(&["materials.ag.price.2020*=2"]).unwrap_err();
        assert_eq!(
            e,
            "--set `materials.ag.price.2020*=2`: cannot scale `price.2020`, the series has no value in 2020"
        );
        let e = load2(&["stockpiles.s.min_level.2028*=2"]).unwrap_err();
        assert_eq!(
            e,
            "--set `stockpiles.s.min_level.2028*=2`: cannot scale `min_level`, it is not set"
        );
    }

    /// `KEY.YEAR` on an annual instance: one error naming the override, not two at the
    /// entry saying "write `schema = 2`" and "add `periods`" (the instance is right).
    #[test]
    fn without_periods_a_year_makes_a_series_that_validation_reports() {
        let v = validated(SRC, &["mines.m.1.capacity.2028=0"]).unwrap();
        assert!(v.instance.is_none());
        assert_eq!(
            v.diagnostics.iter().filter(|d| d.is_error()).count(),
            1,
            "{:?}",
            v.diagnostics
        );
        let d = &v.diagnostics[0];
        assert_eq!(
            d.message,
            "`capacity.2028` in mine `m.1` sets one year, but the instance has no `meta.periods`"
        );
        assert!(d.hint.as_deref().unwrap().contains("without the year"));
        assert_eq!(d.origin.as_deref(), Some("--set `mines.m.1.capacity.2028=0`"));
        // Located at the value it replaced.
        assert_eq!(&SRC[d.span.clone().unwrap()], "10");
        // Scaling one year of a plain number without periods keeps the number.
        let mut raw = crate::raw::parse(SRC).unwrap();
        apply(&mut raw, &[parse("mines.m.1.capacity.2028*=2", "--set").unwrap()]).unwrap();
        let RawKind::Array(mines) = &raw.get("mines").unwrap().value.kind else {
            panic!("mines")
        };
        let RawKind::Table(m) = &mines[0].kind else {
            panic!("mine")
        };
        let RawKind::Table(series) = &m.get("capacity").unwrap().value.kind else {
            panic!("not a series")
        };
        assert_eq!(series.fields.len(), 1);
        assert_eq!(
            (series.fields[0].key.as_str(), &series.fields[0].value.kind),
            ("2028", &RawKind::Float(20.0))
        );
    }

    #[test]
    fn only_the_entry_set_is_attributed_to_the_override() {
        // The file's own mistake in another entry names no override; the set entry does.
        let src = src2().replacen(
            "price = { 2025 = 10, 2030 = 12 }",
            "price = { 2025 = -10, 2030 = 12 }",
            1,
        );
        let v = validated(&src, &["materials.ag.price.2030=-1"]).unwrap();
        let errors: Vec<&Diagnostic> = v.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(
            errors[0].message,
            "`price.2025` in material `ag` must not be negative, found -10"
        );
        assert_eq!(errors[0].origin, None);
        assert_eq!(
            errors[1].message,
            "`price.2030` in material `ag` must not be negative, found -1"
        );
        assert_eq!(errors[1].origin.as_deref(), Some("--set `materials.ag.price.2030=-1`"));
        assert_eq!(&src[errors[1].span.clone().unwrap()], "12");
    }

    #[test]
    fn meta_discount_rate_and_lead_time_are_settable_and_periods_are_not() {
        let i = load2(&[
            "meta.discount_rate=0.05",
            "mines.m.1.expansion.max=5",
            "mines.m.1.expansion.cost=2",
            "mines.m.1.expansion.lead_time=3",
            "mines.*.expansion.lead_time*=2",
        ])
        .unwrap();
        assert_eq!(i.meta.discount_rate, 0.05);
        assert_eq!(i.mines[0].expansion.unwrap().lead_time, 6.0);
        assert!((i.periods[1].weight - 2.0 / 1.05f64.powi(3)).abs() < 1e-12);
        let e = load2(&["meta.discount_rate=1"]).unwrap_err();
        assert!(e.contains("must be at least 0 and below 1, found 1"), "{e}");
        let d = parse("meta.periods=[2025]", "--set").unwrap_err();
        assert_eq!(
            d.message,
            "--set `meta.periods=[2025]`: `meta.periods` cannot be overridden"
        );
        let d = parse("meta.discount_rat=0.1", "--set").unwrap_err();
        assert!(d.hint.unwrap().contains("did you mean `meta.discount_rate`"));
    }

    #[test]
    fn the_echo_keeps_what_the_user_wrote() {
        for arg in [
            "demands.R/ag.quantity.2030=900",
            "mines.m.1.capacity.2028*=0.5",
            "meta.discount_rate=0.05",
        ] {
            assert_eq!(parse(arg, "--set").unwrap().text, arg);
        }
    }

    #[test]
    fn scenario_files_address_series_entries() {
        let sc = parse_scenario(
            "[set]\n\"mines.m.1.capacity.2028\" = 0\n\"demands.*.quantity.2030*\" = 2\n\"materials.ag.price\" = 9\n",
        )
        .unwrap();
        let years: Vec<Option<i64>> = sc.overrides.iter().map(|o| o.year).collect();
        assert_eq!(years, [Some(2028), Some(2030), None]);
        assert_eq!(sc.overrides[1].op, Op::Scale(2.0));
        assert_eq!(sc.overrides[0].text, "mines.m.1.capacity.2028=0");
        let mut raw = crate::raw::parse(&src2()).unwrap();
        apply(&mut raw, &sc.overrides).unwrap();
        let i = crate::validate::validate(&raw).instance.unwrap();
        assert_eq!(per_period(&i.mines[0].capacity), [10.0, 0.0, 0.0]);
        assert_eq!(per_period(&i.demands[0].quantity), [4.0, 4.0, 8.0]);
        assert_eq!(i.materials[0].price, Series::Constant(9.0));
        let e = parse_scenario("[set]\n\"mines.m.1.cost.20x8\" = 4\n").unwrap_err();
        assert_eq!(line_col_of("[set]\n\"mines.m.1.cost.20x8\" = 4\n", &e[0]), 2);
    }

    /// A scenario's own keys with a value of the wrong type say what they take (`set = 3` used
    /// to be "unknown key `set`... did you mean `set`?"), located at the value.
    #[test]
    fn a_scenario_key_of_the_wrong_type_says_what_it_takes() {
        let src = "name = 3\nset = 3\n";
        let e = parse_scenario(src).unwrap_err();
        let got: Vec<(&str, usize)> = e.iter().map(|d| (d.message.as_str(), line_col_of(src, d))).collect();
        assert_eq!(
            got,
            [
                ("`name` in a scenario file takes a string, found an integer", 1),
                (
                    "`set` in a scenario file takes a table of \"KEY\" = VALUE (`[set]`, then one override per line), \
                     found an integer",
                    2
                ),
            ]
        );
        assert_eq!(&src[e[1].span.clone().unwrap()], "3");
    }

    fn line_col_of(src: &str, d: &Diagnostic) -> usize {
        d.line_col(src).unwrap().0
    }
}
