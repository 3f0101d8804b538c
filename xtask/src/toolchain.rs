//! Rust toolchain set-up: nightly (for the eBPF crate) with `rust-src`,
//! rustfmt and clippy for the checks, and bpf-linker (see `bpf_linker`).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, Result, bail};

use crate::{bpf_linker, cmd, env::Env, setup::report};

/// Ensures the toolchain and returns `env`, possibly extended for bpf-linker.
pub fn ensure(mut env: Env) -> Result<Env> {
    if !cmd::succeeds(&mut rustup(&env, &["--version"])) {
        bail!("rustup not found on PATH: install rustup with the stable toolchain first");
    }
    nightly(&env)?;
    let mut print_sysroot = env.command("rustc");
    print_sysroot.args(["+nightly", "--print", "sysroot"]);
    let sysroot = PathBuf::from(cmd::stdout(&mut print_sysroot).context("nightly sysroot")?);
    rust_src(&env, &sysroot)?;
    fmt_and_clippy(&env)?;
    bpf_linker::ensure(&mut env, &sysroot)?;
    Ok(env)
}

fn rustup(env: &Env, args: &[&str]) -> Command {
    let mut cmd = env.command("rustup");
    cmd.args(args);
    cmd
}

fn nightly(env: &Env) -> Result<()> {
    if let Ok(version) = cmd::stdout(&mut rustup(env, &["run", "nightly", "rustc", "--version"])) {
        report("nightly toolchain", &format!("ok ({version})"));
        return Ok(());
    }
    report("nightly toolchain", "installing");
    cmd::run(&mut rustup(env, &["toolchain", "install", "nightly", "--profile", "minimal"]))
}

fn rust_src(env: &Env, sysroot: &Path) -> Result<()> {
    let src = sysroot.join("lib/rustlib/src");
    if src.is_dir() {
        report("nightly rust-src", "ok");
        return Ok(());
    }
    report("nightly rust-src", "installing");
    cmd::run(&mut rustup(env, &["component", "add", "rust-src", "--toolchain", "nightly"]))?;
    if !src.is_dir() {
        bail!("rust-src installed but {} is missing", src.display());
    }
    Ok(())
}

/// `cargo xtask test` runs `cargo fmt` and `cargo clippy` with the workspace's
/// default toolchain; a `--profile minimal` install lacks both.
fn fmt_and_clippy(env: &Env) -> Result<()> {
    let has = |tool: &str| cmd::succeeds(env.cargo().args([tool, "--version"]));
    if has("fmt") && has("clippy") {
        report("rustfmt, clippy", "ok");
        return Ok(());
    }
    report("rustfmt, clippy", "installing");
    cmd::run(&mut rustup(env, &["component", "add", "rustfmt", "clippy"]))
}
