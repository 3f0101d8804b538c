//! Event-type indexing: which `evt.type` values a condition can match.
//!
//! Like Falco, the engine looks at `evt.type = x` and `evt.type in (...)`
//! tests combined with `and`/`or` and files each rule under those syscalls,
//! so an event only runs the rules that can match it. Anything it cannot
//! bound (a `not`, a test of another field alone) means "any type".

use std::collections::BTreeSet;

use crate::compile::Node;
use crate::fields::{Field, FieldArg};
use crate::matcher::Matcher;

/// The event types `node` can be true for; `None` when it is not bounded.
pub(crate) fn event_types(node: &Node) -> Option<BTreeSet<Box<str>>> {
    match node {
        Node::Test(f, m) if f.field == Field::EvtType && f.arg == FieldArg::None => match m {
            Matcher::StrEq(t) => Some(BTreeSet::from([t.clone()])),
            Matcher::StrIn(set) => Some(set.iter().cloned().collect()),
            _ => None,
        },
        Node::Test(..) | Node::Not(_) | Node::Const(true) => None,
        Node::Const(false) => Some(BTreeSet::new()),
        Node::Shared(n) => event_types(n),
        // Every conjunct must hold: intersect the bounded ones.
        Node::And(v) => v.iter().filter_map(event_types).reduce(|a, b| a.intersection(&b).cloned().collect()),
        // Any alternative may hold: all must be bounded, and the union is.
        Node::Or(v) => v.iter().map(event_types).try_fold(BTreeSet::new(), |mut acc, s| {
            acc.extend(s?);
            Some(acc)
        }),
    }
}
