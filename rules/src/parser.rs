//! Recursive-descent parser for conditions.
//!
//! ```text
//! or      := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | primary
//! primary := "(" or ")" | NAME ["[" ARG "]"] [OP OPERAND]
//! OPERAND := VALUE | "(" [ITEM ("," ITEM)*] ")" | LISTNAME | nothing (exists)
//! ```
//! A `NAME` with no operator is a macro reference; names, fields and lists are
//! resolved later by `compile`.

use crate::ast::{Check, Expr, FieldName, Op, Operand, WORD_OPS};
use crate::error::{ParseError, ParseErrorKind};
use crate::lexer::{Atom, Lexer};

/// Deepest nesting of parentheses and `not` accepted, so hostile input cannot
/// overflow the stack.
pub(crate) const MAX_DEPTH: usize = 200;

/// Parses a whole condition.
pub(crate) fn parse(src: &str) -> Result<Expr, ParseError> {
    let mut p = Parser { lx: Lexer::new(src), depth: 0 };
    let expr = p.or()?;
    if p.lx.peek().is_some() {
        return Err(p.lx.unexpected("'and', 'or' or the end of the condition"));
    }
    Ok(expr)
}

struct Parser<'a> {
    lx: Lexer<'a>,
    depth: usize,
}

impl Parser<'_> {
    fn or(&mut self) -> Result<Expr, ParseError> {
        let first = self.and()?;
        if !self.lx.keyword("or") {
            return Ok(first);
        }
        let mut all = vec![first, self.and()?];
        while self.lx.keyword("or") {
            all.push(self.and()?);
        }
        Ok(Expr::Or(all))
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let first = self.not()?;
        if !self.lx.keyword("and") {
            return Ok(first);
        }
        let mut all = vec![first, self.not()?];
        while self.lx.keyword("and") {
            all.push(self.not()?);
        }
        Ok(Expr::And(all))
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let result = if self.lx.keyword("not") { self.not().map(|e| Expr::Not(Box::new(e))) } else { self.primary() };
        self.depth -= 1;
        result
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError { offset: self.lx.pos(), kind: ParseErrorKind::TooDeep(MAX_DEPTH) });
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        const EXPECTED: &str = "a field, a macro, 'not' or '('";
        if self.lx.eat('(') {
            let inner = self.or()?;
            if !self.lx.eat(')') {
                return Err(self.lx.unexpected("'and', 'or' or ')'"));
            }
            return Ok(inner);
        }
        match self.lx.peek_name() {
            Some("and" | "or") | None => Err(self.lx.unexpected(EXPECTED)),
            Some(_) => self.check_or_macro(),
        }
    }

    fn check_or_macro(&mut self) -> Result<Expr, ParseError> {
        let (name, pos) = self.lx.name().unwrap_or_default();
        let arg = self.lx.bracket_arg()?;
        let field = FieldName { name: name.to_owned(), arg: arg.map(str::to_owned), pos };
        let Some(op) = self.operator() else {
            // A dotted or indexed name is a field: it needs an operator.
            if arg.is_some() || name.contains('.') {
                return Err(self.missing_operator(&field));
            }
            return Ok(Expr::Macro { name: field.name, pos });
        };
        let operand = match op {
            Op::Exists => Operand::None,
            op if op.takes_list() => self.list_operand()?,
            _ => Operand::Value(self.lx.value("a value")?),
        };
        Ok(Expr::Check(Check { field, op, operand }))
    }

    fn operator(&mut self) -> Option<Op> {
        if let Some(op) = self.lx.symbol() {
            return Some(op);
        }
        let word = self.lx.peek_name()?;
        let &(_, op) = WORD_OPS.iter().find(|(w, _)| *w == word)?;
        self.lx.keyword(word);
        Some(op)
    }

    fn missing_operator(&mut self, field: &FieldName) -> ParseError {
        let err = self.lx.unexpected("an operator");
        let found = match err.kind {
            ParseErrorKind::UnexpectedToken { found, .. } => format!("{found:?}"),
            _ => "the end of the condition".to_owned(),
        };
        ParseError { offset: err.offset, kind: ParseErrorKind::MissingOperator { field: field.to_string(), found } }
    }

    fn list_operand(&mut self) -> Result<Operand, ParseError> {
        if self.lx.peek() == Some('(') {
            let mut items = Vec::new();
            self.list(&mut items)?;
            return Ok(Operand::List(items));
        }
        let name = self.lx.value("'(' or a list name")?;
        if name.quoted {
            return Err(ParseError {
                offset: name.pos,
                kind: ParseErrorKind::UnexpectedToken { found: format!("{name}"), expected: "'(' or a list name" },
            });
        }
        Ok(Operand::ListRef(name))
    }

    /// `( item, ... )`; an item in parentheses is a nested list, flattened.
    fn list(&mut self, out: &mut Vec<Atom>) -> Result<(), ParseError> {
        self.enter()?;
        self.lx.eat('(');
        if !self.lx.eat(')') {
            loop {
                if self.lx.peek() == Some('(') {
                    self.list(out)?;
                } else {
                    out.push(self.lx.value("a list item")?);
                }
                if self.lx.eat(')') {
                    break;
                }
                if !self.lx.eat(',') {
                    return Err(self.lx.unexpected("',' or ')'"));
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
