//! Loading and attaching the kernel programs.
//!
//! [`offsets`] resolves the kernel structure offsets from BTF, [`loader`]
//! patches the globals, loads the embedded object and attaches each program,
//! [`stats`] reads the per-CPU counters the programs keep. [`floor`] is the
//! benchmark's two bare hooks. [`watch_heads`] builds the first-stage filter of
//! watched-path reads.

pub mod floor;
pub mod loader;
pub mod offsets;
pub mod stats;
pub mod syscall_maps;
pub mod watch_heads;

pub use loader::{Attached, Group, LoadError, LoadOptions, Loaded, load_and_attach};
pub use offsets::{OffsetsError, resolve_offsets};
pub use stats::KernelStats;
pub use syscall_maps::{SyscallMaps, SyscallSnapshot};
