//! The report: one serde struct (`sourcing-opt/report/1`, the JSON contract of `cli.md`,
//! in [`schema`]) built from a checked solution ([`build`]; its supply concentration by
//! country in [`concentration`]), and renderers for text, JSON,
//! CSV and Markdown ([`render`]), with the table and CSV writers the what-if renderers share
//! ([`table`], [`csv`]), and SVG line charts ([`chart`]).

mod build;
pub mod chart;
pub mod concentration;
pub mod csv;
mod origin;
mod render;
mod schema;
pub mod table;

pub use build::build;
pub use render::{num, render, render_to, Format};
pub use schema::*;
