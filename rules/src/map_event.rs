//! [`MapEvent`]: an [`Event`] backed by a map of field names, for tests and tools.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::event::{Event, Value};
use crate::fields::{Field, FieldArg, FieldRef};

/// An event given as `field -> value` pairs, keyed by the field's canonical
/// spelling (`proc.name`, `proc.aname[2]`, `evt.arg[flags]`; `evt.arg.flags`
/// is accepted by [`MapEvent::with`] and stored canonically).
///
/// `proc.aname[N]` falls back to the N-th entry of `proc.aname` when that is
/// set as a [`Value::Many`] (parent first).
#[derive(Debug, Clone, Default)]
pub struct MapEvent {
    evt_type: String,
    values: HashMap<String, Value<'static>>,
}

impl MapEvent {
    /// An event of the given syscall with no fields set.
    #[must_use]
    pub fn new(evt_type: &str) -> Self {
        Self { evt_type: evt_type.to_owned(), values: HashMap::new() }
    }

    /// Sets a field. Panics if `field` is not a valid field reference, since
    /// this type exists for tests and tools that spell fields literally.
    #[must_use]
    pub fn with(mut self, field: &str, value: impl Into<Value<'static>>) -> Self {
        self.set(field, value);
        self
    }

    /// Sets a field, see [`MapEvent::with`].
    ///
    /// # Panics
    ///
    /// When `field` is not a valid field reference.
    pub fn set(&mut self, field: &str, value: impl Into<Value<'static>>) {
        let (name, arg) = match field.split_once('[') {
            Some((name, rest)) => (name, Some(rest.trim_end_matches(']'))),
            None => (field, None),
        };
        let field_ref = FieldRef::resolve(name, arg).unwrap_or_else(|e| panic!("MapEvent::set({field}): {e}"));
        self.values.insert(field_ref.to_string(), value.into());
    }

    /// Sets the ancestors' names (parent first) for `proc.aname` and `proc.aname[N]`.
    #[must_use]
    pub fn with_ancestors(mut self, names: &[&str]) -> Self {
        let many = names.iter().map(|n| Cow::Owned((*n).to_owned())).collect();
        self.values.insert("proc.aname".to_owned(), Value::Many(many));
        self
    }
}

impl Event for MapEvent {
    fn evt_type(&self) -> &str {
        &self.evt_type
    }

    fn get(&self, field: &FieldRef) -> Value<'_> {
        if let Some(v) = self.values.get(&field.to_string()) {
            return borrow(v);
        }
        match (field.field, &field.arg) {
            (Field::ProcAname, FieldArg::Index(n)) => match self.values.get("proc.aname") {
                Some(Value::Many(names)) => (*n as usize)
                    .checked_sub(1)
                    .and_then(|i| names.get(i))
                    .map_or(Value::None, |s| Value::Str(Cow::Borrowed(s))),
                _ => Value::None,
            },
            _ => Value::None,
        }
    }
}

fn borrow<'a>(v: &'a Value<'static>) -> Value<'a> {
    match v {
        Value::Str(s) => Value::Str(Cow::Borrowed(s)),
        Value::Many(v) => Value::Many(v.iter().map(|s| Cow::Borrowed(&**s)).collect()),
        other => other.clone(),
    }
}
