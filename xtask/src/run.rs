//! `cargo xtask run [-- ARGS...]`: builds, then replaces itself with
//! `target/release/sysotel run ARGS...`, or `sysotel ARGS...` when the first
//! argument is a subcommand (`check`, `help`, ...). Without root or `CAP_BPF`
//! the agent cannot load, so `sysotel check` runs instead.

use std::{os::unix::process::CommandExt as _, process::Command};

use anyhow::{Context as _, Result};

use crate::{build, setup, user};

#[derive(clap::Args)]
pub struct Options {
    /// Arguments for sysotel; a leading word that is not an option is taken
    /// as its subcommand, otherwise `run` is implied.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub fn run(options: &Options) -> Result<()> {
    let env = setup::ensure(false)?;
    let binary = build::build(&env, true)?;
    let args = sysotel_args(&options.args);
    if args[0] == "run" && !user::can_load_bpf() {
        eprintln!(
            "xtask run: sysotel needs root (or CAP_BPF + CAP_PERFMON) to load its eBPF programs; \
             running `sysotel check` instead (try `sudo -E cargo xtask run`)"
        );
        let status = Command::new(&binary).arg("check").status().context("cannot start sysotel")?;
        // The agent did not run: never report success.
        std::process::exit(status.code().filter(|&code| code != 0).unwrap_or(1));
    }
    let error = Command::new(&binary).args(&args).exec();
    Err(error).with_context(|| format!("cannot exec {}", binary.display()))
}

/// `["run", ARGS...]` unless ARGS starts with a subcommand.
fn sysotel_args(args: &[String]) -> Vec<String> {
    match args.first() {
        Some(first) if !first.starts_with('-') => args.to_vec(),
        _ => std::iter::once("run".to_owned()).chain(args.iter().cloned()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::sysotel_args;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|&s| s.to_owned()).collect()
    }

    #[test]
    fn run_is_the_default_subcommand() {
        assert_eq!(sysotel_args(&[]), args(&["run"]));
        assert_eq!(sysotel_args(&args(&["--endpoint", "x"])), args(&["run", "--endpoint", "x"]));
        assert_eq!(sysotel_args(&args(&["check", "-v"])), args(&["check", "-v"]));
    }
}
