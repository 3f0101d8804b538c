//! The benchmark's floor: `floor_enter`/`floor_exit` on the raw syscall
//! tracepoints, each only adding one to a per-CPU counter. `cargo xtask
//! bench` runs them (`sysotel bench-floor`) next to the real programs, so
//! the cost of sysotel's metrics is compared with the bare cost of two hooks
//! on the same machine in the same run.

use aya::{
    Ebpf, EbpfLoader,
    maps::{MapData, PerCpuArray},
};

use super::loader::{Attached, Group, Hook, LoadError, OBJECT, attach};

const PROGRAMS: [Attached; 2] = [
    Attached { program: "floor_enter", hook: Hook::Raw { name: "sys_enter" }, group: Group::SyscallMetrics },
    Attached { program: "floor_exit", hook: Hook::Raw { name: "sys_exit" }, group: Group::SyscallMetrics },
];

/// The two floor programs, attached until dropped.
pub struct Floor {
    _ebpf: Ebpf,
    counts: PerCpuArray<MapData, u64>,
}

impl Floor {
    /// Loads the object and attaches the two floor programs only.
    ///
    /// # Errors
    /// [`LoadError`] naming the program or map that failed.
    pub fn attach() -> Result<Self, LoadError> {
        if OBJECT.is_empty() {
            return Err(LoadError::NoObject);
        }
        let mut ebpf = EbpfLoader::new().allow_unsupported_maps().load(OBJECT)?;
        for spec in PROGRAMS {
            attach(&mut ebpf, spec, None)?;
        }
        let map = ebpf.take_map("FLOOR_COUNTS").ok_or(LoadError::MissingMap("FLOOR_COUNTS"))?;
        let counts = PerCpuArray::try_from(map).map_err(|source| LoadError::Map { map: "FLOOR_COUNTS", source })?;
        Ok(Self { _ebpf: ebpf, counts })
    }

    /// Calls counted so far by (`floor_enter`, `floor_exit`), all CPUs summed.
    ///
    /// # Errors
    /// [`LoadError::Map`] when the counters cannot be read.
    pub fn counts(&self) -> Result<(u64, u64), LoadError> {
        let read = |slot| {
            self.counts
                .get(&slot, 0)
                .map(|per_cpu| per_cpu.iter().sum::<u64>())
                .map_err(|source| LoadError::Map { map: "FLOOR_COUNTS", source })
        };
        Ok((read(0)?, read(1)?))
    }
}
