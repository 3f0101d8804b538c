//! `cargo xtask bench --micro`: the userspace micro-benchmarks
//! (`exporter/benches/hot_paths`, criterion): decode, process table, rule
//! evaluation and OTLP mapping. No root needed.

use anyhow::Result;

use crate::{cmd, setup};

/// Short warm-up and measurement: the whole run takes about a minute.
const ARGS: [&str; 10] =
    ["bench", "--package", "sysotel", "--bench", "hot_paths", "--", "--warm-up-time", "1", "--measurement-time", "2"];

pub fn run() -> Result<()> {
    let env = setup::ensure(false)?;
    cmd::run(env.cargo().args(ARGS))
}
