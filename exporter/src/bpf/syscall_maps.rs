//! Reading (and pruning) the kernel's per-cgroup syscall aggregates.
//!
//! The figures sit in slots of a per-CPU array named by a shared key array
//! (see `exporter-bpf/src/syscall_stats.rs`); only claimed slots are read, and a
//! pair that raced into two slots is summed back into one series.

use std::collections::{HashMap as StdHashMap, HashSet};

use aya::maps::{Array, HashMap, MapData, PerCpuArray, PerCpuHashMap, PerCpuValues};
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

/// The kernel's syscall aggregate maps.
pub struct SyscallMaps {
    keys: Array<MapData, SyscallKey>,
    stats: PerCpuArray<MapData, SyscallStats>,
    claims: HashMap<MapData, u32, u32>,
    errnos: PerCpuHashMap<MapData, ErrnoKey, u64>,
}

impl SyscallMaps {
    pub(crate) fn new(
        keys: Array<MapData, SyscallKey>,
        stats: PerCpuArray<MapData, SyscallStats>,
        claims: HashMap<MapData, u32, u32>,
        errnos: PerCpuHashMap<MapData, ErrnoKey, u64>,
    ) -> Self {
        Self { keys, stats, claims, errnos }
    }

    /// The claimed slots with the pair each holds (a slot whose key is not
    /// written yet is being claimed and still empty: skipped).
    fn claimed(&self, read_errors: &mut u64) -> Vec<(u32, SyscallKey)> {
        let mut slots = Vec::new();
        for slot in self.claims.keys() {
            let Ok(slot) = slot else {
                *read_errors += 1;
                continue;
            };
            match self.keys.get(&slot, 0) {
                Ok(key) if key.cgroup_id != 0 => slots.push((slot, key)),
                Ok(_) => {}
                Err(_) => *read_errors += 1,
            }
        }
        slots
    }

    /// Reads and sums every entry.
    #[must_use]
    pub fn snapshot(&self) -> SyscallSnapshot {
        let mut snap = SyscallSnapshot::default();
        let mut by_pair: StdHashMap<(u64, u32), SyscallSeries> = StdHashMap::new();
        for (slot, key) in self.claimed(&mut snap.read_errors) {
            let Ok(per_cpu) = self.stats.get(&slot, 0) else {
                snap.read_errors += 1;
                continue;
            };
            let s = by_pair.entry((key.cgroup_id, key.nr)).or_insert_with(|| SyscallSeries {
                cgroup_id: key.cgroup_id,
                nr: key.nr,
                count: 0,
                errors: 0,
                duration_ns: 0,
                buckets: [0; HIST_BUCKETS],
            });
            add_cpus(s, per_cpu.iter());
        }
        snap.series = by_pair.into_values().collect();
        snap.series.sort_unstable_by_key(|s| (s.cgroup_id, s.nr));
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

    /// Frees the slots and entries of cgroups that no longer exist, so idle
    /// series age out and the tables never fill with the dead. Returns how
    /// many. A slot is zeroed before its key is cleared and its claim
    /// removed, so the kernel only ever claims zeroed slots (and no thread
    /// can still be adding to a dead cgroup's slot).
    pub fn forget_cgroups(&mut self, dead: &HashSet<u64>) -> usize {
        if dead.is_empty() {
            return 0;
        }
        let mut ignored = 0;
        let stale: Vec<u32> = self
            .claimed(&mut ignored)
            .into_iter()
            .filter(|(_, key)| dead.contains(&key.cgroup_id))
            .map(|(slot, _)| slot)
            .collect();
        let mut removed = 0;
        for slot in stale {
            if self.free_slot(slot).is_ok() {
                removed += 1;
            }
        }
        let stale_errnos: Vec<ErrnoKey> =
            self.errnos.keys().filter_map(Result::ok).filter(|k| dead.contains(&k.cgroup_id)).collect();
        for k in &stale_errnos {
            removed += usize::from(self.errnos.remove(k).is_ok());
        }
        removed
    }

    fn free_slot(&mut self, slot: u32) -> Result<(), aya::maps::MapError> {
        let cpus = self.stats.get(&slot, 0)?.iter().count();
        let zeros = PerCpuValues::try_from(vec![SyscallStats::ZERO; cpus])?;
        self.stats.set(slot, zeros, 0)?;
        self.keys.set(slot, SyscallKey { cgroup_id: 0, nr: 0, reserved: 0 }, 0)?;
        self.claims.remove(&slot)
    }
}

/// Adds each CPU's figures to `s`.
fn add_cpus<'a>(s: &mut SyscallSeries, per_cpu: impl Iterator<Item = &'a SyscallStats>) {
    for v in per_cpu {
        s.count += v.count;
        s.errors += v.errors;
        s.duration_ns += v.duration_ns;
        for (acc, b) in s.buckets.iter_mut().zip(v.buckets.iter()) {
            *acc += b;
        }
    }
}
