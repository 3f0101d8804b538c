//! `connection` records: a socket connected or accepted, and later closed.

use core::mem::size_of;

use crate::event::Event;

/// Bytes kept of the peer's `struct sockaddr`.
pub const SOCKADDR_MAX: usize = 32;

/// `connect()` returned 0 or `EINPROGRESS`.
pub const CONN_CONNECT: u32 = 1;
/// `accept()`/`accept4()` returned a new descriptor.
pub const CONN_ACCEPT: u32 = 2;
/// A tracked descriptor was closed; byte counts are final.
pub const CONN_CLOSE: u32 = 3;

#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct ConnData {
    /// `CONN_*`.
    pub op: u32,
    /// The connection's descriptor.
    pub fd: u32,
    /// Return value of the call.
    pub ret: i64,
    /// `bpf_ktime_get_boot_ns()` at the call's entry.
    pub start_ns: u64,
    pub duration_ns: u64,
    /// Bytes written / read on the descriptor (on close).
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Valid bytes in `addr` (connect and accept).
    pub addr_len: u32,
    /// Reserved, zero.
    pub reserved: u32,
    pub addr: [u8; SOCKADDR_MAX],
}

pub type ConnEvent = Event<ConnData>;

const _: () = assert!(size_of::<ConnData>() == 56 + SOCKADDR_MAX);
