//! Syscall metrics aggregated in the kernel.
//!
//! - `sys_enter` (raw tracepoint, `TP_PROTO(struct pt_regs *regs, long id)`):
//!   records the start time and number in the thread's `INFLIGHT` slot
//!   (an LRU hash keyed by thread id, updated in place after the first call).
//! - `sys_exit` (raw tracepoint, `TP_PROTO(struct pt_regs *regs, long ret)`):
//!   adds the call to `SYSCALL_STATS[(cgroup, nr)]` (count, errors, duration
//!   sum, log2 histogram) and failures to `SYSCALL_ERRNOS[(cgroup, nr, errno)]`.
//!
//! Both maps are per-CPU, so the hot path takes no locks. The agent's own
//! threads are skipped.

use aya_ebpf::{
    helpers::{
        bpf_get_current_pid_tgid,
        generated::{bpf_get_current_cgroup_id, bpf_ktime_get_ns},
    },
    macros::{map, raw_tracepoint},
    maps::{LruHashMap, PerCpuHashMap},
    programs::RawTracePointContext,
};
use exporter_common::{
    stats::Stat,
    syscalls::{
        ERRNO_MAX_ENTRIES, ErrnoKey, INFLIGHT_MAX_ENTRIES, Inflight, STATS_MAX_ENTRIES, SyscallKey, SyscallStats,
        bucket_of,
    },
};

use crate::maps::{agent, count};

#[map(name = "INFLIGHT")]
static INFLIGHT: LruHashMap<u32, Inflight> = LruHashMap::with_max_entries(INFLIGHT_MAX_ENTRIES, 0);

#[map(name = "SYSCALL_STATS")]
static SYSCALL_STATS: PerCpuHashMap<SyscallKey, SyscallStats> = PerCpuHashMap::with_max_entries(STATS_MAX_ENTRIES, 0);

#[map(name = "SYSCALL_ERRNOS")]
static SYSCALL_ERRNOS: PerCpuHashMap<ErrnoKey, u64> = PerCpuHashMap::with_max_entries(ERRNO_MAX_ENTRIES, 0);

/// Template for new `SYSCALL_STATS` entries (kept off the 512-byte stack).
static ZERO_STATS: SyscallStats = SyscallStats::ZERO;

const BPF_NOEXIST: u64 = 1;

#[raw_tracepoint(tracepoint = "sys_enter")]
pub fn sys_enter(ctx: RawTracePointContext) -> u32 {
    let pid_tgid = bpf_get_current_pid_tgid();
    if (pid_tgid >> 32) as u32 == agent().agent_pid {
        return 0;
    }
    let tid = pid_tgid as u32;
    let nr = ctx.arg::<u64>(1) as u32;
    let now = unsafe { bpf_ktime_get_ns() };
    match INFLIGHT.get_ptr_mut(tid) {
        Some(slot) => unsafe {
            (*slot).start_ns = now;
            (*slot).nr = nr;
        },
        None => {
            let _ = INFLIGHT.insert(tid, Inflight { start_ns: now, nr, reserved: 0 }, 0);
        }
    }
    0
}

#[raw_tracepoint(tracepoint = "sys_exit")]
pub fn sys_exit(ctx: RawTracePointContext) -> u32 {
    let pid_tgid = bpf_get_current_pid_tgid();
    if (pid_tgid >> 32) as u32 == agent().agent_pid {
        return 0;
    }
    let Some(slot) = INFLIGHT.get_ptr_mut(pid_tgid as u32) else { return 0 };
    let (start, nr) = unsafe { ((*slot).start_ns, (*slot).nr) };
    if start == 0 {
        return 0;
    }
    unsafe { (*slot).start_ns = 0 };
    let now = unsafe { bpf_ktime_get_ns() };
    let duration = now.saturating_sub(start);
    let ret = ctx.arg::<u64>(1) as i64;
    let failed = (-4095..0).contains(&ret);
    let cgroup_id = unsafe { bpf_get_current_cgroup_id() };
    let key = SyscallKey { cgroup_id, nr, reserved: 0 };
    let stats = match SYSCALL_STATS.get_ptr_mut(key) {
        Some(s) => s,
        None => {
            if SYSCALL_STATS.insert(key, &ZERO_STATS, BPF_NOEXIST).is_err() {
                // Either full, or another CPU inserted it first: look again.
                match SYSCALL_STATS.get_ptr_mut(key) {
                    Some(s) => s,
                    None => {
                        count(Stat::SyscallStatsFull);
                        return 0;
                    }
                }
            } else {
                match SYSCALL_STATS.get_ptr_mut(key) {
                    Some(s) => s,
                    None => return 0,
                }
            }
        }
    };
    let bucket = bucket_of(duration);
    unsafe {
        (*stats).count += 1;
        (*stats).duration_ns += duration;
        if bucket < (*stats).buckets.len() {
            (*stats).buckets[bucket] += 1;
        }
        if failed {
            (*stats).errors += 1;
        }
    }
    if failed {
        let ekey = ErrnoKey { cgroup_id, nr, errno: (-ret) as u32 };
        match SYSCALL_ERRNOS.get_ptr_mut(ekey) {
            Some(c) => unsafe { *c += 1 },
            None => {
                if SYSCALL_ERRNOS.insert(ekey, 1u64, BPF_NOEXIST).is_err() {
                    match SYSCALL_ERRNOS.get_ptr_mut(ekey) {
                        Some(c) => unsafe { *c += 1 },
                        None => count(Stat::SyscallErrnosFull),
                    }
                }
            }
        }
    }
    0
}
