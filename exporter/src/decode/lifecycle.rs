//! Decoding of `fork` and `exit` records.

use exporter_common::{
    EventHeader, EventKind,
    events::{ExitData, ForkData, exit::EXIT_CODE_MISSING},
};

use super::{DecodeError, Header, check_size, read_pod};

/// A new process. The header describes the parent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForkEvent {
    pub header: Header,
    pub child_pid: u32,
    /// `CLOCK_BOOTTIME` ns at which the child started, when known.
    pub child_start_time_ns: Option<u64>,
}

/// A process ended (its last thread exited).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitEvent {
    pub header: Header,
    /// The wait status, when the kernel could read it.
    pub status: Option<u32>,
}

impl ExitEvent {
    /// Exit code (`status >> 8`) when the process exited normally.
    #[must_use]
    pub fn exit_code(&self) -> Option<i32> {
        self.status.filter(|s| s & 0x7f == 0).map(|s| ((s >> 8) & 0xff) as i32)
    }

    /// Terminating signal when the process was killed.
    #[must_use]
    pub fn signal(&self) -> Option<i32> {
        self.status.map(|s| (s & 0x7f) as i32).filter(|&sig| sig != 0)
    }
}

pub(super) fn decode_fork(bytes: &[u8], raw: &EventHeader, header: Header) -> Result<ForkEvent, DecodeError> {
    check_size::<exporter_common::events::ForkEvent>(bytes, raw, EventKind::Fork)?;
    let data: ForkData = read_pod(bytes, size_of::<EventHeader>())?;
    Ok(ForkEvent {
        header,
        child_pid: data.child_pid,
        child_start_time_ns: (data.child_start_time_ns != 0).then_some(data.child_start_time_ns),
    })
}

pub(super) fn decode_exit(bytes: &[u8], raw: &EventHeader, header: Header) -> Result<ExitEvent, DecodeError> {
    check_size::<exporter_common::events::ExitEvent>(bytes, raw, EventKind::Exit)?;
    let data: ExitData = read_pod(bytes, size_of::<EventHeader>())?;
    Ok(ExitEvent { header, status: (data.flags & EXIT_CODE_MISSING == 0).then_some(data.exit_code) })
}
