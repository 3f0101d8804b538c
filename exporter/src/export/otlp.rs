//! The OTLP sink: log records through the OpenTelemetry SDK's batch
//! processor to a collector, over gRPC or HTTP as configured.

use opentelemetry::{
    Key,
    logs::{LogRecord as _, Logger as _, LoggerProvider as _},
};
use opentelemetry_otlp::{LogExporter, WithExportConfig as _};
use opentelemetry_sdk::{
    Resource,
    logs::{SdkLogger, SdkLoggerProvider},
};
use thiserror::Error;

use std::sync::Arc;

use super::{ExportStats, LogSink, Observed};
use crate::{config::Protocol, signals::LogEvent};

#[derive(Debug, Error)]
#[error("cannot build the OTLP {protocol} log exporter: {source}")]
pub struct OtlpSetupError {
    pub protocol: &'static str,
    #[source]
    pub source: opentelemetry_otlp::ExporterBuildError,
}

/// Emits through an SDK logger provider.
pub struct OtlpLogSink {
    provider: SdkLoggerProvider,
    logger: SdkLogger,
}

impl OtlpLogSink {
    /// Builds the exporter for `protocol` (endpoint, headers, timeout and
    /// compression come from the `OTEL_EXPORTER_OTLP_*` variables) behind a
    /// batch processor (`OTEL_BLRP_*`). Must be called inside a Tokio runtime
    /// for gRPC.
    ///
    /// # Errors
    /// [`OtlpSetupError`] when the exporter cannot be built.
    pub fn new(protocol: Protocol, resource: Resource, stats: Arc<ExportStats>) -> Result<Self, OtlpSetupError> {
        let err = |source| OtlpSetupError { protocol: protocol.as_str(), source };
        let exporter = match protocol {
            Protocol::Grpc => LogExporter::builder().with_tonic().build().map_err(err)?,
            Protocol::HttpProtobuf => LogExporter::builder()
                .with_http()
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                .build()
                .map_err(err)?,
            Protocol::HttpJson => LogExporter::builder()
                .with_http()
                .with_protocol(opentelemetry_otlp::Protocol::HttpJson)
                .build()
                .map_err(err)?,
        };
        let provider = SdkLoggerProvider::builder()
            .with_resource(resource)
            .with_batch_exporter(Observed::new(exporter, stats))
            .build();
        let logger = provider.logger(semconv::SCOPE);
        Ok(Self { provider, logger })
    }
}

impl LogSink for OtlpLogSink {
    fn emit(&mut self, event: LogEvent) {
        let mut record = self.logger.create_log_record();
        record.set_timestamp(event.time);
        record.set_observed_timestamp(std::time::SystemTime::now());
        record.set_event_name(event.event_name);
        record.set_severity_number(event.severity);
        record.add_attributes(event.attributes.into_iter().map(|(k, v): (Key, _)| (k, v)));
        self.logger.emit(record);
    }

    fn shutdown(&mut self) -> Result<(), String> {
        self.provider.shutdown().map_err(|e| e.to_string())
    }
}
