//! An in-process OTLP/gRPC receiver that keeps everything it is sent.
//!
//! [`Receiver::start`] binds an ephemeral port on 127.0.0.1 and serves the
//! logs, trace and metrics services (gzip accepted) on a background thread.
//! Requests are kept in memory; read them raw ([`Receiver::logs`]), flattened
//! ([`Receiver::log_entries`]), or wait for one that matches
//! ([`Receiver::wait_for_log`]; the waits block the calling thread). Dropping
//! the receiver stops the server.

mod server;
mod service;
mod store;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::logs::v1::ResourceLogs;
use opentelemetry_proto::tonic::metrics::v1::ResourceMetrics;
use opentelemetry_proto::tonic::trace::v1::ResourceSpans;

use self::server::ServerThread;
use self::store::Store;
use crate::poll::poll_until;
use crate::records::{LogEntry, MetricPoint, SpanEntry, flatten_logs, flatten_metrics, flatten_spans};

/// A running OTLP/gRPC receiver.
#[derive(Debug)]
pub struct Receiver {
    addr: SocketAddr,
    store: Arc<Store>,
    _server: ServerThread,
}

impl Receiver {
    /// Starts serving on `127.0.0.1:<ephemeral>`. The port accepts connections
    /// as soon as this returns.
    ///
    /// # Errors
    /// When the port cannot be bound or the server thread cannot start.
    pub fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("binding the receiver port")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let store = Arc::new(Store::default());
        let server = ServerThread::spawn(listener, Arc::clone(&store))?;
        Ok(Self { addr, store, _server: server })
    }

    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the form OTLP exporters take.
    #[must_use]
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    #[must_use]
    pub fn log_requests(&self) -> Vec<ExportLogsServiceRequest> {
        self.store.logs()
    }

    #[must_use]
    pub fn trace_requests(&self) -> Vec<ExportTraceServiceRequest> {
        self.store.traces()
    }

    #[must_use]
    pub fn metric_requests(&self) -> Vec<ExportMetricsServiceRequest> {
        self.store.metrics()
    }

    /// Every `ResourceLogs` received so far.
    #[must_use]
    pub fn logs(&self) -> Vec<ResourceLogs> {
        self.store.logs().into_iter().flat_map(|r| r.resource_logs).collect()
    }

    /// Every `ResourceSpans` received so far.
    #[must_use]
    pub fn spans(&self) -> Vec<ResourceSpans> {
        self.store.traces().into_iter().flat_map(|r| r.resource_spans).collect()
    }

    /// Every `ResourceMetrics` received so far.
    #[must_use]
    pub fn metrics(&self) -> Vec<ResourceMetrics> {
        self.store.metrics().into_iter().flat_map(|r| r.resource_metrics).collect()
    }

    #[must_use]
    pub fn log_entries(&self) -> Vec<LogEntry> {
        flatten_logs(&self.logs())
    }

    #[must_use]
    pub fn span_entries(&self) -> Vec<SpanEntry> {
        flatten_spans(&self.spans())
    }

    #[must_use]
    pub fn metric_points(&self) -> Vec<MetricPoint> {
        flatten_metrics(&self.metrics())
    }

    /// The first log record matching `predicate`, polling every 50 ms until
    /// `timeout`.
    pub fn wait_for_log(&self, predicate: impl Fn(&LogEntry) -> bool, timeout: Duration) -> Option<LogEntry> {
        poll_until(timeout, || self.log_entries().into_iter().find(|e| predicate(e)))
    }

    /// The first span matching `predicate`, polling every 50 ms until `timeout`.
    pub fn wait_for_span(&self, predicate: impl Fn(&SpanEntry) -> bool, timeout: Duration) -> Option<SpanEntry> {
        poll_until(timeout, || self.span_entries().into_iter().find(|e| predicate(e)))
    }

    /// The first data point matching `predicate`, polling every 50 ms until
    /// `timeout`.
    pub fn wait_for_metric(&self, predicate: impl Fn(&MetricPoint) -> bool, timeout: Duration) -> Option<MetricPoint> {
        poll_until(timeout, || self.metric_points().into_iter().find(|p| predicate(p)))
    }
}
