//! Events, records and process trees shared by the benchmarks, built the
//! way the pipeline builds them (as in `detect/tests.rs`).

use sysotel::{
    decode::{ExecEvent, Header, SecurityEvent},
    process::{ProcessInfo, ProcessTable},
    security::{SecurityRecord, catalog::by_name, resolve::ProcLookup},
};

/// `AT_FDCWD` as the kernel passes it in a 64-bit argument register.
pub const AT_FDCWD: u64 = 0xffff_ff9c;
/// `O_WRONLY|O_CREAT|O_TRUNC`.
pub const O_WRONLY_CREAT_TRUNC: u64 = 0o1101;
/// `O_RDONLY`.
pub const O_RDONLY: u64 = 0;

/// A `/proc` stand-in: every process works in `/home/user`.
pub struct NoProc;

impl ProcLookup for NoProc {
    fn cwd(&self, _: u32) -> Option<String> {
        Some("/home/user".into())
    }

    fn fd_path(&self, _: u32, _: i32) -> Option<String> {
        None
    }
}

/// The decoded header of an event from `pid` (child of `ppid`).
pub fn header(pid: u32, ppid: u32, comm: &str) -> Header {
    Header {
        ktime_ns: 1_000,
        pid,
        tid: pid,
        ppid: Some(ppid),
        uid: 1000,
        gid: 1000,
        cgroup_id: 63,
        start_time_ns: None,
        comm: comm.as_bytes().to_vec(),
    }
}

/// An exec of `/usr/bin/<comm>` with `args`.
pub fn exec_event(pid: u32, ppid: u32, comm: &str, args: &[&str]) -> ExecEvent {
    ExecEvent {
        header: header(pid, ppid, comm),
        old_pid: pid,
        filename: format!("/usr/bin/{comm}").into_bytes(),
        filename_truncated: false,
        args: args.iter().map(|a| a.as_bytes().to_vec()).collect(),
        args_truncated: false,
        args_missing: false,
        euid: Some(1000),
        egid: Some(1000),
        exe_memfd: false,
        exe_deleted: false,
    }
}

/// A successful `openat(AT_FDCWD, path, flags, 0644) = 3`, enriched as the
/// pipeline does (arguments rendered, path resolved).
pub fn openat(pid: u32, ppid: u32, comm: &str, path: &str, flags: u64) -> SecurityRecord {
    let args = [AT_FDCWD, 0x7ffd_0000_1000, flags, 0o644, 0, 0];
    let event = SecurityEvent::new(header(pid, ppid, comm), 257, 3, args, [Some(path.as_bytes().to_vec()), None]);
    SecurityRecord::build(by_name("openat").expect("openat is in the catalog"), event, &NoProc)
}

/// `systemd` (1) -> `bash` (50): the ancestors every benchmarked process has.
pub fn tree() -> ProcessTable {
    let mut t = ProcessTable::new(65_536, 100);
    t.insert(ProcessInfo {
        pid: 1,
        comm: b"systemd".to_vec(),
        exe: Some(b"/usr/lib/systemd/systemd".as_slice().into()),
        ..Default::default()
    });
    t.insert(ProcessInfo {
        pid: 50,
        ppid: Some(1),
        comm: b"bash".to_vec(),
        exe: Some(b"/usr/bin/bash".as_slice().into()),
        args: vec![b"bash".to_vec()].into(),
        ..Default::default()
    });
    t
}
