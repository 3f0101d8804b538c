//! Maps and load-time globals shared by every program.

use aya_ebpf::{
    macros::map,
    maps::{PerCpuArray, RingBuf, ring_buf::RingBufEntry},
};
use exporter_common::{
    config::AgentConfig,
    offsets::KernelOffsets,
    stats::{STAT_COUNT, Stat},
};

/// Records for userspace. Userspace may resize it at load time.
#[map(name = "EVENTS")]
pub static EVENTS: RingBuf = RingBuf::with_byte_size(4 * 1024 * 1024, 0);

/// Per-CPU counters, indexed by [`Stat`].
#[map(name = "STATS")]
pub static STATS: PerCpuArray<u64> = PerCpuArray::with_max_entries(STAT_COUNT, 0);

/// Kernel structure offsets, written by userspace before load.
#[unsafe(no_mangle)]
pub static OFFSETS: KernelOffsets = KernelOffsets::UNKNOWN;

/// Agent settings, written by userspace before load.
#[unsafe(no_mangle)]
pub static AGENT: AgentConfig = AgentConfig::DEFAULT;

/// Reads the offsets global (volatile so the compiler keeps the load that
/// userspace patches).
#[inline(always)]
pub fn offsets() -> KernelOffsets {
    unsafe { core::ptr::read_volatile(&raw const OFFSETS) }
}

/// Reads the agent settings global.
#[inline(always)]
pub fn agent() -> AgentConfig {
    unsafe { core::ptr::read_volatile(&raw const AGENT) }
}

/// Submit flags that batch wake-ups: the reader is not woken for each
/// record (a wake-up costs more than the record here) but drains on a short
/// timer; once a sixteenth of the ring is waiting, the record wakes it.
#[inline(always)]
pub fn wakeup_flags() -> u64 {
    const BPF_RB_AVAIL_DATA: u64 = 0;
    const BPF_RB_RING_SIZE: u64 = 1;
    const BPF_RB_NO_WAKEUP: u64 = 1;
    const BPF_RB_FORCE_WAKEUP: u64 = 2;
    let waiting = EVENTS.query(BPF_RB_AVAIL_DATA);
    if waiting >= EVENTS.query(BPF_RB_RING_SIZE) >> 4 { BPF_RB_FORCE_WAKEUP } else { BPF_RB_NO_WAKEUP }
}

/// Space for one `T` record in `EVENTS`; a full ring is counted
/// (`ringbuf_full`) and returned as `Err(-1)`.
#[inline(always)]
pub fn reserve<T: 'static>() -> Result<RingBufEntry<T>, i64> {
    EVENTS.reserve::<T>(0).ok_or_else(|| {
        count(Stat::RingbufFull);
        -1
    })
}

/// Hands a filled record to userspace (wake-ups batched, see
/// [`wakeup_flags`]) and counts it.
#[inline(always)]
pub fn submit<T>(entry: RingBufEntry<T>) {
    entry.submit(wakeup_flags());
    count(Stat::Emitted);
    note_fill();
}

/// Records how full the ring buffer is after a write (a per-CPU gauge).
#[inline(always)]
pub fn note_fill() {
    const BPF_RB_AVAIL_DATA: u64 = 0;
    if let Some(slot) = STATS.get_ptr_mut(Stat::RingbufUsedBytes as u32) {
        unsafe { *slot = EVENTS.query(BPF_RB_AVAIL_DATA) };
    }
}

/// Adds one to a per-CPU counter.
#[inline(always)]
pub fn count(stat: Stat) {
    if let Some(slot) = STATS.get_ptr_mut(stat as u32) {
        unsafe { *slot += 1 };
    }
}
