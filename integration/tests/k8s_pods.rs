//! Kubernetes pod attribution end to end: a command run in a real podman
//! container under a kubepods-style cgroup parent, whose pod (same UID, a
//! container status naming the container's id) is served by a fake
//! Kubernetes API, arrives at the collector under a Resource carrying the
//! pod's attributes.

use std::process::Command;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sysotel_integration::agent::{Agent, OtlpProtocol, otlp_env};
use sysotel_integration::fake_kube::{FakeKube, pod_json};
use sysotel_integration::gate::require_integration;
use sysotel_integration::podman;
use sysotel_integration::receiver::Receiver;
use sysotel_integration::records::LogEntry;
use sysotel_integration::rotel::Rotel;
use sysotel_integration::workload::unique_marker;

const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(20);
/// Time for the agent's pod watcher to list the fake API's pods.
const SYNC_WAIT: Duration = Duration::from_millis(1500);
const NODE: &str = "node-a";
const POD_NAME: &str = "web-7d9f8b6c5-x2x9k";

/// Removes the container when dropped, also on failure.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("podman").args(["rm", "-f", &self.0]).output();
    }
}

/// A v4-shaped UUID from the clock and the pid, fresh per run.
fn fresh_pod_uid() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let pid = u128::from(std::process::id());
    let mixed = nanos ^ (pid << 64) ^ (pid << 20);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (mixed >> 96) as u32 ^ (mixed as u32),
        (mixed >> 80) as u16,
        (mixed >> 68) as u16 & 0xfff,
        (mixed >> 56) as u16 & 0xfff,
        mixed as u64 & 0xffff_ffff_ffff,
    )
}

/// `podman create`s `/bin/echo <marker>` under the pod's cgroup parent.
fn create_container(pod_uid: &str, marker: &str) -> Container {
    let out = Command::new("podman")
        .args(["--runtime", "runc", "create", "--network", "none"])
        .args(["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"])
        .args(["--cgroup-parent", &format!("/kubepods/besteffort/pod{pod_uid}")])
        .args([podman::IMAGE, "/bin/echo", marker])
        .output()
        .expect("running podman create");
    assert!(out.status.success(), "podman create failed: {}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8(out.stdout).expect("utf-8 container id").trim().to_owned();
    assert!(id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()), "unexpected container id {id:?}");
    Container(id)
}

/// The exec of `/bin/echo <marker>` itself (not podman's, whose argv also holds the marker).
fn marker_exec(entry: &LogEntry, marker: &str) -> bool {
    entry.event_name == "sysotel.process.exec"
        && entry.attributes.str_array("process.command_args").is_some_and(|a| a == ["/bin/echo", marker])
}

#[test]
fn pod_commands_carry_kubernetes_pod_resources() {
    if !require_integration() {
        return;
    }
    podman::ensure_image().expect("building the busybox test image");
    let uid = fresh_pod_uid();
    let marker = unique_marker();
    let container = create_container(&uid, &marker);
    let id = container.0.clone();

    let pod = pod_json(
        &uid,
        POD_NAME,
        "shop",
        NODE,
        "web-7d9f8b6c5",
        "7d9f8b6c5",
        "app",
        &id,
        "registry.example/shop/web:1.4.2",
        &[("app", "web")],
    );
    let kube = FakeKube::start(vec![pod]);
    let receiver = Receiver::start().expect("starting the OTLP receiver");
    let rotel = Rotel::start(&receiver.endpoint()).expect("starting rotel");
    let mut env = otlp_env(OtlpProtocol::Grpc, &rotel.grpc_endpoint());
    env.extend([
        ("K8S_NODE_NAME".to_owned(), NODE.to_owned()),
        ("SYSOTEL_KUBE_API_URL".to_owned(), kube.url()),
        ("SYSOTEL_K8S_POD_LABELS".to_owned(), "app".to_owned()),
    ]);
    let _agent = Agent::start(env);
    thread::sleep(SYNC_WAIT);

    let out = Command::new("podman").args(["start", "-a", &id]).output().expect("running podman start");
    assert!(out.status.success(), "podman start failed: {}", String::from_utf8_lossy(&out.stderr));

    let entry = receiver.wait_for_log(|e| marker_exec(e, &marker), ARRIVAL_TIMEOUT).unwrap_or_else(|| {
        panic!("no exec record for `/bin/echo {marker}` (container {id}) arrived; API requests: {:?}", kube.requests())
    });
    let expected = [
        ("container.id", id.as_str()),
        ("k8s.pod.uid", uid.as_str()),
        ("k8s.pod.name", POD_NAME),
        ("k8s.namespace.name", "shop"),
        ("k8s.node.name", NODE),
        ("k8s.deployment.name", "web"),
        ("k8s.container.name", "app"),
        ("container.image.name", "registry.example/shop/web"),
        ("k8s.pod.label.app", "web"),
    ];
    for (key, value) in expected {
        assert_eq!(entry.resource.str(key), Some(value), "{key}; API requests {:?}; {entry:#?}", kube.requests());
    }
}
