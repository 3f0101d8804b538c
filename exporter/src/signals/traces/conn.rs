//! Connection spans: `connect()` (client) or `accept()` (server) through
//! `close()`, under the span of the process that owns the socket.
//!
//! The span starts at the connect/accept call and ends at close (or at the
//! process's exit when it never closed). It carries the peer as
//! `network.peer.*`, the server side as `server.*` (client spans) or the
//! client side as `client.*` (server spans), `network.type`, and the bytes
//! written and read on the descriptor as counted in the kernel.

use std::{collections::BTreeMap, sync::Arc, time::SystemTime};

use opentelemetry::{KeyValue, trace::SpanKind};
use semconv::attribute as attr;

use super::{IdSalt, SpanRecord, SpanRef};
use crate::{
    decode::ConnOp,
    enrich::ContainerIdentity,
    util::sockaddr::{SockAddr, parse_sockaddr},
};

struct OpenConn {
    ids: SpanRef,
    parent: Option<opentelemetry::trace::SpanId>,
    kind: SpanKind,
    start: SystemTime,
    attributes: Vec<KeyValue>,
    container: Option<Arc<ContainerIdentity>>,
}

/// Open connections by (pid, fd), ordered so a process's connections are
/// one range: its exit finds them without scanning every open connection.
pub struct Connections {
    open: BTreeMap<(u32, u32), OpenConn>,
    capacity: usize,
    /// Connections not tracked because the bound was reached.
    pub rejected: u64,
}

/// What the pipeline knows when a connection opens.
pub struct Opened<'a> {
    pub pid: u32,
    pub fd: u32,
    pub op: ConnOp,
    pub start: SystemTime,
    pub addr: &'a [u8],
    /// The owning process's span, when known.
    pub parent: Option<SpanRef>,
    pub container: Option<Arc<ContainerIdentity>>,
}

impl Connections {
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self { open: BTreeMap::new(), capacity, rejected: 0 }
    }

    /// A connect or accept: the span opens. A reused descriptor ends the
    /// previous span first (returned).
    pub fn open(&mut self, o: Opened<'_>, salt: &IdSalt) -> Option<SpanRecord> {
        let previous = self.open.remove(&(o.pid, o.fd)).map(|c| finish(c, o.start, None));
        if self.open.len() >= self.capacity {
            self.rejected += 1;
            return previous;
        }
        let (kind, mut attributes) = match o.op {
            ConnOp::Accept => (SpanKind::Server, Vec::new()),
            _ => (SpanKind::Client, Vec::new()),
        };
        if let Some(SockAddr::Inet { ip, port }) = parse_sockaddr(o.addr) {
            let (addr_key, port_key) = if kind == SpanKind::Client {
                (attr::SERVER_ADDRESS, attr::SERVER_PORT)
            } else {
                (attr::CLIENT_ADDRESS, attr::CLIENT_PORT)
            };
            attributes.extend([
                KeyValue::new(attr::NETWORK_PEER_ADDRESS, ip.to_string()),
                KeyValue::new(attr::NETWORK_PEER_PORT, i64::from(port)),
                KeyValue::new(addr_key, ip.to_string()),
                KeyValue::new(port_key, i64::from(port)),
                KeyValue::new(attr::NETWORK_TYPE, if ip.is_ipv4() { "ipv4" } else { "ipv6" }),
            ]);
        }
        attributes.push(KeyValue::new(attr::PROCESS_PID, i64::from(o.pid)));
        let key = (o.pid, o.fd, o.start.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_nanos());
        let span_id = salt.span_id(&("conn", key));
        let ids = match o.parent {
            Some(p) => SpanRef { trace_id: p.trace_id, span_id },
            None => SpanRef { trace_id: salt.trace_id(&("conn", key)), span_id },
        };
        self.open.insert(
            (o.pid, o.fd),
            OpenConn {
                ids,
                parent: o.parent.map(|p| p.span_id),
                kind,
                start: o.start,
                attributes,
                container: o.container,
            },
        );
        previous
    }

    /// `close(fd)`: the span ends with the byte counts.
    pub fn close(&mut self, pid: u32, fd: u32, end: SystemTime, sent: u64, received: u64) -> Option<SpanRecord> {
        let c = self.open.remove(&(pid, fd))?;
        Some(finish(c, end, Some((sent, received))))
    }

    /// The process exited: its connections end now.
    pub fn process_exited(&mut self, pid: u32, end: SystemTime) -> Vec<SpanRecord> {
        let fds: Vec<u32> = self.open.range((pid, 0)..=(pid, u32::MAX)).map(|(&(_, fd), _)| fd).collect();
        fds.into_iter().filter_map(|fd| self.open.remove(&(pid, fd))).map(|c| finish(c, end, None)).collect()
    }
}

fn finish(c: OpenConn, end: SystemTime, bytes: Option<(u64, u64)>) -> SpanRecord {
    let mut attributes = c.attributes;
    if let Some((sent, received)) = bytes {
        attributes.push(KeyValue::new(attr::CONNECTION_SENT_BYTES, i64::try_from(sent).unwrap_or(i64::MAX)));
        attributes.push(KeyValue::new(attr::CONNECTION_RECEIVED_BYTES, i64::try_from(received).unwrap_or(i64::MAX)));
    }
    SpanRecord {
        name: if c.kind == SpanKind::Server { "accept".into() } else { "connect".into() },
        kind: c.kind,
        ids: c.ids,
        parent: c.parent,
        start: c.start,
        end: end.max(c.start),
        attributes,
        error: None,
        container: c.container,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn v4(port: u16) -> Vec<u8> {
        let mut b = vec![0u8; 16];
        b[..2].copy_from_slice(&2u16.to_ne_bytes());
        b[2..4].copy_from_slice(&port.to_be_bytes());
        b[4..8].copy_from_slice(&[127, 0, 0, 1]);
        b
    }

    #[test]
    fn connect_through_close_is_a_client_span() {
        let salt = IdSalt::fixed("b");
        let mut c = Connections::new(10);
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1);
        let addr = v4(8080);
        assert!(
            c.open(
                Opened { pid: 5, fd: 3, op: ConnOp::Connect, start: t0, addr: &addr, parent: None, container: None },
                &salt
            )
            .is_none()
        );
        let s = c.close(5, 3, t0 + Duration::from_millis(20), 100, 7).unwrap();
        assert_eq!((s.name.as_str(), s.kind.clone()), ("connect", SpanKind::Client));
        let get = |k: &str| s.attributes.iter().find(|kv| kv.key.as_str() == k).map(|kv| kv.value.clone());
        assert_eq!(get("server.port"), Some(opentelemetry::Value::I64(8080)));
        assert_eq!(get("network.peer.address"), Some("127.0.0.1".into()));
        assert_eq!(get("sysotel.connection.sent_bytes"), Some(opentelemetry::Value::I64(100)));
        assert!(c.close(5, 3, t0, 0, 0).is_none(), "closed once");
    }

    #[test]
    fn exit_ends_open_connections_and_accept_is_server() {
        let salt = IdSalt::fixed("b");
        let mut c = Connections::new(10);
        let t0 = SystemTime::UNIX_EPOCH;
        let addr = v4(40000);
        c.open(
            Opened { pid: 6, fd: 4, op: ConnOp::Accept, start: t0, addr: &addr, parent: None, container: None },
            &salt,
        );
        // Neighbours in key order (pids 5 and 7, fds at both ends) stay open.
        for (pid, fd) in [(5, u32::MAX), (7, 0), (6, u32::MAX)] {
            c.open(
                Opened { pid, fd, op: ConnOp::Connect, start: t0, addr: &addr, parent: None, container: None },
                &salt,
            );
        }
        let ended = c.process_exited(6, t0 + Duration::from_secs(1));
        assert_eq!(ended.len(), 2);
        assert!(
            c.close(5, u32::MAX, t0, 0, 0).is_some() && c.close(7, 0, t0, 0, 0).is_some(),
            "other processes keep theirs"
        );
        assert!(c.close(6, 4, t0, 0, 0).is_none(), "pid 6's connections ended at its exit");
        let server = ended.iter().find(|s| s.kind == SpanKind::Server).expect("the accepted connection's span");
        assert!(server.attributes.iter().any(|kv| kv.key.as_str() == "client.port"));
    }
}
