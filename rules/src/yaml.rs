//! A small YAML document tree with the line and column of every node.
//!
//! Rule files are read into [`Node`]s first, instead of straight into typed
//! structs, so that the loader can report *every* problem in a file (a typo in
//! one rule does not hide the errors of the next) and point at the exact line.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// Where a node starts in its file (1-based; 0 when the YAML crate did not know).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Mark {
    pub line: u32,
    pub column: u32,
}

/// One YAML node and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub mark: Mark,
    pub kind: Kind,
}

/// The shape of a YAML node. Scalars keep the type YAML gave them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The scalar as text (`1` -> "1", `true` -> "true"); `None` for null and collections.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Bool(b) => Some(b.to_string()),
            Kind::Int(i) => Some(i.to_string()),
            Kind::Float(f) => Some(f.to_string()),
            Kind::Str(s) => Some(s.clone()),
            Kind::Null | Kind::Seq(_) | Kind::Map(_) => None,
        }
    }

    /// The node's string value when it is a YAML string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A short name of the node's type, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a sequence",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub mark: Mark,
    pub message: String,
}

/// Parses one YAML document into a [`Node`] tree.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    // Duplicate keys reach our visitor, so the loader reports them per item
    // (and goes on) instead of the whole file failing.
    let options = serde_saphyr::options! { duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough };
    match serde_saphyr::from_str_with_options::<Option<Spanned<Kind>>>(text, options) {
        Ok(Some(node)) => Ok(from_spanned(node)),
        Ok(None) => Ok(Node { mark: Mark { line: 1, column: 1 }, kind: Kind::Null }),
        Err(err) => {
            let mark = err.location().map(|l| Mark { line: to_u32(l.line()), column: to_u32(l.column()) });
            Err(SyntaxError { mark: mark.unwrap_or(Mark { line: 1, column: 1 }), message: plain_message(&err) })
        }
    }
}

fn to_u32(v: impl TryInto<u32>) -> u32 {
    v.try_into().unwrap_or(u32::MAX)
}

/// The YAML crate's message without its own location suffix and source snippet.
fn plain_message(err: &serde_saphyr::Error) -> String {
    let text = err.without_snippet().to_string();
    let first = text.lines().next().unwrap_or_default().trim();
    // The crate appends " at line L, column C"; our caller prints the position itself.
    match first.rfind(" at line ") {
        Some(at) => first[..at].to_owned(),
        None => first.to_owned(),
    }
}

fn from_spanned(s: Spanned<Kind>) -> Node {
    let l = s.referenced;
    Node { mark: Mark { line: to_u32(l.line()), column: to_u32(l.column()) }, kind: s.value }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Kind, E> {
        Ok(Kind::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Kind, E> {
        Ok(Kind::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Kind, E> {
        Ok(i64::try_from(v).map_or_else(|_| Kind::Str(v.to_string()), Kind::Int))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Kind, E> {
        Ok(Kind::Str(v.to_string()))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Kind, E> {
        Ok(Kind::Str(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Kind, E> {
        Ok(Kind::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
        Ok(Kind::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Kind, E> {
        Ok(Kind::Str(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
        Kind::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Kind>>()? {
            items.push(from_spanned(item));
        }
        Ok(Kind::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Kind>>()? {
            let value = map.next_value::<Spanned<Kind>>()?;
            entries.push((from_spanned(key), from_spanned(value)));
        }
        Ok(Kind::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_carry_lines_and_columns() {
        let doc = parse("- rule: a\n  items: [x, 1, true]\n- list: b\n").unwrap();
        let Kind::Seq(items) = &doc.kind else { panic!("not a sequence: {doc:?}") };
        assert_eq!(items[0].mark, Mark { line: 1, column: 3 });
        assert_eq!(items[1].mark, Mark { line: 3, column: 3 });
        let Kind::Map(entries) = &items[0].kind else { panic!() };
        assert_eq!(entries[1].0.mark, Mark { line: 2, column: 3 });
        let Kind::Seq(list) = &entries[1].1.kind else { panic!() };
        assert_eq!(list[1].kind, Kind::Int(1));
        assert_eq!(list[2].mark, Mark { line: 2, column: 17 });
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("- rule: a\n  desc: [unclosed\n").unwrap_err();
        assert!(err.mark.line >= 2, "{err:?}");
        let err = parse("- rule: a\n   bad: indent\n  x: y\n").unwrap_err();
        assert_eq!(err.mark, Mark { line: 2, column: 7 });
        assert_eq!(err.message, "mapping values are not allowed in this context");
    }
}
