//! One process as the table knows it.

use std::sync::Arc;

/// Identity and image of a process. Byte strings are kept as the kernel gave
/// them (not always UTF-8).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: u32,
    pub ppid: Option<u32>,
    /// Start time in clock ticks since boot (the unit of `/proc/<pid>/stat`
    /// field 22), which both `/proc` and the kernel events can give.
    pub start_ticks: Option<u64>,
    /// Executable path (shared: forks and records take a reference).
    pub exe: Option<Arc<[u8]>>,
    /// Argument vector (shared: a fork's child starts with its parent's).
    pub args: Arc<[Vec<u8>]>,
    pub comm: Vec<u8>,
    pub uid: Option<u32>,
    pub euid: Option<u32>,
    pub gid: Option<u32>,
    pub egid: Option<u32>,
    pub cgroup_id: Option<u64>,
    /// The executable is a memfd (fileless execution).
    pub exe_memfd: bool,
    /// The executable has no links left (deleted, or a memfd).
    pub exe_deleted: bool,
}

impl ProcessInfo {
    /// Whether `other_ticks` names the same process start as this entry.
    /// Unknown start times on either side match (we cannot tell).
    #[must_use]
    pub fn same_start(&self, other_ticks: Option<u64>) -> bool {
        match (self.start_ticks, other_ticks) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }
}
