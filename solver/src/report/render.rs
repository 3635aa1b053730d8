//! Renderers of the one report struct. JSON is the contract; text, Markdown and CSV show the
//! same content for people and spreadsheets.
//!
//! CSV is a tidy long table `section,key,field,value` (one value per line) so that every
//! section of the report fits one header and scripts can filter with `grep`/`awk`. A report
//! with periods adds a fifth column, `period`: the year of each per-period entry (empty on
//! the other lines), so the first four columns mean the same in every report.
//!
//! With periods, text and Markdown lead with the horizon (cost per period, investment plan,
//! each target's path, the stockpile path), every per-period row of the detail has its year,
//! and each title says which numbers are annual in their year's terms (dual / weight) and
//! which are derivatives of the weighted objective. A report without periods renders as it
//! did before schema 2.

use super::number::{num, opt, pct};
use super::schema::{BuildRow, ByOrigin, OriginShareRow, PeriodRow, Report, SolverInfo, StockpileRow};
use super::summary::{has_years, horizon};
use super::table::Table;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
    Markdown,
    Html,
}

/// How much of the report text, Markdown and HTML show (JSON and CSV always have everything).
///
/// `Brief`: the summary, then the tables a strategist reads: the horizon (cost per period,
/// investment plan, target paths, stockpiles), where the supply was mined, costs, the
/// facilities in use, the targets and the most valuable binding limits. `Full` adds every
/// mine, plant and offer, the shipments, demands, supply concentration, every binding
/// constraint, the delivered prices and the ranging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    #[default]
    Brief,
    Full,
}

/// How many binding constraints a brief report lists (the full one lists them all).
pub const BRIEF_BINDING: usize = 15;

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "markdown" | "md" => Some(Format::Markdown),
            "html" => Some(Format::Html),
            _ => None,
        }
    }
}

/// Text, Markdown or CSV ([`super::output::render`] dispatches every format).
pub(super) fn plain(report: &Report, format: Format, detail: Detail) -> String {
    match format {
        Format::Text => text(report, detail),
        Format::Markdown => markdown(report, detail),
        _ => csv(report),
    }
}

/// The JSON report straight into `w`: serialised as it is written (25 MB at 100k variables)
/// instead of being built as one string first.
pub(super) fn json_to(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    use serde::Serialize;
    // serde_json writes a few bytes at a time: through a buffer of its own type those
    // writes are inlined copies rather than calls through `dyn Write` (a third of the
    // rendering time at 100k variables).
    let mut buf = std::io::BufWriter::with_capacity(1 << 16, w);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, Pretty::default());
    report.serialize(&mut ser).map_err(std::io::Error::from)?;
    std::io::Write::write_all(&mut buf, b"\n")?;
    std::io::Write::flush(&mut buf)
}

/// serde_json's pretty format (`PrettyFormatter`, two-space indent), byte for byte, with each
/// line break and its indent written as one slice instead of one write per level: the JSON
/// report renders 16% faster (a test compares the bytes with serde_json's own).
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

/// A comma, a line break and the indent of 31 levels: every separator is a slice of it.
const BREAK: [u8; 64] = {
    let mut b = [b' '; 64];
    b[0] = b',';
    b[1] = b'\n';
    b
};

/// The line break (after a comma when `comma`) and indent before a value at `depth`.
#[inline]
fn line_break<W: ?Sized + std::io::Write>(w: &mut W, comma: bool, depth: usize) -> std::io::Result<()> {
    let end = 2 + 2 * depth;
    let start = usize::from(!comma);
    if end <= BREAK.len() {
        return w.write_all(&BREAK[start..end]);
    }
    w.write_all(&BREAK[start..2])?;
    (0..depth).try_for_each(|_| w.write_all(b"  "))
}

impl Pretty {
    /// `[` or `{`: one level in, nothing in it yet.
    #[inline]
    fn open<W: ?Sized + std::io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    /// `]` or `}`, on a line of its own after any values.
    #[inline]
    fn close<W: ?Sized + std::io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            line_break(w, false, self.depth)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Pretty {
    /// `-0.0` (a zero negated, `-(0.0 * x)`) is written `0.0`: a report has no signed zero.
    #[inline]
    fn write_f64<W: ?Sized + std::io::Write>(&mut self, w: &mut W, value: f64) -> std::io::Result<()> {
        let value = if value == 0.0 { 0.0 } else { value };
        serde_json::ser::CompactFormatter.write_f64(w, value)
    }

    #[inline]
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    #[inline]
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    #[inline]
    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        line_break(w, !first, self.depth)
    }

    #[inline]
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    #[inline]
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    #[inline]
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    #[inline]
    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        line_break(w, !first, self.depth)
    }

    #[inline]
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    #[inline]
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// The sections of a report as titled tables, shared by the text and Markdown renderers.
/// With periods, the horizon comes first (cost per period, investment plan, each target's
/// path, the stockpile path), then the detail, each per-period row with its year.
pub(super) fn sections(r: &Report, detail: Detail) -> Vec<(String, Table)> {
    let years = has_years(r);
    let full = detail == Detail::Full;
    let mut out = Vec::new();
    if let Some(periods) = r.periods.as_deref().filter(|_| years) {
        out.push(periods_table(r, periods));
    }
    if let Some(builds) = &r.builds {
        out.push(builds_table(builds, years));
    }
    if years {
        out.push(target_paths_table(r));
    }
    if let Some(stockpiles) = &r.stockpiles {
        out.push(stockpiles_table(stockpiles, years));
    }
    if let Some(shares) = &r.origin_shares {
        out.push(origin_shares_table(r, shares, years));
    }
    if !full {
        out.extend([
            costs_table(r, years),
            mines_table(r, years, false),
            plants_table(r, years, false),
            imports_table(r, years, false),
            targets_table(r, years),
            binding_table(r, years, Some(BRIEF_BINDING)),
        ]);
        return out;
    }
    out.extend([
        costs_table(r, years),
        mines_table(r, years, true),
        plants_table(r, years, true),
        imports_table(r, years, true),
        shipments_table(r, years),
        demands_table(r, years),
        targets_table(r, years),
        concentration_table(r, years),
        binding_table(r, years, None),
        prices_table(r, years),
    ]);
    ranging_tables(r, years, &mut out);
    out
}

/// A detail table, with a leading `year` column when the report has years.
fn detail_table(years: bool, header: &[&str], left: usize) -> Table {
    if years {
        let header: Vec<&str> = std::iter::once("year").chain(header.iter().copied()).collect();
        Table::new(&header, left + 1)
    } else {
        Table::new(header, left)
    }
}

/// A row of a [`detail_table`]: its year first when the report has years.
fn detail_row(years: bool, period: Option<i64>, cells: Vec<String>) -> Vec<String> {
    if years {
        std::iter::once(period.map_or_else(|| "-".into(), |y| y.to_string()))
            .chain(cells)
            .collect()
    } else {
        cells
    }
}

/// Cost per period: each period's length, weight, annual cost and the categories that are
/// not zero in every period (annual, USD/yr), then the weighted totals (the objective and
/// the cost breakdown; their `years` is the horizon's length, their `weight` the sum).
fn periods_table(r: &Report, periods: &[PeriodRow]) -> (String, Table) {
    let cur = &r.currency;
    let costs = r.costs.clone().unwrap_or_default();
    // A category is shown when it is more than float noise in some period.
    let shown: Vec<usize> = (0..costs.entries().len())
        .filter(|&k| {
            periods.iter().any(|p| {
                let noise = 1e-9 * p.objective.abs().max(1.0);
                p.costs.entries().get(k).is_some_and(|e| e.1.abs() > noise)
            })
        })
        .collect();
    let names = costs.entries();
    let total = format!("annual cost {cur}/yr");
    let header: Vec<&str> = ["year", "years", "weight", total.as_str()]
        .into_iter()
        .chain(shown.iter().map(|&k| names[k].0))
        .collect();
    let mut t = Table::new(&header, 1);
    for p in periods {
        let entries = p.costs.entries();
        let mut row = vec![p.year.to_string(), num(p.length), num(p.weight), num(p.objective)];
        row.extend(
            shown
                .iter()
                .map(|&k| entries.get(k).map_or_else(|| "-".into(), |e| num(e.1))),
        );
        t.push(row);
    }
    let mut row = vec![
        "weighted total".into(),
        num(periods.iter().map(|p| p.length).sum()),
        num(periods.iter().map(|p| p.weight).sum()),
        num(costs.total()),
    ];
    row.extend(shown.iter().map(|&k| num(names[k].1)));
    t.push(row);
    let title = format!(
        "Cost per period, {} ({cur}/yr in each period; weighted = the sum of weight x annual cost, the objective in {cur})",
        horizon(periods)
    );
    (title, t)
}

/// The investment plan: each facility and year in which new capacity comes online.
fn builds_table(builds: &[BuildRow], years: bool) -> (String, Table) {
    let header: &[&str] = if years {
        &[
            "facility",
            "kind",
            "year online",
            "added t/yr",
            "lead time, years",
            "earliest year allowed",
        ]
    } else {
        &["facility", "kind", "added t/yr", "lead time, years"]
    };
    let mut t = Table::new(header, 2);
    for b in builds {
        let mut row = vec![b.facility.to_string(), b.kind.to_string()];
        if years {
            row.push(b.period.map_or("-".into(), |y| y.to_string()));
        }
        row.extend([num(b.capacity_added), num(b.lead_time)]);
        if years {
            row.push(b.earliest.map_or("-".into(), |y| y.to_string()));
        }
        t.push(row);
    }
    (
        "Investment plan (capacity coming online; t input/yr for a plant)".into(),
        t,
    )
}

/// Each target's path: one line per target, its achieved share and cap in every year.
fn target_paths_table(r: &Report) -> (String, Table) {
    let years: Vec<i64> = r.periods.iter().flatten().map(|p| p.year).collect();
    let mut ids: Vec<(&str, String)> = Vec::new();
    for g in &r.targets {
        if !ids.iter().any(|(id, _)| *id == g.id.as_str()) {
            ids.push((g.id.as_str(), format!("{} / {}", g.material, g.scope)));
        }
    }
    let year_names: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    let header: Vec<&str> = ["target", "material / scope"]
        .into_iter()
        .chain(year_names.iter().map(String::as_str))
        .collect();
    let mut t = Table::new(&header, 2);
    for (id, what) in ids {
        let mut row = vec![id.to_string(), what];
        for &y in &years {
            let g = r.targets.iter().find(|g| g.id == id && g.period == Some(y));
            row.push(g.map_or_else(
                || "-".into(),
                |g| {
                    // Two spaces where another cell has ` *`: the shares stay aligned.
                    let mark = if g.limits() { " *" } else { "  " };
                    format!("{} / {}{mark}", pct(g.achieved_share), pct(g.max_import_share))
                },
            ));
        }
        t.push(row);
    }
    let title = "Import-dependency targets over time (achieved share / cap in each year; * = binding below 100%)";
    (title.into(), t)
}

/// Each stockpile's path: its level at the end of each period against its capacity and
/// floor, and what went in and out during the period.
fn stockpiles_table(stockpiles: &[StockpileRow], years: bool) -> (String, Table) {
    let mut t = detail_table(
        years,
        &[
            "stockpile",
            "region",
            "material",
            "level t",
            "capacity t",
            "floor t",
            "injected t/yr",
            "released t/yr",
        ],
        3,
    );
    for s in stockpiles {
        t.push(detail_row(
            years,
            s.period,
            vec![
                s.id.to_string(),
                s.region.to_string(),
                s.material.to_string(),
                num(s.level_t),
                num(s.capacity_t),
                num(s.min_level_t),
                num(s.injected_t),
                num(s.released_t),
            ],
        ));
    }
    let title = "Stockpiles (level and floor: t at the end of the period; injected, released: t/yr during it)";
    (title.into(), t)
}

fn costs_table(r: &Report, years: bool) -> (String, Table) {
    let cur = &r.currency;
    let unit = if years { cur.to_string() } else { format!("{cur}/yr") };
    let mut t = Table::new(&["category", "", &unit, "share"], 2);
    let costs = r.costs.clone().unwrap_or_default();
    let total = costs.total();
    for (k, v) in costs.entries() {
        t.push(vec![
            k.into(),
            String::new(),
            num(v),
            pct(if total > 0.0 { v / total } else { 0.0 }),
        ]);
    }
    t.push(vec![
        "total".into(),
        String::new(),
        num(total),
        pct(if total > 0.0 { 1.0 } else { 0.0 }),
    ]);
    let title = if years {
        "Cost breakdown, weighted over the periods (the sum of weight x annual cost)"
    } else {
        "Cost breakdown"
    };
    (title.into(), t)
}

fn mines_table(r: &Report, years: bool, all: bool) -> (String, Table) {
    let cur = &r.currency;
    let mut t = detail_table(
        years,
        &[
            "mine",
            "region",
            "material",
            "production t/yr",
            "capacity t/yr",
            "expansion t/yr",
            "utilisation",
            &format!("unit cost {cur}/t"),
        ],
        2,
    );
    for m in r.mines.iter().filter(|m| all || m.production_t > 0.0) {
        t.push(detail_row(
            years,
            m.period,
            vec![
                m.id.to_string(),
                m.region.to_string(),
                m.material.to_string(),
                num(m.production_t),
                num(m.capacity_t),
                opt(m.expansion_t),
                pct(m.utilisation),
                num(m.unit_cost),
            ],
        ));
    }
    (if all { "Mines" } else { "Mines in use" }.into(), t)
}

fn plants_table(r: &Report, years: bool, all: bool) -> (String, Table) {
    let mut t = detail_table(
        years,
        &[
            "plant",
            "region",
            "input -> output",
            "input t/yr",
            "output t/yr",
            "capacity t/yr",
            "expansion t/yr",
            "utilisation",
        ],
        2,
    );
    for p in r.plants.iter().filter(|p| all || p.input_t > 0.0) {
        t.push(detail_row(
            years,
            p.period,
            vec![
                p.id.to_string(),
                p.region.to_string(),
                format!("{} -> {}", p.input, p.output),
                num(p.input_t),
                num(p.output_t),
                num(p.capacity_t),
                opt(p.expansion_t),
                pct(p.utilisation),
            ],
        ));
    }
    (if all { "Plants" } else { "Plants in use" }.into(), t)
}

fn imports_table(r: &Report, years: bool, all: bool) -> (String, Table) {
    let cur = &r.currency;
    let mut t = detail_table(
        years,
        &[
            "offer",
            "region",
            "material",
            "origin",
            "bought t/yr",
            "capacity t/yr",
            &format!("price {cur}/t"),
        ],
        2,
    );
    for i in r.imports.iter().filter(|i| all || i.bought_t > 0.0) {
        t.push(detail_row(
            years,
            i.period,
            vec![
                i.id.to_string(),
                i.region.to_string(),
                i.material.to_string(),
                i.origin.to_string(),
                num(i.bought_t),
                i.capacity_t.map(num).unwrap_or_else(|| "unlimited".into()),
                num(i.unit_cost),
            ],
        ));
    }
    (if all { "Import offers" } else { "Import offers bought" }.into(), t)
}

fn shipments_table(r: &Report, years: bool) -> (String, Table) {
    let cur = &r.currency;
    let mut t = detail_table(
        years,
        &[
            "lane",
            "route",
            "material",
            "t/yr",
            &format!("transport {cur}/yr"),
            &format!("tariff {cur}/yr"),
            &format!("in transit {cur}/yr"),
        ],
        2,
    );
    for s in &r.shipments {
        t.push(detail_row(
            years,
            s.period,
            vec![
                s.lane.to_string(),
                format!("{} -> {} ({})", s.from, s.to, s.mode),
                with_origin(&s.material, s.origin.as_deref()),
                num(s.tonnes),
                num(s.transport_cost),
                num(s.tariff_paid),
                num(s.in_transit_cost),
            ],
        ));
    }
    ("Shipments".into(), t)
}

fn demands_table(r: &Report, years: bool) -> (String, Table) {
    let cur = &r.currency;
    let mut t = detail_table(
        years,
        &[
            "demand",
            "material",
            "quantity t/yr",
            "served t/yr",
            "unmet t/yr",
            &format!("delivered price {cur}/t"),
        ],
        2,
    );
    let tracked = r.demands.iter().any(|d| d.served_by_origin.is_some());
    if tracked {
        t = detail_table(
            years,
            &[
                "demand",
                "material",
                "quantity t/yr",
                "served t/yr",
                "unmet t/yr",
                &format!("delivered price {cur}/t"),
                "served by origin t/yr",
            ],
            2,
        );
    }
    for d in &r.demands {
        let mut cells = vec![
            d.id.to_string(),
            d.material.to_string(),
            num(d.quantity),
            num(d.served),
            num(d.unmet),
            opt(d.marginal_cost),
        ];
        if tracked {
            cells.push(by_origin_cell(d.served_by_origin.as_ref()));
        }
        t.push(detail_row(years, d.period, cells));
    }
    let title = if years {
        format!("Demands (delivered price: {cur}/t in that year's terms, the balance dual / the period's weight)")
    } else {
        "Demands".into()
    };
    (title, t)
}

fn targets_table(r: &Report, years: bool) -> (String, Table) {
    let cur = &r.currency;
    let mut t = detail_table(
        years,
        &[
            "target",
            "material / scope",
            "cap",
            "achieved",
            "imports t/yr",
            "consumption t/yr",
            "binding",
            &format!("value {cur} per point"),
        ],
        2,
    );
    for g in &r.targets {
        t.push(detail_row(
            years,
            g.period,
            vec![
                g.id.to_string(),
                format!("{} / {}", g.material, g.scope),
                pct(g.max_import_share),
                pct(g.achieved_share),
                num(g.imports),
                num(g.consumption),
                g.binds_label().into(),
                opt(g.marginal_value_per_point),
            ],
        ));
    }
    let title = if years {
        format!(
            "Import-dependency targets (value: {cur}/yr saved in that year per point, the dual / the period's weight)"
        )
    } else {
        "Import-dependency targets".into()
    };
    (title, t)
}

/// Supply concentration: each material and stage with its total, its largest supplying
/// country and that country's share, the HHI, how many countries supply it, and whether the
/// largest share is above the 65% benchmark (`> 65%`, else `<= 65%`).
fn concentration_table(r: &Report, years: bool) -> (String, Table) {
    let mut t = detail_table(
        years,
        &[
            "material",
            "stage",
            "largest country",
            "total t/yr",
            "largest share",
            "HHI",
            "countries",
            "benchmark",
        ],
        3,
    );
    for c in &r.concentration {
        t.push(detail_row(
            years,
            c.period,
            vec![
                c.material.to_string(),
                c.stage.to_string(),
                c.largest_country.to_string(),
                num(c.total_t),
                pct(c.largest_share),
                num(c.hhi.round()),
                c.by_country.len().to_string(),
                if c.above_benchmark {
                    "> 65%".into()
                } else {
                    "<= 65%".into()
                },
            ],
        ));
    }
    let title = "Supply concentration by country (mining: mine output; processing: plant output; imports: by origin; \
                 HHI 0-10,000; > 65% = above the EU Critical Raw Materials Act benchmark of at most 65% from one country)";
    (title.into(), t)
}

/// The binding constraints in the order of the report's `binding` list (most valuable first),
/// each with its `marginal_value`: what one more unit of its right-hand side saves, in the
/// user's sign (>= 0), the number that list is sorted by.
///
/// With periods the value is a derivative of the weighted objective: what one more unit of a
/// right-hand side saves over the horizon, in the objective's units.
fn binding_table(r: &Report, years: bool, first: Option<usize>) -> (String, Table) {
    use super::table::Align::{Left, Right};
    let cur = &r.currency;
    let mut t = Table::with_align(
        &[
            "constraint",
            "kind",
            "lower",
            "level",
            "upper",
            &if years {
                format!("value {cur}")
            } else {
                format!("value {cur}/yr")
            },
            "per one more",
        ],
        vec![Left, Left, Right, Right, Right, Right, Left],
    );
    let by_name: std::collections::HashMap<&str, &super::schema::ConstraintRow> =
        r.constraints.iter().map(|c| (c.name.as_str(), c)).collect();
    for name in r.binding.iter().take(first.unwrap_or(usize::MAX)) {
        if let Some(c) = by_name.get(name.as_str()) {
            let (lo, up) = match c.sense {
                "<=" => ("-inf".to_string(), num(c.rhs)),
                ">=" => (num(c.rhs), "+inf".to_string()),
                _ => (num(c.rhs), num(c.rhs)),
            };
            t.push(vec![
                c.name.clone(),
                c.kind.into(),
                lo,
                num(c.activity),
                up,
                opt(c.marginal_value),
                c.unit.to_string(),
            ]);
        }
    }
    let mut title = if years {
        format!(
            "Binding constraints, most valuable first (value = {cur} saved over the horizon, weighted like the objective, by relaxing it one unit: one more of a limit, one less of a floor; - = not known)"
        )
    } else {
        format!("Binding constraints, most valuable first (value = {cur}/yr saved by one more unit; - = not known)")
    };
    if let Some(n) = first.filter(|&n| r.binding.len() > n) {
        let _ = write!(title, "; the first {n} of {}, all with --detail full", r.binding.len());
    }
    (title, t)
}

/// `material` with `~CLASS` when the entry carries an origin class.
fn with_origin(material: &str, origin: Option<&str>) -> String {
    match origin {
        Some(k) => format!("{material}~{k}"),
        None => material.to_string(),
    }
}

/// The non-zero entries of a split by origin class, e.g. `usmca 120, other 30` (`-` when
/// all are zero).
fn by_origin_cell(split: Option<&ByOrigin>) -> String {
    let parts: Vec<String> = split
        .into_iter()
        .flat_map(|b| &b.0)
        .filter(|(_, v)| *v != 0.0)
        .map(|(k, v)| format!("{k} {}", num(*v)))
        .collect();
    match parts.is_empty() {
        true => "-".into(),
        false => parts.join(", "),
    }
}

/// Where the supply was mined: for each final material (one a demand names) and each scope
/// that some target caps (every scope when there is no target), the use in the scope and its share by origin class
/// (the JSON's `origin_shares` has every material and scope).
fn origin_shares_table(r: &Report, shares: &[OriginShareRow], years: bool) -> (String, Table) {
    let classes: Vec<&str> = shares
        .first()
        .map(|s| s.shares.0.iter().map(|(k, _)| k.as_str()).collect())
        .unwrap_or_default();
    let header: Vec<String> = ["material", "scope", "use t/yr"]
        .iter()
        .map(|h| h.to_string())
        .chain(classes.iter().map(|k| format!("{k} share")))
        .chain(std::iter::once("mined in".to_string()))
        .collect();
    let header: Vec<&str> = header.iter().map(|h| h.as_str()).collect();
    let mut t = detail_table(years, &header, 2);
    let is_final = |m: &str| r.demands.iter().any(|d| d.material == m);
    let is_shown_scope = |row: &OriginShareRow| r.targets.is_empty() || r.targets.iter().any(|t| t.scope == row.scope);
    for row in shares.iter().filter(|s| is_final(&s.material) && is_shown_scope(s)) {
        let mut cells = vec![row.material.to_string(), row.scope.to_string(), num(row.use_t)];
        cells.extend(row.shares.0.iter().map(|(_, v)| pct(*v)));
        cells.push(mined_in(row));
        t.push(detail_row(years, row.period, cells));
    }
    // The use is net of reserve draws (a tonne counts when it fills the reserve): a year
    // served from a reserve filled earlier has less use, or no row.
    let net = match super::summary_text::has_stockpiles(r) {
        true => {
            "; use is net of reserve draws: a tonne counts in the year it fills a reserve, so a year served from a \
                 reserve filled earlier shows less use, or no row"
        }
        false => "",
    };
    (
        format!(
            "Where the supply was mined (share of each scope's use by origin class; by country where \
             the plan's flows tell it, `CLASS (mixed)` where a class's ore from several countries is \
             mixed before use{net})"
        ),
        t,
    )
}

/// `MX 40.0%, CA 20.0%, usmca (mixed) 10.0%`: the largest shares first.
fn mined_in(row: &OriginShareRow) -> String {
    let mut parts: Vec<(String, f64)> = row.by_country.0.iter().map(|(c, v)| (c.to_string(), *v)).collect();
    parts.extend(row.mixed.0.iter().map(|(k, v)| (format!("{k} (mixed)"), *v)));
    // What rounds to 0.0% is left out (the JSON keeps it).
    parts.retain(|p| p.1 >= 0.0005);
    parts.sort_by(|a, b| b.1.total_cmp(&a.1));
    let parts: Vec<String> = parts.into_iter().map(|(id, v)| format!("{id} {}", pct(v))).collect();
    parts.join(", ")
}

fn prices_table(r: &Report, years: bool) -> (String, Table) {
    let cur = &r.currency;
    let mut t = detail_table(years, &["region", "material", &format!("marginal cost {cur}/t")], 2);
    for p in &r.prices {
        t.push(detail_row(
            years,
            p.period,
            vec![
                p.region.to_string(),
                with_origin(&p.material, p.origin.as_deref()),
                opt(p.marginal_cost),
            ],
        ));
    }
    let title = if years {
        format!("Delivered prices ({cur}/t in each year's terms: the balance dual / the period's weight)")
    } else {
        "Delivered prices".into()
    };
    (title, t)
}

/// The ranging tables, when the report has ranging.
///
/// With periods, duals and cost coefficients are those of the weighted objective.
fn ranging_tables(r: &Report, years: bool, out: &mut Vec<(String, Table)>) {
    let cur = &r.currency;
    if let Some(rg) = &r.ranging {
        let b = |x: Option<f64>, inf: &str| x.map(num).unwrap_or_else(|| inf.to_string());
        let mut t = Table::new(
            &[
                "constraint",
                "",
                "dual",
                "price range",
                "unique",
                "rhs",
                "rhs range for this dual",
            ],
            2,
        );
        for c in &rg.constraints {
            t.push(vec![
                c.name.clone(),
                String::new(),
                num(c.dual),
                // `?`: not computed (the tightening side of a degenerate row), not infinite.
                format!(
                    "[{}, {}]",
                    b(
                        c.dual_low,
                        if c.not_computed.contains(&"dual_low") {
                            "?"
                        } else {
                            "-inf"
                        }
                    ),
                    b(
                        c.dual_high,
                        if c.not_computed.contains(&"dual_high") {
                            "?"
                        } else {
                            "+inf"
                        }
                    )
                ),
                if c.unique { "yes".into() } else { "no".into() },
                num(c.rhs),
                format!("[{}, {}]", b(c.rhs_low, "-inf"), b(c.rhs_high, "+inf")),
            ]);
        }
        let weighted = if years {
            "; duals are derivatives of the weighted objective"
        } else {
            ""
        };
        out.push((format!("Right-hand-side ranging ({}{weighted})", rg.method), t));
        let mut t = Table::new(
            &[
                "variable",
                "",
                "value",
                &format!("cost {cur}/t"),
                "cost range keeping this basis optimal (the plan: at least)",
            ],
            2,
        );
        for c in &rg.costs {
            t.push(vec![
                c.variable.clone(),
                String::new(),
                num(c.value),
                num(c.cost),
                format!("[{}, {}]", b(c.cost_low, "-inf"), b(c.cost_high, "+inf")),
            ]);
        }
        let title = if years {
            "Cost ranging (costs are coefficients of the weighted objective)"
        } else {
            "Cost ranging"
        };
        out.push((title.into(), t));
    }
}

fn header_lines(r: &Report) -> Vec<String> {
    let mut v = vec![
        format!("instance: {} ({})", r.instance.name, r.instance.path),
        format!("sha256: {}", r.instance.sha256),
    ];
    if let Some(s) = &r.instance.scenario {
        v.push(format!("scenario: {s}"));
    }
    for o in &r.instance.overrides {
        v.push(format!("override: {o}"));
    }
    v.push(format!("status: {}", r.status));
    if let Some(m) = &r.message {
        v.push(format!("note: {m}"));
    }
    if let Some(a) = r.ranging.as_ref().and_then(|g| g.alternative_optimum.as_ref()) {
        v.push(format!(
            "note: the plan is not unique: `{}` could carry up to {} t/yr at the same total cost",
            a.variable,
            num(a.tonnes)
        ));
    }
    match (r.objective, r.periods.as_deref().filter(|_| has_years(r))) {
        (Some(o), Some(periods)) => {
            v.push(format!(
                "objective: {} {}, weighted over {} (the sum over the periods of weight x annual cost)",
                num(o),
                r.currency,
                horizon(periods)
            ));
            v.push(
                "note: per-period prices and values (delivered prices, target values) are annual, in their year's terms \
                 (dual / weight); constraint duals, binding values and ranging are derivatives of the weighted objective"
                    .into(),
            );
        }
        (Some(o), None) => v.push(format!("objective: {} {}/yr", num(o), r.currency)),
        (None, _) => {}
    }
    v.extend(solver_lines(&r.solver));
    v
}

/// What the values of limits and targets are without ranging: the optimal duals the solve
/// gave, which need not be what relaxing a limit saves where the plan is degenerate (on the
/// 2025-2030 path `co_usmca` in 2029: 22.5 M USD per 1.0 of share against a one-sided 0).
pub(super) const RANGING_OFF_NOTE: &str = "note: ranging off: values and marginal values are optimal duals, \
     which are what relaxing a limit saves only where the price is unique (a degenerate plan has a range of \
     prices), and where the optimum is not unique an interior-point plan spreads over the alternatives (flows \
     split between routes of equal cost); `--ranging on` gives the one-sided values and a vertex";

/// How the plan was obtained and checked: the `solver: ...` line, then `ranging:`, `note:`
/// (a fallback) and `method:` lines when the report has them. Text, Markdown and HTML show
/// the same lines.
pub(super) fn solver_lines(s: &SolverInfo) -> Vec<String> {
    let mut v = vec![format!(
        "solver: {}, {} variables, {} constraints, {} nonzeros, max violation {}, duals: {}, duality gap {}",
        s.backend,
        s.variables,
        s.constraints,
        s.nonzeros,
        s.max_violation
            .map(|v| format!("{v:.1e}"))
            .unwrap_or_else(|| "-".into()),
        s.duals.clone().unwrap_or_else(|| "not available".into()),
        s.duality_gap.map(|v| format!("{v:.1e}")).unwrap_or_else(|| "-".into()),
    )];
    match (&s.ranging, &s.duals) {
        (Some(rg), _) => v.push(format!("ranging: {rg}")),
        (None, Some(_)) => v.push(RANGING_OFF_NOTE.into()),
        (None, None) => {}
    }
    if let Some(f) = &s.fallback {
        v.push(format!("note: {f}"));
    }
    if let Some(m) = &s.method {
        v.push(format!("method: {m}"));
    }
    v
}

fn text(r: &Report, detail: Detail) -> String {
    let mut out = String::from("sourcing-opt report\n");
    for l in header_lines(r) {
        out.push_str(&l);
        out.push('\n');
    }
    if r.status == "optimal" {
        super::summary_text::text(r, &mut out);
        for (title, t) in sections(r, detail) {
            let _ = writeln!(out, "\n{title}");
            if t.is_empty() {
                out.push_str("  (none)\n");
            } else {
                t.text(&mut out);
            }
        }
    }
    diagnosis_text(r, &mut out, "");
    out
}

/// The diagnosis of an infeasible run in plain language (shared by text and Markdown).
fn diagnosis_text(r: &Report, out: &mut String, bullet: &str) {
    let Some(d) = &r.diagnosis else {
        return;
    };
    let heading = if bullet.is_empty() { "" } else { "## " };
    let _ = writeln!(out, "\n{heading}Why the plan is infeasible");
    for s in &d.structural {
        let _ = writeln!(out, "{bullet}  {s}");
    }
    if !d.relaxations.is_empty() {
        let _ = writeln!(
            out,
            "{bullet}  The least change that makes it feasible (targets give way first):"
        );
        for x in &d.relaxations {
            let unit = if x.unit == "share" {
                String::new()
            } else {
                format!(" {}", x.unit)
            };
            let keep = match &x.keep {
                Some(k) => format!(" (that year only: also --set {k})"),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "{bullet}    {}: {} -> {}{unit}{keep}",
                x.constraint,
                num(x.current),
                num(x.required)
            );
        }
        if let Some(c) = d.repaired_objective {
            // With periods (the conflict's rows carry `@YEAR`) the cost is the weighted total.
            let timed = has_years(r)
                || d.conflict.iter().any(|c| c.contains('@'))
                || d.relaxations.iter().any(|x| x.keep.is_some());
            let per = if timed { " (weighted over the periods)" } else { "/yr" };
            let _ = writeln!(
                out,
                "{bullet}  With those values the cheapest plan costs {} {}{per}.",
                num(c),
                r.currency
            );
        }
    }
    if !d.conflict.is_empty() {
        let _ = writeln!(
            out,
            "{bullet}  These constraints cannot hold together: {}",
            d.conflict.join(", ")
        );
    }
    if let Some(why) = &d.incomplete {
        let _ = writeln!(out, "{bullet}  Incomplete: {why}.");
    }
}

fn markdown(r: &Report, detail: Detail) -> String {
    let mut out = markdown_body(r, detail);
    diagnosis_text(r, &mut out, "-");
    out
}

fn markdown_body(r: &Report, detail: Detail) -> String {
    let mut out = format!("# sourcing-opt report: {}\n\n", r.instance.name);
    for l in header_lines(r) {
        let _ = writeln!(out, "- {l}");
    }
    if r.status == "optimal" {
        super::summary_text::markdown(r, &mut out);
        for (title, t) in sections(r, detail) {
            let _ = writeln!(out, "\n## {title}\n");
            if t.is_empty() {
                out.push_str("(none)\n");
            } else {
                t.markdown(&mut out);
            }
        }
    }
    out
}

/// Flatten the JSON form into `section,key,field,value` lines; with periods, a fifth column
/// `period` holds the year of every per-period entry (and of each entry of `periods`), empty
/// on the other lines.
fn csv(r: &Report) -> String {
    use serde_json::Value;
    let years = has_years(r);
    let v = serde_json::to_value(r).expect("report serialises");
    let mut out = String::from(if years {
        "section,key,field,value,period\n"
    } else {
        "section,key,field,value\n"
    });
    let mut line = |section: &str, key: &str, field: &str, value: &Value, period: &str| {
        let value = match value {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            // No signed zero, as in the JSON.
            Value::Number(n) if n.is_f64() && n.as_f64() == Some(0.0) => "0.0".into(),
            other => other.to_string(),
        };
        let fields = [section, key, field, &value, period];
        super::csv::write_record(&mut out, fields.into_iter().take(if years { 5 } else { 4 }));
    };
    let Value::Object(top) = v else {
        return out;
    };
    for (section, value) in &top {
        match value {
            Value::Object(map) => {
                for (k, x) in map {
                    match x {
                        // A list of records (ranging's constraints and costs, the diagnosis'
                        // relaxations): one line per record and field, keyed by the record's
                        // name, the field prefixed with the list's (`constraints.dual_low`).
                        Value::Array(items) => {
                            for (n, it) in items.iter().enumerate() {
                                match it {
                                    Value::Object(rec) => {
                                        let named = CSV_KEYS
                                            .iter()
                                            .find_map(|f| Some((*f, rec.get(*f).and_then(Value::as_str)?)));
                                        let key = named.map_or_else(|| n.to_string(), |(_, k)| k.to_string());
                                        let period = rec.get("period").and_then(Value::as_i64).map(|y| y.to_string());
                                        // Every field but the one the key is.
                                        for (g, y) in
                                            rec.iter().filter(|(g, _)| named.is_none_or(|(f, _)| f != g.as_str()))
                                        {
                                            line(
                                                section,
                                                &key,
                                                &format!("{k}.{g}"),
                                                y,
                                                period.as_deref().unwrap_or(""),
                                            );
                                        }
                                    }
                                    _ => line(section, k, "", it, ""),
                                }
                            }
                        }
                        // A record (ranging's `alternative_optimum`): one line per field.
                        Value::Object(rec) => {
                            for (g, y) in rec {
                                line(section, "", &format!("{k}.{g}"), y, "");
                            }
                        }
                        _ => line(section, "", k, x, ""),
                    }
                }
            }
            Value::Array(items) => {
                for (n, it) in items.iter().enumerate() {
                    match it {
                        Value::Object(map) => {
                            let year = if section == "periods" { "year" } else { "period" };
                            let period = map.get(year).and_then(Value::as_i64).map(|y| y.to_string());
                            let period = period.as_deref().unwrap_or("");
                            let key = ["id", "name", "facility"]
                                .iter()
                                .find_map(|k| map.get(*k).and_then(|k| k.as_str()))
                                .map(|s| s.to_string())
                                .or_else(|| csv_concentration_key(section, map))
                                .unwrap_or_else(|| {
                                    if section == "periods" {
                                        period.to_string()
                                    } else {
                                        n.to_string()
                                    }
                                });
                            for (f, x) in map {
                                match x {
                                    // A period's costs: one line per category.
                                    Value::Object(inner) => {
                                        for (g, y) in inner {
                                            line(section, &key, &format!("{f}.{g}"), y, period);
                                        }
                                    }
                                    // A list of records (a concentration row's `by_country`):
                                    // one line per record and field, `field.LABEL.g`, LABEL
                                    // its first text field (the country) or its index.
                                    Value::Array(list) if list.iter().all(Value::is_object) => {
                                        for (i, it) in list.iter().enumerate() {
                                            let Value::Object(rec) = it else { continue };
                                            let label = rec.iter().find_map(|(g, y)| y.as_str().map(|s| (g, s)));
                                            let name = label.map_or_else(|| i.to_string(), |l| l.1.to_string());
                                            for (g, y) in rec.iter().filter(|(g, _)| Some(*g) != label.map(|l| l.0)) {
                                                line(section, &key, &format!("{f}.{name}.{g}"), y, period);
                                            }
                                        }
                                    }
                                    _ => line(section, &key, f, x, period),
                                }
                            }
                        }
                        other => line(section, &n.to_string(), "", other, ""),
                    }
                }
            }
            other => line(section, "", "", other, ""),
        }
    }
    out
}

/// The fields that name a record of a list inside a section (its CSV key).
const CSV_KEYS: [&str; 3] = ["name", "constraint", "variable"];

/// The CSV key of a concentration row: `material/stage` (the period has its own column).
fn csv_concentration_key(section: &str, map: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    let text = |k: &str| map.get(k).and_then(|v| v.as_str());
    match (section, text("material"), text("stage")) {
        ("concentration", Some(m), Some(s)) => Some(format!("{m}/{s}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{self, Ranging, RunOptions};
    use crate::report::render;

    fn report_of(text: &str, ranging: Ranging) -> Report {
        let inst = sourcing_models::load_str(text).instance.expect("a valid instance");
        let info = crate::report::InstanceInfo {
            name: inst.meta.name.clone(),
            path: "x.toml".into(),
            sha256: "0".repeat(64),
            overrides: vec!["a.b=1".into()],
            scenario: None,
        };
        let opts = RunOptions {
            ranging,
            ..RunOptions::default()
        };
        pipeline::run(&inst, info, &opts).0
    }

    /// A name with a carriage return, a comma or a quote stays one field of one record (the
    /// report's CSV once left `\r` unquoted, which breaks the record).
    #[test]
    fn csv_quotes_fields_with_a_carriage_return_comma_or_quote() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../instances/");
        let text = std::fs::read_to_string(format!("{root}usmca_critical_minerals.toml")).unwrap();
        let mut rep = report_of(&text, Ranging::Off);
        rep.instance.name = "a\rb".into();
        rep.mines[0].id = "m,\"1\"\r\n".into();
        let records = crate::report::csv::parse(&render(&rep, Format::Csv, Detail::Full));
        assert!(records.iter().all(|r| r.len() == 4), "{records:?}");
        assert!(records.contains(&vec!["instance".into(), String::new(), "name".into(), "a\rb".into()]));
        let mine = records.iter().find(|r| r[0] == "mines" && r[2] == "id").unwrap();
        assert_eq!((mine[1].as_str(), mine[3].as_str()), ("m,\"1\"\r\n", "m,\"1\"\r\n"));
    }

    /// CSV is tidy all the way down: no value is a JSON object or list (the ranging rows and
    /// the diagnosis' relaxations were blobs), and each ranging and relaxation value reads
    /// back under its record's name as the JSON has it.
    #[test]
    fn csv_has_no_json_blobs_and_keys_nested_records_by_name() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../instances/");
        let file = |p: &str| std::fs::read_to_string(format!("{root}{p}")).unwrap();
        for (text, ranging) in [
            (file("textbook/widgetco_transshipment.toml"), Ranging::On),
            (file("infeasible_ree_cap.toml"), Ranging::Auto),
        ] {
            let rep = report_of(&text, ranging);
            let records = crate::report::csv::parse(&render(&rep, Format::Csv, Detail::Full));
            for r in &records {
                assert!(!r[3].starts_with('{') && !r[3].starts_with('['), "a blob: {r:?}");
            }
            let cell = |section: &str, key: &str, field: &str| -> &str {
                let r = records.iter().find(|r| r[0] == section && r[1] == key && r[2] == field);
                r.unwrap_or_else(|| panic!("no CSV line {section},{key},{field}"))[3].as_str()
            };
            if let Some(rg) = &rep.ranging {
                assert!(!rg.constraints.is_empty());
                for c in &rg.constraints {
                    let high = c.rhs_high.map_or(String::new(), |x| serde_json::json!(x).to_string());
                    assert_eq!(cell("ranging", &c.name, "constraints.rhs_high"), high, "{}", c.name);
                }
                for c in &rg.costs {
                    assert_eq!(
                        cell("ranging", &c.variable, "costs.value").parse::<f64>().unwrap(),
                        c.value
                    );
                }
            }
            if let Some(d) = &rep.diagnosis {
                assert!(!d.relaxations.is_empty());
                for x in &d.relaxations {
                    let required: f64 = cell("diagnosis", &x.constraint, "relaxations.required")
                        .parse()
                        .unwrap();
                    assert_eq!(required, x.required, "{}", x.constraint);
                }
            }
        }
    }

    #[test]
    fn json_is_serde_jsons_pretty_format_byte_for_byte() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../instances/");
        let file = |p: &str| std::fs::read_to_string(format!("{root}{p}")).unwrap();
        let mut generated = Vec::new();
        crate::model::generate::write_instance(
            &crate::model::generate::Params {
                seed: 3,
                scale: 2,
                origin: false,
                shape: crate::model::generate::Shape::Chains,
            },
            &mut generated,
        )
        .unwrap();
        let cases = [
            // Ranging (the deepest nesting), a diagnosis of an infeasible plan, a large plan.
            ("shipped, ranging on", file("usmca_critical_minerals.toml"), Ranging::On),
            ("infeasible", file("infeasible_ree_cap.toml"), Ranging::Auto),
            (
                "textbook, ranging on",
                file("textbook/widgetco_transshipment.toml"),
                Ranging::On,
            ),
            ("generated", String::from_utf8(generated).unwrap(), Ranging::Off),
        ];
        for (what, text, ranging) in cases {
            let mut rep = report_of(&text, ranging);
            for _ in 0..2 {
                let ours = render(&rep, Format::Json, Detail::Full);
                let theirs = serde_json::to_string_pretty(&rep).unwrap() + "\n";
                assert!(
                    ours == theirs,
                    "{what}: the JSON differs from serde_json's pretty format"
                );
                // Empty lists and objects too.
                rep.constraints.clear();
                rep.instance.overrides.clear();
                rep.ranging = None;
            }
        }
        // Nesting deeper than the separator constant covers.
        let deep = (0..40).fold(
            serde_json::json!([1, {"a": []}]),
            |v, _| serde_json::json!({ "k": [v, 2.5] }),
        );
        let mut ours = Vec::new();
        serde::Serialize::serialize(
            &deep,
            &mut serde_json::Serializer::with_formatter(&mut ours, Pretty::default()),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            serde_json::to_string_pretty(&deep).unwrap()
        );
    }
}
