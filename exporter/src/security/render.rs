//! Pure rendering of raw syscall arguments into the strings rules and logs
//! use (Falco's spellings: `O_WRONLY|O_CREAT`, `PTRACE_ATTACH`,
//! `BPF_PROG_LOAD`, `CLONE_NEWNET`...).

use crate::util::sockaddr::{SockAddr, parse_sockaddr};

/// `AT_FDCWD` as the kernel passes it in a register.
pub const AT_FDCWD: i32 = -100;

fn flag_names(value: u64, table: &[(u64, &str)]) -> String {
    let mut out = String::with_capacity(32);
    push_flag_names(&mut out, value, table);
    if out.is_empty() { "0".to_string() } else { out }
}

/// Appends the `|`-joined names of `value`'s bits in `table`, then any bits
/// left as hex, to `out` (nothing for 0): one buffer, no string per name.
fn push_flag_names(out: &mut String, value: u64, table: &[(u64, &str)]) {
    let start = out.len();
    let mut rest = value;
    for (bit, name) in table {
        if *bit != 0 && value & bit == *bit {
            if out.len() > start {
                out.push('|');
            }
            out.push_str(name);
            rest &= !bit;
        }
    }
    if rest != 0 {
        if out.len() > start {
            out.push('|');
        }
        use std::fmt::Write as _;
        let _ = write!(out, "{rest:#x}");
    }
}

const fn bits(v: i32) -> u64 {
    v as u32 as u64
}

/// The kernel's `O_LARGEFILE` (glibc defines it as 0 on 64-bit targets, but
/// the kernel sets it on every open from a 64-bit process).
#[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
const O_LARGEFILE: u64 = 0o400000;
#[cfg(not(any(target_arch = "aarch64", target_arch = "arm")))]
const O_LARGEFILE: u64 = 0o100000;

/// `O_*` flags, access mode first.
#[must_use]
pub fn open_flags(flags: u64) -> String {
    let access = match flags & 0o3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    };
    let table: &[(u64, &str)] = &[
        (bits(libc::O_TMPFILE), "O_TMPFILE"),
        (bits(libc::O_CREAT), "O_CREAT"),
        (bits(libc::O_EXCL), "O_EXCL"),
        (bits(libc::O_NOCTTY), "O_NOCTTY"),
        (bits(libc::O_TRUNC), "O_TRUNC"),
        (bits(libc::O_APPEND), "O_APPEND"),
        (bits(libc::O_NONBLOCK), "O_NONBLOCK"),
        (bits(libc::O_DSYNC), "O_DSYNC"),
        (bits(libc::O_DIRECT), "O_DIRECT"),
        (O_LARGEFILE, "O_LARGEFILE"),
        (bits(libc::O_DIRECTORY), "O_DIRECTORY"),
        (bits(libc::O_NOFOLLOW), "O_NOFOLLOW"),
        (bits(libc::O_NOATIME), "O_NOATIME"),
        (bits(libc::O_CLOEXEC), "O_CLOEXEC"),
        (bits(libc::O_PATH), "O_PATH"),
        (bits(libc::O_SYNC & !libc::O_DSYNC), "O_SYNC"),
    ];
    let rest = flags & !0o3;
    let mut out = String::with_capacity(48);
    out.push_str(access);
    if rest != 0 {
        out.push('|');
        push_flag_names(&mut out, rest, table);
    }
    out
}

/// Whether open flags write (or create, or truncate).
#[must_use]
pub fn open_writes(flags: u64) -> bool {
    flags & 0o3 != 0 || flags & (bits(libc::O_CREAT) | bits(libc::O_TRUNC)) != 0
}

/// Whether open flags read.
#[must_use]
pub fn open_reads(flags: u64) -> bool {
    matches!(flags & 0o3, 0 | 2) && flags & bits(libc::O_PATH) == 0
}

/// A file mode: octal, then the special bits by name (`04755|S_ISUID`).
#[must_use]
pub fn mode(m: u64) -> String {
    let mut s = format!("{:04o}", m & 0o7777);
    for (bit, name) in [(0o4000, "S_ISUID"), (0o2000, "S_ISGID"), (0o1000, "S_ISVTX")] {
        if m & bit != 0 {
            s.push('|');
            s.push_str(name);
        }
    }
    s
}

/// `CLONE_NEW*` namespace flags.
#[must_use]
pub fn ns_flags(flags: u64) -> String {
    flag_names(
        flags,
        &[
            (bits(libc::CLONE_NEWNS), "CLONE_NEWNS"),
            (bits(libc::CLONE_NEWCGROUP), "CLONE_NEWCGROUP"),
            (bits(libc::CLONE_NEWUTS), "CLONE_NEWUTS"),
            (bits(libc::CLONE_NEWIPC), "CLONE_NEWIPC"),
            (bits(libc::CLONE_NEWUSER), "CLONE_NEWUSER"),
            (bits(libc::CLONE_NEWPID), "CLONE_NEWPID"),
            (bits(libc::CLONE_NEWNET), "CLONE_NEWNET"),
            (0x80, "CLONE_NEWTIME"),
            (bits(libc::CLONE_FILES), "CLONE_FILES"),
            (bits(libc::CLONE_FS), "CLONE_FS"),
            (bits(libc::CLONE_SYSVSEM), "CLONE_SYSVSEM"),
        ],
    )
}

/// `MS_*` mount flags.
#[must_use]
pub fn mount_flags(flags: u64) -> String {
    flag_names(
        flags,
        &[
            (libc::MS_RDONLY, "MS_RDONLY"),
            (libc::MS_NOSUID, "MS_NOSUID"),
            (libc::MS_NODEV, "MS_NODEV"),
            (libc::MS_NOEXEC, "MS_NOEXEC"),
            (libc::MS_SYNCHRONOUS, "MS_SYNCHRONOUS"),
            (libc::MS_REMOUNT, "MS_REMOUNT"),
            (libc::MS_MANDLOCK, "MS_MANDLOCK"),
            (libc::MS_DIRSYNC, "MS_DIRSYNC"),
            (libc::MS_NOATIME, "MS_NOATIME"),
            (libc::MS_NODIRATIME, "MS_NODIRATIME"),
            (libc::MS_BIND, "MS_BIND"),
            (libc::MS_MOVE, "MS_MOVE"),
            (libc::MS_REC, "MS_REC"),
            (libc::MS_SILENT, "MS_SILENT"),
            (libc::MS_UNBINDABLE, "MS_UNBINDABLE"),
            (libc::MS_PRIVATE, "MS_PRIVATE"),
            (libc::MS_SLAVE, "MS_SLAVE"),
            (libc::MS_SHARED, "MS_SHARED"),
            (libc::MS_RELATIME, "MS_RELATIME"),
            (libc::MS_STRICTATIME, "MS_STRICTATIME"),
            (libc::MS_LAZYTIME, "MS_LAZYTIME"),
        ],
    )
}

/// `MNT_*` umount flags.
#[must_use]
pub fn umount_flags(flags: u64) -> String {
    flag_names(flags, &[(1, "MNT_FORCE"), (2, "MNT_DETACH"), (4, "MNT_EXPIRE"), (8, "UMOUNT_NOFOLLOW")])
}

/// `RENAME_*` flags.
#[must_use]
pub fn rename_flags(flags: u64) -> String {
    flag_names(flags, &[(1, "RENAME_NOREPLACE"), (2, "RENAME_EXCHANGE"), (4, "RENAME_WHITEOUT")])
}

/// `AT_*` flags.
#[must_use]
pub fn at_flags(flags: u64) -> String {
    flag_names(
        flags,
        &[
            (0x100, "AT_SYMLINK_NOFOLLOW"),
            (0x200, "AT_REMOVEDIR"),
            (0x400, "AT_SYMLINK_FOLLOW"),
            (0x1000, "AT_EMPTY_PATH"),
        ],
    )
}

/// `MFD_*` flags.
#[must_use]
pub fn memfd_flags(flags: u64) -> String {
    flag_names(
        flags,
        &[(1, "MFD_CLOEXEC"), (2, "MFD_ALLOW_SEALING"), (4, "MFD_HUGETLB"), (8, "MFD_NOEXEC_SEAL"), (0x10, "MFD_EXEC")],
    )
}

/// A `PTRACE_*` request.
#[must_use]
pub fn ptrace_request(req: u64) -> String {
    let name = match req {
        0 => "PTRACE_TRACEME",
        1 => "PTRACE_PEEKTEXT",
        2 => "PTRACE_PEEKDATA",
        3 => "PTRACE_PEEKUSR",
        4 => "PTRACE_POKETEXT",
        5 => "PTRACE_POKEDATA",
        6 => "PTRACE_POKEUSR",
        7 => "PTRACE_CONT",
        8 => "PTRACE_KILL",
        9 => "PTRACE_SINGLESTEP",
        12 => "PTRACE_GETREGS",
        13 => "PTRACE_SETREGS",
        14 => "PTRACE_GETFPREGS",
        15 => "PTRACE_SETFPREGS",
        16 => "PTRACE_ATTACH",
        17 => "PTRACE_DETACH",
        24 => "PTRACE_SYSCALL",
        0x4200 => "PTRACE_SETOPTIONS",
        0x4201 => "PTRACE_GETEVENTMSG",
        0x4202 => "PTRACE_GETSIGINFO",
        0x4203 => "PTRACE_SETSIGINFO",
        0x4204 => "PTRACE_GETREGSET",
        0x4205 => "PTRACE_SETREGSET",
        0x4206 => "PTRACE_SEIZE",
        0x4207 => "PTRACE_INTERRUPT",
        0x4208 => "PTRACE_LISTEN",
        other => return format!("{other}"),
    };
    name.to_string()
}

/// A `BPF_*` command.
#[must_use]
pub fn bpf_cmd(cmd: u64) -> String {
    const NAMES: [&str; 37] = [
        "BPF_MAP_CREATE",
        "BPF_MAP_LOOKUP_ELEM",
        "BPF_MAP_UPDATE_ELEM",
        "BPF_MAP_DELETE_ELEM",
        "BPF_MAP_GET_NEXT_KEY",
        "BPF_PROG_LOAD",
        "BPF_OBJ_PIN",
        "BPF_OBJ_GET",
        "BPF_PROG_ATTACH",
        "BPF_PROG_DETACH",
        "BPF_PROG_TEST_RUN",
        "BPF_PROG_GET_NEXT_ID",
        "BPF_MAP_GET_NEXT_ID",
        "BPF_PROG_GET_FD_BY_ID",
        "BPF_MAP_GET_FD_BY_ID",
        "BPF_OBJ_GET_INFO_BY_FD",
        "BPF_PROG_QUERY",
        "BPF_RAW_TRACEPOINT_OPEN",
        "BPF_BTF_LOAD",
        "BPF_BTF_GET_FD_BY_ID",
        "BPF_TASK_FD_QUERY",
        "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
        "BPF_MAP_FREEZE",
        "BPF_BTF_GET_NEXT_ID",
        "BPF_MAP_LOOKUP_BATCH",
        "BPF_MAP_LOOKUP_AND_DELETE_BATCH",
        "BPF_MAP_UPDATE_BATCH",
        "BPF_MAP_DELETE_BATCH",
        "BPF_LINK_CREATE",
        "BPF_LINK_UPDATE",
        "BPF_LINK_GET_FD_BY_ID",
        "BPF_LINK_GET_NEXT_ID",
        "BPF_ENABLE_STATS",
        "BPF_ITER_CREATE",
        "BPF_LINK_DETACH",
        "BPF_PROG_BIND_MAP",
        "BPF_TOKEN_CREATE",
    ];
    usize::try_from(cmd).ok().and_then(|i| NAMES.get(i)).map_or_else(|| cmd.to_string(), |s| (*s).to_string())
}

/// A `PR_*` option (only the ones sysotel reports by name).
#[must_use]
pub fn prctl_option(opt: u64) -> String {
    match opt {
        15 => "PR_SET_NAME".to_string(),
        16 => "PR_GET_NAME".to_string(),
        22 => "PR_SET_SECCOMP".to_string(),
        38 => "PR_SET_NO_NEW_PRIVS".to_string(),
        other => other.to_string(),
    }
}

/// A signal name (`SIGKILL`), or the number.
#[must_use]
pub fn signal(sig: u64) -> String {
    const NAMES: [&str; 32] = [
        "0",
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    usize::try_from(sig).ok().and_then(|i| NAMES.get(i)).map_or_else(|| sig.to_string(), |s| (*s).to_string())
}

/// A directory descriptor (`AT_FDCWD` by name).
#[must_use]
pub fn dirfd(v: u64) -> String {
    let fd = v as i32;
    if fd == AT_FDCWD { "AT_FDCWD".to_string() } else { fd.to_string() }
}

/// A socket address: `127.0.0.1:80`, `[::1]:443`, a unix path, or `family=N`.
#[must_use]
pub fn sockaddr(bytes: &[u8]) -> String {
    match parse_sockaddr(bytes) {
        Some(SockAddr::Inet { ip: std::net::IpAddr::V6(ip), port }) => format!("[{ip}]:{port}"),
        Some(SockAddr::Inet { ip, port }) => format!("{ip}:{port}"),
        Some(SockAddr::Unix(p)) => p,
        Some(SockAddr::Other { family }) => format!("family={family}"),
        None => "<short>".to_string(),
    }
}

/// `capset` data words: `effective=0x..|permitted=0x..`.
#[must_use]
pub fn cap_data(deref: u64) -> String {
    format!("effective={:#x}|permitted={:#x}", deref as u32, (deref >> 32) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags_read_like_falco() {
        assert_eq!(open_flags(0), "O_RDONLY");
        assert_eq!(open_flags(0o1101), "O_WRONLY|O_CREAT|O_TRUNC");
        assert_eq!(open_flags(0o2000002), "O_RDWR|O_CLOEXEC");
        assert_eq!(open_flags(O_LARGEFILE | 1), "O_WRONLY|O_LARGEFILE");
        assert!(open_writes(0o100) && open_writes(1) && !open_writes(0o2000000));
        assert!(open_reads(0) && open_reads(2) && !open_reads(1));
    }

    #[test]
    fn modes_flags_and_names() {
        assert_eq!(mode(0o4755), "4755|S_ISUID");
        assert_eq!(mode(0o644), "0644");
        assert_eq!(mode(0o6755), "6755|S_ISUID|S_ISGID");
        assert_eq!(ns_flags(0x4000_0000), "CLONE_NEWNET");
        assert_eq!(ns_flags(0), "0");
        assert_eq!(mount_flags(libc::MS_REC | libc::MS_PRIVATE), "MS_REC|MS_PRIVATE");
        assert_eq!(umount_flags(2 | 64), "MNT_DETACH|0x40");
        assert_eq!(ptrace_request(16), "PTRACE_ATTACH");
        assert_eq!(ptrace_request(0x4206), "PTRACE_SEIZE");
        assert_eq!(ptrace_request(999), "999");
        assert_eq!(bpf_cmd(5), "BPF_PROG_LOAD");
        assert_eq!(bpf_cmd(500), "500");
        assert_eq!(signal(9), "SIGKILL");
        assert_eq!(signal(64), "64");
        assert_eq!(dirfd(0xffff_ff9c), "AT_FDCWD");
        assert_eq!(dirfd(3), "3");
        assert_eq!(cap_data(0x0000_0003_0000_0001), "effective=0x1|permitted=0x3");
        assert_eq!(memfd_flags(1), "MFD_CLOEXEC");
        assert_eq!(at_flags(0x200), "AT_REMOVEDIR");
    }

    #[test]
    fn socket_addresses() {
        let mut v4 = libc::AF_INET.to_ne_bytes()[..2].to_vec();
        v4.extend_from_slice(&80u16.to_be_bytes());
        v4.extend_from_slice(&[127, 0, 0, 1]);
        assert_eq!(sockaddr(&v4), "127.0.0.1:80");
        assert_eq!(sockaddr(&[1]), "<short>");
    }
}
