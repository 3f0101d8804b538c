//! OTLP/JSON file output end to end, in the line format the collector's
//! `otlpjsonfile` receiver reads: log records go through the agent's own
//! log sink (`WireLogSink` over `Destination::File`) and `write_logs`,
//! spans through an SDK provider with the file span exporter, metrics
//! through `write_metrics`; the lines are read back, checked for OTLP/JSON
//! spelling, and decoded into the protobuf requests again.

use std::{
    fs,
    path::Path,
    sync::{Arc, atomic::Ordering},
    thread,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use opentelemetry::{
    Key, KeyValue,
    logs::{AnyValue as LogValue, Severity},
    trace::{Span as _, SpanId, SpanKind, TraceContextExt as _, TraceId, Tracer as _, TracerProvider as _},
};
use opentelemetry_proto::tonic::{
    collector::{
        logs::v1::ExportLogsServiceRequest, metrics::v1::ExportMetricsServiceRequest,
        trace::v1::ExportTraceServiceRequest,
    },
    common::v1::{AnyValue, InstrumentationScope, KeyValue as ProtoKeyValue, any_value},
    logs::v1::{LogRecord, ResourceLogs, ScopeLogs},
    metrics::v1::{Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, metric, number_data_point},
    resource::v1::Resource as ProtoResource,
};
use opentelemetry_sdk::{Resource, trace::SdkTracerProvider};
use serde_json::{Value, json};
use sysotel::{
    export::{
        ExportStats, LogSink as _,
        otlp_file::{DEFAULT_MAX_BYTES, FileError, FileSpanExporter, JsonLinesFile, write_logs, write_metrics},
        wire_logs::{BatchSettings, Destination, WireLogSink},
    },
    signals::{LogEvent, traces::SpanRef},
};

const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
const SPAN_ID: &str = "b7ad6b7169203331";

fn resource_attributes() -> Vec<KeyValue> {
    vec![KeyValue::new("service.name", "otlp-file-test"), KeyValue::new("host.name", "box")]
}

fn resource() -> Resource {
    Resource::builder_empty().with_attributes(resource_attributes()).build()
}

/// Every line of `path`, parsed as JSON.
fn read_lines(path: &Path) -> Vec<Value> {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.ends_with('\n'), "each line is terminated");
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}"))).collect()
}

fn assert_no_nulls(v: &Value) {
    match v {
        Value::Null => panic!("null in OTLP/JSON output"),
        Value::Array(items) => items.iter().for_each(assert_no_nulls),
        Value::Object(map) => map.values().for_each(assert_no_nulls),
        _ => {}
    }
}

fn is_decimal_string(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

/// The agent's log sink writing to `file`: `max_batch` records per batch,
/// no timed flush (a batch goes out when full or at shutdown). The sink's
/// export task runs on the returned runtime; keep it until the sink is shut
/// down, which blocks and so is called from the test thread.
fn file_sink(file: &Arc<JsonLinesFile>, max_batch: usize) -> (tokio::runtime::Runtime, WireLogSink, Arc<ExportStats>) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let stats = Arc::new(ExportStats::default());
    let settings = BatchSettings { max_queue: 1024, max_batch, delay: Duration::from_secs(3600) };
    let sink = rt.block_on(async {
        let destination = Destination::File(Arc::clone(file));
        WireLogSink::start(destination, resource_attributes(), None, settings, Arc::clone(&stats))
    });
    (rt, sink, stats)
}

fn log_event(body: &str) -> LogEvent {
    LogEvent {
        time: SystemTime::now(),
        event_name: "process.exec",
        severity: Severity::Info,
        attributes: Vec::new(),
        container: None,
        trace: None,
        body: Some(body.to_owned()),
    }
}

/// Log records of line `line`, parsed.
fn log_records(line: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for rl in line["resourceLogs"].as_array().unwrap() {
        for sl in rl["scopeLogs"].as_array().unwrap() {
            out.extend(sl["logRecords"].as_array().unwrap().iter().cloned());
        }
    }
    out
}

#[test]
fn logs_round_trip_through_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("otlp/logs.jsonl");
    let file = Arc::new(JsonLinesFile::open(&path).unwrap());
    let (rt, mut sink, stats) = file_sink(&file, 2);
    let mut first = log_event("exec /bin/true");
    first.time = UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789);
    first.attributes = vec![(Key::from_static_str("process.pid"), LogValue::Int(42))];
    first.trace =
        Some(SpanRef { trace_id: TraceId::from_hex(TRACE_ID).unwrap(), span_id: SpanId::from_hex(SPAN_ID).unwrap() });
    // The first two fill a batch; the third goes out at shutdown.
    sink.emit(first);
    sink.emit(log_event("second"));
    sink.emit(log_event("third"));
    sink.shutdown().unwrap();
    drop(rt);

    let lines = read_lines(&path);
    assert_eq!(lines.iter().map(|l| log_records(l).len()).collect::<Vec<_>>(), [2, 1], "one line per batch");
    assert_eq!(file.lines_written(), 2);
    assert_eq!(file.errors(), 0);
    assert_eq!(stats.exported_records.load(Ordering::Relaxed), 3);
    let v = &lines[0];
    lines.iter().for_each(assert_no_nulls);
    let rl = &v["resourceLogs"][0];
    let res_attrs = rl["resource"]["attributes"].as_array().unwrap();
    assert!(res_attrs.contains(&json!({"key": "service.name", "value": {"stringValue": "otlp-file-test"}})));
    assert!(res_attrs.contains(&json!({"key": "host.name", "value": {"stringValue": "box"}})));
    let sl = &rl["scopeLogs"][0];
    assert_eq!(sl["scope"]["name"], json!(semconv::SCOPE));
    let lr = &sl["logRecords"][0];
    assert_eq!(lr["timeUnixNano"], json!("1700000000123456789"));
    assert!(is_decimal_string(&lr["observedTimeUnixNano"]), "{lr}");
    assert_eq!(lr["severityNumber"], json!(9));
    assert_eq!(lr["eventName"], json!("process.exec"));
    assert_eq!(lr["body"], json!({"stringValue": "exec /bin/true"}));
    assert_eq!(lr["attributes"], json!([{"key": "process.pid", "value": {"intValue": "42"}}]));
    assert_eq!(lr["traceId"], json!(TRACE_ID));
    assert_eq!(lr["spanId"], json!(SPAN_ID));
    assert_eq!(lr["flags"], json!(1));

    let req: ExportLogsServiceRequest = serde_json::from_value(v.clone()).unwrap();
    let decoded = &req.resource_logs[0].scope_logs[0].log_records[0];
    assert_eq!(decoded.time_unix_nano, 1_700_000_000_123_456_789);
    assert_eq!(hex(&decoded.trace_id), TRACE_ID);
    assert_eq!(hex(&decoded.span_id), SPAN_ID);
    assert_eq!(decoded.event_name, "process.exec");
    assert_eq!(decoded.body, Some(AnyValue { value: Some(any_value::Value::StringValue("exec /bin/true".into())) }));
    // Re-encoding the decoded request gives the same line.
    let again: Value = serde_json::from_slice(&reencode(&req)).unwrap();
    assert_eq!(&again, v);
    // Without a trace context: no ids, no flags.
    let r = &req.resource_logs[0].scope_logs[0].log_records[1];
    assert!(r.trace_id.is_empty() && r.span_id.is_empty() && r.flags == 0 && r.observed_time_unix_nano > 0);
    assert!(log_records(v)[1].get("traceId").is_none_or(|t| t == ""));
    let third: ExportLogsServiceRequest = serde_json::from_value(lines[1].clone()).unwrap();
    let r = &third.resource_logs[0].scope_logs[0].log_records[0];
    assert_eq!(r.body, Some(AnyValue { value: Some(any_value::Value::StringValue("third".into())) }));
}

fn string_value(s: &str) -> Option<AnyValue> {
    Some(AnyValue { value: Some(any_value::Value::StringValue(s.into())) })
}

/// A request of one log record with `body` (and its severity text, which
/// the agent's own encoder leaves out).
fn logs_request(body: &str) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(ProtoResource {
                attributes: vec![ProtoKeyValue {
                    key: "service.name".into(),
                    value: string_value("otlp-file-test"),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope { name: "sysotel.test".into(), ..Default::default() }),
                log_records: vec![LogRecord {
                    time_unix_nano: 1_700_000_000_123_456_789,
                    observed_time_unix_nano: 1_700_000_000_223_456_789,
                    severity_number: 13,
                    severity_text: "WARN".into(),
                    body: string_value(body),
                    attributes: vec![ProtoKeyValue {
                        key: "process.pid".into(),
                        value: Some(AnyValue { value: Some(any_value::Value::IntValue(42)) }),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

#[test]
fn write_logs_writes_one_line_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.jsonl");
    let file = JsonLinesFile::open(&path).unwrap();
    write_logs(&file, &logs_request("one")).unwrap();
    write_logs(&file, &ExportLogsServiceRequest::default()).unwrap();
    let mut no_records = logs_request("none");
    no_records.resource_logs[0].scope_logs[0].log_records.clear();
    write_logs(&file, &no_records).unwrap();
    write_logs(&file, &logs_request("two")).unwrap();

    let lines = read_lines(&path);
    assert_eq!(lines.len(), 2, "requests without records write nothing");
    assert_eq!(file.lines_written(), 2);
    lines.iter().for_each(assert_no_nulls);
    let lr = &lines[0]["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
    assert_eq!(lines[0]["resourceLogs"][0]["scopeLogs"][0]["scope"]["name"], json!("sysotel.test"));
    assert_eq!(lr["timeUnixNano"], json!("1700000000123456789"));
    assert_eq!(lr["observedTimeUnixNano"], json!("1700000000223456789"));
    assert_eq!(lr["severityNumber"], json!(13));
    assert_eq!(lr["severityText"], json!("WARN"));
    assert_eq!(lr["body"], json!({"stringValue": "one"}));
    assert_eq!(lr["attributes"], json!([{"key": "process.pid", "value": {"intValue": "42"}}]));
    let back: Vec<ExportLogsServiceRequest> =
        lines.iter().map(|l| serde_json::from_value(l.clone()).unwrap()).collect();
    assert_eq!(back, vec![logs_request("one"), logs_request("two")]);
    let again: Value = serde_json::from_slice(&reencode(&back[0])).unwrap();
    assert_eq!(again, lines[0]);
}

#[test]
fn spans_round_trip_through_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("traces.jsonl");
    let file = Arc::new(JsonLinesFile::open(&path).unwrap());
    let provider = SdkTracerProvider::builder()
        .with_resource(resource())
        .with_simple_exporter(FileSpanExporter::new(Arc::clone(&file)))
        .build();
    let tracer = provider.tracer("sysotel.spans");
    let (trace_id, parent_id, child_id) = tracer.in_span("connect", |cx| {
        let span = cx.span();
        span.set_attribute(KeyValue::new("net.peer.port", 443_i64));
        span.add_event("syn", vec![KeyValue::new("attempt", 1_i64)]);
        let child = tracer.span_builder("dns").with_kind(SpanKind::Client).start_with_context(&tracer, &cx);
        let child_id = child.span_context().span_id();
        drop(child);
        (span.span_context().trace_id(), span.span_context().span_id(), child_id)
    });
    provider.shutdown().unwrap();

    let lines = read_lines(&path);
    assert_eq!(lines.len(), 2);
    lines.iter().for_each(assert_no_nulls);
    // The child ends first.
    let child = &lines[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    let parent = &lines[1]["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert_eq!(lines[1]["resourceSpans"][0]["scopeSpans"][0]["scope"]["name"], json!("sysotel.spans"));
    assert_eq!(parent["name"], json!("connect"));
    assert_eq!(parent["traceId"], json!(trace_id.to_string()));
    assert_eq!(parent["spanId"], json!(parent_id.to_string()));
    assert_eq!(child["spanId"], json!(child_id.to_string()));
    assert_eq!(child["parentSpanId"], json!(parent_id.to_string()));
    assert_eq!(child["kind"], json!(3), "SPAN_KIND_CLIENT as a number");
    assert!(is_decimal_string(&parent["startTimeUnixNano"]) && is_decimal_string(&parent["endTimeUnixNano"]));
    assert_eq!(parent["attributes"], json!([{"key": "net.peer.port", "value": {"intValue": "443"}}]));
    assert_eq!(parent["events"][0]["name"], json!("syn"));
    assert!(is_decimal_string(&parent["events"][0]["timeUnixNano"]));

    let req: ExportTraceServiceRequest = serde_json::from_value(lines[1].clone()).unwrap();
    let rs = &req.resource_spans[0];
    let span = &rs.scope_spans[0].spans[0];
    assert_eq!(hex(&span.trace_id), trace_id.to_string());
    assert!(span.end_time_unix_nano >= span.start_time_unix_nano && span.start_time_unix_nano > 0);
    let service = ProtoKeyValue {
        key: "service.name".into(),
        value: Some(AnyValue { value: Some(any_value::Value::StringValue("otlp-file-test".into())) }),
        ..Default::default()
    };
    assert!(rs.resource.as_ref().unwrap().attributes.contains(&service));
    let again: Value = serde_json::from_slice(&reencode(&req)).unwrap();
    assert_eq!(again, lines[1]);
}

fn metrics_request(value: i64) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(ProtoResource::default()),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope { name: "sysotel".into(), ..Default::default() }),
                metrics: vec![Metric {
                    name: "sysotel.ringbuf.lost".into(),
                    unit: "{event}".into(),
                    data: Some(metric::Data::Gauge(Gauge {
                        data_points: vec![NumberDataPoint {
                            time_unix_nano: 1_700_000_000_000_000_000,
                            value: Some(number_data_point::Value::AsInt(value)),
                            ..Default::default()
                        }],
                    })),
                    ..Default::default()
                }],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

#[test]
fn metrics_round_trip_through_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.jsonl");
    let file = JsonLinesFile::open(&path).unwrap();
    write_metrics(&file, &metrics_request(5)).unwrap();
    write_metrics(&file, &ExportMetricsServiceRequest::default()).unwrap();
    write_metrics(&file, &metrics_request(-1)).unwrap();

    let lines = read_lines(&path);
    assert_eq!(lines.len(), 2, "the empty request writes nothing");
    lines.iter().for_each(assert_no_nulls);
    let point = &lines[0]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["gauge"]["dataPoints"][0];
    assert_eq!(point["asInt"], json!("5"));
    assert_eq!(point["timeUnixNano"], json!("1700000000000000000"));
    let back: Vec<ExportMetricsServiceRequest> =
        lines.into_iter().map(|l| serde_json::from_value(l).unwrap()).collect();
    assert_eq!(back, vec![metrics_request(5), metrics_request(-1)]);
}

#[test]
fn rotates_at_a_small_max_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.jsonl");
    let max = 2048;
    let file = JsonLinesFile::with_max_bytes(&path, max).unwrap();
    for i in 0..40_i64 {
        write_logs(&file, &logs_request(&format!("record {i}"))).unwrap();
    }

    assert!(file.rotations() > 0);
    assert_eq!(file.backup_path(), dir.path().join("logs.jsonl.1"));
    let current = read_lines(&path);
    let backup = read_lines(file.backup_path());
    assert!(fs::metadata(&path).unwrap().len() <= max);
    assert!(fs::metadata(file.backup_path()).unwrap().len() <= max);
    // The newest records survive, in order, and the backup precedes them.
    let body = |v: &Value| v["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["body"]["stringValue"].clone();
    let bodies: Vec<Value> = backup.iter().chain(&current).map(body).collect();
    let expected: Vec<Value> = (40 - bodies.len()..40).map(|i| json!(format!("record {i}"))).collect();
    assert_eq!(bodies, expected);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2, "one backup only");
    assert_eq!(DEFAULT_MAX_BYTES, 64 * 1024 * 1024);
}

#[test]
fn concurrent_writers_never_interleave_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.jsonl");
    let file = Arc::new(JsonLinesFile::open(&path).unwrap());
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let file = Arc::clone(&file);
            thread::spawn(move || (0..50).for_each(|i| write_metrics(&file, &metrics_request(t * 100 + i)).unwrap()))
        })
        .collect();
    workers.into_iter().for_each(|w| w.join().unwrap());
    let lines = read_lines(&path);
    assert_eq!(lines.len(), 200);
    for l in lines {
        serde_json::from_value::<ExportMetricsServiceRequest>(l).unwrap();
    }
}

#[test]
fn unwritable_paths_return_errors() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("plain-file");
    fs::write(&not_a_dir, b"x").unwrap();
    // Works as root too: a regular file cannot be a parent directory.
    let err = JsonLinesFile::open(not_a_dir.join("logs.jsonl")).unwrap_err();
    assert!(matches!(err, FileError::Open { .. }), "{err}");
    assert!(err.to_string().contains("plain-file"), "{err}");

    // A file that opens but cannot take writes: `write_logs` returns the
    // error, the log sink counts the lost records, and the file counts
    // every failed write.
    let Ok(full) = JsonLinesFile::open("/dev/full") else {
        eprintln!("skipping the write-failure half: no /dev/full");
        return;
    };
    let full = Arc::new(full);
    let err = write_logs(&full, &logs_request("lost")).unwrap_err();
    assert!(matches!(err, FileError::Write { .. }), "{err}");
    assert_eq!(full.errors(), 1);
    let (rt, mut sink, stats) = file_sink(&full, 1);
    for _ in 0..3 {
        sink.emit(log_event("lost"));
    }
    sink.shutdown().unwrap();
    drop(rt);
    let lost = (stats.failed_records.load(Ordering::Relaxed), stats.failed_batches.load(Ordering::Relaxed));
    assert_eq!(lost, (3, 3));
    assert_eq!(stats.exported_records.load(Ordering::Relaxed), 0);
    assert_eq!((full.errors(), full.lines_written(), full.rotations()), (4, 0, 0));
    let err = write_metrics(&full, &metrics_request(1)).unwrap_err();
    assert!(matches!(err, FileError::Write { .. }), "{err}");
    assert_eq!(full.errors(), 5);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The request encoded again the way the file writer does (nulls dropped).
fn reencode(req: &impl serde::Serialize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.jsonl");
    let file = JsonLinesFile::open(&path).unwrap();
    file.write_request(req).unwrap();
    fs::read(&path).unwrap()
}
