//! Parse -> override -> validate never panics, whatever the input: thousands of randomly
//! damaged versions of the shipped instances (lines deleted or duplicated, numbers replaced by
//! -1, 1e309, `nan` or a string, characters swapped, the text truncated) go through
//! `load_str`, and thousands of random `--set` overrides go through the override parser and
//! validation; every error must come back as a diagnostic located inside the source (or
//! naming the override it came from).
//!
//! 12,000 cases by default (`MUTATION_CASES` and `OVERRIDE_CASES` raise them; `MUTATION_SEED`
//! changes the seed); each test prints how many cases it ran and how many were rejected.

use sourcing_models::overrides;
use sourcing_models::{load_str, raw, validate, Instance, Party, Series, Severity};
use std::panic;

const POWERCO: &str = include_str!("../../instances/textbook/powerco_transport.toml");

/// Every shipped instance seeds the mutations, so they reach what the real files use.
const SHIPPED: [&str; 8] = [
    include_str!("../../instances/usmca_critical_minerals.toml"),
    include_str!("../../instances/infeasible_ree_cap.toml"),
    include_str!("../../instances/textbook/bidirectional_filters.toml"),
    include_str!("../../instances/textbook/import_cap_binding.toml"),
    include_str!("../../instances/textbook/infeasible_demand.toml"),
    include_str!("../../instances/textbook/powerco_transport.toml"),
    include_str!("../../instances/textbook/silver_tax_chain.toml"),
    include_str!("../../instances/textbook/widgetco_transshipment.toml"),
];

/// Uses every collection, so that the mutations reach every check (tax regimes, plants,
/// tariffs, targets, blocs, expansions).
const RICH: &str = r#"
[meta]
name = "rich"
year = 2025
schema = 1

[[blocs]]
id = "usmca"
countries = ["US", "MX"]

[[countries]]
id = "US"
[[countries]]
id = "MX"
tax_regime = "mx_2025"
[[countries]]
id = "CN"

[[tax_regimes]]
id = "mx_2025"
royalty_rate = 0.075
fee_per_t = 3
income_tax_rate = 0.3
royalty_by_material = { silver = 0.005 }

[[regions]]
id = "US-TX"
country = "US"
[[regions]]
id = "MX-ZAC"
country = "MX"
[[regions]]
id = "CN-SH"
country = "CN"

[[materials]]
id = "ore"
price = 100
[[materials]]
id = "silver"
price = 900000

[[mines]]
id = "penasquito"
region = "MX-ZAC"
material = "ore"
capacity = 1000
cost = 20
expansion = { max = 100, cost = 5 }

[[plants]]
id = "refinery"
region = "US-TX"
input = "ore"
output = "silver"
yield = 0.01
capacity = 900
cost = 50

[[imports]]
id = "cn_silver"
region = "US-TX"
material = "silver"
price = 950000
origin = "CN"
capacity = 4

[[demands]]
region = "US-TX"
material = "silver"
quantity = 8
unmet_penalty = 2000000

[[lanes]]
from = "MX-ZAC"
to = "US-TX"
cost = 40
mode = "rail"
materials = ["ore"]
capacity = 2000
bidirectional = true

[[lanes]]
from = "CN-SH"
to = "US-TX"
cost = 90
mode = "sea"

[[tariffs]]
importer = "US"
exporter = "CN"
rate = 0.1
[[tariffs]]
id = "us_from_usmca_ore"
importer = "US"
exporter = "usmca"
material = "ore"
rate = 0

[[targets]]
id = "ag_cap"
material = "silver"
scope = "usmca"
max_import_share = 0.5
sources = ["CN"]
"#;

/// Schema 2 (model contract sections 5 and 6): periods with a discount rate, time series
/// written inline and as dotted keys, expansions with lead times (one that no period allows),
/// and stockpiles, so that the mutations reach the checks of schema 2.
const RICH2: &str = r#"
[meta]
name = "rich2"
schema = 2
periods = [2025, 2026, 2028, 2030]
discount_rate = 0.05

[[blocs]]
id = "usmca"
countries = ["US", "MX"]

[[countries]]
id = "US"
[[countries]]
id = "MX"
tax_regime = "mx_2025"
[[countries]]
id = "CN"

[[tax_regimes]]
id = "mx_2025"
royalty_rate = { 2025 = 0.075, 2028 = 0.08 }
fee_per_t = 3
income_tax_rate = 0.3

[[regions]]
id = "US-TX"
country = "US"
[[regions]]
id = "MX-ZAC"
country = "MX"
[[regions]]
id = "CN-SH"
country = "CN"

[[materials]]
id = "ore"
price = 100
[[materials]]
id = "silver"
price = { 2024 = 900000, 2027 = 950000 }

[[mines]]
id = "penasquito"
region = "MX-ZAC"
material = "ore"
capacity.2025 = 1000
capacity.2028 = 1200
cost = 20
expansion = { max = 100, cost = 5, lead_time = 2.5 }

[[plants]]
id = "refinery"
region = "US-TX"
input = "ore"
output = "silver"
yield = 0.01
capacity = 900
cost = { 2025 = 50, 2030 = 45 }
expansion = { max = 50, cost = 9, lead_time = 9 }

[[imports]]
id = "cn_silver"
region = "US-TX"
material = "silver"
price = { 2025 = 950000, 2026 = 990000 }
origin = "CN"
capacity = { 2025 = 4, 2028 = 0 }

[[demands]]
region = "US-TX"
material = "silver"
quantity = { 2025 = 8, 2026 = 9, 2030 = 11 }
unmet_penalty = 2000000

[[lanes]]
from = "MX-ZAC"
to = "US-TX"
cost = { 2025 = 40, 2028 = 35 }
mode = "rail"
materials = ["ore"]
capacity = 2000
bidirectional = true

[[lanes]]
from = "CN-SH"
to = "US-TX"
cost = 90
mode = "sea"

[[tariffs]]
importer = "US"
exporter = "CN"
rate = { 2025 = 0.1, 2028 = 0.25 }

[[targets]]
id = "ag_cap"
material = "silver"
scope = "usmca"
max_import_share = { 2025 = 0.5, 2030 = 0.3 }
sources = ["CN"]

[[stockpiles]]
id = "ag_reserve"
region = "US-TX"
material = "silver"
capacity = 20
initial = 5
holding_cost = 1000
min_level = { 2025 = 0, 2028 = 4 }
min_final = 6
"#;

/// xorshift64*: deterministic, no dependency. The solver crate has the generator of the other
/// tests (`sourcing_opt::model::generate::Rng`, splitmix64), but this crate is below it and
/// cannot depend on it; moving that generator into this crate would tie the instance
/// generator to the models crate for the sake of tests, so this one stays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Byte ranges of the numbers in a line (digits, sign, `.`, `e`, `_`).
fn numbers(line: &str) -> Vec<(usize, usize)> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-')) {
            let start = if i > 0 && (b[i - 1] == b'-' || b[i - 1] == b'+') {
                i - 1
            } else {
                i
            };
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b"._eE+-".contains(&b[j])) {
                j += 1;
            }
            out.push((start, j));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

fn mutate(source: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = source.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    match rng.below(9) {
        0 => {
            lines.remove(rng.below(n));
        }
        1 => {
            let i = rng.below(n);
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        2..=4 => {
            // Replace a number somewhere (retry a few lines to find one).
            for _ in 0..20 {
                let i = rng.below(n);
                let nums = numbers(&lines[i]);
                if nums.is_empty() {
                    continue;
                }
                let (a, b) = nums[rng.below(nums.len())];
                let by = [
                    "-1",
                    "1e309",
                    "\"x\"",
                    "nan",
                    "-inf",
                    "0",
                    "1.5",
                    "25",
                    "-0.0",
                    "9223372036854775807",
                ];
                let by = by[rng.below(by.len())];
                lines[i].replace_range(a..b, by);
                break;
            }
        }
        5 => {
            // Swap two adjacent characters.
            let i = rng.below(n);
            let chars: Vec<char> = lines[i].chars().collect();
            if chars.len() >= 2 {
                let k = rng.below(chars.len() - 1);
                let mut c = chars;
                c.swap(k, k + 1);
                lines[i] = c.into_iter().collect();
            }
        }
        6 => {
            // Truncate the whole text at a character boundary.
            let text = lines.join("\n");
            let mut cut = rng.below(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            return text[..cut].to_string();
        }
        7 => {
            // Replace one character by a troublesome one.
            let i = rng.below(n);
            let chars: Vec<char> = lines[i].chars().collect();
            if !chars.is_empty() {
                let k = rng.below(chars.len());
                let by = ['"', '[', ']', '=', '{', ',', '#', ' ', 'é', '\t', '.'];
                let mut c = chars;
                c[k] = by[rng.below(by.len())];
                lines[i] = c.into_iter().collect();
            }
        }
        _ => {
            // Move a line somewhere else (keys end up in the wrong table).
            let l = lines.remove(rng.below(n));
            let j = rng.below(lines.len() + 1);
            lines.insert(j, l);
        }
    }
    lines.join("\n") + "\n"
}

/// A valid instance must never carry an unresolved reference.
fn assert_resolved(inst: &Instance, src: &str) {
    let (nr, nm, nc) = (inst.regions.len(), inst.materials.len(), inst.countries.len());
    let party = |p: Party| match p {
        Party::Country(c) => c < nc,
        Party::Bloc(b) => b < inst.blocs.len(),
    };
    let ids = inst
        .blocs
        .iter()
        .map(|x| &x.id)
        .chain(inst.countries.iter().map(|x| &x.id))
        .chain(inst.regions.iter().map(|x| &x.id))
        .chain(inst.materials.iter().map(|x| &x.id))
        .chain(inst.tax_regimes.iter().map(|x| &x.id))
        .chain(inst.mines.iter().map(|x| &x.id))
        .chain(inst.plants.iter().map(|x| &x.id))
        .chain(inst.imports.iter().map(|x| &x.id))
        .chain(inst.demands.iter().map(|x| &x.id))
        .chain(inst.lanes.iter().map(|x| &x.id))
        .chain(inst.tariffs.iter().map(|x| &x.id))
        .chain(inst.targets.iter().map(|x| &x.id));
    let ok = ids.into_iter().all(|id| !id.is_empty())
        && inst.regions.iter().all(|r| r.country < nc)
        && inst.blocs.iter().all(|b| b.countries.iter().all(|c| *c < nc))
        && inst
            .countries
            .iter()
            .all(|c| c.tax_regime.is_none_or(|t| t < inst.tax_regimes.len()))
        && inst
            .tax_regimes
            .iter()
            .all(|t| t.royalty_by_material.iter().all(|(m, _)| *m < nm))
        && inst.mines.iter().all(|m| m.region < nr && m.material < nm)
        && inst
            .plants
            .iter()
            .all(|p| p.region < nr && p.input < nm && p.output < nm && p.yield_ > 0.0)
        && inst
            .imports
            .iter()
            .all(|i| i.region < nr && i.material < nm && i.origin < nc)
        && inst.demands.iter().all(|d| d.region < nr && d.material < nm)
        && inst
            .lanes
            .iter()
            .all(|l| l.from < nr && l.to < nr && l.materials.as_ref().is_none_or(|m| m.iter().all(|m| *m < nm)))
        && inst
            .tariffs
            .iter()
            .all(|t| t.importer < nc && party(t.exporter) && t.material.is_none_or(|m| m < nm))
        && inst
            .targets
            .iter()
            .all(|t| t.material < nm && party(t.scope) && t.sources.iter().all(|c| *c < nc))
        && inst.stockpiles.iter().all(|s| {
            !s.id.is_empty()
                && s.region < nr
                && s.material < nm
                && s.initial <= s.capacity
                && s.min_final <= s.capacity
                && s.min_level.max() <= s.capacity
        });
    assert!(ok, "a valid instance holds an unresolved reference:\n{src}");
    assert_periods(inst, src);
}

/// The periods of a valid instance are increasing with finite lengths and weights, and
/// every series has one value per period.
fn assert_periods(inst: &Instance, src: &str) {
    let n = inst.periods.len();
    assert!(n >= 1, "no period:\n{src}");
    assert_eq!(inst.has_periods(), inst.meta.periods.is_some());
    assert!(
        inst.periods.windows(2).all(|w| w[0].year < w[1].year)
            && inst
                .periods
                .iter()
                .all(|p| p.length.is_finite() && p.length > 0.0 && p.weight.is_finite() && p.weight >= 0.0),
        "bad periods {:?}:\n{src}",
        inst.periods
    );
    let fits = |s: &Series| match s {
        Series::Constant(x) => x.is_finite(),
        Series::PerPeriod(v) => v.len() == n && v.iter().all(|x| x.is_finite()),
    };
    let series = inst
        .materials
        .iter()
        .map(|m| &m.price)
        .chain(
            inst.tax_regimes
                .iter()
                .flat_map(|t| [&t.royalty_rate, &t.fee_per_t, &t.income_tax_rate]),
        )
        .chain(inst.mines.iter().flat_map(|m| [&m.capacity, &m.cost]))
        .chain(inst.plants.iter().flat_map(|p| [&p.capacity, &p.cost]))
        .chain(
            inst.imports
                .iter()
                .flat_map(|i| std::iter::once(&i.price).chain(&i.capacity)),
        )
        .chain(
            inst.demands
                .iter()
                .flat_map(|d| std::iter::once(&d.quantity).chain(&d.unmet_penalty)),
        )
        .chain(
            inst.lanes
                .iter()
                .flat_map(|l| std::iter::once(&l.cost).chain(&l.capacity)),
        )
        .chain(inst.tariffs.iter().map(|t| &t.rate))
        .chain(inst.targets.iter().map(|t| &t.max_import_share))
        .chain(inst.stockpiles.iter().map(|s| &s.min_level));
    for s in series {
        assert!(fits(s), "series {s:?} does not fit {n} periods:\n{src}");
    }
}

fn check(src: &str) {
    let result = panic::catch_unwind(|| load_str(src));
    let validated = match result {
        Ok(v) => v,
        Err(_) => panic!("load_str panicked on:\n-----\n{src}\n-----"),
    };
    let has_error = validated.diagnostics.iter().any(|d| d.severity == Severity::Error);
    assert_eq!(
        has_error,
        validated.instance.is_none(),
        "an instance must come back exactly when there is no error:\n{src}"
    );
    for d in &validated.diagnostics {
        if d.is_error() {
            assert!(d.span.is_some(), "error without a location: {}\n{src}", d.message);
        }
        if let Some(s) = &d.span {
            assert!(
                s.start <= s.end && s.end <= src.len() && src.is_char_boundary(s.start),
                "span {s:?} of `{}` is outside the source ({} bytes)",
                d.message,
                src.len()
            );
        }
        for r in &d.related {
            assert!(
                r.span.end <= src.len(),
                "related span outside the source: {}",
                d.message
            );
        }
        assert!(!d.message.contains('\n'), "multi-line message: {:?}", d.message);
        let _ = d.render("x.toml", src);
    }
    if let Some(inst) = &validated.instance {
        assert_resolved(inst, src);
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

#[test]
fn validation_never_panics_on_mutated_instances() {
    check(POWERCO);
    check(RICH);
    check(RICH2);
    assert!(load_str(POWERCO).instance.is_some());
    assert!(load_str(RICH).instance.is_some());
    let rich2 = load_str(RICH2);
    assert!(rich2.instance.is_some(), "{:?}", rich2.diagnostics);
    // The one warning: the refinery's expansion, 9 years after 2025, never comes online.
    let warnings: Vec<&str> = rich2.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("plant `refinery` never comes online"),
        "{warnings:?}"
    );
    // Said to be schema 1, it is rejected, every schema-2 key located.
    let rich1 = RICH2.replacen("schema = 2", "schema = 1", 1);
    check(&rich1);
    assert!(load_str(&rich1).instance.is_none());
    for (k, src) in SHIPPED.iter().enumerate() {
        check(src);
        assert!(
            load_str(src).instance.is_some(),
            "shipped instance {k} does not validate"
        );
    }
    // `MUTATION_CASES=200000 cargo test -p sourcing-models --test mutations` for a longer hunt.
    let cases = env_or("MUTATION_CASES", 8000);
    let mut rng = Rng(env_or("MUTATION_SEED", 0x9E37_79B9_7F4A_7C15));
    let mut rejected = 0;
    for case in 0..cases {
        // The large shipped instance is slow to validate: one case in eight.
        let base = match case % 8 {
            0 => SHIPPED[0],
            1 => RICH,
            3 | 5 => RICH2,
            k => SHIPPED[1 + (k as usize + case as usize / 8) % (SHIPPED.len() - 1)],
        };
        // Now and then a schema-2 file that says `schema = 1`.
        let mut src = match case % 64 {
            5 => base.replacen("schema = 2", "schema = 1", 1),
            _ => base.to_string(),
        };
        for _ in 0..=rng.below(3) {
            src = mutate(&src, &mut rng);
        }
        check(&src);
        if load_str(&src).instance.is_none() {
            rejected += 1;
        }
    }
    eprintln!("mutated instances: {cases} cases, {rejected} rejected with located errors, no panic");
    assert!(
        rejected > cases / 10,
        "the mutations hardly ever break anything: {rejected} of {cases}"
    );
}

/// The ids written in a source (`id = "..."`) with the collection they belong to, to aim
/// overrides at real entries.
fn ids_in(src: &str) -> Vec<(String, String)> {
    let mut collection = String::new();
    let mut out = Vec::new();
    for line in src.lines().map(str::trim) {
        if let Some(c) = line.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
            collection = c.to_string();
        } else if let Some(id) = line.strip_prefix("id = \"").and_then(|r| r.split('"').next()) {
            out.push((collection.clone(), id.to_string()));
        }
    }
    out
}

/// Fields of the collections, by the type their values take.
const AIMED: [(&str, &[&str], &[&str]); 9] = [
    (
        "mines",
        &[
            "capacity",
            "cost",
            "expansion.max",
            "expansion.cost",
            "expansion.lead_time",
        ],
        &["region", "material"],
    ),
    (
        "plants",
        &[
            "capacity",
            "cost",
            "yield",
            "expansion.max",
            "expansion.cost",
            "expansion.lead_time",
        ],
        &["input", "output"],
    ),
    ("imports", &["capacity", "price"], &["origin", "region", "material"]),
    ("lanes", &["cost", "capacity", "days"], &["from", "to", "mode"]),
    ("demands", &["quantity", "unmet_penalty"], &["region", "material"]),
    ("targets", &["max_import_share"], &["material", "scope"]),
    ("materials", &["price"], &["name"]),
    (
        "tax_regimes",
        &["royalty_rate", "income_tax_rate", "fee_per_t"],
        &["name"],
    ),
    (
        "stockpiles",
        &["capacity", "initial", "min_level", "min_final", "holding_cost"],
        &["region", "material"],
    ),
];

/// A random `--set` argument: mostly well-aimed (a real collection, id and field with a
/// value of the right type but a hostile size), sometimes a near miss or garbage.
fn random_override(all_ids: &[(String, String)], rng: &mut Rng) -> String {
    const NUMBERS: [&str; 12] = [
        "0", "-1", "1", "0.5", "1e-3", "1e9", "-0.0", "2", "nan", "inf", "1.5", "1e300",
    ];
    const GARBAGE: [&str; 10] = [
        "1e309",
        "\"x\"",
        "[1, 2]",
        "true",
        "{ a = 1 }",
        "",
        "\"US\"",
        "[\"CN\"]",
        "-inf",
        "\"",
    ];
    let (collection, numeric, strings) = AIMED[rng.below(AIMED.len())];
    let ids: Vec<String> = all_ids
        .iter()
        .filter(|(c, _)| rng.below(10) == 0 || c == collection)
        .map(|(_, id)| id.clone())
        .collect();
    let id = match rng.below(8) {
        0 => "*".to_string(),
        1 => "nosuch".to_string(),
        _ if ids.is_empty() => "*".to_string(),
        _ => ids[rng.below(ids.len())].clone(),
    };
    match rng.below(10) {
        0..=5 => {
            let field = numeric[rng.below(numeric.len())];
            let op = if rng.below(4) == 0 { "*=" } else { "=" };
            // One entry of a time series (or a year on a field that is none), now and then.
            const YEARS: [&str; 6] = ["", "", ".2025", ".2028", ".2031", ".1999"];
            let year = YEARS[rng.below(YEARS.len())];
            format!(
                "{collection}.{id}.{field}{year}{op}{}",
                NUMBERS[rng.below(NUMBERS.len())]
            )
        }
        6 | 7 => {
            // A reference to an existing id, maybe of the wrong kind, or to nothing.
            let field = strings[rng.below(strings.len())];
            let to = match all_ids.len() {
                0 => "nosuch".to_string(),
                n => all_ids[rng.below(n)].1.clone(),
            };
            format!("{collection}.{id}.{field}=\"{to}\"")
        }
        8 => {
            let field = numeric[rng.below(numeric.len())];
            format!("{collection}.{id}.{field}={}", GARBAGE[rng.below(GARBAGE.len())])
        }
        _ => {
            let junk = ["mine", "capasity", "", "*", "."];
            format!(
                "{collection}.{id}.{}={}",
                junk[rng.below(junk.len())],
                NUMBERS[rng.below(NUMBERS.len())]
            )
        }
    }
}

#[test]
fn overrides_never_panic_and_errors_name_their_origin() {
    let cases = env_or("OVERRIDE_CASES", 4000);
    let mut rng = Rng(env_or("MUTATION_SEED", 0x9E37_79B9_7F4A_7C15) ^ 0xA5A5);
    let (mut bad_syntax, mut names_nothing, mut invalid, mut valid) = (0, 0, 0, 0);
    for case in 0..cases {
        let src = match case % 3 {
            0 => RICH2,
            _ => SHIPPED[1 + case as usize % (SHIPPED.len() - 1)],
        };
        let ids = ids_in(src);
        let args: Vec<String> = (0..=rng.below(2)).map(|_| random_override(&ids, &mut rng)).collect();
        let outcome = panic::catch_unwind(|| {
            let mut parsed = Vec::new();
            for a in &args {
                match overrides::parse(a, "--set") {
                    Ok(o) => parsed.push(o),
                    Err(d) => {
                        assert!(d.is_error() && !d.message.contains('\n'), "{a}: {:?}", d.message);
                        let _ = d.render("command line", "");
                        return 0;
                    }
                }
            }
            let mut tree = raw::parse(src).expect("shipped instances parse");
            if let Err(ds) = overrides::apply(&mut tree, &parsed) {
                assert!(!ds.is_empty() && ds.iter().all(|d| d.is_error()));
                for d in &ds {
                    assert!(!d.message.contains('\n'), "{:?}", d.message);
                    let _ = d.render("x.toml", src);
                }
                return 1;
            }
            let v = validate::validate(&tree);
            let errors: Vec<_> = v.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
            assert_eq!(errors.is_empty(), v.instance.is_some(), "{args:?}");
            for d in &errors {
                // An overridden value has no place in the file: its diagnostic names the
                // override instead.
                assert!(
                    d.span.as_ref().is_some_and(|s| s.end <= src.len()) || d.origin.is_some(),
                    "{args:?}: error neither located nor attributed: {}",
                    d.message
                );
                let _ = d.render("x.toml", src);
            }
            if errors.is_empty() {
                3
            } else {
                2
            }
        });
        match outcome {
            Ok(0) => bad_syntax += 1,
            Ok(1) => names_nothing += 1,
            Ok(2) => invalid += 1,
            Ok(_) => valid += 1,
            Err(_) => panic!("panicked on overrides {args:?}"),
        }
    }
    eprintln!(
        "overrides: {cases} cases: {bad_syntax} malformed, {names_nothing} naming nothing, {invalid} rejected by \
         validation, {valid} valid; no panic"
    );
    // The generator must reach every stage, or the test proves little.
    assert!(bad_syntax > 0 && names_nothing > 0 && invalid > 0 && valid > 0);
}
