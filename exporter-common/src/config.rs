//! Load-time settings the agent writes into eBPF globals.

use core::mem::size_of;

/// Settings read by every program (global `AGENT`).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentConfig {
    /// Thread-group id of the agent itself; its own events are ignored so
    /// that exporting never feeds back into what is exported.
    pub agent_pid: u32,
    /// Reserved, zero.
    pub reserved: u32,
}

impl AgentConfig {
    pub const DEFAULT: AgentConfig = AgentConfig { agent_pid: 0, reserved: 0 };
}

const _: () = assert!(size_of::<AgentConfig>() == 8);

#[cfg(feature = "user")]
unsafe impl aya::Pod for AgentConfig {}
