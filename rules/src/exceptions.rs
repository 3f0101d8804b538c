//! Falco rule exceptions, turned into condition trees.
//!
//! ```yaml
//! exceptions:
//!   - name: known_writers
//!     fields: [proc.name, fd.directory]
//!     comps: [=, startswith]        # optional: `=` for each field by default
//!     values:
//!       - [my-app, /var/lib/my-app]
//!   - name: known_shells
//!     fields: proc.name              # one field: `comps` defaults to `in`
//!     values: [bash, zsh]
//! ```
//! Each value tuple becomes `f1 c1 v1 and f2 c2 v2 ...`; the rule's condition
//! becomes `(condition) and not (tuple or tuple ...)`. For a list operator
//! (`in`, `intersects`, `pmatch`) a tuple element is a sequence of items or a
//! list name. An exception without values excludes nothing.

use crate::ast::{Atom, Check, Expr, FieldName, Op, Operand, WORD_OPS};
use crate::error::ErrorKind;
use crate::fields::{FieldError, FieldRef};
use crate::items::{OneOrMany, Text};
use crate::loader::{At, ExceptionDef};
use crate::yaml::{Kind, Node};

/// One value tuple as a condition, with where the tuple was written.
pub(crate) struct TupleExpr {
    pub expr: Expr,
    pub at: At,
}

/// The condition of every value tuple of `exc`, or errors.
pub(crate) fn tuples(exc: &ExceptionDef, errors: &mut Vec<(At, ErrorKind)>) -> Vec<TupleExpr> {
    let item = &exc.item;
    let at = |mark| At { file: exc.file, mark };
    let bad = |at: At, reason: String| (at, ErrorKind::BadException { name: item.name.clone(), reason });
    let Some(fields) = &item.fields else {
        errors.push(bad(at(item.mark), "missing required key fields".into()));
        return Vec::new();
    };
    let single = matches!(fields, OneOrMany::One(_));
    let fields: Vec<&Text> = match fields {
        OneOrMany::One(f) => vec![f],
        OneOrMany::Many(v) => v.iter().collect(),
    };
    let comps: Vec<(Op, &Text)> = match &item.comps {
        None => {
            let op = if single { Op::In } else { Op::Eq };
            fields.iter().map(|f| (op, *f)).collect()
        }
        Some(c) => {
            let texts: Vec<&Text> = match c {
                OneOrMany::One(t) => vec![t],
                OneOrMany::Many(v) => v.iter().collect(),
            };
            if texts.len() != fields.len() || matches!(c, OneOrMany::One(_)) != single {
                errors.push(bad(
                    at(texts.first().map_or(item.mark, |t| t.mark)),
                    "comps must match fields one to one".into(),
                ));
                return Vec::new();
            }
            let mut ops = Vec::new();
            for t in texts {
                match parse_op(&t.text) {
                    Some(op) => ops.push((op, t)),
                    None => errors.push(bad(at(t.mark), format!("unknown comparison operator {}", t.text))),
                }
            }
            if ops.len() != fields.len() {
                return Vec::new();
            }
            ops
        }
    };
    // Fields are checked here so an unknown one is reported once, at `fields`.
    let mut names = Vec::new();
    for f in &fields {
        let (name, arg) = split_field(&f.text);
        match FieldRef::resolve(name, arg) {
            Ok(_) => names.push(FieldName { name: name.to_owned(), arg: arg.map(str::to_owned), pos: 0 }),
            Err(FieldError::Unknown(n)) => errors.push((at(f.mark), ErrorKind::UnknownField(n))),
            Err(FieldError::BadArgument { field, reason }) => {
                errors.push((
                    at(f.mark),
                    ErrorKind::BadFieldArgument { field: field.to_owned(), reason: reason.to_owned() },
                ));
            }
        }
    }
    if names.len() != fields.len() {
        return Vec::new();
    }
    let values = item.values.iter().map(|v| (exc.file, v)).chain(exc.values.iter().map(|(f, v)| (*f, v)));
    let mut out = Vec::new();
    if single {
        let (op, field) = (comps[0].0, &names[0]);
        let all: Vec<(usize, &Node)> = values.collect();
        if op.takes_list() {
            // `values` is the list itself.
            let mut items = Vec::new();
            for (file, v) in &all {
                if !push_atoms(v, &mut items) {
                    errors.push(bad(
                        At { file: *file, mark: v.mark },
                        "values must be scalars or sequences of scalars".into(),
                    ));
                }
            }
            if let Some((file, first)) = all.first() {
                let check = Check { field: field.clone(), op, operand: Operand::List(items) };
                out.push(TupleExpr { expr: Expr::Check(check), at: At { file: *file, mark: first.mark } });
            }
            return out;
        }
        for (file, v) in all {
            let Some(atom) = atom(v) else {
                errors.push(bad(At { file, mark: v.mark }, format!("a value for {} must be a scalar", field.name)));
                continue;
            };
            let check = Check { field: field.clone(), op, operand: Operand::Value(atom) };
            out.push(TupleExpr { expr: Expr::Check(check), at: At { file, mark: v.mark } });
        }
        return out;
    }
    for (file, v) in values {
        let Kind::Seq(tuple) = &v.kind else {
            errors.push(bad(
                At { file, mark: v.mark },
                format!("each value must be a sequence of {} items, one per field", fields.len()),
            ));
            continue;
        };
        if tuple.len() != fields.len() {
            errors.push(bad(
                At { file, mark: v.mark },
                format!("value has {} items, expected {} (one per field)", tuple.len(), fields.len()),
            ));
            continue;
        }
        let mut checks = Vec::new();
        for ((elem, (op, _)), field) in tuple.iter().zip(&comps).zip(&names) {
            let operand = if op.takes_list() {
                let mut items = Vec::new();
                push_atoms(elem, &mut items).then_some(Operand::List(items))
            } else {
                atom(elem).map(Operand::Value)
            };
            match operand {
                Some(operand) => checks.push(Expr::Check(Check { field: field.clone(), op: *op, operand })),
                None => errors
                    .push(bad(At { file, mark: elem.mark }, format!("bad value for {} {}", field.name, op.as_str()))),
            }
        }
        if checks.len() == fields.len() {
            let expr = if checks.len() == 1 { checks.remove(0) } else { Expr::And(checks) };
            out.push(TupleExpr { expr, at: At { file, mark: v.mark } });
        }
    }
    out
}

/// `=`, `in`, `startswith`... as an operator (`exists` is not a comparison here).
fn parse_op(s: &str) -> Option<Op> {
    let op = match s {
        "=" | "==" => Op::Eq,
        "!=" => Op::Ne,
        "<" => Op::Lt,
        "<=" => Op::Le,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        _ => WORD_OPS.iter().find(|(w, _)| *w == s)?.1,
    };
    (op != Op::Exists).then_some(op)
}

fn split_field(s: &str) -> (&str, Option<&str>) {
    match s.split_once('[') {
        Some((name, rest)) => (name, Some(rest.strip_suffix(']').unwrap_or(rest))),
        None => (s, None),
    }
}

/// A scalar as an unquoted atom (so a list name expands, as in conditions).
fn atom(v: &Node) -> Option<Atom> {
    v.scalar_text().map(|text| Atom { text, quoted: false, pos: 0 })
}

/// Adds a scalar or the scalars of a sequence; false on anything else.
fn push_atoms(v: &Node, out: &mut Vec<Atom>) -> bool {
    match &v.kind {
        Kind::Seq(items) => items.iter().all(|i| atom(i).map(|a| out.push(a)).is_some()),
        _ => atom(v).map(|a| out.push(a)).is_some(),
    }
}
