//! Totals of the per-CPU `STATS` counters kept by the kernel programs.

use aya::maps::{MapData, PerCpuArray};
use exporter_common::stats::{STAT_COUNT, Stat};

/// Reader of the kernel-side counters.
pub struct KernelStats {
    map: PerCpuArray<MapData, u64>,
}

impl KernelStats {
    pub(crate) fn new(map: PerCpuArray<MapData, u64>) -> Self {
        Self { map }
    }

    /// The largest per-CPU value of a gauge-like slot.
    #[must_use]
    pub fn max(&self, stat: Stat) -> u64 {
        self.map.get(&(stat as u32), 0).map(|v| v.iter().copied().max().unwrap_or(0)).unwrap_or(0)
    }

    /// Sum over CPUs of every counter, in [`Stat::ALL`] order. A counter that
    /// cannot be read reports 0.
    #[must_use]
    pub fn totals(&self) -> [(Stat, u64); STAT_COUNT as usize] {
        Stat::ALL.map(|s| {
            let total = self.map.get(&(s as u32), 0).map(|v| v.iter().sum()).unwrap_or(0);
            (s, total)
        })
    }
}
