//! Builders of the reference collections: `[meta]`, blocs, countries, regions, materials
//! and tax regimes.

use super::ids::Resolver;
use super::series::{Check, YEARS};
use super::{Entry, Validator};
use crate::diag::Diagnostic;
use crate::instance::*;
use crate::raw::{RawKind, RawTable};

impl Validator {
    pub(super) fn meta(&mut self, raw: &RawTable) -> Option<Meta> {
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
            created_by: None,
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
        self.schema_version(&e);
        let periods = self.meta_periods(&e);
        self.periods = periods.clone();
        self.periods_invalid = e.table.get("periods").is_some() && periods.is_none();
        let discount_rate = self.discount_rate(&e);
        for key in ["periods", "discount_rate"] {
            if let Some(f) = e.table.get(key) {
                self.schema2_key(
                    format!("`{key}` in `[meta]` is a schema-2 key"),
                    f.key_span.clone(),
                    f.value.origin.clone(),
                );
            }
        }
        let carrying_rate = e
            .table
            .get("carrying_rate")
            .and_then(|_| self.share(&e, "carrying_rate"));
        Some(Meta {
            name: name?.0.to_string(),
            description: description.map(|d| d.to_string()),
            currency: currency.to_string(),
            year,
            carrying_rate,
            periods,
            discount_rate,
        })
    }

    /// `schema` in `[meta]`: 1 or 2 (schema 2 is a superset of 1).
    fn schema_version(&mut self, e: &Entry) {
        let Some(f) = e.table.get("schema") else {
            return;
        };
        if let RawKind::Int(1) = f.value.kind {
            self.schema1 = Some(f.value.span.clone());
        }
        let msg = match &f.value.kind {
            RawKind::Int(1 | 2) => None,
            RawKind::Int(n) => Some(format!("unsupported schema {n}: this version reads schemas 1 and 2")),
            other => Some(format!(
                "`schema` in `[meta]` must be the integer 1 or 2, found {}",
                other.type_name()
            )),
        };
        if let Some(msg) = msg {
            self.diags.push(
                Diagnostic::error(msg, f.value.span.clone())
                    .with_origin(f.value.origin.clone())
                    .with_hint("write `schema = 2` (or 1 for a file without periods, stockpiles or origins), or remove the key"),
            );
        }
    }

    /// `discount_rate` in `[meta]`: a rate in [0, 1); 0 when absent (or invalid, which is
    /// reported).
    fn discount_rate(&mut self, e: &Entry) -> f64 {
        let Some(f) = e.table.get("discount_rate") else {
            return 0.0;
        };
        let Some((x, span)) = self.number_value(&e.label, "discount_rate", &f.value) else {
            return 0.0;
        };
        if (0.0..1.0).contains(&x) {
            return x;
        }
        let hint = if x > 1.0 && x <= 100.0 {
            format!(
                "the rate is a fraction of 1 per year: if you meant {x}%, write {}",
                x / 100.0
            )
        } else {
            "use a fraction of 1 per year, e.g. `discount_rate = 0.05`".to_string()
        };
        self.diags.push(
            Diagnostic::error(
                format!("`discount_rate` in `[meta]` must be at least 0 and below 1, found {x}"),
                span,
            )
            .with_origin(f.value.origin.clone())
            .with_hint(hint),
        );
        0.0
    }

    /// `periods` in `[meta]`: a list of strictly increasing calendar years ([`YEARS`]), at least one.
    fn meta_periods(&mut self, e: &Entry) -> Option<Vec<i64>> {
        let f = e.table.get("periods")?;
        let hint = "write the first year of each period, e.g. `periods = [2025, 2026, 2028, 2030]`";
        let RawKind::Array(items) = &f.value.kind else {
            self.diags.push(
                Diagnostic::error(
                    format!(
                        "`periods` in `[meta]` must be a list of years, found {}",
                        f.value.kind.type_name()
                    ),
                    f.value.span.clone(),
                )
                .with_origin(f.value.origin.clone())
                .with_hint(hint),
            );
            return None;
        };
        if items.is_empty() {
            self.diags.push(
                Diagnostic::error(
                    "`periods` in `[meta]` is empty: give at least one year",
                    f.value.span.clone(),
                )
                .with_origin(f.value.origin.clone())
                .with_hint(hint),
            );
            return None;
        }
        let mut years: Vec<i64> = Vec::with_capacity(items.len());
        let mut ok = true;
        for it in items {
            match it.kind {
                RawKind::Int(y) if !YEARS.contains(&y) => {
                    self.diags.push(
                        Diagnostic::error(
                            format!("`periods` in `[meta]` lists {y}, which is not a calendar year (1 to 9999)"),
                            it.span.clone(),
                        )
                        .with_origin(it.origin.clone())
                        .with_hint(hint),
                    );
                    ok = false;
                }
                RawKind::Int(y) if years.last().is_some_and(|last| y <= *last) => {
                    self.diags.push(
                        Diagnostic::error(
                            format!(
                                "`periods` in `[meta]` must be strictly increasing: {y} follows {}",
                                years.last().unwrap()
                            ),
                            it.span.clone(),
                        )
                        .with_origin(it.origin.clone())
                        .with_hint(hint),
                    );
                    ok = false;
                }
                RawKind::Int(y) => years.push(y),
                ref other => {
                    self.diags.push(
                        Diagnostic::error(
                            format!(
                                "`periods` in `[meta]` must list integer years, found {}",
                                other.type_name()
                            ),
                            it.span.clone(),
                        )
                        .with_origin(it.origin.clone())
                        .with_hint(hint),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(years)
    }

    pub(super) fn blocs(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Bloc> {
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

    pub(super) fn countries(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Country> {
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

    pub(super) fn regions(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<Region> {
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

    pub(super) fn materials(&mut self, tables: &[&RawTable]) -> Vec<Material> {
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
                price: self.series(e, "price", Check::NonNeg).unwrap_or(Series::Constant(0.0)),
                span: e.table.span.clone(),
            })
            .collect()
    }

    pub(super) fn tax_regimes(&mut self, tables: &[&RawTable], r: &Resolver) -> Vec<TaxRegime> {
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
                                // A key an override added has no text: point at its value's place
                                // (the entry), which names the override.
                                let span = mf.key_span.clone().or_else(|| mf.value.span.clone());
                                let m = self.resolve(r, "materials", "material", &mf.key, &span);
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
                    royalty_rate: self
                        .series(e, "royalty_rate", Check::Share)
                        .unwrap_or(Series::Constant(0.0)),
                    fee_per_t: self
                        .series(e, "fee_per_t", Check::NonNeg)
                        .unwrap_or(Series::Constant(0.0)),
                    income_tax_rate: self
                        .series(e, "income_tax_rate", Check::Share)
                        .unwrap_or(Series::Constant(0.0)),
                    royalty_by_material: by_material,
                    span: e.table.span.clone(),
                }
            })
            .collect()
    }
}
