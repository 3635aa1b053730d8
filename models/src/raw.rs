//! The instance as written: a tree of TOML values that keeps the source span of every key
//! and value, so that validation can point at the exact place of each problem and
//! overrides can replace a value while remembering where the new one came from.

use crate::diag::Diagnostic;
use std::ops::Range;
use toml_edit::{ImDocument, Item, Table, Value};

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
    Str(String),
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
    pub key: String,
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
pub fn parse(source: &str) -> Result<RawTable, Box<Diagnostic>> {
    let doc = ImDocument::parse(source).map_err(|e| {
        // toml_edit's messages can span lines ("invalid string\nexpected `\"`"); a
        // diagnostic's message is one line.
        let msg = e
            .message()
            .lines()
            .map(|l| l.trim().trim_end_matches('.'))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        let span = e.span().map(|s| s.start.min(source.len())..s.end.min(source.len()));
        Box::new(Diagnostic::error(format!("invalid TOML: {msg}"), span.or(Some(0..0))))
    })?;
    Ok(convert_table(doc.as_table()))
}

fn convert_table(table: &Table) -> RawTable {
    let fields = table
        .iter()
        .filter_map(|(key, item)| {
            let key_span = table.key(key).and_then(|k| k.span());
            convert_item(item).map(|value| RawField {
                key: key.to_string(),
                value: located(value, &key_span),
                key_span,
            })
        })
        .collect();
    RawTable {
        fields,
        span: table.span(),
    }
}

fn convert_item(item: &Item) -> Option<RawValue> {
    match item {
        Item::None => None,
        Item::Value(v) => Some(convert_value(v)),
        Item::Table(t) => Some(RawValue {
            span: t.span(),
            kind: RawKind::Table(convert_table(t)),
            origin: None,
        }),
        Item::ArrayOfTables(a) => Some(RawValue {
            span: a.span(),
            kind: RawKind::Array(
                a.iter()
                    .map(|t| RawValue {
                        span: t.span(),
                        kind: RawKind::Table(convert_table(t)),
                        origin: None,
                    })
                    .collect(),
            ),
            origin: None,
        }),
    }
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

fn convert_value(v: &Value) -> RawValue {
    let kind = match v {
        Value::String(s) => RawKind::Str(s.value().clone()),
        Value::Integer(i) => RawKind::Int(*i.value()),
        Value::Float(f) => RawKind::Float(*f.value()),
        Value::Boolean(b) => RawKind::Bool(*b.value()),
        Value::Datetime(_) => RawKind::Other("a date"),
        Value::Array(a) => RawKind::Array(a.iter().map(convert_value).collect()),
        Value::InlineTable(t) => RawKind::Table(RawTable {
            fields: t
                .iter()
                .map(|(key, value)| {
                    let key_span = t.key(key).and_then(|k| k.span());
                    RawField {
                        key: key.to_string(),
                        value: located(convert_value(value), &key_span),
                        key_span,
                    }
                })
                .collect(),
            span: t.span(),
        }),
    };
    RawValue {
        kind,
        span: v.span(),
        origin: None,
    }
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
}
