//! Turns a parsed condition into an evaluable tree.
//!
//! Compiling expands macros (each once, shared between rules through an
//! `Arc`, with cycle detection), expands list names inside lists, resolves
//! fields, checks that each operator and value fits its field's type, and
//! builds the [`Matcher`] of every comparison.

use std::collections::HashMap;
use std::sync::Arc;

use globset::GlobBuilder;
use regex::Regex;

use crate::ast::{Atom, Check, Expr, Op, Operand};
use crate::error::ErrorKind;
use crate::fields::{FieldError, FieldRef, FieldType};
use crate::matcher::{Cmp, Matcher};
use crate::net::Cidr;

/// A compiled condition.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// What a failed part compiles to, so the rest can still be checked.
    Const(bool),
    /// A macro's compiled condition, shared by every use.
    Shared(Arc<Node>),
    Test(FieldRef, Matcher),
}

/// Where a compile error is: in the condition being compiled, or in a macro it uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Origin {
    Root,
    Macro(String),
}

/// A compile error at a byte offset of its origin's condition text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompileError {
    pub origin: Origin,
    pub offset: usize,
    pub kind: ErrorKind,
}

/// The macros (parsed; `None` when the macro's own text did not parse) and
/// the lists (already expanded) a condition can use.
#[derive(Default)]
pub(crate) struct Defs {
    pub macros: HashMap<String, Option<Expr>>,
    pub lists: HashMap<String, Vec<String>>,
}

/// A compiled condition and what went wrong.
pub(crate) struct Compiled {
    pub node: Node,
    /// Errors to report: inside a macro, only the first time the macro is compiled.
    pub errors: Vec<CompileError>,
    /// Every unknown-field error the condition depends on, including those
    /// of macros compiled (and reported) earlier, so a lenient load can set
    /// aside every rule that uses such a macro, not just the first.
    pub unknown: Vec<CompileError>,
}

/// Compiles conditions against one set of definitions, remembering compiled macros.
pub(crate) struct Compiler<'d> {
    defs: &'d Defs,
    /// Compiled macros and the unknown-field errors inside them (transitively).
    memo: HashMap<String, (Arc<Node>, Vec<CompileError>)>,
    /// Macros being expanded, outermost first.
    stack: Vec<String>,
    errors: Vec<CompileError>,
    unknown: Vec<CompileError>,
}

impl<'d> Compiler<'d> {
    pub fn new(defs: &'d Defs) -> Self {
        Self { defs, memo: HashMap::new(), stack: Vec::new(), errors: Vec::new(), unknown: Vec::new() }
    }

    /// Compiles one condition.
    pub fn compile(&mut self, expr: &Expr) -> Compiled {
        self.stack.clear();
        let node = self.expr(expr);
        let mut unknown = std::mem::take(&mut self.unknown);
        // A macro used twice brings its errors twice.
        let mut seen = std::collections::HashSet::new();
        unknown.retain(|e| seen.insert((e.origin.clone(), e.offset)));
        Compiled { node, errors: std::mem::take(&mut self.errors), unknown }
    }

    fn origin(&self) -> Origin {
        self.stack.last().map_or(Origin::Root, |m| Origin::Macro(m.clone()))
    }

    fn error(&mut self, offset: usize, kind: ErrorKind) -> Node {
        let e = CompileError { origin: self.origin(), offset, kind };
        if matches!(e.kind, ErrorKind::UnknownField(_)) {
            self.unknown.push(e.clone());
        }
        self.errors.push(e);
        Node::Const(false)
    }

    fn expr(&mut self, expr: &Expr) -> Node {
        match expr {
            Expr::And(v) => Node::And(v.iter().map(|e| self.expr(e)).collect()),
            Expr::Or(v) => Node::Or(v.iter().map(|e| self.expr(e)).collect()),
            Expr::Not(e) => Node::Not(Box::new(self.expr(e))),
            Expr::Macro { name, pos } => self.macro_use(name, *pos),
            Expr::Check(c) => self.check(c),
        }
    }

    fn macro_use(&mut self, name: &str, pos: usize) -> Node {
        if let Some((node, unknown)) = self.memo.get(name) {
            self.unknown.extend(unknown.iter().cloned());
            return Node::Shared(Arc::clone(node));
        }
        if let Some(start) = self.stack.iter().position(|m| m == name) {
            let mut path: Vec<&str> = self.stack[start..].iter().map(String::as_str).collect();
            path.push(name);
            let cycle = path.join(" -> ");
            return self.error(pos, ErrorKind::MacroCycle(cycle));
        }
        let Some(def) = self.defs.macros.get(name) else {
            return self.error(pos, ErrorKind::UndefinedMacro(name.to_owned()));
        };
        // A macro whose text did not parse was reported where it is defined.
        let Some(body) = def else { return Node::Const(false) };
        let first_unknown = self.unknown.len();
        self.stack.push(name.to_owned());
        let node = Arc::new(self.expr(body));
        self.stack.pop();
        let unknown = self.unknown[first_unknown..].to_vec();
        self.memo.insert(name.to_owned(), (Arc::clone(&node), unknown));
        Node::Shared(node)
    }

    fn check(&mut self, c: &Check) -> Node {
        let field = match FieldRef::resolve(&c.field.name, c.field.arg.as_deref()) {
            Ok(f) => f,
            Err(FieldError::Unknown(name)) => return self.error(c.field.pos, ErrorKind::UnknownField(name)),
            Err(FieldError::BadArgument { field, reason }) => {
                let kind = ErrorKind::BadFieldArgument { field: field.to_owned(), reason: reason.to_owned() };
                return self.error(c.field.pos, kind);
            }
        };
        if field.field.output_only() {
            return self.error(c.field.pos, ErrorKind::OutputOnlyField(c.field.to_string()));
        }
        let ty = field.field.ty();
        if !op_allowed(ty, c.op) {
            let kind = ErrorKind::BadOperator { op: c.op.as_str().to_owned(), field: c.field.to_string() };
            return self.error(c.field.pos, kind);
        }
        match self.matcher(&field, c) {
            Ok(m) => Node::Test(field, m),
            Err((offset, kind)) => self.error(offset, kind),
        }
    }

    fn matcher(&self, field: &FieldRef, c: &Check) -> Result<Matcher, (usize, ErrorKind)> {
        let ty = field.field.ty();
        let name = c.field.to_string();
        if c.op == Op::Exists {
            return Ok(Matcher::Exists);
        }
        if c.op.takes_list() {
            let items = self.list_items(&c.operand)?;
            return match (ty, c.op) {
                (FieldType::Num, _) => {
                    let mut nums = items.iter().map(|(s, at)| num(&name, s, *at)).collect::<Result<Vec<_>, _>>()?;
                    nums.sort_unstable();
                    nums.dedup();
                    Ok(Matcher::NumIn(nums.into()))
                }
                (FieldType::Net, _) => Ok(Matcher::Net { nets: nets(&name, &items)?, ne: false }),
                (_, Op::Pmatch) => Ok(Matcher::Pmatch(items.iter().map(|(s, _)| trim_slash(s).into()).collect())),
                _ => {
                    let mut set: Vec<Box<str>> = items.iter().map(|(s, _)| s.as_str().into()).collect();
                    set.sort_unstable();
                    set.dedup();
                    Ok(Matcher::StrIn(set.into()))
                }
            };
        }
        let Operand::Value(atom) = &c.operand else {
            return Err((c.field.pos, ErrorKind::Syntax(missing_value())));
        };
        let (text, at) = (atom.text.as_str(), atom.pos);
        let m = match (ty, c.op) {
            (FieldType::Num, op) => Matcher::Num(cmp(op), num(&name, text, at)?),
            (FieldType::Bool, op) => {
                let b = match text {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad_value(&name, text, at, "true or false")),
                };
                Matcher::BoolEq(if op == Op::Ne { !b } else { b })
            }
            (FieldType::Net, op) => Matcher::Net { nets: nets(&name, &[(text.to_owned(), at)])?, ne: op == Op::Ne },
            (FieldType::Str, Op::Eq) => Matcher::StrEq(text.into()),
            (FieldType::Str, Op::Ne) => Matcher::StrNe(text.into()),
            (FieldType::Str, Op::StartsWith) => Matcher::StartsWith(text.into()),
            (FieldType::Str, Op::EndsWith) => Matcher::EndsWith(text.into()),
            (FieldType::Str, Op::Contains) => Matcher::Contains(text.into()),
            (FieldType::Str, Op::IContains) => Matcher::IContains(text.to_ascii_lowercase().into()),
            (FieldType::Str, Op::BContains) => Matcher::BContains(hex(&name, text, at)?),
            (FieldType::Str, Op::BStartsWith) => Matcher::BStartsWith(hex(&name, text, at)?),
            (FieldType::Str, Op::Glob) => {
                let glob = GlobBuilder::new(text).backslash_escape(true).build().map_err(|e| {
                    (at, ErrorKind::InvalidGlob { pattern: text.to_owned(), reason: e.kind().to_string() })
                })?;
                Matcher::Glob(Box::new(glob.compile_matcher()))
            }
            (FieldType::Str, Op::Regex) => {
                // Check the pattern as written first, so messages quote it as written.
                let re = Regex::new(text).and_then(|_| Regex::new(&format!("^(?:{text})$"))).map_err(|e| {
                    (at, ErrorKind::InvalidRegex { pattern: text.to_owned(), reason: regex_reason(&e) })
                })?;
                Matcher::Regex(Box::new(re))
            }
            (FieldType::Str, _) => return Err((at, ErrorKind::BadOperator { op: c.op.as_str().into(), field: name })),
        };
        Ok(m)
    }

    /// The items of a list operand with list names expanded, each with its offset.
    fn list_items(&self, operand: &Operand) -> Result<Vec<(String, usize)>, (usize, ErrorKind)> {
        let mut out = Vec::new();
        match operand {
            Operand::List(atoms) => {
                for a in atoms {
                    self.push_item(a, &mut out);
                }
            }
            Operand::ListRef(a) => match self.defs.lists.get(&a.text) {
                Some(items) => out.extend(items.iter().map(|s| (s.clone(), a.pos))),
                None => return Err((a.pos, ErrorKind::UndefinedList(a.text.clone()))),
            },
            Operand::Value(a) => self.push_item(a, &mut out),
            Operand::None => return Err((0, ErrorKind::Syntax(missing_value()))),
        }
        Ok(out)
    }

    fn push_item(&self, a: &Atom, out: &mut Vec<(String, usize)>) {
        match self.defs.lists.get(&a.text) {
            Some(items) if !a.quoted => out.extend(items.iter().map(|s| (s.clone(), a.pos))),
            _ => out.push((a.text.clone(), a.pos)),
        }
    }
}

fn missing_value() -> crate::error::ParseErrorKind {
    crate::error::ParseErrorKind::UnexpectedEnd { expected: "a value" }
}

/// Which operators each field type takes.
fn op_allowed(ty: FieldType, op: Op) -> bool {
    match ty {
        FieldType::Str => !matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge),
        FieldType::Num => {
            matches!(op, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::In | Op::Intersects | Op::Exists)
        }
        FieldType::Bool => matches!(op, Op::Eq | Op::Ne | Op::Exists),
        FieldType::Net => matches!(op, Op::Eq | Op::Ne | Op::In | Op::Intersects | Op::Exists),
    }
}

/// The networks of a net field's values.
fn nets(field: &str, items: &[(String, usize)]) -> Result<Box<[Cidr]>, (usize, ErrorKind)> {
    items
        .iter()
        .map(|(s, at)| Cidr::parse(s).ok_or_else(|| bad_value(field, s, *at, "an IP address or a CIDR network")))
        .collect()
}

/// `bcontains` / `bstartswith` values: hex digits, two per byte (`cafebabe`).
fn hex(field: &str, text: &str, at: usize) -> Result<Box<[u8]>, (usize, ErrorKind)> {
    let digits = text.as_bytes();
    let bad = || bad_value(field, text, at, "hex bytes such as cafebabe");
    if digits.is_empty() || !digits.len().is_multiple_of(2) || !digits.iter().all(u8::is_ascii_hexdigit) {
        return Err(bad());
    }
    digits
        .chunks(2)
        .map(|pair| std::str::from_utf8(pair).ok().and_then(|p| u8::from_str_radix(p, 16).ok()).ok_or_else(bad))
        .collect()
}

fn cmp(op: Op) -> Cmp {
    match op {
        Op::Ne => Cmp::Ne,
        Op::Lt => Cmp::Lt,
        Op::Le => Cmp::Le,
        Op::Gt => Cmp::Gt,
        Op::Ge => Cmp::Ge,
        _ => Cmp::Eq,
    }
}

fn num(field: &str, text: &str, at: usize) -> Result<i64, (usize, ErrorKind)> {
    text.parse().map_err(|_| bad_value(field, text, at, "an integer"))
}

fn bad_value(field: &str, text: &str, at: usize, expected: &'static str) -> (usize, ErrorKind) {
    (at, ErrorKind::BadValue { field: field.to_owned(), value: text.to_owned(), expected })
}

/// `/etc/` -> `/etc`; `/` stays `/`.
fn trim_slash(s: &str) -> &str {
    let t = s.trim_end_matches('/');
    if t.is_empty() && s.starts_with('/') { "/" } else { t }
}

/// The regex crate's message on one line.
fn regex_reason(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(s) => s.lines().last().unwrap_or_default().trim().to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
