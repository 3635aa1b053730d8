//! Validation of origin tracking (model contract section 7).

use super::tests::errors;
use crate::instance::Basis;
use crate::load_str;

const BASE: &str = r#"[meta]
name = "origin"
origin_classes = ["usmca"]

[[blocs]]
id = "usmca"
countries = ["US", "MX", "CA"]
[[blocs]]
id = "north"
countries = ["US", "CA"]

[[countries]]
id = "US"
[[countries]]
id = "MX"
[[countries]]
id = "CA"
[[countries]]
id = "CN"

[[regions]]
id = "US-TX"
country = "US"
[[regions]]
id = "MX-SON"
country = "MX"

[[materials]]
id = "ore"
price = 100

[[mines]]
id = "sonora"
region = "MX-SON"
material = "ore"
capacity = 100
cost = 50

[[demands]]
region = "US-TX"
material = "ore"
quantity = 50

[[lanes]]
from = "MX-SON"
to = "US-TX"
cost = 10

[[tariffs]]
importer = "US"
exporter = "MX"
rate = 0.1

[[targets]]
id = "cap"
material = "ore"
scope = "usmca"
max_import_share = 0.5
"#;

fn with(old: &str, new: &str) -> String {
    assert!(BASE.contains(old), "`{old}` not in BASE");
    BASE.replacen(old, new, 1)
}

/// The line (1-based) of the first occurrence of `needle` in `src`.
fn line_with(src: &str, needle: &str) -> usize {
    src[..src.find(needle).expect("needle in source")].lines().count() + 1
}

#[test]
fn classes_are_the_first_listed_group_then_other() {
    let src = with("origin_classes = [\"usmca\"]", "origin_classes = [\"US\", \"usmca\"]");
    let inst = load_str(&src).instance.expect("valid");
    let o = inst.origin.as_ref().expect("tracked");
    assert_eq!(o.classes, ["US", "usmca", "other"]);
    // US, MX, CA, CN
    assert_eq!(o.class_of, [0, 1, 1, 2]);
    assert_eq!(inst.n_classes(), 3);
    // Without the key: one class, no tracking.
    let plain = load_str(&BASE.replace("origin_classes = [\"usmca\"]\n", ""))
        .instance
        .expect("valid");
    assert!(plain.origin.is_none());
    assert_eq!(plain.n_classes(), 1);
}

#[test]
fn other_and_duplicates_cannot_be_listed() {
    let e = errors(&with("[\"usmca\"]", "[\"usmca\", \"other\"]"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].message.contains("`other` cannot be listed"), "{}", e[0].message);
    let e = errors(&with("[\"usmca\"]", "[\"usmca\", \"usmca\"]"));
    assert!(e[0].message.contains("listed twice"), "{}", e[0].message);
    let e = errors(&with("[\"usmca\"]", "[\"usmcaa\"]"));
    assert!(e[0].message.contains("usmcaa"), "{}", e[0].message);
}

#[test]
fn a_tariff_origin_is_resolved_to_classes_and_outranks_one_without() {
    let src = format!("{BASE}\n[[tariffs]]\nimporter = \"US\"\nexporter = \"MX\"\norigin = \"usmca\"\nrate = 0\n");
    let inst = load_str(&src)
        .instance
        .expect("valid: a tariff with origin is more specific");
    assert_eq!(inst.tariffs[1].origin, Some(vec![0]));
    assert_eq!(inst.tariffs[1].id, "MX->US/*~usmca");
    let (us, mx) = (0, 1);
    // usmca-origin ore pays the waiver, other-origin ore the general duty.
    assert_eq!(inst.matching_tariff(mx, us, 0, 0), Some(1));
    assert_eq!(inst.matching_tariff(mx, us, 0, 1), Some(0));
}

#[test]
fn two_tariffs_with_overlapping_origins_are_ambiguous() {
    let extra = "\n[[tariffs]]\nid = \"a\"\nimporter = \"US\"\nexporter = \"MX\"\norigin = \"usmca\"\nrate = 0\n\
                 \n[[tariffs]]\nid = \"b\"\nimporter = \"US\"\nexporter = \"MX\"\norigin = [\"usmca\", \"CN\"]\nrate = 0.2\n";
    let e = errors(&format!("{BASE}{extra}"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].message.starts_with("ambiguous tariffs `a` and `b`"),
        "{}",
        e[0].message
    );
}

#[test]
fn an_origin_set_that_splits_a_class_names_the_class_and_the_entry_that_makes_it_whole() {
    let src = format!("{BASE}\n[[tariffs]]\nimporter = \"US\"\nexporter = \"MX\"\norigin = \"MX\"\nrate = 0\n");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    let msg = &e[0].message;
    assert!(msg.contains("splits origin class `usmca`"), "{msg}");
    assert!(msg.contains("holds MX but not US, CA"), "{msg}");
    let hint = e[0].hint.as_deref().unwrap_or_default();
    assert!(hint.contains("origin_classes = [\"MX\", \"usmca\"]"), "{hint}");
    assert_eq!(e[0].line_col(&src).unwrap().0, line_with(&src, "origin = \"MX\""));
    // A bloc that is exactly the inside part is suggested by name.
    let src = format!("{BASE}\n[[tariffs]]\nimporter = \"MX\"\nexporter = \"CN\"\norigin = \"north\"\nrate = 0\n");
    let hint = errors(&src)[0].hint.clone().unwrap_or_default();
    assert!(hint.contains("origin_classes = [\"north\", \"usmca\"]"), "{hint}");
}

#[test]
fn an_origin_basis_target_whose_sources_split_a_class_is_an_error() {
    // Scope US: the default sources (every other country) split `usmca`.
    let src = with(
        "scope = \"usmca\"\nmax_import_share",
        "scope = \"US\"\nbasis = \"origin\"\nmax_import_share",
    );
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].message
            .contains("origin-basis target `cap` splits origin class `usmca`"),
        "{}",
        e[0].message
    );
    // Sources that are whole classes are fine, and the basis is read.
    let src = with(
        "max_import_share = 0.5",
        "max_import_share = 0.5\nbasis = \"origin\"\nsources = \"CN\"",
    );
    let inst = load_str(&src).instance.expect("valid");
    assert_eq!(inst.targets[0].basis, Basis::Origin);
    assert_eq!(inst.source_classes(0), [false, true]);
}

#[test]
fn origin_keys_without_origin_classes_are_errors_naming_the_key() {
    let plain = BASE.replace("origin_classes = [\"usmca\"]\n", "");
    let src = format!("{plain}\n[[tariffs]]\nimporter = \"US\"\nexporter = \"MX\"\norigin = \"usmca\"\nrate = 0\n");
    let e = errors(&src);
    assert!(
        e[0].message
            .contains("the `origin` of tariff `MX->US/*~usmca` needs `origin_classes`"),
        "{}",
        e[0].message
    );
    let src = plain.replace("max_import_share = 0.5", "max_import_share = 0.5\nbasis = \"origin\"");
    let e = errors(&src);
    assert!(
        e[0].message
            .contains("`basis = \"origin\"` in target `cap` needs `origin_classes`"),
        "{}",
        e[0].message
    );
    assert_eq!(e[0].line_col(&src).unwrap().0, line_with(&src, "basis = \"origin\""));
}

#[test]
fn a_basis_other_than_crossing_or_origin_is_an_error() {
    let e = errors(&with(
        "max_import_share = 0.5",
        "max_import_share = 0.5\nbasis = \"mined\"",
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].message
            .contains("must be \"crossing\" or \"origin\", found \"mined\""),
        "{}",
        e[0].message
    );
}

#[test]
fn a_stockpiles_initial_origin_must_be_a_class() {
    let stock =
        "\n[[stockpiles]]\nid = \"reserve\"\nregion = \"US-TX\"\nmaterial = \"ore\"\ncapacity = 10\ninitial = 5\n";
    let inst = load_str(&format!("{BASE}{stock}")).instance.expect("valid");
    assert_eq!(
        inst.stockpiles[0].initial_origin, 0,
        "default: the class of the stockpile's country"
    );
    let inst = load_str(&format!("{BASE}{stock}initial_origin = \"other\"\n"))
        .instance
        .expect("valid");
    assert_eq!(inst.stockpiles[0].initial_origin, 1);
    let e = errors(&format!("{BASE}{stock}initial_origin = \"allied\"\n"));
    assert!(
        e[0].message.contains("unknown origin class `allied`"),
        "{}",
        e[0].message
    );
    assert!(e[0].hint.as_deref().unwrap_or_default().contains("`usmca`, `other`"));
}

#[test]
fn schema_1_with_origin_classes_is_an_error_naming_the_key() {
    let src = with("name = \"origin\"", "name = \"origin\"\nschema = 1");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].message.contains("`origin_classes` in `[meta]` is a schema-2 key"),
        "{}",
        e[0].message
    );
}

#[test]
fn an_empty_list_is_an_error_not_a_switch_that_turns_the_entry_off() {
    // A cap on imports from nowhere, a tariff on no origin, a lane for no material, a bloc of
    // no country would each apply to nothing without a word.
    for (old, new, key) in [
        (
            "max_import_share = 0.5",
            "max_import_share = 0.5\nsources = []",
            "`sources` in target `cap`",
        ),
        (
            "rate = 0.1",
            "rate = 0.1\norigin = []",
            "`origin` in tariff `MX->US/*~`",
        ),
        ("cost = 10", "cost = 10\nmaterials = []", "`materials` in lane"),
        (
            "countries = [\"US\", \"CA\"]",
            "countries = []",
            "`countries` in bloc `north`",
        ),
        (
            "max_import_share = 0.5",
            "max_import_share = 0.5\nbasis = \"origin\"\nsources = []",
            "`sources` in target `cap`",
        ),
    ] {
        let src = with(old, new);
        let e = errors(&src);
        assert_eq!(e.len(), 1, "one error, no follow-on: {e:?}");
        assert!(
            e[0].message.contains(key) && e[0].message.contains("is an empty list"),
            "{}",
            e[0].message
        );
        let line = src[..src.find("= []").unwrap()].matches('\n').count() + 1;
        assert_eq!(e[0].line_col(&src).unwrap().0, line);
        assert!(
            e[0].hint.as_deref().unwrap_or_default().contains("at least one"),
            "{e:?}"
        );
    }
}

#[test]
fn an_origin_classes_that_does_not_validate_is_the_only_error() {
    // Before, each key needing the classes also said to add them (they are there) and
    // suggested ids of another file.
    let src = format!(
        "{}\n[[tariffs]]\nimporter = \"US\"\nexporter = \"MX\"\norigin = \"usmca\"\nrate = 0\n",
        with("origin_classes = [\"usmca\"]", "origin_classes = [\"usmcaa\"]")
    );
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].message.contains("`usmcaa`"), "{}", e[0].message);
    // Without the classes, the example names this file's own blocs.
    let plain = BASE.replace("origin_classes = [\"usmca\"]\n", "");
    let src = plain.replace("max_import_share = 0.5", "max_import_share = 0.5\nbasis = \"origin\"");
    let hint = errors(&src)[0].hint.clone().unwrap_or_default();
    assert!(hint.contains("origin_classes = [\"usmca\", \"north\"]"), "{hint}");
}

#[test]
fn a_misspelt_key_is_one_error_not_a_duplicate_or_an_ambiguity_too() {
    // Read without its `origin`, the second tariff looks like the first: a duplicate id and
    // an ambiguous pair, both following from the typo.
    let src = format!("{BASE}\n[[tariffs]]\nimporter = \"US\"\nexporter = \"MX\"\norgin = \"usmca\"\nrate = 0\n");
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].message.contains("unknown key `orgin`"), "{}", e[0].message);
    assert_eq!(e[0].hint.as_deref(), Some("did you mean `origin`?"));
    // A real duplicate is still one.
    let src = format!("{BASE}\n[[tariffs]]\nimporter = \"US\"\nexporter = \"MX\"\nrate = 0\n");
    assert!(errors(&src).iter().any(|d| d.message.contains("duplicate tariff id")));
}
