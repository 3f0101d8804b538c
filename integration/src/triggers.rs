//! `sectrigger`: a tiny static program that performs exactly one
//! security-relevant action, compiled once per test process, so tests can
//! assert that the agent saw it.
//!
//! ```text
//! sectrigger [-d DIR] ACTION [ARGS]   # prints: ok ACTION ret=<ret> errno=<errno>[ key=value...]
//! ```
//!
//! It exits 0 even when the system call fails (the agent records failures
//! too); bad usage exits 2. `ret`/`errno` belong to the action's main system
//! call; when an earlier step of a chain fails, it stops there and adds
//! `step=<syscall>`. Relative path arguments are joined to the scratch `DIR`
//! (default `/tmp`), except symlink targets and the `NAME` of `open-rel`, `read-rel` and `read-root-rel`.
//! `memfd-exec` and `deleted-exec` replace the process with its own `noop`,
//! so on success they print `ok noop ... via=<action>`.
//!
//! Being static, it runs on the host and in the busybox test container: mount
//! its directory with `podman::run_with(&["-v", "<dir>:/w:ro"], ..)` and run
//! `/w/sectrigger`. The C source is `triggers.c`.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};

const SOURCE: &str = include_str!("triggers.c");

/// Every action `sectrigger list` prints, in that order.
pub const ACTIONS: &[&str] = &[
    // files
    "open-read",
    "open-write",
    "open-rel",
    "read-rel",
    "read-root-rel",
    "open2",
    "open-legacy",
    "unlink",
    "unlinkat",
    "rename",
    "renameat2",
    "chmod",
    "fchmodat",
    "fchmod",
    "chown",
    "fchownat",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "truncate",
    "ftruncate",
    // network, loopback only
    "tcp4-listen",
    "tcp6-listen",
    "unix-listen",
    "connect4",
    "udp4-bind",
    "accept-legacy",
    // privileges and isolation
    "setuid",
    "setgid",
    "setreuid",
    "setresuid",
    "setresgid",
    "setfsuid",
    "capset-drop",
    "unshare-net",
    "unshare-user",
    "setns",
    "mount-tmpfs",
    "umount",
    "pivot-root",
    "chroot",
    // kernel and tracing
    "init-module",
    "finit-module",
    "delete-module",
    "bpf-prog-load",
    "bpf-map-create",
    "ptrace-attach",
    "ptrace-traceme",
    "vm-readv",
    "vm-writev",
    // fileless execution and evasion
    "memfd",
    "memfd-exec",
    "deleted-exec",
    "prctl-name",
    "kill-other",
    "tkill-other",
    "kill-self0",
    // helpers
    "noop",
    "list",
];

/// Path of the static `sectrigger` binary (built with `cc -O2 -static`).
///
/// # Errors
/// When the compiler is missing or fails.
pub fn sectrigger() -> anyhow::Result<PathBuf> {
    crate::cprog::static_binary("sectrigger", SOURCE)
}

/// One `ok ACTION ret=.. errno=..[ key=value...]` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The action that printed the line (`noop` after a successful exec action).
    pub action: String,
    /// Return value of the main system call.
    pub ret: i64,
    /// Its errno, 0 on success.
    pub errno: i32,
    /// Extra `key=value` pairs: `port`, `peer_port`, `child`, `step`, `via`, ...
    pub extra: Vec<(String, String)>,
}

impl Report {
    /// Parses one report line; `None` if it is not one.
    #[must_use]
    pub fn parse(line: &str) -> Option<Self> {
        let mut words = line.split_whitespace();
        if words.next()? != "ok" {
            return None;
        }
        let action = words.next()?.to_owned();
        let ret = words.next()?.strip_prefix("ret=")?.parse().ok()?;
        let errno = words.next()?.strip_prefix("errno=")?.parse().ok()?;
        let extra =
            words.map(|w| w.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned()))).collect::<Option<_>>()?;
        Some(Self { action, ret, errno, extra })
    }

    /// The value of an extra key.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.extra.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Runs `sectrigger -d <scratch> <args>` on the host and parses its report.
///
/// # Errors
/// When it cannot be built or run, exits with failure, or prints no report.
pub fn run(scratch: &Path, args: &[&str]) -> anyhow::Result<Report> {
    let out = Command::new(sectrigger()?).arg("-d").arg(scratch).args(args).output().context("running sectrigger")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("sectrigger {args:?} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    Report::parse(stdout.trim_end()).with_context(|| format!("sectrigger {args:?} printed {stdout:?}"))
}

#[cfg(test)]
mod tests {
    use std::io::ErrorKind;

    use super::*;
    use crate::scratch::ScratchDir;

    /// The built program, or `None` (with a message) when there is no `cc`.
    fn built() -> Option<PathBuf> {
        if Command::new("cc").arg("--version").output().is_err_and(|e| e.kind() == ErrorKind::NotFound) {
            eprintln!("skipping: no `cc` to build sectrigger");
            return None;
        }
        Some(sectrigger().expect("building sectrigger"))
    }

    #[test]
    fn list_matches_actions() {
        let Some(bin) = built() else { return };
        let out = Command::new(bin).arg("list").output().expect("running sectrigger list");
        assert!(out.status.success(), "sectrigger list: {}", out.status);
        let listed = String::from_utf8(out.stdout).expect("utf-8 list");
        assert_eq!(listed.lines().collect::<Vec<_>>(), ACTIONS);
    }

    #[test]
    fn harmless_actions_report_ok() {
        if built().is_none() {
            return;
        }
        let dir = ScratchDir::create("triggers").expect("scratch dir");
        let d = dir.path();
        let cases: &[&[&str]] = &[
            &["noop"],
            &["open-write", "file"],
            &["rename", "file", "renamed"],
            &["symlink", "renamed", "link"],
            &["prctl-name", "sysotel-trig"],
            &["memfd", "sysotel-memfd"],
            &["kill-self0"],
            &["tcp4-listen", "0"],
            &["unix-listen", "sock"],
        ];
        for args in cases {
            let report = run(d, args).unwrap_or_else(|e| panic!("{e:#}"));
            assert_eq!(report.action, args[0]);
            assert_eq!(report.errno, 0, "{args:?}: {report:?}");
            assert!(report.ret >= 0, "{args:?}: {report:?}");
        }
        assert!(d.join("renamed").is_file(), "rename moved the file written by open-write");
        assert_eq!(std::fs::read_link(d.join("link")).expect("symlink"), Path::new("renamed"));
        let tcp = run(d, &["tcp4-listen", "0"]).expect("tcp4-listen");
        assert!(tcp.get("port").and_then(|p| p.parse::<u16>().ok()).is_some_and(|p| p != 0), "{tcp:?}");
    }

    #[test]
    fn failures_still_report_ok() {
        if built().is_none() {
            return;
        }
        let dir = ScratchDir::create("triggers-fail").expect("scratch dir");
        let report = run(dir.path(), &["open-read", "missing"]).expect("open-read");
        assert_eq!((report.ret, report.errno), (-1, libc::ENOENT));
    }

    #[test]
    fn parses_reports() {
        let r = Report::parse("ok tcp4-listen ret=5 errno=0 port=4000 peer_port=5000").expect("a report");
        assert_eq!((r.action.as_str(), r.ret, r.errno), ("tcp4-listen", 5, 0));
        assert_eq!(r.get("peer_port"), Some("5000"));
        assert_eq!(Report::parse("sectrigger: unknown action x"), None);
        assert_eq!(Report::parse("ok x ret=-1"), None);
    }
}
