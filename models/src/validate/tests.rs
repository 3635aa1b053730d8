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

fn errors(src: &str) -> Vec<Diagnostic> {
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
fn schema_other_than_1_is_rejected() {
    let e = errors(&with("name = \"unit\"", "name = \"unit\"\nschema = 2"));
    assert_eq!(e[0].message, "unsupported schema 2: this version reads schema 1");
    let e = errors(&with("name = \"unit\"", "name = \"unit\"\nschema = \"1\""));
    assert!(e[0].message.contains("must be the integer 1"), "{e:?}");
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
        Kind::Number => ("\"x\"", "must be a number"),
        Kind::Integer => ("\"x\"", "must be the integer"),
        Kind::Boolean => ("\"x\"", "must be true or false"),
        Kind::Text | Kind::Id | Kind::Ref(_) | Kind::Party => ("1", "must be a string"),
        Kind::RefList(_) | Kind::PartyList => ("1", "must be a list of ids"),
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
