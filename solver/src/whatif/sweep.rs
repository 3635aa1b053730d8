//! What-if parameter sweeps: the values of each swept key (`--values` lists and
//! `START:STOP:STEP` ranges), the grid of points (cartesian product, first key outermost),
//! one result row per point, and the renderers of the table (CSV, JSON lines) and of its
//! chart (a self-contained SVG).
//!
//! The command-line side (arguments, parallel solving, progress, exit codes) is
//! `crate::cli::sweep`; everything here is pure and deterministic, so the output of a sweep
//! depends only on its points, never on how many threads solved them.

use crate::report::{Costs, Report};
use std::fmt::Write as _;

/// Largest number of points a sweep may have (a typo such as `0:1:0.0001` on two keys would
/// otherwise ask for hours of solving).
pub const MAX_POINTS: usize = 1_000_000;

/// The significant digits a range value is rounded to, so `0.1 + 2 * 0.1` prints `0.3`.
const RANGE_DIGITS: usize = 12;

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

/// Round `x` to 12 significant digits (and `-0` to `0`): the printed value of a range point.
pub fn clean(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return if x == 0.0 { 0.0 } else { x };
    }
    format!("{x:.prec$e}", prec = RANGE_DIGITS - 1).parse().unwrap_or(x)
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
/// including STOP, each rounded by [`clean`]. STEP must be nonzero, point from START towards
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
    Ok((0..=n)
        .map(|k| {
            if k == n {
                // Within the tolerance of STOP: use STOP as written.
                fmt_num(clean(stop))
            } else {
                fmt_num(clean(start + k as f64 * step))
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
    /// The cost categories, in [`cost_names`] order (optimal points only).
    pub costs: Option<Vec<f64>>,
    /// Per target of [`Table::target_ids`]: achieved import share and marginal value per 1.0
    /// of share (optimal points only; the marginal value is empty where the report has none).
    pub targets: Vec<(Option<f64>, Option<f64>)>,
}

impl Row {
    /// The row of a solved point: numbers only when the plan is optimal.
    pub fn from_report(rep: &Report, target_ids: &[String]) -> Row {
        let optimal = rep.status == "optimal";
        let targets = target_ids
            .iter()
            .map(|id| match rep.targets.iter().find(|t| t.id == id) {
                Some(t) if optimal => (Some(t.achieved_share), t.marginal_value),
                _ => (None, None),
            })
            .collect();
        Row {
            status: rep.status.to_string(),
            message: rep.message.clone(),
            objective: if optimal { rep.objective } else { None },
            costs: optimal.then(|| rep.costs.entries().iter().map(|e| e.1).collect()),
            targets,
        }
    }

    /// A point whose overrides do not validate (never solved).
    pub fn invalid(message: String, n_targets: usize) -> Row {
        Row {
            status: "invalid".into(),
            message: Some(message),
            objective: None,
            costs: None,
            targets: vec![(None, None); n_targets],
        }
    }

    /// True for the statuses a sweep accepts with exit 0 (a proved answer).
    pub fn settled(&self) -> bool {
        self.status == "optimal" || self.status == "infeasible"
    }
}

/// The cost categories of the report, in its order (the CSV columns after `objective`).
pub fn cost_names() -> Vec<&'static str> {
    Costs::default().entries().iter().map(|e| e.0).collect()
}

/// A finished sweep: its axes, the points' value indices, and one row per point.
#[derive(Debug, Clone)]
pub struct Table {
    /// The swept keys and their values, first (outermost) first.
    pub axes: Vec<Axis>,
    /// The targets of the instance, in input order (two columns each).
    pub target_ids: Vec<String>,
    /// One per point, in point order.
    pub rows: Vec<Row>,
}

impl Table {
    /// The column names: the swept keys, `status`, `objective`, the cost categories, then
    /// `<target>.share` and `<target>.marginal_value` for each target.
    pub fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = self.axes.iter().map(|a| a.key.clone()).collect();
        h.push("status".into());
        h.push("objective".into());
        h.extend(cost_names().iter().map(|s| s.to_string()));
        for id in &self.target_ids {
            h.push(format!("{id}.share"));
            h.push(format!("{id}.marginal_value"));
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

    /// The numeric cells of a row after `status`, `None` for an empty cell.
    fn numbers(&self, row: &Row) -> Vec<Option<f64>> {
        let mut v = vec![row.objective];
        match &row.costs {
            Some(c) => v.extend(c.iter().map(|x| Some(*x))),
            None => v.extend(std::iter::repeat_n(None, cost_names().len())),
        }
        for (share, value) in &row.targets {
            v.push(*share);
            v.push(*value);
        }
        v
    }

    /// CSV with a header row; empty cells where a point has no number.
    pub fn csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self.header().iter().map(|h| csv_cell(h)).collect();
        out.push_str(&header.join(","));
        out.push('\n');
        for (i, row) in self.rows.iter().enumerate() {
            let mut cells: Vec<String> = self.point(i).iter().map(|v| csv_cell(v)).collect();
            cells.push(csv_cell(&row.status));
            cells.extend(
                self.numbers(row)
                    .into_iter()
                    .map(|x| x.filter(|x| x.is_finite()).map(fmt_num).unwrap_or_default()),
            );
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    /// JSON lines: one object per point with the CSV's columns as keys (numbers as numbers,
    /// `null` for an empty cell) and a `message` (null when optimal).
    pub fn jsonl(&self) -> String {
        let header = self.header();
        let mut out = String::new();
        for (i, row) in self.rows.iter().enumerate() {
            let mut fields: Vec<String> = Vec::with_capacity(header.len() + 1);
            let mut names = header.iter();
            for v in self.point(i) {
                let name = names.next().map_or("", |s| s.as_str());
                let value = match number(v) {
                    Some(x) => fmt_num(x),
                    None => json_str(v),
                };
                fields.push(format!("{}:{value}", json_str(name)));
            }
            let name = names.next().map_or("", |s| s.as_str());
            fields.push(format!("{}:{}", json_str(name), json_str(&row.status)));
            for x in self.numbers(row) {
                let name = names.next().map_or("", |s| s.as_str());
                let value = x.filter(|x| x.is_finite()).map_or("null".to_string(), fmt_num);
                fields.push(format!("{}:{value}", json_str(name)));
            }
            let message = row.message.as_deref().map_or("null".to_string(), json_str);
            fields.push(format!("\"message\":{message}"));
            out.push('{');
            out.push_str(&fields.join(","));
            out.push_str("}\n");
        }
        out
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The unit of a swept key's values, for the chart's x axis (`currency` for money).
pub fn unit_of(key: &str, currency: &str) -> String {
    if key.ends_with('*') {
        return "scale factor".into();
    }
    let collection = key.split('.').next().unwrap_or("");
    let field = if key.ends_with(".expansion.max") {
        "expansion.max"
    } else if key.ends_with(".expansion.cost") {
        "expansion.cost"
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
        _ => "value".into(),
    }
}

/// The target whose `max_import_share` a key sets, when it names one target.
pub fn swept_target(key: &str) -> Option<&str> {
    let id = key.strip_prefix("targets.")?.strip_suffix(".max_import_share")?;
    (id != "*" && !id.is_empty()).then_some(id)
}

/// True when every value of the axis is a number (required of the first axis for a chart).
pub fn numeric(axis: &Axis) -> bool {
    axis.values.iter().all(|v| number(v).is_some())
}

// ---------------------------------------------------------------------------------------
// Chart
// ---------------------------------------------------------------------------------------

const W: f64 = 900.0;
const LEFT: f64 = 100.0;
const TOP: f64 = 56.0;
/// Height of the plot area; the legend goes below the x axis.
const PLOT_H: f64 = 380.0;
/// Legend entries shown (a large grid's further lines are summed up in one line).
const LEGEND_MAX: usize = 16;
const INFEASIBLE_COLOR: &str = "#b00000";
const FAILED_COLOR: &str = "#e6a000";
const COLORS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
];

/// Ticks at 1, 2, 2.5 or 5 times a power of ten covering `[lo, hi]`: the padded domain, the
/// step and the tick values. A flat range is widened so the axis is never degenerate.
fn nice_ticks(lo: f64, hi: f64, target: f64) -> (f64, f64, f64, Vec<f64>) {
    let (mut lo, mut hi) = (lo, hi);
    if hi - lo <= 1e-12 * hi.abs().max(lo.abs()).max(1e-300) {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.01 };
        lo -= pad;
        hi += pad;
    }
    let rough = (hi - lo) / target;
    let mag = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * mag);
    let start = (lo / step + 1e-9).floor();
    let end = (hi / step - 1e-9).ceil();
    let ticks = (0..=((end - start) as usize))
        .map(|k| (start + k as f64) * step)
        .collect();
    (start * step, end * step, step, ticks)
}

/// A divisor and its word for tick labels of large money values.
fn scale_of(max_abs: f64) -> (f64, &'static str) {
    if max_abs >= 1e9 {
        (1e9, "billion ")
    } else if max_abs >= 1e6 {
        (1e6, "million ")
    } else if max_abs >= 1e4 {
        (1e3, "thousand ")
    } else {
        (1.0, "")
    }
}

/// A tick label with as many decimals as the step needs.
fn tick_label(x: f64, step: f64, scale: f64) -> String {
    let s = step / scale;
    let mut d = 0;
    while d < 9 && ((s * 10f64.powi(d)).round() - s * 10f64.powi(d)).abs() > 1e-6 * (s * 10f64.powi(d)).abs() {
        d += 1;
    }
    let v = clean(x / scale);
    let v = if v == 0.0 { 0.0 } else { v };
    format!("{v:.prec$}", prec = d as usize)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The runs of consecutive points with a value (a point without one breaks the line).
fn segments(points: &[(f64, Option<f64>)]) -> Vec<Vec<(f64, f64)>> {
    let mut out = vec![Vec::new()];
    for &(x, y) in points {
        match y {
            Some(y) if y.is_finite() => out.last_mut().expect("non-empty").push((x, y)),
            _ => {
                if out.last().is_some_and(|s| !s.is_empty()) {
                    out.push(Vec::new());
                }
            }
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

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
    let series: Vec<Vec<usize>> = (0..per_x)
        .map(|j| {
            (0..xs.len())
                .map(|k| k * per_x + j)
                .filter(|&i| i < table.rows.len())
                .collect()
        })
        .collect();
    let x_of = |i: usize| xs[i / per_x];
    let target = swept_target(&first.key).and_then(|id| table.target_ids.iter().position(|t| t == id));
    let marginal = |r: &Row| target.and_then(|t| r.targets.get(t).and_then(|v| v.1));

    let right = if target.is_some() { 110.0 } else { 40.0 };
    let pw = W - LEFT - right;
    let ph = PLOT_H;
    let min_max = |v: &mut dyn Iterator<Item = f64>| {
        v.filter(|y| y.is_finite())
            .fold(None, |acc: Option<(f64, f64)>, y| match acc {
                None => Some((y, y)),
                Some((a, b)) => Some((a.min(y), b.max(y))),
            })
    };
    let (xmin, xmax) = min_max(&mut xs.iter().copied()).unwrap_or((0.0, 1.0));
    let (xlo, xhi) = if xmax > xmin {
        (xmin, xmax)
    } else {
        (xmin - 0.5 * xmin.abs().max(1.0), xmax + 0.5 * xmax.abs().max(1.0))
    };
    let (_, _, xstep, xticks) = nice_ticks(xlo, xhi, 8.0);
    let xticks: Vec<f64> = xticks
        .into_iter()
        .filter(|t| *t >= xlo - 1e-9 * xstep && *t <= xhi + 1e-9 * xstep)
        .collect();
    let (olo, ohi) = min_max(&mut table.rows.iter().filter_map(|r| r.objective)).unwrap_or((0.0, 1.0));
    let (ylo, yhi, ystep, yticks) = nice_ticks(olo, ohi, 6.0);
    let (mlo, mhi) =
        min_max(&mut table.rows.iter().filter_map(marginal)).map_or((0.0, 1.0), |(a, b)| (a.min(0.0), b.max(0.0)));
    let (m_lo, m_hi, mstep, mticks) = nice_ticks(mlo, mhi, 6.0);

    let sx = |x: f64| LEFT + (x - xlo) / (xhi - xlo) * pw;
    let sy = |y: f64| TOP + ph - (y - ylo) / (yhi - ylo) * ph;
    let sm = |y: f64| TOP + ph - (y - m_lo) / (m_hi - m_lo) * ph;

    let mut s = String::new();
    // Grid.
    let _ = writeln!(s, "<g stroke=\"#e5e5e5\" stroke-width=\"1\">");
    for &t in &xticks {
        let _ = writeln!(
            s,
            "<line x1=\"{0:.2}\" y1=\"{1:.2}\" x2=\"{0:.2}\" y2=\"{2:.2}\"/>",
            sx(t),
            TOP,
            TOP + ph
        );
    }
    for &t in &yticks {
        let _ = writeln!(
            s,
            "<line x1=\"{0:.2}\" y1=\"{1:.2}\" x2=\"{2:.2}\" y2=\"{1:.2}\"/>",
            LEFT,
            sy(t),
            LEFT + pw
        );
    }
    let _ = writeln!(s, "</g>");
    let _ = writeln!(
        s,
        "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{pw:.2}\" height=\"{ph:.2}\" fill=\"none\" stroke=\"#333\"/>"
    );
    // X axis.
    for &t in &xticks {
        let _ = writeln!(
            s,
            "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{}</text>",
            sx(t),
            TOP + ph + 18.0,
            tick_label(t, xstep, 1.0)
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{} ({})</text>",
        LEFT + pw / 2.0,
        TOP + ph + 42.0,
        esc(&first.key),
        esc(&unit_of(&first.key, currency))
    );
    // Left axis: objective.
    let (yscale, yword) = scale_of(ylo.abs().max(yhi.abs()));
    for &t in &yticks {
        let _ = writeln!(
            s,
            "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"end\">{}</text>",
            LEFT - 8.0,
            sy(t) + 4.0,
            tick_label(t, ystep, yscale)
        );
    }
    let _ = writeln!(
        s,
        "<text transform=\"translate(24,{:.2}) rotate(-90)\" text-anchor=\"middle\">objective: total annual \
         cost ({yword}{}/yr)</text>",
        TOP + ph / 2.0,
        esc(currency)
    );
    // Right axis: marginal value of the swept target.
    if let Some(t) = target {
        let (mscale, mword) = scale_of(m_lo.abs().max(m_hi.abs()));
        for &v in &mticks {
            let _ = writeln!(
                s,
                "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"start\" fill=\"#555\">{}</text>",
                LEFT + pw + 8.0,
                sm(v) + 4.0,
                tick_label(v, mstep, mscale)
            );
        }
        let _ = writeln!(
            s,
            "<text transform=\"translate({:.2},{:.2}) rotate(90)\" text-anchor=\"middle\" fill=\"#555\">marginal \
             value of {} ({mword}{}/yr per 1.0 of share)</text>",
            W - 24.0,
            TOP + ph / 2.0,
            esc(&table.target_ids[t]),
            esc(currency)
        );
    }
    // Lines: the objective solid, the marginal value dashed (another colour on a single line).
    let mut legend: Vec<(String, &str, bool)> = Vec::new();
    for (j, rows) in series.iter().enumerate() {
        let color = COLORS[j % COLORS.len()];
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
        let obj: Vec<(f64, Option<f64>)> = rows.iter().map(|&i| (x_of(i), table.rows[i].objective)).collect();
        draw_line(&mut s, &segments(&obj), color, false, &sx, &sy);
        legend.push((
            if label.is_empty() {
                "objective (left axis)".to_string()
            } else {
                format!("objective, {label}")
            },
            color,
            false,
        ));
        if let Some(t) = target {
            let mcolor = if series.len() == 1 { COLORS[3] } else { color };
            let mv: Vec<(f64, Option<f64>)> = rows.iter().map(|&i| (x_of(i), marginal(&table.rows[i]))).collect();
            draw_line(&mut s, &segments(&mv), mcolor, true, &sx, &sm);
            legend.push((
                if label.is_empty() {
                    format!("marginal value of {} (right axis)", table.target_ids[t])
                } else {
                    format!("marginal value, {label}")
                },
                mcolor,
                true,
            ));
        }
    }
    // Points that are not optimal, as triangles on the x axis.
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
        let _ = writeln!(
            s,
            "<path d=\"M{:.2} {:.2} l-4 -8 h8 z\" fill=\"{color}\"><title>{}: {}</title></path>",
            sx(x_of(i)),
            TOP + ph,
            esc(&table.point(i).join(", ")),
            esc(&r.status)
        );
    }
    if marked.0 {
        legend.push(("infeasible point".into(), INFEASIBLE_COLOR, false));
    }
    if marked.1 {
        legend.push(("solver failure".into(), FAILED_COLOR, false));
    }
    // Legend below the x axis, two columns.
    let shown = legend.len().min(LEGEND_MAX);
    let legend_top = TOP + ph + 62.0;
    for (k, (name, color, dashed)) in legend.iter().take(shown).enumerate() {
        let x = LEFT + if k % 2 == 0 { 0.0 } else { pw / 2.0 };
        let y = legend_top + 18.0 * (k / 2) as f64;
        let dash = if *dashed { " stroke-dasharray=\"6 3\"" } else { "" };
        if *color == INFEASIBLE_COLOR || *color == FAILED_COLOR {
            let _ = write!(
                s,
                "<path d=\"M{:.2} {:.2} l-4 -8 h8 z\" fill=\"{color}\"/>",
                x + 12.0,
                y + 4.0
            );
        } else {
            let _ = write!(
                s,
                "<line x1=\"{x:.2}\" y1=\"{y:.2}\" x2=\"{:.2}\" y2=\"{y:.2}\" stroke=\"{color}\" \
                 stroke-width=\"2\"{dash}/>",
                x + 24.0
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"11\">{}</text>",
            x + 30.0,
            y + 4.0,
            esc(name)
        );
    }
    let mut rows_used = shown.div_ceil(2);
    if legend.len() > shown {
        let _ = writeln!(
            s,
            "<text x=\"{LEFT:.2}\" y=\"{:.2}\" font-size=\"11\">and {} more lines</text>",
            legend_top + 18.0 * rows_used as f64 + 4.0,
            legend.len() - shown
        );
        rows_used += 1;
    }
    let h = legend_top + 18.0 * rows_used as f64 + 8.0;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{h}\" viewBox=\"0 0 {W} {h}\" \
         font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(out, "<title>{}</title>", esc(title));
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{h}\" fill=\"white\"/>"
    );
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"28\" text-anchor=\"middle\" font-size=\"15\">{}</text>",
        W / 2.0,
        esc(title)
    );
    out.push_str(&s);
    out.push_str("</svg>\n");
    Ok(out)
}

fn draw_line(
    s: &mut String,
    segs: &[Vec<(f64, f64)>],
    color: &str,
    dashed: bool,
    sx: &dyn Fn(f64) -> f64,
    sy: &dyn Fn(f64) -> f64,
) {
    let dash = if dashed { " stroke-dasharray=\"6 3\"" } else { "" };
    for seg in segs {
        if seg.len() == 1 {
            let (x, y) = seg[0];
            let _ = writeln!(
                s,
                "<circle cx=\"{:.2}\" cy=\"{:.2}\" r=\"3\" fill=\"{color}\"/>",
                sx(x),
                sy(y)
            );
            continue;
        }
        let pts: Vec<String> = seg.iter().map(|&(x, y)| format!("{:.2},{:.2}", sx(x), sy(y))).collect();
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
            pts.join(" ")
        );
    }
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
    fn clean_rounds_to_twelve_digits() {
        assert_eq!(clean(0.1 + 0.1 + 0.1), 0.3);
        assert_eq!(fmt_num(clean(-0.0)), "0");
        assert_eq!(fmt_num(1200.0), "1200");
    }

    #[test]
    fn nice_ticks_cover_the_range() {
        let (lo, hi, step, ticks) = nice_ticks(0.13, 0.87, 6.0);
        assert!(lo <= 0.13 && hi >= 0.87);
        assert!((step - 0.2).abs() < 1e-12 || (step - 0.1).abs() < 1e-12);
        assert!(ticks.len() >= 4);
        let (lo, hi, _, _) = nice_ticks(5.0, 5.0, 6.0);
        assert!(lo < 5.0 && hi > 5.0);
    }

    #[test]
    fn swept_target_names_one_target() {
        assert_eq!(swept_target("targets.ree_usmca.max_import_share"), Some("ree_usmca"));
        assert_eq!(swept_target("targets.*.max_import_share"), None);
        assert_eq!(swept_target("targets.x.max_import_share*"), None);
        assert_eq!(swept_target("mines.x.capacity"), None);
    }
}
