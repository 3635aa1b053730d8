//! The report: one serde struct (`sourcing-opt/report/1`, the JSON contract of `cli.md`,
//! in [`schema`]) built from a checked solution ([`build`]), and renderers for text, JSON,
//! CSV and Markdown ([`render`]).

mod build;
mod render;
mod schema;

pub use build::build;
pub use render::{num, render, render_to, Format};
pub use schema::*;
