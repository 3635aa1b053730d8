//! Diagnostics: errors and warnings located in the instance file.
//!
//! Every diagnostic carries a byte span into the source text (when it has one) and is
//! rendered as `file:line:col`, the offending source line and a caret, in the style of
//! rustc: lowercase message, ids in backticks, an optional `hint:`.

use std::fmt::Write as _;
use std::ops::Range;

/// How serious a diagnostic is. Errors stop the run; warnings are printed and the run goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in an instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// Byte range in the source file, when the problem has a location there.
    pub span: Option<Range<usize>>,
    /// Where the value came from when it was not the file (for example `--set KEY=VALUE`).
    pub origin: Option<String>,
    pub hint: Option<String>,
    /// Other places in the file that explain the problem, e.g. where a duplicated id was
    /// first defined. Rendered as `= note: MESSAGE at FILE:LINE:COL`.
    pub related: Vec<Related>,
}

/// A secondary location of a diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    /// What is at that place, e.g. "mine `penasquito` is first defined".
    pub message: String,
    pub span: Range<usize>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>, span: Option<Range<usize>>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            origin: None,
            hint: None,
            related: Vec::new(),
        }
    }

    pub fn warning(message: impl Into<String>, span: Option<Range<usize>>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message, span)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Add a secondary location (nothing is added when `span` is unknown).
    pub fn with_related(mut self, message: impl Into<String>, span: Option<Range<usize>>) -> Self {
        if let Some(span) = span {
            self.related.push(Related {
                message: message.into(),
                span,
            });
        }
        self
    }

    pub fn with_origin(mut self, origin: Option<String>) -> Self {
        self.origin = origin;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Line and column (both 1-based, column counted in characters) of the span start.
    pub fn line_col(&self, source: &str) -> Option<(usize, usize)> {
        self.span.as_ref().map(|s| line_col(source, s.start))
    }

    /// Render as a multi-line message naming `file:line:col`.
    pub fn render(&self, file: &str, source: &str) -> String {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = format!("{label}: {}\n", self.message);
        match &self.span {
            Some(span) => {
                let (line, col) = line_col(source, span.start);
                let _ = writeln!(out, "  --> {file}:{line}:{col}");
                if let Some(text) = source.lines().nth(line - 1) {
                    let gutter = line.to_string();
                    let pad = " ".repeat(gutter.len());
                    // A byte-order mark opens the file only: it is not shown (nor counted).
                    let text = if line == 1 {
                        text.strip_prefix('\u{feff}').unwrap_or(text)
                    } else {
                        text
                    };
                    let (shown, at, width) = excerpt(text, col, span_chars(source, span));
                    let _ = writeln!(out, "{pad} |");
                    let _ = writeln!(out, "{gutter} | {shown}");
                    let _ = writeln!(out, "{pad} | {}{}", " ".repeat(at), "^".repeat(width));
                }
            }
            None => {
                let _ = writeln!(out, "  --> {file}");
            }
        }
        if let Some(origin) = &self.origin {
            let _ = writeln!(out, "  = note: value set by {origin}");
        }
        for r in &self.related {
            let (line, col) = line_col(source, r.span.start);
            let _ = writeln!(out, "  = note: {} at {file}:{line}:{col}", r.message);
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "  = hint: {hint}");
        }
        out
    }
}

/// Characters a line's excerpt shows at most: a longer line is cut around the column.
const EXCERPT_CHARS: usize = 100;

/// How many characters the span covers (not bytes: a key of accented letters gets one caret
/// per letter).
fn span_chars(source: &str, span: &Range<usize>) -> usize {
    let start = floor_char_boundary(source, span.start.min(source.len()));
    let end = floor_char_boundary(source, span.end.min(source.len())).max(start);
    source[start..end].chars().count()
}

/// The text of a line to show (tabs as spaces so that the carets
/// line up, at most [`EXCERPT_CHARS`] around `col` with `...` where it was cut), the caret
/// column in it (from 0) and the carets' width.
fn excerpt(line_text: &str, col: usize, len: usize) -> (String, usize, usize) {
    let chars: Vec<char> = line_text.chars().map(|c| if c == '\t' { ' ' } else { c }).collect();
    let at = (col - 1).min(chars.len());
    let start = if chars.len() > EXCERPT_CHARS {
        at.saturating_sub(EXCERPT_CHARS / 2)
    } else {
        0
    };
    let end = (start + EXCERPT_CHARS).min(chars.len());
    let mut shown: String = if start > 0 { "...".into() } else { String::new() };
    let caret = shown.len() + at - start;
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown += "...";
    }
    let width = len.clamp(1, end.saturating_sub(at).max(1));
    (shown, caret, width)
}

/// 1-based line and character column of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    // A byte-order mark at the start of the file is not a column.
    let in_line = &before[line_start..];
    let in_line = if line_start == 0 {
        in_line.strip_prefix('\u{feff}').unwrap_or(in_line)
    } else {
        in_line
    };
    let col = in_line.chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The closest candidate to `name`, if it is close enough to be a plausible typo.
///
/// Candidates are ranked by edit distance (a swap of two neighbours counts as one edit, and
/// case is ignored), ties broken by Jaro-Winkler similarity, then by order.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(usize, f64, &'a str)> = None;
    for c in candidates {
        let other = c.to_ascii_lowercase();
        let score = strsim::jaro_winkler(&lower, &other);
        let dist = strsim::osa_distance(&lower, &other);
        let close = score >= 0.85 || dist <= 2.max(name.chars().count() / 4);
        let better = best.is_none_or(|(d, s, _)| dist < d || (dist == d && score > s));
        if close && better {
            best = Some((dist, score, c));
        }
    }
    best.map(|(_, _, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let src = "a = 1\nbb = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        assert_eq!(line_col(src, 11), (2, 6));
    }

    #[test]
    fn near_miss_is_suggested_and_far_names_are_not() {
        let ids = ["MX-ZAC", "US-TX", "CA-QC"];
        assert_eq!(did_you_mean("MX-ZAQ", ids), Some("MX-ZAC"));
        assert_eq!(did_you_mean("us-tx", ids), Some("US-TX"));
        assert_eq!(did_you_mean("completely_else", ids), None);
    }

    #[test]
    fn closest_by_edit_distance_wins_over_an_earlier_candidate() {
        // `CHN` is one edit from `CN` and two from `CA`, which comes first and scores the same
        // Jaro-Winkler similarity.
        assert_eq!(did_you_mean("CHN", ["US", "CA", "CN"]), Some("CN"));
        // A swap of two neighbours is one edit.
        assert_eq!(did_you_mean("usmac", ["usmca", "us"]), Some("usmca"));
        assert_eq!(did_you_mean("sliver", ["silver_ore", "silver"]), Some("silver"));
    }

    /// Whether the carets of `out` sit under `expected` on the line above them.
    fn carets_under(out: &str, expected: &str) -> bool {
        let lines: Vec<&str> = out.lines().collect();
        let k = lines.iter().position(|l| l.contains('^')).unwrap();
        let (text, marks) = (lines[k - 1], lines[k]);
        let from = marks.find('^').unwrap();
        let width = marks[from..].chars().take_while(|&c| c == '^').count();
        text.chars().skip(from).take(width).collect::<String>() == expected
    }

    #[test]
    fn excerpts_cut_long_lines_and_carets_count_characters() {
        // A 100,000-character line shows 100 characters around the column, not the line.
        let src = format!("x = [{}99999]\n", "1, ".repeat(30_000));
        let at = src.find("99999").unwrap();
        let out = Diagnostic::error("bad", Some(at..at + 5)).render("x.toml", &src);
        assert!(out.len() < 400, "{out}");
        assert!(out.contains("--> x.toml:1:90006"), "{out}");
        assert!(carets_under(&out, "99999"), "{out}");
        // One caret per character of an accented key, and a tab shown as a space.
        let src = "\tmétallé = 1\n";
        let out = Diagnostic::error("unknown key", Some(1..10)).render("x.toml", src);
        assert!(carets_under(&out, "métallé"), "{out}");
        // A byte-order mark is not a column.
        let src = "\u{feff}nme = 1\n";
        let out = Diagnostic::error("unknown key", Some(3..6)).render("x.toml", src);
        assert!(out.contains("--> x.toml:1:1"), "{out}");
        assert!(carets_under(&out, "nme"), "{out}");
        assert!(!out.contains('\u{feff}'), "{out}");
        // Only the file's first one: a stray mark later (the error itself) is a column.
        let src = "a = 1\nb\u{feff} = 2\n";
        assert_eq!(line_col(src, src.find('\u{feff}').unwrap()), (2, 2));
        let src = "\u{feff}\u{feff}a = 1\n";
        assert_eq!(line_col(src, 3), (1, 1));
    }

    #[test]
    fn render_names_file_line_col_and_caret() {
        let src = "[[mines]]\nregion = \"MX-ZAQ\"\n";
        let d = Diagnostic::error("unknown region `MX-ZAQ`", Some(19..27)).with_hint("did you mean `MX-ZAC`?");
        let out = d.render("x.toml", src);
        assert!(out.contains("--> x.toml:2:10"), "{out}");
        assert!(out.contains("^^^^^^^^"), "{out}");
        assert!(out.contains("hint: did you mean `MX-ZAC`?"), "{out}");
    }
}
