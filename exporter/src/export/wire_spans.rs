//! OTLP spans without the SDK: the [`SpanSink`] for collectors and OTLP/JSON
//! files.
//!
//! The agent builds its spans whole (ids, parent, start and end come from
//! kernel events), so an SDK span processor only added work:
//! - a `SpanData` per span;
//! - a channel hop to the processor's own thread, one thread per Resource;
//! - opentelemetry-proto's conversion;
//! - prost.
//!
//! In an exec storm that was about 11 % of the agent's CPU, plus the
//! processor threads' wake-ups. Here a [`SpanRecord`] is written once, as
//! the protobuf of a `ScopeSpans.spans` field, into its Resource's buffer.
//! The buffers are the log sink's: [`WireSink`] batches, frames, bounds,
//! counts and sends them. `ExportTraceServiceRequest`, `ResourceSpans` and
//! `ScopeSpans` use the same field numbers as their logs counterparts, so
//! one framing serves both.
//!
//! The output decodes to the same `Span` as the SDK's conversion (a test
//! compares them): ids, parent, name, kind, times, attributes, status, and
//! flags (sampled, with "is-remote known": the agent's spans are never
//! remote).

use std::time::Duration;

use bytes::Bytes;
use opentelemetry::trace::{SpanId, SpanKind};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;
use thiserror::Error;

use super::{
    ExportStats, SpanSink,
    otlp_wire::EncodedTraces,
    wire_logs::{
        BatchSettings, DEFAULT_BATCH, DEFAULT_QUEUE, Destination, SetupError,
        encode::{
            bytes_field, fixed64_field, key_value, nanos, nested, nested_sized, resource_value, string_field,
            varint_field,
        },
        sink::{WireSignal, WireSink},
    },
};
use crate::{config::otel_env::OutputFile, signals::traces::SpanRecord};

const SCOPE_SPANS_SPANS: u32 = 2;
const SPAN_TRACE_ID: u32 = 1;
const SPAN_SPAN_ID: u32 = 2;
const SPAN_PARENT_SPAN_ID: u32 = 4;
const SPAN_NAME: u32 = 5;
const SPAN_KIND: u32 = 6;
const SPAN_START: u32 = 7;
const SPAN_END: u32 = 8;
const SPAN_ATTRIBUTES: u32 = 9;
const SPAN_STATUS: u32 = 15;
const SPAN_FLAGS: u32 = 16;
const STATUS_MESSAGE: u32 = 2;
const STATUS_CODE: u32 = 3;
const STATUS_ERROR: u64 = 2;
/// W3C sampled, plus `SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK` (the parent's
/// remoteness is known: local).
const FLAGS: u32 = 0x01 | 0x100;

/// `OTEL_BSP_*` defaults: the specification's delay (5 s), and the log
/// sink's queue and batch sizes. One queue now serves every Resource (the
/// SDK had one per container), and exec storms end spans in bursts.
const DEFAULT_SETTINGS: BatchSettings =
    BatchSettings { max_queue: DEFAULT_QUEUE, max_batch: DEFAULT_BATCH, delay: Duration::from_millis(5_000) };

/// Spans: `ExportTraceServiceRequest`s.
pub struct Spans;

impl WireSignal for Spans {
    type Request = EncodedTraces;
    const ITEM: &'static str = "span";

    fn request(body: Bytes) -> EncodedTraces {
        EncodedTraces(body)
    }

    fn write_file(file: &OutputFile, body: Bytes) -> Result<(), String> {
        let req = ExportTraceServiceRequest::decode(body).map_err(|e| e.to_string())?;
        super::otlp_file::write_traces(file, &req).map_err(|e| e.to_string())
    }
}

/// The OTLP (or OTLP/JSON file) span sink.
pub type WireSpanSink = WireSink<Spans>;

impl SpanSink for WireSpanSink {
    fn emit(&mut self, span: SpanRecord) {
        self.push_record(span.container.as_ref(), |buf| encode_span(buf, &span));
    }

    fn shutdown(&mut self) -> Result<(), String> {
        self.close()
    }
}

/// Why the span sink could not be set up.
#[derive(Debug, Error)]
#[error("traces export: {0}")]
pub struct TracesSetupError(#[from] pub SetupError);

/// A [`WireSpanSink`] to `destination` under the agent's Resource `base`,
/// batched by the `OTEL_BSP_*` variables. Starts its export task on the
/// current Tokio runtime.
#[must_use]
pub fn start(
    destination: Destination<Spans>,
    base: Vec<opentelemetry::KeyValue>,
    schema_url: Option<&str>,
    stats: std::sync::Arc<ExportStats>,
) -> WireSpanSink {
    let settings = BatchSettings::resolve_with("OTEL_BSP", DEFAULT_SETTINGS, &|name| std::env::var(name).ok());
    WireSink::start(destination, base, schema_url, settings, stats)
}

/// Appends `span` to `buf` as one `ScopeSpans.spans` field.
pub fn encode_span(buf: &mut Vec<u8>, s: &SpanRecord) {
    nested_sized(buf, SCOPE_SPANS_SPANS, 2, |buf| {
        bytes_field(buf, SPAN_TRACE_ID, &s.ids.trace_id.to_bytes());
        bytes_field(buf, SPAN_SPAN_ID, &s.ids.span_id.to_bytes());
        if let Some(parent) = s.parent.filter(|p| *p != SpanId::INVALID) {
            bytes_field(buf, SPAN_PARENT_SPAN_ID, &parent.to_bytes());
        }
        string_field(buf, SPAN_NAME, &s.name);
        varint_field(buf, SPAN_KIND, kind(&s.kind));
        fixed64_field(buf, SPAN_START, nanos(s.start));
        fixed64_field(buf, SPAN_END, nanos(s.end));
        for kv in &s.attributes {
            nested(buf, SPAN_ATTRIBUTES, |buf| key_value(buf, kv.key.as_str(), |buf| resource_value(buf, &kv.value)));
        }
        // Always present, as the SDK sends it: empty (unset) or an error.
        nested(buf, SPAN_STATUS, |buf| {
            if let Some(message) = &s.error {
                string_field(buf, STATUS_MESSAGE, message);
                varint_field(buf, STATUS_CODE, STATUS_ERROR);
            }
        });
        prost::encoding::encode_key(SPAN_FLAGS, prost::encoding::WireType::ThirtyTwoBit, buf);
        buf.extend_from_slice(&FLAGS.to_le_bytes());
    });
}

/// `Span.SpanKind`.
fn kind(kind: &SpanKind) -> u64 {
    match kind {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::Arc,
        time::{Duration, SystemTime},
    };

    use opentelemetry::{InstrumentationScope, KeyValue, trace::TraceId};
    use opentelemetry_proto::tonic::trace::v1::Span;

    use super::*;
    use crate::{export::wire_logs::batch::Batcher, signals::traces::SpanRef};

    fn record(parent: Option<SpanId>, error: Option<&str>, kind: SpanKind) -> SpanRecord {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        SpanRecord {
            name: "connect".into(),
            kind,
            ids: SpanRef { trace_id: TraceId::from_bytes([7; 16]), span_id: SpanId::from_bytes([9; 8]) },
            parent,
            start,
            end: start + Duration::from_micros(1_234),
            attributes: vec![
                KeyValue::new("server.address", "127.0.0.1"),
                KeyValue::new("server.port", 8080_i64),
                KeyValue::new("sysotel.flag", true),
                KeyValue::new("sysotel.ratio", 0.5),
            ],
            error: error.map(str::to_owned),
            container: None,
        }
    }

    /// What the SDK path sent for the same record.
    fn sdk(s: &SpanRecord) -> Span {
        Span::from(crate::export::span_data(s.clone(), &InstrumentationScope::builder("t").build()))
    }

    fn ours(s: &SpanRecord) -> Span {
        let mut batcher = Batcher::new("sysotel", vec![KeyValue::new("host.name", "h")], None, 10);
        batcher.push_with(None, std::time::Instant::now, |buf| encode_span(buf, s));
        let batch = batcher.take().expect("one span");
        let req = ExportTraceServiceRequest::decode(batch.body).expect("a trace request");
        assert_eq!(req.resource_spans.len(), 1);
        let rs = &req.resource_spans[0];
        assert!(rs.resource.as_ref().is_some_and(|r| r.attributes.iter().any(|a| a.key == "host.name")));
        assert_eq!(rs.scope_spans[0].scope.as_ref().map(|s| s.name.as_str()), Some("sysotel"));
        rs.scope_spans[0].spans[0].clone()
    }

    #[test]
    fn spans_decode_as_the_sdk_sent_them() {
        for s in [
            record(None, None, SpanKind::Client),
            record(Some(SpanId::from_bytes([3; 8])), Some("exit code 2"), SpanKind::Internal),
            record(Some(SpanId::from_bytes([4; 8])), None, SpanKind::Server),
        ] {
            assert_eq!(ours(&s), sdk(&s), "{}", s.name);
        }
    }

    #[test]
    fn a_batch_holds_each_containers_spans_under_its_resource() {
        use crate::enrich::{ContainerIdentity, container::resolver::CgroupInfo, container_identity};
        let path = format!("/system.slice/docker-{}.scope", "a".repeat(64));
        let info = CgroupInfo { container: crate::enrich::container::parse_cgroup_path(&path), path };
        let c: Arc<ContainerIdentity> = container_identity(&info, vec![]).expect("a container");
        let mut batcher = Batcher::new("sysotel", vec![], None, 10);
        let mut in_container = record(None, None, SpanKind::Client);
        in_container.container = Some(Arc::clone(&c));
        batcher.push_with(None, std::time::Instant::now, |buf| encode_span(buf, &record(None, None, SpanKind::Client)));
        batcher.push_with(Some(&c), std::time::Instant::now, |buf| encode_span(buf, &in_container));
        let req = ExportTraceServiceRequest::decode(batcher.take().expect("two spans").body).unwrap();
        assert_eq!(req.resource_spans.len(), 2);
        let ids: Vec<bool> = req
            .resource_spans
            .iter()
            .map(|rs| rs.resource.as_ref().is_some_and(|r| r.attributes.iter().any(|a| a.key == "container.id")))
            .collect();
        assert_eq!(ids, [false, true]);
    }
}
