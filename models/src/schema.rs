//! The schema of an instance file: its collections, and for each table its keys, what each
//! key holds and whether it is required.
//!
//! Validation checks every table's keys against it, and overrides (`--set`, scenario files)
//! find and type-check their fields in it, so a key added here is known to both.

use crate::raw::{RawKind, RawTable};

/// What the value of a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A finite number.
    Number,
    /// A finite number, or a time series `{ YEAR = number, ... }` (model contract section 5).
    Series,
    /// A list of integer years (`meta.periods`).
    Years,
    /// A whole number (`year` and `schema` in `[meta]`).
    Integer,
    /// `true` or `false`.
    Boolean,
    /// Free text (`name`, `mode`, ...).
    Text,
    /// The entry's own id.
    Id,
    /// The id of an entry of the named collection.
    Ref(&'static str),
    /// The id of a country or of a bloc.
    Party,
    /// One id, or a list of ids, of the named collection.
    RefList(&'static str),
    /// One id, or a list of ids, of countries or blocs.
    PartyList,
    /// A sub-table with a schema of its own (`expansion`), named by its key.
    SubTable,
    /// A table of `material = rate` (`royalty_by_material`).
    RateByMaterial,
}

/// One key of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub kind: Kind,
    pub required: bool,
}

/// One table of the file: `[meta]`, a collection, or a sub-table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    pub fields: &'static [Field],
}

const fn req(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        required: true,
    }
}

const fn opt(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        required: false,
    }
}

use Kind::*;

/// The `[meta]` table.
pub const META: Table = Table {
    name: "meta",
    fields: &[
        req("name", Text),
        opt("description", Text),
        opt("currency", Text),
        opt("year", Integer),
        opt("schema", Integer),
        opt("carrying_rate", Number),
        opt("periods", Years),
        opt("discount_rate", Number),
        opt("origin_classes", PartyList),
    ],
};

/// The sub-tables, named by the key that holds them.
pub const SUB_TABLES: [Table; 1] = [Table {
    name: "expansion",
    fields: &[req("max", Number), req("cost", Number), opt("lead_time", Number)],
}];

/// The collections (arrays of tables) of an instance file, in file-format order.
pub const SCHEMA: [Table; 13] = [
    Table {
        name: "blocs",
        fields: &[req("id", Id), req("countries", RefList("countries")), opt("name", Text)],
    },
    Table {
        name: "countries",
        fields: &[req("id", Id), opt("name", Text), opt("tax_regime", Ref("tax_regimes"))],
    },
    Table {
        name: "regions",
        fields: &[req("id", Id), req("country", Ref("countries")), opt("name", Text)],
    },
    Table {
        name: "materials",
        fields: &[req("id", Id), req("price", Series), opt("name", Text)],
    },
    Table {
        name: "tax_regimes",
        fields: &[
            req("id", Id),
            opt("royalty_rate", Series),
            opt("fee_per_t", Series),
            opt("income_tax_rate", Series),
            opt("royalty_by_material", RateByMaterial),
        ],
    },
    Table {
        name: "mines",
        fields: &[
            req("id", Id),
            req("region", Ref("regions")),
            req("material", Ref("materials")),
            req("capacity", Series),
            req("cost", Series),
            opt("name", Text),
            opt("expansion", SubTable),
        ],
    },
    Table {
        name: "plants",
        fields: &[
            req("id", Id),
            req("region", Ref("regions")),
            req("input", Ref("materials")),
            req("output", Ref("materials")),
            req("yield", Number),
            req("capacity", Series),
            req("cost", Series),
            opt("name", Text),
            opt("expansion", SubTable),
        ],
    },
    Table {
        name: "imports",
        fields: &[
            req("id", Id),
            req("region", Ref("regions")),
            req("material", Ref("materials")),
            req("price", Series),
            opt("origin", Ref("countries")),
            opt("capacity", Series),
        ],
    },
    Table {
        name: "demands",
        fields: &[
            req("region", Ref("regions")),
            req("material", Ref("materials")),
            req("quantity", Series),
            opt("id", Id),
            opt("unmet_penalty", Series),
        ],
    },
    Table {
        name: "lanes",
        fields: &[
            req("from", Ref("regions")),
            req("to", Ref("regions")),
            req("cost", Series),
            opt("id", Id),
            opt("mode", Text),
            opt("days", Number),
            opt("capacity", Series),
            opt("materials", RefList("materials")),
            opt("bidirectional", Boolean),
        ],
    },
    Table {
        name: "tariffs",
        fields: &[
            req("importer", Ref("countries")),
            req("exporter", Party),
            req("rate", Series),
            opt("id", Id),
            // A material id, or `*` for every material.
            opt("material", Ref("materials")),
            // Origin classes whose shipments pay it (model contract section 7).
            opt("origin", PartyList),
        ],
    },
    Table {
        name: "targets",
        fields: &[
            req("id", Id),
            req("material", Ref("materials")),
            req("scope", Party),
            req("max_import_share", Series),
            opt("sources", PartyList),
            opt("name", Text),
            opt("basis", Text),
        ],
    },
    Table {
        name: "stockpiles",
        fields: &[
            req("id", Id),
            req("region", Ref("regions")),
            req("material", Ref("materials")),
            req("capacity", Number),
            opt("initial", Number),
            opt("holding_cost", Number),
            opt("min_level", Series),
            opt("min_final", Number),
            opt("name", Text),
            opt("initial_origin", Text),
        ],
    },
];

/// The names of the collections, in file-format order.
pub const COLLECTIONS: [&str; SCHEMA.len()] = {
    let mut names = [""; SCHEMA.len()];
    let mut i = 0;
    while i < SCHEMA.len() {
        names[i] = SCHEMA[i].name;
        i += 1;
    }
    names
};

/// The keys of a table (`meta`, a collection or a sub-table); none for an unknown name.
pub fn fields(table: &str) -> &'static [Field] {
    std::iter::once(&META)
        .chain(&SCHEMA)
        .chain(&SUB_TABLES)
        .find(|t| t.name == table)
        .map_or(&[], |t| t.fields)
}

/// The keys of a table: the required ones, then the optional ones, each in schema order.
pub fn ordered(table: &str) -> impl Iterator<Item = &'static Field> + Clone {
    let fields = fields(table);
    let required = fields.iter().filter(|f| f.required);
    required.chain(fields.iter().filter(|f| !f.required))
}

/// The names of the keys a table allows: the required ones, then the optional ones.
pub fn allowed(table: &str) -> impl Iterator<Item = &'static str> + Clone {
    ordered(table).map(|f| f.key)
}

/// The names of the required keys of a table, in schema order.
pub fn required(table: &str) -> impl Iterator<Item = &'static str> + Clone {
    fields(table).iter().filter(|f| f.required).map(|f| f.key)
}

/// The id of an entry written without `id`: `REGION/MATERIAL` for demands, `FROM->TO/MODE`
/// for lanes (mode `road` when left out), `EXPORTER->IMPORTER/MATERIAL` for tariffs
/// (material `*` when left out; `~ORIGIN` appended for a tariff with an `origin`, the ids
/// of a list joined by `+`); `None` for the other collections.
///
/// Validation (labels, duplicate ids, the ids of the instance) and the override matcher
/// both use it, so they always agree on the id of an entry. A key that is present but not
/// a string (`mode = 5`, already a type error of validation) gives no default id: it is not
/// taken for the default `road` or `*`, and the entry is named by its position instead.
pub fn default_id(collection: &str, entry: &RawTable) -> Option<String> {
    let text = |key: &str| match entry.get(key).map(|f| &f.value.kind) {
        Some(RawKind::Str(v)) => Some(v.as_str()),
        _ => None,
    };
    // An optional part: its default when left out, nothing when not a string.
    let part = |key: &str, default: &'static str| match entry.get(key) {
        None => Some(default),
        Some(_) => text(key),
    };
    match collection {
        "demands" => Some(format!("{}/{}", text("region")?, text("material")?)),
        "lanes" => Some(format!("{}->{}/{}", text("from")?, text("to")?, part("mode", "road")?)),
        "tariffs" => {
            let base = format!(
                "{}->{}/{}",
                text("exporter")?,
                text("importer")?,
                part("material", "*")?
            );
            // A tariff limited to an origin (schema 2) is told apart by it: `MX->US/*~usmca`.
            match entry.get("origin").map(|f| &f.value.kind) {
                None => Some(base),
                Some(RawKind::Str(o)) => Some(format!("{base}~{o}")),
                Some(RawKind::Array(items)) => {
                    let parts: Option<Vec<&str>> = items
                        .iter()
                        .map(|i| match &i.kind {
                            RawKind::Str(s) => Some(s.as_str()),
                            _ => None,
                        })
                        .collect();
                    Some(format!("{base}~{}", parts?.join("+")))
                }
                Some(_) => None,
            }
        }
        _ => None,
    }
}
