//! The HTML report: one self-contained file (styles, script and charts inline; no request to
//! any server, enforced by its Content-Security-Policy), readable with JavaScript off.
//!
//! The page leads with the summary ([`super::summary`]), then a flow diagram of the plan
//! ([`super::flow`]), the cost breakdown as bars, the targets with their share against the
//! cap, and the tables of the text report at the same `--detail` (sortable by a click on a
//! header when scripts run). An infeasible run shows its diagnosis first.
//!
//! Every string from the instance goes through [`esc`]. The summary's numbers carry their
//! exact value in a `data-value` attribute (the JSON report's number, printed the same way),
//! so a test can compare the page with the JSON report.

use super::number::{num, opt, pct};
use super::render::{sections, solver_lines, Detail};
use super::schema::Report;
use super::summary::{has_years, horizon, money, summary, Summary};
use super::table::Table;
use std::fmt::Write as _;

pub use super::escape::esc;

/// No request leaves the page: scripts and styles inline only, images as data only.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:1440px;padding:12px 20px;color:#1b1f24;line-height:1.35}
h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.4rem 0 .4rem;border-bottom:1px solid #ccd;padding-bottom:2px}
h3{font-size:.98rem;margin:.8rem 0 .3rem}
.meta{color:#555;font-size:.82rem}.meta code{font-size:.78rem}
.answer{display:grid;grid-template-columns:minmax(220px,270px) 1fr;gap:14px;align-items:start}.answer>div{overflow-x:auto}
.answer th{white-space:normal;vertical-align:bottom}td.w{white-space:normal;min-width:9em}
.card{border:1px solid #d5d9e0;border-radius:6px;padding:8px 12px;background:#fafbfc}
.big{font-size:1.6rem;font-weight:600}.status-optimal{color:#176f2c}.status-bad{color:#b3261e}
table{border-collapse:collapse;font-size:.8rem;margin:.2rem 0}
th,td{padding:2px 5px;border-bottom:1px solid #e3e6ea;white-space:nowrap}
th{background:#eef1f5;text-align:left;position:sticky;top:0}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer}
tr.bind td{background:#fff4e5}
ul.limits{margin:.2rem 0;padding-left:1.1rem;font-size:.85rem}
details{margin:.4rem 0}summary{cursor:pointer;font-weight:600}
.bar{display:inline-block;vertical-align:middle}
svg text{font-family:system-ui,sans-serif}
.legend span{display:inline-block;margin-right:10px;font-size:.78rem}
.legend i{display:inline-block;width:10px;height:10px;margin-right:3px;vertical-align:middle}
.diff-up{background:#fde2e1}.diff-down{background:#dff3e3}.diff-more{background:#e1ecfb}.diff-less{background:#fbefd9}
";

/// Sorts a table by the clicked header: numbers (commas, %, signs) numerically, text by text.
const SCRIPT: &str = "
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var b=t.tBodies[0],rows=Array.from(b.rows),asc=th.dataset.asc!=='1';
      th.dataset.asc=asc?'1':'0';
      var key=function(r){var c=r.cells[i];var s=c?(c.dataset.value||c.textContent):'';
        var x=parseFloat(s.replace(/,/g,'').replace('%',''));return isNaN(x)?s:x;};
      rows.sort(function(p,q){var a=key(p),c=key(q);
        var d=(typeof a==='number'&&typeof c==='number')?a-c:String(a).localeCompare(String(c));
        return asc?d:-d;});
      rows.forEach(function(r){b.appendChild(r);});
    });
  });
});
document.documentElement.dataset.resources=String(performance.getEntriesByType('resource').length);
document.documentElement.dataset.script='ran';
";

/// A whole page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        esc(title)
    )
}

/// A number as a `data-value` holds it: exact, with no signed zero (as in the JSON).
fn exact(x: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        x
    }
}

/// A number cell with its exact value for tests and sorting.
fn num_cell(key: &str, x: f64, shown: &str) -> String {
    format!(
        "<td class=\"n\" data-key=\"{}\" data-value=\"{}\">{}</td>",
        esc(key),
        exact(x),
        esc(shown)
    )
}

/// A report table as a sortable HTML table.
pub fn table(t: &Table) -> String {
    let mut out = String::from("<table class=\"sortable\"><thead><tr>");
    for (i, h) in t.header().iter().enumerate() {
        let class = if t.is_left(i) { "" } else { " class=\"n\"" };
        let _ = write!(out, "<th{class}>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in t.rows() {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let class = if t.is_left(i) { "" } else { " class=\"n\"" };
            let _ = write!(out, "<td{class}>{}</td>", esc(c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>\n");
    out
}

/// The HTML report of `r`.
pub fn report(r: &Report, detail: Detail) -> String {
    let mut body = String::new();
    header(r, &mut body);
    if r.status == "optimal" {
        let s = summary(r);
        answer(r, &s, &mut body);
        body.push_str("<h2 id=\"flows\">Flows of the plan</h2>\n");
        body.push_str(&super::flow::svg(r));
        costs(r, &mut body);
        targets(r, &mut body);
        for (title, t) in sections(r, detail) {
            let open = if title.starts_with("Cost breakdown") {
                ""
            } else {
                " open"
            };
            let _ = writeln!(body, "<details{open}><summary>{}</summary>", esc(&title));
            if t.is_empty() {
                body.push_str("<p>(none)</p>");
            } else {
                body.push_str(&table(&t));
            }
            body.push_str("</details>\n");
        }
    }
    diagnosis(r, &mut body);
    page(&format!("sourcing-opt report: {}", r.instance.name), &body)
}

/// Title, instance, status and solver lines.
fn header(r: &Report, out: &mut String) {
    let _ = writeln!(out, "<h1>sourcing-opt report: {}</h1>", esc(&r.instance.name));
    let mut meta = vec![format!(
        "instance <code>{}</code>, sha256 <code>{}</code>",
        esc(&r.instance.path),
        esc(&r.instance.sha256)
    )];
    if let Some(s) = &r.instance.scenario {
        meta.push(format!("scenario <code>{}</code>", esc(s)));
    }
    for o in &r.instance.overrides {
        meta.push(format!("override <code>{}</code>", esc(o)));
    }
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", meta.join(" &middot; "));
    // How the plan was obtained and checked, as the text report says it.
    let solver: Vec<String> = solver_lines(&r.solver).iter().map(|l| esc(l)).collect();
    let _ = writeln!(out, "<p class=\"meta\" data-key=\"solver\">{}</p>", solver.join("<br>"));
    if let Some(m) = &r.message {
        let _ = writeln!(out, "<p class=\"status-bad\">{}</p>", esc(m));
    }
}

/// The answer: status and cost on the left, the supply of each final material on the right,
/// then the binding limits in words and the capacity built.
fn answer(r: &Report, s: &Summary, out: &mut String) {
    let cur = esc(&r.currency);
    let years = has_years(r);
    out.push_str("<section id=\"summary\" class=\"answer\"><div class=\"card\">");
    let _ = write!(
        out,
        "<div class=\"status-optimal\" data-key=\"status\">{}</div>",
        esc(r.status)
    );
    if let Some(o) = r.objective {
        let per = if years { "weighted over the periods" } else { "/yr" };
        let _ = write!(
            out,
            "<div>total cost</div><div class=\"big\" data-key=\"objective\" data-value=\"{o}\" title=\"{}\">{} {cur}</div><div>{per} ({})</div>",
            num(o),
            money(o),
            num(o)
        );
    }
    out.push_str("<table>");
    for (k, v) in &s.top_costs {
        let share = r.objective.map_or(0.0, |o| v / o);
        let _ = write!(
            out,
            "<tr><td>{k}</td>{}</tr>",
            num_cell(&format!("costs.{k}"), *v, &pct(share))
        );
    }
    out.push_str("</table>");
    if let Some(periods) = r.periods.as_deref().filter(|_| years) {
        let _ = write!(out, "<h3>Annual cost, {}</h3><table>", horizon(periods));
        for p in periods {
            let _ = write!(
                out,
                "<tr><td>{}</td>{}</tr>",
                p.year,
                num_cell("period.objective", p.objective, &money(p.objective))
            );
        }
        out.push_str("</table>");
    }
    let unmet = match s.unmet_demands {
        0 => super::summary_text::unmet_line(s),
        _ => format!(
            "<b class=\"status-bad\">{}</b>",
            esc(&super::summary_text::unmet_line(s))
        ),
    };
    let _ = write!(
        out,
        "<p data-key=\"unmet\" data-value=\"{}\">{unmet}</p>",
        exact(s.unmet_t)
    );
    limits(r, s, out);
    out.push_str("</div><div>");
    supply(r, s, out);
    out.push_str("</div></section>\n");
}

/// The binding limits in words and the capacity built.
fn limits(r: &Report, s: &Summary, out: &mut String) {
    let cur = esc(&r.currency);
    let per = if has_years(r) { " over the horizon" } else { "/yr" };
    if !s.limits.is_empty() {
        out.push_str("<h3>Most valuable binding limits</h3><ul class=\"limits\">");
        for l in &s.limits {
            let _ = write!(
                out,
                "<li title=\"{}\">{} {} <b data-key=\"limit.{}\" data-value=\"{}\">{} {cur}{per}</b></li>",
                esc(l.name),
                words(&l.words),
                super::summary_text::saves(r),
                esc(l.name),
                l.value,
                money(l.value)
            );
        }
        out.push_str("</ul>");
    }
    if !s.built.is_empty() {
        out.push_str("<h3>Capacity built</h3><ul class=\"limits\">");
        for b in &s.built {
            let when = b.period.map_or(String::new(), |y| format!(" from {y}"));
            let _ = write!(
                out,
                "<li>{} <code>{}</code>: +{} t/yr{when}</li>",
                esc(b.kind),
                esc(b.facility),
                num(b.added_t)
            );
        }
        out.push_str("</ul>");
    }
}

/// A bar of `share` (0..1) with a tick at `cap`, as a small inline SVG.
fn share_bar(share: f64, cap: Option<f64>, color: &str) -> String {
    let w = 120.0;
    let x = (share.clamp(0.0, 1.0) * w).max(0.0);
    let tick = cap.map_or(String::new(), |c| {
        let cx = c.clamp(0.0, 1.0) * w;
        format!("<line x1=\"{cx:.1}\" y1=\"0\" x2=\"{cx:.1}\" y2=\"12\" stroke=\"#b3261e\" stroke-width=\"2\"/>")
    });
    format!(
        "<svg class=\"bar\" width=\"{w}\" height=\"12\" role=\"img\"><rect width=\"{w}\" height=\"12\" fill=\"#e8ebef\"/>\
         <rect width=\"{x:.1}\" height=\"12\" fill=\"{color}\"/>{tick}</svg>"
    )
}

/// The colours of the blocs, in instance order, then `other`.
const BLOC_COLORS: [&str; 6] = ["#2e7d32", "#4c78a8", "#e45756", "#b279a2", "#9d755d", "#79706e"];

/// The blocs of the instance, then `other`.
fn bloc_names(r: &Report) -> Vec<&str> {
    r.glossary
        .blocs
        .iter()
        .map(|(b, _)| b.as_str())
        .chain(["other"])
        .collect()
}

/// A stacked bar of the supply by bloc, each part with its share in its tooltip.
fn bloc_bar(r: &Report, by_bloc: &[(String, f64)], total: f64) -> String {
    let names = bloc_names(r);
    let w = 70.0;
    let mut x = 0.0;
    let mut out = format!("<svg class=\"bar\" width=\"{w}\" height=\"12\" role=\"img\">");
    for (b, t) in by_bloc {
        let i = names.iter().position(|n| n == b).unwrap_or(names.len() - 1);
        let bw = if total > 0.0 { t / total * w } else { 0.0 };
        let share = pct(if total > 0.0 { t / total } else { 0.0 });
        let _ = write!(
            out,
            "<rect x=\"{x:.2}\" width=\"{bw:.2}\" height=\"12\" fill=\"{}\"><title>{}: {share}</title></rect>",
            BLOC_COLORS[i % BLOC_COLORS.len()],
            esc(b)
        );
        x += bw;
    }
    out.push_str("</svg>");
    out
}

/// Plain words with `ids` in backticks: escaped, each backticked id as code.
fn words(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in esc(s).split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// The supply of each final material by bloc and its tightest target.
fn supply(r: &Report, s: &Summary, out: &mut String) {
    let cur = esc(&r.currency);
    let year = s.year.map_or(String::new(), |y| format!(" in {y}"));
    let _ = write!(
        out,
        "<h3>Supply of each final material{year}</h3><p class=\"meta\">Share mined, refined or sold as imports by each bloc's \
         countries (largest sources by country){}, and the material's tightest import-dependency target (+N: more targets \
         in the targets table below).</p>",
        match super::summary_text::has_stockpiles(r) {
            true => esc(super::summary_text::RESERVES_NOT_SUPPLY),
            false => String::new(),
        }
    );
    let shown: Vec<&str> = bloc_names(r)
        .into_iter()
        .filter(|b| s.supply.iter().any(|m| m.by_bloc.iter().any(|(x, _)| x == b)))
        .collect();
    out.push_str("<div class=\"legend\">by bloc: ");
    for (i, b) in bloc_names(r).iter().enumerate().filter(|(_, b)| shown.contains(b)) {
        let _ = write!(
            out,
            "<span><i style=\"background:{}\"></i>{}</span>",
            BLOC_COLORS[i % BLOC_COLORS.len()],
            esc(b)
        );
    }
    out.push_str("</div>");
    out.push_str("<table class=\"sortable\" id=\"supply\"><thead><tr><th>material</th><th class=\"n\">supply t/yr</th><th>by bloc</th>");
    for b in &shown {
        let _ = write!(out, "<th class=\"n\">{}</th>", esc(b));
    }
    out.push_str("<th>largest sources</th><th>tightest target</th><th class=\"n\">import<br>share</th><th class=\"n\">cap</th><th>binds</th>");
    let _ = write!(
        out,
        "<th class=\"n\">value per point<br>{cur}/yr</th></tr></thead><tbody>"
    );
    for m in &s.supply {
        let blocs = bloc_bar(r, &m.by_bloc, m.total_t);
        let top: Vec<String> = m
            .by_country
            .iter()
            .take(3)
            .map(|(c, t)| format!("{} {}", esc(c), esc(&super::summary_text::whole_pct(t / m.total_t))))
            .collect();
        let bind = m.target.is_some_and(|g| g.limits());
        let _ = write!(
            out,
            "<tr{}><td>{}</td>{}<td>{}</td>{}<td class=\"w\">{}</td>",
            if bind { " class=\"bind\"" } else { "" },
            esc(m.material),
            num_cell(&format!("supply.{}", m.material), m.total_t, &num(m.total_t)),
            blocs,
            shown
                .iter()
                .map(|b| {
                    let t = m.by_bloc.iter().find(|(x, _)| x == b).map_or(0.0, |x| x.1);
                    let share = if m.total_t > 0.0 { t / m.total_t } else { 0.0 };
                    format!("<td class=\"n\">{}</td>", if t > 0.0 { pct(share) } else { "-".into() })
                })
                .collect::<String>(),
            top.join(", ")
        );
        match m.target {
            Some(g) => {
                let more = m.more_label();
                let id = format!("target.{}", g.id);
                let value = g.marginal_value_per_point.unwrap_or(f64::NAN);
                let _ = write!(
                    out,
                    "<td>{}{more}</td>{}{}<td>{}</td>{}",
                    esc(&g.id),
                    num_cell(
                        &format!("{id}.achieved_share"),
                        g.achieved_share,
                        &pct(g.achieved_share)
                    ),
                    num_cell(
                        &format!("{id}.max_import_share"),
                        g.max_import_share,
                        &pct(g.max_import_share)
                    ),
                    g.binds_label(),
                    num_cell(
                        &format!("{id}.marginal_value_per_point"),
                        value,
                        &opt(g.marginal_value_per_point)
                    ),
                );
            }
            None => out.push_str("<td>-</td><td></td><td></td><td></td><td></td>"),
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>\n");
}

/// The cost breakdown as horizontal bars.
fn costs(r: &Report, out: &mut String) {
    let Some(c) = &r.costs else { return };
    let cur = esc(&r.currency);
    let total = c.total();
    let entries: Vec<(&str, f64)> = c.entries().into_iter().filter(|e| e.1 != 0.0).collect();
    let max = entries.iter().map(|e| e.1.abs()).fold(0.0, f64::max);
    let (w, row) = (560.0, 20.0);
    let h = row * entries.len() as f64 + 6.0;
    let _ = write!(
        out,
        "<h2 id=\"costs\">{}</h2><svg width=\"900\" height=\"{h}\" role=\"img\" aria-label=\"cost breakdown\">",
        // With periods the categories are weighted totals, not a year's cost: say so.
        match r.periods.is_some() {
            true => format!("Cost breakdown, weighted over the periods ({cur}: the sum of weight x annual cost)"),
            false => format!("Cost breakdown ({cur}/yr)"),
        }
    );
    for (i, (k, v)) in entries.iter().enumerate() {
        let y = i as f64 * row + 3.0;
        let bw = if max > 0.0 { v.abs() / max * w } else { 0.0 };
        let share = if total > 0.0 { v / total } else { 0.0 };
        let _ = write!(
            out,
            "<text x=\"130\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\">{k}</text>\
             <rect x=\"140\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"#4c78a8\"><title>{k}: {} {cur}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{} {cur} ({})</text>",
            y + 13.0,
            row - 5.0,
            num(*v),
            146.0 + bw,
            y + 13.0,
            money(*v),
            pct(share)
        );
    }
    out.push_str("</svg>\n");
}

/// With periods: each target's achieved share over the years (solid) against its cap
/// (dashed, same colour), as an inline line chart, for the first eight targets (one per
/// colour) that bind in some year under a cap below 100%; the table has every target.
fn target_paths(r: &Report, out: &mut String) {
    use super::chart::{Line, LineChart, Side, YAxis, COLORS};
    let years: Vec<i64> = r.periods.iter().flatten().map(|p| p.year).collect();
    let mut ids: Vec<&str> = Vec::new();
    for g in r.targets.iter().filter(|g| g.limits()) {
        if !ids.contains(&g.id.as_str()) && ids.len() < COLORS.len() {
            ids.push(g.id.as_str());
        }
    }
    if years.len() < 2 || ids.is_empty() {
        return;
    }
    let mut lines = Vec::new();
    for (k, id) in ids.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let at = |y: i64| r.targets.iter().find(|g| g.id == *id && g.period == Some(y));
        let points = |f: &dyn Fn(&super::schema::TargetRow) -> f64| -> Vec<(f64, Option<f64>)> {
            years.iter().map(|&y| (y as f64, at(y).map(|g| 100.0 * f(g)))).collect()
        };
        lines.push(Line {
            label: format!("{id}: achieved"),
            color,
            dashed: false,
            side: Side::Left,
            points: points(&|g| g.achieved_share),
        });
        lines.push(Line {
            label: format!("{id}: cap"),
            color,
            dashed: true,
            side: Side::Left,
            points: points(&|g| g.max_import_share),
        });
    }
    let chart = LineChart {
        title: "Import share of the binding targets over the years (solid: achieved; dashed: cap)".into(),
        x_label: "year".into(),
        x_values: years.iter().map(|&y| y as f64).collect(),
        left: YAxis {
            prefix: "import share (".into(),
            suffix: "%)".into(),
            include_zero: true,
        },
        right: None,
        lines,
        markers: Vec::new(),
        marker_legend: Vec::new(),
    };
    // Inline SVG in HTML needs no namespace (and the page references no URL).
    out.push_str(&chart.svg().replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1));
}

/// Each target: its share against its cap and its value per point, per period when the
/// report has periods.
fn targets(r: &Report, out: &mut String) {
    if r.targets.is_empty() {
        return;
    }
    let cur = esc(&r.currency);
    let years = has_years(r);
    out.push_str("<h2 id=\"targets\">Import-dependency targets</h2><table class=\"sortable\"><thead><tr>");
    if years {
        out.push_str("<th>year</th>");
    }
    let _ = write!(
        out,
        "<th>target</th><th>material / scope</th><th class=\"n\">achieved</th><th>against cap</th><th class=\"n\">cap</th>\
         <th>binds</th><th class=\"n\">{cur}/yr per point</th></tr></thead><tbody>"
    );
    for g in &r.targets {
        let _ = write!(out, "<tr{}>", if g.limits() { " class=\"bind\"" } else { "" });
        if years {
            let _ = write!(out, "<td>{}</td>", g.period.map_or("-".into(), |y| y.to_string()));
        }
        let _ = write!(
            out,
            "<td>{}</td><td>{} / {}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&g.id),
            esc(&g.material),
            esc(&g.scope),
            pct(g.achieved_share),
            share_bar(g.achieved_share, Some(g.max_import_share), if g.limits() { "#e8890c" } else { "#4c78a8" }),
            pct(g.max_import_share),
            g.binds_label(),
            opt(g.marginal_value_per_point)
        );
    }
    out.push_str("</tbody></table>\n");
    target_paths(r, out);
}

/// An infeasible run's diagnosis: the least change that makes it feasible and the conflict.
fn diagnosis(r: &Report, out: &mut String) {
    if r.status != "optimal" {
        // Statuses are adjectives but one: `error` (a solver failure or the time limit).
        let heading = match r.status {
            "error" => "No plan: the solve did not finish".to_string(),
            s => format!("The plan is {s}"),
        };
        let _ = writeln!(
            out,
            "<h2 class=\"status-bad\" data-key=\"status\">{}</h2>",
            esc(&heading)
        );
    }
    let Some(d) = &r.diagnosis else {
        return;
    };
    out.push_str("<section id=\"diagnosis\"><h2>Why the plan is infeasible</h2>");
    for s in &d.structural {
        let _ = write!(out, "<p>{}</p>", words(s));
    }
    if !d.relaxations.is_empty() {
        out.push_str(
            "<h3>The least change that makes it feasible (targets give way first)</h3><table class=\"sortable\"><thead><tr>\
             <th>limit</th><th class=\"n\">now</th><th class=\"n\">must become</th><th>unit</th><th>that year only</th></tr></thead><tbody>",
        );
        for x in &d.relaxations {
            let _ = write!(
                out,
                "<tr><td>{}</td>{}{}<td>{}</td><td>{}</td></tr>",
                esc(&x.constraint),
                num_cell(&format!("relax.{}.current", x.constraint), x.current, &num(x.current)),
                num_cell(
                    &format!("relax.{}.required", x.constraint),
                    x.required,
                    &num(x.required)
                ),
                esc(&x.unit),
                x.keep.as_deref().map_or(String::new(), |k| format!("--set {}", esc(k)))
            );
        }
        out.push_str("</tbody></table>");
        if let Some(c) = d.repaired_objective {
            let _ = write!(
                out,
                "<p>With those values the cheapest plan costs {} {}.</p>",
                num(c),
                esc(&r.currency)
            );
        }
    }
    if !d.conflict.is_empty() {
        out.push_str("<h3>These constraints cannot hold together</h3><ul>");
        for c in &d.conflict {
            let _ = write!(out, "<li><code>{}</code></li>", esc(c));
        }
        out.push_str("</ul>");
    }
    if let Some(why) = &d.incomplete {
        let _ = write!(out, "<p>Incomplete: {}.</p>", esc(why));
    }
    out.push_str("</section>\n");
}
