//! A security event's log record encoded straight from its
//! [`SecurityRecord`]: the same fields and attributes, in the same order,
//! as encoding [`security_log`]'s [`LogEvent`](crate::signals::LogEvent)
//! (a test compares them), without the `(Key, AnyValue)` pairs, their
//! strings, the `syscall.args` hash map and their drop. `syscall.args` then
//! keeps the arguments' order.
//!
//! [`security_log`]: crate::signals::security::security_log

use std::time::SystemTime;

use super::encode::{ProtoAttrs, RecordHead, record_with};
use crate::{
    enrich::ProcessContext,
    security::SecurityRecord,
    signals::{
        security::{SECURITY_SEVERITY, event_name, summary, write_security_attributes},
        traces::SpanRef,
    },
};

/// Appends `rec`'s record to `buf` as one `ScopeLogs.log_records` field.
pub fn security_record(
    buf: &mut Vec<u8>,
    rec: SecurityRecord,
    ctx: &ProcessContext,
    time: SystemTime,
    observed: SystemTime,
    trace: Option<&SpanRef>,
) {
    let body = summary(&rec);
    let head = RecordHead {
        time,
        observed,
        severity: SECURITY_SEVERITY,
        body: Some(&body),
        trace,
        event_name: event_name(rec.category()),
    };
    record_with(buf, &head, |buf| write_security_attributes(rec, ctx, &mut ProtoAttrs(buf)));
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{SpanId, TraceId};
    use opentelemetry_proto::tonic::{
        common::v1::{AnyValue, any_value::Value},
        logs::v1::{LogRecord, ScopeLogs},
    };
    use prost::Message as _;

    use super::*;
    use crate::{
        decode::{Header, SecurityEvent},
        export::wire_logs::encode::record,
        security::{catalog::by_name, resolve::tests::FakeProc},
        signals::security::security_log,
    };

    fn header(pid: u32) -> Header {
        Header {
            ktime_ns: 1,
            pid,
            tid: pid,
            ppid: Some(1),
            uid: 1000,
            gid: 1000,
            cgroup_id: 5,
            start_time_ns: None,
            comm: b"cp".to_vec(),
        }
    }

    fn ctx(pid: u32, tid: u32, exe: Option<&[u8]>) -> ProcessContext {
        ProcessContext {
            pid,
            tid,
            ppid: Some(1),
            uid: 1000,
            gid: 1000,
            euid: Some(0),
            egid: None,
            cgroup_id: 5,
            comm: b"c\xffp".to_vec(),
            exe: exe.map(Into::into),
            args: vec![],
        }
    }

    fn inet4(port: u16) -> Vec<u8> {
        let mut v = (libc::AF_INET as u16).to_ne_bytes().to_vec();
        v.extend_from_slice(&port.to_be_bytes());
        v.extend_from_slice(&[10, 0, 0, 7]);
        v
    }

    fn unix(path: &[u8]) -> Vec<u8> {
        let mut v = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        v.extend_from_slice(path);
        v.push(0);
        v
    }

    /// One record of each shape the attribute mapping branches on.
    fn records() -> Vec<(SecurityRecord, ProcessContext)> {
        let mut proc = FakeProc::default();
        proc.cwd.insert(9, "/srv".into());
        let at = |name: &str, e: SecurityEvent| SecurityRecord::build(by_name(name).unwrap(), e, &proc);
        let mut out = Vec::new();
        // A failed relative open, resolved against the working directory.
        let e = SecurityEvent::new(
            header(9),
            257,
            -13,
            [0xffff_ff9c, 0, 0o1101, 0o644, 0, 0],
            [Some(b"etc/x".to_vec()), None],
        );
        out.push((at("openat", e), ctx(9, 9, Some(b"/bin/cp"))));
        // A watched read with truncated arguments, from a thread.
        let mut e =
            SecurityEvent::new(header(9), 257, 3, [0xffff_ff9c, 0, 0, 0, 0, 0], [Some(b"/etc/shadow".to_vec()), None]);
        e.watched = true;
        e.truncated = true;
        out.push((at("openat", e), ctx(9, 12, None)));
        // A path that cannot be resolved (unknown process).
        let e = SecurityEvent::new(header(77), 82, 0, [0; 6], [Some(b"a/b".to_vec()), Some(b"/tmp/c".to_vec())]);
        out.push((at("rename", e), ctx(77, 77, Some(b"/usr/bin/mv"))));
        // Local and peer addresses.
        let mut e = SecurityEvent::new(header(9), 49, 0, [3, 0, 16, 0, 0, 0], [None, None]);
        e.sockaddr = Some(inet4(8080));
        out.push((at("bind", e), ctx(9, 9, Some(b"/srv/app"))));
        let mut e = SecurityEvent::new(header(9), 42, -111, [4, 0, 12, 0, 0, 0], [None, None]);
        e.sockaddr = Some(unix(b"/run/x.sock"));
        out.push((at("connect", e), ctx(9, 9, Some(b"/srv/app"))));
        out
    }

    fn decode_one(buf: &[u8]) -> LogRecord {
        let mut scope = ScopeLogs::decode(buf).expect("a ScopeLogs.log_records field");
        assert_eq!(scope.log_records.len(), 1);
        scope.log_records.remove(0)
    }

    fn kvlist_keys(rec: &LogRecord, key: &str) -> Vec<String> {
        let value = rec.attributes.iter().find(|kv| kv.key == key).and_then(|kv| kv.value.as_ref());
        match value.and_then(|v| v.value.as_ref()) {
            Some(Value::KvlistValue(list)) => list.values.iter().map(|kv| kv.key.clone()).collect(),
            other => panic!("{key} is not a kvlist: {other:?}"),
        }
    }

    /// Sorts every kvlist attribute (the `LogEvent` path's come in hash order).
    fn sorted(mut rec: LogRecord) -> LogRecord {
        for kv in &mut rec.attributes {
            if let Some(AnyValue { value: Some(Value::KvlistValue(list)) }) = kv.value.as_mut() {
                list.values.sort_by(|a, b| a.key.cmp(&b.key));
            }
        }
        rec
    }

    #[test]
    fn direct_encoding_matches_the_log_event_path() {
        let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let observed = time + std::time::Duration::from_millis(3);
        let span = SpanRef { trace_id: TraceId::from(0x1234_u128), span_id: SpanId::from(0x56_u64) };
        for (i, (rec, ctx)) in records().into_iter().enumerate() {
            let trace = (i % 2 == 0).then_some(span);
            let arg_order: Vec<String> = rec.args.iter().map(|(n, _)| (*n).to_owned()).collect();
            let mut via_log = Vec::new();
            let mut log = security_log(rec.clone(), &ctx, None, time);
            log.trace = trace;
            record(&mut via_log, &log, observed);
            let mut direct = Vec::new();
            security_record(&mut direct, rec, &ctx, time, observed, trace.as_ref());

            let (expected, got) = (decode_one(&via_log), decode_one(&direct));
            assert_eq!(kvlist_keys(&got, "sysotel.syscall.args"), arg_order, "record {i}: arguments in order");
            assert_eq!(sorted(got), sorted(expected), "record {i}");
            assert!(direct.len() == via_log.len(), "record {i}: same size");
        }
    }
}
