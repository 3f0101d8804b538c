//! Entry point for fuzzers: parse and compile arbitrary condition text.

use crate::compile::{Compiler, Defs};
use crate::parser::parse;

/// Parses and compiles `input` as a condition with no macros or lists
/// defined, discarding the result. It must never panic, whatever the input;
/// a cargo-fuzz target only has to call it.
pub fn fuzz_condition(input: &str) {
    let Ok(expr) = parse(input) else { return };
    let defs = Defs::default();
    let node = Compiler::new(&defs).compile(&expr).node;
    // Exercise the indexer and evaluation on an empty event too.
    let _ = crate::index::event_types(&node);
    let _ = crate::eval::eval(&node, &crate::map_event::MapEvent::new("execve"));
}
