//! A tiny static program that makes an exact number of `getppid` syscalls,
//! compiled once per test process, so syscall counts can be asserted.

use std::path::PathBuf;

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

/// Path of the static `getppid_loop N` binary (built with `cc -static`).
///
/// # Errors
/// When the compiler is missing or fails.
pub fn getppid_loop() -> anyhow::Result<PathBuf> {
    crate::cprog::static_binary("getppid_loop", SOURCE)
}
