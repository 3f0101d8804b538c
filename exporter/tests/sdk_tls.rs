//! `sysotel::export::sdk_tls` end to end: SDK span exporters built with the
//! TLS variables (`OTEL_EXPORTER_OTLP_TRACES_*`, else the generic ones), an
//! `SdkTracerProvider` whose batch processor exports from its own thread,
//! and in-process collectors on 127.0.0.1 (a tonic `TraceService` and a
//! hyper HTTP/1 server taking `/v1/traces`, both with TLS, optionally
//! requiring a client certificate). Log records no longer go through the
//! SDK (see `wire_logs`), so spans are the SDK exporter these TLS settings
//! serve. Variables come from a map; the process environment is not touched.

mod common;

use common::pki::Pki;
use std::{
    collections::HashMap,
    net::SocketAddr,
    path::Path,
    sync::{Arc, Mutex},
};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::{Request, Response, body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use opentelemetry::trace::{Tracer as _, TracerProvider as _};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
    trace_service_server::{TraceService, TraceServiceServer},
};
use opentelemetry_sdk::trace::SdkTracerProvider;
use prost::Message as _;
use sysotel::{
    config::Protocol,
    export::{
        otlp_wire::Signal,
        sdk_tls::{SdkTlsError, http_client_with, span_exporter_with, tonic_tls_with},
    },
};
use tokio::net::TcpListener;
use tonic::{
    Status,
    transport::{Server, ServerTlsConfig, server::TcpIncoming},
};

// ---------------------------------------------------------------- certificates

fn rustls_server(pki: &Pki, require_client_cert: bool) -> tokio_rustls::TlsAcceptor {
    use tokio_rustls::rustls::{
        RootCertStore, ServerConfig,
        pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject as _},
        server::WebPkiClientVerifier,
    };
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let chain = CertificateDer::pem_slice_iter(pki.server_cert_pem.as_bytes()).map(Result::unwrap).collect();
    let key = PrivateKeyDer::from_pem_slice(pki.server_key_pem.as_bytes()).unwrap();
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider)).with_safe_default_protocol_versions();
    let builder = builder.unwrap();
    let config = if require_client_cert {
        let mut roots = RootCertStore::empty();
        roots.add(CertificateDer::from_pem_slice(pki.ca_pem.as_bytes()).unwrap()).unwrap();
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().unwrap();
        builder.with_client_cert_verifier(verifier).with_single_cert(chain, key).unwrap()
    } else {
        builder.with_no_client_auth().with_single_cert(chain, key).unwrap()
    };
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

fn path(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// Variables as `(name, value)` pairs, looked up without the process environment.
struct Vars(HashMap<String, String>);

impl Vars {
    fn new(pairs: &[(&str, String)]) -> Vars {
        Vars(pairs.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect())
    }

    fn get(&self, k: &str) -> Option<String> {
        self.0.get(k).cloned()
    }
}

// ---------------------------------------------------------------- collectors

/// The received requests, with the HTTP path (`"grpc"` for gRPC).
#[derive(Default)]
struct Received {
    requests: Mutex<Vec<(String, ExportTraceServiceRequest)>>,
}

impl Received {
    /// Names of the received spans.
    fn names(&self) -> Vec<String> {
        let requests = self.requests.lock().unwrap();
        let scopes = requests.iter().flat_map(|(_, r)| &r.resource_spans).flat_map(|r| &r.scope_spans);
        scopes.flat_map(|s| &s.spans).map(|s| s.name.clone()).collect()
    }

    fn paths(&self) -> Vec<String> {
        self.requests.lock().unwrap().iter().map(|(p, _)| p.clone()).collect()
    }
}

#[tonic::async_trait]
impl TraceService for Received {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, Status> {
        self.requests.lock().unwrap().push(("grpc".into(), request.into_inner()));
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

async fn grpc_collector(tls: ServerTlsConfig) -> (SocketAddr, Arc<Received>) {
    let received = Arc::new(Received::default());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router =
        Server::builder().tls_config(tls).unwrap().add_service(TraceServiceServer::from_arc(Arc::clone(&received)));
    tokio::spawn(router.serve_with_incoming(TcpIncoming::from(listener)));
    (addr, received)
}

/// OTLP/HTTP (binary protobuf) over TLS.
async fn http_collector(tls: tokio_rustls::TlsAcceptor) -> (SocketAddr, Arc<Received>) {
    let received = Arc::new(Received::default());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shared = Arc::clone(&received);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (received, tls) = (Arc::clone(&shared), tls.clone());
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<Incoming>| {
                    let received = Arc::clone(&received);
                    async move {
                        let path = req.uri().path().to_string();
                        let body = req.into_body().collect().await.map(|c| c.to_bytes()).unwrap_or_default();
                        let decoded = ExportTraceServiceRequest::decode(body).unwrap_or_default();
                        received.requests.lock().unwrap().push((path, decoded));
                        let answer = ExportTraceServiceResponse::default().encode_to_vec();
                        Response::builder()
                            .header("content-type", "application/x-protobuf")
                            .body(Full::new(Bytes::from(answer)))
                    }
                });
                if let Ok(stream) = tls.accept(socket).await {
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                }
            });
        }
    });
    (addr, received)
}

// ---------------------------------------------------------------- SDK side

/// Builds the span exporter from `vars`, ends one span called `name`
/// (handed to a batch processor) and flushes. Blocking: run it off the
/// Tokio workers. `Err` when the exporter cannot be built; else whether the
/// flush succeeded (the batch processor reports the export's outcome).
fn emit(protocol: Protocol, vars: &Vars, name: &'static str) -> Result<bool, SdkTlsError> {
    let exporter = span_exporter_with(protocol, &|k| vars.get(k))?;
    let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).build();
    provider.tracer("sdk_tls_test").in_span(name, |_| {});
    let flushed = provider.force_flush();
    let _ = provider.shutdown();
    Ok(flushed.is_ok())
}

async fn emit_off_runtime(protocol: Protocol, vars: Vars, name: &'static str) -> Result<bool, SdkTlsError> {
    tokio::task::spawn_blocking(move || emit(protocol, &vars, name)).await.unwrap()
}

// ---------------------------------------------------------------- gRPC

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_trusts_the_ca_from_the_variables() {
    let pki = Pki::new();
    let (addr, received) = grpc_collector(pki.tonic_server(false)).await;
    let endpoint = format!("https://localhost:{}", addr.port());
    let vars = Vars::new(&[
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint.clone()),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", path(&pki.ca)),
    ]);
    assert!(emit_off_runtime(Protocol::Grpc, vars, "grpc-ca").await.unwrap());
    assert_eq!(received.names(), ["grpc-ca"]);

    // Without the CA the server is not trusted (system roots), nothing arrives.
    let vars = Vars::new(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint)]);
    let outcome = emit_off_runtime(Protocol::Grpc, vars, "grpc-no-ca").await;
    assert!(!matches!(outcome, Ok(true)), "{outcome:?}");
    assert_eq!(received.names(), ["grpc-ca"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_presents_the_client_certificate() {
    let pki = Pki::new();
    let (addr, received) = grpc_collector(pki.tonic_server(true)).await;
    let endpoint = format!("https://{addr}");
    let vars = Vars::new(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.clone()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf".into()), // the caller's protocol wins
        ("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", path(&pki.ca)),
        ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", path(&pki.client_cert)),
        ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", path(&pki.client_key)),
    ]);
    assert!(emit_off_runtime(Protocol::Grpc, vars, "grpc-mtls").await.unwrap());
    assert_eq!(received.names(), ["grpc-mtls"]);

    // The CA alone: the server refuses the handshake.
    let vars =
        Vars::new(&[("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint), ("OTEL_EXPORTER_OTLP_CERTIFICATE", path(&pki.ca))]);
    assert!(!emit_off_runtime(Protocol::Grpc, vars, "grpc-no-identity").await.unwrap());
    assert_eq!(received.names(), ["grpc-mtls"]);
}

// ---------------------------------------------------------------- HTTP

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_trusts_the_ca_from_the_variables() {
    let pki = Pki::new();
    let (addr, received) = http_collector(rustls_server(&pki, false)).await;
    let endpoint = format!("https://{addr}");
    let vars = Vars::new(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.clone()),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", path(&pki.ca)),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "3000".into()),
    ]);
    assert!(emit_off_runtime(Protocol::HttpProtobuf, vars, "http-ca").await.unwrap());
    assert_eq!(received.names(), ["http-ca"]);
    assert_eq!(received.paths(), ["/v1/traces"]);

    let vars = Vars::new(&[("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint), ("OTEL_EXPORTER_OTLP_TIMEOUT", "3000".into())]);
    assert!(!emit_off_runtime(Protocol::HttpProtobuf, vars, "http-no-ca").await.unwrap());
    assert_eq!(received.names(), ["http-ca"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_presents_the_client_certificate() {
    let pki = Pki::new();
    let (addr, received) = http_collector(rustls_server(&pki, true)).await;
    let endpoint = format!("https://localhost:{}/custom/traces", addr.port());
    let vars = Vars::new(&[
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint.clone()),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", path(&pki.ca)),
        ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", path(&pki.client_cert)),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", path(&pki.client_key)),
    ]);
    assert!(emit_off_runtime(Protocol::HttpProtobuf, vars, "http-mtls").await.unwrap());
    assert_eq!(received.names(), ["http-mtls"]);
    assert_eq!(received.paths(), ["/custom/traces"]);

    let vars = Vars::new(&[
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", path(&pki.ca)),
    ]);
    assert!(!emit_off_runtime(Protocol::HttpProtobuf, vars, "http-no-identity").await.unwrap());
    assert_eq!(received.names(), ["http-mtls"]);
}

/// Built with no Tokio runtime anywhere in sight: the client starts its own.
#[test]
fn http_client_works_without_a_runtime() {
    let server_rt = tokio::runtime::Runtime::new().unwrap();
    let pki = Pki::new();
    let (addr, received) = server_rt.block_on(http_collector(rustls_server(&pki, false)));
    let vars = Vars::new(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("https://{addr}")),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", path(&pki.ca)),
    ]);
    assert!(tokio::runtime::Handle::try_current().is_err());
    assert!(emit(Protocol::HttpProtobuf, &vars, "no-runtime").unwrap());
    assert_eq!(received.names(), ["no-runtime"]);
}

// ---------------------------------------------------------------- building

#[tokio::test]
async fn plain_http_endpoints_get_no_tls() {
    let vars = Vars::new(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317".into())]);
    let lookup = |k: &str| vars.get(k);
    assert!(tonic_tls_with(Signal::Traces, &lookup).unwrap().is_none());
    assert!(http_client_with(Signal::Traces, &lookup).unwrap().is_none());
    // Nothing set: the default endpoint is plain `http` too.
    assert!(tonic_tls_with(Signal::Traces, &|_| None).unwrap().is_none());
    assert!(http_client_with(Signal::Traces, &|_| None).unwrap().is_none());
    // The exporter still builds (with the SDK's own transport).
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson] {
        span_exporter_with(protocol, &lookup).unwrap();
    }
}

#[tokio::test]
async fn tls_settings_and_file_errors() {
    let pki = Pki::new();
    let vars = Vars::new(&[
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://collector:4318/v1/traces".into()),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", path(&pki.ca)),
        ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", path(&pki.client_cert)),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", path(&pki.client_key)),
        // Another signal's files are not the span exporter's business.
        ("OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY", "/nonexistent/logs.key".into()),
    ]);
    let lookup = |k: &str| vars.get(k);
    assert!(tonic_tls_with(Signal::Traces, &lookup).unwrap().is_some());
    assert!(http_client_with(Signal::Traces, &lookup).unwrap().is_some());
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson] {
        span_exporter_with(protocol, &lookup).unwrap();
    }

    // An unreadable key file fails the build, naming the variable that set it.
    let vars = Vars::new(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4317".into()),
        ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", path(&pki.client_cert)),
        ("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/nonexistent/client.key".into()),
    ]);
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson] {
        let err = span_exporter_with(protocol, &|k| vars.get(k)).unwrap_err();
        assert!(matches!(err, SdkTlsError::Files(_)), "{protocol:?}: {err}");
        assert!(err.to_string().contains("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY"), "{protocol:?}: {err}");
    }
}
