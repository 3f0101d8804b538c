//! Indices of the per-CPU `STATS` counter array kept by the eBPF programs.
//!
//! Each slot is a `u64` incremented on one CPU; userspace sums the CPUs and
//! exports the totals as self-metrics, so every kernel-side loss is visible.

/// Counter slots. The numeric values are the array indices.
#[repr(u32)]
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Stat {
    /// Records written to the ring buffer.
    Emitted = 0,
    /// Records lost because the ring buffer was full.
    RingbufFull = 1,
    /// Argument vectors that could not be read.
    ArgsReadFailed = 2,
    /// File names that could not be read.
    FilenameReadFailed = 3,
    /// Kernel structure reads that faulted.
    KernelReadFailed = 4,
    /// Syscall aggregates lost because `SYSCALL_STATS` was full.
    SyscallStatsFull = 5,
    /// Errno counts lost because `SYSCALL_ERRNOS` was full.
    SyscallErrnosFull = 6,
    /// Gauge, not a counter: bytes pending in the ring buffer after this
    /// CPU's last write (`bpf_ringbuf_query(BPF_RB_AVAIL_DATA)`).
    RingbufUsedBytes = 7,
}

/// Number of slots in `STATS`.
pub const STAT_COUNT: u32 = 8;

impl Stat {
    /// Every slot, in index order.
    pub const ALL: [Stat; STAT_COUNT as usize] = [
        Stat::Emitted,
        Stat::RingbufFull,
        Stat::ArgsReadFailed,
        Stat::FilenameReadFailed,
        Stat::KernelReadFailed,
        Stat::SyscallStatsFull,
        Stat::SyscallErrnosFull,
        Stat::RingbufUsedBytes,
    ];

    /// Stable name used as a metric attribute value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Stat::Emitted => "emitted",
            Stat::RingbufFull => "ringbuf_full",
            Stat::ArgsReadFailed => "args_read_failed",
            Stat::FilenameReadFailed => "filename_read_failed",
            Stat::KernelReadFailed => "kernel_read_failed",
            Stat::SyscallStatsFull => "syscall_stats_full",
            Stat::SyscallErrnosFull => "syscall_errnos_full",
            Stat::RingbufUsedBytes => "ringbuf_used_bytes",
        }
    }
}
