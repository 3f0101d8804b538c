//! The C workloads, compiled with `cc -O2` into the scratch directory. Each
//! prints one number on stdout: ns per call, or process starts per second.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, Result};

use crate::cmd;

/// Iterations of the `getppid` loop.
pub const GETPPID_CALLS: u32 = 2_000_000;
/// Iterations of the `open("/dev/null")` + `close` loop.
pub const OPEN_CLOSE_CALLS: u32 = 500_000;
/// `/bin/true` starts per exec-storm run.
pub const EXEC_STARTS: u32 = 2_000;

const COMMON: &str = r#"#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}
"#;

const GETPPID: &str = r#"
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    for (long i = 0; i < 10000; i++) syscall(SYS_getppid);
    double t0 = now_ns();
    for (long i = 0; i < n; i++) syscall(SYS_getppid);
    double t1 = now_ns();
    printf("%.2f\n", (t1 - t0) / (double)n);
    return 0;
}
"#;

const OPEN_CLOSE: &str = r#"
static int once(void) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd < 0) { perror("open /dev/null"); return -1; }
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 500000;
    for (long i = 0; i < 10000; i++) if (once()) return 1;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) if (once()) return 1;
    double t1 = now_ns();
    printf("%.2f\n", (t1 - t0) / (double)n);
    return 0;
}
"#;

const EXEC_STORM: &str = r#"
extern char **environ;

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000;
    char *args[] = {"/bin/true", NULL};
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid;
        int rc = posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ);
        if (rc != 0) { fprintf(stderr, "posix_spawn: error %d\n", rc); return 1; }
        int status;
        if (waitpid(pid, &status, 0) < 0) { perror("waitpid"); return 1; }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "/bin/true failed\n"); return 1; }
    }
    double t1 = now_ns();
    printf("%.1f\n", (double)n / ((t1 - t0) / 1e9));
    return 0;
}
"#;

/// Paths of the compiled workloads.
pub struct Binaries {
    pub getppid: PathBuf,
    pub open_close: PathBuf,
    pub exec_storm: PathBuf,
}

/// Writes the sources into `dir` and compiles each with `cc -O2`.
pub fn compile(dir: &Path) -> Result<Binaries> {
    Ok(Binaries {
        getppid: compile_one(dir, "getppid", GETPPID)?,
        open_close: compile_one(dir, "open_close", OPEN_CLOSE)?,
        exec_storm: compile_one(dir, "exec_storm", EXEC_STORM)?,
    })
}

fn compile_one(dir: &Path, name: &str, body: &str) -> Result<PathBuf> {
    let source = dir.join(format!("{name}.c"));
    let binary = dir.join(name);
    fs::write(&source, format!("{COMMON}{body}")).with_context(|| format!("cannot write {}", source.display()))?;
    cmd::run(Command::new("cc").arg("-O2").arg("-o").arg(&binary).arg(&source))
        .context("cannot compile a C workload (is `cc` installed?)")?;
    Ok(binary)
}
