//! Host preparation before loading eBPF (mounts and resource limits), and
//! releasing start-up memory after.

mod heap;
mod memlock;
mod mounts;

pub use heap::release_free_memory;
pub use memlock::raise_memlock;
pub use mounts::{BPFFS, MountError, TRACEFS, ensure_mounted, is_mounted};
