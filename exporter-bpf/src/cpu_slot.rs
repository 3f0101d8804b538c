//! This CPU's slot: the syscall in flight, and who is running.
//!
//! One per-CPU array entry, so the syscall hooks touch a single cache line
//! for both jobs:
//! - `inflight`: the start time and number of the running thread's call
//!   (see `syscalls.rs`);
//! - the running thread's cgroup id and process id, cached.
//!
//! `sys_exit` needs the cgroup id of every call (the key of its metrics),
//! and in full mode the process id of many. Each is a helper call, and
//! helper calls are dear here (retpolines and return thunks: about 20-25 ns
//! each). Both stay the same while one thread keeps its CPU: a thread
//! never changes process, and it changes cgroup only when it is migrated.
//! So the first `sys_exit` after a switch asks the helpers and keeps the
//! answers, and later calls read them from the slot.
//!
//! - `sched_switch` empties the cache (the next thread is someone else).
//! - A cgroup migration (`cgroup_attach_task`, `cgroup_transfer_tasks`,
//!   which fire once the tasks have moved) sets a new `CGROUP_EPOCH`. That empties
//!   every CPU's cached cgroup id at once, including those of migrated tasks
//!   still running elsewhere.
//!
//! A slot reads the epoch before asking the helper for the cgroup. So an
//! answer from before a migration is stored under the old epoch, and is
//! never trusted after the bump.

use core::ptr::{read_volatile, write_volatile};

use aya_ebpf::{
    helpers::{
        bpf_get_current_pid_tgid,
        generated::{bpf_get_current_cgroup_id, bpf_ktime_get_ns},
    },
    macros::{map, raw_tracepoint},
    maps::{Array, PerCpuArray},
    programs::RawTracePointContext,
};
use exporter_common::syscalls::Inflight;

#[repr(C)]
pub(crate) struct CpuSlot {
    pub inflight: Inflight,
    /// The running thread's cgroup id, valid while `epoch` is
    /// `CGROUP_EPOCH + 1`.
    cgroup_id: u64,
    /// `CGROUP_EPOCH + 1` when `cgroup_id` was read; 0: not cached.
    epoch: u64,
    /// The running thread's process id, valid when `has_tgid` is 1.
    tgid: u32,
    has_tgid: u32,
}

#[map(name = "CPU_SLOT")]
static CPU_SLOT: PerCpuArray<CpuSlot> = PerCpuArray::with_max_entries(1, 0);

/// Changed by every cgroup migration.
#[map(name = "CGROUP_EPOCH")]
static CGROUP_EPOCH: Array<u64> = Array::with_max_entries(1, 0);

/// This CPU's slot (an inlined per-CPU array lookup).
#[inline(always)]
pub(crate) fn cpu_slot() -> Option<*mut CpuSlot> {
    CPU_SLOT.get_ptr_mut(0)
}

/// Forgets who is running: called by `sched_switch` for the thread that
/// comes next.
#[inline(always)]
pub(crate) unsafe fn forget_running(slot: *mut CpuSlot) {
    unsafe {
        write_volatile(&raw mut (*slot).epoch, 0);
        write_volatile(&raw mut (*slot).has_tgid, 0);
    }
}

/// The running thread's cgroup id, cached in `slot`.
#[inline(always)]
pub(crate) unsafe fn running_cgroup_id(slot: *mut CpuSlot) -> u64 {
    let epoch = match CGROUP_EPOCH.get_ptr(0) {
        Some(e) => unsafe { read_volatile(e) }.wrapping_add(1),
        None => return unsafe { bpf_get_current_cgroup_id() },
    };
    unsafe {
        if read_volatile(&raw const (*slot).epoch) == epoch {
            return (*slot).cgroup_id;
        }
        let id = bpf_get_current_cgroup_id();
        (*slot).cgroup_id = id;
        write_volatile(&raw mut (*slot).epoch, epoch);
        id
    }
}

/// The running thread's process id, cached in `slot`.
#[inline(always)]
pub(crate) unsafe fn running_tgid(slot: *mut CpuSlot) -> u32 {
    unsafe {
        if read_volatile(&raw const (*slot).has_tgid) != 0 {
            return (*slot).tgid;
        }
        let tgid = (bpf_get_current_pid_tgid() >> 32) as u32;
        (*slot).tgid = tgid;
        write_volatile(&raw mut (*slot).has_tgid, 1);
        tgid
    }
}

/// `TP_PROTO(struct cgroup *dst_cgrp, const char *path, struct task_struct
/// *task, bool threadgroup)`, after the task (or its whole process) moved.
#[raw_tracepoint(tracepoint = "cgroup_attach_task")]
pub fn cgroup_attach_task(_ctx: RawTracePointContext) -> u32 {
    bump_epoch();
    0
}

/// Same prototype as `cgroup_attach_task`, for tasks moved out of a cgroup
/// (cgroup v1 `cpuset` hotplug and `cgroup_transfer_tasks`).
#[raw_tracepoint(tracepoint = "cgroup_transfer_tasks")]
pub fn cgroup_transfer_tasks(_ctx: RawTracePointContext) -> u32 {
    bump_epoch();
    0
}

/// Sets the epoch to the monotonic clock (BPF has no atomic add on this
/// target). Two migrations at once may both write it, but the later write
/// is still a new value for every slot that read the earlier one: that read
/// came after the first clock reading, and the second migration's clock
/// reading after it.
#[inline(always)]
fn bump_epoch() {
    if let Some(e) = CGROUP_EPOCH.get_ptr_mut(0) {
        unsafe { write_volatile(e, bpf_ktime_get_ns()) };
    }
}
