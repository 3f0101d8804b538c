//! The collector leg on its own: rotel receives OTLP logs over gRPC and over
//! HTTP/protobuf and forwards both, attributes intact, to the in-process
//! receiver. The agent tests rely on this path; it needs no agent binary.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue, any_value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use sysotel_integration::gate::require_integration;
use sysotel_integration::receiver::Receiver;
use sysotel_integration::records::{AttrValue, LogEntry};
use sysotel_integration::rotel::Rotel;
use sysotel_integration::send::{logs_grpc, logs_http};
use sysotel_integration::workload::unique_marker;

const EVENT: &str = "sysotel.test.forwarded";
const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(15);

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(value) }), ..Default::default() }
}

fn string(s: &str) -> any_value::Value {
    any_value::Value::StringValue(s.into())
}

/// One log record tagged with `marker` and the `transport` it travels over.
fn request(marker: &str, transport: &str) -> ExportLogsServiceRequest {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970");
    let args =
        ArrayValue { values: ["/bin/echo", marker].into_iter().map(|s| AnyValue { value: Some(string(s)) }).collect() };
    let record = LogRecord {
        event_name: EVENT.into(),
        severity_number: 9,
        time_unix_nano: u64::try_from(now.as_nanos()).expect("time fits u64"),
        trace_id: vec![0xab; 16],
        span_id: vec![0xcd; 8],
        attributes: vec![
            kv("test.marker", string(marker)),
            kv("test.transport", string(transport)),
            kv("process.pid", any_value::Value::IntValue(4242)),
            kv("test.flag", any_value::Value::BoolValue(true)),
            kv("test.ratio", any_value::Value::DoubleValue(0.25)),
            kv("process.command_args", any_value::Value::ArrayValue(args)),
        ],
        ..Default::default()
    };
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![kv("service.name", string("sysotel-integration"))],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs { log_records: vec![record], ..Default::default() }],
            ..Default::default()
        }],
    }
}

fn assert_forwarded(entry: &LogEntry, marker: &str) {
    assert_eq!(entry.event_name, EVENT);
    assert_eq!(entry.severity_number, 9);
    assert_eq!(entry.trace_id, "ab".repeat(16));
    assert_eq!(entry.span_id, "cd".repeat(8));
    assert_eq!(entry.attributes.int("process.pid"), Some(4242));
    assert_eq!(entry.attributes.bool("test.flag"), Some(true));
    assert_eq!(entry.attributes.get("test.ratio"), Some(&AttrValue::Double(0.25)));
    assert_eq!(entry.attributes.str_array("process.command_args"), Some(vec!["/bin/echo", marker]));
    assert_eq!(entry.resource.str("service.name"), Some("sysotel-integration"));
}

#[test]
fn rotel_forwards_to_receiver() {
    if !require_integration() {
        return;
    }
    let receiver = Receiver::start().expect("starting the OTLP receiver");
    let rotel = Rotel::start(&receiver.endpoint()).expect("starting rotel");
    let marker = unique_marker();

    logs_grpc(&rotel.grpc_endpoint(), request(&marker, "grpc")).expect("sending over gRPC");
    logs_http(&rotel.http_endpoint(), &request(&marker, "http")).expect("sending over HTTP");

    for transport in ["grpc", "http"] {
        let entry = receiver
            .wait_for_log(
                |e| {
                    e.attributes.str("test.marker") == Some(marker.as_str())
                        && e.attributes.str("test.transport") == Some(transport)
                },
                ARRIVAL_TIMEOUT,
            )
            .unwrap_or_else(|| {
                panic!(
                    "the {transport} log did not arrive within {ARRIVAL_TIMEOUT:?}; received: {:#?}",
                    receiver.log_entries()
                )
            });
        assert_forwarded(&entry, &marker);
    }
}
