//! The C workloads, compiled with `cc -O2` into the scratch directory. Each
//! prints one number on stdout: ns per call, or process starts per second;
//! the event flood prints a `key=value` line with the events it made.

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
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
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

const EXEC_STORM_MAIN: &str = r#"
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000;
    if (argc > 2) {
        /* Pinned: the storm and every child it starts stay on this CPU. */
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(atoi(argv[2]), &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) { perror("sched_setaffinity"); return 1; }
    }
    char *args[] = {"/bin/true", NULL};
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = start_true(args);
        if (pid < 0) return 1;
        int status;
        if (waitpid(pid, &status, 0) < 0) { perror("waitpid"); return 1; }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "/bin/true failed\n"); return 1; }
    }
    double t1 = now_ns();
    printf("%.1f\n", (double)n / ((t1 - t0) / 1e9));
    return 0;
}
"#;

/// `start_true` with `posix_spawn`.
const START_BY_POSIX_SPAWN: &str = r#"
extern char **environ;

static pid_t start_true(char **args) {
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ);
    if (rc != 0) { fprintf(stderr, "posix_spawn: error %d\n", rc); return -1; }
    return pid;
}
"#;

/// `start_true` the classic way: `fork`, then `execve` in the child.
const START_BY_FORK_EXEC: &str = r#"
extern char **environ;

static pid_t start_true(char **args) {
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return -1; }
    if (pid == 0) { execve("/bin/true", args, environ); _exit(127); }
    return pid;
}
"#;

/// `flood RATE SECONDS DIR WORKERS`: WORKERS forked processes produce
/// security events for SECONDS at RATE in total (each RATE / WORKERS, paced in
/// 1 ms batches to absolute deadlines; RATE 0: as fast as they can). A unit is
/// 8 opens with `O_WRONLY` of pre-created files in DIR (no truncation), then a
/// loopback `connect` to the worker's own listener and its `accept4`; the
/// client closes first with `SO_LINGER` 0 (a reset, so no TIME_WAIT piles up).
/// Each of those calls is one security record (a connect also makes two
/// connection-tracking records, see `flood.rs`); the set-up (file creation,
/// `bind`, `listen`) is not counted. Prints the loop's events, connects and rate.
const FLOOD: &str = r#"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define FILES 16
#define OPENS_PER_UNIT 8
#define EVENTS_PER_UNIT (OPENS_PER_UNIT + 2)

struct result { long units; double seconds; int failed; };

static char paths[FILES][512];
static int listener = -1;
static struct sockaddr_in peer;

static int setup(const char *dir, int worker) {
    for (int i = 0; i < FILES; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/flood-%d-%d", dir, worker, i);
        int fd = open(paths[i], O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) { perror(paths[i]); return -1; }
        close(fd);
    }
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) { perror("socket"); return -1; }
    memset(&peer, 0, sizeof peer);
    peer.sin_family = AF_INET;
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof peer;
    if (bind(listener, (struct sockaddr *)&peer, len) < 0 || listen(listener, 64) < 0 ||
        getsockname(listener, (struct sockaddr *)&peer, &len) < 0) {
        perror("loopback listener");
        return -1;
    }
    return 0;
}

static int unit(long n) {
    for (int i = 0; i < OPENS_PER_UNIT; i++) {
        int fd = open(paths[(n * OPENS_PER_UNIT + i) % FILES], O_WRONLY | O_CLOEXEC);
        if (fd < 0) { perror("open"); return -1; }
        close(fd);
    }
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0) { perror("socket"); return -1; }
    struct linger reset = {1, 0};
    if (setsockopt(c, SOL_SOCKET, SO_LINGER, &reset, sizeof reset) < 0) { perror("SO_LINGER"); return -1; }
    if (connect(c, (struct sockaddr *)&peer, sizeof peer) < 0) { perror("connect"); return -1; }
    int s = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (s < 0) { perror("accept4"); return -1; }
    close(c);
    close(s);
    return 0;
}

static void sleep_until(double ns) {
    struct timespec at = {(time_t)(ns / 1e9), 0};
    at.tv_nsec = (long)(ns - (double)at.tv_sec * 1e9);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR) {}
}

static void work(double rate, double seconds, struct result *r) {
    long units = 0;
    double t0 = now_ns(), end = t0 + seconds * 1e9, now = t0;
    if (rate > 0) {
        /* A worker that falls behind catches up, but never past the end. */
        double unit_ns = 1e9 * EVENTS_PER_UNIT / rate;
        while (now < end) {
            long due = (long)((now - t0) / unit_ns) + 1;
            for (; units < due && now < end; units++, now = now_ns()) if (unit(units)) { r->failed = 1; return; }
            if (now >= end) break;
            sleep_until(t0 + ((long)((now - t0) / 1e6) + 1) * 1e6);
            now = now_ns();
        }
    } else {
        while (now < end) {
            for (int i = 0; i < 64; i++, units++) if (unit(units)) { r->failed = 1; return; }
            now = now_ns();
        }
    }
    r->units = units;
    r->seconds = (now_ns() - t0) / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: flood RATE SECONDS DIR WORKERS\n"); return 2; }
    double rate = atof(argv[1]), seconds = atof(argv[2]);
    int workers = atoi(argv[4]);
    if (workers < 1 || workers > 64) { fprintf(stderr, "flood: 1 to 64 workers\n"); return 2; }
    struct result *results = mmap(NULL, sizeof(struct result) * workers, PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (results == MAP_FAILED) { perror("mmap"); return 1; }
    for (int w = 0; w < workers; w++) {
        results[w].failed = 1;
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); return 1; }
        if (pid == 0) {
            if (setup(argv[3], w) == 0) { results[w].failed = 0; work(rate / workers, seconds, &results[w]); }
            _exit(0);
        }
    }
    long units = 0;
    double longest = 0;
    int failed = 0;
    while (wait(NULL) > 0) {}
    for (int w = 0; w < workers; w++) {
        failed |= results[w].failed;
        units += results[w].units;
        if (results[w].seconds > longest) longest = results[w].seconds;
    }
    if (failed) { fprintf(stderr, "flood: a worker failed\n"); return 1; }
    long events = units * EVENTS_PER_UNIT;
    printf("events=%ld connects=%ld seconds=%.3f rate=%.0f\n", events, units, longest, (double)events / longest);
    return 0;
}
"#;

/// Paths of the compiled workloads.
pub struct Binaries {
    pub getppid: PathBuf,
    pub open_close: PathBuf,
    pub exec_storm: PathBuf,
    pub fork_exec_storm: PathBuf,
    pub flood: PathBuf,
}

/// Writes the sources into `dir` and compiles each with `cc -O2`.
pub fn compile(dir: &Path) -> Result<Binaries> {
    Ok(Binaries {
        getppid: compile_one(dir, "getppid", GETPPID)?,
        open_close: compile_one(dir, "open_close", OPEN_CLOSE)?,
        exec_storm: compile_one(dir, "exec_storm", &format!("{START_BY_POSIX_SPAWN}{EXEC_STORM_MAIN}"))?,
        fork_exec_storm: compile_one(dir, "fork_exec_storm", &format!("{START_BY_FORK_EXEC}{EXEC_STORM_MAIN}"))?,
        flood: compile_one(dir, "flood", FLOOD)?,
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
