//! Small C programs the tests need (syscall loops, floods, security
//! triggers): compiled once per test process with `cc -O2 -static`, so the
//! same binary runs on the host and inside a busybox container.

use std::{
    collections::HashMap,
    path::PathBuf,
    process::Command,
    sync::{Mutex, OnceLock},
};

use anyhow::{Context as _, bail};

/// Binaries built so far in this process, by name (errors are cached too).
static BUILT: OnceLock<Mutex<HashMap<&'static str, Result<PathBuf, String>>>> = OnceLock::new();

/// The static binary `name` built from `source` (once per process).
///
/// # Errors
/// When the compiler is missing or fails.
pub fn static_binary(name: &'static str, source: &str) -> anyhow::Result<PathBuf> {
    let mut built = BUILT.get_or_init(|| Mutex::new(HashMap::new())).lock().unwrap_or_else(|e| e.into_inner());
    built
        .entry(name)
        .or_insert_with(|| build(name, source).map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(|e| anyhow::anyhow!(e))
}

fn build(name: &str, source: &str) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("sysotel-it-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source)?;
    let bin = dir.join(name);
    let out = Command::new("cc").args(["-O2", "-static", "-o"]).arg(&bin).arg(&src).output().context("running cc")?;
    if !out.status.success() {
        bail!("cc failed for {name}: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(bin)
}
