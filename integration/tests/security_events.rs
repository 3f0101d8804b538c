//! Security events end to end: `sectrigger` performs each security-relevant
//! action for real, on the host and inside a podman busybox container, and the
//! `sysotel.security.<category>` records (or exec records) it causes must
//! arrive at rotel with their arguments decoded.
//!
//! The expectations are one table, [`CASES`]: an action, and for each record
//! it must cause the event name, the syscall and a predicate on the record.
//! On the host a record belongs to a case by `process.pid` (the `sectrigger`
//! child, or the child it forks). In the container every case runs from one
//! `sh` script, so records are told apart by `container.id` on the Resource,
//! the syscall, and arguments or paths under the scratch directory. What the
//! container may not do (mount, bpf, setns, ...) must still arrive, failing
//! with the errno the caller saw: the event is the attempt. Negative checks
//! (`kill(self, 0)`, reads of unwatched files) are judged once every positive
//! one, including a final marker record, has arrived.
//!
//! A second test restarts the agent with `SYSOTEL_WATCH_PATHS` and a
//! category list. Agents take turns within a test process (the agent holds
//! its turn while it runs), so the two tests never overlap.

use std::{
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    thread,
    time::{Duration, Instant},
};

use exporter_common::events::security::SEC_WATCH_PREFIX_MAX;
use sysotel_integration::{
    events::{BPF, EVASION, EXEC, FILE, ISOLATION, MODULE, NETWORK, PRIVILEGE, PTRACE, SIGNAL},
    gate::require_integration,
    net::free_ports,
    podman,
    receiver::Receiver,
    records::{AttrValue, Attributes, LogEntry},
    stack::Stack,
    triggers::{Report, sectrigger},
};

/// How long every expected record of one run (host or container) may take.
const TIMEOUT: Duration = Duration::from_secs(30);

const WATCHED: &str = "sysotel.file.watched";
const MEMFD: &str = "sysotel.process.executable.memfd";
const DELETED: &str = "sysotel.process.executable.deleted";
const SETUID_MODE: &str = "4755|S_ISUID";
/// `linux/capability.h`.
const CAP_SYS_ADMIN: u32 = 21;
/// Module parameters `sectrigger` passes to init_module and finit_module.
const MODULE_PARAMS: &str = "sysotel_test=1";

/// Files the cases act on, created in each scratch directory beforehand.
const FILES: &[&str] = &[
    "unlink-f",
    "unlinkat-f",
    "rename-f",
    "renameat2-f",
    "chmod-f",
    "fchmodat-f",
    "fchmod-f",
    "chown-f",
    "fchownat-f",
    "link-f",
    "linkat-f",
    "trunc-f",
    "ftrunc-f",
    "module-f",
    "plain-f",
    "watched/w-f",
];
const DIRS: &[&str] = &["mnt", "newroot/old", "jail", "watched"];

/// A predicate on one candidate record.
type Check = fn(&Seen<'_>) -> bool;

/// What the record's result must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// The action's main system call: the result `sectrigger` reported.
    Main,
    /// Another call of the action; any result.
    Side,
    /// Fails with this errno (for busybox commands, which print no report).
    Fails(i32),
    /// No record may match.
    Absent,
}

/// Which process makes the call, on the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    /// The `sectrigger` process itself.
    Caller,
    /// The child it reports as `child=`.
    Child,
}

/// One record an action must (or must not) cause.
struct Expect {
    event: &'static str,
    /// `sysotel.syscall.name`; empty for exec records.
    syscall: &'static str,
    outcome: Outcome,
    who: Who,
    check: Check,
}

const fn main(event: &'static str, syscall: &'static str, check: Check) -> Expect {
    Expect { event, syscall, outcome: Outcome::Main, who: Who::Caller, check }
}

const fn side(event: &'static str, syscall: &'static str, check: Check) -> Expect {
    Expect { outcome: Outcome::Side, ..main(event, syscall, check) }
}

const fn eperm(event: &'static str, syscall: &'static str, check: Check) -> Expect {
    Expect { outcome: Outcome::Fails(libc::EPERM), ..main(event, syscall, check) }
}

const fn absent(event: &'static str, syscall: &'static str, check: Check) -> Expect {
    Expect { outcome: Outcome::Absent, ..main(event, syscall, check) }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum On {
    Both,
    Host,
    Container,
}

#[derive(Clone, Copy, Debug)]
enum Cmd {
    /// `sectrigger -d DIR ARGS`; an argument `PORT` becomes a free port.
    Trigger(&'static [&'static str]),
    /// `busybox ARGS` in the container, from the scratch directory.
    Busybox(&'static [&'static str]),
}

struct Case {
    on: On,
    cmd: Cmd,
    expect: &'static [Expect],
}

const fn both(args: &'static [&'static str], expect: &'static [Expect]) -> Case {
    Case { on: On::Both, cmd: Cmd::Trigger(args), expect }
}

const fn host(args: &'static [&'static str], expect: &'static [Expect]) -> Case {
    Case { on: On::Host, cmd: Cmd::Trigger(args), expect }
}

const fn busybox(args: &'static [&'static str], expect: &'static [Expect]) -> Case {
    Case { on: On::Container, cmd: Cmd::Busybox(args), expect }
}

/// Every action, in the order it runs. The last one is the marker.
static CASES: &[Case] = &[
    // Files: opens for writing always, reads only below watched paths.
    both(
        &["open-write", "ow-f"],
        &[main(FILE, "openat", |s| {
            s.file("ow-f")
                && s.arg_is_path("name", "ow-f")
                && s.arg("dirfd") == Some("AT_FDCWD")
                && s.arg("flags") == Some("O_WRONLY|O_CREAT|O_TRUNC")
                && s.arg("mode") == Some("0644")
                && !s.flag(WATCHED)
        })],
    ),
    both(
        &["open-read", "/etc/shadow"],
        &[main(FILE, "openat", |s| {
            s.attr("file.path") == Some("/etc/shadow") && s.flag(WATCHED) && s.arg("flags") == Some("O_RDONLY")
        })],
    ),
    both(
        &["open-read", "plain-f"],
        &[absent(FILE, "openat", |s| s.arg("name").is_some_and(|n| n.ends_with("plain-f")))],
    ),
    // A watched file by a relative path: /etc/shadow from the scratch
    // directory, on the host and in the container (enough `..` for any
    // scratch depth: at the root, `..` stays there).
    both(
        &["read-rel", "../../../../../../../../etc/shadow"],
        &[main(FILE, "openat", |s| {
            s.attr("file.path") == Some("/etc/shadow")
                && s.flag(WATCHED)
                && s.arg("name") == Some("../../../../../../../../etc/shadow")
        })],
    ),
    // From `/`: in the container the working directory is the root of the
    // mount namespace, a base of no component.
    both(
        &["read-root-rel", "etc/shadow"],
        &[main(FILE, "openat", |s| {
            s.attr("file.path") == Some("/etc/shadow") && s.flag(WATCHED) && s.arg("name") == Some("etc/shadow")
        })],
    ),
    both(&["open-rel", "rel-f"], &[main(FILE, "openat", |s| s.arg("name") == Some("rel-f") && s.file("rel-f"))]),
    both(
        &["open2", "o2-f"],
        &[main(FILE, "openat2", |s| s.file("o2-f") && s.arg("flags") == Some("O_WRONLY|O_CREAT"))],
    ),
    both(
        &["open-legacy", "ol-f"],
        &[main(FILE, "open", |s| {
            s.file("ol-f") && s.arg("flags") == Some("O_WRONLY|O_CREAT") && s.arg("mode") == Some("0644")
        })],
    ),
    both(&["unlink", "unlink-f"], &[main(FILE, "unlink", |s| s.file("unlink-f") && s.arg_is_path("path", "unlink-f"))]),
    both(
        &["unlinkat", "unlinkat-f"],
        &[main(FILE, "unlinkat", |s| s.file("unlinkat-f") && s.arg("dirfd") == Some("AT_FDCWD"))],
    ),
    both(
        &["rename", "rename-f", "rename-t"],
        &[main(FILE, "rename", |s| s.file("rename-f") && s.target_in_dir("rename-t"))],
    ),
    both(
        &["renameat2", "renameat2-f", "renameat2-t"],
        &[main(FILE, "renameat2", |s| {
            s.file("renameat2-f") && s.target_in_dir("renameat2-t") && s.arg("flags") == Some("0")
        })],
    ),
    both(
        &["chmod", "chmod-f", "4755"],
        &[main(FILE, "chmod", |s| s.file("chmod-f") && s.arg("mode") == Some(SETUID_MODE))],
    ),
    both(
        &["fchmodat", "fchmodat-f", "4755"],
        &[main(FILE, "fchmodat", |s| s.file("fchmodat-f") && s.arg("mode") == Some(SETUID_MODE))],
    ),
    both(
        &["fchmod", "fchmod-f", "4755"],
        &[main(FILE, "fchmod", |s| s.file("fchmod-f") && s.arg("mode") == Some(SETUID_MODE))],
    ),
    both(
        &["chown", "chown-f", "1000", "1000"],
        &[main(FILE, "chown", |s| s.file("chown-f") && s.arg("uid") == Some("1000") && s.arg("gid") == Some("1000"))],
    ),
    both(
        &["fchownat", "fchownat-f", "1001", "1001"],
        &[main(FILE, "fchownat", |s| {
            s.file("fchownat-f") && s.arg("uid") == Some("1001") && s.arg("gid") == Some("1001")
        })],
    ),
    both(&["link", "link-f", "link-t"], &[main(FILE, "link", |s| s.file("link-f") && s.target_in_dir("link-t"))]),
    both(
        &["linkat", "linkat-f", "linkat-t"],
        &[main(FILE, "linkat", |s| s.file("linkat-f") && s.target_in_dir("linkat-t"))],
    ),
    both(
        &["symlink", "symlink-target", "symlink-l"],
        &[main(FILE, "symlink", |s| s.file("symlink-l") && s.target("symlink-target"))],
    ),
    both(
        &["symlinkat", "symlinkat-target", "symlinkat-l"],
        &[main(FILE, "symlinkat", |s| s.file("symlinkat-l") && s.target("symlinkat-target"))],
    ),
    both(
        &["truncate", "trunc-f", "7"],
        &[main(FILE, "truncate", |s| s.file("trunc-f") && s.arg("length") == Some("7"))],
    ),
    both(
        &["ftruncate", "ftrunc-f", "9"],
        &[main(FILE, "ftruncate", |s| s.file("ftrunc-f") && s.arg("length") == Some("9"))],
    ),
    // Network, on loopback.
    both(
        &["tcp4-listen", "PORT"],
        &[
            side(NETWORK, "bind", |s| s.inet("local", "127.0.0.1", "ipv4") && s.addr_arg("127.0.0.1")),
            side(NETWORK, "listen", |s| s.inet("local", "127.0.0.1", "ipv4")),
            side(NETWORK, "connect", |s| s.inet("peer", "127.0.0.1", "ipv4") && s.addr_arg("127.0.0.1")),
            main(NETWORK, "accept4", |_| true),
        ],
    ),
    both(
        &["tcp6-listen", "PORT"],
        &[
            side(NETWORK, "bind", |s| s.inet("local", "::1", "ipv6") && s.addr_arg("[::1]")),
            side(NETWORK, "listen", |s| s.inet("local", "::1", "ipv6")),
            side(NETWORK, "connect", |s| s.inet("peer", "::1", "ipv6") && s.addr_arg("[::1]")),
            main(NETWORK, "accept4", |_| true),
        ],
    ),
    both(
        &["unix-listen", "sock"],
        &[
            side(NETWORK, "bind", |s| s.unix("local", "sock") && s.arg_is_path("addr", "sock")),
            side(NETWORK, "listen", |s| s.unix("local", "sock")),
            side(NETWORK, "connect", |s| s.unix("peer", "sock") && s.arg_is_path("addr", "sock")),
            main(NETWORK, "accept4", |_| true),
        ],
    ),
    both(
        &["udp4-bind", "PORT"],
        &[main(NETWORK, "bind", |s| s.inet("local", "127.0.0.1", "ipv4") && s.addr_arg("127.0.0.1"))],
    ),
    // Nothing listens there: ECONNREFUSED.
    both(
        &["connect4", "PORT"],
        &[main(NETWORK, "connect", |s| s.inet("peer", "127.0.0.1", "ipv4") && s.addr_arg("127.0.0.1"))],
    ),
    both(&["accept-legacy"], &[main(NETWORK, "accept", |_| true)]),
    // Privileges.
    both(&["setuid", "1234"], &[main(PRIVILEGE, "setuid", |s| s.arg("uid") == Some("1234"))]),
    both(&["setgid", "1235"], &[main(PRIVILEGE, "setgid", |s| s.arg("gid") == Some("1235"))]),
    both(
        &["setreuid", "-1", "1236"],
        &[main(PRIVILEGE, "setreuid", |s| s.arg("ruid") == Some("-1") && s.arg("euid") == Some("1236"))],
    ),
    both(
        &["setresuid", "-1", "1237", "-1"],
        &[main(PRIVILEGE, "setresuid", |s| {
            s.arg("ruid") == Some("-1") && s.arg("euid") == Some("1237") && s.arg("suid") == Some("-1")
        })],
    ),
    both(
        &["setresgid", "-1", "1238", "-1"],
        &[main(PRIVILEGE, "setresgid", |s| {
            s.arg("rgid") == Some("-1") && s.arg("egid") == Some("1238") && s.arg("sgid") == Some("-1")
        })],
    ),
    both(&["setfsuid", "1239"], &[main(PRIVILEGE, "setfsuid", |s| s.arg("uid") == Some("1239"))]),
    both(&["capset-drop"], &[main(PRIVILEGE, "capset", |s| s.dropped_sys_admin())]),
    // Isolation. The container lacks CAP_SYS_ADMIN: its attempts fail.
    both(&["unshare-net"], &[main(ISOLATION, "unshare", |s| s.arg("flags") == Some("CLONE_NEWNET"))]),
    both(&["unshare-user"], &[main(ISOLATION, "unshare", |s| s.arg("flags") == Some("CLONE_NEWUSER"))]),
    both(&["setns", "/proc/self/ns/net"], &[main(ISOLATION, "setns", |s| s.arg("nstype") == Some("0"))]),
    host(
        &["mount-tmpfs", "mnt"],
        &[
            side(ISOLATION, "unshare", |s| s.arg("flags") == Some("CLONE_NEWNS")),
            main(ISOLATION, "mount", |s| s.tmpfs_on_mnt()),
            side(ISOLATION, "umount2", |s| s.file("mnt") && s.int("sysotel.syscall.return") == Some(0)),
        ],
    ),
    busybox(&["mount", "-t", "tmpfs", "sysotel-tmpfs", "mnt"], &[eperm(ISOLATION, "mount", |s| s.tmpfs_on_mnt())]),
    host(&["umount", "mnt"], &[main(ISOLATION, "umount2", |s| s.file("mnt"))]),
    busybox(&["umount", "mnt"], &[eperm(ISOLATION, "umount2", |s| s.file("mnt"))]),
    host(
        &["pivot-root", "newroot", "newroot/old"],
        &[main(ISOLATION, "pivot_root", |s| s.file("newroot") && s.target_in_dir("newroot/old"))],
    ),
    busybox(
        &["pivot_root", "newroot", "newroot/old"],
        &[eperm(ISOLATION, "pivot_root", |s| s.file("newroot") && s.target_in_dir("newroot/old"))],
    ),
    both(&["chroot", "jail"], &[main(ISOLATION, "chroot", |s| s.file("jail") && s.arg_is_path("path", "jail"))]),
    // Kernel modules: ENOSYS on a kernel without module support, EPERM under
    // the container's seccomp profile; reported either way.
    both(&["init-module"], &[main(MODULE, "init_module", |s| s.arg("uargs") == Some(MODULE_PARAMS))]),
    both(
        &["finit-module", "module-f"],
        &[main(MODULE, "finit_module", |s| s.file("module-f") && s.arg("uargs") == Some(MODULE_PARAMS))],
    ),
    both(
        &["delete-module", "sysotel_none"],
        &[main(MODULE, "delete_module", |s| s.arg("name") == Some("sysotel_none"))],
    ),
    // bpf().
    both(&["bpf-prog-load"], &[main(BPF, "bpf", |s| s.arg("cmd") == Some("BPF_PROG_LOAD"))]),
    both(&["bpf-map-create"], &[main(BPF, "bpf", |s| s.arg("cmd") == Some("BPF_MAP_CREATE"))]),
    // Tracing other processes.
    both(
        &["ptrace-attach"],
        &[main(PTRACE, "ptrace", |s| s.arg("request") == Some("PTRACE_ATTACH") && s.arg_is_child("pid"))],
    ),
    both(
        &["ptrace-traceme"],
        &[Expect { who: Who::Child, ..main(PTRACE, "ptrace", |s| s.arg("request") == Some("PTRACE_TRACEME")) }],
    ),
    both(&["vm-readv"], &[main(PTRACE, "process_vm_readv", |s| s.arg_is_child("pid"))]),
    both(&["vm-writev"], &[main(PTRACE, "process_vm_writev", |s| s.arg_is_child("pid"))]),
    // Fileless execution and masquerading.
    both(
        &["memfd", "sysotel-memfd"],
        &[main(EVASION, "memfd_create", |s| {
            s.arg("name") == Some("sysotel-memfd") && s.arg("flags") == Some("MFD_CLOEXEC")
        })],
    ),
    both(
        &["memfd-exec", "sysotel-mexec"],
        &[
            side(EVASION, "memfd_create", |s| s.arg("name") == Some("sysotel-mexec") && s.arg("flags") == Some("0")),
            side(EXEC, "", |s| s.flag(MEMFD)),
        ],
    ),
    both(
        &["deleted-exec"],
        &[side(FILE, "unlinkat", |s| s.file("sectrigger-del")), side(EXEC, "", |s| s.flag(DELETED) && !s.flag(MEMFD))],
    ),
    both(
        &["prctl-name", "sysotel-prctl"],
        &[main(EVASION, "prctl", |s| s.arg("option") == Some("PR_SET_NAME") && s.arg("arg2") == Some("sysotel-prctl"))],
    ),
    // Signals to other processes; kill(self, 0) is no signal event.
    both(&["kill-other"], &[main(SIGNAL, "kill", |s| s.arg_is_child("pid") && s.arg("sig") == Some("SIGKILL"))]),
    both(
        &["tkill-other"],
        &[main(SIGNAL, "tgkill", |s| {
            s.arg_is_child("tgid") && s.arg_is_child("tid") && s.arg("sig") == Some("SIGKILL")
        })],
    ),
    both(&["kill-self0"], &[absent(SIGNAL, "kill", |s| s.arg("sig") != Some("SIGKILL"))]),
    // The marker: the negative checks are judged once it has arrived.
    both(&["open-write", "marker"], &[main(FILE, "openat", |s| s.file("marker"))]),
];

/// With `SYSOTEL_WATCH_PATHS=<dir>/watched/` and only the file category.
static WATCH_CASES: &[Case] = &[
    both(
        &["open-read", "watched/w-f"],
        &[main(FILE, "openat", |s| s.file("watched/w-f") && s.flag(WATCHED) && s.arg("flags") == Some("O_RDONLY"))],
    ),
    both(&["open-read", "plain-f"], &[absent(FILE, "openat", |_| true)]),
    // Paths that name a watched file without starting with its prefix: the
    // kernel leaves them to userspace, which resolves them and decides.
    both(
        &["read-rel", "watched/w-f"],
        &[main(FILE, "openat", |s| s.file("watched/w-f") && s.flag(WATCHED) && s.arg("name") == Some("watched/w-f"))],
    ),
    both(&["open-read", "./watched/w-f"], &[main(FILE, "openat", |s| s.file("watched/w-f") && s.flag(WATCHED))]),
    both(&["open-read", "mnt/../watched/w-f"], &[main(FILE, "openat", |s| s.file("watched/w-f") && s.flag(WATCHED))]),
    both(&["read-rel", "plain-f"], &[absent(FILE, "openat", |_| true)]),
    both(&["open-read", "mnt/../plain-f"], &[absent(FILE, "openat", |_| true)]),
    both(&["setuid", "1234"], &[absent(PRIVILEGE, "setuid", |_| true)]),
    both(&["open-write", "watched/marker"], &[main(FILE, "openat", |s| s.file("watched/marker"))]),
];

/// Where a run's records come from.
enum Scope {
    /// The host process with this pid (a child of this test process).
    Host(u32),
    /// Anything in this container.
    Container(String),
}

/// One case as it was run.
struct Run {
    case: &'static Case,
    /// The arguments after substitution.
    given: Vec<String>,
    /// The scratch directory as the process saw it.
    dir: String,
    scope: Scope,
    report: Option<Report>,
    output: String,
}

impl Run {
    fn command(&self) -> String {
        let program = match self.case.cmd {
            Cmd::Trigger(_) => "sectrigger",
            Cmd::Busybox(_) => "busybox",
        };
        format!("{program} {}", self.given.join(" "))
    }

    fn child(&self) -> Option<i64> {
        self.report.as_ref()?.get("child")?.parse().ok()
    }

    /// The pid whose records `who` selects, on the host.
    fn pid(&self, who: Who) -> Option<i64> {
        match (&self.scope, who) {
            (Scope::Host(pid), Who::Caller) => Some(i64::from(*pid)),
            (Scope::Host(_), Who::Child) => self.child(),
            (Scope::Container(_), _) => None,
        }
    }

    fn in_scope(&self, entry: &LogEntry, who: Who) -> bool {
        match &self.scope {
            Scope::Host(_) => {
                entry.resource.str("container.id").is_none()
                    && self.pid(who).is_some_and(|pid| entry.attributes.int("process.pid") == Some(pid))
            }
            Scope::Container(id) => entry.resource.str("container.id") == Some(id.as_str()),
        }
    }
}

/// A candidate record, seen from the run that should have caused it.
struct Seen<'a> {
    entry: &'a LogEntry,
    args: Option<&'a Attributes>,
    run: &'a Run,
}

impl<'a> Seen<'a> {
    fn new(entry: &'a LogEntry, run: &'a Run) -> Self {
        let args = match entry.attributes.get("sysotel.syscall.args") {
            Some(AttrValue::Map(args)) => Some(args),
            _ => None,
        };
        Self { entry, args, run }
    }

    fn arg(&self, key: &str) -> Option<&str> {
        self.args?.str(key)
    }

    fn attr(&self, key: &str) -> Option<&str> {
        self.entry.attributes.str(key)
    }

    fn int(&self, key: &str) -> Option<i64> {
        self.entry.attributes.int(key)
    }

    fn flag(&self, key: &str) -> bool {
        self.entry.attributes.bool(key) == Some(true)
    }

    /// `name` in the scratch directory.
    fn path(&self, name: &str) -> String {
        format!("{}/{name}", self.run.dir)
    }

    /// `file.path`, `file.directory` and `file.name` name `name` in the scratch directory.
    fn file(&self, name: &str) -> bool {
        let path = self.path(name);
        let (dir, base) = path.rsplit_once('/').unwrap_or_default();
        self.attr("file.path") == Some(path.as_str())
            && self.attr("file.directory") == Some(dir)
            && self.attr("file.name") == Some(base)
    }

    fn target(&self, target: &str) -> bool {
        self.attr("sysotel.file.target_path") == Some(target)
    }

    fn target_in_dir(&self, name: &str) -> bool {
        self.target(&self.path(name))
    }

    fn arg_is_path(&self, key: &str, name: &str) -> bool {
        self.arg(key) == Some(self.path(name).as_str())
    }

    fn arg_is_child(&self, key: &str) -> bool {
        self.run.child().is_some_and(|child| self.arg(key) == Some(child.to_string().as_str()))
    }

    /// The port the case was given.
    fn port(&self) -> &str {
        self.run.given.get(1).map_or("", String::as_str)
    }

    /// The `addr` argument is `<ip>:<port>`.
    fn addr_arg(&self, ip: &str) -> bool {
        self.arg("addr") == Some(format!("{ip}:{}", self.port()).as_str())
    }

    /// `network.<end>.address`/`.port` are `ip` and the given port, of type `ty`.
    fn inet(&self, end: &str, ip: &str, ty: &str) -> bool {
        self.attr(&format!("network.{end}.address")) == Some(ip)
            && self.int(&format!("network.{end}.port")).map(|p| p.to_string()).as_deref() == Some(self.port())
            && self.attr("network.type") == Some(ty)
    }

    /// `network.<end>.address` is the unix socket `name` in the scratch directory.
    fn unix(&self, end: &str, name: &str) -> bool {
        self.attr(&format!("network.{end}.address")) == Some(self.path(name).as_str())
            && self.attr("network.transport") == Some("unix")
    }

    fn tmpfs_on_mnt(&self) -> bool {
        self.file("mnt") && self.arg("type") == Some("tmpfs") && self.arg("dev") == Some("sysotel-tmpfs")
    }

    /// `datap` holds the effective set `sectrigger` read, without CAP_SYS_ADMIN.
    fn dropped_sys_admin(&self) -> bool {
        let Some(before) = self.run.report.as_ref().and_then(|r| r.get("cap_eff")) else { return false };
        let Ok(before) = u64::from_str_radix(before.trim_start_matches("0x"), 16) else { return false };
        let effective = before & 0xffff_ffff & !(1 << CAP_SYS_ADMIN);
        self.arg("datap").is_some_and(|d| d.starts_with(&format!("effective={effective:#x}|permitted=0x")))
    }

    /// `sysotel.syscall.return` and `error.type` are `ret`, or `-errno` and its name.
    fn result_is(&self, ret: i64, errno: i32) -> bool {
        if errno == 0 {
            self.int("sysotel.syscall.return") == Some(ret) && self.attr("error.type").is_none()
        } else {
            self.int("sysotel.syscall.return") == Some(-i64::from(errno))
                && self.attr("error.type") == Some(errno_name(errno))
        }
    }

    fn outcome_holds(&self, outcome: Outcome) -> bool {
        match outcome {
            Outcome::Main => match &self.run.report {
                Some(r) if r.get("step").is_none() => self.result_is(r.ret, r.errno),
                _ => false,
            },
            Outcome::Fails(errno) => self.result_is(-1, errno),
            Outcome::Side | Outcome::Absent => true,
        }
    }

    /// What every security record carries.
    fn common_holds(&self, expect: &Expect) -> bool {
        if expect.event == EXEC {
            return true;
        }
        let comm = match self.run.case.cmd {
            // PR_SET_NAME renames the caller before the record is taken.
            _ if expect.syscall == "prctl" => "sysotel-prctl",
            Cmd::Trigger(_) => "sectrigger",
            Cmd::Busybox(_) => "busybox",
        };
        let parent = match (&self.run.scope, expect.who) {
            (Scope::Host(_), Who::Caller) => Some(i64::from(std::process::id())),
            (Scope::Host(pid), Who::Child) => Some(i64::from(*pid)),
            (Scope::Container(_), _) => None,
        };
        let body = self.entry.body.as_ref().and_then(AttrValue::as_str);
        body.is_some_and(|b| b.starts_with(expect.syscall) && !b.contains('\n'))
            && self.args.is_some()
            && self.attr("process.executable.name") == Some(comm)
            && self.int("process.pid").is_some()
            && parent.is_none_or(|p| self.int("process.parent_pid") == Some(p))
    }
}

/// The names the agent gives the errnos these cases can meet.
fn errno_name(errno: i32) -> &'static str {
    match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EBADF => "EBADF",
        libc::EACCES => "EACCES",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENOTDIR => "ENOTDIR",
        libc::EINVAL => "EINVAL",
        libc::ENOSYS => "ENOSYS",
        libc::ENOEXEC => "ENOEXEC",
        libc::EADDRINUSE => "EADDRINUSE",
        libc::EADDRNOTAVAIL => "EADDRNOTAVAIL",
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        _ => "(an errno this test does not name)",
    }
}

fn matches(entry: &LogEntry, expect: &Expect) -> bool {
    entry.event_name == expect.event
        && (expect.syscall.is_empty() || entry.attributes.str("sysotel.syscall.name") == Some(expect.syscall))
}

/// Whether `entries` satisfy `expect` of `run`.
fn holds(entries: &[LogEntry], run: &Run, expect: &Expect) -> bool {
    let mut candidates = entries.iter().filter(|e| run.in_scope(e, expect.who) && matches(e, expect));
    if expect.outcome == Outcome::Absent {
        return !candidates.any(|e| (expect.check)(&Seen::new(e, run)));
    }
    candidates.any(|e| {
        let seen = Seen::new(e, run);
        (expect.check)(&seen) && seen.outcome_holds(expect.outcome) && seen.common_holds(expect)
    })
}

/// What went wrong with `expect`, with what arrived in its scope.
fn describe(entries: &[LogEntry], run: &Run, expect: &Expect, label: &str) -> String {
    let want = if expect.outcome == Outcome::Absent { "no" } else { "a" };
    let mut out = format!(
        "{label}: `{}` ({}) should cause {want} {} {} record ({:?}, {:?})\n  output: {}\n  arrived:\n",
        run.command(),
        match &run.scope {
            Scope::Host(pid) => format!("pid {pid}"),
            Scope::Container(id) => format!("container {id}"),
        },
        expect.event,
        expect.syscall,
        expect.outcome,
        expect.who,
        run.output.trim_end(),
    );
    // In a container everything is in scope: show only the same kind.
    let shown = entries
        .iter()
        .filter(|e| run.in_scope(e, expect.who) && (matches!(run.scope, Scope::Host(_)) || matches(e, expect)));
    for e in shown {
        let body = e.body.as_ref().and_then(AttrValue::as_str).unwrap_or("");
        let attrs: Vec<String> = e.attributes.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        let _ = writeln!(out, "    {} | {body} | {}", e.event_name, attrs.join(" "));
    }
    out
}

/// Waits until every positive expectation of `runs` holds (or [`TIMEOUT`]),
/// then returns a description of each that fails, negative ones included.
fn verify(receiver: &Receiver, runs: &[Run], label: &str) -> Vec<String> {
    let all: Vec<(&Run, &Expect)> = runs.iter().flat_map(|r| r.case.expect.iter().map(move |e| (r, e))).collect();
    let start = Instant::now();
    loop {
        let entries = receiver.log_entries();
        let positives_hold =
            all.iter().filter(|(_, e)| e.outcome != Outcome::Absent).all(|(r, e)| holds(&entries, r, e));
        if positives_hold || start.elapsed() >= TIMEOUT {
            let failed: Vec<String> = all
                .iter()
                .filter(|(r, e)| !holds(&entries, r, e))
                .map(|(r, e)| describe(&entries, r, e, label))
                .collect();
            eprintln!(
                "{label}: {} of {} expectations from {} actions hold after {:?}",
                all.len() - failed.len(),
                all.len(),
                runs.len(),
                start.elapsed()
            );
            return failed;
        }
        thread::sleep(Duration::from_millis(250));
    }
}

/// The arguments of `cmd`, each `PORT` replaced by a port free right now.
fn substitute(cmd: Cmd) -> Vec<String> {
    let (Cmd::Trigger(args) | Cmd::Busybox(args)) = cmd;
    args.iter()
        .map(|a| match *a {
            "PORT" => free_ports::<1>().expect("picking a free port")[0].to_string(),
            other => other.to_owned(),
        })
        .collect()
}

/// Runs the host cases one by one, each as a child of this process.
fn run_on_host(bin: &Path, dir: &Path, cases: &'static [Case]) -> Vec<Run> {
    let mut runs = Vec::new();
    for case in cases.iter().filter(|c| c.on != On::Container) {
        assert!(matches!(case.cmd, Cmd::Trigger(_)), "host cases run sectrigger");
        let given = substitute(case.cmd);
        let child = Command::new(bin)
            .arg("-d")
            .arg(dir)
            .args(&given)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning sectrigger");
        let pid = child.id();
        let out = child.wait_with_output().expect("waiting for sectrigger");
        let output = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let report = output.lines().find_map(Report::parse);
        assert!(out.status.success() && report.is_some(), "sectrigger {given:?} ({}): {output}", out.status);
        let dir = dir.display().to_string();
        runs.push(Run { case, given, dir, scope: Scope::Host(pid), report, output });
    }
    runs
}

/// Runs the container cases from one script in one busybox container, with
/// `sectrigger`'s directory at `/w` (read-only) and `dir` at `/s`.
fn run_in_container(bin: &Path, dir: &Path, cases: &'static [Case]) -> Vec<Run> {
    let selected: Vec<(&'static Case, Vec<String>)> =
        cases.iter().filter(|c| c.on != On::Host).map(|c| (c, substitute(c.cmd))).collect();
    let mut script = String::from("cd /s\n");
    for (i, (case, given)) in selected.iter().enumerate() {
        assert!(given.iter().all(|a| a.chars().all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c))), "{given:?}");
        let program = match case.cmd {
            Cmd::Trigger(_) => "/w/sectrigger -d /s",
            Cmd::Busybox(_) => "/bin/busybox",
        };
        let _ = writeln!(script, "{program} {} >/s/out-{i} 2>&1", given.join(" "));
    }
    fs::write(dir.join("run.sh"), script).expect("writing the container script");
    let bin_dir = bin.parent().expect("sectrigger's directory").display().to_string();
    let volumes = [format!("{bin_dir}:/w:ro"), format!("{}:/s", dir.display())];
    let options = ["-v", volumes[0].as_str(), "-v", volumes[1].as_str()];
    let id = podman::run_with(&options, None, &["/bin/sh", "/s/run.sh"]).expect("running the container script");
    selected
        .into_iter()
        .enumerate()
        .map(|(i, (case, given))| {
            let output = fs::read_to_string(dir.join(format!("out-{i}"))).unwrap_or_default();
            let report = output.lines().find_map(Report::parse);
            if matches!(case.cmd, Cmd::Trigger(_)) {
                assert!(report.is_some(), "sectrigger {given:?} in the container printed {output:?}");
            }
            Run { case, given, dir: "/s".to_owned(), scope: Scope::Container(id.clone()), report, output }
        })
        .collect()
}

/// A short scratch directory (watched prefixes are at most 64 bytes), with
/// the files and directories the cases use. Kept when the test fails.
struct Scratch(PathBuf);

impl Scratch {
    fn create(label: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("sysotel-sec-{}-{n}-{label}", std::process::id()));
        for d in DIRS {
            fs::create_dir_all(path.join(d)).expect("creating a scratch directory");
        }
        for f in FILES {
            fs::write(path.join(f), "sysotel\n").expect("creating a scratch file");
        }
        Self(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("kept {} for debugging", self.0.display());
        } else {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
}

fn assert_none_failed(failures: &[String]) {
    assert!(failures.is_empty(), "{} expectations failed:\n\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn security_events_arrive_from_host_and_container() {
    if !require_integration() {
        return;
    }
    let bin = sectrigger().expect("building sectrigger");
    podman::ensure_image().expect("building the busybox test image");
    let host_dir = Scratch::create("host");
    let container_dir = Scratch::create("ctr");
    let stack = Stack::start(&[]);

    let host_runs = run_on_host(&bin, &host_dir.0, CASES);
    let mut failures = verify(&stack.receiver, &host_runs, "host");
    let container_runs = run_in_container(&bin, &container_dir.0, CASES);
    failures.extend(verify(&stack.receiver, &container_runs, "container"));
    assert_none_failed(&failures);
}

#[test]
fn watch_paths_and_categories_configure_the_reports() {
    if !require_integration() {
        return;
    }
    let bin = sectrigger().expect("building sectrigger");
    let dir = Scratch::create("watch");
    // Also a prefix of the longest length the kernel compares (64 bytes),
    // and a directory beside it that differs in its 64th byte only.
    let (long, beside) = longest_prefix_dirs(&dir.0);
    let watched = format!("{}/watched/,{}/{long}/", dir.0.display(), dir.0.display());
    let stack = Stack::start(&[("SYSOTEL_WATCH_PATHS", watched.as_str()), ("SYSOTEL_SECURITY_EVENTS", "file")]);

    let mut runs = run_on_host(&bin, &dir.0, WATCH_CASES);
    static BESIDE: &[Expect] = &[absent(FILE, "openat", |_| true)];
    static BELOW: &[Expect] = &[main(FILE, "openat", |s| s.flag(WATCHED) && s.attr("file.name") == Some("f"))];
    let read = |name: String| -> &'static [&'static str] { Box::leak(Box::new(["open-read", name.leak()])) };
    // The read below the long prefix comes last: once it has arrived, the
    // one beside it would have too.
    let long_cases: &'static [Case] =
        Box::leak(Box::new([both(read(format!("{beside}/f")), BESIDE), both(read(format!("{long}/f")), BELOW)]));
    runs.extend(run_on_host(&bin, &dir.0, long_cases));
    assert_none_failed(&verify(&stack.receiver, &runs, "watch"));
}

/// Creates, in `dir`, a directory whose path with a trailing slash is 64
/// bytes long, and one that differs from it in its last byte, each holding a
/// file `f`. Returns their names.
fn longest_prefix_dirs(dir: &Path) -> (String, String) {
    let room = SEC_WATCH_PREFIX_MAX - dir.display().to_string().len() - 2;
    assert!(room >= 2, "scratch directory {} too long for a 64-byte prefix below it", dir.display());
    let long = format!("{}a", "w".repeat(room - 1));
    let beside = format!("{}b", "w".repeat(room - 1));
    for name in [&long, &beside] {
        fs::create_dir_all(dir.join(name)).expect("creating a long directory");
        fs::write(dir.join(name).join("f"), "sysotel\n").expect("creating a file below it");
    }
    assert_eq!(format!("{}/{long}/", dir.display()).len(), SEC_WATCH_PREFIX_MAX);
    (long, beside)
}
