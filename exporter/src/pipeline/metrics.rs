//! Periodic metrics: read the kernel's syscall aggregates, attribute them to
//! containers, add the agent's own health, and hand the request to a sender
//! without blocking the consumer loop.
//!
//! At most one send is in flight; an interval whose send would overlap a
//! slow one is skipped and counted (the next interval carries cumulative
//! values, so nothing is lost but resolution). Entries of cgroups that no
//! longer exist are removed from the kernel maps, so idle series age out.

use std::{
    collections::HashSet,
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use opentelemetry::KeyValue;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;

use super::{enricher::Enricher, retired::Retired};
use crate::{
    bpf::SyscallMaps,
    signals::metrics::{Admitted, AgentCounters, SyscallResources, agent_metrics, syscall_metrics},
};

/// Sends one request; resolves to the number of data points accepted or an
/// error message.
pub type SendFn =
    Arc<dyn Fn(ExportMetricsServiceRequest) -> Pin<Box<dyn Future<Output = Result<u64, String>> + Send>> + Send + Sync>;

/// Where metrics go.
pub enum MetricsOut {
    Send(SendFn),
    /// Summary lines on stdout.
    Console,
}

/// Outcome counters of metric exports.
#[derive(Debug, Default)]
pub struct MetricsStats {
    pub exported_points: AtomicU64,
    pub failed_points: AtomicU64,
    pub skipped_intervals: AtomicU64,
}

/// Collects and ships metrics each interval.
pub struct MetricsCollector {
    maps: Option<SyscallMaps>,
    out: MetricsOut,
    base: Vec<KeyValue>,
    start_ns: u64,
    busy: Arc<AtomicBool>,
    retired: Retired,
    admitted: Admitted,
    pub stats: Arc<MetricsStats>,
}

fn now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn point_count(req: &ExportMetricsServiceRequest) -> u64 {
    use opentelemetry_proto::tonic::metrics::v1::metric::Data;
    req.resource_metrics
        .iter()
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .map(|m| match &m.data {
            Some(Data::Sum(s)) => s.data_points.len(),
            Some(Data::Gauge(g)) => g.data_points.len(),
            Some(Data::Histogram(h)) => h.data_points.len(),
            _ => 0,
        } as u64)
        .sum()
}

impl MetricsCollector {
    /// `maps` is absent when syscall programs are not loaded (only agent
    /// metrics are sent then); `base` is the agent's resource.
    pub(super) fn new(maps: Option<SyscallMaps>, out: MetricsOut, base: Vec<KeyValue>) -> Self {
        Self {
            maps,
            out,
            base,
            start_ns: now_ns(),
            busy: Arc::new(AtomicBool::new(false)),
            retired: Retired::default(),
            admitted: Admitted::default(),
            stats: Arc::new(MetricsStats::default()),
        }
    }

    /// One interval's collection. `agent` holds the self-metric totals.
    pub(super) fn collect(&mut self, enricher: &mut Enricher, mut agent: AgentCounters) {
        let now = now_ns();
        let mut resources = Vec::new();
        if let Some(maps) = &mut self.maps {
            // Snapshot first, then scan: a cgroup in the snapshot that the
            // scan does not find is really gone.
            let mut snap = maps.snapshot();
            enricher.cgroups.scan();
            if enricher.cgroups.has_root() {
                let dead: HashSet<u64> =
                    snap.series.iter().map(|s| s.cgroup_id).filter(|id| !enricher.cgroups.is_live(*id)).collect();
                self.retired.absorb(&mut snap, |id| dead.contains(&id), |id| enricher.container_of_cgroup(id));
                let removed = maps.forget_cgroups(&dead);
                if removed > 0 {
                    tracing::debug!("syscall metrics: retired {removed} series of {} removed cgroups", dead.len());
                }
            }
            let owners = self.retired.report(&mut snap);
            let r = SyscallResources { base: &self.base, start_ns: self.start_ns, now_ns: now };
            resources = syscall_metrics(
                &snap,
                |cg| match owners.get(&cg) {
                    Some(owner) => owner.clone(),
                    None => enricher.container_of_cgroup(cg),
                },
                &r,
                &mut self.admitted,
            );
        }
        agent.metrics_exported = self.stats.exported_points.load(Ordering::Relaxed);
        agent.metrics_failed = self.stats.failed_points.load(Ordering::Relaxed);
        agent.cgroups = enricher.cgroups.len() as u64;
        resources.push(agent_metrics(&agent, &self.base, self.start_ns, now));
        let req = ExportMetricsServiceRequest { resource_metrics: resources };
        match &self.out {
            MetricsOut::Console => print_summary(&req),
            MetricsOut::Send(send) => {
                if self.busy.swap(true, Ordering::AcqRel) {
                    self.stats.skipped_intervals.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                let points = point_count(&req);
                let fut = send(req);
                let busy = Arc::clone(&self.busy);
                let stats = Arc::clone(&self.stats);
                tokio::spawn(async move {
                    match fut.await {
                        Ok(_) => {
                            stats.exported_points.fetch_add(points, Ordering::Relaxed);
                        }
                        Err(e) => {
                            if stats.failed_points.fetch_add(points, Ordering::Relaxed) == 0 {
                                tracing::warn!("metrics export failed ({e}); later failures are counted");
                            }
                        }
                    }
                    busy.store(false, Ordering::Release);
                });
            }
        }
    }

    /// Sends a last interval and waits for it (shutdown), bounded by the caller.
    pub fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire)
    }
}

/// One line per resource: its container (or host) and its busiest syscalls.
fn print_summary(req: &ExportMetricsServiceRequest) {
    use opentelemetry_proto::tonic::{
        common::v1::any_value::Value,
        metrics::v1::{metric::Data, number_data_point},
    };
    for rm in &req.resource_metrics {
        let attrs = rm.resource.as_ref().map(|r| r.attributes.as_slice()).unwrap_or_default();
        let who = attrs
            .iter()
            .find(|kv| kv.key == "container.id")
            .and_then(|kv| match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(Value::StringValue(s)) => Some(format!("container={}", &s[..s.len().min(12)])),
                _ => None,
            })
            .unwrap_or_else(|| "host".to_string());
        for m in rm.scope_metrics.iter().flat_map(|s| &s.metrics) {
            let Some(Data::Sum(sum)) = &m.data else { continue };
            if m.name != semconv::metric::SYSCALLS {
                continue;
            }
            let mut by_name: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
            for p in &sum.data_points {
                let name = p
                    .attributes
                    .iter()
                    .find(|kv| kv.key == semconv::attribute::SYSCALL_NAME)
                    .and_then(|kv| match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                        Some(Value::StringValue(s)) => Some(s.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                if let Some(number_data_point::Value::AsInt(v)) = p.value {
                    *by_name.entry(name).or_default() += v;
                }
            }
            let mut top: Vec<(String, i64)> = by_name.into_iter().collect();
            top.sort_by_key(|t| std::cmp::Reverse(t.1));
            let total: i64 = top.iter().map(|t| t.1).sum();
            let shown: Vec<String> = top.iter().take(5).map(|(n, v)| format!("{n}={v}")).collect();
            println!("metrics {who} syscalls={total} top: {}", shown.join(" "));
        }
    }
}
