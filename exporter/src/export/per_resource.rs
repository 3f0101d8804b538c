//! One SDK provider per Resource: the host's and one per active container.
//!
//! An OpenTelemetry SDK provider has exactly one Resource, and container and
//! pod attributes belong on the Resource (Loki indexes `k8s.*` from it,
//! Tempo groups by it). So the span sink keeps a provider for the host (the
//! agent's resource) and one per active container (the agent's resource
//! plus the container's `container.*`/`k8s.*` attributes), created on first
//! use. Container providers are bounded: at most `max` live at once (least
//! recently used evicted), one idle for `idle_after` is retired, and a
//! container whose attributes change (pod metadata arriving later) gets a
//! fresh provider. Retired providers are flushed and shut down on a
//! background thread. Each provider's batch processor runs one thread, so
//! the bound also bounds threads and collector connections.

use std::{
    collections::HashMap,
    sync::mpsc,
    time::{Duration, Instant},
};

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;

use crate::enrich::ContainerIdentity;

/// A provider that can be flushed and shut down.
pub trait Provider: Send + 'static {
    /// Flushes and stops.
    ///
    /// # Errors
    /// What could not be flushed.
    fn close(self) -> Result<(), String>;
}

struct Entry<P> {
    provider: P,
    resource: Vec<KeyValue>,
    last_used: Instant,
}

/// The host provider plus a bounded set of container providers.
pub struct PerResource<P: Provider> {
    base: Vec<KeyValue>,
    host: Option<P>,
    containers: HashMap<String, Entry<P>>,
    max: usize,
    idle_after: Duration,
    last_sweep: Instant,
    retire: Option<mpsc::SyncSender<P>>,
    reaper: Option<std::thread::JoinHandle<()>>,
    /// Container providers created so far.
    pub created: u64,
}

impl<P: Provider> PerResource<P> {
    /// `host` carries `base` (the agent's resource attributes).
    pub fn new(host: P, base: Vec<KeyValue>) -> Self {
        let (tx, rx) = mpsc::sync_channel::<P>(64);
        let reaper = std::thread::Builder::new()
            .name("sysotel-retire".into())
            .spawn(move || {
                for p in rx {
                    if let Err(e) = p.close() {
                        tracing::debug!("retiring a container provider: {e}");
                    }
                }
            })
            .ok();
        Self {
            base,
            host: Some(host),
            containers: HashMap::new(),
            max: 64,
            idle_after: Duration::from_secs(300),
            last_sweep: Instant::now(),
            retire: Some(tx),
            reaper,
            created: 0,
        }
    }

    /// Number of live container providers.
    #[must_use]
    pub fn containers(&self) -> usize {
        self.containers.len()
    }

    fn retire(&self, p: P) {
        match &self.retire {
            Some(tx) => {
                if let Err(mpsc::TrySendError::Full(p) | mpsc::TrySendError::Disconnected(p)) = tx.try_send(p) {
                    let _ = p.close();
                }
            }
            None => {
                let _ = p.close();
            }
        }
    }

    /// The provider for `container` (the host's for `None`), built with
    /// `build(resource)` when missing. Falls back to the host provider when
    /// building fails.
    pub fn get<E: std::fmt::Display>(
        &mut self,
        container: Option<&ContainerIdentity>,
        build: impl FnOnce(Resource) -> Result<P, E>,
    ) -> Option<&P> {
        let Some(c) = container else { return self.host.as_ref() };
        let now = Instant::now();
        if now.duration_since(self.last_sweep) > Duration::from_secs(30) {
            self.last_sweep = now;
            let idle: Vec<String> = self
                .containers
                .iter()
                .filter(|(_, e)| now.duration_since(e.last_used) > self.idle_after)
                .map(|(k, _)| k.clone())
                .collect();
            for k in idle {
                if let Some(e) = self.containers.remove(&k) {
                    self.retire(e.provider);
                }
            }
        }
        if self.containers.get(&c.id).is_some_and(|e| e.resource != c.resource)
            && let Some(e) = self.containers.remove(&c.id)
        {
            self.retire(e.provider);
        }
        if !self.containers.contains_key(&c.id) {
            if self.containers.len() >= self.max
                && let Some(lru) = self.containers.iter().min_by_key(|(_, e)| e.last_used).map(|(k, _)| k.clone())
                && let Some(e) = self.containers.remove(&lru)
            {
                self.retire(e.provider);
            }
            let mut attrs = self.base.clone();
            attrs.extend(c.resource.iter().cloned());
            match build(Resource::builder_empty().with_attributes(attrs).build()) {
                Ok(provider) => {
                    self.created += 1;
                    self.containers
                        .insert(c.id.clone(), Entry { provider, resource: c.resource.clone(), last_used: now });
                }
                Err(e) => {
                    tracing::warn!("{e}; records of container {} go under the host resource", c.short_id());
                    return self.host.as_ref();
                }
            }
        }
        let entry = self.containers.get_mut(&c.id)?;
        entry.last_used = now;
        Some(&entry.provider)
    }

    /// Flushes every provider in parallel and stops the reaper.
    ///
    /// # Errors
    /// Every provider's flush error, joined.
    pub fn close_all(&mut self) -> Result<(), String> {
        let mut handles: Vec<std::thread::JoinHandle<Result<(), String>>> = Vec::new();
        for (_, e) in self.containers.drain() {
            handles.push(std::thread::spawn(move || e.provider.close()));
        }
        if let Some(host) = self.host.take() {
            handles.push(std::thread::spawn(move || host.close()));
        }
        let mut errors = Vec::new();
        for h in handles {
            match h.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => errors.push(e),
                Err(_) => errors.push("a provider shutdown thread panicked".into()),
            }
        }
        self.retire = None;
        if let Some(r) = self.reaper.take() {
            let _ = r.join();
        }
        if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    struct Fake(Arc<Mutex<Vec<String>>>, String);

    impl Provider for Fake {
        fn close(self) -> Result<(), String> {
            self.0.lock().unwrap().push(self.1);
            Ok(())
        }
    }

    fn ident(id: &str, extra: &str) -> ContainerIdentity {
        ContainerIdentity { id: id.into(), pod_uid: None, resource: vec![KeyValue::new("x", extra.to_string())] }
    }

    #[test]
    fn bounded_lru_refresh_and_close() {
        let closed = Arc::new(Mutex::new(Vec::new()));
        let mut set = PerResource::new(Fake(Arc::clone(&closed), "host".into()), vec![]);
        set.max = 2;
        let mk = |name: &str| {
            let c = Arc::clone(&closed);
            let name = name.to_string();
            move |_r: Resource| Ok::<_, String>(Fake(c, name))
        };
        assert_eq!(set.get(Some(&ident("a", "1")), mk("a1")).unwrap().1, "a1");
        assert_eq!(set.get(Some(&ident("b", "1")), mk("b1")).unwrap().1, "b1");
        assert_eq!(set.get(None, mk("unused")).unwrap().1, "host");
        // A third container evicts the least recently used (a).
        assert_eq!(set.get(Some(&ident("c", "1")), mk("c1")).unwrap().1, "c1");
        assert_eq!(set.containers(), 2);
        // Changed attributes: a fresh provider for b.
        assert_eq!(set.get(Some(&ident("b", "2")), mk("b2")).unwrap().1, "b2");
        // A failing build falls back to the host provider.
        assert_eq!(set.get(Some(&ident("d", "1")), |_| Err::<Fake, _>("boom")).unwrap().1, "host");
        set.close_all().unwrap();
        let mut closed = closed.lock().unwrap().clone();
        closed.sort();
        assert_eq!(closed, vec!["a1", "b1", "b2", "c1", "host"]);
    }
}
