//! OTLP mapping: the log records for an exec and a security event; a
//! security record encoded directly (the OTLP sink's path) and through its
//! `LogEvent`; and a batch of them encoded into an
//! `ExportLogsServiceRequest` by the agent's own encoder
//! (`export::wire_logs`), next to the SDK path it replaced (SDK record,
//! batch-queue clone, opentelemetry-proto conversion, prost).

use std::{
    hint::black_box,
    time::{Duration, Instant, SystemTime},
};

use criterion::{BatchSize, Criterion, Throughput};
use opentelemetry::{
    InstrumentationScope, KeyValue,
    logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _},
    trace::TraceFlags,
};
use opentelemetry_proto::{
    tonic::collector::logs::v1::ExportLogsServiceRequest,
    transform::{common::tonic::ResourceAttributesWithSchema, logs::tonic::group_logs_by_resource_and_scope},
};
use opentelemetry_sdk::{
    Resource,
    logs::{LogBatch, SdkLogRecord, SdkLogger, SdkLoggerProvider},
};
use prost::Message as _;
use sysotel::{
    enrich::process_context,
    export::wire_logs::{batch::Batcher, encode::record, security::security_record},
    signals::{LogEvent, exec_log, security::security_log},
};

use crate::fixtures::{O_RDONLY, exec_event, openat, tree};

/// Records per batch.
const BATCH: usize = 512;

/// The SDK record for `event`, as the SDK log sink used to fill it.
fn sdk_record(logger: &SdkLogger, event: LogEvent) -> SdkLogRecord {
    let mut record = logger.create_log_record();
    record.set_timestamp(event.time);
    record.set_observed_timestamp(event.time);
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

pub fn bench(c: &mut Criterion) {
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut table = tree();
    let exec = exec_event(100, 50, "cc", &["cc", "-O2", "-c", "main.c"]);
    let exec_ctx = process_context(&exec.header, table.on_exec(&exec));
    let read = openat(100, 50, "cc", "/etc/shadow", O_RDONLY);
    let read_ctx = process_context(&read.event.header, table.get(100));

    let mut g = c.benchmark_group("otlp");
    g.bench_function("exec_log", |b| b.iter(|| exec_log(black_box(&exec), &exec_ctx, None, time)));
    // The record is consumed: each iteration gets a fresh copy, not timed.
    g.bench_function("security_log", |b| {
        b.iter_batched(|| read.clone(), |r| security_log(black_box(r), &read_ctx, None, time), BatchSize::SmallInput)
    });

    // The OTLP sink's path for a security record (no rule matched): encoded
    // straight from the record, against building its LogEvent and encoding
    // that (both into a reused buffer, as the batcher does).
    let mut buf = Vec::with_capacity(1 << 16);
    g.bench_function("security_via_log_event", |b| {
        b.iter_batched(
            || read.clone(),
            |r| {
                buf.clear();
                record(&mut buf, &security_log(black_box(r), &read_ctx, None, time), time);
            },
            BatchSize::SmallInput,
        );
    });
    g.bench_function("security_direct", |b| {
        b.iter_batched(
            || read.clone(),
            |r| {
                buf.clear();
                security_record(&mut buf, black_box(r), &read_ctx, time, time, None);
            },
            BatchSize::SmallInput,
        );
    });

    // Half execs, half security events, as one export batch.
    let events: Vec<LogEvent> = (0..BATCH)
        .map(|i| {
            if i % 2 == 0 {
                exec_log(&exec, &exec_ctx, None, time)
            } else {
                security_log(read.clone(), &read_ctx, None, time)
            }
        })
        .collect();
    let base = vec![KeyValue::new("service.name", "sysotel"), KeyValue::new("host.name", "bench-host")];
    let encode_batch = |events: &[LogEvent]| {
        let mut batcher = Batcher::new(semconv::SCOPE, base.clone(), None, usize::MAX);
        let now = Instant::now();
        for e in events {
            let _ = batcher.push(e, || now, time);
        }
        batcher.take()
    };
    let batch = encode_batch(&events).expect("a batch");
    let decoded = ExportLogsServiceRequest::decode(batch.body.clone()).expect("the batch decodes");
    assert_eq!(decoded.resource_logs[0].scope_logs[0].log_records.len(), BATCH);

    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("wire_encode_512", |b| b.iter(|| encode_batch(black_box(&events))));

    // The SDK path, for comparison: records, the batch processor's clone,
    // the proto conversion and prost's encoding.
    let provider = SdkLoggerProvider::builder().build();
    let logger = provider.logger(semconv::SCOPE);
    let scope = InstrumentationScope::builder(semconv::SCOPE).build();
    let resource: ResourceAttributesWithSchema =
        (&Resource::builder_empty().with_attributes(base.clone()).build()).into();
    g.bench_function("sdk_path_512", |b| {
        b.iter_batched(
            || events.clone(),
            |events| {
                let records: Vec<SdkLogRecord> = events.into_iter().map(|e| sdk_record(&logger, e)).collect();
                let queued: Vec<SdkLogRecord> = records.clone();
                let pairs: Vec<(&SdkLogRecord, &InstrumentationScope)> = queued.iter().map(|r| (r, &scope)).collect();
                let resource_logs = group_logs_by_resource_and_scope(&LogBatch::new(&pairs), &resource);
                ExportLogsServiceRequest { resource_logs }.encode_to_vec()
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
    drop(provider.shutdown());
}
