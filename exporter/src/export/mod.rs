//! Export: where log records leave the agent.
//!
//! A [`LogSink`] takes [`LogEvent`]s without blocking: the terminal sink
//! writes a line, the OTLP sink hands the record to the SDK's bounded batch
//! processor (which drops and counts when full). [`build_log_sink`] picks
//! one from the [`crate::config::ExportConfig`].

mod observed;
mod otlp;
pub mod otlp_file;
pub mod otlp_wire;
pub mod per_resource;
mod resource;
pub mod sdk_tls;
mod spans;
mod terminal;

pub use observed::{ExportStats, Observed};
pub use spans::{ConsoleSpanSink, NullSpanSink, OtlpSpanSink, SpanSink, build_span_sink};

pub use otlp::{Destination, OtlpLogSink, OtlpSetupError, sdk_record};
pub use resource::agent_resource;
pub use terminal::{TerminalSink, format_line};

use std::sync::Arc;

use crate::{config::LogsOutput, signals::LogEvent};

/// A destination for log records.
pub trait LogSink: Send {
    /// Takes one record; must not block on the network.
    fn emit(&mut self, event: LogEvent);
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
    fn shutdown(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// Builds the sink for `output`.
///
/// # Errors
/// [`OtlpSetupError`] when the OTLP exporter cannot be built (bad endpoint).
/// OTLP export outcomes are counted in `stats`.
pub fn build_log_sink(
    output: &LogsOutput,
    stats: &Arc<ExportStats>,
    resource: &opentelemetry_sdk::Resource,
) -> Result<Box<dyn LogSink>, OtlpSetupError> {
    Ok(match output {
        LogsOutput::Terminal => Box::new(TerminalSink::new(std::io::stdout())),
        LogsOutput::Otlp(protocol) => {
            Box::new(OtlpLogSink::new(Destination::Otlp(*protocol), resource.clone(), Arc::clone(stats))?)
        }
        LogsOutput::File(file) => {
            Box::new(OtlpLogSink::new(Destination::File(Arc::clone(file)), resource.clone(), Arc::clone(stats))?)
        }
        LogsOutput::Disabled => Box::new(NullSink),
    })
}
