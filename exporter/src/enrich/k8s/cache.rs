//! The pods of this node, indexed by pod uid and by container id, kept up
//! to date from watcher events: [`PodCache`] behind the [`PodLookup`] trait.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use k8s_openapi::api::core::v1::Pod;
use kube::runtime::watcher::Event;

use super::meta::{ContainerMeta, PodMeta, pod_meta};

/// Finds the pod (and container) a record belongs to. The pipeline holds a
/// `dyn PodLookup` so tests can use a fake.
pub trait PodLookup: Send + Sync {
    /// The pod with uid `uid` (as in `metadata.uid` and cgroup paths).
    fn by_pod_uid(&self, uid: &str) -> Option<Arc<PodMeta>>;

    /// The pod and container whose runtime id is `id` (64 hex digits, no
    /// `containerd://` prefix).
    fn by_container_id(&self, id: &str) -> Option<(Arc<PodMeta>, ContainerMeta)>;
}

impl<T: PodLookup + ?Sized> PodLookup for Arc<T> {
    fn by_pod_uid(&self, uid: &str) -> Option<Arc<PodMeta>> {
        (**self).by_pod_uid(uid)
    }

    fn by_container_id(&self, id: &str) -> Option<(Arc<PodMeta>, ContainerMeta)> {
        (**self).by_container_id(id)
    }
}

/// Pods by uid plus a container id index, fed by [`PodCache::apply`].
///
/// Event semantics (kube-runtime's `watcher::Event`):
/// - `Apply`: insert or replace the pod; container ids it lost are dropped.
/// - `Delete`: forget the pod and its container ids.
/// - `Init` starts a relist: `InitApply` pods are buffered while lookups
///   keep answering from the previous state, and `InitDone` swaps the
///   buffer in, so pods deleted while the watch was down disappear.
#[derive(Debug, Default)]
pub struct PodCache {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    pods: HashMap<String, Arc<PodMeta>>,
    /// Container id -> pod uid.
    containers: HashMap<String, String>,
    /// Pods listed since the last `Init`.
    relist: Option<HashMap<String, Arc<PodMeta>>>,
}

impl PodCache {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one watcher event. Objects that [`pod_meta`] refuses (no uid)
    /// are ignored.
    pub fn apply(&self, event: &Event<Pod>) {
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        match event {
            Event::Apply(pod) => {
                if let Some(meta) = pod_meta(pod) {
                    inner.upsert(Arc::new(meta));
                }
            }
            Event::Delete(pod) => {
                if let Some(uid) = pod.metadata.uid.as_deref() {
                    inner.remove(uid);
                }
            }
            Event::Init => inner.relist = Some(HashMap::new()),
            Event::InitApply(pod) => {
                if let Some(meta) = pod_meta(pod) {
                    let meta = Arc::new(meta);
                    match &mut inner.relist {
                        Some(relist) => {
                            relist.insert(meta.uid.clone(), meta);
                        }
                        None => inner.upsert(meta),
                    }
                }
            }
            Event::InitDone => {
                let pods = inner.relist.take().unwrap_or_default();
                inner.replace_all(pods);
            }
        }
    }

    /// Inserts or replaces one pod directly (tests, fakes).
    pub fn insert(&self, meta: PodMeta) {
        self.inner.write().unwrap_or_else(PoisonError::into_inner).upsert(Arc::new(meta));
    }

    /// Number of pods known.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(PoisonError::into_inner).pods.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PodLookup for PodCache {
    fn by_pod_uid(&self, uid: &str) -> Option<Arc<PodMeta>> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner).pods.get(uid).cloned()
    }

    fn by_container_id(&self, id: &str) -> Option<(Arc<PodMeta>, ContainerMeta)> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let pod = inner.pods.get(inner.containers.get(id)?)?;
        let container = pod.container_by_id(id)?.clone();
        Some((Arc::clone(pod), container))
    }
}

impl Inner {
    fn upsert(&mut self, meta: Arc<PodMeta>) {
        self.remove(&meta.uid);
        for id in meta.containers.iter().filter_map(|c| c.id.as_ref()) {
            self.containers.insert(id.clone(), meta.uid.clone());
        }
        self.pods.insert(meta.uid.clone(), meta);
    }

    fn remove(&mut self, uid: &str) {
        let Some(old) = self.pods.remove(uid) else { return };
        for id in old.containers.iter().filter_map(|c| c.id.as_ref()) {
            if self.containers.get(id).is_some_and(|owner| owner == uid) {
                self.containers.remove(id);
            }
        }
    }

    fn replace_all(&mut self, pods: HashMap<String, Arc<PodMeta>>) {
        self.pods.clear();
        self.containers.clear();
        for meta in pods.into_values() {
            self.upsert(meta);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::k8s::meta::tests::{ID_A, ID_INIT, deployment_pod};

    const ID_B: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    fn other_pod() -> Pod {
        let mut pod = deployment_pod();
        pod.metadata.uid = Some("uid-other".into());
        pod.metadata.name = Some("other".into());
        let status = pod.status.as_mut().unwrap();
        status.init_container_statuses = None;
        status.container_statuses.as_mut().unwrap()[0].container_id = Some(format!("containerd://{ID_B}"));
        pod
    }

    #[test]
    fn apply_indexes_by_uid_and_container_id() {
        let cache = PodCache::new();
        cache.apply(&Event::Apply(deployment_pod()));
        assert_eq!(cache.by_pod_uid("uid-web").unwrap().name, "web-7d4b9c8f6-x2x9z");
        let (pod, container) = cache.by_container_id(ID_A).unwrap();
        assert_eq!((pod.uid.as_str(), container.name.as_str()), ("uid-web", "app"));
        assert_eq!(cache.by_container_id(ID_INIT).unwrap().1.name, "migrate");
        assert!(cache.by_container_id(ID_B).is_none());
        assert!(cache.by_pod_uid("nope").is_none());
    }

    #[test]
    fn modification_replaces_container_ids() {
        let cache = PodCache::new();
        cache.apply(&Event::Apply(deployment_pod()));
        let mut restarted = deployment_pod();
        let st = &mut restarted.status.as_mut().unwrap().container_statuses.as_mut().unwrap()[0];
        st.container_id = Some(format!("containerd://{ID_B}"));
        st.restart_count = 4;
        cache.apply(&Event::Apply(restarted));
        assert!(cache.by_container_id(ID_A).is_none(), "the old container id is forgotten");
        let (_, container) = cache.by_container_id(ID_B).unwrap();
        assert_eq!(container.restart_count, Some(4));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn delete_forgets_the_pod() {
        let cache = PodCache::new();
        cache.apply(&Event::Apply(deployment_pod()));
        cache.apply(&Event::Apply(other_pod()));
        cache.apply(&Event::Delete(deployment_pod()));
        assert!(cache.by_pod_uid("uid-web").is_none());
        assert!(cache.by_container_id(ID_A).is_none());
        assert!(cache.by_container_id(ID_INIT).is_none());
        assert!(cache.by_container_id(ID_B).is_some());
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn relist_swaps_atomically_at_init_done() {
        let cache = PodCache::new();
        cache.apply(&Event::Apply(deployment_pod()));
        cache.apply(&Event::Init);
        cache.apply(&Event::InitApply(other_pod()));
        // Still the previous state until the list is complete.
        assert!(cache.by_pod_uid("uid-web").is_some());
        assert!(cache.by_pod_uid("uid-other").is_none());
        cache.apply(&Event::InitDone);
        assert!(cache.by_pod_uid("uid-web").is_none(), "not relisted: deleted while disconnected");
        assert!(cache.by_container_id(ID_A).is_none());
        assert_eq!(cache.by_container_id(ID_B).unwrap().0.uid, "uid-other");
    }

    #[test]
    fn empty_relist_clears_and_objects_without_uid_are_ignored() {
        let cache = PodCache::new();
        cache.apply(&Event::Apply(deployment_pod()));
        cache.apply(&Event::Init);
        cache.apply(&Event::InitDone);
        assert!(cache.is_empty());
        let mut anonymous = deployment_pod();
        anonymous.metadata.uid = None;
        cache.apply(&Event::Apply(anonymous.clone()));
        cache.apply(&Event::Delete(anonymous));
        assert!(cache.is_empty());
    }

    #[test]
    fn shared_cache_is_a_lookup() {
        let cache = Arc::new(PodCache::new());
        cache.insert(pod_meta(&deployment_pod()).unwrap());
        let lookup: Arc<dyn PodLookup> = cache;
        assert!(lookup.by_pod_uid("uid-web").is_some());
    }
}
