//! Tiny static programs that make an exact number of `getppid` syscalls
//! (one while another process moves it to another cgroup), compiled once per test
//! process, so syscall counts can be asserted.

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

const MOVED_SOURCE: &str = r#"
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: cgroup_moved_loop CGROUP_DIR N\n"); return 2; }
    long n = atol(argv[2]);
    volatile int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) { perror("mmap"); return 1; }
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 1; }
    /* Child and parent on different CPUs (when there are two): the parent's
       wake-ups must not preempt the child. */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(child == 0 && cpus > 1 ? 1 : 0, &set);
    sched_setaffinity(0, sizeof set, &set);
    if (child == 0) {
        shared[0] = 1;
        while (!shared[1]) syscall(SYS_getppid);
        for (long i = 0; i < n; i++) syscall(SYS_getppid);
        _exit(0);
    }
    while (!shared[0]) usleep(1000);
    usleep(20000);
    char path[4096], pid[32];
    snprintf(path, sizeof path, "%s/cgroup.procs", argv[1]);
    int len = snprintf(pid, sizeof pid, "%d", child);
    int fd = open(path, O_WRONLY);
    int moved = fd >= 0 && write(fd, pid, len) == len;
    if (!moved) perror(path);
    shared[1] = 1;
    int status;
    waitpid(child, &status, 0);
    return moved && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
"#;

/// Path of the static `cgroup_moved_loop DIR N` binary. It forks a child
/// that spins on `getppid` without blocking, moves that running child into
/// the cgroup v2 directory `DIR` (through its `cgroup.procs`), then lets it
/// make exactly `N` more calls. Child and parent are pinned to different
/// CPUs, so the child keeps its CPU throughout unless something else
/// preempts it.
///
/// # Errors
/// When the compiler is missing or fails.
pub fn cgroup_moved_loop() -> anyhow::Result<PathBuf> {
    crate::cprog::static_binary("cgroup_moved_loop", MOVED_SOURCE)
}
