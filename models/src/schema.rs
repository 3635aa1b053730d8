//! The schema of an instance file: its collections and the keys of each table.

/// The collections of an instance file, in file-format order.
pub const COLLECTIONS: [&str; 12] = [
    "blocs",
    "countries",
    "regions",
    "materials",
    "tax_regimes",
    "mines",
    "plants",
    "imports",
    "demands",
    "lanes",
    "tariffs",
    "targets",
];

/// Allowed keys of each table: (required, optional).
pub fn schema(collection: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match collection {
        "meta" => (&["name"], &["description", "currency", "year", "schema"]),
        "blocs" => (&["id", "countries"], &["name"]),
        "countries" => (&["id"], &["name", "tax_regime"]),
        "regions" => (&["id", "country"], &["name"]),
        "materials" => (&["id", "price"], &["name"]),
        "tax_regimes" => (
            &["id"],
            &["royalty_rate", "fee_per_t", "income_tax_rate", "royalty_by_material"],
        ),
        "mines" => (
            &["id", "region", "material", "capacity", "cost"],
            &["name", "expansion"],
        ),
        "plants" => (
            &["id", "region", "input", "output", "yield", "capacity", "cost"],
            &["name", "expansion"],
        ),
        "imports" => (&["id", "region", "material", "price"], &["origin", "capacity"]),
        "demands" => (&["region", "material", "quantity"], &["id", "unmet_penalty"]),
        "lanes" => (
            &["from", "to", "cost"],
            &["id", "mode", "days", "capacity", "materials", "bidirectional"],
        ),
        "tariffs" => (&["importer", "exporter", "rate"], &["id", "material"]),
        "targets" => (&["id", "material", "scope", "max_import_share"], &["sources", "name"]),
        "expansion" => (&["max", "cost"], &[]),
        _ => (&[], &[]),
    }
}
