//! Error types: condition syntax errors and load errors with file positions.
//!
//! A [`LoadError`] prints as `file:line:column: rule "Name": message`, the form
//! `sysotel rules validate` shows. Loading collects every error of every file
//! into [`LoadErrors`] instead of stopping at the first.

use std::fmt;
use std::path::PathBuf;

/// A syntax error in a condition, at a byte offset of the condition text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct ParseError {
    /// Byte offset in the condition where the problem starts.
    pub offset: usize,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

/// What is wrong in a condition's syntax.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    /// A token that does not fit here.
    #[error("unexpected token {found:?}, expected {expected}")]
    UnexpectedToken {
        /// The token as written.
        found: String,
        /// What would fit.
        expected: &'static str,
    },
    /// The condition ended early.
    #[error("unexpected end of condition, expected {expected}")]
    UnexpectedEnd {
        /// What would fit.
        expected: &'static str,
    },
    /// A field not followed by an operator.
    #[error("expected an operator after {field}, found {found}")]
    MissingOperator {
        /// The field as written.
        field: String,
        /// What came instead.
        found: String,
    },
    /// A quote without its closing quote.
    #[error("unterminated string")]
    UnterminatedString,
    /// A `[` without its `]`.
    #[error("unterminated [ in field name")]
    UnterminatedBracket,
    /// Too many nested parentheses or `not`s.
    #[error("condition nested too deeply (more than {0} levels)")]
    TooDeep(usize),
}

/// Which kind of item an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// `- rule:`
    Rule,
    /// `- macro:`
    Macro,
    /// `- list:`
    List,
}

impl ItemKind {
    /// `rule`, `macro` or `list`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rule => "rule",
            Self::Macro => "macro",
            Self::List => "list",
        }
    }
}

/// The item an error is about, printed as `rule "Name"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemRef {
    /// Rule, macro or list.
    pub kind: ItemKind,
    /// Its name.
    pub name: String,
}

impl fmt::Display for ItemRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.kind.as_str(), self.name)
    }
}

/// What went wrong while loading rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read.
    #[error("cannot read file: {0}")]
    Io(String),
    /// The file is not valid YAML.
    #[error("YAML syntax error: {0}")]
    Yaml(String),
    /// A condition's syntax.
    #[error("{0}")]
    Syntax(#[from] ParseErrorKind),
    /// The document or an item has the wrong shape.
    #[error("{0}")]
    BadItem(String),
    /// A required key is absent.
    #[error("missing required key {0}")]
    MissingKey(&'static str),
    /// A key this item kind does not have.
    #[error("unknown key {0}")]
    UnknownKey(String),
    /// A key given twice in one item.
    #[error("duplicate key {0}")]
    DuplicateKey(String),
    /// A key's value has the wrong YAML type.
    #[error("{key} must be {expected}, found {found}")]
    WrongType {
        /// The key.
        key: String,
        /// The expected type.
        expected: &'static str,
        /// The type found.
        found: &'static str,
    },
    /// No such field.
    #[error("unknown field {0}")]
    UnknownField(String),
    /// The field exists but its `[argument]` is wrong.
    #[error("bad argument for field {field}: {reason}")]
    BadFieldArgument {
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A field that only output templates can use, in a condition.
    #[error("field {0} can only be used in outputs, not in conditions")]
    OutputOnlyField(String),
    /// A name in boolean position that is neither a macro nor a field.
    #[error("undefined macro {0}")]
    UndefinedMacro(String),
    /// `in NAME` where NAME is not a list.
    #[error("undefined list {0}")]
    UndefinedList(String),
    /// Macros that use each other in a loop.
    #[error("macro cycle: {0}")]
    MacroCycle(String),
    /// Lists that contain each other in a loop.
    #[error("list cycle: {0}")]
    ListCycle(String),
    /// An unknown priority.
    #[error(
        "bad priority {0:?}, expected one of EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG"
    )]
    BadPriority(String),
    /// A value of the wrong type for its field.
    #[error("bad value {value:?} for field {field}: expected {expected}")]
    BadValue {
        /// The field.
        field: String,
        /// The value as written.
        value: String,
        /// The type expected.
        expected: &'static str,
    },
    /// An operator the field's type does not support.
    #[error("operator {op} not valid for field {field}")]
    BadOperator {
        /// The operator.
        op: String,
        /// The field.
        field: String,
    },
    /// `append` or `override` of an item defined nowhere before.
    #[error("append to undefined {kind} {name:?}")]
    AppendToUndefined {
        /// rule, macro or list.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// A regular expression that does not compile.
    #[error("invalid regex {pattern:?}: {reason}")]
    InvalidRegex {
        /// The pattern.
        pattern: String,
        /// The regex crate's message.
        reason: String,
    },
    /// A glob that does not compile.
    #[error("invalid glob {pattern:?}: {reason}")]
    InvalidGlob {
        /// The pattern.
        pattern: String,
        /// The glob crate's message.
        reason: String,
    },
    /// A malformed exception.
    #[error("exception {name:?}: {reason}")]
    BadException {
        /// The exception's name.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// One load error with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// The rule file (or the name given to [`crate::Ruleset::load_str`]).
    pub file: PathBuf,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// The rule, macro or list the error is about, when known.
    pub item: Option<ItemRef>,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        if let Some(item) = &self.item {
            write!(f, "{item}: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

/// Every error found while loading, in file and line order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadErrors(pub Vec<LoadError>);

impl LoadErrors {
    /// The errors.
    #[must_use]
    pub fn errors(&self) -> &[LoadError] {
        &self.0
    }
}

/// One error per line.
impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl IntoIterator for LoadErrors {
    type Item = LoadError;
    type IntoIter = std::vec::IntoIter<LoadError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
