//! The OTLP/JSON file output: with no collector and `SYSOTEL_OUTPUT_DIR`
//! set, logs, traces and metrics land as one JSON request per line in the
//! format the collector's `otlpjsonfile` receiver reads.

use std::time::Duration;

use serde_json::Value;
use sysotel_integration::agent::Agent;
use sysotel_integration::gate::require_integration;
use sysotel_integration::workload::{run_marker_exec, unique_marker};

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{} holds a non-JSON line: {e}", path.display())))
        .collect()
}

#[test]
fn signals_land_in_otlp_json_files() {
    if !require_integration() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("sysotel-it-files-{}", unique_marker()));
    let mut agent = Agent::start([
        ("SYSOTEL_OUTPUT_DIR", dir.display().to_string()),
        ("OTEL_METRIC_EXPORT_INTERVAL", "500".to_string()),
        ("OTEL_BLRP_SCHEDULE_DELAY", "200".to_string()),
        ("OTEL_BSP_SCHEDULE_DELAY", "200".to_string()),
    ]);
    let marker = unique_marker();
    run_marker_exec(&marker).expect("marker exec");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(agent.stop().success(), "{}", agent.stderr_text());
    assert!(!agent.stdout_text().contains(&marker), "with a file output the terminal stays quiet");

    let logs = lines(&dir.join("logs.jsonl"));
    let text = serde_json::to_string(&logs).expect("json");
    assert!(text.contains(&marker), "the marker exec is in logs.jsonl");
    assert!(logs.iter().all(|l| l.get("resourceLogs").is_some()), "each line is an ExportLogsServiceRequest");
    assert!(text.contains("\"eventName\":\"sysotel.process.exec\""));

    let traces = lines(&dir.join("traces.jsonl"));
    assert!(traces.iter().all(|l| l.get("resourceSpans").is_some()));
    assert!(serde_json::to_string(&traces).expect("json").contains(&marker), "the marker's process span is there");

    let metrics = serde_json::to_string(&lines(&dir.join("metrics.jsonl"))).expect("json");
    assert!(metrics.contains("\"resourceMetrics\"") && metrics.contains("sysotel.syscalls"));
    let _ = std::fs::remove_dir_all(&dir);
}
