//! Renderers of the one report struct. JSON is the contract; text, Markdown and CSV show the
//! same content for people and spreadsheets.
//!
//! CSV is a tidy long table `section,key,field,value` (one value per line) so that every
//! section of the report fits one header and scripts can filter with `grep`/`awk`.

use super::schema::Report;
use super::table::Table;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
    Markdown,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "markdown" | "md" => Some(Format::Markdown),
            _ => None,
        }
    }
}

pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Json => {
            let mut out = Vec::new();
            render_to(report, Format::Json, &mut out).expect("writing to memory does not fail");
            String::from_utf8(out).expect("serde_json writes UTF-8")
        }
        Format::Text => text(report),
        Format::Markdown => markdown(report),
        Format::Csv => csv(report),
    }
}

/// [`render`] straight into `w`: a JSON report is serialised as it is written (25 MB at 100k
/// variables) instead of being built as one string first.
pub fn render_to(report: &Report, format: Format, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        Format::Json => {
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
        other => w.write_all(render(report, other).as_bytes()),
    }
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

/// Thousands-grouped number: integers above 100, up to 4 decimals below.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let x = if x == 0.0 { 0.0 } else { x }; // no "-0"
    if x.abs() >= 100.0 {
        let s = format!("{:.0}", x.abs());
        let mut out = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        if x < 0.0 {
            format!("-{out}")
        } else {
            out
        }
    } else {
        let s = format!("{x:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".into()
        } else {
            s.to_string()
        }
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_else(|| "-".into())
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The sections of a report as titled tables, shared by the text and Markdown renderers.
fn sections(r: &Report) -> Vec<(String, Table)> {
    let mut out = vec![
        costs_table(r),
        mines_table(r),
        plants_table(r),
        imports_table(r),
        shipments_table(r),
        demands_table(r),
        targets_table(r),
        binding_table(r),
        prices_table(r),
    ];
    ranging_tables(r, &mut out);
    out
}

fn costs_table(r: &Report) -> (String, Table) {
    let cur = &r.currency;
    let mut t = Table::new(&["category", "", &format!("{cur}/yr"), "share"], 2);
    let total = r.costs.total();
    for (k, v) in r.costs.entries() {
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
    ("Cost breakdown".into(), t)
}

fn mines_table(r: &Report) -> (String, Table) {
    let cur = &r.currency;
    let mut t = Table::new(
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
    for m in &r.mines {
        t.push(vec![
            m.id.to_string(),
            m.region.to_string(),
            m.material.to_string(),
            num(m.production_t),
            num(m.capacity_t),
            opt(m.expansion_t),
            pct(m.utilisation),
            num(m.unit_cost),
        ]);
    }
    ("Mines".into(), t)
}

fn plants_table(r: &Report) -> (String, Table) {
    let mut t = Table::new(
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
    for p in &r.plants {
        t.push(vec![
            p.id.to_string(),
            p.region.to_string(),
            format!("{} -> {}", p.input, p.output),
            num(p.input_t),
            num(p.output_t),
            num(p.capacity_t),
            opt(p.expansion_t),
            pct(p.utilisation),
        ]);
    }
    ("Plants".into(), t)
}

fn imports_table(r: &Report) -> (String, Table) {
    let cur = &r.currency;
    let mut t = Table::new(
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
    for i in &r.imports {
        t.push(vec![
            i.id.to_string(),
            i.region.to_string(),
            i.material.to_string(),
            i.origin.to_string(),
            num(i.bought_t),
            i.capacity_t.map(num).unwrap_or_else(|| "unlimited".into()),
            num(i.unit_cost),
        ]);
    }
    ("Import offers".into(), t)
}

fn shipments_table(r: &Report) -> (String, Table) {
    let cur = &r.currency;
    let mut t = Table::new(
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
        t.push(vec![
            s.lane.to_string(),
            format!("{} -> {} ({})", s.from, s.to, s.mode),
            s.material.to_string(),
            num(s.tonnes),
            num(s.transport_cost),
            num(s.tariff_paid),
            num(s.in_transit_cost),
        ]);
    }
    ("Shipments".into(), t)
}

fn demands_table(r: &Report) -> (String, Table) {
    let cur = &r.currency;
    let mut t = Table::new(
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
    for d in &r.demands {
        t.push(vec![
            d.id.to_string(),
            d.material.to_string(),
            num(d.quantity),
            num(d.served),
            num(d.unmet),
            opt(d.marginal_cost),
        ]);
    }
    ("Demands".into(), t)
}

fn targets_table(r: &Report) -> (String, Table) {
    let cur = &r.currency;
    let mut t = Table::new(
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
        t.push(vec![
            g.id.to_string(),
            format!("{} / {}", g.material, g.scope),
            pct(g.max_import_share),
            pct(g.achieved_share),
            num(g.imports),
            num(g.consumption),
            if g.binding { "yes".into() } else { "no".into() },
            opt(g.marginal_value_per_point),
        ]);
    }
    ("Import-dependency targets".into(), t)
}

/// The binding constraints in the order of the report's `binding` list (most valuable first),
/// each with its `marginal_value`: what one more unit of its right-hand side saves, in the
/// user's sign (>= 0), the number that list is sorted by.
fn binding_table(r: &Report) -> (String, Table) {
    use super::table::Align::{Left, Right};
    let cur = &r.currency;
    let mut t = Table::with_align(
        &[
            "constraint",
            "kind",
            "lower",
            "level",
            "upper",
            &format!("value {cur}/yr"),
            "per one more",
        ],
        vec![Left, Left, Right, Right, Right, Right, Left],
    );
    let by_name: std::collections::HashMap<&str, &super::schema::ConstraintRow> =
        r.constraints.iter().map(|c| (c.name.as_str(), c)).collect();
    for name in &r.binding {
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
    let title =
        format!("Binding constraints, most valuable first (value = {cur}/yr saved by one more unit; - = not known)");
    (title, t)
}

fn prices_table(r: &Report) -> (String, Table) {
    let cur = &r.currency;
    let mut t = Table::new(&["region", "material", &format!("marginal cost {cur}/t")], 2);
    for p in &r.prices {
        t.push(vec![p.region.to_string(), p.material.to_string(), opt(p.marginal_cost)]);
    }
    ("Delivered prices".into(), t)
}

/// The ranging tables, when the report has ranging.
fn ranging_tables(r: &Report, out: &mut Vec<(String, Table)>) {
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
                format!("[{}, {}]", b(c.dual_low, "-inf"), b(c.dual_high, "+inf")),
                if c.unique { "yes".into() } else { "no".into() },
                num(c.rhs),
                format!("[{}, {}]", b(c.rhs_low, "-inf"), b(c.rhs_high, "+inf")),
            ]);
        }
        out.push((format!("Right-hand-side ranging ({})", rg.method), t));
        let mut t = Table::new(
            &[
                "variable",
                "",
                "value",
                &format!("cost {cur}/t"),
                "cost range keeping the plan optimal",
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
        out.push(("Cost ranging".into(), t));
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
    if let Some(o) = r.objective {
        v.push(format!("objective: {} {}/yr", num(o), r.currency));
    }
    let s = &r.solver;
    v.push(format!(
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
    ));
    if let Some(rg) = &s.ranging {
        v.push(format!("ranging: {rg}"));
    }
    if let Some(f) = &s.fallback {
        v.push(format!("note: {f}"));
    }
    v
}

fn text(r: &Report) -> String {
    let mut out = String::from("sourcing-opt report\n");
    for l in header_lines(r) {
        out.push_str(&l);
        out.push('\n');
    }
    if r.status == "optimal" {
        for (title, t) in sections(r) {
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
            let _ = writeln!(
                out,
                "{bullet}    {}: {} -> {}{unit}",
                x.constraint,
                num(x.current),
                num(x.required)
            );
        }
        if let Some(c) = d.repaired_objective {
            let _ = writeln!(
                out,
                "{bullet}  With those values the cheapest plan costs {} {}/yr.",
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

fn markdown(r: &Report) -> String {
    let mut out = markdown_body(r);
    diagnosis_text(r, &mut out, "-");
    out
}

fn markdown_body(r: &Report) -> String {
    let mut out = format!("# sourcing-opt report: {}\n\n", r.instance.name);
    for l in header_lines(r) {
        let _ = writeln!(out, "- {l}");
    }
    if r.status == "optimal" {
        for (title, t) in sections(r) {
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

/// Flatten the JSON form into `section,key,field,value` lines.
fn csv(r: &Report) -> String {
    let v = serde_json::to_value(r).expect("report serialises");
    let mut out = String::from("section,key,field,value\n");
    let mut line = |section: &str, key: &str, field: &str, value: &serde_json::Value| {
        let value = match value {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        super::csv::write_record(&mut out, [section, key, field, &value]);
    };
    let serde_json::Value::Object(top) = v else {
        return out;
    };
    for (section, value) in &top {
        match value {
            serde_json::Value::Object(map) => {
                for (k, x) in map {
                    match x {
                        serde_json::Value::Array(items) => {
                            for it in items {
                                line(section, k, "", it)
                            }
                        }
                        _ => line(section, "", k, x),
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (n, it) in items.iter().enumerate() {
                    match it {
                        serde_json::Value::Object(map) => {
                            let key = map
                                .get("id")
                                .or_else(|| map.get("name"))
                                .and_then(|k| k.as_str())
                                .map(|s| s.to_string())
                                .unwrap_or_else(|| n.to_string());
                            for (f, x) in map {
                                line(section, &key, f, x);
                            }
                        }
                        other => line(section, &n.to_string(), "", other),
                    }
                }
            }
            other => line(section, "", "", other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{self, Ranging, RunOptions};

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
        let records = crate::report::csv::parse(&render(&rep, Format::Csv));
        assert!(records.iter().all(|r| r.len() == 4), "{records:?}");
        assert!(records.contains(&vec!["instance".into(), String::new(), "name".into(), "a\rb".into()]));
        let mine = records.iter().find(|r| r[0] == "mines" && r[2] == "id").unwrap();
        assert_eq!((mine[1].as_str(), mine[3].as_str()), ("m,\"1\"\r\n", "m,\"1\"\r\n"));
    }

    #[test]
    fn json_is_serde_jsons_pretty_format_byte_for_byte() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../instances/");
        let file = |p: &str| std::fs::read_to_string(format!("{root}{p}")).unwrap();
        let mut generated = Vec::new();
        crate::model::generate::write_instance(&crate::model::generate::Params { seed: 3, scale: 2 }, &mut generated)
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
                let ours = render(&rep, Format::Json);
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
