//! The interface between the engine and whatever produces events.
//!
//! The agent implements [`Event`] for its decoded syscall events; the engine
//! only ever asks for one field at a time, so an implementation can compute
//! expensive fields lazily. See the crate docs for an example.

use std::borrow::Cow;
use std::fmt;

use crate::fields::FieldRef;

/// A field's value in one event.
///
/// Return the variant that matches the field's [`crate::FieldType`]: `Str` for
/// string fields, `Num` for numbers, `Bool` for booleans. A `Num` or `Bool`
/// written as text (`Str("42")`, `Str("true")`) is accepted too, so a generic
/// string map works; a `Num` given for a string field never matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// Text, borrowed from the event where possible.
    Str(Cow<'a, str>),
    /// An integer.
    Num(i64),
    /// A boolean.
    Bool(bool),
    /// The event has no such field (or argument). Every comparison with it is
    /// false, including `!=`; only `exists` tells it apart.
    None,
    /// Several values, for `proc.aname` without an index: the ancestors'
    /// names, parent first. A comparison holds when it holds for any of them,
    /// except `!=`, which holds when none is equal. Empty counts as `None`.
    Many(Vec<Cow<'a, str>>),
}

impl Value<'_> {
    /// True unless the value is `None` or an empty `Many`.
    #[must_use]
    pub fn is_present(&self) -> bool {
        match self {
            Value::None => false,
            Value::Many(v) => !v.is_empty(),
            _ => true,
        }
    }
}

/// Formats as an output template shows it; `None` is `<NA>`, `Many` is comma-separated.
impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::Num(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::None => f.write_str("<NA>"),
            Value::Many(v) if v.is_empty() => f.write_str("<NA>"),
            Value::Many(v) => {
                for (i, s) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    f.write_str(s)?;
                }
                Ok(())
            }
        }
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value::Str(Cow::Borrowed(s))
    }
}

impl From<String> for Value<'_> {
    fn from(s: String) -> Self {
        Value::Str(Cow::Owned(s))
    }
}

impl From<i64> for Value<'_> {
    fn from(n: i64) -> Self {
        Value::Num(n)
    }
}

impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::None, Into::into)
    }
}

/// One event as the rules see it.
pub trait Event {
    /// The syscall name (`execve`, `openat`, ...). The engine uses it to pick
    /// the rules that can match, and as the value of `evt.type`: `get` is never
    /// asked for `evt.type`.
    fn evt_type(&self) -> &str;

    /// The value of one field; [`Value::None`] when the event does not have it.
    fn get(&self, field: &FieldRef) -> Value<'_>;
}
