//! Overrides: `--set KEY=VALUE`, `--set KEY*=FACTOR` and scenario files, applied to the raw
//! tree before validation, so an override is checked exactly like a value in the file.
//!
//! `KEY` is `COLLECTION.ID.FIELD` (`mines.penasquito.capacity`, `lanes.MX-ZAC->US-TX/rail.cost`,
//! `mines.X.expansion.max`); `*` as the ID addresses every entry. Ids may contain dots, so the
//! field is matched from the end against the collection's schema. Default ids (demands
//! `REGION/MATERIAL`, lanes `FROM->TO/MODE`, tariffs `EXPORTER->IMPORTER/MATERIAL`) address
//! entries that have no explicit `id`.
//!
//! A scenario file is TOML with optional `name` and `description` and a table `[set]` of
//! `"KEY" = VALUE`; a key ending in `*` scales (`"demands.*.quantity*" = 1.25`).
//! Precedence: file < scenario < `--set` (later assignments win).

use crate::diag::{did_you_mean, Diagnostic};
use crate::raw::{RawField, RawKind, RawTable, RawValue};
use crate::schema::{self, Kind, COLLECTIONS};

/// One assignment, as given by the user.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub collection: String,
    pub id: String,
    pub field: String,
    pub op: Op,
    /// How the user wrote it, for messages and the report.
    pub text: String,
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
    let field = fields
        .iter()
        .filter(|(f, _)| {
            rest.len() > f.len() + 1 && rest.ends_with(f.as_str()) && rest[..rest.len() - f.len()].ends_with('.')
        })
        .max_by_key(|(f, _)| f.len());
    let Some((field, kind)) = field else {
        let last = rest.rsplit('.').next().unwrap_or(rest);
        let mut d = Diagnostic::error(format!("{origin} `{text}`: `{collection}` has no field `{last}`"), None);
        let names: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
        d = match did_you_mean(last, names.iter().copied()) {
            Some(s) => d.with_hint(format!("did you mean `{s}`? fields: {}", names.join(", "))),
            None => d.with_hint(format!("fields of `{collection}`: {}", names.join(", "))),
        };
        return Err(d);
    };
    let id = &rest[..rest.len() - field.len() - 1];
    let op = if scale {
        match value {
            RawKind::Int(i) => Op::Scale(i as f64),
            RawKind::Float(f) if f.is_finite() => Op::Scale(f),
            other => {
                return Err(Diagnostic::error(
                    format!(
                        "{origin} `{text}`: a scale factor must be a number, found {}",
                        other.type_name()
                    ),
                    None,
                ))
            }
        }
    } else {
        Op::Set(check_type(field, *kind, value, text, origin)?)
    };
    Ok(Override {
        collection: collection.to_string(),
        id: id.to_string(),
        field: field.clone(),
        op,
        text: text.to_string(),
    })
}

/// `meta.FIELD`: a number of `[meta]` (`meta.carrying_rate`); there is no id.
fn meta_key(field: &str, value: RawKind, scale: bool, text: &str, origin: &str) -> Result<Override, Diagnostic> {
    let numeric: Vec<&str> = schema::ordered("meta")
        .filter(|f| f.kind == Kind::Number)
        .map(|f| f.key)
        .collect();
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
    let op = match (scale, value) {
        (true, RawKind::Int(i)) => Op::Scale(i as f64),
        (true, RawKind::Float(f)) if f.is_finite() => Op::Scale(f),
        (true, other) => {
            return Err(Diagnostic::error(
                format!(
                    "{origin} `{text}`: a scale factor must be a number, found {}",
                    other.type_name()
                ),
                None,
            ))
        }
        (false, value) => Op::Set(check_type(field, Kind::Number, value, text, origin)?),
    };
    Ok(Override {
        collection: "meta".into(),
        id: String::new(),
        field: field.to_string(),
        op,
        text: text.to_string(),
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
    Err(Diagnostic::error(
        format!("{origin} `{text}`: `{field}` takes {want}, found {}", value.type_name()),
        None,
    )
    .with_hint(format!(
        "write `{}={}`",
        text.split('=').next().unwrap_or(field),
        example(want)
    )))
}

fn example(want: &str) -> &'static str {
    match want {
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

/// Apply overrides in order. Every override must address at least one entry.
pub fn apply(raw: &mut RawTable, overrides: &[Override], origin: &str) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    for o in overrides {
        if let Err(d) = apply_one(raw, o, origin) {
            errors.push(d);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn apply_one(raw: &mut RawTable, o: &Override, origin: &str) -> Result<(), Diagnostic> {
    let label = if origin.is_empty() {
        format!("`{}`", o.text)
    } else {
        format!("{origin} `{}`", o.text)
    };
    if o.collection == "meta" {
        return match raw.get_mut("meta").map(|f| &mut f.value.kind) {
            Some(RawKind::Table(t)) => set_field(t, o, &label),
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
        // have one; naming one entry creates it.
        if let Some((outer, _)) = o.field.split_once('.') {
            if o.id == "*" && t.get(outer).is_none() {
                skipped += 1;
                continue;
            }
        }
        hits += 1;
        set_field(t, o, &label)?;
    }
    if hits == 0 && skipped > 0 {
        let outer = o.field.split_once('.').map_or("", |(a, _)| a);
        return Err(Diagnostic::error(
            format!("{label}: no entry of `{}` has an `{outer}`", o.collection),
            None,
        ));
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

fn set_field(t: &mut RawTable, o: &Override, label: &str) -> Result<(), Diagnostic> {
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
    let new_kind = match &o.op {
        Op::Set(k) => k.clone(),
        Op::Scale(f) => match table.get(key).map(|x| &x.value.kind) {
            Some(RawKind::Int(i)) => RawKind::Float(*i as f64 * f),
            Some(RawKind::Float(x)) => RawKind::Float(x * f),
            // A time series: every entry is scaled.
            Some(RawKind::Table(series)) => {
                let mut scaled = series.clone();
                for e in &mut scaled.fields {
                    e.value.kind = match e.value.kind {
                        RawKind::Int(i) => RawKind::Float(i as f64 * f),
                        RawKind::Float(x) => RawKind::Float(x * f),
                        ref other => other.clone(),
                    };
                }
                RawKind::Table(scaled)
            }
            Some(other) => {
                return Err(Diagnostic::error(
                    format!("{label}: cannot scale `{key}`, it is {}", other.type_name()),
                    None,
                ))
            }
            None => {
                return Err(
                    Diagnostic::error(format!("{label}: cannot scale `{key}`, it is not set"), None)
                        .with_hint("set it with `KEY=VALUE` instead"),
                )
            }
        },
    };
    // The new value has no text in the file; it is located at the value it replaces (or its
    // entry), so every diagnostic about it points at the entry and names the override.
    let span = table
        .get(key)
        .and_then(|f| f.value.span.clone().or(f.key_span.clone()))
        .or(entry_span);
    let value = RawValue {
        kind: new_kind,
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
    Ok(())
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
    let raw = crate::raw::parse(source).map_err(|d| vec![*d])?;
    let mut errors = Vec::new();
    let mut sc = Scenario {
        name: None,
        description: None,
        overrides: Vec::new(),
    };
    for f in &raw.fields {
        match (f.key.as_str(), &f.value.kind) {
            ("name", RawKind::Str(s)) => sc.name = Some(s.to_string()),
            ("description", RawKind::Str(s)) => sc.description = Some(s.to_string()),
            ("set", RawKind::Table(t)) => {
                for a in &t.fields {
                    let (key, scale) = match a.key.strip_suffix('*') {
                        Some(k) => (k, true),
                        None => (a.key.as_str(), false),
                    };
                    let text = format!("{}{}{}", key, if scale { "*=" } else { "=" }, show(&a.value.kind));
                    match parse_key(key, a.value.kind.clone(), scale, &text, "scenario") {
                        Ok(o) => sc.overrides.push(o),
                        Err(mut d) => {
                            d.span = a.key_span.clone();
                            errors.push(d);
                        }
                    }
                }
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
    if errors.is_empty() {
        Ok(sc)
    } else {
        Err(errors)
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
        let mut raw = crate::raw::parse(SRC).unwrap();
        let ovs: Vec<Override> = args
            .iter()
            .map(|a| parse(a, "--set").map_err(|d| d.message))
            .collect::<Result<_, _>>()?;
        apply(&mut raw, &ovs, "--set").map_err(|e| e[0].message.clone())?;
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
    }

    #[test]
    fn overridden_values_are_validated_and_name_their_origin() {
        let mut raw = crate::raw::parse(SRC).unwrap();
        let o = parse("mines.m.1.capacity=-5", "--set").unwrap();
        apply(&mut raw, &[o], "--set").unwrap();
        let v = crate::validate::validate(&raw);
        assert!(v.instance.is_none());
        let d = v.diagnostics.iter().find(|d| d.is_error()).unwrap();
        assert!(d.message.contains("negative"));
        assert_eq!(d.origin.as_deref(), Some("--set `mines.m.1.capacity=-5`"));
    }

    #[test]
    fn an_overridden_reference_that_resolves_to_nothing_names_its_override() {
        // The message shows the new id, the location the old text: the override must be named.
        for (set, message) in [
            ("mines.m.1.region=\"RR\"", "unknown region `RR`"),
            ("demands.R/ag.material=\"ax\"", "unknown material `ax`"),
        ] {
            let mut raw = crate::raw::parse(SRC).unwrap();
            apply(&mut raw, &[parse(set, "--set").unwrap()], "--set").unwrap();
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
        let e = apply(&mut raw, &[parse("lanes.R->S/road.cost=2", "--set").unwrap()], "--set").unwrap_err();
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

    #[test]
    fn scenario_file_parses_and_reports_bad_keys_with_spans() {
        let sc =
            parse_scenario("name = \"up\"\n[set]\n\"demands.*.quantity*\" = 1.25\n\"mines.m.1.cost\" = 4\n").unwrap();
        assert_eq!(sc.overrides.len(), 2);
        assert_eq!(sc.overrides[0].op, Op::Scale(1.25));
        let e = parse_scenario("[set]\n\"mines.m.1.costt\" = 4\n").unwrap_err();
        assert!(e[0].span.is_some());
    }
}
