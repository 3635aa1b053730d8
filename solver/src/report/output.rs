//! Every format of the report, one entry point: text, Markdown and CSV ([`super::render`]),
//! JSON (serialised as it is written) and HTML ([`super::html`]).

use super::render::{json_to, plain, Detail, Format};
use super::schema::Report;

pub fn render(report: &Report, format: Format, detail: Detail) -> String {
    match format {
        Format::Json => {
            let mut out = Vec::new();
            json_to(report, &mut out).expect("writing to memory does not fail");
            String::from_utf8(out).expect("serde_json writes UTF-8")
        }
        Format::Html => super::html::report(report, detail),
        other => plain(report, other, detail),
    }
}

/// [`render`] straight into `w`: a JSON report is serialised as it is written (25 MB at 100k
/// variables) instead of being built as one string first.
pub fn render_to(report: &Report, format: Format, detail: Detail, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        Format::Json => json_to(report, w),
        other => w.write_all(render(report, other, detail).as_bytes()),
    }
}
