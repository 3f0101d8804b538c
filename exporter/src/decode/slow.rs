//! Decoding of `slow_syscall` records.

use exporter_common::{
    EventHeader, EventKind,
    events::{
        SlowSyscallData,
        slow::{TARGET_MAX, TARGET_PATH, TARGET_SOCKADDR},
    },
};

use super::{DecodeError, Header, check_size, read_pod};

/// What a slow call worked on, when the kernel could read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Path(Vec<u8>),
    /// Raw `struct sockaddr` bytes.
    Sockaddr(Vec<u8>),
}

/// A system call slower than its threshold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlowSyscallEvent {
    pub header: Header,
    pub nr: u32,
    /// Return value; negative errno on failure.
    pub ret: i64,
    /// `CLOCK_BOOTTIME` ns at entry.
    pub start_ns: u64,
    pub duration_ns: u64,
    pub args: [u64; 3],
    pub target: Option<Target>,
}

pub(super) fn decode(bytes: &[u8], raw: &EventHeader, header: Header) -> Result<SlowSyscallEvent, DecodeError> {
    check_size::<exporter_common::events::SlowSyscallEvent>(bytes, raw, EventKind::SlowSyscall)?;
    let d: SlowSyscallData = read_pod(bytes, size_of::<EventHeader>())?;
    let len = d.target_len as usize;
    if len > TARGET_MAX {
        return Err(DecodeError::LengthOutOfRange { field: "target_len", len: d.target_len, max: TARGET_MAX });
    }
    let target = match d.target_kind {
        TARGET_PATH => Some(Target::Path(d.target[..len].to_vec())),
        TARGET_SOCKADDR => Some(Target::Sockaddr(d.target[..len].to_vec())),
        _ => None,
    };
    Ok(SlowSyscallEvent {
        header,
        nr: d.nr,
        ret: d.ret,
        start_ns: d.start_ns,
        duration_ns: d.duration_ns,
        args: d.args,
        target,
    })
}
