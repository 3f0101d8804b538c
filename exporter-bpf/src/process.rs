//! Process lifecycle programs: exec, fork and exit.
//!
//! - `sched/sched_process_exec` (tracepoint, minimum kernel 4.7 for BPF on
//!   tracepoints): format `__data_loc char[] filename` at offset 8,
//!   `pid_t pid` at 12, `pid_t old_pid` at 16 (checked against
//!   `/sys/kernel/tracing/events/sched/sched_process_exec/format`).
//! - `sched_process_fork` (raw tracepoint): `TP_PROTO(struct task_struct
//!   *parent, struct task_struct *child)`.
//! - `sched_process_exit` (raw tracepoint): `TP_PROTO(struct task_struct *p,
//!   bool group_dead)` (the `group_dead` argument exists since Linux 6.16; on
//!   older kernels arg 1 is absent and every thread exit of a group leader
//!   with `pid == tgid` is reported).

use aya_ebpf::{
    EbpfContext,
    helpers::{
        bpf_get_current_pid_tgid, bpf_get_current_uid_gid,
        generated::{
            bpf_get_current_cgroup_id, bpf_get_current_comm, bpf_get_current_task, bpf_ktime_get_boot_ns,
            bpf_probe_read_kernel_str, bpf_probe_read_user,
        },
    },
    macros::{raw_tracepoint, tracepoint},
    programs::{RawTracePointContext, TracePointContext},
};
use exporter_common::{
    event::{EventHeader, EventKind},
    events::{
        ExecEvent, ExitEvent, ForkEvent,
        exec::{
            ARGS_MAX, EXEC_ARGS_MISSING, EXEC_ARGS_TRUNCATED, EXEC_CREDS_MISSING, EXEC_EXE_MEMFD, EXEC_EXE_UNKNOWN,
            EXEC_EXE_UNLINKED, EXEC_FILENAME_TRUNCATED, FILENAME_MAX,
        },
        exit::EXIT_CODE_MISSING,
    },
    offsets::{KernelOffsets, OFF_ARGS, OFF_CRED, OFF_EXE, OFF_EXIT, OFF_PARENT, OFF_PIDS, OFF_START},
    stats::Stat,
};

use crate::{
    kernel::{read_at, read_ptr},
    maps::{agent, count, offsets, reserve, submit},
};

/// Fills the common header for the current task.
#[inline(always)]
pub(crate) unsafe fn fill_header(h: *mut EventHeader, kind: EventKind, size: usize, off: &KernelOffsets) {
    let pid_tgid = bpf_get_current_pid_tgid();
    let uid_gid = bpf_get_current_uid_gid();
    let task = unsafe { bpf_get_current_task() } as *const u8;
    unsafe {
        (*h).kind = kind as u32;
        (*h).size = size as u32;
        (*h).ktime_ns = bpf_ktime_get_boot_ns();
        (*h).pid = (pid_tgid >> 32) as u32;
        (*h).tid = pid_tgid as u32;
        (*h).uid = uid_gid as u32;
        (*h).gid = (uid_gid >> 32) as u32;
        (*h).reserved = 0;
        (*h).cgroup_id = bpf_get_current_cgroup_id();
        (*h).ppid = parent_tgid(task, off).unwrap_or(0);
        (*h).start_time_ns = leader_start(task, off).unwrap_or(0);
        let comm = &raw mut (*h).comm;
        if bpf_get_current_comm(comm.cast(), 16) != 0 {
            (*h).comm = [0; 16];
        }
    }
}

/// `task->real_parent->tgid`.
#[inline(always)]
unsafe fn parent_tgid(task: *const u8, off: &KernelOffsets) -> Result<u32, i64> {
    if !off.has(OFF_PARENT) {
        return Err(0);
    }
    let parent = unsafe { read_ptr(task, off.task_real_parent) }.inspect_err(|_| count(Stat::KernelReadFailed))?;
    unsafe { read_at::<u32>(parent, off.task_tgid) }.inspect_err(|_| count(Stat::KernelReadFailed))
}

/// `task->group_leader->start_boottime`.
#[inline(always)]
unsafe fn leader_start(task: *const u8, off: &KernelOffsets) -> Result<u64, i64> {
    if !off.has(OFF_START) {
        return Err(0);
    }
    let leader = unsafe { read_ptr(task, off.task_group_leader) }.inspect_err(|_| count(Stat::KernelReadFailed))?;
    unsafe { read_at::<u64>(leader, off.task_start_boottime) }.inspect_err(|_| count(Stat::KernelReadFailed))
}

#[tracepoint(category = "sched", name = "sched_process_exec")]
pub fn sched_process_exec(ctx: TracePointContext) -> u32 {
    let _ = unsafe { try_exec(&ctx) };
    0
}

unsafe fn try_exec(ctx: &TracePointContext) -> Result<(), i64> {
    let tgid = (bpf_get_current_pid_tgid() >> 32) as u32;
    if tgid == agent().agent_pid {
        return Ok(());
    }
    let off = offsets();
    let mut entry = reserve::<ExecEvent>()?;
    let ev = entry.as_mut_ptr();
    unsafe {
        fill_header(&raw mut (*ev).header, EventKind::Exec, size_of::<ExecEvent>(), &off);
        let data = &raw mut (*ev).data;
        let mut flags = 0u32;
        (*data).old_pid = ctx.read_at::<u32>(16).unwrap_or(0);

        // filename: __data_loc (offset in the low 16 bits, length in the high 16).
        let loc = ctx.read_at::<u32>(8).unwrap_or(0);
        let name_off = (loc & 0xffff) as usize;
        let name_len = (loc >> 16) as usize;
        let n = bpf_probe_read_kernel_str(
            (&raw mut (*data).filename).cast(),
            FILENAME_MAX as u32,
            ctx.as_ptr().cast::<u8>().add(name_off).cast(),
        );
        if n > 0 {
            (*data).filename_len = (n - 1) as u32;
        } else {
            (*data).filename_len = 0;
            count(Stat::FilenameReadFailed);
        }
        // The data_loc length counts the terminating NUL.
        if name_len > FILENAME_MAX {
            flags |= EXEC_FILENAME_TRUNCATED;
        }

        // Arguments: the new image's mm->arg_start..arg_end in user memory.
        (*data).args_len = 0;
        match exec_args(data.cast(), &off) {
            Ok(truncated) => {
                if truncated {
                    flags |= EXEC_ARGS_TRUNCATED;
                }
            }
            Err(_) => {
                flags |= EXEC_ARGS_MISSING;
                count(Stat::ArgsReadFailed);
            }
        }

        // Effective ids after exec (setuid binaries change them).
        let task = bpf_get_current_task() as *const u8;
        match creds(task, &off) {
            Ok((euid, egid)) => {
                (*data).euid = euid;
                (*data).egid = egid;
            }
            Err(_) => {
                (*data).euid = u32::MAX;
                (*data).egid = u32::MAX;
                flags |= EXEC_CREDS_MISSING;
            }
        }
        flags |= match exe_kind(task, &off) {
            Ok(bits) => bits,
            Err(_) => EXEC_EXE_UNKNOWN,
        };
        (*data).flags = flags;
    }
    submit(entry);
    Ok(())
}

/// Copies the argument block of the current task into the event. Returns
/// whether it was truncated.
#[inline(always)]
unsafe fn exec_args(data: *mut exporter_common::events::ExecData, off: &KernelOffsets) -> Result<bool, i64> {
    if !off.has(OFF_ARGS) {
        return Err(0);
    }
    let task = unsafe { bpf_get_current_task() } as *const u8;
    let mm = unsafe { read_ptr(task, off.task_mm) }?;
    if mm.is_null() {
        return Err(0);
    }
    let start = unsafe { read_at::<u64>(mm, off.mm_arg_start) }?;
    let end = unsafe { read_at::<u64>(mm, off.mm_arg_end) }?;
    if end <= start {
        return Ok(false);
    }
    let len = end - start;
    let dst = unsafe { (&raw mut (*data).args).cast::<core::ffi::c_void>() };
    let (ret, copied, truncated) = if len >= ARGS_MAX as u64 {
        let r = unsafe { bpf_probe_read_user(dst, ARGS_MAX as u32, start as *const _) };
        (r, ARGS_MAX as u32, len > ARGS_MAX as u64)
    } else {
        // len < ARGS_MAX, so the mask only convinces the verifier of the bound.
        let n = (len as u32) & (ARGS_MAX as u32 - 1);
        let r = unsafe { bpf_probe_read_user(dst, n, start as *const _) };
        (r, n, false)
    };
    if ret != 0 {
        return Err(ret);
    }
    unsafe { (*data).args_len = copied };
    Ok(truncated)
}

/// `EXEC_EXE_UNLINKED` / `EXEC_EXE_MEMFD` for `task->mm->exe_file`: a file
/// without links is deleted or a memfd, whose dentry name starts `memfd:`.
#[inline(always)]
unsafe fn exe_kind(task: *const u8, off: &KernelOffsets) -> Result<u32, i64> {
    if !off.has(OFF_EXE | OFF_ARGS) {
        return Err(0);
    }
    let mm = unsafe { read_ptr(task, off.task_mm) }?;
    let file = unsafe { read_ptr(mm, off.mm_exe_file) }?;
    let dentry = unsafe { read_ptr(file, off.file_dentry) }?;
    let inode = unsafe { read_ptr(dentry, off.dentry_inode) }?;
    let nlink = unsafe { read_at::<u32>(inode, off.inode_nlink) }?;
    if nlink != 0 {
        return Ok(0);
    }
    let name = unsafe { read_ptr(dentry, off.dentry_name) }?;
    let prefix = unsafe { aya_ebpf::helpers::bpf_probe_read_kernel(name.cast::<[u8; 6]>()) }.map_err(i64::from)?;
    Ok(if &prefix == b"memfd:" { EXEC_EXE_UNLINKED | EXEC_EXE_MEMFD } else { EXEC_EXE_UNLINKED })
}

/// `task->cred->{euid,egid}`.
#[inline(always)]
unsafe fn creds(task: *const u8, off: &KernelOffsets) -> Result<(u32, u32), i64> {
    if !off.has(OFF_CRED) {
        return Err(0);
    }
    let cred = unsafe { read_ptr(task, off.task_cred) }?;
    let euid = unsafe { read_at::<u32>(cred, off.cred_euid) }?;
    let egid = unsafe { read_at::<u32>(cred, off.cred_egid) }?;
    Ok((euid, egid))
}

#[raw_tracepoint(tracepoint = "sched_process_fork")]
pub fn sched_process_fork(ctx: RawTracePointContext) -> u32 {
    let _ = unsafe { try_fork(&ctx) };
    0
}

unsafe fn try_fork(ctx: &RawTracePointContext) -> Result<(), i64> {
    let off = offsets();
    if !off.has(OFF_PIDS) {
        return Err(0);
    }
    let child: *const u8 = ctx.arg::<u64>(1) as *const u8;
    let child_pid = unsafe { read_at::<u32>(child, off.task_pid) }?;
    let child_tgid = unsafe { read_at::<u32>(child, off.task_tgid) }?;
    if child_pid != child_tgid {
        // A new thread, not a new process.
        return Ok(());
    }
    let tgid = (bpf_get_current_pid_tgid() >> 32) as u32;
    if tgid == agent().agent_pid {
        return Ok(());
    }
    let mut entry = reserve::<ForkEvent>()?;
    let ev = entry.as_mut_ptr();
    unsafe {
        fill_header(&raw mut (*ev).header, EventKind::Fork, size_of::<ForkEvent>(), &off);
        (*ev).data.child_pid = child_tgid;
        (*ev).data.reserved = 0;
        (*ev).data.child_start_time_ns =
            if off.has(OFF_START) { read_at::<u64>(child, off.task_start_boottime).unwrap_or(0) } else { 0 };
    }
    submit(entry);
    Ok(())
}

#[raw_tracepoint(tracepoint = "sched_process_exit")]
pub fn sched_process_exit(ctx: RawTracePointContext) -> u32 {
    let _ = unsafe { try_exit(&ctx) };
    0
}

unsafe fn try_exit(ctx: &RawTracePointContext) -> Result<(), i64> {
    let pid_tgid = bpf_get_current_pid_tgid();
    let tgid = (pid_tgid >> 32) as u32;
    if tgid == agent().agent_pid {
        return Ok(());
    }
    let group_dead = ctx.arg::<u64>(1) & 0xff;
    if group_dead == 0 {
        return Ok(());
    }
    crate::syscalls::clear_conns(tgid);
    let off = offsets();
    let task: *const u8 = ctx.arg::<u64>(0) as *const u8;
    let mut entry = reserve::<ExitEvent>()?;
    let ev = entry.as_mut_ptr();
    unsafe {
        fill_header(&raw mut (*ev).header, EventKind::Exit, size_of::<ExitEvent>(), &off);
        let code = if off.has(OFF_EXIT) { read_at::<u32>(task, off.task_exit_code).ok() } else { None };
        (*ev).data.exit_code = code.unwrap_or(0);
        (*ev).data.flags = if code.is_some() { 0 } else { EXIT_CODE_MISSING };
    }
    submit(entry);
    Ok(())
}
