//! Decoding of `exec` records.

use std::mem::offset_of;

use exporter_common::{
    EventHeader, EventKind,
    events::{
        ExecData,
        exec::{
            ARGS_MAX, EXEC_ARGS_MISSING, EXEC_ARGS_TRUNCATED, EXEC_CREDS_MISSING, EXEC_EXE_MEMFD, EXEC_EXE_UNLINKED,
            EXEC_FILENAME_TRUNCATED, FILENAME_MAX,
        },
    },
};

use super::{DecodeError, Header, check_size, read_pod};

/// A successful exec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecEvent {
    pub header: Header,
    /// Task id before exec (a non-leader thread that execs takes over the pid).
    pub old_pid: u32,
    /// The path handed to exec, as bytes (may be relative, may not be UTF-8).
    pub filename: Vec<u8>,
    pub filename_truncated: bool,
    /// The argument vector, each element without its NUL.
    pub args: Vec<Vec<u8>>,
    pub args_truncated: bool,
    /// The kernel could not read the arguments.
    pub args_missing: bool,
    /// Effective ids after exec, when the kernel could read them.
    pub euid: Option<u32>,
    pub egid: Option<u32>,
    /// The new executable is a memfd (fileless execution).
    pub exe_memfd: bool,
    /// The new executable has no links (deleted, or a memfd).
    pub exe_deleted: bool,
}

/// The fixed part of [`ExecData`], before its two byte arrays: read on its
/// own, so decoding never copies the whole record (about 4 KiB) first.
#[repr(C)]
#[derive(Clone, Copy)]
struct ExecFixed {
    old_pid: u32,
    flags: u32,
    euid: u32,
    egid: u32,
    filename_len: u32,
    args_len: u32,
}

// SAFETY: `#[repr(C)]`, integers only.
unsafe impl super::Pod for ExecFixed {}

const _: () = assert!(size_of::<ExecFixed>() == offset_of!(ExecData, filename));
const _: () = assert!(offset_of!(ExecData, args_len) == offset_of!(ExecFixed, args_len));

pub(super) fn decode(bytes: &[u8], raw: &EventHeader, header: Header) -> Result<ExecEvent, DecodeError> {
    check_size::<exporter_common::events::ExecEvent>(bytes, raw, EventKind::Exec)?;
    let base = size_of::<EventHeader>();
    let data: ExecFixed = read_pod(bytes, base)?;
    let filename_len = checked_len("filename_len", data.filename_len, FILENAME_MAX)?;
    let args_len = checked_len("args_len", data.args_len, ARGS_MAX)?;
    // In bounds: `check_size` saw the whole record, and each length is
    // within its array.
    let filename = &bytes[base + offset_of!(ExecData, filename)..][..filename_len];
    let args = &bytes[base + offset_of!(ExecData, args)..][..args_len];
    let creds_missing = data.flags & EXEC_CREDS_MISSING != 0;
    Ok(ExecEvent {
        header,
        old_pid: data.old_pid,
        filename: filename.to_vec(),
        filename_truncated: data.flags & EXEC_FILENAME_TRUNCATED != 0,
        args: split_args(args),
        args_truncated: data.flags & EXEC_ARGS_TRUNCATED != 0,
        args_missing: data.flags & EXEC_ARGS_MISSING != 0,
        euid: (!creds_missing).then_some(data.euid),
        egid: (!creds_missing).then_some(data.egid),
        exe_memfd: data.flags & EXEC_EXE_MEMFD != 0,
        exe_deleted: data.flags & EXEC_EXE_UNLINKED != 0,
    })
}

fn checked_len(field: &'static str, len: u32, max: usize) -> Result<usize, DecodeError> {
    let n = len as usize;
    if n > max {
        return Err(DecodeError::LengthOutOfRange { field, len, max });
    }
    Ok(n)
}

/// Splits the NUL-separated argument block. A trailing NUL ends the last
/// argument; a missing one (truncation) keeps the partial argument.
pub(crate) fn split_args(block: &[u8]) -> Vec<Vec<u8>> {
    if block.is_empty() {
        return Vec::new();
    }
    let block = block.strip_suffix(&[0]).unwrap_or(block);
    block.split(|&b| b == 0).map(<[u8]>::to_vec).collect()
}
