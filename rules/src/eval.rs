//! Evaluates a compiled condition against one event.

use std::borrow::Cow;

use crate::compile::Node;
use crate::event::{Event, Value};
use crate::fields::Field;

/// True when the condition holds for `event`. `and`/`or` stop at the first
/// deciding operand, so cheap tests written first save work.
pub(crate) fn eval<E: Event + ?Sized>(node: &Node, event: &E) -> bool {
    match node {
        Node::And(v) => v.iter().all(|n| eval(n, event)),
        Node::Or(v) => v.iter().any(|n| eval(n, event)),
        Node::Not(n) => !eval(n, event),
        Node::Const(b) => *b,
        Node::Shared(n) => eval(n, event),
        Node::Test(field, matcher) => {
            if field.field == Field::EvtType {
                matcher.matches(&Value::Str(Cow::Borrowed(event.evt_type())))
            } else {
                matcher.matches(&event.get(field))
            }
        }
    }
}
