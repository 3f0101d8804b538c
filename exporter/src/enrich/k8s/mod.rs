//! Kubernetes enrichment: which pod, container and workload a record comes
//! from.
//!
//! A kube-runtime `watcher` lists and watches only the pods of this node
//! (field selector `spec.nodeName=<K8S_NODE_NAME>`) and feeds a
//! [`PodCache`] indexed by pod uid and container id. Enrichment is pure
//! functions over that cache (like vector's `pod_metadata_annotator`):
//! [`pod_meta`] turns a `Pod` into a [`PodMeta`], [`pod_attributes`] turns
//! a [`PodMeta`] into `k8s.*` attributes. The pipeline looks pods up
//! through the [`PodLookup`] trait, so tests can use a fake.
//!
//! ```no_run
//! # async fn f() -> Result<(), sysotel::enrich::k8s::K8sError> {
//! use sysotel::enrich::k8s::{K8sConfig, PodLookup, pod_attributes, start};
//! let k8s = start(K8sConfig::from_env()).await?;
//! if let Some((pod, container)) = k8s.by_container_id("b9e7…") {
//!     let attrs = pod_attributes(&pod, Some(&container), k8s.label_keys());
//! }
//! # Ok(()) }
//! ```
//!
//! # Outside a cluster
//! [`start`] returns a handle whose [`K8sHandle::status`] is
//! [`K8sStatus::Disabled`] with the reason, and whose lookups find nothing.
//!
//! # When the API fails
//! Unreachable API, 401 or 403 (RBAC): the watcher retries with backoff
//! forever, logs one warning per kind of failure, and the status is
//! [`K8sStatus::Waiting`] with the reason. Records are then attributed from
//! cgroup paths only (`container.id`, `k8s.pod.uid`). Add
//! [`KUBE_LOG_DIRECTIVE`] to the log filter: kube-runtime itself warns at
//! every failed attempt on 403.

mod attributes;
mod cache;
mod config;
mod error;
mod handle;
mod meta;
mod task;

pub use attributes::{pod_attributes, split_image, workload_keys};
pub use cache::{PodCache, PodLookup};
pub use config::{K8sConfig, NODE_NAME_ENV, SERVICE_ACCOUNT_TOKEN, SERVICE_HOST_ENV};
pub use error::K8sError;
pub use handle::{K8sHandle, K8sStatus, start};
pub use meta::{
    ContainerMeta, POD_TEMPLATE_HASH_LABEL, PodMeta, Workload, WorkloadKind, pod_meta, strip_runtime_prefix,
};
pub use task::KUBE_LOG_DIRECTIVE;
