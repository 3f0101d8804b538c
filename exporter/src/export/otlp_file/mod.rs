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
//! - [`FileSpanExporter`]: an SDK exporter, one line per batch, for a
//!   `SdkTracerProvider` processor.
//! - [`write_logs`] / [`write_metrics`]: one line per logs / metrics request
//!   the agent encoded itself.
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
//! use opentelemetry_sdk::trace::{SdkTracerProvider, SimpleSpanProcessor};
//! use sysotel::export::otlp_file::{FileSpanExporter, JsonLinesFile};
//!
//! # fn main() -> Result<(), sysotel::export::otlp_file::FileError> {
//! let file = Arc::new(JsonLinesFile::open("/var/lib/sysotel/traces.jsonl")?);
//! let provider = SdkTracerProvider::builder()
//!     .with_span_processor(SimpleSpanProcessor::new(FileSpanExporter::new(Arc::clone(&file))))
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
pub use logs::write_logs;
pub use metrics::write_metrics;
pub use traces::{FileSpanExporter, spans_request, write_traces};
pub use writer::{DEFAULT_MAX_BYTES, JsonLinesFile};
