//! The summary ([`super::summary`]) as the first block of the text and Markdown reports.

use super::number::{num, opt, pct};
use super::schema::Report;
use super::summary::{has_years, money, summary, Summary};
use super::table::Table;
use std::fmt::Write as _;

/// How many builds the summary lists one per line before it refers to the investment plan.
const BUILDS_LISTED: usize = 6;

/// The lines of the summary after its title, without indent or bullet.
fn lines(r: &Report, s: &Summary) -> Vec<String> {
    let cur = &r.currency;
    let mut v = Vec::new();
    let years = has_years(r);
    if let Some(o) = r.objective {
        let per = if years { " weighted over the periods" } else { "/yr" };
        let largest: Vec<String> = s.top_costs.iter().map(|(k, x)| format!("{k} {}", pct(x / o))).collect();
        v.push(format!(
            "{}: total cost {} {cur}{per} ({}); largest: {}",
            r.status,
            money(o),
            num(o),
            largest.join(", ")
        ));
    }
    if let Some(periods) = r.periods.as_deref().filter(|_| years) {
        let each: Vec<String> = periods
            .iter()
            .map(|p| format!("{} {}", p.year, money(p.objective)))
            .collect();
        v.push(format!("annual cost ({cur}/yr): {}", each.join(", ")));
    }
    v.push(unmet_line(s));
    v
}

/// The demand left unmet, in plain words: "every demand is served in full", or the t/yr short
/// (in the worst year, with periods, and how many years are short) and how many demands.
pub fn unmet_line(s: &Summary) -> String {
    let demands = match s.unmet_demands {
        1 => "1 demand".to_string(),
        n => format!("{n} demands"),
    };
    match (s.unmet_demands, s.unmet_year) {
        (0, _) => "every demand is served in full".into(),
        (_, None) => format!("{} t/yr of demand left unmet ({demands})", num(s.unmet_t)),
        (_, Some(year)) if s.unmet_years == 1 => {
            format!("{} t/yr of demand left unmet in {year} ({demands})", num(s.unmet_t))
        }
        (_, Some(year)) => format!(
            "{} t/yr of demand left unmet in {year}, the worst of {} years with some unmet ({demands})",
            num(s.unmet_t),
            s.unmet_years
        ),
    }
}

/// The supply of each final material as a table.
fn supply_table(r: &Report, s: &Summary) -> (String, Table) {
    let cur = &r.currency;
    let mut blocs: Vec<&str> = r.glossary.blocs.iter().map(|(b, _)| b.as_str()).collect();
    blocs.push("other");
    blocs.retain(|b| s.supply.iter().any(|m| m.by_bloc.iter().any(|(x, _)| x == b)));
    let value = format!("{cur}/yr per point");
    let mut header = vec!["material", "supply t/yr"];
    header.extend(blocs.iter().copied());
    header.extend([
        "largest sources",
        "tightest target",
        "import share",
        "cap",
        "binds",
        &value,
    ]);
    let left = [0, 2 + blocs.len(), 3 + blocs.len()];
    let align = (0..header.len())
        .map(|i| match left.contains(&i) {
            true => super::table::Align::Left,
            false => super::table::Align::Right,
        })
        .collect();
    let mut t = Table::with_align(&header, align);
    for m in &s.supply {
        let mut row = vec![m.material.to_string(), num(m.total_t)];
        for b in &blocs {
            let t = m.by_bloc.iter().find(|(x, _)| x == b).map_or(0.0, |x| x.1);
            row.push(if t > 0.0 { pct(t / m.total_t) } else { "-".into() });
        }
        let top: Vec<String> = m
            .by_country
            .iter()
            .take(3)
            .map(|(c, t)| format!("{c} {}", whole_pct(t / m.total_t)))
            .collect();
        row.push(top.join(", "));
        match m.target {
            Some(g) => {
                let more = m.more_label();
                row.extend([
                    format!("{}{more}", g.id),
                    pct(g.achieved_share),
                    pct(g.max_import_share),
                    g.binds_label().into(),
                    opt(g.marginal_value_per_point),
                ]);
            }
            None => row.extend(["-", "-", "-", "-", "-"].map(String::from)),
        }
        t.push(row);
    }
    let year = s.year.map_or(String::new(), |y| format!(" in {y}"));
    let title = format!(
        "Supply of each final material{year}: share mined, refined or sold (as imports) by each bloc's countries{}; \
         its tightest import-dependency target (+N: more targets below)",
        if has_stockpiles(r) { RESERVES_NOT_SUPPLY } else { "" }
    );
    (title, t)
}

/// A source's share in whole percent, `<1%` below one (a 0.5% source read `MX 0%`).
pub(super) fn whole_pct(share: f64) -> String {
    match 100.0 * share {
        p if p > 0.0 && p < 0.5 => "<1%".into(),
        p => format!("{p:.0}%"),
    }
}

/// Said of the supply where the plan has stockpiles: what a reserve releases was supplied when
/// it was filled, so a year served from a reserve shows less supply than its use.
pub(super) const RESERVES_NOT_SUPPLY: &str =
    " (a reserve's release is not supply: it counts in the year the reserve was filled)";

/// The report has stockpiles.
pub(super) fn has_stockpiles(r: &Report) -> bool {
    r.stockpiles.as_ref().is_some_and(|s| !s.is_empty())
}

/// What a binding limit's value is said to be: the saving from relaxing it when ranging gave
/// one-sided values, else the price the solve's duals put on it (see `RANGING_OFF_NOTE`).
pub(super) fn saves(r: &Report) -> &'static str {
    if r.ranging.is_some() {
        "would save"
    } else {
        "is priced at"
    }
}

/// The binding limits and the capacity built, in words.
fn limits_and_builds(r: &Report, s: &Summary) -> Vec<(String, Vec<String>)> {
    let cur = &r.currency;
    let per = if has_years(r) { " over the horizon" } else { "/yr" };
    let mut out = Vec::new();
    if !s.limits.is_empty() {
        let lines = s
            .limits
            .iter()
            .map(|l| format!("{} {} {} {cur}{per} ({})", l.words, saves(r), money(l.value), l.name))
            .collect();
        out.push(("Most valuable binding limits".to_string(), lines));
    }
    if !s.built.is_empty() {
        let mut lines: Vec<String> = s
            .built
            .iter()
            .take(BUILDS_LISTED)
            .map(|b| {
                let when = b.period.map_or(String::new(), |y| format!(" from {y}"));
                format!("{} `{}`: +{} t/yr{when}", b.kind, b.facility, num(b.added_t))
            })
            .collect();
        if s.built.len() > BUILDS_LISTED {
            lines.push(format!(
                "and {} more (the investment plan)",
                s.built.len() - BUILDS_LISTED
            ));
        }
        out.push(("Capacity built".to_string(), lines));
    }
    out
}

/// The summary block of the text report.
pub fn text(r: &Report, out: &mut String) {
    let s = summary(r);
    out.push_str("\nSummary\n");
    for l in lines(r, &s) {
        let _ = writeln!(out, "  {l}");
    }
    let (title, t) = supply_table(r, &s);
    if !t.is_empty() {
        let _ = writeln!(out, "\n{title}");
        t.text(out);
    }
    for (title, lines) in limits_and_builds(r, &s) {
        let _ = writeln!(out, "\n{title}");
        for l in lines {
            let _ = writeln!(out, "  {l}");
        }
    }
}

/// The summary block of the Markdown report.
pub fn markdown(r: &Report, out: &mut String) {
    let s = summary(r);
    out.push_str("\n## Summary\n\n");
    for l in lines(r, &s) {
        let _ = writeln!(out, "- {l}");
    }
    let (title, t) = supply_table(r, &s);
    if !t.is_empty() {
        let _ = writeln!(out, "\n### {title}\n");
        t.markdown(out);
    }
    for (title, lines) in limits_and_builds(r, &s) {
        let _ = writeln!(out, "\n### {title}\n");
        for l in lines {
            let _ = writeln!(out, "- {l}");
        }
    }
}
