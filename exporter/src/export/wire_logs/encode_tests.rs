//! The direct encoding against the SDK's own conversion of the same record.

use std::{collections::HashMap, sync::Arc, time::Duration};

use opentelemetry::{
    Key,
    logs::{LogRecord as _, Logger as _, LoggerProvider as _, Severity},
    trace::{SpanId, TraceFlags, TraceId},
};
use opentelemetry_proto::tonic::{
    collector::logs::v1::ExportLogsServiceRequest,
    common::v1::{AnyValue as PAny, KeyValue as PKv, any_value::Value as PValue},
    logs::v1::{LogRecord as PRecord, ScopeLogs},
};
use opentelemetry_sdk::logs::SdkLoggerProvider;
use proptest::prelude::*;
use prost::Message as _;

use super::*;
use crate::signals::traces::SpanRef;

fn event(attributes: Vec<(Key, AnyValue)>, body: Option<String>, trace: Option<SpanRef>) -> LogEvent {
    LogEvent {
        time: UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789),
        event_name: "sysotel.security.file",
        severity: Severity::Warn,
        attributes,
        container: None,
        trace,
        body,
    }
}

/// What opentelemetry-proto makes of the SDK record carrying `event`.
fn sdk_conversion(event: &LogEvent, observed: SystemTime) -> PRecord {
    let provider = SdkLoggerProvider::builder().build();
    let logger = provider.logger("sysotel");
    let mut record = logger.create_log_record();
    record.set_timestamp(event.time);
    record.set_observed_timestamp(observed);
    record.set_event_name(event.event_name);
    record.set_severity_number(event.severity);
    if let Some(t) = event.trace {
        record.set_trace_context(t.trace_id, t.span_id, Some(TraceFlags::SAMPLED));
    }
    if let Some(body) = &event.body {
        record.set_body(AnyValue::String(body.clone().into()));
    }
    record.add_attributes(event.attributes.clone());
    PRecord::from(&record)
}

/// Key-value lists in key order, so two encodings of one `HashMap` compare.
fn sort_maps(values: &mut [PKv]) {
    for kv in values.iter_mut() {
        if let Some(v) = kv.value.as_mut() {
            sort_any(v);
        }
    }
}

fn sort_any(v: &mut PAny) {
    match v.value.as_mut() {
        Some(PValue::KvlistValue(list)) => {
            list.values.sort_by(|a, b| a.key.cmp(&b.key));
            sort_maps(&mut list.values);
        }
        Some(PValue::ArrayValue(arr)) => arr.values.iter_mut().for_each(sort_any),
        _ => {}
    }
}

fn ours(events: &[&LogEvent], observed: SystemTime) -> Vec<PRecord> {
    let mut buf = Vec::new();
    for e in events {
        record(&mut buf, e, observed);
    }
    let mut records = ScopeLogs::decode(buf.as_slice()).expect("our bytes decode").log_records;
    records.iter_mut().for_each(|r| sort_maps(&mut r.attributes));
    records
}

fn reference(event: &LogEvent, observed: SystemTime) -> PRecord {
    let mut r = sdk_conversion(event, observed);
    sort_maps(&mut r.attributes);
    r
}

fn every_kind() -> Vec<(Key, AnyValue)> {
    let mut map = HashMap::new();
    map.insert(Key::from_static_str("flags"), AnyValue::String("O_WRONLY|O_CREAT".into()));
    map.insert(Key::from_static_str("mode"), AnyValue::Int(0o4755));
    map.insert(Key::from_static_str("empty"), AnyValue::String("".into()));
    vec![
        (Key::from_static_str("process.pid"), AnyValue::Int(4242)),
        (Key::from_static_str("zero"), AnyValue::Int(0)),
        (Key::from_static_str("negative"), AnyValue::Int(-1)),
        (Key::from_static_str("min"), AnyValue::Int(i64::MIN)),
        (Key::from_static_str("file.path"), AnyValue::String("/etc/shadow".into())),
        (Key::from_static_str("empty"), AnyValue::String("".into())),
        (Key::from_static_str("watched"), AnyValue::Boolean(true)),
        (Key::from_static_str("not"), AnyValue::Boolean(false)),
        (Key::from_static_str("ratio"), AnyValue::Double(-0.25)),
        (Key::from_static_str("raw"), AnyValue::Bytes(Box::new(vec![0, 1, 255]))),
        (
            Key::from_static_str("process.command_args"),
            AnyValue::ListAny(Box::new(vec![AnyValue::String("cat".into()), AnyValue::Int(7)])),
        ),
        (Key::from_static_str("sysotel.syscall.args"), AnyValue::Map(Box::new(map))),
        (Key::new(String::from("owned.key")), AnyValue::ListAny(Box::default())),
    ]
}

fn span() -> SpanRef {
    SpanRef {
        trace_id: TraceId::from_bytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
        span_id: SpanId::from_bytes([0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 1, 2]),
    }
}

#[test]
fn a_full_record_decodes_to_the_sdk_conversion() {
    let observed = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let e = event(every_kind(), Some("cat read /etc/shadow".into()), Some(span()));
    let got = ours(&[&e], observed);
    assert_eq!(got, vec![reference(&e, observed)]);
    assert_eq!(got[0].flags, 1);
    assert_eq!(got[0].trace_id.len(), 16);
}

#[test]
fn a_bare_record_has_no_trace_body_or_flags() {
    let observed = UNIX_EPOCH + Duration::from_secs(5);
    let e = event(vec![], None, None);
    let got = ours(&[&e], observed);
    assert_eq!(got, vec![reference(&e, observed)]);
    assert_eq!((got[0].flags, got[0].body.is_none(), got[0].trace_id.is_empty()), (0, true, true));
}

#[test]
fn long_values_get_multi_byte_lengths() {
    // 20 kB and 200 kB strings: two- and three-byte lengths at every level.
    let observed = UNIX_EPOCH;
    let long = "x".repeat(20_000);
    let longer = "y".repeat(200_000);
    let e1 = event(
        vec![
            (Key::from_static_str("a"), AnyValue::String(long.clone().into())),
            (Key::from_static_str("b"), AnyValue::ListAny(Box::new(vec![AnyValue::String(longer.into())]))),
        ],
        Some(long),
        Some(span()),
    );
    let e2 = event(vec![(Key::from_static_str("after"), AnyValue::Int(1))], None, None);
    assert_eq!(ours(&[&e1, &e2], observed), vec![reference(&e1, observed), reference(&e2, observed)]);
}

#[test]
fn requests_frame_resources_and_scope() {
    let host = resource(&[KeyValue::new("host.name", "node-a"), KeyValue::new("service.name", "sysotel")]);
    let container = resource(&[
        KeyValue::new("service.name", "sysotel"),
        KeyValue::new("container.id", "abc"),
        KeyValue::new("k8s.pod.labels", Value::Array(Array::String(vec!["a".into(), "b".into()]))),
        KeyValue::new("n", Value::Array(Array::I64(vec![1, -2]))),
        KeyValue::new("service.name", "overridden"),
    ]);
    let e = event(every_kind(), None, None);
    let (mut one, mut two) = (Vec::new(), Vec::new());
    record(&mut one, &e, UNIX_EPOCH);
    record(&mut two, &e, UNIX_EPOCH);
    record(&mut two, &e, UNIX_EPOCH);
    let mut req = Vec::new();
    resource_logs(
        &mut req,
        "sysotel",
        &ResourceRecords { resource: &host, schema_url: "https://x/1.0", records: &one },
    );
    resource_logs(&mut req, "sysotel", &ResourceRecords { resource: &container, schema_url: "", records: &two });
    let decoded = ExportLogsServiceRequest::decode(req.as_slice()).expect("request decodes");
    assert_eq!(decoded.resource_logs.len(), 2);
    let [h, c] = &decoded.resource_logs[..] else { unreachable!() };
    assert_eq!(h.schema_url, "https://x/1.0");
    assert_eq!(h.scope_logs[0].scope.as_ref().map(|s| s.name.as_str()), Some("sysotel"));
    assert_eq!(h.scope_logs[0].log_records.len(), 1);
    assert_eq!(c.scope_logs[0].log_records.len(), 2);
    let attrs = &c.resource.as_ref().expect("resource").attributes;
    let keys: Vec<&str> = attrs.iter().map(|kv| kv.key.as_str()).collect();
    assert_eq!(keys, ["container.id", "k8s.pod.labels", "n", "service.name"]);
    let service = attrs[3].value.as_ref().and_then(|v| v.value.clone());
    assert_eq!(service, Some(PValue::StringValue("overridden".into())));
    let expected = PAny::from(Value::Array(Array::I64(vec![1, -2])));
    assert_eq!(attrs[2].value.as_ref(), Some(&expected));
}

proptest! {
    #[test]
    fn arbitrary_strings_and_ints_round_trip(
        texts in proptest::collection::vec(".{0,300}", 0..12),
        ints in proptest::collection::vec(any::<i64>(), 0..8),
        body in proptest::option::of(".{0,200}"),
    ) {
        let mut attrs: Vec<(Key, AnyValue)> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (Key::new(format!("k{i}")), AnyValue::String(t.clone().into())))
            .collect();
        attrs.push((Key::from_static_str("ints"), AnyValue::ListAny(Box::new(ints.into_iter().map(AnyValue::Int).collect()))));
        let e = event(attrs, body, None);
        let observed = UNIX_EPOCH + Duration::from_nanos(3);
        prop_assert_eq!(ours(&[&e], observed), vec![reference(&e, observed)]);
    }
}

#[test]
fn container_identity_is_not_encoded_in_the_record() {
    // The container goes on the Resource, never into the record.
    let mut e = event(vec![], None, None);
    e.container = Some(Arc::new(crate::enrich::ContainerIdentity {
        id: "abc".into(),
        pod_uid: None,
        resource: vec![KeyValue::new("container.id", "abc")],
    }));
    assert!(ours(&[&e], UNIX_EPOCH)[0].attributes.is_empty());
}
