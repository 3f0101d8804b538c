//! Host preparation before loading eBPF: mounts and resource limits.

mod memlock;
mod mounts;

pub use memlock::raise_memlock;
pub use mounts::{BPFFS, MountError, TRACEFS, ensure_mounted, is_mounted};
