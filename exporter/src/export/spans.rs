//! Span sinks: finished [`SpanRecord`]s to a collector, the console, or
//! nowhere.
//!
//! [`build_span_sink`] sends OTLP and OTLP/JSON-file spans through
//! [`super::wire_spans`], which encodes them without the SDK.
//!
//! [`OtlpSpanSink`] is the SDK path the agent used before: it hands
//! `SpanData` ([`span_data`]) straight to an SDK batch span processor and
//! its OTLP exporter, one per Resource (see [`super::per_resource`]). The
//! agent no longer builds it; [`span_data`] is what the wire encoder's
//! equivalence test compares against.

use std::{borrow::Cow, sync::Arc};

use opentelemetry::{
    InstrumentationScope,
    trace::{SpanContext, SpanId, Status, TraceFlags, TraceState},
};
use opentelemetry_sdk::{
    Resource,
    trace::{BatchSpanProcessor, SpanData, SpanEvents, SpanLinks, SpanProcessor as _},
};

use super::{
    ExportStats, Observed, OtlpSetupError,
    otlp::Destination,
    per_resource::{PerResource, Provider},
    wire_spans::TracesSetupError,
};
use crate::signals::traces::SpanRecord;

/// A destination for finished spans.
pub trait SpanSink: Send {
    /// Takes one span; must not block on the network.
    fn emit(&mut self, span: SpanRecord);
    /// Flushes and releases the destination.
    ///
    /// # Errors
    /// What could not be flushed.
    fn shutdown(&mut self) -> Result<(), String>;
}

/// Drops spans (`OTEL_TRACES_EXPORTER=none`, or no collector).
pub struct NullSpanSink;

impl SpanSink for NullSpanSink {
    fn emit(&mut self, _span: SpanRecord) {}
    fn shutdown(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// One line per span on stdout (`OTEL_TRACES_EXPORTER=console`).
pub struct ConsoleSpanSink;

impl SpanSink for ConsoleSpanSink {
    fn emit(&mut self, s: SpanRecord) {
        let ms = s.end.duration_since(s.start).unwrap_or_default().as_secs_f64() * 1000.0;
        let parent = s.parent.map_or_else(|| "root".to_string(), |p| p.to_string());
        println!("span   {} trace={} span={} parent={parent} {ms:.3}ms", s.name, s.ids.trace_id, s.ids.span_id);
    }
    fn shutdown(&mut self) -> Result<(), String> {
        Ok(())
    }
}

struct TraceProvider(BatchSpanProcessor);

impl Provider for TraceProvider {
    fn close(self) -> Result<(), String> {
        self.0.shutdown().map_err(|e| e.to_string())
    }
}

/// Spans over OTLP, one batch processor per Resource.
pub struct OtlpSpanSink {
    destination: Destination,
    stats: Arc<ExportStats>,
    scope: InstrumentationScope,
    providers: PerResource<TraceProvider>,
}

fn build(
    destination: &Destination,
    resource: &Resource,
    stats: &Arc<ExportStats>,
) -> Result<TraceProvider, OtlpSetupError> {
    let mut processor = match destination {
        Destination::Otlp(protocol) => {
            let exporter = super::sdk_tls::span_exporter(*protocol)
                .map_err(|source| OtlpSetupError { protocol: protocol.as_str(), source })?;
            BatchSpanProcessor::builder(Observed::new(exporter, Arc::clone(stats))).build()
        }
        Destination::File(file) => {
            let exporter = super::otlp_file::FileSpanExporter::new(Arc::clone(file));
            BatchSpanProcessor::builder(Observed::new(exporter, Arc::clone(stats))).build()
        }
    };
    processor.set_resource(resource);
    Ok(TraceProvider(processor))
}

impl OtlpSpanSink {
    /// The host processor for `protocol` (`OTEL_EXPORTER_OTLP_[TRACES_]*`
    /// and `OTEL_BSP_*` configure it). Call inside the Tokio runtime.
    ///
    /// # Errors
    /// [`OtlpSetupError`] when the exporter cannot be built.
    pub fn new(destination: Destination, resource: &Resource, stats: Arc<ExportStats>) -> Result<Self, OtlpSetupError> {
        let base = resource.iter().map(|(k, v)| opentelemetry::KeyValue::new(k.clone(), v.clone())).collect();
        let host = build(&destination, resource, &stats)?;
        let scope = InstrumentationScope::builder(semconv::SCOPE).with_version(env!("CARGO_PKG_VERSION")).build();
        Ok(Self { destination, stats, scope, providers: PerResource::new(host, base) })
    }
}

/// The SDK's view of a finished span (what the SDK span path exported; the
/// wire encoder's tests and benchmarks compare against it).
#[must_use]
pub fn span_data(s: SpanRecord, scope: &InstrumentationScope) -> SpanData {
    SpanData {
        span_context: SpanContext::new(
            s.ids.trace_id,
            s.ids.span_id,
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        ),
        parent_span_id: s.parent.unwrap_or(SpanId::INVALID),
        parent_span_is_remote: false,
        span_kind: s.kind,
        name: Cow::Owned(s.name),
        start_time: s.start,
        end_time: s.end,
        attributes: s.attributes,
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status: s.error.map_or(Status::Unset, Status::error),
        instrumentation_scope: scope.clone(),
    }
}

impl SpanSink for OtlpSpanSink {
    fn emit(&mut self, span: SpanRecord) {
        let (destination, stats) = (self.destination.clone(), Arc::clone(&self.stats));
        let container = span.container.clone();
        let data = span_data(span, &self.scope);
        if let Some(p) = self.providers.get(container.as_deref(), |r| build(&destination, &r, &stats)) {
            p.0.on_end(data);
        }
    }

    fn shutdown(&mut self) -> Result<(), String> {
        self.providers.close_all()
    }
}

/// The sink for a traces output: OTLP and OTLP/JSON files go through
/// [`super::wire_spans`], whose export task runs on the current Tokio
/// runtime.
///
/// # Errors
/// [`TracesSetupError`] when the OTLP exporter cannot be built (bad
/// variables, endpoint, headers or TLS files).
pub fn build_span_sink(
    output: crate::config::TracesOutput,
    resource: &Resource,
    stats: &Arc<ExportStats>,
) -> Result<Box<dyn SpanSink>, TracesSetupError> {
    use crate::config::TracesOutput;
    let destination = match output {
        TracesOutput::Otlp(_) => super::wire_logs::Destination::otlp_from_env()?,
        TracesOutput::File(file) => super::wire_logs::Destination::File(file),
        TracesOutput::Console => return Ok(Box::new(ConsoleSpanSink)),
        TracesOutput::Disabled => return Ok(Box::new(NullSpanSink)),
    };
    let base = resource.iter().map(|(k, v)| opentelemetry::KeyValue::new(k.clone(), v.clone())).collect();
    Ok(Box::new(super::wire_spans::start(destination, base, resource.schema_url(), Arc::clone(stats))))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use opentelemetry::trace::{SpanKind, TraceId};

    use super::*;
    use crate::signals::traces::SpanRef;

    #[test]
    fn span_data_keeps_ids_parent_times_and_status() {
        let ids = SpanRef { trace_id: TraceId::from_bytes([1; 16]), span_id: SpanId::from_bytes([2; 8]) };
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(10);
        let rec = SpanRecord {
            name: "echo".into(),
            kind: SpanKind::Internal,
            ids,
            parent: Some(SpanId::from_bytes([3; 8])),
            start,
            end: start + Duration::from_millis(5),
            attributes: vec![],
            error: Some("exit code 2".into()),
            container: None,
        };
        let d = span_data(rec, &InstrumentationScope::builder("t").build());
        assert_eq!(d.span_context.trace_id(), ids.trace_id);
        assert_eq!(d.span_context.span_id(), ids.span_id);
        assert_eq!(d.parent_span_id, SpanId::from_bytes([3; 8]));
        assert_eq!(d.status, Status::error("exit code 2"));
        assert!(d.span_context.is_sampled());
    }
}
