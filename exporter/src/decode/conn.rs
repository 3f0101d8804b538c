//! Decoding of `connection` records.

use exporter_common::{
    EventHeader, EventKind,
    events::{
        ConnData,
        conn::{CONN_ACCEPT, CONN_CLOSE, CONN_CONNECT, SOCKADDR_MAX},
    },
};

use super::{DecodeError, Header, check_size, read_pod};

/// What happened to the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnOp {
    Connect,
    Accept,
    Close,
}

/// A connection opened (connect/accept) or closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnEvent {
    pub header: Header,
    pub op: ConnOp,
    pub fd: u32,
    pub ret: i64,
    /// `CLOCK_BOOTTIME` ns at the call's entry.
    pub start_ns: u64,
    pub duration_ns: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Raw peer `struct sockaddr` (connect and accept).
    pub addr: Vec<u8>,
}

pub(super) fn decode(bytes: &[u8], raw: &EventHeader, header: Header) -> Result<ConnEvent, DecodeError> {
    check_size::<exporter_common::events::ConnEvent>(bytes, raw, EventKind::Connection)?;
    let d: ConnData = read_pod(bytes, size_of::<EventHeader>())?;
    let op = match d.op {
        CONN_CONNECT => ConnOp::Connect,
        CONN_ACCEPT => ConnOp::Accept,
        CONN_CLOSE => ConnOp::Close,
        other => return Err(DecodeError::UnknownKind(other)),
    };
    let len = d.addr_len as usize;
    if len > SOCKADDR_MAX {
        return Err(DecodeError::LengthOutOfRange { field: "addr_len", len: d.addr_len, max: SOCKADDR_MAX });
    }
    Ok(ConnEvent {
        header,
        op,
        fd: d.fd,
        ret: d.ret,
        start_ns: d.start_ns,
        duration_ns: d.duration_ns,
        bytes_sent: d.bytes_sent,
        bytes_received: d.bytes_received,
        addr: d.addr[..len].to_vec(),
    })
}
