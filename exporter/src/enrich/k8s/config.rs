//! Configuration of the pod watcher, and the pure decision whether to
//! watch at all.

use std::path::PathBuf;

/// Name of this node, set from `spec.nodeName` through the downward API.
pub const NODE_NAME_ENV: &str = "K8S_NODE_NAME";
/// Set by the kubelet in every container of a cluster.
pub const SERVICE_HOST_ENV: &str = "KUBERNETES_SERVICE_HOST";
/// A kubeconfig file to use instead of the in-cluster service account.
pub const KUBECONFIG_ENV: &str = "SYSOTEL_KUBECONFIG";
/// An API server URL used without authentication (`kubectl proxy`, tests).
pub const API_URL_ENV: &str = "SYSOTEL_KUBE_API_URL";
/// Comma-separated pod label keys exported as `k8s.pod.label.<key>`.
pub const POD_LABELS_ENV: &str = "SYSOTEL_K8S_POD_LABELS";
/// The service account token mounted into pods.
pub const SERVICE_ACCOUNT_TOKEN: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// How to reach the Kubernetes API and what to attach.
///
/// Without `api_url` or `kubeconfig`, the in-cluster configuration is used
/// when the agent runs in a pod (`KUBERNETES_SERVICE_HOST` set and a
/// service account token mounted); otherwise enrichment is disabled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct K8sConfig {
    /// Only pods scheduled on this node are watched (`K8S_NODE_NAME`).
    pub node_name: Option<String>,
    /// Kubeconfig file to use instead of the in-cluster configuration.
    pub kubeconfig: Option<PathBuf>,
    /// API server URL used without authentication (tests, `kubectl proxy`);
    /// takes precedence over `kubeconfig`.
    pub api_url: Option<String>,
    /// Pod labels exported as `k8s.pod.label.<key>`.
    pub label_keys: Vec<String>,
}

impl K8sConfig {
    /// `node_name` from `K8S_NODE_NAME`; everything else unset.
    #[must_use]
    pub fn from_env() -> Self {
        Self::from_vars(|key| std::env::var(key).ok())
    }

    /// [`Self::from_env`] over any variable source.
    #[must_use]
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let set = |k: &str| var(k).filter(|v| !v.is_empty());
        Self {
            node_name: set(NODE_NAME_ENV),
            kubeconfig: set(KUBECONFIG_ENV).map(PathBuf::from),
            api_url: set(API_URL_ENV),
            label_keys: set(POD_LABELS_ENV)
                .map(|v| v.split(',').map(str::trim).filter(|k| !k.is_empty()).map(String::from).collect())
                .unwrap_or_default(),
        }
    }
}

/// Where the client configuration comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ApiSource {
    Url(String),
    Kubeconfig(PathBuf),
    InCluster,
}

/// What [`super::start`] should do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    Disabled(String),
    Watch { source: ApiSource, node: String },
}

/// Decides from `cfg`, the value of `KUBERNETES_SERVICE_HOST` and whether
/// the service account token exists.
pub(crate) fn plan(cfg: &K8sConfig, service_host: Option<&str>, token_present: bool) -> Plan {
    let source = if let Some(url) = cfg.api_url.as_ref().filter(|u| !u.is_empty()) {
        ApiSource::Url(url.clone())
    } else if let Some(path) = &cfg.kubeconfig {
        ApiSource::Kubeconfig(path.clone())
    } else if service_host.is_none_or(str::is_empty) {
        return Plan::Disabled(format!("not running in a Kubernetes cluster ({SERVICE_HOST_ENV} is not set)"));
    } else if !token_present {
        return Plan::Disabled(format!(
            "{SERVICE_HOST_ENV} is set but there is no service account token at {SERVICE_ACCOUNT_TOKEN} \
             (automountServiceAccountToken disabled?)"
        ));
    } else {
        ApiSource::InCluster
    };
    match cfg.node_name.as_ref().filter(|n| !n.is_empty()) {
        Some(node) => Plan::Watch { source, node: node.clone() },
        None => Plan::Disabled(format!(
            "{NODE_NAME_ENV} is not set: set it from spec.nodeName with the downward API so that only this \
             node's pods are watched"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(node: Option<&str>) -> K8sConfig {
        K8sConfig { node_name: node.map(str::to_owned), ..K8sConfig::default() }
    }

    #[test]
    fn outside_a_cluster_is_disabled() {
        let Plan::Disabled(reason) = plan(&cfg(Some("n")), None, false) else { panic!("should be disabled") };
        assert!(reason.contains("not running in a Kubernetes cluster"), "{reason}");
        assert!(matches!(plan(&cfg(Some("n")), Some(""), true), Plan::Disabled(_)));
    }

    #[test]
    fn in_cluster_needs_a_token_and_a_node() {
        let Plan::Disabled(reason) = plan(&cfg(Some("n")), Some("10.0.0.1"), false) else { panic!() };
        assert!(reason.contains("service account token"), "{reason}");
        let Plan::Disabled(reason) = plan(&cfg(None), Some("10.0.0.1"), true) else { panic!() };
        assert!(reason.contains(NODE_NAME_ENV), "{reason}");
        assert_eq!(
            plan(&cfg(Some("n")), Some("10.0.0.1"), true),
            Plan::Watch { source: ApiSource::InCluster, node: "n".into() }
        );
    }

    #[test]
    fn explicit_configuration_wins() {
        let mut c = cfg(Some("n"));
        c.kubeconfig = Some("/k".into());
        assert_eq!(plan(&c, None, false), Plan::Watch { source: ApiSource::Kubeconfig("/k".into()), node: "n".into() });
        c.api_url = Some("http://127.0.0.1:1".into());
        assert_eq!(
            plan(&c, Some("10.0.0.1"), true),
            Plan::Watch { source: ApiSource::Url("http://127.0.0.1:1".into()), node: "n".into() }
        );
    }

    #[test]
    fn node_name_from_the_environment() {
        let c = K8sConfig::from_vars(|k| (k == NODE_NAME_ENV).then(|| "node-a".to_owned()));
        assert_eq!(c.node_name.as_deref(), Some("node-a"));
        assert_eq!(K8sConfig::from_vars(|_| Some(String::new())).node_name, None);
    }
}
