//! Export: where log records leave the agent.
//!
//! A [`LogSink`] takes [`LogEvent`]s without blocking: the terminal sink
//! writes a line, the OTLP sink ([`wire_logs`]) encodes the record into a
//! bounded batch (dropping and counting when full). [`build_log_sink`]
//! picks one from the [`crate::config::ExportConfig`]. A [`SpanSink`] does
//! the same for spans; over OTLP they take the same batching and export
//! task ([`wire_spans`]), built by [`build_span_sink`].

mod observed;
mod otlp;
pub mod otlp_file;
pub mod otlp_wire;
pub mod per_resource;
mod resource;
pub mod sdk_tls;
mod spans;
mod terminal;
pub mod wire_logs;
pub mod wire_spans;

pub use observed::{ExportStats, Observed};
pub use spans::{ConsoleSpanSink, NullSpanSink, OtlpSpanSink, SpanSink, build_span_sink, span_data};

pub use otlp::{Destination, OtlpSetupError};
pub use resource::agent_resource;
pub use terminal::{TerminalSink, format_line};

use std::{sync::Arc, time::SystemTime};

use crate::{
    config::LogsOutput,
    enrich::{ContainerIdentity, ProcessContext},
    security::SecurityRecord,
    signals::{LogEvent, security::security_log, traces::SpanRef},
};

/// A destination for log records.
pub trait LogSink: Send {
    /// Takes one record; must not block on the network.
    fn emit(&mut self, event: LogEvent);
    /// Takes a security event's record (`sysotel.security.<category>`) as
    /// the event itself. By default it is built with [`security_log`] and
    /// emitted; a sink that encodes records on arrival writes it directly.
    fn emit_security(
        &mut self,
        rec: SecurityRecord,
        ctx: &ProcessContext,
        container: Option<Arc<ContainerIdentity>>,
        time: SystemTime,
        trace: Option<SpanRef>,
    ) {
        let mut log = security_log(rec, ctx, container, time);
        log.trace = trace;
        self.emit(log);
    }
    /// The time the records emitted until the next call were observed
    /// (`None`: read the clock per record). The pipeline sets it once per
    /// batch taken from the reader's queue, so a sink that stamps observed
    /// times need not read the clock for every record.
    fn observing(&mut self, _now: Option<SystemTime>) {}
    /// Flushes and releases the destination.
    ///
    /// # Errors
    /// A message describing what could not be flushed.
    fn shutdown(&mut self) -> Result<(), String>;
}

/// A sink that discards everything (`OTEL_LOGS_EXPORTER=none`).
pub struct NullSink;

impl LogSink for NullSink {
    fn emit(&mut self, _event: LogEvent) {}
    fn emit_security(
        &mut self,
        _rec: SecurityRecord,
        _ctx: &ProcessContext,
        _container: Option<Arc<ContainerIdentity>>,
        _time: SystemTime,
        _trace: Option<SpanRef>,
    ) {
    }
    fn shutdown(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// Builds the sink for `output`: OTLP and OTLP/JSON files go through
/// [`wire_logs`], whose export task runs on the current Tokio runtime.
///
/// # Errors
/// [`wire_logs::SetupError`] when the OTLP exporter cannot be built (bad
/// variables, endpoint, headers or TLS files). Export outcomes are counted
/// in `stats`.
pub fn build_log_sink(
    output: &LogsOutput,
    stats: &Arc<ExportStats>,
    resource: &opentelemetry_sdk::Resource,
) -> Result<Box<dyn LogSink>, wire_logs::SetupError> {
    let destination = match output {
        LogsOutput::Terminal => return Ok(Box::new(TerminalSink::new(std::io::stdout()))),
        LogsOutput::Disabled => return Ok(Box::new(NullSink)),
        LogsOutput::Otlp(_) => wire_logs::Destination::otlp_from_env()?,
        LogsOutput::File(file) => wire_logs::Destination::File(Arc::clone(file)),
    };
    let base = resource.iter().map(|(k, v)| opentelemetry::KeyValue::new(k.clone(), v.clone())).collect();
    let settings = wire_logs::BatchSettings::resolve(&|name| std::env::var(name).ok());
    Ok(Box::new(wire_logs::WireLogSink::start(destination, base, resource.schema_url(), settings, Arc::clone(stats))))
}
