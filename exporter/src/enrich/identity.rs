//! The container identity attached to records, as OTLP resource attributes.
//!
//! Container and pod attributes describe *where* a record comes from, so
//! they go on the OTLP Resource (Loki indexes `k8s.*` resource attributes,
//! Tempo groups by resource). `container.id` and `k8s.pod.uid` are always
//! present when known, so a collector's `k8s_attributes` processor can
//! enrich further.

use std::sync::Arc;

use opentelemetry::{KeyValue, Value};
use semconv::attribute as attr;

use super::container::resolver::CgroupInfo;

/// One container, with the resource attributes that name it.
#[derive(Clone, Debug, PartialEq)]
pub struct ContainerIdentity {
    pub id: String,
    pub pod_uid: Option<String>,
    /// Resource attributes (container.*, k8s.*), in a stable order.
    pub resource: Vec<KeyValue>,
}

impl ContainerIdentity {
    /// Short id for terminal output.
    #[must_use]
    pub fn short_id(&self) -> &str {
        &self.id[..self.id.len().min(12)]
    }

    /// Value of one resource attribute.
    #[must_use]
    pub fn resource_value(&self, key: &str) -> Option<&Value> {
        self.resource.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
    }
}

/// The identity of the container a cgroup belongs to; `None` for host
/// cgroups. `extra` adds attributes (e.g. from the Kubernetes API).
#[must_use]
pub fn container_identity(info: &CgroupInfo, extra: Vec<KeyValue>) -> Option<Arc<ContainerIdentity>> {
    let c = info.container.as_ref()?;
    let mut resource = vec![
        KeyValue::new(attr::CONTAINER_ID, c.id.clone()),
        KeyValue::new(attr::CONTAINER_RUNTIME_NAME, c.runtime.as_str()),
        KeyValue::new(attr::CGROUP_PATH, info.path.clone()),
    ];
    if let Some(uid) = &c.pod_uid {
        resource.push(KeyValue::new(attr::K8S_POD_UID, uid.clone()));
    }
    for kv in extra {
        if !resource.iter().any(|r| r.key == kv.key) {
            resource.push(kv);
        }
    }
    Some(Arc::new(ContainerIdentity { id: c.id.clone(), pod_uid: c.pod_uid.clone(), resource }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::container::parse_cgroup_path;

    #[test]
    fn pod_containers_carry_container_and_pod_ids() {
        let id = "b9e73468867f59848c670d6f7459ba7098fb2c09c864b14553956f67a022ecba";
        let path = format!("/kubepods/besteffort/pod12345678-1234-1234-1234-123456789abc/libpod-{id}");
        let info = CgroupInfo { container: parse_cgroup_path(&path), path };
        let ident = container_identity(&info, vec![KeyValue::new("k8s.pod.name", "web-0")]).unwrap();
        assert_eq!(ident.short_id(), "b9e73468867f");
        assert_eq!(ident.resource_value("container.id").unwrap().as_str(), id);
        assert_eq!(ident.resource_value("k8s.pod.uid").unwrap().as_str(), "12345678-1234-1234-1234-123456789abc");
        assert_eq!(ident.resource_value("container.runtime.name").unwrap().as_str(), "podman");
        assert_eq!(ident.resource_value("k8s.pod.name").unwrap().as_str(), "web-0");
        let host = CgroupInfo { path: "/user.slice".into(), container: None };
        assert!(container_identity(&host, vec![]).is_none());
    }
}
