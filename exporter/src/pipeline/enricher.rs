//! The caches enrichment reads, owned by the consumer loop.

use std::{collections::HashMap, sync::Arc};

use crate::{
    decode::Header,
    enrich::{
        ContainerIdentity,
        container::{CgroupResolver, resolver::CgroupInfo},
        container_identity,
        k8s::K8sHandle,
    },
    process::ProcessTable,
    signals::traces::{Connections, ProcessSpans},
};

/// A container appearing or going away.
#[derive(Clone, Debug)]
pub(super) enum Lifecycle {
    Start(Arc<ContainerIdentity>),
    Stop(Arc<ContainerIdentity>),
}

/// The caches enrichment reads.
pub(super) struct Enricher {
    pub(super) table: ProcessTable,
    pub(super) cgroups: CgroupResolver,
    /// The node's pods, when running in a cluster.
    pub(super) pods: Option<K8sHandle>,
    /// Containers seen running, to report their start and stop once.
    pub(super) running: HashMap<String, Arc<ContainerIdentity>>,
    /// Lifecycle changes not yet turned into records.
    pub(super) lifecycle: Vec<Lifecycle>,
    /// Open process and container spans.
    pub(super) spans: ProcessSpans,
    /// Open connection spans.
    pub(super) conns: Connections,
    /// Security-event state (listen addresses, /proc lookups).
    pub(super) security: super::security::SecurityStage,
}

impl Enricher {
    /// The container of an event's process, if it runs in one.
    pub(super) fn container(&mut self, header: &Header) -> Option<Arc<ContainerIdentity>> {
        let info = self.cgroups.resolve(header.cgroup_id, header.pid)?;
        let ident = self.identity(&info)?;
        if !self.running.contains_key(&ident.id) {
            self.running.insert(ident.id.clone(), Arc::clone(&ident));
            self.lifecycle.push(Lifecycle::Start(Arc::clone(&ident)));
        }
        Some(ident)
    }

    /// After a cgroup scan: containers with no live cgroup left have stopped.
    pub(super) fn reap_stopped(&mut self) {
        let live = self.cgroups.live_container_ids();
        let gone: Vec<String> = self.running.keys().filter(|id| !live.contains(id.as_str())).cloned().collect();
        for id in gone {
            if let Some(ident) = self.running.remove(&id) {
                self.lifecycle.push(Lifecycle::Stop(ident));
            }
        }
    }

    /// The container of a cgroup the resolver already knows (no pid fallback).
    pub(super) fn container_of_cgroup(&self, cgroup_id: u64) -> Option<Arc<ContainerIdentity>> {
        let info = self.cgroups.get(cgroup_id)?;
        self.identity(&info)
    }

    fn identity(&self, info: &CgroupInfo) -> Option<Arc<ContainerIdentity>> {
        let c = info.container.as_ref()?;
        let extra = self
            .pods
            .as_ref()
            .and_then(|p| {
                p.container_attributes(&c.id).or_else(|| c.pod_uid.as_deref().and_then(|u| p.pod_uid_attributes(u)))
            })
            .unwrap_or_default();
        container_identity(info, extra)
    }
}
