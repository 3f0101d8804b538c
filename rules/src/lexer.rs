//! Reads the pieces of a condition: names, operators, quoted and bare values.
//!
//! What a piece is depends on where the parser is (after `=`, `<` is a value,
//! not an operator), so the parser asks for the kind of piece it expects
//! instead of consuming a fixed token stream. Offsets are byte offsets into the
//! condition text.

use crate::{
    ast::Op,
    error::{ParseError, ParseErrorKind},
};

/// A value as written: bare (`/etc/shadow`, `-1`) or quoted (`"a b"`, `'f'`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Atom {
    /// The text, with quotes removed and escapes resolved.
    pub text: String,
    /// Whether it was quoted; a quoted list element never names a list.
    pub quoted: bool,
    /// Byte offset of its first character in the condition.
    pub pos: usize,
}

/// A cursor over the condition text.
pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

/// Characters of names (fields, macros, keywords).
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Characters that end a bare value.
pub(crate) fn ends_bare(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | ',')
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Self { src, pos: 0 }
    }

    /// Current byte offset.
    pub fn pos(&self) -> usize {
        self.pos
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    pub fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// The next character after white space, without consuming it.
    pub fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.rest().chars().next()
    }

    /// Consumes `c` if it comes next (after white space).
    pub fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// The name that comes next, without consuming it: `[A-Za-z_][A-Za-z0-9_.]*`.
    pub fn peek_name(&mut self) -> Option<&'a str> {
        self.skip_ws();
        let rest = self.rest();
        let first = rest.chars().next()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        let len = rest.find(|c| !is_name_char(c)).unwrap_or(rest.len());
        Some(&rest[..len])
    }

    /// Consumes the next name.
    pub fn name(&mut self) -> Option<(&'a str, usize)> {
        let name = self.peek_name()?;
        let at = self.pos;
        self.pos += name.len();
        Some((name, at))
    }

    /// Consumes `word` if the next name is exactly that.
    pub fn keyword(&mut self, word: &str) -> bool {
        if self.peek_name() == Some(word) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    /// A `[ARG]` right after a name (no white space before `[`).
    pub fn bracket_arg(&mut self) -> Result<Option<&'a str>, ParseError> {
        let rest = self.rest();
        if !rest.starts_with('[') {
            return Ok(None);
        }
        match rest.find(']') {
            Some(end) => {
                self.pos += end + 1;
                Ok(Some(&rest[1..end]))
            }
            None => Err(ParseError { offset: self.pos, kind: ParseErrorKind::UnterminatedBracket }),
        }
    }

    /// The operator a comparison symbol (`=`, `==`, `!=`, `<`, `<=`, `>`,
    /// `>=`) stands for, if one comes next.
    pub fn symbol(&mut self) -> Option<Op> {
        self.skip_ws();
        let rest = self.rest();
        let (sym, len) = if rest.starts_with("==") {
            (Op::Eq, 2)
        } else if rest.starts_with("!=") {
            (Op::Ne, 2)
        } else if rest.starts_with("<=") {
            (Op::Le, 2)
        } else if rest.starts_with(">=") {
            (Op::Ge, 2)
        } else if rest.starts_with('=') {
            (Op::Eq, 1)
        } else if rest.starts_with('<') {
            (Op::Lt, 1)
        } else if rest.starts_with('>') {
            (Op::Gt, 1)
        } else {
            return None;
        };
        self.pos += len;
        Some(sym)
    }

    /// A value: a quoted string or a bare word up to white space, `(`, `)` or `,`.
    pub fn value(&mut self, expected: &'static str) -> Result<Atom, ParseError> {
        self.skip_ws();
        let at = self.pos;
        match self.rest().chars().next() {
            None => Err(ParseError { offset: at, kind: ParseErrorKind::UnexpectedEnd { expected } }),
            Some(q @ ('"' | '\'')) => self.quoted(q),
            Some(c) if ends_bare(c) => Err(self.unexpected(expected)),
            Some(_) => {
                let rest = self.rest();
                let len = rest.find(ends_bare).unwrap_or(rest.len());
                self.pos += len;
                Ok(Atom { text: rest[..len].to_owned(), quoted: false, pos: at })
            }
        }
    }

    fn quoted(&mut self, quote: char) -> Result<Atom, ParseError> {
        let at = self.pos;
        let mut text = String::new();
        let mut chars = self.rest().char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            if c == quote {
                self.pos += i + 1;
                return Ok(Atom { text, quoted: true, pos: at });
            }
            if c != '\\' {
                text.push(c);
                continue;
            }
            match chars.next().map(|(_, e)| e) {
                Some('n') => text.push('\n'),
                Some('t') => text.push('\t'),
                Some('r') => text.push('\r'),
                Some(e @ ('\\' | '"' | '\'')) => text.push(e),
                // Unknown escapes stay as written, so regexes like '\d+' and '\.' work.
                Some(e) => {
                    text.push('\\');
                    text.push(e);
                }
                None => break,
            }
        }
        Err(ParseError { offset: at, kind: ParseErrorKind::UnterminatedString })
    }

    /// An "unexpected token" error describing what comes next.
    pub fn unexpected(&mut self, expected: &'static str) -> ParseError {
        self.skip_ws();
        let rest = self.rest();
        let kind = if rest.is_empty() {
            ParseErrorKind::UnexpectedEnd { expected }
        } else {
            ParseErrorKind::UnexpectedToken { found: token_at(rest), expected }
        };
        ParseError { offset: self.pos, kind }
    }
}

/// A short description of the token starting `rest` (non-empty).
fn token_at(rest: &str) -> String {
    let first = rest.chars().next().unwrap_or_default();
    if matches!(first, '(' | ')' | ',') {
        return first.to_string();
    }
    let len = rest.find(ends_bare).unwrap_or(rest.len());
    let token = &rest[..len];
    match token.char_indices().nth(32) {
        Some((cut, _)) => format!("{}...", &token[..cut]),
        None => token.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_bare_and_quoted() {
        let mut lx = Lexer::new(r#"  /etc/shadow) "a \"b\" \\ \d" 'it''s' O_CREAT,"#);
        assert_eq!(lx.value("v").unwrap(), Atom { text: "/etc/shadow".into(), quoted: false, pos: 2 });
        assert!(lx.eat(')'));
        let q = lx.value("v").unwrap();
        assert_eq!(q.text, r#"a "b" \ \d"#);
        assert!(q.quoted);
        assert_eq!(lx.value("v").unwrap().text, "it");
        assert_eq!(lx.value("v").unwrap().text, "s");
        assert_eq!(lx.value("v").unwrap().text, "O_CREAT");
        assert_eq!(lx.value("a value").unwrap_err().to_string(), r#"unexpected token ",", expected a value"#);
    }

    #[test]
    fn symbols_are_longest_match() {
        let mut lx = Lexer::new("== != <= >= = < > x");
        let got: Vec<_> = std::iter::from_fn(|| lx.symbol()).collect();
        assert_eq!(got, [Op::Eq, Op::Ne, Op::Le, Op::Ge, Op::Eq, Op::Lt, Op::Gt]);
    }

    #[test]
    fn names_and_brackets() {
        let mut lx = Lexer::new("proc.aname[2]=sh");
        assert_eq!(lx.name(), Some(("proc.aname", 0)));
        assert_eq!(lx.bracket_arg().unwrap(), Some("2"));
        assert_eq!(lx.symbol(), Some(Op::Eq));
        let mut lx = Lexer::new("evt.arg[flags");
        lx.name();
        assert_eq!(lx.bracket_arg().unwrap_err().kind, ParseErrorKind::UnterminatedBracket);
    }

    #[test]
    fn unterminated_string_points_at_the_quote() {
        let mut lx = Lexer::new("  'abc");
        let err = lx.value("v").unwrap_err();
        assert_eq!((err.offset, err.kind), (2, ParseErrorKind::UnterminatedString));
    }
}
