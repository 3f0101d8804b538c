//! The bench's reference points, never attached by the agent: the same two
//! syscall hooks as `syscalls.rs`, doing as little as one can.
//!
//! - `floor_enter`/`floor_exit` only add one to a per-CPU counter: what
//!   they cost is the floor any per-syscall metric pays.
//! - `floor_timed_enter`/`floor_timed_exit` also read the clock at both
//!   ends and add each call's duration to a per-CPU sum: the least any
//!   latency metric pays. A call whose thread leaves its CPU mid-way may be
//!   timed against another thread's start; for a reference loop that never
//!   blocks, that does not matter.

use aya_ebpf::{
    helpers::generated::bpf_ktime_get_ns,
    macros::{map, raw_tracepoint},
    maps::PerCpuArray,
    programs::RawTracePointContext,
};

/// Calls seen by `floor_enter` (slot 0) and `floor_exit` (slot 1).
#[map(name = "FLOOR_COUNTS")]
static FLOOR_COUNTS: PerCpuArray<u64> = PerCpuArray::with_max_entries(2, 0);

/// `[start of the call in flight (0: none), calls timed, their total ns]`.
#[map(name = "FLOOR_TIMED")]
static FLOOR_TIMED: PerCpuArray<[u64; 3]> = PerCpuArray::with_max_entries(1, 0);

#[raw_tracepoint(tracepoint = "sys_enter")]
pub fn floor_enter(_ctx: RawTracePointContext) -> u32 {
    bump(0);
    0
}

#[raw_tracepoint(tracepoint = "sys_exit")]
pub fn floor_exit(_ctx: RawTracePointContext) -> u32 {
    bump(1);
    0
}

#[inline(always)]
fn bump(slot: u32) {
    if let Some(count) = FLOOR_COUNTS.get_ptr_mut(slot) {
        unsafe { *count += 1 };
    }
}

#[raw_tracepoint(tracepoint = "sys_enter")]
pub fn floor_timed_enter(_ctx: RawTracePointContext) -> u32 {
    if let Some(slot) = FLOOR_TIMED.get_ptr_mut(0) {
        unsafe { (*slot)[0] = bpf_ktime_get_ns() };
    }
    0
}

#[raw_tracepoint(tracepoint = "sys_exit")]
pub fn floor_timed_exit(_ctx: RawTracePointContext) -> u32 {
    if let Some(slot) = FLOOR_TIMED.get_ptr_mut(0) {
        let now = unsafe { bpf_ktime_get_ns() };
        unsafe {
            let start = (*slot)[0];
            if start != 0 {
                (*slot)[0] = 0;
                (*slot)[1] += 1;
                (*slot)[2] += now.saturating_sub(start);
            }
        }
    }
    0
}
