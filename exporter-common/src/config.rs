//! Load-time settings the agent writes into eBPF globals.

use core::mem::size_of;

/// Settings read by every program (global `AGENT`).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentConfig {
    /// Thread-group id of the agent itself; its own events are ignored so
    /// that exporting never feeds back into what is exported.
    pub agent_pid: u32,
    /// `AGENT_*` feature bits.
    pub flags: u32,
    /// [`crate::events::security::watch_head_mask`] of the watched-prefix
    /// heads in `SEC_WATCH_HEADS`; 0 turns that first-stage filter off.
    pub watch_head_mask: u64,
}

/// `SYSCALL_SPECS` holds at least one entry (slow-syscall thresholds,
/// connection roles or security layouts); without it `sys_exit` skips the
/// lookup entirely.
pub const AGENT_SLOW_SPECS: u32 = 1 << 0;
/// Per-syscall counts and latency histograms are kept (`SYSCALL_STATS`).
pub const AGENT_SYSCALL_METRICS: u32 = 1 << 1;

impl AgentConfig {
    pub const DEFAULT: AgentConfig = AgentConfig { agent_pid: 0, flags: 0, watch_head_mask: 0 };
}

const _: () = assert!(size_of::<AgentConfig>() == 16);

#[cfg(feature = "user")]
unsafe impl aya::Pod for AgentConfig {}
