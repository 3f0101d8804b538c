//! OTLP mapping: the log records for an exec and a security event, and a
//! batch of them turned into SDK records, then into an encoded
//! `ExportLogsServiceRequest` by `export::otlp_file::logs_request`.

use std::{
    hint::black_box,
    time::{Duration, SystemTime},
};

use criterion::{BatchSize, Criterion, Throughput};
use opentelemetry::{InstrumentationScope, KeyValue, logs::LoggerProvider as _};
use opentelemetry_proto::transform::{
    common::tonic::ResourceAttributesWithSchema, logs::tonic::group_logs_by_resource_and_scope,
};
use opentelemetry_sdk::{
    Resource,
    logs::{LogBatch, SdkLogRecord, SdkLogger, SdkLoggerProvider},
};
use prost::Message as _;
use sysotel::{
    enrich::process_context,
    export::otlp_file::logs_request,
    signals::{LogEvent, exec_log, security::security_log},
};

use crate::fixtures::{O_RDONLY, exec_event, openat, tree};

/// Records per batch: the SDK batch processor's default export size.
const BATCH: usize = 512;

/// The SDK record for `event`, as `OtlpLogSink::emit` fills it.
fn sdk_record(logger: &SdkLogger, event: LogEvent) -> SdkLogRecord {
    let time = event.time;
    sysotel::export::sdk_record(logger, event, time)
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
    g.bench_function("security_log", |b| b.iter(|| security_log(black_box(&read), &read_ctx, None, time)));

    // Half execs, half security events, as one export batch.
    let events: Vec<LogEvent> = (0..BATCH)
        .map(|i| {
            if i % 2 == 0 { exec_log(&exec, &exec_ctx, None, time) } else { security_log(&read, &read_ctx, None, time) }
        })
        .collect();
    let provider = SdkLoggerProvider::builder().build();
    let logger = provider.logger(semconv::SCOPE);
    let scope = InstrumentationScope::builder(semconv::SCOPE).build();
    let resource: ResourceAttributesWithSchema = (&Resource::builder_empty()
        .with_attributes([KeyValue::new("service.name", "sysotel"), KeyValue::new("host.name", "bench-host")])
        .build())
        .into();
    let records: Vec<SdkLogRecord> = events.iter().cloned().map(|e| sdk_record(&logger, e)).collect();
    let pairs: Vec<(&SdkLogRecord, &InstrumentationScope)> = records.iter().map(|r| (r, &scope)).collect();
    let encoded = logs_request(&LogBatch::new(&pairs), &resource).encode_to_vec();
    assert!(encoded.len() > BATCH * 100, "a batch of {BATCH} records encodes to {} bytes", encoded.len());

    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("sdk_records_512", |b| {
        b.iter_batched(
            || events.clone(),
            |events| events.into_iter().map(|e| sdk_record(&logger, e)).collect::<Vec<_>>(),
            BatchSize::LargeInput,
        );
    });
    g.bench_function("logs_request_512", |b| b.iter(|| logs_request(&LogBatch::new(black_box(&pairs)), &resource)));
    // The SDK's own conversion, which its OTLP exporters use, for comparison.
    g.bench_function("sdk_transform_512", |b| {
        b.iter(|| group_logs_by_resource_and_scope(&LogBatch::new(black_box(&pairs)), &resource));
    });
    g.bench_function("logs_request_encode_512", |b| {
        b.iter(|| logs_request(&LogBatch::new(black_box(&pairs)), &resource).encode_to_vec());
    });
    g.finish();
    drop(provider.shutdown());
}
