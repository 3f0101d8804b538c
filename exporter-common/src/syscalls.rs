//! Per-cgroup, per-syscall aggregates kept in the kernel (`sys_enter` /
//! `sys_exit` raw tracepoints). Nothing per syscall crosses the ring buffer:
//! userspace reads these maps once per export interval.

use core::mem::size_of;

use crate::events::security::SecLayout;

/// log2 latency buckets: bucket `i` counts durations in `[2^i, 2^(i+1))` ns;
/// the last bucket also takes everything longer (>= ~2.1 s).
pub const HIST_BUCKETS: usize = 32;

/// Slots of the `SYSCALL_KEYS` / `SYSCALL_STATS` tables (cgroup x syscall
/// pairs), a power of two. `SYSCALL_STATS` is a per-CPU array of
/// [`SyscallStats`] (280 bytes), so it costs about 2.2 MiB of kernel memory
/// per possible CPU.
pub const STATS_SLOTS: u32 = 8_192;
/// Slots tried, from the pair's home slot onwards, before a call is counted
/// as `syscall_stats_full`.
pub const STATS_PROBES: u32 = 4;

/// Home slot of a (cgroup, syscall) pair in the stats tables: a
/// multiplicative hash, cheap enough for every syscall.
#[must_use]
#[inline(always)]
pub const fn stats_home_slot(cgroup_id: u64, nr: u32) -> u32 {
    let h = cgroup_id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (nr as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    ((h >> 32) as u32) & (STATS_SLOTS - 1)
}
/// Entries of the `SYSCALL_ERRNOS` map (cgroup x syscall x errno triples).
pub const ERRNO_MAX_ENTRIES: u32 = 4_096;

/// Value of `SYSCALL_KEYS[slot]`: the pair whose figures are in
/// `SYSCALL_STATS[slot]`; a zero `cgroup_id` marks a free slot (cgroup ids
/// start at 1).
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
/// Entries of `CONN_TGIDS`: one byte per process id up to the kernel's
/// `PID_MAX_LIMIT` (4,194,304 on 64-bit), eight to an entry: 4 MiB. A byte
/// rather than a bit, so that setting and clearing are plain stores (no
/// atomic read-modify-write shared by 64 processes).
pub const CONN_TGID_WORDS: u32 = 4_194_304 / 8;

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

/// A syscall in flight: when it began. Kept per CPU (`INFLIGHT_CPU`) while
/// the thread stays on the CPU, and in the thread's own storage
/// (`INFLIGHT`) once it leaves it mid-call.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Inflight {
    /// `bpf_ktime_get_ns()` (monotonic, not boot time: the cheaper clock) at
    /// `sys_enter`; 0 when no syscall is in flight.
    pub start_ns: u64,
    pub nr: u32,
    /// In the per-CPU slot: 1 while it holds the running thread's call, 0
    /// when empty. Zero in task storage.
    pub filled: u32,
}

/// Bucket index of a duration: `floor(log2(duration_ns))`, 0 for 0, capped
/// at the last bucket.
///
/// A binary search rather than `leading_zeros`: BPF has no count-leading-
/// zeros instruction, so LLVM expands that into about 45 instructions on
/// every syscall; this is five compares and shifts.
#[must_use]
#[inline(always)]
pub const fn bucket_of(duration_ns: u64) -> usize {
    if duration_ns >> (HIST_BUCKETS - 1) != 0 {
        return HIST_BUCKETS - 1;
    }
    // Below 2^31 from here on: halve the search range five times.
    let mut v = duration_ns as u32;
    let mut b = 0;
    let mut step = 16;
    while step > 0 {
        if v >> step != 0 {
            v >>= step;
            b += step;
        }
        step >>= 1;
    }
    b as usize
}

const _: () = assert!(size_of::<SyscallKey>() == 16);
const _: () = assert!(STATS_SLOTS.is_power_of_two());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_slots_stay_in_the_table_and_spread() {
        // A node's worth of pairs: 200 cgroups with ids as the kernel hands
        // them out, 60 syscalls each.
        let mut used = [0u16; STATS_SLOTS as usize];
        for cgroup in 0..200u64 {
            for nr in 0..60u32 {
                let slot = stats_home_slot(4000 + cgroup * 7, nr);
                assert!(slot < STATS_SLOTS);
                used[slot as usize] += 1;
            }
        }
        // 12,000 pairs in 8,192 slots: a uniform hash leaves about e^-1.46
        // (23%) of the slots empty and piles at most a handful on one slot.
        let empty = used.iter().filter(|&&n| n == 0).count();
        let worst = used.iter().copied().max().unwrap();
        assert!((1200..2800).contains(&empty), "{empty} empty slots");
        assert!(worst <= 9, "{worst} pairs share one home slot");
    }

    /// The reference definition: bucket `i` holds `[2^i, 2^(i+1))`.
    fn log2_bucket(d: u64) -> usize {
        if d == 0 { 0 } else { (63 - d.leading_zeros() as usize).min(HIST_BUCKETS - 1) }
    }

    #[test]
    fn buckets_are_log2_of_the_duration() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(1), 0);
        assert_eq!(bucket_of(2), 1);
        assert_eq!(bucket_of(3), 1);
        assert_eq!(bucket_of(1_000), 9);
        assert_eq!(bucket_of(u64::MAX), HIST_BUCKETS - 1);
        for bit in 0..64 {
            let p = 1u64 << bit;
            for d in [p - 1, p, p + 1, p | (p >> 1), p.wrapping_mul(3)] {
                assert_eq!(bucket_of(d), log2_bucket(d), "{d}");
            }
        }
        // A pseudo-random sweep over every magnitude.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let d = x >> (x % 64);
            assert_eq!(bucket_of(d), log2_bucket(d), "{d}");
        }
    }
}
