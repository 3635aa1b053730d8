//! The report: one serde struct (`sourcing-opt/report/1`, the JSON contract of `cli.md`,
//! in [`schema`]) built from a checked solution ([`build`]; its supply concentration by
//! country in [`concentration`]), and renderers for text, JSON,
//! CSV, Markdown and HTML ([`render`], [`html`]), each led by a summary ([`summary`]), with the table and CSV writers the what-if renderers share
//! ([`table`], [`csv`]), and SVG line charts ([`chart`]).

mod build;
pub mod chart;
pub mod concentration;
pub mod csv;
mod escape;
mod flow;
mod glossary;
pub mod html;
mod number;
mod origin;
mod output;
mod render;
mod schema;
pub mod summary;
mod summary_text;
pub mod table;

pub use build::build;
pub use number::num;
pub use output::{render, render_to};
pub use render::{Detail, Format};
pub use schema::*;
