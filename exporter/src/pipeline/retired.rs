//! Counts of cgroups that no longer exist, kept so cumulative series never
//! go backwards.
//!
//! The kernel map entries of a removed cgroup are deleted (so the map does
//! not fill up with the dead), but the host Resource sums many cgroups
//! (services, sessions, transient scopes): dropping one would make the host
//! counter decrease. Their final totals move here and keep being reported.
//! A removed container's totals are reported a few more intervals under its
//! own Resource, then dropped with it.

use std::{collections::HashMap, sync::Arc};

use exporter_common::syscalls::HIST_BUCKETS;

use crate::{
    bpf::{
        SyscallSnapshot,
        syscall_maps::{ErrnoSeries, SyscallSeries},
    },
    enrich::ContainerIdentity,
};

/// Synthetic cgroup ids of retired series start here (real ids are inode
/// numbers, far below).
const SYNTHETIC_BASE: u64 = u64::MAX - (1 << 32);

/// Intervals a removed container's totals stay reported.
const CONTAINER_INTERVALS: u32 = 3;

struct Entry {
    owner: Option<Arc<ContainerIdentity>>,
    series: SyscallSeries,
    errnos: HashMap<u32, u64>,
    reports_left: Option<u32>,
}

/// Retired totals by (container id or "" for the host, syscall).
#[derive(Default)]
pub(super) struct Retired {
    entries: HashMap<(String, u32), Entry>,
}

impl Retired {
    /// Moves the series of `dead` cgroups out of `snap` into the retired totals.
    pub(super) fn absorb(
        &mut self,
        snap: &mut SyscallSnapshot,
        is_dead: impl Fn(u64) -> bool,
        owner_of: impl Fn(u64) -> Option<Arc<ContainerIdentity>>,
    ) {
        let (dead, live): (Vec<_>, Vec<_>) = snap.series.drain(..).partition(|s| is_dead(s.cgroup_id));
        snap.series = live;
        for s in dead {
            let owner = owner_of(s.cgroup_id);
            let key = (owner.as_ref().map_or_else(String::new, |c| c.id.clone()), s.nr);
            let reports_left = owner.as_ref().map(|_| CONTAINER_INTERVALS);
            let e = self.entries.entry(key).or_insert_with(|| Entry {
                owner,
                series: SyscallSeries {
                    cgroup_id: 0,
                    nr: s.nr,
                    count: 0,
                    errors: 0,
                    duration_ns: 0,
                    buckets: [0; HIST_BUCKETS],
                },
                errnos: HashMap::new(),
                reports_left,
            });
            e.series.count += s.count;
            e.series.errors += s.errors;
            e.series.duration_ns += s.duration_ns;
            for (a, b) in e.series.buckets.iter_mut().zip(s.buckets.iter()) {
                *a += b;
            }
        }
        let (dead_errnos, live_errnos): (Vec<_>, Vec<_>) = snap.errnos.drain(..).partition(|e| is_dead(e.cgroup_id));
        snap.errnos = live_errnos;
        for x in dead_errnos {
            let owner = owner_of(x.cgroup_id);
            let key = (owner.as_ref().map_or_else(String::new, |c| c.id.clone()), x.nr);
            if let Some(e) = self.entries.get_mut(&key) {
                *e.errnos.entry(x.errno).or_default() += x.count;
            }
        }
    }

    /// Appends the retired totals to `snap` under synthetic cgroup ids and
    /// returns the owner of each synthetic id. Ages out removed containers.
    pub(super) fn report(&mut self, snap: &mut SyscallSnapshot) -> HashMap<u64, Option<Arc<ContainerIdentity>>> {
        let mut owners = HashMap::new();
        for (i, e) in self.entries.values_mut().enumerate() {
            let id = SYNTHETIC_BASE + i as u64;
            owners.insert(id, e.owner.clone());
            snap.series.push(SyscallSeries { cgroup_id: id, ..e.series.clone() });
            for (errno, count) in &e.errnos {
                snap.errnos.push(ErrnoSeries { cgroup_id: id, nr: e.series.nr, errno: *errno, count: *count });
            }
            if let Some(n) = e.reports_left.as_mut() {
                *n = n.saturating_sub(1);
            }
        }
        self.entries.retain(|_, e| e.reports_left != Some(0));
        owners
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(cgroup_id: u64, count: u64) -> SyscallSeries {
        SyscallSeries { cgroup_id, nr: 0, count, errors: 0, duration_ns: 0, buckets: [0; 32] }
    }

    #[test]
    fn host_totals_never_decrease_and_containers_age_out() {
        let mut r = Retired::default();
        let c = Arc::new(ContainerIdentity { id: "c1".into(), pod_uid: None, resource: vec![] });
        let mut snap = SyscallSnapshot { series: vec![s(10, 5), s(11, 7), s(12, 1)], ..Default::default() };
        let owner = |id| (id == 12).then(|| Arc::clone(&c));
        r.absorb(&mut snap, |id| id != 10, owner);
        assert_eq!(snap.series.len(), 1, "live series stay");
        let owners = r.report(&mut snap);
        assert_eq!(snap.series.iter().map(|x| x.count).sum::<u64>(), 13, "nothing lost");
        assert_eq!(owners.values().filter(|o| o.is_some()).count(), 1);
        for _ in 0..CONTAINER_INTERVALS {
            let mut again = SyscallSnapshot::default();
            r.report(&mut again);
        }
        let mut last = SyscallSnapshot::default();
        r.report(&mut last);
        assert_eq!(last.series.len(), 1, "the host's retired totals remain, the container's are gone");
        assert_eq!(last.series[0].count, 7);
    }
}
