//! Security events: the syscall catalog, the kernel tables built from it,
//! argument rendering, path resolution and the enriched record.

pub mod binds;
pub mod catalog;
pub mod config;
pub mod layout;
pub mod model;
pub mod render;
pub mod resolve;
pub mod watch;

pub use catalog::{Arg, Category, SyscallDef};
pub use config::SecurityConfig;
pub use model::SecurityRecord;
