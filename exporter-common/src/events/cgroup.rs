//! `cgroup_mkdir`: a cgroup2 cgroup was created (`cgroup/cgroup_mkdir`).
//!
//! Userspace names a cgroup id through the cgroup tree or a process's
//! `/proc/<pid>/cgroup`, both gone once a short-lived container has exited.
//! This record carries the path from the moment the cgroup exists, so a
//! container is named however late its other records are read.

use core::mem::size_of;

use crate::event::Event;

/// Bytes kept of the cgroup's path below the cgroup2 root (power of two for
/// verifier masks; Kubernetes container cgroups take about 200).
pub const CGROUP_PATH_MAX: usize = 512;

/// The path was longer than [`CGROUP_PATH_MAX`] and was cut.
pub const CGROUP_PATH_TRUNCATED: u32 = 1 << 0;

#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct CgroupData {
    /// The cgroup's id: its kernfs inode, as `bpf_get_current_cgroup_id`
    /// returns it for tasks inside.
    pub id: u64,
    /// Depth below the root (the root is 0).
    pub level: u32,
    /// `CGROUP_*` flags.
    pub flags: u32,
    /// Valid bytes in `path` (without NUL).
    pub path_len: u32,
    /// Reserved, zero.
    pub reserved: u32,
    /// The path below the cgroup2 mount, starting with `/`.
    pub path: [u8; CGROUP_PATH_MAX],
}

pub type CgroupEvent = Event<CgroupData>;

const _: () = assert!(size_of::<CgroupData>() == 24 + CGROUP_PATH_MAX);
