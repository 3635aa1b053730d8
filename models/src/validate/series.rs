//! Time series (model contract section 5): a field given as a number holds in every period;
//! given as an inline table from year to value (`{ 2025 = 0, 2028 = 8000 }`) it is a step
//! function, resolved here into one value per period.

use super::{Entry, Validator};
use crate::diag::Diagnostic;
use crate::instance::Series;
use crate::raw::{RawKind, RawValue};

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

    pub(super) fn series_value(&mut self, label: &str, key: &str, v: &RawValue, check: Check) -> Option<Series> {
        let RawKind::Table(t) = &v.kind else {
            return self.checked(label, key, v, check).map(Series::Constant);
        };
        let Some(years) = self.periods.clone() else {
            self.diags.push(
                Diagnostic::error(
                    format!("`{key}` in {label} is a time series, but the file has no `meta.periods`"),
                    v.span.clone(),
                )
                .with_origin(v.origin.clone())
                .with_hint("add `periods = [2025, 2026, ...]` to `[meta]`, or give one number"),
            );
            return None;
        };
        let mut entries: Vec<(i64, f64)> = Vec::new();
        let mut ok = true;
        for f in &t.fields {
            let year = f.key.trim().parse::<i64>().ok();
            let Some(year) = year else {
                self.diags.push(
                    Diagnostic::error(
                        format!("`{key}` in {label}: the series key `{}` is not a year", f.key),
                        f.key_span.clone(),
                    )
                    .with_origin(f.value.origin.clone())
                    .with_hint(format!("write the entries as `{key} = {{ {} = ... }}`", years[0])),
                );
                ok = false;
                continue;
            };
            match self.checked(label, &format!("{key}.{year}"), &f.value, check) {
                Some(x) => entries.push((year, x)),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        entries.sort_by_key(|e| e.0);
        if entries.first().is_none_or(|e| e.0 > years[0]) {
            self.diags.push(
                Diagnostic::error(
                    format!("`{key}` in {label} has no value for the first period, {}", years[0]),
                    v.span.clone(),
                )
                .with_origin(v.origin.clone())
                .with_hint(format!(
                    "add an entry for {} (or earlier): a value holds until the next entry",
                    years[0]
                )),
            );
            return None;
        }
        let values: Box<[f64]> = years
            .iter()
            .map(|y| entries.iter().rev().find(|e| e.0 <= *y).map(|e| e.1).unwrap_or(0.0))
            .collect();
        Some(Series::PerPeriod(values))
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
