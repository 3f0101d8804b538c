//! Pure decoding of ring-buffer records into owned [`Event`]s.
//!
//! `decode(&[u8]) -> Result<Event, DecodeError>` checks the length before
//! every read, maps the kind with `TryFrom<u32>` (unknown kinds are an error,
//! never a `transmute`), checks the size the kernel declared against the
//! kind's layout and every length field against its buffer. It never panics
//! on any input; `tests` and the property test exercise that.

mod cgroup;
mod conn;
mod error;
pub(crate) mod exec;
mod header;
mod lifecycle;
mod security;
mod slow;
#[cfg(test)]
mod tests;

pub use cgroup::CgroupMkdirEvent;
pub use conn::{ConnEvent, ConnOp};
pub use error::DecodeError;
pub use exec::ExecEvent;
pub use header::Header;
pub use lifecycle::{ExitEvent, ForkEvent};
pub use security::{Base, BaseKind, SecurityEvent};
pub use slow::{SlowSyscallEvent, Target};

use exporter_common::{EventHeader, EventKind};

/// A decoded kernel event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Exec(ExecEvent),
    Fork(ForkEvent),
    Exit(ExitEvent),
    SlowSyscall(SlowSyscallEvent),
    CgroupMkdir(CgroupMkdirEvent),
    Security(SecurityEvent),
    Connection(ConnEvent),
}

impl Event {
    /// The common header.
    #[must_use]
    pub fn header(&self) -> &Header {
        match self {
            Event::Exec(e) => &e.header,
            Event::Fork(e) => &e.header,
            Event::Exit(e) => &e.header,
            Event::SlowSyscall(e) => &e.header,
            Event::CgroupMkdir(e) => &e.header,
            Event::Security(e) => &e.header,
            Event::Connection(e) => &e.header,
        }
    }

    /// The event kind.
    #[must_use]
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Exec(_) => EventKind::Exec,
            Event::Fork(_) => EventKind::Fork,
            Event::Exit(_) => EventKind::Exit,
            Event::SlowSyscall(_) => EventKind::SlowSyscall,
            Event::CgroupMkdir(_) => EventKind::CgroupMkdir,
            Event::Security(_) => EventKind::Security,
            Event::Connection(_) => EventKind::Connection,
        }
    }
}

/// Decodes one ring-buffer record.
///
/// # Errors
/// [`DecodeError`] when the record is shorter than its layout, has an
/// unknown kind, declares a size that does not match its kind, or carries a
/// length field larger than its buffer.
pub fn decode(bytes: &[u8]) -> Result<Event, DecodeError> {
    let raw: EventHeader = read_pod(bytes, 0)?;
    let kind = EventKind::try_from(raw.kind).map_err(|e| DecodeError::UnknownKind(e.0))?;
    let header = Header::from_raw(&raw);
    match kind {
        EventKind::Exec => exec::decode(bytes, &raw, header).map(Event::Exec),
        EventKind::Fork => lifecycle::decode_fork(bytes, &raw, header).map(Event::Fork),
        EventKind::Exit => lifecycle::decode_exit(bytes, &raw, header).map(Event::Exit),
        EventKind::SlowSyscall => slow::decode(bytes, &raw, header).map(Event::SlowSyscall),
        EventKind::CgroupMkdir => cgroup::decode(bytes, &raw, header).map(Event::CgroupMkdir),
        EventKind::Security => security::decode(bytes, &raw, header).map(Event::Security),
        EventKind::Connection => conn::decode(bytes, &raw, header).map(Event::Connection),
    }
}

/// Checks that the record is exactly the size of `T` as the kernel declared it.
fn check_size<T>(bytes: &[u8], raw: &EventHeader, kind: EventKind) -> Result<(), DecodeError> {
    let expected = size_of::<T>();
    if raw.size as usize != expected {
        return Err(DecodeError::SizeMismatch { kind: kind.as_str(), declared: raw.size, expected });
    }
    if bytes.len() < expected {
        return Err(DecodeError::TooShort { len: bytes.len(), need: expected });
    }
    Ok(())
}

/// Marker for plain-old-data types that are valid for any bit pattern.
///
/// # Safety
/// Implementors must be `#[repr(C)]` and made only of integers and arrays of
/// integers.
unsafe trait Pod: Copy {}
unsafe impl Pod for EventHeader {}
unsafe impl Pod for exporter_common::events::ExecData {}
unsafe impl Pod for exporter_common::events::ForkData {}
unsafe impl Pod for exporter_common::events::ExitData {}
unsafe impl Pod for exporter_common::events::SlowSyscallData {}
unsafe impl Pod for exporter_common::events::CgroupData {}
unsafe impl Pod for exporter_common::events::ConnData {}
unsafe impl Pod for exporter_common::events::SecurityData {}

/// Copies a `T` out of `bytes` at `offset` after checking the length.
fn read_pod<T: Pod>(bytes: &[u8], offset: usize) -> Result<T, DecodeError> {
    let need =
        offset.checked_add(size_of::<T>()).ok_or(DecodeError::TooShort { len: bytes.len(), need: usize::MAX })?;
    if bytes.len() < need {
        return Err(DecodeError::TooShort { len: bytes.len(), need });
    }
    // SAFETY: the range is in bounds (checked above), `T` is valid for any
    // bit pattern (`Pod`), and `read_unaligned` has no alignment requirement.
    Ok(unsafe { bytes.as_ptr().add(offset).cast::<T>().read_unaligned() })
}
