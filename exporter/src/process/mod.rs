//! The process table: what sysotel knows of every live process.
//!
//! Seeded from `/proc` at start-up ([`seed`]) and kept current from the
//! kernel's fork, exec and exit events ([`table`]). Entries are keyed by pid
//! and carry the process start time, so a reused pid never inherits the
//! identity of the process that had it before.

pub mod info;
pub mod seed;
pub mod table;

pub use info::ProcessInfo;
pub use seed::{SeedStats, seed_from_proc};
pub use table::ProcessTable;
