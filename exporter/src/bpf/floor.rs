//! The benchmark's floors: two bare hooks on the raw syscall tracepoints.
//! `cargo xtask bench` runs them (`sysotel bench-floor [--timed]`) next to
//! the real programs, so the cost of sysotel's metrics is compared with the
//! bare cost of two hooks, and with two hooks that also time each call, on
//! the same machine in the same run.

use aya::{
    Ebpf, EbpfLoader,
    maps::{MapData, PerCpuArray},
};

use super::loader::{Attached, Group, Hook, LoadError, OBJECT, attach};

/// Which pair of floor programs to attach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloorKind {
    /// `floor_enter`/`floor_exit`: one per-CPU counter each.
    Count,
    /// `floor_timed_enter`/`floor_timed_exit`: the clock at both ends, each
    /// call's duration added to a per-CPU sum.
    Timed,
}

impl FloorKind {
    fn programs(self) -> [Attached; 2] {
        let (enter, exit) = match self {
            Self::Count => ("floor_enter", "floor_exit"),
            Self::Timed => ("floor_timed_enter", "floor_timed_exit"),
        };
        [
            Attached { program: enter, hook: Hook::Raw { name: "sys_enter" }, group: Group::SyscallMetrics },
            Attached { program: exit, hook: Hook::Raw { name: "sys_exit" }, group: Group::SyscallMetrics },
        ]
    }

    /// The two program names, for messages.
    #[must_use]
    pub fn names(self) -> (&'static str, &'static str) {
        let [enter, exit] = self.programs();
        (enter.program, exit.program)
    }
}

/// What the floor programs saw, all CPUs summed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloorCounts {
    Count { enter: u64, exit: u64 },
    Timed { calls: u64, total_ns: u64 },
}

impl std::fmt::Display for FloorCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::Count { enter, exit } => write!(f, "{enter} sys_enter, {exit} sys_exit calls counted"),
            Self::Timed { calls, total_ns } => write!(f, "{calls} calls timed, {total_ns} ns in all"),
        }
    }
}

/// Two floor programs, attached until dropped.
pub struct Floor {
    _ebpf: Ebpf,
    kind: FloorKind,
    counts: PerCpuArray<MapData, u64>,
    timed: PerCpuArray<MapData, [u64; 3]>,
}

impl Floor {
    /// Loads the object and attaches `kind`'s two programs only.
    ///
    /// # Errors
    /// [`LoadError`] naming the program or map that failed.
    pub fn attach(kind: FloorKind) -> Result<Self, LoadError> {
        if OBJECT.is_empty() {
            return Err(LoadError::NoObject);
        }
        let mut ebpf = EbpfLoader::new().allow_unsupported_maps().load(OBJECT)?;
        for spec in kind.programs() {
            attach(&mut ebpf, spec, None)?;
        }
        let map = ebpf.take_map("FLOOR_COUNTS").ok_or(LoadError::MissingMap("FLOOR_COUNTS"))?;
        let counts = PerCpuArray::try_from(map).map_err(|source| LoadError::Map { map: "FLOOR_COUNTS", source })?;
        let map = ebpf.take_map("FLOOR_TIMED").ok_or(LoadError::MissingMap("FLOOR_TIMED"))?;
        let timed = PerCpuArray::try_from(map).map_err(|source| LoadError::Map { map: "FLOOR_TIMED", source })?;
        Ok(Self { _ebpf: ebpf, kind, counts, timed })
    }

    /// What the programs saw so far.
    ///
    /// # Errors
    /// [`LoadError::Map`] when the counters cannot be read.
    pub fn counts(&self) -> Result<FloorCounts, LoadError> {
        match self.kind {
            FloorKind::Count => {
                let read = |slot| {
                    self.counts
                        .get(&slot, 0)
                        .map(|per_cpu| per_cpu.iter().sum::<u64>())
                        .map_err(|source| LoadError::Map { map: "FLOOR_COUNTS", source })
                };
                Ok(FloorCounts::Count { enter: read(0)?, exit: read(1)? })
            }
            FloorKind::Timed => {
                let per_cpu = self.timed.get(&0, 0).map_err(|source| LoadError::Map { map: "FLOOR_TIMED", source })?;
                let (calls, total_ns) =
                    per_cpu.iter().fold((0, 0), |(calls, ns), slot| (calls + slot[1], ns + slot[2]));
                Ok(FloorCounts::Timed { calls, total_ns })
            }
        }
    }
}
