//! The spanned tree: the TOML values of a model file, each with its byte span
//! (the loader builds it from `toml`'s spanned parse); and the readers the
//! loader takes values with (a string, an integer, a list of numbers...), each
//! `None` for a value of another type, which the loader reports naming the key.

use super::spec::*;
use crate::diag::Span;

#[derive(Clone, Debug)]
pub(super) struct Node {
    pub(super) span: Span,
    pub(super) v: V,
}

#[derive(Clone, Debug)]
pub(super) enum V {
    Str(Str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime,
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) key: String,
    pub(super) span: Span,
    pub(super) node: Node,
}

fn tname(n: &Node) -> &'static str {
    match n.v {
        V::Str(_) => "a string",
        V::Int(_) => "an integer",
        V::Float(_) => "a number",
        V::Bool(_) => "a boolean",
        V::Datetime => "a date-time",
        V::Array(_) => "a list",
        V::Table(_) => "a table",
    }
}

/// "a string \"abc\"", "an integer 3", "a list", as the reference words it.
pub(super) fn got(n: &Node) -> String {
    match &n.v {
        V::Str(s) => format!("a string {:?}", s.text),
        V::Int(i) => format!("an integer {i}"),
        V::Float(x) => format!("a number {}", crate::units::py_float_repr(*x)),
        V::Bool(b) => format!("a boolean {b}"),
        _ => tname(n).to_string(),
    }
}

pub(super) fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

pub(super) fn get<'a>(es: &'a [Entry], key: &str) -> Option<&'a Entry> {
    es.iter().find(|e| e.key == key)
}

pub(super) fn dotted(w: &str, key: &str) -> String {
    if w.is_empty() {
        key.to_string()
    } else {
        format!("{w}.{key}")
    }
}

pub(super) fn prefix(w: &str) -> String {
    if w.is_empty() { String::new() } else { format!("{w}: ") }
}

pub(super) fn as_str(n: &Node) -> Option<Str> {
    match &n.v {
        V::Str(s) => Some(s.clone()),
        _ => None,
    }
}

pub(super) fn as_int(n: &Node) -> Option<i64> {
    match n.v {
        V::Int(i) => Some(i),
        _ => None,
    }
}

pub(super) fn as_num(n: &Node) -> Option<f64> {
    match n.v {
        V::Int(i) => Some(i as f64),
        V::Float(x) => Some(x),
        _ => None,
    }
}

pub(super) fn as_bool(n: &Node) -> Option<bool> {
    match n.v {
        V::Bool(b) => Some(b),
        _ => None,
    }
}

pub(super) fn as_int_list(n: &Node) -> Option<Vec<i64>> {
    match &n.v {
        V::Array(items) => items.iter().map(as_int).collect(),
        _ => None,
    }
}

/// An init / set value: a string expression, a number or boolean, or a flat list of them.
pub(super) fn as_value(n: &Node) -> Option<ValueSpec> {
    let scalar = |n: &Node| match n.v {
        V::Int(i) => Some(i as f64),
        V::Float(x) => Some(x),
        V::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
        _ => None,
    };
    match &n.v {
        V::Str(s) => Some(ValueSpec::Expr(s.clone())),
        V::Array(items) => items
            .iter()
            .map(scalar)
            .collect::<Option<Vec<f64>>>()
            .map(ValueSpec::List),
        _ => scalar(n).map(ValueSpec::Number),
    }
}

/// Where a value is: a string's content, or the value as written.
pub(super) fn value_span(n: &Node) -> Span {
    match &n.v {
        V::Str(s) => s.inner_span(),
        // `{ file = "x.npy" }`: the path
        V::Table(es) => get(es, "file").map_or(n.span, |e| value_span(&e.node)),
        _ => n.span,
    }
}

pub(super) fn as_index(n: &Node) -> Option<IndexSpec> {
    match &n.v {
        V::Str(s) => Some(IndexSpec::Where(s.clone())),
        V::Array(items) if (2..=3).contains(&items.len()) => {
            let view = items
                .iter()
                .map(|x| match &x.v {
                    V::Str(s) => Some(ViewIndex::Slice(s.clone())),
                    _ => Some(ViewIndex::Int(as_int(x)?, x.span)),
                })
                .collect::<Option<Vec<_>>>()?;
            Some(IndexSpec::View(view, n.span))
        }
        _ => None,
    }
}

pub(super) fn as_str_table(n: &Node) -> Option<Vec<(String, Str)>> {
    match &n.v {
        V::Table(es) => es.iter().map(|e| as_str(&e.node).map(|s| (e.key.clone(), s))).collect(),
        _ => None,
    }
}

/// A non-empty list of numbers, or a non-empty rectangular list of non-empty lists of numbers.
pub(super) fn timed_values(n: &Node) -> Option<TimedValues> {
    let V::Array(items) = &n.v else { return None };
    if items.is_empty() {
        return None;
    }
    if let Some(v) = items.iter().map(as_num).collect::<Option<Vec<f64>>>() {
        return Some(TimedValues::OneD(v));
    }
    let rows = items
        .iter()
        .map(|r| match &r.v {
            V::Array(xs) if !xs.is_empty() => xs.iter().map(as_num).collect::<Option<Vec<f64>>>(),
            _ => None,
        })
        .collect::<Option<Vec<Vec<f64>>>>()?;
    let cols = rows[0].len();
    rows.iter().all(|r| r.len() == cols).then_some(TimedValues::TwoD(rows))
}

pub(super) fn is_slot(s: &str) -> bool {
    crate::sim::slot_rank(s).is_some()
}

pub(super) fn slots() -> String {
    crate::sim::SLOTS
        .iter()
        .map(|s| format!("before_{s}, {s}, after_{s}"))
        .collect::<Vec<_>>()
        .join(", ")
}
