//! The flow diagram of the HTML report: a layered (Sankey-style) SVG of the plan's tonnes.
//!
//! Nodes are the regions the plan moves material through, and one node per country whose
//! import offers were bought (`CN imports`). Links are the report's rows, summed over
//! materials and modes: each offer's `bought_t` from its origin to its region, each shipment's
//! `tonnes` from its lane's origin to its destination (in the last period when the report has
//! periods). A link's width is proportional to its tonnes; its colour is the country of the
//! node it leaves (the region's country, or the import's origin).
//!
//! Columns: a node's column is the longest path to it from a node without inflow, over the
//! links that a depth-first search does not find closing a cycle; a link that closes a cycle
//! (material sent back up the chain) is drawn dashed from right to left, so a cyclic lane
//! network draws as well as an acyclic one.

use super::escape::esc;
use super::number::num;
use super::schema::Report;
use std::collections::HashMap;
use std::fmt::Write as _;

const WIDTH: f64 = 1200.0;
const HEIGHT: f64 = 560.0;
const NODE_W: f64 = 12.0;
const GAP: f64 = 6.0;
/// The height a node's label needs.
const LABEL_H: f64 = 12.0;
/// Twenty distinct colours (Tableau 20, dark and light in turn), one per country in order of
/// first appearance (a country past the twentieth shares a colour, the legend says which).
const COLORS: [&str; 20] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
];

struct Graph {
    names: Vec<String>,
    /// The country of each node (for its colour).
    country: Vec<String>,
    /// (from, to, tonnes, materials)
    links: Vec<(usize, usize, f64, Vec<String>)>,
    /// The index in `links` of each (from, to).
    link_index: HashMap<(usize, usize), usize>,
}

impl Graph {
    fn node(&mut self, index: &mut HashMap<String, usize>, name: &str, country: &str) -> usize {
        if let Some(&i) = index.get(name) {
            return i;
        }
        self.names.push(name.to_string());
        self.country.push(country.to_string());
        index.insert(name.to_string(), self.names.len() - 1);
        self.names.len() - 1
    }

    fn link(&mut self, a: usize, b: usize, t: f64, material: &str) {
        match self.link_index.get(&(a, b)).map(|&k| &mut self.links[k]) {
            Some(l) => {
                l.2 += t;
                if !l.3.iter().any(|m| m == material) {
                    l.3.push(material.to_string());
                }
            }
            None => {
                self.link_index.insert((a, b), self.links.len());
                self.links.push((a, b, t, vec![material.to_string()]));
            }
        }
    }
}

/// The graph of the plan's tonnes in `year`.
fn graph(r: &Report, year: Option<i64>) -> Graph {
    let mut g = Graph {
        names: Vec::new(),
        country: Vec::new(),
        links: Vec::new(),
        link_index: HashMap::new(),
    };
    let mut index = HashMap::new();
    let country = |region: &str| r.glossary.country_of(region).unwrap_or(region).to_string();
    for i in r.imports.iter().filter(|i| i.period == year && i.bought_t > 0.0) {
        let a = g.node(&mut index, &format!("{} imports", i.origin), &i.origin);
        let b = g.node(&mut index, &i.region, &country(&i.region));
        g.link(a, b, i.bought_t, &i.material);
    }
    for s in r.shipments.iter().filter(|s| s.period == year && s.tonnes > 0.0) {
        let a = g.node(&mut index, &s.from, &country(&s.from));
        let b = g.node(&mut index, &s.to, &country(&s.to));
        if a != b {
            g.link(a, b, s.tonnes, &s.material);
        }
    }
    g
}

/// Which links close a cycle (found by an iterative depth-first search from every node in
/// order), and each node's column: the longest path to it over the other links.
fn columns(g: &Graph) -> (Vec<bool>, Vec<usize>) {
    let n = g.names.len();
    let mut out_links: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, l) in g.links.iter().enumerate() {
        out_links[l.0].push(k);
    }
    // 0 unseen, 1 on the stack, 2 done.
    let mut state = vec![0u8; n];
    let mut back = vec![false; g.links.len()];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&k) = out_links[v].get(*next) {
                *next += 1;
                let w = g.links[k].1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[k] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    // Longest path over the forward links (a DAG): relax n times at most.
    let mut col = vec![0usize; n];
    for _ in 0..n {
        let mut changed = false;
        for (k, l) in g.links.iter().enumerate() {
            if !back[k] && col[l.1] < col[l.0] + 1 {
                col[l.1] = col[l.0] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    (back, col)
}

/// The colour of each country, in order of first appearance.
fn palette(g: &Graph) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for c in &g.country {
        if !out.iter().any(|(k, _)| k == c) {
            out.push((c.clone(), COLORS[out.len() % COLORS.len()]));
        }
    }
    out
}

/// The flow diagram of `r` as inline SVG (with a legend of the countries' colours).
pub fn svg(r: &Report) -> String {
    let year = r.periods.as_ref().and_then(|p| p.last()).map(|p| p.year);
    let year =
        year.filter(|_| r.shipments.iter().any(|s| s.period.is_some()) || r.imports.iter().any(|i| i.period.is_some()));
    let g = graph(r, year);
    if g.links.is_empty() {
        return "<p>(no material moves between regions in this plan)</p>\n".into();
    }
    let (back, col) = columns(&g);
    let n = g.names.len();
    let ncols = col.iter().max().map_or(1, |m| m + 1);
    let mut inflow = vec![0.0; n];
    let mut outflow = vec![0.0; n];
    for l in &g.links {
        outflow[l.0] += l.2;
        inflow[l.1] += l.2;
    }
    let size: Vec<f64> = (0..n).map(|i| f64::max(inflow[i], outflow[i])).collect();
    // One scale for every column: the fullest column fills the height.
    let mut per_col = vec![Vec::new(); ncols];
    for i in 0..n {
        per_col[col[i]].push(i);
    }
    for c in &mut per_col {
        c.sort_by(|&a, &b| size[b].total_cmp(&size[a]));
    }
    let scale = per_col
        .iter()
        .map(|c| {
            let t: f64 = c.iter().map(|&i| size[i]).sum();
            let gaps = GAP * c.len() as f64;
            if t > 0.0 {
                (HEIGHT - gaps).max(HEIGHT / 4.0) / t
            } else {
                f64::INFINITY
            }
        })
        .fold(f64::INFINITY, f64::min);
    let h = |t: f64| (t * scale).max(1.5);
    let mut y = vec![0.0; n];
    for c in &per_col {
        let mut top = 20.0;
        for &i in c {
            y[i] = top;
            top += h(size[i]) + GAP;
        }
    }
    let x = |i: usize| 10.0 + col[i] as f64 * (WIDTH - 200.0) / (ncols.max(2) - 1) as f64;
    draw(&g, &back, &x, &y, &size, h, year)
}

/// The links, nodes, labels and legend.
#[allow(clippy::too_many_arguments)]
fn draw(
    g: &Graph,
    back: &[bool],
    x: &dyn Fn(usize) -> f64,
    y: &[f64],
    size: &[f64],
    h: impl Fn(f64) -> f64,
    year: Option<i64>,
) -> String {
    let colors = palette(g);
    let color = |c: &str| colors.iter().find(|(k, _)| k == c).map_or("#888", |(_, v)| *v);
    let total_h = (0..g.names.len()).map(|i| y[i] + h(size[i])).fold(HEIGHT, f64::max) + 30.0;
    let mut out = format!(
        "<svg id=\"flow\" width=\"{WIDTH}\" height=\"{total_h:.0}\" viewBox=\"0 0 {WIDTH} {total_h:.0}\" role=\"img\" \
         aria-label=\"flows of the plan\">"
    );
    let mut out_off = vec![0.0; g.names.len()];
    let mut in_off = vec![0.0; g.names.len()];
    let mut order: Vec<usize> = (0..g.links.len()).collect();
    order.sort_by(|&a, &b| y[g.links[a].1].total_cmp(&y[g.links[b].1]));
    for k in order {
        let (a, b, t, mats) = &g.links[k];
        let w = h(*t);
        let y0 = y[*a] + out_off[*a] + w / 2.0;
        let y1 = y[*b] + in_off[*b] + w / 2.0;
        out_off[*a] += w;
        in_off[*b] += w;
        let (x0, x1) = (x(*a) + NODE_W, x(*b));
        let mid = (x0 + x1) / 2.0;
        let dash = if back[k] { " stroke-dasharray=\"6 4\"" } else { "" };
        let (c0, c1) = if back[k] { (x0 + 80.0, x1 - 80.0) } else { (mid, mid) };
        let _ = write!(
            out,
            "<path d=\"M{x0:.1},{y0:.1} C{c0:.1},{y0:.1} {c1:.1},{y1:.1} {x1:.1},{y1:.1}\" fill=\"none\" stroke=\"{}\" \
             stroke-opacity=\"0.45\" stroke-width=\"{w:.2}\"{dash}><title>{} -&gt; {}: {} t/yr ({})</title></path>",
            color(&g.country[*a]),
            esc(&g.names[*a]),
            esc(&g.names[*b]),
            num(*t),
            esc(&mats.join(", "))
        );
    }
    for i in 0..g.names.len() {
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{NODE_W}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {} t/yr</title></rect>",
            x(i),
            y[i],
            h(size[i]),
            color(&g.country[i]),
            esc(&g.names[i]),
            num(size[i]),
        );
        // A label where there is room for it; every node has its name in its tooltip.
        if h(size[i]) + GAP >= LABEL_H {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
                x(i) + NODE_W + 3.0,
                y[i] + h(size[i]) / 2.0 + 4.0,
                esc(&g.names[i])
            );
        }
    }
    out.push_str("</svg>\n<div class=\"legend\">");
    for (c, v) in &colors {
        let _ = write!(out, "<span><i style=\"background:{v}\"></i>{}</span>", esc(c));
    }
    let when = year.map_or(String::new(), |y| format!(" in {y}"));
    let _ = writeln!(
        out,
        "</div><p class=\"meta\">Tonnes{when} moved between regions and bought from abroad, all materials summed (hover for \
         each link's materials); colour: the country the flow leaves; dashed: flow back up the chain (a cycle in the lanes).</p>"
    );
    out
}
