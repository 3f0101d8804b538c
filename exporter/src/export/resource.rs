//! The agent's own OpenTelemetry Resource (host and service attributes).
//!
//! `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` are read by the SDK's
//! detectors; `service.name` defaults to `sysotel` only when neither sets it.

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;
use semconv::attribute as attr;

/// Host identity: `host.name`, `host.id` (machine-id), `host.arch`, `os.type`.
#[must_use]
pub fn host_attributes() -> Vec<KeyValue> {
    let mut kv = vec![KeyValue::new(attr::OS_TYPE, "linux"), KeyValue::new(attr::HOST_ARCH, host_arch())];
    if let Some(name) = read_trimmed("/proc/sys/kernel/hostname") {
        kv.push(KeyValue::new(attr::HOST_NAME, name));
    }
    if let Some(id) = read_trimmed("/etc/machine-id").or_else(|| read_trimmed("/var/lib/dbus/machine-id")) {
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

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The Resource for every provider.
#[must_use]
pub fn agent_resource() -> Resource {
    let env_sets_name = std::env::var("OTEL_SERVICE_NAME").is_ok_and(|v| !v.is_empty())
        || std::env::var("OTEL_RESOURCE_ATTRIBUTES").is_ok_and(|v| v.contains("service.name="));
    let mut b = Resource::builder();
    if !env_sets_name {
        b = b.with_service_name("sysotel");
    }
    b.with_attribute(KeyValue::new(attr::SERVICE_VERSION, env!("CARGO_PKG_VERSION")))
        .with_attributes(host_attributes())
        .build()
}
