//! `open_flood`: a tiny static program that opens an exact number of distinct
//! files for writing as fast as it can, compiled once per test process.
//!
//! ```text
//! open_flood DIR PREFIX FIRST COUNT   # prints: opened <n> failed <m>
//! ```
//!
//! It opens `DIR/PREFIX-<i>` for `i` in `FIRST..FIRST+COUNT` with
//! `O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC` and closes each at once, so every `i`
//! is one `openat` the agent reports as a `sysotel.security.file` record with
//! that `file.path`. It exits 1 if any open failed, 2 on bad usage.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

const SOURCE: &str = r#"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: open_flood DIR PREFIX FIRST COUNT\n");
        return 2;
    }
    long first = atol(argv[3]), count = atol(argv[4]), failed = 0;
    char path[4096];
    for (long i = first; i < first + count; i++) {
        snprintf(path, sizeof path, "%s/%s-%ld", argv[1], argv[2], i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) failed++; else close(fd);
    }
    printf("opened %ld failed %ld\n", count - failed, failed);
    return failed ? 1 : 0;
}
"#;

/// Path of the static `open_flood` binary (built with `cc -O2 -static`).
///
/// # Errors
/// When the compiler is missing or fails.
pub fn open_flood() -> anyhow::Result<PathBuf> {
    crate::cprog::static_binary("open_flood", SOURCE)
}

/// Runs `open_flood DIR PREFIX FIRST COUNT` and waits for it; `DIR` should be
/// absolute so that the reported paths are.
///
/// # Errors
/// When it cannot be built or run, or an open failed.
pub fn run_open_flood(dir: &Path, prefix: &str, first: u64, count: u64) -> anyhow::Result<()> {
    let out = Command::new(open_flood()?)
        .arg(dir)
        .args([prefix, &first.to_string(), &count.to_string()])
        .output()
        .context("running open_flood")?;
    if !out.status.success() {
        bail!(
            "open_flood {} {prefix} {first} {count} failed ({}): {}{}",
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::ErrorKind;

    use super::*;
    use crate::scratch::ScratchDir;

    #[test]
    fn creates_exactly_the_numbered_files() {
        if Command::new("cc").arg("--version").output().is_err_and(|e| e.kind() == ErrorKind::NotFound) {
            eprintln!("skipping: no `cc` to build open_flood");
            return;
        }
        let dir = ScratchDir::create("flood").expect("scratch dir");
        run_open_flood(dir.path(), "m", 3, 4).expect("open_flood");
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("listing the scratch dir")
            .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["m-3", "m-4", "m-5", "m-6"]);
    }
}
