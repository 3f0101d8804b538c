//! A tiny static program that makes an exact number of `getppid` syscalls,
//! compiled once per test process, so syscall counts can be asserted.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

use anyhow::{Context as _, bail};

const SOURCE: &str = r#"
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 0;
    for (long i = 0; i < n; i++) syscall(SYS_getppid);
    return 0;
}
"#;

static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();

/// Path of the static `getppid_loop N` binary (built with `cc -static`).
///
/// # Errors
/// When the compiler is missing or fails.
pub fn getppid_loop() -> anyhow::Result<PathBuf> {
    BUILT.get_or_init(|| build().map_err(|e| format!("{e:#}"))).clone().map_err(|e| anyhow::anyhow!(e))
}

fn build() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("sysotel-it-loops-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let src = dir.join("getppid_loop.c");
    std::fs::write(&src, SOURCE)?;
    let bin = dir.join("getppid_loop");
    compile(&src, &bin)?;
    Ok(bin)
}

fn compile(src: &Path, bin: &Path) -> anyhow::Result<()> {
    let out = Command::new("cc").args(["-O2", "-static", "-o"]).arg(bin).arg(src).output().context("running cc")?;
    if !out.status.success() {
        bail!("cc failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}
