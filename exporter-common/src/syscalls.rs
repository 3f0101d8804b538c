//! Per-cgroup, per-syscall aggregates kept in the kernel (`sys_enter` /
//! `sys_exit` raw tracepoints). Nothing per syscall crosses the ring buffer:
//! userspace reads these maps once per export interval.

use core::mem::size_of;

use crate::events::security::SecLayout;

/// log2 latency buckets: bucket `i` counts durations in `[2^i, 2^(i+1))` ns;
/// the last bucket also takes everything longer (>= ~2.1 s).
pub const HIST_BUCKETS: usize = 32;

/// Entries of the `SYSCALL_STATS` map (cgroup x syscall pairs).
pub const STATS_MAX_ENTRIES: u32 = 10_240;
/// Entries of the `SYSCALL_ERRNOS` map (cgroup x syscall x errno triples).
pub const ERRNO_MAX_ENTRIES: u32 = 4_096;
/// Threads whose syscall start time is tracked at once (LRU).
pub const INFLIGHT_MAX_ENTRIES: u32 = 16_384;

/// Key of `SYSCALL_STATS`.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct SyscallKey {
    pub cgroup_id: u64,
    /// Syscall number of the running architecture.
    pub nr: u32,
    /// Reserved, zero.
    pub reserved: u32,
}

/// Value of `SYSCALL_STATS` (per CPU; userspace sums).
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SyscallStats {
    /// Completed calls.
    pub count: u64,
    /// Calls that returned an error (`-4095..=-1`).
    pub errors: u64,
    /// Sum of durations in ns.
    pub duration_ns: u64,
    /// log2 histogram of durations, see [`HIST_BUCKETS`].
    pub buckets: [u64; HIST_BUCKETS],
}

impl SyscallStats {
    pub const ZERO: SyscallStats = SyscallStats { count: 0, errors: 0, duration_ns: 0, buckets: [0; HIST_BUCKETS] };
}

/// Key of `SYSCALL_ERRNOS`; the value is a per-CPU `u64` count.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ErrnoKey {
    pub cgroup_id: u64,
    pub nr: u32,
    /// Positive errno (`ENOENT` = 2).
    pub errno: u32,
}

/// Entries of `SYSCALL_SPECS`, indexed by syscall number.
pub const SLOW_SPECS_MAX: u32 = 512;

/// No target to read.
pub const SLOW_TARGET_NONE: u32 = 0;
/// A path in argument 0.
pub const SLOW_TARGET_PATH_ARG0: u32 = 1;
/// A path in argument 1 (the `*at` family).
pub const SLOW_TARGET_PATH_ARG1: u32 = 2;
/// A `struct sockaddr *` in argument 1 with its length in argument 2.
pub const SLOW_TARGET_SOCKADDR_ARG1: u32 = 3;

/// Value of `SYSCALL_SPECS[nr]`: what `sys_exit` does beyond counting
/// (slow-call threshold and target, connection tracking, security record).
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SyscallSpec {
    /// Calls at least this long become `slow_syscall` events; 0 disables.
    pub threshold_ns: u64,
    /// `SLOW_TARGET_*`.
    pub target: u32,
    /// `CONN_ROLE_*`: the call's part in connection tracking.
    pub conn_role: u32,
    /// How to report the call as a `security` record.
    pub security: SecLayout,
}

impl SyscallSpec {
    pub const OFF: SyscallSpec = SyscallSpec { threshold_ns: 0, target: 0, conn_role: 0, security: SecLayout::OFF };
}

/// Not part of connection tracking.
pub const CONN_ROLE_NONE: u32 = 0;
/// `connect(fd, addr, len)`.
pub const CONN_ROLE_CONNECT: u32 = 1;
/// `accept(fd, addr, lenp)` / `accept4`.
pub const CONN_ROLE_ACCEPT: u32 = 2;
/// `close(fd)`.
pub const CONN_ROLE_CLOSE: u32 = 3;
/// Writes to `fd` (return value = bytes).
pub const CONN_ROLE_SEND: u32 = 4;
/// Reads from `fd` (return value = bytes).
pub const CONN_ROLE_RECV: u32 = 5;

/// Tracked connections at once (LRU: those of processes that died without
/// closing age out).
pub const CONNS_MAX_ENTRIES: u32 = 16_384;

/// Key of `CONNS`.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConnKey {
    pub tgid: u32,
    pub fd: u32,
}

/// Value of `CONNS`: bytes moved so far.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ConnBytes {
    pub sent: u64,
    pub received: u64,
}

const _: () = assert!(size_of::<ConnKey>() == 8);
const _: () = assert!(size_of::<ConnBytes>() == 16);

/// Value of the per-thread `INFLIGHT` map: when the current syscall began.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Inflight {
    /// `bpf_ktime_get_boot_ns()` at `sys_enter`; 0 when no syscall is in flight.
    pub start_ns: u64,
    pub nr: u32,
    /// Reserved, zero.
    pub reserved: u32,
}

/// Bucket index of a duration.
#[must_use]
pub const fn bucket_of(duration_ns: u64) -> usize {
    if duration_ns == 0 {
        return 0;
    }
    let b = 63 - duration_ns.leading_zeros() as usize;
    if b >= HIST_BUCKETS { HIST_BUCKETS - 1 } else { b }
}

const _: () = assert!(size_of::<SyscallKey>() == 16);
const _: () = assert!(size_of::<SyscallStats>() == 24 + 8 * HIST_BUCKETS);
const _: () = assert!(size_of::<ErrnoKey>() == 16);
const _: () = assert!(size_of::<Inflight>() == 16);

#[cfg(feature = "user")]
unsafe impl aya::Pod for SyscallKey {}
#[cfg(feature = "user")]
unsafe impl aya::Pod for SyscallStats {}
#[cfg(feature = "user")]
unsafe impl aya::Pod for ErrnoKey {}
#[cfg(feature = "user")]
unsafe impl aya::Pod for Inflight {}
#[cfg(feature = "user")]
unsafe impl aya::Pod for SyscallSpec {}

const _: () = assert!(size_of::<SyscallSpec>() == 32);
