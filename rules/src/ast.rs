//! The syntax tree of a condition, before macros, lists and fields are resolved.
//!
//! `and` and `or` chains are n-ary (`a and b and c` is one node with three
//! children) so long conditions do not make deep trees. `Display` prints a tree
//! back as condition text that parses to the same tree (positions aside),
//! adding parentheses only where the tree needs them.

use std::fmt;

pub(crate) use crate::lexer::Atom;

/// A condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    /// Two or more alternatives.
    Or(Vec<Expr>),
    /// Two or more conjuncts.
    And(Vec<Expr>),
    Not(Box<Expr>),
    /// A bare name in boolean position: a macro reference.
    Macro {
        name: String,
        pos: usize,
    },
    Check(Check),
}

/// `FIELD OP OPERAND`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Check {
    pub field: FieldName,
    pub op: Op,
    pub operand: Operand,
}

/// A field as written: `name`, `name[arg]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldName {
    pub name: String,
    pub arg: Option<String>,
    pub pos: usize,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Intersects,
    Pmatch,
    StartsWith,
    EndsWith,
    Contains,
    IContains,
    /// Bytes given in hex (`cafebabe`) anywhere in the value.
    BContains,
    /// The value starts with bytes given in hex.
    BStartsWith,
    Glob,
    Regex,
    Exists,
}

/// Operators written as words, and what they take.
pub(crate) const WORD_OPS: &[(&str, Op)] = &[
    ("in", Op::In),
    ("intersects", Op::Intersects),
    ("pmatch", Op::Pmatch),
    ("startswith", Op::StartsWith),
    ("endswith", Op::EndsWith),
    ("contains", Op::Contains),
    ("icontains", Op::IContains),
    ("bcontains", Op::BContains),
    ("bstartswith", Op::BStartsWith),
    ("glob", Op::Glob),
    ("regex", Op::Regex),
    ("exists", Op::Exists),
];

impl Op {
    /// The operator as written in conditions.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            _ => WORD_OPS.iter().find(|(_, op)| *op == self).map_or("?", |(w, _)| w),
        }
    }

    /// Operators that take a list.
    pub fn takes_list(self) -> bool {
        matches!(self, Op::In | Op::Intersects | Op::Pmatch)
    }
}

/// The right-hand side of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Operand {
    /// `exists` takes nothing.
    None,
    Value(Atom),
    /// `(a, b, ...)`, nested parentheses already flattened.
    List(Vec<Atom>),
    /// `in NAME` without parentheses: a list reference.
    ListRef(Atom),
}

impl Expr {
    /// The same tree with every position set to 0, for comparisons in tests.
    #[cfg(test)]
    pub fn without_positions(&self) -> Expr {
        let strip = |a: &Atom| Atom { pos: 0, ..a.clone() };
        match self {
            Expr::Or(v) => Expr::Or(v.iter().map(Expr::without_positions).collect()),
            Expr::And(v) => Expr::And(v.iter().map(Expr::without_positions).collect()),
            Expr::Not(a) => Expr::Not(Box::new(a.without_positions())),
            Expr::Macro { name, .. } => Expr::Macro { name: name.clone(), pos: 0 },
            Expr::Check(c) => Expr::Check(Check {
                field: FieldName { pos: 0, ..c.field.clone() },
                op: c.op,
                operand: match &c.operand {
                    Operand::None => Operand::None,
                    Operand::Value(a) => Operand::Value(strip(a)),
                    Operand::List(v) => Operand::List(v.iter().map(strip).collect()),
                    Operand::ListRef(a) => Operand::ListRef(strip(a)),
                },
            }),
        }
    }
}

fn write_chain(f: &mut fmt::Formatter<'_>, v: &[Expr], sep: &str, parens: fn(&Expr) -> bool) -> fmt::Result {
    for (i, e) in v.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write_child(f, e, parens(e))?;
    }
    Ok(())
}

fn write_child(f: &mut fmt::Formatter<'_>, e: &Expr, parens: bool) -> fmt::Result {
    if parens { write!(f, "({e})") } else { write!(f, "{e}") }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A nested node of the same kind needs parentheses, or it would
            // parse as part of this chain.
            Expr::Or(v) => write_chain(f, v, " or ", |e| matches!(e, Expr::Or(_))),
            Expr::And(v) => write_chain(f, v, " and ", |e| matches!(e, Expr::Or(_) | Expr::And(_))),
            Expr::Not(a) => {
                f.write_str("not ")?;
                write_child(f, a, matches!(**a, Expr::Or(..) | Expr::And(..)))
            }
            Expr::Macro { name, .. } => f.write_str(name),
            Expr::Check(c) => write!(f, "{c}"),
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.op.as_str())?;
        match &self.operand {
            Operand::None => Ok(()),
            Operand::Value(a) | Operand::ListRef(a) => write!(f, " {a}"),
            Operand::List(items) => {
                f.write_str(" (")?;
                for (i, a) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        match &self.arg {
            Some(arg) => write!(f, "[{arg}]"),
            None => Ok(()),
        }
    }
}

/// Bare atoms print as written; quoted ones in double quotes with escapes.
impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.quoted {
            return f.write_str(&self.text);
        }
        f.write_str("\"")?;
        for c in self.text.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\t' => f.write_str("\\t")?,
                '\r' => f.write_str("\\r")?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("\"")
    }
}
