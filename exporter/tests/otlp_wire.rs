//! `sysotel::export::otlp_wire` against in-process collectors: a tonic
//! `MetricsService` (plain, TLS, mutual TLS) and a hyper HTTP/1 server
//! (plain and TLS) that record what they receive and answer from a script.
//! Everything runs on 127.0.0.1 with short timeouts.

mod common;

use common::{
    grpc::Scripted,
    http::{Reply, http_collector, ok, status},
    pki::Pki,
};
use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use opentelemetry_proto::tonic::{
    collector::metrics::v1::{
        ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse,
        metrics_service_server::{MetricsService, MetricsServiceServer},
    },
    common::v1::{AnyValue, KeyValue, any_value},
    metrics::v1::{Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric, number_data_point},
    resource::v1::Resource,
};
use prost::Message as _;
use sysotel::export::otlp_wire::{
    BuildError, RejectStatus, RetryPolicy, SendErrorKind, Signal, WireConfig, WireSender,
};
use tokio::net::TcpListener;
use tonic::{
    Code, Status,
    codec::CompressionEncoding,
    transport::{Server, ServerTlsConfig, server::TcpIncoming},
};

// ---------------------------------------------------------------- helpers

fn config(pairs: &[(&str, &str)]) -> WireConfig {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
    WireConfig::resolve(Signal::Metrics, &|k| map.get(k).cloned()).expect("valid config")
}

fn sender(pairs: &[(&str, &str)]) -> WireSender {
    WireSender::new(&config(pairs)).expect("sender builds")
}

/// Retries as by default, minus the jitter and with short waits.
fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        initial_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(80),
        max_jitter: Duration::ZERO,
    }
}

/// One container's counter, as the metrics pipeline builds it.
fn request(container: &str) -> ExportMetricsServiceRequest {
    let attr = |k: &str, v: &str| KeyValue {
        key: k.into(),
        value: Some(AnyValue { value: Some(any_value::Value::StringValue(v.into())) }),
        ..Default::default()
    };
    let point = NumberDataPoint {
        attributes: vec![attr("sysotel.syscall.name", "openat")],
        start_time_unix_nano: 1_000,
        time_unix_nano: 2_000,
        value: Some(number_data_point::Value::AsInt(42)),
        ..Default::default()
    };
    let metric = Metric {
        name: "sysotel.syscalls".into(),
        unit: "{syscall}".into(),
        data: Some(metric::Data::Sum(Sum { data_points: vec![point], aggregation_temporality: 2, is_monotonic: true })),
        ..Default::default()
    };
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource { attributes: vec![attr("container.id", container)], ..Default::default() }),
            scope_metrics: vec![ScopeMetrics { metrics: vec![metric], ..Default::default() }],
            schema_url: String::new(),
        }],
    }
}

fn partial(rejected: i64, message: &str) -> ExportMetricsServiceResponse {
    ExportMetricsServiceResponse {
        partial_success: Some(ExportMetricsPartialSuccess {
            rejected_data_points: rejected,
            error_message: message.into(),
        }),
    }
}

/// A port nothing listens on (bound, then released).
async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// Accepts connections and never answers (holds them open).
async fn black_hole() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    addr
}

// ---------------------------------------------------------------- gRPC collector

type GrpcCollector = Scripted<ExportMetricsServiceRequest, ExportMetricsServiceResponse>;

#[tonic::async_trait]
impl MetricsService for GrpcCollector {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, Status> {
        self.answer(request)
    }
}

async fn grpc_collector(
    script: Vec<Result<ExportMetricsServiceResponse, Status>>,
    tls: Option<ServerTlsConfig>,
) -> (SocketAddr, Arc<GrpcCollector>) {
    let collector = Arc::new(GrpcCollector::new(script));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = MetricsServiceServer::from_arc(Arc::clone(&collector)).accept_compressed(CompressionEncoding::Gzip);
    let mut builder = Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls).unwrap();
    }
    let router = builder.add_service(service);
    tokio::spawn(router.serve_with_incoming(TcpIncoming::from(listener)));
    (addr, collector)
}

// ---------------------------------------------------------------- certificates

fn rustls_server(pki: &Pki) -> tokio_rustls::TlsAcceptor {
    use tokio_rustls::rustls::{
        ServerConfig,
        pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject as _},
    };
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let chain = CertificateDer::pem_slice_iter(pki.server_cert_pem.as_bytes()).map(Result::unwrap).collect();
    let key = PrivateKeyDer::from_pem_slice(pki.server_key_pem.as_bytes()).unwrap();
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

// ---------------------------------------------------------------- gRPC

#[tokio::test]
async fn grpc_delivers_with_headers_and_gzip() {
    let (addr, collector) = grpc_collector(vec![], None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cret,x-tenant=team%20a"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
    ]);
    let outcome = s.send(request("c1")).await.unwrap();
    assert_eq!((outcome.attempts, outcome.rejected, outcome.message), (1, 0, None));
    let received = collector.received.lock().unwrap();
    let (metadata, req) = &received[0];
    assert_eq!(req, &request("c1"));
    assert_eq!(metadata["api-key"], "s3cret");
    assert_eq!(metadata["x-tenant"], "team a");
    assert_eq!(metadata["grpc-encoding"], "gzip");
    assert!(metadata["user-agent"].starts_with("sysotel/"), "{metadata:?}");
    assert!(metadata.contains_key("grpc-timeout"));
}

#[tokio::test]
async fn grpc_gzip_is_really_compressed() {
    // A server that does not accept gzip refuses the compressed request.
    let collector = Arc::new(GrpcCollector::default());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Server::builder().add_service(MetricsServiceServer::from_arc(Arc::clone(&collector)));
    tokio::spawn(router.serve_with_incoming(TcpIncoming::from(listener)));
    let endpoint = format!("http://{addr}");
    let s = sender(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
    ]);
    let err = s.send(request("c1")).await.unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::Rejected(RejectStatus::Grpc(Code::Unimplemented)), "{err}");
    assert!(collector.received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn grpc_partial_success_is_reported() {
    let (addr, _collector) = grpc_collector(vec![Ok(partial(3, "3 points had bad bounds"))], None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    let outcome = s.send(request("c1")).await.unwrap();
    assert!(outcome.is_partial());
    assert_eq!(outcome.rejected, 3);
    assert_eq!(outcome.message.as_deref(), Some("3 points had bad bounds"));
}

#[tokio::test]
async fn grpc_retries_unavailable_then_succeeds() {
    let script = vec![Err(Status::unavailable("warming up")), Err(Status::aborted("again")), Ok(Default::default())];
    let (addr, collector) = grpc_collector(script, None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)])
        .with_retry_policy(fast_retries());
    assert_eq!(s.send(request("c1")).await.unwrap().attempts, 3);
    assert_eq!(collector.received.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn grpc_permanent_errors_are_not_retried() {
    let (addr, collector) = grpc_collector(vec![Err(Status::invalid_argument("bad metric"))], None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    let err = s.send(request("c1")).await.unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::Rejected(RejectStatus::Grpc(Code::InvalidArgument)));
    assert_eq!((err.attempts(), err.reason()), (1, "grpc_invalid_argument"));
    assert!(err.detail().contains("bad metric"), "{err}");
    assert_eq!(collector.received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn grpc_gives_up_after_repeated_unavailable() {
    let script = (0..10).map(|_| Err(Status::unavailable("down"))).collect();
    let (addr, collector) = grpc_collector(script, None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)])
        .with_retry_policy(fast_retries());
    let err = s.send(request("c1")).await.unwrap_err();
    assert_eq!((err.attempts(), err.reason()), (4, "grpc_unavailable"));
    assert_eq!(collector.received.lock().unwrap().len(), 4);
}

// ---------------------------------------------------------------- HTTP

#[tokio::test]
async fn http_protobuf_delivers_with_headers_and_gzip() {
    let (addr, collector) = http_collector(vec![], None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "api-key=s3cret,x-tenant=team%20a"),
        ("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "gzip"),
    ]);
    assert_eq!(s.endpoint(), format!("http://{addr}/v1/metrics"));
    let outcome = s.send(request("c1")).await.unwrap();
    assert_eq!((outcome.attempts, outcome.rejected), (1, 0));
    let received = collector.received.lock().unwrap();
    let r = &received[0];
    assert_eq!(r.path, "/v1/metrics");
    assert_eq!(r.headers["content-type"], "application/x-protobuf");
    assert_eq!(r.headers["content-encoding"], "gzip");
    assert_eq!(r.headers["api-key"], "s3cret");
    assert_eq!(r.headers["x-tenant"], "team a");
    assert!(r.headers["user-agent"].starts_with("sysotel/"));
    assert_eq!(ExportMetricsServiceRequest::decode(&r.body[..]).unwrap(), request("c1"));
}

#[tokio::test]
async fn http_json_delivers_otlp_json() {
    let body = br#"{"partialSuccess":{"rejectedDataPoints":"1","errorMessage":"dup"}}"#.to_vec();
    let (addr, collector) = http_collector(vec![Reply::Status { code: 200, retry_after: None, body }], None).await;
    let endpoint = format!("http://{addr}/custom/path");
    let s = sender(&[
        ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", &endpoint),
    ]);
    let outcome = s.send(request("c2")).await.unwrap();
    assert_eq!((outcome.rejected, outcome.message.as_deref()), (1, Some("dup")));
    let received = collector.received.lock().unwrap();
    let r = &received[0];
    assert_eq!(r.path, "/custom/path");
    assert_eq!(r.headers["content-type"], "application/json");
    assert!(!r.headers.contains_key("content-encoding"));
    let json: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let point = &json["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"][0];
    assert_eq!(point["asInt"], "42");
    assert_eq!(point["timeUnixNano"], "2000");
    let back: ExportMetricsServiceRequest = serde_json::from_value(json).unwrap();
    assert_eq!(back, request("c2"));
}

#[tokio::test]
async fn http_retries_after_503_then_succeeds() {
    let (addr, collector) = http_collector(vec![status(503), ok()], None).await;
    let endpoint = format!("http://{addr}");
    // The default policy: 100..200 ms before the retry.
    let s = sender(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    let outcome = s.send(request("c1")).await.unwrap();
    assert_eq!(outcome.attempts, 2);
    let received = collector.received.lock().unwrap();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].body, received[1].body);
}

#[tokio::test]
async fn http_honours_retry_after() {
    let throttled = Reply::Status { code: 429, retry_after: Some("1"), body: Vec::new() };
    let (addr, _collector) = http_collector(vec![throttled, ok()], None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]).with_retry_policy(fast_retries());
    let start = Instant::now();
    assert_eq!(s.send(request("c1")).await.unwrap().attempts, 2);
    assert!(start.elapsed() >= Duration::from_secs(1), "{:?}", start.elapsed());
}

#[tokio::test]
async fn http_gives_up_after_repeated_503() {
    let body = b"collector overloaded".to_vec();
    let script = (0..10).map(|_| Reply::Status { code: 503, retry_after: None, body: body.clone() }).collect();
    let (addr, collector) = http_collector(script, None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]).with_retry_policy(fast_retries());
    let err = s.send(request("c1")).await.unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::Rejected(RejectStatus::Http(503)));
    assert_eq!((err.attempts(), err.reason()), (4, "http_503"));
    assert!(err.detail().contains("collector overloaded"), "{err}");
    assert_eq!(collector.received.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn http_client_errors_are_not_retried() {
    let (addr, collector) = http_collector(vec![status(400)], None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    let err = s.send(request("c1")).await.unwrap_err();
    assert_eq!((err.attempts(), err.reason()), (1, "http_400"));
    assert_eq!(collector.received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn http_retry_stops_at_the_timeout() {
    // Retry-After beyond the export timeout: give up at once, do not wait.
    let throttled = Reply::Status { code: 503, retry_after: Some("30"), body: Vec::new() };
    let (addr, collector) = http_collector(vec![throttled], None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint), ("OTEL_EXPORTER_OTLP_TIMEOUT", "2000")]);
    let start = Instant::now();
    let err = s.send(request("c1")).await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!((err.attempts(), err.reason()), (1, "http_503"));
    assert_eq!(collector.received.lock().unwrap().len(), 1);
}

// ---------------------------------------------------------------- timeouts and unreachable collectors

#[tokio::test]
async fn timeout_when_the_http_server_never_answers() {
    let (addr, collector) = http_collector(vec![Reply::Hang], None).await;
    let endpoint = format!("http://{addr}");
    let s = sender(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint), ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "300")]);
    let start = Instant::now();
    let err = s.send(request("c1")).await.unwrap_err();
    assert_eq!((err.kind(), err.reason()), (SendErrorKind::Timeout, "timeout"));
    assert!(start.elapsed() < Duration::from_millis(1500), "{:?}", start.elapsed());
    assert_eq!(collector.received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn timeout_when_nothing_answers_on_the_socket() {
    let addr = black_hole().await;
    let endpoint = format!("http://{addr}");
    for protocol in ["grpc", "http/protobuf"] {
        let s = sender(&[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", &endpoint),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "300"),
        ]);
        let start = Instant::now();
        let err = s.send(request("c1")).await.unwrap_err();
        assert_eq!(err.kind(), SendErrorKind::Timeout, "{protocol}: {err}");
        assert!(start.elapsed() < Duration::from_millis(1500), "{protocol}: {:?}", start.elapsed());
    }
}

#[tokio::test]
async fn unreachable_port_fails_quickly() {
    let addr = closed_port().await;
    let endpoint = format!("http://{addr}");
    for protocol in ["grpc", "http/protobuf", "http/json"] {
        // The default retry policy: 4 attempts, well under a second of backoff.
        let s = sender(&[("OTEL_EXPORTER_OTLP_PROTOCOL", protocol), ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
        let start = Instant::now();
        let err = s.send(request("c1")).await.unwrap_err();
        assert_eq!((err.kind(), err.reason(), err.attempts()), (SendErrorKind::Unreachable, "unreachable", 4), "{err}");
        assert!(start.elapsed() < Duration::from_secs(2), "{protocol}: {:?}", start.elapsed());
    }
}

// ---------------------------------------------------------------- TLS

#[tokio::test]
async fn grpc_tls_with_the_ca_from_the_environment() {
    let pki = Pki::new();
    let (addr, collector) = grpc_collector(vec![], Some(pki.tonic_server(false))).await;
    let endpoint = format!("https://{addr}");
    let s = sender(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", path(&pki.ca)),
    ]);
    s.send(request("tls")).await.unwrap();
    assert_eq!(collector.received.lock().unwrap()[0].1, request("tls"));

    // Without the CA the system roots do not know the server.
    let s = sender(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)])
        .with_retry_policy(RetryPolicy::disabled());
    let err = s.send(request("tls")).await.unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::Unreachable, "{err}");
    assert_eq!(collector.received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn grpc_mutual_tls() {
    let pki = Pki::new();
    let (addr, collector) = grpc_collector(vec![], Some(pki.tonic_server(true))).await;
    let endpoint = format!("https://{addr}");
    let s = sender(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", path(&pki.ca)),
        ("OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE", path(&pki.client_cert)),
        ("OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY", path(&pki.client_key)),
    ]);
    s.send(request("mtls")).await.unwrap();
    assert_eq!(collector.received.lock().unwrap().len(), 1);

    // The server insists on a client certificate.
    let s = sender(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", path(&pki.ca)),
    ])
    .with_retry_policy(RetryPolicy::disabled());
    assert!(s.send(request("mtls")).await.is_err());
    assert_eq!(collector.received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn http_tls_with_the_ca_from_the_environment() {
    let pki = Pki::new();
    let (addr, collector) = http_collector(vec![], Some(rustls_server(&pki))).await;
    let endpoint = format!("https://{addr}");
    let s = sender(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", path(&pki.ca)),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
    ]);
    s.send(request("tls")).await.unwrap();
    let body = collector.received.lock().unwrap()[0].body.clone();
    assert_eq!(ExportMetricsServiceRequest::decode(&body[..]).unwrap(), request("tls"));

    let s = sender(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]).with_retry_policy(RetryPolicy::disabled());
    let err = s.send(request("tls")).await.unwrap_err();
    assert_eq!(err.kind(), SendErrorKind::Unreachable, "{err}");
    assert_eq!(collector.received.lock().unwrap().len(), 1);
}

// ---------------------------------------------------------------- building

#[test]
fn building_needs_a_runtime() {
    assert!(matches!(WireSender::<ExportMetricsServiceRequest>::new(&config(&[])), Err(BuildError::NoRuntime)));
}

#[tokio::test]
async fn building_checks_signal_and_files() {
    let logs = WireConfig::resolve(Signal::Logs, &|_| None).unwrap();
    let wrong = WireSender::<ExportMetricsServiceRequest>::new(&logs);
    assert!(matches!(wrong, Err(BuildError::WrongSignal(Signal::Logs))));
    let missing = config(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem"),
    ]);
    let err = WireSender::<ExportMetricsServiceRequest>::new(&missing).err().expect("missing CA file is an error");
    assert!(err.to_string().contains("OTEL_EXPORTER_OTLP_CERTIFICATE"), "{err}");
}
