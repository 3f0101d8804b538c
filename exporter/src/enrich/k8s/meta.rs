//! What the agent keeps of a pod: [`PodMeta`], built by the pure
//! [`pod_meta`] from the API object.
//!
//! # Workload rules
//!
//! The workload is read from the pod's controller owner reference (the one
//! with `controller: true`, else the first owner of a known kind):
//!
//! - `StatefulSet`, `DaemonSet`: taken as is, with its uid.
//! - `ReplicaSet` named `<prefix>-<hash>` where `<hash>` equals the pod's
//!   `pod-template-hash` label and `<prefix>` is not empty: the `Deployment`
//!   `<prefix>` (its uid is not on the pod, so it stays unknown). Any other
//!   `ReplicaSet` (bare, or without the label) is reported as a `ReplicaSet`.
//! - `Job` named `<prefix>-<n>` where `<n>` is 8 or more ASCII digits and
//!   `<prefix>` is not empty: the `CronJob` `<prefix>` (the `CronJob` controller
//!   appends the scheduled time in minutes since the Unix epoch, 8 digits
//!   from 1989 to 2160). Any other `Job`, such as `backup-2`, stays a `Job`.
//! - Other owners (`Node` for static pods, `ReplicationController`, custom
//!   resources) and pods without owners: no workload.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{OwnerReference, Time};

/// Label the `Deployment` controller puts on its `ReplicaSet`s and their pods.
pub const POD_TEMPLATE_HASH_LABEL: &str = "pod-template-hash";

/// Minimum digit count of the suffix a `CronJob` appends to its `Job`s' names.
const CRONJOB_SUFFIX_MIN_DIGITS: usize = 8;

/// A pod on this node, as far as enrichment needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodMeta {
    pub uid: String,
    pub name: String,
    pub namespace: String,
    pub node_name: Option<String>,
    /// `status.startTime` (when the kubelet acknowledged the pod), RFC 3339
    /// in UTC with second precision, e.g. `2025-12-04T08:41:03Z`.
    pub start_time: Option<String>,
    pub workload: Option<Workload>,
    pub labels: BTreeMap<String, String>,
    /// Regular, init and ephemeral containers that have a status.
    pub containers: Vec<ContainerMeta>,
}

impl PodMeta {
    /// The container with runtime id `id`.
    #[must_use]
    pub fn container_by_id(&self, id: &str) -> Option<&ContainerMeta> {
        self.containers.iter().find(|c| c.id.as_deref() == Some(id))
    }

    /// The container named `name`.
    #[must_use]
    pub fn container_by_name(&self, name: &str) -> Option<&ContainerMeta> {
        self.containers.iter().find(|c| c.name == name)
    }
}

/// The controller that owns a pod (see the module's workload rules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub name: String,
    /// Known only for the direct owner, never for a derived one.
    pub uid: Option<String>,
}

/// Kinds of workloads with `k8s.<kind>.name` attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkloadKind {
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
}

impl WorkloadKind {
    /// The API kind, as in owner references (`ReplicaSet`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Deployment => "Deployment",
            Self::ReplicaSet => "ReplicaSet",
            Self::StatefulSet => "StatefulSet",
            Self::DaemonSet => "DaemonSet",
            Self::Job => "Job",
            Self::CronJob => "CronJob",
        }
    }
}

/// One container of a pod, from its status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerMeta {
    pub name: String,
    /// Runtime id without its `<runtime>://` prefix (for containerd, CRI-O
    /// and Docker the 64-hex id that also appears in cgroup paths); `None`
    /// until the container was created.
    pub id: Option<String>,
    /// Image reference as written in the pod spec (`nginx:1.25`), or as
    /// reported in the status when the spec has none.
    pub image: Option<String>,
    pub restart_count: Option<i32>,
}

/// Builds the metadata of `pod`; `None` when it has no uid, name or
/// namespace (never the case for objects from the API server).
#[must_use]
pub fn pod_meta(pod: &Pod) -> Option<PodMeta> {
    let md = &pod.metadata;
    let uid = non_empty(md.uid.as_deref())?;
    let name = non_empty(md.name.as_deref())?;
    let namespace = non_empty(md.namespace.as_deref())?;
    let labels = md.labels.clone().unwrap_or_default();
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let workload = workload(md.owner_references.as_deref().unwrap_or_default(), &labels);

    let mut containers = Vec::new();
    if let Some(status) = status {
        let spec_containers = spec.map(|s| s.containers.as_slice()).unwrap_or_default();
        let spec_init = spec.and_then(|s| s.init_containers.as_deref()).unwrap_or_default();
        for st in status.init_container_statuses.iter().flatten() {
            containers.push(container_meta(st, spec_init.iter().find(|c| c.name == st.name)));
        }
        for st in status.container_statuses.iter().flatten() {
            containers.push(container_meta(st, spec_containers.iter().find(|c| c.name == st.name)));
        }
        for st in status.ephemeral_container_statuses.iter().flatten() {
            let spec_image = spec
                .and_then(|s| s.ephemeral_containers.as_deref())
                .and_then(|e| e.iter().find(|c| c.name == st.name))
                .and_then(|c| c.image.clone());
            let mut meta = container_meta(st, None);
            meta.image = spec_image.filter(|i| !i.is_empty()).or(meta.image);
            containers.push(meta);
        }
    }

    Some(PodMeta {
        uid,
        name,
        namespace,
        node_name: spec.and_then(|s| non_empty(s.node_name.as_deref())),
        start_time: status.and_then(|s| s.start_time.as_ref()).and_then(rfc3339),
        workload,
        labels,
        containers,
    })
}

fn container_meta(status: &ContainerStatus, spec: Option<&Container>) -> ContainerMeta {
    let image = spec.and_then(|c| non_empty(c.image.as_deref())).or_else(|| non_empty(Some(&status.image)));
    ContainerMeta {
        name: status.name.clone(),
        id: status.container_id.as_deref().and_then(strip_runtime_prefix),
        image,
        restart_count: Some(status.restart_count),
    }
}

/// `containerd://<id>` -> `<id>` (any `<scheme>://` prefix); `None` when
/// empty.
#[must_use]
pub fn strip_runtime_prefix(container_id: &str) -> Option<String> {
    let id = container_id.split_once("://").map_or(container_id, |(_, id)| id);
    non_empty(Some(id))
}

fn workload(owners: &[OwnerReference], labels: &BTreeMap<String, String>) -> Option<Workload> {
    let owner = owners.iter().find(|o| o.controller == Some(true)).or_else(|| owners.first())?;
    let uid = non_empty(Some(&owner.uid));
    let direct = |kind| Some(Workload { kind, name: owner.name.clone(), uid: uid.clone() });
    match owner.kind.as_str() {
        "StatefulSet" => direct(WorkloadKind::StatefulSet),
        "DaemonSet" => direct(WorkloadKind::DaemonSet),
        "ReplicaSet" => match deployment_name(&owner.name, labels) {
            Some(name) => Some(Workload { kind: WorkloadKind::Deployment, name, uid: None }),
            None => direct(WorkloadKind::ReplicaSet),
        },
        "Job" => match cronjob_name(&owner.name) {
            Some(name) => Some(Workload { kind: WorkloadKind::CronJob, name, uid: None }),
            None => direct(WorkloadKind::Job),
        },
        _ => None,
    }
}

fn deployment_name(replicaset: &str, labels: &BTreeMap<String, String>) -> Option<String> {
    let hash = labels.get(POD_TEMPLATE_HASH_LABEL).filter(|h| !h.is_empty())?;
    let prefix = replicaset.strip_suffix(hash.as_str())?.strip_suffix('-')?;
    non_empty(Some(prefix))
}

fn cronjob_name(job: &str) -> Option<String> {
    let (prefix, suffix) = job.rsplit_once('-')?;
    let scheduled = suffix.len() >= CRONJOB_SUFFIX_MIN_DIGITS && suffix.bytes().all(|b| b.is_ascii_digit());
    if scheduled { non_empty(Some(prefix)) } else { None }
}

fn rfc3339(time: &Time) -> Option<String> {
    k8s_openapi::jiff::fmt::strtime::format("%Y-%m-%dT%H:%M:%SZ", time.0).ok()
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

#[cfg(test)]
pub(crate) mod tests {
    use k8s_openapi::api::core::v1::{PodSpec, PodStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    use super::*;

    pub(crate) const ID_A: &str = "b9e73468867f59848c670d6f7459ba7098fb2c09c864b14553956f67a022ecba";
    pub(crate) const ID_INIT: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn owner(kind: &str, name: &str, uid: &str) -> OwnerReference {
        OwnerReference {
            api_version: "apps/v1".into(),
            kind: kind.into(),
            name: name.into(),
            uid: uid.into(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        }
    }

    fn status(name: &str, id: Option<&str>, image: &str, restarts: i32) -> ContainerStatus {
        ContainerStatus {
            name: name.into(),
            container_id: id.map(str::to_owned),
            image: image.into(),
            restart_count: restarts,
            ..Default::default()
        }
    }

    /// A Deployment pod `web-7d4b9c8f6-x2x9z` with one init and one app
    /// container.
    pub(crate) fn deployment_pod() -> Pod {
        Pod {
            metadata: ObjectMeta {
                uid: Some("uid-web".into()),
                name: Some("web-7d4b9c8f6-x2x9z".into()),
                namespace: Some("shop".into()),
                labels: Some(BTreeMap::from([
                    ("app".into(), "web".into()),
                    (POD_TEMPLATE_HASH_LABEL.into(), "7d4b9c8f6".into()),
                ])),
                owner_references: Some(vec![owner("ReplicaSet", "web-7d4b9c8f6", "uid-rs")]),
                ..Default::default()
            },
            spec: Some(PodSpec {
                node_name: Some("node-a".into()),
                containers: vec![Container {
                    name: "app".into(),
                    image: Some("ghcr.io/acme/web:1.4.2".into()),
                    ..Default::default()
                }],
                init_containers: Some(vec![Container {
                    name: "migrate".into(),
                    image: Some("ghcr.io/acme/migrate@sha256:abcd".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            status: Some(PodStatus {
                start_time: Some(Time("2025-12-04T08:41:03Z".parse().unwrap())),
                container_statuses: Some(vec![status(
                    "app",
                    Some(&format!("containerd://{ID_A}")),
                    "ghcr.io/acme/web:1.4.2",
                    3,
                )]),
                init_container_statuses: Some(vec![status(
                    "migrate",
                    Some(&format!("cri-o://{ID_INIT}")),
                    "sha256:1111",
                    0,
                )]),
                ..Default::default()
            }),
        }
    }

    fn with_owner(kind: &str, name: &str) -> Pod {
        let mut pod = deployment_pod();
        pod.metadata.owner_references = Some(vec![owner(kind, name, "uid-owner")]);
        pod
    }

    #[test]
    fn deployment_pod_is_read_fully() {
        let meta = pod_meta(&deployment_pod()).unwrap();
        assert_eq!(
            (meta.uid.as_str(), meta.name.as_str(), meta.namespace.as_str()),
            ("uid-web", "web-7d4b9c8f6-x2x9z", "shop")
        );
        assert_eq!(meta.node_name.as_deref(), Some("node-a"));
        assert_eq!(meta.start_time.as_deref(), Some("2025-12-04T08:41:03Z"));
        assert_eq!(meta.workload, Some(Workload { kind: WorkloadKind::Deployment, name: "web".into(), uid: None }));
        assert_eq!(meta.labels.get("app").map(String::as_str), Some("web"));
        assert_eq!(
            meta.containers,
            vec![
                ContainerMeta {
                    name: "migrate".into(),
                    id: Some(ID_INIT.into()),
                    image: Some("ghcr.io/acme/migrate@sha256:abcd".into()),
                    restart_count: Some(0),
                },
                ContainerMeta {
                    name: "app".into(),
                    id: Some(ID_A.into()),
                    image: Some("ghcr.io/acme/web:1.4.2".into()),
                    restart_count: Some(3),
                },
            ]
        );
        assert_eq!(meta.container_by_id(ID_A).map(|c| c.name.as_str()), Some("app"));
        assert_eq!(meta.container_by_name("migrate").and_then(|c| c.id.as_deref()), Some(ID_INIT));
    }

    #[test]
    fn replicaset_without_matching_hash_stays_a_replicaset() {
        let mut pod = with_owner("ReplicaSet", "web-other");
        let meta = pod_meta(&pod).unwrap();
        let rs = Workload { kind: WorkloadKind::ReplicaSet, name: "web-other".into(), uid: Some("uid-owner".into()) };
        assert_eq!(meta.workload, Some(rs.clone()));
        pod.metadata.labels = None;
        pod.metadata.owner_references = Some(vec![owner("ReplicaSet", "web-7d4b9c8f6", "uid-owner")]);
        assert_eq!(pod_meta(&pod).unwrap().workload.unwrap().kind, WorkloadKind::ReplicaSet);
        // The hash alone is not a Deployment name.
        let mut labels = BTreeMap::new();
        labels.insert(POD_TEMPLATE_HASH_LABEL.to_owned(), "abc".to_owned());
        assert_eq!(deployment_name("-abc", &labels), None);
        assert_eq!(deployment_name("abc", &labels), None);
        assert_eq!(deployment_name("my-app-abc", &labels).as_deref(), Some("my-app"));
    }

    #[test]
    fn direct_owners_keep_their_uid() {
        for (kind, expected) in [
            ("StatefulSet", WorkloadKind::StatefulSet),
            ("DaemonSet", WorkloadKind::DaemonSet),
            ("Job", WorkloadKind::Job),
        ] {
            let meta = pod_meta(&with_owner(kind, "db")).unwrap();
            assert_eq!(
                meta.workload,
                Some(Workload { kind: expected, name: "db".into(), uid: Some("uid-owner".into()) })
            );
        }
        assert_eq!(pod_meta(&with_owner("Node", "node-a")).unwrap().workload, None);
        assert_eq!(pod_meta(&with_owner("ReplicationController", "rc")).unwrap().workload, None);
    }

    #[test]
    fn cronjob_only_from_a_scheduled_time_suffix() {
        let meta = pod_meta(&with_owner("Job", "nightly-backup-29430720")).unwrap();
        assert_eq!(
            meta.workload,
            Some(Workload { kind: WorkloadKind::CronJob, name: "nightly-backup".into(), uid: None })
        );
        for job in ["backup-2", "backup-1234567", "-29430720", "backup-2943072x"] {
            assert_eq!(pod_meta(&with_owner("Job", job)).unwrap().workload.unwrap().kind, WorkloadKind::Job, "{job}");
        }
    }

    #[test]
    fn controller_owner_wins() {
        let mut pod = deployment_pod();
        let mut other = owner("StatefulSet", "other", "u2");
        other.controller = None;
        pod.metadata.owner_references = Some(vec![other, owner("DaemonSet", "agent", "u3")]);
        assert_eq!(pod_meta(&pod).unwrap().workload.unwrap().name, "agent");
    }

    #[test]
    fn pending_pod_has_no_containers_and_incomplete_objects_are_refused() {
        let mut pod = deployment_pod();
        pod.status = None;
        let meta = pod_meta(&pod).unwrap();
        assert!(meta.containers.is_empty());
        assert_eq!(meta.start_time, None);
        pod.metadata.uid = None;
        assert_eq!(pod_meta(&pod), None);
    }

    #[test]
    fn container_ids_lose_any_runtime_prefix() {
        for raw in ["containerd://abc", "cri-o://abc", "docker://abc", "abc"] {
            assert_eq!(strip_runtime_prefix(raw).as_deref(), Some("abc"));
        }
        assert_eq!(strip_runtime_prefix("containerd://"), None);
        assert_eq!(strip_runtime_prefix(""), None);
    }

    #[test]
    fn status_image_is_the_fallback() {
        let mut pod = deployment_pod();
        pod.spec.as_mut().unwrap().containers.clear();
        let meta = pod_meta(&pod).unwrap();
        assert_eq!(meta.container_by_name("app").unwrap().image.as_deref(), Some("ghcr.io/acme/web:1.4.2"));
    }
}
