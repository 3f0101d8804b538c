//! Errors of [`super::start`]: a configuration that cannot give a client.
//! Failures of the API itself are not errors: the watcher retries them and
//! reports them through [`super::K8sStatus`].

use std::path::PathBuf;

/// Why no Kubernetes client could be built.
#[derive(Debug, thiserror::Error)]
pub enum K8sError {
    #[error("invalid Kubernetes API URL {url:?}: {reason}")]
    InvalidApiUrl { url: String, reason: String },

    #[error("cannot use kubeconfig {path}: {source}")]
    Kubeconfig {
        path: PathBuf,
        #[source]
        source: kube::config::KubeconfigError,
    },

    #[error("cannot load the in-cluster Kubernetes configuration: {0}")]
    InCluster(#[source] kube::config::InClusterError),

    #[error("cannot build the Kubernetes client: {0}")]
    Client(#[source] kube::Error),
}
