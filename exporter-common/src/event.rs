//! The envelope every ring-buffer record starts with, and the event kinds.

use core::mem::size_of;

/// Kinds of records sent through the ring buffer.
///
/// Kinds travel as a plain `u32` in [`EventHeader::kind`]; userspace maps them
/// with `TryFrom<u32>` and rejects unknown values (a mismatched eBPF object must
/// not be undefined behaviour). Ranges, with gaps left for growth:
/// - 1..=19 process lifecycle
/// - 20..=39 security-relevant syscalls (files, privileges, kernel, evasion)
/// - 40..=59 network (reserved)
/// - 60..=79 privileges and isolation (reserved)
/// - 80..=99 kernel, tracing and evasion (reserved)
#[repr(u32)]
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A successful `execve`/`execveat` (tracepoint `sched/sched_process_exec`).
    Exec = 1,
    /// A new process, not a new thread (raw tracepoint `sched_process_fork`).
    Fork = 2,
    /// The last thread of a process exited (raw tracepoint `sched_process_exit`, `group_dead`).
    Exit = 3,
    /// A system call slower than its threshold (raw tracepoint `sys_exit`).
    SlowSyscall = 4,
    /// A cgroup2 cgroup was created (tracepoint `cgroup/cgroup_mkdir`).
    CgroupMkdir = 5,
    /// A security-relevant system call (raw tracepoint `sys_exit`, layout
    /// per syscall in `SYSCALL_SPECS`).
    Security = 20,
    /// A connection opened or closed (raw tracepoint `sys_exit` of connect,
    /// accept, close).
    Connection = 40,
}

impl EventKind {
    /// Every kind, in numeric order.
    pub const ALL: [EventKind; 7] = [
        EventKind::Exec,
        EventKind::Fork,
        EventKind::Exit,
        EventKind::SlowSyscall,
        EventKind::CgroupMkdir,
        EventKind::Security,
        EventKind::Connection,
    ];

    /// Stable lower-case name, used in logs and self-metrics.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::Exec => "exec",
            EventKind::Fork => "fork",
            EventKind::Exit => "exit",
            EventKind::SlowSyscall => "slow_syscall",
            EventKind::CgroupMkdir => "cgroup_mkdir",
            EventKind::Security => "security",
            EventKind::Connection => "connection",
        }
    }
}

/// The value was not a known [`EventKind`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct UnknownKind(pub u32);

impl TryFrom<u32> for EventKind {
    type Error = UnknownKind;

    fn try_from(value: u32) -> Result<Self, Self::Error> {
        match value {
            1 => Ok(EventKind::Exec),
            2 => Ok(EventKind::Fork),
            3 => Ok(EventKind::Exit),
            4 => Ok(EventKind::SlowSyscall),
            5 => Ok(EventKind::CgroupMkdir),
            20 => Ok(EventKind::Security),
            40 => Ok(EventKind::Connection),
            other => Err(UnknownKind(other)),
        }
    }
}

/// Length of `task_struct::comm`.
pub const COMM_LEN: usize = 16;

/// Common header of every ring-buffer record.
///
/// `pid` is the thread-group id (what userspace calls a PID), `tid` the
/// kernel task id. `ppid` and `start_time_ns` are 0 when the kernel offsets
/// needed to read them were not available (see [`crate::offsets`]).
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct EventHeader {
    /// An [`EventKind`] as `u32`.
    pub kind: u32,
    /// Size in bytes of the whole record (header + payload) as written by the kernel.
    pub size: u32,
    /// `bpf_ktime_get_boot_ns()` when the event happened.
    pub ktime_ns: u64,
    /// Thread-group id of the task that caused the event.
    pub pid: u32,
    /// Task id.
    pub tid: u32,
    /// Thread-group id of `real_parent`, 0 when unknown.
    pub ppid: u32,
    /// Real user id.
    pub uid: u32,
    /// Real group id.
    pub gid: u32,
    /// Reserved, zero.
    pub reserved: u32,
    /// cgroup v2 id (inode of the cgroup2 directory).
    pub cgroup_id: u64,
    /// `group_leader->start_boottime` in ns, 0 when unknown. With `pid` it
    /// identifies a process across PID reuse.
    pub start_time_ns: u64,
    /// `task_struct::comm`, NUL padded.
    pub comm: [u8; COMM_LEN],
}

const _: () = assert!(size_of::<EventHeader>() == 72);

/// A record: header followed by a kind-specific payload.
///
/// The decoder relies on the payload starting right after the header, at
/// offset `size_of::<EventHeader>()` (72, a multiple of 8).
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct Event<T> {
    pub header: EventHeader,
    pub data: T,
}

#[cfg(feature = "user")]
unsafe impl aya::Pod for EventHeader {}
