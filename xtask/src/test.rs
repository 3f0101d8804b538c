//! `cargo xtask test [--unit-only]`: the whole suite, stopping at the first
//! failure: `setup --system`, rustfmt, clippy, unit tests, Python tests (when
//! their directories hold tests), the fuzz targets for a bounded time, then
//! the root-only integration tests against a release build of `sysotel`.

use std::{fs, path::Path};

use anyhow::{Context as _, Result, bail};

use crate::{build, cmd, env, env::Env, fuzz, setup, stages::Stages, user};

/// Python test directories, relative to the workspace root; absent ones are skipped.
const PYTHON_TEST_DIRS: &[&str] = &["charts/tests", "collector-config/tests"];

/// Seconds of fuzzing per target (`cargo xtask fuzz`); the cold nightly
/// build of the targets dominates the stage.
const FUZZ_SECONDS: u64 = 20;

#[derive(clap::Args)]
pub struct Options {
    /// Skip the fuzz targets and the integration tests (which need root).
    #[arg(long)]
    unit_only: bool,
}

pub fn run(options: &Options) -> Result<()> {
    if !options.unit_only && !user::is_root() {
        bail!(
            "integration tests need root (they load eBPF programs and start containers): \
             run `sudo -E cargo xtask test`, or `cargo xtask test --unit-only` for the rest"
        );
    }
    let mut stages = Stages::default();
    let Some(env) = stages.run("setup --system", || setup::ensure(true)) else {
        return stages.finish();
    };
    stages.run("fmt", || cmd::run(env.cargo().args(["fmt", "--all", "--", "--check"])));
    stages.run("clippy", || {
        cmd::run(env.cargo().args(["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"]))
    });
    stages.run("unit tests", || cmd::run(env.cargo().args(["test", "--workspace", "--locked"])));
    for dir in PYTHON_TEST_DIRS {
        let path = env::workspace_root().join(dir);
        if has_python_tests(&path) {
            stages.run(&format!("pytest {dir}"), || cmd::run(env.command("python3").args(["-m", "pytest"]).arg(&path)));
        }
    }
    if !options.unit_only {
        stages.run(&format!("fuzz ({FUZZ_SECONDS}s per target)"), || fuzz::run_all(&env, FUZZ_SECONDS));
        let binary = stages.run("build release", || build::build(&env, true));
        stages.run("integration tests", || integration(&env, &binary.context("no release binary")?));
    }
    stages.finish()
}

fn integration(env: &Env, binary: &Path) -> Result<()> {
    let binary = binary.canonicalize().with_context(|| format!("{} missing", binary.display()))?;
    cmd::run(
        env.cargo()
            .args(["test", "--locked", "--package", "sysotel-integration", "--", "--test-threads=1", "--nocapture"])
            .env("SYSOTEL_INTEGRATION", "1")
            .env("SYSOTEL_BIN", binary),
    )
}

/// Whether `dir` holds pytest files (`test_*.py`, `*_test.py`) at any depth.
/// A directory with test files must yield tests: pytest's exit code 5
/// ("no tests collected") then fails the stage like any other.
fn has_python_tests(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            !name.starts_with('.') && has_python_tests(&path)
        } else {
            name.ends_with(".py") && (name.starts_with("test_") || name.ends_with("_test.py"))
        }
    })
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::has_python_tests;

    #[test]
    fn finds_pytest_files_at_any_depth() {
        let dir = std::env::temp_dir().join(format!("xtask-pytest-{}", std::process::id()));
        let nested = dir.join("render");
        fs::create_dir_all(&nested).unwrap();
        assert!(!has_python_tests(&dir.join("absent")));
        fs::write(dir.join("conftest.py"), "").unwrap();
        assert!(!has_python_tests(&dir), "conftest.py alone is not a test file");
        fs::write(nested.join("test_values.py"), "").unwrap();
        assert!(has_python_tests(&dir));
        fs::remove_dir_all(&dir).unwrap();
    }
}
