//! [`start`] and the [`K8sHandle`] it returns: the pod cache, the watcher
//! task and its status.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client};
use opentelemetry::KeyValue;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::info;

use super::attributes::pod_attributes;
use super::cache::{PodCache, PodLookup};
use super::config::{ApiSource, K8sConfig, Plan, SERVICE_ACCOUNT_TOKEN, SERVICE_HOST_ENV, plan};
use super::error::K8sError;
use super::meta::{ContainerMeta, PodMeta};
use super::task;

/// State of Kubernetes enrichment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum K8sStatus {
    /// Not watching, and why (not in a cluster, no node name).
    Disabled(String),
    /// Watching, but the pod list is not complete yet or the API fails;
    /// the reason says which. Lookups answer from what is known.
    Waiting(String),
    /// The pods of this node are listed and watched.
    Synced,
}

/// Pod lookups plus the watcher task behind them. Dropping it stops the
/// task.
#[derive(Debug)]
pub struct K8sHandle {
    cache: Arc<PodCache>,
    status: watch::Receiver<K8sStatus>,
    label_keys: Arc<[String]>,
    task: Option<JoinHandle<()>>,
}

/// Starts watching the pods of this node, or returns a disabled handle when
/// not in a cluster (see [`K8sConfig`]).
///
/// The watch runs in a spawned task that retries any API failure forever;
/// only a configuration that cannot give a client is an error.
///
/// # Errors
/// An invalid `api_url`, an unusable kubeconfig or in-cluster
/// configuration, or a client that cannot be built.
pub async fn start(cfg: K8sConfig) -> Result<K8sHandle, K8sError> {
    let service_host = std::env::var(SERVICE_HOST_ENV).ok();
    let token_present = Path::new(SERVICE_ACCOUNT_TOKEN).exists();
    let (source, node) = match plan(&cfg, service_host.as_deref(), token_present) {
        Plan::Disabled(reason) => {
            info!("Kubernetes enrichment disabled: {reason}");
            return Ok(K8sHandle::disabled(reason));
        }
        Plan::Watch { source, node } => (source, node),
    };
    let client_config = match source {
        ApiSource::Url(url) => match url.parse() {
            Ok(uri) => kube::Config::new(uri),
            Err(e) => return Err(K8sError::InvalidApiUrl { reason: ToString::to_string(&e), url }),
        },
        ApiSource::Kubeconfig(path) => {
            let kubeconfig =
                Kubeconfig::read_from(&path).map_err(|source| K8sError::Kubeconfig { path: path.clone(), source })?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .map_err(|source| K8sError::Kubeconfig { path, source })?
        }
        ApiSource::InCluster => kube::Config::incluster().map_err(K8sError::InCluster)?,
    };
    info!(api = %client_config.cluster_url, "watching the pods of node {node}");
    let client = Client::try_from(client_config).map_err(K8sError::Client)?;
    let cache = Arc::new(PodCache::new());
    let (status_tx, status_rx) =
        watch::channel(K8sStatus::Waiting("listing the pods of this node from the Kubernetes API".to_owned()));
    let task = tokio::spawn(task::run(Api::<Pod>::all(client), node, Arc::clone(&cache), status_tx));
    Ok(K8sHandle { cache, status: status_rx, label_keys: cfg.label_keys.into(), task: Some(task) })
}

impl K8sHandle {
    /// A handle that never finds anything, with the reason.
    #[must_use]
    pub fn disabled(reason: impl Into<String>) -> Self {
        let (_, status) = watch::channel(K8sStatus::Disabled(reason.into()));
        Self { cache: Arc::new(PodCache::new()), status, label_keys: Arc::from([]), task: None }
    }

    /// Current state.
    #[must_use]
    pub fn status(&self) -> K8sStatus {
        self.status.borrow().clone()
    }

    /// Whether a watcher was started (the status is not `Disabled`).
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.task.is_some()
    }

    /// Whether the watcher task is still running (it only stops when the
    /// handle is dropped).
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.task.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Waits up to `timeout` for the first complete pod list; `true` when
    /// synced.
    pub async fn wait_synced(&self, timeout: Duration) -> bool {
        let mut status = self.status.clone();
        let synced = status.wait_for(|s| matches!(s, K8sStatus::Synced | K8sStatus::Disabled(_)));
        matches!(tokio::time::timeout(timeout, synced).await, Ok(Ok(s)) if *s == K8sStatus::Synced)
    }

    /// The cache, shareable with other tasks.
    #[must_use]
    pub fn cache(&self) -> Arc<PodCache> {
        Arc::clone(&self.cache)
    }

    /// Label keys configured for `k8s.pod.label.<key>`.
    #[must_use]
    pub fn label_keys(&self) -> &[String] {
        &self.label_keys
    }

    /// [`pod_attributes`] of the pod and container running container `id`.
    #[must_use]
    pub fn container_attributes(&self, id: &str) -> Option<Vec<KeyValue>> {
        let (pod, container) = self.cache.by_container_id(id)?;
        Some(pod_attributes(&pod, Some(&container), &self.label_keys))
    }

    /// [`pod_attributes`] of the pod with uid `uid`, without container.
    #[must_use]
    pub fn pod_uid_attributes(&self, uid: &str) -> Option<Vec<KeyValue>> {
        let pod = self.cache.by_pod_uid(uid)?;
        Some(pod_attributes(&pod, None, &self.label_keys))
    }
}

impl PodLookup for K8sHandle {
    fn by_pod_uid(&self, uid: &str) -> Option<Arc<PodMeta>> {
        self.cache.by_pod_uid(uid)
    }

    fn by_container_id(&self, id: &str) -> Option<(Arc<PodMeta>, ContainerMeta)> {
        self.cache.by_container_id(id)
    }
}

impl Drop for K8sHandle {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::k8s::meta::{pod_meta, tests as meta_tests};

    #[tokio::test]
    async fn disabled_handle_finds_nothing() {
        let handle = K8sHandle::disabled("not in a cluster");
        assert_eq!(handle.status(), K8sStatus::Disabled("not in a cluster".into()));
        assert!(!handle.is_enabled() && !handle.is_running());
        assert!(!handle.wait_synced(Duration::from_millis(10)).await);
        assert!(handle.by_pod_uid("x").is_none() && handle.container_attributes("x").is_none());
    }

    #[tokio::test]
    async fn invalid_url_is_an_error() {
        let cfg =
            K8sConfig { node_name: Some("n".into()), api_url: Some("http://[bad".into()), ..K8sConfig::default() };
        assert!(matches!(start(cfg).await, Err(K8sError::InvalidApiUrl { .. })));
    }

    #[tokio::test]
    async fn https_client_builds_with_the_ring_provider() {
        // In-cluster API servers are https: the TLS stack must be usable
        // (one rustls crypto provider compiled in).
        let cfg = K8sConfig {
            node_name: Some("n".into()),
            api_url: Some("https://127.0.0.1:1".into()),
            ..K8sConfig::default()
        };
        let handle = start(cfg).await.expect("an https client");
        assert!(handle.is_enabled());
        assert!(matches!(handle.status(), K8sStatus::Waiting(_)));
    }

    #[tokio::test]
    async fn handle_attributes_use_the_configured_labels() {
        let (_, status) = watch::channel(K8sStatus::Synced);
        let handle = K8sHandle {
            cache: Arc::new(PodCache::new()),
            status,
            label_keys: Arc::from(["app".to_owned()]),
            task: None,
        };
        handle.cache.insert(pod_meta(&meta_tests::deployment_pod()).unwrap());
        let kvs = handle.container_attributes(meta_tests::ID_A).unwrap();
        assert!(kvs.iter().any(|kv| kv.key.as_str() == "k8s.pod.label.app"));
        assert!(kvs.iter().any(|kv| kv.key.as_str() == "k8s.container.name"));
        let pod_only = handle.pod_uid_attributes("uid-web").unwrap();
        assert!(!pod_only.iter().any(|kv| kv.key.as_str() == "k8s.container.name"));
    }
}
