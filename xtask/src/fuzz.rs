//! `cargo xtask fuzz [--seconds N] [--update-corpus] [TARGET...]`: runs the
//! cargo-fuzz targets in `fuzz/` for a bounded time each, seeded from the
//! committed corpus (`fuzz/corpus/<target>`), which stays unchanged: new
//! inputs go to `fuzz/target/new-corpus/<target>`. A crash fails the run
//! with the path of the input libFuzzer saved in `fuzz/artifacts/<target>`.
//!
//! The targets build with nightly (`-Zsanitizer=address`, no `-Zbuild-std`,
//! so no `rust-src`) and with `AYA_BUILD_SKIP=1`: the decoder needs no eBPF
//! object, and skipping it keeps bpf-linker out of the fuzz build.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, Result, bail};

use crate::{cmd, env, env::Env, setup::report};

/// The fuzz targets (`fuzz/fuzz_targets/<name>.rs`).
pub const TARGETS: &[&str] = &["decode_record", "rules_condition", "rules_file"];

/// The cargo-fuzz release installed when none is on `PATH`.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// libFuzzer's limit for one input, in seconds: slower is reported as a
/// finding (`timeout-*` artifact) rather than stalling CI.
const INPUT_TIMEOUT_SECS: u64 = 20;

#[derive(clap::Args)]
pub struct Options {
    /// Seconds of fuzzing per target.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    seconds: u64,
    /// Rewrite the generated seeds (`fuzz/corpus/*/seed-*`) from the record
    /// structs and rule files instead of fuzzing; commit the result.
    #[arg(long, conflicts_with_all = ["seconds", "targets"])]
    update_corpus: bool,
    /// Targets to run (all when none is given).
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(TARGETS))]
    targets: Vec<String>,
}

pub fn run(options: &Options) -> Result<()> {
    let env = Env::new()?;
    if options.update_corpus {
        return update_corpus(&env);
    }
    ensure_tools(&env)?;
    let targets: Vec<&str> = if options.targets.is_empty() {
        TARGETS.to_vec()
    } else {
        options.targets.iter().map(String::as_str).collect()
    };
    for target in targets {
        fuzz(&env, target, options.seconds)?;
    }
    println!("fuzz: no findings");
    Ok(())
}

/// Every target for `seconds`, as `cargo xtask test` runs them.
pub fn run_all(env: &Env, seconds: u64) -> Result<()> {
    // The committed seeds must match the records and rules they stand for:
    // stale seeds fuzz shapes the agent no longer receives. The check is
    // built first, on its own, so that a failed build (a full disk, say) is
    // not reported as stale seeds.
    cmd::run(seed_corpus_test(env, false).arg("--no-run")).context("building the fuzz seed check failed")?;
    cmd::run(&mut seed_corpus_test(env, false))
        .context("fuzz/corpus seeds are out of date: run `cargo xtask fuzz --update-corpus` and commit them")?;
    ensure_tools(env)?;
    TARGETS.iter().try_for_each(|target| fuzz(env, target, seconds))
}

fn fuzz_dir() -> PathBuf {
    env::workspace_root().join("fuzz")
}

/// Nightly (for `-Zsanitizer`) and cargo-fuzz.
fn ensure_tools(env: &Env) -> Result<()> {
    if !cmd::succeeds(env.command("rustup").args(["run", "nightly", "rustc", "--version"])) {
        report("nightly toolchain", "installing");
        cmd::run(env.command("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))?;
    }
    if let Some(path) = env.find("cargo-fuzz") {
        report("cargo-fuzz", &format!("ok ({})", path.display()));
        return Ok(());
    }
    report("cargo-fuzz", "installing");
    cmd::run(env.cargo().args(["install", "cargo-fuzz", "--locked", "--version", CARGO_FUZZ_VERSION]))
}

/// `cargo +nightly fuzz …` in the workspace root, without the eBPF build.
fn cargo_fuzz(env: &Env, subcommand: &str) -> Command {
    let mut cmd = env.cargo();
    cmd.args(["+nightly", "fuzz", subcommand, "--fuzz-dir"]).arg(fuzz_dir()).env("AYA_BUILD_SKIP", "1");
    cmd
}

/// Runs `target` for `seconds`; fails with the artifact path on a finding.
fn fuzz(env: &Env, target: &str, seconds: u64) -> Result<()> {
    let dir = fuzz_dir();
    let seeds = dir.join("corpus").join(target);
    if !seeds.is_dir() {
        bail!("{} missing: run `cargo xtask fuzz --update-corpus`", seeds.display());
    }
    let new_inputs = dir.join("target/new-corpus").join(target);
    if new_inputs.exists() {
        fs::remove_dir_all(&new_inputs).with_context(|| format!("clear {}", new_inputs.display()))?;
    }
    fs::create_dir_all(&new_inputs).with_context(|| format!("create {}", new_inputs.display()))?;
    let artifacts = dir.join("artifacts").join(target);
    let before = files_in(&artifacts);

    println!("\nfuzz: {target} for {seconds}s");
    let result = cmd::run(
        cargo_fuzz(env, "run")
            .args(["--debug-assertions", target])
            .arg(&new_inputs)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-timeout={INPUT_TIMEOUT_SECS}"))
            .arg("-print_final_stats=1"),
    );
    let found: Vec<PathBuf> = files_in(&artifacts).difference(&before).cloned().collect();
    match (result, found.as_slice()) {
        (Ok(()), []) => Ok(()),
        (_, [_, ..]) => {
            let paths: Vec<String> = found.iter().map(|p| p.display().to_string()).collect();
            bail!(
                "libFuzzer found a failing input for {target}: {} (reproduce: \
                 `AYA_BUILD_SKIP=1 cargo +nightly fuzz run --fuzz-dir fuzz {target} <file>`)",
                paths.join(", ")
            )
        }
        (Err(error), []) => Err(error.context(format!("fuzzing {target} failed without a saved input"))),
    }
}

/// Regular files directly in `dir` (none when it is absent).
fn files_in(dir: &Path) -> BTreeSet<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default()
}

/// `fuzz/tests/seed_corpus.rs` (stable toolchain, no eBPF build): checks
/// the generated seeds against the record structs and rule files, or with
/// `bless` rewrites them. It builds in the main workspace's target
/// directory: both lock files pin the same versions and `fuzz/Cargo.toml`
/// repeats the dev profile, so after the unit tests it adds about 30 s and
/// 0.2 GB (on its own, in `fuzz/target`, it took 2 minutes and 2.4 GB).
fn seed_corpus_test(env: &Env, bless: bool) -> Command {
    let mut cmd = env.cargo();
    cmd.args(["test", "--manifest-path"])
        .arg(fuzz_dir().join("Cargo.toml"))
        .args(["--test", "seed_corpus"])
        .env("CARGO_TARGET_DIR", env::target_dir())
        .env("AYA_BUILD_SKIP", "1");
    if bless {
        cmd.env("SYSOTEL_FUZZ_BLESS", "1");
    }
    cmd
}

/// Regenerates the seeds.
fn update_corpus(env: &Env) -> Result<()> {
    cmd::run(&mut seed_corpus_test(env, true))?;
    cmd::run(&mut seed_corpus_test(env, false)).context("the seeds were rewritten but do not check")?;
    println!("fuzz: seeds written under {}; commit them", fuzz_dir().join("corpus").display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{TARGETS, fuzz_dir};

    #[test]
    fn every_target_has_a_source_and_a_seed_corpus() {
        for target in TARGETS {
            let source = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
            assert!(source.is_file(), "{} missing", source.display());
            let seeds = fuzz_dir().join("corpus").join(target);
            let count = std::fs::read_dir(&seeds).map(Iterator::count).unwrap_or(0);
            assert!(count > 0, "{} is empty", seeds.display());
        }
    }
}
