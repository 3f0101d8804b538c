//! `cargo xtask build [--debug]`: toolchain set-up, then the `sysotel` binary.
//! Its build.rs compiles the eBPF object through aya-build, which needs
//! nightly, rust-src and bpf-linker on `PATH`.

use std::path::PathBuf;

use anyhow::Result;

use crate::{cmd, env, env::Env, setup};

#[derive(clap::Args)]
pub struct Options {
    /// Build the debug profile instead of release.
    #[arg(long)]
    debug: bool,
}

pub fn run(options: &Options) -> Result<()> {
    let env = setup::ensure(false)?;
    let binary = build(&env, !options.debug)?;
    println!("build: {}", binary.display());
    Ok(())
}

/// `cargo build [--release] --locked -p sysotel`; returns the binary's path.
pub fn build(env: &Env, release: bool) -> Result<PathBuf> {
    let mut cargo = env.cargo();
    cargo.arg("build");
    if release {
        cargo.arg("--release");
    }
    cmd::run(cargo.args(["--locked", "--package", "sysotel"]))?;
    let profile = if release { "release" } else { "debug" };
    Ok(env::target_dir().join(profile).join("sysotel"))
}
