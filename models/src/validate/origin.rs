//! Origin tracking (model contract section 7): `meta.origin_classes`, tariff `origin`,
//! target `basis` and stockpile `initial_origin`.
//!
//! The classes are resolved once every country and bloc is known: each country goes to the
//! first listed group that holds it, every other one to `other`. A set of countries that a
//! tariff's `origin` or an origin-basis target's `sources` names must not split a class
//! (hold some of its countries and not the others): tracking only knows the class of a
//! tonne, not its country. The error names the class and the `origin_classes` entry that
//! would make the set whole.

use super::ids::Resolver;
use super::{Entry, Sp, Validator};
use crate::diag::Diagnostic;
use crate::instance::*;
use crate::raw::{RawKind, RawTable};

/// The name of the class of every country no listed group holds.
pub const OTHER: &str = "other";

/// What the tariff, target and stockpile builders read before the classes are known, to be
/// resolved by [`Validator::resolve_origins`].
#[derive(Default)]
pub(super) struct Pending {
    /// Per tariff: the parties of its `origin`, with the value's span, if given.
    pub tariffs: Vec<Option<(Vec<Party>, Span)>>,
    /// Per target: the span of `basis = "origin"`, if so.
    pub targets: Vec<Option<Span>>,
    /// Per stockpile: `initial_origin` as written, if given.
    pub stockpiles: Vec<Option<Sp<SmolStr>>>,
    /// `meta.origin_classes` is written (valid or not): where it did not validate, the keys
    /// that need it are not also told to add it.
    pub classes_given: bool,
}

impl Validator {
    /// `origin` of a tariff: a bloc, a country or a list of them.
    pub(super) fn tariff_origin(&mut self, e: &Entry, r: &Resolver) -> Option<(Vec<Party>, Span)> {
        let f = e.table.get("origin")?;
        let span = f.value.span.clone();
        self.schema2_key(
            format!("`origin` in {} is a schema-2 key", e.label),
            f.key_span.clone(),
            f.value.origin.clone(),
        );
        // What does not resolve is reported here; the rest still marks the tariff as one with
        // an origin, so that it is not also taken for a tariff without one (a false tie).
        let list = self.string_list(e, "origin").unwrap_or_default();
        let parties: Vec<Party> = list.iter().filter_map(|(n, s)| self.party_named(r, n, s)).collect();
        Some((parties, span))
    }

    /// `basis` of a target: `crossing` (the default) or `origin`.
    pub(super) fn target_basis(&mut self, e: &Entry) -> (Basis, Option<Span>) {
        let Some((text, span)) = self.string(e, "basis") else {
            return (Basis::Crossing, None);
        };
        if let Some(f) = e.table.get("basis") {
            self.schema2_key(
                format!("`basis` in {} is a schema-2 key", e.label),
                f.key_span.clone(),
                f.value.origin.clone(),
            );
        }
        match text.as_str() {
            "crossing" => (Basis::Crossing, None),
            "origin" => (Basis::Origin, Some(span)),
            other => {
                self.diags.push(
                    Diagnostic::error(
                        format!(
                            "`basis` in {} must be \"crossing\" or \"origin\", found \"{other}\"",
                            e.label
                        ),
                        span,
                    )
                    .with_hint(
                        "`crossing` counts what crosses into the scope; `origin` counts the use mined in the sources",
                    ),
                );
                (Basis::Crossing, None)
            }
        }
    }

    /// `initial_origin` of a stockpile, as written (a class id, resolved later).
    pub(super) fn stockpile_initial_origin(&mut self, e: &Entry) -> Option<Sp<SmolStr>> {
        let f = e.table.get("initial_origin")?;
        self.schema2_key(
            format!("`initial_origin` in {} is a schema-2 key", e.label),
            f.key_span.clone(),
            f.value.origin.clone(),
        );
        self.string(e, "initial_origin")
    }

    /// `meta.origin_classes`: bloc or country ids, none of them `other`.
    pub(super) fn origin_classes(
        &mut self,
        raw: &RawTable,
        r: &Resolver,
        blocs: &[Bloc],
        n_countries: usize,
    ) -> Option<Origin> {
        let meta = match raw.get("meta").map(|f| &f.value.kind) {
            Some(RawKind::Table(t)) => t,
            _ => return None,
        };
        let f = meta.get("origin_classes")?;
        self.pending.classes_given = true;
        let e = Entry {
            table: meta,
            label: "`[meta]`".into(),
            span: meta.span.clone(),
            created_by: None,
        };
        self.schema2_key(
            "`origin_classes` in `[meta]` is a schema-2 key".into(),
            f.key_span.clone(),
            f.value.origin.clone(),
        );
        let list = self.string_list(&e, "origin_classes")?;
        let mut classes: Vec<SmolStr> = Vec::new();
        let mut class_of = vec![usize::MAX; n_countries];
        let mut ok = true;
        for (name, span) in &list {
            if name == OTHER {
                self.diags.push(
                    Diagnostic::error("`other` cannot be listed in `origin_classes`", span.clone())
                        .with_hint("`other` is the class of every country no listed group holds; leave it out"),
                );
                ok = false;
                continue;
            }
            if classes.contains(name) {
                self.diags.push(
                    Diagnostic::error(format!("`{name}` is listed twice in `origin_classes`"), span.clone())
                        .with_hint("list each bloc or country once"),
                );
                ok = false;
                continue;
            }
            let Some(party) = self.party_named(r, name, span) else {
                ok = false;
                continue;
            };
            let members = match party {
                Party::Country(c) => vec![c],
                Party::Bloc(b) => blocs.get(b).map(|b| b.countries.clone()).unwrap_or_default(),
            };
            let k = classes.len();
            let mut gained = false;
            for c in members.into_iter().filter(|&c| c < n_countries) {
                if class_of[c] == usize::MAX {
                    class_of[c] = k;
                    gained = true;
                }
            }
            if !gained {
                self.diags.push(
                    Diagnostic::warning(
                        format!(
                            "origin class `{name}` is empty: every one of its countries is in a class listed before it"
                        ),
                        span.clone(),
                    )
                    .with_hint("list it before the groups that hold its countries, or remove it"),
                );
            }
            classes.push(name.clone());
        }
        let other = classes.len();
        classes.push(OTHER.into());
        class_of
            .iter_mut()
            .filter(|k| **k == usize::MAX)
            .for_each(|k| *k = other);
        ok.then_some(Origin { classes, class_of })
    }

    /// Resolve what [`Pending`] holds against the instance's classes: tariff origins to
    /// class sets, stockpiles' initial origins to a class, and check that no tariff origin or
    /// origin-basis target splits a class (or appears without `origin_classes`).
    pub(super) fn resolve_origins(&mut self, inst: &mut Instance, pending: Pending) {
        // The example names the file's own blocs (or countries), never an id it lacks.
        let example: Vec<String> = match inst.blocs.is_empty() {
            true => inst.countries.iter().take(2).map(|c| format!("\"{}\"", c.id)).collect(),
            false => inst.blocs.iter().take(2).map(|b| format!("\"{}\"", b.id)).collect(),
        };
        let hint = format!(
            "add e.g. `origin_classes = [{}]` to `[meta]`: a tonne then keeps the class of the country it was mined in",
            example.join(", ")
        );
        let classes_given = pending.classes_given;
        let untracked = |diags: &mut Vec<Diagnostic>, what: String, span: Span| {
            // `origin_classes` is there but did not validate: its own error says what to fix.
            if !classes_given {
                diags.push(
                    Diagnostic::error(format!("{what} needs `origin_classes` in `[meta]`"), span)
                        .with_hint(hint.clone()),
                );
            }
        };
        for (t, entry) in pending.tariffs.into_iter().enumerate() {
            let Some((parties, span)) = entry else { continue };
            // Marked as a tariff with an origin whatever follows (see `tariff_origin`).
            inst.tariffs[t].origin = Some(Vec::new());
            let Some(o) = inst.origin.clone() else {
                let id = inst.tariffs[t].id.clone();
                untracked(&mut self.diags, format!("the `origin` of tariff `{id}`"), span);
                continue;
            };
            let countries: Vec<usize> = parties.iter().flat_map(|&p| inst.party_countries(p)).collect();
            let what = format!("the `origin` of tariff `{}`", inst.tariffs[t].id);
            self.check_whole(inst, &o, &countries, &what, &span);
            let mut set: Vec<usize> = countries.iter().map(|&c| o.class_of[c]).collect();
            set.sort_unstable();
            set.dedup();
            inst.tariffs[t].origin = Some(set);
        }
        for (t, span) in pending.targets.into_iter().enumerate() {
            let Some(span) = span else { continue };
            match inst.origin.clone() {
                None => {
                    let what = format!("`basis = \"origin\"` in target `{}`", inst.targets[t].id);
                    untracked(&mut self.diags, what, span);
                }
                Some(o) => {
                    let what = format!("the sources of origin-basis target `{}`", inst.targets[t].id);
                    let sources = inst.targets[t].sources.clone();
                    self.check_whole(inst, &o, &sources, &what, &span);
                }
            }
        }
        for (s, entry) in pending.stockpiles.into_iter().enumerate() {
            let stock = &inst.stockpiles[s];
            let default = match stock.region < inst.regions.len() {
                true => inst.country_class(inst.region_country(stock.region)),
                false => 0,
            };
            inst.stockpiles[s].initial_origin = default;
            let Some((name, span)) = entry else { continue };
            let Some(o) = &inst.origin else {
                let what = format!("`initial_origin` in stockpile `{}`", inst.stockpiles[s].id);
                untracked(&mut self.diags, what, span);
                continue;
            };
            match o.classes.iter().position(|k| *k == name) {
                Some(k) => inst.stockpiles[s].initial_origin = k,
                None => self.diags.push(
                    Diagnostic::error(format!("unknown origin class `{name}`"), span).with_hint(format!(
                        "the classes are {}",
                        o.classes
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ),
            }
        }
    }

    /// A set of countries that holds some of a class's countries and not the others is an
    /// error naming the class and the `origin_classes` entry that would make the set whole.
    fn check_whole(&mut self, inst: &Instance, o: &Origin, set: &[usize], what: &str, span: &Span) {
        for (k, class) in o.classes.iter().enumerate() {
            let members: Vec<usize> = (0..o.class_of.len()).filter(|&c| o.class_of[c] == k).collect();
            let (inside, outside): (Vec<usize>, Vec<usize>) = members.iter().partition(|c| set.contains(c));
            if inside.is_empty() || outside.is_empty() {
                continue;
            }
            let names = |cs: &[usize]| cs.iter().map(|&c| inst.countries[c].id.to_string()).collect::<Vec<_>>();
            let entry = party_named_exactly(inst, &inside)
                .unwrap_or_else(|| format!("a bloc of {}", names(&inside).join(", ")));
            let mut listed: Vec<String> = o.classes[..o.classes.len() - 1]
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect();
            let quoted = match party_named_exactly(inst, &inside) {
                Some(id) => format!("\"{id}\""),
                None => "\"NEW_BLOC\"".into(),
            };
            listed.insert(k.min(listed.len()), quoted);
            self.diags.push(
                Diagnostic::error(
                    format!(
                        "{what} splits origin class `{class}`: it holds {} but not {}",
                        names(&inside).join(", "),
                        names(&outside).join(", ")
                    ),
                    span.clone(),
                )
                .with_hint(format!(
                    "tracking knows a tonne's class, not its country: give {entry} a class of its own, listed before `{class}`: `origin_classes = [{}]`",
                    listed.join(", ")
                )),
            );
        }
    }
}

/// The id of a country or bloc whose countries are exactly `countries`, if there is one.
fn party_named_exactly(inst: &Instance, countries: &[usize]) -> Option<String> {
    if let [c] = countries {
        return Some(inst.countries[*c].id.to_string());
    }
    let mut want = countries.to_vec();
    want.sort_unstable();
    inst.blocs.iter().find_map(|b| {
        let mut have = b.countries.clone();
        have.sort_unstable();
        have.dedup();
        (have == want).then(|| b.id.to_string())
    })
}
