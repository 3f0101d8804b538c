//! `WireSender<EncodedLogs>`: logs already encoded as protobuf, sent to
//! in-process collectors, a tonic `LogsService` and a hyper HTTP/1 server,
//! over gRPC, `http/protobuf` and `http/json`, partial successes included.
//! The metrics sender's transport behaviour (retries, timeouts, TLS) is
//! tested in `otlp_wire.rs`; this checks what differs per signal.

mod common;

use common::{
    grpc::Scripted,
    http::{http_collector, reply},
};
use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};

use bytes::Bytes;
use opentelemetry_proto::tonic::{
    collector::{
        logs::v1::{
            ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
            logs_service_server::{LogsService, LogsServiceServer},
        },
        metrics::v1::ExportMetricsServiceRequest,
    },
    common::v1::{AnyValue, KeyValue, any_value},
    logs::v1::{LogRecord, ResourceLogs, ScopeLogs},
    resource::v1::Resource,
};
use prost::Message as _;
use sysotel::export::otlp_wire::{
    BuildError, EncodedLogs, RejectStatus, RetryPolicy, SendErrorKind, Signal, WireConfig, WireSender,
};
use tokio::net::TcpListener;
use tonic::{
    Code, Status,
    codec::CompressionEncoding,
    transport::{Server, server::TcpIncoming},
};

// ---------------------------------------------------------------- helpers

fn config(signal: Signal, pairs: &[(&str, &str)]) -> WireConfig {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
    WireConfig::resolve(signal, &|k| map.get(k).cloned()).expect("valid config")
}

fn sender(pairs: &[(&str, &str)]) -> WireSender<EncodedLogs> {
    WireSender::new(&config(Signal::Logs, pairs)).expect("sender builds")
}

/// One exec log record of one container, as the log sink encodes it.
fn logs(container: &str) -> ExportLogsServiceRequest {
    let attr = |k: &str, v: &str| KeyValue {
        key: k.into(),
        value: Some(AnyValue { value: Some(any_value::Value::StringValue(v.into())) }),
        ..Default::default()
    };
    let record = LogRecord {
        time_unix_nano: 2_000,
        observed_time_unix_nano: 3_000,
        severity_number: 9,
        severity_text: "INFO".into(),
        body: Some(AnyValue { value: Some(any_value::Value::StringValue("exec /usr/bin/true".into())) }),
        attributes: vec![attr("process.executable.path", "/usr/bin/true")],
        trace_id: vec![0xab; 16],
        span_id: vec![1, 2, 3, 4, 5, 6, 7, 8],
        ..Default::default()
    };
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource { attributes: vec![attr("container.id", container)], ..Default::default() }),
            scope_logs: vec![ScopeLogs { log_records: vec![record], ..Default::default() }],
            schema_url: String::new(),
        }],
    }
}

fn encoded(container: &str) -> EncodedLogs {
    EncodedLogs(Bytes::from(logs(container).encode_to_vec()))
}

fn partial(rejected: i64, message: &str) -> ExportLogsServiceResponse {
    ExportLogsServiceResponse {
        partial_success: Some(ExportLogsPartialSuccess {
            rejected_log_records: rejected,
            error_message: message.into(),
        }),
    }
}

// ---------------------------------------------------------------- gRPC collector

type GrpcLogsCollector = Scripted<ExportLogsServiceRequest, ExportLogsServiceResponse>;

#[tonic::async_trait]
impl LogsService for GrpcLogsCollector {
    async fn export(
        &self,
        request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, Status> {
        self.answer(request)
    }
}

/// Serves only `LogsService`: a request on another method path fails with
/// UNIMPLEMENTED.
async fn grpc_collector(
    script: Vec<Result<ExportLogsServiceResponse, Status>>,
) -> (SocketAddr, Arc<GrpcLogsCollector>) {
    let collector = Arc::new(GrpcLogsCollector::new(script));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = LogsServiceServer::from_arc(Arc::clone(&collector))
        .accept_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Gzip);
    let router = Server::builder().add_service(service);
    tokio::spawn(router.serve_with_incoming(TcpIncoming::from(listener)));
    (addr, collector)
}

// ---------------------------------------------------------------- gRPC

#[tokio::test]
async fn grpc_delivers_logs_with_headers_and_gzip() {
    let (addr, collector) = grpc_collector(vec![]).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "api-key=s3cret"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
    ]);
    let outcome = s.send(encoded("c1")).await.unwrap();
    assert!(!outcome.is_partial());
    assert_eq!((outcome.attempts, outcome.rejected, outcome.message), (1, 0, None));
    let received = collector.received.lock().unwrap();
    let (metadata, req) = &received[0];
    assert_eq!(req, &logs("c1"));
    assert_eq!(metadata["api-key"], "s3cret");
    assert_eq!(metadata["grpc-encoding"], "gzip");
    assert!(metadata["user-agent"].starts_with("sysotel/"), "{metadata:?}");
    assert!(metadata.contains_key("grpc-timeout"));
}

#[tokio::test]
async fn grpc_logs_partial_success_is_reported() {
    let (addr, _collector) = grpc_collector(vec![Ok(partial(2, "2 records too large"))]).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    let outcome = s.send(encoded("c1")).await.unwrap();
    assert!(outcome.is_partial());
    assert_eq!((outcome.rejected, outcome.message.as_deref()), (2, Some("2 records too large")));
}

#[tokio::test]
async fn grpc_logs_are_retried_with_the_same_bytes() {
    let script = vec![Err(Status::unavailable("warming up")), Ok(partial(0, "dropped an empty attribute"))];
    let (addr, collector) = grpc_collector(script).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)])
        .with_retry_policy(RetryPolicy { max_jitter: Duration::ZERO, ..RetryPolicy::default() });
    let outcome = s.send(encoded("c1")).await.unwrap();
    assert_eq!((outcome.attempts, outcome.rejected), (2, 0));
    assert!(!outcome.is_partial());
    assert_eq!(outcome.message.as_deref(), Some("dropped an empty attribute"));
    let received = collector.received.lock().unwrap();
    assert_eq!((received.len(), &received[1].1), (2, &logs("c1")));
}

#[tokio::test]
async fn grpc_metrics_and_logs_use_their_own_method() {
    // The logs-only collector does not know the metrics method.
    let (addr, collector) = grpc_collector(vec![]).await;
    let endpoint = format!("http://{addr}");
    let metrics =
        config(Signal::Metrics, &[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    let s: WireSender = WireSender::new(&metrics).unwrap();
    let err = s.send(ExportMetricsServiceRequest::default()).await.unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::Rejected(RejectStatus::Grpc(Code::Unimplemented)), "{err}");
    assert!(collector.received.lock().unwrap().is_empty());
}

// ---------------------------------------------------------------- HTTP

#[tokio::test]
async fn http_protobuf_sends_the_bytes_as_given() {
    let (addr, collector) =
        http_collector(vec![reply(200, partial(3, "3 records dropped").encode_to_vec())], None).await;
    let endpoint = format!("http://{addr}");
    let s =
        sender(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint), ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "api-key=s3cret")]);
    assert_eq!(s.endpoint(), format!("http://{addr}/v1/logs"));
    let req = encoded("c1");
    let outcome = s.send(req.clone()).await.unwrap();
    assert_eq!((outcome.rejected, outcome.message.as_deref()), (3, Some("3 records dropped")));
    let received = collector.received.lock().unwrap();
    let r = &received[0];
    assert_eq!(r.path, "/v1/logs");
    assert_eq!(r.headers["content-type"], "application/x-protobuf");
    assert_eq!(r.headers["api-key"], "s3cret");
    assert!(!r.headers.contains_key("content-encoding"));
    assert_eq!(r.body, req.0, "the encoded request, byte for byte");
}

#[tokio::test]
async fn http_protobuf_gzips_logs() {
    let (addr, collector) = http_collector(vec![], None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint), ("OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "gzip")]);
    assert_eq!(s.send(encoded("c2")).await.unwrap().rejected, 0);
    let received = collector.received.lock().unwrap();
    assert_eq!(received[0].headers["content-encoding"], "gzip");
    assert_eq!(ExportLogsServiceRequest::decode(&received[0].body[..]).unwrap(), logs("c2"));
}

#[tokio::test]
async fn http_json_sends_otlp_json_logs() {
    let answer = br#"{"partialSuccess":{"rejectedLogRecords":"5","errorMessage":"bad body"}}"#.to_vec();
    let (addr, collector) = http_collector(vec![reply(200, answer)], None).await;
    let endpoint = format!("http://{addr}/custom/logs");
    let s =
        sender(&[("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/json"), ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", &endpoint)]);
    let outcome = s.send(encoded("c3")).await.unwrap();
    assert_eq!((outcome.rejected, outcome.message.as_deref()), (5, Some("bad body")));
    let received = collector.received.lock().unwrap();
    let r = &received[0];
    assert_eq!(r.path, "/custom/logs");
    assert_eq!(r.headers["content-type"], "application/json");
    let json: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let record = &json["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
    assert_eq!(record["timeUnixNano"], "2000");
    assert_eq!(record["severityNumber"], 9);
    assert_eq!(record["body"]["stringValue"], "exec /usr/bin/true");
    assert_eq!(record["traceId"], "abababababababababababababababab");
    assert_eq!(record["spanId"], "0102030405060708");
    let back: ExportLogsServiceRequest = serde_json::from_value(json).unwrap();
    assert_eq!(back, logs("c3"));
}

#[tokio::test]
async fn http_json_refuses_bytes_that_are_no_logs_request() {
    let (addr, collector) = http_collector(vec![], None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"), ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    let err = s.send(EncodedLogs(Bytes::from_static(b"\xff\xff\xff"))).await.unwrap_err();
    assert_eq!((err.kind(), err.attempts(), err.reason()), (SendErrorKind::Encode, 0, "encode"));
    assert!(collector.received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn http_logs_errors_are_classified_as_for_metrics() {
    let (addr, collector) = http_collector(vec![reply(400, b"malformed".to_vec())], None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    let err = s.send(encoded("c1")).await.unwrap_err();
    assert_eq!((err.attempts(), err.reason()), (1, "http_400"));
    assert!(err.detail().contains("malformed"), "{err}");
    assert_eq!(collector.received.lock().unwrap().len(), 1);
}

// ---------------------------------------------------------------- building

#[tokio::test]
async fn logs_sender_needs_the_logs_configuration() {
    let metrics = config(Signal::Metrics, &[]);
    let wrong = WireSender::<EncodedLogs>::new(&metrics);
    assert!(matches!(wrong, Err(BuildError::WrongSignal(Signal::Metrics))));
    let logs = config(Signal::Logs, &[]);
    assert_eq!(WireSender::<EncodedLogs>::new(&logs).unwrap().endpoint(), "http://localhost:4318/v1/logs");
}
