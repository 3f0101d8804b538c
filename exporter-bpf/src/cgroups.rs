//! `cgroup/cgroup_mkdir`: tells userspace every new cgroup2 cgroup's path
//! the moment it exists (see `exporter_common::events::cgroup`).
//!
//! Tracepoint format (`/sys/kernel/tracing/events/cgroup/cgroup_mkdir/format`,
//! stable since Linux 4.13): `int root` at 8 (the hierarchy; 0 is cgroup2's),
//! `int level` at 12, `u64 id` at 16, `__data_loc char[] path` at 24.

use aya_ebpf::{
    EbpfContext, helpers::generated::bpf_probe_read_kernel_str, macros::tracepoint, programs::TracePointContext,
};
use exporter_common::{
    event::EventKind,
    events::{
        CgroupEvent,
        cgroup::{CGROUP_PATH_MAX, CGROUP_PATH_TRUNCATED},
    },
    stats::Stat,
};

use crate::{
    maps::{count, offsets, reserve, submit},
    process::fill_header,
};

#[tracepoint(category = "cgroup", name = "cgroup_mkdir")]
pub fn cgroup_mkdir(ctx: TracePointContext) -> u32 {
    let _ = unsafe { try_cgroup_mkdir(&ctx) };
    0
}

unsafe fn try_cgroup_mkdir(ctx: &TracePointContext) -> Result<(), i64> {
    // cgroup v1 hierarchies (hybrid hosts) have their own ids, never a
    // task's cgroup2 id.
    if unsafe { ctx.read_at::<i32>(8) }? != 0 {
        return Ok(());
    }
    let off = offsets();
    let mut entry = reserve::<CgroupEvent>()?;
    let ev = entry.as_mut_ptr();
    unsafe {
        fill_header(&raw mut (*ev).header, EventKind::CgroupMkdir, size_of::<CgroupEvent>(), &off);
        let data = &raw mut (*ev).data;
        (*data).id = ctx.read_at::<u64>(16).unwrap_or(0);
        (*data).level = ctx.read_at::<u32>(12).unwrap_or(0);
        (*data).reserved = 0;
        let mut flags = 0;
        // __data_loc: offset in the low 16 bits, length (with the NUL) in the high 16.
        let loc = ctx.read_at::<u32>(24).unwrap_or(0);
        let n = bpf_probe_read_kernel_str(
            (&raw mut (*data).path).cast(),
            CGROUP_PATH_MAX as u32,
            ctx.as_ptr().cast::<u8>().add((loc & 0xffff) as usize).cast(),
        );
        if n > 0 {
            (*data).path_len = (n - 1) as u32;
        } else {
            (*data).path_len = 0;
            count(Stat::KernelReadFailed);
        }
        if (loc >> 16) as usize > CGROUP_PATH_MAX {
            flags |= CGROUP_PATH_TRUNCATED;
        }
        (*data).flags = flags;
    }
    submit(entry);
    Ok(())
}
