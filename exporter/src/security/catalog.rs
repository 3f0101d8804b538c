//! The security-relevant syscalls sysotel reports: for each, its category,
//! its arguments (name and how to read and render them) and its in-kernel
//! filter. Everything else (kernel layouts, decoding, rule fields) is
//! derived from this one table.

use std::{fmt, str::FromStr};

/// What a syscall is about; each category can be switched on or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Opens for writing (and reads of watched paths), unlink, rename,
    /// chmod, chown, link, symlink, truncate.
    File,
    /// connect, accept, bind, listen.
    Network,
    /// The setuid family and capset.
    Privilege,
    /// unshare, setns, mount, umount2, pivot_root, chroot.
    Isolation,
    /// init_module, finit_module, delete_module.
    Module,
    /// bpf().
    Bpf,
    /// ptrace, process_vm_readv/writev.
    Ptrace,
    /// memfd_create, prctl(PR_SET_NAME).
    Evasion,
    /// kill, tkill, tgkill of another process.
    Signal,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::File,
        Category::Network,
        Category::Privilege,
        Category::Isolation,
        Category::Module,
        Category::Bpf,
        Category::Ptrace,
        Category::Evasion,
        Category::Signal,
    ];

    /// Stable lower-case name (configuration, `evt.category`, event names).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::File => "file",
            Category::Network => "network",
            Category::Privilege => "privilege",
            Category::Isolation => "isolation",
            Category::Module => "module",
            Category::Bpf => "bpf",
            Category::Ptrace => "ptrace",
            Category::Evasion => "evasion",
            Category::Signal => "signal",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| {
            let known: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
            format!("unknown event category {s:?} (known: {})", known.join(", "))
        })
    }
}

/// How an argument is read in the kernel and rendered in userspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A file descriptor (rendered as a number; paths of fd-only calls are
    /// resolved through `/proc/PID/fd`).
    Fd,
    /// A directory descriptor for `*at` calls (`AT_FDCWD` = -100).
    Dirfd,
    /// A user path string; the first `Path` goes to slot 0, the second to 1.
    Path,
    /// A short user string (fstype, module parameters, memfd or task name).
    Str,
    /// A `struct sockaddr *`.
    Sockaddr,
    /// The address length (connect, bind).
    SockLen,
    /// A pointer to the address length (accept).
    SockLenPtr,
    /// `O_*` open flags.
    OpenFlags,
    /// `struct open_how *` (openat2): its flags are read through `deref`.
    OpenHow,
    /// A file mode (`S_ISUID`...).
    Mode,
    /// A user or group id.
    Id,
    /// A process id.
    Pid,
    /// A signal number.
    Signal,
    /// `AT_*` flags.
    AtFlags,
    /// `CLONE_NEW*` namespace flags (unshare, setns).
    NsFlags,
    /// `MS_*` mount flags.
    MountFlags,
    /// `MNT_*` umount flags.
    UmountFlags,
    /// `RENAME_*` flags.
    RenameFlags,
    /// `PTRACE_*` request.
    PtraceRequest,
    /// `BPF_*` command.
    BpfCmd,
    /// `PR_*` option.
    PrctlOption,
    /// `MFD_*` flags.
    MemfdFlags,
    /// `cap_user_data_t`: effective and permitted words through `deref`.
    CapData,
    /// A plain integer.
    Int,
    /// A pointer or value shown in hex.
    Hex,
}

/// What the kernel does before emitting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    None,
    /// Writes always; reads only below a watched prefix. The flags are the
    /// argument at this index (or `open_how.flags` for `OpenHow`).
    Open,
    /// prctl: only `PR_SET_NAME`.
    PrctlName,
    /// kill family: signal at this index, target another process.
    KillOther(u8),
}

/// One reported syscall.
#[derive(Debug, PartialEq, Eq)]
pub struct SyscallDef {
    pub name: &'static str,
    pub category: Category,
    /// Argument names (Falco's names where Falco has them) and kinds.
    pub args: &'static [(&'static str, Arg)],
    pub filter: Filter,
}

impl SyscallDef {
    /// The index of the argument called `name`.
    #[must_use]
    pub fn arg_index(&self, name: &str) -> Option<usize> {
        self.args.iter().position(|(n, _)| *n == name)
    }

    /// Index of the `n`-th argument of `kind`.
    #[must_use]
    pub fn nth_of(&self, kind: Arg, n: usize) -> Option<usize> {
        self.args.iter().enumerate().filter(|(_, (_, k))| *k == kind).nth(n).map(|(i, _)| i)
    }

    /// The architecture's number, if the syscall exists here.
    #[must_use]
    pub fn nr(&self) -> Option<u32> {
        self.name.parse::<syscalls::Sysno>().ok().map(|s| s.id() as u32)
    }
}

use Arg::*;
use Category as C;

const fn def(
    name: &'static str,
    category: Category,
    args: &'static [(&'static str, Arg)],
    filter: Filter,
) -> SyscallDef {
    SyscallDef { name, category, args, filter }
}

/// Every reported syscall.
pub static SYSCALLS: &[SyscallDef] = &[
    // Files.
    def("open", C::File, &[("name", Path), ("flags", OpenFlags), ("mode", Mode)], Filter::Open),
    def("creat", C::File, &[("name", Path), ("mode", Mode)], Filter::None),
    def("openat", C::File, &[("dirfd", Dirfd), ("name", Path), ("flags", OpenFlags), ("mode", Mode)], Filter::Open),
    def("openat2", C::File, &[("dirfd", Dirfd), ("name", Path), ("how", OpenHow), ("size", Int)], Filter::Open),
    def("unlink", C::File, &[("path", Path)], Filter::None),
    def("unlinkat", C::File, &[("dirfd", Dirfd), ("name", Path), ("flags", AtFlags)], Filter::None),
    def("rename", C::File, &[("oldpath", Path), ("newpath", Path)], Filter::None),
    def(
        "renameat",
        C::File,
        &[("olddirfd", Dirfd), ("oldpath", Path), ("newdirfd", Dirfd), ("newpath", Path)],
        Filter::None,
    ),
    def(
        "renameat2",
        C::File,
        &[("olddirfd", Dirfd), ("oldpath", Path), ("newdirfd", Dirfd), ("newpath", Path), ("flags", RenameFlags)],
        Filter::None,
    ),
    def("chmod", C::File, &[("filename", Path), ("mode", Mode)], Filter::None),
    def("fchmod", C::File, &[("fd", Fd), ("mode", Mode)], Filter::None),
    def("fchmodat", C::File, &[("dirfd", Dirfd), ("filename", Path), ("mode", Mode)], Filter::None),
    def(
        "fchmodat2",
        C::File,
        &[("dirfd", Dirfd), ("filename", Path), ("mode", Mode), ("flags", AtFlags)],
        Filter::None,
    ),
    def("chown", C::File, &[("path", Path), ("uid", Id), ("gid", Id)], Filter::None),
    def("lchown", C::File, &[("path", Path), ("uid", Id), ("gid", Id)], Filter::None),
    def("fchown", C::File, &[("fd", Fd), ("uid", Id), ("gid", Id)], Filter::None),
    def(
        "fchownat",
        C::File,
        &[("dirfd", Dirfd), ("pathname", Path), ("uid", Id), ("gid", Id), ("flags", AtFlags)],
        Filter::None,
    ),
    def("link", C::File, &[("oldpath", Path), ("newpath", Path)], Filter::None),
    def(
        "linkat",
        C::File,
        &[("olddir", Dirfd), ("oldpath", Path), ("newdir", Dirfd), ("newpath", Path), ("flags", AtFlags)],
        Filter::None,
    ),
    def("symlink", C::File, &[("target", Path), ("linkpath", Path)], Filter::None),
    def("symlinkat", C::File, &[("target", Path), ("linkdirfd", Dirfd), ("linkpath", Path)], Filter::None),
    def("truncate", C::File, &[("path", Path), ("length", Int)], Filter::None),
    def("ftruncate", C::File, &[("fd", Fd), ("length", Int)], Filter::None),
    // Network.
    def("connect", C::Network, &[("fd", Fd), ("addr", Sockaddr), ("addrlen", SockLen)], Filter::None),
    def("accept", C::Network, &[("fd", Fd), ("addr", Sockaddr), ("addrlen", SockLenPtr)], Filter::None),
    def(
        "accept4",
        C::Network,
        &[("fd", Fd), ("addr", Sockaddr), ("addrlen", SockLenPtr), ("flags", Hex)],
        Filter::None,
    ),
    def("bind", C::Network, &[("fd", Fd), ("addr", Sockaddr), ("addrlen", SockLen)], Filter::None),
    def("listen", C::Network, &[("fd", Fd), ("backlog", Int)], Filter::None),
    // Privileges.
    def("setuid", C::Privilege, &[("uid", Id)], Filter::None),
    def("setgid", C::Privilege, &[("gid", Id)], Filter::None),
    def("setreuid", C::Privilege, &[("ruid", Id), ("euid", Id)], Filter::None),
    def("setregid", C::Privilege, &[("rgid", Id), ("egid", Id)], Filter::None),
    def("setresuid", C::Privilege, &[("ruid", Id), ("euid", Id), ("suid", Id)], Filter::None),
    def("setresgid", C::Privilege, &[("rgid", Id), ("egid", Id), ("sgid", Id)], Filter::None),
    def("setfsuid", C::Privilege, &[("uid", Id)], Filter::None),
    def("setfsgid", C::Privilege, &[("gid", Id)], Filter::None),
    def("capset", C::Privilege, &[("hdrp", Hex), ("datap", CapData)], Filter::None),
    // Isolation.
    def("unshare", C::Isolation, &[("flags", NsFlags)], Filter::None),
    def("setns", C::Isolation, &[("fd", Fd), ("nstype", NsFlags)], Filter::None),
    def(
        "mount",
        C::Isolation,
        &[("dev", Path), ("dir", Path), ("type", Str), ("flags", MountFlags), ("data", Hex)],
        Filter::None,
    ),
    def("umount2", C::Isolation, &[("name", Path), ("flags", UmountFlags)], Filter::None),
    def("pivot_root", C::Isolation, &[("new_root", Path), ("put_old", Path)], Filter::None),
    def("chroot", C::Isolation, &[("path", Path)], Filter::None),
    // Kernel modules.
    def("init_module", C::Module, &[("image", Hex), ("len", Int), ("uargs", Str)], Filter::None),
    def("finit_module", C::Module, &[("fd", Fd), ("uargs", Str), ("flags", Int)], Filter::None),
    def("delete_module", C::Module, &[("name", Str), ("flags", Hex)], Filter::None),
    // bpf.
    def("bpf", C::Bpf, &[("cmd", BpfCmd), ("attr", Hex), ("size", Int)], Filter::None),
    // Tracing.
    def("ptrace", C::Ptrace, &[("request", PtraceRequest), ("pid", Pid), ("addr", Hex), ("data", Hex)], Filter::None),
    def(
        "process_vm_readv",
        C::Ptrace,
        &[("pid", Pid), ("local_iov", Hex), ("liovcnt", Int), ("remote_iov", Hex), ("riovcnt", Int), ("flags", Int)],
        Filter::None,
    ),
    def(
        "process_vm_writev",
        C::Ptrace,
        &[("pid", Pid), ("local_iov", Hex), ("liovcnt", Int), ("remote_iov", Hex), ("riovcnt", Int), ("flags", Int)],
        Filter::None,
    ),
    // Fileless execution and masquerading.
    def("memfd_create", C::Evasion, &[("name", Str), ("flags", MemfdFlags)], Filter::None),
    def("prctl", C::Evasion, &[("option", PrctlOption), ("arg2", Str)], Filter::PrctlName),
    // Signals to other processes.
    def("kill", C::Signal, &[("pid", Pid), ("sig", Signal)], Filter::KillOther(1)),
    def("tkill", C::Signal, &[("tid", Pid), ("sig", Signal)], Filter::KillOther(1)),
    def("tgkill", C::Signal, &[("tgid", Pid), ("tid", Pid), ("sig", Signal)], Filter::KillOther(2)),
];

/// The definition of `name`.
#[must_use]
pub fn by_name(name: &str) -> Option<&'static SyscallDef> {
    SYSCALLS.iter().find(|d| d.name == name)
}

/// The definition of syscall number `nr` on this architecture.
#[must_use]
pub fn by_nr(nr: u32) -> Option<&'static SyscallDef> {
    static BY_NR: std::sync::OnceLock<std::collections::HashMap<u32, &'static SyscallDef>> = std::sync::OnceLock::new();
    BY_NR.get_or_init(|| SYSCALLS.iter().filter_map(|d| Some((d.nr()?, d))).collect()).get(&nr).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reported_syscall_has_a_number_on_x86_64_or_is_legacy() {
        for d in SYSCALLS {
            let legacy = matches!(
                d.name,
                "open" | "creat" | "unlink" | "rename" | "chmod" | "chown" | "lchown" | "link" | "symlink"
            );
            assert!(d.nr().is_some() || legacy || cfg!(not(target_arch = "x86_64")), "{} has no number", d.name);
            assert!(d.args.len() <= 6, "{}", d.name);
            assert!(d.args.iter().filter(|(_, k)| *k == Arg::Path).count() <= 2, "{}", d.name);
            assert!(d.args.iter().filter(|(_, k)| *k == Arg::Str).count() <= 1, "{}", d.name);
        }
    }

    #[test]
    fn names_are_unique_and_categories_parse() {
        let mut names: Vec<&str> = SYSCALLS.iter().map(|d| d.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SYSCALLS.len());
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(c));
        }
        assert!("bogus".parse::<Category>().unwrap_err().contains("known: file"));
    }
}
