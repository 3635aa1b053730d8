//! Time series (model contract section 5): a field given as a number holds in every period;
//! given as an inline table from year to value (`{ 2025 = 0, 2028 = 8000 }`) it is a step
//! function, resolved here into one value per period.

use super::{Entry, Validator};
use crate::diag::Diagnostic;
use crate::instance::{Series, Span};
use crate::raw::{RawField, RawKind, RawTable, RawValue};

/// The year of a series key: digits only (`2028`, not `+2028`, ` 2028` or `2028.5`).
pub(crate) fn year_key(key: &str) -> Option<i64> {
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse().ok().filter(|y| YEARS.contains(y))
}

/// The years a period or a series entry may name: calendar years of four digits at most (a
/// negative year was accepted in `periods` while no series could name it).
pub(crate) const YEARS: std::ops::RangeInclusive<i64> = 1..=9999;

/// The entry of a series table in force in `year`: the one with the greatest year at or
/// before it (`None` for a plain number, or when no entry is that early).
pub(super) fn entry_in_force(v: &RawValue, year: i64) -> Option<(i64, &RawField)> {
    let RawKind::Table(t) = &v.kind else {
        return None;
    };
    t.fields
        .iter()
        .filter_map(|f| Some((year_key(&f.key)?, f)))
        .filter(|(y, _)| *y <= year)
        .max_by_key(|(y, _)| *y)
}

/// One checked entry of a series table: its year, value, where it is written and, when an
/// override set it, which.
struct SeriesEntry {
    year: i64,
    value: f64,
    span: Span,
    origin: Option<String>,
}

/// The check every value of a series obeys, the same as the plain field's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    /// A finite number `>= 0`.
    NonNeg,
    /// A share in [0, 1].
    Share,
    /// A tariff rate: `>= 0`, a warning above 1.
    Rate,
}

impl Validator {
    /// The series under `key` (a number or a year table); `None` when absent or invalid.
    pub(super) fn series(&mut self, e: &Entry, key: &str, check: Check) -> Option<Series> {
        let f = e.table.get(key)?;
        self.series_value(&e.label, key, &f.value, check)
    }

    fn checked(&mut self, label: &str, key: &str, v: &RawValue, check: Check) -> Option<f64> {
        match check {
            Check::NonNeg => self.nonneg_value(label, key, v),
            Check::Share => self.share_value(label, key, v),
            Check::Rate => self.rate_value(label, key, v),
        }
    }

    /// The series of `key` in the entry `label` from its raw value: a number (checked like
    /// the plain field), or a table from year to value resolved against `meta.periods`.
    ///
    /// Every entry is checked, also when the file has no (valid) `meta.periods`, so that all
    /// the errors of a series are reported at once; `None` when anything is wrong.
    pub(super) fn series_value(&mut self, label: &str, key: &str, v: &RawValue, check: Check) -> Option<Series> {
        let RawKind::Table(t) = &v.kind else {
            return self.checked(label, key, v, check).map(Series::Constant);
        };
        if v.origin.is_some() && self.periods.is_none() && !self.periods_invalid {
            // A `KEY.YEAR` override on an annual instance: the instance is not wrong, the
            // override is (one error, not "write schema = 2" and "add periods" at the entry).
            let years: Vec<String> = t.fields.iter().map(|f| format!("`{key}.{}`", f.key)).collect();
            self.diags.push(
                Diagnostic::error(
                    format!(
                        "{} in {label} {}, but the instance has no `meta.periods`",
                        years.join(", "),
                        if years.len() == 1 {
                            "sets one year"
                        } else {
                            "set single years"
                        }
                    ),
                    v.span.clone(),
                )
                .with_origin(v.origin.clone())
                .with_hint(format!(
                    "an override `KEY.YEAR=V` changes one year of an instance with periods (schema 2); \
                     on an annual instance write `{key}` without the year"
                )),
            );
            return None;
        }
        self.schema2_key(
            format!("`{key}` in {label} is a time series"),
            v.span.clone(),
            v.origin.clone(),
        );
        let first = self.periods.as_ref().map(|years| years[0]);
        let entries = self.series_entries(label, key, t, check, first);
        let Some(years) = self.periods.clone() else {
            // An invalid `meta.periods` is reported where it is written.
            if !self.periods_invalid {
                self.diags.push(
                    Diagnostic::error(
                        format!("`{key}` in {label} is a time series, but the file has no `meta.periods`"),
                        v.span.clone(),
                    )
                    .with_origin(v.origin.clone())
                    .with_hint("add `periods = [2025, 2026, ...]` to `[meta]`, or give one number"),
                );
            }
            return None;
        };
        let mut entries = entries?;
        entries.sort_by_key(|e| e.year);
        if entries.first().is_none_or(|e| e.year > years[0]) {
            let d = match &v.origin {
                // Only a field the file leaves out becomes a series by overrides alone: an
                // unlimited capacity or an unmet penalty that must be met, which no number
                // stands for.
                Some(_) => Diagnostic::error(
                    format!(
                        "`{key}` in {label} is not set in the file ({}), and the overrides give no value for the first period, {}",
                        match key {
                            "unmet_penalty" => "the demand must be met in every year",
                            _ => "no limit in any year",
                        },
                        years[0]
                    ),
                    v.span.clone(),
                )
                .with_hint(format!(
                    "no number stands for the absent value: add an override for {} too (`...{key}.{}=V`; each value \
                     holds until the next entry), or set `{key}` for every year",
                    years[0], years[0]
                )),
                None => Diagnostic::error(
                    format!("`{key}` in {label} has no value for the first period, {}", years[0]),
                    v.span.clone(),
                )
                .with_hint(format!(
                    "add an entry for {} (or earlier): a value holds until the next entry",
                    years[0]
                )),
            };
            self.diags.push(d.with_origin(v.origin.clone()));
            return None;
        }
        self.entries_never_in_force(label, key, &entries, &years);
        let values: Box<[f64]> = years
            .iter()
            .map(|y| entries.iter().rev().find(|e| e.year <= *y).map_or(0.0, |e| e.value))
            .collect();
        Some(Series::PerPeriod(values))
    }

    /// Warn of the entries of a series (sorted by year) that no period uses: one after the
    /// last period, or one replaced by the next entry before any period starts (`2024` beside
    /// `2025` when the first period is 2025). A warning, not an error, also when an override
    /// set it: a table may serve several horizons, and a script that raises one year and
    /// restores the next (`KEY.2030=V --set KEY.2031=OLD`) asks for nothing wrong.
    fn entries_never_in_force(&mut self, label: &str, key: &str, entries: &[SeriesEntry], years: &[i64]) {
        let (first, last) = (years[0], years[years.len() - 1]);
        let horizon = if first == last {
            format!("the one period is {first}")
        } else {
            format!("the periods run from {first} to {last}")
        };
        for (k, e) in entries.iter().enumerate() {
            let next = entries.get(k + 1).map(|n| n.year).filter(|&n| n <= last);
            let in_force = years.iter().any(|&y| e.year <= y && next.is_none_or(|n| y < n));
            if in_force {
                continue;
            }
            let why = match next {
                Some(n) if e.year <= last => {
                    let starts = years.iter().find(|&&y| y >= e.year).copied().unwrap_or(last);
                    format!("replaced by the entry for {n} before a period starts ({starts})")
                }
                _ => format!("after the last period ({last})"),
            };
            self.diags.push(
                Diagnostic::warning(
                    format!(
                        "`{key}` in {label}: the entry for {} never applies: it is {why}",
                        e.year
                    ),
                    e.span.clone(),
                )
                .with_origin(e.origin.clone())
                .with_hint(format!(
                    "{horizon} (`meta.periods`); give the value at a year a period uses, or remove the entry"
                )),
            );
        }
    }

    /// The entries of a series table, each key and value checked; `None` when any is wrong
    /// (every problem is reported). `first` is the first period, for hints.
    fn series_entries(
        &mut self,
        label: &str,
        key: &str,
        t: &RawTable,
        check: Check,
        first: Option<i64>,
    ) -> Option<Vec<SeriesEntry>> {
        let mut entries: Vec<SeriesEntry> = Vec::with_capacity(t.fields.len());
        let mut seen: Vec<(i64, Span)> = Vec::with_capacity(t.fields.len());
        let mut ok = true;
        for f in &t.fields {
            // `2025.5 = 40` is a dotted key to TOML: the year 2025 holding a table.
            let not_a_year = match (year_key(&f.key), &f.value.kind) {
                (None, _) if !f.key.is_empty() && f.key.bytes().all(|b| b.is_ascii_digit()) => {
                    Some(format!("`{}` is not a year (years run from 1 to 9999)", f.key))
                }
                (None, _) => Some(format!("`{}` is not a year", f.key)),
                (Some(_), RawKind::Table(inner)) => Some(format!(
                    "`{}` is not a year (a year is a whole number)",
                    inner
                        .fields
                        .first()
                        .map_or(f.key.to_string(), |g| format!("{}.{}", f.key, g.key))
                )),
                (Some(_), _) => None,
            };
            let (Some(year), None) = (year_key(&f.key), &not_a_year) else {
                self.diags.push(
                    Diagnostic::error(
                        format!("`{key}` in {label}: the series key {}", not_a_year.unwrap_or_default()),
                        f.key_span.clone().or_else(|| f.value.span.clone()),
                    )
                    .with_origin(f.value.origin.clone())
                    .with_hint(format!(
                        "the keys of a series are years: `{key} = {{ {} = ... }}`",
                        first.unwrap_or(2025)
                    )),
                );
                ok = false;
                continue;
            };
            if let Some((_, at)) = seen.iter().find(|(y, _)| *y == year) {
                self.diags.push(
                    Diagnostic::error(
                        format!("`{key}` in {label} gives the year {year} twice"),
                        f.key_span.clone().or_else(|| f.value.span.clone()),
                    )
                    .with_origin(f.value.origin.clone())
                    .with_related(format!("{year} is first given"), at.clone())
                    .with_hint("keep one entry per year"),
                );
                ok = false;
                continue;
            }
            seen.push((year, f.key_span.clone()));
            match self.checked(label, &format!("{key}.{year}"), &f.value, check) {
                Some(value) => entries.push(SeriesEntry {
                    year,
                    value,
                    span: f.key_span.clone().or_else(|| f.value.span.clone()),
                    origin: f.value.origin.clone(),
                }),
                None => ok = false,
            }
        }
        ok.then_some(entries)
    }

    /// A tariff rate: any non-negative share of the price. Duties above 100% exist (US duties
    /// on some Chinese graphite and magnets), so a rate above 1 is a warning, in case a
    /// percentage was meant, not an error.
    fn rate_value(&mut self, label: &str, key: &str, v: &RawValue) -> Option<f64> {
        let x = self.nonneg_value(label, key, v)?;
        if x > 1.0 {
            self.diags.push(
                Diagnostic::warning(
                    format!(
                        "`{key}` in {label} is {x}: a duty of {}% of the material's price",
                        x * 100.0
                    ),
                    v.span.clone(),
                )
                .with_origin(v.origin.clone())
                .with_hint(format!(
                    "rates are fractions of 1: if you meant {x}%, write {}; duties above 100% are allowed",
                    x / 100.0
                )),
            );
        }
        Some(x)
    }
}
