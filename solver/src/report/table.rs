//! Plain-text and Markdown tables, shared by every renderer of the report and of the
//! what-if commands (`compare`, `stress`).
//!
//! Text: each cell is preceded by two spaces and padded to its column's width (in
//! characters), on the left or the right by the column's alignment; trailing spaces are
//! trimmed. Markdown: a header row, an alignment row (`---` or `---:`), then the rows with
//! `|` escaped in the cells.

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

    /// The table in Markdown (GitHub's pipe tables).
    pub fn markdown(&self, out: &mut String) {
        let _ = writeln!(out, "| {} |", self.header.join(" | "));
        let align: Vec<&str> = (0..self.header.len())
            .map(|i| match self.align(i) {
                Align::Left => "---",
                Align::Right => "---:",
            })
            .collect();
        let _ = writeln!(out, "| {} |", align.join(" | "));
        for r in &self.rows {
            let cells: Vec<String> = r.iter().map(|c| c.replace('|', "\\|")).collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn markdown_escapes_pipes_in_cells() {
        let mut t = Table::new(&["k", "v"], 1);
        t.push(vec!["a|b".into(), "2".into()]);
        let mut md = String::new();
        t.markdown(&mut md);
        assert!(md.ends_with("| a\\|b | 2 |\n"), "{md}");
    }
}
