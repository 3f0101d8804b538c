//! OpenTelemetry attributes of a pod and one of its containers: the pure
//! [`pod_attributes`].

use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_semantic_conventions::attribute as sc;

use super::meta::{ContainerMeta, PodMeta, WorkloadKind};

/// The `k8s.*` and `container.image.*` attributes of `pod` and, when given,
/// of `container`, in a stable order: pod, workload, container, labels.
///
/// `k8s.pod.label.<key>` is emitted only for the keys in `label_keys` that
/// the pod has, in `label_keys` order. `container.id` is not repeated here:
/// the caller knows it from the cgroup path.
#[must_use]
pub fn pod_attributes(pod: &PodMeta, container: Option<&ContainerMeta>, label_keys: &[String]) -> Vec<KeyValue> {
    let mut out = vec![
        KeyValue::new(sc::K8S_POD_UID, pod.uid.clone()),
        KeyValue::new(sc::K8S_POD_NAME, pod.name.clone()),
        KeyValue::new(sc::K8S_NAMESPACE_NAME, pod.namespace.clone()),
    ];
    if let Some(node) = &pod.node_name {
        out.push(KeyValue::new(sc::K8S_NODE_NAME, node.clone()));
    }
    if let Some(start) = &pod.start_time {
        out.push(KeyValue::new(sc::K8S_POD_START_TIME, start.clone()));
    }
    if let Some(w) = &pod.workload {
        let (name_key, uid_key) = workload_keys(w.kind);
        out.push(KeyValue::new(name_key, w.name.clone()));
        if let Some(uid) = &w.uid {
            out.push(KeyValue::new(uid_key, uid.clone()));
        }
    }
    if let Some(c) = container {
        out.push(KeyValue::new(sc::K8S_CONTAINER_NAME, c.name.clone()));
        if let Some((name, tag)) = c.image.as_deref().and_then(split_image) {
            out.push(KeyValue::new(sc::CONTAINER_IMAGE_NAME, name.to_owned()));
            if let Some(tag) = tag {
                let tags = Array::String(vec![StringValue::from(tag.to_owned())]);
                out.push(KeyValue::new(sc::CONTAINER_IMAGE_TAGS, Value::Array(tags)));
            }
        }
        if let Some(restarts) = c.restart_count {
            out.push(KeyValue::new(sc::K8S_CONTAINER_RESTART_COUNT, i64::from(restarts)));
        }
    }
    for key in label_keys {
        if let Some(value) = pod.labels.get(key) {
            out.push(KeyValue::new(format!("{}.{key}", sc::K8S_POD_LABEL), value.clone()));
        }
    }
    out
}

/// `k8s.<kind>.name` and `k8s.<kind>.uid`.
#[must_use]
pub const fn workload_keys(kind: WorkloadKind) -> (&'static str, &'static str) {
    match kind {
        WorkloadKind::Deployment => (sc::K8S_DEPLOYMENT_NAME, sc::K8S_DEPLOYMENT_UID),
        WorkloadKind::ReplicaSet => (sc::K8S_REPLICASET_NAME, sc::K8S_REPLICASET_UID),
        WorkloadKind::StatefulSet => (sc::K8S_STATEFULSET_NAME, sc::K8S_STATEFULSET_UID),
        WorkloadKind::DaemonSet => (sc::K8S_DAEMONSET_NAME, sc::K8S_DAEMONSET_UID),
        WorkloadKind::Job => (sc::K8S_JOB_NAME, sc::K8S_JOB_UID),
        WorkloadKind::CronJob => (sc::K8S_CRONJOB_NAME, sc::K8S_CRONJOB_UID),
    }
}

/// Splits an image reference into its name (registry and repository) and
/// tag, dropping any `@digest`: `reg:5000/app:1.2@sha256:..` ->
/// (`reg:5000/app`, `Some("1.2")`). `None` for bare image ids
/// (`sha256:<hex>`), which name no repository.
#[must_use]
pub fn split_image(reference: &str) -> Option<(&str, Option<&str>)> {
    let without_digest = reference.split_once('@').map_or(reference, |(name, _)| name);
    if without_digest.is_empty() || reference.starts_with("sha256:") || reference.starts_with("sha512:") {
        return None;
    }
    let last_slash = without_digest.rfind('/');
    match without_digest.rfind(':') {
        // A colon before the last slash is a registry port, not a tag.
        Some(colon) if last_slash.is_none_or(|slash| colon > slash) => {
            let (name, tag) = (&without_digest[..colon], &without_digest[colon + 1..]);
            (!name.is_empty()).then_some((name, (!tag.is_empty()).then_some(tag)))
        }
        _ => Some((without_digest, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::k8s::meta::{Workload, pod_meta, tests as meta_tests};

    fn get<'a>(kvs: &'a [KeyValue], key: &str) -> Option<&'a Value> {
        kvs.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
    }

    #[test]
    fn pod_and_container_attributes() {
        let meta = pod_meta(&meta_tests::deployment_pod()).unwrap();
        let app = meta.container_by_id(meta_tests::ID_A).unwrap();
        let kvs = pod_attributes(&meta, Some(app), &["app".to_owned(), "missing".to_owned()]);
        let s = |k| get(&kvs, k).map(Value::as_str).map(std::borrow::Cow::into_owned);
        assert_eq!(s("k8s.pod.uid").as_deref(), Some("uid-web"));
        assert_eq!(s("k8s.pod.name").as_deref(), Some("web-7d4b9c8f6-x2x9z"));
        assert_eq!(s("k8s.namespace.name").as_deref(), Some("shop"));
        assert_eq!(s("k8s.node.name").as_deref(), Some("node-a"));
        assert_eq!(s("k8s.pod.start_time").as_deref(), Some("2025-12-04T08:41:03Z"));
        assert_eq!(s("k8s.deployment.name").as_deref(), Some("web"));
        assert_eq!(get(&kvs, "k8s.deployment.uid"), None);
        assert_eq!(s("k8s.container.name").as_deref(), Some("app"));
        assert_eq!(s("container.image.name").as_deref(), Some("ghcr.io/acme/web"));
        assert_eq!(
            get(&kvs, "container.image.tags"),
            Some(&Value::Array(Array::String(vec![StringValue::from("1.4.2")])))
        );
        assert_eq!(get(&kvs, "k8s.container.restart_count"), Some(&Value::I64(3)));
        assert_eq!(s("k8s.pod.label.app").as_deref(), Some("web"));
        assert_eq!(get(&kvs, "k8s.pod.label.missing"), None);
        assert_eq!(get(&kvs, "k8s.pod.label.pod-template-hash"), None, "only the configured labels");
        assert_eq!(get(&kvs, "container.id"), None);
    }

    #[test]
    fn pod_only_and_direct_workload() {
        let mut meta = pod_meta(&meta_tests::deployment_pod()).unwrap();
        meta.workload = Some(Workload { kind: WorkloadKind::StatefulSet, name: "db".into(), uid: Some("u".into()) });
        meta.node_name = None;
        let kvs = pod_attributes(&meta, None, &[]);
        let keys: Vec<&str> = kvs.iter().map(|kv| kv.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "k8s.pod.uid",
                "k8s.pod.name",
                "k8s.namespace.name",
                "k8s.pod.start_time",
                "k8s.statefulset.name",
                "k8s.statefulset.uid"
            ]
        );
    }

    #[test]
    fn digest_only_image_has_a_name_but_no_tag() {
        let meta = pod_meta(&meta_tests::deployment_pod()).unwrap();
        let init = meta.container_by_name("migrate").unwrap();
        let kvs = pod_attributes(&meta, Some(init), &[]);
        assert_eq!(get(&kvs, "container.image.name").map(Value::as_str).as_deref(), Some("ghcr.io/acme/migrate"));
        assert_eq!(get(&kvs, "container.image.tags"), None);
    }

    #[test]
    fn image_references() {
        assert_eq!(split_image("nginx"), Some(("nginx", None)));
        assert_eq!(split_image("nginx:1.25"), Some(("nginx", Some("1.25"))));
        assert_eq!(split_image("localhost:5000/app"), Some(("localhost:5000/app", None)));
        assert_eq!(split_image("localhost:5000/app:v2"), Some(("localhost:5000/app", Some("v2"))));
        assert_eq!(split_image("docker.io/library/redis:7@sha256:00ff"), Some(("docker.io/library/redis", Some("7"))));
        assert_eq!(split_image("redis@sha256:00ff"), Some(("redis", None)));
        assert_eq!(split_image("redis:"), Some(("redis", None)));
        assert_eq!(split_image("sha256:00ff"), None);
        assert_eq!(split_image(""), None);
        assert_eq!(split_image(":tag"), None);
    }
}
