//! OTLP spans: a batch of connection spans encoded into an
//! `ExportTraceServiceRequest` by the agent's own encoder
//! (`export::wire_spans`), next to the SDK path it replaced (`SpanData`,
//! opentelemetry-proto's conversion, prost; the batch processor's channel
//! hand-over is not counted).

use std::{
    hint::black_box,
    time::{Duration, Instant, SystemTime},
};

use criterion::{BatchSize, Criterion, Throughput};
use opentelemetry::{
    InstrumentationScope, KeyValue,
    trace::{SpanId, SpanKind, TraceId},
};
use opentelemetry_proto::{
    tonic::collector::trace::v1::ExportTraceServiceRequest,
    transform::{common::tonic::ResourceAttributesWithSchema, trace::tonic::group_spans_by_resource_and_scope},
};
use opentelemetry_sdk::{Resource, trace::SpanData};
use prost::Message as _;
use sysotel::{
    export::{span_data, wire_logs::batch::Batcher, wire_spans::encode_span},
    signals::traces::{SpanRecord, SpanRef},
};

/// Spans per batch.
const BATCH: usize = 512;

/// A closed client connection's span, as `signals::traces::conn` makes it.
fn connection(i: usize) -> SpanRecord {
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000) + Duration::from_micros(i as u64);
    SpanRecord {
        name: "connect".into(),
        kind: SpanKind::Client,
        ids: SpanRef {
            trace_id: TraceId::from_bytes([7; 16]),
            span_id: SpanId::from_bytes((i as u64 + 1).to_be_bytes()),
        },
        parent: Some(SpanId::from_bytes([3; 8])),
        start,
        end: start + Duration::from_micros(250),
        attributes: vec![
            KeyValue::new("network.peer.address", "127.0.0.1"),
            KeyValue::new("network.peer.port", 8080_i64),
            KeyValue::new("server.address", "127.0.0.1"),
            KeyValue::new("server.port", 8080_i64),
            KeyValue::new("network.type", "ipv4"),
            KeyValue::new("process.pid", 4242_i64),
            KeyValue::new("sysotel.connection.sent_bytes", 512_i64),
            KeyValue::new("sysotel.connection.received_bytes", 2048_i64),
        ],
        error: None,
        container: None,
    }
}

pub fn bench(c: &mut Criterion) {
    let spans: Vec<SpanRecord> = (0..BATCH).map(connection).collect();
    let base = vec![KeyValue::new("host.name", "bench"), KeyValue::new("service.name", "sysotel")];
    let encode_batch = |spans: &[SpanRecord]| {
        let mut batcher = Batcher::new(semconv::SCOPE, base.clone(), None, BATCH + 1);
        let now = Instant::now();
        for s in spans {
            let _ = batcher.push_with(None, || now, |buf| encode_span(buf, s));
        }
        batcher.take()
    };
    let batch = encode_batch(&spans).expect("a batch");
    let decoded = ExportTraceServiceRequest::decode(batch.body).expect("the batch decodes");
    assert_eq!(decoded.resource_spans[0].scope_spans[0].spans.len(), BATCH);

    let mut g = c.benchmark_group("otlp");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("spans_wire_512", |b| b.iter(|| encode_batch(black_box(&spans))));

    let scope = InstrumentationScope::builder(semconv::SCOPE).build();
    let resource: ResourceAttributesWithSchema =
        (&Resource::builder_empty().with_attributes(base.clone()).build()).into();
    g.bench_function("spans_sdk_512", |b| {
        b.iter_batched(
            || spans.clone(),
            |spans| {
                // The processor thread's channel hand-over is not counted.
                let data: Vec<SpanData> = spans.into_iter().map(|s| span_data(s, &scope)).collect();
                let resource_spans = group_spans_by_resource_and_scope(data, &resource);
                ExportTraceServiceRequest { resource_spans }.encode_to_vec()
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
}
