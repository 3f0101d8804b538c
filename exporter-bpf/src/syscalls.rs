//! The `sys_enter`/`sys_exit` pair: syscall metrics aggregated in the
//! kernel, plus the per-syscall extras of `SYSCALL_SPECS` (slow calls,
//! connections, security records).
//!
//! - `sys_enter` (raw tracepoint, `TP_PROTO(struct pt_regs *regs, long id)`):
//!   records the start time and number in this CPU's slot (`cpu_slot.rs`, a
//!   per-CPU array: an inlined lookup, no helper call).
//! - `sched_switch` (`tp_btf`): a thread that leaves the CPU mid-call (it
//!   blocked or was preempted) takes its slot along, into its `INFLIGHT`
//!   task-local storage (no hashing, freed with the task).
//! - `sys_exit` (`tp_btf`, `TP_PROTO(struct pt_regs *regs, long ret)`: BTF-
//!   typed, so the saved registers are read with plain loads, no helper):
//!   takes the start from the CPU slot when it is filled (the call never
//!   left the CPU: most calls), else from the thread's storage; then adds the
//!   call to the (cgroup, syscall) figures (see `syscall_stats.rs`).
//!
//! A filled slot always belongs to the running thread: only a running thread
//! fills it, and `sched_switch` empties it before another thread runs on the
//! CPU (tracepoint programs run with preemption off, so nothing runs between
//! a program's steps). The slot therefore needs no thread id, and `sys_enter`
//! no helper call for one.
//!
//! Task storage alone cost two helper calls per syscall (the current task,
//! then the storage lookup): about 50 ns of a `getppid` here. Helper calls
//! are dear on this kind of machine (retpolines, safe-RET return thunks), so
//! a counted-only call makes two: the clock, twice. The cgroup id and (when
//! the call may become a record) the process id come from the CPU slot's
//! cache, asked for once per context switch (`cpu_slot.rs`).
//!
//! Durations are timed with `bpf_ktime_get_ns` (monotonic), which is one
//! call shallower than `bpf_ktime_get_boot_ns`; the rare records that carry a
//! start time convert it to boot time ([`boot_time_of`]), the clock of every
//! other timestamp the agent receives.
//!
//! - When `SYSCALL_SPECS[nr]` asks for it, `sys_exit` also reports slow calls,
//!   tracks connections and emits `security` records (see `security.rs`).
//!
//! The agent's own calls are counted like any other process's (under its
//! own cgroup), but never reported as slow calls, connections or security
//! records: those would feed back into its own exports. Only that part asks
//! for the current process, so metrics-only mode never needs it.

use core::ptr::{read_volatile, write_volatile};

use aya_ebpf::{
    helpers::generated::{bpf_ktime_get_boot_ns, bpf_ktime_get_ns, bpf_probe_read_user, bpf_probe_read_user_str},
    macros::{btf_map, btf_tracepoint, map, raw_tracepoint},
    maps::{Array, LruHashMap},
    programs::{BtfTracePointContext, RawTracePointContext},
};
use exporter_common::{
    config::{AGENT_SLOW_SPECS, AGENT_SYSCALL_METRICS},
    event::EventKind,
    events::{
        ConnEvent, SlowSyscallEvent,
        conn::{CONN_ACCEPT, CONN_CLOSE, CONN_CONNECT, SOCKADDR_MAX},
        slow::{TARGET_MAX, TARGET_PATH, TARGET_SOCKADDR},
    },
    syscalls::{
        CONN_ROLE_ACCEPT, CONN_ROLE_CLOSE, CONN_ROLE_CONNECT, CONN_ROLE_NONE, CONN_ROLE_RECV, CONN_ROLE_SEND,
        CONN_TGID_WORDS, CONNS_MAX_ENTRIES, ConnBytes, ConnKey, Inflight, SLOW_SPECS_MAX, SLOW_TARGET_PATH_ARG0,
        SLOW_TARGET_PATH_ARG1, SLOW_TARGET_SOCKADDR_ARG1, SyscallSpec,
    },
};

use crate::{
    cpu_slot::{CpuSlot, cpu_slot, forget_running, running_cgroup_id, running_tgid},
    maps::{agent, offsets, reserve, submit},
    process::fill_header,
    security::{emit_security, syscall_args},
    syscall_stats::record_stats,
    task_storage::TaskStorage,
};

/// What `sys_exit` does per syscall beyond counting (slow threshold and
/// target, connection role, security record), written by userspace.
#[map(name = "SYSCALL_SPECS")]
static SYSCALL_SPECS: Array<SyscallSpec> = Array::with_max_entries(SLOW_SPECS_MAX, 0);

/// Open connections (IPv4/IPv6 sockets connected or accepted) by process
/// and descriptor, with the bytes moved so far.
#[map(name = "CONNS")]
static CONNS: LruHashMap<ConnKey, ConnBytes> = LruHashMap::with_max_entries(CONNS_MAX_ENTRIES, 0);

/// One byte per process: set when it gets its first tracked connection,
/// cleared when its last thread exits. Sends, receives and closes of the
/// processes without one (most of them) then skip the `CONNS` lookup, an
/// LRU hash lookup of about 60 ns on every `close`.
#[map(name = "CONN_TGIDS")]
static CONN_TGIDS: Array<u64> = Array::with_max_entries(CONN_TGID_WORDS, 0);

/// `tgid`'s byte in `CONN_TGIDS`.
#[inline(always)]
fn conn_flag(tgid: u32) -> Option<*mut u8> {
    let entry = CONN_TGIDS.get_ptr_mut(tgid >> 3)?;
    Some(unsafe { entry.cast::<u8>().add((tgid & 7) as usize) })
}

/// Whether `tgid` may have a tracked connection (true when unknown).
#[inline(always)]
fn may_have_conns(tgid: u32) -> bool {
    conn_flag(tgid).is_none_or(|flag| unsafe { read_volatile(flag) } != 0)
}

/// Marks `tgid` as having a tracked connection.
#[inline(always)]
fn mark_conns(tgid: u32) {
    if let Some(flag) = conn_flag(tgid) {
        unsafe { write_volatile(flag, 1) };
    }
}

/// Forgets `tgid`'s connections: its last thread exited (its entries in
/// `CONNS` age out of the LRU).
#[inline(always)]
pub(crate) fn clear_conns(tgid: u32) {
    if let Some(flag) = conn_flag(tgid) {
        unsafe { write_volatile(flag, 0) };
    }
}

const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;
const EINPROGRESS: i64 = 115;

/// The register saved at byte `offset` of `regs`, `sys_exit`'s BTF-typed
/// `struct pt_regs *` (a load the verifier checks, not a helper call).
#[inline(always)]
pub(crate) unsafe fn reg(regs: *const u8, offset: u32) -> u64 {
    unsafe { read_volatile(regs.add(offset as usize).cast::<u64>()) }
}

/// Byte offsets of the six syscall arguments in `struct pt_regs` (the user
/// registers saved at entry, still intact at `sys_exit`).
#[cfg(bpf_target_arch = "x86_64")]
pub(crate) const ARG_OFFSETS: [u32; 6] = [112, 104, 96, 56, 72, 64]; // di, si, dx, r10, r8, r9
#[cfg(bpf_target_arch = "aarch64")]
pub(crate) const ARG_OFFSETS: [u32; 6] = [272, 8, 16, 24, 32, 40]; // orig_x0 (x0 holds the return value), x1..x5
#[cfg(not(any(bpf_target_arch = "x86_64", bpf_target_arch = "aarch64")))]
pub(crate) const ARG_OFFSETS: [u32; 6] = [0, 8, 16, 24, 32, 40];

/// Byte offset of the syscall number in `struct pt_regs` (`orig_ax`,
/// `syscallno`).
#[cfg(bpf_target_arch = "x86_64")]
const NR_OFFSET: u32 = 120;
#[cfg(bpf_target_arch = "aarch64")]
const NR_OFFSET: u32 = 280;
#[cfg(not(any(bpf_target_arch = "x86_64", bpf_target_arch = "aarch64")))]
const NR_OFFSET: u32 = 0;

/// The syscall in flight of each thread that left its CPU mid-call, in
/// task-local storage.
#[btf_map(name = "INFLIGHT")]
static INFLIGHT: TaskStorage<Inflight> = TaskStorage::new();

#[raw_tracepoint(tracepoint = "sys_enter")]
pub fn sys_enter(ctx: RawTracePointContext) -> u32 {
    // The agent's own calls are timed too and dropped in `sys_exit`.
    let nr = ctx.arg::<u64>(1) as u32;
    if let Some(slot) = cpu_slot() {
        let start = unsafe { bpf_ktime_get_ns() };
        unsafe {
            let inflight = &raw mut (*slot).inflight;
            (*inflight).start_ns = start;
            (*inflight).nr = nr;
            write_volatile(&raw mut (*inflight).filled, 1);
        }
    }
    0
}

/// `TASK_DEAD` in `task_struct::__state`: the task's last switch, inside
/// `exit`/`exit_group`.
const TASK_DEAD: u32 = 0x80;

/// `TP_PROTO(bool preempt, struct task_struct *prev, struct task_struct
/// *next, unsigned int prev_state)`: the CPU's slot, if filled, belongs to
/// `prev` (only the running thread writes it), which is leaving mid-call.
///
/// A dying thread leaves for good in the middle of its `exit` call, which
/// never returns: its slot is emptied without creating task storage for it
/// (an allocation, freed with the task, for every process that exits).
#[btf_tracepoint(function = "sched_switch")]
pub fn sched_switch(ctx: BtfTracePointContext) -> u32 {
    let Some(slot) = cpu_slot() else { return 0 };
    unsafe { forget_running(slot) };
    let inflight = unsafe { &raw mut (*slot).inflight };
    if unsafe { read_volatile(&raw const (*inflight).filled) } == 0 {
        return 0;
    }
    let prev_state: u32 = ctx.arg(3);
    let prev: *mut core::ffi::c_void = ctx.arg(1);
    if prev_state & TASK_DEAD != 0 {
        unsafe { write_volatile(&raw mut (*inflight).filled, 0) };
        return 0;
    }
    if let Some(s) = INFLIGHT.of_task_or_create(prev) {
        unsafe {
            (*s).start_ns = (*inflight).start_ns;
            (*s).nr = (*inflight).nr;
        }
    }
    unsafe { write_volatile(&raw mut (*inflight).filled, 0) };
    0
}

/// The start time and number of the current thread's call, taken (cleared)
/// from the CPU slot or, after the thread left the CPU, its storage; start
/// 0 when `sys_enter` did not run for this call.
#[inline(always)]
fn take_inflight(slot: *mut CpuSlot) -> (u64, u32) {
    let inflight = unsafe { &raw mut (*slot).inflight };
    if unsafe { read_volatile(&raw const (*inflight).filled) } != 0 {
        unsafe {
            write_volatile(&raw mut (*inflight).filled, 0);
            return ((*inflight).start_ns, (*inflight).nr);
        }
    }
    match INFLIGHT.current() {
        Some(s) => unsafe {
            let start = (*s).start_ns;
            (*s).start_ns = 0;
            (start, (*s).nr)
        },
        None => (0, 0),
    }
}

#[btf_tracepoint(function = "sys_exit")]
pub fn sys_exit(ctx: BtfTracePointContext) -> u32 {
    let cfg = agent();
    let ret = ctx.arg::<u64>(1) as i64;
    let Some(slot) = cpu_slot() else { return 0 };
    let (start, inflight_nr) = take_inflight(slot);
    // No start time: sys_enter did not run for this call. Seccomp rejected
    // it (the kernel skips the entry tracepoint then) or we attached
    // mid-call. The number is then read from the saved registers, and only
    // the security record is told (there is no duration).
    let timed = start != 0;
    let regs: *const u8 = ctx.arg(0);
    let nr = if timed { inflight_nr } else { (unsafe { reg(regs, NR_OFFSET) }) as u32 };
    let duration = if timed { unsafe { bpf_ktime_get_ns() }.saturating_sub(start) } else { 0 };
    if cfg.flags & AGENT_SLOW_SPECS != 0
        && let Some(spec) = SYSCALL_SPECS.get(nr)
        && (spec.threshold_ns != 0 || spec.conn_role != CONN_ROLE_NONE || spec.security.enabled != 0)
    {
        let tgid = unsafe { running_tgid(slot) };
        if tgid != cfg.agent_pid {
            if timed && spec.threshold_ns != 0 && duration >= spec.threshold_ns {
                let _ = unsafe { emit_slow(regs, nr, ret, start, duration, spec.target) };
            }
            if timed && spec.conn_role != CONN_ROLE_NONE {
                let _ = unsafe { track_conn(regs, spec.conn_role, ret, start, duration, tgid) };
            }
            if spec.security.enabled != 0 {
                let args = unsafe { syscall_args(regs) };
                unsafe { emit_security(&spec.security, nr, ret, &args, tgid) };
            }
        }
    }
    if !timed {
        return 0;
    }
    if cfg.flags & AGENT_SYSCALL_METRICS != 0 {
        record_stats(unsafe { running_cgroup_id(slot) }, nr, ret, duration);
    }
    0
}

/// `start`, a `bpf_ktime_get_ns` reading of a timed call, on the boot-time
/// clock (they differ by the time spent suspended), for the records that
/// carry it.
#[inline(always)]
fn boot_time_of(start: u64) -> u64 {
    let (boot, mono) = unsafe { (bpf_ktime_get_boot_ns(), bpf_ktime_get_ns()) };
    start.wrapping_add(boot.wrapping_sub(mono))
}

/// Sends a `slow_syscall` record with the call's arguments and target.
#[inline(always)]
unsafe fn emit_slow(regs: *const u8, nr: u32, ret: i64, start: u64, duration: u64, target: u32) -> Result<(), i64> {
    let off = offsets();
    let mut entry = reserve::<SlowSyscallEvent>()?;
    let ev = entry.as_mut_ptr();
    unsafe {
        fill_header(&raw mut (*ev).header, EventKind::SlowSyscall, size_of::<SlowSyscallEvent>(), &off);
        let d = &raw mut (*ev).data;
        (*d).nr = nr;
        (*d).ret = ret;
        (*d).start_ns = boot_time_of(start);
        (*d).duration_ns = duration;
        (*d).reserved = 0;
        (*d).target_kind = 0;
        (*d).target_len = 0;
        // Spelled out: each offset must be a constant for the verifier.
        (*d).args = [reg(regs, ARG_OFFSETS[0]), reg(regs, ARG_OFFSETS[1]), reg(regs, ARG_OFFSETS[2])];
        let dst = (&raw mut (*d).target).cast::<core::ffi::c_void>();
        if target == SLOW_TARGET_PATH_ARG0 || target == SLOW_TARGET_PATH_ARG1 {
            let src = if target == SLOW_TARGET_PATH_ARG0 { (*d).args[0] } else { (*d).args[1] };
            let n = bpf_probe_read_user_str(dst, TARGET_MAX as u32, src as *const _);
            if n > 0 {
                (*d).target_kind = TARGET_PATH;
                (*d).target_len = (n - 1) as u32;
            }
        } else if target == SLOW_TARGET_SOCKADDR_ARG1 {
            let len = ((*d).args[2] as u32).min(128) & 127;
            if len > 0 && bpf_probe_read_user(dst, len, (*d).args[1] as *const _) == 0 {
                (*d).target_kind = TARGET_SOCKADDR;
                (*d).target_len = len;
            }
        }
    }
    submit(entry);
    Ok(())
}

/// Connection tracking at `sys_exit` of connect, accept, close and the
/// read/write family.
#[inline(always)]
unsafe fn track_conn(regs: *const u8, role: u32, ret: i64, start: u64, duration: u64, tgid: u32) -> Result<(), i64> {
    if (role == CONN_ROLE_SEND || role == CONN_ROLE_RECV || role == CONN_ROLE_CLOSE) && !may_have_conns(tgid) {
        return Ok(());
    }
    let arg0 = unsafe { reg(regs, ARG_OFFSETS[0]) };
    if role == CONN_ROLE_SEND || role == CONN_ROLE_RECV {
        if ret <= 0 {
            return Ok(());
        }
        let key = ConnKey { tgid, fd: arg0 as u32 };
        if let Some(b) = CONNS.get_ptr_mut(key) {
            unsafe {
                if role == CONN_ROLE_SEND {
                    (*b).sent += ret as u64;
                } else {
                    (*b).received += ret as u64;
                }
            }
        }
        return Ok(());
    }
    if role == CONN_ROLE_CLOSE {
        let key = ConnKey { tgid, fd: arg0 as u32 };
        let Some(b) = CONNS.get_ptr_mut(key) else { return Ok(()) };
        let (sent, received) = unsafe { ((*b).sent, (*b).received) };
        let _ = CONNS.remove(key);
        return unsafe { emit_conn(CONN_CLOSE, arg0 as u32, ret, start, duration, sent, received, 0, 0) };
    }
    // connect(fd, addr, len) or accept(fd, addr, lenp): the address is in user
    // memory at arg1 (for accept, written by the kernel before returning).
    let (op, fd) = if role == CONN_ROLE_CONNECT {
        if ret != 0 && ret != -EINPROGRESS {
            return Ok(());
        }
        (CONN_CONNECT, arg0 as u32)
    } else if role == CONN_ROLE_ACCEPT {
        if ret < 0 {
            return Ok(());
        }
        (CONN_ACCEPT, ret as u32)
    } else {
        return Ok(());
    };
    let addr = unsafe { reg(regs, ARG_OFFSETS[1]) };
    if addr == 0 {
        return Ok(());
    }
    let family = unsafe { aya_ebpf::helpers::bpf_probe_read_user(addr as *const u16) }.map_err(i64::from)?;
    if family != AF_INET && family != AF_INET6 {
        return Ok(());
    }
    if CONNS.insert(ConnKey { tgid, fd }, ConnBytes { sent: 0, received: 0 }, 0).is_ok() {
        mark_conns(tgid);
    }
    unsafe { emit_conn(op, fd, ret, start, duration, 0, 0, addr, 28) }
}

#[inline(always)]
#[allow(clippy::too_many_arguments, reason = "one record's fields")]
unsafe fn emit_conn(
    op: u32,
    fd: u32,
    ret: i64,
    start: u64,
    duration: u64,
    sent: u64,
    received: u64,
    addr: u64,
    addr_len: u32,
) -> Result<(), i64> {
    let off = offsets();
    let mut entry = reserve::<ConnEvent>()?;
    let ev = entry.as_mut_ptr();
    unsafe {
        fill_header(&raw mut (*ev).header, EventKind::Connection, size_of::<ConnEvent>(), &off);
        let d = &raw mut (*ev).data;
        (*d).op = op;
        (*d).fd = fd;
        (*d).ret = ret;
        (*d).start_ns = boot_time_of(start);
        (*d).duration_ns = duration;
        (*d).bytes_sent = sent;
        (*d).bytes_received = received;
        (*d).reserved = 0;
        (*d).addr_len = 0;
        if addr != 0 {
            let n = addr_len.min(SOCKADDR_MAX as u32) & (SOCKADDR_MAX as u32 * 2 - 1);
            if bpf_probe_read_user((&raw mut (*d).addr).cast(), n.min(SOCKADDR_MAX as u32), addr as *const _) == 0 {
                (*d).addr_len = n.min(SOCKADDR_MAX as u32);
            }
        }
    }
    submit(entry);
    Ok(())
}
