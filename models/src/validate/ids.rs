//! Ids and references: each entry's id and label, malformed and duplicate ids, and the
//! resolution of names into indices (`Ids`, `Resolver`) with near-miss suggestions.

use super::{Entry, Sp, Validator};
use crate::diag::{did_you_mean, Diagnostic};
use crate::instance::{Party, SmolStr};
use crate::raw::{RawKind, RawTable, RawValue};
use crate::schema::default_id;
use std::collections::HashMap;
use std::ops::Range;

/// The id look-ups, hashed with foldhash: SipHash's resistance to chosen keys buys nothing
/// for ids read from the user's own file, and cost 5% of validating a large instance.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

impl Validator {
    /// Check an explicit id against `[A-Za-z0-9_.-]+`. Default ids (`REGION/MATERIAL`,
    /// `FROM->TO/MODE`, ...) are built from other ids and are never passed here.
    pub(super) fn id_ok(&mut self, id: &str, span: &Option<Range<usize>>, what: &str) {
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

    pub(super) fn entries<'a>(
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
                let label = match &id {
                    Some((s, _)) => format!("{singular} `{s}`"),
                    None => match default_id(coll, t) {
                        Some(s) => format!("{singular} `{s}`"),
                        None => format!("{coll} entry #{}", i + 1),
                    },
                };
                let e = Entry {
                    table: t,
                    label,
                    span: t.span.clone(),
                    created_by: None,
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
    pub(super) fn collect_ids(&mut self, tables: &[&RawTable]) -> Ids {
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
    pub(super) fn check_ids(&mut self, what: &str, ids: &[Sp<SmolStr>]) {
        for (id, span) in ids {
            self.id_ok(id, span, what);
        }
        self.check_unique(what, ids);
    }

    /// Report every id seen before, at its second (third, ...) occurrence, with a note
    /// pointing at the first.
    pub(super) fn check_unique(&mut self, what: &str, ids: &[Sp<SmolStr>]) {
        let ids: Vec<(Sp<SmolStr>, bool)> = ids.iter().map(|id| (id.clone(), false)).collect();
        self.check_ids_defaulted(what, &ids, "");
    }

    pub(super) fn resolve(
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

    pub(super) fn reference(&mut self, e: &Entry, key: &str, r: &Resolver, coll: &str, what: &str) -> Option<usize> {
        let (name, span) = self.string(e, key)?;
        self.resolve(r, coll, what, &name, &span)
    }

    /// A country or bloc id.
    pub(super) fn party(&mut self, e: &Entry, key: &str, r: &Resolver) -> Option<Party> {
        let (name, span) = self.string(e, key)?;
        self.party_named(r, &name, &span)
    }

    pub(super) fn party_named(&mut self, r: &Resolver, name: &str, span: &Option<Range<usize>>) -> Option<Party> {
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

    /// Duplicates among ids some of which were generated from other fields after `pattern`;
    /// `ids` holds ((id, span), defaulted) per entry.
    pub(super) fn check_ids_defaulted(&mut self, what: &str, ids: &[(Sp<SmolStr>, bool)], pattern: &str) {
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
}

/// "country" -> "countries", "mine" -> "mines".
fn plural(what: &str) -> String {
    match what.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{what}s"),
    }
}

#[derive(Default)]
pub(super) struct Ids {
    pub(super) names: Vec<SmolStr>,
    pub(super) spans: Vec<Option<Range<usize>>>,
    index: FastMap<SmolStr, usize>,
}

impl Ids {
    pub(super) fn push(&mut self, name: SmolStr, span: Option<Range<usize>>, entry: usize) {
        self.index.entry(name.clone()).or_insert(entry);
        self.names.push(name);
        self.spans.push(span);
    }
    pub(super) fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

pub(super) struct Resolver<'a> {
    pub(super) ids: &'a HashMap<&'a str, Ids>,
}

impl Resolver<'_> {
    /// What `name` is when it is the id of an entry of another collection than `except`
    /// (e.g. "a country" for `US` written where a region is expected).
    pub(super) fn kind_of(&self, name: &str, except: &[&str]) -> Option<&'static str> {
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
    pub(super) fn list(&self, coll: &str) -> String {
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
