//! Metrics as OTLP protobuf, built directly.
//!
//! The kernel already aggregates syscalls into counts and log2 histograms;
//! the OpenTelemetry SDK can neither take pre-aggregated histograms nor
//! build one Resource per container, so these modules build
//! `ExportMetricsServiceRequest`s themselves: [`syscalls`] for the
//! per-container syscall metrics, [`agent`] for the agent's own health, and
//! [`proto`] for the shared conversions.

pub mod agent;
pub mod proto;
pub mod syscalls;

pub use agent::{AgentCounters, agent_metrics};
pub use syscalls::{Admitted, SyscallResources, syscall_metrics};
