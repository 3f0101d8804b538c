//! Per-container syscall metrics from the kernel's aggregates.
//!
//! - `sysotel.syscalls` (Counter, `{syscall}`): completed calls per
//!   `sysotel.syscall.name`; failed calls carry `error.type` (the errno name,
//!   e.g. `ENOENT`), so the sum over all points is every call.
//! - `sysotel.syscall.duration` (Histogram, `s`): the kernel's log2 buckets
//!   as explicit bounds `2^(i+1)` ns.
//!
//! Series are grouped by container: every cgroup of a container (runtimes
//! nest some) lands on that container's Resource; everything else on the
//! host Resource. Counts are cumulative since the programs were attached.
//!
//! Cardinality: each Resource names at most [`Admitted::MAX_PER_RESOURCE`]
//! syscalls, admitted busiest first and then kept (sticky, so every series
//! stays monotonic); calls of syscalls beyond the cap are summed under
//! `sysotel.syscall.name = "other"`.

use std::{collections::BTreeMap, sync::Arc};

use exporter_common::syscalls::HIST_BUCKETS;
use opentelemetry::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Histogram, HistogramDataPoint, Metric, ResourceMetrics, ScopeMetrics, metric::Data,
};
use semconv::{attribute as attr, metric};

use super::proto::{counter, int_point, resource, scope, str_kv};
use crate::{bpf::SyscallSnapshot, enrich::ContainerIdentity};

/// Which syscalls each resource reports by name (sticky across intervals).
#[derive(Debug, Default)]
pub struct Admitted {
    by_resource: std::collections::HashMap<String, std::collections::HashSet<u32>>,
}

impl Admitted {
    /// Syscall names per Resource before the rest becomes `other`.
    pub const MAX_PER_RESOURCE: usize = 256;

    /// Splits `per_nr` into admitted syscalls and the `other` remainder.
    fn split(&mut self, resource: &str, per_nr: BTreeMap<u32, Acc>) -> (BTreeMap<u32, Acc>, Option<Acc>) {
        let set = self.by_resource.entry(resource.to_string()).or_default();
        let mut by_count: Vec<(u32, u64)> = per_nr.iter().map(|(nr, a)| (*nr, a.count)).collect();
        by_count.sort_by_key(|(nr, c)| (std::cmp::Reverse(*c), *nr));
        for (nr, _) in by_count {
            if set.len() >= Self::MAX_PER_RESOURCE {
                break;
            }
            set.insert(nr);
        }
        let mut named = BTreeMap::new();
        let mut other: Option<Acc> = None;
        for (nr, acc) in per_nr {
            if set.contains(&nr) {
                named.insert(nr, acc);
            } else {
                let o = other.get_or_insert_with(Acc::default);
                o.count += acc.count;
                o.errors += acc.errors;
                o.duration_ns += acc.duration_ns;
                for (a, b) in o.buckets.iter_mut().zip(acc.buckets.iter()) {
                    *a += b;
                }
                for (e, n) in acc.errnos {
                    *o.errnos.entry(e).or_default() += n;
                }
            }
        }
        (named, other)
    }

    /// Forgets resources no longer reported.
    pub fn retain(&mut self, live: &std::collections::HashSet<String>) {
        self.by_resource.retain(|k, _| live.contains(k));
    }
}

/// How series become resources.
pub struct SyscallResources<'a> {
    /// The agent's resource attributes (host, service).
    pub base: &'a [KeyValue],
    /// When counting began (programs attached), ns since the epoch.
    pub start_ns: u64,
    /// Now, ns since the epoch.
    pub now_ns: u64,
}

/// The name of syscall `nr` on this architecture (`syscall_<nr>` if unknown).
#[must_use]
pub fn syscall_name(nr: u32) -> String {
    syscalls::Sysno::new(nr as usize).map_or_else(|| format!("syscall_{nr}"), |s| s.name().to_string())
}

/// The symbolic name of an errno (`errno_<n>` if unknown).
#[must_use]
pub fn errno_name(errno: u32) -> String {
    i32::try_from(errno)
        .ok()
        .and_then(|e| syscalls::Errno::new(e).name())
        .map_or_else(|| format!("errno_{errno}"), str::to_string)
}

/// Histogram bounds in seconds: `2^(i+1)` ns for the first 31 buckets.
#[must_use]
pub fn bucket_bounds_seconds() -> Vec<f64> {
    (1..HIST_BUCKETS).map(|i| (1u64 << i) as f64 / 1e9).collect()
}

#[derive(Default)]
struct Acc {
    count: u64,
    errors: u64,
    duration_ns: u64,
    buckets: [u64; HIST_BUCKETS],
    errnos: BTreeMap<u32, u64>,
}

/// One resource's owner and its per-syscall accumulators.
type Group = (Option<Arc<ContainerIdentity>>, BTreeMap<u32, Acc>);

/// Builds one `ResourceMetrics` per container (and one for the host) from
/// `snapshot`; `container_of(cgroup_id)` says which container a cgroup is.
pub fn syscall_metrics(
    snapshot: &SyscallSnapshot,
    mut container_of: impl FnMut(u64) -> Option<Arc<ContainerIdentity>>,
    r: &SyscallResources<'_>,
    admitted: &mut Admitted,
) -> Vec<ResourceMetrics> {
    // resource key -> (identity, nr -> accumulator)
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut cache: BTreeMap<u64, Option<Arc<ContainerIdentity>>> = BTreeMap::new();
    let mut group_of = |cgroup: u64| cache.entry(cgroup).or_insert_with(|| container_of(cgroup)).clone();
    for s in &snapshot.series {
        let ident = group_of(s.cgroup_id);
        let key = ident.as_ref().map_or_else(String::new, |c| c.id.clone());
        let acc = groups.entry(key).or_insert_with(|| (ident, BTreeMap::new())).1.entry(s.nr).or_default();
        acc.count += s.count;
        acc.errors += s.errors;
        acc.duration_ns += s.duration_ns;
        for (a, b) in acc.buckets.iter_mut().zip(s.buckets.iter()) {
            *a += b;
        }
    }
    for e in &snapshot.errnos {
        let ident = group_of(e.cgroup_id);
        let key = ident.as_ref().map_or_else(String::new, |c| c.id.clone());
        let acc = groups.entry(key).or_insert_with(|| (ident, BTreeMap::new())).1.entry(e.nr).or_default();
        *acc.errnos.entry(e.errno).or_default() += e.count;
    }
    let bounds = bucket_bounds_seconds();
    admitted.retain(&groups.keys().cloned().collect());
    groups
        .into_iter()
        .map(|(key, (ident, per_nr))| {
            let (per_nr, other) = admitted.split(&key, per_nr);
            let per_name = per_nr
                .into_iter()
                .map(|(nr, acc)| (syscall_name(nr), acc))
                .chain(other.map(|o| ("other".to_string(), o)));
            let mut attrs = r.base.to_vec();
            if let Some(c) = &ident {
                attrs.extend(c.resource.iter().cloned());
            }
            let mut calls = Vec::new();
            let mut durations = Vec::new();
            for (name, acc) in per_name {
                // errno counts may trail the totals by a racing CPU; never go negative.
                let failed: u64 = acc.errnos.values().sum();
                let ok = acc.count.saturating_sub(acc.errors.max(failed));
                if acc.count > 0 {
                    calls.push(int_point(vec![str_kv(attr::SYSCALL_NAME, name.clone())], r.start_ns, r.now_ns, ok));
                }
                for (errno, n) in &acc.errnos {
                    calls.push(int_point(
                        vec![str_kv(attr::SYSCALL_NAME, name.clone()), str_kv(attr::ERROR_TYPE, errno_name(*errno))],
                        r.start_ns,
                        r.now_ns,
                        *n,
                    ));
                }
                if acc.count > 0 {
                    durations.push(HistogramDataPoint {
                        attributes: vec![str_kv(attr::SYSCALL_NAME, name)],
                        start_time_unix_nano: r.start_ns,
                        time_unix_nano: r.now_ns,
                        count: acc.count,
                        sum: Some(acc.duration_ns as f64 / 1e9),
                        bucket_counts: acc.buckets.to_vec(),
                        explicit_bounds: bounds.clone(),
                        ..Default::default()
                    });
                }
            }
            let metrics = vec![
                counter(metric::SYSCALLS, "Completed system calls.", "{syscall}", calls),
                Metric {
                    name: metric::SYSCALL_DURATION.to_string(),
                    description: "Duration of system calls, from entry to return.".to_string(),
                    unit: "s".to_string(),
                    data: Some(Data::Histogram(Histogram {
                        data_points: durations,
                        aggregation_temporality: AggregationTemporality::Cumulative as i32,
                    })),
                    ..Default::default()
                },
            ];
            ResourceMetrics {
                resource: Some(resource(&attrs)),
                scope_metrics: vec![ScopeMetrics { scope: Some(scope()), metrics, ..Default::default() }],
                ..Default::default()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn cardinality_is_capped_and_sticky() {
        let mut a = Admitted::default();
        let mk = |counts: &[(u32, u64)]| {
            counts.iter().map(|(nr, c)| (*nr, Acc { count: *c, ..Acc::default() })).collect::<BTreeMap<_, _>>()
        };
        let cap = Admitted::MAX_PER_RESOURCE as u32;
        let many: Vec<(u32, u64)> = (0..cap + 36).map(|nr| (nr, u64::from(nr) + 1)).collect();
        let (named, other) = a.split("r", mk(&many));
        assert_eq!(named.len(), Admitted::MAX_PER_RESOURCE);
        assert!(named.contains_key(&(cap + 35)) && !named.contains_key(&0), "busiest first");
        assert_eq!(other.unwrap().count, (1..=36).sum::<u64>());
        // Later, a once-quiet syscall gets busy: the admitted set does not churn.
        let mut later = many.clone();
        later[0].1 = 1_000_000;
        let (named, _) = a.split("r", mk(&later));
        assert!(!named.contains_key(&0), "sticky: other stays other");
    }

    use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as V;

    use super::*;
    use crate::bpf::syscall_maps::{ErrnoSeries, SyscallSeries};

    fn series(cgroup_id: u64, nr: u32, count: u64, errors: u64) -> SyscallSeries {
        let mut buckets = [0; HIST_BUCKETS];
        buckets[10] = count;
        SyscallSeries { cgroup_id, nr, count, errors, duration_ns: count * 1500, buckets }
    }

    fn ident(id: &str) -> Arc<ContainerIdentity> {
        Arc::new(ContainerIdentity {
            id: id.into(),
            pod_uid: None,
            resource: vec![KeyValue::new("container.id", id.to_string())],
        })
    }

    #[test]
    fn names_and_buckets() {
        assert_eq!(syscall_name(110), "getppid");
        assert_eq!(syscall_name(99_999), "syscall_99999");
        assert_eq!(errno_name(2), "ENOENT");
        let b = bucket_bounds_seconds();
        assert_eq!(b.len(), HIST_BUCKETS - 1);
        assert!((b[0] - 2e-9).abs() < 1e-18);
    }

    #[test]
    fn groups_by_container_and_splits_errors() {
        let snap = SyscallSnapshot {
            series: vec![series(1, 110, 100, 0), series(50, 257, 10, 3), series(51, 257, 5, 0), series(7, 110, 4, 0)],
            errnos: vec![ErrnoSeries { cgroup_id: 50, nr: 257, errno: 2, count: 3 }],
            read_errors: 0,
        };
        let c = ident("abc");
        let base = [KeyValue::new("service.name", "sysotel")];
        let r = SyscallResources { base: &base, start_ns: 1, now_ns: 2 };
        let out =
            syscall_metrics(&snap, |cg| (cg == 50 || cg == 51).then(|| Arc::clone(&c)), &r, &mut Admitted::default());
        assert_eq!(out.len(), 2, "host and one container");
        let container = out
            .iter()
            .find(|rm| rm.resource.as_ref().unwrap().attributes.iter().any(|kv| kv.key == "container.id"))
            .unwrap();
        let m = &container.scope_metrics[0].metrics;
        let Some(Data::Sum(sum)) = &m[0].data else { panic!("sum") };
        // openat: 15 calls in two cgroups of one container, 3 of them ENOENT.
        let ok = sum.data_points.iter().find(|p| p.attributes.len() == 1).unwrap();
        assert_eq!(ok.value, Some(V::AsInt(12)));
        let err = sum.data_points.iter().find(|p| p.attributes.len() == 2).unwrap();
        assert_eq!(err.value, Some(V::AsInt(3)));
        assert!(err.attributes.iter().any(|kv| kv.key == "error.type"));
        let Some(Data::Histogram(h)) = &m[1].data else { panic!("histogram") };
        assert_eq!(h.data_points[0].count, 15);
        assert_eq!(h.data_points[0].bucket_counts.iter().sum::<u64>(), 15);
        assert_eq!(m[0].unit, "{syscall}");
        assert_eq!(m[1].unit, "s");
    }
}
