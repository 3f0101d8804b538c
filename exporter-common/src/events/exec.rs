//! `exec`: a process image was replaced (`sched/sched_process_exec`).

use core::mem::size_of;

use crate::event::Event;

/// Bytes kept of the executed file name (power of two for verifier masks).
pub const FILENAME_MAX: usize = 1024;
/// Bytes kept of the NUL-separated argument vector (power of two).
pub const ARGS_MAX: usize = 4096;

/// The file name was longer than [`FILENAME_MAX`] and was cut.
pub const EXEC_FILENAME_TRUNCATED: u32 = 1 << 0;
/// The arguments were longer than [`ARGS_MAX`] and were cut.
pub const EXEC_ARGS_TRUNCATED: u32 = 1 << 1;
/// The arguments could not be read (no offsets, or the read faulted).
pub const EXEC_ARGS_MISSING: u32 = 1 << 2;
/// The effective ids could not be read; `euid`/`egid` are meaningless.
pub const EXEC_CREDS_MISSING: u32 = 1 << 3;
/// The executable has no links left: a deleted file or a memfd.
pub const EXEC_EXE_UNLINKED: u32 = 1 << 4;
/// The executable is a memfd (`memfd_create`), i.e. fileless execution.
pub const EXEC_EXE_MEMFD: u32 = 1 << 5;
/// The executable's link count and name could not be read.
pub const EXEC_EXE_UNKNOWN: u32 = 1 << 6;

#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct ExecData {
    /// Task id before exec (differs from the pid when a thread called exec).
    pub old_pid: u32,
    /// `EXEC_*` flags.
    pub flags: u32,
    /// Effective user id after exec.
    pub euid: u32,
    /// Effective group id after exec.
    pub egid: u32,
    /// Valid bytes in `filename` (without NUL).
    pub filename_len: u32,
    /// Valid bytes in `args`.
    pub args_len: u32,
    /// The path given to exec, as the kernel saw it.
    pub filename: [u8; FILENAME_MAX],
    /// `mm->arg_start..arg_end`: the arguments, each NUL-terminated.
    pub args: [u8; ARGS_MAX],
}

pub type ExecEvent = Event<ExecData>;

const _: () = assert!(size_of::<ExecData>() == 24 + FILENAME_MAX + ARGS_MAX);
const _: () = assert!(size_of::<ExecEvent>() == 72 + 24 + FILENAME_MAX + ARGS_MAX);
