//! Project tasks for sysotel, run as `cargo xtask <command>` (alias in
//! `.cargo/config.toml`). One module per subcommand, each with `Options` and
//! `run`; shared helpers live in `cmd`, `env`, `user` and `stages`.

mod bench;
mod bpf_linker;
mod build;
mod cmd;
mod disk;
mod elf;
mod env;
mod fuzz;
mod run;
mod setup;
mod soak;
mod stages;
mod system;
mod test;
mod toolchain;
mod user;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(bin_name = "cargo xtask", about = "sysotel project tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install what building needs: nightly + rust-src, bpf-linker (and with
    /// --system: apt and PyPI packages). Idempotent.
    Setup(setup::Options),
    /// Set up the toolchain, then build the `sysotel` binary.
    Build(build::Options),
    /// Build, then run `target/release/sysotel` (needs root or CAP_BPF).
    Run(run::Options),
    /// The whole check suite: fmt, clippy, unit, python and integration tests.
    Test(test::Options),
    /// Build, then measure sysotel's overhead and footprint (needs root).
    Bench(bench::Options),
    /// Run the cargo-fuzz targets in fuzz/ for a bounded time (nightly).
    Fuzz(fuzz::Options),
    /// Run sysotel under a mixed workload for N minutes and print its memory (needs root).
    Soak(soak::Options),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Setup(options) => setup::run(&options),
        Command::Build(options) => build::run(&options),
        Command::Run(options) => run::run(&options),
        Command::Test(options) => test::run(&options),
        Command::Bench(options) => bench::run(&options),
        Command::Fuzz(options) => fuzz::run(&options),
        Command::Soak(options) => soak::run(&options),
    };
    // The error chain on one line; no backtrace even with RUST_BACKTRACE set.
    result.map_or_else(
        |error| {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        },
        |()| ExitCode::SUCCESS,
    )
}
