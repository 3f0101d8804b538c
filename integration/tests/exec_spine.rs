//! The spine end to end: a real exec, seen by the agent's eBPF probes, exported
//! over OTLP (gRPC or HTTP/protobuf) to rotel, forwarded to the receiver, and
//! checked attribute by attribute.

use std::fs;
use std::time::Duration;

use sysotel_integration::agent::{Agent, OtlpProtocol, otlp_env};
use sysotel_integration::events::EXEC;
use sysotel_integration::gate::require_integration;
use sysotel_integration::receiver::Receiver;
use sysotel_integration::records::LogEntry;
use sysotel_integration::rotel::Rotel;
use sysotel_integration::workload::{ECHO_PATH, run_marker_exec, unique_marker};

const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(20);

/// Whether `entry` is the exec record of the process run with `marker`.
fn is_marker_exec(entry: &LogEntry, marker: &str) -> bool {
    entry.event_name == EXEC
        && entry.attributes.str_array("process.command_args").is_some_and(|args| args.contains(&marker))
}

/// The paths the kernel may report for `/bin/echo`: as executed, through a
/// merged `/usr`, or fully resolved.
fn echo_paths() -> Vec<String> {
    let mut paths = vec![ECHO_PATH.to_owned(), "/usr/bin/echo".to_owned()];
    if let Ok(resolved) = fs::canonicalize(ECHO_PATH) {
        paths.push(resolved.to_string_lossy().into_owned());
    }
    paths
}

fn exec_reaches_the_collector(protocol: OtlpProtocol) {
    let receiver = Receiver::start().expect("starting the OTLP receiver");
    let rotel = Rotel::start(&receiver.endpoint()).expect("starting rotel");
    let endpoint = match protocol {
        OtlpProtocol::Grpc => rotel.grpc_endpoint(),
        OtlpProtocol::HttpProtobuf => rotel.http_endpoint(),
    };
    let _agent = Agent::start(otlp_env(protocol, &endpoint));

    let marker = unique_marker();
    let (child_pid, parent_pid) = run_marker_exec(&marker).expect("running /bin/echo");

    let entry = receiver.wait_for_log(|e| is_marker_exec(e, &marker), ARRIVAL_TIMEOUT).unwrap_or_else(|| {
        let names: Vec<String> = receiver.log_entries().into_iter().map(|e| e.event_name).collect();
        panic!(
            "no {EXEC} record for `{ECHO_PATH} {marker}` (pid {child_pid}) arrived over \
                 {protocol:?} within {ARRIVAL_TIMEOUT:?}; {} records arrived: {names:?}",
            names.len()
        )
    });

    let attrs = &entry.attributes;
    assert_eq!(attrs.int("process.pid"), Some(i64::from(child_pid)), "{entry:#?}");
    assert_eq!(attrs.int("process.parent_pid"), Some(i64::from(parent_pid)), "{entry:#?}");
    let path = attrs.str("process.executable.path").unwrap_or_default();
    assert!(echo_paths().iter().any(|p| p == path), "unexpected executable path: {entry:#?}");
    assert_eq!(attrs.str("process.executable.name"), Some("echo"), "{entry:#?}");
    assert_eq!(attrs.str_array("process.command_args"), Some(vec![ECHO_PATH, marker.as_str()]), "{entry:#?}");
}

#[test]
fn exec_reaches_the_collector_over_grpc() {
    if !require_integration() {
        return;
    }
    exec_reaches_the_collector(OtlpProtocol::Grpc);
}

#[test]
fn exec_reaches_the_collector_over_http_protobuf() {
    if !require_integration() {
        return;
    }
    exec_reaches_the_collector(OtlpProtocol::HttpProtobuf);
}
