//! `cargo xtask setup [--system]`: idempotent bootstrap of a fresh Debian 12
//! machine that already has rustup with stable and nightly toolchains.
//!
//! Without `--system` only per-user things are touched (rustup components,
//! `~/.cargo/bin/bpf-linker`); `--system` adds apt and `PyPI` packages and needs
//! root when anything is missing. Prints one status line per item.

use anyhow::Result;

use crate::{env::Env, system, toolchain};

#[derive(clap::Args)]
pub struct Options {
    /// Also install system packages (apt) and Python tools (pip); needs root
    /// when something is missing.
    #[arg(long)]
    system: bool,
}

pub fn run(options: &Options) -> Result<()> {
    ensure(options.system)?;
    println!("setup: done");
    Ok(())
}

/// Sets everything up and returns the environment later child processes need.
/// System packages come first so a missing-root error shows up before the
/// one-minute bpf-linker build.
pub fn ensure(system: bool) -> Result<Env> {
    let env = Env::new()?;
    if system {
        system::ensure(&env)?;
    }
    toolchain::ensure(env)
}

/// One status line: `setup: <item>  <status>`.
pub fn report(item: &str, status: &str) {
    println!("setup: {item:<24} {status}");
}
