use crate::diag::{line_col, Diagnostic};
use crate::load_str;

const BASE: &str = r#"[meta]
name = "unit"

[[blocs]]
id = "usmca"
countries = ["US", "MX"]

[[countries]]
id = "US"
[[countries]]
id = "MX"
tax_regime = "mx"
[[countries]]
id = "CN"

[[tax_regimes]]
id = "mx"
royalty_rate = 0.075

[[regions]]
id = "US-TX"
country = "US"
[[regions]]
id = "MX-ZAC"
country = "MX"

[[materials]]
id = "silver"
price = 900000

[[mines]]
id = "penasquito"
region = "MX-ZAC"
material = "silver"
capacity = 100
cost = 5000

[[demands]]
region = "US-TX"
material = "silver"
quantity = 50

[[lanes]]
from = "MX-ZAC"
to = "US-TX"
cost = 40
mode = "rail"

[[tariffs]]
importer = "US"
exporter = "CN"
rate = 0.1

[[targets]]
id = "ag_cap"
material = "silver"
scope = "usmca"
max_import_share = 0.5
"#;

/// BASE with the first occurrence of `old` replaced by `new`.
fn with(old: &str, new: &str) -> String {
    assert!(BASE.contains(old), "`{old}` not in BASE");
    BASE.replacen(old, new, 1)
}

/// The errors of validating `src` (and the instance is absent exactly when there are some).
pub(super) fn errors(src: &str) -> Vec<Diagnostic> {
    let v = load_str(src);
    let errors: Vec<Diagnostic> = v.diagnostics.into_iter().filter(|d| d.is_error()).collect();
    assert_eq!(v.instance.is_none(), !errors.is_empty());
    errors
}

fn line_of(src: &str, d: &Diagnostic) -> usize {
    d.line_col(src).expect("located").0
}

#[test]
fn base_is_valid_without_warnings() {
    let v = load_str(BASE);
    assert!(v.diagnostics.is_empty(), "{:?}", v.diagnostics);
    let inst = v.instance.unwrap();
    assert_eq!(inst.lanes[0].id, "MX-ZAC->US-TX/rail");
    assert_eq!(inst.tariffs[0].id, "CN->US/*");
}

#[test]
fn default_ids_are_not_checked_against_the_id_pattern() {
    // `US-TX/silver`, `MX-ZAC->US-TX/rail` and `CN->US/*` contain `/`, `>` and `*`.
    let v = load_str(BASE);
    assert_eq!(v.instance.unwrap().demands[0].id, "US-TX/silver");
}

#[test]
fn explicit_id_with_a_slash_is_rejected_with_a_hint_about_default_ids() {
    let src = with("[[demands]]\n", "[[demands]]\nid = \"US-TX/silver\"\n");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].message.contains("invalid demand id `US-TX/silver`"));
    assert!(e[0].hint.as_deref().unwrap().contains("leave `id` out"));
}

#[test]
fn duplicate_id_points_at_the_second_occurrence_and_notes_the_first() {
    let src = with("[[demands]]", "[[mines]]\nid = \"penasquito\"\nregion = \"MX-ZAC\"\nmaterial = \"silver\"\ncapacity = 1\ncost = 1\n\n[[demands]]");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].message, "duplicate mine id `penasquito`");
    let first = src.find("id = \"penasquito\"").unwrap();
    let second = src.rfind("id = \"penasquito\"").unwrap();
    assert_eq!(line_of(&src, &e[0]), line_col(&src, second).0);
    assert_eq!(e[0].related.len(), 1);
    assert_eq!(line_col(&src, e[0].related[0].span.start).0, line_col(&src, first).0);
    let out = e[0].render("f.toml", &src);
    assert!(
        out.contains(&format!("first defined at f.toml:{}:", line_col(&src, first).0)),
        "{out}"
    );
}

#[test]
fn duplicate_default_demand_ids_are_reported() {
    let src = with(
        "[[lanes]]",
        "[[demands]]\nregion = \"US-TX\"\nmaterial = \"silver\"\nquantity = 1\n\n[[lanes]]",
    );
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].message, "duplicate demand id `US-TX/silver`");
    assert!(e[0].hint.as_deref().unwrap().contains("explicit `id`"));
}

#[test]
fn non_string_id_in_mines_was_silently_accepted() {
    let e = errors(&with("id = \"penasquito\"", "id = 5"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].message.contains("`id` in mines entry #1 must be a string"),
        "{e:?}"
    );
}

#[test]
fn royalty_by_material_naming_an_unknown_material_is_reported() {
    let e = errors(&with("royalty_rate = 0.075", "royalty_by_material = { silvr = 0.01 }"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].message, "unknown material `silvr`");
    assert_eq!(e[0].hint.as_deref(), Some("did you mean `silver`?"));
}

#[test]
fn year_must_be_an_integer() {
    for bad in ["2025.0", "\"2025\""] {
        let e = errors(&with("name = \"unit\"", &format!("name = \"unit\"\nyear = {bad}")));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].message.starts_with("`year` in `[meta]` must be an integer"));
    }
    let v = load_str(&with("name = \"unit\"", "name = \"unit\"\nyear = 2025"));
    assert_eq!(v.instance.unwrap().meta.year, Some(2025));
}

#[test]
fn schemas_1_and_2_are_read_and_others_rejected() {
    for n in [1, 2] {
        let src = with("name = \"unit\"", &format!("name = \"unit\"\nschema = {n}"));
        assert!(errors(&src).is_empty(), "schema {n}");
    }
    let src = with("name = \"unit\"", "name = \"unit\"\nschema = 3");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].message, "unsupported schema 3: this version reads schemas 1 and 2");
    assert_eq!(line_of(&src, &e[0]), 3);
    let e = errors(&with("name = \"unit\"", "name = \"unit\"\nschema = \"1\""));
    assert!(e[0].message.contains("must be the integer 1 or 2"), "{e:?}");
}

#[test]
fn a_misspelt_required_key_is_one_error_not_two() {
    let e = errors(&with("capacity = 100", "capcity = 100"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].message, "unknown key `capcity` in mine `penasquito`");
    assert_eq!(e[0].hint.as_deref(), Some("did you mean `capacity`?"));
}

#[test]
fn missing_keys_of_one_table_are_one_error() {
    let e = errors(&with("capacity = 100\ncost = 5000\n", ""));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e[0].message,
        "missing required keys `capacity` and `cost` in mine `penasquito`"
    );
}

#[test]
fn errors_in_dotted_key_tables_had_no_location() {
    let src = with("cost = 5000", "cost = 5000\nexpansion.max = 10");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].message.contains("missing required key `cost` in the expansion"));
    assert_eq!(
        line_of(&src, &e[0]),
        line_col(&src, src.find("expansion.max").unwrap()).0
    );

    let src = with("[meta]\nname = \"unit\"", "[meta.extra]\nx = 1");
    for d in errors(&src) {
        assert!(d.span.is_some(), "{d:?}");
    }
    let src = with("royalty_rate = 0.075", "royalty_by_material = { silver.x = 0.1 }");
    for d in errors(&src) {
        assert!(d.span.is_some(), "{d:?}");
    }
}

#[test]
fn target_without_consumption_was_not_reported_alongside_other_errors() {
    let src = with("max_import_share = 0.5", "max_import_share = 0.5\nsources = \"CN\"")
        .replacen("scope = \"usmca\"", "scope = \"CN\"", 1)
        .replacen("cost = 5000", "cost = -1", 1);
    let e = errors(&src);
    let msgs: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(e.len(), 2, "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("must not be negative")));
    assert!(msgs.iter().any(|m| m.contains("target `ag_cap` has nothing to cap")));
}

#[test]
fn target_check_does_not_guess_when_a_demand_did_not_resolve() {
    // The demand's material is misspelt: the target may well have consumption, so only
    // the unknown material is reported.
    let src = with("material = \"silver\"\nquantity", "material = \"silvre\"\nquantity");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].message, "unknown material `silvre`");
}

#[test]
fn equally_specific_tariffs_are_ambiguous_and_name_both() {
    let src = with(
        "[[targets]]",
        "[[tariffs]]\nid = \"t2\"\nimporter = \"US\"\nexporter = \"CN\"\nrate = 0.2\n\n[[targets]]",
    );
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].message.contains("`CN->US/*` and `t2`"), "{e:?}");
    assert_eq!(e[0].related.len(), 1);
}

#[test]
fn blocs_that_share_only_the_importer_are_not_ambiguous() {
    let src = with(
        "[[targets]]",
        "[[blocs]]\nid = \"pacific\"\ncountries = [\"US\", \"CN\"]\n\
         [[tariffs]]\nimporter = \"US\"\nexporter = \"usmca\"\nrate = 0\n\
         [[tariffs]]\nimporter = \"US\"\nexporter = \"pacific\"\nrate = 0.2\n\n[[targets]]",
    );
    assert!(errors(&src).is_empty());
    let overlapping = src.replacen("countries = [\"US\", \"CN\"]", "countries = [\"MX\", \"CN\"]", 1);
    let e = errors(&overlapping);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].message.starts_with("ambiguous tariffs"));
}

#[test]
fn a_collection_written_as_one_table_does_not_cascade() {
    let e = errors(&with("[[materials]]", "[materials]"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].message, "`materials` must be an array of tables, found a table");
}

#[test]
fn an_id_of_another_kind_is_named_in_the_hint() {
    let e = errors(&with("region = \"MX-ZAC\"", "region = \"MX\""));
    assert_eq!(e[0].hint.as_deref(), Some("`MX` is a country, not a region"));
    let e = errors(&with("importer = \"US\"", "importer = \"usmca\""));
    assert_eq!(e[0].hint.as_deref(), Some("`usmca` is a bloc, not a country"));
}

#[test]
fn percentages_get_a_fraction_hint() {
    let e = errors(&with("royalty_rate = 0.075", "royalty_rate = 7.5"));
    assert!(
        e[0].hint.as_deref().unwrap().contains("if you meant 7.5%, write 0.075"),
        "{e:?}"
    );
    let e = errors(&with("royalty_rate = 0.075", "royalty_rate = 250"));
    assert_eq!(e[0].hint.as_deref(), Some("use a fraction between 0 and 1"));
}

#[test]
fn quoted_numbers_get_a_hint() {
    let e = errors(&with("capacity = 100", "capacity = \"1_000\""));
    assert_eq!(e[0].hint.as_deref(), Some("remove the quotes: `capacity = 1_000`"));
}

#[test]
fn quoted_nan_gets_no_remove_the_quotes_hint() {
    let e = errors(&with("capacity = 100", "capacity = \"nan\""));
    assert_eq!(e[0].hint, None, "{e:?}");
}

#[test]
fn labels_name_entries_by_their_default_id() {
    let e = errors(&with("quantity = 50", "quantity = -50"));
    assert_eq!(
        e[0].message,
        "`quantity` in demand `US-TX/silver` must not be negative, found -50"
    );
    let e = errors(&with("cost = 40", "cost = -40"));
    assert_eq!(
        e[0].message,
        "`cost` in lane `MX-ZAC->US-TX/rail` must not be negative, found -40"
    );
}

#[test]
fn keys_above_the_first_header_are_top_level_keys_not_tables() {
    let e = errors(&format!("currency = \"USD\"\n{BASE}"));
    assert_eq!(e[0].message, "unknown top-level key `currency`");
    assert!(e[0].hint.as_deref().unwrap().contains("under `[meta]`"));
}

#[test]
fn warnings_are_separate_and_only_on_valid_instances() {
    let src = with(
        "[[materials]]",
        "[[regions]]\nid = \"US-AK\"\ncountry = \"US\"\n[[regions]]\nid = \"US-NV\"\ncountry = \"US\"\n\
         [[demands]]\nregion = \"US-NV\"\nmaterial = \"silver\"\nquantity = 1\n\n[[materials]]",
    );
    let v = load_str(&src);
    assert!(v.instance.is_some());
    let w: Vec<&str> = v.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        w,
        [
            "region `US-AK` has no facility and no lane",
            "region `US-NV` has demand but no facility and no lane"
        ]
    );
    assert!(v.diagnostics.iter().all(|d| !d.is_error()));
}

/// The schema is shared with overrides: every key it lists must be read by validation with
/// the kind the schema gives it (a key added to the schema and to no builder fails here).
#[test]
fn every_key_of_the_schema_is_read_with_its_kind() {
    use crate::schema::{Kind, META, SCHEMA, SUB_TABLES};
    let wrong = |kind: Kind| match kind {
        Kind::Number | Kind::Series => ("\"x\"", "must be a number"),
        Kind::Years => ("\"x\"", "must be a list of years"),
        Kind::Integer => ("\"x\"", "must be the integer"),
        Kind::Boolean => ("\"x\"", "must be true or false"),
        Kind::Text | Kind::Id | Kind::Ref(_) | Kind::Party => ("1", "must be a string"),
        Kind::RefList(_) | Kind::PartyList => ("1", "must be an id or a list of ids"),
        Kind::SubTable => ("1", "must be a table"),
        Kind::RateByMaterial => ("1", "must be a table of material = rate"),
    };
    let assert_reported = |src: &str, key: &str, expect: &str| {
        let e = errors(src);
        assert!(
            e.iter()
                .any(|d| d.message.starts_with(&format!("`{key}` in ")) && d.message.contains(expect)),
            "`{key}`: no error containing `{expect}` in {:?}",
            e.iter().map(|d| &d.message).collect::<Vec<_>>()
        );
    };
    for f in META.fields {
        let (value, expect) = wrong(f.kind);
        let expect = if f.key == "year" { "must be an integer" } else { expect };
        let src = match f.key {
            "name" => with("name = \"unit\"", &format!("name = {value}")),
            key => with("name = \"unit\"", &format!("name = \"unit\"\n{key} = {value}")),
        };
        assert_reported(&src, f.key, expect);
    }
    for table in SCHEMA {
        for f in table.fields {
            let (value, expect) = wrong(f.kind);
            assert_reported(
                &format!("{BASE}\n[[{}]]\n{} = {value}\n", table.name, f.key),
                f.key,
                expect,
            );
        }
    }
    for sub in SUB_TABLES {
        for f in sub.fields {
            let (value, expect) = wrong(f.kind);
            let src = with("cost = 5000", &format!("cost = 5000\n{}.{} = {value}", sub.name, f.key));
            assert_reported(&src, f.key, expect);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Schema 2: periods, time series, lead times, stockpiles (model contract sections 5 and 6).

/// BASE with `meta.periods = [2025, 2026, 2028, 2030]` and the first occurrence of `old`
/// replaced by `new`.
fn with2(old: &str, new: &str) -> String {
    let src = with("name = \"unit\"", "name = \"unit\"\nperiods = [2025, 2026, 2028, 2030]");
    assert!(src.contains(old), "`{old}` not in BASE");
    src.replacen(old, new, 1)
}

/// The 1-based line of the first occurrence of `text` in `src`.
fn line_at(src: &str, text: &str) -> usize {
    line_col(src, src.find(text).unwrap_or_else(|| panic!("`{text}` not in source"))).0
}

/// A stockpile of silver at US-TX, with `extra` lines.
fn stockpile(extra: &str) -> String {
    format!("[[stockpiles]]\nid = \"reserve\"\nregion = \"US-TX\"\nmaterial = \"silver\"\ncapacity = 500\n{extra}\n")
}

#[test]
fn a_file_without_periods_has_one_period_of_weight_1() {
    let inst = load_str(BASE).instance.unwrap();
    assert!(!inst.has_periods());
    assert_eq!(inst.periods.len(), 1);
    assert_eq!((inst.periods[0].length, inst.periods[0].weight), (1.0, 1.0));
    assert_eq!(inst.period_suffix(0), "");
    assert_eq!(inst.mines[0].capacity, crate::Series::Constant(100.0));
}

#[test]
fn periods_are_weighted_by_length_and_discount() {
    let src = with2("name = \"unit\"", "name = \"unit\"\ndiscount_rate = 0.05");
    let inst = load_str(&src).instance.unwrap();
    let years: Vec<i64> = inst.periods.iter().map(|p| p.year).collect();
    assert_eq!(years, [2025, 2026, 2028, 2030]);
    let lengths: Vec<f64> = inst.periods.iter().map(|p| p.length).collect();
    assert_eq!(lengths, [1.0, 2.0, 2.0, 2.0]);
    for p in &inst.periods {
        let w = p.length / 1.05f64.powi((p.year - 2025) as i32);
        assert!((p.weight - w).abs() < 1e-12, "{p:?}: weight {} != {w}", p.weight);
    }
    assert_eq!(inst.period_suffix(2), "@2028");
    // One period lasts a year; undiscounted weights are the lengths.
    let one = crate::Period::of_years(&[2030], 0.05);
    assert_eq!((one[0].length, one[0].weight), (1.0, 1.0));
    let flat = crate::Period::of_years(&[2025, 2030], 0.0);
    assert_eq!(flat.iter().map(|p| p.weight).collect::<Vec<_>>(), [5.0, 5.0]);
}

#[test]
fn a_series_is_a_step_function_over_the_periods() {
    let src = with2("capacity = 100", "capacity = { 2024 = 1, 2027 = 5 }");
    let inst = load_str(&src).instance.unwrap();
    assert_eq!(
        inst.mines[0].capacity,
        crate::Series::PerPeriod(vec![1.0, 1.0, 5.0, 5.0].into())
    );
    // An entry after the last period changes nothing; one in a period's year starts there.
    let src = with2("quantity = 50", "quantity = { 2025 = 50, 2028 = 60, 2040 = 99 }");
    let inst = load_str(&src).instance.unwrap();
    let q: Vec<f64> = (0..4).map(|p| inst.demands[0].quantity.at(p)).collect();
    assert_eq!(q, [50.0, 50.0, 60.0, 60.0]);
    // A plain number holds in every period.
    assert_eq!(inst.mines[0].capacity, crate::Series::Constant(100.0));
}

#[test]
fn meta_periods_must_be_a_non_empty_strictly_increasing_list_of_integer_years() {
    for (periods, message, at) in [
        (
            "2025",
            "`periods` in `[meta]` must be a list of years, found an integer",
            "2025",
        ),
        ("[]", "`periods` in `[meta]` is empty: give at least one year", "[]"),
        (
            "[2025, 2028, 2026]",
            "`periods` in `[meta]` must be strictly increasing: 2026 follows 2028",
            "2026",
        ),
        (
            "[2025, 2025]",
            "`periods` in `[meta]` must be strictly increasing: 2025 follows 2025",
            "2025",
        ),
        (
            "[2025, 2026.5]",
            "`periods` in `[meta]` must list integer years, found a number",
            "2026.5",
        ),
    ] {
        let src = with("name = \"unit\"", &format!("name = \"unit\"\nperiods = {periods}"));
        let e = errors(&src);
        assert_eq!(e.len(), 1, "{periods}: {e:?}");
        assert_eq!(e[0].message, message);
        assert_eq!(&src[e[0].span.clone().unwrap()], at);
        assert_eq!(line_of(&src, &e[0]), line_at(&src, "periods"));
    }
}

#[test]
fn invalid_periods_do_not_also_report_every_series() {
    let src = with("name = \"unit\"", "name = \"unit\"\nperiods = [2026, 2025]").replacen(
        "capacity = 100",
        "capacity = { 2025 = 100 }",
        1,
    );
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0]
        .message
        .starts_with("`periods` in `[meta]` must be strictly increasing"));
}

#[test]
fn discount_rate_must_be_at_least_0_and_below_1() {
    for (rate, message) in [
        (
            "1",
            "`discount_rate` in `[meta]` must be at least 0 and below 1, found 1",
        ),
        (
            "-0.05",
            "`discount_rate` in `[meta]` must be at least 0 and below 1, found -0.05",
        ),
        (
            "5",
            "`discount_rate` in `[meta]` must be at least 0 and below 1, found 5",
        ),
    ] {
        let src = with2("name = \"unit\"", &format!("name = \"unit\"\ndiscount_rate = {rate}"));
        let e = errors(&src);
        assert_eq!(e.len(), 1, "{rate}: {e:?}");
        assert_eq!(e[0].message, message);
        assert_eq!(line_of(&src, &e[0]), line_at(&src, "discount_rate"));
    }
    let src = with2("name = \"unit\"", "name = \"unit\"\ndiscount_rate = 5");
    assert!(errors(&src)[0]
        .hint
        .as_deref()
        .unwrap()
        .contains("if you meant 5%, write 0.05"));
    let src = with2("name = \"unit\"", "name = \"unit\"\ndiscount_rate = 0");
    assert_eq!(load_str(&src).instance.unwrap().meta.discount_rate, 0.0);
}

#[test]
fn a_series_key_that_is_not_a_year_is_located_at_the_key() {
    for key in ["soon", "\"+2026\"", "\" 2026\""] {
        let src = with2("capacity = 100", &format!("capacity = {{ 2025 = 100, {key} = 5 }}"));
        let e = errors(&src);
        assert_eq!(e.len(), 1, "{key}: {e:?}");
        let written = key.trim_matches('"');
        assert_eq!(
            e[0].message,
            format!("`capacity` in mine `penasquito`: the series key `{written}` is not a year")
        );
        assert_eq!(&src[e[0].span.clone().unwrap()], key);
    }
    // `2026.5` is a dotted key in TOML (the year 2026 holding a table); it said
    // "`capacity.2026` must be a number, found a table".
    let src = with2("capacity = 100", "capacity = { 2025 = 100, 2026.5 = 5 }");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e[0].message,
        "`capacity` in mine `penasquito`: the series key `2026.5` is not a year (a year is a whole number)"
    );
    assert_eq!(line_of(&src, &e[0]), line_at(&src, "2026.5"));
}

/// Entries no period uses (periods 2025, 2026, 2028, 2030): 2027 is replaced by 2028 before
/// a period starts, 2031 comes after the last, 2024 is replaced by 2025. In a file they are
/// warnings at their keys (a table may serve several horizons), and the values resolve as
/// before.
#[test]
fn a_series_entry_no_period_uses_is_a_located_warning() {
    let src = with2(
        "capacity = 100",
        "capacity = { 2024 = 1, 2025 = 100, 2027 = 5, 2028 = 6, 2031 = 7 }",
    );
    let v = load_str(&src);
    let warned: Vec<(&str, &str)> = v
        .diagnostics
        .iter()
        .map(|d| {
            assert!(!d.is_error(), "{d:?}");
            (d.message.as_str(), &src[d.span.clone().unwrap()])
        })
        .collect();
    let m = "`capacity` in mine `penasquito`: the entry for";
    assert_eq!(
        warned,
        [
            (
                format!("{m} 2024 never applies: it is replaced by the entry for 2025 before a period starts (2025)")
                    .as_str(),
                "2024"
            ),
            (
                format!("{m} 2027 never applies: it is replaced by the entry for 2028 before a period starts (2028)")
                    .as_str(),
                "2027"
            ),
            (
                format!("{m} 2031 never applies: it is after the last period (2030)").as_str(),
                "2031"
            ),
        ]
    );
    let inst = v.instance.expect("valid");
    let capacity: Vec<f64> = (0..4).map(|p| inst.mines[0].capacity.at(p)).collect();
    assert_eq!(capacity, [100.0, 100.0, 6.0, 6.0]);
}

#[test]
fn a_series_giving_a_year_twice_is_an_error() {
    let src = with2("capacity = 100", "capacity = { 2025 = 100, 02025 = 5 }");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e[0].message,
        "`capacity` in mine `penasquito` gives the year 2025 twice"
    );
    assert_eq!(&src[e[0].span.clone().unwrap()], "02025");
    assert_eq!(e[0].related.len(), 1);
}

#[test]
fn a_series_needs_a_value_for_the_first_period() {
    let src = with2("max_import_share = 0.5", "max_import_share = { 2026 = 0.5 }");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e[0].message,
        "`max_import_share` in target `ag_cap` has no value for the first period, 2025"
    );
    assert_eq!(&src[e[0].span.clone().unwrap()], "{ 2026 = 0.5 }");
    assert!(e[0].hint.as_deref().unwrap().contains("add an entry for 2025"));
    // An empty series has none either.
    let e = errors(&with2("price = 900000", "price = {}"));
    assert_eq!(
        e[0].message,
        "`price` in material `silver` has no value for the first period, 2025"
    );
}

#[test]
fn a_series_in_a_file_without_periods_is_an_error() {
    let src = with("quantity = 50", "quantity = { 2025 = 50 }");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e[0].message,
        "`quantity` in demand `US-TX/silver` is a time series, but the file has no `meta.periods`"
    );
    assert_eq!(line_of(&src, &e[0]), line_at(&src, "quantity = {"));
    // Its entries are still checked, so every mistake is reported at once.
    let e = errors(&with("quantity = 50", "quantity = { 2025 = -50 }"));
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e
        .iter()
        .any(|d| d.message == "`quantity.2025` in demand `US-TX/silver` must not be negative, found -50"));
}

#[test]
fn series_values_obey_the_checks_of_the_plain_field_and_name_the_year() {
    for (old, new, message, at) in [
        (
            "max_import_share = 0.5",
            "max_import_share.2025 = 0.5\nmax_import_share.2028 = 1.5",
            "`max_import_share.2028` in target `ag_cap` must be between 0 and 1, found 1.5",
            "1.5",
        ),
        (
            "capacity = 100",
            "capacity.2025 = 100\ncapacity.2030 = -5",
            "`capacity.2030` in mine `penasquito` must not be negative, found -5",
            "-5",
        ),
        (
            "royalty_rate = 0.075",
            "royalty_rate = { 2025 = 0.075, 2026 = 7.5 }",
            "`royalty_rate.2026` in tax regime `mx` must be between 0 and 1, found 7.5",
            "7.5",
        ),
        (
            "cost = 40",
            "cost = { 2025 = 40, 2028 = \"x\" }",
            "`cost.2028` in lane `MX-ZAC->US-TX/rail` must be a number, found a string",
            "\"x\"",
        ),
        (
            "rate = 0.1",
            "rate = { 2025 = 0.1, 2028 = nan }",
            "`rate.2028` in tariff `CN->US/*` must be a finite number, found NaN",
            "nan",
        ),
    ] {
        let src = with2(old, new);
        let e = errors(&src);
        assert_eq!(e.len(), 1, "{new}: {e:?}");
        assert_eq!(e[0].message, message);
        assert_eq!(&src[e[0].span.clone().unwrap()], at, "{new}");
    }
    // A dotted series is located on the entry's own line.
    let src = with2("capacity = 100", "capacity.2025 = 100\ncapacity.2030 = -5");
    assert_eq!(line_of(&src, &errors(&src)[0]), line_at(&src, "capacity.2030"));
    // A tariff rate above 1 in one year is a warning naming the year, not an error.
    let v = load_str(&with2("rate = 0.1", "rate = { 2025 = 0.1, 2028 = 2.5 }"));
    assert!(v.instance.is_some());
    assert!(v
        .diagnostics
        .iter()
        .any(|d| d.message.starts_with("`rate.2028` in tariff `CN->US/*` is 2.5")));
}

#[test]
fn a_negative_lead_time_is_an_error() {
    let src = with2(
        "cost = 5000",
        "cost = 5000\nexpansion = { max = 10, cost = 3, lead_time = -1 }",
    );
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e[0].message,
        "`lead_time` in the expansion of mine `penasquito` must not be negative, found -1"
    );
    assert_eq!(&src[e[0].span.clone().unwrap()], "-1");
    let src = with2(
        "cost = 5000",
        "cost = 5000\nexpansion = { max = 10, cost = 3, lead_time = 2.5 }",
    );
    let inst = load_str(&src).instance.unwrap();
    assert_eq!(inst.mines[0].expansion.unwrap().lead_time, 2.5);
    assert_eq!(inst.first_build_period(2.5), Some(2));
}

#[test]
fn an_expansion_that_no_period_allows_is_a_warning_naming_the_facility() {
    let src = with2(
        "cost = 5000",
        "cost = 5000\nexpansion = { max = 10, cost = 3, lead_time = 6 }",
    );
    let v = load_str(&src);
    assert!(v.instance.is_some());
    let w: Vec<&Diagnostic> = v.diagnostics.iter().filter(|d| !d.is_error()).collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        w[0].message,
        "the expansion of mine `penasquito` never comes online: its `lead_time` of 6 years ends after the last \
         period (2025 + 6 > 2030)"
    );
    assert_eq!(&src[w[0].span.clone().unwrap()], "6");
    assert!(w[0].hint.as_deref().unwrap().contains("at most 5"), "{w:?}");
    // Exactly to the last period is allowed.
    let v = load_str(&src.replacen("lead_time = 6", "lead_time = 5", 1));
    assert!(v.diagnostics.is_empty(), "{:?}", v.diagnostics);
    // Without periods, any lead time leaves the one period behind.
    let src = with(
        "cost = 5000",
        "cost = 5000\nexpansion = { max = 10, cost = 3, lead_time = 1 }",
    );
    let v = load_str(&src);
    assert_eq!(v.diagnostics.len(), 1, "{:?}", v.diagnostics);
    assert!(v.diagnostics[0].message.contains("never comes online"));
    assert!(v.diagnostics[0].message.contains("no `meta.periods`"));
}

#[test]
fn stockpile_levels_above_capacity_are_errors_naming_the_stockpile() {
    for (extra, message, at) in [
        (
            "initial = 600",
            "`initial` in stockpile `reserve` is 600 t, above its `capacity` of 500 t",
            "600",
        ),
        (
            "min_final = 501",
            "`min_final` in stockpile `reserve` is 501 t, above its `capacity` of 500 t",
            "501",
        ),
        (
            "min_level = 700",
            "`min_level` in stockpile `reserve` is 700 t, above its `capacity` of 500 t",
            "700",
        ),
        (
            "min_level = { 2025 = 100, 2028 = 900, 2030 = 200 }",
            "`min_level.2028` in stockpile `reserve` is 900 t, above its `capacity` of 500 t",
            "900",
        ),
    ] {
        let src = with2("[[targets]]", &format!("{}\n[[targets]]", stockpile(extra)));
        let e = errors(&src);
        assert_eq!(e.len(), 1, "{extra}: {e:?}");
        assert_eq!(e[0].message, message);
        assert_eq!(&src[e[0].span.clone().unwrap()], at);
        assert_eq!(line_of(&src, &e[0]), line_at(&src, extra));
    }
    // An entry before the first period that no period uses is not checked; a level equal to
    // the capacity is allowed; `min_final` defaults to `initial`.
    let src = with2(
        "[[targets]]",
        &format!(
            "{}\n[[targets]]",
            stockpile("initial = 500\nmin_level = { 2020 = 900, 2025 = 500 }")
        ),
    );
    let inst = load_str(&src).instance.unwrap();
    assert_eq!(inst.stockpiles[0].min_final, 500.0);
    // A capacity that is itself wrong is reported once, without comparisons against it.
    let src = with2(
        "[[targets]]",
        &format!(
            "{}\n[[targets]]",
            stockpile("initial = 10").replace("capacity = 500", "capacity = -1")
        ),
    );
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0]
        .message
        .starts_with("`capacity` in stockpile `reserve` must not be negative"));
}

#[test]
fn stockpile_references_are_resolved_with_suggestions() {
    let src = with2(
        "[[targets]]",
        &format!(
            "{}\n[[targets]]",
            stockpile("")
                .replace("\"US-TX\"", "\"US-XT\"")
                .replace("\"silver\"", "\"silvr\"")
        ),
    );
    let e = errors(&src);
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(e[0].message, "unknown region `US-XT`");
    assert_eq!(e[0].hint.as_deref(), Some("did you mean `US-TX`?"));
    assert_eq!(line_of(&src, &e[0]), line_at(&src, "\"US-XT\""));
    assert_eq!(e[1].message, "unknown material `silvr`");
    assert_eq!(e[1].hint.as_deref(), Some("did you mean `silver`?"));
}

#[test]
fn a_stockpile_touches_its_region_and_material() {
    // A region with only a stockpile, and a material only stocked, are not unused.
    let src = with2(
        "[[materials]]",
        "[[regions]]\nid = \"US-AK\"\ncountry = \"US\"\n\n[[materials]]\nid = \"antimony\"\nprice = 10\n\n[[materials]]",
    );
    let v = load_str(&src);
    let w: Vec<&str> = v.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        w,
        [
            "region `US-AK` has no facility and no lane",
            "material `antimony` is neither demanded nor processed"
        ]
    );
    let src = format!(
        "{src}\n{}",
        stockpile("")
            .replace("\"US-TX\"", "\"US-AK\"")
            .replace("\"silver\"", "\"antimony\"")
    );
    let v = load_str(&src);
    assert!(v.instance.is_some());
    assert!(v.diagnostics.is_empty(), "{:?}", v.diagnostics);
}

#[test]
fn schema_1_with_a_schema_2_key_is_an_error_naming_the_key() {
    let schema1 = |src: &str| src.replacen("name = \"unit\"", "name = \"unit\"\nschema = 1", 1);
    let periods = "name = \"unit\"\nperiods = [2025, 2030]";
    for (old, new, message, at) in [
        (
            "name = \"unit\"",
            periods,
            "`periods` in `[meta]` is a schema-2 key, but `[meta]` says `schema = 1`",
            "periods",
        ),
        (
            "name = \"unit\"",
            "name = \"unit\"\ndiscount_rate = 0.05",
            "`discount_rate` in `[meta]` is a schema-2 key, but `[meta]` says `schema = 1`",
            "discount_rate",
        ),
        (
            "capacity = 100",
            "capacity = { 2025 = 100 }",
            "`capacity` in mine `penasquito` is a time series, but `[meta]` says `schema = 1`",
            "{ 2025 = 100 }",
        ),
        (
            "cost = 5000",
            "cost = 5000\nexpansion = { max = 10, cost = 3, lead_time = 2 }",
            "`lead_time` in the expansion of mine `penasquito` is a schema-2 key, but `[meta]` says `schema = 1`",
            "lead_time",
        ),
        (
            "[[targets]]",
            "[[stockpiles]]\nid = \"reserve\"\nregion = \"US-TX\"\nmaterial = \"silver\"\ncapacity = 5\n\n[[targets]]",
            "stockpile `reserve`: `[[stockpiles]]` is a schema-2 table, but `[meta]` says `schema = 1`",
            "[[stockpiles]]",
        ),
    ] {
        // With periods, so that only the schema is wrong (except for `periods` itself).
        let src = schema1(&with(old, new).replacen("name = \"unit\"", periods, 1));
        let src = if new == periods { schema1(&with(old, new)) } else { src };
        let e = errors(&src);
        let schema_errors: Vec<&Diagnostic> = e.iter().filter(|d| d.message.contains("schema = 1")).collect();
        let expected = if at == "periods" { 1 } else { 2 }; // plus the `periods` of the file
        assert_eq!(schema_errors.len(), expected, "{new}: {e:?}");
        assert_eq!(e.len(), expected, "{new}: {e:?}");
        let d = schema_errors
            .iter()
            .find(|d| d.message == message)
            .unwrap_or_else(|| panic!("{message}: {e:?}"));
        assert_eq!(&src[d.span.clone().unwrap()], at);
        assert_eq!(line_col(&src, d.related[0].span.start).0, line_at(&src, "schema = 1"));
        // Without `schema`, or with `schema = 2`, the same file is valid.
        let two = src.replacen("schema = 1", "schema = 2", 1);
        assert!(errors(&two).is_empty(), "{new}");
        assert!(errors(&src.replacen("schema = 1\n", "", 1)).is_empty(), "{new}");
    }
}

#[test]
fn extreme_years_and_lead_times_are_errors_and_the_largest_allowed_do_not_overflow() {
    let src = with(
        "name = \"unit\"",
        "name = \"unit\"\nperiods = [-9223372036854775808, 0, 2025, 9223372036854775807]",
    )
    .replacen(
        "cost = 5000",
        "cost = 5000\nexpansion = { max = 1, cost = 1, lead_time = 1e300 }",
        1,
    );
    let e = errors(&src);
    let years: Vec<&str> = e
        .iter()
        .filter(|d| d.message.contains("not a calendar year (1 to 9999)"))
        .map(|d| &src[d.span.clone().unwrap()])
        .collect();
    assert_eq!(years, ["-9223372036854775808", "0", "9223372036854775807"], "{e:?}");
    assert!(
        e.iter().any(|d| d.message
            == "`lead_time` in the expansion of mine `penasquito` is too large: 1e300 (at most 1e15 in size)"),
        "{e:?}"
    );
    // A series cannot name year 0 or five digits either.
    let src = with("name = \"unit\"", "name = \"unit\"\nperiods = [2025]").replacen(
        "quantity = 50",
        "quantity = { 2025 = 50, 10000 = 60 }",
        1,
    );
    assert!(errors(&src).iter().any(|d| d
        .message
        .contains("the series key `10000` is not a year (years run from 1 to 9999)")));
    // The extremes allowed: no overflow in lengths, weights or lead times.
    let src = with(
        "name = \"unit\"",
        "name = \"unit\"\nperiods = [1, 9999]\ndiscount_rate = 0.5",
    )
    .replacen(
        "cost = 5000",
        "cost = 5000\nexpansion = { max = 1, cost = 1, lead_time = 1e15 }",
        1,
    );
    let v = load_str(&src);
    let inst = v.instance.expect("valid");
    assert!(
        inst.periods.iter().all(|p| p.length > 0.0 && p.weight.is_finite()),
        "{:?}",
        inst.periods
    );
    assert_eq!(v.diagnostics.len(), 1, "{:?}", v.diagnostics);
    assert!(v.diagnostics[0].message.contains("never comes online"));
}

#[test]
fn a_number_beyond_1e15_is_an_error_not_an_overflowing_cost() {
    // A lane cost of 1e308 overflowed the objective and the solver called the plan infeasible.
    for (old, new, message) in [
        (
            "cost = 40",
            "cost = 1e308",
            "`cost` in lane `MX-ZAC->US-TX/rail` is too large: 1e308 (at most 1e15 in size)",
        ),
        (
            "quantity = 50",
            "quantity = -2e15",
            "`quantity` in demand `US-TX/silver` is too large: -2e15 (at most 1e15 in size)",
        ),
    ] {
        let src = with(old, new);
        let e = errors(&src);
        assert_eq!(e.len(), 1, "{new}: {e:?}");
        assert_eq!(e[0].message, message);
        assert_eq!(line_of(&src, &e[0]), line_at(&src, new));
    }
    // 1e15 itself is allowed.
    assert!(errors(&with("cost = 40", "cost = 1e15")).is_empty());
}
