//! What-if parameter sweeps: the values of each swept key (`--values` lists and
//! `START:STOP:STEP` ranges), the grid of points (cartesian product, first key outermost),
//! one result row per point, and the renderers of the table (CSV, JSON lines) and of its
//! chart (a self-contained SVG).
//!
//! The command-line side (arguments, parallel solving, progress, exit codes) is
//! `crate::cli::sweep`; everything here is pure and deterministic, so the output of a sweep
//! depends only on its points, never on how many threads solved them.
//!
//! Columns ([`Layout`]): the swept keys, `status`, `objective`, the cost categories of the
//! report (with `stockpile` last when the instance has stockpiles), then two columns per
//! target, `<target>.share` and `<target>.marginal_value`.
//!
//! With periods (`meta.periods`, model contract section 5), `objective` and the cost
//! categories are the report's weighted totals over the horizon (they still add up), and:
//!
//! - after the cost categories come `objective@YEAR`, the annual cost of each period
//!   (undiscounted, the report's `periods[].objective`), one column per period;
//! - each target has one column per period, its shares first, then its marginal values:
//!   `<target>.share@2025`, `<target>.share@2026`, ..., `<target>.marginal_value@2025`, ...
//!   (the marginal value in annual terms of its period, as the report gives it).
//!
//! A swept key may address one entry of a series (`demands.X.quantity.2030`) or a lead time
//! (`mines.X.expansion.lead_time`); the key is the column's name as given.

use crate::report::{chart, csv, Costs, Report};
use serde::ser::SerializeMap as _;
use serde::Serialize;

/// Largest number of points a sweep may have (a typo such as `0:1:0.0001` on two keys would
/// otherwise ask for hours of solving).
pub const MAX_POINTS: usize = 1_000_000;

/// The significant digits a computed number is rounded to before it is printed: far beyond
/// the solver's accuracy (1e-9 relative) and short of the last digits of an `f64`, where
/// rounding noise lives (`0.09999999999999999` prints `0.1`, `719.9999999999999` prints
/// `720`).
const CELL_DIGITS: usize = 12;

/// One swept key and its values, as text ready for an override (`KEY=VALUE`).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The override key as given (`targets.ree_usmca.max_import_share`, `demands.*.quantity*`).
    pub key: String,
    /// The values, in sweep order.
    pub values: Vec<String>,
}

impl Axis {
    /// True when the key ends in `*`: each value is a scale factor (`KEY*=VALUE`).
    pub fn scales(&self) -> bool {
        self.key.ends_with('*')
    }

    /// The override text of one value: `KEY=VALUE`, or `KEY*=VALUE` for a scaling key.
    pub fn assignment(&self, value: &str) -> String {
        format!("{}={value}", self.key)
    }
}

/// Round `x` to 12 significant digits (and `-0` to `0`): the printed value of a computed
/// cell.
pub fn clean(x: f64) -> f64 {
    chart::round_significant(x, CELL_DIGITS)
}

/// The decimal places a number is written with: `0.05` -> 2, `1e-3` -> 3, `2.5e1` -> 0.
fn decimals(s: &str) -> usize {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i64>().unwrap_or(0)),
        None => (s, 0),
    };
    let places = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i64;
    (places - exp).clamp(0, 400) as usize
}

/// `x` at `places` decimal places, in its shortest form (`0.30000000000000004` at 1 place is
/// `0.3`).
fn at_places(x: f64, places: usize) -> String {
    let text = format!("{x:.places$}");
    fmt_num(text.parse::<f64>().unwrap_or(x))
}

/// A number as the sweep prints it: the shortest text that reads back as the same `f64`
/// (never `-0`, never an exponent). Valid in CSV and JSON alike.
pub fn fmt_num(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else {
        format!("{x}")
    }
}

/// Parse a `--values` list: comma-separated, each trimmed, none empty. Numbers are written
/// back in their shortest form (`1.50` -> `1.5`) so CSV and JSON lines agree; anything else
/// (a region id, `true`) is kept as given.
pub fn parse_values(list: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for (i, item) in list.split(',').enumerate() {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!(
                "--values `{list}`: value {} is empty; write e.g. `--values 0.2,0.4,0.6`",
                i + 1
            ));
        }
        out.push(match number(item) {
            Some(x) => fmt_num(x),
            None => item.to_string(),
        });
    }
    Ok(out)
}

/// A finite decimal number (`1`, `-0.25`, `1e3`), not `inf`/`nan` or a TOML-only form.
fn number(s: &str) -> Option<f64> {
    let plain = s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    if !plain {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Parse `START:STOP:STEP` into its points `START + k * STEP`, `k = 0, 1, ...`, up to and
/// including STOP, each printed at the decimal places START and STEP are written with (so
/// `0:1:0.1` gives `0.3`, and `0.1234567:0.1234569:0.0000001` keeps its seven places). STEP must be nonzero, point from START towards
/// STOP, and divide `STOP - START` (within `1e-9` of a step, where STOP itself is used).
pub fn parse_range(spec: &str) -> Result<Vec<String>, String> {
    let parts: Vec<&str> = spec.split(':').map(str::trim).collect();
    let example = "write START:STOP:STEP, e.g. `--range 0.2:0.8:0.05`";
    let [a, b, c] = parts[..] else {
        return Err(format!("--range `{spec}` is not START:STOP:STEP; {example}"));
    };
    let field = |s: &str, what: &str| {
        number(s).ok_or_else(|| format!("--range `{spec}`: {what} `{s}` is not a finite number; {example}"))
    };
    let (start, stop, step) = (field(a, "START")?, field(b, "STOP")?, field(c, "STEP")?);
    if step == 0.0 {
        return Err(format!("--range `{spec}`: STEP is 0; {example}"));
    }
    let steps = (stop - start) / step;
    if !steps.is_finite() {
        return Err(format!("--range `{spec}`: the number of steps is not finite"));
    }
    if steps < -1e-9 {
        return Err(format!(
            "--range `{spec}`: STEP {} goes away from STOP; use STEP {} to go from {} to {}",
            fmt_num(step),
            fmt_num(-step),
            fmt_num(start),
            fmt_num(stop)
        ));
    }
    if steps.floor() + 1.0 > MAX_POINTS as f64 {
        return Err(format!(
            "--range `{spec}` has {} points; a sweep has at most {MAX_POINTS}",
            fmt_num(steps.floor() + 1.0)
        ));
    }
    let last = steps.round();
    if (steps - last).abs() > 1e-9 {
        let below = clean(start + steps.floor() * step);
        return Err(format!(
            "--range `{spec}`: STEP {} does not divide STOP - START = {} ({} steps); \
             use STOP {} or a STEP that divides the interval",
            fmt_num(step),
            fmt_num(clean(stop - start)),
            fmt_num(clean(steps)),
            fmt_num(below)
        ));
    }
    let n = last as usize;
    let places = decimals(a).max(decimals(c));
    Ok((0..=n)
        .map(|k| {
            if k == n {
                // Within the tolerance of STOP: use STOP as written.
                fmt_num(stop)
            } else {
                at_places(start + k as f64 * step, places)
            }
        })
        .collect())
}

/// The number of points of the grid, or a message when it exceeds [`MAX_POINTS`].
pub fn point_count(axes: &[Axis]) -> Result<usize, String> {
    let mut n: usize = 1;
    for a in axes {
        n = n.saturating_mul(a.values.len());
    }
    if n > MAX_POINTS {
        return Err(format!(
            "the grid has {} points ({}); a sweep has at most {MAX_POINTS}",
            if n == usize::MAX {
                "too many".to_string()
            } else {
                n.to_string()
            },
            axes.iter()
                .map(|a| a.values.len().to_string())
                .collect::<Vec<_>>()
                .join(" x ")
        ));
    }
    Ok(n)
}

/// The value index on each axis of point `i` (first axis outermost, last fastest).
pub fn point_indices(axes: &[Axis], mut i: usize) -> Vec<usize> {
    let mut idx = vec![0; axes.len()];
    for (a, axis) in axes.iter().enumerate().rev() {
        let n = axis.values.len().max(1);
        idx[a] = i % n;
        i /= n;
    }
    idx
}

/// What the columns of a sweep are, fixed by the instance (overrides change values, never
/// which entries exist): the cost categories, the years of the periods, the targets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    /// The report's cost categories, in its order.
    pub costs: Vec<&'static str>,
    /// The year of each period; empty for an instance without `meta.periods` (no `@YEAR`
    /// column).
    pub years: Vec<i64>,
    /// The targets of the instance, in input order.
    pub targets: Vec<String>,
}

impl Layout {
    /// The layout of a sweep of `inst`.
    pub fn of(inst: &sourcing_models::Instance) -> Layout {
        Layout::new(
            !inst.stockpiles.is_empty(),
            match inst.has_periods() {
                true => inst.periods.iter().map(|p| p.year).collect(),
                false => Vec::new(),
            },
            inst.targets.iter().map(|t| t.id.to_string()).collect(),
        )
    }

    /// The layout of an instance with or without stockpiles, these period years (empty
    /// without `meta.periods`) and targets.
    pub fn new(stockpiles: bool, years: Vec<i64>, targets: Vec<String>) -> Layout {
        let costs = Costs {
            stockpile: stockpiles.then_some(0.0),
            ..Costs::default()
        };
        Layout {
            costs: costs.entries().iter().map(|e| e.0).collect(),
            years,
            targets,
        }
    }

    /// The periods a target has a column for: the years, or one period without a year.
    fn periods(&self) -> usize {
        self.years.len().max(1)
    }

    /// The number of (target, period) cells of each kind (shares, marginal values).
    pub fn target_cells(&self) -> usize {
        self.targets.len() * self.periods()
    }

    /// The index in [`Row::targets`] of target `t` in period `p`.
    pub fn cell(&self, t: usize, p: usize) -> usize {
        t * self.periods() + p
    }

    /// `@YEAR` of period `p`, or nothing without periods.
    fn at(&self, p: usize) -> String {
        self.years.get(p).map(|y| format!("@{y}")).unwrap_or_default()
    }
}

/// The result of one point: its status and, for an optimal point, its numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `optimal`, `infeasible`, `unbounded`, `error` (the report's status), or `invalid`
    /// when the point's overrides do not validate.
    pub status: String,
    /// Why the point is not optimal (the report's message), if known.
    pub message: Option<String>,
    /// Total annual cost (optimal points only).
    pub objective: Option<f64>,
    /// The cost categories, in [`Layout::costs`] order (optimal points only).
    pub costs: Option<Vec<f64>>,
    /// The annual cost of each period, in [`Layout::years`] order (optimal points of an
    /// instance with periods only).
    pub periods: Option<Vec<f64>>,
    /// Per target of [`Layout::targets`] and period ([`Layout::cell`]): achieved import share
    /// and marginal value per 1.0 of share (optimal points only; the marginal value is empty
    /// where the report has none).
    pub targets: Vec<(Option<f64>, Option<f64>)>,
}

/// For an infeasible point, the diagnosis' least relaxation in one line: `feasible by
/// relaxing KEY (now -> needed UNIT), ...`, or what it tried and why that is not confirmed
/// (the report's message then says the same).
fn least_relaxation(rep: &Report) -> Option<String> {
    let d = rep.diagnosis.as_ref().filter(|d| !d.relaxations.is_empty())?;
    let num = crate::whatif::compare::num;
    let each: Vec<String> = d
        .relaxations
        .iter()
        .map(|x| {
            let keep = x
                .keep
                .as_ref()
                .map(|k| format!(", that year only: also {k}"))
                .unwrap_or_default();
            format!(
                "{} ({} -> {} {}{keep})",
                x.constraint,
                num(x.current),
                num(x.required),
                x.unit
            )
        })
        .collect();
    Some(match &d.incomplete {
        None => format!("feasible by relaxing {}", each.join(", ")),
        Some(why) => format!("tried relaxing {}; {why}", each.join(", ")),
    })
}

impl Row {
    /// The row of a solved point: numbers only when the plan is optimal.
    pub fn from_report(rep: &Report, layout: &Layout) -> Row {
        let optimal = rep.status == "optimal";
        let mut targets = vec![(None, None); layout.target_cells()];
        for (t, id) in layout.targets.iter().enumerate() {
            for p in 0..layout.periods() {
                let year = layout.years.get(p).copied();
                let found = rep.targets.iter().find(|r| r.id == id && r.period == year);
                if let Some(r) = found.filter(|_| optimal) {
                    targets[layout.cell(t, p)] = (Some(r.achieved_share), r.marginal_value);
                }
            }
        }
        let periods = rep
            .periods
            .as_ref()
            .filter(|_| optimal && !layout.years.is_empty())
            .map(|ps| {
                layout
                    .years
                    .iter()
                    .map(|y| ps.iter().find(|r| r.year == *y).map_or(f64::NAN, |r| r.objective))
                    .collect()
            });
        let costs = rep.costs.as_ref().filter(|_| optimal).map(|c| {
            let entries = c.entries();
            layout
                .costs
                .iter()
                .map(|name| entries.iter().find(|e| e.0 == *name).map_or(0.0, |e| e.1))
                .collect()
        });
        Row {
            status: rep.status.to_string(),
            message: least_relaxation(rep).or_else(|| rep.message.clone()),
            objective: if optimal { rep.objective } else { None },
            costs,
            periods,
            targets,
        }
    }

    /// A point whose overrides do not validate (never solved).
    pub fn invalid(message: String, layout: &Layout) -> Row {
        Row {
            status: "invalid".into(),
            message: Some(message),
            objective: None,
            costs: None,
            periods: None,
            targets: vec![(None, None); layout.target_cells()],
        }
    }

    /// True for the statuses a sweep accepts with exit 0 (a proved answer).
    pub fn settled(&self) -> bool {
        self.status == "optimal" || self.status == "infeasible"
    }
}

/// A finished sweep: its axes, the points' value indices, and one row per point.
#[derive(Debug, Clone)]
pub struct Table {
    /// The swept keys and their values, first (outermost) first.
    pub axes: Vec<Axis>,
    /// The columns after the swept keys.
    pub layout: Layout,
    /// One per point, in point order.
    pub rows: Vec<Row>,
}

impl Table {
    /// The column names (see the module documentation): the swept keys, `status`,
    /// `objective`, the cost categories, `objective@YEAR` per period, then for each target
    /// `<target>.share` and `<target>.marginal_value` (with `@YEAR`, one per period).
    pub fn header(&self) -> Vec<String> {
        let l = &self.layout;
        let mut h: Vec<String> = self.axes.iter().map(|a| a.key.clone()).collect();
        h.push("status".into());
        h.push("objective".into());
        h.extend(l.costs.iter().map(|s| s.to_string()));
        h.extend(l.years.iter().map(|y| format!("objective@{y}")));
        for id in &l.targets {
            h.extend((0..l.periods()).map(|p| format!("{id}.share{}", l.at(p))));
            h.extend((0..l.periods()).map(|p| format!("{id}.marginal_value{}", l.at(p))));
        }
        h
    }

    /// The values of point `i`, one per axis.
    pub fn point(&self, i: usize) -> Vec<&str> {
        point_indices(&self.axes, i)
            .iter()
            .zip(&self.axes)
            .map(|(&k, a)| a.values[k].as_str())
            .collect()
    }

    /// The numeric cells of a row after `status`, `None` for an empty cell; computed numbers
    /// rounded by [`clean`], so float noise does not reach the table.
    fn numbers(&self, row: &Row) -> Vec<Option<f64>> {
        let l = &self.layout;
        let mut v = vec![row.objective];
        match &row.costs {
            Some(c) => v.extend(c.iter().map(|x| Some(*x))),
            None => v.extend(std::iter::repeat_n(None, l.costs.len())),
        }
        match &row.periods {
            Some(c) => v.extend(c.iter().map(|x| Some(*x))),
            None => v.extend(std::iter::repeat_n(None, l.years.len())),
        }
        for t in 0..l.targets.len() {
            let cells = (0..l.periods()).map(|p| row.targets.get(l.cell(t, p)).copied().unwrap_or((None, None)));
            let cells: Vec<(Option<f64>, Option<f64>)> = cells.collect();
            v.extend(cells.iter().map(|c| c.0));
            v.extend(cells.iter().map(|c| c.1));
        }
        v.into_iter().map(|x| x.map(clean)).collect()
    }

    /// CSV with a header row; empty cells where a point has no number.
    pub fn csv(&self) -> String {
        let mut out = String::new();
        csv::write_record(&mut out, self.header().iter().map(String::as_str));
        for (i, row) in self.rows.iter().enumerate() {
            let numbers: Vec<String> = self
                .numbers(row)
                .into_iter()
                .map(|x| x.filter(|x| x.is_finite()).map(fmt_num).unwrap_or_default())
                .collect();
            let cells = self
                .point(i)
                .into_iter()
                .chain([row.status.as_str()])
                .chain(numbers.iter().map(String::as_str));
            csv::write_record(&mut out, cells);
        }
        out
    }

    /// JSON lines: one object per point with the CSV's columns as keys (numbers as numbers,
    /// `null` for an empty cell) and a `message` (null when optimal).
    pub fn jsonl(&self) -> String {
        let header = self.header();
        let mut out = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            let line = JsonLine {
                header: &header,
                point: self.point(i),
                row,
                numbers: self.numbers(row),
            };
            let mut ser = serde_json::Serializer::with_formatter(&mut out, SweepNumbers);
            line.serialize(&mut ser).expect("writing to memory does not fail");
            out.push(b'\n');
        }
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }
}

/// One point of the sweep as a JSON object, its keys in column order.
struct JsonLine<'a> {
    header: &'a [String],
    point: Vec<&'a str>,
    row: &'a Row,
    numbers: Vec<Option<f64>>,
}

impl Serialize for JsonLine<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.header.len() + 1))?;
        let mut names = self.header.iter().map(String::as_str);
        let mut name = || names.next().unwrap_or("");
        for v in &self.point {
            match number(v) {
                Some(x) => map.serialize_entry(name(), &x)?,
                None => map.serialize_entry(name(), v)?,
            }
        }
        map.serialize_entry(name(), &self.row.status)?;
        for x in &self.numbers {
            map.serialize_entry(name(), &x.filter(|x| x.is_finite()))?;
        }
        map.serialize_entry("message", &self.row.message)?;
        map.end()
    }
}

/// serde_json's compact format with numbers written as the CSV writes them ([`fmt_num`]:
/// `1200`, not serde_json's `1200.0`; `0.0001`, not `1e-4`), so the two agree.
struct SweepNumbers;

impl serde_json::ser::Formatter for SweepNumbers {
    fn write_f64<W: ?Sized + std::io::Write>(&mut self, w: &mut W, value: f64) -> std::io::Result<()> {
        w.write_all(fmt_num(value).as_bytes())
    }
}

/// The unit of a swept key's values, for the chart's x axis (`currency` for money).
pub fn unit_of(key: &str, currency: &str) -> String {
    if key.ends_with('*') {
        return "scale factor".into();
    }
    let key = without_year(key).0;
    let collection = key.split('.').next().unwrap_or("");
    let field = if key.ends_with(".expansion.max") {
        "expansion.max"
    } else if key.ends_with(".expansion.cost") {
        "expansion.cost"
    } else if key.ends_with(".expansion.lead_time") {
        "expansion.lead_time"
    } else {
        key.rsplit('.').next().unwrap_or("")
    };
    match field {
        "max_import_share" => "fraction of use".into(),
        "rate" | "royalty_rate" | "income_tax_rate" => "fraction".into(),
        "capacity" if collection == "plants" => "t input/yr".into(),
        "quantity" | "capacity" | "expansion.max" => "t/yr".into(),
        "expansion.cost" => format!("{currency} per t/yr"),
        "cost" if collection == "plants" => format!("{currency}/t input"),
        "price" | "cost" | "unmet_penalty" | "fee_per_t" => format!("{currency}/t"),
        "yield" => "t out per t in".into(),
        "days" => "days".into(),
        "expansion.lead_time" => "years".into(),
        "min_level" | "min_final" | "initial" => "t".into(),
        "holding_cost" => format!("{currency} per t per year"),
        "discount_rate" | "carrying_rate" => "fraction per year".into(),
        _ => "value".into(),
    }
}

/// A key without its `.YEAR` (one entry of a series, `demands.X.quantity.2030`), and the
/// year: the last part of the key when it is all digits and follows a field name (so an id
/// ending in digits, `mines.m.1.capacity`, is not taken for one).
pub fn without_year(key: &str) -> (&str, Option<i64>) {
    match key.rsplit_once('.') {
        Some((head, y)) if !y.is_empty() && y.bytes().all(|b| b.is_ascii_digit()) && head.matches('.').count() >= 2 => {
            match y.parse() {
                Ok(year) => (head, Some(year)),
                Err(_) => (key, None),
            }
        }
        _ => (key, None),
    }
}

/// The target whose `max_import_share` a key sets, when it names one target, and the year
/// when the key sets one entry of the series.
pub fn swept_target(key: &str) -> Option<(&str, Option<i64>)> {
    let (head, year) = without_year(key);
    let id = head.strip_prefix("targets.")?.strip_suffix(".max_import_share")?;
    (id != "*" && !id.is_empty()).then_some((id, year))
}

/// The cell of [`Row::targets`] the chart draws for a swept key, and its label: the swept
/// target's own cap; with periods, in the year the key sets (none for a key setting every
/// year, whose marginal value differs from year to year).
fn swept_cell(table: &Table, key: &str) -> Option<(usize, String)> {
    let (id, year) = swept_target(key)?;
    let l = &table.layout;
    let t = l.targets.iter().position(|x| x == id)?;
    match (year, l.years.is_empty()) {
        (None, true) => Some((l.cell(t, 0), id.to_string())),
        (Some(y), false) => {
            let p = l.years.iter().position(|x| *x == y)?;
            Some((l.cell(t, p), format!("{id} in {y}")))
        }
        _ => None,
    }
}

/// True when every value of the axis is a number (required of the first axis for a chart).
pub fn numeric(axis: &Axis) -> bool {
    axis.values.iter().all(|v| number(v).is_some())
}

// ---------------------------------------------------------------------------------------
// Chart
// ---------------------------------------------------------------------------------------

const INFEASIBLE_COLOR: &str = "#b00000";
const FAILED_COLOR: &str = "#e6a000";

/// A self-contained SVG line chart of the objective against the first swept key (one line
/// per combination of the other keys), with the marginal value of the swept target on a
/// second axis when the first key is one target's `max_import_share`. Points that are not
/// optimal break the line and are marked on the x axis. `title` heads the chart.
pub fn svg(table: &Table, title: &str, currency: &str) -> Result<String, String> {
    let Some(first) = table.axes.first() else {
        return Err("a chart needs at least one --param".into());
    };
    let xs: Vec<f64> = first
        .values
        .iter()
        .map(|v| number(v).ok_or_else(|| format!("--plot needs numeric values of `{}`, found `{v}`", first.key)))
        .collect::<Result<_, _>>()?;
    // Series: rows j, j + M, j + 2M, ... share the values of every key but the first.
    let per_x: usize = table.axes[1..].iter().map(|a| a.values.len()).product::<usize>().max(1);
    let x_of = |i: usize| xs[i / per_x];
    let target = swept_cell(table, &first.key);
    let mut lines = Vec::new();
    for j in 0..per_x {
        let rows: Vec<usize> = (0..xs.len())
            .map(|k| k * per_x + j)
            .filter(|&i| i < table.rows.len())
            .collect();
        series_lines(table, j, per_x, target.as_ref(), &rows, &x_of, &mut lines);
    }
    let mut markers = Vec::new();
    let mut marked = (false, false);
    for (i, r) in table.rows.iter().enumerate() {
        if r.objective.is_some() {
            continue;
        }
        let color = if r.status == "infeasible" {
            marked.0 = true;
            INFEASIBLE_COLOR
        } else {
            marked.1 = true;
            FAILED_COLOR
        };
        markers.push(chart::Marker {
            x: x_of(i),
            color,
            title: format!("{}: {}", table.point(i).join(", "), r.status),
        });
    }
    let mut marker_legend = Vec::new();
    if marked.0 {
        marker_legend.push(("infeasible point".to_string(), INFEASIBLE_COLOR));
    }
    if marked.1 {
        marker_legend.push(("solver failure".to_string(), FAILED_COLOR));
    }
    let chart = chart::LineChart {
        title: title.to_string(),
        x_label: format!(
            "{} ({}); dots: the points solved, lines only join them",
            first.key,
            unit_of(&first.key, currency)
        ),
        x_values: xs.clone(),
        left: match table.layout.years.is_empty() {
            true => chart::YAxis {
                prefix: "objective: total annual cost (".into(),
                suffix: format!("{currency}/yr)"),
                include_zero: false,
            },
            // With periods the objective is the weighted total over the horizon.
            false => chart::YAxis {
                prefix: "objective: weighted total over the periods (".into(),
                suffix: format!("{currency})"),
                include_zero: false,
            },
        },
        right: target.as_ref().map(|(_, label)| chart::YAxis {
            prefix: format!("marginal value of {label} ("),
            suffix: format!("{currency}/yr per 1.0 of share)"),
            include_zero: true,
        }),
        lines,
        markers,
        marker_legend,
    };
    Ok(chart.svg())
}

/// The lines of series `j` (the rows `rows`): the objective solid, and the marginal value of
/// the swept target dashed (in another colour when there is a single series).
fn series_lines(
    table: &Table,
    j: usize,
    n_series: usize,
    target: Option<&(usize, String)>,
    rows: &[usize],
    x_of: &dyn Fn(usize) -> f64,
    lines: &mut Vec<chart::Line>,
) {
    let color = chart::COLORS[j % chart::COLORS.len()];
    let label = if table.axes.len() > 1 {
        let vals = table.point(j);
        table.axes[1..]
            .iter()
            .zip(&vals[1..])
            .map(|(a, v)| format!("{}={v}", a.key))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        String::new()
    };
    lines.push(chart::Line {
        label: if label.is_empty() {
            "objective (left axis)".to_string()
        } else {
            format!("objective, {label}")
        },
        color,
        dashed: false,
        side: chart::Side::Left,
        points: rows.iter().map(|&i| (x_of(i), table.rows[i].objective)).collect(),
    });
    let Some((t, name)) = target else {
        return;
    };
    lines.push(chart::Line {
        label: if label.is_empty() {
            format!("marginal value of {name} (right axis)")
        } else {
            format!("marginal value, {label}")
        },
        color: if n_series == 1 { chart::COLORS[3] } else { color },
        dashed: true,
        side: chart::Side::Right,
        points: rows
            .iter()
            .map(|&i| (x_of(i), table.rows[i].targets.get(*t).and_then(|v| v.1)))
            .collect(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_print_cleanly_and_include_stop() {
        assert_eq!(parse_range("0:0.3:0.1").unwrap(), ["0", "0.1", "0.2", "0.3"]);
        assert_eq!(parse_range("0:1:0.01").unwrap().len(), 101);
        assert_eq!(parse_range("0:1:0.01").unwrap()[7], "0.07");
        assert_eq!(parse_range("1:0:-0.25").unwrap(), ["1", "0.75", "0.5", "0.25", "0"]);
        assert_eq!(parse_range("5:5:1").unwrap(), ["5"]);
        assert_eq!(parse_range(" -1 : 1 : 1 ").unwrap(), ["-1", "0", "1"]);
    }

    #[test]
    fn bad_ranges_say_why() {
        assert!(parse_range("0:1:0").unwrap_err().contains("STEP is 0"));
        assert!(parse_range("0:1:-0.1").unwrap_err().contains("goes away from STOP"));
        assert!(parse_range("0:1:0.3").unwrap_err().contains("does not divide"));
        assert!(parse_range("0:1").unwrap_err().contains("START:STOP:STEP"));
        assert!(parse_range("a:1:0.1").unwrap_err().contains("not a finite number"));
        assert!(parse_range("0:inf:1").is_err());
        assert!(parse_range("0:1:1e-9").unwrap_err().contains("at most"));
    }

    #[test]
    fn values_are_trimmed_and_numbers_normalised() {
        assert_eq!(parse_values("0.50, 1 ,MX-ZAC").unwrap(), ["0.5", "1", "MX-ZAC"]);
        assert!(parse_values("1,,2").is_err());
    }

    #[test]
    fn grid_order_is_first_axis_outermost() {
        let axes = vec![
            Axis {
                key: "a".into(),
                values: vec!["1".into(), "2".into()],
            },
            Axis {
                key: "b".into(),
                values: vec!["x".into(), "y".into(), "z".into()],
            },
        ];
        assert_eq!(point_count(&axes).unwrap(), 6);
        assert_eq!(point_indices(&axes, 0), [0, 0]);
        assert_eq!(point_indices(&axes, 2), [0, 2]);
        assert_eq!(point_indices(&axes, 3), [1, 0]);
        assert_eq!(point_indices(&axes, 5), [1, 2]);
    }

    #[test]
    fn range_points_keep_the_places_of_their_inputs() {
        assert_eq!(
            parse_range("0.1234567:0.1234569:0.0000001").unwrap(),
            ["0.1234567", "0.1234568", "0.1234569"]
        );
        assert_eq!(parse_range("0.7:1.3:0.1").unwrap()[3], "1");
        assert_eq!(parse_range("0:3e-1:1e-1").unwrap(), ["0", "0.1", "0.2", "0.3"]);
        assert_eq!(parse_range("1000000:1000000.5:0.25").unwrap()[1], "1000000.25");
        assert_eq!(decimals("2.5e1"), 0);
        assert_eq!(decimals("5"), 0);
    }

    #[test]
    fn computed_cells_print_without_float_noise() {
        let names: Vec<&'static str> = Costs::default().entries().iter().map(|e| e.0).collect();
        let row = Row {
            status: "optimal".into(),
            message: None,
            objective: Some(25199.999999999993),
            costs: Some(vec![719.9999999999999; names.len()]),
            periods: None,
            targets: vec![(Some(0.09999999999999999), Some(71666.66666666669))],
        };
        let table = Table {
            axes: vec![Axis {
                key: "demands.*.quantity*".into(),
                values: vec!["0.1".into()],
            }],
            layout: Layout {
                costs: names,
                years: Vec::new(),
                targets: vec!["t".into()],
            },
            rows: vec![row],
        };
        let csv = table.csv();
        let line = csv.lines().nth(1).unwrap();
        assert!(line.starts_with("0.1,optimal,25200,720,"), "{line}");
        assert!(line.ends_with(",0.1,71666.6666667"), "{line}");
        assert!(table.jsonl().contains("\"t.share\":0.1,"), "{}", table.jsonl());
    }

    /// With stockpiles the costs end with `stockpile`; with periods each target has a column
    /// per year: every CSV row has as many cells as the header, each in its column.
    #[test]
    fn a_row_of_an_instance_with_periods_and_stockpiles_fills_its_columns() {
        let source = r#"
[meta]
name = "p"
periods = [2025, 2026]
[[countries]]
id = "US"
[[regions]]
id = "R"
country = "US"
[[materials]]
id = "x"
price = 10
[[mines]]
id = "m"
region = "R"
material = "x"
capacity = 10
cost = 2
[[demands]]
region = "R"
material = "x"
quantity = { 2025 = 4, 2026 = 6 }
[[stockpiles]]
id = "s"
region = "R"
material = "x"
capacity = 5
initial = 1
holding_cost = 3
[[targets]]
id = "t"
material = "x"
scope = "US"
max_import_share = 0.5
"#;
        let inst = sourcing_models::load_str(source).instance.expect("a valid instance");
        let info = crate::report::InstanceInfo {
            name: "p".into(),
            path: "p.toml".into(),
            sha256: String::new(),
            overrides: vec![],
            scenario: None,
        };
        let rep = crate::pipeline::run(&inst, info, &crate::pipeline::RunOptions::default()).0;
        let layout = Layout::of(&inst);
        assert_eq!(layout.costs.last(), Some(&"stockpile"));
        let table = Table {
            axes: vec![Axis {
                key: "mines.m.cost".into(),
                values: vec!["2".into()],
            }],
            rows: vec![Row::from_report(&rep, &layout)],
            layout,
        };
        let csv = table.csv();
        let lines: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
        assert_eq!(lines[0].len(), lines[1].len(), "{csv}");
        let cell = |name: &str| lines[1][lines[0].iter().position(|h| *h == name).expect(name)];
        // The reserve of 1 t serves 2025 (3 t mined: 6) and is refilled in 2026 to its
        // min_final (= initial): 7 t mined, 1 t held a year at 3 USD: 14 + 3 = 17. Keeping it
        // would cost 11 + 15.
        assert_eq!((cell("objective@2025"), cell("objective@2026")), ("6", "17"), "{csv}");
        assert_eq!((cell("stockpile"), cell("objective")), ("3", "23"), "{csv}");
        assert_eq!((cell("t.share@2025"), cell("t.share@2026")), ("0", "0"), "{csv}");
        assert!(!lines[0].contains(&"t.share"), "{csv}");
    }

    #[test]
    fn clean_rounds_to_twelve_digits() {
        assert_eq!(clean(0.1 + 0.1 + 0.1), 0.3);
        assert_eq!(fmt_num(clean(-0.0)), "0");
        assert_eq!(fmt_num(1200.0), "1200");
    }

    #[test]
    fn swept_target_names_one_target() {
        assert_eq!(
            swept_target("targets.ree_usmca.max_import_share"),
            Some(("ree_usmca", None))
        );
        assert_eq!(
            swept_target("targets.ree_usmca.max_import_share.2030"),
            Some(("ree_usmca", Some(2030)))
        );
        assert_eq!(swept_target("targets.*.max_import_share"), None);
        assert_eq!(swept_target("targets.x.max_import_share*"), None);
        assert_eq!(swept_target("mines.x.capacity"), None);
        assert_eq!(without_year("mines.m.1.capacity"), ("mines.m.1.capacity", None));
        assert_eq!(
            without_year("demands.a/b.quantity.2030"),
            ("demands.a/b.quantity", Some(2030))
        );
        assert_eq!(unit_of("demands.a/b.quantity.2030", "USD"), "t/yr");
        assert_eq!(unit_of("mines.x.expansion.lead_time", "USD"), "years");
    }
}
