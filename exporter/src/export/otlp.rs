//! The OTLP sink: log records through the OpenTelemetry SDK's batch
//! processor to a collector, over gRPC or HTTP as configured.
//!
//! Records go on the Resource of their container: see [`super::per_resource`].

use std::{sync::Arc, time::SystemTime};

use opentelemetry::{
    KeyValue,
    logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _},
    trace::TraceFlags,
};
use opentelemetry_sdk::{
    Resource,
    logs::{SdkLogger, SdkLoggerProvider},
};
use thiserror::Error;

use super::{
    ExportStats, LogSink, Observed,
    per_resource::{PerResource, Provider},
};
use crate::{config::Protocol, signals::LogEvent};

#[derive(Debug, Error)]
#[error("cannot build the {protocol} exporter: {source}")]
pub struct OtlpSetupError {
    pub protocol: &'static str,
    #[source]
    pub source: super::sdk_tls::SdkTlsError,
}

/// Where a provider's exporter sends records.
#[derive(Clone)]
pub enum Destination {
    /// A collector, with TLS from the `OTEL_EXPORTER_OTLP_*CERTIFICATE` variables.
    Otlp(Protocol),
    /// OTLP/JSON lines in a file (the collector's `otlpjsonfile` format).
    File(Arc<super::otlp_file::JsonLinesFile>),
}

impl Destination {
    /// Name for messages.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Destination::Otlp(p) => p.as_str(),
            Destination::File(_) => "otlp-json file",
        }
    }
}

/// A logger provider and its logger.
pub(super) struct LogProvider {
    provider: SdkLoggerProvider,
    logger: SdkLogger,
}

impl Provider for LogProvider {
    fn close(self) -> Result<(), String> {
        self.provider.shutdown().map_err(|e| e.to_string())
    }
}

/// Emits through SDK logger providers, one per resource (see
/// [`super::per_resource`]).
pub struct OtlpLogSink {
    destination: Destination,
    stats: Arc<ExportStats>,
    providers: PerResource<LogProvider>,
}

impl OtlpLogSink {
    /// Builds the host provider for `protocol` (endpoint, headers, timeout
    /// and compression come from the `OTEL_EXPORTER_OTLP_*` variables,
    /// batching from `OTEL_BLRP_*`). Must be called inside a Tokio runtime
    /// for gRPC.
    ///
    /// # Errors
    /// [`OtlpSetupError`] when the exporter cannot be built.
    pub fn new(destination: Destination, resource: Resource, stats: Arc<ExportStats>) -> Result<Self, OtlpSetupError> {
        let base: Vec<KeyValue> = resource.iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())).collect();
        let host = build_provider(&destination, resource, &stats)?;
        Ok(Self { destination, stats, providers: PerResource::new(host, base) })
    }

    /// Number of live container providers.
    #[must_use]
    pub fn container_providers(&self) -> usize {
        self.providers.containers()
    }
}

fn build_provider(
    destination: &Destination,
    resource: Resource,
    stats: &Arc<ExportStats>,
) -> Result<LogProvider, OtlpSetupError> {
    let builder = SdkLoggerProvider::builder().with_resource(resource);
    let provider = match destination {
        Destination::Otlp(protocol) => {
            let exporter = super::sdk_tls::log_exporter(*protocol)
                .map_err(|source| OtlpSetupError { protocol: protocol.as_str(), source })?;
            builder.with_batch_exporter(Observed::new(exporter, Arc::clone(stats))).build()
        }
        Destination::File(file) => {
            let exporter = super::otlp_file::FileLogExporter::new(Arc::clone(file));
            builder.with_batch_exporter(Observed::new(exporter, Arc::clone(stats))).build()
        }
    };
    let logger = provider.logger(semconv::SCOPE);
    Ok(LogProvider { provider, logger })
}

impl LogSink for OtlpLogSink {
    fn emit(&mut self, event: LogEvent) {
        let (destination, stats) = (self.destination.clone(), Arc::clone(&self.stats));
        let Some(p) = self.providers.get(event.container.as_deref(), |r| build_provider(&destination, r, &stats))
        else {
            return;
        };
        let logger = &p.logger;
        let mut record = logger.create_log_record();
        record.set_timestamp(event.time);
        record.set_observed_timestamp(SystemTime::now());
        record.set_event_name(event.event_name);
        record.set_severity_number(event.severity);
        if let Some(t) = event.trace {
            record.set_trace_context(t.trace_id, t.span_id, Some(TraceFlags::SAMPLED));
        }
        if let Some(body) = event.body {
            record.set_body(AnyValue::String(body.into()));
        }
        record.add_attributes(event.attributes);
        logger.emit(record);
    }

    fn shutdown(&mut self) -> Result<(), String> {
        self.providers.close_all()
    }
}
