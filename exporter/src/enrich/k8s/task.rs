//! The long-running watch: kube-runtime's `watcher` over this node's pods,
//! with the default backoff, feeding the [`PodCache`].
//!
//! It never ends and never panics. Each distinct kind of failure (RBAC,
//! credentials, unreachable API, ...) is logged once as a warning until the
//! next successful sync, and every failure updates the status.
//!
//! kube-runtime's own `watcher` also logs a warning at every failed attempt
//! (target `kube_runtime::watcher`); the agent's log filter should set that
//! target to `error` ([`KUBE_LOG_DIRECTIVE`]) so that only the line from
//! here remains.

use std::collections::HashSet;
use std::pin::pin;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::runtime::watcher::{self, Event};
use kube::runtime::{WatchStreamExt, watcher as watch_stream};
use tokio::sync::watch;
use tracing::{debug, info, warn};

use super::cache::PodCache;
use super::handle::K8sStatus;

/// `tracing_subscriber::EnvFilter` directive that silences kube-runtime's
/// per-attempt 403 warnings, which this module replaces with one line.
pub const KUBE_LOG_DIRECTIVE: &str = "kube_runtime::watcher=error";

/// Watches the pods of `node` until the task is aborted.
pub(crate) async fn run(api: Api<Pod>, node: String, cache: Arc<PodCache>, status: watch::Sender<K8sStatus>) {
    let config = watcher::Config::default().fields(&format!("spec.nodeName={node}"));
    drive(watch_stream(api, config).default_backoff(), &node, &cache, &status).await;
    // `watcher` streams are endless; keep the status honest if that changes.
    status.send_replace(K8sStatus::Waiting("pod watch stream ended".to_owned()));
}

/// Applies watcher items to `cache` and `status` until `events` ends;
/// returns how many warnings it logged.
pub(crate) async fn drive(
    events: impl Stream<Item = Result<Event<Pod>, watcher::Error>>,
    node: &str,
    cache: &PodCache,
    status: &watch::Sender<K8sStatus>,
) -> usize {
    let mut events = pin!(events);
    let mut warned = HashSet::new();
    let mut warnings = 0;
    let mut ever_synced = false;
    while let Some(item) = events.next().await {
        match item {
            Ok(event) => {
                let synced = matches!(event, Event::InitDone);
                // After a sync, a watch event means the watch resumed where
                // it left off (the watcher does not always relist).
                let resumed = ever_synced && matches!(event, Event::Apply(_) | Event::Delete(_));
                cache.apply(&event);
                if synced || resumed {
                    if !warned.is_empty() {
                        info!(pods = cache.len(), "Kubernetes API reachable again: watching the pods of node {node}");
                        warned.clear();
                    } else if synced {
                        debug!(node, pods = cache.len(), "Kubernetes pods synced");
                    }
                    ever_synced = true;
                    status.send_replace(K8sStatus::Synced);
                }
            }
            Err(err) => {
                let failure = Failure::classify(&err);
                if failure.kind == FailureKind::Expired {
                    // Routine: the watcher relists and the cache stays usable.
                    debug!(node, error = %err, "Kubernetes watch expired, relisting");
                    continue;
                }
                if warned.insert(failure.kind) {
                    // The reason already holds the server's message; the full
                    // error (with its Debug dump) goes to debug only.
                    warn!("{}", failure.warning(node));
                    warnings += 1;
                }
                debug!(node, error = %err, "Kubernetes pod watch failed");
                status.send_replace(K8sStatus::Waiting(failure.reason()));
            }
        }
    }
    warnings
}

/// Kinds of failures, each warned about once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum FailureKind {
    /// 403: the service account may not list/watch pods.
    Forbidden,
    /// 401: the token was rejected.
    Unauthorized,
    /// The credentials could not be loaded or refreshed.
    Credentials,
    /// Connection, TLS or transport failure.
    Unreachable,
    /// 410 Gone: the resource version is too old (routine, relist).
    Expired,
    /// Any other HTTP status from the API server.
    Status(u16),
    /// Undecodable answers and the rest.
    Other,
}

/// One classified watcher failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub kind: FailureKind,
    /// The server's message or the transport error.
    pub detail: String,
}

impl Failure {
    pub(crate) fn classify(err: &watcher::Error) -> Self {
        match err {
            watcher::Error::InitialListFailed(e)
            | watcher::Error::WatchStartFailed(e)
            | watcher::Error::WatchFailed(e) => Self::from_client(e),
            watcher::Error::WatchError(status) => Self::from_status(status.code, &status.message),
            watcher::Error::NoResourceVersion => Self { kind: FailureKind::Other, detail: err.to_string() },
        }
    }

    fn from_client(err: &kube::Error) -> Self {
        let kind = match err {
            kube::Error::Api(status) => return Self::from_status(status.code, &status.message),
            kube::Error::HyperError(_)
            | kube::Error::Service(_)
            | kube::Error::ReadEvents(_)
            | kube::Error::RustlsTls(_)
            | kube::Error::TlsRequired => FailureKind::Unreachable,
            kube::Error::Auth(_) => FailureKind::Credentials,
            _ => FailureKind::Other,
        };
        Self { kind, detail: err.to_string() }
    }

    fn from_status(code: u16, message: &str) -> Self {
        let kind = match code {
            401 => FailureKind::Unauthorized,
            403 => FailureKind::Forbidden,
            410 => FailureKind::Expired,
            code => FailureKind::Status(code),
        };
        let detail = if message.is_empty() { format!("HTTP {code}") } else { message.to_owned() };
        Self { kind, detail }
    }

    /// Short reason for [`K8sStatus::Waiting`].
    pub(crate) fn reason(&self) -> String {
        let what = match self.kind {
            FailureKind::Forbidden => "Kubernetes API forbidden (RBAC)".to_owned(),
            FailureKind::Unauthorized => "Kubernetes API unauthorized (401)".to_owned(),
            FailureKind::Credentials => "Kubernetes credentials unusable".to_owned(),
            FailureKind::Unreachable => "Kubernetes API unreachable".to_owned(),
            FailureKind::Expired => "Kubernetes watch expired".to_owned(),
            FailureKind::Status(code) => format!("Kubernetes API answered HTTP {code}"),
            FailureKind::Other => "Kubernetes pod watch failed".to_owned(),
        };
        format!("{what}: {}", self.detail)
    }

    /// The one warning line logged for this kind.
    pub(crate) fn warning(&self, node: &str) -> String {
        let fix = match self.kind {
            FailureKind::Forbidden => "; grant get, list and watch on pods to the agent's service account",
            FailureKind::Unauthorized | FailureKind::Credentials => "; check the service account token",
            _ => "",
        };
        format!(
            "{}: pods of node {node} will be attributed from cgroup paths only until it succeeds (retrying with \
             backoff){fix}",
            self.reason()
        )
    }
}

#[cfg(test)]
mod tests {
    use kube::core::Status;

    use super::*;
    use crate::enrich::k8s::cache::PodLookup;
    use crate::enrich::k8s::meta::tests::deployment_pod;

    fn api(code: u16, message: &str) -> watcher::Error {
        watcher::Error::InitialListFailed(kube::Error::Api(Status::failure(message, "x").with_code(code).boxed()))
    }

    #[test]
    fn http_statuses_are_classified() {
        let f = Failure::classify(&api(403, "pods is forbidden: User \"system:serviceaccount:o:s\" cannot list"));
        assert_eq!(f.kind, FailureKind::Forbidden);
        assert!(f.reason().starts_with("Kubernetes API forbidden (RBAC): pods is forbidden"), "{}", f.reason());
        let warning = f.warning("node-a");
        assert!(warning.contains("pods of node node-a will be attributed from cgroup paths only"), "{warning}");
        assert!(warning.contains("get, list and watch"), "{warning}");
        assert_eq!(Failure::classify(&api(401, "")).kind, FailureKind::Unauthorized);
        assert_eq!(Failure::classify(&api(401, "")).detail, "HTTP 401");
        assert_eq!(Failure::classify(&api(500, "boom")).kind, FailureKind::Status(500));
        let gone = watcher::Error::WatchError(Status::failure("too old", "Expired").with_code(410).boxed());
        assert_eq!(Failure::classify(&gone).kind, FailureKind::Expired);
    }

    #[tokio::test]
    async fn drive_warns_once_per_kind_until_synced() {
        let cache = PodCache::new();
        let (status, rx) = watch::channel(K8sStatus::Waiting("start".into()));
        let reset = || {
            let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
            watcher::Error::WatchFailed(kube::Error::ReadEvents(io))
        };
        let items = vec![
            Err(api(403, "no")),
            Err(api(403, "no")),
            Err(reset()),
            Err(api(403, "no")),
            Ok(Event::Init),
            Ok(Event::InitApply(deployment_pod())),
            Ok(Event::InitDone),
            // After a sync, the same kind is worth a new warning.
            Err(api(403, "revoked")),
            // A routine 410 does not change the status.
            Err(watcher::Error::WatchError(Status::failure("old", "Expired").with_code(410).boxed())),
        ];
        let warnings = drive(futures::stream::iter(items), "node-a", &cache, &status).await;
        assert_eq!(warnings, 3, "403 and unreachable before the sync, 403 after it");
        assert_eq!(*rx.borrow(), K8sStatus::Waiting("Kubernetes API forbidden (RBAC): revoked".into()));
        assert!(cache.by_pod_uid("uid-web").is_some(), "the cache outlives API failures");

        let synced = vec![Ok(Event::Init), Ok(Event::InitDone)];
        assert_eq!(drive(futures::stream::iter(synced), "node-a", &cache, &status).await, 0);
        assert_eq!(*rx.borrow(), K8sStatus::Synced);

        // The watch resuming without a relist also ends an outage: the next
        // outage is warned about again.
        let resumed = vec![
            Ok(Event::Init),
            Ok(Event::InitDone),
            Err(reset()),
            Ok(Event::Apply(deployment_pod())),
            Err(reset()),
            Ok(Event::Delete(deployment_pod())),
        ];
        assert_eq!(drive(futures::stream::iter(resumed), "node-a", &cache, &status).await, 2);
        assert_eq!(*rx.borrow(), K8sStatus::Synced);
        assert!(cache.is_empty());
    }

    #[test]
    fn transport_and_other_failures() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        let f = Failure::classify(&watcher::Error::WatchFailed(kube::Error::ReadEvents(io)));
        assert_eq!(f.kind, FailureKind::Unreachable);
        assert!(f.reason().starts_with("Kubernetes API unreachable"), "{}", f.reason());
        let service = kube::Error::Service("connection refused".into());
        assert_eq!(Failure::classify(&watcher::Error::InitialListFailed(service)).kind, FailureKind::Unreachable);
        assert_eq!(Failure::classify(&watcher::Error::NoResourceVersion).kind, FailureKind::Other);
    }
}
