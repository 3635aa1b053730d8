//! Self-contained SVG line charts: numeric x values, lines on a left axis and optionally on a
//! right axis (a line without a value at a point is broken there), markers on the x axis,
//! and a legend below the plot. The sweep's chart is one (`whatif::sweep::svg`); an HTML
//! report can draw others with the same code.

use std::fmt::Write as _;

/// Width of the chart, px.
pub const WIDTH: f64 = 900.0;
const LEFT: f64 = 100.0;
const TOP: f64 = 56.0;
/// Height of the plot area; the legend goes below the x axis.
const PLOT_H: f64 = 380.0;
/// Legend entries shown (further entries are summed up in one line).
const LEGEND_MAX: usize = 16;
/// Line colours, in the order lines take them.
pub const COLORS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
];

/// Which vertical axis a line is drawn against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

/// A vertical axis. Its title is `prefix`, the word of the scale of its tick labels
/// (`million `, empty for small values), then `suffix`.
#[derive(Debug, Clone)]
pub struct YAxis {
    pub prefix: String,
    pub suffix: String,
    /// Widen the axis to include 0.
    pub include_zero: bool,
}

/// A line of the chart; a point without a (finite) value breaks it.
#[derive(Debug, Clone)]
pub struct Line {
    /// The legend's text.
    pub label: String,
    pub color: &'static str,
    pub dashed: bool,
    pub side: Side,
    pub points: Vec<(f64, Option<f64>)>,
}

/// A triangle on the x axis (a point without a value worth telling apart), with a tooltip.
#[derive(Debug, Clone)]
pub struct Marker {
    pub x: f64,
    pub color: &'static str,
    pub title: String,
}

/// Everything a chart shows. The legend lists the lines in order, then `marker_legend`.
#[derive(Debug, Clone)]
pub struct LineChart {
    pub title: String,
    /// The x axis's title, and every x value (the axis covers them all).
    pub x_label: String,
    pub x_values: Vec<f64>,
    pub left: YAxis,
    pub right: Option<YAxis>,
    pub lines: Vec<Line>,
    pub markers: Vec<Marker>,
    pub marker_legend: Vec<(String, &'static str)>,
}

/// The ticks of one axis: its padded domain, step and tick values.
struct Ticks {
    lo: f64,
    hi: f64,
    step: f64,
    ticks: Vec<f64>,
}

/// Where things go: the plot area and the scale of each axis.
struct Frame {
    pw: f64,
    ph: f64,
    x: Ticks,
    left: Ticks,
    right: Ticks,
}

impl Frame {
    fn new(chart: &LineChart) -> Self {
        let right_margin = if chart.right.is_some() { 110.0 } else { 40.0 };
        let (xmin, xmax) = min_max(chart.x_values.iter().copied()).unwrap_or((0.0, 1.0));
        let (xlo, xhi) = if xmax > xmin {
            (xmin, xmax)
        } else {
            (xmin - 0.5 * xmin.abs().max(1.0), xmax + 0.5 * xmax.abs().max(1.0))
        };
        let (_, _, xstep, xticks) = nice_ticks(xlo, xhi, 8.0);
        let xticks = xticks
            .into_iter()
            .filter(|t| *t >= xlo - 1e-9 * xstep && *t <= xhi + 1e-9 * xstep)
            .collect();
        let y_ticks = |side: Side, axis: Option<&YAxis>| {
            let values = chart
                .lines
                .iter()
                .filter(|l| l.side == side)
                .flat_map(|l| l.points.iter().filter_map(|p| p.1));
            let (lo, hi) = match (min_max(values), axis.is_some_and(|a| a.include_zero)) {
                (Some((a, b)), true) => (a.min(0.0), b.max(0.0)),
                (Some(range), false) => range,
                (None, _) => (0.0, 1.0),
            };
            let (lo, hi, step, ticks) = nice_ticks(lo, hi, 6.0);
            Ticks { lo, hi, step, ticks }
        };
        Frame {
            pw: WIDTH - LEFT - right_margin,
            ph: PLOT_H,
            x: Ticks {
                lo: xlo,
                hi: xhi,
                step: xstep,
                ticks: xticks,
            },
            left: y_ticks(Side::Left, Some(&chart.left)),
            right: y_ticks(Side::Right, chart.right.as_ref()),
        }
    }

    fn sx(&self, x: f64) -> f64 {
        LEFT + (x - self.x.lo) / (self.x.hi - self.x.lo) * self.pw
    }

    fn sy(&self, side: Side, y: f64) -> f64 {
        let t = match side {
            Side::Left => &self.left,
            Side::Right => &self.right,
        };
        TOP + self.ph - (y - t.lo) / (t.hi - t.lo) * self.ph
    }
}

/// Smallest and largest finite value.
fn min_max(v: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    v.filter(|y| y.is_finite()).fold(None, |acc, y| match acc {
        None => Some((y, y)),
        Some((a, b)) => Some((a.min(y), b.max(y))),
    })
}

impl LineChart {
    /// The chart as an SVG document, newline-terminated.
    pub fn svg(&self) -> String {
        let f = Frame::new(self);
        let mut s = String::new();
        grid(&mut s, &f);
        self.axes(&mut s, &f);
        for line in &self.lines {
            draw_line(
                &mut s,
                &segments(&line.points),
                line.color,
                line.dashed,
                &|x| f.sx(x),
                &|y| f.sy(line.side, y),
            );
        }
        for m in &self.markers {
            let _ = writeln!(
                s,
                "<path d=\"M{:.2} {:.2} l-4 -8 h8 z\" fill=\"{}\"><title>{}</title></path>",
                f.sx(m.x),
                TOP + f.ph,
                m.color,
                esc(&m.title)
            );
        }
        let h = self.legend(&mut s, &f);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{h}\" viewBox=\"0 0 {WIDTH} {h}\" \
             font-family=\"sans-serif\" font-size=\"12\">"
        );
        let _ = writeln!(out, "<title>{}</title>", esc(&self.title));
        let _ = writeln!(
            out,
            "<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{h}\" fill=\"white\"/>"
        );
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"28\" text-anchor=\"middle\" font-size=\"15\">{}</text>",
            WIDTH / 2.0,
            esc(&self.title)
        );
        out.push_str(&s);
        out.push_str("</svg>\n");
        out
    }

    /// Tick labels and titles of the x axis, the left axis and the right axis if any.
    fn axes(&self, s: &mut String, f: &Frame) {
        let ph = f.ph;
        for &t in &f.x.ticks {
            let _ = writeln!(
                s,
                "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{}</text>",
                f.sx(t),
                TOP + ph + 18.0,
                tick_label(t, f.x.step, 1.0)
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\">{}</text>",
            LEFT + f.pw / 2.0,
            TOP + ph + 42.0,
            esc(&self.x_label)
        );
        let (yscale, yword) = scale_of(f.left.lo.abs().max(f.left.hi.abs()));
        for &t in &f.left.ticks {
            let _ = writeln!(
                s,
                "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"end\">{}</text>",
                LEFT - 8.0,
                f.sy(Side::Left, t) + 4.0,
                tick_label(t, f.left.step, yscale)
            );
        }
        let _ = writeln!(
            s,
            "<text transform=\"translate(24,{:.2}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
            TOP + ph / 2.0,
            esc(&format!("{}{yword}{}", self.left.prefix, self.left.suffix))
        );
        let Some(right) = &self.right else {
            return;
        };
        let (mscale, mword) = scale_of(f.right.lo.abs().max(f.right.hi.abs()));
        for &v in &f.right.ticks {
            let _ = writeln!(
                s,
                "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"start\" fill=\"#555\">{}</text>",
                LEFT + f.pw + 8.0,
                f.sy(Side::Right, v) + 4.0,
                tick_label(v, f.right.step, mscale)
            );
        }
        let _ = writeln!(
            s,
            "<text transform=\"translate({:.2},{:.2}) rotate(90)\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            WIDTH - 24.0,
            TOP + ph / 2.0,
            esc(&format!("{}{mword}{}", right.prefix, right.suffix))
        );
    }

    /// The legend below the x axis, two columns; returns the height of the whole chart.
    fn legend(&self, s: &mut String, f: &Frame) -> f64 {
        // (text, colour, dashed, marker)
        let entries: Vec<(&str, &str, bool, bool)> = self
            .lines
            .iter()
            .map(|l| (l.label.as_str(), l.color, l.dashed, false))
            .chain(self.marker_legend.iter().map(|(t, c)| (t.as_str(), *c, false, true)))
            .collect();
        let shown = entries.len().min(LEGEND_MAX);
        let legend_top = TOP + f.ph + 62.0;
        for (k, &(name, color, dashed, marker)) in entries.iter().take(shown).enumerate() {
            let x = LEFT + if k % 2 == 0 { 0.0 } else { f.pw / 2.0 };
            let y = legend_top + 18.0 * (k / 2) as f64;
            let dash = if dashed { " stroke-dasharray=\"6 3\"" } else { "" };
            if marker {
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
        if entries.len() > shown {
            let _ = writeln!(
                s,
                "<text x=\"{LEFT:.2}\" y=\"{:.2}\" font-size=\"11\">and {} more lines</text>",
                legend_top + 18.0 * rows_used as f64 + 4.0,
                entries.len() - shown
            );
            rows_used += 1;
        }
        legend_top + 18.0 * rows_used as f64 + 8.0
    }
}

/// The grid lines at the x ticks and the left axis's ticks, and the plot's frame.
fn grid(s: &mut String, f: &Frame) {
    let _ = writeln!(s, "<g stroke=\"#e5e5e5\" stroke-width=\"1\">");
    for &t in &f.x.ticks {
        let _ = writeln!(
            s,
            "<line x1=\"{0:.2}\" y1=\"{1:.2}\" x2=\"{0:.2}\" y2=\"{2:.2}\"/>",
            f.sx(t),
            TOP,
            TOP + f.ph
        );
    }
    for &t in &f.left.ticks {
        let _ = writeln!(
            s,
            "<line x1=\"{0:.2}\" y1=\"{1:.2}\" x2=\"{2:.2}\" y2=\"{1:.2}\"/>",
            LEFT,
            f.sy(Side::Left, t),
            LEFT + f.pw
        );
    }
    let _ = writeln!(s, "</g>");
    let _ = writeln!(
        s,
        "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"none\" stroke=\"#333\"/>",
        f.pw, f.ph
    );
}

/// Round `x` to `digits` significant digits (and `-0` to `0`).
pub fn round_significant(x: f64, digits: usize) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return if x == 0.0 { 0.0 } else { x };
    }
    format!("{x:.prec$e}", prec = digits - 1).parse().unwrap_or(x)
}

/// Ticks at 1, 2, 2.5 or 5 times a power of ten covering `[lo, hi]`: the padded domain, the
/// step and the tick values. A flat range is widened so the axis is never degenerate.
pub fn nice_ticks(lo: f64, hi: f64, target: f64) -> (f64, f64, f64, Vec<f64>) {
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
    let v = round_significant(x / scale, 12);
    let v = if v == 0.0 { 0.0 } else { v };
    format!("{v:.prec$}", prec = d as usize)
}

/// Text for SVG content and attributes.
pub fn esc(s: &str) -> String {
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
        // A dot on each point computed: the line between two is only drawn, not solved (a
        // cost can jump between them, as when a lead time crosses a period).
        for &(x, y) in seg {
            let _ = writeln!(
                s,
                "<circle cx=\"{:.2}\" cy=\"{:.2}\" r=\"2.5\" fill=\"{color}\"/>",
                sx(x),
                sy(y)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_cover_the_range() {
        let (lo, hi, step, ticks) = nice_ticks(0.13, 0.87, 6.0);
        assert!(lo <= 0.13 && hi >= 0.87);
        assert!((step - 0.2).abs() < 1e-12 || (step - 0.1).abs() < 1e-12);
        assert!(ticks.len() >= 4);
        let (lo, hi, _, _) = nice_ticks(5.0, 5.0, 6.0);
        assert!(lo < 5.0 && hi > 5.0);
    }
}
