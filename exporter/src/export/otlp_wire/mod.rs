//! OTLP on the wire, without the OpenTelemetry SDK.
//!
//! Kernel-aggregated syscall histograms cannot go through the SDK's metric
//! API (its data types cannot be constructed and it has no observable
//! histogram), so the metrics pipeline builds
//! `ExportMetricsServiceRequest`s itself, one `ResourceMetrics` per
//! container, and hands them to a [`WireSender`]. Logs can take the same
//! road: an `ExportLogsServiceRequest` encoded as protobuf by its producer
//! is an [`EncodedLogs`], sent by a `WireSender<EncodedLogs>`.
//!
//! # Requests
//! A [`WireRequest`] is one signal's export request: its [`Signal`], gRPC
//! method, protobuf and OTLP/JSON bodies, and how its response reports a
//! partial success. The sender encodes a request once, whatever the
//! transport and the number of attempts; gRPC sends those bytes through
//! tonic's generic client with a pass-through codec, so an [`EncodedLogs`]
//! is never decoded except for `http/json`.
//!
//! # Configuration
//! [`WireConfig::resolve`] reads the standard `OTEL_EXPORTER_OTLP_*`
//! variables for a [`Signal`] (the signal's own variable first, then the
//! generic one; empty means unset): protocol (`grpc`, `http/protobuf`
//! default, `http/json`), endpoint (the generic one gets `/v1/<signal>`
//! appended for HTTP), headers, timeout, compression, and the TLS files
//! `CERTIFICATE`, `CLIENT_CERTIFICATE`, `CLIENT_KEY` plus `INSECURE` that
//! opentelemetry-rust 0.33 ignores. It is pure, so it is generic over the
//! signals: the same TLS settings can be applied to the SDK exporters.
//!
//! # Sending
//! [`WireSender::send`] retries connection failures, gRPC UNAVAILABLE,
//! ABORTED, DEADLINE_EXCEEDED (and RESOURCE_EXHAUSTED when the server sends
//! RetryInfo) and HTTP 429/502/503/504 (honouring `Retry-After`), up to
//! [`RetryPolicy::max_retries`] times with exponential backoff and jitter;
//! the configured timeout bounds the whole call. A partial success is a
//! [`SendOutcome`] with the `rejected` items (data points or log records);
//! a failure is a [`SendError`] whose [`SendError::reason`] is a
//! low-cardinality label for self-metrics.
//!
//! # TLS
//! `https` endpoints only. A CA file replaces the system roots; a client
//! certificate and key enable mutual TLS. gRPC uses tonic's rustls, HTTP
//! hyper-rustls, both with the ring provider passed explicitly.

mod codec;
mod config;
mod error;
mod grpc;
mod headers;
mod http;
pub(crate) mod json;
mod request;
mod retry;
mod sender;
mod tls;

pub use config::{
    ClientIdentityFiles, Compression, ConfigError, DEFAULT_GRPC_ENDPOINT, DEFAULT_HTTP_ENDPOINT, DEFAULT_TIMEOUT,
    EnvPath, Protocol, Signal, TlsFiles, WireConfig,
};
pub use error::{BuildError, RejectStatus, SendError, SendErrorKind};
pub use request::{EncodedLogs, EncodedTraces, WireRequest};
pub use retry::RetryPolicy;
pub use sender::{SendOutcome, WireSender};

/// `User-Agent` of both transports (gRPC prepends it to tonic's own).
pub(crate) const USER_AGENT: &str = concat!("sysotel/", env!("CARGO_PKG_VERSION"));
