//! Kernel structure offsets resolved from the running kernel's BTF.
//!
//! Rust eBPF emits no CO-RE relocations, so userspace reads the offsets of the
//! few `task_struct`/`mm_struct`/`cred` fields the programs need from
//! `/sys/kernel/btf/vmlinux` at start-up and writes them into the `OFFSETS`
//! global before loading. Each group of fields has a bit in
//! [`KernelOffsets::valid`]; programs skip a read whose group is not valid and
//! mark the event instead.

use core::mem::size_of;

/// `task_struct.real_parent` and `task_struct.tgid` are known.
pub const OFF_PARENT: u32 = 1 << 0;
/// `task_struct.group_leader` and `task_struct.start_boottime` are known.
pub const OFF_START: u32 = 1 << 1;
/// `task_struct.mm`, `mm_struct.arg_start`/`arg_end` are known.
pub const OFF_ARGS: u32 = 1 << 2;
/// `task_struct.cred`, `cred.euid`/`egid` are known.
pub const OFF_CRED: u32 = 1 << 3;
/// `task_struct.exit_code` is known.
pub const OFF_EXIT: u32 = 1 << 4;
/// `task_struct.pid` and `task_struct.tgid` are known.
pub const OFF_PIDS: u32 = 1 << 5;

#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct KernelOffsets {
    /// `OFF_*` bits of the groups below that were resolved.
    pub valid: u32,
    pub task_pid: u32,
    pub task_tgid: u32,
    pub task_real_parent: u32,
    pub task_group_leader: u32,
    pub task_start_boottime: u32,
    pub task_exit_code: u32,
    pub task_mm: u32,
    pub task_cred: u32,
    pub mm_arg_start: u32,
    pub mm_arg_end: u32,
    pub cred_euid: u32,
    pub cred_egid: u32,
    /// Reserved, zero.
    pub reserved: [u32; 3],
}

impl KernelOffsets {
    /// No offsets known: every group is disabled.
    pub const UNKNOWN: KernelOffsets = KernelOffsets {
        valid: 0,
        task_pid: 0,
        task_tgid: 0,
        task_real_parent: 0,
        task_group_leader: 0,
        task_start_boottime: 0,
        task_exit_code: 0,
        task_mm: 0,
        task_cred: 0,
        mm_arg_start: 0,
        mm_arg_end: 0,
        cred_euid: 0,
        cred_egid: 0,
        reserved: [0; 3],
    };

    /// Whether every bit of `group` is resolved.
    #[must_use]
    pub const fn has(&self, group: u32) -> bool {
        self.valid & group == group
    }
}

const _: () = assert!(size_of::<KernelOffsets>() == 64);

#[cfg(feature = "user")]
unsafe impl aya::Pod for KernelOffsets {}
