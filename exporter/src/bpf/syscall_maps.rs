//! Reading (and pruning) the kernel's per-cgroup syscall aggregates.

use std::collections::HashSet;

use aya::maps::{MapData, PerCpuHashMap};
use exporter_common::syscalls::{ErrnoKey, HIST_BUCKETS, SyscallKey, SyscallStats};

/// One (cgroup, syscall) series, summed over CPUs. Counts are cumulative
/// since the programs were attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyscallSeries {
    pub cgroup_id: u64,
    pub nr: u32,
    pub count: u64,
    pub errors: u64,
    pub duration_ns: u64,
    pub buckets: [u64; HIST_BUCKETS],
}

/// Failed calls of one (cgroup, syscall, errno), summed over CPUs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrnoSeries {
    pub cgroup_id: u64,
    pub nr: u32,
    pub errno: u32,
    pub count: u64,
}

/// Everything read in one pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyscallSnapshot {
    pub series: Vec<SyscallSeries>,
    pub errnos: Vec<ErrnoSeries>,
    /// Entries that could not be read (they vanished mid-iteration).
    pub read_errors: u64,
}

/// The two aggregate maps.
pub struct SyscallMaps {
    stats: PerCpuHashMap<MapData, SyscallKey, SyscallStats>,
    errnos: PerCpuHashMap<MapData, ErrnoKey, u64>,
}

impl SyscallMaps {
    pub(crate) fn new(
        stats: PerCpuHashMap<MapData, SyscallKey, SyscallStats>,
        errnos: PerCpuHashMap<MapData, ErrnoKey, u64>,
    ) -> Self {
        Self { stats, errnos }
    }

    /// Reads and sums every entry.
    #[must_use]
    pub fn snapshot(&self) -> SyscallSnapshot {
        let mut snap = SyscallSnapshot::default();
        for entry in self.stats.iter() {
            let Ok((key, per_cpu)) = entry else {
                snap.read_errors += 1;
                continue;
            };
            let mut s = SyscallSeries {
                cgroup_id: key.cgroup_id,
                nr: key.nr,
                count: 0,
                errors: 0,
                duration_ns: 0,
                buckets: [0; HIST_BUCKETS],
            };
            for v in per_cpu.iter() {
                s.count += v.count;
                s.errors += v.errors;
                s.duration_ns += v.duration_ns;
                for (acc, b) in s.buckets.iter_mut().zip(v.buckets.iter()) {
                    *acc += b;
                }
            }
            snap.series.push(s);
        }
        for entry in self.errnos.iter() {
            let Ok((key, per_cpu)) = entry else {
                snap.read_errors += 1;
                continue;
            };
            snap.errnos.push(ErrnoSeries {
                cgroup_id: key.cgroup_id,
                nr: key.nr,
                errno: key.errno,
                count: per_cpu.iter().sum(),
            });
        }
        snap
    }

    /// Removes the entries of cgroups that no longer exist, so idle series
    /// age out and the maps never fill with the dead. Returns how many.
    pub fn forget_cgroups(&mut self, dead: &HashSet<u64>) -> usize {
        if dead.is_empty() {
            return 0;
        }
        let stale: Vec<SyscallKey> =
            self.stats.keys().filter_map(Result::ok).filter(|k| dead.contains(&k.cgroup_id)).collect();
        let stale_errnos: Vec<ErrnoKey> =
            self.errnos.keys().filter_map(Result::ok).filter(|k| dead.contains(&k.cgroup_id)).collect();
        let mut removed = 0;
        for k in &stale {
            removed += usize::from(self.stats.remove(k).is_ok());
        }
        for k in &stale_errnos {
            removed += usize::from(self.errnos.remove(k).is_ok());
        }
        removed
    }
}
