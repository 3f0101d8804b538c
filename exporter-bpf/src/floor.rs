//! The bench's reference point, never attached by the agent: the same two
//! syscall hooks as `syscalls.rs`, doing nothing but add one to a per-CPU
//! counter. What they cost is the floor any per-syscall metric pays.

use aya_ebpf::{
    macros::{map, raw_tracepoint},
    maps::PerCpuArray,
    programs::RawTracePointContext,
};

/// Calls seen by `floor_enter` (slot 0) and `floor_exit` (slot 1).
#[map(name = "FLOOR_COUNTS")]
static FLOOR_COUNTS: PerCpuArray<u64> = PerCpuArray::with_max_entries(2, 0);

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
