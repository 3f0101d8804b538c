//! `security` records from `sys_exit`: one generic reader for every
//! security-relevant syscall, driven by the per-syscall [`SecLayout`] that
//! userspace writes into `SYSCALL_SPECS`.
//!
//! Cheap filters run first on the raw arguments (prctl option, kill target
//! and signal, open flags), so plain reads of ordinary files cost a few
//! loads; an open for reading is only reported when its path lies below a
//! watched prefix (`SEC_WATCH`, an LPM trie over the first 64 path bytes).
//! The path's first 64 bytes are read once into the record's scratch slot:
//! - a path that is not in normal form (relative, or with an empty, `.` or
//!   `..` component: [`needs_resolution`]) cannot be compared byte by byte,
//!   so it is sent flagged `SEC_WATCH_UNDECIDED`, with the directory it
//!   starts from, and userspace resolves it and decides;
//! - otherwise its head is looked up in `SEC_WATCH_HEADS` (inlined array
//!   lookups): most paths stop there, without the trie walk (see the
//!   userspace `bpf::watch_heads` for why no watched path is lost).
//!
//! The record is built in a per-CPU scratch slot and copied into the ring
//! buffer once it is known to be wanted.

use aya_ebpf::{
    helpers::generated::{bpf_probe_read_user, bpf_probe_read_user_str},
    macros::map,
    maps::{Array, LpmTrie, PerCpuArray, lpm_trie::Key},
};
use exporter_common::{
    event::{EventHeader, EventKind},
    events::{
        SecurityData, SecurityEvent,
        security::{
            SEC_ARG_NONE, SEC_AUX_MAX, SEC_BASE_CWD, SEC_BASE_FD, SEC_BASE_TRUNCATED, SEC_DEREF_VALID,
            SEC_FILTER_KILL_OTHER, SEC_FILTER_OPEN, SEC_FILTER_PRCTL_NAME, SEC_FLAGS_DEREF, SEC_PATH_MAX,
            SEC_PATH0_TRUNCATED, SEC_READ_FAILED, SEC_SOCK_MAX, SEC_SOCKLEN_PTR, SEC_WATCH_HEAD_PROBES,
            SEC_WATCH_HEAD_SLOTS, SEC_WATCH_MAX_ENTRIES, SEC_WATCH_PREFIX_MAX, SEC_WATCH_UNDECIDED, SEC_WATCHED_PATH,
            SecLayout, watch_head_slot,
        },
    },
    path_shape::{PATH_SHAPE_BYTES, needs_resolution},
    stats::Stat,
};

use crate::{
    maps::{EVENTS, agent, count, note_fill, offsets, wakeup_flags},
    paths::{cwd, fd_path},
    process::fill_header,
    syscalls::{ARG_OFFSETS, reg},
};

/// Path prefixes whose reads are reported (writes always are).
#[map(name = "SEC_WATCH")]
static SEC_WATCH: LpmTrie<[u8; SEC_WATCH_PREFIX_MAX], u8> = LpmTrie::with_max_entries(SEC_WATCH_MAX_ENTRIES, 0);

/// The heads of the watched prefixes, open-addressed by
/// [`watch_head_slot`] (0: empty slot), written by userspace.
#[map(name = "SEC_WATCH_HEADS")]
static SEC_WATCH_HEADS: Array<u64> = Array::with_max_entries(SEC_WATCH_HEAD_SLOTS, 0);

/// The trie key of the path being checked, one per CPU: [`Key`]'s layout
/// plus room for the NUL of a path that fills it.
#[repr(C)]
pub(crate) struct WatchKey {
    prefix_len: u32,
    data: [u8; SEC_WATCH_PREFIX_MAX],
    spare: [u8; 4],
}

#[map(name = "SEC_WATCH_KEY")]
static SEC_WATCH_KEY: PerCpuArray<WatchKey> = PerCpuArray::with_max_entries(1, 0);

/// One record under construction per CPU (too big for the stack).
#[map(name = "SEC_SCRATCH")]
static SEC_SCRATCH: PerCpuArray<SecurityEvent> = PerCpuArray::with_max_entries(1, 0);

/// `O_WRONLY | O_RDWR | O_CREAT | O_TRUNC`.
const OPEN_WRITE_FLAGS: u64 = 0o1 | 0o2 | 0o100 | 0o1000;
const PR_SET_NAME: u64 = 15;
const AT_FDCWD: i32 = -100;

/// Reports the call described by `layout` if its filter lets it through.
///
/// `args` are the six syscall arguments, `tgid` the caller's process.
#[inline(always)]
pub(crate) unsafe fn emit_security(layout: &SecLayout, nr: u32, ret: i64, args: &[u64; 6], tgid: u32) {
    let filter = layout.filter;
    if filter == SEC_FILTER_PRCTL_NAME && args[0] != PR_SET_NAME {
        return;
    }
    if filter == SEC_FILTER_KILL_OTHER {
        let target = args[0] as i32;
        let sig = arg(args, layout.filter_arg).unwrap_or(0);
        if sig == 0 || target == tgid as i32 || target == 0 {
            return;
        }
    }
    // The open filter runs before the record is filled in: a plain read of
    // an unwatched file (the common case) costs one short string read and a
    // few inlined lookups.
    let Some(ev) = SEC_SCRATCH.get_ptr_mut(0) else { return };
    let mut flags = 0u32;
    let mut deref = 0u64;
    // Bytes of `path[0]` (with its NUL) the open filter already read whole.
    let mut path0_read = 0i64;
    if let Some(ptr) = arg(args, layout.deref) {
        match unsafe { aya_ebpf::helpers::bpf_probe_read_user(ptr as *const u64) } {
            Ok(v) => {
                deref = v;
                flags |= SEC_DEREF_VALID;
            }
            Err(_) => flags |= SEC_READ_FAILED,
        }
    }
    if filter == SEC_FILTER_OPEN {
        let open_flags =
            if layout.filter_arg == SEC_FLAGS_DEREF { deref } else { arg(args, layout.filter_arg).unwrap_or(0) };
        if open_flags & OPEN_WRITE_FLAGS == 0 {
            let buf = unsafe { (&raw mut (*ev).data.path[0]).cast::<[u64; PATH_SHAPE_BYTES / 8]>() };
            let (verdict, n) = unsafe { watch_verdict(arg(args, layout.path[0]), buf) };
            match verdict {
                Verdict::Skip => return,
                Verdict::Watched => flags |= SEC_WATCHED_PATH,
                Verdict::Undecided => flags |= SEC_WATCH_UNDECIDED,
            }
            // A path shorter than the bytes read is already in place.
            if n <= PATH_SHAPE_BYTES as i64 {
                path0_read = n;
            }
        }
    }
    let d = unsafe { &raw mut (*ev).data };
    unsafe {
        (*d).nr = nr;
        (*d).ret = ret;
        (*d).args = *args;
        (*d).deref = deref;
        (*d).path_len = [0; 2];
        (*d).aux_len = 0;
        (*d).sock_len = 0;
        (*d).base_depth = 0;
        (*d).reserved = [0; 3];
    }
    if path0_read > 1 {
        unsafe { (*d).path_len[0] = ((path0_read - 1) & 0xff) as u16 };
    } else {
        flags |= unsafe { read_path(d, 0, arg(args, layout.path[0])) };
    }
    flags |= unsafe { read_path(d, 1, arg(args, layout.path[1])) };
    flags |= unsafe { resolve_base(d, layout, args) };
    if let Some(ptr) = arg(args, layout.aux) {
        let dst = unsafe { (&raw mut (*d).aux).cast() };
        let n = unsafe { bpf_probe_read_user_str(dst, SEC_AUX_MAX as u32, ptr as *const _) };
        if n > 0 {
            unsafe { (*d).aux_len = (n - 1) as u16 };
        } else {
            flags |= SEC_READ_FAILED;
        }
    }
    if let Some(ptr) = arg(args, layout.sock)
        && ptr != 0
    {
        flags |= unsafe { read_sock(d, ptr, layout.sock_len, args) };
    }
    // Send only up to the last region in use (a few hundred bytes for an
    // absolute path instead of the whole 2.4 KB record).
    let mut size = size_of::<EventHeader>() + unsafe { SecurityData::used_len((*d).path_len, (*d).base_depth) };
    if size > size_of::<SecurityEvent>() {
        size = size_of::<SecurityEvent>();
    }
    unsafe {
        (*d).flags = flags;
        fill_header(&raw mut (*ev).header, EventKind::Security, size, &offsets());
    }
    let bytes = unsafe { core::slice::from_raw_parts(ev.cast::<u8>(), size) };
    if EVENTS.output::<[u8]>(bytes, wakeup_flags()).is_ok() {
        count(Stat::Emitted);
        note_fill();
    } else {
        count(Stat::RingbufFull);
    }
}

/// Fills `base`: the directory a relative `path[0]` starts from, or the
/// file of a descriptor-only call. Returns `SEC_BASE_*` flags.
#[inline(always)]
unsafe fn resolve_base(d: *mut SecurityData, layout: &SecLayout, args: &[u64; 6]) -> u32 {
    let has_path = layout.path[0] != SEC_ARG_NONE;
    if has_path {
        let len = unsafe { (*d).path_len[0] };
        let first = unsafe { (*d).path[0][0] };
        if len == 0 || first == b'/' {
            return 0;
        }
    }
    let fd = arg(args, layout.base_fd);
    let off = offsets();
    let out = unsafe { &raw mut (*d).base };
    let (walked, kind) = match fd {
        Some(fd) if fd as i32 != AT_FDCWD => (unsafe { fd_path(&off, fd as u32, out) }, SEC_BASE_FD),
        _ if has_path => (unsafe { cwd(&off, out) }, SEC_BASE_CWD),
        _ => return 0,
    };
    match walked {
        Ok(w) => {
            unsafe { (*d).base_depth = w.depth };
            if w.truncated { kind | SEC_BASE_TRUNCATED } else { kind }
        }
        Err(_) => 0,
    }
}

/// Argument `index` (0..=5), or `None` for [`SEC_ARG_NONE`].
#[inline(always)]
fn arg(args: &[u64; 6], index: u8) -> Option<u64> {
    if index == SEC_ARG_NONE { None } else { args.get(index as usize).copied() }
}

/// Reads a user path into `path[slot]`; returns `SEC_*` flags.
#[inline(always)]
unsafe fn read_path(d: *mut SecurityData, slot: usize, ptr: Option<u64>) -> u32 {
    let Some(ptr) = ptr else { return 0 };
    let slot = slot & 1;
    let dst = unsafe { (&raw mut (*d).path[slot]).cast() };
    let n = unsafe { bpf_probe_read_user_str(dst, SEC_PATH_MAX as u32, ptr as *const _) };
    if n <= 0 {
        return SEC_READ_FAILED;
    }
    unsafe { (*d).path_len[slot] = (n - 1) as u16 };
    if n as usize >= SEC_PATH_MAX { SEC_PATH0_TRUNCATED << slot } else { 0 }
}

/// What the read filter decided about an open's path.
enum Verdict {
    /// Not below a watched prefix (or unreadable: the open failed too).
    Skip,
    /// Below a watched prefix.
    Watched,
    /// Not in normal form: userspace resolves it and decides.
    Undecided,
}

/// Reads the first bytes of the user path at `ptr` into `buf` (the record's
/// first path slot: kept if the record is sent and the path fitted) and
/// decides; also returns the string read's result (bytes with the NUL). Bytes
/// after the string's NUL may be stale from an earlier call:
/// [`needs_resolution`] ignores them, and no watched prefix contains a NUL,
/// so they never extend a match.
#[inline(always)]
unsafe fn watch_verdict(ptr: Option<u64>, buf: *mut [u64; PATH_SHAPE_BYTES / 8]) -> (Verdict, i64) {
    let Some(ptr) = ptr else { return (Verdict::Skip, 0) };
    // One byte past the 64 compared: a string of 64 bytes or more reads
    // as 65 (64 and its NUL).
    let n = unsafe { bpf_probe_read_user_str(buf.cast(), (PATH_SHAPE_BYTES + 1) as u32, ptr as *const _) };
    if n <= 1 {
        return (Verdict::Skip, n);
    }
    let words = unsafe { &*buf };
    if needs_resolution(words, (n - 1) as usize) {
        return (Verdict::Undecided, n);
    }
    let mask = agent().watch_head_mask;
    if mask != 0 && !head_watched(words[0] & mask) {
        return (Verdict::Skip, n);
    }
    let Some(key) = SEC_WATCH_KEY.get_ptr_mut(0) else { return (Verdict::Skip, n) };
    // The key's data sits 4 bytes into it: copied as 32-bit halves.
    let dst = unsafe { (&raw mut (*key).data).cast::<u32>() };
    for (i, w) in words.iter().enumerate() {
        unsafe {
            dst.add(2 * i).write(*w as u32);
            dst.add(2 * i + 1).write((*w >> 32) as u32);
        }
    }
    unsafe { (*key).prefix_len = (SEC_WATCH_PREFIX_MAX * 8) as u32 };
    if SEC_WATCH.get(unsafe { &*key.cast::<Key<[u8; SEC_WATCH_PREFIX_MAX]>>() }).is_some() {
        (Verdict::Watched, n)
    } else {
        (Verdict::Skip, n)
    }
}

/// Whether `head` is in `SEC_WATCH_HEADS` (true when the table cannot be
/// read: the trie decides then).
#[inline(always)]
fn head_watched(head: u64) -> bool {
    let home = watch_head_slot(head);
    for probe in 0..SEC_WATCH_HEAD_PROBES {
        let Some(slot) = SEC_WATCH_HEADS.get((home + probe) & (SEC_WATCH_HEAD_SLOTS - 1)) else { return true };
        if *slot == head {
            return true;
        }
        if *slot == 0 {
            return false;
        }
    }
    false
}

/// Copies the socket address at `ptr` (length per `len_spec`).
#[inline(always)]
unsafe fn read_sock(d: *mut SecurityData, ptr: u64, len_spec: u8, args: &[u64; 6]) -> u32 {
    let len = if len_spec == SEC_ARG_NONE {
        SEC_SOCK_MAX as u64
    } else if len_spec & SEC_SOCKLEN_PTR != 0 {
        let Some(lp) = arg(args, len_spec & !SEC_SOCKLEN_PTR) else { return 0 };
        match unsafe { aya_ebpf::helpers::bpf_probe_read_user(lp as *const u32) } {
            Ok(v) => u64::from(v),
            Err(_) => return SEC_READ_FAILED,
        }
    } else {
        arg(args, len_spec).unwrap_or(0)
    };
    let n = (len.min(SEC_SOCK_MAX as u64) as u32) & (SEC_SOCK_MAX as u32 * 2 - 1);
    if n == 0 || n > SEC_SOCK_MAX as u32 {
        return 0;
    }
    let dst = unsafe { (&raw mut (*d).sock).cast() };
    if unsafe { bpf_probe_read_user(dst, n, ptr as *const _) } != 0 {
        return SEC_READ_FAILED;
    }
    unsafe { (*d).sock_len = n as u16 };
    0
}

/// The six syscall arguments from the saved user registers. `regs` is
/// `sys_exit`'s BTF-typed `struct pt_regs *`: these are plain loads, which
/// the verifier checks against the structure's layout, not helper calls.
#[inline(always)]
pub(crate) unsafe fn syscall_args(regs: *const u8) -> [u64; 6] {
    unsafe {
        [
            reg(regs, ARG_OFFSETS[0]),
            reg(regs, ARG_OFFSETS[1]),
            reg(regs, ARG_OFFSETS[2]),
            reg(regs, ARG_OFFSETS[3]),
            reg(regs, ARG_OFFSETS[4]),
            reg(regs, ARG_OFFSETS[5]),
        ]
    }
}
