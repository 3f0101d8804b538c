//! `exit`: the last thread of a process exited.

use core::mem::size_of;

use crate::event::Event;

#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct ExitData {
    /// `task_struct::exit_code` (wait status: code in bits 8..16, signal in 0..7).
    /// Meaningless when `flags & EXIT_CODE_MISSING`.
    pub exit_code: u32,
    /// `EXIT_*` flags.
    pub flags: u32,
}

/// The exit code could not be read.
pub const EXIT_CODE_MISSING: u32 = 1 << 0;

pub type ExitEvent = Event<ExitData>;

const _: () = assert!(size_of::<ExitData>() == 8);
