//! The one CSV writer of the report and of the what-if commands (RFC 4180): fields separated
//! by commas, records ended by `\n`; a field that contains a comma, a double quote, a line
//! feed or a carriage return is enclosed in double quotes, with its quotes doubled.

use std::borrow::Cow;

/// One field, quoted when it must be (borrowed as it is otherwise).
pub fn field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

/// Append one record: the fields, each quoted when it must be, then `\n`.
pub fn write_record<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&field(f));
    }
    out.push('\n');
}

/// Read CSV text back into records (quoted fields may hold separators and line breaks); for
/// tests, which panic on text that is not CSV.
#[cfg(test)]
pub(crate) fn parse(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut f = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                f.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => f.push(c),
            (false, '"') if f.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut f)),
            (false, '\n') => {
                record.push(std::mem::take(&mut f));
                records.push(std::mem::take(&mut record));
            }
            (false, '\r') => panic!(
                "a bare carriage return outside quotes breaks record {}",
                records.len() + 1
            ),
            (false, c) => f.push(c),
        }
    }
    assert!(!quoted, "an unterminated quoted field");
    assert!(f.is_empty() && record.is_empty(), "a record without its line end");
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_separators_quotes_and_line_breaks_read_back() {
        let rows = [
            vec!["plain", "a,b", "say \"hi\"", "two\nlines"],
            vec!["a\rb", "\r\n", "", "\""],
        ];
        let mut out = String::new();
        for r in &rows {
            write_record(&mut out, r.iter().copied());
        }
        let back = parse(&out);
        assert_eq!(back, rows.map(|r| r.iter().map(|s| s.to_string()).collect::<Vec<_>>()));
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a\rb"), "\"a\rb\"");
        assert_eq!(field("q\""), "\"q\"\"\"");
    }
}
