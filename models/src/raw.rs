//! The instance as written: a tree of TOML values that keeps the source span of every key
//! and value, so that validation can point at the exact place of each problem and
//! overrides can replace a value while remembering where the new one came from.

use crate::diag::Diagnostic;
pub use crate::instance::SmolStr;
use std::ops::Range;
use toml_spanner::{ArrayStyle, ErrorKind, Item, Table, TableStyle, Value};

/// A TOML value with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct RawValue {
    pub kind: RawKind,
    pub span: Option<Range<usize>>,
    /// Set when the value was replaced by an override (`--set ...` or a scenario file).
    pub origin: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RawKind {
    /// Keys and strings are [`SmolStr`]: up to 23 bytes (every key and nearly every id of
    /// an instance) they are stored inline, so parsing a large instance does not allocate,
    /// and later free, one string per key and value.
    Str(SmolStr),
    Int(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<RawValue>),
    Table(RawTable),
    /// Dates and other TOML values the schema never uses.
    Other(&'static str),
}

impl RawKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            RawKind::Str(_) => "a string",
            RawKind::Int(_) => "an integer",
            RawKind::Float(_) => "a number",
            RawKind::Bool(_) => "a boolean",
            RawKind::Array(_) => "an array",
            RawKind::Table(_) => "a table",
            RawKind::Other(k) => k,
        }
    }
}

/// One entry of a table, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct RawField {
    pub key: SmolStr,
    pub key_span: Option<Range<usize>>,
    pub value: RawValue,
}

/// A table: its fields in file order and the span of its header (or braces).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawTable {
    pub fields: Vec<RawField>,
    pub span: Option<Range<usize>>,
}

impl RawTable {
    pub fn get(&self, key: &str) -> Option<&RawField> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut RawField> {
        self.fields.iter_mut().find(|f| f.key == key)
    }
}

/// Parse TOML text into the raw tree. A syntax error is returned as one located diagnostic.
///
/// The parser is toml-spanner: a span-preserving TOML 1.1 parser that passes the official
/// test suite and parses the 1.7 MB instance of 100k variables in 7 ms, where toml_edit
/// (which also keeps every space and comment for editing, which we never do) took 54 ms.
pub fn parse(source: &str) -> Result<RawTable, Box<Diagnostic>> {
    let arena = toml_spanner::Arena::new();
    let doc = toml_spanner::parse(source, &arena).map_err(|e| {
        let msg = e
            .message(source)
            .lines()
            .map(|l| l.trim().trim_end_matches('.'))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        let clamp = |s: toml_spanner::Span| {
            let r = s.range();
            Some(r.start.min(source.len())..r.end.min(source.len()))
        };
        // toml-spanner words its nesting limit as an out-of-range value.
        let msg = match msg.strip_prefix("value out of range for Max recursion depth exceeded") {
            Some(_) => "tables or arrays nested more than 256 levels deep".to_string(),
            None => msg,
        };
        let d = Diagnostic::error(format!("invalid TOML: {msg}"), clamp(e.span()));
        // The structural mistakes point back at what they clash with, and say what to do.
        Box::new(match e.kind() {
            ErrorKind::DuplicateKey { first } => d
                .with_related("the key is first set", clamp(first))
                .with_hint("a key is set once per table: keep one of the two lines"),
            ErrorKind::DuplicateTable { first, .. } => d
                .with_related("the table is first defined", clamp(first))
                .with_hint("a `[table]` is defined once: merge the two (entries of a list are written `[[name]]`)"),
            ErrorKind::RedefineAsArray { first } => {
                d.with_related("the table is first defined", clamp(first)).with_hint(
                    "a name is either one `[table]` or a list of `[[entries]]`: write `[[name]]` for every entry",
                )
            }
            ErrorKind::DottedKeyInvalidType { first } => d
                .with_related("the key first holds a value", clamp(first))
                .with_hint("a dotted key extends a table, and this key holds a value: rename one of the two"),
            _ if source.trim_start().starts_with('{') => d.with_hint(
                "this file looks like JSON (a report?): instances are TOML files such as `instances/usmca_critical_minerals.toml`",
            ),
            _ => d,
        })
    })?;
    let mut table = convert_table(source, doc.table(), 0)?;
    table.span = None;
    Ok(table)
}

fn range(span: toml_spanner::Span) -> Option<Range<usize>> {
    Some(span.range())
}

/// How deep tables and arrays may nest. An instance needs 4 levels (`[[mines]]`, its
/// `expansion`, a series in it); toml-spanner caps inline nesting at 256, but a dotted key of
/// thousands of parts nests as deep as it has parts, and converting it would overflow the stack.
const MAX_DEPTH: usize = 64;

fn convert_table(source: &str, table: &Table<'_>, depth: usize) -> Result<RawTable, Box<Diagnostic>> {
    let mut fields = Vec::with_capacity(table.len());
    for (key, item) in table.iter().map(|e| (&e.0, &e.1)) {
        let key_span = range(key.span);
        if depth >= MAX_DEPTH {
            return Err(Box::new(
                Diagnostic::error(
                    format!("invalid TOML: tables nested more than {MAX_DEPTH} levels deep"),
                    key_span,
                )
                .with_hint(
                    "an instance nests at most a few levels: shorten the dotted key (`a.b.c = 1` nests three tables)",
                ),
            ));
        }
        let value = convert_item(source, item, depth + 1)?;
        fields.push(RawField {
            key: SmolStr::new(key.name),
            value: located(value, &key_span),
            key_span,
        });
    }
    // A `[header]` table's span runs to its last value: keep the header, which is what a
    // diagnostic about the table points at. Tables made by dotted keys or implied by a
    // header have no text of their own (`located` points at their key).
    let span = match table.style() {
        TableStyle::Header => range(table.span().extract_header_span(source.as_bytes())),
        TableStyle::Inline => range(table.span()),
        TableStyle::Dotted | TableStyle::Implicit => None,
    };
    Ok(RawTable { fields, span })
}

fn convert_item(source: &str, item: &Item<'_>, depth: usize) -> Result<RawValue, Box<Diagnostic>> {
    let span = range(item.span());
    let kind = match item.value() {
        Value::String(s) => RawKind::Str(SmolStr::new(s)),
        Value::Integer(i) => match i.as_i64() {
            Some(v) => RawKind::Int(v),
            None => {
                return Err(Box::new(Diagnostic::error(
                    "invalid TOML: integer out of range (at most 9223372036854775807 in size); \
                     write a float instead",
                    span,
                )))
            }
        },
        Value::Float(f) => RawKind::Float(*f),
        Value::Boolean(b) => RawKind::Bool(*b),
        Value::DateTime(_) => RawKind::Other("a date"),
        Value::Array(a) => {
            let items = a
                .iter()
                .map(|v| convert_item(source, v, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            // An array of `[[tables]]` is not one piece of text: it is located at its key.
            let span = match a.style() {
                ArrayStyle::Header => None,
                ArrayStyle::Inline => span,
            };
            return Ok(RawValue {
                kind: RawKind::Array(items),
                span,
                origin: None,
            });
        }
        Value::Table(t) => {
            let table = convert_table(source, t, depth)?;
            return Ok(RawValue {
                span: table.span.clone(),
                kind: RawKind::Table(table),
                origin: None,
            });
        }
    };
    Ok(RawValue {
        kind,
        span,
        origin: None,
    })
}

/// Tables made by dotted keys (`expansion.max = 5`, `{ a.b = 1 }`) or implied by a header
/// (`[meta]` in `[meta.extra]`) have no span of their own: point at the key that names them,
/// so that every diagnostic about them is located.
fn located(mut value: RawValue, key_span: &Option<Range<usize>>) -> RawValue {
    if value.span.is_none() {
        value.span = key_span.clone();
    }
    if let RawKind::Table(t) = &mut value.kind {
        if t.span.is_none() {
            t.span = key_span.clone();
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_spans_of_keys_and_values() {
        let src = "[[mines]]\nid = \"a\"\ncapacity = 5\n";
        let raw = parse(src).unwrap();
        let mines = raw.get("mines").unwrap();
        let RawKind::Array(items) = &mines.value.kind else {
            panic!("not an array")
        };
        let RawKind::Table(t) = &items[0].kind else {
            panic!("not a table")
        };
        let cap = t.get("capacity").unwrap();
        assert_eq!(&src[cap.key_span.clone().unwrap()], "capacity");
        assert_eq!(&src[cap.value.span.clone().unwrap()], "5");
    }

    #[test]
    fn syntax_error_is_located() {
        let err = parse("a = \n").unwrap_err();
        assert!(err.span.is_some());
        assert!(err.message.starts_with("invalid TOML"));
    }

    #[test]
    fn tables_are_located_at_their_header_and_arrays_of_tables_at_their_key() {
        let src = "[meta]\nname = \"x\"\n\n[[mines]]\nid = \"a\"\nexpansion.max = 5\n";
        let raw = parse(src).unwrap();
        let meta = raw.get("meta").unwrap();
        assert_eq!(&src[meta.value.span.clone().unwrap()], "[meta]");
        let mines = raw.get("mines").unwrap();
        assert_eq!(&src[mines.value.span.clone().unwrap()], "mines");
        let RawKind::Array(items) = &mines.value.kind else {
            panic!("not an array")
        };
        assert_eq!(&src[items[0].span.clone().unwrap()], "[[mines]]");
        let RawKind::Table(t) = &items[0].kind else {
            panic!("not a table")
        };
        // A table made by a dotted key is located at the key.
        let exp = t.get("expansion").unwrap();
        assert_eq!(&src[exp.value.span.clone().unwrap()], "expansion");
    }

    #[test]
    fn an_integer_beyond_64_bits_is_a_located_error() {
        let src = "[meta]\nq = 99999999999999999999\n";
        let err = parse(src).unwrap_err();
        assert_eq!(&src[err.span.clone().unwrap()], "99999999999999999999");
        assert!(err.message.contains("integer out of range"), "{}", err.message);
    }

    #[test]
    fn a_dotted_key_of_thousands_of_parts_is_a_located_error_not_a_stack_overflow() {
        // 20,000 parts overflowed the main thread's 8 MB stack; tests run on 2 MB.
        let src = format!("[meta]\nname = \"x\"\n{} = 1\n", vec!["a"; 20_000].join("."));
        let err = parse(&src).unwrap_err();
        assert!(err.message.contains("nested more than 64 levels"), "{}", err.message);
        let at = err.span.clone().unwrap().start;
        assert_eq!(crate::diag::line_col(&src, at).0, 3);
        // Inline nesting beyond toml-spanner's limit is worded as such.
        let src = format!("q = {}{}\n", "[".repeat(300), "]".repeat(300));
        let err = parse(&src).unwrap_err();
        assert_eq!(
            err.message,
            "invalid TOML: tables or arrays nested more than 256 levels deep"
        );
        // A JSON file (a report given to `solve`) says so.
        let err = parse("{\n  \"schema\": \"sourcing-opt/report/1\"\n}\n").unwrap_err();
        assert!(
            err.hint.as_deref().unwrap().starts_with("this file looks like JSON"),
            "{err:?}"
        );
        // The shipped depth (a series in an expansion of a list entry) still parses.
        let ok = "[[mines]]\nid = \"m\"\nexpansion.cost = { 2025 = 1.0 }\n";
        assert!(parse(ok).is_ok());
    }
}
