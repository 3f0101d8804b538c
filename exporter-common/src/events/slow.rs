//! `slow_syscall`: a system call that took longer than its threshold.

use core::mem::size_of;

use crate::event::Event;

/// Bytes kept of the call's target (a path, or a socket address).
pub const TARGET_MAX: usize = 256;

/// The target is a NUL-terminated path (possibly cut).
pub const TARGET_PATH: u32 = 1;
/// The target is a `struct sockaddr` of `target_len` bytes.
pub const TARGET_SOCKADDR: u32 = 2;

#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct SlowSyscallData {
    pub nr: u32,
    /// `TARGET_*` kind of `target`, 0 when none was read.
    pub target_kind: u32,
    /// Return value (negative errno on failure).
    pub ret: i64,
    /// `bpf_ktime_get_boot_ns()` at entry.
    pub start_ns: u64,
    pub duration_ns: u64,
    /// The first three arguments.
    pub args: [u64; 3],
    /// Valid bytes in `target`.
    pub target_len: u32,
    /// Reserved, zero.
    pub reserved: u32,
    pub target: [u8; TARGET_MAX],
}

pub type SlowSyscallEvent = Event<SlowSyscallData>;

const _: () = assert!(size_of::<SlowSyscallData>() == 64 + TARGET_MAX);
