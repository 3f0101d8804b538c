//! Decoding of `security` records: raw arguments, path and string bytes,
//! socket address bytes. Naming and rendering the arguments is the job of
//! [`crate::security`]; this stays a pure, length-checked copy.

use std::mem::offset_of;

use exporter_common::{
    EventHeader, EventKind,
    events::{
        SecurityData,
        security::{
            SEC_AUX_MAX, SEC_BASE_CWD, SEC_BASE_FD, SEC_BASE_PART_MAX, SEC_BASE_PARTS, SEC_BASE_TRUNCATED,
            SEC_DEREF_VALID, SEC_OFF_PATH, SEC_PATH_MAX, SEC_PATH0_TRUNCATED, SEC_PATH1_TRUNCATED, SEC_READ_FAILED,
            SEC_SOCK_MAX, SEC_WATCH_UNDECIDED, SEC_WATCHED_PATH,
        },
    },
};

use super::{DecodeError, Header, read_pod};

/// What the kernel-side `base` path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaseKind {
    /// The caller's working directory.
    Cwd,
    /// The path of the layout's descriptor argument.
    Fd,
}

/// The directory (or file) the kernel resolved for the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Base {
    pub kind: BaseKind,
    pub path: Vec<u8>,
    /// Leading components were lost (too deep or too long).
    pub truncated: bool,
}

/// A security-relevant system call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityEvent {
    pub header: Header,
    pub nr: u32,
    /// Return value (negative errno on failure).
    pub ret: i64,
    pub args: [u64; 6],
    /// First 8 bytes behind the layout's pointer argument, when read.
    pub deref: Option<u64>,
    /// Path arguments as the caller passed them (not yet resolved).
    pub paths: [Option<Vec<u8>>; 2],
    /// The short string argument.
    pub aux: Option<Vec<u8>>,
    /// Raw `struct sockaddr` bytes.
    pub sockaddr: Option<Vec<u8>>,
    /// The base directory or descriptor path walked in the kernel.
    pub base: Option<Base>,
    /// Some path was longer than the kernel keeps.
    pub truncated: bool,
    /// Some string or address could not be read from user memory.
    pub read_failed: bool,
    /// An open for reading reported because its path is watched.
    pub watched: bool,
    /// An open for reading the kernel could not judge (its path is relative
    /// or not normalised): reported only if it resolves below a watched
    /// prefix.
    pub undecided: bool,
}

impl SecurityEvent {
    /// A call known by its number, result, arguments and path arguments
    /// alone: nothing dereferenced, no string, address or base directory,
    /// nothing truncated or watched. The other fields are public for callers
    /// that have more.
    #[must_use]
    pub fn new(header: Header, nr: u32, ret: i64, args: [u64; 6], paths: [Option<Vec<u8>>; 2]) -> Self {
        Self {
            header,
            nr,
            ret,
            args,
            deref: None,
            paths,
            aux: None,
            sockaddr: None,
            base: None,
            truncated: false,
            read_failed: false,
            watched: false,
            undecided: false,
        }
    }

    /// Whether the call failed.
    #[must_use]
    pub fn failed(&self) -> bool {
        (-4095..0).contains(&self.ret)
    }
}

/// `/` + the components root first (each up to its first NUL); empty slots
/// (mount crossings) skipped. `parts` holds whole `SEC_BASE_PART_MAX` slots.
fn join_parts(parts: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    for part in parts.chunks(SEC_BASE_PART_MAX).rev() {
        let len = part.iter().position(|&b| b == 0).unwrap_or(part.len());
        if len == 0 {
            continue;
        }
        out.push(b'/');
        out.extend_from_slice(&part[..len]);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

/// The fixed fields of [`SecurityData`], before its byte arrays: read on
/// their own, so a record is never copied whole (2.3 KiB) to be decoded.
#[repr(C)]
#[derive(Clone, Copy)]
struct SecFixed {
    nr: u32,
    flags: u32,
    ret: i64,
    args: [u64; 6],
    deref: u64,
    path_len: [u16; 2],
    aux_len: u16,
    sock_len: u16,
    base_depth: u16,
    reserved: [u16; 3],
}

// SAFETY: `#[repr(C)]`, integers and arrays of integers only.
unsafe impl super::Pod for SecFixed {}

const _: () = assert!(size_of::<SecFixed>() == offset_of!(SecurityData, aux));
const _: () = assert!(offset_of!(SecFixed, base_depth) == offset_of!(SecurityData, base_depth));

/// The record's fixed fields and its data as sent (`SecurityData` from its
/// start to the declared size). The kernel sends only the bytes in use;
/// every region the record declares must lie in what was sent.
fn payload<'a>(bytes: &'a [u8], raw: &EventHeader) -> Result<(SecFixed, &'a [u8]), DecodeError> {
    let head = size_of::<EventHeader>();
    let full = size_of::<exporter_common::events::SecurityEvent>();
    let declared = raw.size as usize;
    if !(head + SEC_OFF_PATH..=full).contains(&declared) {
        return Err(DecodeError::SizeMismatch {
            kind: EventKind::Security.as_str(),
            declared: raw.size,
            expected: full,
        });
    }
    if bytes.len() < declared {
        return Err(DecodeError::TooShort { len: bytes.len(), need: declared });
    }
    let d: SecFixed = read_pod(bytes, head)?;
    let need = head + SecurityData::used_len(d.path_len, d.base_depth);
    if need > declared {
        return Err(DecodeError::TooShort { len: declared, need });
    }
    Ok((d, &bytes[head..declared]))
}

/// `len` bytes at `offset` of the sent data. An empty region needs nothing
/// sent (the kernel stops at the last region in use).
fn region(data: &[u8], offset: usize, len: usize) -> Result<&[u8], DecodeError> {
    if len == 0 {
        return Ok(&[]);
    }
    data.get(offset..offset + len).ok_or(DecodeError::TooShort { len: data.len(), need: offset + len })
}

/// A declared length, checked against its array's size.
fn checked(field: &'static str, len: u16, max: usize) -> Result<usize, DecodeError> {
    let n = usize::from(len);
    if n > max {
        return Err(DecodeError::LengthOutOfRange { field, len: u32::from(len), max });
    }
    Ok(n)
}

pub(super) fn decode(bytes: &[u8], raw: &EventHeader, header: Header) -> Result<SecurityEvent, DecodeError> {
    let (d, data) = payload(bytes, raw)?;
    let mut paths = [None, None];
    for (i, slot) in paths.iter_mut().enumerate() {
        let len = checked("path_len", d.path_len[i], SEC_PATH_MAX)?;
        if len > 0 {
            *slot = Some(region(data, offset_of!(SecurityData, path) + i * SEC_PATH_MAX, len)?.to_vec());
        }
    }
    let aux_len = checked("aux_len", d.aux_len, SEC_AUX_MAX)?;
    let sock_len = checked("sock_len", d.sock_len, SEC_SOCK_MAX)?;
    let depth = checked("base_depth", d.base_depth, SEC_BASE_PARTS)?;
    let kind = if d.flags & SEC_BASE_CWD != 0 {
        Some(BaseKind::Cwd)
    } else if d.flags & SEC_BASE_FD != 0 {
        Some(BaseKind::Fd)
    } else {
        None
    };
    let base = match kind {
        Some(kind) => Some(Base {
            kind,
            path: join_parts(region(data, offset_of!(SecurityData, base), depth * SEC_BASE_PART_MAX)?),
            truncated: d.flags & SEC_BASE_TRUNCATED != 0,
        }),
        None => None,
    };
    let aux = match aux_len {
        0 => None,
        n => Some(region(data, offset_of!(SecurityData, aux), n)?.to_vec()),
    };
    let sockaddr = match sock_len {
        0 => None,
        n => Some(region(data, offset_of!(SecurityData, sock), n)?.to_vec()),
    };
    Ok(SecurityEvent {
        header,
        nr: d.nr,
        ret: d.ret,
        args: d.args,
        deref: (d.flags & SEC_DEREF_VALID != 0).then_some(d.deref),
        paths,
        aux,
        sockaddr,
        base,
        truncated: d.flags & (SEC_PATH0_TRUNCATED | SEC_PATH1_TRUNCATED) != 0,
        read_failed: d.flags & SEC_READ_FAILED != 0,
        watched: d.flags & SEC_WATCHED_PATH != 0,
        undecided: d.flags & SEC_WATCH_UNDECIDED != 0,
    })
}
