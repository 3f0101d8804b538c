//! The sink against a file and against a collector that never answers.

use std::{collections::HashMap, sync::atomic::Ordering};

use opentelemetry::{
    KeyValue,
    logs::{AnyValue, Severity},
};

use super::*;
use crate::export::otlp_file::JsonLinesFile;

fn event(n: i64) -> LogEvent {
    LogEvent {
        time: SystemTime::now(),
        event_name: "sysotel.process.exec",
        severity: Severity::Info,
        attributes: vec![(opentelemetry::Key::from_static_str("n"), AnyValue::Int(n))],
        container: None,
        trace: None,
        body: None,
    }
}

fn settings(max_queue: usize, max_batch: usize, delay_ms: u64) -> BatchSettings {
    BatchSettings { max_queue, max_batch, delay: Duration::from_millis(delay_ms) }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
}

/// Records in each line of the file.
fn lines(file: &JsonLinesFile) -> Vec<usize> {
    let text = std::fs::read_to_string(file.path()).unwrap_or_default();
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["resourceLogs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["scopeLogs"][0]["logRecords"].as_array().unwrap().len())
                .sum()
        })
        .collect()
}

fn file_sink(dir: &tempfile::TempDir, s: BatchSettings) -> (WireLogSink, OutputFile, Arc<ExportStats>) {
    let file = Arc::new(JsonLinesFile::open(dir.path().join("logs.jsonl")).unwrap());
    let stats = Arc::new(ExportStats::default());
    let sink = WireLogSink::start(
        Destination::File(Arc::clone(&file)),
        vec![KeyValue::new("service.name", "sysotel")],
        None,
        s,
        Arc::clone(&stats),
    );
    (sink, file, stats)
}

#[test]
fn the_open_batch_goes_out_after_the_delay() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let (mut sink, file, stats) = rt.block_on(async { file_sink(&dir, settings(100, 50, 50)) });
    for n in 0..3 {
        sink.emit(event(n));
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while stats.exported_records.load(Ordering::Relaxed) < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(lines(&file), [3]);
    assert_eq!((sink.pending(), stats.attempts.load(Ordering::Relaxed)), (0, 1));
    sink.shutdown().unwrap();
}

#[test]
fn full_batches_go_out_at_once_and_shutdown_sends_the_rest() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    // A delay far beyond the test: only size and shutdown send.
    let (mut sink, file, stats) = rt.block_on(async { file_sink(&dir, settings(100, 4, 600_000)) });
    for n in 0..10 {
        sink.emit(event(n));
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while stats.exported_records.load(Ordering::Relaxed) < 8 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(lines(&file), [4, 4]);
    sink.shutdown().unwrap();
    assert_eq!(lines(&file), [4, 4, 2]);
    assert_eq!(stats.exported_records.load(Ordering::Relaxed), 10);
    assert_eq!(sink.pending(), 0);
    // After shutdown a record is dropped and counted, not lost silently.
    sink.emit(event(11));
    assert_eq!(stats.queue_dropped.load(Ordering::Relaxed), 1);
    sink.shutdown().unwrap();
}

#[test]
fn a_stalled_collector_bounds_pending_records_and_counts_every_one() {
    let rt = runtime();
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let vars: HashMap<&str, String> = HashMap::from([
        ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", format!("http://127.0.0.1:{port}/v1/logs")),
        ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/protobuf".to_owned()),
        ("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "300".to_owned()),
    ]);
    let stats = Arc::new(ExportStats::default());
    let mut sink = rt.block_on(async {
        let config = WireConfig::resolve(crate::export::otlp_wire::Signal::Logs, &|k| vars.get(k).cloned()).unwrap();
        let sender = WireSender::new(&config).unwrap();
        WireLogSink::start(
            Destination::Otlp(Box::new(sender)),
            vec![],
            None,
            settings(4, 2, 600_000),
            Arc::clone(&stats),
        )
    });
    for n in 0..20 {
        sink.emit(event(n));
    }
    assert_eq!(sink.pending(), 4, "at most the queue's worth is held");
    assert_eq!(stats.queue_dropped.load(Ordering::Relaxed), 16);
    sink.shutdown().unwrap();
    assert_eq!(stats.failed_records.load(Ordering::Relaxed), 4, "the held records failed after the timeout");
    assert_eq!(stats.exported_records.load(Ordering::Relaxed), 0);
    assert_eq!(sink.pending(), 0);
    drop(listener);
}

#[test]
fn settings_come_from_the_blrp_variables() {
    let vars: HashMap<&str, &str> = HashMap::from([
        ("OTEL_BLRP_MAX_QUEUE_SIZE", "256"),
        ("OTEL_BLRP_SCHEDULE_DELAY", " 200 "),
        ("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "512"),
    ]);
    let s = BatchSettings::resolve(&|k| vars.get(k).map(|v| (*v).to_owned()));
    assert_eq!(s, settings(256, 256, 200), "the batch never exceeds the queue");
    let s = BatchSettings::resolve(&|_| None);
    assert_eq!(s, settings(DEFAULT_QUEUE, DEFAULT_BATCH, 1_000));
    let bad: HashMap<&str, &str> =
        HashMap::from([("OTEL_BLRP_MAX_QUEUE_SIZE", "0"), ("OTEL_BLRP_SCHEDULE_DELAY", "x")]);
    assert_eq!(BatchSettings::resolve(&|k| bad.get(k).map(|v| (*v).to_owned())), s);
}

#[test]
fn records_carry_the_observed_time_set_for_their_batch() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let (mut sink, file, _) = rt.block_on(async { file_sink(&dir, settings(100, 100, 600_000)) });
    let observed = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    sink.observing(Some(observed));
    sink.emit(event(1));
    sink.observing(None);
    let before = SystemTime::now();
    sink.emit(event(2));
    sink.shutdown().unwrap();
    let text = std::fs::read_to_string(file.path()).unwrap();
    let v: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let records = v["resourceLogs"][0]["scopeLogs"][0]["logRecords"].as_array().unwrap();
    let nanos = |r: &serde_json::Value| -> u128 { r["observedTimeUnixNano"].as_str().unwrap().parse().unwrap() };
    assert_eq!(nanos(&records[0]), observed.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos());
    assert!(
        nanos(&records[1]) >= before.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos(),
        "clock read again"
    );
}
