//! `fork`: a new process (not a thread) was created.

use core::mem::size_of;

use crate::event::Event;

#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct ForkData {
    /// Thread-group id of the child.
    pub child_pid: u32,
    /// Reserved, zero.
    pub reserved: u32,
    /// `start_boottime` of the child in ns, 0 when unknown.
    pub child_start_time_ns: u64,
}

pub type ForkEvent = Event<ForkData>;

const _: () = assert!(size_of::<ForkData>() == 16);
