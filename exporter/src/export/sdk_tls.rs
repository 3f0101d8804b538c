//! TLS for the SDK's OTLP span exporter.
//!
//! opentelemetry-otlp 0.33 ignores `OTEL_EXPORTER_OTLP_[SIGNAL_]CERTIFICATE`,
//! `_CLIENT_CERTIFICATE` and `_CLIENT_KEY`. This module resolves them with
//! [`WireConfig::resolve`] (the signal's variable first, then the generic
//! one), reads the PEM files when the transport is built, and hands the SDK
//! either a tonic [`ClientTlsConfig`] ([`tonic_tls`]) or an [`HttpClient`]
//! over hyper-rustls ([`http_client`]). Both use the ring provider.
//!
//! As for the metrics sender, TLS applies to `https` endpoints only: a CA
//! file replaces the system roots; without one the system roots are used
//! (opentelemetry-otlp's own default for `https` has no roots at all).
//!
//! Only the variables that decide TLS are read here (endpoint, insecure,
//! timeout and the files); headers and compression stay with the SDK, and
//! an unusable insecure or timeout value is ignored as the SDK does.
//!
//! # Runtime
//! The SDK's batch processors export from their own thread through a
//! futures executor, outside any Tokio context. [`TlsHttpClient`] therefore
//! runs each request as a task on the Tokio runtime that was current when it
//! was built, or on a one-worker runtime of its own when there was none.

use std::{fmt, sync::Arc, time::Duration};

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{SpanExporter, WithExportConfig as _, WithHttpConfig, WithTonicConfig};
use thiserror::Error;
use tokio::{
    runtime::{Handle, Runtime},
    task::JoinHandle,
};
use tonic::transport::ClientTlsConfig;

use super::otlp_wire::{BuildError, ConfigError, Protocol, Signal, TlsFiles, WireConfig};

/// Responses beyond this are refused (the SDK's own clients use 4 MiB too).
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// The TLS settings or the exporter cannot be built.
#[derive(Debug, Error)]
pub enum SdkTlsError {
    /// An endpoint or TLS variable is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A TLS file cannot be read or holds no usable PEM.
    #[error(transparent)]
    Files(#[from] BuildError),
    /// The HTTP client's own runtime cannot be started.
    #[error("cannot start the OTLP HTTP client runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// opentelemetry-otlp refused the configuration.
    #[error("cannot build the OTLP {protocol} exporter: {source}")]
    Exporter {
        protocol: &'static str,
        #[source]
        source: opentelemetry_otlp::ExporterBuildError,
    },
}

/// A variable lookup: `std::env::var(..).ok()` in production, a map in tests.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn process_env(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

/// tonic TLS settings for `signal` over gRPC, from the process environment.
///
/// # Errors
/// As [`tonic_tls_with`].
pub fn tonic_tls(signal: Signal) -> Result<Option<ClientTlsConfig>, SdkTlsError> {
    tonic_tls_with(signal, &process_env)
}

/// tonic TLS settings for `signal` over gRPC: `None` for a plain `http`
/// endpoint, else the CA file (or the system roots) and the client identity.
/// tonic takes the server name from the endpoint.
///
/// # Errors
/// [`SdkTlsError::Config`] for an unusable endpoint or an incomplete client
/// identity, [`SdkTlsError::Files`] for an unreadable or bad PEM file.
pub fn tonic_tls_with(signal: Signal, lookup: Lookup<'_>) -> Result<Option<ClientTlsConfig>, SdkTlsError> {
    let settings = Settings::resolve(signal, Protocol::Grpc, lookup)?;
    Ok(settings.tls.as_ref().map(TlsFiles::load_tonic).transpose()?)
}

/// An OTLP/HTTP client for `signal`, from the process environment.
///
/// # Errors
/// As [`http_client_with`].
pub fn http_client(signal: Signal) -> Result<Option<TlsHttpClient>, SdkTlsError> {
    http_client_with(signal, &process_env)
}

/// An OTLP/HTTP client for `signal`: `None` for a plain `http` endpoint,
/// else a [`TlsHttpClient`] trusting the CA file (or the system roots) and
/// presenting the client identity, bounded by the export timeout.
///
/// # Errors
/// As [`tonic_tls_with`], plus [`SdkTlsError::Runtime`].
pub fn http_client_with(signal: Signal, lookup: Lookup<'_>) -> Result<Option<TlsHttpClient>, SdkTlsError> {
    let settings = Settings::resolve(signal, Protocol::HttpProtobuf, lookup)?;
    match &settings.tls {
        None => Ok(None),
        Some(tls) => TlsHttpClient::new(tls, settings.timeout).map(Some),
    }
}

/// The SDK span exporter for `protocol`, TLS applied, from the process
/// environment.
///
/// # Errors
/// As [`span_exporter_with`].
pub fn span_exporter(protocol: Protocol) -> Result<SpanExporter, SdkTlsError> {
    span_exporter_with(protocol, &process_env)
}

/// The SDK span exporter for `protocol`. The endpoint and TLS come from
/// `lookup`; headers, compression and the gRPC timeout from the process
/// environment (read by the SDK). gRPC must be built inside a Tokio runtime.
///
/// # Errors
/// As [`http_client_with`], plus [`SdkTlsError::Exporter`].
pub fn span_exporter_with(protocol: Protocol, lookup: Lookup<'_>) -> Result<SpanExporter, SdkTlsError> {
    let s = Settings::resolve(Signal::Traces, protocol, lookup)?;
    let built = match sdk_protocol(protocol) {
        None => s.tonic(SpanExporter::builder().with_tonic())?.build(),
        Some(p) => s.http(SpanExporter::builder().with_http().with_protocol(p))?.build(),
    };
    built.map_err(|source| SdkTlsError::Exporter { protocol: protocol.as_str(), source })
}

/// The SDK's HTTP protocol; `None` for gRPC.
fn sdk_protocol(protocol: Protocol) -> Option<opentelemetry_otlp::Protocol> {
    match protocol {
        Protocol::Grpc => None,
        Protocol::HttpProtobuf => Some(opentelemetry_otlp::Protocol::HttpBinary),
        Protocol::HttpJson => Some(opentelemetry_otlp::Protocol::HttpJson),
    }
}

/// What the exporters need from the variables.
struct Settings {
    endpoint: String,
    timeout: Duration,
    /// The TLS files; `None` for a plain `http` endpoint.
    tls: Option<TlsFiles>,
}

impl Settings {
    fn resolve(signal: Signal, protocol: Protocol, lookup: Lookup<'_>) -> Result<Settings, SdkTlsError> {
        let config = WireConfig::resolve(signal, &|var| tls_var(var, signal, protocol, lookup))?;
        let tls = config.is_tls().then_some(config.tls);
        Ok(Settings { endpoint: config.endpoint, timeout: config.timeout, tls })
    }

    fn tonic<B: WithTonicConfig + opentelemetry_otlp::WithExportConfig>(&self, builder: B) -> Result<B, SdkTlsError> {
        let builder = builder.with_endpoint(self.endpoint.clone());
        Ok(match &self.tls {
            Some(tls) => builder.with_tls_config(tls.load_tonic()?),
            None => builder,
        })
    }

    fn http<B: WithHttpConfig + opentelemetry_otlp::WithExportConfig>(&self, builder: B) -> Result<B, SdkTlsError> {
        let builder = builder.with_endpoint(self.endpoint.clone());
        Ok(match &self.tls {
            Some(tls) => builder.with_http_client(TlsHttpClient::new(tls, self.timeout)?),
            None => builder,
        })
    }
}

/// The view of `lookup` given to [`WireConfig::resolve`]: the protocol is
/// the one asked for, only endpoint, insecure, timeout and the TLS files
/// pass, and insecure/timeout only when usable (the SDK ignores bad ones).
fn tls_var(var: &str, signal: Signal, protocol: Protocol, lookup: Lookup<'_>) -> Option<String> {
    let rest = var.strip_prefix("OTEL_EXPORTER_OTLP_")?;
    let suffix = rest.strip_prefix(signal.env_name()).and_then(|s| s.strip_prefix('_')).unwrap_or(rest);
    match suffix {
        "PROTOCOL" => Some(protocol.as_str().to_string()),
        "ENDPOINT" | "CERTIFICATE" | "CLIENT_CERTIFICATE" | "CLIENT_KEY" => lookup(var),
        "INSECURE" => lookup(var).filter(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "false")),
        "TIMEOUT" => lookup(var).filter(|v| v.trim().parse::<u64>().is_ok_and(|ms| ms > 0)),
        _ => None,
    }
}

/// An [`HttpClient`] over hyper-util's pooled client and hyper-rustls
/// (ring), usable from any thread: requests run on a Tokio runtime.
#[derive(Clone)]
pub struct TlsHttpClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    runtime: RuntimeRef,
}

/// The runtime requests run on: borrowed, or owned and shared by clones.
#[derive(Clone)]
struct RuntimeRef {
    handle: Handle,
    _owned: Option<Arc<OwnedRuntime>>,
}

/// A runtime that may be dropped anywhere, including inside another one.
struct OwnedRuntime(Option<Runtime>);

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl RuntimeRef {
    fn current_or_own() -> Result<RuntimeRef, SdkTlsError> {
        if let Ok(handle) = Handle::try_current() {
            return Ok(RuntimeRef { handle, _owned: None });
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("sysotel-otlp-http")
            .enable_all()
            .build()
            .map_err(SdkTlsError::Runtime)?;
        Ok(RuntimeRef { handle: rt.handle().clone(), _owned: Some(Arc::new(OwnedRuntime(Some(rt)))) })
    }
}

impl TlsHttpClient {
    fn new(tls: &TlsFiles, timeout: Duration) -> Result<TlsHttpClient, SdkTlsError> {
        let mut connector = HttpConnector::new();
        connector.enforce_http(false);
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(timeout));
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls.load_rustls()?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(TlsHttpClient { client, timeout, runtime: RuntimeRef::current_or_own()? })
    }
}

impl fmt::Debug for TlsHttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsHttpClient")
            .field("timeout", &self.timeout)
            .field("own_runtime", &self.runtime._owned.is_some())
            .finish_non_exhaustive()
    }
}

/// Aborts the request task when the export future is dropped.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[async_trait]
impl HttpClient for TlsHttpClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let (client, timeout) = (self.client.clone(), self.timeout);
        let task = self.runtime.handle.spawn(async move {
            match tokio::time::timeout(timeout, send(&client, request)).await {
                Ok(result) => result,
                Err(_) => Err(format!("OTLP/HTTP request timed out after {timeout:?}").into()),
            }
        });
        let mut task = AbortOnDrop(task);
        match (&mut task.0).await {
            Ok(result) => result,
            Err(e) => Err(format!("OTLP/HTTP request task failed: {e}").into()),
        }
    }
}

/// One request; the response body is read whole, up to [`MAX_RESPONSE_BYTES`].
async fn send(
    client: &Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    request: Request<Bytes>,
) -> Result<Response<Bytes>, HttpError> {
    let (parts, body) = request.into_parts();
    let response = client.request(Request::from_parts(parts, Full::new(body))).await?;
    let (parts, body) = response.into_parts();
    let body = Limited::new(body, MAX_RESPONSE_BYTES).collect().await?.to_bytes();
    Ok(Response::from_parts(parts, body))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(protocol: Protocol, pairs: &[(&str, &str)]) -> Result<Settings, SdkTlsError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
        Settings::resolve(Signal::Logs, protocol, &|k| map.get(k).cloned())
    }

    #[test]
    fn only_tls_relevant_variables_count() {
        // Headers, compression and a bad protocol, insecure or timeout are the SDK's business.
        let s = settings(
            Protocol::HttpJson,
            &[
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "bogus"),
                ("OTEL_EXPORTER_OTLP_HEADERS", "not a header"),
                ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
                ("OTEL_EXPORTER_OTLP_LOGS_INSECURE", "yes"),
                ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "soon"),
                ("OTEL_EXPORTER_OTLP_TIMEOUT", "1500"),
            ],
        )
        .unwrap();
        assert_eq!(s.endpoint, "http://localhost:4318/v1/logs");
        assert_eq!(s.timeout, Duration::from_millis(1500));
        assert!(s.tls.is_none());
        let s = settings(Protocol::Grpc, &[]).unwrap();
        assert_eq!(s.endpoint, "http://localhost:4317");
    }

    #[test]
    fn tls_follows_the_endpoint_scheme() {
        let s = settings(Protocol::Grpc, &[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317")]).unwrap();
        assert_eq!(s.endpoint, "https://collector:4317");
        assert!(s.tls.is_some());
        // Files only apply to https, so an http endpoint does not even read them.
        let s = settings(
            Protocol::HttpProtobuf,
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent")],
        )
        .unwrap();
        assert!(s.tls.is_none());
        // Files are read when a transport is built.
        let s = settings(
            Protocol::HttpProtobuf,
            &[
                ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "https://c:4318/v1/logs"),
                ("OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE", "/nonexistent/ca.pem"),
            ],
        )
        .unwrap();
        let e = s.http(SpanExporter::builder().with_http()).err().unwrap();
        assert!(e.to_string().contains("OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE"), "{e}");
        let e = s.tonic(SpanExporter::builder().with_tonic()).err().unwrap();
        assert!(matches!(e, SdkTlsError::Files(BuildError::ReadFile { .. })), "{e}");
        let e = settings(Protocol::Grpc, &[("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/k.pem")]).err().unwrap();
        assert!(matches!(e, SdkTlsError::Config(ConfigError::IncompleteIdentity { .. })), "{e}");
    }
}
