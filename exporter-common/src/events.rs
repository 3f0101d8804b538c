//! Payloads of the ring-buffer records, one module per event.

pub mod cgroup;
pub mod conn;
pub mod exec;
pub mod exit;
pub mod fork;
pub mod security;
pub mod slow;

pub use cgroup::{CgroupData, CgroupEvent};
pub use conn::{ConnData, ConnEvent};
pub use exec::{ExecData, ExecEvent};
pub use exit::{ExitData, ExitEvent};
pub use fork::{ForkData, ForkEvent};
pub use security::{SecurityData, SecurityEvent};
pub use slow::{SlowSyscallData, SlowSyscallEvent};
