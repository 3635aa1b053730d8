//! Plain-text and Markdown tables, shared by every renderer of the report and of the
//! what-if commands (`compare`, `stress`).
//!
//! Text: each cell is preceded by two spaces and padded to its column's width (in
//! characters), on the left or the right by the column's alignment; trailing spaces are
//! trimmed. Markdown: a header row, an alignment row (`---` or `---:`), then the rows with
//! each cell trimmed and `|` escaped in it.

use std::fmt::Write as _;

/// How the cells of a column sit in its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A header row and rows of cells, with one alignment per column.
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table whose first `left` columns are aligned left, the others right.
    pub fn new(header: &[&str], left: usize) -> Self {
        let align = (0..header.len())
            .map(|i| if i < left { Align::Left } else { Align::Right })
            .collect();
        Table::with_align(header, align)
    }

    /// A table with the alignment of each column given.
    pub fn with_align(header: &[&str], align: Vec<Align>) -> Self {
        debug_assert_eq!(header.len(), align.len());
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            align,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The header's cells.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The rows' cells.
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// Whether column `i` is aligned left.
    pub fn is_left(&self, i: usize) -> bool {
        self.align(i) == Align::Left
    }

    fn align(&self, i: usize) -> Align {
        self.align.get(i).copied().unwrap_or(Align::Right)
    }

    /// The table as aligned plain text, one line per row after the header.
    pub fn text(&self, out: &mut String) {
        let mut w = vec![0; self.header.len()];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate() {
                if i >= w.len() {
                    w.resize(i + 1, 0);
                }
                w[i] = w[i].max(c.chars().count());
            }
        }
        for r in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, c) in r.iter().enumerate() {
                let pad = w[i] - c.chars().count();
                line.push_str("  ");
                match self.align(i) {
                    Align::Left => {
                        line.push_str(c);
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                    Align::Right => {
                        line.extend(std::iter::repeat_n(' ', pad));
                        line.push_str(c);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }

    /// The table in Markdown (GitHub's pipe tables). A column blank in the header and every
    /// row (a spacer of the text layout) is left out: Markdown would show it as an empty column.
    pub fn markdown(&self, out: &mut String) {
        let keep: Vec<usize> = (0..self.header.len())
            .filter(|&i| {
                !self.header[i].is_empty() || self.rows.iter().any(|r| r.get(i).is_some_and(|c| !c.is_empty()))
            })
            .collect();
        let pick = |r: &[String]| -> Vec<String> {
            keep.iter()
                .map(|&i| r.get(i).map_or(String::new(), |c| c.trim().replace('|', "\\|")))
                .collect()
        };
        let _ = writeln!(out, "| {} |", pick(&self.header).join(" | "));
        let align: Vec<&str> = keep
            .iter()
            .map(|&i| match self.align(i) {
                Align::Left => "---",
                Align::Right => "---:",
            })
            .collect();
        let _ = writeln!(out, "| {} |", align.join(" | "));
        for r in &self.rows {
            let _ = writeln!(out, "| {} |", pick(r).join(" | "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spacer column of the text layout (blank header and cells) is not a Markdown column.
    #[test]
    fn markdown_leaves_out_a_blank_spacer_column() {
        let mut t = Table::new(&["category", "", "USD/yr"], 2);
        t.push(vec!["mining".into(), String::new(), "10".into()]);
        let mut md = String::new();
        t.markdown(&mut md);
        assert_eq!(md, "| category | USD/yr |\n| --- | ---: |\n| mining | 10 |\n");
    }

    #[test]
    fn text_pads_by_alignment_and_trims_the_line() {
        let mut t = Table::with_align(&["a", "bb", "c"], vec![Align::Left, Align::Right, Align::Left]);
        t.push(vec!["xyz".into(), "1".into(), "é".into()]);
        let mut out = String::new();
        t.text(&mut out);
        assert_eq!(out, "  a    bb  c\n  xyz   1  é\n");
        let mut md = String::new();
        t.markdown(&mut md);
        assert_eq!(md, "| a | bb | c |\n| --- | ---: | --- |\n| xyz | 1 | é |\n");
    }

    /// Padding a text cell carries for alignment (`"5%  "` beside `"5% *"`) is not part of the
    /// Markdown cell.
    #[test]
    fn markdown_trims_the_cells() {
        let mut t = Table::new(&["k", "v"], 1);
        t.push(vec!["a".into(), "5% *".into()]);
        t.push(vec!["b".into(), "5%  ".into()]);
        let mut md = String::new();
        t.markdown(&mut md);
        assert!(md.ends_with("| a | 5% * |\n| b | 5% |\n"), "{md}");
        let mut text = String::new();
        t.text(&mut text);
        assert!(text.ends_with("  a  5% *\n  b  5%\n"), "{text}");
    }

    #[test]
    fn markdown_escapes_pipes_in_cells() {
        let mut t = Table::new(&["k", "v"], 1);
        t.push(vec!["a|b".into(), "2".into()]);
        let mut md = String::new();
        t.markdown(&mut md);
        assert!(md.ends_with("| a\\|b | 2 |\n"), "{md}");
    }
}
