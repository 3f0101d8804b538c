//! OTLP/JSON file output: telemetry as JSON lines that the OpenTelemetry
//! Collector's `otlpjsonfile` receiver reads.
//!
//! Each line is one OTLP/JSON request (`ExportLogsServiceRequest`,
//! `ExportTraceServiceRequest` or `ExportMetricsServiceRequest`): keys in
//! lowerCamelCase, trace/span ids as hex, 64-bit integers as strings, enums
//! as numbers, unset fields left out.
//!
//! - [`JsonLinesFile`]: the append-only file, rotated to `<path>.1` at
//!   [`DEFAULT_MAX_BYTES`]; failures are counted and returned, never retried.
//! - [`FileLogExporter`] / [`FileSpanExporter`]: SDK exporters, one line per
//!   batch, for a `SdkLoggerProvider` / `SdkTracerProvider` processor.
//! - [`write_metrics`]: one line per metrics request.
//!
//! # One file per signal
//! Give each signal its own path (`<dir>/logs.jsonl`, `<dir>/traces.jsonl`,
//! `<dir>/metrics.jsonl`): the receiver decodes every line of its files as
//! the signal of the pipeline it feeds, so a pipeline reads one signal.
//!
//! ```yaml
//! receivers:
//!   otlpjsonfile/logs:
//!     include: [/var/lib/sysotel/logs.jsonl]
//!     start_at: beginning
//!   otlpjsonfile/traces:
//!     include: [/var/lib/sysotel/traces.jsonl]
//!   otlpjsonfile/metrics:
//!     include: [/var/lib/sysotel/metrics.jsonl]
//! service:
//!   pipelines:
//!     logs: { receivers: [otlpjsonfile/logs], exporters: [debug] }
//!     traces: { receivers: [otlpjsonfile/traces], exporters: [debug] }
//!     metrics: { receivers: [otlpjsonfile/metrics], exporters: [debug] }
//! ```
//!
//! # Example
//! ```no_run
//! use std::sync::Arc;
//!
//! use opentelemetry_sdk::logs::{SdkLoggerProvider, SimpleLogProcessor};
//! use sysotel::export::otlp_file::{FileLogExporter, JsonLinesFile};
//!
//! # fn main() -> Result<(), sysotel::export::otlp_file::FileError> {
//! let file = Arc::new(JsonLinesFile::open("/var/lib/sysotel/logs.jsonl")?);
//! let provider = SdkLoggerProvider::builder()
//!     .with_log_processor(SimpleLogProcessor::new(FileLogExporter::new(Arc::clone(&file))))
//!     .build();
//! # drop(provider);
//! # Ok(())
//! # }
//! ```

mod error;
mod json;
mod logs;
mod metrics;
mod traces;
mod writer;

pub use error::FileError;
pub use logs::{FileLogExporter, logs_request};
pub use metrics::write_metrics;
pub use traces::{FileSpanExporter, spans_request};
pub use writer::{DEFAULT_MAX_BYTES, JsonLinesFile};
