//! The agent's own OpenTelemetry Resource (host and service attributes).
//!
//! `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` are read by the SDK's
//! detectors; `service.name` defaults to `sysotel` only when neither sets it.

use std::path::Path;

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;
use semconv::attribute as attr;

/// Host identity: `host.name`, `host.id` (machine-id), `host.arch`, `os.type`.
///
/// In a pod, the agent's own hostname and `/etc/machine-id` are the pod's
/// and the image's, not the node's: the node name comes from
/// `K8S_NODE_NAME` (downward API) and the machine-id is read through the
/// host's init process (`<proc_root>/1/root/etc/machine-id`, needs
/// `hostPID` and CAP_SYS_PTRACE) before falling back to our own.
#[must_use]
pub fn host_attributes(proc_root: &Path) -> Vec<KeyValue> {
    let mut kv = vec![KeyValue::new(attr::OS_TYPE, "linux"), KeyValue::new(attr::HOST_ARCH, host_arch())];
    let node = std::env::var("K8S_NODE_NAME").ok().filter(|v| !v.is_empty());
    // /proc/sys/kernel/hostname shows the reader's UTS namespace, so in a pod
    // only the downward API knows the node.
    if let Some(name) = node.or_else(|| read_trimmed(Path::new("/proc/sys/kernel/hostname"))) {
        kv.push(KeyValue::new(attr::HOST_NAME, name));
    }
    let host_root = proc_root.join("1/root");
    let id = ["etc/machine-id", "var/lib/dbus/machine-id"]
        .iter()
        .find_map(|f| read_trimmed(&host_root.join(f)))
        .or_else(|| read_trimmed(Path::new("/etc/machine-id")));
    if let Some(id) = id {
        kv.push(KeyValue::new(attr::HOST_ID, id));
    }
    kv
}

fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

fn read_trimmed(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The Resource for every provider; `proc_root` is the host's `/proc`.
#[must_use]
pub fn agent_resource(proc_root: &Path) -> Resource {
    let env_sets_name = std::env::var("OTEL_SERVICE_NAME").is_ok_and(|v| !v.is_empty())
        || std::env::var("OTEL_RESOURCE_ATTRIBUTES").is_ok_and(|v| v.contains("service.name="));
    let mut b = Resource::builder();
    if !env_sets_name {
        b = b.with_service_name("sysotel");
    }
    b.with_attribute(KeyValue::new(attr::SERVICE_VERSION, env!("CARGO_PKG_VERSION")))
        .with_attributes(host_attributes(proc_root))
        .build()
}
