//! Slow-syscall thresholds: which calls become spans.
//!
//! Syntax (`--slow-syscalls`, `SYSOTEL_SLOW_SYSCALLS`, file key
//! `slow_syscalls`): comma-separated `name=DURATION` or `name=off`, where
//! `default` sets every syscall not named. Durations use units (`250ms`,
//! `2s`, `500us`). Calls that wait by design (sleeps, futexes, polls,
//! blocking reads and receives, waits) are off unless named, otherwise every
//! idle process would produce spans: e.g. `default=100ms,clock_nanosleep=50ms`.

use std::{collections::HashMap, time::Duration};

use exporter_common::syscalls::{
    CONN_ROLE_ACCEPT, CONN_ROLE_CLOSE, CONN_ROLE_CONNECT, CONN_ROLE_NONE, CONN_ROLE_RECV, CONN_ROLE_SEND,
    SLOW_SPECS_MAX, SLOW_TARGET_NONE, SLOW_TARGET_PATH_ARG0, SLOW_TARGET_PATH_ARG1, SLOW_TARGET_SOCKADDR_ARG1,
    SyscallSpec,
};
use thiserror::Error;

/// The default threshold for calls not named.
pub const DEFAULT_THRESHOLD: Duration = Duration::from_millis(100);

/// Calls that block by design; off unless configured.
pub const WAITING: &[&str] = &[
    "futex",
    "futex_waitv",
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "nanosleep",
    "clock_nanosleep",
    "wait4",
    "waitid",
    "pause",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "read",
    "readv",
    "pread64",
    "recvfrom",
    "recvmsg",
    "recvmmsg",
    "accept",
    "accept4",
    "io_getevents",
    "io_pgetevents",
    "io_uring_enter",
    "msgrcv",
    "semop",
    "semtimedop",
    "mq_timedreceive",
    "sigtimedwait",
    "flock",
    "fcntl",
];

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SlowConfigError {
    #[error("slow syscall setting {0:?} is not `name=duration` or `name=off`")]
    Syntax(String),
    #[error("unknown syscall {0:?} in slow syscall settings")]
    UnknownSyscall(String),
    #[error("bad duration {value:?} for {name}: {reason}")]
    Duration { name: String, value: String, reason: String },
}

/// Parsed settings: `None` means off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlowThresholds {
    pub default: Option<Duration>,
    pub per_syscall: HashMap<String, Option<Duration>>,
}

impl Default for SlowThresholds {
    fn default() -> Self {
        Self { default: Some(DEFAULT_THRESHOLD), per_syscall: HashMap::new() }
    }
}

/// Parses the setting string.
///
/// # Errors
/// [`SlowConfigError`] naming the bad entry.
pub fn parse_slow(spec: &str) -> Result<SlowThresholds, SlowConfigError> {
    let mut t = SlowThresholds::default();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, value) = item.split_once('=').ok_or_else(|| SlowConfigError::Syntax(item.to_string()))?;
        let (name, value) = (name.trim(), value.trim());
        let d = if value.eq_ignore_ascii_case("off") {
            None
        } else {
            let d = humantime::parse_duration(value).map_err(|e| SlowConfigError::Duration {
                name: name.to_string(),
                value: value.to_string(),
                reason: e.to_string(),
            })?;
            (!d.is_zero()).then_some(d)
        };
        if name == "default" {
            t.default = d;
        } else if nr_of(name).is_some() {
            t.per_syscall.insert(name.to_string(), d);
        } else {
            return Err(SlowConfigError::UnknownSyscall(name.to_string()));
        }
    }
    Ok(t)
}

fn nr_of(name: &str) -> Option<u32> {
    name.parse::<syscalls::Sysno>().ok().map(|s| s.id() as u32)
}

/// The call's part in connection tracking.
fn conn_role_of(name: &str) -> u32 {
    match name {
        "connect" => CONN_ROLE_CONNECT,
        "accept" | "accept4" => CONN_ROLE_ACCEPT,
        "close" => CONN_ROLE_CLOSE,
        "write" | "writev" | "sendto" | "sendmsg" => CONN_ROLE_SEND,
        "read" | "readv" | "recvfrom" | "recvmsg" => CONN_ROLE_RECV,
        _ => CONN_ROLE_NONE,
    }
}

/// Which argument holds the call's target.
fn target_of(name: &str) -> u32 {
    match name {
        "open" | "creat" | "stat" | "lstat" | "access" | "unlink" | "mkdir" | "rmdir" | "chmod" | "chown"
        | "lchown" | "truncate" | "readlink" | "statfs" | "chdir" | "chroot" | "rename" | "link" | "symlink" => {
            SLOW_TARGET_PATH_ARG0
        }
        "openat" | "openat2" | "newfstatat" | "statx" | "unlinkat" | "mkdirat" | "fchmodat" | "fchownat"
        | "faccessat" | "faccessat2" | "readlinkat" | "renameat" | "renameat2" | "mknodat" | "utimensat" => {
            SLOW_TARGET_PATH_ARG1
        }
        "connect" | "bind" => SLOW_TARGET_SOCKADDR_ARG1,
        _ => SLOW_TARGET_NONE,
    }
}

impl SlowThresholds {
    /// The kernel table: `(nr, spec)` for every syscall number below
    /// [`SLOW_SPECS_MAX`] that has a threshold or, with `connections`, a part
    /// in connection tracking.
    #[must_use]
    pub fn kernel_specs(&self, connections: bool) -> Vec<(u32, SyscallSpec)> {
        (0..SLOW_SPECS_MAX)
            .filter_map(|nr| {
                let name = syscalls::Sysno::new(nr as usize)?.name();
                let d = match self.per_syscall.get(name) {
                    Some(d) => *d,
                    None if WAITING.contains(&name) => None,
                    None => self.default,
                };
                let threshold_ns = d.map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
                let conn_role = if connections { conn_role_of(name) } else { CONN_ROLE_NONE };
                (threshold_ns != 0 || conn_role != CONN_ROLE_NONE)
                    .then(|| (nr, SyscallSpec { threshold_ns, target: target_of(name), conn_role, ..SyscallSpec::OFF }))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_for(t: &SlowThresholds, name: &str) -> Option<SyscallSpec> {
        let nr = nr_of(name).unwrap();
        t.kernel_specs(false).into_iter().find(|(n, _)| *n == nr).map(|(_, s)| s)
    }

    #[test]
    fn defaults_skip_waiting_calls() {
        let t = SlowThresholds::default();
        assert_eq!(spec_for(&t, "openat").unwrap().threshold_ns, 100_000_000);
        assert_eq!(spec_for(&t, "openat").unwrap().target, SLOW_TARGET_PATH_ARG1);
        assert_eq!(spec_for(&t, "connect").unwrap().target, SLOW_TARGET_SOCKADDR_ARG1);
        assert!(spec_for(&t, "futex").is_none());
        assert!(spec_for(&t, "clock_nanosleep").is_none());
    }

    #[test]
    fn overrides_and_errors() {
        let t = parse_slow("default=off, clock_nanosleep=50ms, fsync=2s").unwrap();
        assert!(spec_for(&t, "openat").is_none());
        assert_eq!(spec_for(&t, "clock_nanosleep").unwrap().threshold_ns, 50_000_000);
        assert_eq!(spec_for(&t, "fsync").unwrap().threshold_ns, 2_000_000_000);
        assert_eq!(parse_slow("bogus=1s"), Err(SlowConfigError::UnknownSyscall("bogus".into())));
        assert!(matches!(parse_slow("read"), Err(SlowConfigError::Syntax(_))));
        assert!(matches!(parse_slow("read=soon"), Err(SlowConfigError::Duration { .. })));
        assert_eq!(parse_slow("").unwrap(), SlowThresholds::default());
    }

    #[test]
    fn connection_roles_ride_along() {
        let t = parse_slow("default=off").unwrap();
        assert!(t.kernel_specs(false).is_empty());
        let specs = t.kernel_specs(true);
        let close = nr_of("close").unwrap();
        let s = specs.iter().find(|(n, _)| *n == close).unwrap().1;
        assert_eq!((s.threshold_ns, s.conn_role), (0, CONN_ROLE_CLOSE));
    }
}
