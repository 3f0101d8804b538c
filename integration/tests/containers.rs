//! Container attribution end to end: a command run in a real podman
//! container arrives at the collector under a Resource naming that
//! container, and under a kubepods-style cgroup parent with its pod UID.

use std::time::Duration;

use sysotel_integration::agent::{Agent, OtlpProtocol, otlp_env};
use sysotel_integration::gate::require_integration;
use sysotel_integration::podman;
use sysotel_integration::receiver::Receiver;
use sysotel_integration::records::LogEntry;
use sysotel_integration::rotel::Rotel;
use sysotel_integration::workload::unique_marker;

const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(20);

/// The exec of `/bin/echo <marker>` itself (not podman's, whose argv also holds the marker).
fn marker_exec(entry: &LogEntry, marker: &str) -> bool {
    entry.event_name == "sysotel.process.exec"
        && entry.attributes.str_array("process.command_args").is_some_and(|a| a == ["/bin/echo", marker])
}

fn run_and_find(receiver: &Receiver, cgroup_parent: Option<&str>) -> (String, LogEntry) {
    let marker = unique_marker();
    let id = podman::run(cgroup_parent, &["/bin/echo", &marker]).expect("running the container");
    let entry = receiver.wait_for_log(|e| marker_exec(e, &marker), ARRIVAL_TIMEOUT).unwrap_or_else(|| {
        panic!("no exec record for the container command `/bin/echo {marker}` (container {id}) arrived")
    });
    (id, entry)
}

#[test]
fn container_commands_carry_container_and_pod_resources() {
    if !require_integration() {
        return;
    }
    podman::ensure_image().expect("building the busybox test image");
    let receiver = Receiver::start().expect("starting the OTLP receiver");
    let rotel = Rotel::start(&receiver.endpoint()).expect("starting rotel");
    let mut env = otlp_env(OtlpProtocol::Grpc, &rotel.grpc_endpoint());
    env.push(("SYSOTEL_REPORT_INTERVAL_SECS".into(), "1".into()));
    let _agent = Agent::start(env);

    let (id, entry) = run_and_find(&receiver, None);
    assert_eq!(entry.resource.str("container.id"), Some(id.as_str()), "{entry:#?}");
    assert_eq!(entry.resource.str("container.runtime.name"), Some("podman"), "{entry:#?}");
    assert_eq!(entry.resource.str("k8s.pod.uid"), None, "{entry:#?}");
    assert_eq!(entry.resource.str("service.name"), Some("sysotel"), "{entry:#?}");
    assert_eq!(entry.attributes.str("process.executable.path"), Some("/bin/echo"), "{entry:#?}");
    // The container's lifetime as events, under its own resource.
    for event in ["sysotel.container.start", "sysotel.container.stop"] {
        let found = receiver.wait_for_log(
            |e| e.event_name == event && e.resource.str("container.id") == Some(id.as_str()),
            ARRIVAL_TIMEOUT,
        );
        assert!(found.is_some(), "no {event} record for container {id}");
    }

    let uid = "5d2c3b4a-1e2f-4a5b-8c9d-0e1f2a3b4c5d";
    let parent = format!("/kubepods/besteffort/pod{uid}");
    let (id, entry) = run_and_find(&receiver, Some(&parent));
    assert_eq!(entry.resource.str("container.id"), Some(id.as_str()), "{entry:#?}");
    assert_eq!(entry.resource.str("k8s.pod.uid"), Some(uid), "{entry:#?}");

    // Host processes stay under the host resource, without container attributes.
    let marker = unique_marker();
    sysotel_integration::workload::run_marker_exec(&marker).expect("host exec");
    let host = receiver.wait_for_log(|e| marker_exec(e, &marker), ARRIVAL_TIMEOUT).expect("host exec record");
    assert_eq!(host.resource.str("container.id"), None, "{host:#?}");
    assert!(host.resource.str("host.name").is_some(), "{host:#?}");
}
