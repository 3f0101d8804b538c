//! The OTLP sink: log records through the OpenTelemetry SDK's batch
//! processor to a collector, over gRPC or HTTP as configured.
//!
//! Records go on the Resource of their container: see [`super::per_resource`].

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::SystemTime,
};

use opentelemetry::{
    KeyValue,
    logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _},
    trace::TraceFlags,
};
use opentelemetry_sdk::{
    Resource,
    logs::{
        BatchConfig, BatchConfigBuilder, BatchLogProcessor, LogExporter, SdkLogRecord, SdkLogger, SdkLoggerProvider,
    },
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
    /// Records handed to this provider's batch queue.
    emitted: AtomicU64,
    /// Records its exporter took out of the queue.
    taken: Arc<AtomicU64>,
    /// The queue's capacity.
    capacity: u64,
}

/// Batch queue size when `OTEL_BLRP_MAX_QUEUE_SIZE` is not set: the SDK's
/// 2048 overflows in a burst of file events, and an SDK drop is invisible.
pub const DEFAULT_LOG_QUEUE: usize = 16_384;

/// Export batch size when `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE` is not set. The
/// SDK sends one batch at a time, so the batch size caps throughput at about
/// batch / round trip: with its 512, a flood bench exported only 17-25k
/// logs/s to a local collector and dropped the rest while the CPU idled; 2048
/// security records are still about 1.5 MB, well under the 4 MiB request
/// limit collectors default to.
pub const DEFAULT_LOG_BATCH: usize = 2_048;

/// The log batch configuration: the `OTEL_BLRP_*` variables, with larger
/// defaults for the queue and the export batch; returns the queue capacity
/// too.
fn batch_config() -> (BatchConfig, usize) {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse::<usize>().ok());
    let capacity = env("OTEL_BLRP_MAX_QUEUE_SIZE").unwrap_or(DEFAULT_LOG_QUEUE).max(1);
    let mut builder = BatchConfigBuilder::default().with_max_queue_size(capacity);
    if env("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE").is_none() {
        builder = builder.with_max_export_batch_size(DEFAULT_LOG_BATCH.min(capacity));
    }
    (builder.build(), capacity)
}

impl Provider for LogProvider {
    fn close(self) -> Result<(), String> {
        self.provider.shutdown().map_err(|e| e.to_string())
    }
}

/// The SDK record for `event`: time, event name, severity, trace context,
/// body and attributes.
#[must_use]
pub fn sdk_record(logger: &SdkLogger, event: LogEvent, observed: SystemTime) -> SdkLogRecord {
    let mut record = logger.create_log_record();
    record.set_timestamp(event.time);
    record.set_observed_timestamp(observed);
    record.set_event_name(event.event_name);
    record.set_severity_number(event.severity);
    if let Some(t) = event.trace {
        record.set_trace_context(t.trace_id, t.span_id, Some(TraceFlags::SAMPLED));
    }
    if let Some(body) = event.body {
        record.set_body(AnyValue::String(body.into()));
    }
    record.add_attributes(event.attributes);
    record
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
    let taken = Arc::new(AtomicU64::new(0));
    let (config, capacity) = batch_config();
    let processor = match destination {
        Destination::Otlp(protocol) => {
            let exporter = super::sdk_tls::log_exporter(*protocol)
                .map_err(|source| OtlpSetupError { protocol: protocol.as_str(), source })?;
            batch_processor(exporter, stats, &taken, config)
        }
        Destination::File(file) => {
            batch_processor(super::otlp_file::FileLogExporter::new(Arc::clone(file)), stats, &taken, config)
        }
    };
    let provider = SdkLoggerProvider::builder().with_resource(resource).with_log_processor(processor).build();
    let logger = provider.logger(semconv::SCOPE);
    Ok(LogProvider { provider, logger, emitted: AtomicU64::new(0), taken, capacity: capacity as u64 })
}

/// The SDK's batch processor over `exporter`, observed (exports counted in
/// `stats`, records taken from the queue in `taken`) and with sysotel's
/// batch settings.
fn batch_processor<E: LogExporter + 'static>(
    exporter: E,
    stats: &Arc<ExportStats>,
    taken: &Arc<AtomicU64>,
    config: BatchConfig,
) -> BatchLogProcessor {
    let observed = Observed::new(exporter, Arc::clone(stats)).with_taken(Arc::clone(taken));
    BatchLogProcessor::builder(observed).with_batch_config(config).build()
}

impl LogSink for OtlpLogSink {
    fn emit(&mut self, event: LogEvent) {
        let (destination, stats) = (self.destination.clone(), Arc::clone(&self.stats));
        let Some(p) = self.providers.get(event.container.as_deref(), |r| build_provider(&destination, r, &stats))
        else {
            return;
        };
        // The SDK drops silently when its queue is full: drop here instead,
        // and count it.
        let emitted = p.emitted.load(Ordering::Relaxed);
        if emitted.saturating_sub(p.taken.load(Ordering::Relaxed)) >= p.capacity {
            stats.queue_dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        p.emitted.store(emitted + 1, Ordering::Relaxed);
        p.logger.emit(sdk_record(&p.logger, event, SystemTime::now()));
    }

    fn shutdown(&mut self) -> Result<(), String> {
        self.providers.close_all()
    }
}
