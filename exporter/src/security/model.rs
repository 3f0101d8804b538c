//! The decoded security event in userspace form: its catalog entry, its
//! arguments rendered by name, and the file or socket it is about.

use crate::{
    decode::{BaseKind, SecurityEvent},
    util::{
        sockaddr::{SockAddr, parse_sockaddr},
        text::escape_bytes,
    },
};

use super::{
    catalog::{Arg, Category, SyscallDef},
    render,
    resolve::{ProcLookup, absolute},
};

/// What an open asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenMode {
    pub read: bool,
    pub write: bool,
}

/// A security event ready for rules and signals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityRecord {
    pub def: &'static SyscallDef,
    pub event: SecurityEvent,
    /// Arguments by name, rendered (`flags` -> `O_WRONLY|O_CREAT`).
    pub args: Vec<(&'static str, String)>,
    /// The file the call is about, absolute when it could be resolved.
    pub file: Option<String>,
    /// Whether `file` is absolute (resolved).
    pub file_resolved: bool,
    /// The second path (rename/link destination, symlink target).
    pub target: Option<String>,
    /// The socket address argument (peer for connect/accept, local for bind).
    pub sockaddr: Option<SockAddr>,
    /// For open calls: what was asked.
    pub open: Option<OpenMode>,
}

impl SecurityRecord {
    #[must_use]
    pub fn category(&self) -> Category {
        self.def.category
    }

    /// A rendered argument.
    #[must_use]
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// The raw value of the argument called `name`.
    #[must_use]
    pub fn raw_arg(&self, name: &str) -> Option<u64> {
        self.def.arg_index(name).map(|i| self.event.args[i])
    }

    /// The descriptor the call returned (open, accept) or acted on.
    #[must_use]
    pub fn fd(&self) -> Option<i64> {
        match self.def.name {
            "open" | "openat" | "openat2" | "creat" | "accept" | "accept4" | "memfd_create" => {
                (!self.event.failed()).then_some(self.event.ret)
            }
            _ => self.def.nth_of(Arg::Fd, 0).map(|i| i64::from(self.event.args[i] as i32)),
        }
    }

    /// Builds the record; `lookup` resolves relative paths and descriptors.
    #[must_use]
    pub fn build(def: &'static SyscallDef, event: SecurityEvent, lookup: &dyn ProcLookup) -> SecurityRecord {
        let pid = event.header.pid;
        let mut args = Vec::with_capacity(def.args.len());
        let mut path_slot = 0usize;
        // Path arguments by slot (the kernel sends at most two): index in
        // `args` and dirfd.
        let mut paths: [Option<(usize, Option<i32>)>; 2] = [None, None];
        for (i, (name, kind)) in def.args.iter().enumerate() {
            let v = event.args[i];
            let text = match kind {
                Arg::Path => {
                    let slot = path_slot;
                    path_slot += 1;
                    let Some(bytes) = event.paths.get(slot).and_then(Option::as_ref) else { continue };
                    let dirfd = (i > 0 && def.args[i - 1].1 == Arg::Dirfd).then(|| event.args[i - 1] as i32);
                    if let Some(p) = paths.get_mut(slot) {
                        *p = Some((args.len(), dirfd));
                    }
                    escape_bytes(bytes).into_owned()
                }
                Arg::Str => match &event.aux {
                    Some(b) => escape_bytes(b).into_owned(),
                    None => continue,
                },
                Arg::Sockaddr => match &event.sockaddr {
                    Some(b) => render::sockaddr(b),
                    None => continue,
                },
                Arg::SockLenPtr => continue,
                Arg::Fd | Arg::Pid => (v as i32).to_string(),
                Arg::Dirfd => render::dirfd(v),
                Arg::OpenFlags => render::open_flags(v),
                Arg::OpenHow => match event.deref {
                    Some(flags) => {
                        args.push(("flags", render::open_flags(flags)));
                        continue;
                    }
                    None => continue,
                },
                Arg::Mode => render::mode(v),
                Arg::Id => (v as u32 as i32).to_string(),
                Arg::Signal => render::signal(v),
                Arg::AtFlags => render::at_flags(v),
                Arg::NsFlags => render::ns_flags(v),
                Arg::MountFlags => render::mount_flags(v),
                Arg::UmountFlags => render::umount_flags(v),
                Arg::RenameFlags => render::rename_flags(v),
                Arg::PtraceRequest => render::ptrace_request(v),
                Arg::BpfCmd => render::bpf_cmd(v),
                Arg::PrctlOption => render::prctl_option(v),
                Arg::MemfdFlags => render::memfd_flags(v),
                Arg::CapData => match event.deref {
                    Some(d) => render::cap_data(d),
                    None => continue,
                },
                Arg::SockLen | Arg::Int => (v as i64).to_string(),
                Arg::Hex => format!("{v:#x}"),
            };
            args.push((*name, text));
        }
        // Which path is "the file": a symlink's is the link it creates, a
        // mount's is the mount point (the source stays as given).
        let swapped = matches!(def.name, "symlink" | "symlinkat" | "mount");
        let (file_slot, target_slot) = if swapped { (1, 0) } else { (0, 1) };
        // The kernel walked the base of the first path (or the descriptor of
        // a path-less call); use it where it applies, /proc otherwise.
        let first_dirfd = paths[0].and_then(|(_, d)| d);
        let kernel_base = event.base.as_ref().map(|b| (b.kind, escape_bytes(&b.path).into_owned()));
        let resolve = |slot: usize| -> Option<(String, bool)> {
            let (arg, dirfd) = (*paths.get(slot)?)?;
            let p = &args[arg].1;
            let cwd_based = matches!(dirfd, None | Some(render::AT_FDCWD));
            let known = match &kernel_base {
                Some((BaseKind::Cwd, b)) if cwd_based => Some(b),
                Some((BaseKind::Fd, b)) if !cwd_based && (slot == 0 || dirfd == first_dirfd) => Some(b),
                _ => None,
            };
            let abs = match known {
                Some(base) if !p.starts_with('/') => Some(super::resolve::join(base, p)),
                _ => absolute(lookup, pid, dirfd, p),
            };
            Some(match abs {
                Some(abs) => (abs, true),
                None => (p.clone(), false),
            })
        };
        let (mut file, mut file_resolved) = match resolve(file_slot) {
            Some((f, r)) => (Some(f), r),
            None => (None, false),
        };
        if file.is_none()
            && def.category != Category::Network
            && let Some(i) = def.nth_of(Arg::Fd, 0)
        {
            let from_kernel = match &kernel_base {
                Some((BaseKind::Fd, b)) => Some(b.clone()),
                _ => None,
            };
            if let Some(p) = from_kernel.or_else(|| lookup.fd_path(pid, event.args[i] as i32)) {
                file_resolved = p.starts_with('/');
                file = Some(p);
            }
        }
        let target = if swapped {
            paths[target_slot].map(|(arg, _)| args[arg].1.clone())
        } else {
            resolve(target_slot).map(|(p, _)| p)
        };
        let open = match def.name {
            "open" | "openat" | "openat2" => {
                let flags = match def.nth_of(Arg::OpenFlags, 0) {
                    Some(i) => Some(event.args[i]),
                    None => event.deref,
                };
                flags.map(|f| OpenMode { read: render::open_reads(f), write: render::open_writes(f) })
            }
            "creat" => Some(OpenMode { read: false, write: true }),
            _ => None,
        };
        let sockaddr = event.sockaddr.as_deref().and_then(parse_sockaddr);
        SecurityRecord { def, event, args, file, file_resolved, target, sockaddr, open }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{
        decode::Header,
        security::{catalog::by_name, resolve::tests::FakeProc},
    };

    /// A security event of pid 7 (`sh`) with these arguments and paths.
    pub(crate) fn event(args: [u64; 6], paths: [Option<&[u8]>; 2]) -> SecurityEvent {
        let header = Header {
            ktime_ns: 1,
            pid: 7,
            tid: 7,
            ppid: Some(1),
            uid: 0,
            gid: 0,
            cgroup_id: 1,
            start_time_ns: None,
            comm: b"sh".to_vec(),
        };
        SecurityEvent::new(header, 0, 3, args, paths.map(|p| p.map(<[u8]>::to_vec)))
    }

    #[test]
    fn openat_relative_to_cwd() {
        let mut p = FakeProc::default();
        p.cwd.insert(7, "/etc".into());
        let ev = event([0xffff_ff9c, 0, 0o1101, 0o644, 0, 0], [Some(b"passwd"), None]);
        let r = SecurityRecord::build(by_name("openat").unwrap(), ev, &p);
        assert_eq!(r.file.as_deref(), Some("/etc/passwd"));
        assert!(r.file_resolved);
        assert_eq!(r.arg("flags"), Some("O_WRONLY|O_CREAT|O_TRUNC"));
        assert_eq!(r.arg("dirfd"), Some("AT_FDCWD"));
        assert_eq!(r.arg("name"), Some("passwd"));
        assert_eq!(r.open, Some(OpenMode { read: false, write: true }));
        assert_eq!(r.fd(), Some(3));
    }

    #[test]
    fn kernel_base_wins_over_proc() {
        use crate::decode::Base;
        let mut ev = event([0xffff_ff9c, 0, 0o1101, 0o644, 0, 0], [Some(b"x/../y"), None]);
        ev.base = Some(Base { kind: BaseKind::Cwd, path: b"/work".to_vec(), truncated: false });
        let r = SecurityRecord::build(by_name("openat").unwrap(), ev, &FakeProc::default());
        assert_eq!((r.file.as_deref(), r.file_resolved), (Some("/work/y"), true));
        let mut ev = event([4, 0, 0, 0, 0, 0], [Some(b"rc"), None]);
        ev.base = Some(Base { kind: BaseKind::Fd, path: b"/tmp/jobs".to_vec(), truncated: false });
        let r = SecurityRecord::build(by_name("unlinkat").unwrap(), ev, &FakeProc::default());
        assert_eq!(r.file.as_deref(), Some("/tmp/jobs/rc"));
        let mut ev = event([5, 0o4755, 0, 0, 0, 0], [None, None]);
        ev.base = Some(Base { kind: BaseKind::Fd, path: b"/usr/bin/x".to_vec(), truncated: false });
        let r = SecurityRecord::build(by_name("fchmod").unwrap(), ev, &FakeProc::default());
        assert_eq!(r.file.as_deref(), Some("/usr/bin/x"));
    }

    #[test]
    fn unresolvable_relative_path_is_kept_and_marked() {
        let ev = event([0xffff_ff9c, 0, 0, 0, 0, 0], [Some(b"x"), None]);
        let r = SecurityRecord::build(by_name("openat").unwrap(), ev, &FakeProc::default());
        assert_eq!((r.file.as_deref(), r.file_resolved), (Some("x"), false));
    }

    #[test]
    fn rename_symlink_and_fd_calls() {
        let mut p = FakeProc::default();
        p.cwd.insert(7, "/tmp".into());
        p.fds.insert((7, 4), "/usr/bin/ls".into());
        let r = SecurityRecord::build(by_name("rename").unwrap(), event([0; 6], [Some(b"/a"), Some(b"b")]), &p);
        assert_eq!((r.file.as_deref(), r.target.as_deref()), (Some("/a"), Some("/tmp/b")));
        let r =
            SecurityRecord::build(by_name("symlink").unwrap(), event([0; 6], [Some(b"../etc/shadow"), Some(b"l")]), &p);
        assert_eq!((r.file.as_deref(), r.target.as_deref()), (Some("/tmp/l"), Some("../etc/shadow")));
        let r = SecurityRecord::build(by_name("fchmod").unwrap(), event([4, 0o4755, 0, 0, 0, 0], [None, None]), &p);
        assert_eq!((r.file.as_deref(), r.arg("mode")), (Some("/usr/bin/ls"), Some("4755|S_ISUID")));
    }

    #[test]
    fn sockets_and_derefs() {
        let mut ev = event([3, 0, 16, 0, 0, 0], [None, None]);
        let mut v4 = (libc::AF_INET as u16).to_ne_bytes().to_vec();
        v4.extend_from_slice(&3333u16.to_be_bytes());
        v4.extend_from_slice(&[10, 0, 0, 1]);
        ev.sockaddr = Some(v4);
        let r = SecurityRecord::build(by_name("connect").unwrap(), ev, &FakeProc::default());
        assert_eq!(r.arg("addr"), Some("10.0.0.1:3333"));
        assert!(matches!(r.sockaddr, Some(SockAddr::Inet { port: 3333, .. })));
        assert_eq!(r.file, None);
        let mut ev = event([0xffff_ff9c, 0, 0, 24, 0, 0], [Some(b"/etc/shadow"), None]);
        ev.deref = Some(0);
        let r = SecurityRecord::build(by_name("openat2").unwrap(), ev, &FakeProc::default());
        assert_eq!(r.arg("flags"), Some("O_RDONLY"));
        assert_eq!(r.open, Some(OpenMode { read: true, write: false }));
    }
}
