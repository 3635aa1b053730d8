//! The domain of sourcing-opt: the instance schema, its parsing and its validation.
//!
//! This crate knows nothing about linear programming. It turns the text of an instance
//! file into a validated [`Instance`] or a list of located [`Diagnostic`]s.
//!
//! ```
//! let src = r#"
//! [meta]
//! name = "tiny"
//! [[countries]]
//! id = "US"
//! [[regions]]
//! id = "US-TX"
//! country = "US"
//! [[materials]]
//! id = "silver"
//! price = 900000
//! [[mines]]
//! id = "m"
//! region = "US-TX"
//! material = "silver"
//! capacity = 10
//! cost = 100
//! [[demands]]
//! region = "US-TX"
//! material = "silver"
//! quantity = 5
//! "#;
//! let loaded = sourcing_models::load_str(src);
//! let inst = loaded.instance.expect("valid");
//! assert_eq!(inst.demands[0].id, "US-TX/silver");
//! ```

pub mod diag;
pub mod instance;
pub mod overrides;
pub mod raw;
pub mod schema;
pub mod validate;

pub use diag::{Diagnostic, Severity};
pub use instance::*;
pub use schema::default_id;
pub use validate::Validated;

/// Parse and validate instance text.
pub fn load_str(source: &str) -> Validated {
    match raw::parse(source) {
        Ok(raw) => validate::validate(&raw),
        Err(d) => Validated {
            instance: None,
            diagnostics: vec![*d],
        },
    }
}
