//! Micro-benchmarks of the userspace hot paths, one module per stage:
//! [`decode`] (ring-buffer bytes to events), [`process`] (the process
//! table), [`rules`] (the built-in ruleset over a rule view), [`otlp`]
//! (log records and the OTLP request) and [`spans`] (span batches).
//!
//! ```text
//! cargo bench -p sysotel --bench hot_paths -- --warm-up-time 1 --measurement-time 2
//! ```
//!
//! (or `cargo xtask bench --micro`). No root and no kernel: records are
//! encoded from the `exporter-common` structs, everything else is built
//! through sysotel's public API ([`fixtures`]).

mod decode;
mod fixtures;
mod otlp;
mod process;
mod rules;
mod spans;

use criterion::{criterion_group, criterion_main};

criterion_group!(benches, decode::bench, process::bench, rules::bench, otlp::bench, spans::bench);
criterion_main!(benches);
